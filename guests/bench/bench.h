/* The benchmark hypercalls as the make-bench guests (guests/bench*) use them. BH_HVC_BENCH_START
 * records the calling vCPU's HYP and guest instruction counts (on its physical CPU);
 * BH_HVC_BENCH_STOP makes the hypervisor print the counts since then divided by `iters` as one
 * "bench:" line that scripts/bench.sh collects (hyp/hypercall_abi.h, docs/benchmarks.md).
 *
 * A window holds the tail of the START call and the head of the STOP call (a few hundred HYP
 * instructions): loops of 10,000 make that negligible. A single-shot window that cannot be
 * repeated in a loop is printed as "<name> [window]" and paired with "<name> [overhead]", the
 * same two calls back to back in the same vGIC state; scripts/bench.sh reports the difference
 * as "<name>".
 */
#ifndef GUEST_BENCH_H
#define GUEST_BENCH_H

#include "guests/common/hvc.h"

static inline void bench_start(void)
{
	hvc_call(BH_HVC_BENCH_START, 0, 0, 0);
}

/* name: at most 63 characters (the hypervisor cuts longer ones). */
static inline void bench_stop(const char *name, uint32_t iters)
{
	hvc_call(BH_HVC_BENCH_STOP, (uint32_t)(uintptr_t)name, iters, 0);
}

#endif
