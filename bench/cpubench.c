/* What the stack costs per byte (cpubench.h). Each case first reads the machine's busy time
 * over a short window without the stack (what else runs), then starts pubd, analyzerd, saverd
 * (into the disk directory) and camerad on the paced test pattern, lets it settle, and reads
 * over the window every daemon's CPU time (/proc/PID/stat, every thread), the machine's
 * (/proc/stat) and the frames captured; what was lost or dropped at source over the whole run
 * comes from the daemons' status before they are stopped by PID. The profiled case then runs
 * `perf record` on the daemons over a window of its own, after the measured one. After each
 * case the libzmq chain (yardstick.h) runs paced at the same rate: the transport's own cost. */
#include "cpubench.h"

#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "benchproc.h"
#include "harness.h"
#include "json.h"
#include "util.h"
#include "yardstick.h"

#define S_PROFILE_CASE   1 /* 1920x1080 RGB24 at 60 frames/s */
#define S_PROFILE_TOP    10
#define S_WHERE_TOP      4  /* of the shares by thread and library, shown */
#define S_WHERE_MAX      32 /* kept */
#define S_LINE_MAX       384
#define S_CHAIN_PACE_TOL 0.05 /* the paced chain's rate within 5 % of the case's */

struct s_case {
    const char *label;
    unsigned width, height;
    enum cs_pixfmt fmt;
    double fps;
};

static const struct s_case s_cases[] = {
    { "1920x1080 RGB24 at 30 frames/s", 1920, 1080, CS_PIXFMT_RGB24, 30 },
    { "1920x1080 RGB24 at 60 frames/s", 1920, 1080, CS_PIXFMT_RGB24, 60 },
    { "2048x2048 Y16 at 100 frames/s", 2048, 2048, CS_PIXFMT_Y16, 100 },
};
#define S_N_CASES (sizeof s_cases / sizeof s_cases[0])

struct s_result {
    bool ran;
    double window_s;
    double fps, gb_s;                   /* captured over the window; camera data in 1e9 B/s */
    double cores[CS_DAEMON_COUNT];      /* each daemon's CPU over the window, in cores */
    double stack_cores;                 /* their sum */
    double machine_cores, before_cores; /* every CPU busy, during the window and before it */
    double load1;                       /* the 1-minute load average at the window's end */
    uint64_t lost, dropped_at_source;   /* over the whole run */
};

static struct s_result s_res[S_N_CASES];

/* The libzmq chain (yardstick.h) paced at each case's rate: the transport's own cost. */
struct s_chain {
    bool ran, ok;
    double window_s, fps, gb_s;
    double cores[YARDSTICK_PROCS]; /* push, forward, sub in analyzerd's place, in saverd's */
    double total_cores;
    double load1;
    uint64_t lost;
};

static struct s_chain s_chain[S_N_CASES];
static const char *const s_chain_names[YARDSTICK_PROCS] = { "push", "forward", "sub_analyzerd",
                                                            "sub_saverd" };
/* The profile: each daemon's top entries of perf report ("share thread dso symbol"). */
static char s_top[CS_DAEMON_COUNT][S_PROFILE_TOP][S_LINE_MAX];
static unsigned s_n_top[CS_DAEMON_COUNT];
/* And its shares by thread and library, summed over its functions. */
struct s_where {
    char thread[64], dso[96];
    double share;
};
static struct s_where s_where[CS_DAEMON_COUNT][S_WHERE_MAX];
static unsigned s_n_where[CS_DAEMON_COUNT];
static double s_profile_s;
static char s_profile_note[256];

static const enum cs_daemon_id s_order[] = { CS_DAEMON_PUBD, CS_DAEMON_ANALYZERD, CS_DAEMON_SAVERD,
                                             CS_DAEMON_CAMERAD };
#define S_N_ORDER (sizeof s_order / sizeof s_order[0])

