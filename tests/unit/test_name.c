/*
 * test_name.c: unit tests for shared/name.c.
 *
 * The tables are the "Bad input" catalogue for domain names in
 * security.md: every input has one exact canonical output or one exact
 * rejection reason, so a change of behaviour in libidn2 or in our own
 * checks shows up as a precise failure naming the input.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "name.h"

struct name_case {
	const char *in;
	size_t len;         /* explicit, so inputs may hold NUL bytes */
	unsigned flags;
	const char *out;    /* expected canonical form, or NULL */
	bool wild;          /* expected wildcard flag on success */
	const char *why;    /* expected reason, or NULL */
};

/* sizeof on the literal keeps embedded NULs part of the input. */
#define OK(s, o) { s, sizeof(s) - 1, 0, o, false, NULL }
#define OKW(s, o, w) { s, sizeof(s) - 1, NAME_ALLOW_WILDCARD, o, w, NULL }
#define BAD(s, r) { s, sizeof(s) - 1, 0, NULL, false, r }
#define BADW(s, r) { s, sizeof(s) - 1, NAME_ALLOW_WILDCARD, NULL, false, r }

static const struct name_case name_cases[] = {
	/* Plain ASCII, case and trailing dots. */
	OK("example.com", "example.com"),
	OK("EXAMPLE.COM", "example.com"),
	OK("ExAmPlE.CoM.", "example.com"),
	OK("example.com.", "example.com"),
	OK("com", "com"),
	OK("a", "a"),
	OK("a-b.example", "a-b.example"),
	OK("a--b.example", "a--b.example"),
	OK("1a.example", "1a.example"),
	OK("123.example", "123.example"),
	OK("example.com1", "example.com1"),
	OK("a.b.c.d.e.f.g", "a.b.c.d.e.f.g"),
	/* U-labels, mapped and encoded. */
	OK("b\xc3\xbc" "cher.example", "xn--bcher-kva.example"),
	OK("B\xc3\x9c" "CHER.example", "xn--bcher-kva.example"),
	OK("m\xc3\xbcnchen.de", "xn--mnchen-3ya.de"),
	OK("stra\xc3\x9f" "e.de", "xn--strae-oqa.de"),
	OK("\xc3\x9f.de", "xn--zca.de"),
	OK("STRASSE.de", "strasse.de"),
	OK("\xd1\x80\xd0\xbe\xd1\x81\xd1\x81\xd0\xb8\xd1\x8f.\xd1\x80\xd1\x84",
	    "xn--h1alffa9f.xn--p1ai"),
	OK("\xe4\xbe\x8b\xe3\x81\x88.\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88",
	    "xn--r8jz45g.xn--zckzah"),
	/* Right-to-left (Hebrew "shalom"). */
	OK("\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d.example", "xn--9dbne9b.example"),
	/* UTS #46 mapping: fullwidth letters, a ligature, Roman numeral,
	 * ideographic full stop, and a soft hyphen that disappears. */
	OK("\xef\xbc\xa5\xef\xbc\xb8\xef\xbc\xa1\xef\xbc\xad\xef\xbc\xb0"
	   "\xef\xbc\xac\xef\xbc\xa5.com", "example.com"),
	OK("\xef\xac\x81le.example", "file.example"),
	OK("\xe2\x85\xab.example", "xii.example"),
	OK("a\xe3\x80\x82" "b", "a.b"),
	OK("ab\xc2\xad" "c.example", "abc.example"),
	/* A-labels as given, in any case. */
	OK("xn--bcher-kva.example", "xn--bcher-kva.example"),
	OK("XN--BCHER-KVA.EXAMPLE", "xn--bcher-kva.example"),
	OK("Xn--Bcher-Kva.example", "xn--bcher-kva.example"),
	OK("xn--r8jz45g.xn--zckzah", "xn--r8jz45g.xn--zckzah"),
	/* Wildcards where allowed. */
	OKW("*.example.com", "example.com", true),
	OKW("*.EXAMPLE.com.", "example.com", true),
	OKW("*.b\xc3\xbc" "cher.example", "xn--bcher-kva.example", true),
	OKW("*.com", "com", true),
	OKW("example.com", "example.com", false),

	/* Empty names and labels. */
	BAD("", "empty name"),
	BAD(".", "empty name"),
	BAD("..", "empty label"),
	BAD("example.com..", "empty label"),
	BAD("a..b", "empty label"),
	BAD(".a", "empty label"),
	BAD(".example.com.", "empty label"),
	BAD("\xc2\xad.example", "empty label"),
	BAD("a\xe3\x80\x82\xe3\x80\x82" "b", "empty label"),
	BAD("example.com\xe3\x80\x82", "empty label"),
	BAD("\xc2\xad", "empty name"),
	/* Characters outside LDH, before and after mapping. */
	BAD("a_b.example", "non-LDH character"),
	BAD("_acme-challenge.example.com", "non-LDH character"),
	BAD("a b.example", "non-LDH character"),
	BAD("a!.example", "non-LDH character"),
	BAD("exa%mple.com", "non-LDH character"),
	BAD("example.com/", "non-LDH character"),
	BAD("ex\tample.com", "non-LDH character"),
	BAD("\x1b[31m.example", "non-LDH character"),
	BAD("a:b", "non-LDH character"),
	BAD("b\xc3\xbc_cher.example", "non-LDH character"),
	BAD("a\xe2\x91\xb4.com", "non-LDH character"),
	/* Hyphens. */
	BAD("-a.example", "label starts or ends with a hyphen"),
	BAD("a-.example", "label starts or ends with a hyphen"),
	BAD("-.example", "label starts or ends with a hyphen"),
	BAD("b\xc3\xbc-.example", "label starts or ends with a hyphen"),
	BAD("ab--cd.example", "hyphens in third and fourth position"),
	BAD("r3---sn-abc.example", "hyphens in third and fourth position"),
	BAD("b\xc3\xbc--x.example", "hyphens in third and fourth position"),
	/* Fake A-labels. */
	BAD("xn--abc.example", "bad xn-- label"),
	BAD("XN--ABC.example", "bad xn-- label"),
	BAD("xn--.example", "label starts or ends with a hyphen"),
	BAD("xn--zz.example", "bad xn-- label"),
	BAD("xn--abc-.example", "label starts or ends with a hyphen"),
	BAD("xn--a-ecp.ru", "bad xn-- label"),      /* "a" + U+2488 */
	BAD("xn--ls8h.la", "bad xn-- label"),       /* an emoji */
	BAD("xn--99999999999.example", "bad xn-- label"),
	BAD("xn--Bcher-kva-.example", "label starts or ends with a hyphen"),
	BAD("xn--ss-.de", "label starts or ends with a hyphen"),
	/* NUL, invalid UTF-8. */
	BAD("a\0b.example", "NUL byte"),
	BAD("example.com\0", "NUL byte"),
	BAD("\0", "NUL byte"),
	BAD("\xff.example", "invalid UTF-8"),
	BAD("\xc3\x28.example", "invalid UTF-8"),
	BAD("\xc0\xaf.example", "invalid UTF-8"),
	BAD("\xe0\x80\xaf.example", "invalid UTF-8"),
	BAD("\xed\xa0\x80.example", "invalid UTF-8"),
	BAD("\xf4\x90\x80\x80.example", "invalid UTF-8"),
	BAD("example.b\xc3", "invalid UTF-8"),
	BAD("\x80", "invalid UTF-8"),
	/* IDNA2008 code point rules. */
	BAD("\xf0\x9f\x98\x80.example", "disallowed code point"),
	BAD("a\xe2\x80\x8d.example", "contextual rule violated"),
	BAD("a\xd7\xa9.example", "bidi rule violated"),
	BAD("\xcc\x81" "a.example", "label starts with a combining mark"),
	/* Wildcards. */
	BAD("*", "wildcard without a base name"),
	BAD("*.", "wildcard without a base name"),
	BADW("*", "wildcard without a base name"),
	BAD("*.example.com", "wildcard not allowed"),
	BADW("a.*.b", "misplaced wildcard"),
	BADW("**.a", "misplaced wildcard"),
	BADW("*a.b", "misplaced wildcard"),
	BADW("a*.b", "misplaced wildcard"),
	BADW("*.*.a", "misplaced wildcard"),
	BADW("example.*", "misplaced wildcard"),
	BAD("a.*.b", "misplaced wildcard"),
	BADW("*..a", "empty label"),
	BADW("*.", "wildcard without a base name"),
	BADW("\xef\xbc\x8a.example", "non-LDH character"),
	/* Names that some parser would read as an IPv4 address. */
	BAD("1.2.3.4", "numeric top-level label"),
	BAD("1.2.3.256", "numeric top-level label"),
	BAD("example.123", "numeric top-level label"),
	BAD("123", "numeric top-level label"),
	BAD("127.1", "numeric top-level label"),
	BAD("0x7f.0.0.1", "numeric top-level label"),
	BAD("a.0x7f", "numeric top-level label"),
	BAD("a.0X7F", "numeric top-level label"),
	BAD("example.\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93",
	    "numeric top-level label"),
	BADW("*.10.0.0.1", "numeric top-level label"),
};

