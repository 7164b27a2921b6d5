/* Host tests for hyp/mmio.c: HSR data-abort decode from hand-assembled syndromes of real
 * instructions and from every field combination, IPA assembly, load/store value conversion,
 * registry boundaries (plus a randomized check against a byte-ownership model) and dispatch.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hyp/mmio.h"

/* Field positions written out here rather than taken from mmio.c, so that a wrong shift in the
 * decoder cannot be mirrored by the test. The literal HSRs in decode_cases[] cross-check them
 * (test_hsr_builder_matches_literals). ARM ARM ARMv7 B3.13.6. */
#define T_EC_DABT_LOWER (0x24u << 26)
#define T_IL (1u << 25)
#define T_ISV (1u << 24)
#define T_SSE (1u << 21)
#define T_EA (1u << 9)
#define T_CM (1u << 8)
#define T_S1PTW (1u << 7)
#define T_WNR (1u << 6)
#define T_DFSC_TRANS_L1 0x05u
#define T_DFSC_TRANS_L3 0x07u

/* HPFAR for an IPA page: IPA[39:12] in bits [31:4]. */
#define T_HPFAR(ipa) ((uint32_t)(((uint64_t)(ipa) >> 12) << 4))

static uint32_t hsr_dabt(unsigned sas, bool sse, unsigned srt, bool wnr, unsigned dfsc)
{
	return T_EC_DABT_LOWER | T_IL | T_ISV | (sas << 22) | (sse ? T_SSE : 0) | (srt << 16) |
	       (wnr ? T_WNR : 0) | dfsc;
}

/* ------------------------------------------------------------------------------------------ */
/* Decode                                                                                     */

struct decode_case {
	const char *insn;
	uint32_t hsr;
	unsigned size;
	bool write;
	bool sign_extend;
	unsigned reg;
	bool il32;
};

/* Syndromes assembled by hand from the field layout, for accesses to an unmapped IPA (stage-2
 * translation fault) unless noted. EC 0x24, IL 1, ISV 1 = 0x93000000. */
static const struct decode_case decode_cases[] = {
	{"LDR r0, [r1]", 0x93800007, 4, false, false, 0, true},
	{"LDRB r3, [r4, #1]", 0x93030006, 1, false, false, 3, true},
	{"STRB r1, [r0]", 0x93010046, 1, true, false, 1, true},
	{"LDRH r4, [r0, #2]", 0x93440007, 2, false, false, 4, true},
	{"STRH r5, [r6]", 0x93450047, 2, true, false, 5, true},
	{"LDRSH r2, [r0]", 0x93620007, 2, false, true, 2, true},
	{"LDRSB r7, [r0]", 0x93270007, 1, false, true, 7, true},
	{"STR r12, [r0] (level 1)", 0x938c0045, 4, true, false, 12, true},
	{"LDR lr, [r0] (access flag)", 0x938e000b, 4, false, false, 14, true},
	{"STR r9, [r0] (permission)", 0x9389004f, 4, true, false, 9, true},
	{"Thumb LDRH r1, [r0] (16-bit)", 0x91410007, 2, false, false, 1, false},
	{"Thumb STRB r6, [r2] (16-bit)", 0x91060047, 1, true, false, 6, false},
	{"Thumb-2 LDRSB.W r8, [r0]", 0x93280007, 1, false, true, 8, true},
};

static void test_hsr_builder_matches_literals(void **state)
{
	(void)state;
	assert_int_equal(hsr_dabt(2, false, 0, false, T_DFSC_TRANS_L3), 0x93800007);
	assert_int_equal(hsr_dabt(1, true, 2, false, T_DFSC_TRANS_L3), 0x93620007);
	assert_int_equal(hsr_dabt(1, false, 5, true, T_DFSC_TRANS_L3), 0x93450047);
	assert_int_equal(hsr_dabt(2, false, 12, true, T_DFSC_TRANS_L1), 0x938c0045);
}

