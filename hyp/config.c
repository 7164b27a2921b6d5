/* Partition configuration parser: /chosen/bulkhead -> struct config (see config.h and
 * docs/bindings.md, which lists every rule checked here and the exact wording of each line).
 *
 * One partition at a time, in DT order, into the next free slot of cfg->parts: first what the node
 * says on its own (cells, name, CPUs, policy, modules, memory regions, GIC windows, devices), then
 * how it fits with the platform and with the partitions accepted before it. The slot is kept only
 * if no problem was found. Each problem is one report() line that starts with the DT path of the
 * node holding the faulty property and names the property; checks whose input was already found
 * broken are skipped, so one mistake gives one line.
 *
 * Address ranges are [base, base + size) with size > 0; messages print them inclusive.
 * The DTB is untrusted: every value is range-checked before any arithmetic that could wrap.
 */
#include "hyp/config.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "hyp/assert.h"
#include "hyp/dt.h"

/* Newlib's <inttypes.h> defines the 64-bit macros only with its own <stdint.h>, which a
 * freestanding build does not use; uint64_t is unsigned long long there (-Wformat checks it). */
#ifndef PRIx64
#define PRIx64 "llx"
#endif

/* Stage-2 input addresses are 40 bits (mm/stage2.h) and so are LPAE output addresses (ARM ARM
 * B3.6): a range must end at or below these limits. */
#define CFG_IPA_BITS 40
#define CFG_PA_BITS 40
#define CFG_IPA_LIMIT ((uint64_t)1 << CFG_IPA_BITS)
#define CFG_PA_LIMIT ((uint64_t)1 << CFG_PA_BITS)

/* Every address and size in the binding is two cells. */
#define CFG_CELLS 2u

/* The default dtb-ipa: the highest 2 MiB boundary above the base of the first region with room
 * for the DTB behind it (away from the image at the base, and where a Linux guest does not
 * overwrite it while decompressing), else the highest page boundary with room. The DT spec wants
 * 8-byte alignment at least. */
#define CFG_DTB_ALIGN MiB(2)
#define CFG_DTB_MIN_ALIGN 8u

#define CFG_LINE_MAX 256
#define CFG_DESC_MAX 160

static const char *const bulkhead_props[] = {
	"compatible", "#address-cells", "#size-cells", "time-slice-us", "phandle",
};

static const char *const partition_props[] = {
	"compatible",	 "label",     "#address-cells", "#size-cells", "cpus",
	"image",	 "image-ipa", "entry",		"dtb",	       "dtb-ipa",
	"bootargs",	 "devices",   "gic-dist-ipa",	"gic-cpu-ipa", "fault-policy",
	"restart-limit", "status",    "phandle",	"initrd",      "initrd-ipa",
	"vuart",
};

static const char *const region_props[] = {"reg", "phys", "access", "type", "phandle"};

static const struct {
	const char *name;
	enum fault_policy policy;
} fault_policies[] = {
	{"stop", FAULT_STOP},
	{"restart", FAULT_RESTART},
	{"inject", FAULT_INJECT},
};

static const struct {
	const char *name;
	enum pgt_mem mem;
} region_types[] = {
	{"normal", PGT_MEM_NORMAL_WB},
	{"normal-nc", PGT_MEM_NORMAL_NC},
	{"device", PGT_MEM_DEVICE},
};

/* The whole parse. */
struct ctx {
	const void *fdt;
	const struct config_env *env;
	const struct platform *plat;
	struct config *cfg;
	config_report_fn report;
	void *arg;
	int gic;  /* the platform's GIC node (device interrupts must come from it), or -1 */
	int uart; /* the console node, or -1 */
};

/* One partition being parsed into part. */
struct pctx {
	struct ctx *c;
	struct part_config *part;
	int node;
	unsigned errors;
	int region_node[CONFIG_MAX_REGIONS]; /* for messages */
	bool regions_ok;		     /* every child parsed; part->regions is complete */
	bool image_ok;			     /* image module read and valid */
	bool image_placed;		     /* image_ipa .. + size lies in a normal region */
	bool dtb_ok;			     /* dtb module read and valid (if any) */
	bool has_dtb;
	bool has_initrd; /* initrd module read and valid */
};

static uint64_t last(uint64_t base, uint64_t size)
{
	return base + size - 1;
}

/* True if [base, base + size) lies in [0, limit); never wraps. */
static bool below(uint64_t base, uint64_t size, uint64_t limit)
{
	return base < limit && size <= limit - base;
}

/* True if [base, base + size) lies inside [outer, outer + osize). */
static bool inside(uint64_t base, uint64_t size, uint64_t outer, uint64_t osize)
{
	return base >= outer && size <= osize && base - outer <= osize - size;
}

static void vsay(struct ctx *c, int node, const char *fmt, va_list ap)
{
	char line[CFG_LINE_MAX];
	int n = 0;

	if (!c->report)
		return;
	if (node >= 0) {
		char path[DT_PATH_MAX];

		n = fmt_snprintf(line, sizeof(line),
				 "%s: ", dt_path(c->fdt, node, path, sizeof(path)));
	}
	if (n >= 0 && (size_t)n < sizeof(line))
		fmt_vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	/* Names and strings come from the DTB: a control character must not end the line or
	 * start a forged one on the console. */
	for (char *p = line; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
	c->report(c->arg, line);
}

/* Reports "<path of node>: <fmt...>" (node < 0: just the message). */
static void __printf(3, 4) say(struct ctx *c, int node, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(c, node, fmt, ap);
	va_end(ap);
}

/* Reports a problem of the partition being parsed, found at node (the partition or a child). */
static void __printf(3, 4) problem(struct pctx *pc, int node, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(pc->c, node, fmt, ap);
	va_end(ap);
	pc->errors++;
}

/* Reports each property of node that the binding does not define, so that a misspelt optional
 * property is an error rather than a silent default. Returns the number reported. */
static unsigned unknown_props(struct ctx *c, int node, const char *const *known, size_t n)
{
	unsigned bad = 0;
	const char *name;

	for (unsigned i = 0; (name = dt_prop_name_at(c->fdt, node, i)) != NULL; i++) {
		size_t k = 0;

		while (k < n && strcmp(name, known[k]))
			k++;
		if (k == n) {
			say(c, node, "unknown property '%s'", name);
			bad++;
		}
	}
	return bad;
}

/* Checks that node's #address-cells and #size-cells are both 2. Returns the number of problems. */
static unsigned check_cells(struct ctx *c, int node)
{
	static const char *const names[] = {"#address-cells", "#size-cells"};
	unsigned bad = 0;

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		struct diag d;
		uint32_t v;
		int err = dt_read_u32(c->fdt, node, names[i], &v, &d);

		if (err == -ENOENT) {
			say(c, node, "property '%s' missing (must be 2)", names[i]);
			bad++;
		} else if (err) {
			say(c, -1, "%s", d.msg);
			bad++;
		} else if (v != CFG_CELLS) {
			say(c, node, "property '%s' is %" PRIu32 ", must be 2", names[i], v);
			bad++;
		}
	}
	return bad;
}

/* Reads an optional one-value (2-cell) address property; returns false (reported) if malformed. */
static bool read_addr(struct pctx *pc, int node, const char *name, uint64_t *out)
{
	struct diag d;

	if (!dt_has_prop(pc->c->fdt, node, name))
		return true;
	if (dt_read_u64s(pc->c->fdt, node, name, out, 1, &d)) {
		problem(pc, -1, "%s", d.msg);
		return false;
	}
	return true;
}

