/* Guest device tree generation (see guest_dt.h).
 *
 * The tree is written top to bottom with libfdt's sequential-write API into the caller's buffer.
 * Every writer below records the first failure in struct gd and does nothing afterwards, so the
 * builder reads as a list of nodes and properties with one check at the end. Values taken from
 * the platform tree (devices, clocks, timer flags) are read through hyp/dt.h, which validates
 * them; phandles are assigned here, and every reference in the new tree points into it.
 */
#include "hyp/guest_dt.h"

#include <errno.h>
#include <string.h>

#include "hyp/assert.h"
#include "hyp/dt.h"
#include "hyp/vgic_dist.h"

/* Interrupt flags cell of the GIC binding (Linux include/dt-bindings/interrupt-controller/irq.h
 * and arm-gic.h): the trigger type in bits [3:0]; for PPIs, bits [15:8] are the mask of CPUs the
 * interrupt is wired to. */
#define IRQ_TYPE_LEVEL_HIGH 4u
#define IRQ_TYPE_LEVEL_LOW 8u
#define IRQ_TYPE_MASK 0xfu
#define GIC_PPI_CPU_MASK_SHIFT 8

/* PSCI function ids for the v0.1 binding's properties (DEN 0022D 5.1: SMC32 ids; the same
 * values hyp/psci.c answers). MIGRATE is not emulated, so the tree has no "migrate". */
#define PSCI_FN_CPU_SUSPEND 0x84000001u
#define PSCI_FN_CPU_OFF 0x84000002u
#define PSCI_FN_CPU_ON 0x84000003u

/* ARM PrimeCell peripheral id of a PL011 r1p5 (PL011 TRM 3.3.10-3.3.13: designer 0x41, part
 * 0x011). With it in the tree Linux's AMBA bus does not read the id registers of the emulated
 * UART. */
#define PL011_PERIPHID 0x00241011u

#define PHANDLE_GIC 1u
#define ROOT_CELLS 2u	 /* #address-cells = #size-cells = 2 at the root */
#define MAX_CELLS 16u	 /* largest property written from cells (timer: 12) */
#define NAME_MAX_LEN 64u /* node names and paths built here */
#define VUART_CLOCK_NAME "apb-pclk"

static const char *const timer_compats[] = {"arm,armv7-timer", "arm,armv8-timer"};

/* Build state. err is the first error (0 while all is well); once set, every writer returns at
 * once. */
struct gd {
	void *fdt;
	int size; /* bytes libfdt may use */
	int err;
	const struct guest_dt_input *in;
	const struct part_config *cfg;
	struct diag *d;
	int plat_gic;	       /* the GIC node in in->plat_fdt */
	uint32_t next_phandle; /* next free phandle for clock nodes */
	struct {
		int node; /* fixed-clock node in the platform tree */
		uint32_t phandle;
	} clk[GUEST_DT_MAX_CLOCKS];
	unsigned nr_clk;
	uint32_t vuart_clk; /* phandle of the vuart's clock; 0: not known yet */
	bool gen_vuart_clk; /* vuart_clk is a node generated here, not a copied one */
};

/* A property value under construction: n cells, host order. */
struct cells {
	unsigned n;
	uint32_t v[MAX_CELLS];
};

/* --- errors ------------------------------------------------------------------------------- */

static void __printf(3, 4) fail(struct gd *g, int err, const char *fmt, ...)
{
	char what[DIAG_MSG_MAX];
	va_list ap;

	if (g->err)
		return;
	va_start(ap, fmt);
	fmt_vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	g->err = diag_err(g->d, err, "partition '%s': guest device tree: %s", g->cfg->name, what);
}

/* A libfdt error while writing what (a node or property name). */
static void fdt_fail(struct gd *g, int fdt_err, const char *kind, const char *what)
{
	if (fdt_err == -FDT_ERR_NOSPACE)
		fail(g, -ENOSPC, "does not fit in %d bytes", g->size);
	else
		fail(g, -EINVAL, "%s '%s': %s", kind, what, fdt_strerror(fdt_err));
}

/* --- writers ------------------------------------------------------------------------------ */

static void begin(struct gd *g, const char *name)
{
	int r;

	if (g->err)
		return;
	r = fdt_begin_node(g->fdt, name);
	if (r)
		fdt_fail(g, r, "node", *name ? name : "/");
}

