/*
 * fuzz_caa_value.c: libFuzzer harness for the CAA record and value parsers
 * and the CAA decision (shared/caa_value.c, shared/caa.c).
 *
 * Input framing (our own, simple on purpose):
 *
 *   byte 0        policy selector (see make_policy())
 *   then records  each a length byte L followed by L bytes of CAA rdata
 *                 (fewer if the input ends first), at most MAX_RECORDS
 *
 * Every record is copied into a heap buffer of exactly its size, so ASan
 * sees any read past it. For each record: caa_record_parse(),
 * caa_record_text() (printable ASCII only, never past the buffer it is
 * given, and decodable back to the rdata), caa_value_parse() on the value
 * (everything it returns points inside the value and follows RFC 8659's
 * grammar; re-parsing its canonical form gives the same result). Then
 * caa_evaluate() on the whole set, checked for properties that hold for
 * any records: an empty set permits, order does not matter, a critical
 * record we cannot honour denies, and more issuer names, a known account
 * URI or a known method never turn a permit into a deny.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caa.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "fuzz_caa_value: invariant failed: %s (%s:%d)\n", \
			    #cond, __FILE__, __LINE__);                        \
			abort();                                               \
		}                                                              \
	} while (0)

#define MAX_RECORDS 8

static bool
alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* label = (ALPHA / DIGIT) *( *("-") (ALPHA / DIGIT) ) */
static bool
is_label(const char *s, size_t n)
{
	if (n == 0 || !alnum((unsigned char)s[0]) || !alnum((unsigned char)s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!alnum((unsigned char)s[i]) && s[i] != '-')
			return false;
	return true;
}

/* issuer-domain-name = label *("." label) */
static bool
is_issuer(const char *s, size_t n)
{
	size_t start = 0;

	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '.')
			continue;
		if (!is_label(s + start, i - start))
			return false;
		start = i + 1;
	}
	return true;
}

static bool
inside(const char *p, size_t n, const char *base, size_t len)
{
	return p >= base && p <= base + len && n <= (size_t)(base + len - p);
}

/* caa_value_parse() and everything it promises about its output. */
static void
check_value(const char *v, size_t len)
{
	struct caa_issuer_value iv, again;
	char canon[1024];
	size_t o = 0;
	int n;

	if (caa_value_parse(v, len, &iv) == -1)
		return;
	CHECK(iv.issuer != NULL && iv.issuer_len <= len);
	CHECK(inside(iv.issuer, iv.issuer_len, v, len));
	CHECK(iv.issuer_len == 0 || is_issuer(iv.issuer, iv.issuer_len));
	CHECK(iv.n_params <= CAA_MAX_PARAMS);
	for (size_t i = 0; i < iv.n_params; i++) {
		const struct caa_param *p = &iv.params[i];

		CHECK(inside(p->tag, p->tag_len, v, len));
		CHECK(inside(p->val, p->val_len, v, len));
		/* Parameters come after the issuer and in order. */
		CHECK(p->tag >= iv.issuer + iv.issuer_len);
		CHECK(i == 0 || p->tag >= iv.params[i - 1].val + iv.params[i - 1].val_len);
		CHECK(p->val >= p->tag + p->tag_len);
		CHECK(is_label(p->tag, p->tag_len));
		for (size_t k = 0; k < p->val_len; k++)
			CHECK((unsigned char)p->val[k] >= 0x21 && (unsigned char)p->val[k] <= 0x7e &&
			    p->val[k] != ';');
	}

	/* The canonical form parses to the same issuer and parameters. */
	n = snprintf(canon, sizeof(canon), "%.*s", (int)iv.issuer_len, iv.issuer);
	CHECK(n >= 0 && (size_t)n < sizeof(canon));
	o = (size_t)n;
	for (size_t i = 0; i < iv.n_params; i++) {
		n = snprintf(canon + o, sizeof(canon) - o, "%s%.*s=%.*s", i == 0 ? "; " : " ; ",
		    (int)iv.params[i].tag_len, iv.params[i].tag, (int)iv.params[i].val_len,
		    iv.params[i].val);
		CHECK(n >= 0 && (size_t)n < sizeof(canon) - o);
		o += (size_t)n;
	}
	CHECK(caa_value_parse(canon, o, &again) == 0);
	CHECK(again.issuer_len == iv.issuer_len &&
	    memcmp(again.issuer, iv.issuer, iv.issuer_len) == 0);
	CHECK(again.n_params == iv.n_params);
	for (size_t i = 0; i < iv.n_params; i++) {
		CHECK(again.params[i].tag_len == iv.params[i].tag_len &&
		    memcmp(again.params[i].tag, iv.params[i].tag, iv.params[i].tag_len) == 0);
		CHECK(again.params[i].val_len == iv.params[i].val_len &&
		    memcmp(again.params[i].val, iv.params[i].val, iv.params[i].val_len) == 0);
	}
}

