/* CP15 system registers by name: one tuple per register, one read and one write macro.
 *
 * Encodings are from the ARMv7-A ARM (DDI 0406C) B4.1 and B8 (generic timer). Raw mcr/mrc strings
 * appear nowhere else. Barrier rules: a write that changes translation or exception behaviour
 * (HSCTLR, HTTBR, VTTBR, HCR, HVBAR, TLB/cache maintenance) needs an `isb()` before code that
 * depends on it, and TLB/cache maintenance needs `dsb()` to complete (ARM ARM B3.10, B3.15).
 */
#ifndef BULKHEAD_SYSREG_H
#define BULKHEAD_SYSREG_H

#include "hyp/types.h"

#define CP15_32(op1, crn, crm, op2) "p15, " #op1 ", %0, " #crn ", " #crm ", " #op2
#define CP15_64(op1, crm) "p15, " #op1 ", %Q0, %R0, " #crm
#define CP14_32(op1, crn, crm, op2) "p14, " #op1 ", %0, " #crn ", " #crm ", " #op2

#define sysreg_read32(reg)                                                                         \
	({                                                                                         \
		uint32_t _v;                                                                       \
		__asm__ volatile("mrc " reg : "=r"(_v));                                           \
		_v;                                                                                \
	})
#define sysreg_write32(reg, v) __asm__ volatile("mcr " reg ::"r"((uint32_t)(v)) : "memory")
#define sysreg_read64(reg)                                                                         \
	({                                                                                         \
		uint64_t _v;                                                                       \
		__asm__ volatile("mrrc " reg : "=r"(_v));                                          \
		_v;                                                                                \
	})
#define sysreg_write64(reg, v) __asm__ volatile("mcrr " reg ::"r"((uint64_t)(v)) : "memory")

/* Identification */
#define MIDR CP15_32(0, c0, c0, 0)
#define CTR CP15_32(0, c0, c0, 1)
#define MPIDR CP15_32(0, c0, c0, 5)
#define ID_PFR0 CP15_32(0, c0, c1, 0)
#define ID_PFR1 CP15_32(0, c0, c1, 1)
#define ID_MMFR0 CP15_32(0, c0, c1, 4)

/* Hyp configuration (B4.1.61 HCR, B4.1.67 HSCTLR, ...) */
#define HSCTLR CP15_32(4, c1, c0, 0)
#define HACTLR CP15_32(4, c1, c0, 1)
#define HCR CP15_32(4, c1, c1, 0)
#define HDCR CP15_32(4, c1, c1, 1)
#define HCPTR CP15_32(4, c1, c1, 2)
#define HSTR CP15_32(4, c1, c1, 3)
#define HTCR CP15_32(4, c2, c0, 2)
#define VTCR CP15_32(4, c2, c1, 2)
#define HTTBR CP15_64(4, c2)
#define VTTBR CP15_64(6, c2)
#define HSR CP15_32(4, c5, c2, 0)
#define HDFAR CP15_32(4, c6, c0, 0)
#define HIFAR CP15_32(4, c6, c0, 2)
#define HPFAR CP15_32(4, c6, c0, 4)
#define HMAIR0 CP15_32(4, c10, c2, 0)
#define HMAIR1 CP15_32(4, c10, c2, 1)
#define HVBAR CP15_32(4, c12, c0, 0)
#define HTPIDR CP15_32(4, c13, c0, 2)

/* PL1 state a guest owns, switched with its vCPU (B4.1, B8.2) */
#define SCTLR CP15_32(0, c1, c0, 0)
#define ACTLR CP15_32(0, c1, c0, 1)
#define CPACR CP15_32(0, c1, c0, 2)
#define TTBR0 CP15_64(0, c2)
#define TTBR1 CP15_64(1, c2)
#define TTBCR CP15_32(0, c2, c0, 2)
#define DACR CP15_32(0, c3, c0, 0)
#define DFSR CP15_32(0, c5, c0, 0)
#define IFSR CP15_32(0, c5, c0, 1)
#define ADFSR CP15_32(0, c5, c1, 0)
#define AIFSR CP15_32(0, c5, c1, 1)
#define DFAR CP15_32(0, c6, c0, 0)
#define IFAR CP15_32(0, c6, c0, 2)
#define PRRR CP15_32(0, c10, c2, 0)
#define NMRR CP15_32(0, c10, c2, 1)
#define AMAIR0 CP15_32(0, c10, c3, 0)
#define AMAIR1 CP15_32(0, c10, c3, 1)
#define VBAR CP15_32(0, c12, c0, 0)
#define CONTEXTIDR CP15_32(0, c13, c0, 1)
#define TPIDRURW CP15_32(0, c13, c0, 2)
#define TPIDRURO CP15_32(0, c13, c0, 3)
#define TPIDRPRW CP15_32(0, c13, c0, 4)
#define CSSELR CP15_32(2, c0, c0, 0)
/* ThumbEE (CP14, ARM ARM A2.12), where ID_PFR0.State3 says it is implemented. */
#define TEECR CP14_32(6, c0, c0, 0)
#define TEEHBR CP14_32(6, c1, c0, 0)
#define CNTKCTL CP15_32(0, c14, c1, 0)
#define CNTV_CTL CP15_32(0, c14, c3, 1)
#define CNTV_CVAL CP15_64(3, c14)
#define CNTVCT CP15_64(1, c14)
#define VPIDR CP15_32(4, c0, c0, 0)
#define VMPIDR CP15_32(4, c0, c0, 5)

