#include "frame.h"

#include <errno.h>
#include <string.h>

#include "pixfmt.h"

static const char *const s_reject_names[CS_REJECT_COUNT] = {
    [CS_REJECT_PARTS] = "parts",
    [CS_REJECT_TOPIC] = "topic",
    [CS_REJECT_HEADER_SIZE] = "header-size",
    [CS_REJECT_MAGIC] = "magic",
    [CS_REJECT_VERSION] = "version",
    [CS_REJECT_FLAGS] = "flags",
    [CS_REJECT_FORMAT] = "format",
    [CS_REJECT_GEOMETRY] = "geometry",
    [CS_REJECT_PAYLOAD_SIZE] = "payload-size",
    [CS_REJECT_STATS] = "stats",
    [CS_REJECT_CAMERA] = "camera",
};

/* Each kind's topic prefix and the longest body of a kind whose body is one JSON object. */
static const struct {
    const char *prefix;
    size_t json_max;
    enum cs_reject json_reject;
} s_kinds[CS_MSG_KIND_COUNT] = {
    [CS_MSG_FRAME] = { "frame/", 0, CS_REJECT_COUNT },
    [CS_MSG_STATS] = { "stats/", CS_STATS_MAX, CS_REJECT_STATS },
    [CS_MSG_CAMERA] = { "camera/", CS_CAMERA_MSG_MAX, CS_REJECT_CAMERA },
    [CS_MSG_PREVIEW] = { "preview/", 0, CS_REJECT_COUNT },
};

const char *
cs_reject_name(enum cs_reject reason)
{
    return reason < CS_REJECT_COUNT ? s_reject_names[reason] : "unknown";
}

static void
s_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t) v;
    p[1] = (uint8_t) (v >> 8);
}

static void
s_put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t) (v >> (8 * i));
}

static void
s_put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t) (v >> (8 * i));
}

static uint16_t
s_get16(const uint8_t *p)
{
    return (uint16_t) (p[0] | (p[1] << 8));
}

