/*
 * test_http_abuse.c: perspectived's HTTP surface under abuse, on running lab
 * perspectives (security.md "perspectived's own surface", "Untrusted
 * parsing" and the "Bad input" catalogue; INTERFACES.md section 3).
 *
 * Wrong methods and paths get their status; malformed, wrongly typed and
 * out-of-range requests get 400 with a request-validation-failed body whose
 * message names the field; protocol abuse (oversized bodies, header floods,
 * CL+TE, long URIs) is refused with a 4xx or a closed connection, never a
 * 200; slow and idle clients do not keep others from being served. After
 * every test the perspective must still answer /livez.
 *
 * Raw requests go through raw_tls.c (OpenSSL with the lab client
 * certificate); nothing waits for the server's 10 s read timeout.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "lab.h"
#include "raw_tls.h"

TestSuite(http_abuse, .timeout = 60);

#define IO_MS 5000 /* bound on one raw write or read */
#define CAA_BODY "{\"domain_or_ip_target\":\"caa.secure.test\",\"request_id\":\"r-abuse\"," \
	"\"caa_check_parameters\":{\"caa_domains\":[\"ca.example.net\"]}}"
#define BAD_REQUEST_SERIES \
	"perspectived_requests_total{endpoint=\"caa\",result=\"bad_request\"}"

/* --- helpers ----------------------------------------------------------- */

static void
assert_alive(int i)
{
	struct lab_resp r;

	cr_assert_eq(lab_request(i, "/livez", "client", NULL, &r), 0,
	    "perspective %d does not answer /livez any more: %s", i, r.err);
	cr_assert_eq(r.status, 200, "/livez on perspective %d: %ld", i, r.status);
	lab_resp_free(&r);
}

static struct raw_conn *
raw_lab(int i)
{
	const struct lab *l = lab_get();
	struct raw_tls_opts o = {
		.ca = lab_pki("perspective-ca.crt"), .cert = lab_pki("client.crt"),
		.key = lab_pki("client.key"),
	};
	struct raw_conn *c;
	char err[512];

	c = raw_connect(l->p[i].addr, l->p[i].port, &o, err, sizeof(err));
	cr_assert_not_null(c, "cannot connect to perspective %d: %s", i, err);
	return c;
}

/* A heap buffer of @p n bytes of @p ch, NUL-terminated. */
static char *
filled(size_t n, char ch)
{
	char *b = malloc(n + 1);

	cr_assert_not_null(b);
	memset(b, ch, n);
	b[n] = '\0';
	return b;
}

/*
 * Send @p len raw bytes (the server may close before it has read them all)
 * and expect a refusal: a 4xx, or the connection closed without an HTTP
 * answer. Never a 200, never a hang; and the perspective keeps serving.
 */
static void
expect_refused_raw(int i, const char *req, size_t len, const char *what)
{
	struct raw_conn *c = raw_lab(i);
	struct raw_reply rep;

	(void)raw_send(c, req, len, IO_MS);
	cr_assert_eq(raw_read(c, IO_MS, &rep), 0);
	cr_assert_neq(rep.status, 200, "%s: got 200: %.300s", what, rep.data);
	if (rep.status == 0)
		cr_assert(rep.closed, "%s: no answer and the connection stayed open (%zu bytes: %.200s)",
		    what, rep.len, rep.data);
	else
		cr_assert(rep.status >= 400 && rep.status < 500, "%s: status %d: %.300s", what,
		    rep.status, rep.data);
	raw_reply_free(&rep);
	raw_close(c);
	assert_alive(i);
}

static void
expect_refused_raw_str(int i, const char *req, const char *what)
{
	expect_refused_raw(i, req, strlen(req), what);
}

static const struct json_value *
member(const struct json_value *obj, const char *key, enum json_type t)
{
	const struct json_value *v = json_get(obj, key);

	cr_assert_not_null(v, "member \"%s\" missing", key);
	cr_assert_eq(v->type, t, "member \"%s\" is a %s, expected a %s", key,
	    json_type_name(v->type), json_type_name(t));
	return v;
}

/* Check a 400 body: {"error":"request-validation-failed","validation_issues":
 * [{"issue_type":...,"message":...}]} with @p needle in the message. */
static void
check_400_body(const char *body, size_t len, const char *needle, const char *what)
{
	const struct json_value *root, *issues, *issue;
	struct json_doc *doc;
	const char *msg;
	char err[256];

	doc = json_parse(body, len, NULL, err, sizeof(err));
	cr_assert_not_null(doc, "%s: the 400 body is not JSON (%s): %s", what, err, body);
	root = json_root(doc);
	cr_assert_eq(root->type, JSON_OBJECT);
	cr_assert_eq(root->u.obj.n, 2, "%s: %s", what, body);
	cr_assert_str_eq(root->u.obj.members[0].key, "error");
	cr_assert_str_eq(root->u.obj.members[1].key, "validation_issues");
	cr_assert_str_eq(member(root, "error", JSON_STRING)->u.str.s, "request-validation-failed");
	issues = member(root, "validation_issues", JSON_ARRAY);
	cr_assert_geq(issues->u.arr.n, 1, "%s: no validation issue", what);
	issue = issues->u.arr.items[0];
	cr_assert_eq(issue->type, JSON_OBJECT);
	cr_assert_gt(strlen(member(issue, "issue_type", JSON_STRING)->u.str.s), 0);
	msg = member(issue, "message", JSON_STRING)->u.str.s;
	cr_assert_not_null(strstr(msg, needle), "%s: the message does not say \"%s\": %s", what,
	    needle, msg);
	json_doc_free(doc);
}

