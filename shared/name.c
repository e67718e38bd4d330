/*
 * name.c: validation targets, normalised for the wire.
 *
 * A target arrives from a CA's request as text and leaves as the exact
 * string every perspective looks up: an A-label domain name or the canonical
 * text of an IP literal. The same normalised text also feeds the keyed hash
 * that picks the cohort, so two spellings of one name must never normalise
 * differently, and a spelling that some other parser would read as a
 * different host (an IP in disguise, a name with a smuggled dot) must be
 * refused rather than guessed at.
 *
 * The work is done in three passes over a name:
 *
 *   1. Cheap checks on the raw bytes that give precise reasons: size, NUL,
 *      UTF-8 validity, trailing dots, the wildcard, empty labels, and the
 *      LDH rules for labels that are plain ASCII (ASCII maps to itself
 *      under UTS #46 except for upper case, so these checks are exact).
 *   2. libidn2 (IDNA2008, UTS #46 non-transitional mapping, NFC input).
 *   3. The same LDH and length rules again on libidn2's output, because
 *      mapping can change a name's shape: U+3002 becomes a dot, U+00AD
 *      vanishes, U+FF0A becomes "*". Nothing leaves this file that has not
 *      passed pass 3.
 *
 * We deliberately do not pass IDN2_USE_STD3_ASCII_RULES: libidn2 2.3.3
 * drops the characters that rule disallows instead of refusing them
 * ("a_b" becomes "ab", "*.a" becomes ".a"), which would quietly turn one
 * name into another. Pass 3 enforces LDH instead.
 */
#include "name.h"

#include <arpa/inet.h>
#include <idn2.h>
#include <string.h>
#include <sys/socket.h>

#include "utf8.h"

#define LABEL_MAX 63

/* UTS #46 non-transitional: U+00DF (sharp s) stays itself, not "ss". */
#define IDN_FLAGS (IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT)

/* Set *why when the caller gave somewhere to put it, and fail. */
#define FAIL(reason)                                                           \
	do {                                                                   \
		if (why != NULL)                                               \
			*why = (reason);                                       \
		return -1;                                                     \
	} while (0)

static bool
is_ldh(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-';
}

static bool
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_hex(unsigned char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static unsigned char
ascii_lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c;
}

/* A reason for each libidn2 failure a caller could plausibly trigger. */
static const char *
idn2_reason(int rc)
{
	switch (rc) {
	case IDN2_MALLOC:
		return "out of memory";
	case IDN2_ENCODING_ERROR:
		return "invalid UTF-8";
	case IDN2_TOO_BIG_LABEL:
	case IDN2_PUNYCODE_BIG_OUTPUT:
		/* Raw xn-- labels were checked before libidn2 saw them,
		 * so a Punycode overflow is a U-label too long to encode. */
		return "label longer than 63 octets";
	case IDN2_TOO_BIG_DOMAIN:
		return "name longer than 253 octets";
	case IDN2_PUNYCODE_BAD_INPUT:
	case IDN2_PUNYCODE_OVERFLOW:
	case IDN2_INVALID_NONTRANSITIONAL:
	case IDN2_ALABEL_ROUNDTRIP_FAILED:
		return "bad xn-- label";
	case IDN2_2HYPHEN:
		return "hyphens in third and fourth position";
	case IDN2_HYPHEN_STARTEND:
		return "label starts or ends with a hyphen";
	case IDN2_LEADING_COMBINING:
		return "label starts with a combining mark";
	case IDN2_DISALLOWED:
		return "disallowed code point";
	case IDN2_UNASSIGNED:
		return "unassigned code point";
	case IDN2_CONTEXTJ:
	case IDN2_CONTEXTJ_NO_RULE:
	case IDN2_CONTEXTO:
	case IDN2_CONTEXTO_NO_RULE:
		return "contextual rule violated";
	case IDN2_BIDI:
		return "bidi rule violated";
	case IDN2_NOT_NFC:
		return "not in NFC";
	default:
		return "IDNA conversion failed";
	}
}

