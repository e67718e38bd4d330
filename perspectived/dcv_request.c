/*
 * dcv_request.c: decoding DcvCheckRequest bodies and encoding their
 * CheckResponses (open-mpic-api.md 2.3, 3.3, 5.3 and 6; our extensions in
 * spec/perspective-api.yaml).
 */
#include "dcv_request.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "base64.h"
#include "dns_rdata.h"
#include "errors.h"

#define P "dcv_check_parameters"

static const struct {
	const char *name;
	uint16_t type;
} record_types[] = {
	{ "A", DNS_TYPE_A }, { "AAAA", DNS_TYPE_AAAA }, { "CAA", DNS_TYPE_CAA },
	{ "CNAME", DNS_TYPE_CNAME }, { "TXT", DNS_TYPE_TXT }, { "PTR", DNS_TYPE_PTR },
};

static const char *
type_name(uint16_t t)
{
	for (size_t i = 0; i < sizeof(record_types) / sizeof(record_types[0]); i++)
		if (record_types[i].type == t)
			return record_types[i].name;
	return "?";
}

/* A required or optional string parameter, non-empty when present. */
static int
get_str(const struct json_value *o, const char *key, bool required, size_t max,
    const char **out, char *err, size_t errlen)
{
	size_t len = 0;
	int rc = json_get_string(o, P, key, max, out, &len, err, errlen);

	if (rc == -1)
		return -1;
	if (rc == 0 && required) {
		snprintf(err, errlen, P ".%s: required", key);
		return -1;
	}
	if (rc == 1 && len == 0) {
		/* Open MPIC refuses this only for website-change; we always do. */
		snprintf(err, errlen, P ".%s: must not be empty", key);
		return -1;
	}
	if (rc == 0)
		*out = NULL;
	return 0;
}

/* A field that may be sent, but only with its fixed value. */
static int
fixed_str(const struct json_value *o, const char *key, const char *fixed, const char *method,
    char *err, size_t errlen)
{
	const char *v;
	size_t len;
	int rc = json_get_string(o, P, key, 64, &v, &len, err, errlen);

	if (rc == -1)
		return -1;
	if (rc == 1 && (fixed == NULL || strcmp(v, fixed) != 0)) {
		if (fixed != NULL)
			snprintf(err, errlen, P ".%s: must be \"%s\" for %s", key, fixed, method);
		else
			snprintf(err, errlen, P ".%s: not a parameter of %s", key, method);
		return -1;
	}
	return 0;
}

static int
get_type(const struct json_value *o, const uint16_t *allowed, size_t n, const char *method,
    uint16_t *out, char *err, size_t errlen)
{
	const char *v;
	size_t len;
	int rc = json_get_string(o, P, "dns_record_type", 16, &v, &len, err, errlen);
	char list[64] = "";

	if (rc == -1)
		return -1;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(list);

		snprintf(list + l, sizeof(list) - l, "%s%s", i > 0 ? ", " : "", type_name(allowed[i]));
		if (rc == 1 && strcmp(v, type_name(allowed[i])) == 0) {
			*out = allowed[i];
			return 0;
		}
	}
	if (rc == 0)
		snprintf(err, errlen, P ".dns_record_type: required (%s)", list);
	else
		snprintf(err, errlen, P ".dns_record_type: must be one of %s for %s", list, method);
	return -1;
}

/*
 * dns_name_prefix: labels of letters, digits, hyphens and underscores.
 * BR 3.2.2.4.7 allows the name itself or an underscore-prefixed label for
 * DNS Change, so for dns-change the first label must start with "_".
 */
static int
get_prefix(const struct json_value *o, bool underscore, struct dcv_request *req, char *err,
    size_t errlen)
{
	const char *v;
	size_t len, start = 0;
	int rc = json_get_string(o, P, "dns_name_prefix", 200, &v, &len, err, errlen);

	if (rc == -1)
		return -1;
	if (rc == 0 || len == 0)
		return 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && v[i] != '.') {
			char ch = v[i];

			if (!isalnum((unsigned char)ch) && ch != '-' && ch != '_') {
				snprintf(err, errlen, P ".dns_name_prefix: only letters, digits, \"-\" and "
				    "\"_\" are allowed in labels");
				return -1;
			}
			continue;
		}
		if (i == start || i - start > 63) {
			snprintf(err, errlen, P ".dns_name_prefix: empty or over-long label");
			return -1;
		}
		start = i + 1;
	}
	if (underscore && v[0] != '_') {
		snprintf(err, errlen, P ".dns_name_prefix: must start with \"_\" (BR 3.2.2.4.7)");
		return -1;
	}
	for (size_t i = 0; i < len; i++)
		req->prefix_store[i] = (char)tolower((unsigned char)v[i]);
	req->prefix_store[len] = '\0';
	req->params.name_prefix = req->prefix_store;
	return 0;
}

