/*
 * test_config.c: unit tests for shared/config.c, the INI reader and the
 * table of options.
 *
 * Every error path is checked with its exact "FILE:LINE: message" text,
 * because that text is what an operator sees from `perspectived -t`. Tests
 * that need files work in a fresh folder from mkdtemp(3), removed afterwards.
 * Run under ASan: several tests exist mainly so that it can see a leak.
 */
#include <criterion/criterion.h>

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

/* ------------------------------------------------------------------------ */
/* Fixtures.                                                                */
/* ------------------------------------------------------------------------ */

/* Criterion runs each test in its own process, so globals are per test. */
static char tmp_dir[PATH_MAX];
static struct ini ini;
static char err[2048];

static int
remove_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

static void
setup(void)
{
	int n = snprintf(tmp_dir, sizeof(tmp_dir), "%s/test_config.XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");

	cr_assert(n > 0 && (size_t)n < sizeof(tmp_dir));
	cr_assert_not_null(mkdtemp(tmp_dir), "mkdtemp: %s", strerror(errno));
	memset(&ini, 0, sizeof(ini));
	err[0] = '\0';
}

static void
teardown(void)
{
	ini_free(&ini);
	if (tmp_dir[0] != '\0')
		(void)nftw(tmp_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

TestSuite(config, .init = setup, .fini = teardown);

/* A path inside the test folder; four rotating buffers for one call. */
static const char *
at(const char *rel)
{
	static char buf[4][PATH_MAX];
	static unsigned next;
	char *p = buf[next++ % 4];
	int n = snprintf(p, PATH_MAX, "%s/%s", tmp_dir, rel);

	cr_assert(n > 0 && n < PATH_MAX);
	return p;
}

/* Create rel (and its folders) in the test folder with these bytes. */
static void
put_bytes(const char *rel, const char *data, size_t len)
{
	char path[PATH_MAX], *slash;
	FILE *f;
	int n = snprintf(path, sizeof(path), "%s/%s", tmp_dir, rel);

	cr_assert(n > 0 && (size_t)n < sizeof(path));
	for (slash = strchr(path + strlen(tmp_dir) + 1, '/'); slash != NULL;
	    slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (mkdir(path, 0700) == -1)
			cr_assert_eq(errno, EEXIST, "mkdir %s", path);
		*slash = '/';
	}
	f = fopen(path, "wb");
	cr_assert_not_null(f, "fopen %s: %s", path, strerror(errno));
	cr_assert_eq(fwrite(data, 1, len, f), len);
	cr_assert_eq(fclose(f), 0);
}

static void
put(const char *rel, const char *text)
{
	put_bytes(rel, text, strlen(text));
}

/* Expected message with the test folder in it. */
__attribute__((format(printf, 1, 2)))
static const char *
expect(const char *fmt, ...)
{
	static char buf[2048];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	cr_assert(n > 0 && (size_t)n < sizeof(buf));
	return buf;
}

/* Replaces whatever an earlier step of the same test loaded. */
static int
load(const char *text)
{
	ini_free(&ini);
	return ini_load_string(&ini, "test.conf", text, err, sizeof(err));
}

static void
load_ok(const char *text)
{
	cr_assert_eq(load(text), 0, "unexpected error: %s", err);
}

static void
load_fails(const char *text, const char *message)
{
	cr_assert_eq(load(text), -1, "loaded, but should fail with: %s",
	    message);
	cr_assert_str_eq(err, message);
	cr_assert_eq(ini.n_entries, 0, "a failed load must leave no entries");
}

static int
load_file(const char *rel)
{
	ini_free(&ini);
	return ini_load_file(&ini, at(rel), err, sizeof(err));
}

/* The value of the idx-th entry. */
static const char *
val(size_t idx)
{
	cr_assert_lt(idx, ini.n_entries);
	return ini.entries[idx].value;
}

/* ------------------------------------------------------------------------ */
/* A table like perspectived's, with every type.                            */
/* ------------------------------------------------------------------------ */

struct conf {
	char *code;
	int rir;
	struct cfg_list listen;
	char *tls_cert;
	char *status_listen;
	char *note;
	long long max_redirects;
	long long any_int;
	bool verbose;
	bool strict;
	struct cfg_list allow;
	char *net;
	char *url;
};

static const char *const rirs[] = {
	"ARIN", "RIPE NCC", "APNIC", "LACNIC", "AFRINIC", NULL
};

/* A perspective code: [a-z0-9.-]{1,63}, as INTERFACES.md section 3 says. */
static int
check_code(const char *v, char *why, size_t whylen)
{
	size_t i;

	for (i = 0; v[i] != '\0'; i++) {
		if (!((v[i] >= 'a' && v[i] <= 'z') ||
		    (v[i] >= '0' && v[i] <= '9') || v[i] == '.' ||
		    v[i] == '-')) {
			snprintf(why, whylen, "use lower-case letters, digits, "
			    "\".\" and \"-\"");
			return -1;
		}
	}
	return 0;
}

static const struct cfg_option perspective_opts[] = {
	{ .key = "code", .type = CFG_STRING, .flags = CFG_REQUIRED,
	  .offset = offsetof(struct conf, code), .min = 1, .max = 63,
	  .check = check_code, .help = "this perspective's code" },
	{ .key = "rir", .type = CFG_ENUM, .flags = CFG_REQUIRED,
	  .offset = offsetof(struct conf, rir), .choices = rirs,
	  .help = "regional Internet registry" },
	{ .key = "listen", .type = CFG_HOSTPORT, .flags = CFG_LIST,
	  .offset = offsetof(struct conf, listen), .def = "0.0.0.0:8443",
	  .help = "HTTPS API address" },
	{ .key = "tls_cert", .type = CFG_PATH,
	  .offset = offsetof(struct conf, tls_cert), .help = "certificate" },
	{ .key = "status_listen", .type = CFG_HOSTPORT,
	  .offset = offsetof(struct conf, status_listen),
	  .help = "plain-HTTP status address" },
	{ .key = "note", .type = CFG_STRING,
	  .offset = offsetof(struct conf, note), .def = "none",
	  .help = "free text" },
	{ .key = NULL },
};

static const struct cfg_option http_opts[] = {
	{ .key = "max_redirects", .type = CFG_INT,
	  .offset = offsetof(struct conf, max_redirects), .min = 0,
	  .max = 100, .def = "20", .help = "redirects per HTTP check" },
	{ .key = "any_int", .type = CFG_INT,
	  .offset = offsetof(struct conf, any_int), .help = "unbounded" },
	{ .key = "verbose", .type = CFG_BOOL,
	  .offset = offsetof(struct conf, verbose), .def = "no",
	  .help = "say more" },
	{ .key = "strict", .type = CFG_BOOL,
	  .offset = offsetof(struct conf, strict), .def = "on",
	  .help = "be strict" },
	{ .key = NULL },
};

static const struct cfg_option targets_opts[] = {
	{ .key = "allow_address", .type = CFG_CIDR, .flags = CFG_LIST,
	  .offset = offsetof(struct conf, allow), .help = "lab ranges" },
	{ .key = "network", .type = CFG_CIDR,
	  .offset = offsetof(struct conf, net), .help = "one range" },
	{ .key = NULL },
};

static const struct cfg_option peer_opts[] = {
	{ .key = "url", .type = CFG_STRING, .flags = CFG_REQUIRED,
	  .offset = offsetof(struct conf, url), .help = "where it listens" },
	{ .key = NULL },
};

static const struct cfg_section sections[] = {
	{ .name = "perspective", .options = perspective_opts },
	{ .name = "http", .options = http_opts },
	{ .name = "targets", .options = targets_opts },
	{ .name = "peer", .has_arg = true, .options = peer_opts },
	{ .name = "free", .options = NULL },
	{ .name = NULL },
};

static struct conf conf;

static int
apply(const char *name, const char *arg, const struct cfg_option *opts)
{
	return cfg_apply(&ini, name, arg, opts, &conf, err, sizeof(err));
}

static void
apply_ok(const char *name, const char *arg, const struct cfg_option *opts)
{
	cr_assert_eq(apply(name, arg, opts), 0, "unexpected error: %s", err);
}

/* Load text and apply one section, expecting this error. */
static void
apply_fails(const char *text, const char *name,
    const struct cfg_option *opts, const char *message)
{
	load_ok(text);
	cr_assert_eq(apply(name, NULL, opts), -1, "should fail with: %s",
	    message);
	cr_assert_str_eq(err, message);
	cfg_release(opts, &conf);
}

static const char minimal_perspective[] =
    "[perspective]\ncode = us-east-2\nrir = ARIN\n";

/* ------------------------------------------------------------------------ */
/* INI layer: sections, keys, values.                                       */
/* ------------------------------------------------------------------------ */

Test(config, entries_keep_section_key_value_file_and_line)
{
	load_ok("# leading comment\n"
	    "[http]\n"
	    "max_redirects = 20\n"
	    "\n"
	    "[perspective]\n"
	    "code=us-east-2\n");
	cr_assert_eq(ini.n_entries, 2);
	cr_assert_str_eq(ini.entries[0].section, "http");
	cr_assert_str_eq(ini.entries[0].section_arg, "");
	cr_assert_str_eq(ini.entries[0].key, "max_redirects");
	cr_assert_str_eq(ini.entries[0].value, "20");
	cr_assert_str_eq(ini.entries[0].loc.file, "test.conf");
	cr_assert_eq(ini.entries[0].loc.line, 3);
	cr_assert_str_eq(ini.entries[1].section, "perspective");
	cr_assert_str_eq(ini.entries[1].value, "us-east-2");
	cr_assert_eq(ini.entries[1].loc.line, 6);
	cr_assert_eq(ini.n_sections, 2);
	cr_assert_str_eq(ini.sections[1].name, "perspective");
	cr_assert_eq(ini.sections[1].loc.line, 5);
	cr_assert_str_eq(ini.main_file, "test.conf");
}

Test(config, section_argument_is_rest_after_whitespace_trimmed)
{
	load_ok("[perspective \t  us-east-2.lab_1   ]\nurl = x\n");
	cr_assert_str_eq(ini.sections[0].name, "perspective");
	cr_assert_str_eq(ini.sections[0].arg, "us-east-2.lab_1");
	cr_assert_str_eq(ini.entries[0].section_arg, "us-east-2.lab_1");
}

Test(config, section_header_may_carry_a_comment)
{
	load_ok("[http] # the HTTP client\n[dns]; resolver\n");
	cr_assert_eq(ini.n_sections, 2);
	cr_assert_str_eq(ini.sections[1].name, "dns");
}

Test(config, section_name_must_be_lower_case_identifier)
{
	load_fails("\n[HTTP]\n", "test.conf:2: invalid section name \"HTTP\": "
	    "use lower-case letters, digits, \"_\" and \"-\" (at most 63)");
}

Test(config, section_argument_with_space_inside_is_error)
{
	load_fails("[perspective us east]\n", "test.conf:1: invalid section "
	    "argument \"us east\": use letters, digits, \".\", \"_\" and \"-\" "
	    "(at most 63)");
}

Test(config, section_argument_of_64_chars_is_error_63_is_fine)
{
	char text[128];

	snprintf(text, sizeof(text), "[peer %.63s]\n",
	    "a123456789b123456789c123456789d123456789e123456789f123456789g12");
	load_ok(text);
	cr_assert_eq(strlen(ini.sections[0].arg), 63);
	ini_free(&ini);
	snprintf(text, sizeof(text), "[peer %.64s]\n",
	    "a123456789b123456789c123456789d123456789e123456789f123456789g123");
	cr_assert_eq(load(text), -1);
	cr_assert(strstr(err, "test.conf:1: invalid section argument") == err,
	    "%s", err);
}

Test(config, section_header_without_closing_bracket_is_error)
{
	load_fails("[http]\n[perspective\n",
	    "test.conf:2: section header has no closing \"]\"");
}

Test(config, text_after_section_header_is_error)
{
	load_fails("[http] extra\n", "test.conf:1: unexpected text after the "
	    "section header's \"]\"");
}

Test(config, empty_section_name_is_error)
{
	load_fails("[  ]\n", "test.conf:1: empty section name");
}

Test(config, keys_before_any_section_have_empty_section)
{
	load_ok("stray = 1\n[http]\n");
	cr_assert_str_eq(ini.entries[0].section, "");
	cr_assert_str_eq(ini.entries[0].section_arg, "");
}

Test(config, full_line_comments_and_blank_lines_are_ignored)
{
	load_ok("# hash\n; semicolon\n   # indented\n\t; tab\n \t \n"
	    "[a]\nk = v\n");
	cr_assert_eq(ini.n_entries, 1);
	cr_assert_eq(ini.entries[0].loc.line, 7);
}

Test(config, inline_comment_needs_whitespace_before_it)
{
	load_ok("[a]\n"
	    "k = a#b\n"
	    "k = a #b\n"
	    "k = a;b\n"
	    "k = a\t; b\n"
	    "k = https://x/#frag\n"
	    "k =   # only a comment\n");
	cr_assert_str_eq(val(0), "a#b");
	cr_assert_str_eq(val(1), "a");
	cr_assert_str_eq(val(2), "a;b");
	cr_assert_str_eq(val(3), "a");
	cr_assert_str_eq(val(4), "https://x/#frag");
	cr_assert_str_eq(val(5), "");
}

Test(config, value_whitespace_is_trimmed_but_inner_space_kept)
{
	load_ok("[a]\nk   =   RIPE NCC   \nempty =\n");
	cr_assert_str_eq(val(0), "RIPE NCC");
	cr_assert_str_eq(val(1), "");
}

Test(config, quoted_value_keeps_comment_characters_and_spaces)
{
	load_ok("[a]\nk = \"  a # b ; c  \"   # a real comment\n"
	    "k = \"\"\nk = \"x\";c\n");
	cr_assert_str_eq(val(0), "  a # b ; c  ");
	cr_assert_str_eq(val(1), "");
	cr_assert_str_eq(val(2), "x");
}

Test(config, quoted_value_understands_quote_and_backslash_escapes)
{
	load_ok("[a]\nk = \"say \\\"hi\\\" C:\\\\dir\"\n");
	cr_assert_str_eq(val(0), "say \"hi\" C:\\dir");
}

Test(config, quoted_value_with_unknown_escape_is_error)
{
	load_fails("[a]\nk = \"a\\nb\"\n", "test.conf:2: unknown escape "
	    "\"\\n\" in quoted value (only \\\" and \\\\ are escapes)");
}

Test(config, unterminated_quoted_value_is_error)
{
	load_fails("[a]\n\nk = \"abc\n", "test.conf:3: quoted value has no "
	    "closing '\"'");
	load_fails("[a]\nk = \"abc\\\"\n", "test.conf:2: quoted value has no "
	    "closing '\"'");
}

Test(config, text_after_closing_quote_is_error)
{
	load_fails("[a]\nk = \"abc\" def\n", "test.conf:2: unexpected text "
	    "after the closing quote");
}

Test(config, quote_inside_unquoted_value_is_literal)
{
	load_ok("[a]\nk = say \"hi\"\n");
	cr_assert_str_eq(val(0), "say \"hi\"");
}

Test(config, repeated_key_stays_as_repeated_entries)
{
	load_ok("[a]\nlisten = 1.2.3.4:1\nlisten = [::1]:2\nlisten = *:3\n");
	cr_assert_eq(ini.n_entries, 3);
	cr_assert_str_eq(val(2), "*:3");
	cr_assert_eq(ini.entries[2].loc.line, 4);
}

Test(config, line_without_equals_is_error)
{
	load_fails("[a]\nk v\n", "test.conf:2: expected \"key = value\", a "
	    "[section] header or a comment");
}

Test(config, missing_key_before_equals_is_error)
{
	load_fails("[a]\n = v\n", "test.conf:2: missing key before \"=\"");
}

Test(config, key_must_be_lower_case_identifier)
{
	load_fails("[a]\nCode = x\n", "test.conf:2: invalid key \"Code\": use "
	    "lower-case letters, digits, \"_\" and \"-\" (at most 63)");
}

Test(config, crlf_line_endings_are_accepted)
{
	load_ok("[http]\r\nmax_redirects = 20\r\nk = \"q\"\r\n");
	cr_assert_str_eq(ini.sections[0].name, "http");
	cr_assert_str_eq(val(0), "20");
	cr_assert_str_eq(val(1), "q");
	cr_assert_eq(ini.entries[1].loc.line, 3);
}

Test(config, utf8_bom_at_file_start_is_skipped)
{
	load_ok("\xEF\xBB\xBF[http]\nk = v\n");
	cr_assert_str_eq(ini.sections[0].name, "http");
}

Test(config, utf8_in_values_is_accepted)
{
	load_ok("[a]\nk = Zürich \xE2\x82\xAC \xF0\x9F\x98\x80\n");
	cr_assert_str_eq(val(0), "Zürich \xE2\x82\xAC \xF0\x9F\x98\x80");
}

Test(config, last_line_without_newline_is_read)
{
	load_ok("[a]\nk = v");
	cr_assert_str_eq(val(0), "v");
}

/* ------------------------------------------------------------------------ */
/* INI layer: hostile input and ceilings.                                   */
/* ------------------------------------------------------------------------ */

Test(config, nul_byte_is_error_with_file_and_line)
{
	static const char data[] = "[a]\nk = v\nk = a\0b\n";

	put_bytes("nul.conf", data, sizeof(data) - 1);
	cr_assert_eq(load_file("nul.conf"), -1);
	cr_assert_str_eq(err, expect("%s:3: NUL byte in line (is this a text "
	    "file?)", at("nul.conf")));
	cr_assert_eq(ini.n_entries, 0);
}

Test(config, invalid_utf8_is_error_with_line_and_column)
{
	load_fails("[a]\nk = \xFF\n", "test.conf:2: invalid UTF-8 at column 5");
	/* An overlong "/", a UTF-16 surrogate, a cut sequence, > U+10FFFF. */
	load_fails("[a]\nk = \xC0\xAF\n", "test.conf:2: invalid UTF-8 at "
	    "column 5");
	load_fails("k = \xED\xA0\x80\n", "test.conf:1: invalid UTF-8 at "
	    "column 5");
	load_fails("k = ab\xE2\x82\n", "test.conf:1: invalid UTF-8 at "
	    "column 7");
	load_fails("k = \xF4\x90\x80\x80\n", "test.conf:1: invalid UTF-8 at "
	    "column 5");
}

Test(config, control_character_is_error)
{
	load_fails("[a]\nk = a\x1b[31mred\n", "test.conf:2: control character "
	    "0x1b at column 6");
	load_fails("[a]\nk = a\rb\n", "test.conf:2: control character 0x0d at "
	    "column 6");
}

Test(config, line_of_5000_chars_is_error)
{
	char *text = malloc(6000);

	cr_assert_not_null(text);
	memcpy(text, "[a]\nk = ", 8);
	memset(text + 8, 'x', 5000);
	memcpy(text + 5008, "\n", 2);
	load_fails(text, "test.conf:2: line is longer than 4096 bytes");
	free(text);
}

Test(config, line_of_exactly_max_length_is_fine)
{
	char *text = malloc(CFG_MAX_LINE + 16);

	cr_assert_not_null(text);
	memcpy(text, "k = ", 4);
	memset(text + 4, 'x', CFG_MAX_LINE - 4);
	memcpy(text + CFG_MAX_LINE, "\r\n", 3);
	load_ok(text);
	cr_assert_eq(strlen(val(0)), CFG_MAX_LINE - 4);
	free(text);
}

Test(config, file_of_2_mib_is_error)
{
	size_t len = 2u << 20;
	char *data = malloc(len);

	cr_assert_not_null(data);
	memset(data, '#', len);
	put_bytes("big.conf", data, len);
	free(data);
	cr_assert_eq(load_file("big.conf"), -1);
	cr_assert_str_eq(err, expect("%s: larger than the limit of 1048576 "
	    "bytes", at("big.conf")));
}

Test(config, string_over_file_size_limit_is_error)
{
	size_t len = CFG_MAX_FILE_SIZE + 1;
	char *text = malloc(len + 1);

	cr_assert_not_null(text);
	memset(text, '#', len);
	text[len] = '\0';
	load_fails(text, "test.conf: larger than the limit of 1048576 bytes");
	free(text);
}

/* "[a]\n" and then n lines "k = v". */
static char *
many_entries(size_t n)
{
	char *text = malloc(4 + 6 * n + 1), *p;
	size_t i;

	cr_assert_not_null(text);
	memcpy(text, "[a]\n", 4);
	for (p = text + 4, i = 0; i < n; i++, p += 6)
		memcpy(p, "k = v\n", 6);
	*p = '\0';
	return text;
}

Test(config, entries_10000_are_fine_10001_is_error)
{
	char *text = many_entries(CFG_MAX_ENTRIES);

	load_ok(text);
	cr_assert_eq(ini.n_entries, CFG_MAX_ENTRIES);
	ini_free(&ini);
	free(text);

	text = many_entries(CFG_MAX_ENTRIES + 1);
	load_fails(text, "test.conf:10002: more than 10000 \"key = value\" "
	    "entries in the configuration");
	free(text);
}

Test(config, missing_file_is_error_naming_it)
{
	cr_assert_eq(load_file("absent.conf"), -1);
	cr_assert_str_eq(err, expect("%s: cannot open: No such file or "
	    "directory", at("absent.conf")));
}

Test(config, directory_is_refused_as_not_a_regular_file)
{
	cr_assert_eq(mkdir(at("d"), 0700), 0);
	cr_assert_eq(load_file("d"), -1);
	cr_assert_str_eq(err, expect("%s: not a regular file", at("d")));
}

Test(config, fifo_is_refused_without_blocking, .timeout = 5)
{
	cr_assert_eq(mkfifo(at("fifo"), 0600), 0);
	cr_assert_eq(load_file("fifo"), -1);
	cr_assert_str_eq(err, expect("%s: not a regular file", at("fifo")));
}

Test(config, failed_load_leaves_ini_empty_and_reusable)
{
	load_fails("[a]\nk = v\nk = v\n[B]\n", "test.conf:4: invalid section "
	    "name \"B\": use lower-case letters, digits, \"_\" and \"-\" "
	    "(at most 63)");
	cr_assert_eq(ini.n_sections, 0);
	cr_assert_eq(ini.n_files, 0);
	cr_assert_null(ini.main_file);
	load_ok("[a]\nk = v\n");
	cr_assert_eq(ini.n_entries, 1);
}

Test(config, file_load_records_main_file_and_files)
{
	put("main.conf", "[a]\nk = v\n");
	cr_assert_eq(load_file("main.conf"), 0, "%s", err);
	cr_assert_str_eq(ini.main_file, at("main.conf"));
	cr_assert_eq(ini.n_files, 1);
	cr_assert_str_eq(ini.entries[0].loc.file, at("main.conf"));
}

/* ------------------------------------------------------------------------ */
/* INI layer: includes.                                                     */
/* ------------------------------------------------------------------------ */

Test(config, include_is_relative_to_the_including_files_folder)
{
	put("etc/main.conf", "[a]\ninclude = conf.d/*.conf\nk = main\n");
	put("etc/conf.d/x.conf", "k = x\n");
	/* Make sure the current folder does not matter. */
	cr_assert_eq(chdir("/"), 0);
	cr_assert_eq(load_file("etc/main.conf"), 0, "%s", err);
	cr_assert_eq(ini.n_entries, 2);
	cr_assert_str_eq(val(0), "x");
	cr_assert_str_eq(ini.entries[0].loc.file, at("etc/conf.d/x.conf"));
	cr_assert_eq(ini.entries[0].loc.line, 1);
	cr_assert_str_eq(val(1), "main");
	cr_assert_eq(ini.entries[1].loc.line, 3);
	cr_assert_eq(ini.n_files, 2);
}

Test(config, include_glob_is_read_in_byte_order)
{
	put("main.conf", "[a]\ninclude = d/*.conf\n");
	put("d/b.conf", "k = b\n");
	put("d/a.conf", "k = a\n");
	put("d/B.conf", "k = B\n");
	put("d/10.conf", "k = 10\n");
	put("d/ignored.txt", "k = txt\n");
	cr_assert_eq(load_file("main.conf"), 0, "%s", err);
	cr_assert_eq(ini.n_entries, 4);
	cr_assert_str_eq(val(0), "10");
	cr_assert_str_eq(val(1), "B");
	cr_assert_str_eq(val(2), "a");
	cr_assert_str_eq(val(3), "b");
}

Test(config, included_file_starts_in_includers_section_which_is_restored)
{
	put("main.conf", "[http]\ninclude = part.conf\nafter = 1\n");
	put("part.conf", "inside = 1\n[targets]\nmoved = 1\n");
	cr_assert_eq(load_file("main.conf"), 0, "%s", err);
	cr_assert_eq(ini.n_entries, 3);
	cr_assert_str_eq(ini.entries[0].key, "inside");
	cr_assert_str_eq(ini.entries[0].section, "http");
	cr_assert_str_eq(ini.entries[1].key, "moved");
	cr_assert_str_eq(ini.entries[1].section, "targets");
	cr_assert_str_eq(ini.entries[2].key, "after");
	cr_assert_str_eq(ini.entries[2].section, "http");
}

Test(config, include_of_quoted_absolute_path_works)
{
	put("abs.conf", "k = abs\n");
	put("main.conf", expect("[a]\ninclude = \"%s\"\n", at("abs.conf")));
	cr_assert_eq(load_file("main.conf"), 0, "%s", err);
	cr_assert_str_eq(val(0), "abs");
}

Test(config, include_pattern_matching_nothing_is_fine)
{
	put("main.conf", "[a]\ninclude = conf.d/*.conf\n"
	    "include = none-*.conf\nk = v\n");
	cr_assert_eq(load_file("main.conf"), 0, "%s", err);
	cr_assert_eq(ini.n_entries, 1);
	ini_free(&ini);
	cr_assert_eq(mkdir(at("conf.d"), 0700), 0);
	cr_assert_eq(load_file("main.conf"), 0, "%s", err);
}

Test(config, include_of_missing_plain_file_is_error)
{
	put("main.conf", "[a]\n\ninclude = typo.conf\n");
	cr_assert_eq(load_file("main.conf"), -1);
	cr_assert_str_eq(err, expect("%s:3: included file %s does not exist",
	    at("main.conf"), at("typo.conf")));
}

Test(config, empty_include_is_error)
{
	load_fails("[a]\ninclude =\n", "test.conf:2: include needs a file "
	    "name or a pattern");
}

Test(config, include_matching_a_directory_is_error_at_the_include_line)
{
	put("main.conf", "[a]\ninclude = d/*\n");
	cr_assert_eq(mkdir(at("d"), 0700), 0);
	cr_assert_eq(mkdir(at("d/sub"), 0700), 0);
	cr_assert_eq(load_file("main.conf"), -1);
	cr_assert_str_eq(err, expect("%s:2: included file %s: not a regular "
	    "file", at("main.conf"), at("d/sub")));
}

Test(config, error_inside_included_file_names_that_file_and_line)
{
	put("main.conf", "[a]\ninclude = part.conf\n");
	put("part.conf", "ok = 1\n\nbad line\n");
	cr_assert_eq(load_file("main.conf"), -1);
	cr_assert_str_eq(err, expect("%s:3: expected \"key = value\", a "
	    "[section] header or a comment", at("part.conf")));
}

Test(config, include_folder_with_glob_characters_is_taken_literally)
{
	put("we[ir]d/main.conf", "[a]\ninclude = *.inc\n");
	put("we[ir]d/x.inc", "k = v\n");
	put("wid/y.inc", "k = wrong\n");
	cr_assert_eq(load_file("we[ir]d/main.conf"), 0, "%s", err);
	cr_assert_eq(ini.n_entries, 1);
	cr_assert_str_eq(val(0), "v");
}

Test(config, include_from_string_is_relative_to_current_folder)
{
	put("part.conf", "k = part\n");
	cr_assert_eq(chdir(tmp_dir), 0);
	load_ok("[a]\ninclude = part.conf\n");
	cr_assert_str_eq(val(0), "part");
	cr_assert_str_eq(ini.entries[0].loc.file, "part.conf");
}

/* d0.conf includes d1.conf, ... up to d<levels>.conf. */
static void
include_chain(unsigned levels)
{
	char name[32], next[64];
	unsigned i;

	for (i = 0; i <= levels; i++) {
		snprintf(name, sizeof(name), "d%u.conf", i);
		if (i < levels)
			snprintf(next, sizeof(next), "k = %u\ninclude = d%u.conf\n",
			    i, i + 1);
		else
			snprintf(next, sizeof(next), "k = %u\n", i);
		put(name, next);
	}
}

Test(config, include_depth_of_8_is_fine)
{
	include_chain(CFG_MAX_INCLUDE_DEPTH);
	cr_assert_eq(load_file("d0.conf"), 0, "%s", err);
	cr_assert_eq(ini.n_entries, CFG_MAX_INCLUDE_DEPTH + 1);
}

Test(config, include_deeper_than_8_is_error)
{
	include_chain(CFG_MAX_INCLUDE_DEPTH + 1);
	cr_assert_eq(load_file("d0.conf"), -1);
	cr_assert_str_eq(err, expect("%s:2: includes are nested more than 8 "
	    "levels deep", at("d8.conf")));
}

Test(config, include_cycle_is_error)
{
	put("a.conf", "[a]\ninclude = b.conf\n");
	put("b.conf", "k = b\ninclude = a.conf\n");
	cr_assert_eq(load_file("a.conf"), -1);
	cr_assert_str_eq(err, expect("%s:2: include cycle: %s is already "
	    "being read", at("b.conf"), at("a.conf")));
}

Test(config, file_including_itself_through_a_glob_is_a_cycle)
{
	put("main.conf", "[a]\ninclude = *.conf\n");
	cr_assert_eq(load_file("main.conf"), -1);
	cr_assert_str_eq(err, expect("%s:2: include cycle: %s is already "
	    "being read", at("main.conf"), at("main.conf")));
}

Test(config, same_file_included_twice_is_not_a_cycle)
{
	put("main.conf", "[a]\ninclude = x.conf\ninclude = x.conf\n");
	put("x.conf", "k = x\n");
	cr_assert_eq(load_file("main.conf"), 0, "%s", err);
	cr_assert_eq(ini.n_entries, 2);
}

Test(config, ceilings_apply_to_included_files)
{
	put("main.conf", "[a]\ninclude = bad.conf\n");
	put_bytes("bad.conf", "k = \xFE\n", 6);
	cr_assert_eq(load_file("main.conf"), -1);
	cr_assert_str_eq(err, expect("%s:1: invalid UTF-8 at column 5",
	    at("bad.conf")));
}

Test(config, more_than_256_files_is_error)
{
	char name[32];
	unsigned i;

	put("main.conf", "[a]\n\ninclude = d/*.conf\n");
	for (i = 0; i < CFG_MAX_FILES; i++) {
		snprintf(name, sizeof(name), "d/%03u.conf", i);
		put(name, "k = v\n");
	}
	cr_assert_eq(load_file("main.conf"), -1);
	cr_assert_str_eq(err, expect("%s:3: more than 256 configuration files "
	    "are included", at("main.conf")));
}

Test(config, more_than_10000_section_headers_is_error)
{
	size_t i, n = CFG_MAX_ENTRIES + 1;
	char *text = malloc(4 * n + 1);

	cr_assert_not_null(text);
	for (i = 0; i < n; i++)
		memcpy(text + 4 * i, "[a]\n", 4);
	text[4 * n] = '\0';
	load_fails(text, "test.conf:10001: more than 10000 section headers");
	free(text);
}

/* ------------------------------------------------------------------------ */
/* Table layer: layout.                                                     */
/* ------------------------------------------------------------------------ */

static void
layout_fails(const char *text, const char *message)
{
	load_ok(text);
	cr_assert_eq(cfg_check_layout(&ini, sections, err, sizeof(err)), -1,
	    "should fail with: %s", message);
	cr_assert_str_eq(err, message);
}

Test(config, layout_accepts_known_sections)
{
	load_ok("[perspective]\ncode = a\n[http]\n[peer p1]\nurl = x\n"
	    "[peer p2]\n[free]\nanything = goes\n");
	cr_assert_eq(cfg_check_layout(&ini, sections, err, sizeof(err)), 0,
	    "%s", err);
}

Test(config, unknown_section_is_error_with_file_and_line)
{
	layout_fails("[http]\n\n[htpp]\n", "test.conf:3: unknown section "
	    "[htpp] (valid sections: perspective, http, targets, peer, free)");
}

Test(config, section_that_needs_an_argument_without_one_is_error)
{
	layout_fails("[http]\n[peer]\nurl = x\n", "test.conf:2: section "
	    "[peer] needs an argument, as in [peer NAME]");
}

Test(config, section_that_takes_no_argument_with_one_is_error)
{
	layout_fails("[http main]\n", "test.conf:1: section [http] takes no "
	    "argument, but has \"main\"");
}

Test(config, key_outside_any_section_is_error)
{
	layout_fails("code = x\n[perspective]\n", "test.conf:1: key \"code\" "
	    "is outside any section; put it under a [section] header");
}

Test(config, layout_reports_unknown_key_naming_valid_keys)
{
	layout_fails("[http]\nmax_redirect = 3\n", "test.conf:2: [http] "
	    "unknown key \"max_redirect\" (valid keys: max_redirects, any_int, "
	    "verbose, strict)");
}

/* ------------------------------------------------------------------------ */
/* Table layer: applying options.                                           */
/* ------------------------------------------------------------------------ */

Test(config, apply_stores_every_type_at_its_offset)
{
	load_ok("[perspective]\n"
	    "code = us-east-2\n"
	    "rir = ripe ncc\n"
	    "listen = 0.0.0.0:8443\n"
	    "listen = [2001:db8::1]:8443\n"
	    "tls_cert = /etc/perspectived/tls/perspective.crt\n"
	    "status_listen = 127.0.0.1:8081\n"
	    "[http]\n"
	    "max_redirects = 10\n"
	    "any_int = -9223372036854775808\n"
	    "verbose = YES\n"
	    "strict = off\n"
	    "[targets]\n"
	    "allow_address = 127.0.0.0/8\n"
	    "network = fd00::/8\n");
	apply_ok("perspective", "", perspective_opts);
	apply_ok("http", NULL, http_opts);
	apply_ok("targets", NULL, targets_opts);
	cr_assert_str_eq(conf.code, "us-east-2");
	cr_assert_eq(conf.rir, 1);
	cr_assert_eq(conf.listen.n, 2);
	cr_assert_str_eq(conf.listen.v[1], "[2001:db8::1]:8443");
	cr_assert_eq(conf.listen.loc[1].line, 5);
	cr_assert_str_eq(conf.tls_cert, "/etc/perspectived/tls/perspective.crt");
	cr_assert_str_eq(conf.status_listen, "127.0.0.1:8081");
	cr_assert_str_eq(conf.note, "none");
	cr_assert_eq(conf.max_redirects, 10);
	cr_assert_eq(conf.any_int, LLONG_MIN);
	cr_assert(conf.verbose);
	cr_assert(!conf.strict);
	cr_assert_eq(conf.allow.n, 1);
	cr_assert_str_eq(conf.allow.v[0], "127.0.0.0/8");
	cr_assert_str_eq(conf.net, "fd00::/8");
	cfg_release(perspective_opts, &conf);
	cfg_release(http_opts, &conf);
	cfg_release(targets_opts, &conf);
}

Test(config, unknown_key_is_error_with_file_and_line)
{
	apply_fails("[http]\nmax_redirects = 3\n\ncolour = blue\n", "http",
	    http_opts, "test.conf:4: [http] unknown key \"colour\" (valid keys: "
	    "max_redirects, any_int, verbose, strict)");
}

Test(config, repeated_single_value_key_is_error_naming_both_lines)
{
	apply_fails("[http]\nmax_redirects = 3\nverbose = no\nmax_redirects = 4\n",
	    "http", http_opts, "test.conf:4: [http] max_redirects is set again "
	    "(first at test.conf:2); it takes a single value");
}

Test(config, reopened_section_adds_to_the_same_options)
{
	load_ok("[http]\nmax_redirects = 3\n[targets]\n[http]\nverbose = on\n");
	apply_ok("http", NULL, http_opts);
	cr_assert_eq(conf.max_redirects, 3);
	cr_assert(conf.verbose);
}

Test(config, list_collects_values_and_locations_in_order)
{
	load_ok("[targets]\nallow_address = 10.0.0.0/8\n"
	    "allow_address = 192.0.2.0/24\nallow_address = 2001:db8::/32\n");
	apply_ok("targets", NULL, targets_opts);
	cr_assert_eq(conf.allow.n, 3);
	cr_assert_str_eq(conf.allow.v[0], "10.0.0.0/8");
	cr_assert_str_eq(conf.allow.v[2], "2001:db8::/32");
	cr_assert_str_eq(conf.allow.loc[2].file, "test.conf");
	cr_assert_eq(conf.allow.loc[2].line, 4);
	cr_assert_null(conf.net);
	cfg_release(targets_opts, &conf);
}

Test(config, absent_list_is_empty)
{
	load_ok("[targets]\n");
	apply_ok("targets", NULL, targets_opts);
	cr_assert_eq(conf.allow.n, 0);
	cr_assert_null(conf.allow.v);
}

Test(config, list_default_is_used_only_when_key_is_absent)
{
	load_ok(minimal_perspective);
	apply_ok("perspective", NULL, perspective_opts);
	cr_assert_eq(conf.listen.n, 1);
	cr_assert_str_eq(conf.listen.v[0], "0.0.0.0:8443");
	cr_assert_null(conf.listen.loc[0].file);
	cr_assert_eq(conf.listen.loc[0].line, 0);
	cfg_release(perspective_opts, &conf);
	ini_free(&ini);

	load_ok("[perspective]\ncode = a\nrir = arin\nlisten = *:443\n");
	apply_ok("perspective", NULL, perspective_opts);
	cr_assert_eq(conf.listen.n, 1);
	cr_assert_str_eq(conf.listen.v[0], "*:443");
	cfg_release(perspective_opts, &conf);
}

Test(config, defaults_are_parsed_like_values)
{
	load_ok("[http]\n");
	conf.verbose = true;
	apply_ok("http", NULL, http_opts);
	cr_assert_eq(conf.max_redirects, 20);
	cr_assert(!conf.verbose);
	cr_assert(conf.strict);
	cr_assert_eq(conf.any_int, 0);
}

Test(config, invalid_built_in_default_is_reported)
{
	static const struct cfg_option bad[] = {
		{ .key = "n", .type = CFG_INT, .min = 1, .max = 5, .def = "9",
		  .offset = offsetof(struct conf, any_int) },
		{ .key = NULL },
	};

	apply_fails("[http]\n", "http", bad, "test.conf: [http] n: invalid "
	    "built-in default: 9 is out of range (1..5)");
}

Test(config, section_absent_entirely_gives_defaults)
{
	load_ok("[perspective]\n");
	apply_ok("http", NULL, http_opts);
	cr_assert_eq(conf.max_redirects, 20);
}

Test(config, int_out_of_range_names_key_and_range)
{
	apply_fails("[http]\n\nmax_redirects = 500\n", "http", http_opts,
	    "test.conf:3: [http] max_redirects: 500 is out of range (0..100)");
	apply_fails("[http]\nmax_redirects = -1\n", "http", http_opts,
	    "test.conf:2: [http] max_redirects: -1 is out of range (0..100)");
}

Test(config, int_bounds_are_inclusive)
{
	load_ok("[http]\nmax_redirects = 0\n");
	apply_ok("http", NULL, http_opts);
	cr_assert_eq(conf.max_redirects, 0);
	ini_free(&ini);
	load_ok("[http]\nmax_redirects = 100\n");
	apply_ok("http", NULL, http_opts);
	cr_assert_eq(conf.max_redirects, 100);
}

Test(config, int_that_is_not_a_whole_number_is_error)
{
	static const char *const bad[] = {
		"12abc", "1.5", "0x10", "", "--1", "+", "1 000", "ten",
	};
	char text[64], msg[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "[http]\nmax_redirects = %s\n",
		    bad[i]);
		snprintf(msg, sizeof(msg), "test.conf:2: [http] max_redirects: "
		    "\"%s\" is not a whole number", bad[i]);
		apply_fails(text, "http", http_opts, msg);
		ini_free(&ini);
	}
}

Test(config, int_beyond_long_long_is_out_of_range)
{
	apply_fails("[http]\nany_int = 99999999999999999999\n", "http",
	    http_opts, "test.conf:2: [http] any_int: 99999999999999999999 is "
	    "out of range (-9223372036854775808..9223372036854775807)");
}

Test(config, bool_accepts_all_forms_case_insensitively)
{
	static const char *const yes[] = { "yes", "true", "on", "1", "Yes",
	    "TRUE", "On" };
	static const char *const no[] = { "no", "false", "off", "0", "NO",
	    "False", "OFF" };
	char text[64];
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		snprintf(text, sizeof(text), "[http]\nverbose = %s\nstrict = %s\n",
		    yes[i], no[i]);
		load_ok(text);
		apply_ok("http", NULL, http_opts);
		cr_assert(conf.verbose, "%s", yes[i]);
		cr_assert(!conf.strict, "%s", no[i]);
		ini_free(&ini);
	}
}

