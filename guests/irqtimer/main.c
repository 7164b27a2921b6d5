/* irqtimer: virtual timer interrupts through the GIC. Enables the distributor and this vCPU's CPU
 * interface, enables the virtual timer's PPI (INTID 27) and takes TICKS timer interrupts at
 * TICK_HZ. The handler acknowledges through GICC_IAR, re-arms the timer and ends the interrupt
 * through GICC_EOIR; the main loop sleeps in WFI, except for a window of WINDOW_TICKS ticks in
 * which it spins and counts the traps the vCPU takes (BH_HVC_TRAP_COUNT): taking, acknowledging
 * and ending interrupts and re-arming the timer must not trap. At the end the tick count is
 * checked against the virtual counter. Console lines: guests/README.md.
 */
#include "guests/common/console.h"
#include "guests/common/gic.h"
#include "guests/common/guest.h"
#include "guests/common/hvc.h"

#ifndef BH_HVC_TRAP_COUNT
#define BH_HVC_TRAP_COUNT 0x85000005u /* -> r0 = traps this vCPU took, hypercalls excluded */
#endif

#define TICK_HZ 1000u
#define TICKS 3000u	   /* 3 s of virtual time */
#define REPORT_EVERY 1000u /* a progress line every this many ticks */
#define WINDOW_START 1250u /* the trap-counting window: between two progress lines */
#define WINDOW_TICKS 500u
/* The tick count may differ this much from the elapsed periods: the last tick may come late
 * on a loaded host (no -icount); a wrong rate or lost ticks are off by far more. */
#define TICK_SLACK 20u

/* CNTV_CTL (ARM ARM B8.2) */
#define CNTV_CTL_ENABLE (1u << 0)
#define CNTV_CTL_ISTATUS (1u << 2)

/* Set by main before the timer is enabled; then only the handler changes `deadline`. */
static uint64_t period;	  /* counter ticks per timer tick */
static uint64_t deadline; /* CNTV_CVAL: when the next tick is due */

/* Written by the IRQ handler, read by main on the same vCPU. */
static volatile uint32_t ticks;
static volatile uint32_t unexpected;

static uint32_t trap_count(void)
{
	return hvc_call(BH_HVC_TRAP_COUNT, 0, 0, 0).r0;
}

/* Counts an interrupt that is not a tick; the first one is printed. */
static void count_unexpected(const char *what, uint32_t iar)
{
	if (unexpected++ == 0)
		gprintf("irqtimer: unexpected %s (iar 0x%lx, intid %lu)\n", what, iar,
			GICC_IAR_INTID(iar));
}

/* Runs in IRQ mode with IRQs masked (the exception entry masks them and nothing unmasks them),
 * on this vCPU's IRQ stack (crt0.S), so it is never re-entered. */
static void on_irq(unsigned kind, struct guest_regs *regs)
{
	uint32_t iar = gic_ack();
	uint32_t intid = GICC_IAR_INTID(iar);
	uint32_t n;

	(void)kind;
	(void)regs;
	if (intid != GIC_PPI_VTIMER) {
		count_unexpected("interrupt", iar);
		if (intid < GIC_INTID_SPECIAL)
			gic_eoi(iar);
		return;
	}
	if (!(sysreg_read32(CNTV_CTL) & CNTV_CTL_ISTATUS)) {
		/* INTID 27 while the timer condition is false: injected twice, or too early. */
		count_unexpected("timer interrupt with CNTV_CTL.ISTATUS clear", iar);
		gic_eoi(iar);
		return;
	}
	n = ticks + 1;
	/* Re-arm from the deadline, not from now (CVAL, not TVAL = period): the latency of each
	 * interrupt then does not add up over the run, and a late tick is followed by the ones
	 * that are due at once, so the count keeps up with the counter. */
	if (n < TICKS) {
		deadline += period;
		sysreg_write64(CNTV_CVAL, deadline);
	} else {
		sysreg_write32(CNTV_CTL, 0); /* the last tick: stop the timer */
	}
	isb(); /* the timer's output is low again before EOI: it must not pend anew */
	gic_eoi(iar);
	ticks = n;
}

