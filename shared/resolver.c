/*
 * resolver.c: libunbound in event mode on our libevent loop, with our own
 * deadline per lookup and our own parsing of every answer.
 *
 * libunbound delivers a whole wire-format answer packet. We check the section
 * counts in the header before handing the packet to ldns (ldns 1.8.3 has
 * known denial-of-service bugs on crafted packets; libunbound re-encodes
 * answers from its own cache, which already helps), follow the CNAME chain
 * from the question name ourselves under DNS_MAX_CNAME, and copy out the
 * records of the queried type at the end of the chain as raw rdata.
 */
#include "resolver.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/stat.h>

#include <event2/event.h>
#include <ldns/ldns.h>
#include <unbound-event.h>
#include <unbound.h>

#include "log.h"

#define FRAGMENT_MAX_SIZE (1 << 20)

struct resolver_query {
	struct resolver *r;
	int async_id;
	struct event *timer;
	resolver_cb cb;
	void *arg;
	char qname[NAME_BUF];
	uint16_t qtype;
	struct dns_answer *pending; /* answered inside ub_resolve_event(): deliver later */
	TAILQ_ENTRY(resolver_query) entry;
};

struct resolver {
	struct event_base *base;
	struct ub_ctx *ctx;
	unsigned timeout_ms;
	size_t inflight;
	/*
	 * Inside ub_resolve_event(). libunbound may complete queries while it
	 * starts a new one (the new one from its cache, or older ones waiting
	 * on the same sub-query), so answers that arrive then are deferred to
	 * the event loop: callers never see a callback from inside
	 * resolver_lookup().
	 */
	bool resolving;
	TAILQ_HEAD(, resolver_query) queries;
};

const char *
dnssec_status_name(enum dnssec_status s)
{
	switch (s) {
	case DNSSEC_BOGUS:
		return "bogus";
	case DNSSEC_INSECURE:
		return "insecure";
	case DNSSEC_SECURE:
		return "secure";
	case DNSSEC_INDETERMINATE:
		break;
	}
	return "indeterminate";
}

const char *
dns_outcome_name(enum dns_outcome o)
{
	static const char *const names[] = {
		[DNS_OK] = "ok",
		[DNS_NODATA] = "nodata",
		[DNS_NXDOMAIN] = "nxdomain",
		[DNS_SERVFAIL] = "servfail",
		[DNS_REFUSED] = "refused",
		[DNS_BOGUS] = "bogus",
		[DNS_TIMEOUT] = "timeout",
		[DNS_TOO_BIG] = "too big",
		[DNS_CNAME_LOOP] = "cname loop",
		[DNS_CNAME_TOO_LONG] = "cname chain too long",
		[DNS_BAD_ANSWER] = "bad answer",
		[DNS_FAILED] = "failed",
	};
	if ((size_t)o < sizeof(names) / sizeof(names[0]) && names[o] != NULL)
		return names[o];
	return "unknown";
}

bool
dns_outcome_definite(enum dns_outcome o)
{
	return o == DNS_OK || o == DNS_NODATA || o == DNS_NXDOMAIN;
}

static const char *
type_name(uint16_t t)
{
	switch (t) {
	case DNS_TYPE_A:
		return "A";
	case DNS_TYPE_NS:
		return "NS";
	case DNS_TYPE_CNAME:
		return "CNAME";
	case DNS_TYPE_SOA:
		return "SOA";
	case DNS_TYPE_PTR:
		return "PTR";
	case DNS_TYPE_TXT:
		return "TXT";
	case DNS_TYPE_AAAA:
		return "AAAA";
	case DNS_TYPE_DS:
		return "DS";
	case DNS_TYPE_DNSKEY:
		return "DNSKEY";
	case DNS_TYPE_CAA:
		return "CAA";
	default:
		return "?";
	}
}

enum frag_token {
	FRAG_EOF,
	FRAG_WORD,   /* unquoted: a keyword (ending in ':') or a value */
	FRAG_QUOTED, /* a value in "..." or '...' */
};

struct frag_lexer {
	FILE *fp;
	unsigned line;  /* line of the next character */
	bool in_run;    /* the last word was cut at a colon inside a run */
	bool truncated; /* the last token did not fit the buffer */
};

