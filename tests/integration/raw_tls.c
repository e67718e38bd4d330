/*
 * raw_tls.c: a raw TCP/TLS client for protocol abuse tests (see raw_tls.h).
 *
 * The socket is non-blocking and every wait goes through poll() with the
 * caller's deadline, so a server that stalls can never hang a test.
 */
#include "raw_tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define RAW_DEFAULT_TIMEOUT_MS 5000
#define RAW_MAX_REPLY (4 << 20)

struct raw_conn {
	int fd;
	SSL_CTX *ctx;
	SSL *ssl;
	bool dead; /* the peer closed or reset: no close_notify on close */
};

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for @p events on @p fd until @p deadline; 1 ready, 0 timed out. */
static int
wait_fd(int fd, short events, long long deadline)
{
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = events };
		long long left = deadline - now_ms();
		int n;

		if (left <= 0)
			return 0;
		n = poll(&pfd, 1, left > 1000000 ? 1000000 : (int)left);
		if (n > 0)
			return 1;
		if (n == 0)
			return 0;
		if (errno != EINTR)
			return 1; /* let the next I/O call report the error */
	}
}

static void
ossl_text(char *err, size_t errlen, const char *what)
{
	char buf[256] = "";
	unsigned long e = ERR_get_error();

	if (e != 0)
		ERR_error_string_n(e, buf, sizeof(buf));
	ERR_clear_error();
	snprintf(err, errlen, "%s: %s", what, e != 0 ? buf : strerror(errno));
}

static int
tcp_connect(const char *addr, int port, long long deadline, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	int fd, soerr = 0, one = 1;
	socklen_t elen = sizeof(soerr);

	memset(&ss, 0, sizeof(ss));
	if (strchr(addr, ':') != NULL) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, addr, &in6->sin6_addr) != 1)
			goto bad_addr;
		sslen = sizeof(*in6);
	} else {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;

		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, addr, &in->sin_addr) != 1)
			goto bad_addr;
		sslen = sizeof(*in);
	}
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&ss, sslen) == -1) {
		if (errno != EINPROGRESS) {
			snprintf(err, errlen, "connect %s:%d: %s", addr, port, strerror(errno));
			close(fd);
			return -1;
		}
		if (wait_fd(fd, POLLOUT, deadline) == 0) {
			snprintf(err, errlen, "connect %s:%d: timed out", addr, port);
			close(fd);
			return -1;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &elen) == -1 || soerr != 0) {
			snprintf(err, errlen, "connect %s:%d: %s", addr, port,
			    strerror(soerr != 0 ? soerr : errno));
			close(fd);
			return -1;
		}
	}
	return fd;
bad_addr:
	snprintf(err, errlen, "%s: not an address literal", addr);
	return -1;
}

static SSL_CTX *
make_ctx(const struct raw_tls_opts *o, char *err, size_t errlen)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (ctx == NULL) {
		ossl_text(err, errlen, "SSL_CTX_new");
		return NULL;
	}
	if (o->min_version != 0 || o->max_version != 0) {
		/* Let the test ask for old protocols: the server must refuse them. */
		SSL_CTX_set_security_level(ctx, 0);
		if (SSL_CTX_set_min_proto_version(ctx, o->min_version) != 1 ||
		    SSL_CTX_set_max_proto_version(ctx, o->max_version) != 1) {
			ossl_text(err, errlen, "protocol versions");
			goto fail;
		}
	}
	if (o->ca != NULL) {
		if (SSL_CTX_load_verify_locations(ctx, o->ca, NULL) != 1) {
			ossl_text(err, errlen, o->ca);
			goto fail;
		}
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	}
	if (o->cert != NULL) {
		if (SSL_CTX_use_certificate_chain_file(ctx, o->cert) != 1) {
			ossl_text(err, errlen, o->cert);
			goto fail;
		}
		if (SSL_CTX_use_PrivateKey_file(ctx, o->key, SSL_FILETYPE_PEM) != 1) {
			ossl_text(err, errlen, o->key);
			goto fail;
		}
	}
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

