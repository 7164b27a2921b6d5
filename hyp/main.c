/* The boot sequence after the MMU is on: discover the platform from the DT, bring up the console,
 * the GIC, the timer and every CPU, then run what the DT asks for.
 *
 * Every line printed here is listed in docs/console.md; tests match them.
 */
#include <errno.h>
#include <inttypes.h>

#include "drivers/gic.h"
#include "drivers/pl011.h"
#include "drivers/psci_fw.h"
#include "drivers/timer.h"
#include "hyp/boot.h"
#include "hyp/console.h"
#include "hyp/dt.h"
#include "hyp/panic.h"
#include "hyp/percpu.h"
#include "hyp/config.h"
#include "hyp/partition.h"
#include "hyp/sched.h"
#include "hyp/bench.h"
#include "hyp/selftest.h"
#include "hyp/vgic.h"
#include "hyp/smp.h"
#include "mm/hyp_map.h"
#include "mm/stage2.h"

#ifndef BULKHEAD_VERSION
#define BULKHEAD_VERSION "unknown"
#endif

static struct platform plat;

static void report_config_error(void *arg, const char *line)
{
	(void)arg;
	pr_err("%s", line);
}

static const void *plat_fdt;

const void *hyp_fdt(void)
{
	return plat_fdt;
}

const struct platform *hyp_platform(void)
{
	return &plat;
}

/* Maps a device region the hypervisor drives; on failure the line names the node. */
static int map_device(const char *what, const char *path, const struct plat_region *r)
{
	int err = hyp_map(r->base, r->size, PGT_PERM_RW, PGT_MEM_DEVICE);

	if (err)
		pr_err("%s: cannot map %s at 0x%llx size 0x%llx in HYP (%d)", path, what,
		       (unsigned long long)r->base, (unsigned long long)r->size, err);
	return err;
}

/* The console comes first, so that every later error can be printed. */
static void console_setup(void)
{
	if (!plat.uart.reg.size)
		boot_fail(BOOT_FAIL_NO_CONSOLE);
	if (hyp_map(plat.uart.reg.base, plat.uart.reg.size, PGT_PERM_RW, PGT_MEM_DEVICE))
		boot_fail(BOOT_FAIL_NO_CONSOLE);
	pl011_init((uintptr_t)plat.uart.reg.base);
	console_attach(pl011_putc);
}

static void __noreturn stop_boot(const char *why)
{
	pr_err("boot stopped: %s", why);
	cpu_idle();
}

static void print_platform(const struct gic_info *gi, uint32_t freq)
{
	for (unsigned i = 0; i < plat.nr_ram; i++)
		pr_info("ram: 0x%llx-0x%llx (%llu MiB)", (unsigned long long)plat.ram[i].base,
			(unsigned long long)(plat.ram[i].base + plat.ram[i].size - 1),
			(unsigned long long)(plat.ram[i].size >> 20));
	pr_info("ram total: %llu MiB in %u bank(s)",
		(unsigned long long)(platform_ram_total(&plat) >> 20), plat.nr_ram);
	pr_info("uart: %s pl011 at 0x%llx (INTID %" PRIu32 ")", plat.uart.path,
		(unsigned long long)plat.uart.reg.base, plat.uart.intid);
	pr_info("gic: v%u %s dist 0x%llx cpu 0x%llx hyp 0x%llx vcpu 0x%llx maint INTID %" PRIu32,
		plat.gic.version, plat.gic.path, (unsigned long long)plat.gic.dist.base,
		(unsigned long long)plat.gic.cpu.base, (unsigned long long)plat.gic.hyp.base,
		(unsigned long long)plat.gic.vcpu.base, plat.gic.maint_intid);
	pr_info("gic: %u interrupt lines, %u list registers, IIDR 0x%08" PRIx32, gi->nr_lines,
		gi->nr_lrs, gi->iidr);
	pr_info("timer: %" PRIu32 " Hz (%s), INTIDs hyp %" PRIu32 " virt %" PRIu32 " phys %" PRIu32,
		freq, plat.timer.freq_hz ? "clock-frequency" : "CNTFRQ", plat.timer.intid_hyp,
		plat.timer.intid_virt, plat.timer.intid_phys);
	pr_info("cpus: %u in /cpus", plat.nr_cpus);
}

