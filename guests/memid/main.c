/* memid: checks that a partition sees only its own memory while the CPU is time-sliced between
 * many partitions (VMIDs, TLBs, VMID rollover). Every partition runs this same image: each
 * writes its partition id to the same IPA, yields so others run, and reads it back; a stale
 * translation of another partition would show that partition's id. After ROUNDS rounds it stops
 * with exit code 0. Console lines: guests/README.md. */
#include "guests/common/console.h"
#include "guests/common/guest.h"
#include "guests/common/hvc.h"

/* 1 MiB above the image: a page the image does not occupy, so the partition needs at least
 * 1 MiB + 4 KiB of memory at GUEST_BASE (README). */
#define MEMID_WORD_IPA (GUEST_BASE + 0x00100000u)
#define ROUNDS 100
#define REPORT_ROUND 50 /* the one progress line per partition */

int main(void)
{
	volatile uint32_t *word = (volatile uint32_t *)MEMID_WORD_IPA;
	uint32_t p = bh_partition_id();

	for (unsigned n = 1; n <= ROUNDS; n++) {
		uint32_t v;

		*word = p;
		bh_yield();
		v = *word;
		/* cppcheck-suppress knownConditionTrueFalse ; *word is volatile: read from memory */
		if (v != p) {
			gprintf("memid %lu: MISMATCH read 0x%lx\n", p, v);
			return GUEST_EXIT_FAILED;
		}
		if (n == REPORT_ROUND)
			gprintf("memid %lu: round %u ok\n", p, n);
	}
	return GUEST_EXIT_OK;
}