static void test_decode_real_instructions(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(decode_cases); i++) {
		const struct decode_case *c = &decode_cases[i];
		struct mmio_access a;

		print_message("  %s\n", c->insn);
		assert_int_equal(mmio_decode(c->hsr, 0x80000abc, 0x001c0900, &a), 0);
		assert_int_equal(a.ipa, 0x1c090abc);
		assert_int_equal(a.size, c->size);
		assert_int_equal(a.write, c->write);
		assert_int_equal(a.sign_extend, c->sign_extend);
		assert_int_equal(a.reg, c->reg);
		assert_int_equal(a.il32, c->il32);
	}
}

/* Every SAS (byte, halfword, word) x SSE x SRT r0..r14 x WnR x IL. */
static void test_decode_all_field_combinations(void **state)
{
	static const unsigned sizes[] = {1, 2, 4};
	unsigned n = 0;

	(void)state;
	for (unsigned sas = 0; sas < 3; sas++) {
		for (unsigned sse = 0; sse < 2; sse++) {
			for (unsigned srt = 0; srt < 15; srt++) {
				for (unsigned wnr = 0; wnr < 2; wnr++) {
					for (unsigned il = 0; il < 2; il++) {
						uint32_t hsr = hsr_dabt(sas, sse, srt, wnr,
									T_DFSC_TRANS_L3);
						struct mmio_access a;

						if (!il)
							hsr &= ~T_IL;
						assert_int_equal(mmio_decode(hsr, 0, 0, &a), 0);
						assert_int_equal(a.size, sizes[sas]);
						assert_int_equal(a.reg, srt);
						assert_int_equal(a.write, wnr);
						/* Only loads narrower than 32 bits extend. */
						assert_int_equal(a.sign_extend,
								 sse && !wnr && sas < 2);
						assert_int_equal(a.il32, il);
						n++;
					}
				}
			}
		}
	}
	assert_int_equal(n, 3 * 2 * 15 * 2 * 2);
}

static void test_decode_without_syndrome_reports_ipa(void **state)
{
	/* LDM r0, {r1-r4}, STM and LDRD to an unmapped IPA: ISV 0, ISS [23:16] UNKNOWN (here set
	 * to junk to show it is ignored). */
	static const uint32_t hsrs[] = {0x92000007, 0x92000047, 0x92ff0006};
	struct mmio_access a;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(hsrs); i++) {
		memset(&a, 0xa5, sizeof(a));
		assert_int_equal(mmio_decode(hsrs[i], 0xc0001ff8, 0x00fee000, &a), -ENOSYS);
		assert_int_equal(a.ipa, 0xfee00ff8);
	}
}

static void test_decode_rejects_reserved_size_and_pc(void **state)
{
	struct mmio_access a;

	(void)state;
	/* SAS 0b11: no doubleword syndrome in ARMv7. */
	assert_int_equal(mmio_decode(0x93c00007, 0x10, T_HPFAR(0x9000000), &a), -EINVAL);
	assert_int_equal(a.ipa, 0x9000010);
	assert_int_equal(mmio_decode(0x93c00047, 0, 0, &a), -EINVAL);
	/* Rt == pc, load and store. */
	assert_int_equal(mmio_decode(0x938f0007, 0, 0, &a), -EINVAL);
	assert_int_equal(mmio_decode(0x938f0047, 0, 0, &a), -EINVAL);
	/* r14 is the last one accepted. */
	assert_int_equal(mmio_decode(0x938e0007, 0, 0, &a), 0);
}

static void test_decode_rejects_non_emulatable_faults(void **state)
{
	const uint32_t ldr_r0 = 0x93800000; /* LDR r0 syndrome with no DFSC */
	struct mmio_access a;

	(void)state;
	/* External abort (EA) on an otherwise emulatable fault, and a plain synchronous external
	 * abort, which a device that exists in hardware raises. */
	assert_int_equal(mmio_decode(ldr_r0 | T_EA | T_DFSC_TRANS_L3, 0, 0, &a), -EINVAL);
	assert_int_equal(mmio_decode(ldr_r0 | T_EA | 0x10, 0, 0, &a), -EINVAL);
	assert_int_equal(mmio_decode(ldr_r0 | 0x10, 0, 0, &a), -EINVAL);
	/* DC CIMVAC on an unmapped IPA: CM set (WnR reads 1). */
	assert_int_equal(mmio_decode(ldr_r0 | T_CM | T_WNR | T_DFSC_TRANS_L3, 0, 0, &a), -EINVAL);
	/* Stage-2 fault on the guest's own table walk. */
	assert_int_equal(mmio_decode(ldr_r0 | T_S1PTW | T_DFSC_TRANS_L3, 0, 0, &a), -EINVAL);
	/* Even with ISV clear, EA wins over -ENOSYS. */
	assert_int_equal(mmio_decode(0x92000207, 0, 0, &a), -EINVAL);

	/* DFSC: only translation / access flag / permission at levels 1..3 are emulatable. */
	for (unsigned dfsc = 0; dfsc < 64; dfsc++) {
		unsigned cls = dfsc >> 2, ll = dfsc & 3;
		bool ok = ll != 0 && (cls == 1 || cls == 2 || cls == 3);

		assert_int_equal(mmio_decode(ldr_r0 | dfsc, 0, 0, &a), ok ? 0 : -EINVAL);
	}
}

