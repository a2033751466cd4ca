/* Unit tests of common/ledger.h, the loss ledger every subscriber keeps: sequence gaps (network
 * then camera part), late joins, end-of-stream with a tail loss, runs cut by a new run, stale
 * frames, totals over runs, and the invariant received + lost (+ camera) == frames numbered. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check-main.h"
#include "frame.h"
#include "ledger.h"
#include "pixfmt.h"

static struct cs_ledger s_l;

static void
s_setup(void)
{
    memset(&s_l, 0xa5, sizeof s_l); /* init must not rely on zeroed memory */
    cs_ledger_init(&s_l);
}

static struct cs_frame_hdr
s_frame(uint64_t run, uint64_t seq, uint32_t camera_skipped)
{
    struct cs_frame_hdr h = {
        .version = CS_FRAME_VERSION,
        .header_size = CS_FRAME_HDR_SIZE,
        .fourcc = CS_FOURCC('G', 'R', 'E', 'Y'),
        .run = run,
        .seq = seq,
        .width = 4,
        .height = 2,
        .stride = 4,
        .payload_size = 8,
        .camera_skipped = camera_skipped,
    };
    return h;
}

/* Feeds frame (@run, @seq); asserts the verdict and that no gap was reported. */
static void
s_feed(uint64_t run, uint64_t seq, enum cs_ledger_verdict want)
{
    struct cs_frame_hdr h = s_frame(run, seq, 0);
    struct cs_gap gaps[2];
    size_t n = 99;

    ck_assert_int_eq(cs_ledger_frame(&s_l, &h, gaps, &n), want);
    ck_assert_msg(n == 0, "frame %llu of run %llu: %zu gaps, expected none",
                  (unsigned long long) seq, (unsigned long long) run, n);
}

/* Feeds frames @first..@last of @run (the first of them with verdict @first_verdict). */
static void
s_feed_range(uint64_t run, uint64_t first, uint64_t last, enum cs_ledger_verdict first_verdict)
{
    for (uint64_t s = first; s <= last; s++)
        s_feed(run, s, s == first ? first_verdict : CS_LEDGER_NEXT);
}

static bool
s_eos_skipped(uint64_t run, uint64_t n_frames, uint32_t camera_skipped, struct cs_gap ret_gaps[2],
              size_t *ret_n)
{
    struct cs_frame_hdr h = s_frame(run, n_frames, camera_skipped);

    h.flags = CS_FRAME_FLAG_EOS;
    h.payload_size = 0;
    return cs_ledger_eos(&s_l, &h, ret_gaps, ret_n);
}

/* End of run @run after @n_frames frames, with no camera drop at its tail (so one gap at
 * most, returned in @ret_gap). */
static bool
s_eos(uint64_t run, uint64_t n_frames, struct cs_gap *ret_gap, size_t *ret_n)
{
    struct cs_gap gaps[2];
    bool ended = s_eos_skipped(run, n_frames, 0, gaps, ret_n);

    ck_assert_uint_le(*ret_n, 1);
    if (*ret_n)
        *ret_gap = gaps[0];
    return ended;
}

static void
s_assert_gap(const struct cs_gap *g, uint64_t first_seq, uint64_t count, enum cs_gap_reason reason)
{
    ck_assert_uint_eq(g->first_seq, first_seq);
    ck_assert_uint_eq(g->count, count);
    ck_assert_msg(g->reason == reason, "gap reason %s, expected %s", cs_gap_reason_name(g->reason),
                  cs_gap_reason_name(reason));
}

/* ---- one run ---- */

START_TEST(init_is_empty)
{
    ck_assert(!s_l.cur.active);
    ck_assert_uint_eq(s_l.received, 0);
    ck_assert_uint_eq(s_l.lost, 0);
    ck_assert_uint_eq(s_l.camera, 0);
    ck_assert_uint_eq(s_l.stale, 0);
    ck_assert_uint_eq(s_l.runs, 0);
    ck_assert_uint_eq(s_l.runs_ended, 0);
    ck_assert_uint_eq(s_l.runs_cut, 0);
}
END_TEST

