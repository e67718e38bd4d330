/*
 * test_dcv_http.c: website-change, acme-http-01 and acme-tls-alpn-01 on
 * running lab perspectives against the lab's hostile targets
 * (tests/lab/README.md, "Web, TLS-ALPN, rebinding and canary"; security.md
 * "HTTP validation", "TLS-ALPN" and "Hostile targets").
 *
 * Every behaviour of hostile.py's catalogue that concerns HTTP, and every
 * variant of tlsalpn.py's matrix, is asked of a perspective and the answer
 * checked in full: check_completed, check_passed, the error type and its
 * exact message (Open MPIC's wording; the redirect target or the
 * "Error type: ..." kind), and the details (response_history with the raw
 * Locations, response_url, response_status_code, response_page, resolved_ip
 * and addresses). Whatever the target does, a perspective may only ever
 * connect to the lab's target addresses (127.0.80.0/24): every address it
 * reports is checked, and after every test LAB_DIR/canary.log must be empty
 * (no connection to a forbidden address or port, no tripwire path
 * followed), nginx's 8080 listener must have seen nothing, and every
 * perspective must still answer /livez.
 *
 * Batches of cases run at once (lab_request_all), spread over the six
 * perspectives; each case's verdict is fixed, so the order does not matter.
 * Besides the answers, the tests read the lab servers' own logs: hostile.py's
 * requests (headers sent, which URLs were fetched), rebind.py's queries (how
 * often a name was resolved) and tlsalpn.py's handshakes (ALPN, versions and
 * SNI offered). No test asserts a duration.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "base64.h"
#include "json.h"
#include "lab.h"

TestSuite(dcv_http, .timeout = 90);

/* The lab's values (tests/lab/README.md "Values"; checked against LAB_DIR/env). */
#define HOSTILE "hostile.web.test"
#define TP "AM_fN0M23Vp5T426WYwXpHUm_wstdWzNIY4DmErGt6E"
#define WCV "Lab-Web-Change-Value-77"
#define WC_CONTENT "Lab website-change file.\nValue: " WCV "\n"
#define ALPN_HASH "0c9185eee4157c46586d65767178a381a891a3acbc443131295b15e106dea8b5"
#define ALPN_HASH_B64 "DJGF7uQVfEZYbWV2cXijgaiRo6y8RDExKVsV4QbeqLU"
#define ALPN_WRONG_HASH "f2647a6c58fdc7c61ed18db9f817bb8d462bbcee5353b8f8359cf7faa8853fed"
#define ACME_PFX "/.well-known/acme-challenge/"
#define PKI_PFX "/.well-known/pki-validation/"
#define HACME "http://" HOSTILE ACME_PFX
#define HPKI "http://" HOSTILE PKI_PFX
#define BODY_CAP 4096 /* dcv_http.c BODY_MIN: what a check reads at most here */

#define ET_LOOKUP "mpic_error:dcv_checker:lookup"
#define ET_PARAM "mpic_error:dcv_checker:parameter"
#define ET_HTTP "mpic_error:http"
#define ET_REDIR "mpic_error:redirect:invalid"
#define ET_ALPN "mpic_error:dcv_checker:tls_alpn"
#define ET_CERT ET_ALPN ":certificate"

#define MAX_BATCH 48

enum meth { ACME, WC, ALPN };

static const char *const method_names[] = { "acme-http-01", "website-change",
	"acme-tls-alpn-01" };

/* One check and what must come back. Zero values are the defaults. */
struct hc {
	const char *name;      /* the behaviour: acme token / website-change file / label */
	enum meth m;
	const char *target;    /* NULL: hostile.web.test */
	const char *token;     /* acme token or http_token_path; NULL: name */
	const char *ka;        /* acme key_authorization (NULL: token.TP); ALPN hash (NULL: hex) */
	const char *challenge; /* website-change challenge_value; NULL: WCV */
	const char *extra;     /* more members of dcv_check_parameters (",\"k\":v"), or NULL */
	int p;                 /* perspective; 0: spread over the lab */
	/* the verdict */
	bool completed, passed;
	const char *etype;     /* error_type; NULL: errors is null */
	const char *kind;      /* LOOKUP: the Error type; REDIR: the raw Location; HTTP: the
	                        * reason; others: the whole message */
	const char *alt;       /* LOOKUP: another Error type that is as good */
	int code;              /* REDIR, HTTP: the status in the message */
	const char *text;      /* LOOKUP: a piece of the message after the kind */
	const char *text_alt;  /* LOOKUP: or this piece */
	/* details after a final 200 (HTTP) */
	int hops;              /* response_history entries (0: null) */
	int hist_code;         /* status of the first entry (0: 302) */
	const char *hist_url;  /* url of the first entry (the raw Location), NULL: unchecked */
	const char *final;     /* response_url; NULL: the first URL */
	const char *page;      /* response_page decoded; NULL: the content of the token */
	size_t page_len;       /* if page is NULL and page_len > 0: only its length is checked */
	const char *cn;        /* ALPN: common_name, NULL: null */
	/* where it connected */
	const char *addr;      /* every address; NULL: 127.0.80.2 (ALPN: 127.0.80.1) */
	bool no_addr;          /* addresses must be empty */
	int n_addr;            /* without details: the number of connections (0: unchecked) */
};

struct got {
	struct json_doc *doc;
	const struct json_value *root, *details;
	char *body;
	int p;
};

/* ---- small helpers -------------------------------------------------------- */

static const struct json_value *
member(const struct json_value *obj, const char *key, enum json_type t, const char *what)
{
	const struct json_value *v = json_get(obj, key);

	cr_assert_not_null(v, "%s: member \"%s\" missing", what, key);
	cr_assert_eq(v->type, t, "%s: member \"%s\" is a %s, expected a %s", what, key,
	    json_type_name(v->type), json_type_name(t));
	return v;
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
		    "%s member %zu is \"%s\", expected \"%s\"", what, i,
		    obj->u.obj.members[i].key, keys[i]);
}

static int
b64val(char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '+')
		return 62;
	if (ch == '/')
		return 63;
	return -1;
}

/* Standard base64 with padding (response_page); heap, NUL-terminated. */
static uint8_t *
b64_decode(const char *s, size_t *outlen, const char *what)
{
	size_t len = strlen(s), o = 0;
	uint8_t *out = malloc(len / 4 * 3 + 1);

	cr_assert_not_null(out);
	cr_assert_eq(len % 4, 0, "%s: response_page is not padded base64", what);
	for (size_t i = 0; i < len; i += 4) {
		int v[4];

		for (int k = 0; k < 4; k++) {
			v[k] = s[i + k] == '=' ? 0 : b64val(s[i + k]);
			cr_assert(v[k] >= 0, "%s: response_page is not base64", what);
		}
		out[o++] = (uint8_t)(v[0] << 2 | v[1] >> 4);
		if (s[i + 2] != '=')
			out[o++] = (uint8_t)((v[1] & 15) << 4 | v[2] >> 2);
		if (s[i + 3] != '=')
			out[o++] = (uint8_t)((v[2] & 3) << 6 | v[3]);
	}
	out[o] = '\0';
	*outlen = o;
	return out;
}

static const char *
hc_target(const struct hc *k)
{
	return k->target != NULL ? k->target : HOSTILE;
}

static const char *
hc_token(const struct hc *k)
{
	return k->token != NULL ? k->token : k->name;
}

/* The request body of a case, heap. */
static char *
hc_body(const struct hc *k)
{
	char *b = malloc(8192);
	const char *extra = k->extra != NULL ? k->extra : "";

	cr_assert_not_null(b);
	if (k->m == ACME) {
		if (k->ka != NULL)
			snprintf(b, 8192, "{\"domain_or_ip_target\":\"%s\",\"dcv_check_parameters\":"
			    "{\"validation_method\":\"acme-http-01\",\"token\":\"%s\","
			    "\"key_authorization\":\"%s\"%s}}", hc_target(k), hc_token(k), k->ka, extra);
		else
			snprintf(b, 8192, "{\"domain_or_ip_target\":\"%s\",\"dcv_check_parameters\":"
			    "{\"validation_method\":\"acme-http-01\",\"token\":\"%s\","
			    "\"key_authorization\":\"%s.%s\"%s}}", hc_target(k), hc_token(k),
			    hc_token(k), TP, extra);
	} else if (k->m == WC) {
		snprintf(b, 8192, "{\"domain_or_ip_target\":\"%s\",\"dcv_check_parameters\":"
		    "{\"validation_method\":\"website-change\",\"challenge_value\":\"%s\","
		    "\"http_token_path\":\"%s\"%s}}", hc_target(k),
		    k->challenge != NULL ? k->challenge : WCV, hc_token(k), extra);
	} else {
		snprintf(b, 8192, "{\"domain_or_ip_target\":\"%s\",\"dcv_check_parameters\":"
		    "{\"validation_method\":\"acme-tls-alpn-01\",\"key_authorization_hash\":\"%s\""
		    "%s}}", hc_target(k), k->ka != NULL ? k->ka : ALPN_HASH, extra);
	}
	return b;
}

/* The error of a case: type, and the message in Open MPIC's wording. */
static void
check_error(const struct hc *k, const struct json_value *root, const char *what)
{
	const struct json_value *errors = json_get(root, "errors"), *e;
	static const char *const error_keys[] = { "error_type", "error_message", NULL };
	char want[1200];
	const char *type, *msg;

	cr_assert_not_null(errors, "%s: no errors member", what);
	if (k->etype == NULL) {
		cr_assert_eq(errors->type, JSON_NULL, "%s: errors is not null", what);
		return;
	}
	cr_assert_eq(errors->type, JSON_ARRAY, "%s: errors is a %s", what,
	    json_type_name(errors->type));
	cr_assert_eq(errors->u.arr.n, 1, "%s: %zu errors", what, errors->u.arr.n);
	e = errors->u.arr.items[0];
	assert_keys(e, error_keys, "errors[0]");
	type = member(e, "error_type", JSON_STRING, what)->u.str.s;
	msg = member(e, "error_message", JSON_STRING, what)->u.str.s;
	cr_assert_str_eq(type, k->etype, "%s: error_type %s, expected %s", what, type, k->etype);
	if (strcmp(k->etype, ET_LOOKUP) == 0) {
		char alt[400] = "";
		bool ok;

		snprintf(want, sizeof(want), "There was an error looking up the DCV record. "
		    "Error type: %s, Error message: ", k->kind);
		if (k->alt != NULL)
			snprintf(alt, sizeof(alt), "There was an error looking up the DCV record. "
			    "Error type: %s, Error message: ", k->alt);
		ok = strncmp(msg, want, strlen(want)) == 0;
		if (!ok && k->alt != NULL && strncmp(msg, alt, strlen(alt)) == 0) {
			ok = true;
			memcpy(want, alt, strlen(alt) + 1);
		}
		cr_assert(ok, "%s: the message does not start with \"%s\"%s%s: %s", what, want,
		    k->alt != NULL ? " or " : "", alt, msg);
		cr_assert(strlen(msg) > strlen(want), "%s: no reason in \"%s\"", what, msg);
		if (k->text != NULL)
			cr_assert(strstr(msg + strlen(want), k->text) != NULL ||
			    (k->text_alt != NULL && strstr(msg + strlen(want), k->text_alt) != NULL),
			    "%s: the message does not say \"%s\"%s%s: %s", what, k->text,
			    k->text_alt != NULL ? " or " : "", k->text_alt != NULL ? k->text_alt : "",
			    msg);
		return;
	}
	if (strcmp(k->etype, ET_REDIR) == 0)
		snprintf(want, sizeof(want), "Invalid redirect. Redirect code: %d, target: %s", k->code,
		    k->kind);
	else if (strcmp(k->etype, ET_HTTP) == 0)
		snprintf(want, sizeof(want), "An HTTP error occurred: Response status %d, "
		    "Response reason: %s", k->code, k->kind);
	else if (strcmp(k->etype, ET_PARAM) == 0)
		snprintf(want, sizeof(want), "The provided parameter was invalid: "
		    "key_authorization_hash, Value provided: %s", k->ka);
	else
		snprintf(want, sizeof(want), "%s", k->kind);
	cr_assert_str_eq(msg, want, "%s: error_message \"%s\", expected \"%s\"", what, msg, want);
}

