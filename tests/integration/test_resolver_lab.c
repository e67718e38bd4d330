/*
 * test_resolver_lab.c: the resolver (shared/resolver.c) against the lab's
 * private DNSSEC-signed root (tests/lab/README.md): secure, insecure and
 * bogus answers, NXDOMAIN, NODATA, SERVFAIL, our own deadline, CNAME chains
 * and loops, our ceilings, TCP fallback, a wrong trust anchor, cancellation,
 * and the unbound.conf fragment checker.
 *
 * Each test makes its own event base and resolver (so its own cache) and
 * runs the loop until its callbacks have fired, under a bound that only
 * guards against a hang: nothing here measures time.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "caa.h"
#include "dnssec_proof.h"
#include "lab.h"
#include "resolver.h"

/* Seconds the loop may run for one wait: far above any answer we expect. */
#define LOOP_BOUND_S 20
/* Our deadline for the tests that talk to the lab's silent name server. */
#define SHORT_TIMEOUT_MS 1500

static struct event_base *base;
static struct resolver *res;
static char tmp_paths[4][64];
static size_t n_tmp;

static void
setup(void)
{
	base = event_base_new();
	cr_assert_not_null(base);
}

static void
teardown(void)
{
	resolver_free(res);
	res = NULL;
	if (base != NULL)
		event_base_free(base);
	base = NULL;
	for (size_t i = 0; i < n_tmp; i++)
		(void)unlink(tmp_paths[i]);
	n_tmp = 0;
}

TestSuite(resolver_lab, .init = setup, .fini = teardown, .timeout = 60);

/* --- helpers ------------------------------------------------------------ */

/* What one callback saw, copied out of the answer (valid only in the callback). */
struct got {
	int calls;
	bool done;
	bool called_inside_lookup;
	struct dns_answer a;   /* a.rrs and a.denial point to the copies below */
	struct dns_rr *rrs;
	struct dns_denial *denial;
	uint8_t *store;        /* every rdata copied, one allocation */
};

static bool inside_lookup;

static void
got_free(struct got *g)
{
	free(g->rrs);
	free(g->denial);
	free(g->store);
	memset(g, 0, sizeof(*g));
}

static void
on_answer(void *arg, const struct dns_answer *a)
{
	struct got *g = arg;
	size_t total = 0;
	uint8_t *p;

	g->calls++;
	g->done = true;
	g->called_inside_lookup |= inside_lookup;
	if (g->calls > 1)
		return;
	g->a = *a;
	g->a.rrs = NULL;
	g->a.denial = NULL;
	for (size_t i = 0; i < a->n_rrs; i++)
		total += a->rrs[i].rdlen;
	for (size_t i = 0; i < a->n_denial; i++)
		total += a->denial[i].rdlen;
	p = g->store = malloc(total + 1);
	cr_assert_not_null(p);
	if (a->n_rrs > 0) {
		g->rrs = calloc(a->n_rrs, sizeof(*g->rrs));
		cr_assert_not_null(g->rrs);
		for (size_t i = 0; i < a->n_rrs; i++) {
			g->rrs[i] = a->rrs[i];
			memcpy(p, a->rrs[i].rdata, a->rrs[i].rdlen);
			g->rrs[i].rdata = p;
			p += a->rrs[i].rdlen;
		}
		g->a.rrs = g->rrs;
	}
	if (a->n_denial > 0) {
		g->denial = calloc(a->n_denial, sizeof(*g->denial));
		cr_assert_not_null(g->denial);
		for (size_t i = 0; i < a->n_denial; i++) {
			g->denial[i] = a->denial[i];
			memcpy(p, a->denial[i].rdata, a->denial[i].rdlen);
			g->denial[i].rdata = p;
			p += a->denial[i].rdlen;
		}
		g->a.denial = g->denial;
	}
}

static void
on_bound(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	*(bool *)arg = true;
}

/*
 * Run the loop until *done (or every flag of @p done[0..n-1]) is set, or
 * LOOP_BOUND_S seconds pass. @return whether they were all set.
 */
static bool
run_until_all(bool *const *done, size_t n)
{
	bool expired = false, all = false;
	struct event *t = evtimer_new(base, on_bound, &expired);
	struct timeval tv = { LOOP_BOUND_S, 0 };

	cr_assert_not_null(t);
	evtimer_add(t, &tv);
	while (!expired) {
		all = true;
		for (size_t i = 0; i < n; i++)
			all = all && *done[i];
		if (all)
			break;
		cr_assert_neq(event_base_loop(base, EVLOOP_ONCE), -1);
	}
	event_free(t);
	return all;
}

static bool
run_until(bool *done)
{
	return run_until_all(&done, 1);
}

/* Run the loop for whatever is ready now, without waiting. */
static void
run_ready(void)
{
	cr_assert_neq(event_base_loop(base, EVLOOP_NONBLOCK), -1);
}

