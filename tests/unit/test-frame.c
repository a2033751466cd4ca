/* Unit tests of common/frame.h, wire protocol v1: the 64-byte little-endian header (byte layout,
 * encode/decode round trip), stream names and topics, and cs_msg_validate's verdict on every
 * kind of malformed message (each with the cs_reject reason it must be counted under). */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check-main.h"
#include "frame.h"
#include "pixfmt.h"

/* The valid frame message every malformed case starts from: "frame/cam1", a 5x3 GREY frame
 * with 3 bytes of padding per row. Built by the fixture, modified by each test. */
#define S_STREAM  "cam1"
#define S_WIDTH   5
#define S_HEIGHT  3
#define S_STRIDE  8
#define S_PAYLOAD (S_STRIDE * S_HEIGHT)

static struct cs_frame_hdr s_hdr;
static uint8_t s_hdr_bytes[CS_FRAME_HDR_SIZE + 8]; /* room for a too-long header part */
static uint8_t s_payload[S_PAYLOAD + 8];
static char s_topic[CS_TOPIC_MAX + 8];
static struct cs_part s_parts[4];

static void
s_put(uint8_t *p, unsigned size, uint64_t v)
{
    for (unsigned i = 0; i < size; i++)
        p[i] = (uint8_t) (v >> (8 * i));
}

static void
s_msg_setup(void)
{
    memset(&s_hdr, 0, sizeof s_hdr);
    s_hdr.fourcc = cs_pixfmt_info(CS_PIXFMT_GREY)->fourcc;
    s_hdr.run = 7;
    s_hdr.seq = 9;
    s_hdr.capture_ns = 1700000000000000000ULL;
    s_hdr.width = S_WIDTH;
    s_hdr.height = S_HEIGHT;
    s_hdr.stride = S_STRIDE;
    s_hdr.payload_size = S_PAYLOAD;
    memset(s_hdr_bytes, 0, sizeof s_hdr_bytes);
    cs_frame_hdr_encode(&s_hdr, s_hdr_bytes);
    for (size_t i = 0; i < sizeof s_payload; i++)
        s_payload[i] = (uint8_t) i;
    memset(s_topic, 0, sizeof s_topic);
    strcpy(s_topic, "frame/" S_STREAM);
    s_parts[0] = (struct cs_part){ s_topic, strlen(s_topic) };
    s_parts[1] = (struct cs_part){ s_hdr_bytes, CS_FRAME_HDR_SIZE };
    s_parts[2] = (struct cs_part){ s_payload, S_PAYLOAD };
    s_parts[3] = (struct cs_part){ s_payload, 0 };
}

/* Validates the first @n parts of s_parts for @stream; returns the reason, or -1 if accepted. */
static int
s_validate(size_t n, const char *stream)
{
    enum cs_reject reason = CS_REJECT_COUNT;
    enum cs_msg_kind kind = CS_MSG_KIND_COUNT;
    struct cs_frame_hdr hdr;
    int r;

    r = cs_msg_validate(s_parts, n, stream, &kind, &hdr, &reason);
    if (r == 0) {
        ck_assert_int_ne(kind, CS_MSG_KIND_COUNT);
        return -1;
    }
    ck_assert_int_eq(r, -EBADMSG);
    ck_assert_int_lt(reason, CS_REJECT_COUNT);
    return (int) reason;
}

/* What s_validate() returned, in words. */
static const char *
s_verdict(int v)
{
    return v < 0 ? "accepted" : cs_reject_name((enum cs_reject) v);
}

/* Asserts that validating @n parts for @stream gives reason @expected (-1: accepted). */
#define S_ASSERT_REJECT(n, stream, expected)                                                \
    do {                                                                                    \
        int got_ = s_validate(n, stream);                                                   \
        ck_assert_msg(got_ == (int) (expected), "expected %s, got %s", s_verdict(expected), \
                      s_verdict(got_));                                                     \
    } while (0)

/* ---- header layout and round trip ---- */

