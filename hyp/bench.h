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
/* "bench-boot": report the HYP instructions the boot CPU retires from the start of hyp_main()
 * (bench_boot_start()) to its first guest entry (bench_first_entry(), from hyp/sched.c). The
 * entry code before hyp_main() (relocation, BSS, HYP page tables: boot/entry.S) is not counted.
 * The line comes only when the self-test was asked for; the hooks cost a load otherwise. */
void bench_boot(void);
void bench_boot_start(void);
void bench_first_entry(void);

#endif
