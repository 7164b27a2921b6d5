/* Unit tests for the guest device tree generator (hyp/guest_dt.c).
 *
 * The platform is QEMU's own virt DTB with 4 CPUs and 1 GiB (tests/unit/dtb/make-dtbs.sh, in
 * $BULKHEAD_TEST_DTB_DIR), discovered with platform_discover(); tests that need other platform
 * content (a device behind a bus, a clock controller, dropped properties, timer flags) edit a
 * copy of it with libfdt first. The partition is built by hand (base_cfg()), so each test states
 * exactly what the generator is given; the last tests run it over every partition config_parse()
 * accepts in the config fixtures ($BULKHEAD_TEST_CONFIG_DIR). The generated tree is checked with
 * libfdt's read API, value by value, and must pass `dtc -I dtb -O dts` without a warning.
 * Every build writes into a buffer followed by a guard area that must stay untouched. Addresses
 * are QEMU 7.2 virt's; they belong here, never in the hypervisor.
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
#include <unistd.h>

#include "hyp/config.h"
#include "hyp/dt.h"
#include "hyp/guest_dt.h"

#define BOARD "virt-smp4-m1024"
#define PLAT_ROOM 0x4000 /* room for edits to the platform tree */
#define GUARD 4096	 /* bytes after the buffer that no build may touch */
#define GUARD_BYTE 0xa5
#define OUT_SIZE (2 * GUEST_DT_MAX_SIZE) /* so the GUEST_DT_MAX_SIZE bound is observable */

/* QEMU virt's layout (what platform_discover finds in BOARD). */
#define UART_BASE 0x9000000u
#define UART_INTID 33u /* SPI 1 */
#define GICV_SIZE 0x10000u
#define PLAT_GIC_PHANDLE 0x8005u /* QEMU's phandle of /intc@8000000 */
#define PLAT_CLK_PHANDLE 0x8000u /* QEMU's phandle of /apb-pclk */

/* The partition of base_cfg(). */
#define NAME "linux-1"
#define GICD_IPA 0x2c000000u
#define GICC_IPA 0x2c010000u
#define INITRD_START 0x48000000u
#define INITRD_SIZE 0x123456u
#define BOOTARGS "console=ttyAMA0 earlycon"
#define LINE(s) "partition '" NAME "': guest device tree: " s

static const char *dtb_dir, *config_dir;

struct fx {
	uint8_t *plat_fdt; /* the platform tree, editable */
	struct platform plat;
	struct part_config cfg;
	struct guest_dt_input in;
	uint8_t *out; /* OUT_SIZE + GUARD bytes, 8-byte aligned */
	struct diag d;
};

static void *load_file(const char *dir, const char *name, size_t room)
{
	char path[512];
	size_t n;
	FILE *f;
	void *buf = aligned_alloc(8, DT_MAX_SIZE);

	assert_non_null(buf);
	memset(buf, 0, DT_MAX_SIZE);
	snprintf(path, sizeof(path), "%s/%s.dtb", dir, name);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s (run make unit, which builds it)", path);
	n = fread(buf, 1, DT_MAX_SIZE, f);
	assert_true(n > 0 && feof(f));
	fclose(f);
	if (room)
		assert_int_equal(fdt_open_into(buf, buf, (int)(fdt_totalsize(buf) + room)), 0);
	return buf;
}

static void rediscover(struct fx *f)
{
	struct diag d = {""};

	if (platform_discover(f->plat_fdt, &f->plat, &d))
		fail_msg("platform_discover: %s", d.msg);
}

/* Two vCPUs pinned to physical CPUs 2 and 1 (the guest still sees cpu@0 and cpu@1); four
 * regions of which two are RAM to the guest; two devices; the GIC away from QEMU's place. */
static void base_cfg(struct part_config *c)
{
	memset(c, 0, sizeof(*c));
	strcpy(c->name, NAME);
	strcpy(c->path, "/chosen/bulkhead/linux");
	c->nr_vcpus = 2;
	c->vcpu_mpidr[0] = 2;
	c->vcpu_mpidr[1] = 1;
	c->regions[0] = (struct part_region){
		0x40000000, 0x50000000, MiB(256), {PGT_PERM_RWX, PGT_MEM_NORMAL_WB}};
	c->regions[1] = (struct part_region){
		0x80000000, 0x60000000, MiB(2), {PGT_PERM_RW, PGT_MEM_NORMAL_NC}};
	c->regions[2] =
		(struct part_region){0x4000000, 0x4000000, MiB(16), {PGT_PERM_R, PGT_MEM_DEVICE}};
	c->regions[3] = (struct part_region){
		0x90000000, 0x61000000, MiB(1), {PGT_PERM_RX, PGT_MEM_NORMAL_WB}};
	c->nr_regions = 4;
	strcpy(c->devices[0].path, "/pl031@9010000");
	strcpy(c->devices[1].path, "/virtio_mmio@a000000");
	c->nr_devices = 2;
	strcpy(c->bootargs, BOOTARGS);
	c->gicd_ipa = GICD_IPA;
	c->gicc_ipa = GICC_IPA;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->plat_fdt = load_file(dtb_dir, BOARD, PLAT_ROOM);
	rediscover(f);
	base_cfg(&f->cfg);
	f->in = (struct guest_dt_input){
		.cfg = &f->cfg,
		.plat = &f->plat,
		.plat_fdt = f->plat_fdt,
		.initrd_start = INITRD_START,
		.initrd_size = INITRD_SIZE,
		.vuart_base = UART_BASE,
		.vuart_intid = UART_INTID,
	};
	f->out = aligned_alloc(8, OUT_SIZE + GUARD);
	assert_non_null(f->out);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	free(f->plat_fdt);
	free(f->out);
	free(f);
	return 0;
}

/* Builds into the first size bytes of f->out; nothing from size on may change. */
static int build_n(struct fx *f, size_t size)
{
	int ret;

	memset(f->out, GUARD_BYTE, OUT_SIZE + GUARD);
	memset(&f->d, 0, sizeof(f->d));
	ret = guest_dt_build(&f->in, f->out, size, &f->d);
	for (size_t i = size; i < OUT_SIZE + GUARD; i++)
		if (f->out[i] != GUARD_BYTE)
			fail_msg("byte %zu written, beyond the %zu-byte buffer", i, size);
	return ret;
}

