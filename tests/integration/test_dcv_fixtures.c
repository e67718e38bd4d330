/*
 * test_dcv_fixtures.c: every case of Open MPIC's integration fixtures
 * (tests/fixtures/open-mpic/cases.json) sent to a lab perspective as POST
 * /dcv, over mutual TLS with the lab client certificate.
 *
 * The lab serves the fixture zone integration-testing.open-mpic.org. (with
 * upstream's server address moved onto loopback), the fixture web root with
 * upstream's nginx redirect rules (127.0.80.1:80 and :8080) and a TLS-ALPN
 * responder presenting the fixture's certificate (tests/lab/README.md), so
 * each of the 68 cases (57 DNS, 10 HTTP, 1 TLS-ALPN) must give
 * check_passed == expect_valid. The counts are pinned, so a case that
 * silently drops out fails the suite.
 *
 * cases.json is read with the project's JSON decoder and each body is built
 * with its JSON writer, from the case's own dcv_check_parameters object.
 * One parameterized test per case, spread over the lab's perspectives; the
 * failure messages name the case id. A few cases also have their details
 * checked against what the fixture documentation (CASES.md) says: for the
 * HTTP cases the redirect history with its raw Locations, the final URL,
 * status and page (base64 of the served file) and the address connected to;
 * for TLS-ALPN the certificate's common name. The two "bad port" cases must
 * fail on the redirect rule, and nginx's access log must show that nothing
 * was ever asked of port 8080. After every test no canary may have seen a
 * connection and every perspective must answer /livez.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base64.h"
#include "json.h"
#include "lab.h"

TestSuite(dcv_fixtures, .timeout = 60);

#define CASES_PATH "tests/fixtures/open-mpic/cases.json"
#define MAX_CASES 128
#define EXPECTED_DNS_CASES 57
#define EXPECTED_HTTP_CASES 10
#define EXPECTED_ALPN_CASES 1
#define EXPECTED_ALL_CASES 68
#define WEBROOT "tests/fixtures/open-mpic/webroot/"
#define ZURL "http://integration-testing.open-mpic.org"
#define TOKEN_A "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA"
#define TOKEN_C "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oC"
#define LAB_WEB "127.0.80.1"
#define H01 "7FwkJPsKf-TH54wu4eiIFA3nhzYaevsL7953ihy-tpo"
#define Z "integration-testing.open-mpic.org"
#define LOOKUP_ERROR "mpic_error:dcv_checker:lookup"

/* cases.json is about 31 KB today; allow it to grow well past the defaults. */
static const struct json_limits cases_limits = {
	.max_bytes = 4 * 1024 * 1024,
	.max_depth = 16,
	.max_nodes = 200000,
	.max_string = 64 * 1024,
};

/* Methods answered from DNS alone (the others need the lab's web side). */
static bool
needs_dns_only(const char *method)
{
	return strcmp(method, "acme-http-01") != 0 && strcmp(method, "website-change") != 0 &&
	    strcmp(method, "acme-tls-alpn-01") != 0;
}

static bool
is_http(const char *method)
{
	return strcmp(method, "acme-http-01") == 0 || strcmp(method, "website-change") == 0;
}

/* Read the whole file; NULL if it cannot be read. */
static char *
slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf = NULL;
	long size;

	if (fp == NULL)
		return NULL;
	if (fseek(fp, 0, SEEK_END) == 0 && (size = ftell(fp)) >= 0 && fseek(fp, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)size + 1)) != NULL) {
		*len = fread(buf, 1, (size_t)size, fp);
		if (*len != (size_t)size) {
			free(buf);
			buf = NULL;
		} else {
			buf[*len] = '\0';
		}
	}
	fclose(fp);
	return buf;
}

static struct json_doc *
load_cases(char *err, size_t errlen)
{
	size_t len = 0;
	char *text = slurp(CASES_PATH, &len);
	struct json_doc *doc;

	if (text == NULL) {
		snprintf(err, errlen, "cannot read %s (run the tests from the repository root)",
		    CASES_PATH);
		return NULL;
	}
	doc = json_parse(text, len, &cases_limits, err, errlen);
	free(text);
	return doc;
}

static const char *
case_str(const struct json_value *c, const char *key)
{
	const struct json_value *v = json_get(c, key);

	return v != NULL && v->type == JSON_STRING ? v->u.str.s : NULL;
}

static const char *
case_method(const struct json_value *c)
{
	const struct json_value *p = json_get(c, "dcv_check_parameters");

	return case_str(p, "validation_method");
}

/*
 * Indices (in cases.json) of the DNS-only cases, in file order. Called by
 * the parameter generator and by the tests, which each see the same file.
 */
