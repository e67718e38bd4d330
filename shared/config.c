/*
 * config.c: INI configuration files, read through a table of options.
 *
 * The INI layer turns files into a flat list of entries, each remembering
 * its file and line, so that every later complaint can point the operator at
 * the exact place to fix. It trusts nothing in the input: every file, line,
 * entry count and include level has a ceiling (the CFG_MAX_* macros), and
 * text must be valid UTF-8 without control characters, so that values can be
 * quoted back in error messages and logs without further escaping.
 *
 * The table layer walks a caller's table of options over those entries and
 * stores typed values into the caller's struct. It never guesses: unknown
 * sections and keys, repeated single-valued keys and out-of-range values are
 * errors that name the key and what would have been accepted.
 *
 * Errors are values: every function returns 0 or -1 and writes one message,
 * "FILE:LINE: what is wrong", into the caller's buffer. Nothing here prints,
 * logs or exits, so the daemon, the CLI and the plugin can all use it.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* Section names, section arguments and keys are short identifiers. */
#define NAME_MAX_LEN 63

/* Default ceiling of a CFG_STRING value when the option gives none. */
#define STRING_DEFAULT_MAX 1024

/* How much of a value an error message quotes before cutting it short. */
#define SHOW_MAX 60

/* Big enough for any quoted value (SHOW_MAX bytes, quotes, "...", NUL). */
#define SHOW_BUF (SHOW_MAX + 8)

/* ------------------------------------------------------------------------ */
/* Small helpers shared by both layers.                                      */
/* ------------------------------------------------------------------------ */

/*
 * Write a message into the caller's buffer. Truncation is acceptable here: a
 * cut-short message is still more useful than none, and the buffer size is
 * the caller's choice.
 */
__attribute__((format(printf, 3, 4)))
static void
set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static bool
is_ws(char c)
{
	return c == ' ' || c == '\t';
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || is_digit(c);
}

static bool
is_alnum(char c)
{
	return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

/* Section names and keys: lower-case letters, digits, "_" and "-". */
static bool
valid_name(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > NAME_MAX_LEN)
		return false;
	for (i = 0; i < len; i++)
		if (!is_lower_alnum(s[i]) && s[i] != '_' && s[i] != '-')
			return false;
	return true;
}

/*
 * Section arguments name things operators choose themselves, such as a
 * perspective code, so they also allow upper case and dots.
 */
static bool
valid_arg(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > NAME_MAX_LEN)
		return false;
	for (i = 0; i < len; i++)
		if (!is_alnum(s[i]) && s[i] != '.' && s[i] != '_' &&
		    s[i] != '-')
			return false;
	return true;
}

/*
 * Quote a value for an error message, cut at SHOW_MAX bytes so that a long
 * value cannot push the useful part of the message (the accepted range) out
 * of the caller's buffer. The cut backs up to a character boundary, so the
 * message stays valid UTF-8.
 */
static const char *
show(char buf[SHOW_BUF], const char *v)
{
	size_t len = strlen(v);
	bool cut = false;

	if (len > SHOW_MAX) {
		len = SHOW_MAX;
		while (len > 0 && ((unsigned char)v[len] & 0xC0) == 0x80)
			len--;
		cut = true;
	}
	buf[0] = '"';
	memcpy(buf + 1, v, len);
	if (cut) {
		memcpy(buf + 1 + len, "...\"", 5);
	} else {
		buf[1 + len] = '"';
		buf[2 + len] = '\0';
	}
	return buf;
}

/* "[name]" or "[name arg]", for messages about a section. */
static const char *
section_label(char *buf, size_t len, const char *name, const char *arg)
{
	int n;

	if (arg != NULL && arg[0] != '\0')
		n = snprintf(buf, len, "[%s %s]", name, arg);
	else
		n = snprintf(buf, len, "[%s]", name);
	/* Names are at most NAME_MAX_LEN bytes, so this cannot fail. */
	if (n < 0 || (size_t)n >= len)
		return "[?]";
	return buf;
}

/* Enough for "[" NAME " " ARG "]" and the NUL. */
#define LABEL_BUF (2 * NAME_MAX_LEN + 4)

/*
 * Index of the first byte that is not valid UTF-8 in s[0..len), or len. This
 * follows RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF.
 */
static size_t
utf8_invalid_at(const unsigned char *s, size_t len)
{
	size_t i = 0, need, k;
	unsigned char c, lo, hi;

	while (i < len) {
		c = s[i];
		lo = 0x80;
		hi = 0xBF;
		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xC2 && c <= 0xDF) {
			need = 1;
		} else if (c == 0xE0) {
			need = 2;
			lo = 0xA0;
		} else if (c == 0xED) {
			need = 2;
			hi = 0x9F;
		} else if (c >= 0xE1 && c <= 0xEF) {
			need = 2;
		} else if (c == 0xF0) {
			need = 3;
			lo = 0x90;
		} else if (c >= 0xF1 && c <= 0xF3) {
			need = 3;
		} else if (c == 0xF4) {
			need = 3;
			hi = 0x8F;
		} else {
			return i;
		}
		if (len - i <= need)
			return i;
		/* Only the first continuation byte has the narrowed range. */
		if (s[i + 1] < lo || s[i + 1] > hi)
			return i;
		for (k = 2; k <= need; k++)
			if (s[i + k] < 0x80 || s[i + k] > 0xBF)
				return i;
		i += need + 1;
	}
	return len;
}

/* ------------------------------------------------------------------------ */
/* INI layer.                                                               */
/* ------------------------------------------------------------------------ */

/* Identity of a file being read, to recognise an include cycle. */
struct file_id {
	dev_t dev;
	ino_t ino;
};

/*
 * State of one ini_load_*() call. The current section is carried across
 * includes (textual inclusion), and the files being read form a stack so that
 * a file including itself, directly or not, is caught instead of recursing
 * until the depth limit with a less helpful message.
 */
struct reader {
	struct ini *ini;
	char *err;
	size_t errlen;
	const char *section; /* owned by ini->sections, or "" */
	const char *arg;     /* owned by ini->sections, or "" */
	struct file_id stack[CFG_MAX_INCLUDE_DEPTH + 1];
	size_t n_stack;
	/*
	 * One line and one value at a time. Lines are parsed to the end before
	 * an include recurses, so the buffers can be shared by every level
	 * instead of costing stack space on each.
	 */
	char line[CFG_MAX_LINE + 1];
	char value[CFG_MAX_LINE + 1];
};

__attribute__((format(printf, 4, 5)))
static int
fail_at(struct reader *r, const char *file, unsigned line, const char *fmt, ...)
{
	char msg[CFG_MAX_LINE / 2];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		set_err(r->err, r->errlen, "%s:%u: %s", file, line, msg);
	else
		set_err(r->err, r->errlen, "%s: %s", file, msg);
	return -1;
}

