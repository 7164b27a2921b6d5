/* fault: makes the accesses and calls Bulkhead cannot resolve, to exercise the fault policies and
 * the exceptions the hypervisor injects.
 *
 * The partition's `bootargs` (read from the generated device tree's /chosen) select a mode, a
 * list of probes; each probe is one instruction that must not complete normally:
 *   (none)    read of the unmapped IPA 0x20000000 (part-restart: policy "restart")
 *   hvc       HVC with a function id no hypercall has
 *   smc       SMC with a function id outside PSCI
 *   prefetch  jump to the unmapped IPA 0x20000000
 *   undef     CP15 accesses Bulkhead traps and refuses (the physical timer: MRC and MRRC)
 *   calls     hvc and smc, for policy "inject": each must come back as an undefined instruction
 *   aborts    prefetch, undef and the read of 0x20000000, for policy "inject"
 *   reset     no probe: PSCI SYSTEM_RESET, for ever (part-psci-reset)
 * With policy "stop" or "restart" the hypervisor acts on the first probe. With "inject", and for
 * the CP15 accesses under every policy, the exception comes back to the handler below, which
 * checks what it got and resumes after the probe.
 *
 * Every start first checks that it is a fresh one: an initialised .data word still has its value
 * from the image (the image was copied again) and a word of RAM outside the image, .bss, stacks
 * and device tree is 0 (the memory was scrubbed); then it changes both, so that a restart that
 * skips either step is seen by the next start. Console lines: guests/README.md. */
#include "guests/common/console.h"
#include "guests/common/dt.h"
#include "guests/common/guest.h"
#include "guests/common/hvc.h"
#include "guests/common/psci.h"

#define UNMAPPED_IPA 0x20000000u /* nothing is mapped there in the test configurations */
#define BAD_HVC_ID 0x8500ffffu	 /* in Bulkhead's range, beyond its last call */
#define BAD_SMC_ID 0x84000020u	 /* the first id after the PSCI range 0x84000000-0x8400001f */

/* The fresh-start check. MARKER_IPA is inside the 1 MiB the fault partitions have, above the
 * image, .bss and stacks and below the generated device tree at the top (checked at run time). */
#define FRESH_DATA 0x5eed0001u
#define DIRTY_DATA 0xd1d0000fu
#define MARKER_IPA (GUEST_BASE + 0x80000u)
#define MARKER_VALUE 0x57a1e000u

/* Short-descriptor fault status of the synchronous external abort Bulkhead injects (the guest
 * leaves TTBCR.EAE at 0). */
#define FSR_EXT_ABORT 0x8u

static volatile uint32_t image_word = FRESH_DATA; /* in .data: comes from the image */

/* --- the probes ------------------------------------------------------------------------------ */

/* Each probe is one instruction at <name>_insn; the exception handler resumes at <name>_done. The
 * asm names its registers so that the instruction (and the HSR the hypervisor reports) does not
 * depend on the compiler's choices. noipa: never inlined or cloned (a copy would redefine the
 * labels). */
extern const char fault_hvc_insn[], fault_hvc_done[];
extern const char fault_smc_insn[], fault_smc_done[];
extern const char fault_jump_insn[], fault_jump_done[];
extern const char fault_mrc_insn[], fault_mrc_done[];
extern const char fault_mrrc_insn[], fault_mrrc_done[];
extern const char fault_ldr_insn[], fault_ldr_done[];

__attribute__((noipa)) static void probe_hvc(void)
{
	register uint32_t r0 __asm__("r0") = BAD_HVC_ID;

	__asm__ volatile(".global fault_hvc_insn, fault_hvc_done\n"
			 "fault_hvc_insn:\n\t"
			 "hvc #0\n"
			 "fault_hvc_done:"
			 : "+r"(r0)
			 :
			 : "r1", "r2", "r3", "memory");
}

