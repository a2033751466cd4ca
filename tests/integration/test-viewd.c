/* viewd in a real stack, through real HTTP clients (curl, and raw sockets for the hostile
 * ones): every pixel format's JPEG decoded and compared with the converted pattern frame it
 * claims to be, the endpoints and their headers, the frame subscribers' ledgers the same with
 * viewd on and off, HTTPS and the token, and clients that never read, flood it with
 * connections, send garbage or huge headers. */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <check.h>
#include <png.h>
#include <turbojpeg.h>

#include "check-main.h"
#include "harness.h"
#include "json.h"
#include "pattern.h"
#include "readfile.h"
#include "util.h"
#include "view.h"

#define S_W 320
#define S_H 240
/* The mean difference a JPEG of quality 85 (4:2:0 for colour) leaves on the pattern's
 * gradients: about 0.4 for grey and 4.2 for colour, measured. */
#define S_JPEG_TOLERANCE 6.0
/* Scaled down, the pattern's gradients are steeper and its wraps denser: about 6.5 halved
 * and 10 quartered (measured); from the wrong frame, about 50. */
#define S_JPEG_TOLERANCE_SCALED 12.0

static struct stack s_stack;
static char s_url[128];

static void
s_teardown(void)
{
    (void) stack_destroy(&s_stack);
}

/* The page's address from viewd's status ("url"). */
static void
s_find_url(void)
{
    stack_await(&s_stack, CS_DAEMON_VIEWD, "uptime_s", 0, 20000);
    stack_status_str(&s_stack, CS_DAEMON_VIEWD, "url", s_url, sizeof s_url);
    ck_assert_msg(strncmp(s_url, "http", 4) == 0, "viewd's url is '%s'", s_url);
}

/* Starts pubd, viewd and camerad (and the frame subscribers with @all) on the test pattern of
 * @w x @h. */
static void
s_start(enum cs_pixfmt fmt, double fps, uint64_t frames, const char *extra, bool all, unsigned w,
        unsigned h)
{
    struct stack_params p = {
        .pixfmt = fmt, .width = w, .height = h, .fps = fps, .frames = frames, .extra = extra
    };

    ck_assert_int_eq(stack_init(&s_stack, &p), 0);
    if (all) {
        stack_start_all(&s_stack);
    } else {
        ck_assert_int_eq(stack_start(&s_stack, CS_DAEMON_PUBD), 0);
        ck_assert_int_eq(stack_start(&s_stack, CS_DAEMON_VIEWD), 0);
        stack_await(&s_stack, CS_DAEMON_PUBD, "preview_subscribers", 1, 20000);
        ck_assert_int_eq(stack_start(&s_stack, CS_DAEMON_CAMERAD), 0);
    }
    s_find_url();
}

/* GETs @path with curl and @opts (NULL-terminated, at most 8): the body into <dir>/@body (or
 * nowhere), the response headers into @hdr. Returns the HTTP status, or -1 when curl failed
 * (with its exit status in @ret_curl if not NULL). */
static int
s_get(const char *path, const char *const *opts, const char *body, char *hdr, size_t hdr_size,
      int *ret_curl)
{
    char url[256], hfile[PATH_MAX], bfile[PATH_MAX], out[256];
    const char *argv[24] = { "curl", "-s", "-S",  "--max-time", "20",          "-D",
                             hfile,  "-o", bfile, "-w",         "%{http_code}" };
    int n = 11, rc;

    (void) snprintf(url, sizeof url, "%s%s", s_url, path[0] == '/' ? path + 1 : path);
    (void) snprintf(hfile, sizeof hfile, "%s/headers", s_stack.dir);
    if (body)
        (void) snprintf(bfile, sizeof bfile, "%s/%s", s_stack.dir, body);
    else
        (void) snprintf(bfile, sizeof bfile, "/dev/null");
    for (int i = 0; opts && opts[i]; i++)
        argv[n++] = opts[i];
    argv[n++] = url;
    argv[n] = NULL;
    (void) unlink(hfile);
    rc = stack_run_cmd(argv, 30, out, sizeof out);
    if (ret_curl)
        *ret_curl = rc;
    if (hdr) {
        hdr[0] = '\0';
        if (access(hfile, F_OK) == 0)
            stack_read_file(&s_stack, "headers", hdr, hdr_size);
    }
    return rc == 0 ? atoi(out) : -1;
}

/* Header @name's value in @hdr, as a u64 (fails the test when absent). */
static uint64_t
s_header_u64(const char *hdr, const char *name)
{
    char want[64];
    const char *p;

    (void) snprintf(want, sizeof want, "\n%s: ", name);
    p = strcasestr(hdr, want);
    ck_assert_msg(p, "no %s in:\n%s", name, hdr);
    return strtoull(p + strlen(want), NULL, 10);
}

static bool
s_header_is(const char *hdr, const char *line)
{
    return strcasestr(hdr, line) != NULL;
}

/* The whole of <dir>/@name, malloc'd, its size in @ret_size. */
static uint8_t *
s_slurp(const char *name, size_t *ret_size)
{
    char path[PATH_MAX];

    (void) snprintf(path, sizeof path, "%s/%s", s_stack.dir, name);
    return (uint8_t *) test_read_file(path, ret_size);
}

/* The frame @seq of @fmt, @w x @h, as viewd converts it for viewing (8 bits). */
static void
s_reference_sized(enum cs_pixfmt fmt, uint64_t seq, unsigned w, unsigned h,
                  struct cs_view_image *ret)
{
    const struct cs_pixfmt_info *pi = cs_pixfmt_info(fmt);
    size_t stride = (size_t) w * pi->bytes_per_pixel;
    uint8_t *raw = malloc(stride * h);

