/* Partitions: created from validated configs (hyp/config.c), each with its own stage-2 table,
 * VMID and vCPUs; started, stopped and restarted as a unit.
 *
 * Locking: `lock` serialises state changes of one partition (stop/restart/PSCI CPU_ON); vCPU
 * state words are atomic so any CPU can read them. A restart runs on the CPU that decided it,
 * after every other vCPU of the partition has left guest mode.
 */
#ifndef BULKHEAD_PARTITION_H
#define BULKHEAD_PARTITION_H

#include "hyp/config.h"
#include "hyp/mmio.h"
#include "hyp/vconsole.h"
#include "hyp/vgic.h"
#include "hyp/vcpu.h"
#include "mm/stage2.h"

#define HYP_MAX_VCPUS 512 /* vCPUs of all partitions together */

enum part_state {
	PART_RUNNING,
	PART_STOPPED,
};

struct partition {
	spinlock_t lock;
	const struct part_config *cfg;
	struct stage2 s2;
	struct mmio_bus bus;  /* emulated devices; immutable after creation (hyp/mmio.h) */
	struct vgic vgic;     /* its distributor (hyp/vgic.h) */
	struct vconsole vcon; /* emulated console UART, if configured (hyp/vconsole.h) */
	uint64_t cntvoff;     /* virtual counter offset: the guest's CNTVCT starts at 0 */
	struct vcpu *vcpus[CONFIG_MAX_VCPUS];
	unsigned nr_vcpus;
	_Atomic int state; /* enum part_state */
	unsigned restarts;
};

/* Creates every partition of cfg that can run on the CPUs online; prints one line per partition.
 * Returns the number created. */
unsigned partitions_create(const struct config *cfg);

unsigned partitions_count(void);
struct partition *partition_get(unsigned i);

/* Stops every vCPU of p (they leave guest mode at their next exit; other CPUs are kicked). */
void partition_stop(struct partition *p, const char *why);

/* Tears p down and starts it again from its image: tables freed, memory scrubbed, image copied,
 * a fresh VMID. Called on the CPU of one of its vCPUs, which must not be in guest mode. */
int partition_restart(struct partition *p, const char *why);

/* Translates a guest IPA range into hypervisor-readable memory: the partition's RAM is
 * identity-mapped in HYP. Returns NULL unless [ipa, ipa+len) is inside one normal region with
 * the access given (PGT_PERM_R / PGT_PERM_W). */
void *partition_ipa_to_hyp(struct partition *p, ipa_t ipa, size_t len, unsigned perm);

#endif