static void end(struct gd *g)
{
	int r;

	if (g->err)
		return;
	r = fdt_end_node(g->fdt);
	if (r)
		fdt_fail(g, r, "node", "end");
}

static void prop(struct gd *g, const char *name, const void *val, size_t len)
{
	int r;

	if (g->err)
		return;
	r = fdt_property(g->fdt, name, val, (int)len);
	if (r)
		fdt_fail(g, r, "property", name);
}

/* A property without a value (a flag such as interrupt-controller). */
static void prop_empty(struct gd *g, const char *name)
{
	prop(g, name, "", 0);
}

static void prop_u32(struct gd *g, const char *name, uint32_t v)
{
	fdt32_t be = cpu_to_fdt32(v);

	prop(g, name, &be, sizeof(be));
}

static void prop_u64(struct gd *g, const char *name, uint64_t v)
{
	fdt64_t be = cpu_to_fdt64(v);

	prop(g, name, &be, sizeof(be));
}

static void prop_str(struct gd *g, const char *name, const char *s)
{
	prop(g, name, s, strlen(s) + 1);
}

/* A string list given as one literal with embedded NULs: PROP_STRS(g, "x", "a\0b"). */
#define PROP_STRS(g, name, list) prop(g, name, list, sizeof(list))

static void prop_cells(struct gd *g, const char *name, const struct cells *c)
{
	void *val;
	int r;

	if (g->err)
		return;
	r = fdt_property_placeholder(g->fdt, name, (int)(c->n * sizeof(fdt32_t)), &val);
	if (r) {
		fdt_fail(g, r, "property", name);
		return;
	}
	for (unsigned i = 0; i < c->n; i++)
		fdt32_st((fdt32_t *)val + i, c->v[i]);
}

/* Callers keep their properties within MAX_CELLS (bounded by config.h limits or checked). */
static void add(struct cells *c, uint32_t v)
{
	ASSERT(c->n < MAX_CELLS);
	c->v[c->n++] = v;
}

static void add64(struct cells *c, uint64_t v)
{
	add(c, (uint32_t)(v >> 32));
	add(c, (uint32_t)v);
}

/* name without its unit address ("pl031@9010000" -> "pl031"), into buf (NAME_MAX_LEN bytes). */
static void base_name(char *buf, const char *name)
{
	size_t n = strcspn(name, "@");

	if (n > NAME_MAX_LEN - 1)
		n = NAME_MAX_LEN - 1;
	memcpy(buf, name, n);
	buf[n] = '\0';
}

/* A node name "base@unit": base is name up to any '@' of its own. */
static void unit_name(char *buf, const char *name, uint64_t unit)
{
	char base[NAME_MAX_LEN];

	base_name(base, name);
	fmt_snprintf(buf, NAME_MAX_LEN, "%s@%llx", base, (unsigned long long)unit);
}

/* --- root, /chosen, /aliases, /memory ----------------------------------------------------- */

static bool has_vuart(const struct gd *g)
{
	return g->in->vuart_intid != 0;
}

static void vuart_path(const struct gd *g, char *buf)
{
	fmt_snprintf(buf, NAME_MAX_LEN, "/pl011@%llx", (unsigned long long)g->in->vuart_base);
}

static void add_root_props(struct gd *g)
{
	char model[sizeof("Bulkhead partition ") + CONFIG_NAME_MAX];

	prop_u32(g, "#address-cells", ROOT_CELLS);
	prop_u32(g, "#size-cells", ROOT_CELLS);
	/* Multiplatform ARM kernels boot any tree without a machine match (they fall back to the
	 * generic DT machine), so the compatible only names what this is. */
	prop_str(g, "compatible", "bulkhead,partition-guest");
	fmt_snprintf(model, sizeof(model), "Bulkhead partition %s", g->cfg->name);
	prop_str(g, "model", model);
	prop_u32(g, "interrupt-parent", PHANDLE_GIC);
}

