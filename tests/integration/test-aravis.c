/* The Aravis source against Aravis's simulated GigE Vision camera (fakecam.h), reached over
 * the loopback network as a real camera is: the whole stack records what the camera sends,
 * exactly, with the camera's own frame numbers and timestamps. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <check.h>
#include <glib.h>

#include "check-main.h"
#include "fakecam.h"
#include "harness.h"
#include "json.h"
#include "util.h"
#include "verify.h"

static struct stack s_stack;

/* A wait of @ms, ten times as long under valgrind (CS_VALGRIND_DAEMONS). */
static int
s_ms(int ms)
{
    return stack_under_valgrind() ? 10 * ms : ms;
}

static void
s_teardown(void)
{
    ck_assert_int_eq(stack_destroy(&s_stack), 0);
}

/* The simulator's settings every case states: its pattern is drawn at exposure 10 ms, gain 0
 * as documented (other values scale it). */
#define S_SETTINGS "exposure_us = 10000\ngain = 0\n"
#define S_CAMERA   "device = " FAKECAM_ADDRESS "\n" S_SETTINGS

/* An address on the loopback that no camera answers. */
#define S_ABSENT "127.0.0.2"

/* After the run: the ledgers balance, and the files are complete. */
static void
s_stop_rest(void)
{
    stack_await(&s_stack, CS_DAEMON_SAVERD, "files_closed", 1, s_ms(20000));
    ck_assert_int_eq(stack_stop(&s_stack, CS_DAEMON_PUBD), 0);
    ck_assert_int_eq(stack_stop(&s_stack, CS_DAEMON_ANALYZERD), 0);
    ck_assert_int_eq(stack_stop(&s_stack, CS_DAEMON_SAVERD), 0);
}

/* The ledgers of one run or more: every frame camerad captured reached both subscribers, and
 * so did its camera drops. */
static void
s_check_ledgers(uint64_t frames, uint64_t camera_dropped, bool one_run)
{
    ck_assert_int_eq(stack_ledger(&s_stack, CS_DAEMON_CAMERAD, "captured"), (int64_t) frames);
    ck_assert_int_eq(stack_ledger(&s_stack, CS_DAEMON_CAMERAD, "dropped_at_source"), 0);
    ck_assert_int_eq(stack_ledger(&s_stack, CS_DAEMON_CAMERAD, "sent"), (int64_t) frames);
    ck_assert_int_eq(stack_ledger(&s_stack, CS_DAEMON_CAMERAD, "camera_dropped"),
                     (int64_t) camera_dropped);
    if (one_run) /* next_seq counts the last run */
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
    uint64_t dropped;

    ck_assert_int_eq(stack_init(&s_stack, &p), 0);
    (void) fakecam_start(&s_stack, 0);
    stack_start_all(&s_stack);
    ck_assert_int_eq(stack_wait(&s_stack, CS_DAEMON_CAMERAD), 0); /* after frames = N */
    s_stop_rest();
    stack_only_file(s_stack.movies, movie, sizeof movie);
    dropped = fakecam_verify_movie(movie, &e);
    s_check_ledgers(e.frames, dropped, true);
}
END_TEST

/* exposure_us and gain reach the camera: at 100 ms and gain 1 the simulator draws its ramp
 * three times as steep (1 + 1 + log10(100 ms / 10 ms)), clipped at 255. */
START_TEST(aravis_sets_exposure_and_gain)
{
    struct stack_params p = { .source = CS_SOURCE_ARAVIS,
                              .pixfmt = CS_PIXFMT_GREY,
                              .width = 160,
                              .height = 120,
                              .fps = 50,
                              .frames = 10,
                              .wait_subscribers = 2,
                              .camerad_extra = "device = " FAKECAM_ADDRESS
                                               "\nexposure_us = 100000\ngain = 1\n" };
    struct fakecam_expect e = {
        .pixfmt = CS_PIXFMT_GREY, .width = 160, .height = 120, .frames = 10, .scale = 3
    };
    char movie[PATH_MAX];

    ck_assert_int_eq(stack_init(&s_stack, &p), 0);
    (void) fakecam_start(&s_stack, 0);
    stack_start_all(&s_stack);
    ck_assert_int_eq(stack_wait(&s_stack, CS_DAEMON_CAMERAD), 0);
    s_stop_rest();
    stack_only_file(s_stack.movies, movie, sizeof movie);
    s_check_ledgers(e.frames, fakecam_verify_movie(movie, &e), true);
}
END_TEST

