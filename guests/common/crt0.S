/* Guest start-up and exception vectors (ARMv7-A, ARM state).
 *
 * The hypervisor enters the boot vCPU at _start (the image base, guest.ld) in SVC mode with the
 * MMU and caches off and A/I/F masked: r0 = 0, r1 = 0xffffffff, r2 = the guest DTB's IPA or 0.
 * A vCPU started by PSCI CPU_ON enters at secondary_entry the same way, with r0 = context id.
 * Both entries keep r0, r1, r2 and CPSR as they find them (r8-r11 survive everything up to the
 * stacks) and store them in guest_boot_regs[vCPU index] (guest.h), so that a guest can check the
 * boot register contract.
 *
 * Each vCPU gets its own stacks, one per mode it can run in (SVC for the code, ABT/UND/IRQ/FIQ
 * for the vectors: SP is banked per mode, and an abort handler without an ABT stack would write
 * wherever SP_abt happens to point). The vCPU index comes from BH_HVC_PARTITION_ID, which
 * clobbers only r0-r3, so it can be made before there is a stack.
 */
#include "hyp/hypercall_abi.h"
#include "guests/common/guest.h"

/* CPSR.M values (ARM ARM B1.3.1) */
#define MODE_FIQ 0x11
#define MODE_IRQ 0x12
#define MODE_SVC 0x13
#define MODE_ABT 0x17
#define MODE_UND 0x1b

#define STR_(x) #x
#define STR(x) STR_(x)

	.syntax unified
	.arm

/* Stores the entry r0, r1, r2 and CPSR, kept in r8-r11, in guest_boot_regs[r1]: right after
 * setup_stacks, which leaves the vCPU index in r1. Clobbers r0. */
.macro	RECORD_BOOT_REGS
	ldr	r0, =guest_boot_regs
	add	r0, r0, r1, lsl #GUEST_BOOT_REGS_SHIFT
	stmia	r0, {r8-r11}		@ struct guest_boot_regs: r0, r1, r2, cpsr
.endm

	.section .text.start, "ax", %progbits
	.global _start
	.type _start, %function
_start:
	mrs	r11, cpsr		@ the entry state, before any instruction can change it
	mov	r8, r0
	mov	r9, r1
	mov	r10, r2
	mov	r4, r2			@ DTB IPA, kept across the loop
	ldr	r0, =__bss_start
	ldr	r1, =__bss_end
	mov	r2, #0
	mov	r3, #0
1:	cmp	r0, r1			@ bss is 8-byte aligned and sized (guest.ld)
	stmialo	r0!, {r2, r3}
	blo	1b
	ldr	r0, =guest_dtb_ipa
	str	r4, [r0]
	bl	setup_stacks
	RECORD_BOOT_REGS		@ after the .bss clear: guest_boot_regs is in .bss
	bl	guest_cpu_init
	bl	main
	b	guest_stop		@ main's return value (r0) is the exit code
	.size	_start, . - _start

	.text
	.global secondary_entry
	.type secondary_entry, %function
secondary_entry:
	mrs	r11, cpsr		@ as in _start
	mov	r8, r0
	mov	r9, r1
	mov	r10, r2
	mov	r4, r0			@ PSCI context id
	bl	setup_stacks
	RECORD_BOOT_REGS
	bl	guest_cpu_init
	mov	r0, r4
	bl	secondary_main
	b	guest_secondary_done	@ PSCI CPU_OFF
	.size	secondary_entry, . - secondary_entry

/* Points the SP of SVC, ABT, UND, IRQ and FIQ mode at this vCPU's stacks and returns in SVC
 * mode with r1 = the vCPU index. Uses no stack; clobbers r0-r3 and r5, keeps r4 and r6-r12
 * (the FIQ-mode instructions touch only r0 and SP_fiq, not the banked r8_fiq-r12_fiq). */
	.type setup_stacks, %function