/* addresses and resolved_ip: only where this case may connect, nowhere else. */
static void
check_addresses(const struct hc *k, const struct json_value *d, const char *what, size_t want_n)
{
	const struct json_value *a = member(d, "addresses", JSON_ARRAY, what);
	const struct json_value *rip = json_get(d, "resolved_ip");
	const char *addr = k->addr != NULL ? k->addr : k->m == ALPN ? "127.0.80.1" : "127.0.80.2";

	cr_assert_not_null(rip, "%s: resolved_ip missing", what);
	for (size_t i = 0; i < a->u.arr.n; i++) {
		const struct json_value *v = a->u.arr.items[i];

		cr_assert_eq(v->type, JSON_STRING, "%s: addresses[%zu] is not a string", what, i);
		/* The lab's targets are 127.0.80.1-3; anything else is a forbidden connection. */
		cr_assert(strncmp(v->u.str.s, "127.0.80.", 9) == 0,
		    "%s: connected to %s, outside the lab's targets", what, v->u.str.s);
		cr_assert_str_eq(v->u.str.s, addr, "%s: addresses[%zu] is %s, expected %s", what, i,
		    v->u.str.s, addr);
	}
	if (k->no_addr) {
		cr_assert_eq(a->u.arr.n, 0, "%s: %zu addresses, expected none", what, a->u.arr.n);
		cr_assert_eq(rip->type, JSON_NULL, "%s: resolved_ip is not null", what);
		return;
	}
	cr_assert_gt(a->u.arr.n, 0, "%s: no address connected to", what);
	if (want_n > 0)
		cr_assert_eq(a->u.arr.n, want_n, "%s: %zu addresses, expected %zu (one per hop)", what,
		    a->u.arr.n, want_n);
	cr_assert_eq(rip->type, JSON_STRING, "%s: resolved_ip is not a string", what);
	cr_assert_str_eq(rip->u.str.s, a->u.arr.items[a->u.arr.n - 1]->u.str.s,
	    "%s: resolved_ip is not the last address", what);
}

static void
check_http_details(const struct hc *k, const struct json_value *d, const char *what)
{
	static const char *const keys[] = { "validation_method", "response_history", "response_url",
		"response_status_code", "response_page", "resolved_ip", "addresses", NULL };
	/* After a final 200 with every redirect allowed: the four are set. */
	bool filled = k->completed && k->etype == NULL;
	char url[1200], content[1200];
	const char *page;
	uint8_t *got;
	size_t got_len;

	assert_keys(d, keys, "details");
	if (!filled) {
		member(d, "response_history", JSON_NULL, what);
		member(d, "response_url", JSON_NULL, what);
		member(d, "response_status_code", JSON_NULL, what);
		member(d, "response_page", JSON_NULL, what);
		check_addresses(k, d, what, (size_t)k->n_addr);
		return;
	}
	if (k->hops == 0) {
		member(d, "response_history", JSON_NULL, what);
	} else {
		const struct json_value *h = member(d, "response_history", JSON_ARRAY, what);

		cr_assert_eq(h->u.arr.n, (size_t)k->hops, "%s: %zu redirects in response_history, "
		    "expected %d", what, h->u.arr.n, k->hops);
		cr_assert_eq(member(h->u.arr.items[0], "status_code", JSON_INT, what)->u.i,
		    k->hist_code != 0 ? k->hist_code : 302, "%s: response_history[0].status_code",
		    what);
		if (k->hist_url != NULL)
			cr_assert_str_eq(member(h->u.arr.items[0], "url", JSON_STRING, what)->u.str.s,
			    k->hist_url, "%s: response_history[0].url is not the raw Location", what);
	}
	if (k->final != NULL)
		snprintf(url, sizeof(url), "%s", k->final);
	else if (k->m == ACME)
		snprintf(url, sizeof(url), "http://%s" ACME_PFX "%s", hc_target(k), hc_token(k));
	else
		snprintf(url, sizeof(url), "%s://%s" PKI_PFX "%s",
		    k->extra != NULL && strstr(k->extra, "\"https\"") != NULL ? "https" : "http",
		    hc_target(k), hc_token(k));
	cr_assert_str_eq(member(d, "response_url", JSON_STRING, what)->u.str.s, url,
	    "%s: response_url is not the final URL", what);
	cr_assert_eq(member(d, "response_status_code", JSON_INT, what)->u.i, 200,
	    "%s: response_status_code", what);
	got = b64_decode(member(d, "response_page", JSON_STRING, what)->u.str.s, &got_len, what);
	if (k->page == NULL && k->page_len > 0) {
		cr_assert_eq(got_len, k->page_len, "%s: response_page has %zu bytes, expected %zu",
		    what, got_len, k->page_len);
	} else {
		if (k->page != NULL)
			page = k->page;
		else if (k->m == ACME) {
			/* <PFX>/<name>/ok serves the content of <name>. */
			const char *slash = strchr(hc_token(k), '/');
			int n = slash != NULL ? (int)(slash - hc_token(k)) : (int)strlen(hc_token(k));

			snprintf(content, sizeof(content), "%.*s.%s\n", n, hc_token(k), TP);
			page = content;
		} else {
			page = WC_CONTENT;
		}
		cr_assert(got_len == strlen(page) && memcmp(got, page, got_len) == 0,
		    "%s: response_page is \"%s\" (%zu bytes), expected \"%s\"", what, (char *)got,
		    got_len, page);
	}
	free(got);
	check_addresses(k, d, what, (size_t)k->hops + 1);
}

static void
check_alpn_details(const struct hc *k, const struct json_value *d, const char *what)
{
	static const char *const keys[] = { "validation_method", "common_name", "resolved_ip",
		"addresses", NULL };
	const struct json_value *cn;

	assert_keys(d, keys, "details");
	cn = json_get(d, "common_name");
	if (k->cn == NULL) {
		cr_assert_eq(cn->type, JSON_NULL, "%s: common_name is not null", what);
	} else {
		cr_assert_eq(cn->type, JSON_STRING, "%s: common_name is a %s", what,
		    json_type_name(cn->type));
		cr_assert_str_eq(cn->u.str.s, k->cn, "%s: common_name", what);
	}
	check_addresses(k, d, what, k->no_addr ? 0 : 1);
}

static void
check_case(const struct hc *k, const struct got *g)
{
	static const char *const top[] = { "check_completed", "check_passed", "errors",
		"timestamp_ns", "check_type", "details", "perspective_code", "rir", "request_id", NULL };
	const struct lab *l = lab_get();
	const struct json_value *root = g->root;
	char what[4096];
	bool completed, passed;

	snprintf(what, sizeof(what), "%s %s on %s (perspective %d); answer %.3000s",
	    method_names[k->m], k->name, hc_target(k), g->p, g->body);
	assert_keys(root, top, "the CheckResponse");
	completed = member(root, "check_completed", JSON_BOOL, what)->u.b;
	passed = member(root, "check_passed", JSON_BOOL, what)->u.b;
	cr_assert_eq(completed, k->completed, "%s: check_completed is %s", what,
	    completed ? "true" : "false");
	cr_assert_eq(passed, k->passed, "%s: check_passed is %s", what, passed ? "true" : "false");
	check_error(k, root, what);
	cr_assert_str_eq(member(root, "check_type", JSON_STRING, what)->u.str.s, "dcv");
	cr_assert_str_eq(member(root, "perspective_code", JSON_STRING, what)->u.str.s,
	    l->p[g->p].code, "%s: perspective_code", what);
	cr_assert_str_eq(member(g->details, "validation_method", JSON_STRING, what)->u.str.s,
	    method_names[k->m], "%s: details.validation_method", what);
	if (k->m == ALPN)
		check_alpn_details(k, g->details, what);
	else
		check_http_details(k, g->details, what);
}

static void
got_free(struct got *g, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		json_doc_free(g[i].doc);
		free(g[i].body);
	}
}

/* Ask every case at once, then check each. @p out (may be NULL) keeps the answers. */
static void
run_batch(const struct hc *cases, size_t n, struct got *out)
{
	const struct lab *l = lab_get();
	struct lab_call calls[MAX_BATCH];
	struct got g[MAX_BATCH];
	char *bodies[MAX_BATCH], err[256];

	cr_assert_leq(n, MAX_BATCH, "batch of %zu cases", n);
	memset(calls, 0, sizeof(calls));
	memset(g, 0, sizeof(g));
	for (size_t i = 0; i < n; i++) {
		calls[i].p = cases[i].p != 0 ? cases[i].p : (int)(i % (size_t)l->n) + 1;
		calls[i].path = "/dcv";
		calls[i].body = bodies[i] = hc_body(&cases[i]);
	}
	lab_request_all(calls, n);
	for (size_t i = 0; i < n; i++) {
		struct lab_resp *r = &calls[i].r;

		cr_assert_eq(r->curl_code, 0, "%s %s: POST /dcv to perspective %d failed: %s",
		    method_names[cases[i].m], cases[i].name, calls[i].p, r->err);
		cr_assert_eq(r->status, 200, "%s %s: status %ld: %s (sent %s)",
		    method_names[cases[i].m], cases[i].name, r->status, r->body, calls[i].body);
		g[i].doc = json_parse(r->body, r->len, NULL, err, sizeof(err));
		cr_assert_not_null(g[i].doc, "%s: the answer is not JSON (%s): %s", cases[i].name, err,
		    r->body);
		g[i].root = json_root(g[i].doc);
		g[i].details = member(g[i].root, "details", JSON_OBJECT, cases[i].name);
		g[i].body = r->body;
		g[i].p = calls[i].p;
		r->body = NULL;
		free(bodies[i]);
	}
	for (size_t i = 0; i < n; i++)
		check_case(&cases[i], &g[i]);
	if (out != NULL)
		memcpy(out, g, n * sizeof(*g));
	else
		got_free(g, n);
}

#define RUN(...) do { \
	const struct hc cs_[] = { __VA_ARGS__ }; \
	run_batch(cs_, sizeof(cs_) / sizeof(cs_[0]), NULL); \
} while (0)

/* ---- the lab servers' logs ------------------------------------------------ */

/* Call @p fn for each JSON line of @p path after byte @p from. */
static size_t
each_json_line(const char *path, size_t from, bool (*fn)(const struct json_value *, void *),
    void *arg)
{
	char *text = lab_file_since(path, from), *line = text;
	size_t hits = 0;

	while (line != NULL && *line != '\0') {
		char *nl = strchr(line, '\n'), err[128];
		struct json_doc *doc;

		if (nl != NULL)
			*nl = '\0';
		if ((doc = json_parse(line, strlen(line), NULL, err, sizeof(err))) != NULL) {
			if (fn(json_root(doc), arg))
				hits++;
			json_doc_free(doc);
		}
		line = nl != NULL ? nl + 1 : NULL;
	}
	free(text);
	return hits;
}

