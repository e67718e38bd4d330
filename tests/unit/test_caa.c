/*
 * test_caa.c: the CAA value grammar (RFC 8659 4.2), record parsing and
 * presentation, and the decision for one RRset (RFC 8659 4, RFC 8657,
 * BR 3.2.2.8), including the examples of both RFCs.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "caa.h"

#define MAX_RRS 16

/* An RRset under construction: rdata built from (flags, tag, value). */
struct rrset {
	struct dns_rr rrs[MAX_RRS];
	uint8_t store[MAX_RRS][512];
	size_t n;
};

static void
add(struct rrset *s, uint8_t flags, const char *tag, const char *value)
{
	size_t tl = strlen(tag), vl = strlen(value);
	uint8_t *p = s->store[s->n];

	cr_assert(s->n < MAX_RRS && 2 + tl + vl <= sizeof(s->store[0]));
	p[0] = flags;
	p[1] = (uint8_t)tl;
	memcpy(p + 2, tag, tl);
	memcpy(p + 2 + tl, value, vl);
	s->rrs[s->n].type = DNS_TYPE_CAA;
	s->rrs[s->n].rdata = p;
	s->rrs[s->n].rdlen = (uint16_t)(2 + tl + vl);
	s->n++;
}

static const char *const ours[] = { "ca.example.net" };

static struct caa_policy
policy(void)
{
	struct caa_policy p = { ours, 1, CAA_CERT_TLS_SERVER, false, NULL, NULL };

	return p;
}

static enum caa_decision
decide(const struct rrset *s, const struct caa_policy *p)
{
	char why[256];

	return caa_evaluate(s->rrs, s->n, p, why, sizeof(why));
}

/* --- value grammar -------------------------------------------------------- */

static int
parse(const char *v, struct caa_issuer_value *iv)
{
	return caa_value_parse(v, strlen(v), iv);
}

Test(caa_value, issuer_alone_is_parsed)
{
	struct caa_issuer_value iv;

	cr_assert_eq(parse("ca1.example.net", &iv), 0);
	cr_assert_eq(iv.issuer_len, strlen("ca1.example.net"));
	cr_assert_eq(iv.n_params, 0);
}

Test(caa_value, rfc8659_parameter_example_is_parsed)
{
	struct caa_issuer_value iv;

	cr_assert_eq(parse("ca1.example.net; account=230123", &iv), 0);
	cr_assert_eq(iv.issuer_len, 15);
	cr_assert_eq(iv.n_params, 1);
	cr_assert_eq(iv.params[0].tag_len, 7);
	cr_assert(strncmp(iv.params[0].tag, "account", 7) == 0);
	cr_assert(strncmp(iv.params[0].val, "230123", iv.params[0].val_len) == 0);
}

Test(caa_value, semicolon_alone_names_no_issuer)
{
	struct caa_issuer_value iv;

	cr_assert_eq(parse(";", &iv), 0);
	cr_assert_eq(iv.issuer_len, 0);
	cr_assert_eq(parse("  ;  ", &iv), 0);
	cr_assert_eq(iv.issuer_len, 0);
	cr_assert_eq(parse("", &iv), 0);
	cr_assert_eq(iv.issuer_len, 0);
}

Test(caa_value, whitespace_around_tokens_is_allowed)
{
	struct caa_issuer_value iv;

	cr_assert_eq(parse(" \tca.example.net \t;\t a = b ; c=d ", &iv), 0);
	cr_assert_eq(iv.issuer_len, strlen("ca.example.net"));
	cr_assert_eq(iv.n_params, 2);
	cr_assert(strncmp(iv.params[1].tag, "c", iv.params[1].tag_len) == 0);
	cr_assert(strncmp(iv.params[1].val, "d", iv.params[1].val_len) == 0);
}

Test(caa_value, trailing_semicolon_without_parameters_is_allowed)
{
	struct caa_issuer_value iv;

	cr_assert_eq(parse("ca.example.net;", &iv), 0);
	cr_assert_eq(iv.n_params, 0);
}

Test(caa_value, empty_parameter_value_is_allowed)
{
	struct caa_issuer_value iv;

	cr_assert_eq(parse("ca.example.net; key=", &iv), 0);
	cr_assert_eq(iv.n_params, 1);
	cr_assert_eq(iv.params[0].val_len, 0);
}

