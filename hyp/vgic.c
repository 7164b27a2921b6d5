/* vGIC hardware layer (see vgic.h). Register layout: GICv2 architecture spec (IHI 0048B) 5.3. */
#include "hyp/vgic.h"

#include <errno.h>
#include <string.h>

#include "drivers/gic.h"
#include "hyp/boot.h"
#include "hyp/io.h"
#include "hyp/partition.h"
#include "hyp/percpu.h"
#include "hyp/sched.h"

#define GICH_HCR 0x000
#define GICH_VTR 0x004
#define GICH_VMCR 0x008
#define GICH_EISR0 0x020
#define GICH_ELRSR0 0x030
#define GICH_APR 0x0f0
#define GICH_LR(n) (0x100 + 4 * (n))
#define GICH_HCR_EN (1u << 0)
#define GICH_HCR_UIE (1u << 1) /* maintenance interrupt when at most one LR is in use */
#define GICH_VTR_LISTREGS(v) (((v)&0x3fu) + 1)

/* GICH_LR fields (5.3.11) */
#define LR_VIRTUAL_ID(id) ((uint32_t)(id)&0x3ffu)
#define LR_PHYSICAL_ID(id) (((uint32_t)(id)&0x3ffu) << 10) /* with LR_HW */
#define LR_CPUID(src) (((uint32_t)(src)&0x7u) << 10)	   /* SGI source, without LR_HW */
#define LR_EOI (1u << 19) /* maintenance interrupt on EOI (software, level-sensitive) */
#define LR_PRIORITY(p) ((((uint32_t)(p) >> 3) & 0x1fu) << 23)
#define LR_STATE_SHIFT 28
#define LR_STATE_MASK (3u << LR_STATE_SHIFT)
#define LR_HW (1u << 31)
#define LR_GET_ID(lr) ((lr)&0x3ffu)
#define LR_GET_CPUID(lr) (((lr) >> 10) & 0x7u)

#define GIC_FIRST_SPI 32u
#define GIC_NR_INTIDS 1020u

static uintptr_t gich;
static unsigned nr_lrs;
static uint32_t timer_intid, maint_intid;
static struct partition *spi_owner[GIC_NR_INTIDS]; /* set at partition creation, then read-only */

void vgic_global_init(void)
{
	const struct platform *p = hyp_platform();

	gich = (uintptr_t)p->gic.hyp.base;
	nr_lrs = GICH_VTR_LISTREGS(mmio_read32(gich + GICH_VTR));
	if (nr_lrs > VGIC_MAX_LRS)
		nr_lrs = VGIC_MAX_LRS;
	timer_intid = p->timer.intid_virt;
	maint_intid = p->gic.maint_intid;
}

static void kick(void *ctx, unsigned vcpu)
{
	const struct partition *p = ctx;

	if (vcpu < p->nr_vcpus) {
		atomic_store(&p->vcpus[vcpu]->vgic.dirty, true);
		sched_kick(p->vcpus[vcpu]->cpu);
	}
}

/* A passed-through SPI is enabled and routed physically as the guest enables and targets it
 * virtually: to the physical CPU of the first vCPU in its target mask. */
static void spi_hw(void *ctx, unsigned intid, bool enabled, uint8_t vcpu_mask)
{
	const struct partition *p = ctx;
	unsigned target = 0;

	if (intid >= GIC_NR_INTIDS || spi_owner[intid] != p)
		return; /* a virtual-only SPI (the emulated console's) */
	while (target < p->nr_vcpus && !(vcpu_mask & (1u << target)))
		target++;
	if (!enabled || target == p->nr_vcpus) {
		gic_spi_enable(intid, false);
		return;
	}
	gic_spi_route(intid, p->vcpus[target]->cpu);
	gic_spi_enable(intid, true);
}

static const struct vgic_dist_ops ops = {.kick = kick, .spi_hw = spi_hw};

static struct vcpu *mmio_vcpu(const struct partition *p)
{
	struct vcpu *v = sched_current();

	return v && v->part == p ? v : NULL;
}

