/*
 * json.c: JSON decoding of untrusted input into a small read-only tree, typed
 * getters with path-naming errors, and a bounded JSON writer.
 *
 * Decoding drives yajl's streaming parser. Its tree API is never used: it has
 * no depth limit, frees recursively and keeps duplicate keys. Every document
 * gets its own arena, so a value tree is freed by walking a list of chunks,
 * never by recursion, however the tree is shaped.
 *
 * yajl alone is not strict enough for input from the network, so this file
 * adds its own checks on top of it:
 *   - yajl's UTF-8 check accepts overlong forms, encoded surrogates and code
 *     points above U+10FFFF; every decoded string and key is checked again
 *     against the strict table of Unicode 15, section 3.9.
 *   - yajl decodes a lone high surrogate escape to '?' and pairs a high
 *     surrogate with whatever escape follows it; the raw text is scanned for
 *     unpaired \u escapes before yajl sees it, which also keeps yajl's
 *     surrogate decoder away from hostile input.
 *   - Numbers arrive as raw text (the yajl_number callback) and are classified
 *     here, so an integer that does not fit in int64 is an error rather than
 *     a silently rounded double.
 *
 * Encoding wraps yajl_gen for structure, separators, keys and integers.
 * String values are escaped here instead, so that every control character
 * (C0, DEL and C1) and the line separators U+2028/U+2029 come out as \u
 * escapes; yajl_gen leaves DEL and C1 raw, which is valid JSON but lets a
 * network string carry terminal controls into a log line. The escaped value
 * is handed to yajl_gen_number(), which writes raw text with the right
 * separator in front of it.
 */
#include "json.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_parse.h>

#include "utf8.h"

const struct json_limits json_default_limits = {
	.max_bytes = 65536,
	.max_depth = 32,
	.max_nodes = 4096,
	.max_string = 8192,
};

/* How many bytes of a key a "duplicate key" message quotes at most. */
#define QUOTE_MAX 40

/* Nesting the writer accepts; yajl_gen itself stops below 128. */
#define JSON_W_MAX_DEPTH 64

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Write a formatted one-line reason into @p err. A caller may pass no buffer
 * when it only needs the verdict, so a NULL or empty buffer is accepted.
 */
static void
set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	/* Truncation is acceptable for a diagnostic; the result is terminated. */
	(void)vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/*
 * Render up to QUOTE_MAX bytes of input as printable ASCII for an error
 * message: the text may end up in a log line or a JSON error body, so quotes,
 * backslashes and every byte outside 0x20..0x7e are escaped.
 */
static void
quote_input(char *out, size_t outlen, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, i, n = len > QUOTE_MAX ? QUOTE_MAX : len;

	if (outlen == 0)
		return;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char tmp[4];
		size_t t = 0;

		if (c == '"' || c == '\\') {
			tmp[t++] = '\\';
			tmp[t++] = (char)c;
		} else if (c >= 0x20 && c <= 0x7e) {
			tmp[t++] = (char)c;
		} else {
			tmp[t++] = '\\';
			tmp[t++] = 'x';
			tmp[t++] = hex[c >> 4];
			tmp[t++] = hex[c & 0x0f];
		}
		if (o + t + 4 > outlen)
			break;
		memcpy(out + o, tmp, t);
		o += t;
	}
	if (i < len && o + 4 <= outlen) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

/* ----------------------------------------------------------------------------
 * Per-document arena. Values, arrays and strings are carved out of chunks
 * that are freed together; the tree is never walked to free it.
 */

struct arena_chunk {
	struct arena_chunk *next;
	size_t size; /* usable bytes in data[] */
	size_t used;
	max_align_t data[];
};

struct arena {
	struct arena_chunk *head;
	size_t next_size; /* size of the next ordinary chunk */
};

#define ARENA_FIRST_CHUNK 1024
#define ARENA_MAX_CHUNK (64 * 1024)

static void *
arena_alloc(struct arena *a, size_t size, size_t align)
{
	struct arena_chunk *c = a->head;
	size_t off, want;

	if (size == 0)
		size = 1;
	if (c != NULL) {
		off = (c->used + align - 1) & ~(align - 1);
		if (off <= c->size && size <= c->size - off) {
			c->used = off + size;
			return (unsigned char *)c->data + off;
		}
	}
	/* No single request from the parser comes near this; refuse, don't wrap. */
	if (size > SIZE_MAX / 4)
		return NULL;
	if (a->next_size == 0)
		a->next_size = ARENA_FIRST_CHUNK;
	want = size > a->next_size ? size : a->next_size;
	if ((c = malloc(sizeof(*c) + want)) == NULL)
		return NULL;
	c->size = want;
	c->used = size;
	c->next = a->head;
	a->head = c;
	if (a->next_size < ARENA_MAX_CHUNK)
		a->next_size *= 2;
	/* A fresh chunk's data is aligned for any type. */
	return c->data;
}

static void
arena_free(struct arena *a)
{
	struct arena_chunk *c, *next;

	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	a->head = NULL;
}

struct json_doc {
	struct arena arena;
	struct json_value *root;
};

/* ----------------------------------------------------------------------------
 * Decoding.
 */

