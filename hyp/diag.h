/* Diagnostics: one human-readable error line produced by code that parses untrusted input
 * (the device tree, partition configs) and handed to the caller, who prints it with context.
 *
 * Convention: functions return 0 or a negative errno value, and on error fill a struct diag with
 * one line naming the DT node and property (or partition and address) and what is wrong.
 */
#ifndef BULKHEAD_DIAG_H
#define BULKHEAD_DIAG_H

#include "hyp/fmt.h"

#define DIAG_MSG_MAX 320 /* room for two DT paths of vexpress depth (about 75 characters each) */

struct diag {
	char msg[DIAG_MSG_MAX];
};

/* Records msg in d (if d is non-NULL) and returns err, so callers can write
 * `return diag_err(d, -EINVAL, "%s: ...", path);`. */
int diag_err(struct diag *d, int err, const char *fmt, ...) __printf(3, 4);

#endif