static int gicd_read(void *dev, uint64_t off, unsigned size, uint32_t *val)
{
	struct partition *p = dev;
	struct vcpu *v = mmio_vcpu(p);

	if (!v)
		return -EINVAL;
	spin_lock(&p->vgic.lock);
	int err = vgic_dist_mmio_read(&p->vgic.dist, v->index, off, size, val);
	spin_unlock(&p->vgic.lock);
	return err;
}

static int gicd_write(void *dev, uint64_t off, unsigned size, uint32_t val)
{
	struct partition *p = dev;
	struct vcpu *v = mmio_vcpu(p);

	if (!v)
		return -EINVAL;
	spin_lock(&p->vgic.lock);
	int err = vgic_dist_mmio_write(&p->vgic.dist, v->index, off, size, val);
	spin_unlock(&p->vgic.lock);
	return err;
}

int vgic_partition_init(struct partition *p)
{
	const struct part_config *c = p->cfg;
	uint32_t owned[VGIC_NR_GROUPS] = {0};
	unsigned top = 0;

	for (unsigned d = 0; d < c->nr_devices; d++) {
		for (unsigned i = 0; i < c->devices[d].nr_irqs; i++) {
			uint32_t id = c->devices[d].intids[i];
			if (id < GIC_FIRST_SPI || id >= GIC_NR_INTIDS)
				continue; /* config.c only passes SPIs */
			owned[id / 32] |= 1u << (id % 32);
			spi_owner[id] = p;
			gic_spi_enable(id, false);
			if (id + 1 > top)
				top = id + 1;
		}
	}
	if (c->has_vuart) {
		/* Virtual only: no spi_owner entry, so it is never routed or HW-linked. */
		owned[c->vuart_intid / 32] |= 1u << (c->vuart_intid % 32);
		if (c->vuart_intid + 1 > top)
			top = c->vuart_intid + 1;
	}
	unsigned nr_lines = top > GIC_FIRST_SPI ? ALIGN_UP(top, 32u) : GIC_FIRST_SPI;
	spin_lock_init(&p->vgic.lock);
	int err = vgic_dist_init(&p->vgic.dist, p->nr_vcpus, nr_lines, owned, &ops, p);
	if (err)
		return err;
	for (unsigned i = 0; i < p->nr_vcpus; i++)
		memset(&p->vcpus[i]->vgic, 0, sizeof(p->vcpus[i]->vgic));

	struct mmio_region r = {
		.base = c->gicd_ipa,
		.size = VGIC_DIST_FRAME_SIZE,
		.read = gicd_read,
		.write = gicd_write,
		.dev = p,
		.name = "GICD",
	};
	if (mmio_find(&p->bus, c->gicd_ipa, 4))
		return 0; /* restart: the region is already there */
	return mmio_register(&p->bus, &r);
}

void vgic_load(struct vcpu *v)
{
	const struct vgic_vcpu *g = &v->vgic;
	struct percpu *pc = this_cpu();

	/* The timer PPI belongs to the CPU, not to the vCPU that was given it: the vCPU being
	 * loaded (another one, or a reset one) needs it. A virtual instance still in the previous
	 * vCPU's saved LRs ends as a plain software interrupt. */
	if (pc->vtimer_owner) {
		gic_deactivate(timer_intid);
		pc->vtimer_owner = NULL;
	}

	mmio_write32(gich + GICH_VMCR, g->vmcr);
	mmio_write32(gich + GICH_APR, g->apr);
	for (unsigned i = 0; i < nr_lrs; i++)
		mmio_write32(gich + GICH_LR(i), g->lr[i]);
	mmio_write32(gich + GICH_HCR, GICH_HCR_EN | (g->uie ? GICH_HCR_UIE : 0));
}

void vgic_put(struct vcpu *v)
{
	struct vgic_vcpu *g = &v->vgic;

	g->vmcr = mmio_read32(gich + GICH_VMCR);
	g->apr = mmio_read32(gich + GICH_APR);
	for (unsigned i = 0; i < nr_lrs; i++) {
		uint32_t lr = mmio_read32(gich + GICH_LR(i));
		/* A physical interrupt still active behind an LR would block this CPU's next
		 * vCPU (its timer PPI is the same INTID): deactivate it now and keep the
		 * virtual one as a plain software interrupt. */
		if ((lr & LR_HW) && (lr & LR_STATE_MASK)) {
			gic_deactivate(LR_GET_ID(lr >> 10));
			lr &= ~(LR_HW | LR_PHYSICAL_ID(0x3ff));
		}
		g->lr[i] = lr;
		mmio_write32(gich + GICH_LR(i), 0);
	}
	mmio_write32(gich + GICH_HCR, 0);
}

