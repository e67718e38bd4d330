/*
 * caa_lookup.c: the asynchronous CAA check.
 *
 * RFC 8659 section 3: the relevant RRset is the CAA RRset of the name, or of
 * its closest ancestor that has one, stopping before the root. Each lookup
 * follows CNAMEs as any lookup does; there is no climbing from an alias
 * target's parents (RFC 6844's rule, dropped by RFC 8659).
 *
 * The levels are asked in parallel, a few at a time from the bottom up, and
 * the decision is made in order as soon as every level below the first
 * non-empty answer is known to be empty: so a deep name costs about one
 * round trip, and an error at a level above the relevant RRset does not
 * matter.
 *
 * A lookup failure (SERVFAIL, REFUSED, timeout, CNAME loop) ends the check
 * as "not completed", unless the caller allows lookup failures, in which case
 * BR 3.2.2.8's conditions are applied: the lookup is retried once, and the
 * failure counts as permission only if the zone is proven DNSSEC-insecure
 * (dnssec_proof.c). A bogus answer is never permission.
 */
#include "caa.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnssec_proof.h"

#define CAA_WINDOW 4 /* levels asked at once */
#define CAA_MAX_LEVELS 127 /* a 253-octet name has at most 127 labels */

enum level_state {
	LEVEL_IDLE,
	LEVEL_PENDING,
	LEVEL_DONE,
};

struct caa_check;

struct level {
	struct caa_check *c;
	const char *name; /* points into caa_check.name */
	enum level_state state;
	struct resolver_query *q;
	bool retried;
	enum dns_outcome outcome;
	enum dnssec_status dnssec;
	struct dns_rr *rrs; /* copied, one allocation with their rdata */
	size_t n_rrs;
	uint32_t min_ttl;
	char detail[320];
};

struct caa_check {
	struct resolver *r;
	char name[NAME_BUF];
	struct caa_policy policy;
	char *domain_store[CAA_MAX_DOMAINS];
	char *account_uri;
	char *method_label;
	bool allow_lookup_failure;
	struct level *levels; /* one per label, allocated for this name */
	size_t n_levels;
	struct dnssec_proof *proof;
	size_t failed_level;
	caa_done_cb cb;
	void *arg;
};

static void advance(struct caa_check *c);

static void
level_reset(struct level *l)
{
	if (l->q != NULL)
		resolver_cancel(l->q);
	l->q = NULL;
	free(l->rrs);
	l->rrs = NULL;
	l->n_rrs = 0;
}

static void
check_free(struct caa_check *c)
{
	for (size_t i = 0; i < c->n_levels; i++)
		level_reset(&c->levels[i]);
	free(c->levels);
	dnssec_proof_cancel(c->proof);
	for (size_t i = 0; i < c->policy.n_domains; i++)
		free(c->domain_store[i]);
	free(c->account_uri);
	free(c->method_label);
	free(c);
}

static void
result_free(struct caa_result *res)
{
	for (size_t i = 0; i < res->n_seen; i++)
		free(res->records_seen[i]);
	free(res->records_seen);
}

/* Deliver the result and free everything. */
static void
finish(struct caa_check *c, struct caa_result *res)
{
	caa_done_cb cb = c->cb;
	void *arg = c->arg;

	check_free(c);
	cb(arg, res);
	result_free(res);
}

static bool
failure_may_be_permission(enum dns_outcome o)
{
	/* Failures outside our infrastructure; never bogus, never our own
	 * ceilings (too many records, a CNAME chain longer than we follow) or
	 * parse failures, which say nothing about the domain. */
	return o == DNS_SERVFAIL || o == DNS_REFUSED || o == DNS_TIMEOUT || o == DNS_CNAME_LOOP;
}

static void
finish_lookup_error(struct caa_check *c, const struct level *l, bool passed, const char *note)
{
	struct caa_result res;

	memset(&res, 0, sizeof(res));
	res.completed = passed;
	res.passed = passed;
	res.lookup_error = true;
	res.dnssec = passed ? DNSSEC_INSECURE : l->dnssec;
	snprintf(res.error, sizeof(res.error), "%s", l->detail);
	snprintf(res.reason, sizeof(res.reason), "lookup failed at %s (%s)%s%s", l->name,
	    dns_outcome_name(l->outcome), note != NULL ? ": " : "", note != NULL ? note : "");
	finish(c, &res);
}

