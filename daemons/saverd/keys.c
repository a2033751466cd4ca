/* saverd's section of the config file, [saverd]: where the movies go, its queues, how often
 * files are flushed and rotated, and how frames are compressed. Whether HDF5 can write lz4 is
 * checked here, where the line is known, rather than at the first run. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "confkey.h"
#include "h5file.h"
#include "keys.h"
#include "util.h"

#define S_LEVEL_MAX 9 /* deflate levels are 0 to 9 */

static const char *const s_compression_names[CS_COMPRESSION_COUNT] = { "none", "deflate", "lz4" };

const char *
cs_compression_name(enum cs_compression c)
{
    return c < CS_COMPRESSION_COUNT ? s_compression_names[c] : "?";
}

/* none | deflate[:level] | lz4. lz4 is written for HDF5's LZ4 filter plugin, so a file that
 * no reader can open is refused here rather than at the first run. */
static int
s_parse_compression(struct cs_conf_value *v)
{
    struct cs_conf *c = v->conf;
    const char *value = v->text;
    uint64_t level = CS_DEFLATE_DEFAULT_LEVEL;

    if (strcmp(value, "none") == 0) {
        c->saverd.compression.method = CS_COMPRESSION_NONE;
        c->saverd.compression.level = 0;
    } else if (strcmp(value, "lz4") == 0) {
        if (!cs_h5_filter_available(CS_H5_FILTER_LZ4)) {
            const char *pp = getenv("HDF5_PLUGIN_PATH");

            return cs_conf_value_error(v,
                                       "'%s': lz4 needs HDF5's LZ4 filter plugin (filter %d, "
                                       "Debian package hdf5-filter-plugin), which HDF5 cannot "
                                       "load from %s%s%s",
                                       v->name, CS_H5_FILTER_LZ4,
                                       pp ? "HDF5_PLUGIN_PATH '" : "its default plugin path",
                                       pp ? pp : "", pp ? "'" : "");
        }
        c->saverd.compression.method = CS_COMPRESSION_LZ4;
        c->saverd.compression.level = 0;
    } else if (strncmp(value, "deflate", 7) == 0
               && (value[7] == '\0'
                   || (value[7] == ':' && cs_parse_u64(value + 8, 0, S_LEVEL_MAX, &level) == 0))) {
        c->saverd.compression.method = CS_COMPRESSION_DEFLATE;
        c->saverd.compression.level = (unsigned) level;
    } else {
        return cs_conf_value_error(v,
                                   "'%s' expects none, deflate, deflate:LEVEL (0 to %d) or lz4, "
                                   "got '%s'",
                                   v->name, S_LEVEL_MAX, value);
    }
    return 0;
}

static void
s_print_compression(const struct cs_conf_key *key, const struct cs_conf *conf, char *buf,
                    size_t size)
{
    if (conf->saverd.compression.method == CS_COMPRESSION_DEFLATE)
        (void) snprintf(buf, size, "deflate:%u", conf->saverd.compression.level);
    else
        (void) cs_strlcpy(buf, cs_compression_name(conf->saverd.compression.method), size);
}

static const struct cs_conf_type s_compression_type = { .parse = s_parse_compression,
                                                        .print = s_print_compression };

static const char *const s_write_mode_names[CS_WRITE_MODE_COUNT] = { "cached", "direct" };

const char *
cs_write_mode_name(enum cs_write_mode m)
{
    return m < CS_WRITE_MODE_COUNT ? s_write_mode_names[m] : "?";
}

static int
s_parse_write_mode(struct cs_conf_value *v)
{
    for (int i = 0; i < CS_WRITE_MODE_COUNT; i++) {
        if (strcmp(v->text, s_write_mode_names[i]) == 0) {
            v->conf->saverd.write_mode = (enum cs_write_mode) i;
            return 0;
        }
    }
    return cs_conf_value_error(v, "'%s' expects cached or direct, got '%s'", v->name, v->text);
}

static void
s_print_write_mode(const struct cs_conf_key *key, const struct cs_conf *conf, char *buf,
                   size_t size)
{
    (void) cs_strlcpy(buf, cs_write_mode_name(conf->saverd.write_mode), size);
}

static const struct cs_conf_type s_write_mode_type = { .parse = s_parse_write_mode,
                                                       .print = s_print_write_mode };