START_TEST(hdr_layout_exact_bytes)
{
    static const uint8_t expected[CS_FRAME_HDR_SIZE] = {
        'C',  'S',  'F',  '1',                          /*  0 magic */
        0x01, 0x00,                                     /*  4 version u16 */
        0x40, 0x00,                                     /*  6 header_size u16 */
        0xa4, 0xa3, 0xa2, 0xa1,                         /*  8 flags u32 */
        'Y',  'U',  'Y',  'V',                          /* 12 fourcc */
        0x17, 0x16, 0x15, 0x14, 0x13, 0x12, 0x11, 0x10, /* 16 run u64 */
        0x27, 0x26, 0x25, 0x24, 0x23, 0x22, 0x21, 0x20, /* 24 seq u64 */
        0x37, 0x36, 0x35, 0x34, 0x33, 0x32, 0x31, 0x30, /* 32 capture_ns u64 */
        0x47, 0x46, 0x45, 0x44, 0x43, 0x42, 0x41, 0x40, /* 40 driver_ns u64 */
        0x51, 0x50,                                     /* 48 width u16 */
        0x53, 0x52,                                     /* 50 height u16 */
        0x57, 0x56, 0x55, 0x54,                         /* 52 stride u32 */
        0x5b, 0x5a, 0x59, 0x58,                         /* 56 payload_size u32 */
        0x5f, 0x5e, 0x5d, 0x5c,                         /* 60 camera_skipped u32 */
    };
    struct cs_frame_hdr h = {
        .version = 0x7777,     /* encode writes the protocol's own values */
        .header_size = 0x7777, /* for these two, not the struct's */
        .flags = 0xa1a2a3a4,
        .fourcc = CS_FOURCC('Y', 'U', 'Y', 'V'),
        .run = 0x1011121314151617ULL,
        .seq = 0x2021222324252627ULL,
        .capture_ns = 0x3031323334353637ULL,
        .driver_ns = 0x4041424344454647ULL,
        .width = 0x5051,
        .height = 0x5253,
        .stride = 0x54555657,
        .payload_size = 0x58595a5b,
        .camera_skipped = 0x5c5d5e5f,
    };
    uint8_t out[CS_FRAME_HDR_SIZE + 1];

    memset(out, 0xee, sizeof out);
    cs_frame_hdr_encode(&h, out);
    for (size_t i = 0; i < CS_FRAME_HDR_SIZE; i++)
        ck_assert_msg(out[i] == expected[i], "byte %zu: got 0x%02x, expected 0x%02x", i, out[i],
                      expected[i]);
    ck_assert_uint_eq(out[CS_FRAME_HDR_SIZE], 0xee); /* writes exactly 64 bytes */
    ck_assert_str_eq(CS_FRAME_MAGIC, "CSF1");
    ck_assert_int_eq(CS_FRAME_HDR_SIZE, 64);
}
END_TEST

/* A header written byte by byte from the protocol description, decoded. */
START_TEST(hdr_decode_hand_made)
{
    static const uint8_t bytes[CS_FRAME_HDR_SIZE] = {
        'C',  'S',  'F',  '1',  0x01, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 'R',
        'G',  'B',  '3',  0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0x01, 0xff,
        0xee, 0xdd, 0xcc, 0xbb, 0xaa, 0x99, 0x79, 0x68, 0x57, 0x46, 0x35, 0x24, 0x13,
        0x02, 0xf1, 0xe0, 0xdf, 0xce, 0xbd, 0xac, 0x9b, 0x8a, 0x0b, 0x0a, 0x0d, 0x0c,
        0x2f, 0x1e, 0x01, 0x00, 0x63, 0xbc, 0x78, 0x0d, 0xc4, 0xd3, 0xe2, 0xf1,
    };
    enum cs_reject reason = CS_REJECT_COUNT;
    struct cs_frame_hdr h;

    memset(&h, 0xcc, sizeof h);
    ck_assert_int_eq(cs_frame_hdr_decode(bytes, sizeof bytes, &h, &reason), 0);
    ck_assert_uint_eq(h.version, 1);
    ck_assert_uint_eq(h.header_size, 64);
    ck_assert_uint_eq(h.flags, 0);
    ck_assert_uint_eq(h.fourcc, CS_FOURCC('R', 'G', 'B', '3'));
    ck_assert_uint_eq(h.run, 0x1122334455667788ULL);
    ck_assert_uint_eq(h.seq, 0x99aabbccddeeff01ULL);
    ck_assert_uint_eq(h.capture_ns, 0x0213243546576879ULL);
    ck_assert_uint_eq(h.driver_ns, 0x8a9bacbdcedfe0f1ULL);
    ck_assert_uint_eq(h.width, 0x0a0b);
    ck_assert_uint_eq(h.height, 0x0c0d);
    ck_assert_uint_eq(h.stride, 0x00011e2f);
    ck_assert_uint_eq(h.payload_size, 0x0d78bc63); /* stride * height */
    ck_assert_uint_eq(h.camera_skipped, 0xf1e2d3c4);
}
END_TEST

static void
s_assert_hdr_eq(const struct cs_frame_hdr *a, const struct cs_frame_hdr *b)
{
    ck_assert_uint_eq(a->version, b->version);
    ck_assert_uint_eq(a->header_size, b->header_size);
    ck_assert_uint_eq(a->flags, b->flags);
    ck_assert_uint_eq(a->fourcc, b->fourcc);
    ck_assert_uint_eq(a->run, b->run);
    ck_assert_uint_eq(a->seq, b->seq);
    ck_assert_uint_eq(a->capture_ns, b->capture_ns);
    ck_assert_uint_eq(a->driver_ns, b->driver_ns);
    ck_assert_uint_eq(a->width, b->width);
    ck_assert_uint_eq(a->height, b->height);
    ck_assert_uint_eq(a->stride, b->stride);
    ck_assert_uint_eq(a->payload_size, b->payload_size);
    ck_assert_uint_eq(a->camera_skipped, b->camera_skipped);
}

