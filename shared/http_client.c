/*
 * http_client.c: libcurl's multi interface driven by libevent (the
 * "hiperfifo" arrangement: libcurl tells us which sockets to watch and when
 * to wake it; we tell it what happened), with every transfer locked down as
 * http_client.h describes.
 */
#include "http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "addr_policy.h"
#include "log.h"

struct http_fetch;

struct http_client {
	struct event_base *base;
	CURLM *multi;
	struct event *timer;
	const struct addr_policy *policy;
	TAILQ_HEAD(, http_fetch) fetches;
};

struct http_fetch {
	struct http_client *c;
	TAILQ_ENTRY(http_fetch) entry;
	CURL *easy;
	struct curl_slist *resolve;
	struct curl_slist *headers;
	uint8_t addr[16];
	size_t max_body;
	size_t header_bytes;
	bool header_overflow;
	http_fetch_cb cb;
	void *arg;
	struct http_fetch_res res;
	char errbuf[CURL_ERROR_SIZE];
};

/* One watched socket. */
struct sock {
	struct event *ev;
};

static void check_done(struct http_client *c);

static void
on_socket_event(evutil_socket_t fd, short what, void *arg)
{
	struct http_client *c = arg;
	int running = 0, action = 0;

	if (what & EV_READ)
		action |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		action |= CURL_CSELECT_OUT;
	curl_multi_socket_action(c->multi, fd, action, &running);
	check_done(c);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct http_client *c = arg;
	int running = 0;

	(void)fd;
	(void)what;
	curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done(c);
}

/* libcurl: watch @p s for @p what (or stop watching it). */
static int
socket_cb(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct http_client *c = userp;
	struct sock *so = socketp;
	short kind;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (so != NULL) {
			event_free(so->ev);
			free(so);
			curl_multi_assign(c->multi, s, NULL);
		}
		return 0;
	}
	kind = (short)(((what & CURL_POLL_IN) ? EV_READ : 0) |
	    ((what & CURL_POLL_OUT) ? EV_WRITE : 0) | EV_PERSIST);
	if (so == NULL) {
		if ((so = calloc(1, sizeof(*so))) == NULL)
			return -1;
		curl_multi_assign(c->multi, s, so);
	} else {
		event_free(so->ev);
	}
	if ((so->ev = event_new(c->base, s, kind, on_socket_event, c)) == NULL ||
	    event_add(so->ev, NULL) == -1)
		return -1;
	return 0;
}

/* libcurl: wake us in @p timeout_ms (never from inside this callback). */
static int
timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct http_client *c = userp;
	struct timeval tv;

	(void)multi;
	if (timeout_ms < 0) {
		evtimer_del(c->timer);
		return 0;
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	evtimer_add(c->timer, &tv);
	return 0;
}

struct http_client *
http_client_new(struct event_base *base, const struct addr_policy *policy)
{
	struct http_client *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->base = base;
	c->policy = policy;
	TAILQ_INIT(&c->fetches);
	if ((c->multi = curl_multi_init()) == NULL ||
	    (c->timer = evtimer_new(base, on_timer, c)) == NULL) {
		if (c->multi != NULL)
			curl_multi_cleanup(c->multi);
		free(c);
		return NULL;
	}
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
	return c;
}

static void
fetch_free(struct http_fetch *f)
{
	TAILQ_REMOVE(&f->c->fetches, f, entry);
	if (f->easy != NULL) {
		curl_multi_remove_handle(f->c->multi, f->easy);
		curl_easy_cleanup(f->easy);
	}
	curl_slist_free_all(f->resolve);
	curl_slist_free_all(f->headers);
	free(f->res.location);
	free(f->res.body);
	free(f);
}

void
http_client_free(struct http_client *c)
{
	struct http_fetch *f;

	if (c == NULL)
		return;
	while ((f = TAILQ_FIRST(&c->fetches)) != NULL)
		fetch_free(f);
	curl_multi_cleanup(c->multi);
	event_free(c->timer);
	free(c);
}

