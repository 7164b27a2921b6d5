/* ctxsw: the world switch keeps every vCPU's PL1 state intact and private while vCPUs of
 * different partitions share a physical CPU: the registers every exit saves (r0-r12, SP_usr,
 * LR_usr, CPSR; boot/vectors.S) and those switched with the vCPU (the banked SP/LR/SPSR of SVC,
 * ABT, UND, IRQ and FIQ, FIQ r8-r12, the guest's CP15 registers and virtual timer;
 * hyp/vcpu.c). Each vCPU first checks that it starts with Bulkhead's reset state (zeros: nothing
 * of another partition's), then CHECKS times writes a value into every register that names its
 * owner (partition, vCPU), the register and the check, gives the CPU away with all of them live
 * (a yield hypercall, or every SPIN_EVERY-th check a spin that the time slice preempts), reads
 * them back and compares. vCPU 0 starts vCPU 1 if the partition has one; both run the test.
 * Console lines: guests/README.md.
 *
 * The guest runs in SVC mode with IRQs masked and takes no exception: while a check runs, the
 * SPs of the other modes and the SVC mode's own SP and LR hold patterns, not stacks (live.S
 * keeps its real SP aside), and VBAR points at one of VBAR_TABLES copies of the vector table, so
 * it stays valid. The compiler touches none of the registers tested here except r0-r12, SP_svc,
 * LR_svc and the flags, which live.S holds for it.
 */
#include "guests/common/console.h"
#include "guests/common/guest.h"
#include "guests/common/hvc.h"
#include "guests/common/psci.h"
#include "guests/ctxsw/live.h"

#define CHECKS 2000u
#define REPORT_EVERY 500u /* a progress line every this many checks */
#define SPIN_EVERY 8u	  /* every 8th check spins instead of yielding */
#define SPIN_HZ 500u	  /* a spin lasts CNTFRQ / 500 ticks (2 ms): several time slices */
#define SECONDARY_CTX 0xc5000001u
#define MAX_PARTITION 31u /* the owner field of the pattern holds partition ids 0-31 */

/* Address translation, stage 1 only, as the PL1 guest itself (ARM ARM B4.2.6) */
#define ATS1CPR CP15_32(0, c7, c8, 0)

/* PSR fields (ARM ARM B1.3.3). The pattern of an SPSR varies N Z C V Q, IT, GE, E and A I F
 * (not J, T, the reserved bits 23:20 or M); its M field says User mode. */
#define PSR_MODE_USR 0x10u
#define SPSR_PATTERN_MASK 0xfe0fffc0u
/* What the code can change in its own CPSR at PL1 (MSR APSR_nzcvqg): N Z C V Q and GE. */
#define APSR_MASK 0xf80f0000u

/* SCTLR bits (B4.1.130) a guest with its MMU off can toggle without effect on how it runs: I
 * (instruction caching only), WXN, UWXN, TRE, AFE (meaningful only with the MMU on). */
#define SCTLR_PATTERN_MASK ((1u << 12) | (1u << 19) | (1u << 20) | (1u << 28) | (1u << 29))

/* TTBR0/TTBR1 (B4.1.154, B4.1.155), written as 64 bits: ASID and BADDR[39:32] above; below, the
 * short-descriptor TTB address bits 31:14 and its IRGN/NOS/RGN/IMP/S bits 6:0 (bits 13:7 may be
 * UNK/SBZP, depending on TTBCR.N). */
#define TTBR_PATTERN_MASK 0x00ff00ffffffc07full
/* TTBCR (B4.1.153) with EAE 0: N only (QEMU without the Security Extensions has no PD0/PD1). */
#define TTBCR_PATTERN_MASK 0x7u
/* DFSR (B4.1.52): FS[3:0], Domain, FS[4], WnR, ExT, CM. IFSR (B4.1.96): FS[3:0], FS[4], ExT. */
#define DFSR_PATTERN_MASK 0x3cffu
#define IFSR_PATTERN_MASK 0x140fu
/* PRRR (B4.1.143): all but the reserved bits 23:20. */
#define PRRR_PATTERN_MASK 0xff0fffffu
/* PAR written as 64 bits in the LPAE format (B4.1.112): ATTR 63:56, PA 39:12, NS, SH, with the
 * LPAE bit (11) set and F (0) clear. */