static const char *
jstr(const struct json_value *o, const char *key)
{
	const struct json_value *v = json_get(o, key);

	return v != NULL && v->type == JSON_STRING ? v->u.str.s : NULL;
}

/* The value of request header @p name in a hostile.jsonl line, or NULL. */
static const char *
req_header(const struct json_value *line, const char *name)
{
	const struct json_value *h = json_get(line, "headers");

	for (size_t i = 0; h != NULL && h->type == JSON_ARRAY && i < h->u.arr.n; i++) {
		const struct json_value *kv = h->u.arr.items[i];

		if (kv->type == JSON_ARRAY && kv->u.arr.n == 2 &&
		    kv->u.arr.items[0]->type == JSON_STRING &&
		    kv->u.arr.items[1]->type == JSON_STRING &&
		    strcasecmp(kv->u.arr.items[0]->u.str.s, name) == 0)
			return kv->u.arr.items[1]->u.str.s;
	}
	return NULL;
}

static bool
target_is(const struct json_value *line, void *arg)
{
	const char *t = jstr(line, "target");

	return t != NULL && strcmp(t, arg) == 0;
}

static bool
target_starts(const struct json_value *line, void *arg)
{
	const char *t = jstr(line, "target");

	return t != NULL && strncmp(t, arg, strlen(arg)) == 0;
}

static bool
is_tripwire(const struct json_value *line, void *arg)
{
	const char *b = jstr(line, "behaviour");

	(void)arg;
	return b != NULL && strcmp(b, "tripwire") == 0;
}

static size_t
hostile_mark(void)
{
	return lab_file_size(lab_env("LAB_HOSTILE_LOG"));
}

static size_t
hostile_count(size_t from, bool (*fn)(const struct json_value *, void *), const void *arg)
{
	return each_json_line(lab_env("LAB_HOSTILE_LOG"), from, fn, (void *)(uintptr_t)arg);
}

/*
 * The lines of @p path after @p from for which @p fn (without side effects)
 * is true, once there are at least @p want of them or 3 s have passed: the
 * lab servers log a request or handshake when it is over, which can be just
 * after the perspective has answered.
 */
static size_t
wait_lines(const char *path, size_t from, bool (*fn)(const struct json_value *, void *),
    const void *arg, size_t want)
{
	struct timespec pause = { 0, 20 * 1000000L };
	size_t n = 0;

	for (int waited = 0; waited <= 3000; waited += 20) {
		if ((n = each_json_line(path, from, fn, (void *)(uintptr_t)arg)) >= want)
			break;
		nanosleep(&pause, NULL);
	}
	return n;
}

static size_t
hostile_wait(size_t from, bool (*fn)(const struct json_value *, void *), const void *arg,
    size_t want)
{
	return wait_lines(lab_env("LAB_HOSTILE_LOG"), from, fn, arg, want);
}

static bool
target_has(const struct json_value *line, void *arg)
{
	const char *t = jstr(line, "target");

	return t != NULL && strstr(t, arg) != NULL;
}

static bool
has_probe(const struct json_value *line, void *arg)
{
	const char *v = req_header(line, "X-Lab-Probe");

	return v != NULL && strcmp(v, arg) == 0;
}

/* ==== the lab =============================================================== */

/*
 * Every test ends with lab_assert_clean(): no canary connection, no tripwire,
 * nothing on nginx's 8080, every perspective alive.
 */

Test(dcv_http, the_lab_values_are_the_ones_these_tests_use)
{
	const char *const pairs[][2] = {
		{ "LAB_HOSTILE_NAME", HOSTILE }, { "LAB_HTTP_THUMBPRINT", TP },
		{ "LAB_WEB_CHALLENGE", WCV }, { "LAB_ALPN_HASH", ALPN_HASH },
		{ "LAB_ALPN_HASH_B64URL", ALPN_HASH_B64 }, { "LAB_ALPN_WRONG_HASH", ALPN_WRONG_HASH },
		{ "LAB_HOSTILE_ADDR", "127.0.80.2" }, { "LAB_ALPN_ADDR", "127.0.80.1" },
		{ "LAB_REBIND_ZONE", "rebind.test" }, { "LAB_REBIND_GOOD", "127.0.80.2" },
	};

	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		const char *v = lab_env(pairs[i][0]);

		cr_assert_not_null(v, "%s missing from the lab's env", pairs[i][0]);
		cr_assert_str_eq(v, pairs[i][1], "%s", pairs[i][0]);
	}
	cr_assert_not_null(lab_env("LAB_HOSTILE_LOG"));
	cr_assert_not_null(lab_env("LAB_REBIND_LOG"));
	cr_assert_not_null(lab_env("LAB_ALPN_LOG"));
	cr_assert_not_null(lab_env("LAB_WEB_ACCESS_LOG"));
	lab_assert_clean();
}

/* ==== redirects =========================================================== */

/* Refused before connecting to @p loc: the first URL was the only connection. */
#define REDIR(nm, meth, c, loc) { .name = nm, .m = meth, .completed = true, \
	.etype = ET_REDIR, .code = c, .kind = loc, .n_addr = 1 }
/* The same after two connections (a loop seen on its second URL). */
#define REDIR2(nm, meth, c, loc) { .name = nm, .m = meth, .completed = true, \
	.etype = ET_REDIR, .code = c, .kind = loc, .n_addr = 2 }

Test(dcv_http, redirect_loops_a_b_a_self_and_cross_host_are_invalid_redirects)
{
	RUN(
	    /* loop-a -> loop-b -> loop-a: refused when loop-a comes up again. */
	    REDIR2("loop-a", ACME, 302, ACME_PFX "loop-a"),
	    REDIR2("loop-b", ACME, 302, ACME_PFX "loop-b"),
	    REDIR("loop-self", ACME, 302, HACME "loop-self"),
	    /* Host names are compared in one case: HOSTILE.WEB.TEST is this host. */
	    REDIR("loop-case", ACME, 302, "http://HOSTILE.WEB.TEST" ACME_PFX "loop-case"),
	    REDIR("loop-case", WC, 302, "http://HOSTILE.WEB.TEST" PKI_PFX "loop-case"),
	    /* hostile -> hostile-b -> hostile: a loop across two host names. */
	    REDIR2("loop-host", ACME, 302, HACME "loop-host"),
	    REDIR2("loop-a", WC, 302, PKI_PFX "loop-a"),
	    REDIR("loop-self", WC, 302, HPKI "loop-self"),
	    REDIR2("loop-host", WC, 302, HPKI "loop-host"),
	    { .name = "loop-self over https", .m = WC, .token = "loop-self",
	      .extra = ",\"url_scheme\":\"https\"", .completed = true, .etype = ET_REDIR,
	      .code = 302, .kind = "https://" HOSTILE PKI_PFX "loop-self", .n_addr = 1 });
	lab_assert_clean();
}

static void
check_chain(const struct got *g, const char *name, bool relative)
{
	const struct json_value *h = member(g->details, "response_history", JSON_ARRAY, name);
	char want[300];

	cr_assert_eq(h->u.arr.n, 20, "%s: %zu hops", name, h->u.arr.n);
	for (size_t i = 0; i < 20; i++) {
		const struct json_value *e = h->u.arr.items[i];

		snprintf(want, sizeof(want), "%s" ACME_PFX "%s/%zu", relative ? "" : "http://" HOSTILE,
		    name, i + 1);
		cr_assert_eq(member(e, "status_code", JSON_INT, name)->u.i, 302, "%s hop %zu", name, i);
		cr_assert_str_eq(member(e, "url", JSON_STRING, name)->u.str.s, want,
		    "%s: response_history[%zu].url", name, i);
	}
}

Test(dcv_http, a_chain_of_exactly_20_redirects_passes_with_every_hop_in_the_history)
{
	const struct hc cs[] = {
		{ .name = "chain-20", .completed = true, .passed = true, .hops = 20,
		  .hist_url = HACME "chain-20/1", .final = HACME "chain-20/20" },
		{ .name = "rchain-20", .completed = true, .passed = true, .hops = 20,
		  .hist_url = ACME_PFX "rchain-20/1", .final = HACME "rchain-20/20" },
		{ .name = "chain-20", .m = WC, .completed = true, .passed = true, .hops = 20,
		  .hist_url = HPKI "chain-20/1", .final = HPKI "chain-20/20" },
	};
	struct got g[3];

	run_batch(cs, 3, g);
	check_chain(&g[0], "chain-20", false);
	check_chain(&g[1], "rchain-20", true);
	got_free(g, 3);
	lab_assert_clean();
}

Test(dcv_http, a_chain_of_21_redirects_is_an_incomplete_lookup_error_and_hop_21_is_not_fetched)
{
	size_t mark = hostile_mark();

	RUN(
	    { .name = "chain-21", .etype = ET_LOOKUP, .kind = "TooManyRedirects",
	      .text = "more than 20 redirects", .n_addr = 21 },
	    { .name = "rchain-21", .etype = ET_LOOKUP, .kind = "TooManyRedirects",
	      .text = "more than 20 redirects", .n_addr = 21 },
	    { .name = "chain-21", .m = WC, .etype = ET_LOOKUP, .kind = "TooManyRedirects",
	      .text = "more than 20 redirects", .n_addr = 21 },
	    /* Every URL new: only the hop limit stops it. */
	    { .name = "chain-inf", .etype = ET_LOOKUP, .kind = "TooManyRedirects",
	      .text = "more than 20 redirects", .n_addr = 21 });
	/* The start URL and 20 redirects were fetched; the 21st Location was not. */
	cr_assert_eq(hostile_wait(mark, target_starts, ACME_PFX "chain-21/", 20), 20);
	cr_assert_eq(hostile_wait(mark, target_starts, ACME_PFX "chain-inf/", 20), 20);
	cr_assert_eq(hostile_wait(mark, target_starts, PKI_PFX "chain-21/", 20), 20);
	cr_assert_eq(hostile_count(mark, target_is, ACME_PFX "chain-21/21"), 0);
	cr_assert_eq(hostile_count(mark, target_is, ACME_PFX "rchain-21/21"), 0);
	cr_assert_eq(hostile_count(mark, target_is, PKI_PFX "chain-21/21"), 0);
	cr_assert_eq(hostile_count(mark, target_is, ACME_PFX "chain-inf/21"), 0);
	lab_assert_clean();
}

#define FOLLOWED(nm, meth, c) { .name = nm, .m = meth, .completed = true, .passed = true, \
	.hops = 1, .hist_code = c, .hist_url = (meth) == ACME ? ACME_PFX nm "/ok" : PKI_PFX nm "/ok", \
	.final = (meth) == ACME ? HACME nm "/ok" : HPKI nm "/ok" }

Test(dcv_http, redirect_statuses_301_302_307_308_are_followed)
{
	RUN(FOLLOWED("status-301", ACME, 301), FOLLOWED("status-302", ACME, 302),
	    FOLLOWED("status-307", ACME, 307), FOLLOWED("status-308", ACME, 308),
	    FOLLOWED("status-301", WC, 301), FOLLOWED("status-302", WC, 302),
	    FOLLOWED("status-307", WC, 307), FOLLOWED("status-308", WC, 308));
	lab_assert_clean();
}

