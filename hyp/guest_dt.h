/* Guest device tree: the flattened device tree Bulkhead writes for a partition that has no DTB
 * module of its own, so that a stock Linux kernel (multiplatform armmp, DT boot) runs in it.
 *
 * The tree describes the partition as its guest sees it; the root has #address-cells =
 * #size-cells = 2, interrupt-parent = the virtual GIC, compatible "bulkhead,partition-guest"
 * and model "Bulkhead partition <name>" (multiplatform ARM kernels need no machine match):
 *   /chosen           bootargs (if any), linux,initrd-start/-end as 64-bit numbers (if an
 *                     initrd), stdout-path = the vuart (if any)
 *   /aliases          serial0 = the vuart (if any), so it is ttyAMA0
 *   /memory@<ipa>     one per region of Normal memory (write-back or non-cacheable) with read
 *                     and write access. Device regions are MMIO and read-only regions cannot be
 *                     a kernel's RAM: neither is described (the guest must know them itself)
 *   /cpus/cpu@<i>     one per vCPU: reg = i (the vCPU's virtual MPIDR affinity, hyp/vcpu.c),
 *                     compatible of the physical CPU it is pinned to, enable-method "psci"
 *   /psci             "arm,psci-1.0", "arm,psci-0.2", "arm,psci", method "hvc", and v0.1 ids
 *                     cpu_suspend/cpu_off/cpu_on (hyp/psci.c implements PSCI 1.1, no MIGRATE)
 *   /intc@<gicd_ipa>  "arm,cortex-a15-gic": GICD at gicd_ipa (the emulated 4 KiB frame), GICC
 *                     at gicc_ipa with the platform GICV's size; no maintenance interrupt
 *   /timer            "arm,armv7-timer", the platform's four PPIs (sec-phys, phys, virt, hyp)
 *                     with the platform's level trigger (level-low if it claims an edge) and the
 *                     partition's vCPUs as CPU mask; always-on and clock-frequency if the
 *                     platform has them
 *   /pl011@<base>     the emulated console UART (if vuart_intid): "arm,pl011", "arm,primecell",
 *                     one page, its SPI level-high, clocks "uartclk" and "apb_pclk" = /apb-pclk,
 *                     arm,primecell-periphid (so Linux does not probe the id registers)
 *   /apb-pclk         the vuart's fixed clock: a copied platform clock of that name if a device
 *                     uses one, else generated (GUEST_DT_VUART_CLOCK_HZ)
 *
 * Passed-through devices (cfg->devices[i].path in plat_fdt) are copied to the root, named
 * <name>@<first reg address>, with their properties in platform order except:
 *   reg               translated through the buses' ranges to CPU addresses (devices are mapped
 *                     at IPA == PA) and rewritten with 2 + 2 cells; the platform's entries, not
 *                     config's page-rounded spans
 *   interrupts        re-encoded from the GIC binding; SPIs only, same INTIDs
 *   interrupt-parent  the guest GIC
 *   clocks            each phandle to the guest's copy of that clock; only fixed clocks
 *                     ("fixed-clock", #clock-cells = <0>) can be copied (compatible,
 *                     #clock-cells, clock-frequency, clock-accuracy, clock-output-names), at
 *                     most GUEST_DT_MAX_CLOCKS distinct ones; any other provider is an error
 *   dropped           phandle, linux,phandle, status (the device is enabled in the guest), and
 *                     references to nodes the guest does not have: interrupts-extended, resets,
 *                     dmas, power-domains, iommus, msi-parent, memory-region, phys, gpios,
 *                     assigned-clock*, interconnects, nvmem-cells, mboxes (with their -names),
 *                     pinctrl-*, *-supply, *-gpios, *-gpio
 * Everything else (compatible, clock-names, dma-coherent, vendor properties) is copied byte for
 * byte; an unknown property holding a phandle is copied too and then names nothing. Child nodes
 * of a device are not copied. Root node names must come out unique (checked).
 *
 * Arch-neutral: writes memory only (libfdt's sequential-write API); builds for the host and is
 * unit-tested there (tests/unit/test_guest_dt.c).
 */
#ifndef BULKHEAD_GUEST_DT_H
#define BULKHEAD_GUEST_DT_H

#include "hyp/config.h"
#include "hyp/diag.h"
#include "hyp/platform.h"

/* The largest tree generated: a larger buffer is used only up to this size. */
#define GUEST_DT_MAX_SIZE 0x10000u

/* The buffer must be aligned like a DTB (libfdt reads 8-byte reserve-map entries in place). */
#define GUEST_DT_ALIGN 8u

/* Distinct fixed clocks the passed-through devices of one partition may reference. */
#define GUEST_DT_MAX_CLOCKS 8u

/* Clock rate given to the emulated UART's clock node when no copied clock serves it. The
 * emulated PL011 ignores baud-rate divisors; Linux's amba-pl011 driver only needs a clock. The
 * value is the rate QEMU's virt machine gives its PL011, so guests see familiar numbers. */
#define GUEST_DT_VUART_CLOCK_HZ 24000000u

struct guest_dt_input {
	const struct part_config *cfg; /* name, nr_vcpus, regions, devices, GIC IPAs, bootargs */
	const struct platform *plat;   /* timer PPIs (INTIDs) and frequency, GICV size */
	const void *plat_fdt; /* the platform DTB: devices, clocks, timer flags, CPU compatibles */
	ipa_t initrd_start;   /* initrd in guest memory; initrd_size 0: none */
	uint64_t initrd_size;
	ipa_t vuart_base;     /* emulated PL011 for the guest console (one page) */
	uint32_t vuart_intid; /* its SPI as a GIC INTID (32..1019); 0: no vuart */
};

/* Writes a complete flattened device tree for in->cfg into buf (size bytes, GUEST_DT_ALIGN
 * aligned). Only the first min(size, GUEST_DT_MAX_SIZE) bytes are written (libfdt zeroes them
 * first), none if the input is refused before building. Returns
 * the tree's total size (<= that bound), or a negative errno with one line in d (may be NULL)
 * naming the partition and what failed, e.g.
 *   partition 'linux-1': guest device tree: does not fit in 4096 bytes
 *   partition 'linux-1': guest device tree: /pl031@9010000: property 'clocks' entry 0: ...
 * Errors: -ENOSPC (the tree does not fit), -EINVAL (bad input: a device missing from plat_fdt,
 * a clock that is not a fixed clock, a vuart INTID that is no SPI, a root node name used twice,
 * any other libfdt error, named with fdt_strerror). On error buf holds no valid tree. */
int guest_dt_build(const struct guest_dt_input *in, void *buf, size_t size, struct diag *d);

#endif