#define PAR_PATTERN_MASK 0xff0000fffffff380ull
#define PAR_LPAE (1u << 11)
#define PAR_F (1u << 0)
#define PAR_PA_LOW 0xfffff000u	/* PA bits 31:12, in both formats */
#define ATS_VA_MASK 0xfffff000u /* the page a check translates (any: stage 1 is off) */
/* CNTKCTL (B8.2.6): PL0PTEN, PL0VTEN, EVNTI, EVNTDIR, EVNTEN, PL0VCTEN, PL0PCTEN. */
#define CNTKCTL_PATTERN_MASK 0x3ffu
/* CNTV_CTL (B8.2.10): ENABLE, IMASK, ISTATUS (read-only). Never ENABLE without IMASK here: the
 * guest wants no timer interrupt. */
#define CNTV_CTL_ENABLE (1u << 0)
#define CNTV_CTL_IMASK (1u << 1)
#define CNTV_CTL_ISTATUS (1u << 2)
#define CNTV_CTL_RW (CNTV_CTL_ENABLE | CNTV_CTL_IMASK)
/* MPIDR as Bulkhead sets it (docs/architecture.md, boot registers): bit 31 | vCPU index. */
#define MPIDR_MP (1u << 31)

#define SP_MASK 0xfffffffcu /* stack pointers stay word-aligned */
#define FULL32 0xffffffffu
#define FULL64 0xffffffffffffffffull

extern const char guest_vectors[]; /* crt0.S */

/* One read and one write accessor per register, 64 bits wide for the table. */
#define CP15_RW32(name, reg)                                                                       \
	static uint64_t rd_##name(void)                                                            \
	{                                                                                          \
		return sysreg_read32(reg);                                                         \
	}                                                                                          \
	static void wr_##name(uint64_t v)                                                          \
	{                                                                                          \
		sysreg_write32(reg, (uint32_t)v);                                                  \
	}
#define CP15_RW64(name, reg)                                                                       \
	static uint64_t rd_##name(void)                                                            \
	{                                                                                          \
		return sysreg_read64(reg);                                                         \
	}                                                                                          \
	static void wr_##name(uint64_t v)                                                          \
	{                                                                                          \
		sysreg_write64(reg, v);                                                            \
	}
/* MRS/MSR (banked register) from SVC mode: any mode's but SVC's own (ARM ARM B9.3.9). */
#define BANKED_RW(name)                                                                            \
	static uint64_t rd_##name(void)                                                            \
	{                                                                                          \
		return BANKED_READ(name);                                                          \
	}                                                                                          \
	static void wr_##name(uint64_t v)                                                          \
	{                                                                                          \
		BANKED_WRITE(name, (uint32_t)v);                                                   \
	}

BANKED_RW(SP_usr)
BANKED_RW(LR_usr)
BANKED_RW(SP_abt)
BANKED_RW(LR_abt)
BANKED_RW(SPSR_abt)
BANKED_RW(SP_und)
BANKED_RW(LR_und)
BANKED_RW(SPSR_und)
BANKED_RW(SP_irq)
BANKED_RW(LR_irq)
BANKED_RW(SPSR_irq)
BANKED_RW(r8_fiq)
BANKED_RW(r9_fiq)
BANKED_RW(r10_fiq)
BANKED_RW(r11_fiq)
BANKED_RW(r12_fiq)
BANKED_RW(SP_fiq)
BANKED_RW(LR_fiq)
BANKED_RW(SPSR_fiq)
CP15_RW32(SCTLR, SCTLR)
CP15_RW32(CPACR, CPACR)
CP15_RW64(TTBR0, TTBR0)
CP15_RW64(TTBR1, TTBR1)
CP15_RW32(TTBCR, TTBCR)
CP15_RW32(DACR, DACR)
CP15_RW32(DFSR, DFSR)
CP15_RW32(IFSR, IFSR)
CP15_RW32(ADFSR, ADFSR)
CP15_RW32(AIFSR, AIFSR)
CP15_RW32(DFAR, DFAR)
CP15_RW32(IFAR, IFAR)
CP15_RW64(PAR, PAR64)
CP15_RW32(PRRR, PRRR)
CP15_RW32(NMRR, NMRR)
CP15_RW32(AMAIR0, AMAIR0)
CP15_RW32(AMAIR1, AMAIR1)
CP15_RW32(VBAR, VBAR)
CP15_RW32(CONTEXTIDR, CONTEXTIDR)
CP15_RW32(TPIDRURW, TPIDRURW)
CP15_RW32(TPIDRURO, TPIDRURO)
CP15_RW32(TPIDRPRW, TPIDRPRW)
CP15_RW32(CSSELR, CSSELR)
CP15_RW32(TEEHBR, TEEHBR)
CP15_RW32(CNTKCTL, CNTKCTL)
CP15_RW32(CNTV_CTL, CNTV_CTL)
CP15_RW64(CNTV_CVAL, CNTV_CVAL)

