/* HYP stage-1 translation (HTTBR/HTCR/HMAIR): the hypervisor's own address space.
 *
 * An identity map (VA == PA) built with the shared walker (mm/pgtable.c, lpae_hyp_fmt): the image
 * with per-section permissions, the per-CPU stacks without their guard pages, the page pool, the
 * DTB read-only, and the devices the hypervisor drives as Device memory. Everything but text is
 * XN, and HSCTLR.WXN makes any writable page non-executable. HYP virtual addresses are 32 bits, so
 * only physical addresses below 4 GiB can be mapped (-ERANGE otherwise).
 *
 * Locking: hyp_map_lock serialises changes; all CPUs share one table.
 */
#ifndef BULKHEAD_HYP_MAP_H
#define BULKHEAD_HYP_MAP_H

#include "mm/palloc.h"
#include "mm/pgtable.h"

/* Creates the table from pool. Returns 0 or a negative errno. */
int hyp_map_init(struct palloc *pool);

/* Identity-maps [pa, pa+size) (rounded out to pages) with perm and mem. Ranges already mapped
 * with the same attributes are accepted (devices sharing a page). Returns 0, -ERANGE, -EEXIST,
 * -ENOMEM. */
int hyp_map(paddr_t pa, uint64_t size, unsigned perm, enum pgt_mem mem);

/* Turns the MMU and caches on for the calling CPU with the shared table. */
void hyp_mmu_enable(void);

/* Makes the table registers visible to CPUs that start with their caches off. */
void hyp_map_publish(void);

/* The walker's view of the table, for stats and tests. */
const struct pgt *hyp_map_table(void);

#endif
