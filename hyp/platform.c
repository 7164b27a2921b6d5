/* Platform discovery: fills struct platform from the DTB the loader hands over (see platform.h).
 *
 * Steps run in a fixed order, each one a function that reads one part of the tree through hyp/dt.h
 * and either fills its part of struct platform or returns the one diag line that says what is
 * wrong. The console comes first so that, on a later failure, the caller already knows a UART to
 * print the diag line on. No addresses are compiled in; only the DT bindings are.
 */
#include "hyp/platform.h"

#include <errno.h>
#include <string.h>

#include "hyp/dt.h"

/* LPAE output addresses are 40 bits (ARM ARM B3.6); anything above is unreachable. */
#define PLAT_PA_BITS 40
#define PLAT_PA_LIMIT ((uint64_t)1 << PLAT_PA_BITS)

/* MPIDR affinity fields Aff2:Aff1:Aff0 (ARM ARM B4.1.106); a cpu node's reg holds exactly these. */
#define MPIDR_AFF_MASK 0x00ffffffu

/* PSCI 0.2+ standard function ids, SMC32 calling convention (ARM DEN 0022, 5.1). */
#define PSCI_0_2_FN_CPU_SUSPEND 0x84000001u
#define PSCI_0_2_FN_CPU_OFF 0x84000002u
#define PSCI_0_2_FN_CPU_ON 0x84000003u
#define PSCI_0_2_FN_MIGRATE 0x84000005u

/* Order of the GIC's reg entries (binding arm,gic.yaml) and of the timer's interrupts
 * (arm,arch_timer.yaml). */
enum { GIC_REG_DIST, GIC_REG_CPU, GIC_REG_HYP, GIC_REG_VCPU, GIC_NR_REGS };
enum { TIMER_SEC_PHYS, TIMER_PHYS, TIMER_VIRT, TIMER_HYP, TIMER_NR_IRQS };

static const char *const gic_v2_compats[] = {"arm,cortex-a15-gic", "arm,gic-400",
					     "arm,cortex-a7-gic"};
static const char *const gic_v3_compats[] = {"arm,gic-v3"};
static const char *const timer_compats[] = {"arm,armv7-timer", "arm,armv8-timer"};
static const char *const psci_compats[] = {"arm,psci-1.0", "arm,psci-0.2", "arm,psci"};

static const char *plural(unsigned n)
{
	return n == 1 ? "" : "s";
}

/* Copies a region decoded by dt_read_reg, checking it lies below the LPAE PA limit.
 * dt_read_reg already rejected size 0 and wrap-around. */
static int take_region(const void *fdt, int node, unsigned idx, const struct dt_reg *r,
		       struct plat_region *out, struct diag *d)
{
	if (r->base >= PLAT_PA_LIMIT || r->size > PLAT_PA_LIMIT - r->base)
		return dt_err(
			d, -EINVAL, fdt, node,
			"property 'reg' entry %u (0x%llx, size 0x%llx) lies beyond the %d-bit "
			"physical address space",
			idx, (unsigned long long)r->base, (unsigned long long)r->size,
			PLAT_PA_BITS);
	out->base = r->base;
	out->size = r->size;
	return 0;
}

/* Alias of the console when /chosen has no stdout-path: the board's first UART by its own
 * numbering. QEMU's vexpress machines hand their DTB over with an empty /chosen and only
 * serial0..3 in /aliases. */
#define CONSOLE_ALIAS "serial0"

/* True if /chosen has no console property (stdout-path, or the older linux,stdout-path) but
 * /aliases has CONSOLE_ALIAS. */
static bool console_by_alias(const void *fdt)
{
	int chosen = dt_node(fdt, "/chosen"), aliases = dt_node(fdt, "/aliases");

	if (chosen >= 0 && (dt_has_prop(fdt, chosen, "stdout-path") ||
			    dt_has_prop(fdt, chosen, "linux,stdout-path")))
		return false;
	return aliases >= 0 && dt_has_prop(fdt, aliases, CONSOLE_ALIAS);
}

