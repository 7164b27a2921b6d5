/* The libc functions the compiler may call on its own: GCC emits memcpy/memset for struct copies
 * and initialisers even with -ffreestanding, and the guests link no C library. */
#include "hyp/types.h"

/* Byte loops; the compiler must not turn them back into calls to themselves. */
#pragma GCC optimize("no-tree-loop-distribute-patterns")

void *memset(void *dst, int c, size_t n);
void *memcpy(void *restrict dst, const void *restrict src, size_t n);

void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;

	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	while (n--)
		*d++ = *s++;
	return dst;
}
