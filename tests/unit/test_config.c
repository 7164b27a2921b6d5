/* Unit tests for the partition configuration parser (hyp/config.c) and the libfdt wrapper helpers
 * it added to hyp/dt.c.
 *
 * Fixtures are partition overlays (tests/unit/config/ *.dts) composed onto QEMU's own virt DTB by
 * tests/unit/config/make-fixtures.sh into $BULKHEAD_TEST_CONFIG_DIR. Every error fixture holds the
 * valid partition "ok" (common.dtsi) and one partition "p" with one defect: the parse must drop p
 * with exactly the expected line and keep ok. The valid fixtures check every parsed field, the
 * mixed one that a bad partition does not take good ones with it, and a corruption loop that no
 * input crashes the parser or lets an inconsistent partition through (checked against the rules
 * restated in check_invariants()). Trees with hundreds of partitions, for the CONFIG_MAX_* limits,
 * are built here with libfdt (many_partitions()), so they follow config.h.
 *
 * The hypervisor and DTB placement is bulkhead-check's default, which is QEMU's for -kernel:
 * RAM base + 0x10000 (16 MiB reserved) and RAM base + min(RAM / 2, 128 MiB). Addresses below are
 * QEMU 7.2 virt's; they belong here, never in the hypervisor.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hyp/config.h"
#include "hyp/dt.h"

#define MAX_LINES 32
#define LINE_MAX_LEN 256

static const char *fixture_dir;
static struct config cfg; /* large: static, as in the hypervisor */
static struct platform plat;

struct lines {
	unsigned n; /* every line reported, even beyond MAX_LINES */
	char line[MAX_LINES][LINE_MAX_LEN];
};

static void collect(void *arg, const char *line)
{
	struct lines *l = arg;

	if (l->n < MAX_LINES)
		snprintf(l->line[l->n], LINE_MAX_LEN, "%s", line);
	l->n++;
}

/* Loads dir/name.dtb into a zeroed DT_MAX_SIZE buffer (as in test_platform.c: a header's
 * totalsize can make libfdt look that far). */
static void *load(const char *name)
{
	char path[512];
	FILE *f;
	size_t n;
	void *buf = aligned_alloc(8, DT_MAX_SIZE);

	assert_non_null(buf);
	memset(buf, 0, DT_MAX_SIZE);
	snprintf(path, sizeof(path), "%s/%s.dtb", fixture_dir, name);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s (run tests/unit/config/make-fixtures.sh first)", path);
	n = fread(buf, 1, DT_MAX_SIZE, f);
	assert_true(n > 0);
	assert_true(feof(f));
	fclose(f);
	return buf;
}

/* Where QEMU puts Bulkhead and the DTB (see the file comment). */
static struct config_env env_for(const void *fdt, const struct platform *p)
{
	uint64_t half = p->ram[0].size / 2;
	struct config_env env = {.plat = p};

	env.hyp.base = p->ram[0].base + 0x10000;
	env.hyp.size = MiB(16);
	env.dtb.base = p->ram[0].base + (half < MiB(128) ? half : MiB(128));
	env.dtb.size = dt_size(fdt);
	return env;
}

/* Discovers the platform of fdt and parses its configuration into cfg, lines into l. */
static int parse_fdt(const void *fdt, struct lines *l)
{
	struct diag d = {""};
	struct config_env env;

	if (platform_discover(fdt, &plat, &d))
		fail_msg("platform_discover: %s", d.msg);
	env = env_for(fdt, &plat);
	memset(l, 0, sizeof(*l));
	memset(&cfg, 0xa5, sizeof(cfg)); /* the parse must not depend on what was there */
	return config_parse(fdt, &env, &cfg, collect, l);
}

static int parse(const char *name, struct lines *l)
{
	void *fdt = load(name);
	int ret = parse_fdt(fdt, l);

	free(fdt);
	return ret;
}

static void dump_lines(const char *name, int ret, const struct lines *l)
{
	fprintf(stderr, "%s: returned %d, %u line(s):\n", name, ret, l->n);
	for (unsigned i = 0; i < l->n && i < MAX_LINES; i++)
		fprintf(stderr, "\t%s\n", l->line[i]);
}

/* --- what every accepted configuration must satisfy ----------------------------------------- */

static bool in_ram(uint64_t base, uint64_t size)
{
	for (unsigned i = 0; i < plat.nr_ram; i++)
		if (base >= plat.ram[i].base && size <= plat.ram[i].size &&
		    base - plat.ram[i].base <= plat.ram[i].size - size)
			return true;
	return false;
}

static bool overlaps_ram(uint64_t base, uint64_t size)
{
	for (unsigned i = 0; i < plat.nr_ram; i++)
		if (ranges_overlap(base, size, plat.ram[i].base, plat.ram[i].size))
			return true;
	return false;
}

/* The region of p holding all of [ipa, ipa + size), or NULL. */
static const struct part_region *region_holding(const struct part_config *p, uint64_t ipa,
						uint64_t size)
{
	for (unsigned i = 0; i < p->nr_regions; i++) {
		const struct part_region *r = &p->regions[i];

		if (ipa >= r->ipa && size <= r->size && ipa - r->ipa <= r->size - size)
			return r;
	}
	return NULL;
}