/* One open array or object while parsing. */
struct frame {
	struct json_value *v;
	const char *key; /* the key it was stored under in its parent, if any */
	size_t key_len;
	size_t start; /* index of its first child in the pending stack */
};

struct parse_ctx {
	const struct json_limits *lim;
	struct json_doc *doc;
	yajl_handle h;

	struct frame *frames;
	unsigned depth;
	unsigned frames_cap;

	/*
	 * Children of the open containers, innermost last. Array items use
	 * only the value field. Bounded by max_nodes.
	 */
	struct json_member *pending;
	size_t npending;
	size_t pending_cap;

	/* Sorting space for the duplicate key check. */
	const struct json_member **scratch;
	size_t scratch_cap;

	/* The key read for the value that comes next, NULL in arrays. */
	const char *key;
	size_t key_len;

	size_t nodes;
	struct json_value *root;

	bool failed; /* err holds the reason */
	char *err;
	size_t errlen;
};

static int
fail_oom(struct parse_ctx *c)
{
	c->failed = true;
	set_err(c->err, c->errlen, "out of memory");
	return 0;
}

static struct json_value *
new_node(struct parse_ctx *c, enum json_type t)
{
	struct json_value *v;

	if (c->nodes >= c->lim->max_nodes) {
		c->failed = true;
		set_err(c->err, c->errlen, "more than %zu values", c->lim->max_nodes);
		return NULL;
	}
	if ((v = arena_alloc(&c->doc->arena, sizeof(*v), _Alignof(struct json_value))) == NULL) {
		fail_oom(c);
		return NULL;
	}
	memset(v, 0, sizeof(*v));
	v->type = t;
	c->nodes++;
	return v;
}

/* Attach a finished value to the open container, or make it the root. */
static int
add_value(struct parse_ctx *c, struct json_value *v)
{
	struct json_member *m;

	if (c->depth == 0) {
		c->root = v;
		return 1;
	}
	if (c->npending == c->pending_cap) {
		size_t cap = c->pending_cap ? c->pending_cap * 2 : 32;

		if ((m = realloc(c->pending, cap * sizeof(*m))) == NULL)
			return fail_oom(c);
		c->pending = m;
		c->pending_cap = cap;
	}
	m = &c->pending[c->npending++];
	m->key = c->key;
	m->key_len = c->key_len;
	m->value = v;
	c->key = NULL;
	c->key_len = 0;
	return 1;
}

/*
 * Check a decoded string or key and copy it into the arena. @p what is
 * "string" or "key" for the error text.
 */
static const char *
take_string(struct parse_ctx *c, const unsigned char *s, size_t len, const char *what)
{
	char *copy;

	if (len > c->lim->max_string) {
		c->failed = true;
		set_err(c->err, c->errlen, "%s longer than %zu bytes", what, c->lim->max_string);
		return NULL;
	}
	/* A \u0000 escape decodes to a NUL byte, which C strings cannot hold. */
	if (memchr(s, '\0', len) != NULL) {
		c->failed = true;
		set_err(c->err, c->errlen, "%s contains a NUL byte", what);
		return NULL;
	}
	if (!utf8_valid(s, len)) {
		c->failed = true;
		set_err(c->err, c->errlen, "%s is not valid utf-8 at byte %zu", what,
		    yajl_get_bytes_consumed(c->h));
		return NULL;
	}
	if ((copy = arena_alloc(&c->doc->arena, len + 1, 1)) == NULL) {
		fail_oom(c);
		return NULL;
	}
	if (len > 0)
		memcpy(copy, s, len);
	copy[len] = '\0';
	return copy;
}

static int
cb_null(void *ctx)
{
	struct parse_ctx *c = ctx;
	struct json_value *v;

	if ((v = new_node(c, JSON_NULL)) == NULL)
		return 0;
	return add_value(c, v);
}

static int
cb_boolean(void *ctx, int b)
{
	struct parse_ctx *c = ctx;
	struct json_value *v;

	if ((v = new_node(c, JSON_BOOL)) == NULL)
		return 0;
	v->u.b = b != 0;
	return add_value(c, v);
}

/*
 * Parse an integer literal that yajl's lexer has already checked against the
 * JSON grammar (optional minus, then digits without leading zeros).
 */
static bool
parse_int64(const char *s, size_t len, int64_t *out)
{
	bool neg = false;
	uint64_t mag = 0, limit;
	size_t i = 0;

	if (len > 0 && s[0] == '-') {
		neg = true;
		i = 1;
	}
	if (i == len)
		return false;
	/* The magnitude of INT64_MIN is one more than INT64_MAX. */
	limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; i < len; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return false;
		d = (unsigned)(s[i] - '0');
		if (mag > (limit - d) / 10)
			return false;
		mag = mag * 10 + d;
	}
	if (!neg)
		*out = (int64_t)mag;
	else if (mag == (uint64_t)INT64_MAX + 1)
		*out = INT64_MIN;
	else
		*out = -(int64_t)mag;
	return true;
}

