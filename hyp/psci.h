/* PSCI 1.1 for guests (DEN 0022): the vCPUs of a partition are its "CPUs", their MPIDR affinity
 * is the vCPU index, and SYSTEM_OFF/RESET act on the partition only. */
#ifndef BULKHEAD_PSCI_H
#define BULKHEAD_PSCI_H

#include "hyp/vcpu.h"

#define PSCI_FN_BASE 0x84000000u
#define PSCI_FN_LAST 0x8400001fu

/* True if fid is a PSCI SMC32 function id. */
static inline bool psci_is_call(uint32_t fid)
{
	return fid >= PSCI_FN_BASE && fid <= PSCI_FN_LAST;
}

/* Answers the PSCI calls that only report fixed facts (VERSION, FEATURES, MIGRATE_INFO_TYPE)
 * from the guest's r0-r3 in r[0..3], result in r[0]; false (r unchanged) for any other call.
 * Touches no vCPU or partition state, so the trap fast path may call it (hyp/trap.h). */
bool psci_query(uint32_t *r);

/* psci_query() for the HVC fast path (hyp/hypercall.h hypercall_fast()): also counts the HVC
 * when it answers. */
bool psci_fast(struct vcpu *v, uint32_t *r);

/* Handles the PSCI call in v's r0-r3; the result goes to r0. */
void psci_handle(struct vcpu *v);

#endif