/* The first region of the partition containing ipa, or -1. */
static int region_at(const struct part_config *part, uint64_t ipa)
{
	for (unsigned i = 0; i < part->nr_regions; i++) {
		const struct part_region *r = &part->regions[i];

		if (ipa >= r->ipa && ipa - r->ipa < r->size)
			return (int)i;
	}
	return -1;
}

static const char *region_name(const struct pctx *pc, unsigned i)
{
	return dt_name(pc->c->fdt, pc->region_node[i]);
}

/* The access string for perm, as the binding writes it ("rw"). */
static void access_string(uint8_t perm, char buf[4])
{
	size_t n = 0;

	if (perm & PGT_PERM_R)
		buf[n++] = 'r';
	if (perm & PGT_PERM_W)
		buf[n++] = 'w';
	if (perm & PGT_PERM_X)
		buf[n++] = 'x';
	buf[n] = '\0';
}

/* --- conflicts between physical ranges ----------------------------------------------------- */

/* What a physical range is checked against; see pa_conflict(). */
#define PA_HYP 0x1u	     /* the hypervisor and the DTB */
#define PA_MODULES 0x2u	     /* image and DTB modules of accepted partitions */
#define PA_PARTITIONS 0x4u   /* memory regions and devices of accepted partitions */
#define PA_HW 0x8u	     /* the GIC's frames and the console UART */
#define PA_OWN_REGIONS 0x10u /* the memory regions of the partition being parsed */

static bool pa_conflict(const struct pctx *pc, uint64_t pa, uint64_t size, unsigned what,
			char *desc, size_t n)
{
	const struct ctx *c = pc->c;
	const struct platform *plat = c->plat;

	if (what & PA_HYP) {
		const struct plat_region *h = &c->env->hyp, *t = &c->env->dtb;

		if (ranges_overlap(pa, size, h->base, h->size)) {
			fmt_snprintf(desc, n, "the hypervisor (0x%" PRIx64 "-0x%" PRIx64 ")",
				     h->base, last(h->base, h->size));
			return true;
		}
		if (ranges_overlap(pa, size, t->base, t->size)) {
			fmt_snprintf(desc, n, "the DTB (0x%" PRIx64 "-0x%" PRIx64 ")", t->base,
				     last(t->base, t->size));
			return true;
		}
	}
	if (what & PA_HW) {
		const struct {
			const char *what;
			const struct plat_region *r;
		} hw[] = {
			{"the GIC distributor", &plat->gic.dist},
			{"the GIC CPU interface", &plat->gic.cpu},
			{"the GIC virtual interface control", &plat->gic.hyp},
			{"the GIC virtual CPU interface", &plat->gic.vcpu},
			{"the hypervisor's console", &plat->uart.reg},
		};

		for (size_t i = 0; i < ARRAY_SIZE(hw); i++) {
			if (ranges_overlap(pa, size, hw[i].r->base, hw[i].r->size)) {
				fmt_snprintf(desc, n, "%s (0x%" PRIx64 "-0x%" PRIx64 ")",
					     hw[i].what, hw[i].r->base,
					     last(hw[i].r->base, hw[i].r->size));
				return true;
			}
		}
	}
	for (unsigned q = 0; q < c->cfg->nr_parts; q++) {
		const struct part_config *o = &c->cfg->parts[q];
		const struct {
			const char *what;
			const struct part_module *m;
		} mods[] = {{"image", &o->image}, {"dtb", &o->dtb}, {"initrd", &o->initrd}};

		for (size_t i = 0; (what & PA_MODULES) && i < ARRAY_SIZE(mods); i++) {
			const struct part_module *m = mods[i].m;

			if (ranges_overlap(pa, size, m->pa, m->size)) {
				fmt_snprintf(desc, n,
					     "the %s module of partition '%s' (0x%" PRIx64
					     "-0x%" PRIx64 ")",
					     mods[i].what, o->name, m->pa, last(m->pa, m->size));
				return true;
			}
		}
		if (!(what & PA_PARTITIONS))
			continue;
		for (unsigned i = 0; i < o->nr_regions; i++) {
			const struct part_region *r = &o->regions[i];

			if (ranges_overlap(pa, size, r->pa, r->size)) {
				fmt_snprintf(desc, n,
					     "partition '%s' (0x%" PRIx64 "-0x%" PRIx64
					     ", its memory at IPA 0x%" PRIx64 ")",
					     o->name, r->pa, last(r->pa, r->size), r->ipa);
				return true;
			}
		}
		for (unsigned i = 0; i < o->nr_devices; i++) {
			const struct part_device *dv = &o->devices[i];

			for (unsigned k = 0; k < dv->nr_regs; k++) {
				const struct plat_region *r = &dv->regs[k];

				if (ranges_overlap(pa, size, r->base, r->size)) {
					fmt_snprintf(desc, n,
						     "device %s of partition '%s' (0x%" PRIx64
						     "-0x%" PRIx64 ")",
						     dv->path, o->name, r->base,
						     last(r->base, r->size));
					return true;
				}
			}
		}
	}
	if (what & PA_OWN_REGIONS) {
		const struct part_config *part = pc->part;

		for (unsigned i = 0; i < part->nr_regions; i++) {
			const struct part_region *r = &part->regions[i];

			if (ranges_overlap(pa, size, r->pa, r->size)) {
				fmt_snprintf(desc, n,
					     "%s of this partition (0x%" PRIx64 "-0x%" PRIx64 ")",
					     region_name(pc, i), r->pa, last(r->pa, r->size));
				return true;
			}
		}
	}
	return false;
}

/* The RAM bank holding all of [pa, pa + size), or -1. */
static int ram_bank(const struct platform *plat, uint64_t pa, uint64_t size)
{
	for (unsigned i = 0; i < plat->nr_ram; i++)
		if (inside(pa, size, plat->ram[i].base, plat->ram[i].size))
			return (int)i;
	return -1;
}

/* The first RAM bank overlapping [pa, pa + size), or -1. */
static int ram_overlap(const struct platform *plat, uint64_t pa, uint64_t size)
{
	for (unsigned i = 0; i < plat->nr_ram; i++)
		if (ranges_overlap(pa, size, plat->ram[i].base, plat->ram[i].size))
			return (int)i;
	return -1;
}

/* --- the partition node's own properties ---------------------------------------------------- */

static bool name_char_ok(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
}

/* Copies the first len characters of s into out if they form a valid partition name. */
static bool take_name(const char *s, size_t len, char *out)
{
	if (len == 0 || len >= CONFIG_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!name_char_ok(s[i]))
			return false;
	memcpy(out, s, len);
	out[len] = '\0';
	return true;
}

static void parse_name(struct pctx *pc)
{
	struct ctx *c = pc->c;
	struct part_config *part = pc->part;

	if (dt_has_prop(c->fdt, pc->node, "label")) {
		struct diag d;
		const char *label;

		if (dt_read_string(c->fdt, pc->node, "label", &label, &d))
			problem(pc, -1, "%s", d.msg);
		else if (!take_name(label, strlen(label), part->name))
			problem(pc, pc->node,
				"property 'label': \"%.40s\" is not a partition name (1 to %u "
				"characters of a-z, 0-9, '_', '-')",
				label, CONFIG_NAME_MAX - 1);
	} else {
		const char *node_name = dt_name(c->fdt, pc->node);
		size_t len = strcspn(node_name, "@");

		if (!take_name(node_name, len, part->name))
			problem(pc, pc->node,
				"node name '%.40s' is not a partition name (1 to %u characters of "
				"a-z, 0-9, '_', '-'); set 'label'",
				node_name, CONFIG_NAME_MAX - 1);
	}
	if (!part->name[0])
		return;
	for (unsigned q = 0; q < c->cfg->nr_parts; q++) {
		if (!strcmp(c->cfg->parts[q].name, part->name)) {
			problem(pc, pc->node, "partition name '%s' is already used by %s",
				part->name, c->cfg->parts[q].path);
			return;
		}
	}
}

