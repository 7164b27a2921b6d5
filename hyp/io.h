/* MMIO accessors for device registers mapped Device/Strongly-ordered in the HYP stage-1 map.
 * Single-copy atomic 32-bit accesses through volatile pointers; ordering against normal memory is
 * the caller's job (dsb before a write that must observe earlier normal stores, e.g. GICD_SGIR). */
#ifndef BULKHEAD_IO_H
#define BULKHEAD_IO_H

#include "hyp/types.h"

static inline uint32_t mmio_read32(uintptr_t addr)
{
	return *(volatile uint32_t *)addr;
}

static inline void mmio_write32(uintptr_t addr, uint32_t v)
{
	*(volatile uint32_t *)addr = v;
}

static inline void mmio_write8(uintptr_t addr, uint8_t v)
{
	*(volatile uint8_t *)addr = v;
}

#endif
