/*
 * test_pconfig.c: perspectived's option table. The shipped example
 * configuration must stay valid, defaults must be what the documentation
 * says, and the perspective-specific checks must reject what they should.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "pconfig.h"

static char dir[] = "/tmp/pconfig-XXXXXX";

static void
setup(void)
{
	cr_assert_not_null(mkdtemp(dir));
}

static void
teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

static const char *
write_conf(const char *text)
{
	static char path[256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/p.conf", dir);
	cr_assert_not_null(fp = fopen(path, "w"));
	fputs(text, fp);
	fclose(fp);
	return path;
}

#define MINIMAL \
	"[perspective]\n" \
	"code = eu-west-3\n" \
	"rir = ripe ncc\n" \
	"tls_cert = /x.crt\n" \
	"tls_key = /x.key\n" \
	"client_ca = /ca.crt\n"

TestSuite(pconfig, .init = setup, .fini = teardown);

Test(pconfig, shipped_example_parses)
{
	struct pd_config cfg;
	char err[1024];

	/* The example includes a conf.d glob under /etc/perspectived, which matches
	 * nothing on a build machine: that is allowed. */
	cr_assert_eq(pd_config_read("perspectived/perspectived.conf.example", &cfg, err,
	    sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(cfg.code, "us-east-2");
	cr_assert_str_eq(pd_rir_names[cfg.rir], "ARIN");
	cr_assert_str_eq(cfg.status_listen, "127.0.0.1:8081");
	pd_config_free(&cfg);
}

Test(pconfig, defaults_are_as_documented)
{
	struct pd_config cfg;
	char err[1024];

	cr_assert_eq(pd_config_read(write_conf(MINIMAL), &cfg, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(cfg.listen.n, 1);
	cr_assert_str_eq(cfg.listen.v[0], "0.0.0.0:8443");
	cr_assert_null(cfg.status_listen);
	cr_assert_eq(cfg.check_timeout_ms, 9000);
	cr_assert_eq(cfg.dns_timeout_ms, 4000);
	cr_assert_eq(cfg.max_redirects, 20);
	cr_assert_str_eq(cfg.trust_anchor_file, "/usr/share/dns/root.key");
	cr_assert_eq(pd_config_log_priority(&cfg), LOG_LVL_INFO);
	cr_assert_eq(cfg.allowed_client.n, 0);
	pd_config_free(&cfg);
}

Test(pconfig, rir_is_case_insensitive_and_canonical)
{
	struct pd_config cfg;
	char err[1024];

	cr_assert_eq(pd_config_read(write_conf(MINIMAL), &cfg, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(pd_rir_names[cfg.rir], "RIPE NCC");
	pd_config_free(&cfg);
}

static void
expect_error(const char *text, const char *line_prefix, const char *needle)
{
	struct pd_config cfg;
	char err[1024], want[300];

	cr_assert_eq(pd_config_read(write_conf(text), &cfg, err, sizeof(err)), -1,
	    "accepted:\n%s", text);
	snprintf(want, sizeof(want), "%s/p.conf:%s", dir, line_prefix);
	cr_expect(strncmp(err, want, strlen(want)) == 0, "error \"%s\" does not start with \"%s\"",
	    err, want);
	cr_expect(strstr(err, needle) != NULL, "error \"%s\" lacks \"%s\"", err, needle);
}

Test(pconfig, bad_code_is_rejected_at_its_line)
{
	expect_error("[perspective]\ncode = US_East\nrir = ARIN\ntls_cert = /a\ntls_key = /b\n"
	    "client_ca = /c\n", "2:", "code");
}

Test(pconfig, unknown_rir_is_rejected)
{
	expect_error("[perspective]\ncode = a\nrir = IANA\ntls_cert = /a\ntls_key = /b\n"
	    "client_ca = /c\n", "3:", "rir");
}

Test(pconfig, missing_required_key_is_reported)
{
	expect_error("[perspective]\ncode = a\nrir = ARIN\ntls_cert = /a\ntls_key = /b\n", "1:",
	    "client_ca");
}

Test(pconfig, unknown_section_and_key_are_rejected)
{
	expect_error(MINIMAL "[web]\nport = 1\n", "7:", "web");
	expect_error(MINIMAL "[dns]\ntimeout = 5\n", "8:", "timeout");
}

Test(pconfig, ranges_are_enforced)
{
	expect_error(MINIMAL "[http]\nmax_redirects = 101\n", "8:", "max_redirects");
	expect_error(MINIMAL "[dns]\ntimeout_ms = 10\n", "8:", "timeout_ms");
}

Test(pconfig, default_caa_domain_must_be_a_domain_name)
{
	expect_error(MINIMAL "[caa]\ndefault_caa_domain = not a name\n", "8:",
	    "default_caa_domain");
}

Test(pconfig, allow_address_must_be_a_network)
{
	expect_error(MINIMAL "[targets]\nallow_address = 127.0.0.1/8\n", "8:", "allow_address");
}
