/*
 * fuzz_json.c: libFuzzer harness for shared/json.c, the decoder of every
 * untrusted body and the encoder of every answer.
 *
 * Each input is:
 *   1. parsed with json_default_limits and with tight limits; an accepted
 *      document is walked, every node checked against the limits and the
 *      documented promises (no NUL in strings or keys, valid UTF-8, finite
 *      numbers, no duplicate keys, json_get() finds each member), and the
 *      typed getters are run on every member and checked against its type;
 *   2. written back with the writer, which must succeed, and the output
 *      must parse to the same tree and write back to the same bytes;
 *   3. written as one string with json_w_string_lossy(): the output must
 *      parse back, to the input itself when the input is valid UTF-8
 *      without NUL bytes (a NUL becomes U+FFFD, like invalid UTF-8);
 *   4. replayed as a sequence of writer calls (open, close, key, value in
 *      any order): whenever json_w_finish() returns a document, it parses.
 *
 * Any broken promise is an abort(), which libFuzzer reports as a crash.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "fuzz_json: invariant failed: %s (%s:%d)\n", \
			    #cond, __FILE__, __LINE__);                        \
			abort();                                               \
		}                                                              \
	} while (0)

/* Small enough that the fuzzer hits every ceiling all the time. */
static const struct json_limits tight_limits = {
	.max_bytes = 512,
	.max_depth = 4,
	.max_nodes = 24,
	.max_string = 16,
};

/* Members per object whose getters are exercised (bounds the work). */
#define GETTER_MEMBERS 16

/* Strict UTF-8 (RFC 3629), written independently of json.c's. */
static bool
utf8_ok(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		size_t need;
		unsigned char lo = 0x80, hi = 0xbf;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			need = 1;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2;
			if (c == 0xe0)
				lo = 0xa0;
			else if (c == 0xed)
				hi = 0x9f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			if (c == 0xf0)
				lo = 0x90;
			else if (c == 0xf4)
				hi = 0x8f;
		} else {
			return false;
		}
		if (len - i - 1 < need || s[i + 1] < lo || s[i + 1] > hi)
			return false;
		for (size_t k = 2; k <= need; k++)
			if (s[i + k] < 0x80 || s[i + k] > 0xbf)
				return false;
		i += need + 1;
	}
	return true;
}

/*
 * A parse error must be a non-empty single line of printable text: it goes
 * into 400 bodies and logs, and quotes parts of the input.
 */
static void
check_parse_err(const char *err, size_t errlen)
{
	size_t n = strnlen(err, errlen);

	CHECK(n > 0 && n < errlen);
	for (size_t i = 0; i < n; i++)
		CHECK((unsigned char)err[i] >= 0x20 && err[i] != 0x7f);
}

/*
 * A getter's error names the field by the path and key it was given; the
 * daemon passes constants, but this harness passes keys from the input,
 * which may hold any character. So only "non-empty and terminated" here.
 */
static void
check_err(const char *err, size_t errlen)
{
	size_t n = strnlen(err, errlen);

	CHECK(n > 0 && n < errlen);
}

/* The typed getters on member @p m of object @p obj, against its type. */
static void
check_getters(const struct json_value *obj, const struct json_member *m)
{
	const struct json_value *v = m->value, *out = NULL;
	const char *s = NULL;
	size_t slen = 0;
	bool b;
	int64_t i64;
	char err[256];
	int rc;

	err[0] = '\0';
	rc = json_get_string(obj, "p", m->key, 8, &s, &slen, err, sizeof(err));
	if (v->type == JSON_NULL) {
		CHECK(rc == 0);
	} else if (v->type == JSON_STRING && v->u.str.len <= 8) {
		CHECK(rc == 1 && s == v->u.str.s && slen == v->u.str.len);
	} else {
		CHECK(rc == -1);
		check_err(err, sizeof(err));
	}

	err[0] = '\0';
	rc = json_get_bool(obj, "", m->key, &b, err, sizeof(err));
	if (v->type == JSON_NULL)
		CHECK(rc == 0);
	else if (v->type == JSON_BOOL)
		CHECK(rc == 1 && b == v->u.b);
	else {
		CHECK(rc == -1);
		check_err(err, sizeof(err));
	}

	err[0] = '\0';
	rc = json_get_int(obj, "a.b", m->key, -1000, 1000, &i64, err, sizeof(err));
	if (v->type == JSON_NULL)
		CHECK(rc == 0);
	else if (v->type == JSON_INT && v->u.i >= -1000 && v->u.i <= 1000)
		CHECK(rc == 1 && i64 == v->u.i);
	else {
		CHECK(rc == -1);
		check_err(err, sizeof(err));
	}

	err[0] = '\0';
	rc = json_get_object(obj, NULL, m->key, &out, err, sizeof(err));
	if (v->type == JSON_NULL)
		CHECK(rc == 0);
	else if (v->type == JSON_OBJECT)
		CHECK(rc == 1 && out == v);
	else {
		CHECK(rc == -1);
		check_err(err, sizeof(err));
	}

	err[0] = '\0';
	out = NULL;
	rc = json_get_string_array(obj, "x", m->key, 4, 8, &out, err, sizeof(err));
	if (v->type == JSON_NULL) {
		CHECK(rc == 0);
	} else if (v->type == JSON_ARRAY && v->u.arr.n <= 4) {
		bool good = true;

		for (size_t k = 0; k < v->u.arr.n; k++)
			good = good && v->u.arr.items[k]->type == JSON_STRING &&
			    v->u.arr.items[k]->u.str.len <= 8;
		CHECK(rc == (good ? 1 : -1));
		if (good)
			CHECK(out == v);
		else
			check_err(err, sizeof(err));
	} else {
		CHECK(rc == -1);
		check_err(err, sizeof(err));
	}
}

