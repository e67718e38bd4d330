/*
 * dcv.h: domain control validation checks (BR 3.2.2.4, 3.2.2.5), as Open
 * MPIC 3.9.0 names and parameterises them.
 *
 * The methods table says, for each Open MPIC validation_method, its BR
 * section, whether it is DNS-based, and where it looks. The DNS-based
 * methods run on a resolver (dcv_dns.c); HTTP and TLS-ALPN methods are a
 * later piece of work.
 */
#ifndef MPIC_DCV_H
#define MPIC_DCV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "name.h"
#include "resolver.h"

enum dcv_method {
	DCV_WEBSITE_CHANGE,
	DCV_ACME_HTTP_01,
	DCV_ACME_DNS_01,
	DCV_ACME_TLS_ALPN_01,
	DCV_DNS_CHANGE,
	DCV_DNS_PERSISTENT,
	DCV_CONTACT_EMAIL_TXT,
	DCV_CONTACT_PHONE_TXT,
	DCV_CONTACT_EMAIL_CAA,
	DCV_CONTACT_PHONE_CAA,
	DCV_IP_ADDRESS,
	DCV_REVERSE_ADDRESS_LOOKUP,
	DCV_DNS_ACCOUNT_01,
	DCV_METHOD_COUNT,
};

struct dcv_method_info {
	const char *name;       /* Open MPIC validation_method */
	const char *br_section; /* "3.2.2.4.7" */
	bool dns;               /* a DNS lookup decides */
	uint16_t fixed_type;    /* the record type, 0 if the request chooses */
	const char *prefix;     /* fixed dns_name_prefix, NULL if none or chosen */
	int exact_case;         /* fixed require_exact_case: 1, 0, or -1 if chosen */
};

extern const struct dcv_method_info dcv_methods[DCV_METHOD_COUNT];

/** The method named @p name, or -1. */
int dcv_method_from_name(const char *name);

#define DCV_MAX_ISSUERS 32
#define DCV_MAX_VALUE 1024 /* challenge values, hashes, URIs */

struct dcv_params {
	enum dcv_method method;
	const char *challenge_value;        /* dns-change, contact-*, ip-address, reverse */
	const char *key_authorization_hash; /* acme-dns-01, dns-account-01 */
	const char *account_uri;            /* dns-account-01 */
	uint16_t record_type;               /* dns-change: TXT, CNAME, CAA; ip-address: A, AAAA */
	const char *name_prefix;            /* NULL or "" for none */
	bool require_exact_match;           /* dns-change */
	bool require_exact_case;
	const char *const *issuers;         /* dns-persistent, lower case */
	size_t n_issuers;
	const char *expected_account_uri;   /* dns-persistent */
	time_t now;                         /* for persistUntil */
	/* HTTP methods */
	const char *token;                  /* acme-http-01: the URL's last segment */
	const char *key_authorization;      /* acme-http-01 */
	const char *http_token_path;        /* website-change: the file name */
	bool https;                         /* website-change url_scheme */
	const char *match_regex;            /* website-change, PCRE2, or NULL */
	const char *const *http_headers;    /* "Name: value", checked */
	size_t n_http_headers;
	/* acme-tls-alpn-01: SHA-256 of the key authorization, if it decoded */
	uint8_t alpn_digest[32];
	bool alpn_digest_ok;
};

#define DCV_MAX_HTTP_HEADERS 16
#define DCV_MAX_REGEX 256

enum dcv_details_kind {
	DCV_DETAILS_DNS,
	DCV_DETAILS_HTTP,
	DCV_DETAILS_TLS_ALPN,
};

struct dcv_hop {
	long status;          /* a redirect status */
	char *location;       /* the Location header as sent */
};

struct http_client;
struct addr_policy;
struct event_base;

/* What the HTTP and TLS-ALPN methods need besides a resolver. */
struct dcv_env {
	struct event_base *base;
	struct resolver *resolver;
	struct http_client *http;
	const struct addr_policy *policy;
	unsigned max_redirects;
	unsigned timeout_ms;    /* per connection attempt (connect and handshake) */
	const char *user_agent;
};

