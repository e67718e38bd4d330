/*
 * dcv.c: what every validation method shares: the methods table, the
 * names the DNS methods ask, dns-account-01's label, parameter checks that
 * go beyond the request schema, and results.
 */
#include "dcv_engine.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/evp.h>

const struct dcv_method_info dcv_methods[DCV_METHOD_COUNT] = {
	[DCV_WEBSITE_CHANGE] = { "website-change", "3.2.2.4.18", false, 0, NULL, -1 },
	[DCV_ACME_HTTP_01] = { "acme-http-01", "3.2.2.4.19", false, 0, NULL, 1 },
	[DCV_ACME_DNS_01] = { "acme-dns-01", "3.2.2.4.7", true, DNS_TYPE_TXT, "_acme-challenge", 1 },
	[DCV_ACME_TLS_ALPN_01] = { "acme-tls-alpn-01", "3.2.2.4.20", false, 0, NULL, 0 },
	[DCV_DNS_CHANGE] = { "dns-change", "3.2.2.4.7", true, 0, NULL, -1 },
	[DCV_DNS_PERSISTENT] = { "dns-persistent", "3.2.2.4.22", true, DNS_TYPE_TXT,
	    "_validation-persist", 0 },
	[DCV_CONTACT_EMAIL_TXT] = { "contact-email-txt", "3.2.2.4.14", true, DNS_TYPE_TXT,
	    "_validation-contactemail", 0 },
	[DCV_CONTACT_PHONE_TXT] = { "contact-phone-txt", "3.2.2.4.16", true, DNS_TYPE_TXT,
	    "_validation-contactphone", 0 },
	[DCV_CONTACT_EMAIL_CAA] = { "contact-email-caa", "3.2.2.4.13", true, DNS_TYPE_CAA, NULL, 0 },
	[DCV_CONTACT_PHONE_CAA] = { "contact-phone-caa", "3.2.2.4.17", true, DNS_TYPE_CAA, NULL, 0 },
	[DCV_IP_ADDRESS] = { "ip-address", "3.2.2.4.8", true, 0, NULL, 0 },
	[DCV_REVERSE_ADDRESS_LOOKUP] = { "reverse-address-lookup", "3.2.2.5.3", true, DNS_TYPE_PTR,
	    NULL, 0 },
	[DCV_DNS_ACCOUNT_01] = { "dns-account-01", "3.2.2.4.21", true, DNS_TYPE_TXT, NULL, 1 },
};

int
dcv_method_from_name(const char *name)
{
	for (int i = 0; i < DCV_METHOD_COUNT; i++)
		if (strcmp(dcv_methods[i].name, name) == 0)
			return i;
	return -1;
}

int
dcv_account_label(const char *account_uri, char out[17])
{
	static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (EVP_Digest(account_uri, strlen(account_uri), md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen < 10)
		return -1;
	/* BR 3.2.2.4.21: base32 of the first 10 bytes: 80 bits, 16 characters. */
	for (size_t i = 0; i < 16; i++) {
		size_t bit = i * 5, byte = bit / 8, shift = bit % 8;
		unsigned v = (unsigned)md[byte] << 8 | (byte + 1 < 10 ? md[byte + 1] : 0);

		out[i] = b32[(v >> (11 - shift)) & 0x1f];
	}
	out[16] = '\0';
	return 0;
}

int
dcv_query_name(const struct dcv_params *p, const char *name, char out[NAME_BUF])
{
	const char *prefix = dcv_methods[p->method].prefix;
	char label[17], acct[40];
	int n;

	if (p->method == DCV_DNS_ACCOUNT_01) {
		if (p->account_uri == NULL || dcv_account_label(p->account_uri, label) == -1)
			return -1;
		snprintf(acct, sizeof(acct), "_%s._acme-challenge", label);
		prefix = acct;
	} else if (prefix == NULL) {
		prefix = p->name_prefix;
	}
	if (prefix != NULL && prefix[0] != '\0')
		n = snprintf(out, NAME_BUF, "%s.%s", prefix, name);
	else
		n = snprintf(out, NAME_BUF, "%s", name);
	return n > 0 && n < NAME_BUF ? 0 : -1;
}

bool
dcv_parameter_invalid(const struct dcv_params *p, const char **field)
{
	uint8_t addr[16];

	/* An address of the other family is no error: it just never matches. */
	if (p->method == DCV_IP_ADDRESS && p->challenge_value != NULL &&
	    inet_pton(AF_INET, p->challenge_value, addr) != 1 &&
	    inet_pton(AF_INET6, p->challenge_value, addr) != 1) {
		*field = "challenge_value";
		return true;
	}
	if (p->method == DCV_ACME_TLS_ALPN_01 && !p->alpn_digest_ok) {
		*field = "key_authorization_hash";
		return true;
	}
	return false;
}


void
dcv_check_cancel(struct dcv_check *c)
{
	if (c != NULL)
		c->cancel(c);
}

void
dcv_result_release(struct dcv_result *res)
{
	for (size_t i = 0; i < res->n_seen; i++)
		free(res->records_seen[i]);
	free(res->records_seen);
	free(res->seen_len);
	for (size_t i = 0; i < res->n_history; i++)
		free(res->history[i].location);
	free(res->history);
	free(res->response_url);
	free(res->response_page);
	for (size_t i = 0; i < res->n_addresses; i++)
		free(res->addresses[i]);
	free(res->addresses);
}
