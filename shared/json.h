/*
 * json.h: JSON decoding of untrusted input, and encoding.
 *
 * Decoding runs yajl's streaming parser (never its tree API, which has no
 * depth limit and keeps duplicate keys) into a small read-only tree, after a
 * size check and under ceilings on depth, node count and string length.
 * Rejected: more than max_depth levels of nesting, duplicate keys in one
 * object, NUL in strings or keys, lone UTF-16 surrogates in escapes, invalid
 * UTF-8, comments, trailing garbage, a byte-order mark, integers outside
 * the int64 range, and numbers that are not finite.
 *
 * Typed getters take the field's path for their error text, so a client is
 * told exactly which field is wrong: "caa_check_parameters.caa_domains[1]:
 * expected a string, got a number".
 *
 * Encoding wraps yajl_gen with UTF-8 validation; strings that come from the
 * network go through json_w_string_lossy(), which replaces invalid UTF-8.
 */
#ifndef MPIC_JSON_H
#define MPIC_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum json_type {
	JSON_NULL,
	JSON_BOOL,
	JSON_INT,    /* an integer literal that fits in int64 */
	JSON_DOUBLE, /* any other finite number */
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
};

struct json_value;

struct json_member {
	const char *key; /* NUL-terminated, no embedded NUL */
	size_t key_len;
	struct json_value *value;
};

struct json_value {
	enum json_type type;
	union {
		bool b;
		int64_t i;
		double d;
		struct {
			const char *s; /* NUL-terminated, no embedded NUL */
			size_t len;
		} str;
		struct {
			struct json_value **items;
			size_t n;
		} arr;
		struct {
			struct json_member *members; /* in document order */
			size_t n;
		} obj;
	} u;
};

struct json_limits {
	size_t max_bytes;  /* input size, checked before parsing */
	unsigned max_depth; /* nesting of arrays and objects */
	size_t max_nodes;  /* values of any kind */
	size_t max_string; /* bytes per string or key */
};

/* 64 KiB, depth 32, 4096 values, 8 KiB per string. */
extern const struct json_limits json_default_limits;

/* The parsed document; all values live in it and die with it. */
struct json_doc;

/**
 * Parse @p len bytes at @p buf. @p lim NULL means json_default_limits.
 * @return the document, or NULL with a one-line reason in @p err
 *         (e.g. "nesting deeper than 32 levels", "duplicate key \"a\"",
 *          "parse error at byte 17: invalid string").
 */
struct json_doc *json_parse(const char *buf, size_t len,
    const struct json_limits *lim, char *err, size_t errlen);

const struct json_value *json_root(const struct json_doc *doc);

void json_doc_free(struct json_doc *doc);

/** The member @p key of object @p obj, or NULL (also when @p obj is not an object). */
const struct json_value *json_get(const struct json_value *obj, const char *key);

/** "null", "boolean", "integer", "number", "string", "array", "object". */
const char *json_type_name(enum json_type t);

/*
 * Typed getters for request decoding. Each reads member @p key of object
 * @p obj; @p path is the object's own path ("" at the top level) and is used
 * only for error text, which names the full field path. A missing member and
 * an explicit null both count as absent.
 *
 * Return: 1 present (output set), 0 absent (output untouched), -1 wrong type
 * or out of range (reason in @p err).
 */
int json_get_string(const struct json_value *obj, const char *path, const char *key,
    size_t max_len, const char **out, size_t *out_len, char *err, size_t errlen);
int json_get_bool(const struct json_value *obj, const char *path, const char *key,
    bool *out, char *err, size_t errlen);
int json_get_int(const struct json_value *obj, const char *path, const char *key,
    int64_t min, int64_t max, int64_t *out, char *err, size_t errlen);
int json_get_object(const struct json_value *obj, const char *path, const char *key,
    const struct json_value **out, char *err, size_t errlen);
/* An array whose every element is a string of at most @p max_len bytes. */
int json_get_string_array(const struct json_value *obj, const char *path,
    const char *key, size_t max_items, size_t max_len,
    const struct json_value **out, char *err, size_t errlen);

/*
 * Encoding. A writer appends to a growable buffer with a ceiling; once the
 * ceiling is hit or yajl reports an error the writer is marked failed and
 * json_w_finish() returns NULL.
 */
struct json_writer;

struct json_writer *json_w_new(size_t max_bytes);
void json_w_free(struct json_writer *w);

void json_w_object_open(struct json_writer *w);
void json_w_object_close(struct json_writer *w);
void json_w_array_open(struct json_writer *w);
void json_w_array_close(struct json_writer *w);
void json_w_key(struct json_writer *w, const char *key);
void json_w_null(struct json_writer *w);
void json_w_bool(struct json_writer *w, bool v);
void json_w_int(struct json_writer *w, int64_t v);
/* A NUL-terminated string; NULL writes null. Must be valid UTF-8. */
void json_w_string(struct json_writer *w, const char *s);
/* Any bytes; invalid UTF-8 is replaced by U+FFFD. NULL writes null. */
void json_w_string_lossy(struct json_writer *w, const char *s, size_t len);
/* Insert an already-encoded JSON value (trusted, e.g. from this writer). */
void json_w_raw(struct json_writer *w, const char *json, size_t len);

/** Whether an error happened so far. */
bool json_w_failed(const struct json_writer *w);

/**
 * The document so far, NUL-terminated, owned by the writer; NULL if the
 * writer failed or the document is incomplete.
 */
const char *json_w_finish(struct json_writer *w, size_t *len);

#endif /* MPIC_JSON_H */