struct raw_conn *
raw_connect(const char *addr, int port, const struct raw_tls_opts *o, char *err,
    size_t errlen)
{
	struct raw_conn *c;
	long long deadline = now_ms() + (o->timeout_ms > 0 ? o->timeout_ms : RAW_DEFAULT_TIMEOUT_MS);

	/* A server that closes while we write must not kill the test with SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if ((c->fd = tcp_connect(addr, port, deadline, err, errlen)) == -1) {
		free(c);
		return NULL;
	}
	if (o->plain)
		return c;
	if ((c->ctx = make_ctx(o, err, errlen)) == NULL || (c->ssl = SSL_new(c->ctx)) == NULL ||
	    SSL_set_fd(c->ssl, c->fd) != 1) {
		if (c->ctx != NULL)
			ossl_text(err, errlen, "SSL_new");
		goto fail;
	}
	for (;;) {
		int rc = SSL_connect(c->ssl), e;

		if (rc == 1)
			break;
		e = SSL_get_error(c->ssl, rc);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
			if (wait_fd(c->fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT,
			    deadline) == 0) {
				snprintf(err, errlen, "TLS handshake with %s:%d: timed out", addr, port);
				goto fail;
			}
			continue;
		}
		ossl_text(err, errlen, "TLS handshake");
		c->dead = true;
		goto fail;
	}
	return c;
fail:
	raw_close(c);
	return NULL;
}

int
raw_version(const struct raw_conn *c)
{
	return c->ssl != NULL ? SSL_version(c->ssl) : 0;
}

int
raw_send(struct raw_conn *c, const void *buf, size_t len, int timeout_ms)
{
	const char *p = buf;
	long long deadline = now_ms() + timeout_ms;

	while (len > 0) {
		if (c->ssl == NULL) {
			ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL);

			if (n > 0) {
				p += n;
				len -= (size_t)n;
				continue;
			}
			if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
				if (wait_fd(c->fd, POLLOUT, deadline) == 0)
					return -1;
				continue;
			}
			c->dead = true;
			return -1;
		} else {
			int chunk = len > (1 << 20) ? (1 << 20) : (int)len;
			int n = SSL_write(c->ssl, p, chunk), e;

			if (n > 0) {
				p += n;
				len -= (size_t)n;
				continue;
			}
			e = SSL_get_error(c->ssl, n);
			if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ) {
				if (wait_fd(c->fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT,
				    deadline) == 0)
					return -1;
				continue;
			}
			ERR_clear_error();
			c->dead = true;
			return -1;
		}
	}
	return 0;
}

int
raw_send_str(struct raw_conn *c, const char *s, int timeout_ms)
{
	return raw_send(c, s, strlen(s), timeout_ms);
}

/* "HTTP/1.1 200 ..." -> 200, or 0. */
static int
status_of(const char *d, size_t len)
{
	if (len < 12 || strncmp(d, "HTTP/1.", 7) != 0 || d[8] != ' ')
		return 0;
	for (int i = 9; i < 12; i++)
		if (d[i] < '0' || d[i] > '9')
			return 0;
	return (d[9] - '0') * 100 + (d[10] - '0') * 10 + (d[11] - '0');
}

/* Whether @p d holds one complete response (headers plus body). */
static bool
complete(const char *d, size_t len)
{
	const char *end = memmem(d, len, "\r\n\r\n", 4);
	const char *line;
	size_t hlen;
	int st;

	if (end == NULL)
		return false;
	hlen = (size_t)(end - d) + 4;
	st = status_of(d, len);
	if (st == 0)
		return false;
	if (st < 200 || st == 204 || st == 304)
		return true;
	for (line = memchr(d, '\n', hlen); line != NULL && line < end;
	    line = memchr(line + 1, '\n', (size_t)(end - line - 1))) {
		const char *h = line + 1;

		if (strncasecmp(h, "content-length:", 15) == 0) {
			unsigned long long n = 0;
			const char *v = h + 15;

			while (*v == ' ' || *v == '\t')
				v++;
			if (*v < '0' || *v > '9')
				return false;
			while (*v >= '0' && *v <= '9' && n < (1ULL << 40))
				n = n * 10 + (unsigned long long)(*v++ - '0');
			return len - hlen >= n;
		}
		if (strncasecmp(h, "transfer-encoding:", 18) == 0)
			return len >= hlen + 5 && memcmp(d + len - 5, "0\r\n\r\n", 5) == 0;
	}
	return false; /* no length: until close */
}

int
raw_read(struct raw_conn *c, int timeout_ms, struct raw_reply *out)
{
	long long deadline = now_ms() + timeout_ms;
	size_t cap = 4096;

	memset(out, 0, sizeof(*out));
	if ((out->data = malloc(cap)) == NULL)
		return -1;
	out->data[0] = '\0';
	for (;;) {
		ssize_t n;

		if (out->len + 2048 > cap) {
			char *nd;

			if (cap >= RAW_MAX_REPLY)
				break;
			if ((nd = realloc(out->data, cap * 2)) == NULL)
				return -1;
			out->data = nd;
			cap *= 2;
		}
		if (c->dead) {
			out->closed = true;
			break;
		}
		if (c->ssl == NULL) {
			n = recv(c->fd, out->data + out->len, cap - out->len - 1, 0);
			if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR)) {
				c->dead = true;
				out->closed = true;
				break;
			}
			if (n == -1) {
				if (wait_fd(c->fd, POLLIN, deadline) == 0) {
					out->timed_out = true;
					break;
				}
				continue;
			}
		} else {
			int r = SSL_read(c->ssl, out->data + out->len, (int)(cap - out->len - 1)), e;

			if (r <= 0) {
				e = SSL_get_error(c->ssl, r);
				if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
					if (wait_fd(c->fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT,
					    deadline) == 0) {
						out->timed_out = true;
						break;
					}
					continue;
				}
				/* close_notify, EOF, reset or a fatal alert: closed. */
				ERR_clear_error();
				c->dead = true;
				out->closed = true;
				break;
			}
			n = r;
		}
		out->len += (size_t)n;
		out->data[out->len] = '\0';
		if (complete(out->data, out->len))
			break;
	}
	out->status = status_of(out->data, out->len);
	return 0;
}

