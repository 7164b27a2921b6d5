/* Host tests for the LPAE walker (mm/pgtable.c) and the real descriptor encodings (mm/lpae.c).
 *
 * The walker runs on a fake page pool (fake_mm.c) and, for most tests, a fake encoding that puts
 * the type and attribute bits at different places at each level and fails the test when an entry
 * is decoded at a level it was not made for. Tests assert on the table tree itself (entry kinds,
 * refcounts, page counts), not only on lookups. A model of the TLB checks break-before-make: it
 * caches every translation, and a translation that changes without an invalidation in between
 * (or a table freed while a stale translation is cached) fails the test.
 *
 * The randomized tests run thousands of operations with a fixed seed against a reference model
 * with one entry per 4 KiB (or per 2 MiB) granule, and check pgt_pages_needed()'s bound and the
 * "fails without changing anything" rule on every operation.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mm/lpae.h"
#include "mm/pgtable.h"
#include "tests/unit/fake_mm.h"

#define ATTRS(p, m) ((struct pgt_attrs){.perm = (p), .mem = (m)})
#define RW_WB ATTRS(PGT_PERM_RW, PGT_MEM_NORMAL_WB)
#define RO_WB ATTRS(PGT_PERM_R, PGT_MEM_NORMAL_WB)
#define POOL_PAGES 4096

/* ---- Fake encoding: bits move with the level, so a level mix-up fails loudly. ---- */

#define FK_TYPE_SHIFT(l) (2u * ((l)-1u)) /* bits 1:0, 3:2, 5:4 */
#define FK_TYPE_TABLE 1ull
#define FK_TYPE_LEAF 2ull
#define FK_ATTR_SHIFT(l) (40u + 6u * ((l)-1u)) /* perm[2:0], mem[4:3] at 40, 46, 52 */
#define FK_ADDR_MASK 0x000000fffffff000ull

#define FK_LEVEL_BITS(l) ((3ull << FK_TYPE_SHIFT(l)) | (0x1full << FK_ATTR_SHIFT(l)))
#define FK_ALL_LEVEL_BITS (FK_LEVEL_BITS(1) | FK_LEVEL_BITS(2) | FK_LEVEL_BITS(3))

static enum pgt_kind fk_kind_at(uint64_t pte, unsigned level, unsigned first_block)
{
	/* Hot path of every test: plain ifs rather than cmocka asserts. */
	if (level < PGT_LEVELS_FIRST || level > PGT_LEVELS_LAST)
		fail_msg("fake fmt: level %u", level);
	if (pte == 0)
		return PGT_ABSENT;
	if (pte & FK_ALL_LEVEL_BITS & ~FK_LEVEL_BITS(level))
		fail_msg("fake fmt: entry %#llx read at level %u was made for another level",
			 (unsigned long long)pte, level);
	switch ((pte >> FK_TYPE_SHIFT(level)) & 3) {
	case FK_TYPE_TABLE:
		if (level == PGT_LEVELS_LAST ||
		    (pte & FK_LEVEL_BITS(level)) != (FK_TYPE_TABLE << FK_TYPE_SHIFT(level)))
			fail_msg("fake fmt: bad table %#llx at level %u", (unsigned long long)pte,
				 level);
		return PGT_TABLE;
	case FK_TYPE_LEAF:
		if ((level != PGT_LEVELS_LAST && level < first_block) ||
		    (pte & FK_ADDR_MASK & (PGT_LEVEL_SIZE(level) - 1)))
			fail_msg("fake fmt: bad leaf %#llx at level %u", (unsigned long long)pte,
				 level);
		return PGT_LEAF;
	default:
		fail_msg("fake fmt: bad entry %#llx at level %u", (unsigned long long)pte, level);
	}
	return PGT_ABSENT;
}

static enum pgt_kind fk_kind(uint64_t pte, unsigned level)
{
	return fk_kind_at(pte, level, 1);
}

static enum pgt_kind fk2_kind(uint64_t pte, unsigned level)
{
	return fk_kind_at(pte, level, 2);
}

static uint64_t fk_mk_table(paddr_t pa, unsigned level)
{
	assert_true(level >= PGT_LEVELS_FIRST && level < PGT_LEVELS_LAST);
	assert_true((pa & ~FK_ADDR_MASK) == 0);
	return pa | (FK_TYPE_TABLE << FK_TYPE_SHIFT(level));
}

static uint64_t fk_mk_leaf_at(paddr_t pa, struct pgt_attrs a, unsigned level, unsigned first_block)
{
	assert_true(level == PGT_LEVELS_LAST || (level >= first_block && level >= 1));
	assert_true((pa & ~FK_ADDR_MASK) == 0 && (pa & (PGT_LEVEL_SIZE(level) - 1)) == 0);
	assert_true(a.perm <= PGT_PERM_RWX && a.mem <= PGT_MEM_STRONGLY_ORDERED);
	return pa | (FK_TYPE_LEAF << FK_TYPE_SHIFT(level)) |
	       ((uint64_t)(a.perm | a.mem << 3) << FK_ATTR_SHIFT(level));
}

static uint64_t fk_mk_leaf(paddr_t pa, struct pgt_attrs a, unsigned level)
{
	return fk_mk_leaf_at(pa, a, level, 1);
}

static uint64_t fk2_mk_leaf(paddr_t pa, struct pgt_attrs a, unsigned level)
{
	return fk_mk_leaf_at(pa, a, level, 2);
}

static paddr_t fk_out_addr(uint64_t pte, unsigned level)
{
	assert_true(fk_kind(pte, level) != PGT_ABSENT);
	return pte & FK_ADDR_MASK;
}

static struct pgt_attrs fk_leaf_attrs(uint64_t pte, unsigned level)
{
	unsigned v = (unsigned)(pte >> FK_ATTR_SHIFT(level)) & 0x1f;

	assert_int_equal(fk_kind(pte, level), PGT_LEAF);
	return ATTRS(v & 7, v >> 3);
}

static const struct pgt_fmt fake_fmt = {
	.name = "fake",
	.kind = fk_kind,
	.mk_table = fk_mk_table,
	.mk_leaf = fk_mk_leaf,
	.out_addr = fk_out_addr,
	.leaf_attrs = fk_leaf_attrs,
	.first_block_level = 1,
};

/* Same, without 1 GiB blocks. */
static const struct pgt_fmt fake_l2_fmt = {
	.name = "fake-l2",
	.kind = fk2_kind,
	.mk_table = fk_mk_table,
	.mk_leaf = fk2_mk_leaf,
	.out_addr = fk_out_addr,
	.leaf_attrs = fk_leaf_attrs,
	.first_block_level = 2,
};

/* ---- Test environment ---- */

struct env {
	struct fake_mm fm;
	struct pgt t;
	struct pgt_cache c;
	size_t free_after_init;
};

static struct env *env_new_pool(const struct pgt_fmt *fmt, unsigned ia_bits, unsigned start_level,
				size_t pool_pages, bool sync)
{
	struct env *e = calloc(1, sizeof(*e));

	assert_non_null(e);
	fake_mm_init(&e->fm, pool_pages, sync);
	assert_int_equal(pgt_init(&e->t, fmt, &e->fm.mm, ia_bits, start_level), 0);
	e->free_after_init = e->fm.nr_free;
	return e;
}

static struct env *env_new(const struct pgt_fmt *fmt, unsigned ia_bits, unsigned start_level)
{
	return env_new_pool(fmt, ia_bits, start_level, POOL_PAGES, false);
}

/* Destroys the table and checks that every page went back to the pool. */
static void env_free(struct env *e)
{
	e->fm.on_free = NULL;
	e->fm.on_inval = NULL;
	pgt_cache_drain(&e->c, &e->fm.mm);
	pgt_destroy(&e->t);
	assert_int_equal(e->fm.nr_free, e->fm.nr_pages);
	fake_mm_fini(&e->fm);
	free(e);
}

static void topup(struct env *e, uint64_t ia, uint64_t size)
{
	unsigned n = pgt_pages_needed(&e->t, ia, size);

	assert_int_equal(pgt_cache_topup(&e->c, &e->fm.mm, n), 0);
}

static int map(struct env *e, uint64_t ia, paddr_t pa, uint64_t size, struct pgt_attrs a,
	       unsigned flags)
{
	topup(e, ia, size);
	return pgt_map(&e->t, &e->c, ia, pa, size, a, flags);
}

static int unmap(struct env *e, uint64_t ia, uint64_t size)
{
	topup(e, ia, size);
	return pgt_unmap(&e->t, &e->c, ia, size);
}

static int set_attrs(struct env *e, uint64_t ia, uint64_t size, struct pgt_attrs a)
{
	topup(e, ia, size);
	return pgt_set_attrs(&e->t, &e->c, ia, size, a);
}

