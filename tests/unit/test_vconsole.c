/* Host tests for hyp/vconsole.c: a partition's emulated PL011 on its MMIO bus (registration,
 * the partition without one, restart, errors), the line buffer behind UARTDR (160-character
 * lines, '\r' dropped, empty lines, flush on '\n' or when full, two partitions at once) with the
 * exact bytes that reach the hypervisor console, the locks held on the way, and the UART's
 * interrupt output driving the partition's virtual SPI.
 *
 * Linked with the real console (hyp/console.c, attached to a fake UART putc that records every
 * byte), register model (hyp/vuart.c) and MMIO bus (hyp/mmio.c); the vGIC distributor below is a
 * fake that records set_pending/clear_pending calls.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hyp/console.h"
#include "hyp/mmio.h"
#include "hyp/partition.h"
#include "hyp/vconsole.h"

/* PL011 registers and bits (TRM DDI 0183G, 3.2-3.3), written out here rather than taken from
 * hyp/vuart.c. */
#define T_DR 0x000u
#define T_FR 0x018u
#define T_CR 0x030u
#define T_IMSC 0x038u
#define T_RIS 0x03cu
#define T_ICR 0x044u
#define T_PERIPHID0 0xfe0u
#define T_CR_UARTEN (1u << 0)
#define T_CR_TXE (1u << 8)
#define T_CR_RXE (1u << 9)
#define T_INT_TX (1u << 5)
#define T_INT_RT (1u << 6)

#define T_LINE 160 /* VCONSOLE_LINE_MAX, written out */
#define T_FRAME 0x1000u
#define T_INTID 33u

/* ------------------------------------------------------------------------------------------ */
/* Fakes: the console's UART and the vGIC distributor                                         */

#define OUT_MAX 8192
#define MAX_EVENTS 32

struct event {
	char what; /* 'S' set_pending(level = true), 's' set_pending(level = false), 'C' clear */
	struct vgic_dist *dist;
	unsigned vcpu, intid;
	bool vgic_locked, vcon_locked;
};

static struct {
	char buf[OUT_MAX + 1]; /* NUL-terminated for assert_string_equal */
	size_t len;
	struct partition *writing; /* the partition whose UARTDR access is in progress */
	size_t unlocked;	   /* bytes written without its vconsole lock held */
	struct event ev[MAX_EVENTS];
	unsigned nev;
} rec;

static void rec_putc(char c)
{
	assert_true(rec.len < OUT_MAX);
	if (!rec.writing || !atomic_load(&rec.writing->vcon.lock.locked))
		rec.unlocked++;
	rec.buf[rec.len++] = c;
	rec.buf[rec.len] = '\0';
}

static struct partition *part_of(struct vgic_dist *d)
{
	return (struct partition *)((char *)d - offsetof(struct partition, vgic) -
				    offsetof(struct vgic, dist));
}

static void rec_event(char what, struct vgic_dist *d, unsigned vcpu, unsigned intid)
{
	struct partition *p = part_of(d);

	assert_true(rec.nev < MAX_EVENTS);
	rec.ev[rec.nev++] = (struct event){
		.what = what,
		.dist = d,
		.vcpu = vcpu,
		.intid = intid,
		.vgic_locked = atomic_load(&p->vgic.lock.locked) != 0,
		.vcon_locked = atomic_load(&p->vcon.lock.locked) != 0,
	};
}

int vgic_dist_set_pending(struct vgic_dist *d, unsigned vcpu, unsigned intid, bool level)
{
	rec_event(level ? 'S' : 's', d, vcpu, intid);
	return 0;
}

int vgic_dist_clear_pending(struct vgic_dist *d, unsigned vcpu, unsigned intid)
{
	rec_event('C', d, vcpu, intid);
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Partitions                                                                                 */

struct fixture {
	struct part_config cfg;
	struct partition p;
};

static struct fixture *new_part(const char *name, bool has_vuart, ipa_t ipa)
{
	struct fixture *f = test_calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->cfg.name, sizeof(f->cfg.name), "%s", name);
	f->cfg.has_vuart = has_vuart;
	f->cfg.vuart_ipa = ipa;
	f->cfg.vuart_intid = T_INTID;
	f->p.cfg = &f->cfg;
	spin_lock_init(&f->p.vgic.lock);
	return f;
}

/* A partition with its console initialised, as partition creation leaves it. */
static struct partition *make(struct fixture **fp, const char *name)
{
	struct fixture *f = new_part(name, true, 0x9000000);