void
raw_reply_free(struct raw_reply *r)
{
	free(r->data);
	r->data = NULL;
	r->len = 0;
}

bool
raw_is_open(struct raw_conn *c)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	char buf[512];

	if (c->dead)
		return false;
	if (poll(&pfd, 1, 0) <= 0)
		return true;
	if (pfd.revents & (POLLERR | POLLHUP)) {
		c->dead = true;
		return false;
	}
	if (c->ssl == NULL) {
		ssize_t n = recv(c->fd, buf, sizeof(buf), MSG_PEEK);

		if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR)) {
			c->dead = true;
			return false;
		}
		return true;
	}
	/* TLS: consume records (a session ticket keeps it open; close_notify
	 * or EOF does not). */
	for (;;) {
		int r = SSL_read(c->ssl, buf, sizeof(buf)), e;

		if (r > 0)
			return true;
		e = SSL_get_error(c->ssl, r);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
			return true;
		ERR_clear_error();
		c->dead = true;
		return false;
	}
}

void
raw_close(struct raw_conn *c)
{
	if (c == NULL)
		return;
	if (c->ssl != NULL) {
		if (!c->dead)
			(void)SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
	}
	ERR_clear_error();
	SSL_CTX_free(c->ctx);
	if (c->fd >= 0)
		close(c->fd);
	free(c);
}