Test(dcv_http, redirect_statuses_300_303_304_305_306_are_refused_before_any_connection)
{
	size_t mark = hostile_mark();

	RUN(REDIR("status-300", ACME, 300, ACME_PFX "status-300/never"),
	    REDIR("status-303", ACME, 303, ACME_PFX "status-303/never"),
	    REDIR("status-304", ACME, 304, ACME_PFX "status-304/never"),
	    REDIR("status-305", ACME, 305, ACME_PFX "status-305/never"),
	    REDIR("status-306", ACME, 306, ACME_PFX "status-306/never"),
	    REDIR("status-300", WC, 300, PKI_PFX "status-300/never"),
	    REDIR("status-303", WC, 303, PKI_PFX "status-303/never"),
	    REDIR("status-304", WC, 304, PKI_PFX "status-304/never"),
	    REDIR("status-305", WC, 305, PKI_PFX "status-305/never"),
	    REDIR("status-306", WC, 306, PKI_PFX "status-306/never"));
	cr_assert_eq(hostile_count(mark, is_tripwire, NULL), 0);
	lab_assert_clean();
}

/* A pass through one 302 whose raw Location is @p loc and which ends at @p final. */
#define VIA(nm, meth, loc, fin) { .name = nm, .m = meth, .completed = true, .passed = true, \
	.hops = 1, .hist_url = loc, .final = fin }

Test(dcv_http, relative_and_absolute_locations_are_resolved_and_followed)
{
	RUN(VIA("loc-relative", ACME, "loc-relative/ok", HACME "loc-relative/ok"),
	    VIA("loc-dotdot", ACME, "../acme-challenge/loc-dotdot/ok", HACME "loc-dotdot/ok"),
	    VIA("loc-root", ACME, ACME_PFX "loc-root/ok", HACME "loc-root/ok"),
	    VIA("loc-absolute", ACME, HACME "loc-absolute/ok", HACME "loc-absolute/ok"),
	    VIA("loc-scheme-relative", ACME, "//" HOSTILE ACME_PFX "loc-scheme-relative/ok",
		HACME "loc-scheme-relative/ok"),
	    /* Scheme and host are lowered (one spelling, so loops show). */
	    VIA("loc-scheme-upper", ACME, "HTTP://HOSTILE.WEB.TEST" ACME_PFX "loc-scheme-upper/ok",
		HACME "loc-scheme-upper/ok"),
	    /* The fragment is never sent: response_url has none. */
	    VIA("loc-fragment", ACME, ACME_PFX "loc-fragment/ok#frag", HACME "loc-fragment/ok"),
	    VIA("loc-query", ACME, ACME_PFX "loc-query/ok?x=1&y=2", HACME "loc-query/ok?x=1&y=2"),
	    VIA("loc-ip", ACME, "http://127.0.80.2" ACME_PFX "loc-ip/ok",
		"http://127.0.80.2" ACME_PFX "loc-ip/ok"),
	    VIA("port-80", ACME, "http://" HOSTILE ":80" ACME_PFX "port-80/ok",
		"http://" HOSTILE ":80" ACME_PFX "port-80/ok"),
	    VIA("loc-https", ACME, "https://" HOSTILE ACME_PFX "loc-https/ok",
		"https://" HOSTILE ACME_PFX "loc-https/ok"),
	    VIA("port-443", ACME, "https://" HOSTILE ":443" ACME_PFX "port-443/ok",
		"https://" HOSTILE ":443" ACME_PFX "port-443/ok"),
	    VIA("loc-relative", WC, "loc-relative/ok", HPKI "loc-relative/ok"),
	    VIA("loc-dotdot", WC, "../pki-validation/loc-dotdot/ok", HPKI "loc-dotdot/ok"),
	    VIA("loc-scheme-relative", WC, "//" HOSTILE PKI_PFX "loc-scheme-relative/ok",
		HPKI "loc-scheme-relative/ok"),
	    VIA("loc-https", WC, "https://" HOSTILE PKI_PFX "loc-https/ok",
		"https://" HOSTILE PKI_PFX "loc-https/ok"));
	lab_assert_clean();
}

Test(dcv_http, missing_empty_or_unparsable_location_is_an_invalid_redirect)
{
	RUN(REDIR("loc-missing", ACME, 302, ""),
	    /* RFC 3986 5.2.2: an empty Location is the URL itself, a loop. */
	    REDIR("loc-empty", ACME, 302, ""),
	    REDIR("loc-invalid", ACME, 302, "http://[::1"),
	    REDIR("loc-missing", WC, 302, ""),
	    REDIR("loc-empty", WC, 302, ""),
	    REDIR("loc-invalid", WC, 302, "http://[::1"));
	lab_assert_clean();
}

Test(dcv_http, redirects_to_schemes_other_than_http_and_https_are_refused)
{
	RUN(REDIR("scheme-ftp", ACME, 302, "ftp://" HOSTILE ACME_PFX "scheme-ftp/never"),
	    REDIR("scheme-file", ACME, 302, "file:///etc/passwd"),
	    REDIR("scheme-gopher", ACME, 302, "gopher://" HOSTILE "/_GET%20" ACME_PFX
		"scheme-gopher/never%20HTTP/1.0%0D%0A%0D%0A"),
	    REDIR("scheme-dict", ACME, 302, "dict://" HOSTILE "/d:never"),
	    REDIR("scheme-data", ACME, 302, "data:text/plain,scheme-data." TP),
	    REDIR("scheme-javascript", ACME, 302, "javascript:alert(1)"),
	    REDIR("scheme-ws", ACME, 302, "ws://" HOSTILE ACME_PFX "scheme-ws/never"),
	    /* A network-path reference inherits http: then the address is refused. */
	    REDIR("scheme-relative-metadata", ACME, 302, "//169.254.169.254/latest/meta-data/"),
	    REDIR("scheme-ftp", WC, 302, "ftp://" HOSTILE PKI_PFX "scheme-ftp/never"),
	    REDIR("scheme-file", WC, 302, "file:///etc/passwd"),
	    REDIR("scheme-ws", WC, 302, "ws://" HOSTILE PKI_PFX "scheme-ws/never"));
	lab_assert_clean();
}

Test(dcv_http, redirects_to_ports_other_than_80_and_443_are_refused_and_8080_sees_nothing)
{
	char *canary;

	RUN(REDIR("port-8080", ACME, 302, "http://" HOSTILE ":8080" ACME_PFX "port-8080/never"),
	    REDIR("port-22", ACME, 302, "http://" HOSTILE ":22" ACME_PFX "port-22/never"),
	    REDIR("port-0", ACME, 302, "http://" HOSTILE ":0" ACME_PFX "port-0/never"),
	    REDIR("port-65536", ACME, 302, "http://" HOSTILE ":65536" ACME_PFX "port-65536/never"),
	    REDIR("port-8080-ip", ACME, 302, "http://127.0.80.2:8080" ACME_PFX "port-8080-ip/never"),
	    REDIR("port-8080", WC, 302, "http://" HOSTILE ":8080" PKI_PFX "port-8080/never"),
	    REDIR("port-8080-ip", WC, 302, "http://127.0.80.2:8080" PKI_PFX "port-8080-ip/never"),
	    { .name = "port-8080 over https", .m = WC, .token = "port-8080",
	      .extra = ",\"url_scheme\":\"https\"", .completed = true, .etype = ET_REDIR,
	      .code = 302, .kind = "http://" HOSTILE ":8080" PKI_PFX "port-8080/never",
	      .n_addr = 1 });
	canary = lab_file_since(lab_env("LAB_CANARY_LOG"), 0);
	cr_assert_null(strstr(canary, "127.0.80.2:8080"), "the 8080 canary saw: %s", canary);
	cr_assert_null(strstr(canary, "127.0.80.2:22"), "the port 22 canary saw: %s", canary);
	free(canary);
	lab_assert_clean();
}

#define ADDR(nm, loc) REDIR(nm, ACME, 302, loc)

Test(dcv_http, redirects_to_forbidden_addresses_in_every_spelling_are_refused)
{
	RUN(ADDR("addr-dotted", "http://10.255.0.1/"),
	    ADDR("addr-decimal", "http://184483841/"),
	    ADDR("addr-hex", "http://0x0aff0001/"),
	    ADDR("addr-hex-dotted", "http://0x0a.0xff.0x00.0x01/"),
	    ADDR("addr-octal", "http://012.0377.0.01/"),
	    ADDR("addr-short", "http://10.255.1/"),
	    ADDR("addr-percent", "http://%31%30.255.0.1/"),
	    ADDR("addr-private-name", "http://private.web.test/"),
	    ADDR("addr-metadata", "http://169.254.169.254/latest/meta-data/"),
	    ADDR("addr-metadata-https", "https://169.254.169.254/latest/meta-data/"),
	    ADDR("addr-metadata-name", "http://metadata.web.test/latest/meta-data/"),
	    ADDR("addr-metadata-dot", "http://169.254.169.254./latest/meta-data/"),
	    ADDR("addr-zero", "http://0.0.0.0/"),
	    ADDR("addr-zero-short", "http://0/"),
	    ADDR("addr-v6-loopback", "http://[::1]/"),
	    ADDR("addr-v6-unspecified", "http://[::]/"),
	    ADDR("addr-v6-loopback-name", "http://loopback6.web.test/"),
	    ADDR("addr-v4mapped", "http://[::ffff:10.255.0.1]/"),
	    ADDR("addr-v4mapped-metadata", "http://[::ffff:a9fe:a9fe]/"),
	    ADDR("addr-v4mapped-name", "http://mapped6.web.test/"),
	    ADDR("addr-v4compat", "http://[::a9fe:a9fe]/"),
	    ADDR("addr-6to4", "http://[2002:0aff:0001::1]/"),
	    ADDR("addr-nat64", "http://[64:ff9b::a9fe:a9fe]/"),
	    ADDR("addr-linklocal6", "http://[fe80::1%25lo]/"),
	    ADDR("addr-userinfo", "http://" HOSTILE "@169.254.169.254/"),
	    ADDR("addr-userinfo-port", "http://" HOSTILE ":80@169.254.169.254/"),
	    ADDR("addr-backslash", "http://169.254.169.254\\@" HOSTILE "/"),
	    REDIR("addr-metadata", WC, 302, "http://169.254.169.254/latest/meta-data/"),
	    REDIR("addr-decimal", WC, 302, "http://184483841/"),
	    REDIR("addr-v4mapped-name", WC, 302, "http://mapped6.web.test/"));
	lab_assert_clean();
}

Test(dcv_http, a_name_with_an_allowed_and_a_forbidden_address_uses_only_the_allowed_one)
{
	RUN(VIA("addr-mixed-name", ACME, "http://mixed.web.test" ACME_PFX "addr-mixed-name/ok",
		"http://mixed.web.test" ACME_PFX "addr-mixed-name/ok"),
	    { .name = "ok", .target = "mixed.web.test", .completed = true, .passed = true },
	    { .name = "ok", .m = WC, .target = "mixed.web.test", .completed = true,
	      .passed = true });
	lab_assert_clean();
}

#define FORBIDDEN(meth, tgt, why) { .name = tgt, .m = meth, .target = tgt, \
	.token = (meth) == WC ? "wc-ok" : "ok", .completed = true, .etype = ET_LOOKUP, \
	.kind = "ForbiddenAddress", .text = why, .no_addr = true }

