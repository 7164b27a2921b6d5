/* Unit tests for platform discovery (hyp/platform.c) and the libfdt wrapper (hyp/dt.c).
 *
 * The DTBs come from QEMU itself (tests/unit/dtb/make-dtbs.sh, run by the Makefile into
 * $BULKHEAD_TEST_DTB_DIR): good ones for -smp 1/2/4/8 and -m 256/1024/3072, broken ones edited
 * with fdtput; and QEMU's vexpress-a15 dump of Debian's vexpress-v2p-ca15-tc1.dtb with its
 * variants. Each broken tree must give the exact diag line and errno. The addresses below are
 * what QEMU 7.2's virt and vexpress-a15 machines use; they belong here, never in the hypervisor.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hyp/dt.h"
#include "hyp/platform.h"

static const char *dtb_dir;

/* Loads dir/name.dtb into a zeroed DT_MAX_SIZE buffer, 8-byte aligned as libfdt wants. The zero
 * tail stands for the RAM after a short blob: the code under test may read up to the header's
 * totalsize, so a cut-off file must not turn into an out-of-bounds read in the test itself. */
static void *load(const char *name)
{
	char path[512];
	FILE *f;
	size_t n;
	void *buf = aligned_alloc(8, DT_MAX_SIZE);

	assert_non_null(buf);
	memset(buf, 0, DT_MAX_SIZE);
	snprintf(path, sizeof(path), "%s/%s.dtb", dtb_dir, name);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s (run tests/unit/dtb/make-dtbs.sh first)", path);
	n = fread(buf, 1, DT_MAX_SIZE, f);
	assert_true(n > 0);
	assert_true(feof(f)); /* the whole file fitted */
	fclose(f);
	return buf;
}

/* Discovers name.dtb into *p; returns the errno and leaves the message in d. */
static int discover(const char *name, struct platform *p, struct diag *d)
{
	void *fdt = load(name);
	int ret;

	memset(p, 0xa5, sizeof(*p)); /* discovery must not depend on what was there */
	ret = platform_discover(fdt, p, d);
	free(fdt);
	return ret;
}

static void expect_error(const char *name, int err, const char *msg)
{
	struct platform p;
	struct diag d;

	memset(&d, 0, sizeof(d));
	int ret = discover(name, &p, &d);
	if (ret != err || strcmp(d.msg, msg))
		fail_msg("%s.dtb: got %d \"%s\"\n\texpected %d \"%s\"", name, ret, d.msg, err, msg);
}

static void expect_ok(const char *name, struct platform *p)
{
	struct diag d;

	memset(&d, 0, sizeof(d));
	int ret = discover(name, p, &d);
	if (ret)
		fail_msg("%s.dtb: got %d \"%s\", expected success", name, ret, d.msg);
	assert_string_equal(d.msg, "");
}

/* What every QEMU virt,virtualization=on GICv2 dump has in common. */
static void check_virt_common(const struct platform *p)
{
	assert_string_equal(p->uart.path, "/pl011@9000000");
	assert_int_equal(p->uart.reg.base, 0x09000000);
	assert_int_equal(p->uart.reg.size, 0x1000);
	assert_int_equal(p->uart.intid, 33);

	assert_string_equal(p->gic.path, "/intc@8000000");
	assert_int_equal(p->gic.version, 2);
	assert_int_equal(p->gic.dist.base, 0x08000000);
	assert_int_equal(p->gic.dist.size, 0x10000);
	assert_int_equal(p->gic.cpu.base, 0x08010000);
	assert_int_equal(p->gic.cpu.size, 0x10000);
	assert_int_equal(p->gic.hyp.base, 0x08030000);
	assert_int_equal(p->gic.hyp.size, 0x10000);
	assert_int_equal(p->gic.vcpu.base, 0x08040000);
	assert_int_equal(p->gic.vcpu.size, 0x10000);
	assert_int_equal(p->gic.maint_intid, 25);

	assert_int_equal(p->timer.intid_sec_phys, 29);
	assert_int_equal(p->timer.intid_phys, 30);
	assert_int_equal(p->timer.intid_virt, 27);
	assert_int_equal(p->timer.intid_hyp, 26);
	assert_int_equal(p->timer.freq_hz, 0);

	assert_int_equal(p->psci.conduit, PSCI_CONDUIT_SMC);
	assert_true(p->psci.v0_2);
	assert_int_equal(p->psci.fn_cpu_on, 0x84000003);
	assert_int_equal(p->psci.fn_cpu_off, 0x84000002);
	assert_int_equal(p->psci.fn_cpu_suspend, 0x84000001);
	assert_int_equal(p->psci.fn_migrate, 0x84000005);

	/* Everything is reset: the caller fills dtb afterwards. */
	assert_int_equal(p->dtb.base, 0);
	assert_int_equal(p->dtb.size, 0);
}

