/* Instruction counts for benchmarks (../shared/MEASURING.md): PMU event 0x08 (INST_RETIRED),
 * counter 0 filtered to HYP mode, counter 1 to the guest (PL1/PL0). Under QEMU with a fixed
 * -icount shift the counts are exact and repeatable; without icount QEMU reports 0.
 *
 * Guests cannot touch the PMU (HDCR.TPM/TPMCR trap their accesses; they get UNDEFINED), so a
 * partition can neither read the machine's counts nor disturb a measurement. */
#ifndef BULKHEAD_PMU_H
#define BULKHEAD_PMU_H

#include "hyp/types.h"

struct pmu_count {
	uint32_t hyp;	/* instructions retired in HYP mode */
	uint32_t guest; /* instructions retired at PL1/PL0 */
};

/* Programs and enables this CPU's counters (without resetting them) and the guest traps. */
void pmu_cpu_init(void);

/* Current counts on this CPU (32-bit, wrapping: subtract two readings). */
struct pmu_count pmu_read(void);

#endif
