/*
 * test_caa_engine_lab.c: the asynchronous CAA check (caa_check_start) and
 * the DNSSEC insecurity proof (dnssec_prove_insecure) against the lab's
 * zones (tests/lab/README.md): the relevant RRset at the name, at a parent
 * and through a CNAME, the RFC 8659 and RFC 8657 decisions on real answers,
 * and BR 3.2.2.8's lookup-failure rules: a failure is permission only when
 * allowed, after a retry, and for a zone proven DNSSEC-insecure; a bogus
 * answer or our own ceiling never is.
 *
 * Each test makes its own event base and resolver and runs the loop until
 * its callbacks have fired, under a bound that only guards against a hang.
 */
#include <criterion/criterion.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caa.h"
#include "dnssec_proof.h"
#include "lab.h"
#include "resolver.h"

#define LOOP_BOUND_S 20
/* Our deadline for the checks that meet the lab's silent name server. */
#define SHORT_TIMEOUT_MS 1500

static struct event_base *base;
static struct resolver *res;

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
}

TestSuite(caa_engine_lab, .init = setup, .fini = teardown, .timeout = 60);

/* --- helpers ------------------------------------------------------------ */

static void
on_bound(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	*(bool *)arg = true;
}

/* Run the loop until *done, or LOOP_BOUND_S seconds pass. */
static bool
run_until(const bool *done)
{
	bool expired = false;
	struct event *t = evtimer_new(base, on_bound, &expired);
	struct timeval tv = { LOOP_BOUND_S, 0 };

	cr_assert_not_null(t);
	evtimer_add(t, &tv);
	while (!*done && !expired)
		cr_assert_neq(event_base_loop(base, EVLOOP_ONCE), -1);
	event_free(t);
	return *done;
}

/* A resolver as perspective 1 would make it. */
static void
open_resolver(unsigned timeout_ms)
{
	const struct lab *l = lab_get();
	struct resolver_config cfg = {
		.unbound_config = l->p[1].unbound_conf,
		.trust_anchor_file = l->root_key,
		.timeout_ms = timeout_ms,
	};
	char err[512] = "";

	res = resolver_new(base, &cfg, err, sizeof(err));
	cr_assert_not_null(res, "resolver_new: %s", err);
}

/* What the callback saw, copied (the result is valid only in the callback). */
struct check {
	int calls;
	bool done;
	struct caa_result r; /* r.records_seen points to seen */
	char **seen;
};

static void
on_result(void *arg, const struct caa_result *r)
{
	struct check *c = arg;

	c->calls++;
	c->done = true;
	if (c->calls > 1)
		return;
	c->r = *r;
	c->r.records_seen = NULL;
	if (r->n_seen > 0) {
		cr_assert_not_null(r->records_seen);
		c->seen = calloc(r->n_seen, sizeof(char *));
		cr_assert_not_null(c->seen);
		for (size_t i = 0; i < r->n_seen; i++) {
			c->seen[i] = strdup(r->records_seen[i]);
			cr_assert_not_null(c->seen[i]);
		}
		c->r.records_seen = c->seen;
	}
}

static void
check_free(struct check *c)
{
	for (size_t i = 0; c->seen != NULL && i < c->r.n_seen; i++)
		free(c->seen[i]);
	free(c->seen);
	memset(c, 0, sizeof(*c));
}

static const char *const ours[] = { "ca.example.net" };

/* A TLS server certificate for @p name by ca.example.net, no RFC 8657 data. */
static struct caa_check_params
params(const char *name)
{
	struct caa_check_params p = {
		.name = name,
		.policy = {
			.domains = ours,
			.n_domains = 1,
			.cert_type = CAA_CERT_TLS_SERVER,
		},
	};

	return p;
}

static struct caa_check *
start_check(const struct caa_check_params *p, struct check *c)
{
	struct caa_check *cc;

	memset(c, 0, sizeof(*c));
	cc = caa_check_start(res, p, on_result, c);
	cr_assert_not_null(cc, "caa_check_start(%s) did not start", p->name);
	/* The callback always runs later, from the loop. */
	cr_assert_eq(c->calls, 0, "%s: callback ran inside caa_check_start", p->name);
	return cc;
}

static void
run_check(const struct caa_check_params *p, struct check *c)
{
	start_check(p, c);
	cr_assert(run_until(&c->done), "no result for %s within %d s", p->name, LOOP_BOUND_S);
	cr_assert_eq(c->calls, 1);
}

static bool
seen(const struct check *c, const char *text)
{
	for (size_t i = 0; i < c->r.n_seen; i++)
		if (strcmp(c->r.records_seen[i], text) == 0)
			return true;
	return false;
}

/* A decision on a relevant RRset found at @p found_at. */
static void
expect_decision(const struct check *c, bool passed, const char *found_at,
    enum dnssec_status s, const char *reason)
{
	const struct caa_result *r = &c->r;

	cr_expect(r->completed, "not completed: %s", r->reason);
	cr_expect_eq(r->passed, passed, "passed %d: %s", r->passed, r->reason);
	cr_expect_not(r->lookup_error, "lookup error: %s", r->error);
	cr_expect_str_empty(r->error);
	cr_expect(r->have_details);
	cr_expect(r->record_present);
	cr_expect_str_eq(r->found_at, found_at);
	cr_expect_eq(r->dnssec, s, "dnssec %s, want %s", dnssec_status_name(r->dnssec),
	    dnssec_status_name(s));
	cr_expect_gt(r->n_seen, 0);
	if (reason != NULL)
		cr_expect_str_eq(r->reason, reason);
}

