/* bulkhead-check: checks a DTB's partition configuration on the host, with the code Bulkhead runs
 * at boot (hyp/platform.c, hyp/config.c), and shows each partition's stage-2 memory map as built
 * by the hypervisor's own walker (mm/pgtable.c with the LPAE stage-2 format of mm/lpae.c) over a
 * malloc-backed page pool.
 *
 *   usage: bulkhead-check [--hyp BASE:SIZE] [--dtb BASE] FILE.dtb
 *
 * The partitions are checked against where the hypervisor and the DTB sit in RAM. Defaults are
 * where QEMU's virt machine puts them when booting `-kernel bulkhead.bin` (hw/arm/boot.c): the
 * image at RAM base + 0x10000, of which the first 16 MiB are reserved (image, stacks and page
 * pool take about 8.5 MiB today), and the DTB at RAM base + min(RAM / 2, 128 MiB), taking the
 * file's size. Other loaders: pass --hyp and --dtb.
 *
 * Output: one "error: " line per problem, a partition table, and per valid partition the ranges
 * mapped (memory regions, devices at IPA == PA, the GIC virtual CPU interface) with the leaf
 * sizes the walker chose, the trapped GIC distributor window, the routed SPIs and the number of
 * table pages. Exit status 0 if every partition is valid, 1 if not (or the platform is unusable),
 * 2 on usage errors.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hyp/config.h"
#include "hyp/dt.h"
#include "mm/pgtable.h"

#define QEMU_KERNEL_OFFSET 0x10000ull /* hw/arm/boot.c KERNEL_LOAD_ADDR */
#define DEFAULT_HYP_SIZE MiB(16)
#define QEMU_DTB_MAX_OFFSET MiB(128) /* hw/arm/boot.c: DTB after min(RAM / 2, 128 MiB) */

#define STAGE2_IA_BITS 40 /* as mm/stage2.h: 40-bit IPA, walks from level 1 */
#define STAGE2_START_LEVEL 1

/* The table pool: a fixed arena of pages at fake physical addresses (never host pointers, and
 * below 2^40 as LPAE table addresses must be). */
#define POOL_PA_BASE 0x100000000ull
#define POOL_PAGES 32768 /* 128 MiB of tables: 4 KiB leaves for 64 GiB of IPA space */

struct pool {
	struct pgt_mm mm;
	uint8_t *mem;
	uint16_t *refcount;
	int8_t *order; /* order of the allocation starting at a page, -1 if free */
	bool *used;
	size_t hint; /* first page that may be free */
};

static struct config cfg; /* ~600 KiB: static, as in the hypervisor */

static size_t page_of(paddr_t pa)
{
	return (size_t)((pa - POOL_PA_BASE) >> PAGE_SHIFT);
}

static int pool_alloc(void *ctx, unsigned order, paddr_t *pa)
{
	struct pool *p = ctx;
	size_t n = (size_t)1 << order;

	for (size_t i = p->hint & ~(n - 1); i + n <= POOL_PAGES; i += n) {
		size_t j = 0;

		while (j < n && !p->used[i + j])
			j++;
		if (j < n)
			continue;
		memset(p->used + i, 1, n);
		p->order[i] = (int8_t)order;
		memset(p->mem + i * PAGE_SIZE, 0, n * PAGE_SIZE);
		*pa = POOL_PA_BASE + (paddr_t)i * PAGE_SIZE;
		if (order == 0)
			p->hint = i + 1;
		return 0;
	}
	return -ENOMEM;
}

static void pool_free(void *ctx, paddr_t pa, unsigned order)
{
	struct pool *p = ctx;
	size_t i = page_of(pa);

	memset(p->used + i, 0, (size_t)1 << order);
	p->order[i] = -1;
	if (i < p->hint)
		p->hint = i;
}

static void *pool_va(void *ctx, paddr_t pa)
{
	struct pool *p = ctx;

	return p->mem + (pa - POOL_PA_BASE);
}

static uint16_t *pool_refcount(void *ctx, paddr_t pa)
{
	struct pool *p = ctx;

	return &p->refcount[page_of(pa)];
}

static void pool_tlb_inval(void *ctx, uint64_t ia, uint64_t size)
{
	(void)ctx;
	(void)ia;
	(void)size;
}

static void pool_init(struct pool *p)
{
	p->mem = calloc(POOL_PAGES, PAGE_SIZE);
	p->refcount = calloc(POOL_PAGES, sizeof(*p->refcount));
	p->order = malloc(POOL_PAGES);
	p->used = calloc(POOL_PAGES, sizeof(*p->used));
	if (!p->mem || !p->refcount || !p->order || !p->used) {
		fprintf(stderr, "bulkhead-check: out of memory\n");
		exit(1);
	}
	memset(p->order, -1, POOL_PAGES);
	p->hint = 0;
	p->mm = (struct pgt_mm){
		.ctx = p,
		.alloc_pages = pool_alloc,
		.free_pages = pool_free,
		.phys_to_virt = pool_va,
		.refcount = pool_refcount,
		.tlb_inval = pool_tlb_inval,
		.sync = NULL,
	};
}

