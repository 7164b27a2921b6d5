/* PSCI calls from a guest (ARM DEN 0022, SMC32 function ids), made with HVC #0: Bulkhead
 * implements PSCI for its partitions (hyp/hypercall_abi.h). Results are PSCI return codes. */
#ifndef GUEST_PSCI_H
#define GUEST_PSCI_H

#include "guests/common/hvc.h"

#define PSCI_VERSION 0x84000000u
#define PSCI_CPU_OFF 0x84000002u
#define PSCI_CPU_ON 0x84000003u
#define PSCI_AFFINITY_INFO 0x84000004u
#define PSCI_SYSTEM_OFF 0x84000008u
#define PSCI_SYSTEM_RESET 0x84000009u
#define PSCI_FEATURES 0x8400000au

/* Return codes (DEN 0022 5.2.2) */
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

/* AFFINITY_INFO results (DEN 0022 5.7) */
#define PSCI_AFFINITY_ON 0
#define PSCI_AFFINITY_OFF 1
#define PSCI_AFFINITY_ON_PENDING 2

/* VERSION: major in bits 31:16, minor in 15:0. */
#define PSCI_VERSION_MAJOR(v) ((v) >> 16)
#define PSCI_VERSION_MINOR(v) ((v)&0xffffu)

static inline uint32_t psci_version(void)
{
	return hvc_call(PSCI_VERSION, 0, 0, 0).r0;
}

/* Starts the vCPU with virtual MPIDR `target` at `entry` (ARM state: bit 0 clear) with r0 =
 * context_id. */
static inline int32_t psci_cpu_on(uint32_t target, uintptr_t entry, uint32_t context_id)
{
	return (int32_t)hvc_call(PSCI_CPU_ON, target, entry, context_id).r0;
}

/* Powers the calling vCPU off; returns only on failure (DENIED). */
static inline int32_t psci_cpu_off(void)
{
	return (int32_t)hvc_call(PSCI_CPU_OFF, 0, 0, 0).r0;
}

/* State of `target` at affinity level `level` (0: that vCPU): PSCI_AFFINITY_* or an error. */
static inline int32_t psci_affinity_info(uint32_t target, uint32_t level)
{
	return (int32_t)hvc_call(PSCI_AFFINITY_INFO, target, level, 0).r0;
}

/* Under Bulkhead these two act on the calling partition only; they return only on failure. */
static inline int32_t psci_system_off(void)
{
	return (int32_t)hvc_call(PSCI_SYSTEM_OFF, 0, 0, 0).r0;
}

static inline int32_t psci_system_reset(void)
{
	return (int32_t)hvc_call(PSCI_SYSTEM_RESET, 0, 0, 0).r0;
}

/* Whether `function_id` is implemented: 0 or feature flags if so, PSCI_NOT_SUPPORTED if not. */
static inline int32_t psci_features(uint32_t function_id)
{
	return (int32_t)hvc_call(PSCI_FEATURES, function_id, 0, 0).r0;
}

#endif