static struct resolver *
new_resolver(const char *conf, const char *ta, unsigned timeout_ms)
{
	struct resolver_config cfg = {
		.unbound_config = conf,
		.trust_anchor_file = ta,
		.timeout_ms = timeout_ms,
	};
	char err[512] = "";
	struct resolver *r = resolver_new(base, &cfg, err, sizeof(err));

	cr_assert_not_null(r, "resolver_new: %s", err);
	return r;
}

static void
open_resolver_with(const char *conf, const char *ta, unsigned timeout_ms)
{
	res = new_resolver(conf, ta, timeout_ms);
}

/* A resolver as perspective 1 would make it. */
static void
open_resolver(unsigned timeout_ms)
{
	const struct lab *l = lab_get();

	open_resolver_with(l->p[1].unbound_conf, l->root_key, timeout_ms);
}

static struct resolver_query *
start(const char *name, uint16_t qtype, struct got *g)
{
	struct resolver_query *q;

	memset(g, 0, sizeof(*g));
	inside_lookup = true;
	q = resolver_lookup(res, name, qtype, on_answer, g);
	inside_lookup = false;
	cr_assert_not_null(q, "resolver_lookup(%s) did not start", name);
	return q;
}

/* One lookup, run to its answer. */
static void
lookup(const char *name, uint16_t qtype, struct got *g)
{
	start(name, qtype, g);
	cr_assert(run_until(&g->done), "no callback for %s within %d s", name, LOOP_BOUND_S);
	cr_assert_eq(g->calls, 1, "%s: callback ran %d times", name, g->calls);
	cr_assert_not(g->called_inside_lookup, "%s: callback ran inside resolver_lookup", name);
	cr_assert_str_eq(g->a.qname, name);
	cr_assert_eq(g->a.qtype, qtype);
}

/* Is there a CAA record with this presentation text in the answer? */
static bool
has_caa(const struct got *g, const char *text)
{
	char buf[CAA_MAX_RECORD_TEXT];

	for (size_t i = 0; i < g->a.n_rrs; i++) {
		cr_assert_eq(g->rrs[i].type, DNS_TYPE_CAA);
		if (caa_record_text(g->rrs[i].rdata, g->rrs[i].rdlen, buf, sizeof(buf)) == 0 &&
		    strcmp(buf, text) == 0)
			return true;
	}
	return false;
}

static void
expect_detail(const struct got *g, const char *what, const char *type)
{
	char want[sizeof(g->a.detail)];

	snprintf(want, sizeof(want), "%s for %s. IN %s", what, g->a.qname, type);
	cr_expect_str_eq(g->a.detail, want);
}

/* Assert the status of a validated, definite answer. */
static void
expect_definite(const struct got *g, enum dns_outcome o, int rcode, enum dnssec_status s,
    const char *owner)
{
	cr_expect_eq(g->a.outcome, o, "%s: outcome %s, want %s (%s)", g->a.qname,
	    dns_outcome_name(g->a.outcome), dns_outcome_name(o), g->a.detail);
	cr_expect_eq(g->a.rcode, rcode, "%s: rcode %d", g->a.qname, g->a.rcode);
	cr_expect_eq(g->a.dnssec, s, "%s: dnssec %s, want %s", g->a.qname,
	    dnssec_status_name(g->a.dnssec), dnssec_status_name(s));
	/* The AD bit is set exactly for answers that validated as secure. */
	cr_expect_eq(g->a.ad, s == DNSSEC_SECURE, "%s: ad %d", g->a.qname, g->a.ad);
	cr_expect_str_eq(g->a.owner, owner);
}

/*
 * Assert a lookup error: nothing usable, no records. The AD bit is the
 * packet's, when there was a packet we looked at.
 */
static void
expect_error_ad(const struct got *g, enum dns_outcome o, int rcode, enum dnssec_status s,
    bool ad)
{
	cr_expect_eq(g->a.outcome, o, "%s: outcome %s, want %s (%s)", g->a.qname,
	    dns_outcome_name(g->a.outcome), dns_outcome_name(o), g->a.detail);
	cr_expect_not(dns_outcome_definite(g->a.outcome));
	cr_expect_eq(g->a.rcode, rcode, "%s: rcode %d", g->a.qname, g->a.rcode);
	cr_expect_eq(g->a.dnssec, s, "%s: dnssec %s, want %s", g->a.qname,
	    dnssec_status_name(g->a.dnssec), dnssec_status_name(s));
	cr_expect_eq(g->a.ad, ad, "%s: ad %d", g->a.qname, g->a.ad);
	cr_expect_eq(g->a.n_rrs, 0);
	cr_expect_null(g->a.rrs);
}

static void
expect_error(const struct got *g, enum dns_outcome o, int rcode, enum dnssec_status s)
{
	expect_error_ad(g, o, rcode, s, false);
}

