/*
 * fuzz_config.c: libFuzzer harness for shared/config.c, the INI reader and
 * the table of options behind perspectived.conf.
 *
 * The input is the text of a configuration file (up to its first NUL). It
 * is read with ini_load_string(), checked with cfg_check_layout() against a
 * small table that has an option of every type (plain, repeatable and
 * required), applied section by section with cfg_apply(), and released with
 * cfg_release() and ini_free(), each twice. Checked: what the reader keeps
 * is well formed (names, UTF-8, locations), every applied value obeys its
 * option (bounds, choices, host:port and CIDR syntax, string lengths), a
 * failed apply leaves nothing behind, and the errors are "FILE:LINE: ..."
 * lines. cfg_parse_hostport() and cfg_parse_cidr() also run on every value,
 * with exact-size output buffers.
 *
 * Includes: ini_load_string() resolves them against the current folder. To
 * keep the fuzzer off the real filesystem, LLVMFuzzerInitialize() makes a
 * fresh folder with mkdtemp(3) that holds only a few small fixture files of
 * ours (one to include, one that includes itself, one with a syntax error),
 * each input is read with that folder as the current one (and the previous
 * one restored after, so libFuzzer's relative paths keep working), and an
 * input that mentions "include" and contains a "/" is skipped, so no
 * pattern can reach outside the folder. The folder is removed at exit.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "fuzz_config: invariant failed: %s (%s:%d)\n", \
			    #cond, __FILE__, __LINE__);                        \
			abort();                                               \
		}                                                              \
	} while (0)

struct conf {
	/* [main] */
	char *name;
	char *note;
	char *path;
	long long port;
	long long any;
	bool flag;
	int mode;
	char *listen;
	char *net;
	struct cfg_list listens;
	struct cfg_list nets;
	struct cfg_list ints;
	struct cfg_list notes;
	/* [peer NAME] */
	char *url;
	bool strict;
};

static const char *const modes[] = { "strict", "lenient", "off", NULL };

static int
check_lower(const char *v, char *why, size_t whylen)
{
	for (const char *p = v; *p != '\0'; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-')) {
			snprintf(why, whylen, "use lower-case letters, digits and \"-\"");
			return -1;
		}
	}
	return 0;
}

static const struct cfg_option main_opts[] = {
	{ .key = "name", .type = CFG_STRING, .flags = CFG_REQUIRED,
	  .offset = offsetof(struct conf, name), .min = 1, .max = 32, .check = check_lower,
	  .help = "a name" },
	{ .key = "note", .type = CFG_STRING, .offset = offsetof(struct conf, note),
	  .def = "none", .help = "free text" },
	{ .key = "path", .type = CFG_PATH, .offset = offsetof(struct conf, path),
	  .help = "a file" },
	{ .key = "port", .type = CFG_INT, .offset = offsetof(struct conf, port),
	  .min = 1, .max = 65535, .def = "8443", .help = "a port" },
	{ .key = "any", .type = CFG_INT, .offset = offsetof(struct conf, any),
	  .help = "any integer" },
	{ .key = "flag", .type = CFG_BOOL, .offset = offsetof(struct conf, flag),
	  .def = "no", .help = "a switch" },
	{ .key = "mode", .type = CFG_ENUM, .offset = offsetof(struct conf, mode),
	  .choices = modes, .def = "strict", .help = "a choice" },
	{ .key = "listen", .type = CFG_HOSTPORT, .offset = offsetof(struct conf, listen),
	  .def = "127.0.0.1:8443", .help = "an address" },
	{ .key = "net", .type = CFG_CIDR, .offset = offsetof(struct conf, net),
	  .help = "a network" },
	{ .key = "also_listen", .type = CFG_HOSTPORT, .flags = CFG_LIST,
	  .offset = offsetof(struct conf, listens), .def = "[::1]:443",
	  .help = "more addresses" },
	{ .key = "allow", .type = CFG_CIDR, .flags = CFG_LIST,
	  .offset = offsetof(struct conf, nets), .help = "networks" },
	{ .key = "small", .type = CFG_INT, .flags = CFG_LIST,
	  .offset = offsetof(struct conf, ints), .min = -5, .max = 5, .help = "small numbers" },
	{ .key = "notes", .type = CFG_STRING, .flags = CFG_LIST,
	  .offset = offsetof(struct conf, notes), .max = 8, .help = "short notes" },
	{ .key = NULL },
};