Test(config, bool_with_other_text_is_error_listing_forms)
{
	apply_fails("[http]\nverbose = maybe\n", "http", http_opts,
	    "test.conf:2: [http] verbose: \"maybe\" is not a yes/no value (use "
	    "yes/no, true/false, on/off or 1/0)");
	apply_fails("[http]\nverbose = y\n", "http", http_opts,
	    "test.conf:2: [http] verbose: \"y\" is not a yes/no value (use "
	    "yes/no, true/false, on/off or 1/0)");
}

Test(config, enum_matches_case_insensitively_and_stores_index)
{
	static const char *const forms[] = { "ARIN", "ripe ncc", "Apnic",
	    "lacnic", "AfriNIC" };
	char text[128];
	size_t i;

	for (i = 0; i < 5; i++) {
		snprintf(text, sizeof(text), "[perspective]\ncode = a\nrir = %s\n",
		    forms[i]);
		load_ok(text);
		apply_ok("perspective", NULL, perspective_opts);
		cr_assert_eq(conf.rir, (int)i);
		cfg_release(perspective_opts, &conf);
		ini_free(&ini);
	}
}

Test(config, enum_with_other_text_is_error_listing_choices)
{
	apply_fails("[perspective]\ncode = a\nrir = RIPE\n", "perspective",
	    perspective_opts, "test.conf:3: [perspective] rir: \"RIPE\" is not "
	    "one of: ARIN, RIPE NCC, APNIC, LACNIC, AFRINIC");
}