/* Lab zones use TTL 60 (the DS records in test. have 3600). */
static void
expect_records_ttl(const struct got *g, size_t n, uint32_t max_ttl)
{
	cr_expect_eq(g->a.n_rrs, n, "%s: %zu records, want %zu", g->a.qname, g->a.n_rrs, n);
	if (n > 0) {
		/* A cached answer may have counted down. */
		cr_expect(g->a.min_ttl > 0 && g->a.min_ttl <= max_ttl, "min_ttl %u", g->a.min_ttl);
		for (size_t i = 0; i < g->a.n_rrs; i++)
			cr_expect_geq(g->rrs[i].ttl, g->a.min_ttl);
	}
}

static void
expect_records(const struct got *g, size_t n)
{
	expect_records_ttl(g, n, 60);
}

/* Write @p text to a new temporary file, removed by teardown. */
static const char *
temp_file(const char *text)
{
	char *path;
	int fd;
	size_t len = strlen(text);

	cr_assert_lt(n_tmp, sizeof(tmp_paths) / sizeof(tmp_paths[0]));
	path = tmp_paths[n_tmp];
	snprintf(path, sizeof(tmp_paths[0]), "/tmp/resolver_lab.XXXXXX");
	fd = mkstemp(path);
	cr_assert_neq(fd, -1, "mkstemp: %s", strerror(errno));
	n_tmp++;
	cr_assert_eq(write(fd, text, len), (ssize_t)len);
	close(fd);
	return path;
}

/* --- answers ------------------------------------------------------------ */

Test(resolver_lab, secure_answer_has_records_ad_and_secure_status)
{
	struct got g;

	open_resolver(0);
	lookup("caa.secure.test", DNS_TYPE_CAA, &g);
	expect_definite(&g, DNS_OK, 0, DNSSEC_SECURE, "caa.secure.test");
	expect_records(&g, 2);
	cr_expect(has_caa(&g, "0 issue \"ca.example.net\""));
	cr_expect(has_caa(&g, "0 iodef \"mailto:security@example.net\""));
	cr_expect_eq(g.a.n_cnames, 0);
	cr_expect_eq(g.a.n_denial, 0);
	expect_detail(&g, "answer", "CAA");
	cr_expect_eq(resolver_inflight(res), 0);
	got_free(&g);
}

Test(resolver_lab, unsigned_zone_answer_is_insecure_without_ad)
{
	struct got g;

	open_resolver(0);
	lookup("caa.insecure.test", DNS_TYPE_CAA, &g);
	expect_definite(&g, DNS_OK, 0, DNSSEC_INSECURE, "caa.insecure.test");
	expect_records(&g, 1);
	cr_expect(has_caa(&g, "0 issue \"ca.example.net\""));
	expect_detail(&g, "answer", "CAA");
	got_free(&g);
}

Test(resolver_lab, expired_signatures_are_bogus_not_records)
{
	struct got g;

	open_resolver(0);
	lookup("www.bogus.test", DNS_TYPE_CAA, &g);
	expect_error(&g, DNS_BOGUS, -1, DNSSEC_BOGUS);
	cr_expect(strncmp(g.a.detail, "DNSSEC validation failed for www.bogus.test. IN CAA: ",
	    strlen("DNSSEC validation failed for www.bogus.test. IN CAA: ")) == 0,
	    "detail: %s", g.a.detail);
	cr_expect_not_null(strstr(g.a.detail, "signature expired"), "detail: %s", g.a.detail);
	got_free(&g);
}

Test(resolver_lab, stripped_signatures_under_a_ds_are_bogus)
{
	struct got g;

	open_resolver(0);
	lookup("www.stripped.test", DNS_TYPE_CAA, &g);
	expect_error(&g, DNS_BOGUS, -1, DNSSEC_BOGUS);
	cr_expect(strncmp(g.a.detail, "DNSSEC validation failed for www.stripped.test. IN CAA: ",
	    strlen("DNSSEC validation failed for www.stripped.test. IN CAA: ")) == 0,
	    "detail: %s", g.a.detail);
	cr_expect_not_null(strstr(g.a.detail, "No DNSKEY record"), "detail: %s", g.a.detail);
	got_free(&g);
}

Test(resolver_lab, nxdomain_in_a_signed_zone_is_secure)
{
	struct got g;

	open_resolver(0);
	lookup("nonexistent.secure.test", DNS_TYPE_CAA, &g);
	expect_definite(&g, DNS_NXDOMAIN, 3, DNSSEC_SECURE, "nonexistent.secure.test");
	expect_records(&g, 0);
	expect_detail(&g, "name does not exist (NXDOMAIN)", "CAA");
	got_free(&g);
}

