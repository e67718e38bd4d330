/*
 * dcv_dns.c: the DNS-based domain validation methods.
 *
 * One lookup decides each method, except contact-email-caa and
 * contact-phone-caa, which climb from the name towards the TLD like CAA
 * (BR 3.2.2.4.13, .17) and decide on the first CAA RRset found. What counts
 * as a match follows Open MPIC 3.9.0 (open-mpic-api.md 5.3) except where
 * the Baseline Requirements are stricter: persistent records compare the
 * account URI exactly, and empty challenges never reach this code.
 *
 * NXDOMAIN and NODATA are definite answers: the check completes and does
 * not pass. SERVFAIL, timeouts, DNSSEC-bogus answers and answers over our
 * ceilings do not complete, and the error says which.
 */
#include "dcv_engine.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "caa.h"
#include "dcv_persist.h"
#include "dns_rdata.h"
#include "errors.h"

struct dns_check {
	struct dcv_check base;   /* first: dcv_check_cancel() goes through it */
	struct resolver *r;
	struct dcv_params p;
	char *store[5];            /* copies of the string parameters */
	char **issuers;
	char qname[NAME_BUF];      /* the name being asked; climbs for contact-*-caa */
	const char *level;         /* points into qname */
	struct resolver_query *q;
	/* Weakest DNSSEC status of the answers so far (a climb asks several). */
	enum dnssec_status weakest;
	dcv_done_cb cb;
	void *arg;
};

static void
check_free(struct dns_check *c)
{
	if (c->q != NULL)
		resolver_cancel(c->q);
	for (size_t i = 0; i < sizeof(c->store) / sizeof(c->store[0]); i++)
		free(c->store[i]);
	for (size_t i = 0; c->issuers != NULL && i < c->p.n_issuers; i++)
		free(c->issuers[i]);
	free(c->issuers);
	free(c);
}

static void
finish(struct dns_check *c, struct dcv_result *res)
{
	dcv_done_cb cb = c->cb;
	void *arg = c->arg;

	check_free(c);
	cb(arg, res);
	dcv_result_release(res);
}

/* Case-insensitive (ASCII) search of @p needle in @p hay. */
static bool
contains(const char *hay, size_t hlen, const char *needle, size_t nlen, bool exact_case)
{
	if (nlen == 0 || nlen > hlen)
		return false;
	for (size_t i = 0; i + nlen <= hlen; i++) {
		if (exact_case ? memcmp(hay + i, needle, nlen) == 0 :
		    strncasecmp(hay + i, needle, nlen) == 0)
			return true;
	}
	return false;
}

static bool
equals(const char *a, size_t alen, const char *b, bool exact_case)
{
	size_t blen = strlen(b);

	if (alen != blen)
		return false;
	return exact_case ? memcmp(a, b, blen) == 0 : strncasecmp(a, b, blen) == 0;
}

/* One value seen, as bytes; false when out of memory. */
static bool
add_seen(struct dcv_result *res, const void *v, size_t len)
{
	char *copy = malloc(len + 1);

	if (copy == NULL)
		return false;
	memcpy(copy, v, len);
	copy[len] = '\0';
	res->records_seen[res->n_seen] = copy;
	res->seen_len[res->n_seen++] = len;
	return true;
}

/* Does value @p v (from the record) satisfy the method? */
static bool
value_matches(const struct dns_check *c, const char *v, size_t len)
{
	const struct dcv_params *p = &c->p;

	switch (p->method) {
	case DCV_ACME_DNS_01:
	case DCV_DNS_ACCOUNT_01:
		/* The exact TXT value: padding, NULs or any other byte fails. */
		return equals(v, len, p->key_authorization_hash, true);
	case DCV_DNS_CHANGE: {
		/* Case matters only for TXT (CNAME and CAA compare ignoring case). */
		bool exact_case = p->record_type == DNS_TYPE_TXT && p->require_exact_case;

		if (p->require_exact_match)
			return equals(v, len, p->challenge_value, exact_case);
		return contains(v, len, p->challenge_value, strlen(p->challenge_value), exact_case);
	}
	case DCV_CONTACT_EMAIL_TXT:
	case DCV_CONTACT_PHONE_TXT:
	case DCV_CONTACT_EMAIL_CAA:
	case DCV_CONTACT_PHONE_CAA:
	case DCV_REVERSE_ADDRESS_LOOKUP:
		return equals(v, len, p->challenge_value, false);
	case DCV_IP_ADDRESS: {
		uint8_t want[16], got[16];
		int af = p->record_type == DNS_TYPE_AAAA ? AF_INET6 : AF_INET;
		char text[64];

		/* Compared as addresses, so any notation of the same address matches. */
		if (len >= sizeof(text))
			return false;
		memcpy(text, v, len);
		text[len] = '\0';
		return inet_pton(af, p->challenge_value, want) == 1 &&
		    inet_pton(af, text, got) == 1 &&
		    memcmp(want, got, af == AF_INET6 ? 16 : 4) == 0;
	}
	case DCV_DNS_PERSISTENT: {
		struct persist_policy pol = { (const char *const *)c->issuers, p->n_issuers,
			p->expected_account_uri, p->now };
		char why[160];

		return dcv_persist_check(v, len, &pol, why, sizeof(why)) == PERSIST_VALID;
	}
	default:
		return false;
	}
}

