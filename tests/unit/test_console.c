/* Host tests for hyp/console.c: the "[bulkhead] " prefix and the "warning: "/"error: " tags, the
 * 384-byte line limit, guest text split into "[name] " lines with non-printable bytes shown as
 * '?', the early-message buffer kept until console_attach() and its "bytes of early messages
 * lost" warning, whole lines under console_lock (also from several threads at once), and
 * console_bust_lock() for panic().
 *
 * The module keeps its state in file-scope statics with no reset (it is set up once per boot), so
 * this file includes console.c itself and puts those statics back to their boot values before
 * each test. The lower layer is a fake UART putc that records every byte and checks that each
 * line ("\r\n" included) went out in one hold of console_lock.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

/* Every acquisition of the lock in console.c is counted, so that the fake UART can tell a line
 * written in one hold of console_lock from one written in several. */
#include "hyp/spinlock.h"
static atomic_uint lock_holds;
static void counted_spin_lock(spinlock_t *l)
{
	(spin_lock)(l);
	atomic_fetch_add(&lock_holds, 1);
}
#define spin_lock(l) counted_spin_lock(l)
#include "hyp/console.c"
#undef spin_lock

/* Written out here rather than taken from console.h, so that a changed constant is noticed. */
#define T_LINE 383   /* longest console line, "\r\n" not counted */
#define T_EARLY 2048 /* early-message buffer */
#define T_PREFIX "[bulkhead] "

/* ------------------------------------------------------------------------------------------ */
/* Fake UART                                                                                  */

#define OUT_MAX 65536

static struct {
	char buf[OUT_MAX + 1]; /* NUL-terminated for assert_string_equal */
	size_t len;
	size_t unlocked;    /* bytes written while console_lock was free */
	size_t split;	    /* bytes of a line written in another hold of the lock than its first */
	bool line_start;    /* the next byte starts a line */
	unsigned line_hold; /* lock_holds when the current line started */
	size_t overflow;    /* bytes that did not fit in buf */
	unsigned delay_mod; /* threaded test: dawdle when len % delay_mod == 0 */
} rec;

static void rec_putc(char c)
{
	unsigned hold = atomic_load(&lock_holds);

	if (!atomic_load_explicit(&console_lock.locked, memory_order_relaxed))
		rec.unlocked++;
	if (rec.line_start)
		rec.line_hold = hold;
	else if (hold != rec.line_hold)
		rec.split++;
	if (rec.len >= OUT_MAX) {
		rec.overflow++;
		return;
	}
	rec.buf[rec.len++] = c;
	rec.buf[rec.len] = '\0';
	rec.line_start = c == '\n' && rec.len >= 2 && rec.buf[rec.len - 2] == '\r';
	/* A slow UART: gives another thread time to write in the middle of a line, if it can.
	 * (Busy, not sched_yield(): the waiters spin, and yielding to them is slow.) */
	if (rec.delay_mod && rec.len % rec.delay_mod == 0)
		for (volatile unsigned i = 0; i < 2000; i++)
			;
}

static void rec_clear(void)
{
	rec.len = 0;
	rec.buf[0] = '\0';
}

/* The module as it is at boot: no UART, nothing kept, nothing lost, lock free and not busted. */
static int fresh_console(void **state)
{
	(void)state;
	spin_lock_init(&console_lock);
	out = NULL;
	memset(early, 0, sizeof(early));
	early_len = 0;
	early_lost = 0;
	lock_busted = false;
	memset(&rec, 0, sizeof(rec));
	rec.line_start = true;
	return 0;
}

/* Exactly want was written since the last rec_clear(), every byte with console_lock held and
 * each line in one hold of it. */
static void expect_out(const char *want)
{
	assert_string_equal(rec.buf, want);
	assert_int_equal(rec.len, strlen(want));
	assert_int_equal(rec.overflow, 0);
	assert_int_equal(rec.unlocked, 0);
	assert_int_equal(rec.split, 0);
	assert_int_equal(atomic_load(&console_lock.locked), 0);
}

/* Helpers allocate with test_malloc(): cmocka frees such blocks when an assertion fails. */

