/* timerwake: a vCPU waiting in WFI for its virtual timer is woken at its deadline, not when the
 * partition it shares the physical CPU with has used up its time slice. Partition 0 is a hog: it
 * never waits. Partition 1 arms its timer WAIT_US ahead ROUNDS times, waits in WFI with IRQs
 * masked and, in the handler, measures how late the interrupt came (CNTVCT - CNTV_CVAL). With a
 * long time slice (the scenario: 50 ms) a scheduler that only let the waiter yield would wake it
 * after the hog's slice; Bulkhead blocks it and ends the hog's slice at the deadline
 * (hyp/sched.c). Console lines: guests/README.md. */
#include "guests/common/console.h"
#include "guests/common/gic.h"
#include "guests/common/guest.h"
#include "guests/common/hvc.h"

#define ROUNDS 100u
#define WAIT_US 1000u
#define LATE_LIMIT_US 20000u /* far below the scenario's 50 ms slice */
#define CNTV_CTL_ENABLE (1u << 0)

static volatile uint32_t fired;
static volatile uint64_t late_max; /* counter ticks */

static void on_irq(unsigned kind, struct guest_regs *regs)
{
	uint32_t iar = gic_ack();

	(void)kind;
	(void)regs;
	if (GICC_IAR_INTID(iar) == GIC_PPI_VTIMER) {
		uint64_t late = counter_now() - sysreg_read64(CNTV_CVAL);

		if (late > late_max)
			late_max = late;
		sysreg_write32(CNTV_CTL, 0); /* one shot: the line drops before the EOI */
		isb();
		fired = fired + 1;
	}
	if (GICC_IAR_INTID(iar) < GIC_INTID_SPECIAL)
		gic_eoi(iar);
}

static __noreturn void hog(void)
{
	gprintf("timerwake: hog spinning\n");
	for (;;)
		cpu_relax();
}

int main(void)
{
	uint32_t freq = counter_freq();

	if (bh_partition_id() == 0)
		hog();
	if (!freq) {
		gprintf("timerwake: CNTFRQ is 0\n");
		return GUEST_EXIT_FAILED;
	}
	guest_set_exception_handler(GUEST_EXC_IRQ, on_irq);
	gic_dist_enable();
	gic_set_priority(GIC_PPI_VTIMER, GIC_PRIO_DEFAULT);
	gic_enable_irq(GIC_PPI_VTIMER);
	gic_cpu_enable(GIC_PMR_ALLOW_ALL);
	for (uint32_t i = 0; i < ROUNDS; i++) {
		sysreg_write64(CNTV_CVAL, counter_now() + (uint64_t)freq * WAIT_US / 1000000u);
		sysreg_write32(CNTV_CTL, CNTV_CTL_ENABLE);
		isb();
		while (fired == i)
			gic_wait_irq_masked();
	}
	uint32_t late_us = (uint32_t)(late_max * 1000000u / freq);

	gprintf("timerwake: %u wakes, the latest %lu us after its deadline\n", ROUNDS, late_us);
	if (late_us > LATE_LIMIT_US) {
		gprintf("timerwake: FAILED: later than %u us\n", LATE_LIMIT_US);
		return GUEST_EXIT_FAILED;
	}
	gprintf("timerwake: every wake within %u us of its deadline\n", LATE_LIMIT_US);
	return GUEST_EXIT_OK;
}
