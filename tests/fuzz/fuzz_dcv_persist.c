/*
 * fuzz_dcv_persist.c: libFuzzer harness for the persistent DCV record
 * judge (shared/dcv_persist.c, BR 3.2.2.4.22), which reads TXT values
 * straight from the network.
 *
 * Input framing:
 *
 *   byte 0     policy selector (see make_policy()): which issuer names,
 *              which account URI, which "now"
 *   the rest   the record (the TXT strings joined), any bytes
 *
 * The record is copied into a heap buffer of exactly its length, so ASan
 * sees any read past len. Invariants, for any record:
 *   - the verdict is one of the three, and the same on a second call and
 *     with a tiny reason buffer;
 *   - `why` is a terminated line: empty for VALID, non-empty otherwise,
 *     without control characters;
 *   - VALID implies the text holds the policy's account URI exactly and,
 *     ignoring case, one of its issuer names, and no NUL byte; a plain split
 *     on ";" finds that issuer first and an "accounturi" part with that URI;
 *   - MALFORMED depends on the record alone (the grammar, repeats, a
 *     missing accounturi, a persistUntil that is not a number), so it is
 *     the same under every policy;
 *   - no issuer names or no account never give VALID, more issuer names
 *     never take VALID away, and an earlier "now" never takes VALID away.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dcv_persist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "fuzz_dcv_persist: invariant failed: %s (%s:%d)\n", \
			    #cond, __FILE__, __LINE__);                        \
			abort();                                               \
		}                                                              \
	} while (0)

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *const issuers_one[] = { "ca.example.net" };
static const char *const issuers_two[] = { "ca.example.net", "other-ca.example" };
static const char *const issuers_odd[] = { "a", "x-1.y-2.z" };
static const char *const issuers_all[] = { "ca.example.net", "other-ca.example", "a",
	"x-1.y-2.z" };

static const char *const accounts[] = {
	"https://ca.example.net/acme/acct/1234",
	"https://ca.example.net/acme/acct/ABCD",
	"urn:x",
	"a",
};

static const time_t nows[] = { 0, 1700000000, 1, (time_t)4102444800 /* 2100 */ };

/* Selector bits: 0-1 issuer set, 2-3 account, 4-5 now. */
static void
make_policy(uint8_t sel, struct persist_policy *p)
{
	static const struct {
		const char *const *v;
		size_t n;
	} sets[] = {
		{ issuers_one, N(issuers_one) },
		{ issuers_two, N(issuers_two) },
		{ issuers_odd, N(issuers_odd) },
		{ issuers_one, N(issuers_one) },
	};

	p->issuers = sets[sel & 3].v;
	p->n_issuers = sets[sel & 3].n;
	p->account_uri = accounts[(sel >> 2) & 3];
	p->now = nows[(sel >> 4) & 3];
}

static bool
find(const char *hay, size_t hlen, const char *needle, bool fold)
{
	size_t nlen = strlen(needle);

	for (size_t i = 0; nlen <= hlen && i <= hlen - nlen; i++)
		if (fold ? strncasecmp(hay + i, needle, nlen) == 0 : memcmp(hay + i, needle, nlen) == 0)
			return true;
	return false;
}

