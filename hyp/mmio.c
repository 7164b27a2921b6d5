/* MMIO emulation: stage-2 data abort syndrome decode and the per-partition device registry.
 * See hyp/mmio.h for the contract and the locking rule.
 */
#include "hyp/mmio.h"

#include <errno.h>

#include "hyp/assert.h"

/* HSR layout for a data abort (ARM ARM ARMv7 B3.13.6, "ISS encoding for a Data Abort exception
 * taken to Hyp mode"). ISS bit 20 is reserved on ARMv7 (SRT is 4 bits, unlike AArch64's SRT). */
#define HSR_EC_SHIFT 26
#define HSR_EC_MASK 0x3fu
#define HSR_EC_DABT_LOWER 0x24u /* data abort from a lower exception level (PL1/PL0) */
#define HSR_IL (1u << 25)	/* instruction length: 1 = 32-bit */
#define HSR_ISV (1u << 24)	/* ISS bits [23:16] hold a valid instruction syndrome */
#define HSR_SAS_SHIFT 22	/* syndrome access size */
#define HSR_SAS_MASK 0x3u
#define HSR_SSE (1u << 21) /* syndrome sign extend */
#define HSR_SRT_SHIFT 16   /* syndrome register transfer: Rt */
#define HSR_SRT_MASK 0xfu
#define HSR_EA (1u << 9)    /* external abort type */
#define HSR_CM (1u << 8)    /* fault came from a cache maintenance operation */
#define HSR_S1PTW (1u << 7) /* stage-2 fault on a stage-1 translation table walk */
#define HSR_WNR (1u << 6)   /* write, not read */
#define HSR_DFSC_MASK 0x3fu

#define SAS_BYTE 0u
#define SAS_HALFWORD 1u
#define SAS_WORD 2u /* 0b11 is reserved in ARMv7: no doubleword syndrome */

#define REG_PC 15u

/* HPFAR (B4.1.77): FIPA, IPA[39:12], sits in bits [31:4]; bits [3:0] are reserved and the
 * shift drops them. */
#define HPFAR_FIPA_SHIFT 4

/* Long-descriptor fault status codes (B3.13.3): bits [5:2] give the class, LL = bits [1:0] the
 * lookup level where the class has one. */
#define DFSC_CLASS(dfsc) ((dfsc) >> 2)
#define DFSC_LEVEL(dfsc) ((dfsc)&3u)
#define DFSC_CLASS_TRANSLATION 0x1u /* 0b0001LL */
#define DFSC_CLASS_ACCESS_FLAG 0x2u /* 0b0010LL */
#define DFSC_CLASS_PERMISSION 0x3u  /* 0b0011LL */

/* Only the faults that a missing or restricted stage-2 entry produces are emulatable: the access
 * itself never reached a device, so performing it in software is all the guest can observe.
 * Level 0 does not exist in the AArch32 long-descriptor walk, so LL == 0b00 is reserved. */
static bool dfsc_is_emulatable(unsigned dfsc)
{
	unsigned cls = DFSC_CLASS(dfsc);

	if (DFSC_LEVEL(dfsc) == 0)
		return false;
	return cls == DFSC_CLASS_TRANSLATION || cls == DFSC_CLASS_ACCESS_FLAG ||
	       cls == DFSC_CLASS_PERMISSION;
}

/* The IPA comes from two registers. HPFAR holds only the page (IPA[39:12]); HDFAR holds the
 * guest's virtual address, whose low 12 bits equal the IPA's because no stage-1 translation
 * granule is smaller than 4KB. So a fault at VA 0x8000_1234 that stage 1 put in IPA page
 * 0x1c09_0000 is IPA 0x1c09_0234.
 * HPFAR is meaningful only for a stage-2 fault, which is what the DFSC classes accepted above
 * are. Porting note: some later cores can report it UNKNOWN for stage-2 permission faults
 * (Cortex-A57 erratum 834220), where KVM and Xen recover the IPA with an address-translation
 * instruction instead. */