static void add_chosen(struct gd *g)
{
	const struct guest_dt_input *in = g->in;
	char path[NAME_MAX_LEN];

	begin(g, "chosen");
	if (g->cfg->bootargs[0])
		prop_str(g, "bootargs", g->cfg->bootargs);
	if (in->initrd_size) {
		/* Linux reads both as numbers of len / 4 cells; 64 bits like the root's addresses. */
		prop_u64(g, "linux,initrd-start", in->initrd_start);
		prop_u64(g, "linux,initrd-end", in->initrd_start + in->initrd_size);
	}
	if (has_vuart(g)) {
		vuart_path(g, path);
		prop_str(g, "stdout-path", path);
	}
	end(g);
	if (has_vuart(g)) {
		/* serial0: the vuart is ttyAMA0 even if a PL011 is also passed through. */
		begin(g, "aliases");
		prop_str(g, "serial0", path);
		end(g);
	}
}

/* RAM to the guest: Normal memory it can read and write. Device regions are MMIO and read-only
 * regions cannot hold a kernel's data; both stay out of /memory. A partition with no such region
 * (a bare-metal guest in read-only memory) gets a tree without /memory: it is no Linux guest,
 * and its start should not fail over a tree it does not read. */
static bool is_ram(const struct part_region *r)
{
	return (r->attrs.mem == PGT_MEM_NORMAL_WB || r->attrs.mem == PGT_MEM_NORMAL_NC) &&
	       (r->attrs.perm & PGT_PERM_RW) == PGT_PERM_RW;
}

static void add_memory(struct gd *g)
{
	const struct part_config *cfg = g->cfg;

	for (unsigned i = 0; i < cfg->nr_regions; i++) {
		const struct part_region *r = &cfg->regions[i];
		struct cells reg = {0};
		char name[NAME_MAX_LEN];

		if (!is_ram(r))
			continue;
		unit_name(name, "memory", r->ipa);
		begin(g, name);
		prop_str(g, "device_type", "memory");
		add64(&reg, r->ipa);
		add64(&reg, r->size);
		prop_cells(g, "reg", &reg);
		end(g);
	}
}

/* --- CPUs, PSCI ------------------------------------------------------------------------------ */

/* The platform's cpu node with MPIDR affinity mpidr, or a negative value. */
static int plat_cpu(const void *fdt, uint32_t mpidr)
{
	int cpus = dt_node(fdt, "/cpus");

	if (cpus < 0)
		return cpus;
	for (int n = dt_child(fdt, cpus, -1); n >= 0; n = dt_child(fdt, cpus, n)) {
		struct dt_reg reg;
		unsigned count;

		if (dt_prop_is(fdt, n, "device_type", "cpu") &&
		    !dt_read_reg_raw(fdt, n, &reg, 1, &count, NULL) && count == 1 &&
		    reg.base == mpidr)
			return n;
	}
	return -FDT_ERR_NOTFOUND;
}

static void add_cpus(struct gd *g)
{
	const void *pfdt = g->in->plat_fdt;

	begin(g, "cpus");
	prop_u32(g, "#address-cells", 1);
	prop_u32(g, "#size-cells", 0);
	for (unsigned i = 0; i < g->cfg->nr_vcpus; i++) {
		/* The vCPU runs on the physical CPU it is pinned to and sees its MIDR, so it is
		 * described with that CPU's compatible. */
		int pcpu = plat_cpu(pfdt, g->cfg->vcpu_mpidr[i]);
		const void *compat;
		char name[NAME_MAX_LEN];
		int len;

		if (pcpu < 0) {
			fail(g, -EINVAL, "vCPU %u: no platform CPU has MPIDR 0x%x", i,
			     (unsigned)g->cfg->vcpu_mpidr[i]);
			return;
		}
		compat = fdt_getprop(pfdt, pcpu, "compatible", &len);
		if (!compat || len <= 0) {
			compat = "arm,cortex-a15";
			len = sizeof("arm,cortex-a15");
		}
		fmt_snprintf(name, sizeof(name), "cpu@%x", i);
		begin(g, name);
		prop_str(g, "device_type", "cpu");
		prop(g, "compatible", compat, (size_t)len);
		/* hyp/vcpu.c: VMPIDR = (1 << 31) | index, so the affinity Linux reads is i. */
		prop_u32(g, "reg", i);
		prop_str(g, "enable-method", "psci");
		end(g);
	}
	end(g);
}

