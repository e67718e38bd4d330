/*
 * test_json.c: unit tests for shared/json.c.
 *
 * The malformed corpus is table-driven so that every rejection is checked
 * against its exact reason; the rest covers each limit at and just past its
 * boundary, the typed getters' error text, and the writer, including a round
 * trip through the parser.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ----------------------------------------------------------------------------
 * Helpers.
 */

static struct json_doc *
must_parse_len(const char *s, size_t len, const struct json_limits *lim)
{
	char err[256] = "";
	struct json_doc *doc = json_parse(s, len, lim, err, sizeof(err));

	cr_assert_not_null(doc, "parse failed: %s", err);
	cr_assert_str_empty(err, "error text set on success: %s", err);
	return doc;
}

static struct json_doc *
must_parse(const char *s)
{
	return must_parse_len(s, strlen(s), NULL);
}

/* Assert that @p s is refused with exactly @p want. */
static void
expect_refused_len(const char *s, size_t len, const struct json_limits *lim, const char *want)
{
	char err[256] = "";
	struct json_doc *doc = json_parse(s, len, lim, err, sizeof(err));

	cr_expect_null(doc, "accepted, expected \"%s\"", want);
	json_doc_free(doc);
	cr_expect_str_eq(err, want);
}

static void
expect_refused(const char *s, const char *want)
{
	expect_refused_len(s, strlen(s), NULL, want);
}

