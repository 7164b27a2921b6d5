/* Guest calls: Bulkhead's hypercalls (hyp/hypercall_abi.h) and PSCI (hyp/psci.h), through HVC
 * and, for PSCI, SMC. */
#ifndef BULKHEAD_HYPERCALL_H
#define BULKHEAD_HYPERCALL_H

#include "hyp/vcpu.h"

/* Handles an HVC (ELR already points past it). */
void hypercall_handle(struct vcpu *v);

#endif
