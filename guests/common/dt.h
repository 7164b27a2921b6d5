/* The little the test guests read from their device tree: /chosen/bootargs, which selects a
 * guest's mode (fault, isolation; guests/README.md). */
#ifndef GUEST_DT_H
#define GUEST_DT_H

#include "hyp/types.h"

/* What Bulkhead reserves for a generated tree (CONFIG_GUEST_DT_SIZE): no tree it gives a guest is
 * larger. */
#define GUEST_DT_MAX 0x10000u

/* The value of /chosen/bootargs in the flattened tree at `dtb` (e.g. guest_dtb_ipa), or NULL if
 * there is no tree, it is larger than GUEST_DT_MAX or has no bootargs. Trusts the tree as far as
 * a tree Bulkhead generated can be trusted: bounds are those of its header. */
const char *guest_dt_bootargs(uintptr_t dtb);

/* Whether the NUL-terminated strings a and b are equal. */
bool guest_streq(const char *a, const char *b);

#endif