static int
cb_number(void *ctx, const char *s, size_t len)
{
	struct parse_ctx *c = ctx;
	struct json_value *v;
	char small[64], *tmp, *end;
	double d;

	if (memchr(s, '.', len) == NULL && memchr(s, 'e', len) == NULL &&
	    memchr(s, 'E', len) == NULL) {
		int64_t i;

		if (!parse_int64(s, len, &i)) {
			c->failed = true;
			set_err(c->err, c->errlen, "integer out of range");
			return 0;
		}
		if ((v = new_node(c, JSON_INT)) == NULL)
			return 0;
		v->u.i = i;
		return add_value(c, v);
	}

	/*
	 * strtod needs a terminated copy: the text may sit at the very end of
	 * the caller's buffer. Its length is bounded by max_bytes.
	 */
	if (len < sizeof(small)) {
		tmp = small;
	} else if ((tmp = malloc(len + 1)) == NULL) {
		return fail_oom(c);
	}
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	d = strtod(tmp, &end);
	if (end != tmp + len || !isfinite(d)) {
		/* Overflow gives HUGE_VAL; underflow to 0 or a subnormal is fine. */
		if (tmp != small)
			free(tmp);
		c->failed = true;
		set_err(c->err, c->errlen, "number out of range");
		return 0;
	}
	if (tmp != small)
		free(tmp);
	if ((v = new_node(c, JSON_DOUBLE)) == NULL)
		return 0;
	v->u.d = d;
	return add_value(c, v);
}

static int
cb_string(void *ctx, const unsigned char *s, size_t len)
{
	struct parse_ctx *c = ctx;
	struct json_value *v;
	const char *copy;

	if ((copy = take_string(c, s, len, "string")) == NULL)
		return 0;
	if ((v = new_node(c, JSON_STRING)) == NULL)
		return 0;
	v->u.str.s = copy;
	v->u.str.len = len;
	return add_value(c, v);
}

static int
cb_map_key(void *ctx, const unsigned char *s, size_t len)
{
	struct parse_ctx *c = ctx;
	const char *copy;

	if ((copy = take_string(c, s, len, "key")) == NULL)
		return 0;
	c->key = copy;
	c->key_len = len;
	return 1;
}

/*
 * Open an array or object. The depth check sits here so that a document of
 * 100,000 '[' is abandoned at the first bracket too many, before yajl's own
 * state stack or anything of ours grows further.
 */
static int
open_container(struct parse_ctx *c, enum json_type t)
{
	struct json_value *v;
	struct frame *f;

	if (c->depth >= c->lim->max_depth) {
		c->failed = true;
		set_err(c->err, c->errlen, "nesting deeper than %u levels", c->lim->max_depth);
		return 0;
	}
	if ((v = new_node(c, t)) == NULL)
		return 0;
	if (c->depth == c->frames_cap) {
		unsigned cap = c->frames_cap ? c->frames_cap * 2 : 8;

		if (cap > c->lim->max_depth)
			cap = c->lim->max_depth;
		if ((f = realloc(c->frames, cap * sizeof(*f))) == NULL)
			return fail_oom(c);
		c->frames = f;
		c->frames_cap = cap;
	}
	f = &c->frames[c->depth++];
	f->v = v;
	f->key = c->key;
	f->key_len = c->key_len;
	f->start = c->npending;
	c->key = NULL;
	c->key_len = 0;
	return 1;
}

static int
cmp_member_key(const void *a, const void *b)
{
	const struct json_member *x = *(const struct json_member *const *)a;
	const struct json_member *y = *(const struct json_member *const *)b;

	if (x->key_len != y->key_len)
		return x->key_len < y->key_len ? -1 : 1;
	return memcmp(x->key, y->key, x->key_len);
}

/*
 * Refuse an object with two equal keys: implementations disagree on which
 * one wins (yajl's tree keeps the first, most others the last), and that
 * disagreement is a way to smuggle a field past one of them. Sorting keeps
 * the check at n log n for objects of thousands of keys.
 */
static int
check_duplicates(struct parse_ctx *c, const struct json_member *m, size_t n)
{
	size_t i;

	if (n < 2)
		return 1;
	if (n > c->scratch_cap) {
		const struct json_member **s = realloc(c->scratch, n * sizeof(*s));

		if (s == NULL)
			return fail_oom(c);
		c->scratch = s;
		c->scratch_cap = n;
	}
	for (i = 0; i < n; i++)
		c->scratch[i] = &m[i];
	qsort(c->scratch, n, sizeof(*c->scratch), cmp_member_key);
	for (i = 1; i < n; i++) {
		if (cmp_member_key(&c->scratch[i - 1], &c->scratch[i]) == 0) {
			char q[QUOTE_MAX * 4 + 8];

			quote_input(q, sizeof(q), c->scratch[i]->key, c->scratch[i]->key_len);
			c->failed = true;
			set_err(c->err, c->errlen, "duplicate key \"%s\"", q);
			return 0;
		}
	}
	return 1;
}

