/*
 * main.c: perspectived's command line.
 *
 *   perspectived [-c FILE]                 run in the foreground
 *   perspectived [-c FILE] -t              check the configuration and exit
 *   perspectived health [-c FILE] [URL]    ask a running daemon if it is ready
 *   perspectived -V | -h
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "daemon.h"
#include "health.h"
#include "log.h"
#include "pconfig.h"

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: perspectived [-c FILE] [-t]\n"
	    "       perspectived health [-c FILE] [URL]\n"
	    "       perspectived -V | -h\n"
	    "\n"
	    "A network perspective for Multi-Perspective Issuance Corroboration: it runs CAA\n"
	    "and domain-validation checks from this host, with its own DNSSEC-validating\n"
	    "resolver, and answers Open MPIC requests over mutual TLS.\n"
	    "\n"
	    "  -c, --config FILE   configuration (default %s)\n"
	    "  -t, --check-config  check the configuration, certificates and keys; print\n"
	    "                      \"configuration OK\" or FILE:LINE: what is wrong\n"
	    "  -V, --version       print the version\n"
	    "  -h, --help          this help, and the configuration options below\n"
	    "\n"
	    "  health              query a running daemon's /readyz and print a summary;\n"
	    "                      exit 0 ready, 1 not ready, 2 unreachable\n"
	    "                      (perspectived health -h for its options)\n"
	    "\n"
	    "Signals: SIGHUP reloads the configuration and certificates; SIGTERM stops\n"
	    "accepting, lets checks in flight finish, and exits 0.\n"
	    "\n"
	    "Configuration options ([section] key, type, default):\n",
	    PD_DEFAULT_CONFIG);
	pd_config_help(fp);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, 't' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = PD_DEFAULT_CONFIG;
	bool check_only = false;
	int ch, rc;

	log_init("perspectived", LOG_FORMAT_TEXT, LOG_LVL_INFO, getenv("JOURNAL_STREAM") != NULL);
	if (argc > 1 && strcmp(argv[1], "health") == 0) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		rc = health_main(argc - 1, argv + 1, PD_DEFAULT_CONFIG);
		curl_global_cleanup();
		return rc;
	}
	while ((ch = getopt_long(argc, argv, "c:tVh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			config = optarg;
			break;
		case 't':
			check_only = true;
			break;
		case 'V':
			printf("perspectived %s\n", MPIC_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "perspectived: unexpected argument \"%s\"\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	/* libcurl's global state, once, before any thread or handle. */
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (check_only) {
		struct pd_config cfg;
		char err[1024];

		if (pd_config_load(config, &cfg, err, sizeof(err)) == -1) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
		pd_config_free(&cfg);
		printf("configuration OK\n");
		return 0;
	}
	rc = pd_run(config);
	curl_global_cleanup();
	return rc;
}