__attribute__((noipa)) static void probe_smc(void)
{
	register uint32_t r0 __asm__("r0") = BAD_SMC_ID;

	__asm__ volatile(".arch_extension sec\n"
			 ".global fault_smc_insn, fault_smc_done\n"
			 "fault_smc_insn:\n\t"
			 "smc #0\n"
			 "fault_smc_done:"
			 : "+r"(r0)
			 :
			 : "r1", "r2", "r3", "memory");
}

/* The fetch at UNMAPPED_IPA is what faults; the BLX leaves LR at fault_jump_done. */
__attribute__((noipa)) static void probe_jump(void)
{
	register uint32_t r0 __asm__("r0") = UNMAPPED_IPA;

	__asm__ volatile(".global fault_jump_insn, fault_jump_done\n"
			 "fault_jump_insn:\n\t"
			 "blx r0\n"
			 "fault_jump_done:"
			 : "+r"(r0)
			 :
			 : "r1", "r2", "r3", "r12", "lr", "memory");
}

/* CNTP_CTL and CNTP_CVAL: the physical timer, which Bulkhead keeps to itself (CNTHCTL.PL1PCEN
 * clear), so these accesses trap (EC 0x03 and 0x04) and are refused with an UNDEF. */
__attribute__((noipa)) static void probe_mrc(void)
{
	register uint32_t r0 __asm__("r0") = 0;

	__asm__ volatile(".global fault_mrc_insn, fault_mrc_done\n"
			 "fault_mrc_insn:\n\t"
			 "mrc p15, 0, r0, c14, c2, 1\n"
			 "fault_mrc_done:"
			 : "+r"(r0)
			 :
			 : "memory");
}

__attribute__((noipa)) static void probe_mrrc(void)
{
	register uint32_t r0 __asm__("r0") = 0;
	register uint32_t r1 __asm__("r1") = 0;

	__asm__ volatile(".global fault_mrrc_insn, fault_mrrc_done\n"
			 "fault_mrrc_insn:\n\t"
			 "mrrc p15, 2, r0, r1, c14\n"
			 "fault_mrrc_done:"
			 : "+r"(r0), "+r"(r1)
			 :
			 : "memory");
}

__attribute__((noipa)) static void probe_ldr(void)
{
	register uint32_t r0 __asm__("r0") = 0;
	register uint32_t r1 __asm__("r1") = UNMAPPED_IPA;

	__asm__ volatile(".global fault_ldr_insn, fault_ldr_done\n"
			 "fault_ldr_insn:\n\t"
			 "ldr r0, [r1]\n"
			 "fault_ldr_done:"
			 : "+r"(r0)
			 : "r"(r1)
			 : "memory");
}

struct probe {
	const char *what;  /* what is tried, in console lines */
	void (*run)(void); /* one of the probe_* functions */
	unsigned kind;	   /* the GUEST_EXC_* it must end in */
	const char *where; /* the expected exception address, in console lines */
	const char *pc;	   /* the expected exception address: regs->pc in the handler */
	const char *done;  /* where the handler resumes */
	uint32_t far;	   /* the expected DFAR/IFAR (aborts only) */
};

static const struct probe p_hvc = {
	.what = "HVC 0x8500ffff",
	.run = probe_hvc,
	.kind = GUEST_EXC_UNDEF,
	.where = "the HVC",
	.pc = fault_hvc_insn,
	.done = fault_hvc_done,
};
static const struct probe p_smc = {
	.what = "SMC 0x84000020",
	.run = probe_smc,
	.kind = GUEST_EXC_UNDEF,
	.where = "the SMC",
	.pc = fault_smc_insn,
	.done = fault_smc_done,
};
static const struct probe p_jump = {
	.what = "jump to 0x20000000",
	.run = probe_jump,
	.kind = GUEST_EXC_PABT,
	.where = "0x20000000",
	.pc = (const char *)UNMAPPED_IPA,
	.done = fault_jump_done,
	.far = UNMAPPED_IPA,
};
static const struct probe p_mrc = {
	.what = "MRC CNTP_CTL",
	.run = probe_mrc,
	.kind = GUEST_EXC_UNDEF,
	.where = "the MRC",
	.pc = fault_mrc_insn,
	.done = fault_mrc_done,
};
static const struct probe p_mrrc = {
	.what = "MRRC CNTP_CVAL",
	.run = probe_mrrc,
	.kind = GUEST_EXC_UNDEF,
	.where = "the MRRC",
	.pc = fault_mrrc_insn,
	.done = fault_mrrc_done,
};
static const struct probe p_ldr = {
	.what = "read of 0x20000000",
	.run = probe_ldr,
	.kind = GUEST_EXC_DABT,
	.where = "the LDR",
	.pc = fault_ldr_insn,
	.done = fault_ldr_done,
	.far = UNMAPPED_IPA,
};

