/* Guest console output through BH_HVC_CONSOLE_WRITE. The hypervisor prints guest text line by
 * line, prefixed with the partition name; it takes at most BH_CONSOLE_WRITE_MAX bytes a call. */
#ifndef GUEST_CONSOLE_H
#define GUEST_CONSOLE_H

#include "hyp/types.h"

/* Formats into a line buffer and hands it to the hypervisor in one CONSOLE_WRITE (several if
 * the output is longer than BH_CONSOLE_WRITE_MAX). Conversions: %d %u %x %s %c %p %%, the flags
 * '-' and '0' and a field width, and the length modifiers l (32 bits here) and ll (64 bits). uint32_t is
 * `unsigned long` on arm-none-eabi, so it is printed with %lu / %lx; -Wformat checks each call.
 * Reentrant (the buffer is on the caller's stack), so exception handlers may use it.
 * Returns the number of characters produced. */
int gprintf(const char *fmt, ...) __printf(1, 2);

/* Writes len bytes from buf; stops early if the hypervisor refuses them. */
void console_write(const char *buf, size_t len);

#endif