/* The SPSR of the current mode (SVC): no banked form for it. */
static uint64_t rd_SPSR_svc(void)
{
	uint32_t v;

	__asm__ volatile("mrs %0, spsr" : "=r"(v));
	return v;
}

static void wr_SPSR_svc(uint64_t v)
{
	__asm__ volatile("msr spsr_fsxc, %0" ::"r"((uint32_t)v) : "memory");
}

static uint64_t rd_MPIDR(void)
{
	return sysreg_read32(MPIDR);
}

static uint32_t cpsr_read(void)
{
	uint32_t v;

	__asm__ volatile("mrs %0, cpsr" : "=r"(v));
	return v;
}

enum kind {
	K_LIVE,	 /* a core register live.S holds: word `live` of struct live */
	K_CPSR,	 /* the CPSR (a struct live word too): the flags in `mask` change, nothing else */
	K_PAT,	 /* the pattern in `mask`, the other bits from `base` */
	K_ENUM,	 /* one of `vals`: registers with few values that are safe to set */
	K_SCTLR, /* the pattern in `mask`, the other bits as the vCPU started */
	K_VBAR,	 /* one of the VBAR_TABLES vector tables */
	K_PAR,	 /* yield checks: a 64-bit pattern; spin checks: an ATS1CPR result */
	K_TCTL,	 /* CNTV_CTL: yield checks one of `vals`; spin checks enabled and masked */
	K_TCVAL, /* CNTV_CVAL: yield checks a pattern; spin checks the deadline */
	K_MPIDR, /* read-only: MPIDR_MP | vCPU index */
};

/* Which checks a register is in; what it holds at the start. */
#define IN_YIELD 0x1u
#define IN_SPIN 0x2u
#define IN_BOTH (IN_YIELD | IN_SPIN)
#define SET_AT_START 0x4u /* crt0 or guest_cpu_init set it: not the reset 0 */
#define MAY_BE_RAZ 0x8u	  /* IMPLEMENTATION DEFINED, RAZ/WI on some cores (QEMU): skipped then */

struct reg {
	const char *name;
	uint8_t kind;
	uint8_t flags;
	uint8_t live;
	bool wide; /* 64 bits */
	uint64_t mask;
	uint64_t base;
	const uint32_t *vals;
	unsigned nvals;
	uint64_t (*read)(void);
	void (*write)(uint64_t);
};

static const uint32_t cpacr_vals[] = {0, 0x00500000u, 0x00f00000u}; /* CP10 = CP11: 00, 01, 11 */
static const uint32_t csselr_vals[] = {0, 1, 2}; /* L1 data, L1 instruction, L2 (Cortex-A15) */
static const uint32_t cntv_ctl_vals[] = {0, CNTV_CTL_IMASK, CNTV_CTL_ENABLE | CNTV_CTL_IMASK};

#define LIVE(nm, idx, m, when)                                                                     \
	{                                                                                          \
		.name = nm, .kind = K_LIVE, .flags = (when), .live = (idx), .mask = (m)            \
	}
#define PAT(nm, m, b, fl)                                                                          \
	{                                                                                          \
		.name = #nm, .kind = K_PAT, .flags = IN_BOTH | (fl), .mask = (m), .base = (b),     \
		.read = rd_##nm, .write = wr_##nm                                                  \
	}
#define PAT64(nm, m)                                                                               \
	{                                                                                          \
		.name = #nm, .kind = K_PAT, .flags = IN_BOTH, .wide = true, .mask = (m),           \
		.read = rd_##nm, .write = wr_##nm                                                  \
	}
#define ENUM(nm, k, v, fl)                                                                         \
	{                                                                                          \
		.name = #nm, .kind = (k), .flags = IN_BOTH | (fl), .vals = (v),                    \
		.nvals = sizeof(v) / sizeof((v)[0]), .read = rd_##nm, .write = wr_##nm             \
	}
