/* isolation: accesses outside what the partition may do, and expects each one to abort.
 *
 * The partition's `bootargs` (/chosen/bootargs of the generated device tree) select the mode:
 *   (none)  reads IPAs outside the partition (probes[] below): each must abort
 *   perm    the stage-2 permissions of its own regions (tests/qemu/dts/isolation-perm.dts): a
 *           read of an `access = "r"` region must succeed and see what was written through a
 *           writable alias of the same page, a write to it must abort and leave the page as it
 *           was, and an instruction fetch from an `access = "rw"` region must abort
 *
 * With fault policy "inject" the stage-2 abort comes back to this guest's abort vectors; the
 * handlers below record the fault address and status and resume after the probe, and the guest
 * goes on to the next one. With policy "stop" the hypervisor stops the partition at the first
 * abort; the "start" line printed before each access tells the test which access was contained.
 * Console lines: guests/README.md.
 */
#include "guests/common/console.h"
#include "guests/common/dt.h"
#include "guests/common/guest.h"

/* IPAs that the test configurations leave unmapped. Fixed QEMU virt addresses are fine here:
 * this is a test guest for that machine, not hypervisor code. */
static const uintptr_t probes[] = {
	0x00000000u, /* bottom of the IPA space */
	0x08030000u, /* GICH on QEMU virt: the hypervisor's own virtual interface control */
	0x20000000u, /* between the test partitions' memory windows */
	0x3ff00000u, /* just below QEMU virt RAM */
	0x40010000u, /* the hypervisor's PA on QEMU virt (where QEMU loads its image) */
	0x4a000000u, /* the neighbour's RAM: the PA of alpha's memory in isolation-*.dts */
	0xfffff000u, /* top of the 32-bit IPA space */
};

/* Left in the register if the load is skipped; never mistaken for success, since a skipped load
 * is detected through `fault`, not through this value. */
#define PROBE_POISON 0xdeadbeefu

/* Mode perm: the regions of tests/qemu/dts/isolation-perm.dts beside the 1 MiB of RWX RAM at
 * GUEST_BASE. PERM_RO_IPA is a page with access "r" that maps the same PA as PERM_ALIAS_IPA (in
 * that RAM, above the image, .bss, stacks and below the generated device tree); PERM_NX_IPA is
 * a page with access "rw". */
#define PERM_RO_IPA 0x10100000u
#define PERM_ALIAS_IPA 0x10080000u
#define PERM_NX_IPA 0x10200000u
#define PERM_PATTERN 0x5eadb0a7u /* written through the alias, read through the r page */
#define INSN_BX_LR 0xe12fff1eu	 /* `bx lr` (ARM): what the fetch would run if it were allowed */

/* Written by the abort handlers, read by main on the same vCPU: the last probe's abort. */
static volatile struct {
	bool hit;
	unsigned kind; /* GUEST_EXC_DABT or GUEST_EXC_PABT */
	uint32_t far;  /* DFAR or IFAR */
	uint32_t fsr;  /* DFSR or IFSR */
} fault;

/* The fetch probe_jump() makes: the only prefetch abort the handler accepts (0: none). */
static volatile uintptr_t jump_target;

extern const char isolation_probe_insn[]; /* the load in probe_read() */
extern const char isolation_write_insn[]; /* the store in probe_write() */
extern const char isolation_jump_insn[];  /* the branch in probe_jump() */
extern const char isolation_jump_done[];  /* where the prefetch abort handler resumes */

/* One `ldr`, at a known address, so the handler skips exactly this instruction and no other. Its
 * registers are fixed (r0 from r1), so the HSR the hypervisor reports for it does not depend on
 * the compiler. noipa: never inlined or cloned (a second copy would redefine the label and fail
 * the build). */
__attribute__((noipa)) static uint32_t probe_read(uintptr_t addr)
{
	register uint32_t v __asm__("r0") = PROBE_POISON;
	register uintptr_t a __asm__("r1") = addr;

	__asm__ volatile(".global isolation_probe_insn\n"
			 "isolation_probe_insn:\n\t"
			 "ldr r0, [r1]"
			 : "+r"(v)
			 : "r"(a)
			 : "memory");
	return v;
}

