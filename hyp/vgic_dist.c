/* Virtual GIC distributor: GICv2 GICD register decode, per-interrupt state, and the pick /
 * lr_done interface of the list-register layer. See hyp/vgic_dist.h for the model, the choices
 * the architecture leaves open and the locking rule.
 *
 * State lives in bitmaps of 32 interrupts (struct vgic_irq_bits): the bank of vCPU v for INTID
 * 0..31, d->spi[g - 1] for INTIDs 32g..32g+31. Every state change of one interrupt goes through
 * kick_begin()/kick_end(), which compare the set of vCPUs it is deliverable to before and after:
 * that one rule produces every ops->kick.
 */
#include "hyp/vgic_dist.h"

#include <errno.h>
#include <string.h>

#include "hyp/assert.h"

/* Distributor register map (GICv2 4.1.2, Table 4-1): offsets from the GICD base. */
#define GICD_CTLR 0x000u
#define GICD_TYPER 0x004u
#define GICD_IIDR 0x008u
#define GICD_ISENABLER 0x100u
#define GICD_ICENABLER 0x180u
#define GICD_ISPENDR 0x200u
#define GICD_ICPENDR 0x280u
#define GICD_ISACTIVER 0x300u
#define GICD_ICACTIVER 0x380u
#define GICD_IPRIORITYR 0x400u
#define GICD_ITARGETSR 0x800u
#define GICD_ICFGR 0xc00u
#define GICD_SGIR 0xf00u
#define GICD_CPENDSGIR 0xf10u
#define GICD_SPENDSGIR 0xf20u
#define GICD_ID 0xfd0u /* ICPIDR4..7, ICPIDR0..3, ICCIDR0..3 up to 0xffc */

#define BITMAP_REG_LEN 0x80u		/* one bit per INTID: 32 words */
#define BYTE_REG_LEN VGIC_FIRST_SPECIAL /* one byte per INTID 0..1019 */
#define ICFGR_LEN 0x100u		/* two bits per INTID: 64 words */
#define SGI_BYTE_REG_LEN VGIC_NR_SGIS	/* CPENDSGIR/SPENDSGIR: one byte per SGI */
#define ID_LEN 0x30u

/* GICD_CTLR (GICv2 4.3.1), no Security Extensions: bit 0 enables forwarding. */
#define CTLR_ENABLE 1u

/* GICD_TYPER (GICv2 4.3.2). SecurityExtn [10] and LSPI [15:11] read 0. */
#define TYPER_CPUNUMBER_SHIFT 5 /* [7:5]: number of CPU interfaces - 1 */

/* GICD_ICFGR (GICv2 4.3.13): two bits per interrupt; Int_config[1] set = edge-triggered. */
#define ICFGR_EDGE 2u
#define ICFGR_SGI_VALUE 0xaaaaaaaau /* SGIs: all edge, read-only */
#define ICFGR_PPI_VALUE 0u	    /* PPIs: all level, read-only (a Bulkhead choice) */

/* GICD_SGIR (GICv2 4.3.15). NSATT [15] only matters with Security Extensions: ignored. */
#define SGIR_INTID_MASK 0xfu
#define SGIR_TARGETS_SHIFT 16
#define SGIR_FILTER_SHIFT 24
#define SGIR_FILTER_MASK 3u
#define SGIR_FILTER_LIST 0u   /* the vCPUs in CPUTargetList */
#define SGIR_FILTER_OTHERS 1u /* every vCPU but the requester */
#define SGIR_FILTER_SELF 2u   /* the requester only; 3 is reserved: ignored */

/* Private interrupts whose bits in the bitmap registers ignore writes. */
#define SGI_BITS 0x0000ffffu
#define PPI_BITS 0xffff0000u
#define SPECIAL_BITS 0xf0000000u /* INTID 1020..1023 in the last group */

/* Identification registers, 0xfd0..0xffc in register order (GICv2 4.3.18). Only ICPIDR2.ArchRev
 * [7:4] is architected: 2 = GICv2. The rest follow the usual CoreSight layout with ARM's JEP106
 * code (matching GICD_IIDR) and part number 0: ICPIDR4 continuation code 4; ICPIDR1 JEP106
 * [3:0] in [7:4]; ICPIDR2 JEDEC-used [3] and JEP106 [6:4] in [2:0]; ICCIDR0..3 the component
 * preamble. */
static const uint32_t gicd_id_regs[ID_LEN / 4] = {
	0x04, 0x00, 0x00, 0x00, /* ICPIDR4..7 */
	0x00, 0xb0, 0x2b, 0x00, /* ICPIDR0..3 */
	0x0d, 0xf0, 0x05, 0xb1, /* ICCIDR0..3 */
};

static inline uint32_t bit32(unsigned n)
{
	return (uint32_t)1 << n;
}

static inline unsigned lowest_bit(uint32_t m)
{
	return (unsigned)__builtin_ctz(m);
}

static inline void assign_bit(uint32_t *word, uint32_t bit, bool on)
{
	if (on)
		*word |= bit;
	else
		*word &= ~bit;
}

static inline uint8_t all_vcpus(const struct vgic_dist *d)
{
	return (uint8_t)((1u << d->nr_vcpus) - 1u);
}

/* The 32 interrupts of group intid / 32 as vCPU vcpu sees them (its bank for INTID 0..31). */
static struct vgic_irq_bits *bank(struct vgic_dist *d, unsigned vcpu, unsigned intid)
{
	ASSERT(intid < VGIC_MAX_LINES);
	return intid < VGIC_NR_PRIVATE ? &d->cpu[vcpu].bits : &d->spi[intid / 32 - 1];
}

