/* pubd's fan-out (fanout.c), driven in-process over inproc sockets: one XPUB with one SUB whose
 * queues hold very little, so that "a subscriber has no room" is a state the test sets up by
 * not reading. A frame held for it pauses the ingest, goes once there is room and is counted
 * once; an end-of-stream waits for room and is delivered and counted once; a subscriber that
 * missed a frame of the run still gets the run's end-of-stream; at the stop's deadline what is
 * held goes without waiting. */
#include "fanout.h"

#include <stdio.h>
#include <string.h>

#include <check.h>
#include <czmq.h>

#include "check-main.h"
#include "util.h"

#define S_TIMEOUT_MS 2000

enum s_kind { S_FRAME = 'F', S_EOS = 'E', S_FILLER = 'X' };

struct s_fixture {
    zloop_t *loop;
    zsock_t *pub;
    zsock_t *sub;
    fanout_t *fanout;
    struct pubd_counters c;
    unsigned paused, resumed, delivered;
    bool timed_out;
    /* what the subscriber read */
    uint64_t frames, fillers, eos;
    uint64_t next_seq; /* the seq of the next frame it expects */
    uint64_t gaps;     /* frames it found missing */
    /* when the subscriber's reader ends the loop */
    uint64_t stop_after_frames; /* 0: never */
    bool stop_on_eos;
    unsigned after_eos_ms; /* with stop_on_eos: how long it goes on reading after it */
    /* when the subscriber began to read */
    bool eos_pending_at_start;
    unsigned delivered_at_start;
    bool stop_on_delivered; /* end the loop once the waiting end-of-stream went */
};

static struct s_fixture s_fx;
/* A fresh endpoint per fixture: a closed socket's inproc name is freed only later, by
 * libzmq's reaper thread (with CK_FORK=no, tests follow each other in one process). */
static char s_endpoint[64];
static unsigned s_fixtures;

static int
s_on_quit(zloop_t *loop, int timer_id, void *arg)
{
    return -1;
}

/* Ends the loop at its next turn (a hook cannot return -1 itself). */
static void
s_quit(void)
{
    (void) zloop_timer(s_fx.loop, 0, 1, s_on_quit, NULL);
}

static void
s_pause(void *arg)
{
    s_fx.paused++;
}

static int
s_resume(void *arg)
{
    s_fx.resumed++;
    return 0;
}

static void
s_delivered(void *arg)
{
    s_fx.delivered++;
    if (s_fx.stop_on_delivered)
        s_quit();
}

static const struct fanout_hooks s_hooks = { s_pause, s_resume, s_delivered };

static void
s_setup(void)
{
    zmsg_t *sub_msg;
    zframe_t *f;

    zsys_handler_set(NULL);
    memset(&s_fx, 0, sizeof s_fx);
    (void) snprintf(s_endpoint, sizeof s_endpoint, "inproc://test-fanout-%u", s_fixtures++);
    s_fx.loop = zloop_new();
    ck_assert_ptr_nonnull(s_fx.loop);
    s_fx.pub = zsock_new(ZMQ_XPUB);
    s_fx.sub = zsock_new(ZMQ_SUB);
    ck_assert_ptr_nonnull(s_fx.pub);
    ck_assert_ptr_nonnull(s_fx.sub);
    /* An inproc pipe holds the sender's and the receiver's high-water marks together: two
     * messages here. */
    zsock_set_sndhwm(s_fx.pub, 1);
    zsock_set_rcvhwm(s_fx.sub, 1);
    zsock_set_rcvtimeo(s_fx.pub, S_TIMEOUT_MS);
    ck_assert_int_eq(zsock_bind(s_fx.pub, "%s", s_endpoint), 0);
    ck_assert_int_eq(zsock_connect(s_fx.sub, "%s", s_endpoint), 0);
    zsock_set_subscribe(s_fx.sub, "frame/test");
    /* The XPUB sends to a subscriber only once its subscription has arrived. */
    sub_msg = zmsg_recv(s_fx.pub);
    ck_assert_ptr_nonnull(sub_msg);
    f = zmsg_first(sub_msg);
    ck_assert_uint_ge(zframe_size(f), 1);
    ck_assert_uint_eq(zframe_data(f)[0], 1);
    zmsg_destroy(&sub_msg);
    s_fx.fanout = fanout_new(s_fx.loop, &s_fx.c, &s_hooks, NULL);
    ck_assert_ptr_nonnull(s_fx.fanout);
    ck_assert_int_eq(fanout_add(s_fx.fanout, s_fx.pub, s_endpoint), 0);
}

