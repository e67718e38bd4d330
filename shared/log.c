/*
 * log.c: the daemon's and tools' diagnostic log.
 *
 * Every call produces exactly one line, built completely in a local buffer
 * and handed to the stream with one fwrite() and fflush() under a mutex, so
 * lines from concurrent threads never interleave. Lines are bounded
 * (LOG_LINE_MAX): a longer message is cut on a character boundary and
 * marked as truncated, never split over two lines.
 *
 * Messages routinely quote things a remote party chose (a DNS answer, an
 * HTTP header, a TLS name). All of it goes through log_escape(), in both
 * formats, so it cannot start a new line, forge a record, or send escape
 * sequences to an operator's terminal.
 */
#include "log.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "utf8.h"

#define LOG_LINE_MAX 8192      /* one output line, newline included */
#define LOG_MSG_MAX 8192       /* the formatted message before escaping */
#define LOG_NAME_MAX 64        /* ident and perspective code, NUL included */
#define LOG_ERRNO_RESERVE 128  /* ": strerror(errno)", NUL included */
#define LOG_TAIL_RESERVE 32    /* room kept for the end of a line */

/* What log_escape() writes for an invalid UTF-8 sequence: U+FFFD. */
static const char replacement[] = "\xef\xbf\xbd";

/*
 * The configuration and the stream, both guarded by log_mtx. Until
 * log_init() runs the log is usable: text to stderr, no ident.
 */
static pthread_mutex_t log_mtx = PTHREAD_MUTEX_INITIALIZER;
static char log_ident[LOG_NAME_MAX];
static char log_perspective[LOG_NAME_MAX];
static enum log_format log_fmt = LOG_FORMAT_TEXT;
static int log_max_level = LOG_LVL_INFO;
static int log_sd_prefix;
static FILE *log_out; /* NULL means stderr */

/*
 * The length of @p s[0..n) without an incomplete UTF-8 sequence at its
 * end, so that cutting a string never manufactures invalid UTF-8.
 */
static size_t
utf8_trim(const char *s, size_t n)
{
	size_t i = n, cont = 0, need;
	unsigned char lead;

	while (i > 0 && cont < 3 && ((unsigned char)s[i - 1] & 0xc0) == 0x80) {
		i--;
		cont++;
	}
	if (i == 0)
		return n;
	lead = (unsigned char)s[i - 1];
	if (lead >= 0xf0)
		need = 4;
	else if (lead >= 0xe0)
		need = 3;
	else if (lead >= 0xc0)
		need = 2;
	else
		return n;
	return cont + 1 < need ? i - 1 : n;
}

/* Copy a configured name, bounded and cut on a character boundary. */
static void
set_name(char dst[LOG_NAME_MAX], const char *src)
{
	size_t n = src != NULL ? strlen(src) : 0;

	if (n > LOG_NAME_MAX - 1)
		n = utf8_trim(src, LOG_NAME_MAX - 1);
	if (n > 0)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

/* "\u" and four lower-case hex digits into @p rep (6 bytes). */
static size_t
u_escape(char *rep, uint32_t cp)
{
	static const char hex[] = "0123456789abcdef";

	rep[0] = '\\';
	rep[1] = 'u';
	rep[2] = hex[(cp >> 12) & 0xf];
	rep[3] = hex[(cp >> 8) & 0xf];
	rep[4] = hex[(cp >> 4) & 0xf];
	rep[5] = hex[cp & 0xf];
	return 6;
}

/*
 * log_escape() that also says how much input it used (@p consumed), so a
 * caller can tell whether it had to cut. Each character's escape is
 * written whole or not at all.
 */
static size_t
escape_into(const char *s, size_t len, char *out, size_t outlen,
    size_t *consumed)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, n = 0;

	if (consumed != NULL)
		*consumed = 0;
	if (outlen == 0)
		return 0;
	if (s == NULL)
		len = 0;
	while (i < len) {
		char rep[8];
		const char *src = rep;
		size_t rlen, step = 1;
		unsigned char c = u[i];

		if (c < 0x80) {
			rlen = 2;
			rep[0] = '\\';
			switch (c) {
			case '"': rep[1] = '"'; break;
			case '\\': rep[1] = '\\'; break;
			case '\b': rep[1] = 'b'; break;
			case '\f': rep[1] = 'f'; break;
			case '\n': rep[1] = 'n'; break;
			case '\r': rep[1] = 'r'; break;
			case '\t': rep[1] = 't'; break;
			default:
				if (c < 0x20 || c == 0x7f)
					rlen = u_escape(rep, c);
				else {
					rep[0] = (char)c;
					rlen = 1;
				}
			}
		} else {
			uint32_t cp = 0;
			size_t skip = 1;
			bool valid;

			step = utf8_decode(u + i, len - i, &cp, &skip);
			valid = step != 0;
			if (!valid)
				step = skip;
			if (!valid) {
				src = replacement;
				rlen = sizeof(replacement) - 1;
			} else if ((cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 ||
			    cp == 0x2029) {
				/* C1 controls (0x9b is a terminal CSI) and the
				 * Unicode line and paragraph separators, which
				 * some viewers treat as line breaks. */
				rlen = u_escape(rep, cp);
			} else {
				src = s + i;
				rlen = step;
			}
		}
		if (rlen > outlen - 1 - n)
			break;
		memcpy(out + n, src, rlen);
		n += rlen;
		i += step;
	}
	out[n] = '\0';
	if (consumed != NULL)
		*consumed = i;
	return n;
}

size_t
log_escape(const char *s, size_t len, char *out, size_t outlen)
{
	return escape_into(s, len, out, outlen, NULL);
}

/* A line under construction; put() never writes past LOG_LINE_MAX - 1. */
struct line {
	char b[LOG_LINE_MAX];
	size_t n;
};

static void
put(struct line *l, const char *s, size_t n)
{
	size_t room = sizeof(l->b) - 1 - l->n;

	if (n > room)
		n = room;
	memcpy(l->b + l->n, s, n);
	l->n += n;
}

static void
puts_(struct line *l, const char *s)
{
	put(l, s, strlen(s));
}

/*
 * Append @p s escaped, leaving @p reserve bytes free for what must follow.
 * @return false when the text had to be cut.
 */
static bool
put_esc(struct line *l, const char *s, size_t len, size_t reserve)
{
	size_t room = sizeof(l->b) - l->n, used;

	if (room <= reserve)
		return len == 0;
	l->n += escape_into(s, len, l->b + l->n, room - reserve, &used);
	return used == len;
}

/* RFC 3339 UTC: "2026-11-29T05:04:12Z", or with ".123" milliseconds. */
static void
put_time(struct line *l, bool millis)
{
	struct timespec ts;
	struct tm tm;
	char buf[64];
	size_t n;

	if (clock_gettime(CLOCK_REALTIME, &ts) == -1) {
		ts.tv_sec = 0;
		ts.tv_nsec = 0;
	}
	if (gmtime_r(&ts.tv_sec, &tm) == NULL ||
	    (n = strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm)) == 0) {
		puts_(l, "1970-01-01T00:00:00");
	} else
		put(l, buf, n);
	if (millis) {
		long ms = ts.tv_nsec / 1000000;
		char frac[5];

		frac[0] = '.';
		frac[1] = (char)('0' + ms / 100 % 10);
		frac[2] = (char)('0' + ms / 10 % 10);
		frac[3] = (char)('0' + ms % 10);
		frac[4] = '\0';
		puts_(l, frac);
	}
	puts_(l, "Z");
}

