#include "twostacks.h"

#include <dirent.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <czmq.h>

#include "harness.h"
#include "pixfmt.h"

#define S_RUNS_MAX 15
#define S_WIDTH    640
#define S_HEIGHT   480
#define S_FPS      30

/* One stack's part of a run. */
struct s_part {
    double cpu_s;      /* every daemon's user + system time, start to exit */
    uint64_t captured; /* camerad's frames */
    uint64_t lost;     /* dropped at source or by the camera, lost or dropped by a subscriber */
    bool ok;           /* every daemon exited 0 and saverd received every frame sent */
};

struct s_run {
    struct s_part one, two[2];
};

static struct s_run s_runs[S_RUNS_MAX];
static unsigned s_n;
static double s_seconds;

/* Removes the files of directory @path, then the directory. */
static void
s_remove_dir(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *e;
    char file[PATH_MAX + 256];

    if (!d)
        return;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        (void) snprintf(file, sizeof file, "%s/%s", path, e->d_name);
        (void) unlink(file);
    }
    (void) closedir(d);
    (void) rmdir(path);
}

/* Starts stack @name of run @r: its own directory under <out>/work, movies in the tmpfs. */
static void
s_start(struct stack *s, const struct twostacks_opts *o, const char *name, unsigned r)
{
    char work[PATH_MAX], dir[64], movies[PATH_MAX];
    struct stack_params p = { .stream = name,
                              .pixfmt = CS_PIXFMT_RGB24,
                              .width = S_WIDTH,
                              .height = S_HEIGHT,
                              .fps = S_FPS,
                              .wait_subscribers = 2,
                              .parent_dir = work,
                              .dir_name = dir,
                              .movies = movies,
                              .extra = "[log]\nlevel = notice\n" };

    (void) snprintf(work, sizeof work, "%s/work", o->out);
    (void) snprintf(dir, sizeof dir, "stacks-%s-%u", name, r + 1);
    (void) snprintf(movies, sizeof movies, "%s/stacks-%s", o->tmpfs, name);
    ck_assert_int_eq(stack_init(s, &p), 0);
    stack_start_all(s);
}

/* Stops @s as the units do (camerad, pubd, then the others), and sums up its part. */
static void
s_stop(struct stack *s, struct s_part *ret)
{
    static const enum cs_role order[] = { CS_ROLE_PRODUCER, CS_ROLE_FANOUT,
                                          CS_ROLE_FRAME_SUBSCRIBER, CS_ROLE_SAMPLER };
    bool exited_0 = true;
    int64_t sent;

    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        for (enum cs_daemon_id d = 0; d < CS_DAEMON_COUNT; d++) {
            if (cs_daemon_role(d)->role == order[i])
                exited_0 = stack_stop(s, d) == 0 && exited_0;
        }
    }
    *ret = (struct s_part){ .captured = (uint64_t) stack_ledger(s, CS_DAEMON_CAMERAD, "captured") };
    for (enum cs_daemon_id d = 0; d < CS_DAEMON_COUNT; d++)
        ret->cpu_s += s->cpu_s[d];
    ret->lost = (uint64_t) (stack_ledger(s, CS_DAEMON_CAMERAD, "dropped_at_source")
                            + stack_ledger(s, CS_DAEMON_CAMERAD, "camera_dropped")
                            + stack_ledger(s, CS_DAEMON_ANALYZERD, "lost")
                            + stack_ledger(s, CS_DAEMON_SAVERD, "lost")
                            + stack_ledger(s, CS_DAEMON_SAVERD, "queue_dropped")
                            + stack_ledger(s, CS_DAEMON_SAVERD, "write_dropped"));
    sent = stack_ledger(s, CS_DAEMON_CAMERAD, "sent");
    ret->ok = exited_0 && sent > 0 && stack_ledger(s, CS_DAEMON_SAVERD, "received") == sent
              && stack_ledger(s, CS_DAEMON_ANALYZERD, "received") == sent;
}

/* Runs stacks @names side by side for s_seconds of capture, into @parts. */
static void
s_side_by_side(const struct twostacks_opts *o, const char *const *names, size_t n, unsigned r,
               struct s_part *parts)
{
    struct stack stacks[2];
    char movies[PATH_MAX];

    for (size_t i = 0; i < n; i++)
        s_start(&stacks[i], o, names[i], r);
    for (size_t i = 0; i < n; i++)
        stack_await(&stacks[i], CS_DAEMON_CAMERAD, "captured", 1, 30000);
    zclock_sleep((int) (s_seconds * 1000)); /* the time measured: frames flow meanwhile */
    for (size_t i = 0; i < n; i++) {
        s_stop(&stacks[i], &parts[i]);
        (void) stack_destroy(&stacks[i]);
        (void) snprintf(movies, sizeof movies, "%s/stacks-%s", o->tmpfs, names[i]);
        s_remove_dir(movies);
    }
}

static double
s_ms_per_frame(const struct s_part *p, size_t n)
{
    double cpu = 0, frames = 0;

    for (size_t i = 0; i < n; i++) {
        cpu += p[i].cpu_s;
        frames += (double) p[i].captured;
    }
    return frames > 0 ? cpu * 1e3 / frames : 0;
}