/* Every field survives encode then decode, for every pixel format, frames and EOS alike. */
START_TEST(hdr_round_trip)
{
    enum cs_pixfmt fmt = (enum cs_pixfmt)(_i % CS_PIXFMT_COUNT);
    bool eos = _i >= CS_PIXFMT_COUNT;
    const struct cs_pixfmt_info *info = cs_pixfmt_info(fmt);
    struct cs_frame_hdr in = {
        .version = CS_FRAME_VERSION,
        .header_size = CS_FRAME_HDR_SIZE,
        .flags = eos ? CS_FRAME_FLAG_EOS : 0,
        .fourcc = info->fourcc,
        .run = 0x1122334455667788ULL + (uint64_t) _i,
        .seq = 0x99aabbccddeeff01ULL,
        .capture_ns = 0x0213243546576879ULL,
        .driver_ns = 0x8a9bacbdcedfe0f1ULL,
        .width = 0x0a0b,
        .height = 0x0c0d,
        .stride = 0x0a0b * info->bytes_per_pixel + 0x0103,
        .camera_skipped = 0xf1e2d3c4,
    };
    struct cs_frame_hdr out;
    enum cs_reject reason = CS_REJECT_COUNT;
    uint8_t buf[CS_FRAME_HDR_SIZE];

    in.payload_size = eos ? 0 : in.stride * in.height;
    cs_frame_hdr_encode(&in, buf);
    memset(&out, 0x5a, sizeof out);
    ck_assert_int_eq(cs_frame_hdr_decode(buf, sizeof buf, &out, &reason), 0);
    s_assert_hdr_eq(&out, &in);
}
END_TEST

/* Extreme values: everything at its maximum (with a valid geometry), then the smallest frame. */
START_TEST(hdr_round_trip_extremes)
{
    struct cs_frame_hdr in = {
        .version = CS_FRAME_VERSION,
        .header_size = CS_FRAME_HDR_SIZE,
        .flags = CS_FRAME_FLAG_EOS,
        .fourcc = CS_FOURCC('Y', '1', '6', ' '),
        .run = UINT64_MAX,
        .seq = UINT64_MAX,
        .capture_ns = UINT64_MAX,
        .driver_ns = UINT64_MAX,
        .width = UINT16_MAX,
        .height = UINT16_MAX,
        .stride = UINT32_MAX,
        .payload_size = 0,
        .camera_skipped = UINT32_MAX,
    };
    struct cs_frame_hdr out;
    uint8_t buf[CS_FRAME_HDR_SIZE];

    cs_frame_hdr_encode(&in, buf);
    ck_assert_int_eq(cs_frame_hdr_decode(buf, sizeof buf, &out, NULL), 0);
    s_assert_hdr_eq(&out, &in);

    memset(&in, 0, sizeof in);
    in.version = CS_FRAME_VERSION;
    in.header_size = CS_FRAME_HDR_SIZE;
    in.fourcc = CS_FOURCC('G', 'R', 'E', 'Y');
    in.width = in.height = in.stride = in.payload_size = 1;
    cs_frame_hdr_encode(&in, buf);
    ck_assert_int_eq(cs_frame_hdr_decode(buf, sizeof buf, &out, NULL), 0);
    s_assert_hdr_eq(&out, &in);
}
END_TEST

/* ---- malformed headers: one or two fields patched in the encoded bytes ---- */

struct s_patch {
    unsigned offset, size; /* size 0: unused */
    uint64_t value;
};

struct s_hdr_case {
    const char *name;
    struct s_patch patch[2];
    enum cs_reject reason;
};

