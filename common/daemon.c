#include "daemon.h"

#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "bind.h"
#include "cs-build.h"
#include "instance.h"
#include "log.h"
#include "roles.h"
#include "stacks.h"
#include "util.h"

#define CS_MMAP_THRESHOLD (32 * 1024 * 1024) /* the largest glibc accepts on 64-bit */
/* cs_daemon_prewarm(): frames whose pages are touched at start-up, within a budget. */
#define CS_PREWARM_FRAMES 6
#define CS_PREWARM_BYTES  (64u * 1024 * 1024)

struct cs_daemon {
    const struct cs_conf *conf;
    enum cs_daemon_id which;
    zloop_t *loop;
    cs_control_t *control;
    int sfd;
    uint64_t started_ns;
    bool stopping;
    bool healthy;
    bool quit;
    cs_daemon_stop_fn *on_stop;
    void *arg;
    struct cs_daemon_report report;
    bool has_report;
    struct cs_counter_group groups[CS_DAEMON_GROUPS_MAX]; /* the report's */
    size_t n_groups;
};

static void
s_usage(const struct cs_daemon_info *info, FILE *out)
{
    const char *name = cs_daemon_name(info->which);

    (void) fprintf(out,
                   "Usage: %s [--config PATH] [--check-config]\n"
                   "       %s --help | --version\n\n"
                   "%s\n\n%s\n\n",
                   name, name, info->summary, info->description);
    cs_conf_keys_read(info->which, out);
    (void) fprintf(out,
                   "\n"
                   "Options:\n"
                   "  -c, --config PATH   read PATH instead of %s\n"
                   "      --check-config  validate the file, print the values in effect, and\n"
                   "                      exit 0, or 78 on an error\n"
                   "      --status-fields print the fields of the status answer, as the man\n"
                   "                      page lists them, and exit\n"
                   "  -h, --help          show this help and exit\n"
                   "  -V, --version       show the version and exit\n\n"
                   "Signals: SIGTERM or SIGINT stop the daemon in order (a second SIGINT stops\n"
                   "it at once). Under systemd it reports READY, STATUS and the watchdog through\n"
                   "sd_notify and logs to the journal.\n\n"
                   "Only one copy runs per stack: it holds the lock file\n"
                   "<runtime_dir>/%s-<stream>.lock while it runs, and a second copy exits.\n\n"
                   "Exit status: 0 after a clean stop, 1 on a runtime failure, 2 for a bad\n"
                   "option, 75 (EX_TEMPFAIL) when another copy runs on the same stack, 78\n"
                   "(EX_CONFIG) for a configuration error.\n",
                   CS_DEFAULT_CONFIG, name);
}

int
cs_daemon_tune_malloc(void)
{
    int r = 0;

    /* Frames are megabytes: keep freed buffers in the heap instead of handing them back to
     * the kernel, whose fresh pages cost a fault each on first touch. glibc refuses an mmap
     * threshold above 32 MiB (half its per-thread heap size) and keeps the default, 128 KiB,
     * for good once the trim threshold is set: then every frame would be a fresh mapping.
     * Frames larger than 32 MiB are still mapped afresh each time. */
#ifdef __SANITIZE_ADDRESS__
    /* AddressSanitizer's allocator stands in for glibc's, which would take no setting. */
#else
    if (!mallopt(M_MMAP_THRESHOLD, CS_MMAP_THRESHOLD))
        r = -1;
    (void) mallopt(M_TRIM_THRESHOLD, 512 * 1024 * 1024);
    /* One heap for every thread: libzmq's I/O thread allocates the received frames, and a
     * per-thread heap (at most 64 MiB each) is unmapped whole when it empties, so that its
     * pages would be fresh again for the next burst. */
    (void) mallopt(M_ARENA_MAX, 1);
#endif
    return r;
}

