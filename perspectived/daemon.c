/*
 * daemon.c: perspectived's lifecycle.
 *
 * Start: read the configuration, build the TLS context and the resolver,
 * bind the listeners, tell systemd we are ready. Run: one event loop serves
 * every connection and check. SIGHUP: reload the configuration, the
 * certificates and the resolver without dropping connections. SIGTERM or
 * SIGINT: stop accepting, let in-flight checks finish (bounded by
 * drain_timeout_ms), answer the rest 503, close everything, exit 0.
 *
 * Readiness (/readyz) rests on a periodic probe: the root SOA must resolve
 * and validate as secure against our trust anchor, which shows that the
 * resolver, its network path and DNSSEC all work.
 */
#include "daemon.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <systemd/sd-daemon.h>

#include "http_client.h"
#include "http_server.h"
#include "log.h"
#include "resolver.h"
#include "tls.h"

#define PROBE_INTERVAL_S 30

static void probe_start(struct pd *pd);

struct resolver *
pd_resolver(struct pd *pd)
{
	return pd->resolver;
}

const struct dcv_env *
pd_dcv_env(struct pd *pd)
{
	pd->env.base = pd->base;
	pd->env.resolver = pd->resolver;
	pd->env.http = pd->http;
	pd->env.policy = &pd->policy;
	pd->env.max_redirects = (unsigned)pd->cfg.max_redirects;
	pd->env.timeout_ms = (unsigned)pd->cfg.http_timeout_ms;
	pd->env.user_agent = "perspectived/" MPIC_VERSION " (multi-perspective issuance corroboration)";
	return &pd->env;
}

bool
pd_ready(const struct pd *pd, char *why, size_t whylen)
{
	if (pd->draining) {
		snprintf(why, whylen, "shutting down");
		return false;
	}
	if (!pd->probe_ok) {
		snprintf(why, whylen, "resolver: %s",
		    pd->probe_time == 0 ? "no probe answered yet" : pd->probe_detail);
		return false;
	}
	if (pd->cert_not_after <= time(NULL)) {
		snprintf(why, whylen, "certificate has expired");
		return false;
	}
	return true;
}

/* Free resolvers retired by reloads once nothing uses them any more. */
static void
reap_retired(struct pd *pd)
{
	size_t k = 0;

	for (size_t i = 0; i < pd->n_retired; i++) {
		if (resolver_inflight(pd->retired[i]) == 0)
			resolver_free(pd->retired[i]);
		else
			pd->retired[k++] = pd->retired[i];
	}
	pd->n_retired = k;
}

static void
shutdown_now(struct pd *pd)
{
	struct timeval flush = { 0, 300 * 1000 };

	if (pd->stopped)
		return;
	pd->stopped = true;
	api_cancel_all(pd);
	/* Leave the loop shortly, so the last replies still reach the wire. */
	event_base_loopexit(pd->base, &flush);
}

void
pd_check_finished(struct pd *pd)
{
	reap_retired(pd);
	if (pd->draining && pd->n_checks == 0)
		shutdown_now(pd);
}

static void
on_probe_answer(void *arg, const struct dns_answer *a)
{
	struct pd *pd = arg;
	bool ok = a->outcome == DNS_OK && a->dnssec == DNSSEC_SECURE;

	pd->probe_q = NULL;
	if (ok != pd->probe_ok || pd->probe_time == 0) {
		if (ok)
			log_info("resolver: ready (root SOA validated as secure)");
		else
			log_warnx("resolver: not ready: root SOA %s, DNSSEC %s: %s",
			    dns_outcome_name(a->outcome), dnssec_status_name(a->dnssec), a->detail);
	}
	pd->probe_ok = ok;
	pd->probe_time = time(NULL);
	if (ok)
		snprintf(pd->probe_detail, sizeof(pd->probe_detail), "root SOA validated as secure");
	else
		snprintf(pd->probe_detail, sizeof(pd->probe_detail), "root SOA %s (DNSSEC %s): %s",
		    dns_outcome_name(a->outcome), dnssec_status_name(a->dnssec), a->detail);
	if (ok)
		sd_notifyf(0, "READY=1\nSTATUS=serving as %s (%s)", pd->cfg.code,
		    pd_rir_names[pd->cfg.rir]);
}