Test(name, table)
{
	size_t n = sizeof(name_cases) / sizeof(name_cases[0]);

	for (size_t i = 0; i < n; i++) {
		const struct name_case *c = &name_cases[i];
		char out[NAME_BUF];
		bool wild = !c->wild;
		const char *why = NULL;
		int rc = name_normalize(c->in, c->len, c->flags, out, &wild,
		    &why);

		if (c->out != NULL) {
			cr_expect_eq(rc, 0, "[%zu] \"%s\" rejected: %s", i,
			    c->in, why != NULL ? why : "(null)");
			if (rc == 0) {
				cr_expect_str_eq(out, c->out,
				    "[%zu] \"%s\": got \"%s\"", i, c->in, out);
				cr_expect_eq(wild, c->wild,
				    "[%zu] \"%s\" wildcard", i, c->in);
			}
		} else {
			cr_expect_eq(rc, -1, "[%zu] \"%s\" accepted as %s", i,
			    c->in, out);
			cr_expect_str_eq(why != NULL ? why : "(null)", c->why,
			    "[%zu] \"%s\": got \"%s\"", i, c->in,
			    why != NULL ? why : "(null)");
			cr_expect_str_eq(out, "", "[%zu] out not cleared", i);
			cr_expect_eq(wild, false, "[%zu] wildcard set", i);
		}
	}
	cr_log_info("%zu name cases", n);
}