void
cs_daemon_prewarm(uint64_t frame_bytes)
{
    void *bufs[CS_PREWARM_FRAMES] = { NULL };
    unsigned n = 0;

    if (frame_bytes == 0 || frame_bytes >= CS_MMAP_THRESHOLD)
        return; /* mapped afresh each time anyway */
    while (n < CS_PREWARM_FRAMES && (n + 1) * frame_bytes <= CS_PREWARM_BYTES) {
        bufs[n] = malloc(frame_bytes);
        if (!bufs[n])
            break;
        /* Not 0: the compiler would make malloc() and memset() one calloc(), which writes
         * nothing into fresh pages. Nor may it drop the writes before free(). */
        memset(bufs[n], 0x5a, frame_bytes);
        __asm__ volatile("" : : "r"(bufs[n]) : "memory");
        n++;
    }
    while (n > 0)
        free(bufs[--n]);
}

/* --status-fields: the daemon's counter tables as the man page's list of status fields. */
static int
s_status_fields(const struct cs_daemon_info *info)
{
    struct cs_counter_group groups[CS_DAEMON_GROUPS_MAX];
    const struct cs_counter_table *tables[CS_DAEMON_GROUPS_MAX];
    size_t n = info->counter_groups ? info->counter_groups(NULL, groups) : 0;
    char err[256];

    assert(n <= CS_DAEMON_GROUPS_MAX);
    for (size_t i = 0; i < n; i++)
        tables[i] = groups[i].table;
    if (!cs_counters_valid(tables, n, err, sizeof err)) {
        (void) fprintf(stderr, "%s: %s\n", cs_daemon_name(info->which), err);
        return 1;
    }
    return cs_counters_write_doc(tables, n, stdout) < 0 || fflush(stdout) != 0 ? 1 : 0;
}

/* The other stacks of the config's directory: a config that would share a socket, a lock or a
 * file name with one of them is a configuration error, reported with both files' names. A
 * directory that cannot be read leaves nothing to compare with. Returns 0 or -EADDRINUSE. */
static int
s_check_stacks(const struct cs_conf *conf)
{
    char err[CS_STACK_COLLIDE_MAX];
    int r = cs_stacks_check(conf, err, sizeof err);

    if (r == -EADDRINUSE)
        cs_log(LOG_ERR, "configuration error: %s", err);
    else if (r < 0)
        cs_log(LOG_WARNING, "%s, not checking the other stacks", err);
    return r == -EADDRINUSE ? r : 0;
}

int
cs_daemon_setup(const struct cs_daemon_info *info, int argc, char **argv, struct cs_conf *conf)
{
    static const struct option opts[] = {
        { "config", required_argument, NULL, 'c' },  { "check-config", no_argument, NULL, 'k' },
        { "status-fields", no_argument, NULL, 'f' }, { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },       { NULL, 0, NULL, 0 },
    };
    const char *path = CS_DEFAULT_CONFIG, *name = cs_daemon_name(info->which);
    char err[CS_CONF_ERROR_MAX];
    bool check = false;
    sigset_t mask;
    int c;

    cs_log_open(name);
    while ((c = getopt_long(argc, argv, "c:hV", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            path = optarg;
            break;
        case 'k':
            check = true;
            break;
        case 'f':
            return s_status_fields(info);
        case 'h':
            s_usage(info, stdout);
            return 0;
        case 'V':
            (void) printf("%s (camstack) %s\n", name, CS_VERSION);
            return 0;
        default:
            (void) fprintf(stderr, "Try '%s --help' for more information.\n", name);
            return 2;
        }
    }
    if (optind < argc) {
        (void) fprintf(stderr, "%s: unexpected argument '%s'\nTry '%s --help'.\n", name,
                       argv[optind], name);
        return 2;
    }
    if (cs_conf_load(path, conf, err, sizeof err) < 0) {
        cs_log(LOG_ERR, "configuration error: %s", err);
        return CS_EX_CONFIG;
    }
    if (s_check_stacks(conf) < 0)
        return CS_EX_CONFIG;
    if (check) {
        cs_conf_dump(conf, stdout);
        return 0;
    }
    cs_log_set_max_priority(conf->log.level);
    cs_log_set_stream(conf->stack.stream);

    if (cs_daemon_tune_malloc() < 0)
        cs_log(LOG_WARNING, "cannot raise malloc's mmap threshold to %d bytes", CS_MMAP_THRESHOLD);
    cs_daemon_prewarm(cs_conf_frame_bytes(conf));

    /* Before czmq starts libzmq's threads, which inherit the mask. */
    sigemptyset(&mask);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGTERM);
    (void) sigprocmask(SIG_BLOCK, &mask, NULL);
    (void) signal(SIGPIPE, SIG_IGN);
    zsys_handler_set(NULL);
    zsys_set_logstream(NULL);
    zsys_set_logsystem(false);
    zsys_init();
    return CS_DAEMON_RUN;
}

