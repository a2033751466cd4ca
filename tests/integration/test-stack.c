/* The whole stack end to end: the four real daemons as processes on a generated config,
 * N frames of the test pattern, then exact checks of the ledgers, the movie and the
 * statistics file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "check-main.h"
#include "json.h"
#include "roles.h"
#include "harness.h"
#include "verify.h"

static struct stack s_stack;

static void
s_teardown(void)
{
    ck_assert_int_eq(stack_destroy(&s_stack), 0);
}

struct s_case {
    enum cs_pixfmt pixfmt;
    unsigned width, height;
    double fps;
    uint64_t frames;
};

/* Paced well within what a loaded 2-core machine sustains, so that nothing may be lost. */
static const struct s_case s_cases[] = {
    { CS_PIXFMT_GREY, 640, 480, 200, 120 },
    { CS_PIXFMT_RGB24, 1280, 720, 30, 40 },
    { CS_PIXFMT_Y16, 320, 240, 250, 60 },
    { CS_PIXFMT_BGR24, 97, 31, 1000, 300 }, /* odd sizes, many small frames */
};

/* After the run (camerad gone, the end-of-stream through): pubd and the frame subscribers
 * say their role, that they are ready, that the run ended at seq @frames, how many frames
 * their queues hold, and a ledger that is their own counters, with nothing lost. A sampler
 * carries no frames of its own: it has no run nor queue. */
static void
s_check_status(uint64_t frames)
{
    for (enum cs_daemon_id d = CS_DAEMON_PUBD; d < CS_DAEMON_COUNT; d++) {
        json_t *status, *ledger;
        const char *role = NULL, *activity = NULL, *key;
        uint64_t next_seq = 0, budget = 0, lost_total = 1;
        bool active = true;
        void *it;

        if (cs_daemon_role(d)->role == CS_ROLE_SAMPLER)
            continue;
        status = stack_status_json(&s_stack, d, 5000);
        ck_assert_msg(status, "%s did not answer", cs_daemon_name(d));
        ck_assert_int_eq(cs_json_get_string(status, "role", &role), 0);
        ck_assert_str_eq(role, cs_role_name(cs_daemon_role(d)->role));
        ck_assert_int_eq(cs_json_get_string(status, "activity", &activity), 0);
        ck_assert_str_eq(activity, "ready");
        ck_assert_int_eq(cs_json_get_bool(status, "run_active", &active), 0);
        ck_assert(!active);
        ck_assert_int_eq(cs_json_get_u64(status, "next_seq", &next_seq), 0);
        ck_assert_uint_eq(next_seq, frames);
        ck_assert_int_eq(cs_json_get_u64(status, "queue_budget_frames", &budget), 0);
        ck_assert_uint_gt(budget, 0);
        ck_assert_int_eq(cs_json_get_u64(status, "lost_total", &lost_total), 0);
        ck_assert_uint_eq(lost_total, 0);
        ledger = json_object_get(status, "ledger");
        ck_assert_msg(json_is_object(ledger) && json_object_size(ledger) > 2, "%s",
                      cs_daemon_name(d));
        for (it = json_object_iter(ledger); it; it = json_object_iter_next(ledger, it)) {
            key = json_object_iter_key(it);
            ck_assert_msg(json_equal(json_object_iter_value(it), json_object_get(status, key)),
                          "%s: ledger's %s is not the status' one", cs_daemon_name(d), key);
        }
        json_decref(status);
    }
}

/* The orderly stop: camerad is already gone; pubd delivers, subscribers drain. pubd stops
 * at once on SIGTERM, forwarding only what it has already read: wait until the end-of-stream
 * camerad sent last has gone through it (saverd closes its file on it). */
static void
s_stop_rest(void)
{
    stack_await(&s_stack, CS_DAEMON_SAVERD, "files_closed", 1, 20000);
    ck_assert_int_eq(stack_stop(&s_stack, CS_DAEMON_PUBD), 0);
    ck_assert_int_eq(stack_stop(&s_stack, CS_DAEMON_ANALYZERD), 0);
    ck_assert_int_eq(stack_stop(&s_stack, CS_DAEMON_SAVERD), 0);
}

