/*
 * lab.c: reading LAB_DIR/env and talking HTTPS to lab perspectives.
 */
#include "lab.h"

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_BODY (1 << 20)

static struct lab the_lab;
static bool loaded;

/* Every KEY=VALUE of LAB_DIR/env, for lab_env(). */
#define ENV_MAX 512
static struct {
	char key[64];
	char val[1024];
} env_kv[ENV_MAX];
static size_t n_env;

static void
set_str(char *dst, size_t len, const char *v)
{
	snprintf(dst, len, "%s", v);
}

static void
apply(struct lab *l, const char *key, const char *val)
{
	int i;
	char field[64];

	if (strcmp(key, "LAB_DIR") == 0)
		set_str(l->dir, sizeof(l->dir), val);
	else if (strcmp(key, "LAB_DNS_ADDR") == 0)
		set_str(l->dns_addr, sizeof(l->dns_addr), val);
	else if (strcmp(key, "LAB_ROOT_KEY") == 0)
		set_str(l->root_key, sizeof(l->root_key), val);
	else if (strcmp(key, "LAB_ROOT_HINTS") == 0)
		set_str(l->root_hints, sizeof(l->root_hints), val);
	else if (strcmp(key, "LAB_PKI") == 0)
		set_str(l->pki, sizeof(l->pki), val);
	else if (strcmp(key, "LAB_N") == 0)
		l->n = (int)strtol(val, NULL, 10);
	else if (strcmp(key, "LAB_PERSPECTIVES_RUNNING") == 0)
		l->perspectives_running = strcmp(val, "1") == 0;
	else if (strncmp(key, "LAB_P", 5) == 0) {
		char *end;
		long n = strtol(key + 5, &end, 10);

		if (end == key + 5 || *end != '_' || n < 1 || n > LAB_MAX_P)
			return;
		i = (int)n;
		set_str(field, sizeof(field), end + 1);
		if (strcmp(field, "CODE") == 0)
			set_str(l->p[i].code, sizeof(l->p[i].code), val);
		else if (strcmp(field, "RIR") == 0)
			set_str(l->p[i].rir, sizeof(l->p[i].rir), val);
		else if (strcmp(field, "ADDR") == 0)
			set_str(l->p[i].addr, sizeof(l->p[i].addr), val);
		else if (strcmp(field, "PORT") == 0)
			l->p[i].port = (int)strtol(val, NULL, 10);
		else if (strcmp(field, "STATUS_PORT") == 0)
			l->p[i].status_port = (int)strtol(val, NULL, 10);
		else if (strcmp(field, "CONF") == 0)
			set_str(l->p[i].conf, sizeof(l->p[i].conf), val);
		else if (strcmp(field, "UNBOUND_CONF") == 0)
			set_str(l->p[i].unbound_conf, sizeof(l->p[i].unbound_conf), val);
	}
}

const struct lab *
lab_get(void)
{
	char path[600], line[1024];
	const char *dir = getenv("LAB_DIR");
	FILE *fp;

	if (loaded)
		return &the_lab;
	snprintf(path, sizeof(path), "%s/env", dir != NULL ? dir : "build/lab");
	fp = fopen(path, "r");
	cr_assert_not_null(fp, "the lab is not up: cannot read %s (run tests/lab/up)", path);
	while (fgets(line, sizeof(line), fp) != NULL) {
		char *eq, *val, *nl;
		size_t vlen;

		if (line[0] == '#' || (eq = strchr(line, '=')) == NULL)
			continue;
		*eq = '\0';
		val = eq + 1;
		if ((nl = strchr(val, '\n')) != NULL)
			*nl = '\0';
		vlen = strlen(val);
		if (vlen >= 2 && val[0] == '"' && val[vlen - 1] == '"') {
			val[vlen - 1] = '\0';
			val++;
		}
		apply(&the_lab, line, val);
		if (n_env < ENV_MAX && strlen(line) < sizeof(env_kv[0].key)) {
			memcpy(env_kv[n_env].key, line, strlen(line) + 1);
			set_str(env_kv[n_env].val, sizeof(env_kv[n_env].val), val);
			n_env++;
		}
	}
	fclose(fp);
	cr_assert_gt(the_lab.n, 0, "LAB_N missing from %s", path);
	loaded = true;
	return &the_lab;
}

