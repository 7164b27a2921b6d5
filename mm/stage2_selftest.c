/* Boot self-test of stage-2 translation on the real MMU (selected by the DT, see
 * hyp/selftest.h): builds a table, installs it with a VMID, and checks what the CPU's own
 * address-translation operations (ATS12NSOPR/ATS12NSOPW, PAR; ARM ARM B4.2.6) report for
 * mapped, read-only, device and unmapped ranges, then unmaps and checks the faults.
 *
 * The guest's stage 1 is off, so VA = IPA; HCR.DC makes that stage-1 view Normal write-back, so
 * PAR's attribute byte shows the stage-2 memory type alone.
 */
#include "mm/stage2_selftest.h"

#include <errno.h>
#include <inttypes.h>

#include "hyp/boot.h"
#include "hyp/console.h"
#include "hyp/fmt.h"
#include "hyp/percpu.h"
#include "hyp/probe.h"
#include "hyp/sysreg.h"
#include "mm/stage2.h"

#define HCR_VM (1u << 0)  /* stage 2 on for the PL1&0 regime */
#define HCR_DC (1u << 12) /* stage 1 off counts as Normal WB */

/* PAR, 64-bit (LPAE) format (B4.1.113) */
#define PAR_F (1ull << 0)
#define PAR_FST(p) (((p) >> 1) & 0x3fu) /* fault status, LPAE encoding */
#define PAR_STAGE2 (1ull << 9)		/* S: the fault was at stage 2 */
#define PAR_PA(p) ((p)&0x000000fffffff000ull)
#define PAR_ATTR(p) ((unsigned)((p) >> 56))
#define FST_TRANSLATION(level) (0x04u | (level))
#define FST_PERMISSION(level) (0x0cu | (level))

/* Stage-2 memory types as PAR shows them (MAIR encoding). */
#define ATTR_NORMAL_WB 0xffu
#define ATTR_DEVICE 0x04u

/* Test IPAs: guest-physical addresses of a partition that does not exist, below 4 GiB so a
 * 32-bit VA reaches them with stage 1 off. They say nothing about the board. */
#define T_RAM_IPA GiB(2) /* 512 MiB, 2 MiB aligned: blocks */
#define T_RAM_SIZE MiB(512)
#define T_RO_IPA 0xa0000000ull /* 64 KiB read-only, PA not block aligned: pages */
#define T_RO_SIZE KiB(64)
#define T_HOLE_IPA 0xb0000000ull    /* never mapped, same 1 GiB as the RAM: level-2 fault */
#define T_HOLE_L1_IPA 0xc0000000ull /* never mapped, its own 1 GiB: level-1 fault */
#define T_MAX_TABLE_PAGES_512M 3    /* issue 3: a 512 MiB region uses at most 3 table pages */

struct st {
	unsigned checks, failed;
};

static uint64_t at(uint32_t va, bool write)
{
	if (write)
		sysreg_write32(ATS12NSOPW, va);
	else
		sysreg_write32(ATS12NSOPR, va);
	isb();
	return sysreg_read64(PAR64);
}

static void expect_pa(struct st *t, const char *what, uint64_t ipa, bool write, paddr_t pa,
		      unsigned attr)
{
	uint64_t par = at((uint32_t)ipa, write);

	t->checks++;
	if ((par & PAR_F) || PAR_PA(par) != (pa & ~PAGE_MASK) || PAR_ATTR(par) != attr) {
		t->failed++;
		pr_err("selftest stage2: %s: %s of IPA 0x%llx gave PAR 0x%016llx, want PA 0x%llx "
		       "attr 0x%02x",
		       what, write ? "write" : "read", (unsigned long long)ipa,
		       (unsigned long long)par, (unsigned long long)pa, attr);
	}
}

static void expect_fault(struct st *t, const char *what, uint64_t ipa, bool write, unsigned fst)
{
	uint64_t par = at((uint32_t)ipa, write);

	t->checks++;
	if (!(par & PAR_F) || !(par & PAR_STAGE2) || PAR_FST(par) != fst) {
		t->failed++;
		pr_err("selftest stage2: %s: %s of IPA 0x%llx gave PAR 0x%016llx, want a stage-2 "
		       "fault with status 0x%02x",
		       what, write ? "write" : "read", (unsigned long long)ipa,
		       (unsigned long long)par, fst);
	}
}

static void report(const struct stage2 *s2)
{
	struct pgt_stats st;

	pgt_get_stats(&s2->pgt, &st);
	pr_info("stage2 %s: %u table pages, blocks 1G %llu 2M %llu, pages 4K %llu", s2->name,
		st.table_pages, (unsigned long long)st.leaves[1], (unsigned long long)st.leaves[2],
		(unsigned long long)st.leaves[3]);
}

static void check(struct st *t, bool ok, const char *what)
{
	t->checks++;
	if (!ok) {
		t->failed++;
		pr_err("selftest stage2: %s", what);
	}
}

