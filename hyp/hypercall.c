/* Bulkhead hypercalls (hyp/hypercall_abi.h) and the HVC route to PSCI. */
#include "hyp/hypercall.h"

#include <inttypes.h>
#include <string.h>

#include "hyp/bench.h"
#include "hyp/console.h"
#include "hyp/fault.h"
#include "hyp/hypercall_abi.h"
#include "hyp/fmt.h"
#include "hyp/partition.h"
#include "hyp/pmu.h"
#include "hyp/psci.h"
#include "hyp/sched.h"
#include "hyp/sysreg.h"

/* Copies the guest's text out of its memory and prints it line by line under its name. */
/* noinline: keeps its buffer (and the stack-protector check) off the hypercall fast path. */
static __attribute__((noinline)) int32_t console_write(struct vcpu *v, ipa_t ipa, uint32_t len)
{
	char buf[BH_CONSOLE_WRITE_MAX];
	size_t n = len;

	if (n > sizeof(buf))
		n = sizeof(buf); /* longer writes are cut (hypercall_abi.h) */

	/* Page by page: the range may span regions; each page must be guest-readable RAM. */
	for (size_t done = 0, chunk; done < n; done += chunk) {
		chunk = PAGE_SIZE - ((ipa + done) & PAGE_MASK);
		if (chunk > n - done)
			chunk = n - done;
		const char *src = partition_ipa_to_hyp(v->part, ipa + done, chunk, PGT_PERM_R);
		if (!src)
			return BH_INVALID;
		memcpy(buf + done, src, chunk);
	}
	console_guest_write(v->part->cfg->name, buf, n);
	return (int32_t)n;
}

#define BENCH_NAME_MAX 64

static __attribute__((noinline)) int32_t bench_stop(struct vcpu *v, ipa_t name_ipa, uint32_t iters)
{
	struct pmu_count now = pmu_read();
	char name[BENCH_NAME_MAX];
	const char *src = partition_ipa_to_hyp(v->part, name_ipa, 1, PGT_PERM_R);
	size_t i;

	if (!src || !iters)
		return BH_INVALID;
	for (i = 0; i < sizeof(name) - 1; i++) {
		const char *c = partition_ipa_to_hyp(v->part, name_ipa + i, 1, PGT_PERM_R);
		if (!c || !*c)
			break;
		name[i] = (*c >= ' ' && *c <= '~') ? *c : '?';
	}
	name[i] = '\0';
	bench_report(name, now.hyp - v->bench_hyp, now.guest - v->bench_guest, iters);
	return BH_OK;
}

/* The calls that only read state; r = the guest's r0-r3. An if-chain rather than a switch so
 * the null hypercall (VERSION) is the first test on the fast path. */
static bool query(const struct vcpu *v, uint32_t *r)
{
	uint32_t fid = r[0];

	if (fid == BH_HVC_VERSION) {
		r[0] = BH_ABI_VERSION;
	} else if (fid == BH_HVC_PARTITION_ID) {
		r[0] = v->part->cfg->index;
		r[1] = v->index;
	} else if (fid == BH_HVC_TRAP_COUNT) {
		r[0] = (uint32_t)v->traps;
	} else {
		return false;
	}
	return true;
}

bool hypercall_fast(struct vcpu *v, uint32_t *r)
{
	if (psci_is_call(r[0]))
		return psci_fast(v, r); /* a tail call: this function needs no stack frame */
	if (!query(v, r))
		return false;
	v->hvcs++;
	return true;
}

void hypercall_handle(struct vcpu *v)
{
	uint32_t *r = v->regs.r;
	uint32_t fid = r[0];

	if (query(v, r))
		return;
	if (psci_is_call(fid)) {
		psci_handle(v);
		return;
	}
	switch (fid) {
	case BH_HVC_CONSOLE_WRITE:
		r[0] = (uint32_t)console_write(v, r[1], r[2]);
		return;
	case BH_HVC_YIELD:
		r[0] = BH_OK;
		sched_yield();
		return;
	case BH_HVC_BENCH_START: {
		struct pmu_count c = pmu_read();
		v->bench_hyp = c.hyp;
		v->bench_guest = c.guest;
		r[0] = BH_OK;
		return;
	}
	case BH_HVC_BENCH_STOP:
		r[0] = (uint32_t)bench_stop(v, r[1], r[2]);
		return;
	case BH_HVC_STOP:
		pr_info("partition %s exited (code %" PRIu32 ")", v->part->cfg->name, r[1]);
		partition_stop(v->part, "exit hypercall");
		return;
	default:
		fault_raise(v, FAULT_BAD_CALL, fid, sysreg_read32(HSR), "HVC");
		return;
	}
}
