/*
 * dns_rdata.h: reading the rdata of the record types domain validation
 * looks at (TXT, CNAME, PTR, A, AAAA, CAA), from the raw wire form that
 * struct dns_rr carries. Pure functions over bytes from the network.
 */
#ifndef MPIC_DNS_RDATA_H
#define MPIC_DNS_RDATA_H

#include <stddef.h>
#include <stdint.h>

/* A TXT record's strings joined, at most this long (64 KiB of rdata). */
#define DNS_TXT_MAX 65535

/**
 * Join a TXT record's character-strings with no separator (as Open MPIC's
 * records_seen shows them). The output may hold any byte, NUL included.
 * @return the length, or -1 if the rdata is malformed or @p outlen is small.
 */
long dns_txt_join(const uint8_t *rdata, size_t len, uint8_t *out, size_t outlen);

/**
 * A domain name in uncompressed wire form (CNAME and PTR rdata) as text
 * with a trailing dot, in the case it was sent; bytes outside letters,
 * digits, hyphen and underscore are written as \DDD, a dot inside a label
 * as "\.". The root is ".".
 * @return 0, or -1 if malformed or @p out is too small.
 */
int dns_name_text(const uint8_t *rdata, size_t len, char *out, size_t outlen);

/**
 * A or AAAA rdata as text (inet_ntop's canonical form).
 * @return 0, or -1 if the length does not fit the type.
 */
int dns_addr_text(uint16_t type, const uint8_t *rdata, size_t len, char *out, size_t outlen);

/**
 * The reverse-lookup name of an address: "4.3.2.1.in-addr.arpa" or the
 * 32 nibbles of ip6.arpa, without a trailing dot.
 * @param family AF_INET (4 bytes) or AF_INET6 (16 bytes)
 */
int dns_reverse_name(int family, const uint8_t *addr, char *out, size_t outlen);

#endif /* MPIC_DNS_RDATA_H */