Test(config, missing_required_key_is_reported_at_section_header)
{
	apply_fails("# perspectived.conf\n\n[perspective]\nrir = ARIN\n",
	    "perspective", perspective_opts,
	    "test.conf:3: [perspective] missing required key \"code\"");
}

Test(config, missing_required_key_in_absent_section_names_file_and_section)
{
	apply_fails("[http]\n", "perspective", perspective_opts,
	    "test.conf: missing required key \"code\": there is no "
	    "[perspective] section");
}

Test(config, required_key_in_argument_section_names_the_argument)
{
	load_ok("[peer p1]\nurl = https://p1\n\n[peer p2]\n");
	apply_ok("peer", "p1", peer_opts);
	cr_assert_str_eq(conf.url, "https://p1");
	cfg_release(peer_opts, &conf);
	cr_assert_eq(apply("peer", "p2", peer_opts), -1);
	cr_assert_str_eq(err,
	    "test.conf:4: [peer p2] missing required key \"url\"");
	cr_assert_eq(apply("peer", "p3", peer_opts), -1);
	cr_assert_str_eq(err, "test.conf: missing required key \"url\": there "
	    "is no [peer p3] section");
}

Test(config, argument_sections_keep_their_entries_apart)
{
	load_ok("[peer p1]\nurl = one\n[peer p2]\nurl = two\n");
	apply_ok("peer", "p2", peer_opts);
	cr_assert_str_eq(conf.url, "two");
	cfg_release(peer_opts, &conf);
}