static void test_qemu_virt(void **state)
{
	static const unsigned smps[] = {1, 2, 4, 8};
	static const unsigned mems[] = {256, 1024, 3072};
	(void)state;

	for (size_t i = 0; i < ARRAY_SIZE(smps); i++) {
		for (size_t j = 0; j < ARRAY_SIZE(mems); j++) {
			char name[64];
			struct platform p;

			if (smps[i] == 8 && mems[j] != 1024)
				continue; /* only one 8-CPU dump */
			snprintf(name, sizeof(name), "virt-smp%u-m%u", smps[i], mems[j]);
			expect_ok(name, &p);
			check_virt_common(&p);
			assert_int_equal(p.nr_ram, 1);
			assert_int_equal(p.ram[0].base, 0x40000000);
			assert_int_equal(p.ram[0].size, (uint64_t)mems[j] << 20);
			assert_int_equal(platform_ram_total(&p), (uint64_t)mems[j] << 20);
			assert_int_equal(p.nr_cpus, smps[i]);
			for (unsigned c = 0; c < smps[i]; c++)
				assert_int_equal(p.cpus[c].mpidr, c);
		}
	}
}

static void test_good_variants(void **state)
{
	struct platform p;
	(void)state;

	expect_ok("stdout-alias", &p); /* alias with ":options" */
	check_virt_common(&p);

	expect_ok("ram-banks", &p);
	assert_int_equal(p.nr_ram, 3);
	assert_int_equal(p.ram[0].base, 0x20000000);
	assert_int_equal(p.ram[0].size, 0x10000000);
	assert_int_equal(p.ram[1].base, 0x40000000);
	assert_int_equal(p.ram[1].size, 0x20000000);
	assert_int_equal(p.ram[2].base, 0x80000000);
	assert_int_equal(p.ram[2].size, 0x1000000);
	assert_int_equal(platform_ram_total(&p), 0x31000000);

	expect_ok("timer-freq", &p);
	assert_int_equal(p.timer.freq_hz, 62500000);

	expect_ok("uart-no-irq", &p);
	assert_int_equal(p.uart.intid, 0);
	assert_int_equal(p.uart.reg.base, 0x09000000);

	expect_ok("psci-none", &p);
	assert_int_equal(p.psci.conduit, PSCI_CONDUIT_NONE);
	assert_int_equal(p.psci.fn_cpu_on, 0);

	expect_ok("psci-0.1", &p);
	assert_int_equal(p.psci.conduit, PSCI_CONDUIT_HVC);
	assert_false(p.psci.v0_2);
	assert_int_equal(p.psci.fn_cpu_on, 0x95c10002);
	assert_int_equal(p.psci.fn_cpu_off, 0x84000002);
	assert_int_equal(p.psci.fn_cpu_suspend, 0x84000001);
	assert_int_equal(p.psci.fn_migrate, 0);

	expect_ok("soc-bus", &p); /* reg translated through /soc's ranges */
	assert_string_equal(p.uart.path, "/soc/serial@0");
	assert_int_equal(p.uart.reg.base, 0x09000000);
	assert_int_equal(p.uart.reg.size, 0x1000);
	assert_int_equal(p.uart.intid, 33);
}

/* QEMU vexpress-a15 with the Debian kernel's DTB: the console comes from /aliases (no
 * stdout-path), the UART's interrupt goes through the motherboard bus's interrupt-map, the GIC
 * frames are 4 and 8 KiB, there is no PSCI and /cpus lists both CPUs of the tile. */
#define VX_IOFPGA "/bus@8000000/motherboard-bus@8000000/iofpga-bus@300000000"

