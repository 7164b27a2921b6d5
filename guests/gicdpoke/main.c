/* gicdpoke: the virtual distributor must keep a partition away from interrupts it does not own.
 * The partition owns one SPI (OWN_INTID, from a passed-through device). First two controls show
 * that its distributor does work: the owned SPI's priority and enable take effect, and an SGI to
 * itself is delivered. Then, for ever, passes over UNOWNED[] (the hypervisor console's SPI,
 * another partition's RTC SPI, neighbours, lines beyond the partition's, the last SPI): every
 * register that could change an interrupt is written (ISENABLER, ISPENDR, ISACTIVER, IPRIORITYR
 * and ITARGETSR by word and by byte, ICFGR, then ICENABLER, ICPENDR, ICACTIVER) and read back,
 * which must read 0; and SGIs go to vCPUs the partition does not have (GICD_SGIR target list of
 * absent vCPUs, filter "others", the reserved filter), which must reach nobody: not this vCPU
 * (no interrupt taken, nothing pending), nor anything outside the partition. What the clearing
 * writes would do to the owner is checked there (guests/rtc). A summary line about every second
 * of virtual time. Console lines: guests/README.md.
 */
#include "guests/common/console.h"
#include "guests/common/gic.h"
#include "guests/common/guest.h"
#include "guests/common/hvc.h"

/* QEMU virt: /virtio_mmio@a000000, interrupts = <0 16 1>: SPI 16. */
#define OWN_INTID 48u
#define OWN_PRIO 0x90u

/* SPIs this partition does not own. 33: the hypervisor's console UART; 34: QEMU virt's PL031
 * (another partition's in the scenarios); 63: the last line of the partition's distributor
 * (GICD_TYPER: 64 lines); 64 and 287: beyond it (287: QEMU virt's last line); 1019: the last
 * SPI INTID. None shares an IPRIORITYR or ITARGETSR word with OWN_INTID. */
static const uint32_t unowned[] = {32, 33, 34, 35, 47, 63, 64, 287, 1019};

#define SELF_SGI 2u
#define SGI_ALL_ABSENT 0xfeu /* target list: vCPUs 1-7 (the partition has vCPU 0 only) */
#define REPORT_S 1u	     /* a summary line about this often (virtual time) */

/* Bits of register words the partition owns, not checked (OWN_INTID's). */
#define OWN_BIT (1u << (OWN_INTID % 32u))
#define OWN_CFG_BITS (3u << (2u * (OWN_INTID % 16u)))

/* Taken by the IRQ handler (this one vCPU), read by main. */
static volatile uint32_t self_sgis;
static volatile uint32_t self_sgi_iar;
static volatile bool expect_self_sgi;

static uint32_t writes; /* writes to unowned interrupts so far */
static uint32_t sgis;	/* SGIs sent to absent vCPUs so far */

/* Anything but the one self-SGI of the control is a failure: an interrupt the partition does
 * not own was delivered, or an SGI meant for absent vCPUs came back. */
static void on_irq(unsigned kind, struct guest_regs *regs)
{
	uint32_t iar = gic_ack();
	uint32_t intid = GICC_IAR_INTID(iar);

	(void)kind;
	(void)regs;
	if (intid == GIC_INTID_SPURIOUS)
		return;
	gic_eoi(iar);
	if (intid == SELF_SGI && expect_self_sgi) {
		expect_self_sgi = false;
		self_sgi_iar = iar;
		self_sgis = self_sgis + 1;
		return;
	}
	gprintf("gicdpoke: unexpected interrupt %lu (iar 0x%lx) delivered\n", intid, iar);
	guest_stop(GUEST_EXIT_FAILED);
}

/* Reports a register that changed and stops. */
__noreturn static void changed(const char *reg, uint32_t intid, uint32_t off, uint32_t wrote,
			       uint32_t read)
{
	gprintf("gicdpoke: %s of INTID %lu CHANGED: wrote 0x%lx at GICD+0x%lx, reads 0x%lx\n", reg,
		intid, wrote, off, read);
	guest_stop(GUEST_EXIT_FAILED);
}