/* The movie again, through Debian's h5py: a reader camstack did not write. */
static void
s_h5py(const char *movie, const struct expect *e)
{
    static char out[65536];
    char w[16], h[16];
    const char *args[] = {
        "--format", cs_pixfmt_info(e->pixfmt)->name, "--width", w, "--height", h, movie, NULL
    };
    int rc;

    (void) snprintf(w, sizeof w, "%u", e->width);
    (void) snprintf(h, sizeof h, "%u", e->height);
    rc = stack_python("check_movie.py", args, out, sizeof out);
    ck_assert_msg(rc == 0, "h5py check of '%s' failed (%d): %s", movie, rc, out);
    ck_assert_int_eq(stack_json_i64(out, "frames"), (int64_t) e->frames);
}

static void
s_check_ledgers(uint64_t frames)
{
    ck_assert_int_eq(stack_ledger(&s_stack, CS_DAEMON_CAMERAD, "captured"), (int64_t) frames);
    ck_assert_int_eq(stack_ledger(&s_stack, CS_DAEMON_CAMERAD, "dropped_at_source"), 0);
    ck_assert_int_eq(stack_ledger(&s_stack, CS_DAEMON_CAMERAD, "sent"), (int64_t) frames);
    ck_assert_int_eq(stack_ledger(&s_stack, CS_DAEMON_PUBD, "frames_in"), (int64_t) frames);
    ck_assert_int_eq(stack_ledger(&s_stack, CS_DAEMON_PUBD, "rejected"), 0);
    for (enum cs_daemon_id d = CS_DAEMON_ANALYZERD; d <= CS_DAEMON_SAVERD; d++) {
        ck_assert_int_eq(stack_ledger(&s_stack, d, "received"), (int64_t) frames);
        ck_assert_int_eq(stack_ledger(&s_stack, d, "lost"), 0);
        ck_assert_int_eq(stack_ledger(&s_stack, d, "bad"), 0);
    }
    ck_assert_int_eq(stack_ledger(&s_stack, CS_DAEMON_SAVERD, "written"), (int64_t) frames);
    ck_assert_int_eq(stack_ledger(&s_stack, CS_DAEMON_ANALYZERD, "analysed"), (int64_t) frames);
    ck_assert_int_eq(stack_ledger(&s_stack, CS_DAEMON_ANALYZERD, "stats_sent"), (int64_t) frames);
}

START_TEST(stack_records_exact_frames_and_stats)
{
    const struct s_case *c = &s_cases[_i];
    /* Under valgrind the daemons run tens of times slower: fewer frames, at a slower rate. */
    bool vg = stack_under_valgrind();
    uint64_t frames = vg && c->frames > 20 ? 20 : c->frames;
    struct stack_params p = { .pixfmt = c->pixfmt,
                              .width = c->width,
                              .height = c->height,
                              .fps = vg && c->fps > 5 ? 5 : c->fps,
                              .frames = frames,
                              .wait_subscribers = 2 };
    struct expect e = { .pixfmt = c->pixfmt,
                        .width = c->width,
                        .height = c->height,
                        .first_seq = 0,
                        .frames = frames,
                        .lost = 0,
                        .complete = 1 };
    char movie[PATH_MAX], stats[PATH_MAX];

    ck_assert_int_eq(stack_init(&s_stack, &p), 0);
    stack_start_all(&s_stack);
    ck_assert_int_eq(stack_wait(&s_stack, CS_DAEMON_CAMERAD), 0); /* after frames = N */
    stack_await(&s_stack, CS_DAEMON_SAVERD, "files_closed", 1, 20000);
    stack_await(&s_stack, CS_DAEMON_ANALYZERD, "runs_ended", 1, 20000);
    s_check_status(frames);
    s_stop_rest();
    s_check_ledgers(frames);
    stack_only_file(s_stack.movies, movie, sizeof movie);
    stack_only_file(s_stack.stats, stats, sizeof stats);
    verify_movie(movie, &e);
    s_h5py(movie, &e);
    verify_stats(stats, &e);
}
END_TEST

