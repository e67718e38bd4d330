/*
 * dnssec_proof.h: proving that a name lies in a DNSSEC-insecure zone.
 *
 * BR 3.2.2.8 lets a CA treat a CAA lookup failure as permission only if,
 * among other things, the domain's zone does not have a DNSSEC validation
 * chain to the ICANN root, shown the way RFC 4035 section 4.3 defines
 * "Insecure": a validated proof that some delegation above the name has no
 * DS record. A failure inside a signed zone, or a bogus answer, is never
 * permission.
 *
 * The proof walks from the name towards the root asking for DS records:
 *   - a definite answer the validator marks insecure: the name is below an
 *     insecure delegation (proven);
 *   - a validated denial (NSEC or NSEC3) of DS at a delegation point, or an
 *     NSEC3 opt-out span covering it: an insecure delegation (proven);
 *   - a validated DS RRset: the chain of trust reaches this far, so the
 *     failure is inside a signed zone (not proven);
 *   - a bogus answer (not proven);
 *   - a lookup failure: the name is inside the failing zone; go up.
 * A definite, validated answer from the parent also shows that our side of
 * the network works, which is the BR's "outside the CA's infrastructure".
 */
#ifndef MPIC_DNSSEC_PROOF_H
#define MPIC_DNSSEC_PROOF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "resolver.h"

struct dnssec_proof;

/* @p why: one line saying what was proven or why nothing was. */
typedef void (*dnssec_proof_cb)(void *arg, bool insecure, const char *why);

/**
 * Start the walk for normalised @p name. The callback runs later from the
 * event loop, once, unless dnssec_proof_cancel() is called first.
 * @return the walk, or NULL if it could not start.
 */
struct dnssec_proof *dnssec_prove_insecure(struct resolver *r, const char *name,
    dnssec_proof_cb cb, void *arg);

void dnssec_proof_cancel(struct dnssec_proof *p);

/*
 * The pure parts, exposed for tests.
 */

/** Whether an NSEC/NSEC3 type bitmap (RFC 4034 4.1.2) lists @p type. */
bool dnssec_bitmap_has(const uint8_t *bitmap, size_t len, uint16_t type);

/**
 * Does this validated denial show an insecure delegation at @p name (NSEC or
 * NSEC3 at the name with NS but neither DS nor SOA, or an NSEC3 opt-out span
 * covering the name's hash)?
 */
bool dnssec_denial_shows_insecure_cut(const struct dns_answer *a, const char *name);

/**
 * NSEC3 hash of @p name (RFC 5155 5, SHA-1) in lower-case base32hex
 * without padding; @p out needs 33 bytes.
 * @return 0, or -1 for an unsupported algorithm or bad name.
 */
int dnssec_nsec3_hash(const char *name, uint8_t alg, uint16_t iterations,
    const uint8_t *salt, size_t salt_len, char out[33]);

#endif /* MPIC_DNSSEC_PROOF_H */
