/* The arch-neutral LPAE walker: owns the shape of a translation table tree (which entries are
 * tables, blocks or pages, which table pages exist and how many live entries each holds), the
 * order of writes and TLB invalidations that keeps the tree safe to change while the hardware
 * walks it, and the page cache that lets every change be prepared before it is committed.
 * Descriptor bits belong to struct pgt_fmt (mm/lpae.c), memory to struct pgt_mm.
 *
 * One walker, three visitors. walk_table() visits every entry that intersects the operation's
 * range, level by level; the operation's visitor (map_visit, unmap_visit, set_attrs_visit) looks
 * at one entry and answers with an action: keep it, write a new leaf or absent entry there, or
 * descend into a next-level table (an existing one, a new empty one, or one made by splitting a
 * block). map_leaf_fits() is the one place that chooses between a leaf and a table for a mapping.
 *
 * Prepare, then commit: each operation runs the same walk twice. The prepare pass writes nothing;
 * a table the commit would create exists in it only as a description (struct table with
 * ptes == NULL: all absent, or the entries of a split block), so the visitors see exactly what
 * they will see in the commit pass. It finds -EEXIST and counts the pages the commit takes from
 * the cache; once the count exceeds what the cache holds it stops with -ENOMEM. Either way
 * nothing has changed. The commit pass then cannot fail.
 *
 * Break-before-make (ARM ARM B3.10.1): in a table the hardware can reach ("live"), a valid entry
 * is never overwritten by another valid entry. set_entry() writes absent first, queues the entry's
 * range for invalidation, and calls mm->tlb_inval() before writing a new entry there or freeing a
 * table the old entry reached. Invalidations of neighbouring entries are merged, so an unmap of a
 * run of pages costs one call. A new table (empty, or the split of a block) is built completely
 * while unreachable and then linked with one break-before-make of its parent entry, so splitting
 * a block and changing part of it costs one invalidation.
 */
#include "mm/pgtable.h"
#include "hyp/assert.h"

#include <errno.h>
#include <string.h>

#define PTE_ABSENT 0ull	      /* see struct pgt_fmt: 0 decodes as absent at every level */
#define PA_LIMIT (1ull << 40) /* LPAE output addresses are 40 bits */
#define IA_BITS_MIN 32u
#define IA_BITS_MAX 40u

enum action {
	ACT_KEEP,      /* leave the entry as it is */
	ACT_WRITE,     /* replace it with visit.new_pte (a leaf, or PTE_ABSENT) */
	ACT_TABLE,     /* descend, keeping what the entry translates: walk the existing table, link
			  an empty table under an absent entry, or split a block */
	ACT_NEW_TABLE, /* descend into a new empty table replacing whatever the entry holds */
	ACT_EEXIST,    /* the operation must fail */
};

/* One entry as a visitor sees it. */
struct visit {
	uint64_t pte;
	enum pgt_kind kind;
	unsigned level;
	uint64_t ia;	  /* first input address the entry translates */
	bool covered;	  /* the operation's range covers all of the entry's range */
	uint64_t new_pte; /* out, for ACT_WRITE */
};

/* A table being walked. In the prepare pass, a table the commit pass would create is virtual. */
struct table {
	uint64_t *ptes;	    /* NULL: virtual */
	uint16_t *refcount; /* live-entry count; NULL for the root and virtual tables */
	bool live;	    /* reachable by the hardware: changes need break-before-make */
	bool split;	    /* new table holding the pieces of a block (else all absent) */
	paddr_t split_pa;   /* split: the block's output address and attributes */
	struct pgt_attrs split_attrs;
};

struct walk {
	struct pgt *t;
	struct pgt_cache *c;
	enum action (*visit)(const struct walk *w, struct visit *v);
	uint64_t start, end; /* the operation's range [start, end) */
	paddr_t pa;	     /* map: output address of start */
	struct pgt_attrs attrs;
	unsigned flags;
	bool commit;	   /* false: prepare pass */
	int err;	   /* prepare: first error found */
	unsigned pages;	   /* prepare: pages the commit will take from the cache */
	unsigned avail;	   /* prepare: pages in the cache */
	uint64_t inval_lo; /* commit: broken range [inval_lo, inval_hi) not yet invalidated */
	uint64_t inval_hi;
};

static void *pa_to_va(const struct pgt *t, paddr_t pa)
{
	return t->mm->phys_to_virt(t->mm->ctx, pa);
}

static unsigned root_entries(const struct pgt *t)
{
	return 1u << (t->ia_bits - PGT_LEVEL_SHIFT(t->start_level));
}