/* Address translation (B4.2.6): stage 1+2 as the non-secure PL1 guest would see it */
#define ATS12NSOPR CP15_32(0, c7, c8, 4)
#define ATS12NSOPW CP15_32(0, c7, c8, 5)
#define ATS1HR CP15_32(4, c7, c8, 0)
#define PAR64 CP15_64(0, c7)

/* TLB maintenance (B4.2.3) */
#define TLBIALLH CP15_32(4, c8, c7, 0)
#define TLBIALLHIS CP15_32(4, c8, c3, 0)
#define TLBIMVAH CP15_32(4, c8, c7, 1)
#define TLBIMVAHIS CP15_32(4, c8, c3, 1)
#define TLBIALLNSNH CP15_32(4, c8, c7, 4)
#define TLBIALLNSNHIS CP15_32(4, c8, c3, 4)
#define TLBIALLIS CP15_32(0, c8, c3, 0) /* at PL2: PL1&0 entries of the current VMID */

/* Cache maintenance by VA to PoC (B4.2.1) */
#define ICIALLU CP15_32(0, c7, c5, 0)
#define ICIALLUIS CP15_32(0, c7, c1, 0)
#define BPIALL CP15_32(0, c7, c5, 6)
#define DCCMVAC CP15_32(0, c7, c10, 1)
#define DCCIMVAC CP15_32(0, c7, c14, 1)
#define DCIMVAC CP15_32(0, c7, c6, 1)

/* Generic timer (B8.2) */
#define CNTFRQ CP15_32(0, c14, c0, 0)
#define CNTPCT CP15_64(0, c14)
#define CNTHCTL CP15_32(4, c14, c1, 0)
#define CNTHP_TVAL CP15_32(4, c14, c2, 0)
#define CNTHP_CTL CP15_32(4, c14, c2, 1)
#define CNTHP_CVAL CP15_64(6, c14)
#define CNTVOFF CP15_64(4, c14)

/* Performance monitors (C12) */
#define PMCR CP15_32(0, c9, c12, 0)
#define PMCNTENSET CP15_32(0, c9, c12, 1)
#define PMSELR CP15_32(0, c9, c12, 5)
#define PMXEVTYPER CP15_32(0, c9, c13, 1)
#define PMXEVCNTR CP15_32(0, c9, c13, 2)

/* HSCTLR bits (B4.1.67) */
#define HSCTLR_M (1u << 0)
#define HSCTLR_A (1u << 1)
#define HSCTLR_C (1u << 2)
#define HSCTLR_I (1u << 12)
#define HSCTLR_WXN (1u << 19)

/* Banked-register access from HYP (MRS/MSR banked, ARM ARM B9.3.9). */
#define BANKED_READ(reg)                                                                           \
	({                                                                                         \
		uint32_t _v;                                                                       \
		__asm__ volatile(".arch_extension virt\n\tmrs %0, " #reg : "=r"(_v));              \
		_v;                                                                                \
	})
#define BANKED_WRITE(reg, v)                                                                       \
	__asm__ volatile(".arch_extension virt\n\tmsr " #reg ", %0" ::"r"((uint32_t)(v)) : "memory")

/* SPSR of the current mode (in HYP: the guest's CPSR at its exit). Not BANKED_READ(SPSR_hyp):
 * the banked form cannot name the current mode's own SPSR (UNPREDICTABLE, undefined on QEMU). */
static inline uint32_t spsr_read(void)
{
	uint32_t v;

	__asm__ volatile("mrs %0, spsr" : "=r"(v));
	return v;
}

static inline void isb(void)
{
	__asm__ volatile("isb" ::: "memory");
}

static inline void dsb(void)
{
	__asm__ volatile("dsb sy" ::: "memory");
}

static inline void dsb_ish(void)
{
	__asm__ volatile("dsb ish" ::: "memory");
}

static inline void dmb(void)
{
	__asm__ volatile("dmb sy" ::: "memory");
}

static inline void sev(void)
{
	__asm__ volatile("sev" ::: "memory");
}

static inline void wfe(void)
{
	__asm__ volatile("wfe" ::: "memory");
}

static inline void wfi(void)
{
	__asm__ volatile("wfi" ::: "memory");
}

static inline void irq_disable(void)
{
	__asm__ volatile("cpsid i" ::: "memory");
}

static inline void irq_enable(void)
{
	__asm__ volatile("cpsie i" ::: "memory");
}

/* Affinity fields of MPIDR (B4.1.106): what the DT cpu nodes' reg holds. */
#define MPIDR_AFF_MASK 0x00ffffffu

static inline uint32_t cpu_mpidr(void)
{
	return sysreg_read32(MPIDR) & MPIDR_AFF_MASK;
}

#endif
