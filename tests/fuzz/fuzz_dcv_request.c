/*
 * fuzz_dcv_request.c: libFuzzer harness for perspectived's DcvCheckRequest
 * decoder and its CheckResponse encoder (perspectived/dcv_request.c).
 *
 * The whole input is the request body. dcv_request_decode() runs on it:
 *   - on failure, the error is one non-empty printable line, and
 *     request_error_encode() carries it unchanged in a 400 body that parses
 *     back; not_implemented is set only for the methods that are not
 *     DNS-based;
 *   - on success, the decoded request is checked against what the decoder
 *     promises (a DNS-based method; the fields that method requires present,
 *     non-empty and within DCV_MAX_VALUE; fixed fields at their fixed values;
 *     record types allowed for the method; prefixes of valid labels, with
 *     "_" first for dns-change; issuer names normalised; URIs absolute and
 *     free of spaces and controls; the name the target's, or its reverse
 *     name, and the query name within 253 octets), and then
 *     dcv_response_encode() is run on a synthetic dcv_result made from the
 *     input (arbitrary bytes, NUL included, in records_seen, error_message,
 *     found_at and cname_chain; every flag combination). The output must
 *     parse back with json_parse(), keep Open MPIC's key order, and say what
 *     the result said.
 * An encoder output that does not parse is a real bug: abort().
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "check_request.h"
#include "dcv.h"
#include "dcv_request.h"
#include "dns_rdata.h"
#include "errors.h"
#include "json.h"
#include "name.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "fuzz_dcv_request: invariant failed: %s (%s:%d)\n", \
			    #cond, __FILE__, __LINE__);                        \
			abort();                                               \
		}                                                              \
	} while (0)

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Limits for reading our own output back: only the size is relaxed. */
static const struct json_limits readback_limits = {
	.max_bytes = 1024 * 1024,
	.max_depth = 32,
	.max_nodes = 4096,
	.max_string = 64 * 1024,
};

static const char *const top_keys[] = { "check_completed", "check_passed", "errors",
	"timestamp_ns", "check_type", "details", "perspective_code", "rir", "request_id" };
static const char *const detail_keys[] = { "validation_method", "records_seen",
	"response_code", "ad_flag", "found_at", "cname_chain", "dnssec" };

static bool
printable_line(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
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
		fprintf(stderr, "fuzz_dcv_request: %s does not parse back: %s\n%s\n", what,
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
		fprintf(stderr, "fuzz_dcv_request: member \"%s\" missing or not a %s\n", key,
		    json_type_name(type));
		abort();
	}
	return v;
}

/* A failed decode: one printable line, carried unchanged by the 400 body. */
static void
check_error(const char *err, const struct dcv_request *req)
{
	struct json_doc *doc;
	const struct json_value *root, *issues;
	char *body;
	size_t len = 0;

	CHECK(err[0] != '\0');
	CHECK(printable_line(err));
	if (req->not_implemented)
		CHECK(!dcv_methods[req->params.method].dns);
	body = request_error_encode(ISSUE_INVALID_REQUEST, err, &len);
	CHECK(body != NULL);
	doc = parse_back(body, len, "request_error_encode()");
	root = json_root(doc);
	CHECK(strcmp(member(root, "error", JSON_STRING)->u.str.s, ERR_REQUEST_VALIDATION) == 0);
	issues = member(root, "validation_issues", JSON_ARRAY);
	CHECK(issues->u.arr.n == 1 && issues->u.arr.items[0]->type == JSON_OBJECT);
	if (strcmp(member(issues->u.arr.items[0], "message", JSON_STRING)->u.str.s, err) != 0) {
		fprintf(stderr, "fuzz_dcv_request: message changed: \"%s\"\n", err);
		abort();
	}
	json_doc_free(doc);
	free(body);
}

static void
check_value(const char *s)
{
	size_t n;

	CHECK(s != NULL);
	n = strlen(s);
	CHECK(n > 0 && n <= DCV_MAX_VALUE);
}

/* The absolute-URI shape get_uri() promises. */
static void
check_uri(const char *s)
{
	const char *colon;

	check_value(s);
	colon = strchr(s, ':');
	CHECK(colon != NULL && colon > s && colon[1] != '\0' && isalpha((unsigned char)s[0]));
	for (const char *c = s; c < colon; c++)
		CHECK(isalnum((unsigned char)*c) || *c == '+' || *c == '.' || *c == '-');
	for (const char *c = s; *c != '\0'; c++)
		CHECK((unsigned char)*c > 0x20 && *c != 0x7f);
}