/* POST /caa @p body (a C string) and expect 400 naming @p needle. */
static void
expect_400(int i, const char *body, const char *needle)
{
	struct lab_req_opts o = { 0 };
	struct lab_resp r;

	cr_assert_eq(lab_request_opts(i, "/caa", "client", body, &o, &r), 0, "%s: %s", needle,
	    r.err);
	cr_assert_eq(r.status, 400, "status %ld for %.200s: %s", r.status, body, r.body);
	check_400_body(r.body, r.len, needle, body);
	lab_resp_free(&r);
}

/* A request through curl with method @p method; expect @p status and a
 * JSON {"error": ...} body. */
static void
expect_status(int i, const char *method, const char *path, const char *body, long status)
{
	struct lab_req_opts o = { .method = method };
	struct lab_resp r;
	struct json_doc *doc;
	char err[256];

	cr_assert_eq(lab_request_opts(i, path, "client", body, &o, &r), 0, "%s %s: %s",
	    method ? method : (body ? "POST" : "GET"), path, r.err);
	cr_assert_eq(r.status, status, "%s %s: %ld, expected %ld: %s",
	    method ? method : (body ? "POST" : "GET"), path, r.status, status, r.body);
	doc = json_parse(r.body, r.len, NULL, err, sizeof(err));
	cr_assert_not_null(doc, "not JSON (%s): %s", err, r.body);
	cr_assert_eq(member(json_root(doc), "error", JSON_STRING)->type, JSON_STRING);
	json_doc_free(doc);
	lab_resp_free(&r);
}

/* --- methods and paths -------------------------------------------------- */

Test(http_abuse, get_on_caa_is_405)
{
	expect_status(2, NULL, "/caa", NULL, 405);
	assert_alive(2);
}

Test(http_abuse, put_and_delete_on_caa_are_405)
{
	expect_status(2, "PUT", "/caa", CAA_BODY, 405);
	expect_status(2, "DELETE", "/caa", NULL, 405);
	assert_alive(2);
}

Test(http_abuse, unknown_path_is_404)
{
	expect_status(2, NULL, "/nope", NULL, 404);
	expect_status(2, NULL, "/caa/", NULL, 404);
	expect_status(2, NULL, "/mpic", CAA_BODY, 404);
	assert_alive(2);
}

/* Every method is served; a request missing its parameters is a 400. */
Test(http_abuse, dcv_without_the_method_parameters_is_400)
{
	expect_status(2, NULL, "/dcv", "{\"domain_or_ip_target\":\"example.com\","
	    "\"dcv_check_parameters\":{\"validation_method\":\"acme-http-01\"}}", 400);
	expect_status(2, NULL, "/dcv", NULL, 405);
	assert_alive(2);
}

Test(http_abuse, post_on_a_status_route_is_405)
{
	expect_status(2, NULL, "/livez", "{}", 405);
	assert_alive(2);
}

Test(http_abuse, post_without_a_body_is_400)
{
	expect_400(2, "", "empty body");
	assert_alive(2);
}

Test(http_abuse, post_without_content_length_is_400)
{
	struct raw_conn *c = raw_lab(2);
	struct raw_reply rep;

	cr_assert_eq(raw_send_str(c, "POST /caa HTTP/1.1\r\nHost: p\r\nConnection: close\r\n\r\n",
	    IO_MS), 0);
	cr_assert_eq(raw_read(c, IO_MS, &rep), 0);
	cr_assert_eq(rep.status, 400, "%s", rep.data);
	raw_reply_free(&rep);
	raw_close(c);
	assert_alive(2);
}

/* --- malformed JSON ----------------------------------------------------- */