static void add_psci(struct gd *g)
{
	begin(g, "psci");
	/* hyp/psci.c answers PSCI_VERSION with 1.1 and takes calls over HVC (and SMC). */
	PROP_STRS(g, "compatible", "arm,psci-1.0\0arm,psci-0.2\0arm,psci");
	prop_str(g, "method", "hvc");
	prop_u32(g, "cpu_suspend", PSCI_FN_CPU_SUSPEND);
	prop_u32(g, "cpu_off", PSCI_FN_CPU_OFF);
	prop_u32(g, "cpu_on", PSCI_FN_CPU_ON);
	end(g);
}

/* --- GIC, timer ------------------------------------------------------------------------------ */

static void add_gic(struct gd *g)
{
	struct cells reg = {0};
	char name[NAME_MAX_LEN];

	unit_name(name, "intc", g->cfg->gicd_ipa);
	begin(g, name);
	prop_str(g, "compatible", "arm,cortex-a15-gic");
	prop_u32(g, "#interrupt-cells", DT_GIC_IRQ_CELLS);
	prop_empty(g, "interrupt-controller");
	/* No children; 0 is the address size interrupt-map parsing takes for this parent. */
	prop_u32(g, "#address-cells", 0);
	/* GICD: the frame hyp/vgic_dist.c emulates. GICC: the hardware GICV mapped there, whole
	 * (GICv2 needs 8 KiB: GICC_DIR is at 0x1000). No GICH/GICV and no maintenance
	 * interrupt: the guest has no virtualization extensions. */
	add64(&reg, g->cfg->gicd_ipa);
	add64(&reg, VGIC_DIST_FRAME_SIZE);
	add64(&reg, g->cfg->gicc_ipa);
	add64(&reg, g->in->plat->gic.vcpu.size);
	prop_cells(g, "reg", &reg);
	prop_u32(g, "phandle", PHANDLE_GIC);
	end(g);
}

static void add_timer(struct gd *g)
{
	const struct platform *plat = g->in->plat;
	const void *pfdt = g->in->plat_fdt;
	const uint32_t intid[4] = {plat->timer.intid_sec_phys, plat->timer.intid_phys,
				   plat->timer.intid_virt, plat->timer.intid_hyp};
	const uint32_t cpus = ((1u << g->cfg->nr_vcpus) - 1) << GIC_PPI_CPU_MASK_SHIFT;
	struct cells irqs = {0};
	struct dt_irq pirq[4];
	struct diag ld;
	unsigned n;
	int node;

	if (g->err)
		return;
	node = dt_find_compatible(pfdt, timer_compats, ARRAY_SIZE(timer_compats));
	if (node < 0) {
		fail(g, -EINVAL, "the platform tree has no timer node");
		return;
	}
	if (dt_read_interrupts(pfdt, node, g->plat_gic, pirq, 4, &n, &ld)) {
		fail(g, -EINVAL, "%s", ld.msg);
		return;
	}
	if (n < 4) {
		fail(g, -EINVAL, "the platform timer has %u interrupts, not 4", n);
		return;
	}
	begin(g, "timer");
	prop_str(g, "compatible", "arm,armv7-timer");
	for (unsigned i = 0; i < 4; i++) {
		/* The trigger as the platform describes it, if it is a level (the timer outputs
		 * are; Linux's arch timer insists); the CPU mask: the partition's vCPUs. */
		uint32_t trig = pirq[i].flags & IRQ_TYPE_MASK;

		if (trig != IRQ_TYPE_LEVEL_HIGH && trig != IRQ_TYPE_LEVEL_LOW)
			trig = IRQ_TYPE_LEVEL_LOW;
		add(&irqs, DT_GIC_IRQ_TYPE_PPI);
		add(&irqs, intid[i] - DT_GIC_PPI_BASE);
		add(&irqs, trig | cpus);
	}
	prop_cells(g, "interrupts", &irqs);
	if (dt_has_prop(pfdt, node, "always-on"))
		prop_empty(g, "always-on");
	if (plat->timer.freq_hz)
		prop_u32(g, "clock-frequency", plat->timer.freq_hz);
	end(g);
}

/* --- clocks ---------------------------------------------------------------------------------- */

/* The guest phandle for the platform clock node clk, referenced by entry i of dev's clocks:
 * a fixed clock is copied (once per partition); anything else is refused, since its provider
 * cannot be given to the guest. 0 on error. */
