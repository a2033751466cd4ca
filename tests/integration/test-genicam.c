/* A GenICam camera's features through camerad, against Aravis's simulated GigE Vision camera
 * over the loopback network (fakecam.h): [camerad] feature.<Name> keys are applied when the
 * camera is opened, and a bad one stops camerad with status 78 and the file's path:line;
 * "camera list | get | set" reads and changes the camera's features while the stack runs,
 * refusing what the feature does not take, and a change of the frame between runs only; a
 * change while recording is in the files at its seq, and the frames from it on differ as the
 * simulator draws them. */
#include <errno.h>
#include <inttypes.h>
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

#define S_TIMEOUT_MS 10000

/* A stack of the simulator, 160x120 GREY, with @camerad_extra in [camerad]. */
static void
s_init(const char *camerad_extra, uint64_t frames)
{
    char extra[1024];
    struct stack_params p = { .source = CS_SOURCE_ARAVIS,
                              .pixfmt = CS_PIXFMT_GREY,
                              .width = 160,
                              .height = 120,
                              .fps = 20,
                              .frames = frames,
                              .wait_subscribers = 0,
                              .camerad_extra = extra };

    (void) snprintf(extra, sizeof extra, "device = " FAKECAM_ADDRESS "\n%s", camerad_extra);
    ck_assert_int_eq(stack_init(&s_stack, &p), 0);
    (void) fakecam_start(&s_stack, 0);
}

/* Sends "camera ..." to camerad: the answer, parsed, which the caller frees. */
static json_t *
s_camera(const char *request)
{
    char reply[65536];
    json_t *answer;

    ck_assert_int_eq(
        stack_request(&s_stack, CS_DAEMON_CAMERAD, request, S_TIMEOUT_MS, reply, sizeof reply), 0);
    answer = stack_json_parse(reply);
    ck_assert_msg(answer, "%s: not JSON: %s", request, reply);
    return answer;
}

/* "camera get NAME": the value as an integer. */
static int64_t
s_get_int(const char *name)
{
    char request[128];
    json_t *a;
    int64_t v = 0;

    (void) snprintf(request, sizeof request, "camera get %s", name);
    a = s_camera(request);
    ck_assert_msg(json_is_true(json_object_get(a, "ok")), "%s", request);
    ck_assert_int_eq(cs_json_get_i64(json_object_get(a, "setting"), "value", &v), 0);
    json_decref(a);
    return v;
}

/* Sends @request, expecting a refusal whose error contains @want. */
static void
s_refused(const char *request, const char *want)
{
    json_t *a = s_camera(request);
    const char *err = "";

    ck_assert_msg(json_is_false(json_object_get(a, "ok")), "%s was taken", request);
    ck_assert_int_eq(cs_json_get_string(a, "error", &err), 0);
    ck_assert_msg(strstr(err, want), "%s: '%s' not in '%s'", request, want, err);
    json_decref(a);
}

static void
s_taken(const char *request)
{
    json_t *a = s_camera(request);
    const char *err = "";

    (void) cs_json_get_string(a, "error", &err);
    ck_assert_msg(json_is_true(json_object_get(a, "ok")), "%s: %s", request, err);
    json_decref(a);
}