Test(dcv_http, a_target_that_resolves_only_to_forbidden_addresses_completes_without_passing)
{
	RUN(FORBIDDEN(ACME, "private.web.test", "private-use (10.0.0.0/8)"),
	    FORBIDDEN(ACME, "metadata.web.test", "link-local (169.254.0.0/16)"),
	    FORBIDDEN(ACME, "loopback6.web.test", "not global unicast IPv6"),
	    /* AAAA ::ffff:169.254.169.254 is judged as the IPv4 address it maps. */
	    FORBIDDEN(ACME, "mapped6.web.test", "link-local (169.254.0.0/16)"),
	    FORBIDDEN(ACME, "10.255.0.1", "private-use (10.0.0.0/8)"),
	    FORBIDDEN(ACME, "169.254.169.254", "link-local (169.254.0.0/16)"),
	    FORBIDDEN(ACME, "[::1]", "not global unicast IPv6"),
	    FORBIDDEN(WC, "private.web.test", "private-use (10.0.0.0/8)"),
	    FORBIDDEN(WC, "metadata.web.test", "link-local (169.254.0.0/16)"),
	    FORBIDDEN(WC, "169.254.169.254", "link-local (169.254.0.0/16)"),
	    FORBIDDEN(ALPN, "private.web.test", "private-use (10.0.0.0/8)"),
	    FORBIDDEN(ALPN, "metadata.web.test", "link-local (169.254.0.0/16)"),
	    FORBIDDEN(ALPN, "10.255.0.1", "private-use (10.0.0.0/8)"),
	    FORBIDDEN(ALPN, "169.254.169.254", "link-local (169.254.0.0/16)"));
	lab_assert_clean();
}

/* ==== DNS rebinding ========================================================= */

struct qcount {
	const char *qname;   /* with the trailing dot, lower case */
	const char *peer;    /* "127.0.10.<i>:" */
	size_t n, other_peer;
	bool bad_answer_used;
};

static bool
count_a(const struct json_value *line, void *arg)
{
	struct qcount *q = arg;
	const char *name = jstr(line, "qname"), *type = jstr(line, "qtype"), *peer = jstr(line, "peer");

	if (name == NULL || type == NULL || strcmp(name, q->qname) != 0 || strcmp(type, "A") != 0)
		return false;
	if (peer == NULL || strncmp(peer, q->peer, strlen(q->peer)) != 0)
		q->other_peer++;
	q->n++;
	return true;
}

/* A queries rebind.py answered for @p name (no trailing dot) since byte @p from. */
static size_t
a_queries(const char *name, int p, size_t from)
{
	char qname[300], peer[80];
	struct qcount q = { qname, peer, 0, 0, false };

	snprintf(qname, sizeof(qname), "%s.", name);
	snprintf(peer, sizeof(peer), "%s:", lab_get()->p[p].addr);
	each_json_line(lab_env("LAB_REBIND_LOG"), from, count_a, &q);
	cr_assert_eq(q.other_peer, 0, "%s was asked by someone other than perspective %d", name, p);
	return q.n;
}

static void
fresh_name(char *out, size_t len, const char *tag)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(out, len, "r-%s-%ld-%ld-%ld.rebind.test", tag, (long)getpid(), (long)ts.tv_sec,
	    ts.tv_nsec);
}

Test(dcv_http, rebinding_name_is_resolved_once_per_check_and_the_connection_is_pinned)
{
	char names[5][200];
	size_t mark = lab_file_size(lab_env("LAB_REBIND_LOG"));
	struct hc cs[5];

	memset(cs, 0, sizeof(cs));
	for (int i = 0; i < 5; i++) {
		fresh_name(names[i], sizeof(names[i]), i == 3 ? "https" : i == 4 ? "alpn" : "pin");
		cs[i] = (struct hc){ .name = "ok", .target = names[i], .p = i + 1, .completed = true,
			.passed = true };
	}
	/* The same over https: the TLS connection goes to the checked address too. */
	cs[3].m = WC;
	cs[3].token = "ok";
	cs[3].extra = ",\"url_scheme\":\"https\"";
	/* TLS-ALPN to the name: 127.0.80.2:443 is hostile.py, which offers only
	 * http/1.1, so the check fails there; what matters is where it went. */
	cs[4] = (struct hc){ .name = "alpn", .m = ALPN, .target = names[4], .p = 5,
		.completed = true, .etype = ET_ALPN ":protocol_not_negotiated",
		.kind = "The TLS server did not negotiate the acme-tls/1 protocol.",
		.addr = "127.0.80.2" };
	run_batch(cs, 5, NULL);
	/* One A query per check, from that perspective's own address: the first
	 * answer (127.0.80.2) was used; the second (10.255.0.1) was never asked for. */
	for (int i = 0; i < 5; i++)
		cr_assert_eq(a_queries(names[i], i + 1, mark), 1,
		    "perspective %d asked %zu times for %s A", i + 1, a_queries(names[i], i + 1, mark),
		    names[i]);
	lab_assert_clean();
}

Test(dcv_http, rebinding_second_check_of_a_name_gets_the_forbidden_answer_and_refuses_it)
{
	char name[200];
	size_t mark = lab_file_size(lab_env("LAB_REBIND_LOG"));

	fresh_name(name, sizeof(name), "twice");
	RUN({ .name = "ok", .target = name, .p = 4, .completed = true, .passed = true });
	cr_assert_eq(a_queries(name, 4, mark), 1);
	/* TTL 0: the second check asks again and is told 10.255.0.1. */
	RUN({ .name = "ok", .target = name, .p = 4, .completed = true, .etype = ET_LOOKUP,
	      .kind = "ForbiddenAddress", .text = "private-use (10.0.0.0/8)", .no_addr = true });
	cr_assert_eq(a_queries(name, 4, mark), 2);
	lab_assert_clean();
}

Test(dcv_http, rebinding_redirect_back_to_the_name_resolves_again_and_refuses_the_new_address)
{
	char name[200], loc[400];
	size_t mark = lab_file_size(lab_env("LAB_REBIND_LOG"));

	fresh_name(name, sizeof(name), "hop");
	snprintf(loc, sizeof(loc), "http://%s" ACME_PFX "loc-absolute/ok", name);
	/* Hop 1 gets 127.0.80.2; hop 2's own resolution gets 10.255.0.1: refused. */
	RUN({ .name = "loc-absolute", .target = name, .p = 5, .completed = true,
	      .etype = ET_REDIR, .code = 302, .kind = loc, .n_addr = 1 });
	cr_assert_eq(a_queries(name, 5, mark), 2);
	lab_assert_clean();
}

/* ==== bodies, deadlines, headers ============================================ */

static long
vm_rss_kib(int p)
{
	char path[64], line[256], *pidtext;
	long pid, rss = -1;
	FILE *fp;

	snprintf(line, sizeof(line), "run/p%d.pid", p);
	pidtext = lab_file_since(lab_path(line), 0);
	pid = strtol(pidtext, NULL, 10);
	free(pidtext);
	cr_assert_gt(pid, 0, "no PID in %s", lab_path(line));
	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	cr_assert_not_null(fp = fopen(path, "r"), "cannot read %s", path);
	while (fgets(line, sizeof(line), fp) != NULL)
		if (strncmp(line, "VmRSS:", 6) == 0)
			rss = strtol(line + 6, NULL, 10);
	fclose(fp);
	cr_assert_gt(rss, 0, "no VmRSS in %s", path);
	return rss;
}

/* A completed failure that read exactly BODY_CAP bytes. */
#define CAPPED(nm, meth) { .name = nm, .m = meth, .p = 6, .completed = true, .page_len = BODY_CAP }

Test(dcv_http, body_bombs_are_capped_at_4_kib_and_the_daemon_memory_stays_bounded)
{
	const struct hc cs[] = {
		CAPPED("body-bomb", ACME), CAPPED("body-bomb-close", ACME), CAPPED("body-bomb-cl", ACME),
		CAPPED("body-bomb", WC), CAPPED("body-bomb-close", WC), CAPPED("body-bomb-cl", WC),
	};
	struct got g[6];
	long before, after;

	before = vm_rss_kib(6);
	/* Three rounds of six 100 MiB bodies at once: 1.8 GiB offered in all. */
	for (int round = 0; round < 3; round++) {
		run_batch(cs, 6, g);
		for (size_t i = 0; i < 6; i++) {
			size_t len;
			uint8_t *page = b64_decode(member(g[i].details, "response_page", JSON_STRING,
			    cs[i].name)->u.str.s, &len, cs[i].name);

			for (size_t k = 0; k < len; k++)
				cr_assert_eq(page[k], 'A', "%s: byte %zu of the page", cs[i].name, k);
			free(page);
		}
		got_free(g, 6);
	}
	after = vm_rss_kib(6);
	/* Unbounded reading would need 100 MiB per body; allow 16 MiB of noise. */
	cr_assert_lt(after - before, 16 * 1024, "VmRSS of perspective 6 grew from %ld to %ld KiB",
	    before, after);
	lab_assert_clean();
}

static bool
gzip_request_ok(const struct json_value *line, void *arg)
{
	const char *t = jstr(line, "target");

	(void)arg;
	if (t == NULL || strstr(t, "gzip-bomb") == NULL)
		return false;
	cr_assert_null(req_header(line, "Accept-Encoding"),
	    "the request for %s asked for an encoding: %s", t, req_header(line, "Accept-Encoding"));
	cr_assert_null(req_header(line, "TE"), "the request for %s sent TE", t);
	return true;
}

Test(dcv_http, gzip_bombs_are_never_decoded_and_stay_capped)
{
	const struct hc cs[] = {
		CAPPED("gzip-bomb", ACME), CAPPED("gzip-bomb-nested", ACME), CAPPED("gzip-bomb", WC),
		CAPPED("gzip-bomb-nested", WC),
	};
	struct got g[4];
	size_t mark = hostile_mark();
	long before = vm_rss_kib(6), after;

	run_batch(cs, 4, g);
	for (size_t i = 0; i < 4; i++) {
		size_t len;
		uint8_t *page = b64_decode(member(g[i].details, "response_page", JSON_STRING,
		    cs[i].name)->u.str.s, &len, cs[i].name);

		/* The raw gzip stream, as sent: nothing was inflated. */
		cr_assert(len >= 3 && page[0] == 0x1f && page[1] == 0x8b && page[2] == 0x08,
		    "%s: response_page does not start with the gzip header", cs[i].name);
		free(page);
	}
	got_free(g, 4);
	after = vm_rss_kib(6);
	cr_assert_lt(after - before, 16 * 1024, "VmRSS of perspective 6 grew from %ld to %ld KiB",
	    before, after);
	cr_assert_eq(hostile_wait(mark, target_has, "gzip-bomb", 4), 4);
	cr_assert_eq(hostile_count(mark, gzip_request_ok, NULL), 4);
	lab_assert_clean();
}

#define SLOW(nm, pp) { .name = nm, .p = pp, .etype = ET_LOOKUP, .kind = "Timeout", \
	.text = "Operation too slow", .text_alt = "timed out", .n_addr = 1 }