/* No CAA record at the name or any ancestor: permitted. */
static void
expect_absent(const struct check *c, const char *name, enum dnssec_status s)
{
	const struct caa_result *r = &c->r;
	char want[512];

	cr_expect(r->completed, "not completed: %s", r->reason);
	cr_expect(r->passed, "not passed: %s", r->reason);
	cr_expect_not(r->lookup_error, "lookup error: %s", r->error);
	cr_expect(r->have_details);
	cr_expect_not(r->record_present);
	cr_expect_str_empty(r->found_at);
	cr_expect_eq(r->n_seen, 0);
	cr_expect_null(r->records_seen);
	cr_expect_eq(r->dnssec, s, "dnssec %s, want %s", dnssec_status_name(r->dnssec),
	    dnssec_status_name(s));
	snprintf(want, sizeof(want), "no CAA records at %s or its ancestors", name);
	cr_expect_str_eq(r->reason, want);
}

/*
 * A lookup error that ends the check: not completed, not passed, no details,
 * the lookup's own text in error and the failing level in reason.
 */
static void
expect_failed(const struct check *c, const char *error_prefix, const char *reason_prefix)
{
	const struct caa_result *r = &c->r;

	cr_expect_not(r->completed, "completed: %s", r->reason);
	cr_expect_not(r->passed, "passed: %s", r->reason);
	cr_expect(r->lookup_error);
	cr_expect_not(r->have_details);
	cr_expect_not(r->record_present);
	cr_expect_eq(r->n_seen, 0);
	cr_expect_neq(r->dnssec, DNSSEC_SECURE);
	cr_expect(strncmp(r->error, error_prefix, strlen(error_prefix)) == 0,
	    "error \"%s\" should start with \"%s\"", r->error, error_prefix);
	cr_expect(strncmp(r->reason, reason_prefix, strlen(reason_prefix)) == 0,
	    "reason \"%s\" should start with \"%s\"", r->reason, reason_prefix);
}

/* A lookup error taken as permission (BR 3.2.2.8, insecure zone). */
static void
expect_failure_permitted(const struct check *c, const char *error, const char *reason)
{
	const struct caa_result *r = &c->r;

	cr_expect(r->completed, "not completed: %s", r->reason);
	cr_expect(r->passed, "not passed: %s", r->reason);
	cr_expect(r->lookup_error, "the lookup error must be kept");
	cr_expect_not(r->have_details);
	cr_expect_not(r->record_present);
	cr_expect_eq(r->n_seen, 0);
	cr_expect_eq(r->dnssec, DNSSEC_INSECURE, "dnssec %s", dnssec_status_name(r->dnssec));
	cr_expect_str_eq(r->error, error);
	cr_expect_str_eq(r->reason, reason);
}

/* --- the relevant RRset ------------------------------------------------- */

Test(caa_engine_lab, record_at_the_name_permits_our_ca)
{
	struct caa_check_params p = params("caa.secure.test");
	struct check c;

	open_resolver(0);
	run_check(&p, &c);
	expect_decision(&c, true, "caa.secure.test", DNSSEC_SECURE,
	    "issue record permits ca.example.net at caa.secure.test");
	cr_expect_eq(c.r.n_seen, 2);
	cr_expect(seen(&c, "0 issue \"ca.example.net\""));
	cr_expect(seen(&c, "0 iodef \"mailto:security@example.net\""));
	cr_expect(c.r.ttl > 0 && c.r.ttl <= 60, "ttl %u", c.r.ttl);
	check_free(&c);
}

Test(caa_engine_lab, record_at_the_parent_is_relevant_below_it)
{
	static const char *const names[] = { "sub.caa.secure.test", "deep.sub.caa.secure.test" };

	open_resolver(0);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct caa_check_params p = params(names[i]);
		struct check c;

		run_check(&p, &c);
		expect_decision(&c, true, "caa.secure.test", DNSSEC_SECURE,
		    "issue record permits ca.example.net at caa.secure.test");
		cr_expect_eq(c.r.n_seen, 2, "%s", names[i]);
		cr_expect(seen(&c, "0 issue \"ca.example.net\""));
		check_free(&c);
	}
}

Test(caa_engine_lab, record_through_a_cname_is_relevant_at_the_alias)
{
	struct caa_check_params p = params("cname.secure.test");
	struct check c;

	open_resolver(0);
	run_check(&p, &c);
	/* found_at names the level asked, not the end of the CNAME chain. */
	expect_decision(&c, true, "cname.secure.test", DNSSEC_SECURE,
	    "issue record permits ca.example.net at cname.secure.test");
	cr_expect_eq(c.r.n_seen, 2);
	cr_expect(seen(&c, "0 issue \"ca.example.net\""));
	check_free(&c);
}

Test(caa_engine_lab, three_cname_chain_reaches_the_record)
{
	struct caa_check_params p = params("chain-ok1.secure.test");
	struct check c;

	open_resolver(0);
	run_check(&p, &c);
	expect_decision(&c, true, "chain-ok1.secure.test", DNSSEC_SECURE, NULL);
	cr_expect(seen(&c, "0 issue \"ca.example.net\""));
	check_free(&c);
}