/* Builds with a 64 KiB buffer and checks the result is one valid tree. */
static const void *build(struct fx *f)
{
	int ret = build_n(f, GUEST_DT_MAX_SIZE);

	if (ret < 0)
		fail_msg("guest_dt_build: %d \"%s\"", ret, f->d.msg);
	assert_int_equal(fdt_check_header(f->out), 0);
	assert_int_equal(fdt_check_full(f->out, (size_t)ret), 0);
	assert_int_equal(fdt_totalsize(f->out), ret);
	assert_true(ret <= (int)GUEST_DT_MAX_SIZE);
	return f->out;
}

static void expect_error(struct fx *f, size_t size, int err, const char *line)
{
	int ret = build_n(f, size);

	if (ret != err || strcmp(f->d.msg, line))
		fail_msg("got %d \"%s\"\n\texpected %d \"%s\"", ret, f->d.msg, err, line);
}

/* --- reading the result --------------------------------------------------------------------- */

static int node(const void *fdt, const char *path)
{
	int n = fdt_path_offset(fdt, path);

	if (n < 0)
		fail_msg("no node %s: %s", path, fdt_strerror(n));
	return n;
}

static void no_node(const void *fdt, const char *path)
{
	if (fdt_path_offset(fdt, path) >= 0)
		fail_msg("unexpected node %s", path);
}

static const void *get(const void *fdt, const char *path, const char *prop, int *len)
{
	const void *v = fdt_getprop(fdt, node(fdt, path), prop, len);

	if (!v)
		fail_msg("%s: no property %s", path, prop);
	return v;
}

static void no_prop(const void *fdt, const char *path, const char *prop)
{
	if (fdt_getprop(fdt, node(fdt, path), prop, NULL))
		fail_msg("%s: unexpected property %s", path, prop);
}

static void check_cells(const void *fdt, const char *path, const char *prop, const uint32_t *want,
			size_t n)
{
	int len;
	const fdt32_t *v = get(fdt, path, prop, &len);

	if ((size_t)len != n * 4)
		fail_msg("%s: %s is %d bytes, expected %zu", path, prop, len, n * 4);
	for (size_t i = 0; i < n; i++)
		if (fdt32_ld(&v[i]) != want[i])
			fail_msg("%s: %s cell %zu is 0x%x, expected 0x%x", path, prop, i,
				 fdt32_ld(&v[i]), want[i]);
}

#define CELLS(fdt, path, prop, ...)                                                                \
	do {                                                                                       \
		const uint32_t want_[] = {__VA_ARGS__};                                            \
		check_cells(fdt, path, prop, want_, ARRAY_SIZE(want_));                            \
	} while (0)

/* A property's exact bytes: STRS(fdt, "/x", "compatible", "a\0b") checks the list "a", "b". */
static void check_bytes(const void *fdt, const char *path, const char *prop, const void *want,
			size_t n)
{
	int len;
	const void *v = get(fdt, path, prop, &len);

	if ((size_t)len != n || memcmp(v, want, n))
		fail_msg("%s: %s is \"%.*s\" (%d bytes), expected \"%.*s\"", path, prop, len,
			 (const char *)v, len, (int)n, (const char *)want);
}

#define STRS(fdt, path, prop, lit) check_bytes(fdt, path, prop, lit, sizeof(lit))

static void check_empty(const void *fdt, const char *path, const char *prop)
{
	int len;

	get(fdt, path, prop, &len);
	assert_int_equal(len, 0);
}

static uint32_t phandle_of(const void *fdt, const char *path)
{
	uint32_t ph = fdt_get_phandle(fdt, node(fdt, path));

	assert_true(ph != 0 && ph != UINT32_MAX);
	return ph;
}

/* Nodes anywhere in the tree whose property prop is the string value. */
static unsigned count_nodes(const void *fdt, const char *prop, const char *value)
{
	unsigned n = 0;
	int depth = 0;

	for (int off = 0; off >= 0 && depth >= 0; off = fdt_next_node(fdt, off, &depth)) {
		const char *v = fdt_getprop(fdt, off, prop, NULL);

		n += v && !strcmp(v, value);
	}
	return n;
}

static unsigned count_children(const void *fdt, const char *path)
{
	unsigned n = 0;
	int child;

	fdt_for_each_subnode(child, fdt, node(fdt, path)) n++;
	return n;
}

/* Every phandle-valued property the generator writes resolves in the tree itself. */
static void check_references(const void *fdt)
{
	static const char *const refs[] = {"interrupt-parent", "clocks"};
	int depth = 0;

	for (int off = 0; off >= 0 && depth >= 0; off = fdt_next_node(fdt, off, &depth)) {
		for (unsigned r = 0; r < ARRAY_SIZE(refs); r++) {
			int len;
			const fdt32_t *v = fdt_getprop(fdt, off, refs[r], &len);

			for (int i = 0; v && i < len / 4; i++)
				if (fdt_node_offset_by_phandle(fdt, fdt32_ld(&v[i])) < 0)
					fail_msg("%s: %s entry %d: phandle 0x%x names no node",
						 fdt_get_name(fdt, off, NULL), refs[r], i,
						 fdt32_ld(&v[i]));
		}
	}
}

/* --- editing the platform tree ------------------------------------------------------------- */

static int plat_node(struct fx *f, const char *path)
{
	int n = fdt_path_offset(f->plat_fdt, path);

	if (n < 0)
		fail_msg("platform: no node %s", path);
	return n;
}

static void plat_cells(struct fx *f, const char *path, const char *prop, const uint32_t *v,
		       size_t n)
{
	fdt32_t be[16];

	assert_true(n <= ARRAY_SIZE(be));
	for (size_t i = 0; i < n; i++)
		be[i] = cpu_to_fdt32(v[i]);
	assert_int_equal(fdt_setprop(f->plat_fdt, plat_node(f, path), prop, be, (int)(n * 4)), 0);
}

