/* ctxsw's give-away routines and VBAR tables (see live.h).
 *
 * While a routine runs, the registers it holds contain patterns, SP_svc included in
 * ctxsw_yield: it keeps no frame pointer, reaches memory only through registers it reloads, and
 * sets no flags between loading the CPSR flags and reading them back (the MRS).
 */
#include "hyp/hypercall_abi.h"
#include "guests/common/guest.h"
#include "guests/ctxsw/live.h"

#define LIVE_SP (4 * LIVE_SP_WORD)
#define LIVE_LR (4 * LIVE_LR_WORD)
#define LIVE_CPSR (4 * LIVE_CPSR_WORD)
#define LIVE_R4 (4 * 4)

	.syntax unified
	.arm
	.arch_extension virt

	.text
/* void ctxsw_yield(const struct live *in, struct live *out, uint32_t vcpu) */
	.global	ctxsw_yield
	.type	ctxsw_yield, %function
ctxsw_yield:
	push	{r1, r4-r11, lr}		@ 10 words; out at [sp]
	and	r2, r2, #(GUEST_MAX_VCPUS - 1)
	ldr	r3, =saved_sp
	str	sp, [r3, r2, lsl #2]
	ldr	r3, [r0, #LIVE_CPSR]
	msr	APSR_nzcvqg, r3
	ldr	lr, [r0, #LIVE_LR]
	ldr	sp, [r0, #LIVE_SP]
	add	r0, r0, #LIVE_R4
	ldm	r0, {r4-r12}
	ldr	r0, =BH_HVC_YIELD
	hvc	#0
	ldr	r0, =BH_HVC_PARTITION_ID	@ r0-r3 may have changed: r1 = vCPU index
	hvc	#0
	mrs	r3, apsr
	and	r1, r1, #(GUEST_MAX_VCPUS - 1)
	ldr	r0, =saved_sp
	ldr	r2, [r0, r1, lsl #2]		@ the real SP
	ldr	r1, [r2]			@ out
	str	r3, [r1, #LIVE_CPSR]
	str	lr, [r1, #LIVE_LR]
	str	sp, [r1, #LIVE_SP]
	add	r1, r1, #LIVE_R4
	stm	r1, {r4-r12}
	mov	sp, r2
	pop	{r1, r4-r11, pc}
	.ltorg
	.size	ctxsw_yield, . - ctxsw_yield

/* void ctxsw_spin(const struct live *in, struct live *out). The loop branches without flags:
 * ADD to PC skips one word (PC reads 8 ahead) plus 4 * r12. */
	.global	ctxsw_spin
	.type	ctxsw_spin, %function
ctxsw_spin:
	push	{r1, r4-r11, lr}		@ out at [sp]
	ldr	r12, [r0, #LIVE_CPSR]
	msr	APSR_nzcvqg, r12
	ldr	lr, [r0, #LIVE_LR]
	ldm	r0, {r0-r11}			@ base in the list, no writeback: r0 is loaded last
1:	yield
	mrc	p15, 0, r12, c14, c3, 1		@ CNTV_CTL
	ubfx	r12, r12, #2, #1		@ ISTATUS: CNTVCT has reached CNTV_CVAL
	add	pc, pc, r12, lsl #2
	nop
	b	1b				@ r12 = 0: not yet
	mrs	r12, apsr			@ r12 = 1
	push	{r12, lr}
	ldr	r12, [sp, #8]			@ out
	stm	r12, {r0-r11}
	pop	{r0, r1}
	str	r0, [r12, #LIVE_CPSR]
	str	r1, [r12, #LIVE_LR]
	str	sp, [r12, #LIVE_SP]
	pop	{r1, r4-r11, pc}
	.size	ctxsw_spin, . - ctxsw_spin

	.balign	VBAR_TABLE_SIZE
	.global	ctxsw_vectors
ctxsw_vectors:
	.rept	VBAR_TABLES
	b	guest_vectors + 0x00
	b	guest_vectors + 0x04
	b	guest_vectors + 0x08
	b	guest_vectors + 0x0c
	b	guest_vectors + 0x10
	b	guest_vectors + 0x14
	b	guest_vectors + 0x18
	b	guest_vectors + 0x1c
	.endr
	.size	ctxsw_vectors, . - ctxsw_vectors

/* The real SP_svc of each vCPU while ctxsw_yield has a pattern in it. */
	.bss
	.balign	4
saved_sp:
	.space	4 * GUEST_MAX_VCPUS