/*
 * Undo caa_record_text()'s escaping of one quoted or bare token: \DDD and
 * \X. @return the number of bytes written to @p out, or SIZE_MAX if the
 * text is not in the documented form.
 */
static size_t
unescape(const char *s, size_t n, uint8_t *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\\') {
			out[o++] = (uint8_t)s[i];
			continue;
		}
		if (i + 1 >= n)
			return SIZE_MAX;
		if (s[i + 1] >= '0' && s[i + 1] <= '9') {
			unsigned v = 0;

			if (i + 3 >= n)
				return SIZE_MAX;
			for (size_t k = 1; k <= 3; k++) {
				if (s[i + k] < '0' || s[i + k] > '9')
					return SIZE_MAX;
				v = v * 10 + (unsigned)(s[i + k] - '0');
			}
			if (v > 255)
				return SIZE_MAX;
			out[o++] = (uint8_t)v;
			i += 3;
		} else {
			out[o++] = (uint8_t)s[i + 1];
			i++;
		}
	}
	return o;
}

/* caa_record_text(): bounded, printable, and faithful to the rdata. */
static void
check_text(const uint8_t *rdata, size_t len)
{
	/* Worst case: "255 ", 4 bytes per rdata byte, two quotes, NUL. */
	size_t full = 4 + 4 * len + 3 + 1, tl;
	char *buf = malloc(full), *small;
	uint8_t *back;
	int rc;
	bool shape = len >= 2 && (size_t)rdata[1] + 2 <= len;
	const char *sp, *q;
	size_t tagtext, used;

	CHECK(buf != NULL);
	rc = caa_record_text(rdata, len, buf, full);
	CHECK(rc == (shape ? 0 : -1));
	if (rc == -1) {
		free(buf);
		return;
	}
	tl = strlen(buf);
	CHECK(tl < full);
	for (size_t i = 0; i < tl; i++)
		CHECK(buf[i] >= 0x20 && buf[i] <= 0x7e);

	/* Decode it back: "<flags> <tag> \"<value>\"". */
	CHECK((back = malloc(len + 1)) != NULL);
	CHECK((sp = strchr(buf, ' ')) != NULL);
	CHECK(strtoul(buf, NULL, 10) == rdata[0]);
	/* A quote in the tag is escaped, so the first ' "' ends the tag text
	 * (which may itself hold spaces when the rdata is malformed). */
	q = strstr(sp + 1, " \"");
	CHECK(q != NULL && buf[tl - 1] == '"' && q + 1 < buf + tl - 1);
	tagtext = (size_t)(q - (sp + 1));
	CHECK(unescape(sp + 1, tagtext, back) == rdata[1]);
	CHECK(memcmp(back, rdata + 2, rdata[1]) == 0);
	used = unescape(q + 2, (size_t)(buf + tl - 1 - (q + 2)), back);
	CHECK(used == len - 2 - rdata[1]);
	CHECK(memcmp(back, rdata + 2 + rdata[1], used) == 0);
	free(back);

	/* Every smaller buffer: fail cleanly, or give the same text. Exact-size
	 * heap buffers, so a write past outlen is caught by ASan. */
	for (size_t outlen = 0; outlen <= tl + 1; outlen++) {
		if (outlen > 8 && outlen + 8 < tl)
			continue; /* the edges are what matter */
		small = malloc(outlen == 0 ? 1 : outlen);
		CHECK(small != NULL);
		rc = caa_record_text(rdata, len, small, outlen);
		CHECK(rc == (outlen > tl ? 0 : -1));
		if (rc == 0)
			CHECK(strcmp(small, buf) == 0);
		free(small);
	}
	/* The daemon's own buffer. */
	{
		char fixed[CAA_MAX_RECORD_TEXT];

		rc = caa_record_text(rdata, len, fixed, sizeof(fixed));
		CHECK(rc == (tl < sizeof(fixed) ? 0 : -1));
	}
	free(buf);
}