START_TEST(contiguous_run)
{
    struct cs_gap gap;
    size_t n = 99;

    s_feed_range(3, 0, 99, CS_LEDGER_NEW_RUN);
    ck_assert(s_l.cur.active);
    ck_assert_uint_eq(s_l.cur.run, 3);
    ck_assert_uint_eq(s_l.cur.first_seq, 0);
    ck_assert_uint_eq(s_l.cur.next_seq, 100);
    ck_assert_uint_eq(s_l.cur.received, 100);
    ck_assert_uint_eq(s_l.cur.lost, 0);
    ck_assert_uint_eq(s_l.cur.camera, 0);
    ck_assert(s_eos(3, 100, &gap, &n));
    ck_assert_uint_eq(n, 0);
    ck_assert(!s_l.cur.active);
    ck_assert_uint_eq(s_l.runs, 1);
    ck_assert_uint_eq(s_l.runs_ended, 1);
    ck_assert_uint_eq(s_l.runs_cut, 0);
    ck_assert_uint_eq(s_l.received, 100);
    ck_assert_uint_eq(s_l.lost, 0);
    ck_assert_uint_eq(s_l.stale, 0);
}
END_TEST

START_TEST(network_gap_in_the_middle)
{
    struct cs_frame_hdr h = s_frame(1, 15, 0);
    struct cs_gap gaps[2];
    size_t n = 99;

    s_feed_range(1, 0, 9, CS_LEDGER_NEW_RUN);
    ck_assert_int_eq(cs_ledger_frame(&s_l, &h, gaps, &n), CS_LEDGER_NEXT);
    ck_assert_uint_eq(n, 1);
    s_assert_gap(&gaps[0], 10, 5, CS_GAP_NETWORK);
    ck_assert_uint_eq(s_l.cur.lost, 5);
    ck_assert_uint_eq(s_l.lost, 5);
    ck_assert_uint_eq(s_l.cur.camera, 0);
    ck_assert_uint_eq(s_l.cur.received, 11);
    ck_assert_uint_eq(s_l.cur.next_seq, 16);
    s_feed_range(1, 16, 19, CS_LEDGER_NEXT);
    ck_assert_uint_eq(s_l.cur.lost, 5);
    ck_assert_uint_eq(s_l.cur.received, 15);
}
END_TEST

START_TEST(single_frame_gap)
{
    struct cs_frame_hdr h = s_frame(1, 2, 0);
    struct cs_gap gaps[2];
    size_t n;

    s_feed(1, 0, CS_LEDGER_NEW_RUN);
    ck_assert_int_eq(cs_ledger_frame(&s_l, &h, gaps, &n), CS_LEDGER_NEXT);
    ck_assert_uint_eq(n, 1);
    s_assert_gap(&gaps[0], 1, 1, CS_GAP_NETWORK);
}
END_TEST

/* camerad numbered 10..19, the camera dropped 16..19 (camera_skipped 4 on frame 20), and the
 * network lost 10..15. */
START_TEST(camera_skipped_splits_gap)
{
    struct cs_frame_hdr h = s_frame(1, 20, 4);
    struct cs_gap gaps[2];
    size_t n = 99;

    s_feed_range(1, 0, 9, CS_LEDGER_NEW_RUN);
    ck_assert_int_eq(cs_ledger_frame(&s_l, &h, gaps, &n), CS_LEDGER_NEXT);
    ck_assert_uint_eq(n, 2);
    s_assert_gap(&gaps[0], 10, 6, CS_GAP_NETWORK);
    s_assert_gap(&gaps[1], 16, 4, CS_GAP_CAMERA);
    ck_assert_uint_eq(s_l.cur.lost, 6);
    ck_assert_uint_eq(s_l.cur.camera, 4);
    ck_assert_uint_eq(s_l.lost, 6);
    ck_assert_uint_eq(s_l.camera, 4);
    ck_assert_uint_eq(s_l.cur.received, 11);
}
END_TEST

