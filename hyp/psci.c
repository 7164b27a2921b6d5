/* PSCI 1.1 for guests (see psci.h). */
#include "hyp/psci.h"

#include "hyp/console.h"
#include "hyp/partition.h"
#include "hyp/sched.h"

#define PSCI_VERSION 0x84000000u
#define PSCI_CPU_SUSPEND 0x84000001u
#define PSCI_CPU_OFF 0x84000002u
#define PSCI_CPU_ON 0x84000003u
#define PSCI_AFFINITY_INFO 0x84000004u
#define PSCI_MIGRATE_INFO_TYPE 0x84000006u
#define PSCI_SYSTEM_OFF 0x84000008u
#define PSCI_SYSTEM_RESET 0x84000009u
#define PSCI_FEATURES 0x8400000au

#define PSCI_VERSION_1_1 0x00010001u
#define PSCI_SUCCESS 0
#define PSCI_NOT_SUPPORTED (-1)
#define PSCI_INVALID_PARAMETERS (-2)
#define PSCI_ALREADY_ON (-4)
#define PSCI_AFF_ON 0
#define PSCI_AFF_OFF 1
#define PSCI_TOS_NOT_PRESENT 2 /* MIGRATE_INFO_TYPE: no trusted OS to migrate */
#define MPIDR_AFF0_MASK 0xffu

static bool supported(uint32_t fid)
{
	switch (fid) {
	case PSCI_VERSION:
	case PSCI_CPU_SUSPEND:
	case PSCI_CPU_OFF:
	case PSCI_CPU_ON:
	case PSCI_AFFINITY_INFO:
	case PSCI_MIGRATE_INFO_TYPE:
	case PSCI_SYSTEM_OFF:
	case PSCI_SYSTEM_RESET:
	case PSCI_FEATURES:
		return true;
	default:
		return false;
	}
}

/* The vCPU of v's partition with virtual MPIDR mpidr (affinity 0 = vCPU index), or NULL. */
static struct vcpu *target(struct vcpu *v, uint32_t mpidr)
{
	struct partition *p = v->part;
	uint32_t idx = mpidr & MPIDR_AFF0_MASK;

	if ((mpidr & ~MPIDR_AFF0_MASK & 0x00ffffffu) || idx >= p->nr_vcpus)
		return NULL;
	return p->vcpus[idx];
}

static int32_t cpu_on(struct vcpu *v, uint32_t mpidr, uint32_t entry, uint32_t ctx)
{
	struct vcpu *t = target(v, mpidr);
	int32_t ret = PSCI_SUCCESS;

	if (!t)
		return PSCI_INVALID_PARAMETERS;
	spin_lock(&v->part->lock);
	if (atomic_load(&t->state) != VCPU_OFF) {
		ret = PSCI_ALREADY_ON;
	} else {
		vcpu_reset(t, entry, ctx, 0);
		atomic_store(&t->state, VCPU_RUNNABLE);
	}
	spin_unlock(&v->part->lock);
	if (ret == PSCI_SUCCESS)
		sched_kick(t->cpu);
	return ret;
}

bool psci_query(uint32_t *r)
{
	switch (r[0]) {
	case PSCI_VERSION:
		r[0] = PSCI_VERSION_1_1;
		return true;
	case PSCI_FEATURES:
		r[0] = supported(r[1]) ? (uint32_t)PSCI_SUCCESS : (uint32_t)PSCI_NOT_SUPPORTED;
		return true;
	case PSCI_MIGRATE_INFO_TYPE:
		r[0] = PSCI_TOS_NOT_PRESENT;
		return true;
	default:
		return false;
	}
}

bool psci_fast(struct vcpu *v, uint32_t *r)
{
	if (!psci_query(r))
		return false;
	v->hvcs++;
	return true;
}

void psci_handle(struct vcpu *v)
{
	uint32_t *r = v->regs.r;
	int32_t ret = PSCI_NOT_SUPPORTED;
	struct vcpu *t;

	if (psci_query(r))
		return;
	switch (r[0]) {
	case PSCI_CPU_SUSPEND:
		/* Power states are not modelled: a suspend is a wait for an interrupt. */
		sched_yield();
		ret = PSCI_SUCCESS;
		break;
	case PSCI_CPU_OFF:
		atomic_store(&v->state, VCPU_OFF);
		sched_yield();
		return;
	case PSCI_CPU_ON:
		ret = cpu_on(v, r[1], r[2], r[3]);
		break;
	case PSCI_AFFINITY_INFO:
		t = target(v, r[1]);
		if (!t || r[2] != 0)
			ret = PSCI_INVALID_PARAMETERS;
		else
			ret = atomic_load(&t->state) == VCPU_OFF ? PSCI_AFF_OFF : PSCI_AFF_ON;
		break;
	case PSCI_SYSTEM_OFF:
		pr_info("partition %s powered off (PSCI SYSTEM_OFF)", v->part->cfg->name);
		partition_stop(v->part, "PSCI SYSTEM_OFF");
		return;
	case PSCI_SYSTEM_RESET:
		partition_restart(v->part, "PSCI SYSTEM_RESET");
		return;
	default:
		break;
	}
	r[0] = (uint32_t)ret;
}
