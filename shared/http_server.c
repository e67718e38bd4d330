/*
 * http_server.c: the HTTP server interface on libevhtp 1.2.18.
 *
 * libevhtp is archived upstream and has sharp edges (dependencies.md), so it
 * is used narrowly: we create and bind the sockets, build the TLS context
 * ourselves (tls.c), enforce the limits libevhtp lacks in its parser hooks,
 * count and track connections so shutdown can close them, and never free a
 * connection from inside one of its hooks.
 */
#include "http_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>
#include <evhtp/evhtp.h>

#include "log.h"
#include "tls.h"

#define HTTP_MAX_LISTENERS 16
#define HTTP_BACKLOG 512

const struct http_limits http_default_limits = {
	.max_body = 64 * 1024,
	.max_headers = 64,
	.max_header_bytes = 16 * 1024,
	.max_uri = 2048,
	.read_timeout_ms = 10000,
	.write_timeout_ms = 10000,
	.max_keepalive_requests = 1000,
	.max_connections = 1024,
};

struct conn {
	struct http_server *s;
	evhtp_connection_t *ec;
	size_t n_headers;
	size_t header_bytes;
	bool handshake_done;
	char peer[64];
	char client[256];
	TAILQ_ENTRY(conn) entry;
};

struct http_request {
	struct http_server *s;
	struct conn *c;
	evhtp_request_t *er;
	bool parked;
	TAILQ_ENTRY(http_request) entry;
};

struct http_server {
	struct event_base *base;
	SSL_CTX *ssl_ctx;
	struct http_limits lim;
	http_handler handler;
	void *arg;
	evhtp_t *htps[HTTP_MAX_LISTENERS];
	size_t n_htps;
	bool closing;
	TAILQ_HEAD(, conn) conns;
	size_t n_conns;
	TAILQ_HEAD(, http_request) pending;
	size_t n_pending;
};

static struct conn *
conn_of(evhtp_connection_t *ec)
{
	if (ec == NULL || ec->hooks == NULL)
		return NULL;
	return ec->hooks->on_connection_fini_arg;
}

