/*
 * test_dns_answer.c: the answer-packet parser behind every lookup
 * (dns_parse_answer), on packets built here: CNAME chains, ceilings, and
 * the record kinds kept away from ldns.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resolver.h"

struct pkt {
	uint8_t b[70000];
	size_t len;
};

static void
put8(struct pkt *p, uint8_t v)
{
	cr_assert_lt(p->len, sizeof(p->b));
	p->b[p->len++] = v;
}

static void
put16(struct pkt *p, uint16_t v)
{
	put8(p, (uint8_t)(v >> 8));
	put8(p, (uint8_t)v);
}

static void
put_name(struct pkt *p, const char *name)
{
	const char *s = name;

	while (*s != '\0') {
		const char *dot = strchr(s, '.');
		size_t n = dot != NULL ? (size_t)(dot - s) : strlen(s);

		put8(p, (uint8_t)n);
		for (size_t i = 0; i < n; i++)
			put8(p, (uint8_t)s[i]);
		s += n + (dot != NULL);
	}
	put8(p, 0);
}

/* Header and question; @p an, @p ns, @p ar are the counts written. */
static void
begin(struct pkt *p, const char *qname, uint16_t qtype, int rcode, uint16_t an, uint16_t ns,
    uint16_t ar)
{
	p->len = 0;
	put16(p, 0);                            /* id */
	put16(p, (uint16_t)(0x8180 | rcode));   /* QR RD RA */
	put16(p, 1);
	put16(p, an);
	put16(p, ns);
	put16(p, ar);
	put_name(p, qname);
	put16(p, qtype);
	put16(p, 1);
}

static void
rr(struct pkt *p, const char *owner, uint16_t type, const uint8_t *rdata, uint16_t rdlen)
{
	put_name(p, owner);
	put16(p, type);
	put16(p, 1);
	put16(p, 0);
	put16(p, 300);
	put16(p, rdlen);
	for (size_t i = 0; i < rdlen; i++)
		put8(p, rdata[i]);
}

static void
cname(struct pkt *p, const char *owner, const char *target)
{
	struct pkt t = { .len = 0 };

	put_name(&t, target);
	rr(p, owner, DNS_TYPE_CNAME, t.b, (uint16_t)t.len);
}

static void
caa(struct pkt *p, const char *owner, const char *value)
{
	uint8_t rd[300] = { 0, 5, 'i', 's', 's', 'u', 'e' };
	size_t vl = strlen(value);

	memcpy(rd + 7, value, vl);
	rr(p, owner, DNS_TYPE_CAA, rd, (uint16_t)(7 + vl));
}

static void
parse(struct dns_answer *a, const char *qname, uint16_t qtype, const struct pkt *p)
{
	memset(a, 0, sizeof(*a));
	a->rcode = -1;
	a->qtype = qtype;
	snprintf(a->qname, sizeof(a->qname), "%s", qname);
	dns_parse_answer(a, p->b, p->len);
}

static struct pkt p;

Test(dns_answer, records_at_the_name_are_returned)
{
	struct dns_answer a;

	begin(&p, "caa.example", DNS_TYPE_CAA, 0, 2, 0, 0);
	caa(&p, "caa.example", "ca.example.net");
	caa(&p, "CAA.Example", "other.example");
	parse(&a, "caa.example", DNS_TYPE_CAA, &p);
	cr_assert_eq(a.outcome, DNS_OK, "%s", a.detail);
	cr_assert_eq(a.n_rrs, 2);
	cr_assert_str_eq(a.owner, "caa.example");
	cr_assert_eq(a.min_ttl, 300);
	cr_assert_eq(a.rrs[0].rdlen, 7 + strlen("ca.example.net"));
	dns_answer_release(&a);
}

