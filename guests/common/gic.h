/* GICv2 as a guest sees it (ARM IHI 0048B): the distributor (GICD) and the CPU interface (GICC)
 * at the addresses QEMU virt uses, which are the test guests' IPAs.
 *
 * Under Bulkhead the distributor is emulated (every access traps) and the CPU interface is the
 * GIC's virtual CPU interface mapped at the GICC address (IAR, EOIR, PMR and CTLR never trap), so
 * a guest programs both exactly like a real GICv2. The helpers make only 32-bit accesses, also to
 * the byte-wide IPRIORITYR fields (read-modify-write of the word), so an emulator needs no byte or
 * halfword access paths (mmio_read8_trapped/mmio_write8_trapped are for guests that test those
 * paths). The guests run with the MMU off: every access is Strongly-ordered, so the accesses take
 * effect in program order without barriers of their own.
 *
 * The banked registers (ISENABLER0, IPRIORITYR0-7: SGIs and PPIs) are per CPU interface: each
 * vCPU sets up its own.
 */
#ifndef GUEST_GIC_H
#define GUEST_GIC_H

#include "hyp/sysreg.h"
#include "hyp/types.h"

/* QEMU virt (hw/arm/virt.c); fixed addresses are fine in a test guest for that machine. */
#define GICD_BASE 0x08000000u
#define GICC_BASE 0x08010000u

/* Distributor registers (IHI 0048B 4.1.2) */
#define GICD_CTLR 0x000u
#define GICD_TYPER 0x004u
#define GICD_ISENABLER(n) (0x100u + 4u * (n)) /* 32 interrupts per register */
#define GICD_ICENABLER(n) (0x180u + 4u * (n))
#define GICD_ISPENDR(n) (0x200u + 4u * (n))
#define GICD_ICPENDR(n) (0x280u + 4u * (n))
#define GICD_ISACTIVER(n) (0x300u + 4u * (n))
#define GICD_ICACTIVER(n) (0x380u + 4u * (n))
#define GICD_IPRIORITYR(n) (0x400u + 4u * (n)) /* 4 interrupts per register, one byte each */
#define GICD_ITARGETSR(n) (0x800u + 4u * (n))
#define GICD_ICFGR(n) (0xc00u + 4u * (n))
#define GICD_SGIR 0xf00u
#define GICD_CPENDSGIR(n) (0xf10u + 4u * (n)) /* 4 SGIs per register, one byte of sources each */
#define GICD_SPENDSGIR(n) (0xf20u + 4u * (n))

#define GICD_CTLR_ENABLE 1u

/* GICD_SGIR fields (4.3.15): TargetListFilter 0 = the CPUs in CPUTargetList. */
#define GICD_SGIR_TARGETS(mask) (((uint32_t)(mask)&0xffu) << 16)
#define GICD_SGIR_INTID(id) ((uint32_t)(id)&0xfu)
/* TargetListFilter [25:24]: 0 the list, 1 every CPU interface but the sender's, 2 the sender's
 * only, 3 reserved. */
#define GICD_SGIR_FILTER(f) (((uint32_t)(f)&0x3u) << 24)
#define GICD_SGIR_FILTER_LIST 0u
#define GICD_SGIR_FILTER_OTHERS 1u
#define GICD_SGIR_FILTER_SELF 2u
#define GICD_SGIR_FILTER_RESERVED 3u

/* GICD_TYPER (4.3.2): ITLinesNumber [4:0] (lines = 32 * (N + 1)), CPUNumber [7:5] (+ 1). */
#define GICD_TYPER_LINES(t) (32u * (((t)&0x1fu) + 1u))
#define GICD_TYPER_CPUS(t) ((((t) >> 5) & 0x7u) + 1u)

/* GICD_ICFGR (4.3.13): two bits per interrupt, Int_config[1] set = edge-triggered. */
#define GICD_ICFGR_EDGE 2u

/* CPU interface registers (4.1.3) */
#define GICC_CTLR 0x00u
#define GICC_PMR 0x04u
#define GICC_BPR 0x08u
#define GICC_IAR 0x0cu
#define GICC_EOIR 0x10u
#define GICC_RPR 0x14u
#define GICC_HPPIR 0x18u

#define GICC_CTLR_ENABLE 1u

/* GICC_IAR (4.4.4): the interrupt id, and for an SGI the CPU interface that sent it. EOIR takes
 * the whole IAR value back, source included. */
#define GICC_IAR_INTID(iar) ((iar)&0x3ffu)
#define GICC_IAR_CPUID(iar) (((iar) >> 10) & 0x7u)
#define GIC_INTID_SPURIOUS 1023u /* nothing to acknowledge; never written to EOIR */
#define GIC_INTID_SPECIAL 1020u	 /* 1020-1023: special ids, not interrupts (no EOI) */

/* Interrupt id ranges (2.2.1) */
#define GIC_SGI_COUNT 16u
#define GIC_PPI_VTIMER 27u /* virtual timer (ARM ARM B8.1.1; QEMU virt, Bulkhead) */

/* A priority that PMR 0xf0 lets through even with 4 implemented priority bits (a virtual CPU
 * interface has at least 5). Lower value = higher priority. */
#define GIC_PRIO_DEFAULT 0xa0u
#define GIC_PMR_ALLOW_ALL 0xf0u

static inline uint32_t mmio_read32(uintptr_t addr)
{
	return *(volatile uint32_t *)addr;
}

static inline void mmio_write32(uintptr_t addr, uint32_t v)
{
	*(volatile uint32_t *)addr = v;
}