	assert_int_equal(vconsole_init(&f->p), 0);
	*fp = f;
	return &f->p;
}

/* A guest access to the UART page, as the trap handler passes it on. */
static uint32_t uart_access(struct partition *p, uint64_t off, unsigned size, bool write,
			    uint32_t v)
{
	struct mmio_access a = {
		.ipa = p->cfg->vuart_ipa + off, .size = size, .write = write, .il32 = true};
	uint32_t reg = v;

	rec.writing = p;
	assert_int_equal(mmio_dispatch(&p->bus, &a, &reg), 0);
	rec.writing = NULL;
	assert_int_equal(atomic_load(&p->vcon.lock.locked), 0);
	assert_int_equal(atomic_load(&p->vgic.lock.locked), 0);
	return reg;
}

static uint32_t rd(struct partition *p, uint64_t off)
{
	return uart_access(p, off, 4, false, 0);
}

static void wr(struct partition *p, uint64_t off, uint32_t v)
{
	(void)uart_access(p, off, 4, true, v);
}

/* The guest transmits n bytes of s, one byte store to UARTDR each (Linux earlycon). */
static void putn(struct partition *p, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		(void)uart_access(p, T_DR, 1, true, (uint8_t)s[i]);
}

static void puts_(struct partition *p, const char *s)
{
	putn(p, s, strlen(s));
}

static int setup(void **state)
{
	(void)state;
	memset(&rec, 0, sizeof(rec));
	return 0;
}

static void rec_clear(void)
{
	rec.len = 0;
	rec.buf[0] = '\0';
}

/* Exactly want reached the console since the last rec_clear(), all of it with the writing
 * partition's vconsole lock held. */
static void expect_out(const char *want)
{
	assert_string_equal(rec.buf, want);
	assert_int_equal(rec.len, strlen(want));
	assert_int_equal(rec.unlocked, 0);
}

/* n characters, varied so that a dropped or repeated one shows. */
static void fill(char *s, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		s[i] = (char)('A' + (i * 7 + seed) % 26);
	s[n] = '\0';
}

/* ------------------------------------------------------------------------------------------ */
/* Setup                                                                                      */

static void test_no_vuart(void **state)
{
	struct fixture *f = new_part("alpha", false, 0x9000000);

	(void)state;
	f->p.vcon.len = 7; /* "does nothing": not even a reset */
	assert_int_equal(vconsole_init(&f->p), 0);
	assert_int_equal(f->p.bus.nr, 0);
	assert_null(mmio_find(&f->p.bus, 0x9000000, 4));
	assert_int_equal(f->p.vcon.len, 7);
	test_free(f);
}

static void test_init_maps_uart_page(void **state)
{
	struct fixture *f = new_part("alpha", true, 0x9000000);
	const struct mmio_region *r;

	(void)state;
	memset(&f->p.vcon, 0xa5, sizeof(f->p.vcon)); /* init must not depend on prior contents */
	assert_int_equal(vconsole_init(&f->p), 0);
	assert_int_equal(f->p.bus.nr, 1);
	r = &f->p.bus.regions[0];
	assert_int_equal(r->base, 0x9000000);
	assert_int_equal(r->size, T_FRAME);
	assert_ptr_equal(r->dev, &f->p);
	assert_string_equal(r->name, "vuart");
	assert_int_equal(f->p.vcon.len, 0);
	assert_int_equal(atomic_load(&f->p.vcon.lock.locked), 0);

	/* The PL011 model answers across the page, at its reset values. */
	assert_int_equal(rd(&f->p, T_FR), 0x90);
	assert_int_equal(rd(&f->p, T_CR), 0x300);
	assert_int_equal(rd(&f->p, T_PERIPHID0), 0x11);
	assert_int_equal(rd(&f->p, T_FRAME - 4), 0xb1); /* UARTPCellID3 */
	assert_null(mmio_find(&f->p.bus, 0x9000000 + T_FRAME, 1));
	assert_null(mmio_find(&f->p.bus, 0x9000000 - 4, 4));
	assert_int_equal(rec.nev, 0); /* no interrupt change at reset */
	expect_out("");
	test_free(f);
}

/* A restart reuses the bus: the region is not registered twice; the model and the line buffer
 * start again (a line without '\n' is discarded). */
