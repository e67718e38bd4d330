/*
 * dnssec_proof.c: the walk that proves a name DNSSEC-insecure (see the
 * header for the rules and why they are what BR 3.2.2.8 asks).
 */
#include "dnssec_proof.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

struct dnssec_proof {
	struct resolver *r;
	struct resolver_query *q;
	char name[NAME_BUF];  /* the name whose zone we are proving */
	const char *cur;      /* the level being asked, points into name */
	dnssec_proof_cb cb;
	void *arg;
};

bool
dnssec_bitmap_has(const uint8_t *b, size_t len, uint16_t type)
{
	unsigned window = type >> 8, bit = type & 0xff;
	size_t i = 0;

	/* RFC 4034 4.1.2: blocks of (window, length 1..32, bitmap). */
	while (i + 2 <= len) {
		unsigned w = b[i], blen = b[i + 1];

		if (blen == 0 || blen > 32 || i + 2 + blen > len)
			return false;
		if (w == window)
			return bit / 8 < blen && (b[i + 2 + bit / 8] & (0x80 >> (bit % 8))) != 0;
		i += 2 + blen;
	}
	return false;
}

/* Length of an uncompressed wire name at the start of @p p, or 0. */
static size_t
wire_name_len(const uint8_t *p, size_t len)
{
	size_t i = 0;

	while (i < len) {
		if (p[i] == 0)
			return i + 1;
		if (p[i] > 63)
			return 0;
		i += 1 + (size_t)p[i];
	}
	return 0;
}

/* Lower-case wire form of a text name (no trailing dot); length or 0. */
static size_t
name_to_wire(const char *name, uint8_t *out, size_t outlen)
{
	size_t o = 0, len = strlen(name), start = 0;

	for (size_t i = 0; i <= len; i++) {
		if (i < len && name[i] != '.')
			continue;
		size_t ll = i - start;

		if (ll == 0 || ll > 63 || o + 1 + ll + 1 > outlen)
			return 0;
		out[o++] = (uint8_t)ll;
		for (size_t k = 0; k < ll; k++)
			out[o++] = (uint8_t)tolower((unsigned char)name[start + k]);
		start = i + 1;
	}
	out[o++] = 0;
	return o;
}

int
dnssec_nsec3_hash(const char *name, uint8_t alg, uint16_t iterations,
    const uint8_t *salt, size_t salt_len, char out[33])
{
	static const char b32hex[] = "0123456789abcdefghijklmnopqrstuv";
	uint8_t wire[256], md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	size_t wlen;
	EVP_MD_CTX *ctx;
	int rc = -1;

	/* RFC 5155 only defines SHA-1; RFC 9276 caps iterations in practice. */
	if (alg != 1 || (wlen = name_to_wire(name, wire, sizeof(wire))) == 0)
		return -1;
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return -1;
	for (unsigned i = 0; i <= iterations; i++) {
		if (EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) != 1 ||
		    EVP_DigestUpdate(ctx, i == 0 ? wire : md, i == 0 ? wlen : mdlen) != 1 ||
		    (salt_len > 0 && EVP_DigestUpdate(ctx, salt, salt_len) != 1) ||
		    EVP_DigestFinal_ex(ctx, md, &mdlen) != 1)
			goto out;
	}
	if (mdlen != 20)
		goto out;
	/* base32hex (RFC 4648 7), 160 bits give exactly 32 characters. */
	for (size_t i = 0; i < 32; i++) {
		size_t bitpos = i * 5, byte = bitpos / 8, shift = bitpos % 8;
		unsigned v = (unsigned)md[byte] << 8 | (byte + 1 < 20 ? md[byte + 1] : 0);

		out[i] = b32hex[(v >> (11 - shift)) & 0x1f];
	}
	out[32] = '\0';
	rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	return rc;
}

static bool
shows_cut(const uint8_t *bitmap, size_t len)
{
	/* A delegation point: NS present, no SOA (not an apex), no DS. */
	return dnssec_bitmap_has(bitmap, len, DNS_TYPE_NS) &&
	    !dnssec_bitmap_has(bitmap, len, DNS_TYPE_SOA) &&
	    !dnssec_bitmap_has(bitmap, len, DNS_TYPE_DS);
}

/* Hash label of an NSEC3 owner (its first label); false if malformed. */
static bool
owner_hash(const char *owner, char out[33])
{
	const char *dot = strchr(owner, '.');
	size_t len = dot != NULL ? (size_t)(dot - owner) : strlen(owner);

	if (len != 32)
		return false;
	memcpy(out, owner, 32);
	out[32] = '\0';
	return true;
}

/* Next hashed owner of an NSEC3 rdata, as base32hex; false if malformed. */
static bool
nsec3_fields(const struct dns_denial *d, uint8_t *alg, uint8_t *flags, uint16_t *iter,
    const uint8_t **salt, size_t *salt_len, char next[33], const uint8_t **bitmap,
    size_t *bitmap_len)
{
	static const char b32hex[] = "0123456789abcdefghijklmnopqrstuv";
	const uint8_t *p = d->rdata;
	size_t len = d->rdlen, i, hlen;

	if (len < 5)
		return false;
	*alg = p[0];
	*flags = p[1];
	*iter = (uint16_t)(p[2] << 8 | p[3]);
	*salt_len = p[4];
	i = 5;
	if (i + *salt_len + 1 > len)
		return false;
	*salt = p + i;
	i += *salt_len;
	hlen = p[i++];
	if (hlen != 20 || i + hlen > len)
		return false;
	for (size_t k = 0; k < 32; k++) {
		size_t bitpos = k * 5, byte = bitpos / 8, shift = bitpos % 8;
		unsigned v = (unsigned)p[i + byte] << 8 | (byte + 1 < 20 ? p[i + byte + 1] : 0);

		next[k] = b32hex[(v >> (11 - shift)) & 0x1f];
	}
	next[32] = '\0';
	i += hlen;
	*bitmap = p + i;
	*bitmap_len = len - i;
	return true;
}

