/*
 * pconfig.c: the option table of perspectived.conf, and the cross-checks
 * that `perspectived -t` runs: every file named by the configuration is
 * opened and checked now, so that a typo is reported at its line instead of
 * surfacing later as a failed handshake or an unready resolver.
 */
#include "pconfig.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <openssl/ssl.h>

#include "addr_policy.h"
#include "log.h"
#include "name.h"
#include "resolver.h"
#include "tls.h"

const char *const pd_rir_names[] = {
	"ARIN", "RIPE NCC", "APNIC", "LACNIC", "AFRINIC", NULL,
};

static const char *const log_formats[] = { "text", "json", NULL };
static const char *const log_levels[] = { "err", "warning", "notice", "info", "debug", NULL };

static int
check_code(const char *v, char *why, size_t whylen)
{
	size_t len = strlen(v);

	if (len == 0 || len > 63) {
		snprintf(why, whylen, "must be 1 to 63 characters");
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		char c = v[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-')) {
			snprintf(why, whylen, "may contain only a-z, 0-9, \".\" and \"-\"");
			return -1;
		}
	}
	return 0;
}

static int
check_domain(const char *v, char *why, size_t whylen)
{
	char out[NAME_BUF];
	const char *reason;
	bool wild;

	if (name_normalize(v, strlen(v), 0, out, &wild, &reason) == -1) {
		snprintf(why, whylen, "not a domain name: %s", reason);
		return -1;
	}
	return 0;
}

static int
check_client_name(const char *v, char *why, size_t whylen)
{
	size_t len = strlen(v);

	if (len == 0 || len > 253) {
		snprintf(why, whylen, "must be 1 to 253 characters");
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)v[i] <= 0x20 || v[i] == 0x7f) {
			snprintf(why, whylen, "must not contain spaces or control characters");
			return -1;
		}
	}
	return 0;
}

#define OPT(k, t, f, field, mn, mx, d, ch, chk, h) \
	{ k, t, f, offsetof(struct pd_config, field), mn, mx, d, ch, chk, h }

static const struct cfg_option perspective_opts[] = {
	OPT("code", CFG_STRING, CFG_REQUIRED, code, 0, 63, NULL, NULL, check_code,
	    "perspective code, [a-z0-9.-]{1,63}; reported in every response and log line"),
	OPT("rir", CFG_ENUM, CFG_REQUIRED, rir, 0, 0, NULL, pd_rir_names, NULL,
	    "Regional Internet Registry: ARIN, RIPE NCC, APNIC, LACNIC or AFRINIC"),
	OPT("listen", CFG_HOSTPORT, CFG_LIST, listen, 0, 0, "0.0.0.0:8443", NULL, NULL,
	    "HTTPS API address with mutual TLS (repeatable; [v6]:port accepted)"),
	OPT("tls_cert", CFG_PATH, CFG_REQUIRED, tls_cert, 0, 0, NULL, NULL, NULL,
	    "PEM certificate chain of this perspective"),
	OPT("tls_key", CFG_PATH, CFG_REQUIRED, tls_key, 0, 0, NULL, NULL, NULL,
	    "PEM private key of tls_cert"),
	OPT("client_ca", CFG_PATH, CFG_REQUIRED, client_ca, 0, 0, NULL, NULL, NULL,
	    "CA that signs CA-side client certificates (the only one trusted)"),
	OPT("allowed_client", CFG_STRING, CFG_LIST, allowed_client, 0, 253, NULL, NULL,
	    check_client_name, "accepted client certificate CN or DNS SAN (repeatable; default any)"),
	OPT("status_listen", CFG_HOSTPORT, 0, status_listen, 0, 0, NULL, NULL, NULL,
	    "plain-HTTP status listener for /livez /readyz /metrics (loopback only)"),
	OPT("check_timeout_ms", CFG_INT, 0, check_timeout_ms, 100, 120000, "9000", NULL, NULL,
	    "deadline of one check, from request to answer"),
	OPT("drain_timeout_ms", CFG_INT, 0, drain_timeout_ms, 0, 120000, "10000", NULL, NULL,
	    "on SIGTERM, how long in-flight checks may take before they are cancelled"),
	OPT("max_connections", CFG_INT, 0, max_connections, 1, 65536, "1024", NULL, NULL,
	    "open client connections"),
	OPT("max_inflight", CFG_INT, 0, max_inflight, 1, 1000000, "10000", NULL, NULL,
	    "checks in progress; more are answered 503"),
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL },
};

static const struct cfg_option dns_opts[] = {
	OPT("unbound_config", CFG_PATH, 0, unbound_config, 0, 0, NULL, NULL, NULL,
	    "unbound.conf fragment (stub/forward zones, root hints, tuning)"),
	OPT("trust_anchor_file", CFG_PATH, 0, trust_anchor_file, 0, 0,
	    RESOLVER_DEFAULT_TRUST_ANCHOR, NULL, NULL, "DNSSEC trust anchor (DS or DNSKEY records)"),
	OPT("timeout_ms", CFG_INT, 0, dns_timeout_ms, 100, 60000, "4000", NULL, NULL,
	    "deadline of one DNS lookup"),
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL },
};

static const struct cfg_option http_opts[] = {
	OPT("max_redirects", CFG_INT, 0, max_redirects, 0, 100, "20", NULL, NULL,
	    "redirects followed per HTTP check (Open MPIC uses 20, Let's Encrypt 10)"),
	OPT("timeout_ms", CFG_INT, 0, http_timeout_ms, 100, 60000, "5000", NULL, NULL,
	    "deadline of one HTTP request or TLS-ALPN handshake (connect, TLS and answer)"),
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL },
};

