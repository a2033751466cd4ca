/* Bounded memory under a stalled subscriber, whatever the frame size: saverd is stopped
 * (SIGSTOP) while the camera runs on for several times what the budgets hold, then resumed.
 * The budgets are [pubd] subscriber_buffer_mb and [saverd] receive_buffer_mb, turned into
 * ZeroMQ high-water marks of budget / frame size frames. Measured from /proc (VmRSS), sampled
 * every 20 ms:
 *   - pubd, while saverd is stopped, grows by at most its subscriber budget, plus a few frames
 *     in flight and an allocator allowance (S_SLACK_KIB);
 *   - saverd, resumed and catching up with what pubd kept for it, grows by at most its receive
 *     budget plus the same allowance;
 * and the books balance and show that the stall did fill the queues (saverd lost frames, and
 * counted them). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include <check.h>
#include <czmq.h>

#include "check-main.h"
#include "harness.h"
#include "verify.h"

#define S_BUDGET_MB     32
#define S_SLACK_KIB     (8 * 1024)
#define S_STALL_BUDGETS 4 /* the camera runs on for this many budgets' worth of frames */
#define S_SAMPLE_MS     20

struct s_case {
    enum cs_pixfmt pixfmt;
    unsigned width, height;
    double fps;
};

static const struct s_case s_cases[] = {
    { CS_PIXFMT_GREY, 320, 240, 500 },   /* 77 kB frames: a queue of 436 */
    { CS_PIXFMT_RGB24, 1920, 1080, 20 }, /* 6.2 MB frames: a queue of 5 */
};

static struct stack s_stack;

static void
s_teardown(void)
{
    ck_assert_int_eq(stack_destroy(&s_stack), 0);
}

/* Samples @d's RSS until @until's captured count reaches @target; returns the largest. */
static long
s_max_rss_until(enum cs_daemon_id d, int64_t target, int timeout_ms)
{
    pid_t pid = stack_daemon_pid(&s_stack, d);
    int64_t deadline = zclock_mono() + timeout_ms;
    long max = 0;

    ck_assert_int_gt(pid, 0);
    while (stack_status(&s_stack, CS_DAEMON_CAMERAD, "captured", 2000) < target) {
        long rss = stack_rss_kib(pid);

        max = rss > max ? rss : max;
        ck_assert_msg(zclock_mono() < deadline, "camerad did not reach %lld frames",
                      (long long) target);
        zclock_sleep(S_SAMPLE_MS); /* the sampling period */
    }
    return max;
}