static const char *
level_name(int level)
{
	switch (level) {
	case LOG_LVL_ERR:
		return "err";
	case LOG_LVL_WARNING:
		return "warning";
	case LOG_LVL_NOTICE:
		return "notice";
	case LOG_LVL_INFO:
		return "info";
	default:
		return "debug";
	}
}

/* syslog's emerg, alert and crit are logged as err; anything past debug
 * as debug. */
static int
clamp_level(int level)
{
	if (level < LOG_LVL_ERR)
		return LOG_LVL_ERR;
	if (level > LOG_LVL_DEBUG)
		return LOG_LVL_DEBUG;
	return level;
}

/* strerror() is not thread-safe everywhere; pick the strerror_r() we have. */
static const char *
errno_text(int err, char *buf, size_t len)
{
#if defined(__GLIBC__) && defined(_GNU_SOURCE)
	return strerror_r(err, buf, len);
#else
	if (strerror_r(err, buf, len) != 0)
		snprintf(buf, len, "error %d", err);
	return buf;
#endif
}

/*
 * Build the whole line under log_mtx and write it at once. @p suffix (the
 * errno text, or "") is escaped first and room is kept for it, so a long
 * message is what gets cut, never the reason for the failure.
 */
static void
emit(int level, const char *msg, size_t len, const char *suffix,
    bool truncated)
{
	char esuffix[LOG_ERRNO_RESERVE * 6];
	size_t slen, reserve;
	struct line l;
	FILE *fp;

	slen = log_escape(suffix, strlen(suffix), esuffix, sizeof(esuffix));
	reserve = LOG_TAIL_RESERVE + slen;
	l.n = 0;
	if (log_fmt == LOG_FORMAT_JSON) {
		puts_(&l, "{\"ts\":\"");
		put_time(&l, true);
		puts_(&l, "\",\"level\":\"");
		puts_(&l, level_name(level));
		puts_(&l, "\"");
		if (log_ident[0] != '\0') {
			puts_(&l, ",\"ident\":\"");
			put_esc(&l, log_ident, strlen(log_ident), 0);
			puts_(&l, "\"");
		}
		if (log_perspective[0] != '\0') {
			puts_(&l, ",\"perspective\":\"");
			put_esc(&l, log_perspective, strlen(log_perspective),
			    0);
			puts_(&l, "\"");
		}
		puts_(&l, ",\"msg\":\"");
		if (!put_esc(&l, msg, len, reserve))
			truncated = true;
		put(&l, esuffix, slen);
		puts_(&l, "\"");
		if (truncated)
			puts_(&l, ",\"truncated\":true");
		puts_(&l, "}");
	} else {
		bool named = log_ident[0] != '\0' || log_perspective[0] != '\0';

		if (log_sd_prefix) {
			/* journald stamps the time and reads the priority. */
			char pri[4] = { '<', (char)('0' + level), '>', '\0' };

			puts_(&l, pri);
		} else {
			put_time(&l, false);
			puts_(&l, " ");
		}
		put_esc(&l, log_ident, strlen(log_ident), 0);
		if (log_perspective[0] != '\0') {
			puts_(&l, "[");
			put_esc(&l, log_perspective, strlen(log_perspective),
			    0);
			puts_(&l, "]");
		}
		if (log_sd_prefix) {
			if (named)
				puts_(&l, ": ");
		} else {
			if (named)
				puts_(&l, " ");
			puts_(&l, level_name(level));
			puts_(&l, ": ");
		}
		if (!put_esc(&l, msg, len, reserve))
			truncated = true;
		put(&l, esuffix, slen);
		if (truncated)
			puts_(&l, " (truncated)");
	}
	/* put() keeps one byte spare, so the newline always fits. */
	l.b[l.n++] = '\n';

	fp = log_out != NULL ? log_out : stderr;
	(void)fwrite(l.b, 1, l.n, fp);
	(void)fflush(fp);
}

