/* Bad input on the wire: a hostile process pushes malformed messages into pubd's ingest
 * between camerad's real frames. pubd must reject each one under its exact reason and keep
 * running; the subscribers must see none of them (bad = 0) and save every real frame,
 * bit-exact. A part larger than pubd's limit makes libzmq drop that sender's connection,
 * without a count (pubd never sees the message) and without harm to camerad's connection. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>
#include <czmq.h>

#include "check-main.h"
#include "frame.h"
#include "harness.h"
#include "pattern.h"
#include "verify.h"

#define S_W      160
#define S_H      120
#define S_FRAMES 150
#define S_ROUNDS 20

static struct stack s_stack;

static void
s_teardown(void)
{
    ck_assert_int_eq(stack_destroy(&s_stack), 0);
}

/* A header that pubd accepts for a GREY S_W x S_H frame of stream "it", run 1, seq 0. */
static struct cs_frame_hdr
s_good_hdr(void)
{
    struct cs_frame_hdr h = { 0 };

    h.fourcc = cs_pixfmt_info(CS_PIXFMT_GREY)->fourcc;
    h.run = 1;
    h.width = S_W;
    h.height = S_H;
    h.stride = S_W;
    h.payload_size = S_W * S_H;
    h.capture_ns = 1700000000000000000ULL;
    return h;
}

static void
s_send_parts(zsock_t *sock, const struct cs_part *parts, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(zmq_send(zsock_resolve(sock), parts[i].data, parts[i].size,
                                  i + 1 < n ? ZMQ_SNDMORE : 0),
                         (int) parts[i].size);
}

struct s_bad {
    const char *what;
    enum cs_reject reason;
    bool reaches_subscribers; /* its topic starts with "frame/it", their subscription */
};

/* The malformed messages of one round, in this order; s_send_round() sends them. */
static const struct s_bad s_bad[] = {
    { "topic only (1 part)", CS_REJECT_PARTS, true },
    { "frame of 2 parts", CS_REJECT_PARTS, true },
    { "frame of 4 parts", CS_REJECT_PARTS, true },
    { "frame of 40 parts", CS_REJECT_PARTS, true },
    { "empty parts", CS_REJECT_TOPIC, false },
    { "huge topic (100 kB)", CS_REJECT_TOPIC, false },
    { "another stream's frame", CS_REJECT_TOPIC, true }, /* frame/it2: the exact-topic rule */
    { "unknown topic", CS_REJECT_TOPIC, false },
    { "header of 63 bytes", CS_REJECT_HEADER_SIZE, true },
    { "header saying 128 bytes", CS_REJECT_HEADER_SIZE, true },
    { "wrong magic", CS_REJECT_MAGIC, true },
    { "wrong version", CS_REJECT_VERSION, true },
    { "unknown flag", CS_REJECT_FLAGS, true },
    { "unknown pixel format", CS_REJECT_FORMAT, true },
    { "zero width", CS_REJECT_GEOMETRY, true },
    { "stride below width", CS_REJECT_GEOMETRY, true },
    { "payload part shorter than the header says", CS_REJECT_PAYLOAD_SIZE, true },
    { "payload part longer than the header says", CS_REJECT_PAYLOAD_SIZE, true },
    { "payload_size of 4 GiB - 1 with a small part", CS_REJECT_PAYLOAD_SIZE, true },
    { "65535 x 65535 header, 64 kB part", CS_REJECT_PAYLOAD_SIZE, true },
    { "end-of-stream with a payload", CS_REJECT_PAYLOAD_SIZE, true },
    { "stats that are not JSON", CS_REJECT_STATS, false },
    { "stats of 3 parts", CS_REJECT_PARTS, false },
};
#define S_N_BAD (sizeof s_bad / sizeof s_bad[0])

