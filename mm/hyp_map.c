/* HYP stage-1 map (see hyp_map.h). */
#include "mm/hyp_map.h"

#include <errno.h>

#include "hyp/spinlock.h"
#include "hyp/sysreg.h"
#include "mm/cache.h"
#include "mm/lpae.h"

#define HYP_IA_BITS 32
#define HYP_START_LEVEL 1

/* HTCR (B4.1.76): T0SZ = 0 (32-bit VA), table walks Normal WB-WA inner shareable, so walks are
 * coherent with the data cache and table updates need no cache maintenance once the MMU is on. */
#define HTCR_T0SZ(x) ((x)&0x7u)
#define HTCR_IRGN0_WBWA (1u << 8)
#define HTCR_ORGN0_WBWA (1u << 10)
#define HTCR_SH0_INNER (3u << 12)
#define HTCR_VALUE (HTCR_T0SZ(0) | HTCR_IRGN0_WBWA | HTCR_ORGN0_WBWA | HTCR_SH0_INNER)

static spinlock_t hyp_map_lock = SPINLOCK_INIT;
static struct pgt table;
static struct pgt_cache cache;
static struct palloc *pool;
static bool mmu_on; /* on the boot CPU: TLB maintenance is needed from now on */

static int mm_alloc(void *ctx, unsigned order, paddr_t *pa)
{
	return palloc_alloc(ctx, order, pa);
}

static void mm_free(void *ctx, paddr_t pa, unsigned order)
{
	palloc_free(ctx, pa, order);
}

static void *mm_va(void *ctx, paddr_t pa)
{
	return palloc_va(ctx, pa);
}

static uint16_t *mm_refcount(void *ctx, paddr_t pa)
{
	return palloc_refcount(ctx, pa);
}

static void mm_tlb_inval(void *ctx, uint64_t ia, uint64_t size)
{
	(void)ctx;
	if (!mmu_on)
		return;
	dsb_ish();
	for (uint64_t va = ia; va < ia + size; va += PAGE_SIZE)
		sysreg_write32(TLBIMVAHIS, (uint32_t)va);
	dsb_ish();
	isb();
}

static struct pgt_mm hyp_mm = {
	.alloc_pages = mm_alloc,
	.free_pages = mm_free,
	.phys_to_virt = mm_va,
	.refcount = mm_refcount,
	.tlb_inval = mm_tlb_inval,
	.sync = NULL, /* walks are cache-coherent (HTCR); boot invalidates stale lines first */
};

int hyp_map_init(struct palloc *p)
{
	pool = p;
	hyp_mm.ctx = p;
	return pgt_init(&table, &lpae_hyp_fmt, &hyp_mm, HYP_IA_BITS, HYP_START_LEVEL);
}

int hyp_map(paddr_t pa, uint64_t size, unsigned perm, enum pgt_mem mem)
{
	paddr_t start = ALIGN_DOWN(pa, PAGE_SIZE);
	uint64_t len = ALIGN_UP(pa + size, PAGE_SIZE) - start;
	struct pgt_attrs attrs = {.perm = (uint8_t)perm, .mem = (uint8_t)mem};

	if (size == 0 || start + len > ((uint64_t)1 << HYP_IA_BITS))
		return -ERANGE;

	/* Devices may share a page with an already-mapped one (e.g. several UARTs in one page):
	 * accept an existing identical mapping page by page. */
	int err = 0;
	spin_lock(&hyp_map_lock);
	for (uint64_t off = 0; off < len && !err;) {
		struct pgt_attrs cur;
		paddr_t cur_pa;
		unsigned level;

		if (pgt_lookup(&table, start + off, &cur_pa, &cur, &level) == 0) {
			if (cur_pa != start + off || cur.perm != attrs.perm || cur.mem != attrs.mem)
				err = -EEXIST;
			off += PAGE_SIZE;
			continue;
		}
		uint64_t run = PAGE_SIZE;
		while (off + run < len && pgt_lookup(&table, start + off + run, NULL, NULL, NULL))
			run += PAGE_SIZE;
		/* Topped up under the lock, unlike stage 2: the one cache is shared by every
		 * CPU, the count needed depends on the table (which the lock guards), and the
		 * pool allocator never sleeps. Prepare-then-commit still holds: a failed top-up
		 * leaves the table unchanged. */
		err = pgt_cache_topup(
			&cache, &hyp_mm,
			pgt_map_pages_needed(&table, start + off, start + off, run, 0));
		if (!err)
			err = pgt_map(&table, &cache, start + off, start + off, run, attrs, 0);
		off += run;
	}
	spin_unlock(&hyp_map_lock);
	return err;
}

void hyp_mmu_enable(void)
{
	sysreg_write32(HMAIR0, LPAE_HMAIR0);
	sysreg_write32(HMAIR1, LPAE_HMAIR1);
	sysreg_write32(HTCR, HTCR_VALUE);
	sysreg_write64(HTTBR, table.root_pa);
	isb();
	sysreg_write32(TLBIALLH, 0);
	dsb();
	isb();
	uint32_t sctlr = sysreg_read32(HSCTLR);
	sctlr |= HSCTLR_M | HSCTLR_C | HSCTLR_I | HSCTLR_WXN;
	sctlr &= ~HSCTLR_A; /* unaligned accesses to Normal memory are fine once the MMU is on */
	sysreg_write32(HSCTLR, sctlr);
	isb();
	mmu_on = true;
}

void hyp_map_publish(void)
{
	dcache_clean_range((uintptr_t)&table, sizeof(table));
}

const struct pgt *hyp_map_table(void)
{
	return &table;
}
