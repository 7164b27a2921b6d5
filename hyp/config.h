/* Partition configuration read from the device tree (docs/bindings.md).
 *
 *   /chosen/bulkhead (compatible "bulkhead,hypervisor") holds one child per partition
 *   (compatible "bulkhead,partition"). config_parse() turns them into struct part_config after
 *   validating each against the platform and against the partitions before it. A partition
 *   with an invalid configuration is left out (with one error line per problem, naming the
 *   node and property); the others are kept.
 *
 * Arch-neutral: reads the DTB only; builds for the host too (tests/unit/test_config.c,
 * tools/bulkhead-check).
 */
#ifndef BULKHEAD_CONFIG_H
#define BULKHEAD_CONFIG_H

#include "hyp/diag.h"
#include "hyp/platform.h"
#include "mm/pgtable.h"

#define CONFIG_MAX_PARTITIONS 512 /* more than the 255 VMIDs on purpose */
#define CONFIG_MAX_VCPUS 8
#define CONFIG_MAX_REGIONS 8
#define CONFIG_MAX_DEVICES 4
#define CONFIG_MAX_DEV_REGS 2
#define CONFIG_MAX_DEV_IRQS 4
#define CONFIG_NAME_MAX 32
#define CONFIG_BOOTARGS_MAX 256
/* Room reserved in guest memory for a device tree Bulkhead generates (hyp/guest_dt.h). */
#define CONFIG_GUEST_DT_SIZE 0x10000u
#define CONFIG_MAX_VCPUS_PER_CPU 512 /* time-sliced vCPUs pinned to one physical CPU */
#define CONFIG_DEFAULT_SLICE_US 10000
#define CONFIG_SLICE_MIN_US 100 /* bounds of time-slice-us */
#define CONFIG_SLICE_MAX_US 1000000
#define CONFIG_DEFAULT_RESTART_LIMIT 3

enum fault_policy {
	FAULT_STOP,    /* stop every vCPU of the partition (default) */
	FAULT_RESTART, /* tear down and start again, up to restart-limit times, then stop */
	FAULT_INJECT,  /* inject the abort into the guest (its own handler decides) */
};

struct part_region {
	ipa_t ipa;
	paddr_t pa;
	uint64_t size;
	struct pgt_attrs attrs; /* perm from "access", mem from "type" */
};

/* regs are page-rounded spans (stage 2 maps whole pages), pairwise disjoint over all devices of
 * one partition: a span an earlier device of the partition already covers is not repeated, so
 * nr_regs may be 0. Likewise an SPI shared by two devices of a partition is listed once. */
struct part_device {
	char path[PLAT_PATH_MAX];		      /* platform node passed through */
	struct plat_region regs[CONFIG_MAX_DEV_REGS]; /* mapped at IPA == PA */
	unsigned nr_regs;
	uint32_t intids[CONFIG_MAX_DEV_IRQS]; /* SPIs routed to the partition */
	unsigned nr_irqs;
};

struct part_module {
	paddr_t pa; /* where the loader placed it */
	uint64_t size;
};

struct part_config {
	char name[CONFIG_NAME_MAX];
	char path[PLAT_PATH_MAX]; /* DT node, for messages */
	unsigned index;		  /* position among valid partitions */

	unsigned nr_vcpus;
	uint32_t vcpu_mpidr[CONFIG_MAX_VCPUS]; /* physical CPU each vCPU is pinned to */

	struct part_region regions[CONFIG_MAX_REGIONS];
	unsigned nr_regions;

	struct part_module image; /* copied to image_ipa at (re)start */
	ipa_t image_ipa;
	ipa_t entry;
	struct part_module dtb; /* optional guest DTB module (size 0: none) */
	/* Without a dtb module Bulkhead generates the guest's tree (hyp/guest_dt.h), at most
	 * CONFIG_GUEST_DT_SIZE bytes at dtb_ipa, if the memory has room for it. */
	bool dtb_generated;
	ipa_t dtb_ipa;		   /* where the guest DTB is placed (module or generated) */
	struct part_module initrd; /* optional initial ramdisk module (size 0: none) */
	ipa_t initrd_ipa;	   /* where it is copied; in the generated tree's /chosen */
	char bootargs[CONFIG_BOOTARGS_MAX]; /* for the generated tree's /chosen */
	/* Emulated PL011 console (hyp/vconsole.c), a page at vuart_ipa; its interrupt is the
	 * hypervisor console's INTID, as a virtual-only SPI. */
	bool has_vuart;
	ipa_t vuart_ipa;
	uint32_t vuart_intid;

	struct part_device devices[CONFIG_MAX_DEVICES];
	unsigned nr_devices;

	ipa_t gicd_ipa, gicc_ipa; /* where the guest finds its GIC; defaults: the platform's */

	enum fault_policy fault_policy;
	unsigned restart_limit;
};

/* What the configuration is checked against besides the platform. */
struct config_env {
	const struct platform *plat;
	struct plat_region hyp; /* the hypervisor image, stacks and pool */
	struct plat_region dtb; /* the DTB itself */
};

struct config {
	uint32_t slice_us; /* time slice for vCPUs sharing a CPU */
	unsigned nr_parts;
	struct part_config parts[CONFIG_MAX_PARTITIONS];
};

/* Called once per problem found, with one line naming the node and property. */
typedef void (*config_report_fn)(void *arg, const char *line);

/* Parses and validates every partition under /chosen/bulkhead into cfg (valid ones only, in DT
 * order). Returns the number of invalid partitions (0: all fine), or a negative errno when the
 * /chosen/bulkhead node itself is unusable (then cfg has no partitions); each problem is passed
 * to report. A DT without /chosen/bulkhead yields 0 partitions and returns 0. */
int config_parse(const void *fdt, const struct config_env *env, struct config *cfg,
		 config_report_fn report, void *arg);

const char *fault_policy_name(enum fault_policy p);

#endif