#define PLAT_CELLS(f, path, prop, ...)                                                             \
	do {                                                                                       \
		const uint32_t v_[] = {__VA_ARGS__};                                               \
		plat_cells(f, path, prop, v_, ARRAY_SIZE(v_));                                     \
	} while (0)

static void plat_add_node(struct fx *f, const char *parent, const char *name)
{
	assert_true(fdt_add_subnode(f->plat_fdt, plat_node(f, parent), name) >= 0);
}

static void plat_str(struct fx *f, const char *path, const char *prop, const char *s)
{
	assert_int_equal(fdt_setprop_string(f->plat_fdt, plat_node(f, path), prop, s), 0);
}

/* --- the tree, node by node ----------------------------------------------------------------- */

static void test_root(void **state)
{
	struct fx *f = *state;
	const void *fdt = build(f);

	CELLS(fdt, "/", "#address-cells", 2);
	CELLS(fdt, "/", "#size-cells", 2);
	STRS(fdt, "/", "compatible", "bulkhead,partition-guest");
	STRS(fdt, "/", "model", "Bulkhead partition " NAME);
	CELLS(fdt, "/", "interrupt-parent", phandle_of(fdt, "/intc@2c000000"));
	/* No memory reservations: Linux reserves the tree and the initrd itself. */
	assert_int_equal(fdt_num_mem_rsv(fdt), 0);
	check_references(fdt);
}

static void test_chosen(void **state)
{
	struct fx *f = *state;
	const void *fdt = build(f);
	int len;
	const char *out;

	STRS(fdt, "/chosen", "bootargs", BOOTARGS);
	CELLS(fdt, "/chosen", "linux,initrd-start", 0, INITRD_START);
	CELLS(fdt, "/chosen", "linux,initrd-end", 0, INITRD_START + INITRD_SIZE);
	STRS(fdt, "/chosen", "stdout-path", "/pl011@9000000");
	out = get(fdt, "/chosen", "stdout-path", &len);
	assert_int_equal(fdt_path_offset(fdt, out), node(fdt, "/pl011@9000000"));
	STRS(fdt, "/aliases", "serial0", "/pl011@9000000");
	assert_int_equal(count_children(fdt, "/chosen"), 0);
}

static void test_chosen_empty(void **state)
{
	struct fx *f = *state;
	const void *fdt;

	f->cfg.bootargs[0] = '\0';
	f->in.initrd_size = 0;
	f->in.initrd_start = INITRD_START; /* ignored without a size */
	f->in.vuart_intid = 0;
	fdt = build(f);
	node(fdt, "/chosen");
	assert_int_equal(fdt_first_property_offset(fdt, node(fdt, "/chosen")), -FDT_ERR_NOTFOUND);
	no_node(fdt, "/aliases");
}

static void test_initrd_above_4g(void **state)
{
	struct fx *f = *state;
	const void *fdt;

	f->in.initrd_start = 0xfffff000ull;
	f->in.initrd_size = 0x2000;
	fdt = build(f);
	CELLS(fdt, "/chosen", "linux,initrd-start", 0, 0xfffff000);
	CELLS(fdt, "/chosen", "linux,initrd-end", 1, 0x1000);
}

/* RAM: the write-back and the non-cacheable region; not the device region, not the read-only
 * one. */
static void test_memory(void **state)
{
	struct fx *f = *state;
	const void *fdt = build(f);

	CELLS(fdt, "/memory@40000000", "reg", 0, 0x40000000, 0, 0x10000000);
	STRS(fdt, "/memory@40000000", "device_type", "memory");
	CELLS(fdt, "/memory@80000000", "reg", 0, 0x80000000, 0, 0x200000);
	STRS(fdt, "/memory@80000000", "device_type", "memory");
	no_node(fdt, "/memory@4000000");
	no_node(fdt, "/memory@90000000");
	assert_int_equal(count_nodes(fdt, "device_type", "memory"), 2);
}

static void test_memory_many(void **state)
{
	struct fx *f = *state;
	const void *fdt;
	char path[64];

	f->cfg.nr_regions = CONFIG_MAX_REGIONS;
	for (unsigned i = 0; i < CONFIG_MAX_REGIONS; i++)
		f->cfg.regions[i] = (struct part_region){GiB(1) + i * MiB(4) + (uint64_t)i * GiB(4),
							 0x50000000 + i * MiB(4),
							 MiB(2) + i * PAGE_SIZE,
							 {PGT_PERM_RW, PGT_MEM_NORMAL_WB}};
	fdt = build(f);
	assert_int_equal(count_nodes(fdt, "device_type", "memory"), CONFIG_MAX_REGIONS);
	for (unsigned i = 0; i < CONFIG_MAX_REGIONS; i++) {
		const struct part_region *r = &f->cfg.regions[i];

		snprintf(path, sizeof(path), "/memory@%llx", (unsigned long long)r->ipa);
		CELLS(fdt, path, "reg", (uint32_t)(r->ipa >> 32), (uint32_t)r->ipa, 0,
		      (uint32_t)r->size);
	}
}

/* No region is RAM to the guest (a bare-metal guest in read-only memory): no /memory, and the
 * tree is still built, since the partition may not read it. */
static void test_no_memory(void **state)
{
	struct fx *f = *state;
	const void *fdt;

	f->cfg.regions[0] = f->cfg.regions[3];
	f->cfg.regions[1] = f->cfg.regions[2];
	f->cfg.nr_regions = 2;
	fdt = build(f);
	assert_int_equal(count_nodes(fdt, "device_type", "memory"), 0);
	node(fdt, "/cpus/cpu@1");
}

static void check_cpu(const void *fdt, unsigned i)
{
	char path[32];

	snprintf(path, sizeof(path), "/cpus/cpu@%x", i);
	STRS(fdt, path, "device_type", "cpu");
	STRS(fdt, path, "compatible", "arm,cortex-a15");
	CELLS(fdt, path, "reg", i);
	STRS(fdt, path, "enable-method", "psci");
}

