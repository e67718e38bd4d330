/*
 * fuzz_caa_request.c: libFuzzer harness for perspectived's CaaCheckRequest
 * decoder and CheckResponse encoder (perspectived/check_request.c), the
 * first code that sees a coordinator's body.
 *
 * The whole input is the request body. caa_request_decode() runs on it:
 *   - on failure, the error text is a non-empty line and
 *     request_error_encode() turns it into a 400 body that parses back with
 *     json_parse() and carries the message unchanged;
 *   - on success, the decoded request is checked against what the decoder
 *     promises (target re-parses to itself, issuer names normalised and
 *     within CAA_MAX_DOMAINS, string fields within their ceilings and free
 *     of control characters, method label present exactly when a method
 *     is), and caa_response_encode() is run for an IP target (res NULL) and
 *     for a synthetic caa_result made from the input (arbitrary bytes in the
 *     lookup error and records_seen, every flag combination). Each response
 *     must parse back with json_parse() and say what the result said.
 * An encoder output that does not parse is a real bug: abort().
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caa.h"
#include "check_request.h"
#include "json.h"
#include "name.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "fuzz_caa_request: invariant failed: %s (%s:%d)\n", \
			    #cond, __FILE__, __LINE__);                        \
			abort();                                               \
		}                                                              \
	} while (0)

/* Limits for reading our own output back: only the size is relaxed. */
static const struct json_limits readback_limits = {
	.max_bytes = 256 * 1024,
	.max_depth = 32,
	.max_nodes = 4096,
	.max_string = 8192,
};