static void
s_send_round(zsock_t *sock)
{
    static uint8_t big[100 * 1024], payload[S_W * S_H + 1];
    const char *topic = "frame/it";
    struct cs_part t = { topic, strlen(topic) };
    uint8_t hb[CS_FRAME_HDR_SIZE];
    struct cs_frame_hdr h;
    struct cs_part p[40];

#define HDR(expr)                    \
    do {                             \
        h = s_good_hdr();            \
        expr;                        \
        cs_frame_hdr_encode(&h, hb); \
    } while (0)
#define SEND(...)                                         \
    do {                                                  \
        const struct cs_part m_[] = { __VA_ARGS__ };      \
        s_send_parts(sock, m_, sizeof m_ / sizeof m_[0]); \
    } while (0)
    const struct cs_part pay = { payload, S_W * S_H };
    const struct cs_part hdr = { hb, CS_FRAME_HDR_SIZE };

    memset(big, 'x', sizeof big);
    HDR((void) 0);
    SEND(t);
    SEND(t, hdr);
    SEND(t, hdr, pay, pay);
    for (int i = 0; i < 40; i++)
        p[i] = i == 0 ? t : i == 1 ? hdr : pay;
    s_send_parts(sock, p, 40);
    SEND({ "", 0 }, { "", 0 }, { "", 0 });
    SEND({ big, sizeof big }, hdr, pay);
    SEND({ "frame/it2", 9 }, hdr, pay);
    SEND({ "video/it", 8 }, hdr, pay);
    SEND(t, { hb, CS_FRAME_HDR_SIZE - 1 }, pay);
    HDR((void) 0);
    hb[6] = 128; /* header_size */
    SEND(t, hdr, pay);
    HDR((void) 0);
    hb[0] = 'X'; /* the magic */
    SEND(t, hdr, pay);
    HDR((void) 0);
    hb[4] = 2; /* the version */
    SEND(t, hdr, pay);
    HDR(h.flags = 0x80);
    SEND(t, hdr, pay);
    HDR(h.fourcc = CS_FOURCC('M', 'J', 'P', 'G'));
    SEND(t, hdr, pay);
    HDR((h.width = 0, h.payload_size = 0));
    SEND(t, hdr, { payload, 0 });
    HDR((h.stride = S_W - 1, h.payload_size = (S_W - 1) * S_H));
    SEND(t, hdr, { payload, (S_W - 1) * S_H });
    HDR((void) 0);
    SEND(t, hdr, { payload, S_W * S_H - 1 });
    SEND(t, hdr, { payload, S_W * S_H + 1 });
    HDR(h.payload_size = UINT32_MAX);
    SEND(t, hdr, pay);
    HDR((h.width = 65535, h.height = 65535, h.stride = 65535, h.payload_size = 65535));
    SEND(t, hdr, { big, 65535 });
    HDR((h.flags = CS_FRAME_FLAG_EOS, h.payload_size = 1));
    SEND(t, hdr, { payload, 1 });
    SEND({ "stats/it", 8 }, { "not json", 8 });
    SEND({ "stats/it", 8 }, { "{}", 2 }, { "{}", 2 });
#undef SEND
#undef HDR
}

static int64_t
s_status_key(enum cs_daemon_id d, const char *key)
{
    return stack_status(&s_stack, d, key, 2000);
}