static bool name_ok(const char *name)
{
	size_t n = strnlen(name, CONFIG_NAME_MAX);

	if (n == 0 || n == CONFIG_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789_-", name[i]))
			return false;
	return true;
}

/* The binding's rules restated independently of config.c, over everything config_parse
 * accepted with env. */
static void check_invariants(const struct config *c, const struct config_env *env)
{
	const uint64_t limit = 1ull << 40;

	assert_true(c->nr_parts <= CONFIG_MAX_PARTITIONS);
	assert_true(c->slice_us >= CONFIG_SLICE_MIN_US && c->slice_us <= CONFIG_SLICE_MAX_US);
	for (unsigned i = 0; i < c->nr_parts; i++) {
		const struct part_config *p = &c->parts[i];
		const struct part_region *r;

		assert_int_equal(p->index, i);
		assert_true(name_ok(p->name));
		assert_non_null(memchr(p->path, '\0', sizeof(p->path)));
		assert_non_null(memchr(p->bootargs, '\0', sizeof(p->bootargs)));
		assert_true(p->fault_policy <= FAULT_INJECT);

		/* vCPUs: 1..8 distinct platform CPUs. */
		assert_true(p->nr_vcpus >= 1 && p->nr_vcpus <= CONFIG_MAX_VCPUS);
		for (unsigned v = 0; v < p->nr_vcpus; v++) {
			unsigned k = 0;

			while (k < plat.nr_cpus && plat.cpus[k].mpidr != p->vcpu_mpidr[v])
				k++;
			assert_true(k < plat.nr_cpus);
			for (unsigned w = 0; w < v; w++)
				assert_true(p->vcpu_mpidr[w] != p->vcpu_mpidr[v]);
		}

		/* Regions. */
		assert_true(p->nr_regions >= 1 && p->nr_regions <= CONFIG_MAX_REGIONS);
		for (unsigned k = 0; k < p->nr_regions; k++) {
			r = &p->regions[k];
			assert_true(r->size && IS_ALIGNED(r->size, PAGE_SIZE));
			assert_true(IS_ALIGNED(r->ipa, PAGE_SIZE) && IS_ALIGNED(r->pa, PAGE_SIZE));
			assert_true(r->ipa < limit && r->size <= limit - r->ipa);
			assert_true(r->pa < limit && r->size <= limit - r->pa);
			assert_true(r->attrs.perm && !(r->attrs.perm & ~PGT_PERM_RWX));
			if (r->attrs.mem == PGT_MEM_DEVICE) {
				assert_false(overlaps_ram(r->pa, r->size));
				assert_false(r->attrs.perm & PGT_PERM_X);
			} else {
				assert_true(r->attrs.mem == PGT_MEM_NORMAL_WB ||
					    r->attrs.mem == PGT_MEM_NORMAL_NC);
				assert_true(in_ram(r->pa, r->size));
			}
			assert_false(ranges_overlap(r->pa, r->size, env->hyp.base, env->hyp.size));
			assert_false(ranges_overlap(r->pa, r->size, env->dtb.base, env->dtb.size));
			for (unsigned j = 0; j < k; j++)
				assert_false(ranges_overlap(r->ipa, r->size, p->regions[j].ipa,
							    p->regions[j].size));
			assert_false(
				ranges_overlap(r->ipa, r->size, p->gicd_ipa, plat.gic.dist.size));
			assert_false(
				ranges_overlap(r->ipa, r->size, p->gicc_ipa, plat.gic.vcpu.size));
		}
		assert_false(ranges_overlap(p->gicd_ipa, plat.gic.dist.size, p->gicc_ipa,
					    plat.gic.vcpu.size));
		assert_true(IS_ALIGNED(p->gicd_ipa, PAGE_SIZE) &&
			    IS_ALIGNED(p->gicc_ipa, PAGE_SIZE));

		/* Modules: in RAM, clear of the hypervisor and DTB, copied into normal memory. */
		assert_true(p->image.size && in_ram(p->image.pa, p->image.size));
		assert_false(
			ranges_overlap(p->image.pa, p->image.size, env->hyp.base, env->hyp.size));
		assert_false(
			ranges_overlap(p->image.pa, p->image.size, env->dtb.base, env->dtb.size));
		r = region_holding(p, p->image_ipa, p->image.size);
		assert_non_null(r);
		assert_true(r->attrs.mem != PGT_MEM_DEVICE);
		r = region_holding(p, p->entry, 1);
		assert_non_null(r);
		assert_true(r->attrs.perm & PGT_PERM_X);
		if (p->dtb.size) {
			assert_true(in_ram(p->dtb.pa, p->dtb.size));
			assert_true(IS_ALIGNED(p->dtb_ipa, 8));
			r = region_holding(p, p->dtb_ipa, p->dtb.size);
			assert_non_null(r);
			assert_true(r->attrs.mem != PGT_MEM_DEVICE);
			assert_false(ranges_overlap(p->dtb_ipa, p->dtb.size, p->image_ipa,
						    p->image.size));
			/* A supplied tree is used as given. */
			assert_false(p->dtb_generated);
			assert_true(p->bootargs[0] == '\0');
			assert_int_equal(p->initrd.size, 0);
		} else if (p->dtb_generated) {
			r = region_holding(p, p->dtb_ipa, CONFIG_GUEST_DT_SIZE);
			assert_non_null(r);
			assert_true(r->attrs.mem != PGT_MEM_DEVICE);
			assert_false(ranges_overlap(p->dtb_ipa, CONFIG_GUEST_DT_SIZE, p->image_ipa,
						    p->image.size));
		}
		if (p->initrd.size) {
			assert_true(in_ram(p->initrd.pa, p->initrd.size));
			r = region_holding(p, p->initrd_ipa, p->initrd.size);
			assert_non_null(r);
			assert_true(r->attrs.mem != PGT_MEM_DEVICE);
			assert_false(ranges_overlap(p->initrd_ipa, p->initrd.size, p->image_ipa,
						    p->image.size));
			if (p->dtb_generated)
				assert_false(ranges_overlap(p->initrd_ipa, p->initrd.size,
							    p->dtb_ipa, CONFIG_GUEST_DT_SIZE));
		}
		if (p->has_vuart) {
			assert_true(IS_ALIGNED(p->vuart_ipa, PAGE_SIZE));
			assert_null(region_holding(p, p->vuart_ipa, 1));
			assert_true(p->vuart_intid >= 32);
		}

		/* Devices: page spans outside RAM and the hypervisor's hardware, at IPA == PA
		 * clear of regions and GIC windows, SPIs only. */
		assert_true(p->nr_devices <= CONFIG_MAX_DEVICES);
		for (unsigned k = 0; k < p->nr_devices; k++) {
			const struct part_device *d = &p->devices[k];

			assert_true(d->path[0] == '/');
			assert_true(d->nr_regs <= CONFIG_MAX_DEV_REGS);
			assert_true(d->nr_irqs <= CONFIG_MAX_DEV_IRQS);
			assert_true(d->nr_regs || d->nr_irqs || k > 0);
			assert_true(strcmp(d->path, plat.uart.path) &&
				    strcmp(d->path, plat.gic.path));
			for (unsigned x = 0; x < d->nr_regs; x++) {
				const struct plat_region *s = &d->regs[x];

				assert_true(s->size && IS_ALIGNED(s->base | s->size, PAGE_SIZE));
				assert_false(overlaps_ram(s->base, s->size));
				assert_false(ranges_overlap(s->base, s->size, plat.uart.reg.base,
							    plat.uart.reg.size));
				assert_false(ranges_overlap(s->base, s->size, plat.gic.dist.base,
							    plat.gic.dist.size));
				assert_null(region_holding(p, s->base, 1));
				assert_false(ranges_overlap(s->base, s->size, p->gicd_ipa,
							    plat.gic.dist.size));
				assert_false(ranges_overlap(s->base, s->size, p->gicc_ipa,
							    plat.gic.vcpu.size));
				/* Disjoint from every span listed before it. */
				for (unsigned y = 0; y <= k; y++) {
					const struct part_device *e = &p->devices[y];
					unsigned nz = y < k ? e->nr_regs : x;

					for (unsigned z = 0; z < nz; z++)
						assert_false(ranges_overlap(s->base, s->size,
									    e->regs[z].base,
									    e->regs[z].size));
				}
			}
			for (unsigned x = 0; x < d->nr_irqs; x++) {
				assert_true(d->intids[x] >= 32 && d->intids[x] < 1020);
				assert_true(d->intids[x] != plat.uart.intid);
			}
		}

		/* Against the partitions before it. */
		for (unsigned j = 0; j < i; j++) {
			const struct part_config *o = &c->parts[j];

			assert_true(strcmp(o->name, p->name));
			for (unsigned k = 0; k < p->nr_regions; k++)
				for (unsigned m = 0; m < o->nr_regions; m++)
					assert_false(ranges_overlap(
						p->regions[k].pa, p->regions[k].size,
						o->regions[m].pa, o->regions[m].size));
			for (unsigned k = 0; k < p->nr_devices; k++)
				for (unsigned m = 0; m < o->nr_devices; m++) {
					assert_true(strcmp(p->devices[k].path, o->devices[m].path));
					for (unsigned x = 0; x < p->devices[k].nr_irqs; x++)
						for (unsigned y = 0; y < o->devices[m].nr_irqs; y++)
							assert_true(p->devices[k].intids[x] !=
								    o->devices[m].intids[y]);
				}
		}
	}
	/* vCPUs per physical CPU. */
	for (unsigned k = 0; k < plat.nr_cpus; k++) {
		unsigned n = 0;

		for (unsigned i = 0; i < c->nr_parts; i++)
			for (unsigned v = 0; v < c->parts[i].nr_vcpus; v++)
				n += c->parts[i].vcpu_mpidr[v] == plat.cpus[k].mpidr;
		assert_true(n <= CONFIG_MAX_VCPUS_PER_CPU);
	}
}

/* --- one defect per fixture ------------------------------------------------------------------ */

struct error_case {
	const char *fixture; /* err-<fixture>.dtb */
	const char *line;
};

static const struct error_case error_cases[] = {
	/* The /chosen/bulkhead node itself: config_parse returns -EINVAL, no partitions. */
	{"root-address-cells", "/chosen/bulkhead: property '#address-cells' is 1, must be 2"},
	{"root-compat",
	 "/chosen/bulkhead: property 'compatible' does not include \"bulkhead,hypervisor\""},
	{"root-no-size-cells", "/chosen/bulkhead: property '#size-cells' missing (must be 2)"},
	{"root-slice-size", "/chosen/bulkhead: property 'time-slice-us' is 8 bytes, expected 4"},
	{"root-slice", "/chosen/bulkhead: property 'time-slice-us' is 50, must be 100 to 1000000"},
	{"root-unknown-prop", "/chosen/bulkhead: unknown property 'timeslice-us'"},
	/* The partition node. */
	{"compat",
	 "/chosen/bulkhead/p: property 'compatible' does not include \"bulkhead,partition\""},
	{"address-cells", "/chosen/bulkhead/p: property '#address-cells' is 1, must be 2"},
	{"no-size-cells", "/chosen/bulkhead/p: property '#size-cells' missing (must be 2)"},
	{"unknown-prop", "/chosen/bulkhead/p: unknown property 'fault_policy'"},
	{"node-name",
	 "/chosen/bulkhead/Bad.Name: node name 'Bad.Name' is not a partition name (1 to 31 characters of a-z, 0-9, '_', '-'); set 'label'"},
	{"label-chars",
	 "/chosen/bulkhead/p: property 'label': \"Hello World\" is not a partition name (1 to 31 characters of a-z, 0-9, '_', '-')"},
	{"label-long",
	 "/chosen/bulkhead/p: property 'label': \"abcdefghijklmnopqrstuvwxyz012345\" is not a partition name (1 to 31 characters of a-z, 0-9, '_', '-')"},
	{"label-empty", "/chosen/bulkhead/p: property 'label' is not a non-empty string"},
	{"name-dup",
	 "/chosen/bulkhead/p: partition name 'ok' is already used by /chosen/bulkhead/ok"},
	{"fault-policy",
	 "/chosen/bulkhead/p: property 'fault-policy' is \"panic\", expected \"stop\", \"restart\" or \"inject\""},
	{"restart-limit", "/chosen/bulkhead/p: property 'restart-limit' is 8 bytes, expected 4"},
	{"bootargs-long",
	 "/chosen/bulkhead/p: property 'bootargs' is 300 characters, more than CONFIG_BOOTARGS_MAX - 1 (255)"},
	{"bootargs-with-dtb",
	 "/chosen/bulkhead/p: property 'bootargs' given with 'dtb' (a guest DTB module is used as given: put bootargs in its /chosen)"},
	{"initrd-ipa-no-initrd",
	 "/chosen/bulkhead/p: property 'initrd-ipa' given without 'initrd'"},
	{"initrd-with-dtb",
	 "/chosen/bulkhead/p: property 'initrd' given with 'dtb' (a guest DTB module is used as given: describe the initrd in its /chosen and place it with a memory region of its own)"},
	{"initrd-too-big",
	 "/chosen/bulkhead/p: property 'initrd': 0x1000000 bytes do not fit in memory@40000000 below IPA 0x40e00000, where the initrd goes without 'initrd-ipa'"},
	{"initrd-over-image",
	 "/chosen/bulkhead/p: property 'initrd-ipa': 0x40000000-0x400fffff overlaps the image at IPA 0x40000000-0x40007fff"},
	{"initrd-over-dtb",
	 "/chosen/bulkhead/p: property 'initrd-ipa': 0x40e00000-0x40efffff overlaps the generated device tree at IPA 0x40e00000-0x40e0ffff"},
	{"vuart-in-region",
	 "/chosen/bulkhead/p: property 'vuart': 0x40800000-0x40800fff overlaps memory@40000000 (IPA 0x40000000-0x40ffffff)"},
	{"vuart-in-gic",
	 "/chosen/bulkhead/p: property 'vuart': 0x8000000 is inside the virtual GIC (distributor at IPA 0x8000000, CPU interface at IPA 0x8010000)"},
	{"vuart-unaligned", "/chosen/bulkhead/p: property 'vuart': 0x9000100 is not 4 KiB aligned"},
	/* CPUs. */
	{"cpus-cpu-map",
	 "/chosen/bulkhead/p: property 'cpus' entry 0: /cpus/cpu-map is not a CPU (a /cpus child with device_type = \"cpu\")"},
	{"cpus-dup", "/chosen/bulkhead/p: property 'cpus' entry 1: /cpus/cpu@1 is already entry 0"},
	{"cpus-empty", "/chosen/bulkhead/p: property 'cpus' is empty (need 1 to 8 CPUs)"},
	{"cpus-missing", "/chosen/bulkhead/p: property 'cpus' missing"},
	{"cpus-not-cpu",
	 "/chosen/bulkhead/p: property 'cpus' entry 0: /pl031@9010000 is not a CPU (a /cpus child with device_type = \"cpu\")"},
	{"cpus-phandle",
	 "/chosen/bulkhead/p: property 'cpus' entry 0 refers to phandle 0x1234, which no node has"},
	{"cpus-too-many",
	 "/chosen/bulkhead/p: property 'cpus' has 9 entries, more than CONFIG_MAX_VCPUS (8)"},
	/* Image and DTB modules and where they are copied. */
	{"dtb-default-over-image",
	 "/chosen/bulkhead/p: property 'dtb-ipa': 0x40e00000-0x40e01fff overlaps the image at IPA 0x40000000-0x40efffff"},
	{"dtb-ipa-outside",
	 "/chosen/bulkhead/p: property 'dtb-ipa': 0x48000000 is not inside a memory region of this partition"},
	{"dtb-ipa-unaligned",
	 "/chosen/bulkhead/p: property 'dtb-ipa': 0x40800004 is not 8-byte aligned"},
	{"dtb-no-room",
	 "/chosen/bulkhead/p: property 'dtb': 0x2000 bytes do not fit in memory@40000000 at IPA 0x40fff000 (0x1000 bytes from there to its end)"},
	{"dtb-outside-ram",
	 "/chosen/bulkhead/p: property 'dtb': 0x4000000-0x4000fff is not inside one RAM bank (modules are loaded into RAM)"},
	{"dtb-over-image",
	 "/chosen/bulkhead/p: property 'dtb-ipa': 0x40004000-0x40005fff overlaps the image at IPA 0x40000000-0x40007fff"},
	{"dtb-too-big",
	 "/chosen/bulkhead/p: property 'dtb': 0x1001000 bytes do not fit in memory@40000000 (0x1000000 bytes), where the DTB goes without 'dtb-ipa'"},
	{"entry-not-exec",
	 "/chosen/bulkhead/p: property 'entry': 0x40000000 is in memory@40000000, which is not executable (access \"rw\")"},
	{"entry-outside",
	 "/chosen/bulkhead/p: property 'entry': 0x41000000 is not inside a memory region of this partition"},
	{"image-dtb",
	 "/chosen/bulkhead/p: property 'image': 0x47ffc000-0x48003fff overlaps the DTB (0x48000000-0x480020cb)"},
	{"image-hyp",
	 "/chosen/bulkhead/p: property 'image': 0x40800000-0x40807fff overlaps the hypervisor (0x40010000-0x4100ffff)"},
	{"image-ipa-device",
	 "/chosen/bulkhead/p: property 'image-ipa': 0x4000000 is in memory@4000000, a device region (modules are copied into normal memory)"},
	{"image-ipa-length",
	 "/chosen/bulkhead/p: property 'image-ipa' is 4 bytes, expected 8 (2 cells)"},
	{"image-ipa-outside",
	 "/chosen/bulkhead/p: property 'image-ipa': 0x10000000 is not inside a memory region of this partition"},
	{"image-length", "/chosen/bulkhead/p: property 'image' is 12 bytes, expected 16 (4 cells)"},
	{"image-missing", "/chosen/bulkhead/p: property 'image' missing"},
	{"image-no-room",
	 "/chosen/bulkhead/p: property 'image': 0x8000 bytes do not fit in memory@40000000 at IPA 0x40ffc000 (0x4000 bytes from there to its end)"},
	{"image-other-partition",
	 "/chosen/bulkhead/p: property 'image': 0x50800000-0x50807fff overlaps partition 'ok' (0x50000000-0x50ffffff, its memory at IPA 0x40000000)"},
	{"image-outside-ram",
	 "/chosen/bulkhead/p: property 'image': 0x30000000-0x30007fff is not inside one RAM bank (modules are loaded into RAM)"},
	{"image-own-region",
	 "/chosen/bulkhead/p: property 'image': 0x51800000-0x51807fff overlaps memory@40000000 of this partition (0x51000000-0x51ffffff)"},
	{"image-ram-end",
	 "/chosen/bulkhead/p: property 'image': 0x7fffc000-0x80003fff is not inside one RAM bank (modules are loaded into RAM)"},
	{"image-size0", "/chosen/bulkhead/p: property 'image': size is 0"},
	{"image-too-big",
	 "/chosen/bulkhead/p: property 'image': 0x2000000 bytes do not fit in memory@40000000 at IPA 0x40000000 (0x1000000 bytes from there to its end)"},
	/* Memory regions. */
	{"mem-access-dup",
	 "/chosen/bulkhead/p/memory@40000000: property 'access' is \"rr\", expected letters from \"rwx\", each at most once"},
	{"mem-access",
	 "/chosen/bulkhead/p/memory@40000000: property 'access' is \"rwz\", expected letters from \"rwx\", each at most once"},
	{"mem-device-console",
	 "/chosen/bulkhead/p/memory@10000000: property 'phys': 0x9000000-0x9000fff overlaps the hypervisor's console (0x9000000-0x9000fff)"},
	{"mem-device-exec",
	 "/chosen/bulkhead/p/memory@4000000: property 'access': device memory cannot be executable (use \"rw\" or \"r\")"},
	{"mem-device-gic",
	 "/chosen/bulkhead/p/memory@8000000: property 'phys': 0x8000000-0x8000fff overlaps the GIC distributor (0x8000000-0x800ffff)"},
	{"mem-device-owned",
	 "/chosen/bulkhead/p/memory@10000000: property 'phys': 0xa000000-0xa000fff overlaps device /virtio_mmio@a000000 of partition 'ok' (0xa000000-0xa000fff)"},
	{"mem-device-ram",
	 "/chosen/bulkhead/p/memory@40000000: property 'phys': 0x51000000-0x51ffffff overlaps RAM (0x40000000-0x7fffffff), which type \"device\" must not"},
	{"mem-dtb",
	 "/chosen/bulkhead/p/memory@40000000: property 'phys': 0x47800000-0x487fffff overlaps the DTB (0x48000000-0x480020cb)"},
	{"mem-grandchild",
	 "/chosen/bulkhead/p/memory@40000000/bar: unknown node (memory@ nodes have no children)"},
	{"mem-hyp",
	 "/chosen/bulkhead/p/memory@40000000: property 'phys': 0x40000000-0x40ffffff overlaps the hypervisor (0x40010000-0x4100ffff)"},
	{"mem-ipa-40bit",
	 "/chosen/bulkhead/p/memory@40000000: property 'reg': IPA 0xfffffff000 size 0x2000 goes beyond the 40-bit IPA space"},
	{"mem-ipa-overlap", "/chosen/bulkhead/p/memory@40800000: property 'reg': IPA 0x40800000-0x417fffff overlaps memory@40000000 (IPA 0x40000000-0x40ffffff)"},
	{"mem-ipa-unaligned",
	 "/chosen/bulkhead/p/memory@40000000: property 'reg': IPA 0x40000800 size 0x1000000 is not 4 KiB aligned"},
	{"mem-module",
	 "/chosen/bulkhead/p/memory@40000000: property 'phys': 0x4a000000-0x4affffff overlaps the image module of partition 'ok' (0x4a000000-0x4a007fff)"},
	{"mem-no-phys", "/chosen/bulkhead/p/memory@40000000: property 'phys' missing"},
	{"mem-no-reg", "/chosen/bulkhead/p/memory@40000000: property 'reg' missing"},
	{"mem-none",
	 "/chosen/bulkhead/p: no memory@ child nodes (a partition needs at least one memory region)"},
	{"mem-outside-ram",
	 "/chosen/bulkhead/p/memory@40000000: property 'phys': 0x30000000-0x30ffffff is not inside one RAM bank (type \"normal\" needs RAM)"},
	{"mem-pa-40bit",
	 "/chosen/bulkhead/p/memory@40000000: property 'phys': 0x10000000000 size 0x1000000 goes beyond the 40-bit physical address space"},
	{"mem-pa-unaligned",
	 "/chosen/bulkhead/p/memory@40000000: property 'phys': 0x51000800 is not 4 KiB aligned"},
	{"mem-partition",
	 "/chosen/bulkhead/p/memory@40000000: property 'phys': 0x50800000-0x517fffff overlaps partition 'ok' (0x50000000-0x50ffffff, its memory at IPA 0x40000000)"},
	{"mem-ram-end",
	 "/chosen/bulkhead/p/memory@40000000: property 'phys': 0x7f800000-0x807fffff is not inside one RAM bank (type \"normal-nc\" needs RAM)"},
	{"mem-reg-length",
	 "/chosen/bulkhead/p/memory@40000000: property 'reg' is 32 bytes, expected 16 (4 cells)"},
	{"mem-size-unaligned",
	 "/chosen/bulkhead/p/memory@40000000: property 'reg': IPA 0x40000000 size 0x1000800 is not 4 KiB aligned"},
	{"mem-size0", "/chosen/bulkhead/p/memory@40000000: property 'reg': size is 0"},
	{"mem-too-many",
	 "/chosen/bulkhead/p/memory@40008000: more than CONFIG_MAX_REGIONS (8) memory regions"},
	{"mem-type",
	 "/chosen/bulkhead/p/memory@40000000: property 'type' is \"cached\", expected \"normal\", \"normal-nc\" or \"device\""},
	{"mem-unknown-child",
	 "/chosen/bulkhead/p/foo: unknown node (a partition's children are memory@<ipa> nodes)"},
	{"mem-unknown-prop", "/chosen/bulkhead/p/memory@40000000: unknown property 'acess'"},
	/* The virtual GIC windows. */
	{"gic-cpu-dist",
	 "/chosen/bulkhead/p: property 'gic-cpu-ipa': 0x8008000-0x8017fff overlaps the distributor at IPA 0x8000000-0x800ffff ('gic-dist-ipa')"},
	{"gic-cpu-region",
	 "/chosen/bulkhead/p: property 'gic-cpu-ipa': 0x40100000-0x4010ffff overlaps memory@40000000 (IPA 0x40000000-0x40ffffff)"},
	{"gic-cpu-unaligned",
	 "/chosen/bulkhead/p: property 'gic-cpu-ipa': 0x2c000800 is not 4 KiB aligned"},
	{"gic-dist-40bit",
	 "/chosen/bulkhead/p: property 'gic-dist-ipa': 0xffffff8000 size 0x10000 goes beyond the 40-bit IPA space"},
	{"gic-dist-region",
	 "/chosen/bulkhead/p: property 'gic-dist-ipa': 0x8000000-0x800ffff overlaps memory@8000000 (IPA 0x8000000-0x800ffff)"},
	/* Devices passed through. */
	{"dev-40bit",
	 "/chosen/bulkhead/p: property 'devices': /fake@10000000000: registers 0x10000000000 size 0x1000 go beyond the 40-bit physical address space"},
	{"dev-chosen",
	 "/chosen/bulkhead/p: property 'devices': /chosen/bulkhead/ok is not a platform device"},
	{"dev-console-irq",
	 "/chosen/bulkhead/p: property 'devices': /fake@9050000: SPI INTID 33 is the interrupt of the hypervisor's console"},
	{"dev-console",
	 "/chosen/bulkhead/p: property 'devices': /pl011@9000000: the hypervisor's console cannot be passed through"},
	{"dev-cpu", "/chosen/bulkhead/p: property 'devices': /cpus/cpu@1 is not a platform device"},
	{"dev-gic-window",
	 "/chosen/bulkhead/p: property 'devices': /pl031@9010000: registers 0x9010000-0x9010fff (mapped at IPA == PA) overlap the virtual GIC distributor at IPA 0x9010000 ('gic-dist-ipa')"},
	{"dev-gic",
	 "/chosen/bulkhead/p: property 'devices': /intc@8000000: the GIC cannot be passed through (each partition gets a virtual one)"},
	{"dev-irq-owned",
	 "/chosen/bulkhead/p: property 'devices': /fake@9050000: SPI INTID 48 is already routed to partition 'ok' (by /virtio_mmio@a000000)"},
	{"dev-irq-parent",
	 "/chosen/bulkhead/p: property 'devices': /fake@9050000: interrupt parent is /pl061@9030000, not the GIC /intc@8000000"},
	{"dev-irqs",
	 "/chosen/bulkhead/p: property 'devices': /fake@9050000 has 5 interrupts, more than CONFIG_MAX_DEV_IRQS (4)"},
	{"dev-nothing",
	 "/chosen/bulkhead/p: property 'devices': /gpio-keys has neither 'reg' nor 'interrupts'"},
	{"dev-owned",
	 "/chosen/bulkhead/p: property 'devices': /virtio_mmio@a000000 is already passed to partition 'ok'"},
	{"dev-partial",
	 "/chosen/bulkhead/p: property 'devices': /fake@9051000: registers 0x9051000-0x9052fff partly overlap those of /fake@9050000 (0x9050000-0x9051fff)"},
	{"dev-phandle",
	 "/chosen/bulkhead/p: property 'devices' entry 0 refers to phandle 0x4321, which no node has"},
	{"dev-ppi",
	 "/chosen/bulkhead/p: property 'devices': /fake@9050000: interrupt 0 is INTID 21, a PPI (only SPIs can be routed to a partition)"},
	{"dev-ram",
	 "/chosen/bulkhead/p: property 'devices': /fake@60000000: registers 0x60000000-0x60000fff overlap RAM (0x40000000-0x7fffffff)"},
	{"dev-region-ipa",
	 "/chosen/bulkhead/p: property 'devices': /pl031@9010000: registers 0x9010000-0x9010fff (mapped at IPA == PA) overlap memory@9000000 (IPA 0x9000000-0x90fffff)"},
	{"dev-regs",
	 "/chosen/bulkhead/p: property 'devices': /fake@9050000 has 3 'reg' entries, more than CONFIG_MAX_DEV_REGS (2)"},
	{"dev-shared-page",
	 "/chosen/bulkhead/p: property 'devices': /virtio_mmio@a000200: registers 0xa000000-0xa000fff overlap device /virtio_mmio@a000000 of partition 'ok' (0xa000000-0xa000fff)"},
	{"dev-too-many",
	 "/chosen/bulkhead/p: property 'devices' has 5 entries, more than CONFIG_MAX_DEVICES (4)"},
	{"dev-twice",
	 "/chosen/bulkhead/p: property 'devices' entry 1: /pl031@9010000 is already entry 0"},
};

/* err-<fixture>.dtb: the one line expected; "ok" survives, p does not. Errors in /chosen/bulkhead
 * itself (root-*) drop everything: -EINVAL and no partitions. */
static void test_error_case(void **state)
{
	const struct error_case *ec = *state;
	bool root = !strncmp(ec->fixture, "root-", 5);
	char name[64];
	struct lines l;
	int ret;

	snprintf(name, sizeof(name), "err-%s", ec->fixture);
	ret = parse(name, &l);
	if (ret != (root ? -EINVAL : 1) || l.n != 1 || strcmp(l.line[0], ec->line)) {
		dump_lines(name, ret, &l);
		fail_msg("%s: expected %d and \"%s\"", name, root ? -EINVAL : 1, ec->line);
	}
	if (root) {
		assert_int_equal(cfg.nr_parts, 0);
		assert_int_equal(cfg.slice_us, CONFIG_DEFAULT_SLICE_US);
		return;
	}
	assert_int_equal(cfg.nr_parts, 1);
	assert_string_equal(cfg.parts[0].name, "ok");
	assert_string_equal(cfg.parts[0].path, "/chosen/bulkhead/ok");
	assert_int_equal(cfg.parts[0].regions[0].pa, 0x50000000);
	/* The rejected partition's slot is cleared, not left half-filled. */
	assert_string_equal(cfg.parts[1].name, "");
	assert_int_equal(cfg.parts[1].nr_regions, 0);
}

/* Every err-*.dtb the generator built has its expected line above, and the other way round. */
static void test_every_fixture_has_a_case(void **state)
{
	DIR *dir = opendir(fixture_dir);
	unsigned found = 0;
	struct dirent *e;
	(void)state;

	assert_non_null(dir);
	while ((e = readdir(dir)) != NULL) {
		size_t len = strlen(e->d_name), i = 0;

		if (strncmp(e->d_name, "err-", 4) || len < 8 || strcmp(e->d_name + len - 4, ".dtb"))
			continue;
		while (i < ARRAY_SIZE(error_cases) &&
		       (strlen(error_cases[i].fixture) != len - 8 ||
			strncmp(error_cases[i].fixture, e->d_name + 4, len - 8)))
			i++;
		if (i == ARRAY_SIZE(error_cases))
			fail_msg("%s has no entry in error_cases", e->d_name);
		found++;
	}
	closedir(dir);
	assert_int_equal(found, ARRAY_SIZE(error_cases));
}

/* --- limits that take hundreds of partitions: trees built here, so they follow config.h ------ */

static void setprop_u64s(void *fdt, int node, const char *name, const uint64_t *v, unsigned n)
{
	fdt64_t cells[2];

	for (unsigned i = 0; i < n; i++)
		cells[i] = cpu_to_fdt64(v[i]);
	assert_int_equal(fdt_setprop(fdt, node, name, cells, (int)(n * sizeof(cells[0]))), 0);
}

/* Loads board and gives it a /chosen/bulkhead with n minimal partitions p0..p<n-1>, the i-th on
 * /cpus/cpu@<i % cpus>, each with 4 KiB of its own memory and one shared image module. */
static void *many_partitions(const char *board, unsigned n, unsigned cpus)
{
	void *fdt = load(board);
	int chosen, bh;

	assert_int_equal(fdt_open_into(fdt, fdt, (int)DT_MAX_SIZE), 0);
	chosen = fdt_path_offset(fdt, "/chosen");
	bh = fdt_add_subnode(fdt, chosen, "bulkhead");
	assert_true(bh >= 0);
	assert_int_equal(fdt_setprop_string(fdt, bh, "compatible", "bulkhead,hypervisor"), 0);
	assert_int_equal(fdt_setprop_u32(fdt, bh, "#address-cells", 2), 0);
	assert_int_equal(fdt_setprop_u32(fdt, bh, "#size-cells", 2), 0);
	/* libfdt adds a subnode as the first child: add the last partition first. */
	for (unsigned i = n; i-- > 0;) {
		const uint64_t image[2] = {0x4a100000, 0x1000};
		const uint64_t reg[2] = {0, 0x1000}, phys = 0x50000000 + (uint64_t)i * 0x1000;
		char name[16], cpu[32];
		int part, mem;

		snprintf(name, sizeof(name), "p%u", i);
		snprintf(cpu, sizeof(cpu), "/cpus/cpu@%u", i % cpus);
		part = fdt_add_subnode(fdt, fdt_path_offset(fdt, "/chosen/bulkhead"), name);
		assert_true(part >= 0);
		assert_int_equal(fdt_setprop_string(fdt, part, "compatible", "bulkhead,partition"),
				 0);
		assert_int_equal(fdt_setprop_u32(fdt, part, "#address-cells", 2), 0);
		assert_int_equal(fdt_setprop_u32(fdt, part, "#size-cells", 2), 0);
		assert_int_equal(fdt_setprop_u32(fdt, part, "cpus",
						 fdt_get_phandle(fdt, fdt_path_offset(fdt, cpu))),
				 0);
		setprop_u64s(fdt, part, "image", image, 2);
		mem = fdt_add_subnode(fdt, part, "memory@0");
		assert_true(mem >= 0);
		setprop_u64s(fdt, mem, "reg", reg, 2);
		setprop_u64s(fdt, mem, "phys", &phys, 1);
	}
	assert_int_equal(fdt_pack(fdt), 0);
	return fdt;
}

/* One partition more than CONFIG_MAX_PARTITIONS, spread over 8 CPUs. */
static void test_max_partitions(void **state)
{
	void *fdt = many_partitions("board-smp8", CONFIG_MAX_PARTITIONS + 1, 8);
	char expect[128];
	struct config_env env;
	struct lines l;
	int ret = parse_fdt(fdt, &l);
	(void)state;

	if (ret != 1 || l.n != 1)
		dump_lines("many_partitions", ret, &l);
	assert_int_equal(ret, 1);
	assert_int_equal(l.n, 1);
	snprintf(expect, sizeof(expect),
		 "/chosen/bulkhead/p%u: more than CONFIG_MAX_PARTITIONS (%u) partitions",
		 (unsigned)CONFIG_MAX_PARTITIONS, (unsigned)CONFIG_MAX_PARTITIONS);
	assert_string_equal(l.line[0], expect);
	assert_int_equal(cfg.nr_parts, CONFIG_MAX_PARTITIONS);
	assert_string_equal(cfg.parts[0].name, "p0");
	env = env_for(fdt, &plat);
	check_invariants(&cfg, &env);
	free(fdt);
}

/* All partitions on one CPU. A partition pins at most one vCPU to a CPU, so the per-CPU limit
 * is reachable only while CONFIG_MAX_VCPUS_PER_CPU < CONFIG_MAX_PARTITIONS; otherwise the
 * partition limit is what bounds a CPU's vCPUs, and a full set on one CPU must be accepted. */
static void test_max_vcpus_per_cpu(void **state)
{
	const bool reachable = CONFIG_MAX_VCPUS_PER_CPU < CONFIG_MAX_PARTITIONS;
	const unsigned n = reachable ? CONFIG_MAX_VCPUS_PER_CPU + 1 : CONFIG_MAX_PARTITIONS;
	void *fdt = many_partitions("board-smp4", n, 1);
	char expect[160];
	struct config_env env;
	struct lines l;
	int ret = parse_fdt(fdt, &l);
	(void)state;

	if (ret != (reachable ? 1 : 0))
		dump_lines("many_partitions", ret, &l);
	env = env_for(fdt, &plat);
	check_invariants(&cfg, &env);
	if (!reachable) {
		assert_int_equal(ret, 0);
		assert_int_equal(l.n, 0);
		assert_int_equal(cfg.nr_parts, n);
		free(fdt);
		return;
	}
	assert_int_equal(ret, 1);
	assert_int_equal(l.n, 1);
	snprintf(expect, sizeof(expect),
		 "/chosen/bulkhead/p%u: property 'cpus' entry 0: too many vCPUs on one CPU: "
		 "/cpus/cpu@0 already has CONFIG_MAX_VCPUS_PER_CPU (%u)",
		 n - 1, (unsigned)CONFIG_MAX_VCPUS_PER_CPU);
	assert_string_equal(l.line[0], expect);
	assert_int_equal(cfg.nr_parts, n - 1);
	free(fdt);
}

/* --- valid configurations -------------------------------------------------------------------- */

static void test_full(void **state)
{
	void *fdt = load("good-full");
	const struct part_config *p;
	struct config_env env;
	struct lines l;
	int ret = parse_fdt(fdt, &l);
	(void)state;

	if (ret || l.n)
		dump_lines("good-full", ret, &l);
	assert_int_equal(ret, 0);
	assert_int_equal(l.n, 0);
	assert_int_equal(cfg.slice_us, 5000);
	assert_int_equal(cfg.nr_parts, 3); /* "off" is disabled */

	/* Everything explicit. */
	p = &cfg.parts[0];
	assert_string_equal(p->name, "linux-1");
	assert_string_equal(p->path, "/chosen/bulkhead/linux");
	assert_int_equal(p->index, 0);
	assert_int_equal(p->nr_vcpus, 2);
	assert_int_equal(p->vcpu_mpidr[0], 2);
	assert_int_equal(p->vcpu_mpidr[1], 1);
	assert_int_equal(p->nr_regions, 3);
	assert_int_equal(p->regions[0].ipa, 0x40000000);
	assert_int_equal(p->regions[0].pa, 0x50000000);
	assert_int_equal(p->regions[0].size, 0x10000000);
	assert_int_equal(p->regions[0].attrs.perm, PGT_PERM_RWX);
	assert_int_equal(p->regions[0].attrs.mem, PGT_MEM_NORMAL_WB);
	assert_int_equal(p->regions[1].ipa, 0x80000000);
	assert_int_equal(p->regions[1].pa, 0x60000000);
	assert_int_equal(p->regions[1].size, 0x200000);
	assert_int_equal(p->regions[1].attrs.perm, PGT_PERM_RW);
	assert_int_equal(p->regions[1].attrs.mem, PGT_MEM_NORMAL_NC);
	assert_int_equal(p->regions[2].ipa, 0x4000000);
	assert_int_equal(p->regions[2].pa, 0x4000000);
	assert_int_equal(p->regions[2].size, 0x1000000);
	assert_int_equal(p->regions[2].attrs.perm, PGT_PERM_R);
	assert_int_equal(p->regions[2].attrs.mem, PGT_MEM_DEVICE);
	assert_int_equal(p->image.pa, 0x4a000000);
	assert_int_equal(p->image.size, 0x12345);
	assert_int_equal(p->image_ipa, 0x40008000);
	assert_int_equal(p->entry, 0x40008040);
	assert_int_equal(p->dtb.size, 0);
	assert_true(p->dtb_generated);
	assert_int_equal(p->dtb_ipa, 0x48000000);
	assert_string_equal(p->bootargs, "console=ttyAMA0 earlycon");
	assert_int_equal(p->gicd_ipa, 0x2c000000);
	assert_int_equal(p->gicc_ipa, 0x2c010000);
	assert_int_equal(p->fault_policy, FAULT_RESTART);
	assert_int_equal(p->restart_limit, 5);
	assert_int_equal(p->nr_devices, 3);
	assert_string_equal(p->devices[0].path, "/pl031@9010000");
	assert_int_equal(p->devices[0].nr_regs, 1);
	assert_int_equal(p->devices[0].regs[0].base, 0x9010000);
	assert_int_equal(p->devices[0].regs[0].size, 0x1000);
	assert_int_equal(p->devices[0].nr_irqs, 1);
	assert_int_equal(p->devices[0].intids[0], 34); /* SPI 2 */
	assert_string_equal(p->devices[1].path, "/virtio_mmio@a000000");
	assert_int_equal(p->devices[1].nr_regs, 1); /* 0x200 bytes: the whole page */
	assert_int_equal(p->devices[1].regs[0].base, 0xa000000);
	assert_int_equal(p->devices[1].regs[0].size, 0x1000);
	assert_int_equal(p->devices[1].nr_irqs, 1);
	assert_int_equal(p->devices[1].intids[0], 48);
	assert_string_equal(p->devices[2].path, "/virtio_mmio@a000200");
	assert_int_equal(p->devices[2].nr_regs, 0); /* in the page above */
	assert_int_equal(p->devices[2].nr_irqs, 1);
	assert_int_equal(p->devices[2].intids[0], 49);

	/* Label over an invalid node name; dtb-ipa falls back to the last page with room. */
	p = &cfg.parts[1];
	assert_string_equal(p->name, "tiny");
	assert_string_equal(p->path, "/chosen/bulkhead/Tiny@1");
	assert_int_equal(p->index, 1);
	assert_int_equal(p->nr_vcpus, 1);
	assert_int_equal(p->vcpu_mpidr[0], 0);
	assert_int_equal(p->nr_regions, 1);
	assert_int_equal(p->regions[0].ipa, 0);
	assert_int_equal(p->regions[0].pa, 0x62000000);
	assert_int_equal(p->regions[0].size, 0x100000);
	assert_int_equal(p->regions[0].attrs.perm, PGT_PERM_RWX);
	assert_int_equal(p->regions[0].attrs.mem, PGT_MEM_NORMAL_WB);
	assert_int_equal(p->image.pa, 0x4a100000);
	assert_int_equal(p->image.size, 0x1000);
	assert_int_equal(p->image_ipa, 0);
	assert_int_equal(p->entry, 0);
	assert_int_equal(p->dtb.pa, 0x4a200000);
	assert_int_equal(p->dtb.size, 0x1800);
	assert_int_equal(p->dtb_ipa, 0xfe000);
	assert_string_equal(p->bootargs, "");
	assert_int_equal(p->fault_policy, FAULT_INJECT);
	assert_int_equal(p->restart_limit, CONFIG_DEFAULT_RESTART_LIMIT);
	assert_int_equal(p->gicd_ipa, 0x8000000); /* the platform's GICD and GICC */
	assert_int_equal(p->gicc_ipa, 0x8010000);
	assert_int_equal(p->nr_devices, 0);

	/* Defaults: name from the node, image at the first region, dtb-ipa on a 2 MiB boundary. */
	p = &cfg.parts[2];
	assert_string_equal(p->name, "min");
	assert_int_equal(p->index, 2);
	assert_int_equal(p->nr_vcpus, 1);
	assert_int_equal(p->vcpu_mpidr[0], 1);
	assert_int_equal(p->regions[0].attrs.perm, PGT_PERM_RX);
	assert_int_equal(p->image_ipa, 0x40000000);
	assert_int_equal(p->entry, 0x40000000);
	assert_int_equal(p->dtb_ipa, 0x40e00000);
	assert_int_equal(p->fault_policy, FAULT_STOP);
	assert_int_equal(p->restart_limit, 3);
	assert_int_equal(p->gicd_ipa, 0x8000000);
	assert_int_equal(p->gicc_ipa, 0x8010000);

	env = env_for(fdt, &plat);
	check_invariants(&cfg, &env);
	free(fdt);
}

/* A partition for a Linux guest: the tree is generated (bootargs for its /chosen), the initrd
 * goes right below it at the top of the first region, the emulated UART takes the console's
 * INTID. */
static void test_linux(void **state)
{
	struct lines l;
	int ret = parse("good-linux", &l);
	const struct part_config *p = &cfg.parts[1]; /* after common.dtsi's "ok" */
	(void)state;

	if (ret || l.n)
		dump_lines("good-linux", ret, &l);
	assert_int_equal(ret, 0);
	assert_int_equal(cfg.nr_parts, 2);
	assert_string_equal(p->name, "p");
	assert_true(p->dtb_generated);
	assert_int_equal(p->dtb.size, 0);
	assert_int_equal(p->dtb_ipa, 0x47e00000); /* 2 MiB boundary with room for the tree */
	assert_int_equal(p->initrd.pa, 0x4c000000);
	assert_int_equal(p->initrd.size, 0x123456);
	assert_int_equal(p->initrd_ipa, 0x47cdc000); /* page-aligned, right below the tree */
	assert_string_equal(p->bootargs, "console=ttyAMA0 earlycon=pl011,0x9000000");
	assert_true(p->has_vuart);
	assert_int_equal(p->vuart_ipa, 0x9000000);
	assert_int_equal(p->vuart_intid, 33); /* the console's SPI 1 */
}

/* Without a dtb module every partition gets a generated tree if its memory has room; a first
 * region that the image fills leaves none (r2 = 0 for the guest). */
static void test_generated_dtb_room(void **state)
{
	struct lines l;
	int ret = parse("good-mixed", &l);
	(void)state;
	(void)ret;

	for (unsigned i = 0; i < cfg.nr_parts; i++) {
		const struct part_config *p = &cfg.parts[i];

		if (p->dtb.size) {
			assert_false(p->dtb_generated);
			continue;
		}
		if (p->dtb_generated) {
			assert_true(p->dtb_ipa >= p->regions[0].ipa);
			assert_true(p->dtb_ipa + CONFIG_GUEST_DT_SIZE <=
				    p->regions[0].ipa + p->regions[0].size);
			assert_false(p->dtb_ipa < p->image_ipa + p->image.size &&
				     p->image_ipa < p->dtb_ipa + CONFIG_GUEST_DT_SIZE);
		} else {
			assert_int_equal(p->dtb_ipa, 0);
		}
	}
}

/* A bad partition is dropped alone; what it claimed is free for the partitions after it. */
static void test_mixed(void **state)
{
	struct lines l;
	int ret = parse("good-mixed", &l);
	(void)state;

	if (ret != 2 || l.n != 2)
		dump_lines("good-mixed", ret, &l);
	assert_int_equal(ret, 2);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.line[0], "/chosen/bulkhead/b/memory@40000000: property 'phys': "
				       "0x50800000-0x517fffff overlaps partition 'a' "
				       "(0x50000000-0x50ffffff, its memory at IPA 0x40000000)");
	assert_string_equal(l.line[1], "/chosen/bulkhead/e: property 'fault-policy' is \"panic\", "
				       "expected \"stop\", \"restart\" or \"inject\"");
	assert_int_equal(cfg.nr_parts, 2);
	assert_string_equal(cfg.parts[0].name, "a");
	assert_int_equal(cfg.parts[0].index, 0);
	assert_string_equal(cfg.parts[1].name, "c");
	assert_int_equal(cfg.parts[1].index, 1);
	assert_int_equal(cfg.parts[1].regions[0].pa, 0x51000000);
	assert_string_equal(cfg.parts[1].devices[0].path, "/pl031@9010000");
}

