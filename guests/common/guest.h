/* Runtime shared by the bare-metal test guests: start-up (crt0.S), exceptions, stop, delays.
 *
 * A guest runs in SVC mode with the MMU and caches off, so virtual addresses are IPAs and every
 * data access is Strongly-ordered, where unaligned accesses fault (the build passes
 * -mno-unaligned-access).
 *
 * Included by crt0.S for the constants: the C part is guarded by __ASSEMBLER__.
 */
#ifndef GUEST_GUEST_H
#define GUEST_GUEST_H

/* crt0 gives each vCPU its own stacks, indexed by the vCPU index from BH_HVC_PARTITION_ID. */
#define GUEST_MAX_VCPUS 8
#define GUEST_SVC_STACK_SIZE 0x2000 /* main code */
#define GUEST_EXC_STACK_SIZE 0x800  /* each of ABT, UND, IRQ, FIQ: one handler + gprintf */
#define GUEST_VCPU_STACKS_SIZE (GUEST_SVC_STACK_SIZE + 4 * GUEST_EXC_STACK_SIZE)

/* Exception kinds, passed by the crt0.S vectors to guest_exception(). */
#define GUEST_EXC_UNDEF 0
#define GUEST_EXC_SVC 1
#define GUEST_EXC_PABT 2
#define GUEST_EXC_DABT 3
#define GUEST_EXC_IRQ 4
#define GUEST_EXC_FIQ 5
#define GUEST_EXC_COUNT 6

/* Exit codes passed to BH_HVC_STOP; the hypervisor reports them. */
#define GUEST_EXIT_OK 0u
#define GUEST_EXIT_FAILED 1u	/* the guest's test failed; it printed why */
#define GUEST_EXIT_EXCEPTION 2u /* an exception nobody handled (see guest_exception_default) */
#define GUEST_EXIT_BAD_VCPU 3u	/* crt0: vCPU index >= GUEST_MAX_VCPUS */

/* log2 of sizeof(struct guest_boot_regs): crt0.S indexes guest_boot_regs with it. */
#define GUEST_BOOT_REGS_SHIFT 4

#ifndef __ASSEMBLER__

#include "hyp/sysreg.h"
#include "hyp/types.h"

/* Registers of the interrupted code, saved by the crt0.S vectors on the exception mode's stack.
 * `pc` is the instruction the exception is about: the faulting one for undef, svc, prefetch and
 * data aborts; the next one to run for irq and fiq. Returning from a handler resumes at `pc`
 * with `cpsr`, so an abort handler that wants to skip the faulting instruction adds 4 (guests
 * are ARM code). */
struct guest_regs {
	uint32_t r[13];
	uint32_t pad; /* keeps the frame a multiple of 8 bytes (AAPCS stack alignment) */
	uint32_t pc;
	uint32_t cpsr;
};
_Static_assert(sizeof(struct guest_regs) == 64, "crt0.S builds this frame");

typedef void (*guest_exception_fn)(unsigned kind, struct guest_regs *regs);

/* Called by the crt0.S vectors with a GUEST_EXC_* kind: runs the handler installed for that
 * kind, or guest_exception_default(). */
void guest_exception(unsigned kind, struct guest_regs *regs);

/* Installs fn for exceptions of `kind` on every vCPU of this guest (NULL: the default). */
void guest_set_exception_handler(unsigned kind, guest_exception_fn fn);

/* Prints the exception on one line ("exception: ...", guests/README.md) and stops the partition
 * with GUEST_EXIT_EXCEPTION. */
__noreturn void guest_exception_default(unsigned kind, struct guest_regs *regs);

/* Stops the whole partition (all vCPUs) with an exit code the hypervisor reports. */
__noreturn void guest_stop(uint32_t code);

/* Entry points. main() runs on the boot vCPU; its return value is the exit code. A vCPU started
 * with PSCI CPU_ON at secondary_entry runs secondary_main(context id) and is powered off with
 * CPU_OFF when that returns (the default secondary_main says it has nothing to do). */
int main(void);
void secondary_main(uint32_t context_id);
void secondary_entry(void); /* crt0.S; the entry address to give PSCI CPU_ON */

extern uint32_t guest_dtb_ipa; /* r2 at boot: the guest DTB's IPA, or 0 */

/* What a vCPU held at its first instruction (_start or secondary_entry), before crt0.S changed
 * anything: the boot register contract (guests/README.md). Stored by crt0.S with one STM once
 * the vCPU has its stacks, so the order of the fields is that of r8-r11 there. */
struct guest_boot_regs {
	uint32_t r0; /* 0 for the boot vCPU, the PSCI CPU_ON context id for the others */
	uint32_t r1; /* 0xffffffff */
	uint32_t r2; /* the guest DTB's IPA or 0 (boot vCPU), 0 (CPU_ON) */
	uint32_t cpsr;
};
_Static_assert(sizeof(struct guest_boot_regs) == 1u << GUEST_BOOT_REGS_SHIFT,
	       "crt0.S indexes guest_boot_regs by shifting");

/* Indexed by vCPU index; an entry is written each time that vCPU starts (all zero before). */
extern struct guest_boot_regs guest_boot_regs[GUEST_MAX_VCPUS];

/* Prints vCPU `vcpu`'s guest_boot_regs entry as one line, "<who>: boot vcpu <v> r0 0x<r0> r1
 * 0x<r1> r2 0x<r2> cpsr 0x<cpsr> (mode <mode>, <masks>)" with 8 hex digits each
 * (guests/README.md). */
void guest_print_boot_regs(const char *who, uint32_t vcpu);

/* Called by crt0.S on each vCPU once its stacks are set: vectors and SCTLR. */
void guest_cpu_init(void);

/* Called by crt0.S when secondary_main returns: PSCI CPU_OFF (stops the partition if refused). */
__noreturn void guest_secondary_done(void);

/* Spin-loop hint. Under QEMU's single-threaded TCG (-icount) it lets the other CPUs run; a loop
 * without it starves them. */
static inline void cpu_relax(void)
{
	__asm__ volatile("yield" ::: "memory");
}

/* Virtual counter (CNTVCT) and its frequency. The ISB keeps the read from being taken early,
 * before the instructions that precede it (ARM ARM B8.1.2). */
static inline uint64_t counter_now(void)
{
	isb();
	return sysreg_read64(CNTVCT);
}

static inline uint32_t counter_freq(void)
{
	return sysreg_read32(CNTFRQ);
}

/* Waits until `ticks` of the virtual counter have passed. Each iteration gives the rest of the
 * time slice back to the hypervisor (BH_HVC_YIELD), so partitions sharing this physical CPU run,
 * and executes cpu_relax() for QEMU. Not `wfe`: nothing is guaranteed to send an event (with
 * IRQs masked a pending interrupt does not wake it), so it could sleep for ever. */
void delay_ticks(uint64_t ticks);

/* MPIDR affinity bits (the vCPU index under Bulkhead): cpu_mpidr() from hyp/sysreg.h. */

#endif /* __ASSEMBLER__ */
#endif
