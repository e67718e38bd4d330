/*
 * test_log.c: unit tests for shared/log.c.
 *
 * Output is captured with open_memstream() and checked byte for byte where
 * the format is fixed, and through yajl's streaming parser where it is
 * JSON: the security catalogue asks that hostile text (CR/LF, terminal
 * escapes, format directives, invalid UTF-8, huge messages) leave every
 * line a valid JSON record with the right fields. Decoding the "msg" back
 * and comparing it with what was logged also proves the escaping loses
 * nothing but invalid UTF-8.
 *
 * Criterion runs each test in its own process, so the log's global state
 * starts fresh every time.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <yajl/yajl_parse.h>

#include "log.h"

#define LINE_MAX_BYTES 8192 /* LOG_LINE_MAX in log.c */

static char *cap_buf;
static size_t cap_len;
static FILE *cap;

static void
capture_start(void)
{
	cap = open_memstream(&cap_buf, &cap_len);
	cr_assert_not_null(cap);
	log_set_output(cap);
}

static void
capture_stop(void)
{
	log_set_output(NULL);
	if (cap != NULL)
		fclose(cap);
	free(cap_buf);
	cap = NULL;
	cap_buf = NULL;
	cap_len = 0;
}

TestSuite(log, .init = capture_start, .fini = capture_stop);
TestSuite(log_escape);
TestSuite(log_names);

/* The captured output so far (log.c flushes after every line). */
static const char *
captured(size_t *len)
{
	if (len != NULL)
		*len = cap_len;
	return cap_buf != NULL ? cap_buf : "";
}

static size_t
count_lines(const char *s, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		if (s[i] == '\n')
			n++;
	return n;
}

/* A string field of a parsed record; decoded, may hold NULs. */
struct field {
	char *s;
	size_t n;
	bool seen;
};

/* One JSON log record as yajl saw it. */
struct rec {
	struct field ts, level, ident, perspective, msg;
	bool truncated;
	int depth;
	int keys;
	bool bad;           /* nesting, unknown key, duplicate, wrong type */
	struct field *cur;  /* where the next string goes */
	bool cur_trunc;     /* the next value is "truncated" */
};

static int
rec_start_map(void *ctx)
{
	struct rec *r = ctx;

	if (++r->depth > 1)
		r->bad = true;
	return 1;
}

static int
rec_end_map(void *ctx)
{
	((struct rec *)ctx)->depth--;
	return 1;
}

static int
rec_key(void *ctx, const unsigned char *k, size_t n)
{
	struct rec *r = ctx;
	static const char *names[] = { "ts", "level", "ident", "perspective",
		"msg" };
	struct field *fields[] = { &r->ts, &r->level, &r->ident,
		&r->perspective, &r->msg };

	r->keys++;
	r->cur = NULL;
	r->cur_trunc = false;
	for (size_t i = 0; i < 5; i++)
		if (strlen(names[i]) == n && memcmp(names[i], k, n) == 0)
			r->cur = fields[i];
	if (n == 9 && memcmp(k, "truncated", 9) == 0)
		r->cur_trunc = true;
	else if (r->cur == NULL || r->cur->seen)
		r->bad = true;
	return 1;
}

static int
rec_string(void *ctx, const unsigned char *s, size_t n)
{
	struct rec *r = ctx;

	if (r->cur == NULL) {
		r->bad = true;
		return 1;
	}
	r->cur->s = malloc(n + 1);
	cr_assert_not_null(r->cur->s);
	memcpy(r->cur->s, s, n);
	r->cur->s[n] = '\0';
	r->cur->n = n;
	r->cur->seen = true;
	r->cur = NULL;
	return 1;
}

static int
rec_boolean(void *ctx, int b)
{
	struct rec *r = ctx;

	if (!r->cur_trunc || !b)
		r->bad = true;
	r->truncated = true;
	r->cur_trunc = false;
	return 1;
}

/* Anything else (numbers, null, arrays) is not in our records. */
static int
rec_other(void *ctx)
{
	((struct rec *)ctx)->bad = true;
	return 1;
}

static int
rec_number(void *ctx, const char *s, size_t n)
{
	(void)s;
	(void)n;
	return rec_other(ctx);
}

static const yajl_callbacks rec_callbacks = {
	.yajl_null = rec_other,
	.yajl_boolean = rec_boolean,
	.yajl_number = rec_number,
	.yajl_string = rec_string,
	.yajl_start_map = rec_start_map,
	.yajl_map_key = rec_key,
	.yajl_end_map = rec_end_map,
	.yajl_start_array = rec_other,
	.yajl_end_array = rec_other,
};

