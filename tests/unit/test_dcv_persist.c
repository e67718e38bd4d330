/*
 * test_dcv_persist.c: judging one persistent DCV record (BR 3.2.2.4.22,
 * RFC 8659 issue-value syntax) with dcv_persist_check(), over a table of
 * records: issuer and account matching, the mandatory and optional
 * parameters, repeated parameters, persistUntil in every form, and
 * values that break the grammar.
 *
 * Where Open MPIC 3.9.0 differs (open-mpic-api.md 5.3, 5.7 item 10), the
 * Baseline Requirements win and the row says so.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dcv_persist.h"

#define NOW ((time_t)1700000000)
#define ACCT "https://ca.example.net/acme/acct/1234"

static const char *const one_issuer[] = { "ca.example.net" };
static const char *const several_issuers[] = { "ca.example.net", "other-ca.example",
	"third.example.org" };

static struct persist_policy
policy(void)
{
	struct persist_policy p = { one_issuer, 1, ACCT, NOW };

	return p;
}

struct row {
	const char *what;
	const char *txt;
	size_t len;                /* 0: strlen(txt) */
	enum persist_verdict want;
	const char *why;           /* a substring of the reason, or NULL */
};

static const char *
verdict_name(enum persist_verdict v)
{
	switch (v) {
	case PERSIST_VALID:
		return "PERSIST_VALID";
	case PERSIST_NO_MATCH:
		return "PERSIST_NO_MATCH";
	case PERSIST_MALFORMED:
		return "PERSIST_MALFORMED";
	}
	return "?";
}

/*
 * Judge @p txt from a heap buffer of exactly its length, so that a read
 * past len is caught under ASan.
 */
static enum persist_verdict
judge(const char *txt, size_t len, const struct persist_policy *p, char *why, size_t whylen)
{
	char *copy = malloc(len > 0 ? len : 1);
	enum persist_verdict v;

	cr_assert_not_null(copy);
	memcpy(copy, txt, len);
	v = dcv_persist_check(copy, len, p, why, whylen);
	free(copy);
	return v;
}

