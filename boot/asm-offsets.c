/* Struct offsets for assembly, generated at build time into build/include/asm-offsets.h (the
 * Makefile compiles this to assembly and turns each "->NAME value" marker into a #define), so no
 * offset is typed by hand in boot/. */
#include <stddef.h>

#include "hyp/percpu.h"

#define DEFINE(sym, val) __asm__ volatile("\n.ascii \"->" #sym " %0\"" ::"i"(val))

void asm_offsets(void);

void asm_offsets(void)
{
	DEFINE(PERCPU_PROBE_SP, offsetof(struct percpu, probe_sp));
	DEFINE(PERCPU_PROBE_HSR, offsetof(struct percpu, probe_hsr));
}