static void
rec_free(struct rec *r)
{
	free(r->ts.s);
	free(r->level.s);
	free(r->ident.s);
	free(r->perspective.s);
	free(r->msg.s);
	memset(r, 0, sizeof(*r));
}

/*
 * Parse one line (without its newline) as a JSON record. yajl validates
 * UTF-8 in strings and rejects raw control characters, so a pass here
 * means the line is clean JSON.
 */
static bool
parse_record(const char *line, size_t len, struct rec *r)
{
	yajl_handle h;
	bool ok;

	memset(r, 0, sizeof(*r));
	h = yajl_alloc(&rec_callbacks, NULL, r);
	cr_assert_not_null(h);
	ok = yajl_parse(h, (const unsigned char *)line, len) ==
	    yajl_status_ok && yajl_complete_parse(h) == yajl_status_ok;
	yajl_free(h);
	return ok && !r->bad && r->depth == 0;
}

/* "YYYY-MM-DDTHH:MM:SS" plus ".mmm" if @p millis, then "Z". */
static bool
ts_shape_ok(const char *ts, size_t len, bool millis)
{
	const char *shape = millis ? "dddd-dd-ddTdd:dd:dd.dddZ" :
	    "dddd-dd-ddTdd:dd:ddZ";

	if (len != strlen(shape))
		return false;
	for (size_t i = 0; i < len; i++) {
		if (shape[i] == 'd' ? (ts[i] < '0' || ts[i] > '9') :
		    ts[i] != shape[i])
			return false;
	}
	return true;
}

/* The current UTC time to the second, in the log's text form. */
static void
now_text(char buf[32])
{
	struct timespec ts;
	time_t t;
	struct tm tm;

	/*
	 * The same clock as the log's timestamps: time() reads a coarse clock
	 * that can lag a few milliseconds behind, across a second boundary.
	 */
	cr_assert_eq(clock_gettime(CLOCK_REALTIME, &ts), 0);
	t = ts.tv_sec;
	cr_assert_not_null(gmtime_r(&t, &tm));
	cr_assert_neq(strftime(buf, 32, "%Y-%m-%dT%H:%M:%S", &tm), 0);
}

/* The timestamp is well-formed and taken between @p lo and @p hi. */
static void
check_ts(const char *ts, size_t len, bool millis, const char *lo,
    const char *hi)
{
	cr_assert(ts_shape_ok(ts, len, millis), "bad timestamp \"%.*s\"",
	    (int)len, ts);
	cr_assert_geq(strncmp(ts, lo, 19), 0, "%.19s < %s", ts, lo);
	cr_assert_leq(strncmp(ts, hi, 19), 0, "%.19s > %s", ts, hi);
}

/*
 * Every captured line is a valid record; calls @p each on each one.
 * @return the number of lines.
 */
static size_t
each_record(void (*each)(struct rec *, void *), void *arg)
{
	size_t len, n = 0;
	const char *s = captured(&len), *end = s + len;

	cr_assert(len == 0 || s[len - 1] == '\n', "output ends mid-line");
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		struct rec r;

		cr_assert_not_null(nl);
		cr_assert_leq((size_t)(nl - s) + 1, (size_t)LINE_MAX_BYTES);
		cr_assert(parse_record(s, (size_t)(nl - s), &r),
		    "not a valid record: %.*s", (int)(nl - s), s);
		cr_assert(r.ts.seen && r.level.seen && r.msg.seen);
		cr_assert(ts_shape_ok(r.ts.s, r.ts.n, true));
		if (each != NULL)
			each(&r, arg);
		rec_free(&r);
		n++;
		s = nl + 1;
	}
	return n;
}

/* The only line captured, parsed. */
static void
only_record(struct rec *r)
{
	size_t len;
	const char *s = captured(&len);

	cr_assert_eq(count_lines(s, len), 1, "want one line, got: %.*s",
	    (int)len, s);
	cr_assert_eq(s[len - 1], '\n');
	cr_assert(parse_record(s, len - 1, r), "not a valid record: %.*s",
	    (int)len, s);
}

Test(log, json_line_has_the_documented_fields_in_order)
{
	char lo[32], hi[32];
	size_t len;
	const char *s;
	static const char want[] = "\",\"level\":\"info\",\"ident\":"
	    "\"perspectived\",\"perspective\":\"us-east-2\",\"msg\":"
	    "\"message\"}\n";

	log_init("perspectived", LOG_FORMAT_JSON, LOG_LVL_INFO, 0);
	log_set_perspective("us-east-2");
	now_text(lo);
	log_info("message");
	now_text(hi);

	s = captured(&len);
	cr_assert_eq(len, 7 + 24 + sizeof(want) - 1, "%.*s", (int)len, s);
	cr_assert_eq(memcmp(s, "{\"ts\":\"", 7), 0);
	check_ts(s + 7, 24, true, lo, hi);
	cr_assert_str_eq(s + 7 + 24, want);
}