static int
close_container(struct parse_ctx *c)
{
	struct frame *f = &c->frames[--c->depth];
	struct json_value *v = f->v;
	size_t n = c->npending - f->start, i;
	/* pending is still NULL when nothing was ever added: no arithmetic on it. */
	const struct json_member *kids = n > 0 ? c->pending + f->start : NULL;

	if (v->type == JSON_OBJECT) {
		struct json_member *m = NULL;

		if (n > 0) {
			m = arena_alloc(&c->doc->arena, n * sizeof(*m), _Alignof(struct json_member));
			if (m == NULL)
				return fail_oom(c);
			memcpy(m, kids, n * sizeof(*m));
		}
		if (!check_duplicates(c, m, n))
			return 0;
		v->u.obj.members = m;
		v->u.obj.n = n;
	} else {
		struct json_value **items = NULL;

		if (n > 0) {
			items = arena_alloc(&c->doc->arena, n * sizeof(*items),
			    _Alignof(struct json_value *));
			if (items == NULL)
				return fail_oom(c);
			for (i = 0; i < n; i++)
				items[i] = kids[i].value;
		}
		v->u.arr.items = items;
		v->u.arr.n = n;
	}
	c->npending = f->start;
	c->key = f->key;
	c->key_len = f->key_len;
	return add_value(c, v);
}

static int
cb_start_map(void *ctx)
{
	return open_container(ctx, JSON_OBJECT);
}

static int
cb_start_array(void *ctx)
{
	return open_container(ctx, JSON_ARRAY);
}

static int
cb_end(void *ctx)
{
	return close_container(ctx);
}

static const yajl_callbacks parse_callbacks = {
	.yajl_null = cb_null,
	.yajl_boolean = cb_boolean,
	.yajl_number = cb_number, /* takes precedence over integer/double */
	.yajl_string = cb_string,
	.yajl_start_map = cb_start_map,
	.yajl_map_key = cb_map_key,
	.yajl_end_map = cb_end,
	.yajl_start_array = cb_start_array,
	.yajl_end_array = cb_end,
};

static bool
hex4(const unsigned char *p, size_t avail, unsigned *out)
{
	unsigned v = 0;
	size_t i;

	if (avail < 4)
		return false;
	for (i = 0; i < 4; i++) {
		unsigned char ch = p[i];

		v <<= 4;
		if (ch >= '0' && ch <= '9')
			v |= (unsigned)(ch - '0');
		else if (ch >= 'a' && ch <= 'f')
			v |= (unsigned)(ch - 'a' + 10);
		else if (ch >= 'A' && ch <= 'F')
			v |= (unsigned)(ch - 'A' + 10);
		else
			return false;
	}
	*out = v;
	return true;
}

/*
 * Find a \u escape of a UTF-16 surrogate that is not part of a high-low
 * pair. yajl would turn a lone high surrogate into '?', or combine it with
 * any following escape into an unrelated code point, so it has to be caught
 * in the raw text. Strings are recognised lexically; in text that is not
 * valid JSON anyway this may report a surrogate where yajl would have
 * reported something else, which is still a rejection.
 */
static bool
find_lone_surrogate(const unsigned char *p, size_t len, char *err, size_t errlen)
{
	bool in_string = false;
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned cu, lo;

		if (!in_string) {
			in_string = p[i] == '"';
			continue;
		}
		if (p[i] == '"') {
			in_string = false;
			continue;
		}
		if (p[i] != '\\')
			continue;
		if (i + 1 >= len)
			break;
		if (p[i + 1] != 'u' || !hex4(p + i + 2, len - i - 2, &cu)) {
			i++; /* Skip the escaped character; yajl judges bad escapes. */
			continue;
		}
		if (cu >= 0xdc00 && cu <= 0xdfff)
			goto lone;
		if (cu >= 0xd800 && cu <= 0xdbff) {
			if (i + 12 <= len && p[i + 6] == '\\' && p[i + 7] == 'u' &&
			    hex4(p + i + 8, len - i - 8, &lo) && lo >= 0xdc00 && lo <= 0xdfff) {
				i += 11;
				continue;
			}
			goto lone;
		}
		i += 5;
		continue;
lone:
		set_err(err, errlen, "lone utf-16 surrogate \\u%04x at byte %zu", cu, i);
		return true;
	}
	return false;
}

/*
 * Turn yajl's message ("parse error: trailing garbage\n") into our form. The
 * text is yajl's own, but it is filtered to printable lower-case ASCII all
 * the same so the one-line promise holds whatever the library says.
 */
static void
report_yajl_error(yajl_handle h, const unsigned char *buf, size_t len, size_t offset,
    char *err, size_t errlen)
{
	unsigned char *msg = yajl_get_error(h, 0, buf, len);
	char text[128];
	const char *s, *colon;
	size_t n = 0, i;

	if (msg == NULL) {
		set_err(err, errlen, "parse error at byte %zu", offset);
		return;
	}
	s = (const char *)msg;
	if ((colon = strstr(s, ": ")) != NULL)
		s = colon + 2;
	for (i = 0; s[i] != '\0' && n < sizeof(text) - 1; i++) {
		unsigned char ch = (unsigned char)s[i];

		text[n++] = ch >= 0x20 && ch <= 0x7e ? (char)tolower(ch) : ' ';
	}
	while (n > 0 && (text[n - 1] == ' ' || text[n - 1] == '.'))
		n--;
	text[n] = '\0';
	yajl_free_error(h, msg);
	set_err(err, errlen, "parse error at byte %zu: %s", offset, text);
}

static bool
only_whitespace(const char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\n' && buf[i] != '\r')
			return false;
	return true;
}

