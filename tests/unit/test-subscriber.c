/* The subscriber's hand-over of a frame: frame_msg gets the payload as a message that it may
 * keep without a copy, the borrowed-pointer frame callback still works, and reading can be
 * stopped. Messages are handed in with cs_sub_handle_parts(). */
#include "subscriber.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <czmq.h>

#include "check-main.h"
#include "pixfmt.h"

#define S_W 16
#define S_H 4

struct s_state {
    int frames, begun;
    uint64_t last_seq;
    bool take;
    zmq_msg_t kept[4];
    int n_kept;
    uint8_t seen[S_W * S_H];
};

static int
s_run_begin(void *arg, const struct cs_frame_hdr *hdr)
{
    ((struct s_state *) arg)->begun++;
    return 0;
}

static int
s_frame_msg(void *arg, const struct cs_frame_hdr *hdr, zmq_msg_t *payload,
            const struct cs_gap *gaps, size_t n_gaps)
{
    struct s_state *st = arg;

    st->frames++;
    st->last_seq = hdr->seq;
    ck_assert_uint_eq(zmq_msg_size(payload), hdr->payload_size);
    memcpy(st->seen, zmq_msg_data(payload), sizeof st->seen);
    if (st->take && st->n_kept < 4) {
        zmq_msg_init(&st->kept[st->n_kept]);
        ck_assert_int_eq(zmq_msg_move(&st->kept[st->n_kept++], payload), 0);
    }
    return 0;
}

static int
s_frame(void *arg, const struct cs_frame_hdr *hdr, const void *pixels, const struct cs_gap *gaps,
        size_t n_gaps)
{
    struct s_state *st = arg;

    st->frames++;
    st->last_seq = hdr->seq;
    memcpy(st->seen, pixels, sizeof st->seen);
    return 0;
}

/* Hands frame @seq of run 7, whose every byte is @fill, to @sub. */
static void
s_feed(cs_sub_t *sub, uint64_t seq, uint8_t fill)
{
    struct cs_frame_hdr h = { .fourcc = cs_pixfmt_info(CS_PIXFMT_GREY)->fourcc,
                              .run = 7,
                              .seq = seq,
                              .capture_ns = 1,
                              .width = S_W,
                              .height = S_H,
                              .stride = S_W,
                              .payload_size = S_W * S_H };
    uint8_t hdr[CS_FRAME_HDR_SIZE], pixels[S_W * S_H];
    char topic[CS_TOPIC_MAX];
    size_t len = cs_topic_format(CS_MSG_FRAME, "cam", topic);
    struct cs_part parts[3] = { { topic, len }, { hdr, sizeof hdr }, { pixels, sizeof pixels } };

    cs_frame_hdr_encode(&h, hdr);
    memset(pixels, fill, sizeof pixels);
    cs_sub_handle_parts(sub, parts, 3);
}

START_TEST(frame_msg_payload_can_be_kept)
{
    static const struct cs_sub_ops ops = { .run_begin = s_run_begin, .frame_msg = s_frame_msg };
    struct s_state st = { .take = true };
    zloop_t *loop = zloop_new();
    cs_sub_t *sub = cs_sub_new(loop, "inproc://cs-test-sub-keep", "cam", 10, NULL, &ops, &st);

    ck_assert_ptr_nonnull(sub);
    s_feed(sub, 0, 0xa5);
    s_feed(sub, 1, 0x5a);
    ck_assert_int_eq(st.begun, 1);
    ck_assert_int_eq(st.frames, 2);
    ck_assert_int_eq(st.n_kept, 2);
    /* The messages outlive the calls, with their pixels. */
    ck_assert_uint_eq(zmq_msg_size(&st.kept[0]), S_W * S_H);
    ck_assert_uint_eq(((uint8_t *) zmq_msg_data(&st.kept[0]))[S_W * S_H - 1], 0xa5);
    ck_assert_uint_eq(((uint8_t *) zmq_msg_data(&st.kept[1]))[0], 0x5a);
    for (int i = 0; i < st.n_kept; i++)
        ck_assert_int_eq(zmq_msg_close(&st.kept[i]), 0);
    ck_assert_uint_eq(cs_sub_ledger(sub)->received, 2);
    cs_sub_destroy(&sub);
    ck_assert_ptr_null(sub);
    zloop_destroy(&loop);
}
END_TEST

START_TEST(frame_msg_payload_left_is_closed)
{
    static const struct cs_sub_ops ops = { .frame_msg = s_frame_msg };
    struct s_state st = { .take = false };
    zloop_t *loop = zloop_new();
    cs_sub_t *sub = cs_sub_new(loop, "inproc://cs-test-sub-leave", "cam", 10, NULL, &ops, &st);

    s_feed(sub, 5, 0x11);
    ck_assert_int_eq(st.frames, 1);
    ck_assert_uint_eq(st.seen[0], 0x11);
    ck_assert_int_eq(st.n_kept, 0); /* nothing kept, nothing leaked (valgrind, ASan) */
    cs_sub_stop_reading(sub);
    cs_sub_stop_reading(sub); /* twice is fine */
    cs_sub_destroy(&sub);
    zloop_destroy(&loop);
}
END_TEST

START_TEST(borrowed_frame_callback_still_works)
{
    static const struct cs_sub_ops ops = { .frame = s_frame };
    struct s_state st = { 0 };
    zloop_t *loop = zloop_new();
    cs_sub_t *sub = cs_sub_new(loop, "inproc://cs-test-sub-borrow", "cam", 10, NULL, &ops, &st);

    s_feed(sub, 3, 0x42);
    ck_assert_int_eq(st.frames, 1);
    ck_assert_uint_eq(st.last_seq, 3);
    ck_assert_uint_eq(st.seen[S_W * S_H - 1], 0x42);
    cs_sub_destroy(&sub);
    zloop_destroy(&loop);
}
END_TEST

Suite *
test_suite(void)
{
    Suite *s = suite_create("subscriber");
    TCase *tc = tcase_create("hand_over");

    tcase_add_test(tc, frame_msg_payload_can_be_kept);
    tcase_add_test(tc, frame_msg_payload_left_is_closed);
    tcase_add_test(tc, borrowed_frame_callback_still_works);
    suite_add_tcase(s, tc);
    return s;
}
