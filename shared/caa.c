/*
 * caa.c: the CAA decision for one relevant RRset.
 *
 * RFC 8659 section 4 and BR 3.2.2.8: issue governs, issuewild replaces it
 * for wildcard names when present, issuemail governs S/MIME (RFC 9495), and
 * a record with the critical flag and a tag we do not understand forbids
 * issuance. RFC 8657 parameters are honoured: accounturi and
 * validationmethods restrict the record that carries them, and a record
 * carrying either of them twice matches nothing.
 */
#include "caa.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Tags this implementation understands (RFC 8659, RFC 9495, RFC 8657's
 * registry neighbours, BR 3.2.2.4.13 and .17, and BIMI's issuevmc). */
static const char *const known_tags[] = {
	"issue", "issuewild", "issuemail", "iodef", "issuevmc", "contactemail",
	"contactphone", NULL,
};

static bool
tag_known(const char *tag)
{
	for (size_t i = 0; known_tags[i] != NULL; i++)
		if (strcmp(tag, known_tags[i]) == 0)
			return true;
	return false;
}

static const struct {
	const char *method;
	const char *label;
} method_labels[] = {
	{ "acme-http-01", "http-01" },
	{ "acme-dns-01", "dns-01" },
	{ "acme-tls-alpn-01", "tls-alpn-01" },
	{ "dns-account-01", "dns-account-01" },
	{ "dns-persistent", "dns-persist-01" },
};

static bool
valid_method_label(const char *s, size_t len)
{
	if (len == 0 || len > 64)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-'))
			return false;
	}
	return true;
}

const char *
caa_method_label(const char *method)
{
	if (method == NULL)
		return NULL;
	for (size_t i = 0; i < sizeof(method_labels) / sizeof(method_labels[0]); i++)
		if (strcmp(method, method_labels[i].method) == 0)
			return method_labels[i].label;
	return valid_method_label(method, strlen(method)) ? method : NULL;
}

static bool
param_is(const struct caa_param *p, const char *name)
{
	return p->tag_len == strlen(name) && strncasecmp(p->tag, name, p->tag_len) == 0;
}

/*
 * Is @p label one of the comma-separated labels in @p list? A malformed
 * list (an empty element, a character outside the label grammar) matches
 * nothing, wherever the fault is.
 */
static bool
label_listed(const char *list, size_t len, const char *label)
{
	size_t llen = strlen(label);
	bool found = false;

	for (size_t i = 0; i <= len; i++) {
		size_t start = i;

		while (i < len && list[i] != ',')
			i++;
		if (!valid_method_label(list + start, i - start))
			return false;
		if (i - start == llen && strncasecmp(list + start, label, llen) == 0)
			found = true;
	}
	return found;
}

/* Does one issue/issuewild/issuemail value authorise this CA and request? */
static bool
value_permits(const struct caa_record *rec, const struct caa_policy *pol)
{
	struct caa_issuer_value iv;
	const struct caa_param *acct = NULL, *methods = NULL;
	bool ours = false;

	if (caa_value_parse((const char *)rec->value, rec->value_len, &iv) == -1)
		return false;
	if (iv.issuer_len == 0) /* issue ";" names no CA */
		return false;
	for (size_t i = 0; i < pol->n_domains && !ours; i++)
		ours = strlen(pol->domains[i]) == iv.issuer_len &&
		    strncasecmp(pol->domains[i], iv.issuer, iv.issuer_len) == 0;
	if (!ours)
		return false;
	for (size_t i = 0; i < iv.n_params; i++) {
		const struct caa_param *p = &iv.params[i];

		if (param_is(p, "accounturi")) {
			/* RFC 8657 3: a repeated parameter makes the record match nothing. */
			if (acct != NULL)
				return false;
			acct = p;
		} else if (param_is(p, "validationmethods")) {
			if (methods != NULL)
				return false;
			methods = p;
		}
	}
	/* RFC 8657 3: the account URI must match exactly; unknown account: no. */
	if (acct != NULL && (pol->account_uri == NULL ||
	    strlen(pol->account_uri) != acct->val_len ||
	    memcmp(pol->account_uri, acct->val, acct->val_len) != 0))
		return false;
	/* RFC 8657 4: the method in use must be listed; unknown method: no. */
	if (methods != NULL && (pol->method_label == NULL ||
	    !label_listed(methods->val, methods->val_len, pol->method_label)))
		return false;
	return true;
}

enum caa_decision
caa_evaluate(const struct dns_rr *rrs, size_t n, const struct caa_policy *pol,
    char *why, size_t whylen)
{
	struct caa_record rec;
	const char *want;
	bool has_issue = false, has_issuewild = false, has_issuemail = false;

	for (size_t i = 0; i < n; i++) {
		if (caa_record_parse(rrs[i].rdata, rrs[i].rdlen, &rec) == -1) {
			/* An unreadable record we must not ignore if it claims to be critical. */
			if (rrs[i].rdlen >= 1 &&
			    (rrs[i].rdata[0] & (CAA_FLAG_CRITICAL | CAA_FLAG_CRITICAL_MISUSED))) {
				snprintf(why, whylen, "malformed CAA record with the critical flag");
				return CAA_DENY;
			}
			continue;
		}
		if (!tag_known(rec.tag) &&
		    (rec.flags & (CAA_FLAG_CRITICAL | CAA_FLAG_CRITICAL_MISUSED))) {
			/* RFC 8659 4.1: an unknown critical property forbids issuance. */
			snprintf(why, whylen, "critical CAA record with unknown tag \"%s\"", rec.tag);
			return CAA_DENY;
		}
		has_issue |= strcmp(rec.tag, "issue") == 0;
		has_issuewild |= strcmp(rec.tag, "issuewild") == 0;
		has_issuemail |= strcmp(rec.tag, "issuemail") == 0;
	}

	if (pol->cert_type == CAA_CERT_SMIME) {
		if (!has_issuemail) {
			snprintf(why, whylen, "no issuemail records");
			return CAA_PERMIT;
		}
		want = "issuemail";
	} else if (pol->wildcard && has_issuewild) {
		/* RFC 8659 4.3: issuewild takes precedence for wildcard names. */
		want = "issuewild";
	} else if (has_issue) {
		want = "issue";
	} else {
		snprintf(why, whylen, "no issue%s records", pol->wildcard ? " or issuewild" : "");
		return CAA_PERMIT;
	}

	for (size_t i = 0; i < n; i++) {
		if (caa_record_parse(rrs[i].rdata, rrs[i].rdlen, &rec) == -1 ||
		    strcmp(rec.tag, want) != 0)
			continue;
		if (value_permits(&rec, pol)) {
			snprintf(why, whylen, "%s record permits %.*s", want,
			    (int)(rec.value_len > 100 ? 100 : rec.value_len),
			    (const char *)rec.value);
			return CAA_PERMIT;
		}
	}
	snprintf(why, whylen, "no %s record permits %s%s", want,
	    pol->n_domains > 0 ? pol->domains[0] : "this CA",
	    pol->n_domains > 1 ? " (or the other issuer names)" : "");
	return CAA_DENY;
}
