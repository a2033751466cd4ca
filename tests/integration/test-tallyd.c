/* The add-a-daemon suite: tallyd (daemons/tallyd), a frame subscriber added to the stack by
 * the checklist of docs/HACKING.md alone, joins a real stack. camerad waits for it as for any
 * frame subscriber, camstackctl shows it from the roles table, and it stops cleanly with an
 * exact ledger; not running, it is an optional daemon that fails nothing. Built only with
 * -Dtest_daemon=true (scripts/test makes that build). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "check-main.h"
#include "harness.h"
#include "json.h"

#define S_OUT 65536

static struct stack s_stack;
static char s_out[S_OUT], s_err[S_OUT];

static void
s_teardown(void)
{
    ck_assert_int_eq(stack_destroy(&s_stack), 0);
}

/* The row of the roles table is all camstackctl, the config and the harness know of it. */
START_TEST(tallyd_is_a_row_of_the_roles_table)
{
    enum cs_daemon_id d;

    ck_assert_int_eq(cs_daemon_from_name("tallyd", &d), 0);
    ck_assert_int_eq(d, CS_DAEMON_TALLYD);
    ck_assert(cs_daemon_is_frame_subscriber(d));
    ck_assert(cs_daemon_role(d)->optional);
}
END_TEST

/* wait_subscribers = 1 with tallyd the only frame subscriber: camerad captures only once
 * tallyd has subscribed, so tallyd receives every frame from the first. */
START_TEST(tallyd_counts_towards_wait_subscribers_and_keeps_an_exact_ledger)
{
    struct stack_params p = { .pixfmt = CS_PIXFMT_GREY,
                              .width = 160,
                              .height = 120,
                              .fps = 200,
                              .frames = 0,
                              .wait_subscribers = 1 };
    int64_t sent;
    json_t *all;
    const char *role = NULL;
    int st;

    ck_assert_int_eq(stack_init(&s_stack, &p), 0);
    ck_assert_int_eq(stack_start(&s_stack, CS_DAEMON_PUBD), 0);
    ck_assert_int_eq(stack_start(&s_stack, CS_DAEMON_CAMERAD), 0);
    /* No frame subscriber yet: camerad waits. */
    stack_await_log(&s_stack, CS_DAEMON_CAMERAD, "waiting for 1 frame subscribers on pubd", 10000);
    ck_assert_int_eq(stack_status(&s_stack, CS_DAEMON_CAMERAD, "captured", 5000), 0);
    ck_assert_int_eq(stack_start(&s_stack, CS_DAEMON_TALLYD), 0);
    stack_await_log(&s_stack, CS_DAEMON_CAMERAD, "pubd has 1 frame subscribers, starting", 20000);
    stack_await(&s_stack, CS_DAEMON_TALLYD, "tallied", 50, 20000);

    /* camstackctl shows it, from the roles table and its status answer alone. */
    st = STACK_CTL(&s_stack, s_out, s_err, "status");
    ck_assert_msg(st == 0, "exit %d: %s%s", st, s_out, s_err);
    ck_assert_msg(strstr(s_out, "\ntallyd     tallying "), "%s", s_out);
    ck_assert_msg(strstr(s_out, " tallied="), "%s", s_out);
    ck_assert_msg(strstr(s_out, "\nanalyzerd  not running"), "%s", s_out);
    st = STACK_CTL(&s_stack, s_out, s_err, "status", "--json");
    ck_assert_msg(st == 0, "exit %d: %s%s", st, s_out, s_err);
    all = cs_json_parse_object(s_out, strlen(s_out), NULL, 0);
    ck_assert_ptr_nonnull(all);
    ck_assert_int_eq(cs_json_get_string(json_object_get(all, "tallyd"), "role", &role), 0);
    ck_assert_str_eq(role, "frame-subscriber");
    json_decref(all);
    st = STACK_CTL(&s_stack, s_out, s_err, "request", "tallyd", "help");
    ck_assert_msg(st == 0, "exit %d: %s%s", st, s_out, s_err);

    /* The orderly stop: camerad ends the run, the end-of-stream reaches tallyd. */
    st = STACK_CTL(&s_stack, s_out, s_err, "acquire", "stop");
    ck_assert_msg(st == 0, "exit %d: %s%s", st, s_out, s_err);
    stack_await(&s_stack, CS_DAEMON_TALLYD, "runs_ended", 1, 20000);
    sent = stack_status(&s_stack, CS_DAEMON_CAMERAD, "sent", 5000);
    ck_assert_int_gt(sent, 50);
    ck_assert_int_eq(stack_stop(&s_stack, CS_DAEMON_CAMERAD), 0);
    ck_assert_int_eq(stack_stop(&s_stack, CS_DAEMON_PUBD), 0);
    ck_assert_int_eq(stack_stop(&s_stack, CS_DAEMON_TALLYD), 0);
    ck_assert_int_eq(stack_ledger(&s_stack, CS_DAEMON_TALLYD, "received"), sent);
    ck_assert_int_eq(stack_ledger(&s_stack, CS_DAEMON_TALLYD, "tallied"), sent);
    ck_assert_int_eq(stack_ledger(&s_stack, CS_DAEMON_TALLYD, "lost"), 0);
    ck_assert_int_eq(stack_ledger(&s_stack, CS_DAEMON_TALLYD, "bad"), 0);
    ck_assert_int_eq(stack_ledger(&s_stack, CS_DAEMON_TALLYD, "lost_total"), 0);
}
END_TEST

/* Not running, tallyd is an optional daemon: status says so and succeeds. */
START_TEST(tallyd_not_running_fails_nothing)
{
    struct stack_params p = { .pixfmt = CS_PIXFMT_GREY,
                              .width = 64,
                              .height = 48,
                              .fps = 100,
                              .frames = 0,
                              .wait_subscribers = 0 };
    int st;

    ck_assert_int_eq(stack_init(&s_stack, &p), 0);
    ck_assert_int_eq(stack_start(&s_stack, CS_DAEMON_PUBD), 0);
    ck_assert_int_eq(stack_start(&s_stack, CS_DAEMON_CAMERAD), 0);
    stack_await(&s_stack, CS_DAEMON_PUBD, "frames_in", 10, 20000);
    st = STACK_CTL(&s_stack, s_out, s_err, "status");
    ck_assert_msg(st == 0, "exit %d: %s%s", st, s_out, s_err);
    ck_assert_msg(strstr(s_out, "\ntallyd     not running"), "%s", s_out);
    ck_assert_int_eq(stack_stop(&s_stack, CS_DAEMON_CAMERAD), 0);
    ck_assert_int_eq(stack_stop(&s_stack, CS_DAEMON_PUBD), 0);
}
END_TEST

Suite *
test_suite(void)
{
    Suite *s = suite_create("add-a-daemon");
    TCase *tc = tcase_create("tallyd");

    tcase_add_checked_fixture(tc, NULL, s_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, tallyd_is_a_row_of_the_roles_table);
    tcase_add_test(tc, tallyd_counts_towards_wait_subscribers_and_keeps_an_exact_ledger);
    tcase_add_test(tc, tallyd_not_running_fails_nothing);
    suite_add_tcase(s, tc);
    return s;
}