/* Writes val to the word at off and checks that the word then reads 0 apart from `owned`. */
static void poke32(const char *reg, uint32_t intid, uint32_t off, uint32_t val, uint32_t owned)
{
	uint32_t r;

	gicd_write(off, val);
	writes++;
	r = gicd_read(off) & ~owned;
	if (r)
		changed(reg, intid, off, val, r);
}

/* The same for a byte register through a byte access (IPRIORITYR, ITARGETSR). */
static void poke8(const char *reg, uint32_t intid, uint32_t off, uint8_t val)
{
	uint32_t r;

	mmio_write8_trapped(GICD_BASE + off, val);
	writes++;
	r = mmio_read8_trapped(GICD_BASE + off);
	if (r)
		changed(reg, intid, off, val, r);
}

/* A register written only to clear something (ICENABLER, ICPENDR, ICACTIVER): reading it back
 * shows the set state, which must still read 0; what the clear would do to the owner is the
 * owner's to check. */
static void poke_clear(const char *reg, uint32_t intid, uint32_t off, uint32_t owned)
{
	poke32(reg, intid, off, 1u << (intid % 32u), owned);
}

static uint32_t own_mask(uint32_t intid)
{
	return intid / 32u == OWN_INTID / 32u ? OWN_BIT : 0;
}

/* Every write that could change intid, each read back. */
static void poke_intid(uint32_t intid)
{
	uint32_t bit = 1u << (intid % 32u);
	uint32_t n = intid / 32u, owned = own_mask(intid);
	uint32_t byte_shift = 8u * (intid % 4u);
	uint32_t cfg_owned = intid / 16u == OWN_INTID / 16u ? OWN_CFG_BITS : 0;

	poke32("ISENABLER", intid, GICD_ISENABLER(n), bit, owned);
	poke32("ISPENDR", intid, GICD_ISPENDR(n), bit, owned);
	poke32("ISACTIVER", intid, GICD_ISACTIVER(n), bit, owned);
	poke32("IPRIORITYR", intid, GICD_IPRIORITYR(intid / 4u), 0x10u << byte_shift, 0);
	poke8("IPRIORITYR byte", intid, GICD_IPRIORITYR(0) + intid, 0x20u);
	poke32("ITARGETSR", intid, GICD_ITARGETSR(intid / 4u), 0xffu << byte_shift, 0);
	poke8("ITARGETSR byte", intid, GICD_ITARGETSR(0) + intid, 0xffu);
	poke32("ICFGR", intid, GICD_ICFGR(intid / 16u), GICD_ICFGR_EDGE << (2u * (intid % 16u)),
	       cfg_owned);
	poke_clear("ICENABLER", intid, GICD_ICENABLER(n), owned);
	poke_clear("ICPENDR", intid, GICD_ICPENDR(n), owned);
	poke_clear("ICACTIVER", intid, GICD_ICACTIVER(n), owned);
}

/* SGIs addressed only to vCPUs the partition does not have. None may come back: checked by the
 * IRQ handler (IRQs are unmasked) and in the pending registers. */
static void poke_sgis(uint32_t sgi)
{
	dsb();
	gicd_write(GICD_SGIR, GICD_SGIR_FILTER(GICD_SGIR_FILTER_LIST) |
				      GICD_SGIR_TARGETS(SGI_ALL_ABSENT) | GICD_SGIR_INTID(sgi));
	gicd_write(GICD_SGIR, GICD_SGIR_FILTER(GICD_SGIR_FILTER_OTHERS) | GICD_SGIR_INTID(sgi));
	gicd_write(GICD_SGIR, GICD_SGIR_FILTER(GICD_SGIR_FILTER_RESERVED) |
				      GICD_SGIR_TARGETS(0xffu) | GICD_SGIR_INTID(sgi));
	sgis += 3;
	if (gicd_read(GICD_ISPENDR(0)) & 0xffffu) {
		gprintf("gicdpoke: SGI %lu to absent vCPUs pending here: GICD_ISPENDR0 0x%lx\n",
			sgi, gicd_read(GICD_ISPENDR(0)));
		guest_stop(GUEST_EXIT_FAILED);
	}
	for (uint32_t i = 0; i < 4; i++) {
		uint32_t v = gicd_read(GICD_SPENDSGIR(i));

		if (v) {
			gprintf("gicdpoke: SGI %lu to absent vCPUs pending here: "
				"GICD_SPENDSGIR%lu 0x%lx\n",
				sgi, i, v);
			guest_stop(GUEST_EXIT_FAILED);
		}
	}
}