const char *
lab_pki(const char *name)
{
	static char bufs[8][600];
	static unsigned next;
	char *b = bufs[next++ % 8];

	snprintf(b, sizeof(bufs[0]), "%s/%s", lab_get()->pki, name);
	return b;
}

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

static int
perform(CURL *c, struct lab_resp *out)
{
	CURLcode cc;

	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, out->err);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 20000L);
	cc = curl_easy_perform(c);
	out->curl_code = (int)cc;
	if (cc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
	curl_easy_cleanup(c);
	if (out->body == NULL) {
		out->body = calloc(1, 1);
		cr_assert_not_null(out->body);
	}
	return cc == CURLE_OK ? 0 : -1;
}

int
lab_request(int i, const char *path, const char *client, const char *body,
    struct lab_resp *out)
{
	const struct lab *l = lab_get();
	char url[256], cert[600], key[600];
	struct curl_slist *hdr = NULL;
	CURL *c;
	int rc;

	memset(out, 0, sizeof(*out));
	cr_assert(i >= 1 && i <= l->n, "no perspective %d in the lab", i);
	snprintf(url, sizeof(url), "https://%s:%d%s", l->p[i].addr, l->p[i].port, path);
	cr_assert_not_null(c = curl_easy_init());
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CAINFO, lab_pki("perspective-ca.crt"));
	curl_easy_setopt(c, CURLOPT_CAPATH, NULL);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (client != NULL) {
		snprintf(cert, sizeof(cert), "%s/%s.crt", l->pki, client);
		snprintf(key, sizeof(key), "%s/%s.key", l->pki, client);
		curl_easy_setopt(c, CURLOPT_SSLCERT, cert);
		curl_easy_setopt(c, CURLOPT_SSLKEY, key);
	}
	if (body != NULL) {
		hdr = curl_slist_append(hdr, "Content-Type: application/json");
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	rc = perform(c, out);
	curl_slist_free_all(hdr);
	return rc;
}

int
lab_status_get(int i, const char *path, struct lab_resp *out)
{
	const struct lab *l = lab_get();
	char url[256];
	CURL *c;

	memset(out, 0, sizeof(*out));
	snprintf(url, sizeof(url), "http://%s:%d%s", l->p[i].addr, l->p[i].status_port, path);
	cr_assert_not_null(c = curl_easy_init());
	curl_easy_setopt(c, CURLOPT_URL, url);
	return perform(c, out);
}

void
lab_resp_free(struct lab_resp *r)
{
	free(r->body);
	r->body = NULL;
	r->len = 0;
}

/* --- generic additions ---------------------------------------------------- */

int
lab_request_opts(int i, const char *path, const char *client, const char *body,
    struct lab_req_opts *o, struct lab_resp *out)
{
	const struct lab *l = lab_get();
	char url[256], cert[600], key[600];
	struct curl_slist *hdr = NULL;
	CURLcode cc;
	CURL *c;

	memset(out, 0, sizeof(*out));
	o->local_port = 0;
	cr_assert(i >= 1 && i <= l->n, "no perspective %d in the lab", i);
	snprintf(url, sizeof(url), "%s://%s:%d%s", o->plain_http ? "http" : "https",
	    l->p[i].addr, l->p[i].port, path);
	cr_assert_not_null(c = curl_easy_init());
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CAINFO, lab_pki("perspective-ca.crt"));
	curl_easy_setopt(c, CURLOPT_CAPATH, NULL);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (o->ssl_version != 0)
		curl_easy_setopt(c, CURLOPT_SSLVERSION, o->ssl_version);
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
	if (o->method != NULL)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, o->method);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, out->err);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, o->timeout_ms > 0 ? o->timeout_ms : 20000L);
	cc = curl_easy_perform(c);
	out->curl_code = (int)cc;
	if (cc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
	curl_easy_getinfo(c, CURLINFO_LOCAL_PORT, &o->local_port);
	curl_easy_cleanup(c);
	curl_slist_free_all(hdr);
	if (out->body == NULL) {
		out->body = calloc(1, 1);
		cr_assert_not_null(out->body);
	}
	return cc == CURLE_OK ? 0 : -1;
}

static void
log_path(int i, char *out, size_t len)
{
	snprintf(out, len, "%s/p%d/log", lab_get()->dir, i);
}