static void test_decode_ipa_assembly(void **state)
{
	static const struct {
		uint32_t hdfar, hpfar;
		uint64_t ipa;
	} cases[] = {
		{0x00000000, 0x00000000, 0x0},
		{0x80000abc, 0x001c0900, 0x1c090abc},
		/* HDFAR bits above 11 are the guest VA, not the IPA; HPFAR [3:0] are reserved. */
		{0xfffff123, 0x0000002f, 0x00002123},
		/* 40-bit IPA: FIPA IPA[39:12] fills HPFAR[31:4]. */
		{0x00000fff, 0xfffffff0, 0xffffffffffull},
		{0x00000004, 0x80000010, 0x8000001004ull},
		{0x12345678, T_HPFAR(0x4200000000ull), 0x4200000678ull},
	};
	struct mmio_access a;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		assert_int_equal(mmio_decode(0x93800007, cases[i].hdfar, cases[i].hpfar, &a), 0);
		assert_int_equal(a.ipa, cases[i].ipa);
	}
}

static void test_dfsc_names(void **state)
{
	(void)state;
	assert_string_equal(mmio_dfsc_name(0x05), "translation fault level 1");
	assert_string_equal(mmio_dfsc_name(0x06), "translation fault level 2");
	assert_string_equal(mmio_dfsc_name(0x07), "translation fault level 3");
	assert_string_equal(mmio_dfsc_name(0x0a), "access flag fault level 2");
	assert_string_equal(mmio_dfsc_name(0x0f), "permission fault level 3");
	assert_string_equal(mmio_dfsc_name(0x10), "synchronous external abort");
	assert_string_equal(mmio_dfsc_name(0x16),
			    "synchronous external abort on table walk level 2");
	assert_string_equal(mmio_dfsc_name(0x21), "alignment fault");
	assert_string_equal(mmio_dfsc_name(0x3d), "domain fault level 1");
	/* Level 0 and unassigned codes. */
	assert_string_equal(mmio_dfsc_name(0x04), "reserved fault status");
	assert_string_equal(mmio_dfsc_name(0x3f), "reserved fault status");
	/* Only DFSC bits are looked at: a whole HSR gives the name of its DFSC. */
	assert_string_equal(mmio_dfsc_name(0x93800007), "translation fault level 3");
	for (unsigned d = 0; d < 64; d++)
		assert_non_null(mmio_dfsc_name(d));
}

/* ------------------------------------------------------------------------------------------ */
/* Values                                                                                     */

static void test_load_value_table(void **state)
{
	static const struct {
		unsigned size;
		bool sext;
		uint32_t raw, want;
	} cases[] = {
		{1, false, 0x00000000, 0x00000000},
		{1, false, 0xdeadbe7f, 0x0000007f},
		{1, false, 0x12345680, 0x00000080},
		{1, false, 0xffffffff, 0x000000ff},
		{1, true, 0x0000007f, 0x0000007f},
		{1, true, 0x00000080, 0xffffff80},
		{1, true, 0xffffff00, 0x00000000},
		{1, true, 0x123456ff, 0xffffffff},
		{2, false, 0xdead7fff, 0x00007fff},
		{2, false, 0x12348000, 0x00008000},
		{2, true, 0xffff7fff, 0x00007fff},
		{2, true, 0x00008000, 0xffff8000},
		{2, true, 0x0000ffff, 0xffffffff},
		{2, true, 0x12340001, 0x00000001},
		{4, false, 0x80000000, 0x80000000},
		{4, false, 0xdeadbeef, 0xdeadbeef},
		/* sign_extend on a word (never produced by mmio_decode) changes nothing. */
		{4, true, 0x80000000, 0x80000000},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct mmio_access a = {.size = cases[i].size, .sign_extend = cases[i].sext};

		assert_int_equal(mmio_load_value(&a, cases[i].raw), cases[i].want);
	}
}