static bool
frag_separator(int c)
{
	return c == EOF || c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '"' ||
	    c == '\'';
}

/*
 * The next token of an unbound.conf file, as unbound's lexer
 * (util/configlexer.lex) splits it: unbound reads tokens, not lines, so
 * "server: domain-insecure: x" on one line is two options, and "#" starts a
 * comment only where a token could start ("a#b" is one value). A run of
 * unquoted characters is cut after each colon, because a keyword ends at its
 * colon even when more text follows without a space ("server:include:x").
 */
static enum frag_token
frag_next(struct frag_lexer *lx, char *buf, size_t len, unsigned *line)
{
	size_t n = 0;
	int c = getc(lx->fp);

	lx->truncated = false;
	if (!lx->in_run) {
		for (;; c = getc(lx->fp)) {
			if (c == '\n') {
				lx->line++;
			} else if (c == '#') {
				while ((c = getc(lx->fp)) != EOF && c != '\n')
					;
				if (c == EOF)
					return FRAG_EOF;
				lx->line++;
			} else if (c != ' ' && c != '\t' && c != '\r') {
				break;
			}
		}
		if (c == EOF)
			return FRAG_EOF;
		*line = lx->line;
		if (c == '"' || c == '\'') {
			int quote = c;

			while ((c = getc(lx->fp)) != EOF && c != quote && c != '\n') {
				if (c == '\\' && ((c = getc(lx->fp)) == EOF || c == '\n'))
					break;
				if (n + 1 < len)
					buf[n++] = (char)c;
				else
					lx->truncated = true;
			}
			if (c == '\n')
				lx->line++;
			buf[n] = '\0';
			return FRAG_QUOTED;
		}
	}
	lx->in_run = false;
	*line = lx->line;
	while (!frag_separator(c)) {
		if (c == '\\' && ((c = getc(lx->fp)) == EOF || c == '\n'))
			break;
		if (n + 1 < len)
			buf[n++] = (char)c;
		else
			lx->truncated = true;
		if (c == ':') {
			c = getc(lx->fp);
			lx->in_run = !frag_separator(c);
			break;
		}
		c = getc(lx->fp);
	}
	/* The separator (or, after a colon, the rest of the run) comes next. */
	if (c != EOF)
		(void)ungetc(c, lx->fp);
	buf[n] = '\0';
	return FRAG_WORD;
}

/*
 * Refuse unbound.conf options that would weaken validation. BR 3.2.2.8.1:
 * local policy must not disable DNSSEC validation (no negative trust
 * anchors, no permissive mode, no widened signature validity), and the
 * trust anchor is ours to set. Every keyword in the file is checked,
 * wherever it stands, and a keyword anywhere in a value too: refusing a
 * strange value is cheaper than reasoning about unbound's parser states.
 */