Test(caa_engine_lab, cname_to_a_name_without_caa_climbs_from_the_alias_parent)
{
	struct caa_check_params p = params("cname-empty.secure.test");
	struct check c;

	open_resolver(0);
	run_check(&p, &c);
	/* RFC 8659: no climbing from the target's parents; secure.test and test have none. */
	expect_absent(&c, "cname-empty.secure.test", DNSSEC_SECURE);
	check_free(&c);
}

Test(caa_engine_lab, no_caa_anywhere_permits_with_secure_status)
{
	struct caa_check_params p = params("nonexistent.secure.test");
	struct check c;

	open_resolver(0);
	run_check(&p, &c);
	expect_absent(&c, "nonexistent.secure.test", DNSSEC_SECURE);
	check_free(&c);
}

Test(caa_engine_lab, no_caa_in_an_unsigned_zone_is_insecure)
{
	struct caa_check_params p = params("nonexistent.insecure.test");
	struct check c;

	open_resolver(0);
	run_check(&p, &c);
	/* The weakest of the answers that decided: insecure.test's. */
	expect_absent(&c, "nonexistent.insecure.test", DNSSEC_INSECURE);
	check_free(&c);
}

Test(caa_engine_lab, record_in_an_unsigned_zone_is_insecure)
{
	struct caa_check_params p = params("caa.insecure.test");
	struct check c;

	open_resolver(0);
	run_check(&p, &c);
	expect_decision(&c, true, "caa.insecure.test", DNSSEC_INSECURE,
	    "issue record permits ca.example.net at caa.insecure.test");
	cr_expect_eq(c.r.n_seen, 1);
	cr_expect_str_eq(c.r.records_seen[0], "0 issue \"ca.example.net\"");
	check_free(&c);

	p = params("deny.insecure.test");
	run_check(&p, &c);
	expect_decision(&c, false, "deny.insecure.test", DNSSEC_INSECURE,
	    "no issue record permits ca.example.net at deny.insecure.test");
	check_free(&c);
}

Test(caa_engine_lab, nsec3_zone_record_is_secure)
{
	struct caa_check_params p = params("caa.nsec3.test");
	struct check c;

	open_resolver(0);
	run_check(&p, &c);
	expect_decision(&c, true, "caa.nsec3.test", DNSSEC_SECURE, NULL);
	check_free(&c);

	p = params("nonexistent.nsec3.test");
	run_check(&p, &c);
	expect_absent(&c, "nonexistent.nsec3.test", DNSSEC_SECURE);
	check_free(&c);
}

/* --- decisions on real answers ------------------------------------------ */

Test(caa_engine_lab, another_ca_only_denies)
{
	struct caa_check_params p = params("deny.secure.test");
	struct check c;

	open_resolver(0);
	run_check(&p, &c);
	expect_decision(&c, false, "deny.secure.test", DNSSEC_SECURE,
	    "no issue record permits ca.example.net at deny.secure.test");
	cr_expect_eq(c.r.n_seen, 1);
	cr_expect_str_eq(c.r.records_seen[0], "0 issue \"other-ca.example\"");
	check_free(&c);
}

Test(caa_engine_lab, any_of_our_issuer_names_is_enough)
{
	static const char *const two[] = { "ca.example.net", "other-ca.example" };
	struct caa_check_params p = params("deny.secure.test");
	struct check c;

	p.policy.domains = two;
	p.policy.n_domains = 2;
	open_resolver(0);
	run_check(&p, &c);
	expect_decision(&c, true, "deny.secure.test", DNSSEC_SECURE,
	    "issue record permits other-ca.example at deny.secure.test");
	check_free(&c);
}

Test(caa_engine_lab, issuewild_semicolon_denies_wildcards_only)
{
	struct caa_check_params p = params("wild.secure.test");
	struct check c;

	open_resolver(0);
	p.policy.wildcard = true;
	run_check(&p, &c);
	expect_decision(&c, false, "wild.secure.test", DNSSEC_SECURE,
	    "no issuewild record permits ca.example.net at wild.secure.test");
	cr_expect_eq(c.r.n_seen, 2);
	cr_expect(seen(&c, "0 issue \"ca.example.net\""));
	cr_expect(seen(&c, "0 issuewild \";\""));
	check_free(&c);

	p.policy.wildcard = false;
	run_check(&p, &c);
	expect_decision(&c, true, "wild.secure.test", DNSSEC_SECURE,
	    "issue record permits ca.example.net at wild.secure.test");
	check_free(&c);
}

Test(caa_engine_lab, issuewild_permits_wildcards_when_issue_forbids)
{
	struct caa_check_params p = params("wildok.secure.test");
	struct check c;

	open_resolver(0);
	p.policy.wildcard = true;
	run_check(&p, &c);
	expect_decision(&c, true, "wildok.secure.test", DNSSEC_SECURE,
	    "issuewild record permits ca.example.net at wildok.secure.test");
	check_free(&c);

	p.policy.wildcard = false;
	run_check(&p, &c);
	expect_decision(&c, false, "wildok.secure.test", DNSSEC_SECURE,
	    "no issue record permits ca.example.net at wildok.secure.test");
	check_free(&c);
}

Test(caa_engine_lab, issue_semicolon_denies_everyone)
{
	struct caa_check_params p = params("semicolon.secure.test");
	struct check c;

	open_resolver(0);
	run_check(&p, &c);
	expect_decision(&c, false, "semicolon.secure.test", DNSSEC_SECURE,
	    "no issue record permits ca.example.net at semicolon.secure.test");
	cr_expect_eq(c.r.n_seen, 1);
	cr_expect_str_eq(c.r.records_seen[0], "0 issue \";\"");
	check_free(&c);
}

