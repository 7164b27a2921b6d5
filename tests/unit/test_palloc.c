/* Host tests for mm/palloc.c: init errors, metadata sizing and placement, exhaustion, orders and
 * physical alignment, zeroing, refcount slots, assertions on bad frees (in a forked child), and
 * a randomized alloc/free sequence against a reference model.
 *
 * Pools run on an aligned_alloc'd buffer with a made-up physical base. Most tests use a base that
 * is not 16-page aligned, so index alignment and physical alignment differ.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "mm/palloc.h"

#define SKEWED_BASE 0x80003000ull /* pfn 0x80003: 16-page alignment needs 13 pages more */

struct pool {
	struct palloc p;
	uint8_t *buf;
	size_t size;
};

static void pool_init(struct pool *t, paddr_t base, size_t nr_pages)
{
	t->size = nr_pages * PAGE_SIZE;
	t->buf = aligned_alloc(PAGE_SIZE, t->size);
	assert_non_null(t->buf);
	memset(t->buf, 0xEE, t->size); /* init must not rely on zeroed memory */
	assert_int_equal(palloc_init(&t->p, base, t->buf, t->size), 0);
}

static void pool_fini(struct pool *t)
{
	free(t->buf);
}

static bool page_is(const uint8_t *va, size_t len, uint8_t val)
{
	for (size_t i = 0; i < len; i++) {
		if (va[i] != val)
			return false;
	}
	return true;
}

static bool bit_set(const struct palloc *p, size_t i)
{
	return p->bitmap[i / 32] & (1u << (i % 32));
}

static void test_init_rejects_bad_arguments(void **state)
{
	struct palloc p;
	uint8_t *buf = aligned_alloc(PAGE_SIZE, 4 * PAGE_SIZE);

	(void)state;
	assert_non_null(buf);
	assert_int_equal(palloc_init(&p, 0x40000800, buf, 4 * PAGE_SIZE), -EINVAL);
	assert_int_equal(palloc_init(&p, 0x40000000, buf, 4 * PAGE_SIZE - 8), -EINVAL);
	assert_int_equal(palloc_init(&p, 0x40000000, buf + 64, 3 * PAGE_SIZE), -EINVAL);
	assert_int_equal(palloc_init(&p, 0x40000000, buf, 0), -EINVAL);
	/* one page: metadata only, nothing to hand out */
	assert_int_equal(palloc_init(&p, 0x40000000, buf, PAGE_SIZE), -EINVAL);
	/* physical range wraps */
	assert_int_equal(palloc_init(&p, UINT64_MAX - PAGE_MASK, buf, 2 * PAGE_SIZE), -EINVAL);

	assert_int_equal(palloc_init(&p, 0x40000000, buf, 2 * PAGE_SIZE), 0);
	assert_int_equal(p.nr_pages, 2);
	assert_int_equal(p.first_free, 1);
	assert_int_equal(palloc_nr_free(&p), 1);
	free(buf);
}

/* Metadata = 4 bytes per 32 pages + 2 bytes per page, in whole pages: 1926 pages need exactly
 * 61 * 4 + 1926 * 2 = 4096 bytes, 1927 pages 4098. */
static void test_metadata_sizing(void **state)
{
	static const struct {
		size_t pages, meta;
	} cases[] = {{2, 1}, {1000, 1}, {1926, 1}, {1927, 2}, {2000, 2}};

	(void)state;
	for (size_t c = 0; c < ARRAY_SIZE(cases); c++) {
		struct pool t;

		pool_init(&t, 0x40000000, cases[c].pages);
		assert_int_equal(t.p.first_free, cases[c].meta);
		assert_int_equal(palloc_nr_free(&t.p), cases[c].pages - cases[c].meta);
		assert_ptr_equal(t.p.bitmap, t.buf);
		assert_ptr_equal(t.p.refcount, t.buf + 4 * ((cases[c].pages + 31) / 32));
		for (size_t i = 0; i < cases[c].pages; i++)
			assert_int_equal(bit_set(&t.p, i), i < cases[c].meta);
		for (size_t i = 0; i < cases[c].pages; i++)
			assert_int_equal(t.p.refcount[i], 0);
		pool_fini(&t);
	}
}

