/* saverd's writer (writer.c, writeractor.c), in-process with its thread, writing into a
 * temporary directory: a full queue drops frames, counted exactly as queue_dropped and listed
 * in the file's gaps; rotation cuts a run into parts of exactly max_frames_per_file frames; a
 * write error is counted and the file ends with its reason. The test holds the writer
 * thread, as a stalled disk would, and fails a write, as a full disk would, through the
 * seams of writer-private.h; the rest (queue, files, counters, events) is saverd's own. */
#include "writer-private.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>
#include <czmq.h>
#include <hdf5.h>

#include "check-main.h"
#include "h5file.h"
#include "pattern.h"
#include "pixfmt.h"
#include "tmpdir.h"
#include "util.h"
#include "verify.h"

#define S_RUN        42
#define S_EVENTS_MAX 32
#define S_WAIT_MS    10000

static struct cs_conf s_conf;
static writer_t *s_w;
static struct writer_event s_events[S_EVENTS_MAX];
static unsigned s_n_events;
/* Held by the test: the writer thread waits for it before each item. */
static pthread_mutex_t s_gate = PTHREAD_MUTEX_INITIALIZER;

/* In the writer thread: no ck_assert() there. */
static void
s_before_item(void *arg)
{
    (void) pthread_mutex_lock(&s_gate);
    (void) pthread_mutex_unlock(&s_gate);
}

/* In the writer thread: frame s_fail_seq fails to be written, as on a full disk. */
static uint64_t s_fail_seq = UINT64_MAX;

static int
s_before_append(void *arg, uint64_t seq)
{
    return seq == s_fail_seq ? -ENOSPC : 0;
}

static void
s_setup(void)
{
    test_tmpdir_setup();
    zsys_handler_set(NULL);
    cs_conf_defaults(&s_conf, "/nonexistent/camstack.ini");
    (void) cs_strlcpy(s_conf.saverd.directory, test_tmpdir, sizeof s_conf.saverd.directory);
    s_conf.camerad.pixel_format = CS_PIXFMT_GREY;
    s_conf.camerad.width = 512;
    s_conf.camerad.height = 512;
    s_conf.saverd.queue_mb = 1;
    s_conf.saverd.compression.method = CS_COMPRESSION_NONE;
    s_n_events = 0;
    s_fail_seq = UINT64_MAX;
}

static void
s_teardown(void)
{
    writer_destroy(&s_w);
    test_tmpdir_teardown();
}

static void
s_start(void)
{
    s_w = writer_new(&s_conf);
    ck_assert_ptr_nonnull(s_w);
    s_w->seams = (struct writer_seams){ s_before_item, s_before_append, NULL };
    zsock_set_rcvtimeo(writer_sock(s_w), S_WAIT_MS);
}

static struct cs_frame_hdr
s_hdr(uint64_t seq)
{
    struct cs_frame_hdr h = {
        .fourcc = cs_pixfmt_info(s_conf.camerad.pixel_format)->fourcc,
        .run = S_RUN,
        .seq = seq,
        .width = (uint16_t) s_conf.camerad.width,
        .height = (uint16_t) s_conf.camerad.height,
        .stride = s_conf.camerad.width,
        .payload_size = s_conf.camerad.width * s_conf.camerad.height,
        .capture_ns = cs_now_ns(CLOCK_REALTIME),
    };

    return h;
}

/* Pushes frame @seq, drawn with the test pattern. Returns what writer_push_frame() did. */
static int
s_push(uint64_t seq)
{
    struct cs_frame_hdr h = s_hdr(seq);
    zmq_msg_t payload;
    int r;

    ck_assert_int_eq(zmq_msg_init_size(&payload, h.payload_size), 0);
    cs_pattern_fill(s_conf.camerad.pixel_format, h.width, h.height, h.stride, seq,
                    zmq_msg_data(&payload));
    r = writer_push_frame(s_w, &h, &payload, NULL, 0);
    zmq_msg_close(&payload);
    return r;
}

/* Reads events until one of @kind; fails the test after S_WAIT_MS without one. */
static void
s_wait_event(enum writer_event_kind kind)
{
    for (;;) {
        struct writer_event ev;
        int r;

        ck_assert_uint_lt(s_n_events, S_EVENTS_MAX);
        r = writer_recv_event(s_w, &ev);
        ck_assert_msg(r == 0, "no writer event within %d ms", S_WAIT_MS);
        s_events[s_n_events++] = ev;
        if (ev.kind == kind)
            return;
    }
}

/* The @i-th event of @kind, which must be there. */
static const struct writer_event *
s_event(enum writer_event_kind kind, unsigned i)
{
    for (unsigned k = 0; k < s_n_events; k++) {
        if (s_events[k].kind == kind && i-- == 0)
            return &s_events[k];
    }
    ck_abort_msg("event %d #%u is missing", (int) kind, i);
    return NULL;
}

static unsigned
s_count_events(enum writer_event_kind kind)
{
    unsigned n = 0;

    for (unsigned k = 0; k < s_n_events; k++)
        n += s_events[k].kind == kind;
    return n;
}

