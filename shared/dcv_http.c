/*
 * dcv_http.c: website-change (BR 3.2.2.4.18) and acme-http-01 (BR
 * 3.2.2.4.19, RFC 8555 8.3).
 *
 * The check connects wherever the applicant's DNS and redirects point, so
 * it trusts nothing it is told:
 *   - names are resolved by our own validating resolver, every address is
 *     checked against the special-purpose registries (addr_policy.c), and
 *     the connection is pinned to the checked address;
 *   - redirects are followed by hand, and each Location is parsed with
 *     curl_url() (never by hand: "127.1", "2130706433" and "0x7f.1" are all
 *     loopback) and checked before any connection to it: status 301, 302,
 *     307 or 308; scheme http or https; port 80 or 443; no user name; an
 *     allowed address; at most max_redirects hops; no URL twice;
 *   - http_client.c caps bodies and headers and bounds every transfer.
 * What a redirect breaks gives Open MPIC's mpic_error:redirect:invalid;
 * a final status other than 200 gives mpic_error:http; connection
 * failures, timeouts and lookup failures give mpic_error:dcv_checker:lookup
 * and do not complete the check.
 */
#include "dcv_engine.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <curl/curl.h>
#include <event2/event.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "addr_policy.h"
#include "errors.h"
#include "http_client.h"

#define URL_MAX 2048
#define BODY_MIN 4096

struct http_check {
	struct dcv_check base;
	const struct dcv_env *env;
	struct dcv_params p;
	char *store[5];            /* copies of string parameters */
	char **headers;
	CURLU *url;                /* the current hop's URL */
	char url_text[URL_MAX];
	char host[NAME_BUF + 2];
	uint16_t port;
	/* The current hop's name resolution: A and AAAA together. */
	struct resolver_query *qa, *qaaaa;
	struct dns_answer_copy {
		bool done;
		enum dns_outcome outcome;
		char detail[320];
		uint8_t addrs[16][16];
		size_t n;
	} ans4, ans6;
	struct http_fetch *fetch;
	struct event *kick;        /* starts the first hop from the loop */
	struct dcv_result res;     /* history, addresses and details accumulate here */
	char **visited;
	size_t n_visited;
	dcv_done_cb cb;
	void *arg;
};

static void next_hop(struct http_check *c);

static void
check_free(struct http_check *c)
{
	resolver_cancel(c->qa);
	resolver_cancel(c->qaaaa);
	http_fetch_cancel(c->fetch);
	if (c->kick != NULL)
		event_free(c->kick);
	if (c->url != NULL)
		curl_url_cleanup(c->url);
	for (size_t i = 0; i < sizeof(c->store) / sizeof(c->store[0]); i++)
		free(c->store[i]);
	for (size_t i = 0; c->headers != NULL && i < c->p.n_http_headers; i++)
		free(c->headers[i]);
	free(c->headers);
	for (size_t i = 0; i < c->n_visited; i++)
		free(c->visited[i]);
	free(c->visited);
	dcv_result_release(&c->res);
	free(c);
}

static void
cancel(struct dcv_check *base)
{
	check_free((struct http_check *)(void *)base);
}

/* Deliver c->res (adjusted by the caller) and free everything. */
static void
finish(struct http_check *c)
{
	struct dcv_result res = c->res;
	dcv_done_cb cb = c->cb;
	void *arg = c->arg;

	memset(&c->res, 0, sizeof(c->res));
	check_free(c);
	cb(arg, &res);
	dcv_result_release(&res);
}

