/* Guest runtime: stopping, delays, the default secondary entry and the boot registers. */
#include "guests/common/guest.h"

#include "guests/common/console.h"
#include "guests/common/hvc.h"
#include "guests/common/psci.h"

/* Both set by crt0.S. */
uint32_t guest_dtb_ipa;
struct guest_boot_regs guest_boot_regs[GUEST_MAX_VCPUS];

/* CPSR fields (ARM ARM B1.3.3): M[4:0], and the mask bits F, I, A. */
#define PSR_MODE_MASK 0x1fu
#define PSR_MASK_SHIFT 6 /* F is bit 6, I bit 7, A bit 8 */

static const char *mode_name(uint32_t cpsr)
{
	switch (cpsr & PSR_MODE_MASK) {
	case 0x10:
		return "usr";
	case 0x11:
		return "fiq";
	case 0x12:
		return "irq";
	case 0x13:
		return "svc";
	case 0x16:
		return "mon";
	case 0x17:
		return "abt";
	case 0x1a:
		return "hyp";
	case 0x1b:
		return "und";
	case 0x1f:
		return "sys";
	default:
		return "reserved";
	}
}

void guest_print_boot_regs(const char *who, uint32_t vcpu)
{
	/* Indexed by CPSR bits A I F (8:6). */
	static const char *const masks[8] = {
		"nothing masked", "F masked",	"I masked",   "I F masked",
		"A masked",	  "A F masked", "A I masked", "A I F masked",
	};
	const struct guest_boot_regs *b;

	if (vcpu >= GUEST_MAX_VCPUS)
		return; /* crt0.S stopped such a vCPU before it could get here */
	b = &guest_boot_regs[vcpu];
	gprintf("%s: boot vcpu %lu r0 0x%08lx r1 0x%08lx r2 0x%08lx cpsr 0x%08lx (mode %s, %s)\n",
		who, vcpu, b->r0, b->r1, b->r2, b->cpsr, mode_name(b->cpsr),
		masks[(b->cpsr >> PSR_MASK_SHIFT) & 7u]);
}

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
