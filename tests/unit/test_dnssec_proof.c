/*
 * test_dnssec_proof.c: the pure parts of the insecure-zone proof: type
 * bitmaps, NSEC3 hashing (RFC 5155 appendix A vectors) and the reading of
 * validated denials.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "dnssec_proof.h"

Test(dnssec_proof, nsec3_hash_matches_rfc5155_vectors)
{
	static const uint8_t salt[] = { 0xaa, 0xbb, 0xcc, 0xdd };
	static const struct {
		const char *name, *hash;
	} v[] = {
		{ "example", "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom" },
		{ "a.example", "35mthgpgcu1qg68fab165klnsnk3dpvl" },
		{ "ai.example", "gjeqe526plbf1g8mklp59enfd789njgi" },
		{ "ns1.example", "2t7b4g4vsa5smi47k61mv5bv1a22bojr" },
		{ "w.example", "k8udemvp1j2f7eg6jebps17vp3n8i58h" },
	};
	char out[33];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		cr_assert_eq(dnssec_nsec3_hash(v[i].name, 1, 12, salt, sizeof(salt), out), 0);
		cr_expect_str_eq(out, v[i].hash, "%s", v[i].name);
	}
}

Test(dnssec_proof, nsec3_hash_ignores_case_and_rejects_unknown_algorithms)
{
	static const uint8_t salt[] = { 0xaa, 0xbb, 0xcc, 0xdd };
	char out[33];

	cr_assert_eq(dnssec_nsec3_hash("EXAMPLE", 1, 12, salt, sizeof(salt), out), 0);
	cr_assert_str_eq(out, "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom");
	cr_assert_eq(dnssec_nsec3_hash("example", 2, 12, salt, sizeof(salt), out), -1);
	cr_assert_eq(dnssec_nsec3_hash("a..example", 1, 0, NULL, 0, out), -1);
}

Test(dnssec_proof, bitmap_lookup)
{
	/* Window 0: NS (2), RRSIG (46), NSEC (47); window 1: CAA (257). */
	static const uint8_t b[] = { 0x00, 0x06, 0x20, 0, 0, 0, 0, 0x03, 0x01, 0x01, 0x40 };

	cr_assert(dnssec_bitmap_has(b, sizeof(b), 2));
	cr_assert(dnssec_bitmap_has(b, sizeof(b), 46));
	cr_assert(dnssec_bitmap_has(b, sizeof(b), 47));
	cr_assert(dnssec_bitmap_has(b, sizeof(b), 257));
	cr_assert_not(dnssec_bitmap_has(b, sizeof(b), 43));
	cr_assert_not(dnssec_bitmap_has(b, sizeof(b), 6));
	cr_assert_not(dnssec_bitmap_has(b, sizeof(b), 258));
	cr_assert_not(dnssec_bitmap_has(b, sizeof(b), 1000));
}

Test(dnssec_proof, malformed_bitmap_has_nothing)
{
	static const uint8_t zero_len[] = { 0x00, 0x00 };
	static const uint8_t overrun[] = { 0x00, 0x05, 0x20 };

	cr_assert_not(dnssec_bitmap_has(zero_len, sizeof(zero_len), 2));
	cr_assert_not(dnssec_bitmap_has(overrun, sizeof(overrun), 2));
	cr_assert_not(dnssec_bitmap_has(NULL, 0, 2));
}

/* An answer holding one NSEC at @p owner with the given bitmap. */
static void
nsec_answer(struct dns_answer *a, struct dns_denial *d, uint8_t *rd, const char *owner,
    const uint8_t *bitmap, size_t blen)
{
	static const uint8_t next[] = { 4, 'n', 'e', 'x', 't', 4, 't', 'e', 's', 't', 0 };

	memset(a, 0, sizeof(*a));
	memset(d, 0, sizeof(*d));
	memcpy(rd, next, sizeof(next));
	memcpy(rd + sizeof(next), bitmap, blen);
	d->type = DNS_TYPE_NSEC;
	snprintf(d->owner, sizeof(d->owner), "%s", owner);
	d->rdata = rd;
	d->rdlen = (uint16_t)(sizeof(next) + blen);
	a->denial = d;
	a->n_denial = 1;
}

Test(dnssec_proof, nsec_with_ns_and_no_ds_is_an_insecure_cut)
{
	static const uint8_t ns_only[] = { 0x00, 0x06, 0x20, 0, 0, 0, 0, 0x03 };
	struct dns_answer a;
	struct dns_denial d;
	uint8_t rd[64];

	nsec_answer(&a, &d, rd, "child.test", ns_only, sizeof(ns_only));
	cr_assert(dnssec_denial_shows_insecure_cut(&a, "child.test"));
	cr_assert(dnssec_denial_shows_insecure_cut(&a, "CHILD.test"));
	/* The NSEC must be at the name itself. */
	cr_assert_not(dnssec_denial_shows_insecure_cut(&a, "other.test"));
}