/* vCPU i is cpu@i with reg i (its virtual MPIDR), whatever CPU it is pinned to. */
static void test_cpus_two(void **state)
{
	struct fx *f = *state;
	const void *fdt = build(f);

	CELLS(fdt, "/cpus", "#address-cells", 1);
	CELLS(fdt, "/cpus", "#size-cells", 0);
	assert_int_equal(count_children(fdt, "/cpus"), 2);
	check_cpu(fdt, 0);
	check_cpu(fdt, 1);
	no_node(fdt, "/cpus/cpu@2");
}

static void test_cpus_one(void **state)
{
	struct fx *f = *state;
	const void *fdt;

	f->cfg.nr_vcpus = 1;
	fdt = build(f);
	assert_int_equal(count_children(fdt, "/cpus"), 1);
	check_cpu(fdt, 0);
	/* The timer's PPIs are wired to the one CPU. */
	CELLS(fdt, "/timer", "interrupts", 1, 13, 0x104, 1, 14, 0x104, 1, 11, 0x104, 1, 10, 0x104);
}

static void test_cpus_eight(void **state)
{
	struct fx *f = *state;
	const void *fdt;

	f->cfg.nr_vcpus = CONFIG_MAX_VCPUS;
	for (unsigned i = 0; i < CONFIG_MAX_VCPUS; i++)
		f->cfg.vcpu_mpidr[i] = i % 4; /* time-sliced two per CPU */
	fdt = build(f);
	assert_int_equal(count_children(fdt, "/cpus"), CONFIG_MAX_VCPUS);
	for (unsigned i = 0; i < CONFIG_MAX_VCPUS; i++)
		check_cpu(fdt, i);
	CELLS(fdt, "/timer", "interrupts", 1, 13, 0xff04, 1, 14, 0xff04, 1, 11, 0xff04, 1, 10,
	      0xff04);
}

static void test_cpu_not_in_platform(void **state)
{
	struct fx *f = *state;

	f->cfg.vcpu_mpidr[1] = 7;
	expect_error(f, GUEST_DT_MAX_SIZE, -EINVAL, LINE("vCPU 1: no platform CPU has MPIDR 0x7"));
}

/* hyp/psci.c: PSCI 1.1 over HVC; CPU_SUSPEND, CPU_OFF, CPU_ON but not MIGRATE. */
static void test_psci(void **state)
{
	struct fx *f = *state;
	const void *fdt = build(f);

	STRS(fdt, "/psci", "compatible", "arm,psci-1.0\0arm,psci-0.2\0arm,psci");
	STRS(fdt, "/psci", "method", "hvc");
	CELLS(fdt, "/psci", "cpu_suspend", 0x84000001);
	CELLS(fdt, "/psci", "cpu_off", 0x84000002);
	CELLS(fdt, "/psci", "cpu_on", 0x84000003);
	no_prop(fdt, "/psci", "migrate");
}

static void test_gic(void **state)
{
	struct fx *f = *state;
	const void *fdt = build(f);
	const char *gic = "/intc@2c000000";

	STRS(fdt, gic, "compatible", "arm,cortex-a15-gic");
	CELLS(fdt, gic, "#interrupt-cells", 3);
	check_empty(fdt, gic, "interrupt-controller");
	CELLS(fdt, gic, "#address-cells", 0);
	/* GICD: the emulated 4 KiB frame; GICC: the platform's GICV, whole. */
	CELLS(fdt, gic, "reg", 0, GICD_IPA, 0, 0x1000, 0, GICC_IPA, 0, GICV_SIZE);
	assert_int_equal(f->plat.gic.vcpu.size, GICV_SIZE);
	/* No maintenance interrupt, no GICH/GICV, no v2m child. */
	no_prop(fdt, gic, "interrupts");
	assert_int_equal(count_children(fdt, gic), 0);
	no_node(fdt, "/intc@8000000");
}

/* QEMU's encoding: <GIC_PPI n flags>, flags = level-high (4) | CPU mask << 8, here the two vCPUs;
 * the rest of the platform's flags cell is kept. */
static void test_timer(void **state)
{
	struct fx *f = *state;
	const void *fdt = build(f);
	int len, plen;
	const fdt32_t *v, *pv;

	STRS(fdt, "/timer", "compatible", "arm,armv7-timer");
	CELLS(fdt, "/timer", "interrupts", 1, 13, 0x304, 1, 14, 0x304, 1, 11, 0x304, 1, 10, 0x304);
	check_empty(fdt, "/timer", "always-on");
	no_prop(fdt, "/timer", "clock-frequency");
	/* Against the platform node: the same PPIs and trigger, another CPU mask. */
	v = get(fdt, "/timer", "interrupts", &len);
	pv = get(f->plat_fdt, "/timer", "interrupts", &plen);
	assert_int_equal(len, plen);
	for (int i = 0; i < len / 4; i++)
		assert_int_equal(fdt32_ld(&v[i]), i % 3 == 2 ? (fdt32_ld(&pv[i]) & ~0xff00u) | 0x300
							     : fdt32_ld(&pv[i]));
}

/* A platform timer without always-on, with an explicit frequency and (wrongly) edge-triggered
 * PPIs: no always-on, the frequency, and level-low, what Linux assumes for a bad trigger. */
static void test_timer_platform_variants(void **state)
{
	struct fx *f = *state;
	const void *fdt;

	assert_int_equal(fdt_delprop(f->plat_fdt, plat_node(f, "/timer"), "always-on"), 0);
	PLAT_CELLS(f, "/timer", "clock-frequency", 62500000);
	PLAT_CELLS(f, "/timer", "interrupts", 1, 13, 0xf01, 1, 14, 0xf08, 1, 11, 0xf02, 1, 10,
		   0xf04);
	rediscover(f);
	fdt = build(f);
	no_prop(fdt, "/timer", "always-on");
	CELLS(fdt, "/timer", "clock-frequency", 62500000);
	CELLS(fdt, "/timer", "interrupts", 1, 13, 0x308, 1, 14, 0x308, 1, 11, 0x308, 1, 10, 0x304);
}

