/* Host tests for hyp/vgic_dist.c: GICD reset values, TYPER/IIDR/ID registers, access sizes per
 * register class, reserved offsets, SGI/PPI banking, SGIR filters and SGI source tracking, SPI
 * ownership, pick ordering and in-flight rules, lr_done transitions, level vs edge, the exact
 * kick/spi_hw events, and a randomized run against a reference model of the interrupt state.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hyp/vgic_dist.h"

/* Offsets written out here (GICv2 Table 4-1) rather than taken from vgic_dist.c, so a wrong
 * offset in the model cannot be mirrored by the test. */
#define T_CTLR 0x000u
#define T_TYPER 0x004u
#define T_IIDR 0x008u
#define T_IGROUPR 0x080u
#define T_ISENABLER 0x100u
#define T_ICENABLER 0x180u
#define T_ISPENDR 0x200u
#define T_ICPENDR 0x280u
#define T_ISACTIVER 0x300u
#define T_ICACTIVER 0x380u
#define T_IPRIORITYR 0x400u
#define T_ITARGETSR 0x800u
#define T_ICFGR 0xc00u
#define T_NSACR 0xe00u
#define T_SGIR 0xf00u
#define T_CPENDSGIR 0xf10u
#define T_SPENDSGIR 0xf20u
#define T_ICPIDR2 0xfe8u

#define SGIR(filter, list, sgi) (((uint32_t)(filter) << 24) | ((uint32_t)(list) << 16) | (sgi))

/* ------------------------------------------------------------------------------------------ */
/* Event recording                                                                            */

struct hw_event {
	unsigned intid;
	bool enabled;
	uint8_t mask;
};

struct events {
	unsigned kick[VGIC_MAX_VCPUS]; /* calls per vCPU */
	unsigned kick_order[64];       /* vCPUs in call order */
	unsigned nr_kicks;
	struct hw_event hw[256];
	unsigned nr_hw;
};

static void ev_kick(void *ctx, unsigned vcpu)
{
	struct events *ev = ctx;

	assert_true(vcpu < VGIC_MAX_VCPUS);
	ev->kick[vcpu]++;
	if (ev->nr_kicks < ARRAY_SIZE(ev->kick_order))
		ev->kick_order[ev->nr_kicks] = vcpu;
	ev->nr_kicks++;
}

static void ev_spi_hw(void *ctx, unsigned intid, bool enabled, uint8_t mask)
{
	struct events *ev = ctx;

	assert_true(ev->nr_hw < ARRAY_SIZE(ev->hw));
	ev->hw[ev->nr_hw++] = (struct hw_event){intid, enabled, mask};
}

static const struct vgic_dist_ops ev_ops = {ev_kick, ev_spi_hw};

static void ev_reset(struct events *ev)
{
	memset(ev, 0, sizeof(*ev));
}

static void assert_hw(const struct events *ev, unsigned i, unsigned intid, bool enabled,
		      uint8_t mask)
{
	assert_true(i < ev->nr_hw);
	assert_int_equal(ev->hw[i].intid, intid);
	assert_int_equal(ev->hw[i].enabled, enabled);
	assert_int_equal(ev->hw[i].mask, mask);
}

/* ------------------------------------------------------------------------------------------ */
/* Helpers                                                                                    */

static uint32_t all_owned[VGIC_NR_GROUPS] = {
	0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff,
	0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff,
	0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff,
	0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff,
	0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff,
};

static void setup(struct vgic_dist *d, struct events *ev, unsigned nr_vcpus, unsigned nr_lines,
		  const uint32_t *owned)
{
	ev_reset(ev);
	assert_int_equal(vgic_dist_init(d, nr_vcpus, nr_lines, owned, &ev_ops, ev), 0);
}

static uint32_t rd(struct vgic_dist *d, unsigned vcpu, uint32_t off, unsigned size)
{
	uint32_t val = 0xdeadbeef;

	assert_int_equal(vgic_dist_mmio_read(d, vcpu, off, size, &val), 0);
	return val;
}

static void wr(struct vgic_dist *d, unsigned vcpu, uint32_t off, unsigned size, uint32_t val)
{
	assert_int_equal(vgic_dist_mmio_write(d, vcpu, off, size, val), 0);
}

static uint32_t rd32(struct vgic_dist *d, unsigned vcpu, uint32_t off)
{
	return rd(d, vcpu, off, 4);
}

static void wr32(struct vgic_dist *d, unsigned vcpu, uint32_t off, uint32_t val)
{
	wr(d, vcpu, off, 4, val);
}

/* Bitmap register word holding intid, and the bit. */
#define REG_OF(base, intid) ((base) + 4 * ((intid) / 32))
#define BIT_OF(intid) (1u << ((intid) % 32))

static bool is_pending(struct vgic_dist *d, unsigned vcpu, unsigned intid)
{
	return rd32(d, vcpu, REG_OF(T_ISPENDR, intid)) & BIT_OF(intid);
}

static bool is_active(struct vgic_dist *d, unsigned vcpu, unsigned intid)
{
	return rd32(d, vcpu, REG_OF(T_ISACTIVER, intid)) & BIT_OF(intid);
}

static void enable_irq(struct vgic_dist *d, unsigned vcpu, unsigned intid)
{
	wr32(d, vcpu, REG_OF(T_ISENABLER, intid), BIT_OF(intid));
}

static void set_prio(struct vgic_dist *d, unsigned vcpu, unsigned intid, uint8_t prio)
{
	wr(d, vcpu, T_IPRIORITYR + intid, 1, prio);
}

static void set_targets(struct vgic_dist *d, unsigned intid, uint8_t mask)
{
	wr(d, 0, T_ITARGETSR + intid, 1, mask);
}

static void set_edge(struct vgic_dist *d, unsigned intid)
{
	uint32_t off = T_ICFGR + 4 * (intid / 16);

	wr32(d, 0, off, rd32(d, 0, off) | 2u << (2 * (intid % 16)));
}

static unsigned pick(struct vgic_dist *d, unsigned vcpu, struct vgic_pick *out, unsigned max)
{
	return vgic_dist_pick(d, vcpu, out, max);
}

/* Picks exactly one interrupt for vcpu and checks it is intid. */
static void pick_one(struct vgic_dist *d, unsigned vcpu, unsigned intid)
{
	struct vgic_pick p[4];

	assert_int_equal(pick(d, vcpu, p, 4), 1);
	assert_int_equal(p[0].intid, intid);
}

static void pick_none(struct vgic_dist *d, unsigned vcpu)
{
	struct vgic_pick p[4];

	assert_int_equal(pick(d, vcpu, p, 4), 0);
}

/* ------------------------------------------------------------------------------------------ */
/* Initialisation, reset values, identification                                               */

static void test_init_rejects_bad_arguments(void **state)
{
	static const struct {
		unsigned vcpus, lines;
		bool bitmap;
	} bad[] = {
		{0, 32, true}, {9, 32, true},	{1, 0, true},	{1, 16, true},
		{1, 48, true}, {1, 1056, true}, {2, 64, false}, {1, 1025, true},
	};
	struct vgic_dist d;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		memset(&d, 0xa5, sizeof(d));
		assert_int_equal(vgic_dist_init(&d, bad[i].vcpus, bad[i].lines,
						bad[i].bitmap ? all_owned : NULL, NULL, NULL),
				 -EINVAL);
		assert_int_equal(d.nr_vcpus, 0xa5a5a5a5u); /* untouched */
	}
	assert_int_equal(vgic_dist_init(&d, 1, 32, NULL, NULL, NULL), 0);
	assert_int_equal(vgic_dist_init(&d, 8, 1024, all_owned, NULL, NULL), 0);
	/* No ops: events are simply not reported. */
	wr32(&d, 0, T_CTLR, 1);
	wr32(&d, 0, T_ISENABLER + 4, 1);
	set_targets(&d, 32, 0x80);
	assert_int_equal(vgic_dist_set_pending(&d, 0, 32, false), 0);
	pick_none(&d, 0);
	pick_one(&d, 7, 32);
	set_targets(&d, 33, 0x01);
	wr32(&d, 0, T_ISENABLER + 4, 2);
	assert_int_equal(vgic_dist_set_pending(&d, 0, 33, false), 0);
	pick_one(&d, 0, 33);
}

static void test_reset_values(void **state)
{
	struct vgic_dist d;
	struct events ev;

	(void)state;
	setup(&d, &ev, 2, 64, all_owned);
	for (unsigned v = 0; v < 2; v++) {
		assert_int_equal(rd32(&d, v, T_CTLR), 0);
		assert_int_equal(rd32(&d, v, T_ISENABLER), 0x0000ffff); /* SGIs always enabled */
		assert_int_equal(rd32(&d, v, T_ICENABLER), 0x0000ffff);
		assert_int_equal(rd32(&d, v, T_ISENABLER + 4), 0);
		assert_int_equal(rd32(&d, v, T_ICENABLER + 4), 0);
		for (unsigned n = 0; n < 2; n++) {
			assert_int_equal(rd32(&d, v, T_ISPENDR + 4 * n), 0);
			assert_int_equal(rd32(&d, v, T_ICPENDR + 4 * n), 0);
			assert_int_equal(rd32(&d, v, T_ISACTIVER + 4 * n), 0);
			assert_int_equal(rd32(&d, v, T_ICACTIVER + 4 * n), 0);
		}
		for (unsigned n = 0; n < 16; n++)
			assert_int_equal(rd32(&d, v, T_IPRIORITYR + 4 * n), 0);
		for (unsigned n = 0; n < 8; n++) /* ITARGETSR0-7: the reader's own bit */
			assert_int_equal(rd32(&d, v, T_ITARGETSR + 4 * n), 0x01010101u << v);
		for (unsigned n = 8; n < 16; n++)
			assert_int_equal(rd32(&d, v, T_ITARGETSR + 4 * n), 0);
		assert_int_equal(rd32(&d, v, T_ICFGR), 0xaaaaaaaa);
		assert_int_equal(rd32(&d, v, T_ICFGR + 4), 0);
		assert_int_equal(rd32(&d, v, T_ICFGR + 8), 0);
		assert_int_equal(rd32(&d, v, T_ICFGR + 12), 0);
		for (unsigned n = 0; n < 4; n++) {
			assert_int_equal(rd32(&d, v, T_SPENDSGIR + 4 * n), 0);
			assert_int_equal(rd32(&d, v, T_CPENDSGIR + 4 * n), 0);
		}
		assert_int_equal(rd32(&d, v, T_SGIR), 0); /* write-only */
		assert_false(vgic_dist_has_deliverable(&d, v));
	}
	assert_int_equal(ev.nr_kicks, 0);
	assert_int_equal(ev.nr_hw, 0);
}

static void test_typer_iidr_id(void **state)
{
	static const struct {
		unsigned vcpus, lines;
		uint32_t typer;
	} cases[] = {
		{1, 32, 0x00000000},   {2, 64, 0x00000021},  {4, 96, 0x00000062},
		{8, 1024, 0x000000ff}, {3, 512, 0x0000004f},
	};
	static const uint32_t id[12] = {0x04, 0, 0, 0, 0, 0xb0, 0x2b, 0, 0x0d, 0xf0, 0x05, 0xb1};
	struct vgic_dist d;
	struct events ev;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		setup(&d, &ev, cases[i].vcpus, cases[i].lines, all_owned);
		assert_int_equal(rd32(&d, 0, T_TYPER), cases[i].typer);
	}
	assert_int_equal(rd32(&d, 0, T_IIDR), 0x4200043b);
	for (unsigned n = 0; n < 12; n++)
		assert_int_equal(rd32(&d, 0, 0xfd0 + 4 * n), id[n]);
	assert_int_equal((rd32(&d, 0, T_ICPIDR2) >> 4) & 0xf, 2); /* ArchRev: GICv2 */
	/* Read-only: writes change nothing. */
	wr32(&d, 0, T_TYPER, 0);
	wr32(&d, 0, T_IIDR, 0);
	wr32(&d, 0, T_ICPIDR2, 0);
	assert_int_equal(rd32(&d, 0, T_TYPER), 0x4f);
	assert_int_equal(rd32(&d, 0, T_IIDR), 0x4200043b);
	assert_int_equal(rd32(&d, 0, T_ICPIDR2), 0x2b);
}