static void
s_teardown(void)
{
    fanout_destroy(&s_fx.fanout);
    ck_assert_ptr_null(s_fx.fanout);
    zsock_destroy(&s_fx.sub);
    zsock_destroy(&s_fx.pub);
    zloop_destroy(&s_fx.loop);
}

/* A message as pubd forwards it: topic, a header (here one byte: its kind), a payload (here
 * its seq). */
static void
s_make(zmq_msg_t parts[3], enum s_kind kind, uint64_t seq)
{
    const char *topic = "frame/test";
    uint8_t k = (uint8_t) kind;

    ck_assert_int_eq(zmq_msg_init_size(&parts[0], strlen(topic)), 0);
    memcpy(zmq_msg_data(&parts[0]), topic, strlen(topic));
    ck_assert_int_eq(zmq_msg_init_size(&parts[1], 1), 0);
    memcpy(zmq_msg_data(&parts[1]), &k, 1);
    ck_assert_int_eq(zmq_msg_init_size(&parts[2], sizeof seq), 0);
    memcpy(zmq_msg_data(&parts[2]), &seq, sizeof seq);
}

static void
s_close(zmq_msg_t parts[3])
{
    for (int k = 0; k < 3; k++)
        zmq_msg_close(&parts[k]);
}

/* Sends frame @seq through the fan-out, as pubd's ingest does (it closes what is left). */
static void
s_send_frame(uint64_t seq, bool hold)
{
    zmq_msg_t parts[3];

    s_make(parts, S_FRAME, seq);
    fanout_send(s_fx.fanout, parts, 3, hold);
    s_close(parts);
}

static void
s_send_eos(uint64_t seq)
{
    zmq_msg_t parts[3];

    s_make(parts, S_EOS, seq);
    fanout_send_eos(s_fx.fanout, parts, 3);
    s_close(parts);
}

/* Fills the subscriber's queue, past the fan-out, with messages it then reads first. Returns
 * how many went in. */
static uint64_t
s_fill(void)
{
    uint64_t n = 0;

    zsock_set_xpub_nodrop(s_fx.pub, 1);
    for (;;) {
        zmq_msg_t parts[3];
        void *h = zsock_resolve(s_fx.pub);
        int k;

        s_make(parts, S_FILLER, n);
        for (k = 0; k < 3; k++) {
            if (zmq_msg_send(&parts[k], h, ZMQ_DONTWAIT | (k < 2 ? ZMQ_SNDMORE : 0)) < 0)
                break;
        }
        s_close(parts);
        if (k < 3)
            break; /* with NODROP the first part decides: nothing of it went */
        n++;
    }
    zsock_set_xpub_nodrop(s_fx.pub, 0);
    return n;
}

/* The subscriber, reading one message per call. */
static int
s_on_sub(zloop_t *loop, zsock_t *sock, void *arg)
{
    zmsg_t *msg = zmsg_recv(sock);
    zframe_t *kind, *payload;
    uint64_t seq;
    uint8_t k;

    ck_assert_ptr_nonnull(msg);
    ck_assert_uint_eq(zmsg_size(msg), 3);
    (void) zmsg_first(msg);
    kind = zmsg_next(msg);
    payload = zmsg_next(msg);
    ck_assert_uint_eq(zframe_size(payload), sizeof seq);
    memcpy(&seq, zframe_data(payload), sizeof seq);
    k = zframe_data(kind)[0];
    switch (k) {
    case S_FRAME:
        s_fx.gaps += seq - s_fx.next_seq;
        s_fx.next_seq = seq + 1;
        s_fx.frames++;
        break;
    case S_EOS:
        s_fx.eos++;
        break;
    default:
        s_fx.fillers++;
    }
    zmsg_destroy(&msg);
    if (s_fx.stop_on_eos && s_fx.eos == 1 && k == S_EOS) {
        if (!s_fx.after_eos_ms)
            return -1;
        (void) zloop_timer(loop, s_fx.after_eos_ms, 1, s_on_quit, NULL);
    }
    if (s_fx.stop_after_frames && s_fx.frames >= s_fx.stop_after_frames)
        return -1;
    return 0;
}

static int
s_on_timeout(zloop_t *loop, int timer_id, void *arg)
{
    s_fx.timed_out = true;
    return -1;
}