/* The emulated PL011 at the console's address, its SPI, and a 24 MHz clock shared with the
 * PL031 (both name QEMU's /apb-pclk, which is copied once). */
static void test_vuart(void **state)
{
	struct fx *f = *state;
	const void *fdt = build(f);
	const char *u = "/pl011@9000000";
	uint32_t clk = phandle_of(fdt, "/apb-pclk");

	STRS(fdt, u, "compatible", "arm,pl011\0arm,primecell");
	CELLS(fdt, u, "reg", 0, UART_BASE, 0, 0x1000);
	CELLS(fdt, u, "interrupts", 0, UART_INTID - 32, 4);
	CELLS(fdt, u, "clocks", clk, clk);
	STRS(fdt, u, "clock-names", "uartclk\0apb_pclk");
	CELLS(fdt, u, "arm,primecell-periphid", 0x00241011);
	STRS(fdt, "/apb-pclk", "compatible", "fixed-clock");
	CELLS(fdt, "/apb-pclk", "#clock-cells", 0);
	CELLS(fdt, "/apb-pclk", "clock-frequency", 24000000);
	STRS(fdt, "/apb-pclk", "clock-output-names", "clk24mhz"); /* copied from QEMU's */
	assert_int_equal(count_nodes(fdt, "compatible", "fixed-clock"), 1);
	CELLS(fdt, "/pl031@9010000", "clocks", clk);
}

/* Without devices that bring a clock, the vuart's clock is generated. */
static void test_vuart_own_clock(void **state)
{
	struct fx *f = *state;
	const void *fdt;
	uint32_t clk;

	f->cfg.nr_devices = 1;
	strcpy(f->cfg.devices[0].path, "/virtio_mmio@a000000"); /* no clocks */
	f->in.vuart_base = 0x1c090000;
	f->in.vuart_intid = 37;
	fdt = build(f);
	clk = phandle_of(fdt, "/apb-pclk");
	CELLS(fdt, "/pl011@1c090000", "reg", 0, 0x1c090000, 0, 0x1000);
	CELLS(fdt, "/pl011@1c090000", "interrupts", 0, 5, 4);
	CELLS(fdt, "/pl011@1c090000", "clocks", clk, clk);
	STRS(fdt, "/chosen", "stdout-path", "/pl011@1c090000");
	STRS(fdt, "/apb-pclk", "compatible", "fixed-clock");
	CELLS(fdt, "/apb-pclk", "#clock-cells", 0);
	CELLS(fdt, "/apb-pclk", "clock-frequency", 24000000);
	no_prop(fdt, "/apb-pclk", "clock-output-names");
	no_node(fdt, "/pl011@9000000");
	check_references(fdt);
}

static void test_no_vuart(void **state)
{
	struct fx *f = *state;
	const void *fdt;

	f->in.vuart_intid = 0;
	f->cfg.nr_devices = 1;
	strcpy(f->cfg.devices[0].path, "/virtio_mmio@a000000");
	fdt = build(f);
	no_node(fdt, "/pl011@9000000");
	no_prop(fdt, "/chosen", "stdout-path");
	no_node(fdt, "/aliases");
	no_node(fdt, "/apb-pclk"); /* nothing needs a clock */
	STRS(fdt, "/chosen", "bootargs", BOOTARGS);
}

/* Passed-through devices: copied with every property, reg and interrupts as in the platform
 * tree, clocks pointing at the guest's copy of the clock, no phandle of their own. */
static void test_devices(void **state)
{
	struct fx *f = *state;
	const void *fdt = build(f);
	const char *rtc = "/pl031@9010000", *vio = "/virtio_mmio@a000000";

	STRS(fdt, rtc, "compatible", "arm,pl031\0arm,primecell");
	CELLS(fdt, rtc, "reg", 0, 0x9010000, 0, 0x1000);
	CELLS(fdt, rtc, "interrupts", 0, 2, 4);
	CELLS(fdt, rtc, "clocks", phandle_of(fdt, "/apb-pclk"));
	STRS(fdt, rtc, "clock-names", "apb_pclk");
	STRS(fdt, vio, "compatible", "virtio,mmio");
	CELLS(fdt, vio, "reg", 0, 0xa000000, 0, 0x200);
	CELLS(fdt, vio, "interrupts", 0, 16, 1);
	check_empty(fdt, vio, "dma-coherent");
	/* Exactly the platform's properties, no more. */
	for (unsigned i = 0; i < 2; i++) {
		const char *path = i ? vio : rtc;
		unsigned n = 0, pn = 0;
		int off;

		fdt_for_each_property_offset(off, fdt, node(fdt, path)) n++;
		fdt_for_each_property_offset(off, f->plat_fdt, plat_node(f, path)) pn++;
		assert_int_equal(n, pn);
	}
	assert_int_equal(fdt_get_phandle(fdt, node(fdt, rtc)), 0);
	no_node(fdt, "/virtio_mmio@a000200"); /* only what the partition has */
	no_node(fdt, "/fw-cfg@9020000");
	check_references(fdt);
}

/* interrupt-parent goes to the guest GIC; status, the node's phandle and references to nodes
 * the guest does not have are dropped; anything else is copied byte for byte. */