/* ------------------------------------------------------------------------------------------ */
/* Access sizes and reserved offsets                                                          */

static void test_access_sizes_word_only(void **state)
{
	struct vgic_dist d;
	struct events ev;

	(void)state;
	setup(&d, &ev, 2, 64, all_owned);

	/* CTLR: byte and halfword writes ignored, reads 0. */
	wr(&d, 0, T_CTLR, 1, 1);
	wr(&d, 0, T_CTLR, 2, 1);
	assert_int_equal(rd32(&d, 0, T_CTLR), 0);
	wr32(&d, 0, T_CTLR, 1);
	assert_int_equal(rd32(&d, 0, T_CTLR), 1);
	assert_int_equal(rd(&d, 0, T_CTLR, 1), 0);
	assert_int_equal(rd(&d, 0, T_CTLR, 2), 0);
	assert_int_equal(rd(&d, 0, T_TYPER, 1), 0);
	assert_int_equal(rd(&d, 0, T_TYPER + 2, 2), 0);
	assert_int_equal(rd(&d, 0, T_IIDR, 1), 0);

	/* Bitmap registers. */
	static const uint32_t bitmaps[] = {T_ISENABLER, T_ISPENDR, T_ISACTIVER};
	for (size_t i = 0; i < ARRAY_SIZE(bitmaps); i++) {
		uint32_t off = bitmaps[i] + 4; /* SPIs 32..63 */

		wr(&d, 0, off, 1, 0xff);
		wr(&d, 0, off + 1, 1, 0xff);
		wr(&d, 0, off, 2, 0xffff);
		wr(&d, 0, off + 2, 2, 0xffff);
		assert_int_equal(rd32(&d, 0, off), 0);
		wr32(&d, 0, off, 0x00010001);
		assert_int_equal(rd32(&d, 0, off), 0x00010001);
		assert_int_equal(rd(&d, 0, off, 1), 0);
		assert_int_equal(rd(&d, 0, off + 2, 1), 0);
		assert_int_equal(rd(&d, 0, off, 2), 0);
		/* The clear register: byte/halfword ignored, word clears. */
		wr(&d, 0, off + 0x80, 1, 0xff);
		wr(&d, 0, off + 0x80, 2, 0xffff);
		assert_int_equal(rd32(&d, 0, off), 0x00010001);
		wr32(&d, 0, off + 0x80, 0xffffffff);
		assert_int_equal(rd32(&d, 0, off), 0);
	}

	/* ICFGR */
	wr(&d, 0, T_ICFGR + 8, 1, 0xff);
	wr(&d, 0, T_ICFGR + 8, 2, 0xffff);
	assert_int_equal(rd32(&d, 0, T_ICFGR + 8), 0);
	wr32(&d, 0, T_ICFGR + 8, 0x0000000a);
	assert_int_equal(rd32(&d, 0, T_ICFGR + 8), 0x0000000a);
	assert_int_equal(rd(&d, 0, T_ICFGR + 8, 1), 0);
	assert_int_equal(rd(&d, 0, T_ICFGR, 2), 0);

	/* SGIR: only word writes send. */
	wr(&d, 0, T_SGIR, 1, 2);
	wr(&d, 0, T_SGIR, 2, 2);
	wr(&d, 0, T_SGIR + 2, 2, 0x0201);
	assert_int_equal(rd32(&d, 0, T_ISPENDR), 0);
	assert_int_equal(rd32(&d, 1, T_ISPENDR), 0);
	wr32(&d, 0, T_SGIR, SGIR(0, 0x2, 2));
	assert_int_equal(rd32(&d, 1, T_ISPENDR), 1u << 2);

	/* Identification registers: word only. */
	assert_int_equal(rd(&d, 0, T_ICPIDR2, 1), 0);
	assert_int_equal(rd(&d, 0, T_ICPIDR2, 2), 0);
}

static void test_access_sizes_byte_registers(void **state)
{
	struct vgic_dist d;
	struct events ev;

	(void)state;
	setup(&d, &ev, 2, 64, all_owned);

	/* IPRIORITYR: bytes at each lane compose the word; halfwords are ignored. */
	wr(&d, 0, T_IPRIORITYR + 32, 1, 0x10);
	wr(&d, 0, T_IPRIORITYR + 33, 1, 0x20);
	wr(&d, 0, T_IPRIORITYR + 34, 1, 0x30);
	wr(&d, 0, T_IPRIORITYR + 35, 1, 0x40);
	assert_int_equal(rd32(&d, 0, T_IPRIORITYR + 32), 0x40302010);
	assert_int_equal(rd(&d, 1, T_IPRIORITYR + 34, 1), 0x30); /* SPIs are shared */
	wr(&d, 0, T_IPRIORITYR + 32, 2, 0xeeee);
	wr(&d, 0, T_IPRIORITYR + 34, 2, 0xeeee);
	assert_int_equal(rd32(&d, 0, T_IPRIORITYR + 32), 0x40302010);
	assert_int_equal(rd(&d, 0, T_IPRIORITYR + 32, 2), 0);
	wr32(&d, 0, T_IPRIORITYR + 32, 0xa0b0c0d0);
	assert_int_equal(rd(&d, 0, T_IPRIORITYR + 32, 1), 0xd0);
	assert_int_equal(rd(&d, 0, T_IPRIORITYR + 35, 1), 0xa0);
	wr(&d, 0, T_IPRIORITYR + 36, 1, 0xff); /* all 8 bits are kept */
	assert_int_equal(rd(&d, 0, T_IPRIORITYR + 36, 1), 0xff);

	/* ITARGETSR (SPIs): bytes, words, masked to the two vCPUs; halfwords ignored. */
	wr(&d, 0, T_ITARGETSR + 33, 1, 0x02);
	assert_int_equal(rd32(&d, 0, T_ITARGETSR + 32), 0x00000200);
	wr(&d, 0, T_ITARGETSR + 34, 1, 0xff);
	assert_int_equal(rd(&d, 1, T_ITARGETSR + 34, 1), 0x03);
	wr(&d, 0, T_ITARGETSR + 32, 2, 0x0101);
	assert_int_equal(rd32(&d, 0, T_ITARGETSR + 32), 0x00030200);
	assert_int_equal(rd(&d, 0, T_ITARGETSR + 32, 2), 0);
	wr32(&d, 0, T_ITARGETSR + 32, 0x01020301);
	assert_int_equal(rd32(&d, 0, T_ITARGETSR + 32), 0x01020301);
	/* ITARGETSR0-7 are read-only. */
	wr32(&d, 1, T_ITARGETSR, 0x01010101);
	wr(&d, 1, T_ITARGETSR + 5, 1, 0x01);
	assert_int_equal(rd32(&d, 1, T_ITARGETSR), 0x02020202);
	assert_int_equal(rd(&d, 1, T_ITARGETSR + 5, 1), 0x02);

	/* SPENDSGIR/CPENDSGIR: bytes and words; halfwords ignored. */
	wr(&d, 0, T_SPENDSGIR + 1, 1, 0x02); /* SGI 1 from vCPU 1, pending at vCPU 0 */
	assert_int_equal(rd32(&d, 0, T_SPENDSGIR), 0x00000200);
	assert_int_equal(rd32(&d, 0, T_CPENDSGIR), 0x00000200);
	assert_int_equal(rd(&d, 0, T_SPENDSGIR + 1, 1), 0x02);
	wr(&d, 0, T_SPENDSGIR, 2, 0x0101);
	assert_int_equal(rd32(&d, 0, T_SPENDSGIR), 0x00000200);
	assert_int_equal(rd(&d, 0, T_SPENDSGIR, 2), 0);
	wr32(&d, 0, T_SPENDSGIR + 12, 0x03000001); /* SGI 12 from vCPU 0; SGI 15 from 0 and 1 */
	assert_int_equal(rd32(&d, 0, T_SPENDSGIR + 12), 0x03000001);
	assert_int_equal(rd32(&d, 0, T_ISPENDR), (1u << 1) | (1u << 12) | (1u << 15));
	wr(&d, 0, T_CPENDSGIR + 12, 2, 0xffff);
	assert_int_equal(rd32(&d, 0, T_SPENDSGIR + 12), 0x03000001);
	wr(&d, 0, T_CPENDSGIR + 15, 1, 0x01);
	assert_int_equal(rd32(&d, 0, T_SPENDSGIR + 12), 0x02000001);
	wr32(&d, 0, T_CPENDSGIR + 12, 0xffffffff);
	assert_int_equal(rd32(&d, 0, T_SPENDSGIR + 12), 0);
	assert_int_equal(rd32(&d, 0, T_ISPENDR), 1u << 1);
}

static void test_reserved_offsets_raz_wi(void **state)
{
	static const uint32_t offs[] = {
		0x00c, 0x010, 0x020, 0x07c,  T_IGROUPR, T_IGROUPR + 4, 0x0fc,
		0x7fc, 0xbfc, 0xd00, 0xdfc,  T_NSACR,	0xefc,	       0xf04,
		0xf0c, 0xf30, 0xfcc, 0x1000, 0x1ffc,	0xfffc,
	};
	struct vgic_dist d;
	struct events ev;

	(void)state;
	setup(&d, &ev, 2, 64, all_owned);
	wr32(&d, 0, T_CTLR, 1);
	for (size_t i = 0; i < ARRAY_SIZE(offs); i++) {
		wr32(&d, 0, offs[i], 0xffffffff);
		wr(&d, 1, offs[i], 1, 0xff);
		wr(&d, 1, offs[i] + 2, 2, 0xffff);
		assert_int_equal(rd32(&d, 0, offs[i]), 0);
		assert_int_equal(rd(&d, 1, offs[i] + 3, 1), 0);
		assert_int_equal(rd(&d, 1, offs[i] + 2, 2), 0);
	}
	/* Bitmap, priority, target and config words beyond nr_lines (64). */
	wr32(&d, 0, T_ISENABLER + 8, 0xffffffff);
	wr32(&d, 0, T_ISPENDR + 8, 0xffffffff);
	wr32(&d, 0, T_IPRIORITYR + 64, 0xffffffff);
	wr32(&d, 0, T_ITARGETSR + 64, 0xffffffff);
	wr32(&d, 0, T_ICFGR + 16, 0xffffffff);
	assert_int_equal(rd32(&d, 0, T_ISENABLER + 8), 0);
	assert_int_equal(rd32(&d, 0, T_ISPENDR + 8), 0);
	assert_int_equal(rd32(&d, 0, T_IPRIORITYR + 64), 0);
	assert_int_equal(rd32(&d, 0, T_ITARGETSR + 64), 0);
	assert_int_equal(rd32(&d, 0, T_ICFGR + 16), 0);
	/* Nothing else changed. */
	assert_int_equal(rd32(&d, 0, T_ISENABLER), 0x0000ffff);
	assert_int_equal(rd32(&d, 0, T_ISENABLER + 4), 0);
	assert_int_equal(rd32(&d, 0, T_ISPENDR), 0);
	assert_int_equal(rd32(&d, 1, T_ISPENDR), 0);
	assert_int_equal(rd32(&d, 0, T_CTLR), 1);
	assert_int_equal(ev.nr_kicks, 0);
	assert_int_equal(ev.nr_hw, 0);
}

/* The largest distributor: INTIDs 1020..1023 do not exist even when owned. */
static void test_special_intids(void **state)
{
	struct vgic_dist d;
	struct events ev;

	(void)state;
	setup(&d, &ev, 2, 1024, all_owned);
	wr32(&d, 0, T_ISENABLER + 124, 0xffffffff);
	assert_int_equal(rd32(&d, 0, T_ISENABLER + 124), 0x0fffffff);
	assert_int_equal(ev.nr_hw, 28);
	assert_hw(&ev, 27, 1019, true, 0);
	wr32(&d, 0, T_IPRIORITYR + 1016, 0xffffffff);
	assert_int_equal(rd32(&d, 0, T_IPRIORITYR + 1016), 0xffffffff);
	wr32(&d, 0, T_IPRIORITYR + 1020, 0xffffffff);
	assert_int_equal(rd32(&d, 0, T_IPRIORITYR + 1020), 0);
	wr32(&d, 0, T_ICFGR + 252, 0xffffffff);
	assert_int_equal(rd32(&d, 0, T_ICFGR + 252), 0x00aaaaaa);
	assert_int_equal(vgic_dist_set_pending(&d, 0, 1019, false), 0);
	assert_int_equal(vgic_dist_set_pending(&d, 0, 1020, false), -EINVAL);
	assert_int_equal(vgic_dist_set_pending(&d, 0, 1023, false), -EINVAL);
	assert_int_equal(vgic_dist_set_pending(&d, 0, 1024, false), -EINVAL);
}

