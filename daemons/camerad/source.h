/* The seam between camerad and where its frames come from. A source delivers frames into
 * buffers that camerad hands it (the outgoing message, so that the one copy at the source is
 * the only one), or lends camerad its own buffer to send without a copy, and tells camerad
 * through a file descriptor when frames are ready. The test pattern is one source; V4L2
 * cameras are another, GenICam cameras through Aravis a third. A source that fails (a camera
 * unplugged) says so with a negative errno; camerad then ends the run, closes the source and
 * opens it again later for a new run. A source may also have camera settings (V4L2 controls,
 * GenICam features) that can be listed, read and changed while it runs, and know the camera's
 * identity: optional ops, behind which camerad's "camera" command and the record of each
 * change work alike for every source. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

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

/* Gives a lent buffer back to its source: called once, from any thread (ZeroMQ's I/O thread
 * once the frame has left, or camerad's own when the frame is dropped). */
typedef void source_free_fn(void *data, void *hint);

/* What a network camera's transport reports (GigE Vision: Aravis's stream statistics), added
 * up over the streams of the process. A source without one leaves it at 0. */
struct source_transport {
    uint64_t packets_received;
    uint64_t packets_missing;        /* packets of incomplete frames that never came */
    uint64_t packet_resend_requests; /* packets asked for again */
    uint64_t packets_resent;         /* packets that came again when asked */
    uint64_t frames_incomplete;      /* frames whose packets did not all come (camera drops) */
    uint64_t frames_missing;         /* frames of which nothing came (camera drops) */
    uint64_t buffer_underruns;       /* packets that found no buffer free to fill */
};

/* Where a source puts frames: camerad's side of the seam. */
struct source_sink {
    /* A buffer of @size bytes to fill with the next frame, or NULL (no memory). @ret_seq is
     * the number the frame will carry (the test pattern draws that frame). */
    void *(*begin)(struct source_sink *sink, size_t size, uint64_t *ret_seq);
    /* The buffer from begin() holds a frame: camerad numbers and sends it. */
    void (*commit)(struct source_sink *sink, const struct source_meta *meta);
    /* The source's own buffer @data of @size bytes holds a frame: camerad numbers it and sends
     * it without a copy; @free_fn(@data, @hint) gives the buffer back (source_free_fn). */
    void (*commit_borrowed)(struct source_sink *sink, void *data, size_t size,
                            source_free_fn *free_fn, void *hint, const struct source_meta *meta);
    /* The camera lost @frames frames that no frame delivered since reports: camera drops,
     * whose seq numbers the next frame (or the end-of-stream) skips, as camera_skipped does. */
    void (*skip)(struct source_sink *sink, uint32_t frames);
    struct source_transport *transport; /* the counters a source with a transport adds to */
};

struct source;

struct source_ops {
    const char *name;
    /* Opens the source as configured and reports the format it will deliver. Returns 0;
     * -EINVAL for a request it cannot meet (a config error: camerad exits with status 78),
     * after logging why and what the device offers; -EINPROGRESS while it is still looking
     * for the device without blocking (camerad asks again shortly, without backing off); or
     * another negative errno when the device is not there or not usable now (camerad logs it
     * once and tries again). */
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
    /* Optional: makes the camera take one frame now (a software trigger). Returns 0,
     * -EPERM when it is not configured for software triggers, or another negative errno. */
    int (*trigger)(struct source *src);