static void test_device_fixups(void **state)
{
	struct fx *f = *state;
	const char *rtc = "/pl031@9010000";
	const uint8_t blob[] = {1, 2, 3, 4, 5};
	const void *fdt;

	PLAT_CELLS(f, rtc, "interrupt-parent", PLAT_GIC_PHANDLE);
	PLAT_CELLS(f, rtc, "phandle", 0x9000);
	plat_str(f, rtc, "status", "disabled");
	PLAT_CELLS(f, rtc, "pinctrl-0", PLAT_CLK_PHANDLE);
	plat_str(f, rtc, "pinctrl-names", "default");
	PLAT_CELLS(f, rtc, "resets", PLAT_CLK_PHANDLE, 3);
	PLAT_CELLS(f, rtc, "vdd-supply", PLAT_CLK_PHANDLE);
	PLAT_CELLS(f, rtc, "enable-gpios", PLAT_CLK_PHANDLE, 1, 0);
	PLAT_CELLS(f, rtc, "interrupts-extended", PLAT_GIC_PHANDLE, 0, 2, 4);
	assert_int_equal(
		fdt_setprop(f->plat_fdt, plat_node(f, rtc), "vendor,blob", blob, sizeof(blob)), 0);
	plat_str(f, rtc, "interrupt-names", "alarm");
	fdt = build(f);
	CELLS(fdt, rtc, "interrupt-parent", phandle_of(fdt, "/intc@2c000000"));
	static const char *const gone[] = {
		"phandle", "status",	 "pinctrl-0",	 "pinctrl-names",
		"resets",  "vdd-supply", "enable-gpios", "interrupts-extended"};
	for (unsigned i = 0; i < ARRAY_SIZE(gone); i++)
		no_prop(fdt, rtc, gone[i]);
	check_bytes(fdt, rtc, "vendor,blob", blob, sizeof(blob));
	STRS(fdt, rtc, "interrupt-names", "alarm");
	CELLS(fdt, rtc, "interrupts", 0, 2, 4);
	check_references(fdt);
}

/* A device behind a bus: reg translated through the bus's ranges to the CPU address (the IPA:
 * devices are mapped at IPA == PA), written with two cells each, and the node named after it. */
static void test_device_on_bus(void **state)
{
	struct fx *f = *state;
	const void *fdt;

	plat_add_node(f, "/", "soc");
	PLAT_CELLS(f, "/soc", "#address-cells", 1);
	PLAT_CELLS(f, "/soc", "#size-cells", 1);
	PLAT_CELLS(f, "/soc", "ranges", 0, 0, 0xa100000, 0x10000);
	plat_str(f, "/soc", "compatible", "simple-bus");
	plat_add_node(f, "/soc", "dev@200");
	plat_str(f, "/soc/dev@200", "compatible", "vendor,dev");
	PLAT_CELLS(f, "/soc/dev@200", "reg", 0x200, 0x100, 0x1000, 0x20);
	PLAT_CELLS(f, "/soc/dev@200", "interrupts", 0, 40, 4, 0, 41, 1);
	strcpy(f->cfg.devices[1].path, "/soc/dev@200");
	fdt = build(f);
	no_node(fdt, "/soc");
	CELLS(fdt, "/dev@a100200", "reg", 0, 0xa100200, 0, 0x100, 0, 0xa101000, 0, 0x20);
	CELLS(fdt, "/dev@a100200", "interrupts", 0, 40, 4, 0, 41, 1);
	STRS(fdt, "/dev@a100200", "compatible", "vendor,dev");
}

/* A device with interrupts only: no unit address. */
static void test_device_without_reg(void **state)
{
	struct fx *f = *state;
	const void *fdt;

	plat_add_node(f, "/", "keys");
	plat_str(f, "/keys", "compatible", "gpio-keys");
	PLAT_CELLS(f, "/keys", "interrupts", 0, 50, 1);
	strcpy(f->cfg.devices[1].path, "/keys");
	fdt = build(f);
	CELLS(fdt, "/keys", "interrupts", 0, 50, 1);
	no_prop(fdt, "/keys", "reg");
}

static void test_device_errors(void **state)
{
	struct fx *f = *state;
	const char *rtc = "/pl031@9010000";

	strcpy(f->cfg.devices[1].path, "/nothing@0");
	expect_error(f, GUEST_DT_MAX_SIZE, -EINVAL,
		     LINE("device /nothing@0 is not in the platform tree"));

	/* A clock controller: its clocks cannot be described to a partition. */
	strcpy(f->cfg.devices[1].path, "/virtio_mmio@a000000");
	plat_add_node(f, "/", "clock-controller@1000");
	PLAT_CELLS(f, "/clock-controller@1000", "#clock-cells", 1);
	PLAT_CELLS(f, "/clock-controller@1000", "phandle", 0x9100);
	PLAT_CELLS(f, rtc, "clocks", PLAT_CLK_PHANDLE, 0x9100, 7);
	expect_error(f, GUEST_DT_MAX_SIZE, -EINVAL,
		     LINE("/pl031@9010000: property 'clocks' entry 1: /clock-controller@1000 is "
			  "not a fixed clock with #clock-cells = <0>"));
	PLAT_CELLS(f, rtc, "clocks", 0x4242);
	expect_error(f, GUEST_DT_MAX_SIZE, -EINVAL,
		     LINE("/pl031@9010000: property 'clocks' entry 0 refers to phandle 0x4242, "
			  "which no node has"));

	PLAT_CELLS(f, rtc, "clocks", PLAT_CLK_PHANDLE);
	PLAT_CELLS(f, rtc, "interrupts", 1, 5, 4);
	expect_error(f, GUEST_DT_MAX_SIZE, -EINVAL,
		     LINE("/pl031@9010000: interrupt 0 is INTID 21, a PPI (only SPIs reach a "
			  "partition)"));
}

/* Root node names must stay unique: a device on a bus can translate to the name of another. */
static void test_name_clash(void **state)
{
	struct fx *f = *state;

	plat_add_node(f, "/", "soc");
	PLAT_CELLS(f, "/soc", "#address-cells", 1);
	PLAT_CELLS(f, "/soc", "#size-cells", 1);
	PLAT_CELLS(f, "/soc", "ranges", 0, 0, 0xa000000, 0x1000);
	plat_add_node(f, "/soc", "virtio_mmio@0");
	PLAT_CELLS(f, "/soc/virtio_mmio@0", "reg", 0, 0x200);
	strcpy(f->cfg.devices[0].path, "/soc/virtio_mmio@0");
	expect_error(f, GUEST_DT_MAX_SIZE, -EINVAL, LINE("two nodes named /virtio_mmio@a000000"));
}

/* --- sizes and bad input --------------------------------------------------------------------- */