/* Normalising a normalised name changes nothing. */
Test(name, normalized_names_are_fixed_points)
{
	size_t n = sizeof(name_cases) / sizeof(name_cases[0]);

	for (size_t i = 0; i < n; i++) {
		char out[NAME_BUF];
		const char *why = NULL;

		if (name_cases[i].out == NULL)
			continue;
		cr_expect_eq(name_normalize(name_cases[i].out,
		    strlen(name_cases[i].out), 0, out, NULL, &why), 0,
		    "\"%s\": %s", name_cases[i].out, why);
		cr_expect_str_eq(out, name_cases[i].out);
	}
}

/* Fill @p buf with labels of @p label_len copies of @p c, dot-separated,
 * exactly @p total octets long. */
static void
make_name(char *buf, size_t total, size_t label_len, char c)
{
	size_t i;

	for (i = 0; i < total; i++)
		buf[i] = (i % (label_len + 1) == label_len) ? '.' : c;
	buf[total] = '\0';
	/* Never end on a dot. */
	if (total > 0 && buf[total - 1] == '.')
		buf[total - 1] = c;
}

Test(name, label_of_63_octets_passes_64_fails)
{
	char in[80], out[NAME_BUF];
	const char *why = NULL;

	memset(in, 'a', 63);
	memcpy(in + 63, ".example", 9);
	cr_assert_eq(name_normalize(in, strlen(in), 0, out, NULL, &why), 0);
	cr_assert_str_eq(out, in);

	memset(in, 'a', 64);
	memcpy(in + 64, ".example", 9);
	cr_assert_eq(name_normalize(in, strlen(in), 0, out, NULL, &why), -1);
	cr_assert_str_eq(why, "label longer than 63 octets");
}

Test(name, name_of_253_octets_passes_254_fails)
{
	char in[300], out[NAME_BUF];
	const char *why = NULL;

	make_name(in, 253, 63, 'a');
	cr_assert_eq(name_normalize(in, 253, 0, out, NULL, &why), 0, "%s",
	    why);
	cr_assert_eq(strlen(out), 253);
	cr_assert_str_eq(out, in);

	/* The trailing dot does not count. */
	in[253] = '.';
	cr_assert_eq(name_normalize(in, 254, 0, out, NULL, &why), 0, "%s",
	    why);
	cr_assert_eq(strlen(out), 253);

	make_name(in, 254, 63, 'a');
	cr_assert_eq(name_normalize(in, 254, 0, out, NULL, &why), -1);
	cr_assert_str_eq(why, "name longer than 253 octets");
}

