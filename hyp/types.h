/* Basic types shared by every module: physical, intermediate-physical and virtual addresses.
 *
 * Addresses are plain 64-bit integers in distinct typedefs. The typedefs document intent at every
 * interface; the walker in mm/pgtable.c is the one place that treats an input address generically
 * (it serves stage-2 IPAs and HYP stage-1 VAs alike).
 */
#ifndef BULKHEAD_TYPES_H
#define BULKHEAD_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t paddr_t; /* physical address (LPAE: up to 40 bits) */
typedef uint64_t ipa_t;	  /* guest intermediate physical address (stage-2 input) */
typedef uint32_t vaddr_t; /* HYP virtual address (stage-1 input, 32 bits) */

#define PAGE_SHIFT 12
#define PAGE_SIZE (1u << PAGE_SHIFT)
#define PAGE_MASK ((uint64_t)PAGE_SIZE - 1)

#define KiB(x) ((uint64_t)(x) << 10)
#define MiB(x) ((uint64_t)(x) << 20)
#define GiB(x) ((uint64_t)(x) << 30)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a) (((x) + ((a)-1)) & ~((__typeof__(x))(a)-1))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a)-1))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a)-1)) == 0)

#define __noreturn __attribute__((noreturn))
#define __printf(a, b) __attribute__((format(printf, a, b)))
/* For the exit fast paths only (vgic_fast_irq(), trap_fast_other(), mmio_dispatch()): their stack
 * objects are scalars and small structs whose address is passed to callees that fill them by
 * assignment (no arrays, no copies of guest-sized data), so the canary, a dozen instructions per
 * exit, guards nothing. */
#define __no_stack_protector __attribute__((no_stack_protector))

/* True if [a, a+as) and [b, b+bs) intersect; sizes of 0 never overlap. */
static inline bool ranges_overlap(uint64_t a, uint64_t as, uint64_t b, uint64_t bs)
{
	return as && bs && a < b + bs && b < a + as;
}

#endif
