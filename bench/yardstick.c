#include "yardstick.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "util.h"

static const char *const s_names[YARDSTICK_PROCS] = { "push", "forward", "sub-analyzerd",
                                                      "sub-saverd" };

/* One line a chain process printed: "run R frames N lost L first_ns F last_ns T cpu_s C",
 * "exit cpu_s C" (run 0) or "sndbuf B" (run -1). */
struct s_line {
    int run;
    unsigned long long frames, lost, first_ns, last_ns;
    double cpu_s;
    long long sndbuf;
};

static int
s_parse(const char *text, struct s_line *l)
{
    memset(l, 0, sizeof *l);
    if (sscanf(text, "run %d frames %llu lost %llu first_ns %llu last_ns %llu cpu_s %lf", &l->run,
               &l->frames, &l->lost, &l->first_ns, &l->last_ns, &l->cpu_s)
        == 6)
        return 0;
    if (sscanf(text, "exit cpu_s %lf", &l->cpu_s) == 1)
        return 0;
    l->run = -1;
    return sscanf(text, "sndbuf %lld", &l->sndbuf) == 1 ? 0 : -1;
}

/* Reads the next line from @fd (a FIFO a SUB writes) within @timeout_ms. Returns 0 or -1. */
static int
s_read_line(int fd, struct s_line *l, int timeout_ms)
{
    char line[256];
    size_t n = 0;
    uint64_t until = cs_now_ns(CLOCK_MONOTONIC) + (uint64_t) timeout_ms * 1000000;

    while (n < sizeof line - 1) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        uint64_t now = cs_now_ns(CLOCK_MONOTONIC);
        ssize_t k;

        if (now >= until || poll(&p, 1, (int) ((until - now) / 1000000) + 1) <= 0)
            return -1;
        k = read(fd, line + n, 1); /* a byte at a time: the next line stays in the FIFO */
        if (k <= 0)
            return -1;
        if (line[n] == '\n')
            break;
        n++;
    }
    line[n] = '\0';
    return s_parse(line, l);
}

/* The line of run @run (0: the exit line) in the output file @name of @st. */
static int
s_file_line(const struct stack *st, const char *name, int run, struct s_line *l)
{
    char buf[4096];

    stack_read_file(st, name, buf, sizeof buf);
    for (char *p = strtok(buf, "\n"); p; p = strtok(NULL, "\n")) {
        if (s_parse(p, l) == 0 && l->run == run)
            return 0;
    }
    return -1;
}

/* Starts a chain process with @args (after the program and its role) and @st's config; its
 * output to @out. Returns its PID (of timeout(1)). */