START_TEST(hostile_ingest_is_rejected_and_real_frames_are_saved)
{
    struct stack_params p = { .pixfmt = CS_PIXFMT_GREY,
                              .width = S_W,
                              .height = S_H,
                              .fps = 100,
                              .frames = S_FRAMES,
                              .wait_subscribers = 2 };
    struct expect e = {
        .pixfmt = CS_PIXFMT_GREY, .width = S_W, .height = S_H, .frames = S_FRAMES, .complete = 1
    };
    char ep[PATH_MAX + 32], movie[PATH_MAX], stats[PATH_MAX];
    json_t *status, *by_reason;
    zsock_t *hostile, *oversize;
    int64_t expected[CS_REJECT_COUNT] = { 0 };
    int64_t total = 0;
    static uint8_t huge[2 * S_W * S_H + (1 << 20) + 4096];

    ck_assert_int_eq(stack_init(&s_stack, &p), 0);
    ck_assert_int_eq(stack_start(&s_stack, CS_DAEMON_PUBD), 0);
    ck_assert_int_eq(stack_start(&s_stack, CS_DAEMON_ANALYZERD), 0);
    ck_assert_int_eq(stack_start(&s_stack, CS_DAEMON_SAVERD), 0);
    ck_assert_int_eq(stack_start(&s_stack, CS_DAEMON_CAMERAD), 0);

    (void) snprintf(ep, sizeof ep, "ipc://%s/run/ingest", s_stack.dir);
    hostile = zsock_new_push(ep);
    ck_assert_ptr_nonnull(hostile);
    zsock_set_sndhwm(hostile, 100000);
    zsock_set_linger(hostile, 5000);

    /* One round of every malformed message after each few real frames. */
    for (int r = 0; r < S_ROUNDS; r++) {
        stack_await(&s_stack, CS_DAEMON_PUBD, "frames_in", 5 + r * (S_FRAMES - 20) / S_ROUNDS,
                    20000);
        s_send_round(hostile);
        for (size_t i = 0; i < S_N_BAD; i++) {
            expected[s_bad[i].reason]++;
            total++;
        }
    }
    /* A part bigger than pubd's limit: libzmq closes this sender's connection. */
    oversize = zsock_new_push(ep);
    ck_assert_ptr_nonnull(oversize);
    zsock_set_linger(oversize, 0);
    memset(huge, 'y', sizeof huge);
    ck_assert_int_eq(zmq_send(zsock_resolve(oversize), "frame/it", 8, ZMQ_SNDMORE), 8);
    ck_assert_int_eq(zmq_send(zsock_resolve(oversize), huge, sizeof huge, 0), (int) sizeof huge);

    ck_assert_int_eq(stack_wait(&s_stack, CS_DAEMON_CAMERAD), 0);
    stack_await(&s_stack, CS_DAEMON_PUBD, "rejected", total, 20000);
    ck_assert_int_eq(s_status_key(CS_DAEMON_PUBD, "rejected"), total);
    status = stack_status_json(&s_stack, CS_DAEMON_PUBD, 2000);
    ck_assert_ptr_nonnull(status);
    by_reason = json_object_get(status, "rejected_by_reason");
    for (int r = 0; r < CS_REJECT_COUNT; r++) {
        const char *reason = cs_reject_name((enum cs_reject) r);
        int64_t n = -1;

        (void) cs_json_get_i64(by_reason, reason, &n);
        ck_assert_msg(n == expected[r], "pubd rejected %lld messages as '%s', expected %lld",
                      (long long) n, reason, (long long) expected[r]);
    }
    json_decref(status);
    zsock_destroy(&oversize);
    zsock_destroy(&hostile);

    ck_assert_int_eq(stack_stop(&s_stack, CS_DAEMON_PUBD), 0);
    ck_assert_int_eq(stack_stop(&s_stack, CS_DAEMON_ANALYZERD), 0);
    ck_assert_int_eq(stack_stop(&s_stack, CS_DAEMON_SAVERD), 0);

    ck_assert_int_eq(stack_ledger(&s_stack, CS_DAEMON_CAMERAD, "captured"), S_FRAMES);
    ck_assert_int_eq(stack_ledger(&s_stack, CS_DAEMON_CAMERAD, "dropped_at_source"), 0);
    ck_assert_int_eq(stack_ledger(&s_stack, CS_DAEMON_PUBD, "frames_in"), S_FRAMES);
    ck_assert_int_eq(stack_ledger(&s_stack, CS_DAEMON_PUBD, "rejected"), total);
    for (enum cs_daemon_id d = CS_DAEMON_ANALYZERD; d <= CS_DAEMON_SAVERD; d++) {
        ck_assert_int_eq(stack_ledger(&s_stack, d, "received"), S_FRAMES);
        ck_assert_int_eq(stack_ledger(&s_stack, d, "lost"), 0);
        ck_assert_int_eq(stack_ledger(&s_stack, d, "bad"), 0);
        ck_assert_int_eq(stack_ledger(&s_stack, d, "runs"), 1);
        ck_assert_int_eq(stack_ledger(&s_stack, d, "runs_cut"), 0);
    }
    stack_only_file(s_stack.movies, movie, sizeof movie);
    stack_only_file(s_stack.stats, stats, sizeof stats);
    verify_movie(movie, &e);
    verify_stats(stats, &e);
}
END_TEST

/* The same malformed messages sent straight to the subscribers, by a test-side publisher on
 * the endpoint they connect to (pubd is not running), between the 150 frames of a run it
 * makes itself: each subscriber counts every malformed message that reaches it (those whose
 * topic starts with its subscription, "frame/it") as bad, and records every real frame. */