/* Accesses the hypervisor emulates (they trap: the distributor). Bulkhead decodes a trapped
 * load or store from its syndrome and moves the data through the guest's r0-r12 only: one whose
 * data register is SP or LR stops the partition as an unhandled stage-2 data abort (hyp/trap.c).
 * GCC at -O2 uses LR as a scratch register in functions that save it, so these pin the data
 * register to r0, and use one plain load or store without writeback (which would leave the
 * syndrome without ISV). */
static inline uint32_t mmio_read32_trapped(uintptr_t addr)
{
	register uint32_t v __asm__("r0");

	__asm__ volatile("ldr %0, [%1]" : "=r"(v) : "r"(addr) : "memory");
	return v;
}

static inline void mmio_write32_trapped(uintptr_t addr, uint32_t v)
{
	register uint32_t val __asm__("r0") = v;

	__asm__ volatile("str %0, [%1]" : : "r"(val), "r"(addr) : "memory");
}

static inline uint8_t mmio_read8_trapped(uintptr_t addr)
{
	register uint32_t v __asm__("r0");

	__asm__ volatile("ldrb %0, [%1]" : "=r"(v) : "r"(addr) : "memory");
	return (uint8_t)v;
}

static inline void mmio_write8_trapped(uintptr_t addr, uint8_t v)
{
	register uint32_t val __asm__("r0") = v;

	__asm__ volatile("strb %0, [%1]" : : "r"(val), "r"(addr) : "memory");
}

static inline uint32_t gicd_read(uint32_t reg)
{
	return mmio_read32_trapped(GICD_BASE + reg);
}

static inline void gicd_write(uint32_t reg, uint32_t v)
{
	mmio_write32_trapped(GICD_BASE + reg, v);
}

static inline uint32_t gicc_read(uint32_t reg)
{
	return mmio_read32(GICC_BASE + reg);
}

static inline void gicc_write(uint32_t reg, uint32_t v)
{
	mmio_write32(GICC_BASE + reg, v);
}

/* Turns the distributor on (once per partition: GICD_CTLR is not banked). */
static inline void gic_dist_enable(void)
{
	gicd_write(GICD_CTLR, GICD_CTLR_ENABLE);
}

/* Turns this vCPU's CPU interface on; interrupts with a priority value below `pmr` get through. */
static inline void gic_cpu_enable(uint32_t pmr)
{
	gicc_write(GICC_PMR, pmr);
	gicc_write(GICC_CTLR, GICC_CTLR_ENABLE);
}

/* Sets the priority of `intid` (for an SGI or PPI: on the calling vCPU's bank). */
static inline void gic_set_priority(uint32_t intid, uint32_t prio)
{
	uint32_t reg = GICD_IPRIORITYR(intid / 4u);
	uint32_t shift = 8u * (intid % 4u);
	uint32_t v = gicd_read(reg);

	gicd_write(reg, (v & ~(0xffu << shift)) | ((prio & 0xffu) << shift));
}

/* Enables `intid` at the distributor (write-1-to-set: the other bits are untouched). */
static inline void gic_enable_irq(uint32_t intid)
{
	gicd_write(GICD_ISENABLER(intid / 32u), 1u << (intid % 32u));
}

/* Disables `intid` at the distributor (write-1-to-clear). */
static inline void gic_disable_irq(uint32_t intid)
{
	gicd_write(GICD_ICENABLER(intid / 32u), 1u << (intid % 32u));
}

/* Sets the CPU interfaces an SPI goes to (bit i: vCPU i) through a read-modify-write of its
 * GICD_ITARGETSR word. With one CPU interface the register is RAZ/WI (4.3.12): harmless. */
static inline void gic_set_target(uint32_t intid, uint32_t cpu_mask)
{
	uint32_t reg = GICD_ITARGETSR(intid / 4u);
	uint32_t shift = 8u * (intid % 4u);
	uint32_t v = gicd_read(reg);

	gicd_write(reg, (v & ~(0xffu << shift)) | ((cpu_mask & 0xffu) << shift));
}

/* Makes an SPI edge-triggered (`edge`) or level-sensitive, through its GICD_ICFGR word. */
static inline void gic_set_edge(uint32_t intid, bool edge)
{
	uint32_t reg = GICD_ICFGR(intid / 16u);
	uint32_t bit = GICD_ICFGR_EDGE << (2u * (intid % 16u));
	uint32_t v = gicd_read(reg);

	gicd_write(reg, edge ? v | bit : v & ~bit);
}

/* Acknowledges the highest-priority pending interrupt: the IAR value to give gic_eoi(). */
static inline uint32_t gic_ack(void)
{
	return gicc_read(GICC_IAR);
}

static inline void gic_eoi(uint32_t iar)
{
	gicc_write(GICC_EOIR, iar);
}

/* Sends SGI `id` to the CPU interfaces in `targets` (bit i: vCPU i). The DSB makes this vCPU's
 * earlier stores visible before the interrupt can reach the targets. */
static inline void gic_send_sgi(uint32_t targets, uint32_t id)
{
	dsb();
	gicd_write(GICD_SGIR, GICD_SGIR_TARGETS(targets) | GICD_SGIR_INTID(id));
}

/* Sleeps until an interrupt is pending and lets it be taken; called and returns with IRQs
 * masked. A caller checks its wake-up condition with IRQs masked and calls this only if it is
 * not met yet: WFI wakes on a pending interrupt whatever CPSR.I says (ARM ARM, "Wait For Interrupt"), so an
 * interrupt that arrives between the check and the WFI is not missed. The ISB makes sure a
 * pending interrupt is taken between unmasking and masking again. */
static inline void gic_wait_irq_masked(void)
{
	wfi();
	irq_enable();
	isb();
	irq_disable();
}

#endif
