/*
 * pconfig.h: perspectived's configuration file (INTERFACES.md section 3).
 */
#ifndef PD_PCONFIG_H
#define PD_PCONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "config.h"

#define PD_DEFAULT_CONFIG "/etc/perspectived/perspectived.conf"

/* Regional Internet Registries, in the order of enum pd_rir. */
extern const char *const pd_rir_names[];

struct pd_config {
	/* [perspective] */
	char *code;
	int rir;                 /* index into pd_rir_names */
	struct cfg_list listen;  /* host:port, HTTPS with mutual TLS */
	char *tls_cert;
	char *tls_key;
	char *client_ca;
	struct cfg_list allowed_client;
	char *status_listen;     /* loopback host:port, plain HTTP; NULL: none */
	long long check_timeout_ms;
	long long drain_timeout_ms;
	long long max_connections;
	long long max_inflight;
	/* [dns] */
	char *unbound_config;
	char *trust_anchor_file;
	long long dns_timeout_ms;
	/* [http] */
	long long max_redirects;
	long long http_timeout_ms;
	/* [targets] */
	struct cfg_list allow_address;
	/* [caa] */
	struct cfg_list default_caa_domain;
	/* [log] */
	int log_format;          /* enum log_format */
	int log_level;           /* index into the level names; see pconfig.c */

	struct ini ini;          /* kept for locations in later errors */
};

/**
 * Read and check @p path: syntax, types and ranges, then the cross-checks
 * (certificates and keys load and match, the resolver configuration is
 * acceptable, addresses parse). Errors read "FILE:LINE: what is wrong".
 * @return 0, or -1 with @p cfg released.
 */
int pd_config_load(const char *path, struct pd_config *cfg, char *err, size_t errlen);

/** The same without the cross-checks (syntax, types and ranges only). */
int pd_config_read(const char *path, struct pd_config *cfg, char *err, size_t errlen);

void pd_config_free(struct pd_config *cfg);

/** The syslog priority for cfg->log_level. */
int pd_config_log_priority(const struct pd_config *cfg);

/** Print the option table (for --help). */
void pd_config_help(FILE *fp);

#endif /* PD_PCONFIG_H */