    ck_assert_ptr_nonnull(raw);
    cs_pattern_fill(fmt, w, h, stride, seq, raw);
    ck_assert_int_eq(cs_view_convert(fmt, w, h, stride, raw, false, ret), 0);
    free(raw);
}

static void
s_reference(enum cs_pixfmt fmt, uint64_t seq, struct cs_view_image *ret)
{
    s_reference_sized(fmt, seq, S_W, S_H, ret);
}

/* Decodes <dir>/@name and returns the mean absolute difference from @ref, sample by sample;
 * the largest difference in @ret_max. */
static double
s_jpeg_error(const char *name, const struct cs_view_image *ref, unsigned *ret_max)
{
    size_t size, n = (size_t) ref->width * ref->height * ref->channels;
    uint8_t *jpeg = s_slurp(name, &size), *pix = malloc(n);
    tjhandle tj = tjInitDecompress();
    int w = 0, h = 0, sub = 0, cs = 0;
    double sum = 0;

    ck_assert(tj && pix);
    ck_assert_int_eq(tjDecompressHeader3(tj, jpeg, size, &w, &h, &sub, &cs), 0);
    ck_assert_int_eq(w, (int) ref->width);
    ck_assert_int_eq(h, (int) ref->height);
    ck_assert_int_eq(
        tjDecompress2(tj, jpeg, size, pix, w, 0, h, ref->channels == 3 ? TJPF_RGB : TJPF_GRAY, 0),
        0);
    *ret_max = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned d = (unsigned) abs((int) pix[i] - (int) ref->data[i]);

        sum += d;
        *ret_max = d > *ret_max ? d : *ret_max;
    }
    (void) tjDestroy(tj);
    free(pix);
    free(jpeg);
    return sum / (double) n;
}

/* /api/frame of the frame the last /frame.jpg showed: its identity, and its histogram and
 * saturation as counted on the reference. */
static void
s_check_api_frame(enum cs_pixfmt fmt, const struct cs_view_image *ref8)
{
    char hdr[4096];
    size_t size;
    uint8_t *body;
    json_t *o, *bins;
    uint64_t total = 0;
    const char *name = NULL;

    ck_assert_int_eq(s_get("/api/frame", NULL, "frame.json", hdr, sizeof hdr, NULL), 200);
    ck_assert(s_header_is(hdr, "Content-Type: application/json"));
    body = s_slurp("frame.json", &size);
    o = cs_json_parse_object((const char *) body, size, NULL, 0);
    ck_assert_ptr_nonnull(o);
    ck_assert_int_eq(cs_json_get_string(o, "pixel_format", &name), 0);
    ck_assert_str_eq(name, cs_pixfmt_info(fmt)->name);
    bins = json_object_get(o, "bins");
    ck_assert_uint_eq(json_array_size(bins), ref8->channels);
    for (size_t i = 0; i < json_array_size(json_array_get(bins, 0)); i++)
        total += (uint64_t) json_integer_value(json_array_get(json_array_get(bins, 0), i));
    ck_assert_uint_eq(total, (uint64_t) S_W * S_H);
    json_decref(o);
    free(body);
}

/* /snapshot.png: the frame its headers name, converted as camstackctl snapshot converts it,
 * sample for sample (PNG loses nothing). */
static void
s_check_snapshot(enum cs_pixfmt fmt)
{
    png_image png = { .version = PNG_IMAGE_VERSION };
    struct cs_view_image ref;
    char hdr[4096];
    size_t size;
    uint8_t *data, *pix;

    ck_assert_int_eq(s_get("/snapshot.png", NULL, "snap.png", hdr, sizeof hdr, NULL), 200);
    ck_assert(s_header_is(hdr, "Content-Type: image/png"));
    s_reference(fmt, s_header_u64(hdr, "X-Camstack-Seq"), &ref);
    data = s_slurp("snap.png", &size);
    ck_assert(png_image_begin_read_from_memory(&png, data, size));
    png.format = ref.channels == 3 ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
    ck_assert_uint_eq(png.width, S_W);
    ck_assert_uint_eq(png.height, S_H);
    pix = malloc(PNG_IMAGE_SIZE(png));
    ck_assert(pix && png_image_finish_read(&png, NULL, pix, 0, NULL));
    ck_assert_uint_eq(PNG_IMAGE_SIZE(png), ref.row_bytes * S_H);
    ck_assert_msg(memcmp(pix, ref.data, ref.row_bytes * S_H) == 0, "%s: the PNG is not the frame",
                  cs_pixfmt_info(fmt)->name);
    free(pix);
    free(data);
    cs_view_free(&ref);
}

