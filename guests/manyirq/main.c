/* manyirq: more pending virtual interrupts than the GIC has list registers (4 on QEMU virt and
 * GIC-400). With IRQs masked the guest makes NR_SGIS of its own SGIs pending (GICD_SGIR, "self"
 * filter), each with its own priority, then unmasks IRQs once. The hypervisor can hold only a
 * few in list registers at a time, so the rest must follow through the underflow maintenance
 * interrupt (GICH_HCR.UIE) as the guest ends them. The handler records the order: every SGI must
 * arrive exactly once, highest priority (lowest value) first. Then the same again with ROUNDS
 * rounds, so refills happen many times. Console lines: guests/README.md.
 */
#include "guests/common/console.h"
#include "guests/common/gic.h"
#include "guests/common/guest.h"

#define NR_SGIS 12u /* > 4 list registers, < GIC_SGI_COUNT */
#define ROUNDS 200u
#define PRIO_BASE 0x20u /* SGI n gets PRIO_BASE + PRIO_STEP * n: SGI 0 first */
#define PRIO_STEP 0x08u
#define WAIT_TICKS_MAX 62500000u /* 1 s of the 62.5 MHz counter at most per round */

static volatile uint32_t order[NR_SGIS];
static volatile uint32_t taken;
static volatile uint32_t unexpected;

/* IRQ mode, IRQs masked: never re-entered. */
static void on_irq(unsigned kind, struct guest_regs *regs)
{
	uint32_t iar = gic_ack();
	uint32_t intid = GICC_IAR_INTID(iar);

	(void)kind;
	(void)regs;
	if (intid == GIC_INTID_SPURIOUS)
		return;
	if (intid < NR_SGIS && taken < NR_SGIS)
		order[taken++] = intid;
	else
		unexpected++;
	if (intid < GIC_INTID_SPECIAL)
		gic_eoi(iar);
}

/* One round: NR_SGIS pending at once, then taken in priority order. True if all is well. */
static bool round_ok(uint32_t round)
{
	taken = 0;
	for (uint32_t n = 0; n < NR_SGIS; n++)
		gicd_write(GICD_SGIR, GICD_SGIR_FILTER(GICD_SGIR_FILTER_SELF) | GICD_SGIR_INTID(n));

	uint64_t start = counter_now();
	irq_enable();
	while (taken < NR_SGIS && counter_now() - start < WAIT_TICKS_MAX)
		cpu_relax();
	irq_disable();

	if (taken != NR_SGIS) {
		gprintf("manyirq: round %lu: only %lu of %u SGIs arrived\n", round, (uint32_t)taken,
			NR_SGIS);
		return false;
	}
	for (uint32_t i = 0; i < NR_SGIS; i++) {
		if (order[i] != i) {
			gprintf("manyirq: round %lu: SGI %lu arrived in place %lu\n", round,
				(uint32_t)order[i], i);
			return false;
		}
	}
	return true;
}

int main(void)
{
	gprintf("manyirq: start (%u SGIs pending at once, %u rounds)\n", NR_SGIS, ROUNDS);
	guest_set_exception_handler(GUEST_EXC_IRQ, on_irq);
	gic_dist_enable();
	for (uint32_t n = 0; n < NR_SGIS; n++)
		gic_set_priority(n, PRIO_BASE + PRIO_STEP * n);
	gic_cpu_enable(GIC_PMR_ALLOW_ALL);

	for (uint32_t r = 1; r <= ROUNDS; r++) {
		if (!round_ok(r))
			return GUEST_EXIT_FAILED;
	}
	if (unexpected) {
		gprintf("manyirq: %lu unexpected interrupts\n", (uint32_t)unexpected);
		return GUEST_EXIT_FAILED;
	}
	gprintf("manyirq: done %u rounds of %u SGIs, all in priority order\n", ROUNDS, NR_SGIS);
	return GUEST_EXIT_OK;
}
