/* Early boot in C: runs with the MMU and data cache off, right after boot/entry.S relocated the
 * image. Builds the HYP stage-1 identity map (mm/hyp_map.c) from the page pool and turns the MMU
 * on, so that everything after, device-tree parsing included, runs with normal cacheable memory.
 * Nothing here can print yet: failures end in boot_fail() with a code (hyp/layout.h).
 */
#include "hyp/boot.h"

#include <libfdt.h>
#include <string.h>

#include "hyp/panic.h"
#include "hyp/percpu.h"
#include "mm/cache.h"
#include "mm/hyp_map.h"

extern char __image_start[], __text_end[], __rodata_end[], __data_end[];
extern char __pool_start[], __pool_end[], __image_end[];

struct image_layout hyp_image;
struct palloc hyp_pool;

/* Stack protector support for the image and libfdt (-fstack-protector-strong). */
uintptr_t __stack_chk_guard = 0x5a17c0deu;
void __stack_chk_fail(void) __noreturn;

static void map_or_fail(paddr_t pa, uint64_t size, unsigned perm)
{
	if (hyp_map(pa, size, perm, PGT_MEM_NORMAL_WB))
		boot_fail(BOOT_FAIL_LAYOUT);
}

static void map_cpu_regions(unsigned cpu)
{
	uintptr_t base;
	size_t size;

	percpu_stack_range(cpu, &base, &size);
	map_or_fail(base, size, PGT_PERM_RW);
	percpu_panic_range(cpu, &base, &size);
	map_or_fail(base, size, PGT_PERM_RW);
}

void boot_primary(uint32_t dtb, uint32_t load)
{
	struct percpu *pc = this_cpu();
	const void *fdt = (const void *)(uintptr_t)dtb;

	(void)load; /* == __image_start once relocated */
	memset(pc, 0, sizeof(*pc));
	pc->mpidr = cpu_mpidr();

	hyp_image = (struct image_layout){
		.start = (uintptr_t)__image_start,
		.text_end = (uintptr_t)__text_end,
		.rodata_end = (uintptr_t)__rodata_end,
		.data_end = (uintptr_t)__data_end,
		.end = (uintptr_t)__image_end,
		.pool_start = (uintptr_t)__pool_start,
		.pool_end = (uintptr_t)__pool_end,
	};

	/* The header is 8-byte aligned by the DT spec: aligned loads are safe with the MMU off. */
	if (!dtb || (dtb & 7) || fdt_magic(fdt) != FDT_MAGIC)
		boot_fail(BOOT_FAIL_NO_DTB);
	uint32_t dtb_size = fdt_totalsize(fdt);
	if (ranges_overlap(dtb, dtb_size, hyp_image.start, hyp_image.end - hyp_image.start))
		boot_fail(BOOT_FAIL_LAYOUT);

	if (palloc_init(&hyp_pool, hyp_image.pool_start, __pool_start,
			hyp_image.pool_end - hyp_image.pool_start) ||
	    hyp_map_init(&hyp_pool))
		boot_fail(BOOT_FAIL_LAYOUT);

	map_or_fail(hyp_image.start, hyp_image.text_end - hyp_image.start, PGT_PERM_RX);
	map_or_fail(hyp_image.text_end, hyp_image.rodata_end - hyp_image.text_end, PGT_PERM_R);
	map_or_fail(hyp_image.rodata_end, hyp_image.data_end - hyp_image.rodata_end, PGT_PERM_RW);
	for (unsigned cpu = 0; cpu < HYP_MAX_CPUS; cpu++)
		map_cpu_regions(cpu);
	map_or_fail(hyp_image.pool_start, hyp_image.pool_end - hyp_image.pool_start, PGT_PERM_RW);
	map_or_fail(dtb, dtb_size, PGT_PERM_R);

	/* Everything so far was written with the data cache off; the boot protocol leaves the
	 * cache clean, so discarding lines can only remove stale copies. */
	dcache_inval_range((uintptr_t)hyp_image.start, (size_t)(hyp_image.end - hyp_image.start));
	dcache_inval_range(dtb, dtb_size);
	hyp_mmu_enable();
	hyp_main(fdt);
}

void __stack_chk_fail(void)
{
	panic("stack protector: stack corruption detected");
}