Test(dns_answer, cname_chain_is_followed_and_recorded)
{
	struct dns_answer a;

	begin(&p, "a.example", DNS_TYPE_CAA, 0, 3, 0, 0);
	cname(&p, "a.example", "b.example");
	cname(&p, "b.example", "c.example");
	caa(&p, "c.example", "ca.example.net");
	parse(&a, "a.example", DNS_TYPE_CAA, &p);
	cr_assert_eq(a.outcome, DNS_OK, "%s", a.detail);
	cr_assert_eq(a.n_cnames, 2);
	cr_assert_str_eq(a.cnames[0], "b.example.");
	cr_assert_str_eq(a.cnames[1], "c.example.");
	cr_assert_str_eq(a.owner, "c.example");
	dns_answer_release(&a);
}

Test(dns_answer, records_not_at_the_chain_end_are_ignored)
{
	struct dns_answer a;

	/* A record for another name must not count as the answer. */
	begin(&p, "a.example", DNS_TYPE_CAA, 0, 2, 0, 0);
	cname(&p, "a.example", "b.example");
	caa(&p, "evil.example", "attacker.example");
	parse(&a, "a.example", DNS_TYPE_CAA, &p);
	cr_assert_eq(a.outcome, DNS_NODATA, "%s", a.detail);
	cr_assert_eq(a.n_rrs, 0);
	dns_answer_release(&a);
}

Test(dns_answer, cname_loop_is_detected)
{
	struct dns_answer a;

	begin(&p, "a.example", DNS_TYPE_CAA, 0, 2, 0, 0);
	cname(&p, "a.example", "b.example");
	cname(&p, "b.example", "a.example");
	parse(&a, "a.example", DNS_TYPE_CAA, &p);
	cr_assert_eq(a.outcome, DNS_CNAME_LOOP);
	dns_answer_release(&a);
}

Test(dns_answer, cname_chain_over_the_ceiling_is_refused)
{
	struct dns_answer a;
	char from[32], to[32];

	begin(&p, "c0.example", DNS_TYPE_CAA, 0, DNS_MAX_CNAME + 2, 0, 0);
	for (int i = 0; i <= DNS_MAX_CNAME; i++) {
		snprintf(from, sizeof(from), "c%d.example", i);
		snprintf(to, sizeof(to), "c%d.example", i + 1);
		cname(&p, from, to);
	}
	caa(&p, to, "ca.example.net");
	parse(&a, "c0.example", DNS_TYPE_CAA, &p);
	cr_assert_eq(a.outcome, DNS_CNAME_TOO_LONG);
	dns_answer_release(&a);
}

Test(dns_answer, nxdomain_and_nodata_are_told_apart)
{
	struct dns_answer a;

	begin(&p, "gone.example", DNS_TYPE_CAA, 3, 0, 0, 0);
	parse(&a, "gone.example", DNS_TYPE_CAA, &p);
	cr_assert_eq(a.outcome, DNS_NXDOMAIN);
	cr_assert_eq(a.rcode, 3);
	begin(&p, "here.example", DNS_TYPE_CAA, 0, 0, 0, 0);
	parse(&a, "here.example", DNS_TYPE_CAA, &p);
	cr_assert_eq(a.outcome, DNS_NODATA);
	begin(&p, "x.example", DNS_TYPE_CAA, 5, 0, 0, 0);
	parse(&a, "x.example", DNS_TYPE_CAA, &p);
	cr_assert_eq(a.outcome, DNS_REFUSED);
}

Test(dns_answer, more_records_than_the_ceiling_are_refused)
{
	struct dns_answer a;

	begin(&p, "big.example", DNS_TYPE_CAA, 0, DNS_MAX_ANSWER_RRS + 1, 0, 0);
	for (int i = 0; i <= DNS_MAX_ANSWER_RRS; i++)
		caa(&p, "big.example", "ca.example.net");
	parse(&a, "big.example", DNS_TYPE_CAA, &p);
	cr_assert_eq(a.outcome, DNS_TOO_BIG);
	cr_assert_eq(a.n_rrs, 0);
	cr_assert_null(a.rrs);
}

Test(dns_answer, section_counts_over_the_ceiling_are_refused_before_parsing)
{
	struct dns_answer a;

	/* The header claims more records than we ever parse; no records follow. */
	begin(&p, "x.example", DNS_TYPE_CAA, 0, DNS_MAX_SECTION_RRS + 1, 0, 0);
	parse(&a, "x.example", DNS_TYPE_CAA, &p);
	cr_assert_eq(a.outcome, DNS_TOO_BIG);
}