/* The Python client against the running stack: one whole run of RGB24 frames (statistics
 * are sums of channels there) with analyzerd's statistics of every frame, each bit-identical
 * to what client-check.py computes from the test pattern and to the row analyzerd wrote in
 * its file. camerad waits for it too. */
START_TEST(python_client_receives_frames_and_stats)
{
    struct stack_params p = { .pixfmt = CS_PIXFMT_RGB24,
                              .width = 160,
                              .height = 120,
                              .fps = 100,
                              .frames = 150,
                              .wait_subscribers = 3 };
    char endpoint[PATH_MAX], out_path[PATH_MAX + 16], saved[PATH_MAX + 16], stats[PATH_MAX],
        out[16384];
    pid_t client;
    int st;

    ck_assert_int_eq(stack_init(&s_stack, &p), 0);
    (void) snprintf(endpoint, sizeof endpoint, "ipc://%s/run/frames", s_stack.dir);
    (void) snprintf(out_path, sizeof out_path, "%s/client.log", s_stack.dir);
    (void) snprintf(saved, sizeof saved, "%s/client-stats.jsonl", s_stack.dir);
    ck_assert_int_eq(stack_start(&s_stack, CS_DAEMON_PUBD), 0);
    ck_assert_int_eq(stack_start(&s_stack, CS_DAEMON_ANALYZERD), 0);
    ck_assert_int_eq(stack_start(&s_stack, CS_DAEMON_SAVERD), 0);
    client = stack_python_spawn(
        "client-check.py",
        (const char *[]){ endpoint, "it", "150", "--stats", "--save-stats", saved, NULL },
        out_path);
    ck_assert_int_eq(stack_start(&s_stack, CS_DAEMON_CAMERAD), 0);
    ck_assert_int_eq(stack_wait(&s_stack, CS_DAEMON_CAMERAD), 0);
    st = stack_python_reap(client);
    stack_read_file(&s_stack, "client.log", out, sizeof out);
    ck_assert_msg(st == 0, "client-check exited %d: %s", st, out);
    ck_assert_msg(strstr(out, "client-check: received=150 lost=0 bad=0 camera_dropped=0 "
                              "stats=150 errors=0"),
                  "%s", out);
    stack_await(&s_stack, CS_DAEMON_ANALYZERD, "runs_ended", 1, 20000);
    s_stop_rest();
    s_check_ledgers(150);
    stack_only_file(s_stack.stats, stats, sizeof stats);
    st = stack_python("stats-file-check.py", (const char *const[]){ saved, stats, NULL }, out,
                      sizeof out);
    ck_assert_msg(st == 0 && strstr(out, "rows=150 received=150 matched=150 errors=0"), "%s", out);
}
END_TEST

/* Unpaced, the test pattern goes as fast as the stack takes it, and the stack sets its pace:
 * camerad draws a frame only when pubd has room, pubd holds a frame until every subscriber
 * has room, saverd receives no further ahead of its writer than a few frames. Nothing is
 * dropped or lost, and every frame saved is the right one. */