/* ------------------------------------------------------------------------------------------ */
/* Banking, SGIs, ownership                                                                   */

static void test_ppi_banking(void **state)
{
	struct vgic_dist d;
	struct events ev;

	(void)state;
	setup(&d, &ev, 2, 64, all_owned);

	wr32(&d, 1, T_ISENABLER, 1u << 27);
	assert_int_equal(rd32(&d, 0, T_ISENABLER), 0x0000ffff);
	assert_int_equal(rd32(&d, 1, T_ISENABLER), 0x0800ffff);
	wr32(&d, 0, T_ICENABLER, 0xffffffff); /* SGIs stay enabled; vCPU 1's PPI untouched */
	assert_int_equal(rd32(&d, 0, T_ISENABLER), 0x0000ffff);
	assert_int_equal(rd32(&d, 1, T_ISENABLER), 0x0800ffff);

	set_prio(&d, 1, 27, 0xa0);
	assert_int_equal(rd(&d, 1, T_IPRIORITYR + 27, 1), 0xa0);
	assert_int_equal(rd(&d, 0, T_IPRIORITYR + 27, 1), 0);

	wr32(&d, 1, T_ISPENDR, 0xffffffff); /* SGI bits ignored */
	assert_int_equal(rd32(&d, 1, T_ISPENDR), 0xffff0000);
	assert_int_equal(rd32(&d, 0, T_ISPENDR), 0);
	wr32(&d, 1, T_ICPENDR, 0x0000ffff);
	assert_int_equal(rd32(&d, 1, T_ISPENDR), 0xffff0000);
	wr32(&d, 1, T_ICPENDR, 0xffffffff);
	assert_int_equal(rd32(&d, 1, T_ISPENDR), 0);

	assert_int_equal(vgic_dist_set_pending(&d, 0, 27, true), 0);
	assert_true(is_pending(&d, 0, 27));
	assert_false(is_pending(&d, 1, 27));

	wr32(&d, 0, T_ISACTIVER, 1u << 3 | 1u << 20);
	assert_int_equal(rd32(&d, 0, T_ISACTIVER), 1u << 3 | 1u << 20);
	assert_int_equal(rd32(&d, 1, T_ISACTIVER), 0);

	/* PPI 27 is enabled and pending in vCPU 0's bank only after vCPU 0 enables it. */
	wr32(&d, 0, T_CTLR, 1);
	pick_none(&d, 1);
	pick_none(&d, 0);
	enable_irq(&d, 0, 27);
	pick_one(&d, 0, 27);
	assert_int_equal(vgic_dist_set_pending(&d, 2, 27, true), -EINVAL);
}

static void test_sgir_filters_and_sources(void **state)
{
	struct vgic_dist d;
	struct events ev;

	(void)state;
	setup(&d, &ev, 4, 32, NULL);
	wr32(&d, 0, T_CTLR, 1);

	/* List: vCPU 1 sends SGI 3 to vCPUs 0 and 2. */
	wr32(&d, 1, T_SGIR, SGIR(0, 0x05, 3));
	assert_int_equal(rd32(&d, 0, T_SPENDSGIR), 0x02000000);
	assert_int_equal(rd32(&d, 2, T_SPENDSGIR), 0x02000000);
	assert_int_equal(rd32(&d, 1, T_SPENDSGIR), 0);
	assert_int_equal(rd32(&d, 3, T_SPENDSGIR), 0);
	assert_int_equal(rd32(&d, 0, T_ISPENDR), 1u << 3);
	assert_int_equal(ev.nr_kicks, 2);
	assert_int_equal(ev.kick_order[0], 0);
	assert_int_equal(ev.kick_order[1], 2);

	/* All but self: vCPU 2 sends SGI 3; vCPU 0 already had it pending: no kick for it. */
	ev_reset(&ev);
	wr32(&d, 2, T_SGIR, SGIR(1, 0x00, 3));
	assert_int_equal(rd32(&d, 0, T_SPENDSGIR), 0x06000000);
	assert_int_equal(rd32(&d, 1, T_SPENDSGIR), 0x04000000);
	assert_int_equal(rd32(&d, 2, T_SPENDSGIR), 0x02000000);
	assert_int_equal(rd32(&d, 3, T_SPENDSGIR), 0x04000000);
	assert_int_equal(ev.nr_kicks, 2);
	assert_int_equal(ev.kick_order[0], 1);
	assert_int_equal(ev.kick_order[1], 3);

	/* Self: vCPU 3 sends SGI 15 (the target list is ignored). */
	ev_reset(&ev);
	wr32(&d, 3, T_SGIR, SGIR(2, 0x01, 15));
	assert_int_equal(rd32(&d, 3, T_SPENDSGIR + 12), 0x08000000);
	assert_int_equal(rd32(&d, 0, T_SPENDSGIR + 12), 0);
	assert_int_equal(ev.nr_kicks, 1);
	assert_int_equal(ev.kick[3], 1);

	/* Reserved filter, and targets the partition does not have: nothing. */
	ev_reset(&ev);
	wr32(&d, 0, T_SGIR, SGIR(3, 0x0f, 7));
	wr32(&d, 0, T_SGIR, SGIR(0, 0xf0, 7));
	wr32(&d, 0, T_SGIR, SGIR(0, 0x00, 7));
	for (unsigned v = 0; v < 4; v++)
		assert_int_equal(rd32(&d, v, T_SPENDSGIR + 4), 0);
	assert_int_equal(ev.nr_kicks, 0);

	/* NSATT (bit 15) and the reserved bits are ignored; SGIINTID is 4 bits. */
	wr32(&d, 0, T_SGIR, SGIR(0, 0x02, 5) | 1u << 15 | 0x3f0u);
	assert_int_equal(rd32(&d, 1, T_SPENDSGIR + 4), 0x00000100);

	/* CPENDSGIR clears single sources. */
	wr(&d, 0, T_CPENDSGIR + 3, 1, 0x02);
	assert_int_equal(rd32(&d, 0, T_SPENDSGIR), 0x04000000);
	assert_true(is_pending(&d, 0, 3));
	wr(&d, 0, T_CPENDSGIR + 3, 1, 0x04);
	assert_int_equal(rd32(&d, 0, T_SPENDSGIR), 0);
	assert_false(is_pending(&d, 0, 3));

	/* SPENDSGIR sources are masked to the partition's vCPUs. */
	wr(&d, 1, T_SPENDSGIR, 1, 0xff);
	assert_int_equal(rd32(&d, 1, T_SPENDSGIR), 0x0400000f); /* + SGI 3 from vCPU 2 */
}

static void test_sgi_sources_delivered_one_at_a_time(void **state)
{
	struct vgic_dist d;
	struct events ev;
	struct vgic_pick p[4];

	(void)state;
	setup(&d, &ev, 3, 32, NULL);
	wr32(&d, 0, T_CTLR, 1);
	wr32(&d, 2, T_SGIR, SGIR(0, 0x01, 2));
	wr32(&d, 1, T_SGIR, SGIR(0, 0x01, 2));

	assert_int_equal(pick(&d, 0, p, 4), 1);
	assert_int_equal(p[0].intid, 2);
	assert_int_equal(p[0].source, 1); /* lowest source first */
	assert_false(p[0].level);
	assert_int_equal(rd32(&d, 0, T_SPENDSGIR), 0x00060000); /* in-flight one still pending */
	pick_none(&d, 0);					/* one instance per SGI in flight */
	vgic_dist_lr_done(&d, 0, 2, 1, VGIC_LR_ACTIVE);
	assert_int_equal(rd32(&d, 0, T_SPENDSGIR), 0x00040000);
	assert_true(is_active(&d, 0, 2));
	assert_true(is_pending(&d, 0, 2));
	pick_none(&d, 0);
	vgic_dist_lr_done(&d, 0, 2, 1, VGIC_LR_INVALID);
	assert_int_equal(pick(&d, 0, p, 4), 1);
	assert_int_equal(p[0].intid, 2);
	assert_int_equal(p[0].source, 2);
	/* Given back pending: the same source is pending again. */
	vgic_dist_lr_done(&d, 0, 2, 2, VGIC_LR_PENDING);
	assert_int_equal(rd32(&d, 0, T_SPENDSGIR), 0x00040000);
	assert_int_equal(pick(&d, 0, p, 4), 1);
	assert_int_equal(p[0].source, 2);
	vgic_dist_lr_done(&d, 0, 2, 2, VGIC_LR_INVALID);
	pick_none(&d, 0);

	/* set_pending on an SGI: sent by the vCPU to itself. */
	assert_int_equal(vgic_dist_set_pending(&d, 1, 9, true), 0);
	assert_int_equal(rd32(&d, 1, T_SPENDSGIR + 8), 0x00000200);
	assert_int_equal(pick(&d, 1, p, 4), 1);
	assert_int_equal(p[0].intid, 9);
	assert_int_equal(p[0].source, 1);
}

static void test_ownership(void **state)
{
	/* Owned: 33, 40 (group 1); 64, 95 (group 2). */
	static const uint32_t owned[3] = {0xffffffff, 0x00000102, 0x80000001};
	struct vgic_dist d;
	struct events ev;

	(void)state;
	setup(&d, &ev, 2, 96, owned);

	wr32(&d, 0, T_ISENABLER + 4, 0xffffffff);
	assert_int_equal(rd32(&d, 1, T_ISENABLER + 4), 0x00000102);
	assert_int_equal(ev.nr_hw, 2);
	assert_hw(&ev, 0, 33, true, 0);
	assert_hw(&ev, 1, 40, true, 0);
	wr32(&d, 0, T_ISENABLER + 8, 0xffffffff);
	assert_int_equal(rd32(&d, 0, T_ISENABLER + 8), 0x80000001);
	wr32(&d, 0, T_ICENABLER + 4, 0xffffffff);
	assert_int_equal(rd32(&d, 0, T_ISENABLER + 4), 0);
	assert_int_equal(ev.nr_hw, 6);
	assert_hw(&ev, 4, 33, false, 0);

	wr32(&d, 0, T_ISPENDR + 4, 0xffffffff);
	assert_int_equal(rd32(&d, 0, T_ISPENDR + 4), 0x00000102);
	assert_int_equal(rd32(&d, 0, T_ICPENDR + 4), 0x00000102);
	wr32(&d, 0, T_ICPENDR + 4, 0xffffffff);
	assert_int_equal(rd32(&d, 0, T_ISPENDR + 4), 0);
	wr32(&d, 0, T_ISACTIVER + 4, 0xffffffff);
	assert_int_equal(rd32(&d, 0, T_ISACTIVER + 4), 0x00000102);
	wr32(&d, 0, T_ICACTIVER + 4, 0xffffffff);
	assert_int_equal(rd32(&d, 0, T_ISACTIVER + 4), 0);

	/* Byte lanes of one word covering owned and unowned lines. */
	wr32(&d, 0, T_IPRIORITYR + 32, 0x44332211);
	assert_int_equal(rd32(&d, 0, T_IPRIORITYR + 32), 0x00002200);
	wr32(&d, 0, T_IPRIORITYR + 40, 0x44332211);
	assert_int_equal(rd32(&d, 0, T_IPRIORITYR + 40), 0x00000011);
	wr(&d, 0, T_IPRIORITYR + 34, 1, 0x55);
	assert_int_equal(rd(&d, 0, T_IPRIORITYR + 34, 1), 0);
	ev_reset(&ev);
	wr32(&d, 0, T_ITARGETSR + 32, 0x03030303);
	assert_int_equal(rd32(&d, 0, T_ITARGETSR + 32), 0x00000300);
	assert_int_equal(ev.nr_hw, 1);
	assert_hw(&ev, 0, 33, false, 0x03);
	wr32(&d, 0, T_ITARGETSR + 92, 0x01010101);
	assert_int_equal(rd32(&d, 1, T_ITARGETSR + 92), 0x01000000);
	assert_int_equal(ev.nr_hw, 2);
	assert_hw(&ev, 1, 95, true, 0x01);

	wr32(&d, 0, T_ICFGR + 8, 0xffffffff); /* INTIDs 32..47 */
	assert_int_equal(rd32(&d, 0, T_ICFGR + 8), 0x00020008);

	/* Injection only for owned SPIs. */
	assert_int_equal(vgic_dist_set_pending(&d, 0, 34, false), -EINVAL);
	assert_int_equal(vgic_dist_clear_pending(&d, 0, 34), -EINVAL);
	assert_int_equal(vgic_dist_set_pending(&d, 0, 96, false), -EINVAL);
	assert_int_equal(vgic_dist_set_pending(&d, 0, 33, false), 0);
	assert_int_equal(vgic_dist_set_pending(&d, 5, 40, true), 0); /* SPI: vcpu ignored */
	assert_int_equal(rd32(&d, 0, T_ISPENDR + 4), 0x00000102);

	/* A whole-word sweep: unowned lines read 0 in every register. */
	for (uint32_t off = 0x100; off < 0x400; off += 0x80)
		assert_int_equal(rd32(&d, 0, off + 4) & ~0x00000102u, 0);
}

