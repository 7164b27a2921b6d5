/* Host tests for hyp/vuart.c: reset values and identification, register masks and access sizes,
 * transmit and loopback, the TX/RX/timeout interrupt rules, the interrupt output and its
 * callbacks, simulations of Linux's amba-pl011 driver (earlycon, interrupt-driven TX, RX) against
 * the model, and a randomized run that checks the model's invariants against a reference FIFO.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hyp/vuart.h"

/* Register offsets and bits written out here from the TRM (DDI 0183G, 3.2-3.3) rather than taken
 * from vuart.c, so that a wrong constant in the model cannot be mirrored by the test. */
#define T_DR 0x000u
#define T_RSR 0x004u
#define T_FR 0x018u
#define T_ILPR 0x020u
#define T_IBRD 0x024u
#define T_FBRD 0x028u
#define T_LCR_H 0x02cu
#define T_CR 0x030u
#define T_IFLS 0x034u
#define T_IMSC 0x038u
#define T_RIS 0x03cu
#define T_MIS 0x040u
#define T_ICR 0x044u
#define T_DMACR 0x048u

#define T_FR_CTS (1u << 0)
#define T_FR_DSR (1u << 1)
#define T_FR_DCD (1u << 2)
#define T_FR_BUSY (1u << 3)
#define T_FR_RXFE (1u << 4)
#define T_FR_TXFF (1u << 5)
#define T_FR_RXFF (1u << 6)
#define T_FR_TXFE (1u << 7)
#define T_FR_RI (1u << 8)

#define T_LCR_H_FEN (1u << 4)
#define T_LCR_H_WLEN8 (3u << 5)

#define T_CR_UARTEN (1u << 0)
#define T_CR_LBE (1u << 7)
#define T_CR_TXE (1u << 8)
#define T_CR_RXE (1u << 9)
#define T_CR_DTR (1u << 10)
#define T_CR_RTS (1u << 11)
#define T_CR_ON (T_CR_UARTEN | T_CR_TXE | T_CR_RXE)

#define T_INT_RX (1u << 4)
#define T_INT_TX (1u << 5)
#define T_INT_RT (1u << 6)
#define T_INT_FE (1u << 7)
#define T_INT_PE (1u << 8)
#define T_INT_BE (1u << 9)
#define T_INT_OE (1u << 10)

/* ------------------------------------------------------------------------------------------ */
/* Recording ops                                                                              */

#define MAX_TX 8192
#define MAX_EVENTS 256

struct rec {
	uint8_t tx[MAX_TX];
	size_t ntx;
	bool line;		 /* interrupt output as the callbacks reported it */
	unsigned raises;	 /* irq(true) calls */
	unsigned lowers;	 /* irq(false) calls */
	bool redundant;		 /* an irq call that did not change the level */
	char events[MAX_EVENTS]; /* 't' tx, 'H' irq(true), 'L' irq(false), in call order */
	size_t nevents;
};

static void rec_event(struct rec *r, char e)
{
	if (r->nevents < MAX_EVENTS)
		r->events[r->nevents++] = e;
}

static void rec_tx(void *ctx, uint8_t c)
{
	struct rec *r = ctx;

	assert_true(r->ntx < MAX_TX);
	r->tx[r->ntx++] = c;
	rec_event(r, 't');
}

static void rec_irq(void *ctx, bool level)
{
	struct rec *r = ctx;

	if (level == r->line)
		r->redundant = true;
	r->line = level;
	if (level)
		r->raises++;
	else
		r->lowers++;
	rec_event(r, level ? 'H' : 'L');
}

static const struct vuart_ops rec_ops = {.tx = rec_tx, .irq = rec_irq};

struct t {
	struct vuart u;
	struct rec r;
};

static void t_init(struct t *t)
{
	memset(t, 0, sizeof(*t));
	vuart_init(&t->u, &rec_ops, &t->r);
}

static uint32_t rdn(struct vuart *u, uint64_t off, unsigned size)
{
	uint32_t v = 0xdeadbeef;

	assert_int_equal(vuart_mmio_read(u, off, size, &v), 0);
	return v;
}

static uint32_t rd(struct vuart *u, uint64_t off)
{
	return rdn(u, off, 4);
}

static void wrn(struct vuart *u, uint64_t off, unsigned size, uint32_t val)
{
	assert_int_equal(vuart_mmio_write(u, off, size, val), 0);
}

static void wr(struct vuart *u, uint64_t off, uint32_t val)
{
	wrn(u, off, 4, val);
}

/* UART, transmitter and receiver on, FIFOs enabled, 8 bits: what Linux leaves after open. */
static void t_enable(struct t *t)
{
	wr(&t->u, T_LCR_H, T_LCR_H_FEN | T_LCR_H_WLEN8);
	wr(&t->u, T_CR, T_CR_ON);
}

/* Every register a read does not change (all but UARTDR), for before/after comparisons. */
static const uint32_t readable_regs[] = {T_RSR,	 T_FR,	 T_ILPR, T_IBRD, T_FBRD, T_LCR_H, T_CR,
					 T_IFLS, T_IMSC, T_RIS,	 T_MIS,	 T_ICR,	 T_DMACR};

static void snapshot(struct vuart *u, uint32_t out[ARRAY_SIZE(readable_regs)])
{
	for (size_t i = 0; i < ARRAY_SIZE(readable_regs); i++)
		out[i] = rd(u, readable_regs[i]);
}

/* ------------------------------------------------------------------------------------------ */
/* Reset, identification, register masks                                                     */

static void test_reset_values(void **state)
{
	struct t t;

	(void)state;
	memset(&t.u, 0xa5, sizeof(t.u)); /* init must not depend on prior contents */
	memset(&t.r, 0, sizeof(t.r));
	vuart_init(&t.u, &rec_ops, &t.r);

	assert_int_equal(rd(&t.u, T_RSR), 0);
	assert_int_equal(rd(&t.u, T_FR), 0x90);
	assert_int_equal(rd(&t.u, T_ILPR), 0);
	assert_int_equal(rd(&t.u, T_IBRD), 0);
	assert_int_equal(rd(&t.u, T_FBRD), 0);
	assert_int_equal(rd(&t.u, T_LCR_H), 0);
	assert_int_equal(rd(&t.u, T_CR), 0x300);
	assert_int_equal(rd(&t.u, T_IFLS), 0x12);
	assert_int_equal(rd(&t.u, T_IMSC), 0);
	assert_int_equal(rd(&t.u, T_RIS), 0);
	assert_int_equal(rd(&t.u, T_MIS), 0);
	assert_int_equal(rd(&t.u, T_ICR), 0);
	assert_int_equal(rd(&t.u, T_DMACR), 0);
	assert_int_equal(rd(&t.u, T_DR), 0); /* empty FIFO */
	assert_false(vuart_irq_level(&t.u));
	assert_int_equal(vuart_rx_room(&t.u), 0); /* UARTEN clear at reset */
	assert_int_equal(t.r.nevents, 0);
}