/* The address libcurl is about to connect to must be the pinned one, and
 * allowed: a second line of defence behind the resolution checks. */
static curl_socket_t
open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct http_fetch *f = clientp;
	uint8_t got[16];
	const char *why = "";

	if (purpose != CURLSOCKTYPE_IPCXN)
		return CURL_SOCKET_BAD;
	if (a->family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)&a->addr;

		addr_map_v4((const uint8_t *)&in->sin_addr, got);
	} else if (a->family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)&a->addr;

		memcpy(got, &in6->sin6_addr, 16);
	} else {
		return CURL_SOCKET_BAD;
	}
	if (memcmp(got, f->addr, 16) != 0 ||
	    !addr_allowed_sa(f->c->policy, &a->addr, &why)) {
		log_warnx("http: refusing a connection to an address that was not checked (%s)", why);
		return CURL_SOCKET_BAD;
	}
	return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct http_fetch *f = arg;
	size_t len = size * n, room = f->max_body - f->res.body_len;

	if (len > room) {
		/* Enough: keep what fits and end the transfer (not an error). */
		memcpy(f->res.body + f->res.body_len, p, room);
		f->res.body_len += room;
		f->res.truncated = true;
		return 0;
	}
	memcpy(f->res.body + f->res.body_len, p, len);
	f->res.body_len += len;
	return len;
}

static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	struct http_fetch *f = arg;
	size_t len = size * n;

	f->header_bytes += len;
	if (f->header_bytes > HTTP_FETCH_MAX_HEADER_BYTES) {
		f->header_overflow = true;
		return 0;
	}
	if (len > 5 && strncmp(p, "HTTP/", 5) == 0) {
		/* A new response (after 1xx ones): forget the previous headers. */
		const char *sp = memchr(p, ' ', len), *sp2;
		size_t rl;

		free(f->res.location);
		f->res.location = NULL;
		f->res.reason[0] = '\0';
		if (sp != NULL && (sp2 = memchr(sp + 1, ' ', len - (size_t)(sp + 1 - p))) != NULL) {
			rl = len - (size_t)(sp2 + 1 - p);
			while (rl > 0 && (sp2[rl] == '\r' || sp2[rl] == '\n'))
				rl--;
			if (rl >= sizeof(f->res.reason))
				rl = sizeof(f->res.reason) - 1;
			memcpy(f->res.reason, sp2 + 1, rl);
			f->res.reason[rl] = '\0';
		}
		return len;
	}
	if (len > 9 && strncasecmp(p, "Location:", 9) == 0) {
		size_t s = 9, e = len;

		while (s < e && (p[s] == ' ' || p[s] == '\t'))
			s++;
		while (e > s && (p[e - 1] == '\r' || p[e - 1] == '\n' || p[e - 1] == ' ' ||
		    p[e - 1] == '\t'))
			e--;
		free(f->res.location);
		if ((f->res.location = malloc(e - s + 1)) != NULL) {
			memcpy(f->res.location, p + s, e - s);
			f->res.location[e - s] = '\0';
		}
	}
	return len;
}