static int
check_fragment(const char *path, char *err, size_t errlen)
{
	static const char *const forbidden[] = {
		"domain-insecure", "val-permissive-mode", "module-config",
		"trust-anchor", "trust-anchor-file", "trusted-keys-file",
		"auto-trust-anchor-file", "include", "include-toplevel",
		"val-override-date", "val-sig-skew-min", "val-sig-skew-max",
		"fake-dsa", "fake-sha1", "local-data",
		"local-data-ptr", "insecure-lan-zones", "disable-dnssec-lame-check",
		NULL,
	};
	struct frag_lexer lx;
	struct stat st;
	char tok[1024];
	enum frag_token t;
	const char *must = NULL; /* value an argument must have */
	const char *must_msg = NULL;
	unsigned must_arg = 0, must_line = 0, line = 0;
	int rc = -1;

	memset(&lx, 0, sizeof(lx));
	lx.line = 1;
	if ((lx.fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "unbound_config %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(lx.fp), &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > FRAGMENT_MAX_SIZE) {
		snprintf(err, errlen, "unbound_config %s: not a regular file of at most %d bytes",
		    path, FRAGMENT_MAX_SIZE);
		goto out;
	}
	while ((t = frag_next(&lx, tok, sizeof(tok), &line)) != FRAG_EOF) {
		size_t klen = strlen(tok);
		bool keyword = t == FRAG_WORD && klen > 1 && tok[klen - 1] == ':';

		if (must != NULL && --must_arg == 0) {
			if (lx.truncated || strcasecmp(tok, must) != 0) {
				snprintf(err, errlen, "%s:%u: %s", path, must_line, must_msg);
				goto out;
			}
			must = NULL;
		}
		if (!keyword)
			continue;
		klen--;
		for (size_t i = 0; forbidden[i] != NULL; i++) {
			if (strlen(forbidden[i]) == klen &&
			    strncasecmp(tok, forbidden[i], klen) == 0) {
				snprintf(err, errlen,
				    "%s:%u: option \"%s\" is not allowed here: the trust anchor "
				    "comes from trust_anchor_file and DNSSEC validation cannot be weakened",
				    path, line, forbidden[i]);
				goto out;
			}
		}
		/* Stripped DS records must keep making answers bogus. */
		if (klen == 22 && strncasecmp(tok, "harden-dnssec-stripped", klen) == 0) {
			must = "yes";
			must_arg = 1;
			must_msg = "harden-dnssec-stripped may only be yes";
			must_line = line;
		}
		/* local-zone may only undo a built-in empty zone (the lab's "test."). */
		if (klen == 10 && strncasecmp(tok, "local-zone", klen) == 0) {
			must = "nodefault";
			must_arg = 2;
			must_msg = "local-zone is allowed only with type nodefault";
			must_line = line;
		}
	}
	if (must != NULL) {
		snprintf(err, errlen, "%s:%u: %s", path, must_line, must_msg);
		goto out;
	}
	rc = 0;
out:
	fclose(lx.fp);
	return rc;
}

/* The trust anchor must exist and be readable now, not at the first query. */
static int
check_trust_anchor(const char *path, char *err, size_t errlen)
{
	FILE *fp;
	char line[4096];
	bool found = false;

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "trust_anchor_file %s: %s", path, strerror(errno));
		return -1;
	}
	while (!found && fgets(line, sizeof(line), fp) != NULL) {
		if (line[0] == ';' || line[0] == '#')
			continue;
		if (strstr(line, " DS ") != NULL || strstr(line, "\tDS\t") != NULL ||
		    strstr(line, " DNSKEY ") != NULL || strstr(line, "\tDNSKEY\t") != NULL)
			found = true;
	}
	fclose(fp);
	if (!found) {
		snprintf(err, errlen, "trust_anchor_file %s: no DS or DNSKEY record", path);
		return -1;
	}
	return 0;
}

static int
set_option(struct ub_ctx *ctx, const char *opt, const char *val, char *err, size_t errlen)
{
	int rc = ub_ctx_set_option(ctx, opt, val);

	if (rc != 0) {
		snprintf(err, errlen, "resolver option %s %s: %s", opt, val, ub_strerror(rc));
		return -1;
	}
	return 0;
}