Test(config, string_longer_than_its_max_is_error)
{
	char text[256], msg[256];

	snprintf(text, sizeof(text), "[perspective]\nrir = ARIN\ncode = %.64s\n",
	    "a123456789b123456789c123456789d123456789e123456789f123456789g123");
	snprintf(msg, sizeof(msg), "test.conf:3: [perspective] code: the value "
	    "is 64 bytes long; at most 63 are allowed");
	apply_fails(text, "perspective", perspective_opts, msg);
}

Test(config, string_without_max_is_limited_to_1024_bytes)
{
	char *text = malloc(2048);

	cr_assert_not_null(text);
	memcpy(text, "[perspective]\nnote = ", 21);
	memset(text + 21, 'n', 1024);
	memcpy(text + 21 + 1024, "\ncode = a\nrir = arin\n", 22);
	load_ok(text);
	apply_ok("perspective", NULL, perspective_opts);
	cr_assert_eq(strlen(conf.note), 1024);
	cfg_release(perspective_opts, &conf);
	ini_free(&ini);

	memset(text + 21, 'n', 1025);
	memcpy(text + 21 + 1025, "\n", 2);
	apply_fails(text, "perspective", perspective_opts, "test.conf:2: "
	    "[perspective] note: the value is 1025 bytes long; at most 1024 are "
	    "allowed");
	free(text);
}