START_TEST(each_format_shown_as_the_pattern)
{
    enum cs_pixfmt fmt = (enum cs_pixfmt) _i;
    const char *after[] = { NULL };
    char hdr[4096], path[64];
    struct cs_view_image ref;
    uint64_t seq, seq2;
    unsigned max_diff;
    double err;

    s_start(fmt, 25, 0, NULL, false, S_W, S_H);
    stack_await(&s_stack, CS_DAEMON_VIEWD, "received", 2, 20000);
    ck_assert_int_eq(s_get("/frame.jpg", after, "frame.jpg", hdr, sizeof hdr, NULL), 200);
    ck_assert(s_header_is(hdr, "Content-Type: image/jpeg"));
    ck_assert(s_header_is(hdr, "Cache-Control: no-store"));
    ck_assert_msg(strstr(hdr, cs_pixfmt_info(fmt)->name), "no X-Camstack-Pixel-Format: %s", hdr);
    ck_assert_uint_gt(s_header_u64(hdr, "X-Camstack-Run"), 0);
    ck_assert_uint_gt(s_header_u64(hdr, "X-Camstack-Time-Ns"), 0);
    seq = s_header_u64(hdr, "X-Camstack-Seq");
    s_reference(fmt, seq, &ref);
    err = s_jpeg_error("frame.jpg", &ref, &max_diff);
    (void) printf("%s: seq %llu, mean error %.2f, max %u\n", cs_pixfmt_info(fmt)->name,
                  (unsigned long long) seq, err, max_diff);
    ck_assert_msg(err < S_JPEG_TOLERANCE,
                  "%s: the JPEG differs from the pattern by %.2f on average",
                  cs_pixfmt_info(fmt)->name, err);
    /* Against another frame of the pattern it does not match: the comparison can fail. */
    cs_view_free(&ref);
    s_reference(fmt, seq + 10, &ref);
    ck_assert_double_gt(s_jpeg_error("frame.jpg", &ref, &max_diff), 2 * S_JPEG_TOLERANCE);
    s_check_api_frame(fmt, &ref);
    cs_view_free(&ref);
    /* The long poll: the next frame, another seq. */
    (void) snprintf(path, sizeof path, "/frame.jpg?after=%llu", (unsigned long long) seq);
    ck_assert_int_eq(s_get(path, NULL, "next.jpg", hdr, sizeof hdr, NULL), 200);
    seq2 = s_header_u64(hdr, "X-Camstack-Seq");
    ck_assert_uint_ne(seq2, seq);
    s_reference(fmt, seq2, &ref);
    ck_assert_double_lt(s_jpeg_error("next.jpg", &ref, &max_diff), S_JPEG_TOLERANCE);
    cs_view_free(&ref);
    s_check_snapshot(fmt);
    ck_assert_int_eq(stack_stop(&s_stack, CS_DAEMON_CAMERAD), 0);
    ck_assert_int_eq(stack_stop(&s_stack, CS_DAEMON_VIEWD), 0);
    ck_assert_int_eq(stack_stop(&s_stack, CS_DAEMON_PUBD), 0);
}
END_TEST

/* Frame @seq of RGB24 at 2 S_W x 2 S_H scaled down by @f: each @f x @f block's rounded mean
 * a pixel. */
static void
s_scaled_reference(uint64_t seq, unsigned f, struct cs_view_image *ret)
{
    struct cs_view_image full;
    unsigned w = 2 * S_W / f, h = 2 * S_H / f;

    s_reference_sized(CS_PIXFMT_RGB24, seq, 2 * S_W, 2 * S_H, &full);
    *ret = (struct cs_view_image){ .width = w, .height = h, .channels = 3, .depth = 8 };
    ret->row_bytes = (size_t) w * 3;
    ret->data = malloc(ret->row_bytes * h);
    ck_assert_ptr_nonnull(ret->data);
    for (unsigned y = 0; y < h; y++) {
        for (unsigned x = 0; x < w * 3; x++) {
            unsigned sum = 0;

            for (unsigned dy = 0; dy < f; dy++) {
                for (unsigned dx = 0; dx < f; dx++)
                    sum += full.data[(size_t) (y * f + dy) * full.row_bytes + ((x / 3) * f + dx) * 3
                                     + x % 3];
            }
            ret->data[(size_t) y * ret->row_bytes + x] = (uint8_t) ((sum + f * f / 2) / (f * f));
        }
    }
    cs_view_free(&full);
}

/* A frame wider than [viewd] max_width is shown scaled down by a whole factor, each pixel the
 * mean of its block: 640x480 with max_width = 320 is 320x240 (2x2 blocks), with 160 it is
 * 160x120 (4x4). */
START_TEST(wide_frames_scaled_down)
{
    unsigned f = _i ? 4 : 2;
    struct cs_view_image ref;
    char hdr[4096], extra[64];
    unsigned max_diff;
    uint64_t seq;
    double err, wrong;

    (void) snprintf(extra, sizeof extra, "[viewd]\nmax_width = %u\n", 2 * S_W / f);
    s_start(CS_PIXFMT_RGB24, 25, 0, extra, false, 2 * S_W, 2 * S_H);
    stack_await(&s_stack, CS_DAEMON_VIEWD, "received", 2, 20000);
    ck_assert_int_eq(s_get("/frame.jpg", NULL, "frame.jpg", hdr, sizeof hdr, NULL), 200);
    seq = s_header_u64(hdr, "X-Camstack-Seq");
    s_scaled_reference(seq, f, &ref);
    err = s_jpeg_error("frame.jpg", &ref, &max_diff);
    cs_view_free(&ref);
    s_scaled_reference(seq + 10, f, &ref);
    wrong = s_jpeg_error("frame.jpg", &ref, &max_diff);
    (void) printf("RGB24 scaled by %u: mean error %.2f, from the wrong frame %.2f\n", f, err,
                  wrong);
    ck_assert_double_lt(err, S_JPEG_TOLERANCE_SCALED);
    ck_assert_double_gt(wrong, 2 * S_JPEG_TOLERANCE_SCALED);
    cs_view_free(&ref);
    for (enum cs_daemon_id d = 0; d < CS_DAEMON_COUNT; d++) {
        if (s_stack.pid[d])
            ck_assert_int_eq(stack_stop(&s_stack, d), 0);
    }
}
END_TEST

/* The parts of <dir>/@name, an MJPEG stream: each a JPEG of the size its Content-Length says
 * and the four X-Camstack headers, seqs increasing. Returns how many whole parts it has. */
