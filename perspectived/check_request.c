/*
 * check_request.c: decoding CaaCheckRequest bodies and encoding
 * CheckResponses, exactly in Open MPIC's shapes (open-mpic-api.md sections
 * 3.2, 3.3 and 6) with our documented extensions (spec/perspective-api.yaml).
 */
#include "check_request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"

/* Reject control characters in strings we echo or log. */
bool
check_has_control(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return true;
	return false;
}

static int
decode_params(const struct json_value *p, struct caa_request *req, char *err, size_t errlen)
{
	const char *s;
	size_t len;
	const struct json_value *arr;
	int rc;

	req->params_present = true;
	rc = json_get_string(p, "caa_check_parameters", "certificate_type", 32, &s, &len, err,
	    errlen);
	if (rc == -1)
		return -1;
	if (rc == 1) {
		if (strcmp(s, "tls-server") == 0) {
			req->cert_type = CAA_CERT_TLS_SERVER;
		} else if (strcmp(s, "s-mime") == 0) {
			req->cert_type = CAA_CERT_SMIME;
		} else {
			snprintf(err, errlen,
			    "caa_check_parameters.certificate_type: must be \"tls-server\" or \"s-mime\"");
			return -1;
		}
	}
	rc = json_get_string_array(p, "caa_check_parameters", "caa_domains", CAA_MAX_DOMAINS,
	    NAME_MAX_INPUT, &arr, err, errlen);
	if (rc == -1)
		return -1;
	for (size_t i = 0; rc == 1 && i < arr->u.arr.n; i++) {
		const struct json_value *v = arr->u.arr.items[i];
		const char *why;
		bool wild;

		if (name_normalize(v->u.str.s, v->u.str.len, 0, req->domain_store[i], &wild,
		    &why) == -1) {
			snprintf(err, errlen, "caa_check_parameters.caa_domains[%zu]: %s", i, why);
			return -1;
		}
		req->domains[i] = req->domain_store[i];
		req->n_domains++;
	}
	if (json_get_bool(p, "caa_check_parameters", "allow_lookup_failure",
	    &req->allow_lookup_failure, err, errlen) == -1)
		return -1;
	rc = json_get_string(p, "caa_check_parameters", "account_uri", REQ_MAX_ACCOUNT_URI,
	    &req->account_uri, &len, err, errlen);
	if (rc == -1)
		return -1;
	if (rc == 1 && (len == 0 || check_has_control(req->account_uri, len))) {
		snprintf(err, errlen,
		    "caa_check_parameters.account_uri: must be a non-empty URI without control characters");
		return -1;
	}
	rc = json_get_string(p, "caa_check_parameters", "validation_method", REQ_MAX_METHOD,
	    &req->validation_method, &len, err, errlen);
	if (rc == -1)
		return -1;
	if (rc == 1 && (req->method_label = caa_method_label(req->validation_method)) == NULL) {
		snprintf(err, errlen,
		    "caa_check_parameters.validation_method: not a validation method name or "
		    "RFC 8657 label");
		return -1;
	}
	return 0;
}

int
check_common_decode(const char *body, size_t len, unsigned flags, struct json_doc **docp,
    const struct json_value **rootp, struct check_common *c, char *err, size_t errlen)
{
	const struct json_value *root;
	const char *why;
	size_t slen;
	int rc;

	memset(c, 0, sizeof(*c));
	if ((*docp = json_parse(body, len, NULL, err, errlen)) == NULL)
		return -1;
	*rootp = root = json_root(*docp);
	if (root->type != JSON_OBJECT) {
		snprintf(err, errlen, "the body must be a JSON object");
		return -1;
	}
	rc = json_get_string(root, "", "domain_or_ip_target", NAME_MAX_INPUT, &c->target_raw,
	    &c->target_raw_len, err, errlen);
	if (rc == -1)
		return -1;
	if (rc == 0) {
		snprintf(err, errlen, "domain_or_ip_target: required");
		return -1;
	}
	if (target_parse(c->target_raw, c->target_raw_len, flags, &c->target, &why) == -1) {
		snprintf(err, errlen, "domain_or_ip_target: %s", why);
		return -1;
	}
	rc = json_get_string(root, "", "trace_identifier", REQ_MAX_TRACE, &c->trace_identifier,
	    &slen, err, errlen);
	if (rc == -1)
		return -1;
	if (rc == 1 && check_has_control(c->trace_identifier, slen)) {
		snprintf(err, errlen, "trace_identifier: control characters are not allowed");
		return -1;
	}
	rc = json_get_string(root, "", "request_id", REQ_MAX_REQUEST_ID, &c->request_id, &slen,
	    err, errlen);
	if (rc == -1)
		return -1;
	if (rc == 1 && check_has_control(c->request_id, slen)) {
		snprintf(err, errlen, "request_id: control characters are not allowed");
		return -1;
	}
	return 0;
}