Test(config, string_shorter_than_its_min_is_error)
{
	apply_fails("[perspective]\nrir = ARIN\ncode =\n", "perspective",
	    perspective_opts, "test.conf:3: [perspective] code: \"\" is too "
	    "short; at least 1 bytes are required");
}

Test(config, empty_path_is_error)
{
	apply_fails("[perspective]\ncode = a\nrir = ARIN\ntls_cert = \"\"\n",
	    "perspective", perspective_opts, "test.conf:4: [perspective] "
	    "tls_cert: a path is required, but the value is empty");
}

Test(config, check_callback_rejects_with_its_reason)
{
	apply_fails("[perspective]\ncode = US_East\nrir = ARIN\n", "perspective",
	    perspective_opts, "test.conf:2: [perspective] code: \"US_East\": "
	    "use lower-case letters, digits, \".\" and \"-\"");
}

Test(config, bad_hostport_value_says_why_and_what_is_expected)
{
	apply_fails("[perspective]\ncode = a\nrir = ARIN\nlisten = ::1:8443\n",
	    "perspective", perspective_opts, "test.conf:4: [perspective] "
	    "listen: \"::1:8443\": an IPv6 address must be written in "
	    "brackets, as in [2001:db8::1]:8443 (expected HOST:PORT, "
	    "[IPV6]:PORT or *:PORT)");
}

