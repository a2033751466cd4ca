/* camstackctl: the operator's command line for a running camstack. It reads the same INI file
 * as the daemons to find their control endpoints, and shows or steers the whole stack:
 * status, acquisition and recording, a live view, a snapshot of the stream as a PNG, and a
 * plot of a statistics file. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "camera.h"
#include "cli.h"
#include "client.h"
#include "config.h"
#include "control.h"
#include "cs-build.h"
#include "json.h"
#include "plot.h"
#include "plotpng.h"
#include "snapshot.h"
#include "stackcmd.h"
#include "stacks.h"
#include "statsread.h"
#include "util.h"
#include "watch.h"

static void
s_usage(FILE *out)
{
    (void) fprintf(
        out,
        "Usage: camstackctl [--config PATH] [--stack NAME] [--timeout MS] COMMAND [ARGS]\n"
        "       camstackctl --help | --version\n\n"
        "camstackctl - see and steer a running camstack\n\n"
        "Commands:\n"
        "  status [--json]              one row per daemon: state, uptime, run, frames/s,\n"
        "                               MB/s, queue fill, latency p50/p99, ledger, file;\n"
        "                               an optional daemon that is not running is shown\n"
        "                               so; exits 1 if any other does not answer (and says\n"
        "                               which)\n"
        "  status --all [--json]        one block per stack of the configuration directory\n"
        "                               (its NAME.ini files): the daemons, and the memory\n"
        "                               budget of the stack's queues; then the host's\n"
        "                               MemAvailable, with a warning if the budgets exceed it\n"
        "  metrics                      the status of every daemon in Prometheus's text\n"
        "                               format (0.0.4): counters, rates, queue fill,\n"
        "                               latency quantiles; exits as status does\n"
        "  acquire start [--frames N]   camerad begins a run (N frames; 0: until stopped;\n"
        "                               default: [camerad] frames)\n"
        "  acquire stop                 camerad ends the run (end-of-stream) and stays idle\n"
        "  record start | record stop   saverd writes frames again / closes its file and\n"
        "                               writes nothing until 'record start'\n"
        "  camera list [--json]         the camera's settings: type, value, what each\n"
        "                               takes (range or choices), access\n"
        "  camera get NAME [--json]     one setting\n"
        "  camera set NAME VALUE        change a setting while the stack runs; a bad value\n"
        "                               is refused with what it takes, the stream goes on;\n"
        "                               recorded in the files from the frame it applies to\n"
        "  trigger                      a camera with [camerad] trigger = software takes a\n"
        "                               frame\n"
        "  watch [--interval MS] [--count N] [--plain]\n"
        "                               the stack refreshed like top(1); plain lines when\n"
        "                               not on a terminal (or with --plain); a daemon down\n"
        "                               is shown so and watch goes on\n"
        "  snapshot FILE.png [--raw16]  the next frame of the stream as a PNG, converted for\n"
        "                               viewing (Y16 scaled to its range, or 16-bit with\n"
        "                               --raw16; YUYV and BGR24 as RGB)\n"
        "  plot [--pixel-format FMT] [--format svg|png] STATS.h5 OUT.svg|OUT.png\n"
        "                               min and max, mean, and std over time from\n"
        "                               analyzerd's file, each on its own axis, as SVG or\n"
        "                               PNG (by OUT's extension, or --format); FMT (default:\n"
        "                               [camerad] pixel_format) names the value on the axis\n"
        "  request DAEMON TEXT...       send one request line to a daemon, print the answer\n\n"
        "Options:\n"
        "  -c, --config PATH   read PATH instead of %s\n"
        "  -s, --stack NAME    the stack NAME: read NAME.ini in the configuration file's\n"
        "                      directory instead (camstack: the default stack)\n"
        "  -t, --timeout MS    how long to wait for answers (status, metrics and watch\n"
        "                      %d, acquire, record, camera and request %d, snapshot %d)\n"
        "  -h, --help          show this help and exit\n"
        "  -V, --version       show the version and exit\n\n"
        "Exit status: 0 on success, 1 if a daemon did not answer or refused, 2 for a bad\n"
        "command line, 78 (EX_CONFIG) for a configuration error.\n",
        CS_DEFAULT_CONFIG, CLI_TIMEOUT_STATUS_MS, CLI_TIMEOUT_COMMAND_MS, CLI_TIMEOUT_SNAPSHOT_MS);
}

/* --- commands to one daemon ------------------------------------------------------------- */

