/* Boot entry points called from boot/entry.S, and the boot-time state other modules use. */
#ifndef BULKHEAD_BOOT_H
#define BULKHEAD_BOOT_H

#include "hyp/platform.h"
#include "mm/palloc.h"

/* Where the image and its parts ended up (physical == HYP virtual). */
struct image_layout {
	paddr_t start, text_end, rodata_end, data_end, end;
	paddr_t pool_start, pool_end;
};

void boot_primary(uint32_t dtb, uint32_t load) __noreturn;
void boot_secondary(unsigned cpu) __noreturn;

/* In boot/entry.S: sleep forever with code (BOOT_FAIL_*) in r0; for errors before a console. */
void boot_fail(unsigned code) __noreturn;

/* The C boot sequence after the MMU is on (hyp/main.c). */
void hyp_main(const void *fdt) __noreturn;

/* The platform discovered at boot (valid once hyp_main has printed its summary). */
const struct platform *hyp_platform(void);

/* The DTB the hypervisor was handed (mapped read-only; passed-through device nodes are copied
 * from it into generated guest trees). */
const void *hyp_fdt(void);

extern struct image_layout hyp_image;
extern struct palloc hyp_pool;

#endif