/*
 * An "xn--" label is only an A-label if it decodes to a valid U-label that
 * encodes back to exactly the same octets (RFC 5891 5.4). Anything else,
 * such as "xn--abc" (which libidn2 decodes to nothing) or an encoding of
 * upper case or of a non-NFC string, is a fake A-label that some other
 * implementation might treat differently.
 */
static bool
alabel_ok(const char *label, size_t len)
{
	char lower[LABEL_MAX + 1];
	char *u = NULL;
	uint8_t *back = NULL;
	bool ok = false, ascii = true;

	if (len <= 4 || len > LABEL_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		lower[i] = (char)ascii_lower((unsigned char)label[i]);
	lower[len] = '\0';

	if (idn2_to_unicode_8z8z(lower, &u, 0) != IDN2_OK || u == NULL)
		goto out;
	for (const unsigned char *p = (const unsigned char *)u; *p; p++)
		if (*p >= 0x80)
			ascii = false;
	/* An empty or all-ASCII decoding means the label was not Punycode
	 * of anything that needed it. */
	if (u[0] == '\0' || ascii)
		goto out;
	if (idn2_lookup_u8((const uint8_t *)u, &back, IDN_FLAGS) != IDN2_OK ||
	    back == NULL)
		goto out;
	ok = strcmp((const char *)back, lower) == 0;
out:
	idn2_free(u);
	idn2_free(back);
	return ok;
}

/*
 * The LDH rules for one label that is plain ASCII, in raw input or in
 * libidn2's output. Upper case is allowed here; the caller decides.
 * @return NULL if the label is fine, else the reason.
 */
static const char *
check_ascii_label(const char *l, size_t n)
{
	if (n == 0)
		return "empty label";
	for (size_t i = 0; i < n; i++)
		if (!is_ldh((unsigned char)l[i]))
			return "non-LDH character";
	if (l[0] == '-' || l[n - 1] == '-')
		return "label starts or ends with a hyphen";
	if (n > LABEL_MAX)
		return "label longer than 63 octets";
	/* RFC 5890 2.3.1: "??--" is reserved; only valid A-labels use it. */
	if (n >= 4 && l[2] == '-' && l[3] == '-') {
		if (ascii_lower((unsigned char)l[0]) != 'x' ||
		    ascii_lower((unsigned char)l[1]) != 'n')
			return "hyphens in third and fourth position";
		if (!alabel_ok(l, n))
			return "bad xn-- label";
	}
	return NULL;
}

/*
 * Pass 1 on one raw label: ASCII bytes must be LDH wherever they are; an
 * all-ASCII label gets the full rules. Labels with non-ASCII characters
 * are left to libidn2 and pass 3, since mapping may change their length.
 */
static const char *
check_raw_label(const char *l, size_t n)
{
	bool ascii = true;

	if (n == 0)
		return "empty label";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)l[i];

		if (c >= 0x80)
			ascii = false;
		else if (!is_ldh(c))
			return "non-LDH character";
	}
	if (ascii)
		return check_ascii_label(l, n);
	if (l[0] == '-' || l[n - 1] == '-')
		return "label starts or ends with a hyphen";
	return NULL;
}

/*
 * A last label made of digits, or of "0x" and hex digits, is how URL
 * parsers (WHATWG "ends in a number") and inet_aton() recognise an IPv4
 * address in disguise: "1.2.3.256", "127.1", "0x7f.0.0.1". No real
 * top-level domain looks like that, so such a name is refused rather than
 * risk another component reading it as an address.
 */
static bool
numeric_label(const char *l, size_t n)
{
	size_t i = 0;

	if (n >= 2 && l[0] == '0' && (l[1] == 'x' || l[1] == 'X')) {
		for (i = 2; i < n; i++)
			if (!is_hex((unsigned char)l[i]))
				return false;
		return true;
	}
	for (i = 0; i < n; i++)
		if (!is_digit((unsigned char)l[i]))
			return false;
	return n > 0;
}