#define SPECIAL(nm, k, w, m, fl)                                                                   \
	{                                                                                          \
		.name = #nm, .kind = (k), .flags = IN_BOTH | (fl), .wide = (w), .mask = (m),       \
		.read = rd_##nm, .write = wr_##nm                                                  \
	}
#define SPSR(nm) PAT(nm, SPSR_PATTERN_MASK, PSR_MODE_USR, 0)

/* Every register checked. Its index + 1 is its number in the pattern. */
static const struct reg regs[] = {
	LIVE("r0", 0, FULL32, IN_SPIN),
	LIVE("r1", 1, FULL32, IN_SPIN),
	LIVE("r2", 2, FULL32, IN_SPIN),
	LIVE("r3", 3, FULL32, IN_SPIN),
	LIVE("r4", 4, FULL32, IN_BOTH),
	LIVE("r5", 5, FULL32, IN_BOTH),
	LIVE("r6", 6, FULL32, IN_BOTH),
	LIVE("r7", 7, FULL32, IN_BOTH),
	LIVE("r8", 8, FULL32, IN_BOTH),
	LIVE("r9", 9, FULL32, IN_BOTH),
	LIVE("r10", 10, FULL32, IN_BOTH),
	LIVE("r11", 11, FULL32, IN_BOTH),
	LIVE("r12", 12, FULL32, IN_YIELD),
	LIVE("SP_svc", LIVE_SP_WORD, SP_MASK, IN_YIELD),
	LIVE("LR_svc", LIVE_LR_WORD, FULL32, IN_BOTH),
	{.name = "CPSR",
	 .kind = K_CPSR,
	 .flags = IN_BOTH,
	 .live = LIVE_CPSR_WORD,
	 .mask = APSR_MASK},
	SPSR(SPSR_svc),
	PAT(SP_usr, SP_MASK, 0, 0),
	PAT(LR_usr, FULL32, 0, 0),
	PAT(SP_abt, SP_MASK, 0, SET_AT_START),
	PAT(LR_abt, FULL32, 0, 0),
	SPSR(SPSR_abt),
	PAT(SP_und, SP_MASK, 0, SET_AT_START),
	PAT(LR_und, FULL32, 0, 0),
	SPSR(SPSR_und),
	PAT(SP_irq, SP_MASK, 0, SET_AT_START),
	PAT(LR_irq, FULL32, 0, 0),
	SPSR(SPSR_irq),
	PAT(r8_fiq, FULL32, 0, 0),
	PAT(r9_fiq, FULL32, 0, 0),
	PAT(r10_fiq, FULL32, 0, 0),
	PAT(r11_fiq, FULL32, 0, 0),
	PAT(r12_fiq, FULL32, 0, 0),
	PAT(SP_fiq, SP_MASK, 0, SET_AT_START),
	PAT(LR_fiq, FULL32, 0, 0),
	SPSR(SPSR_fiq),
	SPECIAL(SCTLR, K_SCTLR, false, SCTLR_PATTERN_MASK, SET_AT_START),
	ENUM(CPACR, K_ENUM, cpacr_vals, 0),
	PAT64(TTBR0, TTBR_PATTERN_MASK),
	PAT64(TTBR1, TTBR_PATTERN_MASK),
	PAT(TTBCR, TTBCR_PATTERN_MASK, 0, 0),
	PAT(DACR, FULL32, 0, 0),
	PAT(DFSR, DFSR_PATTERN_MASK, 0, 0),
	PAT(IFSR, IFSR_PATTERN_MASK, 0, 0),
	PAT(ADFSR, FULL32, 0, MAY_BE_RAZ),
	PAT(AIFSR, FULL32, 0, MAY_BE_RAZ),
	PAT(DFAR, FULL32, 0, 0),
	PAT(IFAR, FULL32, 0, 0),
	SPECIAL(PAR, K_PAR, true, PAR_PATTERN_MASK, 0),
	PAT(PRRR, PRRR_PATTERN_MASK, 0, 0),
	PAT(NMRR, FULL32, 0, 0),
	PAT(AMAIR0, FULL32, 0, MAY_BE_RAZ),
	PAT(AMAIR1, FULL32, 0, MAY_BE_RAZ),
	SPECIAL(VBAR, K_VBAR, false, 0, SET_AT_START),
	PAT(CONTEXTIDR, FULL32, 0, 0),
	PAT(TPIDRURW, FULL32, 0, 0),
	PAT(TPIDRURO, FULL32, 0, 0),
	PAT(TPIDRPRW, FULL32, 0, 0),
	ENUM(CSSELR, K_ENUM, csselr_vals, 0),
	PAT(TEEHBR, 0xfffffffcu, 0, MAY_BE_RAZ), /* ThumbEE handler base; absent: RAZ/WI */
	PAT(CNTKCTL, CNTKCTL_PATTERN_MASK, 0, 0),
	ENUM(CNTV_CTL, K_TCTL, cntv_ctl_vals, 0),
	SPECIAL(CNTV_CVAL, K_TCVAL, true, FULL64, 0),
	{.name = "MPIDR", .kind = K_MPIDR, .flags = IN_BOTH | SET_AT_START, .read = rd_MPIDR},
};
#define NREGS (sizeof(regs) / sizeof(regs[0]))