static uint32_t clock_phandle(struct gd *g, int dev, unsigned i, int clk)
{
	const void *pfdt = g->in->plat_fdt;
	uint32_t cells = 1, hz;
	struct diag ld;

	for (unsigned k = 0; k < g->nr_clk; k++)
		if (g->clk[k].node == clk)
			return g->clk[k].phandle;
	if (!dt_is_compatible(pfdt, clk, "fixed-clock") ||
	    dt_read_u32(pfdt, clk, "#clock-cells", &cells, NULL) || cells != 0 ||
	    dt_read_u32(pfdt, clk, "clock-frequency", &hz, NULL)) {
		char cpath[DT_PATH_MAX];

		dt_err(&ld, -EINVAL, pfdt, dev,
		       "property 'clocks' entry %u: %s is not a fixed clock with #clock-cells = <0>",
		       i, dt_path(pfdt, clk, cpath, sizeof(cpath)));
		fail(g, -EINVAL, "%s", ld.msg);
		return 0;
	}
	if (g->nr_clk == GUEST_DT_MAX_CLOCKS) {
		dt_err(&ld, -EINVAL, pfdt, dev,
		       "property 'clocks': more than GUEST_DT_MAX_CLOCKS (%u) distinct clocks",
		       GUEST_DT_MAX_CLOCKS);
		fail(g, -EINVAL, "%s", ld.msg);
		return 0;
	}
	g->clk[g->nr_clk].node = clk;
	g->clk[g->nr_clk].phandle = g->next_phandle++;
	return g->clk[g->nr_clk++].phandle;
}

/* dev's clocks, each phandle replaced by the guest's copy of the clock. Fixed clocks have no
 * specifier cells, so every cell is a phandle; the first provider with cells stops the walk. */
static void copy_clocks(struct gd *g, int dev, const fdt32_t *val, int len)
{
	const void *pfdt = g->in->plat_fdt;
	struct cells c = {0};
	struct diag ld;

	if (len <= 0 || len % (int)sizeof(fdt32_t) || len / (int)sizeof(fdt32_t) > (int)MAX_CELLS) {
		dt_err(&ld, -EINVAL, pfdt, dev,
		       "property 'clocks' is %d bytes, expected 1 to %u phandles", len, MAX_CELLS);
		fail(g, -EINVAL, "%s", ld.msg);
		return;
	}
	for (unsigned i = 0; i < (unsigned)len / sizeof(fdt32_t); i++) {
		uint32_t ph = fdt32_ld(&val[i]);
		int clk = fdt_node_offset_by_phandle(pfdt, ph);

		if (clk < 0) {
			dt_err(&ld, -EINVAL, pfdt, dev,
			       "property 'clocks' entry %u refers to phandle 0x%x, which no node has",
			       i, (unsigned)ph);
			fail(g, -EINVAL, "%s", ld.msg);
			return;
		}
		add(&c, clock_phandle(g, dev, i, clk));
		if (g->err)
			return;
	}
	prop_cells(g, "clocks", &c);
}

/* The emulated UART's clock: a copied clock named apb-pclk if a device brought one (QEMU's
 * PL011s and PL031 share theirs), otherwise one generated here. */
static void pick_vuart_clock(struct gd *g)
{
	for (unsigned k = 0; k < g->nr_clk; k++) {
		const char *name = dt_name(g->in->plat_fdt, g->clk[k].node);

		if (strcspn(name, "@") == strlen(VUART_CLOCK_NAME) &&
		    !strncmp(name, VUART_CLOCK_NAME, strlen(VUART_CLOCK_NAME))) {
			g->vuart_clk = g->clk[k].phandle;
			return;
		}
	}
	g->vuart_clk = g->next_phandle++;
	g->gen_vuart_clk = true;
}

