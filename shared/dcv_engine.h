/*
 * dcv_engine.h: what the validation engines (dcv_dns.c, dcv_http.c,
 * dcv_alpn.c) share behind the public dcv.h.
 */
#ifndef MPIC_DCV_ENGINE_H
#define MPIC_DCV_ENGINE_H

#include "dcv.h"

/* The first member of every engine's check, so one cancel fits all. */
struct dcv_check {
	void (*cancel)(struct dcv_check *self);
};

#endif /* MPIC_DCV_ENGINE_H */
