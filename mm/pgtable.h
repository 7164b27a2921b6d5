/* Arch-neutral LPAE translation-table walker (ARM ARM B3.6, long-descriptor format).
 *
 * One walker serves every table the hypervisor builds: per-partition stage-2 tables, the HYP
 * stage-1 table, and (in host tests) a fake encoding. It knows the walk, not the bits: descriptor
 * encode/decode sits behind struct pgt_fmt, and memory behind struct pgt_mm, so it runs on the
 * host against a fake page pool.
 *
 * Geometry: 4 KiB granule, levels 1..3, 9 bits per level below the root. The root level is
 * `start_level` (1 for both real formats) and holds 2^(ia_bits - level_shift(start_level))
 * entries; a root larger than one page is a set of concatenated pages (ARM ARM B3.6.6), allocated
 * contiguously and aligned to its size.
 *
 * Leaves: blocks at levels 1 (1 GiB) and 2 (2 MiB), pages at level 3 (4 KiB). pgt_map() uses the
 * largest leaf that the alignment of IA, PA and the remaining size allow, unless PGT_MAP_PAGES.
 *
 * Prepare, then commit: every operation first counts the table pages it needs (including those
 * for splitting blocks), takes them from the caller's struct pgt_cache (topped up beforehand with
 * pgt_cache_topup(), possibly outside a lock), and only then writes entries. An operation that
 * fails (-ENOMEM, -EEXIST, -EINVAL, -ERANGE) changes nothing.
 *
 * Refcounts: each non-root table page has a count of its live (non-absent) entries, kept by the
 * memory interface. When an unmap empties a table it is unlinked, the TLB invalidated, and the
 * page freed. The root is freed only by pgt_destroy().
 *
 * Valid-to-valid changes (split a block, replace or change a leaf) use break-before-make: write
 * absent, call mm->tlb_inval(), then write the new entry.
 *
 * Locking: a struct pgt is not internally locked; the owner serialises calls (stage2.c holds the
 * partition's lock). A struct pgt_cache belongs to one owner.
 */
#ifndef BULKHEAD_PGTABLE_H
#define BULKHEAD_PGTABLE_H

#include "hyp/types.h"

#define PGT_LEVELS_FIRST 1
#define PGT_LEVELS_LAST 3
#define PGT_ENTRIES 512				   /* entries in a non-root table */
#define PGT_MAX_ROOT_PAGES 16			   /* ARM ARM: at most 16 concatenated tables */
#define PGT_LEVEL_SHIFT(l) (12u + 9u * (3u - (l))) /* 30, 21, 12 for levels 1, 2, 3 */
#define PGT_LEVEL_SIZE(l) ((uint64_t)1 << PGT_LEVEL_SHIFT(l))

/* Access permissions, combined as a bit set. */
#define PGT_PERM_R 0x1u
#define PGT_PERM_W 0x2u
#define PGT_PERM_X 0x4u
#define PGT_PERM_RW (PGT_PERM_R | PGT_PERM_W)
#define PGT_PERM_RX (PGT_PERM_R | PGT_PERM_X)
#define PGT_PERM_RWX (PGT_PERM_R | PGT_PERM_W | PGT_PERM_X)

/* Memory types (ARM ARM B3.8). */
enum pgt_mem {
	PGT_MEM_NORMAL_WB,	  /* Normal, inner/outer write-back, inner shareable */
	PGT_MEM_NORMAL_NC,	  /* Normal, non-cacheable */
	PGT_MEM_DEVICE,		  /* Device (v8 name: Device-nGnRE) */
	PGT_MEM_STRONGLY_ORDERED, /* Strongly-ordered (v8: Device-nGnRnE) */
};

struct pgt_attrs {
	uint8_t perm; /* PGT_PERM_* bit set; 0 = no access */
	uint8_t mem;  /* enum pgt_mem */
};

