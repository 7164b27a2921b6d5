/* benchwfi: WFI with a virtual interrupt already pending (make bench). WFI traps only when vCPUs
 * share a physical CPU (HCR.TWI, hyp/sched.c), so two copies share one: partition 1 is an idle
 * partner that sleeps in WFI for ever with IRQs masked (nothing is ever pending for it, so each of
 * its WFIs traps and gives the CPU back); partition 0 measures. With IRQs masked (CPSR.I) it makes
 * SGI_ID pending on itself (GICD_SGIR, filter "self") and runs two loops of BENCH_ITERS WFIs:
 *
 *  1. The interrupt signalled by the virtual CPU interface (its list register pending, priority
 *     above GICC_PMR). A pending interrupt ends a WFI even when CPSR.I masks it, and TWI traps a
 *     WFI only if it would otherwise suspend the processor (ARM ARM), so the WFI completes in the
 *     guest without trapping: the figure is what a guest that waits for an interrupt that is
 *     already there pays (QEMU behaves so too).
 *  2. The interrupt held back at the CPU interface by GICC_PMR = 0 (as a guest that masks by
 *     priority does): the WFI traps, and the figure is the hypervisor's WFI path with an
 *     interrupt pending in the distributor model. A hypervisor that ends such a wait at once
 *     pays one trap round trip; one that yields the rest of the slice also pays two vCPU
 *     switches and the partner's WFI trap per iteration (bench/notes.md).
 * The guest prints how many WFIs of each loop trapped (BH_HVC_TRAP_COUNT), then lets the SGI in
 * and checks that it is the one it sent.
 */
#include "guests/bench/bench.h"
#include "guests/common/console.h"
#include "guests/common/gic.h"
#include "guests/common/guest.h"

#ifndef BENCH_ITERS
#define BENCH_ITERS 10000u /* WFIs per loop; a build may shrink it, e.g. to trace the paths */
#endif
#define SGI_ID 1u
#define PMR_MASK_ALL 0x00u /* no priority value is below 0: nothing is signalled */

#define NAME_SIGNALLED "WFI with an interrupt pending (CPSR.I masked)"
#define NAME_HELD "WFI trap with an interrupt pending (held back by GICC_PMR)"

/* BENCH_ITERS WFIs in one window; returns how many of them trapped. */
static uint32_t wfi_loop(const char *name)
{
	uint32_t traps = bh_trap_count();

	bench_start();
	for (unsigned i = 0; i < BENCH_ITERS; i++)
		wfi();
	bench_stop(name, BENCH_ITERS);
	return bh_trap_count() - traps;
}

/* The partner: always runnable, never has anything pending. */
static __noreturn void idle_partner(void)
{
	for (;;)
		wfi();
}

int main(void)
{
	uint32_t signalled, held, iar;

	irq_disable(); /* both loops run with CPSR.I set; the SGI is taken by polling GICC_IAR */
	if (bh_partition_id() != 0)
		idle_partner();

	gprintf("benchwfi: start\n");
	gic_dist_enable();
	gic_set_priority(SGI_ID, GIC_PRIO_DEFAULT);
	gic_enable_irq(SGI_ID);
	gic_cpu_enable(GIC_PMR_ALLOW_ALL);
	gicd_write(GICD_SGIR, GICD_SGIR_FILTER(GICD_SGIR_FILTER_SELF) | GICD_SGIR_INTID(SGI_ID));

	signalled = wfi_loop(NAME_SIGNALLED);
	gicc_write(GICC_PMR, PMR_MASK_ALL);
	held = wfi_loop(NAME_HELD);
	gicc_write(GICC_PMR, GIC_PMR_ALLOW_ALL);
	gprintf("benchwfi: WFIs trapped: %lu of %u (signalled), %lu of %u (held back)\n", signalled,
		BENCH_ITERS, held, BENCH_ITERS);

	iar = gic_ack();
	if (GICC_IAR_INTID(iar) != SGI_ID) {
		gprintf("benchwfi: expected SGI %u pending, GICC_IAR 0x%lx\n", SGI_ID, iar);
		return GUEST_EXIT_FAILED;
	}
	gic_eoi(iar);
	gprintf("benchwfi: done\n");
	return GUEST_EXIT_OK;
}
