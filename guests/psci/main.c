/* psci: the guest-facing PSCI of a two-vCPU partition. vCPU 0 reads the PSCI version, starts
 * vCPU 1 with CPU_ON, waits with AFFINITY_INFO until vCPU 1 has powered itself off with
 * CPU_OFF, then ends the partition with SYSTEM_OFF. Console lines: guests/README.md. */
#include "guests/common/console.h"
#include "guests/common/guest.h"
#include "guests/common/hvc.h"
#include "guests/common/psci.h"

#define SECOND_VCPU 1 /* its virtual MPIDR: vCPUs have MPIDR affinity = vCPU index */
#define SECOND_VCPU_CTX 0xc0de0001u

/* Set by vCPU 1 before CPU_OFF: AFFINITY_INFO must not say OFF before vCPU 1 has run. */
static volatile bool second_ran;

/* Checks that the vCPU's virtual MPIDR is its index, as PSCI targets assume. */
static void check_mpidr(uint32_t vcpu)
{
	if (cpu_mpidr() != vcpu) {
		gprintf("psci: vcpu %lu has MPIDR affinity 0x%lx, expected its index\n", vcpu,
			cpu_mpidr());
		guest_stop(GUEST_EXIT_FAILED);
	}
}

void secondary_main(uint32_t context_id)
{
	uint32_t vcpu = bh_vcpu_id();
	int32_t err;

	check_mpidr(vcpu);
	gprintf("vcpu %lu up (ctx 0x%lx)\n", vcpu, context_id);
	second_ran = true;
	dsb(); /* the store is complete before this vCPU can be seen as off */
	err = psci_cpu_off();
	gprintf("psci: CPU_OFF returned %ld\n", (long)err);
	guest_stop(GUEST_EXIT_FAILED);
}

int main(void)
{
	uint32_t version = psci_version();
	int32_t ret;

	check_mpidr(0);
	gprintf("psci version %lu.%lu\n", PSCI_VERSION_MAJOR(version), PSCI_VERSION_MINOR(version));

	ret = psci_cpu_on(SECOND_VCPU, (uintptr_t)secondary_entry, SECOND_VCPU_CTX);
	if (ret != PSCI_SUCCESS) {
		gprintf("psci: CPU_ON of vcpu %u failed (%ld)\n", SECOND_VCPU, (long)ret);
		return GUEST_EXIT_FAILED;
	}

	while ((ret = psci_affinity_info(SECOND_VCPU, 0)) != PSCI_AFFINITY_OFF) {
		if (ret != PSCI_AFFINITY_ON && ret != PSCI_AFFINITY_ON_PENDING) {
			gprintf("psci: AFFINITY_INFO of vcpu %u failed (%ld)\n", SECOND_VCPU,
				(long)ret);
			return GUEST_EXIT_FAILED;
		}
		bh_yield(); /* vCPU 1 may share this physical CPU */
		cpu_relax();
	}
	dmb(); /* read second_ran after AFFINITY_INFO said OFF */
	if (!second_ran) {
		gprintf("psci: AFFINITY_INFO said vcpu %u is off before it ran\n", SECOND_VCPU);
		return GUEST_EXIT_FAILED;
	}
	gprintf("vcpu %u off\n", SECOND_VCPU);

	gprintf("psci: done\n");
	ret = psci_system_off();
	gprintf("psci: SYSTEM_OFF returned %ld\n", (long)ret);
	return GUEST_EXIT_FAILED;
}