Test(log, json_omits_perspective_when_unset_or_cleared)
{
	struct rec r;

	log_init("mpicd", LOG_FORMAT_JSON, LOG_LVL_INFO, 0);
	log_set_perspective("eu-west-1");
	log_set_perspective(NULL);
	log_notice("started %d workers", 4);
	only_record(&r);
	cr_assert_not(r.perspective.seen);
	cr_assert_str_eq(r.ident.s, "mpicd");
	cr_assert_str_eq(r.level.s, "notice");
	cr_assert_str_eq(r.msg.s, "started 4 workers");
	cr_assert_not(r.truncated);
	rec_free(&r);
}

Test(log, json_ignores_sd_prefix)
{
	size_t len;
	const char *s;

	log_init("mpicd", LOG_FORMAT_JSON, LOG_LVL_INFO, 1);
	log_info("x");
	s = captured(&len);
	cr_assert_gt(len, 0);
	cr_assert_eq(s[0], '{');
	cr_assert_eq(each_record(NULL, NULL), 1);
}

Test(log, text_sd_prefix_carries_the_priority)
{
	log_init("perspectived", LOG_FORMAT_TEXT, LOG_LVL_DEBUG, 1);
	log_set_perspective("us-east-2");
	log_msg(LOG_LVL_ERR, "e");
	log_warnx("w");
	log_notice("n");
	log_info("message");
	log_debug("d");
	cr_assert_str_eq(captured(NULL),
	    "<3>perspectived[us-east-2]: e\n"
	    "<4>perspectived[us-east-2]: w\n"
	    "<5>perspectived[us-east-2]: n\n"
	    "<6>perspectived[us-east-2]: message\n"
	    "<7>perspectived[us-east-2]: d\n");
}

Test(log, text_sd_prefix_without_perspective_or_ident)
{
	log_init("perspectived", LOG_FORMAT_TEXT, LOG_LVL_INFO, 1);
	log_info("message");
	log_init("", LOG_FORMAT_TEXT, LOG_LVL_INFO, 1);
	log_info("bare");
	log_set_perspective("ap-south-1");
	log_info("coded");
	cr_assert_str_eq(captured(NULL),
	    "<6>perspectived: message\n"
	    "<6>bare\n"
	    "<6>[ap-south-1]: coded\n");
}

Test(log, text_with_timestamp)
{
	char lo[32], hi[32];
	size_t len;
	const char *s;

	log_init("perspectived", LOG_FORMAT_TEXT, LOG_LVL_INFO, 0);
	log_set_perspective("us-east-2");
	now_text(lo);
	log_warnx("message");
	now_text(hi);
	s = captured(&len);
	check_ts(s, 20, false, lo, hi);
	cr_assert_str_eq(s + 20, " perspectived[us-east-2] warning: message\n");
}

/* Before log_init(): text on the chosen stream, no ident. */
Test(log, defaults_before_init)
{
	char lo[32], hi[32];
	const char *s;

	now_text(lo);
	log_info("message");
	log_debug("hidden");
	now_text(hi);
	s = captured(NULL);
	check_ts(s, 20, false, lo, hi);
	cr_assert_str_eq(s + 20, " info: message\n");
}