START_TEST(stack_unpaced_loses_nothing)
{
    struct stack_params p = { .pixfmt = CS_PIXFMT_RGB24,
                              .width = 1280,
                              .height = 720,
                              .fps = 0,
                              .frames = 150,
                              .wait_subscribers = 2,
                              /* Small queues, so that pubd holds frames; a second publish
                               * endpoint, with no subscriber, which must count each message
                               * once however long the first one holds it. */
                              .extra = "[endpoints]\npublish = ipc://run/frames, "
                                       "ipc://run/frames-idle\n"
                                       "[pubd]\nsubscriber_buffer_mb = 8\n"
                                       "[saverd]\nreceive_buffer_mb = 8\n" };
    struct expect e = {
        .pixfmt = CS_PIXFMT_RGB24, .width = 1280, .height = 720, .frames = 150, .complete = 1
    };
    char movie[PATH_MAX], stats[PATH_MAX];

    ck_assert_int_eq(stack_init(&s_stack, &p), 0);
    stack_start_all(&s_stack);
    ck_assert_int_eq(stack_wait(&s_stack, CS_DAEMON_CAMERAD), 0);
    s_stop_rest();
    ck_assert_int_eq(stack_ledger(&s_stack, CS_DAEMON_CAMERAD, "captured"), 150);
    ck_assert_int_eq(stack_ledger(&s_stack, CS_DAEMON_CAMERAD, "dropped_at_source"), 0);
    ck_assert_int_eq(stack_ledger(&s_stack, CS_DAEMON_CAMERAD, "sent"), 150);
    ck_assert_int_eq(stack_ledger(&s_stack, CS_DAEMON_PUBD, "frames_in"), 150);
    ck_assert_int_eq(stack_ledger(&s_stack, CS_DAEMON_PUBD, "out"),
                     2 * stack_ledger(&s_stack, CS_DAEMON_PUBD, "in"));
    ck_assert_int_eq(stack_ledger(&s_stack, CS_DAEMON_PUBD, "send_failed"), 0);
    for (enum cs_daemon_id d = CS_DAEMON_ANALYZERD; d <= CS_DAEMON_SAVERD; d++) {
        ck_assert_int_eq(stack_ledger(&s_stack, d, "received"), 150);
        ck_assert_int_eq(stack_ledger(&s_stack, d, "lost"), 0);
    }
    ck_assert_int_eq(stack_ledger(&s_stack, CS_DAEMON_SAVERD, "written"), 150);
    stack_only_file(s_stack.movies, movie, sizeof movie);
    stack_only_file(s_stack.stats, stats, sizeof stats);
    verify_movie(movie, &e);
    s_h5py(movie, &e);
    verify_stats(stats, &e);
}
END_TEST

START_TEST(stack_stopped_mid_run_keeps_every_frame_captured)
{
    struct stack_params p = { .pixfmt = CS_PIXFMT_GREY,
                              .width = 320,
                              .height = 200,
                              .fps = 200,
                              .frames = 0,
                              .wait_subscribers = 2 };
    struct expect e = { .pixfmt = CS_PIXFMT_GREY, .width = 320, .height = 200, .complete = 1 };
    char movie[PATH_MAX], stats[PATH_MAX];
    int64_t captured;

    ck_assert_int_eq(stack_init(&s_stack, &p), 0);
    stack_start_all(&s_stack);
    stack_await(&s_stack, CS_DAEMON_SAVERD, "written", 40, 20000);
    ck_assert_int_eq(stack_stop(&s_stack, CS_DAEMON_CAMERAD), 0);
    s_stop_rest();
    captured = stack_ledger(&s_stack, CS_DAEMON_CAMERAD, "captured");
    ck_assert_int_ge(captured, 40);
    s_check_ledgers((uint64_t) captured);
    e.frames = (uint64_t) captured;
    stack_only_file(s_stack.movies, movie, sizeof movie);
    stack_only_file(s_stack.stats, stats, sizeof stats);
    verify_movie(movie, &e);
    s_h5py(movie, &e);
    verify_stats(stats, &e);
}
END_TEST

