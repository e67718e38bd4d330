/*
 * raw_tls.h: a raw client for protocol abuse tests. It opens a TCP
 * connection (optionally TLS with a client certificate), writes arbitrary
 * bytes and reads whatever comes back, until the peer closes, a complete
 * HTTP response has arrived, or a deadline passes. Nothing here interprets
 * HTTP beyond finding the status line and the end of a response.
 */
#ifndef TEST_RAW_TLS_H
#define TEST_RAW_TLS_H

#include <stdbool.h>
#include <stddef.h>

struct raw_tls_opts {
	bool plain;          /* true: plain TCP, no TLS at all */
	const char *ca;      /* CA file that must have signed the server; NULL: no check */
	const char *cert;    /* client certificate file; NULL: send none */
	const char *key;     /* its key */
	int min_version;     /* TLS1_2_VERSION etc.; 0: OpenSSL's default */
	int max_version;     /* 0: OpenSSL's default */
	int timeout_ms;      /* bound on connect and handshake; 0: 5000 */
};

struct raw_conn;

/**
 * Connect to @p addr (IPv4 or IPv6 literal) port @p port and, unless
 * o->plain, complete a TLS handshake.
 * @return the connection, or NULL with a reason in @p err.
 */
struct raw_conn *raw_connect(const char *addr, int port, const struct raw_tls_opts *o,
    char *err, size_t errlen);

/** The negotiated protocol (TLS1_3_VERSION, ...), 0 for plain TCP. */
int raw_version(const struct raw_conn *c);

/**
 * Write all @p len bytes (bounded by @p timeout_ms).
 * @return 0, or -1 when the peer closed or reset the connection or the
 *         deadline passed before everything was written.
 */
int raw_send(struct raw_conn *c, const void *buf, size_t len, int timeout_ms);

/** raw_send() of a NUL-terminated string. */
int raw_send_str(struct raw_conn *c, const char *s, int timeout_ms);

struct raw_reply {
	char *data;     /* what was read, NUL-terminated (heap; raw_reply_free) */
	size_t len;
	bool closed;    /* the peer closed or reset the connection */
	bool timed_out; /* the deadline passed first */
	int status;     /* HTTP status of the first response, 0 if none */
};

/**
 * Read until the peer closes, one complete HTTP response (headers and a
 * Content-Length body) has arrived, or @p timeout_ms passes.
 * @return 0 (see @p out), -1 on allocation failure.
 */
int raw_read(struct raw_conn *c, int timeout_ms, struct raw_reply *out);

void raw_reply_free(struct raw_reply *r);

/**
 * Whether the connection is still open, checked without blocking: false
 * once the peer has closed or reset it. Data waiting to be read counts as
 * open.
 */
bool raw_is_open(struct raw_conn *c);

/** Close (without a close_notify when the peer is gone) and free. */
void raw_close(struct raw_conn *c);

#endif /* TEST_RAW_TLS_H */