/* vCPUs per physical CPU over the accepted partitions. */
static unsigned vcpus_on(const struct ctx *c, uint32_t mpidr)
{
	unsigned n = 0;

	for (unsigned q = 0; q < c->cfg->nr_parts; q++)
		for (unsigned i = 0; i < c->cfg->parts[q].nr_vcpus; i++)
			n += c->cfg->parts[q].vcpu_mpidr[i] == mpidr;
	return n;
}

static void parse_cpus(struct pctx *pc)
{
	struct ctx *c = pc->c;
	struct part_config *part = pc->part;
	int nodes[CONFIG_MAX_VCPUS], cpus = dt_node(c->fdt, "/cpus");
	unsigned n;
	struct diag d;
	int err = dt_read_phandles(c->fdt, pc->node, "cpus", nodes, CONFIG_MAX_VCPUS, &n, &d);

	if (err) {
		problem(pc, -1, "%s", d.msg);
		return;
	}
	if (n == 0) {
		problem(pc, pc->node, "property 'cpus' is empty (need 1 to %u CPUs)",
			CONFIG_MAX_VCPUS);
		return;
	}
	if (n > CONFIG_MAX_VCPUS) {
		problem(pc, pc->node,
			"property 'cpus' has %u entries, more than CONFIG_MAX_VCPUS (%u)", n,
			CONFIG_MAX_VCPUS);
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		char cpath[DT_PATH_MAX];
		struct dt_reg reg;
		unsigned nreg, k;

		dt_path(c->fdt, nodes[i], cpath, sizeof(cpath));
		if (cpus < 0 || dt_parent(c->fdt, nodes[i]) != cpus ||
		    !dt_prop_is(c->fdt, nodes[i], "device_type", "cpu") ||
		    dt_read_reg_raw(c->fdt, nodes[i], &reg, 1, &nreg, NULL)) {
			problem(pc, pc->node,
				"property 'cpus' entry %u: %s is not a CPU (a /cpus child with "
				"device_type = \"cpu\")",
				i, cpath);
			return;
		}
		for (k = 0; k < c->plat->nr_cpus; k++)
			if (c->plat->cpus[k].mpidr == reg.base)
				break;
		if (k == c->plat->nr_cpus) {
			problem(pc, pc->node, "property 'cpus' entry %u: %s is not a platform CPU",
				i, cpath);
			return;
		}
		for (k = 0; k < i; k++) {
			if (nodes[k] == nodes[i]) {
				problem(pc, pc->node,
					"property 'cpus' entry %u: %s is already entry %u", i,
					cpath, k);
				return;
			}
		}
		if (vcpus_on(c, (uint32_t)reg.base) >= CONFIG_MAX_VCPUS_PER_CPU) {
			problem(pc, pc->node,
				"property 'cpus' entry %u: too many vCPUs on one CPU: %s already has "
				"CONFIG_MAX_VCPUS_PER_CPU (%u)",
				i, cpath, CONFIG_MAX_VCPUS_PER_CPU);
			return;
		}
		part->vcpu_mpidr[i] = (uint32_t)reg.base;
	}
	part->nr_vcpus = n;
}

static void parse_policy(struct pctx *pc)
{
	struct ctx *c = pc->c;
	struct part_config *part = pc->part;
	struct diag d;

	part->fault_policy = FAULT_STOP;
	part->restart_limit = CONFIG_DEFAULT_RESTART_LIMIT;
	if (dt_has_prop(c->fdt, pc->node, "fault-policy")) {
		const char *s;

		if (dt_read_string(c->fdt, pc->node, "fault-policy", &s, &d)) {
			problem(pc, -1, "%s", d.msg);
		} else {
			size_t i = 0;

			while (i < ARRAY_SIZE(fault_policies) && strcmp(s, fault_policies[i].name))
				i++;
			if (i < ARRAY_SIZE(fault_policies))
				part->fault_policy = fault_policies[i].policy;
			else
				problem(pc, pc->node,
					"property 'fault-policy' is \"%.32s\", expected \"stop\", "
					"\"restart\" or \"inject\"",
					s);
		}
	}
	if (dt_has_prop(c->fdt, pc->node, "restart-limit")) {
		uint32_t v;

		if (dt_read_u32(c->fdt, pc->node, "restart-limit", &v, &d))
			problem(pc, -1, "%s", d.msg);
		else
			part->restart_limit = v;
	}
}

static void parse_bootargs(struct pctx *pc)
{
	struct ctx *c = pc->c;
	struct diag d;
	const char *s;
	size_t len;

	if (!dt_has_prop(c->fdt, pc->node, "bootargs"))
		return;
	if (dt_read_string(c->fdt, pc->node, "bootargs", &s, &d)) {
		problem(pc, -1, "%s", d.msg);
		return;
	}
	len = strlen(s);
	if (len >= CONFIG_BOOTARGS_MAX) {
		problem(pc, pc->node,
			"property 'bootargs' is %zu characters, more than CONFIG_BOOTARGS_MAX - 1 "
			"(%u)",
			len, CONFIG_BOOTARGS_MAX - 1);
		return;
	}
	memcpy(pc->part->bootargs, s, len + 1);
}

/* Reads module property name (<PA SIZE>) and checks it against RAM, the hypervisor and the DTB.
 * Its overlap with memory regions is checked once they are known (check_module_regions). */
static bool parse_module(struct pctx *pc, const char *name, struct part_module *m)
{
	struct ctx *c = pc->c;
	char desc[CFG_DESC_MAX];
	uint64_t v[2];
	struct diag d;

	if (dt_read_u64s(c->fdt, pc->node, name, v, 2, &d)) {
		problem(pc, -1, "%s", d.msg);
		return false;
	}
	m->pa = v[0];
	m->size = v[1];
	if (m->size == 0) {
		problem(pc, pc->node, "property '%s': size is 0", name);
		return false;
	}
	if (ram_bank(c->plat, m->pa, m->size) < 0) {
		problem(pc, pc->node,
			"property '%s': 0x%" PRIx64 "-0x%" PRIx64 " is not inside one RAM bank "
			"(modules are loaded into RAM)",
			name, m->pa, last(m->pa, m->size));
		return false;
	}
	if (pa_conflict(pc, m->pa, m->size, PA_HYP, desc, sizeof(desc))) {
		problem(pc, pc->node, "property '%s': 0x%" PRIx64 "-0x%" PRIx64 " overlaps %s",
			name, m->pa, last(m->pa, m->size), desc);
		return false;
	}
	return true;
}

static void parse_modules(struct pctx *pc)
{
	struct ctx *c = pc->c;
	struct part_config *part = pc->part;

	pc->image_ok = parse_module(pc, "image", &part->image);
	pc->has_dtb = dt_has_prop(c->fdt, pc->node, "dtb");
	if (pc->has_dtb) {
		pc->dtb_ok = parse_module(pc, "dtb", &part->dtb);
		if (!pc->dtb_ok)
			part->dtb = (struct part_module){0, 0};
		if (dt_has_prop(c->fdt, pc->node, "bootargs"))
			problem(pc, pc->node,
				"property 'bootargs' given with 'dtb' (a guest DTB module is used "
				"as given: put bootargs in its /chosen)");
		if (dt_has_prop(c->fdt, pc->node, "initrd"))
			problem(pc, pc->node,
				"property 'initrd' given with 'dtb' (a guest DTB module is used as "
				"given: describe the initrd in its /chosen and place it with a "
				"memory region of its own)");
	}
	if (!pc->image_ok)
		part->image = (struct part_module){0, 0};
	pc->has_initrd = !pc->has_dtb && dt_has_prop(c->fdt, pc->node, "initrd");
	if (pc->has_initrd && !parse_module(pc, "initrd", &part->initrd)) {
		part->initrd = (struct part_module){0, 0};
		pc->has_initrd = false;
	}
	if (!pc->has_initrd && dt_has_prop(c->fdt, pc->node, "initrd-ipa"))
		problem(pc, pc->node, "property 'initrd-ipa' given without 'initrd'");
}

