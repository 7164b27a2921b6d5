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

/* Handles the PSCI call in v's r0-r3; the result goes to r0. */
void psci_handle(struct vcpu *v);

#endif