/* One partition's table, mapped the way mm/stage2.c does: top up the cache for the walker's
 * worst case, map; if the cache cannot hold the need, split at the most aligned address. */
struct s2 {
	struct pgt pgt;
	struct pgt_cache cache;
	const struct pgt_mm *mm;
};

static uint64_t best_split(uint64_t start, uint64_t end)
{
	for (unsigned bit = 63; bit >= PAGE_SHIFT; bit--) {
		uint64_t p = ALIGN_UP(start + 1, (uint64_t)1 << bit);

		if (p < end)
			return p;
	}
	return start + PAGE_SIZE;
}

static int s2_map(struct s2 *s, uint64_t ipa, paddr_t pa, uint64_t size, struct pgt_attrs a)
{
	int err = pgt_cache_topup(&s->cache, s->mm, pgt_pages_needed(&s->pgt, ipa, size));

	if (!err)
		err = pgt_map(&s->pgt, &s->cache, ipa, pa, size, a, 0);
	if (err != -ENOMEM || s->cache.nr < PGT_CACHE_MAX || size <= PAGE_SIZE)
		return err;
	uint64_t half = best_split(ipa, ipa + size) - ipa;
	err = s2_map(s, ipa, pa, half, a);
	if (!err) {
		err = s2_map(s, ipa + half, pa + half, size - half, a);
		if (err)
			pgt_unmap(&s->pgt, &s->cache, ipa, half);
	}
	return err;
}

static const char *mem_name(uint8_t mem)
{
	switch (mem) {
	case PGT_MEM_NORMAL_WB:
		return "normal";
	case PGT_MEM_NORMAL_NC:
		return "normal-nc";
	case PGT_MEM_DEVICE:
		return "device";
	default:
		return "strongly-ordered";
	}
}

/* "256 x 2M + 3 x 4K": the leaves one map added (after - before). */
static void leaves_string(const struct pgt_stats *before, const struct pgt_stats *after, char *buf,
			  size_t size)
{
	static const char *const unit[] = {[1] = "1G", [2] = "2M", [3] = "4K"};
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned l = PGT_LEVELS_FIRST; l <= PGT_LEVELS_LAST; l++) {
		uint64_t k = after->leaves[l] - before->leaves[l];

		if (k && n < size)
			n += (size_t)snprintf(buf + n, size - n, "%s%" PRIu64 " x %s",
					      n ? " + " : "", k, unit[l]);
	}
}

/* Maps one range and prints its line; returns 0 or the walker's error. */
static int map_line(struct s2 *s, uint64_t ipa, paddr_t pa, uint64_t size, struct pgt_attrs a,
		    const char *what)
{
	struct pgt_stats before, after;
	char acc[4] = {a.perm & PGT_PERM_R ? 'r' : '-', a.perm & PGT_PERM_W ? 'w' : '-',
		       a.perm & PGT_PERM_X ? 'x' : '-', '\0'};
	char leaves[96];
	int err;

	pgt_get_stats(&s->pgt, &before);
	err = s2_map(s, ipa, pa, size, a);
	if (err) {
		printf("  IPA 0x%09" PRIx64 "-0x%09" PRIx64 "  PA 0x%09" PRIx64
		       "  %s %-9s  map failed: %s  %s\n",
		       ipa, ipa + size - 1, pa, acc, mem_name(a.mem), strerror(-err), what);
		return err;
	}
	pgt_get_stats(&s->pgt, &after);
	leaves_string(&before, &after, leaves, sizeof(leaves));
	printf("  IPA 0x%09" PRIx64 "-0x%09" PRIx64 "  PA 0x%09" PRIx64 "  %s %-9s  %-22s %s\n",
	       ipa, ipa + size - 1, pa, acc, mem_name(a.mem), leaves, what);
	return 0;
}

/* Builds and prints the stage-2 map of one valid partition; returns the number of failures. */
static unsigned show_map(const struct part_config *p, const struct platform *plat,
			 struct pool *pool)
{
	const struct pgt_attrs dev_rw = {.perm = PGT_PERM_RW, .mem = PGT_MEM_DEVICE};
	struct s2 s = {.mm = &pool->mm};
	struct pgt_stats st;
	unsigned failed = 0;
	char what[128];

