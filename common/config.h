/* The one INI file every daemon reads (parsed with inih, strictly): its typed contents, the
 * defaults, and errors that name the file, the line and what was expected. Every daemon
 * parses the whole file, so a typo in any section is caught by all of them. The sections and
 * keys are declared by their owners (confkey.h); a key's field is in struct cs_conf here. */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "frame.h"
#include "pixfmt.h"
#include "roles.h"

#define CS_EX_CONFIG        78 /* sysexits.h EX_CONFIG: the units do not restart on it */
#define CS_ENDPOINT_MAX     256
#define CS_ENDPOINTS_MAX    8 /* publish endpoints */
#define CS_CONF_ERROR_MAX   (PATH_MAX + 256)
#define CS_CONF_VALUE_MAX   4096       /* a value as --check-config prints it */
#define CS_WAIT_AUTO        UINT32_MAX /* wait_subscribers = auto: as many as systemd started */
#define CS_CONTROLS_MAX     32         /* [camerad] control.<name> keys */
#define CS_CONTROL_NAME_MAX 32         /* a control's name as v4l2-ctl lists it, with its NUL */
#define CS_CAMERA_ID_MAX    256        /* an Aravis camera id, serial or address, with its NUL */
#define CS_TRIGGER_MAX      32         /* a trigger source's name, with its NUL */

#define CS_CONF_TEXTS_MAX      64  /* keys of one text family ([camerad] feature.<Name>) */
#define CS_CONF_TEXT_NAME_MAX  64  /* a name in a text family (after its prefix), with its NUL */
#define CS_CONF_TEXT_VALUE_MAX 200 /* a value in a text family, with its NUL: a whole line */

enum cs_source { CS_SOURCE_TESTPATTERN, CS_SOURCE_V4L2, CS_SOURCE_ARAVIS, CS_SOURCE_COUNT };

/* A camera control to set at open ("control.<name> = value" in [camerad]); the name is checked
 * against the device only when it is opened, so the line is kept for the error. */
struct cs_conf_control {
    char name[CS_CONTROL_NAME_MAX];
    int64_t value;
    unsigned line;
};

/* The keys of a text family ("<prefix><name> = value", cs_conf_text_family), each kept as
 * written with its line, for an owner that can check them only later (a camera's features,
 * once the camera is open) and then reports an error as "path:line: ..." with the conf's
 * path. In the file's order; a name may come back (every line counts, in order). */
struct cs_conf_text {
    char name[CS_CONF_TEXT_NAME_MAX];
    char value[CS_CONF_TEXT_VALUE_MAX];
    unsigned line;
};

struct cs_conf_texts {
    struct cs_conf_text items[CS_CONF_TEXTS_MAX];
    unsigned n;
};

/* How saverd compresses each frame's chunk (see docs/SAVING.md). */
enum cs_compression {
    CS_COMPRESSION_NONE,
    CS_COMPRESSION_DEFLATE, /* HDF5's shuffle + deflate filters */
    CS_COMPRESSION_LZ4,     /* the registered LZ4 filter plugin (HDF5 filter 32004) */
    CS_COMPRESSION_COUNT
};

/* How saverd's writes reach the disk ([saverd] write_mode, docs/SAVING.md). */
enum cs_write_mode {
    CS_WRITE_MODE_CACHED, /* through the page cache, with managed writeback */
    CS_WRITE_MODE_DIRECT, /* frames' chunks around it (O_DIRECT), where the file system takes it */
    CS_WRITE_MODE_COUNT
};

/* How viewd colours a grey frame for viewing ([viewd] colour_map). */
enum cs_colour_map {
    CS_COLOUR_MAP_GREY, /* grey as grey */
    CS_COLOUR_MAP_HEAT, /* black, red, yellow, white */
    CS_COLOUR_MAP_COUNT
};

#define CS_DEFLATE_DEFAULT_LEVEL 4 /* 'deflate' without a level, as h5py's gzip default */

