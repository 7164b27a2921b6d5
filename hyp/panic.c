/* panic(), fatal HYP exceptions and CPU stop/idle (see panic.h). */
#include "hyp/panic.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdatomic.h>

#include "drivers/gic.h"
#include "drivers/timer.h"
#include "hyp/console.h"
#include "hyp/exception.h"
#include "hyp/fmt.h"
#include "hyp/layout.h"
#include "hyp/mmio.h"
#include "hyp/trap.h"
#include "hyp/percpu.h"
#include "hyp/sysreg.h"

#define PANIC_STOP_WAIT_MS 100 /* how long to wait for other CPUs to acknowledge the stop */

static atomic_bool panicking;
static atomic_uint cpus_stopped;
static unsigned nr_cpus = 1;

void panic_set_nr_cpus(unsigned n)
{
	nr_cpus = n;
}

void cpu_stop(void)
{
	irq_disable();
	atomic_fetch_add(&cpus_stopped, 1);
	dsb_ish();
	sev();
	for (;;)
		wfi();
}

void cpu_idle(void)
{
	irq_enable();
	for (;;)
		wfi();
}

/* HSR exception classes of aborts taken from HYP mode itself (B3.13.6); their ISS holds a
 * long-descriptor fault status code in bits [5:0] and, for data aborts, WnR in bit 6. */
#define EC_PABT_HYP 0x21u
#define EC_DABT_HYP 0x25u
#define ISS_WNR (1u << 6)

static void dump_syndrome(void)
{
	uint32_t hsr = sysreg_read32(HSR);
	uint32_t ec = hsr >> HSR_EC_SHIFT;

	pr_err("  HSR 0x%08" PRIx32 " (EC 0x%02" PRIx32 ") HDFAR 0x%08" PRIx32 " HIFAR 0x%08" PRIx32
	       " HPFAR 0x%08" PRIx32,
	       hsr, ec, sysreg_read32(HDFAR), sysreg_read32(HIFAR), sysreg_read32(HPFAR));
	if (ec == EC_DABT_HYP)
		pr_err("  fault: %s, %s at 0x%08" PRIx32, mmio_dfsc_name(hsr & HSR_DFSC_MASK),
		       (hsr & ISS_WNR) ? "write" : "read", sysreg_read32(HDFAR));
	else if (ec == EC_PABT_HYP)
		pr_err("  fault: %s, instruction fetch at 0x%08" PRIx32,
		       mmio_dfsc_name(hsr & HSR_DFSC_MASK), sysreg_read32(HIFAR));
}

/* Stops the other CPUs and reports; never returns. */
static void __noreturn halt_system(void)
{
	unsigned self = this_cpu()->cpu;

	if (gic_ready()) {
		gic_send_sgi_others(GIC_SGI_STOP);
		uint64_t deadline = timer_now() + timer_ms(PANIC_STOP_WAIT_MS);
		while (atomic_load(&cpus_stopped) + 1 < nr_cpus && timer_now() < deadline)
			wfe();
	}
	pr_err("system halted on cpu%u: %u of %u CPUs stopped", self,
	       atomic_load(&cpus_stopped) + 1, nr_cpus);
	cpu_stop();
}

/* Only the first CPU to panic reports; a second one just stops. */
static void enter_panic(void)
{
	irq_disable();
	if (atomic_exchange(&panicking, true))
		cpu_stop();
	console_bust_lock();
}

void panic(const char *fmt, ...)
{
	char msg[CONSOLE_LINE_MAX];
	va_list ap;

	enter_panic();
	va_start(ap, fmt);
	fmt_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pr_err("PANIC on cpu%u: %s", this_cpu()->cpu, msg);
	dump_syndrome();
	halt_system();
}

static const char *const vec_names[] = {
	[HYP_VEC_RESET] = "reset vector",
	[HYP_VEC_UNDEF] = "undefined instruction",
	[HYP_VEC_SVC] = "supervisor call",
	[HYP_VEC_PABT] = "prefetch abort",
	[HYP_VEC_DABT] = "data abort",
	[HYP_VEC_TRAP] = "unexpected HYP trap",
	[HYP_VEC_IRQ] = "IRQ",
	[HYP_VEC_FIQ] = "FIQ",
};

/* True if addr lies in a guard page below one of the CPUs' stacks. */
static bool in_guard_page(uint32_t addr, unsigned *cpu)
{
	for (unsigned c = 0; c < HYP_MAX_CPUS; c++) {
		uintptr_t base;
		size_t size;

		percpu_stack_range(c, &base, &size);
		if (addr >= base - HYP_GUARD_SIZE && addr < base) {
			*cpu = c;
			return true;
		}
		percpu_panic_range(c, &base, &size);
		if (addr >= base - HYP_GUARD_SIZE && addr < base) {
			*cpu = c;
			return true;
		}
	}
	return false;
}

void hyp_fatal_exception(struct hyp_frame *f, unsigned vec)
{
	unsigned guard_cpu;

	enter_panic();
	pr_err("PANIC on cpu%u: %s in HYP mode at 0x%08" PRIx32, this_cpu()->cpu,
	       vec < ARRAY_SIZE(vec_names) ? vec_names[vec] : "unknown exception", f->elr);
	dump_syndrome();
	for (unsigned i = 0; i < 12; i += 4)
		pr_err("  r%-2u 0x%08" PRIx32 " r%-2u 0x%08" PRIx32 " r%-2u 0x%08" PRIx32
		       " r%-2u 0x%08" PRIx32,
		       i, f->r[i], i + 1, f->r[i + 1], i + 2, f->r[i + 2], i + 3, f->r[i + 3]);
	pr_err("  r12 0x%08" PRIx32 " sp  0x%08" PRIx32 " lr  0x%08" PRIx32 " spsr 0x%08" PRIx32,
	       f->r[12], f->sp, f->lr, f->spsr);
	if (vec == HYP_VEC_DABT && in_guard_page(sysreg_read32(HDFAR), &guard_cpu))
		pr_err("  HYP stack overflow: 0x%08" PRIx32 " is in a guard page of cpu%u's stacks",
		       sysreg_read32(HDFAR), guard_cpu);
	halt_system();
}

bool panic_in_progress(void)
{
	return atomic_load(&panicking);
}