/* Requests the simulator cannot meet are refused at start-up, naming what it allows: a config
 * error, exit 78. */
static const struct {
    enum cs_pixfmt pixfmt;
    unsigned width;
    const char *extra;
    const char *error;
} s_refusals[] = {
    /* its colour is Bayer or RGB8 only */
    { CS_PIXFMT_YUYV, 160, "",
      "cannot deliver pixel_format YUYV (from YUV422_8, YUV422_8_UYVY); it offers BayerBG8, "
      "BayerGB8, BayerGR8, BayerRG8, Mono8, RGB8, Mono16" },
    { CS_PIXFMT_GREY, 160, "trigger = line7\n",
      "has no trigger source 'line7'; it has Line0, Software" },
    { CS_PIXFMT_GREY, 1600, "binning_x = 2\n",
      "cannot read out 1600x120 at (0, 0): its sensor is 2048x2048, 1024x2048 at this binning" },
    { CS_PIXFMT_GREY, 160, "binning_y = 32\n",
      "cannot bin 1x32 (it set 1x1); binning_x from 1 to 16, binning_y from 1 to 16" },
};

START_TEST(aravis_refuses_what_the_camera_cannot_do)
{
    char extra[256];
    struct stack_params p = { .source = CS_SOURCE_ARAVIS,
                              .pixfmt = s_refusals[_i].pixfmt,
                              .width = s_refusals[_i].width,
                              .height = 120,
                              .fps = 50,
                              .wait_subscribers = 0,
                              .camerad_extra = extra };
    const char *args[] = { "--config", s_stack.config, NULL };
    char err[8192];

    (void) snprintf(extra, sizeof extra, "%s%s", S_CAMERA, s_refusals[_i].extra);
    ck_assert_int_eq(stack_init(&s_stack, &p), 0);
    (void) fakecam_start(&s_stack, 0);
    ck_assert_int_eq(stack_run_tool("camerad", args, err, sizeof err), 78);
    ck_assert_msg(strstr(err, s_refusals[_i].error), "unexpected error: %s", err);
}
END_TEST

/* A software trigger per frame: exactly the frames triggered arrive, numbered without gaps,
 * and none without a trigger. */
START_TEST(aravis_software_trigger_takes_one_frame_each)
{
    struct stack_params p = { .source = CS_SOURCE_ARAVIS,
                              .pixfmt = CS_PIXFMT_GREY,
                              .width = 64,
                              .height = 48,
                              .fps = 0,
                              .wait_subscribers = 2,
                              .camerad_extra = S_CAMERA "trigger = software\n" };
    struct fakecam_expect e = { .pixfmt = CS_PIXFMT_GREY, .width = 64, .height = 48, .frames = 8 };
    const char *args[] = { "trigger", NULL };
    char movie[PATH_MAX], out[4096], err[4096];

    ck_assert_int_eq(stack_init(&s_stack, &p), 0);
    (void) fakecam_start(&s_stack, 0);
    stack_start_all(&s_stack);
    stack_await(&s_stack, CS_DAEMON_CAMERAD, "run_active", 1, s_ms(20000));
    for (uint64_t i = 0; i < e.frames; i++) {
        int rc = stack_ctl(&s_stack, args, out, sizeof out, err, sizeof err);

        ck_assert_msg(rc == 0, "camstackctl trigger exited %d: %s%s", rc, out, err);
        ck_assert_msg(strstr(out, "camerad: trigger"), "%s", out);
        /* The next trigger once this one's frame is in: the simulator takes one at a time. */
        stack_await(&s_stack, CS_DAEMON_CAMERAD, "captured", (int64_t) i + 1, s_ms(10000));
    }
    /* Without a trigger, no frame: the simulator looks for one 25 times a second. */
    g_usleep(300000);
    ck_assert_int_eq(stack_status(&s_stack, CS_DAEMON_CAMERAD, "captured", s_ms(5000)),
                     (int64_t) e.frames);
    ck_assert_int_eq(stack_status(&s_stack, CS_DAEMON_CAMERAD, "triggers", s_ms(5000)),
                     (int64_t) e.frames);
    ck_assert_int_eq(stack_stop(&s_stack, CS_DAEMON_CAMERAD), 0);
    s_stop_rest();
    stack_only_file(s_stack.movies, movie, sizeof movie);
    ck_assert_uint_eq(fakecam_verify_movie(movie, &e), 0);
    s_check_ledgers(e.frames, 0, true);
}
END_TEST

