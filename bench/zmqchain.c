/* camstack-zmqchain: the yardstick of the transport benchmark (docs/PERFORMANCE.md). Raw libzmq
 * over the stack's own topology and settings, one process per daemon:
 *
 *   push     camerad's place: PUSH, connected to the ingest endpoint;
 *   forward  pubd's place: PULL bound on the ingest, XPUB bound on the first publish
 *            endpoint, each message's parts received and sent on as they are (zmq_msg_recv()
 *            then zmq_msg_send() of the same zmq_msg_t: no byte copied), sent blocking with
 *            ZMQ_XPUB_NODROP, so that every subscriber gets every frame, as pubd holds frames
 *            for the unpaced test pattern;
 *   sub      analyzerd's or saverd's place: SUB, connected to the subscribe endpoint,
 *            subscribed to the stream's frame topic.
 *
 * Each reads the stack's own config file: endpoints, stream, frame size, every queue (HWM)
 * from the same keys and cs_conf_hwm() as the daemons, the ipc send buffer from [stack]
 * ipc_send_buffer_kb set on each connection as common/sockbuf.c sets it, pubd's linger and
 * largest message, and malloc tuned and pre-warmed as cs_daemon_init() does. What it leaves
 * out is everything but the transport: the pusher sends one pre-built payload zero-copy (a
 * camera's buffer handed over), nothing validates beyond the header, nothing is analysed or
 * written.
 *
 *   camstack-zmqchain forward CONFIG
 *   camstack-zmqchain sub CONFIG analyzerd|saverd
 *   camstack-zmqchain push CONFIG WARM_FRAMES MAX_FRAMES SECONDS GO_FIFO [FPS]
 *
 * With FPS (> 0) the pusher sends a frame every 1/FPS s on absolute deadlines of
 * CLOCK_MONOTONIC, as camerad's paced test pattern does (the CPU per byte benchmark); without
 * it, as fast as the forwarder takes them (the transport benchmark).
 *
 * Two runs go through, each closed by an end-of-stream message as camerad ends a run: run 1
 * (the warm-up) of WARM_FRAMES frames; then, once a line can be read from GO_FIFO (the driver
 * writes it when both SUBs have seen run 1 end, so that run 2 starts from drained queues as
 * the stack's measured run does), run 2 of MAX_FRAMES frames or SECONDS, whichever ends
 * first. At each end-of-stream each process prints
 *   run R frames N lost L first_ns F last_ns T cpu_s C
 * (frames it handled in run R, the gaps in their seq numbers, the capture times of the first
 * and last, and its own CPU time so far, every thread's; the pusher prints run 1's once the
 * go has come), and "exit cpu_s C" as it ends, once what it still had queued has left; push
 * and forward first print "sndbuf B", the send buffer the kernel granted their connections. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <zmq.h>

#include "benchsock.h"
#include "config.h"
#include "daemon.h"
#include "frame.h"
#include "pixfmt.h"
#include "util.h"

#define S_PARTS      3
#define S_RUNS       2
#define S_CONNECT_MS 20000

struct s_tally {
    uint64_t frames, lost, next_seq, first_ns, last_ns;
};

static double
s_cpu_s(void)
{
    struct rusage ru;

    if (getrusage(RUSAGE_SELF, &ru) < 0)
        return -1;
    return (double) (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec)
           + (double) (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void
s_print_run(uint64_t run, const struct s_tally *t)
{
    (void) printf("run %llu frames %llu lost %llu first_ns %llu last_ns %llu cpu_s %.6f\n",
                  (unsigned long long) run, (unsigned long long) t->frames,
                  (unsigned long long) t->lost, (unsigned long long) t->first_ns,
                  (unsigned long long) t->last_ns, s_cpu_s());
    (void) fflush(stdout);
}

/* Counts a frame of header @h into @t. */
static void
s_count(struct s_tally *t, const struct cs_frame_hdr *h)
{
    if (t->frames++ == 0)
        t->first_ns = h->capture_ns;
    else if (h->seq > t->next_seq)
        t->lost += h->seq - t->next_seq;
    t->next_seq = h->seq + 1;
    t->last_ns = h->capture_ns;
}

/* Sets the send buffer of the next @n connections of @sock (of @ctx) to the stack's, as
 * common/sockbuf.c does, binding (@bind) or connecting it to @endpoint. Returns the granted
 * size, or -1. */