Test(name, wildcard_counts_toward_253_octets)
{
	char in[300], out[NAME_BUF];
	const char *why = NULL;
	bool wild = false;

	in[0] = '*';
	in[1] = '.';
	make_name(in + 2, 251, 63, 'b');
	cr_assert_eq(name_normalize(in, 253, NAME_ALLOW_WILDCARD, out, &wild,
	    &why), 0, "%s", why);
	cr_assert(wild);
	cr_assert_eq(strlen(out), 251);

	make_name(in + 2, 252, 63, 'b');
	cr_assert_eq(name_normalize(in, 254, NAME_ALLOW_WILDCARD, out, &wild,
	    &why), -1);
	cr_assert_str_eq(why, "name longer than 253 octets");
}

/* A raw label that fits can grow past 63 octets as an A-label. */
Test(name, u_label_too_long_after_encoding)
{
	char in[128], out[NAME_BUF];
	const char *why = NULL;
	size_t n = 0;

	memset(in, 'a', 58);
	n = 58;
	memcpy(in + n, "\xc3\xbc.example", 10); /* U+00FC; 60 octets raw */
	n += 10;
	cr_assert_eq(name_normalize(in, n, 0, out, NULL, &why), -1);
	cr_assert_str_eq(why, "label longer than 63 octets");
}

/* A raw name that fits can grow past 253 octets in A-label form. */
Test(name, name_too_long_after_encoding)
{
	char in[400], out[NAME_BUF];
	const char *why = NULL;
	size_t n = 0;

	/* 80 labels "\u00fc": 239 octets raw, 639 as "xn--tda" labels. */
	for (int l = 0; l < 80; l++) {
		if (l > 0)
			in[n++] = '.';
		in[n++] = (char)0xc3;
		in[n++] = (char)0xbc;
	}
	cr_assert_leq(n, (size_t)NAME_MAX_TEXT);
	cr_assert_eq(name_normalize(in, n, 0, out, NULL, &why), -1);
	cr_assert_str_eq(why, "name longer than 253 octets");
	cr_assert_eq(name_normalize(in, 15, 0, out, NULL, &why), 0);
	cr_assert_str_eq(out, "xn--tda.xn--tda.xn--tda.xn--tda.xn--tda");
}

Test(name, input_longer_than_max_is_refused_before_parsing)
{
	static char in[NAME_MAX_INPUT + 2];
	char out[NAME_BUF];
	const char *why = NULL;

	make_name(in, NAME_MAX_INPUT + 1, 10, 'c');
	cr_assert_eq(name_normalize(in, NAME_MAX_INPUT + 1, 0, out, NULL,
	    &why), -1);
	cr_assert_str_eq(why, "input too long");

	/* At the limit the input is parsed, and then too long as a name. */
	cr_assert_eq(name_normalize(in, NAME_MAX_INPUT, 0, out, NULL, &why),
	    -1);
	cr_assert_str_eq(why, "name longer than 253 octets");
}

Test(name, null_pointers_are_tolerated)
{
	char out[NAME_BUF];
	const char *why = NULL;

	cr_assert_eq(name_normalize(NULL, 5, 0, out, NULL, &why), -1);
	cr_assert_str_eq(why, "empty name");
	cr_assert_eq(name_normalize("example.com", 11, 0, out, NULL, NULL), 0);
	cr_assert_eq(name_normalize("a..b", 4, 0, out, NULL, NULL), -1);
}

/* The length, not a NUL, ends the input. */
Test(name, length_bounds_the_input)
{
	char out[NAME_BUF];
	const char *why = NULL;

	cr_assert_eq(name_normalize("example.comXXXX", 11, 0, out, NULL,
	    &why), 0);
	cr_assert_str_eq(out, "example.com");
}

struct target_case {
	const char *in;
	size_t len;
	unsigned flags;
	int kind;           /* -1: rejected */
	const char *name;   /* canonical text, or the reason */
	bool wild;
};