START_TEST(stack_late_subscriber_records_join_not_loss)
{
    /* camerad does not wait; saverd joins while the run is going. */
    struct stack_params p = { .pixfmt = CS_PIXFMT_GREY,
                              .width = 64,
                              .height = 48,
                              .fps = 400,
                              .frames = 0,
                              .wait_subscribers = 1 };
    struct expect e = { .pixfmt = CS_PIXFMT_GREY, .width = 64, .height = 48, .complete = 1 };
    char movie[PATH_MAX];
    int64_t first, received;

    ck_assert_int_eq(stack_init(&s_stack, &p), 0);
    ck_assert_int_eq(stack_start(&s_stack, CS_DAEMON_PUBD), 0);
    ck_assert_int_eq(stack_start(&s_stack, CS_DAEMON_ANALYZERD), 0);
    ck_assert_int_eq(stack_start(&s_stack, CS_DAEMON_CAMERAD), 0);
    stack_await(&s_stack, CS_DAEMON_ANALYZERD, "received", 50, 20000);
    ck_assert_int_eq(stack_start(&s_stack, CS_DAEMON_SAVERD), 0);
    stack_await(&s_stack, CS_DAEMON_SAVERD, "written", 50, 20000);
    ck_assert_int_eq(stack_stop(&s_stack, CS_DAEMON_CAMERAD), 0);
    s_stop_rest();
    stack_only_file(s_stack.movies, movie, sizeof movie);
    first = (int64_t) verify_root_attr(movie, "first_seq");
    received = stack_ledger(&s_stack, CS_DAEMON_SAVERD, "received");
    ck_assert_int_gt(first, 0);
    ck_assert_int_eq(stack_ledger(&s_stack, CS_DAEMON_SAVERD, "lost"), 0);
    ck_assert_int_eq(first + received, stack_ledger(&s_stack, CS_DAEMON_CAMERAD, "sent"));
    e.first_seq = (uint64_t) first;
    e.frames = (uint64_t) received;
    verify_movie(movie, &e);
    s_h5py(movie, &e);
}
END_TEST

START_TEST(bad_config_exits_78_with_file_and_line)
{
    struct stack_params p = { .pixfmt = CS_PIXFMT_GREY,
                              .width = 64,
                              .height = 48,
                              .fps = 10,
                              .extra = "\n[saverd]\ndirectry = /tmp\n" };
    const char *args[] = { "--config", s_stack.config, NULL };
    char err[4096], where[PATH_MAX + 32];

    ck_assert_int_eq(stack_init(&s_stack, &p), 0);
    for (enum cs_daemon_id d = 0; d < CS_DAEMON_COUNT; d++) {
        ck_assert_int_eq(stack_run_tool(cs_daemon_name(d), args, err, sizeof err), 78);
        (void) snprintf(where, sizeof where, "%s:", s_stack.config);
        ck_assert_msg(strstr(err, where) && strstr(err, "unknown key 'directry' in [saverd]"),
                      "unexpected error text: %s", err);
    }
}
END_TEST

START_TEST(check_config_prints_values_in_effect)
{
    struct stack_params p = { .pixfmt = CS_PIXFMT_Y16, .width = 64, .height = 48, .fps = 12.5 };
    const char *args[] = { "--check-config", "--config", s_stack.config, NULL };
    char err[4096];

    ck_assert_int_eq(stack_init(&s_stack, &p), 0);
    ck_assert_int_eq(stack_run_tool("saverd", args, err, sizeof err), 0);
    ck_assert_int_eq(stack_run_tool("camerad", (const char *[]){ "--help", NULL }, err, sizeof err),
                     0);
}
END_TEST

/* The example config shipped for a system install lists every key with its default. */
START_TEST(example_config_lists_the_defaults)
{
    char example[PATH_MAX], empty[PATH_MAX], a[16384], b[16384];
    const char *src = getenv("CS_SOURCE_ROOT");
    FILE *f;

    ck_assert_ptr_nonnull(src);
    (void) snprintf(example, sizeof example, "%s/config/camstack.ini", src);
    ck_assert_int_eq(stack_run_tool("pubd",
                                    (const char *[]){ "--check-config", "--config", example, NULL },
                                    a, sizeof a),
                     0);
    ck_assert_int_eq(stack_mkdtemp(s_stack.dir, sizeof s_stack.dir), 0);
    (void) snprintf(empty, sizeof empty, "%s/empty.ini", s_stack.dir);
    f = fopen(empty, "we");
    ck_assert_ptr_nonnull(f);
    (void) fclose(f);
    ck_assert_int_eq(stack_run_tool("pubd",
                                    (const char *[]){ "--check-config", "--config", empty, NULL },
                                    b, sizeof b),
                     0);
    /* The first line names the file; the values after it must be the same. */
    ck_assert_str_eq(strchr(a, '\n'), strchr(b, '\n'));
}
END_TEST