static uint32_t
s_get32(const uint8_t *p)
{
    uint32_t v = 0;

    for (int i = 3; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static uint64_t
s_get64(const uint8_t *p)
{
    uint64_t v = 0;

    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

void
cs_frame_hdr_encode(const struct cs_frame_hdr *hdr, uint8_t out[CS_FRAME_HDR_SIZE])
{
    memcpy(out, CS_FRAME_MAGIC, 4);
    s_put16(out + 4, CS_FRAME_VERSION);
    s_put16(out + 6, CS_FRAME_HDR_SIZE);
    s_put32(out + 8, hdr->flags);
    s_put32(out + 12, hdr->fourcc);
    s_put64(out + 16, hdr->run);
    s_put64(out + 24, hdr->seq);
    s_put64(out + 32, hdr->capture_ns);
    s_put64(out + 40, hdr->driver_ns);
    s_put16(out + 48, hdr->width);
    s_put16(out + 50, hdr->height);
    s_put32(out + 52, hdr->stride);
    s_put32(out + 56, hdr->payload_size);
    s_put32(out + 60, hdr->camera_skipped);
}

static int
s_reject(enum cs_reject reason, enum cs_reject *reterr_reason)
{
    if (reterr_reason)
        *reterr_reason = reason;
    return -EBADMSG;
}

int
cs_frame_hdr_decode(const void *buf, size_t size, struct cs_frame_hdr *ret_hdr,
                    enum cs_reject *reterr_reason)
{
    const uint8_t *p = buf;
    struct cs_frame_hdr h;
    enum cs_pixfmt fmt;

    if (size != CS_FRAME_HDR_SIZE)
        return s_reject(CS_REJECT_HEADER_SIZE, reterr_reason);
    if (memcmp(p, CS_FRAME_MAGIC, 4) != 0)
        return s_reject(CS_REJECT_MAGIC, reterr_reason);
    h.version = s_get16(p + 4);
    if (h.version != CS_FRAME_VERSION)
        return s_reject(CS_REJECT_VERSION, reterr_reason);
    h.header_size = s_get16(p + 6);
    if (h.header_size != CS_FRAME_HDR_SIZE)
        return s_reject(CS_REJECT_HEADER_SIZE, reterr_reason);
    h.flags = s_get32(p + 8);
    if (h.flags & ~CS_FRAME_FLAGS_KNOWN)
        return s_reject(CS_REJECT_FLAGS, reterr_reason);
    h.fourcc = s_get32(p + 12);
    if (cs_pixfmt_from_fourcc(h.fourcc, &fmt) < 0)
        return s_reject(CS_REJECT_FORMAT, reterr_reason);
    h.run = s_get64(p + 16);
    h.seq = s_get64(p + 24);
    h.capture_ns = s_get64(p + 32);
    h.driver_ns = s_get64(p + 40);
    h.width = s_get16(p + 48);
    h.height = s_get16(p + 50);
    h.stride = s_get32(p + 52);
    h.payload_size = s_get32(p + 56);
    h.camera_skipped = s_get32(p + 60);
    if (h.width == 0 || h.height == 0
        || h.stride < (uint32_t) h.width * cs_pixfmt_info(fmt)->bytes_per_pixel)
        return s_reject(CS_REJECT_GEOMETRY, reterr_reason);
    if (h.flags & CS_FRAME_FLAG_EOS) {
        if (h.payload_size != 0)
            return s_reject(CS_REJECT_PAYLOAD_SIZE, reterr_reason);
    } else if ((uint64_t) h.payload_size != (uint64_t) h.stride * h.height) {
        return s_reject(CS_REJECT_PAYLOAD_SIZE, reterr_reason);
    }
    *ret_hdr = h;
    return 0;
}

bool
cs_stream_name_valid(const char *name)
{
    size_t n = strlen(name);

    if (n == 0 || n > CS_STREAM_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                  || c == '_' || c == '.' || c == '-';
        if (!ok)
            return false;
    }
    return true;
}

size_t
cs_topic_format(enum cs_msg_kind kind, const char *stream, char buf[CS_TOPIC_MAX])
{
    const char *prefix = s_kinds[kind < CS_MSG_KIND_COUNT ? kind : CS_MSG_FRAME].prefix;
    size_t p = strlen(prefix), n = strlen(stream);

    if (n > CS_STREAM_MAX)
        n = CS_STREAM_MAX;
    memcpy(buf, prefix, p);
    memcpy(buf + p, stream, n);
    buf[p + n] = '\0';
    return p + n;
}

/* Splits a topic into kind and stream and checks both. */
static bool
s_topic_ok(const struct cs_part *topic, const char *stream, enum cs_msg_kind *ret_kind)
{
    char name[CS_STREAM_MAX + 1];
    const char *t = topic->data;
    size_t n = topic->size, p = 0;
    unsigned k;

    for (k = 0; k < CS_MSG_KIND_COUNT; k++) {
        p = strlen(s_kinds[k].prefix);
        if (n > p && memcmp(t, s_kinds[k].prefix, p) == 0)
            break;
    }
    if (k == CS_MSG_KIND_COUNT || n - p > CS_STREAM_MAX)
        return false;
    *ret_kind = (enum cs_msg_kind) k;
    memcpy(name, t + p, n - p);
    name[n - p] = '\0';
    if (memchr(name, '\0', n - p) || !cs_stream_name_valid(name))
        return false;
    return !stream || strcmp(name, stream) == 0;
}

int
cs_msg_validate(const struct cs_part *parts, size_t n_parts, const char *stream,
                enum cs_msg_kind *ret_kind, struct cs_frame_hdr *ret_hdr,
                enum cs_reject *reterr_reason)
{
    enum cs_msg_kind kind;
    const char *body;
    int r;

    if (n_parts < 2 || n_parts > 3)
        return s_reject(CS_REJECT_PARTS, reterr_reason);
    if (!s_topic_ok(&parts[0], stream, &kind))
        return s_reject(CS_REJECT_TOPIC, reterr_reason);
    if (s_kinds[kind].json_max > 0) {
        if (n_parts != 2)
            return s_reject(CS_REJECT_PARTS, reterr_reason);
        body = parts[1].data;
        if (parts[1].size < 2 || parts[1].size > s_kinds[kind].json_max || body[0] != '{'
            || body[parts[1].size - 1] != '}' || memchr(body, '\0', parts[1].size))
            return s_reject(s_kinds[kind].json_reject, reterr_reason);
        *ret_kind = kind;
        return 0;
    }
    if (n_parts != 3)
        return s_reject(CS_REJECT_PARTS, reterr_reason);
    r = cs_frame_hdr_decode(parts[1].data, parts[1].size, ret_hdr, reterr_reason);
    if (r < 0)
        return r;
    if (parts[2].size != ret_hdr->payload_size)
        return s_reject(CS_REJECT_PAYLOAD_SIZE, reterr_reason);
    *ret_kind = kind;
    return 0;
}