static int
s_count_parts(const char *name)
{
    size_t size;
    uint8_t *buf = s_slurp(name, &size);
    const char *p = (const char *) buf, *end = (const char *) buf + size;
    uint64_t last_seq = 0;
    int parts = 0;

    while (p < end && (p = memmem(p, (size_t) (end - p), "--camstack-frame\r\n", 18))) {
        const char *body = memmem(p, (size_t) (end - p), "\r\n\r\n", 4);
        const char *len = memmem(p, (size_t) (end - p), "Content-Length: ", 16);
        const char *seq = memmem(p, (size_t) (end - p), "X-Camstack-Seq: ", 16);
        size_t n;

        if (!body || !len || !seq || len > body || seq > body)
            break;
        ck_assert(memmem(p, (size_t) (body - p), "X-Camstack-Run: ", 16));
        ck_assert(memmem(p, (size_t) (body - p), "X-Camstack-Time-Ns: ", 20));
        ck_assert(memmem(p, (size_t) (body - p), "X-Camstack-Pixel-Format: RGB24", 30));
        n = strtoul(len + 16, NULL, 10);
        body += 4;
        if ((size_t) (end - body) < n + 2)
            break; /* cut by curl's --max-time */
        ck_assert_msg((uint8_t) body[0] == 0xff && (uint8_t) body[1] == 0xd8, "not a JPEG");
        ck_assert_msg(parts == 0 || strtoull(seq + 16, NULL, 10) > last_seq, "seq not increasing");
        last_seq = strtoull(seq + 16, NULL, 10);
        parts++;
        p = body + n;
    }
    free(buf);
    return parts;
}

/* The "# TYPE" lines of an exposition, in order, into @buf. */
static void
s_metric_types(const char *text, char *buf, size_t size)
{
    size_t n = 0;

    buf[0] = '\0';
    for (const char *p = strstr(text, "# TYPE "); p; p = strstr(p + 1, "\n# TYPE ")) {
        const char *end = strchr(p + 1, '\n');
        size_t len = end ? (size_t) (end - p) : strlen(p);

        ck_assert_uint_lt(n + len + 1, size);
        memcpy(buf + n, p + (p[0] == '\n'), len - (p[0] == '\n'));
        n += len - (p[0] == '\n');
        buf[n++] = '\n';
        buf[n] = '\0';
    }
}

/* /metrics: Prometheus's text format, the same families as camstackctl metrics (the same
 * code, common/metrics.h), with viewd up. */
static void
s_check_metrics(void)
{
    static char out[1 << 18], err[4096], a[1 << 16], b[1 << 16];
    const char *args[] = { "metrics", NULL };
    char hdr[4096];
    size_t size;
    uint8_t *body;

    ck_assert_int_eq(s_get("/metrics", NULL, "metrics.txt", hdr, sizeof hdr, NULL), 200);
    ck_assert(s_header_is(hdr, "Content-Type: text/plain; version=0.0.4"));
    body = s_slurp("metrics.txt", &size);
    ck_assert(strstr((const char *) body, "\ncamstack_viewd_up 1\n"));
    ck_assert_int_eq(stack_ctl(&s_stack, args, out, sizeof out, err, sizeof err), 0);
    s_metric_types((const char *) body, a, sizeof a);
    s_metric_types(out, b, sizeof b);
    ck_assert_msg(strlen(a) > 100 && strcmp(a, b) == 0, "/metrics:\n%s\ncamstackctl metrics:\n%s",
                  a, b);
    free(body);
}

START_TEST(endpoints)
{
    const char *stream_opts[] = { "--max-time", "2", NULL }, *post[] = { "-X", "POST", NULL };
    const char *status_args[] = { "status", "--json", NULL };
    char hdr[4096], out[65536], err[4096];
    size_t size;
    uint8_t *body;
    json_t *api, *ctl, *o;
    int curl_rc = 0;

    s_start(CS_PIXFMT_RGB24, 25, 0, NULL, true, S_W, S_H);
    stack_await(&s_stack, CS_DAEMON_VIEWD, "stats_received", 5, 20000);
    /* The stream: curl ends it after 2 s (exit 28), with whole parts in it. */
    ck_assert_int_eq(s_get("/stream.mjpg", stream_opts, "stream.mjpg", hdr, sizeof hdr, &curl_rc),
                     -1);
    ck_assert_int_eq(curl_rc, 28);
    ck_assert(s_header_is(hdr, "Content-Type: multipart/x-mixed-replace; boundary=camstack-frame"));
    ck_assert_int_ge(s_count_parts("stream.mjpg"), 3);
    /* The status: the same daemons, each the same process in the same role, as camstackctl's. */
    ck_assert_int_eq(s_get("/api/status", NULL, "status.json", hdr, sizeof hdr, NULL), 200);
    body = s_slurp("status.json", &size);
    api = cs_json_parse_object((const char *) body, size, NULL, 0);
    free(body);
    ck_assert_int_eq(stack_ctl(&s_stack, status_args, out, sizeof out, err, sizeof err), 0);
    ctl = cs_json_parse_object(out, strlen(out), NULL, 0);
    ck_assert(api && ctl);
    ck_assert_uint_eq(json_object_size(api), CS_DAEMON_COUNT);
    for (enum cs_daemon_id d = 0; d < CS_DAEMON_COUNT; d++) {
        json_t *a = json_object_get(api, cs_daemon_name(d));
        json_t *c = json_object_get(ctl, cs_daemon_name(d));

        ck_assert_msg(a && c, "%s missing", cs_daemon_name(d));
        ck_assert(json_equal(json_object_get(a, "pid"), json_object_get(c, "pid")));
        ck_assert(json_equal(json_object_get(a, "role"), json_object_get(c, "role")));
        ck_assert(json_equal(json_object_get(a, "ok"), json_true()));
        ck_assert_uint_eq(json_object_size(a), json_object_size(c));
    }
    json_decref(api);
    json_decref(ctl);
    /* The statistics: analyzerd's, as it published them. */
    ck_assert_int_eq(s_get("/api/stats", NULL, "stats.json", hdr, sizeof hdr, NULL), 200);
    body = s_slurp("stats.json", &size);
    o = cs_json_parse_object((const char *) body, size, NULL, 0);
    free(body);
    ck_assert_ptr_nonnull(o);
    ck_assert(json_is_object(json_object_get(o, "latest")));
    ck_assert(json_is_object(json_object_get(o, "summary")));
    ck_assert_uint_ge(json_array_size(json_object_get(o, "series")), 1);
    ck_assert_int_eq(cs_json_get_string(o, "stream", &(const char *){ NULL }), 0);
    json_decref(o);
    /* The page, and what is not there. */
    ck_assert_int_eq(s_get("/", NULL, "index.html", hdr, sizeof hdr, NULL), 200);
    ck_assert(s_header_is(hdr, "Content-Type: text/html"));
    ck_assert_int_eq(s_get("/nothing-here", NULL, NULL, hdr, sizeof hdr, NULL), 404);
    ck_assert_int_eq(s_get("/frame.jpg", post, NULL, hdr, sizeof hdr, NULL), 405);
    ck_assert_int_eq(s_get("/frame.jpg?after=x", NULL, NULL, hdr, sizeof hdr, NULL), 400);
    /* Steering the stack needs the login even on loopback; without one it is refused. */
    ck_assert_int_eq(s_get("/control/acquire?do=stop", post, NULL, hdr, sizeof hdr, NULL), 403);
    ck_assert_int_eq(s_get("/control/acquire?do=stop", NULL, NULL, hdr, sizeof hdr, NULL), 405);
    ck_assert_int_eq(stack_status(&s_stack, CS_DAEMON_CAMERAD, "steered", 5000), 0);
    ck_assert_int_ge(stack_status(&s_stack, CS_DAEMON_VIEWD, "http_client_errors", 5000), 3);
    s_check_metrics();
    for (enum cs_daemon_id d = 0; d < CS_DAEMON_COUNT; d++)
        ck_assert_int_eq(stack_stop(&s_stack, d), 0);
}
END_TEST