static const struct s_hdr_case s_hdr_cases[] = {
    { "magic first byte", { { 0, 1, 'X' } }, CS_REJECT_MAGIC },
    { "magic CSF2", { { 3, 1, '2' } }, CS_REJECT_MAGIC },
    { "magic lower case", { { 0, 4, CS_FOURCC('c', 's', 'f', '1') } }, CS_REJECT_MAGIC },
    { "magic all zero", { { 0, 4, 0 } }, CS_REJECT_MAGIC },
    { "version 0", { { 4, 2, 0 } }, CS_REJECT_VERSION },
    { "version 2", { { 4, 2, 2 } }, CS_REJECT_VERSION },
    { "version big-endian 1", { { 4, 2, 0x0100 } }, CS_REJECT_VERSION },
    { "header_size 63", { { 6, 2, 63 } }, CS_REJECT_HEADER_SIZE },
    { "header_size 65", { { 6, 2, 65 } }, CS_REJECT_HEADER_SIZE },
    { "header_size 0", { { 6, 2, 0 } }, CS_REJECT_HEADER_SIZE },
    { "header_size big-endian 64", { { 6, 2, 0x4000 } }, CS_REJECT_HEADER_SIZE },
    { "flag bit 1", { { 8, 4, 0x2 } }, CS_REJECT_FLAGS },
    { "flag bit 31", { { 8, 4, 0x80000000 } }, CS_REJECT_FLAGS },
    { "EOS and an unknown bit", { { 8, 4, 0x3 } }, CS_REJECT_FLAGS },
    { "fourcc MJPG", { { 12, 4, CS_FOURCC('M', 'J', 'P', 'G') } }, CS_REJECT_FORMAT },
    { "fourcc 0", { { 12, 4, 0 } }, CS_REJECT_FORMAT },
    { "fourcc lower-case grey", { { 12, 4, CS_FOURCC('g', 'r', 'e', 'y') } }, CS_REJECT_FORMAT },
    { "fourcc Y16 without its blank",
      { { 12, 4, CS_FOURCC('Y', '1', '6', 0) } },
      CS_REJECT_FORMAT },
    { "zero width", { { 48, 2, 0 } }, CS_REJECT_GEOMETRY },
    { "zero height", { { 50, 2, 0 } }, CS_REJECT_GEOMETRY },
    { "zero width and stride", { { 48, 2, 0 }, { 52, 4, 0 } }, CS_REJECT_GEOMETRY },
    { "stride < width", { { 52, 4, S_WIDTH - 1 } }, CS_REJECT_GEOMETRY },
    { "stride 0", { { 52, 4, 0 } }, CS_REJECT_GEOMETRY },
    { "payload_size one short", { { 56, 4, S_PAYLOAD - 1 } }, CS_REJECT_PAYLOAD_SIZE },
    { "payload_size one over", { { 56, 4, S_PAYLOAD + 1 } }, CS_REJECT_PAYLOAD_SIZE },
    { "payload_size 0 without EOS", { { 56, 4, 0 } }, CS_REJECT_PAYLOAD_SIZE },
    { "payload_size width * height, not stride * height",
      { { 56, 4, S_WIDTH *S_HEIGHT } },
      CS_REJECT_PAYLOAD_SIZE },
    /* stride * height = 0x55555556 * 3 = 2^32 + 2 must not wrap around to a payload_size of 2 */
    { "stride * height wraps to 2",
      { { 52, 4, 0x55555556 }, { 56, 4, 2 } },
      CS_REJECT_PAYLOAD_SIZE },
    { "EOS with a payload_size", { { 8, 4, CS_FRAME_FLAG_EOS } }, CS_REJECT_PAYLOAD_SIZE },
};

START_TEST(hdr_malformed)
{
    const struct s_hdr_case *c = &s_hdr_cases[_i];
    enum cs_reject reason = CS_REJECT_COUNT;
    struct cs_frame_hdr h;
    int got;

    for (int i = 0; i < 2; i++) {
        if (c->patch[i].size)
            s_put(s_hdr_bytes + c->patch[i].offset, c->patch[i].size, c->patch[i].value);
    }
    /* The header decoder alone, then the whole message. */
    ck_assert_int_eq(cs_frame_hdr_decode(s_hdr_bytes, CS_FRAME_HDR_SIZE, &h, &reason), -EBADMSG);
    ck_assert_msg(reason == c->reason, "%s: decode gave '%s', expected '%s'", c->name,
                  cs_reject_name(reason), cs_reject_name(c->reason));
    got = s_validate(3, S_STREAM);
    ck_assert_msg(got == (int) c->reason, "%s: validate gave %s, expected '%s'", c->name,
                  s_verdict(got), cs_reject_name(c->reason));
}
END_TEST

/* stride must hold width * bytes per pixel, not just width. */
START_TEST(hdr_stride_per_format)
{
    enum cs_pixfmt fmt = (enum cs_pixfmt) _i;
    unsigned bpp = cs_pixfmt_info(fmt)->bytes_per_pixel;
    enum cs_reject reason = CS_REJECT_COUNT;
    struct cs_frame_hdr h = s_hdr, out;
    uint8_t buf[CS_FRAME_HDR_SIZE];

    h.fourcc = cs_pixfmt_info(fmt)->fourcc;
    h.width = 6;
    h.stride = 6 * bpp - 1;
    h.payload_size = h.stride * h.height;
    cs_frame_hdr_encode(&h, buf);
    ck_assert_int_eq(cs_frame_hdr_decode(buf, sizeof buf, &out, &reason), -EBADMSG);
    ck_assert_int_eq(reason, CS_REJECT_GEOMETRY);
    h.stride = 6 * bpp;
    h.payload_size = h.stride * h.height;
    cs_frame_hdr_encode(&h, buf);
    ck_assert_int_eq(cs_frame_hdr_decode(buf, sizeof buf, &out, &reason), 0);
    ck_assert_uint_eq(out.stride, 6 * bpp);
}
END_TEST

/* ---- malformed messages: parts and their sizes ---- */

START_TEST(msg_part_count)
{
    S_ASSERT_REJECT(0, S_STREAM, CS_REJECT_PARTS);
    S_ASSERT_REJECT(1, S_STREAM, CS_REJECT_PARTS);
    S_ASSERT_REJECT(2, S_STREAM, CS_REJECT_PARTS); /* a frame without its payload part */
    S_ASSERT_REJECT(4, S_STREAM, CS_REJECT_PARTS);
    S_ASSERT_REJECT(3, S_STREAM, -1);
}
END_TEST