/* Pass 3: the rules again on what libidn2 produced. */
static const char *
check_output(const char *a, size_t n, bool wildcard)
{
	const char *label = a, *dot, *why;
	size_t left = n;

	if (n == 0)
		return "empty name";
	/* A wildcard certificate name carries its "*." too. */
	if (n + (wildcard ? 2 : 0) > NAME_MAX_TEXT)
		return "name longer than 253 octets";
	for (;;) {
		size_t ln;

		dot = memchr(label, '.', left);
		ln = dot != NULL ? (size_t)(dot - label) : left;
		for (size_t i = 0; i < ln; i++)
			if (label[i] >= 'A' && label[i] <= 'Z')
				return "non-LDH character";
		if ((why = check_ascii_label(label, ln)) != NULL)
			return why;
		if (dot == NULL) {
			if (numeric_label(label, ln))
				return "numeric top-level label";
			return NULL;
		}
		left -= ln + 1;
		label = dot + 1;
	}
}

int
name_normalize(const char *in, size_t len, unsigned flags, char out[NAME_BUF],
    bool *wildcard, const char **why)
{
	char buf[NAME_MAX_INPUT + 1];
	uint8_t *a8 = NULL;
	const char *a;
	const char *reason, *label;
	bool wild = false;
	size_t left, alen;
	int rc;

	out[0] = '\0';
	if (wildcard != NULL)
		*wildcard = false;
	if (in == NULL)
		len = 0;

	if (len > NAME_MAX_INPUT)
		FAIL("input too long");
	if (len == 0)
		FAIL("empty name");
	if (memchr(in, '\0', len) != NULL)
		FAIL("NUL byte");
	if (!utf8_valid((const unsigned char *)in, len))
		FAIL("invalid UTF-8");

	/* One trailing dot is the absolute form of the same name. */
	if (in[len - 1] == '.') {
		len--;
		if (len == 0)
			FAIL("empty name");
		if (in[len - 1] == '.')
			FAIL("empty label");
	}

	/* Only a whole leading "*." label makes a wildcard (BR 1.6.1). */
	if (len >= 2 && in[0] == '*' && in[1] == '.') {
		wild = true;
		in += 2;
		len -= 2;
	} else if (len == 1 && in[0] == '*')
		FAIL("wildcard without a base name");
	if (memchr(in, '*', len) != NULL)
		FAIL("misplaced wildcard");
	if (wild && !(flags & NAME_ALLOW_WILDCARD))
		FAIL("wildcard not allowed");

	label = in;
	left = len;
	for (;;) {
		const char *dot = memchr(label, '.', left);
		size_t ln = dot != NULL ? (size_t)(dot - label) : left;

		if ((reason = check_raw_label(label, ln)) != NULL)
			FAIL(reason);
		if (dot == NULL)
			break;
		left -= ln + 1;
		label = dot + 1;
	}

	memcpy(buf, in, len);
	buf[len] = '\0';
	rc = idn2_lookup_u8((const uint8_t *)buf, &a8, IDN_FLAGS);
	if (rc != IDN2_OK || a8 == NULL) {
		idn2_free(a8);
		FAIL(rc != IDN2_OK ? idn2_reason(rc) :
		    "IDNA conversion failed");
	}
	a = (const char *)a8;
	alen = strlen(a);
	reason = check_output(a, alen, wild);
	if (reason == NULL) {
		/* check_output() bounded alen by NAME_MAX_TEXT. */
		memcpy(out, a, alen + 1);
	}
	idn2_free(a8);
	if (reason != NULL)
		FAIL(reason);
	if (wildcard != NULL)
		*wildcard = wild;
	return 0;
}

/*
 * IPv4 as a dotted quad of decimal octets and nothing else. inet_aton()
 * style shorthand ("127.1", "2130706433") and leading zeros (octal to
 * some parsers) name different hosts to different software.
 */
