/*
 * daemon.h: perspectived's running state, shared by the lifecycle code
 * (daemon.c: start, signals, reload, drain, readiness probe) and the HTTP
 * routes (api.c).
 */
#ifndef PD_DAEMON_H
#define PD_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/queue.h>
#include <time.h>

#include <openssl/ssl.h>

#include "addr_policy.h"
#include "dcv.h"
#include "metrics.h"
#include "pconfig.h"

struct event;
struct event_base;
struct http_server;
struct http_request;
struct resolver;
struct resolver_query;
struct check;

#define PD_MAX_RETIRED 8

struct pd {
	struct event_base *base;
	const char *config_path;
	struct pd_config cfg;
	struct resolver *resolver;
	/* Resolvers replaced by a reload, freed once their lookups are done. */
	struct resolver *retired[PD_MAX_RETIRED];
	size_t n_retired;
	struct http_server *api;
	struct http_server *status;
	/* What HTTP and TLS-ALPN checks need: refreshed on reload. */
	struct http_client *http;
	struct addr_policy policy;
	struct dcv_env env;
	struct metrics metrics;
	struct event *ev_term, *ev_int, *ev_hup, *ev_probe, *ev_drain;
	bool draining;
	bool stopped;
	/* Readiness: the last resolver probe, and the certificate's validity. */
	struct resolver_query *probe_q;
	bool probe_ok;
	time_t probe_time;
	char probe_detail[512];
	time_t cert_not_after;
	TAILQ_HEAD(, check) checks;
	size_t n_checks;
};

/**
 * Load the configuration, bind the listeners, start the resolver and run
 * the event loop until SIGTERM or SIGINT has drained the daemon.
 * @return the process exit code.
 */
int pd_run(const char *config_path);

/* Routes (api.c). */
void api_handle(struct http_request *req, void *arg);    /* the mutual-TLS API */
void status_handle(struct http_request *req, void *arg); /* the plain status listener */

/** Cancel every check in flight, answering 503 (shutdown). */
void api_cancel_all(struct pd *pd);

/** Whether the daemon can serve checks now; @p why gets the reason if not. */
bool pd_ready(const struct pd *pd, char *why, size_t whylen);

/** Called by api.c when a check finishes, so draining can complete. */
void pd_check_finished(struct pd *pd);

/** The resolver new checks should use. */
struct resolver *pd_resolver(struct pd *pd);

/** The environment of HTTP and TLS-ALPN checks (current resolver and settings). */
const struct dcv_env *pd_dcv_env(struct pd *pd);

#endif /* PD_DAEMON_H */
