/*
 * test_addr_policy.c: the special-purpose address check that stands
 * between a hostile target and our connections.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <string.h>

#include "addr_policy.h"

static bool
allowed(const struct addr_policy *p, const char *text, const char **why)
{
	uint8_t a[16], v4[4];

	if (inet_pton(AF_INET, text, v4) == 1)
		addr_map_v4(v4, a);
	else
		cr_assert_eq(inet_pton(AF_INET6, text, a), 1, "bad test address %s", text);
	*why = NULL;
	return addr_allowed(p, a, why);
}

Test(addr_policy, special_purpose_addresses_are_refused)
{
	static const char *const refused[] = {
		"0.0.0.0", "0.1.2.3", "10.0.0.1", "10.255.0.1", "100.64.0.1", "100.127.255.254",
		"127.0.0.1", "127.255.255.255", "169.254.169.254", "172.16.0.1", "172.31.255.255",
		"192.0.0.1", "192.0.2.1", "192.88.99.1", "192.168.1.1", "198.18.0.1",
		"198.19.255.255", "198.51.100.7", "203.0.113.9", "224.0.0.1", "239.255.255.250",
		"240.0.0.1", "255.255.255.255",
		"::", "::1", "::a9fe:a9fe", "::ffff:10.255.0.1", "64:ff9b::a9fe:a9fe",
		"64:ff9b:1::1", "100::1", "2001::1", "2001:0:4136:e378:8000:63bf:3fff:fdd2",
		"2001:2::1", "2001:db8::1", "2002:aff:1::1", "3fff::1", "fc00::1", "fd12:3456::1",
		"fe80::1", "fec0::1", "ff02::1", "5f00::1",
	};
	struct addr_policy p;
	const char *why;

	cr_assert_eq(addr_policy_init(&p, NULL, 0, NULL, 0), 0);
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		cr_expect_not(allowed(&p, refused[i], &why), "%s was allowed", refused[i]);
		cr_expect_not_null(why, "%s: no reason", refused[i]);
	}
}

Test(addr_policy, global_unicast_is_allowed)
{
	static const char *const ok[] = {
		"1.1.1.1", "8.8.8.8", "9.255.255.255", "11.0.0.0", "100.63.255.255", "100.128.0.0",
		"126.255.255.255", "128.0.0.1", "169.253.255.255", "172.15.255.255", "172.32.0.0",
		"192.0.1.255", "192.0.3.0", "192.167.255.255", "192.169.0.0", "198.17.255.255",
		"198.20.0.0", "223.255.255.255", "140.82.1.140", "::ffff:8.8.8.8",
		"2001:4860:4860::8888", "2a00:1450:4001:80b::200e", "2600::1", "3ffe::1",
		"2001:200::1",
	};
	struct addr_policy p;
	const char *why;

	cr_assert_eq(addr_policy_init(&p, NULL, 0, NULL, 0), 0);
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		cr_expect(allowed(&p, ok[i], &why), "%s refused: %s", ok[i], why);
}

Test(addr_policy, the_reason_names_the_registry_entry)
{
	struct addr_policy p;
	const char *why;

	cr_assert_eq(addr_policy_init(&p, NULL, 0, NULL, 0), 0);
	cr_assert_not(allowed(&p, "169.254.169.254", &why));
	cr_assert_str_eq(why, "link-local (169.254.0.0/16)");
	cr_assert_not(allowed(&p, "::1", &why));
	cr_assert_str_eq(why, "not global unicast IPv6 (outside 2000::/3)");
}

Test(addr_policy, allow_address_ranges_are_the_only_exception)
{
	static const char *const ranges[] = { "127.0.0.0/8", "fd00::/8" };
	struct addr_policy p;
	const char *why;

	cr_assert_eq(addr_policy_init(&p, ranges, 2, NULL, 0), 0);
	cr_expect(allowed(&p, "127.0.80.1", &why));
	cr_expect(allowed(&p, "fd00::5", &why));
	cr_expect_not(allowed(&p, "10.255.0.1", &why));
	cr_expect_not(allowed(&p, "169.254.169.254", &why));
	cr_expect_not(allowed(&p, "::1", &why));
	cr_expect_not(allowed(&p, "fe80::1", &why));
}

Test(addr_policy, bad_ranges_are_refused)
{
	static const char *const bad[] = { "127.0.0.1/8" };
	struct addr_policy p;
	char err[128];

	cr_assert_eq(addr_policy_init(&p, bad, 1, err, sizeof(err)), -1);
	cr_assert(strstr(err, "127.0.0.1/8") != NULL, "%s", err);
}

Test(addr_policy, socket_addresses_with_a_zone_id_are_refused)
{
	struct sockaddr_in6 in6;
	struct sockaddr_in in;
	struct addr_policy p;
	const char *why;

	cr_assert_eq(addr_policy_init(&p, NULL, 0, NULL, 0), 0);
	memset(&in6, 0, sizeof(in6));
	in6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "2600::1", &in6.sin6_addr);
	cr_expect(addr_allowed_sa(&p, (struct sockaddr *)&in6, &why));
	in6.sin6_scope_id = 1;
	cr_expect_not(addr_allowed_sa(&p, (struct sockaddr *)&in6, &why));
	memset(&in, 0, sizeof(in));
	in.sin_family = AF_INET;
	inet_pton(AF_INET, "10.1.2.3", &in.sin_addr);
	cr_expect_not(addr_allowed_sa(&p, (struct sockaddr *)&in, &why));
	inet_pton(AF_INET, "8.8.4.4", &in.sin_addr);
	cr_expect(addr_allowed_sa(&p, (struct sockaddr *)&in, &why));
}