Test(dnssec_proof, nsec_with_ds_or_soa_or_no_ns_is_not_an_insecure_cut)
{
	static const uint8_t ns_ds[] = { 0x00, 0x06, 0x20, 0, 0, 0, 0, 0x13 };
	static const uint8_t ns_soa[] = { 0x00, 0x06, 0x22, 0, 0, 0, 0, 0x03 };
	static const uint8_t a_only[] = { 0x00, 0x06, 0x40, 0, 0, 0, 0, 0x03 };
	struct dns_answer a;
	struct dns_denial d;
	uint8_t rd[64];

	nsec_answer(&a, &d, rd, "child.test", ns_ds, sizeof(ns_ds));
	cr_assert_not(dnssec_denial_shows_insecure_cut(&a, "child.test"));
	nsec_answer(&a, &d, rd, "child.test", ns_soa, sizeof(ns_soa));
	cr_assert_not(dnssec_denial_shows_insecure_cut(&a, "child.test"));
	nsec_answer(&a, &d, rd, "child.test", a_only, sizeof(a_only));
	cr_assert_not(dnssec_denial_shows_insecure_cut(&a, "child.test"));
}

/* An answer holding one NSEC3 record (salt aabbccdd, 12 iterations). */
static void
nsec3_answer(struct dns_answer *a, struct dns_denial *d, uint8_t *rd, const char *owner,
    uint8_t flags, const uint8_t next_hash[20], const uint8_t *bitmap, size_t blen)
{
	size_t i = 0;

	memset(a, 0, sizeof(*a));
	memset(d, 0, sizeof(*d));
	rd[i++] = 1;
	rd[i++] = flags;
	rd[i++] = 0;
	rd[i++] = 12;
	rd[i++] = 4;
	rd[i++] = 0xaa;
	rd[i++] = 0xbb;
	rd[i++] = 0xcc;
	rd[i++] = 0xdd;
	rd[i++] = 20;
	memcpy(rd + i, next_hash, 20);
	i += 20;
	memcpy(rd + i, bitmap, blen);
	i += blen;
	d->type = DNS_TYPE_NSEC3;
	snprintf(d->owner, sizeof(d->owner), "%s", owner);
	d->rdata = rd;
	d->rdlen = (uint16_t)i;
	a->denial = d;
	a->n_denial = 1;
}

Test(dnssec_proof, nsec3_matching_the_name_with_ns_only_is_an_insecure_cut)
{
	static const uint8_t ns_only[] = { 0x00, 0x01, 0x20 };
	static const uint8_t next[20] = { 0xff };
	struct dns_answer a;
	struct dns_denial d;
	uint8_t rd[128];

	/* H(a.example) = 35mthgpgcu1qg68fab165klnsnk3dpvl */
	nsec3_answer(&a, &d, rd, "35mthgpgcu1qg68fab165klnsnk3dpvl.example", 0, next, ns_only,
	    sizeof(ns_only));
	cr_assert(dnssec_denial_shows_insecure_cut(&a, "a.example"));
	cr_assert_not(dnssec_denial_shows_insecure_cut(&a, "w.example"));
}

Test(dnssec_proof, nsec3_opt_out_span_covering_the_name_is_insecure)
{
	static const uint8_t a_only[] = { 0x00, 0x01, 0x40 };
	/* Owner 2t7b... (ns1.example), next k8ud... (w.example, decoded from
	 * base32hex): the span covers 35mt... (a.example). */
	static const uint8_t next_w[20] = { 0xa2, 0x3c, 0xd7, 0x5b, 0xf9, 0x0c, 0xc4, 0xf3,
		0xba, 0x06, 0x9b, 0x97, 0x9e, 0x04, 0xff, 0xc8, 0xee, 0x89, 0x15, 0x11 };
	struct dns_answer a;
	struct dns_denial d;
	uint8_t rd[128];

	nsec3_answer(&a, &d, rd, "2t7b4g4vsa5smi47k61mv5bv1a22bojr.example", 1, next_w, a_only,
	    sizeof(a_only));
	cr_assert(dnssec_denial_shows_insecure_cut(&a, "a.example"));
	/* Without the opt-out flag the span proves nothing about a cut. */
	nsec3_answer(&a, &d, rd, "2t7b4g4vsa5smi47k61mv5bv1a22bojr.example", 0, next_w, a_only,
	    sizeof(a_only));
	cr_assert_not(dnssec_denial_shows_insecure_cut(&a, "a.example"));
}