static void test_alloc_all_then_free_all(void **state)
{
	enum { PAGES = 300 };
	static paddr_t got[PAGES];
	struct pool t;
	size_t n = 0, initial;
	paddr_t pa;

	(void)state;
	pool_init(&t, SKEWED_BASE, PAGES);
	initial = palloc_nr_free(&t.p);
	assert_int_equal(initial, PAGES - 1);

	while (palloc_alloc(&t.p, 0, &pa) == 0) {
		assert_true(n < PAGES);
		/* first fit over an untouched pool: ascending, consecutive */
		assert_int_equal(pa, SKEWED_BASE + (n + 1) * PAGE_SIZE);
		got[n++] = pa;
	}
	assert_int_equal(n, initial);
	assert_int_equal(palloc_nr_free(&t.p), 0);

	uint32_t snapshot[(PAGES + 31) / 32];

	memcpy(snapshot, t.p.bitmap, sizeof(snapshot));
	pa = 0x1234;
	for (unsigned order = 0; order <= PALLOC_MAX_ORDER; order++)
		assert_int_equal(palloc_alloc(&t.p, order, &pa), -ENOMEM);
	assert_int_equal(pa, 0x1234);
	assert_memory_equal(snapshot, t.p.bitmap, sizeof(snapshot));
	assert_int_equal(palloc_nr_free(&t.p), 0);

	for (size_t i = 0; i < n; i++)
		palloc_free(&t.p, got[i], 0);
	assert_int_equal(palloc_nr_free(&t.p), initial);
	for (size_t i = 1; i < PAGES; i++)
		assert_false(bit_set(&t.p, i));

	/* everything coalesced again: the first 16-aligned block is pfn 0x80010 */
	assert_int_equal(palloc_alloc(&t.p, 4, &pa), 0);
	assert_int_equal(pa, 0x80010000ull);
	pool_fini(&t);
}

static void test_orders_and_alignment(void **state)
{
	static const struct {
		unsigned order;
		paddr_t pa;
	} seq[] = {
		{0, 0x80004000}, {1, 0x80006000}, {2, 0x80008000}, {3, 0x80010000},
		{4, 0x80020000}, {0, 0x80005000}, {1, 0x8000c000}, {0, 0x8000e000},
		{2, 0x80018000}, {3, 0x80030000}, {0, 0x8000f000},
	};
	struct pool t;
	paddr_t pa = 0x1234;
	size_t used = 0;

	(void)state;
	pool_init(&t, SKEWED_BASE, 256);
	assert_int_equal(palloc_alloc(&t.p, PALLOC_MAX_ORDER + 1, &pa), -EINVAL);
	assert_int_equal(palloc_alloc(&t.p, ~0u, &pa), -EINVAL);
	assert_int_equal(pa, 0x1234);

	for (size_t i = 0; i < ARRAY_SIZE(seq); i++) {
		assert_int_equal(palloc_alloc(&t.p, seq[i].order, &pa), 0);
		assert_int_equal(pa, seq[i].pa);
		used += (size_t)1 << seq[i].order;
		assert_int_equal(palloc_nr_free(&t.p), 255 - used);
	}

	/* alignment holds for any mix */
	for (unsigned k = 0; k < 60; k++) {
		unsigned order = k % (PALLOC_MAX_ORDER + 1);

		if (palloc_alloc(&t.p, order, &pa) != 0)
			break;
		assert_int_equal(pa % ((paddr_t)PAGE_SIZE << order), 0);
		assert_true(palloc_contains(&t.p, pa));
		assert_true(palloc_contains(&t.p, pa + ((paddr_t)PAGE_SIZE << order) - 1));
	}
	pool_fini(&t);
}

/* Free pages remain that cannot form an aligned block: -ENOMEM with nr_free >= 16. */
static void test_fragmented_enomem_and_word_skip(void **state)
{
	enum { PAGES = 200 };
	struct pool t;
	paddr_t pa;

	(void)state;
	pool_init(&t, 0x40000000, PAGES);
	for (size_t i = 1; i < PAGES; i++)
		assert_int_equal(palloc_alloc(&t.p, 0, &pa), 0);

	/* one page deep in the bitmap, past several full words */
	palloc_free(&t.p, 0x40000000 + 150 * PAGE_SIZE, 0);
	assert_int_equal(palloc_alloc(&t.p, 1, &pa), -ENOMEM);
	assert_int_equal(palloc_alloc(&t.p, 0, &pa), 0);
	assert_int_equal(pa, 0x40000000 + 150 * PAGE_SIZE);

	/* every odd page of [32, 96) free: 32 pages, no two adjacent */
	for (size_t i = 33; i < 96; i += 2)
		palloc_free(&t.p, 0x40000000 + i * PAGE_SIZE, 0);
	assert_int_equal(palloc_nr_free(&t.p), 32);
	for (unsigned order = 1; order <= PALLOC_MAX_ORDER; order++)
		assert_int_equal(palloc_alloc(&t.p, order, &pa), -ENOMEM);
	assert_int_equal(palloc_nr_free(&t.p), 32);

	/* a whole aligned block, found past the scattered single pages */
	for (size_t i = 176; i < 192; i++)
		palloc_free(&t.p, 0x40000000 + i * PAGE_SIZE, 0);
	assert_int_equal(palloc_alloc(&t.p, 4, &pa), 0);
	assert_int_equal(pa, 0x40000000 + 176 * PAGE_SIZE);
	assert_int_equal(palloc_alloc(&t.p, 0, &pa), 0);
	assert_int_equal(pa, 0x40000000 + 33 * PAGE_SIZE);
	pool_fini(&t);
}