static void
peer_text(const struct sockaddr *sa, char *out, size_t outlen)
{
	char addr[INET6_ADDRSTRLEN] = "?";

	if (sa == NULL) {
		snprintf(out, outlen, "?");
		return;
	}
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;

		inet_ntop(AF_INET, &in->sin_addr, addr, sizeof(addr));
		snprintf(out, outlen, "%s:%u", addr, ntohs(in->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;

		inet_ntop(AF_INET6, &in6->sin6_addr, addr, sizeof(addr));
		snprintf(out, outlen, "[%s]:%u", addr, ntohs(in6->sin6_port));
	} else {
		snprintf(out, outlen, "?");
	}
}

/* --- hooks: limits that libevhtp does not enforce ---------------------- */

static evhtp_res
on_headers_start(evhtp_request_t *er, void *arg)
{
	struct conn *c = arg;

	(void)er;
	c->n_headers = 0;
	c->header_bytes = 0;
	return EVHTP_RES_OK;
}

static evhtp_res
on_header(evhtp_request_t *er, evhtp_header_t *h, void *arg)
{
	struct conn *c = arg;

	(void)er;
	c->n_headers++;
	c->header_bytes += h->klen + h->vlen;
	if (c->n_headers > c->s->lim.max_headers) {
		log_info("http: %s: more than %zu headers, closing", c->peer, c->s->lim.max_headers);
		return EVHTP_RES_ERROR;
	}
	if (c->header_bytes > c->s->lim.max_header_bytes) {
		log_info("http: %s: headers larger than %zu bytes, closing", c->peer,
		    c->s->lim.max_header_bytes);
		return EVHTP_RES_ERROR;
	}
	return EVHTP_RES_OK;
}

static evhtp_res
on_path(evhtp_request_t *er, evhtp_path_t *path, void *arg)
{
	struct conn *c = arg;

	(void)er;
	if (path->full != NULL && strlen(path->full) > c->s->lim.max_uri) {
		log_info("http: %s: URI longer than %zu bytes, closing", c->peer, c->s->lim.max_uri);
		return EVHTP_RES_ERROR;
	}
	return EVHTP_RES_OK;
}

static evhtp_res
on_headers(evhtp_request_t *er, evhtp_headers_t *hdrs, void *arg)
{
	struct conn *c = arg;
	const char *cl = evhtp_header_find(hdrs, "Content-Length");
	const char *te = evhtp_header_find(hdrs, "Transfer-Encoding");
	size_t urilen = 0;

	if (cl != NULL && te != NULL) {
		/* RFC 9112 6.1: both at once is a smuggling attempt; refuse. */
		log_info("http: %s: Content-Length and Transfer-Encoding together, closing", c->peer);
		return EVHTP_RES_ERROR;
	}
	if (cl != NULL) {
		char *end;
		unsigned long long n;

		errno = 0;
		n = strtoull(cl, &end, 10);
		if (errno != 0 || end == cl || *end != '\0' || cl[0] == '-' ||
		    n > c->s->lim.max_body) {
			log_info("http: %s: Content-Length %.32s refused (limit %zu), closing", c->peer,
			    cl, c->s->lim.max_body);
			return EVHTP_RES_ERROR;
		}
	}
	if (er->uri != NULL && er->uri->path != NULL && er->uri->path->full != NULL)
		urilen += strlen(er->uri->path->full);
	if (er->uri != NULL && er->uri->query_raw != NULL)
		urilen += strlen((const char *)er->uri->query_raw);
	if (urilen > c->s->lim.max_uri) {
		log_info("http: %s: URI longer than %zu bytes, closing", c->peer, c->s->lim.max_uri);
		return EVHTP_RES_ERROR;
	}
	return EVHTP_RES_OK;
}

static evhtp_res
on_conn_fini(evhtp_connection_t *ec, void *arg)
{
	struct conn *c = arg;
	struct http_request *r;

	(void)ec;
	TAILQ_FOREACH(r, &c->s->pending, entry) {
		if (r->c == c)
			r->c = NULL;
	}
	TAILQ_REMOVE(&c->s->conns, c, entry);
	c->s->n_conns--;
	free(c);
	return EVHTP_RES_OK;
}

static evhtp_res
on_request_fini(evhtp_request_t *er, void *arg)
{
	struct http_request *r = arg;

	/* The request died before we replied (the connection went away). */
	(void)er;
	r->er = NULL;
	return EVHTP_RES_OK;
}

static evhtp_res
pre_accept(evhtp_connection_t *ec, void *arg)
{
	struct http_server *s = arg;

	(void)ec;
	if (s->closing || s->n_conns >= s->lim.max_connections) {
		log_info("http: refusing a connection (%zu open, limit %u)%s", s->n_conns,
		    s->lim.max_connections, s->closing ? ": shutting down" : "");
		return EVHTP_RES_ERROR;
	}
	return EVHTP_RES_OK;
}

static evhtp_res
post_accept(evhtp_connection_t *ec, void *arg)
{
	struct http_server *s = arg;
	struct conn *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return EVHTP_RES_ERROR;
	c->s = s;
	c->ec = ec;
	peer_text(ec->saddr, c->peer, sizeof(c->peer));
	if (evhtp_connection_set_hook(ec, evhtp_hook_on_connection_fini,
	    (evhtp_hook)on_conn_fini, c) != 0) {
		free(c);
		return EVHTP_RES_ERROR;
	}
	evhtp_connection_set_hook(ec, evhtp_hook_on_headers_start, (evhtp_hook)on_headers_start, c);
	evhtp_connection_set_hook(ec, evhtp_hook_on_header, (evhtp_hook)on_header, c);
	evhtp_connection_set_hook(ec, evhtp_hook_on_path, (evhtp_hook)on_path, c);
	evhtp_connection_set_hook(ec, evhtp_hook_on_headers, (evhtp_hook)on_headers, c);
	TAILQ_INSERT_TAIL(&s->conns, c, entry);
	s->n_conns++;
	return EVHTP_RES_OK;
}

/* --- requests ------------------------------------------------------------ */

enum http_method
http_request_method(const struct http_request *r)
{
	switch (evhtp_request_get_method(r->er)) {
	case htp_method_GET:
		return HTTP_GET;
	case htp_method_HEAD:
		return HTTP_HEAD;
	case htp_method_POST:
		return HTTP_POST;
	default:
		return HTTP_OTHER;
	}
}

const char *
http_request_method_name(const struct http_request *r)
{
	switch (http_request_method(r)) {
	case HTTP_GET:
		return "GET";
	case HTTP_HEAD:
		return "HEAD";
	case HTTP_POST:
		return "POST";
	default:
		return "OTHER";
	}
}

const char *
http_request_path(const struct http_request *r)
{
	if (r->er == NULL || r->er->uri == NULL || r->er->uri->path == NULL ||
	    r->er->uri->path->full == NULL)
		return "";
	return r->er->uri->path->full;
}

const char *
http_request_header(const struct http_request *r, const char *name)
{
	return r->er != NULL ? evhtp_header_find(r->er->headers_in, name) : NULL;
}

const char *
http_request_body(struct http_request *r, size_t *len)
{
	size_t n;

	*len = 0;
	if (r->er == NULL || r->er->buffer_in == NULL)
		return NULL;
	if ((n = evbuffer_get_length(r->er->buffer_in)) == 0)
		return NULL;
	*len = n;
	return (const char *)evbuffer_pullup(r->er->buffer_in, (ev_ssize_t)n);
}

const char *
http_request_peer(const struct http_request *r)
{
	return r->c != NULL ? r->c->peer : "?";
}

const char *
http_request_client(const struct http_request *r)
{
	return r->c != NULL ? r->c->client : "";
}

static void
park(struct http_request *r)
{
	r->parked = true;
	evhtp_request_set_hook(r->er, evhtp_hook_on_request_fini, (evhtp_hook)on_request_fini, r);
	evhtp_request_pause(r->er);
	TAILQ_INSERT_TAIL(&r->s->pending, r, entry);
	r->s->n_pending++;
}

void
http_request_reply(struct http_request *r, int status, const char *content_type,
    const char *body, size_t len)
{
	evhtp_request_t *er = r->er;

	if (r->parked) {
		TAILQ_REMOVE(&r->s->pending, r, entry);
		r->s->n_pending--;
	}
	if (er != NULL) {
		if (r->parked)
			evhtp_request_unset_hook(er, evhtp_hook_on_request_fini);
		if (content_type != NULL)
			evhtp_headers_add_header(er->headers_out,
			    evhtp_header_new("Content-Type", content_type, 0, 0));
		evhtp_headers_add_header(er->headers_out,
		    evhtp_header_new("Cache-Control", "no-store", 0, 0));
		if (r->s->closing) {
			evhtp_request_set_keepalive(er, 0);
			evhtp_headers_add_header(er->headers_out,
			    evhtp_header_new("Connection", "close", 0, 0));
		}
		if (body != NULL && len > 0)
			evbuffer_add(er->buffer_out, body, len);
		evhtp_send_reply(er, (evhtp_res)status);
		if (r->parked)
			evhtp_request_resume(er);
	}
	free(r);
}

/*
 * The handler entry point used by libevhtp. A handler that returns without
 * replying leaves the request to be answered later; libevhtp marks a
 * request finished when its reply is sent, which tells the two apart
 * (after a reply, r is already freed and must not be touched).
 */
static void
gencb(evhtp_request_t *er, void *arg)
{
	struct http_server *s = arg;
	struct http_request *r;
	struct conn *c = conn_of(er->conn);

	if (c != NULL && !c->handshake_done) {
		c->handshake_done = true;
		if (er->conn->ssl != NULL)
			tls_peer_name(er->conn->ssl, c->client, sizeof(c->client));
	}
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		evhtp_send_reply(er, EVHTP_RES_SERVUNAVAIL);
		return;
	}
	r->s = s;
	r->c = c;
	r->er = er;
	s->handler(r, s->arg);
	if (!(er->flags & EVHTP_REQ_FLAG_FINISHED))
		park(r);
}