/* Remember a file name for cfg_loc.file; the struct ini owns the copy. */
static int
add_file(struct reader *r, const char *path, const char **name,
    const char *from_file, unsigned from_line)
{
	struct ini *ini = r->ini;
	char **files;
	char *copy;

	if (ini->n_files >= CFG_MAX_FILES)
		return fail_at(r, from_file, from_line,
		    "more than %d configuration files are included",
		    CFG_MAX_FILES);
	/* The array is small (CFG_MAX_FILES), so growing by one is fine. */
	files = realloc(ini->files, (ini->n_files + 1) * sizeof(*files));
	if (files == NULL)
		return fail_at(r, from_file, from_line, "out of memory");
	ini->files = files;
	copy = strdup(path);
	if (copy == NULL)
		return fail_at(r, from_file, from_line, "out of memory");
	ini->files[ini->n_files++] = copy;
	*name = copy;
	return 0;
}

static int
add_section(struct reader *r, const struct cfg_loc *loc, const char *name,
    size_t name_len, const char *arg, size_t arg_len)
{
	struct ini *ini = r->ini;
	struct ini_section *s;
	size_t cap;

	/* Headers do not count as entries, but they still need a ceiling. */
	if (ini->n_sections >= CFG_MAX_ENTRIES)
		return fail_at(r, loc->file, loc->line,
		    "more than %d section headers", CFG_MAX_ENTRIES);
	if (ini->n_sections == ini->cap_sections) {
		cap = ini->cap_sections ? ini->cap_sections * 2 : 16;
		s = realloc(ini->sections, cap * sizeof(*s));
		if (s == NULL)
			return fail_at(r, loc->file, loc->line,
			    "out of memory");
		ini->sections = s;
		ini->cap_sections = cap;
	}
	s = &ini->sections[ini->n_sections];
	s->name = strndup(name, name_len);
	s->arg = strndup(arg, arg_len);
	if (s->name == NULL || s->arg == NULL) {
		free(s->name);
		free(s->arg);
		return fail_at(r, loc->file, loc->line, "out of memory");
	}
	s->loc = *loc;
	ini->n_sections++;
	r->section = s->name;
	r->arg = s->arg;
	return 0;
}

static int
add_entry(struct reader *r, const struct cfg_loc *loc, const char *key,
    const char *value)
{
	struct ini *ini = r->ini;
	struct ini_entry *e;
	size_t cap;

	if (ini->n_entries >= CFG_MAX_ENTRIES)
		return fail_at(r, loc->file, loc->line,
		    "more than %d \"key = value\" entries in the configuration",
		    CFG_MAX_ENTRIES);
	if (ini->n_entries == ini->cap_entries) {
		cap = ini->cap_entries ? ini->cap_entries * 2 : 64;
		if (cap > CFG_MAX_ENTRIES)
			cap = CFG_MAX_ENTRIES;
		e = realloc(ini->entries, cap * sizeof(*e));
		if (e == NULL)
			return fail_at(r, loc->file, loc->line,
			    "out of memory");
		ini->entries = e;
		ini->cap_entries = cap;
	}
	e = &ini->entries[ini->n_entries];
	e->section = strdup(r->section);
	e->section_arg = strdup(r->arg);
	e->key = strdup(key);
	e->value = strdup(value);
	if (e->section == NULL || e->section_arg == NULL || e->key == NULL ||
	    e->value == NULL) {
		free(e->section);
		free(e->section_arg);
		free(e->key);
		free(e->value);
		return fail_at(r, loc->file, loc->line, "out of memory");
	}
	e->loc = *loc;
	ini->n_entries++;
	return 0;
}

/*
 * "[name]" or "[name argument]", optionally followed by a comment. The
 * argument is everything after the first run of white space, trimmed.
 */
static int
parse_header(struct reader *r, const struct cfg_loc *loc, const char *p)
{
	const char *close, *name, *name_end, *arg, *arg_end, *q;

	close = strchr(p, ']');
	if (close == NULL)
		return fail_at(r, loc->file, loc->line,
		    "section header has no closing \"]\"");
	for (q = close + 1; is_ws(*q); q++)
		;
	if (*q != '\0' && *q != '#' && *q != ';')
		return fail_at(r, loc->file, loc->line,
		    "unexpected text after the section header's \"]\"");

	for (name = p + 1; is_ws(*name); name++)
		;
	for (name_end = name; name_end < close && !is_ws(*name_end); name_end++)
		;
	for (arg = name_end; arg < close && is_ws(*arg); arg++)
		;
	for (arg_end = close; arg_end > arg && is_ws(arg_end[-1]); arg_end--)
		;

	if (name_end == name)
		return fail_at(r, loc->file, loc->line, "empty section name");
	if (!valid_name(name, (size_t)(name_end - name)))
		return fail_at(r, loc->file, loc->line,
		    "invalid section name \"%.*s\": use lower-case letters, "
		    "digits, \"_\" and \"-\" (at most %d)",
		    (int)(name_end - name), name, NAME_MAX_LEN);
	if (arg_end > arg && !valid_arg(arg, (size_t)(arg_end - arg)))
		return fail_at(r, loc->file, loc->line,
		    "invalid section argument \"%.*s\": use letters, digits, "
		    "\".\", \"_\" and \"-\" (at most %d)",
		    (int)(arg_end - arg), arg, NAME_MAX_LEN);
	return add_section(r, loc, name, (size_t)(name_end - name), arg,
	    (size_t)(arg_end - arg));
}

/*
 * Parse the value that starts at @p p into r->value. A leading double quote
 * makes a quoted value, in which "#" and ";" are literal and \" and \\ are
 * the only escapes. Otherwise the value ends at a "#" or ";" that follows
 * white space, and trailing white space is dropped.
 */
static int
parse_value(struct reader *r, const struct cfg_loc *loc, const char *p)
{
	char *out = r->value;
	const char *start, *end;

	if (*p == '"') {
		for (p++; *p != '"'; p++) {
			if (*p == '\0')
				return fail_at(r, loc->file, loc->line,
				    "quoted value has no closing '\"'");
			if (*p == '\\') {
				p++;
				if (*p == '\0')
					return fail_at(r, loc->file, loc->line,
					    "quoted value has no closing '\"'");
				if (*p != '"' && *p != '\\')
					return fail_at(r, loc->file, loc->line,
					    "unknown escape \"\\%c\" in quoted "
					    "value (only \\\" and \\\\ are "
					    "escapes)", *p);
			}
			*out++ = *p;
		}
		*out = '\0';
		for (p++; is_ws(*p); p++)
			;
		if (*p != '\0' && *p != '#' && *p != ';')
			return fail_at(r, loc->file, loc->line,
			    "unexpected text after the closing quote");
		return 0;
	}

	start = end = p;
	for (; *p != '\0'; p++) {
		/* The key and "=" precede the value, so p[-1] exists. */
		if ((*p == '#' || *p == ';') && is_ws(p[-1]))
			break;
		if (!is_ws(*p))
			end = p + 1;
	}
	/* The value is part of r->line, so it fits into r->value. */
	memcpy(out, start, (size_t)(end - start));
	out[end - start] = '\0';
	return 0;
}

