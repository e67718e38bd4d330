/*
 * api.c: perspectived's HTTP routes.
 *
 *   POST /caa      CaaCheckRequest -> CheckResponse (Open MPIC)
 *   POST /dcv      DcvCheckRequest -> CheckResponse (every Open MPIC
 *                  validation method)
 *   GET  /livez    200 while the process runs
 *   GET  /readyz   200 or 503 with a JSON account of the checks behind it
 *   GET  /metrics  Prometheus text
 *
 * A check runs asynchronously on the event loop; its HTTP request is parked
 * until the answer is ready or the check's deadline passes, whichever comes
 * first. Many checks are in flight at once on one thread.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "caa.h"
#include "check_request.h"
#include "dcv.h"
#include "dcv_request.h"
#include "daemon.h"
#include "errors.h"
#include "http_server.h"
#include "json.h"
#include "log.h"
#include "resolver.h"

#define CT_JSON "application/json"
#define CT_METRICS "text/plain; version=0.0.4; charset=utf-8"

struct check {
	struct pd *pd;
	struct http_request *req;
	struct json_doc *doc;
	enum metric_endpoint ep;
	union {
		struct caa_request caa;
		struct dcv_request dcv;
	} rq;
	struct caa_check *cc;
	struct dcv_check *dc;
	struct event *deadline;
	struct timespec start;
	TAILQ_ENTRY(check) entry;
};

static double
elapsed(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

static long long
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void
reply(struct pd *pd, struct http_request *req, int status, const char *ct, const char *body,
    size_t len)
{
	metrics_response(&pd->metrics, status);
	http_request_reply(req, status, ct, body, len);
}

static void
reply_json_error(struct pd *pd, struct http_request *req, int status, const char *msg)
{
	char body[512];
	int n = snprintf(body, sizeof(body), "{\"error\":\"%s\"}", msg);

	reply(pd, req, status, CT_JSON, body, n > 0 ? (size_t)n : 0);
}

static void
reply_bad_request(struct pd *pd, struct http_request *req, enum metric_endpoint ep,
    const char *issue, const char *msg)
{
	size_t len;
	char *body = request_error_encode(issue, msg, &len);

	log_info("%s %s from %s (%s): 400 %s", http_request_method_name(req),
	    http_request_path(req), http_request_peer(req), http_request_client(req), msg);
	metrics_observe(&pd->metrics, ep, M_RES_BAD_REQUEST, 0);
	if (body == NULL) {
		reply_json_error(pd, req, 400, ERR_REQUEST_VALIDATION);
		return;
	}
	reply(pd, req, 400, CT_JSON, body, len);
	free(body);
}

static struct perspective_id
who(const struct pd *pd)
{
	struct perspective_id id = { pd->cfg.code, pd_rir_names[pd->cfg.rir] };

	return id;
}

static void
check_free(struct check *c)
{
	caa_check_cancel(c->cc);
	dcv_check_cancel(c->dc);
	if (c->deadline != NULL)
		event_free(c->deadline);
	json_doc_free(c->doc);
	free(c);
}

static const struct check_common *
common_of(const struct check *c)
{
	return c->ep == M_EP_CAA ? &c->rq.caa.common : &c->rq.dcv.common;
}

/* Forget a check that has been answered. */
static void
check_done(struct check *c, enum metric_result mr, double secs)
{
	struct pd *pd = c->pd;

	TAILQ_REMOVE(&pd->checks, c, entry);
	pd->n_checks--;
	pd->metrics.inflight = (int64_t)pd->n_checks;
	metrics_observe(&pd->metrics, c->ep, mr, secs);
	check_free(c);
	pd_check_finished(pd);
}

static void
reply_check(struct check *c, char *body, size_t len)
{
	if (body == NULL)
		reply_json_error(c->pd, c->req, 500, "cannot encode the response");
	else
		reply(c->pd, c->req, 200, CT_JSON, body, len);
	free(body);
}