/*
 * The common path. @p err is the errno to describe, or -1 for none.
 * The caller's errno survives a log call.
 */
static void vlog(int level, int err, const char *fmt, va_list ap)
    LOG_PRINTF(3, 0);

static void
vlog(int level, int err, const char *fmt, va_list ap)
{
	char msg[LOG_MSG_MAX];
	char suffix[LOG_ERRNO_RESERVE] = "";
	size_t n = 0;
	bool truncated = false;
	int saved = errno;

	level = clamp_level(level);
	if (pthread_mutex_lock(&log_mtx) != 0) {
		errno = saved;
		return;
	}
	if (level > log_max_level)
		goto out;

	msg[0] = '\0';
	if (fmt != NULL) {
		int r = vsnprintf(msg, sizeof(msg), fmt, ap);

		if (r < 0) {
			n = (size_t)snprintf(msg, sizeof(msg),
			    "(unprintable message)");
		} else if ((size_t)r >= sizeof(msg)) {
			n = utf8_trim(msg, sizeof(msg) - 1);
			truncated = true;
		} else
			n = (size_t)r;
	}
	if (err >= 0) {
		char ebuf[LOG_ERRNO_RESERVE];
		const char *etext = errno_text(err, ebuf, sizeof(ebuf));

		/* An over-long errno text is cut; that is all. */
		(void)snprintf(suffix, sizeof(suffix), "%s%s",
		    n > 0 ? ": " : "", etext);
	}
	emit(level, msg, n, suffix, truncated);
out:
	pthread_mutex_unlock(&log_mtx);
	errno = saved;
}

void
log_init(const char *ident, enum log_format format, int max_level,
    int sd_prefix)
{
	pthread_mutex_lock(&log_mtx);
	set_name(log_ident, ident);
	log_fmt = format == LOG_FORMAT_JSON ? LOG_FORMAT_JSON : LOG_FORMAT_TEXT;
	log_max_level = clamp_level(max_level);
	log_sd_prefix = sd_prefix != 0;
	pthread_mutex_unlock(&log_mtx);
}

void
log_set_output(FILE *fp)
{
	pthread_mutex_lock(&log_mtx);
	log_out = fp;
	pthread_mutex_unlock(&log_mtx);
}

void
log_set_perspective(const char *code)
{
	pthread_mutex_lock(&log_mtx);
	set_name(log_perspective, code);
	pthread_mutex_unlock(&log_mtx);
}

int
log_format_from_string(const char *s)
{
	if (s == NULL)
		return -1;
	if (strcmp(s, "text") == 0)
		return LOG_FORMAT_TEXT;
	if (strcmp(s, "json") == 0)
		return LOG_FORMAT_JSON;
	return -1;
}

int
log_level_from_string(const char *s)
{
	static const struct {
		const char *name;
		int level;
	} names[] = {
		{ "err", LOG_LVL_ERR },
		{ "warning", LOG_LVL_WARNING },
		{ "notice", LOG_LVL_NOTICE },
		{ "info", LOG_LVL_INFO },
		{ "debug", LOG_LVL_DEBUG },
	};

	if (s == NULL)
		return -1;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i].name) == 0)
			return names[i].level;
	return -1;
}

void
log_warn(const char *fmt, ...)
{
	int err = errno; /* before anything can change it */
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_WARNING, err, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_WARNING, -1, fmt, ap);
	va_end(ap);
}

void
log_notice(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_NOTICE, -1, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_INFO, -1, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_DEBUG, -1, fmt, ap);
	va_end(ap);
}

void
log_msg(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(level, -1, fmt, ap);
	va_end(ap);
}

void
log_vmsg(int level, const char *fmt, va_list ap)
{
	vlog(level, -1, fmt, ap);
}

void
fatal(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_ERR, err, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_ERR, -1, fmt, ap);
	va_end(ap);
	exit(1);
}