static bool
is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* Trim RFC 8659 white space from [*s, *s + *n). */
static void
trim(const char **s, size_t *n)
{
	while (*n > 0 && is_wsp(**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && is_wsp((*s)[*n - 1]))
		(*n)--;
}

/*
 * A VALID record, read the simple way Open MPIC does (split on ";", trim):
 * the first part is one of the issuers, and some part is
 * "accounturi = <uri>" with the policy's URI byte for byte.
 */
static void
check_valid_shape(const char *txt, size_t len, const struct persist_policy *p)
{
	const char *part = txt, *end = txt + len;
	bool first = true, issuer_ok = false, acct_ok = false;
	size_t acct_parts = 0;

	for (;;) {
		const char *semi = memchr(part, ';', (size_t)(end - part));
		const char *stop = semi != NULL ? semi : end;
		const char *s = part;
		size_t n = (size_t)(stop - part);

		trim(&s, &n);
		if (first) {
			for (size_t i = 0; i < p->n_issuers; i++)
				if (strlen(p->issuers[i]) == n && strncasecmp(s, p->issuers[i], n) == 0)
					issuer_ok = true;
			first = false;
		} else {
			const char *eq = memchr(s, '=', n);

			CHECK(eq != NULL);
			{
				const char *tag = s, *val = eq + 1;
				size_t tn = (size_t)(eq - s), vn = n - tn - 1;

				trim(&tag, &tn);
				trim(&val, &vn);
				if (tn == 10 && strncasecmp(tag, "accounturi", 10) == 0) {
					acct_parts++;
					acct_ok = vn == strlen(p->account_uri) &&
					    memcmp(val, p->account_uri, vn) == 0;
				}
			}
		}
		if (semi == NULL)
			break;
		part = semi + 1;
	}
	CHECK(issuer_ok);
	CHECK(acct_parts == 1 && acct_ok);
}

static enum persist_verdict
judge(const char *txt, size_t len, const struct persist_policy *p, char *why, size_t whylen)
{
	enum persist_verdict v;

	memset(why, 0x5a, whylen);
	v = dcv_persist_check(txt, len, p, why, whylen);
	CHECK(v == PERSIST_VALID || v == PERSIST_NO_MATCH || v == PERSIST_MALFORMED);
	CHECK(memchr(why, '\0', whylen) != NULL);
	if (v == PERSIST_VALID) {
		CHECK(why[0] == '\0');
	} else {
		CHECK(whylen < 2 || why[0] != '\0');
		for (const char *c = why; *c != '\0'; c++)
			CHECK((unsigned char)*c >= 0x20 && *c != 0x7f);
	}
	return v;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct persist_policy p, q;
	enum persist_verdict v;
	char why[160], tiny[2];
	char *txt;
	size_t len;

	if (size == 0)
		return 0;
	make_policy(data[0], &p);
	len = size - 1;
	/* Exactly len bytes (at least one allocated), so ASan sees overreads. */
	CHECK((txt = malloc(len > 0 ? len : 1)) != NULL);
	if (len > 0)
		memcpy(txt, data + 1, len);

	v = judge(txt, len, &p, why, sizeof(why));
	CHECK(judge(txt, len, &p, why, sizeof(why)) == v);
	CHECK(judge(txt, len, &p, tiny, sizeof(tiny)) == v);

	if (v == PERSIST_VALID) {
		bool some_issuer = false;

		CHECK(memchr(txt, '\0', len) == NULL);
		CHECK(find(txt, len, p.account_uri, false));
		CHECK(find(txt, len, "accounturi", true));
		for (size_t i = 0; i < p.n_issuers; i++)
			some_issuer = some_issuer || find(txt, len, p.issuers[i], true);
		CHECK(some_issuer);
		check_valid_shape(txt, len, &p);
	}

	/* MALFORMED is about the record, never the policy. */
	for (unsigned sel = 0; sel < 64; sel += 5) {
		make_policy((uint8_t)sel, &q);
		CHECK((judge(txt, len, &q, why, sizeof(why)) == PERSIST_MALFORMED) ==
		    (v == PERSIST_MALFORMED));
	}

	/* No issuer names, or no account: nothing is valid. */
	q = p;
	q.n_issuers = 0;
	CHECK(judge(txt, len, &q, why, sizeof(why)) != PERSIST_VALID);
	q = p;
	q.account_uri = NULL;
	CHECK(judge(txt, len, &q, why, sizeof(why)) != PERSIST_VALID);

	if (v == PERSIST_VALID) {
		/* More issuer names never take VALID away. */
		q = p;
		q.issuers = issuers_all;
		q.n_issuers = N(issuers_all);
		CHECK(judge(txt, len, &q, why, sizeof(why)) == PERSIST_VALID);
		/* persistUntil only looks forward: an earlier now keeps VALID. */
		q = p;
		q.now = 0;
		CHECK(judge(txt, len, &q, why, sizeof(why)) == PERSIST_VALID);
		q.now = p.now / 2;
		CHECK(judge(txt, len, &q, why, sizeof(why)) == PERSIST_VALID);
	}
	free(txt);
	return 0;
}