/* No /chosen/bulkhead (QEMU's own tree), or a disabled one: no partitions, no error. */
static void test_no_config(void **state)
{
	uint8_t *fdt = load("board-smp4");
	struct lines l;
	(void)state;

	assert_int_equal(parse_fdt(fdt, &l), 0);
	assert_int_equal(l.n, 0);
	assert_int_equal(cfg.nr_parts, 0);
	assert_int_equal(cfg.slice_us, CONFIG_DEFAULT_SLICE_US);
	free(fdt);

	fdt = load("good-full");
	assert_int_equal(fdt_open_into(fdt, fdt, (int)DT_MAX_SIZE), 0); /* room for the edit */
	assert_int_equal(fdt_setprop_string(fdt, fdt_path_offset(fdt, "/chosen/bulkhead"), "status",
					    "disabled"),
			 0);
	assert_int_equal(parse_fdt(fdt, &l), 0);
	assert_int_equal(l.n, 0);
	assert_int_equal(cfg.nr_parts, 0);
	free(fdt);
}

/* The checks use the env the caller gives, not fixed addresses. */
static void test_env(void **state)
{
	void *fdt = load("good-full");
	struct config_env env;
	struct lines l;
	(void)state;

	assert_int_equal(parse_fdt(fdt, &l), 0);
	env = env_for(fdt, &plat);
	env.hyp.base = 0x5ff00000;
	env.hyp.size = 0x200000;
	env.dtb.base = 0x62000000;
	memset(&l, 0, sizeof(l));
	assert_int_equal(config_parse(fdt, &env, &cfg, collect, &l), 2);
	assert_int_equal(l.n, 3); /* one line per region at fault */
	assert_string_equal(l.line[0], "/chosen/bulkhead/linux/memory@40000000: property 'phys': "
				       "0x50000000-0x5fffffff overlaps the hypervisor "
				       "(0x5ff00000-0x600fffff)");
	assert_string_equal(l.line[1], "/chosen/bulkhead/linux/memory@80000000: property 'phys': "
				       "0x60000000-0x601fffff overlaps the hypervisor "
				       "(0x5ff00000-0x600fffff)");
	assert_string_equal(l.line[2],
			    "/chosen/bulkhead/Tiny@1/memory@0: property 'phys': "
			    "0x62000000-0x620fffff overlaps the DTB (0x62000000-0x620024b8)");
	assert_int_equal(cfg.nr_parts, 1);
	assert_string_equal(cfg.parts[0].name, "min");
	assert_int_equal(cfg.parts[0].index, 0);
	free(fdt);
}

