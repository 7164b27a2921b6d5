/* The two real descriptor encodings behind struct pgt_fmt: ARMv7 LPAE stage-2 (VTTBR, guest
 * IPA -> PA) and HYP stage-1 (HTTBR, HYP VA -> PA). Bit positions are named in mm/lpae.h.
 *
 * Both formats share the descriptor types, address fields, SH, AF and XN; they differ in how
 * memory type and access permission are expressed:
 *   stage-2   MemAttr[3:0] holds the memory type directly, S2AP (HAP[2:1]) the read and write
 *             permissions independently, so every perm/mem combination is expressible; perm 0 is
 *             a valid entry with no access (S2AP = 00).
 *   HYP       AttrIndx selects a byte of HMAIR0 (LPAE_HMAIR0), and AP[2] only chooses read-only
 *             or read/write: a HYP mapping is always readable. Permission sets without
 *             PGT_PERM_R are rejected by hyp_attrs_ok() (pgt_map/pgt_set_attrs return
 *             -EINVAL) and are an ASSERT in mk_leaf, never silently widened.
 *
 * Shareability: Normal memory is marked inner shareable (all CPUs of the system share one inner
 * domain). Device and Strongly-ordered memory get SH = 00, which the hardware ignores for those
 * types (they are always treated as outer shareable).
 *
 * All functions are pure and build for the host, so the tests check every bit.
 */
#include "mm/lpae.h"
#include "mm/pgtable.h"
#include "hyp/assert.h"

/* Per memory type: the stage-2 MemAttr value, the HYP AttrIndx, and the shareability. */
static const struct {
	uint8_t s2_memattr;
	uint8_t hyp_idx;
	uint64_t sh;
} mem_enc[] = {
	[PGT_MEM_NORMAL_WB] = {LPAE_S2_MEMATTR_NORMAL_WB, LPAE_HYP_IDX_NORMAL_WB, LPAE_SH_INNER},
	[PGT_MEM_NORMAL_NC] = {LPAE_S2_MEMATTR_NORMAL_NC, LPAE_HYP_IDX_NORMAL_NC, LPAE_SH_INNER},
	[PGT_MEM_DEVICE] = {LPAE_S2_MEMATTR_DEVICE, LPAE_HYP_IDX_DEVICE, LPAE_SH_NONE},
	[PGT_MEM_STRONGLY_ORDERED] = {LPAE_S2_MEMATTR_SO, LPAE_HYP_IDX_SO, LPAE_SH_NONE},
};

static bool level_ok(unsigned level)
{
	return level >= PGT_LEVELS_FIRST && level <= PGT_LEVELS_LAST;
}

static enum pgt_kind lpae_kind(uint64_t pte, unsigned level)
{
	ASSERT(level_ok(level));
	switch (pte & LPAE_TYPE_MASK) {
	case LPAE_TYPE_BLOCK:
		/* 01 at level 3 is reserved: the hardware faults on it, so it maps nothing. */
		return level == PGT_LEVELS_LAST ? PGT_ABSENT : PGT_LEAF;
	case LPAE_TYPE_TABLE: /* == LPAE_TYPE_PAGE */
		return level == PGT_LEVELS_LAST ? PGT_LEAF : PGT_TABLE;
	default:
		return PGT_ABSENT;
	}
}

static uint64_t lpae_mk_table(paddr_t table_pa, unsigned level)
{
	ASSERT(level >= PGT_LEVELS_FIRST && level < PGT_LEVELS_LAST);
	ASSERT((table_pa & ~LPAE_ADDR_MASK) == 0);
	/* Stage-1 table descriptors also carry NSTable/APTable/XNTable/PXNTable in bits[63:59];
	 * they stay 0 so that the leaves alone decide the attributes. */
	return table_pa | LPAE_TYPE_TABLE;
}

static uint64_t addr_mask(uint64_t pte, unsigned level)
{
	if ((pte & LPAE_TYPE_MASK) != LPAE_TYPE_BLOCK || level == PGT_LEVELS_LAST)
		return LPAE_ADDR_MASK;
	return level == 1 ? LPAE_L1_BLOCK_ADDR_MASK : LPAE_L2_BLOCK_ADDR_MASK;
}

static paddr_t lpae_out_addr(uint64_t pte, unsigned level)
{
	ASSERT(level_ok(level));
	return pte & addr_mask(pte, level);
}