Test(caa_value, grammar_violations_are_rejected)
{
	static const char *const bad[] = {
		"ca.example.net.",           /* trailing dot */
		".ca.example.net",           /* leading dot */
		"ca..example.net",           /* empty label */
		"-ca.example.net",           /* label starts with a hyphen */
		"ca-.example.net",           /* label ends with a hyphen */
		"ca_1.example.net",          /* underscore */
		"ca.example.net x",          /* junk after the issuer */
		"ca.example.net; a=b;",      /* ";" with no parameter after it */
		"ca.example.net; =b",        /* parameter without a tag */
		"ca.example.net; a",         /* parameter without "=" */
		"ca.example.net; a=b c=d",   /* parameters not separated by ";" */
		"ca.example.net; a-=b",      /* tag ends with a hyphen */
		"ca.example.net; a=\x01",    /* control character in a value */
		"ca.example.net; a=\xc3\xa9", /* non-ASCII in a value */
		"ca.ex\xc3\xa4mple.net",     /* non-ASCII issuer */
		"ca.example.net;;",
	};
	struct caa_issuer_value iv;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_eq(parse(bad[i], &iv), -1, "accepted \"%s\"", bad[i]);
}

Test(caa_value, too_many_parameters_are_rejected)
{
	char v[1024] = "ca.example.net";
	struct caa_issuer_value iv;

	for (int i = 0; i <= CAA_MAX_PARAMS; i++) {
		size_t len = strlen(v);

		snprintf(v + len, sizeof(v) - len, "; p%d=v", i);
	}
	cr_assert_eq(parse(v, &iv), -1);
}

Test(caa_value, embedded_nul_is_rejected)
{
	struct caa_issuer_value iv;

	cr_assert_eq(caa_value_parse("ca.example.net\0x", 16, &iv), -1);
}

/* --- record wire form ------------------------------------------------------ */

Test(caa_record, parse_lowers_the_tag)
{
	static const uint8_t rd[] = { 0, 5, 'I', 'S', 'S', 'U', 'E', 'c', 'a' };
	struct caa_record rec;

	cr_assert_eq(caa_record_parse(rd, sizeof(rd), &rec), 0);
	cr_assert_str_eq(rec.tag, "issue");
	cr_assert_eq(rec.value_len, 2);
}

Test(caa_record, malformed_rdata_is_rejected)
{
	static const uint8_t empty_tag[] = { 0, 0, 'x' };
	static const uint8_t long_tag[] = { 0, 16, 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a',
		'a', 'a', 'a', 'a', 'a', 'a' };
	static const uint8_t short_rd[] = { 0, 5, 'i', 's' };
	static const uint8_t bad_char[] = { 0, 3, 'i', '-', 's' };
	struct caa_record rec;

	cr_assert_eq(caa_record_parse(empty_tag, sizeof(empty_tag), &rec), -1);
	cr_assert_eq(caa_record_parse(long_tag, sizeof(long_tag), &rec), -1);
	cr_assert_eq(caa_record_parse(short_rd, sizeof(short_rd), &rec), -1);
	cr_assert_eq(caa_record_parse(bad_char, sizeof(bad_char), &rec), -1);
	cr_assert_eq(caa_record_parse(short_rd, 1, &rec), -1);
}

Test(caa_record, text_form_matches_open_mpic)
{
	struct rrset s = { .n = 0 };
	char out[128];

	add(&s, 0, "issue", "ca.example.net");
	add(&s, 128, "TBS", "say \"hi\"\\\n");
	cr_assert_eq(caa_record_text(s.rrs[0].rdata, s.rrs[0].rdlen, out, sizeof(out)), 0);
	cr_assert_str_eq(out, "0 issue \"ca.example.net\"");
	cr_assert_eq(caa_record_text(s.rrs[1].rdata, s.rrs[1].rdlen, out, sizeof(out)), 0);
	cr_assert_str_eq(out, "128 TBS \"say \\\"hi\\\"\\\\\\010\"");
}

Test(caa_record, text_form_escapes_a_malformed_tag)
{
	static const uint8_t rd[] = { 0, 3, 'a', ' ', 'b', 'v' };
	char out[64];

	/* Without escaping this would read 0 a b "v", like a tag "a" and junk. */
	cr_assert_eq(caa_record_text(rd, sizeof(rd), out, sizeof(out)), 0);
	cr_assert_str_eq(out, "0 a\\032b \"v\"");
}

