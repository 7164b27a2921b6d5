/* Per-CPU round-robin scheduler and the guest run loop (see sched.h). */
#include "hyp/sched.h"

#include "drivers/gic.h"
#include "drivers/timer.h"
#include "hyp/bench.h"
#include "hyp/boot.h"
#include "hyp/console.h"
#include "hyp/exception.h"
#include "hyp/panic.h"
#include "hyp/partition.h"
#include "hyp/percpu.h"
#include "hyp/pmu.h"
#include "hyp/sysreg.h"
#include "hyp/trap.h"
#include "hyp/vfp.h"
#include "hyp/vgic.h"

/* HCR for guests (ARM ARM B4.1.65), each bit for isolation:
 *  VM    stage-2 translation on: the partition sees only its own IPA space.
 *  SWIO  set/way invalidates become clean+invalidate: a guest cannot discard dirty lines of
 *        other partitions (no need to trap set/way: TSW stays clear).
 *  FMO, IMO, AMO  physical FIQs, IRQs and asynchronous aborts go to HYP, never to a guest.
 *  TSC   SMC traps: firmware is the hypervisor's, guests get PSCI emulated (hyp/psci.c).
 *  TIDCP implementation-defined CP15 registers (lockdown, ...) trap and are refused.
 *  TAC   ACTLR accesses trap: the auxiliary control register is machine-wide.
 *  TWI, TWE  only when vCPUs share the CPU: a waiting vCPU then yields its slice; a lone vCPU
 *        sleeps in hardware. */
#define HCR_VM (1u << 0)
#define HCR_SWIO (1u << 1)
#define HCR_FMO (1u << 3)
#define HCR_IMO (1u << 4)
#define HCR_AMO (1u << 5)
#define HCR_TWI (1u << 13)
#define HCR_TWE (1u << 14)
#define HCR_TSC (1u << 19)
#define HCR_TIDCP (1u << 20)
#define HCR_TAC (1u << 21)
#define HCR_GUEST (HCR_VM | HCR_SWIO | HCR_FMO | HCR_IMO | HCR_AMO | HCR_TSC | HCR_TIDCP | HCR_TAC)

#define CNTHP_CTL_ENABLE 1u

static atomic_bool started;
static uint64_t slice_ticks;
static unsigned hyp_timer_intid;

void sched_add(struct vcpu *v, unsigned cpu)
{
	struct percpu *pc = percpu_of(cpu);

	v->cpu = cpu;
	if (!pc->runq) {
		v->next_on_cpu = v;
		pc->runq = v;
	} else {
		v->next_on_cpu = pc->runq->next_on_cpu;
		pc->runq->next_on_cpu = v;
	}
	pc->nr_vcpus++;
}

void sched_start(uint32_t slice_us)
{
	slice_ticks = (uint64_t)timer_freq() * slice_us / 1000000u;
	if (!slice_ticks)
		slice_ticks = 1;
	atomic_store_explicit(&started, true, memory_order_release);
	dsb_ish();
	sev();
	gic_send_sgi_others(GIC_SGI_KICK); /* CPUs waiting in WFI (not WFE) */
}

struct vcpu *sched_current(void)
{
	return this_cpu()->current;
}

void sched_yield(void)
{
	this_cpu()->need_resched = true;
}

void sched_kick(unsigned cpu)
{
	if (cpu == this_cpu()->cpu)
		this_cpu()->need_resched = true;
	else
		gic_send_sgi_one(cpu, GIC_SGI_KICK);
}

void sched_tick(void)
{
	sysreg_write32(CNTHP_CTL, 0);
	this_cpu()->need_resched = true;
}

void sched_kicked(void)
{
	this_cpu()->need_resched = true;
}

bool sched_vcpu_active(const struct vcpu *v)
{
	return percpu_of(v->cpu)->running == v;
}

static bool runnable(const struct vcpu *v)
{
	return atomic_load(&v->state) == VCPU_RUNNABLE;
}

