/* Several stacks in one configuration directory, as camstackctl sees them: --stack NAME finds
 * NAME.ini beside the configuration file, and status --all shows one block per stack (a running
 * one with its memory budget, equal to what its daemons report, one that is not running, one
 * whose file does not load, one that collides with another) and the host's MemAvailable. */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check-main.h"
#include "config.h"
#include "harness.h"
#include "json.h"
#include "readfile.h"

#define S_OUT (1 << 18)

static struct stack s_stack;
static char s_out[S_OUT], s_err[S_OUT];

/* Writes @text to <stack dir>/@name, its path into @path. */
static void
s_save(const char *name, const char *text, char *path, size_t size)
{
    (void) snprintf(path, size, "%s/%s", s_stack.dir, name);
    test_write_file(path, text);
}

static void
s_setup(void)
{
    struct stack_params p = {
        .pixfmt = CS_PIXFMT_RGB24, .width = 320, .height = 240, .fps = 50, .wait_subscribers = 2
    };

    ck_assert_int_eq(stack_init(&s_stack, &p), 0);
    stack_start_all(&s_stack);
    stack_await(&s_stack, CS_DAEMON_SAVERD, "received", 10, 20000);
}

static void
s_teardown(void)
{
    ck_assert_int_eq(stack_destroy(&s_stack), 0);
}

/* The memory budget of the running stack as its daemons report it: queue_budget_frames of
 * the frame size, plus the bytes of queue_limit_bytes. */
static uint64_t
s_reported_budget(void)
{
    json_t *all;
    uint64_t sum = 0;

    ck_assert_int_eq(STACK_CTL(&s_stack, s_out, s_err, "status", "--json"), 0);
    all = cs_json_parse_object(s_out, strlen(s_out), NULL, 0);
    ck_assert_ptr_nonnull(all);
    for (int d = 0; d < CS_DAEMON_COUNT; d++) {
        uint64_t frames = 0, limit = 0;

        (void) cs_json_get_u64(json_object_get(all, cs_daemon_name(d)), "queue_budget_frames",
                               &frames);
        (void) cs_json_get_u64(json_object_get(all, cs_daemon_name(d)), "queue_limit_bytes",
                               &limit);
        sum += frames * 320 * 240 * 3 + limit;
    }
    json_decref(all);
    ck_assert_uint_gt(sum, 0);
    return sum;
}

/* --stack NAME reads NAME.ini beside --config's file: the stack's own daemons, or none. */
START_TEST(stack_by_name)
{
    char cam3[PATH_MAX];
    const char *stream = NULL;
    json_t *all;

    ck_assert_int_eq(STACK_CTL(&s_stack, s_out, s_err, "--stack", "camstack", "status", "--json"),
                     0);
    all = cs_json_parse_object(s_out, strlen(s_out), NULL, 0);
    ck_assert_ptr_nonnull(all);
    ck_assert_int_eq(cs_json_get_string(json_object_get(all, "camerad"), "stream", &stream), 0);
    ck_assert_str_eq(stream, "it");
    json_decref(all);

    s_save("cam3.ini", "[stack]\nstream = cam3\nruntime_dir = run3\n[viewd]\nport = 0\n", cam3,
           sizeof cam3);
    ck_assert_int_eq(STACK_CTL(&s_stack, s_out, s_err, "--stack", "cam3", "status"), 1);
    ck_assert_msg(strstr(s_err, "/run3/camerad.control"), "%s", s_err);
    ck_assert_int_eq(STACK_CTL(&s_stack, s_out, s_err, "--stack", "nosuch", "status"),
                     CS_EX_CONFIG);
    ck_assert_msg(strstr(s_err, "/nosuch.ini"), "%s", s_err);
    ck_assert_int_eq(STACK_CTL(&s_stack, s_out, s_err, "--stack", "../it", "status"), 2);
    ck_assert_int_eq(unlink(cam3), 0);
}
END_TEST

/* status --all: the running stack with its budget, a stack not running, a file that does not
 * load (a failure), and the host's MemAvailable; then a copy of the running stack's file,
 * which collides with it (a failure naming both). */