static ipa_t fault_ipa(uint32_t hdfar, uint32_t hpfar)
{
	uint64_t page = hpfar >> HPFAR_FIPA_SHIFT;

	return (page << PAGE_SHIFT) | (hdfar & (uint32_t)PAGE_MASK);
}

int mmio_decode(uint32_t hsr, uint32_t hdfar, uint32_t hpfar, struct mmio_access *a)
{
	unsigned sas = (hsr >> HSR_SAS_SHIFT) & HSR_SAS_MASK;
	unsigned srt = (hsr >> HSR_SRT_SHIFT) & HSR_SRT_MASK;

	ASSERT(((hsr >> HSR_EC_SHIFT) & HSR_EC_MASK) == HSR_EC_DABT_LOWER);

	*a = (struct mmio_access){.ipa = fault_ipa(hdfar, hpfar)};

	/* Checked before ISV: an external abort or a fault on the stage-1 walk is not an access
	 * to emulate whatever the syndrome says, and the caller's message should say why. */
	if (hsr & (HSR_EA | HSR_CM | HSR_S1PTW))
		return -EINVAL;
	if (!dfsc_is_emulatable(hsr & HSR_DFSC_MASK))
		return -EINVAL;
	/* Without ISV, bits [23:16] are UNKNOWN: size and register must come from the instruction.
	 * The hardware reports ISV == 0 for multi-register transfers (LDM/STM, LDRD/STRD), for
	 * loads/stores with base writeback and for coprocessor/VFP transfers (VLDR, LDC). */
	if (!(hsr & HSR_ISV))
		return -ENOSYS;
	if (sas > SAS_WORD)
		return -EINVAL;
	/* A load into the PC is a branch (with interworking), and storing the PC is deprecated in
	 * ARM state and UNPREDICTABLE in Thumb; no device driver does either, so neither is
	 * emulated (and struct mmio_access promises a reg the caller can index r0..r14 with). */
	if (srt == REG_PC)
		return -EINVAL;

	a->size = 1u << sas;
	a->write = (hsr & HSR_WNR) != 0;
	/* SSE is meaningful only for loads narrower than the register; a word load or any store
	 * has nothing to extend. */
	a->sign_extend = !a->write && sas != SAS_WORD && (hsr & HSR_SSE) != 0;
	a->reg = srt;
	/* IL tells the caller how far to advance the PC: a 16-bit Thumb load/store (IL == 0) is 2
	 * bytes long; ARM and 32-bit Thumb instructions are 4. */
	a->il32 = (hsr & HSR_IL) != 0;
	return 0;
}

/* Names for HSR.DFSC, which always uses the long-descriptor encoding (B3.13.3), whatever format
 * the guest's stage 1 uses; unnamed entries are reserved. LL == 0b00 (level 0) is reserved for
 * the walk faults: an AArch32 long-descriptor walk starts at level 1. Domain faults appear here
 * only when a short-descriptor stage 1 fault is reported to Hyp mode (HCR.TGE), hence levels 1
 * and 2. */
static const char *const dfsc_names[HSR_DFSC_MASK + 1] = {
	[0x00] = "address size fault",
	[0x05] = "translation fault level 1",
	[0x06] = "translation fault level 2",
	[0x07] = "translation fault level 3",
	[0x09] = "access flag fault level 1",
	[0x0a] = "access flag fault level 2",
	[0x0b] = "access flag fault level 3",
	[0x0d] = "permission fault level 1",
	[0x0e] = "permission fault level 2",
	[0x0f] = "permission fault level 3",
	[0x10] = "synchronous external abort",
	[0x11] = "asynchronous external abort",
	[0x15] = "synchronous external abort on table walk level 1",
	[0x16] = "synchronous external abort on table walk level 2",
	[0x17] = "synchronous external abort on table walk level 3",
	[0x18] = "synchronous parity error",
	[0x19] = "asynchronous parity error",
	[0x1d] = "synchronous parity error on table walk level 1",
	[0x1e] = "synchronous parity error on table walk level 2",
	[0x1f] = "synchronous parity error on table walk level 3",
	[0x21] = "alignment fault",
	[0x22] = "debug event",
	[0x30] = "TLB conflict abort",
	[0x34] = "lockdown abort (implementation defined)",
	[0x35] = "exclusive access abort (implementation defined)",
	[0x3a] = "coprocessor abort (implementation defined)",
	[0x3d] = "domain fault level 1",
	[0x3e] = "domain fault level 2",
};