static void
probe_start(struct pd *pd)
{
	if (pd->probe_q != NULL || pd->draining)
		return;
	pd->probe_q = resolver_lookup(pd->resolver, ".", DNS_TYPE_SOA, on_probe_answer, pd);
	if (pd->probe_q == NULL) {
		pd->probe_ok = false;
		snprintf(pd->probe_detail, sizeof(pd->probe_detail), "cannot start the probe");
	}
}

static void
on_probe_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	probe_start(arg);
}

static struct resolver *
make_resolver(struct pd *pd, const struct pd_config *cfg, char *err, size_t errlen)
{
	struct resolver_config rc;

	memset(&rc, 0, sizeof(rc));
	rc.unbound_config = cfg->unbound_config;
	rc.trust_anchor_file = cfg->trust_anchor_file;
	rc.timeout_ms = (unsigned)cfg->dns_timeout_ms;
	return resolver_new(pd->base, &rc, err, errlen);
}

static SSL_CTX *
make_ssl_ctx(const struct pd_config *cfg, char *err, size_t errlen)
{
	struct tls_server_config tc;

	memset(&tc, 0, sizeof(tc));
	tc.cert_file = cfg->tls_cert;
	tc.key_file = cfg->tls_key;
	tc.client_ca_file = cfg->client_ca;
	tc.allowed_clients = (const char *const *)cfg->allowed_client.v;
	tc.n_allowed_clients = cfg->allowed_client.n;
	return tls_server_ctx_new(&tc, err, errlen);
}

static void
apply_logging(const struct pd_config *cfg)
{
	log_init("perspectived", (enum log_format)cfg->log_format, pd_config_log_priority(cfg),
	    getenv("JOURNAL_STREAM") != NULL);
	log_set_perspective(cfg->code);
}

static void
warn_allowed_addresses(const struct pd_config *cfg)
{
	for (size_t i = 0; i < cfg->allow_address.n; i++)
		log_warnx("targets: allow_address %s: special-purpose addresses in this range may be "
		    "validation targets (test labs only)", cfg->allow_address.v[i]);
}

static bool
same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static void
reload(struct pd *pd)
{
	struct pd_config ncfg;
	struct resolver *nr;
	SSL_CTX *ctx;
	char err[1024];
	time_t not_after;

	sd_notify(0, "RELOADING=1");
	log_info("reloading %s", pd->config_path);
	if (pd_config_load(pd->config_path, &ncfg, err, sizeof(err)) == -1) {
		log_warnx("reload failed, keeping the running configuration: %s", err);
		sd_notify(0, "READY=1");
		return;
	}
	if ((ctx = make_ssl_ctx(&ncfg, err, sizeof(err))) == NULL ||
	    tls_cert_not_after(ncfg.tls_cert, &not_after, err, sizeof(err)) == -1) {
		SSL_CTX_free(ctx);
		log_warnx("reload failed, keeping the running configuration: %s", err);
		pd_config_free(&ncfg);
		sd_notify(0, "READY=1");
		return;
	}
	if ((nr = make_resolver(pd, &ncfg, err, sizeof(err))) == NULL) {
		SSL_CTX_free(ctx);
		log_warnx("reload failed, keeping the running configuration: %s", err);
		pd_config_free(&ncfg);
		sd_notify(0, "READY=1");
		return;
	}
	if (ncfg.listen.n != pd->cfg.listen.n || !same(ncfg.status_listen, pd->cfg.status_listen) ||
	    ncfg.max_connections != pd->cfg.max_connections)
		log_warnx("reload: listen, status_listen and max_connections changes take effect at "
		    "the next restart");
	for (size_t i = 0; i < ncfg.listen.n && i < pd->cfg.listen.n; i++)
		if (!same(ncfg.listen.v[i], pd->cfg.listen.v[i]))
			log_warnx("reload: listen changes take effect at the next restart");

	http_server_set_ssl_ctx(pd->api, ctx);
	SSL_CTX_free(ctx);
	/* A fresh resolver (and cache); the old one finishes its lookups first. */
	if (pd->probe_q != NULL) {
		resolver_cancel(pd->probe_q);
		pd->probe_q = NULL;
	}
	if (pd->n_retired < PD_MAX_RETIRED) {
		pd->retired[pd->n_retired++] = pd->resolver;
	} else {
		/* Too many reloads in a row: cancel the oldest resolver's lookups. */
		log_warnx("reload: resolvers from earlier reloads still busy; cancelling checks");
		api_cancel_all(pd);
		reap_retired(pd);
		resolver_free(pd->resolver);
	}
	pd->resolver = nr;
	reap_retired(pd);

	pd_config_free(&pd->cfg);
	pd->cfg = ncfg;
	/* The configuration was checked, so the ranges parse. */
	(void)addr_policy_init(&pd->policy, (const char *const *)pd->cfg.allow_address.v,
	    pd->cfg.allow_address.n, err, sizeof(err));
	pd->cert_not_after = not_after;
	pd->metrics.code = pd->cfg.code;
	pd->metrics.rir = pd_rir_names[pd->cfg.rir];
	apply_logging(&pd->cfg);
	warn_allowed_addresses(&pd->cfg);
	probe_start(pd);
	log_info("reloaded: perspective %s (%s)", pd->cfg.code, pd_rir_names[pd->cfg.rir]);
	sd_notify(0, "READY=1");
}

