/*
 * metrics.c: Prometheus text format 0.0.4 rendering of struct metrics.
 */
#include "metrics.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Upper bounds of the latency histogram, in seconds. */
static const double bucket_le[METRICS_BUCKETS] = {
	0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10,
};

static const char *const ep_names[M_EP_COUNT] = { "caa", "dcv" };
static const char *const res_names[M_RES_COUNT] = {
	"pass", "fail", "error", "bad_request", "refused",
};

void
metrics_observe(struct metrics *m, enum metric_endpoint ep, enum metric_result res,
    double seconds)
{
	m->requests[ep][res]++;
	if (res == M_RES_BAD_REQUEST || res == M_RES_REFUSED)
		return;
	m->duration_count[ep]++;
	m->duration_sum[ep] += seconds;
	for (size_t i = 0; i < METRICS_BUCKETS; i++) {
		if (seconds <= bucket_le[i]) {
			m->duration_buckets[ep][i]++;
			break;
		}
	}
}

void
metrics_response(struct metrics *m, int status)
{
	int cls = status / 100;

	if (cls >= 1 && cls <= 5)
		m->http_responses[cls]++;
}

/* A growable buffer with a fixed ceiling. */
struct out {
	char *buf;
	size_t len, cap;
	bool failed;
};

static void __attribute__((format(printf, 2, 3)))
put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->failed)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			o->failed = true;
			return;
		}
		if ((size_t)n < o->cap - o->len) {
			o->len += (size_t)n;
			return;
		}
		/* No point in a buffer larger than the whole exposition can be. */
		if (o->cap >= 256 * 1024) {
			o->failed = true;
			return;
		}
		char *nb = realloc(o->buf, o->cap * 2);

		if (nb == NULL) {
			o->failed = true;
			return;
		}
		o->buf = nb;
		o->cap *= 2;
	}
}

char *
metrics_render(const struct metrics *m, size_t *len)
{
	static const char *const dnssec_names[4] = { "bogus", "indeterminate", "insecure", "secure" };
	struct out o = { .cap = 8192 };

	if ((o.buf = malloc(o.cap)) == NULL)
		return NULL;
	o.buf[0] = '\0';
	put(&o, "# HELP perspectived_build_info Version and identity of this perspective.\n"
	    "# TYPE perspectived_build_info gauge\n"
	    "perspectived_build_info{version=\"%s\",perspective_code=\"%s\",rir=\"%s\"} 1\n",
	    m->version, m->code, m->rir);
	put(&o, "# HELP perspectived_start_time_seconds Start time of the process.\n"
	    "# TYPE perspectived_start_time_seconds gauge\n"
	    "perspectived_start_time_seconds %lld\n", (long long)m->start_time);
	put(&o, "# HELP perspectived_requests_total Check requests by endpoint and result.\n"
	    "# TYPE perspectived_requests_total counter\n");
	for (size_t e = 0; e < M_EP_COUNT; e++)
		for (size_t r = 0; r < M_RES_COUNT; r++)
			put(&o, "perspectived_requests_total{endpoint=\"%s\",result=\"%s\"} %llu\n",
			    ep_names[e], res_names[r], (unsigned long long)m->requests[e][r]);
	put(&o, "# HELP perspectived_check_duration_seconds Time from request to answer.\n"
	    "# TYPE perspectived_check_duration_seconds histogram\n");
	for (size_t e = 0; e < M_EP_COUNT; e++) {
		uint64_t cum = 0;

		for (size_t b = 0; b < METRICS_BUCKETS; b++) {
			cum += m->duration_buckets[e][b];
			put(&o, "perspectived_check_duration_seconds_bucket{endpoint=\"%s\",le=\"%g\"} %llu\n",
			    ep_names[e], bucket_le[b], (unsigned long long)cum);
		}
		put(&o, "perspectived_check_duration_seconds_bucket{endpoint=\"%s\",le=\"+Inf\"} %llu\n",
		    ep_names[e], (unsigned long long)m->duration_count[e]);
		put(&o, "perspectived_check_duration_seconds_sum{endpoint=\"%s\"} %.6f\n",
		    ep_names[e], m->duration_sum[e]);
		put(&o, "perspectived_check_duration_seconds_count{endpoint=\"%s\"} %llu\n",
		    ep_names[e], (unsigned long long)m->duration_count[e]);
	}
	put(&o, "# HELP perspectived_dnssec_answers_total Deciding DNS answers by DNSSEC status.\n"
	    "# TYPE perspectived_dnssec_answers_total counter\n");
	for (size_t i = 0; i < 4; i++)
		put(&o, "perspectived_dnssec_answers_total{status=\"%s\"} %llu\n", dnssec_names[i],
		    (unsigned long long)m->dnssec[i]);
	put(&o, "# HELP perspectived_http_responses_total HTTP responses by status class.\n"
	    "# TYPE perspectived_http_responses_total counter\n");
	for (int c = 1; c <= 5; c++)
		put(&o, "perspectived_http_responses_total{code=\"%dxx\"} %llu\n", c,
		    (unsigned long long)m->http_responses[c]);
	put(&o, "# HELP perspectived_inflight_checks Checks in progress.\n"
	    "# TYPE perspectived_inflight_checks gauge\n"
	    "perspectived_inflight_checks %lld\n", (long long)m->inflight);
	put(&o, "# HELP perspectived_connections Open client connections.\n"
	    "# TYPE perspectived_connections gauge\n"
	    "perspectived_connections %lld\n", (long long)m->connections);
	put(&o, "# HELP perspectived_resolver_ready Whether the last resolver probe validated.\n"
	    "# TYPE perspectived_resolver_ready gauge\n"
	    "perspectived_resolver_ready %d\n", m->resolver_ready);
	put(&o, "# HELP perspectived_certificate_not_after_seconds End of the server certificate's validity.\n"
	    "# TYPE perspectived_certificate_not_after_seconds gauge\n"
	    "perspectived_certificate_not_after_seconds %lld\n", (long long)m->cert_not_after);
	if (o.failed) {
		free(o.buf);
		return NULL;
	}
	*len = o.len;
	return o.buf;
}
