/* vCPU reset, PL1 state switching and exception injection (see vcpu.h). */
#include "hyp/vcpu.h"

#include <string.h>

#include "hyp/partition.h"
#include "hyp/sysreg.h"

/* Guest SCTLR at reset: MMU, caches and alignment checks off; the RES1 bits of the Cortex-A15
 * reset value (B4.1.130). */
#define GUEST_SCTLR_RESET 0x00c50078u
#define SCTLR_V (1u << 13)  /* high vectors */
#define SCTLR_EE (1u << 25) /* exceptions taken big-endian */
#define SCTLR_TE (1u << 30) /* exceptions taken in Thumb state */
#define PSR_E (1u << 9)
#define PSR_IT_MASK 0x0600fc00u /* IT[7:0] in bits 26:25 and 15:10 */
#define PSR_J (1u << 24)
#define HIGH_VECTORS 0xffff0000u
#define VEC_UNDEF 0x04u
#define VEC_PABT 0x0cu
#define VEC_DABT 0x10u
#define TTBCR_EAE (1u << 31)
/* Fault status for an abort the guest did not cause in its own tables: "synchronous external
 * abort", in the format its TTBCR.EAE selects (B3.13.3, B3.13.5). */
#define FSR_SHORT_EXT_ABORT 0x008u
#define FSR_LPAE_EXT_ABORT 0x210u /* STATUS 0b010000 | LPAE bit 9 */
#define FSR_WNR (1u << 11)	  /* DFSR.WnR, both formats: the access was a write */

#define PSR_MODE_MASK 0x1fu
#define PSR_MODE_USR 0x10u
#define PSR_MODE_FIQ 0x11u
#define PSR_MODE_IRQ 0x12u
#define PSR_MODE_SVC 0x13u
#define PSR_MODE_ABT 0x17u
#define PSR_MODE_UND 0x1bu
#define PSR_MODE_SYS 0x1fu