const char *mmio_dfsc_name(unsigned dfsc)
{
	const char *name = dfsc_names[dfsc & HSR_DFSC_MASK];

	return name ? name : "reserved fault status";
}

/* All-ones in the low `size` bytes. */
static uint32_t size_mask(unsigned size)
{
	ASSERT(size == 1 || size == 2 || size == 4);
	return size == 4 ? UINT32_MAX : (1u << (8 * size)) - 1;
}

uint32_t mmio_load_value(const struct mmio_access *a, uint32_t raw)
{
	uint32_t v = raw & size_mask(a->size);

	if (a->sign_extend && a->size < 4) {
		/* (v ^ sign) - sign copies the sign bit upwards in unsigned arithmetic, with no
		 * implementation-defined narrowing conversion. */
		uint32_t sign = 1u << (8 * a->size - 1);

		v = (v ^ sign) - sign;
	}
	return v;
}

uint32_t mmio_store_value(const struct mmio_access *a, uint32_t reg_value)
{
	return reg_value & size_mask(a->size);
}

int mmio_register(struct mmio_bus *bus, const struct mmio_region *r)
{
	const uint64_t ipa_limit = 1ull << MMIO_IPA_BITS;

	ASSERT(r->read && r->write && r->name);
	ASSERT(bus->nr <= MMIO_MAX_REGIONS);

	/* Written as subtractions so that base + size is never computed when it would wrap. */
	if (r->size == 0 || r->base >= ipa_limit || r->size > ipa_limit - r->base)
		return -EINVAL;
	for (unsigned i = 0; i < bus->nr; i++) {
		const struct mmio_region *o = &bus->regions[i];

		if (ranges_overlap(r->base, r->size, o->base, o->size))
			return -EEXIST;
	}
	if (bus->nr == MMIO_MAX_REGIONS)
		return -ENOSPC;

	bus->regions[bus->nr++] = *r;
	return 0;
}

const struct mmio_region *mmio_find(const struct mmio_bus *bus, ipa_t ipa, unsigned size)
{
	ASSERT(size != 0);

	for (unsigned i = 0; i < bus->nr; i++) {
		const struct mmio_region *r = &bus->regions[i];

		/* off is the offset into the region; for an ipa below base it wraps to a value
		 * above any region size. Comparing sizes rather than end addresses never computes
		 * an address that could wrap. */
		uint64_t off = ipa - r->base;

		if (off < r->size && size <= r->size - off)
			return r;
	}
	return NULL;
}

__no_stack_protector int mmio_dispatch(const struct mmio_bus *bus, const struct mmio_access *a,
				       uint32_t *regval)
{
	const struct mmio_region *r = mmio_find(bus, a->ipa, a->size);
	uint64_t offset;
	uint32_t raw = 0;
	int ret;

	if (!r)
		return -ENOENT;
	if (!IS_ALIGNED(a->ipa, a->size))
		return -EINVAL;

	offset = a->ipa - r->base;
	if (a->write)
		return r->write(r->dev, offset, a->size, mmio_store_value(a, *regval));

	ret = r->read(r->dev, offset, a->size, &raw);
	if (ret == 0)
		*regval = mmio_load_value(a, raw);
	return ret;
}
