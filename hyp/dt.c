/* Device-tree access helpers over libfdt (see dt.h): path formatting, typed property reads, reg
 * decoding with bus address translation, GIC interrupt decoding and stdout-path resolution.
 *
 * Every length and phandle read from the blob is checked before use; failures become one diag
 * line that names the node holding the property.
 */
#include "hyp/dt.h"

#include <errno.h>
#include <string.h>

/* DT spec 2.3.5: defaults when a bus node has no #address-cells / #size-cells. */
#define DT_DEFAULT_ADDR_CELLS 2u
#define DT_DEFAULT_SIZE_CELLS 1u
/* Values are held in 64 bits, so a cell count above 2 (e.g. PCI's 3) is not decodable here. */
#define DT_MAX_CELLS 2u
#define DT_CELL_BYTES 4u

int dt_check(const void *fdt, struct diag *d)
{
	int ret = fdt_check_header(fdt);

	if (ret < 0)
		return diag_err(d, -EINVAL, "dtb: bad header: %s", fdt_strerror(ret));
	if (fdt_totalsize(fdt) > DT_MAX_SIZE)
		return diag_err(d, -EINVAL, "dtb: totalsize %u bytes exceeds the %u-byte limit",
				(unsigned)fdt_totalsize(fdt), (unsigned)DT_MAX_SIZE);
	/* The header only vouches for block offsets; walk the structure once so a cut-off or
	 * corrupted tree is reported here rather than half-way through discovery. */
	ret = fdt_check_full(fdt, fdt_totalsize(fdt));
	if (ret < 0)
		return diag_err(d, -EINVAL, "dtb: malformed structure: %s", fdt_strerror(ret));
	return 0;
}

const char *dt_path(const void *fdt, int node, char *buf, size_t size)
{
	int len;
	const char *name;

	if (fdt_get_path(fdt, node, buf, (int)size) == 0)
		return buf;
	name = fdt_get_name(fdt, node, &len);
	if (name)
		fmt_snprintf(buf, size, ".../%s", name);
	else
		fmt_snprintf(buf, size, "<node at offset %d>", node);
	return buf;
}