static int do_include(struct reader *r, const char *dir, unsigned level,
    const struct cfg_loc *at, const char *pattern);

/* One line, already checked for length, NUL bytes and encoding. */
static int
parse_line(struct reader *r, const char *dir, unsigned level,
    const struct cfg_loc *loc)
{
	const char *p = r->line, *key, *key_end;
	char key_buf[NAME_MAX_LEN + 1];
	size_t key_len;

	while (is_ws(*p))
		p++;
	if (*p == '\0' || *p == '#' || *p == ';')
		return 0;
	if (*p == '[')
		return parse_header(r, loc, p);

	key = p;
	while (*p != '\0' && *p != '=' && !is_ws(*p))
		p++;
	key_end = p;
	while (is_ws(*p))
		p++;
	if (*p != '=')
		return fail_at(r, loc->file, loc->line,
		    "expected \"key = value\", a [section] header or a "
		    "comment");
	if (key_end == key)
		return fail_at(r, loc->file, loc->line,
		    "missing key before \"=\"");
	key_len = (size_t)(key_end - key);
	if (!valid_name(key, key_len))
		return fail_at(r, loc->file, loc->line,
		    "invalid key \"%.*s\": use lower-case letters, digits, "
		    "\"_\" and \"-\" (at most %d)", (int)key_len, key,
		    NAME_MAX_LEN);
	memcpy(key_buf, key, key_len);
	key_buf[key_len] = '\0';

	for (p++; is_ws(*p); p++)
		;
	if (parse_value(r, loc, p) == -1)
		return -1;

	if (strcmp(key_buf, "include") == 0)
		return do_include(r, dir, level, loc, r->value);
	return add_entry(r, loc, key_buf, r->value);
}

/*
 * Parse one file's text. @p dir is the prefix that makes this file's
 * relative include patterns relative to its own folder, already escaped for
 * glob(3); @p level is how many includes led here.
 */
static int
parse_text(struct reader *r, const char *file, const char *dir,
    unsigned level, const char *buf, size_t len)
{
	struct cfg_loc loc = { file, 0 };
	const char *nl;
	size_t pos = 0, end, line_len, bad;

	/* Some editors on other systems start UTF-8 files with a BOM. */
	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
		pos = 3;

	while (pos < len) {
		loc.line++;
		nl = memchr(buf + pos, '\n', len - pos);
		end = nl != NULL ? (size_t)(nl - buf) : len;
		line_len = end - pos;
		if (line_len > 0 && buf[end - 1] == '\r')
			line_len--;
		if (line_len > CFG_MAX_LINE)
			return fail_at(r, file, loc.line,
			    "line is longer than %d bytes", CFG_MAX_LINE);
		memcpy(r->line, buf + pos, line_len);
		r->line[line_len] = '\0';

		/*
		 * Values end up in messages and logs, so refuse anything that
		 * would need escaping there: NUL and other control characters
		 * (tabs excepted) and bytes that are not UTF-8.
		 */
		if (memchr(r->line, '\0', line_len) != NULL)
			return fail_at(r, file, loc.line,
			    "NUL byte in line (is this a text file?)");
		for (bad = 0; bad < line_len; bad++) {
			unsigned char c = (unsigned char)r->line[bad];

			if ((c < 0x20 && c != '\t') || c == 0x7F)
				return fail_at(r, file, loc.line,
				    "control character 0x%02x at column %zu",
				    c, bad + 1);
		}
		bad = utf8_invalid_at((const unsigned char *)r->line, line_len);
		if (bad < line_len)
			return fail_at(r, file, loc.line,
			    "invalid UTF-8 at column %zu", bad + 1);

		if (parse_line(r, dir, level, &loc) == -1)
			return -1;
		pos = nl != NULL ? end + 1 : len;
	}
	return 0;
}

/*
 * Read a whole regular file of at most CFG_MAX_FILE_SIZE bytes. The size is
 * checked before reading, and the read is bounded by it, so a file that grows
 * meanwhile (or a device pretending to be small) cannot make us allocate more.
 * On failure @p why says what went wrong, without the file name.
 */
