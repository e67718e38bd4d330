/*
 * dcv_alpn.c: acme-tls-alpn-01 (BR 3.2.2.4.20, RFC 8737; RFC 8738 for IP
 * addresses).
 *
 * Connect to port 443 of an allowed address of the target (resolved and
 * checked as for HTTP), offer only the ALPN protocol "acme-tls/1" with SNI
 * set to the name (or, for an IP address, its reverse name), TLS 1.2 or
 * newer, certificate chain not verified (the certificate is self-signed by
 * design). Then, in Open MPIC's order: the negotiated protocol must be
 * acme-tls/1 (Open MPIC never checks); the certificate must carry a SAN and
 * the id-pe-acmeIdentifier extension (1.3.6.1.5.5.7.1.31); exactly one SAN,
 * naming the target; the extension critical; and its value an OCTET STRING
 * holding the SHA-256 of the key authorization. Every step has a deadline.
 */
#include "dcv_engine.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "addr_policy.h"
#include "dns_rdata.h"
#include "errors.h"

#define ALPN_ERR "mpic_error:dcv_checker:tls_alpn"
#define ACME_TLS_1 "acme-tls/1"

struct alpn_check {
	struct dcv_check base;
	const struct dcv_env *env;
	struct target t;
	uint8_t digest[32];
	char sni[NAME_BUF];
	struct resolver_query *qa, *qaaaa;
	bool done4, done6;
	uint8_t addrs[32][16];
	size_t n_addrs;
	const char *forbidden;     /* why the last refused address was refused */
	char dns_detail[320];
	enum dns_outcome dns_outcome;
	SSL_CTX *ctx;
	struct bufferevent *bev;
	struct event *kick;        /* starts the check from the loop */
	struct event *timer;       /* the connection deadline */
	struct dcv_result res;
	dcv_done_cb cb;
	void *arg;
};

static void
check_free(struct alpn_check *c)
{
	resolver_cancel(c->qa);
	resolver_cancel(c->qaaaa);
	if (c->bev != NULL)
		bufferevent_free(c->bev);
	if (c->timer != NULL)
		event_free(c->timer);
	if (c->kick != NULL)
		event_free(c->kick);
	SSL_CTX_free(c->ctx);
	dcv_result_release(&c->res);
	free(c);
}

static void
cancel(struct dcv_check *base)
{
	check_free((struct alpn_check *)(void *)base);
}

static void
finish(struct alpn_check *c)
{
	struct dcv_result res = c->res;
	dcv_done_cb cb = c->cb;
	void *arg = c->arg;

	memset(&c->res, 0, sizeof(c->res));
	check_free(c);
	cb(arg, &res);
	dcv_result_release(&res);
}

static void
fail(struct alpn_check *c, const char *type, bool completed, const char *msg)
{
	c->res.completed = completed;
	c->res.passed = false;
	c->res.error_type = type;
	snprintf(c->res.error_message, sizeof(c->res.error_message), "%s", msg);
	snprintf(c->res.reason, sizeof(c->res.reason), "%.400s", msg);
	finish(c);
}

static void
lookup_error(struct alpn_check *c, const char *kind, const char *what)
{
	char msg[900];

	snprintf(msg, sizeof(msg), "There was an error looking up the DCV record. Error type: %s, "
	    "Error message: %s", kind, what);
	fail(c, ERRTYPE_DCV_LOOKUP, false, msg);
}

static void
add_address(struct alpn_check *c, const uint8_t a[16])
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	char text[INET6_ADDRSTRLEN];
	bool v4 = memcmp(a, mapped, 12) == 0;

	if (inet_ntop(v4 ? AF_INET : AF_INET6, v4 ? a + 12 : a, text, sizeof(text)) == NULL ||
	    (c->res.addresses = calloc(1, sizeof(char *))) == NULL)
		return;
	if ((c->res.addresses[0] = strdup(text)) != NULL)
		c->res.n_addresses = 1;
}