size_t
lab_log_size(int i)
{
	char path[600];
	long n;
	FILE *fp;

	log_path(i, path, sizeof(path));
	if ((fp = fopen(path, "r")) == NULL)
		return 0;
	n = fseek(fp, 0, SEEK_END) == 0 ? ftell(fp) : 0;
	fclose(fp);
	return n > 0 ? (size_t)n : 0;
}

char *
lab_log_since(int i, size_t from)
{
	char path[600];

	log_path(i, path, sizeof(path));
	return lab_file_since(path, from);
}

char *
lab_log_wait_line(int i, size_t from, const char *a, const char *b, int timeout_ms)
{
	struct timespec pause = { 0, 20 * 1000000L };

	for (int waited = 0;; waited += 20) {
		char *text = lab_log_since(i, from), *line = text;

		while (line != NULL && *line != '\0') {
			char *nl = strchr(line, '\n');

			if (nl != NULL)
				*nl = '\0';
			if (strstr(line, a) != NULL && (b == NULL || strstr(line, b) != NULL)) {
				char *copy = strdup(line);

				free(text);
				cr_assert_not_null(copy);
				return copy;
			}
			line = nl != NULL ? nl + 1 : NULL;
		}
		free(text);
		if (waited >= timeout_ms)
			return NULL;
		nanosleep(&pause, NULL);
	}
}

double
lab_metric(int i, const char *series)
{
	struct lab_resp r;
	size_t slen = strlen(series);
	double v = -1;
	const char *p;

	if (lab_status_get(i, "/metrics", &r) != 0 || r.status != 200) {
		lab_resp_free(&r);
		return -1;
	}
	for (p = r.body; p != NULL && *p != '\0'; p = strchr(p, '\n'), p = p != NULL ? p + 1 : NULL) {
		if (strncmp(p, series, slen) == 0 && p[slen] == ' ') {
			v = strtod(p + slen + 1, NULL);
			break;
		}
	}
	lab_resp_free(&r);
	return v;
}

/* --- environment, files and parallel requests ------------------------------ */

const char *
lab_env(const char *key)
{
	lab_get();
	for (size_t i = 0; i < n_env; i++)
		if (strcmp(env_kv[i].key, key) == 0)
			return env_kv[i].val;
	return NULL;
}

const char *
lab_path(const char *rel)
{
	static char bufs[8][700];
	static unsigned next;
	char *b = bufs[next++ % 8];

	snprintf(b, sizeof(bufs[0]), "%s/%s", lab_get()->dir, rel);
	return b;
}

size_t
lab_file_size(const char *path)
{
	long n;
	FILE *fp;

	if ((fp = fopen(path, "r")) == NULL)
		return 0;
	n = fseek(fp, 0, SEEK_END) == 0 ? ftell(fp) : 0;
	fclose(fp);
	return n > 0 ? (size_t)n : 0;
}

char *
lab_file_since(const char *path, size_t from)
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

/* One easy handle of lab_request_all(), set up as lab_request() does. */
static CURL *
call_handle(struct lab_call *k, struct curl_slist **hdr)
{
	const struct lab *l = lab_get();
	char url[256], cert[600], key[600];
	CURL *c;

	memset(&k->r, 0, sizeof(k->r));
	k->finished = 0;
	cr_assert(k->p >= 1 && k->p <= l->n, "no perspective %d in the lab", k->p);
	cr_assert_not_null(c = curl_easy_init());
	if (k->status_port) {
		snprintf(url, sizeof(url), "http://%s:%d%s", l->p[k->p].addr,
		    l->p[k->p].status_port, k->path);
	} else {
		snprintf(url, sizeof(url), "https://%s:%d%s", l->p[k->p].addr, l->p[k->p].port,
		    k->path);
		curl_easy_setopt(c, CURLOPT_CAINFO, lab_pki("perspective-ca.crt"));
		curl_easy_setopt(c, CURLOPT_CAPATH, NULL);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
		snprintf(cert, sizeof(cert), "%s/client.crt", l->pki);
		snprintf(key, sizeof(key), "%s/client.key", l->pki);
		curl_easy_setopt(c, CURLOPT_SSLCERT, cert);
		curl_easy_setopt(c, CURLOPT_SSLKEY, key);
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	*hdr = curl_slist_append(NULL, "Expect:");
	if (k->body != NULL) {
		*hdr = curl_slist_append(*hdr, "Content-Type: application/json");
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, k->body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(k->body));
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, *hdr);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &k->r);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, k->r.err);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, 1L);
	curl_easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 20000L);
	curl_easy_setopt(c, CURLOPT_PRIVATE, k);
	return c;
}