static void test_id_registers(void **state)
{
	static const uint32_t expect[8] = {0x11, 0x10, 0x34, 0x00, 0x0d, 0xf0, 0x05, 0xb1};
	struct t t;
	uint32_t periphid = 0, cellid = 0;

	(void)state;
	t_init(&t);
	for (unsigned i = 0; i < 8; i++) {
		uint32_t off = 0xfe0u + 4 * i;

		assert_int_equal(rd(&t.u, off), expect[i]);
		assert_int_equal(rdn(&t.u, off, 1), expect[i]);
		assert_int_equal(rdn(&t.u, off, 2), expect[i]);
		wr(&t.u, off, 0xffffffffu); /* read-only */
		assert_int_equal(rd(&t.u, off), expect[i]);
	}
	/* As Linux's AMBA bus assembles them: the low byte of each word. */
	for (unsigned i = 0; i < 4; i++) {
		periphid |= (rd(&t.u, 0xfe0u + 4 * i) & 0xffu) << (8 * i);
		cellid |= (rd(&t.u, 0xff0u + 4 * i) & 0xffu) << (8 * i);
	}
	assert_int_equal(periphid, 0x00341011);
	assert_int_equal(cellid, 0xb105f00d);
	assert_int_equal((periphid >> 20) & 0xf, 3); /* amba_rev() = 3: Linux uses 32 entries */
	assert_int_equal(t.r.nevents, 0);
}

static void test_register_masks(void **state)
{
	static const struct {
		uint32_t off, mask;
	} rw[] = {
		{T_ILPR, 0xff}, {T_IBRD, 0xffff}, {T_FBRD, 0x3f},  {T_LCR_H, 0xff},
		{T_CR, 0xff87}, {T_IFLS, 0x3f},	  {T_IMSC, 0x7ff}, {T_DMACR, 0x7},
	};
	struct t t;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(rw); i++) {
		t_init(&t);
		wr(&t.u, rw[i].off, 0xffffffffu);
		assert_int_equal(rd(&t.u, rw[i].off), rw[i].mask);
		wr(&t.u, rw[i].off, 0x5a5a5a5au);
		assert_int_equal(rd(&t.u, rw[i].off), 0x5a5a5a5au & rw[i].mask);
		wr(&t.u, rw[i].off, 0);
		assert_int_equal(rd(&t.u, rw[i].off), 0);
	}

	/* Read-only registers ignore writes; UARTECR clears nothing (there is nothing); UARTICR
	 * reads 0. */
	t_init(&t);
	wr(&t.u, T_FR, 0);
	wr(&t.u, T_RIS, 0x7ff);
	wr(&t.u, T_MIS, 0x7ff);
	wr(&t.u, T_RSR, 0xffffffffu);
	assert_int_equal(rd(&t.u, T_FR), 0x90);
	assert_int_equal(rd(&t.u, T_RIS), 0);
	assert_int_equal(rd(&t.u, T_MIS), 0);
	assert_int_equal(rd(&t.u, T_RSR), 0);
	wr(&t.u, T_IMSC, 0x7ff);
	assert_int_equal(rd(&t.u, T_ICR), 0);
	assert_int_equal(t.r.ntx, 0);
	assert_false(t.r.line);
}

static void test_reserved_offsets_raz_wi(void **state)
{
	struct t t;
	uint32_t before[ARRAY_SIZE(readable_regs)], after[ARRAY_SIZE(readable_regs)];

	(void)state;
	t_init(&t);
	t_enable(&t);
	assert_true(vuart_rx(&t.u, 'x'));
	wr(&t.u, T_IMSC, T_INT_RT);
	assert_true(t.r.line);
	snapshot(&t.u, before);

	for (uint32_t off = 0; off < 0x1100u; off += 4) {
		bool implemented = off == T_DR || off == T_RSR ||
				   (off >= T_FR && off <= T_DMACR && off != 0x01c);
		if (implemented || (off >= 0xfe0u && off < 0x1000u))
			continue;
		assert_int_equal(rd(&t.u, off), 0);
		assert_int_equal(rdn(&t.u, off, 1), 0);
		wr(&t.u, off, 0xffffffffu);
		wrn(&t.u, off, 2, 0xffffu);
	}
	/* Far beyond the frame, including offsets that alias a register modulo 4 KiB. */
	assert_int_equal(rd(&t.u, 0x1000u + T_CR), 0);
	assert_int_equal(rd(&t.u, 0x100000000ull + T_FR), 0);
	wr(&t.u, 0x1000u + T_CR, 0);
	wr(&t.u, 0xffffffffffff0000ull + T_DR, 'z');

	snapshot(&t.u, after);
	assert_memory_equal(before, after, sizeof(before));
	assert_int_equal(t.u.rx_count, 1);
	assert_int_equal(t.r.ntx, 0);
	assert_int_equal(t.r.raises, 1);
	assert_int_equal(t.r.lowers, 0);
}

/* ------------------------------------------------------------------------------------------ */
/* Access sizes                                                                               */

static void test_halfword_access_to_every_register(void **state)
{
	struct t t;

	(void)state;
	/* Linux amba-pl011 without reg-io-width = <4> (UPIO_MEM): readw/writew everywhere. */
	t_init(&t);
	wrn(&t.u, T_IBRD, 2, 13);
	wrn(&t.u, T_FBRD, 2, 1);
	wrn(&t.u, T_LCR_H, 2, T_LCR_H_FEN | T_LCR_H_WLEN8);
	wrn(&t.u, T_CR, 2, T_CR_ON | T_CR_RTS);
	wrn(&t.u, T_IFLS, 2, 0x12);
	wrn(&t.u, T_IMSC, 2, T_INT_RX | T_INT_RT);
	assert_int_equal(rdn(&t.u, T_IBRD, 2), 13);
	assert_int_equal(rdn(&t.u, T_FBRD, 2), 1);
	assert_int_equal(rdn(&t.u, T_LCR_H, 2), 0x70);
	assert_int_equal(rdn(&t.u, T_CR, 2), T_CR_ON | T_CR_RTS);
	assert_int_equal(rd(&t.u, T_CR), T_CR_ON | T_CR_RTS);
	assert_int_equal(rdn(&t.u, T_IMSC, 2), T_INT_RX | T_INT_RT);
	assert_int_equal(rdn(&t.u, T_FR, 2), 0x90);

	assert_true(vuart_rx(&t.u, 'k'));
	assert_true(t.r.line);
	assert_int_equal(rdn(&t.u, T_MIS, 2), T_INT_RT);
	assert_int_equal(rdn(&t.u, T_DR, 2), 'k');
	assert_false(t.r.line);

	wrn(&t.u, T_DR, 2, 'w');
	wrn(&t.u, T_ICR, 2, 0xffff);
	assert_int_equal(rdn(&t.u, T_RIS, 2), 0);
	assert_int_equal(t.r.ntx, 1);
	assert_int_equal(t.r.tx[0], 'w');
}

static void test_byte_and_word_data_register(void **state)
{
	struct t t;

	(void)state;
	t_init(&t);
	t_enable(&t);
	wrn(&t.u, T_DR, 1, 'a');    /* earlycon=pl011,<addr>: writeb */
	wrn(&t.u, T_DR, 4, 0x1262); /* pl011,mmio32: writel; only [7:0] is data */
	wrn(&t.u, T_DR, 2, 0xff63);
	assert_int_equal(t.r.ntx, 3);
	assert_memory_equal(t.r.tx, "abc", 3);

	assert_true(vuart_rx(&t.u, 0xf1));
	assert_true(vuart_rx(&t.u, 0x02));
	assert_int_equal(rdn(&t.u, T_DR, 1), 0xf1); /* readb pops one byte */
	assert_int_equal(rd(&t.u, T_DR), 0x02);	    /* no error flags in [11:8] */
	assert_int_equal(t.u.rx_count, 0);

	/* Narrow reads return the low bytes of the register and zero above. */
	wr(&t.u, T_CR, T_CR_ON | T_CR_DTR);
	assert_int_equal(rdn(&t.u, T_CR, 1), T_CR_UARTEN);
	assert_int_equal(rdn(&t.u, T_CR, 2), T_CR_ON | T_CR_DTR);
	/* A narrow write is zero-extended: writeb to UARTCR clears TXE/RXE. */
	wrn(&t.u, T_CR, 1, T_CR_UARTEN);
	assert_int_equal(rd(&t.u, T_CR), T_CR_UARTEN);
}

