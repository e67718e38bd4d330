/*
 * fuzz_dns_answer.c: libFuzzer harness for dns_parse_answer()
 * (shared/resolver.c), which parses every answer packet libunbound hands
 * us: our section-count ceilings, then ldns_wire2pkt(), then our CNAME walk
 * and the copy of the records of the queried type.
 *
 * ldns 1.8.3 has known crash bugs on crafted packets (fixed in 1.9.2, which
 * Debian 12 does not ship); the ceilings in front of it are meant to keep
 * them away. A crash inside ldns here is therefore a finding too: it means
 * a packet our checks let through still reaches a bug.
 *
 * Input framing:
 *   byte 0   the question name: the low 7 bits pick one of names[], or
 *            with the top bit set the name is read from the packet's own
 *            question section (so mutated packets keep matching)
 *   byte 1   the question type: one of types[], or 0xff for the packet's
 *   rest     the DNS message, as libunbound would deliver it
 *
 * Checked afterwards: the outcome is within the enum, n_rrs <=
 * DNS_MAX_ANSWER_RRS, n_cnames <= DNS_MAX_CNAME, every rr is of the asked
 * type with rdata present when rdlen > 0 (and every byte of it readable),
 * min_ttl is the smallest TTL, texts are terminated, DS denial records only
 * for DS; then dns_answer_release() must leave nothing behind.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caa.h"
#include "resolver.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "fuzz_dns_answer: invariant failed: %s (%s:%d)\n", \
			    #cond, __FILE__, __LINE__);                        \
			abort();                                               \
		}                                                              \
	} while (0)

/* Names of the seed corpus (the lab's zones) and a few awkward ones. */
static const char *const names[] = {
	"caa.secure.test", "cname.secure.test", "secure.test", "loop-a.secure.test",
	"chain1.secure.test", "large.secure.test", "nonexistent.secure.test", "test",
	"deep.sub.caa.secure.test", "example.com", "a", "xn--bcher-kva.example",
	"caa.insecure.test", "www.bogus.test", "txt.secure.test", "nodata.secure.test",
};
#define N_NAMES (sizeof(names) / sizeof(names[0]))

static const uint16_t types[] = {
	DNS_TYPE_CAA, DNS_TYPE_CNAME, DNS_TYPE_TXT, DNS_TYPE_A, DNS_TYPE_DS,
	DNS_TYPE_AAAA, DNS_TYPE_NS, DNS_TYPE_SOA,
};
#define N_TYPES (sizeof(types) / sizeof(types[0]))

/*
 * The first question of @p pkt as text (LDH labels only, no compression,
 * no trailing dot) and its type. @return false if there is none we can use.
 */
static bool
packet_question(const uint8_t *pkt, size_t len, char *name, size_t namelen, uint16_t *qtype)
{
	size_t i = 12, o = 0;

	if (len < 12 || ((pkt[4] << 8) | pkt[5]) == 0)
		return false;
	for (;;) {
		size_t l;

		if (i >= len)
			return false;
		l = pkt[i++];
		if (l == 0)
			break;
		if (l > 63 || l > len - i || o + l + 1 >= namelen)
			return false;
		if (o > 0)
			name[o++] = '.';
		for (size_t k = 0; k < l; k++) {
			uint8_t c = pkt[i + k];

			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '-' || c == '_'))
				return false;
			name[o++] = (char)c;
		}
		i += l;
	}
	if (o == 0 || len - i < 4)
		return false;
	name[o] = '\0';
	*qtype = (uint16_t)((pkt[i] << 8) | pkt[i + 1]);
	return true;
}