static uint64_t ia_limit(const struct pgt *t)
{
	return 1ull << t->ia_bits;
}

/* With LPAE, an aligned STRD is single-copy atomic as seen by the table walker (ARM ARM A3.5.3),
 * so the hardware never sees half a descriptor; the volatile store is one STRD (GCC, LPAE cores)
 * and cannot be split, merged or moved past the mm callbacks by the compiler. */
static void pte_write(const struct pgt *t, uint64_t *ptep, uint64_t pte)
{
	*(volatile uint64_t *)ptep = pte;
	if (t->mm->sync)
		t->mm->sync(t->mm->ctx, ptep, sizeof(*ptep));
}

static void inval_flush(struct walk *w)
{
	if (w->inval_hi > w->inval_lo)
		w->t->mm->tlb_inval(w->t->mm->ctx, w->inval_lo, w->inval_hi - w->inval_lo);
	w->inval_lo = w->inval_hi = 0;
}

static void inval_queue(struct walk *w, uint64_t ia, uint64_t size)
{
	if (w->inval_hi > w->inval_lo && w->inval_hi == ia) {
		w->inval_hi += size;
		return;
	}
	inval_flush(w);
	w->inval_lo = ia;
	w->inval_hi = ia + size;
}

/* Frees the table at pa (at level) and every table below it. The caller has unlinked it and
 * invalidated the TLB for its range. */
static void free_tree(struct pgt *t, paddr_t pa, unsigned level)
{
	const uint64_t *ptes = pa_to_va(t, pa);

	for (unsigned i = 0; level < PGT_LEVELS_LAST && i < PGT_ENTRIES; i++) {
		if (t->fmt->kind(ptes[i], level) == PGT_TABLE)
			free_tree(t, t->fmt->out_addr(ptes[i], level), level + 1);
	}
	/* The entries are discarded wholesale: the pool takes pages back only with no live
	 * entries counted. */
	*t->mm->refcount(t->mm->ctx, pa) = 0;
	t->mm->free_pages(t->mm->ctx, pa, 0);
	ASSERT(t->table_pages > 0);
	t->table_pages--;
}

/* Commit pass: sets entry idx of tbl (translating [ia, ia + level size)) to pte, with
 * break-before-make if the entry is valid, keeping the table's live-entry count. */
static void set_entry(struct walk *w, struct table *tbl, unsigned idx, unsigned level, uint64_t ia,
		      uint64_t pte)
{
	struct pgt *t = w->t;
	uint64_t *ptep = &tbl->ptes[idx];
	uint64_t old = *ptep;
	enum pgt_kind old_kind = t->fmt->kind(old, level);
	uint64_t size = PGT_LEVEL_SIZE(level);

	if (old == pte)
		return;
	if (!tbl->live) {
		/* Under construction: no TLB can hold it, and it holds no table it replaces. */
		ASSERT(old_kind != PGT_TABLE);
		*ptep = pte;
		if (old_kind == PGT_ABSENT)
			(*tbl->refcount)++;
		else if (pte == PTE_ABSENT)
			(*tbl->refcount)--;
		return;
	}
	if (old_kind != PGT_ABSENT) {
		pte_write(t, ptep, PTE_ABSENT);
		if (tbl->refcount)
			(*tbl->refcount)--;
		inval_queue(w, ia, size);
		if (old_kind == PGT_TABLE) {
			/* TLBs and walk caches may still use the old tables until invalidated. */
			inval_flush(w);
			free_tree(t, t->fmt->out_addr(old, level), level + 1);
		}
	}
	if (pte != PTE_ABSENT) {
		if (ranges_overlap(w->inval_lo, w->inval_hi - w->inval_lo, ia, size))
			inval_flush(w);
		pte_write(t, ptep, pte);
		if (tbl->refcount)
			(*tbl->refcount)++;
	}
}

/* Entry idx of a new table (at level) as first built: absent, or a piece of the split block. */
static uint64_t new_entry(const struct walk *w, const struct table *tbl, unsigned idx,
			  unsigned level)
{
	if (!tbl->split)
		return PTE_ABSENT;
	return w->t->fmt->mk_leaf(tbl->split_pa + idx * PGT_LEVEL_SIZE(level), tbl->split_attrs,
				  level);
}

static uint64_t read_entry(const struct walk *w, const struct table *tbl, unsigned idx,
			   unsigned level)
{
	return tbl->ptes ? tbl->ptes[idx] : new_entry(w, tbl, idx, level);
}