static void test_unsupported_accesses_raz_wi(void **state)
{
	struct t t;
	uint32_t before[ARRAY_SIZE(readable_regs)], after[ARRAY_SIZE(readable_regs)];
	static const unsigned bad_sizes[] = {0, 3, 8, 16};

	(void)state;
	t_init(&t);
	t_enable(&t);
	assert_true(vuart_rx(&t.u, 'q'));
	snapshot(&t.u, before);

	/* Sub-word accesses that do not start at a register: no pop, no transmit, no change. */
	for (uint32_t b = 1; b < 4; b++) {
		assert_int_equal(rdn(&t.u, T_DR + b, 1), 0);
		wrn(&t.u, T_DR + b, 1, 'z');
		wrn(&t.u, T_CR + b, 1, 0);
		wrn(&t.u, T_IMSC + b, 1, 0xff);
	}
	assert_int_equal(rdn(&t.u, T_DR + 2, 2), 0);
	wrn(&t.u, T_CR + 2, 2, 0);
	assert_int_equal(rdn(&t.u, 0xfe2, 2), 0);

	for (size_t i = 0; i < ARRAY_SIZE(bad_sizes); i++) {
		assert_int_equal(rdn(&t.u, T_DR, bad_sizes[i]), 0);
		assert_int_equal(rdn(&t.u, T_CR, bad_sizes[i]), 0);
		wrn(&t.u, T_DR, bad_sizes[i], 'z');
		wrn(&t.u, T_CR, bad_sizes[i], 0);
	}

	snapshot(&t.u, after);
	assert_memory_equal(before, after, sizeof(before));
	assert_int_equal(t.u.rx_count, 1);
	assert_int_equal(t.r.ntx, 0);
	assert_int_equal(rd(&t.u, T_DR), 'q');
}

/* ------------------------------------------------------------------------------------------ */
/* Transmit                                                                                   */

static void test_tx_in_order_fifo_always_empty(void **state)
{
	static const char msg[] = "Hello, partition\r\n";
	struct t t;

	(void)state;
	t_init(&t);
	t_enable(&t);
	for (size_t i = 0; i < sizeof(msg) - 1; i++) {
		uint32_t fr = rd(&t.u, T_FR);

		assert_true(fr & T_FR_TXFE);
		assert_false(fr & (T_FR_TXFF | T_FR_BUSY));
		wrn(&t.u, T_DR, 1, (uint8_t)msg[i]);
		assert_int_equal(t.r.ntx, i + 1);
		assert_int_equal(rd(&t.u, T_FR) & (T_FR_TXFE | T_FR_TXFF | T_FR_BUSY), T_FR_TXFE);
	}
	assert_memory_equal(t.r.tx, msg, sizeof(msg) - 1);
	assert_int_equal(t.r.raises + t.r.lowers, 0); /* everything masked */
	/* Every byte value goes through unchanged. */
	t_init(&t);
	for (unsigned c = 0; c < 256; c++)
		wr(&t.u, T_DR, c);
	assert_int_equal(t.r.ntx, 256);
	for (unsigned c = 0; c < 256; c++)
		assert_int_equal(t.r.tx[c], c);
}

/* UARTEN/TXE do not gate output (hyp/vuart.h, Transmit): Linux earlycon writes at reset state
 * and the driver rewrites UARTCR with UARTEN clear while earlycon is still in use. */
static void test_tx_not_gated_by_uarten_txe(void **state)
{
	static const uint32_t crs[] = {0x300, 0, T_CR_UARTEN, T_CR_TXE, T_CR_UARTEN | T_CR_RXE};
	struct t t;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(crs); i++) {
		t_init(&t);
		wr(&t.u, T_CR, crs[i]);
		wrn(&t.u, T_DR, 1, 'A' + (unsigned)i);
		assert_int_equal(t.r.ntx, 1);
		assert_int_equal(t.r.tx[0], 'A' + i);
		assert_int_equal(rd(&t.u, T_RIS), T_INT_TX);
		assert_int_equal(rd(&t.u, T_CR), crs[i]); /* and the register keeps its value */
	}
}

/* The earlycon putc loop of Linux (readl FR until !TXFF, writeb/writel DR, readl FR until !BUSY)
 * against a UART nobody has initialised, for both earlycon access widths. */
static void test_linux_earlycon_at_reset(void **state)
{
	static const char msg[] = "Booting Linux on physical CPU 0x0\n";
	struct t t;

	(void)state;
	for (unsigned dr_size = 1; dr_size <= 4; dr_size *= 4) {
		t_init(&t);
		for (size_t i = 0; i < sizeof(msg) - 1; i++) {
			unsigned spins = 0;

			while (rd(&t.u, T_FR) & T_FR_TXFF)
				assert_true(++spins < 10);
			wrn(&t.u, T_DR, dr_size, (uint8_t)msg[i]);
			while (rd(&t.u, T_FR) & T_FR_BUSY)
				assert_true(++spins < 10);
		}
		assert_int_equal(t.r.ntx, sizeof(msg) - 1);
		assert_memory_equal(t.r.tx, msg, sizeof(msg) - 1);
		assert_int_equal(t.r.raises, 0);
	}
}

static void test_loopback(void **state)
{
	struct t t;

	(void)state;
	t_init(&t);
	t_enable(&t);
	wr(&t.u, T_CR, T_CR_ON | T_CR_LBE);
	wrn(&t.u, T_DR, 1, 'L');
	assert_int_equal(t.r.ntx, 0); /* not on the console */
	assert_int_equal(rd(&t.u, T_RIS), T_INT_TX | T_INT_RT);
	assert_false(rd(&t.u, T_FR) & T_FR_RXFE);
	/* The RX pin is disconnected in loopback. */
	assert_int_equal(vuart_rx_room(&t.u), 0);
	assert_false(vuart_rx(&t.u, 'X'));
	assert_int_equal(rd(&t.u, T_DR), 'L');
	assert_true(rd(&t.u, T_FR) & T_FR_RXFE);

	/* A full FIFO drops looped-back bytes (no overrun is flagged). */
	for (unsigned i = 0; i < VUART_FIFO_DEPTH + 3; i++)
		wr(&t.u, T_DR, '0' + (i % 10));
	assert_int_equal(t.u.rx_count, VUART_FIFO_DEPTH);
	assert_int_equal(rd(&t.u, T_RSR), 0);
	assert_int_equal(rd(&t.u, T_RIS) & T_INT_OE, 0);
	for (unsigned i = 0; i < VUART_FIFO_DEPTH; i++)
		assert_int_equal(rd(&t.u, T_DR), '0' + (i % 10));

	/* Receiver disabled: the byte goes nowhere (old Linux's TX-interrupt "provoke" write). */
	wr(&t.u, T_ICR, 0x7ff);
	wr(&t.u, T_CR, T_CR_UARTEN | T_CR_TXE | T_CR_LBE);
	wr(&t.u, T_DR, 0);
	assert_int_equal(t.u.rx_count, 0);
	assert_int_equal(t.r.ntx, 0);
	assert_int_equal(rd(&t.u, T_RIS), T_INT_TX);

	/* Loopback off: output reaches the console again, input is accepted again. */
	wr(&t.u, T_CR, T_CR_ON);
	wr(&t.u, T_DR, 'o');
	assert_int_equal(t.r.ntx, 1);
	assert_true(vuart_rx(&t.u, 'i'));
}

/* ------------------------------------------------------------------------------------------ */
/* Interrupts                                                                                 */

