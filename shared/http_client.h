/*
 * http_client.h: single HTTP requests to validation targets, with libcurl's
 * multi interface on our libevent loop (many in flight, nothing blocks).
 *
 * One request is one hop: redirects are never followed here (dcv_http.c
 * checks each Location before deciding to go on). Every request is locked
 * down: http and https only, no proxy (libcurl would read proxy variables
 * from the environment), no cookies, no content decoding (no
 * Accept-Encoding sent, none honoured: no decompression bombs), a fresh
 * connection pinned to an address the caller has already checked, and the
 * address checked again when the socket is opened; the body is capped in
 * the write callback (libcurl 7.88 does not enforce a size limit on bodies
 * of unknown length), headers are capped, and connect, total and low-speed
 * deadlines bound every transfer.
 */
#ifndef MPIC_HTTP_CLIENT_H
#define MPIC_HTTP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct addr_policy;
struct http_client;
struct http_fetch;

#define HTTP_FETCH_MAX_HEADERS 16
#define HTTP_FETCH_MAX_HEADER_BYTES (64 * 1024) /* of the response */
#define HTTP_FETCH_ERROR_SIZE 256

struct http_fetch_req {
	const char *url;           /* absolute http or https URL */
	const char *host;          /* its host, without brackets, for pinning */
	uint16_t port;             /* its port (80 or 443 by scheme if not explicit) */
	uint8_t addr[16];          /* the checked address (IPv4 as ::ffff:a.b.c.d) */
	const char *const *headers; /* "Name: value" lines, already checked */
	size_t n_headers;
	size_t max_body;           /* bytes kept; the transfer ends after them */
	unsigned connect_timeout_ms; /* TCP and TLS */
	unsigned total_timeout_ms;
	unsigned low_speed_bytes;  /* slower than this many bytes per second ... */
	unsigned low_speed_seconds; /* ... for this long ends the transfer */
	const char *user_agent;
};

struct http_fetch_res {
	int curl_code;             /* 0 when a response arrived */
	char error[HTTP_FETCH_ERROR_SIZE]; /* what went wrong, for the error message */
	long status;               /* final status code, 0 if none */
	char reason[64];           /* its reason phrase */
	char *location;            /* Location header as sent, or NULL */
	uint8_t *body;
	size_t body_len;
	bool truncated;            /* more body than max_body was offered */
	char connected_ip[64];     /* the address the connection used */
};

typedef void (*http_fetch_cb)(void *arg, const struct http_fetch_res *res);

/**
 * A client on @p base. @p policy is consulted again when each socket is
 * opened; it must outlive the client.
 * @return the client, or NULL.
 */
struct http_client *http_client_new(struct event_base *base, const struct addr_policy *policy);

/** Free the client; requests in flight are cancelled without callbacks. */
void http_client_free(struct http_client *c);

/**
 * Start one request. The callback runs later from the event loop, exactly
 * once, unless http_fetch_cancel() is called first; the result is valid
 * only during the callback.
 * @return the request, or NULL if it could not start.
 */
struct http_fetch *http_fetch_start(struct http_client *c, const struct http_fetch_req *req,
    http_fetch_cb cb, void *arg);

void http_fetch_cancel(struct http_fetch *f);

#endif /* MPIC_HTTP_CLIENT_H */