Test(caa_record, text_form_fails_cleanly_when_out_is_small)
{
	struct rrset s = { .n = 0 };
	char out[10];

	add(&s, 0, "issue", "ca.example.net");
	cr_assert_eq(caa_record_text(s.rrs[0].rdata, s.rrs[0].rdlen, out, sizeof(out)), -1);
}

/* --- the decision ------------------------------------------------------------ */

Test(caa_eval, rfc8659_example_issue_permits_named_ca)
{
	struct rrset s = { .n = 0 };
	struct caa_policy p = policy();

	add(&s, 0, "issue", "ca.example.net");
	cr_assert_eq(decide(&s, &p), CAA_PERMIT);
}

Test(caa_eval, issue_naming_another_ca_prohibits)
{
	struct rrset s = { .n = 0 };
	struct caa_policy p = policy();

	add(&s, 0, "issue", "other-ca.example");
	cr_assert_eq(decide(&s, &p), CAA_DENY);
}

Test(caa_eval, any_of_several_issue_records_may_permit)
{
	struct rrset s = { .n = 0 };
	struct caa_policy p = policy();

	add(&s, 0, "issue", "other-ca.example");
	add(&s, 0, "issue", "ca.example.net");
	cr_assert_eq(decide(&s, &p), CAA_PERMIT);
}

Test(caa_eval, issuer_comparison_ignores_case)
{
	struct rrset s = { .n = 0 };
	struct caa_policy p = policy();

	add(&s, 0, "ISSUE", "CA.Example.NET");
	cr_assert_eq(decide(&s, &p), CAA_PERMIT);
}

Test(caa_eval, issue_semicolon_forbids_everyone)
{
	struct rrset s = { .n = 0 };
	struct caa_policy p = policy();

	add(&s, 0, "issue", ";");
	cr_assert_eq(decide(&s, &p), CAA_DENY);
}

Test(caa_eval, iodef_only_permits)
{
	struct rrset s = { .n = 0 };
	struct caa_policy p = policy();

	add(&s, 0, "iodef", "mailto:security@example.net");
	cr_assert_eq(decide(&s, &p), CAA_PERMIT);
}

Test(caa_eval, rfc8659_critical_unknown_tag_forbids)
{
	struct rrset s = { .n = 0 };
	struct caa_policy p = policy();

	add(&s, 0, "issue", "ca.example.net");
	add(&s, 128, "tbs", "Unknown");
	cr_assert_eq(decide(&s, &p), CAA_DENY);
}

Test(caa_eval, flag_one_on_unknown_tag_forbids_like_lets_encrypt)
{
	struct rrset s = { .n = 0 };
	struct caa_policy p = policy();

	add(&s, 0, "issue", "ca.example.net");
	add(&s, 1, "futuretag", "x");
	cr_assert_eq(decide(&s, &p), CAA_DENY);
}

Test(caa_eval, critical_flag_on_known_tag_is_fine)
{
	struct rrset s = { .n = 0 };
	struct caa_policy p = policy();

	add(&s, 128, "issue", "ca.example.net");
	add(&s, 128, "iodef", "mailto:x@example.net");
	cr_assert_eq(decide(&s, &p), CAA_PERMIT);
}

Test(caa_eval, unknown_tag_without_critical_flag_is_ignored)
{
	struct rrset s = { .n = 0 };
	struct caa_policy p = policy();

	add(&s, 0, "issue", "ca.example.net");
	add(&s, 2, "futuretag", "x"); /* other flag bits are not critical */
	cr_assert_eq(decide(&s, &p), CAA_PERMIT);
}

Test(caa_eval, malformed_critical_record_forbids)
{
	struct rrset s = { .n = 0 };
	struct caa_policy p = policy();

	add(&s, 0, "issue", "ca.example.net");
	add(&s, 128, "bad-tag", "x"); /* a hyphen is not allowed in tags */
	cr_assert_eq(decide(&s, &p), CAA_DENY);
}