/* The ledger object of @d's status answer (a new reference). */
static json_t *
s_ledger_json(enum cs_daemon_id d)
{
    json_t *status = stack_status_json(&s_stack, d, 5000), *ledger;

    ck_assert_ptr_nonnull(status);
    ledger = json_incref(json_object_get(status, "ledger"));
    json_decref(status);
    ck_assert(json_is_object(ledger));
    return ledger;
}

/* One paced finite run with the frame subscribers, and viewd if @viewd; their ledgers in
 * @ret (analyzerd's, saverd's). */
static void
s_run_ledgers(bool viewd, json_t *ret[2])
{
    struct stack_params p = { .pixfmt = CS_PIXFMT_RGB24,
                              .width = S_W,
                              .height = S_H,
                              .fps = 100,
                              .frames = 150,
                              .wait_subscribers = 2 };

    ck_assert_int_eq(stack_init(&s_stack, &p), 0);
    for (enum cs_daemon_id d = 0; d < CS_DAEMON_COUNT; d++) {
        if (d != CS_DAEMON_CAMERAD && (viewd || d != CS_DAEMON_VIEWD))
            ck_assert_int_eq(stack_start(&s_stack, d), 0);
    }
    if (viewd)
        stack_await(&s_stack, CS_DAEMON_PUBD, "preview_subscribers", 1, 20000);
    ck_assert_int_eq(stack_start(&s_stack, CS_DAEMON_CAMERAD), 0);
    ck_assert_int_eq(stack_wait(&s_stack, CS_DAEMON_CAMERAD), 0);
    stack_await(&s_stack, CS_DAEMON_ANALYZERD, "runs_ended", 1, 20000);
    stack_await(&s_stack, CS_DAEMON_SAVERD, "runs_ended", 1, 20000);
    stack_await(&s_stack, CS_DAEMON_SAVERD, "files_closed", 1, 20000);
    ret[0] = s_ledger_json(CS_DAEMON_ANALYZERD);
    ret[1] = s_ledger_json(CS_DAEMON_SAVERD);
    if (viewd) {
        int64_t received, skipped;

        stack_await(&s_stack, CS_DAEMON_VIEWD, "runs_ended", 1, 20000);
        received = stack_status(&s_stack, CS_DAEMON_VIEWD, "received", 5000);
        skipped = stack_status(&s_stack, CS_DAEMON_VIEWD, "skipped", 5000);
        /* About 10 of 100 frames/s: a sample, and every frame accounted for. */
        ck_assert_int_ge(received, 5);
        ck_assert_int_le(received, 50);
        ck_assert_int_eq(
            received + skipped + stack_status(&s_stack, CS_DAEMON_VIEWD, "camera", 5000), 150);
        ck_assert_int_eq(stack_status(&s_stack, CS_DAEMON_VIEWD, "lost_total", 5000), 0);
        ck_assert_int_eq(stack_status(&s_stack, CS_DAEMON_PUBD, "frame_subscribers", 5000), 2);
    }
    for (enum cs_daemon_id d = CS_DAEMON_PUBD; d < CS_DAEMON_COUNT; d++) {
        if (viewd || d != CS_DAEMON_VIEWD)
            ck_assert_int_eq(stack_stop(&s_stack, d), 0);
    }
    (void) stack_destroy(&s_stack);
}

START_TEST(frame_subscribers_ledgers_same_with_viewd_on_and_off)
{
    json_t *on[2], *off[2];

    s_run_ledgers(true, on);
    s_run_ledgers(false, off);
    for (int i = 0; i < 2; i++) {
        char *a = cs_json_dump_alloc(on[i]), *b = cs_json_dump_alloc(off[i]);

        ck_assert_msg(json_equal(on[i], off[i]), "with viewd: %s\nwithout: %s", a, b);
        free(a);
        free(b);
        json_decref(on[i]);
        json_decref(off[i]);
    }
}
END_TEST

