/*
 * test_dns_rdata.c: reading TXT, CNAME/PTR and A/AAAA rdata as the values
 * domain validation compares and records_seen shows, and building
 * reverse-lookup names (shared/dns_rdata.c).
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dns_rdata.h"
#include "resolver.h"

/* rdata from a C string literal (its length without the final NUL). */
#define RD(s) (const uint8_t *)(s), sizeof(s) - 1

/* --- dns_txt_join ---------------------------------------------------------- */

Test(dns_rdata, txt_strings_are_joined_without_separator)
{
	uint8_t out[64];
	long n = dns_txt_join(RD("\003abc\002de\001f"), out, sizeof(out));

	cr_assert_eq(n, 6);
	cr_assert(memcmp(out, "abcdef", 6) == 0);
}

Test(dns_rdata, txt_single_string_is_returned_as_is)
{
	uint8_t out[64];
	long n = dns_txt_join(RD("\053LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0"), out,
	    sizeof(out));

	cr_assert_eq(n, 43);
	cr_assert(memcmp(out, "LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0", 43) == 0);
}

Test(dns_rdata, txt_empty_strings_add_nothing)
{
	uint8_t out[16];

	cr_assert_eq(dns_txt_join(RD("\000"), out, sizeof(out)), 0);
	cr_assert_eq(dns_txt_join(RD("\000\000\000"), out, sizeof(out)), 0);
	cr_assert_eq(dns_txt_join(RD("\000\002ab\000\001c\000"), out, sizeof(out)), 3);
	cr_assert(memcmp(out, "abc", 3) == 0);
}

Test(dns_rdata, txt_string_of_255_bytes_is_read)
{
	uint8_t rd[1 + 255], out[255];

	rd[0] = 255;
	memset(rd + 1, 'z', 255);
	cr_assert_eq(dns_txt_join(rd, sizeof(rd), out, sizeof(out)), 255);
	cr_assert_eq(out[254], 'z');
}

Test(dns_rdata, txt_length_byte_past_the_end_is_malformed)
{
	uint8_t out[64];

	cr_assert_eq(dns_txt_join(RD("\004abc"), out, sizeof(out)), -1);
	cr_assert_eq(dns_txt_join(RD("\002ab\005cd"), out, sizeof(out)), -1);
	cr_assert_eq(dns_txt_join(RD("\002ab\001"), out, sizeof(out)), -1);
	cr_assert_eq(dns_txt_join(RD("\377"), out, sizeof(out)), -1);
}

Test(dns_rdata, txt_output_too_small_fails_and_exact_fits)
{
	uint8_t out[8];

	cr_assert_eq(dns_txt_join(RD("\003abc\003def"), out, 5), -1);
	cr_assert_eq(dns_txt_join(RD("\003abc\003def"), out, 6), 6);
	cr_assert_eq(dns_txt_join(RD("\001a"), out, 0), -1);
	/* Nothing to write needs no room. */
	cr_assert_eq(dns_txt_join(RD("\000"), out, 0), 0);
}

Test(dns_rdata, txt_nul_and_binary_bytes_are_kept)
{
	uint8_t out[16];
	long n = dns_txt_join(RD("\004a\000b\377\002\000\n"), out, sizeof(out));

	cr_assert_eq(n, 6);
	cr_assert(memcmp(out, "a\000b\377\000\n", 6) == 0);
}

Test(dns_rdata, txt_reads_only_len_bytes)
{
	/* Exactly sized heap copies: ASan catches a read past the rdata. */
	static const uint8_t src[] = "\003abc\002de";
	uint8_t *rd = malloc(sizeof(src) - 1), out[16];

	cr_assert_not_null(rd);
	memcpy(rd, src, sizeof(src) - 1);
	cr_assert_eq(dns_txt_join(rd, sizeof(src) - 1, out, sizeof(out)), 5);
	cr_assert_eq(dns_txt_join(rd, 4, out, sizeof(out)), 3);
	cr_assert_eq(dns_txt_join(rd, 5, out, sizeof(out)), -1);
	cr_assert_eq(dns_txt_join(rd, 0, out, sizeof(out)), 0);
	free(rd);
}

/* --- dns_name_text --------------------------------------------------------- */

static int
name_text(const uint8_t *rd, size_t len, char *out, size_t outlen)
{
	uint8_t *copy = malloc(len > 0 ? len : 1);
	int rc;

	cr_assert_not_null(copy);
	memcpy(copy, rd, len);
	rc = dns_name_text(copy, len, out, outlen);
	free(copy);
	return rc;
}

Test(dns_rdata, name_is_written_with_a_trailing_dot)
{
	char out[NAME_BUF + 1];

	cr_assert_eq(name_text(RD("\007example\003com\000"), out, sizeof(out)), 0);
	cr_assert_str_eq(out, "example.com.");
	cr_assert_eq(name_text(RD("\003www\007example\003com\000"), out, sizeof(out)), 0);
	cr_assert_str_eq(out, "www.example.com.");
}

