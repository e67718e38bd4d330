/*
 * fuzz_dcv_request.c: libFuzzer harness for perspectived's DcvCheckRequest
 * decoder and its CheckResponse encoder (perspectived/dcv_request.c).
 *
 * The whole input is the request body. dcv_request_decode() runs on it:
 *   - on failure, the error is one non-empty printable line, and
 *     request_error_encode() carries it unchanged in a 400 body that parses
 *     back; no method is refused as "not offered" (all are decoded);
 *   - on success, the decoded request is checked against what the decoder
 *     promises, and against the document it was decoded from:
 *       every method: each string parameter is set by the methods that have
 *       it and by no other, to the non-empty string sent, within its
 *       ceiling; fixed fields at their fixed values; the target re-parses to
 *       itself and the query name fits in 253 octets;
 *       DNS methods: record types allowed for the method; prefixes of valid
 *       labels, with "_" first for dns-change; issuer names normalised; URIs
 *       absolute and free of spaces and controls; an IP target only for
 *       reverse-address-lookup, whose name is the reverse name;
 *       website-change, acme-http-01, acme-tls-alpn-01: never a wildcard, IP
 *       targets allowed, the name the target itself, no prefix; the
 *       http_token_path a file name of letters, digits, ".", "_", "~" and
 *       "-" without "..", and not "."; the token base64url characters;
 *       key_authorization free of controls; https exactly for url_scheme
 *       "https"; every header line "Name: value" with a token name that is
 *       not a refused header and
 *       a value of at most 1024 bytes without controls (so no CR or LF), as
 *       sent and in order; match_regex as sent and compiling with PCRE2;
 *       alpn_digest_ok exactly when the hash is 64 hex digits or base64url
 *       of 32 bytes, alpn_digest those bytes (both recomputed here), and
 *       dcv_parameter_invalid() agreeing;
 *     then dcv_response_encode() is run on a synthetic dcv_result made from
 *     the input, with the details kind the daemon gives the method (DNS:
 *     records_seen, error_message, found_at, cname_chain; HTTP: redirects
 *     with any status and Location bytes, the final URL, status and page;
 *     TLS-ALPN: the common name; HTTP and TLS-ALPN: addresses), any bytes
 *     (NUL and invalid UTF-8 included) and every flag combination. The
 *     output must parse back with json_parse(), keep the key order of
 *     spec/perspective-api.yaml (DcvDetails, HttpDetails with its hops,
 *     TlsAlpnDetails), and say what the result said: each string exactly,
 *     NULs and invalid UTF-8 replaced by U+FFFD; the page's base64 decoding
 *     back to the exact bytes; resolved_ip the last address.
 * An encoder output that does not parse is a real bug: abort().
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

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
#define VM_FIELD "dcv_check_parameters.validation_method: "
#define M(m) (1u << (m))

/* Limits for reading our own output back: only the size is relaxed. */
static const struct json_limits readback_limits = {
	.max_bytes = 1024 * 1024,
	.max_depth = 32,
	.max_nodes = 4096,
	.max_string = 64 * 1024,
};

/* spec/perspective-api.yaml: the `required` lists, in the encoder's order. */
static const char *const top_keys[] = { "check_completed", "check_passed", "errors",
	"timestamp_ns", "check_type", "details", "perspective_code", "rir", "request_id" };
static const char *const dns_keys[] = { "validation_method", "records_seen",
	"response_code", "ad_flag", "found_at", "cname_chain", "dnssec" };
static const char *const http_keys[] = { "validation_method", "response_history",
	"response_url", "response_status_code", "response_page", "resolved_ip", "addresses" };
static const char *const hop_keys[] = { "status_code", "url" };
static const char *const alpn_keys[] = { "validation_method", "common_name", "resolved_ip",
	"addresses" };

#define DNS_METHODS (M(DCV_ACME_DNS_01) | M(DCV_DNS_CHANGE) | M(DCV_DNS_PERSISTENT) |        \
	M(DCV_CONTACT_EMAIL_TXT) | M(DCV_CONTACT_PHONE_TXT) | M(DCV_CONTACT_EMAIL_CAA) |     \
	M(DCV_CONTACT_PHONE_CAA) | M(DCV_IP_ADDRESS) | M(DCV_REVERSE_ADDRESS_LOOKUP) |        \
	M(DCV_DNS_ACCOUNT_01))
