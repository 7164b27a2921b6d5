/* Host tests for vmid/vmid.c: allocation order, rollover, per-CPU flush flags, a randomized
 * multi-CPU simulation against a reference model with per-CPU TLB contents, and two threads
 * sharing one space.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vmid/vmid.h"

/* xorshift64*: deterministic across hosts, unlike rand(). */
static uint64_t rng_next(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static unsigned rng_below(uint64_t *state, unsigned n)
{
	return (unsigned)(rng_next(state) % n);
}

static void test_init_rejects_bad_arguments(void **state)
{
	struct vmid_space s;

	(void)state;
	assert_int_equal(vmid_space_init(&s, 1, 1), -EINVAL);
	assert_int_equal(vmid_space_init(&s, VMID_BITS_MAX + 1, 1), -EINVAL);
	assert_int_equal(vmid_space_init(&s, 8, 0), -EINVAL);
	assert_int_equal(vmid_space_init(&s, 8, VMID_MAX_CPUS + 1), -EINVAL);

	assert_int_equal(vmid_space_init(&s, 8, VMID_MAX_CPUS), 0);
	assert_int_equal(s.generation, 1);
	assert_int_equal(s.next, 1);
	assert_int_equal(s.nr_ids, 256);
	assert_int_equal(s.flush_pending, 0);
	assert_int_equal(s.rollovers, 0);

	assert_int_equal(vmid_space_init(&s, 2, 1), 0);
	assert_int_equal(s.nr_ids, 4);
}

static void test_allocation_order_and_fast_path(void **state)
{
	struct vmid_space s;
	struct vmid v[10] = {0};

	(void)state;
	assert_int_equal(vmid_space_init(&s, 8, 1), 0);
	assert_false(vmid_is_current(&s, &v[0]));

	for (unsigned i = 0; i < 10; i++) {
		struct vmid_result r = vmid_get(&s, &v[i], 0);

		assert_int_equal(r.id, i + 1);
		assert_false(r.flush_tlb);
		assert_false(r.rolled);
		assert_true(vmid_is_current(&s, &v[i]));
		assert_int_equal(v[i].generation, 1);
	}
	/* A current partition keeps its id. */
	for (unsigned i = 0; i < 10; i++) {
		struct vmid_result r = vmid_get(&s, &v[i], 0);

		assert_int_equal(r.id, i + 1);
		assert_false(r.flush_tlb);
		assert_false(r.rolled);
	}
	assert_int_equal(s.next, 11);
	assert_int_equal(s.rollovers, 0);
}

static void test_rollover_small_space(void **state)
{
	struct vmid_space s;
	struct vmid v[4] = {0};
	struct vmid_result r;

	(void)state;
	assert_int_equal(vmid_space_init(&s, 2, 1), 0); /* ids 1..3 */
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(vmid_get(&s, &v[i], 0).id, i + 1);

	/* Fourth partition: space exhausted, generation 2, ids restart at 1. */
	r = vmid_get(&s, &v[3], 0);
	assert_int_equal(r.id, 1);
	assert_true(r.rolled);
	assert_true(r.flush_tlb);
	assert_int_equal(s.generation, 2);
	assert_int_equal(s.rollovers, 1);
	for (unsigned i = 0; i < 3; i++)
		assert_false(vmid_is_current(&s, &v[i]));

	r = vmid_get(&s, &v[0], 0);
	assert_int_equal(r.id, 2);
	assert_false(r.rolled);
	assert_false(r.flush_tlb);
	r = vmid_get(&s, &v[1], 0);
	assert_int_equal(r.id, 3);
	assert_false(r.rolled);

	r = vmid_get(&s, &v[2], 0);
	assert_int_equal(r.id, 1);
	assert_true(r.rolled);
	assert_true(r.flush_tlb);
	assert_int_equal(s.generation, 3);
	assert_int_equal(s.rollovers, 2);
	assert_int_equal(v[2].generation, 3);
}

static void test_release_does_not_reuse_id(void **state)
{
	struct vmid_space s;
	struct vmid a = {0}, b = {0}, c = {0};
	struct vmid_result r;

	(void)state;
	assert_int_equal(vmid_space_init(&s, 2, 1), 0);
	assert_int_equal(vmid_get(&s, &a, 0).id, 1);
	vmid_release(&s, &a);
	assert_false(vmid_is_current(&s, &a));
	assert_int_equal(a.generation, 0);

	r = vmid_get(&s, &a, 0);
	assert_int_equal(r.id, 2);
	assert_false(r.rolled);
	assert_int_equal(vmid_get(&s, &b, 0).id, 3);

	r = vmid_get(&s, &c, 0);
	assert_int_equal(r.id, 1);
	assert_true(r.rolled);
}

static void test_flush_flags_per_cpu(void **state)
{
	enum { CPUS = 4 };
	struct vmid_space s;
	struct vmid v[4] = {0};
	struct vmid_result r;

	(void)state;
	assert_int_equal(vmid_space_init(&s, 2, CPUS), 0);
	for (unsigned i = 0; i < 3; i++)
		assert_false(vmid_get(&s, &v[i], i % CPUS).flush_tlb);

	/* CPU 2 rolls over: it consumes its own bit; the others still owe a flush. */
	r = vmid_get(&s, &v[3], 2);
	assert_true(r.rolled);
	assert_true(r.flush_tlb);
	assert_int_equal(s.flush_pending, 0xbu);

	/* v[3] is current, so CPU 0 takes the fast-path check but must still flush, once. */
	r = vmid_get(&s, &v[3], 0);
	assert_int_equal(r.id, 1);
	assert_true(r.flush_tlb);
	assert_false(r.rolled);
	r = vmid_get(&s, &v[3], 0);
	assert_false(r.flush_tlb);
	assert_int_equal(s.flush_pending, 0xau);

	/* CPU 1 enters a stale partition: allocation and flush in one call. */
	r = vmid_get(&s, &v[0], 1);
	assert_int_equal(r.id, 2);
	assert_true(r.flush_tlb);
	assert_false(r.rolled);
	assert_false(vmid_get(&s, &v[0], 1).flush_tlb);
	assert_false(vmid_get(&s, &v[0], 2).flush_tlb);

	/* Two rollovers before CPU 3 enters again: one flush covers both. */
	assert_int_equal(vmid_get(&s, &v[1], 0).id, 3);
	r = vmid_get(&s, &v[2], 0);
	assert_true(r.rolled);
	assert_true(r.flush_tlb);
	assert_int_equal(vmid_get(&s, &v[3], 0).id, 2);
	assert_int_equal(vmid_get(&s, &v[0], 0).id, 3);
	r = vmid_get(&s, &v[1], 1);
	assert_true(r.rolled);
	assert_true(r.flush_tlb);
	assert_int_equal(s.rollovers, 3);
	assert_int_equal(s.flush_pending, 0xdu);

	r = vmid_get(&s, &v[1], 3);
	assert_true(r.flush_tlb);
	assert_false(vmid_get(&s, &v[1], 3).flush_tlb);
	assert_true(vmid_get(&s, &v[1], 2).flush_tlb);
	assert_true(vmid_get(&s, &v[1], 0).flush_tlb);
	assert_int_equal(s.flush_pending, 0);
}

/* Round-robin over more partitions than ids: between two entries of one partition the other 299
 * allocate at least 255 ids, so every entry allocates. Allocation k (from 1) gets id
 * (k - 1) % 255 + 1 and allocation k > 1 with (k - 1) % 255 == 0 rolls over. */
static void test_300_partitions_8bit(void **state)
{
	enum { PARTS = 300, ROUNDS = 20, CPUS = 2 };
	static struct vmid v[PARTS];
	struct vmid_space s;
	bool owes_flush[CPUS] = {false, false};
	unsigned k = 0;

	(void)state;
	memset(v, 0, sizeof(v));
	assert_int_equal(vmid_space_init(&s, 8, CPUS), 0);
	for (unsigned round = 0; round < ROUNDS; round++) {
		for (unsigned i = 0; i < PARTS; i++) {
			unsigned cpu = (round * PARTS + i) % CPUS;
			struct vmid_result r;
			bool rolls;

			assert_false(vmid_is_current(&s, &v[i]));
			r = vmid_get(&s, &v[i], cpu);
			k++;
			rolls = k > 1 && (k - 1) % 255 == 0;
			assert_int_equal(r.id, (k - 1) % 255 + 1);
			assert_int_equal(r.rolled, rolls);
			if (rolls)
				owes_flush[0] = owes_flush[1] = true;
			assert_int_equal(r.flush_tlb, owes_flush[cpu]);
			owes_flush[cpu] = false;
		}
	}
	assert_int_equal(k, PARTS * ROUNDS);
	assert_int_equal(s.rollovers, (PARTS * ROUNDS - 1) / 255);
	assert_int_equal(s.rollovers, 23);
	assert_int_equal(s.generation, 24);
}

/*
 * Randomized simulation: CPUs enter, leave and restart partitions in random order. Checked at
 * every step:
 *  - against a reference model: exact id, rolled and flush_tlb of every vmid_get();
 *  - partitions whose generation is current hold pairwise distinct ids in 1..nr_ids-1;
 *  - partitions running at the same time on different CPUs hold distinct ids (the rolling CPU
 *    IPIs the others, modelled by making them leave their guest);
 *  - per-CPU TLB soundness: a CPU holds TLB entries tagged (vmid, partition) from every entry
 *    since its last flush, and only a flush the allocator asked for removes them. Entering P
 *    with id X while holding a tag (X, Q), Q != P, would let P use Q's translations.
 */
#define SIM_MAX_CPUS 8
#define SIM_MAX_PARTS 48
#define SIM_IDS 256

struct sim {
	struct vmid_space s;
	struct vmid v[SIM_MAX_PARTS];
	unsigned nr_cpus, nr_parts;
	int running[SIM_MAX_CPUS]; /* partition index or -1 */
	/* tlb[cpu][id]: bit p set if the CPU may hold entries of partition p tagged with id */
	uint64_t tlb[SIM_MAX_CPUS][SIM_IDS];
	/* reference model */
	uint64_t m_gen, m_part_gen[SIM_MAX_PARTS];
	uint32_t m_next, m_nr_ids, m_part_id[SIM_MAX_PARTS];
	bool m_owes_flush[SIM_MAX_CPUS];
};

static void sim_check_invariants(const struct sim *sim)
{
	int holder[SIM_IDS];

	for (unsigned i = 0; i < SIM_IDS; i++)
		holder[i] = -1;
	for (unsigned p = 0; p < sim->nr_parts; p++) {
		if (!vmid_is_current(&sim->s, &sim->v[p]))
			continue;
		uint32_t id = sim->v[p].id;

		assert_true(id >= 1 && id < sim->s.nr_ids);
		assert_int_equal(holder[id], -1);
		holder[id] = (int)p;
	}
	for (unsigned c = 0; c < sim->nr_cpus; c++) {
		if (sim->running[c] < 0)
			continue;
		const struct vmid *vc = &sim->v[sim->running[c]];

		assert_true(vmid_is_current(&sim->s, vc));
		for (unsigned d = c + 1; d < sim->nr_cpus; d++) {
			if (sim->running[d] >= 0 && sim->running[d] != sim->running[c])
				assert_int_not_equal(sim->v[sim->running[d]].id, vc->id);
		}
	}
}

static void sim_enter(struct sim *sim, unsigned cpu, unsigned p)
{
	struct vmid_result r = vmid_get(&sim->s, &sim->v[p], cpu);
	bool m_rolled = false;

	if (sim->m_part_gen[p] != sim->m_gen) {
		if (sim->m_next == sim->m_nr_ids) {
			sim->m_gen++;
			sim->m_next = 1;
			for (unsigned c = 0; c < sim->nr_cpus; c++)
				sim->m_owes_flush[c] = true;
			m_rolled = true;
		}
		sim->m_part_id[p] = sim->m_next++;
		sim->m_part_gen[p] = sim->m_gen;
	}
	assert_int_equal(r.id, sim->m_part_id[p]);
	assert_int_equal(r.rolled, m_rolled);
	assert_int_equal(r.flush_tlb, sim->m_owes_flush[cpu]);
	sim->m_owes_flush[cpu] = false;
	assert_int_equal(sim->s.generation, sim->m_gen);

	if (r.rolled) {
		for (unsigned c = 0; c < sim->nr_cpus; c++) {
			if (c != cpu)
				sim->running[c] = -1;
		}
	}
	if (r.flush_tlb)
		memset(sim->tlb[cpu], 0, sizeof(sim->tlb[cpu]));
	assert_int_equal(sim->tlb[cpu][r.id] & ~(UINT64_C(1) << p), 0);
	sim->tlb[cpu][r.id] |= UINT64_C(1) << p;
	sim->running[cpu] = (int)p;
}

static bool sim_part_running(const struct sim *sim, unsigned p)
{
	for (unsigned c = 0; c < sim->nr_cpus; c++) {
		if (sim->running[c] == (int)p)
			return true;
	}
	return false;
}

static unsigned sim_run(unsigned bits, unsigned nr_cpus, unsigned nr_parts, unsigned steps,
			uint64_t seed)
{
	static struct sim sim;

	memset(&sim, 0, sizeof(sim));
	assert_true(nr_cpus <= SIM_MAX_CPUS && nr_parts <= SIM_MAX_PARTS);
	assert_int_equal(vmid_space_init(&sim.s, bits, nr_cpus), 0);
	sim.nr_cpus = nr_cpus;
	sim.nr_parts = nr_parts;
	for (unsigned c = 0; c < nr_cpus; c++)
		sim.running[c] = -1;
	sim.m_gen = 1;
	sim.m_next = 1;
	sim.m_nr_ids = 1u << bits;

	for (unsigned step = 0; step < steps; step++) {
		unsigned cpu = rng_below(&seed, nr_cpus);
		unsigned action = rng_below(&seed, 100);
		unsigned p = rng_below(&seed, nr_parts);

		if (action < 80) {
			sim_enter(&sim, cpu, p);
		} else if (action < 95) {
			sim.running[cpu] = -1;
		} else if (!sim_part_running(&sim, p)) {
			/* restart: only a stopped partition gives up its id */
			vmid_release(&sim.s, &sim.v[p]);
			sim.m_part_gen[p] = 0;
		}
		sim_check_invariants(&sim);
	}
	return (unsigned)sim.s.rollovers;
}

static void test_random_schedule_property(void **state)
{
	/* min_rolls: the configuration must exercise rollover at least this often. */
	static const struct {
		unsigned bits, cpus, parts, steps, min_rolls;
	} cfg[] = {
		{2, 1, 5, 50000, 1000},
		{2, 4, 6, 50000, 1000},
		{2, 8, 3, 50000, 50},
		{3, 4, 12, 50000, 500},
		{3, 8, 40, 50000, 1000},
		{8, 8, 48, 50000, 1}, /* rolls only because restarts abandon ids */
		{8, 2, 2, 5000, 0},
		{2, 2, 48, 50000, 1000},
	};

	(void)state;
	for (unsigned i = 0; i < ARRAY_SIZE(cfg); i++) {
		unsigned rolls = sim_run(cfg[i].bits, cfg[i].cpus, cfg[i].parts, cfg[i].steps,
					 0x9E3779B97F4A7C15ULL + i);

		print_message("bits %u cpus %u parts %u: %u rollovers\n", cfg[i].bits, cfg[i].cpus,
			      cfg[i].parts, rolls);
		assert_true(rolls >= cfg[i].min_rolls);
	}
}

/* Two threads, as two CPUs, enter the same partitions through one space with 3 ids. Each keeps
 * its own TLB model; the soundness check holds under concurrency too (see vmid.c header). */
#define THR_PARTS 8
#define THR_ITERS 100000

struct thr_arg {
	pthread_barrier_t *start;
	struct vmid_space *s;
	struct vmid *v;
	unsigned cpu;
	uint64_t seed;
	unsigned rolled, flushes, violations, bad_ids;
};

static void *thr_main(void *opaque)
{
	struct thr_arg *a = opaque;
	uint8_t tlb[4] = {0}; /* tlb[id]: bit p set if entries of partition p are tagged id */

	pthread_barrier_wait(a->start);
	for (unsigned i = 0; i < THR_ITERS; i++) {
		unsigned p = rng_below(&a->seed, THR_PARTS);
		struct vmid_result r = vmid_get(a->s, &a->v[p], a->cpu);

		if (r.id < 1 || r.id > 3) {
			a->bad_ids++;
			continue;
		}
		a->rolled += r.rolled;
		if (r.flush_tlb) {
			a->flushes++;
			memset(tlb, 0, sizeof(tlb));
		}
		if (tlb[r.id] & ~(1u << p))
			a->violations++;
		tlb[r.id] = (uint8_t)(tlb[r.id] | (1u << p));
	}
	return NULL;
}

static void test_two_threads_share_space(void **state)
{
	static struct vmid v[THR_PARTS];
	struct vmid_space s;
	struct thr_arg args[2];
	pthread_t t[2];
	pthread_barrier_t start;

	(void)state;
	memset(v, 0, sizeof(v));
	assert_int_equal(pthread_barrier_init(&start, NULL, 2), 0);
	assert_int_equal(vmid_space_init(&s, 2, 2), 0);
	for (unsigned i = 0; i < 2; i++) {
		args[i] = (struct thr_arg){
			.start = &start, .s = &s, .v = v, .cpu = i, .seed = 12345 + i};
		assert_int_equal(pthread_create(&t[i], NULL, thr_main, &args[i]), 0);
	}
	for (unsigned i = 0; i < 2; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	pthread_barrier_destroy(&start);

	assert_int_equal(args[0].bad_ids + args[1].bad_ids, 0);
	assert_int_equal(args[0].violations + args[1].violations, 0);
	assert_int_equal(args[0].rolled + args[1].rolled, s.rollovers);
	assert_true(s.rollovers > 100);
	for (unsigned i = 0; i < 2; i++) {
		/* Every rollover sets both bits; a CPU consumes at most one flush per rollover. */
		assert_true(args[i].flushes >= 1);
		assert_true(args[i].flushes <= s.rollovers);
	}
	/* Quiescent: current-generation ids are distinct, and a pending bit is consumed once. */
	for (unsigned i = 0; i < THR_PARTS; i++) {
		for (unsigned j = i + 1; j < THR_PARTS; j++) {
			if (vmid_is_current(&s, &v[i]) && vmid_is_current(&s, &v[j]))
				assert_int_not_equal(v[i].id, v[j].id);
		}
	}
	for (unsigned c = 0; c < 2; c++) {
		bool owed = s.flush_pending & (1u << c);

		assert_int_equal(vmid_get(&s, &v[0], c).flush_tlb, owed);
		assert_false(vmid_get(&s, &v[0], c).flush_tlb);
	}
	assert_int_equal(s.flush_pending, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_rejects_bad_arguments),
		cmocka_unit_test(test_allocation_order_and_fast_path),
		cmocka_unit_test(test_rollover_small_space),
		cmocka_unit_test(test_release_does_not_reuse_id),
		cmocka_unit_test(test_flush_flags_per_cpu),
		cmocka_unit_test(test_300_partitions_8bit),
		cmocka_unit_test(test_random_schedule_property),
		cmocka_unit_test(test_two_threads_share_space),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