/* A prefix: lower-case labels of letters, digits, "-" and "_", 1..63 octets. */
static void
check_prefix(const char *s, bool underscore)
{
	size_t start = 0, n = strlen(s);

	if (n == 0)
		return;
	if (underscore)
		CHECK(s[0] == '_');
	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '.') {
			CHECK(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) ||
			    s[i] == '-' || s[i] == '_');
			continue;
		}
		CHECK(i > start && i - start <= 63);
		start = i + 1;
	}
}

/* What a successful decode promises. */
static void
check_request(const struct dcv_request *req)
{
	const struct dcv_params *p = &req->params;
	const struct dcv_method_info *mi;
	struct target t;
	const char *why;
	char q[NAME_BUF];

	CHECK(!req->not_implemented);
	CHECK((unsigned)p->method < DCV_METHOD_COUNT);
	mi = &dcv_methods[p->method];
	CHECK(mi->dns);

	/* The target re-parses to itself; the name is it or its reverse name. */
	CHECK(req->common.target_raw != NULL && req->common.target_raw_len <= NAME_MAX_INPUT);
	CHECK(target_parse(req->common.target_raw, req->common.target_raw_len, NAME_ALLOW_WILDCARD,
	    &t, &why) == 0);
	CHECK(t.kind == req->common.target.kind && strcmp(t.name, req->common.target.name) == 0);
	if (t.kind == TARGET_DNS) {
		CHECK(strcmp(req->name, t.name) == 0);
	} else {
		char rev[NAME_BUF];

		CHECK(p->method == DCV_REVERSE_ADDRESS_LOOKUP);
		CHECK(dns_reverse_name(t.kind == TARGET_IPV4 ? AF_INET : AF_INET6, t.addr, rev,
		    sizeof(rev)) == 0);
		CHECK(strcmp(req->name, rev) == 0);
	}
	CHECK(req->name[0] != '\0' && strlen(req->name) <= NAME_MAX_TEXT);
	CHECK(dcv_query_name(p, req->name, q) == 0 && strlen(q) <= NAME_MAX_TEXT);
	if (req->common.trace_identifier != NULL)
		CHECK(printable_line(req->common.trace_identifier));
	if (req->common.request_id != NULL)
		CHECK(printable_line(req->common.request_id));

	/* Fixed fields. */
	if (mi->exact_case != -1)
		CHECK(p->require_exact_case == (mi->exact_case == 1));
	if (mi->prefix != NULL || p->method == DCV_DNS_ACCOUNT_01)
		CHECK(p->name_prefix == NULL);
	if (p->name_prefix != NULL)
		check_prefix(p->name_prefix, p->method == DCV_DNS_CHANGE);

	switch (p->method) {
	case DCV_ACME_DNS_01:
		check_value(p->key_authorization_hash);
		break;
	case DCV_DNS_ACCOUNT_01:
		check_value(p->key_authorization_hash);
		check_uri(p->account_uri);
		break;
	case DCV_DNS_CHANGE:
		check_value(p->challenge_value);
		CHECK(p->record_type == DNS_TYPE_TXT || p->record_type == DNS_TYPE_CNAME ||
		    p->record_type == DNS_TYPE_CAA);
		/* Open MPIC: case is compared only for TXT. */
		if (p->record_type != DNS_TYPE_TXT)
			CHECK(!p->require_exact_case);
		break;
	case DCV_DNS_PERSISTENT:
		check_uri(p->expected_account_uri);
		CHECK(p->n_issuers >= 1 && p->n_issuers <= DCV_MAX_ISSUERS);
		for (size_t i = 0; i < p->n_issuers; i++) {
			char again[NAME_BUF];
			bool wild;

			CHECK(p->issuers[i] == req->issuer_store[i]);
			CHECK(name_normalize(p->issuers[i], strlen(p->issuers[i]), 0, again, &wild,
			    &why) == 0);
			CHECK(!wild && strcmp(again, p->issuers[i]) == 0);
		}
		break;
	case DCV_IP_ADDRESS:
		check_value(p->challenge_value);
		CHECK(p->record_type == DNS_TYPE_A || p->record_type == DNS_TYPE_AAAA);
		break;
	case DCV_CONTACT_EMAIL_TXT:
	case DCV_CONTACT_PHONE_TXT:
	case DCV_CONTACT_EMAIL_CAA:
	case DCV_CONTACT_PHONE_CAA:
	case DCV_REVERSE_ADDRESS_LOOKUP:
		check_value(p->challenge_value);
		break;
	default:
		CHECK(!"a method that is not DNS-based was decoded");
	}
	if (p->method != DCV_DNS_PERSISTENT)
		CHECK(p->n_issuers == 0);
	if (p->method != DCV_DNS_CHANGE && p->method != DCV_IP_ADDRESS)
		CHECK(p->record_type == 0);
}

