/*
 * test_daemon.c: perspectived's lifecycle (INTERFACES.md section 3), with
 * daemons of its own.
 *
 * Each test writes its own configuration into a temporary folder and starts
 * its own perspectived on its own loopback address (127.0.10.60 and up;
 * the lab's perspectives use .1-.10), with the lab's DNS, trust anchor and
 * PKI. The command line (-t, -V, -h, health), SIGHUP reloads, SIGTERM
 * draining, sd_notify, the connection and in-flight limits and the status
 * listener are checked from the outside, as an operator or systemd sees
 * them. Nothing here asserts durations: slow checks are kept in flight with
 * the lab's silent name server (timeout.test) and a short [dns] timeout_ms,
 * and every wait is a bounded poll for an observable state.
 *
 * Addresses (one per test, so tests may run in parallel): .60-.61 SIGHUP,
 * .62-.63 and .73 SIGTERM, .64-.65 sd_notify, .66-.68 health, .69-.70
 * limits, .71 status listener, .72 -t (nothing is bound), .74-.75 start-up
 * failures, .76 no default CAA domain. DAEMON_TEST_KEEP=1 keeps each test's
 * folder (configs, logs).
 */
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon_util.h"
#include "lab.h"

static void
suite_init(void)
{
	/* A write to a connection the daemon closed must fail, not kill the test. */
	signal(SIGPIPE, SIG_IGN);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	(void)lab_get();
}

static void
suite_fini(void)
{
	du_cleanup();
	curl_global_cleanup();
}

TestSuite(daemon, .init = suite_init, .fini = suite_fini, .timeout = 40);

#define CAA_SLOW_BODY "{\"domain_or_ip_target\":\"timeout.test\"," \
	"\"caa_check_parameters\":{\"caa_domains\":[\"ca.example.net\"]}}"
#define CAA_OK_BODY "{\"domain_or_ip_target\":\"caa.secure.test\"," \
	"\"caa_check_parameters\":{\"caa_domains\":[\"ca.example.net\"]}}"
#define INFLIGHT "perspectived_inflight_checks"
#define CAA_PASS "perspectived_requests_total{endpoint=\"caa\",result=\"pass\"}"
#define CAA_REFUSED "perspectived_requests_total{endpoint=\"caa\",result=\"refused\"}"
#define CAA_DURATION_COUNT "perspectived_check_duration_seconds_count{endpoint=\"caa\"}"
#define CAA_DURATION_INF "perspectived_check_duration_seconds_bucket{endpoint=\"caa\",le=\"+Inf\"}"

/* --- helpers ------------------------------------------------------------------ */

static void
pause_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Write @p c, start perspectived on it and wait until /readyz says 200. */
static struct du_proc *
start_daemon(const struct du_conf *c, const char *notify_socket)
{
	const char *args[] = { "-c", c->path, NULL };
	struct du_proc *p;

	du_conf_write(c);
	p = du_spawn(c->code, args, notify_socket);
	if (!du_wait_ready(c->addr, DU_WAIT_MS)) {
		char *log = du_read_file(p->err);

		cr_assert_fail("perspectived on %s did not become ready within %d ms; its log:\n%s",
		    c->addr, DU_WAIT_MS, log);
	}
	return p;
}

/* SIGTERM, and the daemon must exit 0 by itself. */
static void
stop_daemon(struct du_proc *p)
{
	int rc = du_stop(p, DU_WAIT_MS);
	char *log = du_read_file(p->err);

	cr_assert_eq(rc, 0, "perspectived exited with %d (-1: killed or signalled, status "
	    "0x%x); its log:\n%s", rc, p->status, log);
	free(log);
}

static void
assert_contains(const char *hay, const char *needle, const char *what)
{
	cr_assert_not_null(strstr(hay, needle), "%s: expected \"%s\" in:\n%s", what, needle, hay);
}

/* An HTTPS request that must be answered with @p status. */
static void
expect_https(const struct du_conf *c, const char *path, const char *client, const char *body,
    long status, const char *needle)
{
	struct lab_resp r;
	int rc = du_https(c->addr, path, client, body, 20000, &r);

	cr_assert_eq(rc, 0, "%s %s as %s: no answer: curl error %d (%s)", body ? "POST" : "GET",
	    path, client ? client : "(none)", r.curl_code, r.err);
	cr_assert_eq(r.status, status, "%s as %s: HTTP %ld, expected %ld: %s", path,
	    client ? client : "(none)", r.status, status, r.body);
	if (needle != NULL)
		assert_contains(r.body, needle, path);
	lab_resp_free(&r);
}

/* A client refused during the TLS handshake: no HTTP answer at all. */
static void
expect_handshake_refused(const struct du_conf *c, const char *client)
{
	struct lab_resp r;
	int rc = du_https(c->addr, "/livez", client, NULL, 10000, &r);

	cr_assert_eq(rc, -1, "client %s was not refused: HTTP %ld %s", client, r.status, r.body);
	cr_assert_eq(r.status, 0);
	cr_assert(r.curl_code == CURLE_SSL_CONNECT_ERROR || r.curl_code == CURLE_RECV_ERROR ||
	    r.curl_code == CURLE_SEND_ERROR || r.curl_code == CURLE_PEER_FAILED_VERIFICATION,
	    "client %s: expected a TLS refusal, got curl error %d (%s)", client, r.curl_code, r.err);
	lab_resp_free(&r);
}

/* Wait for a line of p's log containing @p needle after @p from; fail if none. */
static char *
expect_log(const struct du_proc *p, size_t from, const char *needle)
{
	char *line = du_log_wait(p, from, needle, DU_WAIT_MS), *log;

	if (line == NULL) {
		log = du_read_file(p->err);
		cr_assert_fail("no log line with \"%s\"; the log:\n%s", needle, log);
	}
	return line;
}

/* Run `perspectived ARGS...` to completion; @return its exit code. */
static int
run_cli(const char *const *args, char **out, char **err)
{
	return du_run("cli", args, DU_WAIT_MS, out, err);
}