/* Writes <dir>/@name with @text. */
static void
s_write(const char *name, const char *text, char *ret_path, size_t size)
{
    FILE *f;

    (void) snprintf(ret_path, size, "%s/%s", s_stack.dir, name);
    f = fopen(ret_path, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_ge(fputs(text, f), 0);
    ck_assert_int_eq(fclose(f), 0);
}

START_TEST(remote_address_refused_without_https_and_login)
{
    static const char *const cases[][2] = {
        { "[viewd]\nlisten = 0.0.0.0\n", "served without HTTPS" },
        { "[viewd]\nlisten = 192.0.2.1\ntoken_file = t\n", "served without HTTPS" },
        { "[viewd]\nlisten = ::\ntls_certificate = c\ntls_key = k\n", "served without a login" },
    };
    struct stack_params p = { .pixfmt = CS_PIXFMT_GREY, .width = S_W, .height = S_H };
    const char *args[] = { "--config", s_stack.config, "--check-config", NULL };
    char err[8192];

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        p.extra = cases[i][0];
        ck_assert_int_eq(stack_init(&s_stack, &p), 0);
        ck_assert_int_eq(stack_run_tool("viewd", args, err, sizeof err), 78);
        ck_assert_msg(strstr(err, cases[i][1]), "%s", err);
        ck_assert_int_eq(stack_start(&s_stack, CS_DAEMON_VIEWD), 0);
        ck_assert_int_eq(stack_wait(&s_stack, CS_DAEMON_VIEWD), 78);
        (void) stack_destroy(&s_stack);
    }
}
END_TEST

START_TEST(https_and_token)
{
    struct stack_params p = { .pixfmt = CS_PIXFMT_GREY, .width = S_W, .height = S_H, .fps = 25 };
    char crt[PATH_MAX], key[PATH_MAX], tok[PATH_MAX], extra[3 * PATH_MAX + 128], out[4096];
    char hdr[4096], bearer[128], basic[128], wrong[128];
    const char *token = "s3cret-token-of-the-lab-0123456789";
    const char *ca[] = { "--cacert", crt, NULL };
    const char *with_bearer[] = { "--cacert", crt, "-H", bearer, NULL };
    const char *with_wrong[] = { "--cacert", crt, "-H", wrong, NULL };
    const char *with_basic[] = { "--cacert", crt, "-u", basic, NULL };
    const char *post_ca[] = { "--cacert", crt, "-X", "POST", NULL };
    const char *post_bearer[] = { "--cacert", crt, "-X", "POST", "-H", bearer, NULL };
    const char *openssl[] = { "openssl",
                              "req",
                              "-x509",
                              "-newkey",
                              "ec",
                              "-pkeyopt",
                              "ec_paramgen_curve:prime256v1",
                              "-nodes",
                              "-days",
                              "2",
                              "-subj",
                              "/CN=127.0.0.1",
                              "-addext",
                              "subjectAltName=IP:127.0.0.1",
                              "-keyout",
                              key,
                              "-out",
                              crt,
                              NULL };
    int curl_rc = 0;
    char plain[160];

    ck_assert_int_eq(stack_init(&s_stack, &p), 0);
    (void) snprintf(crt, sizeof crt, "%s/viewd.crt", s_stack.dir);
    (void) snprintf(key, sizeof key, "%s/viewd.key", s_stack.dir);
    ck_assert_int_eq(stack_run_cmd(openssl, 60, out, sizeof out), 0);
    s_write("viewd.token", "s3cret-token-of-the-lab-0123456789\n", tok, sizeof tok);
    (void) snprintf(extra, sizeof extra,
                    "[viewd]\nlisten = 127.0.0.1\ntls_certificate = %s\ntls_key = %s\n"
                    "token_file = %s\n",
                    crt, key, tok);
    p.extra = extra;
    ck_assert_int_eq(stack_write_config(&s_stack, &p), 0);
    ck_assert_int_eq(stack_start(&s_stack, CS_DAEMON_PUBD), 0);
    ck_assert_int_eq(stack_start(&s_stack, CS_DAEMON_VIEWD), 0);
    ck_assert_int_eq(stack_start(&s_stack, CS_DAEMON_CAMERAD), 0);
    s_find_url();
    ck_assert_msg(strncmp(s_url, "https://127.0.0.1:", 18) == 0, "%s", s_url);
    (void) snprintf(bearer, sizeof bearer, "Authorization: Bearer %s", token);
    (void) snprintf(wrong, sizeof wrong, "Authorization: Bearer %.*sX", (int) strlen(token) - 1,
                    token);
    (void) snprintf(basic, sizeof basic, "anyone:%s", token);
    ck_assert_int_eq(s_get("/api/stats", ca, NULL, hdr, sizeof hdr, NULL), 401);
    ck_assert(s_header_is(hdr, "WWW-Authenticate: Basic"));
    ck_assert_int_eq(s_get("/api/stats", with_wrong, NULL, hdr, sizeof hdr, NULL), 401);
    ck_assert_int_eq(s_get("/", with_wrong, NULL, hdr, sizeof hdr, NULL), 401);
    ck_assert_int_eq(s_get("/api/stats", with_bearer, NULL, hdr, sizeof hdr, NULL), 200);
    ck_assert_int_eq(s_get("/api/stats", with_basic, NULL, hdr, sizeof hdr, NULL), 200);
    ck_assert_int_eq(stack_status(&s_stack, CS_DAEMON_VIEWD, "http_unauthorized", 5000), 3);
    /* The control endpoints: the token, and a POST; camerad does what it is told. */
    ck_assert_int_eq(s_get("/control/acquire?do=stop", post_ca, NULL, hdr, sizeof hdr, NULL), 401);
    ck_assert_int_eq(s_get("/control/acquire?do=stop", post_bearer, NULL, hdr, sizeof hdr, NULL),
                     200);
    stack_await(&s_stack, CS_DAEMON_CAMERAD, "steered", 1, 20000);
    ck_assert_int_eq(s_get("/control/acquire?do=pause", post_bearer, NULL, hdr, sizeof hdr, NULL),
                     400);
    ck_assert_int_eq(s_get("/control/record?do=stop", post_bearer, NULL, hdr, sizeof hdr, NULL),
                     502); /* saverd is not running */
    /* Plain HTTP on the HTTPS port gets nothing. */
    (void) snprintf(plain, sizeof plain, "http%s", s_url + 5);
    (void) cs_strlcpy(s_url, plain, sizeof s_url);
    ck_assert_int_ne(s_get("/api/stats", with_bearer, NULL, hdr, sizeof hdr, &curl_rc), 200);
    ck_assert_int_ne(curl_rc, 0);
    ck_assert_int_eq(stack_stop(&s_stack, CS_DAEMON_CAMERAD), 0);
    ck_assert_int_eq(stack_stop(&s_stack, CS_DAEMON_VIEWD), 0);
    ck_assert_int_eq(stack_stop(&s_stack, CS_DAEMON_PUBD), 0);
}
END_TEST