struct json_doc *
json_parse(const char *buf, size_t len, const struct json_limits *lim, char *err,
    size_t errlen)
{
	const unsigned char *text = (const unsigned char *)buf;
	struct parse_ctx c;
	struct json_doc *doc;
	yajl_status st;
	size_t offset;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (lim == NULL)
		lim = &json_default_limits;
	/* The size check comes first: nothing of an oversized body is read. */
	if (len > lim->max_bytes) {
		set_err(err, errlen, "body larger than %zu bytes", lim->max_bytes);
		return NULL;
	}
	if (len == 0 || buf == NULL) {
		set_err(err, errlen, "empty body");
		return NULL;
	}
	/* RFC 8259 section 8.1: a byte-order mark must not be sent. */
	if (len >= 3 && text[0] == 0xef && text[1] == 0xbb && text[2] == 0xbf) {
		set_err(err, errlen, "body starts with a byte-order mark");
		return NULL;
	}
	if (only_whitespace(buf, len)) {
		set_err(err, errlen, "body is only whitespace");
		return NULL;
	}
	if (find_lone_surrogate(text, len, err, errlen))
		return NULL;

	if ((doc = calloc(1, sizeof(*doc))) == NULL) {
		set_err(err, errlen, "out of memory");
		return NULL;
	}
	memset(&c, 0, sizeof(c));
	c.lim = lim;
	c.doc = doc;
	c.err = err;
	c.errlen = errlen;
	if ((c.h = yajl_alloc(&parse_callbacks, NULL, &c)) == NULL) {
		set_err(err, errlen, "out of memory");
		free(doc);
		return NULL;
	}
	/*
	 * These are yajl's defaults; they are spelled out because each one is a
	 * security decision, not a convenience.
	 */
	yajl_config(c.h, yajl_allow_comments, 0);
	yajl_config(c.h, yajl_dont_validate_strings, 0);
	yajl_config(c.h, yajl_allow_trailing_garbage, 0);
	yajl_config(c.h, yajl_allow_multiple_values, 0);
	yajl_config(c.h, yajl_allow_partial_values, 0);

	st = yajl_parse(c.h, text, len);
	offset = yajl_get_bytes_consumed(c.h);
	if (st == yajl_status_ok) {
		st = yajl_complete_parse(c.h);
		/* yajl finishes by parsing one blank of its own: report the end. */
		offset = len;
	}
	if (st != yajl_status_ok || c.root == NULL) {
		if (!c.failed) {
			if (st != yajl_status_ok)
				report_yajl_error(c.h, text, len, offset, err, errlen);
			else
				set_err(err, errlen, "parse error at byte %zu: no value", len);
		}
		yajl_free(c.h);
		free(c.frames);
		free(c.pending);
		free(c.scratch);
		json_doc_free(doc);
		return NULL;
	}
	yajl_free(c.h);
	free(c.frames);
	free(c.pending);
	free(c.scratch);
	doc->root = c.root;
	return doc;
}

const struct json_value *
json_root(const struct json_doc *doc)
{
	return doc != NULL ? doc->root : NULL;
}

void
json_doc_free(struct json_doc *doc)
{
	if (doc == NULL)
		return;
	arena_free(&doc->arena);
	free(doc);
}

const struct json_value *
json_get(const struct json_value *obj, const char *key)
{
	size_t i, klen;

	if (obj == NULL || key == NULL || obj->type != JSON_OBJECT)
		return NULL;
	klen = strlen(key);
	for (i = 0; i < obj->u.obj.n; i++) {
		const struct json_member *m = &obj->u.obj.members[i];

		if (m->key_len == klen && memcmp(m->key, key, klen) == 0)
			return m->value;
	}
	return NULL;
}

const char *
json_type_name(enum json_type t)
{
	switch (t) {
	case JSON_NULL:
		return "null";
	case JSON_BOOL:
		return "boolean";
	case JSON_INT:
		return "integer";
	case JSON_DOUBLE:
		return "number";
	case JSON_STRING:
		return "string";
	case JSON_ARRAY:
		return "array";
	case JSON_OBJECT:
		return "object";
	}
	return "unknown";
}

/* ----------------------------------------------------------------------------
 * Typed getters.
 */

/*
 * What a client sent, as a phrase for "expected X, got Y". Integers and
 * other numbers are both "a number" here: that is what JSON calls them, and
 * the client should not need to know our internal split.
 */
static const char *
got_phrase(const struct json_value *v)
{
	switch (v->type) {
	case JSON_NULL:
		return "null";
	case JSON_BOOL:
		return "a boolean";
	case JSON_INT:
	case JSON_DOUBLE:
		return "a number";
	case JSON_STRING:
		return "a string";
	case JSON_ARRAY:
		return "an array";
	case JSON_OBJECT:
		return "an object";
	}
	return "an unknown value";
}

/*
 * Find member @p key for a getter. A NULL @p obj (say, an absent parent
 * object) makes every member absent; an @p obj that is not an object is a
 * type error of the object itself, named by @p path.
 * @return 1 with *@p out set, 0 absent or null, -1 error.
 */
