/* Guest calls: Bulkhead's hypercalls (hyp/hypercall_abi.h) and PSCI (hyp/psci.h), through HVC
 * and, for PSCI, SMC. */
#ifndef BULKHEAD_HYPERCALL_H
#define BULKHEAD_HYPERCALL_H

#include "hyp/vcpu.h"

/* The HVC fast path (hyp/trap.h trap_fast()): answers the hypercalls that only read state
 * (VERSION, PARTITION_ID, TRAP_COUNT and psci_query()'s PSCI calls) from the guest's r0-r3 in
 * r[0..3] and counts the HVC; false (r unchanged) for any other call. Changes nothing but r and
 * the statistics. */
bool hypercall_fast(struct vcpu *v, uint32_t *r);

/* Handles an HVC (ELR already points past it). */
void hypercall_handle(struct vcpu *v);

#endif
