/*
 * check_request.h: Open MPIC perspective requests in, CheckResponses out.
 *
 * Decoding is strict about types and sizes and lenient about unknown
 * fields (ignored, as Open MPIC does, so its coordinators keep working).
 * Every problem is reported as a request error that names the field; the
 * daemon answers those with 400.
 */
#ifndef PD_CHECK_REQUEST_H
#define PD_CHECK_REQUEST_H

#include <stdbool.h>
#include <stddef.h>

#include "caa.h"
#include "json.h"
#include "name.h"

#define REQ_MAX_TRACE 256      /* trace_identifier */
#define REQ_MAX_REQUEST_ID 64  /* request_id (INTERFACES.md section 3) */
#define REQ_MAX_ACCOUNT_URI 1024
#define REQ_MAX_METHOD 64

/* What every check request carries. Strings point into the JSON document. */
struct check_common {
	const char *target_raw;        /* domain_or_ip_target as received */
	size_t target_raw_len;
	struct target target;          /* parsed and normalised */
	const char *trace_identifier;  /* NULL if absent or null */
	const char *request_id;        /* NULL if absent or null */
};

/**
 * Parse @p body as a JSON object and decode the fields every request has.
 * @param flags   target_parse() flags (NAME_ALLOW_WILDCARD)
 * @param root    receives the top-level object
 * @return 0, or -1 with a reason naming the field.
 */
int check_common_decode(const char *body, size_t len, unsigned flags, struct json_doc **doc,
    const struct json_value **root, struct check_common *c, char *err, size_t errlen);

/** Whether @p s holds a control character (refused in echoed strings). */
bool check_has_control(const char *s, size_t len);

/* A decoded CaaCheckRequest. Strings point into the JSON document. */
struct caa_request {
	struct check_common common;
	bool params_present;           /* caa_check_parameters was an object */
	enum caa_cert_type cert_type;
	const char *domains[CAA_MAX_DOMAINS]; /* lower-cased copies in domain_store */
	char domain_store[CAA_MAX_DOMAINS][NAME_BUF];
	size_t n_domains;              /* 0: use the configured defaults */
	bool allow_lookup_failure;
	const char *account_uri;
	const char *validation_method; /* as sent */
	const char *method_label;      /* RFC 8657 label for it */
};

/**
 * Decode a CaaCheckRequest body. On failure @p err holds a one-line reason
 * naming the field, e.g. "caa_check_parameters.certificate_type: must be
 * \"tls-server\" or \"s-mime\"".
 * @param doc receives the parsed document, which @p req points into; the
 *            caller frees it with json_doc_free() (also on failure).
 * @return 0, or -1.
 */
int caa_request_decode(const char *body, size_t len, struct json_doc **doc,
    struct caa_request *req, char *err, size_t errlen);

/* What a perspective says about itself in every answer. */
struct perspective_id {
	const char *code;
	const char *rir;
};

/**
 * Encode the CheckResponse for a CAA check (Open MPIC section 3.2 plus our
 * extensions perspective_code, rir, request_id and details.dnssec).
 * @param res NULL for an IP target (CAA does not apply: passes, no lookup)
 * @return a heap string (caller frees) or NULL on failure.
 */
char *caa_response_encode(const struct caa_request *req, const struct caa_result *res,
    const struct perspective_id *who, long long timestamp_ns, size_t *len);

/** Write perspective_code, rir and request_id: the tail of every CheckResponse. */
void check_write_identity(struct json_writer *w, const struct check_common *c,
    const struct perspective_id *who);

/**
 * Encode a 400 body: {"error":"request-validation-failed",
 * "validation_issues":[{"issue_type":TYPE,"message":MSG}]}.
 * @return a heap string or NULL.
 */
char *request_error_encode(const char *issue_type, const char *message, size_t *len);

#endif /* PD_CHECK_REQUEST_H */