/* The console: the PL011 named by /chosen/stdout-path, or without one the /aliases serial0 node
 * (p->uart.from_alias). With neither, the message is about stdout-path, the binding to use. Its
 * interrupt is read in find_console_irq(), once the GIC is known. */
static int find_console(const void *fdt, struct platform *p, int *uart, struct diag *d)
{
	struct dt_reg reg;
	unsigned n;
	int ret;

	p->uart.from_alias = console_by_alias(fdt);
	if (p->uart.from_alias)
		ret = dt_alias_node(fdt, CONSOLE_ALIAS, uart, d);
	else
		ret = dt_stdout_node(fdt, uart, d);
	if (ret)
		return ret;
	if (!dt_is_compatible(fdt, *uart, "arm,pl011")) {
		char upath[DT_PATH_MAX];

		return diag_err(d, -EINVAL,
				"%s: property '%s' points to %s, which is not compatible with "
				"\"arm,pl011\"",
				p->uart.from_alias ? "/aliases" : "/chosen",
				p->uart.from_alias ? CONSOLE_ALIAS : "stdout-path",
				dt_path(fdt, *uart, upath, sizeof(upath)));
	}
	ret = dt_read_reg(fdt, *uart, &reg, 1, &n, d);
	if (!ret)
		ret = take_region(fdt, *uart, 0, &reg, &p->uart.reg, d);
	if (ret)
		return ret;
	dt_path(fdt, *uart, p->uart.path, sizeof(p->uart.path));
	return 0;
}

/* The UART's interrupt is optional (polled console); if present it must come from the GIC. */
static int find_console_irq(const void *fdt, struct platform *p, int uart, int gic, struct diag *d)
{
	struct dt_irq irq;
	unsigned n;
	int ret;

	if (!dt_has_prop(fdt, uart, "interrupts"))
		return 0;
	ret = dt_read_interrupts(fdt, uart, gic, &irq, 1, &n, d);
	if (ret)
		return ret;
	p->uart.intid = irq.intid;
	return 0;
}

/* The GICv2 with virtualization extensions: four register frames and the maintenance PPI. */
static int find_gic(const void *fdt, struct platform *p, int *gic, struct diag *d)
{
	struct plat_region *dst[GIC_NR_REGS] = {
		[GIC_REG_DIST] = &p->gic.dist,
		[GIC_REG_CPU] = &p->gic.cpu,
		[GIC_REG_HYP] = &p->gic.hyp,
		[GIC_REG_VCPU] = &p->gic.vcpu,
	};
	struct dt_reg reg[GIC_NR_REGS];
	struct dt_irq irq;
	unsigned n;
	int ret, node = dt_find_compatible(fdt, gic_v2_compats, ARRAY_SIZE(gic_v2_compats));

	if (node < 0) {
		node = dt_find_compatible(fdt, gic_v3_compats, ARRAY_SIZE(gic_v3_compats));
		if (node >= 0)
			return dt_err(
				d, -EINVAL, fdt, node,
				"GICv3 (\"arm,gic-v3\") is unsupported: Bulkhead needs a GICv2 "
				"with virtualization extensions (QEMU: -M virt,gic-version=2)");
		return diag_err(
			d, -ENOENT,
			"/: no GIC found (need a node compatible with "
			"\"arm,cortex-a15-gic\", \"arm,gic-400\" or \"arm,cortex-a7-gic\")");
	}

	ret = dt_read_reg(fdt, node, reg, GIC_NR_REGS, &n, d);
	if (ret)
		return ret;
	/* GICH and GICV are optional in the binding (no virtualization extensions), and
	 * everything Bulkhead does with guests' interrupts goes through them. */
	if (n < GIC_NR_REGS)
		return dt_err(d, -EINVAL, fdt, node,
			      "property 'reg' has %u region%s, GICv2 needs 4 (GICD, GICC, GICH, "
			      "GICV)",
			      n, plural(n));
	for (unsigned i = 0; i < GIC_NR_REGS; i++) {
		ret = take_region(fdt, node, i, &reg[i], dst[i], d);
		if (ret)
			return ret;
	}

	if (!dt_has_prop(fdt, node, "interrupts"))
		return dt_err(d, -ENOENT, fdt, node,
			      "property 'interrupts' missing (the GICv2 maintenance interrupt)");
	ret = dt_read_interrupts(fdt, node, node, &irq, 1, &n, d);
	if (ret)
		return ret;
	if (!irq.ppi)
		return dt_err(
			d, -EINVAL, fdt, node,
			"property 'interrupts' gives INTID %u, the maintenance interrupt must "
			"be a PPI",
			(unsigned)irq.intid);
	p->gic.maint_intid = irq.intid;
	p->gic.version = 2;
	dt_path(fdt, node, p->gic.path, sizeof(p->gic.path));
	*gic = node;
	return 0;
}

