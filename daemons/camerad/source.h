/* The seam between camerad and where its frames come from. A source delivers frames into
 * buffers that camerad hands it (the outgoing message, so that the one copy at the source is
 * the only one), and tells camerad through a file descriptor when frames are ready. The test
 * pattern is one source; V4L2 cameras are another. A source that fails (a camera unplugged)
 * says so with a negative errno; camerad then ends the run, closes the source and opens it
 * again later for a new run. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "pixfmt.h"

struct source_format {
    enum cs_pixfmt pixfmt;
    uint32_t width;
    uint32_t height;
    uint32_t stride; /* bytes per row in the frames delivered */
    double fps;      /* nominal rate, 0 when unpaced or unknown */
    /* No frame for this long means the device is stuck (0: the source cannot stall). */
    uint32_t timeout_ms;
    /* The source can wait (the unpaced test pattern): camerad draws a frame only when pubd
     * has room for it, instead of dropping at source what pubd cannot take. A camera cannot
     * wait. */
    bool can_wait;
};

/* What a source reports with each frame it wrote. */
struct source_meta {
    uint64_t capture_ns;     /* CLOCK_REALTIME at capture */
    uint64_t driver_ns;      /* the driver's CLOCK_MONOTONIC timestamp, 0 if none */
    uint32_t camera_skipped; /* frames the device dropped just before this one */
};

/* Where a source puts frames: camerad's side of the seam. */
struct source_sink {
    /* A buffer of @size bytes to fill with the next frame, or NULL (no memory). @ret_seq is
     * the number the frame will carry (the test pattern draws that frame). */
    void *(*begin)(struct source_sink *sink, size_t size, uint64_t *ret_seq);
    /* The buffer from begin() holds a frame: camerad numbers and sends it. */
    void (*commit)(struct source_sink *sink, const struct source_meta *meta);
};

struct source;

struct source_ops {
    const char *name;
    /* Opens the source as configured and reports the format it will deliver. Returns 0;
     * -EINVAL for a request it cannot meet (a config error: camerad exits with status 78),
     * after logging why and what the device offers; or another negative errno when the
     * device is not there or not usable now (camerad logs it once and tries again). */
    int (*open)(const struct cs_conf *conf, struct source **ret_src, struct source_format *fmt);
    /* Starts delivering; after it, fd() becomes readable whenever frames are ready (or
     * reports an error condition: read() then tells which). Returns 0 or a negative errno
     * (the device failed: camerad closes the source and retries). */
    int (*start)(struct source *src);
    int (*fd)(const struct source *src);
    /* Delivers the frames that are ready (at most @max) into @sink. Returns how many, or a
     * negative errno when the device failed or went away (-ENODEV, -EIO, ...). */
    int (*read)(struct source *src, struct source_sink *sink, unsigned max);
    void (*stop)(struct source *src);
    void (*close)(struct source **src_p);
};

extern const struct source_ops source_testpattern;
extern const struct source_ops source_v4l2;

/* The source named in the config. */
const struct source_ops *source_lookup(enum cs_source which);
