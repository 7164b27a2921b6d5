/* Physical page pool for the hypervisor's own memory: translation tables, per-CPU data.
 *
 * The pool is one physically contiguous region that no partition owns. Its bookkeeping (a
 * free bitmap and a 16-bit count per page, used by mm/pgtable.c as the live-entry count of a
 * table page) lives in the first pages of the region itself, so the pool needs no other memory.
 *
 * Allocation is first-fit over the bitmap for 2^order contiguous pages aligned to their size
 * (order 0..PALLOC_MAX_ORDER). Pages are returned zeroed. Exhaustion returns -ENOMEM and changes
 * nothing. Freeing a page that is not allocated from this pool is a hypervisor bug (assert).
 *
 * Arch-neutral: addresses are translated with a fixed offset (va = pa + (va_base - pa_base)), so
 * the host tests run it on a malloc'd buffer with a made-up physical base.
 *
 * Locking: `lock` guards the bitmap; refcounts belong to the owner of the allocated page.
 */
#ifndef BULKHEAD_PALLOC_H
#define BULKHEAD_PALLOC_H

#include "hyp/spinlock.h"
#include "hyp/types.h"

#define PALLOC_MAX_ORDER 4 /* 16 pages: the largest concatenated stage-2 root */

struct palloc {
	spinlock_t lock;
	paddr_t base;	    /* first page of the region (holds metadata) */
	uintptr_t va_base;  /* virtual address of base */
	size_t nr_pages;    /* pages in the region, metadata included */
	size_t first_free;  /* index of the first page after the metadata */
	size_t nr_free;	    /* pages currently free */
	uint32_t *bitmap;   /* bit set = page in use (metadata pages are marked in use) */
	uint16_t *refcount; /* per page */
};

/* Takes [base, base+size) as the pool; va is where the caller can access base. base, va and size
 * must be page aligned and leave at least one usable page after the metadata. Returns 0 or
 * -EINVAL. */
int palloc_init(struct palloc *p, paddr_t base, void *va, uint64_t size);

/* Allocates 2^order zeroed pages aligned to 2^order pages. Returns 0 or -EINVAL, -ENOMEM. */
int palloc_alloc(struct palloc *p, unsigned order, paddr_t *pa);

/* Returns 2^order pages starting at pa (as allocated). Their refcounts must be 0; freeing pages
 * that are not allocated is a bug (both asserted). */
void palloc_free(struct palloc *p, paddr_t pa, unsigned order);

/* Address translation for any address in the region, metadata included (asserted). */
void *palloc_va(const struct palloc *p, paddr_t pa);
paddr_t palloc_pa(const struct palloc *p, const void *va);

/* True if pa lies in the region, metadata pages included. */
bool palloc_contains(const struct palloc *p, paddr_t pa);

/* The 16-bit count slot of the page holding pa (which must lie in the pool, outside the
 * metadata). It is 0 when the page is allocated and must be 0 again when it is freed. */
uint16_t *palloc_refcount(struct palloc *p, paddr_t pa);

/* Number of free pages (for reports and leak checks). */
size_t palloc_nr_free(const struct palloc *p);

#endif
