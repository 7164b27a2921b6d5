/* Secondary CPU bring-up (see smp.h).
 *
 * Ordering: the boot CPU initialises the new CPU's struct percpu and cleans it (and the HYP table
 * registers) to the point of coherency, because the new CPU reads them with its caches off. The
 * new CPU reports, then sets `online` with release semantics and SEV; the boot CPU waits in WFE
 * (the timer event stream bounds the wait) so the one at a time order keeps the console
 * deterministic.
 */
#include "hyp/smp.h"

#include <inttypes.h>
#include <string.h>

#include "drivers/gic.h"
#include "drivers/psci_fw.h"
#include "drivers/timer.h"
#include "hyp/boot.h"
#include "hyp/console.h"
#include "hyp/panic.h"
#include "hyp/percpu.h"
#include "hyp/sched.h"
#include "mm/cache.h"
#include "mm/hyp_map.h"

extern char secondary_entry[];

static bool start_cpu(unsigned idx, uint32_t mpidr)
{
	struct percpu *pc = percpu_of(idx);

	memset(pc, 0, sizeof(*pc));
	pc->cpu = idx;
	pc->mpidr = mpidr;
	dcache_clean_range((uintptr_t)pc, sizeof(*pc));

	int32_t r = psci_fw_cpu_on(mpidr, (uintptr_t)secondary_entry, idx);
	if (r != PSCI_SUCCESS) {
		pr_err("cpu%u (MPIDR 0x%" PRIx32 "): PSCI CPU_ON failed: %s (%" PRId32 ")", idx,
		       mpidr, psci_strerror(r), r);
		return false;
	}
	uint64_t deadline = timer_now() + timer_ms(SMP_ONLINE_TIMEOUT_MS);
	while (!atomic_load_explicit(&pc->online, memory_order_acquire)) {
		if (timer_now() > deadline) {
			pr_err("cpu%u (MPIDR 0x%" PRIx32 "): did not come online within %u ms", idx,
			       mpidr, SMP_ONLINE_TIMEOUT_MS);
			return false;
		}
		wfe();
	}
	return true;
}

unsigned smp_boot(const struct platform *p)
{
	uint32_t self = this_cpu()->mpidr;
	unsigned online = 1;
	unsigned idx = 1;

	hyp_map_publish();
	for (unsigned i = 0; i < p->nr_cpus; i++) {
		if (p->cpus[i].mpidr == self)
			continue;
		if (idx >= HYP_MAX_CPUS) {
			pr_err("cpu MPIDR 0x%" PRIx32
			       ": more than HYP_MAX_CPUS (%u) CPUs, not started",
			       p->cpus[i].mpidr, HYP_MAX_CPUS);
			continue;
		}
		/* A slot is never reused: a CPU that timed out may still arrive late. */
		if (start_cpu(idx++, p->cpus[i].mpidr))
			online++;
	}
	panic_set_nr_cpus(online);
	return online;
}

void boot_secondary(unsigned cpu)
{
	hyp_mmu_enable();
	struct percpu *pc = this_cpu();

	gic_cpu_init();
	timer_cpu_init();
	pr_info("cpu%u online in HYP mode (MPIDR 0x%" PRIx32 ")", cpu, pc->mpidr);
	atomic_store_explicit(&pc->online, true, memory_order_release);
	dsb_ish();
	sev();
	sched_run();
}
