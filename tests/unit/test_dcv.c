/*
 * test_dcv.c: the DCV methods table (open-mpic-api.md 2.3), method names,
 * the dns-account-01 label (BR 3.2.2.4.21) checked against a base32 of
 * SHA-256 computed here independently, and the name each DNS-based method
 * asks (open-mpic-api.md 5.3).
 */
#include <criterion/criterion.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>

#include "dcv.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* --- names and the table ---------------------------------------------------- */

static const struct {
	const char *name;
	enum dcv_method m;
	const char *br;
	bool dns;
	uint16_t type;
	const char *prefix;
	int exact_case;
} expected[] = {
	{ "website-change", DCV_WEBSITE_CHANGE, "3.2.2.4.18", false, 0, NULL, -1 },
	{ "acme-http-01", DCV_ACME_HTTP_01, "3.2.2.4.19", false, 0, NULL, 1 },
	{ "acme-dns-01", DCV_ACME_DNS_01, "3.2.2.4.7", true, DNS_TYPE_TXT, "_acme-challenge", 1 },
	{ "acme-tls-alpn-01", DCV_ACME_TLS_ALPN_01, "3.2.2.4.20", false, 0, NULL, 0 },
	{ "dns-change", DCV_DNS_CHANGE, "3.2.2.4.7", true, 0, NULL, -1 },
	{ "dns-persistent", DCV_DNS_PERSISTENT, "3.2.2.4.22", true, DNS_TYPE_TXT,
	    "_validation-persist", 0 },
	{ "contact-email-txt", DCV_CONTACT_EMAIL_TXT, "3.2.2.4.14", true, DNS_TYPE_TXT,
	    "_validation-contactemail", 0 },
	{ "contact-phone-txt", DCV_CONTACT_PHONE_TXT, "3.2.2.4.16", true, DNS_TYPE_TXT,
	    "_validation-contactphone", 0 },
	{ "contact-email-caa", DCV_CONTACT_EMAIL_CAA, "3.2.2.4.13", true, DNS_TYPE_CAA, NULL, 0 },
	{ "contact-phone-caa", DCV_CONTACT_PHONE_CAA, "3.2.2.4.17", true, DNS_TYPE_CAA, NULL, 0 },
	{ "ip-address", DCV_IP_ADDRESS, "3.2.2.4.8", true, 0, NULL, 0 },
	{ "reverse-address-lookup", DCV_REVERSE_ADDRESS_LOOKUP, "3.2.2.5.3", true, DNS_TYPE_PTR,
	    NULL, 0 },
	{ "dns-account-01", DCV_DNS_ACCOUNT_01, "3.2.2.4.21", true, DNS_TYPE_TXT, NULL, 1 },
};

Test(dcv, every_open_mpic_method_name_is_known)
{
	cr_assert_eq(N(expected), DCV_METHOD_COUNT);
	for (size_t i = 0; i < N(expected); i++)
		cr_expect_eq(dcv_method_from_name(expected[i].name), (int)expected[i].m, "%s",
		    expected[i].name);
}

Test(dcv, unknown_method_names_are_refused)
{
	static const char *const bad[] = {
		"", "ACME-DNS-01", "Acme-Dns-01", "acme-dns-01 ", " acme-dns-01", "acme-dns",
		"acme_dns_01", "dns-01", "http-01", "tls-alpn-01", "dns-persist-01", "persistent",
		"contact-email", "caa", "dns-account-01\n", "acme-dns-01\t", "dns-change\x01",
		"website-change-v2",
	};

	for (size_t i = 0; i < N(bad); i++)
		cr_expect_eq(dcv_method_from_name(bad[i]), -1, "accepted \"%s\"", bad[i]);
}

Test(dcv, methods_table_matches_open_mpic_and_the_br)
{
	for (size_t i = 0; i < N(expected); i++) {
		const struct dcv_method_info *mi = &dcv_methods[expected[i].m];

		cr_expect_str_eq(mi->name, expected[i].name);
		cr_expect_str_eq(mi->br_section, expected[i].br, "%s", mi->name);
		cr_expect_eq(mi->dns, expected[i].dns, "%s: dns flag", mi->name);
		cr_expect_eq(mi->fixed_type, expected[i].type, "%s: record type", mi->name);
		if (expected[i].prefix == NULL)
			cr_expect_null(mi->prefix, "%s: prefix", mi->name);
		else
			cr_expect_str_eq(mi->prefix, expected[i].prefix, "%s: prefix", mi->name);
		cr_expect_eq(mi->exact_case, expected[i].exact_case, "%s: require_exact_case",
		    mi->name);
	}
}

Test(dcv, only_http_and_tls_methods_are_not_dns_based)
{
	size_t non_dns = 0;

	for (int m = 0; m < DCV_METHOD_COUNT; m++)
		if (!dcv_methods[m].dns)
			non_dns++;
	cr_assert_eq(non_dns, 3);
	cr_assert(!dcv_methods[DCV_WEBSITE_CHANGE].dns);
	cr_assert(!dcv_methods[DCV_ACME_HTTP_01].dns);
	cr_assert(!dcv_methods[DCV_ACME_TLS_ALPN_01].dns);
}