/* A NULL report callback is allowed; the count still comes back. */
static void test_null_report(void **state)
{
	void *fdt = load("good-mixed");
	struct config_env env;
	struct diag d;
	(void)state;

	assert_int_equal(platform_discover(fdt, &plat, &d), 0);
	env = env_for(fdt, &plat);
	assert_int_equal(config_parse(fdt, &env, &cfg, NULL, NULL), 2);
	assert_int_equal(cfg.nr_parts, 2);
	free(fdt);
}

static void test_bad_blob(void **state)
{
	uint8_t *fdt = load("good-full");
	struct lines l;
	struct config_env env;
	struct diag d;
	(void)state;

	assert_int_equal(platform_discover(fdt, &plat, &d), 0);
	env = env_for(fdt, &plat);
	memcpy(fdt, "junk", 4);
	memset(&l, 0, sizeof(l));
	assert_int_equal(config_parse(fdt, &env, &cfg, collect, &l), -EINVAL);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.line[0], "dtb: bad header: FDT_ERR_BADMAGIC");
	assert_int_equal(cfg.nr_parts, 0);
	free(fdt);
}

static void test_fault_policy_name(void **state)
{
	(void)state;
	assert_string_equal(fault_policy_name(FAULT_STOP), "stop");
	assert_string_equal(fault_policy_name(FAULT_RESTART), "restart");
	assert_string_equal(fault_policy_name(FAULT_INJECT), "inject");
	assert_string_equal(fault_policy_name((enum fault_policy)7), "unknown");
}