Test(dns_answer, truncated_and_short_packets_are_bad_answers)
{
	struct dns_answer a;

	begin(&p, "x.example", DNS_TYPE_CAA, 0, 1, 0, 0);
	caa(&p, "x.example", "ca.example.net");
	p.len -= 3;
	parse(&a, "x.example", DNS_TYPE_CAA, &p);
	cr_assert_eq(a.outcome, DNS_BAD_ANSWER);
	p.len = 5;
	parse(&a, "x.example", DNS_TYPE_CAA, &p);
	cr_assert_eq(a.outcome, DNS_BAD_ANSWER);
}

Test(dns_answer, tsig_and_tkey_records_never_reach_ldns)
{
	static const uint8_t rd[17] = { 0 };
	struct dns_answer a;

	/* ldns 1.8.3 leaks memory on TSIG records (NLnetLabs/ldns#317). */
	begin(&p, "x.example", DNS_TYPE_CAA, 0, 0, 0, 3);
	rr(&p, "x.example", 250, rd, sizeof(rd));
	rr(&p, "x.example", 250, rd, sizeof(rd));
	rr(&p, "x.example", 249, rd, sizeof(rd));
	parse(&a, "x.example", DNS_TYPE_CAA, &p);
	cr_assert_eq(a.outcome, DNS_BAD_ANSWER);
	cr_assert(strstr(a.detail, "TSIG") != NULL, "%s", a.detail);
}

Test(dns_answer, txt_record_of_many_strings_never_reaches_ldns)
{
	static uint8_t rd[65000];
	struct dns_answer a;

	/* 65,000 empty strings cost ldns 1.8.3 hundreds of MB (ldns#294). */
	begin(&p, "x.example", DNS_TYPE_TXT, 0, 1, 0, 0);
	rr(&p, "x.example", DNS_TYPE_TXT, rd, sizeof(rd));
	parse(&a, "x.example", DNS_TYPE_TXT, &p);
	cr_assert_eq(a.outcome, DNS_BAD_ANSWER);
	cr_assert(strstr(a.detail, "128 strings") != NULL, "%s", a.detail);
}

Test(dns_answer, txt_record_of_a_few_strings_is_fine)
{
	static const uint8_t rd[] = { 3, 'a', 'b', 'c', 2, 'd', 'e' };
	struct dns_answer a;

	begin(&p, "x.example", DNS_TYPE_TXT, 0, 1, 0, 0);
	rr(&p, "x.example", DNS_TYPE_TXT, rd, sizeof(rd));
	parse(&a, "x.example", DNS_TYPE_TXT, &p);
	cr_assert_eq(a.outcome, DNS_OK, "%s", a.detail);
	cr_assert_eq(a.n_rrs, 1);
	cr_assert_eq(a.rrs[0].rdlen, sizeof(rd));
	cr_assert(memcmp(a.rrs[0].rdata, rd, sizeof(rd)) == 0);
	dns_answer_release(&a);
}

Test(dns_answer, compression_pointers_are_followed)
{
	struct dns_answer a;
	uint8_t rd[] = { 0, 5, 'i', 's', 's', 'u', 'e', 'c', 'a' };

	begin(&p, "caa.example", DNS_TYPE_CAA, 0, 1, 0, 0);
	/* Owner: a pointer to the question name at offset 12. */
	put16(&p, 0xc00c);
	put16(&p, DNS_TYPE_CAA);
	put16(&p, 1);
	put16(&p, 0);
	put16(&p, 60);
	put16(&p, sizeof(rd));
	for (size_t i = 0; i < sizeof(rd); i++)
		put8(&p, rd[i]);
	parse(&a, "caa.example", DNS_TYPE_CAA, &p);
	cr_assert_eq(a.outcome, DNS_OK, "%s", a.detail);
	cr_assert_eq(a.n_rrs, 1);
	dns_answer_release(&a);
}
