/* Partition creation, stop and restart (see partition.h). */
#include "hyp/partition.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "drivers/timer.h"
#include "hyp/boot.h"
#include "hyp/console.h"
#include "hyp/guest_dt.h"
#include "hyp/percpu.h"
#include "hyp/sched.h"
#include "mm/cache.h"
#include "mm/hyp_map.h"

#define RESTART_WAIT_MS 100 /* for the partition's other vCPUs to leave guest mode */

static struct partition parts[CONFIG_MAX_PARTITIONS];
static unsigned nr_parts;
static atomic_uint nr_running; /* partitions not stopped */
static struct vcpu vcpu_pool[HYP_MAX_VCPUS];
static unsigned nr_vcpus_used;

unsigned partitions_count(void)
{
	return nr_parts;
}

struct partition *partition_get(unsigned i)
{
	return i < nr_parts ? &parts[i] : NULL;
}

/* Logical CPU with this MPIDR, or -1 if it is not online. */
static int cpu_of_mpidr(uint32_t mpidr)
{
	for (unsigned c = 0; c < HYP_MAX_CPUS; c++) {
		const struct percpu *pc = percpu_of(c);
		if (atomic_load(&pc->online) && pc->mpidr == mpidr)
			return (int)c;
	}
	return -1;
}

static const struct part_region *region_of(const struct part_config *c, ipa_t ipa, uint64_t len)
{
	for (unsigned i = 0; i < c->nr_regions; i++) {
		const struct part_region *r = &c->regions[i];
		if (ipa >= r->ipa && len <= r->size && ipa - r->ipa <= r->size - len)
			return r;
	}
	return NULL;
}

void *partition_ipa_to_hyp(struct partition *p, ipa_t ipa, size_t len, unsigned perm)
{
	const struct part_region *r = region_of(p->cfg, ipa, len);

	if (!r || r->attrs.mem != PGT_MEM_NORMAL_WB || (r->attrs.perm & perm) != perm)
		return NULL;
	return (void *)(uintptr_t)(r->pa + (ipa - r->ipa));
}

/* Everything the guest can reach through stage 2: its regions, its devices, and the GIC
 * virtual CPU interface where it expects its GICC. */
static int build_stage2(struct partition *p)
{
	const struct part_config *c = p->cfg;
	const struct platform *plat = hyp_platform();
	int err = stage2_init(&p->s2, c->name);

	for (unsigned i = 0; !err && i < c->nr_regions; i++) {
		const struct part_region *r = &c->regions[i];
		err = stage2_map(&p->s2, r->ipa, r->pa, r->size, r->attrs.perm, r->attrs.mem);
		if (err)
			pr_err("partition %s: cannot map IPA 0x%llx-0x%llx (%d)", c->name,
			       (unsigned long long)r->ipa,
			       (unsigned long long)(r->ipa + r->size - 1), err);
	}
	for (unsigned d = 0; !err && d < c->nr_devices; d++) {
		for (unsigned i = 0; !err && i < c->devices[d].nr_regs; i++) {
			const struct plat_region *r = &c->devices[d].regs[i];
			err = s2_ioremap(&p->s2, r->base, r->base, r->size);
			if (err)
				pr_err("partition %s: cannot map device %s (%d)", c->name,
				       c->devices[d].path, err);
		}
	}
	if (!err) {
		err = s2_ioremap(&p->s2, c->gicc_ipa, plat->gic.vcpu.base, plat->gic.vcpu.size);
		if (err)
			pr_err("partition %s: cannot map GICV at IPA 0x%llx (%d)", c->name,
			       (unsigned long long)c->gicc_ipa, err);
	}
	return err;
}

/* Generates the guest's device tree into its memory at dtb_ipa (config.c reserved
 * CONFIG_GUEST_DT_SIZE bytes there). */
static int write_guest_dt(struct partition *p)
{
	const struct part_config *c = p->cfg;
	void *buf = partition_ipa_to_hyp(p, c->dtb_ipa, CONFIG_GUEST_DT_SIZE, 0);
	struct guest_dt_input in = {
		.cfg = c,
		.plat = hyp_platform(),
		.plat_fdt = hyp_fdt(),
		.initrd_start = c->initrd_ipa,
		.initrd_size = c->initrd.size,
		.vuart_base = c->has_vuart ? c->vuart_ipa : 0,
		.vuart_intid = c->has_vuart ? c->vuart_intid : 0,
	};
	struct diag d;

	if (!buf)
		return -EINVAL;
	int n = guest_dt_build(&in, buf, CONFIG_GUEST_DT_SIZE, &d);
	if (n < 0) {
		pr_err("%s", d.msg);
		return n;
	}
	return 0;
}

/* Scrubs the partition's RAM and copies its image (and DTB, initrd) in or generates its device
 * tree, then makes it all visible to a guest that starts with caches off. */