/* A string of n characters, varied so that a dropped or repeated one shows. */
static char *text(size_t n, unsigned seed)
{
	char *s = test_malloc(n + 1);

	assert_non_null(s);
	for (size_t i = 0; i < n; i++)
		s[i] = (char)('a' + (i * 7 + seed) % 26);
	s[n] = '\0';
	return s;
}

static char *cat(const char *a, const char *b, const char *c)
{
	size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
	char *s = test_malloc(la + lb + lc + 1);

	assert_non_null(s);
	memcpy(s, a, la);
	memcpy(s + la, b, lb);
	memcpy(s + la + lb, c, lc + 1);
	return s;
}

/* ------------------------------------------------------------------------------------------ */
/* pr_info / pr_warn / pr_err                                                                 */

static void test_pr_info_line(void **state)
{
	(void)state;
	console_attach(rec_putc);
	expect_out("");
	pr_info("Bulkhead %s starting on cpu%u (MPIDR 0x%08x)", "v1.2", 0u, 0x80000000u);
	expect_out("[bulkhead] Bulkhead v1.2 starting on cpu0 (MPIDR 0x80000000)\r\n");
	rec_clear();
	pr_info("boot complete");
	pr_info("all %d CPUs online", 4);
	expect_out("[bulkhead] boot complete\r\n[bulkhead] all 4 CPUs online\r\n");
}

static void test_pr_warn_pr_err_tags(void **state)
{
	(void)state;
	console_attach(rec_putc);
	pr_warn("%u of %u CPUs online", 1u, 2u);
	pr_err("%s: property '%s' missing", "/chosen", "stdout-path");
	pr_info("%s", "warning: not a tag");
	expect_out("[bulkhead] warning: 1 of 2 CPUs online\r\n"
		   "[bulkhead] error: /chosen: property 'stdout-path' missing\r\n"
		   "[bulkhead] warning: not a tag\r\n");
}

static void test_empty_message(void **state)
{
	(void)state;
	console_attach(rec_putc);
	pr_info("%s", "");
	pr_warn("%s", "");
	pr_err("%s", "");
	expect_out("[bulkhead] \r\n[bulkhead] warning: \r\n[bulkhead] error: \r\n");
}

typedef void (*pr_fn)(const char *fmt, ...);

/* Messages that make the line one short of, exactly, one over and far over the limit: the line
 * is cut to T_LINE characters and still ends in "\r\n". */
static void check_limit(pr_fn pr, const char *tag)
{
	char *prefix = cat(T_PREFIX, tag, "");
	size_t fixed = strlen(prefix);
	const size_t totals[] = {T_LINE - 1, T_LINE, T_LINE + 1, T_LINE + 2, 1000};

	for (size_t i = 0; i < ARRAY_SIZE(totals); i++) {
		char *body = text(totals[i] - fixed, (unsigned)i);
		char *full = cat(prefix, body, "");

		if (strlen(full) > T_LINE)
			full[T_LINE] = '\0';
		char *want = cat(full, "\r\n", "");

		rec_clear();
		pr("%s", body);
		expect_out(want);
		test_free(want);
		test_free(full);
		test_free(body);
	}
	test_free(prefix);
}

static void test_line_limit(void **state)
{
	(void)state;
	console_attach(rec_putc);
	check_limit(pr_info, "");
	check_limit(pr_warn, "warning: ");
	check_limit(pr_err, "error: ");
}

/* One call is one line: the text is not split at '\n' (callers pass a single line). */
static void test_newline_in_message_not_split(void **state)
{
	(void)state;
	console_attach(rec_putc);
	pr_info("a\nb");
	expect_out("[bulkhead] a\nb\r\n");
}

/* ------------------------------------------------------------------------------------------ */
/* Early messages                                                                             */

static void test_early_lines_written_on_attach(void **state)
{
	(void)state;
	pr_info("Bulkhead %s starting", "v1");
	pr_warn("no PSCI");
	pr_err("x %d", -22);
	console_guest_write("alpha", "tick 1\n", 7);
	assert_int_equal(rec.len, 0);

	console_attach(rec_putc);
	expect_out("[bulkhead] Bulkhead v1 starting\r\n"
		   "[bulkhead] warning: no PSCI\r\n"
		   "[bulkhead] error: x -22\r\n"
		   "[alpha] tick 1\r\n");

	/* Written once; from now on straight to the UART. */
	rec_clear();
	pr_info("after");
	expect_out("[bulkhead] after\r\n");
}