/* The certificate checks, in Open MPIC's order (open-mpic-api.md 5.5). */
static void
judge(struct alpn_check *c, X509 *cert)
{
	static const char *const missing = "The TLS ALPN certificate was missing an extension.";
	GENERAL_NAMES *sans = NULL;
	ASN1_OBJECT *oid = OBJ_txt2obj("1.3.6.1.5.5.7.1.31", 1);
	int idx = oid != NULL ? X509_get_ext_by_OBJ(cert, oid, -1) : -1;
	X509_EXTENSION *ext = idx >= 0 ? X509_get_ext(cert, idx) : NULL;
	const ASN1_OCTET_STRING *val;
	const unsigned char *v;
	int cn_idx;

	ASN1_OBJECT_free(oid);
	c->res.completed = true;
	c->res.have_details = true;
	cn_idx = X509_NAME_get_index_by_NID(X509_get_subject_name(cert), NID_commonName, -1);
	if (cn_idx >= 0) {
		ASN1_STRING *d = X509_NAME_ENTRY_get_data(
		    X509_NAME_get_entry(X509_get_subject_name(cert), cn_idx));

		snprintf(c->res.common_name, sizeof(c->res.common_name), "%.*s",
		    ASN1_STRING_length(d), (const char *)ASN1_STRING_get0_data(d));
		c->res.have_common_name = true;
	}
	sans = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	if (sans == NULL || ext == NULL) {
		GENERAL_NAMES_free(sans);
		fail(c, ALPN_ERR ":certificate:extension_missing", true, missing);
		return;
	}
	if (sk_GENERAL_NAME_num(sans) != 1) {
		GENERAL_NAMES_free(sans);
		fail(c, ALPN_ERR ":certificate:no_single_san", true,
		    "The TLS ALPN certificate must have a single SAN entry.");
		return;
	}
	{
		const GENERAL_NAME *gn = sk_GENERAL_NAME_value(sans, 0);
		const char *err = NULL, *msg = NULL;

		if (c->t.kind == TARGET_DNS) {
			if (gn->type != GEN_DNS) {
				err = ALPN_ERR ":certificate:san_not_dnsname";
				msg = "Target was a domain name, but the TLS ALPN certificate SAN was "
				    "not a DNSName.";
			} else if ((size_t)ASN1_STRING_length(gn->d.dNSName) != strlen(c->t.name) ||
			    strncasecmp((const char *)ASN1_STRING_get0_data(gn->d.dNSName), c->t.name,
			    strlen(c->t.name)) != 0) {
				err = ALPN_ERR ":certificate:san_not_hostname";
				msg = "The TLS ALPN certificate SAN was not equal to the hostname being "
				    "validated.";
			}
		} else {
			size_t alen = c->t.kind == TARGET_IPV4 ? 4 : 16;

			if (gn->type != GEN_IPADD) {
				err = ALPN_ERR ":certificate:san_type_not_match";
				msg = "Target was an IP address, but the TLS ALPN certificate SAN was not "
				    "an IP address.";
			} else if ((size_t)ASN1_STRING_length(gn->d.iPAddress) != alen ||
			    memcmp(ASN1_STRING_get0_data(gn->d.iPAddress), c->t.addr, alen) != 0) {
				err = ALPN_ERR ":certificate:san_not_hostname";
				msg = "The TLS ALPN certificate SAN was not equal to the hostname being "
				    "validated.";
			}
		}
		GENERAL_NAMES_free(sans);
		if (err != NULL) {
			fail(c, err, true, msg);
			return;
		}
	}
	if (!X509_EXTENSION_get_critical(ext)) {
		fail(c, ALPN_ERR ":certificate:noncritical_alpn_extension", true,
		    "The TLS ALPN certificate has non-critical id-pe-acmeIdentifier extension");
		return;
	}
	/* RFC 8737 3: the value is an OCTET STRING of the 32-byte digest;
	 * compare lengths first, then bytes. */
	val = X509_EXTENSION_get_data(ext);
	v = ASN1_STRING_get0_data(val);
	c->res.passed = ASN1_STRING_length(val) == 34 && v[0] == 0x04 && v[1] == 0x20 &&
	    memcmp(v + 2, c->digest, 32) == 0;
	snprintf(c->res.reason, sizeof(c->res.reason), "acmeIdentifier %s",
	    c->res.passed ? "matches" : "does not match");
	finish(c);
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	struct alpn_check *c = arg;
	SSL *ssl = bufferevent_openssl_get_ssl(bev);
	const unsigned char *proto = NULL;
	unsigned int plen = 0;
	X509 *cert;

	if (!(what & BEV_EVENT_CONNECTED)) {
		unsigned long e = bufferevent_get_openssl_error(bev);
		int serr = EVUTIL_SOCKET_ERROR();
		char buf[256] = "connection failed";
		const char *kind = "ConnectionError";

		/* libevent queues SSL_get_error()'s own code (library 0) when
		 * OpenSSL has nothing to say, as when the peer just closes. */
		if (e != 0 && ERR_GET_LIB(e) != ERR_LIB_SYS && ERR_GET_LIB(e) != 0) {
			ERR_error_string_n(e, buf, sizeof(buf));
			kind = "TLSError";
		} else if ((what & BEV_EVENT_EOF) || (serr == 0 && e != 0)) {
			snprintf(buf, sizeof(buf), "the server closed the connection during the "
			    "handshake");
		} else if (serr != 0) {
			snprintf(buf, sizeof(buf), "%s", evutil_socket_error_to_string(serr));
		}
		lookup_error(c, kind, buf);
		return;
	}
	SSL_get0_alpn_selected(ssl, &proto, &plen);
	if (plen != strlen(ACME_TLS_1) || memcmp(proto, ACME_TLS_1, plen) != 0) {
		/* RFC 8737 3: the server must negotiate acme-tls/1. */
		fail(c, ALPN_ERR ":protocol_not_negotiated", true,
		    "The TLS server did not negotiate the acme-tls/1 protocol.");
		return;
	}
	if ((cert = SSL_get1_peer_certificate(ssl)) == NULL) {
		fail(c, ALPN_ERR ":certificate:extension_missing", true,
		    "The TLS ALPN certificate was missing an extension.");
		return;
	}
	judge(c, cert);
	X509_free(cert);
}