static paddr_t cache_take(struct pgt_cache *c)
{
	ASSERT(c && c->nr > 0); /* counted in the prepare pass */
	return c->pages[--c->nr];
}

static void walk_table(struct walk *w, struct table *tbl, unsigned level, uint64_t base,
		       unsigned nr);

/* Walks the table below entry idx (described by v): the existing one, or a new one as the action
 * asks, built while unreachable and linked afterwards. Frees an existing table the operation
 * emptied. */
static void descend(struct walk *w, struct table *tbl, unsigned idx, const struct visit *v,
		    enum action act)
{
	const struct pgt_fmt *fmt = w->t->fmt;
	const struct pgt_mm *mm = w->t->mm;
	unsigned next = v->level + 1;
	struct table child = {0};
	paddr_t pa;

	ASSERT(v->level < PGT_LEVELS_LAST);
	if (v->kind == PGT_TABLE && act == ACT_TABLE) {
		ASSERT(tbl->ptes && (tbl->live || !w->commit)); /* new tables hold no tables yet */
		pa = fmt->out_addr(v->pte, v->level);
		child.ptes = pa_to_va(w->t, pa);
		child.refcount = mm->refcount(mm->ctx, pa);
		child.live = true;
		walk_table(w, &child, next, v->ia, PGT_ENTRIES);
		if (w->commit && *child.refcount == 0)
			set_entry(w, tbl, idx, v->level, v->ia, PTE_ABSENT); /* unlinks, frees */
		return;
	}

	child.split = v->kind == PGT_LEAF && act == ACT_TABLE;
	if (child.split) {
		child.split_pa = fmt->out_addr(v->pte, v->level);
		child.split_attrs = fmt->leaf_attrs(v->pte, v->level);
	}
	if (!w->commit) {
		/* Stop counting once the cache cannot do: a huge misaligned map fails fast. */
		if (++w->pages > w->avail)
			w->err = -ENOMEM;
		else
			walk_table(w, &child, next, v->ia, PGT_ENTRIES); /* virtual */
		return;
	}
	pa = cache_take(w->c);
	child.ptes = pa_to_va(w->t, pa);
	child.refcount = mm->refcount(mm->ctx, pa);
	*child.refcount = 0;
	if (child.split) {
		for (unsigned i = 0; i < PGT_ENTRIES; i++)
			child.ptes[i] = new_entry(w, &child, i, next);
		*child.refcount = PGT_ENTRIES;
	}
	walk_table(w, &child, next, v->ia, PGT_ENTRIES);
	ASSERT(*child.refcount > 0); /* operations never leave a new table empty */
	if (mm->sync)
		mm->sync(mm->ctx, child.ptes, PAGE_SIZE);
	w->t->table_pages++;
	/* Over a block this changes the block size, over a table the subtree: break-before-make. */
	set_entry(w, tbl, idx, v->level, v->ia, fmt->mk_table(pa, v->level));
}

static void walk_entry(struct walk *w, struct table *tbl, unsigned idx, unsigned level, uint64_t ia)
{
	struct visit v = {
		.pte = read_entry(w, tbl, idx, level),
		.level = level,
		.ia = ia,
		.covered = w->start <= ia && ia + PGT_LEVEL_SIZE(level) <= w->end,
	};
	enum action act;

	v.kind = w->t->fmt->kind(v.pte, level);
	act = w->visit(w, &v);
	switch (act) {
	case ACT_KEEP:
		break;
	case ACT_EEXIST:
		ASSERT(!w->commit);
		w->err = -EEXIST;
		break;
	case ACT_WRITE:
		if (w->commit)
			set_entry(w, tbl, idx, level, ia, v.new_pte);
		break;
	case ACT_TABLE:
	case ACT_NEW_TABLE:
		descend(w, tbl, idx, &v, act);
		break;
	}
}

/* Visits the entries of a table at level, translating from base, that intersect the range. */
static void walk_table(struct walk *w, struct table *tbl, unsigned level, uint64_t base,
		       unsigned nr)
{
	unsigned shift = PGT_LEVEL_SHIFT(level);
	uint64_t from = w->start > base ? w->start - base : 0;
	uint64_t last = ((w->end - 1 - base) >> shift);
	unsigned i = (unsigned)(from >> shift);
	unsigned end = last < nr ? (unsigned)last + 1 : nr;

	for (; i < end && w->err == 0; i++)
		walk_entry(w, tbl, i, level, base + ((uint64_t)i << shift));
}

