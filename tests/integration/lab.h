/*
 * lab.h: what integration tests need to know about the running lab
 * (tests/lab/up writes LAB_DIR/env), and a small HTTPS client for it.
 */
#ifndef TEST_LAB_H
#define TEST_LAB_H

#include <stdbool.h>
#include <stddef.h>

#define LAB_MAX_P 10

struct lab_perspective {
	char code[64];
	char rir[32];
	char addr[64];
	int port;
	int status_port;
	char conf[512];
	char unbound_conf[512];
};

struct lab {
	char dir[512];
	char dns_addr[64];
	char root_key[512];
	char root_hints[512];
	char pki[512];
	int n;
	bool perspectives_running;
	struct lab_perspective p[LAB_MAX_P + 1]; /* 1-based, as in the lab */
};

/**
 * The running lab, read once from $LAB_DIR/env (default build/lab/env).
 * Fails the calling test if the lab is not up.
 */
const struct lab *lab_get(void);

/** "<pki>/<name>" in a rotating static buffer (a few may be live at once). */
const char *lab_pki(const char *name);

struct lab_resp {
	long status;   /* HTTP status, 0 if the transfer failed */
	int curl_code; /* CURLcode */
	char err[256]; /* curl's error text when the transfer failed */
	char *body;    /* NUL-terminated, heap */
	size_t len;
};

/**
 * One HTTPS request to perspective @p i (1-based) on its API port, trusting
 * only the lab's perspective CA.
 * @param client PKI name of the client certificate ("client",
 *               "foreign-client", ...) or NULL to send none
 * @param body   POST body, or NULL for a GET
 * @return 0 when a response arrived (see out->status), -1 otherwise
 *         (out->curl_code and out->err say why).
 */
int lab_request(int i, const char *path, const char *client, const char *body,
    struct lab_resp *out);

/** Plain HTTP GET on perspective @p i's status listener. */
int lab_status_get(int i, const char *path, struct lab_resp *out);

void lab_resp_free(struct lab_resp *r);

/* --- generic additions (after the original interface) -------------------- */

/* Options for lab_request_opts(); zero values mean lab_request()'s defaults. */
struct lab_req_opts {
	const char *method;   /* custom method ("PUT", "DELETE"), NULL: GET or POST */
	long ssl_version;     /* CURLOPT_SSLVERSION value (CURL_SSLVERSION_TLSv1_2 |
	                       * CURL_SSLVERSION_MAX_TLSv1_2, ...), 0: curl's default */
	bool plain_http;      /* speak plain HTTP to the API port */
	long timeout_ms;      /* 0: 20 s */
	long local_port;      /* out: the client's local port (0 if unknown) */
};

/**
 * lab_request() with options; the body, if any, is sent as is, and curl's
 * "Expect: 100-continue" is suppressed.
 */
int lab_request_opts(int i, const char *path, const char *client, const char *body,
    struct lab_req_opts *o, struct lab_resp *out);

/** Size in bytes of LAB_DIR/p<i>/log now (0 if missing). */
size_t lab_log_size(int i);

/** LAB_DIR/p<i>/log from byte @p from to its end, heap, NUL-terminated. */
char *lab_log_since(int i, size_t from);

/**
 * Wait up to @p timeout_ms for a line in LAB_DIR/p<i>/log, after byte
 * @p from, that contains both @p a and @p b (@p b may be NULL).
 * @return a heap copy of the line, or NULL.
 */
char *lab_log_wait_line(int i, size_t from, const char *a, const char *b, int timeout_ms);

/**
 * The value of one series in perspective @p i's /metrics (status port),
 * e.g. "perspectived_requests_total{endpoint=\"caa\",result=\"bad_request\"}".
 * @return the value, or -1 when the series or the page is missing.
 */
double lab_metric(int i, const char *series);

/* --- environment, files and parallel requests (HTTP/TLS-ALPN tests) ------- */

/** The value of any key of LAB_DIR/env (quotes stripped), or NULL. */
const char *lab_env(const char *key);

/** "<LAB_DIR>/<rel>" in a rotating static buffer (a few may be live at once). */
const char *lab_path(const char *rel);

/** Size in bytes of the file @p path now (0 if missing). */
size_t lab_file_size(const char *path);

/** The file @p path from byte @p from to its end, heap, NUL-terminated ("" if missing). */
char *lab_file_since(const char *path, size_t from);

/** One request of lab_request_all(). */
struct lab_call {
	int p;               /* perspective, 1-based */
	const char *path;    /* e.g. "/dcv", "/livez" */
	const char *body;    /* POST body on the API port (mutual TLS); NULL: GET */
	bool status_port;    /* GET on the plain-HTTP status listener instead */
	struct lab_resp r;   /* out: as lab_request() fills it */
	int finished;        /* out: 1 for the first call to finish, 2 the next, ... */
};

/**
 * Run @p n calls at once (libcurl multi, one connection each, 20 s bound per
 * call) and return when all have finished. Each call's lab_resp must be
 * freed with lab_resp_free().
 */
void lab_request_all(struct lab_call *calls, size_t n);

/**
 * Fails the calling test unless nothing reached a forbidden destination and
 * the perspectives are alive: LAB_CANARY_LOG is empty (no canary accepted a
 * connection, no tripwire path was fetched), hostile.py logged no tripwire
 * request, nginx's access log has no request on port 8080, and every
 * perspective answers GET /livez on its API and its status listener.
 */
void lab_assert_clean(void);

#endif /* TEST_LAB_H */