static size_t
dns_case_indices(const struct json_value *root, size_t *out, size_t max)
{
	size_t n = 0;

	if (root->type != JSON_ARRAY)
		return 0;
	for (size_t i = 0; i < root->u.arr.n; i++) {
		const char *m = case_method(root->u.arr.items[i]);

		if (m != NULL && needs_dns_only(m) && n < max)
			out[n++] = i;
	}
	return n;
}

/* --- the request body, written with the project's JSON writer ----------- */

static void
write_value(struct json_writer *w, const struct json_value *v)
{
	char num[64];
	int n;

	switch (v->type) {
	case JSON_NULL:
		json_w_null(w);
		break;
	case JSON_BOOL:
		json_w_bool(w, v->u.b);
		break;
	case JSON_INT:
		json_w_int(w, v->u.i);
		break;
	case JSON_DOUBLE:
		n = snprintf(num, sizeof(num), "%.17g", v->u.d);
		json_w_raw(w, num, (size_t)n);
		break;
	case JSON_STRING:
		json_w_string(w, v->u.str.s);
		break;
	case JSON_ARRAY:
		json_w_array_open(w);
		for (size_t i = 0; i < v->u.arr.n; i++)
			write_value(w, v->u.arr.items[i]);
		json_w_array_close(w);
		break;
	case JSON_OBJECT:
		json_w_object_open(w);
		for (size_t i = 0; i < v->u.obj.n; i++) {
			json_w_key(w, v->u.obj.members[i].key);
			write_value(w, v->u.obj.members[i].value);
		}
		json_w_object_close(w);
		break;
	}
}

/* {"domain_or_ip_target": …, "dcv_check_parameters": …, "request_id": …}, heap. */
static char *
request_body(const struct json_value *c, const char *request_id)
{
	struct json_writer *w = json_w_new(64 * 1024);
	const char *out;
	size_t len = 0;
	char *copy;

	cr_assert_not_null(w);
	json_w_object_open(w);
	json_w_key(w, "domain_or_ip_target");
	json_w_string(w, case_str(c, "domain_or_ip_target"));
	json_w_key(w, "dcv_check_parameters");
	write_value(w, json_get(c, "dcv_check_parameters"));
	json_w_key(w, "request_id");
	json_w_string(w, request_id);
	json_w_object_close(w);
	out = json_w_finish(w, &len);
	cr_assert_not_null(out, "the JSON writer failed on case %s", case_str(c, "id"));
	copy = strdup(out);
	cr_assert_not_null(copy);
	json_w_free(w);
	return copy;
}

/* --- one case ------------------------------------------------------------- */

struct answer {
	struct lab_resp r;
	struct json_doc *doc;
	const struct json_value *root;
	const struct json_value *details;
};

static const struct json_value *
member(const struct json_value *obj, const char *key, enum json_type t, const char *id)
{
	const struct json_value *v = json_get(obj, key);

	cr_assert_not_null(v, "%s: member \"%s\" missing", id, key);
	cr_assert_eq(v->type, t, "%s: member \"%s\" is a %s, expected a %s", id, key,
	    json_type_name(v->type), json_type_name(t));
	return v;
}

/* POST the case to perspective @p p and parse the 200 answer. */
static void
ask(const struct json_value *c, int p, struct answer *a)
{
	const char *id = case_str(c, "id");
	char rid[96], err[256];
	char *body;

	snprintf(rid, sizeof(rid), "fixture-%s", id);
	body = request_body(c, rid);
	cr_assert_eq(lab_request(p, "/dcv", "client", body, &a->r), 0,
	    "%s: POST /dcv to perspective %d failed: %s", id, p, a->r.err);
	free(body);
	cr_assert_eq(a->r.status, 200, "%s: status %ld, body %s", id, a->r.status, a->r.body);
	a->doc = json_parse(a->r.body, a->r.len, NULL, err, sizeof(err));
	cr_assert_not_null(a->doc, "%s: the answer is not JSON (%s): %s", id, err, a->r.body);
	a->root = json_root(a->doc);
	cr_assert_str_eq(member(a->root, "check_type", JSON_STRING, id)->u.str.s, "dcv",
	    "%s: check_type", id);
	cr_assert_str_eq(member(a->root, "request_id", JSON_STRING, id)->u.str.s, rid,
	    "%s: request_id not echoed", id);
	a->details = member(a->root, "details", JSON_OBJECT, id);
	cr_assert_str_eq(member(a->details, "validation_method", JSON_STRING, id)->u.str.s,
	    case_method(c), "%s: details.validation_method", id);
}