static void test_qemu_vexpress(void **state)
{
	struct platform p;
	(void)state;

	expect_ok("vexpress-smp1-m1024", &p);
	assert_string_equal(p.uart.path, VX_IOFPGA "/serial@90000");
	assert_true(p.uart.from_alias);
	assert_int_equal(p.uart.reg.base, 0x1c090000);
	assert_int_equal(p.uart.reg.size, 0x1000);
	assert_int_equal(p.uart.intid, 37); /* interrupts = <5> -> <GIC_SPI 5 4> */

	assert_string_equal(p.gic.path, "/interrupt-controller@2c001000");
	assert_int_equal(p.gic.dist.base, 0x2c001000);
	assert_int_equal(p.gic.dist.size, 0x1000);
	assert_int_equal(p.gic.cpu.base, 0x2c002000);
	assert_int_equal(p.gic.cpu.size, 0x2000);
	assert_int_equal(p.gic.hyp.base, 0x2c004000);
	assert_int_equal(p.gic.hyp.size, 0x2000);
	assert_int_equal(p.gic.vcpu.base, 0x2c006000);
	assert_int_equal(p.gic.vcpu.size, 0x2000);
	assert_int_equal(p.gic.maint_intid, 25);

	assert_int_equal(p.timer.intid_sec_phys, 29);
	assert_int_equal(p.timer.intid_phys, 30);
	assert_int_equal(p.timer.intid_virt, 27);
	assert_int_equal(p.timer.intid_hyp, 26);

	assert_int_equal(p.psci.conduit, PSCI_CONDUIT_NONE);
	assert_int_equal(p.psci.fn_cpu_on, 0);

	assert_int_equal(p.nr_ram, 1);
	assert_int_equal(p.ram[0].base, 0x80000000);
	assert_int_equal(p.ram[0].size, 0x40000000);
	assert_int_equal(p.nr_cpus, 2);
	assert_int_equal(p.cpus[0].mpidr, 0);
	assert_int_equal(p.cpus[1].mpidr, 1);

	expect_ok("vexpress-stdout", &p); /* stdout-path, when there is one, wins */
	assert_string_equal(p.uart.path, VX_IOFPGA "/serial@a0000");
	assert_false(p.uart.from_alias);
	assert_int_equal(p.uart.reg.base, 0x1c0a0000);
	assert_int_equal(p.uart.intid, 38);
}

/* Interrupts through a nexus, on their own: every mapped UART and the map's own errors. */
static void test_interrupt_map(void **state)
{
	static const struct {
		const char *node;
		uint32_t intid;
	} uarts[] = {
		{VX_IOFPGA "/serial@90000", 37},
		{VX_IOFPGA "/serial@a0000", 38},
		{VX_IOFPGA "/serial@b0000", 39},
		{VX_IOFPGA "/serial@c0000", 40},
	};
	void *fdt = load("vexpress-smp1-m1024");
	int gic = fdt_path_offset(fdt, "/interrupt-controller@2c001000");
	struct dt_irq irq;
	struct diag d;
	unsigned n;
	(void)state;

	assert_true(gic > 0);
	for (size_t i = 0; i < ARRAY_SIZE(uarts); i++) {
		int node = fdt_path_offset(fdt, uarts[i].node);

		assert_true(node > 0);
		assert_int_equal(dt_read_interrupts(fdt, node, gic, &irq, 1, &n, &d), 0);
		assert_int_equal(n, 1);
		assert_int_equal(irq.intid, uarts[i].intid);
		assert_false(irq.ppi);
		assert_int_equal(irq.flags, 4); /* level high, from the map's parent specifier */
	}
	/* The nexus is not the GIC: a caller that needs the GIC gets the mapped interrupt's
	 * controller checked, not the nexus. */
	int node = fdt_path_offset(fdt, VX_IOFPGA "/serial@a0000");
	int other = fdt_path_offset(fdt, "/bus@8000000");
	assert_int_equal(dt_read_interrupts(fdt, node, other, &irq, 1, &n, &d), -EINVAL);
	assert_string_equal(d.msg, VX_IOFPGA "/serial@a0000: property 'interrupts' entry 0 is "
					     "mapped to /interrupt-controller@2c001000, not the "
					     "GIC /bus@8000000");
	free(fdt);

	expect_error("vexpress-map-none", -EINVAL,
		     "/bus@8000000: property 'interrupt-map' has no entry for 'interrupts' entry "
		     "0 of " VX_IOFPGA "/serial@90000");
	expect_error("vexpress-map-mask", -EINVAL,
		     "/bus@8000000: property 'interrupt-map-mask' is 4 bytes, expected 8 "
		     "(#address-cells 1 + #interrupt-cells 1)");
	expect_error("vexpress-map-cut", -EINVAL,
		     "/bus@8000000: property 'interrupt-map' entry 0 is cut off");
	expect_error("vexpress-map-phandle", -EINVAL,
		     "/bus@8000000: property 'interrupt-map' entry 0 refers to phandle 0x1234, "
		     "which no node has");
}

