/* HYP-mode entry: image header, self-relocation, CPU checks, per-CPU stacks.
 *
 * The image carries a Linux zImage header, so QEMU -kernel and U-Boot bootz enter it with the
 * Linux boot protocol: HYP mode, MMU off, r2 = DTB address (../shared/PLATFORM-NOTES.md). It is
 * linked at 0 as a PIE and relocates itself wherever it was loaded, then hands over to C
 * (boot_primary in hyp/boot.c), which builds the HYP stage-1 map and enables the MMU.
 *
 * Secondary CPUs arrive at secondary_entry through PSCI CPU_ON with r0 = their logical index.
 */
#include "hyp/layout.h"

#define PSR_MODE_MASK 0x1f
#define PSR_MODE_HYP 0x1a
#define R_ARM_RELATIVE 23

/* reg = run-time address of sym, position-independently (PC-relative, no relocation). */
.macro adr_far reg, sym
	ldr	\reg, 9998f
9997:	add	\reg, pc, \reg
	b	9999f
9998:	.word	\sym - (9997b + 8)
9999:
.endm

/* Checks CPSR.M == HYP, else boot_fail(BOOT_FAIL_NOT_HYP). */
.macro check_hyp_mode tmp
	mrs	\tmp, cpsr
	and	\tmp, \tmp, #PSR_MODE_MASK
	cmp	\tmp, #PSR_MODE_HYP
	movne	r0, #BOOT_FAIL_NOT_HYP
	bne	boot_fail
.endm

/* sp = top of CPU \idx's stack; HTPIDR = its struct percpu (top of its region). */
.macro setup_cpu_stack idx, t1, t2
	adr_far	\t1, __stacks_start
	ldr	\t2, =HYP_CPU_REGION_SIZE
	mla	\t1, \idx, \t2, \t1
	add	sp, \t1, #(HYP_GUARD_SIZE + HYP_STACK_SIZE)
	add	\t1, \t1, \t2
	sub	\t1, \t1, #HYP_PERCPU_SIZE
	mcr	p15, 4, \t1, c13, c0, 2		@ HTPIDR
.endm

	.section .text.head, "ax"
	.arm
	.global	_start
_start:
	.rept	8
	mov	r0, r0				@ zImage: 8 nops, then a branch at 0x20
	.endr
	b	primary_entry
	.word	0x016f2818			@ 0x24: zImage magic
	.word	0				@ 0x28: start (0: position independent)
	.word	__image_size			@ 0x2c: end = size of bulkhead.bin
	.word	0x04030201			@ 0x30: little-endian marker

primary_entry:
	mov	r10, r2				@ DTB physical address
	check_hyp_mode r4
	mrc	p15, 0, r4, c0, c1, 1		@ ID_PFR1
	ubfx	r4, r4, #12, #4			@ Virtualization Extensions
	cmp	r4, #1
	movne	r0, #BOOT_FAIL_NO_VIRT
	bne	boot_fail
	mrc	p15, 0, r4, c0, c1, 4		@ ID_MMFR0
	ubfx	r4, r4, #0, #4			@ VMSA support: 5 = LPAE
	cmp	r4, #5
	movlt	r0, #BOOT_FAIL_NO_LPAE
	blt	boot_fail
	cpsid	aif

	/* Apply R_ARM_RELATIVE relocations: *(load + off) += load. */
	adr_far	r9, _start			@ r9 = load address (linked at 0)
	adr_far	r5, __rel_start
	adr_far	r6, __rel_end
1:	cmp	r5, r6
	bhs	2f
	ldm	r5!, {r7, r8}			@ r_offset, r_info
	and	r8, r8, #0xff
	cmp	r8, #R_ARM_RELATIVE
	movne	r0, #BOOT_FAIL_RELOC
	bne	boot_fail
	ldr	r8, [r7, r9]
	add	r8, r8, r9
	str	r8, [r7, r9]
	b	1b
2:
	/* Clear .bss (the pool and stacks are NOLOAD and need no clearing). */
	adr_far	r5, __bss_start
	adr_far	r6, __bss_end
	mov	r7, #0
	mov	r8, #0
3:	cmp	r5, r6
	strlo	r7, [r5], #4
	blo	3b

	mov	r4, #0
	bl	common_cpu_setup
	mov	r0, r10				@ dtb
	mov	r1, r9				@ load address
	bl	boot_primary			@ noreturn
	b	boot_fail

	.text
	.global	secondary_entry
secondary_entry:
	check_hyp_mode r4
	cpsid	aif
	cmp	r0, #HYP_MAX_CPUS
	movhs	r0, #BOOT_FAIL_CPU_INDEX
	bhs	boot_fail
	mov	r4, r0
	bl	common_cpu_setup
	mov	r0, r4
	bl	boot_secondary			@ noreturn
	b	boot_fail

/* r4 = logical CPU index. Sets HVBAR, the stack and HTPIDR; invalidates the I-cache and branch
 * predictor (the loader or relocation may have written code). Clobbers r5, r6. */
common_cpu_setup:
	adr_far	r5, hyp_vectors
	mcr	p15, 4, r5, c12, c0, 0		@ HVBAR
	setup_cpu_stack r4, r5, r6
	mov	r5, #0
	mcr	p15, 0, r5, c7, c5, 0		@ ICIALLU
	mcr	p15, 0, r5, c7, c5, 6		@ BPIALL
	dsb
	isb
	bx	lr

/* Fatal boot error before a console is known: r0 holds a BOOT_FAIL_* code (hyp/layout.h).
 * The CPU sleeps here forever; a debugger shows pc in boot_fail and the code in r0. */
	.global	boot_fail
boot_fail:
	wfi
	b	boot_fail

	.ltorg