struct resolver *
resolver_new(struct event_base *base, const struct resolver_config *cfg,
    char *err, size_t errlen)
{
	struct resolver *r;
	const char *ta = cfg->trust_anchor_file != NULL ? cfg->trust_anchor_file
							 : RESOLVER_DEFAULT_TRUST_ANCHOR;
	int rc;

	if (cfg->unbound_config != NULL && check_fragment(cfg->unbound_config, err, errlen) == -1)
		return NULL;
	if (check_trust_anchor(ta, err, errlen) == -1)
		return NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->base = base;
	r->timeout_ms = cfg->timeout_ms != 0 ? cfg->timeout_ms : DNS_DEFAULT_TIMEOUT_MS;
	TAILQ_INIT(&r->queries);
	if ((r->ctx = ub_ctx_create_event(base)) == NULL) {
		snprintf(err, errlen, "cannot create the resolver context");
		free(r);
		return NULL;
	}
	/*
	 * Our defaults first, so that the operator's fragment can tune them:
	 * a 1232-byte EDNS buffer (no fragmentation, TCP on truncation) and
	 * 0x20 case randomisation against off-path spoofing.
	 */
	if (set_option(r->ctx, "edns-buffer-size:", "1232", err, errlen) == -1 ||
	    set_option(r->ctx, "use-caps-for-id:", "yes", err, errlen) == -1 ||
	    set_option(r->ctx, "num-queries-per-thread:", "4096", err, errlen) == -1)
		goto fail;
	if (cfg->unbound_config != NULL && (rc = ub_ctx_config(r->ctx, cfg->unbound_config)) != 0) {
		snprintf(err, errlen, "unbound_config %s: %s", cfg->unbound_config,
		    rc == UB_SYNTAX ? "syntax error" : ub_strerror(rc));
		goto fail;
	}
	/* Validation settings that the fragment must not change. */
	if (set_option(r->ctx, "val-permissive-mode:", "no", err, errlen) == -1 ||
	    set_option(r->ctx, "harden-dnssec-stripped:", "yes", err, errlen) == -1)
		goto fail;
	if ((rc = ub_ctx_add_ta_file(r->ctx, ta)) != 0) {
		snprintf(err, errlen, "trust_anchor_file %s: %s", ta, ub_strerror(rc));
		goto fail;
	}
	return r;
fail:
	ub_ctx_delete(r->ctx);
	free(r);
	return NULL;
}

void
dns_answer_release(struct dns_answer *a)
{
	free(a->rrs);
	free(a->denial);
	a->rrs = NULL;
	a->denial = NULL;
	a->n_rrs = 0;
	a->n_denial = 0;
}

static void
answer_free(struct dns_answer *a)
{
	dns_answer_release(a);
	free(a);
}

static void
query_free(struct resolver_query *q)
{
	if (q->timer != NULL)
		event_free(q->timer);
	if (q->pending != NULL)
		answer_free(q->pending);
	free(q);
}

void
resolver_free(struct resolver *r)
{
	struct resolver_query *q;

	if (r == NULL)
		return;
	while ((q = TAILQ_FIRST(&r->queries)) != NULL) {
		TAILQ_REMOVE(&r->queries, q, entry);
		if (q->async_id != 0)
			(void)ub_cancel(r->ctx, q->async_id);
		query_free(q);
	}
	ub_ctx_delete(r->ctx);
	free(r);
}

size_t
resolver_inflight(const struct resolver *r)
{
	return r->inflight;
}

/* Text form of a wire name: lower case, no trailing dot (except the root). */
static int
dname_text(const ldns_rdf *dname, char *out, size_t outlen, bool keep_dot)
{
	char *s = ldns_rdf2str(dname);
	size_t len;

	if (s == NULL)
		return -1;
	len = strlen(s);
	if (!keep_dot && len > 1 && s[len - 1] == '.')
		s[--len] = '\0';
	if (len >= outlen) {
		free(s);
		return -1;
	}
	for (size_t i = 0; i < len; i++)
		out[i] = (char)tolower((unsigned char)s[i]);
	out[len] = '\0';
	free(s);
	return 0;
}

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static void
set_detail(struct dns_answer *a, const char *what)
{
	snprintf(a->detail, sizeof(a->detail), "%s for %s. IN %s", what, a->qname,
	    type_name(a->qtype));
}

#define DNS_MAX_TXT_STRINGS 128

/* Skip the (possibly compressed) name at pkt[*i]; false if malformed. */
static bool
skip_name(const uint8_t *pkt, size_t len, size_t *i)
{
	size_t total = 0;

	while (*i < len) {
		uint8_t b = pkt[*i];

		if (b == 0) {
			(*i)++;
			return true;
		}
		if ((b & 0xc0) == 0xc0) {
			if (*i + 2 > len)
				return false;
			*i += 2;
			return true;
		}
		if ((b & 0xc0) != 0 || (total += 1 + (size_t)b) > 255)
			return false;
		*i += 1 + (size_t)b;
	}
	return false;
}

/*
 * Walk every record before ldns sees the packet: bounds, and record kinds
 * that make ldns 1.8.3 misbehave. TSIG and TKEY records leak its memory
 * (NLnetLabs/ldns#317); a TXT record of thousands of empty strings, or an
 * APL record of thousands of items, becomes one field each and costs
 * hundreds of megabytes (NLnetLabs/ldns#294). None of them belongs in an
 * answer we need.
 */