/* Sends @request to @d and fills @ret with its answer (cs_client_answers_clear() it), or returns
 * -1 after saying why: a daemon that is not running cannot do what is asked, optional or not.
 * A refusal ("ok": false) is printed too; then @ret_ok is false. */
static int
s_ask_one(const struct cs_conf *conf, enum cs_daemon_id d, const char *request,
          struct cs_client_answer ret[CS_DAEMON_COUNT], bool *ret_ok)
{
    const char *err;
    bool ok = false;

    *ret_ok = false;
    (void) cs_client_ask(conf, 1u << d, request, cli_timeout(CLI_TIMEOUT_COMMAND_MS), ret);
    if (ret[d].error < 0) {
        (void) fprintf(stderr, "camstackctl: %s is %s: %s\n", cs_daemon_name(d),
                       ret[d].not_running ? "not running" : "down", ret[d].reason);
        cs_client_answers_clear(ret);
        return -1;
    }
    if (cs_json_get_bool(ret[d].json, "ok", &ok) < 0 || !ok) {
        if (cs_json_get_string(ret[d].json, "error", &err) < 0)
            err = ret[d].text;
        (void) fprintf(stderr, "camstackctl: %s refused '%s': %s\n", cs_daemon_name(d), request,
                       err);
    }
    *ret_ok = ok;
    return 0;
}

struct s_acquire_opts {
    const char *frames;
};

static int
s_acquire_opt(int c, const char *arg, void *ctx)
{
    uint64_t v;

    if (cs_parse_u64(arg, 0, UINT64_MAX, &v) < 0) {
        (void) cli_bad_usage("acquire start: --frames wants a number of frames, not '%s'", arg);
        return -1;
    }
    ((struct s_acquire_opts *) ctx)->frames = arg;
    return 0;
}

static int
s_cmd_acquire(int argc, char **argv)
{
    static const struct option opts[] = { { "frames", required_argument, NULL, 'n' },
                                          { NULL, 0, NULL, 0 } };
    struct cs_client_answer answers[CS_DAEMON_COUNT];
    struct s_acquire_opts o = { NULL };
    char request[64], state[32] = "";
    struct cs_conf conf;
    uint64_t run = 0, limit = 0;
    const json_t *json;
    bool ok;
    int first, r;

    if (argc < 2 || (strcmp(argv[1], "start") != 0 && strcmp(argv[1], "stop") != 0))
        return cli_bad_usage("%s: expected 'acquire start [--frames N]' or 'acquire stop'",
                             "acquire");
    first = cli_getopt(argc - 1, argv + 1, "n:", opts, s_acquire_opt, &o);
    if (first < 0)
        return CLI_EXIT_USAGE;
    if (first + 1 < argc)
        return cli_bad_usage("acquire: unexpected argument '%s'", argv[first + 1]);
    if (o.frames && strcmp(argv[1], "stop") == 0)
        return cli_bad_usage("%s: --frames goes with 'acquire start'", "acquire stop");
    r = cli_load(&conf);
    if (r)
        return r;
    (void) snprintf(request, sizeof request, "acquire %s%s%s", argv[1], o.frames ? " " : "",
                    o.frames ? o.frames : "");
    if (s_ask_one(&conf, CS_DAEMON_CAMERAD, request, answers, &ok) < 0)
        return CLI_EXIT_FAILED;
    json = answers[CS_DAEMON_CAMERAD].json;
    if (ok) {
        (void) cs_json_copy_string(json, "acquisition", state, sizeof state);
        (void) cs_json_get_u64(json, "run", &run);
        (void) cs_json_get_u64(json, "frames_limit", &limit);
        if (strcmp(argv[1], "start") == 0 && strcmp(state, "running") == 0 && limit)
            (void) printf("camerad: run %llu started, %llu frames\n", (unsigned long long) run,
                          (unsigned long long) limit);
        else if (strcmp(argv[1], "start") == 0 && strcmp(state, "running") == 0)
            (void) printf("camerad: run %llu started, until 'acquire stop'\n",
                          (unsigned long long) run);
        else if (strcmp(argv[1], "start") == 0)
            (void) printf("camerad: %s\n", state);
        else
            (void) printf("camerad: %s after run %llu\n", state, (unsigned long long) run);
    }
    cs_client_answers_clear(answers);
    return ok ? 0 : CLI_EXIT_FAILED;
}