Test(resolver_lab, nxdomain_in_an_unsigned_zone_is_insecure)
{
	struct got g;

	open_resolver(0);
	lookup("nonexistent.insecure.test", DNS_TYPE_CAA, &g);
	expect_definite(&g, DNS_NXDOMAIN, 3, DNSSEC_INSECURE, "nonexistent.insecure.test");
	expect_records(&g, 0);
	expect_detail(&g, "name does not exist (NXDOMAIN)", "CAA");
	got_free(&g);
}

Test(resolver_lab, existing_name_without_the_type_is_secure_nodata)
{
	struct got g;

	open_resolver(0);
	lookup("nodata.secure.test", DNS_TYPE_CAA, &g);
	expect_definite(&g, DNS_NODATA, 0, DNSSEC_SECURE, "nodata.secure.test");
	expect_records(&g, 0);
	cr_expect_null(g.a.rrs);
	expect_detail(&g, "no records (NODATA)", "CAA");
	got_free(&g);
}

Test(resolver_lab, a_record_rdata_is_copied_raw)
{
	static const uint8_t addr[] = { 192, 0, 2, 1 };
	struct got g;

	open_resolver(0);
	lookup("nodata.secure.test", DNS_TYPE_A, &g);
	expect_definite(&g, DNS_OK, 0, DNSSEC_SECURE, "nodata.secure.test");
	expect_records(&g, 1);
	cr_expect_eq(g.rrs[0].type, DNS_TYPE_A);
	cr_assert_eq(g.rrs[0].rdlen, 4);
	cr_expect_arr_eq(g.rrs[0].rdata, addr, 4);
	expect_detail(&g, "answer", "A");
	got_free(&g);
}

Test(resolver_lab, txt_record_is_returned_as_wire_rdata)
{
	static const uint8_t hello[] = { 5, 'h', 'e', 'l', 'l', 'o' };
	struct got g;

	open_resolver(0);
	lookup("txt.secure.test", DNS_TYPE_TXT, &g);
	expect_definite(&g, DNS_OK, 0, DNSSEC_SECURE, "txt.secure.test");
	expect_records(&g, 1);
	cr_expect_eq(g.rrs[0].type, DNS_TYPE_TXT);
	cr_assert_eq(g.rrs[0].rdlen, sizeof(hello));
	cr_expect_arr_eq(g.rrs[0].rdata, hello, sizeof(hello));
	expect_detail(&g, "answer", "TXT");
	got_free(&g);
}

Test(resolver_lab, refused_delegation_is_servfail_never_nodata)
{
	struct got g;

	open_resolver(0);
	lookup("refused-insecure.test", DNS_TYPE_CAA, &g);
	expect_error(&g, DNS_SERVFAIL, 2, DNSSEC_INDETERMINATE);
	expect_detail(&g, "SERVFAIL (no server gave a usable answer)", "CAA");
	got_free(&g);
}

Test(resolver_lab, silent_server_ends_in_our_timeout)
{
	struct got g;
	char want[sizeof(g.a.detail)];

	open_resolver(SHORT_TIMEOUT_MS);
	lookup("timeout.test", DNS_TYPE_CAA, &g);
	expect_error(&g, DNS_TIMEOUT, -1, DNSSEC_INDETERMINATE);
	snprintf(want, sizeof(want), "no answer within %u ms for timeout.test. IN CAA",
	    SHORT_TIMEOUT_MS);
	cr_expect_str_eq(g.a.detail, want);
	cr_expect_eq(resolver_inflight(res), 0);
	got_free(&g);
}

/* --- CNAMEs ------------------------------------------------------------- */

Test(resolver_lab, cname_chain_within_the_cap_is_followed_and_recorded)
{
	struct got g;

	open_resolver(0);
	lookup("chain-ok1.secure.test", DNS_TYPE_CAA, &g);
	expect_definite(&g, DNS_OK, 0, DNSSEC_SECURE, "caa.secure.test");
	expect_records(&g, 2);
	cr_expect(has_caa(&g, "0 issue \"ca.example.net\""));
	cr_assert_eq(g.a.n_cnames, 3);
	cr_expect_str_eq(g.a.cnames[0], "chain-ok2.secure.test.");
	cr_expect_str_eq(g.a.cnames[1], "chain-ok3.secure.test.");
	cr_expect_str_eq(g.a.cnames[2], "caa.secure.test.");
	expect_detail(&g, "answer", "CAA");
	got_free(&g);
}

Test(resolver_lab, single_cname_is_followed)
{
	struct got g;

	open_resolver(0);
	lookup("cname.secure.test", DNS_TYPE_CAA, &g);
	expect_definite(&g, DNS_OK, 0, DNSSEC_SECURE, "caa.secure.test");
	expect_records(&g, 2);
	cr_assert_eq(g.a.n_cnames, 1);
	cr_expect_str_eq(g.a.cnames[0], "caa.secure.test.");
	got_free(&g);
}