static const struct cfg_option peer_opts[] = {
	{ .key = "url", .type = CFG_STRING, .flags = CFG_REQUIRED,
	  .offset = offsetof(struct conf, url), .help = "where it listens" },
	{ .key = "strict", .type = CFG_BOOL, .offset = offsetof(struct conf, strict),
	  .def = "on", .help = "be strict" },
	{ .key = NULL },
};

static const struct cfg_section sections[] = {
	{ .name = "main", .options = main_opts },
	{ .name = "peer", .has_arg = true, .options = peer_opts },
	{ .name = "free", .options = NULL },
	{ .name = NULL },
};

/* The folder inputs are read in, the fixture files in it, and where we were. */
static char work_dir[PATH_MAX];
static int home_fd = -1;
static const struct {
	const char *name;
	const char *text;
} fixtures[] = {
	{ "a.conf", "[main]\nname = from-a\nsmall = 3\n" },
	{ "b.conf", "notes = b\ninclude = a.conf\n" },
	{ "self.conf", "include = self.conf\n" },
	{ "bad.conf", "[main\n" },
	{ "peer.conf", "[peer x.example]\nurl = \"https://x.example/#a;b\"\n" },
};
#define N_FIXTURES (sizeof(fixtures) / sizeof(fixtures[0]))

static void
remove_work_dir(void)
{
	char path[PATH_MAX + 32];

	for (size_t i = 0; i < N_FIXTURES; i++) {
		snprintf(path, sizeof(path), "%s/%s", work_dir, fixtures[i].name);
		(void)unlink(path);
	}
	(void)rmdir(work_dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");
	FILE *f;
	char *help = NULL;
	size_t help_len = 0;
	int n;

	(void)argc;
	(void)argv;
	n = snprintf(work_dir, sizeof(work_dir), "%s/fuzz_config.XXXXXX",
	    tmp != NULL && tmp[0] == '/' ? tmp : "/tmp");
	CHECK(n > 0 && (size_t)n < sizeof(work_dir));
	if (mkdtemp(work_dir) == NULL ||
	    (home_fd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		fprintf(stderr, "fuzz_config: cannot make a work folder: %s\n", strerror(errno));
		exit(1);
	}
	atexit(remove_work_dir);
	for (size_t i = 0; i < N_FIXTURES; i++) {
		char path[PATH_MAX + 32];

		snprintf(path, sizeof(path), "%s/%s", work_dir, fixtures[i].name);
		CHECK((f = fopen(path, "w")) != NULL);
		CHECK(fputs(fixtures[i].text, f) >= 0 && fclose(f) == 0);
	}
	/* The help printer walks the same table: once is enough. */
	CHECK((f = open_memstream(&help, &help_len)) != NULL);
	cfg_print_help(sections, f);
	CHECK(fclose(f) == 0);
	CHECK(help != NULL && strstr(help, "main.also_listen") != NULL);
	free(help);
	return 0;
}

static bool
valid_name(const char *s, bool arg)
{
	size_t n = strlen(s);

	if (n > 63)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
		    (arg && ((c >= 'A' && c <= 'Z') || c == '.'))))
			return false;
	}
	return true;
}

/* UTF-8 without control characters other than tab. */
static bool
clean_text(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p != '\0') {
		size_t need;

		if (*p < 0x80) {
			if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
				return false;
			p++;
			continue;
		}
		if (*p >= 0xc2 && *p <= 0xdf)
			need = 1;
		else if (*p >= 0xe0 && *p <= 0xef)
			need = 2;
		else if (*p >= 0xf0 && *p <= 0xf4)
			need = 3;
		else
			return false;
		for (size_t k = 1; k <= need; k++)
			if (p[k] < 0x80 || p[k] > 0xbf)
				return false;
		p += need + 1;
	}
	return true;
}

/* An error names a file (and usually a line) first. */
static void
check_err(const char *err, size_t errlen)
{
	size_t n = strnlen(err, errlen);

	CHECK(n > 0 && n < errlen);
	CHECK(strchr(err, ':') != NULL);
	CHECK(strchr(err, '\n') == NULL);
}