static int
get_bool(const struct json_value *o, const char *key, bool *out, char *err, size_t errlen)
{
	return json_get_bool(o, P, key, out, err, errlen) == -1 ? -1 : 0;
}

/* require_exact_case when the method fixes it: only its fixed value may be sent. */
static int
fixed_case(const struct json_value *o, int fixed, const char *method, bool *out, char *err,
    size_t errlen)
{
	bool v;
	int rc = json_get_bool(o, P, "require_exact_case", &v, err, errlen);

	if (rc == -1)
		return -1;
	if (rc == 1 && v != (fixed == 1)) {
		snprintf(err, errlen, P ".require_exact_case: must be %s for %s",
		    fixed == 1 ? "true" : "false", method);
		return -1;
	}
	*out = fixed == 1;
	return 0;
}

/* An absolute URI: scheme ":" something, no spaces or control characters. */
static int
get_uri(const struct json_value *o, const char *key, const char **out, char *err,
    size_t errlen)
{
	const char *v, *colon;

	if (get_str(o, key, true, DCV_MAX_VALUE, &v, err, errlen) == -1)
		return -1;
	colon = strchr(v, ':');
	if (colon == NULL || colon == v || colon[1] == '\0' || !isalpha((unsigned char)v[0]) ||
	    strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-") !=
	    (size_t)(colon - v)) {
		snprintf(err, errlen, P ".%s: must be an absolute URI (scheme:...)", key);
		return -1;
	}
	for (const char *p = v; *p != '\0'; p++) {
		if ((unsigned char)*p <= 0x20 || *p == 0x7f) {
			snprintf(err, errlen, P ".%s: spaces and control characters are not allowed",
			    key);
			return -1;
		}
	}
	*out = v;
	return 0;
}

static int
get_issuers(const struct json_value *o, struct dcv_request *req, char *err, size_t errlen)
{
	const struct json_value *arr;
	int rc = json_get_string_array(o, P, "issuer_domain_names", DCV_MAX_ISSUERS,
	    NAME_MAX_INPUT, &arr, err, errlen);

	if (rc == -1)
		return -1;
	if (rc == 0 || arr->u.arr.n == 0) {
		snprintf(err, errlen, P ".issuer_domain_names: required, a non-empty list");
		return -1;
	}
	for (size_t i = 0; i < arr->u.arr.n; i++) {
		const struct json_value *v = arr->u.arr.items[i];
		const char *why;
		bool wild;

		if (name_normalize(v->u.str.s, v->u.str.len, 0, req->issuer_store[i], &wild,
		    &why) == -1) {
			snprintf(err, errlen, P ".issuer_domain_names[%zu]: %s", i, why);
			return -1;
		}
		req->issuers[i] = req->issuer_store[i];
	}
	req->params.issuers = req->issuers;
	req->params.n_issuers = arr->u.arr.n;
	return 0;
}


/* A string of letters, digits and the characters in @p extra only. */
static bool
only_chars(const char *s, const char *extra)
{
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && strchr(extra, *s) == NULL)
			return false;
	return true;
}

/*
 * http_headers: an object of header names to values, sent as given. No
 * line breaks (no header injection), no headers that would change where or
 * how we connect (Host) or how we read the answer, bounded in number and size.
 */