Test(dns_rdata, root_name_is_a_single_dot)
{
	char out[4];

	cr_assert_eq(name_text(RD("\000"), out, sizeof(out)), 0);
	cr_assert_str_eq(out, ".");
	cr_assert_eq(name_text(RD("\000"), out, 2), 0);
	cr_assert_str_eq(out, ".");
}

Test(dns_rdata, name_keeps_the_case_it_was_sent_in)
{
	char out[64];

	cr_assert_eq(name_text(RD("\007ExAmPlE\003COM\000"), out, sizeof(out)), 0);
	cr_assert_str_eq(out, "ExAmPlE.COM.");
}

Test(dns_rdata, name_keeps_hyphens_underscores_and_digits)
{
	char out[64];

	cr_assert_eq(name_text(RD("\017_acme-challenge\0030-9\000"), out, sizeof(out)), 0);
	cr_assert_str_eq(out, "_acme-challenge.0-9.");
}

Test(dns_rdata, name_escapes_dot_and_backslash_inside_labels)
{
	char out[64];

	cr_assert_eq(name_text(RD("\003a.b\003c\\d\000"), out, sizeof(out)), 0);
	cr_assert_str_eq(out, "a\\.b.c\\\\d.");
}

Test(dns_rdata, name_writes_other_bytes_as_decimal_escapes)
{
	char out[64];

	cr_assert_eq(name_text(RD("\005a b*\377\004\000\"\n@\000"), out, sizeof(out)), 0);
	cr_assert_str_eq(out, "a\\032b\\042\\255.\\000\\034\\010\\064.");
}

Test(dns_rdata, name_label_of_63_bytes_is_read_and_64_rejected)
{
	uint8_t rd[1 + 64 + 1];
	char out[NAME_BUF + 1];

	rd[0] = 63;
	memset(rd + 1, 'a', 63);
	rd[64] = 0;
	cr_assert_eq(name_text(rd, 65, out, sizeof(out)), 0);
	cr_assert_eq(strlen(out), 64);

	rd[0] = 64;
	memset(rd + 1, 'a', 64);
	rd[65] = 0;
	cr_assert_eq(name_text(rd, 66, out, sizeof(out)), -1);
}

Test(dns_rdata, name_compression_pointer_is_rejected)
{
	char out[64];

	/* CNAME and PTR rdata come to us uncompressed: a pointer is malformed. */
	cr_assert_eq(name_text(RD("\300\014"), out, sizeof(out)), -1);
	cr_assert_eq(name_text(RD("\003www\300\014"), out, sizeof(out)), -1);
	/* The reserved label types 01 and 10 too. */
	cr_assert_eq(name_text(RD("\100\000"), out, sizeof(out)), -1);
	cr_assert_eq(name_text(RD("\200\000"), out, sizeof(out)), -1);
}

Test(dns_rdata, name_with_bytes_after_the_root_label_is_rejected)
{
	char out[64];

	/* CNAME and PTR rdata is exactly one name. */
	cr_assert_eq(name_text(RD("\007example\000junk"), out, sizeof(out)), -1);
}

Test(dns_rdata, name_truncated_rdata_is_rejected)
{
	char out[64];

	cr_assert_eq(name_text((const uint8_t *)"", 0, out, sizeof(out)), -1);
	cr_assert_eq(name_text(RD("\007exam"), out, sizeof(out)), -1);
	/* No terminating root label. */
	cr_assert_eq(name_text(RD("\007example\003com"), out, sizeof(out)), -1);
	cr_assert_eq(name_text(RD("\007example"), out, sizeof(out)), -1);
}

Test(dns_rdata, name_output_too_small_fails_and_exact_fits)
{
	char out[16];

	/* "example.com." is 12 characters and the NUL. */
	cr_assert_eq(name_text(RD("\007example\003com\000"), out, 12), -1);
	cr_assert_eq(name_text(RD("\007example\003com\000"), out, 13), 0);
	cr_assert_str_eq(out, "example.com.");
	/* An escape does not fit half-way. */
	cr_assert_eq(name_text(RD("\001\001\000"), out, 5), -1);
	cr_assert_eq(name_text(RD("\001\001\000"), out, 6), 0);
	cr_assert_str_eq(out, "\\001.");
	cr_assert_eq(name_text(RD("\000"), out, 1), -1);
	cr_assert_eq(name_text(RD("\000"), out, 0), -1);
}

/* --- dns_addr_text ---------------------------------------------------------- */

Test(dns_rdata, a_record_is_dotted_quad)
{
	static const uint8_t a[] = { 192, 0, 2, 1 };
	char out[INET6_ADDRSTRLEN];

	cr_assert_eq(dns_addr_text(DNS_TYPE_A, a, sizeof(a), out, sizeof(out)), 0);
	cr_assert_str_eq(out, "192.0.2.1");
}

