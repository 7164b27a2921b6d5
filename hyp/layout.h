/* Memory layout constants shared by C, assembly and the linker script (plain #defines only).
 *
 * Per-CPU region (HYP_CPU_REGION_SIZE bytes each, from __stacks_start):
 *   [guard page][HYP_STACK_SIZE stack][guard page][panic stack ... struct percpu]
 * Guard pages are never mapped, so running off the bottom of a stack is a HYP data abort. The
 * struct percpu sits in the top HYP_PERCPU_SIZE bytes of the region; HTPIDR points at it, and the
 * fatal-exception path uses the bytes below it as its stack (sp = HTPIDR), so it works even when
 * the normal stack is what overflowed.
 */
#ifndef BULKHEAD_LAYOUT_H
#define BULKHEAD_LAYOUT_H

#define HYP_MAX_CPUS 8 /* GICv2 supports 8 CPU interfaces */
#define HYP_GUARD_SIZE 0x1000
#define HYP_STACK_SIZE 0x4000
#define HYP_PANIC_STACK_SIZE 0x1000
#define HYP_PERCPU_SIZE 0x200
#define HYP_CPU_REGION_SIZE (2 * HYP_GUARD_SIZE + HYP_STACK_SIZE + HYP_PANIC_STACK_SIZE)

/* Page pool for translation tables and hypervisor data, carved out of the image's footprint. */
#define HYP_POOL_SIZE 0x1000000 /* 16 MiB: tables for a few hundred partitions */

/* Codes left in r0 by boot_fail when no console is known yet (docs/porting.md). */
#define BOOT_FAIL_NOT_HYP 1    /* not entered in HYP mode (CPSR.M != 0x1a) */
#define BOOT_FAIL_NO_VIRT 2    /* ID_PFR1: no Virtualization Extensions */
#define BOOT_FAIL_NO_LPAE 3    /* ID_MMFR0: VMSA without LPAE */
#define BOOT_FAIL_RELOC 4      /* a relocation other than R_ARM_RELATIVE in .rel.dyn */
#define BOOT_FAIL_CPU_INDEX 5  /* secondary started with a context id >= HYP_MAX_CPUS */
#define BOOT_FAIL_NO_DTB 6     /* r2 does not point at a flattened device tree */
#define BOOT_FAIL_LAYOUT 7     /* the DTB overlaps the image, or the early map failed */
#define BOOT_FAIL_NO_CONSOLE 8 /* the DTB names no usable console UART */

#endif
