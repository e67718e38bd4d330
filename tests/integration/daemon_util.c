/*
 * daemon_util.c: see daemon_util.h.
 */
#include "daemon_util.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define MAX_PROCS 16
#define MAX_FDS 8
#define MAX_BODY (1 << 20)
#define POLL_MS 20
/* The name in the URL: the SAN of the lab's p1.crt, which the daemons use. */
#define CERT_HOST "127.0.10.1"

static char *xstrdup(const char *s);

static char tmpdir[256];
static struct du_proc procs[MAX_PROCS];
static size_t n_procs;
static int fds[MAX_FDS];
static size_t n_fds;
static unsigned spawn_seq;

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* --- temporary folder and process registry -------------------------------- */

const char *
du_tmpdir(void)
{
	if (tmpdir[0] == '\0') {
		snprintf(tmpdir, sizeof(tmpdir), "/tmp/pd-daemon-XXXXXX");
		cr_assert_not_null(mkdtemp(tmpdir), "mkdtemp: %s", strerror(errno));
	}
	return tmpdir;
}

const char *
du_path(const char *name)
{
	static char bufs[8][600];
	static unsigned next;
	char *b = bufs[next++ % 8];

	snprintf(b, sizeof(bufs[0]), "%s/%s", du_tmpdir(), name);
	return b;
}