/* The dt.c helpers config.c added, where the fixtures do not reach every branch. */
static void test_dt_helpers(void **state)
{
	void *fdt = load("good-full");
	int nodes[2], node = fdt_path_offset(fdt, "/chosen/bulkhead/linux");
	unsigned n;
	uint64_t v[2];
	struct diag d;
	(void)state;

	assert_true(node > 0);
	assert_int_equal(dt_read_u64s(fdt, node, "image", v, 2, &d), 0);
	assert_int_equal(v[0], 0x4a000000);
	assert_int_equal(v[1], 0x12345);
	assert_int_equal(dt_read_u64s(fdt, node, "image", v, 1, &d), -EINVAL);
	assert_string_equal(d.msg,
			    "/chosen/bulkhead/linux: property 'image' is 16 bytes, expected 8 "
			    "(2 cells)");
	assert_int_equal(dt_read_u64s(fdt, node, "nope", v, 1, &d), -ENOENT);
	assert_string_equal(d.msg, "/chosen/bulkhead/linux: property 'nope' missing");

	/* More entries than room: all are checked and counted, the first max stored. */
	assert_int_equal(dt_read_phandles(fdt, node, "devices", nodes, 2, &n, &d), 0);
	assert_int_equal(n, 3);
	assert_int_equal(nodes[0], fdt_path_offset(fdt, "/pl031@9010000"));
	assert_int_equal(nodes[1], fdt_path_offset(fdt, "/virtio_mmio@a000000"));
	assert_int_equal(dt_read_phandles(fdt, node, "bootargs", nodes, 2, &n, &d), -EINVAL);
	assert_string_equal(d.msg, "/chosen/bulkhead/linux: property 'bootargs' is 25 bytes, not a "
				   "whole number of 4-byte phandles");
	assert_int_equal(n, 0);
	/* "linux-1\0" reads as two phandles that no node has. */
	assert_int_equal(dt_read_phandles(fdt, node, "label", nodes, 2, &n, &d), -EINVAL);
	assert_string_equal(d.msg, "/chosen/bulkhead/linux: property 'label' entry 0 refers to "
				   "phandle 0x6c696e75, which no node has");
	assert_int_equal(n, 0);

	assert_string_equal(dt_name(fdt, dt_child(fdt, node, -1)), "memory@40000000");
	assert_string_equal(dt_name(fdt, dt_child(fdt, node, dt_child(fdt, node, -1))),
			    "memory@80000000");
	assert_int_equal(dt_parent(fdt, node), fdt_path_offset(fdt, "/chosen/bulkhead"));
	assert_string_equal(dt_prop_name_at(fdt, node, 0), "compatible");
	assert_string_equal(dt_prop_name_at(fdt, node, 1), "label");
	assert_null(dt_prop_name_at(fdt, node, 100));
	free(fdt);
}