START_TEST(msg_stats_part_count)
{
    static const char body[] = "{\"seq\": 9}";

    strcpy(s_topic, "stats/" S_STREAM);
    s_parts[0].size = strlen(s_topic);
    s_parts[1] = (struct cs_part){ body, strlen(body) };
    s_parts[2] = (struct cs_part){ body, strlen(body) };
    S_ASSERT_REJECT(1, S_STREAM, CS_REJECT_PARTS);
    S_ASSERT_REJECT(3, S_STREAM, CS_REJECT_PARTS);
    S_ASSERT_REJECT(4, S_STREAM, CS_REJECT_PARTS);
    S_ASSERT_REJECT(2, S_STREAM, -1);
}
END_TEST

START_TEST(msg_header_part_size)
{
    s_parts[1].size = CS_FRAME_HDR_SIZE - 1;
    S_ASSERT_REJECT(3, S_STREAM, CS_REJECT_HEADER_SIZE);
    s_parts[1].size = CS_FRAME_HDR_SIZE + 1; /* the 64 valid bytes and one more */
    S_ASSERT_REJECT(3, S_STREAM, CS_REJECT_HEADER_SIZE);
    s_parts[1].size = 0;
    S_ASSERT_REJECT(3, S_STREAM, CS_REJECT_HEADER_SIZE);
    s_parts[1] = (struct cs_part){ s_payload, S_PAYLOAD }; /* the size is checked first */
    S_ASSERT_REJECT(3, S_STREAM, CS_REJECT_HEADER_SIZE);
}
END_TEST

START_TEST(msg_payload_part_size)
{
    s_parts[2].size = S_PAYLOAD - 1;
    S_ASSERT_REJECT(3, S_STREAM, CS_REJECT_PAYLOAD_SIZE);
    s_parts[2].size = S_PAYLOAD + 1;
    S_ASSERT_REJECT(3, S_STREAM, CS_REJECT_PAYLOAD_SIZE);
    s_parts[2].size = 0;
    S_ASSERT_REJECT(3, S_STREAM, CS_REJECT_PAYLOAD_SIZE);
    s_parts[2].size = S_WIDTH * S_HEIGHT; /* packed pixels without the stride's padding */
    S_ASSERT_REJECT(3, S_STREAM, CS_REJECT_PAYLOAD_SIZE);
}
END_TEST

START_TEST(msg_eos_with_payload_part)
{
    s_hdr.flags = CS_FRAME_FLAG_EOS;
    s_hdr.payload_size = 0;
    cs_frame_hdr_encode(&s_hdr, s_hdr_bytes);
    s_parts[2].size = S_PAYLOAD; /* header right, but pixels follow anyway */
    S_ASSERT_REJECT(3, S_STREAM, CS_REJECT_PAYLOAD_SIZE);
    s_parts[2].size = 1;
    S_ASSERT_REJECT(3, S_STREAM, CS_REJECT_PAYLOAD_SIZE);
    s_parts[2].size = 0;
    S_ASSERT_REJECT(3, S_STREAM, -1);
    S_ASSERT_REJECT(2, S_STREAM, CS_REJECT_PARTS); /* EOS keeps its (empty) payload part */
}
END_TEST

/* ---- topics ---- */

struct s_topic_case {
    const char *topic;
    size_t size; /* 0: strlen(topic) */
    const char *stream;
    bool ok;
};

#define S_NAME63 "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ01234567_.-"
#define S_NAME64 S_NAME63 "x"

static const struct s_topic_case s_topic_cases[] = {
    { "frame/cam1", 0, "cam1", true },
    { "frame/cam1", 0, NULL, true },
    { "frame/cam10", 0, NULL, true },
    { "frame/cam10", 0, "cam1", false }, /* a prefix match is not a match */
    { "frame/cam", 0, "cam1", false },
    { "frame/cam1", 0, "cam10", false },
    { "frame/cam1", 0, "cam", false },
    { "frame/CAM1", 0, "cam1", false },
    { "frame/cam2", 0, "cam1", false },
    { "frame/", 0, NULL, false },
    { "frame", 0, NULL, false },
    { "frame/cam 1", 0, NULL, false },
    { "frame/cam/1", 0, NULL, false },
    { "frame/cam1\n", 0, NULL, false },
    { "frame/cam\t1", 0, NULL, false },
    { "frame/c\xc3\xa4m", 0, NULL, false },
    { "frame/cam1*", 0, NULL, false },
    { "frame/cam1\0", 11, NULL, false }, /* a NUL inside the topic */
    { "frame/cam1\0", 11, "cam1", false },
    { "frame/\0cam1", 11, NULL, false },
    { "frame/cam1XYZ", 10, "cam1", true }, /* only @size bytes count: no NUL needed */
    { "frames/cam1", 0, NULL, false },
    { "Frame/cam1", 0, NULL, false },
    { "/frame/cam1", 0, NULL, false },
    { "frame:cam1", 0, NULL, false },
    { "frame/" S_NAME63, 0, NULL, true },
    { "frame/" S_NAME63, 0, S_NAME63, true },
    { "frame/" S_NAME64, 0, NULL, false }, /* too long */
    { "frame/" S_NAME64, 0, S_NAME64, false },
};