static void test_txris_set_by_write_cleared_by_icr(void **state)
{
	struct t t;

	(void)state;
	t_init(&t);
	/* Enabling the UART and unmasking TXIM with an empty FIFO asserts nothing (TRM 3.4.3). */
	t_enable(&t);
	wr(&t.u, T_IMSC, T_INT_TX);
	assert_int_equal(rd(&t.u, T_RIS), 0);
	assert_false(t.r.line);

	wr(&t.u, T_DR, 'a');
	assert_int_equal(rd(&t.u, T_RIS), T_INT_TX);
	assert_int_equal(rd(&t.u, T_MIS), T_INT_TX);
	assert_true(t.r.line);
	/* The byte went out before the interrupt was reported, in the same call. */
	assert_int_equal(t.r.nevents, 2);
	assert_memory_equal(t.r.events, "tH", 2);

	/* More writes keep it set: the FIFO never rises above a trigger level. */
	for (unsigned i = 0; i < 3 * VUART_FIFO_DEPTH; i++)
		wr(&t.u, T_DR, 'b');
	assert_int_equal(rd(&t.u, T_RIS), T_INT_TX);
	assert_int_equal(t.r.raises, 1);

	/* Only ICR.TXIC clears it; a change of the TX trigger level does not. */
	wr(&t.u, T_IFLS, 0x04);
	wr(&t.u, T_IFLS, 0x10);
	assert_int_equal(rd(&t.u, T_RIS), T_INT_TX);
	wr(&t.u, T_ICR, T_INT_TX);
	assert_int_equal(rd(&t.u, T_RIS), 0);
	assert_false(t.r.line);
	wr(&t.u, T_DR, 'c');
	assert_true(t.r.line);
	assert_int_equal(t.r.raises, 2);
	assert_int_equal(t.r.lowers, 1);

	/* Character mode (FEN = 0): a single write fills the holding register, which then empties:
	 * TXRIS ends up set just the same. */
	wr(&t.u, T_ICR, T_INT_TX);
	wr(&t.u, T_LCR_H, T_LCR_H_WLEN8);
	wr(&t.u, T_DR, 'd');
	assert_int_equal(rd(&t.u, T_RIS), T_INT_TX);
	assert_false(t.r.redundant);
}

static void test_imsc_ris_mis_icr(void **state)
{
	struct t t;

	(void)state;
	t_init(&t);
	t_enable(&t);
	wr(&t.u, T_IFLS, 0); /* RX level 1/8: 4 bytes */
	wr(&t.u, T_DR, 'x');
	for (unsigned i = 0; i < 4; i++)
		assert_true(vuart_rx(&t.u, (uint8_t)i));
	assert_int_equal(rd(&t.u, T_RIS), T_INT_RX | T_INT_TX | T_INT_RT);
	assert_int_equal(rd(&t.u, T_MIS), 0);
	assert_int_equal(t.r.nevents, 1); /* the 't' only */

	wr(&t.u, T_IMSC, T_INT_TX);
	assert_int_equal(rd(&t.u, T_MIS), T_INT_TX);
	assert_true(t.r.line);
	wr(&t.u, T_IMSC, T_INT_TX | T_INT_RX | T_INT_FE | T_INT_OE);
	assert_int_equal(rd(&t.u, T_MIS), T_INT_TX | T_INT_RX);
	assert_int_equal(t.r.raises, 1); /* still high: no second call */

	wr(&t.u, T_ICR, T_INT_TX);
	assert_int_equal(rd(&t.u, T_RIS), T_INT_RX | T_INT_RT);
	assert_int_equal(rd(&t.u, T_MIS), T_INT_RX);
	assert_int_equal(rd(&t.u, T_IMSC), T_INT_TX | T_INT_RX | T_INT_FE | T_INT_OE);
	assert_true(t.r.line);

	/* Bits above [10:0] of ICR are ignored; zero bits clear nothing. */
	wr(&t.u, T_ICR, 0xfffff800u);
	wr(&t.u, T_ICR, 0);
	assert_int_equal(rd(&t.u, T_RIS), T_INT_RX | T_INT_RT);

	wr(&t.u, T_IMSC, T_INT_RT);
	assert_int_equal(rd(&t.u, T_MIS), T_INT_RT);
	assert_int_equal(t.r.lowers, 0);
	wr(&t.u, T_IMSC, 0);
	assert_false(t.r.line);
	assert_int_equal(t.r.lowers, 1);
	wr(&t.u, T_ICR, 0x7ff);
	assert_int_equal(rd(&t.u, T_RIS), 0);
	/* Modem and error interrupts never occur. */
	wr(&t.u, T_IMSC, 0x7ff);
	assert_false(t.r.line);
	assert_int_equal(rd(&t.u, T_MIS), 0);
	assert_false(t.r.redundant);
}

static void test_irq_callback_only_on_change(void **state)
{
	struct t t;

	(void)state;
	t_init(&t);
	t_enable(&t);
	wr(&t.u, T_IMSC, T_INT_TX | T_INT_RT);
	for (unsigned round = 0; round < 5; round++) {
		for (unsigned i = 0; i < 10; i++)
			wr(&t.u, T_DR, 'a' + i);
		for (unsigned i = 0; i < 10; i++)
			assert_true(vuart_rx(&t.u, 'A'));
		for (unsigned i = 0; i < 20; i++)
			(void)rd(&t.u, T_MIS);
		wr(&t.u, T_ICR, T_INT_TX); /* RT still set: level stays high */
		while (!(rd(&t.u, T_FR) & T_FR_RXFE))
			(void)rd(&t.u, T_DR); /* drains: RT clears, line falls */
		assert_false(t.r.line);
	}
	assert_int_equal(t.r.raises, 5);
	assert_int_equal(t.r.lowers, 5);
	assert_false(t.r.redundant);

	/* Re-init reports nothing even though the line was high. */
	wr(&t.u, T_DR, 'z');
	assert_true(t.r.line);
	vuart_init(&t.u, &rec_ops, &t.r);
	assert_int_equal(t.r.raises, 6);
	assert_int_equal(t.r.lowers, 5);
	assert_false(vuart_irq_level(&t.u));
	assert_int_equal(rd(&t.u, T_RIS), 0);
}

static void test_null_ops(void **state)
{
	struct vuart u;
	static const struct vuart_ops none = {0};

	(void)state;
	vuart_init(&u, NULL, NULL);
	wr(&u, T_LCR_H, T_LCR_H_FEN);
	wr(&u, T_CR, T_CR_ON);
	wr(&u, T_IMSC, 0x7ff);
	wr(&u, T_DR, 'a');
	assert_true(vuart_irq_level(&u));
	assert_true(vuart_rx(&u, 'b'));
	assert_int_equal(rd(&u, T_DR), 'b');
	vuart_init(&u, &none, NULL);
	wr(&u, T_IMSC, 0x7ff);
	wr(&u, T_DR, 'a');
	assert_true(vuart_irq_level(&u));
}

/* ------------------------------------------------------------------------------------------ */
/* Receive                                                                                    */