START_TEST(hostile_publisher_is_counted_by_subscribers)
{
    struct stack_params p = {
        .pixfmt = CS_PIXFMT_GREY, .width = S_W, .height = S_H, .fps = 100, .wait_subscribers = 2
    };
    struct expect e = {
        .pixfmt = CS_PIXFMT_GREY, .width = S_W, .height = S_H, .frames = S_FRAMES, .complete = 1
    };
    static uint8_t payload[S_W * S_H];
    const struct cs_part topic = { "frame/it", 8 };
    char ep[PATH_MAX + 32], movie[PATH_MAX], stats[PATH_MAX];
    uint8_t hb[CS_FRAME_HDR_SIZE], sub[64];
    struct cs_frame_hdr h = s_good_hdr();
    int64_t reaching = 0;
    zsock_t *pub;

    ck_assert_int_eq(stack_init(&s_stack, &p), 0);
    (void) snprintf(ep, sizeof ep, "ipc://%s/run/frames", s_stack.dir);
    pub = zsock_new(ZMQ_XPUB);
    ck_assert_ptr_nonnull(pub);
    zsock_set_sndhwm(pub, 1000000);
    zsock_set_xpub_verbose(pub, 1); /* each subscriber's subscription, not only the first */
    zsock_set_rcvtimeo(pub, 20000);
    zsock_set_linger(pub, 5000);
    ck_assert_int_ge(zsock_bind(pub, "%s", ep), 0);
    ck_assert_int_eq(stack_start(&s_stack, CS_DAEMON_ANALYZERD), 0);
    ck_assert_int_eq(stack_start(&s_stack, CS_DAEMON_SAVERD), 0);
    /* Both subscribers' subscriptions, the events that they are connected: each subscribes
     * to the stream's frames and to its camera messages, in either order. */
    int frames_subs = 0, camera_subs = 0;
    for (int i = 0; i < 4; i++) {
        int n = zmq_recv(zsock_resolve(pub), sub, sizeof sub, 0);

        if (n == 9 && memcmp(sub, "\1frame/it", 9) == 0)
            frames_subs++;
        else if (n == 10 && memcmp(sub, "\1camera/it", 10) == 0)
            camera_subs++;
        else
            ck_abort_msg("an unexpected subscription of %d bytes", n);
    }
    ck_assert_int_eq(frames_subs, 2);
    ck_assert_int_eq(camera_subs, 2);

    h.run = 42;
    for (uint64_t seq = 0; seq <= S_FRAMES; seq++) {
        h.seq = seq;
        h.capture_ns = (uint64_t) zclock_time() * 1000000;
        if (seq == S_FRAMES) { /* the end-of-stream */
            h.flags = CS_FRAME_FLAG_EOS;
            h.payload_size = 0;
        }
        cs_frame_hdr_encode(&h, hb);
        cs_pattern_fill(CS_PIXFMT_GREY, S_W, S_H, S_W, seq, payload);
        {
            const struct cs_part m[] = { topic, { hb, sizeof hb }, { payload, h.payload_size } };

            s_send_parts(pub, m, 3);
        }
        if (seq % (S_FRAMES / S_ROUNDS) == 0 && seq < S_FRAMES) {
            s_send_round(pub);
            for (size_t i = 0; i < S_N_BAD; i++)
                reaching += s_bad[i].reaches_subscribers;
        }
    }
    for (enum cs_daemon_id d = CS_DAEMON_ANALYZERD; d <= CS_DAEMON_SAVERD; d++) {
        stack_await(&s_stack, d, "received", S_FRAMES, 20000);
        stack_await(&s_stack, d, "bad", reaching, 20000);
        ck_assert_int_eq(s_status_key(d, "bad"), reaching);
        ck_assert_int_eq(s_status_key(d, "runs_ended"), 1);
        ck_assert_int_eq(stack_stop(&s_stack, d), 0);
        ck_assert_int_eq(stack_ledger(&s_stack, d, "received"), S_FRAMES);
        ck_assert_int_eq(stack_ledger(&s_stack, d, "lost"), 0);
        ck_assert_int_eq(stack_ledger(&s_stack, d, "bad"), reaching);
        ck_assert_int_eq(stack_ledger(&s_stack, d, "runs"), 1);
    }
    zsock_destroy(&pub);
    stack_only_file(s_stack.movies, movie, sizeof movie);
    stack_only_file(s_stack.stats, stats, sizeof stats);
    verify_movie(movie, &e);
    verify_stats(stats, &e);
}
END_TEST

/* Who may push to pubd's ingest and steer the control endpoints: the stack's user and group,
 * by the socket files' mode (0660). pubd runs with a umask of 0, the loosest there is, in a
 * directory every user may enter. A process of another user (nobody, no groups) is refused by
 * the kernel, both pushing frames and asking camstackctl status; with the stack's group as a
 * supplementary group, the same process gets in. */
