/* Unit tests of camstackctl's report (tools/camstackctl/report.h) on status answers built here
 * for every row of the roles table: queue fill from each daemon's upstream by role, state
 * from "activity", losses from "lost_total", the ledger as the daemon gives it, an optional
 * daemon not running, and plain lines that name each key once. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check-main.h"
#include "client.h"
#include "report.h"

#define S_RUN 7

/* A status answer as a daemon of role @role gives it, @next its next_seq. */
static void
s_answer(struct cs_client_answer *a, enum cs_role role, uint64_t run, uint64_t next, bool active)
{
    char text[1024];
    char err[128];

    (void) snprintf(
        text, sizeof text,
        "{\"ok\":true,\"state\":\"running\",\"role\":\"%s\",\"activity\":\"%s\","
        "\"uptime_s\":12.5,\"run\":%llu,\"next_seq\":%llu,\"run_active\":%s,"
        "\"queue_budget_frames\":%d,\"fps\":30,\"mb_per_s\":1.5,\"lost_total\":%d,"
        "\"ledger\":{\"run\":%llu,\"received\":%llu,\"lost\":2,\"bad\":1,\"lost_total\":3},"
        "\"latency_p50_us\":100,\"latency_p99_us\":900}",
        cs_role_name(role), role == CS_ROLE_PRODUCER ? "running" : "busy", (unsigned long long) run,
        (unsigned long long) next, active ? "true" : "false", role == CS_ROLE_FANOUT ? 40 : 20, 3,
        (unsigned long long) run, (unsigned long long) next);
    memset(a, 0, sizeof *a);
    a->asked = true;
    a->text = strdup(text);
    a->json = cs_json_parse_object(text, strlen(text), err, sizeof err);
    ck_assert_msg(a->json, "%s: %s", err, text);
}

/* Every daemon answers: the producer numbered 100 frames of run S_RUN, the fan-out reached
 * 95, the frame subscribers 90. */
static void
s_stack(struct cs_client_answer answers[CS_DAEMON_COUNT])
{
    for (int d = 0; d < CS_DAEMON_COUNT; d++) {
        enum cs_role role = cs_daemon_role(d)->role;
        uint64_t next = role == CS_ROLE_PRODUCER ? 100 : role == CS_ROLE_FANOUT ? 95 : 90;

        s_answer(&answers[d], role, S_RUN, next, true);
    }
}

/* The first daemon of @role in the table; fails the test if there is none. */
static enum cs_daemon_id
s_first(enum cs_role role)
{
    for (int d = 0; d < CS_DAEMON_COUNT; d++) {
        if (cs_daemon_role(d)->role == role)
            return (enum cs_daemon_id) d;
    }
    ck_abort_msg("no daemon of role %s", cs_role_name(role));
    return CS_DAEMON_COUNT;
}

START_TEST(report_queue_follows_the_roles)
{
    struct cs_client_answer answers[CS_DAEMON_COUNT];
    struct report_row rows[CS_DAEMON_COUNT];
    enum cs_daemon_id sub = s_first(CS_ROLE_FRAME_SUBSCRIBER);

    s_stack(answers);
    report_build(answers, false, rows);
    for (int d = 0; d < CS_DAEMON_COUNT; d++) {
        switch (cs_daemon_role(d)->role) {
        case CS_ROLE_PRODUCER: /* nothing upstream of it */
            ck_assert_int_eq(rows[d].queue, -1);
            break;
        case CS_ROLE_FANOUT:
            ck_assert_int_eq(rows[d].queue, 5);
            ck_assert_int_eq(rows[d].queue_max, 40);
            break;
        default:
            ck_assert_int_eq(rows[d].queue, 5);
            ck_assert_int_eq(rows[d].queue_max, 20);
            break;
        }
        ck_assert_int_eq(rows[d].lost, 3);
        ck_assert_str_eq(rows[d].ledger, rows[d].queue_max == 40 ? "received=95 lost=2 bad=1 "
                                                                   "lost_total=3"
                                         : rows[d].queue < 0     ? "received=100 lost=2 bad=1 "
                                                                   "lost_total=3"
                                                                 : "received=90 lost=2 bad=1 "
                                                                   "lost_total=3");
    }
    ck_assert_str_eq(rows[s_first(CS_ROLE_PRODUCER)].state, "running");
    ck_assert_str_eq(rows[sub].state, "busy");

    /* A subscriber in another run cannot be told; one whose run ended has nothing on its way. */
    cs_client_answers_clear(answers);
    s_stack(answers);
    json_decref(answers[sub].json);
    free(answers[sub].text);
    s_answer(&answers[sub], CS_ROLE_FRAME_SUBSCRIBER, S_RUN - 1, 3, true);
    report_build(answers, false, rows);
    ck_assert_int_eq(rows[sub].queue, -1);
    cs_client_answers_clear(answers);
    s_stack(answers);
    json_decref(answers[sub].json);
    free(answers[sub].text);
    s_answer(&answers[sub], CS_ROLE_FRAME_SUBSCRIBER, S_RUN, 3, false);
    report_build(answers, false, rows);
    ck_assert_int_eq(rows[sub].queue, 0);

    /* The fan-out down: no subscriber's queue can be told. */
    json_decref(answers[s_first(CS_ROLE_FANOUT)].json);
    answers[s_first(CS_ROLE_FANOUT)].json = NULL;
    answers[s_first(CS_ROLE_FANOUT)].error = -ETIMEDOUT;
    report_build(answers, false, rows);
    ck_assert_int_eq(rows[sub].queue, -1);
    ck_assert_str_eq(rows[s_first(CS_ROLE_FANOUT)].state, "down");
    cs_client_answers_clear(answers);
}
END_TEST

