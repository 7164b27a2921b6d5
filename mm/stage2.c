/* Per-partition stage-2 tables (see stage2.h). */
#include "mm/stage2.h"

#include <errno.h>
#include <stdatomic.h>
#include <string.h>

#include "hyp/layout.h"
#include "hyp/sysreg.h"

/* VTCR (ARM ARM B4.1.159): T0SZ = 32 - IA bits as a signed 4-bit field (-8 for 40 bits, with S =
 * T0SZ[3]), walks start at level 1 (SL0 = 01), table walks Normal WB-WA inner shareable so they
 * are coherent with the data cache, bit 31 RES1. */
#define VTCR_T0SZ(bits) ((uint32_t)(32 - (bits)) & 0xfu)
#define VTCR_S (1u << 4)
#define VTCR_SL0_L1 (1u << 6)
#define VTCR_IRGN0_WBWA (1u << 8)
#define VTCR_ORGN0_WBWA (1u << 10)
#define VTCR_SH0_INNER (3u << 12)
#define VTCR_RES1 (1u << 31)

#define VTTBR_VMID_SHIFT 48

static struct palloc *pool;
static struct vmid_space vmids;
static atomic_uint next_version;

/* What each CPU has in VTTBR (written only by that CPU). */
static struct {
	uint32_t version;
	uint64_t generation;
} installed[HYP_MAX_CPUS];

static int mm_alloc(void *ctx, unsigned order, paddr_t *pa)
{
	(void)ctx;
	return palloc_alloc(pool, order, pa);
}

static void mm_free(void *ctx, paddr_t pa, unsigned order)
{
	(void)ctx;
	palloc_free(pool, pa, order);
}

static void *mm_va(void *ctx, paddr_t pa)
{
	(void)ctx;
	return palloc_va(pool, pa);
}

static uint16_t *mm_refcount(void *ctx, paddr_t pa)
{
	(void)ctx;
	return palloc_refcount(pool, pa);
}

static void mm_tlb_inval(void *ctx, uint64_t ia, uint64_t size)
{
	(void)ia;
	(void)size;
	stage2_tlb_flush(ctx);
}

uint32_t stage2_vtcr(void)
{
	return VTCR_RES1 | VTCR_T0SZ(STAGE2_IA_BITS) | VTCR_S | VTCR_SL0_L1 | VTCR_IRGN0_WBWA |
	       VTCR_ORGN0_WBWA | VTCR_SH0_INNER;
}

int stage2_global_init(struct palloc *p, unsigned vmid_bits, unsigned nr_cpus)
{
	pool = p;
	return vmid_space_init(&vmids, vmid_bits, nr_cpus);
}

struct vmid_space *stage2_vmids(void)
{
	return &vmids;
}

int stage2_init(struct stage2 *s2, const char *name)
{
	memset(s2, 0, sizeof(*s2));
	spin_lock_init(&s2->lock);
	strncpy(s2->name, name, sizeof(s2->name) - 1);
	s2->version = atomic_fetch_add(&next_version, 1) + 1; /* 0: nothing installed */
	s2->mm = (struct pgt_mm){
		.ctx = s2,
		.alloc_pages = mm_alloc,
		.free_pages = mm_free,
		.phys_to_virt = mm_va,
		.refcount = mm_refcount,
		.tlb_inval = mm_tlb_inval,
		.sync = NULL, /* walks are cache-coherent (VTCR) */
	};
	return pgt_init(&s2->pgt, &lpae_stage2_fmt, &s2->mm, STAGE2_IA_BITS, STAGE2_START_LEVEL);
}

void stage2_destroy(struct stage2 *s2)
{
	spin_lock(&s2->lock);
	pgt_destroy(&s2->pgt);
	pgt_cache_drain(&s2->cache, &s2->mm);
	stage2_tlb_flush(s2);
	vmid_release(&vmids, &s2->vmid);
	spin_unlock(&s2->lock);
}

/* One walker call under the lock, after topping the cache up outside it (see stage2.h). */
static int s2_map_once(struct stage2 *s2, ipa_t ipa, paddr_t pa, uint64_t size,
		       struct pgt_attrs attrs, unsigned flags, unsigned need)
{
	int err = pgt_cache_topup(&s2->cache, &s2->mm, need);

	if (err)
		return err;
	spin_lock(&s2->lock);
	err = pgt_map(&s2->pgt, &s2->cache, ipa, pa, size, attrs, flags);
	spin_unlock(&s2->lock);
	return err;
}

/* The address in (start, end) with the most trailing zero bits: splitting there never prevents
 * a block, because no block can straddle a boundary aligned to its own size or more. */
static uint64_t best_split(uint64_t start, uint64_t end)
{
	for (unsigned bit = 63; bit >= PAGE_SHIFT; bit--) {
		uint64_t p = ALIGN_UP(start + 1, (uint64_t)1 << bit);
		if (p < end)
			return p;
	}
	return start + PAGE_SIZE;
}

/* Maps a range whose worst-case table need may exceed the cache (PGT_CACHE_MAX pages): such a
 * range is split in two first and each part mapped; if the second part fails the first is
 * unmapped again, so the whole change is all or nothing. Recursion depth is at most
 * log2(size / PAGE_SIZE). */
