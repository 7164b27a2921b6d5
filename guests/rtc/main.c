/* rtc: a device passed through with its interrupt. QEMU virt's PL031 real-time clock is mapped at
 * IPA == PA (RTC_BASE) and its SPI (RTC_INTID) routed to this partition (docs/bindings.md,
 * `devices`). The guest identifies the PL031, enables the SPI in its virtual distributor and
 * takes ALARMS match interrupts, each armed RTC_DELAY_S seconds ahead (RTCMR = RTCDR + delay).
 * The handler acknowledges through GICC_IAR, clears the RTC interrupt (RTCICR) and ends it
 * through GICC_EOIR; Bulkhead injects the SPI with GICH_LR.HW, so that EOI deactivates the
 * physical interrupt, and the next alarm can only come if it did. From arming to the alarm
 * (RTC accesses, WFI, taking, acknowledging and ending the interrupt) the vCPU must take no
 * trap (BH_HVC_TRAP_COUNT). After each alarm it checks that its distributor state for the SPI
 * is still what it set, so another partition poking at the same INTID (guests/gicdpoke) must
 * not have changed it. Console lines: guests/README.md.
 */
#include "guests/common/console.h"
#include "guests/common/gic.h"
#include "guests/common/guest.h"
#include "guests/common/hvc.h"

/* QEMU virt: /pl031@9010000, interrupts = <0 2 4> (SPI 2, level high). Fixed, like the GIC's
 * addresses (gic.h): the partition maps it at IPA == PA. */
#define RTC_BASE 0x09010000u
#define RTC_INTID 34u

#define ALARMS 3u
#define RTC_DELAY_S 1u	/* RTCMR = RTCDR + this */
#define RTC_PRIO 0x80u	/* any priority PMR 0xf0 lets through */
#define SYNC_LIMIT_S 3u /* RTCDR must advance within this much virtual time */

/* PL031 registers (ARM DDI 0224C 3.3) */
#define RTCDR 0x000u   /* data: seconds counter, read-only */
#define RTCMR 0x004u   /* match: the alarm fires when RTCDR reaches it */
#define RTCCR 0x00cu   /* control: bit 0 starts the counter (cannot be cleared once set) */
#define RTCIMSC 0x010u /* interrupt mask set/clear: bit 0 enables the match interrupt */
#define RTCRIS 0x014u  /* raw interrupt status */
#define RTCMIS 0x018u  /* masked interrupt status */
#define RTCICR 0x01cu  /* interrupt clear: write 1 */
#define RTCPERIPHID(n) (0xfe0u + 4u * (n)) /* 0-3: one byte each, in bits [7:0] */
#define RTCPCELLID(n) (0xff0u + 4u * (n))

#define RTC_BIT 1u /* the one bit of RTCCR, RTCIMSC, RTCRIS, RTCMIS, RTCICR */

/* PeriphID0-3 as one word: part 0x031, designer 0x41 (ARM), revision [23:20] any,
 * configuration 0. PCellID0-3: the PrimeCell signature. */
#define PL031_PERIPH_ID 0x00041031u
#define PL031_PERIPH_MASK 0xff0fffffu
#define PRIMECELL_ID 0xb105f00du

/* What the IRQ handler saw of each alarm; written by the handler, read by main (one vCPU). */
static volatile uint32_t alarms;     /* alarm interrupts taken */
static volatile uint32_t alarm_dr;   /* RTCDR in the handler of the last one */
static volatile uint32_t alarm_iar;  /* its GICC_IAR value */
static volatile uint32_t unexpected; /* anything else */

static uint32_t rtc_read(uint32_t reg)
{
	return mmio_read32(RTC_BASE + reg);
}

static void rtc_write(uint32_t reg, uint32_t v)
{
	mmio_write32(RTC_BASE + reg, v);
}

