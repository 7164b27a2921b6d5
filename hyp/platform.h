/* Platform description discovered from the device tree the hypervisor is handed.
 *
 * Nothing about the machine is compiled in: RAM, console UART, GIC, timer, PSCI and CPUs all come
 * from the DTB. platform_discover() only reads the DTB (arch-neutral, host-tested); drivers then
 * program what it found.
 */
#ifndef BULKHEAD_PLATFORM_H
#define BULKHEAD_PLATFORM_H

#include "hyp/diag.h"
#include "hyp/types.h"

#define PLAT_MAX_RAM_BANKS 8
#define PLAT_MAX_CPUS 8	  /* GICv2 targets at most 8 CPUs */
#define PLAT_PATH_MAX 128 /* as DT_PATH_MAX: vexpress's UARTs sit three buses deep (71 chars) */

struct plat_region {
	paddr_t base;
	uint64_t size;
};

enum psci_conduit { PSCI_CONDUIT_NONE, PSCI_CONDUIT_SMC, PSCI_CONDUIT_HVC };

struct platform {
	struct plat_region ram[PLAT_MAX_RAM_BANKS]; /* sorted by base, non-overlapping */
	unsigned nr_ram;

	struct {
		char path[PLAT_PATH_MAX]; /* DT node, for messages */
		struct plat_region reg;
		uint32_t intid;	 /* GIC INTID of its interrupt, 0 if none */
		bool from_alias; /* no /chosen/stdout-path: it is /aliases serial0 */
	} uart; /* from /chosen/stdout-path, else /aliases serial0; must be "arm,pl011" */

	struct {
		char path[PLAT_PATH_MAX];
		unsigned version;	 /* 2 */
		struct plat_region dist; /* GICD */
		struct plat_region cpu;	 /* GICC */
		struct plat_region hyp;	 /* GICH: virtual interface control */
		struct plat_region vcpu; /* GICV: virtual CPU interface */
		uint32_t maint_intid;	 /* maintenance interrupt, INTID */
	} gic;

	struct {
		uint32_t freq_hz; /* clock-frequency, 0 if absent (then CNTFRQ is used) */
		uint32_t intid_sec_phys, intid_phys, intid_virt, intid_hyp; /* PPIs as INTIDs */
	} timer;

	struct {
		enum psci_conduit conduit;
		uint32_t fn_cpu_on, fn_cpu_off, fn_cpu_suspend, fn_migrate; /* 0 if unknown */
		bool v0_2; /* "arm,psci-0.2" or later: standard function ids available */
	} psci;

	struct {
		uint32_t mpidr; /* affinity bits from the cpu node's reg */
	} cpus[PLAT_MAX_CPUS];
	unsigned nr_cpus;

	struct plat_region dtb; /* where the DTB itself lives (filled by the caller afterwards) */
};

/* Fills p from the flattened device tree fdt. Returns 0, or a negative errno (-EINVAL, -ENOENT,
 * -E2BIG) with one line in d (may be NULL) naming the node and property at fault (e.g.
 * "/intc@8000000: property 'reg' has 2 regions, GICv2 needs 4 (GICD, GICC, GICH, GICV)"). Checks:
 * header valid, /memory present with non-empty banks, /chosen/stdout-path (without one, the
 * "serial0" alias) resolves to a PL011, a GICv2 with all four regions and the maintenance
 * interrupt (interrupts may reach it through interrupt-map nexuses), an "arm,armv7-timer" with
 * its four PPIs, PSCI (optional: conduit NONE if absent), and /cpus with at most PLAT_MAX_CPUS
 * cpu nodes. Everything is reset first. The console is discovered first: after a later failure,
 * p->uart.reg.size != 0 means that UART can print d->msg. */
int platform_discover(const void *fdt, struct platform *p, struct diag *d);

/* Total RAM in bytes. */
uint64_t platform_ram_total(const struct platform *p);

#endif
