/*
 * test_spec.c: spec/perspective-api.yaml stays true. The keys the encoder
 * writes, in the order it writes them, must be the `required` list of the
 * matching schema in the specification.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_request.h"
#include "dcv_request.h"
#include "json.h"

#define SPEC "spec/perspective-api.yaml"
#define MAX_KEYS 32

struct keys {
	char v[MAX_KEYS][64];
	size_t n;
};

static char *
read_spec(void)
{
	FILE *fp = fopen(SPEC, "r");
	char *buf;
	size_t n;

	cr_assert_not_null(fp, "cannot open %s", SPEC);
	buf = calloc(1, 256 * 1024);
	cr_assert_not_null(buf);
	n = fread(buf, 1, 256 * 1024 - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	return buf;
}

/* The `required: [a, b, ...]` list (possibly over several lines) of a schema. */
static void
spec_required(const char *spec, const char *schema, struct keys *k)
{
	char header[96];
	const char *p, *end;

	snprintf(header, sizeof(header), "\n    %s:\n", schema);
	cr_assert_not_null(p = strstr(spec, header), "no schema %s in the spec", schema);
	cr_assert_not_null(p = strstr(p, "required: ["), "no required list for %s", schema);
	p += strlen("required: [");
	cr_assert_not_null(end = strchr(p, ']'));
	k->n = 0;
	while (p < end) {
		size_t len = 0;

		while (p < end && (*p == ' ' || *p == ',' || *p == '\n'))
			p++;
		while (p + len < end && p[len] != ',' && p[len] != ' ' && p[len] != '\n')
			len++;
		if (len > 0) {
			cr_assert_lt(k->n, MAX_KEYS);
			snprintf(k->v[k->n++], sizeof(k->v[0]), "%.*s", (int)len, p);
		}
		p += len;
	}
}

static void
object_keys(const struct json_value *obj, struct keys *k)
{
	cr_assert_eq(obj->type, JSON_OBJECT);
	k->n = 0;
	for (size_t i = 0; i < obj->u.obj.n && i < MAX_KEYS; i++)
		snprintf(k->v[k->n++], sizeof(k->v[0]), "%s", obj->u.obj.members[i].key);
}

static void
expect_same(const struct keys *spec, const struct keys *got, const char *what)
{
	cr_expect_eq(spec->n, got->n, "%s: spec lists %zu keys, the encoder writes %zu", what,
	    spec->n, got->n);
	for (size_t i = 0; i < spec->n && i < got->n; i++)
		cr_expect_str_eq(got->v[i], spec->v[i], "%s: key %zu", what, i);
}

static struct json_doc *
encode(const char *request, const struct caa_result *res)
{
	struct caa_request req;
	struct json_doc *rdoc, *doc;
	struct perspective_id who = { "us-east-2", "ARIN" };
	char err[256];
	size_t len;
	char *out;

	cr_assert_eq(caa_request_decode(request, strlen(request), &rdoc, &req, err, sizeof(err)), 0,
	    "%s", err);
	cr_assert_not_null(out = caa_response_encode(&req, res, &who, 1, &len));
	doc = json_parse(out, len, NULL, err, sizeof(err));
	cr_assert_not_null(doc, "%s: %s", err, out);
	free(out);
	json_doc_free(rdoc);
	return doc;
}

Test(spec, caa_response_keys_match_the_spec)
{
	char *spec = read_spec();
	struct keys want, got;
	struct caa_result res;
	char *seen[] = { "0 issue \"ca.example.net\"" };
	struct json_doc *doc;

	memset(&res, 0, sizeof(res));
	res.completed = res.passed = res.have_details = res.record_present = true;
	snprintf(res.found_at, sizeof(res.found_at), "example.com");
	res.records_seen = seen;
	res.n_seen = 1;
	res.dnssec = DNSSEC_SECURE;
	doc = encode("{\"domain_or_ip_target\":\"www.example.com\",\"request_id\":\"r\"}", &res);

	spec_required(spec, "CaaCheckResponse", &want);
	object_keys(json_root(doc), &got);
	expect_same(&want, &got, "CaaCheckResponse");
	spec_required(spec, "CaaDetails", &want);
	object_keys(json_get(json_root(doc), "details"), &got);
	expect_same(&want, &got, "CaaDetails");
	json_doc_free(doc);
	free(spec);
}