Test(caa_engine_lab, unknown_critical_tag_denies)
{
	struct caa_check_params p = params("critical.secure.test");
	struct check c;

	open_resolver(0);
	run_check(&p, &c);
	expect_decision(&c, false, "critical.secure.test", DNSSEC_SECURE,
	    "critical CAA record with unknown tag \"tbs\" at critical.secure.test");
	cr_expect(seen(&c, "128 tbs \"unknown\""));
	cr_expect(seen(&c, "0 issue \"ca.example.net\""));
	check_free(&c);
}

Test(caa_engine_lab, critical_flag_on_a_known_tag_permits)
{
	struct caa_check_params p = params("critical-known.secure.test");
	struct check c;

	open_resolver(0);
	run_check(&p, &c);
	expect_decision(&c, true, "critical-known.secure.test", DNSSEC_SECURE,
	    "issue record permits ca.example.net at critical-known.secure.test");
	cr_expect_eq(c.r.n_seen, 1);
	cr_expect_str_eq(c.r.records_seen[0], "128 issue \"ca.example.net\"");
	check_free(&c);
}

Test(caa_engine_lab, flag_value_1_on_an_unknown_tag_counts_as_critical)
{
	struct caa_check_params p = params("flag1.secure.test");
	struct check c;

	open_resolver(0);
	run_check(&p, &c);
	/* As Boulder does, because of widespread misuse of flags 1 (caa.h). */
	expect_decision(&c, false, "flag1.secure.test", DNSSEC_SECURE,
	    "critical CAA record with unknown tag \"futuretag\" at flag1.secure.test");
	cr_expect(seen(&c, "1 futuretag \"x\""));
	check_free(&c);
}

Test(caa_engine_lab, tag_and_issuer_case_do_not_matter)
{
	struct caa_check_params p = params("upper.secure.test");
	struct check c;

	open_resolver(0);
	run_check(&p, &c);
	expect_decision(&c, true, "upper.secure.test", DNSSEC_SECURE,
	    "issue record permits CA.Example.NET at upper.secure.test");
	/* records_seen keeps the tag as it came on the wire. */
	cr_expect_eq(c.r.n_seen, 1);
	cr_expect_str_eq(c.r.records_seen[0], "0 ISSUE \"CA.Example.NET\"");
	check_free(&c);
}

Test(caa_engine_lab, accounturi_must_match_exactly)
{
	struct caa_check_params p = params("acct.secure.test");
	struct check c;

	open_resolver(0);
	p.policy.account_uri = "https://ca.example.net/acct/1";
	run_check(&p, &c);
	expect_decision(&c, true, "acct.secure.test", DNSSEC_SECURE,
	    "issue record permits ca.example.net; accounturi=https://ca.example.net/acct/1 "
	    "at acct.secure.test");
	cr_expect_eq(c.r.n_seen, 1);
	cr_expect_str_eq(c.r.records_seen[0],
	    "0 issue \"ca.example.net; accounturi=https://ca.example.net/acct/1\"");
	check_free(&c);

	p.policy.account_uri = "https://ca.example.net/acct/2";
	run_check(&p, &c);
	expect_decision(&c, false, "acct.secure.test", DNSSEC_SECURE,
	    "no issue record permits ca.example.net at acct.secure.test");
	check_free(&c);

	/* RFC 8657 3: an account we do not know cannot match. */
	p.policy.account_uri = NULL;
	run_check(&p, &c);
	expect_decision(&c, false, "acct.secure.test", DNSSEC_SECURE, NULL);
	check_free(&c);
}

Test(caa_engine_lab, validationmethods_must_list_the_method)
{
	struct caa_check_params p = params("methods.secure.test");
	struct check c;

	open_resolver(0);
	p.policy.method_label = caa_method_label("acme-dns-01");
	cr_assert_str_eq(p.policy.method_label, "dns-01");
	run_check(&p, &c);
	expect_decision(&c, true, "methods.secure.test", DNSSEC_SECURE, NULL);
	cr_expect_str_eq(c.r.records_seen[0],
	    "0 issue \"ca.example.net; validationmethods=dns-01,http-01\"");
	check_free(&c);

	p.policy.method_label = "tls-alpn-01";
	run_check(&p, &c);
	expect_decision(&c, false, "methods.secure.test", DNSSEC_SECURE,
	    "no issue record permits ca.example.net at methods.secure.test");
	check_free(&c);

	p.policy.method_label = NULL;
	run_check(&p, &c);
	expect_decision(&c, false, "methods.secure.test", DNSSEC_SECURE, NULL);
	check_free(&c);
}

