/* Per-CPU data. Each CPU's struct percpu lives at the top of its stack region (hyp/layout.h);
 * HTPIDR holds its address from the first instruction of C on that CPU.
 *
 * Locking: a CPU writes only its own struct, except `online`, which the owner sets once (release)
 * and the boot CPU reads (acquire).
 */
#ifndef BULKHEAD_PERCPU_H
#define BULKHEAD_PERCPU_H

#include <stdatomic.h>

#include "hyp/layout.h"
#include "hyp/sysreg.h"
#include "hyp/types.h"

struct vcpu;

struct percpu {
	unsigned cpu;	/* logical index: 0 = boot CPU */
	uint32_t mpidr; /* affinity bits */
	atomic_bool online;
	uint64_t irqs;	  /* IRQs taken in HYP on this CPU */
	void *guest_regs; /* struct vcpu_regs of the guest running now; NULL in HYP (vectors.S) */
	struct vcpu *current;	      /* vCPU whose PL1 state is loaded on this CPU (hyp/sched.c) */
	unsigned current_epoch;	      /* current's epoch when it was loaded */
	struct vcpu *runq;	      /* vCPUs pinned here, a ring (hyp/sched.c) */
	struct vcpu *last;	      /* where round robin continues */
	struct vcpu *_Atomic running; /* vCPU in (or entering) guest mode, for restart waits */
	struct vcpu *vfp_owner;	      /* whose VFP state is in the registers (hyp/vfp.c) */
	unsigned vfp_owner_epoch;     /* vfp_owner's epoch when it took them */
	struct vcpu *vtimer_owner;    /* given the timer PPI, still active physically (vgic.c) */
	uint32_t irq_acked;	      /* IAR irq_fast() acknowledged for hyp_irq(); valid if
				       * irq_acked_valid (hyp/irq.c) */
	bool irq_acked_valid;
	unsigned nr_vcpus;
	bool need_resched;
};
_Static_assert(sizeof(struct percpu) <= HYP_PERCPU_SIZE, "struct percpu outgrew its slot");

static inline struct percpu *this_cpu(void)
{
	return (struct percpu *)sysreg_read32(HTPIDR);
}

/* The struct percpu of logical CPU cpu (< HYP_MAX_CPUS). */
struct percpu *percpu_of(unsigned cpu);

/* Range of CPU cpu's usable stack (excluding guard pages), for the HYP stage-1 map. */
void percpu_stack_range(unsigned cpu, uintptr_t *base, size_t *size);
/* Range of CPU cpu's panic stack + struct percpu. */
void percpu_panic_range(unsigned cpu, uintptr_t *base, size_t *size);

#endif