static int
get_headers(const struct json_value *o, struct dcv_request *req, char *err, size_t errlen)
{
	static const char *const refused[] = {
		"host", "content-length", "transfer-encoding", "connection", "accept-encoding",
		"te", "upgrade", "proxy-authorization", "proxy-connection", "expect", "cookie",
		NULL,
	};
	const struct json_value *h;
	int rc = json_get_object(o, P, "http_headers", &h, err, errlen);

	if (rc != 1)
		return rc;
	if (h->u.obj.n > DCV_MAX_HTTP_HEADERS) {
		snprintf(err, errlen, P ".http_headers: more than %d headers", DCV_MAX_HTTP_HEADERS);
		return -1;
	}
	for (size_t i = 0; i < h->u.obj.n; i++) {
		const struct json_member *m = &h->u.obj.members[i];
		const struct json_value *v = m->value;

		if (m->key_len == 0 || m->key_len > 64 || !only_chars(m->key, "!#$%&'*+-.^_`|~")) {
			snprintf(err, errlen, P ".http_headers: not a header name");
			return -1;
		}
		for (size_t k = 0; refused[k] != NULL; k++) {
			if (strcasecmp(m->key, refused[k]) == 0) {
				snprintf(err, errlen, P ".http_headers.%s: this header may not be set",
				    m->key);
				return -1;
			}
		}
		if (v->type != JSON_STRING || v->u.str.len > 1024 ||
		    check_has_control(v->u.str.s, v->u.str.len)) {
			snprintf(err, errlen, P ".http_headers.%s: must be a string of at most 1024 "
			    "characters without control characters", m->key);
			return -1;
		}
		snprintf(req->header_store[i], sizeof(req->header_store[i]), "%s: %s", m->key,
		    v->u.str.s);
		req->headers[i] = req->header_store[i];
	}
	req->params.http_headers = req->headers;
	req->params.n_http_headers = h->u.obj.n;
	return 0;
}

static int
get_regex(const struct json_value *o, struct dcv_params *p, char *err, size_t errlen)
{
	const char *v;
	size_t len;
	int rc = json_get_string(o, P, "match_regex", DCV_MAX_REGEX, &v, &len, err, errlen);
	pcre2_code *re;
	int code;
	PCRE2_SIZE off;

	if (rc != 1 || len == 0)
		return rc == -1 ? -1 : 0;
	re = pcre2_compile((PCRE2_SPTR)v, PCRE2_ZERO_TERMINATED,
	    PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_NEVER_BACKSLASH_C, &code, &off, NULL);
	if (re == NULL) {
		PCRE2_UCHAR msg[128];

		pcre2_get_error_message(code, msg, sizeof(msg));
		snprintf(err, errlen, P ".match_regex: not a PCRE2 regular expression: %s at %zu",
		    (const char *)msg, (size_t)off);
		return -1;
	}
	pcre2_code_free(re);
	p->match_regex = v;
	return 0;
}

/* acme-tls-alpn-01's hash: hex as Open MPIC sends it, or base64url. */
static bool
decode_alpn_hash(const char *v, uint8_t out[32])
{
	size_t len = strlen(v);

	if (len == 64 && strspn(v, "0123456789abcdefABCDEF") == 64) {
		for (size_t i = 0; i < 32; i++) {
			char hex[3] = { v[2 * i], v[2 * i + 1], '\0' };

			out[i] = (uint8_t)strtoul(hex, NULL, 16);
		}
		return true;
	}
	return base64url_decode(v, len, out, 32) == 32;
}

