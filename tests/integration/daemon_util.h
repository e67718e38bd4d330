/*
 * daemon_util.h: helpers for tests that run their own perspectived
 * processes: a per-test temporary folder, process spawning with output to
 * files, bounded waits, signals, configuration files built line by line,
 * plain HTTP and HTTPS requests to a daemon on any loopback address, raw
 * TLS connections, and an sd_notify listener.
 *
 * Every process started here is registered; du_cleanup() (a Criterion
 * .fini hook) stops whatever is still running (SIGTERM, then SIGKILL) and
 * removes the temporary folder, also after a failed assertion. Children
 * also get PR_SET_PDEATHSIG(SIGKILL), so a test worker that is killed (a
 * Criterion timeout) does not leave daemons behind.
 *
 * Sanitizers: each child gets ASAN_OPTIONS / UBSAN_OPTIONS with
 * log_path=<tmpdir>/asan and <tmpdir>/ubsan appended; du_finish() stops
 * every process and fails the test if any sanitizer report exists.
 */
#ifndef TEST_DAEMON_UTIL_H
#define TEST_DAEMON_UTIL_H

#include <stdbool.h>
#include <pthread.h>
#include <stddef.h>
#include <sys/types.h>

#include "lab.h"

#define DU_API_PORT 8443
#define DU_STATUS_PORT 8081
#define DU_WAIT_MS 10000 /* default bound of every wait */

/* --- temporary folder and process registry -------------------------------- */

/** The test's temporary folder (created on first use, removed by du_cleanup). */
const char *du_tmpdir(void);

/** "<tmpdir>/<name>" in a rotating static buffer (a few may be live at once). */
const char *du_path(const char *name);

/** The daemon binary: $PERSPECTIVED if set, else build/perspectived (absolute). */
const char *du_binary(void);

/** Stop every registered process and remove the temporary folder (.fini hook). */
void du_cleanup(void);

/**
 * End of a test: stop every process still running (SIGTERM, bounded wait,
 * SIGKILL) and fail the test on any sanitizer report.
 */
void du_finish(void);

struct du_proc {
	pid_t pid;
	bool exited;      /* reaped */
	int status;       /* wait status once exited */
	char name[64];
	char out[600];    /* stdout file */
	char err[600];    /* stderr file (perspectived's log) */
};

/**
 * Start the daemon binary with @p args (NULL-terminated, without argv[0]).
 * stdout goes to <tmpdir>/<name>.out, stderr to <tmpdir>/<name>.err.
 * @param notify_socket NOTIFY_SOCKET for the child, or NULL to unset it
 * @return the registered process (never NULL: failures fail the test)
 */
struct du_proc *du_spawn(const char *name, const char *const *args, const char *notify_socket);

/**
 * Wait up to @p timeout_ms for @p p to exit.
 * @return true when it exited (p->status holds the wait status).
 */
bool du_wait_exit(struct du_proc *p, int timeout_ms);

/** Send @p sig to @p p (fails the test if it has already exited). */
void du_signal(struct du_proc *p, int sig);

/**
 * SIGTERM, wait up to @p timeout_ms, then SIGKILL.
 * @return the exit code (0..255), or -1 when it had to be killed or died
 *         of a signal.
 */
int du_stop(struct du_proc *p, int timeout_ms);

/** Exit code of an exited process, -1 if it died of a signal. */
int du_exit_code(const struct du_proc *p);

/**
 * Run the binary to completion (bounded by @p timeout_ms; killed after it).
 * @param out,err  heap copies of its stdout and stderr (free them)
 * @return its exit code, or -1 (killed by a signal or the timeout)
 */
int du_run(const char *name, const char *const *args, int timeout_ms, char **out, char **err);

/* --- files and logs -------------------------------------------------------- */

/** A whole file, heap, NUL-terminated ("" if missing). */
char *du_read_file(const char *path);

/** Write @p text to @p path (atomically: a temporary file, then rename). */
void du_write_file(const char *path, const char *text);

/** Size of p's log (stderr file) now. */
size_t du_log_size(const struct du_proc *p);

/**
 * Wait up to @p timeout_ms for a line of p's log after byte @p from that
 * contains @p needle. @return a heap copy of the line, or NULL.
 */
char *du_log_wait(const struct du_proc *p, size_t from, const char *needle, int timeout_ms);

/* --- configuration ----------------------------------------------------------- */

#define DU_CONF_MAX_LINES 48
#define DU_CONF_LINE_MAX 768

