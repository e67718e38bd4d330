/*
 * utf8.c: strict UTF-8 decoding (see utf8.h).
 */
#include "utf8.h"

size_t
utf8_decode(const unsigned char *s, size_t len, uint32_t *cp, size_t *skip)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t need, i;
	uint32_t v;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		need = 1;
		v = c & 0x1fu;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 2;
		v = c & 0x0fu;
		if (c == 0xe0)
			lo = 0xa0; /* Shorter forms would be overlong. */
		else if (c == 0xed)
			hi = 0x9f; /* U+D800..U+DFFF are surrogates. */
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 3;
		v = c & 0x07u;
		if (c == 0xf0)
			lo = 0x90; /* Shorter forms would be overlong. */
		else if (c == 0xf4)
			hi = 0x8f; /* Nothing above U+10FFFF. */
	} else {
		/* 0x80..0xc1 (continuation or overlong lead) and 0xf5..0xff. */
		*skip = 1;
		return 0;
	}
	for (i = 1; i <= need; i++) {
		if (i >= len || s[i] < lo || s[i] > hi) {
			*skip = i;
			return 0;
		}
		v = (v << 6) | (s[i] & 0x3fu);
		lo = 0x80;
		hi = 0xbf;
	}
	*cp = v;
	return need + 1;
}

bool
utf8_valid(const unsigned char *s, size_t len)
{
	size_t i = 0, n, skip;
	uint32_t cp;

	while (i < len) {
		if ((n = utf8_decode(s + i, len - i, &cp, &skip)) == 0)
			return false;
		i += n;
	}
	return true;
}