static int
decode_method(const struct json_value *o, struct dcv_request *req, char *err, size_t errlen)
{
	struct dcv_params *p = &req->params;
	const struct dcv_method_info *mi = &dcv_methods[p->method];
	const char *m = mi->name;
	static const uint16_t change_types[] = { DNS_TYPE_CNAME, DNS_TYPE_TXT, DNS_TYPE_CAA };
	static const uint16_t ip_types[] = { DNS_TYPE_A, DNS_TYPE_AAAA };

	/* Fixed fields first: they may be echoed back to us with their value. */
	if (mi->fixed_type != 0 &&
	    fixed_str(o, "dns_record_type", type_name(mi->fixed_type), m, err, errlen) == -1)
		return -1;
	if (mi->prefix != NULL && fixed_str(o, "dns_name_prefix", mi->prefix, m, err, errlen) == -1)
		return -1;
	if (mi->exact_case != -1 && fixed_case(o, mi->exact_case, m, &p->require_exact_case, err,
	    errlen) == -1)
		return -1;

	switch (p->method) {
	case DCV_ACME_DNS_01:
		return get_str(o, "key_authorization_hash", true, DCV_MAX_VALUE,
		    &p->key_authorization_hash, err, errlen);
	case DCV_DNS_ACCOUNT_01:
		/* The label is derived from the account URI; no prefix may be sent. */
		if (fixed_str(o, "dns_name_prefix", NULL, m, err, errlen) == -1 ||
		    get_uri(o, "account_uri", &p->account_uri, err, errlen) == -1)
			return -1;
		return get_str(o, "key_authorization_hash", true, DCV_MAX_VALUE,
		    &p->key_authorization_hash, err, errlen);
	case DCV_DNS_CHANGE:
		p->require_exact_case = true;
		if (get_str(o, "challenge_value", true, DCV_MAX_VALUE, &p->challenge_value, err,
		    errlen) == -1 ||
		    get_type(o, change_types, 3, m, &p->record_type, err, errlen) == -1 ||
		    get_prefix(o, true, req, err, errlen) == -1 ||
		    get_bool(o, "require_exact_match", &p->require_exact_match, err, errlen) == -1 ||
		    get_bool(o, "require_exact_case", &p->require_exact_case, err, errlen) == -1)
			return -1;
		/* Open MPIC: case is compared only for TXT. */
		if (p->record_type != DNS_TYPE_TXT)
			p->require_exact_case = false;
		return 0;
	case DCV_DNS_PERSISTENT:
		if (get_issuers(o, req, err, errlen) == -1)
			return -1;
		return get_uri(o, "expected_account_uri", &p->expected_account_uri, err, errlen);
	case DCV_CONTACT_EMAIL_TXT:
	case DCV_CONTACT_PHONE_TXT:
		return get_str(o, "challenge_value", true, DCV_MAX_VALUE, &p->challenge_value, err,
		    errlen);
	case DCV_CONTACT_EMAIL_CAA:
	case DCV_CONTACT_PHONE_CAA:
	case DCV_REVERSE_ADDRESS_LOOKUP:
		if (get_str(o, "challenge_value", true, DCV_MAX_VALUE, &p->challenge_value, err,
		    errlen) == -1)
			return -1;
		return get_prefix(o, false, req, err, errlen);
	case DCV_IP_ADDRESS:
		if (get_str(o, "challenge_value", true, DCV_MAX_VALUE, &p->challenge_value, err,
		    errlen) == -1 ||
		    get_type(o, ip_types, 2, m, &p->record_type, err, errlen) == -1)
			return -1;
		return get_prefix(o, false, req, err, errlen);
	case DCV_WEBSITE_CHANGE: {
		const char *scheme;
		size_t slen;
		int rc;

		p->require_exact_case = true;
		if (get_str(o, "challenge_value", true, DCV_MAX_VALUE, &p->challenge_value, err,
		    errlen) == -1 ||
		    get_str(o, "http_token_path", true, 255, &p->http_token_path, err, errlen) == -1)
			return -1;
		/* BR 3.2.2.4.18: a file under /.well-known/pki-validation/; no
		 * other directory, no traversal, no escapes. */
		if (!only_chars(p->http_token_path, "._~-") || strstr(p->http_token_path, "..") != NULL ||
		    strcmp(p->http_token_path, ".") == 0) {
			snprintf(err, errlen, P ".http_token_path: only letters, digits, \".\", \"_\", "
			    "\"~\" and \"-\" (a file name, not \".\", no \"..\")");
			return -1;
		}
		rc = json_get_string(o, P, "url_scheme", 8, &scheme, &slen, err, errlen);
		if (rc == -1)
			return -1;
		if (json_get(o, "url_scheme") != NULL && (rc == 0 ||
		    (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0))) {
			snprintf(err, errlen, P ".url_scheme: must be \"http\" or \"https\"");
			return -1;
		}
		p->https = rc == 1 && strcmp(scheme, "https") == 0;
		if (get_headers(o, req, err, errlen) == -1 || get_regex(o, p, err, errlen) == -1 ||
		    get_bool(o, "require_exact_case", &p->require_exact_case, err, errlen) == -1)
			return -1;
		return 0;
	}
	case DCV_ACME_HTTP_01:
		if (get_str(o, "token", true, 256, &p->token, err, errlen) == -1 ||
		    get_str(o, "key_authorization", true, DCV_MAX_VALUE, &p->key_authorization, err,
		    errlen) == -1)
			return -1;
		/* RFC 8555 8.1: the token is base64url, so the URL has no other path. */
		if (!only_chars(p->token, "_-")) {
			snprintf(err, errlen, P ".token: must be base64url (letters, digits, \"-\", \"_\")");
			return -1;
		}
		if (check_has_control(p->key_authorization, strlen(p->key_authorization))) {
			snprintf(err, errlen, P ".key_authorization: control characters are not allowed");
			return -1;
		}
		return get_headers(o, req, err, errlen);
	case DCV_ACME_TLS_ALPN_01:
		if (get_str(o, "key_authorization_hash", true, DCV_MAX_VALUE,
		    &p->key_authorization_hash, err, errlen) == -1)
			return -1;
		/* A hash that is neither hex nor base64url of 32 bytes is Open
		 * MPIC's parameter error, reported by the check, not a 400. */
		p->alpn_digest_ok = decode_alpn_hash(p->key_authorization_hash, p->alpn_digest);
		return 0;
	default:
		snprintf(err, errlen, P ".validation_method: %s is not offered by this perspective",
		    m);
		return -1;
	}
}

