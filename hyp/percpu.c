/* Per-CPU regions: stacks, guard pages and struct percpu (layout in hyp/layout.h). */
#include "hyp/percpu.h"

#include "hyp/assert.h"

extern char __stacks_start[];

static uintptr_t region(unsigned cpu)
{
	ASSERT(cpu < HYP_MAX_CPUS);
	return (uintptr_t)__stacks_start + (uintptr_t)cpu * HYP_CPU_REGION_SIZE;
}

struct percpu *percpu_of(unsigned cpu)
{
	return (struct percpu *)(region(cpu) + HYP_CPU_REGION_SIZE - HYP_PERCPU_SIZE);
}

void percpu_stack_range(unsigned cpu, uintptr_t *base, size_t *size)
{
	*base = region(cpu) + HYP_GUARD_SIZE;
	*size = HYP_STACK_SIZE;
}

void percpu_panic_range(unsigned cpu, uintptr_t *base, size_t *size)
{
	*base = region(cpu) + 2 * HYP_GUARD_SIZE + HYP_STACK_SIZE;
	*size = HYP_PANIC_STACK_SIZE;
}
