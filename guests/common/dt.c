/* /chosen/bootargs from a flattened device tree (see dt.h). Moved here from the fault guest when
 * the isolation guest got modes too. */
#include "guests/common/dt.h"

/* Flattened device tree format (Devicetree Specification 5.x): big-endian header and tokens. */
#define FDT_MAGIC 0xd00dfeedu
#define FDT_BEGIN_NODE 1u
#define FDT_END_NODE 2u
#define FDT_PROP 3u
#define FDT_NOP 4u
#define FDT_END 9u
#define FDT_HDR_TOTALSIZE 1
#define FDT_HDR_OFF_STRUCT 2
#define FDT_HDR_OFF_STRINGS 3
#define FDT_HDR_SIZE_STRUCT 9

static uint32_t be32(const uint32_t *p)
{
	return __builtin_bswap32(*p);
}

bool guest_streq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

static size_t str_len(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

const char *guest_dt_bootargs(uintptr_t dtb)
{
	const uint32_t *hdr = (const uint32_t *)dtb;

	if (!dtb || be32(hdr) != FDT_MAGIC)
		return NULL;

	const char *strings = (const char *)dtb + be32(hdr + FDT_HDR_OFF_STRINGS);
	const uint32_t *p = (const uint32_t *)(dtb + be32(hdr + FDT_HDR_OFF_STRUCT));
	const uint32_t *end = p + be32(hdr + FDT_HDR_SIZE_STRUCT) / 4;
	unsigned depth = 0;
	bool in_chosen = false; /* at depth 2, inside /chosen */

	if (be32(hdr + FDT_HDR_TOTALSIZE) > GUEST_DT_MAX)
		return NULL;
	while (p < end) {
		uint32_t tok = be32(p++);

		switch (tok) {
		case FDT_BEGIN_NODE: {
			const char *name = (const char *)p;

			depth++;
			if (depth == 2 && guest_streq(name, "chosen"))
				in_chosen = true;
			p += (str_len(name) + 4) / 4; /* the name, its NUL, padding to 4 bytes */
			break;
		}
		case FDT_END_NODE:
			if (depth == 2)
				in_chosen = false;
			depth--;
			break;
		case FDT_PROP: {
			uint32_t len = be32(p), nameoff = be32(p + 1);

			p += 2;
			if (in_chosen && depth == 2 && guest_streq(strings + nameoff, "bootargs"))
				return (const char *)p;
			p += (len + 3) / 4;
			break;
		}
		case FDT_NOP:
			break;
		default: /* FDT_END or garbage */
			return NULL;
		}
	}
	return NULL;
}
