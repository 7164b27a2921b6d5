/* Fault containment (see fault.h). */
#include "hyp/fault.h"

#include <inttypes.h>

#define HSR_DABT_WNR (1u << 6) /* ISS of a data abort: write, not read (B3.13.6) */

#include "hyp/console.h"
#include "hyp/partition.h"
#include "hyp/sysreg.h"

static const char *const kind_names[] = {
	[FAULT_DATA_ABORT] = "stage-2 data abort",
	[FAULT_PREFETCH] = "stage-2 prefetch abort",
	[FAULT_BAD_CALL] = "undefined call",
	[FAULT_UNSUPPORTED] = "unsupported trap",
};

void fault_raise(struct vcpu *v, enum fault_kind kind, uint64_t addr, uint32_t hsr,
		 const char *detail)
{
	struct partition *p = v->part;
	const struct part_config *cfg = p->cfg;

	if (kind == FAULT_BAD_CALL)
		pr_err("partition %s vcpu %u: %s: %s function 0x%08llx (pc 0x%08" PRIx32 ")",
		       cfg->name, v->index, kind_names[kind], detail, (unsigned long long)addr,
		       v->regs.pc);
	else
		pr_err("partition %s vcpu %u: %s%s%s at IPA 0x%llx (pc 0x%08" PRIx32
		       ", HSR 0x%08" PRIx32 ")",
		       cfg->name, v->index, kind_names[kind], detail ? ": " : "",
		       detail ? detail : "", (unsigned long long)addr, v->regs.pc, hsr);

	switch (cfg->fault_policy) {
	case FAULT_INJECT:
		if (kind == FAULT_DATA_ABORT) {
			/* The guest's virtual address (HDFAR, still this trap's), not the IPA:
			 * they differ once the guest's MMU is on. HSR.ISS.WnR: a write. */
			vcpu_inject_dabt(v, sysreg_read32(HDFAR), hsr & HSR_DABT_WNR);
			pr_info("partition %s vcpu %u: data abort injected", cfg->name, v->index);
			return;
		}
		if (kind == FAULT_PREFETCH) {
			vcpu_inject_pabt(v, sysreg_read32(HIFAR));
			pr_info("partition %s vcpu %u: prefetch abort injected", cfg->name,
				v->index);
			return;
		}
		if (kind == FAULT_BAD_CALL) {
			/* The call has completed (pc is past it); the guest must see the HVC or
			 * SMC itself as undefined. Both are 32-bit in ARM and Thumb. */
			v->regs.pc -= 4;
			vcpu_inject_undef(v);
			pr_info("partition %s vcpu %u: undefined instruction injected", cfg->name,
				v->index);
			return;
		}
		partition_stop(p, "fault policy inject cannot deliver this fault");
		return;
	case FAULT_RESTART:
		if (p->restarts < cfg->restart_limit) {
			p->restarts++;
			pr_info("partition %s restarting (%u of %u)", cfg->name, p->restarts,
				cfg->restart_limit);
			partition_restart(p, "fault policy restart");
			return;
		}
		partition_stop(p, "restart limit reached");
		return;
	case FAULT_STOP:
	default:
		partition_stop(p, "fault policy stop");
		return;
	}
}