static int
s_cmd_trigger(int argc, char **argv)
{
    struct cs_client_answer answers[CS_DAEMON_COUNT];
    struct cs_conf conf;
    uint64_t triggers = 0;
    bool ok;
    int r;

    (void) argv;
    if (argc != 1)
        return cli_bad_usage("%s: takes no argument", "trigger");
    r = cli_load(&conf);
    if (r)
        return r;
    if (s_ask_one(&conf, CS_DAEMON_CAMERAD, "trigger", answers, &ok) < 0)
        return CLI_EXIT_FAILED;
    if (ok) {
        (void) cs_json_get_u64(answers[CS_DAEMON_CAMERAD].json, "triggers", &triggers);
        (void) printf("camerad: trigger %llu sent\n", (unsigned long long) triggers);
    }
    cs_client_answers_clear(answers);
    return ok ? 0 : CLI_EXIT_FAILED;
}

static int
s_cmd_record(int argc, char **argv)
{
    struct cs_client_answer answers[CS_DAEMON_COUNT];
    char request[32], file[PATH_MAX] = "";
    struct cs_conf conf;
    bool ok;
    int r;

    if (argc != 2 || (strcmp(argv[1], "start") != 0 && strcmp(argv[1], "stop") != 0))
        return cli_bad_usage("%s: expected 'record start' or 'record stop'", "record");
    r = cli_load(&conf);
    if (r)
        return r;
    (void) snprintf(request, sizeof request, "record %s", argv[1]);
    if (s_ask_one(&conf, CS_DAEMON_SAVERD, request, answers, &ok) < 0)
        return CLI_EXIT_FAILED;
    if (ok) {
        (void) cs_json_copy_string(answers[CS_DAEMON_SAVERD].json, "file", file, sizeof file);
        if (strcmp(argv[1], "start") == 0)
            (void) printf("saverd: recording on\n");
        else
            (void) printf("saverd: recording off%s%s\n", file[0] ? "; last file " : "", file);
    }
    cs_client_answers_clear(answers);
    return ok ? 0 : CLI_EXIT_FAILED;
}

/* camera [--json] list | get NAME | set NAME VALUE...: --json may also follow list and get,
 * but a word after set's NAME is part of the value (which may be "-5"). */
static int
s_cmd_camera(int argc, char **argv)
{
    struct cs_client_answer answers[CS_DAEMON_COUNT];
    char request[CS_CONTROL_REQUEST_MAX + 1];
    struct cs_conf conf;
    bool json = false, ok;
    int n = 0, r;

    for (int i = 0; i < argc; i++) {
        bool value = n >= 3 && strcmp(argv[1], "set") == 0;

        if (!value && (strcmp(argv[i], "--json") == 0 || strcmp(argv[i], "-j") == 0))
            json = true;
        else
            argv[n++] = argv[i];
    }
    r = camera_request(n, argv, request, sizeof request);
    if (r == -E2BIG)
        return cli_bad_usage("camera: the request is longer than %d bytes", CS_CONTROL_REQUEST_MAX);
    if (r < 0)
        return cli_bad_usage("camera: expected 'camera list', 'camera get NAME' or "
                             "'camera set NAME VALUE'");
    r = cli_load(&conf);
    if (r)
        return r;
    if (s_ask_one(&conf, CS_DAEMON_CAMERAD, request, answers, &ok) < 0)
        return CLI_EXIT_FAILED;
    if (ok && json)
        (void) printf("%s\n", answers[CS_DAEMON_CAMERAD].text);
    else if (ok)
        camera_print_answer(stdout, argv[1], answers[CS_DAEMON_CAMERAD].json);
    cs_client_answers_clear(answers);
    return ok ? 0 : CLI_EXIT_FAILED;
}

