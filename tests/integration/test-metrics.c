/* camstackctl metrics and viewd's /metrics on a real stack on the test pattern: Prometheus's
 * own text parser (python3-prometheus-client, check_metrics.py) reads them, and every number
 * of every daemon's status is one sample of each, equal to what `camstackctl status --json`
 * shows just before and after, typed and named by the daemons' "fields" answers; a daemon
 * that stops is down. */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check-main.h"
#include "harness.h"
#include "json.h"
#include "readfile.h"

#define S_OUT (1 << 18)

static struct stack s_stack;
static char s_out[S_OUT], s_err[S_OUT];

static void
s_teardown(void)
{
    ck_assert_int_eq(stack_destroy(&s_stack), 0);
}

/* Writes @text to <stack dir>/@name. */
static void
s_save(const char *name, const char *text)
{
    char path[PATH_MAX];

    (void) snprintf(path, sizeof path, "%s/%s", s_stack.dir, name);
    test_write_file(path, text);
}

/* {daemon: the "fields" member of its "fields" answer} into <dir>/fields.json. */
static void
s_save_fields(void)
{
    static char reply[16384];
    json_t *all = json_object();
    char *text;

    for (int d = 0; d < CS_DAEMON_COUNT; d++) {
        json_t *j;

        ck_assert_int_eq(stack_request(&s_stack, d, "fields", 5000, reply, sizeof reply), 0);
        j = cs_json_parse_object(reply, strlen(reply), NULL, 0);
        ck_assert_msg(j && json_is_object(json_object_get(j, "fields")), "%s", reply);
        ck_assert_int_eq(json_object_set(all, cs_daemon_name(d), json_object_get(j, "fields")), 0);
        json_decref(j);
    }
    text = cs_json_dump_alloc(all);
    ck_assert_ptr_nonnull(text);
    s_save("fields.json", text);
    free(text);
    json_decref(all);
}

/* check_metrics.py over the exposition <dir>/@name (@moving: frames flowing). */
static void
s_check_file(const char *name, bool moving)
{
    const char *args[5] = { "--metrics", name, NULL, NULL, NULL };
    int n = 2;

    if (moving)
        args[n++] = "--moving";
    args[n] = s_stack.dir;

    ck_assert_msg(stack_python("check_metrics.py", args, s_out, sizeof s_out) == 0, "%s: %s", name,
                  s_out);
}

/* status --json, camstackctl metrics, viewd's /metrics, status --json again into the stack's
 * directory, and check_metrics.py over both expositions. */
static void
s_check(bool moving)
{
    json_t *viewd = stack_status_json(&s_stack, CS_DAEMON_VIEWD, 5000);
    char url[256];

    ck_assert_ptr_nonnull(viewd);
    ck_assert_int_eq(cs_json_copy_string(viewd, "url", url, sizeof url - 8), 0);
    json_decref(viewd);
    (void) strcat(url, "metrics");
    ck_assert_int_eq(STACK_CTL(&s_stack, s_out, s_err, "status", "--json"), 0);
    s_save("before.json", s_out);
    ck_assert_int_eq(STACK_CTL(&s_stack, s_out, s_err, "metrics"), 0);
    s_save("metrics.txt", s_out);
    ck_assert_int_eq(
        stack_run_cmd((const char *const[]){ "curl", "-sf", url, NULL }, 30, s_out, sizeof s_out),
        0);
    s_save("metrics-http.txt", s_out);
    ck_assert_int_eq(STACK_CTL(&s_stack, s_out, s_err, "status", "--json"), 0);
    s_save("after.json", s_out);
    s_check_file("metrics.txt", moving);
    s_check_file("metrics-http.txt", moving);
}

START_TEST(metrics_are_the_status_in_prometheus_text)
{
    struct stack_params p = { .pixfmt = CS_PIXFMT_GREY,
                              .width = 160,
                              .height = 120,
                              .fps = 100,
                              .frames = 0,
                              .wait_subscribers = 2 };

    ck_assert_int_eq(stack_init(&s_stack, &p), 0);
    stack_start_all(&s_stack);
    stack_await(&s_stack, CS_DAEMON_SAVERD, "written", 30, 20000);
    s_save_fields();

    /* While frames flow: before and after bound every count (a percentile may go down). */
    s_check(true);

    /* Idle after a stop: every value, the same before and after but for the uptime, and the
     * rates and recent latencies on their way to 0 and null. */
    ck_assert_int_eq(STACK_CTL(&s_stack, s_out, s_err, "acquire", "stop"), 0);
    stack_await(&s_stack, CS_DAEMON_SAVERD, "runs_ended", 1, 20000);
    stack_await(&s_stack, CS_DAEMON_ANALYZERD, "runs_ended", 1, 20000);
    s_check(false);

    /* A daemon that stops is down; the command fails as status does: not for an optional
     * daemon (saverd), for another (camerad). */
    ck_assert_int_eq(stack_stop(&s_stack, CS_DAEMON_SAVERD), 0);
    ck_assert_int_eq(STACK_CTL(&s_stack, s_out, s_err, "--timeout", "2000", "metrics"), 0);
    ck_assert_msg(strstr(s_out, "\ncamstack_saverd_up 0\n"), "%s", s_out);
    ck_assert_msg(!strstr(s_out, "camstack_saverd_written"), "%s", s_out);
    ck_assert_msg(strstr(s_out, "\ncamstack_pubd_up 1\n"), "%s", s_out);
    ck_assert_int_eq(stack_stop(&s_stack, CS_DAEMON_CAMERAD), 0);
    ck_assert_int_eq(STACK_CTL(&s_stack, s_out, s_err, "--timeout", "2000", "metrics"), 1);
    ck_assert_msg(strstr(s_out, "camstack_camerad_up 0\n"), "%s", s_out);
    ck_assert_msg(strstr(s_err, "camstackctl: camerad is down: "), "%s", s_err);
}
END_TEST

Suite *
test_suite(void)
{
    Suite *s = suite_create("metrics");
    TCase *tc = tcase_create("metrics");

    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, NULL, s_teardown);
    tcase_add_test(tc, metrics_are_the_status_in_prometheus_text);
    suite_add_tcase(s, tc);
    return s;
}
