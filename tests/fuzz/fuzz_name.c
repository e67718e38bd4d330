/*
 * fuzz_name.c: libFuzzer harness for shared/name.c, which turns a CA's
 * domain_or_ip_target into the exact text every perspective looks up.
 *
 * The whole input is the name. It goes through name_normalize() with and
 * without NAME_ALLOW_WILDCARD and through target_parse(), and every result
 * is checked against what name.h promises:
 *   - an accepted name is only [a-z0-9.-], at most 253 octets (251 for a
 *     wildcard, whose "*." counts), has no empty label, no label over 63
 *     octets, no hyphen at a label's edge, and normalising it again returns
 *     the same text (and "*." plus it, the same wildcard);
 *   - the wildcard flag only ever allows more: a name accepted without it is
 *     accepted with it, to the same text;
 *   - ASCII case and one trailing dot do not change the outcome;
 *   - a rejection leaves out empty and gives one of the documented reasons;
 *   - target_parse() agrees with name_normalize() on names, and its IP
 *     literals are canonical (parsing the text again gives the same address
 *     and the same text);
 *   - name_parent() walks up by whole labels and name_is_subdomain() agrees.
 * Any broken promise is an abort().
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "name.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "fuzz_name: invariant failed: %s (%s:%d)\n", \
			    #cond, __FILE__, __LINE__);                        \
			abort();                                               \
		}                                                              \
	} while (0)

/* Every rejection reason name.h documents. */
static const char *const reasons[] = {
	"input too long", "empty name", "empty label", "NUL byte", "invalid UTF-8",
	"non-LDH character", "label starts or ends with a hyphen",
	"hyphens in third and fourth position", "label longer than 63 octets",
	"name longer than 253 octets", "bad xn-- label", "wildcard without a base name",
	"misplaced wildcard", "wildcard not allowed", "numeric top-level label",
	"disallowed code point", "unassigned code point", "contextual rule violated",
	"bidi rule violated", "label starts with a combining mark", "not in NFC",
	"IDNA conversion failed", "out of memory",
	/* target_parse() only */
	"IPv4 address not a dotted quad", "leading zero in IPv4 address",
	"IPv4 octet out of range", "invalid IPv4 literal", "unbalanced bracket",
	"IPv6 zone id not allowed", "invalid IPv6 literal", NULL,
};

static void
check_reason(const char *why, bool target)
{
	CHECK(why != NULL);
	for (size_t i = 0; reasons[i] != NULL; i++) {
		if (strcmp(why, reasons[i]) == 0) {
			/* The IP reasons come from target_parse() alone. */
			CHECK(target || i < 23);
			return;
		}
	}
	fprintf(stderr, "fuzz_name: undocumented reason \"%s\"\n", why);
	abort();
}

/* The shape of a normalised name, checked from scratch. */
static void
check_shape(const char *out, bool wildcard)
{
	size_t len = strlen(out), start = 0;

	CHECK(len >= 1 && len <= NAME_MAX_TEXT);
	CHECK(len + (wildcard ? 2 : 0) <= NAME_MAX_TEXT);
	for (size_t i = 0; i <= len; i++) {
		size_t ln;

		if (i < len && out[i] != '.') {
			CHECK((out[i] >= 'a' && out[i] <= 'z') || (out[i] >= '0' && out[i] <= '9') ||
			    out[i] == '-');
			continue;
		}
		ln = i - start;
		CHECK(ln >= 1 && ln <= 63);
		CHECK(out[start] != '-' && out[i - 1] != '-');
		start = i + 1;
	}
}

/* name_parent() and name_is_subdomain() on an accepted name. */
static void
check_parents(const char *out)
{
	const char *p = out, *prev = NULL;
	size_t steps = 0;

	CHECK(name_is_subdomain(out, out));
	CHECK(!name_is_subdomain(out, ""));
	CHECK(!name_is_subdomain(NULL, out) && !name_is_subdomain(out, NULL));
	while ((p = name_parent(p)) != NULL) {
		CHECK(p > out && p[-1] == '.' && p[0] != '\0');
		CHECK(prev == NULL || p > prev);
		CHECK(name_is_subdomain(out, p));
		CHECK(!name_is_subdomain(p, out));
		prev = p;
		CHECK(++steps <= 127);
	}
}

/* One run of name_normalize() with its invariants; returns its result. */
static int
normalize(const char *in, size_t len, unsigned flags, char out[NAME_BUF], bool *wild)
{
	const char *why = NULL;
	int rc;

	memset(out, 'Z', NAME_BUF);
	*wild = true;
	rc = name_normalize(in, len, flags, out, wild, &why);
	CHECK(rc == 0 || rc == -1);
	if (rc == -1) {
		check_reason(why, false);
		CHECK(out[0] == '\0');
		CHECK(!*wild);
		return -1;
	}
	CHECK(memchr(out, '\0', NAME_BUF) != NULL);
	CHECK(!*wild || (flags & NAME_ALLOW_WILDCARD));
	check_shape(out, *wild);
	return 0;
}