Test(dcv_http, slow_drip_and_stalls_end_with_a_timeout_while_the_daemon_keeps_answering)
{
	const struct hc cs[] = {
		SLOW("drip-body", 1), SLOW("drip-headers", 2), SLOW("stall-headers", 3),
		SLOW("stall", 4), { .name = "stall", .m = WC, .p = 5, .etype = ET_LOOKUP,
		  .kind = "Timeout", .text = "Operation too slow", .text_alt = "timed out" },
		{ .name = "stall over https", .m = WC, .token = "stall", .p = 6,
		  .extra = ",\"url_scheme\":\"https\"", .etype = ET_LOOKUP, .kind = "Timeout",
		  .text = "Operation too slow", .text_alt = "timed out" },
	};
	struct lab_call calls[12];
	struct got g;
	char *bodies[6], err[256];

	memset(calls, 0, sizeof(calls));
	for (size_t i = 0; i < 6; i++) {
		calls[i].p = cs[i].p;
		calls[i].path = "/dcv";
		calls[i].body = bodies[i] = hc_body(&cs[i]);
		/* Each perspective's /livez, asked while its slow check is in flight. */
		calls[6 + i].p = cs[i].p;
		calls[6 + i].path = "/livez";
		calls[6 + i].status_port = i % 2 == 0;
	}
	lab_request_all(calls, 12);
	for (size_t i = 0; i < 6; i++) {
		cr_assert_eq(calls[6 + i].r.status, 200, "perspective %d: /livez %s", cs[i].p,
		    calls[6 + i].r.err);
		cr_assert_lt(calls[6 + i].finished, calls[i].finished,
		    "perspective %d answered /livez only after its %s check ended", cs[i].p, cs[i].name);
		cr_assert_eq(calls[i].r.status, 200, "%s: %ld %s", cs[i].name, calls[i].r.status,
		    calls[i].r.err);
		memset(&g, 0, sizeof(g));
		g.doc = json_parse(calls[i].r.body, calls[i].r.len, NULL, err, sizeof(err));
		cr_assert_not_null(g.doc, "%s: %s", cs[i].name, err);
		g.root = json_root(g.doc);
		g.details = member(g.root, "details", JSON_OBJECT, cs[i].name);
		g.body = calls[i].r.body;
		g.p = cs[i].p;
		check_case(&cs[i], &g);
		json_doc_free(g.doc);
		lab_resp_free(&calls[i].r);
		lab_resp_free(&calls[6 + i].r);
		free(bodies[i]);
	}
	lab_assert_clean();
}

Test(dcv_http, huge_header_and_ten_thousand_headers_end_with_a_bounded_lookup_error)
{
	RUN(/* One 200 KiB header line: libcurl refuses lines over 100 KiB (error 27). */
	    { .name = "huge-header", .etype = ET_LOOKUP, .kind = "ConnectionError",
	      .text = "response header line too long" },
	    /* About 190 KiB of headers: over http_client.c's own 64 KiB cap. */
	    { .name = "many-headers", .etype = ET_LOOKUP, .kind = "ConnectionError",
	      .text = "response headers larger than 65536 bytes" },
	    { .name = "huge-header", .m = WC, .etype = ET_LOOKUP, .kind = "ConnectionError",
	      .text = "response header line too long" },
	    { .name = "many-headers", .m = WC, .etype = ET_LOOKUP, .kind = "ConnectionError",
	      .text = "response headers larger than 65536 bytes" });
	lab_assert_clean();
}

Test(dcv_http, final_status_other_than_200_is_an_http_error_even_201)
{
	RUN({ .name = "not-found", .completed = true, .etype = ET_HTTP, .code = 404,
	      .kind = "Not Found" },
	    { .name = "status-500", .completed = true, .etype = ET_HTTP, .code = 500,
	      .kind = "Internal Server Error" },
	    /* The BR accept any 2xx; we, as Open MPIC, want exactly 200. */
	    { .name = "status-201", .completed = true, .etype = ET_HTTP, .code = 201,
	      .kind = "Created" },
	    { .name = "not-found", .m = WC, .completed = true, .etype = ET_HTTP, .code = 404,
	      .kind = "Not Found" },
	    { .name = "no-such-behaviour", .m = WC, .completed = true, .etype = ET_HTTP,
	      .code = 404, .kind = "Not Found" });
	lab_assert_clean();
}

/* ==== website-change ========================================================= */

#define WCB(nm, pg) .name = nm, .m = WC, .completed = true, .page = pg

Test(dcv_http, website_change_value_in_the_file_passes)
{
	RUN({ WCB("wc-ok", WC_CONTENT), .passed = true },
	    /* Every file of the pki-validation folder has the same content. */
	    { .name = "ok", .m = WC, .completed = true, .passed = true },
	    { WCB("wc-ok", WC_CONTENT), .challenge = "Lab-Web-Change-Value-78" },
	    /* A substring anywhere counts ("Value: ..." is not required). */
	    { WCB("wc-ok", WC_CONTENT), .challenge = "Change-Value", .passed = true });
	lab_assert_clean();
}

static char wc_late_page[300];
static char wc_far_page[BODY_CAP + 1];

Test(dcv_http, website_change_reads_4_kib_so_a_value_at_byte_200_passes_and_one_at_1_mib_fails)
{
	/* hostile.py: 199 dots and a newline, then the value and a newline. */
	memset(wc_late_page, '.', 199);
	snprintf(wc_late_page + 199, sizeof(wc_late_page) - 199, "\n%s\n", WCV);
	/* 1 MiB of lines of 1023 dots, then the value: we keep the first 4 KiB. */
	for (size_t i = 0; i < BODY_CAP; i++)
		wc_far_page[i] = i % 1024 == 1023 ? '\n' : '.';
	wc_far_page[BODY_CAP] = '\0';
	/* Open MPIC reads the first 100 bytes and fails wc-late; we read up to
	 * BODY_CAP (4096) bytes: the whole 224-byte file, so it passes. */
	RUN({ WCB("wc-late", wc_late_page), .passed = true },
	    { WCB("wc-far", wc_far_page) });
	lab_assert_clean();
}

Test(dcv_http, website_change_case_is_exact_unless_require_exact_case_is_false)
{
	RUN({ WCB("wc-case", "Value: LAB-WEB-CHANGE-VALUE-77\n") },
	    { WCB("wc-lower", "Value: lab-web-change-value-77\n") },
	    { WCB("wc-case", "Value: LAB-WEB-CHANGE-VALUE-77\n"),
		.extra = ",\"require_exact_case\":true" },
	    { WCB("wc-case", "Value: LAB-WEB-CHANGE-VALUE-77\n"),
		.extra = ",\"require_exact_case\":false", .passed = true },
	    { WCB("wc-lower", "Value: lab-web-change-value-77\n"),
		.extra = ",\"require_exact_case\":false", .passed = true });
	lab_assert_clean();
}

Test(dcv_http, website_change_match_regex_must_match_as_well)
{
	RUN({ WCB("wc-ok", WC_CONTENT), .extra = ",\"match_regex\":\"Value: Lab-[A-Za-z-]+-[0-9]{2}\\n\"",
		.passed = true },
	    /* A search, not a whole-body match; multi-line anchors are not on. */
	    { WCB("wc-ok", WC_CONTENT), .extra = ",\"match_regex\":\"Change-V\"", .passed = true },
	    { WCB("wc-ok", WC_CONTENT), .extra = ",\"match_regex\":\"^Value: [0-9]+$\"" },
	    { WCB("wc-ok", WC_CONTENT), .extra = ",\"match_regex\":\"^Value\"" },
	    /* The regex is case-sensitive even when the value is not. */
	    { WCB("wc-case", "Value: LAB-WEB-CHANGE-VALUE-77\n"),
		.extra = ",\"require_exact_case\":false,\"match_regex\":\"lab-web\"" },
	    { WCB("wc-case", "Value: LAB-WEB-CHANGE-VALUE-77\n"),
		.extra = ",\"require_exact_case\":false,\"match_regex\":\"(?i)lab-web\"",
		.passed = true },
	    /* The value must be there too: a matching regex alone is not enough. */
	    { WCB("wc-ok", WC_CONTENT), .challenge = "absent-value",
		.extra = ",\"match_regex\":\"Value\"" });
	lab_assert_clean();
}

Test(dcv_http, website_change_over_https_with_a_self_signed_certificate_passes)
{
	size_t mark = hostile_mark();

	RUN({ .name = "wc-ok", .m = WC, .extra = ",\"url_scheme\":\"https\"", .completed = true,
	      .passed = true, .page = WC_CONTENT },
	    { .name = "ok", .m = WC, .extra = ",\"url_scheme\":\"http\"", .completed = true,
	      .passed = true });
	cr_assert_eq(hostile_wait(mark, target_is, PKI_PFX "wc-ok", 1), 1);
	lab_assert_clean();
}

/* ==== acme-http-01 ============================================================ */

Test(dcv_http, acme_http_01_body_must_be_the_key_authorization_up_to_surrounding_whitespace)
{
	RUN(/* "ok.<thumbprint>\n": the trailing newline is trimmed. */
	    { .name = "ok", .completed = true, .passed = true },
	    { .name = "ka-whitespace", .completed = true, .passed = true,
	      .page = "\r\n  ka-whitespace." TP "  \n\t\n" },
	    /* Extra bytes after the key authorization: the body is "ok.<tp>\n", the
	     * key authorization one character shorter. */
	    { .name = "ok", .ka = "ok." "AM_fN0M23Vp5T426WYwXpHUm_wstdWzNIY4DmErGt6", .completed = true },
	    /* A byte before it. */
	    { .name = "ka-prefix", .completed = true, .page = "xka-prefix." TP "\n" },
	    /* Another account's thumbprint. */
	    { .name = "ok", .ka = "ok.AM_fN0M23Vp5T426WYwXpHUm_wstdWzNIY4DmErGt6F",
	      .completed = true },
	    /* Case matters. */
	    { .name = "ok", .ka = "OK." TP, .completed = true });
	lab_assert_clean();
}

Test(dcv_http, acme_http_01_ip_address_target_is_asked_by_address)
{
	size_t mark = hostile_mark();

	RUN({ .name = "ok", .target = "127.0.80.2", .completed = true, .passed = true,
	      .final = "http://127.0.80.2" ACME_PFX "ok" },
	    { .name = "status-302", .target = "127.0.80.2", .completed = true, .passed = true,
	      .hops = 1, .hist_url = ACME_PFX "status-302/ok",
	      .final = "http://127.0.80.2" ACME_PFX "status-302/ok" });
	cr_assert_eq(hostile_wait(mark, target_is, ACME_PFX "ok", 1), 1);
	lab_assert_clean();
}

struct probe {
	const char *value;   /* the X-Lab-Probe header to find */
	const char *ua;      /* the User-Agent expected, or NULL: ours */
	size_t seen;
};

static bool
probe_line(const struct json_value *line, void *arg)
{
	struct probe *pr = arg;
	const char *v = req_header(line, "X-Lab-Probe"), *ua, *host;

	if (v == NULL || strcmp(v, pr->value) != 0)
		return false;
	pr->seen++;
	ua = req_header(line, "User-Agent");
	host = req_header(line, "Host");
	cr_assert_not_null(ua, "no User-Agent sent");
	if (pr->ua != NULL)
		cr_assert_str_eq(ua, pr->ua, "the User-Agent of http_headers was not used");
	else
		cr_assert(strncmp(ua, "perspectived/", 13) == 0,
		    "the default User-Agent does not name the product: %s", ua);
	cr_assert_str_eq(req_header(line, "X-Lab-Other"), "second value");
	cr_assert_not_null(host);
	cr_assert_str_eq(host, HOSTILE, "the Host header is %s", host);
	cr_assert_null(req_header(line, "Accept-Encoding"), "Accept-Encoding was sent");
	cr_assert_null(req_header(line, "Cookie"), "a Cookie was sent");
	cr_assert_null(req_header(line, "Proxy-Authorization"));
	return true;
}

