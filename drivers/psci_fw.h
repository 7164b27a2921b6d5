/* PSCI client (DEN 0022): calls from the hypervisor to the firmware below it, used to power CPUs
 * on and the system off. The conduit comes from the DT's /psci node; it must be SMC, because an
 * HVC from HYP mode traps to the hypervisor itself, not to firmware. */
#ifndef BULKHEAD_PSCI_FW_H
#define BULKHEAD_PSCI_FW_H

#include "hyp/platform.h"

/* PSCI return codes (DEN 0022 5.2.2) */
#define PSCI_SUCCESS 0
#define PSCI_NOT_SUPPORTED (-1)
#define PSCI_INVALID_PARAMETERS (-2)
#define PSCI_DENIED (-3)
#define PSCI_ALREADY_ON (-4)
#define PSCI_ON_PENDING (-5)
#define PSCI_INTERNAL_FAILURE (-6)
#define PSCI_NOT_PRESENT (-7)
#define PSCI_DISABLED (-8)
#define PSCI_INVALID_ADDRESS (-9)

/* Standard function ids (SMC32) */
#define PSCI_0_2_FN_VERSION 0x84000000u
#define PSCI_0_2_FN_SYSTEM_OFF 0x84000008u
#define PSCI_0_2_FN_SYSTEM_RESET 0x84000009u

/* Checks the conduit; returns 0, -ENODEV (no PSCI) or -EOPNOTSUPP (HVC conduit). */
int psci_fw_init(const struct platform *p);

/* CPU_ON: start the CPU with affinity mpidr at physical address entry in HYP mode, r0 = ctx.
 * Returns a PSCI code. */
int32_t psci_fw_cpu_on(uint32_t mpidr, paddr_t entry, uint32_t ctx);

/* PSCI version as (major << 16 | minor), or 0 if unknown (PSCI 0.1). */
uint32_t psci_fw_version(void);

/* SYSTEM_OFF; returns only if the firmware refused. */
void psci_fw_system_off(void);

const char *psci_strerror(int32_t code);

#endif