START_TEST(status_all_shows_every_stack)
{
    char cam3[PATH_MAX], broken[PATH_MAX], copy[PATH_MAX], text[4096];
    uint64_t budget = s_reported_budget(), v = 0;
    const char *names[] = { "broken", "cam3", "camstack" }, *name = NULL;
    bool running = true;
    json_t *all, *st;
    FILE *f;
    size_t i, n;

    s_save("cam3.ini", "[stack]\nstream = cam3\nruntime_dir = run3\n[viewd]\nport = 0\n", cam3,
           sizeof cam3);
    s_save("broken.ini", "[stack]\nstreem = x\n", broken, sizeof broken);
    ck_assert_int_eq(STACK_CTL(&s_stack, s_out, s_err, "status", "--all", "--json"), 1);
    all = cs_json_parse_object(s_out, strlen(s_out), NULL, 0);
    ck_assert_msg(all, "not JSON: %.2000s", s_out);
    ck_assert_int_eq(json_array_size(json_object_get(all, "stacks")), 3);
    json_array_foreach(json_object_get(all, "stacks"), i, st)
    {
        ck_assert_int_eq(cs_json_get_string(st, "name", &name), 0);
        ck_assert_str_eq(name, names[i]);
    }
    st = json_array_get(json_object_get(all, "stacks"), 0);
    ck_assert_int_eq(cs_json_get_string(st, "error", &name), 0);
    ck_assert_msg(strstr(name, "unknown key 'streem'"), "%s", name);
    st = json_array_get(json_object_get(all, "stacks"), 1);
    ck_assert_int_eq(cs_json_get_bool(st, "running", &running), 0);
    ck_assert(!running);
    ck_assert_int_eq(cs_json_get_u64(st, "memory_budget_bytes", &v), 0);
    ck_assert_uint_eq(v, 0);
    st = json_array_get(json_object_get(all, "stacks"), 2);
    ck_assert_int_eq(cs_json_get_bool(st, "running", &running), 0);
    ck_assert(running);
    ck_assert_int_eq(cs_json_get_u64(st, "memory_budget_bytes", &v), 0);
    ck_assert_uint_eq(v, budget);
    ck_assert_int_eq(cs_json_get_u64(all, "memory_budget_bytes", &v), 0);
    ck_assert_uint_eq(v, budget);
    ck_assert_int_eq(cs_json_get_u64(all, "mem_available_bytes", &v), 0);
    ck_assert_uint_gt(v, 0);
    json_decref(all);
    ck_assert_int_eq(unlink(broken), 0);

    ck_assert_int_eq(STACK_CTL(&s_stack, s_out, s_err, "status", "--all"), 0);
    ck_assert_msg(strstr(s_out, "stack cam3: ") && strstr(s_out, "stream cam3, not running")
                      && strstr(s_out, "stream it, running") && strstr(s_out, "memory budget ")
                      && strstr(s_out, "host: MemAvailable "),
                  "%.4000s", s_out);

    f = fopen(s_stack.config, "re");
    ck_assert_ptr_nonnull(f);
    n = fread(text, 1, sizeof text - 1, f);
    (void) fclose(f);
    text[n] = '\0';
    s_save("copy.ini", text, copy, sizeof copy);
    ck_assert_int_eq(STACK_CTL(&s_stack, s_out, s_err, "status", "--all"), 1);
    ck_assert_msg(strstr(s_err, "stack copy: ") && strstr(s_err, copy)
                      && strstr(s_err, s_stack.config) && strstr(s_err, "share a socket"),
                  "%.4000s", s_err);
    ck_assert_int_eq(unlink(copy), 0);
    ck_assert_int_eq(unlink(cam3), 0);
}
END_TEST

Suite *
test_suite(void)
{
    Suite *s = suite_create("stacks");
    TCase *tc = tcase_create("camstackctl");

    tcase_add_checked_fixture(tc, s_setup, s_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, stack_by_name);
    tcase_add_test(tc, status_all_shows_every_stack);
    suite_add_tcase(s, tc);
    return s;
}