Test(dcv_http, http_headers_are_sent_as_given_and_nothing_asks_for_an_encoding)
{
	char pa[64], pw[64], hdr_a[256], hdr_w[256];
	size_t mark = hostile_mark();
	struct probe a, w;

	/* hostile.py logs each request's headers (web/hostile.jsonl): that is the echo. */
	snprintf(pa, sizeof(pa), "acme-%ld-%ld", (long)getpid(), (long)time(NULL));
	snprintf(pw, sizeof(pw), "wc-%ld-%ld", (long)getpid(), (long)time(NULL));
	snprintf(hdr_a, sizeof(hdr_a), ",\"http_headers\":{\"X-Lab-Probe\":\"%s\","
	    "\"X-Lab-Other\":\"second value\"}", pa);
	snprintf(hdr_w, sizeof(hdr_w), ",\"http_headers\":{\"X-Lab-Probe\":\"%s\","
	    "\"X-Lab-Other\":\"second value\",\"User-Agent\":\"Lab-UA/1.0\"}", pw);
	{
		const struct hc cs[] = {
			{ .name = "ok", .extra = hdr_a, .completed = true, .passed = true },
			/* Redirected: the headers go to every hop. */
			{ .name = "status-302", .m = WC, .extra = hdr_w, .completed = true, .passed = true,
			  .hops = 1, .hist_url = PKI_PFX "status-302/ok", .final = HPKI "status-302/ok" },
		};

		run_batch(cs, 2, NULL);
	}
	a = (struct probe){ pa, NULL, 0 };
	w = (struct probe){ pw, "Lab-UA/1.0", 0 };
	cr_assert_eq(hostile_wait(mark, has_probe, pa, 1), 1);
	cr_assert_eq(hostile_wait(mark, has_probe, pw, 2), 2);
	cr_assert_eq(hostile_count(mark, probe_line, &a), 1);
	cr_assert_eq(hostile_count(mark, probe_line, &w), 2);
	lab_assert_clean();
}

/* A 6 KB Location is refused before it is kept, though it would resolve to a
 * short URL: 20 of them would otherwise make a 120 KB answer. */
Test(dcv_http, a_location_of_2048_bytes_or_more_is_an_invalid_redirect)
{
	static const char *const meths[] = { "acme-http-01", "website-change" };
	const char *prefix = "Invalid redirect. Redirect code: 302, target: ././././";

	for (size_t i = 0; i < 2; i++) {
		struct lab_resp r;
		struct json_doc *doc;
		const struct json_value *root, *errs, *d;
		char body[1024], err[256];
		const char *msg;

		snprintf(body, sizeof(body), "{\"domain_or_ip_target\":\"" HOSTILE "\","
		    "\"dcv_check_parameters\":{\"validation_method\":\"%s\",%s}}", meths[i],
		    i == 0 ? "\"token\":\"loc-long\",\"key_authorization\":\"loc-long." TP "\"" :
		    "\"challenge_value\":\"" WCV "\",\"http_token_path\":\"loc-long\"");
		cr_assert_eq(lab_request((int)i + 1, "/dcv", "client", body, &r), 0, "%s", r.err);
		doc = json_parse(r.body, r.len, NULL, err, sizeof(err));
		cr_assert_not_null(doc, "not JSON (%s): %s", err, r.body);
		root = json_root(doc);
		cr_assert(member(root, "check_completed", JSON_BOOL, r.body)->u.b, "%s", r.body);
		cr_assert(!member(root, "check_passed", JSON_BOOL, r.body)->u.b, "%s", r.body);
		errs = member(root, "errors", JSON_ARRAY, r.body);
		cr_assert_eq(errs->u.arr.n, 1, "%s", r.body);
		cr_assert_str_eq(member(errs->u.arr.items[0], "error_type", JSON_STRING,
		    r.body)->u.str.s, ET_REDIR);
		msg = member(errs->u.arr.items[0], "error_message", JSON_STRING, r.body)->u.str.s;
		cr_assert_eq(strncmp(msg, prefix, strlen(prefix)), 0, "%s", msg);
		/* Not kept in the history, and nothing fetched after the first URL. */
		d = member(root, "details", JSON_OBJECT, r.body);
		member(d, "response_history", JSON_NULL, r.body);
		cr_assert_eq(member(d, "addresses", JSON_ARRAY, r.body)->u.arr.n, 1, "%s", r.body);
		json_doc_free(doc);
		lab_resp_free(&r);
	}
	lab_assert_clean();
}

/* ==== parameters ================================================================ */

/* A 400 whose message names @p field. */
static void
expect_400(int p, const char *target, const char *params, const char *field)
{
	static const char *const top[] = { "error", "validation_issues", NULL };
	struct lab_resp r;
	struct json_doc *doc;
	const struct json_value *root, *issues, *msg;
	char body[4096], err[256];

	snprintf(body, sizeof(body), "{\"domain_or_ip_target\":\"%s\",\"dcv_check_parameters\":%s}",
	    target, params);
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
	msg = member(issues->u.arr.items[0], "message", JSON_STRING, r.body);
	cr_assert_not_null(strstr(msg->u.str.s, field), "the message does not name %s: %s (sent %s)",
	    field, msg->u.str.s, body);
	json_doc_free(doc);
	lab_resp_free(&r);
}

#define P "dcv_check_parameters."
#define A01(x) "{\"validation_method\":\"acme-http-01\"," x "}"
#define WCP(x) "{\"validation_method\":\"website-change\",\"challenge_value\":\"v\"," x "}"
#define KA "\"key_authorization\":\"t." TP "\""

Test(dcv_http, acme_http_01_parameters_are_validated)
{
	expect_400(1, HOSTILE, A01("\"token\":\"a/b\"," KA), P "token");
	expect_400(2, HOSTILE, A01("\"token\":\"..\"," KA), P "token");
	expect_400(3, HOSTILE, A01("\"token\":\"a%2Fb\"," KA), P "token");
	expect_400(4, HOSTILE, A01("\"token\":\"a.b\"," KA), P "token");
	expect_400(5, HOSTILE, A01("\"token\":\"abc=\"," KA), P "token");
	expect_400(6, HOSTILE, A01("\"token\":\"a b\"," KA), P "token");
	expect_400(1, HOSTILE, A01("\"token\":\"\"," KA), P "token");
	expect_400(2, HOSTILE, A01(KA), P "token");
	expect_400(3, HOSTILE, A01("\"token\":\"t\""), P "key_authorization");
	expect_400(4, HOSTILE, A01("\"token\":\"t\",\"key_authorization\":\"t.x\\r\\nX-A: b\""),
	    P "key_authorization");
	expect_400(5, HOSTILE, A01("\"token\":\"t\"," KA ",\"http_headers\":{\"Host\":\"evil.test\"}"),
	    P "http_headers.Host");
	expect_400(6, HOSTILE, A01("\"token\":\"t\"," KA ",\"http_headers\":{\"X-A\":\"a\\r\\nX-B: b\"}"),
	    P "http_headers.X-A");
	expect_400(1, HOSTILE, A01("\"token\":\"t\"," KA ",\"http_headers\":{\"X-A\":\"a\\nb\"}"),
	    P "http_headers.X-A");
	expect_400(2, HOSTILE,
	    A01("\"token\":\"t\"," KA ",\"http_headers\":{\"Accept-Encoding\":\"gzip\"}"),
	    P "http_headers.Accept-Encoding");
	expect_400(3, HOSTILE,
	    A01("\"token\":\"t\"," KA ",\"http_headers\":{\"Bad Name\":\"v\"}"), P "http_headers");
	expect_400(4, HOSTILE, A01("\"token\":\"t\"," KA ",\"require_exact_case\":false"),
	    P "require_exact_case");
	expect_400(5, "*." HOSTILE, A01("\"token\":\"t\"," KA), "domain_or_ip_target");
	lab_assert_clean();
}

Test(dcv_http, website_change_parameters_are_validated)
{
	expect_400(1, HOSTILE, WCP("\"http_token_path\":\"a/b\""), P "http_token_path");
	expect_400(2, HOSTILE, WCP("\"http_token_path\":\"..\""), P "http_token_path");
	expect_400(3, HOSTILE, WCP("\"http_token_path\":\"x..y\""), P "http_token_path");
	expect_400(4, HOSTILE, WCP("\"http_token_path\":\"a%2Fb\""), P "http_token_path");
	expect_400(5, HOSTILE, WCP("\"http_token_path\":\"a\\\\b\""), P "http_token_path");
	expect_400(6, HOSTILE, WCP("\"http_token_path\":\"a?b\""), P "http_token_path");
	expect_400(1, HOSTILE, WCP("\"http_token_path\":\"\""), P "http_token_path");
	expect_400(2, HOSTILE, WCP("\"url_scheme\":\"http\""), P "http_token_path");
	expect_400(3, HOSTILE, WCP("\"http_token_path\":\"f\",\"url_scheme\":null"), P "url_scheme");
	expect_400(4, HOSTILE, WCP("\"http_token_path\":\"f\",\"url_scheme\":\"ftp\""),
	    P "url_scheme");
	expect_400(5, HOSTILE, WCP("\"http_token_path\":\"f\",\"url_scheme\":\"HTTP\""),
	    P "url_scheme");
	expect_400(6, HOSTILE, WCP("\"http_token_path\":\"f\",\"match_regex\":\"(unclosed\""),
	    P "match_regex");
	expect_400(1, HOSTILE, WCP("\"http_token_path\":\"f\",\"match_regex\":\"a{2,1}\""),
	    P "match_regex");
	expect_400(2, HOSTILE, WCP("\"http_token_path\":\"f\",\"http_headers\":{\"host\":\"x\"}"),
	    P "http_headers.host");
	expect_400(3, HOSTILE,
	    WCP("\"http_token_path\":\"f\",\"http_headers\":{\"Cookie\":\"a=b\"}"),
	    P "http_headers.Cookie");
	expect_400(4, HOSTILE,
	    WCP("\"http_token_path\":\"f\",\"http_headers\":{\"X-A\":\"a\\rb\"}"),
	    P "http_headers.X-A");
	expect_400(5, HOSTILE,
	    WCP("\"http_token_path\":\"f\",\"http_headers\":{\"Transfer-Encoding\":\"chunked\"}"),
	    P "http_headers.Transfer-Encoding");
	expect_400(6, HOSTILE,
	    "{\"validation_method\":\"website-change\",\"challenge_value\":\"\","
	    "\"http_token_path\":\"f\"}", P "challenge_value");
	expect_400(1, "*." HOSTILE, WCP("\"http_token_path\":\"f\""), "domain_or_ip_target");
	lab_assert_clean();
}

#define ALPNP(h) "{\"validation_method\":\"acme-tls-alpn-01\",\"key_authorization_hash\":\"" h "\"}"

Test(dcv_http, tls_alpn_parameters_are_validated)
{
	expect_400(1, "alpn-ok.web.test", "{\"validation_method\":\"acme-tls-alpn-01\"}",
	    P "key_authorization_hash");
	expect_400(2, "alpn-ok.web.test", ALPNP(""), P "key_authorization_hash");
	expect_400(3, "*.alpn-ok.web.test", ALPNP(ALPN_HASH), "domain_or_ip_target");
	expect_400(4, "alpn-ok.web.test",
	    "{\"validation_method\":\"acme-tls-alpn-01\",\"key_authorization_hash\":\"" ALPN_HASH
	    "\",\"require_exact_case\":true}", P "require_exact_case");
	lab_assert_clean();
}