Test(resolver_lab, cname_to_a_name_without_the_type_is_nodata_at_the_target)
{
	struct got g;

	open_resolver(0);
	lookup("cname-empty.secure.test", DNS_TYPE_CAA, &g);
	expect_definite(&g, DNS_NODATA, 0, DNSSEC_SECURE, "nodata.secure.test");
	expect_records(&g, 0);
	cr_assert_eq(g.a.n_cnames, 1);
	cr_expect_str_eq(g.a.cnames[0], "nodata.secure.test.");
	got_free(&g);
}

Test(resolver_lab, cname_chain_longer_than_8_is_an_error)
{
	struct got g;

	open_resolver(0);
	lookup("chain1.secure.test", DNS_TYPE_CAA, &g);
	/*
	 * Our ceiling: the validated chain of 10 is refused, so no DNSSEC
	 * claim, though the packet we looked at had the AD bit.
	 */
	expect_error_ad(&g, DNS_CNAME_TOO_LONG, 0, DNSSEC_INDETERMINATE, true);
	expect_detail(&g, "CNAME chain longer than 8", "CAA");
	cr_expect_eq(g.a.n_cnames, DNS_MAX_CNAME);
	cr_expect_str_eq(g.a.cnames[0], "chain2.secure.test.");
	cr_expect_str_eq(g.a.cnames[DNS_MAX_CNAME - 1], "chain9.secure.test.");
	got_free(&g);
}

Test(resolver_lab, cname_loop_is_an_error_never_an_answer)
{
	struct got g;

	open_resolver(0);
	lookup("loop-a.secure.test", DNS_TYPE_CAA, &g);
	cr_expect(g.a.outcome == DNS_SERVFAIL || g.a.outcome == DNS_CNAME_LOOP,
	    "outcome %s (%s)", dns_outcome_name(g.a.outcome), g.a.detail);
	cr_expect_not(dns_outcome_definite(g.a.outcome));
	cr_expect_eq(g.a.n_rrs, 0);
	cr_expect_not(g.a.ad);
	cr_expect_neq(g.a.dnssec, DNSSEC_SECURE);
	got_free(&g);
}

/* --- size ceilings and TCP ---------------------------------------------- */

Test(resolver_lab, rrset_over_our_ceiling_is_too_big)
{
	struct got g;

	open_resolver(0);
	lookup("large.secure.test", DNS_TYPE_CAA, &g);
	/*
	 * About 10.8 KB: truncated over UDP at 1232 bytes, so this also shows
	 * the TCP retry: only the whole packet has 301 answer records (300 CAA
	 * and the RRSIG), which exceed the section ceiling before parsing.
	 */
	expect_error(&g, DNS_TOO_BIG, -1, DNSSEC_INDETERMINATE);
	expect_detail(&g, "answer with too many records", "CAA");
	got_free(&g);
}

Test(resolver_lab, twenty_records_are_all_returned)
{
	/* 843 bytes signed: fits the 1232-byte EDNS buffer, unlike large. */
	struct got g;

	open_resolver(0);
	lookup("big-ok.secure.test", DNS_TYPE_CAA, &g);
	expect_definite(&g, DNS_OK, 0, DNSSEC_SECURE, "big-ok.secure.test");
	expect_records(&g, 20);
	cr_expect(has_caa(&g, "0 issue \"ca.example.net\""));
	cr_expect(has_caa(&g, "0 issue \"ca1.example.net\""));
	cr_expect(has_caa(&g, "0 issue \"ca19.example.net\""));
	got_free(&g);
}

/* --- DS answers for the insecurity proof -------------------------------- */

Test(resolver_lab, ds_of_an_insecure_delegation_is_a_secure_nodata_with_its_nsec)
{
	struct got g;

	open_resolver(0);
	lookup("insecure.test", DNS_TYPE_DS, &g);
	expect_definite(&g, DNS_NODATA, 0, DNSSEC_SECURE, "insecure.test");
	cr_assert_gt(g.a.n_denial, 0);
	cr_expect(dnssec_denial_shows_insecure_cut(&g.a, "insecure.test"));
	cr_expect_not(dnssec_denial_shows_insecure_cut(&g.a, "secure.test"));
	got_free(&g);
}

Test(resolver_lab, ds_of_a_signed_delegation_is_returned)
{
	struct got g;

	open_resolver(0);
	lookup("secure.test", DNS_TYPE_DS, &g);
	expect_definite(&g, DNS_OK, 0, DNSSEC_SECURE, "secure.test");
	expect_records_ttl(&g, 1, 3600);
	cr_expect_eq(g.rrs[0].type, DNS_TYPE_DS);
	/* DS rdata: key tag (2), algorithm 13, digest type (1), digest. */
	cr_assert_geq(g.rrs[0].rdlen, 4);
	cr_expect_eq(g.rrs[0].rdata[2], 13);
	cr_expect_eq(g.a.n_denial, 0);
	got_free(&g);
}

/* --- trust anchors ------------------------------------------------------ */

