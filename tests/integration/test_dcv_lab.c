/*
 * test_dcv_lab.c: POST /dcv on running lab perspectives for the lab's own
 * DCV data (dcv.test., the reverse zones 3.2.1.in-addr.arpa. and
 * 8.7.6.5.4.3.2.1.1.0.0.2.ip6.arpa., and the DCV names of bogus.test.,
 * stripped.test. and insecure.test.; tests/lab/README.md lists them), over
 * mutual TLS with the lab client certificate.
 *
 * Every answer is checked in full: the CheckResponse keys and their order,
 * check_completed, check_passed, the error (type, Open MPIC's wording and
 * the "Error type: …" kind), every details field (records_seen as a set,
 * found_at, cname_chain in order, response_code, ad_flag, dnssec),
 * request_id, perspective_code and rir. Then parameter validation for every
 * method (400 naming the field) and IP targets (the HTTP and TLS-ALPN
 * methods are in test_dcv_http.c). The JSON is read with the project's own decoder.
 */
#include <criterion/criterion.h>
#include <openssl/sha.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "lab.h"

TestSuite(dcv_lab, .timeout = 60);

#define MAX_SEEN 8
#define LOOKUP_ERROR "mpic_error:dcv_checker:lookup"

/* The values in tests/lab/zones.sh (LAB_DCV_HASH, LAB_ACCT<k>, LAB_ACCT<k>_HASH). */
#define H "w_WMj71IwLSiEFwZG_BH0GnFDyJvFp8dAQ1jK5b944g"
#define H_LOWER "w_wmj71iwlsiefwzg_bh0gnfdyjvfp8daq1jk5b944g"
#define ACCT1 "https://ca.example.net/acct/1"
#define ACCT2 "https://ca.example.net/acct/2"
#define ACCT3 "https://acme.example.org/acme/acct/Zx-9_Q"
#define ACCT1_HASH "EYjjMdDUXsTVqZtbL3_85ljqgfZ9Ammrrzqknc6mtLo"
#define ACCT2_HASH "VCPb1pACZN6N3pO4veMOo3_EaVqkLOjVpMZ3rXsNM3Y"
#define ACCT3_HASH "JXMxzqXOtv0DkFkbSFLfhKETRBo1RHsgaKZp0qxQkMI"
#define CHANGE "Lab-Change-Value-42"
#define REV6_NAME "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.7.6.5.4.3.2.1.1.0.0.2.ip6.arpa"
#define U_FFFD "\xef\xbf\xbd"

/* Parameter fragments (members of dcv_check_parameters after validation_method). */
#define KAH(h) "\"key_authorization_hash\":\"" h "\""
#define CV(v) "\"challenge_value\":\"" v "\""
#define PERSIST_PARAMS \
	"\"issuer_domain_names\":[\"ca.example.net\"],\"expected_account_uri\":\"" ACCT1 "\""

struct dcv_case {
	int p;                   /* perspective asked */
	const char *target;      /* domain_or_ip_target, JSON-safe */
	const char *method;      /* validation_method */
	const char *params;      /* the other members of dcv_check_parameters, or NULL */
	const char *request_id;  /* NULL: not sent */
	const char *trace;       /* trace_identifier, NULL: not sent */
	const char *extra;       /* more top-level members ("\"a\":1"), or NULL */
	bool completed;
	bool passed;
	const char *error;       /* NULL: errors null; else the kind after "Error type: " */
	const char *error_text;  /* a piece of the error message after the kind, or NULL */
	const char *error_alt;   /* another kind that is as good, or NULL */
	bool details;            /* records_seen … cname_chain filled (else all null) */
	const char *records[MAX_SEEN]; /* records_seen, in any order */
	const char *found_at;
	const char *cnames[MAX_SEEN];  /* cname_chain, in order */
	const char *dnssec;      /* details.dnssec */
};

static long long
wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void
assert_keys(const struct json_value *obj, const char *const *keys, const char *what)
{
	size_t n = 0;

	cr_assert_eq(obj->type, JSON_OBJECT, "%s is not an object", what);
	while (keys[n] != NULL)
		n++;
	cr_assert_eq(obj->u.obj.n, n, "%s has %zu members, expected %zu", what, obj->u.obj.n, n);
	for (size_t i = 0; i < n; i++)
		cr_assert_str_eq(obj->u.obj.members[i].key, keys[i],
		    "%s member %zu is \"%s\", expected \"%s\" (Open MPIC order)", what, i,
		    obj->u.obj.members[i].key, keys[i]);
}

static const struct json_value *
member(const struct json_value *obj, const char *key, enum json_type t, const char *body)
{
	const struct json_value *v = json_get(obj, key);

	cr_assert_not_null(v, "member \"%s\" missing: %s", key, body);
	cr_assert_eq(v->type, t, "member \"%s\" is a %s, expected a %s: %s", key,
	    json_type_name(v->type), json_type_name(t), body);
	return v;
}

static size_t
count(const char *const *list)
{
	size_t n = 0;

	while (n < MAX_SEEN && list[n] != NULL)
		n++;
	return n;
}

static void
build_body(const struct dcv_case *k, char *body, size_t len)
{
	char extra[512] = "";
	size_t o;

	if (k->request_id != NULL)
		snprintf(extra, sizeof(extra), ",\"request_id\":\"%s\"", k->request_id);
	if (k->trace != NULL) {
		o = strlen(extra);
		snprintf(extra + o, sizeof(extra) - o, ",\"trace_identifier\":\"%s\"", k->trace);
	}
	if (k->extra != NULL) {
		o = strlen(extra);
		snprintf(extra + o, sizeof(extra) - o, ",%s", k->extra);
	}
	snprintf(body, len,
	    "{\"domain_or_ip_target\":\"%s\",\"dcv_check_parameters\":{\"validation_method\":\"%s\""
	    "%s%s}%s}",
	    k->target, k->method, k->params != NULL ? "," : "", k->params != NULL ? k->params : "",
	    extra);
}

static void
check_error(const struct dcv_case *k, const struct json_value *errors, const char *body)
{
	static const char *const error_keys[] = { "error_type", "error_message", NULL };
	const struct json_value *e;
	char prefix[256], alt[256] = "";
	const char *msg;

	cr_assert_eq(errors->type, JSON_ARRAY, "errors is a %s, expected an array: %s",
	    json_type_name(errors->type), body);
	cr_assert_eq(errors->u.arr.n, 1, "errors has %zu items: %s", errors->u.arr.n, body);
	e = errors->u.arr.items[0];
	assert_keys(e, error_keys, "errors[0]");
	cr_assert_str_eq(member(e, "error_type", JSON_STRING, body)->u.str.s, LOOKUP_ERROR);
	msg = member(e, "error_message", JSON_STRING, body)->u.str.s;
	/* Open MPIC's wording, with our kind where it names the exception. */
	snprintf(prefix, sizeof(prefix),
	    "There was an error looking up the DCV record. Error type: %s, Error message: ",
	    k->error);
	if (k->error_alt != NULL && strncmp(msg, prefix, strlen(prefix)) != 0)
		snprintf(prefix, sizeof(prefix), "There was an error looking up the DCV record. "
		    "Error type: %s, Error message: ", k->error_alt);
	if (k->error_alt != NULL)
		snprintf(alt, sizeof(alt), " (or Error type: %s)", k->error_alt);
	cr_assert(strncmp(msg, prefix, strlen(prefix)) == 0,
	    "%s %s: error_message does not start with \"%s\"%s: %s", k->method, k->target, prefix,
	    alt, msg);
	cr_assert(strlen(msg) > strlen(prefix), "no reason in: %s", msg);
	if (k->error_text != NULL)
		cr_assert_not_null(strstr(msg + strlen(prefix), k->error_text),
		    "%s %s: error_message does not say \"%s\": %s", k->method, k->target,
		    k->error_text, msg);
}

static void
check_records(const struct dcv_case *k, const struct json_value *seen, const char *body)
{
	size_t want = count(k->records);

	cr_assert_eq(seen->type, JSON_ARRAY, "records_seen is a %s: %s",
	    json_type_name(seen->type), body);
	cr_assert_eq(seen->u.arr.n, want, "%s %s: records_seen has %zu records, expected %zu: %s",
	    k->method, k->target, seen->u.arr.n, want, body);
	/* RRset order on the wire is not fixed: compare as sets. */
	for (size_t i = 0; i < want; i++) {
		bool found = false;

		for (size_t j = 0; j < seen->u.arr.n && !found; j++) {
			const struct json_value *v = seen->u.arr.items[j];

			cr_assert_eq(v->type, JSON_STRING, "records_seen[%zu] is not a string", j);
			found = strcmp(v->u.str.s, k->records[i]) == 0;
		}
		cr_assert(found, "%s %s: records_seen lacks \"%s\": %s", k->method, k->target,
		    k->records[i], body);
	}
}

static void
check_cnames(const struct dcv_case *k, const struct json_value *chain, const char *body)
{
	size_t want = count(k->cnames);

	cr_assert_eq(chain->type, JSON_ARRAY, "cname_chain is a %s: %s",
	    json_type_name(chain->type), body);
	cr_assert_eq(chain->u.arr.n, want, "%s %s: cname_chain has %zu names, expected %zu: %s",
	    k->method, k->target, chain->u.arr.n, want, body);
	for (size_t i = 0; i < want; i++) {
		const struct json_value *v = chain->u.arr.items[i];

		cr_assert_eq(v->type, JSON_STRING, "cname_chain[%zu] is not a string", i);
		cr_assert_str_eq(v->u.str.s, k->cnames[i], "%s %s: cname_chain[%zu] is %s, not %s",
		    k->method, k->target, i, v->u.str.s, k->cnames[i]);
	}
}