/* The same for a store (`str r0, [r1]`, isolation_write_insn). */
__attribute__((noipa)) static void probe_write(uintptr_t addr, uint32_t value)
{
	register uint32_t v __asm__("r0") = value;
	register uintptr_t a __asm__("r1") = addr;

	__asm__ volatile(".global isolation_write_insn\n"
			 "isolation_write_insn:\n\t"
			 "str r0, [r1]"
			 :
			 : "r"(v), "r"(a)
			 : "memory");
}

/* Branches to addr (`blx r0`, isolation_jump_insn). If the fetch there is allowed, the `bx lr`
 * that perm mode puts there comes back to isolation_jump_done; if it aborts, the handler
 * resumes there. */
__attribute__((noipa)) static void probe_jump(uintptr_t addr)
{
	register uintptr_t a __asm__("r0") = addr;

	jump_target = addr;
	__asm__ volatile(".global isolation_jump_insn, isolation_jump_done\n"
			 "isolation_jump_insn:\n\t"
			 "blx r0\n"
			 "isolation_jump_done:"
			 : "+r"(a)
			 :
			 : "r1", "r2", "r3", "r12", "lr", "memory");
	jump_target = 0;
}

static void on_data_abort(unsigned kind, struct guest_regs *regs)
{
	if (regs->pc != (uintptr_t)isolation_probe_insn &&
	    regs->pc != (uintptr_t)isolation_write_insn)
		guest_exception_default(kind, regs); /* not a probe: a real bug, report it */
	fault.kind = kind;
	fault.far = sysreg_read32(DFAR);
	fault.fsr = sysreg_read32(DFSR);
	fault.hit = true;
	regs->pc += 4; /* skip the ldr or str (ARM state) */
}

static void on_prefetch_abort(unsigned kind, struct guest_regs *regs)
{
	if (!jump_target || regs->pc != jump_target)
		guest_exception_default(kind, regs);
	fault.kind = kind;
	fault.far = sysreg_read32(IFAR);
	fault.fsr = sysreg_read32(IFSR);
	fault.hit = true;
	regs->pc = (uintptr_t)isolation_jump_done; /* as if the branch had returned */
}

/* --- mode perm ------------------------------------------------------------------------------- */

/* One access of mode perm that must abort (`what` at addr, a page with access `acc`): prints the
 * result, true if it aborted at addr. */
static bool expect_abort(const char *what, uintptr_t addr, const char *acc, unsigned kind)
{
	const char *far = kind == GUEST_EXC_PABT ? "IFAR" : "DFAR";
	const char *fsr = kind == GUEST_EXC_PABT ? "IFSR" : "DFSR";

	if (!fault.hit) {
		gprintf("perm: %s 0x%08x (access %s): %s - PERMISSION BROKEN\n", what, addr, acc,
			kind == GUEST_EXC_PABT ? "EXECUTED" : "WRITTEN");
		return false;
	}
	if (fault.kind != kind || fault.far != addr) {
		gprintf("perm: %s 0x%08x (access %s): aborted with %s 0x%08lx, not the probed "
			"address\n",
			what, addr, acc, far, fault.far);
		return false;
	}
	gprintf("perm: %s 0x%08x (access %s): aborted (%s 0x%lx)\n", what, addr, acc, fsr,
		fault.fsr);
	return true;
}