/* Runs w's operation over the root: prepare, check the cache, commit. */
static int run(struct walk *w)
{
	struct table root = {.ptes = w->t->root, .live = true};

	w->avail = w->c ? w->c->nr : 0;
	walk_table(w, &root, w->t->start_level, 0, root_entries(w->t));
	if (w->err)
		return w->err;
	w->commit = true;
	walk_table(w, &root, w->t->start_level, 0, root_entries(w->t));
	ASSERT(w->err == 0);
	inval_flush(w);
	return 0;
}

/* Output address for input address ia of the range being mapped. */
static paddr_t map_pa(const struct walk *w, uint64_t ia)
{
	return w->pa + (ia - w->start);
}

/* The block-vs-table decision: whether the mapping of this entry's whole range can be a single
 * leaf at the entry's level (the level allows leaves and the output address is aligned). */
static bool map_leaf_fits(const struct walk *w, const struct visit *v)
{
	if (!v->covered)
		return false;
	if (v->level != PGT_LEVELS_LAST &&
	    (v->level < w->t->fmt->first_block_level || (w->flags & PGT_MAP_PAGES)))
		return false;
	return IS_ALIGNED(map_pa(w, v->ia), PGT_LEVEL_SIZE(v->level));
}

static bool same_attrs(struct pgt_attrs a, struct pgt_attrs b)
{
	return a.perm == b.perm && a.mem == b.mem;
}

/* Whether leaf v already translates the part of the range it covers exactly as asked. */
static bool leaf_matches(const struct walk *w, const struct visit *v)
{
	const struct pgt_fmt *fmt = w->t->fmt;

	return fmt->out_addr(v->pte, v->level) + w->start == w->pa + v->ia &&
	       same_attrs(fmt->leaf_attrs(v->pte, v->level), w->attrs);
}

static enum action map_visit(const struct walk *w, struct visit *v)
{
	bool replace = (w->flags & PGT_MAP_REPLACE) != 0;

	if (v->kind == PGT_TABLE && !(replace && v->covered))
		return ACT_TABLE; /* partly covered, or holes inside may take the mapping */
	if (v->kind == PGT_LEAF && !replace)
		return ACT_EEXIST;
	/* A block that already maps its part of the range this way stays (no needless split). */
	if (v->kind == PGT_LEAF && !v->covered && !(w->flags & PGT_MAP_PAGES) && leaf_matches(w, v))
		return ACT_KEEP;
	if (map_leaf_fits(w, v)) {
		v->new_pte = w->t->fmt->mk_leaf(map_pa(w, v->ia), w->attrs, v->level);
		return ACT_WRITE; /* over a table, this collapses the subtree into one leaf */
	}
	if (v->kind == PGT_ABSENT)
		return ACT_TABLE;
	/* Replacing: whatever is under a covered entry goes (one invalidation, no split). */
	return v->covered ? ACT_NEW_TABLE : ACT_TABLE;
}

static enum action unmap_visit(const struct walk *w, struct visit *v)
{
	(void)w;
	if (v->kind == PGT_ABSENT)
		return ACT_KEEP;
	if (v->covered) {
		v->new_pte = PTE_ABSENT; /* a table goes with everything below it */
		return ACT_WRITE;
	}
	return ACT_TABLE; /* partial: walk the table or split the block */
}

static enum action set_attrs_visit(const struct walk *w, struct visit *v)
{
	const struct pgt_fmt *fmt = w->t->fmt;

	if (v->kind == PGT_ABSENT)
		return ACT_KEEP;
	if (v->kind == PGT_TABLE)
		return ACT_TABLE;
	if (same_attrs(fmt->leaf_attrs(v->pte, v->level), w->attrs))
		return ACT_KEEP;
	if (!v->covered)
		return ACT_TABLE; /* split, then change the covered pieces */
	v->new_pte = fmt->mk_leaf(fmt->out_addr(v->pte, v->level), w->attrs, v->level);
	return ACT_WRITE;
}

/* Common argument checks: -EINVAL for alignment or size 0, -ERANGE outside the address space. */
static int check_range(const struct pgt *t, uint64_t ia, uint64_t size)
{
	if (size == 0 || !IS_ALIGNED(ia, PAGE_SIZE) || !IS_ALIGNED(size, PAGE_SIZE))
		return -EINVAL;
	if (ia >= ia_limit(t) || size > ia_limit(t) - ia)
		return -ERANGE;
	return 0;
}