/* An error message is one line of printable ASCII. */
static bool
printable_line(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

/* A buffer of @p n copies of @p c between @p head and @p tail, NUL-terminated. */
static char *
build(const char *head, char c, size_t n, const char *tail)
{
	size_t h = strlen(head), t = strlen(tail);
	char *s = malloc(h + n + t + 1);

	cr_assert_not_null(s);
	memcpy(s, head, h);
	memset(s + h, c, n);
	memcpy(s + h + n, tail, t + 1);
	return s;
}

/* @p n opening brackets followed by @p n closing ones. */
static char *
nested_arrays(size_t n)
{
	char *s = malloc(2 * n + 1);

	cr_assert_not_null(s);
	memset(s, '[', n);
	memset(s + n, ']', n);
	s[2 * n] = '\0';
	return s;
}

/* ----------------------------------------------------------------------------
 * The malformed corpus.
 */

struct bad_case {
	const char *name;
	const char *text;
	size_t len;
	const char *want;
};

#define BAD(name, text, want) { name, text, sizeof(text) - 1, want }

static const struct bad_case bad_cases[] = {
	/* Truncated documents. */
	BAD("truncated object", "{\"a\":1", "parse error at byte 6: premature eof"),
	BAD("truncated string", "[\"abc", "parse error at byte 5: premature eof"),
	BAD("truncated literal", "tru", "parse error at byte 3: invalid string in json text"),
	BAD("truncated array", "[1,2", "parse error at byte 4: premature eof"),
	BAD("truncated escape", "\"\\", "parse error at byte 2: inside a string, '\\' occurs "
	    "before a character which it may not"),
	BAD("key without value", "{\"a\":", "parse error at byte 5: premature eof"),
	/* Trailing garbage and several values. */
	BAD("trailing garbage", "{} x", "parse error at byte 4: trailing garbage"),
	BAD("two top-level numbers", "1 2", "parse error at byte 3: trailing garbage"),
	BAD("two top-level objects", "{}{}", "parse error at byte 3: trailing garbage"),
	BAD("two top-level strings", "\"abc\" \"d\"", "parse error at byte 9: trailing garbage"),
	/* Comments. */
	BAD("line comment", "// c\n{}", "parse error at byte 0: probable comment found in "
	    "input text, comments are not enabled"),
	BAD("block comment", "{/* c */}", "parse error at byte 1: probable comment found in "
	    "input text, comments are not enabled"),
	/* Numbers JSON does not have. */
	BAD("NaN", "[NaN]", "parse error at byte 2: invalid char in json text"),
	BAD("Infinity", "[Infinity]", "parse error at byte 2: invalid char in json text"),
	BAD("-Infinity", "[-Infinity]", "parse error at byte 2: malformed number, a digit is "
	    "required after the minus sign"),
	BAD("leading zero", "[01]", "parse error at byte 3: after array element, i expect ',' "
	    "or ']'"),
	BAD("negative leading zero", "-01", "parse error at byte 3: trailing garbage"),
	BAD("plus sign", "+1", "parse error at byte 1: invalid char in json text"),
	BAD("bare fraction", ".5", "parse error at byte 1: invalid char in json text"),
	BAD("missing fraction digits", "1.", "parse error at byte 2: malformed number, a digit "
	    "is required after the decimal point"),
	BAD("missing exponent digits", "1e", "parse error at byte 2: malformed number, a digit "
	    "is required after the exponent"),
	BAD("lone minus", "-", "parse error at byte 1: malformed number, a digit is required "
	    "after the minus sign"),
	BAD("hex number", "0x10", "parse error at byte 2: trailing garbage"),
	BAD("double overflow", "[1e999]", "number out of range"),
	BAD("negative double overflow", "-1e999", "number out of range"),
	BAD("int64 max plus one", "9223372036854775808", "integer out of range"),
	BAD("int64 min minus one", "-9223372036854775809", "integer out of range"),
	/* Byte-order marks and other encodings. */
	BAD("utf-8 bom", "\xef\xbb\xbf{}", "body starts with a byte-order mark"),
	BAD("bom after whitespace", " \xef\xbb\xbf{}", "parse error at byte 2: invalid char in "
	    "json text"),
	BAD("utf-16le text", "\xff\xfe{\0}\0", "parse error at byte 1: invalid char in json text"),
	/* Lone surrogates in escapes. */
	BAD("lone high surrogate", "[\"\\ud800\"]", "lone utf-16 surrogate \\ud800 at byte 2"),
	BAD("high surrogate before plain escape", "[\"\\ud800\\u0041\"]",
	    "lone utf-16 surrogate \\ud800 at byte 2"),
	BAD("two high surrogates", "[\"\\ud800\\ud800\"]", "lone utf-16 surrogate \\ud800 at "
	    "byte 2"),
	BAD("lone low surrogate", "[\"\\udc00\"]", "lone utf-16 surrogate \\udc00 at byte 2"),
	BAD("swapped surrogate pair", "[\"\\ude00\\ud83d\"]", "lone utf-16 surrogate \\ude00 at "
	    "byte 2"),
	BAD("lone surrogate in key", "{\"\\uDBFF\":1}", "lone utf-16 surrogate \\udbff at byte 2"),
	BAD("high surrogate at end of input", "\"\\ud800", "lone utf-16 surrogate \\ud800 at "
	    "byte 1"),
	/* Invalid UTF-8 that yajl catches. */
	BAD("byte ff", "[\"\xff\"]", "parse error at byte 3: invalid bytes in utf8 string"),
	BAD("lone continuation byte", "[\"\x80\"]", "parse error at byte 3: invalid bytes in utf8 "
	    "string"),
	BAD("truncated sequence", "[\"\xe2\x82\"]", "parse error at byte 5: invalid bytes in "
	    "utf8 string"),
	/* Invalid UTF-8 that yajl lets through and we catch. */
	BAD("overlong solidus", "[\"\xc0\xaf\"]", "string is not valid utf-8 at byte 5"),
	BAD("overlong nul", "[\"\xc0\x80\"]", "string is not valid utf-8 at byte 5"),
	BAD("overlong three bytes", "[\"\xe0\x80\xaf\"]", "string is not valid utf-8 at byte 6"),
	BAD("overlong four bytes", "[\"\xf0\x80\x80\xaf\"]", "string is not valid utf-8 at byte 7"),
	BAD("encoded surrogate", "[\"\xed\xa0\x80\"]", "string is not valid utf-8 at byte 6"),
	BAD("above u+10ffff", "[\"\xf4\x90\x80\x80\"]", "string is not valid utf-8 at byte 7"),
	BAD("lead byte f5", "[\"\xf5\x80\x80\x80\"]", "string is not valid utf-8 at byte 7"),
	BAD("overlong key", "{\"\xc0\xaf\":1}", "key is not valid utf-8 at byte 5"),
	/* Syntax of other languages. */
	BAD("single quotes", "['a']", "parse error at byte 2: invalid char in json text"),
	BAD("unquoted key", "{a:1}", "parse error at byte 2: invalid char in json text"),
	BAD("number as key", "{1:2}", "parse error at byte 2: invalid object key (must be a "
	    "string)"),
	BAD("capitalised literal", "True", "parse error at byte 1: invalid char in json text"),
	BAD("short literal", "nul", "parse error at byte 3: invalid string in json text"),
	/* Raw control characters inside strings. */
	BAD("raw newline in string", "[\"a\nb\"]", "parse error at byte 3: invalid character "
	    "inside string"),
	BAD("raw tab in string", "[\"a\tb\"]", "parse error at byte 3: invalid character inside "
	    "string"),
	BAD("raw 0x01 in string", "[\"a\x01\"]", "parse error at byte 3: invalid character "
	    "inside string"),
	BAD("raw nul in string", "[\"a\0b\"]", "parse error at byte 3: invalid character inside "
	    "string"),
	BAD("raw nul at top level", "\0", "parse error at byte 1: invalid char in json text"),
	/* Bad escapes. */
	BAD("unknown escape", "[\"\\x\"]", "parse error at byte 3: inside a string, '\\' occurs "
	    "before a character which it may not"),
	BAD("short unicode escape", "[\"\\u12\"]", "parse error at byte 6: invalid (non-hex) "
	    "character occurs after '\\u' inside string"),
	BAD("non-hex unicode escape", "[\"\\u12G4\"]", "parse error at byte 6: invalid "
	    "(non-hex) character occurs after '\\u' inside string"),
	/* Empty input. */
	BAD("empty input", "", "empty body"),
	BAD("whitespace only", " \n\t\r ", "body is only whitespace"),
	/* Commas and colons. */
	BAD("trailing comma in array", "[1,]", "parse error at byte 4: unallowed token at this "
	    "point in json text"),
	BAD("trailing comma in object", "{\"a\":1,}", "parse error at byte 8: invalid object key "
	    "(must be a string)"),
	BAD("leading comma in array", "[,1]", "parse error at byte 2: unallowed token at this "
	    "point in json text"),
	BAD("lone comma in object", "{,}", "parse error at byte 2: invalid object key (must be "
	    "a string)"),
	BAD("key without colon", "{\"a\"}", "parse error at byte 5: object key and value must be "
	    "separated by a colon (':')"),
	BAD("missing value", "{\"a\":}", "parse error at byte 6: unallowed token at this point "
	    "in json text"),
	BAD("missing comma", "[1 2]", "parse error at byte 4: after array element, i expect "
	    "',' or ']'"),
	BAD("stray close bracket", "]", "parse error at byte 1: unallowed token at this point in "
	    "json text"),
	BAD("stray close brace", "}", "parse error at byte 1: unallowed token at this point in "
	    "json text"),
	/* Our own refusals. */
	BAD("nul escape in string", "[\"a\\u0000b\"]", "string contains a NUL byte"),
	BAD("nul escape in key", "{\"\\u0000\":1}", "key contains a NUL byte"),
	BAD("duplicate key", "{\"a\":1,\"a\":2}", "duplicate key \"a\""),
};

ParameterizedTestParameters(json, malformed_input_is_refused_with_reason)
{
	static size_t idx[ARRAY_LEN(bad_cases)];
	size_t i;

	for (i = 0; i < ARRAY_LEN(idx); i++)
		idx[i] = i;
	return cr_make_param_array(size_t, idx, ARRAY_LEN(idx));
}

ParameterizedTest(size_t *i, json, malformed_input_is_refused_with_reason)
{
	const struct bad_case *c = &bad_cases[*i];
	char err[256] = "";
	struct json_doc *doc = json_parse(c->text, c->len, NULL, err, sizeof(err));

	cr_expect_null(doc, "%s: accepted", c->name);
	json_doc_free(doc);
	cr_expect_str_eq(err, c->want, "%s: got \"%s\", want \"%s\"", c->name, err, c->want);
	cr_expect(printable_line(err), "%s: error is not one printable line", c->name);
}

/* ----------------------------------------------------------------------------
 * Accepted input.
 */

Test(json, parses_every_value_type)
{
	struct json_doc *doc = must_parse("{\"n\":null,\"t\":true,\"f\":false,\"i\":-42,"
	    "\"d\":2.5,\"s\":\"hi\",\"a\":[1,\"x\"],\"o\":{\"k\":\"v\"}}");
	const struct json_value *r = json_root(doc), *v;

	cr_assert_eq(r->type, JSON_OBJECT);
	cr_assert_eq(r->u.obj.n, 8);
	cr_expect_eq(json_get(r, "n")->type, JSON_NULL);
	cr_expect_eq(json_get(r, "t")->type, JSON_BOOL);
	cr_expect(json_get(r, "t")->u.b);
	cr_expect_not(json_get(r, "f")->u.b);
	cr_expect_eq(json_get(r, "i")->type, JSON_INT);
	cr_expect_eq(json_get(r, "i")->u.i, -42);
	cr_expect_eq(json_get(r, "d")->type, JSON_DOUBLE);
	cr_expect_float_eq(json_get(r, "d")->u.d, 2.5, 1e-12);
	v = json_get(r, "s");
	cr_expect_eq(v->type, JSON_STRING);
	cr_expect_str_eq(v->u.str.s, "hi");
	cr_expect_eq(v->u.str.len, 2);
	v = json_get(r, "a");
	cr_assert_eq(v->type, JSON_ARRAY);
	cr_assert_eq(v->u.arr.n, 2);
	cr_expect_eq(v->u.arr.items[0]->u.i, 1);
	cr_expect_str_eq(v->u.arr.items[1]->u.str.s, "x");
	v = json_get(r, "o");
	cr_assert_eq(v->type, JSON_OBJECT);
	cr_expect_str_eq(json_get(v, "k")->u.str.s, "v");
	json_doc_free(doc);
}

Test(json, members_are_kept_in_document_order)
{
	struct json_doc *doc = must_parse("{\"z\":1,\"a\":2,\"m\":3}");
	const struct json_value *r = json_root(doc);

	cr_assert_eq(r->u.obj.n, 3);
	cr_expect_str_eq(r->u.obj.members[0].key, "z");
	cr_expect_str_eq(r->u.obj.members[1].key, "a");
	cr_expect_str_eq(r->u.obj.members[2].key, "m");
	cr_expect_eq(r->u.obj.members[2].key_len, 1);
	cr_expect_eq(r->u.obj.members[2].value->u.i, 3);
	json_doc_free(doc);
}

Test(json, empty_containers_are_accepted)
{
	struct json_doc *doc = must_parse("{\"a\":[],\"o\":{}}");
	const struct json_value *r = json_root(doc);

	cr_expect_eq(json_get(r, "a")->u.arr.n, 0);
	cr_expect_eq(json_get(r, "o")->u.obj.n, 0);
	cr_expect_null(json_get(json_get(r, "o"), "x"));
	json_doc_free(doc);
	doc = must_parse("[[],{}]");
	cr_expect_eq(json_root(doc)->u.arr.n, 2);
	cr_expect_eq(json_root(doc)->u.arr.items[0]->u.arr.n, 0);
	json_doc_free(doc);
}

Test(json, top_level_scalars_are_accepted)
{
	struct json_doc *doc;

	doc = must_parse("42");
	cr_expect_eq(json_root(doc)->type, JSON_INT);
	cr_expect_eq(json_root(doc)->u.i, 42);
	json_doc_free(doc);
	doc = must_parse("\"x\"");
	cr_expect_str_eq(json_root(doc)->u.str.s, "x");
	json_doc_free(doc);
	doc = must_parse("null");
	cr_expect_eq(json_root(doc)->type, JSON_NULL);
	json_doc_free(doc);
	doc = must_parse("-0.5");
	cr_expect_eq(json_root(doc)->type, JSON_DOUBLE);
	json_doc_free(doc);
}

Test(json, whitespace_around_the_value_is_accepted)
{
	struct json_doc *doc = must_parse(" \t\r\n{ \"a\" : [ 1 , 2 ] }\r\n ");

	cr_expect_eq(json_get(json_root(doc), "a")->u.arr.n, 2);
	json_doc_free(doc);
}

Test(json, escapes_are_decoded)
{
	struct json_doc *doc = must_parse("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\u20AC\"");
	const struct json_value *r = json_root(doc);

	cr_expect_str_eq(r->u.str.s, "\"\\/\b\f\n\r\t\xc3\xa9\xe2\x82\xac");
	cr_expect_eq(r->u.str.len, 13);
	json_doc_free(doc);
}

Test(json, valid_surrogate_pairs_are_accepted)
{
	struct json_doc *doc = must_parse("[\"\\ud83d\\ude00\",\"\\uDBFF\\uDFFF\",\"\\ud800\\udc00\"]");
	const struct json_value *r = json_root(doc);

	cr_expect_str_eq(r->u.arr.items[0]->u.str.s, "\xf0\x9f\x98\x80"); /* U+1F600 */
	cr_expect_str_eq(r->u.arr.items[1]->u.str.s, "\xf4\x8f\xbf\xbf"); /* U+10FFFF */
	cr_expect_str_eq(r->u.arr.items[2]->u.str.s, "\xf0\x90\x80\x80"); /* U+10000 */
	json_doc_free(doc);
}

Test(json, raw_multibyte_utf8_is_accepted)
{
	struct json_doc *doc = must_parse("{\"cl\xc3\xa9\":\"\xe2\x82\xac \xf0\x9f\x98\x80 "
	    "\xf4\x8f\xbf\xbf \xef\xbb\xbf\"}");
	const struct json_value *v = json_get(json_root(doc), "cl\xc3\xa9");

	cr_assert_not_null(v);
	cr_expect_str_eq(v->u.str.s, "\xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf \xef\xbb\xbf");
	json_doc_free(doc);
}

Test(json, raw_del_inside_a_string_is_valid_json)
{
	struct json_doc *doc = must_parse("\"a\x7f" "b\"");

	cr_expect_str_eq(json_root(doc)->u.str.s, "a\x7f" "b");
	json_doc_free(doc);
}

Test(json, same_key_in_different_objects_is_accepted)
{
	struct json_doc *doc = must_parse("{\"a\":{\"a\":1},\"b\":{\"a\":2},\"c\":[{\"a\":3},"
	    "{\"a\":4}]}");

	cr_expect_eq(json_get(json_get(json_root(doc), "b"), "a")->u.i, 2);
	json_doc_free(doc);
}

Test(json, keys_differing_only_in_length_are_not_duplicates)
{
	struct json_doc *doc = must_parse("{\"a\":1,\"aa\":2,\"\":3,\"A\":4}");

	cr_expect_eq(json_root(doc)->u.obj.n, 4);
	cr_expect_eq(json_get(json_root(doc), "")->u.i, 3);
	json_doc_free(doc);
}

/* ----------------------------------------------------------------------------
 * Limits.
 */

Test(json, body_of_exactly_max_bytes_is_accepted)
{
	char *s = build("[", ' ', 65534, "]");
	struct json_doc *doc = must_parse_len(s, 65536, NULL);

	json_doc_free(doc);
	free(s);
}

Test(json, body_over_max_bytes_is_refused)
{
	char *s = build("[", ' ', 65535, "]");

	expect_refused_len(s, 65537, NULL, "body larger than 65536 bytes");
	free(s);
}

Test(json, size_is_checked_before_parsing)
{
	/* Garbage that would fail to parse must fail on its size first. */
	char *s = build("", '\xff', 70000, "");

	expect_refused_len(s, 70000, NULL, "body larger than 65536 bytes");
	free(s);
}

Test(json, depth_of_exactly_32_is_accepted)
{
	char *s = nested_arrays(32);
	struct json_doc *doc = must_parse(s);
	const struct json_value *v = json_root(doc);
	int levels = 1;

	while (v->u.arr.n == 1) {
		v = v->u.arr.items[0];
		levels++;
	}
	cr_expect_eq(levels, 32);
	json_doc_free(doc);
	free(s);
}

Test(json, depth_of_33_is_refused)
{
	char *s = nested_arrays(33);

	expect_refused(s, "nesting deeper than 32 levels");
	free(s);
}

Test(json, depth_counts_objects_and_arrays_together)
{
	char buf[512];
	size_t o = 0;
	int i;

	/* 17 objects holding 16 arrays, alternating: 33 levels. */
	for (i = 0; i < 33; i++) {
		const char *open = i % 2 == 0 ? "{\"k\":" : "[";

		memcpy(buf + o, open, strlen(open));
		o += strlen(open);
	}
	buf[o++] = '1';
	for (i = 32; i >= 0; i--)
		buf[o++] = i % 2 == 0 ? '}' : ']';
	buf[o] = '\0';
	expect_refused(buf, "nesting deeper than 32 levels");
}

Test(json, nesting_100k_deep_is_refused_quickly, .timeout = 5.0)
{
	struct json_limits lim = json_default_limits;
	char *s = build("", '[', 100000, "");

	lim.max_bytes = 1 << 20;
	expect_refused_len(s, 100000, &lim, "nesting deeper than 32 levels");
	free(s);
}

Test(json, nesting_within_the_size_limit_is_refused_by_depth, .timeout = 5.0)
{
	char *s = build("", '[', 65536, "");

	expect_refused_len(s, 65536, NULL, "nesting deeper than 32 levels");
	free(s);
}

Test(json, custom_depth_limit_is_used)
{
	struct json_limits lim = json_default_limits;

	lim.max_depth = 2;
	json_doc_free(must_parse_len("[[1]]", 5, &lim));
	expect_refused_len("[[[1]]]", 7, &lim, "nesting deeper than 2 levels");
}

Test(json, node_limit_counts_every_value)
{
	/* An array of 4095 zeros is 4096 values; one more zero is too many. */
	char *ok = malloc(2 * 4096 + 2), *bad = malloc(2 * 4097 + 2);
	size_t i;

	cr_assert(ok != NULL && bad != NULL);
	ok[0] = bad[0] = '[';
	for (i = 0; i < 4096; i++) {
		ok[1 + 2 * i] = '0';
		ok[2 + 2 * i] = ',';
	}
	ok[2 * 4095] = ']';
	ok[2 * 4095 + 1] = '\0';
	for (i = 0; i < 4097; i++) {
		bad[1 + 2 * i] = '0';
		bad[2 + 2 * i] = ',';
	}
	bad[2 * 4096] = ']';
	bad[2 * 4096 + 1] = '\0';
	json_doc_free(must_parse(ok));
	expect_refused(bad, "more than 4096 values");
	free(ok);
	free(bad);
}

Test(json, string_of_max_length_is_accepted_and_one_more_is_refused)
{
	char *ok = build("\"", 'a', 8192, "\"");
	char *bad = build("\"", 'a', 8193, "\"");
	struct json_doc *doc = must_parse(ok);

	cr_expect_eq(json_root(doc)->u.str.len, 8192);
	json_doc_free(doc);
	expect_refused(bad, "string longer than 8192 bytes");
	free(ok);
	free(bad);
}

Test(json, key_longer_than_max_string_is_refused)
{
	char *bad = build("{\"", 'k', 8193, "\":1}");

	expect_refused(bad, "key longer than 8192 bytes");
	free(bad);
}

Test(json, string_limit_applies_to_decoded_bytes)
{
	struct json_limits lim = json_default_limits;
	const char *s = "\"\\u00e9\\u00e9\""; /* 12 bytes of escapes, 4 decoded */

	lim.max_string = 4;
	json_doc_free(must_parse_len(s, strlen(s), &lim));
	lim.max_string = 3;
	expect_refused_len(s, strlen(s), &lim, "string longer than 3 bytes");
}

/* ----------------------------------------------------------------------------
 * Duplicates and NUL bytes.
 */

Test(json, duplicate_key_is_rejected)
{
	expect_refused("{\"name\":\"a\",\"other\":1,\"name\":\"b\"}", "duplicate key \"name\"");
}

Test(json, duplicate_key_in_nested_object_is_rejected)
{
	expect_refused("{\"a\":{\"b\":[{\"x\":1,\"x\":1}]}}", "duplicate key \"x\"");
}

Test(json, duplicate_key_written_with_escapes_is_rejected)
{
	/* "\u0061" and "a" are the same key once decoded. */
	expect_refused("{\"a\":1,\"\\u0061\":2}", "duplicate key \"a\"");
}

Test(json, duplicate_among_many_keys_is_found)
{
	char *s = malloc(4000 * 12 + 32);
	size_t o = 0;
	int i;

	cr_assert_not_null(s);
	s[o++] = '{';
	for (i = 0; i < 3000; i++)
		o += (size_t)snprintf(s + o, 16, "\"k%d\":0,", i);
	o += (size_t)snprintf(s + o, 16, "\"k1234\":1}");
	expect_refused_len(s, o, NULL, "duplicate key \"k1234\"");
	free(s);
}

Test(json, duplicate_key_is_escaped_in_the_error)
{
	expect_refused("{\"a\\\"\\n\\u00e9\\u001b\":1,\"a\\\"\\n\\u00e9\\u001b\":2}",
	    "duplicate key \"a\\\"\\x0a\\xc3\\xa9\\x1b\"");
}

Test(json, long_duplicate_key_is_shortened_in_the_error)
{
	char *k = build("", 'k', 200, "");
	char *s = malloc(500);
	char want[64];

	cr_assert_not_null(s);
	snprintf(s, 500, "{\"%s\":1,\"%s\":2}", k, k);
	snprintf(want, sizeof(want), "duplicate key \"%.40s...\"", k);
	expect_refused(s, want);
	free(s);
	free(k);
}

Test(json, nul_escape_in_string_is_rejected)
{
	expect_refused("{\"a\":\"x\\u0000\"}", "string contains a NUL byte");
}

Test(json, nul_escape_in_key_is_rejected)
{
	expect_refused("{\"a\\u0000b\":1}", "key contains a NUL byte");
}

/* ----------------------------------------------------------------------------
 * Numbers.
 */

Test(json, int64_max_is_accepted)
{
	struct json_doc *doc = must_parse("[9223372036854775807]");

	cr_expect_eq(json_root(doc)->u.arr.items[0]->type, JSON_INT);
	cr_expect_eq(json_root(doc)->u.arr.items[0]->u.i, INT64_MAX);
	json_doc_free(doc);
}

Test(json, int64_max_plus_one_is_refused)
{
	expect_refused("[9223372036854775808]", "integer out of range");
	expect_refused("{\"a\":18446744073709551616}", "integer out of range");
}

Test(json, int64_min_is_accepted)
{
	struct json_doc *doc = must_parse("-9223372036854775808");

	cr_expect_eq(json_root(doc)->type, JSON_INT);
	cr_expect_eq(json_root(doc)->u.i, INT64_MIN);
	json_doc_free(doc);
}

Test(json, integer_of_a_thousand_digits_is_refused)
{
	char *s = build("[1", '0', 1000, "]");

	expect_refused(s, "integer out of range");
	free(s);
}

Test(json, negative_zero_is_the_integer_zero)
{
	struct json_doc *doc = must_parse("-0");

	cr_expect_eq(json_root(doc)->type, JSON_INT);
	cr_expect_eq(json_root(doc)->u.i, 0);
	json_doc_free(doc);
}

Test(json, fractions_and_exponents_are_doubles)
{
	struct json_doc *doc = must_parse("[1.5,-2.5e3,1E2,0.1,1e-2,1.0]");
	const struct json_value *r = json_root(doc);
	static const double want[] = { 1.5, -2500.0, 100.0, 0.1, 0.01, 1.0 };
	size_t i;

	cr_assert_eq(r->u.arr.n, ARRAY_LEN(want));
	for (i = 0; i < ARRAY_LEN(want); i++) {
		cr_expect_eq(r->u.arr.items[i]->type, JSON_DOUBLE, "item %zu", i);
		cr_expect_float_eq(r->u.arr.items[i]->u.d, want[i], 1e-12, "item %zu", i);
	}
	json_doc_free(doc);
}

Test(json, double_underflow_is_accepted_as_a_tiny_number)
{
	struct json_doc *doc = must_parse("1e-400");

	cr_expect_eq(json_root(doc)->type, JSON_DOUBLE);
	cr_expect_float_eq(json_root(doc)->u.d, 0.0, 1e-300);
	json_doc_free(doc);
}

Test(json, long_double_literal_is_parsed)
{
	char *s = build("0.", '0', 300, "125");
	struct json_doc *doc = must_parse(s);

	cr_expect_eq(json_root(doc)->type, JSON_DOUBLE);
	cr_expect(json_root(doc)->u.d > 0.0 && json_root(doc)->u.d < 1e-299);
	json_doc_free(doc);
	free(s);
}

/* ----------------------------------------------------------------------------
 * API edges.
 */

Test(json, error_buffer_may_be_absent)
{
	cr_expect_null(json_parse("[1,]", 4, NULL, NULL, 0));
	json_doc_free(json_parse("[1]", 3, NULL, NULL, 0));
}

Test(json, small_error_buffer_is_truncated_and_terminated)
{
	char err[8];

	memset(err, 'x', sizeof(err));
	cr_expect_null(json_parse("{\"a\":1,\"a\":2}", 13, NULL, err, sizeof(err)));
	cr_expect_str_eq(err, "duplica");
}

Test(json, null_buffer_is_an_empty_body)
{
	char err[64];

	cr_expect_null(json_parse(NULL, 0, NULL, err, sizeof(err)));
	cr_expect_str_eq(err, "empty body");
}

Test(json, root_and_free_accept_null)
{
	cr_expect_null(json_root(NULL));
	json_doc_free(NULL);
}

Test(json, get_returns_null_for_missing_keys_and_non_objects)
{
	struct json_doc *doc = must_parse("{\"a\":[1],\"b\":2}");
	const struct json_value *r = json_root(doc);

	cr_expect_not_null(json_get(r, "a"));
	cr_expect_null(json_get(r, "c"));
	cr_expect_null(json_get(r, "A"));
	cr_expect_null(json_get(json_get(r, "a"), "a"));
	cr_expect_null(json_get(NULL, "a"));
	cr_expect_null(json_get(r, NULL));
	json_doc_free(doc);
}

Test(json, type_names_match_the_header)
{
	cr_expect_str_eq(json_type_name(JSON_NULL), "null");
	cr_expect_str_eq(json_type_name(JSON_BOOL), "boolean");
	cr_expect_str_eq(json_type_name(JSON_INT), "integer");
	cr_expect_str_eq(json_type_name(JSON_DOUBLE), "number");
	cr_expect_str_eq(json_type_name(JSON_STRING), "string");
	cr_expect_str_eq(json_type_name(JSON_ARRAY), "array");
	cr_expect_str_eq(json_type_name(JSON_OBJECT), "object");
}

/* ----------------------------------------------------------------------------
 * Typed getters.
 */

static const char *getter_doc =
    "{\"trace_identifier\":{\"x\":1},\"domain\":\"example.com\",\"n\":7,\"neg\":-3,"
    "\"f\":1.5,\"flag\":true,\"yes\":\"yes\",\"three\":\"3\",\"nul\":null,"
    "\"caa_check_parameters\":{\"caa_domains\":[\"a.example\",1],"
    "\"ok_domains\":[\"a.example\",\"b.example\"],\"nulls\":[\"a\",null],"
    "\"certificate_type\":\"tls-server\"}}";

Test(json, get_string_returns_value_and_length)
{
	struct json_doc *doc = must_parse(getter_doc);
	const char *s = NULL;
	size_t len = 0;
	char err[256] = "";

	cr_expect_eq(json_get_string(json_root(doc), "", "domain", 253, &s, &len, err,
	    sizeof(err)), 1);
	cr_expect_str_eq(s, "example.com");
	cr_expect_eq(len, 11);
	cr_expect_str_empty(err);
	json_doc_free(doc);
}

Test(json, get_string_of_exactly_max_len_is_accepted)
{
	struct json_doc *doc = must_parse(getter_doc);
	const char *s = NULL;
	char err[256] = "";

	cr_expect_eq(json_get_string(json_root(doc), "", "domain", 11, &s, NULL, err,
	    sizeof(err)), 1);
	cr_expect_str_eq(s, "example.com");
	json_doc_free(doc);
}

Test(json, get_string_absent_or_null_returns_zero_and_leaves_output)
{
	struct json_doc *doc = must_parse(getter_doc);
	const char *s = "untouched";
	size_t len = 99;
	char err[256] = "";

	cr_expect_eq(json_get_string(json_root(doc), "", "missing", 10, &s, &len, err,
	    sizeof(err)), 0);
	cr_expect_eq(json_get_string(json_root(doc), "", "nul", 10, &s, &len, err,
	    sizeof(err)), 0);
	cr_expect_str_eq(s, "untouched");
	cr_expect_eq(len, 99);
	cr_expect_str_empty(err);
	json_doc_free(doc);
}

Test(json, get_string_wrong_type_names_the_top_level_field)
{
	struct json_doc *doc = must_parse(getter_doc);
	const char *s = NULL;
	char err[256] = "";

	cr_expect_eq(json_get_string(json_root(doc), "", "trace_identifier", 100, &s, NULL, err,
	    sizeof(err)), -1);
	cr_expect_str_eq(err, "trace_identifier: expected a string, got an object");
	cr_expect_null(s);
	cr_expect_eq(json_get_string(json_root(doc), "", "n", 100, &s, NULL, err,
	    sizeof(err)), -1);
	cr_expect_str_eq(err, "n: expected a string, got a number");
	cr_expect_eq(json_get_string(json_root(doc), "", "flag", 100, &s, NULL, err,
	    sizeof(err)), -1);
	cr_expect_str_eq(err, "flag: expected a string, got a boolean");
	json_doc_free(doc);
}

Test(json, get_string_wrong_type_names_the_nested_path)
{
	struct json_doc *doc = must_parse(getter_doc);
	const struct json_value *caa = json_get(json_root(doc), "caa_check_parameters");
	const char *s = NULL;
	char err[256] = "";

	cr_expect_eq(json_get_string(caa, "caa_check_parameters", "caa_domains", 100, &s, NULL,
	    err, sizeof(err)), -1);
	cr_expect_str_eq(err, "caa_check_parameters.caa_domains: expected a string, got an array");
	json_doc_free(doc);
}

Test(json, get_string_longer_than_max_len_is_refused)
{
	struct json_doc *doc = must_parse(getter_doc);
	const struct json_value *caa = json_get(json_root(doc), "caa_check_parameters");
	const char *s = NULL;
	char err[256] = "";

	cr_expect_eq(json_get_string(json_root(doc), "", "domain", 10, &s, NULL, err,
	    sizeof(err)), -1);
	cr_expect_str_eq(err, "domain: longer than 10 bytes");
	cr_expect_null(s);
	cr_expect_eq(json_get_string(caa, "caa_check_parameters", "certificate_type", 3, &s,
	    NULL, err, sizeof(err)), -1);
	cr_expect_str_eq(err, "caa_check_parameters.certificate_type: longer than 3 bytes");
	json_doc_free(doc);
}

Test(json, get_bool_accepts_only_booleans)
{
	struct json_doc *doc = must_parse(getter_doc);
	const struct json_value *r = json_root(doc);
	bool b = false;
	char err[256] = "";

	cr_expect_eq(json_get_bool(r, "", "flag", &b, err, sizeof(err)), 1);
	cr_expect(b);
	cr_expect_eq(json_get_bool(r, "", "yes", &b, err, sizeof(err)), -1);
	cr_expect_str_eq(err, "yes: expected a boolean, got a string");
	cr_expect_eq(json_get_bool(r, "", "n", &b, err, sizeof(err)), -1);
	cr_expect_str_eq(err, "n: expected a boolean, got a number");
	json_doc_free(doc);
}

Test(json, get_bool_absent_or_null_returns_zero)
{
	struct json_doc *doc = must_parse(getter_doc);
	bool b = true;
	char err[256] = "";

	cr_expect_eq(json_get_bool(json_root(doc), "", "missing", &b, err, sizeof(err)), 0);
	cr_expect_eq(json_get_bool(json_root(doc), "", "nul", &b, err, sizeof(err)), 0);
	cr_expect(b);
	json_doc_free(doc);
}

Test(json, get_int_returns_integers_in_range)
{
	struct json_doc *doc = must_parse(getter_doc);
	int64_t n = 0;
	char err[256] = "";

	cr_expect_eq(json_get_int(json_root(doc), "", "n", 1, 10, &n, err, sizeof(err)), 1);
	cr_expect_eq(n, 7);
	cr_expect_eq(json_get_int(json_root(doc), "", "n", 7, 7, &n, err, sizeof(err)), 1);
	cr_expect_eq(json_get_int(json_root(doc), "", "neg", INT64_MIN, INT64_MAX, &n, err,
	    sizeof(err)), 1);
	cr_expect_eq(n, -3);
	json_doc_free(doc);
}

Test(json, get_int_out_of_range_names_the_bounds)
{
	struct json_doc *doc = must_parse(getter_doc);
	int64_t n = 42;
	char err[256] = "";

	cr_expect_eq(json_get_int(json_root(doc), "", "n", 1, 6, &n, err, sizeof(err)), -1);
	cr_expect_str_eq(err, "n: out of range (1..6)");
	cr_expect_eq(json_get_int(json_root(doc), "", "neg", 0, 100, &n, err, sizeof(err)), -1);
	cr_expect_str_eq(err, "neg: out of range (0..100)");
	cr_expect_eq(json_get_int(json_root(doc), "", "n", -10, -5, &n, err, sizeof(err)), -1);
	cr_expect_str_eq(err, "n: out of range (-10..-5)");
	cr_expect_eq(n, 42);
	json_doc_free(doc);
}

Test(json, get_int_refuses_strings_and_doubles)
{
	struct json_doc *doc = must_parse(getter_doc);
	int64_t n = 42;
	char err[256] = "";

	cr_expect_eq(json_get_int(json_root(doc), "", "three", 0, 10, &n, err, sizeof(err)), -1);
	cr_expect_str_eq(err, "three: expected an integer, got a string");
	cr_expect_eq(json_get_int(json_root(doc), "", "f", 0, 10, &n, err, sizeof(err)), -1);
	cr_expect_str_eq(err, "f: expected an integer, got a number with a fraction or exponent");
	cr_expect_eq(json_get_int(json_root(doc), "", "flag", 0, 10, &n, err, sizeof(err)), -1);
	cr_expect_str_eq(err, "flag: expected an integer, got a boolean");
	cr_expect_eq(n, 42);
	json_doc_free(doc);
}

Test(json, get_int_refuses_a_whole_number_written_as_a_double)
{
	struct json_doc *doc = must_parse("{\"n\":1.0,\"e\":1e2}");
	int64_t n = 0;
	char err[256] = "";

	cr_expect_eq(json_get_int(json_root(doc), "", "n", 0, 10, &n, err, sizeof(err)), -1);
	cr_expect_eq(json_get_int(json_root(doc), "", "e", 0, 1000, &n, err, sizeof(err)), -1);
	cr_expect_str_eq(err, "e: expected an integer, got a number with a fraction or exponent");
	json_doc_free(doc);
}

Test(json, get_int_absent_or_null_returns_zero)
{
	struct json_doc *doc = must_parse(getter_doc);
	int64_t n = 42;
	char err[256] = "";

	cr_expect_eq(json_get_int(json_root(doc), "", "missing", 0, 10, &n, err, sizeof(err)), 0);
	cr_expect_eq(json_get_int(json_root(doc), "", "nul", 0, 10, &n, err, sizeof(err)), 0);
	cr_expect_eq(n, 42);
	json_doc_free(doc);
}

Test(json, get_object_returns_objects_and_names_wrong_types)
{
	struct json_doc *doc = must_parse(getter_doc);
	const struct json_value *o = NULL;
	char err[256] = "";

	cr_expect_eq(json_get_object(json_root(doc), "", "caa_check_parameters", &o, err,
	    sizeof(err)), 1);
	cr_assert_not_null(o);
	cr_expect_eq(o->type, JSON_OBJECT);
	cr_expect_eq(json_get_object(o, "caa_check_parameters", "ok_domains", &o, err,
	    sizeof(err)), -1);
	cr_expect_str_eq(err, "caa_check_parameters.ok_domains: expected an object, got an array");
	cr_expect_eq(json_get_object(json_root(doc), "", "domain", &o, err, sizeof(err)), -1);
	cr_expect_str_eq(err, "domain: expected an object, got a string");
	json_doc_free(doc);
}

Test(json, get_object_absent_or_null_returns_zero)
{
	struct json_doc *doc = must_parse(getter_doc);
	const struct json_value *o = NULL;
	char err[256] = "";

	cr_expect_eq(json_get_object(json_root(doc), "", "missing", &o, err, sizeof(err)), 0);
	cr_expect_eq(json_get_object(json_root(doc), "", "nul", &o, err, sizeof(err)), 0);
	cr_expect_null(o);
	json_doc_free(doc);
}

Test(json, get_string_array_accepts_strings_within_limits)
{
	struct json_doc *doc = must_parse(getter_doc);
	const struct json_value *caa = json_get(json_root(doc), "caa_check_parameters");
	const struct json_value *a = NULL;
	char err[256] = "";

	cr_expect_eq(json_get_string_array(caa, "caa_check_parameters", "ok_domains", 2, 9, &a,
	    err, sizeof(err)), 1);
	cr_assert_not_null(a);
	cr_expect_eq(a->u.arr.n, 2);
	cr_expect_str_eq(a->u.arr.items[1]->u.str.s, "b.example");
	json_doc_free(doc);
}

Test(json, get_string_array_names_the_wrong_item)
{
	struct json_doc *doc = must_parse(getter_doc);
	const struct json_value *caa = json_get(json_root(doc), "caa_check_parameters");
	const struct json_value *a = NULL;
	char err[256] = "";

	cr_expect_eq(json_get_string_array(caa, "caa_check_parameters", "caa_domains", 10, 100,
	    &a, err, sizeof(err)), -1);
	cr_expect_str_eq(err, "caa_check_parameters.caa_domains[1]: expected a string, got a number");
	cr_expect_eq(json_get_string_array(caa, "caa_check_parameters", "nulls", 10, 100, &a,
	    err, sizeof(err)), -1);
	cr_expect_str_eq(err, "caa_check_parameters.nulls[1]: expected a string, got null");
	cr_expect_null(a);
	json_doc_free(doc);
}

Test(json, get_string_array_enforces_item_count_and_length)
{
	struct json_doc *doc = must_parse(getter_doc);
	const struct json_value *caa = json_get(json_root(doc), "caa_check_parameters");
	const struct json_value *a = NULL;
	char err[256] = "";

	cr_expect_eq(json_get_string_array(caa, "caa_check_parameters", "ok_domains", 1, 100,
	    &a, err, sizeof(err)), -1);
	cr_expect_str_eq(err, "caa_check_parameters.ok_domains: more than 1 items");
	cr_expect_eq(json_get_string_array(caa, "caa_check_parameters", "ok_domains", 10, 8,
	    &a, err, sizeof(err)), -1);
	cr_expect_str_eq(err, "caa_check_parameters.ok_domains[0]: longer than 8 bytes");
	cr_expect_null(a);
	json_doc_free(doc);
}

Test(json, get_string_array_refuses_non_arrays_and_skips_absent)
{
	struct json_doc *doc = must_parse(getter_doc);
	const struct json_value *a = NULL;
	char err[256] = "";

	cr_expect_eq(json_get_string_array(json_root(doc), "", "domain", 10, 100, &a, err,
	    sizeof(err)), -1);
	cr_expect_str_eq(err, "domain: expected an array, got a string");
	cr_expect_eq(json_get_string_array(json_root(doc), "", "missing", 10, 100, &a, err,
	    sizeof(err)), 0);
	cr_expect_eq(json_get_string_array(json_root(doc), "", "nul", 10, 100, &a, err,
	    sizeof(err)), 0);
	cr_expect_null(a);
	json_doc_free(doc);
}

Test(json, getters_on_a_non_object_name_the_object)
{
	struct json_doc *doc = must_parse("[1]");
	const char *s = NULL;
	char err[256] = "";

	cr_expect_eq(json_get_string(json_root(doc), "", "trace_identifier", 10, &s, NULL, err,
	    sizeof(err)), -1);
	cr_expect_str_eq(err, "top level: expected an object, got an array");
	cr_expect_eq(json_get_string(json_root(doc), "orchestration_parameters", "x", 10, &s,
	    NULL, err, sizeof(err)), -1);
	cr_expect_str_eq(err, "orchestration_parameters: expected an object, got an array");
	json_doc_free(doc);
}

Test(json, getters_on_an_absent_object_report_absent)
{
	const char *s = NULL;
	bool b = false;
	int64_t n = 0;
	const struct json_value *v = NULL;
	char err[16] = "";

	cr_expect_eq(json_get_string(NULL, "a", "b", 10, &s, NULL, err, sizeof(err)), 0);
	cr_expect_eq(json_get_bool(NULL, "a", "b", &b, err, sizeof(err)), 0);
	cr_expect_eq(json_get_int(NULL, "a", "b", 0, 1, &n, err, sizeof(err)), 0);
	cr_expect_eq(json_get_object(NULL, "a", "b", &v, err, sizeof(err)), 0);
	cr_expect_eq(json_get_string_array(NULL, "a", "b", 1, 1, &v, err, sizeof(err)), 0);
	cr_expect_str_empty(err);
}

Test(json, getters_work_without_an_error_buffer)
{
	struct json_doc *doc = must_parse(getter_doc);
	int64_t n = 0;

	cr_expect_eq(json_get_int(json_root(doc), "", "three", 0, 10, &n, NULL, 0), -1);
	cr_expect_eq(json_get_int(json_root(doc), NULL, "n", 0, 10, &n, NULL, 0), 1);
	json_doc_free(doc);
}

/* ----------------------------------------------------------------------------
 * Writer.
 */

/* Finish @p w, assert success and compare with @p want; frees @p w. */
static void
expect_written(struct json_writer *w, const char *want)
{
	size_t len = 0;
	const char *out = json_w_finish(w, &len);

	cr_assert_not_null(out, "writer failed, expected %s", want);
	cr_expect_str_eq(out, want);
	cr_expect_eq(len, strlen(want));
	json_w_free(w);
}

/* Finish @p w and assert that it failed; frees @p w. */
static void
expect_writer_failed(struct json_writer *w)
{
	cr_expect(json_w_failed(w) || json_w_finish(w, NULL) == NULL);
	cr_expect_null(json_w_finish(w, NULL));
	json_w_free(w);
}

Test(json, writer_writes_nested_structures)
{
	struct json_writer *w = json_w_new(1024);

	cr_assert_not_null(w);
	json_w_object_open(w);
	json_w_key(w, "a");
	json_w_array_open(w);
	json_w_int(w, 1);
	json_w_bool(w, true);
	json_w_null(w);
	json_w_object_open(w);
	json_w_key(w, "b");
	json_w_string(w, "c");
	json_w_object_close(w);
	json_w_array_close(w);
	json_w_key(w, "d");
	json_w_object_open(w);
	json_w_object_close(w);
	json_w_key(w, "e");
	json_w_array_open(w);
	json_w_array_close(w);
	json_w_key(w, "f");
	json_w_bool(w, false);
	json_w_object_close(w);
	cr_expect_not(json_w_failed(w));
	expect_written(w, "{\"a\":[1,true,null,{\"b\":\"c\"}],\"d\":{},\"e\":[],\"f\":false}");
}

Test(json, writer_writes_top_level_scalars)
{
	struct json_writer *w = json_w_new(64);

	json_w_string(w, "x");
	expect_written(w, "\"x\"");
	w = json_w_new(64);
	json_w_int(w, -5);
	expect_written(w, "-5");
}

Test(json, writer_writes_int64_bounds)
{
	struct json_writer *w = json_w_new(128);

	json_w_array_open(w);
	json_w_int(w, INT64_MIN);
	json_w_int(w, INT64_MAX);
	json_w_int(w, 0);
	json_w_array_close(w);
	expect_written(w, "[-9223372036854775808,9223372036854775807,0]");
}

Test(json, writer_escapes_quotes_backslashes_and_controls)
{
	struct json_writer *w = json_w_new(256);

	json_w_string(w, "q\"b\\s/n\nr\rt\tb\bf\fe\x1b" "1\x01" "f\x1f" "d\x7f" "c1\xc2\x9b" "ls\xe2\x80\xa8");
	expect_written(w, "\"q\\\"b\\\\s/n\\nr\\rt\\tb\\bf\\fe\\u001b1\\u0001f\\u001fd\\u007f"
	    "c1\\u009bls\\u2028\"");
}

Test(json, writer_passes_valid_utf8_through)
{
	struct json_writer *w = json_w_new(256);

	json_w_string(w, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf\xc2\xa0");
	expect_written(w, "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf\xc2\xa0\"");
}

Test(json, writer_lossy_writes_nul_as_replacement_character)
{
	struct json_writer *w = json_w_new(64);

	/* Our parser refuses \u0000, so network data must never produce it. */
	json_w_string_lossy(w, "a\0b", 3);
	expect_written(w, "\"a\xef\xbf\xbd" "b\"");
}

struct lossy_case {
	const char *in;
	size_t len;
	const char *want; /* the JSON string literal */
};

#define LOSSY(in, want) { in, sizeof(in) - 1, want }
#define FFFD "\xef\xbf\xbd"

static const struct lossy_case lossy_cases[] = {
	LOSSY("plain", "\"plain\""),
	LOSSY("\xff", "\"" FFFD "\""),
	LOSSY("\xfe\xff", "\"" FFFD FFFD "\""),
	LOSSY("\x80", "\"" FFFD "\""),
	LOSSY("a\x80\x80z", "\"a" FFFD FFFD "z\""),
	LOSSY("\xc0\xaf", "\"" FFFD FFFD "\""),             /* overlong '/' */
	LOSSY("\xc1\xbf", "\"" FFFD FFFD "\""),             /* overlong */
	LOSSY("\xc0\x80", "\"" FFFD FFFD "\""),             /* overlong NUL */
	LOSSY("\xe0\x80\xaf", "\"" FFFD FFFD FFFD "\""),    /* overlong, 3 bytes */
	LOSSY("\xf0\x80\x80\xaf", "\"" FFFD FFFD FFFD FFFD "\""), /* overlong, 4 bytes */
	LOSSY("\xed\xa0\x80", "\"" FFFD FFFD FFFD "\""),    /* U+D800 */
	LOSSY("\xed\xbf\xbf", "\"" FFFD FFFD FFFD "\""),    /* U+DFFF */
	LOSSY("\xf4\x90\x80\x80", "\"" FFFD FFFD FFFD FFFD "\""), /* U+110000 */
	LOSSY("\xf5\x80\x80\x80", "\"" FFFD FFFD FFFD FFFD "\""),
	LOSSY("\xe2\x82", "\"" FFFD "\""),                  /* truncated at end */
	LOSSY("a\xe2\x82" "b", "\"a" FFFD "b\""),           /* truncated inside */
	LOSSY("\xf0\x9f\x98", "\"" FFFD "\""),              /* truncated 4-byte */
	LOSSY("\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\""),  /* valid U+1F600 */
	LOSSY("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\""),  /* valid U+10FFFF */
	LOSSY("\xed\x9f\xbf", "\"\xed\x9f\xbf\""),          /* valid U+D7FF */
	LOSSY(FFFD, "\"" FFFD "\""),                        /* U+FFFD itself */
	LOSSY("\xe2\x82\xac\xe2", "\"\xe2\x82\xac" FFFD "\""),
	LOSSY("\x1b[31m\r\n", "\"\\u001b[31m\\r\\n\""),      /* controls escaped */
	LOSSY("\x7f\xc2\x85", "\"\\u007f\\u0085\""),         /* DEL and NEL escaped */
	LOSSY("\xff\"\\", "\"" FFFD "\\\"\\\\\""),
};

Test(json, writer_lossy_replaces_every_invalid_sequence)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(lossy_cases); i++) {
		const struct lossy_case *c = &lossy_cases[i];
		struct json_writer *w = json_w_new(256);
		const char *out;

		json_w_string_lossy(w, c->in, c->len);
		out = json_w_finish(w, NULL);
		cr_expect_not_null(out, "case %zu failed", i);
		if (out != NULL)
			cr_expect_str_eq(out, c->want, "case %zu", i);
		json_w_free(w);
	}
}