/* --- memory regions ------------------------------------------------------------------------- */

static bool parse_access(const char *s, uint8_t *perm)
{
	*perm = 0;
	for (; *s; s++) {
		uint8_t bit = *s == 'r'	  ? PGT_PERM_R
			      : *s == 'w' ? PGT_PERM_W
			      : *s == 'x' ? PGT_PERM_X
					  : 0;

		if (!bit || (*perm & bit))
			return false;
		*perm |= bit;
	}
	return *perm != 0;
}

/* Parses memory child node into r; returns false (reported) on the first problem. */
static bool parse_region(struct pctx *pc, int node, struct part_region *r)
{
	struct ctx *c = pc->c;
	char desc[CFG_DESC_MAX];
	struct diag d;
	uint64_t v[2];
	const char *s;
	int bank;

	if (unknown_props(c, node, region_props, ARRAY_SIZE(region_props))) {
		pc->errors++;
		return false;
	}
	if (dt_read_u64s(c->fdt, node, "reg", v, 2, &d) ||
	    dt_read_u64s(c->fdt, node, "phys", &r->pa, 1, &d)) {
		problem(pc, -1, "%s", d.msg);
		return false;
	}
	r->ipa = v[0];
	r->size = v[1];

	r->attrs.perm = PGT_PERM_RWX;
	if (dt_has_prop(c->fdt, node, "access")) {
		if (dt_read_string(c->fdt, node, "access", &s, &d)) {
			problem(pc, -1, "%s", d.msg);
			return false;
		}
		if (!parse_access(s, &r->attrs.perm)) {
			problem(pc, node,
				"property 'access' is \"%.16s\", expected letters from \"rwx\", "
				"each at most once",
				s);
			return false;
		}
	}
	r->attrs.mem = PGT_MEM_NORMAL_WB;
	if (dt_has_prop(c->fdt, node, "type")) {
		size_t i = 0;

		if (dt_read_string(c->fdt, node, "type", &s, &d)) {
			problem(pc, -1, "%s", d.msg);
			return false;
		}
		while (i < ARRAY_SIZE(region_types) && strcmp(s, region_types[i].name))
			i++;
		if (i == ARRAY_SIZE(region_types)) {
			problem(pc, node,
				"property 'type' is \"%.16s\", expected \"normal\", \"normal-nc\" "
				"or \"device\"",
				s);
			return false;
		}
		r->attrs.mem = (uint8_t)region_types[i].mem;
	}
	if (r->attrs.mem == PGT_MEM_DEVICE && (r->attrs.perm & PGT_PERM_X)) {
		problem(pc, node,
			"property 'access': device memory cannot be executable (use \"rw\" or "
			"\"r\")");
		return false;
	}

	if (r->size == 0) {
		problem(pc, node, "property 'reg': size is 0");
		return false;
	}
	if (!IS_ALIGNED(r->ipa, PAGE_SIZE) || !IS_ALIGNED(r->size, PAGE_SIZE)) {
		problem(pc, node,
			"property 'reg': IPA 0x%" PRIx64 " size 0x%" PRIx64 " is not 4 KiB aligned",
			r->ipa, r->size);
		return false;
	}
	if (!IS_ALIGNED(r->pa, PAGE_SIZE)) {
		problem(pc, node, "property 'phys': 0x%" PRIx64 " is not 4 KiB aligned", r->pa);
		return false;
	}
	if (!below(r->ipa, r->size, CFG_IPA_LIMIT)) {
		problem(pc, node,
			"property 'reg': IPA 0x%" PRIx64 " size 0x%" PRIx64
			" goes beyond the %d-bit "
			"IPA space",
			r->ipa, r->size, CFG_IPA_BITS);
		return false;
	}
	if (!below(r->pa, r->size, CFG_PA_LIMIT)) {
		problem(pc, node,
			"property 'phys': 0x%" PRIx64 " size 0x%" PRIx64 " goes beyond the %d-bit "
			"physical address space",
			r->pa, r->size, CFG_PA_BITS);
		return false;
	}

	if (r->attrs.mem != PGT_MEM_DEVICE && ram_bank(c->plat, r->pa, r->size) < 0) {
		problem(pc, node,
			"property 'phys': 0x%" PRIx64 "-0x%" PRIx64 " is not inside one RAM bank "
			"(type \"%s\" needs RAM)",
			r->pa, last(r->pa, r->size),
			r->attrs.mem == PGT_MEM_NORMAL_WB ? "normal" : "normal-nc");
		return false;
	}
	bank = ram_overlap(c->plat, r->pa, r->size);
	if (r->attrs.mem == PGT_MEM_DEVICE && bank >= 0) {
		const struct plat_region *b = &c->plat->ram[bank];

		problem(pc, node,
			"property 'phys': 0x%" PRIx64 "-0x%" PRIx64 " overlaps RAM (0x%" PRIx64
			"-0x%" PRIx64 "), which type \"device\" must not",
			r->pa, last(r->pa, r->size), b->base, last(b->base, b->size));
		return false;
	}
	if (pa_conflict(pc, r->pa, r->size, PA_HYP | PA_HW | PA_MODULES | PA_PARTITIONS, desc,
			sizeof(desc))) {
		problem(pc, node, "property 'phys': 0x%" PRIx64 "-0x%" PRIx64 " overlaps %s", r->pa,
			last(r->pa, r->size), desc);
		return false;
	}
	for (unsigned i = 0; i < pc->part->nr_regions; i++) {
		const struct part_region *o = &pc->part->regions[i];

		if (ranges_overlap(r->ipa, r->size, o->ipa, o->size)) {
			problem(pc, node,
				"property 'reg': IPA 0x%" PRIx64 "-0x%" PRIx64 " overlaps %s (IPA "
				"0x%" PRIx64 "-0x%" PRIx64 ")",
				r->ipa, last(r->ipa, r->size), region_name(pc, i), o->ipa,
				last(o->ipa, o->size));
			return false;
		}
	}
	return true;
}

static bool is_memory_node(const char *name)
{
	return !strcmp(name, "memory") || !strncmp(name, "memory@", 7);
}

static void parse_regions(struct pctx *pc)
{
	struct ctx *c = pc->c;
	struct part_config *part = pc->part;
	bool ok = true;
	int child;

	for (child = dt_child(c->fdt, pc->node, -1); child >= 0;
	     child = dt_child(c->fdt, pc->node, child)) {
		struct part_region r;
		int sub = dt_child(c->fdt, child, -1);

		if (!is_memory_node(dt_name(c->fdt, child))) {
			problem(pc, child,
				"unknown node (a partition's children are memory@<ipa> "
				"nodes)");
			ok = false;
			continue;
		}
		if (sub >= 0) {
			problem(pc, sub, "unknown node (memory@ nodes have no children)");
			ok = false;
			continue;
		}
		if (part->nr_regions == CONFIG_MAX_REGIONS) {
			problem(pc, child, "more than CONFIG_MAX_REGIONS (%u) memory regions",
				CONFIG_MAX_REGIONS);
			ok = false;
			break;
		}
		memset(&r, 0, sizeof(r));
		if (!parse_region(pc, child, &r)) {
			ok = false;
			continue;
		}
		pc->region_node[part->nr_regions] = child;
		part->regions[part->nr_regions++] = r;
	}
	if (ok && part->nr_regions == 0) {
		problem(pc, pc->node,
			"no memory@ child nodes (a partition needs at least one memory region)");
		ok = false;
	}
	pc->regions_ok = ok;
}