/* A camera looked for at an address nothing answers (on the loopback: Aravis's discovery
 * waits its whole 2.5 s): camerad answers a status request at once while it looks, saying it
 * waits for the device, and says the camera is not available once the search has failed. */
START_TEST(aravis_answers_while_it_looks_for_the_camera)
{
    struct stack_params p = { .source = CS_SOURCE_ARAVIS,
                              .pixfmt = CS_PIXFMT_GREY,
                              .width = 64,
                              .height = 48,
                              .fps = 10,
                              .camerad_extra = "device = " S_ABSENT "\n" };
    char state[64] = "";
    uint64_t retries = 1;
    int64_t t0;
    json_t *st;

    ck_assert_int_eq(stack_init(&s_stack, &p), 0);
    t0 = g_get_monotonic_time();
    ck_assert_int_eq(stack_start(&s_stack, CS_DAEMON_CAMERAD), 0);
    /* Asked at once: the request waits for the control endpoint, then for the answer. */
    st = stack_status_json(&s_stack, CS_DAEMON_CAMERAD, s_ms(10000));
    ck_assert_msg(st, "no status answer while the camera is looked for");
    printf("status answered %lld ms after camerad started, while it looked for the camera\n",
           (long long) (g_get_monotonic_time() - t0) / 1000);
    /* ... before the search ended (it fails after 2.5 s, and says so). */
    ck_assert_msg(!stack_log_has(&s_stack, CS_DAEMON_CAMERAD, "is not available"),
                  "camerad answered only once the search had failed");
    ck_assert_int_eq(cs_json_copy_string(st, "acquisition", state, sizeof state), 0);
    ck_assert_str_eq(state, "waiting-for-device");
    ck_assert_int_eq(cs_json_get_u64(st, "device_retries", &retries), 0);
    ck_assert_uint_eq(retries, 0); /* a camera being looked for is not absent yet */
    json_decref(st);
    stack_await_log(&s_stack, CS_DAEMON_CAMERAD,
                    "source aravis '" S_ABSENT "' is not available, waiting for it: No such device",
                    s_ms(10000));
    ck_assert_int_eq(stack_stop(&s_stack, CS_DAEMON_CAMERAD), 0);
}
END_TEST

/* The movies of a stack, each checked against the simulator: returns the frames and adds the
 * camera drops the files count to *@dropped. */
static uint64_t
s_verify_movies(enum cs_pixfmt pixfmt, unsigned width, unsigned height, double fps,
                uint64_t *dropped, int want_files)
{
    char paths[4][PATH_MAX];
    int n = stack_files(s_stack.movies, paths, 4);
    uint64_t frames = 0;

    ck_assert_int_eq(n, want_files);
    for (int i = 0; i < n; i++) {
        struct fakecam_expect e = { .pixfmt = pixfmt,
                                    .width = width,
                                    .height = height,
                                    .fps = fps,
                                    .frames = verify_root_attr(paths[i], "frames") };

        *dropped += fakecam_verify_movie(paths[i], &e);
        frames += e.frames;
    }
    return frames;
}

/* The camera gone mid-run (the simulator killed) and back (started again): the old run ends
 * complete, a new one is recorded, and every frame captured is in the files. */