START_TEST(camera_skipped_equals_gap)
{
    struct cs_frame_hdr h = s_frame(1, 13, 3);
    struct cs_gap gaps[2];
    size_t n = 99;

    s_feed_range(1, 0, 9, CS_LEDGER_NEW_RUN);
    ck_assert_int_eq(cs_ledger_frame(&s_l, &h, gaps, &n), CS_LEDGER_NEXT);
    ck_assert_uint_eq(n, 1);
    s_assert_gap(&gaps[0], 10, 3, CS_GAP_CAMERA);
    ck_assert_uint_eq(s_l.cur.lost, 0);
    ck_assert_uint_eq(s_l.cur.camera, 3);
}
END_TEST

/* A camera_skipped larger than the gap cannot all be before this frame: only the gap counts. */
START_TEST(camera_skipped_larger_than_gap)
{
    struct cs_frame_hdr h = s_frame(1, 12, 5);
    struct cs_gap gaps[2];
    size_t n = 99;

    s_feed_range(1, 0, 9, CS_LEDGER_NEW_RUN);
    ck_assert_int_eq(cs_ledger_frame(&s_l, &h, gaps, &n), CS_LEDGER_NEXT);
    ck_assert_uint_eq(n, 1);
    s_assert_gap(&gaps[0], 10, 2, CS_GAP_CAMERA);
    ck_assert_uint_eq(s_l.cur.lost, 0);
    ck_assert_uint_eq(s_l.cur.camera, 2);
    /* and with no gap at all, nothing */
    h = s_frame(1, 13, 7);
    ck_assert_int_eq(cs_ledger_frame(&s_l, &h, gaps, &n), CS_LEDGER_NEXT);
    ck_assert_uint_eq(n, 0);
    ck_assert_uint_eq(s_l.cur.camera, 2);
    ck_assert_uint_eq(s_l.cur.lost, 0);
}
END_TEST

START_TEST(late_join_is_not_a_loss)
{
    struct cs_frame_hdr h = s_frame(8, 500, 3);
    struct cs_gap gaps[2], gap;
    size_t n = 99;

    /* The camera dropped 497..499 just before the first frame seen: the run is taken to start
     * there, with those three as camera drops and nothing lost. */
    ck_assert_int_eq(cs_ledger_frame(&s_l, &h, gaps, &n), CS_LEDGER_NEW_RUN);
    ck_assert_uint_eq(n, 1);
    s_assert_gap(&gaps[0], 497, 3, CS_GAP_CAMERA);
    ck_assert_uint_eq(s_l.cur.first_seq, 497);
    ck_assert_uint_eq(s_l.cur.next_seq, 501);
    ck_assert_uint_eq(s_l.cur.lost, 0);
    ck_assert_uint_eq(s_l.cur.camera, 3);
    s_feed_range(8, 501, 509, CS_LEDGER_NEXT);
    ck_assert(s_eos(8, 510, &gap, &n));
    ck_assert_uint_eq(n, 0);
    ck_assert_uint_eq(s_l.cur.received, 10);
    ck_assert_uint_eq(s_l.cur.received + s_l.cur.lost + s_l.cur.camera, 510 - s_l.cur.first_seq);
    ck_assert_uint_eq(s_l.lost, 0);
}
END_TEST

START_TEST(eos_with_tail_loss)
{
    struct cs_gap gap;
    size_t n = 99;

    s_feed_range(2, 0, 7, CS_LEDGER_NEW_RUN);
    ck_assert(s_eos(2, 10, &gap, &n));
    ck_assert_uint_eq(n, 1);
    s_assert_gap(&gap, 8, 2, CS_GAP_NETWORK);
    ck_assert_uint_eq(s_l.cur.lost, 2);
    ck_assert_uint_eq(s_l.lost, 2);
    ck_assert_uint_eq(s_l.cur.next_seq, 10);
    ck_assert(!s_l.cur.active);
    ck_assert_uint_eq(s_l.runs_ended, 1);
    ck_assert_uint_eq(s_l.cur.received + s_l.cur.lost, 10);
}
END_TEST

