/*
 * mtls_load.c: a load driver for mutual-TLS endpoints (wrk and h2load
 * cannot present client certificates). libcurl multi, keep-alive
 * connections, a fixed number of requests in flight.
 *
 *   mtls_load --url URL --cacert F --cert F --key F [-n N] [-c C]
 *             [--connect-to HOST:PORT:HOST2:PORT2] --body JSON [--body JSON ...]
 *
 * Bodies are sent round-robin. Prints one summary line:
 *   requests 10000 ok 10000 non200 0 failed 0 seconds 2.31 rps 4329 p50_ms 6.9 p99_ms 14.2
 * Exit status 0 when every transfer completed (any HTTP status), 1 otherwise.
 * This is a test tool: blocking in curl_multi_poll is fine here.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#define MAX_BODIES 64

struct slot {
	CURL *easy;
	struct timespec start;
	char sink[256];
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t
discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
usage(void)
{
	fprintf(stderr, "usage: mtls_load --url URL --cacert F --cert F --key F [-n N] [-c C]\n"
	    "                 [--connect-to H:P:H2:P2] --body JSON [--body JSON ...]\n");
	exit(2);
}

static long
number(const char *s, long min, long max)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (end == s || *end != '\0' || v < min || v > max)
		usage();
	return v;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "cacert", required_argument, NULL, 'A' },
		{ "cert", required_argument, NULL, 'C' },
		{ "key", required_argument, NULL, 'K' },
		{ "body", required_argument, NULL, 'b' },
		{ "connect-to", required_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 },
	};
	const char *url = NULL, *cacert = NULL, *cert = NULL, *key = NULL, *connect_to = NULL;
	const char *bodies[MAX_BODIES];
	size_t n_bodies = 0;
	long total = 1000, conc = 16, started = 0, done = 0, ok = 0, non200 = 0, failed = 0;
	struct curl_slist *hdr = NULL, *cto = NULL;
	struct slot *slots;
	double *lat, t0, secs;
	CURLM *multi;
	int ch, running;

	while ((ch = getopt_long(argc, argv, "n:c:", opts, NULL)) != -1) {
		switch (ch) {
		case 'u': url = optarg; break;
		case 'A': cacert = optarg; break;
		case 'C': cert = optarg; break;
		case 'K': key = optarg; break;
		case 'T': connect_to = optarg; break;
		case 'n': total = number(optarg, 1, 100000000); break;
		case 'c': conc = number(optarg, 1, 4096); break;
		case 'b':
			if (n_bodies == MAX_BODIES)
				usage();
			bodies[n_bodies++] = optarg;
			break;
		default: usage();
		}
	}
	if (url == NULL || n_bodies == 0)
		usage();
	if (conc > total)
		conc = total;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	slots = calloc((size_t)conc, sizeof(*slots));
	lat = calloc((size_t)total, sizeof(*lat));
	multi = curl_multi_init();
	if (slots == NULL || lat == NULL || multi == NULL)
		return 1;
	curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, conc);
	hdr = curl_slist_append(hdr, "Content-Type: application/json");
	if (connect_to != NULL)
		cto = curl_slist_append(cto, connect_to);

	t0 = now_s();
	for (;;) {
		CURLMsg *m;
		int left;
		bool finished_some = false;

		/* Keep conc transfers in flight until total have started. */
		for (long i = 0; i < conc && started < total; i++) {
			struct slot *s = &slots[i];
			const char *body;

			if (s->easy != NULL)
				continue;
			body = bodies[started % (long)n_bodies];
			s->easy = curl_easy_init();
			curl_easy_setopt(s->easy, CURLOPT_URL, url);
			curl_easy_setopt(s->easy, CURLOPT_NOPROXY, "*");
			curl_easy_setopt(s->easy, CURLOPT_HTTPHEADER, hdr);
			curl_easy_setopt(s->easy, CURLOPT_POSTFIELDS, body);
			curl_easy_setopt(s->easy, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
			curl_easy_setopt(s->easy, CURLOPT_WRITEFUNCTION, discard);
			curl_easy_setopt(s->easy, CURLOPT_TIMEOUT_MS, 30000L);
			curl_easy_setopt(s->easy, CURLOPT_PRIVATE, s);
			if (cto != NULL)
				curl_easy_setopt(s->easy, CURLOPT_CONNECT_TO, cto);
			if (cacert != NULL) {
				curl_easy_setopt(s->easy, CURLOPT_CAINFO, cacert);
				curl_easy_setopt(s->easy, CURLOPT_CAPATH, NULL);
			}
			if (cert != NULL)
				curl_easy_setopt(s->easy, CURLOPT_SSLCERT, cert);
			if (key != NULL)
				curl_easy_setopt(s->easy, CURLOPT_SSLKEY, key);
			clock_gettime(CLOCK_MONOTONIC, &s->start);
			curl_multi_add_handle(multi, s->easy);
			started++;
		}
		if (done == total)
			break;
		curl_multi_perform(multi, &running);
		while ((m = curl_multi_info_read(multi, &left)) != NULL) {
			struct slot *s;
			long status = 0;
			struct timespec end;

			if (m->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&s);
			clock_gettime(CLOCK_MONOTONIC, &end);
			if (m->data.result == CURLE_OK) {
				curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &status);
				if (status == 200)
					ok++;
				else
					non200++;
			} else {
				failed++;
				if (failed <= 3)
					fprintf(stderr, "mtls_load: %s\n", curl_easy_strerror(m->data.result));
			}
			lat[done++] = (double)(end.tv_sec - s->start.tv_sec) * 1000.0 +
			    (double)(end.tv_nsec - s->start.tv_nsec) / 1e6;
			curl_multi_remove_handle(multi, m->easy_handle);
			curl_easy_cleanup(m->easy_handle);
			s->easy = NULL;
			finished_some = true;
		}
		/* A freed slot is refilled at once; otherwise wait for the network. */
		if (done < total && !finished_some)
			curl_multi_poll(multi, NULL, 0, 100, NULL);
	}
	secs = now_s() - t0;
	qsort(lat, (size_t)total, sizeof(*lat), cmp_double);
	printf("requests %ld ok %ld non200 %ld failed %ld seconds %.2f rps %.0f p50_ms %.2f "
	    "p99_ms %.2f\n", total, ok, non200, failed, secs, (double)total / secs,
	    lat[total / 2], lat[(total * 99) / 100]);
	curl_multi_cleanup(multi);
	curl_slist_free_all(hdr);
	curl_slist_free_all(cto);
	free(slots);
	free(lat);
	curl_global_cleanup();
	return failed == 0 ? 0 : 1;
}