static void
s_refresh(cs_daemon_t *self)
{
    if (self->has_report && self->report.refresh)
        self->report.refresh(self->report.arg);
}

/* The STATUS= line: the daemon's phrase, then its CS_COUNTER_LINE counters. */
static void
s_status_line(cs_daemon_t *self, char *buf, size_t size)
{
    const struct cs_daemon_report *rep = &self->report;
    size_t n;

    buf[0] = '\0';
    s_refresh(self);
    if (rep->phrase)
        rep->phrase(rep->arg, buf, size);
    n = strlen(buf);
    if (n > 0 && n + 2 < size) {
        memcpy(buf + n, ": ", 3);
        n += 2;
    }
    cs_counters_format(self->groups, self->n_groups, CS_COUNTER_LINE, buf + n, size - n);
}

static void
s_send_status(cs_daemon_t *self)
{
    char line[512];

    if (!self->has_report)
        return;
    s_status_line(self, line, sizeof line);
    (void) sd_notifyf(0, "STATUS=%s", line);
}

void
cs_daemon_update_status(cs_daemon_t *self)
{
    s_send_status(self);
}

/* The first SIGTERM or SIGINT starts the orderly stop. While it runs, a SIGINT (a person
 * pressing Ctrl-C again) stops at once; a repeated SIGTERM (process managers may send more
 * than one) changes nothing. */
static int
s_on_signal(zloop_t *loop, zmq_pollitem_t *item, void *arg)
{
    cs_daemon_t *self = arg;
    struct signalfd_siginfo si;
    const char *name;

    if (read(self->sfd, &si, sizeof si) != (ssize_t) sizeof si)
        return 0;
    name = si.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM";
    if (self->stopping) {
        if (si.ssi_signo != SIGINT) {
            cs_log(LOG_INFO, "%s from pid %u while stopping, ignoring", name, si.ssi_pid);
            return 0;
        }
        cs_log(LOG_WARNING, "second SIGINT, stopping at once");
        return -1;
    }
    self->stopping = true;
    cs_log(LOG_NOTICE, "%s from pid %u, stopping", name, si.ssi_pid);
    (void) sd_notify(0, "STOPPING=1");
    if (self->on_stop && self->on_stop(self->arg) == 1)
        return 0;
    return -1;
}

static int
s_on_tick(zloop_t *loop, int timer_id, void *arg)
{
    cs_daemon_t *self = arg;

    s_send_status(self);
    return self->quit ? -1 : 0;
}

/* Fed from the loop itself, so a stuck loop starves it; a daemon that knows it is unhealthy
 * (a stalled writer) withholds it too. */
static int
s_on_watchdog(zloop_t *loop, int timer_id, void *arg)
{
    cs_daemon_t *self = arg;

    if (self->healthy)
        (void) sd_notify(0, "WATCHDOG=1");
    return 0;
}

/* Any timer or reader that wants the loop to end calls cs_daemon_quit(); this zero-delay
 * timer makes zloop notice it even when nothing else happens. */
