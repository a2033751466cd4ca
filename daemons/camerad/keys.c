/* camerad's section of the config file, [camerad]: the source, the frame it delivers, how it
 * waits for subscribers, and the camera controls it sets. The frame's size and format are
 * read by every daemon, to size its queues. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "confkey.h"
#include "keys.h"
#include "util.h"

/* ---- source ---- */

/* How a source reads [camerad] device: not at all, as a path (V4L2), or as the name its
 * library gives a camera (Aravis: an id, a serial number or an address), kept as written. */
enum s_device_kind { S_DEVICE_NONE, S_DEVICE_PATH, S_DEVICE_NAME };

/* What every daemon knows of a source: its name in the file, and how it reads [camerad]
 * device. camerad's own side of each source is its row in sources.c. */
static const struct {
    const char *name;
    enum s_device_kind device;
} s_sources[CS_SOURCE_COUNT] = {
    [CS_SOURCE_TESTPATTERN] = { "testpattern", S_DEVICE_NONE },
    [CS_SOURCE_V4L2] = { "v4l2", S_DEVICE_PATH },
    [CS_SOURCE_ARAVIS] = { "aravis", S_DEVICE_NAME },
};

const char *
cs_source_name(enum cs_source s)
{
    return s < CS_SOURCE_COUNT ? s_sources[s].name : "?";
}

const char *
cs_source_device(const struct cs_conf *conf)
{
    switch (s_sources[conf->camerad.source].device) {
    case S_DEVICE_PATH:
        return conf->camerad.device;
    case S_DEVICE_NAME:
        return conf->camerad.device_id;
    case S_DEVICE_NONE:
        break;
    }
    return "";
}

/* "a, b@lastc" of @names into @buf: "a, b or c" with " or ". */
static void
s_join_names(const char *const *names, size_t n, const char *last, char *buf, size_t size)
{
    size_t len = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < n && len < size; i++) {
        int w = snprintf(buf + len, size - len, "%s%s",
                         i == 0      ? ""
                         : i + 1 < n ? ", "
                                     : last,
                         names[i]);

        len += w > 0 ? (size_t) w : 0;
    }
}

static int
s_parse_source(struct cs_conf_value *v)
{
    const char *names[CS_SOURCE_COUNT];
    char list[128];

    for (int i = 0; i < CS_SOURCE_COUNT; i++) {
        names[i] = s_sources[i].name;
        if (strcmp(v->text, names[i]) == 0) {
            *(enum cs_source *) v->field = (enum cs_source) i;
            return 0;
        }
    }
    s_join_names(names, CS_SOURCE_COUNT, " or ", list, sizeof list);
    return cs_conf_value_error(v, "'%s' expects %s, got '%s'", v->name, list, v->text);
}

static void
s_print_source(const struct cs_conf_key *key, const struct cs_conf *conf, char *buf, size_t size)
{
    (void) cs_strlcpy(buf, cs_source_name(conf->camerad.source), size);
}

static const struct cs_conf_type s_source_type = { .parse = s_parse_source,
                                                   .print = s_print_source };

/* ---- pixel_format ---- */

/* "an even width", or "a width that is a multiple of N", for the format's width rule. */
static void
s_width_rule(const struct cs_pixfmt_info *pi, char *buf, size_t size)
{
    if (pi->width_multiple == 2)
        (void) snprintf(buf, size, "an even width");
    else
        (void) snprintf(buf, size, "a width that is a multiple of %u", pi->width_multiple);
}

/* "GREY, ..., or YUYV (an even width)": the formats of the pixfmt table, with their width
 * rule, for the documents. */
static void
s_pixfmt_choices(char *buf, size_t size)
{
    size_t len = 0;

    buf[0] = '\0';
    for (int i = 0; i < CS_PIXFMT_COUNT && len < size; i++) {
        const struct cs_pixfmt_info *pi = cs_pixfmt_info((enum cs_pixfmt) i);
        char rule[64];
        int n;

        s_width_rule(pi, rule, sizeof rule);
        n = snprintf(buf + len, size - len, "%s%s%s%s%s",
                     i == 0                    ? ""
                     : i + 1 < CS_PIXFMT_COUNT ? ", "
                                               : " or ",
                     pi->name, pi->width_multiple > 1 ? " (" : "",
                     pi->width_multiple > 1 ? rule : "", pi->width_multiple > 1 ? ")" : "");
        len += n > 0 ? (size_t) n : 0;
    }
}