START_TEST(topic_cases)
{
    const struct s_topic_case *c = &s_topic_cases[_i];
    size_t size = c->size ? c->size : strlen(c->topic);
    int got;

    s_parts[0] = (struct cs_part){ c->topic, size };
    got = s_validate(3, c->stream);
    if (c->ok)
        ck_assert_msg(got == -1, "topic '%.*s' (%zu bytes) for stream %s: rejected as '%s'",
                      (int) size, c->topic, size, c->stream ? c->stream : "(any)",
                      cs_reject_name((enum cs_reject) got));
    else
        ck_assert_msg(got == CS_REJECT_TOPIC,
                      "topic '%.*s' (%zu bytes) for stream %s: %s, expected 'topic'", (int) size,
                      c->topic, size, c->stream ? c->stream : "(any)", s_verdict(got));
}
END_TEST

START_TEST(topic_empty)
{
    s_parts[0] = (struct cs_part){ "", 0 };
    S_ASSERT_REJECT(3, S_STREAM, CS_REJECT_TOPIC);
    S_ASSERT_REJECT(3, NULL, CS_REJECT_TOPIC);
    s_parts[0] = (struct cs_part){ NULL, 0 };
    S_ASSERT_REJECT(3, NULL, CS_REJECT_TOPIC);
}
END_TEST

START_TEST(topic_of_stats_checked_too)
{
    static const char body[] = "{}";

    s_parts[1] = (struct cs_part){ body, 2 };
    s_parts[0] = (struct cs_part){ "stats/cam10", 11 };
    S_ASSERT_REJECT(2, S_STREAM, CS_REJECT_TOPIC);
    s_parts[0] = (struct cs_part){ "stats/", 6 };
    S_ASSERT_REJECT(2, NULL, CS_REJECT_TOPIC);
    s_parts[0] = (struct cs_part){ "stats/cam1", 10 };
    S_ASSERT_REJECT(2, S_STREAM, -1);
}
END_TEST

START_TEST(topic_format)
{
    char buf[CS_TOPIC_MAX];

    ck_assert_uint_eq(cs_topic_format(CS_MSG_FRAME, "cam1", buf), 10);
    ck_assert_str_eq(buf, "frame/cam1");
    ck_assert_uint_eq(cs_topic_format(CS_MSG_STATS, "lab.cam-2_x", buf), 17);
    ck_assert_str_eq(buf, "stats/lab.cam-2_x");
    ck_assert_uint_eq(cs_topic_format(CS_MSG_FRAME, S_NAME63, buf), 69);
    ck_assert_str_eq(buf, "frame/" S_NAME63);
    ck_assert_uint_eq(cs_topic_format(CS_MSG_CAMERA, S_NAME63, buf), 70);
    ck_assert_str_eq(buf, "camera/" S_NAME63);
    ck_assert_uint_eq(cs_topic_format(CS_MSG_PREVIEW, S_NAME63, buf), 71);
    ck_assert_str_eq(buf, "preview/" S_NAME63);
    ck_assert_uint_eq(CS_TOPIC_MAX, 72);
    /* what it formats, the validator accepts */
    s_parts[0] = (struct cs_part){ buf, cs_topic_format(CS_MSG_FRAME, S_STREAM, buf) };
    S_ASSERT_REJECT(3, S_STREAM, -1);
}
END_TEST

/* ---- stats bodies ---- */

START_TEST(stats_bodies)
{
    static char big[CS_STATS_MAX + 1];
    static const struct {
        const char *body;
        size_t size; /* 0: strlen */
        bool ok;
    } cases[] = {
        { "{}", 0, true },
        { "{\"seq\": 9, \"run\": 7, \"min\": 0, \"max\": 255, \"mean\": 127.5}", 0, true },
        { "", 0, false },
        { "{", 0, false },
        { "}", 0, false },
        { "[1, 2]", 0, false },
        { "\"text\"", 0, false },
        { "42", 0, false },
        { "null", 0, false },
        { "{} ", 0, false },
        { " {}", 0, false },
        { "{}\n", 0, false },
        { "{\0}", 3, false },
        { "{\"a\": 1}\0", 9, false },
    };
    strcpy(s_topic, "stats/" S_STREAM);
    s_parts[0].size = strlen(s_topic);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t size = cases[i].size ? cases[i].size : strlen(cases[i].body);
        int got;

        s_parts[1] = (struct cs_part){ cases[i].body, size };
        got = s_validate(2, S_STREAM);
        ck_assert_msg(got == (cases[i].ok ? -1 : CS_REJECT_STATS), "stats body '%.*s': %s",
                      (int) size, cases[i].body, s_verdict(got));
    }
    /* CS_STATS_MAX bytes is the limit */
    memset(big, ' ', sizeof big);
    big[0] = '{';
    big[CS_STATS_MAX - 1] = '}';
    s_parts[1] = (struct cs_part){ big, CS_STATS_MAX };
    S_ASSERT_REJECT(2, S_STREAM, -1);
    big[CS_STATS_MAX - 1] = ' ';
    big[CS_STATS_MAX] = '}';
    s_parts[1] = (struct cs_part){ big, CS_STATS_MAX + 1 };
    S_ASSERT_REJECT(2, S_STREAM, CS_REJECT_STATS);
}
END_TEST

