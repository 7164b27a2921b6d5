/* The virtual console: an emulated PL011 (hyp/vuart.c) at the partition's 'vuart' IPA, for
 * guests such as Linux that want a UART rather than the console hypercall. What the guest
 * transmits is printed line by line with the partition's name as prefix, like its hypercall
 * output; the UART's interrupt is a virtual SPI of the partition's vGIC with the INTID of the
 * hypervisor's own console (the physical line is never touched).
 *
 * Locking: vconsole.lock guards the UART model and the line buffer; it is taken before the
 * partition's vGIC lock (the UART's interrupt output drives the vGIC model).
 */
#ifndef BULKHEAD_VCONSOLE_H
#define BULKHEAD_VCONSOLE_H

#include "hyp/spinlock.h"
#include "hyp/types.h"
#include "hyp/vuart.h"

#define VCONSOLE_LINE_MAX 160 /* a longer line is printed in pieces */

struct partition;

struct vconsole {
	spinlock_t lock;
	struct vuart uart;
	char line[VCONSOLE_LINE_MAX];
	size_t len;
};

/* Resets p's virtual console and, on creation, maps it at cfg->vuart_ipa on the partition's
 * MMIO bus. Does nothing for a partition without one. Returns 0 or a negative errno. */
int vconsole_init(struct partition *p);

#endif