START_TEST(report_shows_a_daemon_stopping_and_one_not_running)
{
    struct cs_client_answer answers[CS_DAEMON_COUNT];
    struct report_row rows[CS_DAEMON_COUNT];
    enum cs_daemon_id sub = s_first(CS_ROLE_FRAME_SUBSCRIBER);
    enum cs_daemon_id fan = s_first(CS_ROLE_FANOUT);
    char *buf = NULL;
    size_t size = 0;
    FILE *out;

    s_stack(answers);
    ck_assert_int_eq(json_object_set_new(answers[fan].json, "state", json_string("stopping")), 0);
    json_decref(answers[sub].json);
    answers[sub].json = NULL;
    answers[sub].error = -ECONNREFUSED;
    answers[sub].not_running = true;
    report_build(answers, true, rows);
    ck_assert_str_eq(rows[fan].state, "stopping");
    ck_assert_str_eq(rows[sub].state, "not running");
    ck_assert(!rows[sub].up);

    /* Plain lines: the one not running says so; every other names each key once. */
    out = open_memstream(&buf, &size);
    report_print_lines(out, rows);
    ck_assert_int_eq(fclose(out), 0);
    for (const char *l = buf; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        const char *end = strchr(l, '\n');
        char name[32];

        ck_assert_ptr_nonnull(end);
        ck_assert_int_eq(sscanf(strchr(l, ' ') + 1, "%31s", name), 1);
        if (strcmp(name, cs_daemon_name(sub)) == 0) {
            ck_assert_msg(strncmp(strchr(l, ' ') + 1 + strlen(name), " state=not-running\n", 19)
                              == 0,
                          "%.*s", (int) (end - l), l);
            continue;
        }
        for (const char *k = strchr(l, ' '); k && k < end; k = strchr(k + 1, ' ')) {
            const char *eq = strchr(k + 1, '=');
            char key[64];

            if (!eq || eq > end)
                continue;
            (void) snprintf(key, sizeof key, " %.*s=", (int) (eq - k - 1), k + 1);
            const char *again = strstr(k + 1, key);
            ck_assert_msg(!again || again > end, "'%s' twice in %.*s", key, (int) (end - l), l);
        }
        ck_assert_msg(strstr(l, " lost_total=3") && strstr(l, " lost_total=3") < end, "%s", buf);
    }
    free(buf);

    /* --json: the answers as they came, the one not running as such. */
    buf = NULL;
    out = open_memstream(&buf, &size);
    ck_assert_int_eq(report_print_json(out, answers), 0);
    ck_assert_int_eq(fclose(out), 0);
    {
        json_t *all = cs_json_parse_object(buf, strlen(buf), NULL, 0);
        bool running = true;
        uint64_t next = 0;

        ck_assert_ptr_nonnull(all);
        ck_assert_int_eq(
            cs_json_get_bool(json_object_get(all, cs_daemon_name(sub)), "running", &running), 0);
        ck_assert(!running);
        ck_assert_int_eq(
            cs_json_get_u64(json_object_get(all, cs_daemon_name(fan)), "next_seq", &next), 0);
        ck_assert_uint_eq(next, 95);
        ck_assert_uint_eq(json_object_size(all), CS_DAEMON_COUNT);
        json_decref(all);
    }
    free(buf);
    cs_client_answers_clear(answers);
}
END_TEST

/* An optional daemon not running fails nothing; a required one, or one that does not answer,
 * does. */
START_TEST(report_only_required_or_silent_daemons_fail)
{
    struct cs_client_answer answers[CS_DAEMON_COUNT];

    for (int d = 0; d < CS_DAEMON_COUNT; d++) {
        memset(answers, 0, sizeof answers);
        answers[d].asked = true;
        answers[d].error = -ECONNREFUSED;
        answers[d].not_running = true;
        ck_assert_int_eq(cs_client_answer_fails(answers, d), !cs_daemon_role(d)->optional);
        answers[d].not_running = false;
        answers[d].error = -ETIMEDOUT;
        ck_assert(cs_client_answer_fails(answers, d));
    }
}
END_TEST

Suite *
test_suite(void)
{
    Suite *s = suite_create("report");
    TCase *tc = tcase_create("build");

    tcase_add_test(tc, report_queue_follows_the_roles);
    tcase_add_test(tc, report_shows_a_daemon_stopping_and_one_not_running);
    tcase_add_test(tc, report_only_required_or_silent_daemons_fail);
    suite_add_tcase(s, tc);
    return s;
}
