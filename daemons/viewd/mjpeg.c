/* GET /stream.mjpg: multipart/x-mixed-replace, one JPEG part per preview frame (pubd sends
 * them at [viewd] fps), each with the frame's X-Camstack-* headers. The connection's thread
 * waits for the next frame inside libmicrohttpd's content reader, and keeps only the JPEG it
 * is sending. */
#include "routes.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pixfmt.h"

#define S_BLOCK   (64 * 1024) /* what the reader gives libmicrohttpd at most at once */
#define S_WAIT_MS 1000        /* a wait for the next frame, repeated until it comes */

struct s_stream {
    const struct http_env *env;
    const struct view_blob *blob; /* the JPEG being sent, or NULL */
    char head[384];               /* its part's boundary and headers */
    size_t head_len, off;         /* off: bytes of head, JPEG, "\r\n" sent */
    uint64_t run, seq;            /* of the last frame sent */
    bool sent_one;
};

/* Takes the next frame's JPEG into @s. Returns false when the server is stopping. */
static bool
s_next(struct s_stream *s)
{
    latest_t *latest = s->env->latest;
    const struct view_frame *f = NULL;
    const struct cs_frame_hdr *h;
    enum cs_pixfmt fmt;

    latest_blob_release(latest, &s->blob);
    while (!f) {
        if (latest_closed(latest))
            return false;
        f = latest_wait(latest, s->run, !s->sent_one, s->sent_one ? s->seq : UINT64_MAX, S_WAIT_MS);
    }
    s->blob = latest_encoding(latest, f, LATEST_JPEG, render_jpeg, (void *) &s->env->render);
    s->run = f->hdr.run;
    s->seq = f->hdr.seq;
    s->sent_one = true;
    latest_release(latest, &f);
    if (!s->blob)
        return !latest_closed(latest); /* not this one: the next */
    h = &s->blob->hdr;
    s->head_len = (size_t) snprintf(
        s->head, sizeof s->head,
        "--" MJPEG_BOUNDARY "\r\nContent-Type: image/jpeg\r\nContent-Length: %zu\r\n"
        "X-Camstack-Run: %" PRIu64 "\r\nX-Camstack-Seq: %" PRIu64 "\r\nX-Camstack-Time-Ns: %" PRIu64
        "\r\nX-Camstack-Pixel-Format: %s\r\n\r\n",
        s->blob->size, h->run, h->seq, h->capture_ns,
        cs_pixfmt_from_fourcc(h->fourcc, &fmt) == 0 ? cs_pixfmt_info(fmt)->name : "?");
    s->off = 0;
    atomic_fetch_add(&s->env->counters->frames_streamed, 1);
    return true;
}

static ssize_t
s_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct s_stream *s = cls;
    size_t n = 0;

    while (!s->blob || s->off >= s->head_len + s->blob->size + 2) {
        if (!s_next(s))
            return MHD_CONTENT_READER_END_OF_STREAM;
    }
    while (n < max && s->off < s->head_len + s->blob->size + 2) {
        size_t k;

        if (s->off < s->head_len) {
            k = s->head_len - s->off < max - n ? s->head_len - s->off : max - n;
            memcpy(buf + n, s->head + s->off, k);
        } else if (s->off < s->head_len + s->blob->size) {
            size_t at = s->off - s->head_len;

            k = s->blob->size - at < max - n ? s->blob->size - at : max - n;
            memcpy(buf + n, s->blob->data + at, k);
        } else {
            size_t at = s->off - s->head_len - s->blob->size;

            k = 2 - at < max - n ? 2 - at : max - n;
            memcpy(buf + n, &"\r\n"[at], k);
        }
        n += k;
        s->off += k;
    }
    return (ssize_t) n;
}

static void
s_free(void *cls)
{
    struct s_stream *s = cls;

    latest_blob_release(s->env->latest, &s->blob);
    free(s);
}

enum MHD_Result
mjpeg_handle(const struct http_req *req)
{
    struct s_stream *s = calloc(1, sizeof *s);
    struct MHD_Response *resp;
    enum MHD_Result r;

    if (!s)
        return MHD_NO;
    s->env = req->env;
    resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, S_BLOCK, s_read, s, s_free);
    if (!resp) {
        free(s);
        return MHD_NO;
    }
    (void) MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                                   "multipart/x-mixed-replace; boundary=" MJPEG_BOUNDARY);
    (void) MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    http_count(req, MHD_HTTP_OK);
    r = MHD_queue_response(req->conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    return r;
}