/* xorshift64*: the fuzz loop's fixed-seed generator. */
static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

/* Calls fn on every property in the /chosen/bulkhead subtree of fdt until it returns true. */
static bool for_each_cfg_prop(const void *fdt, bool (*fn)(void *arg, int node, int off), void *arg)
{
	int depth = 0, node = fdt_path_offset(fdt, "/chosen/bulkhead");

	while (node >= 0 && depth >= 0) {
		int off;

		fdt_for_each_property_offset(off, fdt, node)
		{
			if (fn(arg, node, off))
				return true;
		}
		node = fdt_next_node(fdt, node, &depth);
		if (depth <= 0)
			break;
	}
	return false;
}

struct pick {
	unsigned n; /* counting: properties seen; picking: properties to skip */
	int node, off;
};

static bool count_prop(void *arg, int node, int off)
{
	(void)node;
	(void)off;
	((struct pick *)arg)->n++;
	return false;
}

static bool pick_nth(void *arg, int node, int off)
{
	struct pick *p = arg;

	if (p->n--)
		return false;
	p->node = node;
	p->off = off;
	return true;
}

/* A random property in the /chosen/bulkhead subtree of fdt: its node and name, or false. */
static bool pick_prop(const void *fdt, uint64_t r, int *node, const char **name)
{
	struct pick p = {0, -1, -1};

	for_each_cfg_prop(fdt, count_prop, &p);
	if (!p.n)
		return false;
	p.n = (unsigned)(r % p.n);
	if (!for_each_cfg_prop(fdt, pick_nth, &p))
		return false;
	*node = p.node;
	return fdt_getprop_by_offset(fdt, p.off, name, NULL) && *name;
}