/* ------------------------------------------------------------------------------------------ */
/* Pick and the list-register interface                                                       */

static void test_pick_order_priority_then_intid(void **state)
{
	static const struct {
		unsigned intid;
		uint8_t prio;
	} irqs[] = {
		{40, 0x80}, {35, 0x10}, {20, 0x10}, {5, 0x40}, {50, 0x10}, {33, 0xf0}, {63, 0x00},
	};
	static const unsigned order[] = {63, 20, 35, 50, 5, 40, 33};
	struct vgic_dist d;
	struct events ev;
	struct vgic_pick p[8];

	(void)state;
	setup(&d, &ev, 2, 64, all_owned);
	wr32(&d, 0, T_CTLR, 1);
	for (size_t i = 0; i < ARRAY_SIZE(irqs); i++) {
		unsigned id = irqs[i].intid;

		set_prio(&d, 0, id, irqs[i].prio);
		if (id >= 32)
			set_targets(&d, id, 0x01);
		if (id >= 16)
			enable_irq(&d, 0, id);
	}
	for (size_t i = 0; i < ARRAY_SIZE(irqs); i++) {
		if (irqs[i].intid < 16)
			wr32(&d, 1, T_SGIR, SGIR(0, 0x01, irqs[i].intid));
		else
			assert_int_equal(vgic_dist_set_pending(&d, 0, irqs[i].intid, false), 0);
	}
	pick_none(&d, 1);
	assert_int_equal(pick(&d, 0, p, 8), ARRAY_SIZE(order));
	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		assert_int_equal(p[i].intid, order[i]);
		assert_int_equal(p[i].source, order[i] == 5 ? 1 : 0);
		/* Injected as edges, but PPIs and SPIs are level-configured (reset). */
		assert_int_equal(p[i].level, order[i] >= 16);
	}
}

static void test_pick_level_flag_and_priority(void **state)
{
	struct vgic_dist d;
	struct events ev;
	struct vgic_pick p[4];

	(void)state;
	setup(&d, &ev, 1, 64, all_owned);
	wr32(&d, 0, T_CTLR, 1);
	enable_irq(&d, 0, 40);
	enable_irq(&d, 0, 41);
	set_edge(&d, 41);
	set_prio(&d, 0, 40, 0x38);
	set_prio(&d, 0, 41, 0x30);
	assert_int_equal(vgic_dist_set_pending(&d, 0, 40, true), 0);
	assert_int_equal(vgic_dist_set_pending(&d, 0, 41, false), 0);
	assert_int_equal(pick(&d, 0, p, 4), 2);
	assert_int_equal(p[0].intid, 41);
	assert_int_equal(p[0].priority, 0x30);
	assert_false(p[0].level);
	assert_int_equal(p[1].intid, 40);
	assert_int_equal(p[1].priority, 0x38);
	assert_true(p[1].level);
}

static void test_spi_in_flight_not_picked_twice(void **state)
{
	struct vgic_dist d;
	struct events ev;

	(void)state;
	setup(&d, &ev, 2, 64, all_owned);
	wr32(&d, 0, T_CTLR, 1);
	set_edge(&d, 40);
	set_targets(&d, 40, 0x03);
	enable_irq(&d, 0, 40);
	ev_reset(&ev);
	assert_int_equal(vgic_dist_set_pending(&d, 0, 40, false), 0);
	assert_int_equal(ev.nr_kicks, 2); /* both targets may take it */
	assert_true(vgic_dist_has_deliverable(&d, 0));
	assert_true(vgic_dist_has_deliverable(&d, 1));

	pick_one(&d, 1, 40);
	pick_none(&d, 0);
	assert_false(vgic_dist_has_deliverable(&d, 0));
	assert_true(is_pending(&d, 0, 40)); /* in the LR, pending */
	assert_false(is_active(&d, 0, 40));

	vgic_dist_lr_done(&d, 1, 40, 0, VGIC_LR_ACTIVE);
	assert_false(is_pending(&d, 0, 40));
	assert_true(is_active(&d, 0, 40));

	/* A new edge while vCPU 1 handles it: pending + active, still not given to vCPU 0. */
	ev_reset(&ev);
	assert_int_equal(vgic_dist_set_pending(&d, 0, 40, false), 0);
	assert_int_equal(ev.nr_kicks, 0);
	assert_true(is_pending(&d, 0, 40));
	pick_none(&d, 0);
	pick_none(&d, 1);

	/* EOI: deliverable again; vCPU 0 is kicked (vCPU 1 is the caller) and takes it. */
	vgic_dist_lr_done(&d, 1, 40, 0, VGIC_LR_INVALID);
	assert_int_equal(ev.nr_kicks, 1);
	assert_int_equal(ev.kick[0], 1);
	assert_false(is_active(&d, 0, 40));
	pick_one(&d, 0, 40);
	pick_none(&d, 1);
}

/* vgic_dist_pick_one: the named interrupt only, and only when deliverable to that vCPU. */
static void test_pick_one_named_interrupt(void **state)
{
	struct vgic_dist d;
	struct events ev;
	struct vgic_pick p = {0};

	(void)state;
	setup(&d, &ev, 2, 64, all_owned);
	assert_int_equal(vgic_dist_set_pending(&d, 0, 27, false), 0);
	assert_false(vgic_dist_pick_one(&d, 0, 27, &p)); /* distributor disabled */
	wr32(&d, 0, T_CTLR, 1);
	assert_false(vgic_dist_pick_one(&d, 0, 27, &p)); /* PPI disabled */
	enable_irq(&d, 0, 27);
	set_prio(&d, 0, 27, 0xa0);
	assert_false(vgic_dist_pick_one(&d, 1, 27, &p)); /* the other vCPU's bank */
	assert_false(vgic_dist_pick_one(&d, 0, 64, &p)); /* beyond nr_lines */
	assert_false(vgic_dist_pick_one(&d, 0, 26, &p)); /* not pending */

	/* A better interrupt pending does not matter: the caller chose 27. */
	enable_irq(&d, 0, 26);
	set_prio(&d, 0, 26, 0x10);
	assert_int_equal(vgic_dist_set_pending(&d, 0, 26, false), 0);
	ev_reset(&ev);
	assert_true(vgic_dist_pick_one(&d, 0, 27, &p));
	assert_int_equal(ev.nr_kicks, 0);
	assert_int_equal(p.intid, 27);
	assert_int_equal(p.priority, 0xa0);
	assert_int_equal(p.source, 0);
	assert_true(p.level);				 /* PPIs are level-sensitive */
	assert_true(is_pending(&d, 0, 27));		 /* in flight, LR pending */
	assert_false(vgic_dist_pick_one(&d, 0, 27, &p)); /* in flight: not twice */
	pick_one(&d, 0, 26);				 /* pick() sees only 26 now */

	/* Given back pending: deliverable again, for either path. */
	vgic_dist_lr_done(&d, 0, 27, 0, VGIC_LR_PENDING);
	assert_true(vgic_dist_pick_one(&d, 0, 27, &p));
	vgic_dist_lr_done(&d, 0, 27, 0, VGIC_LR_INVALID);
	assert_false(is_pending(&d, 0, 27));
	assert_false(vgic_dist_pick_one(&d, 0, 27, &p));

	/* The fast path's forwarded PPI: latched, then taken if deliverable; never a kick. */
	ev_reset(&ev);
	assert_int_equal(vgic_dist_forward_ppi(&d, 0, 27, &p), 1);
	assert_int_equal(p.intid, 27);
	assert_true(vgic_dist_in_flight(&d, 0, 27));
	assert_false(vgic_dist_in_flight(&d, 1, 27));			/* the other vCPU's bank */
	assert_int_equal(vgic_dist_forward_ppi(&d, 0, 27, &p), -EBUSY); /* in flight */
	vgic_dist_lr_done(&d, 0, 27, 0, VGIC_LR_ACTIVE);
	vgic_dist_lr_done(&d, 0, 27, 0, VGIC_LR_INVALID);
	assert_false(is_pending(&d, 0, 27)); /* -EBUSY changed nothing */
	assert_false(vgic_dist_in_flight(&d, 0, 27));
	wr32(&d, 0, T_CTLR, 0);
	assert_int_equal(vgic_dist_forward_ppi(&d, 0, 27, &p), 0); /* latched: distributor off */
	wr32(&d, 0, T_CTLR, 1);
	pick_one(&d, 0, 27); /* the latched instance, through the usual path */
	vgic_dist_lr_done(&d, 0, 27, 0, VGIC_LR_INVALID);
	ev_reset(&ev); /* enabling the distributor kicked vCPU 0 for the latched one */
	assert_int_equal(vgic_dist_forward_ppi(&d, 0, 27, &p), 1);
	assert_int_equal(ev.nr_kicks, 0);
	assert_int_equal(vgic_dist_forward_ppi(&d, 0, 15, &p), -EINVAL); /* an SGI */
	assert_int_equal(vgic_dist_forward_ppi(&d, 0, 32, &p), -EINVAL); /* an SPI */
	assert_int_equal(vgic_dist_forward_ppi(&d, 2, 27, &p), -EINVAL); /* no vCPU 2 */
	vgic_dist_lr_done(&d, 0, 27, 0, VGIC_LR_INVALID);

	/* The fast path's EOI: given back; taken again only if pended meanwhile. */
	assert_int_equal(vgic_dist_forward_ppi(&d, 0, 27, &p), 1);
	assert_int_equal(vgic_dist_ppi_eoi(&d, 0, 27, &p), 0);
	assert_false(is_pending(&d, 0, 27));
	assert_int_equal(vgic_dist_ppi_eoi(&d, 0, 27, &p), -EINVAL); /* not in flight */
	assert_int_equal(vgic_dist_forward_ppi(&d, 0, 27, &p), 1);
	wr32(&d, 0, T_ISPENDR, BIT_OF(27)); /* pended again while in the LR */
	p = (struct vgic_pick){0};
	assert_int_equal(vgic_dist_ppi_eoi(&d, 0, 27, &p), 1);
	assert_int_equal(p.intid, 27);
	assert_int_equal(p.priority, 0xa0);
	assert_int_equal(vgic_dist_ppi_eoi(&d, 0, 26, &p), 0); /* 26, picked above, ends */
	assert_int_equal(vgic_dist_ppi_eoi(&d, 0, 26, &p), -EINVAL);
	assert_int_equal(vgic_dist_ppi_eoi(&d, 0, 33, &p), -EINVAL); /* an SPI */
	vgic_dist_lr_done(&d, 0, 27, 0, VGIC_LR_INVALID);
	assert_int_equal(ev.nr_kicks, 0);

	/* An SPI that targets only vCPU 1 is not vCPU 0's to take. */
	set_edge(&d, 40);
	set_targets(&d, 40, 0x02);
	enable_irq(&d, 0, 40);
	assert_int_equal(vgic_dist_set_pending(&d, 0, 40, false), 0);
	assert_false(vgic_dist_pick_one(&d, 0, 40, &p));
	assert_true(vgic_dist_pick_one(&d, 1, 40, &p));
	assert_false(p.level);
	pick_none(&d, 1);
}