static const char *
prescan(const uint8_t *pkt, size_t len)
{
	size_t i = 12, n_rr = (size_t)rd16(pkt + 6) + rd16(pkt + 8) + rd16(pkt + 10);

	for (size_t q = 0; q < rd16(pkt + 4); q++) {
		if (!skip_name(pkt, len, &i) || (i += 4) > len)
			return "malformed question";
	}
	for (size_t r = 0; r < n_rr; r++) {
		uint16_t type, rdlen;

		if (!skip_name(pkt, len, &i) || i + 10 > len)
			return "malformed record";
		type = rd16(pkt + i);
		rdlen = rd16(pkt + i + 8);
		i += 10;
		if (i + rdlen > len)
			return "record longer than the packet";
		if (type == 249 || type == 250 || type == 42)
			return "TKEY, TSIG or APL record in an answer";
		if (type == DNS_TYPE_TXT || type == 99 /* SPF */) {
			size_t k = 0, strings = 0;

			while (k < rdlen) {
				k += 1 + (size_t)pkt[i + k];
				if (++strings > DNS_MAX_TXT_STRINGS)
					return "TXT record with more than 128 strings";
			}
			if (k != rdlen)
				return "malformed TXT record";
		}
		i += rdlen;
	}
	return NULL;
}

/*
 * Keep the NSEC and NSEC3 records of a DS answer's authority section, so
 * that dnssec_proof.c can look for an insecure delegation. They are only
 * trusted when the whole answer validated as secure.
 */
static void
copy_denial(struct dns_answer *a, const ldns_rr_list *auth, ldns_buffer *buf)
{
	size_t n = ldns_rr_list_rr_count(auth), total = 0, k = 0;
	uint8_t *store = NULL;

	for (size_t pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < n && k < DNS_MAX_DENIAL; i++) {
			ldns_rr *rr = ldns_rr_list_rr(auth, i);
			ldns_rr_type t = ldns_rr_get_type(rr);
			size_t rl;

			if (t != LDNS_RR_TYPE_NSEC && t != LDNS_RR_TYPE_NSEC3)
				continue;
			ldns_buffer_clear(buf);
			if (ldns_rr_rdata2buffer_wire(buf, rr) != LDNS_STATUS_OK ||
			    (rl = ldns_buffer_position(buf)) > UINT16_MAX)
				continue;
			if (pass == 0) {
				total += rl;
				k++;
				continue;
			}
			if (dname_text(ldns_rr_owner(rr), a->denial[k].owner,
			    sizeof(a->denial[k].owner), false) == -1)
				continue;
			memcpy(store, ldns_buffer_begin(buf), rl);
			a->denial[k].type = (uint16_t)t;
			a->denial[k].rdlen = (uint16_t)rl;
			a->denial[k].rdata = store;
			store += rl;
			k++;
		}
		if (pass == 0) {
			if (k == 0 || (a->denial = calloc(1, k * sizeof(*a->denial) + total)) == NULL)
				return;
			store = (uint8_t *)(a->denial + k);
			k = 0;
		}
	}
	a->n_denial = k;
	if (k == 0) {
		free(a->denial);
		a->denial = NULL;
	}
}

/*
 * Parse the answer packet into @p a. On return a->outcome says what
 * happened; rdata of the records is copied into a->rrs (one allocation).
 */