Test(config, bad_cidr_value_says_why)
{
	apply_fails("[targets]\nallow_address = 10.0.0.0/8\n"
	    "allow_address = 10.0.0.1/8\n", "targets", targets_opts,
	    "test.conf:3: [targets] allow_address: \"10.0.0.1/8\": address "
	    "bits are set beyond the /8 prefix (the network would be "
	    "10.0.0.0/8)");
}

Test(config, long_bad_value_is_cut_short_in_message)
{
	char text[256];

	snprintf(text, sizeof(text), "[perspective]\ncode = a\nrir = %s\n",
	    "ARINARINARINARINARINARINARINARINARINARINARINARINARINARINARIN"
	    "ARINARINARIN");
	apply_fails(text, "perspective", perspective_opts, "test.conf:3: "
	    "[perspective] rir: \"ARINARINARINARINARINARINARINARINARINARIN"
	    "ARINARINARINARINARIN...\" is not one of: ARIN, RIPE NCC, APNIC, "
	    "LACNIC, AFRINIC");
}

Test(config, failed_apply_releases_what_it_stored)
{
	load_ok("[perspective]\ncode = a\nrir = ARIN\nlisten = *:1\n"
	    "tls_cert = /x\nstatus_listen = nope\n");
	cr_assert_eq(apply("perspective", NULL, perspective_opts), -1);
	cr_assert_null(conf.code);
	cr_assert_null(conf.tls_cert);
	cr_assert_null(conf.listen.v);
	cr_assert_eq(conf.listen.n, 0);
	/* A second release must be harmless. */
	cfg_release(perspective_opts, &conf);
}