struct walk {
	const struct json_limits *lim;
	size_t nodes;
};

/* @p around counts the arrays and objects that enclose @p v. */
static void
walk(struct walk *wk, const struct json_value *v, unsigned around)
{
	char err[256];
	unsigned depth;

	CHECK(v != NULL);
	depth = around + (v->type == JSON_ARRAY || v->type == JSON_OBJECT ? 1 : 0);
	CHECK(++wk->nodes <= wk->lim->max_nodes);
	/* Nesting counts containers only: [[1]] is 2 levels deep. */
	CHECK(depth <= wk->lim->max_depth);
	CHECK(strcmp(json_type_name(v->type), "unknown") != 0);
	switch (v->type) {
	case JSON_NULL:
	case JSON_BOOL:
	case JSON_INT:
		break;
	case JSON_DOUBLE:
		CHECK(isfinite(v->u.d));
		break;
	case JSON_STRING:
		CHECK(v->u.str.s != NULL);
		CHECK(strlen(v->u.str.s) == v->u.str.len);
		CHECK(v->u.str.len <= wk->lim->max_string);
		CHECK(utf8_ok((const unsigned char *)v->u.str.s, v->u.str.len));
		/* Getters on something that is not an object. */
		CHECK(json_get(v, "a") == NULL);
		CHECK(json_get_bool(v, "s", "a", NULL, err, sizeof(err)) == -1);
		check_err(err, sizeof(err));
		break;
	case JSON_ARRAY:
		CHECK(v->u.arr.n == 0 || v->u.arr.items != NULL);
		for (size_t i = 0; i < v->u.arr.n; i++)
			walk(wk, v->u.arr.items[i], depth);
		break;
	case JSON_OBJECT:
		CHECK(v->u.obj.n == 0 || v->u.obj.members != NULL);
		for (size_t i = 0; i < v->u.obj.n; i++) {
			const struct json_member *m = &v->u.obj.members[i];

			CHECK(m->key != NULL && strlen(m->key) == m->key_len);
			CHECK(m->key_len <= wk->lim->max_string);
			CHECK(utf8_ok((const unsigned char *)m->key, m->key_len));
			if (i < GETTER_MEMBERS) {
				/* No duplicates, so the lookup finds this very member. */
				CHECK(json_get(v, m->key) == m->value);
				check_getters(v, m);
			}
			walk(wk, m->value, depth);
		}
		break;
	}
}

/* Write @p v with the writer; doubles in a form that reads back exactly. */
static void
write_value(struct json_writer *w, const struct json_value *v)
{
	char num[64];
	int n;

	switch (v->type) {
	case JSON_NULL:
		json_w_null(w);
		break;
	case JSON_BOOL:
		json_w_bool(w, v->u.b);
		break;
	case JSON_INT:
		json_w_int(w, v->u.i);
		break;
	case JSON_DOUBLE:
		n = snprintf(num, sizeof(num), "%.17g", v->u.d);
		CHECK(n > 0 && (size_t)n < sizeof(num) - 2);
		/* Keep it a double: "1e+300" is one, "-0" or "5" would be an integer. */
		if (strpbrk(num, ".eE") == NULL) {
			num[n++] = '.';
			num[n++] = '0';
			num[n] = '\0';
		}
		json_w_raw(w, num, (size_t)n);
		break;
	case JSON_STRING:
		json_w_string(w, v->u.str.s);
		break;
	case JSON_ARRAY:
		json_w_array_open(w);
		for (size_t i = 0; i < v->u.arr.n; i++)
			write_value(w, v->u.arr.items[i]);
		json_w_array_close(w);
		break;
	case JSON_OBJECT:
		json_w_object_open(w);
		for (size_t i = 0; i < v->u.obj.n; i++) {
			json_w_key(w, v->u.obj.members[i].key);
			write_value(w, v->u.obj.members[i].value);
		}
		json_w_object_close(w);
		break;
	}
}

