/* Unit tests of common/control.h: the request parser as a plain function over any bytes
 * (words, blanks, limits, NUL, size), the dispatcher's answers (unknown command, handler
 * errors, held requests, help), every answer to random and hostile bodies being one
 * well-formed JSON object, and one request through a real ROUTER socket. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "check-main.h"
#include "control.h"
#include "json.h"

static struct cs_control_req s_req;
static char s_err[256];

static int
s_parse(const char *text)
{
    return cs_control_parse(text, strlen(text), &s_req, s_err, sizeof s_err);
}

START_TEST(parse_splits_words_on_blanks)
{
    ck_assert_int_eq(s_parse("status"), 0);
    ck_assert_int_eq(s_req.argc, 1);
    ck_assert_str_eq(s_req.argv[0], "status");
    ck_assert_int_eq(s_parse("  subscribers\t2  1000\r\n"), 0);
    ck_assert_int_eq(s_req.argc, 3);
    ck_assert_str_eq(s_req.argv[0], "subscribers");
    ck_assert_str_eq(s_req.argv[1], "2");
    ck_assert_str_eq(s_req.argv[2], "1000");
    ck_assert_int_eq(s_parse("a b c d e f g h"), 0); /* the most words there may be */
    ck_assert_int_eq(s_req.argc, CS_CONTROL_ARGS_MAX);
    ck_assert_str_eq(s_req.argv[7], "h");
}
END_TEST

START_TEST(parse_refuses_what_is_not_a_request)
{
    ck_assert_int_eq(s_parse(""), -EINVAL);
    ck_assert_int_eq(s_req.argc, 0);
    ck_assert_str_eq(s_err, "empty request (try 'help')");
    ck_assert_int_eq(s_parse(" \t\r\n "), -EINVAL);
    ck_assert_int_eq(s_parse("a b c d e f g h i"), -E2BIG);
    ck_assert_int_eq(s_req.argc, 0);
    ck_assert_str_eq(s_err, "expected a command and at most 7 words");
    ck_assert_int_eq(cs_control_parse("stat\0us", 7, &s_req, s_err, sizeof s_err), -EINVAL);
    ck_assert_str_eq(s_err, "a request is text without NUL bytes");
}
END_TEST

START_TEST(parse_size_limit)
{
    static char big[CS_CONTROL_REQUEST_MAX + 2];

    memset(big, 'x', sizeof big - 1);
    ck_assert_int_eq(cs_control_parse(big, CS_CONTROL_REQUEST_MAX, &s_req, s_err, sizeof s_err), 0);
    ck_assert_uint_eq(strlen(s_req.argv[0]), CS_CONTROL_REQUEST_MAX);
    ck_assert_int_eq(cs_control_parse(big, CS_CONTROL_REQUEST_MAX + 1, &s_req, s_err, sizeof s_err),
                     -EMSGSIZE);
    ck_assert_str_eq(s_err, "request longer than 1024 bytes");
}
END_TEST

/* Bytes that are not ASCII are words like any other: the handler decides. */
START_TEST(parse_takes_any_other_byte)
{
    const char text[] = "\xff\xfe \x01\x7f";

    ck_assert_int_eq(cs_control_parse(text, sizeof text - 1, &s_req, s_err, sizeof s_err), 0);
    ck_assert_int_eq(s_req.argc, 2);
    ck_assert_str_eq(s_req.argv[1], "\x01\x7f");
}
END_TEST

/* --- dispatch ------------------------------------------------------------------------- */

static zloop_t *s_loop;
static cs_control_t *s_ctl;
static int s_calls;

static int
s_cmd_echo(void *arg, struct cs_control_req *req, char *reply, size_t size)
{
    s_calls++;
    (void) snprintf(reply, size, "{\"ok\":true,\"argc\":%d}", req->argc);
    return 0;
}

static int
s_cmd_fail(void *arg, struct cs_control_req *req, char *reply, size_t size)
{
    if (req->argc > 1)
        (void) snprintf(reply, size, "bad \"%s\"", req->argv[1]);
    return -EBUSY;
}

static int
s_cmd_hold(void *arg, struct cs_control_req *req, char *reply, size_t size)
{
    zmsg_t **held = arg;

    *held = req->envelope;
    req->envelope = NULL;
    return 1;
}

static zmsg_t *s_held;
/* Each fixture binds a fresh name: zmq_close unbinds in libzmq's reaper thread, so the
 * previous fixture's name may still be taken when the next one binds (seen under valgrind). */
static char s_endpoint[64];

