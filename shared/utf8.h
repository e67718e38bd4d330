/*
 * utf8.h: strict UTF-8 decoding, shared by the JSON codec, the log and the
 * name normaliser (RFC 3629 and Unicode's table 3-7: no overlong forms, no
 * surrogates, nothing above U+10FFFF, no truncated sequences).
 */
#ifndef MPIC_UTF8_H
#define MPIC_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
 * Decode the sequence at @p s (@p len > 0).
 * @return its length with the code point in @p cp, or 0 when it is invalid,
 *         with @p skip set to the length of the maximal invalid subpart (at
 *         least 1): the unit Unicode recommends replacing by one U+FFFD
 *         (chapter 3, "U+FFFD Substitution of Maximal Subparts").
 */
size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *cp, size_t *skip);

/** Whether all @p len bytes are valid UTF-8. */
bool utf8_valid(const unsigned char *s, size_t len);

#endif /* MPIC_UTF8_H */