/* Prints a progress line for every REPORT_EVERY ticks passed since the last call. */
static void report(void)
{
	static uint32_t next = REPORT_EVERY;

	while (ticks >= next) {
		gprintf("irqtimer: %lu ticks\n", next);
		next += REPORT_EVERY;
	}
}

/* Sleeps in WFI until `target` ticks have been taken; called and returns with IRQs masked. */
static void wait_ticks(uint32_t target)
{
	for (;;) {
		report();
		if (ticks >= target)
			return;
		gic_wait_irq_masked();
	}
}

int main(void)
{
	uint32_t freq = counter_freq();
	uint32_t t0, t1, w0, window_traps, elapsed;
	uint64_t start;
	bool ok;

	if (freq == 0) {
		gprintf("irqtimer: CNTFRQ is 0, cannot time the ticks\n");
		return GUEST_EXIT_FAILED;
	}
	period = freq / TICK_HZ;
	gprintf("irqtimer: start (%u Hz, %u ticks)\n", TICK_HZ, TICKS);

	/* The partition's own virtual time (CNTVOFF = the counter when it was created): the
	 * virtual counter is behind the physical one (readable: CNTHCTL.PL1PCTEN), by the time
	 * the machine ran before this partition existed. The physical counter is read first:
	 * without an offset the later virtual read could not be smaller. */
	isb();
	uint64_t pct = sysreg_read64(CNTPCT);
	isb();
	uint64_t vct = sysreg_read64(CNTVCT);
	if (vct >= pct) {
		gprintf("irqtimer: virtual counter 0x%llx not behind physical 0x%llx: no CNTVOFF\n",
			vct, pct);
		return GUEST_EXIT_FAILED;
	}
	gprintf("irqtimer: virtual counter behind physical (CNTVOFF set)\n");

	guest_set_exception_handler(GUEST_EXC_IRQ, on_irq);
	gic_dist_enable();
	gic_set_priority(GIC_PPI_VTIMER, GIC_PRIO_DEFAULT);
	gic_enable_irq(GIC_PPI_VTIMER);
	gic_cpu_enable(GIC_PMR_ALLOW_ALL);

	/* IRQs are still masked (entry state): the first tick is taken in wait_ticks(). */
	start = counter_now();
	deadline = start + period;
	sysreg_write64(CNTV_CVAL, deadline);
	sysreg_write32(CNTV_CTL, CNTV_CTL_ENABLE);
	isb();

	wait_ticks(WINDOW_START);
	/* The window: IRQs on, no WFI (it may trap when the physical CPU is shared) and no
	 * hypercall but the two reads, so every trap counted comes from the interrupt path. */
	irq_enable();
	t0 = trap_count();
	w0 = ticks;
	while (ticks - w0 < WINDOW_TICKS)
		cpu_relax();
	t1 = trap_count();
	irq_disable();
	window_traps = t1 - t0;
	gprintf("irqtimer: traps during %u ticks: %lu\n", WINDOW_TICKS, window_traps);

	wait_ticks(TICKS);
	elapsed = (uint32_t)((counter_now() - start) / period);

	ok = elapsed <= TICKS + TICK_SLACK && elapsed + TICK_SLACK >= TICKS;
	if (!ok)
		gprintf("irqtimer: %lu ticks counted but %lu tick periods of virtual time passed\n",
			(uint32_t)ticks, elapsed);
	gprintf("irqtimer: done %lu ticks, %lu unexpected, traps for ack/eoi %lu\n",
		(uint32_t)ticks, (uint32_t)unexpected, window_traps);
	return ok ? GUEST_EXIT_OK : GUEST_EXIT_FAILED;
}
