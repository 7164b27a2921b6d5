/* benchyield: two copies share one physical CPU and hand it to each other with
 * BH_HVC_YIELD; each yield is one vCPU switch. Partition 0 reports the HYP instructions per
 * switch (its window covers both partitions' yields, so iterations = 2 x BENCH_ITERS). */
#include "guests/common/console.h"
#include "guests/common/guest.h"
#include "guests/common/hvc.h"

#define BENCH_ITERS 10000

int main(void)
{
	uint32_t id = bh_partition_id();

	hvc_call(BH_HVC_BENCH_START, 0, 0, 0);
	for (unsigned i = 0; i < BENCH_ITERS; i++)
		bh_yield();
	if (id == 0)
		hvc_call(BH_HVC_BENCH_STOP,
			 (uint32_t)(uintptr_t) "vcpu switch (yield, two partitions)",
			 2 * BENCH_ITERS, 0);
	return GUEST_EXIT_OK;
}