/* Interrupts whose physical instance the guest deactivates through GICH_LR.HW. */
static bool hw_linked(const struct vcpu *v, unsigned intid)
{
	return intid >= GIC_FIRST_SPI && intid < GIC_NR_INTIDS && spi_owner[intid] == v->part;
}

void vgic_sync(struct vcpu *v)
{
	struct vgic_vcpu *g = &v->vgic;
	struct vgic *vg = &v->part->vgic;

	/* Underflow notification off before any LR is freed: freeing pending LRs for a fresh
	 * pick would otherwise assert the maintenance interrupt (UIE with at most one valid LR)
	 * while HYP runs, and the guest would exit at once on every entry, a livelock seen on
	 * QEMU with more pending interrupts than LRs on a shared CPU (scenario
	 * vgic-many-pending). vgic_flush() fills the LRs first and only then sets UIE again. */
	if (g->uie) {
		mmio_write32(gich + GICH_HCR, GICH_HCR_EN);
		g->uie = false;
		atomic_store(&g->dirty, true);
	}
	if (!g->used)
		return;
	spin_lock(&vg->lock);
	for (unsigned i = 0; i < nr_lrs; i++) {
		if (!(g->used & (1u << i)))
			continue;
		uint32_t lr = mmio_read32(gich + GICH_LR(i));
		enum vgic_lr_state st =
			(enum vgic_lr_state)((lr & LR_STATE_MASK) >> LR_STATE_SHIFT);
		unsigned src = (lr & LR_HW) ? 0 : LR_GET_CPUID(lr);

		vgic_dist_lr_done(&vg->dist, v->index, LR_GET_ID(lr), src, st);
		if (st == VGIC_LR_INVALID && LR_GET_ID(lr) == timer_intid &&
		    this_cpu()->vtimer_owner == v) {
			/* The guest is done with the tick: the timer may interrupt again. */
			gic_deactivate(timer_intid);
			this_cpu()->vtimer_owner = NULL;
		}
		if (st == VGIC_LR_INVALID || st == VGIC_LR_PENDING) {
			mmio_write32(gich + GICH_LR(i), 0);
			g->used &= ~(1u << i);
			atomic_store(&g->dirty, true); /* a free LR, maybe an interrupt back */
		}
	}
	spin_unlock(&vg->lock);
}

void vgic_flush(struct vcpu *v)
{
	struct vgic_vcpu *g = &v->vgic;
	struct vgic *vg = &v->part->vgic;
	struct vgic_pick picks[VGIC_MAX_LRS];
	unsigned free = 0;

	if (!atomic_exchange(&g->dirty, false))
		return;
	for (unsigned i = 0; i < nr_lrs; i++)
		free += !(g->used & (1u << i));
	spin_lock(&vg->lock);
	unsigned n = free ? vgic_dist_pick(&vg->dist, v->index, picks, free) : 0;
	bool more = vgic_dist_has_deliverable(&vg->dist, v->index);
	spin_unlock(&vg->lock);

	for (unsigned i = 0, k = 0; i < nr_lrs && k < n; i++) {
		if (g->used & (1u << i))
			continue;
		const struct vgic_pick *pk = &picks[k++];
		uint32_t lr = LR_VIRTUAL_ID(pk->intid) | LR_PRIORITY(pk->priority) |
			      (VGIC_LR_PENDING << LR_STATE_SHIFT);
		if (hw_linked(v, pk->intid))
			lr |= LR_HW | LR_PHYSICAL_ID(pk->intid);
		else if (pk->intid == timer_intid)
			lr |= LR_EOI; /* its EOI may end the physical PPI too (sync) */
		else
			lr |= LR_CPUID(pk->source) | (pk->level ? LR_EOI : 0);
		mmio_write32(gich + GICH_LR(i), lr);
		g->used |= 1u << i;
	}
	/* More waiting than free LRs: ask for a maintenance interrupt when they drain. */
	if (more != g->uie) {
		g->uie = more;
		mmio_write32(gich + GICH_HCR, GICH_HCR_EN | (more ? GICH_HCR_UIE : 0));
	}
}

