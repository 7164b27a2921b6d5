/* HYP vector table (HVBAR) and exception entry.
 *
 * Undefined, SVC, prefetch and data aborts, and the reset and FIQ slots can only be taken from
 * HYP mode itself (guest exceptions arrive at the HYP trap slot or as IRQs), so they are fatal:
 * the entry switches to this CPU's panic stack (sp = HTPIDR, see hyp/layout.h) before touching
 * memory, so a stack overflow still produces a dump, saves a struct hyp_frame (hyp/exception.h)
 * and calls hyp_fatal_exception(). The faulting sp is parked in TPIDRPRW (a PL1 register HYP
 * never uses; this path never returns to a guest).
 *
 * IRQs taken in HYP save the caller-saved registers, ELR_hyp and SPSR, call hyp_irq() and return.
 */
#include "hyp/exception.h"

.macro fatal_entry vec
	mcr	p15, 0, sp, c13, c0, 4		@ TPIDRPRW = faulting sp
	mrc	p15, 4, sp, c13, c0, 2		@ sp = HTPIDR: top of the panic stack
	push	{r0-r12}
	mrc	p15, 0, r0, c13, c0, 4
	mov	r1, lr
	mrs	r2, elr_hyp
	mrs	r3, spsr
	push	{r0-r3}				@ struct hyp_frame: sp, lr, elr, spsr, r0-r12
	mov	r0, sp
	mov	r1, #\vec
	bic	sp, sp, #7			@ AAPCS: 8-byte aligned stack at calls
	bl	hyp_fatal_exception
	b	.
.endm

	.text
	.arm
	.align	5
	.global	hyp_vectors
hyp_vectors:
	b	vec_reset			@ 0x00
	b	vec_undef			@ 0x04 undefined instruction in HYP
	b	vec_svc				@ 0x08 SVC in HYP
	b	vec_pabt			@ 0x0c prefetch abort in HYP
	b	vec_dabt			@ 0x10 data abort in HYP
	b	vec_trap			@ 0x14 HYP trap: HVC, or a trap from a guest
	b	vec_irq				@ 0x18
	b	vec_fiq				@ 0x1c

vec_reset:	fatal_entry HYP_VEC_RESET
vec_undef:	fatal_entry HYP_VEC_UNDEF
vec_svc:	fatal_entry HYP_VEC_SVC
vec_pabt:	fatal_entry HYP_VEC_PABT
vec_dabt:	fatal_entry HYP_VEC_DABT
vec_trap:	fatal_entry HYP_VEC_TRAP	@ no guests yet: any trap is unexpected
vec_fiq:	fatal_entry HYP_VEC_FIQ

vec_irq:
	push	{r0-r3, r12, lr}
	mrs	r0, elr_hyp
	mrs	r1, spsr
	push	{r0, r1}			@ 8 words: sp stays 8-byte aligned
	bl	hyp_irq
	pop	{r0, r1}
	msr	elr_hyp, r0
	msr	spsr_cxsf, r1
	pop	{r0-r3, r12, lr}
	eret