Test(resolver_lab, wrong_trust_anchor_makes_everything_bogus)
{
	/* A made-up key for the root: nothing can chain to it. */
	const char *ta = temp_file(". 3600 IN DS 12345 13 2 "
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n");
	static const char *const names[] = {
		"caa.secure.test", "caa.insecure.test", "nonexistent.secure.test",
	};
	struct got g;

	open_resolver_with(lab_get()->p[1].unbound_conf, ta, 0);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char prefix[128];

		lookup(names[i], DNS_TYPE_CAA, &g);
		expect_error(&g, DNS_BOGUS, -1, DNSSEC_BOGUS);
		snprintf(prefix, sizeof(prefix), "DNSSEC validation failed for %s. IN CAA: ",
		    names[i]);
		cr_expect(strncmp(g.a.detail, prefix, strlen(prefix)) == 0, "detail: %s",
		    g.a.detail);
		cr_expect_not_null(strstr(g.a.detail, "for trust anchor ."), "detail: %s",
		    g.a.detail);
		got_free(&g);
	}
}

Test(resolver_lab, missing_trust_anchor_file_is_refused_at_creation)
{
	struct resolver_config cfg = {
		.unbound_config = lab_get()->p[1].unbound_conf,
		.trust_anchor_file = "/nonexistent/root.key",
	};
	char err[512] = "";

	cr_assert_null(resolver_new(base, &cfg, err, sizeof(err)));
	cr_expect_str_eq(err, "trust_anchor_file /nonexistent/root.key: No such file or directory");
}

Test(resolver_lab, trust_anchor_file_without_a_key_is_refused)
{
	const char *ta = temp_file("; only a comment\n. 3600 IN A 192.0.2.1\n");
	struct resolver_config cfg = {
		.unbound_config = lab_get()->p[1].unbound_conf,
		.trust_anchor_file = ta,
	};
	char err[512] = "", want[512];

	cr_assert_null(resolver_new(base, &cfg, err, sizeof(err)));
	snprintf(want, sizeof(want), "trust_anchor_file %s: no DS or DNSKEY record", ta);
	cr_expect_str_eq(err, want);
}

Test(resolver_lab, missing_fragment_is_refused)
{
	struct resolver_config cfg = {
		.unbound_config = "/nonexistent/unbound.conf",
		.trust_anchor_file = lab_get()->root_key,
	};
	char err[512] = "";

	cr_assert_null(resolver_new(base, &cfg, err, sizeof(err)));
	cr_expect_str_eq(err, "unbound_config /nonexistent/unbound.conf: No such file or directory");
}

/* --- the fragment checker ----------------------------------------------- */

/*
 * A fragment that is the lab's, plus @p extra at line 3, must be refused
 * with "FILE:3: " and @p what in the message.
 */
static void
expect_fragment_refused(const char *extra, const char *what)
{
	char text[2048], err[512] = "", prefix[128];
	const char *path;
	struct resolver_config cfg = { .trust_anchor_file = lab_get()->root_key };

	snprintf(text, sizeof(text),
	    "server:\n"
	    "    root-hints: \"%s\"\n"
	    "%s\n"
	    "    do-not-query-localhost: no\n",
	    lab_get()->root_hints, extra);
	path = temp_file(text);
	cfg.unbound_config = path;
	res = resolver_new(base, &cfg, err, sizeof(err));
	cr_assert_null(res, "fragment with \"%s\" was accepted", extra);
	snprintf(prefix, sizeof(prefix), "%s:3: ", path);
	cr_expect(strncmp(err, prefix, strlen(prefix)) == 0, "error \"%s\" should start with %s",
	    err, prefix);
	cr_expect_not_null(strstr(err, what), "error \"%s\" should mention %s", err, what);
}

Test(resolver_lab, fragment_with_domain_insecure_is_refused)
{
	expect_fragment_refused("    domain-insecure: \"bogus.test\"",
	    "option \"domain-insecure\" is not allowed here");
}

Test(resolver_lab, fragment_with_permissive_mode_is_refused)
{
	expect_fragment_refused("    val-permissive-mode: yes",
	    "option \"val-permissive-mode\" is not allowed here");
}

Test(resolver_lab, fragment_with_module_config_is_refused)
{
	expect_fragment_refused("    module-config: \"iterator\"",
	    "option \"module-config\" is not allowed here");
}

Test(resolver_lab, fragment_with_include_is_refused)
{
	expect_fragment_refused("    include: \"/etc/unbound/unbound.conf.d/*.conf\"",
	    "option \"include\" is not allowed here");
}

Test(resolver_lab, fragment_with_local_data_is_refused)
{
	expect_fragment_refused("    local-data: \"caa.secure.test. CAA 0 issue \\\"evil.example\\\"\"",
	    "option \"local-data\" is not allowed here");
}