/*
 * `perspectived -c CONF -t` must fail with exit 1 and one line
 * "FILE:LINE: ..." naming @p file (default: the config) and @p line, and
 * containing every string of @p needles.
 */
static void
expect_check_fails_at(const struct du_conf *c, const char *file, int line,
    const char *const *needles)
{
	const char *args[] = { "-c", c->path, "-t", NULL };
	char prefix[700], *out, *err;
	int rc;

	du_conf_write(c);
	rc = run_cli(args, &out, &err);
	cr_assert_eq(rc, 1, "perspectived -t exited %d; stdout: %s; stderr: %s", rc, out, err);
	cr_assert_str_empty(out, "perspectived -t printed on stdout: %s", out);
	snprintf(prefix, sizeof(prefix), "%s:%d: ", file != NULL ? file : c->path, line);
	cr_assert_eq(strncmp(err, prefix, strlen(prefix)), 0,
	    "expected the error to start with \"%s\", got: %s", prefix, err);
	cr_assert(strlen(err) > 0 && strchr(err, '\n') == err + strlen(err) - 1,
	    "expected exactly one line on stderr, got: %s", err);
	for (size_t i = 0; needles[i] != NULL; i++)
		assert_contains(err, needles[i], "perspectived -t");
	free(out);
	free(err);
	du_finish();
}

static void
expect_check_fails(const struct du_conf *c, int line, const char *const *needles)
{
	expect_check_fails_at(c, NULL, line, needles);
}

/* --- -t / --check-config --------------------------------------------------------- */

Test(daemon, check_config_accepts_a_good_config)
{
	struct du_conf c;
	const char *args[] = { "-c", c.path, "-t", NULL };
	const char *longargs[] = { "--config", c.path, "--check-config", NULL };
	char *out, *err;
	int rc;

	du_conf_init(&c, "127.0.10.72");
	du_conf_write(&c);
	rc = run_cli(args, &out, &err);
	cr_assert_eq(rc, 0, "perspectived -t exited %d: %s", rc, err);
	cr_assert_str_eq(out, "configuration OK\n");
	cr_assert_str_empty(err, "unexpected stderr: %s", err);
	free(out);
	free(err);
	rc = run_cli(longargs, &out, &err);
	cr_assert_eq(rc, 0, "perspectived --check-config exited %d: %s", rc, err);
	cr_assert_str_eq(out, "configuration OK\n");
	free(out);
	free(err);
	du_conf_free(&c);
	du_finish();
}

Test(daemon, check_config_rejects_unknown_key_at_its_line)
{
	struct du_conf c;
	const char *want[] = { "[perspective] unknown key \"colour\"", "valid keys: code, rir", NULL };
	int line;

	du_conf_init(&c, "127.0.10.72");
	line = du_conf_add(&c, "perspective", "colour = blue");
	expect_check_fails(&c, line, want);
	du_conf_free(&c);
}

Test(daemon, check_config_rejects_unknown_section_at_its_header)
{
	struct du_conf c;
	const char *want[] = { "unknown section [colour]", "valid sections: perspective, dns",
		NULL };
	int line;

	du_conf_init(&c, "127.0.10.72");
	line = du_conf_add(&c, "colour", "hue = blue") - 1; /* the header */
	expect_check_fails(&c, line, want);
	du_conf_free(&c);
}

Test(daemon, check_config_rejects_unknown_rir)
{
	struct du_conf c;
	const char *want[] = { "[perspective] rir: \"ARINN\" is not one of: ARIN, RIPE NCC, APNIC, "
		"LACNIC, AFRINIC", NULL };
	int line;

	du_conf_init(&c, "127.0.10.72");
	line = du_conf_set(&c, "rir", "ARINN");
	expect_check_fails(&c, line, want);
	du_conf_free(&c);
}

Test(daemon, check_config_rejects_code_with_bad_characters)
{
	struct du_conf c;
	const char *want[] = { "[perspective] code: \"US_East\": may contain only a-z, 0-9", NULL };
	int line;

	du_conf_init(&c, "127.0.10.72");
	line = du_conf_set(&c, "code", "US_East");
	expect_check_fails(&c, line, want);
	du_conf_free(&c);
}

Test(daemon, check_config_rejects_missing_required_key_at_its_section)
{
	struct du_conf c;
	const char *want[] = { "[perspective] missing required key \"tls_key\"", NULL };

	du_conf_init(&c, "127.0.10.72");
	du_conf_del(&c, "tls_key");
	/* The error points at the [perspective] header, line 1. */
	expect_check_fails(&c, 1, want);
	du_conf_free(&c);
}

Test(daemon, check_config_rejects_missing_tls_cert_file)
{
	struct du_conf c;
	char want0[700];
	const char *want[] = { want0, NULL };
	int line;

	du_conf_init(&c, "127.0.10.72");
	line = du_conf_set(&c, "tls_cert", du_path("missing.crt"));
	snprintf(want0, sizeof(want0), "tls_cert %s: No such file or directory",
	    du_path("missing.crt"));
	expect_check_fails(&c, line, want);
	du_conf_free(&c);
}

Test(daemon, check_config_rejects_key_that_does_not_match_the_certificate)
{
	struct du_conf c;
	char want0[700];
	const char *want[] = { want0, "mismatch", NULL };
	int line;

	du_conf_init(&c, "127.0.10.72");
	line = du_conf_set(&c, "tls_key", lab_pki("p2.key"));
	snprintf(want0, sizeof(want0), "tls_key %s", lab_pki("p2.key"));
	expect_check_fails(&c, line, want);
	du_conf_free(&c);
}

Test(daemon, check_config_rejects_client_ca_that_is_not_a_certificate)
{
	struct du_conf c;
	char want0[700];
	const char *want[] = { want0, "cannot load", NULL };
	int line;

	du_conf_init(&c, "127.0.10.72");
	du_write_file(du_path("not-a-cert.pem"), "this is not a certificate\n");
	line = du_conf_set(&c, "client_ca", du_path("not-a-cert.pem"));
	snprintf(want0, sizeof(want0), "client_ca %s: ", du_path("not-a-cert.pem"));
	expect_check_fails(&c, line, want);
	du_conf_free(&c);
}

