/*
 * tls.c: server TLS contexts for mutual TLS, built to fail closed.
 *
 * libevhtp's own TLS setup is not used: it reports success for missing
 * files, sets no minimum protocol version and ignores CA loading failures
 * (see dependencies.md). We build the SSL_CTX here and hand it over.
 */
#include "tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "log.h"

/* TLS 1.2 suites: forward secrecy and AEAD only. TLS 1.3 defaults are fine. */
#define TLS12_CIPHERS "ECDHE+AESGCM:ECDHE+CHACHA20"
#define TLS_VERIFY_DEPTH 4

struct allowed_list {
	size_t n;
	char **names;
};

static int allowed_idx = -1;
static pthread_once_t allowed_once = PTHREAD_ONCE_INIT;

static void
allowed_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
	struct allowed_list *l = ptr;

	(void)parent;
	(void)ad;
	(void)idx;
	(void)argl;
	(void)argp;
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->n; i++)
		free(l->names[i]);
	free(l->names);
	free(l);
}

static void
allowed_init(void)
{
	allowed_idx = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, allowed_free);
}

void
tls_error_text(char *out, size_t outlen)
{
	unsigned long e;
	size_t o = 0;

	out[0] = '\0';
	while ((e = ERR_get_error()) != 0) {
		char buf[256];
		int n;

		ERR_error_string_n(e, buf, sizeof(buf));
		n = snprintf(out + o, outlen - o, "%s%s", o > 0 ? "; " : "", buf);
		if (n < 0 || (size_t)n >= outlen - o) {
			ERR_clear_error();
			break;
		}
		o += (size_t)n;
	}
}

static void
subject_text(X509 *cert, char *out, size_t outlen)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *p;
	long n;

	out[0] = '\0';
	if (bio == NULL)
		return;
	if (X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) >= 0 &&
	    (n = BIO_get_mem_data(bio, &p)) > 0)
		snprintf(out, outlen, "%.*s", (int)n, p);
	BIO_free(bio);
}

/* Does the certificate carry @p name as its CN or as a DNS SAN? */
static bool
cert_has_name(X509 *cert, const char *name)
{
	GENERAL_NAMES *sans;
	bool found = false;
	int idx;

	sans = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	for (int i = 0; sans != NULL && i < sk_GENERAL_NAME_num(sans) && !found; i++) {
		const GENERAL_NAME *gn = sk_GENERAL_NAME_value(sans, i);
		const unsigned char *s;
		int len;

		if (gn->type != GEN_DNS)
			continue;
		s = ASN1_STRING_get0_data(gn->d.dNSName);
		len = ASN1_STRING_length(gn->d.dNSName);
		found = len >= 0 && (size_t)len == strlen(name) &&
		    strncasecmp((const char *)s, name, (size_t)len) == 0;
	}
	GENERAL_NAMES_free(sans);
	if (found)
		return true;
	idx = X509_NAME_get_index_by_NID(X509_get_subject_name(cert), NID_commonName, -1);
	if (idx >= 0) {
		X509_NAME_ENTRY *e = X509_NAME_get_entry(X509_get_subject_name(cert), idx);
		ASN1_STRING *d = X509_NAME_ENTRY_get_data(e);
		int len = ASN1_STRING_length(d);

		found = len >= 0 && (size_t)len == strlen(name) &&
		    strncasecmp((const char *)ASN1_STRING_get0_data(d), name, (size_t)len) == 0;
	}
	return found;
}

/* "127.0.0.1:4711" for the socket under @p ssl, for log lines. */
static void
peer_of(SSL *ssl, char *out, size_t outlen)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char addr[INET6_ADDRSTRLEN] = "?";
	int fd = ssl != NULL ? SSL_get_fd(ssl) : -1;

	snprintf(out, outlen, "?");
	if (fd < 0 || getpeername(fd, (struct sockaddr *)&ss, &len) == -1)
		return;
	if (ss.ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &in->sin_addr, addr, sizeof(addr));
		snprintf(out, outlen, "%s:%u", addr, ntohs(in->sin_port));
	} else if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &in6->sin6_addr, addr, sizeof(addr));
		snprintf(out, outlen, "[%s]:%u", addr, ntohs(in6->sin6_port));
	}
}

/* Log every fatal alert we send: a failed handshake must leave a trace,
 * including when the client sent no certificate at all. */