static uint64_t *table_va(const struct env *e, uint64_t pte, unsigned level)
{
	return e->fm.mm.phys_to_virt(e->fm.mm.ctx, e->t.fmt->out_addr(pte, level));
}

/* The entry translating ia at level (the walk must reach that level through tables). */
static uint64_t entry_at(const struct env *e, uint64_t ia, unsigned level)
{
	const uint64_t *ptes = e->t.root;
	unsigned l = e->t.start_level;
	uint64_t idx = ia >> PGT_LEVEL_SHIFT(l);

	for (; l < level; l++) {
		assert_int_equal(e->t.fmt->kind(ptes[idx], l), PGT_TABLE);
		ptes = table_va(e, ptes[idx], l);
		idx = (ia >> PGT_LEVEL_SHIFT(l + 1)) & (PGT_ENTRIES - 1);
	}
	return ptes[idx];
}

static enum pgt_kind kind_at(const struct env *e, uint64_t ia, unsigned level)
{
	return e->t.fmt->kind(entry_at(e, ia, level), level);
}

static uint16_t refcount_at(const struct env *e, uint64_t ia, unsigned level)
{
	uint64_t pte = entry_at(e, ia, level - 1);

	return *e->fm.mm.refcount(e->fm.mm.ctx, e->t.fmt->out_addr(pte, level - 1));
}

/* A translation, found by the test's own walk of the tree. */
struct xl {
	bool valid;
	paddr_t pa;
	struct pgt_attrs a;
	unsigned level;
};

static struct xl translate(const struct env *e, uint64_t ia)
{
	const struct pgt_fmt *fmt = e->t.fmt;
	const uint64_t *ptes = e->t.root;
	unsigned level = e->t.start_level;
	uint64_t idx = ia >> PGT_LEVEL_SHIFT(level);
	struct xl x = {0};

	for (;;) {
		uint64_t pte = ptes[idx];

		switch (fmt->kind(pte, level)) {
		case PGT_ABSENT:
			return x;
		case PGT_LEAF:
			x.valid = true;
			x.pa = fmt->out_addr(pte, level) + (ia & (PGT_LEVEL_SIZE(level) - 1));
			x.a = fmt->leaf_attrs(pte, level);
			x.level = level;
			return x;
		case PGT_TABLE:
			ptes = table_va(e, pte, level);
			level++;
			idx = (ia >> PGT_LEVEL_SHIFT(level)) & (PGT_ENTRIES - 1);
			break;
		}
	}
}

static bool xl_equal(struct xl a, struct xl b)
{
	return a.valid == b.valid &&
	       (!a.valid || (a.pa == b.pa && a.a.perm == b.a.perm && a.a.mem == b.a.mem));
}

/* Checks pgt_lookup against the tree walk and an expected translation. */
static void expect_xl(const struct env *e, uint64_t ia, struct xl want)
{
	struct xl got = translate(e, ia);
	paddr_t pa = 0;
	struct pgt_attrs a = {0};
	unsigned level = 0;
	int rc = pgt_lookup(&e->t, ia, &pa, &a, &level);

	if (!xl_equal(got, want))
		fail_msg("ia %#llx: tree has %d/%#llx/%u/%u, expected %d/%#llx/%u/%u",
			 (unsigned long long)ia, got.valid, (unsigned long long)got.pa, got.a.perm,
			 got.a.mem, want.valid, (unsigned long long)want.pa, want.a.perm,
			 want.a.mem);
	if (!want.valid) {
		assert_int_equal(rc, -ENOENT);
		return;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(pa, want.pa);
	assert_int_equal(a.perm, want.a.perm);
	assert_int_equal(a.mem, want.a.mem);
	assert_int_equal(level, got.level);
}

static void expect_mapped(const struct env *e, uint64_t ia, paddr_t pa, struct pgt_attrs a)
{
	expect_xl(e, ia, (struct xl){.valid = true, .pa = pa, .a = a});
}

static void expect_unmapped(const struct env *e, uint64_t ia)
{
	expect_xl(e, ia, (struct xl){0});
}

/* Checks the tree's invariants under one table; returns its table page count. */
static unsigned check_table(const struct env *e, uint64_t pte, unsigned level, bool *seen)
{
	paddr_t pa = e->t.fmt->out_addr(pte, level);
	const uint64_t *ptes = table_va(e, pte, level);
	unsigned live = 0, pages = 1;

	assert_true(fake_mm_page_in_use(&e->fm, pa));
	assert_false(seen[(pa - FAKE_MM_PA_BASE) >> PAGE_SHIFT]); /* no page linked twice */
	seen[(pa - FAKE_MM_PA_BASE) >> PAGE_SHIFT] = true;
	if (e->fm.mm.sync)
		assert_false(fake_mm_unsynced(&e->fm, pa));
	for (unsigned i = 0; i < PGT_ENTRIES; i++) {
		enum pgt_kind k = e->t.fmt->kind(ptes[i], level + 1);

		live += k != PGT_ABSENT;
		if (k == PGT_TABLE)
			pages += check_table(e, ptes[i], level + 1, seen);
	}
	assert_true(live > 0); /* empty tables are freed */
	assert_int_equal(*e->fm.mm.refcount(e->fm.mm.ctx, pa), live);
	return pages;
}

static void check_tree(const struct env *e)
{
	unsigned nr = 1u << (e->t.ia_bits - PGT_LEVEL_SHIFT(e->t.start_level));
	bool *seen = calloc(e->fm.nr_pages, sizeof(bool));
	unsigned pages = 0;
	struct pgt_stats st;

	assert_non_null(seen);
	for (unsigned i = 0; i < nr; i++) {
		if (e->t.fmt->kind(e->t.root[i], e->t.start_level) == PGT_TABLE)
			pages += check_table(e, e->t.root[i], e->t.start_level, seen);
	}
	free(seen);
	if (e->fm.mm.sync) {
		for (unsigned p = 0; p < 1u << e->t.root_order; p++)
			assert_false(fake_mm_unsynced(&e->fm, e->t.root_pa + p * PAGE_SIZE));
	}
	assert_int_equal(pages, e->t.table_pages);
	/* Every pool page is the root, a table or in the cache. */
	assert_int_equal(e->fm.nr_pages - e->fm.nr_free,
			 (1u << e->t.root_order) + e->t.table_pages + e->c.nr);
	pgt_get_stats(&e->t, &st);
	assert_int_equal(st.table_pages, (1u << e->t.root_order) + pages);
}

/* A serialized copy of the whole tree (entries, refcounts) and the walker's counters. */
struct snap {
	size_t n, cap;
	uint64_t *v;
};

static void snap_push(struct snap *s, uint64_t x)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 1024;
		s->v = realloc(s->v, s->cap * sizeof(*s->v));
		assert_non_null(s->v);
	}
	s->v[s->n++] = x;
}

static void snap_table(const struct env *e, struct snap *s, const uint64_t *ptes, unsigned nr,
		       unsigned level)
{
	for (unsigned i = 0; i < nr; i++) {
		enum pgt_kind k = e->t.fmt->kind(ptes[i], level);

		if (k == PGT_ABSENT)
			continue;
		snap_push(s, level);
		snap_push(s, i);
		snap_push(s, ptes[i]);
		if (k == PGT_TABLE) {
			paddr_t pa = e->t.fmt->out_addr(ptes[i], level);

			snap_push(s, *e->fm.mm.refcount(e->fm.mm.ctx, pa));
			snap_table(e, s, table_va(e, ptes[i], level), PGT_ENTRIES, level + 1);
		}
	}
}

static struct snap snap_take(const struct env *e)
{
	struct snap s = {0};

	snap_push(&s, e->t.table_pages);
	snap_push(&s, e->c.nr);
	snap_push(&s, e->fm.nr_free);
	snap_table(e, &s, e->t.root, 1u << (e->t.ia_bits - PGT_LEVEL_SHIFT(e->t.start_level)),
		   e->t.start_level);
	return s;
}

static void snap_expect_same(struct snap *a, struct snap *b)
{
	assert_int_equal(a->n, b->n);
	assert_memory_equal(a->v, b->v, a->n * sizeof(*a->v));
	free(a->v);
	free(b->v);
}

/* ---- TLB model: caches every translation in a window of pages ---- */

struct tlbm {
	struct env *e;
	uint64_t base;
	size_t nr; /* pages */
	struct xl *cached;
};

static void tlbm_fill(struct tlbm *m)
{
	for (size_t p = 0; p < m->nr; p++)
		m->cached[p] = translate(m->e, m->base + p * PAGE_SIZE);
}