/* One structure-preserving change to a property value under /chosen/bulkhead: truncate it,
 * extend it, overwrite a cell with an edge value, flip a bit, or delete it. fdt has room. */
static void mutate_value(uint8_t *fdt, uint64_t *seed)
{
	static const uint32_t edge[] = {0,	    1,		2,	    0x7,       0xfff,
					0x1000,	    0x8000,	0x8001,	    0x8003,    0x40000000,
					0x50000000, 0x7fffffff, 0x80000000, 0xffffffff};
	uint64_t r = next_rand(seed);
	const char *name;
	uint8_t val[512];
	int node, len;
	const void *v;

	if (!pick_prop(fdt, r, &node, &name))
		return;
	v = fdt_getprop(fdt, node, name, &len);
	if (!v || len < 0 || (size_t)len + 8 > sizeof(val))
		return;
	memcpy(val, v, (size_t)len);
	r = next_rand(seed);
	switch (r % 6) {
	case 0: /* truncate */
		len = len ? (int)((r >> 8) % (uint64_t)len) : 0;
		break;
	case 1: /* extend by one cell */
		memset(val + len, (int)(r >> 16), 4);
		len += 4;
		break;
	case 2: /* an edge value in a cell */
	case 3:
		if (len >= 4) {
			uint32_t cell = cpu_to_fdt32(edge[(r >> 8) % ARRAY_SIZE(edge)]);

			memcpy(val + 4 * ((r >> 24) % (uint64_t)(len / 4)), &cell, 4);
		}
		break;
	case 4: /* flip a bit */
		if (len)
			val[(r >> 8) % (uint64_t)len] ^= (uint8_t)(1u << ((r >> 32) % 8));
		break;
	default:
		fdt_delprop(fdt, node, name);
		return;
	}
	assert_int_equal(fdt_setprop(fdt, node, name, val, len), 0);
}

