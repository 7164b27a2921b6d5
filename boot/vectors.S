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
 * World switch (KVM-style "run until exit"): guest_enter(regs) saves the HYP callee-saved
 * registers on the HYP stack, records regs in this CPU's struct percpu, loads the guest's
 * registers and ERETs. SP_hyp is banked, so when the guest takes an exception to HYP (the trap
 * slot, or an IRQ whose SPSR mode is not HYP) the HYP stack is exactly as guest_enter left it:
 * guest_exit stores the guest registers back into regs and returns the vector slot to
 * guest_enter's caller, which handles the exit in C (hyp/trap.c).
 *
 * Fast paths: before that, the trap slot pushes the guest's r0-r12 and LR_usr (one STM) and asks
 * trap_fast() (hyp/trap.h) whether it can answer the exit in place (hypercalls that only read
 * state, emulated MMIO); if so it pops them, as trap_fast() may have changed them, and ERETs
 * straight back to the guest. The IRQ slot does the same
 * with irq_fast() (hyp/exception.h: the virtual timer's tick).
 */
#include "asm-offsets.h"
#include "hyp/exception.h"

#define PSR_MODE_SVC 0x13
#define PSR_MODE_MASK 0x1f
#define PSR_MODE_HYP 0x1a
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

/* Stores the guest's registers into the struct vcpu_regs at r0 (guest r0, r1 on the stack),
 * clears percpu->guest_regs, and leaves sp where guest_enter pushed its frame. */
.macro save_guest_regs
	add	r1, r0, #8
	stm	r1, {r2-r12}			@ r2-r12
	pop	{r1, r2}
	stm	r0, {r1, r2}			@ r0, r1
	mrs	r1, sp_usr
	str	r1, [r0, #VREGS_SP_USR]
	str	lr, [r0, #VREGS_LR_USR]		@ LR in HYP mode is the guest's LR_usr
	mrs	r1, elr_hyp
	str	r1, [r0, #VREGS_PC]
	mrs	r1, spsr
	str	r1, [r0, #VREGS_CPSR]
	mrc	p15, 4, r1, c13, c0, 2
	mov	r2, #0
	str	r2, [r1, #PERCPU_GUEST_REGS]
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
	push	{r0-r12, lr}			@ the guest's r0-r12 and LR_usr, for trap_fast()
	mrc	p15, 4, r0, c13, c0, 2		@ HTPIDR: struct percpu
	ldr	r0, [r0, #PERCPU_GUEST_REGS]	@ struct vcpu_regs = the running struct vcpu
	cmp	r0, #0
	beq	trap_from_hyp
	mov	r1, sp
	bl	trap_fast			@ sp is 8-byte aligned: 10 + 14 words below the caller's
	cmp	r0, #0
	pop	{r0-r12, lr}			@ as trap_fast() left them
	beq	trap_slow
	eret					@ answered: ELR_hyp and SPSR_hyp are the guest's
trap_slow:
	push	{r0, r1}
	mrc	p15, 4, r0, c13, c0, 2
	ldr	r0, [r0, #PERCPU_GUEST_REGS]
	b	guest_exit_trap
trap_from_hyp:
	pop	{r0-r12, lr}
	fatal_entry HYP_VEC_TRAP		@ no guest was running: a trap from HYP itself
vec_fiq:	fatal_entry HYP_VEC_FIQ

vec_irq:
	push	{r0, r1}
	mrs	r0, spsr
	and	r0, r0, #PSR_MODE_MASK
	cmp	r0, #PSR_MODE_HYP
	beq	1f
	push	{r2, r3, r12, lr}		@ with r0, r1: what a C call may change; 6 words
	mrc	p15, 4, r0, c13, c0, 2
	ldr	r0, [r0, #PERCPU_GUEST_REGS]	@ the running struct vcpu
	bl	irq_fast
	cmp	r0, #0
	pop	{r2, r3, r12, lr}
	beq	irq_slow
	pop	{r0, r1}
	eret					@ answered: ELR_hyp and SPSR_hyp are still the guest's
irq_slow:
	mrc	p15, 4, r0, c13, c0, 2
	ldr	r0, [r0, #PERCPU_GUEST_REGS]
	b	guest_exit_irq			@ the guest's r0, r1 are still pushed
1:	pop	{r0, r1}
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

/* unsigned guest_enter(struct vcpu_regs *regs) */
	.global	guest_enter
guest_enter:
	push	{r4-r12, lr}			@ 10 words: sp stays 8-byte aligned
	mrc	p15, 4, r1, c13, c0, 2
	str	r0, [r1, #PERCPU_GUEST_REGS]
	ldr	r1, [r0, #VREGS_SP_USR]
	msr	sp_usr, r1
	ldr	lr, [r0, #VREGS_LR_USR]		@ HYP mode has no LR of its own: LR is LR_usr
	ldr	r1, [r0, #VREGS_PC]
	msr	elr_hyp, r1
	ldr	r1, [r0, #VREGS_CPSR]
	msr	spsr_cxsf, r1
	ldm	r0, {r0-r12}			@ base in the list, no writeback: r0 is loaded last
	eret

/* Entered with the guest's r0, r1 pushed and r0 = its struct vcpu_regs. */
guest_exit_trap:
	save_guest_regs
	mov	r0, #HYP_VEC_TRAP
	pop	{r4-r12, pc}
guest_exit_irq:
	save_guest_regs
	mov	r0, #HYP_VEC_IRQ
	pop	{r4-r12, pc}

/* Guest-side probe code, run at PL1 with stage 1 off (see hyp/probe.h). */
	.align	5
	.global	probe_guest_read
probe_guest_read:
	ldr	r1, [r0]
	mov	r0, #0				@ no hypercall id: the HVC takes the slow path
	hvc	#0
	.global	probe_guest_write
probe_guest_write:
	str	r1, [r0]
	mov	r0, #0
	hvc	#0
