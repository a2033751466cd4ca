/* The soak: the whole stack at a sustained rate for minutes (10 by default), run by
 * scripts/soak (meson suite 'soak', which scripts/test leaves out). Every 5 s it samples each
 * daemon's RSS and open file descriptors from /proc and its progress from the control
 * endpoints, and prints a line. After the warm-up (a quarter of the run, at most 60 s):
 *   - RSS of every daemon stays within a small bound of its value at the end of the warm-up
 *     (S_RSS_GROWTH_KIB, or 5 % if larger), and
 *   - its descriptor count never changes;
 * and at the end, after the orderly stop: nothing dropped at source, nothing lost, every frame
 * received by both subscribers, the movie and the statistics file complete and bit-exact.
 * It ends with a table. Settings from the environment: CS_SOAK_SECONDS (600), CS_SOAK_FPS
 * (100), CS_SOAK_WIDTH x CS_SOAK_HEIGHT (320 x 240, GREY). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <czmq.h>

#include "check-main.h"
#include "harness.h"
#include "verify.h"

#define S_SAMPLE_MS      5000
#define S_RSS_GROWTH_KIB 4096 /* allowed growth after the warm-up */
#define S_SAMPLES_MAX    4096

struct s_track {
    long rss_warm, rss_min, rss_max, rss_end;
    int fd_warm, fd_min, fd_max;
};

static struct stack s_stack;

static unsigned
s_env(const char *name, unsigned dflt)
{
    const char *v = getenv(name);

    return v && *v ? (unsigned) strtoul(v, NULL, 10) : dflt;
}

static void
s_teardown(void)
{
    ck_assert_int_eq(stack_destroy(&s_stack), 0);
}