START_TEST(aravis_camera_lost_and_back_makes_a_new_run)
{
    struct stack_params p = { .source = CS_SOURCE_ARAVIS,
                              .pixfmt = CS_PIXFMT_GREY,
                              .width = 160,
                              .height = 120,
                              .fps = 50,
                              .wait_subscribers = 2,
                              .camerad_extra = S_CAMERA };
    uint64_t in_files = 0, frames;
    pid_t cam;

    ck_assert_int_eq(stack_init(&s_stack, &p), 0);
    cam = fakecam_start(&s_stack, 0);
    stack_start_all(&s_stack);
    stack_await(&s_stack, CS_DAEMON_CAMERAD, "captured", 20, s_ms(20000));
    fakecam_kill(&s_stack, cam);
    stack_await(&s_stack, CS_DAEMON_CAMERAD, "device_losses", 1, s_ms(20000));
    stack_await(&s_stack, CS_DAEMON_SAVERD, "files_closed", 1, s_ms(20000));
    (void) fakecam_start(&s_stack, 0);
    stack_await(&s_stack, CS_DAEMON_CAMERAD, "runs", 2, s_ms(20000));
    stack_await(&s_stack, CS_DAEMON_CAMERAD, "captured",
                stack_status(&s_stack, CS_DAEMON_CAMERAD, "captured", s_ms(5000)) + 20,
                s_ms(20000));
    ck_assert_int_eq(stack_status(&s_stack, CS_DAEMON_CAMERAD, "runs", s_ms(5000)), 2);
    ck_assert_int_eq(stack_status(&s_stack, CS_DAEMON_CAMERAD, "device_losses", s_ms(5000)), 1);
    ck_assert_int_eq(stack_stop(&s_stack, CS_DAEMON_CAMERAD), 0);
    stack_await(&s_stack, CS_DAEMON_SAVERD, "files_closed", 2, s_ms(20000));
    s_stop_rest();
    frames = s_verify_movies(CS_PIXFMT_GREY, 160, 120, 50, &in_files, 2);
    s_check_ledgers(frames, in_files, false);
}
END_TEST

/* The stack the packet loss cases record with: 320x240 Mono8 at 50 frames/s (some 55 data
 * packets a frame), with @camerad_extra. */
static struct stack_params
s_lossy_params(const char *camerad_extra)
{
    return (struct stack_params){ .source = CS_SOURCE_ARAVIS,
                                  .pixfmt = CS_PIXFMT_GREY,
                                  .width = 320,
                                  .height = 240,
                                  .fps = 50,
                                  .wait_subscribers = 2,
                                  .camerad_extra = camerad_extra };
}

/* Packets lost on the way from a camera that cannot send them again (the simulator alone: 2 in
 * 1000 of the packets it sends, about one frame in ten of 320x240): every frame that lost one
 * is incomplete, a camera drop, never a damaged frame in the file nor a frame lost silently,
 * and the seq numbers skip exactly the frame ids the simulator's frames show missing. */
START_TEST(aravis_lost_packets_are_camera_drops)
{
    struct stack_params p = s_lossy_params(S_CAMERA "buffers = 16\n");
    uint64_t in_files = 0, frames, dropped = 0, incomplete = 0, missing = 0, resend = 0, resent = 1;
    json_t *st;

    ck_assert_int_eq(stack_init(&s_stack, &p), 0);
    (void) fakecam_start(&s_stack, 2);
    stack_start_all(&s_stack);
    stack_await(&s_stack, CS_DAEMON_CAMERAD, "captured", 100, s_ms(30000));
    /* One answer: its counters are of one moment. */
    st = stack_status_json(&s_stack, CS_DAEMON_CAMERAD, s_ms(5000));
    ck_assert(st);
    ck_assert_int_eq(cs_json_get_u64(st, "camera_dropped", &dropped), 0);
    ck_assert_int_eq(cs_json_get_u64(st, "frames_incomplete", &incomplete), 0);
    ck_assert_int_eq(cs_json_get_u64(st, "frames_missing", &missing), 0);
    ck_assert_int_eq(cs_json_get_u64(st, "packet_resend_requests", &resend), 0);
    ck_assert_int_eq(cs_json_get_u64(st, "packets_resent", &resent), 0);
    json_decref(st);
    printf("lost packets: %llu frames dropped (%llu incomplete, %llu missing), %llu packets asked "
           "again, %llu resent\n",
           (unsigned long long) dropped, (unsigned long long) incomplete,
           (unsigned long long) missing, (unsigned long long) resend, (unsigned long long) resent);
    ck_assert_msg(dropped > 0, "no frame lost a packet");
    ck_assert_uint_eq(dropped, incomplete + missing);
    /* The simulator does not say it can send a packet again (no packet resend bit in its
     * GVCP capabilities): Aravis then asks for none, and closes a frame that misses one as
     * soon as the next frame begins. */
    ck_assert_uint_eq(resend, 0);
    ck_assert_uint_eq(resent, 0);
    ck_assert_int_eq(stack_stop(&s_stack, CS_DAEMON_CAMERAD), 0);
    s_stop_rest();
    frames = s_verify_movies(CS_PIXFMT_GREY, 320, 240, 50, &in_files, 1);
    s_check_ledgers(frames, in_files, true);
    ck_assert_uint_ge(stack_ledger(&s_stack, CS_DAEMON_CAMERAD, "camera_dropped"), dropped);
}
END_TEST