/* The machine's busy cores over @seconds from now. */
static double
s_machine_cores(double seconds)
{
    double b0, a0, b1, a1, t0 = bench_now_s();

    if (bench_machine_cpu_s(&b0, &a0) < 0)
        return NAN;
    (void) usleep((useconds_t) (seconds * 1e6)); /* the window measured */
    if (bench_machine_cpu_s(&b1, &a1) < 0)
        return NAN;
    return (b1 - b0) / (bench_now_s() - t0);
}

static uint64_t
s_status(const struct stack *st, enum cs_daemon_id d, const char *key)
{
    int64_t v = stack_status(st, d, key, 5000);

    return v > 0 ? (uint64_t) v : 0;
}

/* Adds @share to the entry of @thread in @dso of daemon @d's shares (s_where). */
static void
s_add_where(enum cs_daemon_id d, const char *thread, const char *dso, double share)
{
    unsigned i = 0;

    while (i < s_n_where[d]
           && !(strcmp(s_where[d][i].thread, thread) == 0 && strcmp(s_where[d][i].dso, dso) == 0))
        i++;
    if (i == s_n_where[d]) {
        if (i == S_WHERE_MAX)
            return;
        (void) cs_strlcpy(s_where[d][i].thread, thread, sizeof s_where[d][i].thread);
        (void) cs_strlcpy(s_where[d][i].dso, dso, sizeof s_where[d][i].dso);
        s_n_where[d]++;
    }
    s_where[d][i].share += share;
}

static int
s_by_share(const void *a, const void *b)
{
    double x = ((const struct s_where *) a)->share, y = ((const struct s_where *) b)->share;

    return (x < y) - (x > y);
}

/* Keeps daemon @d's largest functions and its shares by thread and library (their sums) from
 * @report, perf report's lines "  16.30%  5731:ZMQbg/IO/0  libc.so.6  [.] __memmove_...".
 * The thread's id is a sort key so that --pid filters samples: sorted by thread name alone,
 * perf merges the same name's samples of every process (each daemon's "ZMQbg/IO/0") into one
 * entry first, and the filter then keeps or drops that entry whole. */
static void
s_parse_report(enum cs_daemon_id d, char *report)
{
    for (char *l = strtok(report, "\n"); l; l = strtok(NULL, "\n")) {
        char thread[64], dso[96], sym[160];
        double share;

        if (sscanf(l, " %lf%% %*d:%63s %95s [%*[^]]] %159[^\n]", &share, thread, dso, sym) != 4)
            continue;
        if (s_n_top[d] < S_PROFILE_TOP)
            (void) snprintf(s_top[d][s_n_top[d]++], S_LINE_MAX, "%.1f %% %s: %s %s", share, thread,
                            dso, sym);
        s_add_where(d, thread, dso, share);
    }
    qsort(s_where[d], s_n_where[d], sizeof s_where[d][0], s_by_share);
}

/* Keeps each daemon's profile from @data (s_parse_report()); the whole report of each goes to
 * <out>/cpu-profile-<daemon>.txt. */
static void
s_report(const struct cpubench_opts *o, const struct stack *st, const char *data)
{
    static char out[1 << 20];

    for (size_t i = 0; i < S_N_ORDER; i++) {
        enum cs_daemon_id d = s_order[i];
        char pid[32], path[PATH_MAX + 64];
        const char *argv[] = { "perf",          "report",       "-i",       data,    "--stdio",
                               "--no-children", "--percentage", "relative", "--pid", pid,
                               "--sort",        "pid,dso,sym",  "-q",       NULL };
        FILE *f;

        (void) snprintf(pid, sizeof pid, "%d", (int) stack_daemon_pid(st, d));
        if (stack_run_cmd(argv, 120, out, sizeof out) != 0)
            continue;
        (void) snprintf(path, sizeof path, "%s/cpu-profile-%s.txt", o->out, cs_daemon_name(d));
        f = fopen(path, "we");
        if (f) {
            (void) fputs(out, f);
            (void) fclose(f);
        }
        s_parse_report(d, out);
    }
}