static const struct vgic_irq_bits *bank_c(const struct vgic_dist *d, unsigned vcpu, unsigned intid)
{
	ASSERT(intid < VGIC_MAX_LINES);
	return intid < VGIC_NR_PRIVATE ? &d->cpu[vcpu].bits : &d->spi[intid / 32 - 1];
}

static uint8_t *priority_of(struct vgic_dist *d, unsigned vcpu, unsigned intid)
{
	return intid < VGIC_NR_PRIVATE ? &d->cpu[vcpu].priority[intid]
				       : &d->spi_priority[intid - VGIC_NR_PRIVATE];
}

/* Pending as the distributor sees it, not counting an instance held by an LR. */
static uint32_t pending_now(const struct vgic_irq_bits *g)
{
	return g->latch | (g->line & ~g->edge);
}

/* Could be given to an LR now, apart from GICD_CTLR and SPI targets. */
static uint32_t ready(const struct vgic_irq_bits *g)
{
	return g->valid & g->enabled & pending_now(g) & ~g->active & ~g->lr;
}

/* vCPUs intid (in the bank of vcpu, if private) is deliverable to. */
static uint8_t deliver_mask(const struct vgic_dist *d, unsigned vcpu, unsigned intid)
{
	if (!d->enabled || !(ready(bank_c(d, vcpu, intid)) & bit32(intid % 32)))
		return 0;
	if (intid < VGIC_NR_PRIVATE)
		return (uint8_t)(1u << vcpu);
	return d->spi_targets[intid - VGIC_NR_PRIVATE];
}

/* Bracket a state change of one interrupt: vCPUs it becomes deliverable to get a kick. */
static uint8_t kick_begin(const struct vgic_dist *d, unsigned vcpu, unsigned intid)
{
	return deliver_mask(d, vcpu, intid);
}

static void kick_end(struct vgic_dist *d, unsigned vcpu, unsigned intid, uint8_t before)
{
	d->kicks |= (uint8_t)(deliver_mask(d, vcpu, intid) & ~before);
}

/* Runs at the end of every entry point that can change deliverability. */
static void flush_kicks(struct vgic_dist *d)
{
	unsigned k = d->kicks;

	d->kicks = 0;
	while (k) {
		unsigned v = lowest_bit(k);

		k &= k - 1;
		if (d->ops && d->ops->kick)
			d->ops->kick(d->ctx, v);
	}
}

static void spi_hw_changed(struct vgic_dist *d, unsigned intid)
{
	const struct vgic_irq_bits *g = bank_c(d, 0, intid);

	if (d->ops && d->ops->spi_hw)
		d->ops->spi_hw(d->ctx, intid, (g->enabled & bit32(intid % 32)) != 0,
			       d->spi_targets[intid - VGIC_NR_PRIVATE]);
}

/* SGIs keep their pending sources per (target bank, SGI); the latch bit mirrors "any source". */
static void sgi_sync_latch(struct vgic_dist *d, unsigned vcpu, unsigned sgi)
{
	struct vgic_dist_cpu *c = &d->cpu[vcpu];

	assign_bit(&c->bits.latch, bit32(sgi), c->sgi_sources[sgi] != 0);
}

static void sgi_add_sources(struct vgic_dist *d, unsigned target, unsigned sgi, uint8_t sources)
{
	uint8_t before = kick_begin(d, target, sgi);

	d->cpu[target].sgi_sources[sgi] |= sources;
	sgi_sync_latch(d, target, sgi);
	kick_end(d, target, sgi, before);
}

/* ------------------------------------------------------------------------------------------ */
/* Register handlers. Word handlers get the register index n within their range; byte handlers */
/* the byte index (= INTID for IPRIORITYR/ITARGETSR, SGI number for C/SPENDSGIR).            */

static uint32_t read_ctlr(struct vgic_dist *d, unsigned vcpu, unsigned n)
{
	(void)vcpu;
	(void)n;
	return d->enabled ? CTLR_ENABLE : 0;
}

static void write_ctlr(struct vgic_dist *d, unsigned vcpu, unsigned n, uint32_t val)
{
	bool was = d->enabled;

	(void)vcpu;
	(void)n;
	d->enabled = (val & CTLR_ENABLE) != 0;
	if (!was && d->enabled) {
		for (unsigned v = 0; v < d->nr_vcpus; v++) {
			if (vgic_dist_has_deliverable(d, v))
				d->kicks |= (uint8_t)(1u << v);
		}
	}
}

static uint32_t read_typer(struct vgic_dist *d, unsigned vcpu, unsigned n)
{
	(void)vcpu;
	(void)n;
	return (uint32_t)(d->nr_lines / 32 - 1) | (uint32_t)(d->nr_vcpus - 1)
							  << TYPER_CPUNUMBER_SHIFT;
}

static uint32_t read_iidr(struct vgic_dist *d, unsigned vcpu, unsigned n)
{
	(void)d;
	(void)vcpu;
	(void)n;
	return VGIC_DIST_IIDR;
}

static uint32_t read_id(struct vgic_dist *d, unsigned vcpu, unsigned n)
{
	(void)d;
	(void)vcpu;
	return gicd_id_regs[n];
}

/* Bits of bitmap register n (INTIDs 32n..32n+31) that exist for vcpu. */
static uint32_t bitmap_valid(const struct vgic_dist *d, unsigned vcpu, unsigned n)
{
	return bank_c(d, vcpu, 32 * n)->valid;
}

