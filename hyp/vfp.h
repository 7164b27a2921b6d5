/* Lazy VFP/Advanced SIMD switching. The hypervisor itself is soft-float and never touches the
 * VFP registers, so they hold the state of one vCPU per CPU, the "owner". Switching to another
 * vCPU only sets HCPTR.TCP10/TCP11; that vCPU's first VFP instruction traps (EC 0x07) and only
 * then is the owner's state saved and the new one loaded. A CPU with one vCPU never traps
 * after the first use. */
#ifndef BULKHEAD_VFP_H
#define BULKHEAD_VFP_H

#include "hyp/vcpu.h"

/* Called when v is about to run on this CPU: traps VFP unless v owns the registers. */
void vfp_switch(const struct vcpu *v);

/* The HCPTR trap: makes v the owner. */
void vfp_trap(struct vcpu *v);

/* In boot/vfp.S: raw save/restore of d0-d31, FPSCR, FPEXC (FPEXC.EN must be set). */
void vfp_save_regs(struct vcpu_vfp *s);
void vfp_restore_regs(const struct vcpu_vfp *s);

#endif