START_TEST(feature_keys_apply_at_open_and_features_change_while_running)
{
    json_t *a, *list, *s;
    bool listed = false;
    int64_t captured;
    size_t i;

    s_init("feature.GainRaw = 3\nfeature.TestStringReg = camstack\n", 0);
    ck_assert_int_eq(stack_start(&s_stack, CS_DAEMON_PUBD), 0);
    ck_assert_int_eq(stack_start(&s_stack, CS_DAEMON_CAMERAD), 0);
    stack_await_log(&s_stack, CS_DAEMON_CAMERAD, "feature GainRaw = 3 (was ", S_TIMEOUT_MS);
    stack_await(&s_stack, CS_DAEMON_CAMERAD, "captured", 2, S_TIMEOUT_MS);
    ck_assert_int_eq(s_get_int("GainRaw"), 3);

    /* The list is the camera's own features, typed. */
    a = s_camera("camera list");
    list = json_object_get(a, "settings");
    ck_assert(json_array_size(list) > 10);
    json_array_foreach(list, i, s)
    {
        const char *name = "", *type = "";

        (void) cs_json_get_string(s, "name", &name);
        (void) cs_json_get_string(s, "type", &type);
        if (strcmp(name, "GainRaw") == 0) {
            ck_assert_str_eq(type, "int");
            listed = true;
        }
    }
    ck_assert(listed);
    json_decref(a);

    /* While the run goes on. */
    s_taken("camera set GainRaw 5");
    ck_assert_int_eq(s_get_int("GainRaw"), 5);
    s_refused("camera set GainRaw 11", "GainRaw takes an integer from 0 to 10, not '11'");
    s_refused("camera set GainRow 4", "the camera has no feature 'GainRow'; closest: GainRaw");
    s_refused("camera set SensorWidth 64", "SensorWidth is read-only");
    s_refused("camera set Width 128", "needs the stream stopped");
    ck_assert_int_eq(s_get_int("GainRaw"), 5);
    ck_assert_int_eq(stack_status(&s_stack, CS_DAEMON_CAMERAD, "width", 1000), 160);

    /* Between runs, a frame the stack can carry is taken for the next run. */
    s_taken("acquire stop");
    s_taken("camera set Width 128");
    ck_assert_int_eq(stack_status(&s_stack, CS_DAEMON_CAMERAD, "width", 1000), 128);
    s_refused("camera set Width 1024", "is not one the stack can carry");
    s_refused("camera set PixelFormat BayerRG8", "camstack takes no PixelFormat BayerRG8");
    ck_assert_int_eq(s_get_int("Width"), 128); /* each refusal undone */
    captured = stack_status(&s_stack, CS_DAEMON_CAMERAD, "captured", 1000);
    s_taken("acquire start 5");
    stack_await(&s_stack, CS_DAEMON_CAMERAD, "captured", captured + 5, S_TIMEOUT_MS);
    ck_assert(!stack_log_has(&s_stack, CS_DAEMON_CAMERAD, "dropping such frames"));
    ck_assert_int_eq(stack_stop(&s_stack, CS_DAEMON_CAMERAD), 0);
    ck_assert_int_eq(stack_stop(&s_stack, CS_DAEMON_PUBD), 0);
}
END_TEST

/* The whole stack records while GainRaw goes from 0 to 1: the change is in the movie and the
 * statistics file at the seq camerad answered, the frames before it are drawn at gain 0 and
 * those from it on (give or take the frames the camera had already exposed) at gain 1; a bad
 * value before it changed nothing, and no frame was lost. */
