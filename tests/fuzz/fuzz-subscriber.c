/* Fuzzes a subscriber's whole message path, cs_sub_handle_parts(): validation, the loss
 * ledger and the daemon callbacks, as analyzerd and saverd run them, without a socket. The
 * input is a sequence of messages: raw ones cut from the input (fuzz.h), and well-formed
 * frames and end-of-streams whose run, seq and camera_skipped come from the input, so that
 * the ledger sees every order of runs and sequence numbers. After each message the books
 * must balance:
 *   callbacks: frame() once per frame received, run_begin() once per run, run_end() once per
 *              run ended or cut, and the gaps they were given add up to the ledger's lost
 *              and camera counts;
 *   the current run: next_seq - first_seq = received + lost + camera;
 *   camera messages: camera() once per one that decodes, each a change with a name or an
 *              identity of at most CS_CAMERA_FACTS_MAX facts, every string terminated. */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include <czmq.h>

#include "frame.h"
#include "fuzz.h"
#include "log.h"
#include "pixfmt.h"
#include "subscriber.h"

#define S_WIDTH  4
#define S_HEIGHT 2

struct s_tally {
    uint64_t begins, frames, ends, ends_eos, lost, camera, camera_msgs;
    bool in_run;
};

static zloop_t *s_loop;
static struct s_tally s_t;

static void
s_gaps(const struct cs_gap *gaps, size_t n)
{
    assert(n <= 2);
    for (size_t i = 0; i < n; i++) {
        assert(gaps[i].count > 0);
        if (gaps[i].reason == CS_GAP_CAMERA)
            s_t.camera += gaps[i].count;
        else
            s_t.lost += gaps[i].count;
    }
}

static int
s_run_begin(void *arg, const struct cs_frame_hdr *hdr)
{
    assert(!s_t.in_run);
    s_t.begins++;
    s_t.in_run = true;
    return 0;
}

static int
s_frame(void *arg, const struct cs_frame_hdr *hdr, const void *pixels, const struct cs_gap *gaps,
        size_t n_gaps)
{
    volatile uint8_t sink;

    assert(s_t.in_run);
    assert(!(hdr->flags & CS_FRAME_FLAG_EOS));
    sink = ((const uint8_t *) pixels)[0]; /* the payload is there, all of it */
    sink = ((const uint8_t *) pixels)[hdr->payload_size - 1];
    (void) sink;
    s_gaps(gaps, n_gaps);
    s_t.frames++;
    return 0;
}

static int
s_run_end(void *arg, bool eos, const struct cs_gap *gaps, size_t n_gaps)
{
    assert(s_t.in_run);
    assert(eos || n_gaps == 0);
    s_gaps(gaps, n_gaps);
    s_t.ends++;
    s_t.ends_eos += eos;
    s_t.in_run = false;
    return 0;
}

static int
s_camera(void *arg, const struct cs_camera_msg *msg)
{
    if (msg->event == CS_CAMERA_CHANGE) {
        const struct cs_camera_change *c = &msg->change;

        assert(c->name[0] && memchr(c->name, '\0', sizeof c->name));
        assert(memchr(c->value, '\0', sizeof c->value));
        assert(memchr(c->previous, '\0', sizeof c->previous));
    } else {
        assert(msg->event == CS_CAMERA_IDENTITY);
        assert(msg->identity.n_facts <= CS_CAMERA_FACTS_MAX);
        for (unsigned i = 0; i < msg->identity.n_facts; i++)
            assert(memchr(msg->identity.facts[i].value, '\0', CS_CAMERA_VALUE_SIZE));
    }
    s_t.camera_msgs++;
    return 0;
}

static const struct cs_sub_ops s_ops = {
    .run_begin = s_run_begin, .frame = s_frame, .run_end = s_run_end, .camera = s_camera
};

/* A well-formed frame or end-of-stream of "frame/cam1" described by the input. */
static void
s_synth(struct fuzz_input *in, uint8_t op, cs_sub_t *sub)
{
    static const char topic[] = "frame/cam1";
    static const uint64_t runs[4] = { 1, 2, 1000, UINT64_MAX };
    uint8_t hdr_bytes[CS_FRAME_HDR_SIZE], payload[S_WIDTH * S_HEIGHT * 2];
    struct cs_frame_hdr h = { 0 };
    struct cs_part parts[3];

    h.fourcc = cs_pixfmt_info(CS_PIXFMT_GREY)->fourcc;
    h.run = runs[fuzz_u8(in) % 4];
    h.seq = op & 0x10 ? fuzz_u64(in) : fuzz_u8(in);
    h.camera_skipped = op & 0x20 ? (uint32_t) fuzz_u64(in) : fuzz_u8(in) % 4;
    h.width = S_WIDTH;
    h.height = S_HEIGHT;
    h.stride = op & 0x40 ? 2 * S_WIDTH : S_WIDTH;
    h.capture_ns = 1700000000000000000ULL;
    if ((op & 3) == 3)
        h.flags = CS_FRAME_FLAG_EOS;
    else
        h.payload_size = h.stride * S_HEIGHT;
    memset(payload, 0x5a, sizeof payload);
    cs_frame_hdr_encode(&h, hdr_bytes);
    parts[0] = (struct cs_part){ topic, sizeof topic - 1 };
    parts[1] = (struct cs_part){ hdr_bytes, sizeof hdr_bytes };
    parts[2] = (struct cs_part){ payload, h.payload_size };
    cs_sub_handle_parts(sub, parts, 3);
}

static void
s_check_books(const cs_sub_t *sub, uint64_t messages)
{
    const struct cs_ledger *l = cs_sub_ledger(sub);
    const struct cs_sub_counters *c = cs_sub_counters(sub);

    assert(c->messages == messages);
    assert(s_t.frames == l->received);
    assert(s_t.begins == l->runs);
    assert(s_t.ends == l->runs_ended + l->runs_cut);
    assert(s_t.ends_eos == l->runs_ended);
    assert(s_t.lost == l->lost);
    assert(s_t.camera == l->camera);
    assert(s_t.in_run == l->cur.active);
    if (l->cur.active)
        assert(l->cur.next_seq - l->cur.first_seq == l->cur.received + l->cur.lost + l->cur.camera);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in = { data, size };
    cs_sub_t *sub;
    uint64_t messages = 0;

    if (!s_loop) {
        cs_log_set_max_priority(LOG_EMERG);
        zsys_handler_set(NULL);
        zsys_set_logstream(NULL);
        zsys_set_logsystem(false);
        s_loop = zloop_new();
        assert(s_loop);
    }
    memset(&s_t, 0, sizeof s_t);
    sub = cs_sub_new(s_loop, NULL, "cam1", 4, NULL, &s_ops, NULL);
    assert(sub);
    while (in.left > 0) {
        uint8_t op = fuzz_u8(&in);

        if ((op & 3) == 0) {
            struct cs_part parts[FUZZ_PARTS_MAX];
            int n = fuzz_message(&in, parts);

            if (n < 0)
                break;
            cs_sub_handle_parts(sub, parts, (size_t) n);
        } else {
            s_synth(&in, op, sub);
        }
        s_check_books(sub, ++messages);
    }
    cs_sub_destroy(&sub);
    return 0;
}