#define TV4(s, o) { s, sizeof(s) - 1, 0, TARGET_IPV4, o, false }
#define TV6(s, o) { s, sizeof(s) - 1, 0, TARGET_IPV6, o, false }
#define TDNS(s, f, o, w) { s, sizeof(s) - 1, f, TARGET_DNS, o, w }
#define TBAD(s, r) { s, sizeof(s) - 1, NAME_ALLOW_WILDCARD, -1, r, false }

static const struct target_case target_cases[] = {
	TV4("1.2.3.4", "1.2.3.4"),
	TV4("0.0.0.0", "0.0.0.0"),
	TV4("127.0.0.1", "127.0.0.1"),
	TV4("255.255.255.255", "255.255.255.255"),
	TV4("192.0.2.10", "192.0.2.10"),
	TBAD("127.1", "IPv4 address not a dotted quad"),
	TBAD("2130706433", "IPv4 address not a dotted quad"),
	TBAD("1.2.3.4.5", "IPv4 address not a dotted quad"),
	TBAD("1.2.3.4.", "IPv4 address not a dotted quad"),
	TBAD("1..3.4", "IPv4 address not a dotted quad"),
	TBAD(".1.2.3", "IPv4 address not a dotted quad"),
	TBAD("1.2.3.", "IPv4 address not a dotted quad"),
	TBAD("...", "IPv4 address not a dotted quad"),
	TBAD(".", "IPv4 address not a dotted quad"),
	TBAD("010.0.0.1", "leading zero in IPv4 address"),
	TBAD("1.2.3.04", "leading zero in IPv4 address"),
	TBAD("00.0.0.0", "leading zero in IPv4 address"),
	TBAD("256.1.1.1", "IPv4 octet out of range"),
	TBAD("1.2.3.256", "IPv4 octet out of range"),
	TBAD("1.2.3.1000", "IPv4 octet out of range"),
	TBAD("99999999999999999999.1.1.1", "IPv4 octet out of range"),
	TBAD("0x7f.0.0.1", "numeric top-level label"),
	TBAD("0x7f000001", "numeric top-level label"),
	TBAD("example.123", "numeric top-level label"),
	TBAD("\xef\xbc\x91\xef\xbc\x92\xef\xbc\x97.0.0.1",
	    "numeric top-level label"),
	TBAD("127.0.0.1\0", "NUL byte"),
	TV6("::1", "::1"),
	TV6("[::1]", "::1"),
	TV6("::", "::"),
	TV6("2001:DB8::1", "2001:db8::1"),
	TV6("[2001:0db8:0000:0000:0000:0000:0000:0001]", "2001:db8::1"),
	TV6("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
	TV6("::ffff:192.0.2.1", "::ffff:192.0.2.1"),
	TV6("[fe80::1]", "fe80::1"),
	TBAD("fe80::1%eth0", "IPv6 zone id not allowed"),
	TBAD("[fe80::1%eth0]", "IPv6 zone id not allowed"),
	TBAD("[fe80::1%25eth0]", "IPv6 zone id not allowed"),
	TBAD("[::1", "unbalanced bracket"),
	TBAD("[", "unbalanced bracket"),
	TBAD("::1]", "invalid IPv6 literal"),
	TBAD("[]", "invalid IPv6 literal"),
	TBAD("[[::1]]", "invalid IPv6 literal"),
	TBAD("[1.2.3.4]", "invalid IPv6 literal"),
	TBAD("[example.com]", "invalid IPv6 literal"),
	TBAD("1::2::3", "invalid IPv6 literal"),
	TBAD("::ffff:01.2.3.4", "invalid IPv6 literal"),
	TBAD("12345::1", "invalid IPv6 literal"),
	TBAD("example.com:443", "invalid IPv6 literal"),
	TBAD("1:2:3:4:5:6:7:8:9:10:11:12:13:14:15:16:17:18",
	    "invalid IPv6 literal"),
	TDNS("example.com", 0, "example.com", false),
	TDNS("Example.COM.", 0, "example.com", false),
	TDNS("*.example.com", NAME_ALLOW_WILDCARD, "example.com", true),
	TDNS("b\xc3\xbc" "cher.example", 0, "xn--bcher-kva.example", false),
	TDNS("1.2.3.4.example", 0, "1.2.3.4.example", false),
	{ "*.example.com", 13, 0, -1, "wildcard not allowed", false },
	TBAD("", "empty name"),
	TBAD("a..b", "empty label"),
	TBAD("*.1.2.3.4", "numeric top-level label"),
};

Test(target, table)
{
	size_t n = sizeof(target_cases) / sizeof(target_cases[0]);

	for (size_t i = 0; i < n; i++) {
		const struct target_case *c = &target_cases[i];
		struct target t;
		const char *why = NULL;
		int rc = target_parse(c->in, c->len, c->flags, &t, &why);

		if (c->kind >= 0) {
			cr_expect_eq(rc, 0, "[%zu] \"%s\" rejected: %s", i,
			    c->in, why != NULL ? why : "(null)");
			if (rc != 0)
				continue;
			cr_expect_eq((int)t.kind, c->kind, "[%zu] \"%s\" kind",
			    i, c->in);
			cr_expect_str_eq(t.name, c->name,
			    "[%zu] \"%s\": got \"%s\"", i, c->in, t.name);
			cr_expect_eq(t.wildcard, c->wild, "[%zu] \"%s\"", i,
			    c->in);
		} else {
			cr_expect_eq(rc, -1, "[%zu] \"%s\" accepted as %s", i,
			    c->in, t.name);
			cr_expect_str_eq(why != NULL ? why : "(null)", c->name,
			    "[%zu] \"%s\": got \"%s\"", i, c->in,
			    why != NULL ? why : "(null)");
		}
	}
	cr_log_info("%zu target cases", n);
}

Test(target, addresses_are_in_network_order)
{
	static const uint8_t v4[4] = { 192, 0, 2, 10 };
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0x01 };
	struct target t;
	const char *why = NULL;

	cr_assert_eq(target_parse("192.0.2.10", 10, 0, &t, &why), 0);
	cr_assert_eq(memcmp(t.addr, v4, 4), 0);
	for (int i = 4; i < 16; i++)
		cr_assert_eq(t.addr[i], 0);

	cr_assert_eq(target_parse("[2001:db8::1]", 13, 0, &t, &why), 0);
	cr_assert_eq(memcmp(t.addr, v6, 16), 0);
}