static void
check_record(const uint8_t *rdata, size_t len)
{
	struct caa_record rec;

	memset(&rec, 0xa5, sizeof(rec));
	if (caa_record_parse(rdata, len, &rec) == 0) {
		size_t tl = strlen(rec.tag);

		CHECK(len >= 2 && tl == rdata[1] && tl >= 1 && tl <= CAA_MAX_TAG);
		CHECK(rec.flags == rdata[0]);
		for (size_t i = 0; i < tl; i++)
			CHECK(((rec.tag[i] >= 'a' && rec.tag[i] <= 'z') ||
			    (rec.tag[i] >= '0' && rec.tag[i] <= '9')) &&
			    (rec.tag[i] | 0x20) == (rdata[2 + i] | 0x20));
		CHECK(rec.value == rdata + 2 + tl && rec.value_len == len - 2 - tl);
		check_value((const char *)rec.value, rec.value_len);
	}
	check_text(rdata, len);
	/* The value parser on the whole rdata too: any bytes, not just values. */
	check_value((const char *)rdata, len);
}

static const char *const one_domain[] = { "ca.example.net" };
static const char *const two_domains[] = { "ca.example.net", "other-ca.example" };
static const char *const three_domains[] = { "ca.example.net", "other-ca.example", "a" };

/*
 * Policy selector bits: 0 wildcard, 1 S/MIME, 2-3 account URI, 4-5 method
 * label. The issuer names are varied by the caller.
 */
static void
make_policy(uint8_t sel, struct caa_policy *p)
{
	static const char *const accounts[] = {
		NULL, "https://ca.example.net/acct/1", "https://ca.example.net/acct/2", "x",
	};
	static const char *const methods[] = { NULL, "dns-01", "http-01", "tls-alpn-01" };

	memset(p, 0, sizeof(*p));
	p->domains = one_domain;
	p->n_domains = 1;
	p->wildcard = sel & 1;
	p->cert_type = (sel & 2) ? CAA_CERT_SMIME : CAA_CERT_TLS_SERVER;
	p->account_uri = accounts[(sel >> 2) & 3];
	p->method_label = methods[(sel >> 4) & 3];
}

static enum caa_decision
evaluate(const struct dns_rr *rrs, size_t n, const struct caa_policy *p)
{
	char why[256];
	enum caa_decision d;

	memset(why, 0x5a, sizeof(why));
	d = caa_evaluate(rrs, n, p, why, sizeof(why));
	CHECK(d == CAA_PERMIT || d == CAA_DENY);
	CHECK(memchr(why, '\0', sizeof(why)) != NULL && why[0] != '\0');
	return d;
}