static int
lookup(const struct json_value *obj, const char *path, const char *key,
    const struct json_value **out, char *err, size_t errlen)
{
	const struct json_value *v;

	if (obj == NULL || key == NULL)
		return 0;
	if (obj->type != JSON_OBJECT) {
		set_err(err, errlen, "%s: expected an object, got %s",
		    path != NULL && *path != '\0' ? path : "top level", got_phrase(obj));
		return -1;
	}
	if ((v = json_get(obj, key)) == NULL || v->type == JSON_NULL)
		return 0;
	*out = v;
	return 1;
}

/* The "path.key" prefix of an error; the key alone at the top level. */
#define FIELD_FMT "%s%s%s"
#define FIELD_ARGS(path, key) \
	(path) != NULL ? (path) : "", (path) != NULL && *(path) != '\0' ? "." : "", (key)

int
json_get_string(const struct json_value *obj, const char *path, const char *key,
    size_t max_len, const char **out, size_t *out_len, char *err, size_t errlen)
{
	const struct json_value *v = NULL;
	int rc;

	if ((rc = lookup(obj, path, key, &v, err, errlen)) <= 0)
		return rc;
	if (v->type != JSON_STRING) {
		set_err(err, errlen, FIELD_FMT ": expected a string, got %s",
		    FIELD_ARGS(path, key), got_phrase(v));
		return -1;
	}
	if (v->u.str.len > max_len) {
		set_err(err, errlen, FIELD_FMT ": longer than %zu bytes", FIELD_ARGS(path, key),
		    max_len);
		return -1;
	}
	if (out != NULL)
		*out = v->u.str.s;
	if (out_len != NULL)
		*out_len = v->u.str.len;
	return 1;
}

int
json_get_bool(const struct json_value *obj, const char *path, const char *key, bool *out,
    char *err, size_t errlen)
{
	const struct json_value *v = NULL;
	int rc;

	if ((rc = lookup(obj, path, key, &v, err, errlen)) <= 0)
		return rc;
	if (v->type != JSON_BOOL) {
		set_err(err, errlen, FIELD_FMT ": expected a boolean, got %s",
		    FIELD_ARGS(path, key), got_phrase(v));
		return -1;
	}
	if (out != NULL)
		*out = v->u.b;
	return 1;
}

int
json_get_int(const struct json_value *obj, const char *path, const char *key, int64_t min,
    int64_t max, int64_t *out, char *err, size_t errlen)
{
	const struct json_value *v = NULL;
	int rc;

	if ((rc = lookup(obj, path, key, &v, err, errlen)) <= 0)
		return rc;
	if (v->type == JSON_DOUBLE) {
		/* 1.0 and 1e2 are refused too: clients send integers as integers. */
		set_err(err, errlen, FIELD_FMT ": expected an integer, got a number with a "
		    "fraction or exponent", FIELD_ARGS(path, key));
		return -1;
	}
	if (v->type != JSON_INT) {
		set_err(err, errlen, FIELD_FMT ": expected an integer, got %s",
		    FIELD_ARGS(path, key), got_phrase(v));
		return -1;
	}
	if (v->u.i < min || v->u.i > max) {
		set_err(err, errlen, FIELD_FMT ": out of range (%" PRId64 "..%" PRId64 ")",
		    FIELD_ARGS(path, key), min, max);
		return -1;
	}
	if (out != NULL)
		*out = v->u.i;
	return 1;
}

int
json_get_object(const struct json_value *obj, const char *path, const char *key,
    const struct json_value **out, char *err, size_t errlen)
{
	const struct json_value *v = NULL;
	int rc;

	if ((rc = lookup(obj, path, key, &v, err, errlen)) <= 0)
		return rc;
	if (v->type != JSON_OBJECT) {
		set_err(err, errlen, FIELD_FMT ": expected an object, got %s",
		    FIELD_ARGS(path, key), got_phrase(v));
		return -1;
	}
	if (out != NULL)
		*out = v;
	return 1;
}

int
json_get_string_array(const struct json_value *obj, const char *path, const char *key,
    size_t max_items, size_t max_len, const struct json_value **out, char *err,
    size_t errlen)
{
	const struct json_value *v = NULL;
	size_t i;
	int rc;

	if ((rc = lookup(obj, path, key, &v, err, errlen)) <= 0)
		return rc;
	if (v->type != JSON_ARRAY) {
		set_err(err, errlen, FIELD_FMT ": expected an array, got %s",
		    FIELD_ARGS(path, key), got_phrase(v));
		return -1;
	}
	if (v->u.arr.n > max_items) {
		set_err(err, errlen, FIELD_FMT ": more than %zu items", FIELD_ARGS(path, key),
		    max_items);
		return -1;
	}
	for (i = 0; i < v->u.arr.n; i++) {
		const struct json_value *item = v->u.arr.items[i];

		/* A null inside an array is a wrong item, not an absent one. */
		if (item->type != JSON_STRING) {
			set_err(err, errlen, FIELD_FMT "[%zu]: expected a string, got %s",
			    FIELD_ARGS(path, key), i, got_phrase(item));
			return -1;
		}
		if (item->u.str.len > max_len) {
			set_err(err, errlen, FIELD_FMT "[%zu]: longer than %zu bytes",
			    FIELD_ARGS(path, key), i, max_len);
			return -1;
		}
	}
	if (out != NULL)
		*out = v;
	return 1;
}