/* A failure that ends the check; details are null, as Open MPIC's. */
static void
fail(struct http_check *c, const char *type, bool completed, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
fail(struct http_check *c, const char *type, bool completed, const char *fmt, ...)
{
	va_list ap;

	c->res.completed = completed;
	c->res.passed = false;
	c->res.have_details = false;
	c->res.error_type = type;
	va_start(ap, fmt);
	vsnprintf(c->res.error_message, sizeof(c->res.error_message), fmt, ap);
	va_end(ap);
	snprintf(c->res.reason, sizeof(c->res.reason), "%.400s", c->res.error_message);
	finish(c);
}

static void
lookup_error(struct http_check *c, const char *kind, const char *what)
{
	fail(c, ERRTYPE_DCV_LOOKUP, false,
	    "There was an error looking up the DCV record. Error type: %s, Error message: %s",
	    kind, what);
}

static void
redirect_invalid(struct http_check *c, long status, const char *location, const char *why)
{
	fail(c, ERRTYPE_REDIRECT_INVALID, true, "Invalid redirect. Redirect code: %ld, target: %s",
	    status, location);
	(void)why;
}

/* Remember an allocated string in the result's address list. */
static void
add_address(struct http_check *c, const char *ip)
{
	char **n = realloc(c->res.addresses, (c->res.n_addresses + 1) * sizeof(char *));

	if (n == NULL)
		return;
	c->res.addresses = n;
	if ((n[c->res.n_addresses] = strdup(ip)) != NULL)
		c->res.n_addresses++;
}

static bool
trimmed_equals(const uint8_t *b, size_t len, const char *want)
{
	size_t s = 0, e = len, wl = strlen(want);

	/* RFC 8555 8.3: white space around the key authorization is allowed. */
	while (s < e && (b[s] == ' ' || b[s] == '\t' || b[s] == '\r' || b[s] == '\n'))
		s++;
	while (e > s && (b[e - 1] == ' ' || b[e - 1] == '\t' || b[e - 1] == '\r' ||
	    b[e - 1] == '\n'))
		e--;
	return e - s == wl && memcmp(b + s, want, wl) == 0;
}

static bool
body_contains(const uint8_t *b, size_t len, const char *needle, bool exact_case)
{
	size_t nl = strlen(needle);

	for (size_t i = 0; nl > 0 && i + nl <= len; i++)
		if (exact_case ? memcmp(b + i, needle, nl) == 0 :
		    strncasecmp((const char *)b + i, needle, nl) == 0)
			return true;
	return false;
}

/*
 * website-change's optional match_regex: PCRE2 (the closest C dialect to the
 * Python re syntax Open MPIC uses), a search anywhere in the body, with
 * match and depth limits so that no pattern can spin.
 */
static int
regex_search(const char *pattern, const uint8_t *b, size_t len)
{
	pcre2_code *re;
	pcre2_match_data *md = NULL;
	pcre2_match_context *mc = NULL;
	int errcode, rc = -1;
	PCRE2_SIZE erroff;

	re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
	    PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_NEVER_BACKSLASH_C, &errcode, &erroff, NULL);
	if (re == NULL)
		return -1;
	if ((md = pcre2_match_data_create_from_pattern(re, NULL)) == NULL ||
	    (mc = pcre2_match_context_create(NULL)) == NULL)
		goto out;
	pcre2_set_match_limit(mc, 100000);
	pcre2_set_depth_limit(mc, 1000);
	rc = pcre2_match(re, (PCRE2_SPTR)b, len, 0, 0, md, mc) >= 0 ? 1 : 0;
out:
	pcre2_match_context_free(mc);
	pcre2_match_data_free(md);
	pcre2_code_free(re);
	return rc;
}

static void
decide(struct http_check *c, const struct http_fetch_res *r)
{
	const uint8_t *b = r->body;
	size_t len = r->body_len;
	bool ok;

	c->res.completed = true;
	c->res.have_details = true;
	c->res.response_status_code = r->status;
	if ((c->res.response_page = malloc(len > 0 ? len : 1)) != NULL) {
		memcpy(c->res.response_page, b, len);
		c->res.response_page_len = len;
	}
	c->res.response_url = strdup(c->url_text);
	if (c->p.method == DCV_ACME_HTTP_01) {
		/* The whole body, trimmed, is the key authorization: nothing else. */
		ok = !r->truncated && trimmed_equals(b, len, c->p.key_authorization);
	} else {
		ok = body_contains(b, len, c->p.challenge_value, c->p.require_exact_case);
		if (ok && c->p.match_regex != NULL && c->p.match_regex[0] != '\0')
			ok = regex_search(c->p.match_regex, b, len) == 1;
	}
	c->res.passed = ok;
	snprintf(c->res.reason, sizeof(c->res.reason), "%s at %.300s after %zu redirects",
	    ok ? "matched" : "no match", c->url_text, c->res.n_history);
	finish(c);
}

static const char *
curl_kind(int code)
{
	switch (code) {
	case CURLE_OPERATION_TIMEDOUT:
		return "Timeout";
	case CURLE_COULDNT_CONNECT:
		return "ConnectionRefused";
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
		return "TLSError";
	default:
		return "ConnectionError";
	}
}

