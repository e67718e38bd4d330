/*
 * test_utf8.c: the strict UTF-8 decoder shared by JSON, the log and names.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "utf8.h"

struct utf8_case {
	const char *in;
	size_t len;
	size_t want;     /* decoded length, 0 if invalid */
	uint32_t cp;     /* when valid */
	size_t skip;     /* when invalid: the maximal invalid subpart */
};

#define OK(s, cp) { s, sizeof(s) - 1, sizeof(s) - 1, cp, 0 }
#define BAD(s, skip) { s, sizeof(s) - 1, 0, 0, skip }

static const struct utf8_case cases[] = {
	OK("a", 'a'),
	OK("\x7f", 0x7f),
	OK("\xc2\x80", 0x80),
	OK("\xdf\xbf", 0x7ff),
	OK("\xe0\xa0\x80", 0x800),
	OK("\xed\x9f\xbf", 0xd7ff),
	OK("\xee\x80\x80", 0xe000),
	OK("\xef\xbf\xbd", 0xfffd),
	OK("\xf0\x90\x80\x80", 0x10000),
	OK("\xf4\x8f\xbf\xbf", 0x10ffff),
	BAD("\x80", 1),              /* lone continuation byte */
	BAD("\xc0\xaf", 1),          /* overlong lead */
	BAD("\xc1\xbf", 1),
	BAD("\xe0\x80\xaf", 1),      /* overlong three-byte form */
	BAD("\xed\xa0\x80", 1),      /* surrogate U+D800 */
	BAD("\xf0\x80\x80\xaf", 1),  /* overlong four-byte form */
	BAD("\xf4\x90\x80\x80", 1),  /* above U+10FFFF */
	BAD("\xf5\x80\x80\x80", 1),
	BAD("\xff", 1),
	BAD("\xc3", 1),              /* truncated */
	BAD("\xe2\x82", 2),          /* truncated after a valid prefix */
	BAD("\xf0\x9f\x98", 3),
	BAD("\xe2\x82" "a", 2),      /* interrupted */
};

Test(utf8, decode_table)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct utf8_case *c = &cases[i];
		uint32_t cp = 0xffffffff;
		size_t skip = 0, n;

		n = utf8_decode((const unsigned char *)c->in, c->len, &cp, &skip);
		cr_expect_eq(n, c->want, "case %zu: length %zu, want %zu", i, n, c->want);
		if (c->want > 0)
			cr_expect_eq(cp, c->cp, "case %zu: code point %x, want %x", i, cp, c->cp);
		else
			cr_expect_eq(skip, c->skip, "case %zu: skip %zu, want %zu", i, skip, c->skip);
	}
}

Test(utf8, valid_checks_every_byte)
{
	cr_assert(utf8_valid((const unsigned char *)"", 0));
	cr_assert(utf8_valid((const unsigned char *)"b\xc3\xbc" "cher", 7));
	cr_assert_not(utf8_valid((const unsigned char *)"b\xc3" "cher", 6));
	cr_assert_not(utf8_valid((const unsigned char *)"abc\xed\xb0\x80", 6));
}
