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

/* The HYP stage-1 permissions (hyp/boot.c): text is read-only, rodata read-only, data and the
 * stacks never executable (XN, and HSCTLR.WXN). Each must end in the panic dump with a
 * permission fault; a test that returns means the protection is missing. */
static void st_hyp_write_text(void)
{
	*(volatile uint32_t *)(uintptr_t)hyp_image.start = 0;
}

static void st_hyp_write_rodata(void)
{
	*(volatile uint32_t *)(uintptr_t)hyp_image.text_end = 0;
}

/* A return instruction in .data: RW memory must not be executable. */
static uint32_t st_data_code[] = {0xe12fff1eu}; /* BX LR (A1 encoding) */

static void st_hyp_exec_data(void)
{
	void (*fn)(void) = (void (*)(void))(uintptr_t)st_data_code;

	__asm__ volatile("dsb\n\tisb" ::: "memory"); /* no excuse: the word is in place */
	fn();
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
	{"hyp-write-text", st_hyp_write_text},
	{"hyp-write-rodata", st_hyp_write_rodata},
	{"hyp-exec-data", st_hyp_exec_data},
	{"stage2", st_stage2},
	{"vmid-rollover", vmid_rollover_selftest},
	{"bench-stage2", bench_stage2},
	{"bench-vmid", bench_vmid},
	{"bench-memory", bench_memory},
	{"bench-boot", bench_boot},
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