Test(caa_eval, rfc8659_issuewild_example_governs_wildcards)
{
	struct rrset s = { .n = 0 };
	struct caa_policy p = policy();
	static const char *const ca2[] = { "ca2.example.org" };

	/* RFC 8659 4.3: issue for ca1, issuewild for ca2. */
	add(&s, 0, "issue", "ca1.example.net");
	add(&s, 0, "issuewild", "ca2.example.org");
	p.domains = ca2;
	p.wildcard = true;
	cr_assert_eq(decide(&s, &p), CAA_PERMIT);
	p.wildcard = false;
	cr_assert_eq(decide(&s, &p), CAA_DENY);
}

Test(caa_eval, wildcard_uses_issuewild_when_present)
{
	struct rrset s = { .n = 0 };
	struct caa_policy p = policy();

	add(&s, 0, "issue", "ca.example.net");
	add(&s, 0, "issuewild", ";");
	p.wildcard = true;
	cr_assert_eq(decide(&s, &p), CAA_DENY);
	p.wildcard = false;
	cr_assert_eq(decide(&s, &p), CAA_PERMIT);
}

Test(caa_eval, wildcard_falls_back_to_issue_without_issuewild)
{
	struct rrset s = { .n = 0 };
	struct caa_policy p = policy();

	add(&s, 0, "issue", "ca.example.net");
	p.wildcard = true;
	cr_assert_eq(decide(&s, &p), CAA_PERMIT);
}

Test(caa_eval, issuewild_does_not_govern_non_wildcards)
{
	struct rrset s = { .n = 0 };
	struct caa_policy p = policy();

	add(&s, 0, "issuewild", "other-ca.example");
	cr_assert_eq(decide(&s, &p), CAA_PERMIT);
}

Test(caa_eval, smime_uses_issuemail_only)
{
	struct rrset s = { .n = 0 };
	struct caa_policy p = policy();

	add(&s, 0, "issue", ";");
	add(&s, 0, "issuemail", "ca.example.net");
	p.cert_type = CAA_CERT_SMIME;
	cr_assert_eq(decide(&s, &p), CAA_PERMIT);
}

Test(caa_eval, smime_without_issuemail_permits)
{
	struct rrset s = { .n = 0 };
	struct caa_policy p = policy();

	add(&s, 0, "issue", "other-ca.example");
	p.cert_type = CAA_CERT_SMIME;
	cr_assert_eq(decide(&s, &p), CAA_PERMIT);
}

Test(caa_eval, smime_issuemail_for_another_ca_prohibits)
{
	struct rrset s = { .n = 0 };
	struct caa_policy p = policy();

	add(&s, 0, "issuemail", "other-ca.example");
	p.cert_type = CAA_CERT_SMIME;
	cr_assert_eq(decide(&s, &p), CAA_DENY);
}

Test(caa_eval, malformed_issue_value_matches_nothing)
{
	struct rrset s = { .n = 0 };
	struct caa_policy p = policy();

	add(&s, 0, "issue", "ca.example.net; a=b;");
	cr_assert_eq(decide(&s, &p), CAA_DENY);
}

Test(caa_eval, unknown_parameters_are_ignored)
{
	struct rrset s = { .n = 0 };
	struct caa_policy p = policy();

	add(&s, 0, "issue", "ca.example.net; account=230123; policy=ev");
	cr_assert_eq(decide(&s, &p), CAA_PERMIT);
}

Test(caa_eval, rfc8657_accounturi_must_match_exactly)
{
	struct rrset s = { .n = 0 };
	struct caa_policy p = policy();

	add(&s, 0, "issue", "ca.example.net; accounturi=https://ca.example.net/acct/1234");
	p.account_uri = "https://ca.example.net/acct/1234";
	cr_assert_eq(decide(&s, &p), CAA_PERMIT);
	p.account_uri = "https://ca.example.net/acct/12345";
	cr_assert_eq(decide(&s, &p), CAA_DENY);
	p.account_uri = "https://CA.example.net/acct/1234";
	cr_assert_eq(decide(&s, &p), CAA_DENY);
	p.account_uri = NULL;
	cr_assert_eq(decide(&s, &p), CAA_DENY);
}

Test(caa_eval, rfc8657_validationmethods_must_list_the_method)
{
	struct rrset s = { .n = 0 };
	struct caa_policy p = policy();

	add(&s, 0, "issue", "ca.example.net; validationmethods=dns-01,http-01");
	p.method_label = "dns-01";
	cr_assert_eq(decide(&s, &p), CAA_PERMIT);
	p.method_label = "http-01";
	cr_assert_eq(decide(&s, &p), CAA_PERMIT);
	p.method_label = "tls-alpn-01";
	cr_assert_eq(decide(&s, &p), CAA_DENY);
	p.method_label = NULL;
	cr_assert_eq(decide(&s, &p), CAA_DENY);
}