int
dcv_request_decode(const char *body, size_t len, struct json_doc **docp,
    struct dcv_request *req, char *err, size_t errlen)
{
	const struct json_value *root, *params;
	const char *method;
	size_t mlen;
	int rc, mi;

	memset(req, 0, sizeof(*req));
	req->params.now = time(NULL);
	/* DNS methods validate the base name of a wildcard (BR 3.2.2.4.7). */
	if (check_common_decode(body, len, NAME_ALLOW_WILDCARD, docp, &root, &req->common, err,
	    errlen) == -1)
		return -1;
	rc = json_get_object(root, "", P, &params, err, errlen);
	if (rc == -1)
		return -1;
	if (rc == 0) {
		snprintf(err, errlen, P ": required");
		return -1;
	}
	rc = json_get_string(params, P, "validation_method", 64, &method, &mlen, err, errlen);
	if (rc == -1)
		return -1;
	if (rc == 0) {
		snprintf(err, errlen, P ".validation_method: required");
		return -1;
	}
	if ((mi = dcv_method_from_name(method)) == -1) {
		snprintf(err, errlen, P ".validation_method: not a validation method");
		return -1;
	}
	req->params.method = (enum dcv_method)mi;
	if (decode_method(params, req, err, errlen) == -1)
		return -1;

	if (!dcv_methods[req->params.method].dns) {
		/* Open MPIC quietly validates the base name of a wildcard here;
		 * these methods cannot validate a wildcard (5.7 item 9). */
		if (req->common.target.wildcard) {
			snprintf(err, errlen, "domain_or_ip_target: %s cannot validate a wildcard name",
			    dcv_methods[req->params.method].name);
			return -1;
		}
		snprintf(req->name, sizeof(req->name), "%s", req->common.target.name);
		return 0;
	}
	if (req->common.target.kind != TARGET_DNS) {
		/* An IP target: only its reverse name can be validated by DNS. */
		if (req->params.method != DCV_REVERSE_ADDRESS_LOOKUP) {
			snprintf(err, errlen, "domain_or_ip_target: an IP address can be validated "
			    "only by reverse-address-lookup");
			return -1;
		}
		if (dns_reverse_name(req->common.target.kind == TARGET_IPV4 ? AF_INET : AF_INET6,
		    req->common.target.addr, req->name, sizeof(req->name)) == -1) {
			snprintf(err, errlen, "domain_or_ip_target: no reverse name");
			return -1;
		}
	} else {
		snprintf(req->name, sizeof(req->name), "%s", req->common.target.name);
	}
	{
		char q[NAME_BUF];

		if (dcv_query_name(&req->params, req->name, q) == -1) {
			snprintf(err, errlen, "domain_or_ip_target: with the method's prefix, the "
			    "name would be longer than 253 octets");
			return -1;
		}
	}
	return 0;
}

static void
write_addresses(struct json_writer *w, const struct dcv_result *res)
{
	/* Extension: where the check connected, hop by hop. */
	json_w_key(w, "resolved_ip");
	if (res->n_addresses > 0)
		json_w_string(w, res->addresses[res->n_addresses - 1]);
	else
		json_w_null(w);
	json_w_key(w, "addresses");
	json_w_array_open(w);
	for (size_t i = 0; i < res->n_addresses; i++)
		json_w_string(w, res->addresses[i]);
	json_w_array_close(w);
}