static pid_t
s_spawn(struct stack *st, const char *role, const char *const *args, const char *out)
{
    char exe[PATH_MAX];
    const char *argv[10] = { exe, role, st->config };
    int n = 3;

    stack_build_path(exe, sizeof exe, "bench/camstack-zmqchain");
    for (int i = 0; args && args[i] && n < 9; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    return stack_spawn(st, argv, out);
}

/* Makes the FIFO @name in @st's directory and opens its read end (before a writer, so that
 * its lines are events). Returns the descriptor or -1. */
static int
s_fifo(const struct stack *st, const char *name, char *path, size_t size)
{
    (void) snprintf(path, size, "%s/%s", st->dir, name);
    (void) unlink(path);
    if (mkfifo(path, 0600) < 0)
        return -1;
    return open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
}

/* Both SUBs' lines for run @run, into @l. Returns 0 or -1. */
static int
s_subs_line(const int fd[2], int run, struct s_line l[2], int timeout_ms)
{
    for (int i = 0; i < 2; i++) {
        if (s_read_line(fd[i], &l[i], timeout_ms) < 0 || l[i].run != run)
            return -1;
    }
    return 0;
}

/* Fills @res from the lines of the measured run. */
static void
s_result(const struct s_line sub2[2], const struct s_line sub_exit[2], const struct s_line base[],
         const struct s_line *push2, const struct s_line end[], struct yardstick_result *res)
{
    res->sent = push2->frames;
    res->fps = INFINITY;
    for (int i = 0; i < 2; i++) {
        double fps = sub2[i].frames > 1 && sub2[i].last_ns > sub2[i].first_ns
                         ? (double) (sub2[i].frames - 1) * 1e9
                               / (double) (sub2[i].last_ns - sub2[i].first_ns)
                         : 0;

        res->received[i] = sub2[i].frames;
        res->lost[i] = sub2[i].lost;
        res->fps = fps < res->fps ? fps : res->fps;
        res->cpu_s[YARDSTICK_SUB_A + i] = sub_exit[i].cpu_s - base[YARDSTICK_SUB_A + i].cpu_s;
        if (sub2[i].frames != push2->frames || sub2[i].lost)
            res->ok = false;
    }
    for (int p = YARDSTICK_PUSH; p <= YARDSTICK_FORWARD; p++)
        res->cpu_s[p] = end[p].cpu_s - base[p].cpu_s;
}

int
yardstick_run(struct stack *st, uint64_t warm, uint64_t max, double seconds,
              struct yardstick_result *res)
{
    return yardstick_run_paced(st, warm, max, seconds, 0, res);
}

int
yardstick_run_paced(struct stack *st, uint64_t warm, uint64_t max, double seconds, double fps,
                    struct yardstick_result *res)
{
    char go[PATH_MAX + 16], fifo[2][PATH_MAX + 32] = { "", "" }, name[32], n_warm[24], n_max[24],
                                               secs[24], rate[32];
    const char *push_args[] = { n_warm, n_max, secs, go, fps > 0 ? rate : NULL, NULL };
    struct s_line sub[2], sub2[2], sub_exit[2], base[YARDSTICK_PROCS], end[YARDSTICK_PROCS], push2;
    int fd[2] = { -1, -1 }, gofd = -1, r = -EIO;
    pid_t pid[YARDSTICK_PROCS] = { 0 };

    memset(res, 0, sizeof *res);
    (void) snprintf(n_warm, sizeof n_warm, "%llu", (unsigned long long) warm);
    (void) snprintf(n_max, sizeof n_max, "%llu", (unsigned long long) max);
    (void) snprintf(secs, sizeof secs, "%g", seconds);
    (void) snprintf(rate, sizeof rate, "%.17g", fps);
    (void) snprintf(go, sizeof go, "%s/chain-go.fifo", st->dir);
    (void) unlink(go);
    if (mkfifo(go, 0600) < 0)
        return -errno;
    for (int i = 0; i < 2; i++) { /* a run's before, which stack_spawn() would append to */
        (void) snprintf(fifo[0], sizeof fifo[0], "%s/chain-%s.out", st->dir, s_names[i]);
        (void) unlink(fifo[0]);
    }
    fifo[0][0] = '\0';
    /* In the daemons' order: pubd's place, the subscribers', camerad's. */
    pid[YARDSTICK_FORWARD] = s_spawn(st, "forward", NULL, "chain-forward.out");
    for (int i = 0; i < 2; i++) {
        const char *args[] = { i == 0 ? "analyzerd" : "saverd", NULL };

        (void) snprintf(name, sizeof name, "chain-%s.fifo", s_names[YARDSTICK_SUB_A + i]);
        fd[i] = s_fifo(st, name, fifo[i], sizeof fifo[i]);
        if (fd[i] < 0)
            goto out;
        pid[YARDSTICK_SUB_A + i] = s_spawn(st, "sub", args, name);
    }
    pid[YARDSTICK_PUSH] = s_spawn(st, "push", push_args, "chain-push.out");
    /* The warm-up has reached both SUBs: the queues are empty; the measured run may start. */
    if (s_subs_line(fd, 1, sub, 600000) < 0 || sub[0].frames != warm || sub[1].frames != warm)
        goto out;
    base[YARDSTICK_SUB_A] = sub[0];
    base[YARDSTICK_SUB_S] = sub[1];
    gofd = open(go, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (gofd < 0 || write(gofd, "go\n", 3) != 3)
        goto out;
    if (s_subs_line(fd, 2, sub2, (int) (seconds * 1e3) + 600000) < 0
        || s_subs_line(fd, 0, sub_exit, 60000) < 0)
        goto out;
    res->ok = true;
    for (int p = 0; p < YARDSTICK_PROCS; p++) {
        if (stack_reap(st, pid[p]) != 0)
            res->ok = false;
        pid[p] = 0;
    }
    if (s_file_line(st, "chain-push.out", 1, &base[YARDSTICK_PUSH]) < 0
        || s_file_line(st, "chain-push.out", 2, &push2) < 0
        || s_file_line(st, "chain-push.out", 0, &end[YARDSTICK_PUSH]) < 0
        || s_file_line(st, "chain-forward.out", 1, &base[YARDSTICK_FORWARD]) < 0
        || s_file_line(st, "chain-forward.out", 0, &end[YARDSTICK_FORWARD]) < 0
        || s_file_line(st, "chain-forward.out", -1, &end[YARDSTICK_SUB_A]) < 0)
        goto out;
    res->sndbuf = end[YARDSTICK_SUB_A].sndbuf; /* the forwarder's "sndbuf" line */
    s_result(sub2, sub_exit, base, &push2, end, res);
    r = 0;
out:
    if (r < 0)
        (void) fprintf(stderr, "camstack-bench: the libzmq chain did not run through: see %s\n",
                       st->dir);
    stack_kill(st); /* the processes of a run that failed */
    if (gofd >= 0)
        (void) close(gofd);
    for (int i = 0; i < 2; i++) {
        if (fd[i] >= 0)
            (void) close(fd[i]);
        if (fifo[i][0])
            (void) unlink(fifo[i]);
    }
    (void) unlink(go);
    return r;
}

json_t *
yardstick_json(const struct yardstick_result *r)
{
    json_t *o = json_object(), *cpu = json_object();
    int e = o && cpu ? 0 : -ENOMEM;

    if (!e)
        e = cs_json_set_bool(o, "ok", r->ok) | cs_json_set_u64(o, "sent", r->sent)
            | cs_json_set_u64(o, "received_analyzerd", r->received[0])
            | cs_json_set_u64(o, "received_saverd", r->received[1])
            | cs_json_set_u64(o, "lost", r->lost[0] + r->lost[1])
            | cs_json_set_double(o, "fps", isfinite(r->fps) ? r->fps : 0)
            | cs_json_set_i64(o, "sndbuf", r->sndbuf);
    for (int p = 0; p < YARDSTICK_PROCS && !e; p++)
        e = cs_json_set_double(cpu, s_names[p], r->cpu_s[p]);
    if (!e)
        e = json_object_set(o, "cpu_s", cpu);
    json_decref(cpu);
    if (e) {
        json_decref(o);
        return NULL;
    }
    return o;
}