	printf("\npartition %u '%s' (%s): stage-2 map\n", p->index, p->name, p->path);
	if (pgt_init(&s.pgt, &lpae_stage2_fmt, &pool->mm, STAGE2_IA_BITS, STAGE2_START_LEVEL)) {
		printf("  cannot allocate the root table\n");
		return 1;
	}
	for (unsigned i = 0; i < p->nr_regions; i++) {
		const struct part_region *r = &p->regions[i];

		snprintf(what, sizeof(what), "memory region %u", i);
		failed += map_line(&s, r->ipa, r->pa, r->size, r->attrs, what) != 0;
	}
	for (unsigned i = 0; i < p->nr_devices; i++) {
		const struct part_device *d = &p->devices[i];

		for (unsigned k = 0; k < d->nr_regs; k++)
			failed += map_line(&s, d->regs[k].base, d->regs[k].base, d->regs[k].size,
					   dev_rw, d->path) != 0;
		if (d->nr_regs == 0)
			printf("  %s: registers in a page mapped above\n", d->path);
	}
	failed += map_line(&s, p->gicc_ipa, plat->gic.vcpu.base, plat->gic.vcpu.size, dev_rw,
			   "GIC virtual CPU interface (GICV) as the guest's GICC") != 0;
	printf("  IPA 0x%09" PRIx64 "-0x%09" PRIx64 "  %-30s %-22s %s\n", p->gicd_ipa,
	       p->gicd_ipa + plat->gic.dist.size - 1, "not mapped (trapped)", "",
	       "GIC distributor (emulated)");

	printf("  SPIs routed:");
	unsigned nr_spis = 0;
	for (unsigned i = 0; i < p->nr_devices; i++)
		for (unsigned k = 0; k < p->devices[i].nr_irqs; k++, nr_spis++)
			printf(" %" PRIu32, p->devices[i].intids[k]);
	printf("%s\n", nr_spis ? "" : " none");
	if (p->dtb.size)
		printf("  guest DTB: PA 0x%" PRIx64 " (0x%" PRIx64
		       " bytes) copied to IPA 0x%" PRIx64 "\n",
		       p->dtb.pa, p->dtb.size, p->dtb_ipa);
	else if (p->dtb_generated)
		printf("  guest DTB: generated at IPA 0x%" PRIx64 " (up to 0x%x bytes)\n",
		       p->dtb_ipa, CONFIG_GUEST_DT_SIZE);
	else
		printf("  guest DTB: none (no room for a generated one; r2 = 0)\n");
	if (p->initrd.size)
		printf("  initrd: PA 0x%" PRIx64 " (0x%" PRIx64 " bytes) copied to IPA 0x%" PRIx64
		       "\n",
		       p->initrd.pa, p->initrd.size, p->initrd_ipa);
	if (p->bootargs[0])
		printf("  bootargs: \"%s\"\n", p->bootargs);
	if (p->has_vuart)
		printf("  IPA 0x%09" PRIx64 "-0x%09" PRIx64 "  %-30s %-22s emulated PL011 console, "
		       "virtual INTID %" PRIu32 "\n",
		       p->vuart_ipa, p->vuart_ipa + 0xfff, "not mapped (trapped)", "",
		       p->vuart_intid);
	pgt_get_stats(&s.pgt, &st);
	printf("  table pages: %u (%u KiB)\n", st.table_pages, st.table_pages * 4);
	pgt_cache_drain(&s.cache, &pool->mm);
	pgt_destroy(&s.pgt);
	return failed;
}

static void show_table(const struct config *c)
{
	printf("\n%-4s %-20s %-28s %-14s %-36s %s\n", "#", "name", "vCPUs -> MPIDRs",
	       "fault policy", "image (PA+size -> IPA)", "entry");
	for (unsigned i = 0; i < c->nr_parts; i++) {
		const struct part_config *p = &c->parts[i];
		char cpus[64], policy[32], image[64];
		size_t n = (size_t)snprintf(cpus, sizeof(cpus), "%u ->", p->nr_vcpus);

		for (unsigned v = 0; v < p->nr_vcpus && n < sizeof(cpus); v++)
			n += (size_t)snprintf(cpus + n, sizeof(cpus) - n, " 0x%" PRIx32,
					      p->vcpu_mpidr[v]);
		if (p->fault_policy == FAULT_RESTART)
			snprintf(policy, sizeof(policy), "restart (%u)", p->restart_limit);
		else
			snprintf(policy, sizeof(policy), "%s", fault_policy_name(p->fault_policy));
		snprintf(image, sizeof(image), "0x%" PRIx64 "+0x%" PRIx64 " -> 0x%" PRIx64,
			 p->image.pa, p->image.size, p->image_ipa);
		printf("%-4u %-20s %-28s %-14s %-36s 0x%" PRIx64 "\n", p->index, p->name, cpus,
		       policy, image, p->entry);
	}
}