/* Strict: every cached translation is still the table's (nothing stale survives). */
static void tlbm_check_no_stale(const struct tlbm *m, const char *when)
{
	for (size_t p = 0; p < m->nr; p++) {
		if (m->cached[p].valid &&
		    !xl_equal(m->cached[p], translate(m->e, m->base + p * PAGE_SIZE)))
			fail_msg("stale TLB entry for %#llx %s",
				 (unsigned long long)(m->base + p * PAGE_SIZE), when);
	}
}

static void tlbm_on_inval(void *arg, uint64_t ia, uint64_t size)
{
	struct tlbm *m = arg;
	uint64_t end = m->base + m->nr * PAGE_SIZE;
	size_t p = ia > m->base ? (size_t)((ia - m->base) / PAGE_SIZE) : 0;

	for (; ia < end && p < m->nr && m->base + p * PAGE_SIZE < ia + size; p++) {
		uint64_t pia = m->base + p * PAGE_SIZE;
		struct xl cur;

		if (!m->cached[p].valid)
			continue;
		/* Break-before-make: a new valid translation must not be written while an old
		 * one may still be cached. */
		cur = translate(m->e, pia);
		if (cur.valid && !xl_equal(cur, m->cached[p]))
			fail_msg("entry for %#llx changed without break-before-make",
				 (unsigned long long)pia);
		m->cached[p].valid = false;
	}
}

static void tlbm_on_free(void *arg, paddr_t pa, unsigned order)
{
	(void)pa;
	(void)order;
	tlbm_check_no_stale(arg, "when a table page is freed");
}

static void tlbm_attach(struct tlbm *m, struct env *e, uint64_t base, size_t nr)
{
	m->e = e;
	m->base = base;
	m->nr = nr;
	m->cached = calloc(nr, sizeof(*m->cached));
	assert_non_null(m->cached);
	e->fm.on_inval = tlbm_on_inval;
	e->fm.on_free = tlbm_on_free;
	e->fm.arg = m;
	tlbm_fill(m);
}

static void tlbm_detach(struct tlbm *m)
{
	m->e->fm.on_inval = NULL;
	m->e->fm.on_free = NULL;
	free(m->cached);
}

/* ---- Real encodings, bit by bit ---- */

static const paddr_t bits_pa[] = {0, 0xa540000000ull, 0xa540200000ull, 0xa540201000ull};

static void test_stage2_leaf_bits(void **state)
{
	/* ARM ARM B3.6.2: MemAttr[3:0] (bits 5:2), HAP/S2AP (7:6), SH (9:8), AF (10), XN (54). */
	static const uint64_t memattr[] = {0xf, 0x5, 0x1, 0x0}; /* WB, NC, Device, SO */
	static const uint64_t sh[] = {3, 3, 0, 0};
	const struct pgt_fmt *f = &lpae_stage2_fmt;

	(void)state;
	assert_int_equal(f->first_block_level, 1);
	for (unsigned level = 1; level <= 3; level++) {
		for (unsigned perm = 0; perm <= PGT_PERM_RWX; perm++) {
			for (unsigned mem = 0; mem <= PGT_MEM_STRONGLY_ORDERED; mem++) {
				struct pgt_attrs a = ATTRS(perm, mem), back;
				uint64_t want = bits_pa[level] | (level == 3 ? 3 : 1) |
						memattr[mem] << 2 |
						(uint64_t)((perm & PGT_PERM_R ? 1 : 0) |
							   (perm & PGT_PERM_W ? 2 : 0))
							<< 6 |
						sh[mem] << 8 | 1ull << 10 |
						(perm & PGT_PERM_X ? 0 : 1ull << 54);
				uint64_t pte = f->mk_leaf(bits_pa[level], a, level);

				assert_int_equal(pte, want);
				assert_int_equal(f->kind(pte, level), PGT_LEAF);
				assert_int_equal(f->out_addr(pte, level), bits_pa[level]);
				back = f->leaf_attrs(pte, level);
				assert_int_equal(back.perm, perm);
				assert_int_equal(back.mem, mem);
			}
		}
	}
}

static void test_hyp_leaf_bits(void **state)
{
	/* AttrIndx (4:2), AP[1] (6, SBO), AP[2] (7, read-only), SH (9:8), AF (10), XN (54). */
	static const uint64_t idx[] = {0, 2, 1, 3};		 /* WB, NC, Device, SO */
	static const uint32_t mair[] = {0xff, 0x44, 0x04, 0x00}; /* MAIR byte per type */
	static const uint64_t sh[] = {3, 3, 0, 0};
	static const unsigned perms[] = {PGT_PERM_R, PGT_PERM_RW, PGT_PERM_RX, PGT_PERM_RWX};
	const struct pgt_fmt *f = &lpae_hyp_fmt;

	(void)state;
	assert_int_equal(LPAE_HMAIR0, 0x004404ffu);
	assert_int_equal(LPAE_HMAIR1, 0);
	for (unsigned mem = 0; mem <= PGT_MEM_STRONGLY_ORDERED; mem++)
		assert_int_equal((LPAE_HMAIR0 >> (8 * idx[mem])) & 0xff, mair[mem]);
	for (unsigned level = 1; level <= 3; level++) {
		for (unsigned i = 0; i < ARRAY_SIZE(perms); i++) {
			for (unsigned mem = 0; mem <= PGT_MEM_STRONGLY_ORDERED; mem++) {
				unsigned perm = perms[i];
				struct pgt_attrs back;
				uint64_t want = bits_pa[level] | (level == 3 ? 3 : 1) |
						idx[mem] << 2 | 1ull << 6 |
						(perm & PGT_PERM_W ? 0 : 1ull << 7) | sh[mem] << 8 |
						1ull << 10 | (perm & PGT_PERM_X ? 0 : 1ull << 54);
				uint64_t pte = f->mk_leaf(bits_pa[level], ATTRS(perm, mem), level);

				assert_int_equal(pte, want);
				assert_int_equal(f->kind(pte, level), PGT_LEAF);
				assert_int_equal(f->out_addr(pte, level), bits_pa[level]);
				back = f->leaf_attrs(pte, level);
				assert_int_equal(back.perm, perm);
				assert_int_equal(back.mem, mem);
			}
		}
	}
	/* Without read permission there is no HYP encoding. */
	for (unsigned perm = 0; perm <= PGT_PERM_RWX; perm++)
		assert_int_equal(f->attrs_ok(ATTRS(perm, PGT_MEM_NORMAL_WB)),
				 (perm & PGT_PERM_R) != 0);
}

static void test_lpae_table_and_kind(void **state)
{
	const struct pgt_fmt *fmts[] = {&lpae_stage2_fmt, &lpae_hyp_fmt};

	(void)state;
	for (unsigned i = 0; i < ARRAY_SIZE(fmts); i++) {
		const struct pgt_fmt *f = fmts[i];

		for (unsigned level = 1; level <= 2; level++) {
			uint64_t pte = f->mk_table(0xa540203000ull, level);

			assert_int_equal(pte, 0xa540203000ull | 3);
			assert_int_equal(f->kind(pte, level), PGT_TABLE);
			assert_int_equal(f->out_addr(pte, level), 0xa540203000ull);
			assert_int_equal(f->kind(0xa540200000ull | 1, level), PGT_LEAF);
		}
		for (unsigned level = 1; level <= 3; level++) {
			assert_int_equal(f->kind(0, level), PGT_ABSENT);
			assert_int_equal(f->kind(0xa540201000ull | 2, level), PGT_ABSENT);
		}
		assert_int_equal(f->kind(0xa540201000ull | 3, 3), PGT_LEAF);
		assert_int_equal(f->kind(0xa540201000ull | 1, 3), PGT_ABSENT); /* reserved */
	}
}

/* ---- Geometry ---- */