/* The four byte-wide ID registers from `first` on, as one little-endian word. */
static uint32_t read_id(uint32_t first)
{
	uint32_t id = 0;

	for (uint32_t i = 0; i < 4; i++)
		id |= (rtc_read(first + 4u * i) & 0xffu) << (8u * i);
	return id;
}

/* Counts an interrupt that is not an alarm; the first one is printed. */
static void count_unexpected(const char *what, uint32_t iar)
{
	if (unexpected++ == 0)
		gprintf("rtc: unexpected %s (iar 0x%lx, intid %lu)\n", what, iar,
			GICC_IAR_INTID(iar));
}

/* Runs in IRQ mode with IRQs masked, on this vCPU's IRQ stack (crt0.S): never re-entered. No
 * trap on this path: GICC is the mapped GICV and the RTC is mapped. */
static void on_irq(unsigned kind, struct guest_regs *regs)
{
	uint32_t iar = gic_ack();
	uint32_t intid = GICC_IAR_INTID(iar);

	(void)kind;
	(void)regs;
	if (intid != RTC_INTID) {
		count_unexpected("interrupt", iar);
		if (intid < GIC_INTID_SPECIAL)
			gic_eoi(iar);
		return;
	}
	if (!(rtc_read(RTCMIS) & RTC_BIT)) {
		/* The SPI without the RTC asking: pended by someone else, or injected twice. */
		count_unexpected("RTC interrupt with RTCMIS clear", iar);
		gic_eoi(iar);
		return;
	}
	alarm_dr = rtc_read(RTCDR);
	/* Lower the line before the EOI: the EOI deactivates the physical SPI (GICH_LR.HW), and a
	 * level interrupt still asserted then would pend again at once. */
	rtc_write(RTCICR, RTC_BIT);
	gic_eoi(iar);
	alarm_iar = iar;
	alarms = alarms + 1;
}

/* Checks this partition's distributor state of RTC_INTID against what main() set; prints the
 * first difference. The reads trap (the distributor is emulated): never inside a trap window. */
static bool dist_state_ok(uint32_t after)
{
	uint32_t bit = 1u << (RTC_INTID % 32u);
	uint32_t prio =
		(gicd_read(GICD_IPRIORITYR(RTC_INTID / 4u)) >> (8u * (RTC_INTID % 4u))) & 0xffu;
	uint32_t cfg = (gicd_read(GICD_ICFGR(RTC_INTID / 16u)) >> (2u * (RTC_INTID % 16u))) & 3u;
	const char *what = NULL;

	if (!(gicd_read(GICD_CTLR) & GICD_CTLR_ENABLE))
		what = "distributor disabled";
	else if (!(gicd_read(GICD_ISENABLER(RTC_INTID / 32u)) & bit))
		what = "interrupt disabled";
	else if (gicd_read(GICD_ISPENDR(RTC_INTID / 32u)) & bit)
		what = "interrupt pending";
	else if (gicd_read(GICD_ISACTIVER(RTC_INTID / 32u)) & bit)
		what = "interrupt active";
	else if (prio != RTC_PRIO)
		what = "priority changed";
	else if (cfg & GICD_ICFGR_EDGE)
		what = "made edge-triggered";
	if (what)
		gprintf("rtc: after alarm %lu: %s (INTID %u priority 0x%lx, ICFGR bits 0x%lx)\n",
			after, what, RTC_INTID, prio, cfg);
	return what == NULL;
}

/* Waits (polling RTCDR) until it changes, so the alarms are armed just after a second starts:
 * an alarm RTC_DELAY_S ahead then fires at the start of a second too, and the handler reads
 * RTCDR = armed value + RTC_DELAY_S with almost a second to spare. False after SYNC_LIMIT_S. */
static bool sync_to_second(void)
{
	uint32_t d0 = rtc_read(RTCDR);
	uint64_t start = counter_now();
	uint64_t limit = (uint64_t)counter_freq() * SYNC_LIMIT_S;

	while (rtc_read(RTCDR) == d0) {
		if (counter_now() - start > limit)
			return false;
		cpu_relax();
	}
	return true;
}

