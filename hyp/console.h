/* Hypervisor console: one call prints one line, prefixed "[bulkhead] ", on the UART the DT's
 * /chosen/stdout-path names. Lines printed before the UART is known are kept (up to
 * CONSOLE_EARLY_BYTES) and written when console_attach() is called.
 *
 * Locking: `console_lock` serialises whole lines across CPUs; panic() bypasses it so a CPU that
 * dies holding the lock can still report.
 */
#ifndef BULKHEAD_CONSOLE_H
#define BULKHEAD_CONSOLE_H

#include "hyp/types.h"

#define CONSOLE_PREFIX "[bulkhead] "
#define CONSOLE_LINE_MAX 384 /* a prefix, "error: " and a whole struct diag line */
#define CONSOLE_EARLY_BYTES 2048

/* Output character sink (the UART driver's polled transmit). */
typedef void (*console_putc_fn)(char c);

/* Starts writing to putc, flushing lines kept so far. */
void console_attach(console_putc_fn putc);

/* Prints one line. */
void pr_info(const char *fmt, ...) __printf(1, 2);
/* Prints one line starting with "error: ". */
void pr_err(const char *fmt, ...) __printf(1, 2);
/* Prints one line starting with "warning: ". */
void pr_warn(const char *fmt, ...) __printf(1, 2);

/* Prints text a guest wrote, one console line per line of it, each prefixed "[name] " instead
 * of "[bulkhead] " (so a guest cannot pass its output off as the hypervisor's). Characters other
 * than printable ASCII are shown as '?'. */
void console_guest_write(const char *name, const char *text, size_t n);

/* For panic(): from now on lines are written without taking the lock. */
void console_bust_lock(void);

#endif