/* --- dns-account-01 label ------------------------------------------------------ */

/*
 * RFC 4648 base32, lower case, no padding, written here bit by bit from an
 * accumulator (dcv_account_label() indexes bytes instead).
 */
static void
base32_lower(const unsigned char *in, size_t len, char *out)
{
	static const char alpha[] = "abcdefghijklmnopqrstuvwxyz234567";
	unsigned long acc = 0;
	int bits = 0;
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 5) {
			out[o++] = alpha[(acc >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0)
		out[o++] = alpha[(acc << (5 - bits)) & 31];
	out[o] = '\0';
}

static void
expected_label(const char *uri, char out[17])
{
	unsigned char md[SHA256_DIGEST_LENGTH];

	SHA256((const unsigned char *)uri, strlen(uri), md);
	base32_lower(md, 10, out);
}

Test(dcv, base32_helper_matches_rfc4648_vectors)
{
	/* RFC 4648 section 10, lower-cased, padding removed. */
	char out[32];

	base32_lower((const unsigned char *)"f", 1, out);
	cr_assert_str_eq(out, "my");
	base32_lower((const unsigned char *)"fooba", 5, out);
	cr_assert_str_eq(out, "mzxw6ytb");
	base32_lower((const unsigned char *)"foobar", 6, out);
	cr_assert_str_eq(out, "mzxw6ytboi");
}

Test(dcv, account_label_is_base32_of_sha256_prefix)
{
	static char long_uri[3000];
	const char *uris[] = {
		"https://ca.example/acct/123",
		"https://example.com/acme/acct/ExampleAccount",
		"https://acme-v02.api.letsencrypt.org/acme/acct/1",
		"https://acme-staging-v02.api.letsencrypt.org/acme/acct/987654321",
		"urn:example:account:\xc3\xa9t\xc3\xa9",
		"",
		long_uri,
	};

	memset(long_uri, 'a', sizeof(long_uri) - 1);
	memcpy(long_uri, "https://", 8);
	for (size_t i = 0; i < N(uris); i++) {
		char want[17], got[17];

		expected_label(uris[i], want);
		memset(got, 'X', sizeof(got));
		cr_assert_eq(dcv_account_label(uris[i], got), 0);
		cr_expect_eq(got[16], '\0');
		cr_expect_str_eq(got, want, "label of \"%.40s\"", uris[i]);
		cr_expect_eq(strlen(got), 16);
		cr_expect_eq(strspn(got, "abcdefghijklmnopqrstuvwxyz234567"), 16);
	}
}

Test(dcv, account_label_matches_shell_computed_vectors)
{
	/*
	 * printf %s URI | openssl dgst -sha256 -binary | head -c 10 | base32 |
	 *     tr -d = | tr A-Z a-z
	 * The second is also the example of draft-ietf-acme-dns-account-label.
	 */
	static const struct {
		const char *uri, *label;
	} v[] = {
		{ "https://ca.example/acct/123", "h5zlfqoi7m5jaytl" },
		{ "https://example.com/acme/acct/ExampleAccount", "ujmmovf2vn55tgye" },
		{ "https://acme-v02.api.letsencrypt.org/acme/acct/1", "zjud2triz5zjyeyo" },
		{ "", "4oymiquy7qobjgx3" },
	};

	for (size_t i = 0; i < N(v); i++) {
		char got[17];

		cr_assert_eq(dcv_account_label(v[i].uri, got), 0);
		cr_expect_str_eq(got, v[i].label, "label of \"%s\"", v[i].uri);
	}
}

Test(dcv, account_label_depends_on_the_exact_uri)
{
	char a[17], b[17], c[17];

	cr_assert_eq(dcv_account_label("https://ca.example/acct/123", a), 0);
	cr_assert_eq(dcv_account_label("https://ca.example/ACCT/123", b), 0);
	cr_assert_eq(dcv_account_label("https://ca.example/acct/123/", c), 0);
	cr_assert_str_neq(a, b);
	cr_assert_str_neq(a, c);
}

/* --- the name asked ------------------------------------------------------------ */

static struct dcv_params
params(enum dcv_method m)
{
	struct dcv_params p;

	memset(&p, 0, sizeof(p));
	p.method = m;
	return p;
}

static void
expect_query(const struct dcv_params *p, const char *name, const char *want)
{
	char out[NAME_BUF];

	memset(out, 'X', sizeof(out));
	cr_assert_eq(dcv_query_name(p, name, out), 0, "%s for %s", dcv_methods[p->method].name,
	    name);
	cr_expect_str_eq(out, want, "%s", dcv_methods[p->method].name);
}

Test(dcv, fixed_prefix_methods_ask_under_their_prefix)
{
	struct dcv_params p;

	p = params(DCV_ACME_DNS_01);
	expect_query(&p, "example.com", "_acme-challenge.example.com");
	p = params(DCV_DNS_PERSISTENT);
	expect_query(&p, "example.com", "_validation-persist.example.com");
	p = params(DCV_CONTACT_EMAIL_TXT);
	expect_query(&p, "example.com", "_validation-contactemail.example.com");
	p = params(DCV_CONTACT_PHONE_TXT);
	expect_query(&p, "sub.example.com", "_validation-contactphone.sub.example.com");
}

Test(dcv, fixed_prefix_wins_over_a_requested_prefix)
{
	struct dcv_params p = params(DCV_ACME_DNS_01);

	p.name_prefix = "_other";
	expect_query(&p, "example.com", "_acme-challenge.example.com");
	p = params(DCV_DNS_PERSISTENT);
	p.name_prefix = "_other";
	expect_query(&p, "example.com", "_validation-persist.example.com");
}

Test(dcv, chosen_prefix_methods_use_the_request_prefix)
{
	static const enum dcv_method chosen[] = { DCV_DNS_CHANGE, DCV_CONTACT_EMAIL_CAA,
		DCV_CONTACT_PHONE_CAA, DCV_IP_ADDRESS, DCV_REVERSE_ADDRESS_LOOKUP };

	for (size_t i = 0; i < N(chosen); i++) {
		struct dcv_params p = params(chosen[i]);

		/* NULL and "" both mean the name itself (Open MPIC 5.3). */
		expect_query(&p, "example.com", "example.com");
		p.name_prefix = "";
		expect_query(&p, "example.com", "example.com");
		p.name_prefix = "_dnsauth";
		expect_query(&p, "example.com", "_dnsauth.example.com");
		p.name_prefix = "_a.b";
		expect_query(&p, "example.com", "_a.b.example.com");
	}
}

Test(dcv, reverse_lookup_asks_the_reverse_name_itself)
{
	struct dcv_params p = params(DCV_REVERSE_ADDRESS_LOOKUP);

	expect_query(&p, "1.2.0.192.in-addr.arpa", "1.2.0.192.in-addr.arpa");
}

Test(dcv, dns_account_01_asks_under_its_account_label)
{
	struct dcv_params p = params(DCV_DNS_ACCOUNT_01);
	char label[17], want[NAME_BUF];

	p.account_uri = "https://example.com/acme/acct/ExampleAccount";
	expect_query(&p, "example.org", "_ujmmovf2vn55tgye._acme-challenge.example.org");

	p.account_uri = "https://ca.example/acct/123";
	expected_label(p.account_uri, label);
	snprintf(want, sizeof(want), "_%s._acme-challenge.www.example.com", label);
	expect_query(&p, "www.example.com", want);

	/* A requested prefix plays no part. */
	p.name_prefix = "_other";
	expect_query(&p, "www.example.com", want);
}

Test(dcv, dns_account_01_without_account_fails)
{
	struct dcv_params p = params(DCV_DNS_ACCOUNT_01);
	char out[NAME_BUF];

	cr_assert_eq(dcv_query_name(&p, "example.com", out), -1);
}

/* A name of @p len octets: labels of 63 and a shorter last one, "a"s. */
static void
long_name(char *out, size_t len)
{
	for (size_t i = 0; i < len; i++)
		out[i] = (i % 64 == 63) ? '.' : 'a';
	if (len > 0 && out[len - 1] == '.')
		out[len - 1] = 'b';
	out[len] = '\0';
}

Test(dcv, query_name_of_253_octets_is_the_limit)
{
	char name[300], out[NAME_BUF];
	struct dcv_params p = params(DCV_DNS_CHANGE);
	size_t plen = strlen("_acme-challenge.");

	long_name(name, 253);
	cr_assert_eq(dcv_query_name(&p, name, out), 0);
	cr_assert_str_eq(out, name);

	/* With the prefix, exactly 253 passes and 254 fails. */
	p = params(DCV_ACME_DNS_01);
	long_name(name, 253 - plen);
	cr_assert_eq(dcv_query_name(&p, name, out), 0);
	cr_assert_eq(strlen(out), 253);
	long_name(name, 254 - plen);
	cr_assert_eq(dcv_query_name(&p, name, out), -1);

	/* dns-account-01 adds 34 octets ("_", 16, "._acme-challenge."). */
	p = params(DCV_DNS_ACCOUNT_01);
	p.account_uri = "https://ca.example/acct/123";
	long_name(name, 253 - 34);
	cr_assert_eq(dcv_query_name(&p, name, out), 0);
	cr_assert_eq(strlen(out), 253);
	long_name(name, 254 - 34);
	cr_assert_eq(dcv_query_name(&p, name, out), -1);

	/* A chosen prefix counts the same way. */
	p = params(DCV_DNS_CHANGE);
	p.name_prefix = "_x";
	long_name(name, 250);
	cr_assert_eq(dcv_query_name(&p, name, out), 0);
	long_name(name, 251);
	cr_assert_eq(dcv_query_name(&p, name, out), -1);
}