static void
on_drain_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct pd *pd = arg;

	(void)fd;
	(void)what;
	log_warnx("drain timeout: cancelling %zu checks in flight", pd->n_checks);
	shutdown_now(pd);
}

static void
begin_drain(struct pd *pd, const char *signame)
{
	struct timeval tv;

	if (pd->draining)
		return;
	pd->draining = true;
	sd_notify(0, "STOPPING=1");
	log_info("%s: stopping; %zu checks in flight", signame, pd->n_checks);
	/* The status listener stays open: /livez and /readyz ("shutting
	 * down") keep answering an operator until the process exits. */
	http_server_stop_accepting(pd->api);
	if (pd->probe_q != NULL) {
		resolver_cancel(pd->probe_q);
		pd->probe_q = NULL;
	}
	if (pd->n_checks == 0) {
		shutdown_now(pd);
		return;
	}
	tv.tv_sec = pd->cfg.drain_timeout_ms / 1000;
	tv.tv_usec = (suseconds_t)(pd->cfg.drain_timeout_ms % 1000) * 1000;
	evtimer_add(pd->ev_drain, &tv);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct pd *pd = arg;

	(void)what;
	if (sig == SIGHUP && pd->draining) {
		/* A reload now would send systemd READY=1 after STOPPING=1. */
		log_info("SIGHUP: ignored while stopping");
	} else if (sig == SIGHUP) {
		reload(pd);
	} else {
		begin_drain(pd, sig == SIGTERM ? "SIGTERM" : "SIGINT");
	}
}

static int
listen_all(struct pd *pd, char *err, size_t errlen)
{
	char host[256], why[512] = "";
	uint16_t port;

	for (size_t i = 0; i < pd->cfg.listen.n; i++) {
		if (cfg_parse_hostport(pd->cfg.listen.v[i], host, sizeof(host), &port) == -1 ||
		    http_server_listen(pd->api, host, port, why, sizeof(why)) == -1) {
			const struct cfg_loc *loc = &pd->cfg.listen.loc[i];

			snprintf(err, errlen, "%s:%u: listen: %s", loc->file != NULL ? loc->file :
			    pd->config_path, loc->line, why);
			return -1;
		}
		log_info("serving checks on https://%s (mutual TLS)", pd->cfg.listen.v[i]);
	}
	if (pd->cfg.status_listen != NULL) {
		if (cfg_parse_hostport(pd->cfg.status_listen, host, sizeof(host), &port) == -1 ||
		    http_server_listen(pd->status, host, port, why, sizeof(why)) == -1) {
			const struct cfg_loc *loc = cfg_where(&pd->cfg.ini, "perspective", "",
			    "status_listen");

			snprintf(err, errlen, "%s:%u: status_listen: %s",
			    loc != NULL ? loc->file : pd->config_path, loc != NULL ? loc->line : 0, why);
			return -1;
		}
		log_info("status on http://%s", pd->cfg.status_listen);
	}
	return 0;
}