/* The owned SPI's priority and enable bit take effect: the distributor is not simply deaf. */
static bool control_owned(void)
{
	uint32_t word = GICD_IPRIORITYR(OWN_INTID / 4u);
	uint32_t shift = 8u * (OWN_INTID % 4u);
	uint32_t prio, en, dis;

	gic_set_priority(OWN_INTID, OWN_PRIO);
	prio = (gicd_read(word) >> shift) & 0xffu;
	gic_enable_irq(OWN_INTID);
	en = gicd_read(GICD_ISENABLER(OWN_INTID / 32u)) & OWN_BIT;
	gic_disable_irq(OWN_INTID);
	dis = gicd_read(GICD_ISENABLER(OWN_INTID / 32u)) & OWN_BIT;
	if (prio != OWN_PRIO || !en || dis) {
		gprintf("gicdpoke: own INTID %u: priority reads 0x%lx, enable %s, disable %s\n",
			OWN_INTID, prio, en ? "ok" : "ignored", dis ? "ignored" : "ok");
		return false;
	}
	gprintf("gicdpoke: own INTID %u: priority and enable take effect\n", OWN_INTID);
	return true;
}

/* An SGI to itself arrives, from itself: SGIs work, so the ones that do not arrive later were
 * filtered. Called and returns with IRQs masked. */
static bool control_self_sgi(void)
{
	uint64_t start = counter_now(), limit = counter_freq() / 10u;

	expect_self_sgi = true;
	dsb();
	gicd_write(GICD_SGIR, GICD_SGIR_FILTER(GICD_SGIR_FILTER_SELF) | GICD_SGIR_INTID(SELF_SGI));
	while (self_sgis == 0 && counter_now() - start < limit) {
		irq_enable();
		isb();
		irq_disable();
		cpu_relax();
	}
	if (self_sgis == 0) {
		gprintf("gicdpoke: SGI %u to itself not taken in 100 ms\n", SELF_SGI);
		return false;
	}
	if (GICC_IAR_CPUID(self_sgi_iar) != 0) {
		gprintf("gicdpoke: SGI %u to itself has source %lu\n", SELF_SGI,
			GICC_IAR_CPUID(self_sgi_iar));
		return false;
	}
	gprintf("gicdpoke: SGI %u to itself taken (source vcpu 0)\n", SELF_SGI);
	return true;
}

int main(void)
{
	uint32_t typer = gicd_read(GICD_TYPER);
	uint64_t period = (uint64_t)counter_freq() * REPORT_S, last;

	gprintf("gicdpoke: %lu interrupt lines, %lu CPU interface(s) (GICD_TYPER 0x%lx), owns "
		"INTID %u\n",
		GICD_TYPER_LINES(typer), GICD_TYPER_CPUS(typer), typer, OWN_INTID);

	guest_set_exception_handler(GUEST_EXC_IRQ, on_irq);
	gic_dist_enable();
	gic_set_priority(SELF_SGI, GIC_PRIO_DEFAULT);
	gic_enable_irq(SELF_SGI);
	gic_cpu_enable(GIC_PMR_ALLOW_ALL);
	if (!control_owned() || !control_self_sgi())
		return GUEST_EXIT_FAILED;

	/* From here on any interrupt taken is a failure (on_irq). */
	irq_enable();
	last = counter_now();
	for (uint32_t pass = 1;; pass++) {
		for (size_t i = 0; i < sizeof(unowned) / sizeof(unowned[0]); i++)
			poke_intid(unowned[i]);
		poke_sgis(pass % GIC_SGI_COUNT);
		if (pass == 1 || counter_now() - last >= period) {
			last = counter_now();
			gprintf("gicdpoke: %lu writes to unowned interrupts, all ignored (%lu passes, "
				"%lu SGIs to absent vCPUs)\n",
				writes, pass, sgis);
		}
	}
}