/* Copies of the platform's fixed clocks the devices use, then the vuart's own if needed. */
static void add_clocks(struct gd *g)
{
	const void *pfdt = g->in->plat_fdt;

	for (unsigned k = 0; k < g->nr_clk; k++) {
		static const char *const copied[] = {"clock-frequency", "clock-accuracy",
						     "clock-output-names"};
		const char *name = dt_name(pfdt, g->clk[k].node);
		char base[NAME_MAX_LEN];

		/* A fixed clock has no reg, so no unit address in the guest. */
		base_name(base, name);
		begin(g, base);
		prop_str(g, "compatible", "fixed-clock");
		prop_u32(g, "#clock-cells", 0);
		for (unsigned i = 0; i < ARRAY_SIZE(copied); i++) {
			int len;
			const void *v = fdt_getprop(pfdt, g->clk[k].node, copied[i], &len);

			if (v && len >= 0)
				prop(g, copied[i], v, (size_t)len);
		}
		prop_u32(g, "phandle", g->clk[k].phandle);
		end(g);
	}
	if (g->gen_vuart_clk) {
		begin(g, VUART_CLOCK_NAME);
		prop_str(g, "compatible", "fixed-clock");
		prop_u32(g, "#clock-cells", 0);
		prop_u32(g, "clock-frequency", GUEST_DT_VUART_CLOCK_HZ);
		prop_u32(g, "phandle", g->vuart_clk);
		end(g);
	}
}

/* --- the emulated UART ------------------------------------------------------------------------ */

static void add_vuart(struct gd *g)
{
	struct cells reg = {0}, irq = {0}, clocks = {0};
	char name[NAME_MAX_LEN];

	if (!has_vuart(g) || g->err)
		return;
	pick_vuart_clock(g);
	unit_name(name, "pl011", g->in->vuart_base);
	begin(g, name);
	PROP_STRS(g, "compatible", "arm,pl011\0arm,primecell");
	add64(&reg, g->in->vuart_base);
	add64(&reg, PAGE_SIZE);
	prop_cells(g, "reg", &reg);
	add(&irq, DT_GIC_IRQ_TYPE_SPI);
	add(&irq, g->in->vuart_intid - DT_GIC_SPI_BASE);
	add(&irq, IRQ_TYPE_LEVEL_HIGH);
	prop_cells(g, "interrupts", &irq);
	/* amba-pl011 takes "uartclk"; the AMBA bus enables "apb_pclk" (the PL011's two). */
	add(&clocks, g->vuart_clk);
	add(&clocks, g->vuart_clk);
	prop_cells(g, "clocks", &clocks);
	PROP_STRS(g, "clock-names", "uartclk\0apb_pclk");
	prop_u32(g, "arm,primecell-periphid", PL011_PERIPHID);
	end(g);
}

/* --- passed-through devices --------------------------------------------------------------------- */

/* Properties of a device node that are not copied: its own phandle and status (the node is
 * enabled in the guest), and references to nodes the guest tree does not have. Besides these,
 * names ending in "-supply" or "-gpios"/"-gpio" and starting with "pinctrl-" are dropped. */
static const char *const dropped_props[] = {
	"phandle",
	"linux,phandle",
	"status",
	"interrupts-extended",
	"resets",
	"reset-names",
	"dmas",
	"dma-names",
	"power-domains",
	"power-domain-names",
	"iommus",
	"msi-parent",
	"memory-region",
	"phys",
	"phy-names",
	"gpios",
	"assigned-clocks",
	"assigned-clock-parents",
	"assigned-clock-rates",
	"interconnects",
	"interconnect-names",
	"nvmem-cells",
	"nvmem-cell-names",
	"mboxes",
	"mbox-names",
};

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

static bool dropped(const char *name)
{
	for (unsigned i = 0; i < ARRAY_SIZE(dropped_props); i++)
		if (!strcmp(name, dropped_props[i]))
			return true;
	return !strncmp(name, "pinctrl-", strlen("pinctrl-")) || ends_with(name, "-supply") ||
	       ends_with(name, "-gpios") || ends_with(name, "-gpio");
}

/* dev's reg, translated to CPU physical addresses (the IPAs: devices are mapped at IPA == PA)
 * and written with the root's two cells. */
static void copy_reg(struct gd *g, const struct dt_reg *regs, unsigned n)
{
	struct cells c = {0};

	for (unsigned i = 0; i < n; i++) {
		add64(&c, regs[i].base);
		add64(&c, regs[i].size);
	}
	prop_cells(g, "reg", &c);
}

/* dev's interrupts, re-encoded from their decoded form: every one must be an SPI (only SPIs are
 * routed to partitions), whose INTID the guest sees unchanged. */
