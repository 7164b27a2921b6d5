/* PSCI client: SMC calls to firmware (SMC Calling Convention, DEN 0028: r0 = function id,
 * r1-r3 = arguments, result in r0). */
#include "drivers/psci_fw.h"

#include <errno.h>

static const struct platform *plat;

static int32_t smc_call(uint32_t fn, uint32_t a1, uint32_t a2, uint32_t a3)
{
	register uint32_t r0 __asm__("r0") = fn;
	register uint32_t r1 __asm__("r1") = a1;
	register uint32_t r2 __asm__("r2") = a2;
	register uint32_t r3 __asm__("r3") = a3;

	__asm__ volatile(".arch_extension sec\n\tsmc #0"
			 : "+r"(r0), "+r"(r1), "+r"(r2), "+r"(r3)
			 :
			 : "memory");
	return (int32_t)r0;
}

int psci_fw_init(const struct platform *p)
{
	plat = p;
	if (p->psci.conduit == PSCI_CONDUIT_NONE)
		return -ENODEV;
	if (p->psci.conduit == PSCI_CONDUIT_HVC)
		return -EOPNOTSUPP;
	return 0;
}

int32_t psci_fw_cpu_on(uint32_t mpidr, paddr_t entry, uint32_t ctx)
{
	if (!plat || plat->psci.conduit != PSCI_CONDUIT_SMC || !plat->psci.fn_cpu_on)
		return PSCI_NOT_SUPPORTED;
	if (entry >> 32)
		return PSCI_INVALID_ADDRESS;
	return smc_call(plat->psci.fn_cpu_on, mpidr, (uint32_t)entry, ctx);
}

uint32_t psci_fw_version(void)
{
	if (!plat || plat->psci.conduit != PSCI_CONDUIT_SMC || !plat->psci.v0_2)
		return 0;
	return (uint32_t)smc_call(PSCI_0_2_FN_VERSION, 0, 0, 0);
}

void psci_fw_system_off(void)
{
	if (plat && plat->psci.conduit == PSCI_CONDUIT_SMC && plat->psci.v0_2)
		smc_call(PSCI_0_2_FN_SYSTEM_OFF, 0, 0, 0);
}

const char *psci_strerror(int32_t code)
{
	switch (code) {
	case PSCI_SUCCESS:
		return "success";
	case PSCI_NOT_SUPPORTED:
		return "not supported";
	case PSCI_INVALID_PARAMETERS:
		return "invalid parameters";
	case PSCI_DENIED:
		return "denied";
	case PSCI_ALREADY_ON:
		return "already on";
	case PSCI_ON_PENDING:
		return "on pending";
	case PSCI_INTERNAL_FAILURE:
		return "internal failure";
	case PSCI_NOT_PRESENT:
		return "not present";
	case PSCI_DISABLED:
		return "disabled";
	case PSCI_INVALID_ADDRESS:
		return "invalid address";
	default:
		return "unknown error";
	}
}