struct cs_conf {
    char path[PATH_MAX]; /* the file it came from; relative paths in it are relative to its dir */
    struct {
        char stream[CS_STREAM_MAX + 1];
        char runtime_dir[PATH_MAX];
        uint32_t ipc_send_buffer_kb; /* kernel send buffer of frame-carrying ipc connections */
    } stack;
    struct {
        char ingest[CS_ENDPOINT_MAX]; /* pubd binds (PULL); camerad, analyzerd connect */
        char publish[CS_ENDPOINTS_MAX][CS_ENDPOINT_MAX]; /* pubd binds each (XPUB) */
        unsigned n_publish;
        char subscribe[CS_ENDPOINT_MAX];                /* analyzerd and saverd connect (SUB) */
        char control[CS_DAEMON_COUNT][CS_ENDPOINT_MAX]; /* each daemon binds its own */
    } endpoints;
    struct {
        enum cs_source source;
        char device[PATH_MAX];
        /* device as written in the file ("" when not set): how Aravis names a camera */
        char device_id[CS_CAMERA_ID_MAX];
        uint32_t width, height;
        enum cs_pixfmt pixel_format;
        double fps;                 /* 0: as fast as possible */
        uint64_t frames;            /* 0: until stopped */
        uint32_t send_buffer_mb;    /* memory budget of frames queued towards pubd */
        uint32_t wait_subscribers;  /* frame subscribers pubd must have before capture starts,
                                     * or CS_WAIT_AUTO */
        uint32_t wait_timeout_ms;   /* how long to wait for them; 0: forever */
        uint32_t buffers;           /* V4L2 buffers shared with the driver */
        bool allow_format_fallback; /* accept what the camera offers instead, and log it */
        struct cs_conf_control controls[CS_CONTROLS_MAX];
        unsigned n_controls;
        struct cs_conf_texts features; /* feature.<Name>: GenICam features, set at open */
        /* aravis: the region and binning asked of the camera, its exposure and gain (NAN:
         * as the camera has them), how frames are triggered ("off": free-running) */
        uint32_t offset_x, offset_y;
        uint32_t binning_x, binning_y;
        double exposure_us;
        double gain;
        char trigger[CS_TRIGGER_MAX];
        bool zero_copy; /* hand the camera's buffers to ZeroMQ without copying them */
    } camerad;
    struct {
        uint32_t ingest_buffer_mb;         /* budget of frames queued on ingest */
        uint32_t subscriber_buffer_mb;     /* budget of frames queued towards each subscriber */
        uint32_t tcp_subscriber_buffer_mb; /* the same, for each subscriber of a tcp endpoint */
        uint32_t linger_ms;                /* how long queued frames may take to leave at stop */
    } pubd;
    struct {
        char directory[PATH_MAX];
        uint32_t receive_buffer_mb;
        uint32_t drain_timeout_ms; /* at stop, how long to wait for end-of-stream */
        bool publish_stats;
    } analyzerd;
    struct {
        char directory[PATH_MAX];
        uint32_t receive_buffer_mb;
        uint32_t drain_timeout_ms;
        uint32_t queue_mb;          /* frames received but not yet written, in MB */
        uint32_t flush_interval_ms; /* how often a file is flushed for its readers */
        bool swmr;                  /* write files in SWMR mode */
        enum cs_write_mode write_mode;
        uint64_t max_frames_per_file; /* 0: no limit */
        uint64_t max_bytes_per_file;  /* frame data per file, in bytes; 0: no limit */
        struct {
            enum cs_compression method;
            unsigned level; /* deflate: 0 to 9 */
        } compression;
    } saverd;
    struct {
        char listen[64]; /* an IPv4 or IPv6 address */
        uint32_t port;   /* 0: any free port */
        double fps;      /* of the live view, and of pubd's preview topic */
        uint32_t max_width;
        uint32_t jpeg_quality;
        uint16_t y16_low, y16_high; /* equal: auto, each frame's own range */
        enum cs_colour_map colour_map;
        char tls_certificate[PATH_MAX]; /* "" unless HTTPS */
        char tls_key[PATH_MAX];
        char token_file[PATH_MAX]; /* "" unless a login is needed */
        uint32_t max_clients;      /* HTTP connections at once */
    } viewd;
    struct {
        /* czmq certificates (PATH public, PATH_secret the pair), "" when not set. pubd uses
         * CURVE on its tcp publish endpoints when server_certificate is set and reads its
         * pair; subscribers read its public half to know which pubd they talk to. */
        char server_certificate[PATH_MAX];
        char client_certificate[PATH_MAX];  /* what a subscriber presents to pubd over tcp */
        char authorized_keys_dir[PATH_MAX]; /* public certificates of the admitted clients */
        bool allow_insecure_remote;         /* non-loopback tcp without CURVE: yes to allow it */
    } security;
    struct {
        int level; /* syslog priority: messages above it are not written */
    } log;
};

/* Fills @conf with the defaults (those of an empty file next to @path). */
void cs_conf_defaults(struct cs_conf *conf, const char *path);

/* Loads and validates @path. Returns 0, or a negative errno with "path:line: message" (or
 * "path: message" where no line applies) in @reterr_msg. */
int cs_conf_load(const char *path, struct cs_conf *conf, char *reterr_msg, size_t msg_size);

/* Writes every key with the value in effect, as an INI file. */
void cs_conf_dump(const struct cs_conf *conf, FILE *out);

/* Writes "Keys read: [section] key, key; ..." for daemon @d, wrapped at 80 columns, as its
 * --help ends. */
void cs_conf_keys_read(enum cs_daemon_id d, FILE *out);

/* The size of one camera frame as configured, in bytes (for budgets). */
uint64_t cs_conf_frame_bytes(const struct cs_conf *conf);

/* True when the source waits for the stack: the test pattern unpaced ([camerad] source =
 * testpattern, fps = 0), "as fast as the stack takes them". Then the slowest frame subscriber
 * sets the pace: pubd holds a frame a subscriber has no room for, and saverd stops receiving
 * while its writer is behind, instead of dropping; camerad draws a frame only when pubd can
 * take it. A camera cannot wait: with one, nothing waits for a subscriber. */
bool cs_conf_source_waits(const struct cs_conf *conf);

/* A ZeroMQ high-water mark in messages for a budget of @budget_mb with frames of
 * @frame_bytes: at least 2, so that one frame can wait while another is on its way. */
int cs_conf_hwm(uint32_t budget_mb, uint64_t frame_bytes);

const char *cs_source_name(enum cs_source s);
/* The [camerad] device the configured source reads, or "" for a source without one. */
const char *cs_source_device(const struct cs_conf *conf);
const char *cs_compression_name(enum cs_compression c);
const char *cs_write_mode_name(enum cs_write_mode m);
const char *cs_colour_map_name(enum cs_colour_map m);
