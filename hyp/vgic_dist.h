/* Virtual GIC distributor: the GICv2 distributor (GICD) register model each partition sees, and
 * the pending/active state of its virtual interrupts. References are to the GIC Architecture
 * Specification v2, ARM IHI 0048B.b ("GICv2 4.3.5" = section 4.3.5).
 *
 * Guests get the GIC virtual CPU interface (GICV) mapped directly, so acknowledge and EOI never
 * trap; every access to the distributor does, and lands here through the partition's MMIO bus.
 * This module owns the distributor state; hyp/vgic.c (the hardware layer) moves interrupts
 * between it and the list registers (LRs):
 *
 *   guest GICD access --trap--> vgic_dist_mmio_read()/vgic_dist_mmio_write()
 *   device / timer / IPI -----> vgic_dist_set_pending()/vgic_dist_clear_pending()
 *   before vCPU entry --------> vgic_dist_pick(): the best deliverable interrupts, into free LRs
 *   on exit / maintenance ----> vgic_dist_lr_done(): what the guest did with each LR
 *   model -> hardware layer --> ops->kick(): a vCPU has something new to take
 *                               ops->spi_hw(): enable/route the physical SPI behind a virtual one
 *
 * Interrupt state (per SGI/PPI per vCPU bank, per SPI shared):
 *   enabled  ISENABLER/ICENABLER. SGIs are permanently enabled (GICv2 4.3.5 leaves it
 *            IMPLEMENTATION DEFINED; QEMU's GIC does the same): their enable bits read 1, WI.
 *   latch    an edge, a GICD_ISPENDR write, a GICD_SGIR/SPENDSGIR SGI: pending until taken
 *            (picked) or cleared by ICPENDR/CPENDSGIR.
 *   line     the input level reported by set_pending(level=true)/clear_pending(). A
 *            level-sensitive interrupt is pending while its line is high (GICv2 4.3.7, 4.3.8);
 *            for an edge-triggered one only a rising line sets the latch.
 *   active   set by GICD_ISACTIVER outside any LR; such an interrupt is not delivered until
 *            GICD_ICACTIVER clears it (the GIC never signals an interrupt that is active).
 *   in flight  held by an LR of one vCPU since it was picked; never picked again (not by another
 *            vCPU either) until vgic_dist_lr_done() gives it back. The LR's state is the one
 *            last known (pending at pick, then what lr_done reported). One instance per INTID per
 *            vCPU is in flight: an SGI pending from several sources is delivered one source at a
 *            time, lowest source vCPU first.
 *   Deliverable to vCPU v: GICD_CTLR.Enable, enabled, pending (latch, or line high and
 *   level-sensitive), not active, not in flight, and private to v or an SPI whose ITARGETSR
 *   byte contains v.
 *
 * Register reads: ISPENDR shows latch | (line & level-sensitive) | the pending instance an LR
 * holds (unless ICPENDR cancelled it); ISACTIVER shows active | LR active.
 *
 * Register map and access sizes (GICv2 4.1.2, 4.1.4): every register takes word accesses;
 * IPRIORITYR, ITARGETSR, CPENDSGIR and SPENDSGIR also take byte accesses. An access of any other
 * size (halfword anywhere, byte to a word-only register) is ignored: reads return 0, writes change
 * nothing. Reserved and unimplemented offsets, and everything from 0x1000 up, read as 0 and
 * ignore writes. Choices the architecture leaves open:
 *   - No Security Extensions; every interrupt is Group 0: GICD_IGROUPR and GICD_NSACR are RAZ/WI,
 *     GICD_CTLR has only bit 0 (Enable). The hardware layer writes LRs with Grp1 = 0.
 *   - Priorities keep all 8 bits (reads return what was written). The GICV of QEMU (and of
 *     GIC-400) implements 5 bits, so an LR takes priority[7:3]; ordering here uses all 8.
 *   - Int_config: SGIs edge (ICFGR0 reads 0xAAAAAAAA), PPIs level (ICFGR1 reads 0), both
 *     read-only; SPIs reset to level and are configurable through Int_config[1]; Int_config[0]
 *     reads 0 (GICv2 4.3.13).
 *   - GICD_ISPENDR0/ICPENDR0 bits of SGIs ignore writes (GICv2 4.3.7/4.3.8: use SPENDSGIR).
 *   - ITARGETSR bits for vCPUs the partition does not have are RAZ/WI. With one vCPU the
 *     distributor is uniprocessor: every ITARGETSR is RAZ/WI and every SPI targets vCPU 0
 *     (GICv2 4.3.12; QEMU's GIC does the same). Otherwise ITARGETSR0-7 read the reading vCPU's
 *     bit in every byte, and SPI targets reset to 0.
 *   - GICD_IIDR reads VGIC_DIST_IIDR (below); ICPIDR2 reads ArchRev 2.
 *
 * Ownership: a partition owns only some SPIs (those of its passed-through devices). Unowned SPIs,
 * and lines at or above nr_lines, read as 0 in every register and ignore writes, and cannot be
 * injected. SGIs and PPIs are purely virtual and always belong to the partition.
 *
 * Arch-neutral: no hardware access; builds for the host (tests/unit/test_vgic_dist.c).
 *
 * Locking: the model is not internally locked. The caller holds the partition's vGIC lock (one
 * spinlock_t per partition, next to its struct vgic_dist) around every call below, including
 * the MMIO entry points, which may be reached from several CPUs at once (hyp/mmio.h). ops
 * callbacks are called with that lock held, from inside the call that caused them: they must
 * not call back into the model (record the event, send an IPI, and return).
 */
