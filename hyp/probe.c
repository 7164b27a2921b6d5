/* Probe guests on top of the world switch (see probe.h). */
#include "hyp/probe.h"

#include "hyp/exception.h"
#include "hyp/sysreg.h"
#include "hyp/vcpu.h"

uint32_t probe_enter(uintptr_t entry, uint32_t a0, uint32_t a1, uint32_t *hsr)
{
	struct vcpu_regs regs = {
		.r = {a0, a1},
		.pc = (uint32_t)entry,
		.cpsr = VCPU_RESET_CPSR,
	};
	unsigned vec = guest_enter(&regs);

	*hsr = vec == HYP_VEC_TRAP ? sysreg_read32(HSR) : 0;
	return regs.r[1];
}
