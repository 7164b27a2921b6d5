/* Hypercalls from a guest: HVC #0 under the SMC Calling Convention (hyp/hypercall_abi.h), and
 * SMC #0, the other conduit for PSCI.
 *
 * The function id goes in r0 and arguments in r1-r3; results come back in r0 and r1. r0-r3 are
 * the only registers the hypervisor may change, so the asm names them as in/out operands and
 * everything else stays live across the call. "memory": the hypervisor reads guest memory
 * (console buffers) and the call orders the guest's accesses around it.
 */
#ifndef GUEST_HVC_H
#define GUEST_HVC_H

#include "hyp/hypercall_abi.h"
#include "hyp/types.h"

struct hvc_ret {
	uint32_t r0;
	uint32_t r1;
};

static inline struct hvc_ret hvc_call(uint32_t id, uint32_t a1, uint32_t a2, uint32_t a3)
{
	register uint32_t r0 __asm__("r0") = id;
	register uint32_t r1 __asm__("r1") = a1;
	register uint32_t r2 __asm__("r2") = a2;
	register uint32_t r3 __asm__("r3") = a3;

	__asm__ volatile("hvc #0" : "+r"(r0), "+r"(r1), "+r"(r2), "+r"(r3) : : "memory");
	return (struct hvc_ret){.r0 = r0, .r1 = r1};
}

/* The same call through the SMC conduit: SMC #0 from PL1, which Bulkhead traps (HCR.TSC) and
 * answers for the PSCI range only (any other id is a fault of the partition). Registers as for
 * hvc_call. */
static inline struct hvc_ret smc_call(uint32_t id, uint32_t a1, uint32_t a2, uint32_t a3)
{
	register uint32_t r0 __asm__("r0") = id;
	register uint32_t r1 __asm__("r1") = a1;
	register uint32_t r2 __asm__("r2") = a2;
	register uint32_t r3 __asm__("r3") = a3;

	__asm__ volatile(".arch_extension sec\n\t"
			 "smc #0"
			 : "+r"(r0), "+r"(r1), "+r"(r2), "+r"(r3)
			 :
			 : "memory");
	return (struct hvc_ret){.r0 = r0, .r1 = r1};
}

/* Index of this partition among the configured ones. */
static inline uint32_t bh_partition_id(void)
{
	return hvc_call(BH_HVC_PARTITION_ID, 0, 0, 0).r0;
}

/* Index of the calling vCPU within its partition (also its virtual MPIDR affinity). */
static inline uint32_t bh_vcpu_id(void)
{
	return hvc_call(BH_HVC_PARTITION_ID, 0, 0, 0).r1;
}

/* Gives up the rest of this vCPU's time slice. */
static inline void bh_yield(void)
{
	hvc_call(BH_HVC_YIELD, 0, 0, 0);
}

/* Synchronous traps this vCPU has taken so far (hypercalls and interrupt exits not counted). */
static inline uint32_t bh_trap_count(void)
{
	return hvc_call(BH_HVC_TRAP_COUNT, 0, 0, 0).r0;
}

#endif