#ifndef BULKHEAD_VGIC_DIST_H
#define BULKHEAD_VGIC_DIST_H

#include "hyp/types.h"

#define VGIC_MAX_VCPUS 8	/* GICv2: 8 CPU interfaces (ITARGETSR bytes, SGIR target list) */
#define VGIC_NR_SGIS 16		/* INTID 0..15 */
#define VGIC_NR_PRIVATE 32	/* SGIs and PPIs: INTID 0..31, banked per vCPU */
#define VGIC_MAX_LINES 1024	/* GICD_TYPER.ITLinesNumber 31 */
#define VGIC_FIRST_SPECIAL 1020 /* INTIDs 1020..1023 are special (GICv2 chapter 3): never valid */
#define VGIC_NR_GROUPS (VGIC_MAX_LINES / 32)
#define VGIC_MAX_SPIS (VGIC_MAX_LINES - VGIC_NR_PRIVATE)

/* Distributor frame the model decodes; offsets above it (a 64 KiB DT window) are RAZ/WI. */
#define VGIC_DIST_FRAME_SIZE 0x1000u

/* GICD_IIDR (GICv2 4.3.3): ProductID 0x42 ('B'ulkhead) in [31:24], variant and revision 0,
 * implementer 0x43B (ARM's JEP106 code, as KVM's emulated GICv2 reports) in [11:0]. Guests key
 * GIC errata workarounds off IIDR; this value matches none (Linux: 0x0200143B GIC-400 etc.). */
#define VGIC_DIST_IIDR 0x4200043Bu

/* State of a list register (GICH_LRn.State, bits [29:28], GICv2 5.3); the values are its
 * encoding, so the hardware layer can convert the field directly. */
enum vgic_lr_state {
	VGIC_LR_INVALID = 0,	    /* empty: the guest has EOI'd the interrupt */
	VGIC_LR_PENDING = 1,	    /* not yet acknowledged by the guest */
	VGIC_LR_ACTIVE = 2,	    /* acknowledged, not yet EOI'd */
	VGIC_LR_ACTIVE_PENDING = 3, /* active, with a further pending instance in the same LR */
};

/* Events for the hardware layer. Both members may be NULL (event not wanted). Called with the
 * vGIC lock held; must not call into the model. */
