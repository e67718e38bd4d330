/*
 * config.h: INI configuration files, read through a table of options.
 *
 * Two layers. The INI layer reads files into a flat list of entries, each
 * with its file and line:
 *
 *   [section] or [section argument]    key = value    # or ; comments
 *   include = GLOB                     (textual inclusion, relative to the
 *                                       including file's folder)
 *
 * A repeated key is kept as repeated entries, so it can build a list. Values
 * may be written in double quotes (then "#" and ";" are literal and \" and \\
 * are escapes). Outside quotes, a "#" or ";" preceded by white space starts a
 * comment. The INI layer enforces ceilings on line length, file size, entry
 * count, include depth and file count.
 *
 * Section names and keys are lower-case letters, digits, "_" and "-"; section
 * arguments may also use upper case and "."; each is at most 63 bytes. Lines
 * must be UTF-8 without control characters other than tab (CRLF endings and
 * a leading BOM are accepted), so values can be quoted in messages as they are.
 * "include" is a directive in any section, never an entry: its pattern is
 * expanded with glob(3) and the matches are read in byte order. A pattern
 * with wildcards may match nothing; a plain file name that does not exist is
 * an error, since it is most likely a typo.
 *
 * The table layer walks a table of options (name, type, bounds, default,
 * help) over the entries of one section, stores typed values into a caller's
 * struct at the given offsets, and rejects unknown keys, unknown sections,
 * repeated non-list keys, out-of-range values and missing required keys. All
 * errors read "FILE:LINE: what is wrong".
 */
#ifndef MPIC_CONFIG_H
#define MPIC_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Ceilings of the INI layer. */
#define CFG_MAX_LINE 4096          /* bytes per line */
#define CFG_MAX_FILE_SIZE (1 << 20) /* bytes per file */
#define CFG_MAX_ENTRIES 10000      /* key = value lines over all files */
#define CFG_MAX_INCLUDE_DEPTH 8
#define CFG_MAX_FILES 256

struct cfg_loc {
	const char *file; /* owned by the struct ini */
	unsigned line;
};

struct ini_entry {
	char *section;     /* "" before the first section header */
	char *section_arg; /* "" when the header had no argument */
	char *key;
	char *value;
	struct cfg_loc loc;
};

/* A section header as seen, so errors about missing keys can name its line. */
struct ini_section {
	char *name;
	char *arg;
	struct cfg_loc loc;
};

/* Every string and array in a struct ini is owned by it; see ini_free(). */
struct ini {
	struct ini_entry *entries;
	size_t n_entries, cap_entries;
	struct ini_section *sections;
	size_t n_sections, cap_sections;
	char **files; /* every file read, for cfg_loc.file */
	size_t n_files;
	char *main_file; /* name of the top-level file (or string source) */
};

/**
 * Read @p path (and whatever it includes) into @p ini, which must be zeroed
 * or freshly freed.
 * @return 0, or -1 with "FILE:LINE: reason" (or "FILE: reason") in @p err.
 * On failure @p ini is left empty (already freed; ini_free() is harmless).
 */
int ini_load_file(struct ini *ini, const char *path, char *err, size_t errlen);

/**
 * Same, from a string; @p name is used as the file name in errors and
 * includes are resolved relative to the current directory.
 */
int ini_load_string(struct ini *ini, const char *name, const char *text,
    char *err, size_t errlen);

/** Free everything in @p ini and zero it; safe to call twice. */
void ini_free(struct ini *ini);

/* Option types, and the C type each is stored as at the option's offset. */
enum cfg_type {
	CFG_STRING,   /* char *  (heap copy; max = maximum length, 0 = 1024;
	                 min > 0 = minimum length) */
	CFG_PATH,     /* char *  (non-empty, no NUL; not checked for existence) */
	CFG_INT,      /* long long, within [min, max] (min = max = 0: any) */
	CFG_BOOL,     /* bool: yes/no, true/false, on/off, 1/0 */
	CFG_ENUM,     /* int: index into choices, matched case-insensitively */
	CFG_HOSTPORT, /* char *  "host:port", "[v6]:port"; see cfg_parse_hostport() */
	CFG_CIDR,     /* char *  "addr/len" (v4 or v6); see cfg_parse_cidr() */
};