/* --- server --------------------------------------------------------------- */

struct http_server *
http_server_new(struct event_base *base, SSL_CTX *ssl_ctx, const struct http_limits *limits,
    http_handler handler, void *arg, char *err, size_t errlen)
{
	struct http_server *s;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->base = base;
	s->lim = limits != NULL ? *limits : http_default_limits;
	s->handler = handler;
	s->arg = arg;
	TAILQ_INIT(&s->conns);
	TAILQ_INIT(&s->pending);
	if (ssl_ctx != NULL) {
		SSL_CTX_up_ref(ssl_ctx);
		s->ssl_ctx = ssl_ctx;
	}
	return s;
}

static int
make_listener(const char *host, uint16_t port, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	int fd, on = 1, family;

	memset(&ss, 0, sizeof(ss));
	if (strcmp(host, "*") == 0 || strcmp(host, "0.0.0.0") == 0 || strchr(host, ':') == NULL) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;

		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		if (strcmp(host, "*") != 0 && inet_pton(AF_INET, host, &in->sin_addr) != 1) {
			snprintf(err, errlen, "%s:%u: not an IPv4 or IPv6 address", host, port);
			return -1;
		}
		sslen = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		if (inet_pton(AF_INET6, host, &in6->sin6_addr) != 1) {
			snprintf(err, errlen, "[%s]:%u: not an IPv6 address", host, port);
			return -1;
		}
		sslen = sizeof(*in6);
	}
	family = ss.ss_family;
	if ((fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	/* Accepted sockets inherit this: a reply goes out as several TLS
	 * records, and Nagle plus delayed ACKs would add 40 ms to each. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	if (family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	if (bind(fd, (struct sockaddr *)&ss, sslen) == -1 || listen(fd, HTTP_BACKLOG) == -1) {
		snprintf(err, errlen, family == AF_INET6 ? "[%s]:%u: %s" : "%s:%u: %s", host, port,
		    strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int
http_server_listen(struct http_server *s, const char *host, uint16_t port, char *err,
    size_t errlen)
{
	evhtp_t *htp;
	struct timeval rt, wt;
	int fd;

	if (s->n_htps == HTTP_MAX_LISTENERS) {
		snprintf(err, errlen, "more than %d listeners", HTTP_MAX_LISTENERS);
		return -1;
	}
	if ((fd = make_listener(host, port, err, errlen)) == -1)
		return -1;
	if ((htp = evhtp_new(s->base, s)) == NULL) {
		close(fd);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	evhtp_disable_flag(htp, EVHTP_FLAG_ENABLE_100_CONT);
	/* libevhtp refuses a body when bytes read >= the limit, so add one. */
	evhtp_set_max_body_size(htp, s->lim.max_body + 1);
	evhtp_set_max_keepalive_requests(htp, s->lim.max_keepalive_requests);
	rt.tv_sec = s->lim.read_timeout_ms / 1000;
	rt.tv_usec = (suseconds_t)(s->lim.read_timeout_ms % 1000) * 1000;
	wt.tv_sec = s->lim.write_timeout_ms / 1000;
	wt.tv_usec = (suseconds_t)(s->lim.write_timeout_ms % 1000) * 1000;
	evhtp_set_timeouts(htp, &rt, &wt);
	evhtp_set_pre_accept_cb(htp, pre_accept, s);
	evhtp_set_post_accept_cb(htp, post_accept, s);
	evhtp_set_gencb(htp, gencb, s);
	if (s->ssl_ctx != NULL) {
		SSL_CTX_up_ref(s->ssl_ctx);
		htp->ssl_ctx = s->ssl_ctx;
	}
	if (evhtp_accept_socket(htp, fd, HTTP_BACKLOG) != 0) {
		snprintf(err, errlen, "%s:%u: cannot start accepting", host, port);
		close(fd);
		evhtp_free(htp);
		return -1;
	}
	s->htps[s->n_htps++] = htp;
	return 0;
}

void
http_server_set_ssl_ctx(struct http_server *s, SSL_CTX *ssl_ctx)
{
	if (ssl_ctx == NULL || s->ssl_ctx == NULL)
		return;
	/* Connections already open keep a reference to the old context. */
	for (size_t i = 0; i < s->n_htps; i++) {
		SSL_CTX_up_ref(ssl_ctx);
		SSL_CTX_free(s->htps[i]->ssl_ctx);
		s->htps[i]->ssl_ctx = ssl_ctx;
	}
	SSL_CTX_up_ref(ssl_ctx);
	SSL_CTX_free(s->ssl_ctx);
	s->ssl_ctx = ssl_ctx;
}

void
http_server_stop_accepting(struct http_server *s)
{
	s->closing = true;
	for (size_t i = 0; i < s->n_htps; i++)
		evhtp_unbind_socket(s->htps[i]);
}

void
http_server_close_idle(struct http_server *s)
{
	s->closing = true;
}

size_t
http_server_connections(const struct http_server *s)
{
	return s->n_conns;
}

size_t
http_server_pending(const struct http_server *s)
{
	return s->n_pending;
}

void
http_server_free(struct http_server *s)
{
	struct http_request *r;
	struct conn *c;
	static const char body[] = "{\"error\":\"shutting down\"}";

	if (s == NULL)
		return;
	s->closing = true;
	while ((r = TAILQ_FIRST(&s->pending)) != NULL)
		http_request_reply(r, 503, "application/json", body, sizeof(body) - 1);
	while ((c = TAILQ_FIRST(&s->conns)) != NULL)
		evhtp_connection_free(c->ec); /* on_conn_fini unlinks and frees c */
	for (size_t i = 0; i < s->n_htps; i++) {
		/* evhtp_free() leaves a still-bound listener behind. */
		evhtp_unbind_socket(s->htps[i]);
		evhtp_free(s->htps[i]);
	}
	SSL_CTX_free(s->ssl_ctx);
	free(s);
}