Test(json, writer_lossy_output_of_every_byte_parses_back)
{
	unsigned char in[256];
	char want[3 + 127 + 128 * 3 + 1];
	struct json_writer *w = json_w_new(4096);
	struct json_doc *doc;
	const char *out;
	size_t i, o = 0, len = 0;

	/* Every byte value; NUL comes back as U+FFFD. */
	for (i = 0; i < 256; i++)
		in[i] = (unsigned char)i;
	memcpy(want + o, FFFD, 3);
	o += 3;
	for (i = 1; i < 0x80; i++)
		want[o++] = (char)i;
	/* 0x80..0xff in order: no lead byte meets a continuation byte. */
	for (i = 0; i < 128; i++) {
		memcpy(want + o, FFFD, 3);
		o += 3;
	}
	want[o] = '\0';
	json_w_string_lossy(w, (const char *)in, sizeof(in));
	out = json_w_finish(w, &len);
	cr_assert_not_null(out);
	doc = must_parse_len(out, len, NULL);
	cr_expect_str_eq(json_root(doc)->u.str.s, want);
	json_doc_free(doc);
	json_w_free(w);
}

Test(json, writer_string_with_invalid_utf8_fails)
{
	struct json_writer *w = json_w_new(64);

	json_w_string(w, "\xc0\xaf");
	cr_expect(json_w_failed(w));
	expect_writer_failed(w);
	w = json_w_new(64);
	json_w_string(w, "\xed\xa0\x80");
	expect_writer_failed(w);
}