static bool
no_control(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

static struct json_doc *
parse_back(const char *body, size_t len, const char *what)
{
	char err[256];
	struct json_doc *doc;

	CHECK(body != NULL);
	CHECK(strlen(body) == len);
	doc = json_parse(body, len, &readback_limits, err, sizeof(err));
	if (doc == NULL || json_root(doc)->type != JSON_OBJECT) {
		fprintf(stderr, "fuzz_caa_request: %s does not parse back: %s\n%s\n", what,
		    doc == NULL ? err : "not an object", body);
		abort();
	}
	return doc;
}

static const struct json_value *
member(const struct json_value *obj, const char *key, enum json_type type)
{
	const struct json_value *v = json_get(obj, key);

	if (v == NULL || v->type != type) {
		fprintf(stderr, "fuzz_caa_request: member \"%s\" missing or not a %s\n", key,
		    json_type_name(type));
		abort();
	}
	return v;
}

/* A failed decode: the 400 body must carry the reason unchanged. */
static void
check_error_body(const char *err)
{
	struct json_doc *doc;
	const struct json_value *root, *issues, *issue;
	char *body;
	size_t len = 0;

	CHECK(err[0] != '\0');
	body = request_error_encode("invalid-request", err, &len);
	CHECK(body != NULL);
	doc = parse_back(body, len, "request_error_encode()");
	root = json_root(doc);
	CHECK(strcmp(member(root, "error", JSON_STRING)->u.str.s,
	    "request-validation-failed") == 0);
	issues = member(root, "validation_issues", JSON_ARRAY);
	CHECK(issues->u.arr.n == 1);
	issue = issues->u.arr.items[0];
	CHECK(issue->type == JSON_OBJECT);
	CHECK(strcmp(member(issue, "issue_type", JSON_STRING)->u.str.s, "invalid-request") == 0);
	/* The decoder's reasons are built from valid UTF-8, so nothing is replaced. */
	if (strcmp(member(issue, "message", JSON_STRING)->u.str.s, err) != 0) {
		fprintf(stderr, "fuzz_caa_request: message changed: \"%s\" vs \"%s\"\n",
		    member(issue, "message", JSON_STRING)->u.str.s, err);
		abort();
	}
	json_doc_free(doc);
	free(body);
}

/* What a successful decode promises about the request. */
static void
check_request(const struct caa_request *req)
{
	struct target t;
	const char *why;

	CHECK(req->common.target_raw != NULL && req->common.target_raw_len <= NAME_MAX_INPUT);
	CHECK(target_parse(req->common.target_raw, req->common.target_raw_len, NAME_ALLOW_WILDCARD, &t,
	    &why) == 0);
	CHECK(t.kind == req->common.target.kind && t.wildcard == req->common.target.wildcard);
	CHECK(strcmp(t.name, req->common.target.name) == 0);
	CHECK(req->common.target.kind == TARGET_DNS || !req->common.target.wildcard);
	if (req->common.trace_identifier != NULL)
		CHECK(strlen(req->common.trace_identifier) <= REQ_MAX_TRACE &&
		    no_control(req->common.trace_identifier, strlen(req->common.trace_identifier)));
	if (req->common.request_id != NULL)
		CHECK(strlen(req->common.request_id) <= REQ_MAX_REQUEST_ID &&
		    no_control(req->common.request_id, strlen(req->common.request_id)));
	CHECK(req->cert_type == CAA_CERT_TLS_SERVER || req->cert_type == CAA_CERT_SMIME);
	CHECK(req->n_domains <= CAA_MAX_DOMAINS);
	CHECK(req->n_domains == 0 || req->params_present);
	for (size_t i = 0; i < req->n_domains; i++) {
		char again[NAME_BUF];
		bool wild;

		CHECK(req->domains[i] == req->domain_store[i]);
		CHECK(name_normalize(req->domains[i], strlen(req->domains[i]), 0, again, &wild,
		    &why) == 0);
		CHECK(!wild && strcmp(again, req->domains[i]) == 0);
	}
	if (req->account_uri != NULL) {
		size_t n = strlen(req->account_uri);

		CHECK(n > 0 && n <= REQ_MAX_ACCOUNT_URI && no_control(req->account_uri, n));
	}
	CHECK((req->validation_method == NULL) == (req->method_label == NULL));
	if (req->method_label != NULL) {
		CHECK(strlen(req->validation_method) <= REQ_MAX_METHOD);
		CHECK(caa_method_label(req->validation_method) == req->method_label);
	}
}

/* The fields every CheckResponse has, whatever the result. */
static void
check_common(const struct json_value *root, const struct caa_request *req,
    const struct perspective_id *who, long long ts)
{
	const struct json_value *rid = json_get(root, "request_id");

	CHECK(strcmp(member(root, "check_type", JSON_STRING)->u.str.s, "caa") == 0);
	CHECK(member(root, "timestamp_ns", JSON_INT)->u.i == ts);
	CHECK(strcmp(member(root, "perspective_code", JSON_STRING)->u.str.s, who->code) == 0);
	CHECK(strcmp(member(root, "rir", JSON_STRING)->u.str.s, who->rir) == 0);
	CHECK(rid != NULL);
	if (req->common.request_id == NULL)
		CHECK(rid->type == JSON_NULL);
	else
		CHECK(rid->type == JSON_STRING && strcmp(rid->u.str.s, req->common.request_id) == 0);
	member(root, "details", JSON_OBJECT);
}

/* A NUL-terminated copy of up to @p max input bytes from @p off (any bytes). */
static char *
slice(const uint8_t *data, size_t size, size_t off, size_t max)
{
	size_t n = 0;
	char *s;

	if (off < size)
		n = size - off < max ? size - off : max;
	CHECK((s = malloc(n + 1)) != NULL);
	if (n > 0)
		memcpy(s, data + off, n);
	s[n] = '\0';
	return s;
}

static void
check_responses(const struct caa_request *req, const uint8_t *data, size_t size)
{
	static const struct perspective_id who[2] = {
		{ .code = "us-east-2", .rir = "ARIN" },
		{ .code = "eu-west-3", .rir = "RIPE NCC" },
	};
	struct caa_result res;
	struct json_doc *doc;
	const struct json_value *root, *details, *v;
	char *body, *raw;
	size_t len = 0;
	uint32_t h = 2166136261u;
	long long ts;

	/* Every flag from a hash of the body, so each request varies them. */
	for (size_t i = 0; i < size; i++)
		h = (h ^ data[i]) * 16777619u;
	ts = (h & 1) ? (long long)h * 1000003LL : -(long long)h;

	/* An IP target: CAA does not apply, the check passes without a lookup. */
	body = caa_response_encode(req, NULL, &who[h >> 31], ts, &len);
	CHECK(body != NULL);
	doc = parse_back(body, len, "caa_response_encode(res NULL)");
	root = json_root(doc);
	check_common(root, req, &who[h >> 31], ts);
	CHECK(member(root, "check_completed", JSON_BOOL)->u.b);
	CHECK(member(root, "check_passed", JSON_BOOL)->u.b);
	CHECK(member(root, "errors", JSON_NULL) != NULL);
	details = member(root, "details", JSON_OBJECT);
	CHECK(!member(details, "caa_record_present", JSON_BOOL)->u.b);
	member(details, "found_at", JSON_NULL);
	member(details, "records_seen", JSON_NULL);
	member(details, "dnssec", JSON_NULL);
	json_doc_free(doc);
	free(body);

	/* A synthetic result, with bytes from the input where the network's go. */
	memset(&res, 0, sizeof(res));
	res.completed = h & 2;
	res.passed = h & 4;
	res.lookup_error = h & 8;
	res.have_details = h & 16;
	res.record_present = h & 32;
	res.dnssec = (enum dnssec_status)((h >> 6) & 3);
	res.ttl = h;
	raw = slice(data, size, size / 3, sizeof(res.error) - 1);
	memcpy(res.error, raw, strlen(raw) + 1);
	free(raw);
	raw = slice(data, size, size / 2, sizeof(res.found_at) - 1);
	snprintf(res.found_at, sizeof(res.found_at), "%s", (h & 256) ? raw : req->common.target.name);
	free(raw);
	res.n_seen = (h >> 9) & 3;
	CHECK((res.records_seen = calloc(res.n_seen + 1, sizeof(char *))) != NULL);
	for (size_t i = 0; i < res.n_seen; i++) {
		/* The daemon's records_seen come from caa_record_text(); one raw
		 * slice stands for anything that might not. */
		char text[CAA_MAX_RECORD_TEXT];
		size_t off = size * i / 4, n = size - off < 300 ? size - off : 300;

		if (i == 2 || caa_record_text(data + off, n, text, sizeof(text)) == -1)
			res.records_seen[i] = slice(data, size, off, 300);
		else
			CHECK((res.records_seen[i] = strdup(text)) != NULL);
	}

	body = caa_response_encode(req, &res, &who[h & 1], ts, &len);
	CHECK(body != NULL);
	doc = parse_back(body, len, "caa_response_encode(res)");
	root = json_root(doc);
	check_common(root, req, &who[h & 1], ts);
	CHECK(member(root, "check_completed", JSON_BOOL)->u.b == res.completed);
	CHECK(member(root, "check_passed", JSON_BOOL)->u.b == res.passed);
	if (res.lookup_error) {
		const struct json_value *errs = member(root, "errors", JSON_ARRAY), *e;
		const char *msg;

		CHECK(errs->u.arr.n == 1 && (e = errs->u.arr.items[0])->type == JSON_OBJECT);
		CHECK(strcmp(member(e, "error_type", JSON_STRING)->u.str.s,
		    "mpic_error:caa_checker:lookup") == 0);
		msg = member(e, "error_message", JSON_STRING)->u.str.s;
		CHECK(strncmp(msg, "There was an error looking up the CAA record: ", 46) == 0);
	} else {
		member(root, "errors", JSON_NULL);
	}
	details = member(root, "details", JSON_OBJECT);
	v = json_get(details, "caa_record_present");
	CHECK(v != NULL);
	if (res.have_details)
		CHECK(v->type == JSON_BOOL && v->u.b == res.record_present);
	else
		CHECK(v->type == JSON_NULL);
	if (res.have_details && res.record_present) {
		const struct json_value *seen = member(details, "records_seen", JSON_ARRAY);

		member(details, "found_at", JSON_STRING);
		CHECK(seen->u.arr.n == res.n_seen);
		for (size_t i = 0; i < res.n_seen; i++)
			CHECK(seen->u.arr.items[i]->type == JSON_STRING);
		/* Printable ASCII from caa_record_text() goes through unchanged. */
		for (size_t i = 0; i < res.n_seen && i < 2; i++)
			if (no_control(res.records_seen[i], strlen(res.records_seen[i])) &&
			    seen->u.arr.items[i]->u.str.len == strlen(res.records_seen[i]))
				CHECK(strcmp(seen->u.arr.items[i]->u.str.s, res.records_seen[i]) == 0);
	} else {
		member(details, "found_at", JSON_NULL);
		member(details, "records_seen", JSON_NULL);
	}
	CHECK(strcmp(member(details, "dnssec", JSON_STRING)->u.str.s,
	    dnssec_status_name(res.dnssec)) == 0);
	json_doc_free(doc);
	free(body);
	for (size_t i = 0; i < res.n_seen; i++)
		free(res.records_seen[i]);
	free(res.records_seen);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_doc *doc = NULL;
	struct caa_request *req;
	char err[512];

	/* The struct is about 8 KB; on the heap, as in the daemon. */
	CHECK((req = malloc(sizeof(*req))) != NULL);
	memset(err, 0, sizeof(err));
	if (caa_request_decode((const char *)data, size, &doc, req, err, sizeof(err)) == -1) {
		CHECK(memchr(err, '\0', sizeof(err)) != NULL);
		check_error_body(err);
	} else {
		CHECK(doc != NULL);
		check_request(req);
		check_responses(req, data, size);
	}
	json_doc_free(doc);
	free(req);
	return 0;
}