static void test_bad_blob(void **state)
{
	(void)state;
	expect_error("garbage", -EINVAL, "dtb: bad header: FDT_ERR_BADMAGIC");
	expect_error("trunc-header", -EINVAL, "dtb: bad header: FDT_ERR_BADVERSION");
	expect_error("trunc-body", -EINVAL, "dtb: malformed structure: FDT_ERR_BADSTRUCTURE");
	expect_error("huge-totalsize", -EINVAL,
		     "dtb: totalsize 2147483647 bytes exceeds the 2097152-byte limit");
}

static void test_bad_gic(void **state)
{
	(void)state;
	expect_error("no-gic", -ENOENT,
		     "/: no GIC found (need a node compatible with \"arm,cortex-a15-gic\", "
		     "\"arm,gic-400\" or \"arm,cortex-a7-gic\")");
	expect_error("virt-gicv3", -EINVAL,
		     "/intc@8000000: GICv3 (\"arm,gic-v3\") is unsupported: Bulkhead needs a GICv2 "
		     "with virtualization extensions (QEMU: -M virt,gic-version=2)");
	expect_error(
		"gic-reg2", -EINVAL,
		"/intc@8000000: property 'reg' has 2 regions, GICv2 needs 4 (GICD, GICC, GICH, "
		"GICV)");
	expect_error("gic-reg-odd", -EINVAL,
		     "/intc@8000000: property 'reg' is 20 bytes, not a whole number of 16-byte "
		     "entries (#address-cells 2, #size-cells 2 in /)");
	expect_error("gic-no-maint", -ENOENT,
		     "/intc@8000000: property 'interrupts' missing (the GICv2 maintenance "
		     "interrupt)");
	expect_error("gic-maint-spi", -EINVAL,
		     "/intc@8000000: property 'interrupts' gives INTID 41, the maintenance "
		     "interrupt must be a PPI");
	expect_error("gic-irq-cells2", -EINVAL,
		     "/intc@8000000: property '#interrupt-cells' is 2, the GIC binding needs 3 "
		     "(reading 'interrupts' of /intc@8000000)");
	expect_error("bad-phandle", -EINVAL,
		     "/: property 'interrupt-parent' refers to phandle 0x1234, which no node has "
		     "(resolving 'interrupts' of /intc@8000000)");
}

static void test_bad_console(void **state)
{
	(void)state;
	expect_error("no-stdout", -ENOENT, "/chosen: property 'stdout-path' missing");
	expect_error("no-chosen", -ENOENT, "/chosen: node missing");
	expect_error("stdout-pl061", -EINVAL,
		     "/chosen: property 'stdout-path' points to /pl061@9030000, which is not "
		     "compatible with \"arm,pl011\"");
	expect_error("stdout-nowhere", -ENOENT,
		     "/chosen: property 'stdout-path' points to '/serial@1234', which does not "
		     "exist");
	expect_error(
		"stdout-bad-alias", -ENOENT,
		"/chosen: property 'stdout-path' names alias 'serial7', which /aliases does not "
		"define");
	expect_error(
		"irq-bad-type", -EINVAL,
		"/pl011@9000000: property 'interrupts' entry 0 has type 2, expected 0 (SPI) or "
		"1 (PPI)");
	expect_error(
		"irq-ppi-range", -EINVAL,
		"/pl011@9000000: property 'interrupts' entry 0: PPI 16 is out of range (0-15)");
	expect_error("uart-irq-parent", -EINVAL,
		     "/pl011@9000000: interrupt parent is /pl061@9030000, not the GIC "
		     "/intc@8000000");
	expect_error("vexpress-alias-nowhere", -ENOENT,
		     "/aliases: property 'serial0' points to '/nowhere', which does not exist");
	expect_error("vexpress-alias-pl031", -EINVAL,
		     "/aliases: property 'serial0' points to " VX_IOFPGA "/rtc@170000, which is "
		     "not compatible with \"arm,pl011\"");
	expect_error("soc-no-ranges", -EINVAL,
		     "/soc: property 'ranges' missing, so 'reg' of /soc/serial@0 is not a CPU "
		     "address");
	expect_error("soc-outside-ranges", -EINVAL,
		     "/soc/serial@0: property 'reg' entry 0 (0x0, size 0x1000) is outside the "
		     "'ranges' of /soc");
}

