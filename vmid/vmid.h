/* VMID allocator: 8-bit VMIDs with a 64-bit generation and rollover (ARM ARM B4.1.159 VTTBR).
 *
 * Every partition holds a struct vmid (generation, id). The id is valid only while its generation
 * equals the allocator's current generation. On guest entry, with interrupts off, a CPU calls
 * vmid_get(): the fast path is one generation comparison; the slow path (under the allocator's
 * lock) hands out the next free id. When the id space is exhausted the generation advances, every
 * partition's id becomes stale, ids restart at 1, and every CPU is marked as needing a full
 * stage-2 TLB invalidation before its next guest entry (the caller forces other CPUs out of their
 * guests with an IPI so they observe it).
 *
 * Invariant: within one generation no two partitions hold the same id; id 0 is never handed out
 * (it tags the hypervisor's own stage-2-off context).
 *
 * Arch-neutral: no hardware access; TLB maintenance and IPIs are the caller's job, driven by the
 * flags returned here. Host-tested in tests/unit/test_vmid.c.
 *
 * Locking: `lock` guards next, generation writes and flush_pending; generation is read without
 * the lock on the fast path (a stale read only sends the caller to the slow path).
 */
#ifndef BULKHEAD_VMID_H
#define BULKHEAD_VMID_H

#include "hyp/spinlock.h"
#include "hyp/types.h"

#define VMID_BITS_MAX 8	 /* ARMv7 VTTBR.VMID is 8 bits */
#define VMID_MAX_CPUS 32 /* width of flush_pending */

struct vmid {
	uint64_t generation; /* 0: never allocated */
	uint32_t id;
};

struct vmid_space {
	spinlock_t lock;
	uint64_t generation;	/* starts at 1; read racily on the fast path */
	uint32_t next;		/* next id to hand out in this generation */
	uint32_t nr_ids;	/* ids 1 .. nr_ids - 1 are usable */
	uint32_t flush_pending; /* bit per CPU: must invalidate all stage-2 TLB entries */
	unsigned nr_cpus;
	uint64_t rollovers; /* statistics */
};

/* Initialises a space with 2^bits ids (bits 2..VMID_BITS_MAX; tests use small spaces to force
 * rollover) for nr_cpus CPUs (1..VMID_MAX_CPUS). Returns 0 or -EINVAL. */
int vmid_space_init(struct vmid_space *s, unsigned bits, unsigned nr_cpus);

/* Result of vmid_get() for the calling CPU. */
struct vmid_result {
	uint32_t id;	/* VMID to program into VTTBR */
	bool flush_tlb; /* invalidate all stage-2 TLB entries on this CPU before entering */
	bool rolled;	/* this call advanced the generation: IPI the other CPUs */
};

/* Called on guest entry by `cpu` with interrupts off. Gives v a current id if its generation is
 * stale and reports what the caller must do before entering. */
struct vmid_result vmid_get(struct vmid_space *s, struct vmid *v, unsigned cpu);

/* True if v holds an id of the current generation (the fast-path check). */
bool vmid_is_current(const struct vmid_space *s, const struct vmid *v);

/* Forgets v's id (partition destroyed or restarted); the id is not reused before the next
 * rollover. */
void vmid_release(struct vmid_space *s, struct vmid *v);

#endif