static void
on_proof(void *arg, bool insecure, const char *why)
{
	struct caa_check *c = arg;

	c->proof = NULL;
	/* BR 3.2.2.8: permission only for a proven DNSSEC-insecure zone. */
	finish_lookup_error(c, &c->levels[c->failed_level], insecure, why);
}

static void
finish_decision(struct caa_check *c, const struct level *l, enum dnssec_status weakest)
{
	struct caa_result res;
	char why[200];

	memset(&res, 0, sizeof(res));
	res.completed = true;
	res.have_details = true;
	res.record_present = true;
	res.dnssec = weakest;
	res.ttl = l->min_ttl;
	snprintf(res.found_at, sizeof(res.found_at), "%s", l->name);
	res.passed = caa_evaluate(l->rrs, l->n_rrs, &c->policy, why, sizeof(why)) == CAA_PERMIT;
	snprintf(res.reason, sizeof(res.reason), "%s at %s", why, l->name);
	if ((res.records_seen = calloc(l->n_rrs, sizeof(char *))) == NULL && l->n_rrs > 0) {
		res.completed = false;
		res.passed = false;
		res.have_details = false;
		snprintf(res.reason, sizeof(res.reason), "out of memory");
		finish(c, &res);
		return;
	}
	for (size_t i = 0; i < l->n_rrs; i++) {
		char text[CAA_MAX_RECORD_TEXT];

		if (caa_record_text(l->rrs[i].rdata, l->rrs[i].rdlen, text, sizeof(text)) == -1)
			snprintf(text, sizeof(text), "(record of %u bytes)", l->rrs[i].rdlen);
		if ((res.records_seen[res.n_seen] = strdup(text)) != NULL)
			res.n_seen++;
	}
	finish(c, &res);
}

static void
finish_absent(struct caa_check *c, enum dnssec_status weakest)
{
	struct caa_result res;

	memset(&res, 0, sizeof(res));
	res.completed = true;
	res.passed = true;
	res.have_details = true;
	res.record_present = false;
	res.dnssec = weakest;
	snprintf(res.reason, sizeof(res.reason), "no CAA records at %s or its ancestors", c->name);
	finish(c, &res);
}

/* Keep what the rest of the check needs from one answer. */
static void
keep_answer(struct level *l, const struct dns_answer *a)
{
	size_t total = 0;

	l->q = NULL;
	l->state = LEVEL_DONE;
	l->outcome = a->outcome;
	l->dnssec = a->dnssec;
	snprintf(l->detail, sizeof(l->detail), "%s", a->detail);
	if (a->outcome == DNS_OK) {
		for (size_t i = 0; i < a->n_rrs; i++)
			total += a->rrs[i].rdlen;
		l->rrs = malloc(a->n_rrs * sizeof(*l->rrs) + total);
		if (l->rrs == NULL) {
			l->outcome = DNS_FAILED;
			snprintf(l->detail, sizeof(l->detail), "out of memory");
		} else {
			uint8_t *store = (uint8_t *)(l->rrs + a->n_rrs);

			for (size_t i = 0; i < a->n_rrs; i++) {
				l->rrs[i] = a->rrs[i];
				memcpy(store, a->rrs[i].rdata, a->rrs[i].rdlen);
				l->rrs[i].rdata = store;
				store += a->rrs[i].rdlen;
			}
			l->n_rrs = a->n_rrs;
			l->min_ttl = a->min_ttl;
		}
	}
}

/* Start lookups for idle levels, at most CAA_WINDOW in flight. */
static int
launch(struct caa_check *c, size_t from);

static void
level_answer(void *arg, const struct dns_answer *a);

static int
launch_level(struct caa_check *c, size_t i)
{
	struct level *l = &c->levels[i];

	l->state = LEVEL_PENDING;
	l->q = resolver_lookup(c->r, l->name, DNS_TYPE_CAA, level_answer, l);
	if (l->q == NULL) {
		l->state = LEVEL_DONE;
		l->outcome = DNS_FAILED;
		snprintf(l->detail, sizeof(l->detail), "cannot start a lookup for %s. IN CAA",
		    l->name);
		return -1;
	}
	return 0;
}

static int
launch(struct caa_check *c, size_t from)
{
	size_t pending = 0;

	for (size_t i = from; i < c->n_levels; i++)
		if (c->levels[i].state == LEVEL_PENDING)
			pending++;
	for (size_t i = from; i < c->n_levels && pending < CAA_WINDOW; i++) {
		if (c->levels[i].state != LEVEL_IDLE)
			continue;
		if (launch_level(c, i) == -1)
			return -1;
		pending++;
	}
	return 0;
}