static void test_restart(void **state)
{
	struct fixture *f;
	struct partition *p = make(&f, "alpha");

	(void)state;
	wr(p, T_IMSC, T_INT_TX);
	puts_(p, "partial");
	assert_int_equal(rec.nev, 1);
	expect_out("");

	rec.nev = 0;
	assert_int_equal(vconsole_init(p), 0);
	assert_int_equal(p->bus.nr, 1);
	assert_ptr_equal(p->bus.regions[0].dev, p);
	assert_int_equal(rd(p, T_IMSC), 0);
	assert_int_equal(rd(p, T_RIS), 0);
	assert_int_equal(rec.nev, 0); /* the caller resets the vGIC (hyp/vuart.h) */
	puts_(p, "fresh\n");
	expect_out("[alpha] fresh\r\n");
	test_free(f);
}

static int dummy_read(void *dev, uint64_t off, unsigned size, uint32_t *val)
{
	(void)dev;
	(void)off;
	(void)size;
	*val = 0;
	return 0;
}

static int dummy_write(void *dev, uint64_t off, unsigned size, uint32_t val)
{
	(void)dev;
	(void)off;
	(void)size;
	(void)val;
	return 0;
}

/* mmio_register()'s errors come back unchanged, and the bus is left as it was. */
static void test_register_errors(void **state)
{
	struct mmio_region other = {
		.size = 0x1000, .read = dummy_read, .write = dummy_write, .name = "other"};
	struct fixture *f;

	(void)state;
	/* Overlapping another device's window without containing the UART's first word. */
	f = new_part("alpha", true, 0x9000000);
	other.base = 0x9000800;
	assert_int_equal(mmio_register(&f->p.bus, &other), 0);
	assert_int_equal(vconsole_init(&f->p), -EEXIST);
	assert_int_equal(f->p.bus.nr, 1);
	test_free(f);

	/* A full bus. */
	f = new_part("alpha", true, 0x9000000);
	for (unsigned i = 0; i < MMIO_MAX_REGIONS; i++) {
		other.base = 0x10000000 + 0x1000 * (uint64_t)i;
		assert_int_equal(mmio_register(&f->p.bus, &other), 0);
	}
	assert_int_equal(vconsole_init(&f->p), -ENOSPC);
	assert_int_equal(f->p.bus.nr, MMIO_MAX_REGIONS);
	test_free(f);

	/* Beyond the 40-bit IPA space. */
	f = new_part("alpha", true, 1ull << 40);
	assert_int_equal(vconsole_init(&f->p), -EINVAL);
	assert_int_equal(f->p.bus.nr, 0);
	test_free(f);
}

/* ------------------------------------------------------------------------------------------ */
/* Lines                                                                                      */

static void test_line_on_newline(void **state)
{
	struct fixture *f;
	struct partition *p = make(&f, "alpha");

	(void)state;
	puts_(p, "Booting Linux");
	expect_out(""); /* nothing until the line ends */
	puts_(p, " on physical CPU 0x0\n");
	expect_out("[alpha] Booting Linux on physical CPU 0x0\r\n");
	test_free(f);
}

static void test_several_lines(void **state)
{
	struct fixture *f;
	struct partition *p = make(&f, "alpha");

	(void)state;
	puts_(p, "one\ntwo\nthree\nfour");
	expect_out("[alpha] one\r\n[alpha] two\r\n[alpha] three\r\n");
	puts_(p, "\n");
	expect_out("[alpha] one\r\n[alpha] two\r\n[alpha] three\r\n[alpha] four\r\n");
	test_free(f);
}

/* '\r' is dropped wherever it is: "\r\n" ends a line once, and a lone '\r' neither ends a line
 * nor shows. */
static void test_cr_dropped(void **state)
{
	struct fixture *f;
	struct partition *p = make(&f, "alpha");

	(void)state;
	puts_(p, "one\r\ntwo\r\n");
	expect_out("[alpha] one\r\n[alpha] two\r\n");
	rec_clear();
	puts_(p, "ab\rcd\r\r\n");
	expect_out("[alpha] abcd\r\n");
	rec_clear();
	puts_(p, "\r\r\r");
	expect_out("");
	puts_(p, "x\n");
	expect_out("[alpha] x\r\n");
	test_free(f);
}

/* An empty line prints nothing (so a line of exactly 160 characters and its '\n' make one
 * console line, not two). */
static void test_empty_lines_dropped(void **state)
{
	struct fixture *f;
	struct partition *p = make(&f, "alpha");

	(void)state;
	puts_(p, "\n");
	puts_(p, "\r\n");
	expect_out("");
	puts_(p, "a\n\n\r\nb\n");
	expect_out("[alpha] a\r\n[alpha] b\r\n");
	test_free(f);
}

