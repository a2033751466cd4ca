/* Camera settings changed while the stack runs, on the test pattern: "camera set fps" while
 * recording is in the movie and the statistics file at the seq camerad answered, and the
 * frames from that seq on come at the new rate; refused values (out of range, a setting that
 * needs the stream stopped) change nothing and lose nothing; a change made between runs
 * applies to the next run's first frame, with the new frame size. Both files hold the
 * camera's identity. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <check.h>

#include "check-main.h"
#include "harness.h"
#include "json.h"
#include "verify.h"

static struct stack s_stack;

static void
s_teardown(void)
{
    ck_assert_int_eq(stack_destroy(&s_stack), 0);
}

/* camstackctl camera @a @b @c: its exit status, what it printed in @out and @err. */
static int
s_camera(const char *a, const char *b, const char *c, char *out, size_t out_size, char *err,
         size_t err_size)
{
    const char *args[] = { "camera", a, b, c, NULL };

    return stack_ctl(&s_stack, args, out, out_size, err, err_size);
}

/* camerad's answer to "camera set @name @value", parsed; fails the test unless it is ok. */
static json_t *
s_set(const char *name, const char *value)
{
    char request[128], reply[4096];
    json_t *a;
    bool ok = false;

    (void) snprintf(request, sizeof request, "camera set %s %s", name, value);
    ck_assert_int_eq(
        stack_request(&s_stack, CS_DAEMON_CAMERAD, request, 10000, reply, sizeof reply), 0);
    a = cs_json_parse_object(reply, strlen(reply), NULL, 0);
    ck_assert_msg(a && cs_json_get_bool(a, "ok", &ok) == 0 && ok, "%s: %s", request, reply);
    return a;
}

static void
s_stop_rest(unsigned files)
{
    stack_await(&s_stack, CS_DAEMON_SAVERD, "files_closed", files, 20000);
    stack_await(&s_stack, CS_DAEMON_ANALYZERD, "runs_ended", files, 20000);
    ck_assert_int_eq(stack_stop(&s_stack, CS_DAEMON_PUBD), 0);
    ck_assert_int_eq(stack_stop(&s_stack, CS_DAEMON_ANALYZERD), 0);
    ck_assert_int_eq(stack_stop(&s_stack, CS_DAEMON_SAVERD), 0);
}

static void
s_check_ledgers(uint64_t frames)
{
    /* every change came: no gap in their index */
    ck_assert(!stack_log_has(&s_stack, CS_DAEMON_SAVERD, "never came"));
    ck_assert(!stack_log_has(&s_stack, CS_DAEMON_ANALYZERD, "never came"));
    ck_assert_int_eq(stack_ledger(&s_stack, CS_DAEMON_CAMERAD, "captured"), (int64_t) frames);
    ck_assert_int_eq(stack_ledger(&s_stack, CS_DAEMON_CAMERAD, "dropped_at_source"), 0);
    ck_assert_int_eq(stack_ledger(&s_stack, CS_DAEMON_PUBD, "rejected"), 0);
    for (enum cs_daemon_id d = CS_DAEMON_ANALYZERD; d <= CS_DAEMON_SAVERD; d++) {
        ck_assert_int_eq(stack_ledger(&s_stack, d, "lost"), 0);
        ck_assert_int_eq(stack_ledger(&s_stack, d, "bad"), 0);
    }
}

