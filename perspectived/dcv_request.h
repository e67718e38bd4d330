/*
 * dcv_request.h: Open MPIC DcvCheckRequest in, CheckResponse out.
 *
 * The dcv_check_parameters object is chosen by validation_method and checked
 * against Open MPIC 3.9.0's models (open-mpic-api.md 2.3): required fields,
 * enums, and fixed fields that may be sent only with their fixed value; and
 * where the Baseline Requirements are stricter, against them: an empty
 * challenge is refused for every method, and a dns-change prefix must be an
 * underscore-prefixed label (BR 3.2.2.4.7).
 */
#ifndef PD_DCV_REQUEST_H
#define PD_DCV_REQUEST_H

#include <stdbool.h>
#include <stddef.h>

#include "check_request.h"
#include "dcv.h"

struct dcv_request {
	struct check_common common;
	struct dcv_params params;
	/* The name the method works on: the target, or for
	 * reverse-address-lookup of an IP target, its reverse name. */
	char name[NAME_BUF];
	char prefix_store[NAME_BUF];
	char issuer_store[DCV_MAX_ISSUERS][NAME_BUF];
	const char *issuers[DCV_MAX_ISSUERS];
	/* http_headers as "Name: value" lines. */
	char header_store[DCV_MAX_HTTP_HEADERS][1100];
	const char *headers[DCV_MAX_HTTP_HEADERS];
};

/**
 * Decode a DcvCheckRequest body.
 * @param doc receives the document @p req points into; the caller frees it
 *            with json_doc_free(), also on failure
 * @return 0, or -1 with a reason naming the field.
 */
int dcv_request_decode(const char *body, size_t len, struct json_doc **doc,
    struct dcv_request *req, char *err, size_t errlen);

/**
 * Encode the CheckResponse of a DNS-based DCV check.
 * @return a heap string (caller frees) or NULL.
 */
char *dcv_response_encode(const struct dcv_request *req, const struct dcv_result *res,
    const struct perspective_id *who, long long timestamp_ns, size_t *len);

#endif /* PD_DCV_REQUEST_H */