static void test_attach_with_nothing_early(void **state)
{
	(void)state;
	console_attach(rec_putc);
	expect_out("");
	pr_info("first");
	expect_out("[bulkhead] first\r\n");
}

/* Prints early lines of `line` bytes each ("\r\n" included) until total bytes are kept; the
 * last line takes the remainder. Returns what the UART should show for them. */
static char *early_fill(size_t total, size_t line)
{
	char *want = test_calloc(total + 1, 1);
	size_t done = 0;
	unsigned seed = 0;

	assert_non_null(want);
	while (done < total) {
		size_t min = strlen(T_PREFIX) + 2,
		       n = total - done < line + min ? total - done : line;
		char *body = text(n - strlen(T_PREFIX) - 2, seed++);

		pr_info("%s", body);
		snprintf(want + done, n + 1, "%s%s\r\n", T_PREFIX, body);
		done += n;
		test_free(body);
	}
	assert_int_equal(strlen(want), total);
	return want;
}

static void test_early_buffer_exactly_full(void **state)
{
	char *want;

	(void)state;
	want = early_fill(T_EARLY, 100);
	assert_int_equal(early_len, T_EARLY);
	console_attach(rec_putc);
	expect_out(want); /* and no warning */
	test_free(want);
}

static void test_early_overflow_warns_bytes_lost(void **state)
{
	char *want, *full;

	(void)state;
	want = early_fill(T_EARLY, 100);
	pr_info("x");				     /* 11 + 1 + 2 = 14 bytes */
	pr_err("%s", "stage 2");		     /* 11 + 7 + 7 + 2 = 27 */
	console_guest_write("alpha", "one\ntwo", 7); /* 2 x (8 + 3 + 2) = 26 */
	assert_int_equal(rec.len, 0);
	console_attach(rec_putc);
	full = cat(want, "[bulkhead] warning: console: 67 bytes of early messages lost\r\n", "");
	expect_out(full);
	test_free(full);

	/* The warning is the only trace: later lines are written normally. */
	rec_clear();
	pr_info("later");
	expect_out("[bulkhead] later\r\n");
	test_free(want);
}

/* A line that does not fit in the rest of the buffer is lost whole, also when its text alone
 * would fit (room 14, 15) or its "\r\n" alone would (room 2-13): what is written on attach is
 * whole lines, and the warning starts a line of its own. */
static void test_early_line_kept_or_lost_whole(void **state)
{
	(void)state;
	for (size_t room = 1; room < 16; room++) {
		char *want, *full, warn[96];
		size_t lost = 11 + 3 + 2;

		fresh_console(NULL);
		want = early_fill(T_EARLY - room, 100);
		pr_info("abc"); /* 16 bytes, "\r\n" included */
		assert_int_equal(rec.len, 0);
		console_attach(rec_putc);
		snprintf(warn, sizeof(warn),
			 "[bulkhead] warning: console: %zu bytes of early messages lost\r\n", lost);
		full = cat(want, warn, "");
		expect_out(full);
		test_free(full);
		test_free(want);
	}
	/* 16 bytes of room: kept. */
	fresh_console(NULL);
	char *want = early_fill(T_EARLY - 16, 100);
	pr_info("abc");
	console_attach(rec_putc);
	char *full = cat(want, "[bulkhead] abc\r\n", "");
	expect_out(full);
	test_free(full);
	test_free(want);
}

/* ------------------------------------------------------------------------------------------ */
/* Guest text                                                                                 */

static void guest(const char *name, const char *s)
{
	size_t n = strlen(s);
	char *copy = malloc(n ? n : 1); /* exactly n bytes, no NUL: ASan catches a read past n */

	assert_non_null(copy);
	memcpy(copy, s, n);
	console_guest_write(name, copy, n);
	free(copy);
}

static void test_guest_line(void **state)
{
	(void)state;
	console_attach(rec_putc);
	guest("alpha", "tick 10\n");
	expect_out("[alpha] tick 10\r\n");
	rec_clear();
	guest("alpha", "no newline");
	expect_out("[alpha] no newline\r\n");
}