Test(json, writer_key_with_invalid_utf8_fails)
{
	struct json_writer *w = json_w_new(64);

	json_w_object_open(w);
	json_w_key(w, "\xff");
	json_w_int(w, 1);
	json_w_object_close(w);
	expect_writer_failed(w);
}

Test(json, writer_null_strings_write_null)
{
	struct json_writer *w = json_w_new(64);

	json_w_array_open(w);
	json_w_string(w, NULL);
	json_w_string_lossy(w, NULL, 5);
	json_w_string_lossy(w, "", 0);
	json_w_array_close(w);
	expect_written(w, "[null,null,\"\"]");
}

Test(json, writer_fails_past_its_ceiling)
{
	struct json_writer *w = json_w_new(16);

	json_w_array_open(w);
	json_w_string(w, "this is longer than sixteen bytes");
	json_w_array_close(w);
	expect_writer_failed(w);
}

Test(json, writer_ceiling_is_exact)
{
	struct json_writer *w = json_w_new(9);

	json_w_string(w, "1234567"); /* 9 bytes with the quotes */
	expect_written(w, "\"1234567\"");
	w = json_w_new(8);
	json_w_string(w, "1234567");
	expect_writer_failed(w);
	w = json_w_new(4);
	json_w_array_open(w);
	json_w_int(w, 12);
	json_w_array_close(w); /* "[12]" is exactly 4 */
	expect_written(w, "[12]");
	w = json_w_new(4);
	json_w_array_open(w);
	json_w_int(w, 123);
	json_w_array_close(w);
	expect_writer_failed(w);
}