Test(http_abuse, malformed_json_corpus_is_400)
{
	static const struct {
		const char *body, *needle;
	} corpus[] = {
		{ "{\"domain_or_ip_target\":\"caa.secure.test\"", "parse error" },
		{ "{\"domain_or_ip_target\":\"caa.secure.test\",", "parse error" },
		{ "{\"domain_or_ip_target\":\"caa.sec", "parse error" },
		{ "{", "parse error" },
		{ "{\"domain_or_ip_target\":\"caa.secure.test\"} x", "trailing garbage" },
		{ "{\"domain_or_ip_target\":\"caa.secure.test\"}{}", "trailing garbage" },
		{ "{\"domain_or_ip_target\":\"caa.secure.test\" /* c */}", "comment" },
		{ "// c\n{\"domain_or_ip_target\":\"caa.secure.test\"}", "comment" },
		{ "{\"domain_or_ip_target\":\"caa.secure.test\",\"x\":NaN}", "parse error" },
		{ "{\"domain_or_ip_target\":\"caa.secure.test\",\"x\":Infinity}", "parse error" },
		{ "{\"domain_or_ip_target\":\"caa.secure.test\",\"x\":-Infinity}", "parse error" },
		{ "{\"domain_or_ip_target\":\"caa.secure.test\",\"x\":1e999}", "range" },
		{ "\xef\xbb\xbf{\"domain_or_ip_target\":\"caa.secure.test\"}", "byte-order mark" },
		{ "{\"domain_or_ip_target\":\"caa.secure.test\",\"x\":\"\\ud800\"}", "surrogate" },
		{ "{\"domain_or_ip_target\":\"caa.secure.test\",\"x\":\"\\udc00x\"}", "surrogate" },
		{ "{\"domain_or_ip_target\":\"caa.secure.test\",\"x\":\"\\ud800\\u0041\"}",
		    "surrogate" },
		{ "{\"domain_or_ip_target\":\"caa\\u0000.secure.test\"}", "NUL" },
		{ "{\"domain_or_ip_target\":\"caa.secure.test\",\"k\\u0000\":1}", "NUL" },
		{ "{\"domain_or_ip_target\":\"caa.secure.test\","
		  "\"domain_or_ip_target\":\"deny.secure.test\"}", "duplicate key" },
		{ "{\"domain_or_ip_target\":\"caa.secure.test\",\"caa_check_parameters\":"
		  "{\"caa_domains\":[\"a.example\"],\"caa_domains\":[\"ca.example.net\"]}}",
		    "duplicate key" },
		{ "[\"caa.secure.test\"]", "JSON object" },
		{ "\"caa.secure.test\"", "JSON object" },
		{ "null", "JSON object" },
		{ "42", "JSON object" },
		{ "{\"domain_or_ip_target\":'caa.secure.test'}", "parse error" },
		{ "{domain_or_ip_target:\"caa.secure.test\"}", "parse error" },
		{ "{\"domain_or_ip_target\":\"caa.secure.test\",\"x\":99999999999999999999}",
		    "range" },
		{ "{\"domain_or_ip_target\":\"caa.secure.test\",\"x\":[1,]}", "parse error" },
		{ "{\"domain_or_ip_target\":\"caa\xff.secure.test\"}", "utf" },
		{ "{\"domain_or_ip_target\":\"caa\xc0\xae.secure.test\"}", "utf" },
		{ "{\"domain_or_ip_target\":\"caa\xed\xa0\x80.secure.test\"}", "utf" },
	};

	for (size_t k = 0; k < sizeof(corpus) / sizeof(corpus[0]); k++)
		expect_400(2, corpus[k].body, corpus[k].needle);
	assert_alive(2);
}

Test(http_abuse, raw_nul_byte_in_the_body_is_400)
{
	static const char body[] = "{\"domain_or_ip_target\":\"caa\0.secure.test\"}";
	struct raw_conn *c = raw_lab(2);
	struct raw_reply rep;
	char head[256];
	int n;

	n = snprintf(head, sizeof(head), "POST /caa HTTP/1.1\r\nHost: p\r\nContent-Type: "
	    "application/json\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
	    sizeof(body) - 1);
	cr_assert_eq(raw_send(c, head, (size_t)n, IO_MS), 0);
	cr_assert_eq(raw_send(c, body, sizeof(body) - 1, IO_MS), 0);
	cr_assert_eq(raw_read(c, IO_MS, &rep), 0);
	cr_assert_eq(rep.status, 400, "%s", rep.data);
	cr_assert_not_null(strstr(rep.data, "\"request-validation-failed\""), "%s", rep.data);
	raw_reply_free(&rep);
	raw_close(c);
	assert_alive(2);
}

/* 100,000 levels are 100,000 bytes: over the 64 KiB body limit, refused
 * from Content-Length before any parsing. */
Test(http_abuse, nesting_100k_deep_is_refused)
{
	char *deep = filled(100000, '[');
	struct lab_req_opts o = { .timeout_ms = 10000 };
	struct lab_resp r;

	lab_request_opts(3, "/caa", "client", deep, &o, &r);
	cr_assert_neq(r.status, 200, "100k-deep nesting got 200: %s", r.body);
	cr_assert(r.status == 0 || (r.status >= 400 && r.status < 500), "status %ld", r.status);
	lab_resp_free(&r);
	free(deep);
	assert_alive(3);
}