struct vgic_dist_ops {
	/* vCPU `vcpu` may have a newly deliverable interrupt: some interrupt became deliverable to
	 * it during this call (set pending while enabled, enabled while pending, GICD_CTLR enabled,
	 * an SPI retargeted to it, cleared active, given back by another vCPU's LR...). At most one
	 * call per vCPU per model call, at its end, in ascending vCPU order. Never from
	 * vgic_dist_pick() or vgic_dist_clear_pending(), nor priority writes; vgic_dist_lr_done()
	 * never kicks its own vCPU (that vCPU's hardware layer is running and picks before entry). */
	void (*kick)(void *ctx, unsigned vcpu);
	/* An owned SPI's enable bit or target mask changed (GICD_ISENABLER/ICENABLER/ITARGETSR):
	 * now `enabled`, routed to the vCPUs in `vcpu_mask` (bit n: vCPU n). One call per SPI per
	 * change, in ascending INTID order, only when something changed. Not called from init:
	 * every SPI starts disabled. GICD_CTLR does not count (a physical SPI may stay enabled
	 * while the virtual distributor is off: its pending state is kept). */
	void (*spi_hw)(void *ctx, unsigned intid, bool enabled, uint8_t vcpu_mask);
};

/* One interrupt for a list register, from vgic_dist_pick(). */
struct vgic_pick {
	uint16_t intid;	  /* GICH_LR.VirtualID */
	uint8_t priority; /* 8-bit GICD priority; GICH_LR.Priority takes bits [7:3] */
	uint8_t source;	  /* SGIs: the requesting vCPU (GICH_LR.CPUID); 0 otherwise */
	bool level;	  /* level-sensitive: ask for an EOI maintenance interrupt (GICH_LR.EOI) so
			   * the model re-samples the line once the guest is done with it */
};

/* State of 32 consecutive interrupts, one bit each (bit n: INTID 32 * group + n). */
struct vgic_irq_bits {
	uint32_t valid;	     /* exists for this partition: private ones always, SPIs if owned */
	uint32_t edge;	     /* edge-triggered (ICFGR Int_config[1]) */
	uint32_t enabled;    /* ISENABLER */
	uint32_t latch;	     /* pending latch (see the file comment) */
	uint32_t line;	     /* input level */
	uint32_t active;     /* active outside any LR */
	uint32_t lr;	     /* in flight: held by an LR */
	uint32_t lr_pending; /* in flight, LR state includes pending */
	uint32_t lr_active;  /* in flight, LR state includes active */
	uint32_t lr_latch;   /* in flight, its pending instance returns to the latch if the LR
			      * gives it back (cleared by ICPENDR/CPENDSGIR and by the ack) */
};

/* SGIs and PPIs of one vCPU. */
struct vgic_dist_cpu {
	struct vgic_irq_bits bits;
	uint8_t priority[VGIC_NR_PRIVATE];
	uint8_t sgi_sources[VGIC_NR_SGIS];   /* pending SGI n from vCPU s: bit s of [n] */
	uint8_t sgi_lr_source[VGIC_NR_SGIS]; /* source of SGI n while in flight */
};

/* One partition's distributor. Guarded by the partition's vGIC lock (see above). */
struct vgic_dist {
	unsigned nr_vcpus; /* 1..VGIC_MAX_VCPUS */
	unsigned nr_lines; /* multiple of 32, 32..VGIC_MAX_LINES */
	bool enabled;	   /* GICD_CTLR.Enable */
	uint8_t kicks;	   /* vCPUs to kick when the current call returns */
	const struct vgic_dist_ops *ops;
	void *ctx;
	struct vgic_irq_bits spi[VGIC_NR_GROUPS - 1]; /* INTID 32.. */
	uint8_t spi_priority[VGIC_MAX_SPIS];	      /* [intid - 32] */
	uint8_t spi_targets[VGIC_MAX_SPIS];	      /* ITARGETSR byte, masked to nr_vcpus */
	uint8_t spi_lr_vcpu[VGIC_MAX_SPIS];	      /* vCPU whose LR holds it, while in flight */
	struct vgic_dist_cpu cpu[VGIC_MAX_VCPUS];
};

/* Resets d to the distributor state of a powered-on GIC: disabled, nothing pending or active,
 * priorities 0, SPI targets 0 (vCPU 0 if nr_vcpus == 1), SPIs level-sensitive and disabled.
 * nr_lines: multiple of 32 in [32, 1024] (32 + the highest owned SPI, rounded up).
 * owned_spi_bitmap: bit (intid % 32) of word (intid / 32) set if the partition owns SPI intid;
 * nr_lines / 32 words are read, bits of INTIDs below 32 and from 1020 up are ignored; may be
 * NULL if nr_lines == 32. ops (may be NULL) and ctx are kept for the events.
 * Also used on a partition restart: nothing in flight survives, so the hardware layer empties
 * the vCPUs' LRs and disables the partition's physical SPIs itself. No callback is made.
 * Returns 0, or -EINVAL (d untouched) for a bad nr_vcpus, nr_lines or a missing bitmap. */