Test(json, writer_ceiling_failure_from_lossy_growth)
{
	/* 10 invalid bytes need 30 bytes of replacement characters. */
	struct json_writer *w = json_w_new(20);

	json_w_string_lossy(w, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 10);
	expect_writer_failed(w);
}

Test(json, writer_failure_is_sticky)
{
	struct json_writer *w = json_w_new(64);

	json_w_array_open(w);
	json_w_key(w, "not here"); /* a key inside an array */
	cr_expect(json_w_failed(w));
	json_w_int(w, 1);
	json_w_array_close(w);
	cr_expect(json_w_failed(w));
	cr_expect_null(json_w_finish(w, NULL));
	json_w_free(w);
}

Test(json, writer_incomplete_document_is_refused)
{
	struct json_writer *w = json_w_new(64);

	cr_expect_null(json_w_finish(w, NULL)); /* nothing written */
	json_w_free(w);
	w = json_w_new(64);
	json_w_object_open(w);
	json_w_key(w, "a");
	json_w_int(w, 1);
	cr_expect_not(json_w_failed(w));
	cr_expect_null(json_w_finish(w, NULL)); /* object left open */
	json_w_object_close(w);
	expect_written(w, "{\"a\":1}"); /* and fine once closed */
}

Test(json, writer_refuses_a_key_without_a_value)
{
	struct json_writer *w = json_w_new(64);

	json_w_object_open(w);
	json_w_key(w, "a");
	json_w_object_close(w);
	expect_writer_failed(w);
}

