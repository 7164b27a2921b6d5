/* Fake page pool for the walker tests; see fake_mm.h. */
#include "tests/unit/fake_mm.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define POISON 0xa5

static size_t page_index(const struct fake_mm *f, paddr_t pa)
{
	assert_true(pa >= FAKE_MM_PA_BASE);
	assert_true((pa & PAGE_MASK) == 0);
	assert_true(pa - FAKE_MM_PA_BASE < (uint64_t)f->nr_pages * PAGE_SIZE);
	return (size_t)((pa - FAKE_MM_PA_BASE) >> PAGE_SHIFT);
}

static int fake_alloc(void *ctx, unsigned order, paddr_t *pa)
{
	struct fake_mm *f = ctx;
	size_t n = (size_t)1 << order;

	if (f->fail_allocs) {
		f->fail_allocs--;
		return -1;
	}
	for (size_t i = 0; i + n <= f->nr_pages; i += n) {
		size_t j = 0;

		while (j < n && !f->in_use[i + j])
			j++;
		if (j < n)
			continue;
		for (j = 0; j < n; j++)
			f->in_use[i + j] = true;
		f->head_order[i] = (int8_t)order;
		f->nr_free -= n;
		memset(f->mem + i * PAGE_SIZE, 0, n * PAGE_SIZE);
		memset(f->shadow + i * PAGE_SIZE, POISON, n * PAGE_SIZE);
		*pa = FAKE_MM_PA_BASE + (paddr_t)i * PAGE_SIZE;
		return 0;
	}
	return -1;
}

static void fake_free(void *ctx, paddr_t pa, unsigned order)
{
	struct fake_mm *f = ctx;
	size_t i = page_index(f, pa);
	size_t n = (size_t)1 << order;

	if (f->on_free)
		f->on_free(f->arg, pa, order);
	assert_int_equal(f->head_order[i], order);
	for (size_t j = 0; j < n; j++) {
		assert_true(f->in_use[i + j]);
		/* Same contract as mm/palloc.c: a page is freed with no live entries counted. */
		assert_int_equal(f->refcount[i + j], 0);
		f->in_use[i + j] = false;
	}
	f->head_order[i] = -1;
	f->nr_free += n;
	memset(f->mem + i * PAGE_SIZE, POISON, n * PAGE_SIZE);
}

static void *fake_phys_to_virt(void *ctx, paddr_t pa)
{
	struct fake_mm *f = ctx;
	size_t i = page_index(f, pa & ~PAGE_MASK);

	assert_true(f->in_use[i]);
	return f->mem + i * PAGE_SIZE + (pa & PAGE_MASK);
}

static uint16_t *fake_refcount(void *ctx, paddr_t pa)
{
	struct fake_mm *f = ctx;
	size_t i = page_index(f, pa);

	assert_true(f->in_use[i]);
	return &f->refcount[i];
}

static void fake_tlb_inval(void *ctx, uint64_t ia, uint64_t size)
{
	struct fake_mm *f = ctx;

	assert_true(size > 0);
	assert_true((ia & PAGE_MASK) == 0 && (size & PAGE_MASK) == 0);
	if (f->on_inval)
		f->on_inval(f->arg, ia, size);
	if (f->inval_calls == 0 || ia < f->inval_lo)
		f->inval_lo = ia;
	if (f->inval_calls == 0 || ia + size > f->inval_hi)
		f->inval_hi = ia + size;
	f->inval_calls++;
	f->inval_ia = ia;
	f->inval_size = size;
}

static void fake_sync(void *ctx, void *va, size_t size)
{
	struct fake_mm *f = ctx;
	size_t off = (size_t)((uint8_t *)va - f->mem);

	assert_true((uint8_t *)va >= f->mem && off + size <= f->nr_pages * PAGE_SIZE);
	assert_true(f->in_use[off / PAGE_SIZE]);
	memcpy(f->shadow + off, va, size);
	f->syncs++;
}

void fake_mm_init(struct fake_mm *f, size_t nr_pages, bool with_sync)
{
	memset(f, 0, sizeof(*f));
	f->nr_pages = nr_pages;
	f->mem = aligned_alloc(PAGE_SIZE, nr_pages * PAGE_SIZE);
	f->shadow = malloc(nr_pages * PAGE_SIZE);
	f->head_order = malloc(nr_pages);
	f->in_use = calloc(nr_pages, sizeof(bool));
	f->refcount = calloc(nr_pages, sizeof(uint16_t));
	assert_non_null(f->mem);
	assert_non_null(f->shadow);
	assert_non_null(f->head_order);
	assert_non_null(f->in_use);
	assert_non_null(f->refcount);
	memset(f->mem, POISON, nr_pages * PAGE_SIZE);
	memset(f->head_order, -1, nr_pages);
	/* Refcount slots start at 0 and must be 0 again when a page is freed (mm/palloc.c). */
	f->nr_free = nr_pages;
	f->mm = (struct pgt_mm){
		.ctx = f,
		.alloc_pages = fake_alloc,
		.free_pages = fake_free,
		.phys_to_virt = fake_phys_to_virt,
		.refcount = fake_refcount,
		.tlb_inval = fake_tlb_inval,
		.sync = with_sync ? fake_sync : NULL,
	};
}

void fake_mm_fini(struct fake_mm *f)
{
	free(f->mem);
	free(f->shadow);
	free(f->head_order);
	free(f->in_use);
	free(f->refcount);
	memset(f, 0, sizeof(*f));
}

void fake_mm_reset_log(struct fake_mm *f)
{
	f->inval_calls = 0;
	f->inval_ia = f->inval_size = 0;
	f->inval_lo = f->inval_hi = 0;
	f->syncs = 0;
}

paddr_t fake_mm_pa(const struct fake_mm *f, const void *va)
{
	return FAKE_MM_PA_BASE + (paddr_t)((const uint8_t *)va - f->mem);
}

bool fake_mm_page_in_use(const struct fake_mm *f, paddr_t pa)
{
	return f->in_use[page_index(f, pa)];
}

bool fake_mm_unsynced(const struct fake_mm *f, paddr_t pa)
{
	size_t off = page_index(f, pa) * PAGE_SIZE;

	return memcmp(f->mem + off, f->shadow + off, PAGE_SIZE) != 0;
}
