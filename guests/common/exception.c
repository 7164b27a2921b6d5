/* Guest exception dispatch (called by the crt0.S vectors) and per-vCPU CPU set-up. */
#include "guests/common/guest.h"

#include "guests/common/console.h"
#include "guests/common/hvc.h"

/* SCTLR bits (ARM ARM B4.1.130) that decide where and how exceptions are taken. */
#define SCTLR_V (1u << 13)  /* high vectors at 0xffff0000 instead of VBAR */
#define SCTLR_EE (1u << 25) /* exceptions taken big-endian */
#define SCTLR_TE (1u << 30) /* exceptions taken in Thumb state */

/* Written before the vCPUs that use them can fault; read only by the exception path. */
static guest_exception_fn handlers[GUEST_EXC_COUNT];

static const char *const exc_names[GUEST_EXC_COUNT] = {
	[GUEST_EXC_UNDEF] = "undefined instruction",
	[GUEST_EXC_SVC] = "supervisor call",
	[GUEST_EXC_PABT] = "prefetch abort",
	[GUEST_EXC_DABT] = "data abort",
	[GUEST_EXC_IRQ] = "irq",
	[GUEST_EXC_FIQ] = "fiq",
};

void guest_cpu_init(void)
{
	extern const char guest_vectors[]; /* crt0.S */

	/* The vectors are ARM code, little-endian, at VBAR (the hypervisor's reset SCTLR already
	 * says so; a guest must not depend on that). */
	sysreg_write32(VBAR, (uintptr_t)guest_vectors);
	sysreg_write32(SCTLR, sysreg_read32(SCTLR) & ~(SCTLR_V | SCTLR_EE | SCTLR_TE));
	isb();
}

void guest_set_exception_handler(unsigned kind, guest_exception_fn fn)
{
	if (kind < GUEST_EXC_COUNT)
		handlers[kind] = fn;
	dmb(); /* visible to the other vCPUs before anything that may make them fault */
}

void guest_exception_default(unsigned kind, struct guest_regs *regs)
{
	const char *name = kind < GUEST_EXC_COUNT ? exc_names[kind] : "unknown exception";
	uint32_t vcpu = bh_vcpu_id();

	if (kind == GUEST_EXC_DABT)
		gprintf("exception: %s at 0x%08lx on vcpu %lu (cpsr 0x%08lx) DFAR 0x%08lx DFSR 0x%lx\n",
			name, regs->pc, vcpu, regs->cpsr, sysreg_read32(DFAR), sysreg_read32(DFSR));
	else if (kind == GUEST_EXC_PABT)
		gprintf("exception: %s at 0x%08lx on vcpu %lu (cpsr 0x%08lx) IFAR 0x%08lx IFSR 0x%lx\n",
			name, regs->pc, vcpu, regs->cpsr, sysreg_read32(IFAR), sysreg_read32(IFSR));
	else
		gprintf("exception: %s at 0x%08lx on vcpu %lu (cpsr 0x%08lx)\n", name, regs->pc,
			vcpu, regs->cpsr);
	guest_stop(GUEST_EXIT_EXCEPTION);
}

void guest_exception(unsigned kind, struct guest_regs *regs)
{
	guest_exception_fn fn = kind < GUEST_EXC_COUNT ? handlers[kind] : NULL;

	if (fn)
		fn(kind, regs);
	else
		guest_exception_default(kind, regs);
}
