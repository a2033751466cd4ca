/* The camera message (common/camera.c): what camerad encodes is what a subscriber decodes,
 * what is malformed is refused and an unknown event ignored, a subscriber hands each camera
 * message to its daemon in order, and a run's record starts over with a new run. */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "camera.h"
#include "check-main.h"
#include "frame.h"
#include "json.h"
#include "subscriber.h"

static struct cs_camera_msg
s_change(uint64_t run, uint64_t seq, const char *name, const char *value, const char *previous)
{
    struct cs_camera_msg m = { .event = CS_CAMERA_CHANGE, .run = run };

    m.change.seq = seq;
    m.change.time_ns = 1795655340120113000ULL;
    (void) strcpy(m.change.name, name);
    (void) strcpy(m.change.value, value);
    (void) strcpy(m.change.previous, previous);
    return m;
}

START_TEST(change_round_trip)
{
    struct cs_camera_msg m = s_change(1795655300915437ULL, 1207, "fps", "10", "30"), got;
    char body[CS_CAMERA_MSG_MAX + 1];
    int n;

    m.index = 2;
    n = cs_camera_msg_encode(&m, body, sizeof body);

    ck_assert_int_gt(n, 0);
    ck_assert_str_eq(body,
                     "{\"event\":\"change\",\"run\":1795655300915437,\"index\":2,\"seq\":1207,"
                     "\"time_ns\":1795655340120113000,\"name\":\"fps\",\"value\":\"10\","
                     "\"previous\":\"30\"}");
    ck_assert_int_eq(cs_camera_msg_decode(body, (size_t) n, &got), 0);
    ck_assert_int_eq(got.event, CS_CAMERA_CHANGE);
    ck_assert_uint_eq(got.run, m.run);
    ck_assert_uint_eq(got.index, 2);
    ck_assert_uint_eq(got.change.seq, 1207);
    ck_assert_uint_eq(got.change.time_ns, m.change.time_ns);
    ck_assert_str_eq(got.change.name, "fps");
    ck_assert_str_eq(got.change.value, "10");
    ck_assert_str_eq(got.change.previous, "30");
}
END_TEST

START_TEST(identity_round_trip)
{
    json_t *facts = json_pack("{s:s,s:i,s:s,s:[i]}", "model", "vivid", "sensor_width", 1920,
                              "bus_info", "platform:vivid-000", "skipped", 1);
    struct cs_camera_msg m = { .event = CS_CAMERA_IDENTITY, .run = 9 }, got;
    char body[CS_CAMERA_MSG_MAX + 1];
    int n;

    cs_camera_identity_from_json(facts, "v4l2", &m.identity);
    json_decref(facts);
    ck_assert_uint_eq(m.identity.n_facts, 3); /* an array is no fact */
    n = cs_camera_msg_encode(&m, body, sizeof body);
    ck_assert_int_gt(n, 0);
    ck_assert_int_eq(cs_camera_msg_decode(body, (size_t) n, &got), 0);
    ck_assert_int_eq(got.event, CS_CAMERA_IDENTITY);
    ck_assert_str_eq(got.identity.source, "v4l2");
    ck_assert_uint_eq(got.identity.n_facts, 3);
    ck_assert_str_eq(got.identity.facts[0].name, "model");
    ck_assert_str_eq(got.identity.facts[0].value, "vivid");
    ck_assert(!got.identity.facts[0].is_int);
    ck_assert_str_eq(got.identity.facts[1].name, "sensor_width");
    ck_assert_str_eq(got.identity.facts[1].value, "1920");
    ck_assert(got.identity.facts[1].is_int);
}
END_TEST

START_TEST(malformed_refused_unknown_event_ignored)
{
    static const char *const bad[] = {
        "{}",
        "[]",
        "{\"event\":\"change\",\"run\":1}",
        "{\"event\":\"change\",\"run\":1,\"index\":0,\"seq\":1,\"time_ns\":1,\"name\":\"\","
        "\"value\":\"\",\"previous\":\"\"}",
        "{\"event\":\"change\",\"run\":1,\"seq\":1,\"time_ns\":1,\"name\":\"a\",\"value\":\"\","
        "\"previous\":\"\"}",
        "{\"event\":\"change\",\"run\":-1,\"seq\":1,\"time_ns\":1,\"name\":\"a\",\"value\":\"\","
        "\"previous\":\"\"}",
        "{\"event\":\"identity\",\"run\":1,\"source\":\"x\",\"identity\":[]}",
        "{\"event\":7,\"run\":1}",
    };
    static const char future[] = "{\"event\":\"temperature\",\"run\":1,\"celsius\":41}";
    struct cs_camera_msg got;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(cs_camera_msg_decode(bad[i], strlen(bad[i]), &got) == -EBADMSG, "%s", bad[i]);
    ck_assert_int_eq(cs_camera_msg_decode(future, strlen(future), &got), -EPROTONOSUPPORT);
}
END_TEST