static void test_store_value_table(void **state)
{
	static const struct {
		unsigned size;
		uint32_t reg, want;
	} cases[] = {
		{1, 0xdeadbeef, 0x000000ef}, {1, 0xffffff80, 0x00000080},
		{1, 0x00000100, 0x00000000}, {2, 0xdeadbeef, 0x0000beef},
		{2, 0xffff8000, 0x00008000}, {2, 0x00010000, 0x00000000},
		{4, 0xdeadbeef, 0xdeadbeef}, {4, 0xffffffff, 0xffffffff},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		/* A store never sign-extends, even if the flag were set. */
		struct mmio_access a = {.size = cases[i].size, .write = true, .sign_extend = true};

		assert_int_equal(mmio_store_value(&a, cases[i].reg), cases[i].want);
	}
}

/* ------------------------------------------------------------------------------------------ */
/* Registry                                                                                   */

struct fake_dev {
	unsigned reads, writes;
	uint64_t offset;
	unsigned size;
	uint32_t written;
	uint32_t read_value; /* what a read returns */
	int ret;	     /* what both callbacks return */
};

static int fake_read(void *dev, uint64_t offset, unsigned size, uint32_t *val)
{
	struct fake_dev *d = dev;

	d->reads++;
	d->offset = offset;
	d->size = size;
	if (d->ret == 0)
		*val = d->read_value;
	return d->ret;
}

static int fake_write(void *dev, uint64_t offset, unsigned size, uint32_t val)
{
	struct fake_dev *d = dev;

	d->writes++;
	d->offset = offset;
	d->size = size;
	d->written = val;
	return d->ret;
}

static struct mmio_region region(uint64_t base, uint64_t size, void *dev)
{
	return (struct mmio_region){.base = base,
				    .size = size,
				    .read = fake_read,
				    .write = fake_write,
				    .dev = dev,
				    .name = "fake"};
}

static int reg(struct mmio_bus *bus, uint64_t base, uint64_t size)
{
	struct mmio_region r = region(base, size, NULL);

	return mmio_register(bus, &r);
}

static void test_register_rejects_invalid_ranges(void **state)
{
	struct mmio_bus bus = {0};

	(void)state;
	assert_int_equal(reg(&bus, 0x1000, 0), -EINVAL);
	assert_int_equal(reg(&bus, UINT64_MAX - 0xfff, 0x2000), -EINVAL); /* wraps */
	assert_int_equal(reg(&bus, UINT64_MAX, 1), -EINVAL);
	assert_int_equal(reg(&bus, 0xfffffff000ull, 0x2000), -EINVAL); /* ends past 2^40 */
	assert_int_equal(reg(&bus, 0x10000000000ull, 0x1000), -EINVAL);
	assert_int_equal(bus.nr, 0);

	/* The last page below 2^40 and the very first byte are fine. */
	assert_int_equal(reg(&bus, 0xfffffff000ull, 0x1000), 0);
	assert_int_equal(reg(&bus, 0, 1), 0);
	assert_int_equal(bus.nr, 2);
}