static void test_init_geometry(void **state)
{
	struct fake_mm fm;
	struct pgt t;

	(void)state;
	fake_mm_init(&fm, 64, false);
	/* Stage-2, 40-bit IPA from level 1: 1024 root entries in 2 concatenated pages. */
	assert_int_equal(pgt_init(&t, &lpae_stage2_fmt, &fm.mm, 40, 1), 0);
	assert_int_equal(t.root_order, 1);
	assert_int_equal(t.root_pa % KiB(8), 0);
	assert_int_equal(fm.nr_free, 62);
	assert_int_equal(pgt_lookup(&t, GiB(1023) + 0x123, NULL, NULL, NULL), -ENOENT);
	assert_int_equal(pgt_lookup(&t, GiB(1024), NULL, NULL, NULL), -ERANGE);
	pgt_destroy(&t);
	assert_int_equal(fm.nr_free, 64);
	/* HYP: 32-bit VA from level 1: 4 entries, one page. */
	assert_int_equal(pgt_init(&t, &lpae_hyp_fmt, &fm.mm, 32, 1), 0);
	assert_int_equal(t.root_order, 0);
	assert_int_equal(pgt_lookup(&t, GiB(4), NULL, NULL, NULL), -ERANGE);
	pgt_destroy(&t);
	/* 34 bits from level 2: 8192 entries, the 16-page maximum. */
	assert_int_equal(pgt_init(&t, &fake_fmt, &fm.mm, 34, 2), 0);
	assert_int_equal(t.root_order, 4);
	assert_int_equal(t.root_pa % KiB(64), 0);
	pgt_destroy(&t);
	assert_int_equal(pgt_init(&t, &fake_fmt, &fm.mm, 35, 2), -EINVAL);
	assert_int_equal(pgt_init(&t, &fake_fmt, &fm.mm, 40, 2), -EINVAL);
	assert_int_equal(pgt_init(&t, &fake_fmt, &fm.mm, 32, 3), -EINVAL);
	assert_int_equal(pgt_init(&t, &fake_fmt, &fm.mm, 31, 1), -EINVAL);
	assert_int_equal(pgt_init(&t, &fake_fmt, &fm.mm, 41, 1), -EINVAL);
	assert_int_equal(pgt_init(&t, &fake_fmt, &fm.mm, 40, 0), -EINVAL);
	assert_int_equal(pgt_init(&t, &fake_fmt, &fm.mm, 40, 4), -EINVAL);
	fm.fail_allocs = 1;
	assert_int_equal(pgt_init(&t, &fake_fmt, &fm.mm, 40, 1), -ENOMEM);
	assert_int_equal(fm.nr_free, 64);
	fake_mm_fini(&fm);
}

static void test_pages_needed(void **state)
{
	struct env *e = env_new(&lpae_stage2_fmt, 40, 1);
	struct env *h = env_new(&lpae_hyp_fmt, 32, 1);

	(void)state;
	assert_int_equal(pgt_pages_needed(&e->t, 0, KiB(4)), 2);
	assert_int_equal(pgt_pages_needed(&e->t, MiB(2), MiB(2)), 2);
	assert_int_equal(pgt_pages_needed(&e->t, MiB(2) - KiB(4), KiB(8)), 3);
	assert_int_equal(pgt_pages_needed(&e->t, GiB(1) - KiB(4), KiB(8)), 4);
	assert_int_equal(pgt_pages_needed(&e->t, GiB(1), GiB(1)), 513);
	assert_int_equal(pgt_pages_needed(&e->t, 0, 0), 0);
	assert_int_equal(pgt_pages_needed(&e->t, GiB(1024), KiB(4)), 0);
	assert_int_equal(pgt_pages_needed(&h->t, 0, GiB(4)), 4 + 2048);

	/* Map-specific bound: block-compatible IA/PA need only the two edge slots per level. */
	assert_int_equal(pgt_map_pages_needed(&e->t, GiB(1), GiB(2), GiB(1), 0), 1 + 2);
	assert_int_equal(pgt_map_pages_needed(&e->t, GiB(1), GiB(2), GiB(1), PGT_MAP_PAGES), 513);
	/* 2 MiB- but not 1 GiB-congruent: every GiB slot needs a level-2 table. */
	assert_int_equal(pgt_map_pages_needed(&e->t, 0, MiB(2), GiB(3), 0), 3 + 2);
	/* Page-congruent only: every 2 MiB slot needs a level-3 table. */
	assert_int_equal(pgt_map_pages_needed(&e->t, 0, KiB(4), MiB(8), 0), 1 + 4);
	assert_int_equal(pgt_split_pages_needed(&e->t), 4);
	env_free(e);
	env_free(h);
}

/* ---- Block-vs-page choice ---- */

static void test_1g_aligned_is_one_block(void **state)
{
	struct env *e = env_new(&lpae_stage2_fmt, 40, 1);
	struct pgt_stats st;
	unsigned level;

	(void)state;
	assert_int_equal(map(e, GiB(1), GiB(2), GiB(1), RW_WB, 0), 0);
	pgt_get_stats(&e->t, &st);
	assert_int_equal(st.table_pages, 2); /* the root only */
	assert_int_equal(st.leaves[1], 1);
	assert_int_equal(st.leaves[2] + st.leaves[3], 0);
	assert_int_equal(kind_at(e, GiB(1), 1), PGT_LEAF);
	assert_int_equal(pgt_lookup(&e->t, GiB(1) + 0x12345, NULL, NULL, &level), 0);
	assert_int_equal(level, 1);
	expect_mapped(e, GiB(2) - 1 - 0xfff, GiB(3) - KiB(4), RW_WB);
	check_tree(e);
	assert_int_equal(unmap(e, GiB(1), GiB(1)), 0);
	assert_int_equal(e->t.table_pages, 0);
	env_free(e);
}

static void test_512m_at_2m_alignment(void **state)
{
	struct env *e = env_new(&lpae_stage2_fmt, 40, 1);
	uint64_t ia = GiB(1) + MiB(2);
	struct pgt_stats st;

	(void)state;
	/* The worst case (no blocks) is far beyond a cache; the exact need, one table, fits. */
	assert_int_equal(pgt_pages_needed(&e->t, ia, MiB(512)), 1 + 256);
	assert_int_equal(map(e, ia, GiB(5) + MiB(2), MiB(512), RW_WB, 0), 0);
	pgt_get_stats(&e->t, &st);
	assert_true(st.table_pages <= 3); /* 2-page root + one level-2 table */
	assert_int_equal(st.table_pages, 3);
	assert_int_equal(st.leaves[2], 256);
	assert_int_equal(st.leaves[1] + st.leaves[3], 0);
	assert_int_equal(kind_at(e, ia, 1), PGT_TABLE);
	assert_int_equal(kind_at(e, GiB(1), 2), PGT_ABSENT);
	assert_int_equal(kind_at(e, ia, 2), PGT_LEAF);
	assert_int_equal(kind_at(e, ia + MiB(510), 2), PGT_LEAF);
	assert_int_equal(kind_at(e, ia + MiB(512), 2), PGT_ABSENT);
	assert_int_equal(refcount_at(e, ia, 2), 256);
	expect_mapped(e, ia + MiB(300) + 0x42, GiB(5) + MiB(302) + 0x42, RW_WB);
	check_tree(e);
	env_free(e);
}

static void test_edges_use_pages(void **state)
{
	struct env *e = env_new(&fake_fmt, 40, 1);
	uint64_t ia = MiB(2) - KiB(12), size = MiB(2) + KiB(20);
	struct pgt_stats st;

	(void)state;
	/* Same alignment for IA and PA: pages at the edges, a block in the middle. */
	assert_int_equal(map(e, ia, GiB(1) + ia, size, RW_WB, 0), 0);
	pgt_get_stats(&e->t, &st);
	assert_int_equal(st.leaves[3], 5);
	assert_int_equal(st.leaves[2], 1);
	assert_int_equal(e->t.table_pages, 3);
	assert_int_equal(kind_at(e, 0, 1), PGT_TABLE);
	assert_int_equal(kind_at(e, 0, 2), PGT_TABLE);
	assert_int_equal(kind_at(e, MiB(2), 2), PGT_LEAF);
	assert_int_equal(kind_at(e, MiB(4), 2), PGT_TABLE);
	assert_int_equal(kind_at(e, MiB(2) - KiB(16), 3), PGT_ABSENT);
	assert_int_equal(kind_at(e, MiB(2) - KiB(12), 3), PGT_LEAF);
	assert_int_equal(kind_at(e, MiB(4) + KiB(4), 3), PGT_LEAF);
	assert_int_equal(kind_at(e, MiB(4) + KiB(8), 3), PGT_ABSENT);
	assert_int_equal(refcount_at(e, 0, 3), 3);
	assert_int_equal(refcount_at(e, MiB(4), 3), 2);
	assert_int_equal(refcount_at(e, 0, 2), 3);
	check_tree(e);
	assert_int_equal(unmap(e, ia, size), 0);

	/* PA not 2 MiB-aligned with the IA: pages only. */
	assert_int_equal(map(e, ia, GiB(1) + ia + KiB(4), size, RW_WB, 0), 0);
	pgt_get_stats(&e->t, &st);
	assert_int_equal(st.leaves[3], size / KiB(4));
	assert_int_equal(st.leaves[2], 0);
	expect_mapped(e, MiB(3), GiB(1) + MiB(3) + KiB(4), RW_WB);
	assert_int_equal(unmap(e, ia, size), 0);

	/* PGT_MAP_PAGES forces pages. */
	assert_int_equal(map(e, ia, GiB(1) + ia, size, RW_WB, PGT_MAP_PAGES), 0);
	pgt_get_stats(&e->t, &st);
	assert_int_equal(st.leaves[3], size / KiB(4));
	assert_int_equal(st.leaves[2], 0);
	check_tree(e);
	assert_int_equal(unmap(e, ia, size), 0);
	assert_int_equal(e->t.table_pages, 0);
	env_free(e);
}

