/* Physical page pool: first-fit allocation of naturally aligned 2^order page blocks from one
 * contiguous region, with the free bitmap and per-page refcounts stored at the start of the
 * region. See mm/palloc.h for the contract.
 *
 * Metadata layout, from va_base: bitmap (one bit per page, rounded up to whole 32-bit words),
 * then one uint16_t refcount per page; both rounded up to whole pages, which are marked in use.
 *
 * The pool does not record allocation orders: freeing is by (pa, order) as allocated, and each
 * page's bit is checked individually.
 */
#include "mm/palloc.h"

#include <errno.h>
#include <string.h>

#include "hyp/assert.h"

#define WORD_BITS 32u
#define NO_RUN SIZE_MAX

static size_t bitmap_words(size_t nr_pages)
{
	return (nr_pages + WORD_BITS - 1) / WORD_BITS;
}

static size_t metadata_pages(size_t nr_pages)
{
	size_t bytes = bitmap_words(nr_pages) * sizeof(uint32_t) + nr_pages * sizeof(uint16_t);

	return (bytes + PAGE_SIZE - 1) / PAGE_SIZE;
}

/* Mask of the bits of [i, i+n) that lie in the word holding bit i; *cnt gets their number. */
static uint32_t word_run_mask(size_t i, size_t n, size_t *cnt)
{
	size_t shift = i % WORD_BITS;

	*cnt = n < WORD_BITS - shift ? n : WORD_BITS - shift;
	if (*cnt == WORD_BITS)
		return UINT32_MAX;
	return ((1u << *cnt) - 1) << shift;
}

static bool bits_all(const uint32_t *bitmap, size_t i, size_t n, bool set)
{
	while (n) {
		size_t cnt;
		uint32_t mask = word_run_mask(i, n, &cnt);

		if ((bitmap[i / WORD_BITS] & mask) != (set ? mask : 0))
			return false;
		i += cnt;
		n -= cnt;
	}
	return true;
}

static void bits_assign(uint32_t *bitmap, size_t i, size_t n, bool set)
{
	while (n) {
		size_t cnt;
		uint32_t mask = word_run_mask(i, n, &cnt);

		if (set)
			bitmap[i / WORD_BITS] |= mask;
		else
			bitmap[i / WORD_BITS] &= ~mask;
		i += cnt;
		n -= cnt;
	}
}

int palloc_init(struct palloc *p, paddr_t base, void *va, uint64_t size)
{
	uintptr_t va_base = (uintptr_t)va;

	if (!IS_ALIGNED(base, PAGE_SIZE) || !IS_ALIGNED(va_base, PAGE_SIZE) ||
	    !IS_ALIGNED(size, PAGE_SIZE) || size == 0)
		return -EINVAL;
	/* Both the physical and the virtual range must fit without wrapping. */
	if (base > UINT64_MAX - size || size - 1 > UINTPTR_MAX - va_base)
		return -EINVAL;

	size_t nr_pages = (size_t)(size >> PAGE_SHIFT);
	size_t meta = metadata_pages(nr_pages);
	size_t words = bitmap_words(nr_pages);

	if (meta >= nr_pages)
		return -EINVAL;

	spin_lock_init(&p->lock);
	p->base = base;
	p->va_base = va_base;
	p->nr_pages = nr_pages;
	p->first_free = meta;
	p->nr_free = nr_pages - meta;
	p->bitmap = va;
	p->refcount = (uint16_t *)(p->bitmap + words);

	memset(va, 0, meta * PAGE_SIZE);
	bits_assign(p->bitmap, 0, meta, true);
	return 0;
}

/* Smallest index >= i whose physical page number is a multiple of n (a power of two), so that
 * blocks are aligned in the physical address space, whatever the alignment of base. */
static size_t align_index(const struct palloc *p, size_t i, size_t n)
{
	size_t skew = (size_t)(-(p->base >> PAGE_SHIFT) & (n - 1)); /* first aligned index */

	return i + ((skew - i) & (n - 1));
}

