/* camstackctl's commands about the whole stack at once: status (one stack, or --all) and
 * metrics. */
#include "stackcmd.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allstacks.h"
#include "cli.h"
#include "client.h"
#include "config.h"
#include "metrics.h"
#include "report.h"
#include "stacks.h"

struct s_status_opts {
    bool json, all;
};

static int
s_status_opt(int c, const char *arg, void *ctx)
{
    struct s_status_opts *o = ctx;

    if (c == 'a')
        o->all = true;
    else
        o->json = true;
    return 0;
}

int
stackcmd_status(int argc, char **argv)
{
    static const struct option opts[] = { { "json", no_argument, NULL, 'j' },
                                          { "all", no_argument, NULL, 'a' },
                                          { NULL, 0, NULL, 0 } };
    struct cs_client_answer answers[CS_DAEMON_COUNT];
    struct report_row rows[CS_DAEMON_COUNT];
    struct s_status_opts o = { false, false };
    struct cs_conf conf;
    bool json, failed = false;
    char dir[PATH_MAX];
    int first = cli_getopt(argc, argv, "ja", opts, s_status_opt, &o), r;

    if (first < 0)
        return CLI_EXIT_USAGE;
    if (first < argc)
        return cli_bad_usage("status: unexpected argument '%s'", argv[first]);
    cs_stack_dir(cli_config(), dir, sizeof dir);
    if (o.all)
        return allstacks_status(&(struct allstacks_opts){ dir, o.json,
                                                          cli_timeout(CLI_TIMEOUT_STATUS_MS),
                                                          "/proc/meminfo" },
                                stdout, stderr);
    json = o.json;
    r = cli_load(&conf);
    if (r)
        return r;
    (void) cs_client_ask(&conf, CS_CLIENT_ALL, "status", cli_timeout(CLI_TIMEOUT_STATUS_MS),
                         answers);
    if (json) {
        failed = report_print_json(stdout, answers) < 0;
    } else {
        report_build(answers, false, rows);
        report_print_table(stdout, rows, 0, false);
    }
    failed |= cli_say_down(answers);
    cs_client_answers_clear(answers);
    return failed ? CLI_EXIT_FAILED : 0;
}

int
stackcmd_metrics(int argc, char **argv)
{
    struct cs_client_answer answers[CS_DAEMON_COUNT];
    struct cs_conf conf;
    bool failed;
    size_t len = 0;
    char *text;
    int r;

    if (argc > 1)
        return cli_bad_usage("metrics: unexpected argument '%s'", argv[1]);
    r = cli_load(&conf);
    if (r)
        return r;
    text = cs_metrics_ask(&conf, cli_timeout(CLI_TIMEOUT_STATUS_MS), &len, answers);
    if (!text) {
        (void) fprintf(stderr, "camstackctl: metrics: %s\n", strerror(errno));
        return CLI_EXIT_FAILED;
    }
    failed = fwrite(text, 1, len, stdout) != len;
    free(text);
    failed |= cli_say_down(answers);
    cs_client_answers_clear(answers);
    return failed ? CLI_EXIT_FAILED : 0;
}
