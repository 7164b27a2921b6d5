/* Per-partition stage-2 translation (VTTBR/VTCR): guest IPA -> PA, with a VMID.
 *
 * Each struct stage2 owns an LPAE table built with the shared walker (mm/pgtable.c,
 * lpae_stage2_fmt): 40-bit IPA, walks start at level 1 with a 2-page concatenated root
 * (ARM ARM B3.6.6), table pages from the hypervisor pool through a per-partition page cache.
 *
 * A map whose table need exceeds the cache is split at its most-aligned boundary and each part
 * mapped in turn (no block is lost by the split); a failure unmaps what was mapped, so a map is
 * all or nothing. Mapping follows "top up, then lock": the cache is filled from the pool for the walker's
 * worst-case need before the partition's lock is taken, so the walk under the lock never
 * allocates from the pool. Every change that removes a valid entry invalidates the TLB for this
 * VMID only (ARMv7 has no invalidate-by-IPA: TLBIALLIS with VTTBR set to the VMID).
 *
 * Locking: `lock` guards the table and the cache. stage2_enter() runs on guest entry with
 * interrupts off.
 */
#ifndef BULKHEAD_STAGE2_H
#define BULKHEAD_STAGE2_H

#include "hyp/spinlock.h"
#include "mm/palloc.h"
#include "mm/pgtable.h"
#include "vmid/vmid.h"

#define STAGE2_IA_BITS 40
#define STAGE2_START_LEVEL 1
#define STAGE2_NAME_MAX 32

struct stage2 {
	spinlock_t lock;
	struct pgt pgt;
	struct pgt_mm mm; /* the walker's memory interface; ctx = this stage2 (for VMID flushes) */
	struct pgt_cache cache;
	struct vmid vmid;
	char name[STAGE2_NAME_MAX]; /* owner, for messages */
	uint32_t version; /* unique per stage2_init(): a CPU's installed-table cache key */
};

/* VTCR value for STAGE2_IA_BITS (same on every CPU; the partition-independent half). */
uint32_t stage2_vtcr(void);

/* Sets up the VMID space shared by all partitions (bits: 8 normally; fewer in self-tests). */
int stage2_global_init(struct palloc *pool, unsigned vmid_bits, unsigned nr_cpus);
struct vmid_space *stage2_vmids(void);

/* Creates an empty table for partition `name`. Returns 0 or -ENOMEM. */
int stage2_init(struct stage2 *s2, const char *name);

/* Frees every table page, invalidates this VMID's TLB entries and releases the VMID. */
void stage2_destroy(struct stage2 *s2);

/* Maps [ipa, ipa+size) -> [pa, pa+size) with perm (PGT_PERM_*) and memory type mem, using the
 * largest blocks alignment allows. Returns 0, -EINVAL (unaligned, size 0, perm not expressible),
 * -ERANGE (IPA beyond 40 bits or PA beyond 40 bits), -EEXIST (overlap; nothing changed), -ENOMEM
 * (pool exhausted; nothing changed). */
int stage2_map(struct stage2 *s2, ipa_t ipa, paddr_t pa, uint64_t size, unsigned perm,
	       enum pgt_mem mem);

/* Same with 4 KiB pages only (benchmarks and tests of the page path). */
int stage2_map_pages(struct stage2 *s2, ipa_t ipa, paddr_t pa, uint64_t size, unsigned perm,
		     enum pgt_mem mem);

/* Maps a device frame at a guest IPA: read/write, Device memory, never executable. The way a
 * partition reaches the GIC virtual CPU interface and passed-through devices. */
int s2_ioremap(struct stage2 *s2, ipa_t ipa, paddr_t pa, uint64_t size);

/* Unmaps [ipa, ipa+size) (holes allowed); emptied tables are freed. */
int stage2_unmap(struct stage2 *s2, ipa_t ipa, uint64_t size);

/* IPA -> PA and attributes, or -ENOENT. */
int stage2_lookup(struct stage2 *s2, ipa_t ipa, paddr_t *pa, struct pgt_attrs *attrs);

/* Programs VTTBR for s2 on this CPU, first giving it a current VMID (and invalidating this CPU's
 * stage-2 TLB entries when the allocator says so). Interrupts must be off. Returns true if this
 * call rolled the VMID generation over (the caller kicks the other CPUs). */
bool stage2_enter(struct stage2 *s2, unsigned cpu);

/* True if this CPU must call stage2_enter() for s2 before entering the guest: another table (or
 * a re-created one) is installed, or the VMID generation moved since it was installed. The hot
 * path of a trap that returns to the same vCPU is this one comparison. */
bool stage2_needs_enter(const struct stage2 *s2, unsigned cpu);

/* Invalidates every TLB entry tagged with s2's VMID on all CPUs (inner shareable). */
void stage2_tlb_flush(struct stage2 *s2);

#endif