static int
read_whole(const char *path, char **out, size_t *out_len, struct file_id *id,
    char *why, size_t whylen)
{
	struct stat st;
	char *buf = NULL;
	size_t cap, len = 0;
	ssize_t n;
	int fd, ret = -1;

	/* O_NONBLOCK so that opening a FIFO by mistake does not hang. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd == -1) {
		set_err(why, whylen, "cannot open: %s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		set_err(why, whylen, "cannot stat: %s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		set_err(why, whylen, "not a regular file");
		goto out;
	}
	if (st.st_size > CFG_MAX_FILE_SIZE) {
		set_err(why, whylen, "larger than the limit of %d bytes",
		    CFG_MAX_FILE_SIZE);
		goto out;
	}
	/* One byte more than expected, to notice a file that grew. */
	cap = (size_t)st.st_size + 1;
	buf = malloc(cap);
	if (buf == NULL) {
		set_err(why, whylen, "out of memory");
		goto out;
	}
	while (len < cap) {
		n = read(fd, buf + len, cap - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			set_err(why, whylen, "cannot read: %s",
			    strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len == cap) {
		set_err(why, whylen, "changed while being read");
		goto out;
	}
	id->dev = st.st_dev;
	id->ino = st.st_ino;
	*out = buf;
	*out_len = len;
	buf = NULL;
	ret = 0;
out:
	free(buf);
	close(fd);
	return ret;
}

/*
 * The folder part of @p path ("" if none), with glob(3) metacharacters
 * escaped so that a folder named like a pattern only matches itself.
 * Returns a heap string or NULL when out of memory.
 */
static char *
glob_dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t len = slash != NULL ? (size_t)(slash - path) + 1 : 0, i, j = 0;
	char *dir;

	dir = malloc(2 * len + 1);
	if (dir == NULL)
		return NULL;
	for (i = 0; i < len; i++) {
		if (strchr("*?[]\\", path[i]) != NULL)
			dir[j++] = '\\';
		dir[j++] = path[i];
	}
	dir[j] = '\0';
	return dir;
}

/* Undo glob_dir_of()'s escaping, to name the file in a message. */
static void
unescape_glob(char *s)
{
	char *out = s;

	for (; *s != '\0'; s++) {
		if (*s == '\\' && s[1] != '\0')
			s++;
		*out++ = *s;
	}
	*out = '\0';
}

static int
read_file(struct reader *r, const char *path, unsigned level,
    const struct cfg_loc *from)
{
	struct file_id id;
	const char *name;
	char why[256], *buf = NULL, *dir = NULL;
	size_t len, i;
	int ret = -1;

	if (read_whole(path, &buf, &len, &id, why, sizeof(why)) == -1) {
		if (from == NULL)
			return fail_at(r, path, 0, "%s", why);
		return fail_at(r, from->file, from->line,
		    "included file %s: %s", path, why);
	}
	for (i = 0; i < r->n_stack; i++) {
		if (r->stack[i].dev == id.dev && r->stack[i].ino == id.ino) {
			/* Only an include can lead back to an open file. */
			fail_at(r, from->file, from->line,
			    "include cycle: %s is already being read", path);
			goto out;
		}
	}
	if (add_file(r, path, &name, from ? from->file : path,
	    from ? from->line : 0) == -1)
		goto out;
	if (from == NULL && (r->ini->main_file = strdup(path)) == NULL) {
		fail_at(r, path, 0, "out of memory");
		goto out;
	}
	if ((dir = glob_dir_of(path)) == NULL) {
		fail_at(r, path, 0, "out of memory");
		goto out;
	}
	r->stack[r->n_stack++] = id;
	ret = parse_text(r, name, dir, level, buf, len);
	r->n_stack--;
out:
	free(dir);
	free(buf);
	return ret;
}

/*
 * glob(3) gives its error callback no context pointer, so the first error is
 * kept per thread; config files may be loaded by several plugin threads.
 */
static _Thread_local int glob_errno;

static int
glob_error(const char *epath, int eerrno)
{
	(void)epath;
	/* A folder that does not exist simply matches nothing. */
	if (eerrno == ENOENT || eerrno == ENOTDIR)
		return 0;
	glob_errno = eerrno;
	return 1;
}

static int
compare_paths(const void *a, const void *b)
{
	const char *const *pa = a, *const *pb = b;

	return strcmp(*pa, *pb);
}

/*
 * Textual inclusion: each matching file is read as if its lines stood here,
 * starting in the current section; the section in force before the include
 * is restored after it, so an included file cannot silently move the rest of
 * the including file into another section.
 */
static int
do_include(struct reader *r, const char *dir, unsigned level,
    const struct cfg_loc *at, const char *pattern)
{
	const char *saved_section = r->section, *saved_arg = r->arg;
	char *full = NULL;
	glob_t g;
	size_t i, len;
	int rc, ret = -1;

	if (pattern[0] == '\0')
		return fail_at(r, at->file, at->line,
		    "include needs a file name or a pattern");
	if (level >= CFG_MAX_INCLUDE_DEPTH)
		return fail_at(r, at->file, at->line,
		    "includes are nested more than %d levels deep",
		    CFG_MAX_INCLUDE_DEPTH);

	if (pattern[0] == '/')
		dir = "";
	len = strlen(dir) + strlen(pattern) + 1;
	if ((full = malloc(len)) == NULL)
		return fail_at(r, at->file, at->line, "out of memory");
	memcpy(full, dir, strlen(dir));
	memcpy(full + strlen(dir), pattern, strlen(pattern) + 1);

	glob_errno = 0;
	memset(&g, 0, sizeof(g));
	rc = glob(full, GLOB_NOSORT, glob_error, &g);
	if (rc == GLOB_NOMATCH) {
		/*
		 * A pattern that matches nothing is fine (conf.d may be empty),
		 * but a plain file name that does not exist is most likely a
		 * typo, which should not silently drop settings.
		 */
		if (strpbrk(pattern, "*?[") == NULL) {
			unescape_glob(full);
			fail_at(r, at->file, at->line,
			    "included file %s does not exist", full);
			goto out;
		}
		ret = 0;
		goto out;
	}
	if (rc == GLOB_NOSPACE) {
		fail_at(r, at->file, at->line, "out of memory");
		goto out;
	}
	if (rc != 0) {
		fail_at(r, at->file, at->line, "include %s: cannot read a "
		    "folder of the pattern: %s", full,
		    strerror(glob_errno ? glob_errno : EIO));
		goto out;
	}
	/* Sorted in byte order, whatever the locale, so the order is stable. */
	qsort(g.gl_pathv, g.gl_pathc, sizeof(*g.gl_pathv), compare_paths);
	for (i = 0; i < g.gl_pathc; i++) {
		if (read_file(r, g.gl_pathv[i], level + 1, at) == -1)
			goto out;
		r->section = saved_section;
		r->arg = saved_arg;
	}
	ret = 0;
out:
	/* Safe in every case: g was zeroed and glob leaves it consistent. */
	globfree(&g);
	free(full);
	return ret;
}

static void
reader_init(struct reader *r, struct ini *ini, char *err, size_t errlen)
{
	r->ini = ini;
	r->err = err;
	r->errlen = errlen;
	r->section = "";
	r->arg = "";
	r->n_stack = 0;
	set_err(err, errlen, "%s", "");
}

int
ini_load_file(struct ini *ini, const char *path, char *err, size_t errlen)
{
	struct reader *r;
	int ret;

	if (ini == NULL || path == NULL) {
		set_err(err, errlen, "ini_load_file: invalid argument");
		return -1;
	}
	/* The reader holds two line buffers: too big for small stacks. */
	if ((r = malloc(sizeof(*r))) == NULL) {
		set_err(err, errlen, "%s: out of memory", path);
		return -1;
	}
	reader_init(r, ini, err, errlen);
	ret = read_file(r, path, 0, NULL);
	free(r);
	/* Leave nothing half-read behind: the caller sees all or nothing. */
	if (ret == -1)
		ini_free(ini);
	return ret;
}

int
ini_load_string(struct ini *ini, const char *name, const char *text,
    char *err, size_t errlen)
{
	struct reader *r;
	const char *file;
	size_t len;
	int ret = -1;

	if (ini == NULL || name == NULL || text == NULL) {
		set_err(err, errlen, "ini_load_string: invalid argument");
		return -1;
	}
	len = strnlen(text, (size_t)CFG_MAX_FILE_SIZE + 1);
	if (len > CFG_MAX_FILE_SIZE) {
		set_err(err, errlen, "%s: larger than the limit of %d bytes",
		    name, CFG_MAX_FILE_SIZE);
		return -1;
	}
	if ((r = malloc(sizeof(*r))) == NULL) {
		set_err(err, errlen, "%s: out of memory", name);
		return -1;
	}
	reader_init(r, ini, err, errlen);
	if (add_file(r, name, &file, name, 0) == -1)
		goto out;
	if ((ini->main_file = strdup(name)) == NULL) {
		fail_at(r, name, 0, "out of memory");
		goto out;
	}
	/* A string has no folder: its includes are relative to the cwd. */
	ret = parse_text(r, file, "", 0, text, len);
out:
	free(r);
	if (ret == -1)
		ini_free(ini);
	return ret;
}

void
ini_free(struct ini *ini)
{
	size_t i;

	if (ini == NULL)
		return;
	for (i = 0; i < ini->n_entries; i++) {
		free(ini->entries[i].section);
		free(ini->entries[i].section_arg);
		free(ini->entries[i].key);
		free(ini->entries[i].value);
	}
	free(ini->entries);
	for (i = 0; i < ini->n_sections; i++) {
		free(ini->sections[i].name);
		free(ini->sections[i].arg);
	}
	free(ini->sections);
	for (i = 0; i < ini->n_files; i++)
		free(ini->files[i]);
	free(ini->files);
	free(ini->main_file);
	memset(ini, 0, sizeof(*ini));
}

/* ------------------------------------------------------------------------ */
/* Addresses.                                                               */
/* ------------------------------------------------------------------------ */

/* Digits only, 1..max_digits of them: no sign, no space, no hex. */
static bool
parse_digits(const char *s, size_t max_digits, unsigned long *out)
{
	size_t i, len = strlen(s);
	unsigned long v = 0;

	if (len == 0 || len > max_digits)
		return false;
	for (i = 0; i < len; i++) {
		if (!is_digit(s[i]))
			return false;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	*out = v;
	return true;
}

/*
 * A DNS host name (RFC 1123): dot-separated labels of 1..63 letters, digits
 * and "-", not starting or ending with "-", 253 bytes at most.
 */
static bool
valid_hostname(const char *s, size_t len)
{
	size_t i, label = 0;

	if (len == 0 || len > 253)
		return false;
	for (i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (label == 0 || s[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!is_alnum(s[i]) && s[i] != '-')
			return false;
		if (s[i] == '-' && label == 0)
			return false;
		if (++label > 63)
			return false;
	}
	return label > 0 && s[len - 1] != '-';
}

static bool
only_digits_and_dots(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!is_digit(s[i]) && s[i] != '.')
			return false;
	return true;
}

/* cfg_parse_hostport(), saying why when it fails. */
static int
hostport_why(const char *s, char *host, size_t hostlen, uint16_t *port,
    char *why, size_t whylen)
{
	char addr[INET6_ADDRSTRLEN];
	struct in6_addr a6;
	struct in_addr a4;
	const char *h, *h_end, *p, *colon;
	size_t h_len;
	unsigned long n;

	if (s[0] == '[') {
		h = s + 1;
		h_end = strchr(h, ']');
		if (h_end == NULL) {
			set_err(why, whylen,
			    "missing \"]\" after the IPv6 address");
			return -1;
		}
		h_len = (size_t)(h_end - h);
		/* A zone only means something on one host's interfaces. */
		if (memchr(h, '%', h_len) != NULL) {
			set_err(why, whylen, "IPv6 zone identifiers "
			    "(\"%%...\") are not accepted");
			return -1;
		}
		if (h_len == 0 || h_len >= sizeof(addr)) {
			set_err(why, whylen, "invalid IPv6 address");
			return -1;
		}
		memcpy(addr, h, h_len);
		addr[h_len] = '\0';
		if (inet_pton(AF_INET6, addr, &a6) != 1) {
			set_err(why, whylen, "invalid IPv6 address");
			return -1;
		}
		if (h_end[1] != ':') {
			set_err(why, whylen, "%s", h_end[1] == '\0' ?
			    "missing \":PORT\"" :
			    "expected \":PORT\" after \"]\"");
			return -1;
		}
		p = h_end + 2;
	} else {
		colon = strchr(s, ':');
		if (colon == NULL) {
			set_err(why, whylen, "missing \":PORT\"");
			return -1;
		}
		if (strchr(colon + 1, ':') != NULL) {
			set_err(why, whylen, "an IPv6 address must be written "
			    "in brackets, as in [2001:db8::1]:8443");
			return -1;
		}
		h = s;
		h_len = (size_t)(colon - s);
		p = colon + 1;
		if (h_len == 0) {
			set_err(why, whylen, "missing host before \":\" "
			    "(use *:PORT for every address)");
			return -1;
		}
		if (h_len == 1 && h[0] == '*') {
			/* Every address. */
		} else if (only_digits_and_dots(h, h_len)) {
			/* Looks like IPv4, so it must be a valid one. */
			if (h_len >= sizeof(addr)) {
				set_err(why, whylen, "invalid IPv4 address");
				return -1;
			}
			memcpy(addr, h, h_len);
			addr[h_len] = '\0';
			if (inet_pton(AF_INET, addr, &a4) != 1) {
				set_err(why, whylen, "invalid IPv4 address");
				return -1;
			}
		} else if (!valid_hostname(h, h_len)) {
			set_err(why, whylen, "invalid host name");
			return -1;
		}
	}
	if (p[0] == '\0') {
		set_err(why, whylen, "missing port after \":\"");
		return -1;
	}
	if (!parse_digits(p, 5, &n) || n < 1 || n > 65535) {
		set_err(why, whylen, "port must be a number from 1 to 65535");
		return -1;
	}
	if (host != NULL) {
		if (h_len >= hostlen) {
			set_err(why, whylen, "host name is too long");
			return -1;
		}
		memcpy(host, h, h_len);
		host[h_len] = '\0';
	}
	if (port != NULL)
		*port = (uint16_t)n;
	return 0;
}

int
cfg_parse_hostport(const char *s, char *host, size_t hostlen, uint16_t *port)
{
	if (s == NULL)
		return -1;
	return hostport_why(s, host, hostlen, port, NULL, 0);
}

/* cfg_parse_cidr(), saying why when it fails. */
static int
cidr_why(const char *s, uint8_t out[16], unsigned *out_len, char *why,
    size_t whylen)
{
	static const uint8_t v4_mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};
	char text[INET6_ADDRSTRLEN];
	uint8_t a[16], net[16];
	const char *slash;
	unsigned long n;
	unsigned max, len, i;
	bool v6, host_bits = false;

	slash = strchr(s, '/');
	if (slash == NULL) {
		set_err(why, whylen, "missing \"/LENGTH\" (as in 10.0.0.0/8 "
		    "or 2001:db8::/32)");
		return -1;
	}
	if (slash == s || (size_t)(slash - s) >= sizeof(text)) {
		set_err(why, whylen, "invalid address");
		return -1;
	}
	memcpy(text, s, (size_t)(slash - s));
	text[slash - s] = '\0';
	if (strchr(text, '%') != NULL) {
		set_err(why, whylen, "IPv6 zone identifiers (\"%%...\") "
		    "are not accepted");
		return -1;
	}
	v6 = strchr(text, ':') != NULL;
	if (v6) {
		max = 128;
		if (inet_pton(AF_INET6, text, a) != 1) {
			set_err(why, whylen, "invalid IPv6 address");
			return -1;
		}
	} else {
		max = 32;
		memcpy(a, v4_mapped, sizeof(v4_mapped));
		if (inet_pton(AF_INET, text, a + 12) != 1) {
			set_err(why, whylen, "invalid IPv4 address");
			return -1;
		}
	}
	if (!parse_digits(slash + 1, 3, &n) || n > max) {
		set_err(why, whylen, "prefix length must be a number from 0 "
		    "to %u", max);
		return -1;
	}
	len = (unsigned)n + (v6 ? 0 : 96);

	/*
	 * "10.0.0.1/8" is most likely a host address typed where a network
	 * was meant; refusing it avoids allowing more (or less) than intended.
	 */
	for (i = 0; i < 16; i++) {
		unsigned keep = len >= 8 * (i + 1) ? 8 :
		    len > 8 * i ? len - 8 * i : 0;
		uint8_t mask = (uint8_t)(keep == 0 ? 0 : 0xff << (8 - keep));

		net[i] = a[i] & mask;
		if (net[i] != a[i])
			host_bits = true;
	}
	if (host_bits) {
		if (inet_ntop(v6 ? AF_INET6 : AF_INET, v6 ? net : net + 12,
		    text, sizeof(text)) == NULL)
			text[0] = '\0';
		set_err(why, whylen, "address bits are set beyond the /%lu "
		    "prefix (the network would be %s/%lu)", n, text, n);
		return -1;
	}
	if (out != NULL)
		memcpy(out, a, 16);
	if (out_len != NULL)
		*out_len = len;
	return 0;
}

int
cfg_parse_cidr(const char *s, uint8_t addr[16], unsigned *prefix_len)
{
	if (s == NULL)
		return -1;
	return cidr_why(s, addr, prefix_len, NULL, 0);
}

/* ------------------------------------------------------------------------ */
/* Table layer.                                                             */
/* ------------------------------------------------------------------------ */

__attribute__((format(printf, 4, 5)))
static void
loc_err(char *err, size_t errlen, const struct cfg_loc *loc,
    const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	set_err(err, errlen, "%s:%u: %s", loc->file ? loc->file : "(default)",
	    loc->line, msg);
}

static const char *
main_name(const struct ini *ini)
{
	return ini->main_file != NULL ? ini->main_file : "(configuration)";
}

/*
 * Append @p s to a list being built in @p buf, separated by @p sep. Once
 * something does not fit, the list ends in "..." and stays that way.
 */
static void
append_item(char *buf, size_t len, size_t *pos, const char *sep, const char *s)
{
	int n;

	if (*pos >= len)
		return;
	n = snprintf(buf + *pos, len - *pos, "%s%s", *pos > 0 ? sep : "", s);
	if (n < 0 || (size_t)n >= len - *pos) {
		/* Mark the cut; len is at least 4 wherever this is used. */
		memcpy(buf + len - 4, "...", 4);
		*pos = len;
		return;
	}
	*pos += (size_t)n;
}

static bool
in_section(const struct ini_entry *e, const char *name, const char *arg)
{
	return strcmp(e->section, name) == 0 &&
	    strcmp(e->section_arg, arg) == 0;
}

#define NO_OPTION ((size_t)-1)

static size_t
find_option(const struct cfg_option *opts, const char *key)
{
	size_t i;

	for (i = 0; opts[i].key != NULL; i++)
		if (strcmp(opts[i].key, key) == 0)
			return i;
	return NO_OPTION;
}

static const struct cfg_section *
find_section(const struct cfg_section *sections, const char *name)
{
	size_t i;

	for (i = 0; sections[i].name != NULL; i++)
		if (strcmp(sections[i].name, name) == 0)
			return &sections[i];
	return NULL;
}

/* Name the valid keys too: the usual cause is a typo. */
static void
unknown_key_err(char *err, size_t errlen, const struct cfg_loc *loc,
    const char *label, const char *key, const struct cfg_option *opts)
{
	char known[512] = "";
	size_t pos = 0, i;

	for (i = 0; opts[i].key != NULL; i++)
		append_item(known, sizeof(known), &pos, ", ", opts[i].key);
	loc_err(err, errlen, loc, "%s unknown key \"%s\" (valid keys: %s)",
	    label, key, pos > 0 ? known : "none");
}

/* The CFG_INT bounds; a table that gives none accepts any long long. */
static void
int_bounds(const struct cfg_option *o, long long *min, long long *max)
{
	if (o->min == 0 && o->max == 0) {
		*min = LLONG_MIN;
		*max = LLONG_MAX;
	} else {
		*min = o->min;
		*max = o->max;
	}
}

/* What check_value() found, for the types stored as more than text. */
union cfg_parsed {
	long long i;
	bool b;
	int e;
};

static int
check_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

/*
 * Validate one value of option @p o. On failure @p why describes the problem
 * in a way that completes "FILE:LINE: [section] key: ".
 */
static int
check_value(const struct cfg_option *o, const char *v, union cfg_parsed *out,
    char *why, size_t whylen)
{
	char q[SHOW_BUF], list[512] = "", sub[256] = "";
	long long n, min, max;
	size_t len = strlen(v), pos = 0, i;
	char *end;

	switch (o->type) {
	case CFG_STRING:
		max = o->max > 0 ? o->max : STRING_DEFAULT_MAX;
		if ((long long)len > max) {
			set_err(why, whylen, "the value is %zu bytes long; at "
			    "most %lld are allowed", len, max);
			return -1;
		}
		if (o->min > 0 && (long long)len < o->min) {
			set_err(why, whylen, "%s is too short; at least %lld "
			    "bytes are required", show(q, v), o->min);
			return -1;
		}
		break;
	case CFG_PATH:
		if (len == 0) {
			set_err(why, whylen, "a path is required, but the "
			    "value is empty");
			return -1;
		}
		if (len >= PATH_MAX) {
			set_err(why, whylen, "the path is longer than %d bytes",
			    PATH_MAX - 1);
			return -1;
		}
		break;
	case CFG_INT:
		int_bounds(o, &min, &max);
		/* strtoll() alone would also take spaces and "0x". */
		if (!(is_digit(v[0]) ||
		    ((v[0] == '-' || v[0] == '+') && is_digit(v[1])))) {
			set_err(why, whylen, "%s is not a whole number",
			    show(q, v));
			return -1;
		}
		errno = 0;
		n = strtoll(v, &end, 10);
		if (*end != '\0') {
			set_err(why, whylen, "%s is not a whole number",
			    show(q, v));
			return -1;
		}
		if (errno == ERANGE || n < min || n > max) {
			set_err(why, whylen, "%.30s%s is out of range "
			    "(%lld..%lld)", v, len > 30 ? "..." : "", min, max);
			return -1;
		}
		out->i = n;
		break;
	case CFG_BOOL:
		if (check_bool(v, &out->b) == -1) {
			set_err(why, whylen, "%s is not a yes/no value (use "
			    "yes/no, true/false, on/off or 1/0)", show(q, v));
			return -1;
		}
		break;
	case CFG_ENUM:
		for (i = 0; o->choices != NULL && o->choices[i] != NULL; i++) {
			if (strcasecmp(v, o->choices[i]) == 0) {
				out->e = (int)i;
				break;
			}
			append_item(list, sizeof(list), &pos, ", ",
			    o->choices[i]);
		}
		if (o->choices == NULL || o->choices[i] == NULL) {
			set_err(why, whylen, "%s is not one of: %s", show(q, v),
			    list);
			return -1;
		}
		break;
	case CFG_HOSTPORT:
		if (hostport_why(v, NULL, 0, NULL, sub, sizeof(sub)) == -1) {
			set_err(why, whylen, "%s: %s (expected HOST:PORT, "
			    "[IPV6]:PORT or *:PORT)", show(q, v), sub);
			return -1;
		}
		break;
	case CFG_CIDR:
		if (cidr_why(v, NULL, NULL, sub, sizeof(sub)) == -1) {
			set_err(why, whylen, "%s: %s", show(q, v), sub);
			return -1;
		}
		break;
	default:
		set_err(why, whylen, "option has an unknown type %d",
		    (int)o->type);
		return -1;
	}
	if (o->check != NULL) {
		sub[0] = '\0';
		if (o->check(v, sub, sizeof(sub)) != 0) {
			set_err(why, whylen, "%s: %s", show(q, v),
			    sub[0] != '\0' ? sub : "not accepted");
			return -1;
		}
	}
	return 0;
}

static bool
stored_as_text(enum cfg_type t)
{
	return t == CFG_STRING || t == CFG_PATH || t == CFG_HOSTPORT ||
	    t == CFG_CIDR;
}

/* The option's field in the caller's struct. */
static void *
field_of(const struct cfg_option *o, void *dst)
{
	return (char *)dst + o->offset;
}

/* Put the "nothing configured" value into an option's field. */
static void
zero_field(const struct cfg_option *o, void *dst)
{
	void *f = field_of(o, dst);
	struct cfg_list empty = { NULL, NULL, 0 };
	char *none = NULL;
	long long zero = 0;
	bool no = false;
	int first = 0;

	if (o->flags & CFG_LIST)
		memcpy(f, &empty, sizeof(empty));
	else if (stored_as_text(o->type))
		memcpy(f, &none, sizeof(none));
	else if (o->type == CFG_INT)
		memcpy(f, &zero, sizeof(zero));
	else if (o->type == CFG_BOOL)
		memcpy(f, &no, sizeof(no));
	else if (o->type == CFG_ENUM)
		memcpy(f, &first, sizeof(first));
}

/*
 * Validate @p v and store it. A list gets room for @p list_cap elements when
 * its first element arrives, so it is allocated once. @p loc is NULL for a
 * built-in default.
 */
static int
set_value(const struct cfg_option *o, void *dst, const char *v,
    const struct cfg_loc *loc, size_t list_cap, char *why, size_t whylen)
{
	static const struct cfg_loc no_loc = { NULL, 0 };
	void *f = field_of(o, dst);
	union cfg_parsed p;
	struct cfg_list l;
	char *copy = NULL;

	if (check_value(o, v, &p, why, whylen) == -1)
		return -1;

	if ((o->flags & CFG_LIST) || stored_as_text(o->type)) {
		if ((copy = strdup(v)) == NULL) {
			set_err(why, whylen, "out of memory");
			return -1;
		}
	}
	if (o->flags & CFG_LIST) {
		memcpy(&l, f, sizeof(l));
		if (l.v == NULL) {
			l.v = calloc(list_cap, sizeof(*l.v));
			l.loc = calloc(list_cap, sizeof(*l.loc));
			if (l.v == NULL || l.loc == NULL) {
				free(l.v);
				free(l.loc);
				free(copy);
				set_err(why, whylen, "out of memory");
				return -1;
			}
		}
		l.v[l.n] = copy;
		l.loc[l.n] = loc != NULL ? *loc : no_loc;
		l.n++;
		memcpy(f, &l, sizeof(l));
	} else if (stored_as_text(o->type)) {
		memcpy(f, &copy, sizeof(copy));
	} else if (o->type == CFG_INT) {
		memcpy(f, &p.i, sizeof(p.i));
	} else if (o->type == CFG_BOOL) {
		memcpy(f, &p.b, sizeof(p.b));
	} else if (o->type == CFG_ENUM) {
		memcpy(f, &p.e, sizeof(p.e));
	}
	return 0;
}

int
cfg_check_layout(const struct ini *ini, const struct cfg_section *sections,
    char *err, size_t errlen)
{
	const struct cfg_section *s;
	const struct ini_section *h;
	const struct ini_entry *e;
	char known[512] = "", label[LABEL_BUF];
	size_t i, pos = 0;

	if (ini == NULL || sections == NULL) {
		set_err(err, errlen, "cfg_check_layout: invalid argument");
		return -1;
	}
	for (i = 0; sections[i].name != NULL; i++)
		append_item(known, sizeof(known), &pos, ", ", sections[i].name);

	for (i = 0; i < ini->n_sections; i++) {
		h = &ini->sections[i];
		s = find_section(sections, h->name);
		if (s == NULL) {
			loc_err(err, errlen, &h->loc, "unknown section [%s] "
			    "(valid sections: %s)", h->name,
			    pos > 0 ? known : "none");
			return -1;
		}
		if (s->has_arg && h->arg[0] == '\0') {
			loc_err(err, errlen, &h->loc, "section [%s] needs an "
			    "argument, as in [%s NAME]", h->name, h->name);
			return -1;
		}
		if (!s->has_arg && h->arg[0] != '\0') {
			loc_err(err, errlen, &h->loc, "section [%s] takes no "
			    "argument, but has \"%s\"", h->name, h->arg);
			return -1;
		}
	}
	for (i = 0; i < ini->n_entries; i++) {
		e = &ini->entries[i];
		if (e->section[0] == '\0') {
			loc_err(err, errlen, &e->loc, "key \"%s\" is outside "
			    "any section; put it under a [section] header",
			    e->key);
			return -1;
		}
		s = find_section(sections, e->section);
		if (s == NULL) {
			loc_err(err, errlen, &e->loc, "unknown section [%s] "
			    "(valid sections: %s)", e->section,
			    pos > 0 ? known : "none");
			return -1;
		}
		/* A section without a table takes any key. */
		if (s->options != NULL &&
		    find_option(s->options, e->key) == NO_OPTION) {
			unknown_key_err(err, errlen, &e->loc,
			    section_label(label, sizeof(label), e->section,
			    e->section_arg), e->key, s->options);
			return -1;
		}
	}
	return 0;
}

/* Name the section header's line, or say the section is absent. */
static void
missing_err(const struct ini *ini, const char *label, const char *name,
    const char *arg, const char *key, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < ini->n_sections; i++) {
		if (strcmp(ini->sections[i].name, name) == 0 &&
		    strcmp(ini->sections[i].arg, arg) == 0) {
			loc_err(err, errlen, &ini->sections[i].loc,
			    "%s missing required key \"%s\"", label, key);
			return;
		}
	}
	set_err(err, errlen, "%s: missing required key \"%s\": there is no %s "
	    "section", main_name(ini), key, label);
}

