/* Guest runtime: stopping, delays and the default secondary entry. */
#include "guests/common/guest.h"

#include "guests/common/console.h"
#include "guests/common/hvc.h"
#include "guests/common/psci.h"

uint32_t guest_dtb_ipa; /* set by crt0.S */

void guest_stop(uint32_t code)
{
	hvc_call(BH_HVC_STOP, code, 0, 0);
	/* BH_HVC_STOP does not return; if it ever does, sleep instead of running on. */
	for (;;)
		wfi();
}

void delay_ticks(uint64_t ticks)
{
	uint64_t start = counter_now();

	while (counter_now() - start < ticks) {
		bh_yield();
		cpu_relax();
	}
}

__attribute__((weak)) void secondary_main(uint32_t context_id)
{
	gprintf("vcpu %lu: started (ctx 0x%lx) but this guest has no secondary_main\n",
		bh_vcpu_id(), context_id);
}

void guest_secondary_done(void)
{
	int32_t err = psci_cpu_off();

	gprintf("vcpu %lu: PSCI CPU_OFF returned %ld\n", bh_vcpu_id(), (long)err);
	guest_stop(GUEST_EXIT_FAILED);
}