static void
on_info(const SSL *cssl, int where, int ret)
{
	SSL *ssl = (SSL *)(uintptr_t)cssl;
	char peer[64];
	const char *desc;

	if (!(where & SSL_CB_ALERT) || !(where & SSL_CB_WRITE) || (ret >> 8) != SSL3_AL_FATAL)
		return;
	/* OpenSSL 3.0 has no text for TLS 1.3's certificate_required (116). */
	desc = (ret & 0xff) == 116 ? "certificate required (no client certificate)" :
	    SSL_alert_desc_string_long(ret);
	peer_of(ssl, peer, sizeof(peer));
	log_warnx("TLS: handshake with %s failed: sent alert: %s", peer, desc);
}

static int
verify_client(int ok, X509_STORE_CTX *sctx)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(sctx, SSL_get_ex_data_X509_STORE_CTX_idx());
	X509 *cert = X509_STORE_CTX_get_current_cert(sctx);
	int depth = X509_STORE_CTX_get_error_depth(sctx);
	char subject[256] = "", peer[64];
	struct allowed_list *l;

	if (cert != NULL)
		subject_text(cert, subject, sizeof(subject));
	if (!ok) {
		peer_of(ssl, peer, sizeof(peer));
		log_warnx("TLS: client %s: certificate rejected at depth %d (%s): %s", peer, depth,
		    subject, X509_verify_cert_error_string(X509_STORE_CTX_get_error(sctx)));
		return 0;
	}
	if (depth != 0 || ssl == NULL)
		return 1;
	l = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), allowed_idx);
	if (l == NULL || l->n == 0)
		return 1;
	for (size_t i = 0; i < l->n; i++)
		if (cert_has_name(cert, l->names[i]))
			return 1;
	peer_of(ssl, peer, sizeof(peer));
	log_warnx("TLS: client %s: certificate (%s) is not in allowed_client", peer, subject);
	X509_STORE_CTX_set_error(sctx, X509_V_ERR_APPLICATION_VERIFICATION);
	return 0;
}

/* Check the validity period of the leaf certificate in use. */
static int
check_validity(X509 *cert, const char *file, char *err, size_t errlen)
{
	if (X509_cmp_current_time(X509_get0_notBefore(cert)) >= 0) {
		snprintf(err, errlen, "%s: certificate is not valid yet", file);
		return -1;
	}
	if (X509_cmp_current_time(X509_get0_notAfter(cert)) <= 0) {
		snprintf(err, errlen, "%s: certificate has expired", file);
		return -1;
	}
	return 0;
}

static int
readable(const char *what, const char *file, char *err, size_t errlen)
{
	FILE *fp;

	if (file == NULL || *file == '\0') {
		snprintf(err, errlen, "%s: no file given", what);
		return -1;
	}
	if ((fp = fopen(file, "r")) == NULL) {
		snprintf(err, errlen, "%s %s: %s", what, file, strerror(errno));
		return -1;
	}
	fclose(fp);
	return 0;
}