static void
check_ini(const struct ini *ini)
{
	CHECK(ini->n_entries <= CFG_MAX_ENTRIES);
	CHECK(ini->n_files >= 1 && ini->n_files <= CFG_MAX_FILES);
	CHECK(ini->main_file != NULL && strcmp(ini->main_file, "fuzz.conf") == 0);
	for (size_t i = 0; i < ini->n_entries; i++) {
		const struct ini_entry *e = &ini->entries[i];

		CHECK(e->section != NULL && e->section_arg != NULL && e->key != NULL &&
		    e->value != NULL);
		CHECK(valid_name(e->section, false) && valid_name(e->section_arg, true));
		CHECK(e->key[0] != '\0' && valid_name(e->key, false));
		CHECK(strcmp(e->key, "include") != 0);
		CHECK(strlen(e->value) <= CFG_MAX_LINE && clean_text(e->value));
		CHECK(e->loc.file != NULL && e->loc.line >= 1);
	}
	for (size_t i = 0; i < ini->n_sections; i++) {
		const struct ini_section *s = &ini->sections[i];

		CHECK(s->name != NULL && s->arg != NULL && s->name[0] != '\0');
		CHECK(valid_name(s->name, false) && valid_name(s->arg, true));
		CHECK(s->loc.file != NULL && s->loc.line >= 1);
	}
}

static void
check_list(const struct cfg_list *l)
{
	CHECK(l->n == 0 || (l->v != NULL && l->loc != NULL));
	for (size_t i = 0; i < l->n; i++)
		CHECK(l->v[i] != NULL);
}

static void
check_hostport(const char *v)
{
	char host[256];
	uint16_t port = 0;

	CHECK(cfg_parse_hostport(v, NULL, 0, NULL) == 0);
	CHECK(cfg_parse_hostport(v, host, sizeof(host), &port) == 0);
	CHECK(port >= 1 && strlen(host) < sizeof(host));
}

static void
check_cidr(const char *v)
{
	uint8_t addr[16];
	unsigned len = 999;

	CHECK(cfg_parse_cidr(v, NULL, NULL) == 0);
	CHECK(cfg_parse_cidr(v, addr, &len) == 0);
	CHECK(len <= 128);
	/* No host bits beyond the prefix. */
	for (unsigned bit = len; bit < 128; bit++)
		CHECK(!(addr[bit / 8] & (0x80 >> (bit % 8))));
}

static bool
whole_number(const char *v, long long min, long long max)
{
	char *end;
	long long n;

	errno = 0;
	n = strtoll(v, &end, 10);
	return *end == '\0' && end != v && errno == 0 && n >= min && n <= max;
}

static void
check_main(const struct ini *ini, struct conf *c)
{
	char err[1024];
	const struct cfg_loc *loc;
	size_t n;

	memset(c, 0, sizeof(*c));
	err[0] = '\0';
	if (cfg_apply(ini, "main", "", main_opts, c, err, sizeof(err)) == -1) {
		check_err(err, sizeof(err));
		CHECK(c->name == NULL && c->note == NULL && c->path == NULL && c->listen == NULL &&
		    c->net == NULL && c->listens.n == 0 && c->nets.n == 0 && c->ints.n == 0 &&
		    c->notes.n == 0);
		CHECK(c->listens.v == NULL && c->nets.v == NULL && c->ints.v == NULL &&
		    c->notes.v == NULL);
		return;
	}
	CHECK(c->name != NULL);
	n = strlen(c->name);
	CHECK(n >= 1 && n <= 32);
	CHECK(check_lower(c->name, err, sizeof(err)) == 0);
	CHECK(c->note != NULL && strlen(c->note) <= 1024);
	CHECK(c->path == NULL || (c->path[0] != '\0' && strlen(c->path) < PATH_MAX));
	CHECK(c->port >= 1 && c->port <= 65535);
	CHECK(c->mode >= 0 && c->mode <= 2);
	CHECK(c->listen != NULL);
	check_hostport(c->listen);
	if (c->net != NULL)
		check_cidr(c->net);
	check_list(&c->listens);
	CHECK(c->listens.n >= 1); /* the default, at least */
	for (size_t i = 0; i < c->listens.n; i++)
		check_hostport(c->listens.v[i]);
	check_list(&c->nets);
	for (size_t i = 0; i < c->nets.n; i++)
		check_cidr(c->nets.v[i]);
	check_list(&c->ints);
	for (size_t i = 0; i < c->ints.n; i++)
		CHECK(whole_number(c->ints.v[i], -5, 5));
	check_list(&c->notes);
	for (size_t i = 0; i < c->notes.n; i++)
		CHECK(strlen(c->notes.v[i]) <= 8);
	for (size_t i = 0; main_opts[i].key != NULL; i++) {
		if ((loc = cfg_where(ini, "main", "", main_opts[i].key)) != NULL)
			CHECK(loc->file != NULL && loc->line >= 1);
	}
	cfg_release(main_opts, c);
	CHECK(c->name == NULL && c->note == NULL && c->listen == NULL && c->listens.n == 0 &&
	    c->listens.v == NULL);
	cfg_release(main_opts, c); /* harmless twice */
}

