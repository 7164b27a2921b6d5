/* Struct offsets for assembly, generated at build time into build/include/asm-offsets.h (the
 * Makefile compiles this to assembly and turns each "->NAME value" marker into a #define), so no
 * offset is typed by hand in boot/. */
#include <stddef.h>

#include "hyp/percpu.h"
#include "hyp/vcpu.h"

#define DEFINE(sym, val) __asm__ volatile("\n.ascii \"->" #sym " %0\"" ::"i"(val))

void asm_offsets(void);

void asm_offsets(void)
{
	DEFINE(PERCPU_GUEST_REGS, offsetof(struct percpu, guest_regs));
	DEFINE(VREGS_SP_USR, offsetof(struct vcpu_regs, sp_usr));
	DEFINE(VREGS_LR_USR, offsetof(struct vcpu_regs, lr_usr));
	DEFINE(VREGS_PC, offsetof(struct vcpu_regs, pc));
	DEFINE(VREGS_CPSR, offsetof(struct vcpu_regs, cpsr));
}
