/*
 * test_dcv_request.c: decoding Open MPIC DcvCheckRequest bodies for every
 * validation method (open-mpic-api.md 2.3, 6.2) and every way one is
 * refused, with the reason that names the field; and encoding the
 * CheckResponse of a DNS-based check (3.2, 3.3, our extensions).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dcv_request.h"
#include "errors.h"
#include "json.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static struct json_doc *doc;
static struct dcv_request req;
static char err[512];

static void
cleanup(void)
{
	json_doc_free(doc);
	doc = NULL;
}

TestSuite(dcv_request, .fini = cleanup);

/* Decode @p body into the file's request; the previous document is freed. */
static int
decode(const char *body)
{
	json_doc_free(doc);
	doc = NULL;
	memset(err, 0, sizeof(err));
	return dcv_request_decode(body, strlen(body), &doc, &req, err, sizeof(err));
}

static void
expect_ok(const char *body)
{
	cr_assert_eq(decode(body), 0, "refused: %s\nbody: %s", err, body);
}

/* Refused with exactly @p want. */
static void
expect_err(const char *body, const char *want)
{
	cr_expect_eq(decode(body), -1, "accepted: %s", body);
	cr_expect_str_eq(err, want, "body: %s", body);
}

/* A body for @p target with the given dcv_check_parameters members. */
#define BODY(target, members) \
	"{\"domain_or_ip_target\":\"" target "\",\"trace_identifier\":null," \
	"\"dcv_check_parameters\":{" members "}}"
#define M(method) "\"validation_method\":\"" method "\""

#define HASH "LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0"
#define ACCT "https://ca.example.net/acme/acct/1234"

/* --- valid bodies, method by method ------------------------------------------- */

Test(dcv_request, acme_dns_01_is_decoded)
{
	expect_ok(BODY("Shop.Example.COM", M("acme-dns-01") ",\"key_authorization_hash\":\"" HASH "\""));
	cr_assert_eq(req.params.method, DCV_ACME_DNS_01);
	cr_assert_str_eq(req.params.key_authorization_hash, HASH);
	cr_assert(req.params.require_exact_case);
	cr_assert_null(req.params.challenge_value);
	cr_assert_null(req.params.name_prefix);
	cr_assert_str_eq(req.name, "shop.example.com");
	cr_assert_null(req.common.trace_identifier);
}

Test(dcv_request, acme_dns_01_accepts_its_fixed_fields_echoed)
{
	/* The coordinator's copy, as open-mpic-api.md 8.6 echoes it. */
	expect_ok("{\"domain_or_ip_target\":\"shop.example.com\",\"trace_identifier\":\"dns01-1\","
	    "\"dcv_check_parameters\":{\"validation_method\":\"acme-dns-01\","
	    "\"require_exact_case\":true,\"key_authorization_hash\":\"" HASH "\","
	    "\"dns_record_type\":\"TXT\",\"dns_name_prefix\":\"_acme-challenge\"}}");
	cr_assert_str_eq(req.common.trace_identifier, "dns01-1");
	cr_assert_str_eq(req.params.key_authorization_hash, HASH);
}

Test(dcv_request, fixed_fields_sent_as_null_count_as_absent)
{
	expect_ok(BODY("example.com", M("acme-dns-01") ",\"key_authorization_hash\":\"" HASH "\","
	    "\"dns_record_type\":null,\"dns_name_prefix\":null,\"require_exact_case\":null"));
	cr_assert(req.params.require_exact_case);
}

Test(dcv_request, dns_change_is_decoded_with_defaults)
{
	expect_ok(BODY("dns-change-txt.example.com", M("dns-change")
	    ",\"challenge_value\":\"1234567890abcdefg.\",\"dns_record_type\":\"TXT\","
	    "\"dns_name_prefix\":\"\""));
	cr_assert_eq(req.params.method, DCV_DNS_CHANGE);
	cr_assert_str_eq(req.params.challenge_value, "1234567890abcdefg.");
	cr_assert_eq(req.params.record_type, DNS_TYPE_TXT);
	/* "" means no prefix (Open MPIC 5.3). */
	cr_assert(req.params.name_prefix == NULL || req.params.name_prefix[0] == '\0');
	/* Open MPIC defaults: substring match, exact case. */
	cr_assert(!req.params.require_exact_match);
	cr_assert(req.params.require_exact_case);
	cr_assert_str_eq(req.name, "dns-change-txt.example.com");
}

Test(dcv_request, dns_change_prefix_and_flags_are_decoded)
{
	expect_ok(BODY("example.com", M("dns-change")
	    ",\"challenge_value\":\"token\",\"dns_record_type\":\"TXT\","
	    "\"dns_name_prefix\":\"_DnsAuth.Sub\",\"require_exact_match\":true,"
	    "\"require_exact_case\":false"));
	/* The prefix is lowered like the name it is joined to. */
	cr_assert_str_eq(req.params.name_prefix, "_dnsauth.sub");
	cr_assert(req.params.require_exact_match);
	cr_assert(!req.params.require_exact_case);
}

Test(dcv_request, dns_change_compares_case_only_for_txt)
{
	/* Open MPIC silently forces require_exact_case to false unless TXT. */
	expect_ok(BODY("example.com", M("dns-change")
	    ",\"challenge_value\":\"Token\",\"dns_record_type\":\"CNAME\",\"require_exact_case\":true"));
	cr_assert_eq(req.params.record_type, DNS_TYPE_CNAME);
	cr_assert(!req.params.require_exact_case);
	expect_ok(BODY("example.com", M("dns-change")
	    ",\"challenge_value\":\"Token\",\"dns_record_type\":\"CAA\""));
	cr_assert_eq(req.params.record_type, DNS_TYPE_CAA);
	cr_assert(!req.params.require_exact_case);
	expect_ok(BODY("example.com", M("dns-change")
	    ",\"challenge_value\":\"Token\",\"dns_record_type\":\"TXT\",\"require_exact_case\":true"));
	cr_assert(req.params.require_exact_case);
}

Test(dcv_request, dns_persistent_is_decoded)
{
	expect_ok(BODY("example.com", M("dns-persistent")
	    ",\"issuer_domain_names\":[\"CA.Example.NET\",\"other-ca.example\"],"
	    "\"expected_account_uri\":\"" ACCT "\""));
	cr_assert_eq(req.params.method, DCV_DNS_PERSISTENT);
	cr_assert_eq(req.params.n_issuers, 2);
	/* Issuer names are normalised (lower case) for the comparison. */
	cr_assert_str_eq(req.params.issuers[0], "ca.example.net");
	cr_assert_str_eq(req.params.issuers[1], "other-ca.example");
	cr_assert_str_eq(req.params.expected_account_uri, ACCT);
	cr_assert(!req.params.require_exact_case);
	cr_assert_str_eq(req.name, "example.com");
}

Test(dcv_request, dns_persistent_accepts_its_fixed_fields_echoed)
{
	expect_ok(BODY("example.com", M("dns-persistent")
	    ",\"issuer_domain_names\":[\"ca.example.net\"],\"expected_account_uri\":\"" ACCT "\","
	    "\"dns_record_type\":\"TXT\",\"dns_name_prefix\":\"_validation-persist\","
	    "\"require_exact_case\":false"));
	cr_assert_eq(req.params.n_issuers, 1);
}

Test(dcv_request, contact_txt_methods_are_decoded)
{
	expect_ok(BODY("dns-email-txt.example.com", M("contact-email-txt")
	    ",\"challenge_value\":\"testadmin.email.txt@example.com\""));
	cr_assert_eq(req.params.method, DCV_CONTACT_EMAIL_TXT);
	cr_assert_str_eq(req.params.challenge_value, "testadmin.email.txt@example.com");
	cr_assert(!req.params.require_exact_case);
	expect_ok(BODY("dns-phone-txt.example.com", M("contact-phone-txt")
	    ",\"challenge_value\":\"+1-123-456-7890\",\"dns_record_type\":\"TXT\","
	    "\"dns_name_prefix\":\"_validation-contactphone\",\"require_exact_case\":false"));
	cr_assert_eq(req.params.method, DCV_CONTACT_PHONE_TXT);
	cr_assert_str_eq(req.params.challenge_value, "+1-123-456-7890");
}

Test(dcv_request, contact_caa_methods_are_decoded_with_optional_prefix)
{
	expect_ok(BODY("contact-email-caa.example.com", M("contact-email-caa")
	    ",\"challenge_value\":\"caa.contactemail@example.com\""));
	cr_assert_eq(req.params.method, DCV_CONTACT_EMAIL_CAA);
	cr_assert_str_eq(req.params.challenge_value, "caa.contactemail@example.com");
	cr_assert_null(req.params.name_prefix);
	expect_ok(BODY("example.com", M("contact-phone-caa")
	    ",\"challenge_value\":\"+1-123-456-7890\",\"dns_record_type\":\"CAA\","
	    "\"dns_name_prefix\":\"sub\""));
	cr_assert_eq(req.params.method, DCV_CONTACT_PHONE_CAA);
	/* Only dns-change needs the underscore (BR 3.2.2.4.7). */
	cr_assert_str_eq(req.params.name_prefix, "sub");
}