START_TEST(stalled_subscriber_memory_stays_within_budgets)
{
    const struct s_case *c = &s_cases[_i];
    const struct cs_pixfmt_info *pi = cs_pixfmt_info(c->pixfmt);
    uint64_t frame = (uint64_t) c->width * c->height * pi->bytes_per_pixel;
    int64_t frames_per_budget = (int64_t) (((uint64_t) S_BUDGET_MB << 20) / frame);
    char extra[512];
    struct stack_params p = { .pixfmt = c->pixfmt,
                              .width = c->width,
                              .height = c->height,
                              .fps = c->fps,
                              .wait_subscribers = 2,
                              .extra = extra };
    long pubd_base, pubd_max, saverd_base, saverd_max, bound;
    int64_t c0, received, lost, captured, sent;

    (void) snprintf(extra, sizeof extra,
                    "\n[pubd]\ningest_buffer_mb = %d\nsubscriber_buffer_mb = %d\n"
                    "\n[saverd]\nreceive_buffer_mb = %d\n",
                    S_BUDGET_MB, S_BUDGET_MB, S_BUDGET_MB);
    ck_assert_int_eq(stack_init(&s_stack, &p), 0);
    ck_assert_int_eq(stack_start(&s_stack, CS_DAEMON_PUBD), 0);
    ck_assert_int_eq(stack_start(&s_stack, CS_DAEMON_ANALYZERD), 0);
    ck_assert_int_eq(stack_start(&s_stack, CS_DAEMON_SAVERD), 0);
    ck_assert_int_eq(stack_start(&s_stack, CS_DAEMON_CAMERAD), 0);
    /* Warm-up: two seconds of frames through every daemon. */
    stack_await(&s_stack, CS_DAEMON_SAVERD, "written", (int64_t) (2 * c->fps), 30000);
    pubd_base = stack_rss_kib(stack_daemon_pid(&s_stack, CS_DAEMON_PUBD));
    saverd_base = stack_rss_kib(stack_daemon_pid(&s_stack, CS_DAEMON_SAVERD));

    stack_signal(&s_stack, CS_DAEMON_SAVERD, SIGSTOP);
    c0 = stack_status(&s_stack, CS_DAEMON_CAMERAD, "captured", 2000);
    pubd_max =
        s_max_rss_until(CS_DAEMON_PUBD, c0 + S_STALL_BUDGETS * frames_per_budget + 10, 60000);
    stack_signal(&s_stack, CS_DAEMON_SAVERD, SIGCONT);
    c0 = stack_status(&s_stack, CS_DAEMON_CAMERAD, "captured", 2000);
    saverd_max =
        s_max_rss_until(CS_DAEMON_SAVERD, c0 + 2 * frames_per_budget + (int64_t) c->fps, 60000);

    /* Stop camerad, and let each subscriber reach the end-of-stream before pubd stops: one
     * still behind with a full queue missed it, and gets one of pubd's repeats once it has
     * room (a sanitized analyzerd is that far behind with 6.2 MB frames). */
    ck_assert_int_eq(stack_stop(&s_stack, CS_DAEMON_CAMERAD), 0);
    stack_await(&s_stack, CS_DAEMON_ANALYZERD, "runs_ended", 1, 60000);
    stack_await(&s_stack, CS_DAEMON_SAVERD, "runs_ended", 1, 60000);
    for (enum cs_daemon_id d = CS_DAEMON_PUBD; d < CS_DAEMON_COUNT; d++) {
        if (s_stack.pid[d]) /* those it started */
            ck_assert_msg(stack_stop(&s_stack, d) == 0, "%s did not exit 0", cs_daemon_name(d));
    }
    captured = stack_ledger(&s_stack, CS_DAEMON_CAMERAD, "captured");
    received = stack_ledger(&s_stack, CS_DAEMON_SAVERD, "received");
    lost = stack_ledger(&s_stack, CS_DAEMON_SAVERD, "lost");
    bound = (long) (S_BUDGET_MB * 1024 + 4 * frame / 1024 + S_SLACK_KIB);
    (void) printf("%ux%u %s (%llu kB frames, queues of %lld): pubd %ld -> %ld KiB (+%ld), "
                  "saverd %ld -> %ld KiB (+%ld), bound +%ld KiB; saverd received %lld, "
                  "lost %lld of %lld\n",
                  c->width, c->height, pi->name, (unsigned long long) frame / 1000,
                  (long long) frames_per_budget, pubd_base, pubd_max, pubd_max - pubd_base,
                  saverd_base, saverd_max, saverd_max - saverd_base, bound, (long long) received,
                  (long long) lost, (long long) captured);
    sent = captured - stack_ledger(&s_stack, CS_DAEMON_CAMERAD, "dropped_at_source");
    ck_assert_int_eq(stack_ledger(&s_stack, CS_DAEMON_CAMERAD, "sent"), sent);
    ck_assert_int_eq(stack_ledger(&s_stack, CS_DAEMON_ANALYZERD, "received")
                         + stack_ledger(&s_stack, CS_DAEMON_ANALYZERD, "lost"),
                     sent);
    ck_assert_int_eq(received + lost, sent);
    /* analyzerd shares pubd's queue budget (5 frames of 6.2 MB at 124 MB/s): on a loaded
     * machine it may fall behind too, and count it. The stall test of test-faults checks
     * that a stalled subscriber costs the others nothing. */
    /* The stall outlasted the queues: frames were dropped for saverd, not kept. */
    ck_assert_int_ge(lost, (S_STALL_BUDGETS - 2) * frames_per_budget);
#ifdef __SANITIZE_ADDRESS__
    /* AddressSanitizer keeps freed memory in quarantine and adds its shadow: RSS says nothing
     * about the budgets there. The books above are still checked. */
    (void) printf("RSS bounds not checked in an AddressSanitizer build\n");
#else
    ck_assert_msg(pubd_max - pubd_base <= bound, "pubd grew by %ld KiB, beyond %ld KiB",
                  pubd_max - pubd_base, bound);
    ck_assert_msg(saverd_max - saverd_base <= bound, "saverd grew by %ld KiB, beyond %ld KiB",
                  saverd_max - saverd_base, bound);
#endif
}
END_TEST

Suite *
test_suite(void)
{
    Suite *s = suite_create("memory");
    TCase *tc = tcase_create("stalled-subscriber");

    tcase_add_checked_fixture(tc, NULL, s_teardown);
    tcase_set_timeout(tc, 180);
    tcase_add_loop_test(tc, stalled_subscriber_memory_stays_within_budgets, 0,
                        (int) (sizeof s_cases / sizeof s_cases[0]));
    suite_add_tcase(s, tc);
    return s;
}