static void
check_text(const char *s, size_t size)
{
	CHECK(memchr(s, '\0', size) != NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dns_answer *a;
	const uint8_t *pkt;
	uint8_t *copy;
	size_t len;
	uint16_t qtype = 0;
	unsigned sum = 0;

	if (size < 2)
		return 0;
	pkt = data + 2;
	len = size - 2;
	/* Heap-allocated like the daemon's (the struct is over 3 KB). */
	CHECK((a = calloc(1, sizeof(*a))) != NULL);
	a->rcode = -1;
	a->dnssec = DNSSEC_INDETERMINATE;
	if (!(data[0] & 0x80) || !packet_question(pkt, len, a->qname, sizeof(a->qname), &qtype)) {
		snprintf(a->qname, sizeof(a->qname), "%s", names[data[0] % N_NAMES]);
		qtype = 0;
	}
	a->qtype = data[1] == 0xff && qtype != 0 ? qtype : types[data[1] % N_TYPES];

	/* An exact-size copy, so ASan sees a read past the packet. */
	CHECK((copy = malloc(len > 0 ? len : 1)) != NULL);
	if (len > 0)
		memcpy(copy, pkt, len);
	dns_parse_answer(a, copy, len);

	CHECK((unsigned)a->outcome <= DNS_FAILED);
	CHECK(strcmp(dns_outcome_name(a->outcome), "unknown") != 0);
	CHECK(a->rcode >= -1 && a->rcode <= 15);
	CHECK(a->n_rrs <= DNS_MAX_ANSWER_RRS);
	CHECK(a->n_cnames <= DNS_MAX_CNAME);
	CHECK(a->n_denial <= DNS_MAX_DENIAL);
	check_text(a->qname, sizeof(a->qname));
	check_text(a->owner, sizeof(a->owner));
	check_text(a->detail, sizeof(a->detail));
	CHECK(a->detail[0] != '\0');
	/* The ceilings come before ldns: an oversized header never gets an rcode. */
	if (len >= 12 && (((copy[6] << 8) | copy[7]) > DNS_MAX_SECTION_RRS ||
	    ((copy[8] << 8) | copy[9]) > DNS_MAX_SECTION_RRS ||
	    ((copy[10] << 8) | copy[11]) > DNS_MAX_SECTION_RRS))
		CHECK(a->outcome == DNS_TOO_BIG && a->rcode == -1);
	if (len < 12)
		CHECK(a->outcome == DNS_BAD_ANSWER);
	for (size_t i = 0; i < a->n_cnames; i++) {
		size_t n = strnlen(a->cnames[i], sizeof(a->cnames[i]));

		CHECK(n > 0 && n < sizeof(a->cnames[i]) && a->cnames[i][n - 1] == '.');
	}
	/* Records only for a definite answer, and then exactly the asked type. */
	CHECK(a->n_rrs == 0 || dns_outcome_definite(a->outcome));
	CHECK((a->n_rrs == 0) == (a->rrs == NULL));
	if (a->outcome == DNS_OK)
		CHECK(a->n_rrs > 0 && a->rcode == 0);
	if (a->outcome == DNS_NODATA)
		CHECK(a->n_rrs == 0 && a->rcode == 0);
	for (size_t i = 0; i < a->n_rrs; i++) {
		const struct dns_rr *rr = &a->rrs[i];

		CHECK(rr->type == a->qtype);
		CHECK(rr->rdlen == 0 || rr->rdata != NULL);
		CHECK(rr->ttl >= a->min_ttl);
		/* Touch every byte: ASan checks the copy is as long as it says. */
		for (size_t k = 0; k < rr->rdlen; k++)
			sum += rr->rdata[k];
		if (a->qtype == DNS_TYPE_CAA) {
			struct caa_record rec;
			char text[CAA_MAX_RECORD_TEXT];

			(void)caa_record_parse(rr->rdata, rr->rdlen, &rec);
			(void)caa_record_text(rr->rdata, rr->rdlen, text, sizeof(text));
		}
	}
	if (a->n_rrs > 0) {
		bool seen_min = false;

		for (size_t i = 0; i < a->n_rrs; i++)
			seen_min = seen_min || a->rrs[i].ttl == a->min_ttl;
		CHECK(seen_min);
	}
	CHECK(a->n_denial == 0 || (a->qtype == DNS_TYPE_DS && a->n_rrs == 0));
	/* Not "denial != NULL implies n_denial > 0": copy_denial() sizes the
	 * array first and may then skip an NSEC(3) whose owner text is too
	 * long, leaving an allocated array with no entries (harmless: it is
	 * freed by dns_answer_release()). */
	CHECK(a->n_denial == 0 || a->denial != NULL);
	for (size_t i = 0; i < a->n_denial; i++) {
		const struct dns_denial *d = &a->denial[i];

		CHECK(d->type == DNS_TYPE_NSEC || d->type == DNS_TYPE_NSEC3);
		CHECK(d->rdlen == 0 || d->rdata != NULL);
		check_text(d->owner, sizeof(d->owner));
		for (size_t k = 0; k < d->rdlen; k++)
			sum += d->rdata[k];
	}
	/* Keep the sum alive so the reads are not optimised away. */
	__asm__ volatile("" : : "r"(sum));

	dns_answer_release(a);
	CHECK(a->rrs == NULL && a->n_rrs == 0 && a->denial == NULL && a->n_denial == 0);
	dns_answer_release(a); /* harmless twice */
	free(copy);
	free(a);
	return 0;
}
