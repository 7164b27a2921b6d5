/* psci: the guest-facing PSCI of a two-vCPU partition. vCPU 0 reads the PSCI version, checks
 * FEATURES, CPU_SUSPEND and the calls Bulkhead must refuse (AFFINITY_INFO and CPU_ON with bad
 * targets, CPU_ON of a vCPU that is on), makes the read-only calls again through SMC and checks
 * that they answer as through HVC, checks Bulkhead's own VERSION hypercall, starts vCPU 1 with
 * CPU_ON twice, each time waiting with AFFINITY_INFO until vCPU 1 has powered itself off with
 * CPU_OFF, then ends the partition with SYSTEM_OFF. SYSTEM_RESET is tested with the fault guest
 * (part-psci-reset), which can tell a fresh start from a stale one. Console lines:
 * guests/README.md. */
#include "guests/common/console.h"
#include "guests/common/guest.h"
#include "guests/common/hvc.h"
#include "guests/common/psci.h"

#define SECOND_VCPU 1		    /* its virtual MPIDR: vCPUs have MPIDR affinity = vCPU index */
#define SECOND_VCPU_CTX 0xc0de0001u /* first start; the second start uses the next one */
#define NO_VCPU 7		    /* a vCPU index this two-vCPU partition does not have */
#define MPIDR_AFF1_SHIFT 8

/* Not in common/psci.h: only this guest calls them (DEN 0022 5.1). */
#define PSCI_CPU_SUSPEND 0x84000001u
#define PSCI_MIGRATE 0x84000005u
#define PSCI_MIGRATE_INFO_TYPE 0x84000006u
#define PSCI_MIGRATE_INFO_UP_CPU 0x84000007u
#define PSCI_CPU_FREEZE 0x8400000bu
#define PSCI_SYSTEM_SUSPEND 0x8400000eu
#define PSCI_CPU_ON_SMC64 0xc4000003u /* a 64-bit function id: not for a 32-bit partition */

/* BH_HVC_VERSION: major in bits 31:16, minor in 15:0 (as PSCI's). */
#define BH_ABI_MAJOR(v) ((v) >> 16)
#define BH_ABI_MINOR(v) ((v)&0xffffu)

/* Set by vCPU 1 before CPU_OFF: AFFINITY_INFO must not say OFF before vCPU 1 has run. */
static volatile bool second_ran;
/* vCPU 1 sets second_up once it has printed its line, then stays on until vCPU 0 has tried
 * CPU_ON on it and set second_release. */
static volatile bool second_up, second_release;
static unsigned second_starts; /* vCPU 0 only */
static bool failed;	       /* vCPU 0 only */

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
	/* Its r0 must be the context id of the line above (the scenario matches both). */
	guest_print_boot_regs("psci", vcpu);
	dmb(); /* the lines are out before vCPU 0 goes on */
	second_up = true;
	while (!second_release) {
		bh_yield(); /* vCPU 0 may share this physical CPU */
		cpu_relax();
	}
	second_ran = true;
	dsb(); /* the store is complete before this vCPU can be seen as off */
	err = psci_cpu_off();
	gprintf("psci: CPU_OFF returned %ld\n", (long)err);
	guest_stop(GUEST_EXIT_FAILED);
}

static int32_t psci_call(uint32_t fid, uint32_t a1, uint32_t a2, uint32_t a3)
{
	return (int32_t)hvc_call(fid, a1, a2, a3).r0;
}

/* Checks the result of `call` on `arg`; a mismatch is printed and fails the run. */
static bool expect(const char *call, uint32_t arg, int32_t got, int32_t want)
{
	if (got == want)
		return true;
	gprintf("psci: %s 0x%lx returned %ld, expected %ld\n", call, arg, (long)got, (long)want);
	failed = true;
	return false;
}

/* The functions FEATURES must report as implemented, and others it must call NOT_SUPPORTED. */
static const uint32_t implemented[] = {
	PSCI_VERSION,	 PSCI_CPU_SUSPEND,   PSCI_CPU_OFF,
	PSCI_CPU_ON,	 PSCI_AFFINITY_INFO, PSCI_MIGRATE_INFO_TYPE,
	PSCI_SYSTEM_OFF, PSCI_SYSTEM_RESET,  PSCI_FEATURES,
};
static const uint32_t others[] = {
	PSCI_MIGRATE,	     PSCI_MIGRATE_INFO_UP_CPU, PSCI_CPU_FREEZE,
	PSCI_SYSTEM_SUSPEND, PSCI_CPU_ON_SMC64,	       BH_HVC_VERSION,
};