START_TEST(eos_of_unknown_run_ignored)
{
    struct cs_gap gap;
    size_t n = 99;

    /* before any frame */
    ck_assert(!s_eos(0, 10, &gap, &n));
    ck_assert_uint_eq(n, 0);
    ck_assert(!s_eos(5, 10, &gap, &n));
    ck_assert_uint_eq(s_l.runs_ended, 0);
    ck_assert_uint_eq(s_l.lost, 0);
    /* another run than the active one */
    s_feed_range(6, 0, 4, CS_LEDGER_NEW_RUN);
    n = 99;
    ck_assert(!s_eos(5, 10, &gap, &n));
    ck_assert_uint_eq(n, 0);
    ck_assert(s_l.cur.active);
    ck_assert_uint_eq(s_l.cur.run, 6);
    ck_assert_uint_eq(s_l.runs_ended, 0);
    ck_assert_uint_eq(s_l.lost, 0);
    /* the second end of a run already ended */
    ck_assert(s_eos(6, 5, &gap, &n));
    ck_assert(!s_eos(6, 5, &gap, &n));
    ck_assert(!s_eos(6, 9, &gap, &n));
    ck_assert_uint_eq(n, 0);
    ck_assert_uint_eq(s_l.runs_ended, 1);
    ck_assert_uint_eq(s_l.lost, 0);
}
END_TEST

/* ---- several runs ---- */

START_TEST(new_run_cuts_active_one)
{
    struct cs_gap gap;
    size_t n;

    s_feed_range(1, 0, 4, CS_LEDGER_NEW_RUN);
    s_feed(2, 0, CS_LEDGER_NEW_RUN);
    ck_assert_uint_eq(s_l.runs, 2);
    ck_assert_uint_eq(s_l.runs_cut, 1);
    ck_assert_uint_eq(s_l.runs_ended, 0);
    ck_assert_uint_eq(s_l.cur.run, 2);
    ck_assert_uint_eq(s_l.cur.received, 1);
    ck_assert_uint_eq(s_l.cur.first_seq, 0);
    ck_assert(s_l.cur.active);
    ck_assert_uint_eq(s_l.received, 6);
    /* a new run after an orderly end is not a cut */
    ck_assert(s_eos(2, 1, &gap, &n));
    s_feed(3, 0, CS_LEDGER_NEW_RUN);
    ck_assert_uint_eq(s_l.runs, 3);
    ck_assert_uint_eq(s_l.runs_cut, 1);
    ck_assert_uint_eq(s_l.runs_ended, 1);
    /* a run id going back is a new run too, not a stale frame */
    s_feed(1, 50, CS_LEDGER_NEW_RUN);
    ck_assert_uint_eq(s_l.runs_cut, 2);
    ck_assert_uint_eq(s_l.cur.first_seq, 50);
}
END_TEST

START_TEST(cut_without_eos)
{
    struct cs_gap gap;
    size_t n;

    cs_ledger_cut(&s_l); /* nothing active: nothing to cut */
    ck_assert_uint_eq(s_l.runs_cut, 0);
    s_feed_range(4, 0, 2, CS_LEDGER_NEW_RUN);
    cs_ledger_cut(&s_l);
    ck_assert(!s_l.cur.active);
    ck_assert_uint_eq(s_l.runs_cut, 1);
    cs_ledger_cut(&s_l);
    ck_assert_uint_eq(s_l.runs_cut, 1);
    ck_assert(!s_eos(4, 3, &gap, &n)); /* its end is no longer expected */
    ck_assert_uint_eq(s_l.runs_ended, 0);
}
END_TEST