static void
answer_free(struct answer *a)
{
	json_doc_free(a->doc);
	lab_resp_free(&a->r);
}

/* The fixture case with id @p id, from an already loaded document. */
static const struct json_value *
find_case(const struct json_value *root, const char *id)
{
	for (size_t i = 0; i < root->u.arr.n; i++) {
		const char *cid = case_str(root->u.arr.items[i], "id");

		if (cid != NULL && strcmp(cid, id) == 0)
			return root->u.arr.items[i];
	}
	cr_assert_fail("case %s is not in %s", id, CASES_PATH);
	return NULL;
}

/* --- every case ------------------------------------------------------------- */

static size_t param_idx[MAX_CASES];

ParameterizedTestParameters(dcv_fixtures, case_gives_the_expected_verdict)
{
	char err[256];
	struct json_doc *doc = load_cases(err, sizeof(err));
	size_t n = 0;

	/* An unreadable file gives no cases; the count test then fails. */
	if (doc != NULL) {
		const struct json_value *root = json_root(doc);

		n = root->type == JSON_ARRAY ? root->u.arr.n : 0;
		if (n > MAX_CASES)
			n = MAX_CASES;
		for (size_t i = 0; i < n; i++)
			param_idx[i] = i; /* position in cases.json */
		json_doc_free(doc);
	}
	return cr_make_param_array(size_t, param_idx, n);
}

ParameterizedTest(size_t *k, dcv_fixtures, case_gives_the_expected_verdict)
{
	const struct lab *l = lab_get();
	char err[256];
	struct json_doc *doc = load_cases(err, sizeof(err));
	const struct json_value *c, *expect, *errors;
	struct answer a;
	const char *id;
	bool passed, completed;
	int p;

	cr_assert_not_null(doc, "%s", err);
	cr_assert_eq(json_root(doc)->type, JSON_ARRAY, "%s is not an array", CASES_PATH);
	cr_assert_lt(*k, json_root(doc)->u.arr.n, "case %zu is gone from %s", *k, CASES_PATH);
	c = json_root(doc)->u.arr.items[*k];
	id = case_str(c, "id");
	cr_assert_not_null(id, "case %zu has no id", *k);
	expect = member(c, "expect_valid", JSON_BOOL, id);
	/* Spread the cases over every perspective of the lab. */
	p = (int)(*k % (size_t)l->n) + 1;

	ask(c, p, &a);
	passed = member(a.root, "check_passed", JSON_BOOL, id)->u.b;
	completed = member(a.root, "check_completed", JSON_BOOL, id)->u.b;
	cr_expect_eq(passed, expect->u.b,
	    "case %s (perspective %d, %s): check_passed is %s, the fixture expects %s; answer: %s",
	    id, p, case_str(c, "domain_or_ip_target"), passed ? "true" : "false",
	    expect->u.b ? "true" : "false", a.r.body);
	/* Every fixture answer is definite: the lab's DNS and web side always answer. */
	cr_expect(completed, "case %s: check_completed is false: %s", id, a.r.body);
	errors = json_get(a.root, "errors");
	if (passed)
		cr_expect(errors != NULL && errors->type == JSON_NULL,
		    "case %s: a pass carries errors: %s", id, a.r.body);
	answer_free(&a);
	json_doc_free(doc);
	lab_assert_clean();
}

/* --- the count, so a silently skipped case is caught ------------------------ */

Test(dcv_fixtures, the_fixture_file_has_68_cases_57_dns_10_http_1_tls_alpn)
{
	char err[256];
	struct json_doc *doc = load_cases(err, sizeof(err));
	const struct json_value *root;
	size_t idx[MAX_CASES], n, n_http = 0, n_alpn = 0;

	cr_assert_not_null(doc, "%s", err);
	root = json_root(doc);
	cr_assert_eq(root->type, JSON_ARRAY, "%s is not an array", CASES_PATH);
	cr_assert_eq(root->u.arr.n, EXPECTED_ALL_CASES, "%s has %zu cases, expected %d",
	    CASES_PATH, root->u.arr.n, EXPECTED_ALL_CASES);
	for (size_t i = 0; i < root->u.arr.n; i++) {
		const struct json_value *c = root->u.arr.items[i];
		const char *id = case_str(c, "id");

		cr_assert_not_null(id, "case %zu has no id", i);
		cr_assert_not_null(case_str(c, "domain_or_ip_target"), "case %s: no target", id);
		cr_assert_not_null(case_method(c), "case %s: no validation_method", id);
		member(c, "expect_valid", JSON_BOOL, id);
		if (is_http(case_method(c)))
			n_http++;
		else if (strcmp(case_method(c), "acme-tls-alpn-01") == 0)
			n_alpn++;
	}
	n = dns_case_indices(root, idx, MAX_CASES);
	cr_assert_eq(n, EXPECTED_DNS_CASES, "%zu DNS-only cases, expected %d", n,
	    EXPECTED_DNS_CASES);
	cr_assert_eq(n_http, EXPECTED_HTTP_CASES, "%zu HTTP cases, expected %d", n_http,
	    EXPECTED_HTTP_CASES);
	cr_assert_eq(n_alpn, EXPECTED_ALPN_CASES, "%zu TLS-ALPN cases, expected %d", n_alpn,
	    EXPECTED_ALPN_CASES);
	json_doc_free(doc);
}