Test(json, writer_refuses_a_value_without_a_key)
{
	struct json_writer *w = json_w_new(64);

	json_w_object_open(w);
	json_w_int(w, 1);
	expect_writer_failed(w);
}

Test(json, writer_refuses_mismatched_closes)
{
	struct json_writer *w = json_w_new(64);

	json_w_array_open(w);
	json_w_object_close(w);
	expect_writer_failed(w);
	w = json_w_new(64);
	json_w_object_open(w);
	json_w_array_close(w);
	expect_writer_failed(w);
	w = json_w_new(64);
	json_w_array_close(w); /* nothing open */
	expect_writer_failed(w);
}

Test(json, writer_refuses_a_second_top_level_value)
{
	struct json_writer *w = json_w_new(64);

	json_w_int(w, 1);
	json_w_int(w, 2);
	expect_writer_failed(w);
}

Test(json, writer_limits_nesting)
{
	struct json_writer *w = json_w_new(1024);
	int i;

	for (i = 0; i < 64; i++)
		json_w_array_open(w);
	for (i = 0; i < 64; i++)
		json_w_array_close(w);
	cr_expect_not_null(json_w_finish(w, NULL));
	json_w_free(w);
	w = json_w_new(1024);
	for (i = 0; i < 65; i++)
		json_w_array_open(w);
	for (i = 0; i < 65; i++)
		json_w_array_close(w);
	expect_writer_failed(w);
}