/* perf record on every daemon of @st for s_profile_s. */
static void
s_profile(const struct cpubench_opts *o, const struct stack *st)
{
    char pids[128] = "", data[PATH_MAX + 32], secs[32];
    const char *argv[] = { "perf", "record", "-q", "-e", "cpu-clock", "-F", "999", "-p",
                           pids,   "-o",     data, "--", "sleep",     secs, NULL };
    static char out[16384];
    size_t n = 0;

    for (size_t i = 0; i < S_N_ORDER; i++)
        n += (size_t) snprintf(pids + n, sizeof pids - n, "%s%d", i ? "," : "",
                               (int) stack_daemon_pid(st, s_order[i]));
    (void) snprintf(data, sizeof data, "%s/cpu-perf.data", o->out);
    (void) snprintf(secs, sizeof secs, "%g", s_profile_s);
    if (stack_run_cmd(argv, (int) s_profile_s + 120, out, sizeof out) != 0) {
        (void) snprintf(s_profile_note, sizeof s_profile_note,
                        "`perf record` failed here (%.120s): no profile", out);
        return;
    }
    s_report(o, st, data);
}

/* The stack of case @c, paced, in @work/@name (the chain's too: the same endpoints and
 * settings); @movies and @stats: saverd's and analyzerd's directories (NULL: the stack's). */
static struct stack_params
s_params(const struct s_case *c, const char *work, const char *name, const char *movies,
         const char *stats)
{
    return (struct stack_params){ .stream = "bench",
                                  .pixfmt = c->fmt,
                                  .width = c->width,
                                  .height = c->height,
                                  .fps = c->fps,
                                  .wait_subscribers = 2,
                                  .extra = "[log]\nlevel = notice\n",
                                  .parent_dir = work,
                                  .dir_name = name,
                                  .movies = movies,
                                  .stats = stats };
}

