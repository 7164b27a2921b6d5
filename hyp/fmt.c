/* Small printf-style formatter (see fmt.h for the supported conversions).
 *
 * Output goes through a bounded buffer sink; the returned length counts every character the full
 * output would have had, so truncation is detectable. No floating point, no allocation.
 */
#include "hyp/fmt.h"

#include <string.h>

struct sink {
	char *buf;
	size_t size;
	size_t len; /* characters produced so far, including those that did not fit */
};

static void put(struct sink *s, char c)
{
	if (s->len + 1 < s->size)
		s->buf[s->len] = c;
	s->len++;
}

static void pad(struct sink *s, char c, int n)
{
	while (n-- > 0)
		put(s, c);
}

struct spec {
	bool left;
	bool zero;
	int width;
	int precision; /* -1: none */
};

static void put_str(struct sink *s, const char *str, const struct spec *sp)
{
	size_t n = 0;

	if (!str)
		str = "(null)";
	while (str[n] && (sp->precision < 0 || n < (size_t)sp->precision))
		n++;
	int fill = sp->width - (int)n;
	if (!sp->left)
		pad(s, ' ', fill);
	for (size_t i = 0; i < n; i++)
		put(s, str[i]);
	if (sp->left)
		pad(s, ' ', fill);
}

static void put_num(struct sink *s, uint64_t v, bool neg, unsigned base, bool upper,
		    const char *prefix, const struct spec *sp)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);

	int plen = (int)strlen(prefix) + (neg ? 1 : 0);
	int fill = sp->width - n - plen;

	if (!sp->left && !sp->zero)
		pad(s, ' ', fill);
	if (neg)
		put(s, '-');
	while (*prefix)
		put(s, *prefix++);
	if (!sp->left && sp->zero)
		pad(s, '0', fill);
	while (n)
		put(s, tmp[--n]);
	if (sp->left)
		pad(s, ' ', fill);
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct sink s = {buf, size, 0};

	for (const char *p = fmt; *p; p++) {
		if (*p != '%') {
			put(&s, *p);
			continue;
		}
		struct spec sp = {false, false, 0, -1};
		p++;
		for (; *p == '-' || *p == '0'; p++) {
			sp.left |= *p == '-';
			sp.zero |= *p == '0';
		}
		while (*p >= '0' && *p <= '9')
			sp.width = sp.width * 10 + (*p++ - '0');
		if (*p == '.') {
			sp.precision = 0;
			for (p++; *p >= '0' && *p <= '9'; p++)
				sp.precision = sp.precision * 10 + (*p - '0');
		}
		int lng = 0; /* 0: int, 1: long, 2: long long, 3: size_t */
		if (*p == 'z') {
			lng = 3;
			p++;
		} else {
			while (*p == 'l' && lng < 2) {
				lng++;
				p++;
			}
		}

		uint64_t u;
		int64_t i;
		switch (*p) {
		case 'd':
		case 'i':
			if (lng == 2)
				i = va_arg(ap, long long);
			else if (lng == 1)
				i = va_arg(ap, long);
			else if (lng == 3)
				i = (int64_t)va_arg(ap, size_t);
			else
				i = va_arg(ap, int);
			put_num(&s, i < 0 ? 0 - (uint64_t)i : (uint64_t)i, i < 0, 10, false, "",
				&sp);
			break;
		case 'u':
		case 'x':
		case 'X':
			if (lng == 2)
				u = va_arg(ap, unsigned long long);
			else if (lng == 1)
				u = va_arg(ap, unsigned long);
			else if (lng == 3)
				u = va_arg(ap, size_t);
			else
				u = va_arg(ap, unsigned int);
			put_num(&s, u, false, *p == 'u' ? 10 : 16, *p == 'X', "", &sp);
			break;
		case 'p':
			put_num(&s, (uintptr_t)va_arg(ap, void *), false, 16, false, "0x", &sp);
			break;
		case 's':
			put_str(&s, va_arg(ap, const char *), &sp);
			break;
		case 'c': {
			char c[2] = {(char)va_arg(ap, int), 0};
			sp.precision = 1;
			put_str(&s, c, &sp);
			break;
		}
		case '%':
			put(&s, '%');
			break;
		case '\0':
			p--; /* a lone '%' at the end: stop without reading past the string */
			break;
		default: /* unknown conversion: print it literally so the mistake is visible */
			put(&s, '%');
			put(&s, *p);
			break;
		}
	}
	if (size)
		buf[s.len < size ? s.len : size - 1] = '\0';
	return (int)s.len;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
