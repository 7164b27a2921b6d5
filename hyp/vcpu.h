/* Virtual CPU context and the world switch.
 *
 * A vCPU's state lives in three layers, saved at different times:
 *  - struct vcpu_regs: what every exit to HYP saves and every entry restores (boot/vectors.S:
 *    guest_enter/guest_exit): r0-r12, SP_usr, LR_usr, ELR_hyp (guest PC), SPSR_hyp (guest CPSR).
 *  - struct vcpu_banked + struct vcpu_cp15: the PL1 state HYP never touches itself (banked
 *    SP/LR/SPSR of SVC/ABT/UND/IRQ/FIQ, FIQ r8-r12, the CP15 registers the guest owns, the
 *    virtual timer). Saved and restored only when a CPU switches between vCPUs (vcpu_put /
 *    vcpu_load), so a trap that returns to the same vCPU costs nothing for them.
 *  - VFP/NEON: switched lazily (hyp/vfp.c): a vCPU's first VFP instruction after a switch traps
 *    (HCPTR.TCP10/11) and only then is the previous owner's state saved.
 *
 * Locking: a vCPU runs on, and is only modified by, the physical CPU it is pinned to; other
 * CPUs change only `state` (atomically) and then kick that CPU.
 */
#ifndef BULKHEAD_VCPU_H
#define BULKHEAD_VCPU_H

#include <stdatomic.h>

#include "hyp/types.h"
#include "hyp/vgic.h"

struct partition;

struct vcpu_regs {
	uint32_t r[13];
	uint32_t sp_usr;
	uint32_t lr_usr;
	uint32_t pc;   /* ELR_hyp */
	uint32_t cpsr; /* SPSR_hyp */
};

struct vcpu_banked {
	uint32_t sp_svc, lr_svc, spsr_svc;
	uint32_t sp_abt, lr_abt, spsr_abt;
	uint32_t sp_und, lr_und, spsr_und;
	uint32_t sp_irq, lr_irq, spsr_irq;
	uint32_t r8_fiq, r9_fiq, r10_fiq, r11_fiq, r12_fiq, sp_fiq, lr_fiq, spsr_fiq;
};

struct vcpu_cp15 {
	uint32_t sctlr, cpacr, ttbcr, dacr, dfsr, ifsr, adfsr, aifsr, dfar, ifar;
	uint64_t ttbr0, ttbr1, par;
	uint32_t prrr, nmrr, amair0, amair1, vbar, contextidr;
	uint32_t tpidrurw, tpidruro, tpidrprw, csselr, cntkctl;
	uint32_t cntv_ctl;
	uint64_t cntv_cval;
	uint32_t vmpidr; /* MPIDR the guest reads: its vCPU index */
	/* ThumbEE's CP14 registers, PL1 state the guest owns too: switched where the core
	 * implements ThumbEE (Cortex-A15/A7), since HSTR.TTEE stays clear (Linux saves TEEHBR
	 * per thread and would take an UNDEF at every switch if it trapped). */
	uint32_t teecr, teehbr;
};

/* VFP/Advanced SIMD: d0-d31, FPSCR, FPEXC. */
/* Written and read only on the vCPU's own CPU (hyp/vfp.c), never by vcpu_reset(), which may run
 * elsewhere while these registers still live on that CPU: the state is the reset one (all zero)
 * unless `epoch` is the vCPU's current epoch. */
struct vcpu_vfp {
	uint64_t d[32];
	uint32_t fpscr, fpexc;
	unsigned epoch; /* the vCPU's epoch when this state was saved */
};

enum vcpu_state {
	VCPU_OFF,      /* not started (secondary before CPU_ON) or CPU_OFF */
	VCPU_RUNNABLE, /* may run when its CPU schedules it */
	VCPU_WFI,      /* waiting for an interrupt (or the end of its yield) */
	VCPU_STOPPED,  /* its partition was stopped */
};