#define BADHASH(h) { .name = "hash " h, .m = ALPN, .target = "alpn-ok.web.test", .ka = h, \
	.completed = true, .etype = ET_PARAM, .no_addr = true }

Test(dcv_http, tls_alpn_hash_neither_hex_nor_base64url_is_a_parameter_error_before_connecting)
{
	size_t mark = lab_file_size(lab_env("LAB_ALPN_LOG"));

	RUN(BADHASH("not a hash"),
	    BADHASH("0c9185eee4157c46586d65767178a381a891a3acbc443131295b15e106dea8bz!"),
	    /* Hex of 31 bytes, and base64url of 31 bytes: the wrong length. */
	    BADHASH("0c9185eee4157c46586d65767178a381a891a3acbc443131295b15e106dea8"),
	    BADHASH("DJGF7uQVfEZYbWV2cXijgaiRo6y8RDExKVsV4Qbeqw"),
	    /* Standard base64 (with "+" or "/" and padding) is not base64url. */
	    BADHASH("DJGF7uQVfEZYbWV2cXijgaiRo6y8RDExKVsV4QbeqLU="));
	cr_assert_eq(lab_file_size(lab_env("LAB_ALPN_LOG")), mark,
	    "a check with an invalid hash still connected to the TLS-ALPN responder");
	lab_assert_clean();
}

/* ==== acme-tls-alpn-01 matrix ===================================================== */

#define ALPN_OK(v) { .name = v, .m = ALPN, .target = "alpn-" v ".web.test", .completed = true, \
	.passed = true, .cn = "alpn-" v ".web.test" }
#define ALPN_CERT(v, type, msg) { .name = v, .m = ALPN, .target = "alpn-" v ".web.test", \
	.completed = true, .etype = ET_CERT ":" type, .kind = msg, .cn = "alpn-" v ".web.test" }
#define ALPN_NOMATCH(v) { .name = v, .m = ALPN, .target = "alpn-" v ".web.test", \
	.completed = true, .cn = "alpn-" v ".web.test" }
#define ALPN_NOTLS(v, k, t) { .name = v, .m = ALPN, .target = "alpn-" v ".web.test", \
	.etype = ET_LOOKUP, .kind = k, .text = t }

#define MSG_MISSING "The TLS ALPN certificate was missing an extension."
#define MSG_SINGLE "The TLS ALPN certificate must have a single SAN entry."
#define MSG_NOT_DNS "Target was a domain name, but the TLS ALPN certificate SAN was not a DNSName."
#define MSG_NOT_IP \
	"Target was an IP address, but the TLS ALPN certificate SAN was not an IP address."
#define MSG_HOST "The TLS ALPN certificate SAN was not equal to the hostname being validated."
#define MSG_CRIT "The TLS ALPN certificate has non-critical id-pe-acmeIdentifier extension"

static bool
has_offered_alpn(const struct json_value *line, void *arg)
{
	const struct json_value *alpn = json_get(line, "offered_alpn");

	(void)arg;
	return alpn != NULL && alpn->type == JSON_ARRAY;
}

struct tls_seen {
	size_t n;
	const char *bad;
};

static bool
offered_only_acme_tls(const struct json_value *line, void *arg)
{
	struct tls_seen *s = arg;
	const struct json_value *alpn = json_get(line, "offered_alpn");
	const struct json_value *vers = json_get(line, "offered_versions");

	if (alpn == NULL || alpn->type != JSON_ARRAY)
		return false;
	s->n++;
	if (alpn->u.arr.n != 1 || alpn->u.arr.items[0]->type != JSON_STRING ||
	    strcmp(alpn->u.arr.items[0]->u.str.s, "acme-tls/1") != 0)
		s->bad = "an ALPN list other than [acme-tls/1]";
	for (size_t i = 0; vers != NULL && vers->type == JSON_ARRAY && i < vers->u.arr.n; i++)
		if (vers->u.arr.items[i]->type == JSON_STRING &&
		    (strcmp(vers->u.arr.items[i]->u.str.s, "TLSv1.3") != 0 &&
		    strcmp(vers->u.arr.items[i]->u.str.s, "TLSv1.2") != 0))
			s->bad = "a TLS version below 1.2";
	return true;
}

Test(dcv_http, tls_alpn_matrix_gives_each_variant_its_verdict)
{
	size_t mark = lab_file_size(lab_env("LAB_ALPN_LOG"));
	struct tls_seen seen = { 0, NULL };

	RUN(ALPN_OK("ok"),
	    { .name = "ok b64url", .m = ALPN, .target = "alpn-ok.web.test", .ka = ALPN_HASH_B64,
	      .completed = true, .passed = true, .cn = "alpn-ok.web.test" },
	    { .name = "ok upper-case hex", .m = ALPN, .target = "alpn-ok.web.test",
	      .ka = "0C9185EEE4157C46586D65767178A381A891A3ACBC443131295B15E106DEA8B5",
	      .completed = true, .passed = true, .cn = "alpn-ok.web.test" },
	    { .name = "ok upper-case target", .m = ALPN, .target = "ALPN-OK.WEB.TEST",
	      .completed = true, .passed = true, .cn = "alpn-ok.web.test" },
	    /* The SAN ALPN-UPPER.WEB.TEST: names compare ignoring case. */
	    ALPN_OK("upper"), ALPN_OK("tls12"),
	    /* Validity is not checked: the certificate is a carrier for the digest. */
	    ALPN_OK("expired"),
	    { .name = "noalpn", .m = ALPN, .target = "alpn-noalpn.web.test", .completed = true,
	      .etype = ET_ALPN ":protocol_not_negotiated",
	      .kind = "The TLS server did not negotiate the acme-tls/1 protocol." },
	    ALPN_CERT("two-sans", "no_single_san", MSG_SINGLE),
	    /* No SAN extension: Open MPIC's first rule (extension_missing); Open MPIC
	     * itself crashes here (open-mpic-api.md 5.5). */
	    ALPN_CERT("san-none", "extension_missing", MSG_MISSING),
	    /* An empty SAN sequence (invalid DER) is parsed as zero names: not one SAN. */
	    ALPN_CERT("san-empty", "no_single_san", MSG_SINGLE),
	    ALPN_CERT("san-ip", "san_not_dnsname", MSG_NOT_DNS),
	    ALPN_CERT("san-other", "san_not_hostname", MSG_HOST),
	    ALPN_CERT("san-wildcard", "san_not_hostname", MSG_HOST),
	    ALPN_CERT("noncritical", "noncritical_alpn_extension", MSG_CRIT),
	    ALPN_CERT("ext-missing", "extension_missing", MSG_MISSING),
	    /* The digest compared: completed, not passed, no error. */
	    ALPN_NOMATCH("wrong-digest"), ALPN_NOMATCH("enc-raw"), ALPN_NOMATCH("enc-short"),
	    ALPN_NOMATCH("enc-long"), ALPN_NOMATCH("enc-trailing"), ALPN_NOMATCH("enc-utf8"),
	    { .name = "ok with the wrong hash", .m = ALPN, .target = "alpn-ok.web.test",
	      .ka = ALPN_WRONG_HASH, .completed = true, .cn = "alpn-ok.web.test" },
	    ALPN_NOTLS("tls10", "TLSError", "protocol version"),
	    ALPN_NOTLS("tls11", "TLSError", "protocol version"),
	    ALPN_NOTLS("stall", "Timeout",
		"Connection timed out while attempting to connect to alpn-stall.web.test"),
	    /* Closed at once: a connection error that says so, not a TLS one. */
	    { .name = "close", .m = ALPN, .target = "alpn-close.web.test", .etype = ET_LOOKUP,
	      .kind = "ConnectionError", .text = "closed the connection during the handshake",
	      .text_alt = "Connection reset by peer" },
	    /* RFC 8738: SNI is the reverse name; the SAN must be an iPAddress. */
	    { .name = "ip 127.0.80.1", .m = ALPN, .target = "127.0.80.1", .completed = true,
	      .passed = true, .cn = "1.80.0.127.in-addr.arpa" },
	    { .name = "ip 127.0.80.3", .m = ALPN, .target = "127.0.80.3", .completed = true,
	      .etype = ET_CERT ":san_type_not_match", .kind = MSG_NOT_IP,
	      .cn = "3.80.0.127.in-addr.arpa", .addr = "127.0.80.3" },
	    /* A TLS server that does not speak acme-tls/1 (hostile.py offers http/1.1). */
	    { .name = "https server without acme-tls/1", .m = ALPN, .target = HOSTILE,
	      .completed = true, .etype = ET_ALPN ":protocol_not_negotiated",
	      .kind = "The TLS server did not negotiate the acme-tls/1 protocol.",
	      .addr = "127.0.80.2" },
	    /* An SNI the responder does not know: it closes the connection. */
	    { .name = "unknown sni", .m = ALPN, .target = "integration-testing.open-mpic.org",
	      .etype = ET_LOOKUP, .kind = "TLSError", .alt = "ConnectionError" });
	/* Every ClientHello offered acme-tls/1 alone and TLS 1.2 or newer. */
	wait_lines(lab_env("LAB_ALPN_LOG"), mark, has_offered_alpn, NULL, 30);
	each_json_line(lab_env("LAB_ALPN_LOG"), mark, offered_only_acme_tls, &seen);
	cr_assert_null(seen.bad, "a ClientHello offered %s", seen.bad);
	/* One ClientHello per check that connects (30), and a "stall-ended" line. */
	cr_assert_geq(seen.n, 30, "only %zu ClientHellos logged", seen.n);
	lab_assert_clean();
}

static bool
sni_is(const struct json_value *line, void *arg)
{
	const char *sni = jstr(line, "sni");

	return sni != NULL && strcmp(sni, arg) == 0;
}

Test(dcv_http, tls_alpn_ip_target_sends_its_reverse_name_as_sni)
{
	const char *log = lab_env("LAB_ALPN_LOG");
	size_t mark = lab_file_size(log), n1, n3;

	RUN({ .name = "ip 127.0.80.1", .m = ALPN, .target = "127.0.80.1", .p = 1, .completed = true,
	      .passed = true, .cn = "1.80.0.127.in-addr.arpa" },
	    { .name = "ip 127.0.80.3", .m = ALPN, .target = "127.0.80.3", .p = 2, .completed = true,
	      .etype = ET_CERT ":san_type_not_match", .kind = MSG_NOT_IP,
	      .cn = "3.80.0.127.in-addr.arpa", .addr = "127.0.80.3" });
	n1 = wait_lines(log, mark, sni_is, "1.80.0.127.in-addr.arpa", 1);
	n3 = wait_lines(log, mark, sni_is, "3.80.0.127.in-addr.arpa", 1);
	cr_assert_eq(n1, 1, "SNI 1.80.0.127.in-addr.arpa seen %zu times", n1);
	cr_assert_eq(n3, 1, "SNI 3.80.0.127.in-addr.arpa seen %zu times", n3);
	lab_assert_clean();
}

/* ==== last ===================================================================== */

/* Criterion runs a suite's tests in name order: this one comes last. */
Test(dcv_http, zz_after_the_suite_no_canary_or_tripwire_was_hit_and_every_perspective_is_alive)
{
	lab_assert_clean();
}