static void test_more_pending_than_max(void **state)
{
	struct vgic_dist d;
	struct events ev;
	struct vgic_pick p[4];

	(void)state;
	setup(&d, &ev, 1, 64, all_owned);
	wr32(&d, 0, T_CTLR, 1);
	wr32(&d, 0, T_ISENABLER + 4, 0xffffffff);
	/* 10 SPIs 32..41 with priorities 0x90, 0x80, ..., 0x00: best is 41. */
	for (unsigned i = 0; i < 10; i++) {
		set_prio(&d, 0, 32 + i, (uint8_t)(0x90 - 0x10 * i));
		assert_int_equal(vgic_dist_set_pending(&d, 0, 32 + i, false), 0);
	}
	assert_int_equal(pick(&d, 0, p, 4), 4);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(p[i].intid, 41 - i);
	assert_true(vgic_dist_has_deliverable(&d, 0));
	assert_int_equal(pick(&d, 0, p, 4), 4);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(p[i].intid, 37 - i);
	assert_int_equal(pick(&d, 0, p, 4), 2);
	assert_int_equal(p[0].intid, 33);
	assert_int_equal(p[1].intid, 32);
	assert_false(vgic_dist_has_deliverable(&d, 0));
	assert_int_equal(pick(&d, 0, p, 0), 0);
	assert_int_equal(rd32(&d, 0, T_ISPENDR + 4), 0x3ff);
}

static void test_lr_done_transitions(void **state)
{
	struct vgic_dist d;
	struct events ev;
	struct vgic_pick p[4];

	(void)state;
	setup(&d, &ev, 1, 64, all_owned);
	wr32(&d, 0, T_CTLR, 1);
	wr32(&d, 0, T_ISENABLER + 4, 0xffffffff);
	wr32(&d, 0, T_ICFGR + 8, 0xaaaaaaaa); /* 32..47 edge */
	set_prio(&d, 0, 34, 0x20);
	set_prio(&d, 0, 35, 0x30);
	assert_int_equal(vgic_dist_set_pending(&d, 0, 34, false), 0);
	assert_int_equal(vgic_dist_set_pending(&d, 0, 35, false), 0);
	assert_int_equal(pick(&d, 0, p, 2), 2);
	assert_int_equal(p[0].intid, 34);

	/* PENDING: back to pending and picked again in the priority order of that moment. */
	ev_reset(&ev);
	vgic_dist_lr_done(&d, 0, 34, 0, VGIC_LR_PENDING);
	vgic_dist_lr_done(&d, 0, 35, 0, VGIC_LR_PENDING);
	assert_int_equal(ev.nr_kicks, 0); /* the caller picks itself */
	assert_int_equal(rd32(&d, 0, T_ISPENDR + 4), 0x0000000c);
	assert_int_equal(rd32(&d, 0, T_ISACTIVER + 4), 0);
	set_prio(&d, 0, 35, 0x10);
	assert_int_equal(pick(&d, 0, p, 1), 1);
	assert_int_equal(p[0].intid, 35);

	/* ACTIVE: in flight, reads active and not pending; not picked; ICACTIVER cannot touch
	 * it; INVALID ends it. */
	vgic_dist_lr_done(&d, 0, 35, 0, VGIC_LR_ACTIVE);
	assert_false(is_pending(&d, 0, 35));
	assert_true(is_active(&d, 0, 35));
	pick_one(&d, 0, 34);
	pick_none(&d, 0);
	wr32(&d, 0, T_ICACTIVER + 4, 1u << 3);
	assert_true(is_active(&d, 0, 35));
	vgic_dist_lr_done(&d, 0, 35, 0, VGIC_LR_INVALID);
	assert_false(is_active(&d, 0, 35));
	assert_false(is_pending(&d, 0, 35));
	pick_none(&d, 0);

	/* ACTIVE_PENDING: both; given back pending later, the edge is still pending. */
	vgic_dist_lr_done(&d, 0, 34, 0, VGIC_LR_ACTIVE_PENDING);
	assert_true(is_pending(&d, 0, 34));
	assert_true(is_active(&d, 0, 34));
	pick_none(&d, 0);
	vgic_dist_lr_done(&d, 0, 34, 0, VGIC_LR_PENDING);
	assert_true(is_pending(&d, 0, 34));
	assert_false(is_active(&d, 0, 34));
	pick_one(&d, 0, 34);
	vgic_dist_lr_done(&d, 0, 34, 0, VGIC_LR_INVALID);
	pick_none(&d, 0);

	/* A level interrupt latched by ISPENDR: once acknowledged, that instance is consumed, so
	 * nothing returns to the latch even if the LR later comes back pending. */
	wr32(&d, 0, T_ICFGR + 8, 0); /* 32..47 level */
	wr32(&d, 0, T_ISPENDR + 4, 1u << 6);
	pick_one(&d, 0, 38);
	vgic_dist_lr_done(&d, 0, 38, 0, VGIC_LR_ACTIVE);
	vgic_dist_lr_done(&d, 0, 38, 0, VGIC_LR_ACTIVE_PENDING);
	assert_true(is_active(&d, 0, 38));
	vgic_dist_lr_done(&d, 0, 38, 0, VGIC_LR_PENDING);
	assert_false(is_pending(&d, 0, 38));
	pick_none(&d, 0);
	wr32(&d, 0, T_ICFGR + 8, 0xaaaaaaaa);

	/* Active outside any LR (ISACTIVER): pending but not delivered until ICACTIVER. */
	assert_int_equal(vgic_dist_set_pending(&d, 0, 36, false), 0);
	wr32(&d, 0, T_ISACTIVER + 4, 1u << 4);
	pick_none(&d, 0);
	ev_reset(&ev);
	wr32(&d, 0, T_ICACTIVER + 4, 1u << 4);
	assert_int_equal(ev.nr_kicks, 1);
	pick_one(&d, 0, 36);
}

static void test_level_vs_edge(void **state)
{
	struct vgic_dist d;
	struct events ev;
	struct vgic_pick p[4];

	(void)state;
	setup(&d, &ev, 1, 64, all_owned);
	wr32(&d, 0, T_CTLR, 1);
	enable_irq(&d, 0, 40); /* level (reset) */
	enable_irq(&d, 0, 41);
	set_edge(&d, 41);

	/* Level, still high after EOI: delivered again. */
	assert_int_equal(vgic_dist_set_pending(&d, 0, 40, true), 0);
	assert_int_equal(pick(&d, 0, p, 4), 1);
	assert_true(p[0].level);
	vgic_dist_lr_done(&d, 0, 40, 0, VGIC_LR_ACTIVE);
	assert_true(is_pending(&d, 0, 40)); /* the line is high: active and pending */
	assert_true(is_active(&d, 0, 40));
	pick_none(&d, 0);
	vgic_dist_lr_done(&d, 0, 40, 0, VGIC_LR_INVALID);
	pick_one(&d, 0, 40);

	/* Deasserted while in flight: not delivered again after EOI. */
	assert_int_equal(vgic_dist_clear_pending(&d, 0, 40), 0);
	assert_false(is_pending(&d, 0, 40));
	vgic_dist_lr_done(&d, 0, 40, 0, VGIC_LR_INVALID);
	assert_false(is_pending(&d, 0, 40));
	pick_none(&d, 0);

	/* Deasserted before the guest took it: dropped when the LR comes back pending. */
	assert_int_equal(vgic_dist_set_pending(&d, 0, 40, true), 0);
	pick_one(&d, 0, 40);
	assert_int_equal(vgic_dist_clear_pending(&d, 0, 40), 0);
	vgic_dist_lr_done(&d, 0, 40, 0, VGIC_LR_PENDING);
	assert_false(is_pending(&d, 0, 40));
	pick_none(&d, 0);

	/* ISPENDR latches a level interrupt with its line low; ICPENDR clears the latch only. */
	wr32(&d, 0, T_ISPENDR + 4, 1u << 8);
	assert_true(is_pending(&d, 0, 40));
	pick_one(&d, 0, 40);
	vgic_dist_lr_done(&d, 0, 40, 0, VGIC_LR_PENDING);
	assert_true(is_pending(&d, 0, 40));
	wr32(&d, 0, T_ICPENDR + 4, 1u << 8);
	assert_false(is_pending(&d, 0, 40));
	assert_int_equal(vgic_dist_set_pending(&d, 0, 40, true), 0);
	wr32(&d, 0, T_ICPENDR + 4, 1u << 8);
	assert_true(is_pending(&d, 0, 40)); /* line still high */
	assert_int_equal(vgic_dist_clear_pending(&d, 0, 40), 0);
	assert_false(is_pending(&d, 0, 40));

	/* Edge: two edges before delivery are one interrupt; clear_pending does not unlatch. */
	assert_int_equal(vgic_dist_set_pending(&d, 0, 41, false), 0);
	assert_int_equal(vgic_dist_set_pending(&d, 0, 41, false), 0);
	assert_int_equal(vgic_dist_clear_pending(&d, 0, 41), 0);
	assert_true(is_pending(&d, 0, 41));
	assert_int_equal(pick(&d, 0, p, 4), 1);
	assert_false(p[0].level);
	vgic_dist_lr_done(&d, 0, 41, 0, VGIC_LR_INVALID);
	pick_none(&d, 0);
	/* An edge during handling is delivered after EOI. */
	pick_none(&d, 0);
	assert_int_equal(vgic_dist_set_pending(&d, 0, 41, false), 0);
	pick_one(&d, 0, 41);
	vgic_dist_lr_done(&d, 0, 41, 0, VGIC_LR_ACTIVE);
	assert_int_equal(vgic_dist_set_pending(&d, 0, 41, false), 0);
	vgic_dist_lr_done(&d, 0, 41, 0, VGIC_LR_INVALID);
	pick_one(&d, 0, 41);
	vgic_dist_lr_done(&d, 0, 41, 0, VGIC_LR_INVALID);

	/* Edge-triggered with a level source: only a low-to-high change latches. */
	assert_int_equal(vgic_dist_set_pending(&d, 0, 41, true), 0);
	pick_one(&d, 0, 41);
	vgic_dist_lr_done(&d, 0, 41, 0, VGIC_LR_INVALID);
	assert_int_equal(vgic_dist_set_pending(&d, 0, 41, true), 0); /* still high */
	pick_none(&d, 0);
	assert_int_equal(vgic_dist_clear_pending(&d, 0, 41), 0);
	assert_int_equal(vgic_dist_set_pending(&d, 0, 41, true), 0);
	pick_one(&d, 0, 41);
}

static void test_clear_pending_cancels_in_flight(void **state)
{
	struct vgic_dist d;
	struct events ev;

	(void)state;
	setup(&d, &ev, 2, 64, all_owned);
	wr32(&d, 0, T_CTLR, 1);
	set_edge(&d, 45);
	enable_irq(&d, 0, 45);
	set_targets(&d, 45, 0x02);
	assert_int_equal(vgic_dist_set_pending(&d, 0, 45, false), 0);
	pick_one(&d, 1, 45);
	wr32(&d, 0, T_ICPENDR + 4, 1u << 13);
	assert_false(is_pending(&d, 0, 45));
	vgic_dist_lr_done(&d, 1, 45, 0, VGIC_LR_PENDING);
	assert_false(is_pending(&d, 0, 45));
	pick_none(&d, 1);

	/* The same for an SGI source through CPENDSGIR. */
	wr32(&d, 0, T_SGIR, SGIR(0, 0x02, 4));
	pick_one(&d, 1, 4);
	assert_int_equal(rd32(&d, 1, T_SPENDSGIR + 4), 0x00000001);
	wr(&d, 1, T_CPENDSGIR + 4, 1, 0x01);
	assert_int_equal(rd32(&d, 1, T_SPENDSGIR + 4), 0);
	assert_false(is_pending(&d, 1, 4));
	vgic_dist_lr_done(&d, 1, 4, 0, VGIC_LR_PENDING);
	assert_false(is_pending(&d, 1, 4));
	pick_none(&d, 1);
}