/* The pattern (bits deposited into a register's mask from bit 0 up):
 *   bits 5:0    owner: partition << 1 | vCPU (distinct in registers of 6 bits or more)
 *   bits 21:6   the check number (its low 16 bits)
 *   bits 29:22  the register's number, + PAT_HIGH for bits 63:32 of a 64-bit one
 * so a value found in the wrong place says whose it is. Registers with only a few valid values
 * (K_ENUM) take value (partition + check) mod their count: distinct for up to that many
 * partitions, the same in both vCPUs of one. */
#define PAT_OWNER_BITS 6u
#define PAT_CHECK_BITS 16u
#define PAT_ID_SHIFT (PAT_OWNER_BITS + PAT_CHECK_BITS)
#define PAT_ID_MASK 0xffu
#define PAT_HIGH 0x80u
#define PAT_DECODE_MIN_BITS 30u /* registers with fewer mask bits are not decoded */
_Static_assert(NREGS < PAT_HIGH, "register numbers fit below PAT_HIGH");

static uint32_t deposit(uint32_t bits, uint32_t mask)
{
	uint32_t out = 0;

	for (uint32_t m = mask; m; m &= m - 1) {
		if (bits & 1)
			out |= m & -m;
		bits >>= 1;
	}
	return out;
}

static uint32_t extract(uint32_t val, uint32_t mask)
{
	uint32_t out = 0;
	unsigned i = 0;

	for (uint32_t m = mask; m; m &= m - 1, i++)
		if (val & m & -m)
			out |= 1u << i;
	return out;
}

static unsigned popcount(uint32_t v)
{
	unsigned n = 0;

	for (; v; v &= v - 1)
		n++;
	return n;
}

/* Who is checking: this vCPU, and its state that checks compare against. */
struct ctx {
	uint32_t part, vcpu, owner;
	uint64_t start[NREGS]; /* as the vCPU started */
	bool skip[NREGS];      /* MAY_BE_RAZ registers found RAZ/WI */
	uint64_t want[NREGS];
	uint64_t got[NREGS];
	uint32_t ats_va;
};

static uint32_t packed(unsigned id, uint32_t owner, uint32_t check)
{
	return owner | (check & ((1u << PAT_CHECK_BITS) - 1)) << PAT_OWNER_BITS |
	       (id & PAT_ID_MASK) << PAT_ID_SHIFT;
}

static uint64_t pattern(unsigned i, const struct ctx *c, uint32_t check, uint64_t mask)
{
	uint32_t lo = deposit(packed(i + 1, c->owner, check), (uint32_t)mask);
	uint32_t hi = deposit(packed((i + 1) | PAT_HIGH, c->owner, check), (uint32_t)(mask >> 32));

	return (uint64_t)hi << 32 | lo;
}

