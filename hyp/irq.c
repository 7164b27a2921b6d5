/* Physical IRQs taken by HYP, from HYP mode or on a guest exit: acknowledge, dispatch,
 * deactivate (EOImode 1). */
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

void hyp_irq(void)
{
	uint32_t iar = gic_ack();
	uint32_t intid = iar & GIC_INTID_MASK;

	if (intid == GIC_SPURIOUS)
		return;
	this_cpu()->irqs++;
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