/* Within the body limit the depth limit (32) refuses it. */
Test(http_abuse, nesting_deeper_than_32_within_the_body_limit_is_400)
{
	char *deep = filled(60000, '[');
	char objs[2048];
	size_t o = 0;

	expect_400(3, deep, "nesting");
	free(deep);
	for (int d = 0; d < 40; d++)
		o += (size_t)snprintf(objs + o, sizeof(objs) - o, "{\"a\":");
	o += (size_t)snprintf(objs + o, sizeof(objs) - o, "1");
	for (int d = 0; d < 40; d++)
		o += (size_t)snprintf(objs + o, sizeof(objs) - o, "}");
	expect_400(3, objs, "nesting");
	expect_400(3, "{\"domain_or_ip_target\":\"caa.secure.test\",\"caa_check_parameters\":"
	    "{\"x\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}}",
	    "nesting");
	assert_alive(3);
}

/* --- wrong types and bad values: the message names the field ----------- */

Test(http_abuse, wrong_types_name_the_field)
{
	static const struct {
		const char *body, *field;
	} cases[] = {
		{ "{\"domain_or_ip_target\":5}", "domain_or_ip_target" },
		{ "{\"domain_or_ip_target\":true}", "domain_or_ip_target" },
		{ "{\"domain_or_ip_target\":[\"caa.secure.test\"]}", "domain_or_ip_target" },
		{ "{\"domain_or_ip_target\":{}}", "domain_or_ip_target" },
		{ "{\"domain_or_ip_target\":\"caa.secure.test\",\"trace_identifier\":5}",
		    "trace_identifier" },
		{ "{\"domain_or_ip_target\":\"caa.secure.test\",\"trace_identifier\":{}}",
		    "trace_identifier" },
		{ "{\"domain_or_ip_target\":\"caa.secure.test\",\"request_id\":true}", "request_id" },
		{ "{\"domain_or_ip_target\":\"caa.secure.test\",\"request_id\":7}", "request_id" },
		{ "{\"domain_or_ip_target\":\"caa.secure.test\",\"caa_check_parameters\":5}",
		    "caa_check_parameters" },
		{ "{\"domain_or_ip_target\":\"caa.secure.test\",\"caa_check_parameters\":[]}",
		    "caa_check_parameters" },
		{ "{\"domain_or_ip_target\":\"caa.secure.test\",\"caa_check_parameters\":\"x\"}",
		    "caa_check_parameters" },
		{ "{\"domain_or_ip_target\":\"caa.secure.test\","
		  "\"caa_check_parameters\":{\"certificate_type\":1}}",
		    "caa_check_parameters.certificate_type" },
		{ "{\"domain_or_ip_target\":\"caa.secure.test\","
		  "\"caa_check_parameters\":{\"caa_domains\":\"ca.example.net\"}}",
		    "caa_check_parameters.caa_domains" },
		{ "{\"domain_or_ip_target\":\"caa.secure.test\","
		  "\"caa_check_parameters\":{\"caa_domains\":{}}}",
		    "caa_check_parameters.caa_domains" },
		{ "{\"domain_or_ip_target\":\"caa.secure.test\","
		  "\"caa_check_parameters\":{\"caa_domains\":[\"ca.example.net\",1]}}",
		    "caa_check_parameters.caa_domains[1]" },
		{ "{\"domain_or_ip_target\":\"caa.secure.test\","
		  "\"caa_check_parameters\":{\"caa_domains\":[null]}}",
		    "caa_check_parameters.caa_domains[0]" },
		{ "{\"domain_or_ip_target\":\"caa.secure.test\",\"caa_check_parameters\":"
		  "{\"caa_domains\":[\"ca.example.net\"],\"allow_lookup_failure\":\"yes\"}}",
		    "caa_check_parameters.allow_lookup_failure" },
		{ "{\"domain_or_ip_target\":\"caa.secure.test\",\"caa_check_parameters\":"
		  "{\"caa_domains\":[\"ca.example.net\"],\"allow_lookup_failure\":1}}",
		    "caa_check_parameters.allow_lookup_failure" },
		{ "{\"domain_or_ip_target\":\"caa.secure.test\",\"caa_check_parameters\":"
		  "{\"caa_domains\":[\"ca.example.net\"],\"account_uri\":1}}",
		    "caa_check_parameters.account_uri" },
		{ "{\"domain_or_ip_target\":\"caa.secure.test\",\"caa_check_parameters\":"
		  "{\"caa_domains\":[\"ca.example.net\"],\"validation_method\":[]}}",
		    "caa_check_parameters.validation_method" },
	};

	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++)
		expect_400(4, cases[k].body, cases[k].field);
	assert_alive(4);
}