Test(spec, lookup_error_and_ip_responses_keep_every_key)
{
	char *spec = read_spec();
	struct keys want, got;
	struct caa_result res;
	struct json_doc *doc;
	const struct json_value *e;

	memset(&res, 0, sizeof(res));
	res.lookup_error = true;
	snprintf(res.error, sizeof(res.error), "SERVFAIL");
	doc = encode("{\"domain_or_ip_target\":\"x.example\"}", &res);
	spec_required(spec, "CaaCheckResponse", &want);
	object_keys(json_root(doc), &got);
	expect_same(&want, &got, "CaaCheckResponse after an error");
	e = json_get(json_root(doc), "errors");
	cr_assert_eq(e->type, JSON_ARRAY);
	spec_required(spec, "CheckError", &want);
	object_keys(e->u.arr.items[0], &got);
	expect_same(&want, &got, "CheckError");
	json_doc_free(doc);

	doc = encode("{\"domain_or_ip_target\":\"192.0.2.1\"}", NULL);
	spec_required(spec, "CaaDetails", &want);
	object_keys(json_get(json_root(doc), "details"), &got);
	expect_same(&want, &got, "CaaDetails for an IP target");
	json_doc_free(doc);
	free(spec);
}

Test(spec, validation_error_keys_match_the_spec)
{
	char *spec = read_spec();
	struct keys want, got;
	struct json_doc *doc;
	char err[256];
	size_t len;
	char *out = request_error_encode("invalid-request", "x: expected a string", &len);

	cr_assert_not_null(out);
	cr_assert_not_null(doc = json_parse(out, len, NULL, err, sizeof(err)), "%s", err);
	spec_required(spec, "ValidationError", &want);
	object_keys(json_root(doc), &got);
	expect_same(&want, &got, "ValidationError");
	json_doc_free(doc);
	free(out);
	free(spec);
}

Test(spec, dcv_response_keys_match_the_spec)
{
	static const char body[] = "{\"domain_or_ip_target\":\"x.example\","
	    "\"dcv_check_parameters\":{\"validation_method\":\"acme-dns-01\","
	    "\"key_authorization_hash\":\"abc\"}}";
	char *spec = read_spec();
	struct keys want, got;
	struct dcv_request req;
	struct dcv_result res;
	struct perspective_id who = { "us-east-2", "ARIN" };
	struct json_doc *rdoc, *doc;
	char err[256];
	char *seen[] = { "abc" };
	size_t seen_len[] = { 3 };
	size_t len;
	char *out;

	cr_assert_eq(dcv_request_decode(body, sizeof(body) - 1, &rdoc, &req, err, sizeof(err)), 0,
	    "%s", err);
	memset(&res, 0, sizeof(res));
	res.completed = res.passed = res.have_details = res.have_dnssec = true;
	res.records_seen = seen;
	res.seen_len = seen_len;
	res.n_seen = 1;
	snprintf(res.found_at, sizeof(res.found_at), "_acme-challenge.x.example");
	cr_assert_not_null(out = dcv_response_encode(&req, &res, &who, 1, &len));
	cr_assert_not_null(doc = json_parse(out, len, NULL, err, sizeof(err)), "%s", err);
	spec_required(spec, "DcvCheckResponse", &want);
	object_keys(json_root(doc), &got);
	expect_same(&want, &got, "DcvCheckResponse");
	spec_required(spec, "DcvDetails", &want);
	object_keys(json_get(json_root(doc), "details"), &got);
	expect_same(&want, &got, "DcvDetails");
	json_doc_free(doc);
	json_doc_free(rdoc);
	free(out);
	free(spec);
}

/* The HTTP and TLS-ALPN details objects, as the encoder writes them. */
static void
expect_details(const char *method_body, enum dcv_details_kind kind, const char *schema)
{
	char *spec = read_spec();
	struct keys want, got;
	struct dcv_request req;
	struct dcv_result res;
	struct perspective_id who = { "us-east-2", "ARIN" };
	struct json_doc *rdoc, *doc;
	char err[256], body[512];
	size_t len;
	char *out;

	snprintf(body, sizeof(body), "{\"domain_or_ip_target\":\"x.example\","
	    "\"dcv_check_parameters\":{%s}}", method_body);
	cr_assert_eq(dcv_request_decode(body, strlen(body), &rdoc, &req, err, sizeof(err)), 0,
	    "%s", err);
	memset(&res, 0, sizeof(res));
	res.completed = res.passed = res.have_details = true;
	res.kind = kind;
	cr_assert_not_null(out = dcv_response_encode(&req, &res, &who, 1, &len));
	cr_assert_not_null(doc = json_parse(out, len, NULL, err, sizeof(err)), "%s", err);
	spec_required(spec, schema, &want);
	object_keys(json_get(json_root(doc), "details"), &got);
	expect_same(&want, &got, schema);
	json_doc_free(doc);
	json_doc_free(rdoc);
	free(out);
	free(spec);
}

Test(spec, http_and_tls_alpn_details_match_the_spec)
{
	expect_details("\"validation_method\":\"acme-http-01\",\"token\":\"t\","
	    "\"key_authorization\":\"t.k\"", DCV_DETAILS_HTTP, "HttpDetails");
	expect_details("\"validation_method\":\"acme-tls-alpn-01\",\"key_authorization_hash\":"
	    "\"653471d42925d7eb4cd39a39cda8b34d3034c94cb90067ab78c8123560ba2e5f\"",
	    DCV_DETAILS_TLS_ALPN, "TlsAlpnDetails");
}
