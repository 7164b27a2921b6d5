/* PL011 UART driver: polled transmit for the console (DDI 0183, 3.3 register summary). */
#include "drivers/pl011.h"

#include "hyp/io.h"

#define UARTDR 0x000
#define UARTFR 0x018
#define UARTCR 0x030
#define UARTIMSC 0x038

#define FR_TXFF (1u << 5) /* transmit FIFO full */
#define CR_UARTEN (1u << 0)
#define CR_TXE (1u << 8)
#define CR_RXE (1u << 9)

static uintptr_t uart_base;

void pl011_init(uintptr_t base)
{
	uart_base = base;
	mmio_write32(base + UARTIMSC, 0); /* polled until the RX interrupt path exists */
	mmio_write32(base + UARTCR, mmio_read32(base + UARTCR) | CR_UARTEN | CR_TXE | CR_RXE);
}

void pl011_putc(char c)
{
	/* yield: under QEMU -icount a tight spin would starve the other CPUs. */
	while (mmio_read32(uart_base + UARTFR) & FR_TXFF)
		__asm__ volatile("yield");
	mmio_write32(uart_base + UARTDR, (uint8_t)c);
}