/* What register i is set to in check n (spin: a spinning check). */
static uint64_t value(unsigned i, const struct ctx *c, uint32_t n, bool spin)
{
	const struct reg *r = &regs[i];

	switch (r->kind) {
	case K_LIVE:
		return pattern(i, c, n, r->mask);
	case K_CPSR:
		return (cpsr_read() & ~r->mask) | pattern(i, c, n, r->mask);
	case K_PAT:
		return (r->base & ~r->mask) | pattern(i, c, n, r->mask);
	case K_SCTLR:
		return (c->start[i] & ~r->mask) | pattern(i, c, n, r->mask);
	case K_ENUM:
		return r->vals[(c->part + n) % r->nvals];
	case K_VBAR:
		return (uintptr_t)ctxsw_vectors + VBAR_TABLE_SIZE * ((c->owner + n) % VBAR_TABLES);
	case K_PAR:
		return spin ? 0 : pattern(i, c, n, r->mask) | PAR_LPAE; /* spin: see set_all */
	case K_TCTL: /* ISTATUS is read-only: set once the spin is over, ignored when written */
		return spin ? CNTV_CTL_RW | CNTV_CTL_ISTATUS : r->vals[(c->part + n) % r->nvals];
	case K_TCVAL:
		return spin ? 0 : pattern(i, c, n, r->mask); /* spin: the deadline, set_all */
	default:					     /* K_MPIDR */
		return MPIDR_MP | c->vcpu;
	}
}

static bool checked(unsigned i, const struct ctx *c, bool spin)
{
	return !c->skip[i] && (regs[i].flags & (spin ? IN_SPIN : IN_YIELD));
}

/* Whose pattern v is, if it can be one for register i: a 32-bit register whose mask holds the
 * whole pattern, and v decodes to a register with the same mask and a check that exists. */
static bool decode(unsigned i, uint32_t v, uint32_t *part, uint32_t *vcpu, unsigned *reg,
		   uint32_t *chk)
{
	uint32_t mask = (uint32_t)regs[i].mask;
	uint32_t p = extract(v, mask);
	unsigned id = (p >> PAT_ID_SHIFT) & PAT_ID_MASK;

	if (regs[i].wide || (regs[i].kind != K_PAT && regs[i].kind != K_LIVE) ||
	    popcount(mask) < PAT_DECODE_MIN_BITS || id < 1 || id > NREGS ||
	    regs[id - 1].mask != regs[i].mask)
		return false;
	*part = (p & ((1u << PAT_OWNER_BITS) - 1)) >> 1;
	*vcpu = p & 1u;
	*reg = id - 1;
	*chk = (p >> PAT_OWNER_BITS) & ((1u << PAT_CHECK_BITS) - 1);
	return *chk <= CHECKS;
}

/* One MISMATCH line, saying whose value it found if that is a pattern. */
static void report(unsigned i, const struct ctx *c, uint32_t n)
{
	const struct reg *r = &regs[i];
	uint32_t part, vcpu, chk;
	unsigned reg;

	/* One gprintf per line: the hypervisor prints each CONSOLE_WRITE as lines of its own. */
	if (r->wide)
		gprintf("ctxsw: MISMATCH %s got 0x%016llx expected 0x%016llx in check %lu on vcpu "
			"%lu\n",
			r->name, c->got[i], c->want[i], n, c->vcpu);
	else if (decode(i, (uint32_t)c->got[i], &part, &vcpu, &reg, &chk))
		gprintf("ctxsw: MISMATCH %s got 0x%08lx expected 0x%08lx in check %lu on vcpu %lu "
			"(partition %lu vcpu %lu %s check %lu)\n",
			r->name, (uint32_t)c->got[i], (uint32_t)c->want[i], n, c->vcpu, part, vcpu,
			regs[reg].name, chk);
	else
		gprintf("ctxsw: MISMATCH %s got 0x%08lx expected 0x%08lx in check %lu on vcpu %lu\n",
			r->name, (uint32_t)c->got[i], (uint32_t)c->want[i], n, c->vcpu);
}

/* Writes check n's values into every register checked but the live ones; the values it wrote
 * are in c->want. */
static void set_all(struct ctx *c, uint32_t n, bool spin, uint64_t spin_ticks)
{
	for (unsigned i = 0; i < NREGS; i++) {
		const struct reg *r = &regs[i];

		c->want[i] = value(i, c, n, spin);
		if (!checked(i, c, spin) || !r->write)
			continue;
		if (r->kind == K_PAR && spin) {
			/* Stage 1 is off: the PA is the VA, whatever the page (B3.2.1). */
			c->ats_va = deposit(packed(i + 1, c->owner, n), ATS_VA_MASK);
			sysreg_write32(ATS1CPR, c->ats_va);
			isb();
			c->want[i] = sysreg_read64(PAR64);
			if ((c->want[i] & PAR_F) ||
			    ((uint32_t)c->want[i] & PAR_PA_LOW) != c->ats_va) {
				gprintf("ctxsw: ATS1CPR of 0x%08lx gave PAR 0x%016llx, not that page, "
					"on vcpu %lu\n",
					c->ats_va, c->want[i], c->vcpu);
				guest_stop(GUEST_EXIT_FAILED);
			}
			continue;
		}
		if (r->kind == K_TCVAL && spin)
			c->want[i] = counter_now() + spin_ticks;
		r->write(c->want[i]);
	}
	isb();
}

