/*
 * fuzz_redirect.c: libFuzzer harness for the redirect rules of HTTP
 * validation (dcv_redirect_resolve()): any Location, against a few base
 * URLs. Whatever libcurl's parser makes of the bytes, an accepted next hop
 * must be an absolute http or https URL on port 80 or 443 with a host, no
 * user information and no zone id, and must parse again to the same host
 * and port; the output buffers are never overrun.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "dcv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define CHECK(cond)                                                                    \
	do {                                                                           \
		if (!(cond)) {                                                         \
			fprintf(stderr, "fuzz_redirect: invariant failed: %s (%s:%d)\n", \
			    #cond, __FILE__, __LINE__);                                \
			abort();                                                       \
		}                                                                      \
	} while (0)

static const char *const bases[] = {
	"http://www.example.com/.well-known/acme-challenge/tok",
	"https://[2001:db8::1]/.well-known/pki-validation/a.txt",
	"http://127.0.80.1/x/y/z?q=1",
	"https://xn--bcher-kva.example:443/",
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *loc, next[2048], host[256];
	uint16_t port = 0;
	const char *why = NULL;
	CURLU *u;
	char *scheme = NULL, *h = NULL, *pstr = NULL, *user = NULL;

	if (size == 0 || size > 4096)
		return 0;
	if ((loc = malloc(size)) == NULL)
		return 0;
	/* The first byte picks the base; the rest is the Location, NUL-ended. */
	memcpy(loc, data + 1, size - 1);
	loc[size - 1] = '\0';
	if (dcv_redirect_resolve(bases[data[0] % 4], loc, next, sizeof(next), host, sizeof(host),
	    &port, &why) == -1) {
		CHECK(why != NULL && why[0] != '\0');
		free(loc);
		return 0;
	}
	CHECK(why == NULL);
	CHECK(port == 80 || port == 443);
	CHECK(strlen(next) < sizeof(next) && strlen(host) < sizeof(host) && host[0] != '\0');
	CHECK(strncmp(next, "http://", 7) == 0 || strncmp(next, "https://", 8) == 0);
	/* The next hop parses again to the same host and port. */
	CHECK((u = curl_url()) != NULL);
	CHECK(curl_url_set(u, CURLUPART_URL, next, 0) == CURLUE_OK);
	CHECK(curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK);
	CHECK(strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0);
	CHECK(curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_NO_USER);
	CHECK(curl_url_get(u, CURLUPART_PORT, &pstr, CURLU_DEFAULT_PORT) == CURLUE_OK);
	CHECK(strtol(pstr, NULL, 10) == port);
	CHECK(curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK);
	if (h[0] == '[')
		CHECK(strlen(h) == strlen(host) + 2 && strncmp(h + 1, host, strlen(host)) == 0);
	else
		CHECK(strcmp(h, host) == 0);
	curl_free(scheme);
	curl_free(user);
	curl_free(pstr);
	curl_free(h);
	curl_url_cleanup(u);
	free(loc);
	return 0;
}