static void test_register_rejects_overlap(void **state)
{
	struct mmio_bus bus = {0};
	struct fake_dev d = {0};
	struct mmio_region r = region(0x8000000, 0x10000, &d);

	(void)state;
	assert_int_equal(mmio_register(&bus, &r), 0);
	assert_int_equal(bus.nr, 1);
	assert_int_equal(bus.regions[0].base, 0x8000000);
	assert_int_equal(bus.regions[0].size, 0x10000);
	assert_ptr_equal(bus.regions[0].dev, &d);

	assert_int_equal(reg(&bus, 0x8000000, 0x10000), -EEXIST);   /* same */
	assert_int_equal(reg(&bus, 0x7fff000, 0x1001), -EEXIST);    /* covers the first byte */
	assert_int_equal(reg(&bus, 0x800ffff, 0x1000), -EEXIST);    /* covers the last byte */
	assert_int_equal(reg(&bus, 0x8004000, 0x100), -EEXIST);	    /* inside */
	assert_int_equal(reg(&bus, 0x7000000, 0x2000000), -EEXIST); /* around */
	assert_int_equal(bus.nr, 1);

	/* Adjacent on both sides is not an overlap. */
	assert_int_equal(reg(&bus, 0x7fff000, 0x1000), 0);
	assert_int_equal(reg(&bus, 0x8010000, 0x1000), 0);
	assert_int_equal(bus.nr, 3);
}

static void test_register_full(void **state)
{
	struct mmio_bus bus = {0};

	(void)state;
	for (unsigned i = 0; i < MMIO_MAX_REGIONS; i++)
		assert_int_equal(reg(&bus, 0x1000 * (uint64_t)i, 0x1000), 0);
	assert_int_equal(bus.nr, MMIO_MAX_REGIONS);

	assert_int_equal(reg(&bus, 0x100000, 0x1000), -ENOSPC);
	/* Overlap is reported before fullness: it names the real conflict. */
	assert_int_equal(reg(&bus, 0x0, 0x1000), -EEXIST);
	assert_int_equal(reg(&bus, 0x100000, 0), -EINVAL);
	assert_int_equal(bus.nr, MMIO_MAX_REGIONS);
	for (unsigned i = 0; i < MMIO_MAX_REGIONS; i++)
		assert_int_equal(bus.regions[i].base, 0x1000 * (uint64_t)i);
}

static void test_find_boundaries(void **state)
{
	struct mmio_bus bus = {0};
	const struct mmio_region *a, *b;

	(void)state;
	assert_null(mmio_find(&bus, 0, 1)); /* empty bus */
	assert_int_equal(reg(&bus, 0x1000, 0x100), 0);
	assert_int_equal(reg(&bus, 0x2000, 0x1000), 0);
	a = &bus.regions[0];
	b = &bus.regions[1];

	assert_ptr_equal(mmio_find(&bus, 0x1000, 4), a); /* first word */
	assert_ptr_equal(mmio_find(&bus, 0x10fc, 4), a); /* last word */
	assert_ptr_equal(mmio_find(&bus, 0x10ff, 1), a); /* last byte */
	assert_ptr_equal(mmio_find(&bus, 0x10fe, 2), a);
	assert_null(mmio_find(&bus, 0x10fd, 4)); /* straddles the end */
	assert_null(mmio_find(&bus, 0x10ff, 2));
	assert_null(mmio_find(&bus, 0x0ffe, 4)); /* straddles the start */
	assert_null(mmio_find(&bus, 0x0fff, 1)); /* just below */
	assert_null(mmio_find(&bus, 0x1100, 1)); /* just above */
	assert_null(mmio_find(&bus, 0x1800, 4)); /* gap */

	assert_ptr_equal(mmio_find(&bus, 0x2000, 1), b);
	assert_ptr_equal(mmio_find(&bus, 0x2ffc, 4), b);
	assert_null(mmio_find(&bus, 0x2ffe, 4));
	assert_null(mmio_find(&bus, 0x3000, 1));

	/* IPAs far above any region, up to the top of the 64-bit range, never wrap into a
	 * match. */
	assert_null(mmio_find(&bus, UINT64_MAX, 4));
	assert_null(mmio_find(&bus, UINT64_MAX - 0xeff, 4));
}

static void test_find_region_ending_at_ipa_limit(void **state)
{
	struct mmio_bus bus = {0};

	(void)state;
	assert_int_equal(reg(&bus, 0xfffffff000ull, 0x1000), 0);
	assert_ptr_equal(mmio_find(&bus, 0xfffffffffcull, 4), &bus.regions[0]);
	assert_ptr_equal(mmio_find(&bus, 0xffffffffffull, 1), &bus.regions[0]);
	assert_null(mmio_find(&bus, 0xfffffffffeull, 4));
	assert_null(mmio_find(&bus, 0x10000000000ull, 1));
}