/* ------------------------------------------------------------------------------------------ */
/* Events                                                                                     */

static void test_kick_events(void **state)
{
	struct vgic_dist d;
	struct events ev;
	struct vgic_pick p[4];

	(void)state;
	setup(&d, &ev, 4, 64, all_owned);
	set_targets(&d, 32, 0x04);
	set_targets(&d, 33, 0x06);
	set_targets(&d, 34, 0x04);
	set_targets(&d, 35, 0x04);
	wr32(&d, 0, T_ISENABLER + 4, 0x3);

	/* Distributor disabled: nothing is deliverable, nobody is kicked. */
	ev_reset(&ev);
	assert_int_equal(vgic_dist_set_pending(&d, 0, 32, false), 0);
	assert_int_equal(vgic_dist_set_pending(&d, 0, 33, false), 0);
	assert_int_equal(ev.nr_kicks, 0);

	/* Enabling it kicks exactly the vCPUs with something deliverable, once each. */
	wr32(&d, 0, T_CTLR, 1);
	assert_int_equal(ev.nr_kicks, 2);
	assert_int_equal(ev.kick_order[0], 1);
	assert_int_equal(ev.kick_order[1], 2);
	ev_reset(&ev);
	wr32(&d, 0, T_CTLR, 1); /* no change */
	assert_int_equal(ev.nr_kicks, 0);

	/* Already pending: no kick. Priority writes: no kick. */
	assert_int_equal(vgic_dist_set_pending(&d, 0, 32, false), 0);
	set_prio(&d, 0, 32, 0x80);
	assert_int_equal(ev.nr_kicks, 0);

	/* One write enabling two pending interrupts for vCPU 2: one kick. */
	assert_int_equal(vgic_dist_set_pending(&d, 0, 34, false), 0);
	assert_int_equal(vgic_dist_set_pending(&d, 0, 35, false), 0);
	assert_int_equal(ev.nr_kicks, 0); /* disabled */
	wr32(&d, 0, T_ISENABLER + 4, 0xc);
	assert_int_equal(ev.nr_kicks, 1);
	assert_int_equal(ev.kick[2], 1);

	/* Enabling something not pending: no kick. */
	ev_reset(&ev);
	wr32(&d, 0, T_ISENABLER + 4, 0x10);
	assert_int_equal(ev.nr_kicks, 0);

	/* Retargeting a pending SPI: only the added vCPU is kicked. */
	set_targets(&d, 32, 0x0c);
	assert_int_equal(ev.nr_kicks, 1);
	assert_int_equal(ev.kick[3], 1);

	/* Pick, clear_pending, disabling: never a kick. */
	ev_reset(&ev);
	assert_int_equal(pick(&d, 2, p, 4), 4);
	assert_int_equal(vgic_dist_set_pending(&d, 0, 36, true), 0); /* no targets */
	assert_int_equal(vgic_dist_clear_pending(&d, 0, 36), 0);
	wr32(&d, 0, T_ICENABLER + 4, 0x10);
	assert_int_equal(ev.nr_kicks, 0);

	/* lr_done: the caller is not kicked; the other target of SPI 33 is. */
	vgic_dist_lr_done(&d, 2, 33, 0, VGIC_LR_PENDING);
	assert_int_equal(ev.nr_kicks, 1);
	assert_int_equal(ev.kick[1], 1);
	vgic_dist_lr_done(&d, 2, 34, 0, VGIC_LR_INVALID);
	assert_int_equal(ev.nr_kicks, 1);

	/* PPI set pending while enabled: that bank's vCPU. SGI via SPENDSGIR: the reader. */
	ev_reset(&ev);
	enable_irq(&d, 3, 27);
	assert_int_equal(vgic_dist_set_pending(&d, 3, 27, true), 0);
	wr(&d, 1, T_SPENDSGIR + 1, 1, 0x1);
	assert_int_equal(ev.nr_kicks, 2);
	assert_int_equal(ev.kick_order[0], 3);
	assert_int_equal(ev.kick_order[1], 1);

	/* Level config change making a high line count: kick. */
	ev_reset(&ev);
	set_edge(&d, 37);
	set_targets(&d, 37, 0x01);
	enable_irq(&d, 0, 37);
	assert_int_equal(vgic_dist_set_pending(&d, 0, 37, true), 0); /* rising edge */
	pick_one(&d, 0, 37);
	vgic_dist_lr_done(&d, 0, 37, 0, VGIC_LR_INVALID);
	assert_int_equal(ev.nr_kicks, 1);
	wr32(&d, 0, T_ICFGR + 8, 0); /* 32..47 level: 37's line is high */
	assert_int_equal(ev.nr_kicks, 2);
	assert_int_equal(ev.kick_order[1], 0);
}

static void test_spi_hw_events(void **state)
{
	struct vgic_dist d;
	struct events ev;

	(void)state;
	setup(&d, &ev, 4, 64, all_owned);
	enable_irq(&d, 0, 40);
	assert_int_equal(ev.nr_hw, 1);
	assert_hw(&ev, 0, 40, true, 0);
	enable_irq(&d, 0, 40); /* unchanged */
	set_targets(&d, 41, 0x00);
	assert_int_equal(ev.nr_hw, 1);
	set_targets(&d, 40, 0x05);
	assert_int_equal(ev.nr_hw, 2);
	assert_hw(&ev, 1, 40, true, 0x05);
	set_targets(&d, 41, 0xf8); /* disabled; vCPUs 4..7 do not exist */
	assert_int_equal(ev.nr_hw, 3);
	assert_hw(&ev, 2, 41, false, 0x08);
	set_targets(&d, 41, 0x08);
	assert_int_equal(ev.nr_hw, 3);
	/* One word changing two targets: two calls, ascending. */
	wr32(&d, 0, T_ITARGETSR + 40, 0x02010805);
	assert_int_equal(ev.nr_hw, 5);
	assert_hw(&ev, 3, 42, false, 0x01);
	assert_hw(&ev, 4, 43, false, 0x02);
	wr32(&d, 0, T_ICENABLER + 4, 0xffffffff);
	assert_int_equal(ev.nr_hw, 6);
	assert_hw(&ev, 5, 40, false, 0x05);
	/* Private interrupts and GICD_CTLR never. */
	wr32(&d, 0, T_ISENABLER, 0xffffffff);
	wr32(&d, 0, T_CTLR, 1);
	assert_int_equal(ev.nr_hw, 6);
}

static void test_uniprocessor(void **state)
{
	struct vgic_dist d;
	struct events ev;

	(void)state;
	setup(&d, &ev, 1, 64, all_owned);
	/* GICv2 4.3.12: ITARGETSR RAZ/WI, every SPI goes to the one interface. */
	assert_int_equal(rd32(&d, 0, T_ITARGETSR), 0);
	assert_int_equal(rd32(&d, 0, T_ITARGETSR + 40), 0);
	wr32(&d, 0, T_ITARGETSR + 40, 0x01010101);
	assert_int_equal(rd32(&d, 0, T_ITARGETSR + 40), 0);
	assert_int_equal(ev.nr_hw, 0);
	enable_irq(&d, 0, 40);
	assert_int_equal(ev.nr_hw, 1);
	assert_hw(&ev, 0, 40, true, 0x01);
	wr32(&d, 0, T_CTLR, 1);
	assert_int_equal(vgic_dist_set_pending(&d, 0, 40, false), 0);
	assert_int_equal(ev.nr_kicks, 1);
	pick_one(&d, 0, 40);
	assert_int_equal(rd32(&d, 0, T_TYPER), 0x01);
}

static void test_struct_size(void **state)
{
	(void)state;
	/* 8 vCPUs and 1020 lines in bitmaps: a few KiB, not a bool per (vCPU, INTID). */
	assert_true(sizeof(struct vgic_dist) <= 6 * 1024);
}

/* ------------------------------------------------------------------------------------------ */
/* Randomized run against a reference model                                                   */
/*                                                                                            */
/* The reference keeps one plain record per interrupt (per bank for SGIs/PPIs) and the        */
/* simulated hardware layer keeps real list registers per vCPU; the guest acknowledges and    */
/* EOIs at random. After every step the model's register view, picks, kicks and spi_hw calls  */
/* must match the reference exactly.                                                          */

#define R_VCPUS 3
#define R_LINES 96
#define R_NLR 4
#define R_STEPS 30000

struct ref_irq {
	bool valid, edge, enabled, latch, line, active;
	uint8_t prio, targets, sources;
	bool in_lr, lr_p, lr_a, lr_keep;
	unsigned lr_vcpu, lr_src;
};

struct ref {
	bool ctlr;
	struct ref_irq priv[R_VCPUS][32];
	struct ref_irq spi[R_LINES];
	struct hw_event hw[64];
	unsigned nr_hw;
};

struct sim_lr {
	bool used;
	unsigned intid, source;
	enum vgic_lr_state state;
};

static uint32_t rng_state;