static void test_line_of_exactly_the_limit(void **state)
{
	struct fixture *f;
	struct partition *p = make(&f, "alpha");
	char s[T_LINE + 1], want[T_LINE + 16];

	(void)state;
	fill(s, T_LINE, 0);
	snprintf(want, sizeof(want), "[alpha] %s\r\n", s);

	/* Printed when the 160th character arrives, without waiting for '\n'... */
	putn(p, s, T_LINE - 1);
	expect_out("");
	putn(p, s + T_LINE - 1, 1);
	expect_out(want);
	/* ...whose arrival then adds nothing. */
	puts_(p, "\n");
	expect_out(want);

	/* "\r\n" after it neither. */
	rec_clear();
	puts_(p, s);
	puts_(p, "\r\n");
	expect_out(want);

	/* One short of the limit waits for its '\n'. */
	rec_clear();
	putn(p, s, T_LINE - 1);
	expect_out("");
	puts_(p, "\n");
	snprintf(want, sizeof(want), "[alpha] %.*s\r\n", T_LINE - 1, s);
	expect_out(want);
	test_free(f);
}

static void test_line_over_the_limit(void **state)
{
	struct fixture *f;
	struct partition *p = make(&f, "alpha");
	char s[3 * T_LINE + 1], want[4 * (T_LINE + 16)];

	(void)state;
	/* 161 characters: 160, then 1 at the '\n'. */
	fill(s, T_LINE + 1, 1);
	puts_(p, s);
	snprintf(want, sizeof(want), "[alpha] %.*s\r\n", T_LINE, s);
	expect_out(want);
	puts_(p, "\n");
	snprintf(want, sizeof(want), "[alpha] %.*s\r\n[alpha] %c\r\n", T_LINE, s, s[T_LINE]);
	expect_out(want);

	/* 400 characters: 160, 160, then 80 at the '\n'; '\r's do not count. */
	rec_clear();
	fill(s, 400, 2);
	for (size_t i = 0; i < 400; i++) {
		putn(p, s + i, 1);
		if (i % 50 == 0)
			puts_(p, "\r");
	}
	snprintf(want, sizeof(want), "[alpha] %.*s\r\n[alpha] %.*s\r\n", T_LINE, s, T_LINE,
		 s + T_LINE);
	expect_out(want);
	puts_(p, "\n");
	snprintf(want, sizeof(want), "[alpha] %.*s\r\n[alpha] %.*s\r\n[alpha] %s\r\n", T_LINE, s,
		 T_LINE, s + T_LINE, s + 2 * T_LINE);
	expect_out(want);
	test_free(f);
}

/* Bytes other than printable ASCII reach the console as '?' (hyp/console.h); NUL is a byte like
 * any other and does not end the line. */
static void test_non_printable(void **state)
{
	static const char in[] = {'a',	'\t',	    0x1b,	'[',	    '2',	'J', 0,
				  0x7f, (char)0x80, (char)0xc3, (char)0xa9, (char)0xff, 'z', '\n'};
	struct fixture *f;
	struct partition *p = make(&f, "alpha");

	(void)state;
	putn(p, in, sizeof(in));
	expect_out("[alpha] a??[2J??????z\r\n");
	test_free(f);
}

/* Only bits [7:0] of a UARTDR write are data, whatever the access size (earlycon pl011,mmio32). */
static void test_word_and_halfword_writes(void **state)
{
	struct fixture *f;
	struct partition *p = make(&f, "alpha");

	(void)state;
	wr(p, T_DR, 0x00000f6f);
	(void)uart_access(p, T_DR, 2, true, 0xff6b);
	wr(p, T_DR, 0xffffff0a);
	expect_out("[alpha] ok\r\n");
	test_free(f);
}

/* Each partition has its own line buffer and prefix: bytes of two partitions arriving in turn
 * (two CPUs) make whole lines, each under its own name, in the order they end. */
static void test_two_partitions_interleaved(void **state)
{
	struct fixture *fa, *fb;
	struct partition *a = make(&fa, "alpha"), *b = make(&fb, "beta-2");
	const char *sa = "hello from a\nsecond a\n", *sb = "b says hi\r\n";
	size_t ia = 0, ib = 0;

	(void)state;
	while (sa[ia] || sb[ib]) {
		if (sa[ia])
			putn(a, sa + ia++, 1);
		if (sb[ib])
			putn(b, sb + ib++, 1);
	}
	expect_out("[beta-2] b says hi\r\n[alpha] hello from a\r\n[alpha] second a\r\n");
	test_free(fa);
	test_free(fb);
}