Test(dns_rdata, aaaa_record_is_canonical_text)
{
	static const uint8_t aaaa[] = { 0x20, 0x01, 0x48, 0x60, 0x48, 0x60, 0, 0, 0, 0, 0, 0, 0, 0,
		0x88, 0x88 };
	static const uint8_t mapped[] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1 };
	char out[INET6_ADDRSTRLEN];

	cr_assert_eq(dns_addr_text(DNS_TYPE_AAAA, aaaa, sizeof(aaaa), out, sizeof(out)), 0);
	cr_assert_str_eq(out, "2001:4860:4860::8888");
	cr_assert_eq(dns_addr_text(DNS_TYPE_AAAA, mapped, sizeof(mapped), out, sizeof(out)), 0);
	cr_assert_str_eq(out, "::ffff:192.0.2.1");
}

Test(dns_rdata, address_of_the_wrong_length_is_rejected)
{
	uint8_t b[17] = { 0 };
	char out[INET6_ADDRSTRLEN];

	cr_assert_eq(dns_addr_text(DNS_TYPE_A, b, 3, out, sizeof(out)), -1);
	cr_assert_eq(dns_addr_text(DNS_TYPE_A, b, 5, out, sizeof(out)), -1);
	cr_assert_eq(dns_addr_text(DNS_TYPE_A, b, 16, out, sizeof(out)), -1);
	cr_assert_eq(dns_addr_text(DNS_TYPE_AAAA, b, 4, out, sizeof(out)), -1);
	cr_assert_eq(dns_addr_text(DNS_TYPE_AAAA, b, 15, out, sizeof(out)), -1);
	cr_assert_eq(dns_addr_text(DNS_TYPE_AAAA, b, 17, out, sizeof(out)), -1);
	cr_assert_eq(dns_addr_text(DNS_TYPE_A, b, 0, out, sizeof(out)), -1);
}

Test(dns_rdata, address_of_another_type_is_rejected)
{
	uint8_t b[16] = { 0 };
	char out[INET6_ADDRSTRLEN];

	cr_assert_eq(dns_addr_text(DNS_TYPE_TXT, b, 4, out, sizeof(out)), -1);
	cr_assert_eq(dns_addr_text(DNS_TYPE_PTR, b, 16, out, sizeof(out)), -1);
}

Test(dns_rdata, address_output_too_small_fails)
{
	static const uint8_t a[] = { 192, 0, 2, 1 };
	char out[16];

	cr_assert_eq(dns_addr_text(DNS_TYPE_A, a, sizeof(a), out, 9), -1);
	cr_assert_eq(dns_addr_text(DNS_TYPE_A, a, sizeof(a), out, 10), 0);
	cr_assert_str_eq(out, "192.0.2.1");
}

/* --- dns_reverse_name -------------------------------------------------------- */

Test(dns_rdata, reverse_name_of_ipv4_reverses_the_octets)
{
	static const uint8_t a[] = { 192, 0, 2, 1 };
	static const uint8_t b[] = { 10, 255, 0, 200 };
	char out[NAME_BUF];

	cr_assert_eq(dns_reverse_name(AF_INET, a, out, sizeof(out)), 0);
	cr_assert_str_eq(out, "1.2.0.192.in-addr.arpa");
	cr_assert_eq(dns_reverse_name(AF_INET, b, out, sizeof(out)), 0);
	cr_assert_str_eq(out, "200.0.255.10.in-addr.arpa");
}

Test(dns_rdata, reverse_name_of_ipv6_is_32_nibbles)
{
	/* RFC 3596 section 2.5's example, 4321:0:1:2:3:4:567:89ab. */
	static const uint8_t a[] = { 0x43, 0x21, 0, 0, 0, 1, 0, 2, 0, 3, 0, 4, 0x05, 0x67, 0x89,
		0xab };
	static const uint8_t doc[] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0x01 };
	char out[NAME_BUF];

	cr_assert_eq(dns_reverse_name(AF_INET6, a, out, sizeof(out)), 0);
	cr_assert_str_eq(out,
	    "b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.0.0.0.1.2.3.4.ip6.arpa");
	cr_assert_eq(dns_reverse_name(AF_INET6, doc, out, sizeof(out)), 0);
	cr_assert_str_eq(out,
	    "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
}

Test(dns_rdata, reverse_name_output_too_small_fails_and_exact_fits)
{
	static const uint8_t a4[] = { 192, 0, 2, 1 };
	uint8_t a6[16] = { 0 };
	char out[NAME_BUF];

	/* "1.2.0.192.in-addr.arpa" is 22 characters. */
	cr_assert_eq(dns_reverse_name(AF_INET, a4, out, 22), -1);
	cr_assert_eq(dns_reverse_name(AF_INET, a4, out, 23), 0);
	cr_assert_str_eq(out, "1.2.0.192.in-addr.arpa");
	/* 64 nibble characters and "ip6.arpa": 72 and the NUL. */
	cr_assert_eq(dns_reverse_name(AF_INET6, a6, out, 72), -1);
	cr_assert_eq(dns_reverse_name(AF_INET6, a6, out, 73), 0);
	cr_assert_eq(strlen(out), 72);
}

Test(dns_rdata, reverse_name_of_another_family_fails)
{
	uint8_t a[16] = { 0 };
	char out[NAME_BUF];

	cr_assert_eq(dns_reverse_name(AF_UNIX, a, out, sizeof(out)), -1);
}