START_TEST(a_gain_changed_while_recording_is_in_the_files_at_its_seq)
{
    struct stack_params p = { .source = CS_SOURCE_ARAVIS,
                              .pixfmt = CS_PIXFMT_GREY,
                              .width = 160,
                              .height = 120,
                              .fps = 25,
                              .frames = 60,
                              .wait_subscribers = 2,
                              .camerad_extra =
                                  "device = " FAKECAM_ADDRESS "\nexposure_us = 10000\ngain = 0\n" };
    char movie[PATH_MAX], stats[PATH_MAX], seq[32];
    static char out[8192];
    const char *previous = "";
    uint64_t at = 0, captured;
    json_t *a;

    ck_assert_int_eq(stack_init(&s_stack, &p), 0);
    (void) fakecam_start(&s_stack, 0);
    stack_start_all(&s_stack);
    stack_await(&s_stack, CS_DAEMON_CAMERAD, "captured", 20, S_TIMEOUT_MS);
    s_refused("camera set GainRaw 11", "GainRaw takes an integer from 0 to 10, not '11'");
    a = s_camera("camera set GainRaw 1");
    ck_assert_msg(json_is_true(json_object_get(a, "ok")), "camera set GainRaw 1 refused");
    ck_assert_int_eq(cs_json_get_u64(a, "seq", &at), 0);
    ck_assert_int_eq(cs_json_get_string(a, "previous", &previous), 0);
    ck_assert_str_eq(previous, "0");
    ck_assert_uint_ge(at, 20);
    json_decref(a);
    ck_assert_int_eq(stack_wait(&s_stack, CS_DAEMON_CAMERAD), 0); /* after frames = N */
    stack_await(&s_stack, CS_DAEMON_SAVERD, "files_closed", 1, 20000);
    ck_assert_int_eq(stack_stop(&s_stack, CS_DAEMON_PUBD), 0);
    ck_assert_int_eq(stack_stop(&s_stack, CS_DAEMON_ANALYZERD), 0);
    ck_assert_int_eq(stack_stop(&s_stack, CS_DAEMON_SAVERD), 0);
    captured = (uint64_t) stack_ledger(&s_stack, CS_DAEMON_CAMERAD, "captured");
    ck_assert_uint_eq(captured, 60);
    ck_assert_int_eq(stack_ledger(&s_stack, CS_DAEMON_SAVERD, "written"), (int64_t) captured);
    ck_assert_int_eq(stack_ledger(&s_stack, CS_DAEMON_SAVERD, "lost"), 0);
    ck_assert_int_eq(stack_ledger(&s_stack, CS_DAEMON_ANALYZERD, "lost"), 0);
    stack_only_file(s_stack.movies, movie, sizeof movie);
    stack_only_file(s_stack.stats, stats, sizeof stats);
    (void) snprintf(seq, sizeof seq, "%" PRIu64, at);
    {
        const char *args[] = { "--change",   seq,          "GainRaw",           "1",
                               "0",          "--identity", "vendor=Aravis",     "--identity",
                               "model=Fake", "--identity", "sensor_width=2048", movie,
                               stats,        NULL };
        int rc = stack_python("check_camera.py", args, out, sizeof out);

        ck_assert_msg(rc == 0, "check_camera.py: %s", out);
    }
    {
        const char *args[] = { movie, seq, NULL };
        int rc = stack_python("check_gain.py", args, out, sizeof out);

        ck_assert_msg(rc == 0, "check_gain.py: %s", out);
        printf("%s", out);
    }
}
END_TEST

/* The line of @s_stack's config that starts with @text. */
static unsigned
s_config_line(const char *text)
{
    char line[512];
    unsigned n = 0;
    FILE *f = fopen(s_stack.config, "re");

    ck_assert_ptr_nonnull(f);
    while (fgets(line, sizeof line, f)) {
        n++;
        if (strncmp(line, text, strlen(text)) == 0) {
            (void) fclose(f);
            return n;
        }
    }
    (void) fclose(f);
    ck_abort_msg("no line '%s' in %s", text, s_stack.config);
    return 0;
}

START_TEST(a_bad_feature_key_stops_camerad_with_path_line)
{
    char want[PATH_MAX + 256];

    s_init("feature.GainRaw = 2\nfeature.TriggerMode = Of\n", 0);
    ck_assert_int_eq(stack_start(&s_stack, CS_DAEMON_PUBD), 0);
    ck_assert_int_eq(stack_start(&s_stack, CS_DAEMON_CAMERAD), 0);
    ck_assert_int_eq(stack_wait(&s_stack, CS_DAEMON_CAMERAD), 78);
    (void) snprintf(want, sizeof want, "%s:%u: TriggerMode takes one of: Off, On, not 'Of'",
                    s_stack.config, s_config_line("feature.TriggerMode"));
    ck_assert_msg(stack_log_has(&s_stack, CS_DAEMON_CAMERAD, want), "no '%s' in camerad's log",
                  want);
    ck_assert_int_eq(stack_stop(&s_stack, CS_DAEMON_PUBD), 0);
}
END_TEST

Suite *
test_suite(void)
{
    Suite *s = suite_create("genicam");
    TCase *tc = tcase_create("simulated camera");

    tcase_add_checked_fixture(tc, NULL, s_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, feature_keys_apply_at_open_and_features_change_while_running);
    tcase_add_test(tc, a_bad_feature_key_stops_camerad_with_path_line);
    tcase_add_test(tc, a_gain_changed_while_recording_is_in_the_files_at_its_seq);
    suite_add_tcase(s, tc);
    return s;
}