/* The parts of a block or page descriptor that do not depend on the regime. */
static uint64_t leaf_common(paddr_t pa, struct pgt_attrs attrs, unsigned level)
{
	uint64_t pte;

	ASSERT(level_ok(level));
	ASSERT(attrs.mem < ARRAY_SIZE(mem_enc));
	ASSERT((pa & (PGT_LEVEL_SIZE(level) - 1)) == 0 && pa < ((paddr_t)1 << LPAE_PA_BITS));
	pte = pa | (level == PGT_LEVELS_LAST ? LPAE_TYPE_PAGE : LPAE_TYPE_BLOCK);
	/* ARMv7 has no hardware access-flag management: AF = 0 would fault on first access. */
	pte |= LPAE_AF | mem_enc[attrs.mem].sh;
	if (!(attrs.perm & PGT_PERM_X))
		pte |= LPAE_XN;
	return pte;
}

static uint64_t s2_mk_leaf(paddr_t pa, struct pgt_attrs attrs, unsigned level)
{
	uint64_t pte = leaf_common(pa, attrs, level);

	pte |= LPAE_S2_MEMATTR(mem_enc[attrs.mem].s2_memattr);
	if (attrs.perm & PGT_PERM_R)
		pte |= LPAE_S2AP_R;
	if (attrs.perm & PGT_PERM_W)
		pte |= LPAE_S2AP_W;
	return pte;
}

static struct pgt_attrs s2_leaf_attrs(uint64_t pte, unsigned level)
{
	unsigned memattr = (unsigned)((pte & LPAE_S2_MEMATTR_MASK) >> LPAE_S2_MEMATTR_SHIFT);
	struct pgt_attrs a = {.perm = 0, .mem = PGT_MEM_STRONGLY_ORDERED};
	bool found = false;

	ASSERT(lpae_kind(pte, level) == PGT_LEAF);
	for (unsigned m = 0; m < ARRAY_SIZE(mem_enc); m++) {
		if (mem_enc[m].s2_memattr == memattr) {
			a.mem = (uint8_t)m;
			found = true;
		}
	}
	ASSERT(found); /* only this file writes leaves */
	if (pte & LPAE_S2AP_R)
		a.perm |= PGT_PERM_R;
	if (pte & LPAE_S2AP_W)
		a.perm |= PGT_PERM_W;
	if (!(pte & LPAE_XN))
		a.perm |= PGT_PERM_X;
	return a;
}

/* HYP stage-1 can express read-only and read/write only (AP[2]); see the file comment. */
static bool hyp_attrs_ok(struct pgt_attrs attrs)
{
	return (attrs.perm & PGT_PERM_R) != 0;
}

static uint64_t hyp_mk_leaf(paddr_t pa, struct pgt_attrs attrs, unsigned level)
{
	uint64_t pte;

	ASSERT(hyp_attrs_ok(attrs)); /* the walker checked attrs_ok: a caller bug otherwise */
	pte = leaf_common(pa, attrs, level);
	pte |= LPAE_S1_ATTRINDX(mem_enc[attrs.mem].hyp_idx);
	/* AP[1] selects unprivileged access in the PL1&0 regime; HYP has no PL0, and the
	 * architecture requires it to be one (SBO) in HYP descriptors. */
	pte |= LPAE_S1_AP1;
	if (!(attrs.perm & PGT_PERM_W))
		pte |= LPAE_S1_AP2_RO;
	return pte;
}

static struct pgt_attrs hyp_leaf_attrs(uint64_t pte, unsigned level)
{
	unsigned idx = (unsigned)((pte & LPAE_S1_ATTRINDX_MASK) >> LPAE_S1_ATTRINDX_SHIFT);
	struct pgt_attrs a = {.perm = PGT_PERM_R, .mem = PGT_MEM_STRONGLY_ORDERED};
	bool found = false;

	ASSERT(lpae_kind(pte, level) == PGT_LEAF);
	for (unsigned m = 0; m < ARRAY_SIZE(mem_enc); m++) {
		if (mem_enc[m].hyp_idx == idx) {
			a.mem = (uint8_t)m;
			found = true;
		}
	}
	ASSERT(found); /* HMAIR indexes 4..7 are never used */
	if (!(pte & LPAE_S1_AP2_RO))
		a.perm |= PGT_PERM_W;
	if (!(pte & LPAE_XN))
		a.perm |= PGT_PERM_X;
	return a;
}

const struct pgt_fmt lpae_stage2_fmt = {
	.name = "lpae-stage2",
	.kind = lpae_kind,
	.mk_table = lpae_mk_table,
	.mk_leaf = s2_mk_leaf,
	.out_addr = lpae_out_addr,
	.leaf_attrs = s2_leaf_attrs,
	.first_block_level = 1,
	.attrs_ok = NULL,
};

const struct pgt_fmt lpae_hyp_fmt = {
	.name = "lpae-hyp",
	.kind = lpae_kind,
	.mk_table = lpae_mk_table,
	.mk_leaf = hyp_mk_leaf,
	.out_addr = lpae_out_addr,
	.leaf_attrs = hyp_leaf_attrs,
	.first_block_level = 1,
	.attrs_ok = hyp_attrs_ok,
};