Test(daemon, check_config_rejects_expired_tls_cert)
{
	struct du_conf c;
	char want0[700];
	const char *want[] = { want0, NULL };
	int line;

	du_conf_init(&c, "127.0.10.72");
	line = du_conf_set(&c, "tls_cert", lab_pki("expired-client.crt"));
	du_conf_set(&c, "tls_key", lab_pki("expired-client.key"));
	snprintf(want0, sizeof(want0), "%s: certificate has expired", lab_pki("expired-client.crt"));
	expect_check_fails(&c, line, want);
	du_conf_free(&c);
}

Test(daemon, check_config_rejects_status_listen_on_non_loopback_address)
{
	struct du_conf c;
	const char *want[] = { "status_listen: must be a loopback address", NULL };
	int line;

	du_conf_init(&c, "127.0.10.72");
	line = du_conf_set(&c, "status_listen", "192.0.2.1:8081");
	expect_check_fails(&c, line, want);
	du_conf_free(&c);
}

Test(daemon, check_config_rejects_domain_insecure_in_unbound_fragment)
{
	struct du_conf c;
	char *frag, *text, want0[1400];
	const char *want[] = { want0, NULL };
	int frag_lines = 0, line;
	size_t len;

	du_conf_init(&c, "127.0.10.72");
	frag = du_read_file(c.unbound);
	for (const char *p = frag; *p != '\0'; p++)
		frag_lines += *p == '\n';
	cr_assert_gt(frag_lines, 0);
	len = strlen(frag) + 100;
	cr_assert_not_null(text = malloc(len));
	snprintf(text, len, "%sserver:\n    domain-insecure: \"secure.test.\"\n", frag);
	du_write_file(c.unbound, text);
	line = du_conf_line_of(&c, "unbound_config");
	/* Both places: the config line, then the fragment's file and line. */
	snprintf(want0, sizeof(want0), "%s:%d: %s:%d: option \"domain-insecure\" is not allowed here",
	    c.path, line, c.unbound, frag_lines + 2);
	expect_check_fails(&c, line, want);
	free(frag);
	free(text);
	du_conf_free(&c);
}

Test(daemon, check_config_rejects_missing_trust_anchor_file)
{
	struct du_conf c;
	char want0[700];
	const char *want[] = { want0, NULL };
	int line;

	du_conf_init(&c, "127.0.10.72");
	line = du_conf_set(&c, "trust_anchor_file", du_path("missing-root.key"));
	snprintf(want0, sizeof(want0), "trust_anchor_file %s: No such file or directory",
	    du_path("missing-root.key"));
	expect_check_fails(&c, line, want);
	du_conf_free(&c);
}

Test(daemon, check_config_rejects_out_of_range_integer)
{
	struct du_conf c;
	const char *want[] = { "[perspective] max_connections: 0 is out of range (1..65536)", NULL };
	const char *want_dns[] = { "[dns] timeout_ms: 60001 is out of range (100..60000)", NULL };
	int line;

	du_conf_init(&c, "127.0.10.72");
	line = du_conf_add(&c, "perspective", "max_connections = 0");
	expect_check_fails(&c, line, want);
	du_conf_free(&c);

	du_conf_init(&c, "127.0.10.72");
	line = du_conf_add(&c, "dns", "timeout_ms = 60001");
	expect_check_fails(&c, line, want_dns);
	du_conf_free(&c);
}

Test(daemon, check_config_rejects_include_of_missing_file)
{
	struct du_conf c;
	char inc[700], want0[700];
	const char *want[] = { want0, NULL };
	int line;

	du_conf_init(&c, "127.0.10.72");
	snprintf(inc, sizeof(inc), "include = %s", du_path("missing.conf"));
	line = du_conf_add(&c, "dns", inc);
	snprintf(want0, sizeof(want0), "included file %s does not exist", du_path("missing.conf"));
	expect_check_fails(&c, line, want);
	du_conf_free(&c);
}

/* --- -V, -h, bad options --------------------------------------------------------- */

Test(daemon, version_option_prints_name_and_version)
{
	const char *args[] = { "-V", NULL };
	const char *longargs[] = { "--version", NULL };
	char *out, *err;
	int rc;

	rc = run_cli(args, &out, &err);
	cr_assert_eq(rc, 0, "-V exited %d: %s", rc, err);
	cr_assert_str_eq(out, "perspectived " MPIC_VERSION "\n");
	free(out);
	free(err);
	rc = run_cli(longargs, &out, &err);
	cr_assert_eq(rc, 0, "--version exited %d: %s", rc, err);
	cr_assert_str_eq(out, "perspectived " MPIC_VERSION "\n");
	free(out);
	free(err);
	du_finish();
}

Test(daemon, help_option_describes_health_and_config_options)
{
	static const char *const want[] = {
		"usage: perspectived", "health", "-c, --config", "-t, --check-config",
		"perspective.code", "perspective.rir", "perspective.tls_cert", "perspective.client_ca",
		"perspective.allowed_client", "perspective.status_listen",
		"perspective.drain_timeout_ms", "perspective.max_inflight", "dns.unbound_config",
		"dns.trust_anchor_file", "http.max_redirects", "targets.allow_address", "SIGHUP",
		"SIGTERM", NULL,
	};
	const char *args[] = { "-h", NULL };
	const char *longargs[] = { "--help", NULL };
	char *out, *err, *out2, *err2;
	int rc;

	rc = run_cli(args, &out, &err);
	cr_assert_eq(rc, 0, "-h exited %d: %s", rc, err);
	for (size_t i = 0; want[i] != NULL; i++)
		assert_contains(out, want[i], "perspectived -h");
	rc = run_cli(longargs, &out2, &err2);
	cr_assert_eq(rc, 0, "--help exited %d: %s", rc, err2);
	cr_assert_str_eq(out2, out, "--help and -h differ");
	free(out);
	free(err);
	free(out2);
	free(err2);
	du_finish();
}

