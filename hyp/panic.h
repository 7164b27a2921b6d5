/* Fatal-error path: panic() for broken hypervisor invariants and fatal HYP exceptions. It prints
 * the reason, the CPU and the syndrome registers, stops every other CPU with an SGI, reports how
 * many stopped, and halts. Guest and configuration errors never come here. */
#ifndef BULKHEAD_PANIC_H
#define BULKHEAD_PANIC_H

#include "hyp/types.h"

void panic(const char *fmt, ...) __noreturn __printf(1, 2);

/* Stops the calling CPU for good (interrupts off, WFI loop); counts it as stopped. */
void cpu_stop(void) __noreturn;

/* Sleeps with interrupts on, forever: the idle loop of a CPU with nothing to run. */
void cpu_idle(void) __noreturn;

/* True once some CPU has entered panic(). */
bool panic_in_progress(void);

/* Number of CPUs brought up, set by the SMP boot (for the halt report). */
void panic_set_nr_cpus(unsigned n);

#endif