static void
check_evaluate(uint8_t sel, const struct dns_rr *rrs, size_t n)
{
	struct caa_policy p, q;
	struct dns_rr rev[MAX_RECORDS];
	enum caa_decision d;
	bool critical = false;

	make_policy(sel, &p);
	CHECK(evaluate(rrs, 0, &p) == CAA_PERMIT);
	d = evaluate(rrs, n, &p);

	/* The order of an RRset carries no meaning. */
	for (size_t i = 0; i < n; i++)
		rev[i] = rrs[n - 1 - i];
	CHECK(evaluate(rev, n, &p) == d);

	/* A critical record we cannot honour forbids issuance (RFC 8659 4.1). */
	for (size_t i = 0; i < n; i++) {
		struct caa_record rec;
		bool crit = rrs[i].rdlen >= 1 &&
		    (rrs[i].rdata[0] & (CAA_FLAG_CRITICAL | CAA_FLAG_CRITICAL_MISUSED));

		if (!crit)
			continue;
		if (caa_record_parse(rrs[i].rdata, rrs[i].rdlen, &rec) == -1)
			critical = true;
		else if (strcmp(rec.tag, "issue") != 0 && strcmp(rec.tag, "issuewild") != 0 &&
		    strcmp(rec.tag, "issuemail") != 0 && strcmp(rec.tag, "iodef") != 0 &&
		    strcmp(rec.tag, "issuevmc") != 0 && strcmp(rec.tag, "contactemail") != 0 &&
		    strcmp(rec.tag, "contactphone") != 0)
			critical = true;
	}
	if (critical)
		CHECK(d == CAA_DENY);

	/* No issuer names at all: nothing can match, so only "no relevant
	 * records" can permit; more names never take a permit away. */
	q = p;
	q.n_domains = 0;
	if (evaluate(rrs, n, &q) == CAA_PERMIT)
		CHECK(d == CAA_PERMIT);
	q = p;
	q.domains = two_domains;
	q.n_domains = 2;
	if (d == CAA_PERMIT)
		CHECK(evaluate(rrs, n, &q) == CAA_PERMIT);
	q.domains = three_domains;
	q.n_domains = 3;
	if (d == CAA_PERMIT)
		CHECK(evaluate(rrs, n, &q) == CAA_PERMIT);

	/* An unknown account or method (NULL) matches less than a known one. */
	if (p.account_uri == NULL || p.method_label == NULL) {
		q = p;
		q.account_uri = NULL;
		q.method_label = NULL;
		if (evaluate(rrs, n, &q) == CAA_PERMIT)
			CHECK(d == CAA_PERMIT);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copies[MAX_RECORDS] = { NULL };
	struct dns_rr rrs[MAX_RECORDS];
	size_t n = 0, i = 1;
	uint8_t sel;

	if (size == 0)
		return 0;
	sel = data[0];
	while (i < size && n < MAX_RECORDS) {
		size_t len = data[i++];

		if (len > size - i)
			len = size - i;
		/* Exactly len bytes (at least one allocated), so ASan sees overreads. */
		CHECK((copies[n] = malloc(len > 0 ? len : 1)) != NULL);
		if (len > 0)
			memcpy(copies[n], data + i, len);
		rrs[n].type = DNS_TYPE_CAA;
		rrs[n].ttl = 60;
		rrs[n].rdlen = (uint16_t)len;
		rrs[n].rdata = copies[n];
		check_record(copies[n], len);
		i += len;
		n++;
	}
	check_evaluate(sel, rrs, n);

	/* caa_method_label() on the tail of the input as a C string. */
	{
		size_t tl = size - 1 < 80 ? size - 1 : 80;
		char *m = malloc(tl + 1);
		const char *label;

		CHECK(m != NULL);
		memcpy(m, data + size - tl, tl);
		m[tl] = '\0';
		label = caa_method_label(m);
		if (label != NULL) {
			CHECK(label[0] != '\0' && strlen(label) <= 64);
			for (const char *c = label; *c != '\0'; c++)
				CHECK(alnum((unsigned char)*c) || *c == '-');
			CHECK(label == m || strcmp(m, "acme-http-01") == 0 ||
			    strcmp(m, "acme-dns-01") == 0 || strcmp(m, "acme-tls-alpn-01") == 0 ||
			    strcmp(m, "dns-account-01") == 0 || strcmp(m, "dns-persistent") == 0);
		}
		free(m);
	}
	for (size_t k = 0; k < n; k++)
		free(copies[k]);
	return 0;
}
