/* Data-cache maintenance by virtual address to the point of coherency (ARM ARM B2.2.6). */
#ifndef BULKHEAD_CACHE_H
#define BULKHEAD_CACHE_H

#include "hyp/types.h"

/* Writes dirty lines of [va, va+size) back to memory, for observers with caches off (a CPU
 * being started, a DMA master). */
void dcache_clean_range(uintptr_t va, size_t size);

/* Discards lines of [va, va+size) without writing them back: for memory written with the cache
 * off that must not be shadowed by stale lines once the cache is on. */
void dcache_inval_range(uintptr_t va, size_t size);

#endif