static void
check_peers(const struct ini *ini, struct conf *c)
{
	char err[1024];
	size_t tried = 0;

	for (size_t i = 0; i < ini->n_sections && tried < 4; i++) {
		const struct ini_section *s = &ini->sections[i];

		if (strcmp(s->name, "peer") != 0)
			continue;
		tried++;
		memset(c, 0, sizeof(*c));
		err[0] = '\0';
		if (cfg_apply(ini, "peer", s->arg, peer_opts, c, err, sizeof(err)) == -1) {
			check_err(err, sizeof(err));
			CHECK(c->url == NULL);
			continue;
		}
		CHECK(c->url != NULL && strlen(c->url) <= 1024);
		cfg_release(peer_opts, c);
		CHECK(c->url == NULL);
	}
}

/* The address parsers on any value, with exact-size output buffers. */
static void
check_parsers(const char *v)
{
	size_t hostlen = strlen(v) % 8;
	char *host = malloc(hostlen > 0 ? hostlen : 1);
	uint16_t port = 0;
	uint8_t *addr = malloc(16);
	unsigned len = 0;

	CHECK(host != NULL && addr != NULL);
	if (cfg_parse_hostport(v, hostlen > 0 ? host : NULL, hostlen, &port) == 0) {
		CHECK(port >= 1);
		if (hostlen > 0)
			CHECK(memchr(host, '\0', hostlen) != NULL);
	}
	if (cfg_parse_cidr(v, addr, &len) == 0)
		check_cidr(v);
	free(addr);
	free(host);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ini ini;
	struct conf *c;
	char *text, err[2048];
	int rc;

	text = malloc(size + 1);
	CHECK(text != NULL);
	if (size > 0)
		memcpy(text, data, size);
	text[size] = '\0';
	/* Keep includes inside the work folder (see the comment at the top). */
	if (strstr(text, "include") != NULL && strchr(text, '/') != NULL) {
		free(text);
		return 0;
	}
	memset(&ini, 0, sizeof(ini));
	err[0] = '\0';
	CHECK(chdir(work_dir) == 0);
	rc = ini_load_string(&ini, "fuzz.conf", text, err, sizeof(err));
	CHECK(fchdir(home_fd) == 0);
	if (rc == -1) {
		check_err(err, sizeof(err));
		/* All or nothing: a failed load leaves the ini empty. */
		CHECK(ini.n_entries == 0 && ini.entries == NULL && ini.n_files == 0 &&
		    ini.files == NULL && ini.main_file == NULL && ini.n_sections == 0);
		ini_free(&ini);
		free(text);
		return 0;
	}
	check_ini(&ini);
	for (size_t i = 0; i < ini.n_entries && i < 64; i++)
		check_parsers(ini.entries[i].value);

	err[0] = '\0';
	if (cfg_check_layout(&ini, sections, err, sizeof(err)) == -1)
		check_err(err, sizeof(err));
	/* Apply whatever the layout says: cfg_apply() must cope on its own. */
	CHECK((c = malloc(sizeof(*c))) != NULL);
	check_main(&ini, c);
	check_peers(&ini, c);
	free(c);

	ini_free(&ini);
	CHECK(ini.entries == NULL && ini.n_entries == 0);
	ini_free(&ini);
	free(text);
	return 0;
}