static const char *
caa_contact_tag(enum dcv_method m)
{
	return m == DCV_CONTACT_EMAIL_CAA ? "contactemail" : "contactphone";
}

/*
 * Turn one record into the value records_seen shows (and the method
 * compares): TXT strings joined, names with their trailing dot, addresses
 * as text, CAA values. Returns the length, SKIP for a CAA record of
 * another tag (contact-*-caa), or -1 if the record is malformed.
 */
#define SKIP (-2)

static long
record_value(const struct dns_check *c, const struct dns_rr *rr, char *buf, size_t buflen)
{
	struct caa_record rec;

	switch (rr->type) {
	case DNS_TYPE_TXT:
		return dns_txt_join(rr->rdata, rr->rdlen, (uint8_t *)buf, buflen);
	case DNS_TYPE_CNAME:
	case DNS_TYPE_PTR:
		return dns_name_text(rr->rdata, rr->rdlen, buf, buflen) == 0 ? (long)strlen(buf) : -1;
	case DNS_TYPE_A:
	case DNS_TYPE_AAAA:
		return dns_addr_text(rr->type, rr->rdata, rr->rdlen, buf, buflen) == 0 ?
		    (long)strlen(buf) : -1;
	case DNS_TYPE_CAA:
		if (caa_record_parse(rr->rdata, rr->rdlen, &rec) == -1 || rec.value_len >= buflen)
			return -1;
		/* contact-*-caa looks only at its own tag (critical bit ignored). */
		if ((c->p.method == DCV_CONTACT_EMAIL_CAA || c->p.method == DCV_CONTACT_PHONE_CAA) &&
		    strcmp(rec.tag, caa_contact_tag(c->p.method)) != 0)
			return SKIP;
		memcpy(buf, rec.value, rec.value_len);
		return (long)rec.value_len;
	default:
		return -1;
	}
}

/*
 * The DNSSEC status of a decision: the weakest of every answer it rests on.
 * For contact-*-caa that includes the NXDOMAIN and NODATA answers of the
 * levels below the one that decided (as the CAA engine reports a climb).
 */
static enum dnssec_status
weakest(struct dns_check *c, const struct dns_answer *a)
{
	if (a->dnssec < c->weakest)
		c->weakest = a->dnssec;
	return c->weakest;
}

static void
fill_details(struct dcv_result *res, const struct dns_answer *a, const char *asked)
{
	res->have_details = true;
	res->response_code = a->rcode;
	res->ad_flag = a->ad;
	snprintf(res->found_at, sizeof(res->found_at), "%s", asked);
	res->n_cnames = a->n_cnames;
	for (size_t i = 0; i < a->n_cnames; i++)
		memcpy(res->cname_chain[i], a->cnames[i], sizeof(res->cname_chain[i]));
}

static void
decide(struct dns_check *c, const struct dns_answer *a)
{
	struct dcv_result res;
	char *buf = malloc(DNS_TXT_MAX + 1);
	size_t matched = 0;

	memset(&res, 0, sizeof(res));
	res.completed = true;
	res.dnssec = weakest(c, a);
	res.have_dnssec = true;
	fill_details(&res, a, c->level);
	res.records_seen = calloc(a->n_rrs + 1, sizeof(char *));
	res.seen_len = calloc(a->n_rrs + 1, sizeof(size_t));
	if (buf == NULL || res.records_seen == NULL || res.seen_len == NULL) {
		free(buf);
		res.completed = false;
		res.have_details = false;
		snprintf(res.reason, sizeof(res.reason), "out of memory");
		finish(c, &res);
		return;
	}
	for (size_t i = 0; i < a->n_rrs; i++) {
		long n = record_value(c, &a->rrs[i], buf, DNS_TXT_MAX);

		if (n < 0)
			continue; /* malformed, or another CAA tag */
		if (!add_seen(&res, buf, (size_t)n))
			break;
		if (value_matches(c, buf, (size_t)n))
			matched++;
	}
	free(buf);
	res.passed = matched > 0;
	snprintf(res.reason, sizeof(res.reason), "%zu of %zu records match at %s", matched,
	    res.n_seen, c->level);
	finish(c, &res);
}

/* Open MPIC's error types are exception names; ours say the same things. */
static const char *
error_kind(enum dns_outcome o)
{
	switch (o) {
	case DNS_NXDOMAIN:
		return "NXDOMAIN";
	case DNS_NODATA:
		return "NoAnswer";
	case DNS_TIMEOUT:
		return "Timeout";
	case DNS_BOGUS:
		return "DNSSECBogus";
	case DNS_SERVFAIL:
		return "SERVFAIL";
	case DNS_REFUSED:
		return "ErrorRcode";
	case DNS_CNAME_LOOP:
		return "CNAMELoop";
	case DNS_CNAME_TOO_LONG:
		return "CNAMEChainTooLong";
	case DNS_TOO_BIG:
		return "AnswerTooLarge";
	default:
		return "LookupFailed";
	}
}