static void test_bad_cells(void **state)
{
	(void)state;
	expect_error("addr-cells3", -EINVAL,
		     "/: property '#address-cells' is 3, must be 1 or 2 (reading 'reg' of "
		     "/pl011@9000000)");
	expect_error("size-cells-bytes", -EINVAL,
		     "/: property '#size-cells' is 8 bytes, expected 4");
	expect_error("cpus-addr-cells3", -EINVAL,
		     "/cpus: property '#address-cells' is 3, must be 1 or 2 (reading 'reg' of "
		     "/cpus/cpu@0)");
}

static void test_bad_timer(void **state)
{
	(void)state;
	expect_error("timer-3irqs", -EINVAL,
		     "/timer: property 'interrupts' has 3 entries, need 4 (secure phys, non-secure "
		     "phys, virt, hyp)");
	expect_error("timer-spi", -EINVAL,
		     "/timer: property 'interrupts' entry 2 (virt timer) is INTID 43, not a PPI");
	expect_error("timer-freq0", -EINVAL, "/timer: property 'clock-frequency' is 0");
	expect_error("no-timer", -ENOENT,
		     "/: no timer found (need a node compatible with \"arm,armv7-timer\")");
}

static void test_bad_memory(void **state)
{
	(void)state;
	expect_error("no-memory", -ENOENT,
		     "/: no memory node (need a node with device_type = \"memory\")");
	expect_error("mem-size0", -EINVAL, "/memory@40000000: property 'reg' entry 0 has size 0");
	expect_error(
		"mem-overlap", -EINVAL,
		"/memory@50000000: RAM 0x50000000-0x50000fff overlaps RAM 0x40000000-0x7fffffff "
		"of /memory@40000000");
	expect_error("mem-too-many", -E2BIG,
		     "/memory@40000000: property 'reg' brings the RAM banks to 9, more than "
		     "PLAT_MAX_RAM_BANKS (8)");
	expect_error("mem-above-40bit", -EINVAL,
		     "/memory@40000000: property 'reg' entry 0 (0x10000000000, size 0x1000) lies "
		     "beyond the 40-bit physical address space");
}

static void test_bad_cpus(void **state)
{
	(void)state;
	/* fdtput put cpu@8 first in /cpus, so the ninth in DT order is cpu@7. */
	expect_error("cpus-9", -E2BIG, "/cpus/cpu@7: more than PLAT_MAX_CPUS (8) CPUs");
	expect_error("cpus-none", -ENOENT,
		     "/cpus: no cpu nodes (need a child with device_type = \"cpu\")");
	expect_error("cpu-dup", -EINVAL,
		     "/cpus/cpu@1: property 'reg' 0x0 is also the reg of /cpus/cpu@0");
	expect_error("cpu-bad-mpidr", -EINVAL,
		     "/cpus/cpu@1: property 'reg' is 0x80000001, not an MPIDR affinity value (bits "
		     "above 23 set)");
}

static void test_bad_psci(void **state)
{
	(void)state;
	expect_error("psci-bad-method", -EINVAL,
		     "/psci: property 'method' is \"svc\", expected \"smc\" or \"hvc\"");
	expect_error("psci-no-method", -ENOENT, "/psci: property 'method' missing");
}

/* A NULL diag is allowed: errors still come back as return codes. */
static void test_null_diag(void **state)
{
	struct platform p;
	void *fdt = load("no-gic");
	(void)state;

	assert_int_equal(platform_discover(fdt, &p, NULL), -ENOENT);
	free(fdt);
}

/* The console is found before anything else can fail, so the caller can print the error. */
static void test_console_survives_later_error(void **state)
{
	struct platform p;
	struct diag d;
	(void)state;

	assert_int_equal(discover("no-memory", &p, &d), -ENOENT);
	assert_int_equal(p.uart.reg.base, 0x09000000);
	assert_int_equal(p.uart.reg.size, 0x1000);
	assert_int_equal(discover("no-stdout", &p, &d), -ENOENT);
	assert_int_equal(p.uart.reg.size, 0);
}