static int
s_on_reader_start(zloop_t *loop, int timer_id, void *arg)
{
    s_fx.eos_pending_at_start = fanout_eos_pending(s_fx.fanout);
    s_fx.delivered_at_start = s_fx.delivered;
    ck_assert_int_eq(zloop_reader(loop, s_fx.sub, s_on_sub, NULL), 0);
    return 0;
}

#define S_NEVER UINT32_MAX

/* Runs the loop until the subscriber has what it waits for, or @timeout_ms. The subscriber
 * begins to read after @read_after_ms (S_NEVER: it does not). czmq's zloop runs once: a
 * stopped loop does not defer the end of a timer to its next turn. */
static void
s_run(uint32_t read_after_ms, uint32_t timeout_ms)
{
    if (read_after_ms == 0)
        ck_assert_int_ge(s_on_reader_start(s_fx.loop, -1, NULL), 0);
    else if (read_after_ms != S_NEVER)
        ck_assert_int_ge(zloop_timer(s_fx.loop, read_after_ms, 1, s_on_reader_start, NULL), 0);
    ck_assert_int_ge(zloop_timer(s_fx.loop, timeout_ms, 1, s_on_timeout, NULL), 0);
    (void) zloop_start(s_fx.loop);
}

/* Frames are sent with hold until one finds no room: that one is held and the ingest paused.
 * Returns how many frames were sent. */
static uint64_t
s_send_until_held(void)
{
    uint64_t seq;

    for (seq = 0; seq < 100 && !fanout_holding(s_fx.fanout); seq++)
        s_send_frame(seq, true);
    ck_assert_msg(fanout_holding(s_fx.fanout), "no frame was held after %llu frames",
                  (unsigned long long) seq);
    return seq;
}

START_TEST(held_frame_pauses_ingest_then_goes_once)
{
    uint64_t sent = s_send_until_held();

    ck_assert_uint_ge(sent, 2);
    ck_assert_uint_eq(s_fx.paused, 1);
    ck_assert_uint_eq(s_fx.resumed, 0);
    ck_assert_uint_eq(s_fx.c.held, 1);
    ck_assert_uint_eq(s_fx.c.out, sent - 1); /* the held one is not out yet */
    /* The subscriber reads again: the held frame is tried again until it goes. */
    s_fx.stop_after_frames = sent;
    s_run(0, S_TIMEOUT_MS);
    ck_assert_msg(!s_fx.timed_out, "the subscriber got %llu of %llu frames",
                  (unsigned long long) s_fx.frames, (unsigned long long) sent);
    ck_assert_uint_eq(s_fx.frames, sent);
    ck_assert_uint_eq(s_fx.gaps, 0);
    ck_assert(!fanout_holding(s_fx.fanout));
    ck_assert_uint_eq(s_fx.resumed, 1);
    ck_assert_uint_eq(s_fx.paused, 1);
    ck_assert_uint_eq(s_fx.c.held, 1);
    ck_assert_uint_eq(s_fx.c.out, sent); /* the held frame counted once, when it went */
    ck_assert_uint_eq(s_fx.c.send_failed, 0);
}
END_TEST

START_TEST(frame_without_hold_is_missed_not_held)
{
    uint64_t filled = s_fill();

    ck_assert_uint_gt(filled, 0);
    s_send_frame(0, false);
    /* Sent (to every subscriber with room: none), not held, and the ingest goes on. */
    ck_assert(!fanout_holding(s_fx.fanout));
    ck_assert_uint_eq(s_fx.paused, 0);
    ck_assert_uint_eq(s_fx.c.held, 0);
    ck_assert_uint_eq(s_fx.c.out, 1);
    ck_assert_uint_eq(s_fx.c.send_failed, 0);
}
END_TEST

START_TEST(eos_waits_for_room_and_is_delivered_once)
{
    uint64_t filled = s_fill();

    ck_assert_uint_gt(filled, 0);
    s_send_eos(7);
    ck_assert(fanout_eos_pending(s_fx.fanout));
    ck_assert_uint_eq(s_fx.c.out, 0);
    /* Nobody reads for 100 ms (10 retries): it waits and is not lost. Then the subscriber
     * reads: behind what filled its queue comes the end-of-stream, once; it goes on reading
     * for longer than the resend period (250 ms), and no second one comes. */
    s_fx.stop_on_eos = true;
    s_fx.after_eos_ms = 300;
    s_run(100, S_TIMEOUT_MS);
    ck_assert(!s_fx.timed_out);
    ck_assert(s_fx.eos_pending_at_start);
    ck_assert_uint_eq(s_fx.delivered_at_start, 0);
    ck_assert_uint_eq(s_fx.fillers, filled);
    ck_assert_uint_eq(s_fx.eos, 1);
    ck_assert(!fanout_eos_pending(s_fx.fanout));
    ck_assert_uint_eq(s_fx.delivered, 1);
    ck_assert_uint_eq(s_fx.c.out, 1);
    ck_assert_uint_eq(s_fx.c.send_failed, 0);
}
END_TEST