/* Ask, then check every key and value of the CheckResponse. */
static void
run_case(const struct dcv_case *k)
{
	static const char *const top_keys[] = {
		"check_completed", "check_passed", "errors", "timestamp_ns", "check_type",
		"details", "perspective_code", "rir", "request_id", NULL,
	};
	static const char *const detail_keys[] = {
		"validation_method", "records_seen", "response_code", "ad_flag", "found_at",
		"cname_chain", "dnssec", NULL,
	};
	static const char *const nullable[] = {
		"records_seen", "response_code", "ad_flag", "found_at", "cname_chain",
	};
	const struct lab *l = lab_get();
	const struct json_value *root, *details, *v;
	struct json_doc *doc;
	struct lab_resp r;
	char body[4096], err[256];
	long long before, after, ts;
	const char *b;

	build_body(k, body, sizeof(body));
	before = wall_ns();
	cr_assert_eq(lab_request(k->p, "/dcv", "client", body, &r), 0,
	    "POST /dcv %s to perspective %d failed: %s", k->target, k->p, r.err);
	after = wall_ns();
	cr_assert_eq(r.status, 200, "POST /dcv %s: status %ld, body %s (sent %s)", k->target,
	    r.status, r.body, body);
	doc = json_parse(r.body, r.len, NULL, err, sizeof(err));
	cr_assert_not_null(doc, "the answer is not JSON (%s): %s", err, r.body);
	b = r.body;
	root = json_root(doc);
	assert_keys(root, top_keys, "the CheckResponse");
	cr_assert_eq(member(root, "check_completed", JSON_BOOL, b)->u.b, k->completed,
	    "%s %s: check_completed is not %s: %s", k->method, k->target,
	    k->completed ? "true" : "false", b);
	cr_assert_eq(member(root, "check_passed", JSON_BOOL, b)->u.b, k->passed,
	    "%s %s: check_passed is not %s: %s", k->method, k->target,
	    k->passed ? "true" : "false", b);
	v = json_get(root, "errors");
	if (k->error == NULL)
		cr_assert_eq(v->type, JSON_NULL, "%s %s: errors is not null: %s", k->method,
		    k->target, b);
	else
		check_error(k, v, b);
	ts = member(root, "timestamp_ns", JSON_INT, b)->u.i;
	cr_assert(ts >= before && ts <= after,
	    "timestamp_ns %lld is not the wall clock of the check (between %lld and %lld)", ts,
	    before, after);
	cr_assert_str_eq(member(root, "check_type", JSON_STRING, b)->u.str.s, "dcv");

	details = member(root, "details", JSON_OBJECT, b);
	assert_keys(details, detail_keys, "details");
	cr_assert_str_eq(member(details, "validation_method", JSON_STRING, b)->u.str.s, k->method);
	if (k->details) {
		bool ad;

		check_records(k, member(details, "records_seen", JSON_ARRAY, b), b);
		cr_assert_eq(member(details, "response_code", JSON_INT, b)->u.i, 0,
		    "response_code: %s", b);
		cr_assert_str_eq(member(details, "found_at", JSON_STRING, b)->u.str.s, k->found_at,
		    "%s %s: found_at: %s", k->method, k->target, b);
		check_cnames(k, member(details, "cname_chain", JSON_ARRAY, b), b);
		/* The resolver sets AD exactly when it validated the answer as secure. */
		ad = member(details, "ad_flag", JSON_BOOL, b)->u.b;
		cr_assert_eq(ad, strcmp(k->dnssec, "secure") == 0,
		    "%s %s: ad_flag %s with dnssec %s: %s", k->method, k->target,
		    ad ? "true" : "false", k->dnssec, b);
	} else {
		for (size_t i = 0; i < sizeof(nullable) / sizeof(nullable[0]); i++)
			member(details, nullable[i], JSON_NULL, b);
	}
	cr_assert_str_eq(member(details, "dnssec", JSON_STRING, b)->u.str.s, k->dnssec,
	    "%s %s: dnssec: %s", k->method, k->target, b);

	cr_assert_str_eq(member(root, "perspective_code", JSON_STRING, b)->u.str.s,
	    l->p[k->p].code, "perspective_code does not name perspective %d", k->p);
	cr_assert_str_eq(member(root, "rir", JSON_STRING, b)->u.str.s, l->p[k->p].rir,
	    "rir does not match the lab's perspective %d", k->p);
	if (k->request_id == NULL)
		member(root, "request_id", JSON_NULL, b);
	else
		cr_assert_str_eq(member(root, "request_id", JSON_STRING, b)->u.str.s,
		    k->request_id);
	json_doc_free(doc);
	lab_resp_free(&r);
}

/* A 400 whose message names @p field. */
static void
expect_400(int p, const char *body, const char *field)
{
	static const char *const top[] = { "error", "validation_issues", NULL };
	static const char *const issue_keys[] = { "issue_type", "message", NULL };
	struct lab_resp r;
	struct json_doc *doc;
	const struct json_value *root, *issues, *msg;
	char err[256];

	cr_assert_eq(lab_request(p, "/dcv", "client", body, &r), 0, "%s", r.err);
	cr_assert_eq(r.status, 400, "status %ld for %s: %s", r.status, body, r.body);
	doc = json_parse(r.body, r.len, NULL, err, sizeof(err));
	cr_assert_not_null(doc, "400 body is not JSON (%s): %s", err, r.body);
	root = json_root(doc);
	assert_keys(root, top, "the 400 body");
	cr_assert_str_eq(member(root, "error", JSON_STRING, r.body)->u.str.s,
	    "request-validation-failed");
	issues = member(root, "validation_issues", JSON_ARRAY, r.body);
	cr_assert_eq(issues->u.arr.n, 1, "%zu issues: %s", issues->u.arr.n, r.body);
	assert_keys(issues->u.arr.items[0], issue_keys, "validation_issues[0]");
	member(issues->u.arr.items[0], "issue_type", JSON_STRING, r.body);
	msg = member(issues->u.arr.items[0], "message", JSON_STRING, r.body);
	cr_assert_not_null(strstr(msg->u.str.s, field),
	    "the message does not name %s: %s (sent %s)", field, msg->u.str.s, body);
	json_doc_free(doc);
	lab_resp_free(&r);
}

/* A 400 for a dcv_check_parameters object (as JSON text) on @p target. */
static void
expect_param_400(int p, const char *target, const char *params, const char *field)
{
	char body[2048];

	snprintf(body, sizeof(body),
	    "{\"domain_or_ip_target\":\"%s\",\"dcv_check_parameters\":%s}", target, params);
	expect_400(p, body, field);
}

/* ==== acme-dns-01 ========================================================= */

Test(dcv_lab, acme_dns_01_exact_value_passes)
{
	run_case(&(struct dcv_case){ .p = 1, .target = "exact.dcv.test", .method = "acme-dns-01",
	    .params = KAH(H), .request_id = "r-exact", .completed = true, .passed = true,
	    .details = true, .records = { H }, .found_at = "_acme-challenge.exact.dcv.test",
	    .dnssec = "secure" });
}

Test(dcv_lab, acme_dns_01_leading_space_fails)
{
	run_case(&(struct dcv_case){ .p = 2, .target = "lead-space.dcv.test",
	    .method = "acme-dns-01", .params = KAH(H), .completed = true, .passed = false,
	    .details = true, .records = { " " H },
	    .found_at = "_acme-challenge.lead-space.dcv.test",
	    .dnssec = "secure" });
}

Test(dcv_lab, acme_dns_01_trailing_space_fails)
{
	run_case(&(struct dcv_case){ .p = 3, .target = "trail-space.dcv.test",
	    .method = "acme-dns-01", .params = KAH(H), .completed = true, .passed = false,
	    .details = true, .records = { H " " },
	    .found_at = "_acme-challenge.trail-space.dcv.test", .dnssec = "secure" });
}

/* NUL inside the value: no match, and records_seen shows it as U+FFFD. */
Test(dcv_lab, acme_dns_01_embedded_nul_fails_and_shows_as_replacement_character)
{
	run_case(&(struct dcv_case){ .p = 4, .target = "nul.dcv.test", .method = "acme-dns-01",
	    .params = KAH(H), .completed = true, .passed = false, .details = true,
	    .records = { "w_WMj71IwLSiEFwZG_BH0" U_FFFD "GnFDyJvFp8dAQ1jK5b944g" },
	    .found_at = "_acme-challenge.nul.dcv.test", .dnssec = "secure" });
}

Test(dcv_lab, acme_dns_01_trailing_nul_fails)
{
	run_case(&(struct dcv_case){ .p = 5, .target = "nul-end.dcv.test",
	    .method = "acme-dns-01", .params = KAH(H), .completed = true, .passed = false,
	    .details = true, .records = { H U_FFFD },
	    .found_at = "_acme-challenge.nul-end.dcv.test",
	    .dnssec = "secure" });
}

Test(dcv_lab, acme_dns_01_junk_around_the_value_fails)
{
	run_case(&(struct dcv_case){ .p = 6, .target = "junk.dcv.test", .method = "acme-dns-01",
	    .params = KAH(H), .completed = true, .passed = false, .details = true,
	    .records = { "junk " H " junk" }, .found_at = "_acme-challenge.junk.dcv.test",
	    .dnssec = "secure" });
}

Test(dcv_lab, acme_dns_01_one_matching_record_among_several_passes)
{
	run_case(&(struct dcv_case){ .p = 1, .target = "multi.dcv.test", .method = "acme-dns-01",
	    .params = KAH(H), .completed = true, .passed = true, .details = true,
	    .records = { "foo", H, "bar baz" }, .found_at = "_acme-challenge.multi.dcv.test",
	    .dnssec = "secure" });
}

Test(dcv_lab, acme_dns_01_strings_of_one_record_are_joined_without_separator)
{
	run_case(&(struct dcv_case){ .p = 2, .target = "split.dcv.test", .method = "acme-dns-01",
	    .params = KAH(H), .completed = true, .passed = true, .details = true,
	    .records = { H }, .found_at = "_acme-challenge.split.dcv.test", .dnssec = "secure" });
}

Test(dcv_lab, acme_dns_01_value_differing_only_in_case_fails)
{
	run_case(&(struct dcv_case){ .p = 3, .target = "case.dcv.test", .method = "acme-dns-01",
	    .params = KAH(H), .completed = true, .passed = false, .details = true,
	    .records = { H_LOWER }, .found_at = "_acme-challenge.case.dcv.test",
	    .dnssec = "secure" });
}

Test(dcv_lab, acme_dns_01_follows_one_cname)
{
	run_case(&(struct dcv_case){ .p = 4, .target = "cname1.dcv.test", .method = "acme-dns-01",
	    .params = KAH(H), .completed = true, .passed = true, .details = true,
	    .records = { H }, .found_at = "_acme-challenge.cname1.dcv.test",
	    .cnames = { "landing.dcv.test." }, .dnssec = "secure" });
}

Test(dcv_lab, acme_dns_01_follows_three_cnames_and_lists_them_in_order)
{
	run_case(&(struct dcv_case){ .p = 5, .target = "cname3.dcv.test", .method = "acme-dns-01",
	    .params = KAH(H), .completed = true, .passed = true, .details = true,
	    .records = { H }, .found_at = "_acme-challenge.cname3.dcv.test",
	    .cnames = { "hop1.dcv.test.", "hop2.dcv.test.", "landing.dcv.test." },
	    .dnssec = "secure" });
}

/* unbound answers a CNAME loop with SERVFAIL (the lab README, loop-a). */
Test(dcv_lab, acme_dns_01_cname_loop_is_an_incomplete_servfail)
{
	run_case(&(struct dcv_case){ .p = 6, .target = "loop.dcv.test", .method = "acme-dns-01",
	    .params = KAH(H), .completed = false, .passed = false, .error = "SERVFAIL",
	    .error_text = "_acme-challenge.loop.dcv.test. IN TXT", .dnssec = "indeterminate" });
}

Test(dcv_lab, acme_dns_01_cname_into_an_unsigned_zone_passes_as_insecure)
{
	run_case(&(struct dcv_case){ .p = 1, .target = "to-insecure.dcv.test",
	    .method = "acme-dns-01", .params = KAH(H), .completed = true, .passed = true,
	    .details = true, .records = { H }, .found_at = "_acme-challenge.to-insecure.dcv.test",
	    .cnames = { "dcv-landing.insecure.test." }, .dnssec = "insecure" });
}