static void test_rx_gating(void **state)
{
	static const struct {
		uint32_t cr;
		bool accepts;
	} cases[] = {
		{0x300, false},
		{T_CR_UARTEN, false},
		{T_CR_UARTEN | T_CR_TXE, false},
		{T_CR_RXE | T_CR_TXE, false},
		{T_CR_UARTEN | T_CR_RXE, true},
		{T_CR_ON, true},
		{T_CR_ON | T_CR_LBE, false},
	};
	struct t t;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		t_init(&t);
		wr(&t.u, T_LCR_H, T_LCR_H_FEN);
		wr(&t.u, T_CR, cases[i].cr);
		assert_int_equal(vuart_rx_room(&t.u), cases[i].accepts ? VUART_FIFO_DEPTH : 0);
		assert_int_equal(vuart_rx(&t.u, 'r'), cases[i].accepts);
		assert_int_equal(t.u.rx_count, cases[i].accepts ? 1 : 0);
		assert_int_equal(rd(&t.u, T_RIS), cases[i].accepts ? T_INT_RT : 0);
	}

	/* Disabling the receiver keeps what is queued; the guest can still read it. */
	t_init(&t);
	t_enable(&t);
	assert_true(vuart_rx(&t.u, '1'));
	wr(&t.u, T_CR, T_CR_UARTEN | T_CR_TXE);
	assert_false(vuart_rx(&t.u, '2'));
	assert_int_equal(rd(&t.u, T_DR), '1');
	assert_true(rd(&t.u, T_FR) & T_FR_RXFE);
}

static void test_rx_fifo_full_and_empty(void **state)
{
	struct t t;

	(void)state;
	t_init(&t);
	t_enable(&t);
	for (unsigned i = 0; i < VUART_FIFO_DEPTH; i++) {
		uint32_t fr = rd(&t.u, T_FR);

		assert_int_equal(vuart_rx_room(&t.u), VUART_FIFO_DEPTH - i);
		assert_int_equal(!!(fr & T_FR_RXFE), i == 0);
		assert_false(fr & T_FR_RXFF);
		assert_true(vuart_rx(&t.u, (uint8_t)(0x80 + i)));
	}
	assert_int_equal(rd(&t.u, T_FR) & (T_FR_RXFE | T_FR_RXFF), T_FR_RXFF);
	assert_int_equal(vuart_rx_room(&t.u), 0);
	assert_false(vuart_rx(&t.u, 0xee)); /* refused, not overrun */
	assert_int_equal(rd(&t.u, T_RSR), 0);
	assert_int_equal(rd(&t.u, T_RIS) & T_INT_OE, 0);

	for (unsigned i = 0; i < VUART_FIFO_DEPTH; i++) {
		assert_int_equal(rd(&t.u, T_DR), 0x80 + i);
		assert_false(rd(&t.u, T_FR) & T_FR_RXFF);
	}
	assert_int_equal(rd(&t.u, T_FR) & (T_FR_RXFE | T_FR_RXFF), T_FR_RXFE);
	assert_int_equal(rd(&t.u, T_DR), 0); /* empty */
	assert_int_equal(t.u.rx_count, 0);

	/* The ring wraps: keep 20 bytes queued while 1000 more stream through. */
	for (unsigned i = 0; i < 20; i++)
		assert_true(vuart_rx(&t.u, (uint8_t)i));
	for (unsigned i = 20; i < 1020; i++) {
		assert_true(vuart_rx(&t.u, (uint8_t)i));
		assert_int_equal(rdn(&t.u, T_DR, i % 2 ? 1 : 4), (uint8_t)(i - 20));
		assert_int_equal(t.u.rx_count, 20);
	}
}

static void test_rx_trigger_levels(void **state)
{
	static const unsigned level[8] = {4, 8, 16, 24, 28, 16, 16, 16};
	struct t t;

	(void)state;
	for (unsigned sel = 0; sel < 8; sel++) {
		t_init(&t);
		t_enable(&t);
		wr(&t.u, T_IFLS, (sel << 3) | 2);
		wr(&t.u, T_IMSC, T_INT_RX);
		for (unsigned n = 1; n <= VUART_FIFO_DEPTH; n++) {
			assert_true(vuart_rx(&t.u, 'a'));
			assert_int_equal(!!(rd(&t.u, T_RIS) & T_INT_RX), n >= level[sel]);
			assert_int_equal(t.r.line, n >= level[sel]);
		}
		/* Reads clear it once the fill is below the level. */
		for (unsigned n = VUART_FIFO_DEPTH; n > 0; n--) {
			(void)rd(&t.u, T_DR);
			assert_int_equal(!!(rd(&t.u, T_RIS) & T_INT_RX), n - 1 >= level[sel]);
		}
		assert_int_equal(t.r.raises, 1);
		assert_int_equal(t.r.lowers, 1);
	}
}

static void test_rx_icr_stays_clear_until_level_crossed_again(void **state)
{
	struct t t;

	(void)state;
	t_init(&t);
	t_enable(&t); /* RX level 1/2: 16 */
	wr(&t.u, T_IMSC, T_INT_RX);
	for (unsigned i = 0; i < 16; i++)
		assert_true(vuart_rx(&t.u, 'a'));
	assert_true(t.r.line);
	wr(&t.u, T_ICR, T_INT_RX);
	assert_false(t.r.line);
	/* More arrivals above the level do not set it again ... */
	for (unsigned i = 0; i < 10; i++)
		assert_true(vuart_rx(&t.u, 'b'));
	assert_int_equal(rd(&t.u, T_RIS) & T_INT_RX, 0);
	/* ... nor do reads that stay at or above it ... */
	for (unsigned i = 0; i < 10; i++)
		(void)rd(&t.u, T_DR);
	assert_int_equal(rd(&t.u, T_RIS) & T_INT_RX, 0);
	/* ... until the fill goes below and reaches the level again. */
	(void)rd(&t.u, T_DR);
	assert_int_equal(t.u.rx_count, 15);
	assert_true(vuart_rx(&t.u, 'c'));
	assert_int_equal(rd(&t.u, T_RIS) & T_INT_RX, T_INT_RX);
	assert_true(t.r.line);
}

static void test_rx_level_change_by_ifls_and_fen(void **state)
{
	struct t t;

	(void)state;
	t_init(&t);
	t_enable(&t);
	wr(&t.u, T_IMSC, T_INT_RX);
	for (unsigned i = 0; i < 10; i++)
		assert_true(vuart_rx(&t.u, 'a'));
	assert_int_equal(rd(&t.u, T_RIS) & T_INT_RX, 0); /* 10 < 16 */
	wr(&t.u, T_IFLS, 1u << 3);			 /* 1/4: 8 */
	assert_int_equal(rd(&t.u, T_RIS) & T_INT_RX, T_INT_RX);
	assert_true(t.r.line);
	wr(&t.u, T_IFLS, 3u << 3); /* 3/4: 24 */
	assert_int_equal(rd(&t.u, T_RIS) & T_INT_RX, 0);
	assert_false(t.r.line);

	/* Character mode: level 1, depth 1 (bytes already queued stay readable). */
	wr(&t.u, T_LCR_H, T_LCR_H_WLEN8);
	assert_int_equal(rd(&t.u, T_RIS) & T_INT_RX, T_INT_RX);
	assert_int_equal(rd(&t.u, T_FR) & (T_FR_RXFF | T_FR_RXFE), T_FR_RXFF);
	assert_int_equal(vuart_rx_room(&t.u), 0);
	assert_false(vuart_rx(&t.u, 'x'));
	for (unsigned i = 0; i < 10; i++)
		assert_int_equal(rd(&t.u, T_DR), 'a');
	assert_int_equal(rd(&t.u, T_RIS) & T_INT_RX, 0);
	assert_int_equal(vuart_rx_room(&t.u), 1);
	assert_true(vuart_rx(&t.u, 'y'));
	assert_int_equal(rd(&t.u, T_RIS) & T_INT_RX, T_INT_RX);
	assert_int_equal(rd(&t.u, T_FR) & (T_FR_RXFF | T_FR_RXFE), T_FR_RXFF);
	assert_false(vuart_rx(&t.u, 'z'));
	assert_int_equal(rd(&t.u, T_DR), 'y');
	assert_int_equal(rd(&t.u, T_FR) & (T_FR_RXFF | T_FR_RXFE), T_FR_RXFE);
	assert_false(t.r.redundant);
}