Test(http_abuse, bad_targets_name_domain_or_ip_target)
{
	static const char *const targets[] = {
		"",                             /* empty */
		"caa..secure.test",             /* empty label */
		".secure.test",
		"a.*.secure.test",              /* misplaced wildcard */
		"*.*.secure.test",
		"caa.secure.*",
		"*caa.secure.test",
		"a_b.secure.test",              /* underscore */
		"_caa.secure.test",
		"caa secure.test",              /* space */
		"-caa.secure.test",             /* leading hyphen */
		"xn--zz.secure.test",           /* bad A-label */
		"caa.secure.test\\n",           /* control character */
		"[192.0.2.1]",                  /* brackets around IPv4 */
		"[2001:db8::1",                 /* unbalanced bracket */
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.secure.test",
		NULL,
	};
	char body[2048];

	for (size_t k = 0; targets[k] != NULL; k++) {
		snprintf(body, sizeof(body), "{\"domain_or_ip_target\":\"%s\",\"caa_check_parameters\":"
		    "{\"caa_domains\":[\"ca.example.net\"]}}", targets[k]);
		expect_400(4, body, "domain_or_ip_target");
	}
	expect_400(4, "{\"caa_check_parameters\":{\"caa_domains\":[\"ca.example.net\"]}}",
	    "domain_or_ip_target");
	expect_400(4, "{\"domain_or_ip_target\":null}", "domain_or_ip_target");
	assert_alive(4);
}

Test(http_abuse, overlong_targets_name_domain_or_ip_target)
{
	char body[4096], name[3000];
	size_t o = 0;

	/* 254 octets in 63-octet labels: over the 253 limit. */
	while (o < 254) {
		size_t lab = 254 - o > 63 ? 63 : 254 - o;

		memset(name + o, 'a', lab);
		o += lab;
		if (o < 254)
			name[o++] = '.';
	}
	name[o] = '\0';
	snprintf(body, sizeof(body), "{\"domain_or_ip_target\":\"%s\"}", name);
	expect_400(4, body, "domain_or_ip_target");
	/* Far over everything: 2,000 bytes. */
	memset(name, 'a', 2000);
	for (size_t k = 50; k < 2000; k += 51)
		name[k] = '.';
	name[2000] = '\0';
	snprintf(body, sizeof(body), "{\"domain_or_ip_target\":\"%s\"}", name);
	expect_400(4, body, "domain_or_ip_target");
	assert_alive(4);
}

Test(http_abuse, request_id_over_64_characters_is_400)
{
	expect_400(4, "{\"domain_or_ip_target\":\"caa.secure.test\",\"request_id\":"
	    "\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0\","
	    "\"caa_check_parameters\":{\"caa_domains\":[\"ca.example.net\"]}}", "request_id");
	expect_400(4, "{\"domain_or_ip_target\":\"caa.secure.test\",\"request_id\":\"a\\nb\","
	    "\"caa_check_parameters\":{\"caa_domains\":[\"ca.example.net\"]}}", "request_id");
	expect_400(4, "{\"domain_or_ip_target\":\"caa.secure.test\",\"trace_identifier\":"
	    "\"a\\u001bb\",\"caa_check_parameters\":{\"caa_domains\":[\"ca.example.net\"]}}",
	    "trace_identifier");
	assert_alive(4);
}

Test(http_abuse, enum_values_are_case_sensitive_and_checked)
{
	expect_400(4, "{\"domain_or_ip_target\":\"caa.secure.test\",\"caa_check_parameters\":"
	    "{\"caa_domains\":[\"ca.example.net\"],\"certificate_type\":\"TLS-SERVER\"}}",
	    "caa_check_parameters.certificate_type");
	expect_400(4, "{\"domain_or_ip_target\":\"caa.secure.test\",\"caa_check_parameters\":"
	    "{\"caa_domains\":[\"ca.example.net\"],\"certificate_type\":\"smime\"}}",
	    "caa_check_parameters.certificate_type");
	expect_400(4, "{\"domain_or_ip_target\":\"caa.secure.test\",\"caa_check_parameters\":"
	    "{\"caa_domains\":[\"ca.example.net\"],\"validation_method\":\"carrier pigeon\"}}",
	    "caa_check_parameters.validation_method");
	expect_400(4, "{\"domain_or_ip_target\":\"caa.secure.test\",\"caa_check_parameters\":"
	    "{\"caa_domains\":[\"ca.example.net\"],\"account_uri\":\"\"}}",
	    "caa_check_parameters.account_uri");
	expect_400(4, "{\"domain_or_ip_target\":\"caa.secure.test\",\"caa_check_parameters\":"
	    "{\"caa_domains\":[\"bad..example\"]}}", "caa_check_parameters.caa_domains[0]");
	assert_alive(4);
}

Test(http_abuse, more_caa_domains_than_the_limit_is_400)
{
	char body[4096];
	size_t o;

	o = (size_t)snprintf(body, sizeof(body), "{\"domain_or_ip_target\":\"caa.secure.test\","
	    "\"caa_check_parameters\":{\"caa_domains\":[");
	for (int k = 0; k < 40; k++)
		o += (size_t)snprintf(body + o, sizeof(body) - o, "%s\"ca%d.example.net\"",
		    k > 0 ? "," : "", k);
	snprintf(body + o, sizeof(body) - o, "]}}");
	expect_400(4, body, "caa_check_parameters.caa_domains");
	assert_alive(4);
}