static void check_features(void)
{
	unsigned ok = 0;

	for (size_t i = 0; i < ARRAY_SIZE(implemented); i++)
		ok += expect("FEATURES of", implemented[i], psci_features(implemented[i]),
			     PSCI_SUCCESS);
	for (size_t i = 0; i < ARRAY_SIZE(others); i++)
		ok += expect("FEATURES of", others[i], psci_features(others[i]),
			     PSCI_NOT_SUPPORTED);
	if (ok == ARRAY_SIZE(implemented) + ARRAY_SIZE(others))
		gprintf("psci: FEATURES: 0 for the %u implemented functions, -1 for %u others\n",
			(unsigned)ARRAY_SIZE(implemented), (unsigned)ARRAY_SIZE(others));
}

/* Calls Bulkhead must refuse or answer without changing anything. */
static void check_refusals(void)
{
	unsigned ok = 0;

	/* Power states are not modelled: any state is a wait that returns SUCCESS. */
	if (expect("CPU_SUSPEND with power state", 0, psci_call(PSCI_CPU_SUSPEND, 0, 0, 0),
		   PSCI_SUCCESS))
		gprintf("psci: CPU_SUSPEND returned 0\n");

	ok += expect("AFFINITY_INFO of", 0, psci_affinity_info(0, 0), PSCI_AFFINITY_ON);
	ok += expect("AFFINITY_INFO of", NO_VCPU, psci_affinity_info(NO_VCPU, 0),
		     PSCI_INVALID_PARAMETERS);
	ok += expect("AFFINITY_INFO of", 1u << MPIDR_AFF1_SHIFT,
		     psci_affinity_info(1u << MPIDR_AFF1_SHIFT, 0), PSCI_INVALID_PARAMETERS);
	ok += expect("AFFINITY_INFO at level 1 of", 0, psci_affinity_info(0, 1),
		     PSCI_INVALID_PARAMETERS);
	if (ok == 4)
		gprintf("psci: AFFINITY_INFO: vcpu 0 on; vcpu 7, affinity 1 and level 1 refused "
			"(-2)\n");

	ok = expect("CPU_ON of", 0, psci_cpu_on(0, (uintptr_t)secondary_entry, 0), PSCI_ALREADY_ON);
	ok += expect("CPU_ON of", NO_VCPU, psci_cpu_on(NO_VCPU, (uintptr_t)secondary_entry, 0),
		     PSCI_INVALID_PARAMETERS);
	if (ok == 2)
		gprintf("psci: CPU_ON: vcpu 0 (itself) already on (-4), vcpu 7 refused (-2)\n");
}

static int32_t psci_smc(uint32_t fid, uint32_t a1, uint32_t a2)
{
	return (int32_t)smc_call(fid, a1, a2, 0).r0;
}

/* Compares the SMC result of `call` on `arg` with the HVC one; a mismatch fails the run. */
static bool same(const char *call, uint32_t arg, int32_t smc, int32_t hvc)
{
	if (smc == hvc)
		return true;
	gprintf("psci: SMC %s 0x%lx returned %ld, HVC %ld\n", call, arg, (long)smc, (long)hvc);
	failed = true;
	return false;
}

/* The SMC conduit (trapped by HCR.TSC, hyp/trap.c) must answer PSCI as HVC does. These calls
 * change nothing. Through SMC they take the full trap path, which also has to step over the SMC;
 * through HVC, VERSION and FEATURES are answered on the fast path. vCPU 1 is still off here. */