void stage2_selftest(const struct platform *p)
{
	static struct stage2 s2; /* static: struct pgt_cache is large for a 16 KiB stack */
	struct st t = {0, 0};
	size_t free_before = palloc_nr_free(&hyp_pool);
	paddr_t ram = p->ram[0].base;
	paddr_t gicc_ipa = p->gic.cpu.base, gicv = p->gic.vcpu.base;
	uint64_t gicv_size =
		p->gic.cpu.size < p->gic.vcpu.size ? p->gic.cpu.size : p->gic.vcpu.size;

	if (stage2_init(&s2, "selftest")) {
		pr_err("selftest stage2: cannot create a table");
		return;
	}
	check(&t, stage2_map(&s2, T_RAM_IPA, ram, T_RAM_SIZE, PGT_PERM_RWX, PGT_MEM_NORMAL_WB) == 0,
	      "map 512 MiB RAM");
	report(&s2);
	struct pgt_stats st;
	pgt_get_stats(&s2.pgt, &st);
	check(&t, st.table_pages <= T_MAX_TABLE_PAGES_512M && st.leaves[2] == T_RAM_SIZE / MiB(2),
	      "512 MiB at a 2 MiB-aligned IPA: 2 MiB blocks, at most 3 table pages");
	check(&t,
	      stage2_map(&s2, T_RO_IPA, ram + PAGE_SIZE, T_RO_SIZE, PGT_PERM_R,
			 PGT_MEM_NORMAL_WB) == 0,
	      "map 64 KiB read-only");
	check(&t, s2_ioremap(&s2, gicc_ipa, gicv, gicv_size) == 0, "ioremap GICV at the GICC IPA");
	check(&t,
	      stage2_map(&s2, T_RAM_IPA + MiB(2), ram, PAGE_SIZE, PGT_PERM_RW, PGT_MEM_NORMAL_WB) ==
		      -EEXIST,
	      "an overlapping map is refused with -EEXIST");
	check(&t,
	      stage2_map(&s2, T_HOLE_IPA + 1, ram, PAGE_SIZE, PGT_PERM_RW, PGT_MEM_NORMAL_WB) ==
		      -EINVAL,
	      "an unaligned map is refused with -EINVAL");
	report(&s2);

	uint32_t hcr = sysreg_read32(HCR);
	irq_disable();
	stage2_enter(&s2, this_cpu()->cpu);
	sysreg_write32(HCR, hcr | HCR_VM | HCR_DC);
	isb();

	expect_pa(&t, "RAM block", T_RAM_IPA + 0x1234, false, ram + 0x1234, ATTR_NORMAL_WB);
	expect_pa(&t, "RAM block", T_RAM_IPA + MiB(300) + 8, true, ram + MiB(300) + 8,
		  ATTR_NORMAL_WB);
	expect_pa(&t, "RAM end", T_RAM_IPA + T_RAM_SIZE - 4, false, ram + T_RAM_SIZE - 4,
		  ATTR_NORMAL_WB);
	expect_pa(&t, "read-only page", T_RO_IPA + 0x10, false, ram + PAGE_SIZE + 0x10,
		  ATTR_NORMAL_WB);
	expect_fault(&t, "read-only page", T_RO_IPA + 0x10, true, FST_PERMISSION(3));
	expect_pa(&t, "GICV", gicc_ipa + 0x1000, false, gicv + 0x1000, ATTR_DEVICE);
	expect_fault(&t, "hole", T_HOLE_IPA, false, FST_TRANSLATION(2));
	expect_fault(&t, "hole", T_HOLE_L1_IPA, true, FST_TRANSLATION(1));
	expect_fault(&t, "past the RO range", T_RO_IPA + T_RO_SIZE, false, FST_TRANSLATION(3));

	check(&t, stage2_unmap(&s2, T_RAM_IPA + MiB(2), MiB(2)) == 0, "unmap 2 MiB inside RAM");
	expect_fault(&t, "unmapped RAM", T_RAM_IPA + MiB(3), false, FST_TRANSLATION(2));
	expect_pa(&t, "RAM after the hole", T_RAM_IPA + MiB(4), false, ram + MiB(4),
		  ATTR_NORMAL_WB);
	check(&t, stage2_unmap(&s2, T_RAM_IPA, T_RAM_SIZE) == 0, "unmap all RAM");
	expect_fault(&t, "unmapped RAM", T_RAM_IPA, false, FST_TRANSLATION(2));

	sysreg_write32(HCR, hcr);
	isb();
	irq_enable();

	stage2_destroy(&s2);
	check(&t, palloc_nr_free(&hyp_pool) == free_before,
	      "every table page returned to the pool");
	pr_info("selftest stage2: %u checks, %u failed", t.checks, t.failed);
}

/* --- VMID rollover with real guest accesses ------------------------------------------------- */