/* Waits until gvlink has passed its @blocks frames on (by the camera's numbering) and camerad
 * has counted each as a frame or a camera drop (Aravis's counters in its status are then final:
 * they are read as each frame is taken, and no request is made for a frame closed); returns
 * camerad's status and gvlink's counters of that moment. */
static void
s_await_link_settled(uint64_t blocks, json_t **st, json_t **link)
{
    uint64_t deadline = cs_now_ns(CLOCK_MONOTONIC) + (uint64_t) s_ms(10000) * CS_NSEC_PER_MSEC;

    for (bool settled = false; !settled;) {
        json_decref(*st);
        json_decref(*link);
        *link = fakecam_link_counts(&s_stack);
        *st = stack_status_json(&s_stack, CS_DAEMON_CAMERAD, s_ms(5000));
        ck_assert(*st);
        settled =
            stack_json_u64(*link, "held") == 1
            && stack_json_u64(*st, "captured") + stack_json_u64(*st, "camera_dropped") == blocks;
        ck_assert_msg(settled || cs_now_ns(CLOCK_MONOTONIC) < deadline,
                      "camerad never counted every frame gvlink passed on: %s against %s",
                      json_dumps(*st, JSON_COMPACT), json_dumps(*link, JSON_COMPACT));
        if (!settled)
            g_usleep(50000);
    }
}

/* A camera that sends packets again when asked: the simulator behind gvlink, which says so in
 * its capabilities and loses the first way of one data packet or two of every frame (block id
 * + packet id a multiple of 50), while the simulator itself loses 2 in 1000 for good. Aravis
 * asks for each packet missing, gvlink sends those it has again: every frame in the file was
 * made whole by resent packets and equals the simulator's exactly; a frame that lost a packet
 * for good is a camera drop. gvlink passes 150 frames on and then no
 * more, so that the counters settle: every frame it passed on is then a frame in the file or a
 * camera drop, and Aravis's packet counts, in camerad's status, are what gvlink was asked for
 * and sent again. */