START_TEST(stale_frames_counted_and_ignored)
{
    struct cs_frame_hdr h;
    struct cs_gap gaps[2], gap;
    size_t n = 99;

    s_feed_range(1, 0, 9, CS_LEDGER_NEW_RUN);
    s_feed(1, 5, CS_LEDGER_STALE); /* behind */
    s_feed(1, 9, CS_LEDGER_STALE); /* a duplicate of the last */
    s_feed(1, 0, CS_LEDGER_STALE);
    ck_assert_uint_eq(s_l.stale, 3);
    ck_assert_uint_eq(s_l.cur.received, 10);
    ck_assert_uint_eq(s_l.received, 10);
    ck_assert_uint_eq(s_l.cur.next_seq, 10);
    ck_assert_uint_eq(s_l.runs, 1);
    /* a stale frame with camera_skipped counts nothing either */
    h = s_frame(1, 3, 2);
    ck_assert_int_eq(cs_ledger_frame(&s_l, &h, gaps, &n), CS_LEDGER_STALE);
    ck_assert_uint_eq(n, 0);
    ck_assert_uint_eq(s_l.camera, 0);
    s_feed(1, 10, CS_LEDGER_NEXT);
    /* a straggler of a run that has ended is stale, not a new run */
    ck_assert(s_eos(1, 11, &gap, &n));
    s_feed(1, 7, CS_LEDGER_STALE);
    ck_assert_uint_eq(s_l.stale, 5);
    ck_assert_uint_eq(s_l.runs, 1);
    ck_assert_uint_eq(s_l.runs_cut, 0);
}
END_TEST

START_TEST(totals_across_runs)
{
    struct cs_frame_hdr h;
    struct cs_gap gaps[2], gap;
    size_t n;

    /* run 1: 0..19 numbered, 5..6 lost, tail 18..19 lost */
    s_feed_range(1, 0, 4, CS_LEDGER_NEW_RUN);
    h = s_frame(1, 7, 0);
    ck_assert_int_eq(cs_ledger_frame(&s_l, &h, gaps, &n), CS_LEDGER_NEXT);
    s_feed_range(1, 8, 17, CS_LEDGER_NEXT);
    ck_assert(s_eos(1, 20, &gap, &n));
    ck_assert_uint_eq(s_l.cur.received, 16);
    ck_assert_uint_eq(s_l.cur.lost, 4);
    /* run 2: joined at 100, camera dropped 3 before 110, network lost 105..106 */
    s_feed_range(2, 100, 104, CS_LEDGER_NEW_RUN);
    h = s_frame(2, 110, 3);
    ck_assert_int_eq(cs_ledger_frame(&s_l, &h, gaps, &n), CS_LEDGER_NEXT);
    ck_assert_uint_eq(n, 2);
    s_assert_gap(&gaps[0], 105, 2, CS_GAP_NETWORK);
    s_assert_gap(&gaps[1], 107, 3, CS_GAP_CAMERA);
    ck_assert(s_eos(2, 111, &gap, &n));
    ck_assert_uint_eq(n, 0);
    ck_assert_uint_eq(s_l.cur.received, 6);
    ck_assert_uint_eq(s_l.cur.lost, 2);
    ck_assert_uint_eq(s_l.cur.camera, 3);
    /* run 3: cut after 3 frames */
    s_feed_range(3, 0, 2, CS_LEDGER_NEW_RUN);
    cs_ledger_cut(&s_l);

    ck_assert_uint_eq(s_l.received, 16 + 6 + 3);
    ck_assert_uint_eq(s_l.lost, 4 + 2);
    ck_assert_uint_eq(s_l.camera, 3);
    ck_assert_uint_eq(s_l.runs, 3);
    ck_assert_uint_eq(s_l.runs_ended, 2);
    ck_assert_uint_eq(s_l.runs_cut, 1);
    ck_assert_uint_eq(s_l.stale, 0);
}
END_TEST

/* ---- the invariant, on a long run with random losses ---- */

/* camerad numbers N frames; the network drops some, the camera skips some (the frame after a
 * camera skip carries camera_skipped); the subscriber joins at @join. At EOS:
 *   received + lost + camera == N - join, and with no camera drops received + lost == N - join;
 * and the gaps reported add up to lost and camera, each at the right place. */
