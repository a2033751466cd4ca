/* What camstackctl's commands share: the options given before the command (the config file,
 * the timeout), reading the config, parsing a command's own options, and saying a bad command
 * line or a daemon down the same way everywhere. */
#pragma once

#include <getopt.h>
#include <stdbool.h>

#include "client.h"
#include "config.h"

#define CLI_EXIT_FAILED 1 /* a daemon did not answer, or refused */
#define CLI_EXIT_USAGE  2

#define CLI_TIMEOUT_STATUS_MS   2000
#define CLI_TIMEOUT_COMMAND_MS  10000 /* acquire stop may wait for camerad's end-of-stream */
#define CLI_TIMEOUT_SNAPSHOT_MS 5000

/* The config file (--config, --stack; default CS_DEFAULT_CONFIG), copied. */
void cli_set_config(const char *path);
const char *cli_config(void);

/* --timeout: @ms for every command; cli_timeout() is it, or @dflt when none was given. */
void cli_set_timeout(int ms);
int cli_timeout(int dflt);

/* Prints "camstackctl: <message>" and the hint to --help on stderr; returns CLI_EXIT_USAGE. */
int cli_bad_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Loads the config into @conf. Returns 0, or CS_EX_CONFIG after printing why. */
int cli_load(struct cs_conf *conf);

/* Parses the options of a command (after its name), calling @each for each. Returns the index
 * of the first operand, or -1 after printing the problem. */
int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts,
               int (*each)(int c, const char *arg, void *ctx), void *ctx);

/* Names on stderr each daemon whose answer makes a command to the whole stack fail; true if
 * there is one. An optional daemon that is not running is shown so, and is not a failure. */
bool cli_say_down(const struct cs_client_answer answers[CS_DAEMON_COUNT]);
