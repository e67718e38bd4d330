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
 *
 * Further decisions (see name.c for the reasons):
 * - Upper case is lowered; one trailing dot is dropped, two are an empty
 *   label. A wildcard's "*." counts toward the 253 octets.
 * - A label with "--" in its third and fourth positions must be a valid
 *   "xn--" A-label (RFC 5890 R-LDH), so "ab--cd" is refused as libidn2
 *   and Open MPIC's Python idna both do.
 * - A last label that is all digits, or "0x" and hex digits, is refused as
 *   "numeric top-level label": "1.2.3.256", "example.123", "127.1",
 *   "0x7f.0.0.1". name_normalize() therefore never accepts an IP literal;
 *   target_parse() routes input made only of digits and dots to its strict
 *   IPv4 parser instead (so there "1.2.3.256" is "IPv4 octet out of range").
 * - UTS #46 mapping may change a name's shape (U+3002, the ideographic
 *   full stop, becomes a dot; a label of only U+00AD vanishes); the checks
 *   are applied again to the result, so "example.com" followed by U+3002
 *   is an empty label, not a trailing dot.
 *
 * Rejection reasons (static strings, stable for tests and logs):
 *   "input too long", "empty name", "empty label", "NUL byte",
 *   "invalid UTF-8", "non-LDH character", "label starts or ends with a
 *   hyphen", "hyphens in third and fourth position", "label longer than 63
 *   octets", "name longer than 253 octets", "bad xn-- label",
 *   "wildcard without a base name", "misplaced wildcard", "wildcard not
 *   allowed", "numeric top-level label", "disallowed code point",
 *   "unassigned code point", "contextual rule violated", "bidi rule
 *   violated", "label starts with a combining mark", "not in NFC",
 *   "IDNA conversion failed", "out of memory"; and from target_parse():
 *   "IPv4 address not a dotted quad", "leading zero in IPv4 address",
 *   "IPv4 octet out of range", "invalid IPv4 literal", "unbalanced
 *   bracket", "IPv6 zone id not allowed", "invalid IPv6 literal".
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
 * for name_normalize(). IP literals get their canonical text (inet_ntop(),
 * RFC 5952 for IPv6) in @p t->name. No special-purpose address check is
 * made here; that belongs to whoever connects.
 * @return 0, or -1 with a static reason in @p why.
 */
int target_parse(const char *in, size_t len, unsigned flags, struct target *t,
    const char **why);

/**
 * True if @p a ends with the labels of @p b (or equals it); both normalised.
 * Whole labels only ("badexample.com" is not under "example.com"); false if
 * either is NULL or @p b is empty.
 */
bool name_is_subdomain(const char *a, const char *b);

/**
 * The parent of normalised name @p name: a pointer into @p name past its
 * first label, or NULL for a single-label name (a TLD).
 */
const char *name_parent(const char *name);

#endif /* MPIC_NAME_H */