Test(daemon, unknown_option_or_stray_argument_exits_2)
{
	const char *args[] = { "--no-such-option", NULL };
	const char *stray[] = { "-c", "/nonexistent.conf", "extra", NULL };
	char *out, *err;
	int rc;

	rc = run_cli(args, &out, &err);
	cr_assert_eq(rc, 2, "--no-such-option exited %d", rc);
	assert_contains(err, "no-such-option", "stderr");
	assert_contains(err, "usage: perspectived", "stderr");
	cr_assert_str_empty(out, "stdout: %s", out);
	free(out);
	free(err);
	rc = run_cli(stray, &out, &err);
	cr_assert_eq(rc, 2, "a stray argument: exited %d", rc);
	assert_contains(err, "unexpected argument \"extra\"", "stderr");
	free(out);
	free(err);
	du_finish();
}

/* --- start-up failures ---------------------------------------------------------------- */

Test(daemon, start_with_listen_address_in_use_exits_1)
{
	struct du_conf c;
	struct du_proc *p;
	const char *args[] = { "-c", c.path, NULL };
	char want[800], *log;

	du_conf_init(&c, "127.0.10.74");
	du_conf_write(&c);
	(void)du_listen_tcp(c.addr, DU_API_PORT);
	p = du_spawn(c.code, args, NULL);
	cr_assert(du_wait_exit(p, DU_WAIT_MS), "perspectived kept running without its listener");
	log = du_read_file(p->err);
	cr_assert_eq(du_exit_code(p), 1, "exit status 0x%x; log:\n%s", p->status, log);
	snprintf(want, sizeof(want), "%s:%d: listen: %s:%d: ", c.path,
	    du_conf_line_of(&c, "listen"), c.addr, DU_API_PORT);
	assert_contains(log, want, "log");
	assert_contains(log, "Address already in use", "log");
	free(log);
	du_conf_free(&c);
	du_finish();
}

Test(daemon, start_with_invalid_config_exits_1)
{
	struct du_conf c;
	struct du_proc *p;
	const char *args[] = { "-c", c.path, NULL };
	char want[800], *log;

	du_conf_init(&c, "127.0.10.75");
	du_conf_set(&c, "rir", "MARS");
	du_conf_write(&c);
	p = du_spawn(c.code, args, NULL);
	cr_assert(du_wait_exit(p, DU_WAIT_MS), "perspectived kept running with a broken config");
	log = du_read_file(p->err);
	cr_assert_eq(du_exit_code(p), 1, "exit status 0x%x; log:\n%s", p->status, log);
	snprintf(want, sizeof(want), "%s:%d: [perspective] rir: ", c.path,
	    du_conf_line_of(&c, "rir"));
	assert_contains(log, want, "log");
	free(log);
	du_conf_free(&c);
	du_finish();
}

/* --- SIGHUP ---------------------------------------------------------------------- */

Test(daemon, sighup_reload_admits_newly_allowed_client)
{
	struct du_conf c;
	struct du_proc *p;
	size_t mark;
	char *line;
	bool ok = false;

	du_conf_init(&c, "127.0.10.60");
	du_conf_set(&c, "allowed_client", "ca-plugin-02");
	p = start_daemon(&c, NULL);
	/* ca-plugin-01 ("client") is refused at the handshake, ca-plugin-02 accepted. */
	expect_handshake_refused(&c, "client");
	expect_https(&c, "/livez", "client2", NULL, 200, "alive");

	du_conf_set(&c, "allowed_client", "ca-plugin-01");
	du_conf_set(&c, "code", "dtest-60-reloaded");
	du_conf_write(&c);
	mark = du_log_size(p);
	du_signal(p, SIGHUP);
	line = expect_log(p, mark, "reloaded: perspective dtest-60-reloaded (ARIN)");
	free(line);
	/* The new TLS context serves new connections (poll with a bound). */
	for (int i = 0; i < DU_WAIT_MS / 50 && !ok; i++) {
		struct lab_resp r;

		ok = du_https(c.addr, "/livez", "client", NULL, 5000, &r) == 0 && r.status == 200;
		lab_resp_free(&r);
		if (!ok)
			pause_ms(50);
	}
	cr_assert(ok, "ca-plugin-01 still refused after the reload");
	expect_https(&c, "/caa", "client", CAA_OK_BODY, 200,
	    "\"perspective_code\":\"dtest-60-reloaded\"");
	expect_https(&c, "/readyz", "client", NULL, 200,
	    "\"perspective_code\":\"dtest-60-reloaded\"");
	expect_handshake_refused(&c, "client2");
	stop_daemon(p);
	du_conf_free(&c);
	du_finish();
}

Test(daemon, sighup_with_broken_config_keeps_running_config)
{
	struct du_conf c;
	struct du_proc *p;
	char want[700], *line;
	size_t mark;
	int bad_line;

	du_conf_init(&c, "127.0.10.61");
	p = start_daemon(&c, NULL);
	expect_https(&c, "/livez", "client", NULL, 200, "alive");

	/* A syntax error: unknown key. */
	bad_line = du_conf_add(&c, "perspective", "colour = blue");
	du_conf_set(&c, "allowed_client", "ca-plugin-02");
	du_conf_write(&c);
	mark = du_log_size(p);
	du_signal(p, SIGHUP);
	line = expect_log(p, mark, "reload failed");
	/* The log escapes the quotes of the message: unknown key \"colour\". */
	snprintf(want, sizeof(want), "%s:%d: [perspective] unknown key \\\"colour\\\"", c.path,
	    bad_line);
	assert_contains(line, want, "reload failed line");
	assert_contains(line, "keeping the running configuration", "reload failed line");
	free(line);
	/* Still serving with the old configuration: ca-plugin-01 accepted. */
	expect_https(&c, "/livez", "client", NULL, 200, "alive");
	expect_https(&c, "/caa", "client", CAA_OK_BODY, 200, "\"check_passed\":true");
	expect_handshake_refused(&c, "client2");

	/* A config that parses but whose key does not match the certificate. */
	du_conf_del(&c, "colour");
	du_conf_set(&c, "tls_key", lab_pki("p2.key"));
	du_conf_write(&c);
	mark = du_log_size(p);
	du_signal(p, SIGHUP);
	line = expect_log(p, mark, "reload failed");
	assert_contains(line, "tls_key", "reload failed line");
	free(line);
	expect_https(&c, "/livez", "client", NULL, 200, "alive");
	{
		struct lab_resp r;

		cr_assert_eq(du_status_get(c.addr, "/readyz", &r), 0, "/readyz: %s", r.err);
		cr_assert_eq(r.status, 200, "/readyz after a failed reload: %ld %s", r.status, r.body);
		lab_resp_free(&r);
	}

	/* Fixed: the next SIGHUP applies it. */
	du_conf_set(&c, "tls_key", lab_pki("p1.key"));
	du_conf_write(&c);
	mark = du_log_size(p);
	du_signal(p, SIGHUP);
	free(expect_log(p, mark, "reloaded: perspective dtest-61"));
	expect_https(&c, "/livez", "client2", NULL, 200, "alive");
	stop_daemon(p);
	du_conf_free(&c);
	du_finish();
}

