/*
 * errors.h: the error_type strings of Open MPIC's CheckResponse
 * (open-mpic-api.md section 3.4). Clients match on these exact strings, so
 * they live in one place.
 */
#ifndef MPIC_ERRORS_H
#define MPIC_ERRORS_H

#define ERRTYPE_CAA_LOOKUP "mpic_error:caa_checker:lookup"
#define ERRTYPE_DCV_LOOKUP "mpic_error:dcv_checker:lookup"
#define ERRTYPE_DCV_PARAMETER "mpic_error:dcv_checker:parameter"
#define ERRTYPE_HTTP "mpic_error:http"
#define ERRTYPE_REDIRECT_INVALID "mpic_error:redirect:invalid"
#define ERRTYPE_REMOTE_CHECK "mpic_error:coordinator:remote_check"

/* The 400 body's "error" and our issue type for request problems. */
#define ERR_REQUEST_VALIDATION "request-validation-failed"
#define ISSUE_INVALID_REQUEST "invalid-request"

#endif /* MPIC_ERRORS_H */
