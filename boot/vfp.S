/* VFP/Advanced SIMD register save and restore for hyp/vfp.c (the only VFP code in Bulkhead).
 * Layout: struct vcpu_vfp { uint64_t d[32]; uint32_t fpscr, fpexc; }. FPEXC.EN must be set. */
	.fpu	neon-vfpv4
	.text
	.arm

/* void vfp_save_regs(struct vcpu_vfp *s) */
	.global	vfp_save_regs
vfp_save_regs:
	vstmia	r0!, {d0-d15}
	vstmia	r0!, {d16-d31}
	vmrs	r1, fpscr
	str	r1, [r0]
	bx	lr

/* void vfp_restore_regs(const struct vcpu_vfp *s) */
	.global	vfp_restore_regs
vfp_restore_regs:
	vldmia	r0!, {d0-d15}
	vldmia	r0!, {d16-d31}
	ldr	r1, [r0]
	vmsr	fpscr, r1
	bx	lr