bool vgic_forward_irq(uint32_t intid)
{
	struct vcpu *v;
	struct partition *p;
	unsigned idx = 0;

	if (intid == maint_intid)
		return false; /* the caller just deactivates it; sync/flush follow on re-entry */
	if (intid == timer_intid) {
		v = sched_current();
		if (!v)
			return false;
		p = v->part;
		idx = v->index;
		this_cpu()->vtimer_owner = v; /* deactivated when v is done (sync, load) */
		spin_lock(&p->vgic.lock);
		/* A tick still in v's LRs (v was switched out and back while handling it: its timer,
		 * still asserted, re-fired on load) already stands for this assertion of the level;
		 * if the timer is still asserted once v is done, the PPI fires again. */
		if (!vgic_dist_in_flight(&p->vgic.dist, idx, intid))
			vgic_dist_set_pending(&p->vgic.dist, idx, intid, false); /* kicks v */
		spin_unlock(&p->vgic.lock);
		return true;
	} else if (intid >= GIC_FIRST_SPI && intid < GIC_NR_INTIDS && spi_owner[intid]) {
		p = spi_owner[intid];
	} else {
		return false;
	}
	spin_lock(&p->vgic.lock);
	vgic_dist_set_pending(&p->vgic.dist, idx, intid, false); /* kicks the target vCPU */
	spin_unlock(&p->vgic.lock);
	return true;
}

bool vgic_settled(const struct vcpu *v)
{
	const struct vgic_vcpu *g = &v->vgic;

	return !g->uie && !atomic_load_explicit(&g->dirty, memory_order_relaxed) &&
	       (!g->used || !(mmio_read32(gich + GICH_ELRSR0) & g->used));
}

/* The LR the fast path writes for the timer tick pk: not GICH_LR.HW, because QEMU (7.2) does not
 * re-evaluate the physical CPU interface when a guest EOI deactivates a HW interrupt, so a level
 * PPI still high then (a late tick) would never be signalled again. GICH_LR.EOI instead: its
 * maintenance interrupt lets HYP deactivate the PPI (fast_eoi(), vgic_sync()). */
static uint32_t timer_lr(const struct vgic_pick *pk)
{
	return LR_VIRTUAL_ID(pk->intid) | LR_PRIORITY(pk->priority) | LR_EOI |
	       (VGIC_LR_PENDING << LR_STATE_SHIFT);
}

/* A list register the model has given nothing to (not one the guest has finished: those are
 * vgic_sync()'s to hand back). False if every LR is in use. */
static bool free_lr(const struct vgic_vcpu *g, unsigned *slot)
{
	uint32_t empty = ~g->used & ((1u << nr_lrs) - 1);

	if (!empty)
		return false;
	*slot = (unsigned)__builtin_ctz(empty);
	return true;
}

static void fill_lr(struct vgic_vcpu *g, unsigned slot, uint32_t lr)
{
	mmio_write32(gich + GICH_LR(slot), lr);
	g->used |= 1u << slot;
}

/* A timer tick into a free LR, exactly as vgic_forward_irq() and vgic_flush() would put it. */
static bool fast_tick(struct vcpu *v)
{
	struct vgic_vcpu *g = &v->vgic;
	struct vgic *vg = &v->part->vgic;
	struct vgic_pick pk;
	unsigned slot;

	if (!free_lr(g, &slot))
		return false;
	spin_lock(&vg->lock);
	int taken = vgic_dist_forward_ppi(&vg->dist, v->index, timer_intid, &pk);
	spin_unlock(&vg->lock);
	/* -EBUSY: v is still handling a tick and was loaded again, so its timer, still asserted,
	 * re-fired; that instance stands for it (vgic_forward_irq()). Either way the physical PPI
	 * stays active, deactivated when v is done with the tick (fast_eoi, sync, load). */
	this_cpu()->vtimer_owner = v;
	if (taken == 1)
		fill_lr(g, slot, timer_lr(&pk));
	/* Otherwise latched: not deliverable now (masked, or the distributor is off); the model
	 * hands it out once it is. */
	return true;
}

