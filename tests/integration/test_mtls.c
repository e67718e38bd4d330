/*
 * test_mtls.c: perspectived's mutual TLS on a running lab perspective
 * (security.md "Channel" and the mTLS matrix of the test catalogue).
 *
 * The lab client certificate is accepted. Every other client (none, a
 * foreign CA, expired, server-only EKU, valid but not in allowed_client) is
 * refused during the handshake: no HTTP status ever comes back, and the
 * daemon logs a "TLS:" line naming the client's address and port, which
 * is how each refusal is matched to its own log line even when other tests
 * run at the same time. TLS 1.2 is the floor; plain HTTP on the TLS port
 * gets no answer; the plain status port serves only /livez /readyz
 * /metrics.
 */
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab.h"
#include "raw_tls.h"

TestSuite(mtls, .timeout = 60);

#define P 1                 /* the perspective these tests talk to */
#define LOG_WAIT_MS 3000    /* bound on waiting for a log line to appear */
#define CAA_BODY "{\"domain_or_ip_target\":\"caa.secure.test\"," \
	"\"caa_check_parameters\":{\"caa_domains\":[\"ca.example.net\"]}}"

static void
assert_alive(int i)
{
	struct lab_resp r;

	cr_assert_eq(lab_request(i, "/livez", "client", NULL, &r), 0,
	    "perspective %d does not answer /livez any more: %s", i, r.err);
	cr_assert_eq(r.status, 200, "/livez: %ld", r.status);
	lab_resp_free(&r);
}

/*
 * Present @p client (NULL: no certificate) with curl's @p ssl_version and
 * expect a refusal during the handshake, logged by the daemon with
 * @p reason (a piece of the "TLS: client ..." line; NULL: only the alert).
 */
static void
expect_refused(const char *client, long ssl_version, const char *reason)
{
	struct lab_req_opts o = { .ssl_version = ssl_version, .timeout_ms = 10000 };
	struct lab_resp r;
	size_t mark = lab_log_size(P);
	char port[64];
	char *line;
	int rc;

	rc = lab_request_opts(P, "/caa", client, CAA_BODY, &o, &r);
	cr_assert_eq(rc, -1, "client %s got an HTTP answer %ld: %s", client ? client : "(none)",
	    r.status, r.body);
	cr_assert_eq(r.status, 0);
	cr_assert_eq(r.len, 0, "client %s got a body: %s", client ? client : "(none)", r.body);
	/* Handshake errors (TLS 1.2), or, in TLS 1.3 where the client finishes
	 * first, the server's alert arriving on the first read or write. */
	cr_assert(r.curl_code == CURLE_SSL_CONNECT_ERROR ||
	    r.curl_code == CURLE_PEER_FAILED_VERIFICATION || r.curl_code == CURLE_RECV_ERROR ||
	    r.curl_code == CURLE_SEND_ERROR,
	    "client %s: unexpected curl error %d (%s)", client ? client : "(none)", r.curl_code,
	    r.err);
	if (ssl_version != 0)
		cr_assert(r.curl_code == CURLE_SSL_CONNECT_ERROR ||
		    r.curl_code == CURLE_PEER_FAILED_VERIFICATION,
		    "TLS 1.2 client %s: not a handshake failure: curl error %d (%s)",
		    client ? client : "(none)", r.curl_code, r.err);
	cr_assert_gt(o.local_port, 0, "curl did not report the local port");
	snprintf(port, sizeof(port), ":%ld failed: sent alert: ", o.local_port);
	line = lab_log_wait_line(P, mark, "TLS: handshake with ", port, LOG_WAIT_MS);
	cr_assert_not_null(line, "no \"TLS:\" log line for the refused client %s (port %ld)",
	    client ? client : "(none)", o.local_port);
	free(line);
	if (reason != NULL) {
		snprintf(port, sizeof(port), ":%ld: ", o.local_port);
		line = lab_log_wait_line(P, mark, reason, port, LOG_WAIT_MS);
		cr_assert_not_null(line, "no log line saying \"%s\" for client %s (port %ld)", reason,
		    client ? client : "(none)", o.local_port);
		cr_assert_not_null(strstr(line, "TLS:"), "%s", line);
		free(line);
	}
	lab_resp_free(&r);
	assert_alive(P);
}

#define TLS12_ONLY (CURL_SSLVERSION_TLSv1_2 | CURL_SSLVERSION_MAX_TLSv1_2)