Test(dcv_lab, acme_dns_01_nxdomain_completes_without_passing)
{
	run_case(&(struct dcv_case){ .p = 2, .target = "nx.dcv.test", .method = "acme-dns-01",
	    .params = KAH(H), .request_id = "r-nx", .completed = true, .passed = false,
	    .error = "NXDOMAIN", .error_text = "_acme-challenge.nx.dcv.test. IN TXT",
	    .dnssec = "secure" });
}

Test(dcv_lab, acme_dns_01_nodata_at_a_name_with_only_an_a_record_completes_without_passing)
{
	run_case(&(struct dcv_case){ .p = 3, .target = "a-only.dcv.test", .method = "acme-dns-01",
	    .params = KAH(H), .completed = true, .passed = false, .error = "NoAnswer",
	    .error_text = "_acme-challenge.a-only.dcv.test. IN TXT", .dnssec = "secure" });
}

Test(dcv_lab, acme_dns_01_refused_delegation_is_an_incomplete_servfail)
{
	run_case(&(struct dcv_case){ .p = 4, .target = "www.refused-insecure.test",
	    .method = "acme-dns-01", .params = KAH(H), .completed = false, .passed = false,
	    .error = "SERVFAIL", .error_text = "_acme-challenge.www.refused-insecure.test. IN TXT",
	    .dnssec = "indeterminate" });
}

Test(dcv_lab, acme_dns_01_servfail_below_a_signed_delegation_is_incomplete)
{
	run_case(&(struct dcv_case){ .p = 5, .target = "www.refused-secure.test",
	    .method = "acme-dns-01", .params = KAH(H), .completed = false, .passed = false,
	    .error = "SERVFAIL", .dnssec = "indeterminate" });
}

/* bogus.test. holds the right value, but its signatures expired: never a pass. */
Test(dcv_lab, acme_dns_01_bogus_answer_with_the_right_value_does_not_pass)
{
	run_case(&(struct dcv_case){ .p = 6, .target = "www.bogus.test", .method = "acme-dns-01",
	    .params = KAH(H), .trace = "t-bogus", .completed = false, .passed = false,
	    .error = "DNSSECBogus", .error_text = "signature expired", .dnssec = "bogus" });
}

Test(dcv_lab, acme_dns_01_stripped_signatures_do_not_pass)
{
	run_case(&(struct dcv_case){ .p = 1, .target = "www.stripped.test",
	    .method = "acme-dns-01", .params = KAH(H), .completed = false, .passed = false,
	    .error = "DNSSECBogus", .error_text = "No DNSKEY record", .dnssec = "bogus" });
}

/*
 * timeout.test.'s server never answers: the lookup deadline ends the check
 * ("Timeout"). Once a lookup has timed out there, the perspective's resolver
 * remembers the server as unresponsive for a while (unbound's infra cache,
 * per server address, so a fresh name does not help) and answers SERVFAIL at
 * once. Which of the two a run sees depends on what asked before (this suite
 * run twice, test_http_abuse.c), so both are accepted: either way the check
 * is incomplete and says which query failed.
 */
Test(dcv_lab, acme_dns_01_silent_name_server_is_an_incomplete_timeout)
{
	run_case(&(struct dcv_case){ .p = 2, .target = "www.timeout.test",
	    .method = "acme-dns-01", .params = KAH(H), .completed = false, .passed = false,
	    .error = "Timeout", .error_alt = "SERVFAIL",
	    .error_text = "_acme-challenge.www.timeout.test. IN TXT", .dnssec = "indeterminate" });
}

Test(dcv_lab, acme_dns_01_wildcard_target_checks_the_base_name)
{
	run_case(&(struct dcv_case){ .p = 3, .target = "*.exact.dcv.test",
	    .method = "acme-dns-01", .params = KAH(H), .completed = true, .passed = true,
	    .details = true, .records = { H }, .found_at = "_acme-challenge.exact.dcv.test",
	    .dnssec = "secure" });
}

Test(dcv_lab, acme_dns_01_target_in_upper_case_is_asked_in_lower_case)
{
	run_case(&(struct dcv_case){ .p = 4, .target = "EXACT.Dcv.Test", .method = "acme-dns-01",
	    .params = KAH(H), .completed = true, .passed = true, .details = true,
	    .records = { H }, .found_at = "_acme-challenge.exact.dcv.test", .dnssec = "secure" });
}

Test(dcv_lab, acme_dns_01_fixed_fields_sent_with_their_fixed_values_are_accepted)
{
	run_case(&(struct dcv_case){ .p = 5, .target = "exact.dcv.test", .method = "acme-dns-01",
	    .params = KAH(H) ",\"dns_record_type\":\"TXT\",\"dns_name_prefix\":\"_acme-challenge\","
		      "\"require_exact_case\":true",
	    .completed = true, .passed = true, .details = true, .records = { H },
	    .found_at = "_acme-challenge.exact.dcv.test", .dnssec = "secure" });
}

/* ==== dns-change ========================================================= */

#define CHG(type, more) CV(CHANGE) ",\"dns_record_type\":\"" type "\"" more

Test(dcv_lab, dns_change_txt_substring_passes_by_default)
{
	run_case(&(struct dcv_case){ .p = 6, .target = "change-sub.dcv.test",
	    .method = "dns-change", .params = CHG("TXT", ""), .completed = true, .passed = true,
	    .details = true, .records = { "before " CHANGE " after" },
	    .found_at = "change-sub.dcv.test", .dnssec = "secure" });
}

Test(dcv_lab, dns_change_txt_substring_fails_with_require_exact_match)
{
	run_case(&(struct dcv_case){ .p = 1, .target = "change-sub.dcv.test",
	    .method = "dns-change", .params = CHG("TXT", ",\"require_exact_match\":true"),
	    .completed = true, .passed = false, .details = true,
	    .records = { "before " CHANGE " after" }, .found_at = "change-sub.dcv.test",
	    .dnssec = "secure" });
}

Test(dcv_lab, dns_change_txt_whole_value_passes_with_require_exact_match)
{
	run_case(&(struct dcv_case){ .p = 2, .target = "change-exact.dcv.test",
	    .method = "dns-change", .params = CHG("TXT", ",\"require_exact_match\":true"),
	    .completed = true, .passed = true, .details = true, .records = { CHANGE },
	    .found_at = "change-exact.dcv.test", .dnssec = "secure" });
}

Test(dcv_lab, dns_change_txt_differing_in_case_fails_by_default)
{
	run_case(&(struct dcv_case){ .p = 3, .target = "change-lower.dcv.test",
	    .method = "dns-change", .params = CHG("TXT", ""), .completed = true, .passed = false,
	    .details = true, .records = { "lab-change-value-42" },
	    .found_at = "change-lower.dcv.test", .dnssec = "secure" });
	run_case(&(struct dcv_case){ .p = 4, .target = "change-lower.dcv.test",
	    .method = "dns-change", .params = CHG("TXT", ",\"require_exact_case\":true"),
	    .completed = true, .passed = false, .details = true,
	    .records = { "lab-change-value-42" }, .found_at = "change-lower.dcv.test",
	    .dnssec = "secure" });
}

Test(dcv_lab, dns_change_txt_differing_in_case_passes_without_require_exact_case)
{
	run_case(&(struct dcv_case){ .p = 5, .target = "change-lower.dcv.test",
	    .method = "dns-change", .params = CHG("TXT", ",\"require_exact_case\":false"),
	    .completed = true, .passed = true, .details = true,
	    .records = { "lab-change-value-42" }, .found_at = "change-lower.dcv.test",
	    .dnssec = "secure" });
	run_case(&(struct dcv_case){ .p = 6, .target = "change-lower.dcv.test",
	    .method = "dns-change",
	    .params = CHG("TXT", ",\"require_exact_case\":false,\"require_exact_match\":true"),
	    .completed = true, .passed = true, .details = true,
	    .records = { "lab-change-value-42" }, .found_at = "change-lower.dcv.test",
	    .dnssec = "secure" });
}

Test(dcv_lab, dns_change_underscore_prefix_is_prepended_to_the_name)
{
	run_case(&(struct dcv_case){ .p = 1, .target = "change-prefix.dcv.test",
	    .method = "dns-change", .params = CHG("TXT", ",\"dns_name_prefix\":\"_dcv-token\""),
	    .completed = true, .passed = true, .details = true, .records = { CHANGE },
	    .found_at = "_dcv-token.change-prefix.dcv.test", .dnssec = "secure" });
}

Test(dcv_lab, dns_change_prefix_in_upper_case_is_asked_in_lower_case)
{
	run_case(&(struct dcv_case){ .p = 2, .target = "change-prefix.dcv.test",
	    .method = "dns-change", .params = CHG("TXT", ",\"dns_name_prefix\":\"_DCV-Token\""),
	    .completed = true, .passed = true, .details = true, .records = { CHANGE },
	    .found_at = "_dcv-token.change-prefix.dcv.test", .dnssec = "secure" });
}

/* change-prefix exists only as an empty non-terminal: NODATA. */
Test(dcv_lab, dns_change_without_prefix_asks_the_name_itself)
{
	run_case(&(struct dcv_case){ .p = 3, .target = "change-prefix.dcv.test",
	    .method = "dns-change", .params = CHG("TXT", ""), .completed = true, .passed = false,
	    .error = "NoAnswer", .error_text = "change-prefix.dcv.test. IN TXT",
	    .dnssec = "secure" });
	run_case(&(struct dcv_case){ .p = 4, .target = "change-exact.dcv.test",
	    .method = "dns-change", .params = CHG("TXT", ",\"dns_name_prefix\":\"\""),
	    .completed = true, .passed = true, .details = true, .records = { CHANGE },
	    .found_at = "change-exact.dcv.test", .dnssec = "secure" });
	run_case(&(struct dcv_case){ .p = 5, .target = "change-exact.dcv.test",
	    .method = "dns-change", .params = CHG("TXT", ",\"dns_name_prefix\":null"),
	    .completed = true, .passed = true, .details = true, .records = { CHANGE },
	    .found_at = "change-exact.dcv.test", .dnssec = "secure" });
}

/* The zone's signer writes CNAME targets in lower case; the challenge is mixed case. */
Test(dcv_lab, dns_change_cname_target_is_compared_ignoring_case)
{
	run_case(&(struct dcv_case){ .p = 6, .target = "change-cname.dcv.test",
	    .method = "dns-change", .params = CHG("CNAME", ",\"require_exact_case\":true"),
	    .completed = true, .passed = true, .details = true,
	    .records = { "lab-change-value-42.example.net." }, .found_at = "change-cname.dcv.test",
	    .dnssec = "secure" });
}

Test(dcv_lab, dns_change_cname_exact_match_needs_the_whole_target_with_its_dot)
{
	run_case(&(struct dcv_case){ .p = 1, .target = "change-cname.dcv.test",
	    .method = "dns-change",
	    .params = CV("LAB-CHANGE-VALUE-42.EXAMPLE.NET.") ",\"dns_record_type\":\"CNAME\","
		      "\"require_exact_match\":true",
	    .completed = true, .passed = true, .details = true,
	    .records = { "lab-change-value-42.example.net." }, .found_at = "change-cname.dcv.test",
	    .dnssec = "secure" });
	run_case(&(struct dcv_case){ .p = 2, .target = "change-cname.dcv.test",
	    .method = "dns-change", .params = CHG("CNAME", ",\"require_exact_match\":true"),
	    .completed = true, .passed = false, .details = true,
	    .records = { "lab-change-value-42.example.net." }, .found_at = "change-cname.dcv.test",
	    .dnssec = "secure" });
}