#define HTTP_METHODS (M(DCV_WEBSITE_CHANGE) | M(DCV_ACME_HTTP_01))

/*
 * The string parameters: which methods read each one (and so may set it),
 * and its ceiling. A method that reads a parameter sets it to the string
 * sent when that is non-empty (required ones must be); any other leaves it
 * NULL, whatever the body holds.
 */
static const struct {
	const char *key;
	size_t off;
	unsigned methods;
	size_t max;
} string_params[] = {
	{ "challenge_value", offsetof(struct dcv_params, challenge_value),
	    M(DCV_DNS_CHANGE) | M(DCV_CONTACT_EMAIL_TXT) | M(DCV_CONTACT_PHONE_TXT) |
	    M(DCV_CONTACT_EMAIL_CAA) | M(DCV_CONTACT_PHONE_CAA) | M(DCV_IP_ADDRESS) |
	    M(DCV_REVERSE_ADDRESS_LOOKUP) | M(DCV_WEBSITE_CHANGE), DCV_MAX_VALUE },
	{ "key_authorization_hash", offsetof(struct dcv_params, key_authorization_hash),
	    M(DCV_ACME_DNS_01) | M(DCV_DNS_ACCOUNT_01) | M(DCV_ACME_TLS_ALPN_01), DCV_MAX_VALUE },
	{ "account_uri", offsetof(struct dcv_params, account_uri), M(DCV_DNS_ACCOUNT_01),
	    DCV_MAX_VALUE },
	{ "expected_account_uri", offsetof(struct dcv_params, expected_account_uri),
	    M(DCV_DNS_PERSISTENT), DCV_MAX_VALUE },
	{ "token", offsetof(struct dcv_params, token), M(DCV_ACME_HTTP_01), 256 },
	{ "key_authorization", offsetof(struct dcv_params, key_authorization),
	    M(DCV_ACME_HTTP_01), DCV_MAX_VALUE },
	{ "http_token_path", offsetof(struct dcv_params, http_token_path),
	    M(DCV_WEBSITE_CHANGE), 255 },
	{ "match_regex", offsetof(struct dcv_params, match_regex), M(DCV_WEBSITE_CHANGE),
	    DCV_MAX_REGEX },
};

/* Headers that would change where or how we connect, or how we read the answer. */
static const char *const refused_headers[] = { "host", "content-length",
	"transfer-encoding", "connection", "accept-encoding", "te", "upgrade",
	"proxy-authorization", "proxy-connection", "expect", "cookie" };

static bool
printable_line(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

/* Whether @p s is made of ASCII letters, digits and the characters in @p extra. */
static bool
ascii_only(const char *s, size_t n, const char *extra)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || (c != '\0' && strchr(extra, c) != NULL)))
			return false;
	}
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

/* An object with exactly @p keys, in that order. */
static void
check_keys(const struct json_value *obj, const char *const *keys, size_t n)
{
	CHECK(obj->type == JSON_OBJECT && obj->u.obj.n == n);
	for (size_t i = 0; i < n; i++)
		CHECK(strcmp(obj->u.obj.members[i].key, keys[i]) == 0);
}

/* The string member @p key as sent, or NULL if it is absent or not a string. */
static const char *
sent(const struct json_value *params, const char *key)
{
	const struct json_value *v = json_get(params, key);

	return v != NULL && v->type == JSON_STRING ? v->u.str.s : NULL;
}