static void
expect_rows(const struct row *rows, size_t n, const struct persist_policy *p)
{
	for (size_t i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		size_t len = r->len != 0 ? r->len : strlen(r->txt);
		char why[256];
		enum persist_verdict v;

		memset(why, 'x', sizeof(why));
		v = judge(r->txt, len, p, why, sizeof(why));
		cr_expect_eq(v, r->want, "%s: \"%s\" gave %s, want %s", r->what, r->txt,
		    verdict_name(v), verdict_name(r->want));
		cr_expect(memchr(why, '\0', sizeof(why)) != NULL, "%s: reason not terminated",
		    r->what);
		/* A valid record has no reason; every other verdict says why. */
		if (r->want == PERSIST_VALID)
			cr_expect_str_empty(why, "%s: reason \"%s\" for a valid record", r->what, why);
		else
			cr_expect_str_not_empty(why, "%s: no reason given", r->what);
		if (r->why != NULL)
			cr_expect(strstr(why, r->why) != NULL, "%s: reason \"%s\" lacks \"%s\"",
			    r->what, why, r->why);
	}
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* --- the issuer ------------------------------------------------------------- */

Test(dcv_persist, issuer_must_be_one_of_ours_ignoring_case)
{
	static const struct row rows[] = {
		{ "valid record", "ca.example.net; accounturi=" ACCT, 0, PERSIST_VALID, NULL },
		{ "issuer in upper case", "CA.EXAMPLE.NET; accounturi=" ACCT, 0, PERSIST_VALID, NULL },
		{ "issuer in mixed case", "Ca.Example.Net; accounturi=" ACCT, 0, PERSIST_VALID, NULL },
		{ "another CA", "other-ca.example; accounturi=" ACCT, 0, PERSIST_NO_MATCH,
		    "other-ca.example" },
		{ "a subdomain of ours is not ours", "sub.ca.example.net; accounturi=" ACCT, 0,
		    PERSIST_NO_MATCH, "is not one of this CA's" },
		{ "a suffix of ours is not ours", "example.net; accounturi=" ACCT, 0,
		    PERSIST_NO_MATCH, "is not one of this CA's" },
		{ "ours with a longer tail", "ca.example.network; accounturi=" ACCT, 0,
		    PERSIST_NO_MATCH, NULL },
		{ "no issuer (\";\" first)", "; accounturi=" ACCT, 0, PERSIST_NO_MATCH,
		    "is not one of this CA's" },
	};
	struct persist_policy p = policy();

	expect_rows(rows, N(rows), &p);
}

Test(dcv_persist, any_issuer_of_the_policy_matches)
{
	static const struct row rows[] = {
		{ "first issuer", "ca.example.net; accounturi=" ACCT, 0, PERSIST_VALID, NULL },
		{ "second issuer", "other-ca.example; accounturi=" ACCT, 0, PERSIST_VALID, NULL },
		{ "third issuer, upper case", "THIRD.example.ORG; accounturi=" ACCT, 0,
		    PERSIST_VALID, NULL },
		{ "none of them", "fourth.example; accounturi=" ACCT, 0, PERSIST_NO_MATCH, NULL },
	};
	struct persist_policy p = policy();

	p.issuers = several_issuers;
	p.n_issuers = N(several_issuers);
	expect_rows(rows, N(rows), &p);
}

Test(dcv_persist, policy_without_issuers_matches_nothing)
{
	static const struct row rows[] = {
		{ "no issuers configured", "ca.example.net; accounturi=" ACCT, 0, PERSIST_NO_MATCH,
		    NULL },
	};
	struct persist_policy p = policy();

	p.n_issuers = 0;
	expect_rows(rows, N(rows), &p);
}

/* --- accounturi --------------------------------------------------------------- */

/*
 * BR 3.2.2.4.22 requires the accounturi to be the applicant's account URI:
 * we compare the bytes exactly. Open MPIC 3.9.0 compares ignoring case
 * (open-mpic-api.md 5.3 and 5.7 item 10); that is a weakness we do not copy.
 */
Test(dcv_persist, accounturi_must_equal_the_account_exactly)
{
	static const struct row rows[] = {
		{ "exact account", "ca.example.net; accounturi=" ACCT, 0, PERSIST_VALID, NULL },
		{ "path differs in case (Open MPIC would match)",
		    "ca.example.net; accounturi=https://ca.example.net/ACME/acct/1234", 0,
		    PERSIST_NO_MATCH, "another account" },
		{ "scheme in upper case (Open MPIC would match)",
		    "ca.example.net; accounturi=HTTPS://ca.example.net/acme/acct/1234", 0,
		    PERSIST_NO_MATCH, "another account" },
		{ "another account", "ca.example.net; accounturi=" ACCT "5", 0, PERSIST_NO_MATCH,
		    "another account" },
		{ "a prefix of the account",
		    "ca.example.net; accounturi=https://ca.example.net/acme/acct/123", 0,
		    PERSIST_NO_MATCH, "another account" },
		{ "trailing slash", "ca.example.net; accounturi=" ACCT "/", 0, PERSIST_NO_MATCH,
		    "another account" },
	};
	struct persist_policy p = policy();

	expect_rows(rows, N(rows), &p);
}

Test(dcv_persist, accounturi_case_differing_from_the_policy_does_not_match)
{
	static const struct row rows[] = {
		{ "record in lower case, account in upper case",
		    "ca.example.net; accounturi=https://ca.example.net/acme/acct/abcd", 0,
		    PERSIST_NO_MATCH, "another account" },
		{ "record exactly as the account",
		    "ca.example.net; accounturi=https://ca.example.net/acme/acct/ABCD", 0,
		    PERSIST_VALID, NULL },
	};
	struct persist_policy p = policy();

	p.account_uri = "https://ca.example.net/acme/acct/ABCD";
	expect_rows(rows, N(rows), &p);
}

Test(dcv_persist, accounturi_is_mandatory_and_not_empty)
{
	static const struct row rows[] = {
		{ "accounturi missing", "ca.example.net; persistUntil=1800000000", 0,
		    PERSIST_MALFORMED, "accounturi" },
		{ "accounturi empty", "ca.example.net; accounturi=", 0, PERSIST_MALFORMED,
		    "accounturi" },
		{ "accounturi empty, spaces after \"=\"", "ca.example.net; accounturi=   ", 0,
		    PERSIST_MALFORMED, "accounturi" },
		{ "issuer alone", "ca.example.net", 0, PERSIST_MALFORMED, "accounturi" },
		{ "\"issuer;\" alone (Open MPIC rejects it too)", "ca.example.net;", 0,
		    PERSIST_MALFORMED, "accounturi" },
		{ "\";\" alone", ";", 0, PERSIST_MALFORMED, "accounturi" },
		{ "only an unknown parameter", "ca.example.net; policy=ee", 0, PERSIST_MALFORMED,
		    "accounturi" },
	};
	struct persist_policy p = policy();

	expect_rows(rows, N(rows), &p);
}

Test(dcv_persist, policy_without_account_matches_nothing)
{
	static const struct row rows[] = {
		{ "no account in the policy", "ca.example.net; accounturi=" ACCT, 0,
		    PERSIST_NO_MATCH, "another account" },
	};
	struct persist_policy p = policy();

	p.account_uri = NULL;
	expect_rows(rows, N(rows), &p);
}

/* --- repeated and unknown parameters ------------------------------------------ */

Test(dcv_persist, repeated_parameter_makes_the_record_malformed)
{
	/* BR 3.2.2.4.22 / issue 3: "a record with duplicate parameters is rejected". */
	static const struct row rows[] = {
		{ "accounturi twice, same value",
		    "ca.example.net; accounturi=" ACCT "; accounturi=" ACCT, 0, PERSIST_MALFORMED,
		    "appears twice" },
		{ "accounturi twice, different values",
		    "ca.example.net; accounturi=" ACCT "; accounturi=https://x.example/1", 0,
		    PERSIST_MALFORMED, "\"accounturi\" appears twice" },
		{ "accounturi twice, differing in case",
		    "ca.example.net; accounturi=" ACCT "; ACCOUNTURI=" ACCT, 0, PERSIST_MALFORMED,
		    "appears twice" },
		{ "persistUntil twice",
		    "ca.example.net; accounturi=" ACCT "; persistUntil=1800000000; persistUntil=1800000000",
		    0, PERSIST_MALFORMED, "\"persistUntil\" appears twice" },
		{ "persistUntil twice, differing in case",
		    "ca.example.net; persistuntil=1800000000; accounturi=" ACCT "; PersistUntil=1",
		    0, PERSIST_MALFORMED, "appears twice" },
		{ "unknown parameter twice",
		    "ca.example.net; accounturi=" ACCT "; policy=a; policy=b", 0, PERSIST_MALFORMED,
		    "\"policy\" appears twice" },
		{ "repeated parameter for another CA is still malformed",
		    "other-ca.example; accounturi=" ACCT "; x=1; x=1", 0, PERSIST_MALFORMED,
		    "appears twice" },
	};
	struct persist_policy p = policy();

	expect_rows(rows, N(rows), &p);
}

Test(dcv_persist, unknown_parameters_are_ignored)
{
	static const struct row rows[] = {
		{ "one unknown before", "ca.example.net; policy=ee; accounturi=" ACCT, 0,
		    PERSIST_VALID, NULL },
		{ "several unknown around",
		    "ca.example.net; a=1; accounturi=" ACCT "; b-c=2; validationmethods=dns-01", 0,
		    PERSIST_VALID, NULL },
		{ "unknown with an empty value", "ca.example.net; accounturi=" ACCT "; note=", 0,
		    PERSIST_VALID, NULL },
		{ "a tag that only starts like accounturi",
		    "ca.example.net; accounturi2=https://x.example/; accounturi=" ACCT, 0,
		    PERSIST_VALID, NULL },
		{ "a tag that is a prefix of accounturi", "ca.example.net; account=" ACCT, 0,
		    PERSIST_MALFORMED, "accounturi" },
	};
	struct persist_policy p = policy();

	expect_rows(rows, N(rows), &p);
}

Test(dcv_persist, parameter_tags_ignore_case)
{
	static const struct row rows[] = {
		{ "AccountURI", "ca.example.net; AccountURI=" ACCT, 0, PERSIST_VALID, NULL },
		{ "ACCOUNTURI", "ca.example.net; ACCOUNTURI=" ACCT, 0, PERSIST_VALID, NULL },
		{ "persistuntil in lower case, past",
		    "ca.example.net; accounturi=" ACCT "; persistuntil=1", 0, PERSIST_NO_MATCH,
		    "in the past" },
		{ "PERSISTUNTIL, future", "ca.example.net; accounturi=" ACCT "; PERSISTUNTIL=1800000000",
		    0, PERSIST_VALID, NULL },
	};
	struct persist_policy p = policy();

	expect_rows(rows, N(rows), &p);
}

/* --- persistUntil --------------------------------------------------------------- */

Test(dcv_persist, persist_until_must_not_be_in_the_past)
{
	static const struct row rows[] = {
		{ "future", "ca.example.net; accounturi=" ACCT "; persistUntil=1800000000", 0,
		    PERSIST_VALID, NULL },
		{ "one second ahead", "ca.example.net; accounturi=" ACCT "; persistUntil=1700000001",
		    0, PERSIST_VALID, NULL },
		{ "equal to now is not in the past",
		    "ca.example.net; accounturi=" ACCT "; persistUntil=1700000000", 0,
		    PERSIST_VALID, NULL },
		{ "one second ago", "ca.example.net; accounturi=" ACCT "; persistUntil=1699999999",
		    0, PERSIST_NO_MATCH, "persistUntil 1699999999 is in the past" },
		{ "zero", "ca.example.net; accounturi=" ACCT "; persistUntil=0", 0,
		    PERSIST_NO_MATCH, "in the past" },
		{ "leading zeros, equal to now",
		    "ca.example.net; accounturi=" ACCT "; persistUntil=0001700000000", 0,
		    PERSIST_VALID, NULL },
		{ "largest 64-bit unsigned value",
		    "ca.example.net; accounturi=" ACCT "; persistUntil=18446744073709551615", 0,
		    PERSIST_VALID, NULL },
		{ "before accounturi", "ca.example.net; persistUntil=1800000000; accounturi=" ACCT,
		    0, PERSIST_VALID, NULL },
	};
	struct persist_policy p = policy();

	expect_rows(rows, N(rows), &p);
}

Test(dcv_persist, persist_until_must_be_unix_seconds)
{
	static const struct row rows[] = {
		{ "non-numeric", "ca.example.net; accounturi=" ACCT "; persistUntil=tomorrow", 0,
		    PERSIST_MALFORMED, "not a number" },
		{ "digits then letters", "ca.example.net; accounturi=" ACCT "; persistUntil=1800000000s",
		    0, PERSIST_MALFORMED, "not a number" },
		{ "negative", "ca.example.net; accounturi=" ACCT "; persistUntil=-1", 0,
		    PERSIST_MALFORMED, "not a number" },
		{ "plus sign", "ca.example.net; accounturi=" ACCT "; persistUntil=+1800000000", 0,
		    PERSIST_MALFORMED, "not a number" },
		{ "decimal point", "ca.example.net; accounturi=" ACCT "; persistUntil=1800000000.5",
		    0, PERSIST_MALFORMED, "not a number" },
		{ "hexadecimal", "ca.example.net; accounturi=" ACCT "; persistUntil=0x6b49d200", 0,
		    PERSIST_MALFORMED, "not a number" },
		{ "empty", "ca.example.net; accounturi=" ACCT "; persistUntil=", 0,
		    PERSIST_MALFORMED, "not a number" },
		{ "20 digits, past 2^64", "ca.example.net; accounturi=" ACCT
		    "; persistUntil=18446744073709551616", 0, PERSIST_MALFORMED, "out of range" },
		{ "23 digits", "ca.example.net; accounturi=" ACCT
		    "; persistUntil=99999999999999999999999", 0, PERSIST_MALFORMED, "out of range" },
		{ "30 digits", "ca.example.net; accounturi=" ACCT
		    "; persistUntil=999999999999999999999999999999", 0, PERSIST_MALFORMED,
		    "not a number" },
		{ "malformed persistUntil for another CA",
		    "other-ca.example; accounturi=" ACCT "; persistUntil=soon", 0, PERSIST_MALFORMED,
		    "not a number" },
	};
	struct persist_policy p = policy();

	expect_rows(rows, N(rows), &p);
}

/* --- grammar ------------------------------------------------------------------- */

Test(dcv_persist, whitespace_around_tokens_is_allowed)
{
	static const struct row rows[] = {
		{ "spaces everywhere",
		    "  ca.example.net  ;  accounturi = " ACCT "  ;  persistUntil = 1800000000  ", 0,
		    PERSIST_VALID, NULL },
		{ "tabs", "\tca.example.net\t;\taccounturi=" ACCT "\t", 0, PERSIST_VALID, NULL },
		{ "no space at all", "ca.example.net;accounturi=" ACCT, 0, PERSIST_VALID, NULL },
	};
	struct persist_policy p = policy();

	expect_rows(rows, N(rows), &p);
}

Test(dcv_persist, grammar_violations_make_the_record_malformed)
{
	static const struct row rows[] = {
		{ "empty record", "", 0, PERSIST_MALFORMED, NULL },
		{ "only spaces", "   ", 0, PERSIST_MALFORMED, NULL },
		{ "trailing \";\"", "ca.example.net; accounturi=" ACCT ";", 0, PERSIST_MALFORMED,
		    "issue-value syntax" },
		{ "\";;\"", "ca.example.net;; accounturi=" ACCT, 0, PERSIST_MALFORMED,
		    "issue-value syntax" },
		{ "junk after the issuer", "ca.example.net junk; accounturi=" ACCT, 0,
		    PERSIST_MALFORMED, "issue-value syntax" },
		{ "issuer with a trailing dot", "ca.example.net.; accounturi=" ACCT, 0,
		    PERSIST_MALFORMED, "issue-value syntax" },
		{ "issuer with an underscore", "ca_1.example.net; accounturi=" ACCT, 0,
		    PERSIST_MALFORMED, "issue-value syntax" },
		{ "\";\" inside a value breaks the grammar",
		    "ca.example.net; accounturi=https://ca.example.net/a;b", 0, PERSIST_MALFORMED,
		    "issue-value syntax" },
		{ "a space inside a value", "ca.example.net; accounturi=https://ca.example.net/a b",
		    0, PERSIST_MALFORMED, "issue-value syntax" },
		{ "parameter without \"=\"", "ca.example.net; accounturi", 0, PERSIST_MALFORMED,
		    "issue-value syntax" },
		{ "parameter without a tag", "ca.example.net; =" ACCT, 0, PERSIST_MALFORMED,
		    "issue-value syntax" },
		{ "non-ASCII in a value", "ca.example.net; accounturi=https://ex\xc3\xa4mple/1", 0,
		    PERSIST_MALFORMED, "issue-value syntax" },
		{ "control character in a value", "ca.example.net; accounturi=" ACCT "\x01", 0,
		    PERSIST_MALFORMED, "issue-value syntax" },
	};
	struct persist_policy p = policy();

	expect_rows(rows, N(rows), &p);
}

/* Quotes are allowed characters of a value (%x21-3A / %x3C-7E), so they stay in it. */
Test(dcv_persist, quotes_are_part_of_the_value)
{
	char why[128];
	static const char txt[] = "ca.example.net; accounturi=\"" ACCT "\"";
	struct persist_policy p = policy();

	cr_assert_eq(dcv_persist_check(txt, strlen(txt), &p, why, sizeof(why)), PERSIST_NO_MATCH);
	cr_assert_str_eq(why, "accounturi is another account");
}

Test(dcv_persist, nul_byte_makes_the_record_malformed)
{
	static const char inside[] = "ca.example.net; accounturi=" ACCT "\0; x=1";
	static const char trailing[] = "ca.example.net; accounturi=" ACCT "\0";
	static const char leading[] = "\0ca.example.net; accounturi=" ACCT;
	static const struct row rows[] = {
		{ "NUL inside", inside, sizeof(inside) - 1, PERSIST_MALFORMED, "issue-value syntax" },
		{ "NUL at the end", trailing, sizeof(trailing) - 1, PERSIST_MALFORMED,
		    "issue-value syntax" },
		{ "NUL at the start", leading, sizeof(leading) - 1, PERSIST_MALFORMED,
		    "issue-value syntax" },
	};
	struct persist_policy p = policy();

	expect_rows(rows, N(rows), &p);
}

Test(dcv_persist, more_parameters_than_the_ceiling_are_malformed)
{
	char txt[1024];
	size_t len;
	char why[128];
	struct persist_policy p = policy();

	len = (size_t)snprintf(txt, sizeof(txt), "ca.example.net; accounturi=%s", ACCT);
	/* CAA_MAX_PARAMS (16) parameters in all are accepted. */
	for (int i = 1; i < 16; i++)
		len += (size_t)snprintf(txt + len, sizeof(txt) - len, "; p%d=v", i);
	cr_assert_eq(dcv_persist_check(txt, len, &p, why, sizeof(why)), PERSIST_VALID, "%s", why);
	len += (size_t)snprintf(txt + len, sizeof(txt) - len, "; p16=v");
	cr_assert_eq(dcv_persist_check(txt, len, &p, why, sizeof(why)), PERSIST_MALFORMED);
}

/* --- the interface ------------------------------------------------------------- */

Test(dcv_persist, reads_only_len_bytes)
{
	/* The account continues past len: only the first len bytes are the record. */
	static const char txt[] = "ca.example.net; accounturi=" ACCT "5678";
	struct persist_policy p = policy();
	char why[128];

	cr_assert_eq(judge(txt, strlen(txt) - 4, &p, why, sizeof(why)), PERSIST_VALID, "%s", why);
	cr_assert_eq(judge(txt, strlen(txt), &p, why, sizeof(why)), PERSIST_NO_MATCH);
	/* Cut inside the issuer: the issuer is shorter than ours. */
	cr_assert_eq(judge(txt, 6, &p, why, sizeof(why)), PERSIST_MALFORMED);
}

Test(dcv_persist, reason_is_cut_to_the_buffer)
{
	static const char txt[] = "other-ca.example; accounturi=" ACCT;
	struct persist_policy p = policy();
	char why[8];

	memset(why, 'x', sizeof(why));
	cr_assert_eq(dcv_persist_check(txt, strlen(txt), &p, why, sizeof(why)), PERSIST_NO_MATCH);
	cr_assert_eq(strlen(why), sizeof(why) - 1);
}

Test(dcv_persist, reason_for_a_long_foreign_issuer_is_one_bounded_line)
{
	char txt[512], why[256];
	size_t len = 0;
	struct persist_policy p = policy();

	/* An issuer of 200 octets: the reason quotes at most 64 of them. */
	for (int i = 0; i < 20; i++)
		len += (size_t)snprintf(txt + len, sizeof(txt) - len, "%s", "abcdefghi.");
	len += (size_t)snprintf(txt + len, sizeof(txt) - len, "example; accounturi=%s", ACCT);
	cr_assert_eq(dcv_persist_check(txt, len, &p, why, sizeof(why)), PERSIST_NO_MATCH);
	cr_assert_lt(strlen(why), 64 + 64);
	cr_assert_null(strchr(why, '\n'));
}