/* Each ceiling of the decoder and of the request fields, one step over. */
Test(http_abuse, oversized_fields_and_documents_are_400)
{
	char *pad = filled(9000, 'k');
	char *body = malloc(32768);
	size_t o;

	cr_assert_not_null(body);
	snprintf(body, 32768, "{\"domain_or_ip_target\":\"caa.secure.test\",\"%s\":1}", pad);
	expect_400(2, body, "longer than 8192");
	snprintf(body, 32768, "{\"domain_or_ip_target\":\"caa.secure.test\",\"x\":\"%s\"}", pad);
	expect_400(2, body, "longer than 8192");
	pad[300] = '\0';
	snprintf(body, 32768, "{\"domain_or_ip_target\":\"caa.secure.test\","
	    "\"trace_identifier\":\"%s\"}", pad);
	expect_400(2, body, "trace_identifier");
	pad[300] = 'k';
	pad[1100] = '\0';
	snprintf(body, 32768, "{\"domain_or_ip_target\":\"caa.secure.test\",\"caa_check_parameters\":"
	    "{\"caa_domains\":[\"ca.example.net\"],\"account_uri\":\"https://%s\"}}", pad);
	expect_400(2, body, "caa_check_parameters.account_uri");
	/* 5,000 values in an ignored field: over the node ceiling all the same. */
	o = (size_t)snprintf(body, 32768, "{\"domain_or_ip_target\":\"caa.secure.test\",\"x\":[");
	for (int k = 0; k < 5000; k++)
		o += (size_t)snprintf(body + o, 32768 - o, "%s1", k > 0 ? "," : "");
	snprintf(body + o, 32768 - o, "]}");
	expect_400(2, body, "values");
	free(body);
	free(pad);
	assert_alive(2);
}

/* --- protocol abuse ---------------------------------------------------- */

Test(http_abuse, content_length_100000_is_refused_before_the_body)
{
	expect_refused_raw_str(5, "POST /caa HTTP/1.1\r\nHost: p\r\nContent-Type: "
	    "application/json\r\nContent-Length: 100000\r\n\r\n{\"domain_or_ip_target\":",
	    "Content-Length 100000");
}

Test(http_abuse, actual_70_kib_body_is_refused)
{
	size_t n = 70 * 1024;
	char head[256];
	char *body = filled(n, ' '), *req;
	int hl;

	/* Valid JSON padded with whitespace, so only its size is wrong. */
	memcpy(body, CAA_BODY, strlen(CAA_BODY));
	hl = snprintf(head, sizeof(head), "POST /caa HTTP/1.1\r\nHost: p\r\nContent-Type: "
	    "application/json\r\nContent-Length: %zu\r\n\r\n", n);
	cr_assert_not_null(req = malloc((size_t)hl + n));
	memcpy(req, head, (size_t)hl);
	memcpy(req + hl, body, n);
	expect_refused_raw(5, req, (size_t)hl + n, "70 KiB body with Content-Length");
	free(req);

	/* The same without Content-Length, in chunks: the server cannot refuse it
	 * up front and must stop buffering at the limit. */
	{
		struct raw_conn *c = raw_lab(5);
		struct raw_reply rep;
		char chunk[64];

		(void)raw_send_str(c, "POST /caa HTTP/1.1\r\nHost: p\r\nContent-Type: "
		    "application/json\r\nTransfer-Encoding: chunked\r\n\r\n", IO_MS);
		for (size_t off = 0; off < n; off += 8192) {
			size_t len = n - off > 8192 ? 8192 : n - off;

			snprintf(chunk, sizeof(chunk), "%zx\r\n", len);
			if (raw_send_str(c, chunk, IO_MS) == -1 || raw_send(c, body + off, len,
			    IO_MS) == -1 || raw_send_str(c, "\r\n", IO_MS) == -1)
				break;
		}
		(void)raw_send_str(c, "0\r\n\r\n", IO_MS);
		cr_assert_eq(raw_read(c, IO_MS, &rep), 0);
		cr_assert_neq(rep.status, 200, "70 KiB chunked body got 200: %.300s", rep.data);
		cr_assert(rep.status == 0 ? rep.closed : rep.status >= 400 && rep.status < 500,
		    "70 KiB chunked body: status %d, closed %d: %.300s", rep.status, rep.closed,
		    rep.data);
		raw_reply_free(&rep);
		raw_close(c);
	}
	free(body);
	assert_alive(5);
}

Test(http_abuse, bad_content_length_values_are_refused)
{
	static const char *const values[] = { "-1", "abc", "1 2", "18446744073709551616",
		"0x10", NULL };
	char req[512];

	for (size_t k = 0; values[k] != NULL; k++) {
		snprintf(req, sizeof(req), "POST /caa HTTP/1.1\r\nHost: p\r\nContent-Length: %s\r\n"
		    "\r\n{}", values[k]);
		expect_refused_raw_str(5, req, values[k]);
	}
}

