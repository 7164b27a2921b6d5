/* ARMv7-A long-descriptor (LPAE) translation table encoding: the bits behind lpae_stage2_fmt and
 * lpae_hyp_fmt (mm/lpae.c), and the HYP memory attribute registers those formats assume.
 *
 * References are to the ARM ARM for ARMv7-A/R (DDI 0406C): B3.6.1 long-descriptor descriptor
 * formats, B3.6.2 their attribute fields, "Long-descriptor format memory region attributes" in
 * B3.8 (MAIR/HMAIR attribute bytes) and the stage 2 memory region attributes (MemAttr), and the
 * HMAIR0/HMAIR1 register descriptions in B4.1.
 *
 * Every descriptor the walker writes is one of:
 *   absent  bits[1:0] = 00; the walker writes 0 (pages from the pool are zeroed, so a fresh table
 *           is all-absent)
 *   table   bits[1:0] = 11 at levels 1 and 2, next-level table address in bits[39:12]
 *   block   bits[1:0] = 01 at levels 1 (1 GiB, address bits[39:30]) and 2 (2 MiB, bits[39:21])
 *   page    bits[1:0] = 11 at level 3, address bits[39:12]
 * bits[1:0] = 01 at level 3 is reserved (treated as a fault by the hardware) and never written.
 */
#ifndef BULKHEAD_LPAE_H
#define BULKHEAD_LPAE_H

#include "hyp/types.h"

/* Descriptor type, bits[1:0] (B3.6.1). */
#define LPAE_VALID (1ull << 0)
#define LPAE_TYPE_MASK 0x3ull
#define LPAE_TYPE_BLOCK 0x1ull /* levels 1, 2 */
#define LPAE_TYPE_TABLE 0x3ull /* levels 1, 2 */
#define LPAE_TYPE_PAGE 0x3ull  /* level 3 */

/* Output / next-level address, bits[39:12]; blocks hold fewer address bits (B3.6.1). */
#define LPAE_PA_BITS 40u
#define LPAE_ADDR_MASK 0x000000fffffff000ull
#define LPAE_L1_BLOCK_ADDR_MASK 0x000000ffc0000000ull /* bits[39:30] */
#define LPAE_L2_BLOCK_ADDR_MASK 0x000000ffffe00000ull /* bits[39:21] */

/* Attribute fields common to stage-1 and stage-2 block/page descriptors (B3.6.2). */
#define LPAE_SH_SHIFT 8 /* shareability, bits[9:8] */
#define LPAE_SH_MASK (0x3ull << LPAE_SH_SHIFT)
#define LPAE_SH_NONE (0x0ull << LPAE_SH_SHIFT)
#define LPAE_SH_OUTER (0x2ull << LPAE_SH_SHIFT)
#define LPAE_SH_INNER (0x3ull << LPAE_SH_SHIFT)
#define LPAE_AF (1ull << 10) /* access flag; no hardware AF management in ARMv7, so always set */
#define LPAE_CONTIG (1ull << 52)
#define LPAE_XN (1ull << 54) /* execute-never */

/* Stage-2 block/page attributes (B3.6.2, "Attribute fields in stage 2 descriptors"). */
#define LPAE_S2_MEMATTR_SHIFT 2 /* MemAttr[3:0], bits[5:2] */
#define LPAE_S2_MEMATTR_MASK (0xfull << LPAE_S2_MEMATTR_SHIFT)
#define LPAE_S2_MEMATTR(x) ((uint64_t)(x) << LPAE_S2_MEMATTR_SHIFT)
/* MemAttr[3:2] = outer (00 SO/Device, 01 NC, 11 WB), MemAttr[1:0] = inner, or for outer 00:
 * 00 Strongly-ordered, 01 Device (B3.8, stage 2 memory region attributes). */
#define LPAE_S2_MEMATTR_SO 0x0u
#define LPAE_S2_MEMATTR_DEVICE 0x1u
#define LPAE_S2_MEMATTR_NORMAL_NC 0x5u
#define LPAE_S2_MEMATTR_NORMAL_WB 0xfu
#define LPAE_S2AP_SHIFT 6 /* HAP[2:1], bits[7:6] */
#define LPAE_S2AP_MASK (0x3ull << LPAE_S2AP_SHIFT)
#define LPAE_S2AP_NONE (0x0ull << LPAE_S2AP_SHIFT)
#define LPAE_S2AP_R (0x1ull << LPAE_S2AP_SHIFT) /* HAP[1]: read */
#define LPAE_S2AP_W (0x2ull << LPAE_S2AP_SHIFT) /* HAP[2]: write */
#define LPAE_S2AP_RW (LPAE_S2AP_R | LPAE_S2AP_W)

/* Stage-1 block/page attributes as used by the Non-secure PL2 (HYP) regime (B3.6.2). */
#define LPAE_S1_ATTRINDX_SHIFT 2 /* AttrIndx[2:0], bits[4:2]: byte of HMAIR0/HMAIR1 */
#define LPAE_S1_ATTRINDX_MASK (0x7ull << LPAE_S1_ATTRINDX_SHIFT)
#define LPAE_S1_ATTRINDX(i) ((uint64_t)(i) << LPAE_S1_ATTRINDX_SHIFT)
#define LPAE_S1_NS (1ull << 5)	   /* ignored in Non-secure state; written as 0 */
#define LPAE_S1_AP1 (1ull << 6)	   /* AP[1]: SBO in the HYP regime (no PL0 access to control) */
#define LPAE_S1_AP2_RO (1ull << 7) /* AP[2]: 1 = read-only, 0 = read/write */
#define LPAE_S1_NG (1ull << 11)	   /* not used by HYP (no ASIDs); written as 0 */

/* HYP memory attributes (HMAIR0/HMAIR1; each byte is a MAIR-style attribute, B3.8).
 * Only four types are used, so they all live in HMAIR0 and HMAIR1 is 0. The order puts the type
 * almost every HYP mapping uses (RAM) at index 0, then the types the MMIO mappings use. */
#define LPAE_MAIR_NORMAL_WB 0xffu /* Normal, inner/outer WB non-transient, read+write-allocate */
#define LPAE_MAIR_DEVICE 0x04u	  /* Device (ARMv8 name: Device-nGnRE) */
#define LPAE_MAIR_NORMAL_NC 0x44u /* Normal, inner/outer non-cacheable */
#define LPAE_MAIR_SO 0x00u	  /* Strongly-ordered (ARMv8: Device-nGnRnE) */

#define LPAE_HYP_IDX_NORMAL_WB 0u
#define LPAE_HYP_IDX_DEVICE 1u
#define LPAE_HYP_IDX_NORMAL_NC 2u
#define LPAE_HYP_IDX_SO 3u

#define LPAE_MAIR_ATTR(attr, idx) ((uint32_t)(attr) << (8u * ((idx) % 4u)))
#define LPAE_HMAIR0                                                                                \
	(LPAE_MAIR_ATTR(LPAE_MAIR_NORMAL_WB, LPAE_HYP_IDX_NORMAL_WB) |                             \
	 LPAE_MAIR_ATTR(LPAE_MAIR_DEVICE, LPAE_HYP_IDX_DEVICE) |                                   \
	 LPAE_MAIR_ATTR(LPAE_MAIR_NORMAL_NC, LPAE_HYP_IDX_NORMAL_NC) |                             \
	 LPAE_MAIR_ATTR(LPAE_MAIR_SO, LPAE_HYP_IDX_SO)) /* = 0x004404ff */
#define LPAE_HMAIR1 0x00000000u				/* indexes 4..7 unused */

#endif
