/*
 * tls.h: TLS contexts that fail closed.
 *
 * A server context for perspectived's mutual-TLS API: TLS 1.2 minimum (1.3
 * preferred), forward-secret AEAD suites only, no renegotiation or
 * compression, a client certificate required and verified against the
 * configured client CA alone (never the system store), with the clientAuth
 * purpose, optionally restricted to a list of allowed client names. Every
 * file is loaded and cross-checked when the context is made: a missing or
 * unreadable file, a key that does not match the certificate, or a
 * certificate outside its validity period is an error, never a warning.
 */
#ifndef MPIC_TLS_H
#define MPIC_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <openssl/ssl.h>

#define TLS_MAX_ALLOWED_CLIENTS 64

struct tls_server_config {
	const char *cert_file;     /* PEM chain, leaf first */
	const char *key_file;      /* PEM private key */
	const char *client_ca_file; /* PEM CA(s) for client certificates; NULL: no client auth */
	const char *const *allowed_clients; /* CN or DNS SAN; NULL/0: any from the CA */
	size_t n_allowed_clients;
};

/**
 * Build a server context.
 * @return the context (caller frees with SSL_CTX_free), or NULL with a
 *         reason in @p err naming the file.
 */
SSL_CTX *tls_server_ctx_new(const struct tls_server_config *cfg, char *err, size_t errlen);

/**
 * Read the leaf certificate of @p file and report its validity end.
 * @return 0, or -1 with a reason.
 */
int tls_cert_not_after(const char *file, time_t *not_after, char *err, size_t errlen);

/**
 * The peer's identity for logs and allow lists: the first DNS SAN of its
 * certificate, else its subject CN; "" if there is none. Written escaped so
 * it is safe to log.
 */
void tls_peer_name(SSL *ssl, char *out, size_t outlen);

/** The text of the last OpenSSL errors on this thread ("" if none); clears them. */
void tls_error_text(char *out, size_t outlen);

#endif /* MPIC_TLS_H */