/* --- SIGTERM --------------------------------------------------------------------- */

/* After SIGTERM: connections are refused (never answered), and stay refused. */
static void
expect_connections_refused(const struct du_conf *c)
{
	bool refused = false;

	for (int i = 0; i < DU_WAIT_MS / 50 && !refused; i++) {
		struct lab_resp r;

		du_https(c->addr, "/livez", "client", NULL, 3000, &r);
		cr_assert_eq(r.status, 0, "a connection after SIGTERM got HTTP %ld: %s", r.status,
		    r.body);
		refused = r.curl_code == CURLE_COULDNT_CONNECT;
		lab_resp_free(&r);
		if (!refused)
			pause_ms(50);
	}
	cr_assert(refused, "connections after SIGTERM were not refused");
}

Test(daemon, sigterm_lets_inflight_check_finish_then_exits_0)
{
	struct du_bg_request bg;
	struct du_conf c;
	struct du_proc *p;
	struct du_tls *open_conn;
	char why[512] = "";
	size_t mark;
	char *log;

	du_conf_init(&c, "127.0.10.62");
	du_conf_add(&c, "dns", "timeout_ms = 1500");
	p = start_daemon(&c, NULL);
	open_conn = du_tls_open(c.addr, "client", why, sizeof(why));
	cr_assert_not_null(open_conn, "keep-alive connection: %s", why);
	cr_assert_eq(du_tls_get(open_conn, "/readyz"), 200);
	du_bg_start(&bg, c.addr, "/caa", "client", CAA_SLOW_BODY);
	cr_assert(du_wait_metric(c.addr, INFLIGHT, 1, DU_WAIT_MS), "the check never got in flight");
	mark = du_log_size(p);
	du_signal(p, SIGTERM);
	free(expect_log(p, mark, "SIGTERM: stopping; 1 checks in flight"));
	expect_connections_refused(&c);
	/* A connection opened before SIGTERM is answered: not ready any more. */
	cr_assert_eq(du_tls_get(open_conn, "/readyz"), 503, "/readyz while draining");
	du_tls_close(open_conn);
	/* The status listener stays open for operators until the process exits. */
	{
		struct lab_resp r;

		du_status_get(c.addr, "/readyz", &r);
		cr_assert_eq(r.status, 503, "status /readyz while draining: %ld", r.status);
		assert_contains(r.body, "shutting down", "status /readyz while draining");
		lab_resp_free(&r);
		du_status_get(c.addr, "/livez", &r);
		cr_assert_eq(r.status, 200, "status /livez while draining: %ld", r.status);
		lab_resp_free(&r);
	}

	du_bg_join(&bg);
	cr_assert_eq(bg.rc, 0, "the in-flight check got no answer: curl error %d (%s)",
	    bg.resp.curl_code, bg.resp.err);
	cr_assert_eq(bg.resp.status, 200, "the in-flight check: HTTP %ld %s", bg.resp.status,
	    bg.resp.body);
	assert_contains(bg.resp.body, "\"check_type\":\"caa\"", "in-flight check");
	assert_contains(bg.resp.body, "\"perspective_code\":\"dtest-62\"", "in-flight check");
	/* The lab's blackhole never answers: the lookup fails at [dns] timeout_ms. */
	assert_contains(bg.resp.body, "\"check_completed\":false", "in-flight check");
	lab_resp_free(&bg.resp);

	cr_assert(du_wait_exit(p, DU_WAIT_MS), "perspectived did not exit after draining");
	log = du_read_file(p->err);
	cr_assert_eq(du_exit_code(p), 0, "exit status 0x%x; log:\n%s", p->status, log);
	assert_contains(log, "caa timeout.test: error", "log");
	assert_contains(log, "info: stopped", "log");
	cr_assert_null(strstr(log, "drain timeout"), "the drain timed out:\n%s", log);
	free(log);
	du_conf_free(&c);
	du_finish();
}

Test(daemon, sigterm_drain_timeout_answers_inflight_check_503_then_exits_0)
{
	struct du_bg_request bg;
	struct du_conf c;
	struct du_proc *p;
	size_t mark;
	char *log;

	du_conf_init(&c, "127.0.10.63");
	du_conf_add(&c, "perspective", "drain_timeout_ms = 200");
	/* Far longer than the drain timeout, so the check is surely still running. */
	du_conf_add(&c, "dns", "timeout_ms = 8000");
	p = start_daemon(&c, NULL);
	du_bg_start(&bg, c.addr, "/caa", "client", CAA_SLOW_BODY);
	cr_assert(du_wait_metric(c.addr, INFLIGHT, 1, DU_WAIT_MS), "the check never got in flight");
	mark = du_log_size(p);
	du_signal(p, SIGTERM);
	free(expect_log(p, mark, "SIGTERM: stopping; 1 checks in flight"));

	du_bg_join(&bg);
	cr_assert_eq(bg.rc, 0, "the in-flight check got no answer: curl error %d (%s)",
	    bg.resp.curl_code, bg.resp.err);
	cr_assert_eq(bg.resp.status, 503, "the in-flight check: HTTP %ld %s", bg.resp.status,
	    bg.resp.body);
	assert_contains(bg.resp.body, "shutting down", "in-flight check");
	lab_resp_free(&bg.resp);

	cr_assert(du_wait_exit(p, DU_WAIT_MS), "perspectived did not exit after the drain timeout");
	log = du_read_file(p->err);
	cr_assert_eq(du_exit_code(p), 0, "exit status 0x%x; log:\n%s", p->status, log);
	assert_contains(log, "drain timeout: cancelling 1 checks in flight", "log");
	assert_contains(log, "info: stopped", "log");
	free(log);
	du_conf_free(&c);
	du_finish();
}

