/*
 * http_server.h: a small HTTP/1.1 server interface, over HTTPS or plain
 * HTTP, on the caller's event loop.
 *
 * This is the only place that knows about libevhtp, so the library can be
 * replaced without touching the daemon. Every limit of security.md is
 * applied here: body size (refused from Content-Length before buffering),
 * header count and total size, URI length, read and write timeouts (which
 * also bound the TLS handshake), requests per keep-alive connection, and
 * open connections. A request carrying both Content-Length and
 * Transfer-Encoding is refused. Violations close the connection.
 *
 * Handlers may reply at once or later (after an asynchronous check): a
 * request that has not been answered when the handler returns is parked,
 * and its connection reads nothing more until the reply is sent.
 */
#ifndef MPIC_HTTP_SERVER_H
#define MPIC_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

struct event_base;
struct http_server;
struct http_request;

struct http_limits {
	size_t max_body;              /* bytes */
	size_t max_headers;           /* header lines per request */
	size_t max_header_bytes;      /* all header names and values */
	size_t max_uri;               /* bytes of path and query */
	unsigned read_timeout_ms;     /* also bounds the handshake and idle keep-alive */
	unsigned write_timeout_ms;
	unsigned max_keepalive_requests;
	unsigned max_connections;
};

/* 64 KiB body, 64 headers, 16 KiB of headers, 2 KiB URI, 10 s timeouts,
 * 1000 requests per connection, 1024 connections. */
extern const struct http_limits http_default_limits;

enum http_method {
	HTTP_GET,
	HTTP_HEAD,
	HTTP_POST,
	HTTP_OTHER,
};

typedef void (*http_handler)(struct http_request *req, void *arg);

/**
 * Create a server on @p base. With @p ssl_ctx non-NULL the server speaks
 * HTTPS and takes a reference to the context.
 * @return the server, or NULL with a reason.
 */
struct http_server *http_server_new(struct event_base *base, SSL_CTX *ssl_ctx,
    const struct http_limits *limits, http_handler handler, void *arg,
    char *err, size_t errlen);

/**
 * Listen on @p host (an address literal, "*" or "::") and @p port.
 * May be called several times.
 * @return 0, or -1 with a reason ("127.0.0.1:8443: Address already in use").
 */
int http_server_listen(struct http_server *s, const char *host, uint16_t port,
    char *err, size_t errlen);

/** Replace the TLS context for new connections (after a reload). */
void http_server_set_ssl_ctx(struct http_server *s, SSL_CTX *ssl_ctx);

/** Stop accepting connections; open ones keep being served. */
void http_server_stop_accepting(struct http_server *s);

/** Ask open connections to close after their current request. */
void http_server_close_idle(struct http_server *s);

/** Open connections, and requests parked waiting for their reply. */
size_t http_server_connections(const struct http_server *s);
size_t http_server_pending(const struct http_server *s);

/**
 * Free the server: parked requests get 503, every connection is closed.
 */
void http_server_free(struct http_server *s);

/* --- one request ---------------------------------------------------------- */

enum http_method http_request_method(const struct http_request *r);
const char *http_request_method_name(const struct http_request *r);
/** The path without the query string. */
const char *http_request_path(const struct http_request *r);
/** A request header (case-insensitive name), or NULL. */
const char *http_request_header(const struct http_request *r, const char *name);
/** The body (not NUL-terminated; may be NULL with *len 0). */
const char *http_request_body(struct http_request *r, size_t *len);
/** "127.0.0.1:51234" or "[::1]:51234". */
const char *http_request_peer(const struct http_request *r);
/** The client certificate's name (see tls_peer_name()), "" without TLS. */
const char *http_request_client(const struct http_request *r);

/**
 * Send the reply. After this call the request object is gone.
 * @param content_type e.g. "application/json"
 */
void http_request_reply(struct http_request *r, int status, const char *content_type,
    const char *body, size_t len);

#endif /* MPIC_HTTP_SERVER_H */