static int
parse_ipv4(const char *s, size_t n, struct target *t, const char **why)
{
	size_t start = 0;
	int part = 0;

	/* The shape first, so "2130706433" is named for what it is. The
	 * caller has checked that s holds only digits and dots. */
	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '.')
			continue;
		if (i == start || part == 4)
			FAIL("IPv4 address not a dotted quad");
		part++;
		start = i + 1;
	}
	if (part != 4)
		FAIL("IPv4 address not a dotted quad");

	start = 0;
	for (part = 0; part < 4; part++) {
		unsigned v = 0;
		size_t i;

		for (i = start; i < n && s[i] != '.'; i++)
			if (v <= 255) /* saturate on a long run of digits */
				v = v * 10 + (unsigned)(s[i] - '0');
		if (i - start > 1 && s[start] == '0')
			FAIL("leading zero in IPv4 address");
		if (v > 255)
			FAIL("IPv4 octet out of range");
		t->addr[part] = (uint8_t)v;
		start = i + 1;
	}
	if (inet_ntop(AF_INET, t->addr, t->name, sizeof(t->name)) == NULL)
		FAIL("invalid IPv4 literal");
	t->kind = TARGET_IPV4;
	return 0;
}

/* IPv6 through inet_pton(), printed back in RFC 5952 form by inet_ntop(). */
static int
parse_ipv6(const char *s, size_t n, struct target *t, const char **why)
{
	char buf[INET6_ADDRSTRLEN];

	/* SSRF guard: a zone id picks an interface, never a host. */
	if (memchr(s, '%', n) != NULL)
		FAIL("IPv6 zone id not allowed");
	if (n == 0 || n >= sizeof(buf))
		FAIL("invalid IPv6 literal");
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET6, buf, t->addr) != 1)
		FAIL("invalid IPv6 literal");
	if (inet_ntop(AF_INET6, t->addr, t->name, sizeof(t->name)) == NULL)
		FAIL("invalid IPv6 literal");
	t->kind = TARGET_IPV6;
	return 0;
}

int
target_parse(const char *in, size_t len, unsigned flags, struct target *t,
    const char **why)
{
	bool v4 = true;

	memset(t, 0, sizeof(*t));
	if (in == NULL)
		len = 0;
	if (len > NAME_MAX_INPUT)
		FAIL("input too long");
	if (len == 0)
		FAIL("empty name");
	if (memchr(in, '\0', len) != NULL)
		FAIL("NUL byte");

	/* Open MPIC 5.1: brackets around an IPv6 literal are removed. */
	if (in[0] == '[') {
		if (len < 2 || in[len - 1] != ']')
			FAIL("unbalanced bracket");
		return parse_ipv6(in + 1, len - 2, t, why);
	}
	if (memchr(in, ':', len) != NULL)
		return parse_ipv6(in, len, t, why);

	/* Digits and dots only: meant as IPv4, so it must be a good one. */
	for (size_t i = 0; i < len; i++)
		if (!is_digit((unsigned char)in[i]) && in[i] != '.')
			v4 = false;
	if (v4)
		return parse_ipv4(in, len, t, why);

	if (name_normalize(in, len, flags, t->name, &t->wildcard, why) == -1)
		return -1;
	t->kind = TARGET_DNS;
	return 0;
}

/* Names here are normalised, but compare case-blind ASCII to be safe. */
static bool
ascii_eq(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (ascii_lower((unsigned char)a[i]) !=
		    ascii_lower((unsigned char)b[i]))
			return false;
	return true;
}

bool
name_is_subdomain(const char *a, const char *b)
{
	size_t la, lb;

	/* An empty b would be the root; refuse rather than match all. */
	if (a == NULL || b == NULL || b[0] == '\0')
		return false;
	la = strlen(a);
	lb = strlen(b);
	if (la == lb)
		return ascii_eq(a, b, la);
	/* Whole labels only: "badexample.com" is not under "example.com". */
	if (la > lb && a[la - lb - 1] == '.')
		return ascii_eq(a + la - lb, b, lb);
	return false;
}

const char *
name_parent(const char *name)
{
	const char *dot;

	if (name == NULL || (dot = strchr(name, '.')) == NULL || dot[1] == '\0')
		return NULL;
	return dot + 1;
}