/* xorshift64*: deterministic across hosts, unlike rand(). */
static uint64_t rng_next(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

/* Random registrations in a 256-byte IPA window against a model that records, per byte, which
 * region owns it; then every (ipa, size) lookup is compared with the model. */
static void test_registry_randomized_against_model(void **state)
{
	enum { SPACE = 256, ROUNDS = 300, ATTEMPTS = 16 };
	static const unsigned sizes[] = {1, 2, 4};
	uint64_t rng = 0x6d6d696f;

	(void)state;
	for (unsigned round = 0; round < ROUNDS; round++) {
		struct mmio_bus bus = {0};
		int owner[SPACE];

		memset(owner, 0xff, sizeof(owner)); /* -1: no owner */

		for (unsigned t = 0; t < ATTEMPTS; t++) {
			uint64_t base = rng_next(&rng) % SPACE;
			uint64_t size = 1 + rng_next(&rng) % 24;
			bool clash = false;
			int want, got;

			if (base + size > SPACE)
				size = SPACE - base;
			for (uint64_t x = base; x < base + size; x++)
				clash |= owner[x] >= 0;
			want = clash ? -EEXIST : bus.nr == MMIO_MAX_REGIONS ? -ENOSPC : 0;
			got = reg(&bus, base, size);
			assert_int_equal(got, want);
			if (got == 0) {
				for (uint64_t x = base; x < base + size; x++)
					owner[x] = (int)bus.nr - 1;
			}
		}

		for (uint64_t ipa = 0; ipa < SPACE; ipa++) {
			for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
				const struct mmio_region *r = mmio_find(&bus, ipa, sizes[s]);
				int o = owner[ipa];

				for (unsigned k = 1; k < sizes[s]; k++) {
					if (ipa + k >= SPACE || owner[ipa + k] != o)
						o = -1;
				}
				if (o < 0)
					assert_null(r);
				else
					assert_ptr_equal(r, &bus.regions[o]);
			}
		}
	}
}

/* ------------------------------------------------------------------------------------------ */
/* Dispatch                                                                                   */

struct two_devs {
	struct mmio_bus bus;
	struct fake_dev uart, gicd;
};

static void two_devs_init(struct two_devs *t)
{
	struct mmio_region uart, gicd;

	memset(t, 0, sizeof(*t));
	uart = region(0x9000000, 0x1000, &t->uart);
	gicd = region(0x8000000, 0x10000, &t->gicd);
	assert_int_equal(mmio_register(&t->bus, &uart), 0);
	assert_int_equal(mmio_register(&t->bus, &gicd), 0);
}

static void test_dispatch_read(void **state)
{
	struct two_devs t;
	struct mmio_access a;
	uint32_t v = 0x55555555;

	(void)state;
	two_devs_init(&t);
	t.gicd.read_value = 0xabcd8001;

	/* LDRSH r2 at GICD + 0x402. */
	assert_int_equal(mmio_decode(0x93620007, 0xc0000402, T_HPFAR(0x8000000), &a), 0);
	assert_int_equal(mmio_dispatch(&t.bus, &a, &v), 0);
	assert_int_equal(t.gicd.reads, 1);
	assert_int_equal(t.gicd.writes, 0);
	assert_int_equal(t.gicd.offset, 0x402);
	assert_int_equal(t.gicd.size, 2);
	assert_int_equal(v, 0xffff8001);
	assert_int_equal(t.uart.reads + t.uart.writes, 0);

	/* LDRB r3 at UART + 0x18 (flag register): zero-extended. */
	t.uart.read_value = 0xffffff90;
	assert_int_equal(mmio_decode(0x93030006, 0xf0001018, T_HPFAR(0x9000000), &a), 0);
	assert_int_equal(mmio_dispatch(&t.bus, &a, &v), 0);
	assert_int_equal(t.uart.reads, 1);
	assert_int_equal(t.uart.offset, 0x18);
	assert_int_equal(t.uart.size, 1);
	assert_int_equal(v, 0x90);
	assert_int_equal(t.gicd.reads, 1);
}