Test(daemon, sighup_while_draining_is_ignored)
{
	char notes[16384] = "";
	const char *sock = du_path("notify");
	const char *args[] = { "-c", NULL, NULL };
	struct du_bg_request bg;
	struct du_conf c;
	struct du_proc *p;
	long ready, stopping;
	size_t mark;
	char *log;
	int fd;

	du_conf_init(&c, "127.0.10.73");
	du_conf_add(&c, "dns", "timeout_ms = 1500");
	du_conf_write(&c);
	fd = du_notify_open(sock);
	args[1] = c.path;
	p = du_spawn(c.code, args, sock);
	ready = du_notify_wait(fd, notes, sizeof(notes), 0, "READY=1", DU_WAIT_MS);
	cr_assert_geq(ready, 0, "no READY=1; notifications so far:\n%s", notes);
	du_bg_start(&bg, c.addr, "/caa", "client", CAA_SLOW_BODY);
	cr_assert(du_wait_metric(c.addr, INFLIGHT, 1, DU_WAIT_MS), "the check never got in flight");
	du_signal(p, SIGTERM);
	stopping = du_notify_wait(fd, notes, sizeof(notes), (size_t)ready, "STOPPING=1",
	    DU_WAIT_MS);
	cr_assert_geq(stopping, 0, "no STOPPING=1 after SIGTERM:\n%s", notes);
	mark = du_log_size(p);
	du_signal(p, SIGHUP);
	free(expect_log(p, mark, "SIGHUP: ignored while stopping"));

	du_bg_join(&bg);
	cr_assert_eq(bg.resp.status, 200, "the in-flight check: HTTP %ld %s (curl %d)",
	    bg.resp.status, bg.resp.body, bg.resp.curl_code);
	lab_resp_free(&bg.resp);
	cr_assert(du_wait_exit(p, DU_WAIT_MS), "no exit after SIGTERM");
	log = du_read_file(p->err);
	cr_assert_eq(du_exit_code(p), 0, "exit status 0x%x; log:\n%s", p->status, log);
	cr_assert_null(strstr(log, "reloading"), "reloaded while stopping:\n%s", log);
	free(log);
	/* Everything the daemon sent is queued by now: nothing after STOPPING=1. */
	(void)du_notify_wait(fd, notes, sizeof(notes), (size_t)stopping, "(none)", 200);
	cr_assert_str_empty(notes + stopping, "notifications after STOPPING=1:\n%s", notes);
	du_conf_free(&c);
	du_finish();
}

/* --- sd_notify --------------------------------------------------------------------- */

Test(daemon, sd_notify_ready_after_first_probe_and_stopping_on_sigterm)
{
	char notes[16384] = "", status_line[128];
	const char *sock = du_path("notify");
	const char *args[] = { "-c", NULL, NULL };
	struct du_conf c;
	struct du_proc *p;
	struct lab_resp r;
	long ready, started, stopping;
	int fd;

	du_conf_init(&c, "127.0.10.64");
	du_conf_write(&c);
	fd = du_notify_open(sock);
	args[1] = c.path;
	p = du_spawn(c.code, args, sock);
	ready = du_notify_wait(fd, notes, sizeof(notes), 0, "READY=1", DU_WAIT_MS);
	cr_assert_geq(ready, 0, "no READY=1; notifications so far:\n%s", notes);
	/* Sent by the first successful probe: the daemon is ready by then. */
	cr_assert_eq(du_status_get(c.addr, "/readyz", &r), 0, "/readyz: %s", r.err);
	cr_assert_eq(r.status, 200, "/readyz after READY=1: %ld %s", r.status, r.body);
	lab_resp_free(&r);
	started = du_notify_wait(fd, notes, sizeof(notes), 0,
	    "STATUS=started, waiting for the first resolver probe", 0);
	cr_assert(started >= 0 && started < ready,
	    "expected STATUS=started... before READY=1:\n%s", notes);
	snprintf(status_line, sizeof(status_line), "STATUS=serving as %s (ARIN)", c.code);
	cr_assert_geq(du_notify_wait(fd, notes, sizeof(notes), (size_t)ready, status_line, 0), 0,
	    "no \"%s\" with READY=1:\n%s", status_line, notes);

	du_signal(p, SIGTERM);
	stopping = du_notify_wait(fd, notes, sizeof(notes), (size_t)ready, "STOPPING=1",
	    DU_WAIT_MS);
	cr_assert_geq(stopping, 0, "no STOPPING=1 after SIGTERM:\n%s", notes);
	cr_assert(du_wait_exit(p, DU_WAIT_MS), "no exit after SIGTERM");
	cr_assert_eq(du_exit_code(p), 0, "exit status 0x%x", p->status);
	du_conf_free(&c);
	du_finish();
}

Test(daemon, sd_notify_reloading_then_ready_on_sighup)
{
	char notes[16384] = "";
	const char *sock = du_path("notify");
	const char *args[] = { "-c", NULL, NULL };
	struct du_conf c;
	struct du_proc *p;
	long ready, reloading, ready2;
	int fd;

	du_conf_init(&c, "127.0.10.65");
	du_conf_write(&c);
	fd = du_notify_open(sock);
	args[1] = c.path;
	p = du_spawn(c.code, args, sock);
	ready = du_notify_wait(fd, notes, sizeof(notes), 0, "READY=1", DU_WAIT_MS);
	cr_assert_geq(ready, 0, "no READY=1; notifications so far:\n%s", notes);

	du_signal(p, SIGHUP);
	reloading = du_notify_wait(fd, notes, sizeof(notes), (size_t)ready, "RELOADING=1",
	    DU_WAIT_MS);
	cr_assert_geq(reloading, 0, "no RELOADING=1 after SIGHUP:\n%s", notes);
	ready2 = du_notify_wait(fd, notes, sizeof(notes), (size_t)reloading, "READY=1", DU_WAIT_MS);
	cr_assert_geq(ready2, 0, "no READY=1 after RELOADING=1:\n%s", notes);
	expect_https(&c, "/livez", "client", NULL, 200, "alive");
	stop_daemon(p);
	du_conf_free(&c);
	du_finish();
}

