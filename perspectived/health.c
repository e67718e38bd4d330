/*
 * health.c: `perspectived health [-c FILE] [URL]`.
 *
 * Fetches /readyz (from the status listener by default, which is plain HTTP
 * on loopback) and prints what an operator needs in one screen. This is a
 * command-line tool, not the daemon: a blocking libcurl call is fine here.
 */
#include "health.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "config.h"
#include "json.h"
#include "pconfig.h"

#define HEALTH_MAX_BODY 65536

struct body {
	char buf[HEALTH_MAX_BODY];
	size_t len;
	bool overflow;
};

static size_t
on_data(char *p, size_t size, size_t n, void *arg)
{
	struct body *b = arg;
	size_t len = size * n;

	if (len > sizeof(b->buf) - b->len) {
		b->overflow = true;
		return 0; /* abort: /readyz is never this large */
	}
	memcpy(b->buf + b->len, p, len);
	b->len += len;
	return len;
}

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: perspectived health [-c FILE] [--cacert FILE --cert FILE --key FILE] [URL]\n"
	    "\n"
	    "Ask a running perspectived whether it is ready, and print a summary.\n"
	    "URL defaults to the configured status_listen (http://ADDR/readyz); an https URL\n"
	    "needs a client certificate accepted by the daemon (--cert, --key) and the CA of\n"
	    "its server certificate (--cacert).\n"
	    "\n"
	    "Exit status: 0 ready, 1 running but not ready, 2 unreachable or not perspectived.\n");
}

/* The URL to ask when none is given: the status listener, else the API. */
static int
default_url(const char *config, char *url, size_t urllen)
{
	struct pd_config cfg;
	char err[1024], host[256];
	uint16_t port;
	const char *hp;
	int rc = -1;

	if (pd_config_read(config, &cfg, err, sizeof(err)) == -1) {
		fprintf(stderr, "perspectived health: %s\n", err);
		return -1;
	}
	hp = cfg.status_listen != NULL ? cfg.status_listen :
	    (cfg.listen.n > 0 ? cfg.listen.v[0] : NULL);
	if (hp != NULL && cfg_parse_hostport(hp, host, sizeof(host), &port) == 0) {
		const char *h = host;

		/* A wildcard listener is reachable on loopback. */
		if (strcmp(h, "*") == 0 || strcmp(h, "0.0.0.0") == 0)
			h = "127.0.0.1";
		else if (strcmp(h, "::") == 0)
			h = "::1";
		snprintf(url, urllen, strchr(h, ':') != NULL ? "%s://[%s]:%u/readyz" :
		    "%s://%s:%u/readyz", cfg.status_listen != NULL ? "http" : "https", h, port);
		rc = 0;
	}
	pd_config_free(&cfg);
	if (rc == -1)
		fprintf(stderr, "perspectived health: %s has no listen address\n", config);
	return rc;
}

static const char *
str_or(const struct json_value *obj, const char *key, const char *def)
{
	const struct json_value *v = json_get(obj, key);

	return v != NULL && v->type == JSON_STRING ? v->u.str.s : def;
}

static long long
int_or(const struct json_value *obj, const char *key, long long def)
{
	const struct json_value *v = json_get(obj, key);

	return v != NULL && v->type == JSON_INT ? (long long)v->u.i : def;
}

static bool
bool_or(const struct json_value *obj, const char *key, bool def)
{
	const struct json_value *v = json_get(obj, key);

	return v != NULL && v->type == JSON_BOOL ? v->u.b : def;
}

