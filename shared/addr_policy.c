/*
 * addr_policy.c: the special-purpose address check (see addr_policy.h).
 * Tables from the IANA IPv4 and IPv6 Special-Purpose Address Registries;
 * only ranges that are globally reachable unicast remain allowed.
 */
#include "addr_policy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "config.h"

struct range {
	uint8_t net[16];
	unsigned len;
	const char *what;
};

/* IPv4 ranges, written as IPv4-mapped IPv6 (prefix + 96). */
#define V4(a, b, c, d, l, w) \
	{ { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, a, b, c, d }, 96 + (l), w }

static const struct range v4_special[] = {
	V4(0, 0, 0, 0, 8, "this network (0.0.0.0/8)"),
	V4(10, 0, 0, 0, 8, "private-use (10.0.0.0/8)"),
	V4(100, 64, 0, 0, 10, "shared address space (100.64.0.0/10)"),
	V4(127, 0, 0, 0, 8, "loopback (127.0.0.0/8)"),
	V4(169, 254, 0, 0, 16, "link-local (169.254.0.0/16)"),
	V4(172, 16, 0, 0, 12, "private-use (172.16.0.0/12)"),
	V4(192, 0, 0, 0, 24, "IETF protocol assignments (192.0.0.0/24)"),
	V4(192, 0, 2, 0, 24, "documentation (192.0.2.0/24)"),
	V4(192, 88, 99, 0, 24, "6to4 relay anycast (192.88.99.0/24)"),
	V4(192, 168, 0, 0, 16, "private-use (192.168.0.0/16)"),
	V4(198, 18, 0, 0, 15, "benchmarking (198.18.0.0/15)"),
	V4(198, 51, 100, 0, 24, "documentation (198.51.100.0/24)"),
	V4(203, 0, 113, 0, 24, "documentation (203.0.113.0/24)"),
	V4(224, 0, 0, 0, 4, "multicast (224.0.0.0/4)"),
	V4(240, 0, 0, 0, 4, "reserved (240.0.0.0/4)"),
};

/* IPv6 ranges inside global unicast (2000::/3) that are not global. */
static const struct range v6_special[] = {
	{ { 0x20, 0x01, 0, 0 }, 23, "IETF protocol assignments, Teredo (2001::/23)" },
	{ { 0x20, 0x01, 0x0d, 0xb8 }, 32, "documentation (2001:db8::/32)" },
	{ { 0x20, 0x02 }, 16, "6to4 (2002::/16)" },
	{ { 0x3f, 0xff }, 20, "documentation (3fff::/20)" },
};

static bool
in_prefix(const uint8_t a[16], const uint8_t net[16], unsigned len)
{
	unsigned full = len / 8, rest = len % 8;

	if (memcmp(a, net, full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((a[full] ^ net[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

void
addr_map_v4(const uint8_t v4[4], uint8_t out[16])
{
	memset(out, 0, 10);
	out[10] = 0xff;
	out[11] = 0xff;
	memcpy(out + 12, v4, 4);
}

int
addr_policy_init(struct addr_policy *p, const char *const *ranges, size_t n, char *err,
    size_t errlen)
{
	memset(p, 0, sizeof(*p));
	if (n > ADDR_POLICY_MAX_ALLOW) {
		snprintf(err, errlen, "more than %d allow_address ranges", ADDR_POLICY_MAX_ALLOW);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (cfg_parse_cidr(ranges[i], p->allow[i].net, &p->allow[i].len) == -1) {
			snprintf(err, errlen, "allow_address %s: not an address range", ranges[i]);
			return -1;
		}
	}
	p->n_allow = n;
	return 0;
}

bool
addr_allowed(const struct addr_policy *p, const uint8_t a[16], const char **why)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	/* The lab's exception comes first: it may open any range on purpose. */
	for (size_t i = 0; p != NULL && i < p->n_allow; i++)
		if (in_prefix(a, p->allow[i].net, p->allow[i].len))
			return true;
	if (memcmp(a, mapped, sizeof(mapped)) == 0) {
		for (size_t i = 0; i < sizeof(v4_special) / sizeof(v4_special[0]); i++) {
			if (in_prefix(a, v4_special[i].net, v4_special[i].len)) {
				*why = v4_special[i].what;
				return false;
			}
		}
		return true;
	}
	/*
	 * Everything outside 2000::/3 (unspecified, loopback, IPv4-compatible,
	 * IPv4-mapped written in IPv6, NAT64 64:ff9b::/96, discard 100::/64,
	 * unique-local fc00::/7, link-local fe80::/10, site-local fec0::/10,
	 * multicast ff00::/8) is not global unicast.
	 */
	if ((a[0] & 0xe0) != 0x20) {
		*why = "not global unicast IPv6 (outside 2000::/3)";
		return false;
	}
	for (size_t i = 0; i < sizeof(v6_special) / sizeof(v6_special[0]); i++) {
		if (in_prefix(a, v6_special[i].net, v6_special[i].len)) {
			*why = v6_special[i].what;
			return false;
		}
	}
	return true;
}

bool
addr_allowed_sa(const struct addr_policy *p, const struct sockaddr *sa, const char **why)
{
	uint8_t a[16];

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;

		addr_map_v4((const uint8_t *)&in->sin_addr, a);
		return addr_allowed(p, a, why);
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;

		if (in6->sin6_scope_id != 0) {
			*why = "an IPv6 address with a zone id";
			return false;
		}
		memcpy(a, &in6->sin6_addr, 16);
		return addr_allowed(p, a, why);
	}
	*why = "not an IP address";
	return false;
}