/* ------------------------------------------------------------------------------------------ */
/* Interrupt output                                                                           */

static void expect_event(unsigned i, char what, const struct partition *p)
{
	assert_true(i < rec.nev);
	assert_int_equal(rec.ev[i].what, what);
	assert_ptr_equal(rec.ev[i].dist, &p->vgic.dist);
	assert_int_equal(rec.ev[i].vcpu, 0);
	assert_int_equal(rec.ev[i].intid, T_INTID);
	assert_true(rec.ev[i].vgic_locked);
	assert_true(rec.ev[i].vcon_locked); /* vconsole lock taken before the vGIC lock */
}

/* The UART's level becomes the partition's virtual SPI vuart_intid: high sets it pending as a
 * level (set_pending with level = true), low clears it. */
static void test_irq_drives_virtual_spi(void **state)
{
	struct fixture *f;
	struct partition *p = make(&f, "alpha");

	(void)state;
	puts_(p, "x"); /* TXRIS set, masked: no change */
	assert_int_equal(rec.nev, 0);
	wr(p, T_IMSC, T_INT_TX); /* unmasked: high */
	assert_int_equal(rec.nev, 1);
	expect_event(0, 'S', p);
	puts_(p, "y"); /* still high: no call */
	assert_int_equal(rec.nev, 1);
	wr(p, T_ICR, T_INT_TX); /* cleared: low */
	assert_int_equal(rec.nev, 2);
	expect_event(1, 'C', p);
	puts_(p, "\n"); /* high again, after the line went out */
	assert_int_equal(rec.nev, 3);
	expect_event(2, 'S', p);
	wr(p, T_IMSC, 0); /* masked: low */
	assert_int_equal(rec.nev, 4);
	expect_event(3, 'C', p);
	expect_out("[alpha] xy\r\n");
	test_free(f);
}

/* A UARTDR read changes the level too (it empties the RX FIFO), under the same locks. Nothing in
 * vconsole feeds the receiver yet, so the byte is put in through the model itself. */
static void test_irq_from_read(void **state)
{
	struct fixture *f;
	struct partition *p = make(&f, "alpha");

	(void)state;
	wr(p, T_CR, T_CR_UARTEN | T_CR_TXE | T_CR_RXE);
	wr(p, T_IMSC, T_INT_RT);
	assert_int_equal(rec.nev, 0);
	spin_lock(&p->vcon.lock);
	assert_true(vuart_rx(&p->vcon.uart, 'k'));
	spin_unlock(&p->vcon.lock);
	assert_int_equal(rec.nev, 1);
	assert_int_equal(rec.ev[0].what, 'S');
	assert_int_equal(rd(p, T_DR), 'k');
	assert_int_equal(rec.nev, 2);
	expect_event(1, 'C', p);
	expect_out("");
	test_free(f);
}

/* Two partitions' UARTs drive their own distributors. */
static void test_irq_per_partition(void **state)
{
	struct fixture *fa, *fb;
	struct partition *a = make(&fa, "alpha"), *b = make(&fb, "beta");

	(void)state;
	fb->cfg.vuart_intid = 40;
	wr(b, T_IMSC, T_INT_TX);
	puts_(b, "q");
	wr(a, T_IMSC, T_INT_TX);
	puts_(a, "r");
	assert_int_equal(rec.nev, 2);
	assert_ptr_equal(rec.ev[0].dist, &b->vgic.dist);
	assert_int_equal(rec.ev[0].intid, 40);
	expect_event(1, 'S', a);
	test_free(fa);
	test_free(fb);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup(fn, setup)
	const struct CMUnitTest tests[] = {
		T(test_no_vuart),
		T(test_init_maps_uart_page),
		T(test_restart),
		T(test_register_errors),
		T(test_line_on_newline),
		T(test_several_lines),
		T(test_cr_dropped),
		T(test_empty_lines_dropped),
		T(test_line_of_exactly_the_limit),
		T(test_line_over_the_limit),
		T(test_non_printable),
		T(test_word_and_halfword_writes),
		T(test_two_partitions_interleaved),
		T(test_irq_drives_virtual_spi),
		T(test_irq_from_read),
		T(test_irq_per_partition),
	};
#undef T

	console_attach(rec_putc); /* nothing printed before: no early lines */
	return cmocka_run_group_tests_name("vconsole", tests, NULL, NULL);
}
