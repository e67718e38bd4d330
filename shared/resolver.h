/*
 * resolver.h: DNSSEC-validating, asynchronous DNS lookups on our event loop.
 *
 * One resolver is one libunbound context in event mode, attached to the
 * caller's libevent base: no threads, no forked helper, nothing blocks the
 * loop. Each perspective owns its own resolver and so its own cache (BR
 * 3.2.2.9 forbids sharing DNS caches between perspectives). The resolver
 * recurses from the root itself and validates against the configured trust
 * anchor; local configuration cannot weaken validation (see
 * resolver_new()).
 *
 * Every answer is parsed by us behind our own ceilings (answer count, packet
 * size, CNAME chain length) and comes back as a struct dns_answer that says
 * what happened (records, NODATA, NXDOMAIN, SERVFAIL, bogus, timeout, ...)
 * and the DNSSEC status of the answer. SERVFAIL, timeouts and bogus answers
 * are errors, never "no record".
 */
#ifndef MPIC_RESOLVER_H
#define MPIC_RESOLVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "name.h"

struct event_base;

#define DNS_MAX_CNAME 8        /* CNAMEs followed per lookup (security.md) */
#define DNS_MAX_ANSWER_RRS 100 /* records of the queried type per answer */
#define DNS_MAX_SECTION_RRS 256 /* records per packet section before parsing */
#define DNS_DEFAULT_TIMEOUT_MS 5000

#define DNS_TYPE_A 1
#define DNS_TYPE_NS 2
#define DNS_TYPE_CNAME 5
#define DNS_TYPE_SOA 6
#define DNS_TYPE_PTR 12
#define DNS_TYPE_TXT 16
#define DNS_TYPE_AAAA 28
#define DNS_TYPE_DS 43
#define DNS_TYPE_NSEC 47
#define DNS_TYPE_DNSKEY 48
#define DNS_TYPE_NSEC3 50
#define DNS_TYPE_CAA 257

/*
 * DNSSEC status of one answer, ordered from weakest to strongest so that the
 * status of a decision built from several answers is their minimum.
 */
enum dnssec_status {
	DNSSEC_BOGUS = 0,
	DNSSEC_INDETERMINATE = 1,
	DNSSEC_INSECURE = 2,
	DNSSEC_SECURE = 3,
};

/** "bogus", "indeterminate", "insecure", "secure". */
const char *dnssec_status_name(enum dnssec_status s);

enum dns_outcome {
	DNS_OK,          /* records of the queried type (after CNAMEs) */
	DNS_NODATA,      /* the name exists, no records of the type */
	DNS_NXDOMAIN,    /* the name (or the end of its CNAME chain) does not exist */
	DNS_SERVFAIL,    /* the resolver could not get an answer upstream */
	DNS_REFUSED,     /* another error rcode in the answer (REFUSED, NOTIMP, ...) */
	DNS_BOGUS,       /* DNSSEC validation failed */
	DNS_TIMEOUT,     /* no answer within our deadline */
	DNS_TOO_BIG,     /* more records or bytes than our ceilings allow */
	DNS_CNAME_LOOP,  /* a CNAME chain that loops */
	DNS_CNAME_TOO_LONG, /* a CNAME chain longer than DNS_MAX_CNAME (our ceiling) */
	DNS_BAD_ANSWER,  /* a packet we could not parse */
	DNS_FAILED,      /* resolver-internal failure (out of memory, bad name) */
};

/** Short name of an outcome: "ok", "nodata", "nxdomain", "servfail", ... */
const char *dns_outcome_name(enum dns_outcome o);

/** True for outcomes that are a definite answer (OK, NODATA, NXDOMAIN). */
bool dns_outcome_definite(enum dns_outcome o);

struct dns_rr {
	uint16_t type;
	uint32_t ttl;
	uint16_t rdlen;
	const uint8_t *rdata; /* uncompressed wire rdata, owned by the answer */
};

/* An NSEC or NSEC3 record from the authority section of a DS answer. */
struct dns_denial {
	uint16_t type;
	char owner[NAME_BUF]; /* lower case, no trailing dot */
	uint16_t rdlen;
	const uint8_t *rdata;
};

#define DNS_MAX_DENIAL 32

struct dns_answer {
	enum dns_outcome outcome;
	int rcode;                   /* DNS RCODE of the answer, -1 if none */
	bool ad;                     /* AD bit of the answer */
	enum dnssec_status dnssec;
	char qname[NAME_BUF];        /* as asked, no trailing dot */
	uint16_t qtype;
	char owner[NAME_BUF];        /* end of the CNAME chain, no trailing dot */
	/* CNAME targets followed, in order, each with a trailing dot. */
	char cnames[DNS_MAX_CNAME][NAME_BUF + 1];
	size_t n_cnames;
	struct dns_rr *rrs;          /* records of qtype at owner */
	size_t n_rrs;
	uint32_t min_ttl;            /* smallest TTL among rrs (CAA: BR 3.2.2.8) */
	/* DS lookups only: NSEC/NSEC3 records that deny, for dnssec_proof.c. */
	struct dns_denial *denial;
	size_t n_denial;
	/* One line for logs and error messages, e.g. "SERVFAIL for x. IN CAA". */
	char detail[320];
};

struct resolver;
struct resolver_query;

typedef void (*resolver_cb)(void *arg, const struct dns_answer *answer);

struct resolver_config {
	const char *unbound_config;    /* unbound.conf fragment, NULL for none */
	const char *trust_anchor_file; /* DS/DNSKEY file, NULL for the IANA root key */
	unsigned timeout_ms;           /* per lookup; 0 means DNS_DEFAULT_TIMEOUT_MS */
};

/* Where Debian keeps the IANA root trust anchor. */
#define RESOLVER_DEFAULT_TRUST_ANCHOR "/usr/share/dns/root.key"

/**
 * Create a resolver on @p base. The unbound.conf fragment may tune the
 * resolver and point it at other roots (stub and forward zones, root hints),
 * but options that would weaken DNSSEC validation (domain-insecure,
 * val-permissive-mode, module-config, trust anchors other than ours,
 * include) are refused.
 * @return the resolver, or NULL with a reason in @p err.
 */
struct resolver *resolver_new(struct event_base *base,
    const struct resolver_config *cfg, char *err, size_t errlen);

/**
 * Free the resolver. Lookups still in flight are cancelled without their
 * callbacks being called.
 */
void resolver_free(struct resolver *r);

/** Lookups in flight. */
size_t resolver_inflight(const struct resolver *r);

/**
 * Look up @p name (normalised, no trailing dot) of type @p qtype. The
 * callback is always called later from the event loop, never from inside
 * this call, exactly once unless the query is cancelled first. The answer is
 * valid only during the callback.
 * @return a handle for resolver_cancel(), or NULL if the lookup could not
 *         be started (then the callback is not called).
 */
struct resolver_query *resolver_lookup(struct resolver *r, const char *name,
    uint16_t qtype, resolver_cb cb, void *arg);

/** Cancel a lookup whose callback has not run; the callback will not run. */
void resolver_cancel(struct resolver_query *q);

/**
 * Parse one answer packet into @p a, whose qname and qtype must be set
 * (the rest zeroed, rcode -1): section-count ceilings first, then ldns, then
 * the CNAME chain from qname and the records of qtype at its end. Used on
 * every libunbound answer; exposed for tests and fuzzing.
 */
void dns_parse_answer(struct dns_answer *a, const uint8_t *pkt, size_t len);

/** Free what dns_parse_answer() allocated in @p a. */
void dns_answer_release(struct dns_answer *a);

#endif /* MPIC_RESOLVER_H */
