/* The ctxsw guest's assembly part (live.S): the give-away with the core registers live, and
 * copies of the vector table for VBAR. Included by live.S for the constants: the C part is
 * guarded by __ASSEMBLER__.
 */
#ifndef GUEST_CTXSW_LIVE_H
#define GUEST_CTXSW_LIVE_H

/* struct live: r0-r12, then SP_svc, LR_svc and the CPSR, one word each. */
#define LIVE_WORDS 16
#define LIVE_SP_WORD 13
#define LIVE_LR_WORD 14
#define LIVE_CPSR_WORD 15

/* Copies of the vector table (each entry branches to guest_vectors' own) for VBAR to point at. */
#define VBAR_TABLES 16
#define VBAR_TABLE_SIZE 32 /* 8 entries; also the alignment VBAR needs (bits 4:0 RES0) */

#ifndef __ASSEMBLER__

#include "hyp/types.h"

/* The core registers the routines below hold across the give-away: in as loaded, out as found.
 * The C code must not keep anything of its own in them meanwhile, so only these routines touch
 * them. */
struct live {
	uint32_t w[LIVE_WORDS];
};

/* Loads r4-r12, SP_svc, LR_svc and the CPSR flags from in, gives the CPU away with BH_HVC_YIELD,
 * asks BH_HVC_PARTITION_ID for its vCPU index (the registers still live), and stores what those
 * registers hold then into out. vcpu (the caller's vCPU index) picks the slot that keeps the
 * real SP_svc meanwhile, found again through the index the hypercall returns. */
void ctxsw_yield(const struct live *in, struct live *out, uint32_t vcpu);

/* Loads r0-r11, LR_svc and the CPSR flags from in and spins, using r12 only, until CNTV_CTL
 * says the virtual timer's compare value has passed (the caller sets CNTV_CVAL and enables the
 * timer masked); stores those registers into out. SP_svc stays the real one. */
void ctxsw_spin(const struct live *in, struct live *out);

extern const char ctxsw_vectors[VBAR_TABLES * VBAR_TABLE_SIZE];

#endif /* __ASSEMBLER__ */
#endif