static uint32_t rnd(void)
{
	/* xorshift32: fixed seed, same sequence everywhere. */
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

static unsigned rnd_below(unsigned n)
{
	return rnd() % n;
}

static struct ref_irq *ref_irq(struct ref *r, unsigned v, unsigned intid)
{
	if (intid >= R_LINES)
		abort(); /* the reference models only the lines it was built with */
	return intid < 32 ? &r->priv[v][intid] : &r->spi[intid];
}

static bool ref_pending_now(const struct ref_irq *q, unsigned intid)
{
	if (intid < 16)
		return q->sources != 0;
	return q->latch || (!q->edge && q->line);
}

static bool ref_deliverable(struct ref *r, unsigned v, unsigned intid)
{
	struct ref_irq *q = ref_irq(r, v, intid);

	if (!r->ctlr || !q->valid || !q->enabled || q->active || q->in_lr)
		return false;
	if (!ref_pending_now(q, intid))
		return false;
	return intid < 32 || (q->targets & (1u << v));
}

static void ref_snapshot(struct ref *r, bool out[R_VCPUS][R_LINES])
{
	for (unsigned v = 0; v < R_VCPUS; v++)
		for (unsigned i = 0; i < R_LINES; i++)
			out[v][i] = ref_deliverable(r, v, i);
}

static void ref_hw(struct ref *r, unsigned intid)
{
	assert_true(r->nr_hw < ARRAY_SIZE(r->hw));
	r->hw[r->nr_hw++] = (struct hw_event){intid, r->spi[intid].enabled, r->spi[intid].targets};
}

static void ref_write_bit(struct ref *r, unsigned v, uint32_t reg, unsigned intid)
{
	struct ref_irq *q = ref_irq(r, v, intid);
	bool was = q->enabled;

	if (!q->valid)
		return;
	switch (reg) {
	case T_ISENABLER:
		if (intid >= 16)
			q->enabled = true;
		break;
	case T_ICENABLER:
		if (intid >= 16)
			q->enabled = false;
		break;
	case T_ISPENDR:
		if (intid >= 16)
			q->latch = true;
		break;
	case T_ICPENDR:
		if (intid >= 16) {
			q->latch = false;
			q->lr_keep = false;
		}
		break;
	case T_ISACTIVER:
		if (!q->in_lr)
			q->active = true;
		break;
	case T_ICACTIVER:
		if (!q->in_lr)
			q->active = false;
		break;
	}
	if (intid >= 32 && was != q->enabled)
		ref_hw(r, intid);
}

static void ref_send_sgi(struct ref *r, unsigned target, unsigned sgi, uint8_t sources)
{
	r->priv[target][sgi].sources |= sources;
}

static uint8_t ref_sgir_targets(unsigned v, uint32_t val)
{
	switch ((val >> 24) & 3) {
	case 0:
		return (uint8_t)(val >> 16);
	case 1:
		return (uint8_t)(0xffu & ~(1u << v));
	case 2:
		return (uint8_t)(1u << v);
	default:
		return 0;
	}
}

static void ref_write(struct ref *r, unsigned v, uint32_t off, unsigned size, uint32_t val)
{
	if (off >= T_ISENABLER && off < T_IPRIORITYR) {
		uint32_t reg = off & ~0x7fu;
		unsigned n = (off & 0x7f) / 4;

		for (unsigned b = 0; b < 32; b++) {
			if (val & (1u << b) && 32 * n + b < R_LINES)
				ref_write_bit(r, v, reg, 32 * n + b);
		}
	} else if (off >= T_IPRIORITYR && off < T_ITARGETSR) {
		for (unsigned k = 0; k < size; k++) {
			unsigned intid = off - T_IPRIORITYR + k;

			if (intid < R_LINES && ref_irq(r, v, intid)->valid)
				ref_irq(r, v, intid)->prio = (uint8_t)(val >> (8 * k));
		}
	} else if (off >= T_ITARGETSR && off < T_ICFGR) {
		for (unsigned k = 0; k < size; k++) {
			unsigned intid = off - T_ITARGETSR + k;
			uint8_t t = (uint8_t)(val >> (8 * k)) & ((1u << R_VCPUS) - 1);

			if (intid >= 32 && intid < R_LINES && r->spi[intid].valid &&
			    r->spi[intid].targets != t) {
				r->spi[intid].targets = t;
				ref_hw(r, intid);
			}
		}
	} else if (off >= T_ICFGR && off < T_ICFGR + 0x100) {
		for (unsigned k = 0; k < 16; k++) {
			unsigned intid = (off - T_ICFGR) / 4 * 16 + k;

			if (intid >= 32 && intid < R_LINES && r->spi[intid].valid)
				r->spi[intid].edge = (val >> (2 * k + 1)) & 1;
		}
	} else if (off == T_CTLR) {
		r->ctlr = val & 1;
	} else if (off == T_SGIR) {
		uint8_t t = ref_sgir_targets(v, val);

		for (unsigned u = 0; u < R_VCPUS; u++) {
			if (t & (1u << u))
				ref_send_sgi(r, u, val & 0xf, (uint8_t)(1u << v));
		}
	} else if (off >= T_SPENDSGIR && off < T_SPENDSGIR + 16) {
		for (unsigned k = 0; k < size; k++)
			ref_send_sgi(r, v, off - T_SPENDSGIR + k,
				     (uint8_t)(val >> (8 * k)) & ((1u << R_VCPUS) - 1));
	} else if (off >= T_CPENDSGIR && off < T_CPENDSGIR + 16) {
		for (unsigned k = 0; k < size; k++) {
			struct ref_irq *q = &r->priv[v][off - T_CPENDSGIR + k];
			uint8_t c = (uint8_t)(val >> (8 * k));

			q->sources &= (uint8_t)~c;
			if (q->in_lr && (c & (1u << q->lr_src)))
				q->lr_keep = false;
		}
	}
}

static bool ref_inject_ok(struct ref *r, unsigned v, unsigned intid)
{
	if (intid >= R_LINES || (intid < 32 && v >= R_VCPUS))
		return false;
	return ref_irq(r, intid < 32 ? v : 0, intid)->valid;
}

static void ref_set_pending(struct ref *r, unsigned v, unsigned intid, bool level)
{
	struct ref_irq *q = ref_irq(r, v, intid);

	if (intid < 16) {
		q->sources |= (uint8_t)(1u << v);
		return;
	}
	if (!level || (q->edge && !q->line))
		q->latch = true;
	if (level)
		q->line = true;
}

/* The reference pick: every deliverable interrupt, best (priority, INTID) first. */
/* out->intid, deliverable to v, goes in flight for v; fills the rest of *out. */
static void ref_take(struct ref *r, unsigned v, struct vgic_pick *out)
{
	unsigned i = out->intid;
	struct ref_irq *q = ref_irq(r, v, i);

	out->priority = q->prio;
	out->level = i >= 16 && !q->edge;
	q->in_lr = true;
	q->lr_vcpu = v;
	q->lr_p = true;
	q->lr_a = false;
	if (i < 16) {
		q->lr_src = (unsigned)__builtin_ctz(q->sources);
		q->sources &= (uint8_t)(~(1u << q->lr_src));
		q->lr_keep = true;
		out->source = (uint8_t)q->lr_src;
	} else {
		q->lr_keep = q->latch;
		q->latch = false;
	}
}

static unsigned ref_pick(struct ref *r, unsigned v, struct vgic_pick *out, unsigned max)
{
	unsigned cand[R_LINES], nr = 0, n = 0;

	for (unsigned i = 0; i < R_LINES; i++) {
		if (ref_deliverable(r, v, i))
			cand[nr++] = i;
	}
	while (n < max && nr > 0) {
		unsigned best = 0;

		for (unsigned k = 1; k < nr; k++) {
			if (ref_irq(r, v, cand[k])->prio < ref_irq(r, v, cand[best])->prio)
				best = k; /* strict: the lower INTID wins a tie */
		}
		out[n++] = (struct vgic_pick){.intid = (uint16_t)cand[best]};
		memmove(&cand[best], &cand[best + 1], (nr - best - 1) * sizeof(cand[0]));
		nr--;
	}
	for (unsigned k = 0; k < n; k++)
		ref_take(r, v, &out[k]);
	return n;
}

static void ref_lr_done(struct ref *r, unsigned v, unsigned intid, enum vgic_lr_state st)
{
	struct ref_irq *q = ref_irq(r, v, intid);

	assert_true(q->in_lr);
	assert_int_equal(q->lr_vcpu, v);
	if (st == VGIC_LR_ACTIVE) {
		q->lr_p = false;
		q->lr_a = true;
		q->lr_keep = false;
		return;
	}
	if (st == VGIC_LR_PENDING && q->lr_keep) {
		if (intid < 16)
			q->sources |= (uint8_t)(1u << q->lr_src);
		else
			q->latch = true;
	}
	q->in_lr = q->lr_p = q->lr_a = q->lr_keep = false;
}

static void ref_compare_state(struct vgic_dist *d, struct ref *r, bool full)
{
	for (unsigned v = 0; v < R_VCPUS; v++) {
		for (unsigned n = 0; n < R_LINES / 32; n++) {
			uint32_t en = 0, pend = 0, act = 0;

			for (unsigned b = 0; b < 32; b++) {
				unsigned i = 32 * n + b;
				struct ref_irq *q = ref_irq(r, v, i);

				if (!q->valid)
					continue;
				if (q->enabled)
					en |= 1u << b;
				if (ref_pending_now(q, i) || (q->in_lr && q->lr_p && q->lr_keep))
					pend |= 1u << b;
				if (q->active || (q->in_lr && q->lr_a))
					act |= 1u << b;
			}
			assert_int_equal(rd32(d, v, T_ISENABLER + 4 * n), en);
			assert_int_equal(rd32(d, v, T_ISPENDR + 4 * n), pend);
			assert_int_equal(rd32(d, v, T_ISACTIVER + 4 * n), act);
		}
		for (unsigned sgi = 0; sgi < 16; sgi++) {
			struct ref_irq *q = &r->priv[v][sgi];
			unsigned s = q->sources;

			if (q->in_lr && q->lr_p && q->lr_keep)
				s |= 1u << q->lr_src;
			assert_int_equal(rd(d, v, T_SPENDSGIR + sgi, 1), s);
		}
		if (!full)
			continue;
		for (unsigned i = 0; i < R_LINES; i++) {
			struct ref_irq *q = ref_irq(r, v, i);

			assert_int_equal(rd(d, v, T_IPRIORITYR + i, 1), q->valid ? q->prio : 0);
			if (i >= 32)
				assert_int_equal(rd(d, v, T_ITARGETSR + i, 1),
						 q->valid ? q->targets : 0);
		}
		for (unsigned n = 2; n < R_LINES / 16; n++) {
			uint32_t cfg = 0;

			for (unsigned k = 0; k < 16; k++) {
				struct ref_irq *q = &r->spi[16 * n + k];

				if (q->valid && q->edge)
					cfg |= 2u << (2 * k);
			}
			assert_int_equal(rd32(d, v, T_ICFGR + 4 * n), cfg);
		}
	}
	assert_int_equal(rd32(d, 0, T_CTLR), r->ctlr);
}

/* Kicks expected for one call: vCPUs that gained a deliverable interrupt, minus `self`. */
static void ref_check_kicks(struct ref *r, bool before[R_VCPUS][R_LINES], int self,
			    struct events *ev)
{
	unsigned expected = 0, got = 0;

	for (unsigned v = 0; v < R_VCPUS; v++) {
		for (unsigned i = 0; i < R_LINES; i++) {
			if (!before[v][i] && ref_deliverable(r, v, i))
				expected |= 1u << v;
		}
	}
	if (self >= 0)
		expected &= ~(1u << self);
	for (unsigned k = 0; k < ev->nr_kicks; k++) {
		assert_int_equal(got & (1u << ev->kick_order[k]), 0); /* once per call */
		assert_true(k == 0 || ev->kick_order[k] > ev->kick_order[k - 1]);
		got |= 1u << ev->kick_order[k];
	}
	assert_int_equal(got, expected);
}

static void ref_check_hw(struct ref *r, struct events *ev)
{
	assert_int_equal(ev->nr_hw, r->nr_hw);
	for (unsigned k = 0; k < r->nr_hw; k++)
		assert_hw(ev, k, r->hw[k].intid, r->hw[k].enabled, r->hw[k].mask);
}

/* A random register write, mostly sparse bit patterns so state builds up and drains. */
static void random_write(unsigned *vcpu, uint32_t *off, unsigned *size, uint32_t *val)
{
	uint32_t sparse = rnd() & rnd() & rnd();
	unsigned n = rnd_below(R_LINES / 32);

	*vcpu = rnd_below(R_VCPUS);
	*size = 4;
	*val = sparse;
	switch (rnd_below(14)) {
	case 0:
	case 1:
		*off = T_ISENABLER + 4 * n;
		break;
	case 2:
		*off = T_ICENABLER + 4 * n;
		*val &= rnd();
		break;
	case 3:
		*off = T_ISPENDR + 4 * n;
		break;
	case 4:
		*off = T_ICPENDR + 4 * n;
		*val &= rnd();
		break;
	case 5:
		*off = T_ISACTIVER + 4 * n;
		*val &= rnd() & rnd();
		break;
	case 6:
		*off = T_ICACTIVER + 4 * n;
		*val = rnd();
		break;
	case 7:
		*size = rnd_below(2) ? 1 : 4;
		*off = T_IPRIORITYR + (rnd_below(R_LINES) & ~(*size - 1));
		*val = rnd();
		break;
	case 8:
		*size = rnd_below(2) ? 1 : 4;
		*off = T_ITARGETSR + 32 + (rnd_below(R_LINES - 32) & ~(*size - 1));
		*val = rnd();
		break;
	case 9:
		*off = T_ICFGR + 4 * (2 + rnd_below(R_LINES / 16 - 2));
		*val = rnd();
		break;
	case 10:
		*off = T_SGIR;
		*val = (rnd() & 0x030f000f);
		break;
	case 11:
		*size = rnd_below(2) ? 1 : 4;
		*off = T_SPENDSGIR + (rnd_below(16) & ~(*size - 1));
		*val = rnd() & 0x07070707u;
		break;
	case 12:
		*size = rnd_below(2) ? 1 : 4;
		*off = T_CPENDSGIR + (rnd_below(16) & ~(*size - 1));
		*val = rnd() & rnd() & 0x07070707u;
		break;
	default:
		*off = T_CTLR;
		*val = rnd_below(10) != 0;
		break;
	}
}

static void test_random_against_reference(void **state)
{
	static const uint32_t owned[R_LINES / 32] = {0, 0xf0f0ff0f, 0x8000fffe};
	static struct vgic_dist d;
	static struct ref r;
	static bool before[R_VCPUS][R_LINES];
	struct sim_lr lrs[R_VCPUS][R_NLR];
	struct events ev;
	unsigned picks = 0, picked_one = 0, forwarded = 0, forwarded_spi = 0, fast_eois = 0,
		 eoi_again = 0, acks = 0, eois = 0, given_back = 0;

	(void)state;
	rng_state = 0x2545f491;
	setup(&d, &ev, R_VCPUS, R_LINES, owned);
	memset(&r, 0, sizeof(r));
	memset(lrs, 0, sizeof(lrs));
	for (unsigned v = 0; v < R_VCPUS; v++) {
		for (unsigned i = 0; i < 32; i++) {
			r.priv[v][i].valid = true;
			r.priv[v][i].edge = i < 16;
			r.priv[v][i].enabled = i < 16;
		}
	}
	for (unsigned i = 32; i < R_LINES; i++)
		r.spi[i].valid = (owned[i / 32] >> (i % 32)) & 1;

	for (unsigned step = 0; step < R_STEPS; step++) {
		unsigned op = rnd_below(100);
		unsigned v = rnd_below(R_VCPUS);

		ev_reset(&ev);
		r.nr_hw = 0;
		ref_snapshot(&r, before);
		if (op < 40) {
			uint32_t off, val;
			unsigned size;

			random_write(&v, &off, &size, &val);
			wr(&d, v, off, size, val);
			ref_write(&r, v, off, size, val);
			ref_check_kicks(&r, before, -1, &ev);
		} else if (op < 55) {
			unsigned intid = rnd_below(R_LINES + 4);
			bool level = rnd_below(2);
			bool ok = ref_inject_ok(&r, v, intid);

			assert_int_equal(vgic_dist_set_pending(&d, v, intid, level),
					 ok ? 0 : -EINVAL);
			if (ok)
				ref_set_pending(&r, intid < 32 ? v : 0, intid, level);
			ref_check_kicks(&r, before, -1, &ev);
		} else if (op < 63) {
			unsigned intid = 16 + rnd_below(R_LINES - 16);
			bool ok = ref_inject_ok(&r, v, intid);

			assert_int_equal(vgic_dist_clear_pending(&d, v, intid), ok ? 0 : -EINVAL);
			if (ok)
				ref_irq(&r, intid < 32 ? v : 0, intid)->line = false;
			assert_int_equal(ev.nr_kicks, 0);
		} else if (op < 68) {
			/* The IRQ fast path: one given INTID into a free LR of v, if deliverable. */
			unsigned intid = rnd_below(R_LINES + 4), l = 0;
			struct vgic_pick got = {0}, want = {0};

			while (l < R_NLR && lrs[v][l].used)
				l++;
			if (l < R_NLR) {
				bool ok = intid < R_LINES && ref_deliverable(&r, v, intid);

				assert_int_equal(vgic_dist_pick_one(&d, v, intid, &got), ok);
				if (ok) {
					want.intid = (uint16_t)intid;
					ref_take(&r, v, &want);
					assert_int_equal(got.intid, want.intid);
					assert_int_equal(got.priority, want.priority);
					assert_int_equal(got.source, want.source);
					assert_int_equal(got.level, want.level);
					lrs[v][l] = (struct sim_lr){true, got.intid, got.source,
								    VGIC_LR_PENDING};
					picked_one++;
				}
			}
			assert_int_equal(ev.nr_kicks, 0);
		} else if (op < 72) {
			/* The IRQ fast path's forwarded PPI. */
			unsigned intid = 14 + rnd_below(20), l = 0;
			struct vgic_pick got = {0}, want = {0};
			bool ok = intid >= 16 && intid < 32;

			while (l < R_NLR && lrs[v][l].used)
				l++;
			if (l < R_NLR) {
				bool busy = ok && ref_irq(&r, v, intid)->in_lr;
				int ret = vgic_dist_forward_ppi(&d, v, intid, &got);

				if (ok && !busy)
					ref_set_pending(&r, v, intid, false);
				bool take = ok && !busy && ref_deliverable(&r, v, intid);

				assert_int_equal(ret, !ok ? -EINVAL : busy ? -EBUSY : take ? 1 : 0);
				if (take) {
					want.intid = (uint16_t)intid;
					ref_take(&r, v, &want);
					assert_int_equal(got.intid, want.intid);
					assert_int_equal(got.priority, want.priority);
					assert_int_equal(got.level, want.level);
					lrs[v][l] = (struct sim_lr){true, got.intid, 0,
								    VGIC_LR_PENDING};
					forwarded++;
				}
			}
			assert_int_equal(ev.nr_kicks, 0);
		} else if (op < 73) {
			/* The IRQ fast path's forwarded SPI: taken, or nothing changed. */
			unsigned intid = 30 + rnd_below(R_LINES - 26), l = 0;
			struct vgic_pick got = {0}, want = {0};

			while (l < R_NLR && lrs[v][l].used)
				l++;
			if (l < R_NLR) {
				bool spi = intid >= 32 && intid < R_LINES;
				struct ref_irq saved =
					spi ? *ref_irq(&r, 0, intid) : (struct ref_irq){0};
				bool take = false;

				if (spi && ref_inject_ok(&r, v, intid)) {
					ref_set_pending(&r, 0, intid, false);
					take = ref_deliverable(&r, v, intid);
					if (!take)
						*ref_irq(&r, 0, intid) = saved;
				}
				int ret = vgic_dist_forward_spi(&d, v, intid, &got);

				assert_int_equal(ret, take ? 1 : -EAGAIN);
				if (take) {
					want.intid = (uint16_t)intid;
					ref_take(&r, v, &want);
					assert_int_equal(got.intid, want.intid);
					assert_int_equal(got.priority, want.priority);
					assert_int_equal(got.level, want.level);
					lrs[v][l] = (struct sim_lr){true, got.intid, 0,
								    VGIC_LR_PENDING};
					forwarded_spi++;
				}
			}
			assert_int_equal(ev.nr_kicks, 0);
		} else if (op < 75) {
			/* Fill the free LRs of v. */
			struct vgic_pick got[R_NLR], want[R_NLR];
			unsigned free_lrs = 0, n, m;

			for (unsigned k = 0; k < R_NLR; k++)
				free_lrs += !lrs[v][k].used;
			n = pick(&d, v, got, free_lrs);
			m = ref_pick(&r, v, want, free_lrs);
			assert_int_equal(n, m);
			for (unsigned k = 0; k < n; k++) {
				assert_int_equal(got[k].intid, want[k].intid);
				assert_int_equal(got[k].priority, want[k].priority);
				assert_int_equal(got[k].source, want[k].source);
				assert_int_equal(got[k].level, want[k].level);
				for (unsigned l = 0; l < R_NLR; l++) {
					if (lrs[v][l].used)
						continue;
					lrs[v][l] = (struct sim_lr){true, got[k].intid,
								    got[k].source, VGIC_LR_PENDING};
					break;
				}
			}
			picks += n;
			assert_int_equal(ev.nr_kicks, 0);
			/* No INTID twice in one vCPU's LRs; no SPI in two vCPUs' LRs. */
			for (unsigned a = 0; a < R_VCPUS * R_NLR; a++) {
				const struct sim_lr *x = &lrs[a / R_NLR][a % R_NLR];

				for (unsigned b = a + 1; b < R_VCPUS * R_NLR && x->used; b++) {
					const struct sim_lr *y = &lrs[b / R_NLR][b % R_NLR];
					bool same_vcpu = a / R_NLR == b / R_NLR;

					if (y->used && y->intid == x->intid)
						assert_true(!same_vcpu && x->intid < 32);
				}
			}
		} else if (op < 77) {
			/* The fast path's EOI of a PPI: an LR of v the guest has EOI'd. */
			unsigned k = rnd_below(R_NLR);
			struct sim_lr *l = &lrs[v][k];
			struct vgic_pick got = {0}, want = {0};

			if (l->used && l->intid >= 16 && l->intid < 32) {
				/* The guest acknowledges (if need be) and EOIs it. */
				l->state = VGIC_LR_INVALID;
				int ret = vgic_dist_ppi_eoi(&d, v, l->intid, &got);

				ref_lr_done(&r, v, l->intid, VGIC_LR_INVALID);
				bool again = ref_deliverable(&r, v, l->intid);

				assert_int_equal(ret, again ? 1 : 0);
				if (again) {
					want.intid = l->intid;
					ref_take(&r, v, &want);
					assert_int_equal(got.intid, want.intid);
					assert_int_equal(got.priority, want.priority);
					assert_int_equal(got.level, want.level);
					l->state = VGIC_LR_PENDING;
					eoi_again++;
				} else {
					l->used = false;
				}
				fast_eois++;
			} else {
				/* A PPI not in flight for v is refused, nothing changed. */
				unsigned intid = 16 + rnd_below(16);

				if (!ref_irq(&r, v, intid)->in_lr)
					assert_int_equal(vgic_dist_ppi_eoi(&d, v, intid, &got),
							 -EINVAL);
			}
			assert_int_equal(ev.nr_kicks, 0);
		} else if (op < 85) {
			/* The guest acknowledges one pending LR. */
			struct sim_lr *l = &lrs[v][rnd_below(R_NLR)];

			if (l->used && l->state == VGIC_LR_PENDING) {
				l->state = VGIC_LR_ACTIVE;
				acks++;
			}
		} else if (op < 93) {
			/* The guest EOIs one active LR. */
			struct sim_lr *l = &lrs[v][rnd_below(R_NLR)];

			if (l->used && l->state == VGIC_LR_ACTIVE) {
				l->state = VGIC_LR_INVALID;
				eois++;
			}
		} else {
			/* v exits: every LR is read back. */
			for (unsigned k = 0; k < R_NLR; k++) {
				struct sim_lr *l = &lrs[v][k];

				if (!l->used)
					continue;
				ev_reset(&ev);
				ref_snapshot(&r, before);
				vgic_dist_lr_done(&d, v, l->intid, l->source, l->state);
				ref_lr_done(&r, v, l->intid, l->state);
				ref_check_kicks(&r, before, (int)v, &ev);
				given_back += l->state == VGIC_LR_PENDING;
				if (l->state != VGIC_LR_ACTIVE)
					l->used = false;
			}
		}
		ref_check_hw(&r, &ev);
		ref_compare_state(&d, &r, step % 64 == 0);
		for (unsigned u = 0; u < R_VCPUS; u++) {
			bool any = false;

			for (unsigned i = 0; i < R_LINES; i++)
				any = any || ref_deliverable(&r, u, i);
			assert_int_equal(vgic_dist_has_deliverable(&d, u), any);
		}
	}
	/* The run exercised the interesting paths. */
	assert_true(picks > 1000);
	assert_true(picked_one > 100);
	assert_true(forwarded > 100);
	assert_true(forwarded_spi > 20);
	assert_true(fast_eois > 80);
	assert_true(eoi_again > 20);
	assert_true(acks > 300);
	assert_true(eois > 300);
	assert_true(given_back > 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_rejects_bad_arguments),
		cmocka_unit_test(test_reset_values),
		cmocka_unit_test(test_typer_iidr_id),
		cmocka_unit_test(test_access_sizes_word_only),
		cmocka_unit_test(test_access_sizes_byte_registers),
		cmocka_unit_test(test_reserved_offsets_raz_wi),
		cmocka_unit_test(test_special_intids),
		cmocka_unit_test(test_ppi_banking),
		cmocka_unit_test(test_sgir_filters_and_sources),
		cmocka_unit_test(test_sgi_sources_delivered_one_at_a_time),
		cmocka_unit_test(test_ownership),
		cmocka_unit_test(test_pick_order_priority_then_intid),
		cmocka_unit_test(test_pick_level_flag_and_priority),
		cmocka_unit_test(test_spi_in_flight_not_picked_twice),
		cmocka_unit_test(test_pick_one_named_interrupt),
		cmocka_unit_test(test_more_pending_than_max),
		cmocka_unit_test(test_lr_done_transitions),
		cmocka_unit_test(test_level_vs_edge),
		cmocka_unit_test(test_clear_pending_cancels_in_flight),
		cmocka_unit_test(test_kick_events),
		cmocka_unit_test(test_spi_hw_events),
		cmocka_unit_test(test_uniprocessor),
		cmocka_unit_test(test_struct_size),
		cmocka_unit_test(test_random_against_reference),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