static void
on_response(void *arg, const struct http_fetch_res *r)
{
	struct http_check *c = arg;
	char next[URL_MAX], host[NAME_BUF + 2];
	uint16_t port;
	const char *why;

	c->fetch = NULL;
	if (r->curl_code != 0) {
		char what[URL_MAX + 300];

		snprintf(what, sizeof(what), "%s while fetching %s", r->error, c->url_text);
		lookup_error(c, curl_kind(r->curl_code), what);
		return;
	}
	if (r->status == 200) {
		decide(c, r);
		return;
	}
	if (r->status < 300 || r->status > 399) {
		fail(c, ERRTYPE_HTTP, true, "An HTTP error occurred: Response status %ld, "
		    "Response reason: %s", r->status, r->reason);
		return;
	}
	/* A redirect: BR 3.2.2.4.18/.19 allow only 301, 302, 307 and 308. */
	if (r->location == NULL) {
		redirect_invalid(c, r->status, "", "no Location");
		return;
	}
	if (r->status != 301 && r->status != 302 && r->status != 307 && r->status != 308) {
		redirect_invalid(c, r->status, r->location, "status");
		return;
	}
	/* Bounded before it is kept: a long Location could otherwise collapse
	 * ("./././...") into a short URL and be stored 20 times over. */
	if (strlen(r->location) >= URL_MAX) {
		redirect_invalid(c, r->status, r->location, "Location too long");
		return;
	}
	if (c->res.n_history >= c->env->max_redirects) {
		char what[128];

		snprintf(what, sizeof(what), "more than %u redirects", c->env->max_redirects);
		lookup_error(c, "TooManyRedirects", what);
		return;
	}
	{
		struct dcv_hop *h = realloc(c->res.history,
		    (c->res.n_history + 1) * sizeof(*c->res.history));

		if (h == NULL || (h[c->res.n_history].location = strdup(r->location)) == NULL) {
			if (h != NULL)
				c->res.history = h;
			lookup_error(c, "OutOfMemory", "out of memory");
			return;
		}
		c->res.history = h;
		h[c->res.n_history].status = r->status;
		c->res.n_history++;
	}
	if (dcv_redirect_resolve(c->url_text, r->location, next, sizeof(next), host, sizeof(host),
	    &port, &why) == -1) {
		redirect_invalid(c, r->status, r->location, why);
		return;
	}
	for (size_t i = 0; i < c->n_visited; i++) {
		if (strcmp(c->visited[i], next) == 0) {
			redirect_invalid(c, r->status, r->location, "loop");
			return;
		}
	}
	if (curl_url_set(c->url, CURLUPART_URL, next, 0) != CURLUE_OK) {
		redirect_invalid(c, r->status, r->location, "unparsable");
		return;
	}
	next_hop(c);
}

