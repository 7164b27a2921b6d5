/* Device-tree access: the project's one wrapper around libfdt.
 *
 * Everything that reads a DTB (platform discovery, partition configs, bulkhead-check) goes through
 * these helpers, so the DT binding rules live in one place: a reg is decoded with the parent's
 * #address-cells/#size-cells and translated through the ancestors' "ranges", interrupts follow the
 * GIC 3-cell binding, stdout-path may be a path or an alias with ":options".
 *
 * The DTB is untrusted input. Every function validates lengths and references before using them,
 * returns 0 or a negative errno (-ENOENT missing node/property, -EINVAL malformed or unsupported
 * value) and on error writes one line into the struct diag (may be NULL) that starts with the DT
 * path of the node holding the faulty property. Nothing here
 * panics, allocates or keeps state. Arch-neutral: builds for the host and is unit-tested there.
 *
 * Node arguments are libfdt node offsets (>= 0) of a DTB that passed dt_check().
 */
#ifndef BULKHEAD_DT_H
#define BULKHEAD_DT_H

#include "hyp/diag.h"
#include "hyp/types.h"

/* libfdt.h's inline helpers do not build under -Wconversion -Wsign-conversion; its warnings are not
 * ours to fix, so they are silenced for that header only. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wsign-conversion"
#include <libfdt.h>
#pragma GCC diagnostic pop

/* Largest DTB accepted. Linux uses the same bound on 32-bit ARM; it keeps a corrupted totalsize
 * from making the structure check walk far beyond the blob. */
#define DT_MAX_SIZE ((size_t)2 << 20)

/* Buffer size for a node path in messages; longer paths are shortened to ".../name". */
#define DT_PATH_MAX 128

/* GIC interrupt binding (Documentation/devicetree/bindings/interrupt-controller/arm,gic.yaml):
 * cell 0 is the type, cell 1 the number within that type, cell 2 the trigger flags. */
#define DT_GIC_IRQ_CELLS 3
#define DT_GIC_IRQ_TYPE_SPI 0
#define DT_GIC_IRQ_TYPE_PPI 1
#define DT_GIC_SPI_BASE 32u /* INTID of SPI 0 (GICv2 arch spec 2.2.1) */
#define DT_GIC_PPI_BASE 16u /* INTID of PPI 0 */
#define DT_GIC_NR_SPIS 988u /* INTIDs 32..1019 */
#define DT_GIC_NR_PPIS 16u

/* One entry of a reg property. */
struct dt_reg {
	uint64_t base;
	uint64_t size;
};

/* One entry of an interrupts property, decoded with the GIC binding. */
struct dt_irq {
	uint32_t intid; /* GIC INTID: SPI n -> n + 32, PPI n -> n + 16 */
	bool ppi;
	uint32_t flags; /* third cell: trigger type (and CPU mask for PPIs) */
};

/* Validates the blob at fdt: header, totalsize <= DT_MAX_SIZE, and the whole structure block, so
 * later lookups walk only well-formed data. Reads at most the header before the size is known.
 * Returns 0, or -EINVAL with "dtb: ..." in d. */
int dt_check(const void *fdt, struct diag *d);

/* Writes node's full path into buf (size >= 8), shortened to ".../name" if it does not fit.
 * Returns buf, so it can be used as a printf argument. */
const char *dt_path(const void *fdt, int node, char *buf, size_t size);

/* Records "<path of node>: <fmt...>" in d (if non-NULL) and returns err. */
int dt_err(struct diag *d, int err, const void *fdt, int node, const char *fmt, ...) __printf(5, 6);

/* True if node has the property name (of any length). */
bool dt_has_prop(const void *fdt, int node, const char *name);

/* True if the string property name of node equals value exactly. */
bool dt_prop_is(const void *fdt, int node, const char *name, const char *value);

/* True unless node has a "status" other than "okay"/"ok" (DT spec 2.3.4). */
bool dt_is_enabled(const void *fdt, int node);

/* True if compat is one of the strings in node's "compatible". */
bool dt_is_compatible(const void *fdt, int node, const char *compat);

/* Returns the first enabled node, in DT order, compatible with any of compats[0..n), or
 * -FDT_ERR_NOTFOUND. Callers word the "not found" message, since only they know what it is for. */
int dt_find_compatible(const void *fdt, const char *const *compats, size_t n);

/* Reads the NUL-terminated string property name into *out (points into the DTB).
 * Returns 0, -ENOENT (missing) or -EINVAL (empty or not terminated). */
int dt_read_string(const void *fdt, int node, const char *name, const char **out, struct diag *d);

