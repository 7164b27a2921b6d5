/* Boot self-tests selected by /chosen/bulkhead,selftest (see selftest.h). */
#include "hyp/selftest.h"

#include <string.h>

#include "hyp/bench.h"
#include "hyp/boot.h"
#include "hyp/console.h"
#include "hyp/dt.h"
#include "hyp/layout.h"
#include "mm/stage2_selftest.h"

#define SELFTEST_PROP "bulkhead,selftest"

/* Executes a permanently undefined instruction in HYP mode: must end in the panic dump. */
static void st_hyp_undef(void)
{
	__asm__ volatile(".word 0xe7f000f0"); /* UDF #0 (A1 encoding) */
}

/* Recurses until the stack runs into its guard page: must be reported as a stack overflow.
 * The depth limit only exists to keep the compiler from proving the recursion infinite. */
static unsigned __attribute__((noinline)) st_recurse(volatile unsigned depth)
{
	volatile char pad[256];

	pad[0] = (char)depth;
	if (depth > HYP_STACK_SIZE)
		return pad[0];
	return st_recurse(depth + 1) + pad[0];
}

static void st_stack_overflow(void)
{
	st_recurse(0);
}

/* Reads the first byte after the image, which the HYP map does not cover. */
static void st_hyp_data_abort(void)
{
	(void)*(volatile uint32_t *)(uintptr_t)hyp_image.end;
}

static void st_stage2(void)
{
	stage2_selftest(hyp_platform());
}

static const struct {
	const char *name;
	void (*fn)(void);
} tests[] = {
	{"hyp-undef", st_hyp_undef},
	{"hyp-stack-overflow", st_stack_overflow},
	{"hyp-data-abort", st_hyp_data_abort},
	{"stage2", st_stage2},
	{"vmid-rollover", vmid_rollover_selftest},
	{"bench-stage2", bench_stage2},
	{"bench-vmid", bench_vmid},
	{"bench-memory", bench_memory},
};

void selftest_run(const void *fdt)
{
	int chosen = dt_node(fdt, "/chosen");
	unsigned n = chosen < 0 ? 0 : dt_string_count(fdt, chosen, SELFTEST_PROP);

	for (unsigned i = 0; i < n; i++) {
		const char *name = dt_string_at(fdt, chosen, SELFTEST_PROP, i);
		size_t t;

		for (t = 0; t < ARRAY_SIZE(tests); t++)
			if (name && !strcmp(name, tests[t].name))
				break;
		if (t == ARRAY_SIZE(tests)) {
			pr_err("/chosen: property '%s': unknown self-test \"%s\"", SELFTEST_PROP,
			       name ? name : "?");
			continue;
		}
		pr_info("selftest %s: start", tests[t].name);
		tests[t].fn();
		pr_info("selftest %s: done", tests[t].name);
	}
}
