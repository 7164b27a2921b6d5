/* MMIO emulation: decode of a guest's stage-2 data abort and the per-partition registry of
 * emulated devices that serves it.
 *
 * Flow: trap.c sees HSR.EC == 0x24 (data abort from a lower exception level), calls
 * mmio_decode() with HSR, HDFAR and HPFAR, then mmio_dispatch() on the partition's bus. On a
 * read it writes the returned value into the guest's register a->reg; on success of either
 * direction it advances the guest PC by 4 (a->il32) or 2 (a 16-bit Thumb instruction) and, in
 * Thumb state, advances ITSTATE. All of that, and the console line for a failure, is the caller's.
 *
 * Endianness: little-endian only. Values travel as the low `size` bytes of a 32-bit register.
 * A guest running with CPSR.E == 1 (big-endian data) would expect the bytes swapped; the caller
 * checks CPSR.E and refuses (or swaps) before calling mmio_dispatch(); nothing here looks at it.
 *
 * Arch-neutral: no hardware access; builds for the host and is tested in tests/unit/test_mmio.c.
 *
 * Locking: a bus is filled with mmio_register() while its partition is created, before any of
 * its vCPUs runs, and is never changed afterwards (a restart reuses it). Trap handlers on any CPU
 * read it with no lock. Device callbacks may run concurrently on several CPUs (one per vCPU of
 * the partition) with interrupts masked: each device model guards its own state.
 */
#ifndef BULKHEAD_MMIO_H
#define BULKHEAD_MMIO_H

#include "hyp/types.h"

/* One decoded guest access. Filled by mmio_decode(). */
struct mmio_access {
	ipa_t ipa;	  /* faulting IPA: address of the first byte accessed */
	unsigned size;	  /* bytes: 1, 2 or 4 */
	bool write;	  /* store (true) or load */
	bool sign_extend; /* load of 1 or 2 bytes into a register, sign-extended (LDRSB/LDRSH) */
	unsigned reg;	  /* guest general-purpose register Rt: 0..14 */
	bool il32;	  /* 32-bit instruction (ARM or 32-bit Thumb); false: 16-bit Thumb */
};

/* Decodes the syndrome of a stage-2 data abort (HSR.EC must be 0x24: ARM ARM B3.13.6).
 * hdfar and hpfar are the HDFAR and HPFAR read in the same trap. a->ipa is always set, so the
 * caller can name the IPA in its message even when decoding fails; the other fields are valid
 * only on 0.
 * Returns 0; -ENOSYS if HSR.ISV == 0 (no instruction syndrome: LDM/STM, LDRD/STRD, accesses with
 * writeback, ...; emulating those would need the instruction itself, which Bulkhead does not
 * fetch: the caller reports the access); -EINVAL if the access cannot be emulated: reserved size
 * (SAS == 0b11), Rt == r15, a fault other than a level 1-3 translation, access flag or
 * permission fault, or an external abort, cache maintenance or stage-1 table walk (EA, CM,
 * S1PTW). */
int mmio_decode(uint32_t hsr, uint32_t hdfar, uint32_t hpfar, struct mmio_access *a);

/* Human-readable name of a data fault status code in the long-descriptor (LPAE) format used by
 * HSR.DFSC, e.g. "translation fault level 2". Only the low 6 bits of dfsc are used. Never NULL:
 * codes the architecture does not define read "reserved fault status". */
const char *mmio_dfsc_name(unsigned dfsc);

/* Value a load leaves in the destination register, given the raw value read from the device:
 * the low a->size bytes of raw, sign-extended from bit (8 * size - 1) if a->sign_extend, else
 * zero-extended (the ARM ARM LDRB/LDRH/LDRSB/LDRSH semantics). */
uint32_t mmio_load_value(const struct mmio_access *a, uint32_t raw);

/* Value a store of register contents reg_value writes: its low a->size bytes (STRB/STRH/STR). */
uint32_t mmio_store_value(const struct mmio_access *a, uint32_t reg_value);

/* An emulated device window of one partition, [base, base + size) in IPA space.
 * read/write are called with the offset from base (a multiple of size, which is 1, 2 or 4) and
 * return 0 or a negative error code; a read stores the value in its low `size` bytes of *val
 * (higher bits are ignored); a write gets the value zero-extended. Both callbacks are required;
 * a device with read-only registers ignores the write itself. name is used in console lines. */
struct mmio_region {
	ipa_t base;
	uint64_t size;
	int (*read)(void *dev, uint64_t offset, unsigned size, uint32_t *val);
	int (*write)(void *dev, uint64_t offset, unsigned size, uint32_t val);
	void *dev;
	const char *name;
};

/* Regions per partition: the vGIC distributor, a console UART and a few spares. Raising it only
 * costs memory: lookup is a linear scan, which stays cheaper than sorting at this size. */
#define MMIO_MAX_REGIONS 8

/* Highest IPA width a stage-2 translation can take (LPAE: 40 bits, VTCR.T0SZ). Regions must lie
 * below 2^MMIO_IPA_BITS, since no guest access can reach beyond it. */
#define MMIO_IPA_BITS 40

/* A partition's emulated devices. A zero-initialised bus is empty. Immutable once the partition
 * runs (see the locking rule above). regions[0 .. nr - 1] are in registration order and never
 * overlap. */
struct mmio_bus {
	struct mmio_region regions[MMIO_MAX_REGIONS];
	unsigned nr;
};

/* Adds a copy of *r to bus. r->read, r->write and r->name must be set (asserted).
 * Returns 0; -EINVAL if r->size is 0, base + size wraps or the region ends above
 * 2^MMIO_IPA_BITS; -EEXIST if it overlaps a registered region; -ENOSPC if the bus already holds
 * MMIO_MAX_REGIONS regions. On error the bus is unchanged. Partition creation only. */
int mmio_register(struct mmio_bus *bus, const struct mmio_region *r);

/* The region that contains every byte of [ipa, ipa + size), or NULL if there is none (nothing
 * there, or the access straddles a region's start or end). size must be non-zero. */
const struct mmio_region *mmio_find(const struct mmio_bus *bus, ipa_t ipa, unsigned size);

/* Performs the decoded access a on bus.
 * Read: calls the region's read callback and stores in *regval the value to put into guest
 * register a->reg (truncated and sign-extended by mmio_load_value()).
 * Write: *regval holds the contents of guest register a->reg; the region's write callback gets
 * mmio_store_value() of it.
 * Returns 0; -ENOENT if no region contains the whole access; -EINVAL if the access is not
 * naturally aligned (ipa not a multiple of size: the architecture faults unaligned accesses to
 * Device memory at stage 1, so only a guest that maps MMIO as Normal memory gets here, and no
 * device register is laid out for it); otherwise the callback's return value. *regval is
 * written only on a successful read. */
int mmio_dispatch(const struct mmio_bus *bus, const struct mmio_access *a, uint32_t *regval);

#endif
