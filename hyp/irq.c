/* Physical IRQs taken by HYP, from HYP mode or on a guest exit: acknowledge, dispatch,
 * deactivate (EOImode 1). On a guest exit the vector first tries irq_fast(), which answers the
 * virtual timer's tick without the world switch (vgic_fast_irq()); whatever it does not answer
 * it leaves acknowledged in struct percpu for hyp_irq(), which the run loop calls next. */
#include <inttypes.h>

#include "drivers/gic.h"
#include "hyp/boot.h"
#include "hyp/console.h"
#include "hyp/exception.h"
#include "hyp/panic.h"
#include "hyp/percpu.h"
#include "hyp/sched.h"
#include "hyp/vgic.h"

#define GIC_INTID_MASK 0x3ffu
#define GIC_SPURIOUS 1023u

bool irq_fast(struct vcpu *v)
{
	struct percpu *pc = this_cpu();

	if (v != atomic_load_explicit(&pc->running, memory_order_relaxed))
		return false; /* a probe guest (hyp/probe.h), not a vCPU: nothing acknowledged */

	uint32_t iar = gic_ack();
	uint32_t intid = iar & GIC_INTID_MASK;

	enum vgic_fast done = intid == GIC_SPURIOUS ? VGIC_FAST_NO : vgic_fast_irq(v, intid);

	if (done != VGIC_FAST_NO) {
		pc->irqs++;
		v->irq_exits++;
		gic_eoi(iar); /* priority drop */
		if (done == VGIC_FAST_HYP)
			gic_deactivate(iar);
		return true;
	}
	/* Everything else, spurious included, takes the run loop: hyp_irq() gets this IAR. */
	pc->irq_acked = iar;
	pc->irq_acked_valid = true;
	return false;
}

void hyp_irq(void)
{
	struct percpu *pc = this_cpu();
	uint32_t iar = pc->irq_acked_valid ? pc->irq_acked : gic_ack();
	uint32_t intid = iar & GIC_INTID_MASK;

	pc->irq_acked_valid = false;
	if (intid == GIC_SPURIOUS)
		return;
	pc->irqs++;
	gic_eoi(iar); /* priority drop; deactivation below, or by the guest (GICH_LR.HW) */
	if (vgic_forward_irq(intid))
		return;
	gic_deactivate(iar);
	if (intid == hyp_platform()->gic.maint_intid)
		return; /* list registers drained: the run loop refills them before re-entry */
	if (intid == GIC_SGI_STOP && panic_in_progress())
		cpu_stop();
	else if (intid == GIC_SGI_KICK)
		sched_kicked();
	else if (intid == hyp_platform()->timer.intid_hyp)
		sched_tick();
	else
		pr_warn("cpu%u: unexpected IRQ %" PRIu32, this_cpu()->cpu, intid);
}