/* The stage-2 permission checks; returns how many of PERM_CHECKS passed. */
#define PERM_CHECKS 4
static unsigned perm_checks(void)
{
	extern const char __guest_end[]; /* guest.ld: end of image, .bss and stacks */
	volatile uint32_t *alias = (volatile uint32_t *)PERM_ALIAS_IPA;
	unsigned passed = 0;
	uint32_t v;

	if (PERM_ALIAS_IPA < (uintptr_t)__guest_end ||
	    (guest_dtb_ipa && PERM_ALIAS_IPA + 4 > guest_dtb_ipa &&
	     PERM_ALIAS_IPA < guest_dtb_ipa + GUEST_DT_MAX)) {
		gprintf("perm: alias 0x%08x overlaps the guest (end 0x%08x) or its tree (0x%08lx)\n",
			PERM_ALIAS_IPA, (uintptr_t)__guest_end, guest_dtb_ipa);
		return 0;
	}
	/* 1. Read of the read-only page: allowed, and it is the page the alias writes. */
	*alias = PERM_PATTERN;
	dsb();
	gprintf("perm: read 0x%08x (access r): start\n", PERM_RO_IPA);
	fault.hit = false;
	v = probe_read(PERM_RO_IPA);
	if (fault.hit)
		gprintf("perm: read 0x%08x (access r): ABORTED (DFAR 0x%08lx DFSR 0x%lx)\n",
			PERM_RO_IPA, fault.far, fault.fsr);
	else if (v != PERM_PATTERN)
		gprintf("perm: read 0x%08x (access r): 0x%08lx, expected 0x%08x written through "
			"0x%08x\n",
			PERM_RO_IPA, v, PERM_PATTERN, PERM_ALIAS_IPA);
	else {
		gprintf("perm: read 0x%08x (access r): 0x%08lx, as written through 0x%08x\n",
			PERM_RO_IPA, v, PERM_ALIAS_IPA);
		passed++;
	}

	/* 2. Write to it: refused, and the page keeps its value. */
	gprintf("perm: write 0x%08x (access r): start\n", PERM_RO_IPA);
	fault.hit = false;
	probe_write(PERM_RO_IPA, ~PERM_PATTERN);
	v = *alias;
	if (expect_abort("write", PERM_RO_IPA, "r", GUEST_EXC_DABT)) {
		if (v == PERM_PATTERN) {
			gprintf("perm: write 0x%08x (access r): memory unchanged (0x%08lx)\n",
				PERM_RO_IPA, v);
			passed++;
		} else
			gprintf("perm: write 0x%08x (access r): memory changed to 0x%08lx - "
				"PERMISSION BROKEN\n",
				PERM_RO_IPA, v);
	}

	/* 3. Write to the non-executable page: allowed (it is "rw"). The word written is the
	 * instruction the fetch below would run. */
	gprintf("perm: write 0x%08x (access rw): start\n", PERM_NX_IPA);
	fault.hit = false;
	probe_write(PERM_NX_IPA, INSN_BX_LR);
	if (fault.hit) {
		gprintf("perm: write 0x%08x (access rw): ABORTED (DFAR 0x%08lx DFSR 0x%lx)\n",
			PERM_NX_IPA, fault.far, fault.fsr);
	} else {
		v = probe_read(PERM_NX_IPA);
		if (fault.hit)
			gprintf("perm: read 0x%08x (access rw): ABORTED (DFAR 0x%08lx DFSR 0x%lx)\n",
				PERM_NX_IPA, fault.far, fault.fsr);
		else if (v != INSN_BX_LR)
			gprintf("perm: write 0x%08x (access rw): reads back 0x%08lx, expected "
				"0x%08x\n",
				PERM_NX_IPA, v, INSN_BX_LR);
		else {
			gprintf("perm: write 0x%08x (access rw): written\n", PERM_NX_IPA);
			passed++;
		}
	}

	/* 4. Instruction fetch from it: refused. The instruction cache must not hold an older
	 * copy of the page (B2.2.7: invalidate after writing instructions). */
	dsb();
	sysreg_write32(ICIALLU, 0);
	dsb();
	isb();
	gprintf("perm: fetch 0x%08x (access rw): start\n", PERM_NX_IPA);
	fault.hit = false;
	probe_jump(PERM_NX_IPA);
	if (expect_abort("fetch", PERM_NX_IPA, "rw", GUEST_EXC_PABT))
		passed++;
	return passed;
}

/* --- default mode: the probes outside the partition ------------------------------------------ */