Test(dcv_lab, dns_change_caa_value_of_any_tag_counts_ignoring_case)
{
	run_case(&(struct dcv_case){ .p = 3, .target = "change-caa.dcv.test",
	    .method = "dns-change", .params = CHG("CAA", ",\"require_exact_case\":true"),
	    .completed = true, .passed = true, .details = true,
	    .records = { "ca.example.net", "lab-change-value-42" },
	    .found_at = "change-caa.dcv.test", .dnssec = "secure" });
	run_case(&(struct dcv_case){ .p = 4, .target = "change-caa.dcv.test",
	    .method = "dns-change", .params = CHG("CAA", ",\"require_exact_match\":true"),
	    .completed = true, .passed = true, .details = true,
	    .records = { "ca.example.net", "lab-change-value-42" },
	    .found_at = "change-caa.dcv.test", .dnssec = "secure" });
}

Test(dcv_lab, dns_change_caa_substring_of_an_issue_value_passes)
{
	run_case(&(struct dcv_case){ .p = 5, .target = "change-caa-issue.dcv.test",
	    .method = "dns-change", .params = CHG("CAA", ""), .completed = true, .passed = true,
	    .details = true, .records = { "ca.example.net; token=" CHANGE },
	    .found_at = "change-caa-issue.dcv.test", .dnssec = "secure" });
}

Test(dcv_lab, dns_change_caa_at_a_name_with_only_txt_is_nodata)
{
	run_case(&(struct dcv_case){ .p = 6, .target = "change-exact.dcv.test",
	    .method = "dns-change", .params = CHG("CAA", ""), .completed = true, .passed = false,
	    .error = "NoAnswer", .error_text = "change-exact.dcv.test. IN CAA",
	    .dnssec = "secure" });
}

Test(dcv_lab, dns_change_bogus_answer_does_not_pass)
{
	run_case(&(struct dcv_case){ .p = 1, .target = "www.bogus.test",
	    .method = "dns-change",
	    .params = CV(H) ",\"dns_record_type\":\"TXT\",\"dns_name_prefix\":\"_acme-challenge\"",
	    .completed = false, .passed = false, .error = "DNSSECBogus",
	    .error_text = "signature expired", .dnssec = "bogus" });
}

/* ==== contact-email-txt, contact-phone-txt =============================== */

Test(dcv_lab, contact_email_txt_compares_ignoring_case)
{
	run_case(&(struct dcv_case){ .p = 2, .target = "contact.dcv.test",
	    .method = "contact-email-txt", .params = CV("admin@example.net"), .completed = true,
	    .passed = true, .details = true, .records = { "Admin@Example.NET" },
	    .found_at = "_validation-contactemail.contact.dcv.test", .dnssec = "secure" });
}

Test(dcv_lab, contact_phone_txt_passes_at_its_fixed_prefix)
{
	run_case(&(struct dcv_case){ .p = 3, .target = "contact.dcv.test",
	    .method = "contact-phone-txt", .params = CV("+1 555 0100"), .completed = true,
	    .passed = true, .details = true, .records = { "+1 555 0100" },
	    .found_at = "_validation-contactphone.contact.dcv.test", .dnssec = "secure" });
}

Test(dcv_lab, contact_email_txt_surrounding_whitespace_fails)
{
	run_case(&(struct dcv_case){ .p = 4, .target = "contact-space.dcv.test",
	    .method = "contact-email-txt", .params = CV("admin@example.net"), .completed = true,
	    .passed = false, .details = true, .records = { " admin@example.net " },
	    .found_at = "_validation-contactemail.contact-space.dcv.test", .dnssec = "secure" });
}

Test(dcv_lab, contact_phone_txt_trailing_space_fails)
{
	run_case(&(struct dcv_case){ .p = 5, .target = "contact-space.dcv.test",
	    .method = "contact-phone-txt", .params = CV("+1 555 0100"), .completed = true,
	    .passed = false, .details = true, .records = { "+1 555 0100 " },
	    .found_at = "_validation-contactphone.contact-space.dcv.test", .dnssec = "secure" });
}

Test(dcv_lab, contact_email_txt_one_matching_record_among_several_passes)
{
	run_case(&(struct dcv_case){ .p = 6, .target = "contact-multi.dcv.test",
	    .method = "contact-email-txt", .params = CV("ADMIN@example.net"), .completed = true,
	    .passed = true, .details = true, .records = { "noise", "admin@example.net" },
	    .found_at = "_validation-contactemail.contact-multi.dcv.test", .dnssec = "secure" });
}

Test(dcv_lab, contact_phone_txt_missing_record_is_nxdomain)
{
	run_case(&(struct dcv_case){ .p = 1, .target = "contact-multi.dcv.test",
	    .method = "contact-phone-txt", .params = CV("+1 555 0100"), .completed = true,
	    .passed = false, .error = "NXDOMAIN",
	    .error_text = "_validation-contactphone.contact-multi.dcv.test. IN TXT",
	    .dnssec = "secure" });
}

/* ==== contact-email-caa, contact-phone-caa =============================== */

Test(dcv_lab, contact_email_caa_sees_only_contactemail_values)
{
	run_case(&(struct dcv_case){ .p = 2, .target = "caa-contact.tree.dcv.test",
	    .method = "contact-email-caa", .params = CV("admin@example.net"), .completed = true,
	    .passed = true, .details = true, .records = { "Admin@Example.NET" },
	    .found_at = "caa-contact.tree.dcv.test", .dnssec = "secure" });
}

Test(dcv_lab, contact_phone_caa_sees_only_contactphone_values)
{
	run_case(&(struct dcv_case){ .p = 3, .target = "caa-contact.tree.dcv.test",
	    .method = "contact-phone-caa", .params = CV("+1 555 0100"), .completed = true,
	    .passed = true, .details = true, .records = { "+1 555 0100" },
	    .found_at = "caa-contact.tree.dcv.test", .dnssec = "secure" });
}

Test(dcv_lab, contact_email_caa_wrong_value_fails)
{
	run_case(&(struct dcv_case){ .p = 4, .target = "caa-contact.tree.dcv.test",
	    .method = "contact-email-caa", .params = CV("tree-admin@example.net"),
	    .completed = true, .passed = false, .details = true,
	    .records = { "Admin@Example.NET" }, .found_at = "caa-contact.tree.dcv.test",
	    .dnssec = "secure" });
}

Test(dcv_lab, contact_email_caa_climbs_to_the_nearest_rrset)
{
	run_case(&(struct dcv_case){ .p = 5, .target = "deep.sub.caa-contact.tree.dcv.test",
	    .method = "contact-email-caa", .params = CV("admin@example.net"), .completed = true,
	    .passed = true, .details = true, .records = { "Admin@Example.NET" },
	    .found_at = "caa-contact.tree.dcv.test", .dnssec = "secure" });
}

Test(dcv_lab, contact_caa_climbs_two_levels_to_a_parent_record)
{
	run_case(&(struct dcv_case){ .p = 6, .target = "a.b.tree.dcv.test",
	    .method = "contact-email-caa", .params = CV("tree-admin@example.net"),
	    .completed = true, .passed = true, .details = true,
	    .records = { "tree-admin@example.net" }, .found_at = "tree.dcv.test",
	    .dnssec = "secure" });
	run_case(&(struct dcv_case){ .p = 1, .target = "a.b.tree.dcv.test",
	    .method = "contact-phone-caa", .params = CV("+1 555 0199"), .completed = true,
	    .passed = true, .details = true, .records = { "+1 555 0199" },
	    .found_at = "tree.dcv.test", .dnssec = "secure" });
}

Test(dcv_lab, contact_caa_critical_bit_is_ignored)
{
	run_case(&(struct dcv_case){ .p = 2, .target = "caa-critical.tree.dcv.test",
	    .method = "contact-email-caa", .params = CV("admin@example.net"), .completed = true,
	    .passed = true, .details = true, .records = { "admin@example.net" },
	    .found_at = "caa-critical.tree.dcv.test", .dnssec = "secure" });
	run_case(&(struct dcv_case){ .p = 3, .target = "caa-critical.tree.dcv.test",
	    .method = "contact-phone-caa", .params = CV("+1 555 0100"), .completed = true,
	    .passed = true, .details = true, .records = { "+1 555 0100" },
	    .found_at = "caa-critical.tree.dcv.test", .dnssec = "secure" });
}

Test(dcv_lab, contact_email_caa_tag_in_upper_case_counts)
{
	run_case(&(struct dcv_case){ .p = 4, .target = "caa-upper-tag.tree.dcv.test",
	    .method = "contact-email-caa", .params = CV("admin@example.net"), .completed = true,
	    .passed = true, .details = true, .records = { "admin@example.net" },
	    .found_at = "caa-upper-tag.tree.dcv.test", .dnssec = "secure" });
}

/* The first RRset decides: no contactemail there fails, without climbing to tree. */
Test(dcv_lab, contact_email_caa_rrset_without_the_tag_fails_and_stops_the_climb)
{
	run_case(&(struct dcv_case){ .p = 5, .target = "x.caa-other-tag.tree.dcv.test",
	    .method = "contact-email-caa", .params = CV("tree-admin@example.net"),
	    .completed = true, .passed = false, .details = true, .records = { NULL },
	    .found_at = "caa-other-tag.tree.dcv.test", .dnssec = "secure" });
}

Test(dcv_lab, contact_phone_caa_rrset_with_only_contactemail_fails)
{
	run_case(&(struct dcv_case){ .p = 6, .target = "caa-upper-tag.tree.dcv.test",
	    .method = "contact-phone-caa", .params = CV("+1 555 0199"), .completed = true,
	    .passed = false, .details = true, .records = { NULL },
	    .found_at = "caa-upper-tag.tree.dcv.test", .dnssec = "secure" });
}

Test(dcv_lab, contact_caa_dns_name_prefix_is_prepended)
{
	run_case(&(struct dcv_case){ .p = 1, .target = "tree.dcv.test",
	    .method = "contact-email-caa",
	    .params = CV("admin@example.net") ",\"dns_name_prefix\":\"caa-contact\"",
	    .completed = true, .passed = true, .details = true, .records = { "Admin@Example.NET" },
	    .found_at = "caa-contact.tree.dcv.test", .dnssec = "secure" });
}

/* No CAA at nocaa, dcv.test or test: completed, no error, null details. */
Test(dcv_lab, contact_caa_with_no_caa_anywhere_completes_without_error)
{
	run_case(&(struct dcv_case){ .p = 2, .target = "nocaa.dcv.test",
	    .method = "contact-email-caa", .params = CV("admin@example.net"), .completed = true,
	    .passed = false, .dnssec = "secure" });
	run_case(&(struct dcv_case){ .p = 3, .target = "nx.nocaa.dcv.test",
	    .method = "contact-phone-caa", .params = CV("+1 555 0100"), .completed = true,
	    .passed = false, .dnssec = "secure" });
}