#define VR_BITS 2  /* 3 usable VMIDs: rollovers come quickly */
#define VR_PARTS 7 /* more partitions than VMIDs */
#define VR_ROUNDS 20
#define VR_DATA_IPA 0x10000000ull  /* every partition's own page, same IPA in all */
#define VR_OTHER_IPA 0x10001000ull /* never mapped */
#define VR_MARK(i, r) (0xb0000000u | ((uint32_t)(i) << 16) | (uint32_t)(r))

static uint32_t run_probe(void (*code)(void), uint32_t a0, uint32_t a1, uint32_t *hsr)
{
	return probe_enter((uintptr_t)code, a0, a1, hsr);
}

void vmid_rollover_selftest(void)
{
	static struct stage2 parts[VR_PARTS];
	paddr_t data[VR_PARTS];
	struct st t = {0, 0};
	size_t free_before = palloc_nr_free(&hyp_pool);
	struct vmid_space *vs = stage2_vmids();
	unsigned nr_cpus = vs->nr_cpus;
	paddr_t code = ALIGN_DOWN((uintptr_t)probe_guest_read, PAGE_SIZE);
	uint32_t hsr, hcr = sysreg_read32(HCR);

	/* A small id space so that VR_PARTS partitions force rollovers; no partition exists yet. */
	if (stage2_global_init(&hyp_pool, VR_BITS, nr_cpus)) {
		pr_err("selftest vmid-rollover: cannot shrink the VMID space");
		return;
	}
	for (unsigned i = 0; i < VR_PARTS; i++) {
		char name[16];

		fmt_snprintf(name, sizeof(name), "vr%u", i);
		check(&t, stage2_init(&parts[i], name) == 0, "create a table");
		check(&t, palloc_alloc(&hyp_pool, 0, &data[i]) == 0, "allocate a data page");
		check(&t,
		      stage2_map(&parts[i], VR_DATA_IPA, data[i], PAGE_SIZE, PGT_PERM_RW,
				 PGT_MEM_NORMAL_WB) == 0,
		      "map the data page");
		/* The probe code runs at its own address, like an identity-mapped guest. */
		check(&t,
		      stage2_map(&parts[i], code, code, PAGE_SIZE, PGT_PERM_RX,
				 PGT_MEM_NORMAL_WB) == 0,
		      "map the probe code");
	}

	irq_disable();
	sysreg_write32(HCR, hcr | HCR_VM | HCR_DC);
	uint64_t rollovers = vs->rollovers;
	for (unsigned r = 0; r < VR_ROUNDS; r++) {
		for (unsigned i = 0; i < VR_PARTS; i++) {
			volatile uint32_t *page = palloc_va(&hyp_pool, data[i]);

			*page = VR_MARK(i, r);
			dsb();
			stage2_enter(&parts[i], this_cpu()->cpu);
			uint32_t v = run_probe(probe_guest_read, VR_DATA_IPA, 0, &hsr);
			t.checks++;
			if (HSR_EC(hsr) != HSR_EC_HVC || v != VR_MARK(i, r)) {
				t.failed++;
				pr_err("selftest vmid-rollover: %s (VMID %" PRIu32
				       ") round %u read "
				       "0x%08" PRIx32 " (HSR 0x%08" PRIx32 "), want 0x%08" PRIx32,
				       parts[i].name, parts[i].vmid.id, r, v, hsr, VR_MARK(i, r));
			}
			run_probe(probe_guest_write, VR_DATA_IPA, ~VR_MARK(i, r), &hsr);
			check(&t, HSR_EC(hsr) == HSR_EC_HVC && *page == ~VR_MARK(i, r),
			      "a guest store lands in the partition's own page");
			run_probe(probe_guest_read, VR_OTHER_IPA, 0, &hsr);
			check(&t, HSR_EC(hsr) == HSR_EC_DABT_LOW,
			      "an unmapped IPA is a stage-2 data abort");
		}
	}
	rollovers = vs->rollovers - rollovers;
	sysreg_write32(HCR, hcr);
	isb();
	irq_enable();

	/* Every entry is a slow-path allocation (round robin over more partitions than ids), and
	 * each generation hands out 2^VR_BITS - 1 ids. */
	unsigned per_gen = (1u << VR_BITS) - 1;
	uint64_t want = (VR_PARTS * VR_ROUNDS + per_gen - 1) / per_gen - 1;
	check(&t, rollovers == want, "rollover count");
	for (unsigned i = 0; i < VR_PARTS; i++) {
		stage2_destroy(&parts[i]);
		palloc_free(&hyp_pool, data[i], 0);
	}
	check(&t, stage2_global_init(&hyp_pool, VMID_BITS_MAX, nr_cpus) == 0,
	      "restore the VMID space");
	check(&t, palloc_nr_free(&hyp_pool) == free_before, "every page returned to the pool");
	pr_info("selftest vmid-rollover: %u partitions x %u rounds on %u VMIDs: %llu rollovers, %u "
		"checks, %u failed",
		VR_PARTS, VR_ROUNDS, per_gen, (unsigned long long)rollovers, t.checks, t.failed);
}