static const struct cfg_option targets_opts[] = {
	OPT("allow_address", CFG_CIDR, CFG_LIST, allow_address, 0, 0, NULL, NULL, NULL,
	    "special-purpose range allowed as a validation target (test labs only; repeatable)"),
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL },
};

static const struct cfg_option caa_opts[] = {
	OPT("default_caa_domain", CFG_STRING, CFG_LIST, default_caa_domain, 0, 253, NULL, NULL,
	    check_domain, "issuer domain name used when a request has no caa_domains (repeatable)"),
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL },
};

static const struct cfg_option log_opts[] = {
	OPT("format", CFG_ENUM, 0, log_format, 0, 0, "text", log_formats, NULL,
	    "text or json (one JSON object per line)"),
	OPT("level", CFG_ENUM, 0, log_level, 0, 0, "info", log_levels, NULL,
	    "err, warning, notice, info or debug"),
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL },
};

static const struct cfg_section sections[] = {
	{ "perspective", false, perspective_opts },
	{ "dns", false, dns_opts },
	{ "http", false, http_opts },
	{ "targets", false, targets_opts },
	{ "caa", false, caa_opts },
	{ "log", false, log_opts },
	{ NULL, false, NULL },
};

void
pd_config_help(FILE *fp)
{
	cfg_print_help(sections, fp);
}

int
pd_config_log_priority(const struct pd_config *cfg)
{
	return LOG_LVL_ERR + cfg->log_level;
}

void
pd_config_free(struct pd_config *cfg)
{
	for (size_t i = 0; sections[i].name != NULL; i++)
		cfg_release(sections[i].options, cfg);
	ini_free(&cfg->ini);
	memset(cfg, 0, sizeof(*cfg));
}

/* Prefix @p msg with the location of section.key. */
static void
at(const struct pd_config *cfg, const char *section, const char *key, const char *msg,
    char *err, size_t errlen)
{
	const struct cfg_loc *loc = cfg_where(&cfg->ini, section, "", key);

	if (loc != NULL)
		snprintf(err, errlen, "%s:%u: %s", loc->file, loc->line, msg);
	else
		snprintf(err, errlen, "%s: %s", cfg->ini.main_file, msg);
}

static int
cross_check(struct pd_config *cfg, char *err, size_t errlen)
{
	char msg[1024], host[256];
	uint16_t port;
	struct tls_server_config tc;
	SSL_CTX *ctx;
	struct event_base *base;
	struct resolver *r;
	struct resolver_config rc;

	{
		struct addr_policy pol;

		if (addr_policy_init(&pol, (const char *const *)cfg->allow_address.v,
		    cfg->allow_address.n, msg, sizeof(msg)) == -1) {
			at(cfg, "targets", "allow_address", msg, err, errlen);
			return -1;
		}
	}
	if (cfg->status_listen != NULL) {
		if (cfg_parse_hostport(cfg->status_listen, host, sizeof(host), &port) == -1 ||
		    !(strncmp(host, "127.", 4) == 0 || strcmp(host, "::1") == 0 ||
		    strcmp(host, "localhost") == 0)) {
			at(cfg, "perspective", "status_listen",
			    "status_listen: must be a loopback address (127.0.0.0/8 or [::1]): the "
			    "status listener has no authentication", err, errlen);
			return -1;
		}
	}

	memset(&tc, 0, sizeof(tc));
	tc.cert_file = cfg->tls_cert;
	tc.key_file = cfg->tls_key;
	tc.client_ca_file = cfg->client_ca;
	tc.allowed_clients = (const char *const *)cfg->allowed_client.v;
	tc.n_allowed_clients = cfg->allowed_client.n;
	if ((ctx = tls_server_ctx_new(&tc, msg, sizeof(msg))) == NULL) {
		const char *key = strncmp(msg, "tls_key", 7) == 0 ? "tls_key" :
		    strncmp(msg, "client_ca", 9) == 0 ? "client_ca" : "tls_cert";

		at(cfg, "perspective", key, msg, err, errlen);
		return -1;
	}
	SSL_CTX_free(ctx);

	memset(&rc, 0, sizeof(rc));
	rc.unbound_config = cfg->unbound_config;
	rc.trust_anchor_file = cfg->trust_anchor_file;
	rc.timeout_ms = (unsigned)cfg->dns_timeout_ms;
	if ((base = event_base_new()) == NULL) {
		snprintf(err, errlen, "cannot create an event loop");
		return -1;
	}
	r = resolver_new(base, &rc, msg, sizeof(msg));
	resolver_free(r);
	event_base_free(base);
	if (r == NULL) {
		at(cfg, "dns", strncmp(msg, "trust_anchor", 12) == 0 ? "trust_anchor_file" :
		    "unbound_config", msg, err, errlen);
		return -1;
	}
	return 0;
}

int
pd_config_read(const char *path, struct pd_config *cfg, char *err, size_t errlen)
{
	memset(cfg, 0, sizeof(*cfg));
	if (ini_load_file(&cfg->ini, path, err, errlen) == -1)
		goto fail;
	if (cfg_check_layout(&cfg->ini, sections, err, errlen) == -1)
		goto fail;
	for (size_t i = 0; sections[i].name != NULL; i++)
		if (cfg_apply(&cfg->ini, sections[i].name, "", sections[i].options, cfg, err,
		    errlen) == -1)
			goto fail;
	return 0;
fail:
	pd_config_free(cfg);
	return -1;
}

int
pd_config_load(const char *path, struct pd_config *cfg, char *err, size_t errlen)
{
	if (pd_config_read(path, cfg, err, errlen) == -1)
		return -1;
	if (cross_check(cfg, err, errlen) == -1) {
		pd_config_free(cfg);
		return -1;
	}
	return 0;
}
