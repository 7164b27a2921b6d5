/* VMID allocator: hands out 8-bit VMIDs tagged with a 64-bit generation, and on exhaustion rolls
 * the generation over and tells every CPU to invalidate its stage-2 TLB entries before its next
 * guest entry. See vmid/vmid.h for the contract.
 *
 * Memory ordering of the lock-free fast path (the only code that runs without s->lock):
 *  - Rollover stores flush_pending before it publishes the new generation (release), and an id
 *    is stored (release) before its generation. So a CPU that observes the new generation, or an
 *    id handed out after the rollover (acquire), also observes its own flush bit; and a CPU that
 *    observes v's generation (acquire) reads the id assigned in that generation or a later one.
 *  - The fast path never consumes a flush bit. A set bit sends the CPU to the slow path, which
 *    re-checks the generation under the lock; consuming the bit there guarantees that every id
 *    this CPU uses after the flush belongs to the generation in which it flushed.
 *  - A stale read (a rollover the CPU has not observed yet) makes it enter with an id of the old
 *    generation: it is then in the same position as a CPU that was already in its guest when the
 *    generation advanced. Its flush bit stays set, and the rolling CPU's IPI forces it out.
 * The 64-bit generation is accessed atomically so a 32-bit CPU never sees a torn value.
 */
#include "vmid/vmid.h"

#include <errno.h>

#include "hyp/assert.h"

int vmid_space_init(struct vmid_space *s, unsigned bits, unsigned nr_cpus)
{
	if (bits < 2 || bits > VMID_BITS_MAX || nr_cpus < 1 || nr_cpus > VMID_MAX_CPUS)
		return -EINVAL;

	spin_lock_init(&s->lock);
	s->generation = 1;
	s->next = 1;
	s->nr_ids = 1u << bits;
	/* No flush owed at start: boot code invalidates every CPU's TLBs before enabling stage 2
	 * (their contents are UNKNOWN out of reset). */
	s->flush_pending = 0;
	s->nr_cpus = nr_cpus;
	s->rollovers = 0;
	return 0;
}

bool vmid_is_current(const struct vmid_space *s, const struct vmid *v)
{
	return __atomic_load_n(&v->generation, __ATOMIC_RELAXED) ==
	       __atomic_load_n(&s->generation, __ATOMIC_ACQUIRE);
}

/* Called with s->lock held. Starts a new generation: every id handed out so far is stale, and
 * each CPU may still hold TLB entries tagged with ids that are about to be reused. */
static void rollover(struct vmid_space *s)
{
	__atomic_store_n(&s->flush_pending, UINT32_MAX >> (VMID_MAX_CPUS - s->nr_cpus),
			 __ATOMIC_RELAXED);
	s->next = 1;
	s->rollovers++;
	/* Release: publishes flush_pending to fast-path readers of the new generation. */
	__atomic_store_n(&s->generation, s->generation + 1, __ATOMIC_RELEASE);
}

/* Slow path, taken when v's id is stale or this CPU owes a TLB flush. */
static struct vmid_result vmid_get_locked(struct vmid_space *s, struct vmid *v, uint32_t cpu_bit)
{
	struct vmid_result r = {.id = 0, .flush_tlb = false, .rolled = false};

	spin_lock(&s->lock);

	/* Another CPU running the same partition may have allocated since our check. */
	if (v->generation != s->generation) {
		if (s->next == s->nr_ids) {
			rollover(s);
			r.rolled = true;
		}
		/* Release on both: a fast-path reader that sees this id (acquire) also sees the
		 * flush bits of the rollover that made it available. */
		__atomic_store_n(&v->id, s->next++, __ATOMIC_RELEASE);
		__atomic_store_n(&v->generation, s->generation, __ATOMIC_RELEASE);
	}

	if (s->flush_pending & cpu_bit) {
		__atomic_store_n(&s->flush_pending, s->flush_pending & ~cpu_bit, __ATOMIC_RELAXED);
		r.flush_tlb = true;
	}
	r.id = v->id;

	spin_unlock(&s->lock);
	return r;
}

struct vmid_result vmid_get(struct vmid_space *s, struct vmid *v, unsigned cpu)
{
	ASSERT(cpu < s->nr_cpus);
	const uint32_t cpu_bit = 1u << cpu;

	/* Acquire on each load, so that v->id is read no earlier than the generation that vouches
	 * for it, and the flush bit no earlier than the id (see the file header). */
	if (__atomic_load_n(&s->generation, __ATOMIC_ACQUIRE) ==
	    __atomic_load_n(&v->generation, __ATOMIC_ACQUIRE)) {
		uint32_t id = __atomic_load_n(&v->id, __ATOMIC_ACQUIRE);

		if (!(__atomic_load_n(&s->flush_pending, __ATOMIC_RELAXED) & cpu_bit))
			return (struct vmid_result){.id = id, .flush_tlb = false, .rolled = false};
	}
	return vmid_get_locked(s, v, cpu_bit);
}

void vmid_release(struct vmid_space *s, struct vmid *v)
{
	(void)s;
	/* Generation 0 never matches (generations start at 1), so the next vmid_get() allocates.
	 * The old id is simply abandoned: ids are only reused after a rollover, whose flush
	 * removes any TLB entries still tagged with it. */
	__atomic_store_n(&v->generation, 0, __ATOMIC_RELAXED);
}
