/* sgi: software-generated interrupts between two vCPUs. vCPU 0 starts vCPU 1 with PSCI CPU_ON;
 * then ROUNDS round trips of SGI_ID: vCPU 0 sends it to vCPU 1 (GICD_SGIR, target list bit 1),
 * vCPU 1 acknowledges it and sends it back (target list bit 0). Each receiver checks the source
 * CPU in GICC_IAR. vCPU 1 then powers itself off and vCPU 0, once AFFINITY_INFO says so, stops
 * the partition. Both wait for their interrupt in WFI. Console lines: guests/README.md.
 */
#include "guests/common/console.h"
#include "guests/common/gic.h"
#include "guests/common/guest.h"
#include "guests/common/hvc.h"
#include "guests/common/psci.h"

#define SGI_ID 1u
#define ROUNDS 1000u
#define REPORT_EVERY 250u
#define SECOND_VCPU 1u /* its virtual MPIDR and its CPU interface bit: both are the vCPU index */
#define SECOND_VCPU_CTX 0x5617c001u
#define NR_VCPUS 2u

/* SGIs each vCPU has taken; written by its own IRQ handler only. */
static volatile uint32_t received[NR_VCPUS];
/* Set by vCPU 1 once its CPU interface is on: vCPU 0 sends nothing before. */
static volatile bool second_ready;

/* The vCPU index (the MPIDR affinity, checked by check_mpidr): no hypercall, so also cheap in
 * the handler. */
static uint32_t this_vcpu(void)
{
	return cpu_mpidr();
}

static void check_mpidr(uint32_t vcpu)
{
	if (cpu_mpidr() != vcpu) {
		gprintf("sgi: vcpu %lu has MPIDR affinity 0x%lx, expected its index\n", vcpu,
			cpu_mpidr());
		guest_stop(GUEST_EXIT_FAILED);
	}
}

/* Both vCPUs, in IRQ mode with IRQs masked (never re-entered). A wrong interrupt or source stops
 * the partition from here. */
static void on_irq(unsigned kind, struct guest_regs *regs)
{
	uint32_t me = this_vcpu();
	uint32_t iar = gic_ack();
	uint32_t intid = GICC_IAR_INTID(iar);
	uint32_t src = GICC_IAR_CPUID(iar);

	(void)kind;
	(void)regs;
	if (intid == GIC_INTID_SPURIOUS)
		return; /* nothing pending any more: not an error, nothing to end */
	if (intid != SGI_ID) {
		gprintf("sgi: unexpected interrupt %lu (iar 0x%lx) on vcpu %lu\n", intid, iar, me);
		guest_stop(GUEST_EXIT_FAILED);
	}
	if (src != (me ^ 1u)) {
		gprintf("sgi: wrong source %lu\n", src);
		guest_stop(GUEST_EXIT_FAILED);
	}
	gic_eoi(iar); /* the whole IAR value: an SGI is ended per source */
	received[me]++;
}

/* This vCPU's banked part of the distributor and its CPU interface. */
static void gic_cpu_setup(void)
{
	gic_set_priority(SGI_ID, GIC_PRIO_DEFAULT);
	gic_enable_irq(SGI_ID); /* SGIs may be always enabled (RAO/WI): harmless */
	gic_cpu_enable(GIC_PMR_ALLOW_ALL);
}

/* Sleeps until this vCPU has received `n` SGIs; called and returns with IRQs masked. */
static void wait_received(uint32_t me, uint32_t n)
{
	while (received[me] < n)
		gic_wait_irq_masked();
}

void secondary_main(uint32_t context_id)
{
	(void)context_id;
	check_mpidr(SECOND_VCPU);
	gic_cpu_setup();
	gprintf("sgi: vcpu %u up\n", SECOND_VCPU);
	dsb();
	second_ready = true;

	for (uint32_t n = 1; n <= ROUNDS; n++) {
		wait_received(SECOND_VCPU, n);
		gic_send_sgi(1u << 0, SGI_ID);
	}
	/* Returning powers this vCPU off (crt0.S: PSCI CPU_OFF), IRQs still masked. */
}

int main(void)
{
	int32_t ret;

	check_mpidr(0);
	guest_set_exception_handler(GUEST_EXC_IRQ, on_irq);
	gic_dist_enable();
	gic_cpu_setup();

	ret = psci_cpu_on(SECOND_VCPU, (uintptr_t)secondary_entry, SECOND_VCPU_CTX);
	if (ret != PSCI_SUCCESS) {
		gprintf("sgi: CPU_ON of vcpu %u failed (%ld)\n", SECOND_VCPU, (long)ret);
		return GUEST_EXIT_FAILED;
	}
	while (!second_ready) {
		bh_yield(); /* vCPU 1 may share this physical CPU */
		cpu_relax();
	}
	dmb();

	for (uint32_t n = 1; n <= ROUNDS; n++) {
		gic_send_sgi(1u << SECOND_VCPU, SGI_ID);
		wait_received(0, n);
		if (n % REPORT_EVERY == 0)
			gprintf("sgi: %lu round trips\n", n);
	}
	gprintf("sgi: done %u round trips\n", ROUNDS);

	while ((ret = psci_affinity_info(SECOND_VCPU, 0)) != PSCI_AFFINITY_OFF) {
		if (ret != PSCI_AFFINITY_ON && ret != PSCI_AFFINITY_ON_PENDING) {
			gprintf("sgi: AFFINITY_INFO of vcpu %u failed (%ld)\n", SECOND_VCPU,
				(long)ret);
			return GUEST_EXIT_FAILED;
		}
		bh_yield();
		cpu_relax();
	}
	return GUEST_EXIT_OK;
}