struct dcv_result {
	bool completed;
	bool passed;
	/* One error, Open MPIC's error_type and error_message, when set. */
	const char *error_type;
	char error_message[1024];
	/* details: null after NXDOMAIN, NODATA or an error, as Open MPIC. */
	bool have_details;
	char **records_seen;  /* any bytes: encode lossily */
	size_t *seen_len;
	size_t n_seen;
	int response_code;
	bool ad_flag;
	char found_at[NAME_BUF];
	char cname_chain[DNS_MAX_CNAME][NAME_BUF + 1];
	size_t n_cnames;
	/* DNSSEC status of the answer that decided (reported even without details). */
	enum dnssec_status dnssec;
	bool have_dnssec;
	char reason[512];     /* one line for the log */
	enum dcv_details_kind kind;
	/* HTTP details (have_details): the redirects, the final URL and answer. */
	struct dcv_hop *history;
	size_t n_history;
	char *response_url;
	long response_status_code;
	uint8_t *response_page; /* the bytes read */
	size_t response_page_len;
	char **addresses;       /* the address each connection used, in order */
	size_t n_addresses;
	/* TLS-ALPN details */
	char common_name[256];
	bool have_common_name;
};


struct dcv_check;
typedef void (*dcv_done_cb)(void *arg, const struct dcv_result *result);

/**
 * The base32 label of dns-account-01 (BR 3.2.2.4.21): the first 10 bytes
 * of SHA-256 of the account URI, lower-case base32 without padding (16
 * characters). @p out needs 17 bytes.
 */
int dcv_account_label(const char *account_uri, char out[17]);

/**
 * The name a DNS-based method asks, for normalised target @p name (for
 * reverse-address-lookup, the reverse name itself).
 * @return 0, or -1 if the result would be longer than 253 octets.
 */
int dcv_query_name(const struct dcv_params *p, const char *name, char out[NAME_BUF]);

/**
 * A parameter that passed the request schema but cannot work (Open MPIC's
 * parameter error): an ip-address challenge that is not an IP address, an
 * acme-tls-alpn-01 hash that is neither hex nor base64url of 32 bytes.
 * @p field receives the parameter's name.
 * @return true if @p p is such a request.
 */
bool dcv_parameter_invalid(const struct dcv_params *p, const char **field);

/**
 * Start a DNS-based check of @p name (normalised, wildcard label removed)
 * on @p r. The callback runs later from the event loop, exactly once,
 * unless dcv_check_cancel() is called first. Parameters are copied.
 * @return the check, or NULL if it could not start.
 */
struct dcv_check *dcv_dns_start(struct resolver *r, const char *name,
    const struct dcv_params *p, dcv_done_cb cb, void *arg);

void dcv_check_cancel(struct dcv_check *c);

/**
 * Start an HTTP-based check (website-change, acme-http-01) of @p t: a
 * name or an IP address (never a wildcard). Redirects are followed by hand
 * and each hop checked before any connection to it (BR 3.2.2.4.18, .19):
 * status 301, 302, 307 or 308; scheme http or https; port 80 or 443; an
 * allowed address; at most env->max_redirects hops; no loops.
 * @return the check (cancel with dcv_check_cancel()), or NULL.
 */
struct dcv_check *dcv_http_start(const struct dcv_env *env, const struct target *t,
    const struct dcv_params *p, dcv_done_cb cb, void *arg);

/**
 * Start an acme-tls-alpn-01 check (BR 3.2.2.4.20, RFC 8737, RFC 8738) of @p t.
 * @return the check (cancel with dcv_check_cancel()), or NULL.
 */
struct dcv_check *dcv_alpn_start(const struct dcv_env *env, const struct target *t,
    const struct dcv_params *p, dcv_done_cb cb, void *arg);

/**
 * Resolve a redirect's Location against @p base_url with libcurl's URL
 * parser (never by hand: "127.1", "2130706433" and "0x7f.1" are all
 * loopback) and check what a URL alone can say (BR 3.2.2.4.18, .19):
 * scheme http or https, port 80 or 443, no user name or password, a host,
 * no IPv6 zone id. The host's addresses are checked separately.
 * @param next receives the absolute URL of the next hop
 * @param host receives its host (IPv6 literals without brackets)
 * @param why  the rule broken, on failure
 * @return 0, or -1.
 */
int dcv_redirect_resolve(const char *base_url, const char *location, char *next, size_t nextlen,
    char *host, size_t hostlen, uint16_t *port, const char **why);

/** Free what a result owns (for engines and tests). */
void dcv_result_release(struct dcv_result *res);

#endif /* MPIC_DCV_H */
