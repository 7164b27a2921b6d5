/* uart: a PL011 passed through to the partition at IPA UART_BASE (its platform PA; set at build
 * time, guests/guests.mk). Reads the PL011's identification registers first: if they do not
 * identify a PL011, or the read aborts (nothing mapped there, or nothing behind the mapping), it
 * says there is none. Otherwise it writes a line straight to the UART's data register, polling
 * the transmit FIFO, and reports through the hypervisor console how many bytes it wrote.
 * Console lines: guests/README.md.
 */
#include "guests/common/console.h"
#include "guests/common/gic.h" /* mmio_read32, mmio_write32 */
#include "guests/common/guest.h"

#ifndef UART_BASE
#define UART_BASE 0x09040000u
#endif

/* PL011 registers (ARM DDI 0183G 3.2) */
#define UARTDR 0x000u
#define UARTFR 0x018u
#define UARTCR 0x030u
#define UARTPERIPHID(n) (0xfe0u + 4u * (n)) /* 0-3: one byte each, in bits [7:0] */
#define UARTPCELLID(n) (0xff0u + 4u * (n))

#define UARTFR_BUSY (1u << 3)
#define UARTFR_TXFF (1u << 5)
#define UARTCR_UARTEN (1u << 0)
#define UARTCR_TXE (1u << 8)

/* PeriphID0-3 as one word: part 0x011, designer 0x41 (ARM), revision (bits [23:20]) any,
 * configuration 0. PCellID0-3: the PrimeCell signature. */
#define PL011_PERIPH_ID 0x00041011u
#define PL011_PERIPH_MASK 0xff0fffffu
#define PRIMECELL_ID 0xb105f00du

/* Longest wait for the transmitter: 100 ms of virtual time (QEMU's PL011 is never busy). */
#define TX_TIMEOUT_DIV 10u

static const char message[] = "uart: hello through the passed-through PL011\n";

/* Written by the abort handler, read by main on the same vCPU. */
static volatile struct {
	bool hit;
	uint32_t dfsr;
} fault;

extern const char uart_probe_insn[]; /* the load in probe_read() */

/* One `ldr`, at a known address, so the handler skips exactly this instruction and no other.
 * noipa: never inlined or cloned (a second copy would redefine the label and fail the build). */
__attribute__((noipa)) static uint32_t probe_read(uintptr_t addr)
{
	uint32_t v = 0;

	__asm__ volatile(".global uart_probe_insn\n"
			 "uart_probe_insn:\n\t"
			 "ldr %0, [%1]"
			 : "+r"(v)
			 : "r"(addr)
			 : "memory");
	return v;
}

static void on_data_abort(unsigned kind, struct guest_regs *regs)
{
	if (regs->pc != (uintptr_t)uart_probe_insn)
		guest_exception_default(kind, regs); /* not the probe: a real bug, report it */
	fault.dfsr = sysreg_read32(DFSR);
	fault.hit = true;
	regs->pc += 4; /* skip the ldr (ARM state) */
}

static uint32_t uart_read(uint32_t reg)
{
	return mmio_read32(UART_BASE + reg);
}

static void uart_write(uint32_t reg, uint32_t v)
{
	mmio_write32(UART_BASE + reg, v);
}

/* The four byte-wide ID registers from `first` on, as one little-endian word. */
static uint32_t read_id(uint32_t first)
{
	uint32_t id = 0;

	for (uint32_t i = 0; i < 4; i++)
		id |= (uart_read(first + 4u * i) & 0xffu) << (8u * i);
	return id;
}

/* Waits until none of `bits` is set in UARTFR; false after the timeout. */
static bool wait_flags_clear(uint32_t bits, uint64_t timeout)
{
	uint64_t start = counter_now();

	while (uart_read(UARTFR) & bits) {
		if (counter_now() - start > timeout)
			return false;
		cpu_relax();
	}
	return true;
}

int main(void)
{
	uint64_t timeout = counter_freq() / TX_TIMEOUT_DIV;
	uint32_t periph, cell, cr;
	size_t n;

	gprintf("uart: probing 0x%08x\n", UART_BASE);

	/* The first access may abort (fault policy "inject"): catch it here. */
	guest_set_exception_handler(GUEST_EXC_DABT, on_data_abort);
	fault.hit = false;
	(void)probe_read(UART_BASE + UARTPERIPHID(0));
	guest_set_exception_handler(GUEST_EXC_DABT, NULL);
	if (fault.hit) {
		gprintf("uart: reading 0x%08x aborted (DFSR 0x%lx)\n", UART_BASE + UARTPERIPHID(0),
			fault.dfsr);
		gprintf("uart: no PL011 at 0x%08x\n", UART_BASE);
		return GUEST_EXIT_OK;
	}
	periph = read_id(UARTPERIPHID(0));
	cell = read_id(UARTPCELLID(0));
	if ((periph & PL011_PERIPH_MASK) != PL011_PERIPH_ID || cell != PRIMECELL_ID) {
		gprintf("uart: ID registers read periph 0x%08lx cell 0x%08lx\n", periph, cell);
		gprintf("uart: no PL011 at 0x%08x\n", UART_BASE);
		return GUEST_EXIT_OK;
	}

	/* Whoever had the UART before may have left it off; the baud rate is left as found. */
	cr = uart_read(UARTCR);
	if ((cr & (UARTCR_UARTEN | UARTCR_TXE)) != (UARTCR_UARTEN | UARTCR_TXE)) {
		gprintf("uart: enabling the transmitter (UARTCR was 0x%lx)\n", cr);
		uart_write(UARTCR, cr | UARTCR_UARTEN | UARTCR_TXE);
	}

	for (n = 0; n < sizeof(message) - 1; n++) {
		if (!wait_flags_clear(UARTFR_TXFF, timeout)) {
			gprintf("uart: transmit FIFO still full after %u bytes\n", n);
			return GUEST_EXIT_FAILED;
		}
		uart_write(UARTDR, (uint8_t)message[n]);
	}
	if (!wait_flags_clear(UARTFR_BUSY, timeout)) {
		gprintf("uart: still transmitting after %u bytes\n", n);
		return GUEST_EXIT_FAILED;
	}
	gprintf("uart: wrote %u bytes directly\n", n);
	return GUEST_EXIT_OK;
}