/* A failed decode: one printable line, carried unchanged by the 400 body. */
static void
check_error(const char *err)
{
	struct json_doc *doc;
	const struct json_value *root, *issues;
	char *body;
	size_t len = 0;

	CHECK(err[0] != '\0');
	CHECK(printable_line(err));
	/* Every method in dcv_methods[] is decoded: none is "not offered". */
	if (strncmp(err, VM_FIELD, strlen(VM_FIELD)) == 0)
		CHECK(strstr(err, "is not offered") == NULL);
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

/* The absolute-URI shape get_uri() promises. */
static void
check_uri(const char *s)
{
	const char *colon;

	colon = strchr(s, ':');
	CHECK(colon != NULL && colon > s && colon[1] != '\0' && isalpha((unsigned char)s[0]));
	CHECK(ascii_only(s, (size_t)(colon - s), "+.-"));
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

/*
 * http_headers: one "Name: value" line per member sent, in order. The name
 * is an RFC 9110 token of at most 64 characters and not a refused header;
 * the value at most 1024 bytes without control characters, so no CR or LF
 * can start another header.
 */
static void
check_headers(const struct dcv_params *p, const struct json_value *params, bool reads)
{
	const struct json_value *h = json_get(params, "http_headers");

	if (!reads || h == NULL || h->type != JSON_OBJECT) {
		CHECK(p->http_headers == NULL && p->n_http_headers == 0);
		return;
	}
	CHECK(p->http_headers != NULL);
	CHECK(p->n_http_headers == h->u.obj.n && p->n_http_headers <= DCV_MAX_HTTP_HEADERS);
	for (size_t i = 0; i < p->n_http_headers; i++) {
		const struct json_member *m = &h->u.obj.members[i];
		const char *line = p->http_headers[i], *colon, *value;
		size_t nlen;

		CHECK(line != NULL);
		CHECK((colon = strchr(line, ':')) != NULL && colon[1] == ' ');
		nlen = (size_t)(colon - line);
		value = colon + 2;
		CHECK(nlen >= 1 && nlen <= 64 && ascii_only(line, nlen, "!#$%&'*+-.^_`|~"));
		for (size_t k = 0; k < N(refused_headers); k++)
			CHECK(strlen(refused_headers[k]) != nlen ||
			    strncasecmp(line, refused_headers[k], nlen) != 0);
		CHECK(strlen(value) <= 1024 && printable_line(value));
		CHECK(strchr(line, '\r') == NULL && strchr(line, '\n') == NULL);
		/* As sent: the member's name and string value. */
		CHECK(m->value->type == JSON_STRING);
		CHECK(m->key_len == nlen && memcmp(m->key, line, nlen) == 0);
		CHECK(strcmp(value, m->value->u.str.s) == 0);
	}
}

static int
url_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '-' ? 62 : c == '_' ? 63 : -1;
}

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * acme-tls-alpn-01's hash, decoded here without the decoder's helpers: 64
 * hex digits, or 43 base64url characters (no padding) whose last 2 bits,
 * beyond the 256, are zero.
 */
static bool
alpn_hash_bytes(const char *s, uint8_t out[32])
{
	size_t n = strlen(s);
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t o = 0;

	if (n == 64) {
		for (size_t i = 0; i < 32; i++) {
			int hi = hex_value(s[2 * i]), lo = hex_value(s[2 * i + 1]);

			if (hi < 0 || lo < 0)
				return false;
			out[i] = (uint8_t)(hi << 4 | lo);
		}
		return true;
	}
	if (n != 43)
		return false;
	for (size_t i = 0; i < n; i++) {
		int v = url_value(s[i]);

		if (v < 0)
			return false;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	return o == 32 && acc == 0;
}

/* The target, the name the method works on and the name a DNS method asks. */
static void
check_names(const struct dcv_request *req, const struct dcv_method_info *mi)
{
	const struct dcv_params *p = &req->params;
	struct target t;
	const char *why;
	char q[NAME_BUF];

	CHECK(req->common.target_raw != NULL && req->common.target_raw_len <= NAME_MAX_INPUT);
	CHECK(target_parse(req->common.target_raw, req->common.target_raw_len, NAME_ALLOW_WILDCARD,
	    &t, &why) == 0);
	CHECK(t.kind == req->common.target.kind && t.wildcard == req->common.target.wildcard &&
	    strcmp(t.name, req->common.target.name) == 0);
	if (t.kind != TARGET_DNS)
		CHECK(memcmp(t.addr, req->common.target.addr, sizeof(t.addr)) == 0);
	if (!mi->dns) {
		/* 5.7 item 9: a wildcard cannot be validated over HTTP or TLS;
		 * an IP address can, and is connected to as it is. */
		CHECK(!t.wildcard);
		CHECK(strcmp(req->name, t.name) == 0);
	} else if (t.kind == TARGET_DNS) {
		CHECK(strcmp(req->name, t.name) == 0);
	} else {
		char rev[NAME_BUF];

		/* Only the reverse name of an address can be validated by DNS. */
		CHECK(p->method == DCV_REVERSE_ADDRESS_LOOKUP);
		CHECK(dns_reverse_name(t.kind == TARGET_IPV4 ? AF_INET : AF_INET6, t.addr, rev,
		    sizeof(rev)) == 0);
		CHECK(strcmp(req->name, rev) == 0);
	}
	CHECK(req->name[0] != '\0' && strlen(req->name) <= NAME_MAX_TEXT);
	CHECK(dcv_query_name(p, req->name, q) == 0 && strlen(q) <= NAME_MAX_TEXT);
	if (!mi->dns)
		CHECK(strcmp(q, req->name) == 0);
	if (req->common.trace_identifier != NULL)
		CHECK(printable_line(req->common.trace_identifier));
	if (req->common.request_id != NULL)
		CHECK(printable_line(req->common.request_id));
}

/* What a successful decode promises, checked against the body it came from. */
static void
check_request(const struct dcv_request *req, const struct json_doc *doc)
{
	const struct dcv_params *p = &req->params;
	const struct json_value *params, *v;
	const struct dcv_method_info *mi;
	const char *why, *field;
	unsigned me;
	uint8_t digest[32];
	bool digest_ok = false, invalid = false;

	CHECK((unsigned)p->method < DCV_METHOD_COUNT);
	mi = &dcv_methods[p->method];
	me = M(p->method);
	params = member(json_root(doc), "dcv_check_parameters", JSON_OBJECT);
	CHECK(strcmp(member(params, "validation_method", JSON_STRING)->u.str.s, mi->name) == 0);
	CHECK(mi->dns == ((me & DNS_METHODS) != 0));
	check_names(req, mi);

	/* Each string parameter: set exactly for its methods, as sent. */
	for (size_t i = 0; i < N(string_params); i++) {
		const char *got = *(const char *const *)((const char *)p + string_params[i].off);
		const char *want = NULL;

		if (string_params[i].methods & me) {
			want = sent(params, string_params[i].key);
			if (want != NULL && want[0] == '\0')
				want = NULL;
		}
		if (want == NULL) {
			CHECK(got == NULL);
			continue;
		}
		CHECK(got != NULL && strcmp(got, want) == 0);
		CHECK(strlen(got) <= string_params[i].max);
	}

	/* Fixed fields. */
	if (mi->exact_case != -1)
		CHECK(p->require_exact_case == (mi->exact_case == 1));
	if (mi->prefix != NULL || !(me & (M(DCV_DNS_CHANGE) | M(DCV_CONTACT_EMAIL_CAA) |
	    M(DCV_CONTACT_PHONE_CAA) | M(DCV_IP_ADDRESS) | M(DCV_REVERSE_ADDRESS_LOOKUP))))
		CHECK(p->name_prefix == NULL);
	if (p->name_prefix != NULL)
		check_prefix(p->name_prefix, p->method == DCV_DNS_CHANGE);
	if (p->method != DCV_DNS_PERSISTENT)
		CHECK(p->n_issuers == 0 && p->issuers == NULL);
	if (p->method != DCV_DNS_CHANGE && p->method != DCV_IP_ADDRESS)
		CHECK(p->record_type == 0);
	if (p->method != DCV_DNS_CHANGE)
		CHECK(!p->require_exact_match);
	if (p->method != DCV_WEBSITE_CHANGE)
		CHECK(!p->https);
	if (p->method != DCV_ACME_TLS_ALPN_01)
		CHECK(!p->alpn_digest_ok);
	check_headers(p, params, (me & HTTP_METHODS) != 0);

	switch (p->method) {
	case DCV_ACME_DNS_01:
		break;
	case DCV_DNS_ACCOUNT_01:
		check_uri(p->account_uri);
		break;
	case DCV_DNS_CHANGE:
		CHECK(p->record_type == DNS_TYPE_TXT || p->record_type == DNS_TYPE_CNAME ||
		    p->record_type == DNS_TYPE_CAA);
		/* Open MPIC: case is compared only for TXT, by default. */
		v = json_get(params, "require_exact_case");
		CHECK(p->require_exact_case == (p->record_type == DNS_TYPE_TXT &&
		    (v != NULL && v->type == JSON_BOOL ? v->u.b : true)));
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
	case DCV_IP_ADDRESS: {
		uint8_t a[16];

		CHECK(p->record_type == DNS_TYPE_A || p->record_type == DNS_TYPE_AAAA);
		invalid = inet_pton(AF_INET, p->challenge_value, a) != 1 &&
		    inet_pton(AF_INET6, p->challenge_value, a) != 1;
		break;
	}
	case DCV_CONTACT_EMAIL_TXT:
	case DCV_CONTACT_PHONE_TXT:
	case DCV_CONTACT_EMAIL_CAA:
	case DCV_CONTACT_PHONE_CAA:
	case DCV_REVERSE_ADDRESS_LOOKUP:
		break;
	case DCV_WEBSITE_CHANGE: {
		const char *scheme;

		/* BR 3.2.2.4.18: a file directly under /.well-known/pki-validation/. */
		CHECK(ascii_only(p->http_token_path, strlen(p->http_token_path), "._~-"));
		CHECK(strstr(p->http_token_path, "..") == NULL);
		CHECK(strcmp(p->http_token_path, ".") != 0);
		/* url_scheme, when sent, is "http" or "https"; null is refused. */
		v = json_get(params, "url_scheme");
		scheme = sent(params, "url_scheme");
		if (v != NULL)
			CHECK(scheme != NULL &&
			    (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0));
		CHECK(p->https == (scheme != NULL && strcmp(scheme, "https") == 0));
		/* require_exact_case is the request's choice, true by default. */
		v = json_get(params, "require_exact_case");
		CHECK(p->require_exact_case == (v != NULL && v->type == JSON_BOOL ? v->u.b : true));
		if (p->match_regex != NULL) {
			pcre2_code *re;
			int code;
			PCRE2_SIZE off;

			/* The flags dcv_http.c matches with. */
			re = pcre2_compile((PCRE2_SPTR)p->match_regex, PCRE2_ZERO_TERMINATED,
			    PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_NEVER_BACKSLASH_C, &code, &off,
			    NULL);
			CHECK(re != NULL);
			pcre2_code_free(re);
		}
		break;
	}
	case DCV_ACME_HTTP_01:
		/* RFC 8555 8.1: base64url, so the URL path has no other segment. */
		CHECK(ascii_only(p->token, strlen(p->token), "-_"));
		CHECK(printable_line(p->key_authorization));
		break;
	case DCV_ACME_TLS_ALPN_01:
		/* A hash that does not decode is the check's parameter error, not a 400. */
		digest_ok = alpn_hash_bytes(p->key_authorization_hash, digest);
		CHECK(p->alpn_digest_ok == digest_ok);
		if (digest_ok)
			CHECK(memcmp(p->alpn_digest, digest, sizeof(digest)) == 0);
		invalid = !digest_ok;
		break;
	default:
		fprintf(stderr, "fuzz_dcv_request: %s was decoded without a decoder\n", mi->name);
		abort();
	}
	CHECK(dcv_parameter_invalid(p, &field) == invalid);
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

/*
 * @p v holds @p n bytes as json_w_string_lossy() promises to write them:
 * each NUL and each maximal invalid UTF-8 subpart becomes U+FFFD, and
 * everything else is kept.
 */
static void
check_lossy(const struct json_value *v, const char *s, size_t n)
{
	size_t i = 0, o = 0, k, skip;
	uint32_t cp;
	char *want;

	CHECK(v != NULL && v->type == JSON_STRING);
	CHECK((want = malloc(3 * n + 1)) != NULL);
	while (i < n) {
		k = utf8_decode((const unsigned char *)s + i, n - i, &cp, &skip);
		if (k == 0 || cp == 0) {
			memcpy(want + o, "\xef\xbf\xbd", 3);
			o += 3;
			i += k == 0 ? skip : 1;
		} else {
			memcpy(want + o, s + i, k);
			o += k;
			i += k;
		}
	}
	if (v->u.str.len != o || memcmp(v->u.str.s, want, o) != 0) {
		fprintf(stderr, "fuzz_dcv_request: string changed: \"%s\"\n", v->u.str.s);
		abort();
	}
	free(want);
}

static int
std_value(char c)
{
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return c == '-' || c == '_' ? -1 : url_value(c);
}

/* Strict RFC 4648 section 4 base64, padded; -1 if @p s is not exactly that. */
static long
b64_decode(const char *s, size_t n, uint8_t *out)
{
	size_t o = 0;

	if (n % 4 != 0)
		return -1;
	for (size_t i = 0; i < n; i += 4) {
		uint32_t acc = 0;
		size_t pad = 0;

		for (size_t k = 0; k < 4; k++) {
			int v = 0;

			if (s[i + k] == '=' && i + 4 == n && k >= 2)
				pad++;
			else if (pad > 0 || (v = std_value(s[i + k])) < 0)
				return -1;
			acc = acc << 6 | (uint32_t)v;
		}
		out[o++] = (uint8_t)(acc >> 16);
		if (pad < 2)
			out[o++] = (uint8_t)(acc >> 8);
		if (pad < 1)
			out[o++] = (uint8_t)acc;
		if ((pad == 1 && (acc & 0xff) != 0) || (pad == 2 && (acc & 0xffff) != 0))
			return -1;
	}
	return (long)o;
}

/* Addresses as the engines record them: inet_ntop() text. */
static void
fill_addresses(struct dcv_result *res, const uint8_t *data, size_t size, uint32_t g)
{
	res->n_addresses = (g >> 8) & 3;
	CHECK((res->addresses = calloc(res->n_addresses + 1, sizeof(char *))) != NULL);
	for (size_t i = 0; i < res->n_addresses; i++) {
		uint8_t a[16] = { 0 };
		char text[INET6_ADDRSTRLEN];
		size_t off = size * i / 3;

		if (off < size)
			memcpy(a, data + off, size - off < 16 ? size - off : 16);
		CHECK(inet_ntop((g >> (10 + i)) & 1 ? AF_INET6 : AF_INET, a, text,
		    sizeof(text)) != NULL);
		CHECK((res->addresses[i] = strdup(text)) != NULL);
	}
}

static void
fill_dns(struct dcv_result *res, const struct dcv_request *req, const uint8_t *data,
    size_t size, uint32_t h)
{
	char *raw;
	size_t n;

	res->ad_flag = h & 32;
	res->response_code = (int)((h >> 8) & 15);
	raw = slice(data, size, size / 2, sizeof(res->found_at) - 1, NULL);
	snprintf(res->found_at, sizeof(res->found_at), "%s", (h & 16384) ? raw : req->name);
	free(raw);
	res->n_cnames = (h >> 15) & 3;
	for (size_t i = 0; i < res->n_cnames; i++) {
		raw = slice(data, size, size * i / 5, sizeof(res->cname_chain[i]) - 1, NULL);
		memcpy(res->cname_chain[i], raw, strlen(raw) + 1);
		free(raw);
	}
	/* records_seen: raw slices, NUL bytes and invalid UTF-8 included. */
	res->n_seen = (h >> 17) & 7;
	CHECK((res->records_seen = calloc(res->n_seen + 1, sizeof(char *))) != NULL);
	CHECK((res->seen_len = calloc(res->n_seen + 1, sizeof(size_t))) != NULL);
	for (size_t i = 0; i < res->n_seen; i++) {
		res->records_seen[i] = slice(data, size, size * i / 7, 400, &n);
		res->seen_len[i] = n;
	}
}

/* Statuses as libcurl reports them (a long), the odd ones included. */
static const long statuses[] = { 301, 302, 307, 308, 200, 404, 0, -1, 999, LONG_MAX, LONG_MIN };

static void
fill_http(struct dcv_result *res, const uint8_t *data, size_t size, uint32_t g)
{
	size_t n;

	/* Redirects: any status, any Location bytes (a NUL ends the C string). */
	res->n_history = g & 3;
	CHECK((res->history = calloc(res->n_history + 1, sizeof(*res->history))) != NULL);
	for (size_t i = 0; i < res->n_history; i++) {
		res->history[i].status = statuses[size > 0 ? data[size * i / 4] % N(statuses) : 0];
		res->history[i].location = slice(data, size, size * (i + 1) / 5, 2048, NULL);
	}
	if (g & 4)
		res->response_url = slice(data, size, size / 4, 2048, NULL);
	res->response_status_code = statuses[(g >> 4) % N(statuses)];
	/* The page: any bytes, NUL included; empty but present as well. */
	if (g & 8) {
		res->response_page = (uint8_t *)slice(data, size, size / 6, 8192, &n);
		res->response_page_len = n;
	}
	fill_addresses(res, data, size, g);
}

static void
fill_alpn(struct dcv_result *res, const uint8_t *data, size_t size, uint32_t g)
{
	char *raw;
	size_t n;

	raw = slice(data, size, size / 5, sizeof(res->common_name) - 1, &n);
	memcpy(res->common_name, raw, n + 1);
	free(raw);
	res->have_common_name = g & 16;
	fill_addresses(res, data, size, g);
}

static void
check_dns_details(const struct json_value *details, const struct dcv_result *res)
{
	check_keys(details, dns_keys, N(dns_keys));
	if (res->have_details) {
		const struct json_value *seen = member(details, "records_seen", JSON_ARRAY);
		const struct json_value *chain = member(details, "cname_chain", JSON_ARRAY);

		CHECK(seen->u.arr.n == res->n_seen);
		for (size_t i = 0; i < res->n_seen; i++)
			check_lossy(seen->u.arr.items[i], res->records_seen[i], res->seen_len[i]);
		CHECK(member(details, "response_code", JSON_INT)->u.i == res->response_code);
		CHECK(member(details, "ad_flag", JSON_BOOL)->u.b == res->ad_flag);
		check_lossy(json_get(details, "found_at"), res->found_at, strlen(res->found_at));
		CHECK(chain->u.arr.n == res->n_cnames);
		for (size_t i = 0; i < res->n_cnames; i++)
			check_lossy(chain->u.arr.items[i], res->cname_chain[i],
			    strlen(res->cname_chain[i]));
	} else {
		member(details, "records_seen", JSON_NULL);
		member(details, "response_code", JSON_NULL);
		member(details, "ad_flag", JSON_NULL);
		member(details, "found_at", JSON_NULL);
		member(details, "cname_chain", JSON_NULL);
	}
	if (res->have_dnssec)
		CHECK(strcmp(member(details, "dnssec", JSON_STRING)->u.str.s,
		    dnssec_status_name(res->dnssec)) == 0);
	else
		member(details, "dnssec", JSON_NULL);
}

/* resolved_ip and addresses: the address of each connection, the last one first. */
static void
check_addresses(const struct json_value *details, const struct dcv_result *res)
{
	const struct json_value *all = member(details, "addresses", JSON_ARRAY);

	if (res->n_addresses > 0)
		CHECK(strcmp(member(details, "resolved_ip", JSON_STRING)->u.str.s,
		    res->addresses[res->n_addresses - 1]) == 0);
	else
		member(details, "resolved_ip", JSON_NULL);
	CHECK(all->u.arr.n == res->n_addresses);
	for (size_t i = 0; i < res->n_addresses; i++)
		CHECK(all->u.arr.items[i]->type == JSON_STRING &&
		    strcmp(all->u.arr.items[i]->u.str.s, res->addresses[i]) == 0);
}

static void
check_http_details(const struct json_value *details, const struct dcv_result *res)
{
	const struct json_value *v;

	check_keys(details, http_keys, N(http_keys));
	if (res->have_details && res->n_history > 0) {
		v = member(details, "response_history", JSON_ARRAY);
		CHECK(v->u.arr.n == res->n_history);
		for (size_t i = 0; i < res->n_history; i++) {
			const struct json_value *hop = v->u.arr.items[i];

			check_keys(hop, hop_keys, N(hop_keys));
			CHECK(member(hop, "status_code", JSON_INT)->u.i == res->history[i].status);
			check_lossy(json_get(hop, "url"), res->history[i].location,
			    strlen(res->history[i].location));
		}
	} else {
		member(details, "response_history", JSON_NULL);
	}
	if (res->have_details && res->response_url != NULL)
		check_lossy(json_get(details, "response_url"), res->response_url,
		    strlen(res->response_url));
	else
		member(details, "response_url", JSON_NULL);
	if (res->have_details)
		CHECK(member(details, "response_status_code", JSON_INT)->u.i ==
		    res->response_status_code);
	else
		member(details, "response_status_code", JSON_NULL);
	if (res->have_details && res->response_page != NULL) {
		uint8_t *page;

		/* Base64 of the bytes read, NULs and all, and nothing else. */
		v = member(details, "response_page", JSON_STRING);
		CHECK((page = malloc(v->u.str.len / 4 * 3 + 1)) != NULL);
		CHECK(b64_decode(v->u.str.s, v->u.str.len, page) == (long)res->response_page_len);
		CHECK(memcmp(page, res->response_page, res->response_page_len) == 0);
		free(page);
	} else {
		member(details, "response_page", JSON_NULL);
	}
	check_addresses(details, res);
}

static void
check_alpn_details(const struct json_value *details, const struct dcv_result *res)
{
	check_keys(details, alpn_keys, N(alpn_keys));
	if (res->have_common_name)
		check_lossy(json_get(details, "common_name"), res->common_name,
		    strlen(res->common_name));
	else
		member(details, "common_name", JSON_NULL);
	check_addresses(details, res);
}

static void
check_response(const struct dcv_request *req, const uint8_t *data, size_t size)
{
	static const struct perspective_id who[2] = {
		{ .code = "us-east-2", .rir = "ARIN" },
		{ .code = "eu-west-3", .rir = "RIPE NCC" },
	};
	static const char *const error_types[] = { ERRTYPE_DCV_LOOKUP, ERRTYPE_DCV_PARAMETER,
		ERRTYPE_HTTP, ERRTYPE_REDIRECT_INVALID,
		"mpic_error:dcv_checker:tls_alpn:certificate:extension_missing",
		"mpic_error:dcv_checker:tls_alpn:protocol_not_negotiated" };
	enum dcv_method m = req->params.method;
	struct dcv_result res;
	struct json_doc *doc;
	const struct json_value *root, *details, *rid;
	char *body, *raw;
	size_t len = 0;
	uint32_t h = 2166136261u, g;
	long long ts;

	/* Every flag from a hash of the body, so each request varies them. */
	for (size_t i = 0; i < size; i++)
		h = (h ^ data[i]) * 16777619u;
	g = (h ^ (h >> 15)) * 0x2c1b3c6du;
	g ^= g >> 12;
	ts = (h & 1) ? (long long)h * 1000003LL : -(long long)h;

	memset(&res, 0, sizeof(res));
	res.completed = h & 2;
	res.passed = h & 4;
	res.have_details = h & 8;
	res.have_dnssec = h & 16;
	res.dnssec = (enum dnssec_status)((h >> 6) & 3);
	if (h & 4096)
		res.error_type = error_types[(h >> 20) % N(error_types)];
	raw = slice(data, size, size / 3, sizeof(res.error_message) - 1, NULL);
	memcpy(res.error_message, raw, strlen(raw) + 1);
	free(raw);
	/* The details kind the daemon gives each method (perspectived/api.c). */
	res.kind = dcv_methods[m].dns ? DCV_DETAILS_DNS :
	    m == DCV_ACME_TLS_ALPN_01 ? DCV_DETAILS_TLS_ALPN : DCV_DETAILS_HTTP;
	if (res.kind == DCV_DETAILS_DNS)
		fill_dns(&res, req, data, size, h);
	else if (res.kind == DCV_DETAILS_HTTP)
		fill_http(&res, data, size, g);
	else
		fill_alpn(&res, data, size, g);

	body = dcv_response_encode(req, &res, &who[h >> 31], ts, &len);
	CHECK(body != NULL);
	doc = parse_back(body, len, "dcv_response_encode()");
	root = json_root(doc);

	/* Open MPIC's order, then ours (perspective_code, rir, request_id). */
	check_keys(root, top_keys, N(top_keys));
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

		CHECK(errs->u.arr.n == 1 && (e = errs->u.arr.items[0])->type == JSON_OBJECT);
		CHECK(e->u.obj.n == 2);
		CHECK(strcmp(member(e, "error_type", JSON_STRING)->u.str.s, res.error_type) == 0);
		check_lossy(json_get(e, "error_message"), res.error_message,
		    strlen(res.error_message));
	} else {
		member(root, "errors", JSON_NULL);
	}

	details = member(root, "details", JSON_OBJECT);
	CHECK(strcmp(member(details, "validation_method", JSON_STRING)->u.str.s,
	    dcv_methods[m].name) == 0);
	if (res.kind == DCV_DETAILS_DNS)
		check_dns_details(details, &res);
	else if (res.kind == DCV_DETAILS_HTTP)
		check_http_details(details, &res);
	else
		check_alpn_details(details, &res);

	json_doc_free(doc);
	free(body);
	dcv_result_release(&res);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_doc *doc = NULL;
	struct dcv_request *req;
	char err[512];

	/* The struct is about 27 KB; on the heap, as in the daemon. */
	CHECK((req = malloc(sizeof(*req))) != NULL);
	memset(err, 0, sizeof(err));
	if (dcv_request_decode((const char *)data, size, &doc, req, err, sizeof(err)) == -1) {
		CHECK(memchr(err, '\0', sizeof(err)) != NULL);
		check_error(err);
	} else {
		CHECK(doc != NULL);
		check_request(req, doc);
		check_response(req, data, size);
	}
	json_doc_free(doc);
	free(req);
	return 0;
}