/* Per option of one cfg_apply() call. */
struct opt_state {
	const struct cfg_loc *first; /* first entry that set it */
	size_t count;                /* entries that set it */
};

int
cfg_apply(const struct ini *ini, const char *name, const char *arg,
    const struct cfg_option *opts, void *dst, char *err, size_t errlen)
{
	struct opt_state *st;
	const struct ini_entry *e;
	const struct cfg_option *o;
	char label[LABEL_BUF], why[768];
	size_t n_opts = 0, i, k;
	int ret = -1;

	if (ini == NULL || name == NULL || opts == NULL || dst == NULL) {
		set_err(err, errlen, "cfg_apply: invalid argument");
		return -1;
	}
	if (arg == NULL)
		arg = "";
	section_label(label, sizeof(label), name, arg);
	while (opts[n_opts].key != NULL)
		n_opts++;
	/* From here on, cfg_release() is safe on every field. */
	for (k = 0; k < n_opts; k++)
		zero_field(&opts[k], dst);

	if ((st = calloc(n_opts + 1, sizeof(*st))) == NULL) {
		set_err(err, errlen, "%s: out of memory", main_name(ini));
		return -1;
	}
	/* Count first, so that each list is allocated once, at its size. */
	for (i = 0; i < ini->n_entries; i++) {
		e = &ini->entries[i];
		if (in_section(e, name, arg) &&
		    (k = find_option(opts, e->key)) != NO_OPTION)
			st[k].count++;
	}

	/* Entries in file order, so the first error is the earliest one. */
	for (i = 0; i < ini->n_entries; i++) {
		e = &ini->entries[i];
		if (!in_section(e, name, arg))
			continue;
		if ((k = find_option(opts, e->key)) == NO_OPTION) {
			unknown_key_err(err, errlen, &e->loc, label, e->key,
			    opts);
			goto out;
		}
		o = &opts[k];
		if (!(o->flags & CFG_LIST) && st[k].first != NULL) {
			loc_err(err, errlen, &e->loc, "%s %s is set again "
			    "(first at %s:%u); it takes a single value",
			    label, o->key, st[k].first->file,
			    st[k].first->line);
			goto out;
		}
		if (st[k].first == NULL)
			st[k].first = &e->loc;
		if (set_value(o, dst, e->value, &e->loc, st[k].count, why,
		    sizeof(why)) == -1) {
			loc_err(err, errlen, &e->loc, "%s %s: %s", label,
			    o->key, why);
			goto out;
		}
	}

	/* Then what was not set: required keys and defaults. */
	for (k = 0; k < n_opts; k++) {
		o = &opts[k];
		if (st[k].first != NULL)
			continue;
		if (o->flags & CFG_REQUIRED) {
			missing_err(ini, label, name, arg, o->key, err, errlen);
			goto out;
		}
		/* A default is config text too; a bad one is a table bug. */
		if (o->def != NULL && set_value(o, dst, o->def, NULL, 1, why,
		    sizeof(why)) == -1) {
			set_err(err, errlen, "%s: %s %s: invalid built-in "
			    "default: %s", main_name(ini), label, o->key, why);
			goto out;
		}
	}
	ret = 0;
out:
	free(st);
	/* All or nothing: the caller never sees half-applied options. */
	if (ret == -1)
		cfg_release(opts, dst);
	return ret;
}

