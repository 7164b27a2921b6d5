/* Boot self-tests, run after all CPUs are online when the DT asks for them:
 *   /chosen { bulkhead,selftest = "name", ...; };
 * They exercise paths that normal operation must never reach (HYP exceptions) or that need
 * hardware to check (stage-2 translations through the AT instructions). The QEMU scenarios in
 * tests/qemu use them; a production DT simply has no such property. Names: docs/console.md. */
#ifndef BULKHEAD_SELFTEST_H
#define BULKHEAD_SELFTEST_H

void selftest_run(const void *fdt);

#endif