Test(dcv_request, ip_address_is_decoded_for_a_and_aaaa)
{
	expect_ok(BODY("ip-address.example.com", M("ip-address")
	    ",\"challenge_value\":\"1.2.3.4\",\"dns_record_type\":\"A\""));
	cr_assert_eq(req.params.method, DCV_IP_ADDRESS);
	cr_assert_eq(req.params.record_type, DNS_TYPE_A);
	cr_assert_str_eq(req.params.challenge_value, "1.2.3.4");
	expect_ok(BODY("ip-address-v6.example.com", M("ip-address")
	    ",\"challenge_value\":\"2001:4860:4860:0:00:000:0000:8888\",\"dns_record_type\":\"AAAA\","
	    "\"dns_name_prefix\":\"_ip\""));
	cr_assert_eq(req.params.record_type, DNS_TYPE_AAAA);
	cr_assert_str_eq(req.params.name_prefix, "_ip");
}

Test(dcv_request, reverse_lookup_takes_the_reverse_name_as_target)
{
	expect_ok(BODY("1.2.0.192.in-addr.arpa", M("reverse-address-lookup")
	    ",\"challenge_value\":\"host.example.com.\""));
	cr_assert_eq(req.params.method, DCV_REVERSE_ADDRESS_LOOKUP);
	cr_assert_str_eq(req.name, "1.2.0.192.in-addr.arpa");
	cr_assert_str_eq(req.params.challenge_value, "host.example.com.");
}

Test(dcv_request, reverse_lookup_of_an_ipv4_target_builds_in_addr_arpa)
{
	expect_ok(BODY("192.0.2.1", M("reverse-address-lookup")
	    ",\"challenge_value\":\"host.example.com.\",\"dns_record_type\":\"PTR\""));
	cr_assert_eq(req.common.target.kind, TARGET_IPV4);
	cr_assert_str_eq(req.name, "1.2.0.192.in-addr.arpa");
}