Test(http_abuse, ten_thousand_headers_are_refused)
{
	size_t cap = 10000 * 32 + 256, o;
	char *req = malloc(cap);

	cr_assert_not_null(req);
	o = (size_t)snprintf(req, cap, "GET /livez HTTP/1.1\r\nHost: p\r\n");
	for (int k = 0; k < 10000; k++)
		o += (size_t)snprintf(req + o, cap - o, "X-Header-%d: v\r\n", k);
	o += (size_t)snprintf(req + o, cap - o, "\r\n");
	expect_refused_raw(5, req, o, "10,000 headers");
	free(req);
}

Test(http_abuse, one_16_kib_header_line_is_refused)
{
	size_t n = 16 * 1024, o;
	char *req = malloc(n + 256);

	cr_assert_not_null(req);
	o = (size_t)snprintf(req, n + 256, "GET /livez HTTP/1.1\r\nHost: p\r\nX-Big: ");
	memset(req + o, 'a', n);
	o += n;
	memcpy(req + o, "\r\n\r\n", 4);
	o += 4;
	expect_refused_raw(5, req, o, "16 KiB header line");
	free(req);
}

Test(http_abuse, content_length_with_transfer_encoding_is_refused)
{
	expect_refused_raw_str(6, "POST /caa HTTP/1.1\r\nHost: p\r\nContent-Type: "
	    "application/json\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "2\r\n{}\r\n0\r\n\r\n", "Content-Length with Transfer-Encoding");
	expect_refused_raw_str(6, "POST /caa HTTP/1.1\r\nHost: p\r\nTransfer-Encoding: chunked\r\n"
	    "Content-Length: 4\r\n\r\n2\r\n{}\r\n0\r\n\r\n", "Transfer-Encoding with Content-Length");
}

Test(http_abuse, three_kib_uri_is_refused)
{
	char *pad = filled(3 * 1024, 'a');
	char req[4096];

	snprintf(req, sizeof(req), "GET /%s HTTP/1.1\r\nHost: p\r\n\r\n", pad);
	expect_refused_raw_str(6, req, "3 KiB path");
	snprintf(req, sizeof(req), "GET /livez?%s HTTP/1.1\r\nHost: p\r\n\r\n", pad);
	expect_refused_raw_str(6, req, "3 KiB query");
	snprintf(req, sizeof(req), "POST /caa?%s HTTP/1.1\r\nHost: p\r\nContent-Length: 2\r\n\r\n{}",
	    pad);
	expect_refused_raw_str(6, req, "3 KiB query on /caa");
	free(pad);
}

Test(http_abuse, garbage_request_lines_are_refused)
{
	expect_refused_raw_str(6, "GARBAGE\r\n\r\n", "garbage request line");
	expect_refused_raw_str(6, "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", "a TLS hello "
	    "inside TLS");
}

/* --- slow and idle clients ---------------------------------------------- */

static void
real_check_succeeds(int i)
{
	struct lab_resp r;

	cr_assert_eq(lab_request(i, "/caa", "client", CAA_BODY, &r), 0, "%s", r.err);
	cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
	cr_assert_not_null(strstr(r.body, "\"check_passed\":true"), "%s", r.body);
	lab_resp_free(&r);
	assert_alive(i);
}

Test(http_abuse, stalled_half_request_does_not_block_other_clients)
{
	struct raw_conn *heads = raw_lab(6), *body = raw_lab(6);
	struct raw_reply rep;
	char req[512];
	size_t half = strlen(CAA_BODY) / 2;

	/* One stalls inside its headers, one halfway through its body. */
	cr_assert_eq(raw_send_str(heads, "POST /caa HTTP/1.1\r\nHost: p\r\nContent-Ty", IO_MS), 0);
	snprintf(req, sizeof(req), "POST /caa HTTP/1.1\r\nHost: p\r\nContent-Type: "
	    "application/json\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%.*s",
	    strlen(CAA_BODY), (int)half, CAA_BODY);
	cr_assert_eq(raw_send_str(body, req, IO_MS), 0);

	for (int k = 0; k < 3; k++)
		real_check_succeeds(6);

	/* The stalled body is still waited for, and answered once complete. */
	cr_assert_eq(raw_send_str(body, CAA_BODY + half, IO_MS), 0);
	cr_assert_eq(raw_read(body, 15000, &rep), 0);
	cr_assert_eq(rep.status, 200, "the completed slow request: %.300s", rep.data);
	raw_reply_free(&rep);
	raw_close(body);
	raw_close(heads);
	assert_alive(6);
}

Test(http_abuse, two_hundred_idle_tls_connections_do_not_block_a_request)
{
	enum { N_IDLE = 200 };
	struct raw_conn *idle[N_IDLE];
	double conns;
	int open = 0;

	/* lab max_connections is the default 1024: 200 stay well below it. */
	for (int k = 0; k < N_IDLE; k++)
		idle[k] = raw_lab(4);
	for (int k = 0; k < N_IDLE; k++)
		open += raw_is_open(idle[k]);
	cr_assert_eq(open, N_IDLE, "the server closed %d idle connections at once",
	    N_IDLE - open);
	conns = lab_metric(4, "perspectived_connections");
	cr_assert_geq(conns, N_IDLE, "perspectived_connections is %g with %d held open", conns,
	    N_IDLE);
	real_check_succeeds(4);
	for (int k = 0; k < N_IDLE; k++)
		raw_close(idle[k]);
	assert_alive(4);
}

Test(http_abuse, keep_alive_connection_serves_several_requests)
{
	struct raw_conn *c = raw_lab(4);
	char req[512];

	snprintf(req, sizeof(req), "POST /caa HTTP/1.1\r\nHost: p\r\nContent-Type: "
	    "application/json\r\nContent-Length: %zu\r\n\r\n%s", strlen(CAA_BODY), CAA_BODY);
	for (int k = 0; k < 3; k++) {
		struct raw_reply rep;

		cr_assert_eq(raw_send_str(c, req, IO_MS), 0);
		cr_assert_eq(raw_read(c, 15000, &rep), 0);
		cr_assert_eq(rep.status, 200, "request %d on one connection: %.300s", k, rep.data);
		raw_reply_free(&rep);
	}
	raw_close(c);
	assert_alive(4);
}

/*
 * The client sends a check that takes a while (the silent name server: the
 * resolver gives up after its own deadline) and leaves at once. The answer
 * then has no connection to go to; the daemon must drop it cleanly. This
 * waits for the check's log line, i.e. for the resolver's deadline.
 */
Test(http_abuse, client_leaving_during_a_check_does_not_hurt_the_daemon)
{
	static const char body[] = "{\"domain_or_ip_target\":\"www.timeout.test\","
	    "\"request_id\":\"r-client-gone\",\"caa_check_parameters\":"
	    "{\"caa_domains\":[\"ca.example.net\"]}}";
	size_t mark = lab_log_size(2);
	struct raw_conn *c = raw_lab(2);
	char req[512], *line;

	snprintf(req, sizeof(req), "POST /caa HTTP/1.1\r\nHost: p\r\nContent-Type: "
	    "application/json\r\nContent-Length: %zu\r\n\r\n%s", strlen(body), body);
	cr_assert_eq(raw_send_str(c, req, IO_MS), 0);
	raw_close(c);
	line = lab_log_wait_line(2, mark, "caa www.timeout.test: ", "request_id r-client-gone",
	    20000);
	cr_assert_not_null(line, "the abandoned check never finished");
	free(line);
	assert_alive(2);
	real_check_succeeds(2);
}

/* --- observability ------------------------------------------------------ */

Test(http_abuse, metrics_count_bad_requests)
{
	double before, after, before4xx, after4xx;

	before = lab_metric(1, BAD_REQUEST_SERIES);
	before4xx = lab_metric(1, "perspectived_http_responses_total{code=\"4xx\"}");
	cr_assert_geq(before, 0, "no %s in /metrics", BAD_REQUEST_SERIES);
	cr_assert_geq(before4xx, 0, "no 4xx response counter in /metrics");
	expect_400(1, "{", "parse error");
	expect_400(1, "{\"domain_or_ip_target\":5}", "domain_or_ip_target");
	expect_400(1, "[]", "JSON object");
	after = lab_metric(1, BAD_REQUEST_SERIES);
	after4xx = lab_metric(1, "perspectived_http_responses_total{code=\"4xx\"}");
	cr_assert_geq(after, before + 3, "bad_request went from %g to %g after 3 bad requests",
	    before, after);
	cr_assert_geq(after4xx, before4xx + 3, "4xx went from %g to %g", before4xx, after4xx);
	assert_alive(1);
}

Test(http_abuse, readyz_says_ready)
{
	const struct lab *l = lab_get();

	for (int i = 1; i <= l->n; i++) {
		struct lab_resp r;
		struct json_doc *doc;
		const struct json_value *root;
		char err[256];

		cr_assert_eq(lab_status_get(i, "/readyz", &r), 0, "%s", r.err);
		cr_assert_eq(r.status, 200, "perspective %d /readyz: %ld %s", i, r.status, r.body);
		doc = json_parse(r.body, r.len, NULL, err, sizeof(err));
		cr_assert_not_null(doc, "%s: %s", err, r.body);
		root = json_root(doc);
		cr_assert_str_eq(member(root, "status", JSON_STRING)->u.str.s, "ready");
		cr_assert_str_eq(member(root, "perspective_code", JSON_STRING)->u.str.s, l->p[i].code);
		cr_assert_str_eq(member(root, "rir", JSON_STRING)->u.str.s, l->p[i].rir);
		json_doc_free(doc);
		lab_resp_free(&r);
		/* The same over the API port, with mutual TLS. */
		cr_assert_eq(lab_request(i, "/readyz", "client", NULL, &r), 0, "%s", r.err);
		cr_assert_eq(r.status, 200);
		cr_assert_not_null(strstr(r.body, "\"status\":\"ready\""), "%s", r.body);
		lab_resp_free(&r);
	}
}