/* Reads every register checked but the live ones into c->got. */
static void get_all(struct ctx *c, bool spin)
{
	for (unsigned i = 0; i < NREGS; i++) {
		if (!checked(i, c, spin) || !regs[i].read)
			continue;
		c->got[i] = regs[i].read();
		if (regs[i].kind == K_TCTL && !spin)
			c->got[i] &= CNTV_CTL_RW; /* ISTATUS: whatever the pattern CVAL makes it */
	}
}

/* Check 0: every register crt0 and guest_cpu_init left alone holds Bulkhead's reset value, 0
 * (docs/architecture.md, boot registers), not another partition's or an earlier life's; MPIDR
 * names this vCPU and VBAR is the runtime's table. Returns the number of differences. */
static unsigned check_start(struct ctx *c)
{
	unsigned bad = 0;

	for (unsigned i = 0; i < NREGS; i++) {
		const struct reg *r = &regs[i];

		if (!r->read)
			continue;
		if (r->kind == K_MPIDR)
			c->want[i] = MPIDR_MP | c->vcpu;
		else if (r->kind == K_VBAR)
			c->want[i] = (uintptr_t)guest_vectors;
		else if (r->flags & SET_AT_START)
			continue;
		else
			c->want[i] = 0;
		c->got[i] = c->start[i];
		if (r->kind == K_TCTL)
			c->got[i] &= CNTV_CTL_RW; /* ISTATUS is UNKNOWN while the timer is off */
		if (c->got[i] != c->want[i]) {
			report(i, c, 0);
			bad++;
		}
	}
	return bad;
}

/* Writes check 0's values and reads each straight back: every register must keep what it was
 * given (else the masks above do not fit this core), but a MAY_BE_RAZ one that reads 0 is
 * skipped from then on (one line names them). Returns the number of registers checked. */
static unsigned probe(struct ctx *c)
{
	char skipped[80];
	size_t len = 0;
	unsigned k = 0;

	for (unsigned i = 0; i < NREGS; i++) {
		const struct reg *r = &regs[i];
		uint64_t want = value(i, c, 0, false);

		if (r->write) {
			uint64_t got;

			r->write(want);
			isb();
			got = r->read();
			if (r->kind == K_TCTL)
				got &= CNTV_CTL_RW;
			if (got == 0 && want != 0 && (r->flags & MAY_BE_RAZ)) {
				c->skip[i] = true;
				for (const char *q = r->name; *q && len < sizeof(skipped) - 2; q++)
					skipped[len++] = *q;
				skipped[len++] = ' ';
				continue;
			}
			if (got != want) {
				if (r->wide)
					gprintf("ctxsw: %s does not keep what it is written on vcpu %lu: "
						"wrote 0x%016llx, reads 0x%016llx\n",
						r->name, c->vcpu, want, got);
				else
					gprintf("ctxsw: %s does not keep what it is written on vcpu %lu: "
						"wrote 0x%08lx, reads 0x%08lx\n",
						r->name, c->vcpu, (uint32_t)want, (uint32_t)got);
				guest_stop(GUEST_EXIT_FAILED);
			}
		}
		k++;
	}
	if (len) {
		skipped[len - 1] = '\0';
		gprintf("ctxsw: RAZ/WI here, not checked on vcpu %lu: %s\n", c->vcpu, skipped);
	}
	return k;
}

/* Puts back what crt0 and guest_cpu_init set (the exception stacks, VBAR, SCTLR), so that an
 * exception after the test finds its stack. */
static void restore_start(const struct ctx *c)
{
	for (unsigned i = 0; i < NREGS; i++)
		if ((regs[i].flags & SET_AT_START) && regs[i].write)
			regs[i].write(c->start[i]);
	isb();
}

/* One check: set every register, give the CPU away, read them back. Returns the number of
 * registers that changed, each reported. */