static void test_guest_split_at_newlines(void **state)
{
	(void)state;
	console_attach(rec_putc);
	guest("p", "one\ntwo\nthree");
	expect_out("[p] one\r\n[p] two\r\n[p] three\r\n");
	rec_clear();
	guest("p", "one\ntwo\n"); /* a trailing '\n' adds no empty line */
	expect_out("[p] one\r\n[p] two\r\n");
	rec_clear();
	guest("p", "\n"); /* but an empty line is printed */
	expect_out("[p] \r\n");
	rec_clear();
	guest("p", "a\n\nb\n\n");
	expect_out("[p] a\r\n[p] \r\n[p] b\r\n[p] \r\n");
	rec_clear();
	guest("p", "");
	expect_out("");
}

static void test_guest_length_not_nul(void **state)
{
	static const char buf[] = {'a', 'b', '\0', 'c', '\n', 'd'};

	(void)state;
	console_attach(rec_putc);
	console_guest_write("p", buf, 3);
	console_guest_write("q", buf, sizeof(buf));
	console_guest_write("r", buf, 0);
	expect_out("[p] ab?\r\n[q] ab?c\r\n[q] d\r\n");
}

/* Every byte value but '\n': printable ASCII (0x20-0x7e) as it is, everything else '?' (the
 * guest cannot move the cursor, clear the screen or end a line with '\r'). */
static void test_guest_non_printable(void **state)
{
	char in[255], want[4 + 255 + 3];
	size_t k = 0;

	(void)state;
	memcpy(want, "[p] ", 4);
	for (unsigned c = 0; c < 256; c++) {
		if (c == '\n')
			continue;
		in[k] = (char)c;
		want[4 + k] = (c >= 0x20 && c <= 0x7e) ? (char)c : '?';
		k++;
	}
	memcpy(want + 4 + k, "\r\n", 3);
	console_attach(rec_putc);
	console_guest_write("p", in, sizeof(in));
	expect_out(want);
	rec_clear();
	guest("p", "crlf\r\n");
	expect_out("[p] crlf?\r\n");
}

/* A guest line longer than the console line continues on the next one, prefixed again. */
static void check_guest_long(const char *name)
{
	char prefix[40];
	size_t plen = (size_t)snprintf(prefix, sizeof(prefix), "[%s] ", name);
	size_t room = T_LINE - plen;
	char *t = text(3 * room + 5, 3);
	char want[4 * (T_LINE + 2) + 1];
	char *line;

	/* Exactly one console line, with and without its '\n'. */
	line = cat(t, "", "");
	line[room] = '\0';
	rec_clear();
	guest(name, line);
	snprintf(want, sizeof(want), "%s%s\r\n", prefix, line);
	expect_out(want);
	char *nl = cat(line, "\n", "");
	rec_clear();
	guest(name, nl);
	expect_out(want);
	test_free(nl);
	test_free(line);

	/* One more character: two lines. */
	line = cat(t, "", "");
	line[room + 1] = '\0';
	rec_clear();
	guest(name, line);
	snprintf(want, sizeof(want), "%s%.*s\r\n%s%c\r\n", prefix, (int)room, t, prefix, t[room]);
	expect_out(want);
	test_free(line);

	/* Three full lines and five characters. */
	rec_clear();
	guest(name, t);
	snprintf(want, sizeof(want), "%s%.*s\r\n%s%.*s\r\n%s%.*s\r\n%s%s\r\n", prefix, (int)room, t,
		 prefix, (int)room, t + room, prefix, (int)room, t + 2 * room, prefix,
		 t + 3 * room);
	expect_out(want);
	test_free(t);
}

static void test_guest_long_line(void **state)
{
	(void)state;
	console_attach(rec_putc);
	check_guest_long("p");
	check_guest_long("a234567890123456789012345678901"); /* CONFIG_NAME_MAX - 1 */
}

/* ------------------------------------------------------------------------------------------ */
/* Locking                                                                                    */

static void test_lock_held_for_whole_lines(void **state)
{
	(void)state;
	console_attach(rec_putc);
	pr_info("a");
	pr_warn("b");
	pr_err("c");
	guest("p", "d\ne");
	expect_out("[bulkhead] a\r\n[bulkhead] warning: b\r\n[bulkhead] error: c\r\n"
		   "[p] d\r\n[p] e\r\n"); /* includes: every byte under the lock, lock free after */
}