/* Random damage to a valid tree, the platform discovered from the undamaged one (the parser's
 * input may be worse than what discovery saw): config_parse must return a sane value with
 * well-formed lines, and whatever it accepts must obey every rule (check_invariants).
 * Three kinds of damage, in turn: bytes anywhere in the blob (mostly caught by dt_check), bytes
 * in the /chosen/bulkhead subtree (at the end of the structure block), and changes to property
 * values there that keep the structure valid, which is what reaches the partition checks.
 * ASan/UBSan watch the rest. Fixed seed, so failures reproduce. */
static void fuzz(const char *name, int rounds)
{
	uint8_t *orig = load(name), *fdt = load(name);
	struct config_env env;
	struct diag d;
	uint32_t size, end, cfg_start, cfg_end;
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	unsigned parsed = 0, changed = 0, with_parts = 0;
	struct lines base;
	int base_ret;

	/* Room for value changes that grow the blob. */
	assert_int_equal(fdt_open_into(fdt, orig, (int)fdt_totalsize(fdt) + 0x4000), 0);
	size = fdt_totalsize(orig);
	end = fdt_off_dt_strings(orig) + fdt_size_dt_strings(orig);
	cfg_start = fdt_off_dt_struct(orig) + (uint32_t)fdt_path_offset(orig, "/chosen/bulkhead");
	cfg_end = fdt_off_dt_struct(orig) + fdt_size_dt_struct(orig);
	assert_true(cfg_start < cfg_end && cfg_end <= end);

	assert_int_equal(platform_discover(orig, &plat, &d), 0);
	env = env_for(orig, &plat);
	memset(&base, 0, sizeof(base));
	base_ret = config_parse(orig, &env, &cfg, collect, &base);
	assert_true(base_ret >= 0);
	for (int round = 0; round < rounds; round++) {
		unsigned changes = 1 + (unsigned)(round % 3);
		struct lines l;

		memcpy(fdt, orig, size);
		for (unsigned i = 0; i < changes; i++) {
			uint64_t r = next_rand(&seed);
			uint32_t off = round % 3 == 1
					       ? cfg_start + (uint32_t)(r % (cfg_end - cfg_start))
					       : (uint32_t)(r % end);

			if (round % 3 == 2) {
				mutate_value(fdt, &seed);
				continue;
			}
			/* Bit flips reach more checks than random bytes. */
			fdt[off] = (r >> 40) % 3 ? (uint8_t)(fdt[off] ^ (1u << ((r >> 32) % 8)))
						 : (uint8_t)(r >> 48);
		}
		memset(&l, 0, sizeof(l));
		memset(&cfg, 0xa5, sizeof(cfg));
		int ret = config_parse(fdt, &env, &cfg, collect, &l);
		if (ret < 0) {
			assert_int_equal(ret, -EINVAL);
			assert_int_equal(cfg.nr_parts, 0);
		}
		for (unsigned i = 0; i < l.n && i < MAX_LINES; i++) {
			assert_true(strlen(l.line[i]) > 0);
			for (const char *ch = l.line[i]; *ch; ch++)
				assert_true(*ch >= 0x20 && *ch < 0x7f);
			assert_true(l.line[i][0] == '/' || !strncmp(l.line[i], "dtb: ", 5) ||
				    !strncmp(l.line[i], ".../", 4) ||
				    !strncmp(l.line[i], "<node at offset", 15));
		}
		if (ret != 0)
			assert_true(l.n > 0);
		check_invariants(&cfg, &env);
		parsed += ret >= 0;
		with_parts += cfg.nr_parts > 0;
		changed += ret != base_ret || l.n != base.n ||
			   (l.n && base.n && strcmp(l.line[0], base.line[0]));
	}
	/* The damage did reach the partition checks, and partitions still got through. */
	assert_true(parsed > (unsigned)rounds / 3);
	assert_true(changed > (unsigned)rounds / 4);
	assert_true(with_parts > (unsigned)rounds / 4);
	free(orig);
	free(fdt);
}

static void test_fuzz_full(void **state)
{
	(void)state;
	fuzz("good-full", 3000);
}

static void test_fuzz_mixed(void **state)
{
	(void)state;
	fuzz("good-mixed", 2000);
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_every_fixture_has_a_case),
		cmocka_unit_test(test_max_vcpus_per_cpu),
		cmocka_unit_test(test_max_partitions),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_linux),
		cmocka_unit_test(test_generated_dtb_room),
		cmocka_unit_test(test_mixed),
		cmocka_unit_test(test_no_config),
		cmocka_unit_test(test_env),
		cmocka_unit_test(test_null_report),
		cmocka_unit_test(test_bad_blob),
		cmocka_unit_test(test_fault_policy_name),
		cmocka_unit_test(test_dt_helpers),
		cmocka_unit_test(test_fuzz_full),
		cmocka_unit_test(test_fuzz_mixed),
	};
	const size_t nr_errors = ARRAY_SIZE(error_cases);
	struct CMUnitTest *tests;
	int ret;

	fixture_dir = getenv("BULKHEAD_TEST_CONFIG_DIR");
	if (!fixture_dir || !*fixture_dir) {
		fprintf(stderr,
			"test_config: set BULKHEAD_TEST_CONFIG_DIR to a directory filled by "
			"tests/unit/config/make-fixtures.sh\n");
		return 1;
	}
	tests = calloc(nr_errors + ARRAY_SIZE(fixed), sizeof(*tests));
	if (!tests)
		return 1;
	/* One test per error fixture, named after it. */
	for (size_t i = 0; i < nr_errors; i++)
		tests[i] = (struct CMUnitTest){.name = error_cases[i].fixture,
					       .test_func = test_error_case,
					       .initial_state = (void *)&error_cases[i]};
	memcpy(tests + nr_errors, fixed, sizeof(fixed));
	ret = _cmocka_run_group_tests("config", tests, nr_errors + ARRAY_SIZE(fixed), NULL, NULL);
	free(tests);
	return ret;
}