void
dns_parse_answer(struct dns_answer *a, const uint8_t *pkt, size_t len)
{
	ldns_pkt *p = NULL;
	ldns_rdf *cur = NULL, *seen[DNS_MAX_CNAME + 1] = { NULL };
	ldns_rr_list *ans;
	ldns_buffer *buf = NULL;
	size_t nseen = 0, n, total = 0;
	uint8_t *store = NULL;
	const char *why;

	if (len < 12 || rd16(pkt + 6) > DNS_MAX_SECTION_RRS ||
	    rd16(pkt + 8) > DNS_MAX_SECTION_RRS || rd16(pkt + 10) > DNS_MAX_SECTION_RRS) {
		a->outcome = len < 12 ? DNS_BAD_ANSWER : DNS_TOO_BIG;
		set_detail(a, len < 12 ? "short answer packet" : "answer with too many records");
		return;
	}
	if ((why = prescan(pkt, len)) != NULL) {
		a->outcome = DNS_BAD_ANSWER;
		set_detail(a, why);
		return;
	}
	if (ldns_wire2pkt(&p, pkt, len) != LDNS_STATUS_OK) {
		a->outcome = DNS_BAD_ANSWER;
		set_detail(a, "unparsable answer packet");
		return;
	}
	a->rcode = (int)ldns_pkt_get_rcode(p);
	a->ad = ldns_pkt_ad(p);
	ans = ldns_pkt_answer(p);
	n = ldns_rr_list_rr_count(ans);

	if ((cur = ldns_dname_new_frm_str(a->qname)) == NULL) {
		a->outcome = DNS_FAILED;
		set_detail(a, "cannot encode the name");
		goto out;
	}
	seen[nseen++] = cur;
	/* Follow the CNAME chain from the question name, unless CNAME was asked. */
	while (a->qtype != DNS_TYPE_CNAME) {
		ldns_rdf *target = NULL;

		for (size_t i = 0; i < n && target == NULL; i++) {
			ldns_rr *rr = ldns_rr_list_rr(ans, i);

			if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_CNAME &&
			    ldns_dname_compare(ldns_rr_owner(rr), cur) == 0 &&
			    ldns_rr_rd_count(rr) == 1)
				target = ldns_rr_rdf(rr, 0);
		}
		if (target == NULL)
			break;
		for (size_t i = 0; i < nseen; i++) {
			if (ldns_dname_compare(seen[i], target) == 0) {
				a->outcome = DNS_CNAME_LOOP;
				set_detail(a, "CNAME loop");
				goto out;
			}
		}
		if (a->n_cnames == DNS_MAX_CNAME) {
			a->outcome = DNS_CNAME_TOO_LONG;
			set_detail(a, "CNAME chain longer than 8");
			goto out;
		}
		if (dname_text(target, a->cnames[a->n_cnames], sizeof(a->cnames[0]), true) == -1) {
			a->outcome = DNS_BAD_ANSWER;
			set_detail(a, "CNAME target too long");
			goto out;
		}
		a->n_cnames++;
		seen[nseen++] = target;
		cur = target;
	}
	if (dname_text(cur, a->owner, sizeof(a->owner), false) == -1) {
		a->outcome = DNS_BAD_ANSWER;
		set_detail(a, "owner name too long");
		goto out;
	}

	/* Count and size the records of the queried type at the chain's end. */
	if ((buf = ldns_buffer_new(512)) == NULL) {
		a->outcome = DNS_FAILED;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		ldns_rr *rr = ldns_rr_list_rr(ans, i);

		if (ldns_rr_get_type(rr) != a->qtype ||
		    ldns_dname_compare(ldns_rr_owner(rr), cur) != 0)
			continue;
		ldns_buffer_clear(buf);
		if (ldns_rr_rdata2buffer_wire(buf, rr) != LDNS_STATUS_OK ||
		    ldns_buffer_position(buf) > UINT16_MAX) {
			a->outcome = DNS_BAD_ANSWER;
			set_detail(a, "record that cannot be encoded");
			goto out;
		}
		total += ldns_buffer_position(buf);
		a->n_rrs++;
	}
	if (a->n_rrs > DNS_MAX_ANSWER_RRS) {
		a->outcome = DNS_TOO_BIG;
		set_detail(a, "more than 100 records");
		a->n_rrs = 0;
		goto out;
	}
	if (a->n_rrs > 0) {
		a->rrs = malloc(a->n_rrs * sizeof(*a->rrs) + total);
		if (a->rrs == NULL) {
			a->outcome = DNS_FAILED;
			a->n_rrs = 0;
			goto out;
		}
		store = (uint8_t *)(a->rrs + a->n_rrs);
		a->min_ttl = UINT32_MAX;
		for (size_t i = 0, k = 0; i < n; i++) {
			ldns_rr *rr = ldns_rr_list_rr(ans, i);
			size_t rl;

			if (ldns_rr_get_type(rr) != a->qtype ||
			    ldns_dname_compare(ldns_rr_owner(rr), cur) != 0)
				continue;
			ldns_buffer_clear(buf);
			(void)ldns_rr_rdata2buffer_wire(buf, rr);
			rl = ldns_buffer_position(buf);
			memcpy(store, ldns_buffer_begin(buf), rl);
			a->rrs[k].type = a->qtype;
			a->rrs[k].ttl = ldns_rr_ttl(rr);
			a->rrs[k].rdlen = (uint16_t)rl;
			a->rrs[k].rdata = store;
			if (a->rrs[k].ttl < a->min_ttl)
				a->min_ttl = a->rrs[k].ttl;
			store += rl;
			k++;
		}
	}

	if (a->qtype == DNS_TYPE_DS && a->n_rrs == 0)
		copy_denial(a, ldns_pkt_authority(p), buf);

	switch (a->rcode) {
	case LDNS_RCODE_NOERROR:
		a->outcome = a->n_rrs > 0 ? DNS_OK : DNS_NODATA;
		set_detail(a, a->n_rrs > 0 ? "answer" : "no records (NODATA)");
		break;
	case LDNS_RCODE_NXDOMAIN:
		a->outcome = DNS_NXDOMAIN;
		set_detail(a, "name does not exist (NXDOMAIN)");
		break;
	case LDNS_RCODE_SERVFAIL:
		a->outcome = DNS_SERVFAIL;
		set_detail(a, "SERVFAIL");
		break;
	default:
		a->outcome = DNS_REFUSED;
		snprintf(a->detail, sizeof(a->detail), "rcode %d for %s. IN %s", a->rcode,
		    a->qname, type_name(a->qtype));
		break;
	}