static void
write_http_details(struct json_writer *w, const struct dcv_result *res)
{
	json_w_key(w, "response_history");
	if (res->have_details && res->n_history > 0) {
		json_w_array_open(w);
		for (size_t i = 0; i < res->n_history; i++) {
			json_w_object_open(w);
			json_w_key(w, "status_code");
			json_w_int(w, res->history[i].status);
			json_w_key(w, "url");
			json_w_string_lossy(w, res->history[i].location,
			    strlen(res->history[i].location));
			json_w_object_close(w);
		}
		json_w_array_close(w);
	} else {
		json_w_null(w);
	}
	json_w_key(w, "response_url");
	if (res->have_details && res->response_url != NULL)
		json_w_string_lossy(w, res->response_url, strlen(res->response_url));
	else
		json_w_null(w);
	json_w_key(w, "response_status_code");
	if (res->have_details)
		json_w_int(w, res->response_status_code);
	else
		json_w_null(w);
	json_w_key(w, "response_page");
	if (res->have_details && res->response_page != NULL) {
		char *b64 = malloc(BASE64_LEN(res->response_page_len));

		if (b64 != NULL) {
			base64_encode(res->response_page, res->response_page_len, b64);
			json_w_string(w, b64);
			free(b64);
		} else {
			json_w_null(w);
		}
	} else {
		json_w_null(w);
	}
	write_addresses(w, res);
}

static void
write_alpn_details(struct json_writer *w, const struct dcv_result *res)
{
	json_w_key(w, "common_name");
	if (res->have_common_name)
		json_w_string_lossy(w, res->common_name, strlen(res->common_name));
	else
		json_w_null(w);
	write_addresses(w, res);
}

static void
write_dns_details(struct json_writer *w, const struct dcv_result *res)
{
	json_w_key(w, "records_seen");
	if (res->have_details) {
		json_w_array_open(w);
		for (size_t i = 0; i < res->n_seen; i++)
			json_w_string_lossy(w, res->records_seen[i], res->seen_len[i]);
		json_w_array_close(w);
	} else {
		json_w_null(w);
	}
	json_w_key(w, "response_code");
	if (res->have_details)
		json_w_int(w, res->response_code);
	else
		json_w_null(w);
	json_w_key(w, "ad_flag");
	if (res->have_details)
		json_w_bool(w, res->ad_flag);
	else
		json_w_null(w);
	json_w_key(w, "found_at");
	if (res->have_details)
		json_w_string_lossy(w, res->found_at, strlen(res->found_at));
	else
		json_w_null(w);
	json_w_key(w, "cname_chain");
	if (res->have_details) {
		json_w_array_open(w);
		for (size_t i = 0; i < res->n_cnames; i++)
			json_w_string_lossy(w, res->cname_chain[i], strlen(res->cname_chain[i]));
		json_w_array_close(w);
	} else {
		json_w_null(w);
	}
	json_w_key(w, "dnssec");
	if (res->have_dnssec)
		json_w_string(w, dnssec_status_name(res->dnssec));
	else
		json_w_null(w);
}

char *
dcv_response_encode(const struct dcv_request *req, const struct dcv_result *res,
    const struct perspective_id *who, long long timestamp_ns, size_t *len)
{
	struct json_writer *w;
	const char *out;
	char *copy = NULL;

	if ((w = json_w_new(1024 * 1024)) == NULL)
		return NULL;
	json_w_object_open(w);
	json_w_key(w, "check_completed");
	json_w_bool(w, res->completed);
	json_w_key(w, "check_passed");
	json_w_bool(w, res->passed);
	json_w_key(w, "errors");
	if (res->error_type != NULL) {
		json_w_array_open(w);
		json_w_object_open(w);
		json_w_key(w, "error_type");
		json_w_string(w, res->error_type);
		json_w_key(w, "error_message");
		json_w_string_lossy(w, res->error_message, strlen(res->error_message));
		json_w_object_close(w);
		json_w_array_close(w);
	} else {
		json_w_null(w);
	}
	json_w_key(w, "timestamp_ns");
	json_w_int(w, timestamp_ns);
	json_w_key(w, "check_type");
	json_w_string(w, "dcv");
	json_w_key(w, "details");
	json_w_object_open(w);
	json_w_key(w, "validation_method");
	json_w_string(w, dcv_methods[req->params.method].name);
	if (res->kind == DCV_DETAILS_HTTP)
		write_http_details(w, res);
	else if (res->kind == DCV_DETAILS_TLS_ALPN)
		write_alpn_details(w, res);
	else
		write_dns_details(w, res);
	json_w_object_close(w);
	check_write_identity(w, &req->common, who);
	json_w_object_close(w);
	if ((out = json_w_finish(w, len)) != NULL && (copy = malloc(*len + 1)) != NULL)
		memcpy(copy, out, *len + 1);
	json_w_free(w);
	return copy;
}
