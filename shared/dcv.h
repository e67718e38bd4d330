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
 * parameter error): an ip-address challenge that is not an IP address.
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

#endif /* MPIC_DCV_H */
