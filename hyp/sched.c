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

#define CNTV_CTL_ENABLE 1u
#define CNTV_CTL_IMASK 2u
#define NO_DEADLINE UINT64_MAX

/* The physical count at which v's virtual timer asserts its interrupt, or NO_DEADLINE (disabled
 * or masked). Its registers are the CPU's while v is loaded here, else as vcpu_put() saved them. */
static uint64_t timer_deadline(const struct percpu *pc, const struct vcpu *v)
{
	bool loaded = pc->current == v && pc->current_epoch == atomic_load(&v->epoch);
	uint32_t ctl = loaded ? sysreg_read32(CNTV_CTL) : v->cp15.cntv_ctl;
	uint64_t cval = loaded ? sysreg_read64(CNTV_CVAL) : v->cp15.cntv_cval;
	uint64_t off = v->part->cntvoff;

	if ((ctl & (CNTV_CTL_ENABLE | CNTV_CTL_IMASK)) != CNTV_CTL_ENABLE)
		return NO_DEADLINE;
	return cval > NO_DEADLINE - off ? NO_DEADLINE : cval + off;
}

/* A vCPU waiting in WFI may run again once an interrupt for it is pending in its distributor or
 * its virtual timer has fired (B1.8.14: the events that end a WFI; the loaded vCPU's timer also
 * interrupts HYP itself, hyp_irq()). Moves it back to VCPU_RUNNABLE; a state another CPU set
 * meanwhile (stopped, reset) wins. */
static bool wake_if_due(const struct percpu *pc, struct vcpu *v)
{
	int st = VCPU_WFI;

	if (!vgic_pending(v) && timer_deadline(pc, v) > timer_now())
		return false;
	return atomic_compare_exchange_strong(&v->state, &st, VCPU_RUNNABLE) || st == VCPU_RUNNABLE;
}

/* Next runnable vCPU after the current one (the current one again if it is alone), waking the
 * waiting ones that are due on the way. */
static struct vcpu *pick_next(struct percpu *pc)
{
	struct vcpu *start = pc->last ? pc->last->next_on_cpu : pc->runq;

	if (!start)
		return NULL;
	struct vcpu *v = start;
	do {
		if (runnable(v) || (atomic_load(&v->state) == VCPU_WFI && wake_if_due(pc, v)))
			return v;
		v = v->next_on_cpu;
	} while (v != start);
	return NULL;
}

/* The earliest timer deadline of this CPU's waiting vCPUs but `except`, or NO_DEADLINE. */
static uint64_t next_wake(const struct percpu *pc, const struct vcpu *except)
{
	uint64_t d = NO_DEADLINE;
	const struct vcpu *v = pc->runq;

	if (!v)
		return d;
	do {
		if (v != except && atomic_load(&v->state) == VCPU_WFI) {
			uint64_t t = timer_deadline(pc, v);

			if (t < d)
				d = t;
		}
		v = v->next_on_cpu;
	} while (v != pc->runq);
	return d;
}

/* CNTHP at `until` (a physical count), at least one tick and at most INT32_MAX ticks ahead. */
static void arm_cnthp(uint64_t until)
{
	uint64_t now = timer_now();
	uint64_t delta = until > now ? until - now : 1;

	sysreg_write32(CNTHP_TVAL, (uint32_t)(delta > INT32_MAX ? INT32_MAX : delta));
	sysreg_write32(CNTHP_CTL, CNTHP_CTL_ENABLE);
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

/* The slice of v, which is about to run: it ends early if a waiting vCPU's timer is due first,
 * so that vCPU runs close to its deadline rather than after the slice. */
static void arm_slice(struct percpu *pc, const struct vcpu *v)
{
	if (pc->nr_vcpus < 2)
		return;
	uint64_t end = timer_now() + slice_ticks, wake = next_wake(pc, v);

	arm_cnthp(wake < end ? wake : end);
}

/* Sleeps until an interrupt is pending, then lets hyp_irq() handle it. The WFI runs with IRQs
 * masked (a pending interrupt ends it all the same, B1.8.14): enabling them first would let an
 * interrupt that is already due (a CNTHP wake-up armed one tick ahead) be handled before the WFI,
 * which would then sleep past it. */
static void idle(void)
{
	wfi();
	irq_enable();
	isb();
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
			/* Everyone waits (or is off): sleep until an interrupt, or until the first
			 * waiting vCPU's timer is due. The loaded vCPU's timer counts too: its PPI
			 * cannot interrupt HYP while a tick it has not finished holds it active. */
			uint64_t wake = next_wake(pc, NULL);

			pc->last = NULL;
			if (wake != NO_DEADLINE)
				arm_cnthp(wake);
			idle();
			sysreg_write32(CNTHP_CTL, 0);
			continue;
		}
		switch_to(pc, v);
		pc->last = v;
		pc->need_resched = false;
		arm_slice(pc, v);
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