/* Parses /chosen/bulkhead, creates every valid partition and releases the schedulers. */
static void start_partitions(const void *fdt)
{
	static struct config cfg; /* large: not on the stack */
	struct config_env env = {
		.plat = &plat,
		.hyp = {hyp_image.start, hyp_image.end - hyp_image.start},
		.dtb = {(uintptr_t)fdt, dt_size(fdt)},
	};

	int bad = config_parse(fdt, &env, &cfg, report_config_error, NULL);
	if (bad < 0)
		pr_err("partitions: /chosen/bulkhead unusable, no partition started");
	else if (bad > 0)
		pr_warn("partitions: %d invalid partition(s) not started", bad);
	vgic_global_init();
	unsigned n = partitions_create(&cfg);
	pr_info("partitions: %u running", n);
	sched_start(cfg.slice_us ? cfg.slice_us : CONFIG_DEFAULT_SLICE_US);
}

void hyp_main(const void *fdt)
{
	bench_boot_start(); /* first: "bench-boot" counts from here */
	struct diag d = {""};
	int err = platform_discover(fdt, &plat, &d);

	plat_fdt = fdt;

	console_setup();
	pr_info("Bulkhead %s starting on cpu0 (MPIDR 0x%" PRIx32 ")", BULKHEAD_VERSION,
		this_cpu()->mpidr);
	pr_info("image: 0x%llx-0x%llx, pool %llu KiB at 0x%llx",
		(unsigned long long)hyp_image.start, (unsigned long long)(hyp_image.end - 1),
		(unsigned long long)((hyp_image.pool_end - hyp_image.pool_start) >> 10),
		(unsigned long long)hyp_image.pool_start);
	pr_info("dtb: 0x%llx (%zu bytes)", (unsigned long long)(uintptr_t)fdt, dt_size(fdt));
	if (plat.uart.from_alias)
		pr_info("uart: no /chosen/stdout-path, console is alias serial0");
	if (err) {
		pr_err("%s", d.msg);
		stop_boot("the device tree does not describe a usable platform");
	}

	if (map_device("GIC distributor", plat.gic.path, &plat.gic.dist) ||
	    map_device("GIC CPU interface", plat.gic.path, &plat.gic.cpu) ||
	    map_device("GIC virtual interface control", plat.gic.path, &plat.gic.hyp))
		stop_boot("GIC not accessible");

	struct gic_info gi;
	gic_dist_init(&plat, &gi);
	gic_cpu_init();
	uint32_t freq = timer_init(&plat);
	print_platform(&gi, freq);
	if (!freq)
		stop_boot("no timer frequency: neither clock-frequency nor CNTFRQ is set");

	pr_info("cpu0 online in HYP mode (MPIDR 0x%" PRIx32 ")", this_cpu()->mpidr);
	atomic_store(&this_cpu()->online, true);
	unsigned online = 1;
	err = psci_fw_init(&plat);
	if (err == -ENODEV)
		pr_warn("/psci: no PSCI node, secondary CPUs stay off");
	else if (err == -EOPNOTSUPP)
		pr_err("/psci: method \"hvc\" cannot reach firmware from HYP mode, secondary CPUs stay off");
	else
		online = smp_boot(&plat);
	if (online == plat.nr_cpus)
		pr_info("all %u CPUs online", online);
	else
		pr_warn("%u of %u CPUs online", online, plat.nr_cpus);

	err = stage2_global_init(&hyp_pool, VMID_BITS_MAX, online);
	if (err)
		stop_boot("cannot set up the VMID allocator");

	selftest_run(fdt);
	start_partitions(fdt);
	pr_info("boot complete");
	sched_run();
}