static void
s_one(const struct cpubench_opts *o, size_t i)
{
    const struct s_case *c = &s_cases[i];
    struct s_result *res = &s_res[i];
    char work[PATH_MAX], name[32], movies[PATH_MAX], stats[PATH_MAX];
    const struct stack_params p = s_params(c, work, name, movies, stats);
    double c0[CS_DAEMON_COUNT], c1[CS_DAEMON_COUNT], b0, b1, a0, a1, t0, t1;
    double settle_s = o->quick ? 2 : 5;
    uint64_t n0, n1, bytes = cs_pixfmt_frame_bytes(c->fmt, c->width, c->height);
    const char *rm[] = { "rm", "-rf", movies, stats, NULL };
    struct stack st;
    char out[1024];

    (void) snprintf(work, sizeof work, "%s/work", o->out);
    (void) snprintf(name, sizeof name, "cpu-%zu", i + 1);
    (void) snprintf(movies, sizeof movies, "%s/cpu-movies", o->disk);
    (void) snprintf(stats, sizeof stats, "%s/cpu-stats", o->disk);
    res->before_cores = s_machine_cores(o->quick ? 1 : 3);
    ck_assert_int_eq(stack_init(&st, &p), 0);
    for (size_t k = 0; k < S_N_ORDER; k++)
        ck_assert_int_eq(stack_start(&st, s_order[k]), 0);
    stack_await(&st, CS_DAEMON_CAMERAD, "captured", (int64_t) (c->fps * settle_s), 60000);
    n0 = s_status(&st, CS_DAEMON_CAMERAD, "captured");
    for (int d = 0; d < CS_DAEMON_COUNT; d++)
        c0[d] = st.pid[d] ? bench_cpu_s(stack_daemon_pid(&st, d)) : NAN;
    ck_assert_int_eq(bench_machine_cpu_s(&b0, &a0), 0);
    t0 = bench_now_s();
    (void) usleep((useconds_t) (res->window_s * 1e6)); /* the window measured */
    for (int d = 0; d < CS_DAEMON_COUNT; d++)
        c1[d] = st.pid[d] ? bench_cpu_s(stack_daemon_pid(&st, d)) : NAN;
    ck_assert_int_eq(bench_machine_cpu_s(&b1, &a1), 0);
    t1 = bench_now_s();
    n1 = s_status(&st, CS_DAEMON_CAMERAD, "captured");
    res->load1 = bench_loadavg();
    res->window_s = t1 - t0;
    res->fps = (double) (n1 - n0) / res->window_s;
    res->gb_s = res->fps * (double) bytes / 1e9;
    res->machine_cores = (b1 - b0) / res->window_s;
    for (int d = 0; d < CS_DAEMON_COUNT; d++) {
        res->cores[d] = st.pid[d] ? (c1[d] - c0[d]) / res->window_s : 0;
        res->stack_cores += res->cores[d];
    }
    if (i == S_PROFILE_CASE)
        s_profile(o, &st);
    res->dropped_at_source = s_status(&st, CS_DAEMON_CAMERAD, "dropped_at_source");
    res->lost = s_status(&st, CS_DAEMON_ANALYZERD, "lost") + s_status(&st, CS_DAEMON_SAVERD, "lost")
                + s_status(&st, CS_DAEMON_SAVERD, "queue_dropped")
                + s_status(&st, CS_DAEMON_SAVERD, "write_dropped");
    for (size_t k = S_N_ORDER; k-- > 0;)
        ck_assert_int_eq(stack_stop(&st, s_order[k]), 0);
    ck_assert_int_eq(stack_destroy(&st), 0);
    (void) stack_run_cmd(rm, 300, out, sizeof out);
    res->ran = true;
    (void) fprintf(stderr,
                   "cpu %s: %.3f GB/s, stack %.2f cores (%.2f per GB/s), machine %.2f cores "
                   "(%.2f before), lost %llu, dropped at source %llu, load %.1f\n",
                   c->label, res->gb_s, res->stack_cores, res->stack_cores / res->gb_s,
                   res->machine_cores, res->before_cores, (unsigned long long) res->lost,
                   (unsigned long long) res->dropped_at_source, res->load1);
}

/* The chain in a directory of its own with the config case @i's stack gets: a warm-up of
 * the settling time, then the window, both paced at the case's rate; each process's CPU from
 * the warm-up's end to its exit (its idle drain included), over the frames' span. */
static void
s_chain_one(const struct cpubench_opts *o, size_t i)
{
    const struct s_case *c = &s_cases[i];
    struct s_chain *ch = &s_chain[i];
    char work[PATH_MAX], name[32];
    const struct stack_params p = s_params(c, work, name, NULL, NULL);
    double settle_s = o->quick ? 2 : 5;
    uint64_t bytes = cs_pixfmt_frame_bytes(c->fmt, c->width, c->height);
    struct yardstick_result r;
    struct stack st;

    (void) snprintf(work, sizeof work, "%s/work", o->out);
    (void) snprintf(name, sizeof name, "cpu-chain-%zu", i + 1);
    ck_assert_int_eq(stack_init(&st, &p), 0);
    ck_assert_int_eq(yardstick_run_paced(&st, (uint64_t) (c->fps * settle_s),
                                         (uint64_t) (c->fps * ch->window_s), ch->window_s + 10,
                                         c->fps, &r),
                     0);
    ch->load1 = bench_loadavg();
    ck_assert_int_eq(stack_destroy(&st), 0);
    /* A chain that fell behind the pace did less than the case asks: flagged, as a run
     * that lost frames is. */
    ch->ok = r.ok && fabs(r.fps - c->fps) <= S_CHAIN_PACE_TOL * c->fps;
    ch->lost = r.lost[0] + r.lost[1];
    ch->fps = r.fps;
    ch->gb_s = r.fps * (double) bytes / 1e9;
    ch->window_s = r.fps > 0 ? (double) r.sent / r.fps : NAN;
    for (int k = 0; k < YARDSTICK_PROCS; k++) {
        ch->cores[k] = r.cpu_s[k] / ch->window_s;
        ch->total_cores += ch->cores[k];
    }
    ch->ran = true;
    (void) fprintf(stderr,
                   "cpu chain %s: %.3f GB/s, %.2f cores (%.2f per GB/s; push %.3f forward %.3f "
                   "subs %.3f %.3f), lost %llu%s, load %.1f\n",
                   c->label, ch->gb_s, ch->total_cores, ch->total_cores / ch->gb_s, ch->cores[0],
                   ch->cores[1], ch->cores[2], ch->cores[3], (unsigned long long) ch->lost,
                   ch->ok ? "" : " (did not run through, or off its pace)", ch->load1);
}