/* ----------------------------------------------------------------------------
 * Encoding.
 */

/* What may come next at one level of the document being written. */
enum w_state {
	W_START,   /* top level, nothing written yet */
	W_DONE,    /* top level, the value is complete */
	W_OBJ_KEY, /* in an object, a key or the close may come */
	W_OBJ_VAL, /* in an object, after a key: a value must come */
	W_ARR,     /* in an array, a value or the close may come */
};

struct json_writer {
	yajl_gen g;
	char *buf; /* the document so far, plus room for a NUL */
	size_t len;
	size_t cap;
	size_t max; /* ceiling on len, fixed at creation */
	bool failed;
	unsigned depth;
	/*
	 * Our own view of the structure: yajl_gen happily closes an array with
	 * '}' or an object after a key without a value.
	 */
	unsigned char state[JSON_W_MAX_DEPTH + 1];
};

/* yajl_gen's print callback: append to the buffer under the ceiling. */
static void
w_print(void *ctx, const char *s, size_t n)
{
	struct json_writer *w = ctx;
	size_t need, cap;
	char *nb;

	if (w->failed || n == 0)
		return;
	if (n > w->max - w->len) {
		w->failed = true;
		return;
	}
	need = w->len + n + 1; /* cannot wrap: max is below SIZE_MAX */
	if (need > w->cap) {
		cap = w->cap ? w->cap : 256;
		while (cap < need)
			cap = cap > (w->max + 1) / 2 ? w->max + 1 : cap * 2;
		/* No point in allocating a larger buffer than this is allowed to use. */
		if (cap > w->max + 1)
			cap = w->max + 1;
		if ((nb = realloc(w->buf, cap)) == NULL) {
			w->failed = true;
			return;
		}
		w->buf = nb;
		w->cap = cap;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

struct json_writer *
json_w_new(size_t max_bytes)
{
	struct json_writer *w;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return NULL;
	/* Keep room for the terminating NUL without overflow. */
	w->max = max_bytes < SIZE_MAX / 2 ? max_bytes : SIZE_MAX / 2;
	w->state[0] = W_START;
	if ((w->g = yajl_gen_alloc(NULL)) == NULL) {
		free(w);
		return NULL;
	}
	if (!yajl_gen_config(w->g, yajl_gen_beautify, 0) ||
	    !yajl_gen_config(w->g, yajl_gen_validate_utf8, 1) ||
	    !yajl_gen_config(w->g, yajl_gen_print_callback, w_print, (void *)w)) {
		yajl_gen_free(w->g);
		free(w);
		return NULL;
	}
	return w;
}

void
json_w_free(struct json_writer *w)
{
	if (w == NULL)
		return;
	yajl_gen_free(w->g);
	free(w->buf);
	free(w);
}

static void
w_check(struct json_writer *w, yajl_gen_status st)
{
	if (st != yajl_gen_status_ok)
		w->failed = true;
}

/* Whether a value may be written at this point; marks the writer failed if not. */
static bool
w_begin_value(struct json_writer *w)
{
	if (w == NULL || w->failed)
		return false;
	switch (w->state[w->depth]) {
	case W_START:
	case W_OBJ_VAL:
	case W_ARR:
		return true;
	default:
		w->failed = true;
		return false;
	}
}

static void
w_end_value(struct json_writer *w)
{
	unsigned char *s = &w->state[w->depth];

	if (*s == W_START)
		*s = W_DONE;
	else if (*s == W_OBJ_VAL)
		*s = W_OBJ_KEY;
}

static void
w_open(struct json_writer *w, bool object)
{
	if (!w_begin_value(w))
		return;
	if (w->depth >= JSON_W_MAX_DEPTH) {
		w->failed = true;
		return;
	}
	w_check(w, object ? yajl_gen_map_open(w->g) : yajl_gen_array_open(w->g));
	if (w->failed)
		return;
	w->state[++w->depth] = object ? W_OBJ_KEY : W_ARR;
}

static void
w_close(struct json_writer *w, bool object)
{
	if (w == NULL || w->failed)
		return;
	if (w->depth == 0 || w->state[w->depth] != (object ? W_OBJ_KEY : W_ARR)) {
		w->failed = true;
		return;
	}
	w_check(w, object ? yajl_gen_map_close(w->g) : yajl_gen_array_close(w->g));
	if (w->failed)
		return;
	w->depth--;
	w_end_value(w);
}

void
json_w_object_open(struct json_writer *w)
{
	w_open(w, true);
}

void
json_w_object_close(struct json_writer *w)
{
	w_close(w, true);
}

void
json_w_array_open(struct json_writer *w)
{
	w_open(w, false);
}

void
json_w_array_close(struct json_writer *w)
{
	w_close(w, false);
}

void
json_w_key(struct json_writer *w, const char *key)
{
	size_t len;

	if (w == NULL || w->failed)
		return;
	if (key == NULL || w->state[w->depth] != W_OBJ_KEY) {
		w->failed = true;
		return;
	}
	len = strlen(key);
	/* yajl_gen's own UTF-8 check is lax; keys must be strictly valid. */
	if (!utf8_valid((const unsigned char *)key, len)) {
		w->failed = true;
		return;
	}
	w_check(w, yajl_gen_string(w->g, (const unsigned char *)key, len));
	if (!w->failed)
		w->state[w->depth] = W_OBJ_VAL;
}

void
json_w_null(struct json_writer *w)
{
	if (!w_begin_value(w))
		return;
	w_check(w, yajl_gen_null(w->g));
	w_end_value(w);
}

void
json_w_bool(struct json_writer *w, bool v)
{
	if (!w_begin_value(w))
		return;
	w_check(w, yajl_gen_bool(w->g, v ? 1 : 0));
	w_end_value(w);
}

void
json_w_int(struct json_writer *w, int64_t v)
{
	if (!w_begin_value(w))
		return;
	w_check(w, yajl_gen_integer(w->g, (long long)v));
	w_end_value(w);
}

/*
 * Write @p len bytes as a JSON string value. With @p lossy, each maximal
 * invalid UTF-8 subpart becomes U+FFFD; without, invalid UTF-8 fails the
 * writer. Control characters and U+2028/U+2029 are written as escapes.
 */
static void
w_string(struct json_writer *w, const unsigned char *s, size_t len, bool lossy)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0, o = 0, n, skip;
	char *lit;
	uint32_t cp;

	if (!w_begin_value(w))
		return;
	/*
	 * The encoded value is at least len + 2 bytes, so a string that cannot
	 * fit is refused before allocating up to six times its size.
	 */
	if (len > (SIZE_MAX - 2) / 6 || len + 2 > w->max - w->len) {
		w->failed = true;
		return;
	}
	if ((lit = malloc(len * 6 + 2)) == NULL) {
		w->failed = true;
		return;
	}
	lit[o++] = '"';
	while (i < len) {
		char esc = 0;

		n = utf8_decode(s + i, len - i, &cp, &skip);
		/*
		 * Lossy strings carry network data: a NUL byte becomes U+FFFD
		 * like invalid UTF-8, because our own parser (and so the
		 * plugin reading a perspective's answer) refuses \u0000.
		 */
		if (lossy && n == 1 && cp == 0) {
			n = 0;
			skip = 1;
		}
		if (n == 0) {
			if (!lossy) {
				free(lit);
				w->failed = true;
				return;
			}
			memcpy(lit + o, "\xef\xbf\xbd", 3);
			o += 3;
			i += skip;
			continue;
		}
		switch (cp) {
		case '"': esc = '"'; break;
		case '\\': esc = '\\'; break;
		case '\b': esc = 'b'; break;
		case '\f': esc = 'f'; break;
		case '\n': esc = 'n'; break;
		case '\r': esc = 'r'; break;
		case '\t': esc = 't'; break;
		default: break;
		}
		if (esc != 0) {
			lit[o++] = '\\';
			lit[o++] = esc;
		} else if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 ||
		    cp == 0x2029) {
			lit[o++] = '\\';
			lit[o++] = 'u';
			lit[o++] = hex[(cp >> 12) & 0xf];
			lit[o++] = hex[(cp >> 8) & 0xf];
			lit[o++] = hex[(cp >> 4) & 0xf];
			lit[o++] = hex[cp & 0xf];
		} else {
			memcpy(lit + o, s + i, n);
			o += n;
		}
		i += n;
	}
	lit[o++] = '"';
	/* Raw text with yajl's separator handling; the literal is valid JSON. */
	w_check(w, yajl_gen_number(w->g, lit, o));
	free(lit);
	w_end_value(w);
}