Test(target, dns_target_has_no_address)
{
	static const uint8_t zero[16];
	struct target t;
	const char *why = NULL;

	cr_assert_eq(target_parse("example.com", 11, 0, &t, &why), 0);
	cr_assert_eq(t.kind, TARGET_DNS);
	cr_assert_eq(memcmp(t.addr, zero, 16), 0);
}

Test(target, input_longer_than_max_is_refused)
{
	static char in[NAME_MAX_INPUT + 1];
	struct target t;
	const char *why = NULL;

	memset(in, '1', sizeof(in));
	cr_assert_eq(target_parse(in, sizeof(in), 0, &t, &why), -1);
	cr_assert_str_eq(why, "input too long");
}

Test(name, is_subdomain)
{
	cr_assert(name_is_subdomain("example.com", "example.com"));
	cr_assert(name_is_subdomain("www.example.com", "example.com"));
	cr_assert(name_is_subdomain("a.b.example.com", "example.com"));
	cr_assert(name_is_subdomain("a.b.example.com", "com"));
	cr_assert(name_is_subdomain("WWW.Example.com", "example.COM"));
	cr_assert_not(name_is_subdomain("badexample.com", "example.com"));
	cr_assert_not(name_is_subdomain("example.com", "www.example.com"));
	cr_assert_not(name_is_subdomain("example.co", "example.com"));
	cr_assert_not(name_is_subdomain("example.com.evil", "example.com"));
	cr_assert_not(name_is_subdomain(".example.com", "xample.com"));
	cr_assert_not(name_is_subdomain("example.com", ""));
	cr_assert_not(name_is_subdomain("", "com"));
	cr_assert_not(name_is_subdomain(NULL, "com"));
	cr_assert_not(name_is_subdomain("com", NULL));
}

Test(name, parent_walks_up_to_the_tld)
{
	const char *n = "a.b.example.com";

	cr_assert_str_eq(name_parent(n), "b.example.com");
	cr_assert_str_eq(name_parent(name_parent(n)), "example.com");
	cr_assert_str_eq(name_parent("example.com"), "com");
	cr_assert_null(name_parent("com"));
	cr_assert_null(name_parent(""));
	cr_assert_null(name_parent(NULL));
	cr_assert_null(name_parent("com."));
	/* The result points into the argument, for walking without copies. */
	cr_assert_eq(name_parent(n), n + 2);
}
