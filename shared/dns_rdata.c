/*
 * dns_rdata.c: TXT, CNAME/PTR, A/AAAA rdata as text; reverse names.
 */
#include "dns_rdata.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "resolver.h"

long
dns_txt_join(const uint8_t *rdata, size_t len, uint8_t *out, size_t outlen)
{
	size_t i = 0, o = 0;

	while (i < len) {
		size_t n = rdata[i++];

		if (n > len - i || n > outlen - o)
			return -1;
		memcpy(out + o, rdata + i, n);
		o += n;
		i += n;
	}
	return (long)o;
}

static int
put(char *out, size_t outlen, size_t *o, const char *s, size_t n)
{
	if (*o + n >= outlen)
		return -1;
	memcpy(out + *o, s, n);
	*o += n;
	return 0;
}

int
dns_name_text(const uint8_t *rdata, size_t len, char *out, size_t outlen)
{
	size_t i = 0, o = 0;

	if (outlen == 0)
		return -1;
	for (;;) {
		size_t n;

		if (i >= len)
			return -1;
		n = rdata[i++];
		if (n == 0)
			break;
		/* Uncompressed wire form only; a pointer here is malformed. */
		if (n > 63 || n > len - i)
			return -1;
		for (size_t k = 0; k < n; k++) {
			uint8_t c = rdata[i + k];
			char esc[8];
			int e;

			if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '-' || c == '_') {
				esc[0] = (char)c;
				e = 1;
			} else if (c == '.' || c == '\\') {
				esc[0] = '\\';
				esc[1] = (char)c;
				e = 2;
			} else {
				e = snprintf(esc, sizeof(esc), "\\%03u", c);
			}
			if (put(out, outlen, &o, esc, (size_t)e) == -1)
				return -1;
		}
		if (put(out, outlen, &o, ".", 1) == -1)
			return -1;
		i += n;
	}
	/* The name must be the whole rdata. */
	if (i != len)
		return -1;
	if (o == 0 && put(out, outlen, &o, ".", 1) == -1)
		return -1;
	out[o] = '\0';
	return 0;
}

int
dns_addr_text(uint16_t type, const uint8_t *rdata, size_t len, char *out, size_t outlen)
{
	if (type == DNS_TYPE_A && len == 4)
		return inet_ntop(AF_INET, rdata, out, (socklen_t)outlen) != NULL ? 0 : -1;
	if (type == DNS_TYPE_AAAA && len == 16)
		return inet_ntop(AF_INET6, rdata, out, (socklen_t)outlen) != NULL ? 0 : -1;
	return -1;
}

int
dns_reverse_name(int family, const uint8_t *addr, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	int n;

	if (family == AF_INET) {
		n = snprintf(out, outlen, "%u.%u.%u.%u.in-addr.arpa", addr[3], addr[2], addr[1],
		    addr[0]);
		return n > 0 && (size_t)n < outlen ? 0 : -1;
	}
	if (family == AF_INET6) {
		size_t o = 0;

		/* 32 nibbles, least significant first, each followed by a dot. */
		if (outlen < 64 + sizeof("ip6.arpa"))
			return -1;
		for (int i = 15; i >= 0; i--) {
			out[o++] = hex[addr[i] & 0xf];
			out[o++] = '.';
			out[o++] = hex[addr[i] >> 4];
			out[o++] = '.';
		}
		memcpy(out + o, "ip6.arpa", sizeof("ip6.arpa"));
		return 0;
	}
	return -1;
}