static void test_pages_zeroed(void **state)
{
	struct pool t;
	paddr_t a, b, c;

	(void)state;
	pool_init(&t, SKEWED_BASE, 64);
	assert_int_equal(palloc_alloc(&t.p, 0, &a), 0);
	assert_int_equal(palloc_alloc(&t.p, 2, &b), 0);
	/* fresh pages were 0xEE in the buffer */
	assert_true(page_is(palloc_va(&t.p, a), PAGE_SIZE, 0));
	assert_true(page_is(palloc_va(&t.p, b), 4 * PAGE_SIZE, 0));

	memset(palloc_va(&t.p, a), 0xA5, PAGE_SIZE);
	memset(palloc_va(&t.p, b), 0x5A, 4 * PAGE_SIZE);
	palloc_free(&t.p, b, 2);
	palloc_free(&t.p, a, 0);

	/* same requests, same order: first fit returns the same pages */
	assert_int_equal(palloc_alloc(&t.p, 0, &c), 0);
	assert_int_equal(c, a);
	assert_true(page_is(palloc_va(&t.p, c), PAGE_SIZE, 0));
	assert_int_equal(palloc_alloc(&t.p, 2, &c), 0);
	assert_int_equal(c, b);
	assert_true(page_is(palloc_va(&t.p, c), 4 * PAGE_SIZE, 0));
	pool_fini(&t);
}

static void test_refcount_slots_independent(void **state)
{
	enum { PAGES = 100 };
	struct pool t;
	paddr_t pa[PAGES];
	size_t n = 0;

	(void)state;
	pool_init(&t, SKEWED_BASE, PAGES);
	while (palloc_alloc(&t.p, 0, &pa[n]) == 0)
		n++;
	assert_int_equal(n, PAGES - 1);

	for (size_t i = 0; i < n; i++) {
		uint16_t *rc = palloc_refcount(&t.p, pa[i]);

		assert_int_equal(*rc, 0);
		*rc = (uint16_t)(0xF000 + i);
		/* the slot lies in the metadata, outside every allocated page */
		assert_true((uint8_t *)rc >= t.buf && (uint8_t *)(rc + 1) <= t.buf + PAGE_SIZE);
		/* any address within the page selects the same slot */
		assert_ptr_equal(palloc_refcount(&t.p, pa[i] + PAGE_SIZE - 1), rc);
	}
	for (size_t i = 0; i < n; i++)
		memset(palloc_va(&t.p, pa[i]), 0xFF, PAGE_SIZE);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(*palloc_refcount(&t.p, pa[i]), 0xF000 + i);

	for (size_t i = 0; i < n; i++) {
		*palloc_refcount(&t.p, pa[i]) = 0;
		palloc_free(&t.p, pa[i], 0);
	}
	assert_int_equal(palloc_nr_free(&t.p), PAGES - 1);
	pool_fini(&t);
}

