/* Guest exit dispatch by HSR exception class (ARM ARM B3.13.6, table B3-21). */
#include "hyp/trap.h"

#include <errno.h>
#include <inttypes.h>

#include "hyp/fault.h"
#include "hyp/hypercall.h"
#include "hyp/mmio.h"
#include "hyp/partition.h"
#include "hyp/percpu.h"
#include "hyp/psci.h"
#include "hyp/sched.h"
#include "hyp/sysreg.h"
#include "hyp/vfp.h"
#include "hyp/vgic.h"

/* ISS of trapped instructions that may be conditional (EC 0x01-0x0c): CV, COND (B3.13.6). */
#define ISS_CV (1u << 24)
#define ISS_COND(iss) (((iss) >> 20) & 0xfu)
#define ISS_WFE 1u /* EC 0x01: the trapped instruction was a WFE (else WFI) */
#define PSR_N (1u << 31)
#define PSR_Z (1u << 30)
#define PSR_C (1u << 29)
#define PSR_V (1u << 28)

/* ISS of an MCR/MRC trap (EC 0x03, B3.13.6): Opc2, Opc1, CRn, Rt, CRm, Direction. */
#define CP15_ISS_OPC2(iss) (((iss) >> 17) & 0x7u)
#define CP15_ISS_OPC1(iss) (((iss) >> 14) & 0x7u)
#define CP15_ISS_CRN(iss) (((iss) >> 10) & 0xfu)
#define CP15_ISS_RT(iss) (((iss) >> 5) & 0xfu)
#define CP15_ISS_CRM(iss) (((iss) >> 1) & 0xfu)
#define CP15_ISS_READ 1u

/* HPFAR holds IPA[39:12] in bits [31:4] (B4.1.73). */
#define HPFAR_IPA(hpfar) (((uint64_t)(hpfar) & ~0xfull) << 8)

void trap_skip(struct vcpu *v, uint32_t hsr)
{
	v->regs.pc += (hsr & HSR_IL) ? 4 : 2;
}

/* A conditional instruction may trap even when its condition fails (B1.14.2): then it must
 * behave as a no-op. */
static bool cond_passed(uint32_t hsr, uint32_t cpsr)
{
	uint32_t iss = hsr & HSR_ISS_MASK;
	bool n = cpsr & PSR_N, z = cpsr & PSR_Z, c = cpsr & PSR_C, vf = cpsr & PSR_V;
	bool r;

	if (!(iss & ISS_CV))
		return true;
	switch (ISS_COND(iss) >> 1) {
	case 0:
		r = z;
		break;
	case 1:
		r = c;
		break;
	case 2:
		r = n;
		break;
	case 3:
		r = vf;
		break;
	case 4:
		r = c && !z;
		break;
	case 5:
		r = n == vf;
		break;
	case 6:
		r = !z && n == vf;
		break;
	default:
		return true; /* AL */
	}
	return (ISS_COND(iss) & 1) ? !r : r;
}

static void handle_prefetch_abort(struct vcpu *v, uint32_t hsr)
{
	uint64_t ipa = HPFAR_IPA(sysreg_read32(HPFAR)) | (sysreg_read32(HIFAR) & 0xfffu);

	fault_raise(v, FAULT_PREFETCH, ipa, hsr, NULL);
}

/* A stage-2 data abort is either an access to a device the partition's bus emulates, or a
 * fault of the partition. */
static void handle_data_abort(struct vcpu *v, uint32_t hsr)
{
	struct mmio_access a;
	int err = mmio_decode(hsr, sysreg_read32(HDFAR), sysreg_read32(HPFAR), &a);

	if (!err && mmio_find(&v->part->bus, a.ipa, a.size)) {
		uint32_t val = a.write ? vcpu_reg_read(v, a.reg) : 0;

		if (a.reg < 15 && mmio_dispatch(&v->part->bus, &a, &val) == 0) {
			if (!a.write)
				vcpu_reg_write(v, a.reg, val);
			trap_skip(v, hsr);
			return;
		}
	}
	fault_raise(v, FAULT_DATA_ABORT, a.ipa, hsr,
		    err == -ENOSYS ? "access without syndrome (ISV=0)"
				   : mmio_dfsc_name(hsr & HSR_DFSC_MASK));
}

/* ACTLR (c1, 0, c0, 1) traps through HCR.TAC: reads see the real value (Linux checks its SMP
 * bit), writes are ignored since the register is machine-wide. Anything else is refused. */
