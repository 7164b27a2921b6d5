/* vGIC hardware layer: connects a partition's distributor model (hyp/vgic_dist.c) to the GICv2
 * virtual interface (GICH list registers), so guests acknowledge and end interrupts through the
 * GICV mapped at their GICC IPA without trapping.
 *
 *  - Before each guest entry vgic_flush() fills free list registers with the model's best
 *    deliverable interrupts (asking for an underflow maintenance interrupt when more wait);
 *    after each exit vgic_sync() reads back the registers it used and reports them to the model.
 *  - SPIs of passed-through devices are injected with GICH_LR.HW, so the guest's EOI deactivates
 *    the physical interrupt; HYP only drops priority (EOImode 1, drivers/gic.c).
 *  - The virtual timer PPI is physical underneath too, but it is one INTID shared by every vCPU
 *    of a CPU, so HYP keeps its deactivation: the virtual instance goes in with GICH_LR.EOI, the
 *    guest's EOI raises a maintenance interrupt, and vgic_sync() deactivates the physical PPI
 *    (or vgic_load() of the next vCPU, if this one leaves the CPU or is reset first). It also avoids a QEMU (7.2) GICv2
 *    defect: after a HW-linked virtual EOI deactivates a level interrupt whose line is still
 *    high, QEMU does not signal it again until some other GIC event (docs/architecture.md).
 *  - GICH state (VMCR, APR, list registers) is per vCPU, switched in vgic_load/vgic_put.
 *
 * Locking: struct vgic.lock guards the model; hardware registers are per CPU and touched only by
 * the CPU running the vCPU, with interrupts off. */
#ifndef BULKHEAD_VGIC_H
#define BULKHEAD_VGIC_H

#include <stdatomic.h>

#include "hyp/spinlock.h"
#include "hyp/vgic_dist.h"

#define VGIC_MAX_LRS 16 /* GICv2 allows 64; QEMU and GIC-400 have 4 */

struct partition;
struct vcpu;

struct vgic {
	spinlock_t lock;
	struct vgic_dist dist;
};

/* Per-vCPU virtual interface state. */
struct vgic_vcpu {
	uint32_t vmcr, apr;
	uint32_t lr[VGIC_MAX_LRS];
	uint32_t used; /* bit n: LR n holds an interrupt the model gave this vCPU */
	/* Something may have become deliverable since the last flush (set under the vGIC lock
	 * by the model's kick, a forwarded IRQ, or an LR coming back); flush consults the model
	 * only then, so a trap that changes nothing costs no model call. */
	atomic_bool dirty;
	bool uie; /* GICH_HCR.UIE is set for this vCPU */
};

/* Reads the number of list registers; once, on the boot CPU. */
void vgic_global_init(void);

/* Sets up p's distributor (its owned SPIs from its devices) and maps GICD emulation at the
 * partition's GICD IPA in its MMIO bus. Also used on restart. Returns 0 or a negative errno. */
int vgic_partition_init(struct partition *p);

void vgic_load(struct vcpu *v);
void vgic_put(struct vcpu *v);
void vgic_flush(struct vcpu *v);
void vgic_sync(struct vcpu *v);

/* A physical IRQ that belongs to a guest (acknowledged, priority dropped, not deactivated).
 * Returns false if intid is not a guest's: the caller handles (and deactivates) it. */
bool vgic_forward_irq(uint32_t intid);

/* True if v's list registers need nothing from the run loop's vgic_sync()/vgic_flush(): no LR
 * the guest has finished (GICH_ELRSR) still counted as in flight, no news from other CPUs
 * (dirty), nothing waiting for a free LR (UIE). The exit fast paths (hyp/irq.c, hyp/trap.c)
 * return straight to the guest only then. For v running on this CPU. */
bool vgic_settled(const struct vcpu *v);

/* The IRQ fast path (hyp/irq.c), on a guest exit with v running: physical intid, acknowledged
 * and not yet priority-dropped. It answers the virtual timer and passed-through SPIs, when v's
 * LRs are settled
 * (vgic_settled(); for the maintenance interrupt, all but the timer's own LR):
 *   - the timer's PPI goes into a free LR with GICH_LR.EOI, as vgic_forward_irq() and
 *     vgic_flush() would put it (VGIC_FAST_GUEST: the physical PPI stays active for v);
 *   - a passed-through SPI of v's partition deliverable to v goes into a free LR with GICH_LR.HW
 *     (VGIC_FAST_GUEST: the guest's EOI deactivates the physical SPI);
 *   - the EOI maintenance interrupt of that LR alone is what vgic_sync() does for it: the LR
 *     back to the model and the physical PPI deactivated (VGIC_FAST_HYP: the maintenance
 *     interrupt is HYP's, the caller deactivates it too).
 * VGIC_FAST_NO, having changed nothing, in every other case. Takes the partition's vGIC lock. */
enum vgic_fast {
	VGIC_FAST_NO,
	VGIC_FAST_GUEST,
	VGIC_FAST_HYP,
};
enum vgic_fast vgic_fast_irq(struct vcpu *v, uint32_t intid);

/* True if v has a virtual interrupt pending that it could take (enabled, targeted at it),
 * which ends a WFI whatever the guest's CPSR.I. After vgic_sync() every LR still pending is back
 * in the model, so the model alone answers. Takes the partition's vGIC lock. */
bool vgic_pending(struct vcpu *v);

#endif