static int load(struct partition *p)
{
	const struct part_config *c = p->cfg;

	for (unsigned i = 0; i < c->nr_regions; i++) {
		const struct part_region *r = &c->regions[i];
		if (r->attrs.mem == PGT_MEM_NORMAL_WB || r->attrs.mem == PGT_MEM_NORMAL_NC)
			memset((void *)(uintptr_t)r->pa, 0, (size_t)r->size);
	}
	void *dst = partition_ipa_to_hyp(p, c->image_ipa, (size_t)c->image.size, 0);
	if (!dst)
		return -EINVAL; /* config.c guarantees this; a bug if reached */
	memcpy(dst, (const void *)(uintptr_t)c->image.pa, (size_t)c->image.size);
	if (c->dtb.size) {
		void *d = partition_ipa_to_hyp(p, c->dtb_ipa, (size_t)c->dtb.size, 0);
		if (!d)
			return -EINVAL;
		memcpy(d, (const void *)(uintptr_t)c->dtb.pa, (size_t)c->dtb.size);
	}
	if (c->initrd.size) {
		void *d = partition_ipa_to_hyp(p, c->initrd_ipa, (size_t)c->initrd.size, 0);
		if (!d)
			return -EINVAL;
		memcpy(d, (const void *)(uintptr_t)c->initrd.pa, (size_t)c->initrd.size);
	}
	if (c->dtb_generated) {
		int err = write_guest_dt(p);
		if (err)
			return err;
	}
	for (unsigned i = 0; i < c->nr_regions; i++)
		dcache_clean_range((uintptr_t)c->regions[i].pa, (size_t)c->regions[i].size);
	__asm__ volatile("mcr p15, 0, %0, c7, c1, 0" ::"r"(0) : "memory"); /* ICIALLUIS */
	dsb();
	return 0;
}

static void reset_vcpus(struct partition *p)
{
	const struct part_config *c = p->cfg;

	for (unsigned i = 0; i < p->nr_vcpus; i++) {
		struct vcpu *v = p->vcpus[i];
		/* Linux's boot protocol (Documentation/arm/booting.rst): r0 = 0, r1 = ~0 (no
		 * machine id), r2 = the device tree. */
		vcpu_reset(v, (uint32_t)c->entry, 0,
			   c->dtb.size || c->dtb_generated ? (uint32_t)c->dtb_ipa : 0);
		atomic_store(&v->state, i == 0 ? VCPU_RUNNABLE : VCPU_OFF);
	}
}

/* The hypervisor reaches partition RAM and modules through its identity map. */
static int map_in_hyp(const struct part_config *c)
{
	int err = 0;

	for (unsigned i = 0; !err && i < c->nr_regions; i++)
		if (c->regions[i].attrs.mem != PGT_MEM_DEVICE)
			err = hyp_map(c->regions[i].pa, c->regions[i].size, PGT_PERM_RW,
				      PGT_MEM_NORMAL_WB);
	if (!err)
		err = hyp_map(c->image.pa, c->image.size, PGT_PERM_R, PGT_MEM_NORMAL_WB);
	if (!err && c->dtb.size)
		err = hyp_map(c->dtb.pa, c->dtb.size, PGT_PERM_R, PGT_MEM_NORMAL_WB);
	if (!err && c->initrd.size)
		err = hyp_map(c->initrd.pa, c->initrd.size, PGT_PERM_R, PGT_MEM_NORMAL_WB);
	return err;
}