Test(caa_engine_lab, issuemail_governs_smime_only)
{
	struct caa_check_params p = params("mail.secure.test");
	struct check c;

	open_resolver(0);
	p.policy.cert_type = CAA_CERT_SMIME;
	run_check(&p, &c);
	expect_decision(&c, true, "mail.secure.test", DNSSEC_SECURE,
	    "issuemail record permits ca.example.net at mail.secure.test");
	cr_expect_str_eq(c.r.records_seen[0], "0 issuemail \"ca.example.net\"");
	check_free(&c);

	p = params("mail-other.secure.test");
	p.policy.cert_type = CAA_CERT_SMIME;
	run_check(&p, &c);
	expect_decision(&c, false, "mail-other.secure.test", DNSSEC_SECURE,
	    "no issuemail record permits ca.example.net at mail-other.secure.test");
	check_free(&c);

	/* issuemail says nothing about TLS certificates. */
	p = params("mail-other.secure.test");
	run_check(&p, &c);
	expect_decision(&c, true, "mail-other.secure.test", DNSSEC_SECURE,
	    "no issue records at mail-other.secure.test");
	check_free(&c);

	/* And issue says nothing about S/MIME. */
	p = params("deny.secure.test");
	p.policy.cert_type = CAA_CERT_SMIME;
	run_check(&p, &c);
	expect_decision(&c, true, "deny.secure.test", DNSSEC_SECURE,
	    "no issuemail records at deny.secure.test");
	check_free(&c);
}

Test(caa_engine_lab, iodef_only_is_present_but_unrestricted)
{
	struct caa_check_params p = params("iodef-only.secure.test");
	struct check c;

	open_resolver(0);
	run_check(&p, &c);
	expect_decision(&c, true, "iodef-only.secure.test", DNSSEC_SECURE,
	    "no issue records at iodef-only.secure.test");
	cr_expect_eq(c.r.n_seen, 1);
	cr_expect_str_eq(c.r.records_seen[0], "0 iodef \"mailto:x@example.net\"");
	check_free(&c);
}

Test(caa_engine_lab, twenty_records_with_one_match_permit)
{
	struct caa_check_params p = params("big-ok.secure.test");
	struct check c;

	open_resolver(0);
	run_check(&p, &c);
	expect_decision(&c, true, "big-ok.secure.test", DNSSEC_SECURE,
	    "issue record permits ca.example.net at big-ok.secure.test");
	cr_expect_eq(c.r.n_seen, 20);
	cr_expect(seen(&c, "0 issue \"ca7.example.net\""));
	check_free(&c);
}

/* --- Open MPIC's fixture zone (unsigned) -------------------------------- */

Test(caa_engine_lab, fixture_contactemail_only_permits_with_record_present)
{
	struct caa_check_params p = params("contact-email-caa.integration-testing.open-mpic.org");
	struct check c;

	open_resolver(0);
	run_check(&p, &c);
	expect_decision(&c, true, "contact-email-caa.integration-testing.open-mpic.org",
	    DNSSEC_INSECURE,
	    "no issue records at contact-email-caa.integration-testing.open-mpic.org");
	cr_expect_eq(c.r.n_seen, 1);
	cr_expect_str_eq(c.r.records_seen[0], "0 contactemail \"caa.contactemail@example.com\"");
	check_free(&c);
}

Test(caa_engine_lab, fixture_critical_contactemail_is_a_known_tag)
{
	struct caa_check_params p =
	    params("contact-email-caa-critical.integration-testing.open-mpic.org");
	struct check c;

	open_resolver(0);
	run_check(&p, &c);
	expect_decision(&c, true, "contact-email-caa-critical.integration-testing.open-mpic.org",
	    DNSSEC_INSECURE, NULL);
	cr_expect_str_eq(c.r.records_seen[0],
	    "128 contactemail \"caa.contactemail@example.com\"");
	check_free(&c);
}

Test(caa_engine_lab, fixture_nul_byte_in_a_value_is_escaped_in_records_seen)
{
	struct caa_check_params p =
	    params("contact-email-caa-null.integration-testing.open-mpic.org");
	struct check c;

	open_resolver(0);
	run_check(&p, &c);
	expect_decision(&c, true, "contact-email-caa-null.integration-testing.open-mpic.org",
	    DNSSEC_INSECURE, NULL);
	cr_expect_str_eq(c.r.records_seen[0],
	    "0 contactemail \"caa.contactemail@example.com\\000\"");
	check_free(&c);
}

Test(caa_engine_lab, fixture_issue_for_another_ca_denies)
{
	struct caa_check_params p = params("contact-email-caa-multi.integration-testing.open-mpic.org");
	struct check c;

	open_resolver(0);
	run_check(&p, &c);
	expect_decision(&c, false, "contact-email-caa-multi.integration-testing.open-mpic.org",
	    DNSSEC_INSECURE, NULL);
	cr_expect_eq(c.r.n_seen, 3);
	cr_expect(seen(&c, "128 issue \"exampleca.example.com\""));
	check_free(&c);
}

Test(caa_engine_lab, fixture_name_without_caa_climbs_to_the_contactemail_parent)
{
	struct caa_check_params p =
	    params("sub.contact-email-caa.integration-testing.open-mpic.org");
	struct check c;

	open_resolver(0);
	run_check(&p, &c);
	expect_decision(&c, true, "contact-email-caa.integration-testing.open-mpic.org",
	    DNSSEC_INSECURE, NULL);
	check_free(&c);
}

/* --- lookup failures (BR 3.2.2.8) --------------------------------------- */

Test(caa_engine_lab, bogus_zone_is_never_permission)
{
	struct caa_check_params p = params("www.bogus.test");
	struct check c;

	open_resolver(0);
	for (int allow = 0; allow <= 1; allow++) {
		p.allow_lookup_failure = allow == 1;
		run_check(&p, &c);
		expect_failed(&c, "DNSSEC validation failed for www.bogus.test. IN CAA: ",
		    "lookup failed at www.bogus.test (bogus)");
		cr_expect_str_eq(c.r.reason, "lookup failed at www.bogus.test (bogus)");
		cr_expect_not_null(strstr(c.r.error, "signature expired"), "%s", c.r.error);
		cr_expect_eq(c.r.dnssec, DNSSEC_BOGUS);
		check_free(&c);
	}
}

