/* bench: trap-path benchmarks, run alone on a physical CPU under QEMU -icount (make bench).
 * Each loop runs BENCH_ITERS times between BH_HVC_BENCH_START and BH_HVC_BENCH_STOP; the
 * hypervisor prints the HYP and guest instructions per iteration (docs/benchmarks.md). */
#include "guests/common/console.h"
#include "guests/common/guest.h"
#include "guests/common/hvc.h"

#define BENCH_ITERS 10000
#define PSCI_VERSION 0x84000000u

static void bench_start(void)
{
	hvc_call(BH_HVC_BENCH_START, 0, 0, 0);
}

static void bench_stop(const char *name)
{
	hvc_call(BH_HVC_BENCH_STOP, (uint32_t)(uintptr_t)name, BENCH_ITERS, 0);
}

/* PSCI through SMC: trapped by HCR.TSC and emulated like the HVC conduit. */
static uint32_t smc_psci_version(void)
{
	register uint32_t r0 __asm__("r0") = PSCI_VERSION;
	register uint32_t r1 __asm__("r1") = 0;
	register uint32_t r2 __asm__("r2") = 0;
	register uint32_t r3 __asm__("r3") = 0;

	__asm__ volatile(".arch_extension sec\n\tsmc #0"
			 : "+r"(r0), "+r"(r1), "+r"(r2), "+r"(r3)
			 :
			 : "memory");
	return r0;
}

/* ACTLR read: traps through HCR.TAC and is emulated (hyp/trap.c). */
static uint32_t actlr_read(void)
{
	uint32_t v;

	__asm__ volatile("mrc p15, 0, %0, c1, c0, 1" : "=r"(v)::"memory");
	return v;
}

int main(void)
{
	gprintf("bench: start\n");

	bench_start();
	for (unsigned i = 0; i < BENCH_ITERS; i++)
		hvc_call(BH_HVC_VERSION, 0, 0, 0);
	bench_stop("null hypercall");

	bench_start();
	for (unsigned i = 0; i < BENCH_ITERS; i++)
		hvc_call(PSCI_VERSION, 0, 0, 0);
	bench_stop("PSCI_VERSION via HVC");

	bench_start();
	for (unsigned i = 0; i < BENCH_ITERS; i++)
		smc_psci_version();
	bench_stop("PSCI_VERSION via SMC");

	bench_start();
	for (unsigned i = 0; i < BENCH_ITERS; i++)
		actlr_read();
	bench_stop("trapped CP15 read (ACTLR)");

	gprintf("bench: done\n");
	return GUEST_EXIT_OK;
}
