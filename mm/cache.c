/* Data-cache maintenance by VA (see cache.h). */
#include "mm/cache.h"

#include "hyp/sysreg.h"

/* Smallest data-cache line in bytes: CTR.DminLine is log2 of the line size in words (B4.1.42). */
static uintptr_t dcache_line(void)
{
	return (uintptr_t)4 << ((sysreg_read32(CTR) >> 16) & 0xfu);
}

void dcache_clean_range(uintptr_t va, size_t size)
{
	uintptr_t line = dcache_line();

	dsb();
	for (uintptr_t p = ALIGN_DOWN(va, line); p < va + size; p += line)
		sysreg_write32(DCCMVAC, p);
	dsb();
}

void dcache_inval_range(uintptr_t va, size_t size)
{
	uintptr_t line = dcache_line();

	dsb();
	for (uintptr_t p = ALIGN_DOWN(va, line); p < va + size; p += line)
		sysreg_write32(DCIMVAC, p);
	dsb();
}