enum pgt_kind {
	PGT_ABSENT, /* invalid descriptor */
	PGT_TABLE,  /* points to a next-level table (levels 1, 2 only) */
	PGT_LEAF,   /* block (levels 1, 2) or page (level 3) */
};

/* Descriptor encoding of one table flavour. All functions are pure. The walker writes 0 for an
 * absent entry (and a zeroed page is an all-absent table), so 0 must decode as PGT_ABSENT. */
struct pgt_fmt {
	const char *name;
	enum pgt_kind (*kind)(uint64_t pte, unsigned level);
	uint64_t (*mk_table)(paddr_t table_pa, unsigned level);
	uint64_t (*mk_leaf)(paddr_t pa, struct pgt_attrs attrs, unsigned level);
	paddr_t (*out_addr)(uint64_t pte, unsigned level); /* next table or output address */
	struct pgt_attrs (*leaf_attrs)(uint64_t pte, unsigned level);
	unsigned first_block_level; /* smallest level number holding blocks (1 = 1 GiB blocks ok) */
	/* Whether the format can express attrs (perm bits and mem already range-checked by the
	 * walker); pgt_map/pgt_set_attrs return -EINVAL otherwise. NULL: every combination is. */
	bool (*attrs_ok)(struct pgt_attrs attrs);
};

/* Memory interface: where table pages come from and how the walker reaches them. */
struct pgt_mm {
	void *ctx;
	/* Allocate 2^order contiguous zeroed pages aligned to their size; returns 0 on success. */
	int (*alloc_pages)(void *ctx, unsigned order, paddr_t *pa);
	void (*free_pages)(void *ctx, paddr_t pa, unsigned order);
	void *(*phys_to_virt)(void *ctx, paddr_t pa);
	/* Live-entry count of a (non-root) table page, stored by the pool. */
	uint16_t *(*refcount)(void *ctx, paddr_t table_pa);
	/* Invalidate TLB entries that may hold translations for [ia, ia + size). Called after a
	 * valid entry was made absent, before the walker reuses or frees anything it covered. */
	void (*tlb_inval)(void *ctx, uint64_t ia, uint64_t size);
	/* Make table writes visible to the table walker (cache clean if walks are not coherent);
	 * may be NULL. */
	void (*sync)(void *ctx, void *va, size_t size);
};

#define PGT_CACHE_MAX 32

/* Pages reserved ahead of an operation so that the commit phase cannot fail. */
struct pgt_cache {
	unsigned nr;
	paddr_t pages[PGT_CACHE_MAX];
};

struct pgt {
	const struct pgt_fmt *fmt;
	const struct pgt_mm *mm;
	paddr_t root_pa;
	uint64_t *root; /* virtual address of the root */
	unsigned start_level;
	unsigned ia_bits;
	unsigned root_order;  /* root spans 2^root_order pages */
	unsigned table_pages; /* non-root table pages currently in use */
};

/* Per-level statistics of what a table maps, for boot reports and tests. */
struct pgt_stats {
	unsigned table_pages;		      /* including the root's pages */
	uint64_t leaves[PGT_LEVELS_LAST + 1]; /* indexed by level: 1 GiB, 2 MiB, 4 KiB leaves */
};

/* Flags for pgt_map(). */
#define PGT_MAP_REPLACE 0x1u /* overwrite existing mappings in the range (else -EEXIST) */
#define PGT_MAP_PAGES 0x2u   /* use 4 KiB pages only (benchmarks, tests) */

/* Sets up an empty table with its root. ia_bits: input address size (32..40); start_level must be
 * one at which the root needs at most PGT_MAX_ROOT_PAGES pages. Returns 0, -EINVAL, -ENOMEM. */
int pgt_init(struct pgt *t, const struct pgt_fmt *fmt, const struct pgt_mm *mm, unsigned ia_bits,
	     unsigned start_level);

/* Frees every table page including the root. Does not invalidate TLBs (the owner does, once). */
void pgt_destroy(struct pgt *t);

