/* Stage-2 boot self-tests on the real MMU (run from hyp/selftest.c when the DT asks). */
#ifndef BULKHEAD_STAGE2_SELFTEST_H
#define BULKHEAD_STAGE2_SELFTEST_H

#include "hyp/platform.h"

/* Translations through ATS12NSOPR/W for mapped, read-only, device and unmapped ranges. */
void stage2_selftest(const struct platform *p);

/* Seven partitions on three VMIDs, run round-robin with real guest loads and stores (probe
 * guests): each must see its own page at the same IPA across rollovers. */
void vmid_rollover_selftest(void);

#endif