static unsigned check(struct ctx *c, uint32_t n, bool spin, uint64_t spin_ticks)
{
	struct live in, out = {.w = {0}};
	unsigned bad = 0;

	set_all(c, n, spin, spin_ticks);
	for (unsigned i = 0; i < NREGS; i++)
		if (regs[i].kind == K_LIVE || regs[i].kind == K_CPSR)
			in.w[regs[i].live] = (uint32_t)c->want[i];
	if (spin)
		ctxsw_spin(&in, &out);
	else
		ctxsw_yield(&in, &out, c->vcpu);
	get_all(c, spin);
	for (unsigned i = 0; i < NREGS; i++) {
		if (regs[i].kind == K_LIVE || regs[i].kind == K_CPSR)
			c->got[i] = out.w[regs[i].live];
		if (checked(i, c, spin) && c->got[i] != c->want[i]) {
			report(i, c, n);
			bad++;
		}
	}
	return bad;
}

static struct ctx ctxs[GUEST_MAX_VCPUS]; /* each written only by its own vCPU */
/* Written by vCPU 1 before it turns itself off, read by vCPU 0 after. */
static volatile uint32_t vcpu1_checks;

/* The test on the calling vCPU; stops the partition (code 1) at the first bad check. Returns
 * the number of registers checked. */
static unsigned run(uint32_t vcpu)
{
	struct ctx *c = &ctxs[vcpu];
	uint64_t spin_ticks = counter_freq() / SPIN_HZ;
	unsigned k;

	c->part = bh_partition_id();
	c->vcpu = vcpu;
	c->owner = c->part << 1 | vcpu;
	for (unsigned i = 0; i < NREGS; i++)
		if (regs[i].read)
			c->start[i] = regs[i].read();
	if (check_start(c))
		guest_stop(GUEST_EXIT_FAILED);
	k = probe(c);
	for (uint32_t n = 1; n <= CHECKS; n++) {
		if (check(c, n, n % SPIN_EVERY == 0, spin_ticks)) {
			restore_start(c);
			guest_stop(GUEST_EXIT_FAILED);
		}
		if (n % REPORT_EVERY == 0 && n < CHECKS)
			gprintf("ctxsw: %lu checks on vcpu %lu\n", n, vcpu);
	}
	restore_start(c);
	return k;
}

void secondary_main(uint32_t context_id)
{
	if (context_id != SECONDARY_CTX) {
		gprintf("ctxsw: vcpu 1 started with context 0x%08lx\n", context_id);
		guest_stop(GUEST_EXIT_FAILED);
	}
	run(1);
	vcpu1_checks = CHECKS;
}

int main(void)
{
	/* vCPU 1 exists if AFFINITY_INFO knows it (OFF until started), not if it is refused. */
	bool two = psci_affinity_info(1, 0) == PSCI_AFFINITY_OFF;
	uint32_t part = bh_partition_id();
	unsigned k;

	gprintf("ctxsw: start (partition %lu, %u vCPU(s), %u checks each)\n", part, two ? 2 : 1,
		CHECKS);
	if (part > MAX_PARTITION) {
		gprintf("ctxsw: partition id %lu does not fit the pattern (at most %u)\n", part,
			MAX_PARTITION);
		return GUEST_EXIT_FAILED;
	}
	if (counter_freq() == 0) {
		gprintf("ctxsw: CNTFRQ is 0, cannot time the spins\n");
		return GUEST_EXIT_FAILED;
	}
	if (two) {
		int32_t err = psci_cpu_on(1, (uintptr_t)secondary_entry, SECONDARY_CTX);

		if (err != PSCI_SUCCESS) {
			gprintf("ctxsw: CPU_ON of vcpu 1 failed (%ld)\n", (long)err);
			return GUEST_EXIT_FAILED;
		}
	}
	k = run(0);
	if (two) {
		/* vCPU 1 stops the partition itself if its test fails. */
		while (psci_affinity_info(1, 0) != PSCI_AFFINITY_OFF) {
			bh_yield();
			cpu_relax();
		}
		if (vcpu1_checks != CHECKS) {
			gprintf("ctxsw: vcpu 1 turned off before its checks were done\n");
			return GUEST_EXIT_FAILED;
		}
	}
	gprintf("ctxsw: done %u checks, %u registers, state intact\n", CHECKS * (two ? 2u : 1u), k);
	return GUEST_EXIT_OK;
}
