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
 *
 * Probe guests (hyp/probe.h): probe_enter saves the callee-saved registers on the HYP stack,
 * records sp in this CPU's struct percpu and ERETs to PL1. SP_hyp is banked, so when the guest
 * traps the HYP stack is exactly as probe_enter left it; the trap vector sees probe_sp set,
 * records HSR and returns the guest's r0 to probe_enter's caller.
 */
#include "asm-offsets.h"
#include "hyp/exception.h"

#define PSR_MODE_SVC 0x13
#define PSR_F (1 << 6)
#define PSR_I (1 << 7)
#define PSR_A (1 << 8)

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
vec_trap:
	push	{r1, r2}
	mrc	p15, 4, r1, c13, c0, 2		@ HTPIDR: struct percpu
	ldr	r2, [r1, #PERCPU_PROBE_SP]
	cmp	r2, #0
	beq	1f
	mov	sp, r2
	mov	r2, #0
	str	r2, [r1, #PERCPU_PROBE_SP]
	mrc	p15, 4, r2, c5, c2, 0		@ HSR
	str	r2, [r1, #PERCPU_PROBE_HSR]
	add	sp, sp, #4
	pop	{r4-r11, pc}			@ guest r0 is the return value
1:	pop	{r1, r2}
	fatal_entry HYP_VEC_TRAP		@ no partitions yet: any other trap is unexpected
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

/* uint32_t probe_enter(uintptr_t entry, uint32_t a0, uint32_t a1) */
	.global	probe_enter
probe_enter:
	push	{r4-r11, lr}
	sub	sp, sp, #4			@ 10 words: sp stays 8-byte aligned
	mrc	p15, 4, r3, c13, c0, 2
	str	sp, [r3, #PERCPU_PROBE_SP]
	msr	elr_hyp, r0
	mov	r3, #(PSR_MODE_SVC | PSR_A | PSR_I | PSR_F)
	msr	spsr_cxsf, r3
	mov	r0, r1
	mov	r1, r2
	eret

/* Guest-side probe code, run at PL1 with stage 1 off (see hyp/probe.h). */
	.align	5
	.global	probe_guest_read
probe_guest_read:
	ldr	r0, [r0]
	hvc	#0
	.global	probe_guest_write
probe_guest_write:
	str	r1, [r0]
	hvc	#0
