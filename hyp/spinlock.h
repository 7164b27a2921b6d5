/* Spinlocks: ticket-free test-and-set with WFE/SEV so a waiting CPU sleeps instead of spinning
 * (under QEMU -icount a busy spin starves the lock holder; see docs/architecture.md).
 *
 * On the host (unit tests) the same interface uses C11 atomics.
 */
#ifndef BULKHEAD_SPINLOCK_H
#define BULKHEAD_SPINLOCK_H

#include <stdatomic.h>

typedef struct {
	atomic_uint locked;
} spinlock_t;

#define SPINLOCK_INIT                                                                              \
	{                                                                                          \
		0                                                                                  \
	}

static inline void spin_lock_init(spinlock_t *l)
{
	atomic_init(&l->locked, 0);
}

static inline void spin_lock(spinlock_t *l)
{
	while (atomic_exchange_explicit(&l->locked, 1, memory_order_acquire)) {
		while (atomic_load_explicit(&l->locked, memory_order_relaxed)) {
#if defined(__arm__)
			__asm__ volatile("wfe" ::: "memory");
#endif
		}
	}
}

static inline void spin_unlock(spinlock_t *l)
{
	atomic_store_explicit(&l->locked, 0, memory_order_release);
#if defined(__arm__)
	/* Wake CPUs waiting in wfe; dsb first so they observe the release (ARM ARM A3.8.3). */
	__asm__ volatile("dsb ish\n\tsev" ::: "memory");
#endif
}

#endif