START_TEST(invariant_random_losses)
{
    const uint64_t n_frames = 5000, join = _i == 0 ? 0 : 37;
    const bool with_camera = _i == 2;
    uint64_t sum_lost = 0, sum_camera = 0, expect_lost = 0, expect_camera = 0, pending = 0;
    uint64_t received = 0, next = join;
    struct cs_gap gaps[2], gap;
    size_t n;

    srand(4242u + (unsigned) _i);
    for (uint64_t seq = join; seq < n_frames; seq++) {
        int dice = rand() % 100;
        struct cs_frame_hdr h;

        if (seq != join && seq != n_frames - 1 && dice < 10) { /* the network drops it */
            expect_lost++;
            pending = 0; /* a camera skip before it is followed by a network loss */
            continue;
        }
        if (with_camera && seq != join && seq != n_frames - 1 && dice < 15) {
            expect_camera++; /* the camera never delivered it */
            pending++;
            continue;
        }
        h = s_frame(9, seq, (uint32_t) pending);
        ck_assert_int_eq(cs_ledger_frame(&s_l, &h, gaps, &n),
                         seq == join ? CS_LEDGER_NEW_RUN : CS_LEDGER_NEXT);
        for (size_t i = 0; i < n; i++) {
            ck_assert_uint_ge(gaps[i].first_seq, next);
            ck_assert_uint_le(gaps[i].first_seq + gaps[i].count, seq);
            if (gaps[i].reason == CS_GAP_CAMERA) {
                ck_assert_uint_eq(gaps[i].first_seq + gaps[i].count, seq);
                sum_camera += gaps[i].count;
            } else {
                ck_assert_int_eq(gaps[i].reason, CS_GAP_NETWORK);
                sum_lost += gaps[i].count;
            }
        }
        pending = 0;
        next = seq + 1;
        received++;
    }
    ck_assert(s_eos(9, n_frames, &gap, &n));
    ck_assert_uint_eq(n, 0); /* the last frame was delivered */

    ck_assert_uint_eq(s_l.cur.received, received);
    ck_assert_uint_eq(s_l.cur.first_seq, join);
    ck_assert_uint_gt(s_l.cur.lost, 0);
    ck_assert_uint_eq(s_l.cur.received + s_l.cur.lost + s_l.cur.camera, n_frames - join);
    if (!with_camera)
        ck_assert_uint_eq(s_l.cur.received + s_l.cur.lost, n_frames - join);
    ck_assert_uint_eq(sum_lost, s_l.cur.lost);
    ck_assert_uint_eq(sum_camera, s_l.cur.camera);
    /* camera skips cut short by a network loss are counted as network loss: the ledger can
     * only attribute the frames just before the one that carries camera_skipped */
    ck_assert_uint_eq(s_l.cur.lost + s_l.cur.camera, expect_lost + expect_camera);
    ck_assert_uint_le(s_l.cur.camera, expect_camera);
}
END_TEST

/* The same with a tail loss: the frames after the last one delivered are lost at EOS. */
START_TEST(invariant_with_tail_loss)
{
    struct cs_frame_hdr h = s_frame(5, 20, 0);
    struct cs_gap gaps[2], gap;
    size_t n;

    s_feed_range(5, 0, 10, CS_LEDGER_NEW_RUN);
    ck_assert_int_eq(cs_ledger_frame(&s_l, &h, gaps, &n), CS_LEDGER_NEXT);
    ck_assert_uint_eq(n, 1);
    s_assert_gap(&gaps[0], 11, 9, CS_GAP_NETWORK);
    s_feed_range(5, 21, 30, CS_LEDGER_NEXT);
    ck_assert(s_eos(5, 45, &gap, &n));
    ck_assert_uint_eq(n, 1);
    s_assert_gap(&gap, 31, 14, CS_GAP_NETWORK);
    ck_assert_uint_eq(s_l.cur.received, 22);
    ck_assert_uint_eq(s_l.cur.lost, 9 + 14);
    ck_assert_uint_eq(s_l.cur.received + s_l.cur.lost, 45);
}
END_TEST