static void test_first_block_level_2(void **state)
{
	struct env *e = env_new(&fake_l2_fmt, 40, 1);
	struct pgt_stats st;

	(void)state;
	assert_int_equal(map(e, GiB(2), GiB(3), GiB(1), RW_WB, 0), 0);
	pgt_get_stats(&e->t, &st);
	assert_int_equal(st.leaves[1], 0);
	assert_int_equal(st.leaves[2], 512);
	assert_int_equal(e->t.table_pages, 1);
	check_tree(e);
	env_free(e);
}

/* ---- Errors change nothing ---- */

static void test_argument_errors(void **state)
{
	struct env *e = env_new(&fake_fmt, 40, 1);
	struct pgt_cache *c = &e->c;
	struct pgt *t = &e->t;
	struct snap a, b;

	(void)state;
	topup(e, 0, MiB(4));
	assert_int_equal(map(e, MiB(2), MiB(2), MiB(2), RW_WB, 0), 0);
	a = snap_take(e);
	assert_int_equal(pgt_map(t, c, 0x800, 0, KiB(4), RW_WB, 0), -EINVAL);
	assert_int_equal(pgt_map(t, c, 0, 0x800, KiB(4), RW_WB, 0), -EINVAL);
	assert_int_equal(pgt_map(t, c, 0, 0, KiB(4) + 1, RW_WB, 0), -EINVAL);
	assert_int_equal(pgt_map(t, c, 0, 0, 0, RW_WB, 0), -EINVAL);
	assert_int_equal(pgt_map(t, c, 0, 0, KiB(4), RW_WB, 0x4), -EINVAL);
	assert_int_equal(pgt_map(t, c, 0, 0, KiB(4), ATTRS(8, 0), 0), -EINVAL);
	assert_int_equal(pgt_map(t, c, 0, 0, KiB(4), ATTRS(1, 4), 0), -EINVAL);
	assert_int_equal(pgt_map(t, c, GiB(1024), 0, KiB(4), RW_WB, 0), -ERANGE);
	assert_int_equal(pgt_map(t, c, GiB(1024) - KiB(4), 0, KiB(8), RW_WB, 0), -ERANGE);
	assert_int_equal(pgt_map(t, c, KiB(4), 0, UINT64_MAX & ~PAGE_MASK, RW_WB, 0), -ERANGE);
	assert_int_equal(pgt_map(t, c, 0, GiB(1024) - KiB(4), KiB(8), RW_WB, 0), -ERANGE);
	assert_int_equal(pgt_map(t, c, 0, GiB(1024), KiB(4), RW_WB, 0), -ERANGE);
	assert_int_equal(pgt_unmap(t, c, 0x800, KiB(4)), -EINVAL);
	assert_int_equal(pgt_unmap(t, c, 0, 0), -EINVAL);
	assert_int_equal(pgt_unmap(t, c, GiB(1024), KiB(4)), -ERANGE);
	assert_int_equal(pgt_set_attrs(t, c, 0, KiB(6), RW_WB), -EINVAL);
	assert_int_equal(pgt_set_attrs(t, c, 0, KiB(4), ATTRS(0x10, 0)), -EINVAL);
	assert_int_equal(pgt_set_attrs(t, c, GiB(1023), GiB(2), RW_WB), -ERANGE);
	assert_int_equal(pgt_lookup(t, GiB(1024), NULL, NULL, NULL), -ERANGE);
	assert_int_equal(pgt_lookup(t, 0, NULL, NULL, NULL), -ENOENT);
	b = snap_take(e);
	snap_expect_same(&a, &b);
	/* Top-ups beyond the cache size fill it. */
	assert_int_equal(pgt_cache_topup(c, &e->fm.mm, PGT_CACHE_MAX + 100), 0);
	assert_int_equal(c->nr, PGT_CACHE_MAX);
	env_free(e);
}

static void test_overlap_eexist(void **state)
{
	struct env *e = env_new(&fake_fmt, 40, 1);
	struct snap a, b;

	(void)state;
	assert_int_equal(map(e, MiB(2), GiB(1), MiB(2), RW_WB, 0), 0);
	assert_int_equal(map(e, MiB(4) + KiB(4), GiB(2), KiB(4), RW_WB, 0), 0);
	topup(e, 0, MiB(8));
	fake_mm_reset_log(&e->fm);
	a = snap_take(e);
	assert_int_equal(pgt_map(&e->t, &e->c, MiB(3), GiB(3), KiB(4), RW_WB, 0), -EEXIST);
	assert_int_equal(pgt_map(&e->t, &e->c, 0, GiB(3), MiB(8), RW_WB, 0), -EEXIST);
	/* The hole at 4 MiB is free, its neighbour is not. */
	assert_int_equal(pgt_map(&e->t, &e->c, MiB(4), GiB(3), KiB(8), RW_WB, 0), -EEXIST);
	b = snap_take(e);
	snap_expect_same(&a, &b);
	assert_int_equal(e->fm.inval_calls, 0);
	/* Holes in an existing table can be filled. */
	assert_int_equal(pgt_map(&e->t, &e->c, MiB(4), GiB(3), KiB(4), RW_WB, 0), 0);
	assert_int_equal(pgt_map(&e->t, &e->c, MiB(4) + KiB(8), GiB(3), MiB(2) - KiB(8), RW_WB, 0),
			 0);
	assert_int_equal(refcount_at(e, MiB(4), 3), 512);
	check_tree(e);
	env_free(e);
}

static void test_cache_too_small(void **state)
{
	struct env *e = env_new(&fake_fmt, 40, 1);
	struct snap a, b;

	(void)state;
	assert_int_equal(map(e, MiB(2), GiB(1), MiB(2), RW_WB, 0), 0);
	pgt_cache_drain(&e->c, &e->fm.mm);
	assert_int_equal(pgt_cache_topup(&e->c, &e->fm.mm, 1), 0);
	fake_mm_reset_log(&e->fm);
	a = snap_take(e);
	/* A page in a new 1 GiB region needs two tables. */
	assert_int_equal(
		pgt_map(&e->t, &e->c, GiB(5), 0, KiB(4), RW_WB, 0),
		-ENOMEM); /* Splitting a block and two new tables: three pages, only one. */
	assert_int_equal(pgt_map(&e->t, &e->c, MiB(3), GiB(3), MiB(1) + MiB(2) + KiB(4), RW_WB,
				 PGT_MAP_REPLACE),
			 -ENOMEM);
	pgt_cache_drain(&e->c, &e->fm.mm);
	a.v[1] = 0; /* the cache count, drained on purpose */
	a.v[2] += 1;
	assert_int_equal(pgt_unmap(&e->t, &e->c, MiB(3), KiB(4)), -ENOMEM);
	assert_int_equal(pgt_set_attrs(&e->t, &e->c, MiB(3), KiB(4), RO_WB), -ENOMEM);
	assert_int_equal(pgt_unmap(&e->t, NULL, MiB(3), KiB(4)), -ENOMEM);
	b = snap_take(e);
	snap_expect_same(&a, &b);
	assert_int_equal(e->fm.inval_calls, 0);
	assert_int_equal(e->fm.syncs, 0);
	/* Needing no page, a NULL cache is fine. */
	assert_int_equal(pgt_set_attrs(&e->t, NULL, MiB(2), MiB(2), RO_WB), 0);
	assert_int_equal(pgt_unmap(&e->t, NULL, 0, GiB(1)), 0);
	assert_int_equal(e->t.table_pages, 0);
	env_free(e);
}

static void test_cache_topup_pool_dry(void **state)
{
	struct env *e = env_new_pool(&fake_fmt, 40, 1, 5, false); /* root + 3 pages */

	(void)state;
	assert_int_equal(pgt_cache_topup(&e->c, &e->fm.mm, 5), -ENOMEM);
	assert_int_equal(e->c.nr, 3);
	assert_int_equal(pgt_cache_topup(&e->c, &e->fm.mm, 2), 0); /* already there */
	assert_int_equal(e->c.nr, 3);
	pgt_cache_drain(&e->c, &e->fm.mm);
	assert_int_equal(e->c.nr, 0);
	assert_int_equal(e->fm.nr_free, 3);
	env_free(e);
}

/* ---- Splitting, replacing, freeing ---- */