void
lab_request_all(struct lab_call *calls, size_t n)
{
	CURLM *m = curl_multi_init();
	CURL **easy = calloc(n > 0 ? n : 1, sizeof(*easy));
	struct curl_slist **hdrs = calloc(n > 0 ? n : 1, sizeof(*hdrs));
	int running = 0, order = 0, left;
	CURLMsg *msg;

	cr_assert_not_null(m);
	cr_assert(easy != NULL && hdrs != NULL);
	for (size_t i = 0; i < n; i++) {
		easy[i] = call_handle(&calls[i], &hdrs[i]);
		cr_assert_eq(curl_multi_add_handle(m, easy[i]), CURLM_OK);
	}
	do {
		cr_assert_eq(curl_multi_perform(m, &running), CURLM_OK);
		while ((msg = curl_multi_info_read(m, &left)) != NULL) {
			struct lab_call *k = NULL;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&k);
			k->finished = ++order;
			k->r.curl_code = (int)msg->data.result;
			if (msg->data.result == CURLE_OK)
				curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &k->r.status);
			else if (k->r.err[0] == '\0')
				snprintf(k->r.err, sizeof(k->r.err), "%s",
				    curl_easy_strerror(msg->data.result));
		}
		if (running > 0)
			cr_assert_eq(curl_multi_poll(m, NULL, 0, 1000, NULL), CURLM_OK);
	} while (running > 0);
	for (size_t i = 0; i < n; i++) {
		curl_multi_remove_handle(m, easy[i]);
		curl_easy_cleanup(easy[i]);
		curl_slist_free_all(hdrs[i]);
		if (calls[i].r.body == NULL)
			cr_assert_not_null(calls[i].r.body = calloc(1, 1));
	}
	curl_multi_cleanup(m);
	free(easy);
	free(hdrs);
}

void
lab_assert_clean(void)
{
	const struct lab *l = lab_get();
	const char *canary = lab_env("LAB_CANARY_LOG"), *hostile = lab_env("LAB_HOSTILE_LOG");
	const char *access = lab_env("LAB_WEB_ACCESS_LOG");
	struct lab_call calls[2 * LAB_MAX_P];
	size_t n = 0, size;
	char *text;

	cr_assert(canary != NULL && hostile != NULL && access != NULL,
	    "LAB_CANARY_LOG, LAB_HOSTILE_LOG or LAB_WEB_ACCESS_LOG missing from the lab's env");
	if ((size = lab_file_size(canary)) != 0) {
		text = lab_file_since(canary, 0);
		cr_assert_fail("%s is not empty (%zu bytes)%s:\n%s", canary, size,
		    strstr(text, "\ttripwire ") != NULL ? ", with tripwire lines" : "", text);
	}
	text = lab_file_since(hostile, 0);
	cr_assert_null(strstr(text, "\"behaviour\": \"tripwire\""),
	    "hostile.py served a tripwire path: a refused redirect was followed (%s)", hostile);
	free(text);
	text = lab_file_since(access, 0);
	cr_assert_null(strstr(text, "-> 127.0.80.1:8080 "), "nginx's 8080 listener saw a request:\n%s",
	    text);
	free(text);
	memset(calls, 0, sizeof(calls));
	for (int i = 1; i <= l->n; i++) {
		calls[n].p = i;
		calls[n++].path = "/livez";
		calls[n].p = i;
		calls[n].path = "/livez";
		calls[n++].status_port = true;
	}
	lab_request_all(calls, n);
	for (size_t i = 0; i < n; i++) {
		cr_assert_eq(calls[i].r.status, 200, "perspective %d does not answer /livez on its %s "
		    "listener: %s %s", calls[i].p, calls[i].status_port ? "status" : "API",
		    calls[i].r.err, calls[i].r.body);
		lab_resp_free(&calls[i].r);
	}
}