Test(resolver_lab, fragment_with_trust_anchor_is_refused)
{
	expect_fragment_refused("    trust-anchor: \". DS 1 13 2 00\"",
	    "option \"trust-anchor\" is not allowed here");
}

Test(resolver_lab, fragment_without_stripped_hardening_is_refused)
{
	expect_fragment_refused("    harden-dnssec-stripped: no",
	    "harden-dnssec-stripped may only be yes");
}

Test(resolver_lab, fragment_with_a_local_zone_other_than_nodefault_is_refused)
{
	expect_fragment_refused("    local-zone: \"secure.test.\" static",
	    "local-zone is allowed only with type nodefault");
}

Test(resolver_lab, fragment_option_names_are_matched_without_case_or_indent)
{
	expect_fragment_refused("\tDomain-Insecure: \"bogus.test\"",
	    "option \"domain-insecure\" is not allowed here");
}

Test(resolver_lab, fragment_option_after_another_on_the_same_line_is_refused)
{
	/* unbound's parser reads tokens, not lines: this is two options. */
	expect_fragment_refused("    verbosity: 0 domain-insecure: \"bogus.test\"",
	    "option \"domain-insecure\" is not allowed here");
}

Test(resolver_lab, fragment_option_after_a_clause_on_the_same_line_is_refused)
{
	expect_fragment_refused("server: domain-insecure: \"bogus.test\"",
	    "option \"domain-insecure\" is not allowed here");
}

Test(resolver_lab, fragment_option_after_a_hash_inside_a_value_is_refused)
{
	/* "#" starts a comment only at the start of a token. */
	expect_fragment_refused("    identity: a#x domain-insecure: \"bogus.test\"",
	    "option \"domain-insecure\" is not allowed here");
}

Test(resolver_lab, fragment_option_glued_to_a_clause_is_refused)
{
	expect_fragment_refused("server:domain-insecure:\"bogus.test\"",
	    "option \"domain-insecure\" is not allowed here");
}

Test(resolver_lab, fragment_option_glued_to_a_quoted_value_is_refused)
{
	expect_fragment_refused("    identity: \"a\"domain-insecure: \"bogus.test\"",
	    "option \"domain-insecure\" is not allowed here");
}

Test(resolver_lab, fragment_widening_signature_validity_is_refused)
{
	/* A skew of three days would make bogus.test's expired signatures valid. */
	expect_fragment_refused("    val-sig-skew-min: 259200",
	    "option \"val-sig-skew-min\" is not allowed here");
}

Test(resolver_lab, fragment_with_a_fake_signature_check_is_refused)
{
	expect_fragment_refused("    fake-sha1: yes", "option \"fake-sha1\" is not allowed here");
}

Test(resolver_lab, fragment_local_zone_named_nodefault_is_still_refused)
{
	/* The type is the second argument; "nodefault" in the name is not it. */
	expect_fragment_refused("    local-zone: \"nodefault.secure.test.\" static",
	    "local-zone is allowed only with type nodefault");
}

Test(resolver_lab, fragment_stripped_hardening_off_with_yes_elsewhere_is_refused)
{
	expect_fragment_refused("    harden-dnssec-stripped: no identity: \"yes\"",
	    "harden-dnssec-stripped may only be yes");
}

Test(resolver_lab, fragment_comments_and_safe_options_are_accepted)
{
	char text[2048], err[512] = "";
	struct resolver_config cfg = { .trust_anchor_file = lab_get()->root_key };
	struct got g;

	snprintf(text, sizeof(text),
	    "# domain-insecure: \"bogus.test\" (a comment, not an option)\n"
	    "server:\n"
	    "    root-hints: \"%s\"\n"
	    "    do-not-query-localhost: no\n"
	    "    local-zone: \"test.\" nodefault\n"
	    "    harden-dnssec-stripped: yes\n"
	    "    qname-minimisation: yes   # val-permissive-mode: yes\n",
	    lab_get()->root_hints);
	cfg.unbound_config = temp_file(text);
	res = resolver_new(base, &cfg, err, sizeof(err));
	cr_assert_not_null(res, "resolver_new: %s", err);
	/* And it still validates. */
	lookup("www.bogus.test", DNS_TYPE_CAA, &g);
	expect_error(&g, DNS_BOGUS, -1, DNSSEC_BOGUS);
	got_free(&g);
}

/* --- cancellation and teardown ------------------------------------------ */