/* Deliver finished transfers, one at a time (a callback may cancel others). */
static void
check_done(struct http_client *c)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(c->multi, &left)) != NULL) {
		struct http_fetch *f = NULL;
		http_fetch_cb cb;
		void *arg;
		char *ip = NULL;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&f);
		if (f == NULL)
			continue;
		f->res.curl_code = (int)m->data.result;
		/* Ending the body ourselves is how a large response finishes. */
		if (m->data.result == CURLE_WRITE_ERROR && f->res.truncated)
			f->res.curl_code = 0;
		if (f->header_overflow) {
			f->res.curl_code = (int)CURLE_RECV_ERROR;
			snprintf(f->res.error, sizeof(f->res.error),
			    "response headers larger than %d bytes", HTTP_FETCH_MAX_HEADER_BYTES);
		} else if (f->res.curl_code != 0 && f->errbuf[0] == '\0' &&
		    m->data.result == CURLE_OUT_OF_MEMORY) {
			/* libcurl reports a header line over its own 100 KiB limit so. */
			f->res.curl_code = (int)CURLE_RECV_ERROR;
			snprintf(f->res.error, sizeof(f->res.error),
			    "response header line too long (or out of memory)");
		} else if (f->res.curl_code != 0) {
			snprintf(f->res.error, sizeof(f->res.error), "%s",
			    f->errbuf[0] != '\0' ? f->errbuf : curl_easy_strerror(m->data.result));
		}
		curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &f->res.status);
		if (curl_easy_getinfo(m->easy_handle, CURLINFO_PRIMARY_IP, &ip) == CURLE_OK &&
		    ip != NULL)
			snprintf(f->res.connected_ip, sizeof(f->res.connected_ip), "%s", ip);
		cb = f->cb;
		arg = f->arg;
		cb(arg, &f->res);
		fetch_free(f);
	}
}

struct http_fetch *
http_fetch_start(struct http_client *c, const struct http_fetch_req *req, http_fetch_cb cb,
    void *arg)
{
	struct http_fetch *f;
	char addr[INET6_ADDRSTRLEN], pin[600];
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	bool v4 = memcmp(req->addr, mapped, sizeof(mapped)) == 0;
	CURL *e;

	if (req->max_body == 0 || req->n_headers > HTTP_FETCH_MAX_HEADERS ||
	    (f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	f->c = c;
	f->cb = cb;
	f->arg = arg;
	f->max_body = req->max_body;
	memcpy(f->addr, req->addr, 16);
	if ((f->res.body = malloc(req->max_body)) == NULL || (e = curl_easy_init()) == NULL)
		goto fail;
	f->easy = e;
	if (inet_ntop(v4 ? AF_INET : AF_INET6, v4 ? req->addr + 12 : req->addr, addr,
	    sizeof(addr)) == NULL)
		goto fail;
	/* Pin the name to the address we checked: libcurl resolves nothing. */
	snprintf(pin, sizeof(pin), v4 ? "%s:%u:%s" : "%s:%u:[%s]", req->host, req->port, addr);
	if ((f->resolve = curl_slist_append(NULL, pin)) == NULL)
		goto fail;
	for (size_t i = 0; i < req->n_headers; i++) {
		struct curl_slist *l = curl_slist_append(f->headers, req->headers[i]);

		if (l == NULL)
			goto fail;
		f->headers = l;
	}
	curl_easy_setopt(e, CURLOPT_URL, req->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, f);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, f->errbuf);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_PROXY, "");
	curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(e, CURLOPT_RESOLVE, f->resolve);
	curl_easy_setopt(e, CURLOPT_IPRESOLVE, v4 ? CURL_IPRESOLVE_V4 : CURL_IPRESOLVE_V6);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_socket);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, f);
	curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
	curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(e, CURLOPT_HTTP_CONTENT_DECODING, 0L);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, f->headers);
	curl_easy_setopt(e, CURLOPT_USERAGENT, req->user_agent);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, f);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, f);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)req->connect_timeout_ms);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)req->total_timeout_ms);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, (long)req->low_speed_bytes);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, (long)req->low_speed_seconds);
	/* A bad certificate does not invalidate an HTTP proof: the token is
	 * the proof (as in Let's Encrypt). TLS 1.2 at least, all the same. */
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
	curl_easy_setopt(e, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (curl_multi_add_handle(c->multi, e) != CURLM_OK)
		goto fail;
	TAILQ_INSERT_TAIL(&c->fetches, f, entry);
	return f;
fail:
	if (f->easy != NULL) {
		curl_easy_cleanup(f->easy);
		f->easy = NULL;
	}
	curl_slist_free_all(f->resolve);
	curl_slist_free_all(f->headers);
	free(f->res.body);
	free(f);
	return NULL;
}

void
http_fetch_cancel(struct http_fetch *f)
{
	if (f != NULL)
		fetch_free(f);
}