#define CFG_REQUIRED 0x1u
/* Repeatable: stored as struct cfg_list of the element's text form. */
#define CFG_LIST 0x2u

/*
 * loc[i].file points into the struct ini, so keep it while using locations.
 * A value that came from the option's default has loc { NULL, 0 }.
 */
struct cfg_list {
	char **v;            /* values as text, already validated for the type */
	struct cfg_loc *loc; /* where each came from */
	size_t n;
};

/* Extra validation for one value: return 0, or -1 with a reason in @p why. */
typedef int (*cfg_check_fn)(const char *value, char *why, size_t whylen);

struct cfg_option {
	const char *key;
	enum cfg_type type;
	unsigned flags;
	size_t offset;             /* where to store, in the caller's struct */
	long long min, max;        /* CFG_INT bounds; CFG_STRING max length */
	const char *def;           /* default, as config text; NULL: none */
	const char *const *choices; /* CFG_ENUM: NULL-terminated */
	cfg_check_fn check;        /* optional */
	const char *help;          /* one line, for --help and documentation */
};

/* The option table of one section kind; tables end with a NULL key. */
struct cfg_section {
	const char *name;          /* e.g. "perspective" */
	bool has_arg;              /* [perspective us-east-2] style */
	const struct cfg_option *options; /* NULL: any key is accepted */
};

/**
 * Check that every section header and every entry of @p ini belongs to one
 * of @p sections (NULL-name terminated), that arguments are present exactly
 * where has_arg says, and that no key appears outside a section. Keys are
 * also checked against each section's options (unless they are NULL), so
 * sections the caller never applies cannot hide a typo.
 * @return 0, or -1 with "FILE:LINE: reason".
 */
int cfg_check_layout(const struct ini *ini, const struct cfg_section *sections,
    char *err, size_t errlen);

/**
 * Apply @p opts to the entries of section @p name (with argument @p arg, ""
 * for none): set defaults, parse every entry into @p dst, then check required
 * keys. Unknown keys are errors.
 *
 * Every field named in @p opts is overwritten without being freed, so call
 * cfg_release() before applying again. A default is used only when the key
 * is absent; for a CFG_LIST it is one element. Errors are reported in file
 * order, the first one only.
 * @return 0, or -1 with "FILE:LINE: reason"; on failure everything this call
 * stored has been released again and the fields are NULL or zero.
 */
int cfg_apply(const struct ini *ini, const char *name, const char *arg,
    const struct cfg_option *opts, void *dst, char *err, size_t errlen);

/**
 * Free what cfg_apply() allocated in @p dst (strings and lists) and set
 * those fields to NULL / empty, so calling it twice is harmless.
 */
void cfg_release(const struct cfg_option *opts, void *dst);

/**
 * Where a key was set (its last occurrence), or NULL if it was not. Used to
 * report later failures, such as an unreadable certificate, at the right line.
 */
const struct cfg_loc *cfg_where(const struct ini *ini, const char *section,
    const char *arg, const char *key);

/**
 * Parse "host:port", "[v6]:port" or "v4:port" (host may also be "*" or a
 * name). @p host receives the host without brackets ("*" stays "*"); @p
 * host and @p port may be NULL to only validate. IPv6 needs brackets; zone
 * ids ("%eth0") are refused; names follow RFC 1123.
 * @return 0, or -1 if malformed, the port is not 1..65535 or the host does
 * not fit into @p hostlen bytes.
 */
int cfg_parse_hostport(const char *s, char *host, size_t hostlen, uint16_t *port);

/**
 * Parse "addr/len" into a 16-byte network address (IPv4 mapped into
 * ::ffff:0:0/96, length adjusted) and a prefix length 0..128. Host bits set
 * beyond the prefix are an error. The "/len" part is required. @p addr and
 * @p prefix_len may be NULL to only validate.
 * @return 0, or -1 if malformed.
 */
int cfg_parse_cidr(const char *s, uint8_t addr[16], unsigned *prefix_len);

/** Print "section.key  type  default  help" lines for --help output. */
void cfg_print_help(const struct cfg_section *sections, void *fp /* FILE * */);

#endif /* MPIC_CONFIG_H */