static uint32_t read_enabler(struct vgic_dist *d, unsigned vcpu, unsigned n)
{
	const struct vgic_irq_bits *g = bank_c(d, vcpu, 32 * n);

	return g->valid & g->enabled;
}

static uint32_t read_pendr(struct vgic_dist *d, unsigned vcpu, unsigned n)
{
	const struct vgic_irq_bits *g = bank_c(d, vcpu, 32 * n);

	return g->valid & (pending_now(g) | (g->lr & g->lr_pending & g->lr_latch));
}

static uint32_t read_activer(struct vgic_dist *d, unsigned vcpu, unsigned n)
{
	const struct vgic_irq_bits *g = bank_c(d, vcpu, 32 * n);

	return g->valid & (g->active | (g->lr & g->lr_active));
}

enum bit_op { SET_ENABLE, CLEAR_ENABLE, SET_PENDING, CLEAR_PENDING, SET_ACTIVE, CLEAR_ACTIVE };

/* Applies op to every interrupt of bitmap register n whose bit is set in val. */
static void write_bitmap(struct vgic_dist *d, unsigned vcpu, unsigned n, uint32_t val,
			 enum bit_op op)
{
	struct vgic_irq_bits *g = bank(d, vcpu, 32 * n);
	uint32_t m = val & bitmap_valid(d, vcpu, n);

	/* SGIs: permanently enabled (GICv2 4.3.5 allows it), pending only through SGIR and
	 * SPENDSGIR/CPENDSGIR (GICv2 4.3.7, 4.3.8). */
	if (n == 0 && op != SET_ACTIVE && op != CLEAR_ACTIVE)
		m &= ~SGI_BITS;
	/* The active state of an interrupt in an LR belongs to the LR (see vgic_dist_lr_done()). */
	if (op == SET_ACTIVE || op == CLEAR_ACTIVE)
		m &= ~g->lr;

	while (m) {
		unsigned b = lowest_bit(m);
		unsigned intid = 32 * n + b;
		uint32_t bit = bit32(b);
		uint8_t before = kick_begin(d, vcpu, intid);
		bool was_enabled = (g->enabled & bit) != 0;

		m &= m - 1;
		switch (op) {
		case SET_ENABLE:
			g->enabled |= bit;
			break;
		case CLEAR_ENABLE:
			g->enabled &= ~bit;
			break;
		case SET_PENDING:
			g->latch |= bit;
			break;
		case CLEAR_PENDING:
			/* A level line still high keeps it pending (GICv2 4.3.8); an instance in an
			 * LR is dropped if the LR gives it back. */
			g->latch &= ~bit;
			g->lr_latch &= ~bit;
			break;
		case SET_ACTIVE:
			g->active |= bit;
			break;
		case CLEAR_ACTIVE:
			g->active &= ~bit;
			break;
		}
		kick_end(d, vcpu, intid, before);
		if (intid >= VGIC_NR_PRIVATE && was_enabled != ((g->enabled & bit) != 0))
			spi_hw_changed(d, intid);
	}
}

static void write_isenabler(struct vgic_dist *d, unsigned vcpu, unsigned n, uint32_t val)
{
	write_bitmap(d, vcpu, n, val, SET_ENABLE);
}

static void write_icenabler(struct vgic_dist *d, unsigned vcpu, unsigned n, uint32_t val)
{
	write_bitmap(d, vcpu, n, val, CLEAR_ENABLE);
}

static void write_ispendr(struct vgic_dist *d, unsigned vcpu, unsigned n, uint32_t val)
{
	write_bitmap(d, vcpu, n, val, SET_PENDING);
}

static void write_icpendr(struct vgic_dist *d, unsigned vcpu, unsigned n, uint32_t val)
{
	write_bitmap(d, vcpu, n, val, CLEAR_PENDING);
}

static void write_isactiver(struct vgic_dist *d, unsigned vcpu, unsigned n, uint32_t val)
{
	write_bitmap(d, vcpu, n, val, SET_ACTIVE);
}

static void write_icactiver(struct vgic_dist *d, unsigned vcpu, unsigned n, uint32_t val)
{
	write_bitmap(d, vcpu, n, val, CLEAR_ACTIVE);
}

static bool irq_valid(const struct vgic_dist *d, unsigned vcpu, unsigned intid)
{
	return (bank_c(d, vcpu, intid)->valid & bit32(intid % 32)) != 0;
}

/* GICD_IPRIORITYR (GICv2 4.3.11): one byte per interrupt, all 8 bits kept. */
static uint8_t read_priority(struct vgic_dist *d, unsigned vcpu, unsigned intid)
{
	return irq_valid(d, vcpu, intid) ? *priority_of(d, vcpu, intid) : 0;
}

static void write_priority(struct vgic_dist *d, unsigned vcpu, unsigned intid, uint8_t val)
{
	if (irq_valid(d, vcpu, intid))
		*priority_of(d, vcpu, intid) = val;
}

/* GICD_ITARGETSR (GICv2 4.3.12). */
static uint8_t read_targets(struct vgic_dist *d, unsigned vcpu, unsigned intid)
{
	if (d->nr_vcpus == 1 || !irq_valid(d, vcpu, intid))
		return 0; /* uniprocessor: RAZ/WI */
	if (intid < VGIC_NR_PRIVATE)
		return (uint8_t)(1u << vcpu); /* ITARGETSR0-7: the reader's own interface */
	return d->spi_targets[intid - VGIC_NR_PRIVATE];
}

