/* benchgicd: the cost of one emulated distributor access (make bench), alone on a physical CPU.
 * Every GICD access traps as a stage-2 data abort and goes through the MMIO decode, the
 * partition's MMIO bus and the distributor model (hyp/vgic.c, hyp/vgic_dist.c). Two loops of
 * BENCH_ITERS: a word read of GICD_ISENABLER0 (this vCPU's SGI/PPI bank) and a word write of
 * GICD_IPRIORITYR0 (the priorities of SGIs 0-3: four byte fields, no interrupt pending, so
 * nothing to kick).
 */
#include "guests/bench/bench.h"
#include "guests/common/console.h"
#include "guests/common/gic.h"
#include "guests/common/guest.h"

#ifndef BENCH_ITERS
#define BENCH_ITERS 10000u /* a build may shrink it, e.g. to trace the paths */
#endif
#define SGI_PRIORITIES 0xa0a0a0a0u /* GIC_PRIO_DEFAULT for SGIs 0-3 */

int main(void)
{
	uint32_t sum = 0;

	gprintf("benchgicd: start\n");

	bench_start();
	for (unsigned i = 0; i < BENCH_ITERS; i++)
		sum += gicd_read(GICD_ISENABLER(0));
	bench_stop("GICD read (ISENABLER0)", BENCH_ITERS);

	bench_start();
	for (unsigned i = 0; i < BENCH_ITERS; i++)
		gicd_write(GICD_IPRIORITYR(0), SGI_PRIORITIES);
	bench_stop("GICD write (IPRIORITYR0, SGIs 0-3)", BENCH_ITERS);

	/* SGIs are always enabled (hyp/vgic_dist.h): each read saw bits 0-15. */
	if (sum != BENCH_ITERS * 0xffffu || gicd_read(GICD_IPRIORITYR(0)) != SGI_PRIORITIES) {
		gprintf("benchgicd: unexpected register values (sum 0x%lx)\n", sum);
		return GUEST_EXIT_FAILED;
	}
	gprintf("benchgicd: done\n");
	return GUEST_EXIT_OK;
}