/* Does the circular interval (owner, next) contain h? */
static bool
covers(const char *owner, const char *next, const char *h)
{
	int on = strcmp(owner, next);

	if (on < 0)
		return strcmp(owner, h) < 0 && strcmp(h, next) < 0;
	/* The last NSEC3 of the chain wraps around to the first. */
	return strcmp(owner, h) < 0 || strcmp(h, next) < 0;
}

bool
dnssec_denial_shows_insecure_cut(const struct dns_answer *a, const char *name)
{
	for (size_t i = 0; i < a->n_denial; i++) {
		const struct dns_denial *d = &a->denial[i];

		if (d->type == DNS_TYPE_NSEC) {
			size_t nl = wire_name_len(d->rdata, d->rdlen);

			if (nl == 0 || strcasecmp(d->owner, name) != 0)
				continue;
			if (shows_cut(d->rdata + nl, d->rdlen - nl))
				return true;
		} else if (d->type == DNS_TYPE_NSEC3) {
			uint8_t alg, flags;
			uint16_t iter;
			const uint8_t *salt, *bitmap;
			size_t salt_len, bitmap_len;
			char next[33], own[33], h[33];

			if (!nsec3_fields(d, &alg, &flags, &iter, &salt, &salt_len, next, &bitmap,
			    &bitmap_len) || !owner_hash(d->owner, own) ||
			    dnssec_nsec3_hash(name, alg, iter, salt, salt_len, h) == -1)
				continue;
			if (strcmp(own, h) == 0 && shows_cut(bitmap, bitmap_len))
				return true;
			/* RFC 5155 6: an opt-out span may hide insecure delegations. */
			if ((flags & 0x01) && covers(own, next, h))
				return true;
		}
	}
	return false;
}

static void step(struct dnssec_proof *p);

static void
finish(struct dnssec_proof *p, bool insecure, const char *why)
{
	dnssec_proof_cb cb = p->cb;
	void *arg = p->arg;

	free(p);
	cb(arg, insecure, why);
}

static void
on_ds(void *arg, const struct dns_answer *a)
{
	struct dnssec_proof *p = arg;
	char why[NAME_BUF + 96];
	const char *parent;

	p->q = NULL;
	if (dns_outcome_definite(a->outcome) && a->dnssec == DNSSEC_INSECURE) {
		snprintf(why, sizeof(why), "%s is in a DNSSEC-insecure zone", p->cur);
		finish(p, true, why);
		return;
	}
	if (a->dnssec == DNSSEC_SECURE && a->outcome == DNS_OK) {
		snprintf(why, sizeof(why), "%s has a signed delegation (DS)", p->cur);
		finish(p, false, why);
		return;
	}
	if (a->dnssec == DNSSEC_SECURE &&
	    (a->outcome == DNS_NODATA || a->outcome == DNS_NXDOMAIN) &&
	    dnssec_denial_shows_insecure_cut(a, p->cur)) {
		snprintf(why, sizeof(why), "%s is an insecure delegation (validated denial of DS)",
		    p->cur);
		finish(p, true, why);
		return;
	}
	if (a->outcome == DNS_BOGUS) {
		snprintf(why, sizeof(why), "DNSSEC validation failed at %s", p->cur);
		finish(p, false, why);
		return;
	}
	if ((parent = name_parent(p->cur)) == NULL) {
		finish(p, false, "no validated proof of an insecure delegation");
		return;
	}
	p->cur = parent;
	step(p);
}

static void
step(struct dnssec_proof *p)
{
	if ((p->q = resolver_lookup(p->r, p->cur, DNS_TYPE_DS, on_ds, p)) == NULL) {
		/* Cannot even ask: no proof. Deliver from here; callers expect
		 * the callback later, and resolver_lookup() failing is rare, so
		 * this path only runs after at least one asynchronous answer. */
		finish(p, false, "cannot start a DS lookup");
	}
}

struct dnssec_proof *
dnssec_prove_insecure(struct resolver *r, const char *name, dnssec_proof_cb cb, void *arg)
{
	struct dnssec_proof *p;
	size_t len = strlen(name);

	if (len == 0 || len >= NAME_BUF || (p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->r = r;
	p->cb = cb;
	p->arg = arg;
	memcpy(p->name, name, len + 1);
	p->cur = p->name;
	if ((p->q = resolver_lookup(r, p->cur, DNS_TYPE_DS, on_ds, p)) == NULL) {
		free(p);
		return NULL;
	}
	return p;
}

void
dnssec_proof_cancel(struct dnssec_proof *p)
{
	if (p == NULL)
		return;
	resolver_cancel(p->q);
	free(p);
}
