/* Internal-contract checks. A failed ASSERT is a hypervisor bug: on the target it panics with the
 * file and line (hyp/panic.c); in host builds (-DBULKHEAD_HOST) it aborts through assert() so the
 * unit tests and sanitizers see it. Never use ASSERT for anything a guest, the DT or the hardware
 * can cause: those are error returns.
 */
#ifndef BULKHEAD_ASSERT_H
#define BULKHEAD_ASSERT_H

#ifdef BULKHEAD_HOST
#include <assert.h>
#define ASSERT(cond) assert(cond)
#else
#include "hyp/types.h"
void panic(const char *fmt, ...) __noreturn __printf(1, 2);
#define ASSERT(cond)                                                                               \
	do {                                                                                       \
		if (__builtin_expect(!(cond), 0))                                                  \
			panic("assertion failed: %s (%s:%d)", #cond, __FILE__, __LINE__);          \
	} while (0)
#endif

#endif
