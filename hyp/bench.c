/* Benchmark reporting and the HYP self-benchmarks (see bench.h). */
#include "hyp/bench.h"

#include <inttypes.h>

#include "hyp/boot.h"
#include "hyp/console.h"
#include "hyp/fmt.h"
#include "hyp/percpu.h"
#include "hyp/sysreg.h"
#include "hyp/partition.h"
#include "mm/stage2.h"

#define BENCH_IPA GiB(1) /* a 1 GiB-aligned guest range for the map benchmarks */
#define BENCH_SIZE GiB(1)
#define BENCH_VMID_BITS 2 /* 3 ids: the 4th partition forces a rollover */
#define BENCH_VMID_PARTS 4

/* total / iters with two decimals. */
static void per_op(char *buf, size_t size, uint32_t total, uint32_t iters)
{
	uint64_t x100 = (uint64_t)total * 100u / iters;

	fmt_snprintf(buf, size, "%llu.%02llu", (unsigned long long)(x100 / 100),
		     (unsigned long long)(x100 % 100));
}

void bench_report(const char *name, uint32_t hyp, uint32_t guest, uint32_t iters)
{
	char h[24], g[24];

	if (!iters)
		return;
	per_op(h, sizeof(h), hyp, iters);
	per_op(g, sizeof(g), guest, iters);
	pr_info("bench: %s: %s HYP, %s guest instructions per op (%" PRIu32 " iterations)", name, h,
		g, iters);
}

void bench_value(const char *name, uint64_t value, const char *unit)
{
	pr_info("bench: %s: %llu %s", name, (unsigned long long)value, unit);
}

static void map_unmap(const char *what, bool pages)
{
	static struct stage2 s2;				  /* large: not on the stack */
	paddr_t pa = hyp_platform()->ram[0].base & ~(GiB(1) - 1); /* translated, never accessed */

	if (stage2_init(&s2, "bench")) {
		pr_err("bench: cannot create a stage-2 table");
		return;
	}
	struct pmu_count a = pmu_read();
	int err =
		pages ? stage2_map_pages(&s2, BENCH_IPA, pa, BENCH_SIZE, PGT_PERM_RWX,
					 PGT_MEM_NORMAL_WB)
		      : stage2_map(&s2, BENCH_IPA, pa, BENCH_SIZE, PGT_PERM_RWX, PGT_MEM_NORMAL_WB);
	struct pmu_count b = pmu_read();
	struct pgt_stats st;
	pgt_get_stats(&s2.pgt, &st); /* a full tree walk: outside both windows */
	struct pmu_count b2 = pmu_read();
	int err2 = stage2_unmap(&s2, BENCH_IPA, BENCH_SIZE);
	struct pmu_count c = pmu_read();

	if (err || err2) {
		pr_err("bench: stage2 %s: map %d, unmap %d", what, err, err2);
	} else {
		char name[64];

		fmt_snprintf(name, sizeof(name), "stage2 map 1 GiB (%s)", what);
		bench_report(name, b.hyp - a.hyp, 0, 1);
		fmt_snprintf(name, sizeof(name), "stage2 map 1 GiB (%s) table pages", what);
		bench_value(name, st.table_pages, "pages");
		fmt_snprintf(name, sizeof(name), "stage2 unmap 1 GiB (%s)", what);
		bench_report(name, c.hyp - b2.hyp, 0, 1);
	}
	stage2_destroy(&s2);
}

void bench_stage2(void)
{
	pmu_cpu_init();
	map_unmap("blocks", false);
	map_unmap("4K pages", true);
}

void bench_vmid(void)
{
	static struct stage2 s2[BENCH_VMID_PARTS];
	struct vmid_space *vs = stage2_vmids();
	unsigned nr_cpus = vs->nr_cpus, cpu = this_cpu()->cpu;

	pmu_cpu_init();
	if (stage2_global_init(&hyp_pool, BENCH_VMID_BITS, nr_cpus))
		return;
	for (unsigned i = 0; i < BENCH_VMID_PARTS; i++)
		stage2_init(&s2[i], "bench");
	irq_disable();
	for (unsigned i = 0; i + 1 < BENCH_VMID_PARTS; i++)
		stage2_enter(&s2[i], cpu); /* takes ids 1..3: the space is now full */
	struct pmu_count a = pmu_read();
	stage2_enter(&s2[0], cpu); /* fast path: generation current */
	struct pmu_count b = pmu_read();
	bool rolled = stage2_enter(&s2[BENCH_VMID_PARTS - 1], cpu); /* rolls over */
	struct pmu_count c = pmu_read();
	irq_enable();

	bench_report("vmid check on entry (current generation)", b.hyp - a.hyp, 0, 1);
	if (rolled)
		bench_report("vmid rollover (allocate, new generation, TLB flush)", c.hyp - b.hyp,
			     0, 1);
	else
		pr_err("bench: vmid rollover did not happen");
	for (unsigned i = 0; i < BENCH_VMID_PARTS; i++)
		stage2_destroy(&s2[i]);
	stage2_global_init(&hyp_pool, VMID_BITS_MAX, nr_cpus);
}

void bench_memory(void)
{
	bench_value("memory: struct partition", sizeof(struct partition), "bytes");
	bench_value("memory: struct vcpu", sizeof(struct vcpu), "bytes");
	bench_value("memory: hypervisor page pool", HYP_POOL_SIZE >> 10, "KiB");
	bench_value("memory: per-CPU stacks and data", HYP_CPU_REGION_SIZE >> 10, "KiB");
}

static uint32_t boot_start; /* the boot CPU's HYP count at hyp_main() */
static bool boot_report;    /* "bench-boot" asked for, line not printed yet (boot CPU only) */

void bench_boot_start(void)
{
	pmu_cpu_init();
	boot_start = pmu_read().hyp;
}

void bench_boot(void)
{
	boot_report = true;
}

void bench_first_entry(void)
{
	if (!boot_report || this_cpu()->cpu != 0)
		return;
	boot_report = false;
	bench_value("boot to first partition entry (boot CPU, from hyp_main)",
		    pmu_read().hyp - boot_start, "instructions");
}
