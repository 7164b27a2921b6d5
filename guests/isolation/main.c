/* isolation: reads addresses outside the partition and expects every read to abort.
 *
 * With fault policy "inject" the stage-2 abort comes back to this guest's data-abort vector; the
 * handler below records DFAR/DFSR and skips the load, and the guest goes on to the next probe.
 * With policy "stop" the hypervisor stops the partition at the first probe; the "start" line
 * printed before each access tells the test which access was contained.
 * Console lines: guests/README.md.
 */
#include "guests/common/console.h"
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

/* Written by the abort handler, read by main on the same vCPU. */
static volatile struct {
	bool hit;
	uint32_t dfar;
	uint32_t dfsr;
} fault;

extern const char isolation_probe_insn[]; /* the load in probe_read() */

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

static void on_data_abort(unsigned kind, struct guest_regs *regs)
{
	if (regs->pc != (uintptr_t)isolation_probe_insn)
		guest_exception_default(kind, regs); /* not a probe: a real bug, report it */
	fault.dfar = sysreg_read32(DFAR);
	fault.dfsr = sysreg_read32(DFSR);
	fault.hit = true;
	regs->pc += 4; /* skip the ldr (ARM state) */
}

int main(void)
{
	unsigned aborted = 0;

	guest_set_exception_handler(GUEST_EXC_DABT, on_data_abort);
	for (size_t i = 0; i < ARRAY_SIZE(probes); i++) {
		uintptr_t addr = probes[i];
		uint32_t v;

		gprintf("probe 0x%08x: start\n", addr);
		fault.hit = false;
		v = probe_read(addr);
		if (!fault.hit)
			gprintf("probe 0x%08x: READ 0x%08lx - ISOLATION BROKEN\n", addr, v);
		else if (fault.dfar != addr)
			gprintf("probe 0x%08x: aborted with DFAR 0x%08lx, not the probed address\n",
				addr, fault.dfar);
		else {
			gprintf("probe 0x%08x: aborted (DFSR 0x%lx)\n", addr, fault.dfsr);
			aborted++;
		}
	}
	if (aborted == ARRAY_SIZE(probes)) {
		gprintf("isolation: all %u probes aborted\n", aborted);
		return GUEST_EXIT_OK;
	}
	gprintf("isolation: FAILED\n");
	return GUEST_EXIT_FAILED;
}
