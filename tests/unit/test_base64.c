/*
 * test_base64.c: base64 for response_page (RFC 4648 4) and strict base64url
 * for ACME values (RFC 4648 5, no padding).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "base64.h"

Test(base64, rfc4648_test_vectors)
{
	static const char *const in[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *const out[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=",
		"Zm9vYmFy" };
	char buf[BASE64_LEN(6)];

	for (size_t i = 0; i < 7; i++) {
		base64_encode((const uint8_t *)in[i], strlen(in[i]), buf);
		cr_expect_str_eq(buf, out[i]);
	}
}

Test(base64, url_decoding_is_strict)
{
	uint8_t out[32];

	cr_assert_eq(base64url_decode("Zm9vYmFy", 8, out, sizeof(out)), 6);
	cr_assert(memcmp(out, "foobar", 6) == 0);
	cr_assert_eq(base64url_decode("Zm9vYg", 6, out, sizeof(out)), 4);
	cr_assert_eq(base64url_decode("-_8", 3, out, sizeof(out)), 2);
	cr_assert_eq(out[0], 0xfb);
	cr_assert_eq(out[1], 0xff);
	/* Padding, the standard alphabet, a lone character, stray bits: refused. */
	cr_assert_eq(base64url_decode("Zg==", 4, out, sizeof(out)), -1);
	cr_assert_eq(base64url_decode("+/8", 3, out, sizeof(out)), -1);
	cr_assert_eq(base64url_decode("Zm9vY", 5, out, sizeof(out)), -1);
	cr_assert_eq(base64url_decode("Zh", 2, out, sizeof(out)), -1);
	cr_assert_eq(base64url_decode("Zm9vYmFy", 8, out, 5), -1);
}