/* Too small: -ENOSPC with the size, at every size below the tree's; the exact size is enough. */
static void test_enospc(void **state)
{
	struct fx *f = *state;
	char line[DIAG_MSG_MAX];
	int total;

	build(f);
	total = (int)fdt_totalsize(f->out);
	expect_error(f, 256, -ENOSPC, LINE("does not fit in 256 bytes"));
	expect_error(f, 0, -ENOSPC, LINE("does not fit in 0 bytes"));
	for (int size = 8; size < total; size += size < total - 64 ? 61 : 1) {
		snprintf(line, sizeof(line), LINE("does not fit in %d bytes"), size);
		expect_error(f, (size_t)size, -ENOSPC, line);
	}
	assert_int_equal(build_n(f, (size_t)total), total);
	assert_int_equal(fdt_check_full(f->out, (size_t)total), 0);
}

/* Larger buffers are used up to GUEST_DT_MAX_SIZE only (build_n checks nothing beyond is
 * written); a tree that needs more does not fit. */
static void test_size_bound(void **state)
{
	struct fx *f = *state;
	int ret;

	memset(f->out, GUARD_BYTE, OUT_SIZE + GUARD);
	ret = guest_dt_build(&f->in, f->out, OUT_SIZE, &f->d);
	assert_true(ret > 0);
	for (size_t i = GUEST_DT_MAX_SIZE; i < OUT_SIZE + GUARD; i++)
		assert_int_equal(f->out[i], GUARD_BYTE);

	/* A platform property of 64 KiB, copied into a device node. */
	static uint8_t big[GUEST_DT_MAX_SIZE];
	uint8_t *grown = aligned_alloc(8, DT_MAX_SIZE);

	assert_non_null(grown);
	assert_int_equal(fdt_open_into(f->plat_fdt, grown, DT_MAX_SIZE), 0);
	free(f->plat_fdt);
	f->plat_fdt = grown;
	f->in.plat_fdt = grown;
	assert_int_equal(
		fdt_setprop(grown, plat_node(f, "/pl031@9010000"), "vendor,big", big, sizeof(big)),
		0);
	assert_int_equal(fdt_pack(grown), 0);
	expect_error(f, OUT_SIZE, -ENOSPC, LINE("does not fit in 65536 bytes"));
}

static void test_bad_input(void **state)
{
	struct fx *f = *state;

	f->in.vuart_intid = 27;
	expect_error(f, GUEST_DT_MAX_SIZE, -EINVAL,
		     LINE("vuart INTID 27 is not an SPI (32 to 1019)"));
	f->in.vuart_intid = 1020;
	expect_error(f, GUEST_DT_MAX_SIZE, -EINVAL,
		     LINE("vuart INTID 1020 is not an SPI (32 to 1019)"));
	f->in.vuart_intid = UART_INTID;
	f->in.vuart_base = UART_BASE + 0x800;
	expect_error(f, GUEST_DT_MAX_SIZE, -EINVAL, LINE("vuart 0x9000800 is not page aligned"));
	f->in.vuart_base = UART_BASE;

	f->in.initrd_start = UINT64_MAX - 0xfff;
	expect_error(f, GUEST_DT_MAX_SIZE, -EINVAL,
		     LINE("initrd 0xfffffffffffff000 size 0x123456 wraps around"));
	f->in.initrd_start = INITRD_START;

	f->cfg.nr_vcpus = 0;
	expect_error(f, GUEST_DT_MAX_SIZE, -EINVAL, LINE("0 vCPUs (1 to 8)"));
	f->cfg.nr_vcpus = 9;
	expect_error(f, GUEST_DT_MAX_SIZE, -EINVAL, LINE("9 vCPUs (1 to 8)"));
	f->cfg.nr_vcpus = 2;

	/* A misaligned buffer: refused before anything is written. */
	memset(f->out, GUARD_BYTE, OUT_SIZE + GUARD);
	assert_int_equal(guest_dt_build(&f->in, f->out + 4, 0x1000, &f->d), -EINVAL);
	assert_string_equal(f->d.msg, LINE("buffer is not 8-byte aligned"));
	for (size_t i = 0; i < OUT_SIZE + GUARD; i++)
		assert_int_equal(f->out[i], GUARD_BYTE);

	/* A broken platform tree. */
	f->plat_fdt[0] ^= 0xff;
	expect_error(f, GUEST_DT_MAX_SIZE, -EINVAL,
		     LINE("platform dtb: bad header: FDT_ERR_BADMAGIC"));
	f->plat_fdt[0] ^= 0xff;

	/* Without a diag the error still comes back. */
	f->cfg.nr_vcpus = 0;
	assert_int_equal(guest_dt_build(&f->in, f->out, GUEST_DT_MAX_SIZE, NULL), -EINVAL);
	f->cfg.nr_vcpus = 2;
	build(f);
	assert_string_equal(f->d.msg, "");
}

/* Building twice into a dirty buffer gives the same bytes (nothing depends on old contents). */
static void test_deterministic(void **state)
{
	struct fx *f = *state;
	uint8_t *first = malloc(GUEST_DT_MAX_SIZE);
	int size;

	assert_non_null(first);
	build(f);
	size = (int)fdt_totalsize(f->out);
	memcpy(first, f->out, (size_t)size);
	memset(f->out, 0x5a, GUEST_DT_MAX_SIZE);
	assert_int_equal(guest_dt_build(&f->in, f->out, GUEST_DT_MAX_SIZE, &f->d), size);
	assert_memory_equal(first, f->out, (size_t)size);
	free(first);
}

/* --- dtc ------------------------------------------------------------------------------------ */

/* dtc decompiles the tree without a warning (dtc runs its checks on the way: phandle
 * references, unit addresses against reg, #address-cells/#size-cells, interrupt providers). */
static void dtc_accepts(const void *fdt)
{
	char path[] = "/tmp/test_guest_dt-XXXXXX";
	char cmd[256], err[256];
	FILE *fp;
	int fd, rc;
	size_t n;

	if (system("command -v dtc >/dev/null 2>&1") != 0)
		skip();
	fd = mkstemp(path);
	assert_true(fd >= 0);
	fp = fdopen(fd, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(fdt, 1, fdt_totalsize(fdt), fp), fdt_totalsize(fdt));
	fclose(fp);
	snprintf(cmd, sizeof(cmd), "dtc -I dtb -O dts -o /dev/null %s 2>&1", path);
	fp = popen(cmd, "r");
	assert_non_null(fp);
	n = fread(err, 1, sizeof(err) - 1, fp);
	err[n] = '\0';
	rc = pclose(fp);
	unlink(path);
	if (rc != 0 || n != 0)
		fail_msg("dtc (status %d): %s", rc, err);
}

