/* The write rate of saverd alone: its writer (the thread, queue, packing, compression, HDF5
 * direct chunk writes, SWMR, flushes) fed in-process with frames that are already in memory,
 * as fast as it takes them, with no camera, pubd or network in the way. Frames are zero-copy
 * messages over a few prebuilt test-pattern frames. Prints one line of results.
 *
 *   saverd-rate DIR WIDTH HEIGHT FORMAT FRAMES [COMPRESSION [SWMR]]
 *   saverd-rate --raw DIR WIDTH HEIGHT FORMAT FRAMES
 *
 * --raw writes the same frames from the same buffers with plain write(2) into one file: the
 * page cache's rate for exactly this work, a yardstick beside dd (which also reads /dev/zero
 * into its buffer, one more pass over memory per block).
 *
 * The rate is measured from the first frame handed over to the last one written (before the
 * close, whose fsync measures the disk instead); the close is timed apart. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <czmq.h>

#include "benchsock.h"
#include "config.h"
#include "pattern.h"
#include "pixfmt.h"
#include "util.h"
#include "writer.h"

#define S_DISTINCT 8 /* distinct frames cycled through */

static int
s_wait_event(writer_t *w, enum writer_event_kind kind, int timeout_ms)
{
    zpoller_t *p = zpoller_new(writer_sock(w), NULL);
    struct writer_event ev;
    int r = -ETIMEDOUT;

    while (zpoller_wait(p, timeout_ms) == writer_sock(w)) {
        if (writer_recv_event(w, &ev) == 0 && ev.kind == WRITER_FAILED) {
            (void) fprintf(stderr, "saverd-rate: %s of '%s' failed: %s\n", ev.what, ev.path,
                           strerror(-ev.err));
            r = ev.err;
            break;
        }
        if (ev.kind == kind) {
            r = 0;
            break;
        }
    }
    zpoller_destroy(&p);
    return r;
}

static int
s_raw(const char *dir, uint8_t *const *frames, uint64_t frame_bytes, uint64_t n)
{
    char path[PATH_MAX];
    uint64_t t0, t1;
    int fd;

    (void) snprintf(path, sizeof path, "%s/raw.bin", dir);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return 1;
    t0 = cs_now_ns(CLOCK_MONOTONIC);
    for (uint64_t i = 0; i < n; i++) {
        if (write(fd, frames[i % S_DISTINCT], frame_bytes) != (ssize_t) frame_bytes) {
            (void) close(fd);
            return 1;
        }
    }
    t1 = cs_now_ns(CLOCK_MONOTONIC);
    (void) close(fd);
    (void) unlink(path);
    (void) printf("raw write(2): %llu frames in %.3f s: %.0f MB/s\n", (unsigned long long) n,
                  (double) (t1 - t0) / 1e9,
                  (double) (n * frame_bytes) / 1e6 / ((double) (t1 - t0) / 1e9));
    return 0;
}