static void print_error(void *arg, const char *line)
{
	unsigned *n = arg;

	printf("error: %s\n", line);
	(*n)++;
}

static int usage(void)
{
	fprintf(stderr, "usage: bulkhead-check [--hyp BASE:SIZE] [--dtb BASE] FILE.dtb\n");
	return 2;
}

static bool parse_u64(const char *s, char stop, uint64_t *out, const char **end)
{
	char *e;

	errno = 0;
	*out = strtoull(s, &e, 0);
	if (errno || e == s || *e != stop)
		return false;
	if (end)
		*end = e;
	return true;
}

/* Reads path into a zeroed DT_MAX_SIZE buffer (libfdt may look as far as the header's totalsize,
 * which dt_check bounds by DT_MAX_SIZE). */
static void *load(const char *path)
{
	void *buf = aligned_alloc(8, DT_MAX_SIZE);
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!buf || !f) {
		fprintf(stderr, "bulkhead-check: cannot open %s: %s\n", path, strerror(errno));
		exit(1);
	}
	memset(buf, 0, DT_MAX_SIZE);
	n = fread(buf, 1, DT_MAX_SIZE, f);
	if (n == DT_MAX_SIZE && fgetc(f) != EOF) {
		fprintf(stderr, "bulkhead-check: %s is larger than %zu bytes\n", path,
			(size_t)DT_MAX_SIZE);
		exit(1);
	}
	fclose(f);
	return buf;
}

int main(int argc, char **argv)
{
	static struct platform plat;
	struct config_env env = {.plat = &plat};
	bool hyp_given = false, dtb_given = false;
	unsigned errors = 0, map_failures = 0;
	const char *file = NULL;
	struct diag d = {""};
	struct pool pool;
	void *fdt;
	int ret;

	for (int i = 1; i < argc; i++) {
		const char *e;

		if (!strcmp(argv[i], "--hyp") && i + 1 < argc) {
			i++;
			if (!parse_u64(argv[i], ':', &env.hyp.base, &e) ||
			    !parse_u64(e + 1, '\0', &env.hyp.size, NULL))
				return usage();
			hyp_given = true;
		} else if (!strcmp(argv[i], "--dtb") && i + 1 < argc) {
			if (!parse_u64(argv[++i], '\0', &env.dtb.base, NULL))
				return usage();
			dtb_given = true;
		} else if (argv[i][0] == '-' || file) {
			return usage();
		} else {
			file = argv[i];
		}
	}
	if (!file)
		return usage();

	fdt = load(file);
	ret = platform_discover(fdt, &plat, &d);
	if (ret) {
		printf("error: %s\n", d.msg);
		printf("%s: the platform is unusable, no partition can start\n", file);
		free(fdt);
		return 1;
	}
	if (!hyp_given) {
		env.hyp.base = plat.ram[0].base + QEMU_KERNEL_OFFSET;
		env.hyp.size = DEFAULT_HYP_SIZE;
	}
	if (!dtb_given) {
		uint64_t half = plat.ram[0].size / 2;

		env.dtb.base = plat.ram[0].base +
			       (half < QEMU_DTB_MAX_OFFSET ? half : QEMU_DTB_MAX_OFFSET);
	}
	env.dtb.size = dt_size(fdt);
	plat.dtb = env.dtb;

	printf("%s: %u CPUs, %u RAM bank(s) from 0x%" PRIx64 ", %" PRIu64 " MiB; hypervisor "
	       "0x%" PRIx64 "-0x%" PRIx64 "%s; DTB 0x%" PRIx64 "-0x%" PRIx64 "%s\n",
	       file, plat.nr_cpus, plat.nr_ram, plat.ram[0].base, platform_ram_total(&plat) >> 20,
	       env.hyp.base, env.hyp.base + env.hyp.size - 1, hyp_given ? "" : " (QEMU -kernel)",
	       env.dtb.base, env.dtb.base + env.dtb.size - 1, dtb_given ? "" : " (QEMU)");

	ret = config_parse(fdt, &env, &cfg, print_error, &errors);
	if (ret < 0) {
		printf("%s: /chosen/bulkhead is unusable: no partitions\n", file);
		free(fdt);
		return 1;
	}
	printf("%u partition(s) valid, %d invalid; time slice %" PRIu32 " us\n", cfg.nr_parts, ret,
	       cfg.slice_us);
	if (cfg.nr_parts) {
		show_table(&cfg);
		pool_init(&pool);
		for (unsigned i = 0; i < cfg.nr_parts; i++)
			map_failures += show_map(&cfg.parts[i], &plat, &pool);
		free(pool.mem);
		free(pool.refcount);
		free(pool.order);
		free(pool.used);
	}
	free(fdt);
	return ret == 0 && map_failures == 0 ? 0 : 1;
}