START_TEST(aravis_resent_packets_recover_frames)
{
    const uint64_t blocks = 150;
    struct stack_params p =
        s_lossy_params("device = " FAKECAM_LINK_ADDRESS "\n" S_SETTINGS "buffers = 16\n");
    uint64_t in_files = 0, frames, captured, dropped, incomplete, missing, resend, resent;
    json_t *st = NULL, *link = NULL;

    ck_assert_int_eq(stack_init(&s_stack, &p), 0);
    (void) fakecam_start(&s_stack, 2);
    (void) fakecam_link_start(&s_stack, 50, (unsigned) blocks);
    stack_start_all(&s_stack);
    stack_await(&s_stack, CS_DAEMON_CAMERAD, "captured", 100, s_ms(30000));
    s_await_link_settled(blocks, &st, &link);
    captured = stack_json_u64(st, "captured");
    dropped = stack_json_u64(st, "camera_dropped");
    incomplete = stack_json_u64(st, "frames_incomplete");
    missing = stack_json_u64(st, "frames_missing");
    resend = stack_json_u64(st, "packet_resend_requests");
    resent = stack_json_u64(st, "packets_resent");
    printf("resent packets: %llu frames passed on, %llu losing a packet on its first way "
           "(%llu packets); %llu packets asked again, %llu resent (%llu sent again, %llu "
           "unavailable); %llu frames captured, %llu dropped (%llu incomplete, %llu missing)\n",
           (unsigned long long) stack_json_u64(link, "blocks"),
           (unsigned long long) stack_json_u64(link, "blocks_with_loss"),
           (unsigned long long) stack_json_u64(link, "lost_first"), (unsigned long long) resend,
           (unsigned long long) resent, (unsigned long long) stack_json_u64(link, "resent"),
           (unsigned long long) stack_json_u64(link, "unavailable"), (unsigned long long) captured,
           (unsigned long long) dropped, (unsigned long long) incomplete,
           (unsigned long long) missing);
    /* Every frame passed on lost a packet on its first way (but where the simulator had lost
     * that packet already: a camera drop); every frame captured was made whole again. */
    ck_assert_uint_ge(stack_json_u64(link, "blocks_with_loss") + dropped, blocks);
    ck_assert_uint_ge(captured, 100);
    ck_assert_uint_ge(resent, captured);
    /* Aravis's counts are the camera's: each packet it asked for reached gvlink, and each it
     * counts as resent gvlink sent again (one that comes after Aravis gave its frame up is
     * sent, but not counted). */
    ck_assert_uint_eq(resend, stack_json_u64(link, "requested"));
    ck_assert_uint_le(resent, stack_json_u64(link, "resent"));
    /* The simulator's own losses cannot be sent again: those frames are camera drops. */
    ck_assert_msg(stack_json_u64(link, "unavailable") > 0, "the simulator lost no packet");
    ck_assert_msg(dropped > 0, "no frame lost a packet for good");
    ck_assert_uint_eq(dropped, incomplete + missing);
    json_decref(st);
    json_decref(link);
    ck_assert_int_eq(stack_stop(&s_stack, CS_DAEMON_CAMERAD), 0);
    s_stop_rest();
    frames = s_verify_movies(CS_PIXFMT_GREY, 320, 240, 50, &in_files, 1);
    ck_assert_uint_eq(frames, captured);
    ck_assert_uint_eq(in_files, dropped);
    s_check_ledgers(frames, in_files, true);
}
END_TEST

Suite *
test_suite(void)
{
    Suite *s = suite_create("aravis");
    TCase *tc = tcase_create("formats");

    tcase_add_checked_fixture(tc, fakecam_isolate, s_teardown);
    tcase_set_timeout(tc, stack_under_valgrind() ? 600 : 60);
    tcase_add_loop_test(tc, aravis_records_what_the_camera_sends, 0,
                        (int) (sizeof s_formats / sizeof s_formats[0]));
    tcase_add_loop_test(tc, aravis_refuses_what_the_camera_cannot_do, 0,
                        (int) (sizeof s_refusals / sizeof s_refusals[0]));
    tcase_add_test(tc, aravis_sets_exposure_and_gain);
    suite_add_tcase(s, tc);

    tc = tcase_create("trigger");
    tcase_add_checked_fixture(tc, fakecam_isolate, s_teardown);
    tcase_set_timeout(tc, stack_under_valgrind() ? 600 : 60);
    tcase_add_test(tc, aravis_software_trigger_takes_one_frame_each);
    suite_add_tcase(s, tc);

    tc = tcase_create("opening");
    tcase_add_checked_fixture(tc, fakecam_isolate, s_teardown);
    tcase_set_timeout(tc, stack_under_valgrind() ? 600 : 60);
    tcase_add_test(tc, aravis_answers_while_it_looks_for_the_camera);
    suite_add_tcase(s, tc);

    tc = tcase_create("faults");
    tcase_add_checked_fixture(tc, fakecam_isolate, s_teardown);
    tcase_set_timeout(tc, stack_under_valgrind() ? 900 : 90);
    tcase_add_test(tc, aravis_camera_lost_and_back_makes_a_new_run);
    tcase_add_test(tc, aravis_lost_packets_are_camera_drops);
    tcase_add_test(tc, aravis_resent_packets_recover_frames);
    suite_add_tcase(s, tc);
    return s;
}