static int s2_map_range(struct stage2 *s2, ipa_t ipa, paddr_t pa, uint64_t size,
			struct pgt_attrs attrs, unsigned flags)
{
	unsigned need = pgt_map_pages_needed(&s2->pgt, ipa, pa, size, flags);

	if (need <= PGT_CACHE_MAX || size <= PAGE_SIZE)
		return s2_map_once(s2, ipa, pa, size, attrs, flags, need);
	uint64_t half = best_split(ipa, ipa + size) - ipa;
	int err = s2_map_range(s2, ipa, pa, half, attrs, flags);
	if (err)
		return err;
	err = s2_map_range(s2, ipa + half, pa + half, size - half, attrs, flags);
	if (err)
		stage2_unmap(s2, ipa, half);
	return err;
}

int stage2_map(struct stage2 *s2, ipa_t ipa, paddr_t pa, uint64_t size, unsigned perm,
	       enum pgt_mem mem)
{
	struct pgt_attrs attrs = {.perm = (uint8_t)perm, .mem = (uint8_t)mem};

	return s2_map_range(s2, ipa, pa, size, attrs, 0);
}

int stage2_map_pages(struct stage2 *s2, ipa_t ipa, paddr_t pa, uint64_t size, unsigned perm,
		     enum pgt_mem mem)
{
	struct pgt_attrs attrs = {.perm = (uint8_t)perm, .mem = (uint8_t)mem};

	return s2_map_range(s2, ipa, pa, size, attrs, PGT_MAP_PAGES);
}

int s2_ioremap(struct stage2 *s2, ipa_t ipa, paddr_t pa, uint64_t size)
{
	return stage2_map(s2, ipa, pa, size, PGT_PERM_RW, PGT_MEM_DEVICE);
}

/* Unmapping splits blocks only at the two ends of the range, so it rarely needs a page: try with
 * what the cache holds (the walker's prepare pass is exact and changes nothing on -ENOMEM), and
 * only then top up, outside the lock, for the worst case. */
int stage2_unmap(struct stage2 *s2, ipa_t ipa, uint64_t size)
{
	int err;

	spin_lock(&s2->lock);
	err = pgt_unmap(&s2->pgt, &s2->cache, ipa, size);
	spin_unlock(&s2->lock);
	if (err != -ENOMEM)
		return err;
	err = pgt_cache_topup(&s2->cache, &s2->mm, pgt_split_pages_needed(&s2->pgt));
	if (err)
		return err;
	spin_lock(&s2->lock);
	err = pgt_unmap(&s2->pgt, &s2->cache, ipa, size);
	spin_unlock(&s2->lock);
	return err;
}

int stage2_lookup(struct stage2 *s2, ipa_t ipa, paddr_t *pa, struct pgt_attrs *attrs)
{
	spin_lock(&s2->lock);
	int err = pgt_lookup(&s2->pgt, ipa, pa, attrs, NULL);
	spin_unlock(&s2->lock);
	return err;
}

static uint64_t vttbr_of(const struct stage2 *s2, uint32_t id)
{
	return s2->pgt.root_pa | ((uint64_t)id << VTTBR_VMID_SHIFT);
}

bool stage2_enter(struct stage2 *s2, unsigned cpu)
{
	struct vmid_result r = vmid_get(&vmids, &s2->vmid, cpu);

	sysreg_write32(VTCR, stage2_vtcr());
	sysreg_write64(VTTBR, vttbr_of(s2, r.id));
	isb();
	installed[cpu].version = s2->version;
	installed[cpu].generation = s2->vmid.generation;
	if (r.flush_tlb) {
		/* Entries of a previous generation may carry ids now given to other partitions. */
		sysreg_write32(TLBIALLNSNH, 0);
		dsb();
		isb();
	}
	return r.rolled;
}

bool stage2_needs_enter(const struct stage2 *s2, unsigned cpu)
{
	/* A racy read of the generation is fine: a stale value only takes the full path. */
	return installed[cpu].version != s2->version ||
	       installed[cpu].generation != __atomic_load_n(&vmids.generation, __ATOMIC_ACQUIRE) ||
	       (__atomic_load_n(&vmids.flush_pending, __ATOMIC_RELAXED) & (1u << cpu));
}

void stage2_tlb_flush(struct stage2 *s2)
{
	/* A stale id is flushed too: the partition may still be running on a CPU that has not yet
	 * left its guest after a rollover. At worst this also drops entries of the partition that
	 * now holds the id, which costs refills, never isolation. */
	if (!s2->vmid.id)
		return; /* never entered: the TLB holds nothing for it */
	/* ARMv7 has no invalidate-by-IPA: at PL2, TLBIALLIS invalidates the PL1&0 entries of the
	 * VMID in VTTBR (B4.2.3), so switch VTTBR to this partition's VMID for the operation. */
	uint64_t saved = sysreg_read64(VTTBR);
	sysreg_write64(VTTBR, vttbr_of(s2, s2->vmid.id));
	isb();
	sysreg_write32(TLBIALLIS, 0);
	dsb_ish();
	sysreg_write64(VTTBR, saved);
	isb();
}