static void test_split_block_on_unmap(void **state)
{
	struct env *e = env_new(&fake_fmt, 40, 1);
	uint64_t blk = MiB(4);
	struct pgt_attrs a = ATTRS(PGT_PERM_RX, PGT_MEM_DEVICE);

	(void)state;
	assert_int_equal(map(e, blk, GiB(7), MiB(2), a, 0), 0);
	fake_mm_reset_log(&e->fm);
	assert_int_equal(unmap(e, blk + KiB(8), KiB(4)), 0);
	/* The whole block was broken and invalidated before the table went in. */
	assert_true(e->fm.inval_lo <= blk && e->fm.inval_hi >= blk + MiB(2));
	assert_int_equal(kind_at(e, blk, 2), PGT_TABLE);
	assert_int_equal(refcount_at(e, blk, 3), 511);
	assert_int_equal(kind_at(e, blk + KiB(8), 3), PGT_ABSENT);
	for (uint64_t off = 0; off < MiB(2); off += KiB(4)) {
		if (off == KiB(8))
			expect_unmapped(e, blk + off);
		else
			expect_mapped(e, blk + off + 0x10, GiB(7) + off + 0x10, a);
	}
	assert_int_equal(e->t.table_pages, 2);
	check_tree(e);
	/* Unmapping the rest empties and frees both tables. */
	assert_int_equal(unmap(e, blk, KiB(8)), 0);
	assert_int_equal(unmap(e, blk + KiB(12), MiB(2) - KiB(12)), 0);
	assert_int_equal(e->t.table_pages, 0);
	assert_int_equal(e->fm.nr_free, e->free_after_init - e->c.nr);
	env_free(e);
}

static void test_split_1g_block(void **state)
{
	struct env *e = env_new(&lpae_stage2_fmt, 40, 1);
	struct pgt_stats st;
	uint64_t hole = GiB(1) + MiB(3) + KiB(4);

	(void)state;
	assert_int_equal(map(e, GiB(1), GiB(8), GiB(1), RW_WB, 0), 0);
	pgt_cache_drain(&e->c, &e->fm.mm);
	assert_int_equal(pgt_pages_needed(&e->t, hole, KiB(4)), 2);
	topup(e, hole, KiB(4));
	fake_mm_reset_log(&e->fm);
	assert_int_equal(pgt_unmap(&e->t, &e->c, hole, KiB(4)), 0);
	assert_int_equal(e->c.nr, 0);
	assert_int_equal(e->fm.inval_calls, 1);
	assert_int_equal(e->fm.inval_ia, GiB(1));
	assert_int_equal(e->fm.inval_size, GiB(1));
	pgt_get_stats(&e->t, &st);
	assert_int_equal(st.leaves[2], 511);
	assert_int_equal(st.leaves[3], 511);
	expect_unmapped(e, hole);
	expect_mapped(e, hole - KiB(4), GiB(8) + MiB(3), RW_WB);
	expect_mapped(e, hole + KiB(4), GiB(8) + MiB(3) + KiB(8), RW_WB);
	expect_mapped(e, GiB(2) - 1, GiB(9) - 1, RW_WB);
	check_tree(e);
	/* Attributes change everywhere, without new tables. */
	assert_int_equal(set_attrs(e, GiB(1), GiB(1), RO_WB), 0);
	expect_mapped(e, hole + KiB(4), GiB(8) + MiB(3) + KiB(8), RO_WB);
	expect_mapped(e, GiB(1), GiB(8), RO_WB);
	assert_int_equal(e->t.table_pages, 2);
	/* Replacing the whole GiB collapses it back into one block. */
	assert_int_equal(map(e, GiB(1), GiB(8), GiB(1), RW_WB, PGT_MAP_REPLACE), 0);
	assert_int_equal(e->t.table_pages, 0);
	assert_int_equal(kind_at(e, GiB(1), 1), PGT_LEAF);
	check_tree(e);
	env_free(e);
}

static void test_split_on_set_attrs(void **state)
{
	struct env *e = env_new(&fake_fmt, 40, 1);
	uint64_t blk = MiB(2);
	struct snap a, b;

	(void)state;
	assert_int_equal(map(e, blk, GiB(1) + blk, MiB(2), RW_WB, 0),
			 0); /* Same attributes: nothing to do, no split. */
	topup(e, blk + MiB(1), KiB(8));
	fake_mm_reset_log(&e->fm);
	a = snap_take(e);
	assert_int_equal(pgt_set_attrs(&e->t, &e->c, blk + MiB(1), KiB(8), RW_WB), 0);
	b = snap_take(e);
	snap_expect_same(&a, &b);
	assert_int_equal(e->fm.inval_calls, 0);
	/* Different: split, change two pages. */
	assert_int_equal(set_attrs(e, blk + MiB(1), KiB(8), RO_WB), 0);
	assert_int_equal(kind_at(e, blk, 2), PGT_TABLE);
	for (uint64_t off = 0; off < MiB(2); off += KiB(4)) {
		bool ro = off == MiB(1) || off == MiB(1) + KiB(4);

		expect_mapped(e, blk + off, GiB(1) + blk + off, ro ? RO_WB : RW_WB);
	}
	/* Holes stay holes. */
	assert_int_equal(unmap(e, blk, KiB(4)), 0);
	assert_int_equal(set_attrs(e, 0, MiB(8), ATTRS(PGT_PERM_X, PGT_MEM_NORMAL_NC)), 0);
	expect_unmapped(e, blk);
	expect_unmapped(e, 0);
	expect_mapped(e, blk + KiB(4), GiB(1) + blk + KiB(4), ATTRS(PGT_PERM_X, PGT_MEM_NORMAL_NC));
	check_tree(e);
	env_free(e);
}

static void test_replace(void **state)
{
	struct env *e = env_new(&fake_fmt, 40, 1);
	uint64_t blk = MiB(2);
	size_t free_before;
	struct snap a, b;

	(void)state;
	/* Replace part of a block: split, the rest keeps its mapping. */
	assert_int_equal(map(e, blk, GiB(1), MiB(2), RW_WB, 0), 0);
	assert_int_equal(map(e, blk + MiB(1), GiB(2), KiB(4), RO_WB, PGT_MAP_REPLACE), 0);
	assert_int_equal(kind_at(e, blk, 2), PGT_TABLE);
	expect_mapped(e, blk + MiB(1), GiB(2), RO_WB);
	expect_mapped(e, blk + MiB(1) + KiB(4), GiB(1) + MiB(1) + KiB(4), RW_WB);
	expect_mapped(e, blk, GiB(1), RW_WB);
	check_tree(
		e); /* Replace-map an aligned 2 MiB over the table of pages: a block, the table freed. */
	topup(e, blk, MiB(2));
	free_before = e->fm.nr_free;
	fake_mm_reset_log(&e->fm);
	assert_int_equal(pgt_map(&e->t, &e->c, blk, GiB(3), MiB(2), RW_WB, PGT_MAP_REPLACE), 0);
	assert_int_equal(kind_at(e, blk, 2), PGT_LEAF);
	assert_int_equal(e->t.table_pages, 1);
	assert_int_equal(e->fm.nr_free, free_before + 1);
	assert_true(e->fm.inval_lo <= blk && e->fm.inval_hi >= blk + MiB(2));
	expect_mapped(e, blk + MiB(1), GiB(3) + MiB(1), RW_WB);
	check_tree(e); /* Identical replace: nothing written, nothing invalidated. */
	topup(e, blk, MiB(2));
	fake_mm_reset_log(&e->fm);
	a = snap_take(e);
	assert_int_equal(pgt_map(&e->t, &e->c, blk, GiB(3), MiB(2), RW_WB, PGT_MAP_REPLACE), 0);
	/* A block already mapping a sub-range that way is not split. */
	assert_int_equal(pgt_map(&e->t, &e->c, blk + MiB(1), GiB(3) + MiB(1), KiB(4), RW_WB,
				 PGT_MAP_REPLACE),
			 0);
	b = snap_take(e);
	snap_expect_same(&a, &b);
	assert_int_equal(e->fm.inval_calls, 0);

	/* Replace a block by pages (PA not block aligned): one invalidation, no split. */
	fake_mm_reset_log(&e->fm);
	assert_int_equal(map(e, blk, GiB(3) + KiB(4), MiB(2), RW_WB, PGT_MAP_REPLACE), 0);
	assert_int_equal(e->fm.inval_calls, 1);
	assert_int_equal(refcount_at(e, blk, 3), 512);
	expect_mapped(e, blk + MiB(2) - KiB(4), GiB(3) + MiB(2), RW_WB);

	/* Replace a whole GiB over level-2 and level-3 tables: one block, all tables freed. */
	assert_int_equal(map(e, MiB(6) + KiB(4), GiB(4), KiB(4), RW_WB, 0), 0);
	assert_int_equal(map(e, 0, GiB(5), GiB(1), RO_WB, PGT_MAP_REPLACE), 0);
	assert_int_equal(e->t.table_pages, 0);
	assert_int_equal(kind_at(e, 0, 1), PGT_LEAF);
	expect_mapped(e, MiB(6) + KiB(4), GiB(5) + MiB(6) + KiB(4), RO_WB);
	check_tree(e);
	env_free(e);
}