/* ---- valid messages ---- */

START_TEST(valid_frame)
{
    enum cs_reject reason = CS_REJECT_COUNT;
    enum cs_msg_kind kind = CS_MSG_KIND_COUNT;
    struct cs_frame_hdr h;

    memset(&h, 0, sizeof h);
    ck_assert_int_eq(cs_msg_validate(s_parts, 3, S_STREAM, &kind, &h, &reason), 0);
    ck_assert_int_eq(kind, CS_MSG_FRAME);
    ck_assert_int_eq(reason, CS_REJECT_COUNT); /* untouched on success */
    s_hdr.version = CS_FRAME_VERSION;
    s_hdr.header_size = CS_FRAME_HDR_SIZE;
    s_assert_hdr_eq(&h, &s_hdr);
    ck_assert_int_eq(cs_msg_validate(s_parts, 3, NULL, &kind, &h, NULL), 0);
    ck_assert_int_eq(kind, CS_MSG_FRAME);
    /* a rejected message with no place for the reason */
    ck_assert_int_eq(cs_msg_validate(s_parts, 3, "cam2", &kind, &h, NULL), -EBADMSG);
}
END_TEST

START_TEST(valid_eos)
{
    enum cs_msg_kind kind = CS_MSG_KIND_COUNT;
    struct cs_frame_hdr h;

    s_hdr.flags = CS_FRAME_FLAG_EOS;
    s_hdr.seq = 1000; /* the number of frames the run had */
    s_hdr.payload_size = 0;
    cs_frame_hdr_encode(&s_hdr, s_hdr_bytes);
    s_parts[2].size = 0;
    ck_assert_int_eq(cs_msg_validate(s_parts, 3, S_STREAM, &kind, &h, NULL), 0);
    ck_assert_int_eq(kind, CS_MSG_FRAME);
    ck_assert_uint_eq(h.flags, CS_FRAME_FLAG_EOS);
    ck_assert_uint_eq(h.seq, 1000);
    ck_assert_uint_eq(h.payload_size, 0);
}
END_TEST

START_TEST(valid_stats)
{
    static const char body[] = "{\"seq\": 9, \"mean\": 1.5}";
    enum cs_msg_kind kind = CS_MSG_KIND_COUNT;
    struct cs_frame_hdr h;

    strcpy(s_topic, "stats/" S_STREAM);
    s_parts[0].size = strlen(s_topic);
    s_parts[1] = (struct cs_part){ body, strlen(body) };
    ck_assert_int_eq(cs_msg_validate(s_parts, 2, S_STREAM, &kind, &h, NULL), 0);
    ck_assert_int_eq(kind, CS_MSG_STATS);
    ck_assert_int_eq(cs_msg_validate(s_parts, 2, NULL, &kind, &h, NULL), 0);
}
END_TEST

START_TEST(valid_camera)
{
    static const char body[] = "{\"event\":\"change\",\"run\":7,\"seq\":9}";
    enum cs_msg_kind kind = CS_MSG_KIND_COUNT;
    struct cs_frame_hdr h;

    strcpy(s_topic, "camera/" S_STREAM);
    s_parts[0].size = strlen(s_topic);
    s_parts[1] = (struct cs_part){ body, strlen(body) };
    ck_assert_int_eq(cs_msg_validate(s_parts, 2, S_STREAM, &kind, &h, NULL), 0);
    ck_assert_int_eq(kind, CS_MSG_CAMERA);
    /* its own reason for a body that is not an object, and the exact-topic rule */
    s_parts[1] = (struct cs_part){ "[]", 2 };
    S_ASSERT_REJECT(2, S_STREAM, CS_REJECT_CAMERA);
    s_parts[1] = (struct cs_part){ body, strlen(body) };
    strcpy(s_topic, "camera/" S_STREAM "0");
    s_parts[0].size = strlen(s_topic);
    S_ASSERT_REJECT(2, S_STREAM, CS_REJECT_TOPIC);
    strcpy(s_topic, "camera" S_STREAM);
    s_parts[0].size = strlen(s_topic);
    S_ASSERT_REJECT(2, S_STREAM, CS_REJECT_TOPIC);
}
END_TEST

