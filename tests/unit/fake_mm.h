/* Host-side stand-in for the hypervisor's page pool behind struct pgt_mm, for the walker tests.
 *
 * Pages come from one aligned_alloc'd buffer; their "physical" addresses are the buffer offset
 * plus FAKE_MM_PA_BASE, so a table address is never a host pointer. The pool checks every call
 * (frees of pages not allocated, wrong order, access to free pages), poisons freed pages so a use
 * after free reads garbage, and keeps a per-page refcount slot like mm/palloc.c.
 *
 * Hardware view: sync() copies the written bytes into a shadow of each page, which is what the
 * hardware table walker would see without coherent walks. A newly allocated page's shadow is
 * poison, so fake_mm_unsynced() finds table pages the walker linked without syncing them.
 */
#ifndef BULKHEAD_TEST_FAKE_MM_H
#define BULKHEAD_TEST_FAKE_MM_H

#include "mm/pgtable.h"

#define FAKE_MM_PA_BASE 0x80000000ull

struct fake_mm {
	struct pgt_mm mm;
	uint8_t *mem;
	uint8_t *shadow;
	size_t nr_pages;
	int8_t *head_order; /* order of the allocation starting at a page; -1 if none */
	bool *in_use;
	uint16_t *refcount;
	size_t nr_free;
	unsigned fail_allocs; /* the next n allocations fail */
	/* Observers, may be NULL: called before the pool acts. */
	void (*on_inval)(void *arg, uint64_t ia, uint64_t size);
	void (*on_free)(void *arg, paddr_t pa, unsigned order);
	void *arg;
	unsigned inval_calls;
	uint64_t inval_ia, inval_size; /* last call */
	uint64_t inval_lo, inval_hi;   /* union of all calls since fake_mm_reset_log() */
	unsigned syncs;
};

void fake_mm_init(struct fake_mm *f, size_t nr_pages, bool with_sync);
void fake_mm_fini(struct fake_mm *f);
void fake_mm_reset_log(struct fake_mm *f);
paddr_t fake_mm_pa(const struct fake_mm *f, const void *va);
bool fake_mm_page_in_use(const struct fake_mm *f, paddr_t pa);
/* Whether the hardware view of page pa differs from memory (sync missing). */
bool fake_mm_unsynced(const struct fake_mm *f, paddr_t pa);

#endif