static void copy_interrupts(struct gd *g, int dev)
{
	const void *pfdt = g->in->plat_fdt;
	struct dt_irq irqs[CONFIG_MAX_DEV_IRQS];
	struct cells c = {0};
	struct diag ld;
	unsigned n;

	if (dt_read_interrupts(pfdt, dev, g->plat_gic, irqs, CONFIG_MAX_DEV_IRQS, &n, &ld)) {
		fail(g, -EINVAL, "%s", ld.msg);
		return;
	}
	if (n > CONFIG_MAX_DEV_IRQS) {
		dt_err(&ld, -EINVAL, pfdt, dev,
		       "has %u interrupts, more than CONFIG_MAX_DEV_IRQS (%u)", n,
		       CONFIG_MAX_DEV_IRQS);
		fail(g, -EINVAL, "%s", ld.msg);
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		if (irqs[i].ppi) {
			dt_err(&ld, -EINVAL, pfdt, dev,
			       "interrupt %u is INTID %u, a PPI (only SPIs reach a partition)", i,
			       (unsigned)irqs[i].intid);
			fail(g, -EINVAL, "%s", ld.msg);
			return;
		}
		add(&c, DT_GIC_IRQ_TYPE_SPI);
		add(&c, irqs[i].intid - DT_GIC_SPI_BASE);
		add(&c, irqs[i].flags);
	}
	prop_cells(g, "interrupts", &c);
}

/* The platform node at path, at the root of the guest tree, named base@<first reg address>. */
static void add_device(struct gd *g, const char *path)
{
	const void *pfdt = g->in->plat_fdt;
	struct dt_reg regs[CONFIG_MAX_DEV_REGS];
	char name[NAME_MAX_LEN];
	unsigned nr_regs = 0;
	const char *pname;
	struct diag ld;
	int dev;

	if (g->err)
		return;
	dev = dt_node(pfdt, path);
	if (dev < 0) {
		fail(g, -EINVAL, "device %s is not in the platform tree", path);
		return;
	}
	if (dt_has_prop(pfdt, dev, "reg")) {
		if (dt_read_reg(pfdt, dev, regs, CONFIG_MAX_DEV_REGS, &nr_regs, &ld)) {
			fail(g, -EINVAL, "%s", ld.msg);
			return;
		}
		if (nr_regs > CONFIG_MAX_DEV_REGS) {
			dt_err(&ld, -EINVAL, pfdt, dev,
			       "has %u 'reg' entries, more than CONFIG_MAX_DEV_REGS (%u)", nr_regs,
			       CONFIG_MAX_DEV_REGS);
			fail(g, -EINVAL, "%s", ld.msg);
			return;
		}
	}
	if (nr_regs)
		unit_name(name, dt_name(pfdt, dev), regs[0].base);
	else
		base_name(name, dt_name(pfdt, dev));
	begin(g, name);
	for (unsigned i = 0; !g->err && (pname = dt_prop_name_at(pfdt, dev, i)); i++) {
		int len;
		const void *val = fdt_getprop(pfdt, dev, pname, &len);

		if (!val || len < 0 || dropped(pname))
			continue;
		if (!strcmp(pname, "reg"))
			copy_reg(g, regs, nr_regs);
		else if (!strcmp(pname, "interrupts"))
			copy_interrupts(g, dev);
		else if (!strcmp(pname, "interrupt-parent"))
			prop_u32(g, pname, PHANDLE_GIC);
		else if (!strcmp(pname, "clocks"))
			copy_clocks(g, dev, val, len);
		else
			prop(g, pname, val, (size_t)len);
	}
	end(g);
}

/* --- checks ------------------------------------------------------------------------------------ */