/* A TCP connection to viewd's port from loopback address @src (the kernel lets any
 * 127.0.0.0/8 address be a source): each hostile client its own address, as on a LAN.
 * Non-blocking connect; returns the descriptor. */
static int
s_connect_from(const char *src)
{
    struct sockaddr_in from = { .sin_family = AF_INET }, to = { .sin_family = AF_INET };
    const char *port = strrchr(s_url, ':');
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

    ck_assert_int_ge(fd, 0);
    ck_assert_ptr_nonnull(port);
    ck_assert_int_eq(inet_pton(AF_INET, src, &from.sin_addr), 1);
    ck_assert_int_eq(inet_pton(AF_INET, "127.0.0.1", &to.sin_addr), 1);
    to.sin_port = htons((uint16_t) atoi(port + 1));
    ck_assert_int_eq(bind(fd, (struct sockaddr *) &from, sizeof from), 0);
    ck_assert(connect(fd, (struct sockaddr *) &to, sizeof to) == 0 || errno == EINPROGRESS);
    return fd;
}

/* Sends @len bytes of @data on @fd (waiting for room up to 5 s); false if the peer closed. */
static bool
s_send_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        struct pollfd pfd = { fd, POLLOUT, 0 };
        ssize_t n;

        if (poll(&pfd, 1, 5000) <= 0)
            return false;
        n = send(fd, data, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EAGAIN)
            continue;
        if (n <= 0)
            return false;
        data += n;
        len -= (size_t) n;
    }
    return true;
}

/* What viewd answers on @fd within 10 s (up to EOF, or @size - 1 bytes). */
static void
s_read_answer(int fd, char *buf, size_t size)
{
    size_t got = 0;

    buf[0] = '\0';
    while (got + 1 < size) {
        struct pollfd pfd = { fd, POLLIN, 0 };
        ssize_t n;

        if (poll(&pfd, 1, 10000) <= 0)
            break;
        n = recv(fd, buf + got, size - 1 - got, 0);
        if (n <= 0)
            break;
        got += (size_t) n;
    }
    buf[got] = '\0';
}

/* Another client is served at once: /frame.jpg in under 2 s, every time. */
static void
s_others_served(void)
{
    const char *quick[] = { "--max-time", "2", NULL };
    char hdr[4096];

    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(s_get("/frame.jpg", quick, NULL, hdr, sizeof hdr, NULL), 200);
}

/* Waits (up to 30 s) for viewd to close its end of client socket @fd, as its idle timeout
 * does: asked of the kernel with ss(8), the connection no longer established. */
static void
s_await_closed(int fd)
{
    struct sockaddr_in me;
    socklen_t len = sizeof me;
    char sport[16], dport[16], out[1024];
    const char *argv[] = { "ss",  "-Htn", "state", "established", "(",   "sport", "=",
                           sport, "and",  "dport", "=",           dport, ")",     NULL };
    int i;

    ck_assert_int_eq(getsockname(fd, (struct sockaddr *) &me, &len), 0);
    (void) snprintf(sport, sizeof sport, ":%s", strrchr(s_url, ':') + 1);
    sport[strcspn(sport, "/")] = '\0';
    (void) snprintf(dport, sizeof dport, ":%u", ntohs(me.sin_port));
    for (i = 0; i < 150; i++) {
        ck_assert_int_eq(stack_run_cmd(argv, 10, out, sizeof out), 0);
        if (!strchr(out, ':')) /* no line: not established any more */
            break;
        (void) usleep(200000);
    }
    ck_assert_msg(i < 150, "viewd kept the stalled connection open: %s", out);
}

/* Waits until the one stream open (a client that does not read) is stuck: viewd's images
 * sent stop growing, its socket buffers full. Nothing reports that event, so the counter is
 * read every 200 ms until it has not moved for a second. */
static void
s_await_stalled(void)
{
    int64_t prev = -1, cur = 0;
    int same = 0;

    for (int i = 0; i < 300 && same < 5; i++) {
        cur = stack_status(&s_stack, CS_DAEMON_VIEWD, "frames_streamed", 5000);
        same = cur == prev && cur > 0 ? same + 1 : 0;
        prev = cur;
        (void) usleep(200000);
    }
    (void) printf("the stalled client's stream stopped after %lld images\n", (long long) cur);
    (void) fflush(stdout);
    ck_assert_msg(same >= 5, "the stream never stalled (%lld images)", (long long) cur);
}