Test(caa_engine_lab, bogus_zone_apex_is_never_permission)
{
	struct caa_check_params p = params("bogus.test");
	struct check c;

	open_resolver(0);
	p.allow_lookup_failure = true;
	run_check(&p, &c);
	expect_failed(&c, "DNSSEC validation failed for bogus.test. IN CAA: ",
	    "lookup failed at bogus.test (bogus)");
	cr_expect_eq(c.r.dnssec, DNSSEC_BOGUS);
	check_free(&c);
}

Test(caa_engine_lab, stripped_signatures_are_never_permission)
{
	struct caa_check_params p = params("www.stripped.test");
	struct check c;

	open_resolver(0);
	for (int allow = 0; allow <= 1; allow++) {
		p.allow_lookup_failure = allow == 1;
		run_check(&p, &c);
		expect_failed(&c, "DNSSEC validation failed for www.stripped.test. IN CAA: ",
		    "lookup failed at www.stripped.test (bogus)");
		cr_expect_not_null(strstr(c.r.error, "No DNSKEY record"), "%s", c.r.error);
		cr_expect_eq(c.r.dnssec, DNSSEC_BOGUS);
		check_free(&c);
	}
}

Test(caa_engine_lab, servfail_in_an_insecure_delegation_is_permission_when_allowed)
{
	struct caa_check_params p = params("refused-insecure.test");
	struct check c;

	open_resolver(0);
	p.allow_lookup_failure = true;
	run_check(&p, &c);
	/* Proven through the NSEC of the signed parent test. */
	expect_failure_permitted(&c,
	    "SERVFAIL (no server gave a usable answer) for refused-insecure.test. IN CAA",
	    "lookup failed at refused-insecure.test (servfail): refused-insecure.test is an "
	    "insecure delegation (validated denial of DS)");
	check_free(&c);
}

Test(caa_engine_lab, servfail_below_an_insecure_delegation_is_permission_when_allowed)
{
	struct caa_check_params p = params("x.refused-insecure.test");
	struct check c;

	open_resolver(0);
	p.allow_lookup_failure = true;
	run_check(&p, &c);
	expect_failure_permitted(&c,
	    "SERVFAIL (no server gave a usable answer) for x.refused-insecure.test. IN CAA",
	    "lookup failed at x.refused-insecure.test (servfail): refused-insecure.test is an "
	    "insecure delegation (validated denial of DS)");
	check_free(&c);
}

Test(caa_engine_lab, servfail_inside_an_unsigned_zone_is_permission_when_allowed)
{
	struct caa_check_params p = params("refused.insecure.test");
	struct check c;

	open_resolver(0);
	p.allow_lookup_failure = true;
	run_check(&p, &c);
	/* Proven by an insecure answer from insecure.test itself. */
	expect_failure_permitted(&c,
	    "SERVFAIL (no server gave a usable answer) for refused.insecure.test. IN CAA",
	    "lookup failed at refused.insecure.test (servfail): refused.insecure.test is in a "
	    "DNSSEC-insecure zone");
	check_free(&c);
}

Test(caa_engine_lab, servfail_under_an_nsec3_insecure_delegation_is_permission_when_allowed)
{
	struct caa_check_params p = params("unsigned-child.nsec3.test");
	struct check c;

	open_resolver(0);
	p.allow_lookup_failure = true;
	run_check(&p, &c);
	expect_failure_permitted(&c,
	    "SERVFAIL (no server gave a usable answer) for unsigned-child.nsec3.test. IN CAA",
	    "lookup failed at unsigned-child.nsec3.test (servfail): unsigned-child.nsec3.test "
	    "is an insecure delegation (validated denial of DS)");
	check_free(&c);
}

Test(caa_engine_lab, servfail_under_a_signed_delegation_is_never_permission)
{
	struct caa_check_params p = params("refused-secure.test");
	struct check c;

	open_resolver(0);
	p.allow_lookup_failure = true;
	run_check(&p, &c);
	expect_failed(&c, "SERVFAIL (no server gave a usable answer) for refused-secure.test. IN CAA",
	    "lookup failed at refused-secure.test (servfail): ");
	cr_expect_str_eq(c.r.reason, "lookup failed at refused-secure.test (servfail): "
	    "refused-secure.test has a signed delegation (DS)");
	check_free(&c);
}

Test(caa_engine_lab, lookup_failures_are_errors_when_not_allowed)
{
	static const char *const names[] = {
		"refused-insecure.test", "x.refused-insecure.test", "refused.insecure.test",
		"unsigned-child.nsec3.test", "refused-secure.test",
	};

	open_resolver(0);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct caa_check_params p = params(names[i]);
		struct check c;
		char error[256], reason[256];

		run_check(&p, &c);
		snprintf(error, sizeof(error),
		    "SERVFAIL (no server gave a usable answer) for %s. IN CAA", names[i]);
		snprintf(reason, sizeof(reason), "lookup failed at %s (servfail)", names[i]);
		expect_failed(&c, error, reason);
		/* No proof was attempted: the reason ends at the failure. */
		cr_expect_str_eq(c.r.reason, reason);
		cr_expect_str_eq(c.r.error, error);
		check_free(&c);
	}
}