/* Reads the one-cell property name into *out. Returns 0, -ENOENT or -EINVAL (length is not 4). */
int dt_read_u32(const void *fdt, int node, const char *name, uint32_t *out, struct diag *d);

/* Reads node's "reg" as bus addresses: the parent's #address-cells (1 or 2) and #size-cells (0, 1
 * or 2; 0 as under /cpus, where sizes read as 0), DT spec defaults 2 and 1 if absent. Stores up to
 * max entries in regs and the number of entries the property has in *count (may exceed max).
 * Returns 0, -ENOENT or -EINVAL (bad cells, length not a whole number of entries, empty). */
int dt_read_reg_raw(const void *fdt, int node, struct dt_reg *regs, unsigned max, unsigned *count,
		    struct diag *d);

/* Like dt_read_reg_raw, for memory-mapped regions: #size-cells must be 1 or 2, every entry must
 * have a non-zero size, and each base is translated through the "ranges" of every ancestor bus
 * up to the root, so the result is a CPU physical address. Returns 0, -ENOENT or -EINVAL. */
int dt_read_reg(const void *fdt, int node, struct dt_reg *regs, unsigned max, unsigned *count,
		struct diag *d);

/* Reads node's "interrupts" with the GIC 3-cell binding. The interrupt parent is node's
 * "interrupt-parent", else the nearest ancestor that has #interrupt-cells (an interrupt controller
 * or nexus), else the nearest "interrupt-parent" of an ancestor (DT spec 2.4.1). A nexus's
 * "interrupt-map" (and "interrupt-map-mask") translates each entry, hop by hop, until it reaches a
 * node that is not a nexus (DT spec 2.4.3). The controller reached must have #interrupt-cells = 3
 * and, if gic >= 0, must be that node. Stores up to max entries in irqs and the number the
 * property has in *count. Returns 0, -ENOENT (no "interrupts" or no interrupt parent) or -EINVAL
 * (also: no interrupt-map entry matches, a malformed map). */
int dt_read_interrupts(const void *fdt, int node, int gic, struct dt_irq *irqs, unsigned max,
		       unsigned *count, struct diag *d);

/* Total size of the blob in bytes (header field). */
size_t dt_size(const void *fdt);

/* Offset of the node at path, or a negative libfdt error. */
int dt_node(const void *fdt, const char *path);

/* Number of strings in a string-list property (0 if absent or malformed), and the index-th
 * string (NULL if there is none). */
unsigned dt_string_count(const void *fdt, int node, const char *name);
const char *dt_string_at(const void *fdt, int node, const char *name, unsigned index);

/* Resolves /chosen/stdout-path (or the older linux,stdout-path): a path or an alias, either
 * optionally followed by ":options", which are ignored. Stores the node in *node.
 * Returns 0, -ENOENT (no /chosen, no property, or it names nothing) or -EINVAL. */
int dt_stdout_node(const void *fdt, int *node, struct diag *d);

/* Resolves the alias name (e.g. "serial0") through /aliases, whose values are full paths (DT spec
 * 3.3), and stores the node in *node. Returns 0, -ENOENT (no /aliases, no such alias: the message
 * says which; or the path names no node) or -EINVAL (not a string, not a full path). */
int dt_alias_node(const void *fdt, const char *name, int *node, struct diag *d);

/* Reads property name as exactly n values of two cells each (64-bit numbers, as with
 * #address-cells = #size-cells = 2), into out[0..n). Returns 0, -ENOENT or -EINVAL (the property
 * is not 8n bytes long). */
int dt_read_u64s(const void *fdt, int node, const char *name, uint64_t *out, unsigned n,
		 struct diag *d);

/* Reads the phandle list property name and resolves each entry to a node offset. Stores up to max
 * offsets in nodes and the number of entries the property has in *count (may exceed max; every
 * entry is checked). An empty property is valid (count 0). Returns 0, -ENOENT (missing) or
 * -EINVAL (length not a multiple of 4, or an entry naming no node). */
int dt_read_phandles(const void *fdt, int node, const char *name, int *nodes, unsigned max,
		     unsigned *count, struct diag *d);

/* Children of node: dt_child(fdt, node, -1) is the first, dt_child(fdt, node, prev) the one after
 * prev. Returns a negative value when there are no more (or the structure is broken). */
int dt_child(const void *fdt, int node, int prev);

/* The node's name including its unit address ("memory@10000000"); "" if unreadable. */
const char *dt_name(const void *fdt, int node);

/* The parent of node, or a negative libfdt error (for the root). */
int dt_parent(const void *fdt, int node);

/* Name of the index-th property of node, in DT order, or NULL if node has fewer properties. */
const char *dt_prop_name_at(const void *fdt, int node, unsigned index);

#endif
