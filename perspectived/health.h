/*
 * health.h: `perspectived health`, a one-screen summary of a running
 * daemon's /readyz for a tired operator.
 */
#ifndef PD_HEALTH_H
#define PD_HEALTH_H

/* Exit codes of the health command. */
#define HEALTH_OK 0
#define HEALTH_UNHEALTHY 1
#define HEALTH_UNREACHABLE 2

/**
 * Run the health subcommand with its own arguments (argv[0] = "health").
 * @return HEALTH_OK, HEALTH_UNHEALTHY or HEALTH_UNREACHABLE.
 */
int health_main(int argc, char **argv, const char *default_config);

#endif /* PD_HEALTH_H */