const char *
du_binary(void)
{
	static char bin[PATH_MAX];
	const char *env = getenv("PERSPECTIVED");
	const char *want = env != NULL && env[0] != '\0' ? env : "build/perspectived";

	if (bin[0] != '\0')
		return bin;
	cr_assert_not_null(realpath(want, bin), "perspectived binary %s: %s (set PERSPECTIVED)",
	    want, strerror(errno));
	cr_assert_eq(access(bin, X_OK), 0, "%s is not executable", bin);
	return bin;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static bool
reap(struct du_proc *p, bool block)
{
	int st;
	pid_t r;

	if (p->exited)
		return true;
	do
		r = waitpid(p->pid, &st, block ? 0 : WNOHANG);
	while (r == -1 && errno == EINTR);
	if (r == p->pid || (r == -1 && errno == ECHILD)) {
		p->exited = true;
		p->status = r == p->pid ? st : 0;
		return true;
	}
	return false;
}

static void
stop_all(void)
{
	for (size_t i = 0; i < n_procs; i++)
		if (!procs[i].exited)
			(void)du_stop(&procs[i], DU_WAIT_MS);
}

/* Sanitizer reports of any child, as text ("" if none), heap. */
static char *
sanitizer_reports(void)
{
	static const char *const marks[] = {
		"ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
		"WARNING: AddressSanitizer", NULL,
	};
	size_t cap = 4096, len = 0;
	char *acc = calloc(1, cap);
	struct dirent *de;
	DIR *d;

	if (acc == NULL || tmpdir[0] == '\0' || (d = opendir(tmpdir)) == NULL)
		return acc;
	while ((de = readdir(d)) != NULL) {
		const char *n = de->d_name;
		size_t nl = strlen(n);
		bool report = strncmp(n, "asan.", 5) == 0 || strncmp(n, "ubsan.", 6) == 0;
		bool output = nl > 4 && (strcmp(n + nl - 4, ".err") == 0 ||
		    strcmp(n + nl - 4, ".out") == 0);
		char *text;
		int k;

		if (!report && !output)
			continue;
		text = du_read_file(du_path(n));
		for (k = 0; !report && marks[k] != NULL; k++)
			if (strstr(text, marks[k]) != NULL)
				report = true;
		if (report) {
			int w = snprintf(acc + len, cap - len, "--- %s:\n%.1500s\n", n, text);

			if (w > 0)
				len += (size_t)w < cap - len ? (size_t)w : cap - len - 1;
		}
		free(text);
	}
	closedir(d);
	return acc;
}

void
du_cleanup(void)
{
	char *rep;

	stop_all();
	for (size_t i = 0; i < n_fds; i++)
		close(fds[i]);
	n_fds = 0;
	rep = sanitizer_reports();
	if (rep != NULL && rep[0] != '\0')
		fprintf(stderr, "daemon tests: sanitizer reports in %s:\n%s\n", tmpdir, rep);
	free(rep);
	/* DAEMON_TEST_KEEP=1 keeps the folder (configs, logs) for debugging. */
	if (tmpdir[0] != '\0' && getenv("DAEMON_TEST_KEEP") == NULL)
		nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	else if (tmpdir[0] != '\0')
		fprintf(stderr, "daemon tests: kept %s\n", tmpdir);
	tmpdir[0] = '\0';
	n_procs = 0;
}

void
du_finish(void)
{
	char *rep;

	stop_all();
	rep = sanitizer_reports();
	cr_assert_not_null(rep);
	cr_expect_str_empty(rep, "sanitizer reports from the daemon processes:\n%s", rep);
	free(rep);
}

/* "KEY=" + existing value (if any, plus ":") + @p add, heap. */
static char *
env_append(const char *key, const char *add)
{
	const char *old = getenv(key);
	size_t len = strlen(key) + 1 + (old != NULL ? strlen(old) + 1 : 0) + strlen(add) + 1;
	char *s = malloc(len);

	cr_assert_not_null(s);
	snprintf(s, len, "%s=%s%s%s", key, old != NULL ? old : "",
	    old != NULL && old[0] != '\0' ? ":" : "", add);
	return s;
}

static bool
env_skipped(const char *e)
{
	static const char *const skip[] = {
		"NOTIFY_SOCKET=", "JOURNAL_STREAM=", "ASAN_OPTIONS=", "UBSAN_OPTIONS=",
		"LISTEN_FDS=", "LISTEN_PID=", "WATCHDOG_USEC=", "WATCHDOG_PID=", NULL,
	};

	for (size_t i = 0; skip[i] != NULL; i++)
		if (strncmp(e, skip[i], strlen(skip[i])) == 0)
			return true;
	return false;
}

struct du_proc *
du_spawn(const char *name, const char *const *args, const char *notify_socket)
{
	const char *bin = du_binary();
	char **envp, *argv[32], opt[700], pname[64], *owned[3] = { NULL, NULL, NULL };
	size_t n_env = 0, k = 0, nargs = 0;
	struct du_proc *p;
	pid_t parent = getpid(), pid;
	int outfd, errfd, nullfd;

	cr_assert_lt(n_procs, (size_t)MAX_PROCS, "too many processes in one test");
	p = &procs[n_procs];
	memset(p, 0, sizeof(*p));
	snprintf(pname, sizeof(pname), "%s-%u", name, spawn_seq++);
	snprintf(p->name, sizeof(p->name), "%s", pname);
	snprintf(p->out, sizeof(p->out), "%s/%s.out", du_tmpdir(), pname);
	snprintf(p->err, sizeof(p->err), "%s/%s.err", du_tmpdir(), pname);

	/* execve() takes char *const []: heap copies, freed after the fork. */
	argv[nargs++] = xstrdup(bin);
	for (size_t i = 0; args[i] != NULL; i++) {
		cr_assert_lt(nargs, sizeof(argv) / sizeof(argv[0]) - 1);
		argv[nargs++] = xstrdup(args[i]);
	}
	argv[nargs] = NULL;

	while (environ[n_env] != NULL)
		n_env++;
	cr_assert_not_null(envp = calloc(n_env + 4, sizeof(*envp)));
	for (size_t i = 0; i < n_env; i++)
		if (!env_skipped(environ[i]))
			envp[k++] = environ[i];
	snprintf(opt, sizeof(opt), "log_path=%s/asan", du_tmpdir());
	envp[k++] = owned[0] = env_append("ASAN_OPTIONS", opt);
	snprintf(opt, sizeof(opt), "log_path=%s/ubsan", du_tmpdir());
	envp[k++] = owned[1] = env_append("UBSAN_OPTIONS", opt);
	if (notify_socket != NULL) {
		size_t len = strlen(notify_socket) + sizeof("NOTIFY_SOCKET=");

		cr_assert_not_null(owned[2] = malloc(len));
		snprintf(owned[2], len, "NOTIFY_SOCKET=%s", notify_socket);
		envp[k++] = owned[2];
	}
	envp[k] = NULL;

	outfd = open(p->out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	errfd = open(p->err, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	cr_assert(outfd >= 0 && errfd >= 0 && nullfd >= 0, "cannot open output files: %s",
	    strerror(errno));

	pid = fork();
	if (pid == 0) {
		/* Only async-signal-safe calls between fork and exec. */
		struct sigaction sa;
		sigset_t none;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_DFL;
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGPIPE, &sa, NULL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (dup2(nullfd, 0) == -1 || dup2(outfd, 1) == -1 || dup2(errfd, 2) == -1)
			_exit(126);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(126);
		close_range(3, ~0U, 0);
		execve(bin, argv, envp);
		_exit(127);
	}
	close(outfd);
	close(errfd);
	close(nullfd);
	free(envp);
	for (size_t i = 0; i < 3; i++)
		free(owned[i]);
	for (size_t i = 0; i < nargs; i++)
		free(argv[i]);
	cr_assert_gt(pid, 0, "fork: %s", strerror(errno));
	p->pid = pid;
	n_procs++;
	return p;
}

bool
du_wait_exit(struct du_proc *p, int timeout_ms)
{
	long long end = now_ms() + timeout_ms;

	while (!reap(p, false)) {
		if (now_ms() >= end)
			return false;
		sleep_ms(10);
	}
	return true;
}

void
du_signal(struct du_proc *p, int sig)
{
	cr_assert(!reap(p, false), "%s (pid %d) has already exited (status 0x%x)", p->name,
	    (int)p->pid, p->status);
	cr_assert_eq(kill(p->pid, sig), 0, "kill %d: %s", (int)p->pid, strerror(errno));
}

int
du_exit_code(const struct du_proc *p)
{
	if (!p->exited || !WIFEXITED(p->status))
		return -1;
	return WEXITSTATUS(p->status);
}

int
du_stop(struct du_proc *p, int timeout_ms)
{
	if (!reap(p, false)) {
		kill(p->pid, SIGTERM);
		if (!du_wait_exit(p, timeout_ms)) {
			kill(p->pid, SIGKILL);
			reap(p, true);
			return -1;
		}
	}
	return du_exit_code(p);
}

int
du_run(const char *name, const char *const *args, int timeout_ms, char **out, char **err)
{
	struct du_proc *p = du_spawn(name, args, NULL);

	if (!du_wait_exit(p, timeout_ms)) {
		kill(p->pid, SIGKILL);
		reap(p, true);
	}
	*out = du_read_file(p->out);
	*err = du_read_file(p->err);
	return du_exit_code(p);
}

/* --- files and logs -------------------------------------------------------- */

static char *
read_from(const char *path, size_t from)
{
	size_t len = 0, cap = 4096, n;
	char *buf = malloc(cap), *nb;
	FILE *fp;

	cr_assert_not_null(buf);
	buf[0] = '\0';
	if ((fp = fopen(path, "r")) == NULL)
		return buf;
	if (fseek(fp, (long)from, SEEK_SET) != 0) {
		fclose(fp);
		return buf;
	}
	while ((n = fread(buf + len, 1, cap - len - 1, fp)) > 0) {
		len += n;
		if (cap - len - 1 == 0) {
			cr_assert_not_null(nb = realloc(buf, cap * 2));
			buf = nb;
			cap *= 2;
		}
	}
	buf[len] = '\0';
	fclose(fp);
	return buf;
}

char *
du_read_file(const char *path)
{
	return read_from(path, 0);
}

void
du_write_file(const char *path, const char *text)
{
	char tmp[700];
	size_t len = strlen(text);
	FILE *fp;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	cr_assert_not_null(fp = fopen(tmp, "w"), "%s: %s", tmp, strerror(errno));
	cr_assert_eq(fwrite(text, 1, len, fp), len, "%s: short write", tmp);
	cr_assert_eq(fclose(fp), 0, "%s: %s", tmp, strerror(errno));
	cr_assert_eq(rename(tmp, path), 0, "rename %s: %s", tmp, strerror(errno));
}

size_t
du_log_size(const struct du_proc *p)
{
	struct stat st;

	return stat(p->err, &st) == 0 ? (size_t)st.st_size : 0;
}

char *
du_log_wait(const struct du_proc *p, size_t from, const char *needle, int timeout_ms)
{
	long long end = now_ms() + timeout_ms;

	for (;;) {
		char *text = read_from(p->err, from), *line = text;

		while (line != NULL && *line != '\0') {
			char *nl = strchr(line, '\n');

			/* Only whole lines: the writer may be in the middle of one. */
			if (nl == NULL)
				break;
			*nl = '\0';
			if (strstr(line, needle) != NULL) {
				char *copy = strdup(line);

				free(text);
				cr_assert_not_null(copy);
				return copy;
			}
			line = nl + 1;
		}
		free(text);
		if (now_ms() >= end)
			return NULL;
		sleep_ms(POLL_MS);
	}
}

/* --- configuration ----------------------------------------------------------- */

static char *
xstrdup(const char *s)
{
	char *c = strdup(s);

	cr_assert_not_null(c);
	return c;
}

/* Copy the lab's fragment of perspective 1 with outgoing-interface @p addr. */
static void
write_fragment(const char *path, const char *addr)
{
	const struct lab *l = lab_get();
	char *text = du_read_file(l->p[1].unbound_conf), *line = text, *out;
	size_t cap = strlen(text) + 256, len = 0;
	int replaced = 0;

	cr_assert_not_null(out = malloc(cap));
	cr_assert_neq(text[0], '\0', "cannot read %s", l->p[1].unbound_conf);
	while (line != NULL && *line != '\0') {
		char *nl = strchr(line, '\n');
		const char *t = line;
		int w;

		if (nl != NULL)
			*nl = '\0';
		while (*t == ' ' || *t == '\t')
			t++;
		if (strncmp(t, "outgoing-interface:", 19) == 0) {
			w = snprintf(out + len, cap - len, "    outgoing-interface: %s\n", addr);
			replaced++;
		} else {
			w = snprintf(out + len, cap - len, "%s\n", line);
		}
		cr_assert(w > 0 && (size_t)w < cap - len);
		len += (size_t)w;
		line = nl != NULL ? nl + 1 : NULL;
	}
	cr_assert_eq(replaced, 1, "%s: expected one outgoing-interface line, found %d",
	    l->p[1].unbound_conf, replaced);
	du_write_file(path, out);
	free(out);
	free(text);
}

/* Insert a line at index @p at (0-based); printf-style. */
static void __attribute__((format(printf, 3, 4)))
add_line(struct du_conf *c, size_t at, const char *fmt, ...)
{
	va_list ap;
	int n;

	cr_assert_lt(c->n, (size_t)DU_CONF_MAX_LINES, "config too long");
	memmove(&c->lines[at + 1], &c->lines[at], (c->n - at) * sizeof(c->lines[0]));
	va_start(ap, fmt);
	n = vsnprintf(c->lines[at], sizeof(c->lines[at]), fmt, ap);
	va_end(ap);
	cr_assert(n >= 0 && (size_t)n < sizeof(c->lines[at]), "config line too long");
	c->n++;
}

void
du_conf_init(struct du_conf *c, const char *addr)
{
	const struct lab *l = lab_get();
	const char *dot = strrchr(addr, '.');

	memset(c, 0, sizeof(*c));
	snprintf(c->addr, sizeof(c->addr), "%s", addr);
	snprintf(c->code, sizeof(c->code), "dtest-%s", dot != NULL ? dot + 1 : "x");
	snprintf(c->path, sizeof(c->path), "%s/%s.conf", du_tmpdir(), c->code);
	snprintf(c->unbound, sizeof(c->unbound), "%s/%s-unbound.conf", du_tmpdir(), c->code);
	write_fragment(c->unbound, addr);

	add_line(c, c->n, "[perspective]");
	add_line(c, c->n, "code = %s", c->code);
	add_line(c, c->n, "rir = ARIN");
	add_line(c, c->n, "listen = %s:%d", addr, DU_API_PORT);
	add_line(c, c->n, "tls_cert = %s/p1.crt", l->pki);
	add_line(c, c->n, "tls_key = %s/p1.key", l->pki);
	add_line(c, c->n, "client_ca = %s/client-ca.crt", l->pki);
	add_line(c, c->n, "allowed_client = ca-plugin-01");
	add_line(c, c->n, "status_listen = %s:%d", addr, DU_STATUS_PORT);
	add_line(c, c->n, "[dns]");
	add_line(c, c->n, "unbound_config = %s", c->unbound);
	add_line(c, c->n, "trust_anchor_file = %s", l->root_key);
}

static bool
is_key_line(const char *line, const char *key)
{
	size_t kl = strlen(key);
	const char *p = line;

	if (strncmp(p, key, kl) != 0)
		return false;
	for (p += kl; *p == ' ' || *p == '\t'; p++)
		;
	return *p == '=';
}

int
du_conf_line_of(const struct du_conf *c, const char *key)
{
	for (size_t i = 0; i < c->n; i++)
		if (is_key_line(c->lines[i], key))
			return (int)i + 1;
	return 0;
}

int
du_conf_replace(struct du_conf *c, int line, const char *text)
{
	int n;

	cr_assert(line >= 1 && (size_t)line <= c->n, "no line %d", line);
	n = snprintf(c->lines[line - 1], sizeof(c->lines[0]), "%s", text);
	cr_assert(n >= 0 && (size_t)n < sizeof(c->lines[0]), "config line too long");
	return line;
}

int
du_conf_set(struct du_conf *c, const char *key, const char *value)
{
	int line = du_conf_line_of(c, key), n;

	cr_assert_gt(line, 0, "no \"%s\" line in the config", key);
	n = snprintf(c->lines[line - 1], sizeof(c->lines[0]), "%s = %s", key, value);
	cr_assert(n >= 0 && (size_t)n < sizeof(c->lines[0]), "config line too long");
	return line;
}

void
du_conf_del(struct du_conf *c, const char *key)
{
	int line = du_conf_line_of(c, key);

	cr_assert_gt(line, 0, "no \"%s\" line in the config", key);
	memmove(&c->lines[line - 1], &c->lines[line], (c->n - (size_t)line) * sizeof(c->lines[0]));
	c->n--;
}

int
du_conf_add(struct du_conf *c, const char *section, const char *text)
{
	char header[128];
	size_t i, at;

	snprintf(header, sizeof(header), "[%s]", section);
	for (i = 0; i < c->n; i++)
		if (strcmp(c->lines[i], header) == 0)
			break;
	if (i == c->n) {
		add_line(c, c->n, "%s", header);
		add_line(c, c->n, "%s", text);
		return (int)c->n;
	}
	for (at = i + 1; at < c->n && c->lines[at][0] != '['; at++)
		;
	add_line(c, at, "%s", text);
	return (int)at + 1;
}

void
du_conf_write(const struct du_conf *c)
{
	size_t len = 1;
	char *text, *p;

	for (size_t i = 0; i < c->n; i++)
		len += strlen(c->lines[i]) + 1;
	cr_assert_not_null(text = malloc(len));
	p = text;
	for (size_t i = 0; i < c->n; i++) {
		size_t l = strlen(c->lines[i]);

		memcpy(p, c->lines[i], l);
		p[l] = '\n';
		p += l + 1;
	}
	*p = '\0';
	du_write_file(c->path, text);
	free(text);
}

void
du_conf_free(struct du_conf *c)
{
	c->n = 0;
}

/* --- requests ---------------------------------------------------------------- */

static size_t
on_data(char *p, size_t size, size_t n, void *arg)
{
	struct lab_resp *r = arg;
	size_t len = size * n;
	char *nb;

	if (r->len + len > MAX_BODY)
		return 0;
	if ((nb = realloc(r->body, r->len + len + 1)) == NULL)
		return 0;
	r->body = nb;
	memcpy(r->body + r->len, p, len);
	r->len += len;
	r->body[r->len] = '\0';
	return len;
}

/* No assertions here: this also runs on du_bg_request threads. */
static int
perform(CURL *c, long timeout_ms, struct lab_resp *out)
{
	CURLcode cc;

	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, out->err);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms < 5000 ? timeout_ms : 5000L);
	cc = curl_easy_perform(c);
	out->curl_code = (int)cc;
	if (cc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
	if (out->body == NULL)
		out->body = calloc(1, 1);
	return cc == CURLE_OK ? 0 : -1;
}

int
du_status_get(const char *addr, const char *path, struct lab_resp *out)
{
	char url[256];
	CURL *c;
	int rc;

	memset(out, 0, sizeof(*out));
	snprintf(url, sizeof(url), "http://%s:%d%s", addr, DU_STATUS_PORT, path);
	cr_assert_not_null(c = curl_easy_init());
	curl_easy_setopt(c, CURLOPT_URL, url);
	rc = perform(c, 5000, out);
	curl_easy_cleanup(c);
	cr_assert_not_null(out->body);
	return rc;
}

static int
https_request(const char *addr, const char *path, const char *client, const char *body,
    long timeout_ms, struct lab_resp *out)
{
	const struct lab *l = lab_get();
	char url[256], cert[600], key[600], ca[600], map[160];
	struct curl_slist *hdr = NULL, *connect_to = NULL;
	CURL *c;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((c = curl_easy_init()) == NULL) {
		out->curl_code = CURLE_OUT_OF_MEMORY;
		return -1;
	}
	snprintf(url, sizeof(url), "https://%s:%d%s", CERT_HOST, DU_API_PORT, path);
	snprintf(map, sizeof(map), "%s:%d:%s:%d", CERT_HOST, DU_API_PORT, addr, DU_API_PORT);
	snprintf(ca, sizeof(ca), "%s/perspective-ca.crt", l->pki);
	connect_to = curl_slist_append(NULL, map);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CONNECT_TO, connect_to);
	curl_easy_setopt(c, CURLOPT_CAINFO, ca);
	curl_easy_setopt(c, CURLOPT_CAPATH, NULL);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (client != NULL) {
		snprintf(cert, sizeof(cert), "%s/%s.crt", l->pki, client);
		snprintf(key, sizeof(key), "%s/%s.key", l->pki, client);
		curl_easy_setopt(c, CURLOPT_SSLCERT, cert);
		curl_easy_setopt(c, CURLOPT_SSLKEY, key);
	}
	hdr = curl_slist_append(hdr, "Expect:");
	if (body != NULL) {
		hdr = curl_slist_append(hdr, "Content-Type: application/json");
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	rc = perform(c, timeout_ms, out);
	curl_easy_cleanup(c);
	curl_slist_free_all(hdr);
	curl_slist_free_all(connect_to);
	return rc;
}

int
du_https(const char *addr, const char *path, const char *client, const char *body,
    long timeout_ms, struct lab_resp *out)
{
	int rc = https_request(addr, path, client, body, timeout_ms, out);

	cr_assert_not_null(out->body, "out of memory");
	return rc;
}

bool
du_wait_ready(const char *addr, int timeout_ms)
{
	long long end = now_ms() + timeout_ms;

	for (;;) {
		struct lab_resp r;
		bool ok = du_status_get(addr, "/readyz", &r) == 0 && r.status == 200;

		lab_resp_free(&r);
		if (ok)
			return true;
		if (now_ms() >= end)
			return false;
		sleep_ms(50);
	}
}

double
du_metric_in(const char *body, const char *series)
{
	size_t slen = strlen(series);

	for (const char *p = body; p != NULL && *p != '\0';) {
		if (strncmp(p, series, slen) == 0 && p[slen] == ' ')
			return strtod(p + slen + 1, NULL);
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return -1;
}

double
du_metric(const char *addr, const char *series)
{
	struct lab_resp r;
	double v = -1;

	if (du_status_get(addr, "/metrics", &r) == 0 && r.status == 200)
		v = du_metric_in(r.body, series);
	lab_resp_free(&r);
	return v;
}

bool
du_wait_metric(const char *addr, const char *series, double value, int timeout_ms)
{
	long long end = now_ms() + timeout_ms;

	for (;;) {
		if (du_metric(addr, series) == value)
			return true;
		if (now_ms() >= end)
			return false;
		sleep_ms(POLL_MS);
	}
}

static void *
bg_main(void *arg)
{
	struct du_bg_request *b = arg;

	b->rc = https_request(b->addr, b->path, b->client, b->body, 30000, &b->resp);
	return NULL;
}

void
du_bg_start(struct du_bg_request *b, const char *addr, const char *path, const char *client,
    const char *body)
{
	memset(b, 0, sizeof(*b));
	snprintf(b->addr, sizeof(b->addr), "%s", addr);
	snprintf(b->path, sizeof(b->path), "%s", path);
	b->client = client;
	b->body = body != NULL ? xstrdup(body) : NULL;
	/* lab_get() is not thread-safe on first use: load it here. */
	(void)lab_get();
	cr_assert_eq(pthread_create(&b->thread, NULL, bg_main, b), 0);
	b->started = true;
}

void
du_bg_join(struct du_bg_request *b)
{
	if (!b->started)
		return;
	pthread_join(b->thread, NULL);
	b->started = false;
	free(b->body);
	b->body = NULL;
	cr_assert_not_null(b->resp.body, "out of memory");
}

/* --- raw TLS connections ---------------------------------------------------- */

struct du_tls {
	int fd;
	SSL_CTX *ctx;
	SSL *ssl;
};

void
du_tls_close(struct du_tls *t)
{
	if (t == NULL)
		return;
	if (t->ssl != NULL)
		SSL_free(t->ssl);
	if (t->ctx != NULL)
		SSL_CTX_free(t->ctx);
	if (t->fd >= 0)
		close(t->fd);
	free(t);
}

struct du_tls *
du_tls_open(const char *addr, const char *client, char *err, size_t errlen)
{
	const struct lab *l = lab_get();
	struct timeval tv = { 5, 0 };
	struct sockaddr_in sin;
	char cert[600], key[600], ca[600];
	struct du_tls *t;
	unsigned long e;
	int r;

	cr_assert_not_null(t = calloc(1, sizeof(*t)));
	t->fd = -1;
	snprintf(ca, sizeof(ca), "%s/perspective-ca.crt", l->pki);
	snprintf(cert, sizeof(cert), "%s/%s.crt", l->pki, client);
	snprintf(key, sizeof(key), "%s/%s.key", l->pki, client);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(DU_API_PORT);
	cr_assert_eq(inet_pton(AF_INET, addr, &sin.sin_addr), 1, "bad address %s", addr);
	cr_assert_geq(t->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), 0);
	setsockopt(t->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(t->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(t->fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		snprintf(err, errlen, "connect: %s", strerror(errno));
		du_tls_close(t);
		return NULL;
	}
	cr_assert_not_null(t->ctx = SSL_CTX_new(TLS_client_method()));
	cr_assert_eq(SSL_CTX_load_verify_locations(t->ctx, ca, NULL), 1);
	cr_assert_eq(SSL_CTX_use_certificate_chain_file(t->ctx, cert), 1, "%s", cert);
	cr_assert_eq(SSL_CTX_use_PrivateKey_file(t->ctx, key, SSL_FILETYPE_PEM), 1, "%s", key);
	SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER, NULL);
	cr_assert_eq(X509_VERIFY_PARAM_set1_ip_asc(SSL_CTX_get0_param(t->ctx), CERT_HOST), 1);
	cr_assert_not_null(t->ssl = SSL_new(t->ctx));
	SSL_set_fd(t->ssl, t->fd);
	ERR_clear_error();
	if ((r = SSL_connect(t->ssl)) != 1) {
		int se = SSL_get_error(t->ssl, r);

		e = ERR_peek_error();
		snprintf(err, errlen, "handshake failed: SSL error %d, errno %d (%s), %s", se,
		    errno, strerror(errno), e != 0 ? ERR_reason_error_string(e) : "no OpenSSL error");
		ERR_clear_error();
		du_tls_close(t);
		return NULL;
	}
	return t;
}

int
du_tls_get(struct du_tls *t, const char *path)
{
	char req[512], buf[8192];
	size_t len = 0;
	const char *hdr_end, *cl;
	long clen = 0;
	int n;

	n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", path, CERT_HOST);
	if (n <= 0 || SSL_write(t->ssl, req, n) != n)
		return -1;
	for (;;) {
		if (len + 1 >= sizeof(buf))
			return -1;
		n = SSL_read(t->ssl, buf + len, (int)(sizeof(buf) - len - 1));
		if (n <= 0)
			return -1;
		len += (size_t)n;
		buf[len] = '\0';
		if ((hdr_end = strstr(buf, "\r\n\r\n")) == NULL)
			continue;
		cl = strcasestr(buf, "\r\nContent-Length:");
		if (cl != NULL && cl < hdr_end)
			clen = strtol(cl + 17, NULL, 10);
		if ((size_t)(hdr_end + 4 - buf) + (size_t)clen <= len)
			break;
	}
	if (strncmp(buf, "HTTP/1.", 7) != 0 || len < 12)
		return -1;
	return (int)strtol(buf + 9, NULL, 10);
}

int
du_listen_tcp(const char *addr, int port)
{
	struct sockaddr_in sin;
	int fd;

	cr_assert_lt(n_fds, (size_t)MAX_FDS);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	cr_assert_eq(inet_pton(AF_INET, addr, &sin.sin_addr), 1, "bad address %s", addr);
	cr_assert_geq(fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), 0);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0, "bind %s:%d: %s", addr,
	    port, strerror(errno));
	cr_assert_eq(listen(fd, 4), 0, "listen: %s", strerror(errno));
	fds[n_fds++] = fd;
	return fd;
}

/* --- sd_notify ----------------------------------------------------------------- */

int
du_notify_open(const char *path)
{
	struct sockaddr_un sun;
	int fd;

	cr_assert_lt(n_fds, (size_t)MAX_FDS);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	cr_assert_lt(strlen(path), sizeof(sun.sun_path), "socket path too long: %s", path);
	memcpy(sun.sun_path, path, strlen(path) + 1);
	cr_assert_geq(fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0), 0);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0, "bind %s: %s", path,
	    strerror(errno));
	fds[n_fds++] = fd;
	return fd;
}