/* panic() on a CPU while another, dead, CPU holds the lock: after console_bust_lock() lines are
 * still written. (Without it this test would hang: the alarm turns that into a failure.) */
static void test_bust_lock(void **state)
{
	(void)state;
	console_attach(rec_putc);
	spin_lock(&console_lock);
	console_bust_lock();
	alarm(10);
	pr_err("PANIC on cpu%u: %s", 1u, "data abort in HYP mode");
	pr_info("still");
	alarm(0);
	assert_string_equal(rec.buf, "[bulkhead] error: PANIC on cpu1: data abort in HYP mode\r\n"
				     "[bulkhead] still\r\n");
	spin_unlock(&console_lock);
}

#define THREADS 4
#define ROUNDS 150

static void *writer(void *arg)
{
	unsigned t = (unsigned)(uintptr_t)arg;
	char name[8], buf[64];

	snprintf(name, sizeof(name), "g%u", t);
	for (unsigned i = 0; i < ROUNDS; i++) {
		pr_info("t%u line %u of thread %u", t, i, t);
		int n = snprintf(buf, sizeof(buf), "t%u a%u\nt%u b%u", t, i, t, i);
		console_guest_write(name, buf, (size_t)n);
	}
	return NULL;
}

/* Several CPUs printing at once: every line whole, each writer's lines in its own order. */
static void test_concurrent_lines_whole(void **state)
{
	pthread_t th[THREADS];
	unsigned next[THREADS] = {0};
	size_t lines = 0;

	(void)state;
	console_attach(rec_putc);
	rec.delay_mod = 5;
	for (unsigned t = 0; t < THREADS; t++)
		assert_int_equal(pthread_create(&th[t], NULL, writer, (void *)(uintptr_t)t), 0);
	for (unsigned t = 0; t < THREADS; t++)
		assert_int_equal(pthread_join(th[t], NULL), 0);
	rec.delay_mod = 0;
	assert_int_equal(rec.overflow, 0);
	assert_int_equal(rec.unlocked, 0);
	assert_int_equal(rec.split, 0);

	/* Each writer's round is three lines: its pr_info line, then its two guest lines. */
	for (char *s = rec.buf, *e; *s; s = e + 2, lines++) {
		char want[64];
		unsigned t = THREADS;

		e = strstr(s, "\r\n");
		assert_non_null(e);
		*e = '\0';
		if (!strncmp(s, "[bulkhead] t", 12))
			t = (unsigned)(s[12] - '0');
		else if (!strncmp(s, "[g", 2))
			t = (unsigned)(s[2] - '0');
		assert_true(t < THREADS);
		unsigned i = next[t] / 3, k = next[t] % 3;
		if (k == 0)
			snprintf(want, sizeof(want), "[bulkhead] t%u line %u of thread %u", t, i,
				 t);
		else
			snprintf(want, sizeof(want), "[g%u] t%u %c%u", t, t, k == 1 ? 'a' : 'b', i);
		assert_string_equal(s, want);
		next[t]++;
	}
	assert_int_equal(lines, THREADS * ROUNDS * 3);
	for (unsigned t = 0; t < THREADS; t++)
		assert_int_equal(next[t], ROUNDS * 3);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup(fn, fresh_console)
	const struct CMUnitTest tests[] = {
		T(test_pr_info_line),
		T(test_pr_warn_pr_err_tags),
		T(test_empty_message),
		T(test_line_limit),
		T(test_newline_in_message_not_split),
		T(test_early_lines_written_on_attach),
		T(test_attach_with_nothing_early),
		T(test_early_buffer_exactly_full),
		T(test_early_overflow_warns_bytes_lost),
		T(test_early_line_kept_or_lost_whole),
		T(test_guest_line),
		T(test_guest_split_at_newlines),
		T(test_guest_length_not_nul),
		T(test_guest_non_printable),
		T(test_guest_long_line),
		T(test_lock_held_for_whole_lines),
		T(test_bust_lock),
		T(test_concurrent_lines_whole),
	};
#undef T

	return cmocka_run_group_tests_name("console", tests, NULL, NULL);
}
