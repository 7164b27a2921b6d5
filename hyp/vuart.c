/* Virtual console UART: PL011 register decode, the RX FIFO and the interrupt state. See
 * hyp/vuart.h for the model, the choices it makes and the locking rule.
 *
 * Every entry point that can change state ends in settle(), which applies the level-triggered
 * rules (RXRIS against the trigger level, RTRIS against an empty FIFO) and reports a change of
 * the interrupt output: that one function produces every ops->irq.
 */
#include "hyp/vuart.h"

#include <string.h>

/* Register offsets (TRM 3.2, Table 3-1). */
#define UARTDR 0x000u
#define UARTRSR 0x004u /* UARTECR on writes */
#define UARTFR 0x018u
#define UARTILPR 0x020u
#define UARTIBRD 0x024u
#define UARTFBRD 0x028u
#define UARTLCR_H 0x02cu
#define UARTCR 0x030u
#define UARTIFLS 0x034u
#define UARTIMSC 0x038u
#define UARTRIS 0x03cu
#define UARTMIS 0x040u
#define UARTICR 0x044u
#define UARTDMACR 0x048u
#define UARTPERIPHID0 0xfe0u /* PeriphID0-3, then PCellID0-3 at 0xff0: one byte per word */
#define UARTPCELLID0 0xff0u

/* Implemented bits of the read/write registers (TRM 3.3.4-3.3.10, 3.3.14). */
#define ILPR_MASK 0xffu
#define IBRD_MASK 0xffffu
#define FBRD_MASK 0x3fu
#define LCR_H_MASK 0xffu
#define CR_MASK 0xff87u /* [6:3] reserved, read as zero */
#define IFLS_MASK 0x3fu
#define INT_MASK 0x7ffu /* IMSC, RIS, MIS, ICR: 11 interrupts */
#define DMACR_MASK 0x7u

/* UARTDR (TRM 3.3.1). */
#define DR_DATA_MASK 0xffu

/* UARTFR (TRM 3.3.3). */
#define FR_BUSY (1u << 3)
#define FR_RXFE (1u << 4)
#define FR_TXFF (1u << 5)
#define FR_RXFF (1u << 6)
#define FR_TXFE (1u << 7)

/* UARTLCR_H (TRM 3.3.7). */
#define LCR_H_FEN (1u << 4)

/* UARTCR (TRM 3.3.8). */
#define CR_UARTEN (1u << 0)
#define CR_LBE (1u << 7)
#define CR_TXE (1u << 8)
#define CR_RXE (1u << 9)
#define CR_RESET (CR_RXE | CR_TXE)

/* UARTIFLS (TRM 3.3.9): RXIFLSEL in [5:3]; reset 1/2 for both directions. */
#define IFLS_RX_SHIFT 3
#define IFLS_SEL_MASK 7u
#define IFLS_RESET 0x12u

/* Interrupt bits of IMSC/RIS/MIS/ICR (TRM 3.3.10-3.3.13). */
#define INT_RX (1u << 4)
#define INT_TX (1u << 5)
#define INT_RT (1u << 6)

/* Identification bytes (TRM 3.3.15, 3.3.16). */
static const uint8_t periph_id[4] = {0x11, 0x10, 0x34, 0x00};
static const uint8_t pcell_id[4] = {0x0d, 0xf0, 0x05, 0xb1};

/* Receive trigger levels for RXIFLSEL b000..b100, in bytes of a 32-entry FIFO: 1/8 .. 7/8. */
static const unsigned rx_levels[] = {4, 8, 16, 24, 28};
#define RX_LEVEL_RESERVED 16u /* b101..b111 are reserved: act as the reset value, 1/2 */

static bool fifo_enabled(const struct vuart *u)
{
	return (u->lcr_h & LCR_H_FEN) != 0;
}

/* FIFO depth: 32, or a 1-byte holding register in character mode (TRM 3.3.7, FEN). */
static unsigned rx_depth(const struct vuart *u)
{
	return fifo_enabled(u) ? VUART_FIFO_DEPTH : 1u;
}

static unsigned rx_trigger_level(const struct vuart *u)
{
	unsigned sel = (u->ifls >> IFLS_RX_SHIFT) & IFLS_SEL_MASK;

	if (!fifo_enabled(u))
		return 1;
	return sel < ARRAY_SIZE(rx_levels) ? rx_levels[sel] : RX_LEVEL_RESERVED;
}

static bool rx_enabled(const struct vuart *u)
{
	return (u->cr & (CR_UARTEN | CR_RXE)) == (CR_UARTEN | CR_RXE);
}

/* Appends c; the caller has checked that the receiver is on and there is room. A received byte
 * restarts the receive timeout, which here expires at once. */
static void rx_push(struct vuart *u, uint8_t c)
{
	u->rx_fifo[(u->rx_head + u->rx_count) % VUART_FIFO_DEPTH] = c;
	u->rx_count++;
	u->ris |= INT_RT;
}

/* Removes and returns the oldest byte, or 0 if the FIFO is empty. A read that leaves data behind
 * re-arms the timeout (settle() clears RTRIS once the FIFO is empty). */
static uint8_t rx_pop(struct vuart *u)
{
	uint8_t c;

	if (u->rx_count == 0)
		return 0;
	c = u->rx_fifo[u->rx_head];
	u->rx_head = (u->rx_head + 1) % VUART_FIFO_DEPTH;
	u->rx_count--;
	if (u->rx_count != 0)
		u->ris |= INT_RT;
	return c;
}

/* End of every state-changing call: RXRIS is set on the fill reaching the trigger level and
 * cleared below it; RTRIS is cleared by an empty FIFO; then the output is reported if it moved. */