static bool
same_tree(const struct json_value *a, const struct json_value *b)
{
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case JSON_NULL:
		return true;
	case JSON_BOOL:
		return a->u.b == b->u.b;
	case JSON_INT:
		return a->u.i == b->u.i;
	case JSON_DOUBLE:
		return a->u.d == b->u.d;
	case JSON_STRING:
		return a->u.str.len == b->u.str.len &&
		    memcmp(a->u.str.s, b->u.str.s, a->u.str.len) == 0;
	case JSON_ARRAY:
		if (a->u.arr.n != b->u.arr.n)
			return false;
		for (size_t i = 0; i < a->u.arr.n; i++)
			if (!same_tree(a->u.arr.items[i], b->u.arr.items[i]))
				return false;
		return true;
	case JSON_OBJECT:
		if (a->u.obj.n != b->u.obj.n)
			return false;
		for (size_t i = 0; i < a->u.obj.n; i++) {
			const struct json_member *x = &a->u.obj.members[i];
			const struct json_member *y = &b->u.obj.members[i];

			if (x->key_len != y->key_len || memcmp(x->key, y->key, x->key_len) != 0 ||
			    !same_tree(x->value, y->value))
				return false;
		}
		return true;
	}
	return false;
}

/* Parse, walk, write back, parse again, write again: all must agree. */
static void
parse_and_check(const char *buf, size_t len, const struct json_limits *lim)
{
	char err[256];
	struct json_doc *doc, *doc2;
	struct json_writer *w, *w2;
	struct json_limits relim;
	struct walk wk = { .lim = lim, .nodes = 0 };
	const char *out, *out2;
	size_t olen = 0, olen2 = 0;

	err[0] = '\0';
	doc = json_parse(buf, len, lim, err, sizeof(err));
	if (doc == NULL) {
		check_parse_err(err, sizeof(err));
		return;
	}
	CHECK(json_root(doc) != NULL);
	walk(&wk, json_root(doc), 0);

	/* Written back, the document must be accepted under the same limits
	 * except size: escapes and raw UTF-8 change the length both ways. */
	CHECK((w = json_w_new(1u << 22)) != NULL);
	write_value(w, json_root(doc));
	out = json_w_finish(w, &olen);
	CHECK(out != NULL && strlen(out) == olen);
	relim = *lim;
	relim.max_bytes = olen;
	doc2 = json_parse(out, olen, &relim, err, sizeof(err));
	if (doc2 == NULL) {
		fprintf(stderr, "fuzz_json: written document refused: %s\n%s\n", err, out);
		abort();
	}
	CHECK(same_tree(json_root(doc), json_root(doc2)));
	/* The writer's form is canonical: writing it again gives the same bytes. */
	CHECK((w2 = json_w_new(1u << 22)) != NULL);
	write_value(w2, json_root(doc2));
	out2 = json_w_finish(w2, &olen2);
	CHECK(out2 != NULL && olen2 == olen && memcmp(out, out2, olen) == 0);
	json_w_free(w2);
	json_doc_free(doc2);
	json_w_free(w);
	json_doc_free(doc);
}