static void
print_summary(const char *url, const struct json_value *root, bool ready)
{
	const struct json_value *res = json_get(root, "resolver");
	const struct json_value *cert = json_get(root, "certificate");
	long long up = int_or(root, "uptime_seconds", 0), age;

	printf("perspectived %s (%s) at %s\n", str_or(root, "perspective_code", "?"),
	    str_or(root, "rir", "?"), url);
	if (ready)
		printf("  status:      READY\n");
	else
		printf("  status:      NOT READY - %s\n", str_or(root, "reason", "no reason given"));
	printf("  version:     %s, up %lldd %02lldh %02lldm\n", str_or(root, "version", "?"),
	    up / 86400, up % 86400 / 3600, up % 3600 / 60);
	printf("  checks:      %lld in flight%s\n", int_or(root, "inflight", 0),
	    bool_or(root, "draining", false) ? ", draining for shutdown" : "");
	age = int_or(res, "probe_age_seconds", -1);
	printf("  resolver:    %s - %s", bool_or(res, "ok", false) ? "ok" : "FAILING",
	    str_or(res, "detail", "no probe yet"));
	if (age >= 0)
		printf(" (probed %llds ago)", age);
	printf("\n");
	printf("  certificate: %s - expires %s (%lld days left)\n",
	    bool_or(cert, "ok", false) ? "ok" : "EXPIRED", str_or(cert, "not_after", "?"),
	    int_or(cert, "days_left", 0));
}

int
health_main(int argc, char **argv, const char *default_config)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "cacert", required_argument, NULL, 'A' },
		{ "cert", required_argument, NULL, 'C' },
		{ "key", required_argument, NULL, 'K' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = default_config, *cacert = NULL, *cert = NULL, *key = NULL;
	char url[512], err[CURL_ERROR_SIZE] = "", jerr[256];
	struct body *b;
	struct json_doc *doc;
	CURL *curl;
	CURLcode cc;
	long status = 0;
	int ch, rc;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			config = optarg;
			break;
		case 'A':
			cacert = optarg;
			break;
		case 'C':
			cert = optarg;
			break;
		case 'K':
			key = optarg;
			break;
		case 'h':
			usage(stdout);
			return HEALTH_OK;
		default:
			usage(stderr);
			return HEALTH_UNREACHABLE;
		}
	}
	if (argc - optind > 1) {
		usage(stderr);
		return HEALTH_UNREACHABLE;
	}
	if (argc - optind == 1) {
		const char *u = argv[optind];
		const char *slash = strstr(u, "://");

		/* A bare address (with or without a final "/") means its /readyz. */
		slash = slash != NULL ? strchr(slash + 3, '/') : NULL;
		if (slash != NULL && strcmp(slash, "/") == 0)
			snprintf(url, sizeof(url), "%.*sreadyz", (int)strlen(u), u);
		else
			snprintf(url, sizeof(url), "%s%s", u, slash == NULL ? "/readyz" : "");
	} else if (default_url(config, url, sizeof(url)) == -1) {
		return HEALTH_UNREACHABLE;
	}

	if ((b = calloc(1, sizeof(*b))) == NULL || (curl = curl_easy_init()) == NULL) {
		free(b);
		fprintf(stderr, "perspectived health: out of memory\n");
		return HEALTH_UNREACHABLE;
	}
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 5000L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 3000L);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, err);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "perspectived-health/" MPIC_VERSION);
	if (cacert != NULL) {
		curl_easy_setopt(curl, CURLOPT_CAINFO, cacert);
		curl_easy_setopt(curl, CURLOPT_CAPATH, NULL);
	}
	if (cert != NULL)
		curl_easy_setopt(curl, CURLOPT_SSLCERT, cert);
	if (key != NULL)
		curl_easy_setopt(curl, CURLOPT_SSLKEY, key);
	cc = curl_easy_perform(curl);
	if (cc == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(curl);
	if (cc != CURLE_OK) {
		fprintf(stderr, "perspectived health: cannot reach %s: %s\n", url,
		    err[0] != '\0' ? err : curl_easy_strerror(cc));
		free(b);
		return HEALTH_UNREACHABLE;
	}
	doc = json_parse(b->buf, b->len, NULL, jerr, sizeof(jerr));
	free(b);
	if ((status != 200 && status != 503) || doc == NULL ||
	    json_root(doc)->type != JSON_OBJECT ||
	    json_get(json_root(doc), "perspective_code") == NULL) {
		fprintf(stderr, "perspectived health: %s answered HTTP %ld%s%s: not a perspectived "
		    "/readyz\n", url, status, doc == NULL ? ", " : "", doc == NULL ? jerr : "");
		json_doc_free(doc);
		return HEALTH_UNREACHABLE;
	}
	print_summary(url, json_root(doc), status == 200);
	rc = status == 200 ? HEALTH_OK : HEALTH_UNHEALTHY;
	json_doc_free(doc);
	return rc;
}