static void test_rx_timeout(void **state)
{
	struct t t;

	(void)state;
	t_init(&t);
	t_enable(&t);
	wr(&t.u, T_IMSC, T_INT_RT);
	assert_true(vuart_rx(&t.u, '1'));
	assert_int_equal(rd(&t.u, T_RIS), T_INT_RT); /* below the RX level: timeout only */
	assert_true(t.r.line);

	wr(&t.u, T_ICR, T_INT_RT);
	assert_int_equal(rd(&t.u, T_RIS), 0);
	assert_false(t.r.line);
	assert_true(vuart_rx(&t.u, '2')); /* new data restarts and expires the timeout */
	assert_true(t.r.line);
	wr(&t.u, T_ICR, T_INT_RT);
	assert_false(t.r.line);
	assert_int_equal(rd(&t.u, T_DR), '1'); /* a read that leaves data re-arms it */
	assert_int_equal(rd(&t.u, T_RIS), T_INT_RT);
	assert_true(t.r.line);
	assert_int_equal(rd(&t.u, T_DR), '2'); /* the last read clears it */
	assert_int_equal(rd(&t.u, T_RIS), 0);
	assert_false(t.r.line);
	assert_int_equal(rd(&t.u, T_DR), 0); /* reading an empty FIFO sets nothing */
	assert_int_equal(rd(&t.u, T_RIS), 0);
	assert_int_equal(t.r.raises, 3);
	assert_int_equal(t.r.lowers, 3);
	assert_false(t.r.redundant);
}

/* ------------------------------------------------------------------------------------------ */
/* Linux amba-pl011 driver simulation                                                          */

/* A small fake of the parts of Linux's drivers/tty/serial/amba-pl011.c that touch the UART:
 * probe, startup, set_termios, start_tx/tx_chars, the interrupt handler and rx_chars, written
 * from the driver's behaviour (register accesses in the same order and width). */
struct lx {
	struct t *t;
	unsigned io;	   /* access width: 2 (UPIO_MEM, the default) or 4 (reg-io-width = <4>) */
	unsigned fifosize; /* from the PeriphID revision, as amba_rev() */
	uint32_t im;	   /* the driver's copy of UARTIMSC */
	const uint8_t *xmit;
	size_t len, pos;
	bool fifo_cap;	   /* pretend TXFF sets after fifosize bytes per start_tx (real FIFO) */
	bool old_start_tx; /* pre-"TX IRQ passive" driver: start_tx only unmasks TXIM */
	unsigned filled;   /* bytes written since the last start_tx, for fifo_cap */
	uint8_t rx[512];
	size_t nrx;
	unsigned handler_calls, unhandled, passes;
};

static uint32_t lx_read(struct lx *d, uint32_t off)
{
	return rdn(&d->t->u, off, d->io);
}

static void lx_write(struct lx *d, uint32_t off, uint32_t val)
{
	wrn(&d->t->u, off, d->io, val & (d->io == 2 ? 0xffffu : 0xffffffffu));
}

/* pl011_probe + pl011_register_port. */
static void lx_probe(struct lx *d, struct t *t, unsigned io)
{
	uint32_t periphid = 0;

	memset(d, 0, sizeof(*d));
	d->t = t;
	d->io = io;
	for (unsigned i = 0; i < 4; i++) /* the AMBA bus reads the IDs with readl */
		periphid |= (rd(&t->u, 0xfe0u + 4 * i) & 0xffu) << (8 * i);
	d->fifosize = ((periphid >> 20) & 0xf) < 3 ? 16 : 32;
	lx_write(d, T_IMSC, 0);
	lx_write(d, T_ICR, 0xffff);
}

static void lx_rx_chars(struct lx *d)
{
	for (unsigned taken = 0; taken != 256; taken++) {
		if (lx_read(d, T_FR) & T_FR_RXFE)
			break;
		assert_true(d->nrx < sizeof(d->rx));
		d->rx[d->nrx++] = (uint8_t)lx_read(d, T_DR);
	}
}

static void lx_stop_tx(struct lx *d)
{
	d->im &= ~T_INT_TX;
	lx_write(d, T_IMSC, d->im);
}

static bool lx_tx_char(struct lx *d, uint8_t c, bool from_irq)
{
	if (!from_irq) {
		if (lx_read(d, T_FR) & T_FR_TXFF)
			return false;
		if (d->fifo_cap && d->filled >= d->fifosize)
			return false;
	}
	lx_write(d, T_DR, c);
	d->filled++;
	return true;
}

/* pl011_tx_chars: true if TX interrupts have to be (kept) enabled. */
static bool lx_tx_chars(struct lx *d, bool from_irq)
{
	int count = (int)(d->fifosize >> 1);

	if (d->pos == d->len) {
		lx_stop_tx(d);
		return false;
	}
	while (1) {
		if (from_irq && count-- == 0)
			break;
		if (d->pos == d->len)
			break;
		if (!lx_tx_char(d, d->xmit[d->pos], from_irq))
			break;
		d->pos++;
	}
	if (d->pos == d->len) {
		lx_stop_tx(d);
		return false;
	}
	return true;
}

/* uart_write -> pl011_start_tx (no DMA). */
static void lx_write_tty(struct lx *d, const uint8_t *buf, size_t len)
{
	d->xmit = buf;
	d->len = len;
	d->pos = 0;
	d->filled = 0;
	if (d->old_start_tx) {
		d->im |= T_INT_TX;
		lx_write(d, T_IMSC, d->im);
		return;
	}
	if (lx_tx_chars(d, false)) { /* pl011_start_tx_pio */
		d->im |= T_INT_TX;
		lx_write(d, T_IMSC, d->im);
	}
}

/* pl011_int. */
static void lx_int(struct lx *d)
{
	unsigned pass_counter = 256;
	uint32_t status;

	d->handler_calls++;
	status = lx_read(d, T_RIS) & d->im;
	if (!status) {
		d->unhandled++;
		return;
	}
	do {
		d->passes++;
		lx_write(d, T_ICR, status & ~(T_INT_TX | T_INT_RT | T_INT_RX));
		if (status & (T_INT_RT | T_INT_RX))
			lx_rx_chars(d);
		if (status & T_INT_TX)
			lx_tx_chars(d, true);
		if (pass_counter-- == 0)
			break;
		status = lx_read(d, T_RIS) & d->im;
	} while (status != 0);
}

/* The CPU taking the (level-sensitive) interrupt until the line is low. */
static void lx_run_irqs(struct lx *d)
{
	for (unsigned guard = 0; d->t->r.line; guard++) {
		assert_true(guard < 100);
		lx_int(d);
	}
}

/* pl011_startup (pl011_hwinit, pl011_allocate_irq, IFLS, CR, pl011_enable_interrupts), then
 * pl011_set_termios for 115200 8N1 with a 24 MHz clock. */