setup_stacks:
	mov	r5, lr			@ lr is banked: the mode switches below would lose it
	ldr	r0, =BH_HVC_PARTITION_ID
	hvc	#0			@ r1 = vCPU index; r4-r14 are preserved
	cmp	r1, #GUEST_MAX_VCPUS
	bhs	bad_vcpu
	ldr	r0, =guest_stacks
	ldr	r2, =GUEST_VCPU_STACKS_SIZE
	mla	r0, r1, r2, r0		@ this vCPU's block: SVC, ABT, UND, IRQ, FIQ from the bottom
	ldr	r2, =GUEST_EXC_STACK_SIZE
	ldr	r3, =GUEST_SVC_STACK_SIZE
	add	r0, r0, r3
	mov	sp, r0			@ SVC (the stacks grow down from the top of each area)
	cps	#MODE_ABT
	add	r0, r0, r2
	mov	sp, r0
	cps	#MODE_UND
	add	r0, r0, r2
	mov	sp, r0
	cps	#MODE_IRQ
	add	r0, r0, r2
	mov	sp, r0
	cps	#MODE_FIQ
	add	r0, r0, r2
	mov	sp, r0
	cps	#MODE_SVC
	bx	r5

/* No stack to run C on: say so from here and stop the partition. */
bad_vcpu:
	ldr	r0, =BH_HVC_CONSOLE_WRITE
	ldr	r1, =bad_vcpu_msg
	mov	r2, #(bad_vcpu_msg_end - bad_vcpu_msg)
	hvc	#0
	ldr	r0, =BH_HVC_STOP
	mov	r1, #GUEST_EXIT_BAD_VCPU
	hvc	#0
2:	wfi
	b	2b
	.size	setup_stacks, . - setup_stacks

	.section .rodata
bad_vcpu_msg:
	.ascii	"crt0: vcpu index too large for its stacks (GUEST_MAX_VCPUS is "
	.ascii	STR(GUEST_MAX_VCPUS) "), stopping\n"
bad_vcpu_msg_end:

/* Vector table at VBAR (guest_cpu_init). Offsets: ARM ARM B1.8.1. */
	.text
	.balign	32			@ VBAR bits [4:0] are RES0
	.global guest_vectors
guest_vectors:
	b	.			@ 0x00 reset: never taken through VBAR
	b	vec_undef		@ 0x04
	b	vec_svc			@ 0x08
	b	vec_pabt		@ 0x0c
	b	vec_dabt		@ 0x10
	b	.			@ 0x14 unused at PL1 (HYP traps go to HVBAR)
	b	vec_irq			@ 0x18
	b	vec_fiq			@ 0x1c

/* Builds a struct guest_regs on the exception mode's stack and calls guest_exception(kind,
 * regs); returns to regs->pc with regs->cpsr. lr_offset turns the mode's LR into guest_regs.pc
 * (ARM state, B1.8.3): undef, svc and prefetch abort LR = insn + 4; data abort LR = insn + 8;
 * irq and fiq LR = next insn + 4. */
.macro	VECTOR name, kind, mode, lr_offset
\name:
	sub	lr, lr, #\lr_offset
	srsdb	sp!, #\mode		@ pc (LR), then cpsr (SPSR) above it
	sub	sp, sp, #4		@ pad: 64-byte frame keeps SP 8-byte aligned
	push	{r0-r12}
	mov	r0, #\kind
	mov	r1, sp
	bl	guest_exception
	pop	{r0-r12}
	add	sp, sp, #4
	rfeia	sp!
.endm

	VECTOR	vec_undef, GUEST_EXC_UNDEF, MODE_UND, 4
	VECTOR	vec_svc, GUEST_EXC_SVC, MODE_SVC, 4	@ guests run in SVC: the svc took their LR_svc
	VECTOR	vec_pabt, GUEST_EXC_PABT, MODE_ABT, 4
	VECTOR	vec_dabt, GUEST_EXC_DABT, MODE_ABT, 8
	VECTOR	vec_irq, GUEST_EXC_IRQ, MODE_IRQ, 4
	VECTOR	vec_fiq, GUEST_EXC_FIQ, MODE_FIQ, 4

/* Not cleared at boot (they need no initial value) and not part of the image: after .bss. */
	.section .stacks, "aw", %nobits
	.balign	8
guest_stacks:
	.space	GUEST_MAX_VCPUS * GUEST_VCPU_STACKS_SIZE
