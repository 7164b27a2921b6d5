/* ARM generic timer (ARM ARM B8): the system counter, and CNTHP, the hypervisor's own timer. */
#ifndef BULKHEAD_TIMER_H
#define BULKHEAD_TIMER_H

#include "hyp/platform.h"

/* Frequency from the DT's clock-frequency if present (firmware that did not program CNTFRQ),
 * else CNTFRQ. Returns the frequency in Hz; 0 means neither is usable. */
uint32_t timer_init(const struct platform *p);

/* This CPU's banked timer controls: CNTHP off, guests get the counter, CNTVOFF 0. */
void timer_cpu_init(void);

uint32_t timer_freq(void);

/* Physical count (CNTPCT). */
uint64_t timer_now(void);

/* Ticks in ms milliseconds at the timer frequency. */
uint64_t timer_ms(uint32_t ms);

#endif