void
cpubench_run(const struct cpubench_opts *o)
{
    s_profile_s = o->quick ? 3 : 10;
    for (size_t i = 0; i < S_N_CASES; i++) {
        s_res[i].window_s = o->quick ? 5 : 20;
        s_one(o, i);
        s_chain[i].window_s = s_res[i].window_s;
        s_chain_one(o, i);
    }
}

/* Sets member @key of @obj to @v, or to null if it is not finite. Returns 0 or -errno. */
static int
s_set_num(json_t *obj, const char *key, double v)
{
    if (isfinite(v))
        return cs_json_set_double(obj, key, v);
    return json_object_set_new(obj, key, json_null()) == 0 ? 0 : -ENOMEM;
}

static json_t *
s_case_json(size_t i)
{
    const struct s_result *r = &s_res[i];
    json_t *c = json_object(), *daemons = json_object();
    int e = c && daemons ? 0 : -ENOMEM;

    if (!e)
        e = cs_json_set_string(c, "case", s_cases[i].label)
            | cs_json_set_u64(c, "width", s_cases[i].width)
            | cs_json_set_u64(c, "height", s_cases[i].height)
            | cs_json_set_string(c, "format", cs_pixfmt_info(s_cases[i].fmt)->name)
            | s_set_num(c, "paced_fps", s_cases[i].fps) | s_set_num(c, "window_s", r->window_s)
            | s_set_num(c, "captured_fps", r->fps) | s_set_num(c, "camera_gb_per_s", r->gb_s)
            | s_set_num(c, "stack_cores", r->stack_cores)
            | s_set_num(c, "stack_cores_per_gb_s", r->stack_cores / r->gb_s)
            | s_set_num(c, "machine_cores", r->machine_cores)
            | s_set_num(c, "machine_cores_per_gb_s", r->machine_cores / r->gb_s)
            | s_set_num(c, "machine_cores_before", r->before_cores)
            | s_set_num(c, "load_average_1min", r->load1) | cs_json_set_u64(c, "lost", r->lost)
            | cs_json_set_u64(c, "dropped_at_source", r->dropped_at_source);
    for (size_t k = 0; k < S_N_ORDER && !e; k++)
        e = s_set_num(daemons, cs_daemon_name(s_order[k]), r->cores[s_order[k]]);
    if (!e)
        e = json_object_set(c, "daemon_cores", daemons);
    json_decref(daemons);
    if (e) {
        json_decref(c);
        return NULL;
    }
    return c;
}

/* The chain's case @i, or NULL. */
static json_t *
s_chain_json(size_t i)
{
    const struct s_chain *ch = &s_chain[i];
    json_t *c = json_object(), *procs = json_object();
    int e = c && procs ? 0 : -ENOMEM;

    if (!e)
        e = cs_json_set_bool(c, "ok", ch->ok) | s_set_num(c, "window_s", ch->window_s)
            | s_set_num(c, "fps", ch->fps) | s_set_num(c, "camera_gb_per_s", ch->gb_s)
            | s_set_num(c, "cores", ch->total_cores)
            | s_set_num(c, "cores_per_gb_s", ch->total_cores / ch->gb_s)
            | s_set_num(c, "load_average_1min", ch->load1) | cs_json_set_u64(c, "lost", ch->lost);
    for (int k = 0; k < YARDSTICK_PROCS && !e; k++)
        e = s_set_num(procs, s_chain_names[k], ch->cores[k]);
    if (!e)
        e = json_object_set(c, "process_cores", procs);
    json_decref(procs);
    if (e) {
        json_decref(c);
        return NULL;
    }
    return c;
}