static bool outside_probes(void)
{
	unsigned aborted = 0;

	for (size_t i = 0; i < ARRAY_SIZE(probes); i++) {
		uintptr_t addr = probes[i];
		uint32_t v;

		gprintf("probe 0x%08x: start\n", addr);
		fault.hit = false;
		v = probe_read(addr);
		if (!fault.hit)
			gprintf("probe 0x%08x: READ 0x%08lx - ISOLATION BROKEN\n", addr, v);
		else if (fault.far != addr)
			gprintf("probe 0x%08x: aborted with DFAR 0x%08lx, not the probed address\n",
				addr, fault.far);
		else {
			gprintf("probe 0x%08x: aborted (DFSR 0x%lx)\n", addr, fault.fsr);
			aborted++;
		}
	}
	if (aborted != ARRAY_SIZE(probes))
		return false;
	gprintf("isolation: all %u probes aborted\n", aborted);
	return true;
}

/* Mode "va": an abort is reported to the guest at its own virtual address. With stage 1 on, VA
 * VA_PROBE maps to IPA VA_PROBE_IPA, which stage 2 does not map; the injected abort's DFAR must
 * be the VA (what the guest's handler looks up in its tables), not the IPA. The guest's RAM and
 * its device tree (the 3 MiB from GUEST_BASE) are mapped flat, so the code keeps running. */
#define VA_PROBE 0x30000000u
#define VA_PROBE_IPA 0x20000000u
#define L1_SECTION(pa) ((pa) | 3u << 10 | 2u) /* 1 MiB section, AP full access, strongly ordered */
#define SCTLR_M 1u
static uint32_t l1[4096] __attribute__((aligned(16384))); /* short-descriptor level 1 */

static bool va_probe(void)
{
	for (uint32_t mb = GUEST_BASE >> 20; mb < (GUEST_BASE >> 20) + 3; mb++)
		l1[mb] = L1_SECTION(mb << 20);
	l1[VA_PROBE >> 20] = L1_SECTION(VA_PROBE_IPA);
	dsb();
	sysreg_write32(TTBCR, 0);
	sysreg_write64(TTBR0, (uint64_t)(uintptr_t)l1);
	sysreg_write32(DACR, 3u);					   /* domain 0: manager */
	__asm__ volatile("mcr p15, 0, %0, c8, c7, 0" ::"r"(0) : "memory"); /* TLBIALL */
	dsb();
	isb();
	sysreg_write32(SCTLR, sysreg_read32(SCTLR) | SCTLR_M);
	isb();
	gprintf("va: read of VA 0x%08x (IPA 0x%08x): start\n", VA_PROBE, VA_PROBE_IPA);
	fault.hit = false;
	(void)probe_read(VA_PROBE);
	sysreg_write32(SCTLR, sysreg_read32(SCTLR) & ~SCTLR_M);
	isb();
	if (!fault.hit || fault.far != VA_PROBE) {
		gprintf("va: WRONG: aborted %d, DFAR 0x%08lx, expected the VA 0x%08x\n", fault.hit,
			fault.far, VA_PROBE);
		return false;
	}
	gprintf("va: aborted, DFAR 0x%08lx (the VA) DFSR 0x%lx\n", fault.far, fault.fsr);
	return true;
}

int main(void)
{
	const char *mode = guest_dt_bootargs(guest_dtb_ipa);
	bool ok;

	guest_set_exception_handler(GUEST_EXC_DABT, on_data_abort);
	guest_set_exception_handler(GUEST_EXC_PABT, on_prefetch_abort);
	if (!mode || guest_streq(mode, "")) {
		ok = outside_probes();
	} else if (guest_streq(mode, "perm")) {
		unsigned passed = perm_checks();

		ok = passed == PERM_CHECKS;
		if (ok)
			gprintf("isolation: all %u permission checks passed\n", passed);
	} else if (guest_streq(mode, "va")) {
		ok = va_probe();
	} else {
		gprintf("isolation: unknown mode \"%s\" in bootargs\n", mode);
		ok = false;
	}
	if (ok)
		return GUEST_EXIT_OK;
	gprintf("isolation: FAILED\n");
	return GUEST_EXIT_FAILED;
}