static bool is_actlr(uint32_t iss)
{
	return CP15_ISS_CRN(iss) == 1 && CP15_ISS_OPC1(iss) == 0 && CP15_ISS_CRM(iss) == 0 &&
	       CP15_ISS_OPC2(iss) == 1;
}

static void handle_cp15(struct vcpu *v, uint32_t hsr)
{
	uint32_t iss = hsr & HSR_ISS_MASK;
	unsigned rt = CP15_ISS_RT(iss);

	if (is_actlr(iss) && rt < 15) {
		if (iss & CP15_ISS_READ)
			vcpu_reg_write(v, rt, sysreg_read32(ACTLR));
		trap_skip(v, hsr);
		return;
	}
	vcpu_inject_undef(v);
}

/* ELR_hyp past the trapped instruction: trap_skip() for the fast path, where v->regs is stale. */
static void fast_skip(uint32_t hsr)
{
	BANKED_WRITE(ELR_hyp, BANKED_READ(ELR_hyp) + ((hsr & HSR_IL) ? 4 : 2));
}

/* The emulated-MMIO part of the fast path (see trap_fast()): handle_data_abort() for the
 * accesses it can finish with r alone. Anything else, errors included, is left untouched for the
 * full path, which reports it. */
static bool mmio_fast(struct vcpu *v, uint32_t hsr, uint32_t *r)
{
	struct mmio_access a;

	if (v != atomic_load_explicit(&this_cpu()->running, memory_order_relaxed))
		return false; /* a probe guest (hyp/probe.h): its regs are no vCPU */
	if (mmio_decode(hsr, sysreg_read32(HDFAR), sysreg_read32(HPFAR), &a) || a.reg > 12)
		return false;
	uint32_t val = a.write ? r[a.reg] : 0;

	/* No device there (-ENOENT), or refused before any effect: the full path reports it. */
	if (mmio_dispatch(&v->part->bus, &a, &val))
		return false;
	if (!a.write)
		r[a.reg] = val;
	fast_skip(hsr);
	v->traps++;
	/* The device kicked a vCPU on this CPU (need_resched), or v's list registers need the run
	 * loop's vgic_sync()/vgic_flush() (e.g. an interrupt its LRs lack, or one the guest has
	 * finished that the model must get back to deliver the next): the run loop finishes. */
	if (this_cpu()->need_resched || !vgic_settled(v)) {
		v->exit_done = true;
		return false;
	}
	return true;
}

/* A trapped SMC that is a PSCI query (trap_handle(): EC_SMC): answered, then skipped. */
static bool smc_fast(struct vcpu *v, uint32_t hsr, uint32_t *r)
{
	if (!psci_is_call(r[0]) || !psci_query(r))
		return false;
	fast_skip(hsr);
	v->traps++;
	return true;
}

/* The ACTLR access of handle_cp15(), with Rt in r0-r12. */
static bool cp15_fast(struct vcpu *v, uint32_t hsr, uint32_t *r)
{
	uint32_t iss = hsr & HSR_ISS_MASK;
	unsigned rt = CP15_ISS_RT(iss);

	if (!is_actlr(iss) || rt > 12)
		return false;
	if (cond_passed(hsr, spsr_read()) && (iss & CP15_ISS_READ))
		r[rt] = sysreg_read32(ACTLR);
	fast_skip(hsr);
	v->traps++;
	return true;
}

/* The fast path's exits other than HVC; kept out of line so that trap_fast() stays a tail call
 * for hypercalls. */
static __attribute__((noinline)) __no_stack_protector bool
trap_fast_other(struct vcpu *v, uint32_t hsr, uint32_t *r)
{
	switch (hsr >> HSR_EC_SHIFT) {
	case EC_DABT_LOW:
		return mmio_fast(v, hsr, r);
	case EC_SMC:
		return smc_fast(v, hsr, r);
	case EC_CP15_32:
		return cp15_fast(v, hsr, r);
	default:
		return false;
	}
}

/* MRC/MCR and MRRC/MCRR to CP14 (EC 0x05, 0x0c): with HDCR.TDA/TDOSA/TDRA (hyp/pmu.c) every
 * debug register access (Opc1 0) traps and is RAZ/WI, as on a core whose debug logic is not
 * available to software: DBGDIDR reads 0, so an OS finds no breakpoints to use (Linux: "debug
 * architecture 0x0 unsupported"). An MRC to APSR_nzcv (Rt 15, polling DBGDSCRint) clears the
 * flags. Other CP14 registers that trap (none with these HDCR bits) are refused. */