static bool create(const struct part_config *c)
{
	struct partition *p = &parts[nr_parts];
	int cpus[CONFIG_MAX_VCPUS];

	for (unsigned i = 0; i < c->nr_vcpus; i++) {
		cpus[i] = cpu_of_mpidr(c->vcpu_mpidr[i]);
		if (cpus[i] < 0) {
			pr_err("partition %s: vCPU %u: CPU MPIDR 0x%" PRIx32
			       " is not online; partition not started",
			       c->name, i, c->vcpu_mpidr[i]);
			return false;
		}
	}
	if (nr_vcpus_used + c->nr_vcpus > HYP_MAX_VCPUS) {
		pr_err("partition %s: more than HYP_MAX_VCPUS (%u) vCPUs in all; not started",
		       c->name, HYP_MAX_VCPUS);
		return false;
	}
	int err = map_in_hyp(c);
	if (err) {
		pr_err("partition %s: cannot map its memory in HYP (%d, RAM above 4 GiB?); not "
		       "started",
		       c->name, err);
		return false;
	}

	memset(p, 0, sizeof(*p));
	spin_lock_init(&p->lock);
	p->cfg = c;
	p->nr_vcpus = c->nr_vcpus;
	if (build_stage2(p) || load(p)) {
		if (p->s2.pgt.root)
			stage2_destroy(&p->s2);
		pr_err("partition %s: not started", c->name);
		return false;
	}
	for (unsigned i = 0; i < c->nr_vcpus; i++) {
		struct vcpu *v = &vcpu_pool[nr_vcpus_used++];
		memset(v, 0, sizeof(*v));
		v->part = p;
		v->index = i;
		p->vcpus[i] = v;
		sched_add(v, (unsigned)cpus[i]);
	}
	if (vgic_partition_init(p) || vconsole_init(p)) {
		pr_err("partition %s: cannot set up its GIC distributor or console UART; not "
		       "started",
		       c->name);
		stage2_destroy(&p->s2);
		return false;
	}
	p->cntvoff = timer_now();
	reset_vcpus(p);
	atomic_store(&p->state, PART_RUNNING);
	atomic_fetch_add(&nr_running, 1);
	nr_parts++;

	char cpulist[8 * CONFIG_MAX_VCPUS] = "";
	size_t n = 0;
	for (unsigned i = 0; i < c->nr_vcpus && n < sizeof(cpulist); i++)
		n += (size_t)fmt_snprintf(cpulist + n, sizeof(cpulist) - n, "%scpu%d", i ? "," : "",
					  cpus[i]);
	uint64_t mem = 0;
	for (unsigned i = 0; i < c->nr_regions; i++)
		mem += c->regions[i].size;
	pr_info("partition %s: %u vCPU(s) on %s, %llu KiB, entry 0x%llx, fault policy %s", c->name,
		c->nr_vcpus, cpulist, (unsigned long long)(mem >> 10), (unsigned long long)c->entry,
		fault_policy_name(c->fault_policy));
	if (c->dtb_generated || c->dtb.size || c->initrd.size || c->has_vuart)
		pr_info("partition %s: device tree %s at IPA 0x%llx, initrd %llu KiB, console UART %s",
			c->name,
			c->dtb.size	   ? "module"
			: c->dtb_generated ? "generated"
					   : "none",
			(unsigned long long)c->dtb_ipa, (unsigned long long)(c->initrd.size >> 10),
			c->has_vuart ? "emulated" : "none");
	struct pgt_stats st;
	pgt_get_stats(&p->s2.pgt, &st);
	pr_info("partition %s: stage 2: %u table pages, blocks 1G %llu 2M %llu, pages 4K %llu",
		c->name, st.table_pages, (unsigned long long)st.leaves[1],
		(unsigned long long)st.leaves[2], (unsigned long long)st.leaves[3]);
	return true;
}

unsigned partitions_create(const struct config *cfg)
{
	for (unsigned i = 0; i < cfg->nr_parts; i++)
		create(&cfg->parts[i]);
	return nr_parts;
}

void partition_stop(struct partition *p, const char *why)
{
	spin_lock(&p->lock);
	bool was_running = atomic_exchange(&p->state, PART_STOPPED) == PART_RUNNING;
	for (unsigned i = 0; i < p->nr_vcpus; i++)
		atomic_store(&p->vcpus[i]->state, VCPU_STOPPED);
	spin_unlock(&p->lock);
	if (!was_running)
		return;
	for (unsigned i = 0; i < p->nr_vcpus; i++)
		sched_kick(p->vcpus[i]->cpu);
	pr_info("partition %s stopped (%s)", p->cfg->name, why);
	if (atomic_fetch_sub(&nr_running, 1) == 1)
		pr_info("partitions: all %u stopped", nr_parts);
}

int partition_restart(struct partition *p, const char *why)
{
	struct vcpu *self = sched_current();

	spin_lock(&p->lock);
	for (unsigned i = 0; i < p->nr_vcpus; i++)
		atomic_store(&p->vcpus[i]->state, VCPU_STOPPED);
	spin_unlock(&p->lock);
	for (unsigned i = 0; i < p->nr_vcpus; i++) {
		struct vcpu *v = p->vcpus[i];
		if (v == self)
			continue;
		sched_kick(v->cpu);
		uint64_t deadline = timer_now() + timer_ms(RESTART_WAIT_MS);
		while (sched_vcpu_active(v) && timer_now() < deadline)
			wfe();
		if (sched_vcpu_active(v)) {
			partition_stop(p, "restart: a vCPU did not leave guest mode");
			return -EBUSY;
		}
	}

	/* Fresh tables and a fresh VMID: nothing of the old life stays reachable. */
	stage2_destroy(&p->s2);
	if (build_stage2(p) || load(p)) {
		partition_stop(p, "restart failed");
		return -ENOMEM;
	}
	vgic_partition_init(p); /* fresh distributor state; cannot fail for a valid partition */
	vconsole_init(p);
	p->cntvoff = timer_now();
	reset_vcpus(p);
	atomic_store(&p->state, PART_RUNNING);
	pr_info("partition %s restarted (%s)", p->cfg->name, why);
	for (unsigned i = 0; i < p->nr_vcpus; i++)
		sched_kick(p->vcpus[i]->cpu);
	return 0;
}