void
cfg_release(const struct cfg_option *opts, void *dst)
{
	struct cfg_list l, empty = { NULL, NULL, 0 };
	char *s;
	size_t k, i;
	void *f;

	if (opts == NULL || dst == NULL)
		return;
	for (k = 0; opts[k].key != NULL; k++) {
		f = field_of(&opts[k], dst);
		if (opts[k].flags & CFG_LIST) {
			memcpy(&l, f, sizeof(l));
			for (i = 0; i < l.n; i++)
				free(l.v[i]);
			free(l.v);
			free(l.loc);
			memcpy(f, &empty, sizeof(empty));
		} else if (stored_as_text(opts[k].type)) {
			memcpy(&s, f, sizeof(s));
			free(s);
			s = NULL;
			memcpy(f, &s, sizeof(s));
		}
	}
}

const struct cfg_loc *
cfg_where(const struct ini *ini, const char *section, const char *arg,
    const char *key)
{
	const struct ini_entry *e;
	size_t i;

	if (ini == NULL || section == NULL || key == NULL)
		return NULL;
	if (arg == NULL)
		arg = "";
	for (i = ini->n_entries; i > 0; i--) {
		e = &ini->entries[i - 1];
		if (in_section(e, section, arg) && strcmp(e->key, key) == 0)
			return &e->loc;
	}
	return NULL;
}