#define MAX_PROBES 4

struct mode {
	const char *name; /* the bootargs that select it; "" without bootargs */
	const char *shown;
	const struct probe *probes[MAX_PROBES];
};

static const struct mode modes[] = {
	{"", "data", {&p_ldr}},
	{"hvc", "hvc", {&p_hvc}},
	{"smc", "smc", {&p_smc}},
	{"prefetch", "prefetch", {&p_jump}},
	{"undef", "undef", {&p_mrc, &p_mrrc}},
	{"calls", "calls", {&p_hvc, &p_smc}},
	{"aborts", "aborts", {&p_jump, &p_mrc, &p_mrrc, &p_ldr}},
	{"reset", "reset", {NULL}},
};

/* --- the exception handler ------------------------------------------------------------------- */

/* Written by main before a probe and by the handler, on the one vCPU. */
static volatile struct {
	const struct probe *armed; /* the probe running; NULL: any exception is a bug */
	bool hit;
	unsigned kind;
	uint32_t pc, far, fsr;
} trap;

static void on_exception(unsigned kind, struct guest_regs *regs)
{
	const struct probe *p = trap.armed;

	if (!p)
		guest_exception_default(kind, regs); /* not a probe: a real bug, report it */
	trap.armed = NULL;			     /* a second one is a bug too */
	trap.hit = true;
	trap.kind = kind;
	trap.pc = regs->pc;
	if (kind == GUEST_EXC_DABT) {
		trap.far = sysreg_read32(DFAR);
		trap.fsr = sysreg_read32(DFSR);
	} else if (kind == GUEST_EXC_PABT) {
		trap.far = sysreg_read32(IFAR);
		trap.fsr = sysreg_read32(IFSR);
	}
	regs->pc = (uintptr_t)p->done;
}

static const char *kind_name(unsigned kind)
{
	switch (kind) {
	case GUEST_EXC_UNDEF:
		return "undefined instruction";
	case GUEST_EXC_PABT:
		return "prefetch abort";
	case GUEST_EXC_DABT:
		return "data abort";
	default:
		return "other exception";
	}
}

/* Runs one probe; prints what came back. True if it was exactly the expected exception. */
static bool run_probe(const struct probe *p)
{
	bool abort = p->kind != GUEST_EXC_UNDEF;
	const char *far_name = p->kind == GUEST_EXC_DABT ? "DFAR" : "IFAR";
	const char *fsr_name = p->kind == GUEST_EXC_DABT ? "DFSR" : "IFSR";

	gprintf("fault: trying %s\n", p->what);
	trap.hit = false;
	trap.far = 0;
	trap.fsr = 0;
	trap.armed = p;
	dmb();
	p->run();
	trap.armed = NULL;
	if (!trap.hit) {
		gprintf("fault: %s: no exception\n", p->what);
		return false;
	}
	if (trap.kind == p->kind && trap.pc == (uintptr_t)p->pc &&
	    (!abort || (trap.far == p->far && trap.fsr == FSR_EXT_ABORT))) {
		if (abort)
			gprintf("fault: %s: %s at %s, %s 0x%08lx %s 0x%lx\n", p->what,
				kind_name(p->kind), p->where, far_name, trap.far, fsr_name,
				trap.fsr);
		else
			gprintf("fault: %s: %s at %s\n", p->what, kind_name(p->kind), p->where);
		return true;
	}
	if (abort)
		gprintf("fault: %s: WRONG: %s at 0x%08lx, %s 0x%08lx %s 0x%lx; expected %s at "
			"0x%08lx, %s 0x%08lx %s 0x%x\n",
			p->what, kind_name(trap.kind), trap.pc, far_name, trap.far, fsr_name,
			trap.fsr, kind_name(p->kind), (uint32_t)(uintptr_t)p->pc, far_name, p->far,
			fsr_name, FSR_EXT_ABORT);
	else
		gprintf("fault: %s: WRONG: %s at 0x%08lx; expected %s at 0x%08lx\n", p->what,
			kind_name(trap.kind), trap.pc, kind_name(p->kind),
			(uint32_t)(uintptr_t)p->pc);
	return false;
}

