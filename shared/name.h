/*
 * name.h: validation targets, normalised for the wire.
 *
 * A target is a domain name (possibly a wildcard "*.name") or an IP literal.
 * Domain names go on the wire as A-labels (IDNA2008 with UTS #46 mapping,
 * through libidn2), lower case, without a trailing dot. Rejected: empty
 * names and labels, labels over 63 octets, names over 253, bad "xn--"
 * labels (they must decode and re-encode to themselves), characters outside
 * letters, digits and hyphen (after IDNA mapping), hyphens at a label's
 * start or end, NUL bytes, invalid UTF-8, "*" anywhere but a single leading
 * "*." label, and a wildcard where the caller does not allow one.
 */
#ifndef MPIC_NAME_H
#define MPIC_NAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NAME_MAX_TEXT 253 /* octets of a name in text form, no trailing dot */
#define NAME_BUF (NAME_MAX_TEXT + 1)
#define NAME_MAX_INPUT 1024 /* longest raw target accepted (U-labels grow) */

/* Flags for name_normalize() and target_parse(). */
#define NAME_ALLOW_WILDCARD 0x1u

/**
 * Normalise the domain name at @p in (@p len bytes, not NUL-terminated is
 * fine). A single trailing dot is accepted and dropped.
 * @param out      receives the A-label form, wildcard label removed
 * @param wildcard set to whether the input started with "*."
 * @param why      on failure, a static reason such as "empty label"
 * @return 0, or -1.
 */
int name_normalize(const char *in, size_t len, unsigned flags,
    char out[NAME_BUF], bool *wildcard, const char **why);

enum target_kind {
	TARGET_DNS,
	TARGET_IPV4,
	TARGET_IPV6,
};

struct target {
	enum target_kind kind;
	bool wildcard;          /* TARGET_DNS only */
	char name[NAME_BUF];    /* DNS: normalised name; IP: canonical text form */
	uint8_t addr[16];       /* IP: network order (IPv4 in the first 4 bytes) */
};

/**
 * Parse a request's domain_or_ip_target: an IPv4 literal (dotted quad only),
 * an IPv6 literal (optionally in brackets, no zone id), or a domain name as
 * for name_normalize().
 * @return 0, or -1 with a static reason in @p why.
 */
int target_parse(const char *in, size_t len, unsigned flags, struct target *t,
    const char **why);

/** True if @p a ends with the labels of @p b (or equals it); both normalised. */
bool name_is_subdomain(const char *a, const char *b);

/**
 * The parent of normalised name @p name: a pointer into @p name past its
 * first label, or NULL for a single-label name (a TLD).
 */
const char *name_parent(const char *name);

#endif /* MPIC_NAME_H */