out:
	if (a->outcome != DNS_OK && a->outcome != DNS_NODATA && a->outcome != DNS_NXDOMAIN) {
		free(a->rrs);
		a->rrs = NULL;
		a->n_rrs = 0;
	}
	ldns_buffer_free(buf);
	if (seen[0] != NULL)
		ldns_rdf_deep_free(seen[0]);
	ldns_pkt_free(p);
}

static struct dns_answer *
answer_new(const struct resolver_query *q)
{
	struct dns_answer *a = calloc(1, sizeof(*a));

	if (a == NULL)
		return NULL;
	a->rcode = -1;
	a->dnssec = DNSSEC_INDETERMINATE;
	a->qtype = q->qtype;
	memcpy(a->qname, q->qname, sizeof(a->qname));
	return a;
}

/* Hand the answer to the caller and forget the query. */
static void
deliver(struct resolver_query *q, struct dns_answer *a)
{
	struct resolver *r = q->r;
	resolver_cb cb = q->cb;
	void *arg = q->arg;

	TAILQ_REMOVE(&r->queries, q, entry);
	r->inflight--;
	if (q->pending == a)
		q->pending = NULL;
	query_free(q);
	cb(arg, a);
	answer_free(a);
}

static void
ub_done(void *arg, int rcode, void *packet, int packet_len, int sec, char *why_bogus,
    int was_ratelimited)
{
	struct resolver_query *q = arg;
	struct dns_answer *a;
	static struct dns_answer oom;

	(void)was_ratelimited;
	q->async_id = 0;
	if ((a = answer_new(q)) == NULL) {
		/* Out of memory: still answer, with a static failure. */
		memset(&oom, 0, sizeof(oom));
		oom.outcome = DNS_FAILED;
		oom.rcode = -1;
		snprintf(oom.detail, sizeof(oom.detail), "out of memory");
		TAILQ_REMOVE(&q->r->queries, q, entry);
		q->r->inflight--;
		q->cb(q->arg, &oom);
		query_free(q);
		return;
	}
	if (sec == 1) {
		/* Bogus: whatever the packet says, it is a lookup failure. */
		a->outcome = DNS_BOGUS;
		a->dnssec = DNSSEC_BOGUS;
		snprintf(a->detail, sizeof(a->detail), "DNSSEC validation failed for %s. IN %s: %s",
		    a->qname, type_name(a->qtype), why_bogus != NULL ? why_bogus : "bogus");
	} else if (rcode != 0 || packet == NULL || packet_len <= 0) {
		a->outcome = rcode == LDNS_RCODE_SERVFAIL || rcode == 0 ? DNS_SERVFAIL : DNS_REFUSED;
		a->rcode = rcode != 0 ? rcode : LDNS_RCODE_SERVFAIL;
		set_detail(a, "SERVFAIL (no server gave a usable answer)");
	} else {
		a->dnssec = sec == 2 ? DNSSEC_SECURE : DNSSEC_INSECURE;
		dns_parse_answer(a, packet, (size_t)packet_len);
		/*
		 * An error answer (SERVFAIL from unbound's cache, our own ceilings)
		 * says nothing about DNSSEC: libunbound reports such answers as
		 * sec 0, which only means "not validated".
		 */
		if (!dns_outcome_definite(a->outcome))
			a->dnssec = DNSSEC_INDETERMINATE;
	}
	if (q->r->resolving) {
		/* Answered from inside ub_resolve_event(): deliver from the loop. */
		q->pending = a;
		event_active(q->timer, EV_TIMEOUT, 0);
		return;
	}
	deliver(q, a);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct resolver_query *q = arg;
	struct dns_answer *a;

	(void)fd;
	(void)what;
	if (q->pending != NULL) {
		deliver(q, q->pending);
		return;
	}
	if (q->async_id != 0) {
		(void)ub_cancel(q->r->ctx, q->async_id);
		q->async_id = 0;
	}
	if ((a = answer_new(q)) == NULL) {
		static struct dns_answer oom;

		memset(&oom, 0, sizeof(oom));
		oom.outcome = DNS_TIMEOUT;
		oom.rcode = -1;
		TAILQ_REMOVE(&q->r->queries, q, entry);
		q->r->inflight--;
		q->cb(q->arg, &oom);
		query_free(q);
		return;
	}
	a->outcome = DNS_TIMEOUT;
	snprintf(a->detail, sizeof(a->detail), "no answer within %u ms for %s. IN %s",
	    q->r->timeout_ms, a->qname, type_name(a->qtype));
	deliver(q, a);
}