Test(mtls, lab_client_certificate_is_accepted_and_named_in_the_log)
{
	struct lab_resp r;
	size_t mark = lab_log_size(P);
	char *line;

	cr_assert_eq(lab_request(P, "/caa", "client",
	    "{\"domain_or_ip_target\":\"caa.secure.test\",\"request_id\":\"r-mtls-accepted\","
	    "\"caa_check_parameters\":{\"caa_domains\":[\"ca.example.net\"]}}", &r), 0, "%s",
	    r.err);
	cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
	cr_assert_not_null(strstr(r.body, "\"check_passed\":true"), "%s", r.body);
	lab_resp_free(&r);
	line = lab_log_wait_line(P, mark, "request_id r-mtls-accepted", "client ca-plugin-01",
	    LOG_WAIT_MS);
	cr_assert_not_null(line, "the check's log line does not name the client ca-plugin-01");
	free(line);
	assert_alive(P);
}

Test(mtls, no_client_certificate_is_refused_at_the_handshake)
{
	expect_refused(NULL, 0, NULL);
	expect_refused(NULL, TLS12_ONLY, NULL);
}

Test(mtls, no_client_certificate_is_logged_as_certificate_required)
{
	struct lab_req_opts o = { .timeout_ms = 10000 };
	struct lab_resp r;
	size_t mark = lab_log_size(P);
	char port[64];
	char *line;

	cr_assert_eq(lab_request_opts(P, "/livez", NULL, NULL, &o, &r), -1);
	snprintf(port, sizeof(port), ":%ld failed: sent alert: certificate required",
	    o.local_port);
	line = lab_log_wait_line(P, mark, "TLS: handshake with ", port, LOG_WAIT_MS);
	cr_assert_not_null(line, "no \"certificate required\" log line for port %ld",
	    o.local_port);
	free(line);
	lab_resp_free(&r);
}

Test(mtls, client_from_a_foreign_ca_is_refused_at_the_handshake)
{
	expect_refused("foreign-client", 0, "unable to get local issuer certificate");
	expect_refused("foreign-client", TLS12_ONLY, "unable to get local issuer certificate");
}

Test(mtls, expired_client_is_refused_at_the_handshake)
{
	expect_refused("expired-client", 0, "certificate has expired");
	expect_refused("expired-client", TLS12_ONLY, "certificate has expired");
}

Test(mtls, client_without_client_auth_eku_is_refused_at_the_handshake)
{
	expect_refused("wrong-eku-client", 0, "unsuitable certificate purpose");
	expect_refused("wrong-eku-client", TLS12_ONLY, "unsuitable certificate purpose");
}

Test(mtls, valid_client_outside_allowed_client_is_refused_at_the_handshake)
{
	expect_refused("client2", 0, "is not in allowed_client");
	expect_refused("client2", TLS12_ONLY, "is not in allowed_client");
}

/* Old protocol versions: the server answers with a protocol_version alert. */
static void
expect_version_refused(long ssl_version, const char *what)
{
	struct lab_req_opts o = { .ssl_version = ssl_version, .timeout_ms = 10000 };
	struct lab_resp r;
	size_t mark = lab_log_size(P);
	char port[64];
	char *line;

	cr_assert_eq(lab_request_opts(P, "/livez", "client", NULL, &o, &r), -1,
	    "%s was accepted: %ld", what, r.status);
	cr_assert_eq(r.status, 0);
	cr_assert_eq(r.curl_code, CURLE_SSL_CONNECT_ERROR, "%s: curl error %d (%s)", what,
	    r.curl_code, r.err);
	cr_assert_gt(o.local_port, 0);
	snprintf(port, sizeof(port), ":%ld failed: sent alert: protocol version", o.local_port);
	line = lab_log_wait_line(P, mark, "TLS: handshake with ", port, LOG_WAIT_MS);
	cr_assert_not_null(line, "%s: the server did not log a protocol_version alert", what);
	free(line);
	lab_resp_free(&r);
	assert_alive(P);
}

Test(mtls, tls_1_1_is_refused)
{
	expect_version_refused(CURL_SSLVERSION_TLSv1_1 | CURL_SSLVERSION_MAX_TLSv1_1, "TLS 1.1");
}

Test(mtls, tls_1_0_is_refused)
{
	expect_version_refused(CURL_SSLVERSION_TLSv1_0 | CURL_SSLVERSION_MAX_TLSv1_0, "TLS 1.0");
}

/* Negotiate exactly @p version with the raw client and get /livez over it. */
static void
expect_version_accepted(int version)
{
	const struct lab *l = lab_get();
	struct raw_tls_opts o = {
		.ca = lab_pki("perspective-ca.crt"), .cert = lab_pki("client.crt"),
		.key = lab_pki("client.key"), .min_version = version, .max_version = version,
	};
	struct raw_reply rep;
	struct raw_conn *c;
	char err[512];

	c = raw_connect(l->p[P].addr, l->p[P].port, &o, err, sizeof(err));
	cr_assert_not_null(c, "TLS version %#x refused: %s", version, err);
	cr_assert_eq(raw_version(c), version, "negotiated %#x", raw_version(c));
	cr_assert_eq(raw_send_str(c, "GET /livez HTTP/1.1\r\nHost: p\r\nConnection: close\r\n\r\n",
	    5000), 0);
	cr_assert_eq(raw_read(c, 5000, &rep), 0);
	cr_assert_eq(rep.status, 200, "GET /livez over %#x: %s", version, rep.data);
	raw_reply_free(&rep);
	raw_close(c);
}