START_TEST(set_while_recording_is_in_both_files_at_its_seq)
{
    struct stack_params p = { .pixfmt = CS_PIXFMT_GREY,
                              .width = 64,
                              .height = 48,
                              .fps = 50,
                              .frames = 60,
                              .wait_subscribers = 2 };
    struct expect e = {
        .pixfmt = CS_PIXFMT_GREY, .width = 64, .height = 48, .frames = 60, .complete = 1
    };
    static char out[8192], err[8192];
    char movie[PATH_MAX], stats[PATH_MAX], seq[32];
    const char *previous = NULL;
    uint64_t at = 0;
    json_t *a;

    ck_assert_int_eq(stack_init(&s_stack, &p), 0);
    stack_start_all(&s_stack);
    stack_await(&s_stack, CS_DAEMON_CAMERAD, "captured", 15, 20000);
    /* refusals name what is allowed, and change nothing */
    ck_assert_int_eq(s_camera("set", "fps", "0", out, sizeof out, err, sizeof err), 1);
    ck_assert_msg(strstr(err, "fps takes a real from 0.001 to 100000, not '0'"), "%s", err);
    ck_assert_int_eq(s_camera("set", "width", "32", out, sizeof out, err, sizeof err), 1);
    ck_assert_msg(strstr(err, "width needs the stream stopped and run "), "%s", err);
    ck_assert_int_eq(s_camera("get", "fps", NULL, out, sizeof out, err, sizeof err), 0);
    ck_assert_msg(strncmp(out, "fps ", 4) == 0 && strstr(out, " 50 "), "%s", out);
    /* the change, from the seq camerad answers */
    a = s_set("fps", "10");
    ck_assert_int_eq(cs_json_get_u64(a, "seq", &at), 0);
    ck_assert_int_eq(cs_json_get_string(a, "previous", &previous), 0);
    ck_assert_str_eq(previous, "50");
    ck_assert_uint_ge(at, 15);
    ck_assert_uint_lt(at, 50);
    json_decref(a);
    ck_assert_int_eq(stack_wait(&s_stack, CS_DAEMON_CAMERAD), 0); /* after frames = N */
    ck_assert(
        stack_log_has(&s_stack, CS_DAEMON_CAMERAD, "camera set fps = 10 (was 50), from seq "));
    s_stop_rest(1);
    s_check_ledgers(60);
    stack_only_file(s_stack.movies, movie, sizeof movie);
    stack_only_file(s_stack.stats, stats, sizeof stats);
    verify_movie(movie, &e);
    verify_stats(stats, &e);
    (void) snprintf(seq, sizeof seq, "%" PRIu64, at);
    {
        const char *args[] = { "--change",
                               seq,
                               "fps",
                               "10",
                               "50",
                               "--identity",
                               "vendor=camstack",
                               "--identity",
                               "model=test pattern",
                               "--identity",
                               "sensor_width=64",
                               "--identity",
                               "serial=",
                               "--interval-ms",
                               "20",
                               "100",
                               movie,
                               stats,
                               NULL };
        int rc = stack_python("check_camera.py", args, out, sizeof out);

        ck_assert_msg(rc == 0, "check_camera.py: %s", out);
        printf("%s", out);
    }
}
END_TEST

/* Between runs: the frame size (needs_stop) and the rate change for the next run, whose
 * files record both at seq 0 and whose frames have the new size. */
START_TEST(set_between_runs_applies_to_the_next_run)
{
    struct stack_params p = { .pixfmt = CS_PIXFMT_RGB24,
                              .width = 64,
                              .height = 48,
                              .fps = 100,
                              .frames = 0,
                              .wait_subscribers = 2 };
    struct expect e = {
        .pixfmt = CS_PIXFMT_RGB24, .width = 64, .height = 24, .frames = 10, .complete = 1
    };
    static char out[8192], err[8192];
    char movie[PATH_MAX], stats[PATH_MAX];
    const char *stop[] = { "acquire", "stop", NULL };
    const char *start[] = { "acquire", "start", "--frames", "10", NULL };
    bool next_run = false;
    json_t *a;

    ck_assert_int_eq(stack_init(&s_stack, &p), 0);
    stack_start_all(&s_stack);
    stack_await(&s_stack, CS_DAEMON_CAMERAD, "captured", 5, 20000);
    ck_assert_int_eq(stack_ctl(&s_stack, stop, out, sizeof out, err, sizeof err), 0);
    stack_await(&s_stack, CS_DAEMON_SAVERD, "files_closed", 1, 20000);
    a = s_set("height", "24");
    ck_assert_int_eq(cs_json_get_bool(a, "next_run", &next_run), 0);
    ck_assert(next_run);
    json_decref(a);
    json_decref(s_set("fps", "50"));
    ck_assert_int_eq(s_camera("set", "height", "49", out, sizeof out, err, sizeof err), 1);
    ck_assert_msg(strstr(err, "is larger than the 9216 bytes"), "%s", err);
    ck_assert_int_eq(stack_ctl(&s_stack, start, out, sizeof out, err, sizeof err), 0);
    stack_await(&s_stack, CS_DAEMON_SAVERD, "files_closed", 2, 20000);
    ck_assert_int_eq(stack_stop(&s_stack, CS_DAEMON_CAMERAD), 0);
    s_stop_rest(2);
    s_check_ledgers((uint64_t) stack_ledger(&s_stack, CS_DAEMON_CAMERAD, "captured"));
    stack_last_file(s_stack.movies, movie, sizeof movie);
    stack_last_file(s_stack.stats, stats, sizeof stats);
    verify_movie(movie, &e);
    verify_stats(stats, &e);
    {
        const char *args[] = { "--change", "0",   "height", "24",  "48",         "--change",
                               "0",        "fps", "50",     "100", "--identity", "sensor_height=48",
                               movie,      stats, NULL };
        int rc = stack_python("check_camera.py", args, out, sizeof out);

        ck_assert_msg(rc == 0, "check_camera.py: %s", out);
    }
}
END_TEST

Suite *
test_suite(void)
{
    Suite *s = suite_create("camera");
    TCase *tc = tcase_create("settings");

    tcase_add_checked_fixture(tc, NULL, s_teardown);
    tcase_add_test(tc, set_while_recording_is_in_both_files_at_its_seq);
    tcase_add_test(tc, set_between_runs_applies_to_the_next_run);
    suite_add_tcase(s, tc);
    return s;
}