static void check_input(struct gd *g, const void *buf)
{
	const struct guest_dt_input *in = g->in;
	const struct part_config *cfg = g->cfg;
	struct diag ld;

	if ((uintptr_t)buf % GUEST_DT_ALIGN)
		fail(g, -EINVAL, "buffer is not %u-byte aligned", GUEST_DT_ALIGN);
	else if (!in->plat || !in->plat_fdt)
		fail(g, -EINVAL, "no platform description");
	else if (cfg->nr_vcpus < 1 || cfg->nr_vcpus > CONFIG_MAX_VCPUS)
		fail(g, -EINVAL, "%u vCPUs (1 to %u)", cfg->nr_vcpus, CONFIG_MAX_VCPUS);
	else if (cfg->nr_regions > CONFIG_MAX_REGIONS || cfg->nr_devices > CONFIG_MAX_DEVICES)
		fail(g, -EINVAL, "%u regions, %u devices (at most %u, %u)", cfg->nr_regions,
		     cfg->nr_devices, CONFIG_MAX_REGIONS, CONFIG_MAX_DEVICES);
	else if (in->initrd_size && in->initrd_start > UINT64_MAX - in->initrd_size)
		fail(g, -EINVAL, "initrd 0x%llx size 0x%llx wraps around",
		     (unsigned long long)in->initrd_start, (unsigned long long)in->initrd_size);
	else if (in->vuart_intid && (in->vuart_intid < DT_GIC_SPI_BASE ||
				     in->vuart_intid >= DT_GIC_SPI_BASE + DT_GIC_NR_SPIS))
		fail(g, -EINVAL, "vuart INTID %u is not an SPI (32 to 1019)",
		     (unsigned)in->vuart_intid);
	else if (in->vuart_intid && !IS_ALIGNED(in->vuart_base, PAGE_SIZE))
		fail(g, -EINVAL, "vuart 0x%llx is not page aligned",
		     (unsigned long long)in->vuart_base);
	else if (dt_check(in->plat_fdt, &ld))
		fail(g, -EINVAL, "platform %s", ld.msg);
	else if ((g->plat_gic = dt_node(in->plat_fdt, in->plat->gic.path)) < 0)
		fail(g, -EINVAL, "platform GIC %s not found", in->plat->gic.path);
}

/* Node names must be unique among siblings; at the root, copied devices and clocks could
 * collide with each other or with generated nodes. */
static void check_root_names(struct gd *g)
{
	for (int a = dt_child(g->fdt, 0, -1); !g->err && a >= 0; a = dt_child(g->fdt, 0, a))
		for (int b = dt_child(g->fdt, 0, a); b >= 0; b = dt_child(g->fdt, 0, b))
			if (!strcmp(dt_name(g->fdt, a), dt_name(g->fdt, b))) {
				fail(g, -EINVAL, "two nodes named /%s", dt_name(g->fdt, a));
				break;
			}
}

/* --- the tree -------------------------------------------------------------------------------- */

int guest_dt_build(const struct guest_dt_input *in, void *buf, size_t size, struct diag *d)
{
	int r;

	/* Strings config_parse() and platform_discover() produced are terminated. */
	ASSERT(in && in->cfg && buf);
	ASSERT(memchr(in->cfg->name, '\0', sizeof(in->cfg->name)));
	ASSERT(memchr(in->cfg->bootargs, '\0', sizeof(in->cfg->bootargs)));
	for (unsigned i = 0; i < in->cfg->nr_devices && i < CONFIG_MAX_DEVICES; i++)
		ASSERT(memchr(in->cfg->devices[i].path, '\0', PLAT_PATH_MAX));
	ASSERT(!in->plat || memchr(in->plat->gic.path, '\0', PLAT_PATH_MAX));

	struct gd g = {
		.fdt = buf,
		.size = (int)(size < GUEST_DT_MAX_SIZE ? size : GUEST_DT_MAX_SIZE),
		.in = in,
		.cfg = in->cfg,
		.d = d,
		.next_phandle = PHANDLE_GIC + 1,
	};

	check_input(&g, buf);
	if (g.err)
		return g.err;
	r = fdt_create(buf, g.size);
	if (!r)
		r = fdt_finish_reservemap(buf);
	if (r)
		fdt_fail(&g, r, "header", "reserve map");

	begin(&g, "");
	add_root_props(&g);
	add_chosen(&g);
	add_memory(&g);
	add_cpus(&g);
	add_psci(&g);
	add_gic(&g);
	add_timer(&g);
	for (unsigned i = 0; i < g.cfg->nr_devices; i++)
		add_device(&g, g.cfg->devices[i].path);
	add_vuart(&g);
	add_clocks(&g);
	end(&g);

	if (!g.err) {
		r = fdt_finish(buf);
		if (r)
			fdt_fail(&g, r, "tree", "end");
	}
	check_root_names(&g);
	return g.err ? g.err : (int)fdt_totalsize(buf);
}
