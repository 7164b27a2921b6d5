/* ARM PrimeCell PL011 UART (DDI 0183): the hypervisor's console. Polled transmit. */
#ifndef BULKHEAD_PL011_H
#define BULKHEAD_PL011_H

#include "hyp/types.h"

/* Uses the UART at base (mapped in the HYP stage-1 map). Keeps the loader's baud rate and line
 * settings, enables transmit and receive. */
void pl011_init(uintptr_t base);

/* Writes one character, waiting while the transmit FIFO is full; "\n" is sent as is. */
void pl011_putc(char c);

#endif