/*
 * Walk the levels from the bottom: skip empty ones, stop at the first that
 * is not known yet, decide at the first non-empty one.
 */
static void
advance(struct caa_check *c)
{
	enum dnssec_status weakest = DNSSEC_SECURE;

	/* The decision now rests on the DNSSEC proof alone. */
	if (c->proof != NULL)
		return;

	for (size_t i = 0; i < c->n_levels; i++) {
		struct level *l = &c->levels[i];

		if (l->state != LEVEL_DONE) {
			if (launch(c, i) == -1) {
				/* Nothing more can start; report at the level that failed. */
				for (size_t k = i; k < c->n_levels; k++)
					if (c->levels[k].state == LEVEL_DONE &&
					    c->levels[k].outcome == DNS_FAILED) {
						finish_lookup_error(c, &c->levels[k], false, NULL);
						return;
					}
			}
			return;
		}
		if (l->dnssec < weakest)
			weakest = l->dnssec;
		switch (l->outcome) {
		case DNS_NODATA:
		case DNS_NXDOMAIN:
			continue;
		case DNS_OK:
			finish_decision(c, l, weakest);
			return;
		default:
			break;
		}
		/* A lookup failure at the level that decides. */
		if (!c->allow_lookup_failure || !failure_may_be_permission(l->outcome)) {
			finish_lookup_error(c, l, false, NULL);
			return;
		}
		if (!l->retried) {
			/* BR 3.2.2.8: the lookup must have been retried at least once. */
			l->retried = true;
			l->state = LEVEL_IDLE;
			if (launch_level(c, i) == -1)
				finish_lookup_error(c, l, false, NULL);
			return;
		}
		c->failed_level = i;
		/* Levels above the failure no longer matter: stop asking them. */
		for (size_t k = i + 1; k < c->n_levels; k++)
			level_reset(&c->levels[k]);
		if ((c->proof = dnssec_prove_insecure(c->r, l->name, on_proof, c)) == NULL)
			finish_lookup_error(c, l, false, "cannot start the DNSSEC proof");
		return;
	}
	finish_absent(c, weakest);
}

static void
level_answer(void *arg, const struct dns_answer *a)
{
	struct level *l = arg;

	keep_answer(l, a);
	advance(l->c);
}

struct caa_check *
caa_check_start(struct resolver *r, const struct caa_check_params *p, caa_done_cb cb,
    void *arg)
{
	struct caa_check *c;
	size_t len = strlen(p->name), nlev = 0;
	const char *n;

	if (len == 0 || len >= NAME_BUF || p->policy.n_domains > CAA_MAX_DOMAINS)
		return NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->r = r;
	c->cb = cb;
	c->arg = arg;
	c->allow_lookup_failure = p->allow_lookup_failure;
	memcpy(c->name, p->name, len + 1);
	c->policy = p->policy;
	c->policy.domains = (const char *const *)c->domain_store;
	c->policy.n_domains = 0;
	for (size_t i = 0; i < p->policy.n_domains; i++) {
		if ((c->domain_store[i] = strdup(p->policy.domains[i])) == NULL)
			goto fail;
		c->policy.n_domains++;
	}
	if (p->policy.account_uri != NULL &&
	    (c->account_uri = strdup(p->policy.account_uri)) == NULL)
		goto fail;
	if (p->policy.method_label != NULL &&
	    (c->method_label = strdup(p->policy.method_label)) == NULL)
		goto fail;
	c->policy.account_uri = c->account_uri;
	c->policy.method_label = c->method_label;

	/* One level per label, from the name itself up to the TLD. */
	for (n = c->name; n != NULL && nlev < CAA_MAX_LEVELS; n = name_parent(n))
		nlev++;
	if ((c->levels = calloc(nlev, sizeof(*c->levels))) == NULL)
		goto fail;
	for (n = c->name; n != NULL && c->n_levels < nlev; n = name_parent(n)) {
		c->levels[c->n_levels].c = c;
		c->levels[c->n_levels++].name = n;
	}
	if (launch(c, 0) == -1)
		goto fail;
	return c;
fail:
	check_free(c);
	return NULL;
}

void
caa_check_cancel(struct caa_check *c)
{
	if (c != NULL)
		check_free(c);
}