SSL_CTX *
tls_server_ctx_new(const struct tls_server_config *cfg, char *err, size_t errlen)
{
	SSL_CTX *ctx;
	char ossl[512];

	if (readable("tls_cert", cfg->cert_file, err, errlen) == -1 ||
	    readable("tls_key", cfg->key_file, err, errlen) == -1 ||
	    (cfg->client_ca_file != NULL &&
	    readable("client_ca", cfg->client_ca_file, err, errlen) == -1))
		return NULL;
	if (cfg->n_allowed_clients > TLS_MAX_ALLOWED_CLIENTS) {
		snprintf(err, errlen, "more than %d allowed_client entries", TLS_MAX_ALLOWED_CLIENTS);
		return NULL;
	}
	pthread_once(&allowed_once, allowed_init);
	ERR_clear_error();
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		snprintf(err, errlen, "cannot create a TLS context");
		return NULL;
	}
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_set_cipher_list(ctx, TLS12_CIPHERS) != 1) {
		snprintf(err, errlen, "cannot set TLS protocol versions or ciphers");
		goto fail;
	}
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION |
	    SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_TICKET);
	/* No session cache: a resumed session would skip client verification
	 * against a reloaded CA or allow list. */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_info_callback(ctx, on_info);

	if (SSL_CTX_use_certificate_chain_file(ctx, cfg->cert_file) != 1) {
		tls_error_text(ossl, sizeof(ossl));
		snprintf(err, errlen, "tls_cert %s: cannot load the certificate: %s",
		    cfg->cert_file, ossl);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, cfg->key_file, SSL_FILETYPE_PEM) != 1) {
		tls_error_text(ossl, sizeof(ossl));
		snprintf(err, errlen, "tls_key %s: cannot load the private key: %s",
		    cfg->key_file, ossl);
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		ERR_clear_error();
		snprintf(err, errlen, "tls_key %s does not match the certificate in %s",
		    cfg->key_file, cfg->cert_file);
		goto fail;
	}
	if (check_validity(SSL_CTX_get0_certificate(ctx), cfg->cert_file, err, errlen) == -1)
		goto fail;

	if (cfg->client_ca_file != NULL) {
		STACK_OF(X509_NAME) *names;

		if (SSL_CTX_load_verify_locations(ctx, cfg->client_ca_file, NULL) != 1) {
			tls_error_text(ossl, sizeof(ossl));
			snprintf(err, errlen, "client_ca %s: cannot load: %s", cfg->client_ca_file,
			    ossl);
			goto fail;
		}
		if ((names = SSL_load_client_CA_file(cfg->client_ca_file)) == NULL ||
		    sk_X509_NAME_num(names) == 0) {
			sk_X509_NAME_pop_free(names, X509_NAME_free);
			ERR_clear_error();
			snprintf(err, errlen, "client_ca %s: no CA certificate in the file",
			    cfg->client_ca_file);
			goto fail;
		}
		SSL_CTX_set_client_CA_list(ctx, names);
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
		    verify_client);
		SSL_CTX_set_verify_depth(ctx, TLS_VERIFY_DEPTH);
		X509_STORE_set_flags(SSL_CTX_get_cert_store(ctx), X509_V_FLAG_X509_STRICT);
		/* The purpose check (clientAuth) is OpenSSL's default on a server. */
		if (cfg->n_allowed_clients > 0) {
			struct allowed_list *l = calloc(1, sizeof(*l));

			if (l == NULL || (l->names = calloc(cfg->n_allowed_clients,
			    sizeof(char *))) == NULL) {
				free(l);
				snprintf(err, errlen, "out of memory");
				goto fail;
			}
			for (size_t i = 0; i < cfg->n_allowed_clients; i++) {
				if ((l->names[i] = strdup(cfg->allowed_clients[i])) == NULL) {
					allowed_free(NULL, l, NULL, 0, 0, NULL);
					snprintf(err, errlen, "out of memory");
					goto fail;
				}
				l->n++;
			}
			SSL_CTX_set_ex_data(ctx, allowed_idx, l);
		}
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

int
tls_cert_not_after(const char *file, time_t *not_after, char *err, size_t errlen)
{
	FILE *fp;
	X509 *cert;
	struct tm tm;

	if ((fp = fopen(file, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", file, strerror(errno));
		return -1;
	}
	cert = PEM_read_X509(fp, NULL, NULL, NULL);
	fclose(fp);
	if (cert == NULL) {
		ERR_clear_error();
		snprintf(err, errlen, "%s: no PEM certificate", file);
		return -1;
	}
	if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm) != 1) {
		X509_free(cert);
		snprintf(err, errlen, "%s: unreadable validity period", file);
		return -1;
	}
	X509_free(cert);
	*not_after = timegm(&tm);
	return 0;
}

void
tls_peer_name(SSL *ssl, char *out, size_t outlen)
{
	X509 *cert;
	GENERAL_NAMES *sans;
	char raw[256] = "";

	out[0] = '\0';
	if (ssl == NULL || (cert = SSL_get1_peer_certificate(ssl)) == NULL)
		return;
	sans = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	for (int i = 0; sans != NULL && i < sk_GENERAL_NAME_num(sans); i++) {
		const GENERAL_NAME *gn = sk_GENERAL_NAME_value(sans, i);

		if (gn->type == GEN_DNS) {
			snprintf(raw, sizeof(raw), "%.*s", ASN1_STRING_length(gn->d.dNSName),
			    (const char *)ASN1_STRING_get0_data(gn->d.dNSName));
			break;
		}
	}
	GENERAL_NAMES_free(sans);
	if (raw[0] == '\0') {
		int idx = X509_NAME_get_index_by_NID(X509_get_subject_name(cert),
		    NID_commonName, -1);

		if (idx >= 0) {
			ASN1_STRING *d = X509_NAME_ENTRY_get_data(
			    X509_NAME_get_entry(X509_get_subject_name(cert), idx));

			snprintf(raw, sizeof(raw), "%.*s", ASN1_STRING_length(d),
			    (const char *)ASN1_STRING_get0_data(d));
		}
	}
	X509_free(cert);
	(void)log_escape(raw, strlen(raw), out, outlen);
}