static void write_targets(struct vgic_dist *d, unsigned vcpu, unsigned intid, uint8_t val)
{
	uint8_t *t;
	uint8_t before;

	if (d->nr_vcpus == 1 || intid < VGIC_NR_PRIVATE || !irq_valid(d, vcpu, intid))
		return;
	t = &d->spi_targets[intid - VGIC_NR_PRIVATE];
	val &= all_vcpus(d);
	if (*t == val)
		return;
	before = kick_begin(d, vcpu, intid);
	*t = val;
	kick_end(d, vcpu, intid, before);
	spi_hw_changed(d, intid);
}

/* GICD_ICFGR (GICv2 4.3.13): register n covers INTIDs 16n..16n+15. */
static uint32_t read_icfgr(struct vgic_dist *d, unsigned vcpu, unsigned n)
{
	uint32_t val = 0;

	if (n == 0)
		return ICFGR_SGI_VALUE;
	if (n == 1)
		return ICFGR_PPI_VALUE;
	for (unsigned k = 0; k < 16; k++) {
		unsigned intid = 16 * n + k;
		const struct vgic_irq_bits *g = bank_c(d, vcpu, intid);

		if (g->valid & g->edge & bit32(intid % 32))
			val |= ICFGR_EDGE << (2 * k);
	}
	return val;
}

static void write_icfgr(struct vgic_dist *d, unsigned vcpu, unsigned n, uint32_t val)
{
	if (n < 2)
		return; /* SGI and PPI configuration is fixed */
	for (unsigned k = 0; k < 16; k++) {
		unsigned intid = 16 * n + k;
		struct vgic_irq_bits *g = bank(d, vcpu, intid);
		uint8_t before;

		if (!irq_valid(d, vcpu, intid))
			continue;
		before = kick_begin(d, vcpu, intid);
		assign_bit(&g->edge, bit32(intid % 32), (val >> (2 * k)) & ICFGR_EDGE);
		kick_end(d, vcpu, intid, before);
	}
}

/* GICD_SGIR (GICv2 4.3.15): vcpu sends an SGI. Targets the partition lacks are ignored. */
static void write_sgir(struct vgic_dist *d, unsigned vcpu, unsigned n, uint32_t val)
{
	unsigned sgi = val & SGIR_INTID_MASK;
	uint8_t targets;

	(void)n;
	switch ((val >> SGIR_FILTER_SHIFT) & SGIR_FILTER_MASK) {
	case SGIR_FILTER_LIST:
		targets = (uint8_t)(val >> SGIR_TARGETS_SHIFT);
		break;
	case SGIR_FILTER_OTHERS:
		targets = (uint8_t)(~(1u << vcpu));
		break;
	case SGIR_FILTER_SELF:
		targets = (uint8_t)(1u << vcpu);
		break;
	default:
		return; /* reserved filter */
	}
	targets &= all_vcpus(d);
	while (targets) {
		unsigned t = lowest_bit(targets);

		targets &= (uint8_t)(targets - 1);
		sgi_add_sources(d, t, sgi, (uint8_t)(1u << vcpu));
	}
}

/* GICD_SPENDSGIR/CPENDSGIR (GICv2 4.3.16, 4.3.17): byte n holds the source vCPUs of SGI n
 * pending at the reader. The instance in an LR counts while it is pending and not cancelled. */
static uint8_t read_sgi_pending(struct vgic_dist *d, unsigned vcpu, unsigned sgi)
{
	const struct vgic_dist_cpu *c = &d->cpu[vcpu];
	unsigned val = c->sgi_sources[sgi];

	if (c->bits.lr & c->bits.lr_pending & c->bits.lr_latch & bit32(sgi))
		val |= 1u << c->sgi_lr_source[sgi];
	return (uint8_t)val;
}

static void write_spendsgir(struct vgic_dist *d, unsigned vcpu, unsigned sgi, uint8_t val)
{
	val &= all_vcpus(d);
	if (val)
		sgi_add_sources(d, vcpu, sgi, val);
}

static void write_cpendsgir(struct vgic_dist *d, unsigned vcpu, unsigned sgi, uint8_t val)
{
	struct vgic_dist_cpu *c = &d->cpu[vcpu];

	c->sgi_sources[sgi] &= (uint8_t)~val;
	sgi_sync_latch(d, vcpu, sgi);
	if ((c->bits.lr & bit32(sgi)) && (val & (1u << c->sgi_lr_source[sgi])))
		c->bits.lr_latch &= ~bit32(sgi);
}

/* ------------------------------------------------------------------------------------------ */
/* Register table: the map of GICv2 4.1.2 as data. Offsets not listed (reserved, IGROUPR,     */
/* NSACR, IMPLEMENTATION DEFINED ranges, the SPI INTIDs 1020..1023) are RAZ/WI.               */

#define ACCESS_BYTE 1u /* = access size, so `sizes & size` tests an access */
#define ACCESS_WORD 4u

struct gicd_reg {
	uint16_t base;
	uint16_t len;  /* bytes */
	uint8_t sizes; /* permitted access sizes (GICv2 4.1.4) */
	/* word registers: n = word index in the range; NULL: RAZ (read) / WI (write) */
	uint32_t (*read32)(struct vgic_dist *d, unsigned vcpu, unsigned n);
	void (*write32)(struct vgic_dist *d, unsigned vcpu, unsigned n, uint32_t val);
	/* byte-accessible registers: n = byte index; a word access is four byte accesses */
	uint8_t (*read8)(struct vgic_dist *d, unsigned vcpu, unsigned n);
	void (*write8)(struct vgic_dist *d, unsigned vcpu, unsigned n, uint8_t val);
};