/* --- placement of the image and the DTB in the partition's memory ----------------------------- */

/* Checks that [ipa, ipa + size) of the module named by mod_prop fits in a normal region; ipa_prop
 * names the property that chose ipa. */
static bool place(struct pctx *pc, const char *ipa_prop, const char *mod_prop, uint64_t ipa,
		  uint64_t size)
{
	const struct part_config *part = pc->part;
	int i = region_at(part, ipa);
	const struct part_region *r;

	if (i < 0) {
		problem(pc, pc->node,
			"property '%s': 0x%" PRIx64 " is not inside a memory region of this "
			"partition",
			ipa_prop, ipa);
		return false;
	}
	r = &part->regions[i];
	if (r->attrs.mem == PGT_MEM_DEVICE) {
		problem(pc, pc->node,
			"property '%s': 0x%" PRIx64
			" is in %s, a device region (modules are copied "
			"into normal memory)",
			ipa_prop, ipa, region_name(pc, (unsigned)i));
		return false;
	}
	if (size > r->size - (ipa - r->ipa)) {
		problem(pc, pc->node,
			"property '%s': 0x%" PRIx64 " bytes do not fit in %s at IPA 0x%" PRIx64
			" (0x%" PRIx64 " bytes from there to its end)",
			mod_prop, size, region_name(pc, (unsigned)i), ipa,
			r->size - (ipa - r->ipa));
		return false;
	}
	return true;
}

static void check_module_regions(struct pctx *pc, const char *name, const struct part_module *m)
{
	char desc[CFG_DESC_MAX];

	if (pa_conflict(pc, m->pa, m->size, PA_OWN_REGIONS | PA_PARTITIONS, desc, sizeof(desc)))
		problem(pc, pc->node, "property '%s': 0x%" PRIx64 "-0x%" PRIx64 " overlaps %s",
			name, m->pa, last(m->pa, m->size), desc);
}

static void place_dtb(struct pctx *pc);
static void place_initrd(struct pctx *pc);

static void place_modules(struct pctx *pc)
{
	struct ctx *c = pc->c;
	struct part_config *part = pc->part;
	const struct part_region *first = &part->regions[0];
	bool image_ipa_ok, entry_given;

	/* image-ipa, entry and dtb-ipa are addresses in this partition's regions. */
	part->image_ipa = first->ipa;
	image_ipa_ok = read_addr(pc, pc->node, "image-ipa", &part->image_ipa);
	if (pc->image_ok) {
		check_module_regions(pc, "image", &part->image);
		if (image_ipa_ok)
			pc->image_placed =
				place(pc, "image-ipa", "image", part->image_ipa, part->image.size);
	}

	part->entry = part->image_ipa;
	entry_given = dt_has_prop(c->fdt, pc->node, "entry");
	if (read_addr(pc, pc->node, "entry", &part->entry) && (entry_given || pc->image_placed)) {
		int i = region_at(part, part->entry);

		if (i < 0) {
			problem(pc, pc->node,
				"property 'entry': 0x%" PRIx64 " is not inside a memory region of "
				"this partition",
				part->entry);
		} else if (!(part->regions[i].attrs.perm & PGT_PERM_X)) {
			char acc[4];

			access_string(part->regions[i].attrs.perm, acc);
			problem(pc, pc->node,
				"property 'entry': 0x%" PRIx64 " is in %s, which is not executable "
				"(access \"%s\")",
				part->entry, region_name(pc, (unsigned)i), acc);
		}
	}

	place_dtb(pc);
	place_initrd(pc);
}

/* The default IPA for size bytes at the top of the first region: the highest 2 MiB boundary with
 * room (away from an image at the base, and where a Linux guest does not overwrite it while
 * decompressing), else the highest page boundary with room. */
static uint64_t top_of_first(const struct part_config *part, uint64_t size)
{
	const struct part_region *first = &part->regions[0];
	uint64_t end = first->ipa + first->size;
	uint64_t ipa = ALIGN_DOWN(end - size, CFG_DTB_ALIGN);

	if (ipa <= first->ipa)
		ipa = ALIGN_DOWN(end - size, PAGE_SIZE);
	return ipa;
}

static bool overlaps_image(struct pctx *pc, const char *ipa_prop, uint64_t ipa, uint64_t size)
{
	const struct part_config *part = pc->part;

	if (!pc->image_placed || !ranges_overlap(ipa, size, part->image_ipa, part->image.size))
		return false;
	problem(pc, pc->node,
		"property '%s': 0x%" PRIx64 "-0x%" PRIx64 " overlaps the image at IPA 0x%" PRIx64
		"-0x%" PRIx64,
		ipa_prop, ipa, last(ipa, size), part->image_ipa,
		last(part->image_ipa, part->image.size));
	return true;
}

/* A dtb module, or room for the generated tree. Without 'dtb-ipa' the generated tree goes where
 * it fits; a first region too small for it besides the image means no tree (the guest gets
 * r2 = 0; the partition's console line says so), which suits small bare-metal partitions. */
static void place_dtb(struct pctx *pc)
{
	struct ctx *c = pc->c;
	struct part_config *part = pc->part;
	const struct part_region *first = &part->regions[0];
	bool given = dt_has_prop(c->fdt, pc->node, "dtb-ipa");
	uint64_t size = pc->has_dtb ? part->dtb.size : CONFIG_GUEST_DT_SIZE;

	if (pc->has_dtb && !pc->dtb_ok)
		return;
	if (pc->has_dtb)
		check_module_regions(pc, "dtb", &part->dtb);
	if (given) {
		if (!read_addr(pc, pc->node, "dtb-ipa", &part->dtb_ipa))
			return;
		if (!IS_ALIGNED(part->dtb_ipa, CFG_DTB_MIN_ALIGN)) {
			problem(pc, pc->node,
				"property 'dtb-ipa': 0x%" PRIx64 " is not 8-byte aligned",
				part->dtb_ipa);
			return;
		}
	} else if (size > first->size) {
		if (pc->has_dtb)
			problem(pc, pc->node,
				"property 'dtb': 0x%" PRIx64 " bytes do not fit in %s (0x%" PRIx64
				" bytes), where the DTB goes without 'dtb-ipa'",
				part->dtb.size, region_name(pc, 0), first->size);
		return;
	} else {
		part->dtb_ipa = top_of_first(part, size);
		if (!pc->has_dtb && pc->image_placed &&
		    ranges_overlap(part->dtb_ipa, size, part->image_ipa, part->image.size)) {
			part->dtb_ipa = 0; /* no room: no generated tree */
			return;
		}
	}
	if (!place(pc, "dtb-ipa", pc->has_dtb ? "dtb" : "dtb-ipa", part->dtb_ipa, size))
		return;
	if (overlaps_image(pc, "dtb-ipa", part->dtb_ipa, size))
		return;
	part->dtb_generated = !pc->has_dtb;
}