static json_t *
s_profile_json(void)
{
    json_t *p = json_object();

    if (!p)
        return NULL;
    (void) s_set_num(p, "seconds", s_profile_s);
    (void) cs_json_set_string(p, "case", s_cases[S_PROFILE_CASE].label);
    if (s_profile_note[0])
        (void) cs_json_set_string(p, "note", s_profile_note);
    for (size_t k = 0; k < S_N_ORDER; k++) {
        enum cs_daemon_id d = s_order[k];
        json_t *top = json_array(), *where = json_array(), *one = json_object();

        for (unsigned t = 0; top && t < s_n_top[d]; t++)
            (void) json_array_append_new(top, cs_json_string(s_top[d][t]));
        for (unsigned t = 0; where && t < s_n_where[d]; t++) {
            json_t *w = json_object();

            if (w && cs_json_set_string(w, "thread", s_where[d][t].thread) == 0
                && cs_json_set_string(w, "library", s_where[d][t].dso) == 0
                && cs_json_set_double(w, "share_pct", s_where[d][t].share) == 0)
                (void) json_array_append_new(where, w);
            else
                json_decref(w);
        }
        if (one) {
            (void) json_object_set_new(one, "threads_and_libraries", where);
            (void) json_object_set_new(one, "functions", top);
            (void) json_object_set_new(p, cs_daemon_name(d), one);
        } else {
            json_decref(top);
            json_decref(where);
        }
    }
    return p;
}

void
cpubench_write_json(FILE *f)
{
    json_t *o = json_object(), *cases = json_array();
    char *text = NULL;

    for (size_t i = 0; o && cases && i < S_N_CASES; i++) {
        json_t *c = s_res[i].ran ? s_case_json(i) : NULL;

        if (c && s_chain[i].ran)
            (void) json_object_set_new(c, "libzmq_chain", s_chain_json(i));
        if (c)
            (void) json_array_append_new(cases, c);
    }
    if (o && cases) {
        (void) json_object_set(o, "cases", cases);
        (void) json_object_set_new(o, "profile", s_profile_json());
        text = cs_json_dump_alloc(o);
    }
    (void) fprintf(f, ",\"cpu\":%s", text ? text : "null");
    free(text);
    json_decref(cases);
    json_decref(o);
}

/* The chain's table, each case beside the stack's. */
static void
s_chain_md(FILE *f)
{
    (void) fputs("\nThe libzmq chain of the transport benchmark (camstack-zmqchain: PUSH, "
                 "PULL -> XPUB forwarder, two SUBs, the stack's config) paced at the same "
                 "rate and frame size, in the same run: the transport's own cost over this "
                 "topology. Each process's CPU (every thread, getrusage) from the warm-up's "
                 "end to its exit, over the measured frames' span; **left** = the stack's "
                 "cores per GB/s less the chain's: what drawing, statistics, saving and the "
                 "daemons' own work cost. \"(!)\" marks a chain that did not run through, "
                 "lost a frame or ran more than 5 % off its pace (then it did less work than "
                 "the case asks).\n\n"
                 "| case | chain GB/s | push | forward | sub (analyzerd's place) | sub "
                 "(saverd's place) | chain cores | chain cores per GB/s | stack cores per "
                 "GB/s | left | chain lost | load average |\n"
                 "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n",
                 f);
    for (size_t i = 0; i < S_N_CASES; i++) {
        const struct s_chain *ch = &s_chain[i];
        const struct s_result *r = &s_res[i];

        if (!ch->ran || !r->ran)
            continue;
        (void) fprintf(f,
                       "| %s%s | %.3f | %.3f | %.3f | %.3f | %.3f | %.2f | %.2f | %.2f | %.2f | "
                       "%llu | %.1f |\n",
                       s_cases[i].label, ch->ok ? "" : " (!)", ch->gb_s, ch->cores[0], ch->cores[1],
                       ch->cores[2], ch->cores[3], ch->total_cores, ch->total_cores / ch->gb_s,
                       r->stack_cores / r->gb_s,
                       r->stack_cores / r->gb_s - ch->total_cores / ch->gb_s,
                       (unsigned long long) ch->lost, ch->load1);
    }
}