Test(caa_engine_lab, timeout_is_permission_only_for_an_insecure_delegation)
{
	struct caa_check_params p = params("timeout.test");
	struct check c;
	char error[256];

	open_resolver(SHORT_TIMEOUT_MS);
	p.allow_lookup_failure = true;
	run_check(&p, &c);
	/* Two attempts time out; then test.'s NSEC proves timeout.test has no DS. */
	snprintf(error, sizeof(error), "no answer within %u ms for timeout.test. IN CAA",
	    SHORT_TIMEOUT_MS);
	expect_failure_permitted(&c, error,
	    "lookup failed at timeout.test (timeout): timeout.test is an insecure delegation "
	    "(validated denial of DS)");
	check_free(&c);
}

Test(caa_engine_lab, timeout_is_an_error_when_not_allowed)
{
	struct caa_check_params p = params("timeout.test");
	struct check c;
	char error[256];

	open_resolver(SHORT_TIMEOUT_MS);
	run_check(&p, &c);
	snprintf(error, sizeof(error), "no answer within %u ms for timeout.test. IN CAA",
	    SHORT_TIMEOUT_MS);
	expect_failed(&c, error, "lookup failed at timeout.test (timeout)");
	cr_expect_str_eq(c.r.reason, "lookup failed at timeout.test (timeout)");
	check_free(&c);
}

Test(caa_engine_lab, our_own_size_ceiling_is_never_permission)
{
	struct caa_check_params p = params("large.secure.test");
	struct check c;

	open_resolver(0);
	for (int allow = 0; allow <= 1; allow++) {
		p.allow_lookup_failure = allow == 1;
		run_check(&p, &c);
		expect_failed(&c, "answer with too many records for large.secure.test. IN CAA",
		    "lookup failed at large.secure.test (too big)");
		cr_expect_str_eq(c.r.reason, "lookup failed at large.secure.test (too big)");
		check_free(&c);
	}
}

Test(caa_engine_lab, cname_chain_over_the_cap_is_never_permission)
{
	struct caa_check_params p = params("chain1.secure.test");
	struct check c;

	open_resolver(0);
	run_check(&p, &c);
	expect_failed(&c, "CNAME chain longer than 8 for chain1.secure.test. IN CAA",
	    "lookup failed at chain1.secure.test (cname chain too long)");
	cr_expect_str_eq(c.r.reason, "lookup failed at chain1.secure.test (cname chain too long)");
	check_free(&c);

	/*
	 * Our own ceiling is not a failure outside our infrastructure
	 * (BR 3.2.2.8), so allowing lookup failures changes nothing: no
	 * retry, no DNSSEC proof.
	 */
	p.allow_lookup_failure = true;
	run_check(&p, &c);
	expect_failed(&c, "CNAME chain longer than 8 for chain1.secure.test. IN CAA",
	    "lookup failed at chain1.secure.test (cname chain too long)");
	cr_expect_str_eq(c.r.reason, "lookup failed at chain1.secure.test (cname chain too long)");
	check_free(&c);
}

Test(caa_engine_lab, cname_loop_is_never_a_decision)
{
	struct caa_check_params p = params("loop-a.secure.test");
	struct check c;

	open_resolver(0);
	for (int allow = 0; allow <= 1; allow++) {
		p.allow_lookup_failure = allow == 1;
		run_check(&p, &c);
		cr_expect_not(c.r.completed, "%s", c.r.reason);
		cr_expect_not(c.r.passed, "%s", c.r.reason);
		cr_expect(c.r.lookup_error);
		cr_expect_not(c.r.have_details);
		check_free(&c);
	}
}

/* --- starting and cancelling -------------------------------------------- */

Test(caa_engine_lab, impossible_names_do_not_start)
{
	char longname[NAME_BUF + 8];
	struct caa_check_params p = params("");
	struct check c;

	open_resolver(0);
	memset(&c, 0, sizeof(c));
	cr_expect_null(caa_check_start(res, &p, on_result, &c));
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	p.name = longname;
	cr_expect_null(caa_check_start(res, &p, on_result, &c));
	cr_expect_eq(resolver_inflight(res), 0);
	cr_expect_eq(c.calls, 0);
}

Test(caa_engine_lab, cancelled_check_never_calls_back)
{
	struct caa_check_params p = params("deep.sub.caa.secure.test");
	struct check cancelled, later;
	struct caa_check *cc;

	open_resolver(0);
	cc = start_check(&p, &cancelled);
	cr_expect_gt(resolver_inflight(res), 0);
	caa_check_cancel(cc);
	cr_expect_eq(resolver_inflight(res), 0);
	/* The same check again: it ends after the cancelled one would have. */
	run_check(&p, &later);
	expect_decision(&later, true, "caa.secure.test", DNSSEC_SECURE, NULL);
	cr_expect_eq(cancelled.calls, 0);
	check_free(&later);
}