Test(log, levels_above_max_are_dropped)
{
	static const struct {
		int max;
		const char *want;
	} cases[] = {
		{ LOG_LVL_ERR, "<3>t: 3\n" },
		{ LOG_LVL_WARNING, "<3>t: 3\n<4>t: 4\n" },
		{ LOG_LVL_NOTICE, "<3>t: 3\n<4>t: 4\n<5>t: 5\n" },
		{ LOG_LVL_INFO, "<3>t: 3\n<4>t: 4\n<5>t: 5\n<6>t: 6\n" },
		{ LOG_LVL_DEBUG,
		    "<3>t: 3\n<4>t: 4\n<5>t: 5\n<6>t: 6\n<7>t: 7\n" },
		/* Out of range settings are clamped; errors always show. */
		{ 0, "<3>t: 3\n" },
		{ 99, "<3>t: 3\n<4>t: 4\n<5>t: 5\n<6>t: 6\n<7>t: 7\n" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		capture_stop();
		capture_start();
		log_init("t", LOG_FORMAT_TEXT, cases[i].max, 1);
		for (int lvl = LOG_LVL_ERR; lvl <= LOG_LVL_DEBUG; lvl++)
			log_msg(lvl, "%d", lvl);
		cr_expect_str_eq(captured(NULL), cases[i].want, "max %d",
		    cases[i].max);
	}
}

Test(log, out_of_range_levels_are_clamped)
{
	log_init("t", LOG_FORMAT_TEXT, LOG_LVL_DEBUG, 1);
	log_msg(0, "emerg");
	log_msg(2, "crit");
	log_msg(42, "chatter");
	log_msg(-1, "negative");
	cr_assert_str_eq(captured(NULL),
	    "<3>t: emerg\n<3>t: crit\n<7>t: chatter\n<3>t: negative\n");
}

Test(log, warn_appends_errno_text_and_keeps_errno)
{
	char want[256];

	log_init("t", LOG_FORMAT_TEXT, LOG_LVL_INFO, 1);
	errno = ENOENT;
	log_warn("open %s", "/etc/mpic.conf");
	cr_assert_eq(errno, ENOENT);
	errno = EACCES;
	log_warnx("no suffix");
	cr_assert_eq(errno, EACCES);
	errno = EINVAL;
	log_info("info keeps errno");
	cr_assert_eq(errno, EINVAL);
	cr_assert_gt(snprintf(want, sizeof(want),
	    "<4>t: open /etc/mpic.conf: %s\n<4>t: no suffix\n"
	    "<6>t: info keeps errno\n", strerror(ENOENT)), 0);
	cr_assert_str_eq(captured(NULL), want);
}

/* A dropped message must not touch errno either. */
Test(log, filtered_call_keeps_errno)
{
	log_init("t", LOG_FORMAT_TEXT, LOG_LVL_INFO, 1);
	errno = ERANGE;
	log_debug("dropped");
	cr_assert_eq(errno, ERANGE);
	cr_assert_eq(cap_len, 0);
}

/* A wrapper that hands its va_list on, as daemons do. */
static void wrap(int level, const char *fmt, ...) LOG_PRINTF(2, 3);

static void
wrap(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

Test(log, vmsg_formats_its_va_list)
{
	log_init("t", LOG_FORMAT_TEXT, LOG_LVL_INFO, 1);
	wrap(LOG_LVL_NOTICE, "%s=%d", "quorum", 4);
	cr_assert_str_eq(captured(NULL), "<5>t: quorum=4\n");
}

/* Log @p payload as an argument in JSON and check it came back whole. */
static void
json_round_trip(const char *payload, const char *decoded)
{
	struct rec r;
	size_t len;
	const char *s;

	log_init("perspectived", LOG_FORMAT_JSON, LOG_LVL_INFO, 0);
	log_set_perspective("us-east-2");
	log_info("got %s", payload);
	s = captured(&len);
	for (size_t i = 0; i + 1 < len; i++)
		cr_assert((unsigned char)s[i] >= 0x20 && s[i] != 0x7f,
		    "raw control 0x%02x at %zu", (unsigned char)s[i], i);
	only_record(&r);
	cr_assert_str_eq(r.level.s, "info");
	cr_assert_str_eq(r.ident.s, "perspectived");
	cr_assert_str_eq(r.perspective.s, "us-east-2");
	cr_assert_eq(r.msg.n, 4 + strlen(decoded));
	cr_assert_eq(memcmp(r.msg.s, "got ", 4), 0);
	cr_assert_str_eq(r.msg.s + 4, decoded);
	cr_assert_not(r.truncated);
	rec_free(&r);
}

Test(log, injection_crlf_stays_in_one_record)
{
	const char *p = "a\r\n{\"ts\":\"x\",\"level\":\"err\","
	    "\"msg\":\"forged\"}\nb\r";

	json_round_trip(p, p);
}

Test(log, injection_ansi_escape_is_escaped)
{
	const char *p = "\x1b[31mred\x1b[0m \x1b]0;title\x07 \x9b";

	/* The lone 0x9b is invalid UTF-8; the rest survives decoding. */
	json_round_trip(p, "\x1b[31mred\x1b[0m \x1b]0;title\x07 \xef\xbf\xbd");
}

Test(log, format_directives_in_arguments_are_text)
{
	json_round_trip("%n%s%x%p%%", "%n%s%x%p%%");
}

Test(log, invalid_utf8_is_replaced)
{
	json_round_trip("\xff\xfe ok \xc3\x28 \xed\xa0\x80 \xf0\x9f\x98",
	    "\xef\xbf\xbd\xef\xbf\xbd ok \xef\xbf\xbd( "
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd \xef\xbf\xbd");
}

Test(log, every_control_character_round_trips)
{
	char p[40], *q = p;

	for (int c = 1; c < 0x20; c++)
		*q++ = (char)c;
	*q++ = 0x7f;
	*q++ = '"';
	*q++ = '\\';
	*q = '\0';
	json_round_trip(p, p);
}

Test(log, unicode_separators_and_c1_controls_are_escaped)
{
	const char *p = "a\xe2\x80\xa8" "b\xe2\x80\xa9" "c\xc2\x85" "d\xc2\x9b";
	size_t len;
	const char *s;

	json_round_trip(p, p);
	s = captured(&len);
	cr_assert_not_null(strstr(s, "a\\u2028b\\u2029c\\u0085d\\u009b"));
}

/* Check the long-message record: bounded, valid, marked, on a boundary. */
static void
check_long(struct rec *r, void *arg)
{
	const char *unit = arg;
	size_t ulen = strlen(unit);

	cr_assert(r->truncated);
	cr_assert_gt(r->msg.n, 1000);
	cr_assert_eq(r->msg.n % ulen, 0, "cut inside a character");
	for (size_t i = 0; i < r->msg.n; i += ulen)
		cr_assert_eq(memcmp(r->msg.s + i, unit, ulen), 0);
}

static void
log_long(const char *unit, size_t count)
{
	size_t ulen = strlen(unit);
	char *big = malloc(ulen * count + 1);

	cr_assert_not_null(big);
	for (size_t i = 0; i < count; i++)
		memcpy(big + i * ulen, unit, ulen);
	big[ulen * count] = '\0';
	log_info("%s", big);
	free(big);
}

Test(log, message_of_20k_is_one_truncated_record)
{
	log_init("perspectived", LOG_FORMAT_JSON, LOG_LVL_INFO, 0);
	log_long("a", 20 * 1024);
	cr_assert_eq(each_record(check_long, (void *)"a"), 1);
}

Test(log, long_multibyte_message_is_cut_on_a_character)
{
	log_init("perspectived", LOG_FORMAT_JSON, LOG_LVL_INFO, 0);
	log_long("\xc3\xa9", 10 * 1024);             /* U+00E9 */
	log_long("\xe2\x82\xac", 7 * 1024);          /* U+20AC */
	log_long("\xf0\x9f\x98\x80", 5 * 1024);      /* U+1F600 */
	cr_assert_eq(each_record(NULL, NULL), 3);
}

Test(log, long_message_of_escapes_is_cut_on_an_escape)
{
	log_init("perspectived", LOG_FORMAT_JSON, LOG_LVL_INFO, 0);
	log_long("\x1b", 20 * 1024);
	log_long("\n", 20 * 1024);
	log_long("\xff", 20 * 1024);
	cr_assert_eq(each_record(NULL, NULL), 3);
}

Test(log, long_warn_keeps_the_errno_text)
{
	struct rec r;
	char *big = malloc(20 * 1024 + 1);

	cr_assert_not_null(big);
	memset(big, 'x', 20 * 1024);
	big[20 * 1024] = '\0';
	log_init("t", LOG_FORMAT_JSON, LOG_LVL_INFO, 0);
	errno = ENOENT;
	log_warn("%s", big);
	free(big);
	only_record(&r);
	cr_assert(r.truncated);
	cr_assert_not_null(strstr(r.msg.s, strerror(ENOENT)));
	rec_free(&r);
}

Test(log, text_message_is_escaped_to_one_line)
{
	log_init("t", LOG_FORMAT_TEXT, LOG_LVL_INFO, 1);
	log_info("%s", "a\r\nb\x1b[31m \"q\" \\ \xff");
	cr_assert_str_eq(captured(NULL),
	    "<6>t: a\\r\\nb\\u001b[31m \\\"q\\\" \\\\ \xef\xbf\xbd\n");
}

Test(log, text_long_message_is_one_marked_line)
{
	size_t len;
	const char *s;
	static const char mark[] = " (truncated)\n";

	log_init("t", LOG_FORMAT_TEXT, LOG_LVL_INFO, 1);
	log_long("\n", 20 * 1024);
	s = captured(&len);
	cr_assert_eq(count_lines(s, len), 1);
	cr_assert_leq(len, LINE_MAX_BYTES);
	cr_assert_gt(len, LINE_MAX_BYTES - 64);
	cr_assert_eq(memcmp(s + len - (sizeof(mark) - 1), mark,
	    sizeof(mark) - 1), 0);
	/* Only whole "\n" escapes before the mark. */
	for (size_t i = 6; i < len - (sizeof(mark) - 1); i += 2)
		cr_assert(s[i] == '\\' && s[i + 1] == 'n', "at %zu", i);
}

Test(log, ident_and_perspective_are_escaped)
{
	struct rec r;

	log_init("per\nspectived", LOG_FORMAT_JSON, LOG_LVL_INFO, 0);
	log_set_perspective("us\"east\x1b");
	log_info("m");
	only_record(&r);
	cr_assert_str_eq(r.ident.s, "per\nspectived");
	cr_assert_str_eq(r.perspective.s, "us\"east\x1b");
	rec_free(&r);

	capture_stop();
	capture_start();
	log_init("per\nspectived", LOG_FORMAT_TEXT, LOG_LVL_INFO, 1);
	log_info("m");
	cr_assert_str_eq(captured(NULL),
	    "<6>per\\nspectived[us\\\"east\\u001b]: m\n");
}

Test(log, long_ident_is_bounded_on_a_character)
{
	char ident[200];
	struct rec r;

	/* 62 ASCII bytes and a 2-byte U+00E9 pass the 63-byte limit:
	 * the whole character goes, not half of it. */
	memset(ident, 'i', 62);
	memcpy(ident + 62, "\xc3\xa9tail", 7);
	log_init(ident, LOG_FORMAT_JSON, LOG_LVL_INFO, 0);
	log_info("m");
	only_record(&r);
	cr_assert_eq(r.ident.n, 62);
	cr_assert_eq(memcmp(r.ident.s, ident, 62), 0);
	rec_free(&r);
}

Test(log, empty_message)
{
	log_init("t", LOG_FORMAT_TEXT, LOG_LVL_INFO, 1);
	log_info("%s", "");
	cr_assert_str_eq(captured(NULL), "<6>t: \n");
}

#define THREADS 8
#define PER_THREAD 400

static void *
writer(void *arg)
{
	char msg[1500];
	int id = (int)(intptr_t)arg;

	/* Long lines from each thread, all one letter, so a line made of
	 * two writers' text shows up as mixed letters. */
	memset(msg, 'a' + id, sizeof(msg) - 1);
	msg[sizeof(msg) - 1] = '\0';
	for (int i = 0; i < PER_THREAD; i++)
		log_info("%d %s", id, msg);
	return NULL;
}

static void
check_thread_line(struct rec *r, void *arg)
{
	int *counts = arg;
	int id;
	char *end;

	errno = 0;
	id = (int)strtol(r->msg.s, &end, 10);
	cr_assert(errno == 0 && *end == ' ' && id >= 0 && id < THREADS);
	cr_assert_eq(r->msg.n, (size_t)(end - r->msg.s) + 1 + 1499);
	for (size_t i = (size_t)(end - r->msg.s) + 1; i < r->msg.n; i++)
		cr_assert_eq(r->msg.s[i], 'a' + id);
	counts[id]++;
}

Test(log, concurrent_lines_never_interleave)
{
	pthread_t th[THREADS];
	int counts[THREADS] = { 0 };

	log_init("t", LOG_FORMAT_JSON, LOG_LVL_INFO, 0);
	for (int i = 0; i < THREADS; i++)
		cr_assert_eq(pthread_create(&th[i], NULL, writer,
		    (void *)(intptr_t)i), 0);
	for (int i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	cr_assert_eq(each_record(check_thread_line, counts),
	    THREADS * PER_THREAD);
	for (int i = 0; i < THREADS; i++)
		cr_assert_eq(counts[i], PER_THREAD);
}

/*
 * fatal() and fatalx() end the process, so Criterion checks the exit code
 * (.exit_code = 1) and an atexit() handler checks what was logged: on a
 * mismatch it leaves with status 2, which fails the test. Forking our own
 * child instead would confuse LeakSanitizer in the threaded test process.
 */
static FILE *fatal_out;
static char fatal_want[512];

static void
check_fatal_output(void)
{
	char got[512];
	size_t n;

	rewind(fatal_out);
	n = fread(got, 1, sizeof(got) - 1, fatal_out);
	got[n] = '\0';
	if (strcmp(got, fatal_want) != 0) {
		fprintf(stderr, "fatal logged \"%s\", want \"%s\"\n", got,
		    fatal_want);
		_exit(2);
	}
	fclose(fatal_out);
}

static void
expect_fatal_output(const char *want)
{
	fatal_out = tmpfile();
	cr_assert_not_null(fatal_out);
	cr_assert_lt(strlen(want), sizeof(fatal_want));
	memcpy(fatal_want, want, strlen(want) + 1);
	log_set_output(fatal_out);
	cr_assert_eq(atexit(check_fatal_output), 0);
}

Test(log_fatal, fatalx_logs_and_exits_1, .exit_code = 1)
{
	log_init("t", LOG_FORMAT_TEXT, LOG_LVL_ERR, 1);
	expect_fatal_output("<3>t: cannot start: no perspectives\n");
	fatalx("cannot start: %s", "no perspectives");
}

Test(log_fatal, fatal_logs_errno_and_exits_1, .exit_code = 1)
{
	char want[512];

	cr_assert_gt(snprintf(want, sizeof(want), "<3>t: bind [::]:443: %s\n",
	    strerror(EADDRINUSE)), 0);
	log_init("t", LOG_FORMAT_TEXT, LOG_LVL_ERR, 1);
	expect_fatal_output(want);
	errno = EADDRINUSE;
	fatal("bind %s", "[::]:443");
}

/* log_escape() with room to spare. */
struct esc_case {
	const char *in;
	size_t len;
	const char *out;
};

#define ESC(i, o) { i, sizeof(i) - 1, o }
#define FFFD "\xef\xbf\xbd"

static const struct esc_case esc_cases[] = {
	ESC("", ""),
	ESC("plain text", "plain text"),
	ESC("\"", "\\\""),
	ESC("\\", "\\\\"),
	ESC("/", "/"),
	ESC("'", "'"),
	ESC("%n", "%n"),
	ESC("\b\f\n\r\t", "\\b\\f\\n\\r\\t"),
	ESC("\0", "\\u0000"),
	ESC("a\0b", "a\\u0000b"),
	ESC("\x01\x02\x03\x04\x05\x06\x07", "\\u0001\\u0002\\u0003\\u0004"
	    "\\u0005\\u0006\\u0007"),
	ESC("\x0b\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a",
	    "\\u000b\\u000e\\u000f\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015"
	    "\\u0016\\u0017\\u0018\\u0019\\u001a"),
	ESC("\x1b\x1c\x1d\x1e\x1f", "\\u001b\\u001c\\u001d\\u001e\\u001f"),
	ESC("\x7f", "\\u007f"),
	ESC(" ~", " ~"),
	ESC("\x1b[31mred", "\\u001b[31mred"),
	/* Valid UTF-8 passes, except C1 controls and U+2028/U+2029. */
	ESC("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", "\xc3\xa9\xe2\x82\xac"
	    "\xf0\x9f\x98\x80"),
	ESC("\xc2\x80\xc2\x9f\xc2\xa0", "\\u0080\\u009f\xc2\xa0"),
	ESC("\xe2\x80\xa8\xe2\x80\xa9", "\\u2028\\u2029"),
	ESC("\xef\xbf\xbd", FFFD),
	ESC("\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf"),
	/* Invalid UTF-8: one U+FFFD per maximal subpart. */
	ESC("\xff", FFFD),
	ESC("\x80", FFFD),
	ESC("\xbf\x80", FFFD FFFD),
	ESC("\xc3", FFFD),
	ESC("\xc3" "a", FFFD "a"),
	ESC("\xc0\xaf", FFFD FFFD),
	ESC("\xc1\xbf", FFFD FFFD),
	ESC("\xe2\x82", FFFD),
	ESC("\xe2\x82" "A", FFFD "A"),
	ESC("\xe0\x80\xaf", FFFD FFFD FFFD),
	ESC("\xed\xa0\x80", FFFD FFFD FFFD),
	ESC("\xf0\x9f\x98", FFFD),
	ESC("\xf0\x80\x80\x80", FFFD FFFD FFFD FFFD),
	ESC("\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD),
	ESC("\xf5\x80", FFFD FFFD),
	ESC("\xf8\x88\x80\x80\x80", FFFD FFFD FFFD FFFD FFFD),
	ESC("a\xffz", "a" FFFD "z"),
};

Test(log_escape, table)
{
	size_t n = sizeof(esc_cases) / sizeof(esc_cases[0]);

	for (size_t i = 0; i < n; i++) {
		char out[256];
		size_t r;

		memset(out, 'X', sizeof(out));
		r = log_escape(esc_cases[i].in, esc_cases[i].len, out,
		    sizeof(out));
		cr_expect_str_eq(out, esc_cases[i].out, "[%zu]", i);
		cr_expect_eq(r, strlen(esc_cases[i].out), "[%zu]", i);
	}
	cr_log_info("%zu escape cases", n);
}

/* log_escape() when @p out is small: whole characters and escapes only. */
struct cut_case {
	const char *in;
	size_t len;
	size_t outlen;
	const char *out;
};

#define CUT(i, n, o) { i, sizeof(i) - 1, n, o }

static const struct cut_case cut_cases[] = {
	CUT("abc", 1, ""),
	CUT("abc", 3, "ab"),
	CUT("abc", 4, "abc"),
	CUT("\xc3\xa9", 2, ""),
	CUT("\xc3\xa9", 3, "\xc3\xa9"),
	CUT("a\xc3\xa9", 3, "a"),
	CUT("\xe2\x82\xac", 3, ""),
	CUT("\xe2\x82\xac", 4, "\xe2\x82\xac"),
	CUT("\xf0\x9f\x98\x80", 4, ""),
	CUT("\xf0\x9f\x98\x80", 5, "\xf0\x9f\x98\x80"),
	CUT("a\n", 3, "a"),
	CUT("a\n", 4, "a\\n"),
	CUT("\x1b", 6, ""),
	CUT("\x1b", 7, "\\u001b"),
	CUT("x\x1b", 7, "x"),
	CUT("\"", 2, ""),
	CUT("\xff", 3, ""),
	CUT("\xff", 4, FFFD),
	CUT("\xe2\x80\xa8", 6, ""),
};

Test(log_escape, truncates_on_a_boundary)
{
	size_t n = sizeof(cut_cases) / sizeof(cut_cases[0]);

	for (size_t i = 0; i < n; i++) {
		char out[32];
		size_t r;

		memset(out, 'X', sizeof(out));
		r = log_escape(cut_cases[i].in, cut_cases[i].len, out,
		    cut_cases[i].outlen);
		cr_expect_str_eq(out, cut_cases[i].out, "[%zu]", i);
		cr_expect_eq(r, strlen(cut_cases[i].out), "[%zu]", i);
		/* Nothing written past outlen. */
		cr_expect_eq(out[cut_cases[i].outlen], 'X', "[%zu]", i);
	}
}

Test(log_escape, zero_outlen_writes_nothing)
{
	char out[4] = "XYZ";

	cr_assert_eq(log_escape("abc", 3, out, 0), 0);
	cr_assert_str_eq(out, "XYZ");
	cr_assert_eq(log_escape(NULL, 5, out, sizeof(out)), 0);
	cr_assert_str_eq(out, "");
}

/* Whatever the input, the output is valid UTF-8 without controls. */
Test(log_escape, every_byte_value_gives_clean_output)
{
	char in[1], out[16];

	for (int b = 0; b < 256; b++) {
		size_t r;

		in[0] = (char)b;
		r = log_escape(in, 1, out, sizeof(out));
		cr_assert_gt(r, 0);
		for (size_t i = 0; i < r; i++)
			cr_assert((unsigned char)out[i] >= 0x20 &&
			    out[i] != 0x7f, "byte 0x%02x", b);
	}
}

Test(log_names, format_from_string)
{
	cr_assert_eq(log_format_from_string("text"), LOG_FORMAT_TEXT);
	cr_assert_eq(log_format_from_string("json"), LOG_FORMAT_JSON);
	cr_assert_eq(log_format_from_string("JSON"), -1);
	cr_assert_eq(log_format_from_string("jsonl"), -1);
	cr_assert_eq(log_format_from_string(""), -1);
	cr_assert_eq(log_format_from_string(NULL), -1);
}

Test(log_names, level_from_string)
{
	cr_assert_eq(log_level_from_string("err"), LOG_LVL_ERR);
	cr_assert_eq(log_level_from_string("warning"), LOG_LVL_WARNING);
	cr_assert_eq(log_level_from_string("notice"), LOG_LVL_NOTICE);
	cr_assert_eq(log_level_from_string("info"), LOG_LVL_INFO);
	cr_assert_eq(log_level_from_string("debug"), LOG_LVL_DEBUG);
	cr_assert_eq(log_level_from_string("error"), -1);
	cr_assert_eq(log_level_from_string("warn"), -1);
	cr_assert_eq(log_level_from_string("INFO"), -1);
	cr_assert_eq(log_level_from_string("info "), -1);
	cr_assert_eq(log_level_from_string("6"), -1);
	cr_assert_eq(log_level_from_string(""), -1);
	cr_assert_eq(log_level_from_string(NULL), -1);
}