/* Two stacks' CPU per frame against one stack's, in run @r. */
static double
s_ratio(const struct s_run *r)
{
    double one = s_ms_per_frame(&r->one, 1);

    return one > 0 ? s_ms_per_frame(r->two, 2) / one : 0;
}

void
twostacks_run(const struct twostacks_opts *o)
{
    static const char *const one[] = { "cam1" }, *const two[] = { "cam1", "cam2" };

    s_seconds = o->quick ? 8 : 20;
    s_n = o->runs < S_RUNS_MAX ? o->runs : S_RUNS_MAX;
    for (unsigned r = 0; r < s_n; r++) {
        struct s_run *run = &s_runs[r];

        (void) fprintf(stderr, "stacks: run %u of %u: one stack, then two, %.0f s each\n", r + 1,
                       s_n, s_seconds);
        s_side_by_side(o, one, 1, r, &run->one);
        s_side_by_side(o, two, 2, r, run->two);
        (void) fprintf(stderr,
                       "stacks: one %.3f ms/frame (%llu frames, %llu lost), two %.3f ms/frame "
                       "(%llu + %llu frames, %llu + %llu lost): %.1f %%\n",
                       s_ms_per_frame(&run->one, 1), (unsigned long long) run->one.captured,
                       (unsigned long long) run->one.lost, s_ms_per_frame(run->two, 2),
                       (unsigned long long) run->two[0].captured,
                       (unsigned long long) run->two[1].captured,
                       (unsigned long long) run->two[0].lost, (unsigned long long) run->two[1].lost,
                       100.0 * s_ratio(run));
    }
}

static void
s_json_part(FILE *f, const struct s_part *p)
{
    (void) fprintf(f, "{\"ok\":%s,\"captured\":%llu,\"lost\":%llu,\"cpu_s\":%.3f}",
                   p->ok ? "true" : "false", (unsigned long long) p->captured,
                   (unsigned long long) p->lost, p->cpu_s);
}

void
twostacks_write_json(FILE *f)
{
    (void) fprintf(f,
                   ",\"stacks\":{\"format\":\"640x480 RGB24\",\"fps\":%d,\"seconds\":%g,"
                   "\"runs\":[",
                   S_FPS, s_seconds);
    for (unsigned r = 0; r < s_n; r++) {
        (void) fprintf(f, "%s{\"one\":", r ? "," : "");
        s_json_part(f, &s_runs[r].one);
        (void) fputs(",\"two\":[", f);
        s_json_part(f, &s_runs[r].two[0]);
        (void) fputc(',', f);
        s_json_part(f, &s_runs[r].two[1]);
        (void) fprintf(f, "],\"cpu_ratio\":%.4f}", s_ratio(&s_runs[r]));
    }
    (void) fputs("]}", f);
}

static int
s_cmp_double(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;

    return (x > y) - (x < y);
}

void
twostacks_write_md(FILE *f)
{
    double ratios[S_RUNS_MAX] = { 0 }, median;
    uint64_t lost = 0;

    (void) fprintf(f,
                   "\n### Two stacks on one host\n\n"
                   "640x480 RGB24 at %d frames/s, %.0f s of capture: one stack alone, then two "
                   "side by side (each its own directory, sockets and stream), alternately. CPU "
                   "is every daemon's, start to exit, per frame captured.\n\n"
                   "| run | one stack: frames, lost | CPU ms/frame | two stacks: frames, lost | "
                   "CPU ms/frame | two / one |\n|--:|--:|--:|--:|--:|--:|\n",
                   S_FPS, s_seconds);
    for (unsigned r = 0; r < s_n; r++) {
        const struct s_run *run = &s_runs[r];

        ratios[r] = s_ratio(run);
        lost += run->one.lost + run->two[0].lost + run->two[1].lost;
        (void) fprintf(
            f, "| %u | %llu, %llu%s | %.3f | %llu + %llu, %llu + %llu%s | %.3f | %.1f %% |\n",
            r + 1, (unsigned long long) run->one.captured, (unsigned long long) run->one.lost,
            run->one.ok ? "" : " (not ok)", s_ms_per_frame(&run->one, 1),
            (unsigned long long) run->two[0].captured, (unsigned long long) run->two[1].captured,
            (unsigned long long) run->two[0].lost, (unsigned long long) run->two[1].lost,
            run->two[0].ok && run->two[1].ok ? "" : " (not ok)", s_ms_per_frame(run->two, 2),
            100.0 * ratios[r]);
    }
    qsort(ratios, s_n, sizeof ratios[0], s_cmp_double);
    median = s_n ? (s_n % 2 ? ratios[s_n / 2] : (ratios[s_n / 2 - 1] + ratios[s_n / 2]) / 2) : 0;
    (void) fprintf(f,
                   "\nFrames lost in all: %llu. Two stacks' CPU per frame is %.1f %% of one "
                   "stack's (median), %s 10 %% of twice one stack's CPU.\n",
                   (unsigned long long) lost, 100.0 * median,
                   median <= 1.10 && median >= 0.90 ? "within" : "not within");
}