static int
s_parse_pixfmt(struct cs_conf_value *v)
{
    char list[256];

    if (cs_pixfmt_from_name(v->text, v->field) == 0)
        return 0;
    (void) cs_pixfmt_names(list, sizeof list);
    return cs_conf_value_error(v, "'%s' expects one of %s, got '%s'", v->name, list, v->text);
}

static void
s_print_pixfmt(const struct cs_conf_key *key, const struct cs_conf *conf, char *buf, size_t size)
{
    (void) cs_strlcpy(buf, cs_pixfmt_info(conf->camerad.pixel_format)->name, size);
}

static const struct cs_conf_type s_pixfmt_type = { .parse = s_parse_pixfmt,
                                                   .print = s_print_pixfmt,
                                                   .choices = s_pixfmt_choices };

/* ---- wait_subscribers: "auto" or a whole number ---- */

static int
s_parse_wait(struct cs_conf_value *v)
{
    if (strcmp(v->text, "auto") == 0) {
        *(uint32_t *) v->field = CS_WAIT_AUTO;
        return 0;
    }
    if (cs_conf_u32.parse(v) == 0)
        return 0;
    return cs_conf_value_error(v,
                               "'%s' expects auto or a whole number from %.15g to %.15g, got '%s'",
                               v->name, v->key->min, v->key->max, v->text);
}

static void
s_print_wait(const struct cs_conf_key *key, const struct cs_conf *conf, char *buf, size_t size)
{
    if (conf->camerad.wait_subscribers == CS_WAIT_AUTO)
        (void) cs_strlcpy(buf, "auto", size);
    else
        cs_conf_u32.print(key, conf, buf, size);
}

static const struct cs_conf_type s_wait_type = { .parse = s_parse_wait,
                                                 .print = s_print_wait,
                                                 .ranged = true };

/* ---- control.<name> ---- */

/* "control.<name> = <integer>": a name as v4l2-ctl lists controls (lower case, digits and
 * '_'), checked against the device when it is opened. */