static void
s_setup(void)
{
    static int fixtures;

    (void) snprintf(s_endpoint, sizeof s_endpoint, "inproc://test-control-%d", ++fixtures);
    s_loop = zloop_new();
    ck_assert_ptr_nonnull(s_loop);
    s_ctl = cs_control_new(s_loop, s_endpoint);
    ck_assert_ptr_nonnull(s_ctl);
    ck_assert_int_eq(cs_control_add(s_ctl, "echo", "count the words", s_cmd_echo, NULL), 0);
    ck_assert_int_eq(cs_control_add(s_ctl, "fail", "refuse", s_cmd_fail, NULL), 0);
    ck_assert_int_eq(cs_control_add(s_ctl, "hold", "answer later", s_cmd_hold, &s_held), 0);
    s_calls = 0;
}

static void
s_teardown(void)
{
    zmsg_destroy(&s_held);
    cs_control_destroy(&s_ctl);
    ck_assert_ptr_null(s_ctl);
    zloop_destroy(&s_loop);
}

static int
s_dispatch(const void *body, size_t n, char *reply, size_t size)
{
    s_req.envelope = zmsg_new();
    int r = cs_control_dispatch(s_ctl, body, n, &s_req, reply, size);

    zmsg_destroy(&s_req.envelope);
    return r;
}

static void
s_expect(const char *request, const char *answer)
{
    char reply[CS_CONTROL_REPLY_MAX];

    ck_assert_int_eq(s_dispatch(request, strlen(request), reply, sizeof reply), 0);
    ck_assert_str_eq(reply, answer);
}

START_TEST(dispatch_answers)
{
    s_expect("echo a b", "{\"ok\":true,\"argc\":3}");
    s_expect("nope", "{\"ok\":false,\"error\":\"unknown command 'nope' (try 'help')\"}");
    s_expect("fail", "{\"ok\":false,\"error\":\"Device or resource busy\"}");
    s_expect("fail x\"y", "{\"ok\":false,\"error\":\"bad \\\"x\\\"y\\\"\"}");
    s_expect("", "{\"ok\":false,\"error\":\"empty request (try 'help')\"}");
    s_expect("help x", "{\"ok\":false,\"error\":\"usage: help\"}");
    s_expect("help", "{\"ok\":true,\"commands\":{\"help\":\"list the commands\",\"echo\":"
                     "\"count the words\",\"fail\":\"refuse\",\"hold\":\"answer later\"}}");
    ck_assert_int_eq(s_calls, 1);
}
END_TEST

/* Checks that @reply is one JSON object with a boolean "ok". */
static void
s_json_ok(const char *reply)
{
    char err[128];
    json_t *j = cs_json_parse_object(reply, strlen(reply), err, sizeof err);
    bool ok;

    ck_assert_msg(j, "not JSON (%s): %s", err, reply);
    ck_assert_int_eq(cs_json_get_bool(j, "ok", &ok), 0);
    json_decref(j);
}

/* An unknown command is quoted back as a JSON string, whatever its bytes: valid UTF-8 as it
 * is, quotes, backslashes and control characters escaped, each byte that is not part of valid
 * UTF-8 replaced by U+FFFD; the word is cut to 64 bytes, at a character's start. */
START_TEST(dispatch_escapes_unknown_command)
{
    char reply[CS_CONTROL_REPLY_MAX], long_word[80];
    const char body[] = "\"\\\x01\xc3\xa9\xff";
    const char *error = NULL;
    json_t *obj;

    ck_assert_int_eq(s_dispatch(body, sizeof body - 1, reply, sizeof reply), 0);
    ck_assert_str_eq(reply, "{\"ok\":false,\"error\":\"unknown command '\\\"\\\\\\u0001\xc3\xa9"
                            "\xef\xbf\xbd' (try 'help')\"}");
    obj = cs_json_parse_object(reply, strlen(reply), NULL, 0);
    ck_assert_ptr_nonnull(obj);
    ck_assert_int_eq(cs_json_get_string(obj, "error", &error), 0);
    ck_assert_str_eq(error, "unknown command '\"\\\x01\xc3\xa9\xef\xbf\xbd' (try 'help')");
    json_decref(obj);

    /* 63 x and a two-byte character across the 64th byte: the character is left out. */
    memset(long_word, 'x', 63);
    memcpy(long_word + 63, "\xc3\xa9yz", 4);
    ck_assert_int_eq(s_dispatch(long_word, 67, reply, sizeof reply), 0);
    ck_assert_uint_eq(strlen(reply), 38 + 63 + 16);
    ck_assert_str_eq(reply + 38 + 60, "xxx' (try 'help')\"}");
}
END_TEST