int
dcv_redirect_resolve(const char *base_url, const char *location, char *next, size_t nextlen,
    char *host, size_t hostlen, uint16_t *port, const char **why)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *user = NULL, *pass = NULL, *portstr = NULL, *h = NULL, *zone = NULL;
	char *url = NULL;
	long p = 0;
	size_t hl;
	int rc = -1;
	CURLUcode uc;

	*why = "unparsable Location";
	if (u == NULL || curl_url_set(u, CURLUPART_URL, base_url, 0) != CURLUE_OK)
		goto out;
	/* RFC 3986 5.2.2: an empty reference, or a fragment alone, is the base
	 * URL itself (so the caller sees a loop). libcurl 7.88 resolves both to
	 * the base's directory instead. */
	if (location[0] == '\0' || location[0] == '#')
		location = base_url;
	if ((uc = curl_url_set(u, CURLUPART_URL, location, 0)) != CURLUE_OK) {
		if (uc == CURLUE_UNSUPPORTED_SCHEME)
			*why = "scheme other than http or https";
		goto out;
	}
	/* A fragment never goes on the wire; without it, loops are plain. */
	(void)curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0);
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)) {
		*why = "scheme other than http or https";
		goto out;
	}
	if (curl_url_get(u, CURLUPART_USER, &user, 0) != CURLUE_NO_USER ||
	    curl_url_get(u, CURLUPART_PASSWORD, &pass, 0) != CURLUE_NO_PASSWORD) {
		*why = "user name or password in the URL";
		goto out;
	}
	if (curl_url_get(u, CURLUPART_ZONEID, &zone, 0) != CURLUE_NO_ZONEID) {
		*why = "IPv6 zone id";
		goto out;
	}
	if (curl_url_get(u, CURLUPART_PORT, &portstr, CURLU_DEFAULT_PORT) != CURLUE_OK ||
	    ((p = strtol(portstr, NULL, 10)) != 80 && p != 443)) {
		*why = "port other than 80 or 443";
		goto out;
	}
	if (curl_url_get(u, CURLUPART_HOST, &h, 0) != CURLUE_OK || (hl = strlen(h)) == 0) {
		*why = "no host";
		goto out;
	}
	/* Host names are case-insensitive: one spelling, so that loops show. */
	for (size_t i = 0; i < hl; i++)
		h[i] = (char)tolower((unsigned char)h[i]);
	if (curl_url_set(u, CURLUPART_HOST, h, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_URL, &url, 0) != CURLUE_OK || strlen(url) >= nextlen) {
		*why = "no host, or too long";
		goto out;
	}
	if (h[0] == '[' && hl > 2 && h[hl - 1] == ']') {
		h[hl - 1] = '\0';
		memmove(h, h + 1, hl - 1);
		hl -= 2;
	}
	if (hl >= hostlen) {
		*why = "host too long";
		goto out;
	}
	memcpy(host, h, hl + 1);
	memcpy(next, url, strlen(url) + 1);
	*port = (uint16_t)p;
	*why = NULL;
	rc = 0;
out:
	curl_free(scheme);
	curl_free(user);
	curl_free(pass);
	curl_free(portstr);
	curl_free(h);
	curl_free(zone);
	curl_free(url);
	curl_url_cleanup(u);
	return rc;
}

static void
fetch(struct http_check *c, const uint8_t addr[16])
{
	struct http_fetch_req req;
	size_t want = c->p.method == DCV_ACME_HTTP_01 ? strlen(c->p.key_authorization) + 256 :
	    2 * strlen(c->p.challenge_value);

	memset(&req, 0, sizeof(req));
	req.url = c->url_text;
	req.host = c->host;
	req.port = c->port;
	memcpy(req.addr, addr, 16);
	req.headers = (const char *const *)c->headers;
	req.n_headers = c->p.n_http_headers;
	/* A few KiB is plenty for a token; no point reading more. */
	req.max_body = want > BODY_MIN ? want : BODY_MIN;
	req.connect_timeout_ms = c->env->timeout_ms;
	req.total_timeout_ms = c->env->timeout_ms;
	req.low_speed_bytes = 100;
	req.low_speed_seconds = 3;
	req.user_agent = c->env->user_agent;
	{
		static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
		char text[INET6_ADDRSTRLEN];
		bool v4 = memcmp(addr, mapped, 12) == 0;

		/* The address this hop connects to (pinned: no other is possible). */
		if (inet_ntop(v4 ? AF_INET : AF_INET6, v4 ? addr + 12 : addr, text,
		    sizeof(text)) != NULL)
			add_address(c, text);
	}
	if ((c->fetch = http_fetch_start(c->env->http, &req, on_response, c)) == NULL)
		lookup_error(c, "ConnectionError", "cannot start the request");
}

/* Both lookups are done: pick an allowed address, or fail. */
static void
resolved(struct http_check *c)
{
	const struct dns_answer_copy *a[2] = { &c->ans4, &c->ans6 };
	const char *why = NULL;
	bool redirected = c->res.n_history > 0;

	for (size_t k = 0; k < 2; k++) {
		for (size_t i = 0; i < a[k]->n; i++) {
			const char *w = NULL;

			if (addr_allowed(c->env->policy, a[k]->addrs[i], &w)) {
				fetch(c, a[k]->addrs[i]);
				return;
			}
			why = w;
		}
	}
	if (why != NULL) {
		/* Every address is one we must never connect to. */
		if (redirected) {
			const struct dcv_hop *h = &c->res.history[c->res.n_history - 1];

			redirect_invalid(c, h->status, h->location, why);
		} else {
			fail(c, ERRTYPE_DCV_LOOKUP, true, "There was an error looking up the DCV "
			    "record. Error type: ForbiddenAddress, Error message: %s resolves only to "
			    "addresses that may not be validated (%s)", c->host, why);
		}
		return;
	}
	{
		char what[700];

		snprintf(what, sizeof(what), "%s; %s", c->ans4.detail, c->ans6.detail);
		lookup_error(c, c->ans4.outcome == DNS_NXDOMAIN ? "NXDOMAIN" :
		    c->ans4.outcome == DNS_TIMEOUT ? "Timeout" :
		    c->ans4.outcome == DNS_BOGUS || c->ans6.outcome == DNS_BOGUS ? "DNSSECBogus" :
		    "NoAddress", what);
	}
}