int dt_err(struct diag *d, int err, const void *fdt, int node, const char *fmt, ...)
{
	char path[DT_PATH_MAX];
	int n;

	if (!d)
		return err;
	n = fmt_snprintf(d->msg, sizeof(d->msg), "%s: ", dt_path(fdt, node, path, sizeof(path)));
	if (n >= 0 && (size_t)n < sizeof(d->msg)) {
		va_list ap;

		va_start(ap, fmt);
		fmt_vsnprintf(d->msg + n, sizeof(d->msg) - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return err;
}

bool dt_has_prop(const void *fdt, int node, const char *name)
{
	return fdt_getprop(fdt, node, name, NULL) != NULL;
}

bool dt_prop_is(const void *fdt, int node, const char *name, const char *value)
{
	int len;
	const char *v = fdt_getprop(fdt, node, name, &len);

	return v && len > 0 && (size_t)len == strlen(value) + 1 &&
	       memcmp(v, value, (size_t)len) == 0;
}

bool dt_is_enabled(const void *fdt, int node)
{
	return !dt_has_prop(fdt, node, "status") || dt_prop_is(fdt, node, "status", "okay") ||
	       dt_prop_is(fdt, node, "status", "ok");
}

bool dt_is_compatible(const void *fdt, int node, const char *compat)
{
	return fdt_node_check_compatible(fdt, node, compat) == 0;
}

int dt_find_compatible(const void *fdt, const char *const *compats, size_t n)
{
	for (int node = fdt_next_node(fdt, -1, NULL); node >= 0;
	     node = fdt_next_node(fdt, node, NULL)) {
		if (!dt_is_enabled(fdt, node))
			continue;
		for (size_t i = 0; i < n; i++)
			if (dt_is_compatible(fdt, node, compats[i]))
				return node;
	}
	return -FDT_ERR_NOTFOUND;
}

int dt_read_string(const void *fdt, int node, const char *name, const char **out, struct diag *d)
{
	int len;
	const char *v = fdt_getprop(fdt, node, name, &len);

	if (!v)
		return dt_err(d, -ENOENT, fdt, node, "property '%s' missing", name);
	/* A string list ("a\0b\0") is fine: its first string is the value. */
	if (len < 2 || v[0] == '\0' || v[len - 1] != '\0')
		return dt_err(d, -EINVAL, fdt, node, "property '%s' is not a non-empty string",
			      name);
	*out = v;
	return 0;
}

int dt_read_u32(const void *fdt, int node, const char *name, uint32_t *out, struct diag *d)
{
	int len;
	const fdt32_t *v = fdt_getprop(fdt, node, name, &len);

	if (!v)
		return dt_err(d, -ENOENT, fdt, node, "property '%s' missing", name);
	if (len != (int)DT_CELL_BYTES)
		return dt_err(d, -EINVAL, fdt, node, "property '%s' is %d bytes, expected 4", name,
			      len);
	*out = fdt32_ld(v);
	return 0;
}

/* Big-endian value of n (<= DT_MAX_CELLS) cells. fdt32_ld does byte loads, so this is safe even
 * if the blob sits at an address that is not 4-byte aligned. */
static uint64_t read_cells(const fdt32_t *p, uint32_t n)
{
	uint64_t v = 0;

	for (uint32_t i = 0; i < n; i++)
		v = (v << 32) | fdt32_ld(&p[i]);
	return v;
}

/* Reads bus's cell-count property name (default dflt), which must lie in [min, DT_MAX_CELLS].
 * child and what say which property of which node needed it, for the message. */
static int bus_cells(const void *fdt, int bus, const char *name, uint32_t dflt, uint32_t min,
		     int child, const char *what, uint32_t *out, struct diag *d)
{
	int ret;

	if (!dt_has_prop(fdt, bus, name)) {
		*out = dflt;
		return 0;
	}
	ret = dt_read_u32(fdt, bus, name, out, d);
	if (ret)
		return ret;
	if (*out < min || *out > DT_MAX_CELLS) {
		char cpath[DT_PATH_MAX];

		return dt_err(d, -EINVAL, fdt, bus,
			      "property '%s' is %u, must be %s (reading '%s' of %s)", name,
			      (unsigned)*out, min ? "1 or 2" : "0, 1 or 2", what,
			      dt_path(fdt, child, cpath, sizeof(cpath)));
	}
	return 0;
}

/* Shared body of dt_read_reg_raw/dt_read_reg; min_size_cells is 0 or 1. */
static int read_reg(const void *fdt, int node, uint32_t min_size_cells, struct dt_reg *regs,
		    unsigned max, unsigned *count, struct diag *d)
{
	uint32_t ac, sc, entry;
	const fdt32_t *p;
	int len, ret;
	int bus = fdt_parent_offset(fdt, node);

	*count = 0;
	if (bus < 0)
		return dt_err(d, -EINVAL, fdt, node, "property 'reg' on a node without a parent");
	ret = bus_cells(fdt, bus, "#address-cells", DT_DEFAULT_ADDR_CELLS, 1, node, "reg", &ac, d);
	if (ret)
		return ret;
	ret = bus_cells(fdt, bus, "#size-cells", DT_DEFAULT_SIZE_CELLS, min_size_cells, node, "reg",
			&sc, d);
	if (ret)
		return ret;

	p = fdt_getprop(fdt, node, "reg", &len);
	if (!p)
		return dt_err(d, -ENOENT, fdt, node, "property 'reg' missing");
	entry = (ac + sc) * DT_CELL_BYTES;
	if (len == 0)
		return dt_err(d, -EINVAL, fdt, node, "property 'reg' is empty");
	if ((uint32_t)len % entry) {
		char bpath[DT_PATH_MAX];

		return dt_err(d, -EINVAL, fdt, node,
			      "property 'reg' is %d bytes, not a whole number of %u-byte entries "
			      "(#address-cells %u, #size-cells %u in %s)",
			      len, (unsigned)entry, (unsigned)ac, (unsigned)sc,
			      dt_path(fdt, bus, bpath, sizeof(bpath)));
	}

	*count = (uint32_t)len / entry;
	for (unsigned i = 0; i < *count && i < max; i++, p += ac + sc) {
		regs[i].base = read_cells(p, ac);
		regs[i].size = read_cells(p + ac, sc);
	}
	return 0;
}

int dt_read_reg_raw(const void *fdt, int node, struct dt_reg *regs, unsigned max, unsigned *count,
		    struct diag *d)
{
	return read_reg(fdt, node, 0, regs, max, count, d);
}

/* Maps r (entry idx of node's reg) from the address space of node's parent bus to the CPU's, one
 * bus at a time: an empty "ranges" is the identity, a missing one means the bus is not
 * memory-mapped (DT spec 2.3.8). The root's address space is the CPU physical one. */
static int translate(const void *fdt, int node, unsigned idx, struct dt_reg *r, struct diag *d)
{
	char npath[DT_PATH_MAX];
	int bus = fdt_parent_offset(fdt, node);

	while (bus > 0) {
		uint32_t cac, csc, pac, entry;
		int len, ret;
		int up = fdt_parent_offset(fdt, bus);
		const fdt32_t *p = fdt_getprop(fdt, bus, "ranges", &len);
		bool found = false;

		if (up < 0)
			return dt_err(d, -EINVAL, fdt, bus, "cannot find the parent node");
		if (!p)
			return dt_err(
				d, -EINVAL, fdt, bus,
				"property 'ranges' missing, so 'reg' of %s is not a CPU address",
				dt_path(fdt, node, npath, sizeof(npath)));
		if (len == 0) {
			bus = up;
			continue;
		}
		ret = bus_cells(fdt, bus, "#address-cells", DT_DEFAULT_ADDR_CELLS, 1, bus, "ranges",
				&cac, d);
		if (!ret)
			ret = bus_cells(fdt, bus, "#size-cells", DT_DEFAULT_SIZE_CELLS, 1, bus,
					"ranges", &csc, d);
		if (!ret)
			ret = bus_cells(fdt, up, "#address-cells", DT_DEFAULT_ADDR_CELLS, 1, bus,
					"ranges", &pac, d);
		if (ret)
			return ret;
		entry = (cac + pac + csc) * DT_CELL_BYTES;
		if ((uint32_t)len % entry)
			return dt_err(
				d, -EINVAL, fdt, bus,
				"property 'ranges' is %d bytes, not a whole number of %u-byte "
				"entries",
				len, (unsigned)entry);
		for (uint32_t i = 0; i < (uint32_t)len / entry; i++, p += cac + pac + csc) {
			uint64_t child = read_cells(p, cac);
			uint64_t parent = read_cells(p + cac, pac);
			uint64_t size = read_cells(p + cac + pac, csc);
			uint64_t off = r->base - child;

			/* The whole region must sit in one window, else its tail would land
			 * somewhere the bus does not forward. */
			if (r->base >= child && off < size && r->size <= size - off &&
			    parent + off >= parent) {
				r->base = parent + off;
				found = true;
				break;
			}
		}
		if (!found)
			return dt_err(
				d, -EINVAL, fdt, node,
				"property 'reg' entry %u (0x%llx, size 0x%llx) is outside the "
				"'ranges' of %s",
				idx, (unsigned long long)r->base, (unsigned long long)r->size,
				dt_path(fdt, bus, npath, sizeof(npath)));
		bus = up;
	}
	return 0;
}

int dt_read_reg(const void *fdt, int node, struct dt_reg *regs, unsigned max, unsigned *count,
		struct diag *d)
{
	int ret = read_reg(fdt, node, 1, regs, max, count, d);

	for (unsigned i = 0; !ret && i < *count && i < max; i++) {
		if (regs[i].size == 0)
			return dt_err(d, -EINVAL, fdt, node, "property 'reg' entry %u has size 0",
				      i);
		if (regs[i].base + regs[i].size < regs[i].base)
			return dt_err(d, -EINVAL, fdt, node,
				      "property 'reg' entry %u (0x%llx, size 0x%llx) wraps around",
				      i, (unsigned long long)regs[i].base,
				      (unsigned long long)regs[i].size);
		ret = translate(fdt, node, i, &regs[i], d);
	}
	return ret;
}

/* Interrupt nexus limits (DT spec 2.4.3): a unit address of up to 3 cells (PCI's) and a specifier
 * of up to 4 cells; and how many interrupt-map hops are followed before the tree is taken to loop. */
#define DT_MAX_UNIT_CELLS 3u
#define DT_MAX_IRQ_CELLS 4u
#define DT_MAX_IRQ_HOPS 8u
#define DT_MAX_KEY_CELLS (DT_MAX_UNIT_CELLS + DT_MAX_IRQ_CELLS) /* what interrupt-map matches on */

/* An interrupt specifier on its way up the interrupt tree: for node ctrl (a controller or a
 * nexus), nr_cells cells, and the unit address of the child it came from (a nexus's map matches
 * on both). */
struct irq_spec {
	int ctrl;
	uint32_t addr[DT_MAX_UNIT_CELLS];
	uint32_t cells[DT_MAX_IRQ_CELLS];
	uint32_t nr_cells;
};

/* An interrupt nexus translates specifiers for its children through "interrupt-map"; a node that
 * is also an "interrupt-controller" is a controller (DT spec 2.4.3). */
static bool is_nexus(const void *fdt, int node)
{
	return dt_has_prop(fdt, node, "interrupt-map") &&
	       !dt_has_prop(fdt, node, "interrupt-controller");
}

/* Finds the node that decodes node's "interrupts" (DT spec 2.4.1): node's "interrupt-parent" if it
 * has one; otherwise its tree parent, if that is an interrupt controller or nexus (it has
 * #interrupt-cells, as vexpress's motherboard bus with its interrupt-map); otherwise the same
 * question is asked of the tree parent. */
static int interrupt_parent(const void *fdt, int node, int *parent, struct diag *d)
{
	char npath[DT_PATH_MAX];

	for (int n = node; n >= 0;) {
		uint32_t phandle;
		int ret, target;

		if (!dt_has_prop(fdt, n, "interrupt-parent")) {
			n = n == 0 ? -1 : fdt_parent_offset(fdt, n);
			if (n >= 0 && dt_has_prop(fdt, n, "#interrupt-cells")) {
				*parent = n;
				return 0;
			}
			continue;
		}
		ret = dt_read_u32(fdt, n, "interrupt-parent", &phandle, d);
		if (ret)
			return ret;
		target = fdt_node_offset_by_phandle(fdt, phandle);
		if (target < 0)
			return dt_err(
				d, -EINVAL, fdt, n,
				"property 'interrupt-parent' refers to phandle 0x%x, which no "
				"node has (resolving 'interrupts' of %s)",
				(unsigned)phandle, dt_path(fdt, node, npath, sizeof(npath)));
		*parent = target;
		return 0;
	}
	return dt_err(d, -ENOENT, fdt, node, "no 'interrupt-parent' on the node or its ancestors");
}

/* Reads node's cell count property name into *out (0 if absent when required is false), which must
 * lie in [min, max]. dev names the node whose interrupts are being resolved, for the message. */
static int irq_cells(const void *fdt, int node, const char *name, bool required, uint32_t min,
		     uint32_t max, int dev, uint32_t *out, struct diag *d)
{
	int ret;

	*out = 0;
	if (!required && !dt_has_prop(fdt, node, name))
		return 0;
	ret = dt_read_u32(fdt, node, name, out, d);
	if (ret)
		return ret;
	if (*out < min || *out > max) {
		char dpath[DT_PATH_MAX];

		return dt_err(d, -EINVAL, fdt, node,
			      "property '%s' is %u, must be %u to %u (reading 'interrupts' of %s)",
			      name, (unsigned)*out, (unsigned)min, (unsigned)max,
			      dt_path(fdt, dev, dpath, sizeof(dpath)));
	}
	return 0;
}

/* One hop through the interrupt-map of nexus s->ctrl (DT spec 2.4.3.1): finds the entry whose
 * child unit address and specifier equal s's under interrupt-map-mask, and replaces s with the
 * entry's parent, parent unit address and parent specifier. dev and idx name the interrupt for
 * messages. A nexus without #address-cells has a 0-cell unit address, as for any interrupt parent
 * (Linux reads it the same way). */
static int map_one(const void *fdt, int dev, unsigned idx, struct irq_spec *s, struct diag *d)
{
	char dpath[DT_PATH_MAX];
	uint32_t key[DT_MAX_KEY_CELLS], mask[DT_MAX_KEY_CELLS];
	uint32_t ac, nkey, ncells, pos = 0;
	const fdt32_t *map, *m;
	int len, ret, nexus = s->ctrl;

	ret = irq_cells(fdt, nexus, "#address-cells", false, 0, DT_MAX_UNIT_CELLS, dev, &ac, d);
	if (ret)
		return ret;
	nkey = ac + s->nr_cells;
	for (uint32_t i = 0; i < nkey; i++) {
		key[i] = i < ac ? s->addr[i] : s->cells[i - ac];
		mask[i] = ~0u;
	}
	m = fdt_getprop(fdt, nexus, "interrupt-map-mask", &len);
	if (m) {
		if ((uint32_t)len != nkey * DT_CELL_BYTES)
			return dt_err(d, -EINVAL, fdt, nexus,
				      "property 'interrupt-map-mask' is %d bytes, expected %u "
				      "(#address-cells %u + #interrupt-cells %u)",
				      len, (unsigned)(nkey * DT_CELL_BYTES), (unsigned)ac,
				      (unsigned)s->nr_cells);
		for (uint32_t i = 0; i < nkey; i++)
			mask[i] = fdt32_ld(&m[i]);
	}

	map = fdt_getprop(fdt, nexus, "interrupt-map", &len);
	if (!map || len < 0 || (uint32_t)len % DT_CELL_BYTES)
		return dt_err(d, -EINVAL, fdt, nexus,
			      "property 'interrupt-map' is not a whole number of cells");
	ncells = (uint32_t)len / DT_CELL_BYTES;
	for (unsigned entry = 0; pos < ncells; entry++) {
		uint32_t pac, pic, phandle;
		bool match = true;
		int parent;

		if (ncells - pos < nkey + 1)
			return dt_err(d, -EINVAL, fdt, nexus,
				      "property 'interrupt-map' entry %u is cut off", entry);
		for (uint32_t i = 0; i < nkey; i++)
			match = match && !((fdt32_ld(&map[pos + i]) ^ key[i]) & mask[i]);
		phandle = fdt32_ld(&map[pos + nkey]);
		parent = fdt_node_offset_by_phandle(fdt, phandle);
		if (parent < 0)
			return dt_err(d, -EINVAL, fdt, nexus,
				      "property 'interrupt-map' entry %u refers to phandle 0x%x, "
				      "which no node has",
				      entry, (unsigned)phandle);
		ret = irq_cells(fdt, parent, "#address-cells", false, 0, DT_MAX_UNIT_CELLS, dev,
				&pac, d);
		if (!ret)
			ret = irq_cells(fdt, parent, "#interrupt-cells", true, 1, DT_MAX_IRQ_CELLS,
					dev, &pic, d);
		if (ret)
			return ret;
		pos += nkey + 1;
		if (ncells - pos < pac + pic)
			return dt_err(d, -EINVAL, fdt, nexus,
				      "property 'interrupt-map' entry %u is cut off", entry);
		if (match) {
			memset(s->addr, 0, sizeof(s->addr));
			for (uint32_t i = 0; i < pac; i++)
				s->addr[i] = fdt32_ld(&map[pos + i]);
			for (uint32_t i = 0; i < pic; i++)
				s->cells[i] = fdt32_ld(&map[pos + pac + i]);
			s->nr_cells = pic;
			s->ctrl = parent;
			return 0;
		}
		pos += pac + pic;
	}
	return dt_err(d, -EINVAL, fdt, nexus,
		      "property 'interrupt-map' has no entry for 'interrupts' entry %u of %s", idx,
		      dt_path(fdt, dev, dpath, sizeof(dpath)));
}

/* Follows s up through interrupt nexuses until it reaches a node that is not one. The first hop
 * matches on the unit address of dev itself: the leading cells of its reg (zeros without one). */
static int map_to_controller(const void *fdt, int dev, unsigned idx, struct irq_spec *s,
			     struct diag *d)
{
	char dpath[DT_PATH_MAX];
	const fdt32_t *reg;
	int len;

	reg = fdt_getprop(fdt, dev, "reg", &len);
	for (uint32_t i = 0; i < DT_MAX_UNIT_CELLS; i++)
		s->addr[i] = reg && len >= 0 && (i + 1) * DT_CELL_BYTES <= (uint32_t)len
				     ? fdt32_ld(&reg[i])
				     : 0;
	for (unsigned hop = 0; is_nexus(fdt, s->ctrl); hop++) {
		int ret;

		if (hop == DT_MAX_IRQ_HOPS)
			return dt_err(d, -EINVAL, fdt, dev,
				      "property 'interrupts' entry %u: more than %u interrupt-map "
				      "hops (a loop at %s?)",
				      idx, DT_MAX_IRQ_HOPS,
				      dt_path(fdt, s->ctrl, dpath, sizeof(dpath)));
		ret = map_one(fdt, dev, idx, s, d);
		if (ret)
			return ret;
	}
	return 0;
}

/* Decodes one GIC 3-cell specifier (entry i of node's interrupts) into *irq. */
static int decode_gic_irq(const void *fdt, int node, unsigned i, const uint32_t *cell,
			  struct dt_irq *irq, struct diag *d)
{
	uint32_t type = cell[0], num = cell[1];

	irq->flags = cell[2];
	irq->ppi = false;
	if (type == DT_GIC_IRQ_TYPE_SPI && num < DT_GIC_NR_SPIS) {
		irq->intid = num + DT_GIC_SPI_BASE;
	} else if (type == DT_GIC_IRQ_TYPE_PPI && num < DT_GIC_NR_PPIS) {
		irq->intid = num + DT_GIC_PPI_BASE;
		irq->ppi = true;
	} else if (type == DT_GIC_IRQ_TYPE_SPI || type == DT_GIC_IRQ_TYPE_PPI) {
		return dt_err(d, -EINVAL, fdt, node,
			      "property 'interrupts' entry %u: %s %u is out of range (0-%u)", i,
			      type ? "PPI" : "SPI", (unsigned)num,
			      type ? DT_GIC_NR_PPIS - 1 : DT_GIC_NR_SPIS - 1);
	} else {
		return dt_err(d, -EINVAL, fdt, node,
			      "property 'interrupts' entry %u has type %u, expected 0 (SPI) or 1 "
			      "(PPI)",
			      i, (unsigned)type);
	}
	return 0;
}

int dt_read_interrupts(const void *fdt, int node, int gic, struct dt_irq *irqs, unsigned max,
		       unsigned *count, struct diag *d)
{
	char ppath[DT_PATH_MAX], gpath[DT_PATH_MAX];
	uint32_t cells, entry;
	const fdt32_t *p;
	int len, ret, parent = -1;
	bool nexus;

	*count = 0;
	p = fdt_getprop(fdt, node, "interrupts", &len);
	if (!p)
		return dt_err(d, -ENOENT, fdt, node, "property 'interrupts' missing");
	ret = interrupt_parent(fdt, node, &parent, d);
	if (ret)
		return ret;
	nexus = is_nexus(fdt, parent);
	if (!nexus && gic >= 0 && parent != gic)
		return dt_err(d, -EINVAL, fdt, node, "interrupt parent is %s, not the GIC %s",
			      dt_path(fdt, parent, ppath, sizeof(ppath)),
			      dt_path(fdt, gic, gpath, sizeof(gpath)));
	ret = dt_read_u32(fdt, parent, "#interrupt-cells", &cells, d);
	if (ret)
		return ret;
	if (!nexus && cells != DT_GIC_IRQ_CELLS)
		return dt_err(d, -EINVAL, fdt, parent,
			      "property '#interrupt-cells' is %u, the GIC binding needs 3 (reading "
			      "'interrupts' of %s)",
			      (unsigned)cells, dt_path(fdt, node, ppath, sizeof(ppath)));
	if (cells == 0 || cells > DT_MAX_IRQ_CELLS)
		return dt_err(d, -EINVAL, fdt, parent,
			      "property '#interrupt-cells' is %u, must be 1 to %u (reading "
			      "'interrupts' of %s)",
			      (unsigned)cells, DT_MAX_IRQ_CELLS,
			      dt_path(fdt, node, ppath, sizeof(ppath)));
	entry = cells * DT_CELL_BYTES;
	if (len == 0 || (uint32_t)len % entry)
		return dt_err(d, -EINVAL, fdt, node,
			      "property 'interrupts' is %d bytes, not a whole number of %u-byte "
			      "entries (%u cell%s each)",
			      len, (unsigned)entry, (unsigned)cells, cells == 1 ? "" : "s");

	*count = (uint32_t)len / entry;
	for (unsigned i = 0; i < *count; i++, p += cells) {
		struct irq_spec s = {.ctrl = parent, .nr_cells = cells};
		struct dt_irq irq;

		for (uint32_t c = 0; c < cells; c++)
			s.cells[c] = fdt32_ld(&p[c]);
		if (nexus) {
			ret = map_to_controller(fdt, node, i, &s, d);
			if (ret)
				return ret;
			if (gic >= 0 && s.ctrl != gic)
				return dt_err(d, -EINVAL, fdt, node,
					      "property 'interrupts' entry %u is mapped to %s, not "
					      "the GIC %s",
					      i, dt_path(fdt, s.ctrl, ppath, sizeof(ppath)),
					      dt_path(fdt, gic, gpath, sizeof(gpath)));
			if (s.nr_cells != DT_GIC_IRQ_CELLS)
				return dt_err(d, -EINVAL, fdt, s.ctrl,
					      "property '#interrupt-cells' is %u, the GIC binding "
					      "needs 3 (reading 'interrupts' of %s)",
					      (unsigned)s.nr_cells,
					      dt_path(fdt, node, ppath, sizeof(ppath)));
		}
		ret = decode_gic_irq(fdt, node, i, s.cells, &irq, d);
		if (ret)
			return ret;
		if (i < max)
			irqs[i] = irq;
	}
	return 0;
}

/* Copies at most n characters of s into buf (NUL-terminated) for use in a message. */
static const char *clip(char *buf, size_t size, const char *s, size_t n)
{
	if (n >= size)
		n = size - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return buf;
}

int dt_stdout_node(const void *fdt, int *node, struct diag *d)
{
	char what[DT_PATH_MAX];
	const char *prop = "stdout-path";
	const char *value;
	size_t len;
	int ret, off;
	int chosen = fdt_path_offset(fdt, "/chosen");

	if (chosen < 0)
		return diag_err(d, -ENOENT, "/chosen: node missing");
	/* linux,stdout-path is the name used before the binding was standardised. */
	if (!dt_has_prop(fdt, chosen, prop) && dt_has_prop(fdt, chosen, "linux,stdout-path"))
		prop = "linux,stdout-path";
	ret = dt_read_string(fdt, chosen, prop, &value, d);
	if (ret)
		return ret;

	len = strcspn(value, ":"); /* "serial0:115200n8": options are the UART's business */
	if (len == 0)
		return dt_err(d, -EINVAL, fdt, chosen, "property '%s' has no path before ':'",
			      prop);
	if (value[0] != '/') {
		/* An alias may be followed by a path below the aliased node ("alias/child"). */
		const char *slash = memchr(value, '/', len);
		size_t alen = slash ? (size_t)(slash - value) : len;

		if (!fdt_get_alias_namelen(fdt, value, (int)alen))
			return dt_err(d, -ENOENT, fdt, chosen,
				      "property '%s' names alias '%s', which /aliases does not "
				      "define",
				      prop, clip(what, sizeof(what), value, alen));
	}
	off = fdt_path_offset_namelen(fdt, value, (int)len);
	if (off < 0)
		return dt_err(d, -ENOENT, fdt, chosen,
			      "property '%s' points to '%s', which does not exist", prop,
			      clip(what, sizeof(what), value, len));
	*node = off;
	return 0;
}

int dt_alias_node(const void *fdt, const char *name, int *node, struct diag *d)
{
	const char *path;
	int off, ret, aliases = fdt_path_offset(fdt, "/aliases");

	if (aliases < 0)
		return diag_err(d, -ENOENT, "/aliases: node missing");
	if (!dt_has_prop(fdt, aliases, name))
		return dt_err(d, -ENOENT, fdt, aliases, "no alias '%s'", name);
	ret = dt_read_string(fdt, aliases, name, &path, d);
	if (ret)
		return ret;
	if (path[0] != '/')
		return dt_err(d, -EINVAL, fdt, aliases,
			      "property '%s' is \"%.64s\", not a full path", name, path);
	off = fdt_path_offset(fdt, path);
	if (off < 0)
		return dt_err(d, -ENOENT, fdt, aliases,
			      "property '%s' points to '%.64s', which does not exist", name, path);
	*node = off;
	return 0;
}

size_t dt_size(const void *fdt)
{
	return fdt_totalsize(fdt);
}

int dt_node(const void *fdt, const char *path)
{
	return fdt_path_offset(fdt, path);
}

unsigned dt_string_count(const void *fdt, int node, const char *name)
{
	int n = fdt_stringlist_count(fdt, node, name);

	return n > 0 ? (unsigned)n : 0;
}

const char *dt_string_at(const void *fdt, int node, const char *name, unsigned index)
{
	if (index > INT32_MAX)
		return NULL;
	return fdt_stringlist_get(fdt, node, name, (int)index, NULL);
}

int dt_read_u64s(const void *fdt, int node, const char *name, uint64_t *out, unsigned n,
		 struct diag *d)
{
	const uint32_t cells = 2 * n;
	int len;
	const fdt32_t *v = fdt_getprop(fdt, node, name, &len);

	if (!v)
		return dt_err(d, -ENOENT, fdt, node, "property '%s' missing", name);
	if ((uint32_t)len != cells * DT_CELL_BYTES)
		return dt_err(d, -EINVAL, fdt, node,
			      "property '%s' is %d bytes, expected %u (%u cells)", name, len,
			      (unsigned)(cells * DT_CELL_BYTES), (unsigned)cells);
	for (unsigned i = 0; i < n; i++)
		out[i] = read_cells(v + 2 * i, 2);
	return 0;
}

int dt_read_phandles(const void *fdt, int node, const char *name, int *nodes, unsigned max,
		     unsigned *count, struct diag *d)
{
	int len;
	const fdt32_t *v = fdt_getprop(fdt, node, name, &len);

	*count = 0;
	if (!v)
		return dt_err(d, -ENOENT, fdt, node, "property '%s' missing", name);
	if ((uint32_t)len % DT_CELL_BYTES)
		return dt_err(d, -EINVAL, fdt, node,
			      "property '%s' is %d bytes, not a whole number of 4-byte phandles",
			      name, len);
	for (uint32_t i = 0; i < (uint32_t)len / DT_CELL_BYTES; i++) {
		uint32_t phandle = fdt32_ld(&v[i]);
		int target = fdt_node_offset_by_phandle(fdt, phandle);

		if (target < 0)
			return dt_err(d, -EINVAL, fdt, node,
				      "property '%s' entry %u refers to phandle 0x%x, which no "
				      "node has",
				      name, (unsigned)i, (unsigned)phandle);
		if (i < max)
			nodes[i] = target;
	}
	*count = (uint32_t)len / DT_CELL_BYTES;
	return 0;
}

int dt_child(const void *fdt, int node, int prev)
{
	return prev < 0 ? fdt_first_subnode(fdt, node) : fdt_next_subnode(fdt, prev);
}

const char *dt_name(const void *fdt, int node)
{
	const char *name = fdt_get_name(fdt, node, NULL);

	return name ? name : "";
}

int dt_parent(const void *fdt, int node)
{
	return fdt_parent_offset(fdt, node);
}

const char *dt_prop_name_at(const void *fdt, int node, unsigned index)
{
	int off;

	fdt_for_each_property_offset(off, fdt, node)
	{
		if (index-- == 0) {
			const char *name = NULL;

			if (!fdt_getprop_by_offset(fdt, off, &name, NULL))
				return NULL;
			return name;
		}
	}
	return NULL;
}