Test(json, writer_raw_inserts_one_value_with_separators)
{
	struct json_writer *w = json_w_new(256);

	json_w_object_open(w);
	json_w_key(w, "list");
	json_w_array_open(w);
	json_w_int(w, 1);
	json_w_raw(w, "{\"x\":[2]}", 9);
	json_w_int(w, 3);
	json_w_array_close(w);
	json_w_key(w, "raw");
	json_w_raw(w, "\"s\"", 3);
	json_w_key(w, "after");
	json_w_null(w);
	json_w_object_close(w);
	expect_written(w, "{\"list\":[1,{\"x\":[2]},3],\"raw\":\"s\",\"after\":null}");
}

Test(json, writer_raw_refuses_text_that_is_not_one_value)
{
	static const char *const bad[] = { "", "{", "1 2", "[1,]", "{\"a\":1}x", "'a'" };
	size_t i;

	for (i = 0; i < ARRAY_LEN(bad); i++) {
		struct json_writer *w = json_w_new(64);

		json_w_array_open(w);
		json_w_raw(w, bad[i], strlen(bad[i]));
		json_w_array_close(w);
		cr_expect(json_w_failed(w), "raw \"%s\" accepted", bad[i]);
		json_w_free(w);
	}
}

Test(json, writer_raw_in_key_position_fails)
{
	struct json_writer *w = json_w_new(64);

	json_w_object_open(w);
	json_w_raw(w, "\"k\"", 3);
	expect_writer_failed(w);
}

