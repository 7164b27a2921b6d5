/* vfp: lazy VFP/Advanced SIMD switching keeps every vCPU's floating-point state intact and
 * private while vCPUs share a physical CPU (hyp/vfp.c). Each vCPU enables CP10/CP11 in CPACR
 * and sets FPEXC.EN like an OS, checks that its registers start out zero (nothing of another
 * partition's), then CHECKS times: loads d0-d31 and FPSCR with a pattern that names the
 * partition, the vCPU, the register and the check, gives the CPU away (a yield, or a spin
 * through a time slice with the registers live), stores them back and compares every one, and
 * FPEXC. Stale state (an earlier check's), another vCPU's and a lost register all show up.
 * vCPU 0 starts vCPU 1 if the partition has one; both run the same test.
 * Console lines: guests/README.md.
 *
 * The guests are built soft-float: the compiler never touches the VFP registers, so between two
 * asm blocks below they hold exactly what the last one put there.
 */
#include "guests/common/console.h"
#include "guests/common/guest.h"
#include "guests/common/hvc.h"
#include "guests/common/psci.h"

#define CHECKS 2000u
#define REPORT_EVERY 500u /* a progress line every this many checks */
#define SPIN_EVERY 8u	  /* every 8th check spins instead of yielding */
#define SPIN_HZ 500u	  /* a spin lasts CNTFRQ / 500 ticks (2 ms): several time slices */
#define SECONDARY_CTX 0xf9000001u

/* CPACR (ARM ARM B4.1.40): full access to CP10 and CP11 (VFP and Advanced SIMD). ASEDIS and
 * D32DIS stay clear: d16-d31 and the SIMD instructions are used. */
#define CPACR_CP10_FULL (3u << 20)
#define CPACR_CP11_FULL (3u << 22)

/* FPEXC.EN: VFP and Advanced SIMD enabled (ARM ARM, FPEXC) */
#define FPEXC_EN (1u << 30)

/* The FPSCR bits every VFPv3/VFPv4 unit with Advanced SIMD keeps (ARM ARM, FPSCR): N Z C V
 * (31:28), QC, AHP, DN, FZ, RMode (23:22) and the cumulative flags IDC (7), IXC UFC OFC DZC IOC
 * (4:0). Not Len/Stride (short vectors) nor the trap enables: RAZ on Cortex-A15. */
#define FPSCR_KEPT 0xffc0009fu

/* The pattern: d<i> of vCPU v of partition p in check n is
 *   bits 63:32  0xbf000000 | p << 12 | v << 8 | i
 *   bits 31:0   n, inverted for odd i
 * so a wrong value names whose it is and from which check. */
#define PAT_MAGIC 0xbfu
#define PAT_PART_MASK 0xfffu

struct vfp_regs {
	uint64_t d[32];
	uint32_t fpscr;
};

/* Written by vCPU 1 before it turns itself off, read by vCPU 0 after. */
static volatile uint32_t vcpu1_checks;

static uint32_t fpexc_read(void)
{
	uint32_t v;

	__asm__ volatile(".fpu neon\n\tvmrs %0, fpexc" : "=r"(v));
	return v;
}

static void fpexc_write(uint32_t v)
{
	__asm__ volatile(".fpu neon\n\tvmsr fpexc, %0\n\tisb" ::"r"(v) : "memory");
}

/* d0-d31 and FPSCR from s. */
static void vfp_load(const struct vfp_regs *s)
{
	const uint64_t *p = s->d;

	__asm__ volatile(".fpu neon\n\t"
			 "vldmia %0!, {d0-d15}\n\t"
			 "vldmia %0, {d16-d31}\n\t"
			 "vmsr fpscr, %1"
			 : "+r"(p)
			 : "r"(s->fpscr)
			 : "memory");
}

/* d0-d31 into d[0..31]; returns FPSCR. */
static uint32_t vfp_store(uint64_t *d)
{
	uint32_t fpscr;

	__asm__ volatile(".fpu neon\n\t"
			 "vstmia %1!, {d0-d15}\n\t"
			 "vstmia %1, {d16-d31}\n\t"
			 "vmrs %0, fpscr"
			 : "=&r"(fpscr), "+r"(d)
			 :
			 : "memory");
	return fpscr;
}

static uint64_t pattern(uint32_t part, uint32_t vcpu, unsigned i, uint32_t check)
{
	uint32_t hi = PAT_MAGIC << 24 | (part & PAT_PART_MASK) << 12 | (vcpu & 0xfu) << 8 | i;
	uint32_t lo = i & 1 ? ~check : check;

	return (uint64_t)hi << 32 | lo;
}

static void fill(struct vfp_regs *s, uint32_t part, uint32_t vcpu, uint32_t check)
{
	for (unsigned i = 0; i < 32; i++)
		s->d[i] = pattern(part, vcpu, i, check);
	s->fpscr = (check * 0x9e3779b9u ^ (part << 4 | vcpu) * 0x85ebca6bu) & FPSCR_KEPT;
}

/* Prints one MISMATCH line for d<i>, saying whose pattern the value is if it is one. */
static void report_d(unsigned i, uint64_t got, uint64_t want, uint32_t check, uint32_t vcpu)
{
	uint32_t hi = (uint32_t)(got >> 32);
	uint32_t lo = (uint32_t)got;
	unsigned j = hi & 0xffu;

	if (hi >> 24 == PAT_MAGIC && j < 32)
		gprintf("vfp: MISMATCH d%u got 0x%016llx expected 0x%016llx in check %lu on vcpu "
			"%lu (partition %lu vcpu %lu d%u check %lu)\n",
			i, got, want, check, vcpu, (hi >> 12) & PAT_PART_MASK, (hi >> 8) & 0xfu, j,
			j & 1 ? ~lo : lo);
	else
		gprintf("vfp: MISMATCH d%u got 0x%016llx expected 0x%016llx in check %lu on vcpu "
			"%lu (no vfp pattern)\n",
			i, got, want, check, vcpu);
}