START_TEST(gap_reason_names)
{
    ck_assert_str_eq(cs_gap_reason_name(CS_GAP_NETWORK), "network");
    ck_assert_str_eq(cs_gap_reason_name(CS_GAP_CAMERA), "camera");
    ck_assert_str_eq(cs_gap_reason_name(CS_GAP_QUEUE), "queue");
    ck_assert_str_eq(cs_gap_reason_name(CS_GAP_REASON_COUNT), "unknown");
}
END_TEST

/* The camera dropped the last frames of a run: the end-of-stream says so, and they are camera
 * drops, not losses; a frame lost on the way before them is a loss. */
START_TEST(eos_camera_tail_is_not_a_loss)
{
    struct cs_gap gaps[2];
    size_t n = 0;

    s_feed_range(4, 0, 9, CS_LEDGER_NEW_RUN);
    ck_assert(s_eos_skipped(4, 13, 2, gaps, &n));
    ck_assert_uint_eq(n, 2);
    s_assert_gap(&gaps[0], 10, 1, CS_GAP_NETWORK);
    s_assert_gap(&gaps[1], 11, 2, CS_GAP_CAMERA);
    ck_assert_uint_eq(s_l.lost, 1);
    ck_assert_uint_eq(s_l.camera, 2);
    ck_assert_uint_eq(s_l.received + s_l.lost + s_l.camera, 13);
}
END_TEST

/* The camera dropped the first frames of a run: a subscriber there from the start sees them
 * as camera drops of its run, which starts at seq 0, not as a late join. */
START_TEST(camera_drops_before_first_frame)
{
    struct cs_frame_hdr h = s_frame(6, 3, 3);
    struct cs_gap gaps[2];
    size_t n = 0;

    ck_assert_int_eq(cs_ledger_frame(&s_l, &h, gaps, &n), CS_LEDGER_NEW_RUN);
    ck_assert_uint_eq(s_l.cur.first_seq, 0);
    ck_assert_uint_eq(n, 1);
    s_assert_gap(&gaps[0], 0, 3, CS_GAP_CAMERA);
    ck_assert_uint_eq(s_l.lost, 0);
    ck_assert_uint_eq(s_l.camera, 3);
}
END_TEST

Suite *
test_suite(void)
{
    Suite *s = suite_create("ledger");
    TCase *tc;

    tc = tcase_create("one_run");
    tcase_add_checked_fixture(tc, s_setup, NULL);
    tcase_add_test(tc, init_is_empty);
    tcase_add_test(tc, contiguous_run);
    tcase_add_test(tc, network_gap_in_the_middle);
    tcase_add_test(tc, single_frame_gap);
    tcase_add_test(tc, camera_skipped_splits_gap);
    tcase_add_test(tc, camera_skipped_equals_gap);
    tcase_add_test(tc, camera_skipped_larger_than_gap);
    tcase_add_test(tc, late_join_is_not_a_loss);
    suite_add_tcase(s, tc);

    tc = tcase_create("end_of_stream");
    tcase_add_checked_fixture(tc, s_setup, NULL);
    tcase_add_test(tc, eos_with_tail_loss);
    tcase_add_test(tc, eos_of_unknown_run_ignored);
    tcase_add_test(tc, eos_camera_tail_is_not_a_loss);
    tcase_add_test(tc, camera_drops_before_first_frame);
    suite_add_tcase(s, tc);

    tc = tcase_create("runs");
    tcase_add_checked_fixture(tc, s_setup, NULL);
    tcase_add_test(tc, new_run_cuts_active_one);
    tcase_add_test(tc, cut_without_eos);
    tcase_add_test(tc, stale_frames_counted_and_ignored);
    tcase_add_test(tc, totals_across_runs);
    suite_add_tcase(s, tc);

    tc = tcase_create("invariant");
    tcase_add_checked_fixture(tc, s_setup, NULL);
    tcase_add_loop_test(tc, invariant_random_losses, 0, 3);
    tcase_add_test(tc, invariant_with_tail_loss);
    tcase_add_test(tc, gap_reason_names);
    suite_add_tcase(s, tc);
    return s;
}