static void
log_check(const struct check *c, const char *kind, const char *verdict, const char *reason,
    const char *dnssec, double secs)
{
	const struct check_common *cc = common_of(c);

	log_info("%s %s: %s: %s (dnssec %s) in %.0f ms; request_id %s trace %s client %s", kind,
	    cc->target.name, verdict, reason, dnssec, secs * 1000,
	    cc->request_id != NULL ? cc->request_id : "-",
	    cc->trace_identifier != NULL ? cc->trace_identifier : "-",
	    http_request_client(c->req));
}

/* Answer a CAA check and forget it. @p res NULL: IP target, no lookup. */
static void
finish_caa(struct check *c, const struct caa_result *res)
{
	struct perspective_id id = who(c->pd);
	enum metric_result mr;
	const char *verdict;
	size_t len = 0;
	char *body;
	double secs = elapsed(&c->start);

	c->cc = NULL;
	if (res == NULL || (res->completed && res->passed)) {
		mr = M_RES_PASS;
		verdict = "permit";
	} else if (res->completed) {
		mr = M_RES_FAIL;
		verdict = "prohibit";
	} else {
		mr = M_RES_ERROR;
		verdict = "error";
	}
	if (res != NULL)
		c->pd->metrics.dnssec[res->dnssec]++;
	log_check(c, "caa", verdict, res != NULL ? res->reason : "IP address, CAA does not apply",
	    res != NULL ? dnssec_status_name(res->dnssec) : "n/a", secs);
	body = caa_response_encode(&c->rq.caa, res, &id, now_ns(), &len);
	reply_check(c, body, len);
	check_done(c, mr, secs);
}

static void
on_caa_done(void *arg, const struct caa_result *res)
{
	finish_caa(arg, res);
}

/* Answer a DCV check and forget it. */
static void
finish_dcv(struct check *c, const struct dcv_result *res)
{
	struct perspective_id id = who(c->pd);
	enum metric_result mr;
	size_t len = 0;
	char *body;
	double secs = elapsed(&c->start);
	char what[96];

	c->dc = NULL;
	mr = res->completed ? (res->passed ? M_RES_PASS : M_RES_FAIL) : M_RES_ERROR;
	if (res->have_dnssec)
		c->pd->metrics.dnssec[res->dnssec]++;
	snprintf(what, sizeof(what), "dcv %s", dcv_methods[c->rq.dcv.params.method].name);
	log_check(c, what, res->completed ? (res->passed ? "pass" : "fail") : "error",
	    res->reason, res->have_dnssec ? dnssec_status_name(res->dnssec) : "n/a", secs);
	body = dcv_response_encode(&c->rq.dcv, res, &id, now_ns(), &len);
	reply_check(c, body, len);
	check_done(c, mr, secs);
}

static void
on_dcv_done(void *arg, const struct dcv_result *res)
{
	finish_dcv(arg, res);
}

static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct check *c = arg;
	char msg[128];

	(void)fd;
	(void)what;
	snprintf(msg, sizeof(msg), "no answer within the check deadline of %lld ms",
	    c->pd->cfg.check_timeout_ms);
	if (c->ep == M_EP_CAA) {
		struct caa_result res;

		caa_check_cancel(c->cc);
		c->cc = NULL;
		memset(&res, 0, sizeof(res));
		res.lookup_error = true;
		res.dnssec = DNSSEC_INDETERMINATE;
		snprintf(res.error, sizeof(res.error), "%s", msg);
		snprintf(res.reason, sizeof(res.reason), "check deadline passed");
		finish_caa(c, &res);
	} else {
		struct dcv_result res;
		enum dcv_method m = c->rq.dcv.params.method;

		dcv_check_cancel(c->dc);
		c->dc = NULL;
		memset(&res, 0, sizeof(res));
		res.kind = dcv_methods[m].dns ? DCV_DETAILS_DNS :
		    m == DCV_ACME_TLS_ALPN_01 ? DCV_DETAILS_TLS_ALPN : DCV_DETAILS_HTTP;
		res.error_type = ERRTYPE_DCV_LOOKUP;
		snprintf(res.error_message, sizeof(res.error_message),
		    "There was an error looking up the DCV record. Error type: Timeout, "
		    "Error message: %s", msg);
		snprintf(res.reason, sizeof(res.reason), "check deadline passed");
		finish_dcv(c, &res);
	}
}