/* A gap in the index of a run's changes is changes missed, once; a new run starts over. */
START_TEST(missed_changes_are_told)
{
    struct cs_camera_seen seen = { 0 };
    struct cs_camera_msg c = s_change(5, 0, "gain", "2", "1");

    ck_assert_uint_eq(cs_camera_missed(&seen, &c), 0);
    c.index = 3;
    ck_assert_uint_eq(cs_camera_missed(&seen, &c), 2);
    c.index = 4;
    ck_assert_uint_eq(cs_camera_missed(&seen, &c), 0);
    c.index = 4; /* the same again: nothing missed */
    ck_assert_uint_eq(cs_camera_missed(&seen, &c), 0);
    c.run = 6;
    c.index = 1; /* joined run 6 after its first change */
    ck_assert_uint_eq(cs_camera_missed(&seen, &c), 1);
}
END_TEST

START_TEST(camlog_keeps_one_run)
{
    static struct cs_camlog log;
    struct cs_camera_msg id = { .event = CS_CAMERA_IDENTITY, .run = 5 };
    struct cs_camera_msg c = s_change(5, 0, "gain", "2", "1");

    ck_assert_int_eq(cs_camlog_add(&log, &id), 0);
    ck_assert_int_eq(cs_camlog_add(&log, &c), 0);
    ck_assert(log.has_identity);
    ck_assert_uint_eq(log.n_changes, 1);
    c.run = 6; /* a new run starts the record over */
    ck_assert_int_eq(cs_camlog_add(&log, &c), 0);
    ck_assert_uint_eq(log.run, 6);
    ck_assert(!log.has_identity);
    ck_assert_uint_eq(log.n_changes, 1);
    for (int i = 1; i < CS_CAMLOG_CHANGES_MAX; i++) {
        c.index = (uint64_t) i;
        ck_assert_int_eq(cs_camlog_add(&log, &c), 0);
    }
    c.index = CS_CAMLOG_CHANGES_MAX;
    ck_assert_int_eq(cs_camlog_add(&log, &c), -ENOSPC);
    ck_assert_uint_eq(log.changes_dropped, 1);
    ck_assert_uint_eq(log.changes_missed, 0);
}
END_TEST

/* ---- through a subscriber ---- */

static struct cs_camera_msg s_got[4];
static int s_n_got;

static int
s_on_camera(void *arg, const struct cs_camera_msg *msg)
{
    ck_assert_int_lt(s_n_got, 4);
    s_got[s_n_got++] = *msg;
    return 0;
}

static void
s_feed(cs_sub_t *sub, const char *topic, const char *body)
{
    struct cs_part parts[2] = { { topic, strlen(topic) }, { body, strlen(body) } };

    cs_sub_handle_parts(sub, parts, 2);
}

START_TEST(subscriber_hands_camera_messages_over_in_order)
{
    static const struct cs_sub_ops ops = { .camera = s_on_camera };
    zloop_t *loop = zloop_new();
    cs_sub_t *sub = cs_sub_new(loop, NULL, "cam", 10, NULL, &ops, NULL);
    struct cs_camera_msg a = s_change(3, 4, "fps", "10", "30"),
                         b = s_change(3, 9, "fps", "5", "10");
    char body[CS_CAMERA_MSG_MAX + 1];

    b.index = 1;
    ck_assert_int_gt(cs_camera_msg_encode(&a, body, sizeof body), 0);
    s_feed(sub, "camera/cam", body);
    s_feed(sub, "camera/cam", "{\"event\":\"temperature\",\"run\":3}"); /* ignored */
    s_feed(sub, "camera/cam", "{\"event\":\"change\"}");                /* bad */
    s_feed(sub, "camera/cam0", body);                                   /* another stream */
    ck_assert_int_gt(cs_camera_msg_encode(&b, body, sizeof body), 0);
    s_feed(sub, "camera/cam", body);
    ck_assert_int_eq(s_n_got, 2);
    ck_assert_uint_eq(s_got[0].change.seq, 4);
    ck_assert_uint_eq(s_got[1].change.seq, 9);
    ck_assert_str_eq(s_got[1].change.previous, "10");
    ck_assert_uint_eq(cs_sub_counters(sub)->bad_by_reason[CS_REJECT_CAMERA], 1);
    ck_assert_uint_eq(cs_sub_counters(sub)->bad_by_reason[CS_REJECT_TOPIC], 1);
    cs_sub_destroy(&sub);
    zloop_destroy(&loop);
}
END_TEST

Suite *
test_suite(void)
{
    Suite *s = suite_create("camera");
    TCase *tc = tcase_create("message");

    tcase_add_test(tc, change_round_trip);
    tcase_add_test(tc, identity_round_trip);
    tcase_add_test(tc, malformed_refused_unknown_event_ignored);
    tcase_add_test(tc, missed_changes_are_told);
    tcase_add_test(tc, camlog_keeps_one_run);
    tcase_add_test(tc, subscriber_hands_camera_messages_over_in_order);
    suite_add_tcase(s, tc);
    return s;
}