/* A NUL-terminated copy of up to @p max input bytes from @p off (any bytes). */
static char *
slice(const uint8_t *data, size_t size, size_t off, size_t max, size_t *n_out)
{
	size_t n = 0;
	char *s;

	if (off < size)
		n = size - off < max ? size - off : max;
	CHECK((s = malloc(n + 1)) != NULL);
	if (n > 0)
		memcpy(s, data + off, n);
	s[n] = '\0';
	if (n_out != NULL)
		*n_out = n;
	return s;
}

/* Whether bytes go through the lossy encoder unchanged. */
static bool
clean_utf8(const char *s, size_t n)
{
	return memchr(s, '\0', n) == NULL && utf8_valid((const unsigned char *)s, n);
}

static void
check_response(const struct dcv_request *req, const uint8_t *data, size_t size)
{
	static const struct perspective_id who[2] = {
		{ .code = "us-east-2", .rir = "ARIN" },
		{ .code = "eu-west-3", .rir = "RIPE NCC" },
	};
	struct dcv_result res;
	struct json_doc *doc;
	const struct json_value *root, *details, *v, *rid;
	char *body, *raw;
	size_t len = 0, n;
	uint32_t h = 2166136261u;
	long long ts;

	/* Every flag from a hash of the body, so each request varies them. */
	for (size_t i = 0; i < size; i++)
		h = (h ^ data[i]) * 16777619u;
	ts = (h & 1) ? (long long)h * 1000003LL : -(long long)h;

	memset(&res, 0, sizeof(res));
	res.completed = h & 2;
	res.passed = h & 4;
	res.have_details = h & 8;
	res.have_dnssec = h & 16;
	res.ad_flag = h & 32;
	res.dnssec = (enum dnssec_status)((h >> 6) & 3);
	res.response_code = (int)((h >> 8) & 15);
	if (h & 4096)
		res.error_type = (h & 8192) ? ERRTYPE_DCV_LOOKUP : ERRTYPE_DCV_PARAMETER;
	raw = slice(data, size, size / 3, sizeof(res.error_message) - 1, NULL);
	memcpy(res.error_message, raw, strlen(raw) + 1);
	free(raw);
	raw = slice(data, size, size / 2, sizeof(res.found_at) - 1, NULL);
	snprintf(res.found_at, sizeof(res.found_at), "%s", (h & 16384) ? raw : req->name);
	free(raw);
	res.n_cnames = (h >> 15) & 3;
	for (size_t i = 0; i < res.n_cnames; i++) {
		raw = slice(data, size, size * i / 5, sizeof(res.cname_chain[i]) - 1, NULL);
		memcpy(res.cname_chain[i], raw, strlen(raw) + 1);
		free(raw);
	}
	/* records_seen: raw slices, NUL bytes and invalid UTF-8 included. */
	res.n_seen = (h >> 17) & 7;
	CHECK((res.records_seen = calloc(res.n_seen + 1, sizeof(char *))) != NULL);
	CHECK((res.seen_len = calloc(res.n_seen + 1, sizeof(size_t))) != NULL);
	for (size_t i = 0; i < res.n_seen; i++) {
		res.records_seen[i] = slice(data, size, size * i / 7, 400, &n);
		res.seen_len[i] = n;
	}

	body = dcv_response_encode(req, &res, &who[h >> 31], ts, &len);
	CHECK(body != NULL);
	doc = parse_back(body, len, "dcv_response_encode()");
	root = json_root(doc);

	/* Open MPIC's order, then ours (perspective_code, rir, request_id). */
	CHECK(root->u.obj.n == N(top_keys));
	for (size_t i = 0; i < N(top_keys); i++)
		CHECK(strcmp(root->u.obj.members[i].key, top_keys[i]) == 0);
	details = member(root, "details", JSON_OBJECT);
	CHECK(details->u.obj.n == N(detail_keys));
	for (size_t i = 0; i < N(detail_keys); i++)
		CHECK(strcmp(details->u.obj.members[i].key, detail_keys[i]) == 0);

	CHECK(member(root, "check_completed", JSON_BOOL)->u.b == res.completed);
	CHECK(member(root, "check_passed", JSON_BOOL)->u.b == res.passed);
	CHECK(member(root, "timestamp_ns", JSON_INT)->u.i == ts);
	CHECK(strcmp(member(root, "check_type", JSON_STRING)->u.str.s, "dcv") == 0);
	CHECK(strcmp(member(root, "perspective_code", JSON_STRING)->u.str.s, who[h >> 31].code) == 0);
	CHECK(strcmp(member(root, "rir", JSON_STRING)->u.str.s, who[h >> 31].rir) == 0);
	rid = json_get(root, "request_id");
	CHECK(rid != NULL);
	if (req->common.request_id == NULL)
		CHECK(rid->type == JSON_NULL);
	else
		CHECK(rid->type == JSON_STRING && strcmp(rid->u.str.s, req->common.request_id) == 0);

	if (res.error_type != NULL) {
		const struct json_value *errs = member(root, "errors", JSON_ARRAY), *e;
		const char *msg;

		CHECK(errs->u.arr.n == 1 && (e = errs->u.arr.items[0])->type == JSON_OBJECT);
		CHECK(strcmp(member(e, "error_type", JSON_STRING)->u.str.s, res.error_type) == 0);
		msg = member(e, "error_message", JSON_STRING)->u.str.s;
		if (clean_utf8(res.error_message, strlen(res.error_message)))
			CHECK(strcmp(msg, res.error_message) == 0);
	} else {
		member(root, "errors", JSON_NULL);
	}

	CHECK(strcmp(member(details, "validation_method", JSON_STRING)->u.str.s,
	    dcv_methods[req->params.method].name) == 0);
	if (res.have_details) {
		const struct json_value *seen = member(details, "records_seen", JSON_ARRAY);
		const struct json_value *chain = member(details, "cname_chain", JSON_ARRAY);

		CHECK(seen->u.arr.n == res.n_seen);
		for (size_t i = 0; i < res.n_seen; i++) {
			v = seen->u.arr.items[i];
			CHECK(v->type == JSON_STRING);
			if (clean_utf8(res.records_seen[i], res.seen_len[i]))
				CHECK(v->u.str.len == res.seen_len[i] &&
				    memcmp(v->u.str.s, res.records_seen[i], res.seen_len[i]) == 0);
		}
		CHECK(member(details, "response_code", JSON_INT)->u.i == res.response_code);
		CHECK(member(details, "ad_flag", JSON_BOOL)->u.b == res.ad_flag);
		v = member(details, "found_at", JSON_STRING);
		if (clean_utf8(res.found_at, strlen(res.found_at)))
			CHECK(strcmp(v->u.str.s, res.found_at) == 0);
		CHECK(chain->u.arr.n == res.n_cnames);
		for (size_t i = 0; i < res.n_cnames; i++)
			CHECK(chain->u.arr.items[i]->type == JSON_STRING);
	} else {
		member(details, "records_seen", JSON_NULL);
		member(details, "response_code", JSON_NULL);
		member(details, "ad_flag", JSON_NULL);
		member(details, "found_at", JSON_NULL);
		member(details, "cname_chain", JSON_NULL);
	}
	if (res.have_dnssec)
		CHECK(strcmp(member(details, "dnssec", JSON_STRING)->u.str.s,
		    dnssec_status_name(res.dnssec)) == 0);
	else
		member(details, "dnssec", JSON_NULL);

	json_doc_free(doc);
	free(body);
	for (size_t i = 0; i < res.n_seen; i++)
		free(res.records_seen[i]);
	free(res.records_seen);
	free(res.seen_len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_doc *doc = NULL;
	struct dcv_request *req;
	char err[512];

	/* The struct is about 9 KB; on the heap, as in the daemon. */
	CHECK((req = malloc(sizeof(*req))) != NULL);
	memset(err, 0, sizeof(err));
	if (dcv_request_decode((const char *)data, size, &doc, req, err, sizeof(err)) == -1) {
		CHECK(memchr(err, '\0', sizeof(err)) != NULL);
		check_error(err, req);
	} else {
		CHECK(doc != NULL);
		check_request(req);
		check_response(req, data, size);
	}
	json_doc_free(doc);
	free(req);
	return 0;
}