/* Reserves up to n pages in the cache from mm; n above PGT_CACHE_MAX counts as PGT_CACHE_MAX, so
 * pgt_pages_needed()'s result can be passed as is. -ENOMEM if the pool runs dry (pages already
 * taken stay in the cache). */
int pgt_cache_topup(struct pgt_cache *c, const struct pgt_mm *mm, unsigned n);
/* Returns every cached page to mm. */
void pgt_cache_drain(struct pgt_cache *c, const struct pgt_mm *mm);

/* Worst-case number of table pages that pgt_map/pgt_unmap/pgt_set_attrs on a range may need,
 * computed from the range alone (no walk), so the caller can top up before taking its lock.
 * It assumes a PA that allows no blocks, so for ranges over a few tens of MiB it exceeds
 * PGT_CACHE_MAX, while a map whose IA and PA allow blocks needs few pages (about one per GiB
 * touched, plus two at the edges): the operation then fits a full cache. On -ENOMEM, repeat it
 * in smaller pieces. */
unsigned pgt_pages_needed(const struct pgt *t, uint64_t ia, uint64_t size);

/* Worst case for pgt_map() of [ia, ia+size) -> pa with flags, on any table state: like
 * pgt_pages_needed() but a level where IA and PA allow blocks contributes at most the two
 * partly covered slots at the ends. A map that needs more than PGT_CACHE_MAX pages by this bound
 * should be split by the caller at a boundary aligned to a block size (mm/stage2.c). */
unsigned pgt_map_pages_needed(const struct pgt *t, uint64_t ia, paddr_t pa, uint64_t size,
			      unsigned flags);

/* Worst case for pgt_unmap() and pgt_set_attrs() of any range: only blocks straddling the two
 * ends are split, one table per level below the root at each end. */
unsigned pgt_split_pages_needed(const struct pgt *t);

/* Maps [ia, ia+size) to [pa, pa+size). ia, pa, size must be page aligned and size > 0; the range
 * must lie inside the input address space and pa below 2^40. Returns 0; -EINVAL (alignment, size
 * 0), -ERANGE (outside the address space), -EEXIST (overlap without PGT_MAP_REPLACE), -ENOMEM
 * (cache too small). Nothing is changed on error. */
int pgt_map(struct pgt *t, struct pgt_cache *c, uint64_t ia, paddr_t pa, uint64_t size,
	    struct pgt_attrs attrs, unsigned flags);

/* Unmaps [ia, ia+size); holes in the range are fine. Blocks partly covered are split (needs cache
 * pages; c may be NULL when none is needed). Emptied tables are freed. Returns 0, -EINVAL,
 * -ERANGE, -ENOMEM. */
int pgt_unmap(struct pgt *t, struct pgt_cache *c, uint64_t ia, uint64_t size);

/* Changes the attributes of every mapped leaf in [ia, ia+size), splitting blocks at the edges.
 * Unmapped holes are left alone. Returns 0, -EINVAL, -ERANGE, -ENOMEM. */
int pgt_set_attrs(struct pgt *t, struct pgt_cache *c, uint64_t ia, uint64_t size,
		  struct pgt_attrs attrs);

/* Translates ia. Returns 0 and fills *pa (the byte address), *attrs and *level (of the leaf), any
 * of which may be NULL; -ENOENT if unmapped; -ERANGE if outside the input address space. */
int pgt_lookup(const struct pgt *t, uint64_t ia, paddr_t *pa, struct pgt_attrs *attrs,
	       unsigned *level);

/* Counts table pages and leaves per level. */
void pgt_get_stats(const struct pgt *t, struct pgt_stats *st);

/* Real encodings (mm/lpae.c): ARMv7 LPAE stage-2 (VTTBR) and HYP stage-1 (HTTBR, with the
 * attribute indexes of lpae.h's HMAIR layout). */
extern const struct pgt_fmt lpae_stage2_fmt;
extern const struct pgt_fmt lpae_hyp_fmt;

#endif