START_TEST(dispatch_held_request)
{
    char reply[CS_CONTROL_REPLY_MAX];

    s_req.envelope = zmsg_new();
    ck_assert_int_eq(cs_control_dispatch(s_ctl, "hold", 4, &s_req, reply, sizeof reply), 1);
    ck_assert_ptr_null(s_req.envelope);
    ck_assert_ptr_nonnull(s_held);
}
END_TEST

/* Random bodies, hostile sizes and word counts: every answer is one JSON object with "ok". */
START_TEST(dispatch_any_body_gets_a_json_answer)
{
    static uint8_t body[CS_CONTROL_RECEIVE_MAX];
    static const char *const words[] = { "echo",
                                         "fail",
                                         "help",
                                         "status",
                                         "nope",
                                         " ",
                                         "\t",
                                         "\n",
                                         "\"",
                                         "\\",
                                         "1",
                                         "-1",
                                         "99999999999999999999" };
    char reply[CS_CONTROL_REPLY_MAX];

    srandom(1234);
    for (int i = 0; i < 20000; i++) {
        size_t n = 0;

        if (i % 3 == 0) { /* random bytes */
            n = (size_t) random() % (i % 100 == 0 ? sizeof body : 1200);
            for (size_t k = 0; k < n; k++)
                body[k] = (uint8_t) random();
        } else { /* random words */
            int count = (int) (random() % 12);

            for (int w = 0; w < count && n < 1100; w++) {
                const char *word = words[random() % (sizeof words / sizeof words[0])];

                memcpy(body + n, word, strlen(word));
                n += strlen(word);
                body[n++] = ' ';
            }
        }
        ck_assert_int_eq(s_dispatch(body, n, reply, sizeof reply), 0);
        s_json_ok(reply);
    }
}
END_TEST

/* --- through the socket ------------------------------------------------------------------ */

static int
s_on_answer(zloop_t *loop, zsock_t *sock, void *arg)
{
    char **answer = arg;

    *answer = zstr_recv(sock);
    return -1; /* ends the loop */
}

static int
s_on_give_up(zloop_t *loop, int timer_id, void *arg)
{
    return -1;
}

/* A DEALER message without the REQ envelope gets no answer; the next request does. */
START_TEST(socket_answers_well_formed_requests_only)
{
    zsock_t *dealer = zsock_new_dealer(s_endpoint);
    zsock_t *req = zsock_new_req(s_endpoint);
    char *answer = NULL;

    ck_assert_ptr_nonnull(dealer);
    ck_assert_ptr_nonnull(req);
    ck_assert_int_eq(zstr_send(dealer, "echo"), 0); /* no empty delimiter */
    ck_assert_int_eq(zstr_send(req, "echo 1 2"), 0);
    ck_assert_int_eq(zloop_reader(s_loop, req, s_on_answer, &answer), 0);
    ck_assert_int_ge(zloop_timer(s_loop, 5000, 1, s_on_give_up, NULL), 0);
    (void) zloop_start(s_loop);
    ck_assert_ptr_nonnull(answer);
    ck_assert_str_eq(answer, "{\"ok\":true,\"argc\":3}");
    ck_assert_int_eq(s_calls, 1);
    zsock_set_rcvtimeo(dealer, 0);
    ck_assert_ptr_null(zstr_recv(dealer));
    zstr_free(&answer);
    zloop_reader_end(s_loop, req);
    zsock_destroy(&req);
    zsock_destroy(&dealer);
}
END_TEST

Suite *
test_suite(void)
{
    Suite *s = suite_create("control");
    TCase *tc = tcase_create("parse");

    zsys_handler_set(NULL); /* no czmq signal handler, as in the daemons */
    tcase_add_test(tc, parse_splits_words_on_blanks);
    tcase_add_test(tc, parse_refuses_what_is_not_a_request);
    tcase_add_test(tc, parse_size_limit);
    tcase_add_test(tc, parse_takes_any_other_byte);
    suite_add_tcase(s, tc);
    tc = tcase_create("dispatch");
    tcase_add_checked_fixture(tc, s_setup, s_teardown);
    tcase_add_test(tc, dispatch_answers);
    tcase_add_test(tc, dispatch_escapes_unknown_command);
    tcase_add_test(tc, dispatch_held_request);
    tcase_add_test(tc, dispatch_any_body_gets_a_json_answer);
    tcase_add_test(tc, socket_answers_well_formed_requests_only);
    suite_add_tcase(s, tc);
    return s;
}