START_TEST(only_the_stack_user_and_group_may_connect)
{
    struct stack_params p = { .pixfmt = CS_PIXFMT_GREY, .width = S_W, .height = S_H, .fps = 100 };
    static const char *const names[] = { "ingest", "frames", "pubd.control" };
    char ep[PATH_MAX + 32], path[PATH_MAX + 32], script[PATH_MAX], ctl[PATH_MAX], w[16], h[16],
        groups[32], out[8192];
    const char *src = getenv("CS_SOURCE_ROOT");
    struct stat st;
    mode_t old;

    ck_assert_ptr_nonnull(src);
    if (geteuid() != 0)
        return; /* setpriv needs root; as another user, the files' mode alone is checked */
    ck_assert_int_eq(stack_init(&s_stack, &p), 0);
    ck_assert_int_eq(chmod(s_stack.dir, 0755), 0);
    old = umask(0);
    ck_assert_int_eq(stack_start(&s_stack, CS_DAEMON_PUBD), 0);
    (void) umask(old);
    stack_await(&s_stack, CS_DAEMON_PUBD, "frames_in", 0, 20000);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        (void) snprintf(path, sizeof path, "%s/run/%s", s_stack.dir, names[i]);
        ck_assert_int_eq(stat(path, &st), 0);
        ck_assert_msg((st.st_mode & 07777) == 0660, "%s has mode %o", path,
                      (unsigned) (st.st_mode & 07777));
    }

    (void) snprintf(ep, sizeof ep, "ipc://%s/run/ingest", s_stack.dir);
    (void) snprintf(script, sizeof script, "%s/tests/integration/push-frames.py", src);
    stack_build_path(ctl, sizeof ctl, "tools/camstackctl/camstackctl");
    (void) snprintf(w, sizeof w, "%d", S_W);
    (void) snprintf(h, sizeof h, "%d", S_H);
    (void) snprintf(groups, sizeof groups, "--groups=%u", (unsigned) getegid());
    const char *stranger[] = { "setpriv",
                               "--reuid=65534",
                               "--regid=65534",
                               "--clear-groups",
                               "/usr/bin/python3",
                               script,
                               ep,
                               "it",
                               w,
                               h,
                               "5",
                               NULL };
    const char *member[] = { "setpriv",
                             "--reuid=65534",
                             "--regid=65534",
                             groups,
                             "/usr/bin/python3",
                             script,
                             ep,
                             "it",
                             w,
                             h,
                             "5",
                             NULL };
    const char *stranger_ctl[] = {
        "setpriv",      "--reuid=65534", "--regid=65534", "--clear-groups", ctl, "--config",
        s_stack.config, "--timeout",     "1000",          "status",         NULL
    };
    const char *member_ctl[] = { "setpriv",  "--reuid=65534", "--regid=65534", groups, ctl,
                                 "--config", s_stack.config,  "--timeout",     "1000", "status",
                                 NULL };

    ck_assert_int_eq(stack_run_cmd(stranger, 30, out, sizeof out), 3);
    ck_assert_msg(strstr(out, "Permission denied"), "%s", out);
    ck_assert_int_ne(stack_run_cmd(stranger_ctl, 30, out, sizeof out), 0);
    ck_assert_msg(strstr(out, "pubd is down"), "%s", out);
    ck_assert_int_eq(s_status_key(CS_DAEMON_PUBD, "frames_in"), 0);

    ck_assert_int_eq(stack_run_cmd(member, 30, out, sizeof out), 0);
    stack_await(&s_stack, CS_DAEMON_PUBD, "frames_in", 5, 20000);
    (void) stack_run_cmd(member_ctl, 30, out, sizeof out); /* 1: the other daemons are down */
    ck_assert_msg(strstr(out, "pubd ") && !strstr(out, "pubd is down"), "%s", out);
    ck_assert_int_eq(stack_stop(&s_stack, CS_DAEMON_PUBD), 0);
}
END_TEST

Suite *
test_suite(void)
{
    Suite *s = suite_create("hostile");
    TCase *tc = tcase_create("ingest");

    tcase_add_checked_fixture(tc, NULL, s_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, hostile_ingest_is_rejected_and_real_frames_are_saved);
    tcase_add_test(tc, hostile_publisher_is_counted_by_subscribers);
    tcase_add_test(tc, only_the_stack_user_and_group_may_connect);
    suite_add_tcase(s, tc);
    return s;
}