enum gicd_reg_index {
	R_CTLR,
	R_TYPER,
	R_IIDR,
	R_ISENABLER,
	R_ICENABLER,
	R_ISPENDR,
	R_ICPENDR,
	R_ISACTIVER,
	R_ICACTIVER,
	R_IPRIORITYR,
	R_ITARGETSR,
	R_ICFGR,
	R_SGIR,
	R_CPENDSGIR,
	R_SPENDSGIR,
	R_ID,
	NR_GICD_REGS,
	R_NONE = NR_GICD_REGS,
};

/* Sorted by base (find_reg() relies on it). */
static const struct gicd_reg gicd_regs[NR_GICD_REGS] = {
	[R_CTLR] = {GICD_CTLR, 4, ACCESS_WORD, read_ctlr, write_ctlr, NULL, NULL},
	[R_TYPER] = {GICD_TYPER, 4, ACCESS_WORD, read_typer, NULL, NULL, NULL},
	[R_IIDR] = {GICD_IIDR, 4, ACCESS_WORD, read_iidr, NULL, NULL, NULL},
	[R_ISENABLER] = {GICD_ISENABLER, BITMAP_REG_LEN, ACCESS_WORD, read_enabler, write_isenabler,
			 NULL, NULL},
	[R_ICENABLER] = {GICD_ICENABLER, BITMAP_REG_LEN, ACCESS_WORD, read_enabler, write_icenabler,
			 NULL, NULL},
	[R_ISPENDR] = {GICD_ISPENDR, BITMAP_REG_LEN, ACCESS_WORD, read_pendr, write_ispendr, NULL,
		       NULL},
	[R_ICPENDR] = {GICD_ICPENDR, BITMAP_REG_LEN, ACCESS_WORD, read_pendr, write_icpendr, NULL,
		       NULL},
	[R_ISACTIVER] = {GICD_ISACTIVER, BITMAP_REG_LEN, ACCESS_WORD, read_activer, write_isactiver,
			 NULL, NULL},
	[R_ICACTIVER] = {GICD_ICACTIVER, BITMAP_REG_LEN, ACCESS_WORD, read_activer, write_icactiver,
			 NULL, NULL},
	[R_IPRIORITYR] = {GICD_IPRIORITYR, BYTE_REG_LEN, ACCESS_BYTE | ACCESS_WORD, NULL, NULL,
			  read_priority, write_priority},
	[R_ITARGETSR] = {GICD_ITARGETSR, BYTE_REG_LEN, ACCESS_BYTE | ACCESS_WORD, NULL, NULL,
			 read_targets, write_targets},
	[R_ICFGR] = {GICD_ICFGR, ICFGR_LEN, ACCESS_WORD, read_icfgr, write_icfgr, NULL, NULL},
	[R_SGIR] = {GICD_SGIR, 4, ACCESS_WORD, NULL, write_sgir, NULL, NULL}, /* write-only */
	[R_CPENDSGIR] = {GICD_CPENDSGIR, SGI_BYTE_REG_LEN, ACCESS_BYTE | ACCESS_WORD, NULL, NULL,
			 read_sgi_pending, write_cpendsgir},
	[R_SPENDSGIR] = {GICD_SPENDSGIR, SGI_BYTE_REG_LEN, ACCESS_BYTE | ACCESS_WORD, NULL, NULL,
			 read_sgi_pending, write_spendsgir},
	[R_ID] = {GICD_ID, ID_LEN, ACCESS_WORD, read_id, NULL, NULL, NULL},
};

/* The first register whose range reaches into each 128-byte block of the frame (offset >> 7),
 * so that find_reg() tries one to three registers instead of scanning the table (every GICD
 * access is a trap: this is its hot path). R_NONE: nothing but RAZ/WI there. */
#define GICD_BLOCK_SHIFT 7
static const uint8_t block_first[VGIC_DIST_FRAME_SIZE >> GICD_BLOCK_SHIFT] = {
	[0] = R_CTLR,
	[1] = R_NONE, /* IGROUPR: RAZ/WI */
	[2] = R_ISENABLER,
	[3] = R_ICENABLER,
	[4] = R_ISPENDR,
	[5] = R_ICPENDR,
	[6] = R_ISACTIVER,
	[7] = R_ICACTIVER,
	[8 ... 15] = R_IPRIORITYR,
	[16 ... 23] = R_ITARGETSR,
	[24 ... 25] = R_ICFGR,
	[26 ... 29] = R_NONE, /* reserved, NSACR: RAZ/WI */
	[30] = R_SGIR,
	[31] = R_ID,
};
_Static_assert(GICD_ISENABLER >> GICD_BLOCK_SHIFT == 2 &&
		       GICD_IPRIORITYR >> GICD_BLOCK_SHIFT == 8 &&
		       GICD_ITARGETSR >> GICD_BLOCK_SHIFT == 16 &&
		       GICD_ICFGR >> GICD_BLOCK_SHIFT == 24 &&
		       GICD_SGIR >> GICD_BLOCK_SHIFT == 30 &&
		       GICD_SPENDSGIR >> GICD_BLOCK_SHIFT == 30 &&
		       GICD_ID >> GICD_BLOCK_SHIFT == 31,
	       "block_first[] follows the GICv2 distributor map");