static void
check_name(const char *in, size_t len)
{
	char out[NAME_BUF], outw[NAME_BUF], again[NAME_BUF], tmp[NAME_MAX_INPUT + 8];
	bool wild, wildw, wild2;
	int rc, rcw;

	rc = normalize(in, len, 0, out, &wild);
	rcw = normalize(in, len, NAME_ALLOW_WILDCARD, outw, &wildw);
	/* Allowing wildcards only ever accepts more. */
	if (rc == 0)
		CHECK(rcw == 0 && !wildw && strcmp(out, outw) == 0);
	if (rcw == 0 && !wildw)
		CHECK(rc == 0);
	if (rcw == -1)
		return;

	/* Idempotent: the output is its own normal form. */
	CHECK(normalize(outw, strlen(outw), 0, again, &wild2) == 0);
	CHECK(!wild2 && strcmp(again, outw) == 0);
	if (wildw) {
		int n = snprintf(tmp, sizeof(tmp), "*.%s", outw);

		CHECK(n > 0 && (size_t)n < sizeof(tmp));
		CHECK(normalize(tmp, (size_t)n, NAME_ALLOW_WILDCARD, again, &wild2) == 0);
		CHECK(wild2 && strcmp(again, outw) == 0);
	}
	check_parents(outw);

	/* One trailing dot is the same name. */
	if (len > 0 && in[len - 1] != '.' && len < NAME_MAX_INPUT) {
		memcpy(tmp, in, len);
		tmp[len] = '.';
		CHECK(normalize(tmp, len + 1, NAME_ALLOW_WILDCARD, again, &wild2) == 0);
		CHECK(wild2 == wildw && strcmp(again, outw) == 0);
	}
}

/* ASCII upper case must not change anything (UTS #46 maps it to lower). */
static void
check_case(const char *in, size_t len)
{
	char *up, out[NAME_BUF], outu[NAME_BUF];
	bool wild, wildu;
	int rc, rcu;

	if (len > NAME_MAX_INPUT)
		return;
	CHECK((up = malloc(len > 0 ? len : 1)) != NULL);
	for (size_t i = 0; i < len; i++)
		up[i] = in[i] >= 'a' && in[i] <= 'z' ? (char)(in[i] - 'a' + 'A') : in[i];
	rc = normalize(in, len, NAME_ALLOW_WILDCARD, out, &wild);
	rcu = normalize(up, len, NAME_ALLOW_WILDCARD, outu, &wildu);
	if (rc != rcu || (rc == 0 && (wild != wildu || strcmp(out, outu) != 0))) {
		fprintf(stderr, "fuzz_name: upper case changes the result (%d \"%s\" vs %d \"%s\")\n",
		    rc, out, rcu, outu);
		abort();
	}
	free(up);
}

static void
check_target(const char *in, size_t len)
{
	struct target t, t2;
	const char *why = NULL;
	char out[NAME_BUF], buf[NAME_BUF + 2];
	bool wild;
	int rc, n;

	memset(&t, 0x5a, sizeof(t));
	rc = target_parse(in, len, NAME_ALLOW_WILDCARD, &t, &why);
	CHECK(rc == 0 || rc == -1);
	if (rc == -1) {
		check_reason(why, true);
		return;
	}
	CHECK(memchr(t.name, '\0', sizeof(t.name)) != NULL);
	switch (t.kind) {
	case TARGET_DNS:
		/* Exactly what name_normalize() makes of it. */
		CHECK(normalize(in, len, NAME_ALLOW_WILDCARD, out, &wild) == 0);
		CHECK(wild == t.wildcard && strcmp(out, t.name) == 0);
		break;
	case TARGET_IPV4:
		CHECK(!t.wildcard);
		CHECK(inet_pton(AF_INET, t.name, t2.addr) == 1);
		CHECK(memcmp(t2.addr, t.addr, 4) == 0);
		/* The canonical text is a literal that parses to itself. */
		CHECK(target_parse(t.name, strlen(t.name), 0, &t2, &why) == 0);
		CHECK(t2.kind == TARGET_IPV4 && strcmp(t2.name, t.name) == 0);
		CHECK(len == strlen(t.name) && memcmp(in, t.name, len) == 0);
		break;
	case TARGET_IPV6:
		CHECK(!t.wildcard);
		CHECK(target_parse(t.name, strlen(t.name), 0, &t2, &why) == 0);
		CHECK(t2.kind == TARGET_IPV6 && strcmp(t2.name, t.name) == 0);
		CHECK(memcmp(t2.addr, t.addr, 16) == 0);
		n = snprintf(buf, sizeof(buf), "[%s]", t.name);
		CHECK(n > 0 && (size_t)n < sizeof(buf));
		CHECK(target_parse(buf, (size_t)n, 0, &t2, &why) == 0);
		CHECK(t2.kind == TARGET_IPV6 && memcmp(t2.addr, t.addr, 16) == 0);
		break;
	default:
		fprintf(stderr, "fuzz_name: unknown target kind %d\n", (int)t.kind);
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy, so ASan sees a read past the end. */
	char *in = malloc(size > 0 ? size : 1);

	CHECK(in != NULL);
	if (size > 0)
		memcpy(in, data, size);
	check_name(in, size);
	check_case(in, size);
	check_target(in, size);
	/* NULL with any length is an empty name. */
	{
		char out[NAME_BUF];
		bool wild;
		const char *why = NULL;

		CHECK(name_normalize(NULL, size, 0, out, &wild, &why) == -1);
		CHECK(why != NULL && strcmp(why, "empty name") == 0);
	}
	free(in);
	return 0;
}