/* Offset just after a line of @p log equal to @p line, at or after @p from; -1. */
static long
find_line(const char *log, size_t from, const char *line)
{
	size_t ll = strlen(line);
	const char *p = log + from;

	while (*p != '\0') {
		const char *nl = strchr(p, '\n');
		size_t len = nl != NULL ? (size_t)(nl - p) : strlen(p);

		if (len == ll && strncmp(p, line, ll) == 0)
			return (long)(p - log) + (long)len + (nl != NULL ? 1 : 0);
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return -1;
}

long
du_notify_wait(int fd, char *log, size_t loglen, size_t from, const char *line,
    int timeout_ms)
{
	long long end = now_ms() + timeout_ms;

	for (;;) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		long found = find_line(log, from, line);
		long long left = end - now_ms();
		char dgram[4096];
		size_t used = strlen(log);
		ssize_t n;

		if (found >= 0)
			return found;
		if (left <= 0)
			return -1;
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		n = recv(fd, dgram, sizeof(dgram) - 1, 0);
		if (n <= 0)
			continue;
		dgram[n] = '\0';
		cr_assert_lt(used + (size_t)n + 2, loglen, "sd_notify log overflow");
		memcpy(log + used, dgram, (size_t)n);
		used += (size_t)n;
		if (log[used - 1] != '\n')
			log[used++] = '\n';
		log[used] = '\0';
	}
}
