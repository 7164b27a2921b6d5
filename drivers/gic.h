/* GICv2 physical distributor, CPU interface and virtual interface control (IHI 0048B).
 *
 * The hypervisor owns the physical GIC: it configures the distributor once, each CPU's interface,
 * and reads what the virtual interface (GICH) offers. Guests never see GICD/GICC/GICH.
 * EOImode is 1 (split): the hypervisor drops priority on acknowledge and deactivates separately,
 * so interrupts forwarded to guests can be deactivated by the guest through the LR HW bit.
 */
#ifndef BULKHEAD_GIC_H
#define BULKHEAD_GIC_H

#include "hyp/platform.h"

#define GIC_NR_SGIS 16
#define GIC_SGI_STOP 0 /* hypervisor IPI: stop this CPU (panic) */
#define GIC_SGI_KICK 1 /* hypervisor IPI: leave the guest, reschedule (hyp/sched.c) */

struct gic_info {
	unsigned nr_lines; /* interrupt lines the distributor implements (ITLinesNumber) */
	unsigned nr_lrs;   /* list registers (GICH_VTR.ListRegs + 1) */
	uint32_t iidr;	   /* GICD_IIDR */
};

/* Distributor setup on the boot CPU: everything disabled and inactive, SPIs routed to CPU 0. */
void gic_dist_init(const struct platform *p, struct gic_info *info);

/* This CPU's interface: priority mask open, EOImode split, enabled. */
void gic_cpu_init(void);

/* Acknowledge: returns the INTID (1023 = spurious). */
uint32_t gic_ack(void);
/* Priority drop, then deactivate (EOImode 1). */
void gic_eoi(uint32_t iar);
void gic_deactivate(uint32_t iar);

/* Sends SGI intid to every CPU except the caller. */
void gic_send_sgi_others(unsigned intid);

/* Sends SGI intid to logical CPU cpu (its GIC CPU interface number is recorded by
 * gic_cpu_init(), as GICv2 numbers interfaces independently of MPIDR). */
void gic_send_sgi_one(unsigned cpu, unsigned intid);

/* Enables or disables SPI intid at the distributor. */
void gic_spi_enable(unsigned intid, bool enable);

/* Routes SPI intid to logical CPU cpu. */
void gic_spi_route(unsigned intid, unsigned cpu);

/* Enables a PPI or SGI on the calling CPU's interface. */
void gic_enable_ppi(unsigned intid);

/* True once gic_dist_init() has run. */
bool gic_ready(void);

#endif