START_TEST(valid_every_format)
{
    enum cs_pixfmt fmt = (enum cs_pixfmt) _i;
    unsigned bpp = cs_pixfmt_info(fmt)->bytes_per_pixel;
    static uint8_t pixels[4 * 3 * 4];
    enum cs_msg_kind kind;
    struct cs_frame_hdr h;

    s_hdr.fourcc = cs_pixfmt_info(fmt)->fourcc;
    s_hdr.width = 4;
    s_hdr.height = 3;
    s_hdr.stride = 4 * bpp;
    s_hdr.payload_size = s_hdr.stride * 3;
    cs_frame_hdr_encode(&s_hdr, s_hdr_bytes);
    s_parts[2] = (struct cs_part){ pixels, s_hdr.payload_size };
    ck_assert_int_eq(cs_msg_validate(s_parts, 3, S_STREAM, &kind, &h, NULL), 0);
    ck_assert_uint_eq(h.fourcc, cs_pixfmt_info(fmt)->fourcc);
}
END_TEST

/* ---- names ---- */

START_TEST(stream_names)
{
    static const struct {
        const char *name;
        bool ok;
    } cases[] = {
        { "cam1", true },        { "a", true },           { "Z", true },
        { "0", true },           { "_", true },           { "-", true },
        { ".", true },           { "..", true }, /* the documented rule; stream names are not paths
                                                  */
        { "lab.cam-2_A", true }, { S_NAME63, true },      { S_NAME64, false },
        { "", false },           { "cam 1", false },      { " cam1", false },
        { "cam1 ", false },      { "cam/1", false },      { "cam\\1", false },
        { "cam\t1", false },     { "cam\n", false },      { "cam*", false },
        { "cam:1", false },      { "c\xc3\xa4m", false }, { "\x7f", false },
        { "cam+1", false },
    };

    ck_assert_uint_eq(strlen(S_NAME63), CS_STREAM_MAX);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        ck_assert_msg(cs_stream_name_valid(cases[i].name) == cases[i].ok, "stream name '%s': %s",
                      cases[i].name, cases[i].ok ? "rejected" : "accepted");
}
END_TEST

START_TEST(reject_names)
{
    for (int i = 0; i < CS_REJECT_COUNT; i++) {
        const char *a = cs_reject_name((enum cs_reject) i);

        ck_assert_ptr_nonnull(a);
        ck_assert_uint_gt(strlen(a), 0);
        ck_assert_str_ne(a, "unknown");
        for (int j = 0; j < i; j++)
            ck_assert_str_ne(a, cs_reject_name((enum cs_reject) j));
    }
    ck_assert_str_eq(cs_reject_name(CS_REJECT_PARTS), "parts");
    ck_assert_str_eq(cs_reject_name(CS_REJECT_MAGIC), "magic");
    ck_assert_str_eq(cs_reject_name(CS_REJECT_COUNT), "unknown");
}
END_TEST

Suite *
test_suite(void)
{
    Suite *s = suite_create("frame");
    TCase *tc;

    tc = tcase_create("header_encoding");
    tcase_add_test(tc, hdr_layout_exact_bytes);
    tcase_add_test(tc, hdr_decode_hand_made);
    tcase_add_loop_test(tc, hdr_round_trip, 0, 2 * CS_PIXFMT_COUNT);
    tcase_add_test(tc, hdr_round_trip_extremes);
    suite_add_tcase(s, tc);

    tc = tcase_create("malformed_header");
    tcase_add_checked_fixture(tc, s_msg_setup, NULL);
    tcase_add_loop_test(tc, hdr_malformed, 0, (int) (sizeof s_hdr_cases / sizeof s_hdr_cases[0]));
    tcase_add_loop_test(tc, hdr_stride_per_format, 0, CS_PIXFMT_COUNT);
    suite_add_tcase(s, tc);

    tc = tcase_create("malformed_parts");
    tcase_add_checked_fixture(tc, s_msg_setup, NULL);
    tcase_add_test(tc, msg_part_count);
    tcase_add_test(tc, msg_stats_part_count);
    tcase_add_test(tc, msg_header_part_size);
    tcase_add_test(tc, msg_payload_part_size);
    tcase_add_test(tc, msg_eos_with_payload_part);
    tcase_add_test(tc, stats_bodies);
    suite_add_tcase(s, tc);

    tc = tcase_create("topics");
    tcase_add_checked_fixture(tc, s_msg_setup, NULL);
    tcase_add_loop_test(tc, topic_cases, 0, (int) (sizeof s_topic_cases / sizeof s_topic_cases[0]));
    tcase_add_test(tc, topic_empty);
    tcase_add_test(tc, topic_of_stats_checked_too);
    tcase_add_test(tc, topic_format);
    suite_add_tcase(s, tc);

    tc = tcase_create("valid_messages");
    tcase_add_checked_fixture(tc, s_msg_setup, NULL);
    tcase_add_test(tc, valid_frame);
    tcase_add_test(tc, valid_eos);
    tcase_add_test(tc, valid_stats);
    tcase_add_test(tc, valid_camera);
    tcase_add_loop_test(tc, valid_every_format, 0, CS_PIXFMT_COUNT);
    suite_add_tcase(s, tc);

    tc = tcase_create("names");
    tcase_add_test(tc, stream_names);
    tcase_add_test(tc, reject_names);
    suite_add_tcase(s, tc);
    return s;
}