static void
keep(struct dns_answer_copy *dst, const struct dns_answer *a)
{
	dst->done = true;
	dst->outcome = a->outcome;
	snprintf(dst->detail, sizeof(dst->detail), "%s", a->detail);
	for (size_t i = 0; a->outcome == DNS_OK && i < a->n_rrs && dst->n < 16; i++) {
		if (a->rrs[i].type == DNS_TYPE_A && a->rrs[i].rdlen == 4)
			addr_map_v4(a->rrs[i].rdata, dst->addrs[dst->n++]);
		else if (a->rrs[i].type == DNS_TYPE_AAAA && a->rrs[i].rdlen == 16)
			memcpy(dst->addrs[dst->n++], a->rrs[i].rdata, 16);
	}
}

static void
on_a(void *arg, const struct dns_answer *a)
{
	struct http_check *c = arg;

	c->qa = NULL;
	keep(&c->ans4, a);
	if (c->ans6.done)
		resolved(c);
}

static void
on_aaaa(void *arg, const struct dns_answer *a)
{
	struct http_check *c = arg;

	c->qaaaa = NULL;
	keep(&c->ans6, a);
	if (c->ans4.done)
		resolved(c);
}

/* Take the URL in c->url as the next hop: remember it, check its host, go. */
static void
next_hop(struct http_check *c)
{
	char *url = NULL, *host = NULL, *zone = NULL, *portstr = NULL;
	char **v;
	uint8_t a[16], v4[4];
	size_t hl;

	if (curl_url_get(c->url, CURLUPART_URL, &url, 0) != CURLUE_OK ||
	    curl_url_get(c->url, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(c->url, CURLUPART_PORT, &portstr, CURLU_DEFAULT_PORT) != CURLUE_OK ||
	    strlen(url) >= sizeof(c->url_text) || (hl = strlen(host)) >= sizeof(c->host)) {
		lookup_error(c, "BadURL", "cannot take the URL apart");
		goto out;
	}
	if (curl_url_get(c->url, CURLUPART_ZONEID, &zone, 0) == CURLUE_OK) {
		/* An IPv6 zone id names a local interface: never a target. */
		if (c->res.n_history > 0) {
			const struct dcv_hop *h = &c->res.history[c->res.n_history - 1];

			redirect_invalid(c, h->status, h->location, "zone id");
		} else {
			lookup_error(c, "BadURL", "an IPv6 zone id");
		}
		goto out;
	}
	snprintf(c->url_text, sizeof(c->url_text), "%s", url);
	c->port = (uint16_t)strtol(portstr, NULL, 10);
	/* curl_url gives IPv6 literals in brackets; pinning wants them bare. */
	if (host[0] == '[' && hl > 2 && host[hl - 1] == ']')
		snprintf(c->host, sizeof(c->host), "%.*s", (int)(hl - 2), host + 1);
	else
		snprintf(c->host, sizeof(c->host), "%s", host);
	if ((v = realloc(c->visited, (c->n_visited + 1) * sizeof(char *))) == NULL ||
	    (v[c->n_visited] = strdup(url)) == NULL) {
		if (v != NULL)
			c->visited = v;
		lookup_error(c, "OutOfMemory", "out of memory");
		goto out;
	}
	c->visited = v;
	c->n_visited++;
	memset(&c->ans4, 0, sizeof(c->ans4));
	memset(&c->ans6, 0, sizeof(c->ans6));
	if (inet_pton(AF_INET, c->host, v4) == 1 || inet_pton(AF_INET6, c->host, a) == 1) {
		/* An address literal: the same check as for resolved names. */
		c->ans4.done = c->ans6.done = true;
		if (inet_pton(AF_INET, c->host, v4) == 1)
			addr_map_v4(v4, c->ans4.addrs[c->ans4.n++]);
		else
			memcpy(c->ans6.addrs[c->ans6.n++], a, 16);
		resolved(c);
		goto out;
	}
	{
		char name[NAME_BUF];
		bool wild;
		const char *why;

		/* Numeric and other odd host names never reach the resolver. */
		if (name_normalize(c->host, strlen(c->host), 0, name, &wild, &why) == -1) {
			if (c->res.n_history > 0) {
				const struct dcv_hop *h = &c->res.history[c->res.n_history - 1];

				redirect_invalid(c, h->status, h->location, why);
			} else {
				lookup_error(c, "BadName", why);
			}
			goto out;
		}
		c->qa = resolver_lookup(c->env->resolver, name, DNS_TYPE_A, on_a, c);
		c->qaaaa = resolver_lookup(c->env->resolver, name, DNS_TYPE_AAAA, on_aaaa, c);
		if (c->qa == NULL || c->qaaaa == NULL) {
			resolver_cancel(c->qa);
			resolver_cancel(c->qaaaa);
			c->qa = c->qaaaa = NULL;
			lookup_error(c, "ResolverError", "cannot start the address lookups");
		}
	}
out:
	curl_free(url);
	curl_free(host);
	curl_free(zone);
	curl_free(portstr);
}

static void
on_kick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	next_hop(arg);
}