/* First-fit: the lowest aligned index starting n free pages, or NO_RUN. Called with the lock. */
static size_t find_free_run(const struct palloc *p, size_t n)
{
	size_t i = align_index(p, p->first_free, n);

	while (i < p->nr_pages && n <= p->nr_pages - i) {
		size_t w = i / WORD_BITS;
		uint32_t free_bits = ~p->bitmap[w] & (UINT32_MAX << (i % WORD_BITS));

		if (!free_bits) {
			/* Covers full words in one step. */
			i = align_index(p, (w + 1) * WORD_BITS, n);
			continue;
		}
		size_t first = w * WORD_BITS + (size_t)__builtin_ctz(free_bits);

		if (first != i) {
			i = align_index(p, first, n);
			continue;
		}
		if (bits_all(p->bitmap, i, n, false))
			return i;
		i += n;
	}
	return NO_RUN;
}

int palloc_alloc(struct palloc *p, unsigned order, paddr_t *pa)
{
	if (order > PALLOC_MAX_ORDER)
		return -EINVAL;

	size_t n = (size_t)1 << order;
	size_t i;

	spin_lock(&p->lock);
	i = p->nr_free < n ? NO_RUN : find_free_run(p, n);
	if (i == NO_RUN) {
		spin_unlock(&p->lock);
		return -ENOMEM;
	}
	bits_assign(p->bitmap, i, n, true);
	__atomic_store_n(&p->nr_free, p->nr_free - n, __ATOMIC_RELAXED);
	spin_unlock(&p->lock);

	/* Outside the lock: once their bits are set the pages are ours alone. */
	memset((void *)(p->va_base + i * PAGE_SIZE), 0, n * PAGE_SIZE);
	*pa = p->base + (paddr_t)i * PAGE_SIZE;
	return 0;
}

void palloc_free(struct palloc *p, paddr_t pa, unsigned order)
{
	ASSERT(order <= PALLOC_MAX_ORDER);
	size_t n = (size_t)1 << order;

	ASSERT(IS_ALIGNED(pa, (paddr_t)PAGE_SIZE << order));
	ASSERT(palloc_contains(p, pa));
	size_t i = (size_t)((pa - p->base) >> PAGE_SHIFT);

	ASSERT(i >= p->first_free && n <= p->nr_pages - i);
	/* A table page still counting live entries would leave dangling descriptors behind. */
	for (size_t k = 0; k < n; k++)
		ASSERT(p->refcount[i + k] == 0);

	spin_lock(&p->lock);
	ASSERT(bits_all(p->bitmap, i, n, true)); /* double free */
	bits_assign(p->bitmap, i, n, false);
	__atomic_store_n(&p->nr_free, p->nr_free + n, __ATOMIC_RELAXED);
	spin_unlock(&p->lock);
}

void *palloc_va(const struct palloc *p, paddr_t pa)
{
	ASSERT(palloc_contains(p, pa));
	return (void *)(p->va_base + (uintptr_t)(pa - p->base));
}

paddr_t palloc_pa(const struct palloc *p, const void *va)
{
	uintptr_t v = (uintptr_t)va;

	ASSERT(v >= p->va_base && (v - p->va_base) / PAGE_SIZE < p->nr_pages);
	return p->base + (v - p->va_base);
}

bool palloc_contains(const struct palloc *p, paddr_t pa)
{
	return pa >= p->base && ((pa - p->base) >> PAGE_SHIFT) < p->nr_pages;
}

uint16_t *palloc_refcount(struct palloc *p, paddr_t pa)
{
	ASSERT(palloc_contains(p, pa));
	size_t i = (size_t)((pa - p->base) >> PAGE_SHIFT);

	ASSERT(i >= p->first_free);
	return &p->refcount[i];
}

size_t palloc_nr_free(const struct palloc *p)
{
	/* A snapshot: allocations on other CPUs may change it at once. */
	return __atomic_load_n(&p->nr_free, __ATOMIC_RELAXED);
}
