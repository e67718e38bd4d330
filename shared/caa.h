/*
 * caa.h: Certification Authority Authorization (RFC 8659, RFC 8657,
 * BR 3.2.2.8).
 *
 * Three layers, each usable alone:
 *   - caa_record_parse() and caa_value_parse(): the wire form of one CAA
 *     record and the grammar of issue/issuewild/issuemail values (pure,
 *     fuzzed);
 *   - caa_evaluate(): the decision for one relevant RRset (pure);
 *   - caa_check_start(): the asynchronous relevant-RRset search on a
 *     resolver (tree climbing), the lookup-failure rules, and the result.
 */
#ifndef MPIC_CAA_H
#define MPIC_CAA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "name.h"
#include "resolver.h"

#define CAA_MAX_TAG 15         /* RFC 8659 4.1: tag length 1..15 */
#define CAA_MAX_PARAMS 16      /* parameters per value we look at */
#define CAA_MAX_DOMAINS 32     /* issuer domain names per request */
#define CAA_MAX_RECORD_TEXT 600 /* one records_seen entry */

/* Critical bit (RFC 8659 4.1); bit 1 is treated as critical too, as Let's
 * Encrypt does, because of widespread misuse of flags value 1. */
#define CAA_FLAG_CRITICAL 0x80
#define CAA_FLAG_CRITICAL_MISUSED 0x01

struct caa_record {
	uint8_t flags;
	char tag[CAA_MAX_TAG + 1]; /* lowered; tags are case-insensitive */
	const uint8_t *value;      /* not NUL-terminated */
	size_t value_len;
};

/**
 * Split one CAA rdata (flags, tag length, tag, value).
 * @return 0, or -1 if the rdata is malformed (tag empty, longer than 15,
 *         or not letters and digits).
 */
int caa_record_parse(const uint8_t *rdata, size_t len, struct caa_record *rec);

/**
 * Text form for details.records_seen: `<flags> <tag> "<value>"`, with the
 * tag as it appeared on the wire, `"` and `\` escaped with a backslash and
 * bytes outside printable ASCII as \DDD.
 * @return 0, or -1 if @p out is too small.
 */
int caa_record_text(const uint8_t *rdata, size_t len, char *out, size_t outlen);

struct caa_param {
	const char *tag; /* points into the value; not NUL-terminated */
	size_t tag_len;
	const char *val;
	size_t val_len;
};

struct caa_issuer_value {
	const char *issuer; /* empty for ";" alone */
	size_t issuer_len;
	struct caa_param params[CAA_MAX_PARAMS];
	size_t n_params;
};

/**
 * Parse an issue, issuewild or issuemail value by the grammar of RFC 8659
 * section 4.2 (issuer labels of letters, digits and inner hyphens; tag=value
 * parameters separated by ";", values of %x21-3A / %x3C-7E; white space
 * around tokens). The output points into @p v.
 * @return 0, or -1 if the value breaks the grammar (it then matches no CA)
 *         or has more than CAA_MAX_PARAMS parameters.
 */
int caa_value_parse(const char *v, size_t len, struct caa_issuer_value *out);

enum caa_cert_type {
	CAA_CERT_TLS_SERVER,
	CAA_CERT_SMIME,
};

struct caa_policy {
	const char *const *domains; /* this CA's issuer domain names, lower case */
	size_t n_domains;
	enum caa_cert_type cert_type;
	bool wildcard;              /* the target was *.name */
	const char *account_uri;    /* RFC 8657 accounturi; NULL if unknown */
	const char *method_label;   /* RFC 8657 validationmethods label; NULL if unknown */
};

enum caa_decision {
	CAA_PERMIT,
	CAA_DENY,
};

/**
 * Decide for one relevant RRset (BR 3.2.2.8, RFC 8659 section 4, RFC 8657).
 * @param rrs  the rdata of every CAA record of the RRset
 * @param why  receives one line explaining the decision
 */
enum caa_decision caa_evaluate(const struct dns_rr *rrs, size_t n,
    const struct caa_policy *policy, char *why, size_t whylen);

/**
 * RFC 8657 label of an Open MPIC validation method name ("acme-dns-01" ->
 * "dns-01"). A string that is not a known method name but is itself a valid
 * label (letters, digits, hyphens) is returned unchanged, so a CA can use
 * its own labels for non-ACME methods. NULL if neither.
 */
const char *caa_method_label(const char *method);

/* --- the asynchronous check --------------------------------------------- */

struct caa_check_params {
	const char *name;       /* normalised target, wildcard label removed */
	struct caa_policy policy;
	bool allow_lookup_failure;
};

struct caa_result {
	bool completed;       /* a definite answer was reached */
	bool passed;          /* issuance permitted */
	bool lookup_error;    /* errors[] carries a lookup error */
	char error[512];      /* lookup error text (when lookup_error) */
	bool have_details;    /* false after a lookup error: details are null */
	bool record_present;
	char found_at[NAME_BUF];
	char **records_seen;  /* NULL-free array of n_seen strings */
	size_t n_seen;
	enum dnssec_status dnssec; /* weakest status of the answers that decided */
	uint32_t ttl;         /* smallest TTL of the relevant RRset */
	char reason[512];     /* one line for the log */
};

struct caa_check;
typedef void (*caa_done_cb)(void *arg, const struct caa_result *result);

/**
 * Start a CAA check for @p p->name on @p r. The callback runs later from
 * the event loop, exactly once unless caa_check_cancel() is called first.
 * The parameters are copied.
 * @return the check, or NULL if it could not be started.
 */
struct caa_check *caa_check_start(struct resolver *r, const struct caa_check_params *p,
    caa_done_cb cb, void *arg);

void caa_check_cancel(struct caa_check *c);

#endif /* MPIC_CAA_H */
