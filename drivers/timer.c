/* Generic timer access from HYP mode (ARM ARM B8.2). */
#include "drivers/timer.h"

#include "hyp/sysreg.h"

#define CNTHCTL_PL1PCTEN (1u << 0) /* PL1/PL0 may read CNTPCT */
#define CNTHCTL_PL1PCEN (1u << 1)  /* PL1/PL0 may use the physical timer */
#define CNTHCTL_EVNTEN (1u << 2)   /* event stream from the counter (wakes WFE) */
#define CNTHCTL_EVNTI(n) ((uint32_t)(n) << 4)
#define EVNTI_MAX 15
#define EVENT_STREAM_HZ 2000 /* bounds every WFE wait to about 0.5 ms */

static uint32_t freq_hz;

uint32_t timer_init(const struct platform *p)
{
	freq_hz = p->timer.freq_hz ? p->timer.freq_hz : sysreg_read32(CNTFRQ);
	timer_cpu_init();
	return freq_hz;
}

void timer_cpu_init(void)
{
	sysreg_write32(CNTHP_CTL, 0); /* hypervisor timer off until the scheduler arms it */
	/* Event stream: an event each time counter bit n flips 0->1, so a WFE wait for another
	 * CPU (which then sends SEV) can also notice a deadline passing (B8.2.3). */
	unsigned n = 0;
	while (n < EVNTI_MAX && (freq_hz >> (n + 2)) >= EVENT_STREAM_HZ)
		n++;
	/* Guests get the counter but not the physical timer: they use the virtual one. */
	sysreg_write32(CNTHCTL, CNTHCTL_PL1PCTEN | CNTHCTL_EVNTEN | CNTHCTL_EVNTI(n));
	sysreg_write64(CNTVOFF, 0);
	isb();
}

uint32_t timer_freq(void)
{
	return freq_hz;
}

uint64_t timer_now(void)
{
	isb(); /* CNTPCT reads may be speculated early (B8.1.2) */
	return sysreg_read64(CNTPCT);
}

uint64_t timer_ms(uint32_t ms)
{
	return (uint64_t)freq_hz * ms / 1000;
}