/* The register an access of size bytes at offset may use, or NULL (RAZ/WI). */
static const struct gicd_reg *find_reg(uint64_t offset, unsigned size)
{
	if (offset >= VGIC_DIST_FRAME_SIZE)
		return NULL;
	unsigned o = (unsigned)offset;

	for (unsigned i = block_first[o >> GICD_BLOCK_SHIFT]; i < NR_GICD_REGS; i++) {
		const struct gicd_reg *r = &gicd_regs[i];

		if (o < r->base)
			break; /* sorted: no later register starts at or below o */
		if (o + size <= (unsigned)r->base + r->len)
			return (r->sizes & size) ? r : NULL;
	}
	return NULL;
}

static void check_access(const struct vgic_dist *d, unsigned vcpu, uint64_t offset, unsigned size)
{
	ASSERT(vcpu < d->nr_vcpus);
	ASSERT(size == 1 || size == 2 || size == 4);
	ASSERT(IS_ALIGNED(offset, size)); /* a mask, not %: a 64-bit division costs ~200 */
}

int vgic_dist_mmio_read(struct vgic_dist *d, unsigned vcpu, uint64_t offset, unsigned size,
			uint32_t *val)
{
	const struct gicd_reg *r;
	unsigned rel;

	check_access(d, vcpu, offset, size);
	*val = 0;
	r = find_reg(offset, size);
	if (!r)
		return 0;
	rel = (unsigned)(offset - r->base);
	if (r->read8) {
		for (unsigned k = 0; k < size; k++)
			*val |= (uint32_t)r->read8(d, vcpu, rel + k) << (8 * k);
	} else if (r->read32) {
		*val = r->read32(d, vcpu, rel / 4);
	}
	return 0;
}