/* The generic timer's four PPIs and an optional clock-frequency that overrides CNTFRQ. */
static int find_timer(const void *fdt, struct platform *p, int gic, struct diag *d)
{
	static const char *const name[TIMER_NR_IRQS] = {
		[TIMER_SEC_PHYS] = "secure phys",
		[TIMER_PHYS] = "non-secure phys",
		[TIMER_VIRT] = "virt",
		[TIMER_HYP] = "hyp",
	};
	uint32_t *dst[TIMER_NR_IRQS] = {
		[TIMER_SEC_PHYS] = &p->timer.intid_sec_phys,
		[TIMER_PHYS] = &p->timer.intid_phys,
		[TIMER_VIRT] = &p->timer.intid_virt,
		[TIMER_HYP] = &p->timer.intid_hyp,
	};
	struct dt_irq irq[TIMER_NR_IRQS];
	unsigned n;
	int ret, node = dt_find_compatible(fdt, timer_compats, ARRAY_SIZE(timer_compats));

	if (node < 0)
		return diag_err(
			d, -ENOENT,
			"/: no timer found (need a node compatible with \"arm,armv7-timer\")");
	ret = dt_read_interrupts(fdt, node, gic, irq, TIMER_NR_IRQS, &n, d);
	if (ret)
		return ret;
	if (n < TIMER_NR_IRQS)
		return dt_err(
			d, -EINVAL, fdt, node,
			"property 'interrupts' has %u entr%s, need 4 (secure phys, non-secure "
			"phys, virt, hyp)",
			n, n == 1 ? "y" : "ies");
	for (unsigned i = 0; i < TIMER_NR_IRQS; i++) {
		if (!irq[i].ppi)
			return dt_err(
				d, -EINVAL, fdt, node,
				"property 'interrupts' entry %u (%s timer) is INTID %u, not a "
				"PPI",
				i, name[i], (unsigned)irq[i].intid);
		*dst[i] = irq[i].intid;
	}

	if (dt_has_prop(fdt, node, "clock-frequency")) {
		ret = dt_read_u32(fdt, node, "clock-frequency", &p->timer.freq_hz, d);
		if (ret)
			return ret;
		if (p->timer.freq_hz == 0)
			return dt_err(d, -EINVAL, fdt, node, "property 'clock-frequency' is 0");
	}
	return 0;
}

/* Inserts bank r (from node) into p->ram, keeping it sorted by base; owner[] runs parallel to
 * p->ram so overlap messages can name both nodes. The caller checked there is room. */
static void insert_bank(struct platform *p, int *owner, const struct plat_region *r, int node)
{
	unsigned i = p->nr_ram;

	while (i > 0 && p->ram[i - 1].base > r->base) {
		p->ram[i] = p->ram[i - 1];
		owner[i] = owner[i - 1];
		i--;
	}
	p->ram[i] = *r;
	owner[i] = node;
	p->nr_ram++;
}