#define CP14_64_ISS_OPC1(iss) (((iss) >> 16) & 0xfu)
#define CP14_64_ISS_RT2(iss) (((iss) >> 10) & 0xfu)
static void handle_cp14_debug(struct vcpu *v, uint32_t hsr, bool is64)
{
	uint32_t iss = hsr & HSR_ISS_MASK;
	unsigned rt = CP15_ISS_RT(iss);

	if ((is64 ? CP14_64_ISS_OPC1(iss) : CP15_ISS_OPC1(iss)) != 0) {
		vcpu_inject_undef(v);
		return;
	}
	if (iss & CP15_ISS_READ) {
		if (rt == 15 && !is64)
			v->regs.cpsr &= ~(PSR_N | PSR_Z | PSR_C | PSR_V);
		else if (rt < 15)
			vcpu_reg_write(v, rt, 0);
		if (is64 && CP14_64_ISS_RT2(iss) < 15)
			vcpu_reg_write(v, CP14_64_ISS_RT2(iss), 0);
	}
	trap_skip(v, hsr);
}

bool trap_fast(struct vcpu *v, uint32_t *r)
{
	uint32_t hsr = sysreg_read32(HSR);

	/* A probe guest (hyp/probe.h) is no vCPU: its HVC passes r0 = 0, which no fast call
	 * answers, and it takes no other trap but data aborts (mmio_fast() checks). */
	if ((hsr >> HSR_EC_SHIFT) == EC_HVC)
		return hypercall_fast(v, r);
	return trap_fast_other(v, hsr, r);
}

void trap_handle(struct vcpu *v)
{
	uint32_t hsr = sysreg_read32(HSR);
	uint32_t ec = hsr >> HSR_EC_SHIFT;

	if (v->exit_done) {
		v->exit_done = false; /* trap_fast() emulated it; the run loop had to see it */
		return;
	}
	if (ec == EC_HVC) {
		v->hvcs++;
		hypercall_handle(v);
		return;
	}
	v->traps++;
	switch (ec) {
	case EC_SMC:
		/* A trapped SMC returns to the SMC itself (B1.14.9): skip it after the call. */
		trap_skip(v, hsr);
		if (psci_is_call(v->regs.r[0]))
			psci_handle(v);
		else
			fault_raise(v, FAULT_BAD_CALL, v->regs.r[0], hsr, "SMC");
		return;
	case EC_DABT_LOW:
		handle_data_abort(v, hsr);
		return;
	case EC_PABT_LOW:
		handle_prefetch_abort(v, hsr);
		return;
	default:
		break;
	}

	if (!cond_passed(hsr, v->regs.cpsr)) {
		trap_skip(v, hsr);
		return;
	}
	switch (ec) {
	case EC_WFI_WFE:
		/* Trapped only when the CPU is shared. With an interrupt pending the wait ends at
		 * once (B1.8.14: WFI completes when an interrupt is pending, masked or not);
		 * otherwise the others get the CPU. */
		trap_skip(v, hsr);
		if (!vgic_pending(v)) {
			/* A WFI waits (the scheduler wakes it: sched.c), a WFE only yields: its
			 * events (SEV from another CPU's vCPU, e.g. a lock release) are not seen. */
			int st = VCPU_RUNNABLE;

			if (!(hsr & ISS_WFE))
				atomic_compare_exchange_strong(&v->state, &st, VCPU_WFI);
			sched_yield();
		}
		return;
	case EC_HCPTR:
		vfp_trap(v); /* the instruction runs again, now with the registers open */
		return;
	case EC_CP15_32:
		handle_cp15(v, hsr);
		return;
	case EC_CP14_32:
	case EC_CP14_64:
		handle_cp14_debug(v, hsr, ec == EC_CP14_64);
		return;
	case EC_CP15_64:
	case EC_CP14_LS:
	case EC_CP10_ID:
		/* Implementation-defined or machine-wide registers: refused like on a core
		 * without them. */
		vcpu_inject_undef(v);
		return;
	default:
		fault_raise(v, FAULT_UNSUPPORTED, 0, hsr, "unhandled trap");
		return;
	}
}
