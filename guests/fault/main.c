/* fault: reads an IPA no partition has mapped, to exercise the fault policy. With "stop" the
 * hypervisor stops the partition, with "restart" it starts again ("fault: start" once per start),
 * with "inject" the guest's default data-abort handler prints the abort and stops.
 * Console lines: guests/README.md. */
#include "guests/common/console.h"
#include "guests/common/guest.h"

#define UNMAPPED_IPA 0x20000000u /* nothing is mapped there in the test configurations */

int main(void)
{
	gprintf("fault: start\n");
	gprintf("fault: about to crash\n");
	(void)*(volatile uint32_t *)UNMAPPED_IPA;
	gprintf("fault: still alive\n");
	return GUEST_EXIT_FAILED;
}
