/* The Aravis source against Aravis's simulated GigE Vision camera (fakecam.h), reached over
 * the loopback network as a real camera is: the whole stack records what the camera sends,
 * exactly, with the camera's own frame numbers and timestamps. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <check.h>

#include "check-main.h"
#include "fakecam.h"
#include "harness.h"

static struct stack s_stack;

static void
s_teardown(void)
{
    ck_assert_int_eq(stack_destroy(&s_stack), 0);
}

/* The simulator's settings every case states: its pattern is drawn at exposure 10 ms, gain 0
 * as documented (other values scale it). */
#define S_CAMERA "device = " FAKECAM_ADDRESS "\nexposure_us = 10000\ngain = 0\n"

/* After the run: the ledgers balance, and the files are complete. */
static void
s_stop_rest(void)
{
    stack_await(&s_stack, CS_DAEMON_SAVERD, "files_closed", 1, 20000);
    ck_assert_int_eq(stack_stop(&s_stack, CS_DAEMON_PUBD), 0);
    ck_assert_int_eq(stack_stop(&s_stack, CS_DAEMON_ANALYZERD), 0);
    ck_assert_int_eq(stack_stop(&s_stack, CS_DAEMON_SAVERD), 0);
}

static void
s_check_ledgers(uint64_t frames, uint64_t camera_dropped)
{
    ck_assert_int_eq(stack_ledger(&s_stack, CS_DAEMON_CAMERAD, "captured"), (int64_t) frames);
    ck_assert_int_eq(stack_ledger(&s_stack, CS_DAEMON_CAMERAD, "dropped_at_source"), 0);
    ck_assert_int_eq(stack_ledger(&s_stack, CS_DAEMON_CAMERAD, "sent"), (int64_t) frames);
    ck_assert_int_eq(stack_ledger(&s_stack, CS_DAEMON_CAMERAD, "camera_dropped"),
                     (int64_t) camera_dropped);
    ck_assert_int_eq(stack_ledger(&s_stack, CS_DAEMON_CAMERAD, "next_seq"),
                     (int64_t) (frames + camera_dropped));
    for (enum cs_daemon_id d = CS_DAEMON_ANALYZERD; d <= CS_DAEMON_SAVERD; d++) {
        ck_assert_int_eq(stack_ledger(&s_stack, d, "received"), (int64_t) frames);
        ck_assert_int_eq(stack_ledger(&s_stack, d, "lost"), 0);
        ck_assert_int_eq(stack_ledger(&s_stack, d, "camera_dropped"), (int64_t) camera_dropped);
    }
    ck_assert_int_eq(stack_ledger(&s_stack, CS_DAEMON_SAVERD, "written"), (int64_t) frames);
}

/* The formats of camstack the simulator offers (Mono8, Mono16, RGB8; its Bayer formats are
 * refused, below). */
static const enum cs_pixfmt s_formats[] = { CS_PIXFMT_GREY, CS_PIXFMT_Y16, CS_PIXFMT_RGB24 };

START_TEST(aravis_records_what_the_camera_sends)
{
    const enum cs_pixfmt pixfmt = s_formats[_i];
    struct stack_params p = { .source = CS_SOURCE_ARAVIS,
                              .pixfmt = pixfmt,
                              .width = 160,
                              .height = 120,
                              .fps = 50,
                              .frames = 40,
                              .wait_subscribers = 2,
                              .camerad_extra = S_CAMERA };
    struct fakecam_expect e = {
        .pixfmt = pixfmt, .width = 160, .height = 120, .frames = 40, .fps = 50
    };
    char movie[PATH_MAX];
    uint64_t gaps;

    ck_assert_int_eq(stack_init(&s_stack, &p), 0);
    (void) fakecam_start(&s_stack, 0);
    stack_start_all(&s_stack);
    ck_assert_int_eq(stack_wait(&s_stack, CS_DAEMON_CAMERAD), 0); /* after frames = N */
    s_stop_rest();
    stack_only_file(s_stack.movies, movie, sizeof movie);
    gaps = fakecam_verify_movie(movie, &e);
    s_check_ledgers(e.frames, gaps);
}
END_TEST

Suite *
test_suite(void)
{
    Suite *s = suite_create("aravis");
    TCase *tc = tcase_create("formats");

    stack_registry_open();
    test_at_end(stack_registry_close); /* what failed tests left running */
    tcase_add_checked_fixture(tc, NULL, s_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, aravis_records_what_the_camera_sends, 0,
                        (int) (sizeof s_formats / sizeof s_formats[0]));
    suite_add_tcase(s, tc);
    return s;
}