/* "camerad, pubd, ...": the daemons of the roles table, for a message. */
static void
s_daemon_names(char *buf, size_t size)
{
    size_t o = 0;

    buf[0] = '\0';
    for (int d = 0; d < CS_DAEMON_COUNT && o < size; d++)
        o += (size_t) snprintf(buf + o, size - o, "%s%s", d ? ", " : "", cs_daemon_name(d));
}

static int
s_cmd_request(int argc, char **argv)
{
    struct cs_client_answer answers[CS_DAEMON_COUNT];
    char request[CS_CONTROL_REQUEST_MAX + 1] = "";
    struct cs_conf conf;
    enum cs_daemon_id d;
    size_t o = 0;
    bool ok;
    int r;

    if (argc < 3)
        return cli_bad_usage("%s: expected 'request DAEMON TEXT...'", "request");
    if (cs_daemon_from_name(argv[1], &d) < 0) {
        char names[256];

        s_daemon_names(names, sizeof names);
        return cli_bad_usage("request: unknown daemon '%s' (%s)", argv[1], names);
    }
    for (int i = 2; i < argc; i++) {
        int n = snprintf(request + o, sizeof request - o, "%s%s", i > 2 ? " " : "", argv[i]);

        if (n < 0 || (size_t) n >= sizeof request - o)
            return cli_bad_usage("request: longer than %s bytes", "1024");
        o += (size_t) n;
    }
    r = cli_load(&conf);
    if (r)
        return r;
    if (s_ask_one(&conf, d, request, answers, &ok) < 0)
        return CLI_EXIT_FAILED;
    (void) printf("%s\n", answers[d].text);
    cs_client_answers_clear(answers);
    return ok ? 0 : CLI_EXIT_FAILED;
}

/* --- watch ------------------------------------------------------------------------------ */

static int
s_watch_opt(int c, const char *arg, void *ctx)
{
    struct watch_opts *o = ctx;
    uint64_t v;

    switch (c) {
    case 'i':
        if (cs_parse_u64(arg, 100, 3600000, &v) < 0) {
            (void) cli_bad_usage("watch: --interval wants 100 to 3600000 ms, not '%s'", arg);
            return -1;
        }
        o->interval_ms = (int) v;
        break;
    case 'n':
        if (cs_parse_u64(arg, 1, 1000000000, &v) < 0) {
            (void) cli_bad_usage("watch: --count wants a positive number, not '%s'", arg);
            return -1;
        }
        o->count = (long) v;
        break;
    case 'p':
        o->plain = true;
        break;
    default:
        break;
    }
    return 0;
}

static int
s_cmd_watch(int argc, char **argv)
{
    static const struct option opts[] = { { "interval", required_argument, NULL, 'i' },
                                          { "count", required_argument, NULL, 'n' },
                                          { "plain", no_argument, NULL, 'p' },
                                          { NULL, 0, NULL, 0 } };
    struct watch_opts o = { .interval_ms = 1000 };
    struct cs_conf conf;
    int first = cli_getopt(argc, argv, "i:n:p", opts, s_watch_opt, &o), r;

    if (first < 0)
        return CLI_EXIT_USAGE;
    if (first < argc)
        return cli_bad_usage("watch: unexpected argument '%s'", argv[first]);
    r = cli_load(&conf);
    if (r)
        return r;
    o.timeout_ms = cli_timeout(CLI_TIMEOUT_STATUS_MS);
    r = watch_run(&conf, &o);
    if (r < 0) {
        (void) fprintf(stderr, "camstackctl: watch: %s\n", strerror(-r));
        return CLI_EXIT_FAILED;
    }
    return 0;
}

