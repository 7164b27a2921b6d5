/* Per-CPU scheduler: each physical CPU runs the vCPUs pinned to it, round robin. A lone vCPU
 * runs undisturbed (no slice timer, WFI not trapped); several share the CPU in time slices of
 * the configured length, driven by the hypervisor timer (CNTHP), and a vCPU that yields or
 * waits (WFI) gives up the rest of its slice.
 *
 * Locking: a CPU's run queue is built before the scheduler starts and then only read; vCPU
 * state words are atomic; other CPUs ask for a reschedule with the kick SGI.
 */
#ifndef BULKHEAD_SCHED_H
#define BULKHEAD_SCHED_H

#include "drivers/gic.h"
#include "hyp/vcpu.h"

/* Pins v to logical CPU cpu. Before sched_start(). */
void sched_add(struct vcpu *v, unsigned cpu);

/* Sets the time slice (microseconds) and releases every CPU into its scheduling loop. */
void sched_start(uint32_t slice_us);

/* Scheduling loop of the calling CPU; never returns. Secondary CPUs wait here until
 * sched_start(). */
void sched_run(void) __noreturn;

/* The running vCPU gives up the rest of its slice. */
void sched_yield(void);

/* Makes CPU cpu look at its run queue again (a vCPU there changed state). */
void sched_kick(unsigned cpu);

/* The vCPU this CPU is running (NULL when idle). */
struct vcpu *sched_current(void);

/* Called from the IRQ path for the hypervisor timer and the kick SGI. */
void sched_tick(void);
void sched_kicked(void);

/* True while v is in guest mode or about to enter it on its CPU. */
bool sched_vcpu_active(const struct vcpu *v);

#endif