/* RAM: every entry of every enabled device_type = "memory" node, sorted, none overlapping. */
static int find_ram(const void *fdt, struct platform *p, struct diag *d)
{
	char opath[DT_PATH_MAX];
	int owner[PLAT_MAX_RAM_BANKS];
	int node = -1;

	while ((node = fdt_node_offset_by_prop_value(fdt, node, "device_type", "memory",
						     sizeof("memory"))) >= 0) {
		struct dt_reg reg[PLAT_MAX_RAM_BANKS];
		unsigned n;
		int ret;

		if (!dt_is_enabled(fdt, node))
			continue;
		ret = dt_read_reg(fdt, node, reg, PLAT_MAX_RAM_BANKS, &n, d);
		if (ret)
			return ret;
		if (n > PLAT_MAX_RAM_BANKS - p->nr_ram)
			return dt_err(d, -E2BIG, fdt, node,
				      "property 'reg' brings the RAM banks to %u, more than "
				      "PLAT_MAX_RAM_BANKS (%u)",
				      p->nr_ram + n, (unsigned)PLAT_MAX_RAM_BANKS);
		for (unsigned i = 0; i < n; i++) {
			struct plat_region r;

			ret = take_region(fdt, node, i, &reg[i], &r, d);
			if (ret)
				return ret;
			insert_bank(p, owner, &r, node);
		}
	}
	if (node != -FDT_ERR_NOTFOUND)
		return diag_err(d, -EINVAL, "/: cannot search for memory nodes: %s",
				fdt_strerror(node));
	if (p->nr_ram == 0)
		return diag_err(d, -ENOENT,
				"/: no memory node (need a node with device_type = \"memory\")");

	/* Sorted by base, so only neighbours can overlap. */
	for (unsigned i = 1; i < p->nr_ram; i++) {
		const struct plat_region *a = &p->ram[i - 1], *b = &p->ram[i];

		if (ranges_overlap(a->base, a->size, b->base, b->size))
			return dt_err(d, -EINVAL, fdt, owner[i],
				      "RAM 0x%llx-0x%llx overlaps RAM 0x%llx-0x%llx of %s",
				      (unsigned long long)b->base,
				      (unsigned long long)(b->base + b->size - 1),
				      (unsigned long long)a->base,
				      (unsigned long long)(a->base + a->size - 1),
				      dt_path(fdt, owner[i - 1], opath, sizeof(opath)));
	}
	return 0;
}

/* CPUs: the children of /cpus with device_type = "cpu", in DT order; reg is the MPIDR affinity
 * (binding arm/cpus.yaml). status is not checked: a "disabled" CPU can still be started by PSCI. */
static int find_cpus(const void *fdt, struct platform *p, struct diag *d)
{
	char opath[DT_PATH_MAX];
	int cpu_node[PLAT_MAX_CPUS];
	int node, cpus = fdt_path_offset(fdt, "/cpus");

	if (cpus < 0)
		return diag_err(d, -ENOENT, "/cpus: node missing");
	fdt_for_each_subnode(node, fdt, cpus)
	{
		struct dt_reg reg;
		unsigned n;
		int ret;

		if (!dt_prop_is(fdt, node, "device_type", "cpu"))
			continue;
		if (p->nr_cpus == PLAT_MAX_CPUS)
			return dt_err(d, -E2BIG, fdt, node, "more than PLAT_MAX_CPUS (%u) CPUs",
				      (unsigned)PLAT_MAX_CPUS);
		ret = dt_read_reg_raw(fdt, node, &reg, 1, &n, d);
		if (ret)
			return ret;
		if (reg.base & ~(uint64_t)MPIDR_AFF_MASK)
			return dt_err(d, -EINVAL, fdt, node,
				      "property 'reg' is 0x%llx, not an MPIDR affinity value (bits "
				      "above 23 set)",
				      (unsigned long long)reg.base);
		for (unsigned i = 0; i < p->nr_cpus; i++)
			if (p->cpus[i].mpidr == reg.base)
				return dt_err(d, -EINVAL, fdt, node,
					      "property 'reg' 0x%x is also the reg of %s",
					      (unsigned)reg.base,
					      dt_path(fdt, cpu_node[i], opath, sizeof(opath)));
		cpu_node[p->nr_cpus] = node;
		p->cpus[p->nr_cpus++].mpidr = (uint32_t)reg.base;
	}
	if (node != -FDT_ERR_NOTFOUND)
		return diag_err(d, -EINVAL, "/cpus: cannot walk the cpu nodes: %s",
				fdt_strerror(node));
	if (p->nr_cpus == 0)
		return diag_err(d, -ENOENT,
				"/cpus: no cpu nodes (need a child with device_type = \"cpu\")");
	return 0;
}