static bool attrs_ok(const struct pgt *t, struct pgt_attrs attrs)
{
	if ((attrs.perm & ~PGT_PERM_RWX) || attrs.mem > PGT_MEM_STRONGLY_ORDERED)
		return false;
	return !t->fmt->attrs_ok || t->fmt->attrs_ok(attrs);
}

int pgt_init(struct pgt *t, const struct pgt_fmt *fmt, const struct pgt_mm *mm, unsigned ia_bits,
	     unsigned start_level)
{
	unsigned root_bits;
	int err;

	memset(t, 0, sizeof(*t));
	if (ia_bits < IA_BITS_MIN || ia_bits > IA_BITS_MAX || start_level < PGT_LEVELS_FIRST ||
	    start_level > PGT_LEVELS_LAST || ia_bits <= PGT_LEVEL_SHIFT(start_level))
		return -EINVAL;
	root_bits = ia_bits - PGT_LEVEL_SHIFT(start_level);
	if ((1ull << root_bits) > (uint64_t)PGT_ENTRIES * PGT_MAX_ROOT_PAGES)
		return -EINVAL;

	t->fmt = fmt;
	t->mm = mm;
	t->ia_bits = ia_bits;
	t->start_level = start_level;
	/* A root of more than 512 entries is 2^n concatenated pages, aligned to its size. */
	t->root_order = root_bits > 9 ? root_bits - 9 : 0;
	err = mm->alloc_pages(mm->ctx, t->root_order, &t->root_pa);
	if (err) {
		memset(t, 0, sizeof(*t));
		return -ENOMEM;
	}
	t->root = pa_to_va(t, t->root_pa);
	if (mm->sync)
		mm->sync(mm->ctx, t->root, (size_t)PAGE_SIZE << t->root_order);
	return 0;
}

void pgt_destroy(struct pgt *t)
{
	unsigned nr = root_entries(t);

	for (unsigned i = 0; i < nr; i++) {
		if (t->fmt->kind(t->root[i], t->start_level) == PGT_TABLE)
			free_tree(t, t->fmt->out_addr(t->root[i], t->start_level),
				  t->start_level + 1);
	}
	ASSERT(t->table_pages == 0);
	t->mm->free_pages(t->mm->ctx, t->root_pa, t->root_order);
	memset(t, 0, sizeof(*t));
}

/* The prepare pass counts exactly, so a full cache is enough for any operation whose actual need
 * fits, however large its worst-case bound. */
int pgt_cache_topup(struct pgt_cache *c, const struct pgt_mm *mm, unsigned n)
{
	if (n > PGT_CACHE_MAX)
		n = PGT_CACHE_MAX;
	while (c->nr < n) {
		if (mm->alloc_pages(mm->ctx, 0, &c->pages[c->nr]))
			return -ENOMEM;
		c->nr++;
	}
	return 0;
}

void pgt_cache_drain(struct pgt_cache *c, const struct pgt_mm *mm)
{
	while (c->nr > 0)
		mm->free_pages(mm->ctx, c->pages[--c->nr], 0);
}

/* Each entry at a level above the last that the range touches can gain at most one table page
 * per operation (a new table, or the split of its block), so the count of those entries bounds
 * any operation on any table state. A map whose output address is not block aligned reaches it. */
unsigned pgt_pages_needed(const struct pgt *t, uint64_t ia, uint64_t size)
{
	uint64_t last;
	unsigned n = 0;

	if (size == 0 || ia >= ia_limit(t))
		return 0;
	last = size > ia_limit(t) - ia ? ia_limit(t) - 1 : ia + size - 1;
	for (unsigned level = t->start_level; level < PGT_LEVELS_LAST; level++)
		n += (unsigned)((last >> PGT_LEVEL_SHIFT(level)) - (ia >> PGT_LEVEL_SHIFT(level)) +
				1);
	return n;
}

/* A block at level is possible for this map when blocks exist at that level and IA and PA are
 * congruent modulo its size. */
static bool blocks_possible(const struct pgt *t, unsigned level, uint64_t ia, paddr_t pa,
			    unsigned flags)
{
	return !(flags & PGT_MAP_PAGES) && level >= t->fmt->first_block_level &&
	       ((ia ^ pa) & (PGT_LEVEL_SIZE(level) - 1)) == 0;
}

