/* Benchmark reporting: every figure is one console line that scripts/bench.sh collects.
 *   bench: <name>: <hyp> HYP, <guest> guest instructions per op (<n> iterations)
 *   bench: <name>: <value> <unit>
 * Instruction counts come from hyp/pmu.h; they are exact only under QEMU -icount (make bench). */
#ifndef BULKHEAD_BENCH_H
#define BULKHEAD_BENCH_H

#include "hyp/pmu.h"

void bench_report(const char *name, uint32_t hyp, uint32_t guest, uint32_t iters);
void bench_value(const char *name, uint64_t value, const char *unit);

/* HYP self-benchmarks, selected like self-tests (hyp/selftest.c): "bench-stage2" maps and
 * unmaps 1 GiB with blocks and with pages; "bench-vmid" measures a VMID rollover. */
void bench_stage2(void);
void bench_vmid(void);
/* "bench-memory": sizes of the per-partition and per-vCPU structures. */
void bench_memory(void);

#endif
