/* hello: the smallest useful partition. Says who it is and what registers it started with (crt0.S
 * records them), then prints a numbered tick about every 10 ms of virtual time for ever, giving
 * the CPU back to the hypervisor while it waits. Console lines: guests/README.md. */
#include "guests/common/console.h"
#include "guests/common/guest.h"
#include "guests/common/hvc.h"

#define TICK_HZ 100 /* a tick every 10 ms */

int main(void)
{
	struct hvc_ret id = hvc_call(BH_HVC_PARTITION_ID, 0, 0, 0);
	uint32_t freq = counter_freq();

	gprintf("hello from partition %lu vcpu %lu\n", id.r0, id.r1);
	guest_print_boot_regs("hello", id.r1);
	if (freq == 0) {
		gprintf("hello: CNTFRQ is 0, cannot time the ticks\n");
		return GUEST_EXIT_FAILED;
	}
	for (uint32_t n = 0;; n++) {
		gprintf("tick %lu\n", n);
		delay_ticks(freq / TICK_HZ);
	}
}