int main(void)
{
	uint32_t periph, cell, traps = 0;
	bool ok = true;

	gprintf("rtc: PL031 at 0x%08x, INTID %u\n", RTC_BASE, RTC_INTID);
	periph = read_id(RTCPERIPHID(0));
	cell = read_id(RTCPCELLID(0));
	gprintf("rtc: PeriphID 0x%08lx PCellID 0x%08lx\n", periph, cell);
	if ((periph & PL031_PERIPH_MASK) != PL031_PERIPH_ID || cell != PRIMECELL_ID) {
		gprintf("rtc: no PL031 at 0x%08x\n", RTC_BASE);
		return GUEST_EXIT_FAILED;
	}
	if (!(rtc_read(RTCCR) & RTC_BIT))
		rtc_write(RTCCR, RTC_BIT); /* start the counter */
	rtc_write(RTCIMSC, 0);
	rtc_write(RTCICR, RTC_BIT); /* a match left over from before: forget it */

	guest_set_exception_handler(GUEST_EXC_IRQ, on_irq);
	gic_dist_enable();
	gic_set_priority(RTC_INTID, RTC_PRIO);
	gic_set_target(RTC_INTID, 1u << 0); /* vCPU 0 (RAZ/WI with one vCPU: it already is) */
	gic_set_edge(RTC_INTID, false);	    /* the PL031's line is level-sensitive */
	gic_enable_irq(RTC_INTID);
	gic_cpu_enable(GIC_PMR_ALLOW_ALL);
	if (!dist_state_ok(0))
		return GUEST_EXIT_FAILED;
	gprintf("rtc: INTID %u enabled, priority 0x%x, level-sensitive\n", RTC_INTID, RTC_PRIO);

	if (!sync_to_second()) {
		gprintf("rtc: RTCDR 0x%lx did not advance in %u s\n", rtc_read(RTCDR),
			SYNC_LIMIT_S);
		return GUEST_EXIT_FAILED;
	}

	/* IRQs stay masked (entry state) but for the ISB in gic_wait_irq_masked(). */
	for (uint32_t k = 1; k <= ALARMS; k++) {
		uint32_t t0 = bh_trap_count();
		uint32_t armed = rtc_read(RTCDR);

		rtc_write(RTCMR, armed + RTC_DELAY_S);
		rtc_write(RTCIMSC, RTC_BIT);
		while (alarms < k)
			gic_wait_irq_masked();
		uint32_t t = bh_trap_count() - t0;

		traps += t;
		/* The seconds RTCDR advanced by the handler: 1, or more if the host stalled QEMU
		 * between the match and the handler (no -icount); fewer is an early alarm. */
		gprintf("rtc: alarm %lu: interrupt %lu taken, %lu traps (RTCDR +%lu s)\n", k,
			GICC_IAR_INTID(alarm_iar), t, alarm_dr - armed);
		if (alarm_dr - armed < RTC_DELAY_S) {
			gprintf("rtc: alarm %lu came early (RTCDR 0x%lx, RTCMR 0x%lx)\n", k,
				alarm_dr, armed + RTC_DELAY_S);
			ok = false;
		}
		if (rtc_read(RTCRIS) & RTC_BIT) {
			gprintf("rtc: RTCRIS still set after RTCICR\n");
			ok = false;
		}
		ok = dist_state_ok(k) && ok;
	}
	rtc_write(RTCIMSC, 0);
	gic_disable_irq(RTC_INTID);

	gprintf("rtc: done %u alarms, %lu unexpected, traps for the alarms %lu\n", ALARMS,
		(uint32_t)unexpected, traps);
	return ok && unexpected == 0 ? GUEST_EXIT_OK : GUEST_EXIT_FAILED;
}
