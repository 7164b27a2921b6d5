/* Secondary CPU bring-up through PSCI CPU_ON (firmware), one CPU at a time. */
#ifndef BULKHEAD_SMP_H
#define BULKHEAD_SMP_H

#include "hyp/platform.h"

#define SMP_ONLINE_TIMEOUT_MS 1000 /* per CPU, in counter time */

/* Starts every CPU of p other than the caller; each reports on the console. A CPU that fails is
 * reported and skipped. Returns the number of CPUs online, the caller included. */
unsigned smp_boot(const struct platform *p);

#endif