/* Reads an optional PSCI 0.1 function id property into *out (left 0 if absent). */
static int psci_fn(const void *fdt, int node, const char *name, uint32_t *out, struct diag *d)
{
	if (!dt_has_prop(fdt, node, name))
		return 0;
	return dt_read_u32(fdt, node, name, out, d);
}

/* PSCI is optional: without it (e.g. vexpress) the conduit stays NONE and secondaries are
 * started another way. */
static int find_psci(const void *fdt, struct platform *p, struct diag *d)
{
	const char *method;
	int ret, node = dt_find_compatible(fdt, psci_compats, ARRAY_SIZE(psci_compats));

	if (node < 0)
		return 0;
	ret = dt_read_string(fdt, node, "method", &method, d);
	if (ret)
		return ret;
	if (!strcmp(method, "smc"))
		p->psci.conduit = PSCI_CONDUIT_SMC;
	else if (!strcmp(method, "hvc"))
		p->psci.conduit = PSCI_CONDUIT_HVC;
	else
		return dt_err(d, -EINVAL, fdt, node,
			      "property 'method' is \"%.32s\", expected \"smc\" or \"hvc\"",
			      method);

	p->psci.v0_2 = dt_is_compatible(fdt, node, "arm,psci-0.2") ||
		       dt_is_compatible(fdt, node, "arm,psci-1.0");
	if (p->psci.v0_2) {
		/* 0.2 fixed the ids; the binding says the cpu_on/... properties apply to
		 * "arm,psci" only (Linux ignores them otherwise), so a stale value there must not
		 * override the standard id. */
		p->psci.fn_cpu_suspend = PSCI_0_2_FN_CPU_SUSPEND;
		p->psci.fn_cpu_off = PSCI_0_2_FN_CPU_OFF;
		p->psci.fn_cpu_on = PSCI_0_2_FN_CPU_ON;
		p->psci.fn_migrate = PSCI_0_2_FN_MIGRATE;
		return 0;
	}
	ret = psci_fn(fdt, node, "cpu_suspend", &p->psci.fn_cpu_suspend, d);
	if (!ret)
		ret = psci_fn(fdt, node, "cpu_off", &p->psci.fn_cpu_off, d);
	if (!ret)
		ret = psci_fn(fdt, node, "cpu_on", &p->psci.fn_cpu_on, d);
	if (!ret)
		ret = psci_fn(fdt, node, "migrate", &p->psci.fn_migrate, d);
	return ret;
}

int platform_discover(const void *fdt, struct platform *p, struct diag *d)
{
	int ret, uart = -1, gic = -1;

	memset(p, 0, sizeof(*p));
	if (d)
		d->msg[0] = '\0';

	ret = dt_check(fdt, d);
	if (!ret)
		ret = find_console(fdt, p, &uart, d);
	if (!ret)
		ret = find_gic(fdt, p, &gic, d);
	if (!ret)
		ret = find_console_irq(fdt, p, uart, gic, d);
	if (!ret)
		ret = find_timer(fdt, p, gic, d);
	if (!ret)
		ret = find_ram(fdt, p, d);
	if (!ret)
		ret = find_cpus(fdt, p, d);
	if (!ret)
		ret = find_psci(fdt, p, d);
	return ret;
}

uint64_t platform_ram_total(const struct platform *p)
{
	uint64_t total = 0;

	for (unsigned i = 0; i < p->nr_ram; i++)
		total += p->ram[i].size;
	return total;
}