/* MRS/MSR banked need the register name in the instruction: one case per mode. */
#define BANKED_CASES(op, sp_or_lr, ...)                                                            \
	case PSR_MODE_SVC:                                                                         \
		op(sp_or_lr##_svc, ##__VA_ARGS__);                                                 \
		break;                                                                             \
	case PSR_MODE_ABT:                                                                         \
		op(sp_or_lr##_abt, ##__VA_ARGS__);                                                 \
		break;                                                                             \
	case PSR_MODE_UND:                                                                         \
		op(sp_or_lr##_und, ##__VA_ARGS__);                                                 \
		break;                                                                             \
	case PSR_MODE_IRQ:                                                                         \
		op(sp_or_lr##_irq, ##__VA_ARGS__);                                                 \
		break;                                                                             \
	case PSR_MODE_FIQ:                                                                         \
		op(sp_or_lr##_fiq, ##__VA_ARGS__);                                                 \
		break;

#define READ_INTO(reg, out) (out) = BANKED_READ(reg)

uint32_t vcpu_reg_read(const struct vcpu *v, unsigned n)
{
	unsigned mode = v->regs.cpsr & PSR_MODE_MASK;
	uint32_t val = 0;

	if (n >= 8 && n <= 12 && mode == PSR_MODE_FIQ) {
		switch (n) {
		case 8:
			return BANKED_READ(r8_fiq);
		case 9:
			return BANKED_READ(r9_fiq);
		case 10:
			return BANKED_READ(r10_fiq);
		case 11:
			return BANKED_READ(r11_fiq);
		default:
			return BANKED_READ(r12_fiq);
		}
	}
	if (n < 13)
		return v->regs.r[n];
	if (n > 14)
		return 0;
	if (mode == PSR_MODE_USR || mode == PSR_MODE_SYS)
		return n == 13 ? v->regs.sp_usr : v->regs.lr_usr;
	if (n == 13) {
		switch (mode) {
			BANKED_CASES(READ_INTO, SP, val)
		}
	} else {
		switch (mode) {
			BANKED_CASES(READ_INTO, LR, val)
		}
	}
	return val;
}

void vcpu_reg_write(struct vcpu *v, unsigned n, uint32_t val)
{
	unsigned mode = v->regs.cpsr & PSR_MODE_MASK;

	if (n >= 8 && n <= 12 && mode == PSR_MODE_FIQ) {
		switch (n) {
		case 8:
			BANKED_WRITE(r8_fiq, val);
			return;
		case 9:
			BANKED_WRITE(r9_fiq, val);
			return;
		case 10:
			BANKED_WRITE(r10_fiq, val);
			return;
		case 11:
			BANKED_WRITE(r11_fiq, val);
			return;
		default:
			BANKED_WRITE(r12_fiq, val);
			return;
		}
	}
	if (n < 13) {
		v->regs.r[n] = val;
		return;
	}
	if (n > 14)
		return;
	if (mode == PSR_MODE_USR || mode == PSR_MODE_SYS) {
		if (n == 13)
			v->regs.sp_usr = val;
		else
			v->regs.lr_usr = val;
		return;
	}
	if (n == 13) {
		switch (mode) {
			BANKED_CASES(BANKED_WRITE, SP, val)
		}
	} else {
		switch (mode) {
			BANKED_CASES(BANKED_WRITE, LR, val)
		}
	}
}

/* ID_PFR0.State3 (bits [15:12]) == 1: ThumbEE implemented, its registers exist. */
static bool has_thumbee(void)
{
	return ((sysreg_read32(ID_PFR0) >> 12) & 0xfu) == 1;
}

void vcpu_reset(struct vcpu *v, uint32_t entry, uint32_t r0, uint32_t r2)
{
	memset(&v->regs, 0, sizeof(v->regs));
	memset(&v->banked, 0, sizeof(v->banked));
	memset(&v->cp15, 0, sizeof(v->cp15));
	/* Not v->vfp: bumping the epoch resets it (struct vcpu_vfp). */
	v->regs.pc = entry;
	v->regs.cpsr = VCPU_RESET_CPSR;
	v->regs.r[0] = r0;
	v->regs.r[1] = 0xffffffffu; /* no machine id: the DT describes the machine */
	v->regs.r[2] = r2;
	v->cp15.sctlr = GUEST_SCTLR_RESET;
	/* Uniprocessor-format MPIDR bit 31 set (multiprocessing extensions), affinity = vCPU. */
	v->cp15.vmpidr = (1u << 31) | v->index;
	atomic_fetch_add(&v->epoch, 1);
}

void vcpu_load(struct vcpu *v)
{
	const struct vcpu_banked *b = &v->banked;
	const struct vcpu_cp15 *c = &v->cp15;

	BANKED_WRITE(SP_svc, b->sp_svc);
	BANKED_WRITE(LR_svc, b->lr_svc);
	BANKED_WRITE(SPSR_svc, b->spsr_svc);
	BANKED_WRITE(SP_abt, b->sp_abt);
	BANKED_WRITE(LR_abt, b->lr_abt);
	BANKED_WRITE(SPSR_abt, b->spsr_abt);
	BANKED_WRITE(SP_und, b->sp_und);
	BANKED_WRITE(LR_und, b->lr_und);
	BANKED_WRITE(SPSR_und, b->spsr_und);
	BANKED_WRITE(SP_irq, b->sp_irq);
	BANKED_WRITE(LR_irq, b->lr_irq);
	BANKED_WRITE(SPSR_irq, b->spsr_irq);
	BANKED_WRITE(r8_fiq, b->r8_fiq);
	BANKED_WRITE(r9_fiq, b->r9_fiq);
	BANKED_WRITE(r10_fiq, b->r10_fiq);
	BANKED_WRITE(r11_fiq, b->r11_fiq);
	BANKED_WRITE(r12_fiq, b->r12_fiq);
	BANKED_WRITE(SP_fiq, b->sp_fiq);
	BANKED_WRITE(LR_fiq, b->lr_fiq);
	BANKED_WRITE(SPSR_fiq, b->spsr_fiq);

	sysreg_write32(VMPIDR, c->vmpidr);
	sysreg_write32(SCTLR, c->sctlr);
	sysreg_write32(CPACR, c->cpacr);
	sysreg_write64(TTBR0, c->ttbr0);
	sysreg_write64(TTBR1, c->ttbr1);
	sysreg_write32(TTBCR, c->ttbcr);
	sysreg_write32(DACR, c->dacr);
	sysreg_write32(DFSR, c->dfsr);
	sysreg_write32(IFSR, c->ifsr);
	sysreg_write32(ADFSR, c->adfsr);
	sysreg_write32(AIFSR, c->aifsr);
	sysreg_write32(DFAR, c->dfar);
	sysreg_write32(IFAR, c->ifar);
	sysreg_write64(PAR64, c->par);
	sysreg_write32(PRRR, c->prrr);
	sysreg_write32(NMRR, c->nmrr);
	sysreg_write32(AMAIR0, c->amair0);
	sysreg_write32(AMAIR1, c->amair1);
	sysreg_write32(VBAR, c->vbar);
	sysreg_write32(CONTEXTIDR, c->contextidr);
	sysreg_write32(TPIDRURW, c->tpidrurw);
	sysreg_write32(TPIDRURO, c->tpidruro);
	sysreg_write32(TPIDRPRW, c->tpidrprw);
	sysreg_write32(CSSELR, c->csselr);
	if (has_thumbee()) {
		sysreg_write32(TEECR, c->teecr);
		sysreg_write32(TEEHBR, c->teehbr);
	}
	sysreg_write32(CNTKCTL, c->cntkctl);
	sysreg_write64(CNTVOFF, v->part->cntvoff);
	sysreg_write64(CNTV_CVAL, c->cntv_cval);
	sysreg_write32(CNTV_CTL, c->cntv_ctl);
	isb();
}

void vcpu_put(struct vcpu *v)
{
	struct vcpu_banked *b = &v->banked;
	struct vcpu_cp15 *c = &v->cp15;

	b->sp_svc = BANKED_READ(SP_svc);
	b->lr_svc = BANKED_READ(LR_svc);
	b->spsr_svc = BANKED_READ(SPSR_svc);
	b->sp_abt = BANKED_READ(SP_abt);
	b->lr_abt = BANKED_READ(LR_abt);
	b->spsr_abt = BANKED_READ(SPSR_abt);
	b->sp_und = BANKED_READ(SP_und);
	b->lr_und = BANKED_READ(LR_und);
	b->spsr_und = BANKED_READ(SPSR_und);
	b->sp_irq = BANKED_READ(SP_irq);
	b->lr_irq = BANKED_READ(LR_irq);
	b->spsr_irq = BANKED_READ(SPSR_irq);
	b->r8_fiq = BANKED_READ(r8_fiq);
	b->r9_fiq = BANKED_READ(r9_fiq);
	b->r10_fiq = BANKED_READ(r10_fiq);
	b->r11_fiq = BANKED_READ(r11_fiq);
	b->r12_fiq = BANKED_READ(r12_fiq);
	b->sp_fiq = BANKED_READ(SP_fiq);
	b->lr_fiq = BANKED_READ(LR_fiq);
	b->spsr_fiq = BANKED_READ(SPSR_fiq);

	c->sctlr = sysreg_read32(SCTLR);
	c->cpacr = sysreg_read32(CPACR);
	c->ttbr0 = sysreg_read64(TTBR0);
	c->ttbr1 = sysreg_read64(TTBR1);
	c->ttbcr = sysreg_read32(TTBCR);
	c->dacr = sysreg_read32(DACR);
	c->dfsr = sysreg_read32(DFSR);
	c->ifsr = sysreg_read32(IFSR);
	c->adfsr = sysreg_read32(ADFSR);
	c->aifsr = sysreg_read32(AIFSR);
	c->dfar = sysreg_read32(DFAR);
	c->ifar = sysreg_read32(IFAR);
	c->par = sysreg_read64(PAR64);
	c->prrr = sysreg_read32(PRRR);
	c->nmrr = sysreg_read32(NMRR);
	c->amair0 = sysreg_read32(AMAIR0);
	c->amair1 = sysreg_read32(AMAIR1);
	c->vbar = sysreg_read32(VBAR);
	c->contextidr = sysreg_read32(CONTEXTIDR);
	c->tpidrurw = sysreg_read32(TPIDRURW);
	c->tpidruro = sysreg_read32(TPIDRURO);
	c->tpidrprw = sysreg_read32(TPIDRPRW);
	c->csselr = sysreg_read32(CSSELR);
	if (has_thumbee()) {
		c->teecr = sysreg_read32(TEECR);
		c->teehbr = sysreg_read32(TEEHBR);
	}
	c->cntkctl = sysreg_read32(CNTKCTL);
	c->cntv_ctl = sysreg_read32(CNTV_CTL);
	c->cntv_cval = sysreg_read64(CNTV_CVAL);
	/* The next vCPU must not receive this one's timer interrupt. */
	sysreg_write32(CNTV_CTL, 0);
	isb();
}

/* Enters guest exception `mode` at vector offset `vec` as the hardware would (B1.9.3):
 * the return address goes to the mode's LR, the old CPSR to its SPSR. */
static void inject(struct vcpu *v, uint32_t mode, uint32_t vec, uint32_t lr)
{
	uint32_t sctlr = sysreg_read32(SCTLR);
	uint32_t cpsr = v->regs.cpsr;
	uint32_t ncpsr = (cpsr & ~(PSR_MODE_MASK | PSR_T | PSR_E | PSR_IT_MASK | PSR_J)) | mode |
			 PSR_I | PSR_A;

	if (sctlr & SCTLR_TE)
		ncpsr |= PSR_T;
	if (sctlr & SCTLR_EE)
		ncpsr |= PSR_E;
	switch (mode) {
	case PSR_MODE_ABT:
		BANKED_WRITE(LR_abt, lr);
		BANKED_WRITE(SPSR_abt, cpsr);
		break;
	default:
		BANKED_WRITE(LR_und, lr);
		BANKED_WRITE(SPSR_und, cpsr);
		break;
	}
	v->regs.cpsr = ncpsr;
	v->regs.pc = ((sctlr & SCTLR_V) ? HIGH_VECTORS : sysreg_read32(VBAR)) + vec;
}

void vcpu_inject_undef(struct vcpu *v)
{
	/* LR_und = the instruction after the undefined one (B1.9.6). */
	inject(v, PSR_MODE_UND, VEC_UNDEF, v->regs.pc + ((v->regs.cpsr & PSR_T) ? 2 : 4));
}

static uint32_t ext_abort_fsr(void)
{
	return (sysreg_read32(TTBCR) & TTBCR_EAE) ? FSR_LPAE_EXT_ABORT : FSR_SHORT_EXT_ABORT;
}

void vcpu_inject_dabt(struct vcpu *v, uint32_t dfar, bool write)
{
	sysreg_write32(DFAR, dfar);
	sysreg_write32(DFSR, ext_abort_fsr() | (write ? FSR_WNR : 0));
	/* LR_abt = faulting instruction + 8, ARM and Thumb alike (B1.9.8). */
	inject(v, PSR_MODE_ABT, VEC_DABT, v->regs.pc + 8);
}

void vcpu_inject_pabt(struct vcpu *v, uint32_t ifar)
{
	sysreg_write32(IFAR, ifar);
	sysreg_write32(IFSR, ext_abort_fsr());
	inject(v, PSR_MODE_ABT, VEC_PABT, v->regs.pc + 4);
}
