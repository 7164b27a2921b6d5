/* benchirq: virtual timer interrupts through the vGIC (make bench), alone on a physical CPU so
 * that WFI does not trap and nothing else runs there.
 *
 * Each tick: the virtual timer's physical PPI exits to HYP (IRQ exit), which injects INTID 27
 * into a list register with GICH_LR.EOI; the guest's handler acknowledges it (GICC_IAR of the
 * GICV: no trap), re-arms the timer and ends it (GICC_EOIR), whose maintenance interrupt exits to
 * HYP again so that HYP deactivates the physical PPI (maintenance exit). Between ticks the guest
 * sleeps in WFI.
 *
 *  1. BENCH_TICKS ticks in one window: the HYP instructions per tick (both exits together).
 *  2. The split, one tick each, with single-shot windows (guests/bench/bench.h):
 *     - IRQ exit: from a BENCH_START before the guest's WFI to a BENCH_STOP first thing in the
 *       handler, against the START/STOP pair back to back in the handler (same vGIC state: the
 *       tick's list register active).
 *     - maintenance exit: from a BENCH_START in the handler just before GICC_EOIR to a
 *       BENCH_STOP just after it, against the pair back to back in the main loop (no list
 *       register in use, as after the maintenance exit).
 *     The two exits add up to the per-tick figure of 1.
 * The split ticks are re-armed from the time of the re-arm, SPLIT_PERIOD ahead, so a
 * hypervisor console line printed by a BENCH_STOP cannot make the next tick come early.
 */
#include "guests/bench/bench.h"
#include "guests/common/console.h"
#include "guests/common/gic.h"
#include "guests/common/guest.h"

#ifndef BENCH_ITERS
#define BENCH_ITERS 10000u /* ticks in the window; a build may shrink it, e.g. to trace paths */
#endif
#define WARMUP_TICKS 16u
/* Counter ticks (62.5 MHz) between timer interrupts: at -icount shift=0 one instruction is 1 ns,
 * so 1,000 counter ticks are 16,000 instructions, far more than a tick costs. */
#define PERIOD 1000u
#define SPLIT_PERIOD 100000u /* more than a hypervisor console line costs */

#define NAME_TOTAL "virtual timer tick (IRQ exit + EOI maintenance exit)"
#define NAME_IRQ "virtual timer tick: IRQ exit, injection"
#define NAME_EOI "virtual timer tick: EOI maintenance exit"

/* CNTV_CTL (ARM ARM B8.2) */
#define CNTV_CTL_ENABLE (1u << 0)

enum mode {
	MODE_COUNT,	   /* re-arm at deadline + PERIOD, end the interrupt, count */
	MODE_SPLIT,	   /* re-arm SPLIT_PERIOD from now */
	MODE_IRQ_WINDOW,   /* BENCH_STOP of the IRQ exit window first thing */
	MODE_IRQ_OVERHEAD, /* the START/STOP pair back to back, list register active */
	MODE_EOI_WINDOW,   /* BENCH_START; EOI; BENCH_STOP */
};

static volatile enum mode mode;
static uint64_t deadline; /* CNTV_CVAL: when the next tick is due */
static volatile uint32_t ticks;
static volatile uint32_t unexpected;

static void rearm(void)
{
	if (mode == MODE_COUNT)
		deadline += PERIOD;
	else
		deadline = counter_now() + SPLIT_PERIOD;
	sysreg_write64(CNTV_CVAL, deadline);
	isb(); /* the timer's output is low again before EOI: it must not pend anew */
}

/* IRQ mode, IRQs masked (crt0.S): never re-entered. */
static void on_irq(unsigned kind, struct guest_regs *regs)
{
	uint32_t iar = gic_ack();

	(void)kind;
	(void)regs;
	if (mode == MODE_IRQ_WINDOW)
		bench_stop(NAME_IRQ " [window]", 1);
	if (GICC_IAR_INTID(iar) != GIC_PPI_VTIMER) {
		unexpected++;
		if (GICC_IAR_INTID(iar) < GIC_INTID_SPECIAL)
			gic_eoi(iar);
		return;
	}
	if (mode == MODE_IRQ_OVERHEAD) {
		bench_start();
		bench_stop(NAME_IRQ " [overhead]", 1);
	}
	rearm();
	if (mode == MODE_EOI_WINDOW) {
		bench_start();
		gic_eoi(iar);
		isb(); /* the maintenance interrupt is taken here, inside the window */
		bench_stop(NAME_EOI " [window]", 1);
	} else {
		gic_eoi(iar);
	}
	ticks = ticks + 1;
}

/* Sleeps in WFI until `target` ticks have been taken; IRQs masked on entry and return. */
static void wait_ticks(uint32_t target)
{
	while (ticks < target)
		gic_wait_irq_masked();
}

/* Takes one tick with the handler in mode m, then one plain tick to settle. */
static void split_tick(enum mode m)
{
	mode = m;
	if (m == MODE_IRQ_WINDOW)
		bench_start();
	wait_ticks(ticks + 1);
	mode = MODE_SPLIT;
	wait_ticks(ticks + 1);
}

int main(void)
{
	gprintf("benchirq: start\n");
	guest_set_exception_handler(GUEST_EXC_IRQ, on_irq);
	gic_dist_enable();
	gic_set_priority(GIC_PPI_VTIMER, GIC_PRIO_DEFAULT);
	gic_enable_irq(GIC_PPI_VTIMER);
	gic_cpu_enable(GIC_PMR_ALLOW_ALL);

	mode = MODE_COUNT;
	deadline = counter_now() + PERIOD;
	sysreg_write64(CNTV_CVAL, deadline);
	sysreg_write32(CNTV_CTL, CNTV_CTL_ENABLE);
	isb();

	wait_ticks(WARMUP_TICKS);
	bench_start();
	wait_ticks(WARMUP_TICKS + BENCH_ITERS);
	bench_stop(NAME_TOTAL, BENCH_ITERS);

	mode = MODE_SPLIT;
	wait_ticks(ticks + 2); /* the first may come at once: its deadline passed while printing */
	split_tick(MODE_IRQ_OVERHEAD);
	split_tick(MODE_IRQ_WINDOW);
	split_tick(MODE_EOI_WINDOW);
	/* The maintenance exit left no list register in use, like here. */
	bench_start();
	bench_stop(NAME_EOI " [overhead]", 1);

	sysreg_write32(CNTV_CTL, 0);
	if (unexpected) {
		gprintf("benchirq: %lu unexpected interrupts\n", (uint32_t)unexpected);
		return GUEST_EXIT_FAILED;
	}
	gprintf("benchirq: done\n");
	return GUEST_EXIT_OK;
}