Test(mtls, tls_1_2_is_accepted)
{
	expect_version_accepted(TLS1_2_VERSION);
}

Test(mtls, tls_1_3_is_accepted)
{
	expect_version_accepted(TLS1_3_VERSION);
}

Test(mtls, plain_http_to_the_tls_port_gets_no_check_answer)
{
	struct lab_req_opts o = { .plain_http = true, .timeout_ms = 5000 };
	const struct lab *l = lab_get();
	struct raw_tls_opts plain = { .plain = true };
	struct raw_reply rep;
	struct raw_conn *c;
	struct lab_resp r;
	char err[256], req[512];

	lab_request_opts(P, "/caa", NULL, CAA_BODY, &o, &r);
	cr_assert_neq(r.status, 200, "plain HTTP got 200: %s", r.body);
	cr_assert_null(strstr(r.body, "check_"), "plain HTTP got a check answer: %s", r.body);
	lab_resp_free(&r);

	/* The same by hand: whatever comes back is no HTTP answer to the check. */
	c = raw_connect(l->p[P].addr, l->p[P].port, &plain, err, sizeof(err));
	cr_assert_not_null(c, "%s", err);
	snprintf(req, sizeof(req), "POST /caa HTTP/1.1\r\nHost: p\r\nContent-Type: "
	    "application/json\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
	    strlen(CAA_BODY), CAA_BODY);
	(void)raw_send_str(c, req, 5000);
	cr_assert_eq(raw_read(c, 5000, &rep), 0);
	cr_assert_eq(rep.status, 0, "plain HTTP got an HTTP answer: %s", rep.data);
	cr_assert_null(strstr(rep.data, "check_"), "%s", rep.data);
	raw_reply_free(&rep);
	raw_close(c);
	assert_alive(P);
}

Test(mtls, status_port_serves_livez_readyz_and_metrics_over_plain_http)
{
	struct lab_resp r;

	cr_assert_eq(lab_status_get(P, "/livez", &r), 0, "%s", r.err);
	cr_assert_eq(r.status, 200);
	cr_assert_not_null(strstr(r.body, "\"status\":\"alive\""), "%s", r.body);
	lab_resp_free(&r);
	cr_assert_eq(lab_status_get(P, "/readyz", &r), 0, "%s", r.err);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_not_null(strstr(r.body, "\"status\":\"ready\""), "%s", r.body);
	lab_resp_free(&r);
	cr_assert_eq(lab_status_get(P, "/metrics", &r), 0, "%s", r.err);
	cr_assert_eq(r.status, 200);
	cr_assert_not_null(strstr(r.body, "# TYPE perspectived_requests_total counter"), "%s",
	    r.body);
	lab_resp_free(&r);
}

Test(mtls, status_port_does_not_serve_checks)
{
	const struct lab *l = lab_get();
	struct raw_tls_opts plain = { .plain = true };
	struct raw_reply rep;
	struct raw_conn *c;
	struct lab_resp r;
	char err[256], req[512];

	cr_assert_eq(lab_status_get(P, "/caa", &r), 0, "%s", r.err);
	cr_assert_eq(r.status, 404, "GET /caa on the status port: %ld %s", r.status, r.body);
	lab_resp_free(&r);
	cr_assert_eq(lab_status_get(P, "/dcv", &r), 0, "%s", r.err);
	cr_assert_eq(r.status, 404, "GET /dcv on the status port: %ld", r.status);
	lab_resp_free(&r);

	c = raw_connect(l->p[P].addr, l->p[P].status_port, &plain, err, sizeof(err));
	cr_assert_not_null(c, "%s", err);
	snprintf(req, sizeof(req), "POST /caa HTTP/1.1\r\nHost: p\r\nContent-Type: "
	    "application/json\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
	    strlen(CAA_BODY), CAA_BODY);
	cr_assert_eq(raw_send_str(c, req, 5000), 0);
	cr_assert_eq(raw_read(c, 5000, &rep), 0);
	cr_assert_eq(rep.status, 404, "POST /caa on the status port: %s", rep.data);
	cr_assert_null(strstr(rep.data, "check_"), "%s", rep.data);
	raw_reply_free(&rep);
	raw_close(c);
}