Test(caa_engine_lab, check_cancelled_while_waiting_on_a_silent_server_never_calls_back)
{
	struct caa_check_params slow = params("timeout.test");
	struct caa_check_params fast = params("caa.secure.test");
	struct caa_check_params witness = params("timeout.test");
	struct check cancelled, f, w;
	struct caa_check *cc;

	open_resolver(SHORT_TIMEOUT_MS);
	slow.allow_lookup_failure = true;
	cc = start_check(&slow, &cancelled);
	/* Let the check's other level (test) answer while timeout.test hangs. */
	run_check(&fast, &f);
	cr_expect(f.r.passed);
	cr_expect_eq(cancelled.calls, 0);
	caa_check_cancel(cc);
	cr_expect_eq(resolver_inflight(res), 0);
	/* Past the cancelled check's first deadline and its retry's start. */
	run_check(&witness, &w);
	cr_expect_not(w.r.completed);
	cr_expect_eq(cancelled.calls, 0);
	check_free(&f);
	check_free(&w);
}

Test(caa_engine_lab, resolver_freed_after_a_check_finished_is_clean)
{
	struct caa_check_params p = params("sub.caa.secure.test");
	struct check c;

	open_resolver(0);
	run_check(&p, &c);
	/* Levels above the decision were cancelled with the check. */
	cr_expect_eq(resolver_inflight(res), 0);
	check_free(&c);
}

/* --- the insecurity proof alone ----------------------------------------- */

struct proof {
	int calls;
	bool done;
	bool insecure;
	char why[512];
};

static void
on_proof(void *arg, bool insecure, const char *why)
{
	struct proof *pr = arg;

	pr->calls++;
	pr->done = true;
	pr->insecure = insecure;
	snprintf(pr->why, sizeof(pr->why), "%s", why);
}

static void
prove(const char *name, bool insecure, const char *why)
{
	struct proof pr;

	memset(&pr, 0, sizeof(pr));
	cr_assert_not_null(dnssec_prove_insecure(res, name, on_proof, &pr));
	cr_assert_eq(pr.calls, 0, "%s: callback ran inside dnssec_prove_insecure", name);
	cr_assert(run_until(&pr.done), "no proof result for %s", name);
	cr_expect_eq(pr.calls, 1);
	cr_expect_eq(pr.insecure, insecure, "%s: insecure %d (%s)", name, pr.insecure, pr.why);
	cr_expect_str_eq(pr.why, why, "%s", name);
}

Test(caa_engine_lab, proof_of_insecure_zones)
{
	open_resolver(0);
	prove("insecure.test", true,
	    "insecure.test is an insecure delegation (validated denial of DS)");
	prove("caa.insecure.test", true, "caa.insecure.test is in a DNSSEC-insecure zone");
	prove("nonexistent.insecure.test", true,
	    "nonexistent.insecure.test is in a DNSSEC-insecure zone");
	prove("refused-insecure.test", true,
	    "refused-insecure.test is an insecure delegation (validated denial of DS)");
	prove("www.refused-insecure.test", true,
	    "refused-insecure.test is an insecure delegation (validated denial of DS)");
	prove("unsigned-child.nsec3.test", true,
	    "unsigned-child.nsec3.test is an insecure delegation (validated denial of DS)");
	prove("x.unsigned-child.nsec3.test", true,
	    "unsigned-child.nsec3.test is an insecure delegation (validated denial of DS)");
	prove("contact-email-caa.integration-testing.open-mpic.org", true,
	    "contact-email-caa.integration-testing.open-mpic.org is in a DNSSEC-insecure zone");
	prove("integration-testing.open-mpic.org", true,
	    "integration-testing.open-mpic.org is an insecure delegation (validated denial of DS)");
}

Test(caa_engine_lab, proof_fails_for_signed_zones)
{
	open_resolver(0);
	prove("test", false, "test has a signed delegation (DS)");
	prove("secure.test", false, "secure.test has a signed delegation (DS)");
	prove("caa.secure.test", false, "secure.test has a signed delegation (DS)");
	prove("nonexistent.secure.test", false, "secure.test has a signed delegation (DS)");
	prove("caa.nsec3.test", false, "nsec3.test has a signed delegation (DS)");
	prove("refused-secure.test", false, "refused-secure.test has a signed delegation (DS)");
	prove("www.refused-secure.test", false,
	    "refused-secure.test has a signed delegation (DS)");
	prove("bogus.test", false, "bogus.test has a signed delegation (DS)");
}

Test(caa_engine_lab, proof_fails_on_bogus_answers)
{
	open_resolver(0);
	prove("www.bogus.test", false, "DNSSEC validation failed at www.bogus.test");
	prove("www.stripped.test", false, "DNSSEC validation failed at www.stripped.test");
}

Test(caa_engine_lab, proof_for_a_silent_zone_asks_the_parent)
{
	open_resolver(SHORT_TIMEOUT_MS);
	/* DS is the parent's: test. answers at once. */
	prove("timeout.test", true,
	    "timeout.test is an insecure delegation (validated denial of DS)");
	/* www.timeout.test DS goes to the silent server and times out first. */
	prove("www.timeout.test", true,
	    "timeout.test is an insecure delegation (validated denial of DS)");
}

Test(caa_engine_lab, proof_cancelled_never_calls_back)
{
	struct proof pr;
	struct dnssec_proof *dp;

	open_resolver(0);
	memset(&pr, 0, sizeof(pr));
	dp = dnssec_prove_insecure(res, "caa.insecure.test", on_proof, &pr);
	cr_assert_not_null(dp);
	dnssec_proof_cancel(dp);
	cr_expect_eq(resolver_inflight(res), 0);
	/* The same proof again: it ends after the cancelled one would have. */
	prove("caa.insecure.test", true, "caa.insecure.test is in a DNSSEC-insecure zone");
	cr_expect_eq(pr.calls, 0);
}