int
caa_request_decode(const char *body, size_t len, struct json_doc **docp,
    struct caa_request *req, char *err, size_t errlen)
{
	const struct json_value *root, *params;
	int rc;

	memset(req, 0, sizeof(*req));
	req->cert_type = CAA_CERT_TLS_SERVER;
	/* CAA applies to wildcard names too (issuewild). */
	if (check_common_decode(body, len, NAME_ALLOW_WILDCARD, docp, &root, &req->common, err,
	    errlen) == -1)
		return -1;
	rc = json_get_object(root, "", "caa_check_parameters", &params, err, errlen);
	if (rc == -1)
		return -1;
	if (rc == 1 && decode_params(params, req, err, errlen) == -1)
		return -1;
	return 0;
}

void
check_write_identity(struct json_writer *w, const struct check_common *c,
    const struct perspective_id *who)
{
	json_w_key(w, "perspective_code");
	json_w_string(w, who->code);
	json_w_key(w, "rir");
	json_w_string(w, who->rir);
	json_w_key(w, "request_id");
	json_w_string(w, c->request_id);
}

char *
caa_response_encode(const struct caa_request *req, const struct caa_result *res,
    const struct perspective_id *who, long long timestamp_ns, size_t *len)
{
	struct json_writer *w;
	const char *out;
	char *copy = NULL;
	bool ip = res == NULL;

	if ((w = json_w_new(256 * 1024)) == NULL)
		return NULL;
	json_w_object_open(w);
	json_w_key(w, "check_completed");
	json_w_bool(w, ip || res->completed);
	json_w_key(w, "check_passed");
	json_w_bool(w, ip || res->passed);
	json_w_key(w, "errors");
	if (!ip && res->lookup_error) {
		char msg[1536];

		/* Open MPIC's wording, so its clients can match on it. */
		snprintf(msg, sizeof(msg),
		    "There was an error looking up the CAA record: Error during CAA lookup for %.*s: "
		    "%s. Trace ID: %s", (int)req->common.target_raw_len, req->common.target_raw,
		    res->error, req->common.trace_identifier != NULL ?
		    req->common.trace_identifier : "None");
		json_w_array_open(w);
		json_w_object_open(w);
		json_w_key(w, "error_type");
		json_w_string(w, ERRTYPE_CAA_LOOKUP);
		json_w_key(w, "error_message");
		json_w_string_lossy(w, msg, strlen(msg));
		json_w_object_close(w);
		json_w_array_close(w);
	} else {
		json_w_null(w);
	}
	json_w_key(w, "timestamp_ns");
	json_w_int(w, timestamp_ns);
	json_w_key(w, "check_type");
	json_w_string(w, "caa");
	json_w_key(w, "details");
	json_w_object_open(w);
	json_w_key(w, "caa_record_present");
	if (ip)
		json_w_bool(w, false);
	else if (res->have_details)
		json_w_bool(w, res->record_present);
	else
		json_w_null(w);
	json_w_key(w, "found_at");
	if (!ip && res->have_details && res->record_present)
		json_w_string_lossy(w, res->found_at, strlen(res->found_at));
	else
		json_w_null(w);
	json_w_key(w, "records_seen");
	if (!ip && res->have_details && res->record_present) {
		json_w_array_open(w);
		for (size_t i = 0; i < res->n_seen; i++)
			json_w_string_lossy(w, res->records_seen[i], strlen(res->records_seen[i]));
		json_w_array_close(w);
	} else {
		json_w_null(w);
	}
	json_w_key(w, "dnssec");
	if (ip)
		json_w_null(w);
	else
		json_w_string(w, dnssec_status_name(res->dnssec));
	json_w_object_close(w);
	check_write_identity(w, &req->common, who);
	json_w_object_close(w);
	if ((out = json_w_finish(w, len)) != NULL && (copy = malloc(*len + 1)) != NULL)
		memcpy(copy, out, *len + 1);
	json_w_free(w);
	return copy;
}

char *
request_error_encode(const char *issue_type, const char *message, size_t *len)
{
	struct json_writer *w;
	const char *out;
	char *copy = NULL;

	if ((w = json_w_new(8192)) == NULL)
		return NULL;
	json_w_object_open(w);
	json_w_key(w, "error");
	json_w_string(w, ERR_REQUEST_VALIDATION);
	json_w_key(w, "validation_issues");
	json_w_array_open(w);
	json_w_object_open(w);
	json_w_key(w, "issue_type");
	json_w_string(w, issue_type);
	json_w_key(w, "message");
	json_w_string_lossy(w, message, strlen(message));
	json_w_object_close(w);
	json_w_array_close(w);
	json_w_object_close(w);
	if ((out = json_w_finish(w, len)) != NULL && (copy = malloc(*len + 1)) != NULL)
		memcpy(copy, out, *len + 1);
	json_w_free(w);
	return copy;
}