/* --- perspectived health ------------------------------------------------------------ */

Test(daemon, health_of_ready_daemon_exits_0_and_says_ready)
{
	struct du_conf c;
	struct du_proc *p;
	const char *args[] = { "health", "-c", c.path, NULL };
	char *out, *err;
	int rc;

	du_conf_init(&c, "127.0.10.66");
	p = start_daemon(&c, NULL);
	rc = run_cli(args, &out, &err);
	cr_assert_eq(rc, 0, "health exited %d; stdout: %s; stderr: %s", rc, out, err);
	assert_contains(out, "status:      READY", "health");
	cr_assert_null(strstr(out, "NOT READY"), "health: %s", out);
	assert_contains(out, "perspectived dtest-66 (ARIN) at http://127.0.10.66:8081/readyz",
	    "health");
	assert_contains(out, "resolver:    ok", "health");
	assert_contains(out, "certificate: ok", "health");
	free(out);
	free(err);
	stop_daemon(p);
	du_conf_free(&c);
	du_finish();
}

Test(daemon, health_of_unreachable_daemon_exits_2)
{
	struct du_conf c;
	const char *url_args[] = { "health", "http://127.0.10.67:8081", NULL };
	const char *conf_args[] = { "health", "-c", c.path, NULL };
	char *out, *err;
	int rc;

	rc = run_cli(url_args, &out, &err);
	cr_assert_eq(rc, 2, "health exited %d; stdout: %s; stderr: %s", rc, out, err);
	assert_contains(err, "cannot reach http://127.0.10.67:8081/readyz", "health");
	free(out);
	free(err);

	/* The same through a config whose status listener has no daemon. */
	du_conf_init(&c, "127.0.10.67");
	du_conf_write(&c);
	rc = run_cli(conf_args, &out, &err);
	cr_assert_eq(rc, 2, "health -c exited %d; stdout: %s; stderr: %s", rc, out, err);
	assert_contains(err, "cannot reach http://127.0.10.67:8081/readyz", "health -c");
	free(out);
	free(err);
	du_conf_free(&c);
	du_finish();
}

Test(daemon, health_with_wrong_trust_anchor_is_not_ready_and_exits_1)
{
	struct du_conf c;
	struct du_proc *p;
	const char *args[] = { "-c", c.path, NULL };
	const char *hargs[] = { "health", "-c", c.path, NULL };
	struct lab_resp r;
	char *out, *err;
	bool probed = false;
	int rc;

	du_conf_init(&c, "127.0.10.68");
	/* A DS for "." with a made-up digest: nothing validates against it. */
	du_write_file(du_path("wrong-root.key"), ".\t3600\tIN\tDS\t12345 13 2 "
	    "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF\n");
	du_conf_set(&c, "trust_anchor_file", du_path("wrong-root.key"));
	du_conf_write(&c);
	p = du_spawn(c.code, args, NULL);
	/* Wait until the first probe has answered (its detail names the root SOA). */
	for (int i = 0; i < DU_WAIT_MS / 50 && !probed; i++) {
		probed = du_status_get(c.addr, "/readyz", &r) == 0 &&
		    strstr(r.body, "root SOA") != NULL;
		if (!probed) {
			lab_resp_free(&r);
			pause_ms(50);
		}
	}
	cr_assert(probed, "the resolver probe never answered");
	cr_assert_eq(r.status, 503, "/readyz with a wrong trust anchor: %ld %s", r.status, r.body);
	assert_contains(r.body, "\"status\":\"not ready\"", "/readyz");
	assert_contains(r.body, "\"ok\":false", "/readyz");
	lab_resp_free(&r);

	rc = run_cli(hargs, &out, &err);
	cr_assert_eq(rc, 1, "health exited %d; stdout: %s; stderr: %s", rc, out, err);
	assert_contains(out, "status:      NOT READY", "health");
	assert_contains(out, "resolver:    FAILING", "health");
	assert_contains(out, "dtest-68", "health");
	free(out);
	free(err);
	stop_daemon(p);
	du_conf_free(&c);
	du_finish();
}

/* --- limits -------------------------------------------------------------------------- */

Test(daemon, max_inflight_answers_503_to_check_beyond_the_limit)
{
	struct du_bg_request bg;
	struct du_conf c;
	struct du_proc *p;

	du_conf_init(&c, "127.0.10.69");
	du_conf_add(&c, "perspective", "max_inflight = 1");
	du_conf_add(&c, "dns", "timeout_ms = 1500");
	p = start_daemon(&c, NULL);
	du_bg_start(&bg, c.addr, "/caa", "client", CAA_SLOW_BODY);
	cr_assert(du_wait_metric(c.addr, INFLIGHT, 1, DU_WAIT_MS), "the check never got in flight");
	expect_https(&c, "/caa", "client", CAA_OK_BODY, 503, "too many checks in flight");
	cr_assert_eq(du_metric(c.addr, CAA_REFUSED), 1);

	du_bg_join(&bg);
	cr_assert_eq(bg.rc, 0, "the first check got no answer: curl error %d (%s)",
	    bg.resp.curl_code, bg.resp.err);
	cr_assert_eq(bg.resp.status, 200, "the first check: HTTP %ld %s", bg.resp.status,
	    bg.resp.body);
	lab_resp_free(&bg.resp);
	/* With the slot free again, a check is served. */
	expect_https(&c, "/caa", "client", CAA_OK_BODY, 200, "\"check_passed\":true");
	stop_daemon(p);
	du_conf_free(&c);
	du_finish();
}