void
json_w_string(struct json_writer *w, const char *s)
{
	if (s == NULL) {
		json_w_null(w);
		return;
	}
	w_string(w, (const unsigned char *)s, strlen(s), false);
}

void
json_w_string_lossy(struct json_writer *w, const char *s, size_t len)
{
	if (s == NULL) {
		json_w_null(w);
		return;
	}
	w_string(w, (const unsigned char *)s, len, true);
}

/*
 * Check that @p json is exactly one JSON value. The caller vouches for it,
 * but a check without callbacks is cheap and keeps the writer's output valid
 * JSON whatever is passed in.
 */
static bool
raw_is_one_value(const char *json, size_t len)
{
	yajl_handle h;
	yajl_status st;

	if ((h = yajl_alloc(NULL, NULL, NULL)) == NULL)
		return false;
	st = yajl_parse(h, (const unsigned char *)json, len);
	if (st == yajl_status_ok)
		st = yajl_complete_parse(h);
	yajl_free(h);
	return st == yajl_status_ok;
}

void
json_w_raw(struct json_writer *w, const char *json, size_t len)
{
	if (!w_begin_value(w))
		return;
	if (json == NULL || len == 0 || len > w->max - w->len || !raw_is_one_value(json, len)) {
		w->failed = true;
		return;
	}
	w_check(w, yajl_gen_number(w->g, json, len));
	w_end_value(w);
}

bool
json_w_failed(const struct json_writer *w)
{
	return w == NULL || w->failed;
}

const char *
json_w_finish(struct json_writer *w, size_t *len)
{
	if (w == NULL || w->failed || w->depth != 0 || w->state[0] != W_DONE ||
	    w->buf == NULL)
		return NULL;
	w->buf[w->len] = '\0';
	if (len != NULL)
		*len = w->len;
	return w->buf;
}
