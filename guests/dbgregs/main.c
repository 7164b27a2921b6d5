/* dbgregs: the CP14 debug registers are not a channel between partitions. The breakpoint and
 * watchpoint registers exist once per physical CPU and Bulkhead does not switch them, so it traps
 * guest accesses (HDCR.TDA/TDOSA/TDRA) and makes them read as zero and ignore writes
 * (hyp/trap.c). Partition 0 tries to arm hardware breakpoint 0 on victim() (DBGBVR0, DBGBCR0,
 * DBGDSCRext.MDBGen) and checks that every register reads back 0; the other partitions, sharing
 * its CPU, call victim() between yields and must never take a debug exception. Console lines:
 * guests/README.md. */
#include "guests/common/console.h"
#include "guests/common/guest.h"
#include "guests/common/hvc.h"

#define DBGDIDR "p14, 0, %0, c0, c0, 0"
#define DBGDSCRext "p14, 0, %0, c0, c2, 2"
#define DBGBVR0 "p14, 0, %0, c0, c0, 4"
#define DBGBCR0 "p14, 0, %0, c0, c0, 5"
#define DBGDSCR_MDBGEN (1u << 15)
/* DBGBCR: enabled, PL0 and PL1, all four bytes, unlinked address match. */
#define DBGBCR_ARM (1u << 0 | 3u << 1 | 0xfu << 5)
#define CALLS 100u

__attribute__((noinline)) void victim(void)
{
	__asm__ volatile("nop");
}

static unsigned arm_breakpoint(void)
{
	uint32_t didr = sysreg_read32(DBGDIDR);

	sysreg_write32(DBGBVR0, (uint32_t)(uintptr_t)victim);
	sysreg_write32(DBGBCR0, DBGBCR_ARM);
	sysreg_write32(DBGDSCRext, sysreg_read32(DBGDSCRext) | DBGDSCR_MDBGEN);
	isb();
	uint32_t bvr = sysreg_read32(DBGBVR0), bcr = sysreg_read32(DBGBCR0),
		 dscr = sysreg_read32(DBGDSCRext);

	gprintf("dbgregs: DBGDIDR 0x%08lx DBGBVR0 0x%08lx DBGBCR0 0x%08lx DBGDSCRext 0x%08lx\n",
		didr, bvr, bcr, dscr);
	if (didr || bvr || bcr || dscr) {
		gprintf("dbgregs: FAILED: debug registers are not RAZ/WI\n");
		return GUEST_EXIT_FAILED;
	}
	gprintf("dbgregs: debug registers read as zero, writes ignored\n");
	return GUEST_EXIT_OK;
}

int main(void)
{
	uint32_t p = bh_partition_id();
	unsigned ret = GUEST_EXIT_OK;

	if (p == 0)
		ret = arm_breakpoint();
	for (unsigned i = 0; i < CALLS; i++) {
		victim(); /* a breakpoint that leaked would end this partition in its handler */
		bh_yield();
	}
	gprintf("dbgregs: partition %lu called victim %u times unharmed\n", p, CALLS);
	return ret;
}