static const struct cs_conf_key s_keys[] = {
    {
        .name = "directory",
        .type = &cs_conf_path,
        CS_CONF_FIELD(saverd.directory),
        .def = "/var/lib/camstack/movies",
        .help = "Where the movies go, one HDF5 file per acquisition run (it must exist)",
        .readers = CS_READ(CS_DAEMON_SAVERD),
    },
    {
        .name = "receive_buffer_mb",
        .type = &cs_conf_u32,
        CS_CONF_FIELD(saverd.receive_buffer_mb),
        .min = 1,
        .max = 65536,
        .def = "256",
        .help = "Memory for frames waiting to be written, in MB",
        .readers = CS_READ(CS_DAEMON_SAVERD),
    },
    {
        .name = "drain_timeout_ms",
        .type = &cs_conf_u32,
        CS_CONF_FIELD(saverd.drain_timeout_ms),
        .min = 0,
        .max = 600000,
        .def = "2000",
        .help = "At stop, how long to wait for the end-of-stream of the current run",
        .readers = CS_READ(CS_DAEMON_SAVERD),
    },
    {
        .name = "queue_mb",
        .type = &cs_conf_u32,
        CS_CONF_FIELD(saverd.queue_mb),
        .min = 1,
        .max = 1048576,
        .def = "1024",
        .help = "Memory for frames received but not yet written, in MB: it absorbs disk stalls",
        .more = "When it is full, frames are dropped (counted, and listed in the file's gaps "
                "table as 'queue'); receiving never waits for the disk.",
        .readers = CS_READ(CS_DAEMON_SAVERD),
    },
    {
        .name = "flush_interval_ms",
        .type = &cs_conf_u32,
        CS_CONF_FIELD(saverd.flush_interval_ms),
        .min = 10,
        .max = 3600000,
        .def = "1000",
        .help = "How often a file is flushed for its readers (h5py with `swmr=True`)",
        .readers = CS_READ(CS_DAEMON_SAVERD),
    },
    {
        .name = "swmr",
        .type = &cs_conf_bool,
        CS_CONF_FIELD(saverd.swmr),
        .def = "yes",
        .help = "Write files in SWMR mode, readable while they grow",
        .readers = CS_READ(CS_DAEMON_SAVERD),
    },
    {
        .name = "write_mode",
        .type = &s_write_mode_type,
        CS_CONF_FIELD(saverd.write_mode),
        .def = "direct",
        .help = "`direct`: frames reach the disk around the page cache (O_DIRECT), which costs "
                "saverd a third to a half less CPU; `cached`: through it",
        .more = "direct writes the whole 4 KiB blocks of each frame's chunk with O_DIRECT, "
                "each chunk aligned to 4 KiB (at most 4 KiB of padding after it); metadata and "
                "the last partial block of each chunk still go through the page cache. Where "
                "the file system takes no direct I/O (tmpfs), saverd writes through the page "
                "cache, logs it once and its status says `write_mode` cached. See "
                "docs/SAVING.md.",
        .readers = CS_READ(CS_DAEMON_SAVERD),
    },
    {
        .name = "max_frames_per_file",
        .type = &cs_conf_u64,
        CS_CONF_FIELD(saverd.max_frames_per_file),
        .min = 0,
        .max = 1e15,
        .def = "0",
        .help = "Start a new file (`-0001`, `-0002`, ...) after this many frames (`0`: no limit)",
        .readers = CS_READ(CS_DAEMON_SAVERD),
    },
    {
        .name = "max_bytes_per_file",
        .type = &cs_conf_u64,
        CS_CONF_FIELD(saverd.max_bytes_per_file),
        .min = 0,
        .max = 1e18,
        .def = "0",
        .help = "... or before the frame data would pass this many bytes (`0`: no limit)",
        .readers = CS_READ(CS_DAEMON_SAVERD),
    },
    {
        .name = "compression",
        .type = &s_compression_type,
        CS_CONF_FIELD(saverd.compression),
        .def = "none",
        .help = "`none`, `deflate` (HDF5's shuffle + deflate, level " CS_CONF_STR(
            CS_DEFLATE_DEFAULT_LEVEL) "), `deflate:LEVEL` (0 to " CS_CONF_STR(S_LEVEL_MAX) ") or "
                                                                                           "`lz4`",
        .more = "lz4 needs HDF5's LZ4 filter plugin (Debian package hdf5-filter-plugin) to write "
                "and to read.",
        .readers = CS_READ(CS_DAEMON_SAVERD),
    },
};

/* The LZ4 filter's chunks hold at most 2 GiB: one frame each. */
static void
s_check(cs_conf_parser_t *p)
{
    const struct cs_conf *c = cs_conf_parser_conf(p);

    if (c->saverd.compression.method == CS_COMPRESSION_LZ4 && cs_conf_frame_bytes(c) > INT32_MAX)
        cs_conf_parser_error(p, cs_conf_parser_line(p, "camerad", "pixel_format"),
                             "a %ux%u %s frame is too large for compression = lz4 (2 GiB at "
                             "most)",
                             c->camerad.width, c->camerad.height,
                             cs_pixfmt_info(c->camerad.pixel_format)->name);
}

const struct cs_conf_section saverd_conf_section = {
    .name = "saverd",
    .keys = s_keys,
    .n_keys = sizeof s_keys / sizeof s_keys[0],
    .check = s_check,
};
