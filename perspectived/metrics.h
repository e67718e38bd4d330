/*
 * metrics.h: perspectived's counters, rendered in the Prometheus text
 * exposition format 0.0.4 for GET /metrics.
 */
#ifndef PD_METRICS_H
#define PD_METRICS_H

#include <stddef.h>
#include <stdint.h>

enum metric_endpoint {
	M_EP_CAA,
	M_EP_DCV,
	M_EP_COUNT,
};

/* How a request ended, as counted in perspectived_requests_total. */
enum metric_result {
	M_RES_PASS,        /* check completed and passed */
	M_RES_FAIL,        /* check completed, not passed */
	M_RES_ERROR,       /* check not completed (lookup failure, timeout) */
	M_RES_BAD_REQUEST, /* 400 */
	M_RES_REFUSED,     /* 503: too many in flight, or shutting down */
	M_RES_COUNT,
};

#define METRICS_BUCKETS 12

struct metrics {
	uint64_t requests[M_EP_COUNT][M_RES_COUNT];
	uint64_t duration_buckets[M_EP_COUNT][METRICS_BUCKETS]; /* cumulative at render */
	uint64_t duration_count[M_EP_COUNT];
	double duration_sum[M_EP_COUNT];
	uint64_t http_responses[6];  /* by status class 1xx..5xx; [0] unused */
	uint64_t dnssec[4];          /* answers by enum dnssec_status */
	int64_t inflight;
	int64_t connections;
	int resolver_ready;
	int64_t cert_not_after;      /* Unix time */
	int64_t start_time;
	const char *code;
	const char *rir;
	const char *version;
};

/** Count one finished check of @p seconds. */
void metrics_observe(struct metrics *m, enum metric_endpoint ep, enum metric_result res,
    double seconds);

/** Count one HTTP response by status. */
void metrics_response(struct metrics *m, int status);

/**
 * Render everything.
 * @return a heap string (caller frees), or NULL.
 */
char *metrics_render(const struct metrics *m, size_t *len);

#endif /* PD_METRICS_H */