static int
s_on_quit(zloop_t *loop, int timer_id, void *arg)
{
    return -1;
}

static int
s_add_report(cs_daemon_t *self, json_t *obj)
{
    const struct cs_daemon_report *rep = &self->report;
    json_t *ledger;
    int r;

    s_refresh(self);
    r = cs_json_set_string(obj, "activity", rep->activity ? rep->activity(rep->arg) : "ready");
    if (r < 0)
        return r;
    r = cs_counters_to_json(self->groups, self->n_groups, obj);
    if (r == 0 && rep->add_json)
        r = rep->add_json(rep->arg, obj);
    if (r < 0)
        return r;
    ledger = cs_counters_select(self->groups, self->n_groups, CS_COUNTER_LEDGER);
    if (!ledger || json_object_set_new(obj, "ledger", ledger) < 0)
        return -ENOMEM;
    return 0;
}

json_t *
cs_daemon_status(cs_daemon_t *self)
{
    double uptime_s = (double) (cs_now_ns(CLOCK_MONOTONIC) - self->started_ns) / 1e9;
    json_t *obj = json_object();
    int r = obj ? 0 : -ENOMEM;

    if (r == 0)
        r = cs_json_set_bool(obj, "ok", true);
    if (r == 0)
        r = cs_json_set_string(obj, "daemon", cs_daemon_name(self->which));
    if (r == 0)
        r = cs_json_set_string(obj, "role", cs_role_name(cs_daemon_role(self->which)->role));
    if (r == 0)
        r = cs_json_set_i64(obj, "pid", (int64_t) getpid());
    if (r == 0)
        r = cs_json_set_string(obj, "stream", self->conf->stack.stream);
    if (r == 0)
        r = cs_json_set_double(obj, "uptime_s", round(uptime_s * 1e3) / 1e3);
    if (r == 0)
        r = cs_json_set_string(obj, "state", self->stopping ? "stopping" : "running");
    if (r == 0 && self->has_report)
        r = s_add_report(self, obj);
    if (r < 0) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

static int
s_status_json(void *arg, struct cs_control_req *req, char *reply, size_t size)
{
    cs_daemon_t *self = arg;
    json_t *obj;
    int r;

    if (req->argc > 1) {
        (void) snprintf(reply, size, "usage: status");
        return -EINVAL;
    }
    obj = cs_daemon_status(self);
    r = obj ? cs_json_dump(obj, reply, size) : -ENOMEM;
    json_decref(obj);
    if (r < 0)
        (void) snprintf(reply, size, "cannot write the status: %s", strerror(-r));
    return r < 0 ? r : 0;
}

/* "fields": what each number of the status answer means and whether it only grows, from the
 * counter tables, and for the members this file adds. */
static int
s_fields_json(void *arg, struct cs_control_req *req, char *reply, size_t size)
{
    cs_daemon_t *self = arg;
    json_t *members = NULL, *fields = NULL;
    int r = -ENOMEM;

    if (req->argc > 1) {
        (void) snprintf(reply, size, "usage: fields");
        return -EINVAL;
    }
    members = json_object();
    fields = json_object();
    if (members && fields && cs_counters_field_json(fields, "pid", "process id", false) == 0
        && cs_counters_field_json(fields, "uptime_s", "seconds since start", false) == 0
        && cs_counters_fields_json(self->groups, self->n_groups, fields) == 0
        && cs_counters_field_json(
               fields, "lost_total",
               "frames this daemon lost or dropped: the sum of its loss counters", true)
               == 0) {
        r = json_object_set_new(members, "fields", fields); /* takes @fields, even on failure */
        fields = NULL;
    }
    json_decref(fields);
    if (r < 0) {
        json_decref(members);
        members = NULL; /* cs_control_answer() says it could not be made */
    }
    return cs_control_answer(members, reply, size);
}

int
cs_daemon_answer_counters(cs_daemon_t *self, const char *const *names, char *reply, size_t size)
{
    json_t *members = json_object();

    if (members && cs_counters_add_named(self->groups, self->n_groups, names, members) < 0) {
        json_decref(members);
        members = NULL;
    }
    return cs_control_answer(members, reply, size);
}

void
cs_daemon_log_ledger(cs_daemon_t *self, const char *when)
{
    json_t *obj = json_object(), *ledger = NULL;
    char *text = NULL;

    if (!self->has_report)
        goto out;
    s_refresh(self);
    ledger = cs_counters_select(self->groups, self->n_groups, CS_COUNTER_LEDGER);
    if (obj && ledger && cs_json_set_string(obj, "daemon", cs_daemon_name(self->which)) == 0
        && cs_json_set_string(obj, "role", cs_role_name(cs_daemon_role(self->which)->role)) == 0
        && json_object_update(obj, ledger) == 0)
        text = cs_json_dump_alloc(obj);
    if (text)
        cs_log(LOG_NOTICE, "ledger %s: %s", when, text);
    else
        cs_log(LOG_ERR, "cannot write the ledger %s: out of memory", when);
out:
    free(text);
    json_decref(ledger);
    json_decref(obj);
}

cs_daemon_t *
cs_daemon_new(const struct cs_conf *conf, enum cs_daemon_id which)
{
    cs_daemon_t *self = calloc(1, sizeof *self);
    sigset_t mask;
    int e;

    if (!self)
        return NULL;
    self->conf = conf;
    self->which = which;
    self->sfd = -1;
    self->healthy = true;
    self->started_ns = cs_now_ns(CLOCK_MONOTONIC);
    sigemptyset(&mask);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGTERM);
    self->sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    self->loop = zloop_new();
    if (self->sfd < 0 || !self->loop)
        goto fail;
    zloop_set_nonstop(self->loop, true); /* we stop through the signalfd, not czmq's flag */
    self->control = cs_control_new(self->loop, conf->endpoints.control[which]);
    if (!self->control) {
        char why[128];

        e = errno;
        cs_log(LOG_ERR, "cannot bind control endpoint '%s': %s", conf->endpoints.control[which],
               cs_bind_strerror(conf->endpoints.control[which], e, why, sizeof why));
        errno = e;
        goto fail;
    }
    (void) cs_control_add(self->control, "status", "state and counters of this daemon",
                          s_status_json, self);
    (void) cs_control_add(self->control, "fields",
                          "what each number of the status answer means, and which only grow",
                          s_fields_json, self);
    zmq_pollitem_t item = { .socket = NULL, .fd = self->sfd, .events = ZMQ_POLLIN };
    if (zloop_poller(self->loop, &item, s_on_signal, self) < 0
        || zloop_timer(self->loop, 1000, 0, s_on_tick, self) < 0)
        goto fail;
    return self;
fail:
    e = errno ? errno : ENOMEM;
    cs_daemon_destroy(&self);
    errno = e;
    return NULL;
}