/* --- snapshot and plot ------------------------------------------------------------------ */

static int
s_snapshot_opt(int c, const char *arg, void *ctx)
{
    *(bool *) ctx = true;
    return 0;
}

static int
s_cmd_snapshot(int argc, char **argv)
{
    static const struct option opts[] = { { "raw16", no_argument, NULL, 'r' },
                                          { NULL, 0, NULL, 0 } };
    struct cs_frame_hdr h;
    struct cs_conf conf;
    char err[PATH_MAX + 256], fourcc[5];
    bool raw16 = false;
    int first = cli_getopt(argc, argv, "r", opts, s_snapshot_opt, &raw16), r;

    if (first < 0)
        return CLI_EXIT_USAGE;
    if (first + 1 != argc)
        return cli_bad_usage("%s: expected 'snapshot FILE.png'", "snapshot");
    r = cli_load(&conf);
    if (r)
        return r;
    r = snapshot_take(&conf, argv[first], cli_timeout(CLI_TIMEOUT_SNAPSHOT_MS), raw16, &h, err,
                      sizeof err);
    if (r < 0) {
        (void) fprintf(stderr, "camstackctl: snapshot: %s\n", err);
        return CLI_EXIT_FAILED;
    }
    cs_fourcc_str(h.fourcc, fourcc);
    (void) printf("%s: run %llu seq %llu, %ux%u %s\n", argv[first], (unsigned long long) h.run,
                  (unsigned long long) h.seq, h.width, h.height, fourcc);
    return 0;
}

static bool
s_ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);

    return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

struct s_plot_opts {
    int pixfmt;         /* enum cs_pixfmt, or -1: not known */
    const char *format; /* "svg", "png", or NULL: from OUT's extension */
};

static int
s_plot_opt(int c, const char *arg, void *ctx)
{
    struct s_plot_opts *o = ctx;
    enum cs_pixfmt fmt;
    char names[128];

    if (c == 'f') {
        if (strcmp(arg, "svg") != 0 && strcmp(arg, "png") != 0) {
            (void) cli_bad_usage("plot: --format '%s': expected svg or png", arg);
            return -1;
        }
        o->format = arg;
        return 0;
    }
    if (cs_pixfmt_from_name(arg, &fmt) < 0) {
        (void) cs_pixfmt_names(names, sizeof names);
        (void) cli_bad_usage("plot: --pixel-format '%s': expected one of %s", arg, names);
        return -1;
    }
    o->pixfmt = (int) fmt;
    return 0;
}

/* The pixel format of the file to plot: --pixel-format, else [camerad] pixel_format of the
 * config if it loads (the file does not say), else not known. */
static int
s_plot_pixfmt(const struct s_plot_opts *o)
{
    struct cs_conf conf;
    char err[CS_CONF_ERROR_MAX];

    if (o->pixfmt >= 0)
        return o->pixfmt;
    if (cs_conf_load(cli_config(), &conf, err, sizeof err) < 0)
        return -1;
    return (int) conf.camerad.pixel_format;
}