START_TEST(hostile_clients)
{
    static int flood[1000];
    const char *stream_opts[] = { "--max-time", "2", NULL };
    char big[128 * 1024], answer[4096], hdr[4096];
    int stalled, garbage, huge, rcvbuf = 4096, curl_rc = 0;
    long rss0, rss;

    s_start(CS_PIXFMT_RGB24, 60, 0, "[viewd]\nfps = 60\n", true, S_W, S_H);
    stack_await(&s_stack, CS_DAEMON_VIEWD, "received", 3, 20000);
    s_others_served();
    rss0 = stack_rss_kib(stack_daemon_pid(&s_stack, CS_DAEMON_VIEWD));
    /* A browser that stops reading the stream: its socket buffer fills, and stays full. */
    stalled = s_connect_from("127.0.0.3");
    ck_assert_int_eq(setsockopt(stalled, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf), 0);
    ck_assert(s_send_all(stalled, "GET /stream.mjpg HTTP/1.1\r\nHost: a\r\n\r\n", 39));
    s_await_stalled();
    /* 1,000 connections from one address, half of them with a request they never finish. */
    for (int i = 0; i < 1000; i++) {
        flood[i] = s_connect_from("127.0.0.2");
        if (i % 2)
            (void) send(flood[i], "GET / HTTP/1.1\r\nX-Slow: ", 24, MSG_NOSIGNAL);
    }
    s_others_served();
    /* Garbage: a 400, and the connection closed. */
    garbage = s_connect_from("127.0.0.4");
    static const char junk[] = "BL\x01" /* a string split so that \x01 ends there */
                               "AH /\x7f HTTP/1.1\r\n\r\n";
    ck_assert(s_send_all(garbage, junk, sizeof junk - 1));
    s_read_answer(garbage, answer, sizeof answer);
    ck_assert_msg(strncmp(answer, "HTTP/1.1 400", 12) == 0, "garbage got '%.60s'", answer);
    /* 128 KiB of headers: refused (431, or closed) without being kept. */
    huge = s_connect_from("127.0.0.5");
    memset(big, 'a', sizeof big);
    memcpy(big, "GET / HTTP/1.1\r\nX-Big: ", 23);
    (void) s_send_all(huge, big, sizeof big);
    s_read_answer(huge, answer, sizeof answer);
    ck_assert_msg(answer[0] == '\0' || strncmp(answer, "HTTP/1.1 431", 12) == 0
                      || strncmp(answer, "HTTP/1.1 413", 12) == 0,
                  "huge headers got '%.60s'", answer);
    /* Meanwhile: others served, the stream flowing, memory bounded. */
    s_others_served();
    ck_assert_int_eq(s_get("/stream.mjpg", stream_opts, "stream.mjpg", hdr, sizeof hdr, &curl_rc),
                     -1);
    ck_assert_int_ge(s_count_parts("stream.mjpg"), 3);
    rss = stack_rss_kib(stack_daemon_pid(&s_stack, CS_DAEMON_VIEWD));
    (void) printf("viewd's RSS: %ld KiB before, %ld KiB with the hostile clients\n", rss0, rss);
#ifdef __SANITIZE_ADDRESS__
    /* AddressSanitizer keeps freed memory in quarantine and gives each connection's thread its
     * shadow and fake stacks: RSS says nothing about viewd's own bound there. */
    (void) printf("viewd's RSS bound not checked in an AddressSanitizer build\n");
#else
    ck_assert_int_lt(rss - rss0, 32 * 1024);
#endif
    for (int i = 0; i < 1000; i++)
        (void) close(flood[i]);
    (void) close(garbage);
    (void) close(huge);
    /* The stalled client's connection ends by the idle timeout, its image freed. */
    s_await_closed(stalled);
    (void) close(stalled);
    /* Nobody else lost a frame. */
    ck_assert_int_eq(stack_stop(&s_stack, CS_DAEMON_CAMERAD), 0);
    stack_await(&s_stack, CS_DAEMON_ANALYZERD, "runs_ended", 1, 20000);
    stack_await(&s_stack, CS_DAEMON_SAVERD, "runs_ended", 1, 20000);
    ck_assert_int_eq(stack_status(&s_stack, CS_DAEMON_ANALYZERD, "lost_total", 5000), 0);
    ck_assert_int_eq(stack_status(&s_stack, CS_DAEMON_SAVERD, "lost_total", 5000), 0);
    for (enum cs_daemon_id d = CS_DAEMON_PUBD; d < CS_DAEMON_COUNT; d++)
        ck_assert_int_eq(stack_stop(&s_stack, d), 0);
}
END_TEST

Suite *
test_suite(void)
{
    Suite *s = suite_create("viewd");
    TCase *tc;
    struct rlimit nofile;

    /* The flood of connections needs more descriptors than the usual 1024. */
    if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < 4096) {
        nofile.rlim_cur = nofile.rlim_max < 4096 ? nofile.rlim_max : 4096;
        (void) setrlimit(RLIMIT_NOFILE, &nofile);
    }
    tc = tcase_create("formats");
    tcase_add_checked_fixture(tc, NULL, s_teardown);
    tcase_add_loop_test(tc, each_format_shown_as_the_pattern, 0, CS_PIXFMT_COUNT);
    suite_add_tcase(s, tc);
    tc = tcase_create("endpoints");
    tcase_add_checked_fixture(tc, NULL, s_teardown);
    tcase_add_test(tc, endpoints);
    tcase_add_loop_test(tc, wide_frames_scaled_down, 0, 2);
    suite_add_tcase(s, tc);
    tc = tcase_create("ledgers");
    tcase_add_checked_fixture(tc, NULL, s_teardown);
    tcase_add_test(tc, frame_subscribers_ledgers_same_with_viewd_on_and_off);
    suite_add_tcase(s, tc);
    tc = tcase_create("security");
    tcase_add_checked_fixture(tc, NULL, s_teardown);
    tcase_add_test(tc, remote_address_refused_without_https_and_login);
    tcase_add_test(tc, https_and_token);
    suite_add_tcase(s, tc);
    tc = tcase_create("hostile");
    tcase_add_checked_fixture(tc, NULL, s_teardown);
    tcase_add_test(tc, hostile_clients);
    suite_add_tcase(s, tc);
    return s;
}