/* The wrapper's helpers on their own, where platform discovery does not reach every branch. */
static void test_dt_helpers(void **state)
{
	void *fdt = load("stdout-alias");
	struct diag d;
	char small[12];
	const char *s;
	uint32_t v;
	int node;
	(void)state;

	node = fdt_path_offset(fdt, "/pl011@9000000");
	assert_true(node > 0);
	assert_string_equal(dt_path(fdt, node, small, sizeof(small)), ".../pl011@9");
	assert_int_equal(dt_stdout_node(fdt, &node, &d), 0);
	assert_int_equal(node, fdt_path_offset(fdt, "/pl011@9000000"));

	assert_int_equal(dt_read_u32(fdt, node, "nonexistent", &v, &d), -ENOENT);
	assert_string_equal(d.msg, "/pl011@9000000: property 'nonexistent' missing");
	assert_int_equal(dt_read_u32(fdt, node, "reg", &v, &d), -EINVAL);
	assert_string_equal(d.msg, "/pl011@9000000: property 'reg' is 16 bytes, expected 4");
	assert_int_equal(dt_read_string(fdt, node, "reg", &s, &d), -EINVAL);
	assert_string_equal(d.msg, "/pl011@9000000: property 'reg' is not a non-empty string");
	assert_int_equal(dt_read_string(fdt, node, "compatible", &s, &d), 0);
	assert_string_equal(s, "arm,pl011");

	/* The root has no parent whose cells could describe a reg. */
	struct dt_reg r;
	unsigned n;
	assert_int_equal(dt_read_reg(fdt, 0, &r, 1, &n, &d), -EINVAL);
	assert_string_equal(d.msg, "/: property 'reg' on a node without a parent");

	/* Reading fewer entries than the property has still reports the full count. */
	node = fdt_path_offset(fdt, "/intc@8000000");
	assert_int_equal(dt_read_reg(fdt, node, &r, 1, &n, &d), 0);
	assert_int_equal(n, 4);
	assert_int_equal(r.base, 0x08000000);
	free(fdt);
}

/* Random damage to a good tree: discovery may succeed or fail, but must return a sane code and
 * one line, and ASan/UBSan must stay quiet. Fixed seed, so a failure reproduces. */
static void test_fuzz(void **state)
{
	uint8_t *fdt = load("virt-smp2-m1024");
	uint32_t size = fdt_totalsize(fdt),
		 end = fdt_off_dt_strings(fdt) + fdt_size_dt_strings(fdt);
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	unsigned failures = 0;
	(void)state;

	assert_true(end <= size);
	for (int iter = 0; iter < 4000; iter++) {
		struct {
			uint32_t off;
			uint8_t old;
		} saved[4];
		unsigned nsaved = 1 + (unsigned)(iter % 4);
		struct platform p;
		struct diag d;

		for (unsigned i = 0; i < nsaved; i++) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			saved[i].off =
				(uint32_t)(seed >> 33) % end; /* header, structure, strings */
			saved[i].old = fdt[saved[i].off];
			fdt[saved[i].off] = (uint8_t)(seed >> 13);
		}
		memset(&d, 0, sizeof(d));
		int ret = platform_discover(fdt, &p, &d);
		if (ret) {
			failures++;
			assert_true(ret == -EINVAL || ret == -ENOENT || ret == -E2BIG);
			assert_true(strlen(d.msg) > 0 && strlen(d.msg) < sizeof(d.msg));
			assert_null(strchr(d.msg, '\n'));
		}
		while (nsaved--)
			fdt[saved[nsaved].off] = saved[nsaved].old;
	}
	assert_true(failures > 100); /* the damage did reach the parser */
	free(fdt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qemu_virt),
		cmocka_unit_test(test_good_variants),
		cmocka_unit_test(test_qemu_vexpress),
		cmocka_unit_test(test_interrupt_map),
		cmocka_unit_test(test_bad_blob),
		cmocka_unit_test(test_bad_gic),
		cmocka_unit_test(test_bad_console),
		cmocka_unit_test(test_bad_cells),
		cmocka_unit_test(test_bad_timer),
		cmocka_unit_test(test_bad_memory),
		cmocka_unit_test(test_bad_cpus),
		cmocka_unit_test(test_bad_psci),
		cmocka_unit_test(test_null_diag),
		cmocka_unit_test(test_console_survives_later_error),
		cmocka_unit_test(test_dt_helpers),
		cmocka_unit_test(test_fuzz),
	};

	dtb_dir = getenv("BULKHEAD_TEST_DTB_DIR");
	if (!dtb_dir || !*dtb_dir) {
		fprintf(stderr, "test_platform: set BULKHEAD_TEST_DTB_DIR to a directory filled by "
				"tests/unit/dtb/make-dtbs.sh\n");
		return 1;
	}
	return cmocka_run_group_tests_name("platform", tests, NULL, NULL);
}