int
pd_run(const char *config_path)
{
	struct pd pd;
	struct http_limits lim = http_default_limits;
	SSL_CTX *ctx = NULL;
	char err[1024];
	int rc = 1;

	memset(&pd, 0, sizeof(pd));
	TAILQ_INIT(&pd.checks);
	pd.config_path = config_path;
	signal(SIGPIPE, SIG_IGN);
	if (pd_config_load(config_path, &pd.cfg, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		return 1;
	}
	apply_logging(&pd.cfg);
	warn_allowed_addresses(&pd.cfg);
	if ((pd.base = event_base_new()) == NULL) {
		log_warnx("cannot create the event loop");
		goto out;
	}
	if (addr_policy_init(&pd.policy, (const char *const *)pd.cfg.allow_address.v,
	    pd.cfg.allow_address.n, err, sizeof(err)) == -1 ||
	    (pd.http = http_client_new(pd.base, &pd.policy)) == NULL) {
		log_warnx("%s", pd.http == NULL ? "cannot create the HTTP client" : err);
		goto out;
	}
	if ((ctx = make_ssl_ctx(&pd.cfg, err, sizeof(err))) == NULL ||
	    tls_cert_not_after(pd.cfg.tls_cert, &pd.cert_not_after, err, sizeof(err)) == -1 ||
	    (pd.resolver = make_resolver(&pd, &pd.cfg, err, sizeof(err))) == NULL) {
		log_warnx("%s", err);
		goto out;
	}
	lim.max_connections = (unsigned)pd.cfg.max_connections;
	if ((pd.api = http_server_new(pd.base, ctx, &lim, api_handle, &pd, err,
	    sizeof(err))) == NULL ||
	    (pd.cfg.status_listen != NULL && (pd.status = http_server_new(pd.base, NULL,
	    &http_default_limits, status_handle, &pd, err, sizeof(err))) == NULL) ||
	    listen_all(&pd, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		goto out;
	}
	SSL_CTX_free(ctx);
	ctx = NULL;

	pd.ev_term = evsignal_new(pd.base, SIGTERM, on_signal, &pd);
	pd.ev_int = evsignal_new(pd.base, SIGINT, on_signal, &pd);
	pd.ev_hup = evsignal_new(pd.base, SIGHUP, on_signal, &pd);
	pd.ev_probe = event_new(pd.base, -1, EV_PERSIST, on_probe_timer, &pd);
	pd.ev_drain = evtimer_new(pd.base, on_drain_timeout, &pd);
	if (pd.ev_term == NULL || pd.ev_int == NULL || pd.ev_hup == NULL || pd.ev_probe == NULL ||
	    pd.ev_drain == NULL) {
		log_warnx("cannot create events");
		goto out;
	}
	{
		struct timeval tv = { PROBE_INTERVAL_S, 0 };

		evsignal_add(pd.ev_term, NULL);
		evsignal_add(pd.ev_int, NULL);
		evsignal_add(pd.ev_hup, NULL);
		event_add(pd.ev_probe, &tv);
	}
	pd.metrics.start_time = time(NULL);
	pd.metrics.version = MPIC_VERSION;
	pd.metrics.code = pd.cfg.code;
	pd.metrics.rir = pd_rir_names[pd.cfg.rir];
	probe_start(&pd);
	log_info("perspectived %s started: perspective %s (%s)", MPIC_VERSION, pd.cfg.code,
	    pd_rir_names[pd.cfg.rir]);
	/* READY=1 is sent by the first successful resolver probe. */
	sd_notifyf(0, "STATUS=started, waiting for the first resolver probe");

	if (event_base_dispatch(pd.base) == -1)
		log_warnx("event loop failed");
	else
		rc = 0;
	log_info("stopped");
out:
	SSL_CTX_free(ctx);
	api_cancel_all(&pd);
	http_server_free(pd.api);
	http_server_free(pd.status);
	if (pd.probe_q != NULL)
		resolver_cancel(pd.probe_q);
	http_client_free(pd.http);
	for (size_t i = 0; i < pd.n_retired; i++)
		resolver_free(pd.retired[i]);
	resolver_free(pd.resolver);
	if (pd.ev_term != NULL)
		event_free(pd.ev_term);
	if (pd.ev_int != NULL)
		event_free(pd.ev_int);
	if (pd.ev_hup != NULL)
		event_free(pd.ev_hup);
	if (pd.ev_probe != NULL)
		event_free(pd.ev_probe);
	if (pd.ev_drain != NULL)
		event_free(pd.ev_drain);
	if (pd.base != NULL)
		event_base_free(pd.base);
	pd_config_free(&pd.cfg);
	return rc;
}