static void lx_startup(struct lx *d)
{
	uint32_t cr;

	lx_write(d, T_ICR, T_INT_OE | T_INT_BE | T_INT_PE | T_INT_FE | T_INT_RT | T_INT_RX);
	d->im = lx_read(d, T_IMSC);
	lx_write(d, T_IMSC, T_INT_RT | T_INT_RX);
	lx_write(d, T_IMSC, d->im); /* pl011_allocate_irq */
	lx_write(d, T_IFLS, 0x12);
	cr = lx_read(d, T_CR);
	cr &= T_CR_RTS | T_CR_DTR;
	cr |= T_CR_UARTEN | T_CR_RXE | T_CR_TXE;
	lx_write(d, T_CR, cr);
	lx_write(d, T_ICR, T_INT_RT | T_INT_RX);
	for (unsigned i = 0; i < d->fifosize * 2; i++) {
		if (lx_read(d, T_FR) & T_FR_RXFE)
			break;
		(void)lx_read(d, T_DR);
	}
	d->im = T_INT_RT | T_INT_RX;
	lx_write(d, T_IMSC, d->im);

	lx_write(d, T_FBRD, 1);
	lx_write(d, T_IBRD, 13);
	lx_write(d, T_LCR_H, T_LCR_H_WLEN8 | T_LCR_H_FEN);
	lx_write(d, T_CR, lx_read(d, T_CR) | T_CR_RXE);
}