static void test_metadata_never_handed_out(void **state)
{
	enum { PAGES = 2100 }; /* two metadata pages */
	struct pool t;
	paddr_t pa;
	unsigned order = 0;
	size_t meta_bytes = 4 * ((PAGES + 31) / 32) + 2 * PAGES;

	(void)state;
	pool_init(&t, SKEWED_BASE, PAGES);
	assert_int_equal(t.p.first_free, 2);

	/* contains/va/pa cover the whole region, metadata included */
	assert_true(palloc_contains(&t.p, SKEWED_BASE));
	assert_true(palloc_contains(&t.p, SKEWED_BASE + PAGES * PAGE_SIZE - 1));
	assert_false(palloc_contains(&t.p, SKEWED_BASE - 1));
	assert_false(palloc_contains(&t.p, SKEWED_BASE + PAGES * PAGE_SIZE));
	assert_ptr_equal(palloc_va(&t.p, SKEWED_BASE + 5), t.buf + 5);
	assert_int_equal(palloc_pa(&t.p, t.buf + 3 * PAGE_SIZE + 7),
			 SKEWED_BASE + 3 * PAGE_SIZE + 7);

	for (;;) {
		int err = palloc_alloc(&t.p, order, &pa);

		if (err == -ENOMEM && order == 0)
			break;
		if (err == -ENOMEM) {
			order--;
			continue;
		}
		assert_int_equal(err, 0);
		size_t len = (size_t)PAGE_SIZE << order;
		uint8_t *va = palloc_va(&t.p, pa);

		assert_true(pa >= SKEWED_BASE + 2 * PAGE_SIZE);
		assert_false(ranges_overlap((uintptr_t)va, len, (uintptr_t)t.buf, meta_bytes));
		assert_int_equal(palloc_pa(&t.p, va), pa);
		memset(va, 0xC3, len); /* must not disturb the bitmap or refcounts */
		order = (order + 1) % (PALLOC_MAX_ORDER + 1);
	}
	assert_int_equal(palloc_nr_free(&t.p), 0);
	assert_true(bit_set(&t.p, 0) && bit_set(&t.p, 1));
	for (size_t i = 0; i < PAGES; i++)
		assert_int_equal(t.p.refcount[i], 0);
	pool_fini(&t);
}

/*
 * Bad frees are hypervisor bugs: palloc_free must abort (ASSERT) in a forked child. Each case
 * also runs a correct variant that must return, so the harness itself can fail.
 */
enum bad_free {
	FREE_OK,
	FREE_TWICE,
	FREE_METADATA,
	FREE_WITH_REFCOUNT,
	FREE_MISALIGNED,
	FREE_OUTSIDE,
	FREE_PAST_END,
	REFCOUNT_OF_METADATA,
};

static void bad_free_child(enum bad_free what)
{
	struct pool t;
	paddr_t a, b;

	pool_init(&t, SKEWED_BASE, 32);
	assert_int_equal(palloc_alloc(&t.p, 0, &a), 0); /* pfn 0x80004 */
	assert_int_equal(palloc_alloc(&t.p, 1, &b), 0); /* pfn 0x80006 */
	switch (what) {
	case FREE_OK:
		*palloc_refcount(&t.p, a) = 3;
		*palloc_refcount(&t.p, a) = 0;
		palloc_free(&t.p, a, 0);
		palloc_free(&t.p, b, 1);
		break;
	case FREE_TWICE:
		palloc_free(&t.p, a, 0);
		palloc_free(&t.p, a, 0);
		break;
	case FREE_METADATA:
		palloc_free(&t.p, SKEWED_BASE, 0);
		break;
	case FREE_WITH_REFCOUNT:
		*palloc_refcount(&t.p, b + PAGE_SIZE) = 1;
		palloc_free(&t.p, b, 1);
		break;
	case FREE_MISALIGNED:
		palloc_free(&t.p, b + PAGE_SIZE, 1);
		break;
	case FREE_OUTSIDE:
		palloc_free(&t.p, SKEWED_BASE + 32 * PAGE_SIZE, 0);
		break;
	case FREE_PAST_END:
		/* pool ends with pfn 0x80022: this block's last page lies beyond it */
		palloc_free(&t.p, 0x80020000ull, 2);
		break;
	case REFCOUNT_OF_METADATA:
		(void)palloc_refcount(&t.p, SKEWED_BASE);
		break;
	}
	pool_fini(&t);
}

static int run_child(enum bad_free what)
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (null >= 0)
			dup2(null, STDERR_FILENO);
		bad_free_child(what);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void test_bad_frees_assert(void **state)
{
	(void)state;
	int status = run_child(FREE_OK);

	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	for (int what = FREE_TWICE; what <= REFCOUNT_OF_METADATA; what++) {
		status = run_child((enum bad_free)what);
		if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT)
			fail_msg("case %d: expected SIGABRT, status 0x%x", what, status);
	}
}

/*
 * Random allocs and frees against a reference model: owner[] per page and a first-fit search
 * written the obvious way. Every result is compared exactly; pages carry a fill byte and a
 * refcount per allocation, checked at free time, so overlapping allocations are caught.
 */
#define RM_PAGES 700
#define RM_LIVE 200

struct live {
	paddr_t pa;
	unsigned order;
	uint8_t fill;
};