void
cpubench_write_md(FILE *f)
{
    (void) fprintf(f,
                   "\n### CPU per byte\n\n"
                   "The whole stack on the paced test pattern, saverd writing into the disk "
                   "directory; CPU over a window of %.0f s after the stack settled, in cores "
                   "(CPU seconds a second): each daemon's (every thread, /proc/PID/stat) and the "
                   "machine's (every CPU's busy time in /proc/stat: the kernel's writeback and "
                   "whatever else runs included; \"before\" is the same over a few seconds "
                   "before the stack started); per GB/s of camera data captured. Goal: at most "
                   "1.2 cores per GB/s for the whole stack, the machine's total included. The "
                   "load average is /proc/loadavg's 1-minute one at the window's end.\n\n"
                   "| case | camera GB/s | camerad | pubd | analyzerd | saverd | stack cores | "
                   "stack cores per GB/s | machine cores (before) | machine cores per GB/s | "
                   "lost | dropped at source | load average |\n"
                   "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n",
                   s_res[0].window_s);
    for (size_t i = 0; i < S_N_CASES; i++) {
        const struct s_result *r = &s_res[i];

        if (!r->ran)
            continue;
        (void) fprintf(
            f,
            "| %s | %.3f | %.3f | %.3f | %.3f | %.3f | %.2f | %.2f | %.2f (%.2f) | "
            "%.2f | %llu | %llu | %.1f |\n",
            s_cases[i].label, r->gb_s, r->cores[CS_DAEMON_CAMERAD], r->cores[CS_DAEMON_PUBD],
            r->cores[CS_DAEMON_ANALYZERD], r->cores[CS_DAEMON_SAVERD], r->stack_cores,
            r->stack_cores / r->gb_s, r->machine_cores, r->before_cores, r->machine_cores / r->gb_s,
            (unsigned long long) r->lost, (unsigned long long) r->dropped_at_source, r->load1);
    }
    s_chain_md(f);
    (void) fprintf(f,
                   "\nWhere each daemon's time goes: `perf record -e cpu-clock -F 999` on the "
                   "four daemons over %.0f s of %s, after its measured window; each entry a "
                   "share of that daemon's samples (thread: library function; the whole "
                   "reports are out/bench/cpu-profile-<daemon>.txt).%s%s\n\n"
                   "| daemon | by thread and library | largest functions |\n|---|---|---|\n",
                   s_profile_s, s_cases[S_PROFILE_CASE].label, s_profile_note[0] ? " " : "",
                   s_profile_note);
    for (size_t k = 0; k < S_N_ORDER; k++) {
        enum cs_daemon_id d = s_order[k];

        (void) fprintf(f, "| %s | ", cs_daemon_name(d));
        for (unsigned t = 0; t < s_n_where[d] && t < S_WHERE_TOP; t++)
            (void) fprintf(f, "%s%.1f %% %s in %s", t ? "; " : "", s_where[d][t].share,
                           s_where[d][t].thread, s_where[d][t].dso);
        (void) fputs(" | ", f);
        for (unsigned t = 0; t < s_n_top[d]; t++)
            (void) fprintf(f, "%s%s", t ? "; " : "", s_top[d][t]);
        (void) fputs(" |\n", f);
    }
}