/* The initrd: below the guest's tree at the top of the first region, or at 'initrd-ipa'. */
static void place_initrd(struct pctx *pc)
{
	struct ctx *c = pc->c;
	struct part_config *part = pc->part;
	const struct part_region *first = &part->regions[0];
	uint64_t size = part->initrd.size;

	if (!pc->has_initrd)
		return;
	check_module_regions(pc, "initrd", &part->initrd);
	if (dt_has_prop(c->fdt, pc->node, "initrd-ipa")) {
		if (!read_addr(pc, pc->node, "initrd-ipa", &part->initrd_ipa))
			return;
	} else {
		uint64_t top = part->dtb_generated ? part->dtb_ipa : first->ipa + first->size;

		if (size > top - first->ipa) {
			problem(pc, pc->node,
				"property 'initrd': 0x%" PRIx64 " bytes do not fit in %s below "
				"IPA 0x%" PRIx64 ", where the initrd goes without 'initrd-ipa'",
				size, region_name(pc, 0), top);
			return;
		}
		part->initrd_ipa = ALIGN_DOWN(top - size, PAGE_SIZE);
	}
	if (!place(pc, "initrd-ipa", "initrd", part->initrd_ipa, size) ||
	    overlaps_image(pc, "initrd-ipa", part->initrd_ipa, size))
		return;
	if (part->dtb_generated &&
	    ranges_overlap(part->initrd_ipa, size, part->dtb_ipa, CONFIG_GUEST_DT_SIZE))
		problem(pc, pc->node,
			"property 'initrd-ipa': 0x%" PRIx64 "-0x%" PRIx64
			" overlaps the generated device tree at IPA 0x%" PRIx64 "-0x%" PRIx64,
			part->initrd_ipa, last(part->initrd_ipa, size), part->dtb_ipa,
			last(part->dtb_ipa, CONFIG_GUEST_DT_SIZE));
}

/* --- the virtual GIC's windows in the IPA space ---------------------------------------------- */

/* Checks a window of size bytes at ipa (from property name) against the partition's regions;
 * returns true if usable. */
static bool check_window(struct pctx *pc, const char *name, uint64_t ipa, uint64_t size)
{
	const struct part_config *part = pc->part;

	if (!IS_ALIGNED(ipa, PAGE_SIZE)) {
		problem(pc, pc->node, "property '%s': 0x%" PRIx64 " is not 4 KiB aligned", name,
			ipa);
		return false;
	}
	if (!below(ipa, size, CFG_IPA_LIMIT)) {
		problem(pc, pc->node,
			"property '%s': 0x%" PRIx64 " size 0x%" PRIx64
			" goes beyond the %d-bit IPA "
			"space",
			name, ipa, size, CFG_IPA_BITS);
		return false;
	}
	for (unsigned i = 0; pc->regions_ok && i < part->nr_regions; i++) {
		const struct part_region *r = &part->regions[i];

		if (ranges_overlap(ipa, size, r->ipa, r->size)) {
			problem(pc, pc->node,
				"property '%s': 0x%" PRIx64 "-0x%" PRIx64
				" overlaps %s (IPA 0x%" PRIx64 "-0x%" PRIx64 ")",
				name, ipa, last(ipa, size), region_name(pc, i), r->ipa,
				last(r->ipa, r->size));
			return false;
		}
	}
	return true;
}

static void parse_gic_windows(struct pctx *pc)
{
	const struct platform *plat = pc->c->plat;
	struct part_config *part = pc->part;
	bool dist_ok;

	part->gicd_ipa = plat->gic.dist.base;
	part->gicc_ipa = plat->gic.cpu.base;
	dist_ok = read_addr(pc, pc->node, "gic-dist-ipa", &part->gicd_ipa) &&
		  check_window(pc, "gic-dist-ipa", part->gicd_ipa, plat->gic.dist.size);
	if (!read_addr(pc, pc->node, "gic-cpu-ipa", &part->gicc_ipa) ||
	    !check_window(pc, "gic-cpu-ipa", part->gicc_ipa, plat->gic.vcpu.size))
		return;
	if (dist_ok && ranges_overlap(part->gicc_ipa, plat->gic.vcpu.size, part->gicd_ipa,
				      plat->gic.dist.size))
		problem(pc, pc->node,
			"property 'gic-cpu-ipa': 0x%" PRIx64 "-0x%" PRIx64 " overlaps the "
			"distributor at IPA 0x%" PRIx64 "-0x%" PRIx64 " ('gic-dist-ipa')",
			part->gicc_ipa, last(part->gicc_ipa, plat->gic.vcpu.size), part->gicd_ipa,
			last(part->gicd_ipa, plat->gic.dist.size));
}

/* --- devices passed through ------------------------------------------------------------------ */

/* Checks one page-rounded register span of device dpath (IPA == PA) and adds it to dev unless an
 * earlier device of this partition already covers it. */
static void add_dev_span(struct pctx *pc, const char *dpath, struct part_device *dev, uint64_t base,
			 uint64_t size)
{
	const struct ctx *c = pc->c;
	const struct part_config *part = pc->part;
	char desc[CFG_DESC_MAX];
	int bank = ram_overlap(c->plat, base, size);

	if (bank >= 0) {
		const struct plat_region *b = &c->plat->ram[bank];

		problem(pc, pc->node,
			"property 'devices': %s: registers 0x%" PRIx64 "-0x%" PRIx64 " overlap RAM "
			"(0x%" PRIx64 "-0x%" PRIx64 ")",
			dpath, base, last(base, size), b->base, last(b->base, b->size));
		return;
	}
	if (pa_conflict(pc, base, size, PA_HW | PA_PARTITIONS, desc, sizeof(desc))) {
		problem(pc, pc->node,
			"property 'devices': %s: registers 0x%" PRIx64 "-0x%" PRIx64 " overlap %s",
			dpath, base, last(base, size), desc);
		return;
	}
	/* Mapped at IPA == PA: must not collide with the partition's other IPA ranges. */
	for (unsigned i = 0; pc->regions_ok && i < part->nr_regions; i++) {
		const struct part_region *r = &part->regions[i];

		if (ranges_overlap(base, size, r->ipa, r->size)) {
			problem(pc, pc->node,
				"property 'devices': %s: registers 0x%" PRIx64 "-0x%" PRIx64
				" (mapped at IPA == PA) overlap %s (IPA 0x%" PRIx64 "-0x%" PRIx64
				")",
				dpath, base, last(base, size), region_name(pc, i), r->ipa,
				last(r->ipa, r->size));
			return;
		}
	}
	if (ranges_overlap(base, size, part->gicd_ipa, c->plat->gic.dist.size) ||
	    ranges_overlap(base, size, part->gicc_ipa, c->plat->gic.vcpu.size)) {
		bool dist = ranges_overlap(base, size, part->gicd_ipa, c->plat->gic.dist.size);

		problem(pc, pc->node,
			"property 'devices': %s: registers 0x%" PRIx64 "-0x%" PRIx64
			" (mapped at IPA == PA) overlap the virtual GIC %s at IPA 0x%" PRIx64
			" ('%s')",
			dpath, base, last(base, size), dist ? "distributor" : "CPU interface",
			dist ? part->gicd_ipa : part->gicc_ipa,
			dist ? "gic-dist-ipa" : "gic-cpu-ipa");
		return;
	}
	/* Devices of one partition may share a page (QEMU's virtio-mmio transports are 0x200
	 * apart): a span already mapped is not listed again, and a partial overlap, which would
	 * need the span to be split, is refused. */
	for (unsigned i = 0; i <= part->nr_devices; i++) {
		const struct part_device *o = &part->devices[i];

		for (unsigned k = 0; k < o->nr_regs; k++) {
			const struct plat_region *r = &o->regs[k];

			if (inside(base, size, r->base, r->size))
				return;
			if (ranges_overlap(base, size, r->base, r->size)) {
				problem(pc, pc->node,
					"property 'devices': %s: registers 0x%" PRIx64 "-0x%" PRIx64
					" partly overlap those of %s (0x%" PRIx64 "-0x%" PRIx64 ")",
					dpath, base, last(base, size), o->path, r->base,
					last(r->base, r->size));
				return;
			}
		}
	}
	dev->regs[dev->nr_regs].base = base;
	dev->regs[dev->nr_regs].size = size;
	dev->nr_regs++;
}

