/*
 * base64.h: RFC 4648 base64 (for response_page) and base64url without
 * padding (ACME values).
 */
#ifndef MPIC_BASE64_H
#define MPIC_BASE64_H

#include <stddef.h>
#include <stdint.h>

/** Bytes needed to encode @p len bytes with padding, plus the NUL. */
#define BASE64_LEN(len) ((((len) + 2) / 3) * 4 + 1)

/** Encode with the standard alphabet and padding; @p out needs BASE64_LEN(len). */
void base64_encode(const uint8_t *in, size_t len, char *out);

/**
 * Decode base64url without padding (RFC 4648 section 5; RFC 8555 values).
 * @return the decoded length, or -1 if @p in is not strictly that (bad
 *         character, padding, impossible length, non-zero trailing bits)
 *         or does not fit in @p outlen.
 */
long base64url_decode(const char *in, size_t len, uint8_t *out, size_t outlen);

#endif /* MPIC_BASE64_H */