int vgic_dist_init(struct vgic_dist *d, unsigned nr_vcpus, unsigned nr_lines,
		   const uint32_t *owned_spi_bitmap, const struct vgic_dist_ops *ops, void *ctx);

/* A guest load from the distributor frame by vCPU vcpu (selects the SGI/PPI bank and the
 * ITARGETSR0-7 / SPENDSGIR view): offset from the frame base, size 1, 2 or 4 and offset a
 * multiple of size (hyp/mmio.h guarantees both; asserted). Stores the value in *val (zero in
 * the bytes above size). Returns 0: a disallowed size or an unimplemented offset reads 0. */
int vgic_dist_mmio_read(struct vgic_dist *d, unsigned vcpu, uint64_t offset, unsigned size,
			uint32_t *val);

/* A guest store of the low `size` bytes of val (zero-extended) by vCPU vcpu; same preconditions
 * as vgic_dist_mmio_read(). May call ops. Returns 0: a disallowed size or an unimplemented
 * offset changes nothing. */
int vgic_dist_mmio_write(struct vgic_dist *d, unsigned vcpu, uint64_t offset, unsigned size,
			 uint32_t val);

/* Asserts interrupt intid. SGIs and PPIs: vcpu selects the bank; an SGI is recorded as sent by
 * vcpu to itself. SPIs: vcpu is ignored.
 * level == false: one edge (or one instance of a physical interrupt the hardware layer forwards
 * with GICH_LR.HW): sets the pending latch. level == true: the line is now high; the interrupt
 * stays pending while it is high if level-sensitive, and a low-to-high change sets the latch if
 * edge-triggered. SGIs are always one edge.
 * May call ops->kick. Returns 0; -EINVAL if intid is not a valid interrupt of the partition
 * (>= nr_lines, special, an unowned SPI) or, for SGIs/PPIs, vcpu >= nr_vcpus. */
int vgic_dist_set_pending(struct vgic_dist *d, unsigned vcpu, unsigned intid, bool level);

/* The line of intid is now low (same bank rules as vgic_dist_set_pending()). A level-sensitive
 * interrupt stops being pending unless its latch is set (ISPENDR); an instance already in an LR
 * is dropped when the LR comes back pending, and is not delivered again after its EOI. Has no
 * effect on latched edges. Returns 0 or -EINVAL as vgic_dist_set_pending(). */
int vgic_dist_clear_pending(struct vgic_dist *d, unsigned vcpu, unsigned intid);

/* Chooses up to max interrupts deliverable to vCPU vcpu (see the file comment), best first:
 * lower priority value first, equal priorities by lower INTID; fills out[0..n-1] and returns n.
 * Each one is now in flight for vcpu with LR state pending: the hardware layer writes it into a
 * free LR (Grp1 = 0, priority[7:3], CPUID = source) and must report it back through
 * vgic_dist_lr_done(). Interrupts beyond max stay pending for a later call (the hardware layer
 * may request an underflow maintenance interrupt while vgic_dist_has_deliverable()). An SPI
 * targeting several vCPUs goes to the first one that picks it. vcpu < nr_vcpus (asserted). */
unsigned vgic_dist_pick(struct vgic_dist *d, unsigned vcpu, struct vgic_pick *out, unsigned max);

/* Picks intid alone for vCPU vcpu: if it is deliverable to vcpu, moves it in flight exactly as
 * vgic_dist_pick() does, fills *out and returns true; otherwise changes nothing and returns
 * false (also for an intid >= nr_lines). Other deliverable interrupts are not considered: the
 * hardware layer's IRQ fast path uses it only when none is waiting for a list register, so the
 * result is what vgic_dist_pick() would give. vcpu < nr_vcpus (asserted). */
bool vgic_dist_pick_one(struct vgic_dist *d, unsigned vcpu, unsigned intid, struct vgic_pick *out);