static int
s_cmd_plot(int argc, char **argv)
{
    static const struct option opts[] = { { "pixel-format", required_argument, NULL, 'p' },
                                          { "format", required_argument, NULL, 'f' },
                                          { NULL, 0, NULL, 0 } };
    struct s_plot_opts o = { .pixfmt = -1 };
    struct stats_series st;
    char err[PATH_MAX + 256], value[160];
    const char *base, *in, *out;
    bool png;
    int r, first;

    first = cli_getopt(argc, argv, "+", opts, s_plot_opt, &o);
    if (first < 0)
        return CLI_EXIT_USAGE;
    if (argc - first != 2)
        return cli_bad_usage("%s: expected 'plot [--pixel-format FMT] [--format svg|png] STATS.h5 "
                             "OUT.svg|OUT.png'",
                             "plot");
    in = argv[first];
    out = argv[first + 1];
    if (!o.format && !s_ends_with(out, ".svg") && !s_ends_with(out, ".png"))
        return cli_bad_usage("plot: '%s': name it .svg or .png, or give --format", out);
    png = o.format ? strcmp(o.format, "png") == 0 : s_ends_with(out, ".png");
    plot_value_label(s_plot_pixfmt(&o), value, sizeof value);
    r = stats_read(in, &st, err, sizeof err);
    if (r < 0) {
        (void) fprintf(stderr, "camstackctl: plot: %s\n", err);
        return CLI_EXIT_FAILED;
    }
    if (st.n == 0) {
        (void) fprintf(stderr, "camstackctl: plot: '%s' holds no frame yet\n", in);
        stats_free(&st);
        return CLI_EXIT_FAILED;
    }
    base = strrchr(in, '/');
    base = base ? base + 1 : in;
    r = png ? plot_png(out, &st, base, value, err, sizeof err)
            : plot_svg_file(out, &st, base, value, err, sizeof err);
    if (r < 0) {
        (void) fprintf(stderr, "camstackctl: plot: %s\n", err);
        stats_free(&st);
        return CLI_EXIT_FAILED;
    }
    (void) printf("%s: %zu frames of %s\n", out, st.n, in);
    stats_free(&st);
    return 0;
}

/* --- main ------------------------------------------------------------------------------- */

int
main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "config", required_argument, NULL, 'c' },  { "stack", required_argument, NULL, 's' },
        { "timeout", required_argument, NULL, 't' }, { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },       { NULL, 0, NULL, 0 }
    };
    static const struct {
        const char *name;
        int (*fn)(int argc, char **argv);
    } commands[] = {
        { "status", stackcmd_status },   { "acquire", s_cmd_acquire },
        { "record", s_cmd_record },      { "watch", s_cmd_watch },
        { "snapshot", s_cmd_snapshot },  { "plot", s_cmd_plot },
        { "request", s_cmd_request },    { "camera", s_cmd_camera },
        { "metrics", stackcmd_metrics }, { "trigger", s_cmd_trigger },
    };
    const char *stack = NULL;
    char dir[PATH_MAX], path[PATH_MAX];
    uint64_t v;
    int c;

    /* czmq must not install its own SIGINT handler: watch handles signals itself. */
    zsys_handler_set(NULL);
    zsys_set_logstream(NULL);
    zsys_set_logsystem(false);
    while ((c = getopt_long(argc, argv, "+c:s:t:hV", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            cli_set_config(optarg);
            break;
        case 's':
            stack = optarg;
            break;
        case 't':
            if (cs_parse_u64(optarg, 1, 3600000, &v) < 0)
                return cli_bad_usage("--timeout wants 1 to 3600000 ms, not '%s'", optarg);
            cli_set_timeout((int) v);
            break;
        case 'h':
            s_usage(stdout);
            return 0;
        case 'V':
            (void) printf("camstackctl (camstack) %s\n", CS_VERSION);
            return 0;
        default:
            (void) fprintf(stderr, "Try 'camstackctl --help' for more information.\n");
            return CLI_EXIT_USAGE;
        }
    }
    /* NAME.ini beside the configuration file (the default one, or --config's). */
    if (stack) {
        cs_stack_dir(cli_config(), dir, sizeof dir);
        if (cs_stack_path(dir, stack, path, sizeof path) < 0)
            return cli_bad_usage("--stack wants a stack's name, 1 to 63 of A-Z a-z 0-9 _ . - "
                                 "(not starting with '.'), not '%s'",
                                 stack);
        cli_set_config(path);
    }
    if (optind >= argc)
        return cli_bad_usage("%s", "a command is needed (status, metrics, acquire, record, camera, "
                                   "trigger, watch, snapshot, plot, request)");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(argv[optind], commands[i].name) == 0)
            return commands[i].fn(argc - optind, argv + optind);
    }
    return cli_bad_usage("unknown command '%s'", argv[optind]);
}