static int
s_parse_control(struct cs_conf_value *v)
{
    struct cs_conf *c = v->conf;
    const char *name = v->name + strlen(v->key->name);
    struct cs_conf_control *ctl;
    size_t len = strlen(name);

    if (len == 0 || len >= CS_CONTROL_NAME_MAX
        || name[strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_")] != '\0')
        return cs_conf_value_error(v,
                                   "'%s': a control name is 1 to %d characters of a-z 0-9 _ (as "
                                   "v4l2-ctl --list-ctrls shows it)",
                                   v->name, CS_CONTROL_NAME_MAX - 1);
    for (unsigned i = 0; i < c->camerad.n_controls; i++) {
        if (strcmp(c->camerad.controls[i].name, name) == 0)
            return cs_conf_value_error(v, "duplicate key '%s' in [camerad] (first set on line %u)",
                                       v->name, c->camerad.controls[i].line);
    }
    if (c->camerad.n_controls == CS_CONTROLS_MAX)
        return cs_conf_value_error(v, "at most %d %s<name> keys", CS_CONTROLS_MAX, v->key->name);
    if (v->text[0] == '\0')
        return cs_conf_value_error(v, "key '%s' has an empty value", v->name);
    ctl = &c->camerad.controls[c->camerad.n_controls];
    if (cs_parse_i64(v->text, INT64_MIN, INT64_MAX, &ctl->value) < 0)
        return cs_conf_value_error(v, "'%s' expects a whole number, got '%s'", v->name, v->text);
    (void) cs_strlcpy(ctl->name, name, sizeof ctl->name);
    ctl->line = v->line;
    c->camerad.n_controls++;
    return 0;
}

static void
s_print_controls(const struct cs_conf_key *key, const struct cs_conf *conf, char *buf, size_t size)
{
    size_t len = 0;

    buf[0] = '\0';
    for (unsigned i = 0; i < conf->camerad.n_controls && len < size; i++) {
        int n =
            snprintf(buf + len, size - len, "%s%s = %lld\n", key->name,
                     conf->camerad.controls[i].name, (long long) conf->camerad.controls[i].value);

        len += n > 0 ? (size_t) n : 0;
    }
}

static const struct cs_conf_type s_control_type = { .parse = s_parse_control,
                                                    .print = s_print_controls };

/* ---- device: a path for V4L2, a camera's name for Aravis ---- */

/* The value is read both ways, since the source may be set after it: resolved as a path
 * (V4L2), and kept as written (Aravis), where only a value from the file counts. */
static int
s_parse_device(struct cs_conf_value *v)
{
    int r = cs_conf_path.parse(v);

    if (r < 0 || v->line == 0)
        return r;
    if (cs_strlcpy(v->conf->camerad.device_id, v->text, sizeof v->conf->camerad.device_id) < 0)
        return cs_conf_value_error(v, "'%s': a camera's name is at most %d characters", v->name,
                                   CS_CAMERA_ID_MAX - 1);
    return 0;
}

static void
s_print_device(const struct cs_conf_key *key, const struct cs_conf *conf, char *buf, size_t size)
{
    if (s_sources[conf->camerad.source].device == S_DEVICE_NAME)
        (void) cs_strlcpy(buf, conf->camerad.device_id, size);
    else
        cs_conf_path.print(key, conf, buf, size);
}

static const struct cs_conf_type s_device_type = { .parse = s_parse_device,
                                                   .print = s_print_device };

/* ---- a number, or "camera": leave the camera's own setting (NAN) ---- */

static int
s_parse_camera_double(struct cs_conf_value *v)
{
    if (strcmp(v->text, "camera") == 0) {
        *(double *) v->field = NAN;
        return 0;
    }
    if (cs_conf_double.parse(v) == 0)
        return 0;
    return cs_conf_value_error(v, "'%s' expects camera or a number from %.15g to %.15g, got '%s'",
                               v->name, v->key->min, v->key->max, v->text);
}

static void
s_print_camera_double(const struct cs_conf_key *key, const struct cs_conf *conf, char *buf,
                      size_t size)
{
    double v;

    memcpy(&v, (const char *) conf + key->offset, sizeof v);
    if (isnan(v))
        (void) cs_strlcpy(buf, "camera", size);
    else
        cs_conf_double.print(key, conf, buf, size);
}

static const struct cs_conf_type s_camera_double_type = { .parse = s_parse_camera_double,
                                                          .print = s_print_camera_double,
                                                          .ranged = true };

/* ---- trigger: off, software, or the name of a trigger source of the camera ---- */

static int
s_parse_trigger(struct cs_conf_value *v)
{
    size_t len = strlen(v->text);

    if (len >= CS_TRIGGER_MAX
        || v->text[strspn(v->text, "abcdefghijklmnopqrstuvwxyz"
                                   "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")]
               != '\0')
        return cs_conf_value_error(v,
                                   "'%s' expects off, software or a trigger source of the camera "
                                   "(line1, ...: 1 to %d characters of A-Z a-z 0-9 _), got '%s'",
                                   v->name, CS_TRIGGER_MAX - 1, v->text);
    (void) cs_strlcpy(v->field, v->text, v->key->size);
    return 0;
}

static void
s_print_trigger(const struct cs_conf_key *key, const struct cs_conf *conf, char *buf, size_t size)
{
    (void) cs_strlcpy(buf, conf->camerad.trigger, size);
}

static const struct cs_conf_type s_trigger_type = { .parse = s_parse_trigger,
                                                    .print = s_print_trigger };

/* ---- the section ---- */

#define S_FRAME_READERS CS_READ_ALL /* every daemon sizes its queues from the frame */
/* Those that wait for the slowest subscriber when the source does (cs_conf_source_waits()). */
#define S_PACE_READERS \
    (CS_READ(CS_DAEMON_CAMERAD) | CS_READ(CS_DAEMON_PUBD) | CS_READ(CS_DAEMON_SAVERD))

static const struct cs_conf_key s_keys[] = {
    {
        .name = "source",
        .type = &s_source_type,
        CS_CONF_FIELD(camerad.source),
        .def = "testpattern",
        .help = "Where frames come from: `testpattern` (a deterministic pattern, see "
                "docs/PROTOCOL.md), `v4l2` (a camera of the kernel's) or `aravis` (a GenICam "
                "camera, GigE Vision or USB3 Vision, through Aravis; see docs/CAMERAS.md)",
        .readers = S_PACE_READERS,
    },
    {
        .name = "device",
        .type = &s_device_type,
        CS_CONF_FIELD(camerad.device),
        .def = "/dev/video0",
        .help = "The camera: for `source = v4l2` its device, `/dev/videoN`, or better a stable "
                "name from `/dev/v4l/by-id/` or `/dev/v4l/by-path/`; for `source = aravis` its "
                "name as `arv-tool-0.8` lists it (`Vendor-Model-Serial`), its serial number or "
                "its IP address, and when not set the first camera Aravis finds",
        .more = "When it is absent or goes away, camerad waits for it (STATUS=waiting for "
                "device), retrying with a backoff, and starts a new run when it is back; only "
                "a request the camera cannot meet makes it exit (status 78).",
        .readers = CS_READ(CS_DAEMON_CAMERAD),
    },
    {
        .name = "width",
        .type = &cs_conf_u32,
        CS_CONF_FIELD(camerad.width),
        .min = 1,
        .max = 65535,
        .def = "640",
        .help = "Frame width in pixels",
        .more = "pubd and the subscribers size their queues from the frame size and format.",
        .readers = S_FRAME_READERS,
    },
    {
        .name = "height",
        .type = &cs_conf_u32,
        CS_CONF_FIELD(camerad.height),
        .min = 1,
        .max = 65535,
        .def = "480",
        .help = "Frame height in pixels",
        .readers = S_FRAME_READERS,
    },
    {
        .name = "pixel_format",
        .type = &s_pixfmt_type,
        CS_CONF_FIELD(camerad.pixel_format),
        .def = "GREY",
        .help = "The pixel format subscribers receive",
        .readers = S_FRAME_READERS,
    },
    {
        .name = "fps",
        .type = &cs_conf_double,
        CS_CONF_FIELD(camerad.fps),
        .min = 0,
        .max = 100000,
        .def = "30",
        .help = "Frames per second; `0`: as fast as the stack takes them (test pattern), or the "
                "camera's own rate (v4l2, aravis)",
        .more = "With the test pattern unpaced the slowest frame subscriber sets the pace and "
                "no frame is dropped: camerad, pubd and saverd wait for room instead (a stopped "
                "subscriber stops the stream).",
        .readers = S_PACE_READERS,
    },
    {
        .name = "frames",
        .type = &cs_conf_u64,
        CS_CONF_FIELD(camerad.frames),
        .min = 0,
        .max = 1e15,
        .def = "0",
        .help = "Stop after this many frames (`0`: until stopped)",
        .more = "Also the length of a run begun by `camstackctl acquire start` without "
                "`--frames`.",
        .readers = CS_READ(CS_DAEMON_CAMERAD),
    },
    {
        .name = "send_buffer_mb",
        .type = &cs_conf_u32,
        CS_CONF_FIELD(camerad.send_buffer_mb),
        .min = 1,
        .max = 65536,
        .def = "64",
        .help = "Memory for frames waiting to leave for pubd, in MB; past it frames are dropped "
                "at source and counted",
        .readers = CS_READ(CS_DAEMON_CAMERAD),
    },
    {
        .name = "wait_subscribers",
        .type = &s_wait_type,
        CS_CONF_FIELD(camerad.wait_subscribers),
        .min = 0,
        .max = 1000,
        .def = "auto",
        .help = "Capture only once pubd has this many frame subscribers (`0`: start at once); "
                "`auto`: under systemd, the subscriber units of camstack.target that are running, "
                "outside systemd 0",
        .more = "Enabled subscriber units are started before pubd and camerad; see "
                "docs/SYSTEMD.md. pubd too reads its ingest only once that many are connected "
                "(with `auto`, as many as the last pubd of the stack had), so that a pubd "
                "restarted alone hands the frames camerad kept meanwhile to all of them, not to "
                "the first to reconnect.",
        .readers = CS_READ(CS_DAEMON_CAMERAD) | CS_READ(CS_DAEMON_PUBD),
    },
    {
        .name = "wait_timeout_ms",
        .type = &cs_conf_u32,
        CS_CONF_FIELD(camerad.wait_timeout_ms),
        .min = 0,
        .max = 86400000,
        .def = "0",
        .help = "How long to wait for them (`0`: forever)",
        .more = "pubd waits for them this long, but at most 5 s (also with `0`).",
        .readers = CS_READ(CS_DAEMON_CAMERAD) | CS_READ(CS_DAEMON_PUBD),
    },
    {
        .name = "buffers",
        .type = &cs_conf_u32,
        CS_CONF_FIELD(camerad.buffers),
        .min = 2,
        .max = 32,
        .def = "4",
        .help = "v4l2: buffers shared with the driver; aravis: buffers the camera's stream "
                "fills, at least",
        .more = "A V4L2 buffer goes back to the driver as soon as its frame is copied into the "
                "outgoing message. With `zero_copy`, an Aravis buffer travels as the outgoing "
                "message and returns to the stream once ZeroMQ has sent it; camerad then adds "
                "buffers, up to this many more than `send_buffer_mb` holds, so that the "
                "camera always has this many to fill.",
        .readers = CS_READ(CS_DAEMON_CAMERAD),
    },
    {
        .name = "allow_format_fallback",
        .type = &cs_conf_bool,
        CS_CONF_FIELD(camerad.allow_format_fallback),
        .def = "no",
        .help = "v4l2: take the camera's nearest format, size or rate (logged) instead of "
                "refusing what it cannot deliver",
        .more = "Without it, a pixel format, size or frame rate the camera cannot deliver "
                "(natively or through libv4l2's conversion) is an error naming what it offers.",
        .readers = CS_READ(CS_DAEMON_CAMERAD),
    },
    {
        .name = "control.",
        .type = &s_control_type,
        CS_CONF_FIELD(camerad.controls),
        .unset = "none",
        .example = "brightness = 128",
        .help = "v4l2: a control to set when the device is opened, named as "
                "`v4l2-ctl --list-ctrls` shows it",
        .more = "One line each, at most " CS_CONF_STR(
            CS_CONTROLS_MAX) "; an unknown name or a value out of range is an "
                             "error that lists what the device offers.",
        .readers = CS_READ(CS_DAEMON_CAMERAD),
    },
    {
        .name = "feature.",
        .type = &cs_conf_text_family,
        CS_CONF_FIELD(camerad.features),
        .unset = "none",
        .example = "ExposureAuto = Off",
        .help = "aravis: a GenICam feature to set when the camera is opened, named as the camera "
                "names it (`camstackctl camera list`)",
        .more = "One line each, at most " CS_CONF_STR(
            CS_CONF_TEXTS_MAX) ", applied in the file's order once the camera is open (a "
                               "selector such as `TriggerSelector` before the features it "
                               "selects; a name may come back under another selector). The "
                               "value is typed by the camera's own feature node: a whole number "
                               "(or 0x hex) in its range and increment, a number in its range, "
                               "an entry of an enumeration, `true` or `false`, text, or any "
                               "value for a command, which is executed. An unknown name or a "
                               "value the feature does not take is an error on its line naming "
                               "what is allowed (the features of that kind, or the range or "
                               "entries), and camerad exits with status 78. The frame's own "
                               "features (`Width`, `Height`, `OffsetX`, `OffsetY`, `Binning*`, "
                               "`Decimation*`, `PixelFormat`) are set by the keys above, not "
                               "here.",
        .readers = CS_READ(CS_DAEMON_CAMERAD),
    },
    {
        .name = "offset_x",
        .type = &cs_conf_u32,
        CS_CONF_FIELD(camerad.offset_x),
        .min = 0,
        .max = 65535,
        .def = "0",
        .help = "aravis: the left edge of the region read out, in pixels (OffsetX)",
        .readers = CS_READ(CS_DAEMON_CAMERAD),
    },
    {
        .name = "offset_y",
        .type = &cs_conf_u32,
        CS_CONF_FIELD(camerad.offset_y),
        .min = 0,
        .max = 65535,
        .def = "0",
        .help = "aravis: the top edge of the region read out, in pixels (OffsetY)",
        .readers = CS_READ(CS_DAEMON_CAMERAD),
    },
    {
        .name = "binning_x",
        .type = &cs_conf_u32,
        CS_CONF_FIELD(camerad.binning_x),
        .min = 1,
        .max = 64,
        .def = "1",
        .help = "aravis: sensor pixels summed into one, across (BinningHorizontal)",
        .more = "`width`, `height` and the offsets count binned pixels.",
        .readers = CS_READ(CS_DAEMON_CAMERAD),
    },
    {
        .name = "binning_y",
        .type = &cs_conf_u32,
        CS_CONF_FIELD(camerad.binning_y),
        .min = 1,
        .max = 64,
        .def = "1",
        .help = "aravis: sensor pixels summed into one, down (BinningVertical)",
        .readers = CS_READ(CS_DAEMON_CAMERAD),
    },
    {
        .name = "exposure_us",
        .type = &s_camera_double_type,
        CS_CONF_FIELD(camerad.exposure_us),
        .min = 0,
        .max = 1e9,
        .def = "camera",
        .help = "aravis: the exposure time in microseconds (ExposureTime or ExposureTimeAbs); "
                "`camera`: as the camera has it",
        .readers = CS_READ(CS_DAEMON_CAMERAD),
    },
    {
        .name = "gain",
        .type = &s_camera_double_type,
        CS_CONF_FIELD(camerad.gain),
        .min = -1000,
        .max = 1000,
        .def = "camera",
        .help = "aravis: the gain, in the camera's unit (Gain, in dB, or GainRaw); `camera`: "
                "as the camera has it",
        .readers = CS_READ(CS_DAEMON_CAMERAD),
    },
    {
        .name = "trigger",
        .type = &s_trigger_type,
        CS_CONF_FIELD(camerad.trigger),
        .def = "off",
        .help = "aravis: `off` (free-running at `fps`), `software` (a frame for each "
                "`camstackctl trigger`) or the camera's trigger input that starts each frame "
                "(`line1`, ..., as its TriggerSource names them)",
        .more = "A triggered camera has no frame rate of its own: camerad then never takes the "
                "silence between frames for a stalled camera.",
        .readers = CS_READ(CS_DAEMON_CAMERAD),
    },
    {
        .name = "zero_copy",
        .type = &cs_conf_bool,
        CS_CONF_FIELD(camerad.zero_copy),
        .def = "yes",
        .help = "aravis: hand the camera's buffers to ZeroMQ as they are, instead of copying "
                "each frame into the outgoing message",
        .more = "A format camerad converts (YUV422_8_UYVY to YUYV) is always copied.",
        .readers = CS_READ(CS_DAEMON_CAMERAD),
    },
};

/* Checks on the frame as a whole. */
static void
s_check(cs_conf_parser_t *p)
{
    const struct cs_conf *c = cs_conf_parser_conf(p);
    unsigned line = cs_conf_parser_line(p, "camerad", "pixel_format");
    const struct cs_pixfmt_info *pi = cs_pixfmt_info(c->camerad.pixel_format);

    if (c->camerad.width % pi->width_multiple) {
        char rule[64];

        s_width_rule(pi, rule, sizeof rule);
        cs_conf_parser_error(p, line, "pixel_format %s needs %s, got %u", pi->name, rule,
                             c->camerad.width);
    }
    if (cs_conf_frame_bytes(c) > UINT32_MAX)
        cs_conf_parser_error(p, line, "a %ux%u %s frame is larger than 4 GiB", c->camerad.width,
                             c->camerad.height, cs_pixfmt_info(c->camerad.pixel_format)->name);
}

const struct cs_conf_section camerad_conf_section = {
    .name = "camerad",
    .keys = s_keys,
    .n_keys = sizeof s_keys / sizeof s_keys[0],
    .check = s_check,
};
