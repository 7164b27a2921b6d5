/* Unit tests for the hypervisor's printf-style formatter (hyp/fmt.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "hyp/diag.h"
#include "hyp/fmt.h"

/* Two cases below print malformed conversions on purpose. */
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-extra-args"
#pragma GCC diagnostic ignored "-Wformat-overflow"

#define CHECK(expect, ...)                                                                         \
	do {                                                                                       \
		char b[128];                                                                       \
		int n = fmt_snprintf(b, sizeof(b), __VA_ARGS__);                                   \
		assert_string_equal(b, expect);                                                    \
		assert_int_equal(n, (int)strlen(expect));                                          \
	} while (0)

static void test_integers(void **state)
{
	(void)state;
	CHECK("0 -1 42 2147483647 -2147483648", "%d %d %i %d %d", 0, -1, 42, 2147483647,
	      (int)-2147483648LL);
	CHECK("4294967295 ffffffff FFFFFFFF", "%u %x %X", 0xffffffffu, 0xffffffffu, 0xffffffffu);
	CHECK("18446744073709551615 -9223372036854775808", "%llu %lld", (unsigned long long)-1,
	      (long long)INT64_MIN);
	CHECK("0x0000004000000000", "0x%016llx", 0x4000000000ULL);
	CHECK("123 7", "%zu %lu", (size_t)123, 7ul);
}

static void test_width_and_flags(void **state)
{
	(void)state;
	CHECK("[   42][42   ][00042][-0042]", "[%5d][%-5d][%05d][%05d]", 42, 42, 42, -42);
	CHECK("[  ab][ab  ][abc]", "[%4s][%-4s][%.3s]", "ab", "ab", "abcdef");
	CHECK("x%y", "x%%y");
	CHECK("c=Z", "c=%c", 'Z');
	CHECK("(null)", "%s", (const char *)NULL);
	CHECK("0x1000", "%p", (void *)0x1000);
	CHECK("%q", "%q");
	CHECK("end", "end%");
}

static void test_truncation(void **state)
{
	(void)state;
	char b[6];
	int n = fmt_snprintf(b, sizeof(b), "hello world %d", 12);
	assert_int_equal(n, 14);
	assert_string_equal(b, "hello");

	memset(b, 'x', sizeof(b));
	assert_int_equal(fmt_snprintf(b, 0, "abc"), 3);
	assert_int_equal(b[0], 'x'); /* size 0 writes nothing */

	assert_int_equal(fmt_snprintf(b, 1, "abc"), 3);
	assert_string_equal(b, "");
}

static void test_diag(void **state)
{
	(void)state;
	struct diag d;
	assert_int_equal(diag_err(&d, -22, "%s: property '%s' missing", "/chosen", "stdout-path"),
			 -22);
	assert_string_equal(d.msg, "/chosen: property 'stdout-path' missing");
	assert_int_equal(diag_err(NULL, -12, "ignored"), -12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_width_and_flags),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_diag),
	};
	return cmocka_run_group_tests_name("fmt", tests, NULL, NULL);
}
