/*
 * addr_policy.h: which addresses a validation may connect to.
 *
 * An HTTP or TLS-ALPN check connects wherever the applicant's DNS and
 * redirects point, so every address is checked against the IANA IPv4 and
 * IPv6 Special-Purpose Address Registries before any connection: loopback,
 * private (RFC 1918), shared (CGNAT, 100.64/10), link-local, "this network",
 * documentation, benchmarking (198.18/15), multicast, reserved, IPv4-mapped
 * and -compatible IPv6, NAT64 and 6to4/Teredo embeddings, unique-local and
 * site-local IPv6 are refused, and so is any IPv6 address outside global
 * unicast (2000::/3). Addresses with a zone id are refused. The configured
 * allow_address ranges (test labs only) are the one exception.
 */
#ifndef MPIC_ADDR_POLICY_H
#define MPIC_ADDR_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sockaddr;

#define ADDR_POLICY_MAX_ALLOW 64

struct addr_policy {
	struct {
		uint8_t net[16];  /* IPv4 as ::ffff:a.b.c.d */
		unsigned len;     /* 0..128 */
	} allow[ADDR_POLICY_MAX_ALLOW];
	size_t n_allow;
};

/**
 * Build a policy from allow_address ranges ("addr/len", as config.h's
 * cfg_parse_cidr() reads them).
 * @return 0, or -1 with the offending range in @p err.
 */
int addr_policy_init(struct addr_policy *p, const char *const *ranges, size_t n, char *err,
    size_t errlen);

/**
 * May a validation connect to this address? IPv4 addresses are given in
 * their IPv4-mapped IPv6 form.
 * @param why when refused, a static text naming the registry entry,
 *            e.g. "private-use (10.0.0.0/8)"
 */
bool addr_allowed(const struct addr_policy *p, const uint8_t addr[16], const char **why);

/** The same for a socket address (AF_INET or AF_INET6; a zone id is refused). */
bool addr_allowed_sa(const struct addr_policy *p, const struct sockaddr *sa, const char **why);

/** Put IPv4 @p v4 (4 bytes) into @p out as ::ffff:a.b.c.d. */
void addr_map_v4(const uint8_t v4[4], uint8_t out[16]);

#endif /* MPIC_ADDR_POLICY_H */
