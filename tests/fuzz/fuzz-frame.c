/* Fuzzes the wire-protocol decoder: cs_frame_hdr_decode() on raw bytes, and cs_msg_validate()
 * on messages cut from the input (fuzz.h), for one stream and for any. Beyond not crashing, a
 * verdict must be consistent: an accepted header re-encodes to the same 64 bytes, an accepted
 * frame's payload part is exactly stride * height bytes, and every reject has a known reason. */
#include <assert.h>
#include <errno.h>
#include <string.h>

#include "frame.h"
#include "fuzz.h"
#include "pixfmt.h"

static void
s_check_header(const void *buf, size_t size)
{
    struct cs_frame_hdr h;
    enum cs_reject reason = CS_REJECT_COUNT;
    uint8_t again[CS_FRAME_HDR_SIZE];
    int r;

    r = cs_frame_hdr_decode(buf, size, &h, &reason);
    if (r < 0) {
        assert(r == -EBADMSG);
        assert(reason < CS_REJECT_COUNT);
        assert(strcmp(cs_reject_name(reason), "unknown") != 0);
        return;
    }
    assert(size == CS_FRAME_HDR_SIZE);
    cs_frame_hdr_encode(&h, again);
    assert(memcmp(again, buf, CS_FRAME_HDR_SIZE) == 0);
    assert(h.width > 0 && h.height > 0);
    assert(h.flags & CS_FRAME_FLAG_EOS
               ? h.payload_size == 0
               : (uint64_t) h.payload_size == (uint64_t) h.stride * h.height);
}

static void
s_check_message(const struct cs_part *parts, size_t n, const char *stream)
{
    struct cs_frame_hdr h;
    enum cs_msg_kind kind = CS_MSG_KIND_COUNT;
    enum cs_reject reason = CS_REJECT_COUNT;
    enum cs_pixfmt fmt;
    int r;

    r = cs_msg_validate(parts, n, stream, &kind, &h, &reason);
    if (r < 0) {
        assert(r == -EBADMSG && reason < CS_REJECT_COUNT);
        return;
    }
    assert(kind < CS_MSG_KIND_COUNT);
    /* The topic is a kind's prefix ("frame/", "camera/", ...) and a stream name. */
    const char *slash = memchr(parts[0].data, '/', parts[0].size);
    assert(slash);
    size_t prefix = (size_t) (slash - (const char *) parts[0].data) + 1;
    assert(parts[0].size > prefix && parts[0].size <= CS_TOPIC_MAX - 1);
    if (stream)
        assert(parts[0].size == prefix + strlen(stream)
               && memcmp((const char *) parts[0].data + prefix, stream, strlen(stream)) == 0);
    if (kind == CS_MSG_STATS || kind == CS_MSG_CAMERA) {
        /* one JSON object, of the kind's bounded size */
        assert(n == 2 && parts[1].size >= 2
               && parts[1].size <= (kind == CS_MSG_STATS ? CS_STATS_MAX : CS_CAMERA_MSG_MAX)
               && ((const char *) parts[1].data)[0] == '{');
        return;
    }
    assert(n == 3 && parts[1].size == CS_FRAME_HDR_SIZE);
    assert(parts[2].size == h.payload_size);
    assert(cs_pixfmt_from_fourcc(h.fourcc, &fmt) == 0);
    assert((uint64_t) h.stride >= (uint64_t) h.width * cs_pixfmt_info(fmt)->bytes_per_pixel);
    if (h.payload_size > 0) {
        /* Read the payload's first and last byte, as a subscriber would. */
        volatile uint8_t sink = ((const uint8_t *) parts[2].data)[0];

        sink = ((const uint8_t *) parts[2].data)[h.payload_size - 1];
        (void) sink;
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in = { data, size };
    struct cs_part parts[FUZZ_PARTS_MAX];
    int n;

    s_check_header(data, size);
    if (size >= CS_FRAME_HDR_SIZE)
        s_check_header(data + size - CS_FRAME_HDR_SIZE, CS_FRAME_HDR_SIZE);
    while ((n = fuzz_message(&in, parts)) >= 0) {
        s_check_message(parts, (size_t) n, NULL);
        s_check_message(parts, (size_t) n, "cam1");
    }
    return 0;
}