static void check_smc(void)
{
	static const uint32_t targets[] = {0, SECOND_VCPU, NO_VCPU};
	const unsigned functions = ARRAY_SIZE(implemented) + ARRAY_SIZE(others);
	uint32_t version = (uint32_t)psci_smc(PSCI_VERSION, 0, 0);
	unsigned ok = 0;

	if (version == psci_version())
		ok++;
	else
		gprintf("psci: SMC VERSION returned 0x%lx, HVC 0x%lx\n", version, psci_version());
	for (size_t i = 0; i < ARRAY_SIZE(implemented); i++)
		ok += same("FEATURES of", implemented[i],
			   psci_smc(PSCI_FEATURES, implemented[i], 0),
			   psci_features(implemented[i]));
	for (size_t i = 0; i < ARRAY_SIZE(others); i++)
		ok += same("FEATURES of", others[i], psci_smc(PSCI_FEATURES, others[i], 0),
			   psci_features(others[i]));
	for (size_t i = 0; i < ARRAY_SIZE(targets); i++)
		ok += same("AFFINITY_INFO of", targets[i],
			   psci_smc(PSCI_AFFINITY_INFO, targets[i], 0),
			   psci_affinity_info(targets[i], 0));
	if (ok == 1 + functions + ARRAY_SIZE(targets))
		gprintf("psci: SMC conduit: version %lu.%lu, FEATURES of %u functions and "
			"AFFINITY_INFO of vcpus 0, 1, 7 same as HVC\n",
			PSCI_VERSION_MAJOR(version), PSCI_VERSION_MINOR(version), functions);
}

/* Bulkhead's own VERSION hypercall must return the ABI version of hyp/hypercall_abi.h. */
static void check_abi_version(void)
{
	uint32_t v = hvc_call(BH_HVC_VERSION, 0, 0, 0).r0;

	if (v != BH_ABI_VERSION) {
		gprintf("psci: BH_HVC_VERSION returned 0x%lx, expected 0x%lx\n", v,
			(uint32_t)BH_ABI_VERSION);
		failed = true;
		return;
	}
	gprintf("psci: Bulkhead ABI version %lu.%lu (BH_HVC_VERSION)\n", BH_ABI_MAJOR(v),
		BH_ABI_MINOR(v));
}

/* Starts vCPU 1, tries to start it again while it is on, lets it power itself off and waits
 * until AFFINITY_INFO says so. */
static bool run_second(void)
{
	uint32_t ctx = SECOND_VCPU_CTX + second_starts++;
	int32_t ret;

	second_ran = false;
	second_up = false;
	second_release = false;
	dmb(); /* all reset before vCPU 1 can run */
	ret = psci_cpu_on(SECOND_VCPU, (uintptr_t)secondary_entry, ctx);
	if (ret != PSCI_SUCCESS) {
		gprintf("psci: CPU_ON of vcpu %u failed (%ld)\n", SECOND_VCPU, (long)ret);
		return false;
	}
	while (!second_up) {
		bh_yield(); /* vCPU 1 may share this physical CPU */
		cpu_relax();
	}
	ret = psci_cpu_on(SECOND_VCPU, (uintptr_t)secondary_entry, ctx);
	if (ret != PSCI_ALREADY_ON) {
		gprintf("psci: CPU_ON of vcpu %u while it is on returned %ld, expected -4\n",
			SECOND_VCPU, (long)ret);
		return false;
	}
	gprintf("psci: CPU_ON of vcpu %u while it is on: already on (-4)\n", SECOND_VCPU);
	dmb();
	second_release = true;

	while ((ret = psci_affinity_info(SECOND_VCPU, 0)) != PSCI_AFFINITY_OFF) {
		if (ret != PSCI_AFFINITY_ON && ret != PSCI_AFFINITY_ON_PENDING) {
			gprintf("psci: AFFINITY_INFO of vcpu %u failed (%ld)\n", SECOND_VCPU,
				(long)ret);
			return false;
		}
		bh_yield(); /* vCPU 1 may share this physical CPU */
		cpu_relax();
	}
	dmb(); /* read second_ran after AFFINITY_INFO said OFF */
	if (!second_ran) {
		gprintf("psci: AFFINITY_INFO said vcpu %u is off before it ran\n", SECOND_VCPU);
		return false;
	}
	gprintf("vcpu %u off\n", SECOND_VCPU);
	return true;
}

int main(void)
{
	uint32_t version = psci_version();
	int32_t ret;

	check_mpidr(0);
	gprintf("psci version %lu.%lu\n", PSCI_VERSION_MAJOR(version), PSCI_VERSION_MINOR(version));
	check_features();
	check_refusals();
	check_smc();
	check_abi_version();
	if (failed)
		return GUEST_EXIT_FAILED;

	/* Twice: a vCPU that powered itself off can be started again. */
	if (!run_second() || !run_second())
		return GUEST_EXIT_FAILED;

	gprintf("psci: done\n");
	ret = psci_system_off();
	gprintf("psci: SYSTEM_OFF returned %ld\n", (long)ret);
	return GUEST_EXIT_FAILED;
}
