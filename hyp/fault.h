/* Fault containment: what happens to a partition that faults (docs/bindings.md fault-policy).
 * One console line names the partition, vCPU, what and where; then the policy acts: stop the
 * partition, restart it (up to its restart limit, then stop), or inject the abort into the
 * guest. Other partitions are never affected. */
#ifndef BULKHEAD_FAULT_H
#define BULKHEAD_FAULT_H

#include "hyp/vcpu.h"

enum fault_kind {
	FAULT_DATA_ABORT,  /* stage-2 data abort not handled by an emulated device */
	FAULT_PREFETCH,	   /* stage-2 instruction abort */
	FAULT_BAD_CALL,	   /* undefined hypercall or SMC */
	FAULT_UNSUPPORTED, /* a trap Bulkhead cannot emulate */
};

/* Reports and applies the policy. addr: IPA (aborts) or function id (calls). */
void fault_raise(struct vcpu *v, enum fault_kind kind, uint64_t addr, uint32_t hsr,
		 const char *detail);

#endif