static void test_unmap_invalidates_and_frees(void **state)
{
	struct env *e = env_new(&fake_fmt, 40, 1);
	struct tlbm m;

	(void)state;
	assert_int_equal(map(e, 0, GiB(1), KiB(64), RW_WB, 0), 0);
	assert_int_equal(map(e, MiB(2), GiB(2), MiB(2), RW_WB, 0), 0);
	assert_int_equal(map(e, MiB(4) + KiB(4), GiB(3), KiB(8), RW_WB, 0), 0);
	tlbm_attach(&m, e, 0, MiB(8) / PAGE_SIZE);
	fake_mm_reset_log(&e->fm);
	assert_int_equal(unmap(e, 0, MiB(5)), 0);
	tlbm_check_no_stale(&m, "after unmap");
	assert_true(e->fm.inval_lo == 0 && e->fm.inval_hi >= MiB(5));
	assert_int_equal(e->t.table_pages, 0);
	assert_int_equal(e->fm.nr_free, e->free_after_init - e->c.nr);
	/* A run of pages in one table costs one invalidation. */
	assert_int_equal(map(e, 0, GiB(1), KiB(64), RW_WB, PGT_MAP_PAGES), 0);
	assert_int_equal(map(e, KiB(64), GiB(1), KiB(64), RW_WB, PGT_MAP_PAGES), 0);
	tlbm_fill(&m);
	fake_mm_reset_log(&e->fm);
	assert_int_equal(unmap(e, KiB(4), KiB(120)), 0);
	tlbm_check_no_stale(&m, "after unmap");
	assert_int_equal(e->fm.inval_calls, 1);
	assert_int_equal(e->fm.inval_ia, KiB(4));
	assert_int_equal(e->fm.inval_size, KiB(120));
	tlbm_detach(&m);
	env_free(e);
}

static void test_no_leaks_over_cycles(void **state)
{
	struct env *e = env_new_pool(&fake_fmt, 40, 1, POOL_PAGES, true);

	(void)state;
	for (unsigned round = 0; round < 20; round++) {
		uint64_t base = GiB(round % 3) + MiB(2) * round - KiB(4) * round;

		assert_int_equal(map(e, base, GiB(8), MiB(5), RW_WB, 0), 0);
		assert_int_equal(map(e, base + MiB(1), GiB(9), KiB(12), RO_WB, PGT_MAP_REPLACE), 0);
		assert_int_equal(set_attrs(e, base + KiB(4), MiB(3), RO_WB), 0);
		check_tree(e);
		/* Unmap piecewise, in an order that empties tables from the middle. */
		assert_int_equal(unmap(e, base + MiB(2), MiB(3)), 0);
		assert_int_equal(unmap(e, base, KiB(4)), 0);
		assert_int_equal(unmap(e, base + KiB(4), MiB(2) - KiB(4)), 0);
		assert_int_equal(e->t.table_pages, 0);
		assert_int_equal(e->fm.nr_free, e->free_after_init - e->c.nr);
	}
	/* Destroy with a populated tree frees everything too (checked by env_free). */
	assert_int_equal(map(e, MiB(2) + KiB(4), GiB(8) + KiB(4), GiB(2), RW_WB, 0), 0);
	assert_true(e->t.table_pages > 0);
	env_free(e);
}

static void test_hyp_table(void **state)
{
	struct env *e = env_new(&lpae_hyp_fmt, 32, 1);
	const struct pgt_attrs dev = ATTRS(PGT_PERM_RW, PGT_MEM_DEVICE);

	(void)state;
	assert_int_equal(e->t.root_order, 0);
	assert_int_equal(pgt_pages_needed(&e->t, GiB(3), KiB(4)), 2);
	assert_int_equal(map(e, GiB(3), 0x1c090000, KiB(4), dev, 0), 0);
	assert_int_equal(map(e, GiB(2), GiB(2), MiB(16), ATTRS(PGT_PERM_RWX, 0), 0), 0);
	expect_mapped(e, GiB(3) + 0x18, 0x1c090018, dev);
	expect_mapped(e, GiB(2) + MiB(15), GiB(2) + MiB(15), ATTRS(PGT_PERM_RWX, 0));
	assert_int_equal(map(e, GiB(4) - KiB(4), 0, KiB(4), RO_WB, 0), 0);
	assert_int_equal(map(e, GiB(4), 0, KiB(4), RO_WB, 0), -ERANGE);
	/* Not expressible in HYP stage 1: refused, never widened. */
	assert_int_equal(map(e, 0, 0, KiB(4), ATTRS(PGT_PERM_W, 0), 0), -EINVAL);
	assert_int_equal(map(e, 0, 0, KiB(4), ATTRS(0, 0), 0), -EINVAL);
	assert_int_equal(map(e, 0, 0, KiB(4), ATTRS(PGT_PERM_X, 0), 0), -EINVAL);
	assert_int_equal(set_attrs(e, GiB(2), KiB(4), ATTRS(PGT_PERM_W | PGT_PERM_X, 0)), -EINVAL);
	expect_unmapped(e, 0);
	check_tree(e);
	env_free(e);
}

/* ---- Randomized, against a reference model ---- */

struct rnd_cfg {
	const struct pgt_fmt *fmt;
	unsigned ia_bits;
	uint64_t base; /* window [base, base + nr * gran) */
	uint64_t gran; /* model granule: PAGE_SIZE, or 2 MiB with 2 MiB-aligned operations */
	size_t nr;
	unsigned ops;
	bool hyp_perms; /* only permissions with R */
	bool sync;
	uint64_t seed;
};

static uint64_t rnd_state;

static uint64_t rnd(void)
{
	/* xorshift64*: deterministic and good enough to spread operations. */
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return rnd_state * 0x2545f4914f6cdd1dull;
}

static uint64_t rnd_below(uint64_t n)
{
	return rnd() % n;
}

static struct pgt_attrs rnd_attrs(const struct rnd_cfg *cfg)
{
	static const uint8_t hyp_perms[] = {PGT_PERM_R, PGT_PERM_RW, PGT_PERM_RX, PGT_PERM_RWX};
	uint8_t perm = cfg->hyp_perms ? hyp_perms[rnd_below(4)] : (uint8_t)rnd_below(8);

	return ATTRS(perm, rnd_below(4));
}

/* Compares the whole window with the model through the tree, and pgt_lookup() on every
 * granule (all = true) or a sample of them; checks and refills the TLB model (may be NULL). */
static void compare_window(const struct env *e, const struct rnd_cfg *cfg, const struct xl *model,
			   struct tlbm *m, bool all)
{
	for (size_t g = 0; g < cfg->nr; g++) {
		uint64_t ia = cfg->base + g * cfg->gran, off = rnd_below(cfg->gran);
		struct xl cur = translate(e, ia), want = model[g];

		if (!xl_equal(cur, want))
			fail_msg("ia %#llx: tree has %d/%#llx/%u/%u, model %d/%#llx/%u/%u",
				 (unsigned long long)ia, cur.valid, (unsigned long long)cur.pa,
				 cur.a.perm, cur.a.mem, want.valid, (unsigned long long)want.pa,
				 want.a.perm, want.a.mem);
		if (m) {
			if (m->cached[g].valid && !xl_equal(m->cached[g], cur))
				fail_msg("stale TLB entry for %#llx after the operation",
					 (unsigned long long)ia);
			m->cached[g] = cur;
		}
		/* pgt_lookup at a random address inside the granule. */
		if (all || rnd_below(16) == 0) {
			if (want.valid)
				want.pa += off;
			expect_xl(e, ia + off, want);
		}
	}
}

