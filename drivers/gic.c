/* GICv2 driver (IHI 0048B chapter 4 register maps). */
#include "drivers/gic.h"

#include "hyp/io.h"
#include "hyp/layout.h"
#include "hyp/percpu.h"
#include "hyp/sysreg.h"

/* Distributor (4.3) */
#define GICD_CTLR 0x000
#define GICD_TYPER 0x004
#define GICD_IIDR 0x008
#define GICD_ISENABLER 0x100
#define GICD_ICENABLER 0x180
#define GICD_ICPENDR 0x280
#define GICD_ICACTIVER 0x380
#define GICD_IPRIORITYR 0x400
#define GICD_ITARGETSR 0x800
#define GICD_SGIR 0xf00
#define GICD_CTLR_ENABLE 0x1u
#define GICD_TYPER_ITLINES(t) (((t)&0x1fu) + 1) /* in units of 32 lines */
#define GICD_SGIR_OTHERS (1u << 24)		/* TargetListFilter = 01 */
#define GICD_SGIR_TARGETS_SHIFT 16

/* CPU interface (4.4) */
#define GICC_CTLR 0x0000
#define GICC_PMR 0x0004
#define GICC_BPR 0x0008
#define GICC_IAR 0x000c
#define GICC_EOIR 0x0010
#define GICC_DIR 0x1000
#define GICC_CTLR_ENABLE 0x1u
#define GICC_CTLR_EOIMODE (1u << 9)

/* Virtual interface control (5.3) */
#define GICH_HCR 0x000
#define GICH_VTR 0x004
#define GICH_VTR_LISTREGS(v) (((v)&0x3fu) + 1)

#define GIC_PRIO_DEFAULT 0xa0u
#define GIC_PMR_OPEN 0xf0u
#define GIC_FIRST_SPI 32

static uintptr_t gicd, gicc, gich;
static bool ready;
static uint8_t cpu_if_mask[HYP_MAX_CPUS]; /* GICD_ITARGETSR bit of each logical CPU */

void gic_dist_init(const struct platform *p, struct gic_info *info)
{
	gicd = (uintptr_t)p->gic.dist.base;
	gicc = (uintptr_t)p->gic.cpu.base;
	gich = (uintptr_t)p->gic.hyp.base;

	mmio_write32(gicd + GICD_CTLR, 0);
	unsigned lines = 32 * GICD_TYPER_ITLINES(mmio_read32(gicd + GICD_TYPER));
	if (lines > 1020)
		lines = 1020; /* INTIDs 1020-1023 are special (IHI 0048B 2.2.1) */

	for (unsigned i = 0; i < lines; i += 32) {
		mmio_write32(gicd + GICD_ICENABLER + i / 8, 0xffffffffu);
		mmio_write32(gicd + GICD_ICPENDR + i / 8, 0xffffffffu);
		mmio_write32(gicd + GICD_ICACTIVER + i / 8, 0xffffffffu);
	}
	for (unsigned i = 0; i < lines; i += 4)
		mmio_write32(gicd + GICD_IPRIORITYR + i, GIC_PRIO_DEFAULT * 0x01010101u);
	for (unsigned i = GIC_FIRST_SPI; i < lines; i += 4)
		mmio_write32(gicd + GICD_ITARGETSR + i, 0x01010101u); /* CPU interface 0 */
	mmio_write32(gicd + GICD_CTLR, GICD_CTLR_ENABLE);

	info->nr_lines = lines;
	info->iidr = mmio_read32(gicd + GICD_IIDR);
	info->nr_lrs = GICH_VTR_LISTREGS(mmio_read32(gich + GICH_VTR));
	mmio_write32(gich + GICH_HCR, 0); /* virtual interface off until a guest runs */
	ready = true;
}

void gic_cpu_init(void)
{
	/* Banked per CPU: SGIs/PPIs of this interface start disabled with default priority. */
	mmio_write32(gicd + GICD_ICENABLER, 0xffffffffu);
	for (unsigned i = 0; i < GIC_FIRST_SPI; i += 4)
		mmio_write32(gicd + GICD_IPRIORITYR + i, GIC_PRIO_DEFAULT * 0x01010101u);
	/* The stop SGI stays enabled so panic() can halt this CPU. */
	mmio_write32(gicd + GICD_ISENABLER, (1u << GIC_SGI_STOP) | (1u << GIC_SGI_KICK));

	/* ITARGETSR0-7 read back this interface's own bit (IHI 0048B 4.3.12): that, not the
	 * MPIDR, is how SGIs address it. */
	cpu_if_mask[this_cpu()->cpu] = (uint8_t)mmio_read32(gicd + GICD_ITARGETSR);
	mmio_write32(gicc + GICC_PMR, GIC_PMR_OPEN);
	mmio_write32(gicc + GICC_BPR, 0);
	mmio_write32(gicc + GICC_CTLR, GICC_CTLR_ENABLE | GICC_CTLR_EOIMODE);
}

uint32_t gic_ack(void)
{
	return mmio_read32(gicc + GICC_IAR);
}

void gic_eoi(uint32_t iar)
{
	mmio_write32(gicc + GICC_EOIR, iar);
}

void gic_deactivate(uint32_t iar)
{
	mmio_write32(gicc + GICC_DIR, iar);
}

void gic_send_sgi_others(unsigned intid)
{
	dsb_ish(); /* make prior stores visible to the CPUs the SGI wakes */
	mmio_write32(gicd + GICD_SGIR, GICD_SGIR_OTHERS | (intid & 0xfu));
}

void gic_send_sgi_one(unsigned cpu, unsigned intid)
{
	dsb_ish();
	mmio_write32(gicd + GICD_SGIR,
		     ((uint32_t)cpu_if_mask[cpu] << GICD_SGIR_TARGETS_SHIFT) | (intid & 0xfu));
}

void gic_spi_enable(unsigned intid, bool enable)
{
	mmio_write32(gicd + (enable ? GICD_ISENABLER : GICD_ICENABLER) + (intid / 32) * 4,
		     1u << (intid % 32));
}

void gic_spi_route(unsigned intid, unsigned cpu)
{
	mmio_write8(gicd + GICD_ITARGETSR + intid, cpu_if_mask[cpu]);
}

void gic_enable_ppi(unsigned intid)
{
	mmio_write32(gicd + GICD_ISENABLER, 1u << (intid & 31u));
}

bool gic_ready(void)
{
	return ready;
}