/* A camera that is not there: camerad runs, says it waits for the device (once, not at every
 * retry), keeps trying, and stops cleanly; it never exits because a camera is absent. */
START_TEST(camerad_waits_for_absent_device)
{
    struct stack_params p = { .pixfmt = CS_PIXFMT_YUYV,
                              .width = 640,
                              .height = 360,
                              .fps = 30,
                              .source = CS_SOURCE_V4L2,
                              .camerad_extra = "device = no-camera\n" };
    char log[16384];
    const char *needle = "no-camera' is not available, waiting for it: No such file or directory";
    const char *first;

    ck_assert_int_eq(stack_init(&s_stack, &p), 0);
    ck_assert_int_eq(stack_start(&s_stack, CS_DAEMON_CAMERAD), 0);
    stack_await(&s_stack, CS_DAEMON_CAMERAD, "device_retries", 4, 20000);
    ck_assert_int_eq(stack_status(&s_stack, CS_DAEMON_CAMERAD, "runs", 5000), 0);
    ck_assert_int_eq(stack_stop(&s_stack, CS_DAEMON_CAMERAD), 0);
    stack_log(&s_stack, CS_DAEMON_CAMERAD, log, sizeof log);
    first = strstr(log, needle);
    ck_assert_msg(first, "no waiting message in:\n%s", log);
    ck_assert_msg(!strstr(first + strlen(needle), "is not available"), "logged more than once:\n%s",
                  log);
}
END_TEST

/* Something that is not a camera is a config error (status 78), named as such. */
START_TEST(camerad_refuses_a_non_v4l2_device)
{
    struct stack_params p = { .pixfmt = CS_PIXFMT_YUYV,
                              .width = 640,
                              .height = 360,
                              .fps = 30,
                              .source = CS_SOURCE_V4L2,
                              .camerad_extra = "device = /dev/null\n" };
    const char *args[] = { "--config", s_stack.config, NULL };
    char err[4096];

    ck_assert_int_eq(stack_init(&s_stack, &p), 0);
    ck_assert_int_eq(stack_run_tool("camerad", args, err, sizeof err), 78);
    ck_assert_msg(strstr(err, "'/dev/null' is not a V4L2 device"), "unexpected error: %s", err);
}
END_TEST

Suite *
test_suite(void)
{
    Suite *s = suite_create("stack");
    TCase *tc = tcase_create("main");

    /* The main scenario (also run with every daemon under valgrind: CK_RUN_CASE=main). */
    tcase_add_checked_fixture(tc, NULL, s_teardown);
    tcase_set_timeout(tc, stack_under_valgrind() ? 900 : 120);
    tcase_add_loop_test(tc, stack_records_exact_frames_and_stats, 0,
                        (int) (sizeof s_cases / sizeof s_cases[0]));
    suite_add_tcase(s, tc);

    tc = tcase_create("end-to-end");
    tcase_add_checked_fixture(tc, NULL, s_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, stack_unpaced_loses_nothing);
    tcase_add_test(tc, stack_stopped_mid_run_keeps_every_frame_captured);
    tcase_add_test(tc, stack_late_subscriber_records_join_not_loss);
    tcase_add_test(tc, camerad_waits_for_absent_device);
    tcase_add_test(tc, python_client_receives_frames_and_stats);
    suite_add_tcase(s, tc);

    tc = tcase_create("command-line");
    tcase_add_checked_fixture(tc, NULL, s_teardown);
    tcase_add_test(tc, bad_config_exits_78_with_file_and_line);
    tcase_add_test(tc, check_config_prints_values_in_effect);
    tcase_add_test(tc, example_config_lists_the_defaults);
    tcase_add_test(tc, camerad_refuses_a_non_v4l2_device);
    suite_add_tcase(s, tc);
    return s;
}
