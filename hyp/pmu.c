/* PMU setup and reads for benchmarks (see pmu.h). */
#include "hyp/pmu.h"

#include "hyp/sysreg.h"

#define PMU_EVT_INST_RETIRED 0x08u
/* PMXEVTYPER filter bits (ARM ARM C12.8.16, with the Virtualization Extensions). */
#define PMXEVTYPER_P (1u << 31)	  /* do not count PL1 */
#define PMXEVTYPER_U (1u << 30)	  /* do not count PL0 */
#define PMXEVTYPER_NSH (1u << 27) /* count in HYP mode */
#define PMU_CNT_HYP 0u
#define PMU_CNT_GUEST 1u
#define PMCR_E (1u << 0)
#define PMCNTEN_CYCLES (1u << 31)
#define HDCR_HPMN(n) ((uint32_t)(n)&0x1fu)
#define HDCR_TPMCR (1u << 5) /* guest PMCR accesses trap */
#define HDCR_TPM (1u << 6)   /* all other guest PMU accesses trap */
/* Guest accesses to the CP14 debug registers trap (hyp/trap.c makes them RAZ/WI): the
 * breakpoint and watchpoint registers are one set per CPU, not switched, so a partition that
 * armed one would stop its neighbours (B4.1.67). */
#define HDCR_TDA (1u << 9)    /* debug registers */
#define HDCR_TDOSA (1u << 10) /* OS lock and power-down registers */
#define HDCR_TDRA (1u << 11)  /* debug ROM and self addresses */
#define PMU_NR_COUNTERS 6     /* Cortex-A15 (PMCR.N) */

void pmu_cpu_init(void)
{
	sysreg_write32(HDCR, HDCR_HPMN(PMU_NR_COUNTERS) | HDCR_TPM | HDCR_TPMCR | HDCR_TDA |
				     HDCR_TDOSA | HDCR_TDRA);
	sysreg_write32(PMSELR, PMU_CNT_HYP);
	isb();
	sysreg_write32(PMXEVTYPER,
		       PMXEVTYPER_P | PMXEVTYPER_U | PMXEVTYPER_NSH | PMU_EVT_INST_RETIRED);
	sysreg_write32(PMSELR, PMU_CNT_GUEST);
	isb();
	sysreg_write32(PMXEVTYPER, PMU_EVT_INST_RETIRED);
	sysreg_write32(PMCNTENSET, PMCNTEN_CYCLES | (1u << PMU_CNT_HYP) | (1u << PMU_CNT_GUEST));
	/* Enabled, not reset: every figure is a difference of two readings, and the boot
	 * benchmark (hyp/bench.h) spans calls of this function. */
	sysreg_write32(PMCR, sysreg_read32(PMCR) | PMCR_E);
	isb();
}

struct pmu_count pmu_read(void)
{
	struct pmu_count c;

	sysreg_write32(PMSELR, PMU_CNT_HYP);
	isb();
	c.hyp = sysreg_read32(PMXEVCNTR);
	sysreg_write32(PMSELR, PMU_CNT_GUEST);
	isb();
	c.guest = sysreg_read32(PMXEVCNTR);
	return c;
}
