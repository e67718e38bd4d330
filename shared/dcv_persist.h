/*
 * dcv_persist.h: persistent DCV TXT records (BR 3.2.2.4.22).
 *
 * A record at _validation-persist.<domain> has RFC 8659's issue-value
 * syntax: an issuer domain name the CA has disclosed, then parameters, of
 * which `accounturi` is mandatory and must equal the applicant's account
 * URI exactly, and `persistUntil` (Unix seconds), if present, must not be
 * in the past. Unknown parameters are ignored; a repeated parameter or a
 * value that breaks the grammar makes the record invalid. Issuer names are
 * compared ignoring case. Any one valid record among several is enough.
 */
#ifndef MPIC_DCV_PERSIST_H
#define MPIC_DCV_PERSIST_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct persist_policy {
	const char *const *issuers;  /* this CA's issuer domain names */
	size_t n_issuers;
	const char *account_uri;     /* the applicant's account URI */
	time_t now;
};

enum persist_verdict {
	PERSIST_VALID,     /* the record authorises this CA and account */
	PERSIST_NO_MATCH,  /* well formed, but for another CA or account, or expired */
	PERSIST_MALFORMED, /* breaks the grammar or repeats a parameter */
};

/**
 * Judge one record (the TXT strings joined). @p why receives one line
 * saying why it is not valid ("" when it is).
 */
enum persist_verdict dcv_persist_check(const char *txt, size_t len,
    const struct persist_policy *p, char *why, size_t whylen);

#endif /* MPIC_DCV_PERSIST_H */