/*
 * The climb from nx.insecure.test rests on insecure denials (nx.insecure.test,
 * insecure.test) before test. answers with a secure NODATA: the decision is
 * only as strong as its weakest answer, as for CAA.
 */
Test(dcv_lab, contact_caa_climb_through_an_unsigned_zone_reports_insecure)
{
	run_case(&(struct dcv_case){ .p = 4, .target = "nx.insecure.test",
	    .method = "contact-email-caa", .params = CV("admin@example.net"), .completed = true,
	    .passed = false, .dnssec = "insecure" });
}

Test(dcv_lab, contact_caa_servfail_is_incomplete)
{
	run_case(&(struct dcv_case){ .p = 5, .target = "www.refused-insecure.test",
	    .method = "contact-email-caa", .params = CV("admin@example.net"), .completed = false,
	    .passed = false, .error = "SERVFAIL", .error_text = "www.refused-insecure.test. IN CAA",
	    .dnssec = "indeterminate" });
}

Test(dcv_lab, contact_caa_bogus_answer_is_incomplete)
{
	run_case(&(struct dcv_case){ .p = 6, .target = "www.bogus.test",
	    .method = "contact-phone-caa", .params = CV("+1 555 0100"), .completed = false,
	    .passed = false, .error = "DNSSECBogus", .error_text = "signature expired",
	    .dnssec = "bogus" });
}

/* ==== ip-address ========================================================= */

#define IPA(v, type) CV(v) ",\"dns_record_type\":\"" type "\""

Test(dcv_lab, ip_address_a_record_among_several_matches)
{
	run_case(&(struct dcv_case){ .p = 1, .target = "ip.dcv.test", .method = "ip-address",
	    .params = IPA("5.6.7.8", "A"), .completed = true, .passed = true, .details = true,
	    .records = { "1.2.3.4", "5.6.7.8" }, .found_at = "ip.dcv.test", .dnssec = "secure" });
}

Test(dcv_lab, ip_address_other_v4_address_fails)
{
	run_case(&(struct dcv_case){ .p = 2, .target = "ip.dcv.test", .method = "ip-address",
	    .params = IPA("1.2.3.5", "A"), .completed = true, .passed = false, .details = true,
	    .records = { "1.2.3.4", "5.6.7.8" }, .found_at = "ip.dcv.test", .dnssec = "secure" });
}

/*
 * A challenge that is no IP address is Open MPIC's parameter error:
 * completed, not passed, no lookup and no details. Leading zeros make no
 * IPv4 address (as Python's ipaddress). An address of the other family is
 * looked up and never matches (see below).
 */
static void
expect_parameter_error(int p, const char *challenge, const char *type)
{
	char body[512];
	struct lab_resp r;
	struct json_doc *doc;
	const struct json_value *root, *e, *d;
	char err[256], want[300];

	snprintf(body, sizeof(body), "{\"domain_or_ip_target\":\"ip.dcv.test\","
	    "\"dcv_check_parameters\":{\"validation_method\":\"ip-address\","
	    "\"challenge_value\":\"%s\",\"dns_record_type\":\"%s\"}}", challenge, type);
	cr_assert_eq(lab_request(p, "/dcv", "client", body, &r), 0, "%s", r.err);
	cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
	cr_assert_not_null(doc = json_parse(r.body, r.len, NULL, err, sizeof(err)), "%s", err);
	root = json_root(doc);
	cr_assert_eq(json_get(root, "check_completed")->u.b, true);
	cr_assert_eq(json_get(root, "check_passed")->u.b, false);
	e = json_get(root, "errors");
	cr_assert(e != NULL && e->type == JSON_ARRAY && e->u.arr.n == 1, "%s", r.body);
	cr_assert_str_eq(json_get(e->u.arr.items[0], "error_type")->u.str.s,
	    "mpic_error:dcv_checker:parameter");
	snprintf(want, sizeof(want), "The provided parameter was invalid: challenge_value, "
	    "Value provided: %s", challenge);
	cr_assert_str_eq(json_get(e->u.arr.items[0], "error_message")->u.str.s, want);
	d = json_get(root, "details");
	cr_assert_eq(json_get(d, "records_seen")->type, JSON_NULL, "%s", r.body);
	cr_assert_eq(json_get(d, "found_at")->type, JSON_NULL, "%s", r.body);
	json_doc_free(doc);
	lab_resp_free(&r);
}

Test(dcv_lab, ip_address_challenge_that_is_no_address_is_a_parameter_error)
{
	expect_parameter_error(3, "01.2.3.4", "A");
	expect_parameter_error(4, "not-an-address", "A");
	expect_parameter_error(5, "2001:db8::1::2", "AAAA");
}

Test(dcv_lab, ip_address_aaaa_matches_in_any_notation)
{
	static const char *const notations[] = {
		"2001:db8::1",
		"2001:DB8::1",
		"2001:db8:0:0:0:0:0:1",
		"2001:0db8:0000:0000:0000:0000:0000:0001",
		"2001:0DB8:0:0::0:1",
	};
	char params[256];

	for (size_t i = 0; i < sizeof(notations) / sizeof(notations[0]); i++) {
		snprintf(params, sizeof(params), CV("%s") ",\"dns_record_type\":\"AAAA\"",
		    notations[i]);
		run_case(&(struct dcv_case){ .p = (int)(i % 6) + 1, .target = "ip.dcv.test",
		    .method = "ip-address", .params = params, .completed = true, .passed = true,
		    .details = true, .records = { "2001:db8::1", "2001:db8:0:1::abcd" },
		    .found_at = "ip.dcv.test", .dnssec = "secure" });
	}
}

Test(dcv_lab, ip_address_aaaa_expanded_second_record_matches)
{
	run_case(&(struct dcv_case){ .p = 5, .target = "ip.dcv.test", .method = "ip-address",
	    .params = IPA("2001:0db8:0000:0001:0000:0000:0000:ABCD", "AAAA"), .completed = true,
	    .passed = true, .details = true, .records = { "2001:db8::1", "2001:db8:0:1::abcd" },
	    .found_at = "ip.dcv.test", .dnssec = "secure" });
}

Test(dcv_lab, ip_address_other_v6_address_fails)
{
	run_case(&(struct dcv_case){ .p = 6, .target = "ip.dcv.test", .method = "ip-address",
	    .params = IPA("2001:db8::2", "AAAA"), .completed = true, .passed = false,
	    .details = true, .records = { "2001:db8::1", "2001:db8:0:1::abcd" },
	    .found_at = "ip.dcv.test", .dnssec = "secure" });
}

Test(dcv_lab, ip_address_v4_challenge_never_matches_aaaa_records)
{
	run_case(&(struct dcv_case){ .p = 1, .target = "ip.dcv.test", .method = "ip-address",
	    .params = IPA("1.2.3.4", "AAAA"), .completed = true, .passed = false, .details = true,
	    .records = { "2001:db8::1", "2001:db8:0:1::abcd" }, .found_at = "ip.dcv.test",
	    .dnssec = "secure" });
}

Test(dcv_lab, ip_address_aaaa_at_a_v4_only_name_is_nodata)
{
	run_case(&(struct dcv_case){ .p = 2, .target = "ip4only.dcv.test", .method = "ip-address",
	    .params = IPA("2001:db8::1", "AAAA"), .completed = true, .passed = false,
	    .error = "NoAnswer", .error_text = "ip4only.dcv.test. IN AAAA", .dnssec = "secure" });
}

Test(dcv_lab, ip_address_follows_a_cname)
{
	run_case(&(struct dcv_case){ .p = 3, .target = "ip-cname.dcv.test",
	    .method = "ip-address", .params = IPA("1.2.3.4", "A"), .completed = true,
	    .passed = true, .details = true, .records = { "1.2.3.4", "5.6.7.8" },
	    .found_at = "ip-cname.dcv.test", .cnames = { "ip.dcv.test." }, .dnssec = "secure" });
}

Test(dcv_lab, ip_address_nxdomain_completes_without_passing)
{
	run_case(&(struct dcv_case){ .p = 4, .target = "nx.dcv.test", .method = "ip-address",
	    .params = IPA("1.2.3.4", "A"), .completed = true, .passed = false,
	    .error = "NXDOMAIN", .error_text = "nx.dcv.test. IN A", .dnssec = "secure" });
}

Test(dcv_lab, ip_address_dns_name_prefix_is_prepended)
{
	run_case(&(struct dcv_case){ .p = 5, .target = "dcv.test", .method = "ip-address",
	    .params = IPA("1.2.3.4", "A") ",\"dns_name_prefix\":\"ip\"", .completed = true,
	    .passed = true, .details = true, .records = { "1.2.3.4", "5.6.7.8" },
	    .found_at = "ip.dcv.test", .dnssec = "secure" });
}

/* ==== reverse-address-lookup ============================================= */

#define RAL "reverse-address-lookup"

Test(dcv_lab, reverse_lookup_of_a_reverse_name_target_passes)
{
	run_case(&(struct dcv_case){ .p = 6, .target = "4.3.2.1.in-addr.arpa", .method = RAL,
	    .params = CV("host.dcv.test."), .completed = true, .passed = true, .details = true,
	    .records = { "host.dcv.test." }, .found_at = "4.3.2.1.in-addr.arpa",
	    .dnssec = "secure" });
}

Test(dcv_lab, reverse_lookup_of_an_ipv4_target_asks_its_in_addr_arpa_name)
{
	run_case(&(struct dcv_case){ .p = 1, .target = "1.2.3.4", .method = RAL,
	    .params = CV("host.dcv.test."), .request_id = "r-ptr4", .completed = true,
	    .passed = true, .details = true, .records = { "host.dcv.test." },
	    .found_at = "4.3.2.1.in-addr.arpa", .dnssec = "secure" });
}

Test(dcv_lab, reverse_lookup_compares_ignoring_case)
{
	run_case(&(struct dcv_case){ .p = 2, .target = "1.2.3.4", .method = RAL,
	    .params = CV("HOST.Dcv.TEST."), .completed = true, .passed = true, .details = true,
	    .records = { "host.dcv.test." }, .found_at = "4.3.2.1.in-addr.arpa",
	    .dnssec = "secure" });
	run_case(&(struct dcv_case){ .p = 3, .target = "4.3.2.1.IN-ADDR.ARPA", .method = RAL,
	    .params = CV("host.dcv.test."), .completed = true, .passed = true, .details = true,
	    .records = { "host.dcv.test." }, .found_at = "4.3.2.1.in-addr.arpa",
	    .dnssec = "secure" });
}

Test(dcv_lab, reverse_lookup_challenge_without_the_trailing_dot_fails)
{
	run_case(&(struct dcv_case){ .p = 4, .target = "1.2.3.4", .method = RAL,
	    .params = CV("host.dcv.test"), .completed = true, .passed = false, .details = true,
	    .records = { "host.dcv.test." }, .found_at = "4.3.2.1.in-addr.arpa",
	    .dnssec = "secure" });
}