static void test_dtc(void **state)
{
	struct fx *f = *state;

	dtc_accepts(build(f));
	f->cfg.nr_vcpus = 1;
	f->in.vuart_intid = 0;
	f->in.initrd_size = 0;
	f->cfg.bootargs[0] = '\0';
	f->cfg.nr_devices = 0;
	dtc_accepts(build(f));
}

/* --- with config_parse() --------------------------------------------------------------------- */

struct lines {
	unsigned n;
};

static void count_line(void *arg, const char *line)
{
	(void)line;
	((struct lines *)arg)->n++;
}

/* Every partition config_parse() accepts in fixture name without a DTB module of its own gets a
 * tree that dtc accepts, with one cpu node per vCPU, one memory node per RAM region and each of
 * its devices, whose registers the partition has mapped (config's page-rounded spans cover the
 * described ones). Returns the number of partitions checked. */
static unsigned check_fixture(const char *name)
{
	static struct config cfg; /* large: static, as in the hypervisor */
	struct platform plat;
	struct diag d = {""};
	struct lines l = {0};
	uint8_t *pfdt = load_file(config_dir, name, 0);
	uint8_t *out = aligned_alloc(8, GUEST_DT_MAX_SIZE);
	uint64_t half;
	struct config_env env;
	unsigned checked = 0;

	assert_non_null(out);
	if (platform_discover(pfdt, &plat, &d))
		fail_msg("%s: platform_discover: %s", name, d.msg);
	/* Hypervisor and DTB where QEMU puts them for -kernel (as test_config.c). */
	half = plat.ram[0].size / 2;
	env = (struct config_env){
		.plat = &plat,
		.hyp = {plat.ram[0].base + 0x10000, MiB(16)},
		.dtb = {plat.ram[0].base + (half < MiB(128) ? half : MiB(128)), dt_size(pfdt)}};
	assert_true(config_parse(pfdt, &env, &cfg, count_line, &l) >= 0);
	assert_true(cfg.nr_parts > 0);
	for (unsigned p = 0; p < cfg.nr_parts; p++) {
		const struct part_config *c = &cfg.parts[p];
		struct guest_dt_input in = {.cfg = c, .plat = &plat, .plat_fdt = pfdt};
		unsigned ram = 0;
		int ret;

		if (c->dtb.size)
			continue; /* the partition brings its own tree */
		checked++;
		ret = guest_dt_build(&in, out, GUEST_DT_MAX_SIZE, &d);

		if (ret < 0)
			fail_msg("%s: partition %s: %d \"%s\"", name, c->name, ret, d.msg);
		assert_int_equal(fdt_check_full(out, (size_t)ret), 0);
		dtc_accepts(out);
		check_references(out);
		assert_int_equal(count_children(out, "/cpus"), c->nr_vcpus);
		for (unsigned i = 0; i < c->nr_regions; i++)
			ram += c->regions[i].attrs.mem != PGT_MEM_DEVICE &&
			       (c->regions[i].attrs.perm & PGT_PERM_RW) == PGT_PERM_RW;
		assert_int_equal(count_nodes(out, "device_type", "memory"), ram);
		for (unsigned i = 0; i < c->nr_devices; i++) {
			const char *dname = strrchr(c->devices[i].path, '/') + 1;
			struct dt_reg reg;
			unsigned n;
			bool mapped = false;
			int dn = fdt_subnode_offset(out, 0, dname);

			if (dn < 0)
				fail_msg("%s: %s: no node %s", name, c->name, dname);
			if (dt_read_reg(out, dn, &reg, 1, &n, NULL))
				continue;
			for (unsigned k = 0; k < c->nr_devices; k++)
				for (unsigned r = 0; r < c->devices[k].nr_regs; r++)
					mapped |= reg.base >= c->devices[k].regs[r].base &&
						  reg.base + reg.size <=
							  c->devices[k].regs[r].base +
								  c->devices[k].regs[r].size;
			assert_true(mapped);
		}
	}
	free(pfdt);
	free(out);
	return checked;
}

static void test_config_fixtures(void **state)
{
	(void)state;
	if (!config_dir || !*config_dir)
		skip();
	assert_true(check_fixture("good-full") + check_fixture("good-mixed") >= 2);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	static const struct CMUnitTest tests[] = {
		T(test_root),
		T(test_chosen),
		T(test_chosen_empty),
		T(test_initrd_above_4g),
		T(test_memory),
		T(test_memory_many),
		T(test_no_memory),
		T(test_cpus_two),
		T(test_cpus_one),
		T(test_cpus_eight),
		T(test_cpu_not_in_platform),
		T(test_psci),
		T(test_gic),
		T(test_timer),
		T(test_timer_platform_variants),
		T(test_vuart),
		T(test_vuart_own_clock),
		T(test_no_vuart),
		T(test_devices),
		T(test_device_fixups),
		T(test_device_on_bus),
		T(test_device_without_reg),
		T(test_device_errors),
		T(test_name_clash),
		T(test_enospc),
		T(test_size_bound),
		T(test_bad_input),
		T(test_deterministic),
		T(test_dtc),
		cmocka_unit_test(test_config_fixtures),
	};
#undef T

	dtb_dir = getenv("BULKHEAD_TEST_DTB_DIR");
	config_dir = getenv("BULKHEAD_TEST_CONFIG_DIR");
	if (!dtb_dir || !*dtb_dir) {
		fprintf(stderr, "test_guest_dt: set BULKHEAD_TEST_DTB_DIR to a directory filled by "
				"tests/unit/dtb/make-dtbs.sh\n");
		return 1;
	}
	return cmocka_run_group_tests_name("guest_dt", tests, NULL, NULL);
}
