/* Wire protocol v1: the 64-byte little-endian frame header, topics, and the validation of a
 * received multipart message. Encoding is done field by field, never by casting a struct, so
 * the layout is the same on every host. The layout is documented in docs/PROTOCOL.md. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CS_FRAME_MAGIC       "CSF1"
#define CS_FRAME_VERSION     1
#define CS_FRAME_HDR_SIZE    64
#define CS_FRAME_FLAG_EOS    0x1u /* end of stream: the run is over; no payload */
#define CS_FRAME_FLAGS_KNOWN CS_FRAME_FLAG_EOS
#define CS_STREAM_MAX        63 /* longest stream name */
#define CS_TOPIC_PREFIX_MAX  8  /* the longest kind's prefix, its '/' included */
#define CS_TOPIC_MAX         (CS_TOPIC_PREFIX_MAX + CS_STREAM_MAX + 1)
#define CS_STATS_MAX         4096 /* longest stats JSON object */
#define CS_CAMERA_MSG_MAX    4096 /* longest camera message's JSON object */

struct cs_frame_hdr {
    uint16_t version;
    uint16_t header_size;
    uint32_t flags;
    uint32_t fourcc;     /* pixel format */
    uint64_t run;        /* acquisition run id; seq restarts at 0 in each run */
    uint64_t seq;        /* frame number in the run; on EOS, the number of frames numbered */
    uint64_t capture_ns; /* CLOCK_REALTIME at capture */
    uint64_t driver_ns;  /* the driver's CLOCK_MONOTONIC timestamp, 0 if none */
    uint16_t width;
    uint16_t height;
    uint32_t stride;         /* bytes per row */
    uint32_t payload_size;   /* bytes in part 3: stride * height, 0 on EOS */
    uint32_t camera_skipped; /* frames the camera dropped just before this one (seq skips them) */
};

/* The kinds of message, each with its topic prefix (frame.c: "frame/", "stats/", "camera/",
 * "preview/"): a camera message is a camera setting's change or the camera's identity
 * (camera.h); a preview is a frame pubd sampled for a live view, with the frame's header and
 * payload, at [viewd] fps, and every end-of-stream. */
enum cs_msg_kind { CS_MSG_FRAME, CS_MSG_STATS, CS_MSG_CAMERA, CS_MSG_PREVIEW, CS_MSG_KIND_COUNT };

/* Why a message was rejected; every reject is counted under one of these. */
enum cs_reject {
    CS_REJECT_PARTS,       /* wrong number of parts */
    CS_REJECT_TOPIC,       /* malformed topic, or another stream's */
    CS_REJECT_HEADER_SIZE, /* header part is not 64 bytes, or says another size */
    CS_REJECT_MAGIC,
    CS_REJECT_VERSION,
    CS_REJECT_FLAGS,        /* unknown flag bits */
    CS_REJECT_FORMAT,       /* unknown pixel format */
    CS_REJECT_GEOMETRY,     /* zero size, or stride too small for the width */
    CS_REJECT_PAYLOAD_SIZE, /* payload_size != stride * height, or part 3 of another length */
    CS_REJECT_STATS,        /* stats body is not a JSON object of sane size */
    CS_REJECT_CAMERA,       /* camera message body is not a JSON object of sane size */
    CS_REJECT_COUNT
};

/* One part of a received message, borrowed from its owner. */
struct cs_part {
    const void *data;
    size_t size;
};

/* A short name for @reason ("parts", "magic", ...). */
const char *cs_reject_name(enum cs_reject reason);

/* Writes @hdr (version, header_size and magic are filled in) as 64 bytes into @out. */
void cs_frame_hdr_encode(const struct cs_frame_hdr *hdr, uint8_t out[CS_FRAME_HDR_SIZE]);

/* Decodes and checks a header part of @size bytes. Returns 0, or -EBADMSG with the reason. */
int cs_frame_hdr_decode(const void *buf, size_t size, struct cs_frame_hdr *ret_hdr,
                        enum cs_reject *reterr_reason);

/* True if @name is a valid stream name: 1..63 characters of [A-Za-z0-9_.-]. */
bool cs_stream_name_valid(const char *name);

/* Writes the topic of @kind for @stream ("frame/<stream>", ...) into @buf (CS_TOPIC_MAX
 * bytes). Returns its length. */
size_t cs_topic_format(enum cs_msg_kind kind, const char *stream, char buf[CS_TOPIC_MAX]);

/* Validates a whole received message. @stream, if not NULL, is the only stream accepted
 * (exact match: "frame/cam1" does not accept "frame/cam10"). On success returns 0 with its
 * kind and, for a frame, its decoded header; otherwise -EBADMSG with the reason. */
int cs_msg_validate(const struct cs_part *parts, size_t n_parts, const char *stream,
                    enum cs_msg_kind *ret_kind, struct cs_frame_hdr *ret_hdr,
                    enum cs_reject *reterr_reason);
