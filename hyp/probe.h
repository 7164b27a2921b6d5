/* Probe guests: run a few instructions of hypervisor-supplied code in the guest context (PL1,
 * SVC mode, stage 2 as currently installed) until the first trap, for self-tests and
 * benchmarks that need real guest memory accesses through the stage-2 MMU and TLB.
 *
 * The code must be mapped executable at its own address in the current stage 2 and touch only
 * r0-r3. Interrupts must be off; HCR must have VM set by the caller.
 */
#ifndef BULKHEAD_PROBE_H
#define BULKHEAD_PROBE_H

#include "hyp/types.h"

/* Enters the guest at entry with r0 = a0, r1 = a1 through the world switch (guest_enter);
 * returns the guest's r1 at its first trap and that trap's HSR in *hsr. The guest code sets r0 to
 * 0 before its HVC, so that the trap vector's fast path (trap_fast()), which reads r0 as a
 * function id, never answers a probe: its regs are no struct vcpu. */
uint32_t probe_enter(uintptr_t entry, uint32_t a0, uint32_t a1, uint32_t *hsr);

/* Guest code: r1 = *(uint32_t *)r0, r0 = 0, then HVC. */
void probe_guest_read(void);
/* Guest code: *(uint32_t *)r0 = r1, r0 = 0, then HVC. */
void probe_guest_write(void);

#define HSR_EC(hsr) ((hsr) >> 26)
#define HSR_EC_HVC 0x12u
#define HSR_EC_DABT_LOW 0x24u

#endif