Test(dcv_lab, reverse_lookup_one_of_several_ptr_records_passes)
{
	run_case(&(struct dcv_case){ .p = 5, .target = "1.2.3.6", .method = RAL,
	    .params = CV("two.example.net."), .completed = true, .passed = true, .details = true,
	    .records = { "one.example.net.", "two.example.net." },
	    .found_at = "6.3.2.1.in-addr.arpa", .dnssec = "secure" });
}

Test(dcv_lab, reverse_lookup_nodata_and_nxdomain_complete_without_passing)
{
	run_case(&(struct dcv_case){ .p = 6, .target = "1.2.3.8", .method = RAL,
	    .params = CV("host.dcv.test."), .completed = true, .passed = false,
	    .error = "NoAnswer", .error_text = "8.3.2.1.in-addr.arpa. IN PTR",
	    .dnssec = "secure" });
	run_case(&(struct dcv_case){ .p = 1, .target = "1.2.3.9", .method = RAL,
	    .params = CV("host.dcv.test."), .completed = true, .passed = false,
	    .error = "NXDOMAIN", .error_text = "9.3.2.1.in-addr.arpa. IN PTR",
	    .dnssec = "secure" });
}

Test(dcv_lab, reverse_lookup_of_an_ipv6_target_asks_its_ip6_arpa_name)
{
	run_case(&(struct dcv_case){ .p = 2, .target = "2001:1234:5678::1", .method = RAL,
	    .params = CV("host6.dcv.test."), .completed = true, .passed = true, .details = true,
	    .records = { "host6.dcv.test." }, .found_at = REV6_NAME, .dnssec = "secure" });
	run_case(&(struct dcv_case){ .p = 3, .target = "[2001:1234:5678:0:0:0:0:1]",
	    .method = RAL, .params = CV("host6.dcv.test."), .completed = true, .passed = true,
	    .details = true, .records = { "host6.dcv.test." }, .found_at = REV6_NAME,
	    .dnssec = "secure" });
}

Test(dcv_lab, reverse_lookup_of_an_ip6_arpa_name_target_passes)
{
	run_case(&(struct dcv_case){ .p = 4, .target = REV6_NAME, .method = RAL,
	    .params = CV("HOST6.dcv.test."), .completed = true, .passed = true, .details = true,
	    .records = { "host6.dcv.test." }, .found_at = REV6_NAME, .dnssec = "secure" });
}

Test(dcv_lab, reverse_lookup_of_an_ipv6_address_without_ptr_is_nxdomain)
{
	run_case(&(struct dcv_case){ .p = 5, .target = "2001:1234:5678::2", .method = RAL,
	    .params = CV("host6.dcv.test."), .completed = true, .passed = false,
	    .error = "NXDOMAIN",
	    .error_text = "2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
			  "8.7.6.5.4.3.2.1.1.0.0.2.ip6.arpa. IN PTR",
	    .dnssec = "secure" });
}

/* ==== dns-persistent (BR 3.2.2.4.22) ===================================== */

#define PERSIST_AT(name) "_validation-persist." name ".dcv.test"

static void
persist(int p, const char *name, const char *params, bool passed, const char *record)
{
	char target[128], found[160];

	snprintf(target, sizeof(target), "%s.dcv.test", name);
	snprintf(found, sizeof(found), "_validation-persist.%s.dcv.test", name);
	run_case(&(struct dcv_case){ .p = p, .target = target, .method = "dns-persistent",
	    .params = params != NULL ? params : PERSIST_PARAMS, .completed = true,
	    .passed = passed, .details = true, .records = { record }, .found_at = found,
	    .dnssec = "secure" });
}

#define REC_OK "ca.example.net; accounturi=" ACCT1

Test(dcv_lab, persistent_record_for_our_issuer_and_account_passes)
{
	persist(6, "persist-ok", NULL, true, REC_OK);
}

Test(dcv_lab, persistent_record_with_persist_until_in_the_future_passes)
{
	persist(1, "persist-future", NULL, true, REC_OK "; persistUntil=4102444800");
}

Test(dcv_lab, persistent_record_with_persist_until_in_the_past_fails)
{
	persist(2, "persist-past", NULL, false, REC_OK "; persistUntil=1000000000");
	/* Parameter names are compared ignoring case. */
	persist(3, "persist-past-upper", NULL, false, REC_OK "; PERSISTUNTIL=1000000000");
}

Test(dcv_lab, persistent_record_with_persist_until_not_a_number_fails)
{
	persist(4, "persist-until-bad", NULL, false, REC_OK "; persistUntil=tomorrow");
}

Test(dcv_lab, persistent_record_of_another_issuer_fails)
{
	persist(5, "persist-other-issuer", NULL, false, "other-ca.example; accounturi=" ACCT1);
}

Test(dcv_lab, persistent_record_issuer_is_compared_ignoring_case)
{
	persist(6, "persist-issuer-case", NULL, true, "CA.Example.NET; accounturi=" ACCT1);
	persist(1, "persist-ok",
	    "\"issuer_domain_names\":[\"other-ca.example\",\"CA.EXAMPLE.NET\"],"
	    "\"expected_account_uri\":\"" ACCT1 "\"",
	    true, REC_OK);
}

Test(dcv_lab, persistent_record_for_one_of_several_issuer_names_passes)
{
	persist(2, "persist-other-issuer",
	    "\"issuer_domain_names\":[\"ca.example.net\",\"other-ca.example\"],"
	    "\"expected_account_uri\":\"" ACCT1 "\"",
	    true, "other-ca.example; accounturi=" ACCT1);
}

Test(dcv_lab, persistent_record_of_another_account_fails)
{
	persist(3, "persist-other-acct", NULL, false, "ca.example.net; accounturi=" ACCT2);
}

/* BR 3.2.2.4.22: the account URI must match exactly (Open MPIC ignores case). */
Test(dcv_lab, persistent_record_account_differing_only_in_case_fails)
{
	persist(4, "persist-acct-case", NULL, false,
	    "ca.example.net; accounturi=https://CA.example.net/acct/1");
	persist(5, "persist-ok",
	    "\"issuer_domain_names\":[\"ca.example.net\"],"
	    "\"expected_account_uri\":\"https://CA.example.net/acct/1\"",
	    false, REC_OK);
}

Test(dcv_lab, persistent_record_with_a_duplicate_parameter_fails)
{
	persist(6, "persist-dup", NULL, false, REC_OK "; accounturi=" ACCT1);
	persist(1, "persist-dup-until", NULL, false,
	    REC_OK "; persistUntil=4102444800; persistuntil=4102444800");
}

Test(dcv_lab, persistent_record_without_accounturi_fails)
{
	persist(2, "persist-no-acct", NULL, false, "ca.example.net; persistUntil=4102444800");
}

Test(dcv_lab, persistent_record_with_a_parameter_without_value_fails)
{
	persist(3, "persist-malformed", NULL, false, "ca.example.net; accounturi");
}

Test(dcv_lab, persistent_record_with_only_the_issuer_and_a_semicolon_fails)
{
	persist(4, "persist-issuer-only", NULL, false, "ca.example.net;");
}

Test(dcv_lab, persistent_record_unknown_parameters_are_ignored)
{
	persist(5, "persist-unknown", NULL, true, REC_OK "; policy=strict; x-future=1");
}

Test(dcv_lab, persistent_record_whitespace_allowed_by_the_grammar_passes)
{
	persist(6, "persist-spaces", NULL, true, "  ca.example.net ;  accounturi=" ACCT1 "  ");
}

Test(dcv_lab, persistent_record_split_into_strings_is_joined)
{
	persist(1, "persist-split", NULL, true, REC_OK);
}

Test(dcv_lab, persistent_one_valid_record_among_invalid_ones_passes)
{
	run_case(&(struct dcv_case){ .p = 2, .target = "persist-multi.dcv.test",
	    .method = "dns-persistent", .params = PERSIST_PARAMS, .completed = true,
	    .passed = true, .details = true,
	    .records = { "garbage", "other-ca.example; accounturi=" ACCT1,
		"ca.example.net; accounturi=https://ca.example.net/acct/9",
		REC_OK "; persistUntil=4102444800" },
	    .found_at = PERSIST_AT("persist-multi"), .dnssec = "secure" });
}

Test(dcv_lab, persistent_records_none_valid_fails)
{
	run_case(&(struct dcv_case){ .p = 3, .target = "persist-multi-none.dcv.test",
	    .method = "dns-persistent", .params = PERSIST_PARAMS, .completed = true,
	    .passed = false, .details = true,
	    .records = { "ca.example.net; accounturi=https://ca.example.net/acct/9",
		REC_OK "; persistUntil=1000000000" },
	    .found_at = PERSIST_AT("persist-multi-none"), .dnssec = "secure" });
}

Test(dcv_lab, persistent_record_through_a_cname_passes)
{
	run_case(&(struct dcv_case){ .p = 4, .target = "persist-cname.dcv.test",
	    .method = "dns-persistent", .params = PERSIST_PARAMS, .completed = true,
	    .passed = true, .details = true, .records = { REC_OK },
	    .found_at = PERSIST_AT("persist-cname"), .cnames = { "persist-landing.dcv.test." },
	    .dnssec = "secure" });
}

Test(dcv_lab, persistent_wildcard_target_checks_the_base_name)
{
	run_case(&(struct dcv_case){ .p = 5, .target = "*.persist-ok.dcv.test",
	    .method = "dns-persistent", .params = PERSIST_PARAMS, .completed = true,
	    .passed = true, .details = true, .records = { REC_OK },
	    .found_at = PERSIST_AT("persist-ok"), .dnssec = "secure" });
}

Test(dcv_lab, persistent_missing_record_is_nxdomain)
{
	run_case(&(struct dcv_case){ .p = 6, .target = "persist-none.dcv.test",
	    .method = "dns-persistent", .params = PERSIST_PARAMS, .completed = true,
	    .passed = false, .error = "NXDOMAIN",
	    .error_text = "_validation-persist.persist-none.dcv.test. IN TXT",
	    .dnssec = "secure" });
}

Test(dcv_lab, persistent_bogus_answer_with_a_valid_record_does_not_pass)
{
	run_case(&(struct dcv_case){ .p = 1, .target = "www.bogus.test",
	    .method = "dns-persistent", .params = PERSIST_PARAMS, .completed = false,
	    .passed = false, .error = "DNSSECBogus", .error_text = "signature expired",
	    .dnssec = "bogus" });
}

/* ==== dns-account-01 (BR 3.2.2.4.21) ===================================== */

/*
 * The label, computed here independently of shared/dcv_dns.c (and of the
 * openssl | base32 pipeline in tests/lab/zones.sh): SHA-256 of the account
 * URI, its first 10 bytes as lower-case RFC 4648 base32 by a bit
 * accumulator, no padding (80 bits are exactly 16 characters).
 */