unsigned pgt_map_pages_needed(const struct pgt *t, uint64_t ia, paddr_t pa, uint64_t size,
			      unsigned flags)
{
	uint64_t last;
	unsigned n = 0;

	if (size == 0 || ia >= ia_limit(t))
		return 0;
	last = size > ia_limit(t) - ia ? ia_limit(t) - 1 : ia + size - 1;
	for (unsigned level = t->start_level; level < PGT_LEVELS_LAST; level++) {
		uint64_t slots =
			(last >> PGT_LEVEL_SHIFT(level)) - (ia >> PGT_LEVEL_SHIFT(level)) + 1;
		/* Where blocks fit, only the two partly covered slots at the ends can need a
		 * next-level table (a fully covered slot takes a block, or collapses a table). */
		if (blocks_possible(t, level, ia, pa, flags) && slots > 2)
			slots = 2;
		n += (unsigned)slots;
	}
	return n;
}

unsigned pgt_split_pages_needed(const struct pgt *t)
{
	/* Each end of the range may split one block per level below the root. */
	return 2 * (PGT_LEVELS_LAST - t->start_level);
}

int pgt_map(struct pgt *t, struct pgt_cache *c, uint64_t ia, paddr_t pa, uint64_t size,
	    struct pgt_attrs attrs, unsigned flags)
{
	struct walk w = {.t = t,
			 .c = c,
			 .visit = map_visit,
			 .start = ia,
			 .end = ia + size,
			 .pa = pa,
			 .attrs = attrs,
			 .flags = flags};
	int err = check_range(t, ia, size);

	if (err)
		return err;
	if ((flags & ~(PGT_MAP_REPLACE | PGT_MAP_PAGES)) || !IS_ALIGNED(pa, PAGE_SIZE) ||
	    !attrs_ok(t, attrs))
		return -EINVAL;
	if (pa >= PA_LIMIT || size > PA_LIMIT - pa)
		return -ERANGE;
	return run(&w);
}

int pgt_unmap(struct pgt *t, struct pgt_cache *c, uint64_t ia, uint64_t size)
{
	struct walk w = {.t = t, .c = c, .visit = unmap_visit, .start = ia, .end = ia + size};
	int err = check_range(t, ia, size);

	return err ? err : run(&w);
}

int pgt_set_attrs(struct pgt *t, struct pgt_cache *c, uint64_t ia, uint64_t size,
		  struct pgt_attrs attrs)
{
	struct walk w = {.t = t,
			 .c = c,
			 .visit = set_attrs_visit,
			 .start = ia,
			 .end = ia + size,
			 .attrs = attrs};
	int err = check_range(t, ia, size);

	if (err)
		return err;
	if (!attrs_ok(t, attrs))
		return -EINVAL;
	return run(&w);
}

int pgt_lookup(const struct pgt *t, uint64_t ia, paddr_t *pa, struct pgt_attrs *attrs,
	       unsigned *level)
{
	const uint64_t *ptes = t->root;
	unsigned lvl = t->start_level;
	unsigned mask = root_entries(t) - 1;

	if (ia >= ia_limit(t))
		return -ERANGE;
	for (;;) {
		uint64_t pte = ptes[(ia >> PGT_LEVEL_SHIFT(lvl)) & mask];

		switch (t->fmt->kind(pte, lvl)) {
		case PGT_ABSENT:
			return -ENOENT;
		case PGT_LEAF:
			if (pa)
				*pa = t->fmt->out_addr(pte, lvl) + (ia & (PGT_LEVEL_SIZE(lvl) - 1));
			if (attrs)
				*attrs = t->fmt->leaf_attrs(pte, lvl);
			if (level)
				*level = lvl;
			return 0;
		case PGT_TABLE:
			ASSERT(lvl < PGT_LEVELS_LAST);
			ptes = pa_to_va(t, t->fmt->out_addr(pte, lvl));
			lvl++;
			mask = PGT_ENTRIES - 1;
			break;
		}
	}
}

static void stats_table(const struct pgt *t, const uint64_t *ptes, unsigned nr, unsigned level,
			struct pgt_stats *st)
{
	for (unsigned i = 0; i < nr; i++) {
		switch (t->fmt->kind(ptes[i], level)) {
		case PGT_ABSENT:
			break;
		case PGT_LEAF:
			st->leaves[level]++;
			break;
		case PGT_TABLE:
			st->table_pages++;
			stats_table(t, pa_to_va(t, t->fmt->out_addr(ptes[i], level)), PGT_ENTRIES,
				    level + 1, st);
			break;
		}
	}
}

void pgt_get_stats(const struct pgt *t, struct pgt_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->table_pages = 1u << t->root_order;
	stats_table(t, t->root, root_entries(t), t->start_level, st);
}