/* Reads the registers back and compares them and FPEXC with what they must hold; prints a line
 * per difference. Returns the number of differences. */
static unsigned verify(const struct vfp_regs *want, uint32_t fpexc_want, uint32_t check,
		       uint32_t vcpu)
{
	struct vfp_regs got;
	uint32_t fpexc;
	unsigned bad = 0;

	got.fpscr = vfp_store(got.d);
	fpexc = fpexc_read();
	for (unsigned i = 0; i < 32; i++) {
		if (got.d[i] != want->d[i]) {
			report_d(i, got.d[i], want->d[i], check, vcpu);
			bad++;
		}
	}
	if (got.fpscr != want->fpscr) {
		gprintf("vfp: MISMATCH fpscr got 0x%08lx expected 0x%08lx in check %lu on vcpu %lu\n",
			got.fpscr, want->fpscr, check, vcpu);
		bad++;
	}
	if (fpexc != fpexc_want) {
		gprintf("vfp: MISMATCH fpexc got 0x%08lx expected 0x%08lx in check %lu on vcpu %lu\n",
			fpexc, fpexc_want, check, vcpu);
		bad++;
	}
	return bad;
}

/* Keeps the CPU for `ticks` of the virtual counter without a hypercall: with the registers
 * live, the hypervisor's time slice ends and other vCPUs run meanwhile. */
static void spin(uint64_t ticks)
{
	uint64_t start = counter_now();

	while (counter_now() - start < ticks)
		cpu_relax();
}

/* The test on the calling vCPU; stops the partition (code 1) at the first bad check. */
static void run(uint32_t vcpu)
{
	uint32_t part = bh_partition_id();
	uint64_t spin_ticks = counter_freq() / SPIN_HZ;
	struct vfp_regs want;
	uint32_t fpexc;

	/* What an OS does before its first VFP instruction; CPACR is part of the vCPU's state. */
	sysreg_write32(CPACR, sysreg_read32(CPACR) | CPACR_CP10_FULL | CPACR_CP11_FULL);
	isb();
	fpexc_write(fpexc_read() | FPEXC_EN);
	fpexc = fpexc_read();
	if (!(fpexc & FPEXC_EN)) {
		gprintf("vfp: FPEXC.EN stays clear on vcpu %lu (FPEXC 0x%08lx)\n", vcpu, fpexc);
		guest_stop(GUEST_EXIT_FAILED);
	}

	/* Check 0: Bulkhead starts every vCPU with zeroed VFP registers. */
	want = (struct vfp_regs){.fpscr = 0};
	if (verify(&want, fpexc, 0, vcpu))
		guest_stop(GUEST_EXIT_FAILED);

	for (uint32_t n = 1; n <= CHECKS; n++) {
		fill(&want, part, vcpu, n);
		vfp_load(&want);
		if (n % SPIN_EVERY == 0)
			spin(spin_ticks);
		else
			bh_yield();
		if (verify(&want, fpexc, n, vcpu))
			guest_stop(GUEST_EXIT_FAILED);
		if (n % REPORT_EVERY == 0 && n < CHECKS)
			gprintf("vfp: %lu checks on vcpu %lu\n", n, vcpu);
	}
	/* The lazy-switch traps (this guest takes no other trap): 1 on a CPU of its own. */
	gprintf("vfp: done %u checks on vcpu %lu, %lu VFP trap(s), registers intact\n", CHECKS,
		vcpu, bh_trap_count());
}

void secondary_main(uint32_t context_id)
{
	if (context_id != SECONDARY_CTX) {
		gprintf("vfp: vcpu 1 started with context 0x%08lx\n", context_id);
		guest_stop(GUEST_EXIT_FAILED);
	}
	run(1);
	vcpu1_checks = CHECKS;
}

int main(void)
{
	/* vCPU 1 exists if AFFINITY_INFO knows it (OFF until started), not if it is refused. */
	bool two = psci_affinity_info(1, 0) == PSCI_AFFINITY_OFF;

	gprintf("vfp: start (partition %lu, %u vCPU(s), %u checks each)\n", bh_partition_id(),
		two ? 2 : 1, CHECKS);
	if (counter_freq() == 0) {
		gprintf("vfp: CNTFRQ is 0, cannot time the spins\n");
		return GUEST_EXIT_FAILED;
	}
	if (two) {
		int32_t err = psci_cpu_on(1, (uintptr_t)secondary_entry, SECONDARY_CTX);

		if (err != PSCI_SUCCESS) {
			gprintf("vfp: CPU_ON of vcpu 1 failed (%ld)\n", (long)err);
			return GUEST_EXIT_FAILED;
		}
	}
	run(0);
	if (two) {
		/* vCPU 1 stops the partition itself if its test fails. */
		while (psci_affinity_info(1, 0) != PSCI_AFFINITY_OFF) {
			bh_yield();
			cpu_relax();
		}
		if (vcpu1_checks != CHECKS) {
			gprintf("vfp: vcpu 1 turned off before its checks were done\n");
			return GUEST_EXIT_FAILED;
		}
	}
	return GUEST_EXIT_OK;
}