void
cs_daemon_destroy(cs_daemon_t **self_p)
{
    cs_daemon_t *self = *self_p;

    if (!self)
        return;
    cs_control_destroy(&self->control);
    zloop_destroy(&self->loop);
    if (self->sfd >= 0)
        (void) close(self->sfd);
    free(self);
    *self_p = NULL;
}

zloop_t *
cs_daemon_loop(cs_daemon_t *self)
{
    return self->loop;
}

cs_control_t *
cs_daemon_control(cs_daemon_t *self)
{
    return self->control;
}

void
cs_daemon_set_report(cs_daemon_t *self, cs_daemon_stop_fn *on_stop,
                     const struct cs_daemon_report *report)
{
    self->on_stop = on_stop;
    self->report = *report;
    self->has_report = true;
    self->n_groups = report->counter_groups ? report->counter_groups(report->arg, self->groups) : 0;
    assert(self->n_groups <= CS_DAEMON_GROUPS_MAX);
    self->arg = report->arg;
}

void
cs_daemon_set_healthy(cs_daemon_t *self, bool healthy)
{
    self->healthy = healthy;
}

bool
cs_daemon_stopping(const cs_daemon_t *self)
{
    return self->stopping;
}

void
cs_daemon_quit(cs_daemon_t *self)
{
    if (self->quit)
        return;
    self->quit = true;
    (void) zloop_timer(self->loop, 0, 1, s_on_quit, self);
}