Test(json, writer_functions_accept_a_null_writer)
{
	json_w_object_open(NULL);
	json_w_key(NULL, "a");
	json_w_string(NULL, "b");
	json_w_string_lossy(NULL, "c", 1);
	json_w_int(NULL, 1);
	json_w_bool(NULL, true);
	json_w_null(NULL);
	json_w_raw(NULL, "1", 1);
	json_w_object_close(NULL);
	cr_expect(json_w_failed(NULL));
	cr_expect_null(json_w_finish(NULL, NULL));
	json_w_free(NULL);
}

Test(json, writer_output_round_trips_through_the_parser)
{
	struct json_writer *w = json_w_new(4096);
	struct json_doc *doc;
	const struct json_value *r, *a, *o;
	const char *out;
	size_t len = 0;

	json_w_object_open(w);
	json_w_key(w, "trace_identifier");
	json_w_string(w, "t-1 \"quoted\" \xc3\xa9");
	json_w_key(w, "n");
	json_w_int(w, INT64_MIN);
	json_w_key(w, "ok");
	json_w_bool(w, false);
	json_w_key(w, "none");
	json_w_null(w);
	json_w_key(w, "net");
	json_w_string_lossy(w, "bad\xff\n\x1b", 6);
	json_w_key(w, "list");
	json_w_array_open(w);
	json_w_string(w, "a.example");
	json_w_object_open(w);
	json_w_key(w, "deep");
	json_w_array_open(w);
	json_w_array_close(w);
	json_w_object_close(w);
	json_w_array_close(w);
	json_w_key(w, "raw");
	json_w_raw(w, "[1.5,{\"k\":true}]", 16);
	json_w_object_close(w);
	out = json_w_finish(w, &len);
	cr_assert_not_null(out);

	doc = must_parse_len(out, len, NULL);
	r = json_root(doc);
	cr_assert_eq(r->u.obj.n, 7);
	cr_expect_str_eq(json_get(r, "trace_identifier")->u.str.s, "t-1 \"quoted\" \xc3\xa9");
	cr_expect_eq(json_get(r, "n")->u.i, INT64_MIN);
	cr_expect_eq(json_get(r, "ok")->type, JSON_BOOL);
	cr_expect_not(json_get(r, "ok")->u.b);
	cr_expect_eq(json_get(r, "none")->type, JSON_NULL);
	cr_expect_str_eq(json_get(r, "net")->u.str.s, "bad" FFFD "\n\x1b");
	a = json_get(r, "list");
	cr_assert_eq(a->u.arr.n, 2);
	cr_expect_str_eq(a->u.arr.items[0]->u.str.s, "a.example");
	o = a->u.arr.items[1];
	cr_expect_eq(json_get(o, "deep")->type, JSON_ARRAY);
	a = json_get(r, "raw");
	cr_assert_eq(a->u.arr.n, 2);
	cr_expect_float_eq(a->u.arr.items[0]->u.d, 1.5, 1e-12);
	cr_expect(json_get(a->u.arr.items[1], "k")->u.b);
	json_doc_free(doc);
	json_w_free(w);
}