struct resolver_query *
resolver_lookup(struct resolver *r, const char *name, uint16_t qtype, resolver_cb cb,
    void *arg)
{
	struct resolver_query *q;
	struct timeval tv;
	size_t len = strlen(name);
	int rc;

	if (len == 0 || len >= NAME_BUF)
		return NULL;
	if ((q = calloc(1, sizeof(*q))) == NULL)
		return NULL;
	q->r = r;
	q->cb = cb;
	q->arg = arg;
	q->qtype = qtype;
	memcpy(q->qname, name, len + 1);
	if ((q->timer = evtimer_new(r->base, on_timer, q)) == NULL) {
		free(q);
		return NULL;
	}
	tv.tv_sec = r->timeout_ms / 1000;
	tv.tv_usec = (suseconds_t)(r->timeout_ms % 1000) * 1000;
	evtimer_add(q->timer, &tv);
	TAILQ_INSERT_TAIL(&r->queries, q, entry);
	r->inflight++;

	r->resolving = true;
	rc = ub_resolve_event(r->ctx, name, qtype, LDNS_RR_CLASS_IN, q, ub_done, &q->async_id);
	r->resolving = false;
	if (rc != 0) {
		log_warnx("resolver: cannot start lookup of %s: %s", name, ub_strerror(rc));
		if (q->pending != NULL) {
			/* Cannot happen (an error means no callback), but be safe. */
			answer_free(q->pending);
			q->pending = NULL;
		}
		TAILQ_REMOVE(&r->queries, q, entry);
		r->inflight--;
		query_free(q);
		return NULL;
	}
	return q;
}

void
resolver_cancel(struct resolver_query *q)
{
	struct resolver *r;

	if (q == NULL)
		return;
	r = q->r;
	if (q->async_id != 0)
		(void)ub_cancel(r->ctx, q->async_id);
	TAILQ_REMOVE(&r->queries, q, entry);
	r->inflight--;
	query_free(q);
}