Test(dcv_request, reverse_lookup_of_an_ipv6_target_builds_ip6_arpa)
{
	expect_ok(BODY("[2001:DB8::567:89ab]", M("reverse-address-lookup")
	    ",\"challenge_value\":\"host.example.com.\""));
	cr_assert_eq(req.common.target.kind, TARGET_IPV6);
	cr_assert_str_eq(req.name,
	    "b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
	expect_ok(BODY("4321:0:1:2:3:4:567:89ab", M("reverse-address-lookup")
	    ",\"challenge_value\":\"host.example.com.\""));
	cr_assert_str_eq(req.name,
	    "b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.0.0.0.1.2.3.4.ip6.arpa");
}

Test(dcv_request, dns_account_01_is_decoded)
{
	expect_ok(BODY("example.org", M("dns-account-01")
	    ",\"account_uri\":\"https://example.com/acme/acct/ExampleAccount\","
	    "\"key_authorization_hash\":\"" HASH "\""));
	cr_assert_eq(req.params.method, DCV_DNS_ACCOUNT_01);
	cr_assert_str_eq(req.params.account_uri, "https://example.com/acme/acct/ExampleAccount");
	cr_assert_str_eq(req.params.key_authorization_hash, HASH);
	cr_assert(req.params.require_exact_case);
	cr_assert_str_eq(req.name, "example.org");
	expect_ok(BODY("example.org", M("dns-account-01")
	    ",\"account_uri\":\"urn:x\",\"key_authorization_hash\":\"" HASH "\","
	    "\"dns_record_type\":\"TXT\",\"require_exact_case\":true"));
}

Test(dcv_request, wildcard_target_gives_the_base_name)
{
	expect_ok(BODY("*.Example.com", M("acme-dns-01") ",\"key_authorization_hash\":\"" HASH "\""));
	cr_assert(req.common.target.wildcard);
	cr_assert_str_eq(req.name, "example.com");
	expect_ok(BODY("*.sub.example.com", M("dns-persistent")
	    ",\"issuer_domain_names\":[\"ca.example.net\"],\"expected_account_uri\":\"" ACCT "\""));
	cr_assert_str_eq(req.name, "sub.example.com");
}

Test(dcv_request, unknown_fields_are_ignored)
{
	expect_ok("{\"domain_or_ip_target\":\"example.com\",\"check_type\":\"dcv\",\"extra\":[1,2],"
	    "\"dcv_check_parameters\":{\"validation_method\":\"contact-email-txt\","
	    "\"challenge_value\":\"a@example.com\",\"whatever\":{}}}");
}

Test(dcv_request, request_id_is_kept)
{
	expect_ok("{\"domain_or_ip_target\":\"example.com\",\"request_id\":\"r-42\","
	    "\"dcv_check_parameters\":{\"validation_method\":\"acme-dns-01\","
	    "\"key_authorization_hash\":\"" HASH "\"}}");
	cr_assert_str_eq(req.common.request_id, "r-42");
}

Test(dcv_request, now_is_set_for_persist_until)
{
	time_t before = time(NULL);

	expect_ok(BODY("example.com", M("dns-persistent")
	    ",\"issuer_domain_names\":[\"ca.example.net\"],\"expected_account_uri\":\"" ACCT "\""));
	cr_assert_geq(req.params.now, before);
	cr_assert_leq(req.params.now, time(NULL));
}

/* --- refusals: the parameters object and the method ------------------------- */

Test(dcv_request, missing_parameters_object_is_refused)
{
	expect_err("{\"domain_or_ip_target\":\"example.com\"}", "dcv_check_parameters: required");
	expect_err("{\"domain_or_ip_target\":\"example.com\",\"dcv_check_parameters\":null}",
	    "dcv_check_parameters: required");
	/* A CAA body sent to /dcv. */
	expect_err("{\"domain_or_ip_target\":\"example.com\",\"caa_check_parameters\":{}}",
	    "dcv_check_parameters: required");
}

Test(dcv_request, parameters_that_are_not_an_object_are_refused)
{
	expect_err("{\"domain_or_ip_target\":\"example.com\",\"dcv_check_parameters\":\"acme-dns-01\"}",
	    "dcv_check_parameters: expected an object, got a string");
	expect_err("{\"domain_or_ip_target\":\"example.com\",\"dcv_check_parameters\":[]}",
	    "dcv_check_parameters: expected an object, got an array");
}

Test(dcv_request, validation_method_is_required_and_must_be_known)
{
	expect_err(BODY("example.com", "\"key_authorization_hash\":\"" HASH "\""),
	    "dcv_check_parameters.validation_method: required");
	expect_err(BODY("example.com", "\"validation_method\":null"),
	    "dcv_check_parameters.validation_method: required");
	expect_err(BODY("example.com", M("dns-01")),
	    "dcv_check_parameters.validation_method: not a validation method");
	expect_err(BODY("example.com", M("ACME-DNS-01")),
	    "dcv_check_parameters.validation_method: not a validation method");
	expect_err(BODY("example.com", M("")),
	    "dcv_check_parameters.validation_method: not a validation method");
	expect_err(BODY("example.com", "\"validation_method\":7"),
	    "dcv_check_parameters.validation_method: expected a string, got a number");
}

Test(dcv_request, website_change_is_decoded)
{
	expect_ok(BODY("example.com", M("website-change")
	    ",\"challenge_value\":\"v\",\"http_token_path\":\"a.txt\",\"url_scheme\":\"https\","
	    "\"http_headers\":{\"X-Test\":\"1\"},\"match_regex\":\"^v$\","
	    "\"require_exact_case\":false"));
	cr_assert_eq(req.params.method, DCV_WEBSITE_CHANGE);
	cr_assert_str_eq(req.params.challenge_value, "v");
	cr_assert_str_eq(req.params.http_token_path, "a.txt");
	cr_assert(req.params.https);
	cr_assert_eq(req.params.n_http_headers, 1);
	cr_assert_str_eq(req.params.http_headers[0], "X-Test: 1");
	cr_assert_str_eq(req.params.match_regex, "^v$");
	cr_assert_not(req.params.require_exact_case);
	/* Defaults: http, exact case. */
	expect_ok(BODY("example.com", M("website-change")
	    ",\"challenge_value\":\"v\",\"http_token_path\":\"a.txt\""));
	cr_assert_not(req.params.https);
	cr_assert(req.params.require_exact_case);
}

Test(dcv_request, http_methods_refuse_what_could_escape_their_url)
{
	/* "." would make the URL the directory itself. */
	expect_err(BODY("example.com", M("website-change")
	    ",\"challenge_value\":\"v\",\"http_token_path\":\".\""),
	    "dcv_check_parameters.http_token_path: only letters, digits, \".\", \"_\", \"~\" and "
	    "\"-\" (a file name, not \".\", no \"..\")");
	expect_err(BODY("example.com", M("website-change")
	    ",\"challenge_value\":\"v\",\"http_token_path\":\"../etc/passwd\""),
	    "dcv_check_parameters.http_token_path: only letters, digits, \".\", \"_\", \"~\" and "
	    "\"-\" (a file name, not \".\", no \"..\")");
	expect_err(BODY("example.com", M("website-change")
	    ",\"challenge_value\":\"v\",\"http_token_path\":\"a%2Fb\""),
	    "dcv_check_parameters.http_token_path: only letters, digits, \".\", \"_\", \"~\" and "
	    "\"-\" (a file name, not \".\", no \"..\")");
	expect_err(BODY("example.com", M("acme-http-01") ",\"token\":\"a/b\",\"key_authorization\":\"k\""),
	    "dcv_check_parameters.token: must be base64url (letters, digits, \"-\", \"_\")");
	expect_err(BODY("example.com", M("acme-http-01") ",\"token\":\"..\",\"key_authorization\":\"k\""),
	    "dcv_check_parameters.token: must be base64url (letters, digits, \"-\", \"_\")");
	expect_err(BODY("example.com", M("website-change")
	    ",\"challenge_value\":\"v\",\"http_token_path\":\"a\",\"url_scheme\":null"),
	    "dcv_check_parameters.url_scheme: must be \"http\" or \"https\"");
	expect_err(BODY("example.com", M("website-change")
	    ",\"challenge_value\":\"v\",\"http_token_path\":\"a\",\"url_scheme\":\"ftp\""),
	    "dcv_check_parameters.url_scheme: must be \"http\" or \"https\"");
	expect_err(BODY("example.com", M("acme-http-01")
	    ",\"token\":\"t\",\"key_authorization\":\"k\",\"http_headers\":{\"Host\":\"evil\"}"),
	    "dcv_check_parameters.http_headers.Host: this header may not be set");
	expect_err(BODY("example.com", M("acme-http-01")
	    ",\"token\":\"t\",\"key_authorization\":\"k\",\"http_headers\":{\"X\":\"a\\r\\nB: c\"}"),
	    "dcv_check_parameters.http_headers.X: must be a string of at most 1024 characters without "
	    "control characters");
	expect_err(BODY("example.com", M("website-change")
	    ",\"challenge_value\":\"v\",\"http_token_path\":\"a\",\"match_regex\":\"(\""),
	    "dcv_check_parameters.match_regex: not a PCRE2 regular expression: missing closing "
	    "parenthesis at 1");
	expect_err(BODY("*.example.com", M("acme-http-01") ",\"token\":\"t\",\"key_authorization\":\"k\""),
	    "domain_or_ip_target: acme-http-01 cannot validate a wildcard name");
}

Test(dcv_request, tls_alpn_hash_is_hex_or_base64url)
{
	const char *field;

	expect_ok(BODY("example.com", M("acme-tls-alpn-01") ",\"key_authorization_hash\":\""
	    "653471d42925d7eb4cd39a39cda8b34d3034c94cb90067ab78c8123560ba2e5f\""));
	cr_assert(req.params.alpn_digest_ok);
	cr_assert_eq(req.params.alpn_digest[0], 0x65);
	cr_assert_eq(req.params.alpn_digest[31], 0x5f);
	/* The same 32 bytes in base64url. */
	expect_ok(BODY("example.com", M("acme-tls-alpn-01")
	    ",\"key_authorization_hash\":\"ZTRx1CkiX...\""));
	cr_assert_not(req.params.alpn_digest_ok);
	cr_assert(dcv_parameter_invalid(&req.params, &field));
	cr_assert_str_eq(field, "key_authorization_hash");
	expect_ok(BODY("example.com", M("acme-tls-alpn-01")
	    ",\"key_authorization_hash\":\"ZTRx1Ckl1-tM05o5zaizTTA0yUy5AGereMgSNWC6Ll8\""));
	cr_assert(req.params.alpn_digest_ok);
	cr_assert_eq(req.params.alpn_digest[0], 0x65);
	cr_assert_eq(req.params.alpn_digest[31], 0x5f);
	cr_assert_not(dcv_parameter_invalid(&req.params, &field));
}

Test(dcv_request, fixed_require_exact_case_of_http_methods_is_checked)
{
	/* acme-http-01 fixes it to true: a wrong value is a plain request error. */
	expect_err(BODY("example.com", M("acme-http-01")
	    ",\"token\":\"t\",\"key_authorization\":\"t.k\",\"require_exact_case\":false"),
	    "dcv_check_parameters.require_exact_case: must be true for acme-http-01");
}

/* --- refusals: required fields and empty values -------------------------------- */

Test(dcv_request, missing_required_fields_are_named)
{
	static const struct {
		const char *body, *err;
	} cases[] = {
		{ BODY("example.com", M("acme-dns-01")),
		    "dcv_check_parameters.key_authorization_hash: required" },
		{ BODY("example.com", M("dns-account-01") ",\"key_authorization_hash\":\"" HASH "\""),
		    "dcv_check_parameters.account_uri: required" },
		{ BODY("example.com", M("dns-account-01") ",\"account_uri\":\"" ACCT "\""),
		    "dcv_check_parameters.key_authorization_hash: required" },
		{ BODY("example.com", M("dns-change") ",\"dns_record_type\":\"TXT\""),
		    "dcv_check_parameters.challenge_value: required" },
		{ BODY("example.com", M("dns-change") ",\"challenge_value\":\"v\""),
		    "dcv_check_parameters.dns_record_type: required (CNAME, TXT, CAA)" },
		{ BODY("example.com", M("dns-persistent") ",\"expected_account_uri\":\"" ACCT "\""),
		    "dcv_check_parameters.issuer_domain_names: required, a non-empty list" },
		{ BODY("example.com", M("dns-persistent") ",\"issuer_domain_names\":[\"ca.example.net\"]"),
		    "dcv_check_parameters.expected_account_uri: required" },
		{ BODY("example.com", M("contact-email-txt")),
		    "dcv_check_parameters.challenge_value: required" },
		{ BODY("example.com", M("contact-phone-txt")),
		    "dcv_check_parameters.challenge_value: required" },
		{ BODY("example.com", M("contact-email-caa")),
		    "dcv_check_parameters.challenge_value: required" },
		{ BODY("example.com", M("contact-phone-caa")),
		    "dcv_check_parameters.challenge_value: required" },
		{ BODY("example.com", M("ip-address") ",\"dns_record_type\":\"A\""),
		    "dcv_check_parameters.challenge_value: required" },
		{ BODY("example.com", M("ip-address") ",\"challenge_value\":\"1.2.3.4\""),
		    "dcv_check_parameters.dns_record_type: required (A, AAAA)" },
		{ BODY("1.2.0.192.in-addr.arpa", M("reverse-address-lookup")),
		    "dcv_check_parameters.challenge_value: required" },
	};

	for (size_t i = 0; i < N(cases); i++)
		expect_err(cases[i].body, cases[i].err);
}

Test(dcv_request, dns_account_01_takes_no_name_prefix)
{
	/* The label comes from the account URI (BR 3.2.2.4.21). */
	expect_err(BODY("example.com", M("dns-account-01") ",\"account_uri\":\"" ACCT
	    "\",\"key_authorization_hash\":\"" HASH "\",\"dns_name_prefix\":\"_x\""),
	    "dcv_check_parameters.dns_name_prefix: not a parameter of dns-account-01");
}

Test(dcv_request, empty_challenge_values_are_refused_for_every_method)
{
	/* Open MPIC refuses an empty challenge only for website-change (5.7 item 10). */
	static const struct {
		const char *body, *err;
	} cases[] = {
		{ BODY("example.com", M("acme-dns-01") ",\"key_authorization_hash\":\"\""),
		    "dcv_check_parameters.key_authorization_hash: must not be empty" },
		{ BODY("example.com", M("dns-account-01")
		    ",\"account_uri\":\"" ACCT "\",\"key_authorization_hash\":\"\""),
		    "dcv_check_parameters.key_authorization_hash: must not be empty" },
		{ BODY("example.com", M("dns-change")
		    ",\"challenge_value\":\"\",\"dns_record_type\":\"TXT\""),
		    "dcv_check_parameters.challenge_value: must not be empty" },
		{ BODY("example.com", M("contact-email-txt") ",\"challenge_value\":\"\""),
		    "dcv_check_parameters.challenge_value: must not be empty" },
		{ BODY("example.com", M("contact-phone-txt") ",\"challenge_value\":\"\""),
		    "dcv_check_parameters.challenge_value: must not be empty" },
		{ BODY("example.com", M("contact-email-caa") ",\"challenge_value\":\"\""),
		    "dcv_check_parameters.challenge_value: must not be empty" },
		{ BODY("example.com", M("contact-phone-caa") ",\"challenge_value\":\"\""),
		    "dcv_check_parameters.challenge_value: must not be empty" },
		{ BODY("example.com", M("ip-address")
		    ",\"challenge_value\":\"\",\"dns_record_type\":\"A\""),
		    "dcv_check_parameters.challenge_value: must not be empty" },
		{ BODY("1.2.0.192.in-addr.arpa", M("reverse-address-lookup") ",\"challenge_value\":\"\""),
		    "dcv_check_parameters.challenge_value: must not be empty" },
		{ BODY("example.com", M("dns-persistent")
		    ",\"issuer_domain_names\":[\"ca.example.net\"],\"expected_account_uri\":\"\""),
		    "dcv_check_parameters.expected_account_uri: must not be empty" },
		{ BODY("example.com", M("dns-account-01")
		    ",\"account_uri\":\"\",\"key_authorization_hash\":\"" HASH "\""),
		    "dcv_check_parameters.account_uri: must not be empty" },
	};

	for (size_t i = 0; i < N(cases); i++)
		expect_err(cases[i].body, cases[i].err);
}

Test(dcv_request, wrongly_typed_fields_are_named)
{
	expect_err(BODY("example.com", M("acme-dns-01") ",\"key_authorization_hash\":42"),
	    "dcv_check_parameters.key_authorization_hash: expected a string, got a number");
	expect_err(BODY("example.com", M("dns-change")
	    ",\"challenge_value\":\"v\",\"dns_record_type\":\"TXT\",\"require_exact_match\":\"yes\""),
	    "dcv_check_parameters.require_exact_match: expected a boolean, got a string");
	expect_err(BODY("example.com", M("dns-change")
	    ",\"challenge_value\":\"v\",\"dns_record_type\":\"TXT\",\"require_exact_case\":1"),
	    "dcv_check_parameters.require_exact_case: expected a boolean, got a number");
	expect_err(BODY("example.com", M("dns-persistent")
	    ",\"issuer_domain_names\":\"ca.example.net\",\"expected_account_uri\":\"" ACCT "\""),
	    "dcv_check_parameters.issuer_domain_names: expected an array, got a string");
	expect_err(BODY("example.com", M("dns-change")
	    ",\"challenge_value\":\"v\",\"dns_record_type\":\"TXT\",\"dns_name_prefix\":[]"),
	    "dcv_check_parameters.dns_name_prefix: expected a string, got an array");
	expect_err(BODY("example.com", M("dns-change")
	    ",\"challenge_value\":\"v\",\"dns_record_type\":16"),
	    "dcv_check_parameters.dns_record_type: expected a string, got a number");
	expect_err(BODY("example.com", M("ip-address")
	    ",\"challenge_value\":\"1.2.3.4\",\"dns_record_type\":[\"A\"]"),
	    "dcv_check_parameters.dns_record_type: expected a string, got an array");
	expect_err(BODY("example.com", M("dns-persistent")
	    ",\"issuer_domain_names\":[\"ca.example.net\",null],\"expected_account_uri\":\"" ACCT "\""),
	    "dcv_check_parameters.issuer_domain_names[1]: expected a string, got null");
	expect_err(BODY("example.com", M("dns-account-01")
	    ",\"account_uri\":{},\"key_authorization_hash\":\"" HASH "\""),
	    "dcv_check_parameters.account_uri: expected a string, got an object");
}

Test(dcv_request, over_long_issuer_name_is_refused)
{
	char body[4096], big[NAME_MAX_INPUT + 2];

	memset(big, 'a', NAME_MAX_INPUT + 1);
	big[NAME_MAX_INPUT + 1] = '\0';
	snprintf(body, sizeof(body), BODY("example.com", M("dns-persistent")
	    ",\"issuer_domain_names\":[\"%s\"],\"expected_account_uri\":\"" ACCT "\""), big);
	expect_err(body, "dcv_check_parameters.issuer_domain_names[0]: longer than 1024 bytes");
	/* Within the input ceiling but over 253 octets: the name itself is refused. */
	big[300] = '\0';
	for (size_t i = 63; i < 300; i += 64)
		big[i] = '.';
	snprintf(body, sizeof(body), BODY("example.com", M("dns-persistent")
	    ",\"issuer_domain_names\":[\"%s\"],\"expected_account_uri\":\"" ACCT "\""), big);
	expect_err(body, "dcv_check_parameters.issuer_domain_names[0]: name longer than 253 octets");
}

Test(dcv_request, over_long_values_are_refused)
{
	char body[4096], big[DCV_MAX_VALUE + 2];

	memset(big, 'a', DCV_MAX_VALUE + 1);
	big[DCV_MAX_VALUE + 1] = '\0';
	snprintf(body, sizeof(body), BODY("example.com", M("acme-dns-01")
	    ",\"key_authorization_hash\":\"%s\""), big);
	expect_err(body, "dcv_check_parameters.key_authorization_hash: longer than 1024 bytes");
	/* Exactly the ceiling is fine. */
	big[DCV_MAX_VALUE] = '\0';
	snprintf(body, sizeof(body), BODY("example.com", M("acme-dns-01")
	    ",\"key_authorization_hash\":\"%s\""), big);
	expect_ok(body);
}

/* --- refusals: fixed fields ---------------------------------------------------- */

Test(dcv_request, fixed_record_type_must_keep_its_value)
{
	static const struct {
		const char *body, *err;
	} cases[] = {
		{ BODY("example.com", M("acme-dns-01")
		    ",\"key_authorization_hash\":\"" HASH "\",\"dns_record_type\":\"CNAME\""),
		    "dcv_check_parameters.dns_record_type: must be \"TXT\" for acme-dns-01" },
		{ BODY("example.com", M("acme-dns-01")
		    ",\"key_authorization_hash\":\"" HASH "\",\"dns_record_type\":\"txt\""),
		    "dcv_check_parameters.dns_record_type: must be \"TXT\" for acme-dns-01" },
		{ BODY("example.com", M("dns-persistent")
		    ",\"issuer_domain_names\":[\"ca.example.net\"],\"expected_account_uri\":\"" ACCT "\","
		    "\"dns_record_type\":\"CAA\""),
		    "dcv_check_parameters.dns_record_type: must be \"TXT\" for dns-persistent" },
		{ BODY("example.com", M("contact-email-txt")
		    ",\"challenge_value\":\"a@example.com\",\"dns_record_type\":\"CAA\""),
		    "dcv_check_parameters.dns_record_type: must be \"TXT\" for contact-email-txt" },
		{ BODY("example.com", M("contact-phone-txt")
		    ",\"challenge_value\":\"+1\",\"dns_record_type\":\"CAA\""),
		    "dcv_check_parameters.dns_record_type: must be \"TXT\" for contact-phone-txt" },
		{ BODY("example.com", M("contact-email-caa")
		    ",\"challenge_value\":\"a@example.com\",\"dns_record_type\":\"TXT\""),
		    "dcv_check_parameters.dns_record_type: must be \"CAA\" for contact-email-caa" },
		{ BODY("example.com", M("contact-phone-caa")
		    ",\"challenge_value\":\"+1\",\"dns_record_type\":\"TXT\""),
		    "dcv_check_parameters.dns_record_type: must be \"CAA\" for contact-phone-caa" },
		{ BODY("1.2.0.192.in-addr.arpa", M("reverse-address-lookup")
		    ",\"challenge_value\":\"h.example.\",\"dns_record_type\":\"CNAME\""),
		    "dcv_check_parameters.dns_record_type: must be \"PTR\" for reverse-address-lookup" },
		{ BODY("example.com", M("dns-account-01")
		    ",\"account_uri\":\"" ACCT "\",\"key_authorization_hash\":\"" HASH "\","
		    "\"dns_record_type\":\"CNAME\""),
		    "dcv_check_parameters.dns_record_type: must be \"TXT\" for dns-account-01" },
		{ BODY("example.com", M("acme-dns-01")
		    ",\"key_authorization_hash\":\"" HASH "\",\"dns_record_type\":5"),
		    "dcv_check_parameters.dns_record_type: expected a string, got a number" },
	};

	for (size_t i = 0; i < N(cases); i++)
		expect_err(cases[i].body, cases[i].err);
}

Test(dcv_request, fixed_prefix_must_keep_its_value)
{
	static const struct {
		const char *body, *err;
	} cases[] = {
		{ BODY("example.com", M("acme-dns-01")
		    ",\"key_authorization_hash\":\"" HASH "\",\"dns_name_prefix\":\"_other\""),
		    "dcv_check_parameters.dns_name_prefix: must be \"_acme-challenge\" for acme-dns-01" },
		{ BODY("example.com", M("acme-dns-01")
		    ",\"key_authorization_hash\":\"" HASH "\",\"dns_name_prefix\":\"\""),
		    "dcv_check_parameters.dns_name_prefix: must be \"_acme-challenge\" for acme-dns-01" },
		{ BODY("example.com", M("acme-dns-01")
		    ",\"key_authorization_hash\":\"" HASH "\",\"dns_name_prefix\":\"_ACME-CHALLENGE\""),
		    "dcv_check_parameters.dns_name_prefix: must be \"_acme-challenge\" for acme-dns-01" },
		{ BODY("example.com", M("dns-persistent")
		    ",\"issuer_domain_names\":[\"ca.example.net\"],\"expected_account_uri\":\"" ACCT "\","
		    "\"dns_name_prefix\":\"_validation\""),
		    "dcv_check_parameters.dns_name_prefix: must be \"_validation-persist\" for "
		    "dns-persistent" },
		{ BODY("example.com", M("contact-email-txt")
		    ",\"challenge_value\":\"a@example.com\",\"dns_name_prefix\":\"_validation-contactphone\""),
		    "dcv_check_parameters.dns_name_prefix: must be \"_validation-contactemail\" for "
		    "contact-email-txt" },
		{ BODY("example.com", M("contact-phone-txt")
		    ",\"challenge_value\":\"+1\",\"dns_name_prefix\":\"_validation-contactemail\""),
		    "dcv_check_parameters.dns_name_prefix: must be \"_validation-contactphone\" for "
		    "contact-phone-txt" },
	};

	for (size_t i = 0; i < N(cases); i++)
		expect_err(cases[i].body, cases[i].err);
}

Test(dcv_request, fixed_require_exact_case_must_keep_its_value)
{
	static const struct {
		const char *body, *err;
	} cases[] = {
		{ BODY("example.com", M("acme-dns-01")
		    ",\"key_authorization_hash\":\"" HASH "\",\"require_exact_case\":false"),
		    "dcv_check_parameters.require_exact_case: must be true for acme-dns-01" },
		{ BODY("example.com", M("dns-account-01")
		    ",\"account_uri\":\"" ACCT "\",\"key_authorization_hash\":\"" HASH "\","
		    "\"require_exact_case\":false"),
		    "dcv_check_parameters.require_exact_case: must be true for dns-account-01" },
		{ BODY("example.com", M("dns-persistent")
		    ",\"issuer_domain_names\":[\"ca.example.net\"],\"expected_account_uri\":\"" ACCT "\","
		    "\"require_exact_case\":true"),
		    "dcv_check_parameters.require_exact_case: must be false for dns-persistent" },
		{ BODY("example.com", M("contact-email-txt")
		    ",\"challenge_value\":\"a@example.com\",\"require_exact_case\":true"),
		    "dcv_check_parameters.require_exact_case: must be false for contact-email-txt" },
		{ BODY("example.com", M("contact-phone-caa")
		    ",\"challenge_value\":\"+1\",\"require_exact_case\":true"),
		    "dcv_check_parameters.require_exact_case: must be false for contact-phone-caa" },
		{ BODY("example.com", M("ip-address")
		    ",\"challenge_value\":\"1.2.3.4\",\"dns_record_type\":\"A\",\"require_exact_case\":true"),
		    "dcv_check_parameters.require_exact_case: must be false for ip-address" },
		{ BODY("1.2.0.192.in-addr.arpa", M("reverse-address-lookup")
		    ",\"challenge_value\":\"h.example.\",\"require_exact_case\":true"),
		    "dcv_check_parameters.require_exact_case: must be false for reverse-address-lookup" },
		{ BODY("example.com", M("acme-tls-alpn-01")
		    ",\"key_authorization_hash\":\"00\",\"require_exact_case\":true"),
		    "dcv_check_parameters.require_exact_case: must be false for acme-tls-alpn-01" },
		{ BODY("example.com", M("acme-dns-01")
		    ",\"key_authorization_hash\":\"" HASH "\",\"require_exact_case\":\"true\""),
		    "dcv_check_parameters.require_exact_case: expected a boolean, got a string" },
	};

	for (size_t i = 0; i < N(cases); i++)
		expect_err(cases[i].body, cases[i].err);
}

/* --- refusals: prefixes and record types --------------------------------------- */

Test(dcv_request, dns_change_prefix_must_start_with_underscore)
{
	/* BR 3.2.2.4.7: the name itself or an underscore-prefixed label. */
	static const char *const prefixes[] = { "dnsauth", "a._b", "-x", "0" };

	for (size_t i = 0; i < N(prefixes); i++) {
		char body[512];

		snprintf(body, sizeof(body), BODY("example.com", M("dns-change")
		    ",\"challenge_value\":\"v\",\"dns_record_type\":\"TXT\",\"dns_name_prefix\":\"%s\""),
		    prefixes[i]);
		expect_err(body, "dcv_check_parameters.dns_name_prefix: must start with \"_\" "
		    "(BR 3.2.2.4.7)");
	}
}

/* "_" and 62 or 63 letters: labels of 63 and 64 octets. */
#define LABEL63 "_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define LABEL64 LABEL63 "b"

Test(dcv_request, bad_labels_in_a_prefix_are_refused)
{
	static const struct {
		const char *prefix, *err;
	} cases[] = {
		{ "_a..b", "dcv_check_parameters.dns_name_prefix: empty or over-long label" },
		{ "_a.", "dcv_check_parameters.dns_name_prefix: empty or over-long label" },
		{ "._a", "dcv_check_parameters.dns_name_prefix: empty or over-long label" },
		{ ".", "dcv_check_parameters.dns_name_prefix: empty or over-long label" },
		{ LABEL64, "dcv_check_parameters.dns_name_prefix: empty or over-long label" },
		{ "_a." LABEL64, "dcv_check_parameters.dns_name_prefix: empty or over-long label" },
		{ "_a b", "dcv_check_parameters.dns_name_prefix: only letters, digits, \"-\" and "
		    "\"_\" are allowed in labels" },
		{ "_a*", "dcv_check_parameters.dns_name_prefix: only letters, digits, \"-\" and "
		    "\"_\" are allowed in labels" },
		{ "_\\u00e9", "dcv_check_parameters.dns_name_prefix: only letters, digits, \"-\" and "
		    "\"_\" are allowed in labels" },
		{ "_a\\tb", "dcv_check_parameters.dns_name_prefix: only letters, digits, \"-\" and "
		    "\"_\" are allowed in labels" },
		{ "_a/b", "dcv_check_parameters.dns_name_prefix: only letters, digits, \"-\" and "
		    "\"_\" are allowed in labels" },
	};

	for (size_t i = 0; i < N(cases); i++) {
		char body[512];

		snprintf(body, sizeof(body), BODY("example.com", M("dns-change")
		    ",\"challenge_value\":\"v\",\"dns_record_type\":\"TXT\",\"dns_name_prefix\":\"%s\""),
		    cases[i].prefix);
		expect_err(body, cases[i].err);
		/* The same labels are refused for the methods without the "_" rule. */
		snprintf(body, sizeof(body), BODY("example.com", M("contact-email-caa")
		    ",\"challenge_value\":\"v\",\"dns_name_prefix\":\"%s\""), cases[i].prefix);
		expect_err(body, cases[i].err);
	}
}

Test(dcv_request, prefix_label_of_63_octets_is_accepted)
{
	cr_assert_eq(strlen(LABEL63), 63);
	cr_assert_eq(strlen(LABEL64), 64);
	expect_ok(BODY("example.com", M("dns-change")
	    ",\"challenge_value\":\"v\",\"dns_record_type\":\"TXT\",\"dns_name_prefix\":"
	    "\"" LABEL63 "\""));
	cr_assert_str_eq(req.params.name_prefix, LABEL63);
	expect_ok(BODY("example.com", M("dns-change")
	    ",\"challenge_value\":\"v\",\"dns_record_type\":\"TXT\",\"dns_name_prefix\":"
	    "\"" LABEL63 "." LABEL63 "\""));
}

Test(dcv_request, record_types_not_allowed_for_the_method_are_refused)
{
	static const struct {
		const char *method, *type, *err;
	} cases[] = {
		{ "dns-change", "A", "must be one of CNAME, TXT, CAA for dns-change" },
		{ "dns-change", "AAAA", "must be one of CNAME, TXT, CAA for dns-change" },
		{ "dns-change", "PTR", "must be one of CNAME, TXT, CAA for dns-change" },
		{ "dns-change", "MX", "must be one of CNAME, TXT, CAA for dns-change" },
		{ "dns-change", "txt", "must be one of CNAME, TXT, CAA for dns-change" },
		{ "dns-change", "", "must be one of CNAME, TXT, CAA for dns-change" },
		{ "ip-address", "TXT", "must be one of A, AAAA for ip-address" },
		{ "ip-address", "CNAME", "must be one of A, AAAA for ip-address" },
		{ "ip-address", "a", "must be one of A, AAAA for ip-address" },
	};

	for (size_t i = 0; i < N(cases); i++) {
		char body[512], want[256];

		snprintf(body, sizeof(body), "{\"domain_or_ip_target\":\"example.com\","
		    "\"dcv_check_parameters\":{\"validation_method\":\"%s\",\"challenge_value\":"
		    "\"1.2.3.4\",\"dns_record_type\":\"%s\"}}", cases[i].method, cases[i].type);
		snprintf(want, sizeof(want), "dcv_check_parameters.dns_record_type: %s",
		    cases[i].err);
		expect_err(body, want);
	}
}

/* --- refusals: issuer_domain_names and URIs ------------------------------------ */

Test(dcv_request, issuer_domain_names_must_be_a_non_empty_list_of_names)
{
	char body[4096];
	size_t len;

	expect_err(BODY("example.com", M("dns-persistent")
	    ",\"issuer_domain_names\":[],\"expected_account_uri\":\"" ACCT "\""),
	    "dcv_check_parameters.issuer_domain_names: required, a non-empty list");
	expect_err(BODY("example.com", M("dns-persistent")
	    ",\"issuer_domain_names\":null,\"expected_account_uri\":\"" ACCT "\""),
	    "dcv_check_parameters.issuer_domain_names: required, a non-empty list");
	expect_err(BODY("example.com", M("dns-persistent")
	    ",\"issuer_domain_names\":[\"\"],\"expected_account_uri\":\"" ACCT "\""),
	    "dcv_check_parameters.issuer_domain_names[0]: empty name");
	expect_err(BODY("example.com", M("dns-persistent")
	    ",\"issuer_domain_names\":[\"ca.example.net\",\"bad name\"],"
	    "\"expected_account_uri\":\"" ACCT "\""),
	    "dcv_check_parameters.issuer_domain_names[1]: non-LDH character");
	expect_err(BODY("example.com", M("dns-persistent")
	    ",\"issuer_domain_names\":[\"*.ca.example.net\"],\"expected_account_uri\":\"" ACCT "\""),
	    "dcv_check_parameters.issuer_domain_names[0]: wildcard not allowed");
	expect_err(BODY("example.com", M("dns-persistent")
	    ",\"issuer_domain_names\":[\"ca..example\"],\"expected_account_uri\":\"" ACCT "\""),
	    "dcv_check_parameters.issuer_domain_names[0]: empty label");
	expect_err(BODY("example.com", M("dns-persistent")
	    ",\"issuer_domain_names\":[\"192.0.2.1\"],\"expected_account_uri\":\"" ACCT "\""),
	    "dcv_check_parameters.issuer_domain_names[0]: numeric top-level label");
	expect_err(BODY("example.com", M("dns-persistent")
	    ",\"issuer_domain_names\":[1],\"expected_account_uri\":\"" ACCT "\""),
	    "dcv_check_parameters.issuer_domain_names[0]: expected a string, got a number");

	/* DCV_MAX_ISSUERS names are fine; one more is refused. */
	len = (size_t)snprintf(body, sizeof(body), "{\"domain_or_ip_target\":\"example.com\","
	    "\"dcv_check_parameters\":{\"validation_method\":\"dns-persistent\","
	    "\"expected_account_uri\":\"" ACCT "\",\"issuer_domain_names\":[");
	for (int i = 0; i < DCV_MAX_ISSUERS; i++)
		len += (size_t)snprintf(body + len, sizeof(body) - len, "%s\"ca%d.example\"",
		    i > 0 ? "," : "", i);
	snprintf(body + len, sizeof(body) - len, "]}}");
	expect_ok(body);
	cr_assert_eq(req.params.n_issuers, DCV_MAX_ISSUERS);
	cr_assert_str_eq(req.params.issuers[DCV_MAX_ISSUERS - 1], "ca31.example");
	snprintf(body + len, sizeof(body) - len, ",\"one-more.example\"]}}");
	expect_err(body, "dcv_check_parameters.issuer_domain_names: more than 32 items");
}

Test(dcv_request, account_uris_must_be_absolute_without_spaces)
{
	static const struct {
		const char *uri, *why;
	} cases[] = {
		{ "not a uri", "must be an absolute URI (scheme:...)" },
		{ "ca.example.net/acct/1", "must be an absolute URI (scheme:...)" },
		{ "/acme/acct/1", "must be an absolute URI (scheme:...)" },
		{ ":no-scheme", "must be an absolute URI (scheme:...)" },
		{ "https:", "must be an absolute URI (scheme:...)" },
		{ "1https://x", "must be an absolute URI (scheme:...)" },
		{ "ht tp://x", "must be an absolute URI (scheme:...)" },
		{ "ht_tp://x", "must be an absolute URI (scheme:...)" },
		{ "https://ca.example.net/acct/1 ", "spaces and control characters are not allowed" },
		{ "https://ca.example.net/ac ct/1", "spaces and control characters are not allowed" },
		{ "https://ca.example.net/acct/\\t1", "spaces and control characters are not allowed" },
		{ "https://ca.example.net/acct/\\u007f", "spaces and control characters are not allowed" },
	};

	for (size_t i = 0; i < N(cases); i++) {
		char body[512], want[256];

		snprintf(body, sizeof(body), BODY("example.com", M("dns-persistent")
		    ",\"issuer_domain_names\":[\"ca.example.net\"],\"expected_account_uri\":\"%s\""),
		    cases[i].uri);
		snprintf(want, sizeof(want), "dcv_check_parameters.expected_account_uri: %s",
		    cases[i].why);
		expect_err(body, want);
		snprintf(body, sizeof(body), BODY("example.com", M("dns-account-01")
		    ",\"account_uri\":\"%s\",\"key_authorization_hash\":\"" HASH "\""), cases[i].uri);
		snprintf(want, sizeof(want), "dcv_check_parameters.account_uri: %s", cases[i].why);
		expect_err(body, want);
	}
}

Test(dcv_request, unusual_but_absolute_uris_are_accepted)
{
	static const char *const ok[] = { "urn:ietf:params:acme:account:1", "x:y",
		"a+b-c.d://host/acct", "https://ca.example.net/acct/%C3%A9",
		"https://ca.example.net/acct/\\u00e9" };

	for (size_t i = 0; i < N(ok); i++) {
		char body[512];

		snprintf(body, sizeof(body), BODY("example.com", M("dns-persistent")
		    ",\"issuer_domain_names\":[\"ca.example.net\"],\"expected_account_uri\":\"%s\""),
		    ok[i]);
		expect_ok(body);
	}
}

/* --- refusals: targets ----------------------------------------------------------- */

Test(dcv_request, ip_targets_are_refused_except_for_reverse_lookup)
{
	static const char *const want =
	    "domain_or_ip_target: an IP address can be validated only by reverse-address-lookup";

	expect_err(BODY("192.0.2.1", M("acme-dns-01") ",\"key_authorization_hash\":\"" HASH "\""),
	    want);
	expect_err(BODY("2001:db8::1", M("dns-change")
	    ",\"challenge_value\":\"v\",\"dns_record_type\":\"TXT\""), want);
	expect_err(BODY("[2001:db8::1]", M("dns-persistent")
	    ",\"issuer_domain_names\":[\"ca.example.net\"],\"expected_account_uri\":\"" ACCT "\""),
	    want);
	expect_err(BODY("192.0.2.1", M("contact-email-txt") ",\"challenge_value\":\"a@b.example\""),
	    want);
	expect_err(BODY("192.0.2.1", M("contact-phone-caa") ",\"challenge_value\":\"+1\""), want);
	expect_err(BODY("192.0.2.1", M("ip-address")
	    ",\"challenge_value\":\"192.0.2.1\",\"dns_record_type\":\"A\""), want);
	expect_err(BODY("192.0.2.1", M("dns-account-01")
	    ",\"account_uri\":\"" ACCT "\",\"key_authorization_hash\":\"" HASH "\""), want);
}

Test(dcv_request, bad_targets_are_refused_before_the_parameters)
{
	expect_err(BODY("exa mple.com", M("acme-dns-01") ",\"key_authorization_hash\":\"" HASH "\""),
	    "domain_or_ip_target: non-LDH character");
	expect_err("{\"dcv_check_parameters\":{\"validation_method\":\"acme-dns-01\"}}",
	    "domain_or_ip_target: required");
	expect_err(BODY("*.*.example.com", M("acme-dns-01")), "domain_or_ip_target: misplaced wildcard");
	expect_err("[]", "the body must be a JSON object");
}

/* A DNS name of @p len octets made of 63-octet labels of "a". */
static void
long_name(char *out, size_t len)
{
	for (size_t i = 0; i < len; i++)
		out[i] = (i % 64 == 63) ? '.' : 'a';
	if (len > 0 && out[len - 1] == '.')
		out[len - 1] = 'b';
	out[len] = '\0';
}

Test(dcv_request, query_name_over_253_octets_with_the_prefix_is_refused)
{
	static const char *const want = "domain_or_ip_target: with the method's prefix, the name "
	    "would be longer than 253 octets";
	char name[300], body[1024];
	size_t acme = strlen("_acme-challenge."), persist = strlen("_validation-persist.");

	long_name(name, 253 - acme);
	snprintf(body, sizeof(body), BODY("%s", M("acme-dns-01") ",\"key_authorization_hash\":\"x\""),
	    name);
	expect_ok(body);
	long_name(name, 254 - acme);
	snprintf(body, sizeof(body), BODY("%s", M("acme-dns-01") ",\"key_authorization_hash\":\"x\""),
	    name);
	expect_err(body, want);

	long_name(name, 254 - persist);
	snprintf(body, sizeof(body), BODY("%s", M("dns-persistent")
	    ",\"issuer_domain_names\":[\"ca.example.net\"],\"expected_account_uri\":\"" ACCT "\""),
	    name);
	expect_err(body, want);

	/* dns-account-01: "_" + 16 + "._acme-challenge." is 34 octets. */
	long_name(name, 253 - 34);
	snprintf(body, sizeof(body), BODY("%s", M("dns-account-01")
	    ",\"account_uri\":\"" ACCT "\",\"key_authorization_hash\":\"x\""), name);
	expect_ok(body);
	long_name(name, 254 - 34);
	snprintf(body, sizeof(body), BODY("%s", M("dns-account-01")
	    ",\"account_uri\":\"" ACCT "\",\"key_authorization_hash\":\"x\""), name);
	expect_err(body, want);

	/* A chosen prefix counts the same way. */
	long_name(name, 250);
	snprintf(body, sizeof(body), BODY("%s", M("dns-change")
	    ",\"challenge_value\":\"v\",\"dns_record_type\":\"TXT\",\"dns_name_prefix\":\"_x\""),
	    name);
	expect_ok(body);
	long_name(name, 251);
	snprintf(body, sizeof(body), BODY("%s", M("dns-change")
	    ",\"challenge_value\":\"v\",\"dns_record_type\":\"TXT\",\"dns_name_prefix\":\"_x\""),
	    name);
	expect_err(body, want);

	/* Without a prefix the name alone may use all 253 octets. */
	long_name(name, 253);
	snprintf(body, sizeof(body), BODY("%s", M("dns-change")
	    ",\"challenge_value\":\"v\",\"dns_record_type\":\"TXT\""), name);
	expect_ok(body);
}

Test(dcv_request, errors_are_one_printable_line)
{
	static const char *const bodies[] = {
		"", "{", "null", "{\"domain_or_ip_target\":\"\\u0000\"}",
		BODY("example.com", M("dns-change") ",\"challenge_value\":\"v\",\"dns_record_type\":\"\\n\""),
		BODY("example.com", M("\\u0001")),
	};

	for (size_t i = 0; i < N(bodies); i++) {
		cr_expect_eq(decode(bodies[i]), -1);
		cr_expect_str_not_empty(err);
		for (const char *c = err; *c != '\0'; c++)
			cr_expect((unsigned char)*c >= 0x20 && *c != 0x7f, "control in \"%s\"", err);
	}
}

/* --- dcv_response_encode --------------------------------------------------------- */

static const struct perspective_id who = { .code = "us-east-2", .rir = "ARIN" };

static const char *const top_keys[] = { "check_completed", "check_passed", "errors",
	"timestamp_ns", "check_type", "details", "perspective_code", "rir", "request_id" };
static const char *const detail_keys[] = { "validation_method", "records_seen",
	"response_code", "ad_flag", "found_at", "cname_chain", "dnssec" };

/* Encode, parse back with our strict parser, and check the key order. */
static struct json_doc *
encode_and_parse(const struct dcv_result *res, long long ts, const struct json_value **root)
{
	size_t len = 0;
	char *body = dcv_response_encode(&req, res, &who, ts, &len);
	char perr[256];
	struct json_doc *out;
	const struct json_value *r, *d;

	cr_assert_not_null(body);
	cr_assert_eq(strlen(body), len);
	out = json_parse(body, len, NULL, perr, sizeof(perr));
	cr_assert_not_null(out, "does not parse back: %s\n%s", perr, body);
	free(body);
	r = json_root(out);
	cr_assert_eq(r->type, JSON_OBJECT);
	cr_assert_eq(r->u.obj.n, N(top_keys));
	for (size_t i = 0; i < N(top_keys); i++)
		cr_assert_str_eq(r->u.obj.members[i].key, top_keys[i]);
	d = json_get(r, "details");
	cr_assert_eq(d->type, JSON_OBJECT);
	cr_assert_eq(d->u.obj.n, N(detail_keys));
	for (size_t i = 0; i < N(detail_keys); i++)
		cr_assert_str_eq(d->u.obj.members[i].key, detail_keys[i]);
	*root = r;
	return out;
}

static const struct json_value *
member(const struct json_value *o, const char *key, enum json_type t)
{
	const struct json_value *v = json_get(o, key);

	cr_assert_not_null(v, "no \"%s\"", key);
	cr_assert_eq(v->type, t, "\"%s\" is %s, want %s", key, json_type_name(v->type),
	    json_type_name(t));
	return v;
}

Test(dcv_request, response_for_a_pass_has_open_mpic_keys_in_order)
{
	struct dcv_result res;
	char *seen[2] = { "stale-token", HASH };
	size_t seen_len[2] = { 11, strlen(HASH) };
	struct json_doc *out;
	const struct json_value *root, *d, *arr;

	expect_ok("{\"domain_or_ip_target\":\"shop.example.com\",\"request_id\":\"r-1\","
	    "\"dcv_check_parameters\":{\"validation_method\":\"acme-dns-01\","
	    "\"key_authorization_hash\":\"" HASH "\"}}");
	memset(&res, 0, sizeof(res));
	res.completed = true;
	res.passed = true;
	res.have_details = true;
	res.records_seen = seen;
	res.seen_len = seen_len;
	res.n_seen = 2;
	res.response_code = 0;
	res.ad_flag = true;
	snprintf(res.found_at, sizeof(res.found_at), "_acme-challenge.shop.example.com");
	snprintf(res.cname_chain[0], sizeof(res.cname_chain[0]), "_acme-challenge.shop.dcv.example.net.");
	res.n_cnames = 1;
	res.dnssec = DNSSEC_SECURE;
	res.have_dnssec = true;

	out = encode_and_parse(&res, 1795925272721481568LL, &root);
	cr_assert(member(root, "check_completed", JSON_BOOL)->u.b);
	cr_assert(member(root, "check_passed", JSON_BOOL)->u.b);
	member(root, "errors", JSON_NULL);
	cr_assert_eq(member(root, "timestamp_ns", JSON_INT)->u.i, 1795925272721481568LL);
	cr_assert_str_eq(member(root, "check_type", JSON_STRING)->u.str.s, "dcv");
	cr_assert_str_eq(member(root, "perspective_code", JSON_STRING)->u.str.s, "us-east-2");
	cr_assert_str_eq(member(root, "rir", JSON_STRING)->u.str.s, "ARIN");
	cr_assert_str_eq(member(root, "request_id", JSON_STRING)->u.str.s, "r-1");
	d = member(root, "details", JSON_OBJECT);
	cr_assert_str_eq(member(d, "validation_method", JSON_STRING)->u.str.s, "acme-dns-01");
	arr = member(d, "records_seen", JSON_ARRAY);
	cr_assert_eq(arr->u.arr.n, 2);
	cr_assert_str_eq(arr->u.arr.items[0]->u.str.s, "stale-token");
	cr_assert_str_eq(arr->u.arr.items[1]->u.str.s, HASH);
	cr_assert_eq(member(d, "response_code", JSON_INT)->u.i, 0);
	cr_assert(member(d, "ad_flag", JSON_BOOL)->u.b);
	cr_assert_str_eq(member(d, "found_at", JSON_STRING)->u.str.s,
	    "_acme-challenge.shop.example.com");
	arr = member(d, "cname_chain", JSON_ARRAY);
	cr_assert_eq(arr->u.arr.n, 1);
	cr_assert_str_eq(arr->u.arr.items[0]->u.str.s, "_acme-challenge.shop.dcv.example.net.");
	cr_assert_str_eq(member(d, "dnssec", JSON_STRING)->u.str.s, "secure");
	json_doc_free(out);
}

Test(dcv_request, response_without_records_has_empty_arrays)
{
	struct dcv_result res;
	struct json_doc *out;
	const struct json_value *root, *d;

	expect_ok(BODY("contact-email-caa.example.com", M("contact-email-caa")
	    ",\"challenge_value\":\"a@example.com\""));
	memset(&res, 0, sizeof(res));
	res.completed = true;
	res.have_details = true;
	snprintf(res.found_at, sizeof(res.found_at), "contact-email-caa.example.com");
	res.dnssec = DNSSEC_INSECURE;
	res.have_dnssec = true;
	out = encode_and_parse(&res, 1, &root);
	cr_assert(!member(root, "check_passed", JSON_BOOL)->u.b);
	member(root, "request_id", JSON_NULL);
	d = member(root, "details", JSON_OBJECT);
	cr_assert_str_eq(member(d, "validation_method", JSON_STRING)->u.str.s, "contact-email-caa");
	cr_assert_eq(member(d, "records_seen", JSON_ARRAY)->u.arr.n, 0);
	cr_assert_eq(member(d, "cname_chain", JSON_ARRAY)->u.arr.n, 0);
	cr_assert_str_eq(member(d, "dnssec", JSON_STRING)->u.str.s, "insecure");
	json_doc_free(out);
}

Test(dcv_request, response_for_a_lookup_error_has_null_details)
{
	struct dcv_result res;
	struct json_doc *out;
	const struct json_value *root, *d, *errs, *e;
	static const char *const null_details[] = { "records_seen", "response_code", "ad_flag",
		"found_at", "cname_chain" };

	expect_ok(BODY("dns-01-nxdomain.example.com", M("acme-dns-01")
	    ",\"key_authorization_hash\":\"" HASH "\""));
	memset(&res, 0, sizeof(res));
	res.completed = true;
	res.error_type = ERRTYPE_DCV_LOOKUP;
	snprintf(res.error_message, sizeof(res.error_message),
	    "There was an error looking up the DCV record. Error type: NXDOMAIN, Error message: "
	    "_acme-challenge.dns-01-nxdomain.example.com does not exist");
	res.dnssec = DNSSEC_BOGUS;
	res.have_dnssec = true;
	out = encode_and_parse(&res, -5, &root);
	cr_assert(member(root, "check_completed", JSON_BOOL)->u.b);
	cr_assert(!member(root, "check_passed", JSON_BOOL)->u.b);
	errs = member(root, "errors", JSON_ARRAY);
	cr_assert_eq(errs->u.arr.n, 1);
	e = errs->u.arr.items[0];
	cr_assert_eq(e->type, JSON_OBJECT);
	cr_assert_eq(e->u.obj.n, 2);
	cr_assert_str_eq(e->u.obj.members[0].key, "error_type");
	cr_assert_str_eq(e->u.obj.members[1].key, "error_message");
	cr_assert_str_eq(member(e, "error_type", JSON_STRING)->u.str.s,
	    "mpic_error:dcv_checker:lookup");
	cr_assert_str_eq(member(e, "error_message", JSON_STRING)->u.str.s, res.error_message);
	cr_assert_eq(member(root, "timestamp_ns", JSON_INT)->u.i, -5);
	d = member(root, "details", JSON_OBJECT);
	/* validation_method is always set (open-mpic-api.md 3.3); the rest is null. */
	cr_assert_str_eq(member(d, "validation_method", JSON_STRING)->u.str.s, "acme-dns-01");
	for (size_t i = 0; i < N(null_details); i++)
		member(d, null_details[i], JSON_NULL);
	/* The DNSSEC status is reported even without details. */
	cr_assert_str_eq(member(d, "dnssec", JSON_STRING)->u.str.s, "bogus");
	json_doc_free(out);
}

Test(dcv_request, response_without_dnssec_status_writes_null)
{
	struct dcv_result res;
	struct json_doc *out;
	const struct json_value *root;

	expect_ok(BODY("example.com", M("contact-phone-txt") ",\"challenge_value\":\"+1\""));
	memset(&res, 0, sizeof(res));
	res.error_type = ERRTYPE_DCV_LOOKUP;
	snprintf(res.error_message, sizeof(res.error_message), "out of memory");
	out = encode_and_parse(&res, 0, &root);
	cr_assert(!member(root, "check_completed", JSON_BOOL)->u.b);
	member(member(root, "details", JSON_OBJECT), "dnssec", JSON_NULL);
	json_doc_free(out);
}

Test(dcv_request, response_with_nul_and_invalid_utf8_parses_back)
{
	struct dcv_result res;
	/* What TXT and CAA rdata may hold: NUL, invalid UTF-8, controls, quotes. */
	static char r0[] = "a\0b";
	static char r1[] = "\xff\xfe\xc3";
	static char r2[] = "\"quoted\" \\ \n\t\x01 \xe2\x80\xa8 \xc3\xa9";
	static char r3[] = "\0";
	static const char bad_msg[] = "bad \xc0\xaf byte \x7f end";
	char *seen[4] = { r0, r1, r2, r3 };
	size_t seen_len[4] = { 3, 3, sizeof(r2) - 1, 1 };
	struct json_doc *out;
	const struct json_value *root, *d, *arr, *e;

	expect_ok(BODY("dns-email-txt-null-char.example.com", M("contact-email-txt")
	    ",\"challenge_value\":\"testadmin.email.txt.null.char@example.com\""));
	memset(&res, 0, sizeof(res));
	res.completed = true;
	res.have_details = true;
	res.records_seen = seen;
	res.seen_len = seen_len;
	res.n_seen = 4;
	res.error_type = ERRTYPE_DCV_LOOKUP;
	/* An error message from the resolver with bytes that are not UTF-8. */
	memcpy(res.error_message, bad_msg, sizeof(bad_msg));
	snprintf(res.found_at, sizeof(res.found_at), "_validation-contactemail.example.com");
	snprintf(res.cname_chain[0], sizeof(res.cname_chain[0]), "x\xff.example.");
	res.n_cnames = 1;
	res.have_dnssec = true;
	res.dnssec = DNSSEC_INDETERMINATE;
	out = encode_and_parse(&res, 7, &root);
	d = member(root, "details", JSON_OBJECT);
	arr = member(d, "records_seen", JSON_ARRAY);
	cr_assert_eq(arr->u.arr.n, 4);
	/* NUL and invalid bytes become U+FFFD; the length of the value is kept. */
	cr_assert_str_eq(arr->u.arr.items[0]->u.str.s, "a\xef\xbf\xbd" "b");
	cr_assert_str_eq(arr->u.arr.items[1]->u.str.s, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	cr_assert_str_eq(arr->u.arr.items[2]->u.str.s, r2);
	cr_assert_str_eq(arr->u.arr.items[3]->u.str.s, "\xef\xbf\xbd");
	arr = member(d, "cname_chain", JSON_ARRAY);
	cr_assert_str_eq(arr->u.arr.items[0]->u.str.s, "x\xef\xbf\xbd.example.");
	e = member(root, "errors", JSON_ARRAY)->u.arr.items[0];
	cr_assert_str_eq(member(e, "error_message", JSON_STRING)->u.str.s,
	    "bad \xef\xbf\xbd\xef\xbf\xbd byte \x7f end");
	cr_assert_str_eq(member(d, "dnssec", JSON_STRING)->u.str.s, "indeterminate");
	json_doc_free(out);
}

Test(dcv_request, response_names_every_dns_method)
{
	static const char *const bodies[] = {
		BODY("example.com", M("acme-dns-01") ",\"key_authorization_hash\":\"h\""),
		BODY("example.com", M("dns-change") ",\"challenge_value\":\"v\",\"dns_record_type\":\"TXT\""),
		BODY("example.com", M("dns-persistent")
		    ",\"issuer_domain_names\":[\"ca.example.net\"],\"expected_account_uri\":\"" ACCT "\""),
		BODY("example.com", M("contact-email-txt") ",\"challenge_value\":\"v\""),
		BODY("example.com", M("contact-phone-txt") ",\"challenge_value\":\"v\""),
		BODY("example.com", M("contact-email-caa") ",\"challenge_value\":\"v\""),
		BODY("example.com", M("contact-phone-caa") ",\"challenge_value\":\"v\""),
		BODY("example.com", M("ip-address") ",\"challenge_value\":\"v\",\"dns_record_type\":\"A\""),
		BODY("192.0.2.1", M("reverse-address-lookup") ",\"challenge_value\":\"v\""),
		BODY("example.com", M("dns-account-01")
		    ",\"account_uri\":\"" ACCT "\",\"key_authorization_hash\":\"h\""),
	};

	for (size_t i = 0; i < N(bodies); i++) {
		struct dcv_result res;
		struct json_doc *out;
		const struct json_value *root, *d;

		expect_ok(bodies[i]);
		memset(&res, 0, sizeof(res));
		out = encode_and_parse(&res, 0, &root);
		d = member(root, "details", JSON_OBJECT);
		cr_expect_str_eq(member(d, "validation_method", JSON_STRING)->u.str.s,
		    dcv_methods[req.params.method].name);
		json_doc_free(out);
	}
}