/* Admission: not draining, not over max_inflight. NULL if refused (answered). */
static struct check *
check_new(struct pd *pd, struct http_request *req, enum metric_endpoint ep)
{
	struct check *c;

	if (pd->draining) {
		metrics_observe(&pd->metrics, ep, M_RES_REFUSED, 0);
		reply_json_error(pd, req, 503, "shutting down");
		return NULL;
	}
	if (pd->n_checks >= (size_t)pd->cfg.max_inflight) {
		metrics_observe(&pd->metrics, ep, M_RES_REFUSED, 0);
		reply_json_error(pd, req, 503, "too many checks in flight");
		return NULL;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		reply_json_error(pd, req, 500, "out of memory");
		return NULL;
	}
	c->pd = pd;
	c->req = req;
	c->ep = ep;
	clock_gettime(CLOCK_MONOTONIC, &c->start);
	return c;
}

/* Count the check as in flight and arm its deadline; false on failure. */
static bool
check_track(struct check *c)
{
	struct pd *pd = c->pd;

	TAILQ_INSERT_TAIL(&pd->checks, c, entry);
	pd->n_checks++;
	pd->metrics.inflight = (int64_t)pd->n_checks;
	return (c->deadline = evtimer_new(pd->base, on_deadline, c)) != NULL;
}

static void
check_arm(struct check *c)
{
	struct timeval tv;

	tv.tv_sec = c->pd->cfg.check_timeout_ms / 1000;
	tv.tv_usec = (suseconds_t)(c->pd->cfg.check_timeout_ms % 1000) * 1000;
	evtimer_add(c->deadline, &tv);
}

static void
check_start_failed(struct check *c)
{
	struct pd *pd = c->pd;
	struct http_request *req = c->req;

	TAILQ_REMOVE(&pd->checks, c, entry);
	pd->n_checks--;
	pd->metrics.inflight = (int64_t)pd->n_checks;
	check_free(c);
	reply_json_error(pd, req, 500, "cannot start the check");
}

static void
handle_caa(struct pd *pd, struct http_request *req)
{
	struct check *c;
	struct caa_request *cr;
	struct caa_check_params p;
	const char *body;
	size_t len;
	char err[512];

	if ((c = check_new(pd, req, M_EP_CAA)) == NULL)
		return;
	cr = &c->rq.caa;
	body = http_request_body(req, &len);
	if (caa_request_decode(body != NULL ? body : "", len, &c->doc, cr, err, sizeof(err)) == -1) {
		check_free(c);
		reply_bad_request(pd, req, M_EP_CAA, ISSUE_INVALID_REQUEST, err);
		return;
	}
	if (cr->n_domains == 0) {
		/* Open MPIC: null or [] means this perspective's default list. */
		for (size_t i = 0; i < pd->cfg.default_caa_domain.n && i < CAA_MAX_DOMAINS; i++)
			cr->domains[cr->n_domains++] = pd->cfg.default_caa_domain.v[i];
		if (cr->n_domains == 0) {
			check_free(c);
			reply_bad_request(pd, req, M_EP_CAA, ISSUE_INVALID_REQUEST,
			    "caa_check_parameters.caa_domains: required (this perspective has no "
			    "default_caa_domain)");
			return;
		}
	}
	if (!check_track(c)) {
		check_start_failed(c);
		return;
	}
	if (cr->common.target.kind != TARGET_DNS) {
		/* BR 3.2.2.8 concerns domain names; an IP address has no CAA. */
		finish_caa(c, NULL);
		return;
	}
	memset(&p, 0, sizeof(p));
	p.name = cr->common.target.name;
	p.policy.domains = cr->domains;
	p.policy.n_domains = cr->n_domains;
	p.policy.cert_type = cr->cert_type;
	p.policy.wildcard = cr->common.target.wildcard;
	p.policy.account_uri = cr->account_uri;
	p.policy.method_label = cr->method_label;
	p.allow_lookup_failure = cr->allow_lookup_failure;
	if ((c->cc = caa_check_start(pd_resolver(pd), &p, on_caa_done, c)) == NULL) {
		check_start_failed(c);
		return;
	}
	check_arm(c);
}

