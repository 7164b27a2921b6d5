/* Small printf-style formatter: the hypervisor has no stdio.
 *
 * Supports %d %i %u %x %X %p %s %c %% with flags '-', '0', width, precision for %s, and the length
 * modifiers l, ll, z. Arch-neutral: builds for the host and is unit-tested there.
 */
#ifndef BULKHEAD_FMT_H
#define BULKHEAD_FMT_H

#include <stdarg.h>
#include <stddef.h>

#include "hyp/types.h"

/* Formats into buf (always NUL-terminated when size > 0). Returns the length the full output
 * would have had, like C99 vsnprintf, so callers can detect truncation. */
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

#endif
