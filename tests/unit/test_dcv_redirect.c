/*
 * test_dcv_redirect.c: what a redirect's Location may say before any
 * connection to it (BR 3.2.2.4.18, .19): resolved by libcurl's URL parser,
 * http or https only, ports 80 and 443 only, no user information, no IPv6
 * zone id; odd IPv4 spellings come out as dotted quads for the address check,
 * and host names in lower case.
 */
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <string.h>

#include "dcv.h"

#define BASE "http://www.example.com/.well-known/acme-challenge/tok"

struct good {
	const char *location, *next, *host;
	uint16_t port;
};

static const struct good goods[] = {
	{ "/acme/tok", "http://www.example.com/acme/tok", "www.example.com", 80 },
	{ "other", "http://www.example.com/.well-known/acme-challenge/other", "www.example.com", 80 },
	{ "../x", "http://www.example.com/.well-known/x", "www.example.com", 80 },
	{ "https://www.example.com/a", "https://www.example.com/a", "www.example.com", 443 },
	{ "//cdn.example.net/a", "http://cdn.example.net/a", "cdn.example.net", 80 },
	{ "http://www.example.com:80/a", "http://www.example.com:80/a", "www.example.com", 80 },
	{ "http://www.example.com:443/a", "http://www.example.com:443/a", "www.example.com", 443 },
	{ "https://[2001:db8::1]/a", "https://[2001:db8::1]/a", "2001:db8::1", 443 },
	{ "http://2130706433/", "http://127.0.0.1/", "127.0.0.1", 80 },
	{ "http://0x7f.1/", "http://127.0.0.1/", "127.0.0.1", 80 },
	{ "http://127.1/", "http://127.0.0.1/", "127.0.0.1", 80 },
	{ "http://012.0377.0.01/", "http://10.255.0.1/", "10.255.0.1", 80 },
	{ "/a#frag", "http://www.example.com/a", "www.example.com", 80 },
	/* RFC 3986 5.2.2: the base itself (libcurl 7.88 would give its directory). */
	{ "", BASE, "www.example.com", 80 },
	{ "#frag", BASE, "www.example.com", 80 },
	/* One spelling of a host name, so that a loop through case changes shows. */
	{ "HTTP://WWW.Example.COM/A", "http://www.example.com/A", "www.example.com", 80 },
	{ "https://[2001:DB8::A]/", "https://[2001:db8::a]/", "2001:db8::a", 443 },
};

struct bad {
	const char *location, *why;
};

static const struct bad bads[] = {
	{ "ftp://www.example.com/a", "scheme other than http or https" },
	{ "file:///etc/passwd", "scheme other than http or https" },
	{ "gopher://www.example.com/", "scheme other than http or https" },
	{ "dict://www.example.com/", "scheme other than http or https" },
	{ "http://www.example.com:8080/a", "port other than 80 or 443" },
	{ "http://www.example.com:22/a", "port other than 80 or 443" },
	{ "https://www.example.com:8443/a", "port other than 80 or 443" },
	{ "http://www.example.com:0/a", "port other than 80 or 443" },
	{ "http://www.example.com:65536/a", "unparsable Location" },
	{ "http://user@www.example.com/a", "user name or password in the URL" },
	{ "http://www.example.com@169.254.169.254/", "user name or password in the URL" },
	{ "http://u:p@www.example.com/", "user name or password in the URL" },
	{ "http://[fe80::1%25lo]/", "IPv6 zone id" },
	{ "javascript:alert(1)", "scheme other than http or https" },
	{ "data:text/plain,hi", "scheme other than http or https" },
	{ "http://[::1/", "unparsable Location" },
	{ "http:// bad host/", "unparsable Location" },
};

static void
setup(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

TestSuite(dcv_redirect, .init = setup);

Test(dcv_redirect, allowed_locations_resolve_to_absolute_urls)
{
	for (size_t i = 0; i < sizeof(goods) / sizeof(goods[0]); i++) {
		char next[512], host[300];
		uint16_t port = 0;
		const char *why = NULL;

		cr_expect_eq(dcv_redirect_resolve(BASE, goods[i].location, next, sizeof(next), host,
		    sizeof(host), &port, &why), 0, "%s refused: %s", goods[i].location, why);
		if (why != NULL)
			continue;
		cr_expect_str_eq(next, goods[i].next, "%s", goods[i].location);
		cr_expect_str_eq(host, goods[i].host, "%s", goods[i].location);
		cr_expect_eq(port, goods[i].port, "%s", goods[i].location);
	}
}

Test(dcv_redirect, forbidden_locations_are_refused_with_the_rule)
{
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		char next[512], host[300];
		uint16_t port = 0;
		const char *why = NULL;

		cr_expect_eq(dcv_redirect_resolve(BASE, bads[i].location, next, sizeof(next), host,
		    sizeof(host), &port, &why), -1, "%s accepted", bads[i].location);
		if (why != NULL)
			cr_expect_str_eq(why, bads[i].why, "%s", bads[i].location);
	}
}

Test(dcv_redirect, output_buffers_are_bounded)
{
	char next[16], host[300];
	uint16_t port;
	const char *why;

	cr_assert_eq(dcv_redirect_resolve(BASE, "/a/very/long/path/indeed", next, sizeof(next), host,
	    sizeof(host), &port, &why), -1);
}
