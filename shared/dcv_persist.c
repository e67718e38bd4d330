/*
 * dcv_persist.c: judging persistent DCV records (see dcv_persist.h).
 */
#include "dcv_persist.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "caa.h"

static bool
tag_is(const struct caa_param *p, const char *name)
{
	return p->tag_len == strlen(name) && strncasecmp(p->tag, name, p->tag_len) == 0;
}

enum persist_verdict
dcv_persist_check(const char *txt, size_t len, const struct persist_policy *pol, char *why,
    size_t whylen)
{
	struct caa_issuer_value iv;
	const struct caa_param *acct = NULL, *until = NULL;
	bool issuer_ok = false;

	if (whylen > 0)
		why[0] = '\0';
	/* The issue-value grammar of RFC 8659 4.2, as BR 3.2.2.4.22 says. */
	if (memchr(txt, '\0', len) != NULL || caa_value_parse(txt, len, &iv) == -1) {
		snprintf(why, whylen, "not in issue-value syntax");
		return PERSIST_MALFORMED;
	}
	for (size_t i = 0; i < iv.n_params; i++) {
		for (size_t k = 0; k < i; k++) {
			if (iv.params[k].tag_len == iv.params[i].tag_len &&
			    strncasecmp(iv.params[k].tag, iv.params[i].tag, iv.params[i].tag_len) == 0) {
				snprintf(why, whylen, "parameter \"%.*s\" appears twice",
				    (int)iv.params[i].tag_len, iv.params[i].tag);
				return PERSIST_MALFORMED;
			}
		}
		if (tag_is(&iv.params[i], "accounturi"))
			acct = &iv.params[i];
		else if (tag_is(&iv.params[i], "persistuntil"))
			until = &iv.params[i];
	}
	if (acct == NULL || acct->val_len == 0) {
		snprintf(why, whylen, acct == NULL ? "no accounturi parameter" : "empty accounturi");
		return PERSIST_MALFORMED;
	}
	if (until != NULL) {
		char digits[24];
		char *end;
		unsigned long long t;

		if (until->val_len == 0 || until->val_len >= sizeof(digits)) {
			snprintf(why, whylen, "persistUntil is not a number of seconds");
			return PERSIST_MALFORMED;
		}
		/* The value is not terminated (it may end the record): test the copy. */
		memcpy(digits, until->val, until->val_len);
		digits[until->val_len] = '\0';
		if (strspn(digits, "0123456789") < until->val_len) {
			snprintf(why, whylen, "persistUntil is not a number of seconds");
			return PERSIST_MALFORMED;
		}
		errno = 0;
		t = strtoull(digits, &end, 10);
		if (errno != 0 || *end != '\0') {
			snprintf(why, whylen, "persistUntil is out of range");
			return PERSIST_MALFORMED;
		}
		if (t < (unsigned long long)pol->now) {
			snprintf(why, whylen, "persistUntil %s is in the past", digits);
			return PERSIST_NO_MATCH;
		}
	}
	for (size_t i = 0; i < pol->n_issuers && !issuer_ok; i++)
		issuer_ok = iv.issuer_len > 0 && strlen(pol->issuers[i]) == iv.issuer_len &&
		    strncasecmp(pol->issuers[i], iv.issuer, iv.issuer_len) == 0;
	if (!issuer_ok) {
		snprintf(why, whylen, "issuer \"%.*s\" is not one of this CA's",
		    (int)(iv.issuer_len > 64 ? 64 : iv.issuer_len), iv.issuer);
		return PERSIST_NO_MATCH;
	}
	/* Exactly the applicant's account (Open MPIC ignores case; the BR do not). */
	if (pol->account_uri == NULL || strlen(pol->account_uri) != acct->val_len ||
	    memcmp(pol->account_uri, acct->val, acct->val_len) != 0) {
		snprintf(why, whylen, "accounturi is another account");
		return PERSIST_NO_MATCH;
	}
	return PERSIST_VALID;
}