Test(resolver_lab, cancelled_lookup_never_calls_back)
{
	struct got cancelled, slow_cancelled, later, slow_later;
	struct resolver_query *q, *qs;
	bool *all[2];

	open_resolver(SHORT_TIMEOUT_MS);
	q = start("caa.secure.test", DNS_TYPE_CAA, &cancelled);
	qs = start("timeout.test", DNS_TYPE_CAA, &slow_cancelled);
	cr_expect_eq(resolver_inflight(res), 2);
	resolver_cancel(q);
	resolver_cancel(qs);
	cr_expect_eq(resolver_inflight(res), 0);
	/*
	 * The same questions again: their answers come after the moment the
	 * cancelled lookups would have been answered or timed out.
	 */
	start("caa.secure.test", DNS_TYPE_CAA, &later);
	start("timeout.test", DNS_TYPE_CAA, &slow_later);
	all[0] = &later.done;
	all[1] = &slow_later.done;
	cr_assert(run_until_all(all, 2));
	cr_expect_eq(later.a.outcome, DNS_OK);
	cr_expect_eq(slow_later.a.outcome, DNS_TIMEOUT);
	cr_expect_eq(cancelled.calls, 0);
	cr_expect_eq(slow_cancelled.calls, 0);
	cr_expect_eq(resolver_inflight(res), 0);
	got_free(&later);
	got_free(&slow_later);
}

Test(resolver_lab, cancel_after_the_answer_arrived_but_before_delivery_is_safe)
{
	struct got first, g;
	struct resolver_query *q;

	open_resolver(0);
	/* Warm the cache so that the second lookup can be answered at once. */
	lookup("caa.secure.test", DNS_TYPE_CAA, &first);
	got_free(&first);
	q = start("caa.secure.test", DNS_TYPE_CAA, &g);
	cr_expect_not(g.done, "callback ran inside resolver_lookup");
	resolver_cancel(q);
	run_ready();
	run_ready();
	cr_expect_eq(g.calls, 0);
	cr_expect_eq(resolver_inflight(res), 0);
}

Test(resolver_lab, cached_answer_is_still_delivered_from_the_loop)
{
	struct got first, g;

	open_resolver(0);
	lookup("caa.secure.test", DNS_TYPE_CAA, &first);
	got_free(&first);
	/* lookup() checks that the callback did not run inside resolver_lookup. */
	lookup("caa.secure.test", DNS_TYPE_CAA, &g);
	expect_definite(&g, DNS_OK, 0, DNSSEC_SECURE, "caa.secure.test");
	expect_records(&g, 2);
	got_free(&g);
}

Test(resolver_lab, free_with_lookups_in_flight_calls_nothing_back)
{
	static const char *const names[] = {
		"caa.secure.test", "www.bogus.test", "timeout.test", "www.timeout.test",
		"refused-insecure.test", "large.secure.test",
	};
	const struct lab *l = lab_get();
	struct got g[sizeof(names) / sizeof(names[0])];
	struct got witness;
	struct resolver *other;

	open_resolver(SHORT_TIMEOUT_MS);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		start(names[i], DNS_TYPE_CAA, &g[i]);
	cr_expect_eq(resolver_inflight(res), sizeof(names) / sizeof(names[0]));
	resolver_free(res);
	res = NULL;
	/*
	 * Keep the loop running past the moment every freed lookup would have
	 * been answered or timed out: a second resolver on the same base,
	 * with the same deadline, waits for the silent server.
	 */
	other = new_resolver(l->p[1].unbound_conf, l->root_key, SHORT_TIMEOUT_MS);
	memset(&witness, 0, sizeof(witness));
	cr_assert_not_null(resolver_lookup(other, "timeout.test", DNS_TYPE_CAA, on_answer,
	    &witness));
	cr_assert(run_until(&witness.done));
	cr_expect_eq(witness.a.outcome, DNS_TIMEOUT);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		cr_expect_eq(g[i].calls, 0, "%s called back after resolver_free", names[i]);
	resolver_free(other);
	got_free(&witness);
}

Test(resolver_lab, free_after_some_answers_calls_nothing_more_back)
{
	struct got fast, slow1, slow2;

	open_resolver(SHORT_TIMEOUT_MS);
	start("timeout.test", DNS_TYPE_CAA, &slow1);
	start("www.timeout.test", DNS_TYPE_CAA, &slow2);
	start("caa.secure.test", DNS_TYPE_CAA, &fast);
	cr_assert(run_until(&fast.done));
	cr_expect_eq(fast.a.outcome, DNS_OK);
	cr_expect_eq(resolver_inflight(res), 2);
	resolver_free(res);
	res = NULL;
	run_ready();
	cr_expect_eq(slow1.calls, 0);
	cr_expect_eq(slow2.calls, 0);
	got_free(&fast);
}

Test(resolver_lab, lookup_of_an_impossible_name_does_not_start)
{
	char longname[NAME_BUF + 8];
	struct got g;

	open_resolver(0);
	memset(&g, 0, sizeof(g));
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	cr_expect_null(resolver_lookup(res, "", DNS_TYPE_CAA, on_answer, &g));
	cr_expect_null(resolver_lookup(res, longname, DNS_TYPE_CAA, on_answer, &g));
	cr_expect_eq(resolver_inflight(res), 0);
	run_ready();
	cr_expect_eq(g.calls, 0);
}
