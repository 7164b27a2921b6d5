/* benchsgi: SGI ping-pong between the two vCPUs of one partition on two physical CPUs (make
 * bench). vCPU 0 sends SGI_ID to vCPU 1 through GICD_SGIR (a trapped distributor write: the model
 * makes it pending and HYP kicks vCPU 1's CPU with a physical SGI), vCPU 1 takes it (an IRQ exit
 * on its CPU, then the list register) and sends it back the same way. Both wait in WFI, which
 * does not trap: each vCPU is alone on its CPU.
 *
 * Each vCPU measures the HYP instructions on its own physical CPU over BENCH_ITERS round trips
 * (after WARMUP rounds). Per round trip each CPU runs one GICD_SGIR trap (sending) and one IRQ
 * exit that delivers the SGI (receiving): each figure is the HYP cost of one SGI, sender's and
 * receiver's side together, and a round trip costs the two figures added.
 */
#include "guests/bench/bench.h"
#include "guests/common/console.h"
#include "guests/common/gic.h"
#include "guests/common/guest.h"
#include "guests/common/psci.h"

#ifndef BENCH_ITERS
#define BENCH_ITERS 10000u /* round trips in the window; a build may shrink it */
#endif
#define WARMUP 16u
#define SGI_ID 1u
#define PEER 1u /* vCPU 1: its MPIDR affinity and its bit in the SGI target list */
#define PEER_CTX 0xbe5c0001u
#define NR_VCPUS 2u

static volatile uint32_t received[NR_VCPUS]; /* written by each vCPU's own handler */
static volatile uint32_t bad;
static volatile bool peer_ready;

/* Both vCPUs; IRQ mode with IRQs masked. */
static void on_irq(unsigned kind, struct guest_regs *regs)
{
	uint32_t me = cpu_mpidr();
	uint32_t iar = gic_ack();

	(void)kind;
	(void)regs;
	if (GICC_IAR_INTID(iar) >= GIC_INTID_SPECIAL)
		return; /* spurious: nothing to end */
	if (GICC_IAR_INTID(iar) != SGI_ID || GICC_IAR_CPUID(iar) != (me ^ 1u))
		bad = iar | 0x80000000u; /* never a valid IAR: bit 31 is reserved */
	gic_eoi(iar);
	received[me]++;
}

static void gic_cpu_setup(void)
{
	gic_set_priority(SGI_ID, GIC_PRIO_DEFAULT);
	gic_enable_irq(SGI_ID);
	gic_cpu_enable(GIC_PMR_ALLOW_ALL);
}

/* Sleeps in WFI until vCPU me has taken n SGIs; IRQs masked on entry and return. */
static void wait_received(uint32_t me, uint32_t n)
{
	while (received[me] < n)
		gic_wait_irq_masked();
}

void secondary_main(uint32_t context_id)
{
	(void)context_id;
	gic_cpu_setup();
	dsb();
	peer_ready = true;

	/* Window: from after taking SGI WARMUP to after taking SGI WARMUP + BENCH_ITERS, that is
	 * BENCH_ITERS sends and BENCH_ITERS deliveries on this CPU. */
	for (uint32_t n = 1; n <= WARMUP + BENCH_ITERS; n++) {
		wait_received(PEER, n);
		if (n == WARMUP)
			bench_start();
		if (n == WARMUP + BENCH_ITERS)
			bench_stop("SGI to another CPU (vcpu 1 side: send + deliver)", BENCH_ITERS);
		gic_send_sgi(1u << 0, SGI_ID);
	}
}

int main(void)
{
	int32_t ret;

	gprintf("benchsgi: start\n");
	guest_set_exception_handler(GUEST_EXC_IRQ, on_irq);
	gic_dist_enable();
	gic_cpu_setup();
	ret = psci_cpu_on(PEER, (uintptr_t)secondary_entry, PEER_CTX);
	if (ret != PSCI_SUCCESS) {
		gprintf("benchsgi: CPU_ON of vcpu %u failed (%ld)\n", PEER, (long)ret);
		return GUEST_EXIT_FAILED;
	}
	while (!peer_ready)
		cpu_relax();
	dmb();

	for (uint32_t n = 1; n <= WARMUP + BENCH_ITERS; n++) {
		if (n == WARMUP + 1)
			bench_start();
		gic_send_sgi(1u << PEER, SGI_ID);
		wait_received(0, n);
	}
	bench_stop("SGI to another CPU (vcpu 0 side: send + deliver)", BENCH_ITERS);

	while ((ret = psci_affinity_info(PEER, 0)) != PSCI_AFFINITY_OFF) {
		if (ret != PSCI_AFFINITY_ON && ret != PSCI_AFFINITY_ON_PENDING) {
			gprintf("benchsgi: AFFINITY_INFO of vcpu %u failed (%ld)\n", PEER,
				(long)ret);
			return GUEST_EXIT_FAILED;
		}
		cpu_relax();
	}
	if (bad) {
		gprintf("benchsgi: unexpected interrupt (iar 0x%lx)\n", bad & 0x7fffffffu);
		return GUEST_EXIT_FAILED;
	}
	gprintf("benchsgi: done\n");
	return GUEST_EXIT_OK;
}