/* --- details of a few cases --------------------------------------------------- */

/* records_seen or cname_chain: exactly @p want, in order when @p ordered. */
static void
expect_strings(const struct json_value *arr, const char *const *want, size_t n, bool ordered,
    const char *what, const char *id)
{
	cr_assert_eq(arr->type, JSON_ARRAY, "%s: %s is a %s", id, what, json_type_name(arr->type));
	cr_assert_eq(arr->u.arr.n, n, "%s: %s has %zu items, expected %zu", id, what, arr->u.arr.n,
	    n);
	for (size_t i = 0; i < n; i++) {
		bool found = false;

		for (size_t j = 0; j < n && !found; j++) {
			const struct json_value *v = arr->u.arr.items[ordered ? i : j];

			cr_assert_eq(v->type, JSON_STRING, "%s: %s[%zu] is not a string", id, what,
			    ordered ? i : j);
			found = strcmp(v->u.str.s, want[i]) == 0;
			if (ordered)
				break;
		}
		cr_assert(found, "%s: %s lacks \"%s\"%s", id, what, want[i],
		    ordered ? " at its place" : "");
	}
}

struct shape {
	const char *id;
	const char *found_at;
	const char *records[4];
	size_t n_records;
	const char *cnames[4];
	size_t n_cnames;
};

/* A filled details object, for a zone that is served unsigned. */
static void
expect_details(const struct shape *s)
{
	char err[256];
	struct json_doc *doc = load_cases(err, sizeof(err));
	const struct json_value *d;
	struct answer a;

	cr_assert_not_null(doc, "%s", err);
	ask(find_case(json_root(doc), s->id), 2, &a);
	d = a.details;
	expect_strings(member(d, "records_seen", JSON_ARRAY, s->id), s->records, s->n_records,
	    false, "records_seen", s->id);
	cr_expect_eq(member(d, "response_code", JSON_INT, s->id)->u.i, 0, "%s: response_code",
	    s->id);
	/* The fixture zone has no DS in the lab's root: insecure, no AD bit. */
	cr_expect_eq(member(d, "ad_flag", JSON_BOOL, s->id)->u.b, false, "%s: ad_flag", s->id);
	cr_expect_str_eq(member(d, "dnssec", JSON_STRING, s->id)->u.str.s, "insecure",
	    "%s: dnssec", s->id);
	cr_expect_str_eq(member(d, "found_at", JSON_STRING, s->id)->u.str.s, s->found_at,
	    "%s: found_at", s->id);
	expect_strings(member(d, "cname_chain", JSON_ARRAY, s->id), s->cnames, s->n_cnames, true,
	    "cname_chain", s->id);
	answer_free(&a);
	json_doc_free(doc);
}

Test(dcv_fixtures, single_txt_details_name_the_record_and_where_it_was_found)
{
	expect_details(&(struct shape){ .id = "acme-dns-01.single",
	    .found_at = "_acme-challenge.dns-01." Z, .records = { H01 }, .n_records = 1 });
}

Test(dcv_fixtures, one_cname_gives_the_landing_name_as_cname_chain)
{
	expect_details(&(struct shape){ .id = "acme-dns-01.cname",
	    .found_at = "_acme-challenge.dns-01-cname." Z, .records = { H01 }, .n_records = 1,
	    .cnames = { "dns-01-cname-landing." Z "." }, .n_cnames = 1 });
}

Test(dcv_fixtures, four_cnames_are_listed_in_order_with_trailing_dots)
{
	expect_details(&(struct shape){ .id = "acme-dns-01.cname-chain",
	    .found_at = "_acme-challenge.dns-01-cname-multi." Z, .records = { H01 },
	    .n_records = 1,
	    .cnames = { "dns-01-cname-target-1." Z ".", "dns-01-cname-target-2." Z ".",
		"dns-01-cname-target-3." Z ".", "dns-01-cname-landing." Z "." },
	    .n_cnames = 4 });
}