/* The writer's counters now, as plain numbers. */
struct s_counts {
    uint64_t written, queue_dropped, write_dropped, write_errors, queued, queued_bytes,
        files_closed;
};

static struct s_counts
s_counts(void)
{
    const struct writer_counters *c = writer_counters(s_w);

    return (struct s_counts){
        .written = atomic_load(&c->written),
        .queue_dropped = atomic_load(&c->queue_dropped),
        .write_dropped = atomic_load(&c->write_dropped),
        .write_errors = atomic_load(&c->write_errors),
        .queued = atomic_load(&c->queued),
        .queued_bytes = atomic_load(&c->queued_bytes),
        .files_closed = atomic_load(&c->files_closed),
    };
}

/* The root attribute @name of the file at @path, a string, into @buf. */
static void
s_root_str(const char *path, const char *name, char *buf, size_t size)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT), a, t;
    char *v = NULL;

    ck_assert_msg(f >= 0, "cannot open '%s'", path);
    a = H5Aopen(f, name, H5P_DEFAULT);
    ck_assert_msg(a >= 0, "'%s' has no attribute '%s'", path, name);
    t = H5Aget_type(a);
    ck_assert(H5Tis_variable_str(t) > 0);
    ck_assert_int_ge(H5Aread(a, t, &v), 0);
    (void) cs_strlcpy(buf, v, size);
    H5free_memory(v);
    H5Tclose(t);
    H5Aclose(a);
    H5Fclose(f);
}

/* Removes the files of the test directory, and fails unless there were @n. */
static void
s_remove_files(unsigned n)
{
    DIR *d = opendir(test_tmpdir);
    struct dirent *e;
    unsigned found = 0;
    char path[PATH_MAX];

    ck_assert_ptr_nonnull(d);
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        ck_assert_int_eq(unlink(test_tmpdir_path(path, sizeof path, e->d_name)), 0);
        found++;
    }
    (void) closedir(d);
    ck_assert_uint_eq(found, n);
}

static void
s_ends_with(const struct writer_event *closed, const char *reason)
{
    char end[32];

    s_root_str(closed->path, "end_reason", end, sizeof end);
    ck_assert_str_eq(end, reason);
}

START_TEST(full_queue_drops_and_counts_exactly)
{
    size_t bytes =
        (size_t) s_conf.camerad.width * s_conf.camerad.height + sizeof(struct writer_item);
    struct cs_frame_hdr first = s_hdr(0);
    const struct writer_event *closed;
    unsigned queued = 0, dropped = 0;
    uint64_t fit;

    s_start();
    fit = writer_queue_limit(s_w) / bytes;
    /* 1 MB holds 3 frames of 256 KiB and their items: the 4th does not fit. */
    ck_assert_uint_eq(fit, 3);
    ck_assert_int_eq(pthread_mutex_lock(&s_gate), 0); /* the disk stalls */
    ck_assert_int_eq(writer_push_run_begin(s_w, &first), 0);
    for (uint64_t seq = 0; seq < 10; seq++) {
        int r = s_push(seq);

        ck_assert_msg(r == 0 || r == -ENOBUFS, "push %llu: %d", (unsigned long long) seq, r);
        if (r == 0)
            queued++;
        else
            dropped++;
    }
    ck_assert_uint_eq(queued, fit);
    ck_assert_uint_eq(dropped, 10 - fit);
    ck_assert_uint_eq(s_counts().queue_dropped, 10 - fit);
    ck_assert_uint_eq(s_counts().queued, fit);
    ck_assert_uint_eq(s_counts().queued_bytes, fit * bytes);
    ck_assert_uint_eq(s_counts().written, 0);
    /* The disk is back: what was queued is written, the run ends with its end-of-stream. */
    ck_assert_int_eq(writer_push_run_end(s_w, true, NULL, 0), 0);
    ck_assert_int_eq(writer_push_stop(s_w), 0);
    ck_assert_int_eq(pthread_mutex_unlock(&s_gate), 0);
    s_wait_event(WRITER_STOPPED);
    ck_assert_uint_eq(s_counts().written, fit);
    ck_assert_uint_eq(s_counts().queue_dropped, 10 - fit);
    ck_assert_uint_eq(s_counts().write_dropped, 0);
    ck_assert_uint_eq(s_counts().write_errors, 0);
    ck_assert_uint_eq(s_counts().queued, 0);
    ck_assert_uint_eq(s_counts().queued_bytes, 0);
    ck_assert_uint_eq(s_count_events(WRITER_OPENED), 1);
    closed = s_event(WRITER_CLOSED, 0);
    ck_assert_uint_eq(closed->frames, fit);
    ck_assert_uint_eq(closed->lost, 10 - fit);
    ck_assert(closed->complete);
    /* The file holds frames 0-2, bit-exact, and lists 3-9 as lost in the queue. */
    verify_movie(closed->path, &(struct expect){ .pixfmt = CS_PIXFMT_GREY,
                                                 .width = 512,
                                                 .height = 512,
                                                 .first_seq = 0,
                                                 .frames = fit,
                                                 .lost = 10 - fit,
                                                 .complete = 1 });
    s_ends_with(closed, "end_of_stream");
    s_remove_files(1);
}
END_TEST