static void test_dispatch_write(void **state)
{
	struct two_devs t;
	struct mmio_access a;
	uint32_t v = 0xdeadbe41;

	(void)state;
	two_devs_init(&t);

	/* STRB r1 at UART + 0x000 (data register): only the low byte reaches the device. */
	assert_int_equal(mmio_decode(0x93010046, 0x40000000, T_HPFAR(0x9000000), &a), 0);
	assert_int_equal(mmio_dispatch(&t.bus, &a, &v), 0);
	assert_int_equal(t.uart.writes, 1);
	assert_int_equal(t.uart.reads, 0);
	assert_int_equal(t.uart.offset, 0);
	assert_int_equal(t.uart.size, 1);
	assert_int_equal(t.uart.written, 0x41);
	assert_int_equal(v, 0xdeadbe41); /* the register is not touched by a store */

	/* STR r9 at the last word of the GICD window. */
	v = 0x80000001;
	assert_int_equal(mmio_decode(0x9389004f, 0xffc, T_HPFAR(0x800f000), &a), 0);
	assert_int_equal(mmio_dispatch(&t.bus, &a, &v), 0);
	assert_int_equal(t.gicd.writes, 1);
	assert_int_equal(t.gicd.offset, 0xfffc);
	assert_int_equal(t.gicd.size, 4);
	assert_int_equal(t.gicd.written, 0x80000001);
	assert_int_equal(t.uart.writes, 1);
}

static void test_dispatch_misses_and_errors(void **state)
{
	struct two_devs t;
	struct mmio_access a = {.size = 4};
	uint32_t v = 0x12345678;

	(void)state;
	two_devs_init(&t);

	/* Nothing there. */
	a.ipa = 0xa000000;
	assert_int_equal(mmio_dispatch(&t.bus, &a, &v), -ENOENT);
	/* A halfword at the last byte of the UART window straddles its end. */
	a = (struct mmio_access){.ipa = 0x9000fff, .size = 2};
	assert_int_equal(mmio_dispatch(&t.bus, &a, &v), -ENOENT);
	/* Inside, but not naturally aligned. */
	a = (struct mmio_access){.ipa = 0x9000002, .size = 4};
	assert_int_equal(mmio_dispatch(&t.bus, &a, &v), -EINVAL);
	a = (struct mmio_access){.ipa = 0x9000001, .size = 2, .write = true};
	assert_int_equal(mmio_dispatch(&t.bus, &a, &v), -EINVAL);
	assert_int_equal(t.uart.reads + t.uart.writes + t.gicd.reads + t.gicd.writes, 0);
	assert_int_equal(v, 0x12345678);

	/* A device error comes back as is, and a failed read leaves *regval alone. */
	t.uart.ret = -EIO;
	t.uart.read_value = 0xffffffff;
	a = (struct mmio_access){.ipa = 0x9000004, .size = 4};
	assert_int_equal(mmio_dispatch(&t.bus, &a, &v), -EIO);
	assert_int_equal(t.uart.reads, 1);
	assert_int_equal(v, 0x12345678);
	a.write = true;
	assert_int_equal(mmio_dispatch(&t.bus, &a, &v), -EIO);
	assert_int_equal(t.uart.writes, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hsr_builder_matches_literals),
		cmocka_unit_test(test_decode_real_instructions),
		cmocka_unit_test(test_decode_all_field_combinations),
		cmocka_unit_test(test_decode_without_syndrome_reports_ipa),
		cmocka_unit_test(test_decode_rejects_reserved_size_and_pc),
		cmocka_unit_test(test_decode_rejects_non_emulatable_faults),
		cmocka_unit_test(test_decode_ipa_assembly),
		cmocka_unit_test(test_dfsc_names),
		cmocka_unit_test(test_load_value_table),
		cmocka_unit_test(test_store_value_table),
		cmocka_unit_test(test_register_rejects_invalid_ranges),
		cmocka_unit_test(test_register_rejects_overlap),
		cmocka_unit_test(test_register_full),
		cmocka_unit_test(test_find_boundaries),
		cmocka_unit_test(test_find_region_ending_at_ipa_limit),
		cmocka_unit_test(test_registry_randomized_against_model),
		cmocka_unit_test(test_dispatch_read),
		cmocka_unit_test(test_dispatch_write),
		cmocka_unit_test(test_dispatch_misses_and_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