/* The EOI maintenance interrupt of the timer's LR alone: what vgic_sync() and vgic_flush() do
 * for it. */
static bool fast_eoi(struct vcpu *v)
{
	struct vgic_vcpu *g = &v->vgic;
	struct vgic *vg = &v->part->vgic;
	struct percpu *pc = this_cpu();
	uint32_t eisr = mmio_read32(gich + GICH_EISR0) & g->used;
	struct vgic_pick pk;

	if (!eisr || (eisr & (eisr - 1)) || pc->vtimer_owner != v)
		return false;
	unsigned slot = (unsigned)__builtin_ctz(eisr);
	uint32_t lr = mmio_read32(gich + GICH_LR(slot));

	if (LR_GET_ID(lr) != timer_intid || (lr & (LR_HW | LR_STATE_MASK)) ||
	    (mmio_read32(gich + GICH_ELRSR0) & g->used))
		return false;
	spin_lock(&vg->lock);
	int again = vgic_dist_ppi_eoi(&vg->dist, v->index, timer_intid, &pk);
	spin_unlock(&vg->lock);
	gic_deactivate(timer_intid); /* the timer may interrupt again */
	pc->vtimer_owner = NULL;
	if (again == 1) {
		/* Pended again meanwhile (GICD_ISPENDR): a virtual-only instance. */
		mmio_write32(gich + GICH_LR(slot), timer_lr(&pk));
	} else {
		mmio_write32(gich + GICH_LR(slot), 0);
		g->used &= ~(1u << slot);
	}
	return true;
}

/* A passed-through SPI of v's partition, deliverable to v: into a free LR with GICH_LR.HW, as
 * vgic_forward_irq() and vgic_flush() would put it; the guest's EOI deactivates the physical SPI.
 * Anything else (another vCPU's, masked, in flight) takes the full path, which kicks. */
static bool fast_spi(struct vcpu *v, uint32_t intid)
{
	struct vgic_vcpu *g = &v->vgic;
	struct vgic *vg = &v->part->vgic;
	struct vgic_pick pk;
	unsigned slot;

	if (!free_lr(g, &slot))
		return false;
	spin_lock(&vg->lock);
	int taken = vgic_dist_forward_spi(&vg->dist, v->index, intid, &pk);
	spin_unlock(&vg->lock);
	if (taken != 1)
		return false;
	fill_lr(g, slot,
		LR_VIRTUAL_ID(pk.intid) | LR_PRIORITY(pk.priority) |
			(VGIC_LR_PENDING << LR_STATE_SHIFT) | LR_HW | LR_PHYSICAL_ID(pk.intid));
	return true;
}

__no_stack_protector enum vgic_fast vgic_fast_irq(struct vcpu *v, uint32_t intid)
{
	const struct vgic_vcpu *g = &v->vgic;

	if (intid == timer_intid)
		return vgic_settled(v) && fast_tick(v) ? VGIC_FAST_GUEST : VGIC_FAST_NO;
	if (hw_linked(v, intid))
		return vgic_settled(v) && fast_spi(v, intid) ? VGIC_FAST_GUEST : VGIC_FAST_NO;
	/* The EOI maintenance interrupt: the timer's LR is finished but not free (GICH_LR.EOI
	 * keeps it out of ELRSR); every other LR must be settled as vgic_settled() asks. */
	if (g->uie || atomic_load_explicit(&g->dirty, memory_order_relaxed))
		return VGIC_FAST_NO;
	if (intid == maint_intid)
		return fast_eoi(v) ? VGIC_FAST_HYP : VGIC_FAST_NO;
	return VGIC_FAST_NO;
}

bool vgic_pending(struct vcpu *v)
{
	struct vgic *vg = &v->part->vgic;

	spin_lock(&vg->lock);
	bool any = vgic_dist_has_deliverable(&vg->dist, v->index);
	spin_unlock(&vg->lock);
	return any;
}