/* Next runnable vCPU after the current one (the current one again if it is alone). */
static struct vcpu *pick_next(struct percpu *pc)
{
	struct vcpu *start = pc->last ? pc->last->next_on_cpu : pc->runq;

	if (!start)
		return NULL;
	struct vcpu *v = start;
	do {
		if (runnable(v))
			return v;
		v = v->next_on_cpu;
	} while (v != start);
	return NULL;
}

/* Makes v's PL1 state the CPU's. The state of a vCPU reset since it was loaded here (restart,
 * CPU_ON) is discarded rather than saved: the reset state in memory is the truth. */
static void switch_to(struct percpu *pc, struct vcpu *v)
{
	unsigned epoch = atomic_load(&v->epoch);

	if (pc->current == v && pc->current_epoch == epoch)
		return;
	if (pc->current && pc->current != v &&
	    pc->current_epoch == atomic_load(&pc->current->epoch)) {
		vgic_put(pc->current);
		vcpu_put(pc->current);
	}
	if (pc->vfp_owner == v && pc->vfp_owner_epoch != epoch)
		pc->vfp_owner = NULL; /* the registers hold a previous life's state */
	vcpu_load(v);
	vgic_load(v);
	vfp_switch(v);
	pc->current = v;
	pc->current_epoch = epoch;
}

static void arm_slice(struct percpu *pc)
{
	if (pc->nr_vcpus < 2)
		return;
	sysreg_write32(CNTHP_TVAL, (uint32_t)slice_ticks);
	sysreg_write32(CNTHP_CTL, CNTHP_CTL_ENABLE);
}

/* Sleeps until an interrupt arrives and lets hyp_irq() handle it. */
static void idle(void)
{
	irq_enable();
	wfi();
	irq_disable();
}

void sched_run(void)
{
	struct percpu *pc = this_cpu();
	uint32_t hcr;
	bool first_entry = true;

	while (!atomic_load_explicit(&started, memory_order_acquire))
		idle();
	/* After `started`: every partition, and so pc->nr_vcpus, exists now. */
	hcr = HCR_GUEST | (pc->nr_vcpus > 1 ? HCR_TWI | HCR_TWE : 0);
	hyp_timer_intid = hyp_platform()->timer.intid_hyp;
	gic_enable_ppi(hyp_timer_intid);
	gic_enable_ppi(hyp_platform()->timer.intid_virt);
	gic_enable_ppi(hyp_platform()->gic.maint_intid);
	pmu_cpu_init();
	irq_disable();
	sysreg_write32(HCR, hcr);
	isb();

	for (;;) {
		struct vcpu *v = pick_next(pc);

		if (!v) {
			pc->last = NULL;
			idle();
			continue;
		}
		switch_to(pc, v);
		pc->last = v;
		pc->need_resched = false;
		arm_slice(pc);
		while (!pc->need_resched && runnable(v)) {
			switch_to(pc, v); /* a no-op unless v was reset meanwhile */
			if (stage2_needs_enter(&v->part->s2, pc->cpu) &&
			    stage2_enter(&v->part->s2, pc->cpu)) {
				/* VMID rollover: the other CPUs leave their guests and take
				 * fresh VMIDs before entering again. */
				gic_send_sgi_others(GIC_SGI_KICK);
				pr_info("vmid: rollover %llu, generation %llu",
					(unsigned long long)stage2_vmids()->rollovers,
					(unsigned long long)stage2_vmids()->generation);
			}
			vgic_flush(v);
			pc->running = v;
			if (first_entry) {
				first_entry = false;
				bench_first_entry();
			}
			unsigned vec = guest_enter(&v->regs);
			pc->running = NULL;
			vgic_sync(v);
			if (vec == HYP_VEC_IRQ) {
				v->irq_exits++;
				hyp_irq();
			} else {
				trap_handle(v);
			}
		}
		sysreg_write32(CNTHP_CTL, 0);
	}
}
