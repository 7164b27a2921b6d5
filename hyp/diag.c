/* Diagnostics buffer for parsers of untrusted input (see diag.h). */
#include "hyp/diag.h"

int diag_err(struct diag *d, int err, const char *fmt, ...)
{
	if (d) {
		va_list ap;

		va_start(ap, fmt);
		fmt_vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
		va_end(ap);
	}
	return err;
}
