/* benchspi: a passed-through device interrupt through the vGIC (make bench). QEMU virt's PL031
 * real-time clock is passed through (RTC_BASE mapped at IPA == PA, its SPI RTC_INTID routed to
 * this partition, alone on its CPU so that WFI does not trap). Each alarm: the SPI exits to HYP
 * (an IRQ exit), which injects it with GICH_LR.HW; the handler acknowledges it through the GICV,
 * clears the RTC's interrupt and ends it (the EOI deactivates the physical SPI: no exit).
 *
 * Single-shot split like benchirq's (guests/bench/bench.h): the window runs from a BENCH_START
 * before the guest's WFI to a BENCH_STOP first thing in the handler; the overhead is the same
 * pair back to back in the handler of the next alarm (its LR active, as in the window). The RTC
 * counts seconds of virtual time (-icount: the wait costs nothing), RTCMR = RTCDR + 1.
 */
#include "guests/bench/bench.h"
#include "guests/common/console.h"
#include "guests/common/gic.h"
#include "guests/common/guest.h"

#define RTC_BASE 0x09010000u /* QEMU virt /pl031@9010000, interrupts = <0 2 4>: SPI 2 */
#define RTC_INTID 34u
#define RTCDR 0x000u
#define RTCMR 0x004u
#define RTCCR 0x00cu
#define RTCIMSC 0x010u
#define RTCICR 0x01cu
#define RTC_BIT 1u
#define RTC_PRIO 0x80u

#define NAME "passthrough SPI (RTC alarm): IRQ exit, injection" /* <= 52 chars */

enum mode { MODE_PLAIN, MODE_WINDOW, MODE_OVERHEAD };

static volatile enum mode mode;
static volatile uint32_t alarms, unexpected;

static void on_irq(unsigned kind, struct guest_regs *regs)
{
	(void)kind;
	(void)regs;
	if (mode == MODE_WINDOW)
		bench_stop(NAME " [window]", 1);
	uint32_t iar = gic_ack();

	if (GICC_IAR_INTID(iar) != RTC_INTID) {
		unexpected = unexpected + 1;
		if (GICC_IAR_INTID(iar) < GIC_INTID_SPECIAL)
			gic_eoi(iar);
		return;
	}
	if (mode == MODE_OVERHEAD) {
		bench_start();
		bench_stop(NAME " [overhead]", 1);
	}
	mmio_write32(RTC_BASE + RTCICR, RTC_BIT); /* the line low before the EOI deactivates */
	gic_eoi(iar);
	alarms = alarms + 1;
}

/* Arms the next alarm and waits for it in WFI (IRQs masked on entry and return). */
static void one_alarm(enum mode m)
{
	uint32_t n = alarms;

	mode = m;
	/* A full exit first (BENCH_START is one): vgic_sync() hands back the last alarm's list
	 * register, so that every alarm finds the same state and takes the same path. */
	bench_start();
	mmio_write32(RTC_BASE + RTCMR, mmio_read32(RTC_BASE + RTCDR) + 1u);
	if (m == MODE_WINDOW)
		bench_start();
	while (alarms == n)
		gic_wait_irq_masked();
}

int main(void)
{
	gprintf("benchspi: start\n");
	if (!(mmio_read32(RTC_BASE + RTCCR) & RTC_BIT))
		mmio_write32(RTC_BASE + RTCCR, RTC_BIT);
	mmio_write32(RTC_BASE + RTCICR, RTC_BIT);
	guest_set_exception_handler(GUEST_EXC_IRQ, on_irq);
	gic_dist_enable();
	gic_set_priority(RTC_INTID, RTC_PRIO);
	gic_set_edge(RTC_INTID, false);
	gic_enable_irq(RTC_INTID);
	gic_cpu_enable(GIC_PMR_ALLOW_ALL);
	mmio_write32(RTC_BASE + RTCIMSC, RTC_BIT);

	one_alarm(MODE_PLAIN); /* warm-up: the paths' first run */
	one_alarm(MODE_WINDOW);
	one_alarm(MODE_OVERHEAD);
	mmio_write32(RTC_BASE + RTCIMSC, 0);
	if (unexpected) {
		gprintf("benchspi: %lu unexpected interrupts\n", unexpected);
		return GUEST_EXIT_FAILED;
	}
	gprintf("benchspi: done\n");
	return GUEST_EXIT_OK;
}