struct vcpu {
	struct vcpu_regs regs; /* first: boot/vectors.S finds it through percpu->guest_regs */
	struct vcpu_banked banked;
	struct vcpu_cp15 cp15;
	struct vcpu_vfp vfp;
	struct vgic_vcpu vgic; /* virtual interface state (hyp/vgic.c) */
	struct partition *part;
	unsigned index;	   /* vCPU number within the partition */
	unsigned cpu;	   /* logical physical CPU it is pinned to */
	_Atomic int state; /* enum vcpu_state */
	/* Bumped by every reset: a CPU that still holds this vCPU's PL1 state from an older epoch
	 * must reload it instead of saving it over the reset state (hyp/sched.c). */
	atomic_uint epoch;
	/* Exit statistics, by kind: every exit counts in exactly one. */
	uint64_t irq_exits; /* physical IRQs */
	uint64_t hvcs;	    /* HVC traps (hypercalls and PSCI), fast path included */
	uint64_t traps;	    /* every other trap (BH_HVC_TRAP_COUNT reports it) */
	bool exit_done; /* trap_fast() handled this exit already; trap_handle() only clears it */
	uint32_t bench_hyp, bench_guest; /* PMU counts at BH_HVC_BENCH_START */
	struct vcpu *next_on_cpu;	 /* run queue link (hyp/sched.c) */
};

/* Guest CPSR at reset: SVC mode, A, I and F masked (Linux boot protocol). */
#define VCPU_RESET_CPSR 0x1d3u
#define PSR_MODE_MASK 0x1fu
#define PSR_MODE_USR 0x10u
#define PSR_MODE_FIQ 0x11u
#define PSR_MODE_IRQ 0x12u
#define PSR_MODE_SVC 0x13u
#define PSR_MODE_ABT 0x17u
#define PSR_MODE_UND 0x1bu
#define PSR_MODE_SYS 0x1fu
#define PSR_T (1u << 5)
#define PSR_F (1u << 6)
#define PSR_I (1u << 7)
#define PSR_A (1u << 8)

/* Resets v to the architectural state a Linux-protocol boot expects: SVC mode, MMU off, pc =
 * entry, r0 = 0, r1 = ~0 (no machine id: DT boot), r2 = dtb. */
void vcpu_reset(struct vcpu *v, uint32_t entry, uint32_t r0, uint32_t r2);

/* Loads v's PL1 state into this CPU / saves it back. Interrupts off. */
void vcpu_load(struct vcpu *v);
void vcpu_put(struct vcpu *v);

/* Runs v until its next exit; returns the HYP vector slot that ended it (HYP_VEC_TRAP or
 * HYP_VEC_IRQ). In boot/vectors.S. */
unsigned guest_enter(struct vcpu_regs *regs);

/* Exception injection into the running vCPU (its PL1 state is live in the CPU). */
/* General register n (0..14) of the loaded vCPU v as its current mode sees it: r13/r14 are
 * banked per mode (and r8-r12 in FIQ mode), live in the CPU's banked registers while v is
 * loaded; r0-r12 and the User/System SP and LR are in v->regs. n = 15 is not a general register
 * here (reads 0, writes ignored). Only on the CPU where v is loaded (a trap of v). */
uint32_t vcpu_reg_read(const struct vcpu *v, unsigned n);
void vcpu_reg_write(struct vcpu *v, unsigned n, uint32_t val);

/* Exceptions injected into v (a trap of v, on its CPU), entered as the hardware would. Aborts are
 * synchronous external aborts in the FSR format of the guest's TTBCR.EAE; dfar/ifar are the
 * guest's own (virtual) faulting address, HDFAR/HIFAR, not the IPA; write sets DFSR.WnR. */
void vcpu_inject_undef(struct vcpu *v);
void vcpu_inject_dabt(struct vcpu *v, uint32_t dfar, bool write);
void vcpu_inject_pabt(struct vcpu *v, uint32_t ifar);

#endif
