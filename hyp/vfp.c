/* Lazy VFP switching (see vfp.h). */
#include "hyp/vfp.h"

#include "hyp/percpu.h"
#include "hyp/sysreg.h"

#define HCPTR_TCP10 (1u << 10)
#define HCPTR_TCP11 (1u << 11)
#define HCPTR_VFP (HCPTR_TCP10 | HCPTR_TCP11)
#define FPEXC_EN (1u << 30)

static uint32_t fpexc_read(void)
{
	uint32_t v;

	__asm__ volatile(".fpu vfpv3\n\tvmrs %0, fpexc" : "=r"(v));
	return v;
}

static void fpexc_write(uint32_t v)
{
	__asm__ volatile(".fpu vfpv3\n\tvmsr fpexc, %0" ::"r"(v) : "memory");
}

void vfp_switch(const struct vcpu *v)
{
	uint32_t hcptr = sysreg_read32(HCPTR);
	uint32_t want = this_cpu()->vfp_owner == v ? hcptr & ~HCPTR_VFP : hcptr | HCPTR_VFP;

	if (want != hcptr) {
		sysreg_write32(HCPTR, want);
		isb();
	}
}

void vfp_trap(struct vcpu *v)
{
	struct percpu *pc = this_cpu();

	/* HCPTR also traps HYP's own accesses: open it before touching the registers. */
	sysreg_write32(HCPTR, sysreg_read32(HCPTR) & ~HCPTR_VFP);
	isb();
	unsigned epoch = atomic_load(&v->epoch);

	if (pc->vfp_owner == v && pc->vfp_owner_epoch == epoch)
		return;
	if (pc->vfp_owner) {
		/* Saved under the epoch it belongs to: if the owner was reset meanwhile (from
		 * another CPU), the copy is simply never restored. */
		struct vcpu_vfp *old = &pc->vfp_owner->vfp;

		old->fpexc = fpexc_read();
		fpexc_write(old->fpexc | FPEXC_EN);
		vfp_save_regs(old);
		old->epoch = pc->vfp_owner_epoch;
	}
	fpexc_write(FPEXC_EN);
	if (v->vfp.epoch == epoch) {
		vfp_restore_regs(&v->vfp);
		fpexc_write(v->vfp.fpexc);
	} else {
		static const struct vcpu_vfp reset_state; /* all zero, FPEXC.EN clear */

		vfp_restore_regs(&reset_state);
		fpexc_write(reset_state.fpexc);
	}
	pc->vfp_owner = v;
	pc->vfp_owner_epoch = epoch;
}