/*
 * A perspectived.conf built line by line, so that a test can change one
 * line and know its number. du_conf_init() fills in a working config for
 * loopback address @p addr: code "dtest-<last octet>", the lab's PKI
 * (p1.crt/p1.key, client-ca.crt, allowed_client ca-plugin-01), status
 * listener, a copy of the lab's libunbound fragment with its
 * outgoing-interface set to @p addr, and the lab's root trust anchor.
 */
struct du_conf {
	char addr[64];
	char code[64];
	char path[600];        /* <tmpdir>/<code>.conf */
	char unbound[600];     /* <tmpdir>/<code>-unbound.conf */
	char lines[DU_CONF_MAX_LINES][DU_CONF_LINE_MAX];
	size_t n;
};

void du_conf_init(struct du_conf *c, const char *addr);

/** 1-based line of the first "key = ..." line, or 0. */
int du_conf_line_of(const struct du_conf *c, const char *key);

/** Replace the first "key = ..." line with "key = value"; @return its line. */
int du_conf_set(struct du_conf *c, const char *key, const char *value);

/** Replace line @p line (1-based) with @p text; @return @p line. */
int du_conf_replace(struct du_conf *c, int line, const char *text);

/** Delete the first "key = ..." line. */
void du_conf_del(struct du_conf *c, const char *key);

/**
 * Add @p text as the last line of [section] (the section is appended if
 * absent). @return the new line's number.
 */
int du_conf_add(struct du_conf *c, const char *section, const char *text);

/** Write the file to c->path. */
void du_conf_write(const struct du_conf *c);

/** Nothing to release (no heap); kept so that tests read symmetrically. */
void du_conf_free(struct du_conf *c);

/* --- requests ---------------------------------------------------------------- */

/** Plain HTTP GET http://addr:DU_STATUS_PORT/path. @return 0 or -1 (see out). */
int du_status_get(const char *addr, const char *path, struct lab_resp *out);

/**
 * HTTPS to the daemon on @p addr:DU_API_PORT, with the lab's perspective
 * CA and certificate verification on: the URL names 127.0.10.1 (p1.crt's
 * SAN) and CURLOPT_CONNECT_TO sends the connection to @p addr.
 * @param client PKI name of the client certificate, NULL for none
 * @param body   POST body, NULL for GET
 * @return 0 when a response arrived, -1 otherwise (out->curl_code).
 */
int du_https(const char *addr, const char *path, const char *client, const char *body,
    long timeout_ms, struct lab_resp *out);

/** Poll /readyz on the status listener until 200 (bounded). @return success. */
bool du_wait_ready(const char *addr, int timeout_ms);

/** The value of one series in a Prometheus text body, or -1 if absent. */
double du_metric_in(const char *body, const char *series);

/** The value of one series of the daemon's /metrics, or -1. */
double du_metric(const char *addr, const char *series);

/**
 * Poll /metrics until @p series has @p value (bounded).
 * @return true when it had.
 */
bool du_wait_metric(const char *addr, const char *series, double value, int timeout_ms);

/* An HTTPS request run on a thread of its own, for checks kept in flight. */
struct du_bg_request {
	char addr[64];
	char path[64];
	const char *client;
	char *body;
	struct lab_resp resp;
	int rc;
	bool started;
	pthread_t thread;
};

void du_bg_start(struct du_bg_request *b, const char *addr, const char *path,
    const char *client, const char *body);
/** Join the thread; the result is in b->rc and b->resp. */
void du_bg_join(struct du_bg_request *b);

/* --- raw TLS connections ---------------------------------------------------- */

struct du_tls;

/**
 * A TLS connection to @p addr:DU_API_PORT with client certificate
 * @p client (PKI name), verifying the server as 127.0.10.1 against the lab's
 * perspective CA. @return NULL with a reason when the connection or the
 * handshake fails.
 */
struct du_tls *du_tls_open(const char *addr, const char *client, char *err, size_t errlen);

/** GET @p path on the connection (keep-alive). @return the HTTP status, -1 on failure. */
int du_tls_get(struct du_tls *t, const char *path);

void du_tls_close(struct du_tls *t);

/** A TCP socket listening on @p addr:@p port (closed by du_cleanup). @return the fd. */
int du_listen_tcp(const char *addr, int port);

/* --- sd_notify ----------------------------------------------------------------- */

/** Bind a datagram socket at @p path. @return the fd (closed by du_cleanup). */
int du_notify_open(const char *path);

/**
 * Read datagrams into @p log (appended, one "\n"-separated assignment per
 * line) until a line equal to @p line arrives after offset @p from of the
 * log, or @p timeout_ms passes. @return the offset just after that line in
 * @p log, or -1.
 */
long du_notify_wait(int fd, char *log, size_t loglen, size_t from, const char *line,
    int timeout_ms);

#endif /* TEST_DAEMON_UTIL_H */