    /* --- Camera settings and identity: optional (NULL when the source has none). ---------
     *
     * A setting is one JSON object, the same in list() and get() and in camerad's answers:
     *   "name"       string, the name get()/set() take (v4l2-ctl's for a V4L2 control, the
     *                feature's own for GenICam): letters, digits, '_' and '.', unique
     *   "type"       "int" | "float" | "bool" | "enum" | "string" | "command"
     *   "value"      the current value: an integer (int), a real (float), true/false (bool),
     *                a string (enum: one of "choices"; string); absent for a command and for a
     *                setting that cannot be read
     *   "min", "max" the range of an int (integers) or a float (reals), when there is one
     *   "step"       the increment of an int (values are min + k * step), when not 1
     *   "choices"    enum: the array of the values it takes, as strings
     *   "default"    the value after a reset, when the source knows it
     *   "unit"       e.g. "us", "dB", "Hz", when the source knows it
     *   "access"     "rw", "ro" (can be read, not set) or "wo" (can be set, not read)
     *   "needs_stop" true for a setting that cannot change while a run is open (the frame size,
     *                the pixel format): camerad refuses it then, before calling set()
     *   "inactive"   true when another setting makes this one ineffective for now (V4L2's
     *                INACTIVE flag, a GenICam feature not available): it may still be set
     * A source adds members of its own only under a name starting with "x_".
     *
     * Every function below is called from camerad's loop, between start() and stop() (a run
     * is open) or outside them (the source is open and idle); never after close(). Errors
     * come back as a negative errno and one line for a person in @reterr (@err_size bytes,
     * NUL-terminated; camerad gives SOURCE_ERR_MAX), which camerad passes on to the client
     * unchanged. */

    /* Every setting, as a new JSON array of setting objects, in the source's own order.
     * Returns 0, or -errno (-ENOMEM; -ENODEV, -EIO: the device failed). */
    int (*settings_list)(struct source *src, json_t **ret_list, char *reterr, size_t err_size);
    /* Setting @name as a new JSON setting object. Returns 0; -ENOENT for a name it does not
     * have, with @reterr naming the settings it has; another -errno as settings_list(). */
    int (*setting_get)(struct source *src, const char *name, json_t **ret_setting, char *reterr,
                       size_t err_size);
    /* Sets @name from the text @value, parsed by the setting's own type: an integer in
     * decimal (or 0x hex), a real, true/false/1/0/on/off/yes/no, one of the choices (a V4L2
     * menu also takes its index), any text for a string, anything (ignored) for a command.
     * On success returns 0 with the setting as it now is (read back from the device: a
     * camera may round) as a new JSON object in @ret_setting.
     * Which frame it applies to: during a run, camerad first has the source deliver the
     * frames it has ready (read()), then calls set(); the change is recorded as applying from
     * the next frame the source delivers, whose seq camerad knows. A source that knows of
     * frames still to come from before the change (exposed or in transit, not yet ready)
     * adds their number to *@ret_earlier (camerad sets it to 0 first); the source's
     * documentation says how exact the result is.
     * If the change alters the format frames are delivered in (only possible for a needs_stop
     * setting, outside a run), the source updates @fmt, which otherwise it leaves alone.
     * Refusals, each naming in @reterr what is allowed: -ENOENT (no such setting: the
     * settings it has), -EINVAL (a value of the wrong type, not a choice, or out of range: the
     * type and the range or choices), -EACCES (read-only), -EBUSY (the device will not change
     * it now: why). Other -errno: the device failed. A refusal changes nothing. */
    int (*setting_set)(struct source *src, const char *name, const char *value,
                       struct source_format *fmt, json_t **ret_setting, unsigned *ret_earlier,
                       char *reterr, size_t err_size);
    /* What the source knows of the camera, as a new JSON object of scalars: "vendor",
     * "model", "serial", "firmware" (strings), "sensor_width", "sensor_height" (pixels,
     * integers), each present only when known; then any other facts the source has, as
     * strings or integers under names of its own (V4L2: "driver", "bus_info",
     * "driver_version"). Returns 0 or -errno. */
    int (*identity)(struct source *src, json_t **ret_identity);
};

/* Longest error message a setting function writes (with the allowed values it names). */
#define SOURCE_ERR_MAX 2048

extern const struct source_ops source_testpattern;
extern const struct source_ops source_v4l2;
extern const struct source_ops source_aravis;

/* The source named in the config. */
const struct source_ops *source_lookup(enum cs_source which);
