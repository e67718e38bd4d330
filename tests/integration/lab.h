/*
 * lab.h: what integration tests need to know about the running lab
 * (tests/lab/up writes LAB_DIR/env), and a small HTTPS client for it.
 */
#ifndef TEST_LAB_H
#define TEST_LAB_H

#include <stdbool.h>
#include <stddef.h>

#define LAB_MAX_P 10

struct lab_perspective {
	char code[64];
	char rir[32];
	char addr[64];
	int port;
	int status_port;
	char conf[512];
	char unbound_conf[512];
};

struct lab {
	char dir[512];
	char dns_addr[64];
	char root_key[512];
	char root_hints[512];
	char pki[512];
	int n;
	bool perspectives_running;
	struct lab_perspective p[LAB_MAX_P + 1]; /* 1-based, as in the lab */
};

/**
 * The running lab, read once from $LAB_DIR/env (default build/lab/env).
 * Fails the calling test if the lab is not up.
 */
const struct lab *lab_get(void);

/** "<pki>/<name>" in a rotating static buffer (a few may be live at once). */
const char *lab_pki(const char *name);

struct lab_resp {
	long status;   /* HTTP status, 0 if the transfer failed */
	int curl_code; /* CURLcode */
	char err[256]; /* curl's error text when the transfer failed */
	char *body;    /* NUL-terminated, heap */
	size_t len;
};

/**
 * One HTTPS request to perspective @p i (1-based) on its API port, trusting
 * only the lab's perspective CA.
 * @param client PKI name of the client certificate ("client",
 *               "foreign-client", ...) or NULL to send none
 * @param body   POST body, or NULL for a GET
 * @return 0 when a response arrived (see out->status), -1 otherwise
 *         (out->curl_code and out->err say why).
 */
int lab_request(int i, const char *path, const char *client, const char *body,
    struct lab_resp *out);

/** Plain HTTP GET on perspective @p i's status listener. */
int lab_status_get(int i, const char *path, struct lab_resp *out);

void lab_resp_free(struct lab_resp *r);

#endif /* TEST_LAB_H */