static const char *
type_text(const struct cfg_option *o, char *buf, size_t len)
{
	long long min, max;
	size_t pos = 0, i;
	int n;

	switch (o->type) {
	case CFG_STRING:
		return "string";
	case CFG_PATH:
		return "path";
	case CFG_INT:
		int_bounds(o, &min, &max);
		if (min == LLONG_MIN && max == LLONG_MAX)
			return "integer";
		n = snprintf(buf, len, "integer %lld..%lld", min, max);
		return n < 0 || (size_t)n >= len ? "integer" : buf;
	case CFG_BOOL:
		return "yes/no";
	case CFG_ENUM:
		buf[0] = '\0';
		for (i = 0; o->choices != NULL && o->choices[i] != NULL; i++)
			append_item(buf, len, &pos, "|", o->choices[i]);
		return buf;
	case CFG_HOSTPORT:
		return "host:port";
	case CFG_CIDR:
		return "address/length";
	default:
		return "?";
	}
}

void
cfg_print_help(const struct cfg_section *sections, void *fp)
{
	const struct cfg_option *o;
	char name[2 * NAME_MAX_LEN + 16], type[256], kind[300];
	const char *def;
	size_t i, k;
	FILE *f = fp;
	int n;

	if (sections == NULL || f == NULL)
		return;
	for (i = 0; sections[i].name != NULL; i++) {
		if (sections[i].options == NULL)
			continue;
		for (k = 0; sections[i].options[k].key != NULL; k++) {
			o = &sections[i].options[k];
			n = snprintf(name, sizeof(name), "%s.%s",
			    sections[i].name, o->key);
			if (n < 0 || (size_t)n >= sizeof(name))
				continue;
			/* A truncated type is still worth printing. */
			(void)snprintf(kind, sizeof(kind), "%s%s",
			    type_text(o, type, sizeof(type)),
			    (o->flags & CFG_LIST) ? ", repeatable" : "");
			if (o->flags & CFG_REQUIRED)
				def = "(required)";
			else if (o->def != NULL)
				def = o->def;
			else
				def = "-";
			fprintf(f, "%-28s %-24s %-16s %s\n", name, kind, def,
			    o->help != NULL ? o->help : "");
		}
	}
}