START_TEST(rotation_cuts_parts_of_exact_size)
{
    struct cs_frame_hdr first = s_hdr(0);
    static const char *const ends[] = { "rotated", "rotated", "end_of_stream" };
    static const uint64_t frames[] = { 3, 3, 1 };

    s_conf.saverd.max_frames_per_file = 3;
    s_conf.saverd.queue_mb = 64;
    s_start();
    ck_assert_int_eq(writer_push_run_begin(s_w, &first), 0);
    for (uint64_t seq = 0; seq < 7; seq++)
        ck_assert_int_eq(s_push(seq), 0);
    ck_assert_int_eq(writer_push_run_end(s_w, true, NULL, 0), 0);
    ck_assert_int_eq(writer_push_stop(s_w), 0);
    s_wait_event(WRITER_STOPPED);
    ck_assert_uint_eq(s_counts().written, 7);
    ck_assert_uint_eq(s_counts().files_closed, 3);
    ck_assert_uint_eq(s_count_events(WRITER_OPENED), 3);
    ck_assert_uint_eq(s_count_events(WRITER_CLOSED), 3);
    for (unsigned i = 0; i < 3; i++) {
        const struct writer_event *opened = s_event(WRITER_OPENED, i);
        const struct writer_event *closed = s_event(WRITER_CLOSED, i);

        ck_assert_str_eq(opened->path, closed->path);
        ck_assert_uint_eq(closed->part, i);
        ck_assert_uint_eq(opened->first_seq, 3 * i);
        ck_assert_uint_eq(closed->frames, frames[i]);
        ck_assert_uint_eq(closed->lost, 0);
        verify_movie(closed->path, &(struct expect){ .pixfmt = CS_PIXFMT_GREY,
                                                     .width = 512,
                                                     .height = 512,
                                                     .first_seq = 3 * i,
                                                     .frames = frames[i],
                                                     .complete = 1 });
        s_ends_with(closed, ends[i]);
        ck_assert_uint_eq(verify_root_attr(closed->path, "part"), i);
    }
    s_remove_files(4); /* the three parts and the run file (runvds.h) */
}
END_TEST

/* The write of frame 5 fails (the seam before_append: as on a full disk, nothing of it is
 * written). The rest of the run is not saved: the file is closed, readable, with frames 0-4,
 * and says why it ended. */
START_TEST(write_error_is_counted_and_ends_the_file)
{
    struct cs_frame_hdr first = s_hdr(0);
    const struct writer_event *failed;

    s_conf.saverd.queue_mb = 64;
    s_fail_seq = 5;
    s_start();
    ck_assert_int_eq(writer_push_run_begin(s_w, &first), 0);
    for (uint64_t seq = 0; seq < 10; seq++)
        ck_assert_int_eq(s_push(seq), 0);
    ck_assert_int_eq(writer_push_run_end(s_w, true, NULL, 0), 0);
    ck_assert_int_eq(writer_push_stop(s_w), 0);
    s_wait_event(WRITER_STOPPED);
    ck_assert_uint_eq(s_counts().written, 5);
    ck_assert_uint_eq(s_counts().write_dropped, 5); /* the failed frame and the rest */
    ck_assert_uint_eq(s_counts().write_errors, 1);
    ck_assert_uint_eq(s_counts().queue_dropped, 0);
    ck_assert_uint_eq(s_counts().files_closed, 1);
    ck_assert_uint_eq(s_count_events(WRITER_FAILED), 1);
    ck_assert_uint_eq(s_count_events(WRITER_CLOSED), 0);
    failed = s_event(WRITER_FAILED, 0);
    ck_assert_str_eq(failed->what, "write");
    ck_assert_int_eq(failed->err, -ENOSPC);
    ck_assert_uint_eq(failed->frames, 5);
    ck_assert_str_eq(failed->path, s_event(WRITER_OPENED, 0)->path);
    verify_movie(failed->path, &(struct expect){ .pixfmt = CS_PIXFMT_GREY,
                                                 .width = 512,
                                                 .height = 512,
                                                 .first_seq = 0,
                                                 .frames = 5,
                                                 .complete = 0 });
    s_ends_with(failed, "write_error");
    s_remove_files(1);
}
END_TEST

Suite *
test_suite(void)
{
    Suite *s = suite_create("writer");
    TCase *tc = tcase_create("writer");

    cs_h5_quiet();
    tcase_add_checked_fixture(tc, s_setup, s_teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, full_queue_drops_and_counts_exactly);
    tcase_add_test(tc, rotation_cuts_parts_of_exact_size);
    tcase_add_test(tc, write_error_is_counted_and_ends_the_file);
    suite_add_tcase(s, tc);
    return s;
}