/* One forwarded instance of PPI intid (16..31) for vCPU vcpu, for the hardware layer's IRQ fast
 * path: sets its pending latch as vgic_dist_set_pending(level = false) does, then takes it as
 * vgic_dist_pick_one() does. Returns 1 if it is now in flight for vcpu (*out filled), 0 if it
 * stays latched (not deliverable now: it is delivered through the usual paths once it is),
 * -EBUSY (nothing changed) if an instance is in flight already (vgic_dist_in_flight()), or
 * -EINVAL (nothing changed) if intid is not a PPI or vcpu >= nr_vcpus. Never calls ops: the only
 * vCPU a PPI can concern is vcpu, whose hardware layer is the caller. */
int vgic_dist_forward_ppi(struct vgic_dist *d, unsigned vcpu, unsigned intid,
			  struct vgic_pick *out);

/* One forwarded instance of SPI intid for vCPU vcpu, for the hardware layer's IRQ fast path: if
 * setting its pending latch (as vgic_dist_set_pending(level = false) does) makes it deliverable
 * to vcpu, does so, takes it as vgic_dist_pick_one() does and returns 1 (*out filled).
 * Otherwise changes nothing and returns -EAGAIN (not an SPI of the partition, not enabled or not
 * targeting vcpu, the distributor off, active or in flight): the caller takes its full path,
 * which may have other vCPUs to kick. Never calls ops. */
int vgic_dist_forward_spi(struct vgic_dist *d, unsigned vcpu, unsigned intid,
			  struct vgic_pick *out);

/* The guest's EOI of PPI intid (16..31) in flight for vCPU vcpu, for the hardware layer's fast
 * path: what vgic_dist_lr_done(VGIC_LR_INVALID) does; then, if the PPI is deliverable again (an
 * instance pended meanwhile, or its line is high), takes it as vgic_dist_pick_one() does. Returns
 * 1 if so (*out filled: the hardware layer puts it into the freed LR), 0 if not, -EINVAL
 * (nothing changed) if intid is not a PPI in flight for vcpu or vcpu >= nr_vcpus. Never calls
 * ops: no other vCPU can take a PPI of vcpu's bank. */
int vgic_dist_ppi_eoi(struct vgic_dist *d, unsigned vcpu, unsigned intid, struct vgic_pick *out);

/* True if an instance of private interrupt intid (< 32) of vCPU vcpu is in flight (held by one of
 * its LRs). For the virtual timer, whose physical PPI re-fires when a vCPU that is still handling
 * a tick is loaded again: that is the same assertion of its level, not a new one. */
bool vgic_dist_in_flight(const struct vgic_dist *d, unsigned vcpu, unsigned intid);

/* True if vgic_dist_pick(d, vcpu, ...) would return at least one interrupt (e.g. to wake a vCPU
 * waiting in WFI, or to request a maintenance interrupt when the LRs are full). */
bool vgic_dist_has_deliverable(const struct vgic_dist *d, unsigned vcpu);

/* The hardware layer read back an LR of vCPU vcpu holding intid (and, for an SGI, source) that
 * vgic_dist_pick() gave to vcpu; state is the LR's GICH_LR.State:
 *   VGIC_LR_INVALID  the guest EOI'd it: no longer in flight. Pending again only if a new edge
 *                    arrived meanwhile or a level line is still high. Free the LR.
 *   VGIC_LR_PENDING  not acknowledged yet: back to pending (unless ICPENDR/CPENDSGIR cleared it
 *                    or a level line dropped meanwhile) so it can be picked again, in the
 *                    priority order of that moment. Free the LR.
 *   VGIC_LR_ACTIVE   acknowledged: stays in flight, active; keep the LR as it is.
 *   VGIC_LR_ACTIVE_PENDING  (only if the hardware layer wrote such an LR itself) stays in
 *                    flight; reads as active and pending; keep the LR.
 * Guest writes to ISACTIVER/ICACTIVER do not affect an interrupt in flight: its LR owns the
 * active state. May call ops->kick for other vCPUs. Reporting an interrupt that is not in
 * flight for vcpu (or a different SGI source) is a hardware-layer bug (asserted). */
void vgic_dist_lr_done(struct vgic_dist *d, unsigned vcpu, unsigned intid, unsigned source,
		       enum vgic_lr_state state);

#endif