int
cs_daemon_run(cs_daemon_t *self)
{
    uint64_t wd_usec = 0;
    int r;

    if (sd_watchdog_enabled(0, &wd_usec) > 0 && wd_usec >= 2000)
        (void) zloop_timer(self->loop, (size_t) (wd_usec / 2000), 0, s_on_watchdog, self);
    s_send_status(self);
    (void) sd_notify(0, "READY=1");
    r = zloop_start(self->loop);
    if (!self->stopping)
        (void) sd_notify(0, "STOPPING=1");
    s_send_status(self);
    return r < 0 && !self->stopping && !self->quit ? -EIO : 0;
}

void
cs_daemon_tune_socket(zsock_t *sock, int sndhwm, int rcvhwm, int linger_ms)
{
    if (sndhwm > 0)
        zsock_set_sndhwm(sock, sndhwm);
    if (rcvhwm > 0)
        zsock_set_rcvhwm(sock, rcvhwm);
    zsock_set_linger(sock, linger_ms);
}

/* Takes the daemon's instance lock before it binds anything. The descriptor is never closed:
 * the lock must outlast the sockets, whose files libzmq removes by name as the process exits
 * (czmq ends libzmq in an atexit handler); the kernel releases it after that, at the very end.
 * Returns CS_DAEMON_RUN or an exit status. */
static int
s_lock_instance(const struct cs_conf *conf, enum cs_daemon_id which)
{
    char path[PATH_MAX];
    pid_t holder;
    int fd, r;

    (void) cs_instance_lock_path(conf, which, path, sizeof path);
    r = cs_instance_lock(conf, which, &fd, &holder);
    if (r == -EBUSY) {
        if (holder > 0)
            cs_log(LOG_ERR,
                   "another %s already runs on stream '%s' as PID %ld (it holds '%s'), "
                   "exiting",
                   cs_daemon_name(which), conf->stack.stream, (long) holder, path);
        else
            cs_log(LOG_ERR, "another %s already runs on stream '%s' (it holds '%s'), exiting",
                   cs_daemon_name(which), conf->stack.stream, path);
        return CS_EX_TEMPFAIL;
    }
    if (r < 0) {
        cs_log_errno(LOG_ERR, r, "cannot lock '%s'", path);
        return EXIT_FAILURE;
    }
    return CS_DAEMON_RUN;
}

int
cs_daemon_main(const struct cs_daemon_info *info, const struct cs_daemon_impl *impl, int argc,
               char **argv)
{
    struct cs_conf conf;
    cs_daemon_t *daemon = NULL;
    void *obj = NULL;
    int r;

    r = cs_daemon_setup(info, argc, argv, &conf);
    if (r != CS_DAEMON_RUN)
        return r;
    r = s_lock_instance(&conf, info->which);
    if (r != CS_DAEMON_RUN)
        return r;
    errno = 0;
    daemon = cs_daemon_new(&conf, info->which);
    if (daemon)
        obj = impl->create(&conf, daemon);
    if (!daemon || !obj) {
        r = errno == EINVAL ? CS_EX_CONFIG : EXIT_FAILURE;
        cs_log(LOG_ERR, "startup failed, exiting with status %d", r);
        goto out;
    }
    r = cs_daemon_run(daemon);
    if (r < 0)
        r = EXIT_FAILURE;
    else
        r = impl->exit_status ? impl->exit_status(obj) : EXIT_SUCCESS;
out:
    if (obj)
        impl->destroy(obj);
    cs_daemon_destroy(&daemon);
    return r;
}