Test(config, release_frees_everything_and_clears_fields)
{
	load_ok("[perspective]\ncode = a\nrir = ARIN\nlisten = *:1\n"
	    "listen = *:2\ntls_cert = /x\nstatus_listen = 127.0.0.1:9\n");
	apply_ok("perspective", NULL, perspective_opts);
	cfg_release(perspective_opts, &conf);
	/* ASan reports a leak if anything was left behind. */
	cr_assert_null(conf.code);
	cr_assert_null(conf.note);
	cr_assert_null(conf.status_listen);
	cr_assert_null(conf.listen.v);
	cr_assert_null(conf.listen.loc);
	cr_assert_eq(conf.listen.n, 0);
	cfg_release(perspective_opts, &conf);
}

Test(config, list_locations_point_into_included_files)
{
	put("main.conf", "[targets]\nallow_address = 10.0.0.0/8\n"
	    "include = lab.conf\n");
	put("lab.conf", "\nallow_address = 127.0.0.0/8\n");
	cr_assert_eq(load_file("main.conf"), 0, "%s", err);
	apply_ok("targets", NULL, targets_opts);
	cr_assert_eq(conf.allow.n, 2);
	cr_assert_str_eq(conf.allow.loc[1].file, at("lab.conf"));
	cr_assert_eq(conf.allow.loc[1].line, 2);
	cfg_release(targets_opts, &conf);
}