static void parse_dev_regs(struct pctx *pc, int node, const char *dpath, struct part_device *dev)
{
	struct ctx *c = pc->c;
	struct dt_reg regs[CONFIG_MAX_DEV_REGS];
	unsigned n;
	struct diag d;

	if (dt_read_reg(c->fdt, node, regs, CONFIG_MAX_DEV_REGS, &n, &d)) {
		problem(pc, pc->node, "property 'devices': %s", d.msg);
		return;
	}
	if (n > CONFIG_MAX_DEV_REGS) {
		problem(pc, pc->node,
			"property 'devices': %s has %u 'reg' entries, more than CONFIG_MAX_DEV_REGS "
			"(%u)",
			dpath, n, CONFIG_MAX_DEV_REGS);
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		/* Stage 2 maps whole pages, so the guest gets the page-rounded span. */
		if (!below(regs[i].base, regs[i].size, CFG_PA_LIMIT)) {
			problem(pc, pc->node,
				"property 'devices': %s: registers 0x%" PRIx64 " size 0x%" PRIx64
				" go beyond the %d-bit physical address space",
				dpath, regs[i].base, regs[i].size, CFG_PA_BITS);
			return;
		}
		uint64_t base = ALIGN_DOWN(regs[i].base, PAGE_SIZE);
		uint64_t end = ALIGN_UP(regs[i].base + regs[i].size, PAGE_SIZE);
		unsigned before = pc->errors;

		add_dev_span(pc, dpath, dev, base, end - base);
		if (pc->errors != before)
			return;
	}
}

/* The accepted partition, and its device, that has SPI intid, if any. */
static const struct part_config *spi_owner(const struct ctx *c, uint32_t intid,
					   const struct part_device **dev)
{
	for (unsigned q = 0; q < c->cfg->nr_parts; q++) {
		const struct part_config *o = &c->cfg->parts[q];

		for (unsigned i = 0; i < o->nr_devices; i++)
			for (unsigned k = 0; k < o->devices[i].nr_irqs; k++)
				if (o->devices[i].intids[k] == intid) {
					*dev = &o->devices[i];
					return o;
				}
	}
	return NULL;
}

static void parse_dev_irqs(struct pctx *pc, int node, const char *dpath, struct part_device *dev)
{
	struct ctx *c = pc->c;
	struct dt_irq irqs[CONFIG_MAX_DEV_IRQS];
	unsigned n;
	struct diag d;

	if (dt_read_interrupts(c->fdt, node, c->gic, irqs, CONFIG_MAX_DEV_IRQS, &n, &d)) {
		problem(pc, pc->node, "property 'devices': %s", d.msg);
		return;
	}
	if (n > CONFIG_MAX_DEV_IRQS) {
		problem(pc, pc->node,
			"property 'devices': %s has %u interrupts, more than CONFIG_MAX_DEV_IRQS "
			"(%u)",
			dpath, n, CONFIG_MAX_DEV_IRQS);
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		const struct part_device *odev = NULL;
		const struct part_config *owner;
		uint32_t intid = irqs[i].intid;
		bool dup = false;

		if (irqs[i].ppi) {
			problem(pc, pc->node,
				"property 'devices': %s: interrupt %u is INTID %" PRIu32 ", a PPI "
				"(only SPIs can be routed to a partition)",
				dpath, i, intid);
			return;
		}
		if (c->plat->uart.intid && intid == c->plat->uart.intid) {
			problem(pc, pc->node,
				"property 'devices': %s: SPI INTID %" PRIu32 " is the interrupt of "
				"the hypervisor's console",
				dpath, intid);
			return;
		}
		owner = spi_owner(c, intid, &odev);
		if (owner) {
			problem(pc, pc->node,
				"property 'devices': %s: SPI INTID %" PRIu32
				" is already routed to "
				"partition '%s' (by %s)",
				dpath, intid, owner->name, odev->path);
			return;
		}
		/* Two devices of one partition sharing a line: route it once. */
		for (unsigned j = 0; j <= pc->part->nr_devices && !dup; j++)
			for (unsigned k = 0; k < pc->part->devices[j].nr_irqs; k++)
				dup |= pc->part->devices[j].intids[k] == intid;
		if (!dup)
			dev->intids[dev->nr_irqs++] = intid;
	}
}

static void parse_devices(struct pctx *pc)
{
	struct ctx *c = pc->c;
	struct part_config *part = pc->part;
	int nodes[CONFIG_MAX_DEVICES];
	unsigned n;
	struct diag d;

	if (!dt_has_prop(c->fdt, pc->node, "devices"))
		return;
	if (dt_read_phandles(c->fdt, pc->node, "devices", nodes, CONFIG_MAX_DEVICES, &n, &d)) {
		problem(pc, -1, "%s", d.msg);
		return;
	}
	if (n > CONFIG_MAX_DEVICES) {
		problem(pc, pc->node,
			"property 'devices' has %u entries, more than CONFIG_MAX_DEVICES (%u)", n,
			CONFIG_MAX_DEVICES);
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		struct part_device *dev = &part->devices[part->nr_devices];
		char dpath[DT_PATH_MAX];
		bool has_reg = dt_has_prop(c->fdt, nodes[i], "reg");
		bool has_irq = dt_has_prop(c->fdt, nodes[i], "interrupts");
		unsigned before = pc->errors, k;

		dt_path(c->fdt, nodes[i], dpath, sizeof(dpath));
		k = 0;
		while (k < i && nodes[k] != nodes[i])
			k++;
		if (k < i) {
			problem(pc, pc->node, "property 'devices' entry %u: %s is already entry %u",
				i, dpath, k);
			continue;
		}
		if (nodes[i] == c->uart) {
			problem(pc, pc->node,
				"property 'devices': %s: the hypervisor's console cannot be passed "
				"through",
				dpath);
			continue;
		}
		if (nodes[i] == c->gic) {
			problem(pc, pc->node,
				"property 'devices': %s: the GIC cannot be passed through (each "
				"partition gets a virtual one)",
				dpath);
			continue;
		}
		if (nodes[i] == 0 || !strncmp(dpath, "/chosen/", 8) || !strcmp(dpath, "/chosen") ||
		    dt_prop_is(c->fdt, nodes[i], "device_type", "cpu")) {
			problem(pc, pc->node, "property 'devices': %s is not a platform device",
				dpath);
			continue;
		}
		if (strlen(dpath) >= PLAT_PATH_MAX) {
			problem(pc, pc->node,
				"property 'devices': %s: path longer than PLAT_PATH_MAX - 1 (%u) "
				"characters",
				dpath, PLAT_PATH_MAX - 1);
			continue;
		}
		if (!has_reg && !has_irq) {
			problem(pc, pc->node,
				"property 'devices': %s has neither 'reg' nor 'interrupts'", dpath);
			continue;
		}
		for (unsigned q = 0; q < c->cfg->nr_parts; q++) {
			const struct part_config *o = &c->cfg->parts[q];

			for (k = 0; k < o->nr_devices; k++)
				if (!strcmp(o->devices[k].path, dpath))
					break;
			if (k < o->nr_devices) {
				problem(pc, pc->node,
					"property 'devices': %s is already passed to partition '%s'",
					dpath, o->name);
				break;
			}
		}
		if (pc->errors != before)
			continue;

		memset(dev, 0, sizeof(*dev));
		memcpy(dev->path, dpath, strlen(dpath) + 1);
		if (has_reg)
			parse_dev_regs(pc, nodes[i], dpath, dev);
		if (has_irq && pc->errors == before)
			parse_dev_irqs(pc, nodes[i], dpath, dev);
		if (pc->errors == before)
			part->nr_devices++;
		else
			memset(dev, 0, sizeof(*dev));
	}
}