/* Step 3: any bytes through json_w_string_lossy() must read back. */
static void
check_lossy(const uint8_t *data, size_t size)
{
	struct json_writer *w;
	struct json_doc *doc;
	struct json_limits lim;
	const struct json_value *root;
	const char *out;
	size_t olen = 0;
	char err[256];
	bool has_nul = memchr(data, '\0', size) != NULL;

	CHECK((w = json_w_new(size * 6 + 16)) != NULL);
	json_w_string_lossy(w, (const char *)data, size);
	out = json_w_finish(w, &olen);
	CHECK(out != NULL);
	/* U+FFFD is 3 bytes, so a decoded string is at most 3 bytes per input byte. */
	lim.max_bytes = olen;
	lim.max_depth = 1;
	lim.max_nodes = 1;
	lim.max_string = size * 3;
	doc = json_parse(out, olen, &lim, err, sizeof(err));
	if (doc == NULL) {
		fprintf(stderr, "fuzz_json: lossy string refused: %s\n", err);
		abort();
	}
	root = json_root(doc);
	CHECK(root->type == JSON_STRING);
	CHECK(utf8_ok((const unsigned char *)root->u.str.s, root->u.str.len));
	if (utf8_ok(data, size) && !has_nul)
		CHECK(root->u.str.len == size && memcmp(root->u.str.s, data, size) == 0);
	else
		CHECK(strstr(root->u.str.s, "\xef\xbf\xbd") != NULL);
	json_doc_free(doc);
	json_w_free(w);

	/* Strict string and key: fine exactly when the text is valid UTF-8. */
	{
		char *copy = malloc(size + 1);
		size_t clen;
		bool ok;

		CHECK(copy != NULL);
		memcpy(copy, data, size);
		copy[size] = '\0';
		clen = strlen(copy);
		ok = utf8_ok((const unsigned char *)copy, clen);
		CHECK((w = json_w_new(size * 12 + 64)) != NULL);
		json_w_object_open(w);
		json_w_key(w, copy);
		CHECK(json_w_failed(w) == !ok);
		json_w_string(w, copy);
		json_w_object_close(w);
		out = json_w_finish(w, &olen);
		CHECK((out != NULL) == ok);
		if (out != NULL) {
			lim.max_bytes = olen;
			lim.max_nodes = 2;
			lim.max_string = clen;
			doc = json_parse(out, olen, &lim, err, sizeof(err));
			if (doc == NULL) {
				fprintf(stderr, "fuzz_json: key/string refused: %s\n", err);
				abort();
			}
			root = json_root(doc);
			CHECK(root->type == JSON_OBJECT && root->u.obj.n == 1);
			CHECK(root->u.obj.members[0].key_len == clen);
			CHECK(memcmp(root->u.obj.members[0].key, copy, clen) == 0);
			json_doc_free(doc);
		}
		json_w_free(w);
		free(copy);
	}
}

/*
 * Step 4: the input as a program for the writer. Each byte picks a call;
 * misuse must only fail the writer, and a document it hands out must parse.
 * Keys are made unique, since the writer does not look for duplicates.
 */
static void
check_writer_program(const uint8_t *data, size_t size)
{
	struct json_writer *w;
	struct json_limits lim = json_default_limits;
	struct json_doc *doc;
	const char *out;
	size_t olen = 0, steps = size < 512 ? size : 512;
	unsigned keyno = 0;
	char key[16], err[256];

	CHECK((w = json_w_new(4096)) != NULL);
	for (size_t i = 0; i < steps; i++) {
		uint8_t op = data[i];

		switch (op % 12) {
		case 0: json_w_object_open(w); break;
		case 1: json_w_object_close(w); break;
		case 2: json_w_array_open(w); break;
		case 3: json_w_array_close(w); break;
		case 4:
			snprintf(key, sizeof(key), "k%u", keyno++);
			json_w_key(w, key);
			break;
		case 5: json_w_null(w); break;
		case 6: json_w_bool(w, op & 0x80); break;
		case 7: json_w_int(w, (int64_t)op * 1000003 - INT64_C(9000000000)); break;
		case 8:
			json_w_string_lossy(w, (const char *)data + i, size - i < 8 ? size - i : 8);
			break;
		case 9: json_w_string(w, op & 0x80 ? NULL : "text"); break;
		case 10: json_w_raw(w, op & 0x80 ? "[1,{\"a\":2}]" : "1 2", op & 0x80 ? 11 : 3); break;
		case 11: json_w_key(w, NULL); break;
		}
	}
	out = json_w_finish(w, &olen);
	if (out != NULL && memchr(data, '\0', steps + 8 < size ? steps + 8 : size) == NULL) {
		lim.max_depth = 64;
		lim.max_nodes = SIZE_MAX;
		doc = json_parse(out, olen, &lim, err, sizeof(err));
		if (doc == NULL) {
			fprintf(stderr, "fuzz_json: writer output refused: %s\n%s\n", err, out);
			abort();
		}
		json_doc_free(doc);
	}
	json_w_free(w);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	parse_and_check((const char *)data, size, &json_default_limits);
	parse_and_check((const char *)data, size, &tight_limits);
	/* NULL limits mean the defaults, and must behave the same. */
	{
		char err[256];
		struct json_doc *doc = json_parse((const char *)data, size, NULL, err, sizeof(err));

		json_doc_free(doc);
	}
	check_lossy(data, size);
	check_writer_program(data, size);
	return 0;
}