START_TEST(soak)
{
    unsigned seconds = s_env("CS_SOAK_SECONDS", 600), fps = s_env("CS_SOAK_FPS", 100);
    unsigned width = s_env("CS_SOAK_WIDTH", 320), height = s_env("CS_SOAK_HEIGHT", 240);
    unsigned warmup = seconds / 4 < 60 ? seconds / 4 : 60;
    struct stack_params p = { .pixfmt = CS_PIXFMT_GREY,
                              .width = width,
                              .height = height,
                              .fps = fps,
                              .wait_subscribers = 2 };
    struct expect e = { .pixfmt = CS_PIXFMT_GREY, .width = width, .height = height, .complete = 1 };
    struct s_track t[CS_DAEMON_COUNT];
    char movie[PATH_MAX], stats[PATH_MAX];
    int64_t start_ms, elapsed_ms, captured;
    bool warm = false, ok = true;

    ck_assert_int_eq(stack_init(&s_stack, &p), 0);
    s_stack.timeout_s = seconds + 300;
    ck_assert_int_eq(stack_start(&s_stack, CS_DAEMON_PUBD), 0);
    ck_assert_int_eq(stack_start(&s_stack, CS_DAEMON_ANALYZERD), 0);
    ck_assert_int_eq(stack_start(&s_stack, CS_DAEMON_SAVERD), 0);
    ck_assert_int_eq(stack_start(&s_stack, CS_DAEMON_CAMERAD), 0);
    stack_await(&s_stack, CS_DAEMON_SAVERD, "written", 1, 30000);
    (void) printf("soak: %ux%u GREY at %u frames/s for %u s (warm-up %u s), in %s\n", width, height,
                  fps, seconds, warmup, s_stack.dir);
    /* One RSS column (KiB) and one fd column a daemon, for every row of the roles table. */
    (void) printf("%7s %9s |", "t_s", "captured");
    for (enum cs_daemon_id d = 0; d < CS_DAEMON_COUNT; d++)
        (void) printf(" %9s", cs_daemon_name(d));
    (void) printf(" |");
    for (enum cs_daemon_id d = 0; d < CS_DAEMON_COUNT; d++)
        (void) printf(" fd_%-5.5s", cs_daemon_name(d));
    (void) printf("\n");
    start_ms = zclock_mono();
    do {
        long rss[CS_DAEMON_COUNT] = { 0 };
        int fds[CS_DAEMON_COUNT] = { 0 };

        zclock_sleep(S_SAMPLE_MS); /* the sampling period */
        elapsed_ms = zclock_mono() - start_ms;
        for (enum cs_daemon_id d = 0; d < CS_DAEMON_COUNT; d++) {
            pid_t pid = stack_daemon_pid(&s_stack, d);

            ck_assert_msg(pid > 0, "%s is gone", cs_daemon_name(d));
            rss[d] = stack_rss_kib(pid);
            fds[d] = stack_fd_count(pid);
            ck_assert(rss[d] > 0 && fds[d] > 0);
            if (!warm && elapsed_ms >= (int64_t) warmup * 1000) {
                t[d] = (struct s_track){ rss[d], rss[d], rss[d], rss[d], fds[d], fds[d], fds[d] };
            } else if (warm) {
                t[d].rss_min = rss[d] < t[d].rss_min ? rss[d] : t[d].rss_min;
                t[d].rss_max = rss[d] > t[d].rss_max ? rss[d] : t[d].rss_max;
                t[d].rss_end = rss[d];
                t[d].fd_min = fds[d] < t[d].fd_min ? fds[d] : t[d].fd_min;
                t[d].fd_max = fds[d] > t[d].fd_max ? fds[d] : t[d].fd_max;
            }
        }
        if (!warm && elapsed_ms >= (int64_t) warmup * 1000)
            warm = true;
        (void) printf("%7.1f %9lld |", (double) elapsed_ms / 1000,
                      (long long) stack_status(&s_stack, CS_DAEMON_CAMERAD, "captured", 5000));
        for (enum cs_daemon_id d = 0; d < CS_DAEMON_COUNT; d++)
            (void) printf(" %9ld", rss[d]);
        (void) printf(" |");
        for (enum cs_daemon_id d = 0; d < CS_DAEMON_COUNT; d++)
            (void) printf(" %8d", fds[d]);
        (void) printf("%s\n", warm ? "" : "  (warm-up)");
        (void) fflush(stdout);
    } while (elapsed_ms < (int64_t) seconds * 1000);

    for (enum cs_daemon_id d = 0; d < CS_DAEMON_COUNT; d++)
        ck_assert_msg(stack_stop(&s_stack, d) == 0, "%s did not exit 0", cs_daemon_name(d));

    (void) printf("\n%-10s %12s %12s %12s %12s %10s %8s %8s  %s\n", "daemon", "rss_warm_kib",
                  "rss_min_kib", "rss_max_kib", "rss_end_kib", "growth_kib", "fd_warm", "fd_range",
                  "verdict");
    for (enum cs_daemon_id d = 0; d < CS_DAEMON_COUNT; d++) {
        long growth = t[d].rss_max - t[d].rss_warm;
        long bound = t[d].rss_warm / 20 > S_RSS_GROWTH_KIB ? t[d].rss_warm / 20 : S_RSS_GROWTH_KIB;
        bool flat = growth <= bound && t[d].fd_min == t[d].fd_warm && t[d].fd_max == t[d].fd_warm;
        char range[24];

        (void) snprintf(range, sizeof range, "%d-%d", t[d].fd_min, t[d].fd_max);
        (void) printf("%-10s %12ld %12ld %12ld %12ld %10ld %8d %8s  %s (bound %ld KiB)\n",
                      cs_daemon_name(d), t[d].rss_warm, t[d].rss_min, t[d].rss_max, t[d].rss_end,
                      growth, t[d].fd_warm, range, flat ? "flat" : "GROWS", bound);
        ok = ok && flat;
    }
    captured = stack_ledger(&s_stack, CS_DAEMON_CAMERAD, "captured");
    (void) printf("\nledger: camerad captured=%lld dropped_at_source=%lld; pubd frames_in=%lld "
                  "rejected=%lld; analyzerd received=%lld lost=%lld; saverd received=%lld "
                  "lost=%lld written=%lld\n",
                  (long long) captured,
                  (long long) stack_ledger(&s_stack, CS_DAEMON_CAMERAD, "dropped_at_source"),
                  (long long) stack_ledger(&s_stack, CS_DAEMON_PUBD, "frames_in"),
                  (long long) stack_ledger(&s_stack, CS_DAEMON_PUBD, "rejected"),
                  (long long) stack_ledger(&s_stack, CS_DAEMON_ANALYZERD, "received"),
                  (long long) stack_ledger(&s_stack, CS_DAEMON_ANALYZERD, "lost"),
                  (long long) stack_ledger(&s_stack, CS_DAEMON_SAVERD, "received"),
                  (long long) stack_ledger(&s_stack, CS_DAEMON_SAVERD, "lost"),
                  (long long) stack_ledger(&s_stack, CS_DAEMON_SAVERD, "written"));
    (void) fflush(stdout);
    ck_assert_msg(ok, "a daemon's memory or descriptors grew after the warm-up (table above)");
    ck_assert_int_gt(captured, 0);
    ck_assert_int_eq(stack_ledger(&s_stack, CS_DAEMON_CAMERAD, "dropped_at_source"), 0);
    ck_assert_int_eq(stack_ledger(&s_stack, CS_DAEMON_PUBD, "frames_in"), captured);
    for (enum cs_daemon_id d = CS_DAEMON_ANALYZERD; d <= CS_DAEMON_SAVERD; d++) {
        ck_assert_int_eq(stack_ledger(&s_stack, d, "received"), captured);
        ck_assert_int_eq(stack_ledger(&s_stack, d, "lost"), 0);
        ck_assert_int_eq(stack_ledger(&s_stack, d, "runs_ended"), 1);
    }
    stack_only_file(s_stack.movies, movie, sizeof movie);
    stack_only_file(s_stack.stats, stats, sizeof stats);
    e.frames = (uint64_t) captured;
    verify_movie(movie, &e);
    verify_stats(stats, &e);
    (void) printf("soak: %lld frames, every one saved and analysed, bit-exact\n",
                  (long long) captured);
}
END_TEST

Suite *
test_suite(void)
{
    Suite *s = suite_create("soak");
    TCase *tc = tcase_create("soak");

    tcase_add_checked_fixture(tc, NULL, s_teardown);
    tcase_set_timeout(tc, (double) s_env("CS_SOAK_SECONDS", 600) + 900);
    tcase_add_test(tc, soak);
    suite_add_tcase(s, tc);
    return s;
}