/* --- the emulated console UART -------------------------------------------------------------- */

/* 'vuart = <IPA>': a page where the guest finds an emulated PL011 (hyp/vconsole.c). Its
 * interrupt is a virtual SPI with the INTID of the hypervisor's console, so a guest tree can
 * describe it like the board's own UART; the physical line stays the hypervisor's. */
static void parse_vuart(struct pctx *pc)
{
	const struct platform *plat = pc->c->plat;
	struct part_config *part = pc->part;
	uint64_t ipa;

	if (!dt_has_prop(pc->c->fdt, pc->node, "vuart"))
		return;
	if (!read_addr(pc, pc->node, "vuart", &ipa) || !check_window(pc, "vuart", ipa, PAGE_SIZE))
		return;
	if (ranges_overlap(ipa, PAGE_SIZE, part->gicd_ipa, plat->gic.dist.size) ||
	    ranges_overlap(ipa, PAGE_SIZE, part->gicc_ipa, plat->gic.vcpu.size)) {
		problem(pc, pc->node,
			"property 'vuart': 0x%" PRIx64 " is inside the virtual GIC (distributor at "
			"IPA 0x%" PRIx64 ", CPU interface at IPA 0x%" PRIx64 ")",
			ipa, part->gicd_ipa, part->gicc_ipa);
		return;
	}
	for (unsigned d = 0; d < part->nr_devices; d++) {
		const struct part_device *dev = &part->devices[d];

		for (unsigned i = 0; i < dev->nr_regs; i++) {
			if (ranges_overlap(ipa, PAGE_SIZE, dev->regs[i].base, dev->regs[i].size)) {
				problem(pc, pc->node,
					"property 'vuart': 0x%" PRIx64 " is inside device %s", ipa,
					dev->path);
				return;
			}
		}
		for (unsigned i = 0; i < dev->nr_irqs; i++) {
			if (dev->intids[i] == plat->uart.intid) {
				problem(pc, pc->node,
					"property 'vuart': its interrupt (INTID %" PRIu32
					", the console's) is also device %s's",
					plat->uart.intid, dev->path);
				return;
			}
		}
	}
	if (plat->uart.intid < 32) {
		problem(pc, pc->node,
			"property 'vuart': the console UART %s has no SPI to lend the emulated one",
			plat->uart.path);
		return;
	}
	part->has_vuart = true;
	part->vuart_ipa = ipa;
	part->vuart_intid = plat->uart.intid;
}

/* --- partitions and the /chosen/bulkhead node ------------------------------------------------ */

/* Parses partition node into the next free slot; returns true if it is valid (then the caller
 * accepts it). */
static bool parse_partition(struct ctx *c, int node)
{
	struct pctx pc = {.c = c, .node = node};
	struct part_config *part;
	char path[DT_PATH_MAX];

	if (c->cfg->nr_parts == CONFIG_MAX_PARTITIONS) {
		say(c, node, "more than CONFIG_MAX_PARTITIONS (%u) partitions",
		    CONFIG_MAX_PARTITIONS);
		return false;
	}
	part = &c->cfg->parts[c->cfg->nr_parts];
	memset(part, 0, sizeof(*part));
	pc.part = part;

	if (!dt_is_compatible(c->fdt, node, "bulkhead,partition")) {
		say(c, node, "property 'compatible' does not include \"bulkhead,partition\"");
		return false;
	}
	dt_path(c->fdt, node, path, sizeof(path));
	if (strlen(path) >= PLAT_PATH_MAX) {
		say(c, node, "path longer than PLAT_PATH_MAX - 1 (%u) characters",
		    PLAT_PATH_MAX - 1);
		return false;
	}
	memcpy(part->path, path, strlen(path) + 1);
	/* Everything below reads addresses as 2 cells: with other cell counts, nothing else
	 * would decode as meant. */
	if (check_cells(c, node))
		return false;
	pc.errors += unknown_props(c, node, partition_props, ARRAY_SIZE(partition_props));

	parse_name(&pc);
	parse_cpus(&pc);
	parse_policy(&pc);
	parse_bootargs(&pc);
	parse_modules(&pc);
	parse_regions(&pc);
	if (pc.regions_ok)
		place_modules(&pc);
	parse_gic_windows(&pc);
	parse_devices(&pc);
	parse_vuart(&pc);
	if (pc.errors)
		return false;
	part->index = c->cfg->nr_parts;
	return true;
}

/* Checks the /chosen/bulkhead node's own properties; returns 0 or -EINVAL. */
static int parse_root(struct ctx *c, int node)
{
	unsigned bad = 0;

	if (!dt_is_compatible(c->fdt, node, "bulkhead,hypervisor")) {
		say(c, node, "property 'compatible' does not include \"bulkhead,hypervisor\"");
		bad++;
	}
	bad += check_cells(c, node);
	bad += unknown_props(c, node, bulkhead_props, ARRAY_SIZE(bulkhead_props));
	if (dt_has_prop(c->fdt, node, "time-slice-us")) {
		struct diag d;
		uint32_t v;

		if (dt_read_u32(c->fdt, node, "time-slice-us", &v, &d)) {
			say(c, -1, "%s", d.msg);
			bad++;
		} else if (v < CONFIG_SLICE_MIN_US || v > CONFIG_SLICE_MAX_US) {
			say(c, node, "property 'time-slice-us' is %" PRIu32 ", must be %u to %u", v,
			    CONFIG_SLICE_MIN_US, CONFIG_SLICE_MAX_US);
			bad++;
		} else {
			c->cfg->slice_us = v;
		}
	}
	return bad ? -EINVAL : 0;
}

int config_parse(const void *fdt, const struct config_env *env, struct config *cfg,
		 config_report_fn report, void *arg)
{
	struct ctx c = {
		.fdt = fdt,
		.env = env,
		.cfg = cfg,
		.report = report,
		.arg = arg,
		.gic = -1,
		.uart = -1,
	};
	struct diag d;
	int node, child, invalid = 0;

	ASSERT(fdt && env && env->plat && cfg);
	c.plat = env->plat;
	cfg->nr_parts = 0;
	cfg->slice_us = CONFIG_DEFAULT_SLICE_US;

	if (dt_check(fdt, &d)) {
		say(&c, -1, "%s", d.msg);
		return -EINVAL;
	}
	node = dt_node(fdt, "/chosen/bulkhead");
	if (node < 0 || !dt_is_enabled(fdt, node))
		return 0;
	if (parse_root(&c, node)) {
		cfg->slice_us = CONFIG_DEFAULT_SLICE_US;
		return -EINVAL;
	}
	if (c.plat->gic.path[0])
		c.gic = dt_node(fdt, c.plat->gic.path);
	if (c.plat->uart.path[0])
		c.uart = dt_node(fdt, c.plat->uart.path);

	for (child = dt_child(fdt, node, -1); child >= 0; child = dt_child(fdt, node, child)) {
		if (!dt_is_enabled(fdt, child))
			continue;
		if (parse_partition(&c, child)) {
			cfg->nr_parts++;
		} else {
			invalid++;
			if (cfg->nr_parts < CONFIG_MAX_PARTITIONS)
				memset(&cfg->parts[cfg->nr_parts], 0, sizeof(cfg->parts[0]));
		}
	}
	return invalid;
}

const char *fault_policy_name(enum fault_policy p)
{
	for (size_t i = 0; i < ARRAY_SIZE(fault_policies); i++)
		if (fault_policies[i].policy == p)
			return fault_policies[i].name;
	return "unknown";
}
