/* gprintf: a small printf into a line buffer, flushed with BH_HVC_CONSOLE_WRITE. */
#include "guests/common/console.h"

#include <stdarg.h>

#include "guests/common/hvc.h"

void console_write(const char *buf, size_t len)
{
	while (len > 0) {
		/* The buffer's address is its IPA: the MMU is off (guest.h). */
		int32_t taken =
			(int32_t)hvc_call(BH_HVC_CONSOLE_WRITE, (uintptr_t)buf, (uint32_t)len, 0)
				.r0;

		if (taken <= 0 || (size_t)taken > len)
			return; /* refused: nothing better to do than drop the rest */
		buf += taken;
		len -= (size_t)taken;
	}
}

struct line {
	char buf[BH_CONSOLE_WRITE_MAX];
	size_t len;
	int total;
};

static void put(struct line *l, char c)
{
	if (l->len == sizeof(l->buf)) {
		console_write(l->buf, l->len);
		l->len = 0;
	}
	l->buf[l->len++] = c;
	l->total++;
}

static void put_str(struct line *l, const char *s)
{
	while (*s)
		put(l, *s++);
}

/* Field layout of one conversion: at least `width` characters, padded on the left with `pad`
 * (' ' or '0'), or on the right with spaces if `left`. */
struct field {
	unsigned width;
	char pad;
	bool left;
};

/* Puts the sign/prefix, then s[0..len), padded as f says. Zero padding goes between the prefix
 * and the digits ("-0042"). */
static void put_field(struct line *l, const struct field *f, const char *prefix, const char *s,
		      size_t len)
{
	size_t plen = 0;
	size_t fill;

	while (prefix[plen])
		plen++;
	fill = f->width > plen + len ? f->width - plen - len : 0;
	if (!f->left && f->pad == ' ')
		for (; fill > 0; fill--)
			put(l, ' ');
	put_str(l, prefix);
	if (!f->left)
		for (; fill > 0; fill--)
			put(l, '0');
	while (len--)
		put(l, *s++);
	for (; fill > 0; fill--)
		put(l, ' ');
}

/* Unsigned number in base 10 or 16. */
static void put_num(struct line *l, const struct field *f, const char *prefix, uint64_t v,
		    unsigned base)
{
	char digits[20]; /* 2^64 - 1 has 20 decimal digits */
	char *p = digits + sizeof(digits);

	do {
		*--p = "0123456789abcdef"[v % base];
		v /= base;
	} while (v != 0);
	put_field(l, f, prefix, p, (size_t)(digits + sizeof(digits) - p));
}

int gprintf(const char *fmt, ...)
{
	struct line l = {.len = 0, .total = 0};
	va_list ap;

	va_start(ap, fmt);
	for (; *fmt; fmt++) {
		struct field f = {.width = 0, .pad = ' ', .left = false};
		unsigned longs = 0;
		uint64_t u;
		int64_t d;

		if (*fmt != '%') {
			put(&l, *fmt);
			continue;
		}
		for (fmt++; *fmt == '-' || *fmt == '0'; fmt++) {
			if (*fmt == '-')
				f.left = true;
			else
				f.pad = '0';
		}
		while (*fmt >= '0' && *fmt <= '9')
			f.width = f.width * 10 + (unsigned)(*fmt++ - '0');
		while (*fmt == 'l') {
			longs++;
			fmt++;
		}
		switch (*fmt) {
		case 'd':
			d = longs >= 2 ? va_arg(ap, long long)
			    : longs    ? va_arg(ap, long)
				       : va_arg(ap, int);
			u = d < 0 ? -(uint64_t)d : (uint64_t)d;
			put_num(&l, &f, d < 0 ? "-" : "", u, 10);
			break;
		case 'u':
		case 'x':
			u = longs >= 2 ? va_arg(ap, unsigned long long)
			    : longs    ? va_arg(ap, unsigned long)
				       : va_arg(ap, unsigned int);
			put_num(&l, &f, "", u, *fmt == 'u' ? 10 : 16);
			break;
		case 'p':
			f.width = 2 + 2 * sizeof(void *);
			f.pad = '0';
			put_num(&l, &f, "0x", (uintptr_t)va_arg(ap, void *), 16);
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			size_t len = 0;

			if (!s)
				s = "(null)";
			while (s[len])
				len++;
			f.pad = ' ';
			put_field(&l, &f, "", s, len);
			break;
		}
		case 'c': {
			char c = (char)va_arg(ap, int);

			f.pad = ' ';
			put_field(&l, &f, "", &c, 1);
			break;
		}
		case '%':
			put(&l, '%');
			break;
		case '\0':
			fmt--; /* a lone '%' at the end: print nothing for it, stop at the NUL */
			break;
		default: /* unknown conversion: show it as written */
			put(&l, '%');
			put(&l, *fmt);
			break;
		}
	}
	va_end(ap);
	console_write(l.buf, l.len);
	return l.total;
}