START_TEST(eos_reaches_a_subscriber_that_missed_a_frame)
{
    uint64_t filled = s_fill();

    /* The subscriber misses frame 0; XPUB then leaves it out of every send, the end-of-stream
     * included, until it has read its queue down. */
    s_send_frame(0, false);
    s_send_eos(1);
    s_fx.stop_on_eos = true;
    s_run(0, S_TIMEOUT_MS);
    ck_assert_msg(!s_fx.timed_out, "no end-of-stream after %llu of %llu fillers",
                  (unsigned long long) s_fx.fillers, (unsigned long long) filled);
    ck_assert_uint_eq(s_fx.fillers, filled);
    ck_assert_uint_eq(s_fx.frames, 0);
    ck_assert_uint_eq(s_fx.eos, 1);
}
END_TEST

START_TEST(new_run_stops_sending_the_old_eos_again)
{
    (void) s_fill();
    s_send_frame(0, false);
    s_send_eos(1);
    fanout_new_run(s_fx.fanout);
    /* The subscriber reads everything there is, for longer than the resend period: the old
     * run's end-of-stream, which it could not get, does not come. */
    s_run(0, 300);
    ck_assert(s_fx.timed_out);
    ck_assert_uint_eq(s_fx.eos, 0);
}
END_TEST

START_TEST(at_the_deadline_a_held_eos_goes_without_waiting)
{
    (void) s_fill();
    s_send_eos(3);
    ck_assert(fanout_eos_pending(s_fx.fanout));
    fanout_set_deadline(s_fx.fanout, cs_now_ns(CLOCK_MONOTONIC));
    s_fx.stop_on_delivered = true;
    /* Nobody reads: at its next retry it is sent, lossily, counted once. */
    s_run(S_NEVER, S_TIMEOUT_MS);
    ck_assert(!s_fx.timed_out);
    ck_assert_uint_eq(s_fx.delivered, 1);
    ck_assert(!fanout_eos_pending(s_fx.fanout));
    ck_assert_uint_eq(s_fx.c.out, 1);
    ck_assert_uint_eq(s_fx.c.send_failed, 0);
}
END_TEST

START_TEST(finish_sends_a_held_frame_and_does_not_resume)
{
    uint64_t sent = s_send_until_held();

    fanout_set_deadline(s_fx.fanout, cs_now_ns(CLOCK_MONOTONIC));
    fanout_finish(s_fx.fanout);
    ck_assert_uint_eq(s_fx.c.out, sent);
    ck_assert_uint_eq(s_fx.c.held, 1);
    ck_assert_uint_eq(s_fx.resumed, 0);
}
END_TEST

Suite *
test_suite(void)
{
    Suite *s = suite_create("fanout");
    TCase *tc;

    tc = tcase_create("hold");
    tcase_add_checked_fixture(tc, s_setup, s_teardown);
    tcase_add_test(tc, held_frame_pauses_ingest_then_goes_once);
    tcase_add_test(tc, frame_without_hold_is_missed_not_held);
    suite_add_tcase(s, tc);
    tc = tcase_create("end-of-stream");
    tcase_add_checked_fixture(tc, s_setup, s_teardown);
    tcase_add_test(tc, eos_waits_for_room_and_is_delivered_once);
    tcase_add_test(tc, eos_reaches_a_subscriber_that_missed_a_frame);
    tcase_add_test(tc, new_run_stops_sending_the_old_eos_again);
    suite_add_tcase(s, tc);
    tc = tcase_create("stop");
    tcase_add_checked_fixture(tc, s_setup, s_teardown);
    tcase_add_test(tc, at_the_deadline_a_held_eos_goes_without_waiting);
    tcase_add_test(tc, finish_sends_a_held_frame_and_does_not_resume);
    suite_add_tcase(s, tc);
    return s;
}