static size_t model_first_fit(const int *owner, size_t nr_pages, size_t base_pfn, size_t n)
{
	for (size_t i = 0; i + n <= nr_pages; i++) {
		if ((base_pfn + i) % n)
			continue;
		size_t k = 0;

		while (k < n && owner[i + k] == -1)
			k++;
		if (k == n)
			return i;
	}
	return SIZE_MAX;
}

static void test_random_against_model(void **state)
{
	static int owner[RM_PAGES];
	static struct live live[RM_LIVE];
	struct pool t;
	size_t nr_live = 0, model_free;
	uint64_t seed = 0xC0FFEE1234567ull;
	unsigned allocs = 0, frees = 0, enomem = 0;

	(void)state;
	pool_init(&t, SKEWED_BASE, RM_PAGES);
	for (size_t i = 0; i < RM_PAGES; i++)
		owner[i] = i < t.p.first_free ? -2 : -1;
	model_free = RM_PAGES - t.p.first_free;

	for (unsigned step = 0; step < 30000; step++) {
		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		/* bias towards allocation until the pool is mostly full, then balance */
		bool do_alloc = nr_live == 0 || (nr_live < RM_LIVE && (seed >> 8) % 100 < 55);

		if (do_alloc) {
			unsigned order = (unsigned)((seed >> 20) % (PALLOC_MAX_ORDER + 1));
			size_t n = (size_t)1 << order;
			size_t want =
				model_first_fit(owner, RM_PAGES, SKEWED_BASE >> PAGE_SHIFT, n);
			paddr_t pa = 0;
			int err = palloc_alloc(&t.p, order, &pa);

			if (want == SIZE_MAX) {
				assert_int_equal(err, -ENOMEM);
				enomem++;
			} else {
				assert_int_equal(err, 0);
				assert_int_equal(pa, SKEWED_BASE + want * PAGE_SIZE);
				uint8_t *va = palloc_va(&t.p, pa);
				uint8_t fill = (uint8_t)(1 + step % 255);

				assert_true(page_is(va, n * PAGE_SIZE, 0));
				memset(va, fill, n * PAGE_SIZE);
				for (size_t k = 0; k < n; k++) {
					owner[want + k] = (int)nr_live;
					*palloc_refcount(&t.p, pa + k * PAGE_SIZE) = fill;
				}
				live[nr_live++] = (struct live){pa, order, fill};
				model_free -= n;
				allocs++;
			}
		} else {
			size_t j = (size_t)((seed >> 24) % nr_live);
			struct live l = live[j];
			size_t n = (size_t)1 << l.order;
			size_t idx = (size_t)((l.pa - SKEWED_BASE) >> PAGE_SHIFT);

			assert_true(page_is(palloc_va(&t.p, l.pa), n * PAGE_SIZE, l.fill));
			for (size_t k = 0; k < n; k++) {
				uint16_t *rc = palloc_refcount(&t.p, l.pa + k * PAGE_SIZE);

				assert_int_equal(*rc, l.fill);
				*rc = 0;
				owner[idx + k] = -1;
			}
			palloc_free(&t.p, l.pa, l.order);
			/* keep live[] dense; the moved entry's pages change owner index */
			live[j] = live[--nr_live];
			if (j < nr_live) {
				size_t mi = (size_t)((live[j].pa - SKEWED_BASE) >> PAGE_SHIFT);

				for (size_t k = 0; k < ((size_t)1 << live[j].order); k++)
					owner[mi + k] = (int)j;
			}
			model_free += n;
			frees++;
		}
		assert_int_equal(palloc_nr_free(&t.p), model_free);
		if (step % 512 == 0) {
			for (size_t i = 0; i < RM_PAGES; i++)
				assert_int_equal(bit_set(&t.p, i), owner[i] != -1);
		}
	}
	print_message("%u allocs, %u frees, %u -ENOMEM\n", allocs, frees, enomem);
	assert_true(allocs > 5000 && frees > 5000 && enomem > 100);
	pool_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_rejects_bad_arguments),
		cmocka_unit_test(test_metadata_sizing),
		cmocka_unit_test(test_alloc_all_then_free_all),
		cmocka_unit_test(test_orders_and_alignment),
		cmocka_unit_test(test_fragmented_enomem_and_word_skip),
		cmocka_unit_test(test_pages_zeroed),
		cmocka_unit_test(test_refcount_slots_independent),
		cmocka_unit_test(test_metadata_never_handed_out),
		cmocka_unit_test(test_bad_frees_assert),
		cmocka_unit_test(test_random_against_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