static void
on_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct alpn_check *c = arg;
	char msg[NAME_BUF + 80];

	(void)fd;
	(void)what;
	snprintf(msg, sizeof(msg), "Connection timed out while attempting to connect to %s",
	    c->sni);
	lookup_error(c, "Timeout", msg);
}

static void
connect_to(struct alpn_check *c, const uint8_t a[16])
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	static const unsigned char alpn[] = "\x0a" ACME_TLS_1;
	struct sockaddr_storage ss;
	socklen_t sl;
	struct timeval tv;
	SSL *ssl;

	memset(&ss, 0, sizeof(ss));
	if (memcmp(a, mapped, 12) == 0) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;

		in->sin_family = AF_INET;
		in->sin_port = htons(443);
		memcpy(&in->sin_addr, a + 12, 4);
		sl = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(443);
		memcpy(&in6->sin6_addr, a, 16);
		sl = sizeof(*in6);
	}
	add_address(c, a);
	if ((c->ctx = SSL_CTX_new(TLS_client_method())) == NULL ||
	    SSL_CTX_set_min_proto_version(c->ctx, TLS1_2_VERSION) != 1 ||
	    (ssl = SSL_new(c->ctx)) == NULL) {
		lookup_error(c, "TLSError", "cannot create a TLS session");
		return;
	}
	SSL_set_verify(ssl, SSL_VERIFY_NONE, NULL);
	if (SSL_set_alpn_protos(ssl, alpn, sizeof(alpn) - 1) != 0 ||
	    SSL_set_tlsext_host_name(ssl, c->sni) != 1 ||
	    (c->bev = bufferevent_openssl_socket_new(c->env->base, -1, ssl,
	    BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		SSL_free(ssl);
		lookup_error(c, "TLSError", "cannot set up the TLS connection");
		return;
	}
	bufferevent_setcb(c->bev, NULL, NULL, on_event, c);
	tv.tv_sec = c->env->timeout_ms / 1000;
	tv.tv_usec = (suseconds_t)(c->env->timeout_ms % 1000) * 1000;
	evtimer_add(c->timer, &tv);
	if (bufferevent_socket_connect(c->bev, (struct sockaddr *)&ss, (int)sl) != 0)
		lookup_error(c, "ConnectionError", "cannot connect");
}

static void
resolved(struct alpn_check *c)
{
	for (size_t i = 0; i < c->n_addrs; i++) {
		const char *why = NULL;

		if (addr_allowed(c->env->policy, c->addrs[i], &why)) {
			connect_to(c, c->addrs[i]);
			return;
		}
		c->forbidden = why;
	}
	if (c->forbidden != NULL) {
		char msg[600];

		snprintf(msg, sizeof(msg), "There was an error looking up the DCV record. Error type: "
		    "ForbiddenAddress, Error message: %s resolves only to addresses that may not be "
		    "validated (%s)", c->t.name, c->forbidden);
		fail(c, ERRTYPE_DCV_LOOKUP, true, msg);
		return;
	}
	lookup_error(c, c->dns_outcome == DNS_NXDOMAIN ? "NXDOMAIN" :
	    c->dns_outcome == DNS_BOGUS ? "DNSSECBogus" : "NoAddress", c->dns_detail);
}

static void
keep(struct alpn_check *c, const struct dns_answer *a)
{
	if (c->dns_detail[0] == '\0' || a->outcome != DNS_OK) {
		snprintf(c->dns_detail, sizeof(c->dns_detail), "%s", a->detail);
		c->dns_outcome = a->outcome;
	}
	for (size_t i = 0; a->outcome == DNS_OK && i < a->n_rrs && c->n_addrs < 32; i++) {
		if (a->rrs[i].type == DNS_TYPE_A && a->rrs[i].rdlen == 4)
			addr_map_v4(a->rrs[i].rdata, c->addrs[c->n_addrs++]);
		else if (a->rrs[i].type == DNS_TYPE_AAAA && a->rrs[i].rdlen == 16)
			memcpy(c->addrs[c->n_addrs++], a->rrs[i].rdata, 16);
	}
}

static void
on_a(void *arg, const struct dns_answer *a)
{
	struct alpn_check *c = arg;

	c->qa = NULL;
	c->done4 = true;
	keep(c, a);
	if (c->done6)
		resolved(c);
}

static void
on_aaaa(void *arg, const struct dns_answer *a)
{
	struct alpn_check *c = arg;

	c->qaaaa = NULL;
	c->done6 = true;
	keep(c, a);
	if (c->done4)
		resolved(c);
}

static void
on_kick(evutil_socket_t fd, short what, void *arg)
{
	struct alpn_check *c = arg;

	(void)fd;
	(void)what;
	if (c->t.kind != TARGET_DNS) {
		if (c->t.kind == TARGET_IPV4)
			addr_map_v4(c->t.addr, c->addrs[c->n_addrs++]);
		else
			memcpy(c->addrs[c->n_addrs++], c->t.addr, 16);
		resolved(c);
		return;
	}
	c->qa = resolver_lookup(c->env->resolver, c->t.name, DNS_TYPE_A, on_a, c);
	c->qaaaa = resolver_lookup(c->env->resolver, c->t.name, DNS_TYPE_AAAA, on_aaaa, c);
	if (c->qa == NULL || c->qaaaa == NULL) {
		resolver_cancel(c->qa);
		resolver_cancel(c->qaaaa);
		c->qa = c->qaaaa = NULL;
		lookup_error(c, "ResolverError", "cannot start the address lookups");
	}
}

struct dcv_check *
dcv_alpn_start(const struct dcv_env *env, const struct target *t, const struct dcv_params *p,
    dcv_done_cb cb, void *arg)
{
	struct alpn_check *c;

	if (p->method != DCV_ACME_TLS_ALPN_01 || t->wildcard || (c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->base.cancel = cancel;
	c->env = env;
	c->t = *t;
	c->cb = cb;
	c->arg = arg;
	c->res.kind = DCV_DETAILS_TLS_ALPN;
	memcpy(c->digest, p->alpn_digest, sizeof(c->digest));
	/* RFC 8738 6: for an IP address, SNI carries its reverse name. */
	if (t->kind == TARGET_DNS)
		snprintf(c->sni, sizeof(c->sni), "%s", t->name);
	else if (dns_reverse_name(t->kind == TARGET_IPV4 ? AF_INET : AF_INET6, t->addr, c->sni,
	    sizeof(c->sni)) == -1)
		goto fail;
	/* Start from the loop, so the callback never runs inside this call. */
	if ((c->kick = evtimer_new(env->base, on_kick, c)) == NULL ||
	    (c->timer = evtimer_new(env->base, on_timeout, c)) == NULL)
		goto fail;
	event_active(c->kick, EV_TIMEOUT, 0);
	return &c->base;
fail:
	check_free(c);
	return NULL;
}