static void
handle_dcv(struct pd *pd, struct http_request *req)
{
	struct check *c;
	const char *body, *field = NULL;
	size_t len;
	char err[512];

	if ((c = check_new(pd, req, M_EP_DCV)) == NULL)
		return;
	body = http_request_body(req, &len);
	if (dcv_request_decode(body != NULL ? body : "", len, &c->doc, &c->rq.dcv, err,
	    sizeof(err)) == -1) {
		check_free(c);
		reply_bad_request(pd, req, M_EP_DCV, ISSUE_INVALID_REQUEST, err);
		return;
	}
	if (!check_track(c)) {
		check_start_failed(c);
		return;
	}
	if (dcv_parameter_invalid(&c->rq.dcv.params, &field)) {
		/* Open MPIC's parameter error: a completed check that cannot pass. */
		struct dcv_result res;

		memset(&res, 0, sizeof(res));
		res.completed = true;
		res.error_type = ERRTYPE_DCV_PARAMETER;
		snprintf(res.error_message, sizeof(res.error_message),
		    "The provided parameter was invalid: %s, Value provided: %s", field,
		    strcmp(field, "challenge_value") == 0 ? c->rq.dcv.params.challenge_value :
		    c->rq.dcv.params.key_authorization_hash);
		res.kind = dcv_methods[c->rq.dcv.params.method].dns ? DCV_DETAILS_DNS :
		    c->rq.dcv.params.method == DCV_ACME_TLS_ALPN_01 ? DCV_DETAILS_TLS_ALPN :
		    DCV_DETAILS_HTTP;
		snprintf(res.reason, sizeof(res.reason), "invalid %s", field);
		finish_dcv(c, &res);
		return;
	}
	switch (c->rq.dcv.params.method) {
	case DCV_WEBSITE_CHANGE:
	case DCV_ACME_HTTP_01:
		c->dc = dcv_http_start(pd_dcv_env(pd), &c->rq.dcv.common.target, &c->rq.dcv.params,
		    on_dcv_done, c);
		break;
	case DCV_ACME_TLS_ALPN_01:
		c->dc = dcv_alpn_start(pd_dcv_env(pd), &c->rq.dcv.common.target, &c->rq.dcv.params,
		    on_dcv_done, c);
		break;
	default:
		c->dc = dcv_dns_start(pd_resolver(pd), c->rq.dcv.name, &c->rq.dcv.params,
		    on_dcv_done, c);
		break;
	}
	if (c->dc == NULL) {
		check_start_failed(c);
		return;
	}
	check_arm(c);
}

void
api_cancel_all(struct pd *pd)
{
	struct check *c;

	while ((c = TAILQ_FIRST(&pd->checks)) != NULL) {
		TAILQ_REMOVE(&pd->checks, c, entry);
		pd->n_checks--;
		metrics_observe(&pd->metrics, c->ep, M_RES_REFUSED, 0);
		reply_json_error(pd, c->req, 503, "shutting down");
		check_free(c);
	}
	pd->metrics.inflight = 0;
}

static void
handle_livez(struct pd *pd, struct http_request *req)
{
	static const char body[] = "{\"status\":\"alive\"}";

	reply(pd, req, 200, CT_JSON, body, sizeof(body) - 1);
}