int
main(int argc, char **argv)
{
    bool raw = argc > 1 && strcmp(argv[1], "--raw") == 0;
    struct cs_conf conf;
    struct cs_frame_hdr h = { 0 };
    const struct cs_pixfmt_info *pi;
    const struct writer_counters *c;
    uint8_t *frames[S_DISTINCT];
    uint64_t n, t0, t_written, t_closed, frame_bytes;
    writer_t *w;
    int r;

    if (raw) {
        argv++;
        argc--;
    }
    if (argc < 6) {
        (void) fprintf(stderr,
                       "usage: saverd-rate DIR WIDTH HEIGHT FORMAT FRAMES [COMPRESSION [SWMR]]\n");
        return 2;
    }
    cs_conf_defaults(&conf, "bench.ini");
    (void) cs_strlcpy(conf.saverd.directory, argv[1], sizeof conf.saverd.directory);
    (void) cs_strlcpy(conf.stack.stream, "bench", sizeof conf.stack.stream);
    conf.camerad.width = (uint32_t) strtoul(argv[2], NULL, 10);
    conf.camerad.height = (uint32_t) strtoul(argv[3], NULL, 10);
    n = strtoull(argv[5], NULL, 10);
    if (cs_pixfmt_from_name(argv[4], &conf.camerad.pixel_format) < 0 || !conf.camerad.width
        || !conf.camerad.height || !n) {
        (void) fprintf(stderr, "saverd-rate: bad arguments\n");
        return 2;
    }
    if (argc > 6 && strcmp(argv[6], "none") != 0) {
        conf.saverd.compression.method =
            strncmp(argv[6], "lz4", 3) == 0 ? CS_COMPRESSION_LZ4 : CS_COMPRESSION_DEFLATE;
        conf.saverd.compression.level =
            strchr(argv[6], ':') ? (unsigned) atoi(strchr(argv[6], ':') + 1) : 4;
    }
    conf.saverd.swmr = argc > 7 ? strcmp(argv[7], "no") != 0 : true;
    pi = cs_pixfmt_info(conf.camerad.pixel_format);
    frame_bytes = cs_conf_frame_bytes(&conf);
    for (int i = 0; i < S_DISTINCT; i++) {
        frames[i] = malloc(frame_bytes);
        if (!frames[i])
            return 1;
        cs_pattern_fill(conf.camerad.pixel_format, conf.camerad.width, conf.camerad.height,
                        (size_t) conf.camerad.width * pi->bytes_per_pixel, (uint64_t) i, frames[i]);
    }
    if (raw)
        return s_raw(argv[1], frames, frame_bytes, n);
    zsys_init();
    w = writer_new(&conf);
    if (!w)
        return 1;
    c = writer_counters(w);
    h.fourcc = pi->fourcc;
    h.run = 1;
    h.width = (uint16_t) conf.camerad.width;
    h.height = (uint16_t) conf.camerad.height;
    h.stride = conf.camerad.width * pi->bytes_per_pixel;
    h.payload_size = (uint32_t) frame_bytes;
    h.capture_ns = cs_now_ns(CLOCK_REALTIME);
    (void) writer_push_run_begin(w, &h);
    t0 = cs_now_ns(CLOCK_MONOTONIC);
    for (uint64_t seq = 0; seq < n; seq++) {
        zmq_msg_t m;

        /* Hand over only what the queue takes: a benchmark measures, it does not drop. */
        while (atomic_load(&c->queued_bytes) + 2 * frame_bytes > writer_queue_limit(w))
            zclock_sleep(1);
        h.seq = seq;
        h.capture_ns = cs_now_ns(CLOCK_REALTIME);
        (void) zmq_msg_init_data(&m, frames[seq % S_DISTINCT], frame_bytes, bench_no_free, NULL);
        if (writer_push_frame(w, &h, &m, NULL, 0) < 0) {
            (void) fprintf(stderr, "saverd-rate: frame %llu dropped\n", (unsigned long long) seq);
            (void) zmq_msg_close(&m);
        }
    }
    while (atomic_load(&c->written) + atomic_load(&c->write_dropped) < n)
        zclock_sleep(1);
    t_written = cs_now_ns(CLOCK_MONOTONIC);
    h.seq = n;
    (void) writer_push_run_end(w, true, NULL, 0);
    (void) writer_push_stop(w);
    r = s_wait_event(w, WRITER_STOPPED, 600000);
    t_closed = cs_now_ns(CLOCK_MONOTONIC);
    if (r == 0 && atomic_load(&c->written) == n) {
        double s = (double) (t_written - t0) / 1e9;

        (void) printf("saverd %ux%u %s %s%s: %llu frames of %.2f MB in %.3f s: %.0f MB/s, "
                      "%.0f frames/s; close with fsync %.3f s\n",
                      conf.camerad.width, conf.camerad.height, pi->name,
                      cs_compression_name(conf.saverd.compression.method),
                      conf.saverd.swmr ? ", SWMR" : "", (unsigned long long) n,
                      (double) frame_bytes / 1e6, s, (double) (n * frame_bytes) / 1e6 / s,
                      (double) n / s, (double) (t_closed - t_written) / 1e9);
    } else {
        (void) fprintf(stderr, "saverd-rate: %llu of %llu frames written\n",
                       (unsigned long long) atomic_load(&c->written), (unsigned long long) n);
        r = r ? r : -EIO;
    }
    writer_destroy(&w);
    for (int i = 0; i < S_DISTINCT; i++)
        free(frames[i]);
    return r == 0 ? 0 : 1;
}