Test(daemon, max_connections_refuses_connection_beyond_the_limit)
{
	struct du_tls *t1, *t2, *t3 = NULL;
	struct du_conf c;
	struct du_proc *p;
	char why[512] = "";
	size_t mark;

	du_conf_init(&c, "127.0.10.70");
	du_conf_add(&c, "perspective", "max_connections = 2");
	p = start_daemon(&c, NULL);
	t1 = du_tls_open(c.addr, "client", why, sizeof(why));
	cr_assert_not_null(t1, "first connection: %s", why);
	cr_assert_eq(du_tls_get(t1, "/livez"), 200);
	t2 = du_tls_open(c.addr, "client", why, sizeof(why));
	cr_assert_not_null(t2, "second connection: %s", why);
	cr_assert_eq(du_tls_get(t2, "/livez"), 200);

	mark = du_log_size(p);
	t3 = du_tls_open(c.addr, "client", why, sizeof(why));
	if (t3 != NULL) {
		/* Should the handshake complete, no request may be served. */
		int st = du_tls_get(t3, "/livez");

		du_tls_close(t3);
		cr_assert_fail("a third connection was accepted (GET /livez: %d)", st);
	}
	free(expect_log(p, mark, "http: refusing a connection (2 open, limit 2)"));
	/* The two open connections still work. */
	cr_assert_eq(du_tls_get(t1, "/livez"), 200);
	cr_assert_eq(du_tls_get(t2, "/livez"), 200);

	/* Once one closes, a new connection is accepted (the close is noticed asynchronously). */
	du_tls_close(t1);
	for (int i = 0; i < DU_WAIT_MS / 50 && t3 == NULL; i++) {
		t3 = du_tls_open(c.addr, "client", why, sizeof(why));
		if (t3 == NULL)
			pause_ms(50);
	}
	cr_assert_not_null(t3, "no connection accepted after one closed: %s", why);
	cr_assert_eq(du_tls_get(t3, "/livez"), 200);
	du_tls_close(t2);
	du_tls_close(t3);
	stop_daemon(p);
	du_conf_free(&c);
	du_finish();
}

Test(daemon, caa_without_domains_and_without_a_default_is_400)
{
	struct du_conf c;
	struct lab_resp r;

	/* No [caa] default_caa_domain here, unlike the lab's perspectives. */
	du_conf_init(&c, "127.0.10.76");
	(void)start_daemon(&c, NULL);
	du_https(c.addr, "/caa", "client", "{\"domain_or_ip_target\":\"caa.secure.test\"}", 5000,
	    &r);
	cr_assert_eq(r.status, 400, "status %ld: %s", r.status, r.body);
	assert_contains(r.body, "caa_check_parameters.caa_domains: required", "400 body");
	lab_resp_free(&r);
	du_https(c.addr, "/caa", "client", "{\"domain_or_ip_target\":\"caa.secure.test\","
	    "\"caa_check_parameters\":{\"caa_domains\":[\"ca.example.net\"]}}", 5000, &r);
	cr_assert_eq(r.status, 200, "status %ld: %s", r.status, r.body);
	assert_contains(r.body, "\"check_passed\":true", "with caa_domains");
	lab_resp_free(&r);
	du_conf_free(&c);
	du_finish();
}

/* --- status listener ----------------------------------------------------------------- */

Test(daemon, status_listener_serves_livez_and_metrics_that_count_checks)
{
	static const char *const names[] = {
		"# TYPE perspectived_requests_total counter",
		"# TYPE perspectived_check_duration_seconds histogram",
		"# TYPE perspectived_inflight_checks gauge",
		"perspectived_requests_total{endpoint=\"caa\",result=\"pass\"} ",
		"perspectived_check_duration_seconds_bucket{endpoint=\"caa\",le=\"0.001\"} ",
		"perspectived_inflight_checks 0\n",
		NULL,
	};
	struct du_conf c;
	struct du_proc *p;
	struct lab_resp r;

	du_conf_init(&c, "127.0.10.71");
	p = start_daemon(&c, NULL);

	cr_assert_eq(du_status_get(c.addr, "/livez", &r), 0, "/livez: %s", r.err);
	cr_assert_eq(r.status, 200, "/livez: %ld", r.status);
	assert_contains(r.body, "alive", "/livez");
	lab_resp_free(&r);

	cr_assert_eq(du_status_get(c.addr, "/metrics", &r), 0, "/metrics: %s", r.err);
	cr_assert_eq(r.status, 200, "/metrics: %ld", r.status);
	for (size_t i = 0; names[i] != NULL; i++)
		assert_contains(r.body, names[i], "/metrics");
	cr_assert_eq(du_metric_in(r.body, CAA_PASS), 0);
	cr_assert_eq(du_metric_in(r.body, CAA_DURATION_COUNT), 0);
	cr_assert_eq(du_metric_in(r.body, CAA_DURATION_INF), 0);
	lab_resp_free(&r);

	expect_https(&c, "/caa", "client", CAA_OK_BODY, 200, "\"check_passed\":true");

	cr_assert_eq(du_status_get(c.addr, "/metrics", &r), 0, "/metrics: %s", r.err);
	cr_assert_eq(r.status, 200, "/metrics: %ld", r.status);
	cr_assert_eq(du_metric_in(r.body, CAA_PASS), 1, "%s", r.body);
	cr_assert_eq(du_metric_in(r.body, CAA_DURATION_COUNT), 1, "%s", r.body);
	cr_assert_eq(du_metric_in(r.body, CAA_DURATION_INF), 1, "%s", r.body);
	cr_assert_eq(du_metric_in(r.body, INFLIGHT), 0, "%s", r.body);
	lab_resp_free(&r);

	/* The status listener serves only the status routes. */
	cr_assert_eq(du_status_get(c.addr, "/caa", &r), 0, "/caa: %s", r.err);
	cr_assert_eq(r.status, 404, "/caa on the status listener: %ld", r.status);
	lab_resp_free(&r);
	stop_daemon(p);
	du_conf_free(&c);
	du_finish();
}