static void
account_label(const char *uri, char out[17])
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
	unsigned char md[SHA256_DIGEST_LENGTH];
	uint32_t acc = 0;
	int bits = 0;
	size_t o = 0;

	SHA256((const unsigned char *)uri, strlen(uri), md);
	for (size_t i = 0; i < 10; i++) {
		acc = (acc << 8 | md[i]) & 0xffffu;
		bits += 8;
		while (bits >= 5) {
			out[o++] = alphabet[(acc >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	cr_assert_eq(bits, 0);
	cr_assert_eq(o, 16);
	out[o] = '\0';
}

static void
account_case(int p, const char *target, const char *base, const char *uri, const char *hash,
    bool passed, const char *record)
{
	char label[17], params[512], found[256], text[300];

	account_label(uri, label);
	snprintf(params, sizeof(params), "\"account_uri\":\"%s\"," KAH("%s"), uri, hash);
	snprintf(found, sizeof(found), "_%s._acme-challenge.%s", label, base);
	if (record != NULL) {
		run_case(&(struct dcv_case){ .p = p, .target = target, .method = "dns-account-01",
		    .params = params, .completed = true, .passed = passed, .details = true,
		    .records = { record }, .found_at = found, .dnssec = "secure" });
	} else {
		snprintf(text, sizeof(text), "%s. IN TXT", found);
		run_case(&(struct dcv_case){ .p = p, .target = target, .method = "dns-account-01",
		    .params = params, .completed = true, .passed = false, .error = "NXDOMAIN",
		    .error_text = text, .dnssec = "secure" });
	}
}

Test(dcv_lab, account_labels_computed_here_match_the_lab_zone)
{
	static const struct {
		const char *uri, *label;
	} known[] = {
		/* From tests/lab/zones.sh: openssl dgst -sha256 | head -c 10 | base32. */
		{ ACCT1, "kdckyjhwa2xbvwgq" },
		{ ACCT2, "fbnhfp22udvg2iu2" },
		{ ACCT3, "suhagfvgfe57ewe3" },
	};
	char label[17];

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		account_label(known[i].uri, label);
		cr_expect_str_eq(label, known[i].label, "label of %s", known[i].uri);
	}
}

Test(dcv_lab, dns_account_01_passes_for_each_of_three_accounts)
{
	account_case(2, "acct01.dcv.test", "acct01.dcv.test", ACCT1, ACCT1_HASH, true, ACCT1_HASH);
	account_case(3, "acct01.dcv.test", "acct01.dcv.test", ACCT2, ACCT2_HASH, true, ACCT2_HASH);
	account_case(4, "acct01.dcv.test", "acct01.dcv.test", ACCT3, ACCT3_HASH, true, ACCT3_HASH);
}

Test(dcv_lab, dns_account_01_hash_of_another_account_fails)
{
	account_case(5, "acct01.dcv.test", "acct01.dcv.test", ACCT1, ACCT2_HASH, false,
	    ACCT1_HASH);
	/* The plain acme-dns-01 value beside it is not this account's record. */
	account_case(6, "acct01.dcv.test", "acct01.dcv.test", ACCT1, H, false, ACCT1_HASH);
}

Test(dcv_lab, dns_account_01_account_without_a_record_is_nxdomain)
{
	account_case(1, "acct01.dcv.test", "acct01.dcv.test", "https://ca.example.net/acct/4",
	    ACCT1_HASH, false, NULL);
	/* The URI is hashed as sent: another case is another label. */
	account_case(2, "acct01.dcv.test", "acct01.dcv.test",
	    "https://acme.example.org/acme/acct/zx-9_q", ACCT3_HASH, false, NULL);
	/* An acme-dns-01 record alone is not a dns-account-01 record. */
	account_case(3, "exact.dcv.test", "exact.dcv.test", ACCT1, H, false, NULL);
}

Test(dcv_lab, dns_account_01_wildcard_target_checks_the_base_name)
{
	account_case(4, "*.acct01.dcv.test", "acct01.dcv.test", ACCT2, ACCT2_HASH, true,
	    ACCT2_HASH);
}

Test(dcv_lab, dns_account_01_bogus_answer_does_not_pass)
{
	char params[256];

	snprintf(params, sizeof(params), "\"account_uri\":\"%s\"," KAH("%s"), ACCT1, ACCT1_HASH);
	run_case(&(struct dcv_case){ .p = 5, .target = "www.bogus.test",
	    .method = "dns-account-01", .params = params, .completed = false, .passed = false,
	    .error = "DNSSECBogus", .dnssec = "bogus" });
}

/* ==== identity, echo, unknown fields ===================================== */

Test(dcv_lab, every_perspective_names_its_own_code_and_rir)
{
	const struct lab *l = lab_get();

	for (int i = 1; i <= l->n; i++)
		run_case(&(struct dcv_case){ .p = i, .target = "exact.dcv.test",
		    .method = "acme-dns-01", .params = KAH(H), .request_id = "r-identity",
		    .completed = true, .passed = true, .details = true, .records = { H },
		    .found_at = "_acme-challenge.exact.dcv.test", .dnssec = "secure" });
}

Test(dcv_lab, request_id_is_echoed_and_null_when_absent)
{
	run_case(&(struct dcv_case){ .p = 6, .target = "exact.dcv.test", .method = "acme-dns-01",
	    .params = KAH(H),
	    .request_id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	    .trace = "trace-1", .completed = true, .passed = true, .details = true,
	    .records = { H }, .found_at = "_acme-challenge.exact.dcv.test", .dnssec = "secure" });
	run_case(&(struct dcv_case){ .p = 1, .target = "exact.dcv.test", .method = "acme-dns-01",
	    .params = KAH(H), .completed = true, .passed = true, .details = true,
	    .records = { H }, .found_at = "_acme-challenge.exact.dcv.test", .dnssec = "secure" });
}

Test(dcv_lab, unknown_fields_are_ignored_at_every_level)
{
	run_case(&(struct dcv_case){ .p = 2, .target = "exact.dcv.test", .method = "acme-dns-01",
	    .params = KAH(H) ",\"future\":{\"x\":[1,null]},\"challenge_value\":\"ignored\"",
	    .request_id = "r-unknown",
	    .extra = "\"orchestration_parameters\":{\"perspective_count\":3},"
		     "\"check_type\":\"caa\","
		     "\"caa_check_parameters\":{\"caa_domains\":[\"x\"]},\"unknown\":1.5e3",
	    .completed = true, .passed = true, .details = true, .records = { H },
	    .found_at = "_acme-challenge.exact.dcv.test", .dnssec = "secure" });
}

/* ==== parameter validation: 400 naming the field ======================== */

#define T "exact.dcv.test"
#define P "dcv_check_parameters."

Test(dcv_lab, request_without_target_or_parameters_is_400)
{
	expect_400(1, "{\"dcv_check_parameters\":{\"validation_method\":\"acme-dns-01\","
		      KAH(H) "}}", "domain_or_ip_target");
	expect_400(2, "{\"domain_or_ip_target\":\"" T "\"}", "dcv_check_parameters");
	expect_400(3, "{\"domain_or_ip_target\":\"" T "\",\"dcv_check_parameters\":null}",
	    "dcv_check_parameters");
	expect_param_400(4, T, "\"acme-dns-01\"", "dcv_check_parameters");
	expect_param_400(5, T, "{}", P "validation_method");
	expect_param_400(6, T, "{\"validation_method\":7}", P "validation_method");
}

Test(dcv_lab, unknown_validation_method_is_400)
{
	expect_param_400(1, T, "{\"validation_method\":\"dns-01\"," KAH(H) "}",
	    P "validation_method");
	/* Enum strings are case-sensitive. */
	expect_param_400(2, T, "{\"validation_method\":\"ACME-DNS-01\"," KAH(H) "}",
	    P "validation_method");
}

Test(dcv_lab, acme_dns_01_parameter_errors_are_400)
{
	expect_param_400(3, T, "{\"validation_method\":\"acme-dns-01\"}",
	    P "key_authorization_hash");
	expect_param_400(4, T,
	    "{\"validation_method\":\"acme-dns-01\",\"key_authorization_hash\":\"\"}",
	    P "key_authorization_hash");
	expect_param_400(5, T,
	    "{\"validation_method\":\"acme-dns-01\",\"key_authorization_hash\":5}",
	    P "key_authorization_hash");
	expect_param_400(6, T,
	    "{\"validation_method\":\"acme-dns-01\"," KAH(H) ",\"dns_record_type\":\"CNAME\"}",
	    P "dns_record_type");
	expect_param_400(1, T,
	    "{\"validation_method\":\"acme-dns-01\"," KAH(H) ",\"dns_name_prefix\":\"_other\"}",
	    P "dns_name_prefix");
	expect_param_400(2, T,
	    "{\"validation_method\":\"acme-dns-01\"," KAH(H) ",\"require_exact_case\":false}",
	    P "require_exact_case");
	expect_param_400(3, T,
	    "{\"validation_method\":\"acme-dns-01\"," KAH(H) ",\"require_exact_case\":\"yes\"}",
	    P "require_exact_case");
}

Test(dcv_lab, dns_change_parameter_errors_are_400)
{
	expect_param_400(4, T, "{\"validation_method\":\"dns-change\",\"dns_record_type\":\"TXT\"}",
	    P "challenge_value");
	expect_param_400(5, T,
	    "{\"validation_method\":\"dns-change\",\"challenge_value\":\"\","
	    "\"dns_record_type\":\"TXT\"}",
	    P "challenge_value");
	expect_param_400(6, T, "{\"validation_method\":\"dns-change\"," CV("x") "}",
	    P "dns_record_type");
	expect_param_400(1, T,
	    "{\"validation_method\":\"dns-change\"," CV("x") ",\"dns_record_type\":\"A\"}",
	    P "dns_record_type");
	expect_param_400(2, T,
	    "{\"validation_method\":\"dns-change\"," CV("x") ",\"dns_record_type\":\"PTR\"}",
	    P "dns_record_type");
	expect_param_400(3, T,
	    "{\"validation_method\":\"dns-change\"," CV("x") ",\"dns_record_type\":\"txt\"}",
	    P "dns_record_type");
	/* BR 3.2.2.4.7: the name itself or an underscore-prefixed label. */
	expect_param_400(4, T,
	    "{\"validation_method\":\"dns-change\"," CV("x") ",\"dns_record_type\":\"TXT\","
	    "\"dns_name_prefix\":\"token\"}",
	    P "dns_name_prefix");
	expect_param_400(5, T,
	    "{\"validation_method\":\"dns-change\"," CV("x") ",\"dns_record_type\":\"TXT\","
	    "\"dns_name_prefix\":\"_a b\"}",
	    P "dns_name_prefix");
	expect_param_400(6, T,
	    "{\"validation_method\":\"dns-change\"," CV("x") ",\"dns_record_type\":\"TXT\","
	    "\"dns_name_prefix\":\"_a..b\"}",
	    P "dns_name_prefix");
	expect_param_400(1, T,
	    "{\"validation_method\":\"dns-change\"," CV("x") ",\"dns_record_type\":\"TXT\","
	    "\"require_exact_match\":\"no\"}",
	    P "require_exact_match");
	expect_param_400(2, T,
	    "{\"validation_method\":\"dns-change\"," CV("x") ",\"dns_record_type\":\"TXT\","
	    "\"require_exact_case\":1}",
	    P "require_exact_case");
}

Test(dcv_lab, dns_persistent_parameter_errors_are_400)
{
	expect_param_400(3, T,
	    "{\"validation_method\":\"dns-persistent\",\"expected_account_uri\":\"" ACCT1 "\"}",
	    P "issuer_domain_names");
	expect_param_400(4, T,
	    "{\"validation_method\":\"dns-persistent\",\"issuer_domain_names\":[],"
	    "\"expected_account_uri\":\"" ACCT1 "\"}",
	    P "issuer_domain_names");
	expect_param_400(5, T,
	    "{\"validation_method\":\"dns-persistent\",\"issuer_domain_names\":\"ca.example.net\","
	    "\"expected_account_uri\":\"" ACCT1 "\"}",
	    P "issuer_domain_names");
	expect_param_400(6, T,
	    "{\"validation_method\":\"dns-persistent\",\"issuer_domain_names\":[\"ca.example.net\","
	    "\"not a name\"],\"expected_account_uri\":\"" ACCT1 "\"}",
	    P "issuer_domain_names[1]");
	expect_param_400(1, T,
	    "{\"validation_method\":\"dns-persistent\",\"issuer_domain_names\":[\"\"],"
	    "\"expected_account_uri\":\"" ACCT1 "\"}",
	    P "issuer_domain_names[0]");
	expect_param_400(2, T,
	    "{\"validation_method\":\"dns-persistent\",\"issuer_domain_names\":[3],"
	    "\"expected_account_uri\":\"" ACCT1 "\"}",
	    P "issuer_domain_names[0]");
	expect_param_400(3, T,
	    "{\"validation_method\":\"dns-persistent\","
	    "\"issuer_domain_names\":[\"ca.example.net\"]}",
	    P "expected_account_uri");
	expect_param_400(4, T,
	    "{\"validation_method\":\"dns-persistent\","
	    "\"issuer_domain_names\":[\"ca.example.net\"],"
	    "\"expected_account_uri\":\"/acct/1\"}",
	    P "expected_account_uri");
	expect_param_400(5, T,
	    "{\"validation_method\":\"dns-persistent\","
	    "\"issuer_domain_names\":[\"ca.example.net\"],"
	    "\"expected_account_uri\":\"https://ca.example.net/a b\"}",
	    P "expected_account_uri");
	expect_param_400(6, T,
	    "{\"validation_method\":\"dns-persistent\","
	    "\"issuer_domain_names\":[\"ca.example.net\"],"
	    "\"expected_account_uri\":\"\"}",
	    P "expected_account_uri");
	expect_param_400(1, T,
	    "{\"validation_method\":\"dns-persistent\"," PERSIST_PARAMS
	    ",\"dns_record_type\":\"CAA\"}",
	    P "dns_record_type");
	expect_param_400(2, T,
	    "{\"validation_method\":\"dns-persistent\"," PERSIST_PARAMS
	    ",\"dns_name_prefix\":\"_validation\"}",
	    P "dns_name_prefix");
	expect_param_400(3, T,
	    "{\"validation_method\":\"dns-persistent\"," PERSIST_PARAMS
	    ",\"require_exact_case\":true}",
	    P "require_exact_case");
}

Test(dcv_lab, dns_account_01_parameter_errors_are_400)
{
	expect_param_400(4, T, "{\"validation_method\":\"dns-account-01\"," KAH(H) "}",
	    P "account_uri");
	expect_param_400(5, T,
	    "{\"validation_method\":\"dns-account-01\"," KAH(H) ",\"account_uri\":\"acct-1\"}",
	    P "account_uri");
	expect_param_400(6, T,
	    "{\"validation_method\":\"dns-account-01\"," KAH(H) ",\"account_uri\":\"1https:x\"}",
	    P "account_uri");
	expect_param_400(1, T,
	    "{\"validation_method\":\"dns-account-01\"," KAH(H) ",\"account_uri\":[\"" ACCT1 "\"]}",
	    P "account_uri");
	expect_param_400(2, T,
	    "{\"validation_method\":\"dns-account-01\",\"account_uri\":\"" ACCT1 "\"}",
	    P "key_authorization_hash");
	expect_param_400(3, T,
	    "{\"validation_method\":\"dns-account-01\",\"account_uri\":\"" ACCT1 "\","
	    "\"key_authorization_hash\":\"\"}",
	    P "key_authorization_hash");
	expect_param_400(4, T,
	    "{\"validation_method\":\"dns-account-01\",\"account_uri\":\"" ACCT1 "\"," KAH(H)
	    ",\"require_exact_case\":false}",
	    P "require_exact_case");
	expect_param_400(5, T,
	    "{\"validation_method\":\"dns-account-01\",\"account_uri\":\"" ACCT1 "\"," KAH(H)
	    ",\"dns_record_type\":\"CNAME\"}",
	    P "dns_record_type");
}

Test(dcv_lab, contact_txt_parameter_errors_are_400)
{
	static const char *const methods[] = { "contact-email-txt", "contact-phone-txt" };
	static const char *const prefixes[] = { "_validation-contactphone",
		"_validation-contactemail" };
	char params[512];

	for (size_t i = 0; i < 2; i++) {
		snprintf(params, sizeof(params), "{\"validation_method\":\"%s\"}", methods[i]);
		expect_param_400(6, T, params, P "challenge_value");
		snprintf(params, sizeof(params),
		    "{\"validation_method\":\"%s\",\"challenge_value\":\"\"}", methods[i]);
		expect_param_400(1, T, params, P "challenge_value");
		snprintf(params, sizeof(params),
		    "{\"validation_method\":\"%s\",\"challenge_value\":false}", methods[i]);
		expect_param_400(2, T, params, P "challenge_value");
		snprintf(params, sizeof(params),
		    "{\"validation_method\":\"%s\"," CV("a") ",\"dns_record_type\":\"CAA\"}",
		    methods[i]);
		expect_param_400(3, T, params, P "dns_record_type");
		/* The other method's fixed prefix. */
		snprintf(params, sizeof(params),
		    "{\"validation_method\":\"%s\"," CV("a") ",\"dns_name_prefix\":\"%s\"}",
		    methods[i], prefixes[i]);
		expect_param_400(4, T, params, P "dns_name_prefix");
		snprintf(params, sizeof(params),
		    "{\"validation_method\":\"%s\"," CV("a") ",\"require_exact_case\":true}",
		    methods[i]);
		expect_param_400(5, T, params, P "require_exact_case");
	}
}

Test(dcv_lab, contact_caa_parameter_errors_are_400)
{
	static const char *const methods[] = { "contact-email-caa", "contact-phone-caa" };
	char params[512];

	for (size_t i = 0; i < 2; i++) {
		snprintf(params, sizeof(params), "{\"validation_method\":\"%s\"}", methods[i]);
		expect_param_400(6, T, params, P "challenge_value");
		snprintf(params, sizeof(params),
		    "{\"validation_method\":\"%s\",\"challenge_value\":\"\"}", methods[i]);
		expect_param_400(1, T, params, P "challenge_value");
		snprintf(params, sizeof(params),
		    "{\"validation_method\":\"%s\"," CV("a") ",\"dns_record_type\":\"TXT\"}",
		    methods[i]);
		expect_param_400(2, T, params, P "dns_record_type");
		snprintf(params, sizeof(params),
		    "{\"validation_method\":\"%s\"," CV("a") ",\"dns_name_prefix\":\"a/b\"}",
		    methods[i]);
		expect_param_400(3, T, params, P "dns_name_prefix");
		snprintf(params, sizeof(params),
		    "{\"validation_method\":\"%s\"," CV("a") ",\"require_exact_case\":true}",
		    methods[i]);
		expect_param_400(4, T, params, P "require_exact_case");
	}
}

Test(dcv_lab, ip_address_parameter_errors_are_400)
{
	expect_param_400(5, T, "{\"validation_method\":\"ip-address\",\"dns_record_type\":\"A\"}",
	    P "challenge_value");
	expect_param_400(6, T,
	    "{\"validation_method\":\"ip-address\",\"challenge_value\":\"\","
	    "\"dns_record_type\":\"A\"}",
	    P "challenge_value");
	expect_param_400(1, T, "{\"validation_method\":\"ip-address\"," CV("1.2.3.4") "}",
	    P "dns_record_type");
	expect_param_400(2, T,
	    "{\"validation_method\":\"ip-address\"," CV("1.2.3.4") ",\"dns_record_type\":\"TXT\"}",
	    P "dns_record_type");
	expect_param_400(3, T,
	    "{\"validation_method\":\"ip-address\"," CV("1.2.3.4") ",\"dns_record_type\":\"PTR\"}",
	    P "dns_record_type");
	expect_param_400(4, T,
	    "{\"validation_method\":\"ip-address\"," CV("1.2.3.4") ",\"dns_record_type\":\"A\","
	    "\"require_exact_case\":true}",
	    P "require_exact_case");
	expect_param_400(5, T,
	    "{\"validation_method\":\"ip-address\"," CV("1.2.3.4") ",\"dns_record_type\":\"A\","
	    "\"dns_name_prefix\":\"a b\"}",
	    P "dns_name_prefix");
}

Test(dcv_lab, reverse_lookup_parameter_errors_are_400)
{
	expect_param_400(6, "1.2.3.4", "{\"validation_method\":\"" RAL "\"}", P "challenge_value");
	expect_param_400(1, "1.2.3.4",
	    "{\"validation_method\":\"" RAL "\",\"challenge_value\":\"\"}", P "challenge_value");
	expect_param_400(2, "1.2.3.4",
	    "{\"validation_method\":\"" RAL "\"," CV("host.dcv.test.")
	    ",\"dns_record_type\":\"A\"}",
	    P "dns_record_type");
	expect_param_400(3, "1.2.3.4",
	    "{\"validation_method\":\"" RAL "\"," CV("host.dcv.test.")
	    ",\"require_exact_case\":true}",
	    P "require_exact_case");
}

/* Only reverse-address-lookup has a DNS name to ask for an IP address. */
Test(dcv_lab, ip_target_for_a_method_other_than_reverse_lookup_is_400)
{
	expect_param_400(4, "1.2.3.4", "{\"validation_method\":\"acme-dns-01\"," KAH(H) "}",
	    "domain_or_ip_target");
	expect_param_400(5, "2001:1234:5678::1",
	    "{\"validation_method\":\"dns-change\"," CV("x") ",\"dns_record_type\":\"TXT\"}",
	    "domain_or_ip_target");
	expect_param_400(6, "[2001:1234:5678::1]",
	    "{\"validation_method\":\"dns-persistent\"," PERSIST_PARAMS "}", "domain_or_ip_target");
	expect_param_400(1, "1.2.3.4",
	    "{\"validation_method\":\"ip-address\"," CV("1.2.3.4") ",\"dns_record_type\":\"A\"}",
	    "domain_or_ip_target");
	expect_param_400(2, "1.2.3.4",
	    "{\"validation_method\":\"contact-email-caa\"," CV("a@example.net") "}",
	    "domain_or_ip_target");
}

Test(dcv_lab, target_that_is_not_a_domain_name_is_400)
{
	expect_param_400(3, "not a name", "{\"validation_method\":\"acme-dns-01\"," KAH(H) "}",
	    "domain_or_ip_target");
	expect_param_400(4, "a..dcv.test", "{\"validation_method\":\"acme-dns-01\"," KAH(H) "}",
	    "domain_or_ip_target");
}