static const uint8_t *text100(void)
{
	static uint8_t buf[100];

	for (unsigned i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(' ' + (i * 7) % 95);
	return buf;
}

/* The interrupt-driven path: start_tx writes one FIFO's worth (as on hardware whose FIFO fills),
 * unmasks TXIM, and the handler sends the rest fifosize/2 bytes per pass. */
static void test_linux_tx_interrupt_driven_100_bytes(void **state)
{
	const uint8_t *msg = text100();
	struct t t;
	struct lx d;

	(void)state;
	for (unsigned io = 2; io <= 4; io += 2) {
		t_init(&t);
		lx_probe(&d, &t, io);
		assert_int_equal(d.fifosize, 32);
		lx_startup(&d);
		d.fifo_cap = true;

		for (unsigned round = 0; round < 2; round++) {
			t.r.ntx = 0;
			lx_write_tty(&d, msg, 100);
			assert_int_equal(t.r.ntx, 32);
			assert_true(d.im & T_INT_TX);
			assert_true(t.r.line); /* the TX interrupt is there when Linux needs it */
			lx_run_irqs(&d);

			assert_int_equal(t.r.ntx, 100);
			assert_memory_equal(t.r.tx, msg, 100);
			assert_false(t.r.line);
			assert_false(vuart_irq_level(&t.u));
			assert_false(d.im & T_INT_TX);
			assert_int_equal(rd(&t.u, T_IMSC) & T_INT_TX, 0);
		}
		/* One interrupt per message, each handled in one call (68 bytes = 5 passes of 16):
		 * no storm, nothing spurious. */
		assert_int_equal(d.handler_calls, 2);
		assert_int_equal(d.passes, 10);
		assert_int_equal(d.unhandled, 0);
		assert_int_equal(t.r.raises, 2);
		assert_int_equal(t.r.lowers, 2);
		assert_false(t.r.redundant);
	}
}

/* The driver as it is: it checks UARTFR.TXFF, which never sets, so start_tx sends everything and
 * never needs the TX interrupt. */
static void test_linux_tx_start_sends_all(void **state)
{
	const uint8_t *msg = text100();
	struct t t;
	struct lx d;

	(void)state;
	t_init(&t);
	lx_probe(&d, &t, 2);
	lx_startup(&d);
	lx_write_tty(&d, msg, 100);
	assert_int_equal(t.r.ntx, 100);
	assert_memory_equal(t.r.tx, msg, 100);
	assert_false(d.im & T_INT_TX);
	assert_int_equal(t.r.raises, 0);
}

/* Older drivers: startup provokes TXRIS with one byte in loopback, start_tx only unmasks TXIM. */
static void test_linux_old_driver_tx(void **state)
{
	const uint8_t *msg = text100();
	struct t t;
	struct lx d;

	(void)state;
	t_init(&t);
	lx_probe(&d, &t, 2);
	d.old_start_tx = true;
	lx_write(&d, T_ICR, T_INT_OE | T_INT_BE | T_INT_PE | T_INT_FE | T_INT_RT | T_INT_RX);
	lx_write(&d, T_CR, T_CR_UARTEN | T_CR_TXE | T_CR_LBE);
	lx_write(&d, T_FBRD, 0);
	lx_write(&d, T_IBRD, 1);
	lx_write(&d, T_LCR_H, 0);
	lx_write(&d, T_DR, 0);
	while (lx_read(&d, T_FR) & T_FR_BUSY)
		;
	lx_write(&d, T_CR, T_CR_ON);
	lx_write(&d, T_LCR_H, T_LCR_H_WLEN8 | T_LCR_H_FEN);
	d.im = T_INT_RX | T_INT_RT;
	lx_write(&d, T_IMSC, d.im);
	assert_int_equal(t.r.ntx, 0); /* the provoking NUL stayed off the console */
	assert_int_equal(t.u.rx_count, 0);
	assert_int_equal(rd(&t.u, T_RIS), T_INT_TX);

	for (unsigned round = 0; round < 3; round++) {
		t.r.ntx = 0;
		lx_write_tty(&d, msg, 100);
		assert_true(t.r.line);
		lx_run_irqs(&d);
		assert_int_equal(t.r.ntx, 100);
		assert_memory_equal(t.r.tx, msg, 100);
		assert_false(t.r.line);
	}
	assert_int_equal(d.handler_calls, 3);
	assert_int_equal(d.unhandled, 0);
}

static void test_linux_rx(void **state)
{
	uint8_t input[300];
	struct t t;
	struct lx d;
	size_t i = 0;

	(void)state;
	for (size_t k = 0; k < sizeof(input); k++)
		input[k] = (uint8_t)(k * 13 + 1);
	t_init(&t);
	lx_probe(&d, &t, 2);
	assert_false(vuart_rx(&t.u, 'x')); /* before startup: receiver off */
	lx_startup(&d);

	/* A short line: below the RX level, delivered by the timeout interrupt. */
	for (const char *s = "ls\r"; *s; s++)
		assert_true(vuart_rx(&t.u, (uint8_t)*s));
	assert_true(t.r.line);
	lx_run_irqs(&d);
	assert_int_equal(d.nrx, 3);
	assert_memory_equal(d.rx, "ls\r", 3);
	assert_false(t.r.line);

	/* A paste larger than the FIFO: the host side offers bytes while there is room and the
	 * guest drains on each interrupt. */
	d.nrx = 0;
	while (i < sizeof(input)) {
		if (vuart_rx_room(&t.u) == 0) {
			assert_true(t.r.line);
			lx_run_irqs(&d);
			continue;
		}
		assert_true(vuart_rx(&t.u, input[i]));
		i++;
	}
	lx_run_irqs(&d);
	assert_int_equal(d.nrx, sizeof(input));
	assert_memory_equal(d.rx, input, sizeof(input));
	assert_false(t.r.line);
	assert_int_equal(d.unhandled, 0);
	assert_false(t.r.redundant);
}

/* ------------------------------------------------------------------------------------------ */
/* Randomized invariants                                                                      */

static uint32_t rng_state;

static uint32_t rnd(void)
{
	/* xorshift32: fixed seed, same sequence everywhere. */
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

static unsigned rnd_below(unsigned n)
{
	return rnd() % n;
}

/* Reference RX FIFO and the configuration it depends on, tracked from the accesses alone. */
struct ref {
	uint8_t q[VUART_FIFO_DEPTH];
	unsigned head, n;
	uint32_t cr, lcr_h, ifls;
	uint8_t tx[MAX_TX];
	size_t ntx;
};

static unsigned ref_depth(const struct ref *m)
{
	return (m->lcr_h & T_LCR_H_FEN) ? VUART_FIFO_DEPTH : 1;
}

static unsigned ref_level(const struct ref *m)
{
	static const unsigned level[8] = {4, 8, 16, 24, 28, 16, 16, 16};

	return (m->lcr_h & T_LCR_H_FEN) ? level[(m->ifls >> 3) & 7] : 1;
}

static bool ref_rx_on(const struct ref *m)
{
	return (m->cr & (T_CR_UARTEN | T_CR_RXE)) == (T_CR_UARTEN | T_CR_RXE);
}

static void ref_push(struct ref *m, uint8_t c)
{
	m->q[(m->head + m->n) % VUART_FIFO_DEPTH] = c;
	m->n++;
}

static void check_invariants(struct t *t, const struct ref *m)
{
	uint32_t ris = rd(&t->u, T_RIS), imsc = rd(&t->u, T_IMSC), mis = rd(&t->u, T_MIS);
	uint32_t fr = rd(&t->u, T_FR);

	assert_int_equal(mis, ris & imsc);
	assert_int_equal(t->r.line, mis != 0);
	assert_int_equal(vuart_irq_level(&t->u), mis != 0);
	assert_false(t->r.redundant);

	assert_int_equal(t->u.rx_count, m->n);
	assert_true(fr & T_FR_TXFE);
	assert_false(fr & (T_FR_TXFF | T_FR_BUSY | T_FR_CTS | T_FR_DSR | T_FR_DCD | T_FR_RI));
	assert_int_equal(!!(fr & T_FR_RXFE), m->n == 0);
	assert_int_equal(!!(fr & T_FR_RXFF), m->n >= ref_depth(m));

	assert_int_equal(ris & ~(T_INT_RX | T_INT_TX | T_INT_RT), 0);
	if (ris & T_INT_RT)
		assert_true(m->n > 0);
	if (ris & T_INT_RX)
		assert_true(m->n >= ref_level(m));

	assert_int_equal(vuart_rx_room(&t->u),
			 ref_rx_on(m) && !(m->cr & T_CR_LBE) && m->n < ref_depth(m)
				 ? ref_depth(m) - m->n
				 : 0);
	assert_int_equal(t->r.ntx, m->ntx);
	assert_memory_equal(t->r.tx, m->tx, m->ntx);
}

static uint32_t random_cr(void)
{
	uint32_t cr = rnd_below(10) < 8 ? T_CR_ON : (rnd() & (T_CR_ON));

	if (rnd_below(8) == 0)
		cr |= T_CR_LBE;
	return cr | (rnd() & (T_CR_DTR | T_CR_RTS));
}

static void test_randomized_invariants(void **state)
{
	static const unsigned sizes[] = {4, 4, 4, 2, 2, 1, 3, 8};
	static const uint32_t other_regs[] = {T_RSR, T_FR,    T_ILPR, T_IBRD, T_FBRD, T_RIS,
					      T_MIS, T_DMACR, 0x04c,  0x080,  0xfe0,  0xffc};
	struct t t;
	struct ref m;

	(void)state;
	rng_state = 0x2545f491u;
	t_init(&t);
	memset(&m, 0, sizeof(m));
	m.cr = 0x300;
	m.ifls = 0x12;

	for (unsigned step = 0; step < 40000; step++) {
		unsigned op = rnd_below(100);
		unsigned size = sizes[rnd_below(ARRAY_SIZE(sizes))];
		bool ok_size = size == 1 || size == 2 || size == 4;
		uint32_t smask = size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;

		if (t.r.ntx > MAX_TX - 16) {
			t.r.ntx = 0;
			m.ntx = 0;
		}
		if (op < 30) { /* host input */
			uint8_t c = (uint8_t)rnd();
			bool expect = ref_rx_on(&m) && !(m.cr & T_CR_LBE) && m.n < ref_depth(&m);

			assert_int_equal(vuart_rx(&t.u, c), expect);
			if (expect)
				ref_push(&m, c);
		} else if (op < 50) { /* UARTDR read */
			uint32_t v = rdn(&t.u, T_DR, size);

			if (!ok_size) {
				assert_int_equal(v, 0);
			} else if (m.n == 0) {
				assert_int_equal(v, 0);
			} else {
				assert_int_equal(v, m.q[m.head]);
				m.head = (m.head + 1) % VUART_FIFO_DEPTH;
				m.n--;
			}
		} else if (op < 65) { /* UARTDR write */
			uint8_t c = (uint8_t)rnd();

			wrn(&t.u, T_DR, size, c | (rnd() & 0xff00u));
			if (ok_size && (m.cr & T_CR_LBE)) {
				if (ref_rx_on(&m) && m.n < ref_depth(&m))
					ref_push(&m, c);
			} else if (ok_size) {
				m.tx[m.ntx++] = c;
			}
		} else if (op < 72) {
			uint32_t v = random_cr();

			wrn(&t.u, T_CR, size, v);
			if (ok_size)
				m.cr = v & smask & 0xff87u;
		} else if (op < 77) {
			uint32_t v = (rnd_below(5) ? T_LCR_H_FEN : 0) | T_LCR_H_WLEN8;

			wrn(&t.u, T_LCR_H, size, v);
			if (ok_size)
				m.lcr_h = v & smask;
		} else if (op < 82) {
			uint32_t v = rnd() & 0x3fu;

			wrn(&t.u, T_IFLS, size, v);
			if (ok_size)
				m.ifls = v & smask;
		} else if (op < 89) {
			wrn(&t.u, T_IMSC, size, rnd() & (rnd_below(2) ? 0x70u : 0x7ffu));
		} else if (op < 95) {
			wrn(&t.u, T_ICR, size, rnd() & (rnd_below(2) ? 0x70u : 0xffffffffu));
		} else { /* anything else, read or written */
			uint32_t off = other_regs[rnd_below(ARRAY_SIZE(other_regs))];

			if (rnd_below(2))
				(void)rdn(&t.u, off, size);
			else
				wrn(&t.u, off, size, rnd());
		}
		check_invariants(&t, &m);
	}
	/* The run must have exercised both interrupt levels and full/empty FIFOs. */
	assert_true(t.r.raises > 100);
	assert_true(t.r.lowers > 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reset_values),
		cmocka_unit_test(test_id_registers),
		cmocka_unit_test(test_register_masks),
		cmocka_unit_test(test_reserved_offsets_raz_wi),
		cmocka_unit_test(test_halfword_access_to_every_register),
		cmocka_unit_test(test_byte_and_word_data_register),
		cmocka_unit_test(test_unsupported_accesses_raz_wi),
		cmocka_unit_test(test_tx_in_order_fifo_always_empty),
		cmocka_unit_test(test_tx_not_gated_by_uarten_txe),
		cmocka_unit_test(test_linux_earlycon_at_reset),
		cmocka_unit_test(test_loopback),
		cmocka_unit_test(test_txris_set_by_write_cleared_by_icr),
		cmocka_unit_test(test_imsc_ris_mis_icr),
		cmocka_unit_test(test_irq_callback_only_on_change),
		cmocka_unit_test(test_null_ops),
		cmocka_unit_test(test_rx_gating),
		cmocka_unit_test(test_rx_fifo_full_and_empty),
		cmocka_unit_test(test_rx_trigger_levels),
		cmocka_unit_test(test_rx_icr_stays_clear_until_level_crossed_again),
		cmocka_unit_test(test_rx_level_change_by_ifls_and_fen),
		cmocka_unit_test(test_rx_timeout),
		cmocka_unit_test(test_linux_tx_interrupt_driven_100_bytes),
		cmocka_unit_test(test_linux_tx_start_sends_all),
		cmocka_unit_test(test_linux_old_driver_tx),
		cmocka_unit_test(test_linux_rx),
		cmocka_unit_test(test_randomized_invariants),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