static void
fail(struct dns_check *c, const struct dns_answer *a)
{
	struct dcv_result res;

	memset(&res, 0, sizeof(res));
	/* NXDOMAIN and NODATA are answers: the check completed and did not pass. */
	res.completed = a->outcome == DNS_NXDOMAIN || a->outcome == DNS_NODATA;
	res.error_type = ERRTYPE_DCV_LOOKUP;
	res.dnssec = weakest(c, a);
	res.have_dnssec = true;
	snprintf(res.error_message, sizeof(res.error_message),
	    "There was an error looking up the DCV record. Error type: %s, Error message: %s",
	    error_kind(a->outcome), a->detail);
	snprintf(res.reason, sizeof(res.reason), "%s at %s", dns_outcome_name(a->outcome),
	    c->level);
	finish(c, &res);
}

static void ask(struct dns_check *c);

static void
cancel(struct dcv_check *base)
{
	check_free((struct dns_check *)(void *)base);
}

static void
on_answer(void *arg, const struct dns_answer *a)
{
	struct dns_check *c = arg;
	bool climbs = c->p.method == DCV_CONTACT_EMAIL_CAA || c->p.method == DCV_CONTACT_PHONE_CAA;
	const char *parent;

	c->q = NULL;
	if (a->outcome == DNS_OK) {
		decide(c, a);
		return;
	}
	if (climbs && (a->outcome == DNS_NXDOMAIN || a->outcome == DNS_NODATA)) {
		/* BR 3.2.2.4.13/.17: the CAA tree climb, stopping before the root. */
		(void)weakest(c, a);
		if ((parent = name_parent(c->level)) != NULL) {
			c->level = parent;
			ask(c);
			return;
		}
		struct dcv_result res;

		memset(&res, 0, sizeof(res));
		res.completed = true;
		res.dnssec = c->weakest;
		res.have_dnssec = true;
		snprintf(res.reason, sizeof(res.reason), "no CAA records at %s or its ancestors",
		    c->qname);
		finish(c, &res);
		return;
	}
	fail(c, a);
}

static void
ask(struct dns_check *c)
{
	uint16_t type = dcv_methods[c->p.method].fixed_type;

	if (type == 0)
		type = c->p.record_type;
	if ((c->q = resolver_lookup(c->r, c->level, type, on_answer, c)) == NULL) {
		struct dns_answer a;

		/* Cannot even ask: report as a failed lookup, from here. */
		memset(&a, 0, sizeof(a));
		a.outcome = DNS_FAILED;
		a.dnssec = DNSSEC_INDETERMINATE;
		snprintf(a.detail, sizeof(a.detail), "cannot start a lookup for %s", c->level);
		fail(c, &a);
	}
}

static char *
dup_or_null(const char *s, bool *ok)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		*ok = false;
	return d;
}

struct dcv_check *
dcv_dns_start(struct resolver *r, const char *name, const struct dcv_params *p,
    dcv_done_cb cb, void *arg)
{
	struct dns_check *c;
	bool ok = true;
	uint16_t type;

	if ((unsigned)p->method >= DCV_METHOD_COUNT || !dcv_methods[p->method].dns ||
	    p->n_issuers > DCV_MAX_ISSUERS || (c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->base.cancel = cancel;
	c->r = r;
	c->cb = cb;
	c->arg = arg;
	c->p = *p;
	c->p.challenge_value = c->store[0] = dup_or_null(p->challenge_value, &ok);
	c->p.key_authorization_hash = c->store[1] = dup_or_null(p->key_authorization_hash, &ok);
	c->p.account_uri = c->store[2] = dup_or_null(p->account_uri, &ok);
	c->p.name_prefix = c->store[3] = dup_or_null(p->name_prefix, &ok);
	c->p.expected_account_uri = c->store[4] = dup_or_null(p->expected_account_uri, &ok);
	if (p->n_issuers > 0) {
		if ((c->issuers = calloc(p->n_issuers, sizeof(char *))) == NULL)
			ok = false;
		for (size_t i = 0; ok && i < p->n_issuers; i++)
			c->issuers[i] = dup_or_null(p->issuers[i], &ok);
	}
	c->p.issuers = (const char *const *)c->issuers;
	type = dcv_methods[p->method].fixed_type != 0 ? dcv_methods[p->method].fixed_type :
	    p->record_type;
	if (!ok || type == 0 || dcv_query_name(&c->p, name, c->qname) == -1) {
		check_free(c);
		return NULL;
	}
	c->level = c->qname;
	c->weakest = DNSSEC_SECURE;
	if ((c->q = resolver_lookup(r, c->level, type, on_answer, c)) == NULL) {
		check_free(c);
		return NULL;
	}
	return &c->base;
}