Test(caa_eval, rfc8657_both_parameters_must_hold)
{
	struct rrset s = { .n = 0 };
	struct caa_policy p = policy();

	add(&s, 0, "issue",
	    "ca.example.net; accounturi=https://ca.example.net/acct/1; validationmethods=dns-01");
	p.account_uri = "https://ca.example.net/acct/1";
	p.method_label = "dns-01";
	cr_assert_eq(decide(&s, &p), CAA_PERMIT);
	p.method_label = "http-01";
	cr_assert_eq(decide(&s, &p), CAA_DENY);
}

Test(caa_eval, rfc8657_repeated_accounturi_matches_nothing)
{
	struct rrset s = { .n = 0 };
	struct caa_policy p = policy();

	add(&s, 0, "issue",
	    "ca.example.net; accounturi=https://ca.example.net/acct/1; "
	    "accounturi=https://ca.example.net/acct/1");
	p.account_uri = "https://ca.example.net/acct/1";
	cr_assert_eq(decide(&s, &p), CAA_DENY);
}

Test(caa_eval, rfc8657_repeated_validationmethods_matches_nothing)
{
	struct rrset s = { .n = 0 };
	struct caa_policy p = policy();

	add(&s, 0, "issue", "ca.example.net; validationmethods=dns-01; validationmethods=dns-01");
	p.method_label = "dns-01";
	cr_assert_eq(decide(&s, &p), CAA_DENY);
}

Test(caa_eval, rfc8657_accounturi_restricts_only_its_own_record)
{
	struct rrset s = { .n = 0 };
	struct caa_policy p = policy();

	/* RFC 8657 3: another record without the parameter still authorises. */
	add(&s, 0, "issue", "ca.example.net; accounturi=https://ca.example.net/acct/1");
	add(&s, 0, "issue", "ca.example.net");
	p.account_uri = "https://ca.example.net/acct/2";
	cr_assert_eq(decide(&s, &p), CAA_PERMIT);
}

Test(caa_eval, malformed_validationmethods_list_matches_nothing)
{
	struct rrset s = { .n = 0 };
	struct caa_policy p = policy();

	add(&s, 0, "issue", "ca.example.net; validationmethods=dns-01,,http-01");
	p.method_label = "dns-01";
	cr_assert_eq(decide(&s, &p), CAA_DENY);
}

Test(caa_eval, empty_rrset_permits)
{
	struct rrset s = { .n = 0 };
	struct caa_policy p = policy();

	cr_assert_eq(decide(&s, &p), CAA_PERMIT);
}

Test(caa_eval, several_caa_domains_any_may_match)
{
	static const char *const two[] = { "a.example", "ca.example.net" };
	struct rrset s = { .n = 0 };
	struct caa_policy p = policy();

	add(&s, 0, "issue", "ca.example.net");
	p.domains = two;
	p.n_domains = 2;
	cr_assert_eq(decide(&s, &p), CAA_PERMIT);
}

Test(caa_eval, reason_names_the_deciding_record)
{
	struct rrset s = { .n = 0 };
	struct caa_policy p = policy();
	char why[256];

	add(&s, 128, "tbs", "x");
	cr_assert_eq(caa_evaluate(s.rrs, s.n, &p, why, sizeof(why)), CAA_DENY);
	cr_assert(strstr(why, "tbs") != NULL, "%s", why);
}

Test(caa_method, open_mpic_names_map_to_rfc8657_labels)
{
	cr_assert_str_eq(caa_method_label("acme-dns-01"), "dns-01");
	cr_assert_str_eq(caa_method_label("acme-http-01"), "http-01");
	cr_assert_str_eq(caa_method_label("acme-tls-alpn-01"), "tls-alpn-01");
	cr_assert_str_eq(caa_method_label("dns-account-01"), "dns-account-01");
	cr_assert_str_eq(caa_method_label("ca-tbr-7"), "ca-tbr-7");
	cr_assert_null(caa_method_label("dns 01"));
	cr_assert_null(caa_method_label(""));
	cr_assert_null(caa_method_label(NULL));
}