Test(config, where_returns_last_occurrence_or_null)
{
	const struct cfg_loc *loc;

	load_ok("[perspective]\ntls_cert = /a\n[peer p1]\ntls_cert = /b\n"
	    "[perspective]\ntls_cert = /c\n");
	loc = cfg_where(&ini, "perspective", "", "tls_cert");
	cr_assert_not_null(loc);
	cr_assert_str_eq(loc->file, "test.conf");
	cr_assert_eq(loc->line, 6);
	loc = cfg_where(&ini, "peer", "p1", "tls_cert");
	cr_assert_not_null(loc);
	cr_assert_eq(loc->line, 4);
	cr_assert_eq(cfg_where(&ini, "perspective", NULL, "tls_cert")->line, 6);
	cr_assert_null(cfg_where(&ini, "perspective", "", "tls_key"));
	cr_assert_null(cfg_where(&ini, "peer", "p2", "tls_cert"));
	cr_assert_null(cfg_where(&ini, "http", "", "tls_cert"));
}

Test(config, help_lists_every_key_with_type_and_default)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	cr_assert_not_null(f);
	cfg_print_help(sections, f);
	cr_assert_eq(fclose(f), 0);
	cr_assert_not_null(strstr(out, "perspective.code"));
	cr_assert_not_null(strstr(out, "(required)"));
	cr_assert_not_null(strstr(out, "ARIN|RIPE NCC|APNIC|LACNIC|AFRINIC"));
	cr_assert_not_null(strstr(out, "http.max_redirects"));
	cr_assert_not_null(strstr(out, "integer 0..100"));
	cr_assert_not_null(strstr(out, "redirects per HTTP check"));
	cr_assert_not_null(strstr(out, "peer.url"));
	cr_assert_not_null(strstr(out, "host:port, repeatable"));
	cr_assert_not_null(strstr(out, "0.0.0.0:8443"));
	free(out);
}

/* ------------------------------------------------------------------------ */
/* Host and port.                                                           */
/* ------------------------------------------------------------------------ */

Test(config, hostport_accepts_v4_v6_names_and_wildcard)
{
	static const struct {
		const char *in, *host;
		uint16_t port;
	} good[] = {
		{ "0.0.0.0:8443", "0.0.0.0", 8443 },
		{ "127.0.0.1:1", "127.0.0.1", 1 },
		{ "[::1]:8080", "::1", 8080 },
		{ "[2001:db8::1]:65535", "2001:db8::1", 65535 },
		{ "[::ffff:192.0.2.1]:443", "::ffff:192.0.2.1", 443 },
		{ "*:8443", "*", 8443 },
		{ "localhost:53", "localhost", 53 },
		{ "p1.lab.example:8443", "p1.lab.example", 8443 },
		{ "xn--bcher-kva.example:80", "xn--bcher-kva.example", 80 },
		{ "host:080", "host", 80 },
	};
	char host[256];
	uint16_t port;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		port = 0;
		cr_assert_eq(cfg_parse_hostport(good[i].in, host, sizeof(host),
		    &port), 0, "%s", good[i].in);
		cr_assert_str_eq(host, good[i].host, "%s", good[i].in);
		cr_assert_eq(port, good[i].port, "%s", good[i].in);
	}
}

Test(config, hostport_rejects_malformed_input)
{
	static const char *const bad[] = {
		"", "host", "host:", ":8443", "[::1]", "[::1]8443", "::1:8443",
		"2001:db8::1:443", "[fe80::1%eth0]:443", "[::1:443",
		"[]:443", "[1.2.3.4]:443", "host:0", "host:65536",
		"host:99999999", "host:-1", "host:+80", "host:80x", "host: 80",
		" host:80", "999.1.1.1:80", "1.2.3:80", "-host:80", "host-:80",
		"a..b:80", "ho st:80", "ho_st:80", "[*]:80", "**:80",
		"host:80:80",
	};
	char host[256];
	uint16_t port;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(cfg_parse_hostport(bad[i], host, sizeof(host),
		    &port), -1, "accepted \"%s\"", bad[i]);
}

Test(config, hostport_refuses_host_buffer_too_small)
{
	char host[4];
	uint16_t port;

	cr_assert_eq(cfg_parse_hostport("abc:1", host, sizeof(host), &port), 0);
	cr_assert_eq(cfg_parse_hostport("abcd:1", host, sizeof(host), &port),
	    -1);
}

/* ------------------------------------------------------------------------ */
/* CIDR.                                                                    */
/* ------------------------------------------------------------------------ */

Test(config, cidr_accepts_v4_as_mapped_and_v6)
{
	static const struct {
		const char *in;
		uint8_t addr[16];
		unsigned len;
	} good[] = {
		{ "127.0.0.0/8",
		  { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 0 },
		  104 },
		{ "192.0.2.1/32",
		  { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1 },
		  128 },
		{ "0.0.0.0/0",
		  { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0 },
		  96 },
		{ "172.16.0.0/12",
		  { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 172, 16, 0, 0 },
		  108 },
		{ "2001:db8::/32",
		  { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
		  32 },
		{ "::1/128",
		  { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, 128 },
		{ "::/0", { 0 }, 0 },
		{ "fe80::/10",
		  { 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, 10 },
	};
	uint8_t addr[16];
	unsigned len;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		cr_assert_eq(cfg_parse_cidr(good[i].in, addr, &len), 0, "%s",
		    good[i].in);
		cr_assert_arr_eq(addr, good[i].addr, 16, "%s", good[i].in);
		cr_assert_eq(len, good[i].len, "%s", good[i].in);
	}
}

Test(config, cidr_rejects_malformed_input_and_host_bits)
{
	static const char *const bad[] = {
		"", "10.0.0.0", "10.0.0.0/", "/8", "10.0.0.0/33", "::/129",
		"10.0.0.1/8", "192.0.2.128/24", "2001:db8::1/64",
		"fe80::%eth0/10", "10.0.0/8", "10.0.0.0.0/8", "256.0.0.0/8",
		"10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/8/8", "10.0.0.0/8 ",
		"10.0.0.0/0008", "host/8", "::g/16", "10.0.0.0/a",
	};
	uint8_t addr[16];
	unsigned len;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(cfg_parse_cidr(bad[i], addr, &len), -1,
		    "accepted \"%s\"", bad[i]);
}

Test(config, cidr_prefix_out_of_range_message_names_the_range)
{
	apply_fails("[targets]\nnetwork = 10.0.0.0/33\n", "targets",
	    targets_opts, "test.conf:2: [targets] network: \"10.0.0.0/33\": "
	    "prefix length must be a number from 0 to 32");
	apply_fails("[targets]\nnetwork = ::/200\n", "targets",
	    targets_opts, "test.conf:2: [targets] network: \"::/200\": "
	    "prefix length must be a number from 0 to 128");
}