Test(dcv_fixtures, several_txt_records_are_all_seen)
{
	expect_details(&(struct shape){ .id = "acme-dns-01.multi",
	    .found_at = "_acme-challenge.dns-01-multi." Z,
	    .records = { "foo", "bar", H01, "baz" }, .n_records = 4 });
}

Test(dcv_fixtures, contact_email_caa_climb_reports_the_parent_that_answered)
{
	expect_details(&(struct shape){ .id = "contact-email-caa.nxdomain-grandparent",
	    .found_at = "contact-email-caa." Z, .records = { "caa.contactemail@example.com" },
	    .n_records = 1 });
}

Test(dcv_fixtures, ip_address_records_are_addresses_in_canonical_text)
{
	expect_details(&(struct shape){ .id = "ip-address.aaaa-expanded",
	    .found_at = "ip-address-v6." Z, .records = { "2001:4860:4860::8888" },
	    .n_records = 1 });
}

Test(dcv_fixtures, dns_change_cname_value_is_the_target_with_its_dot)
{
	expect_details(&(struct shape){ .id = "dns-change.cname",
	    .found_at = "dns-change-cname." Z, .records = { "1234567890abcdefg." },
	    .n_records = 1 });
}

/* NXDOMAIN and NODATA: completed, not passed, a lookup error, null details. */
static void
expect_negative(const char *id, const char *kind)
{
	char err[256], prefix[160];
	struct json_doc *doc = load_cases(err, sizeof(err));
	const struct json_value *errors, *e;
	static const char *const nulls[] = {
		"records_seen", "response_code", "ad_flag", "found_at", "cname_chain",
	};
	struct answer a;
	const char *msg;

	cr_assert_not_null(doc, "%s", err);
	ask(find_case(json_root(doc), id), 4, &a);
	cr_expect_eq(member(a.root, "check_completed", JSON_BOOL, id)->u.b, true,
	    "%s: check_completed", id);
	cr_expect_eq(member(a.root, "check_passed", JSON_BOOL, id)->u.b, false,
	    "%s: check_passed", id);
	errors = member(a.root, "errors", JSON_ARRAY, id);
	cr_assert_eq(errors->u.arr.n, 1, "%s: %zu errors", id, errors->u.arr.n);
	e = errors->u.arr.items[0];
	cr_expect_str_eq(member(e, "error_type", JSON_STRING, id)->u.str.s, LOOKUP_ERROR,
	    "%s: error_type", id);
	msg = member(e, "error_message", JSON_STRING, id)->u.str.s;
	snprintf(prefix, sizeof(prefix),
	    "There was an error looking up the DCV record. Error type: %s, Error message: ", kind);
	cr_expect(strncmp(msg, prefix, strlen(prefix)) == 0, "%s: error_message is \"%s\"", id,
	    msg);
	for (size_t i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
		member(a.details, nulls[i], JSON_NULL, id);
	/* The DNSSEC extension still says what the denial was worth. */
	cr_expect_str_eq(member(a.details, "dnssec", JSON_STRING, id)->u.str.s, "insecure",
	    "%s: dnssec", id);
	answer_free(&a);
	json_doc_free(doc);
}

Test(dcv_fixtures, nxdomain_completes_with_a_lookup_error_and_null_details)
{
	expect_negative("acme-dns-01.nxdomain", "NXDOMAIN");
	expect_negative("ip-address.a-nxdomain", "NXDOMAIN");
}

Test(dcv_fixtures, nodata_completes_with_a_lookup_error_and_null_details)
{
	expect_negative("ip-address.a-no-record", "NoAnswer");
	expect_negative("ip-address.aaaa-for-v4-only-name", "NoAnswer");
}

Test(dcv_fixtures, contact_caa_with_no_rrset_anywhere_completes_without_error)
{
	char err[256];
	struct json_doc *doc = load_cases(err, sizeof(err));
	const char *id = "contact-email-caa.no-caa-anywhere";
	struct answer a;

	cr_assert_not_null(doc, "%s", err);
	ask(find_case(json_root(doc), id), 6, &a);
	cr_expect_eq(member(a.root, "check_completed", JSON_BOOL, id)->u.b, true);
	cr_expect_eq(member(a.root, "check_passed", JSON_BOOL, id)->u.b, false);
	member(a.root, "errors", JSON_NULL, id);
	member(a.details, "records_seen", JSON_NULL, id);
	member(a.details, "found_at", JSON_NULL, id);
	member(a.details, "cname_chain", JSON_NULL, id);
	answer_free(&a);
	json_doc_free(doc);
}

/* --- the HTTP and TLS-ALPN cases in detail ------------------------------------ */

/* The base64 of a web root file, as response_page must carry it; heap. */
static char *
webroot_b64(const char *file)
{
	char path[512], *text, *b64;
	size_t len = 0;

	snprintf(path, sizeof(path), WEBROOT "%s", file);
	text = slurp(path, &len);
	cr_assert_not_null(text, "cannot read %s", path);
	b64 = malloc(BASE64_LEN(len));
	cr_assert_not_null(b64);
	base64_encode((const uint8_t *)text, len, b64);
	free(text);
	return b64;
}

/* addresses: @p n connections, all to the lab web server; resolved_ip the last. */
static void
expect_web_addresses(const struct json_value *d, size_t n, const char *id)
{
	const struct json_value *a = member(d, "addresses", JSON_ARRAY, id);

	cr_assert_eq(a->u.arr.n, n, "%s: %zu addresses, expected %zu (one per request)", id,
	    a->u.arr.n, n);
	for (size_t i = 0; i < n; i++) {
		cr_assert_eq(a->u.arr.items[i]->type, JSON_STRING, "%s: addresses[%zu]", id, i);
		cr_assert_str_eq(a->u.arr.items[i]->u.str.s, LAB_WEB, "%s: addresses[%zu]", id, i);
	}
	cr_assert_str_eq(member(d, "resolved_ip", JSON_STRING, id)->u.str.s, LAB_WEB,
	    "%s: resolved_ip", id);
}

struct http_shape {
	const char *id;
	int p;
	bool passed;
	const char *hops[16];   /* the raw Location of each 302, in order */
	size_t n_hops;
	const char *final;      /* response_url: the last URL fetched */
	const char *file;       /* the web root file served at the end */
};

/* A final 200 after allowed redirects: every details field is set. */
static void
expect_http_details(const struct http_shape *s)
{
	static const char *const keys[] = { "validation_method", "response_history", "response_url",
		"response_status_code", "response_page", "resolved_ip", "addresses", NULL };
	char err[256];
	struct json_doc *doc = load_cases(err, sizeof(err));
	const struct json_value *d, *h;
	struct answer a;
	char *page;

	cr_assert_not_null(doc, "%s", err);
	ask(find_case(json_root(doc), s->id), s->p, &a);
	d = a.details;
	cr_assert_eq(d->u.obj.n, 7, "%s: details has %zu members: %s", s->id, d->u.obj.n, a.r.body);
	for (size_t i = 0; keys[i] != NULL; i++)
		cr_assert_str_eq(d->u.obj.members[i].key, keys[i], "%s: details member %zu", s->id, i);
	cr_assert_eq(member(a.root, "check_completed", JSON_BOOL, s->id)->u.b, true);
	cr_assert_eq(member(a.root, "check_passed", JSON_BOOL, s->id)->u.b, s->passed,
	    "%s: check_passed: %s", s->id, a.r.body);
	member(a.root, "errors", JSON_NULL, s->id);
	if (s->n_hops == 0) {
		member(d, "response_history", JSON_NULL, s->id);
	} else {
		h = member(d, "response_history", JSON_ARRAY, s->id);
		cr_assert_eq(h->u.arr.n, s->n_hops, "%s: %zu redirects, expected %zu", s->id,
		    h->u.arr.n, s->n_hops);
		for (size_t i = 0; i < s->n_hops; i++) {
			const struct json_value *e = h->u.arr.items[i];

			cr_assert_eq(member(e, "status_code", JSON_INT, s->id)->u.i, 302,
			    "%s: response_history[%zu].status_code", s->id, i);
			cr_assert_str_eq(member(e, "url", JSON_STRING, s->id)->u.str.s, s->hops[i],
			    "%s: response_history[%zu].url is not the Location sent", s->id, i);
		}
	}
	/* Ours is the final URL (Open MPIC 3.9.0 reports the first one). */
	cr_assert_str_eq(member(d, "response_url", JSON_STRING, s->id)->u.str.s, s->final,
	    "%s: response_url", s->id);
	cr_assert_eq(member(d, "response_status_code", JSON_INT, s->id)->u.i, 200);
	page = webroot_b64(s->file);
	cr_assert_str_eq(member(d, "response_page", JSON_STRING, s->id)->u.str.s, page,
	    "%s: response_page is not the base64 of %s", s->id, s->file);
	free(page);
	expect_web_addresses(d, s->n_hops + 1, s->id);
	answer_free(&a);
	json_doc_free(doc);
	lab_assert_clean();
}

Test(dcv_fixtures, acme_http_01_direct_details_carry_the_token_file)
{
	expect_http_details(&(struct http_shape){ .id = "acme-http-01.direct", .p = 1,
	    .passed = true, .final = ZURL "/.well-known/acme-challenge/" TOKEN_A,
	    .file = ".well-known/acme-challenge/" TOKEN_A });
}

Test(dcv_fixtures, acme_http_01_redirect_details_list_the_302_with_its_raw_location)
{
	expect_http_details(&(struct http_shape){ .id = "acme-http-01.redirect-302", .p = 2,
	    .passed = true, .hops = { ZURL "/redirect-target" }, .n_hops = 1,
	    .final = ZURL "/redirect-target", .file = "redirect-target" });
}

Test(dcv_fixtures, acme_http_01_wrong_key_authorization_still_reports_the_page_read)
{
	expect_http_details(&(struct http_shape){ .id = "acme-http-01.wrong-key-authorization",
	    .p = 3, .passed = false, .final = ZURL "/.well-known/acme-challenge/" TOKEN_A,
	    .file = ".well-known/acme-challenge/" TOKEN_A });
	expect_http_details(&(struct http_shape){
	    .id = "acme-http-01.redirect-302-wrong-key-authorization", .p = 4, .passed = false,
	    .hops = { ZURL "/redirect-target" }, .n_hops = 1, .final = ZURL "/redirect-target",
	    .file = "redirect-target" });
}

Test(dcv_fixtures, website_change_direct_and_redirect_details)
{
	expect_http_details(&(struct http_shape){ .id = "website-change.direct", .p = 5,
	    .passed = true, .final = ZURL "/.well-known/pki-validation/validation-doc.txt",
	    .file = ".well-known/pki-validation/validation-doc.txt" });
	expect_http_details(&(struct http_shape){ .id = "website-change.redirect-302", .p = 6,
	    .passed = true, .hops = { ZURL "/redirect-target-website-change" }, .n_hops = 1,
	    .final = ZURL "/redirect-target-website-change",
	    .file = "redirect-target-website-change" });
}

Test(dcv_fixtures, website_change_chain_of_12_redirects_lists_every_hop_in_order)
{
	expect_http_details(&(struct http_shape){ .id = "website-change.redirect-chain-12", .p = 1,
	    .passed = true,
	    .hops = { ZURL "/redirect-target-1", ZURL "/redirect-target-2", ZURL "/redirect-target-3",
		ZURL "/redirect-target-4", ZURL "/redirect-target-5", ZURL "/redirect-target-6",
		ZURL "/redirect-target-7", ZURL "/redirect-target-8", ZURL "/redirect-target-9",
		ZURL "/redirect-target-10", ZURL "/redirect-target-11", ZURL "/redirect-target-12" },
	    .n_hops = 12, .final = ZURL "/redirect-target-12", .file = "redirect-target-12" });
}

/* A completed failure with one error and the four HTTP details null. */
static void
expect_http_failure(const char *id, int p, const char *type, const char *message)
{
	char err[256];
	struct json_doc *doc = load_cases(err, sizeof(err));
	const struct json_value *errors, *e;
	struct answer a;

	cr_assert_not_null(doc, "%s", err);
	ask(find_case(json_root(doc), id), p, &a);
	cr_assert_eq(member(a.root, "check_completed", JSON_BOOL, id)->u.b, true,
	    "%s: check_completed: %s", id, a.r.body);
	cr_assert_eq(member(a.root, "check_passed", JSON_BOOL, id)->u.b, false);
	errors = member(a.root, "errors", JSON_ARRAY, id);
	cr_assert_eq(errors->u.arr.n, 1, "%s: %zu errors", id, errors->u.arr.n);
	e = errors->u.arr.items[0];
	cr_assert_str_eq(member(e, "error_type", JSON_STRING, id)->u.str.s, type,
	    "%s: error_type: %s", id, a.r.body);
	cr_assert_str_eq(member(e, "error_message", JSON_STRING, id)->u.str.s, message,
	    "%s: error_message", id);
	member(a.details, "response_history", JSON_NULL, id);
	member(a.details, "response_url", JSON_NULL, id);
	member(a.details, "response_status_code", JSON_NULL, id);
	member(a.details, "response_page", JSON_NULL, id);
	/* Only the first URL, on port 80, was ever connected to. */
	expect_web_addresses(a.details, 1, id);
	answer_free(&a);
	json_doc_free(doc);
}

Test(dcv_fixtures, acme_http_01_missing_token_file_is_an_http_404_error)
{
	expect_http_failure("acme-http-01.not-found", 2, "mpic_error:http",
	    "An HTTP error occurred: Response status 404, Response reason: Not Found");
	lab_assert_clean();
}

/* Lines of nginx's access log since @p from that name port @p port and @p path. */
static size_t
access_lines(size_t from, const char *port, const char *path)
{
	char *text = lab_file_since(lab_env("LAB_WEB_ACCESS_LOG"), from), *line = text, want[64];
	size_t n = 0;

	snprintf(want, sizeof(want), "-> " LAB_WEB ":%s ", port);
	while (line != NULL && *line != '\0') {
		char *nl = strchr(line, '\n');

		if (nl != NULL)
			*nl = '\0';
		if (strstr(line, want) != NULL && (path == NULL || strstr(line, path) != NULL))
			n++;
		line = nl != NULL ? nl + 1 : NULL;
	}
	free(text);
	return n;
}

/* access_lines(), once it reaches @p want or 3 s have passed (nginx logs a
 * request when it is over, which can be just after the check answered). */
static size_t
access_wait(size_t from, const char *port, const char *path, size_t want)
{
	struct timespec pause = { 0, 20 * 1000000L };
	size_t n = 0;

	for (int waited = 0; waited <= 3000; waited += 20) {
		if ((n = access_lines(from, port, path)) >= want)
			break;
		nanosleep(&pause, NULL);
	}
	return n;
}

Test(dcv_fixtures, bad_port_redirects_fail_on_the_redirect_rule_and_port_8080_is_never_asked)
{
	const char *log = lab_env("LAB_WEB_ACCESS_LOG");
	size_t mark;

	cr_assert_not_null(log, "LAB_WEB_ACCESS_LOG missing from the lab's env");
	mark = lab_file_size(log);
	expect_http_failure("acme-http-01.redirect-bad-port", 3, "mpic_error:redirect:invalid",
	    "Invalid redirect. Redirect code: 302, target: " ZURL ":8080/redirect-target");
	expect_http_failure("website-change.redirect-bad-port", 4, "mpic_error:redirect:invalid",
	    "Invalid redirect. Redirect code: 302, target: " ZURL
	    ":8080/redirect-target-website-change");
	/* nginx answered both 302s on port 80, and saw nothing on 8080, ever. */
	cr_assert_eq(access_wait(mark, "80", "/.well-known/acme-challenge/" TOKEN_C " ", 1), 1,
	    "the first request of acme-http-01.redirect-bad-port is not in %s", log);
	cr_assert_eq(access_wait(mark, "80",
	    "/.well-known/pki-validation/validation-doc-bad-port-redirect.txt ", 1), 1,
	    "the first request of website-change.redirect-bad-port is not in %s", log);
	cr_assert_eq(access_lines(0, "8080", NULL), 0, "%s shows requests on port 8080", log);
	lab_assert_clean();
}

Test(dcv_fixtures, tls_alpn_fixture_reports_the_certificate_common_name)
{
	static const char *const keys[] = { "validation_method", "common_name", "resolved_ip",
		"addresses", NULL };
	char err[256];
	struct json_doc *doc = load_cases(err, sizeof(err));
	const char *id = "acme-tls-alpn-01.dns-name";
	struct answer a;

	cr_assert_not_null(doc, "%s", err);
	ask(find_case(json_root(doc), id), 5, &a);
	cr_assert_eq(a.details->u.obj.n, 4, "%s: details: %s", id, a.r.body);
	for (size_t i = 0; keys[i] != NULL; i++)
		cr_assert_str_eq(a.details->u.obj.members[i].key, keys[i], "%s: details member %zu",
		    id, i);
	cr_assert_eq(member(a.root, "check_completed", JSON_BOOL, id)->u.b, true);
	cr_assert_eq(member(a.root, "check_passed", JSON_BOOL, id)->u.b, true, "%s", a.r.body);
	/* We write null where Open MPIC writes [] for a TLS-ALPN pass (3.5). */
	member(a.root, "errors", JSON_NULL, id);
	cr_assert_str_eq(member(a.details, "common_name", JSON_STRING, id)->u.str.s,
	    "tls-alpn.integration-testing.open-mpic.org", "%s: common_name", id);
	expect_web_addresses(a.details, 1, id);
	answer_free(&a);
	json_doc_free(doc);
	lab_assert_clean();
}

/* Criterion runs a suite's tests in name order: this one comes last. */
Test(dcv_fixtures, zz_after_the_suite_no_canary_was_hit_port_8080_was_never_asked_all_alive)
{
	lab_assert_clean();
}