/* --- the mode, from the guest device tree ---------------------------------------------------- */

static const struct mode *find_mode(void)
{
	const char *args = guest_dt_bootargs(guest_dtb_ipa);

	if (!args)
		args = "";
	for (size_t i = 0; i < ARRAY_SIZE(modes); i++)
		if (guest_streq(args, modes[i].name))
			return &modes[i];
	gprintf("fault: unknown mode \"%s\" in bootargs\n", args);
	return NULL;
}

/* --- fresh start ----------------------------------------------------------------------------- */

/* Checks that this start sees the image's .data and scrubbed RAM, then dirties both. */
static bool check_fresh(void)
{
	extern const char __guest_end[]; /* guest.ld: end of image, .bss and stacks */
	volatile uint32_t *marker = (volatile uint32_t *)MARKER_IPA;
	uint32_t data = image_word, mark;
	bool ok = true;

	if (MARKER_IPA < (uintptr_t)__guest_end ||
	    (guest_dtb_ipa && MARKER_IPA + 4 > guest_dtb_ipa &&
	     MARKER_IPA < guest_dtb_ipa + GUEST_DT_MAX)) {
		gprintf("fault: marker 0x%08x overlaps the guest (end 0x%08x) or its tree (0x%08lx)\n",
			MARKER_IPA, (uintptr_t)__guest_end, guest_dtb_ipa);
		return false;
	}
	mark = *marker;
	if (data != FRESH_DATA) {
		gprintf("fault: STALE start: .data word is 0x%08lx, expected 0x%08x (image not copied "
			"again)\n",
			data, FRESH_DATA);
		ok = false;
	}
	if (mark != 0) {
		gprintf("fault: STALE start: RAM word at 0x%08x is 0x%08lx, expected 0 (memory not "
			"scrubbed)\n",
			MARKER_IPA, mark);
		ok = false;
	}
	if (ok)
		gprintf("fault: fresh start: data and memory clean\n");
	image_word = DIRTY_DATA;
	*marker = MARKER_VALUE;
	dsb(); /* both in memory before anything that can restart the partition */
	return ok;
}

int main(void)
{
	const struct mode *m = find_mode();
	unsigned n = 0, ok = 0;

	if (!m)
		return GUEST_EXIT_FAILED;
	gprintf("fault: start (mode %s)\n", m->shown);
	if (!check_fresh())
		return GUEST_EXIT_FAILED;

	if (m->probes[0] == NULL) { /* reset */
		delay_ticks(counter_freq() /
			    20); /* 50 ms: one reset per 50 ms keeps the log short */
		gprintf("fault: PSCI SYSTEM_RESET\n");
		int32_t err = psci_system_reset();
		gprintf("fault: SYSTEM_RESET returned %ld\n", (long)err);
		return GUEST_EXIT_FAILED;
	}

	guest_set_exception_handler(GUEST_EXC_UNDEF, on_exception);
	guest_set_exception_handler(GUEST_EXC_PABT, on_exception);
	guest_set_exception_handler(GUEST_EXC_DABT, on_exception);
	for (; n < MAX_PROBES && m->probes[n]; n++)
		ok += run_probe(m->probes[n]);
	if (ok == n) {
		gprintf("fault: all %u faults came back as exceptions\n", n);
		return GUEST_EXIT_OK;
	}
	gprintf("fault: FAILED\n");
	return GUEST_EXIT_FAILED;
}
