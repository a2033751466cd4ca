#include "cli.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>

#include "util.h"

static char s_config_path[PATH_MAX] = CS_DEFAULT_CONFIG;
static int s_timeout_ms = -1; /* -1: the command's default */

void
cli_set_config(const char *path)
{
    (void) cs_strlcpy(s_config_path, path, sizeof s_config_path);
}

const char *
cli_config(void)
{
    return s_config_path;
}

void
cli_set_timeout(int ms)
{
    s_timeout_ms = ms;
}

int
cli_timeout(int dflt)
{
    return s_timeout_ms >= 0 ? s_timeout_ms : dflt;
}

int
cli_bad_usage(const char *fmt, ...)
{
    va_list ap;

    (void) fprintf(stderr, "camstackctl: ");
    va_start(ap, fmt);
    (void) vfprintf(stderr, fmt, ap);
    va_end(ap);
    (void) fprintf(stderr, "\nTry 'camstackctl --help'.\n");
    return CLI_EXIT_USAGE;
}

int
cli_load(struct cs_conf *conf)
{
    char err[CS_CONF_ERROR_MAX];

    if (cs_conf_load(s_config_path, conf, err, sizeof err) < 0) {
        (void) fprintf(stderr, "camstackctl: configuration error: %s\n", err);
        return CS_EX_CONFIG;
    }
    return 0;
}

int
cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts,
           int (*each)(int c, const char *arg, void *ctx), void *ctx)
{
    int c;

    optind = 0; /* 0, not 1: glibc then forgets the "+" ordering of the first parse */
    opterr = 0;
    while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        if (c == '?' || c == ':') {
            (void) cli_bad_usage("%s: bad or incomplete option", argv[optind - 1]);
            return -1;
        }
        if (each(c, optarg, ctx) < 0)
            return -1;
    }
    return optind;
}

bool
cli_say_down(const struct cs_client_answer answers[CS_DAEMON_COUNT])
{
    bool any = false;

    for (int d = 0; d < CS_DAEMON_COUNT; d++) {
        if (!cs_client_answer_fails(answers, d))
            continue;
        (void) fprintf(stderr, "camstackctl: %s is down: %s\n", cs_daemon_name(d),
                       answers[d].reason);
        any = true;
    }
    return any;
}