int vgic_dist_mmio_write(struct vgic_dist *d, unsigned vcpu, uint64_t offset, unsigned size,
			 uint32_t val)
{
	const struct gicd_reg *r;
	unsigned rel;

	check_access(d, vcpu, offset, size);
	r = find_reg(offset, size);
	if (!r)
		return 0;
	rel = (unsigned)(offset - r->base);
	if (r->write8) {
		for (unsigned k = 0; k < size; k++)
			r->write8(d, vcpu, rel + k, (uint8_t)(val >> (8 * k)));
	} else if (r->write32) {
		r->write32(d, vcpu, rel / 4, val);
	}
	flush_kicks(d);
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Initialisation and injection                                                               */

int vgic_dist_init(struct vgic_dist *d, unsigned nr_vcpus, unsigned nr_lines,
		   const uint32_t *owned_spi_bitmap, const struct vgic_dist_ops *ops, void *ctx)
{
	if (nr_vcpus == 0 || nr_vcpus > VGIC_MAX_VCPUS || nr_lines < VGIC_NR_PRIVATE ||
	    nr_lines > VGIC_MAX_LINES || nr_lines % 32 != 0)
		return -EINVAL;
	if (nr_lines > VGIC_NR_PRIVATE && !owned_spi_bitmap)
		return -EINVAL;

	memset(d, 0, sizeof(*d));
	d->nr_vcpus = nr_vcpus;
	d->nr_lines = nr_lines;
	d->ops = ops;
	d->ctx = ctx;
	for (unsigned v = 0; v < nr_vcpus; v++) {
		struct vgic_irq_bits *g = &d->cpu[v].bits;

		g->valid = SGI_BITS | PPI_BITS;
		g->edge = SGI_BITS;
		g->enabled = SGI_BITS;
	}
	for (unsigned n = 1; n < nr_lines / 32; n++) {
		uint32_t owned = owned_spi_bitmap[n];

		if (n == VGIC_NR_GROUPS - 1)
			owned &= ~SPECIAL_BITS;
		d->spi[n - 1].valid = owned;
		if (nr_vcpus == 1) {
			/* Uniprocessor: every SPI targets the one CPU interface (GICv2 4.3.12). */
			while (owned) {
				d->spi_targets[32 * (n - 1) + lowest_bit(owned)] = 1;
				owned &= owned - 1;
			}
		}
	}
	return 0;
}

/* The bank holding intid for an injection, or NULL if the partition has no such interrupt. */
static struct vgic_irq_bits *inject_bank(struct vgic_dist *d, unsigned vcpu, unsigned intid)
{
	if (intid >= d->nr_lines)
		return NULL;
	if (intid < VGIC_NR_PRIVATE && vcpu >= d->nr_vcpus)
		return NULL;
	if (intid >= VGIC_NR_PRIVATE)
		vcpu = 0;
	if (!irq_valid(d, vcpu, intid))
		return NULL;
	return bank(d, vcpu, intid);
}

int vgic_dist_set_pending(struct vgic_dist *d, unsigned vcpu, unsigned intid, bool level)
{
	struct vgic_irq_bits *g = inject_bank(d, vcpu, intid);
	uint32_t bit = bit32(intid % 32);
	uint8_t before;

	if (!g)
		return -EINVAL;
	if (intid < VGIC_NR_SGIS) {
		sgi_add_sources(d, vcpu, intid, (uint8_t)(1u << vcpu));
		flush_kicks(d);
		return 0;
	}
	before = kick_begin(d, vcpu, intid);
	if (!level)
		g->latch |= bit;
	else if ((g->edge & bit) && !(g->line & bit))
		g->latch |= bit; /* rising edge */
	if (level)
		g->line |= bit;
	kick_end(d, vcpu, intid, before);
	flush_kicks(d);
	return 0;
}

int vgic_dist_clear_pending(struct vgic_dist *d, unsigned vcpu, unsigned intid)
{
	struct vgic_irq_bits *g = inject_bank(d, vcpu, intid);

	if (!g)
		return -EINVAL;
	g->line &= ~bit32(intid % 32);
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* List-register interface                                                                    */

/* Candidates of group n deliverable to vcpu, GICD_CTLR aside. */
static uint32_t group_candidates(const struct vgic_dist *d, unsigned vcpu, unsigned n)
{
	const struct vgic_irq_bits *g = bank_c(d, vcpu, 32 * n);
	uint32_t m = ready(g);

	if (n > 0) {
		uint32_t t = m;

		while (t) {
			unsigned b = lowest_bit(t);

			t &= t - 1;
			if (!(d->spi_targets[32 * (n - 1) + b] & (1u << vcpu)))
				m &= ~bit32(b);
		}
	}
	return m;
}

bool vgic_dist_has_deliverable(const struct vgic_dist *d, unsigned vcpu)
{
	ASSERT(vcpu < d->nr_vcpus);
	if (!d->enabled)
		return false;
	for (unsigned n = 0; n < d->nr_lines / 32; n++) {
		if (group_candidates(d, vcpu, n))
			return true;
	}
	return false;
}

/* Inserts (intid, prio) into out[0..n-1], sorted by priority then INTID, keeping at most max
 * entries. Candidates arrive in ascending INTID order, so equal priorities stay in INTID
 * order by inserting after them. Returns the new count. */
static unsigned insert_sorted(struct vgic_pick *out, unsigned n, unsigned max, unsigned intid,
			      uint8_t prio)
{
	unsigned pos = n;

	while (pos > 0 && out[pos - 1].priority > prio)
		pos--;
	if (pos >= max)
		return n;
	if (n == max)
		n--; /* the worst one falls off */
	memmove(&out[pos + 1], &out[pos], (n - pos) * sizeof(*out));
	out[pos] = (struct vgic_pick){.intid = (uint16_t)intid, .priority = prio};
	return n + 1;
}

/* Moves a picked interrupt from pending to in flight for vcpu, LR state pending. */
static void take(struct vgic_dist *d, unsigned vcpu, struct vgic_pick *p)
{
	unsigned intid = p->intid;
	struct vgic_irq_bits *g = bank(d, vcpu, intid);
	uint32_t bit = bit32(intid % 32);

	p->level = !(g->edge & bit);
	if (intid < VGIC_NR_SGIS) {
		struct vgic_dist_cpu *c = &d->cpu[vcpu];
		unsigned src = lowest_bit(c->sgi_sources[intid]);

		c->sgi_sources[intid] &= (uint8_t)(~(1u << src));
		c->sgi_lr_source[intid] = (uint8_t)src;
		sgi_sync_latch(d, vcpu, intid);
		g->lr_latch |= bit;
		p->source = (uint8_t)src;
	} else {
		/* A level interrupt pending only by its line has nothing to give back later. */
		assign_bit(&g->lr_latch, bit, g->latch & bit);
		g->latch &= ~bit;
		if (intid >= VGIC_NR_PRIVATE)
			d->spi_lr_vcpu[intid - VGIC_NR_PRIVATE] = (uint8_t)vcpu;
	}
	g->lr |= bit;
	g->lr_pending |= bit;
	g->lr_active &= ~bit;
}

unsigned vgic_dist_pick(struct vgic_dist *d, unsigned vcpu, struct vgic_pick *out, unsigned max)
{
	unsigned n = 0;

	ASSERT(vcpu < d->nr_vcpus);
	ASSERT(max == 0 || out);
	if (!d->enabled || max == 0)
		return 0;
	for (unsigned grp = 0; grp < d->nr_lines / 32; grp++) {
		uint32_t m = group_candidates(d, vcpu, grp);

		while (m) {
			unsigned intid = 32 * grp + lowest_bit(m);

			m &= m - 1;
			n = insert_sorted(out, n, max, intid, *priority_of(d, vcpu, intid));
		}
	}
	for (unsigned k = 0; k < n; k++)
		take(d, vcpu, &out[k]);
	return n;
}

bool vgic_dist_pick_one(struct vgic_dist *d, unsigned vcpu, unsigned intid, struct vgic_pick *out)
{
	ASSERT(vcpu < d->nr_vcpus);
	if (intid >= d->nr_lines || !(deliver_mask(d, vcpu, intid) & (1u << vcpu)))
		return false;
	*out = (struct vgic_pick){.intid = (uint16_t)intid,
				  .priority = *priority_of(d, vcpu, intid)};
	take(d, vcpu, out);
	return true;
}

/* take() for a private interrupt other than an SGI, written out for the fast path. */
static void take_ppi(struct vgic_dist_cpu *c, unsigned intid, struct vgic_pick *out)
{
	struct vgic_irq_bits *g = &c->bits;
	uint32_t bit = bit32(intid);

	assign_bit(&g->lr_latch, bit, g->latch & bit);
	g->latch &= ~bit;
	g->lr |= bit;
	g->lr_pending |= bit;
	g->lr_active &= ~bit;
	*out = (struct vgic_pick){.intid = (uint16_t)intid,
				  .priority = c->priority[intid],
				  .level = !(g->edge & bit)};
}

/* deliver_mask() & (1 << vcpu) for a PPI: every PPI is valid, and private to its vCPU. */
static bool ppi_deliverable(const struct vgic_dist *d, const struct vgic_irq_bits *g, uint32_t bit)
{
	return d->enabled && (ready(g) & bit);
}

bool vgic_dist_in_flight(const struct vgic_dist *d, unsigned vcpu, unsigned intid)
{
	ASSERT(vcpu < d->nr_vcpus && intid < VGIC_NR_PRIVATE);
	return d->cpu[vcpu].bits.lr & bit32(intid);
}

int vgic_dist_forward_ppi(struct vgic_dist *d, unsigned vcpu, unsigned intid, struct vgic_pick *out)
{
	if (intid < VGIC_NR_SGIS || intid >= VGIC_NR_PRIVATE || vcpu >= d->nr_vcpus)
		return -EINVAL;
	struct vgic_dist_cpu *c = &d->cpu[vcpu];
	uint32_t bit = bit32(intid);

	if (vgic_dist_in_flight(d, vcpu, intid))
		return -EBUSY;
	c->bits.latch |= bit;
	if (!ppi_deliverable(d, &c->bits, bit))
		return 0;
	take_ppi(c, intid, out);
	return 1;
}

int vgic_dist_forward_spi(struct vgic_dist *d, unsigned vcpu, unsigned intid, struct vgic_pick *out)
{
	ASSERT(vcpu < d->nr_vcpus);
	if (intid < VGIC_NR_PRIVATE || intid >= d->nr_lines || intid >= VGIC_FIRST_SPECIAL)
		return -EAGAIN;
	struct vgic_irq_bits *g = bank(d, vcpu, intid);
	uint32_t bit = bit32(intid % 32);

	/* ready() with the latch set: valid, enabled, not active, not in flight. */
	if (!d->enabled || !(g->valid & g->enabled & ~g->active & ~g->lr & bit) ||
	    !(d->spi_targets[intid - VGIC_NR_PRIVATE] & (1u << vcpu)))
		return -EAGAIN;
	g->latch |= bit;
	*out = (struct vgic_pick){.intid = (uint16_t)intid,
				  .priority = d->spi_priority[intid - VGIC_NR_PRIVATE]};
	take(d, vcpu, out);
	return 1;
}

int vgic_dist_ppi_eoi(struct vgic_dist *d, unsigned vcpu, unsigned intid, struct vgic_pick *out)
{
	if (intid < VGIC_NR_SGIS || intid >= VGIC_NR_PRIVATE || vcpu >= d->nr_vcpus)
		return -EINVAL;
	struct vgic_dist_cpu *c = &d->cpu[vcpu];
	struct vgic_irq_bits *g = &c->bits;
	uint32_t bit = bit32(intid);

	if (!(g->lr & bit))
		return -EINVAL;
	/* vgic_dist_lr_done(VGIC_LR_INVALID); a PPI concerns no other vCPU, so no kick. */
	g->lr &= ~bit;
	g->lr_pending &= ~bit;
	g->lr_active &= ~bit;
	g->lr_latch &= ~bit;
	if (!ppi_deliverable(d, g, bit))
		return 0;
	take_ppi(c, intid, out);
	return 1;
}

void vgic_dist_lr_done(struct vgic_dist *d, unsigned vcpu, unsigned intid, unsigned source,
		       enum vgic_lr_state state)
{
	struct vgic_irq_bits *g;
	uint32_t bit = bit32(intid % 32);
	uint8_t before;

	ASSERT(vcpu < d->nr_vcpus);
	ASSERT(intid < d->nr_lines);
	g = bank(d, vcpu, intid);
	ASSERT(g->lr & bit);
	if (intid >= VGIC_NR_PRIVATE)
		ASSERT(d->spi_lr_vcpu[intid - VGIC_NR_PRIVATE] == vcpu);
	if (intid < VGIC_NR_SGIS)
		ASSERT(d->cpu[vcpu].sgi_lr_source[intid] == source);

	before = kick_begin(d, vcpu, intid);
	switch (state) {
	case VGIC_LR_PENDING:
		if (g->lr_latch & bit) {
			if (intid < VGIC_NR_SGIS) {
				d->cpu[vcpu].sgi_sources[intid] |= (uint8_t)(1u << source);
				sgi_sync_latch(d, vcpu, intid);
			} else {
				g->latch |= bit;
			}
		}
		/* The LR is freed, as for an EOI'd one. */
		__attribute__((fallthrough));
	case VGIC_LR_INVALID:
		g->lr &= ~bit;
		g->lr_pending &= ~bit;
		g->lr_active &= ~bit;
		g->lr_latch &= ~bit;
		break;
	case VGIC_LR_ACTIVE:
		g->lr_pending &= ~bit;
		g->lr_active |= bit;
		g->lr_latch &= ~bit; /* acknowledged: that instance is consumed */
		break;
	case VGIC_LR_ACTIVE_PENDING:
		g->lr_pending |= bit;
		g->lr_active |= bit;
		/* The LR's pending instance of an edge interrupt is worth keeping if it comes back;
		 * a level one is re-sampled from the line. */
		if (g->edge & bit)
			g->lr_latch |= bit;
		break;
	default:
		ASSERT(false);
	}
	kick_end(d, vcpu, intid, before);
	/* The caller is vcpu's own hardware layer, which picks before the vCPU runs again. */
	d->kicks &= (uint8_t)(~(1u << vcpu));
	flush_kicks(d);
}
