/* Line-oriented hypervisor console (see console.h). */
#include "hyp/console.h"

#include <stdarg.h>
#include <string.h>

#include "hyp/fmt.h"
#include "hyp/spinlock.h"

static spinlock_t console_lock = SPINLOCK_INIT;
static console_putc_fn out;		/* guarded by console_lock */
static char early[CONSOLE_EARLY_BYTES]; /* lines before the UART is known; guarded by the lock */
static size_t early_len;
static size_t early_lost;
static volatile bool lock_busted;

static void emit(const char *s, size_t n)
{
	if (out) {
		for (size_t i = 0; i < n; i++)
			out(s[i]);
		return;
	}
	if (early_len + n > sizeof(early)) {
		early_lost += n;
		return;
	}
	memcpy(early + early_len, s, n);
	early_len += n;
}

/* Writes one line and its "\r\n". Before the UART is known the two are kept together or lost
 * together: a line kept without its "\r\n" would run into the next output. */
static void emit_line(const char *s, size_t n)
{
	if (!out && early_len + n + 2 > sizeof(early)) {
		early_lost += n + 2;
		return;
	}
	emit(s, n);
	emit("\r\n", 2);
}

static void vline(const char *tag, const char *fmt, va_list ap)
{
	char line[CONSOLE_LINE_MAX];
	size_t n = (size_t)fmt_snprintf(line, sizeof(line), "%s%s", CONSOLE_PREFIX, tag);

	if (n < sizeof(line)) {
		int m = fmt_vsnprintf(line + n, sizeof(line) - n, fmt, ap);
		n += (size_t)m;
	}
	if (n > sizeof(line) - 1)
		n = sizeof(line) - 1; /* truncated: still one whole line */

	bool locked = !lock_busted;
	if (locked)
		spin_lock(&console_lock);
	emit_line(line, n);
	if (locked)
		spin_unlock(&console_lock);
}

void console_attach(console_putc_fn putc)
{
	spin_lock(&console_lock);
	out = putc;
	emit(early, early_len);
	early_len = 0;
	spin_unlock(&console_lock);
	if (early_lost)
		pr_warn("console: %zu bytes of early messages lost", early_lost);
}

void console_bust_lock(void)
{
	lock_busted = true;
}

#define DEFINE_PR(name, tag)                                                                       \
	void name(const char *fmt, ...)                                                            \
	{                                                                                          \
		va_list ap;                                                                        \
		va_start(ap, fmt);                                                                 \
		vline(tag, fmt, ap);                                                               \
		va_end(ap);                                                                        \
	}

DEFINE_PR(pr_info, "")
DEFINE_PR(pr_err, "error: ")
DEFINE_PR(pr_warn, "warning: ")

void console_guest_write(const char *name, const char *text, size_t n)
{
	char line[CONSOLE_LINE_MAX];

	while (n) {
		size_t len = (size_t)fmt_snprintf(line, sizeof(line), "[%s] ", name);
		if (len >= sizeof(line))
			len = sizeof(line) - 1;
		while (n && *text != '\n' && len < sizeof(line) - 1) {
			char c = *text++;
			line[len++] = (c >= ' ' && c <= '~') ? c : '?';
			n--;
		}
		if (n && *text == '\n') {
			text++;
			n--;
		}
		spin_lock(&console_lock);
		emit_line(line, len);
		spin_unlock(&console_lock);
	}
}
