/*
 * log.h: the daemon's and tools' diagnostic log.
 *
 * One small API in the style of the BSD daemons: log_warn() appends the errno
 * text, log_warnx() does not, fatal()/fatalx() log and exit (startup paths
 * only). Output goes to stderr (or a stream set with log_set_output()) in one
 * of two forms:
 *
 *   text:  "<6>perspectived[us-east-2]: message"   (sd-daemon prefix, when
 *          running under systemd) or "2026-11-29T05:04:12Z info: message"
 *          (with an ident: "2026-11-29T05:04:12Z perspectived[us-east-2]
 *          info: message"; without ident and code the prefix is bare)
 *   json:  {"ts":"2026-11-29T05:04:12.123Z","level":"info",
 *           "ident":"perspectived","perspective":"us-east-2","msg":"message"}
 *
 * Every line is exactly one line: control characters (CR, LF, ESC, ...) are
 * escaped and invalid UTF-8 is replaced, so text that came from the network
 * can never forge a log line or a terminal escape. Network data is always
 * passed as an argument, never as the format.
 *
 * A line is at most 8 KiB. A longer message is cut on a character boundary
 * (the errno text of log_warn() is kept) and marked: "truncated":true in
 * JSON, " (truncated)" at the end in text. Levels outside err..debug are
 * clamped to that range. sd_prefix applies to text only. The caller's errno
 * is unchanged by every call.
 *
 * The audit log of the plugin is a separate, structured stream; this is not it.
 */
#ifndef MPIC_LOG_H
#define MPIC_LOG_H

#include <stdarg.h>
#include <stdio.h>

/* Priorities are syslog's, as sd-daemon(3) prefixes use them. */
enum log_level {
	LOG_LVL_ERR = 3,
	LOG_LVL_WARNING = 4,
	LOG_LVL_NOTICE = 5,
	LOG_LVL_INFO = 6,
	LOG_LVL_DEBUG = 7,
};

enum log_format {
	LOG_FORMAT_TEXT,
	LOG_FORMAT_JSON,
};

#define LOG_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))

/**
 * Configure the log. May be called again (for example after a reload).
 * @param ident     program name shown in every line (copied)
 * @param format    text or JSON lines
 * @param max_level messages above this level are dropped (LOG_LVL_INFO by default)
 * @param sd_prefix when non-zero, text lines start with "<N>" for journald
 */
void log_init(const char *ident, enum log_format format, int max_level, int sd_prefix);

/** Send log lines to @p fp instead of stderr (tests); NULL restores stderr. */
void log_set_output(FILE *fp);

/**
 * Name the perspective this process serves; it is added to every line
 * ("perspective" in JSON, "[code]" after the ident in text). NULL clears it.
 */
void log_set_perspective(const char *code);

/** Parse "text"/"json" and "err|warning|notice|info|debug"; -1 if unknown. */
int log_format_from_string(const char *s);
int log_level_from_string(const char *s);

void log_warn(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_warnx(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_notice(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_info(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_debug(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_msg(int level, const char *fmt, ...) LOG_PRINTF(2, 3);
void log_vmsg(int level, const char *fmt, va_list ap) LOG_PRINTF(2, 0);

/** Log at LOG_LVL_ERR (with the errno text for fatal()) and exit(1). */
__attribute__((noreturn)) void fatal(const char *fmt, ...) LOG_PRINTF(1, 2);
__attribute__((noreturn)) void fatalx(const char *fmt, ...) LOG_PRINTF(1, 2);

/**
 * Escape @p len bytes of @p s into @p out (NUL-terminated, at most @p outlen
 * bytes including the NUL) so that the result is valid UTF-8 and holds no
 * control characters: JSON escapes (\n, \u001b, ...) for bytes below 0x20 and
 * 0x7f, "\"" and "\\" escaped, invalid UTF-8 replaced by U+FFFD. Truncates on
 * a character boundary when @p out is too small.
 * Also escaped as \uXXXX: the C1 controls U+0080..U+009F (U+009B is a
 * terminal CSI) and U+2028/U+2029, which some viewers break lines on. Each
 * maximal invalid subpart becomes one U+FFFD (Unicode chapter 3). An
 * escape is never split. @p outlen 0 writes nothing.
 * @return the length written (excluding the NUL).
 */
size_t log_escape(const char *s, size_t len, char *out, size_t outlen);

#endif /* MPIC_LOG_H */