static char *
dup_or_null(const char *s, bool *ok)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		*ok = false;
	return d;
}

struct dcv_check *
dcv_http_start(const struct dcv_env *env, const struct target *t, const struct dcv_params *p,
    dcv_done_cb cb, void *arg)
{
	struct http_check *c;
	char host[NAME_BUF + 2], url[URL_MAX];
	bool ok = true;
	int n;

	if ((p->method != DCV_WEBSITE_CHANGE && p->method != DCV_ACME_HTTP_01) || t->wildcard ||
	    p->n_http_headers > DCV_MAX_HTTP_HEADERS || (c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->base.cancel = cancel;
	c->env = env;
	c->cb = cb;
	c->arg = arg;
	c->p = *p;
	c->res.kind = DCV_DETAILS_HTTP;
	c->p.challenge_value = c->store[0] = dup_or_null(p->challenge_value, &ok);
	c->p.key_authorization = c->store[1] = dup_or_null(p->key_authorization, &ok);
	c->p.token = c->store[2] = dup_or_null(p->token, &ok);
	c->p.http_token_path = c->store[3] = dup_or_null(p->http_token_path, &ok);
	c->p.match_regex = c->store[4] = dup_or_null(p->match_regex, &ok);
	if (p->n_http_headers > 0 &&
	    (c->headers = calloc(p->n_http_headers, sizeof(char *))) == NULL)
		ok = false;
	for (size_t i = 0; ok && i < p->n_http_headers; i++)
		c->headers[i] = dup_or_null(p->http_headers[i], &ok);
	c->p.http_headers = (const char *const *)c->headers;
	if (!ok || (p->method == DCV_ACME_HTTP_01 ? (p->token == NULL || p->key_authorization == NULL) :
	    (p->http_token_path == NULL || p->challenge_value == NULL)))
		goto fail;

	/* The first URL (BR 3.2.2.4.18: pki-validation; RFC 8555 8.3: port 80). */
	snprintf(host, sizeof(host), t->kind == TARGET_IPV6 ? "[%s]" : "%s", t->name);
	if (p->method == DCV_ACME_HTTP_01)
		n = snprintf(url, sizeof(url), "http://%s/.well-known/acme-challenge/%s", host,
		    p->token);
	else
		n = snprintf(url, sizeof(url), "%s://%s/.well-known/pki-validation/%s",
		    p->https ? "https" : "http", host, p->http_token_path);
	if (n < 0 || (size_t)n >= sizeof(url) || (c->url = curl_url()) == NULL ||
	    curl_url_set(c->url, CURLUPART_URL, url, 0) != CURLUE_OK)
		goto fail;
	/* The first hop may fail at once: start it from the loop, so the
	 * callback never runs inside this call. */
	if ((c->kick = evtimer_new(env->base, on_kick, c)) == NULL)
		goto fail;
	event_active(c->kick, EV_TIMEOUT, 0);
	return &c->base;
fail:
	check_free(c);
	return NULL;
}