static void run_random(const struct rnd_cfg *cfg)
{
	struct env *e = env_new_pool(cfg->fmt, cfg->ia_bits, 1, 2 * POOL_PAGES, cfg->sync);
	struct xl *model = calloc(cfg->nr, sizeof(*model));
	const uint64_t big = cfg->gran == PAGE_SIZE ? MiB(2) : GiB(1); /* block worth aligning to */
	const size_t big_g = big / cfg->gran;
	const paddr_t pa_base = GiB(16);
	struct tlbm m = {0};
	unsigned outcome[4] = {0}; /* ok, -EEXIST, -ENOMEM, bound tight */

	assert_non_null(model);
	rnd_state = cfg->seed;
	if (cfg->gran == PAGE_SIZE)
		tlbm_attach(&m, e, cfg->base, cfg->nr);
	for (unsigned op = 0; op < cfg->ops; op++) {
		size_t s = rnd_below(cfg->nr), len, room;
		unsigned kind = (unsigned)rnd_below(10), flags = 0;
		uint64_t ia, size;
		paddr_t pa = 0;
		struct pgt_attrs a = rnd_attrs(cfg);
		unsigned needed, have, k;
		bool any_mapped = false;
		struct snap before, after;
		int rc;

		if (rnd_below(3) == 0)
			s -= s % big_g;
		room = cfg->nr - s;
		switch (rnd_below(5)) {
		case 0:
			len = 1;
			break;
		case 1:
			len = 1 + rnd_below(16);
			break;
		case 2:
			len = 1 + rnd_below(big_g);
			break;
		case 3:
			len = big_g;
			break;
		default:
			len = 1 + rnd_below(room);
			break;
		}
		len = len < room ? len : room;
		ia = cfg->base + s * cfg->gran;
		size = len * cfg->gran;

		/* Output: usually the IA's alignment (blocks possible), else any granule. */
		if (rnd_below(10) < 6)
			pa = pa_base + rnd_below(64) * big + (ia & (big - 1));
		else
			pa = pa_base + rnd_below(64) * big + rnd_below(big_g) * cfg->gran;
		if (cfg->gran != PAGE_SIZE && rnd_below(20) == 0)
			pa += KiB(4) * (1 + rnd_below(511)); /* forces pages: many tables */
		if (kind < 6 && rnd_below(20) == 0 && cfg->gran == PAGE_SIZE)
			flags |= PGT_MAP_PAGES;
		if (kind >= 4 && kind < 6)
			flags |= PGT_MAP_REPLACE;

		/* Cache: usually the bound, sometimes less (the operation may then fail). The
		 * operation-specific bounds are the tight ones callers use. */
		needed = pgt_pages_needed(&e->t, ia, size);
		if (kind < 6) {
			unsigned tight = pgt_map_pages_needed(&e->t, ia, pa, size, flags);
			assert_true(tight <= needed);
			needed = tight;
		} else {
			needed = pgt_split_pages_needed(&e->t);
		}
		k = needed < PGT_CACHE_MAX ? needed : PGT_CACHE_MAX;
		if (rnd_below(5) == 0) {
			pgt_cache_drain(&e->c, &e->fm.mm);
			k = (unsigned)rnd_below(k + 1);
		}
		assert_int_equal(pgt_cache_topup(&e->c, &e->fm.mm, k), 0);
		have = e->c.nr;

		for (size_t g = s; g < s + len; g++)
			any_mapped |= model[g].valid;
		before = snap_take(e);
		fake_mm_reset_log(&e->fm);
		if (kind < 6)
			rc = pgt_map(&e->t, &e->c, ia, pa, size, a, flags);
		else if (kind < 8)
			rc = pgt_unmap(&e->t, &e->c, ia, size);
		else
			rc = pgt_set_attrs(&e->t, &e->c, ia, size, a);
		if (rc == -EEXIST) {
			assert_true(kind < 4 && any_mapped);
			outcome[1]++;
		} else if (kind < 4 && any_mapped) {
			/* Prepare may stop at the cache limit before it meets the overlap. */
			assert_int_equal(rc, -ENOMEM);
			assert_true(needed > have);
			outcome[2]++;
		} else if (rc == -ENOMEM) {
			assert_true(needed > have); /* the bound was not met */
			outcome[2]++;
		} else {
			assert_int_equal(rc, 0);
			/* The bound (map: pgt_map_pages_needed, else pgt_split_pages_needed)
			 * is a true upper bound. */
			assert_true(have - e->c.nr <= needed);
			outcome[3] += have - e->c.nr == needed;
			outcome[0]++;
		}
		if (rc) {
			after = snap_take(e);
			snap_expect_same(&before, &after);
			assert_int_equal(e->fm.inval_calls, 0);
			assert_int_equal(e->fm.syncs, 0);
		} else {
			free(before.v);
			for (size_t g = s; g < s + len; g++) {
				if (kind < 6)
					model[g] = (struct xl){.valid = true,
							       .pa = pa + (g - s) * cfg->gran,
							       .a = a};
				else if (kind < 8)
					model[g].valid = false;
				else if (model[g].valid)
					model[g].a = a;
			}
		}
		compare_window(e, cfg, model, m.cached ? &m : NULL, false);
		check_tree(e);
	}
	print_message("%s: %u ok, %u -EEXIST, %u -ENOMEM, %u at the bound\n", cfg->fmt->name,
		      outcome[0], outcome[1], outcome[2], outcome[3]);
	/* Every kind of outcome happened. */
	assert_true(outcome[0] > cfg->ops / 2);
	assert_true(outcome[1] > 0 && outcome[2] > 0);
	/* With 2 MiB granules, a table per touched entry is rare; with pages it is not. */
	assert_true(outcome[3] > 0 || cfg->gran != PAGE_SIZE);

	/* Free everything: no table page left behind. */
	assert_int_equal(unmap(e, cfg->base, cfg->nr * cfg->gran), 0);
	for (size_t g = 0; g < cfg->nr; g++)
		model[g].valid = false;
	compare_window(e, cfg, model, NULL, true);
	assert_int_equal(e->t.table_pages, 0);
	assert_int_equal(e->fm.nr_free, e->free_after_init - e->c.nr);
	if (m.cached)
		tlbm_detach(&m);
	free(model);
	env_free(e);
}

/* 8 MiB around the 1 GiB boundary: pages, 2 MiB blocks, two level-1 entries. */
static void test_random_fake_4k(void **state)
{
	const struct rnd_cfg cfg = {.fmt = &fake_fmt,
				    .ia_bits = 40,
				    .base = GiB(1) - MiB(4),
				    .gran = PAGE_SIZE,
				    .nr = MiB(8) / PAGE_SIZE,
				    .ops = 3000,
				    .seed = 0x9e3779b97f4a7c15ull};
	(void)state;
	run_random(&cfg);
}

static void test_random_stage2_4k(void **state)
{
	const struct rnd_cfg cfg = {.fmt = &lpae_stage2_fmt,
				    .ia_bits = 40,
				    .base = GiB(513) - MiB(4),
				    .gran = PAGE_SIZE,
				    .nr = MiB(8) / PAGE_SIZE,
				    .ops = 2000,
				    .sync = true,
				    .seed = 0x1234567887654321ull};
	(void)state;
	run_random(&cfg);
}

static void test_random_hyp_4k(void **state)
{
	const struct rnd_cfg cfg = {.fmt = &lpae_hyp_fmt,
				    .ia_bits = 32,
				    .base = GiB(3) - MiB(4),
				    .gran = PAGE_SIZE,
				    .nr = MiB(8) / PAGE_SIZE,
				    .ops = 1500,
				    .hyp_perms = true,
				    .seed = 0xdeadbeefcafef00dull};
	(void)state;
	run_random(&cfg);
}

/* 4 GiB in 2 MiB granules: 1 GiB blocks, their splits, and tables of pages. */
static void test_random_fake_2m(void **state)
{
	const struct rnd_cfg cfg = {.fmt = &fake_fmt,
				    .ia_bits = 40,
				    .base = GiB(2),
				    .gran = MiB(2),
				    .nr = GiB(4) / MiB(2),
				    .ops = 1500,
				    .sync = true,
				    .seed = 0x0123456789abcdefull};
	(void)state;
	run_random(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stage2_leaf_bits),
		cmocka_unit_test(test_hyp_leaf_bits),
		cmocka_unit_test(test_lpae_table_and_kind),
		cmocka_unit_test(test_init_geometry),
		cmocka_unit_test(test_pages_needed),
		cmocka_unit_test(test_1g_aligned_is_one_block),
		cmocka_unit_test(test_512m_at_2m_alignment),
		cmocka_unit_test(test_edges_use_pages),
		cmocka_unit_test(test_first_block_level_2),
		cmocka_unit_test(test_argument_errors),
		cmocka_unit_test(test_overlap_eexist),
		cmocka_unit_test(test_cache_too_small),
		cmocka_unit_test(test_cache_topup_pool_dry),
		cmocka_unit_test(test_split_block_on_unmap),
		cmocka_unit_test(test_split_1g_block),
		cmocka_unit_test(test_split_on_set_attrs),
		cmocka_unit_test(test_replace),
		cmocka_unit_test(test_unmap_invalidates_and_frees),
		cmocka_unit_test(test_no_leaks_over_cycles),
		cmocka_unit_test(test_hyp_table),
		cmocka_unit_test(test_random_fake_4k),
		cmocka_unit_test(test_random_stage2_4k),
		cmocka_unit_test(test_random_hyp_4k),
		cmocka_unit_test(test_random_fake_2m),
	};

	if (getenv("TEST_FILTER")) /* e.g. TEST_FILTER='test_random_*' */
		cmocka_set_test_filter(getenv("TEST_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