static int64_t
s_sized(void *ctx, void *sock, const struct cs_conf *conf, const char *endpoint, bool bind,
        unsigned n)
{
    void *mon = bench_sock_watch(ctx, sock, bind ? "chain-bound" : "chain-connected");
    int64_t granted = -1;

    if (!mon)
        return -1;
    if ((bind ? zmq_bind(sock, endpoint) : zmq_connect(sock, endpoint)) == 0)
        granted = bench_sock_size(mon, n, conf->stack.ipc_send_buffer_kb * 1024, S_CONNECT_MS);
    (void) zmq_close(mon);
    return granted;
}

/* Receives one multipart message into @parts (closing extra parts); returns its part count or
 * -1. */
static int
s_recv(void *sock, zmq_msg_t parts[S_PARTS])
{
    int n = 0, more = 1;

    while (more) {
        zmq_msg_t *m = &parts[n < S_PARTS ? n : S_PARTS - 1];

        if (zmq_msg_recv(m, sock, 0) < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        more = zmq_msg_more(m);
        n++;
    }
    return n;
}

/* The header of a 3-part message, or false. */
static bool
s_header(zmq_msg_t parts[S_PARTS], int n, struct cs_frame_hdr *h)
{
    enum cs_reject why;

    return n == S_PARTS
           && cs_frame_hdr_decode(zmq_msg_data(&parts[1]), zmq_msg_size(&parts[1]), h, &why) == 0;
}

static int
s_forward(void *ctx, const struct cs_conf *conf)
{
    uint64_t bytes = cs_conf_frame_bytes(conf);
    int in_hwm = cs_conf_hwm(conf->pubd.ingest_buffer_mb, bytes);
    int out_hwm = cs_conf_hwm(conf->pubd.subscriber_buffer_mb, bytes);
    int one = 1, linger = (int) conf->pubd.linger_ms;
    int64_t max_size = (int64_t) (2 * bytes + (1 << 20)), granted;
    void *pull = zmq_socket(ctx, ZMQ_PULL), *pub = zmq_socket(ctx, ZMQ_XPUB);
    struct s_tally t = { 0 };
    unsigned ended = 0;
    char sub[256];

    (void) zmq_setsockopt(pull, ZMQ_RCVHWM, &in_hwm, sizeof in_hwm);
    (void) zmq_setsockopt(pull, ZMQ_MAXMSGSIZE, &max_size, sizeof max_size);
    (void) zmq_setsockopt(pub, ZMQ_SNDHWM, &out_hwm, sizeof out_hwm);
    (void) zmq_setsockopt(pub, ZMQ_LINGER, &linger, sizeof linger);
    (void) zmq_setsockopt(pub, ZMQ_XPUB_VERBOSER, &one, sizeof one);
    (void) zmq_setsockopt(pub, ZMQ_XPUB_NODROP, &one, sizeof one);
    if (zmq_bind(pull, conf->endpoints.ingest) < 0)
        return 1;
    /* Frames are read once every subscriber is there, as camerad waits for them. */
    granted =
        s_sized(ctx, pub, conf, conf->endpoints.publish[0], true, conf->camerad.wait_subscribers);
    for (unsigned i = 0; i < conf->camerad.wait_subscribers; i++) {
        if (zmq_recv(pub, sub, sizeof sub, 0) < 1 || sub[0] != 1)
            return 1;
    }
    (void) printf("sndbuf %lld\n", (long long) granted);
    (void) fflush(stdout);
    while (ended < S_RUNS) {
        zmq_msg_t parts[S_PARTS];
        struct cs_frame_hdr h;
        bool eos;
        int n, k;

        for (k = 0; k < S_PARTS; k++)
            (void) zmq_msg_init(&parts[k]);
        n = s_recv(pull, parts);
        eos = false;
        if (n > 0 && s_header(parts, n, &h)) { /* before the send, which empties the parts */
            eos = h.flags & CS_FRAME_FLAG_EOS;
            if (!eos)
                s_count(&t, &h);
        }
        for (k = 0; k < n && k < S_PARTS; k++) {
            if (zmq_msg_send(&parts[k], pub, k + 1 < n ? ZMQ_SNDMORE : 0) < 0)
                return 1;
        }
        if (eos) {
            s_print_run(h.run, &t);
            memset(&t, 0, sizeof t);
            ended++;
        }
        for (k = 0; k < S_PARTS; k++)
            (void) zmq_msg_close(&parts[k]);
        if (n < 0)
            return 1;
    }
    (void) zmq_close(pull);
    (void) zmq_close(pub); /* lingers until the subscribers have the last end-of-stream */
    return 0;
}

static int
s_sub(void *ctx, const struct cs_conf *conf, const char *who)
{
    uint64_t bytes = cs_conf_frame_bytes(conf);
    uint32_t mb = strcmp(who, "analyzerd") == 0 ? conf->analyzerd.receive_buffer_mb
                                                : conf->saverd.receive_buffer_mb;
    int hwm = cs_conf_hwm(mb, bytes), zero = 0;
    void *sub = zmq_socket(ctx, ZMQ_SUB);
    char topic[CS_TOPIC_MAX];
    size_t len = cs_topic_format(CS_MSG_FRAME, conf->stack.stream, topic);
    struct s_tally t = { 0 };
    unsigned ended = 0;

    (void) zmq_setsockopt(sub, ZMQ_RCVHWM, &hwm, sizeof hwm);
    (void) zmq_setsockopt(sub, ZMQ_LINGER, &zero, sizeof zero);
    (void) zmq_setsockopt(sub, ZMQ_SUBSCRIBE, topic, len);
    if (zmq_connect(sub, conf->endpoints.subscribe) < 0)
        return 1;
    while (ended < S_RUNS) {
        zmq_msg_t parts[S_PARTS];
        struct cs_frame_hdr h;
        int n, k;

        for (k = 0; k < S_PARTS; k++)
            (void) zmq_msg_init(&parts[k]);
        n = s_recv(sub, parts);
        if (n > 0 && s_header(parts, n, &h)) {
            if (h.flags & CS_FRAME_FLAG_EOS) {
                s_print_run(h.run, &t);
                memset(&t, 0, sizeof t);
                ended++;
            } else {
                s_count(&t, &h);
            }
        }
        for (k = 0; k < S_PARTS; k++)
            (void) zmq_msg_close(&parts[k]);
        if (n < 0)
            return 1;
    }
    (void) zmq_close(sub);
    return 0;
}

/* Waits until frame @seq's deadline, @period_ns apart from @t0_ns (CLOCK_MONOTONIC); no wait
 * for a @period_ns of 0. */
static void
s_pace(uint64_t t0_ns, uint64_t period_ns, uint64_t seq)
{
    uint64_t due = t0_ns + seq * period_ns;
    struct timespec ts = { .tv_sec = (time_t) (due / CS_NSEC_PER_SEC),
                           .tv_nsec = (long) (due % CS_NSEC_PER_SEC) };

    while (period_ns && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}

/* Sends run @run: @n frames or for @seconds, a frame every @period_ns (0: unpaced), then its
 * end-of-stream; its tally into @ret. */
static int
s_push_run(void *push, const char *topic, struct cs_frame_hdr *h, void *payload, uint64_t run,
           uint64_t n, double seconds, uint64_t period_ns, struct s_tally *ret)
{
    uint64_t t0 = cs_now_ns(CLOCK_MONOTONIC), until = t0 + (uint64_t) (seconds * 1e9);
    struct s_tally t = { 0 };
    uint8_t hdr[CS_FRAME_HDR_SIZE];
    uint32_t size = h->payload_size;

    h->run = run;
    h->flags = 0;
    for (h->seq = 0; h->seq < n && cs_now_ns(CLOCK_MONOTONIC) < until; h->seq++) {
        zmq_msg_t m;

        s_pace(t0, period_ns, h->seq);
        h->capture_ns = cs_now_ns(CLOCK_REALTIME);
        cs_frame_hdr_encode(h, hdr);
        (void) zmq_msg_init_data(&m, payload, size, bench_no_free, NULL);
        if (zmq_send(push, topic, strlen(topic), ZMQ_SNDMORE) < 0
            || zmq_send(push, hdr, sizeof hdr, ZMQ_SNDMORE) < 0 || zmq_msg_send(&m, push, 0) < 0) {
            (void) zmq_msg_close(&m);
            return -1;
        }
        s_count(&t, h);
    }
    h->flags = CS_FRAME_FLAG_EOS;
    h->payload_size = 0;
    cs_frame_hdr_encode(h, hdr);
    h->payload_size = size;
    if (zmq_send(push, topic, strlen(topic), ZMQ_SNDMORE) < 0
        || zmq_send(push, hdr, sizeof hdr, ZMQ_SNDMORE) < 0 || zmq_send(push, "", 0, 0) < 0)
        return -1;
    *ret = t;
    return 0;
}

static int
s_push(void *ctx, const struct cs_conf *conf, uint64_t warm, uint64_t max, double seconds,
       const char *go, double fps)
{
    uint64_t period_ns = fps > 0 ? (uint64_t) (1e9 / fps + 0.5) : 0;
    uint64_t bytes = cs_conf_frame_bytes(conf);
    int hwm = cs_conf_hwm(conf->camerad.send_buffer_mb, bytes), forever = -1;
    void *push = zmq_socket(ctx, ZMQ_PUSH), *payload = malloc(bytes);
    struct cs_frame_hdr h = { 0 };
    struct s_tally t;
    char topic[CS_TOPIC_MAX], line[16];
    int gofd = open(go, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    struct pollfd p = { .fd = gofd, .events = POLLIN };
    int64_t granted;

    if (!payload || gofd < 0)
        return 1;
    memset(payload, 0x5a, bytes); /* touched once, as a camera's buffer would be */
    (void) cs_topic_format(CS_MSG_FRAME, conf->stack.stream, topic);
    h.fourcc = cs_pixfmt_info(conf->camerad.pixel_format)->fourcc;
    h.width = (uint16_t) conf->camerad.width;
    h.height = (uint16_t) conf->camerad.height;
    h.stride = (uint32_t) (bytes / conf->camerad.height);
    h.payload_size = (uint32_t) bytes;
    (void) zmq_setsockopt(push, ZMQ_SNDHWM, &hwm, sizeof hwm);
    (void) zmq_setsockopt(push, ZMQ_LINGER, &forever, sizeof forever); /* timeout(1) bounds it */
    granted = s_sized(ctx, push, conf, conf->endpoints.ingest, false, 1);
    (void) printf("sndbuf %lld\n", (long long) granted);
    (void) fflush(stdout);
    if (granted < 0 || s_push_run(push, topic, &h, payload, 1, warm, 1e6, period_ns, &t) < 0)
        return 1;
    if (poll(&p, 1, -1) != 1 || read(gofd, line, sizeof line) <= 0)
        return 1;
    s_print_run(1, &t); /* after the warm-up has drained: its CPU time is the run's start */
    if (s_push_run(push, topic, &h, payload, 2, max, seconds, period_ns, &t) < 0)
        return 1;
    s_print_run(2, &t);
    (void) zmq_close(push); /* lingers until the forwarder has the end-of-stream */
    (void) close(gofd);
    free(payload);
    return 0;
}

static int
s_usage(void)
{
    (void) fputs("usage: camstack-zmqchain forward CONFIG\n"
                 "       camstack-zmqchain sub CONFIG analyzerd|saverd\n"
                 "       camstack-zmqchain push CONFIG WARM_FRAMES MAX_FRAMES SECONDS GO_FIFO "
                 "[FPS]\n"
                 "The transport benchmark's yardstick: started by camstack-bench.\n",
                 stderr);
    return 2;
}

int
main(int argc, char **argv)
{
    struct cs_conf conf;
    char err[CS_CONF_ERROR_MAX];
    uint64_t warm, max;
    void *ctx;
    int r;

    if (argc < 3)
        return s_usage();
    (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (cs_conf_load(argv[2], &conf, err, sizeof err) < 0) {
        (void) fprintf(stderr, "camstack-zmqchain: %s\n", err);
        return 1;
    }
    (void) cs_daemon_tune_malloc(); /* as every daemon, before it starts libzmq */
    cs_daemon_prewarm(cs_conf_frame_bytes(&conf));
    ctx = zmq_ctx_new();
    if (strcmp(argv[1], "forward") == 0 && argc == 3)
        r = s_forward(ctx, &conf);
    else if (strcmp(argv[1], "sub") == 0 && argc == 4)
        r = s_sub(ctx, &conf, argv[3]);
    else if (strcmp(argv[1], "push") == 0 && (argc == 7 || argc == 8)
             && cs_parse_u64(argv[3], 0, UINT64_MAX, &warm) == 0
             && cs_parse_u64(argv[4], 1, UINT64_MAX, &max) == 0)
        r = s_push(ctx, &conf, warm, max, atof(argv[5]), argv[6], argc == 8 ? atof(argv[7]) : 0);
    else
        return s_usage();
    if (r != 0)
        (void) fprintf(stderr, "camstack-zmqchain %s: %s\n", argv[1], zmq_strerror(errno));
    (void) zmq_ctx_term(ctx); /* once what lingers has gone */
    (void) printf("exit cpu_s %.6f\n", s_cpu_s());
    return r;
}