static void
handle_readyz(struct pd *pd, struct http_request *req)
{
	struct json_writer *w = json_w_new(8192);
	char why[256], when[32];
	bool ready = pd_ready(pd, why, sizeof(why));
	time_t now = time(NULL);
	const char *out;
	size_t len;
	struct tm tm;

	if (w == NULL) {
		reply_json_error(pd, req, 500, "out of memory");
		return;
	}
	json_w_object_open(w);
	json_w_key(w, "status");
	json_w_string(w, ready ? "ready" : "not ready");
	json_w_key(w, "reason");
	json_w_string_lossy(w, ready ? "" : why, ready ? 0 : strlen(why));
	json_w_key(w, "perspective_code");
	json_w_string(w, pd->cfg.code);
	json_w_key(w, "rir");
	json_w_string(w, pd_rir_names[pd->cfg.rir]);
	json_w_key(w, "version");
	json_w_string(w, MPIC_VERSION);
	json_w_key(w, "uptime_seconds");
	json_w_int(w, (int64_t)(now - pd->metrics.start_time));
	json_w_key(w, "inflight");
	json_w_int(w, (int64_t)pd->n_checks);
	json_w_key(w, "draining");
	json_w_bool(w, pd->draining);
	json_w_key(w, "resolver");
	json_w_object_open(w);
	json_w_key(w, "ok");
	json_w_bool(w, pd->probe_ok);
	json_w_key(w, "probe_age_seconds");
	if (pd->probe_time != 0)
		json_w_int(w, (int64_t)(now - pd->probe_time));
	else
		json_w_null(w);
	json_w_key(w, "detail");
	json_w_string_lossy(w, pd->probe_detail, strlen(pd->probe_detail));
	json_w_object_close(w);
	json_w_key(w, "certificate");
	json_w_object_open(w);
	json_w_key(w, "ok");
	json_w_bool(w, pd->cert_not_after > now);
	json_w_key(w, "not_after");
	gmtime_r(&pd->cert_not_after, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_w_string(w, when);
	json_w_key(w, "days_left");
	json_w_int(w, (int64_t)(pd->cert_not_after - now) / 86400);
	json_w_object_close(w);
	json_w_object_close(w);
	if ((out = json_w_finish(w, &len)) == NULL)
		reply_json_error(pd, req, 500, "cannot encode");
	else
		reply(pd, req, ready ? 200 : 503, CT_JSON, out, len);
	json_w_free(w);
}

static void
handle_metrics(struct pd *pd, struct http_request *req)
{
	size_t len;
	char *body;

	pd->metrics.connections = (int64_t)http_server_connections(pd->api);
	pd->metrics.resolver_ready = pd->probe_ok;
	pd->metrics.cert_not_after = (int64_t)pd->cert_not_after;
	if ((body = metrics_render(&pd->metrics, &len)) == NULL) {
		reply_json_error(pd, req, 500, "cannot render metrics");
		return;
	}
	reply(pd, req, 200, CT_METRICS, body, len);
	free(body);
}

/* Routes shared by both listeners; false if the path is not one of them. */
static bool
route_status(struct pd *pd, struct http_request *req, const char *path, enum http_method m)
{
	void (*fn)(struct pd *, struct http_request *) = NULL;

	if (strcmp(path, "/livez") == 0)
		fn = handle_livez;
	else if (strcmp(path, "/readyz") == 0)
		fn = handle_readyz;
	else if (strcmp(path, "/metrics") == 0)
		fn = handle_metrics;
	if (fn == NULL)
		return false;
	if (m != HTTP_GET) {
		reply_json_error(pd, req, 405, "method not allowed: use GET");
		return true;
	}
	fn(pd, req);
	return true;
}

void
api_handle(struct http_request *req, void *arg)
{
	struct pd *pd = arg;
	const char *path = http_request_path(req);
	enum http_method m = http_request_method(req);

	if (strcmp(path, "/caa") == 0) {
		if (m != HTTP_POST)
			reply_json_error(pd, req, 405, "method not allowed: use POST");
		else
			handle_caa(pd, req);
		return;
	}
	if (strcmp(path, "/dcv") == 0) {
		if (m != HTTP_POST)
			reply_json_error(pd, req, 405, "method not allowed: use POST");
		else
			handle_dcv(pd, req);
		return;
	}
	if (!route_status(pd, req, path, m))
		reply_json_error(pd, req, 404, "not found");
}

void
status_handle(struct http_request *req, void *arg)
{
	struct pd *pd = arg;

	if (!route_status(pd, req, http_request_path(req), http_request_method(req)))
		reply_json_error(pd, req, 404, "not found");
}