static void settle(struct vuart *u)
{
	bool at_level = u->rx_count >= rx_trigger_level(u);
	bool level;

	if (!at_level)
		u->ris &= ~INT_RX;
	else if (!u->rx_at_level)
		u->ris |= INT_RX;
	u->rx_at_level = at_level;
	if (u->rx_count == 0)
		u->ris &= ~INT_RT;

	level = (u->ris & u->imsc) != 0;
	if (level == u->irq_level)
		return;
	u->irq_level = level;
	if (u->ops && u->ops->irq)
		u->ops->irq(u->ctx, level);
}

/* A byte written to UARTDR: it passes through the (otherwise empty) TX FIFO at once, which drops
 * the FIFO to or below every trigger level: TXRIS. */
static void transmit(struct vuart *u, uint8_t c)
{
	u->ris |= INT_TX;
	if (u->cr & CR_LBE) {
		if (rx_enabled(u) && u->rx_count < rx_depth(u))
			rx_push(u, c);
		return;
	}
	if (u->ops && u->ops->tx)
		u->ops->tx(u->ctx, c);
}

static uint32_t flags(const struct vuart *u)
{
	uint32_t fr = FR_TXFE;

	if (u->rx_count == 0)
		fr |= FR_RXFE;
	if (u->rx_count >= rx_depth(u))
		fr |= FR_RXFF;
	return fr;
}

/* Register value at a word offset; pops the RX FIFO for UARTDR. */
static uint32_t read_reg(struct vuart *u, uint32_t off)
{
	switch (off) {
	case UARTDR:
		return rx_pop(u);
	case UARTFR:
		return flags(u);
	case UARTILPR:
		return u->ilpr;
	case UARTIBRD:
		return u->ibrd;
	case UARTFBRD:
		return u->fbrd;
	case UARTLCR_H:
		return u->lcr_h;
	case UARTCR:
		return u->cr;
	case UARTIFLS:
		return u->ifls;
	case UARTIMSC:
		return u->imsc;
	case UARTRIS:
		return u->ris;
	case UARTMIS:
		return u->ris & u->imsc;
	case UARTDMACR:
		return u->dmacr;
	default:
		break;
	}
	if (off >= UARTPERIPHID0 && off < UARTPCELLID0)
		return periph_id[(off - UARTPERIPHID0) / 4];
	if (off >= UARTPCELLID0 && off < VUART_FRAME_SIZE)
		return pcell_id[(off - UARTPCELLID0) / 4];
	return 0; /* UARTRSR (no errors), UARTICR (write-only), reserved, test registers */
}

static void write_reg(struct vuart *u, uint32_t off, uint32_t val)
{
	switch (off) {
	case UARTDR:
		transmit(u, (uint8_t)(val & DR_DATA_MASK));
		break;
	case UARTILPR:
		u->ilpr = val & ILPR_MASK;
		break;
	case UARTIBRD:
		u->ibrd = val & IBRD_MASK;
		break;
	case UARTFBRD:
		u->fbrd = val & FBRD_MASK;
		break;
	case UARTLCR_H:
		u->lcr_h = val & LCR_H_MASK;
		break;
	case UARTCR:
		u->cr = val & CR_MASK;
		break;
	case UARTIFLS:
		u->ifls = val & IFLS_MASK;
		break;
	case UARTIMSC:
		u->imsc = val & INT_MASK;
		break;
	case UARTICR:
		u->ris &= ~(val & INT_MASK);
		break;
	case UARTDMACR:
		u->dmacr = val & DMACR_MASK;
		break;
	default:
		break; /* UARTECR (nothing to clear), read-only registers, reserved */
	}
}

/* Mask of the low `size` bytes, or 0 if the access does not reach a register: sizes 1, 2 and 4
 * at a word offset inside the frame (see hyp/vuart.h, Access sizes). */
static uint32_t access_mask(uint64_t offset, unsigned size)
{
	if (offset >= VUART_FRAME_SIZE || (offset & 3u) != 0)
		return 0;
	switch (size) {
	case 1:
		return 0xffu;
	case 2:
		return 0xffffu;
	case 4:
		return 0xffffffffu;
	default:
		return 0;
	}
}

void vuart_init(struct vuart *u, const struct vuart_ops *ops, void *ctx)
{
	memset(u, 0, sizeof(*u));
	u->ops = ops;
	u->ctx = ctx;
	u->cr = CR_RESET;
	u->ifls = IFLS_RESET;
}

int vuart_mmio_read(struct vuart *u, uint64_t offset, unsigned size, uint32_t *val)
{
	uint32_t mask = access_mask(offset, size);

	*val = 0;
	if (!mask)
		return 0;
	*val = read_reg(u, (uint32_t)offset) & mask;
	settle(u);
	return 0;
}

int vuart_mmio_write(struct vuart *u, uint64_t offset, unsigned size, uint32_t val)
{
	uint32_t mask = access_mask(offset, size);

	if (!mask)
		return 0;
	write_reg(u, (uint32_t)offset, val & mask);
	settle(u);
	return 0;
}

unsigned vuart_rx_room(const struct vuart *u)
{
	unsigned depth = rx_depth(u);

	if (!rx_enabled(u) || (u->cr & CR_LBE) || u->rx_count >= depth)
		return 0;
	return depth - u->rx_count;
}

bool vuart_rx(struct vuart *u, uint8_t c)
{
	if (vuart_rx_room(u) == 0)
		return false;
	rx_push(u, c);
	settle(u);
	return true;
}

bool vuart_irq_level(const struct vuart *u)
{
	return u->irq_level;
}
