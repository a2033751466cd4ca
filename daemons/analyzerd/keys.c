/* analyzerd's section of the config file, [analyzerd]: where its statistics files go, its
 * queue, and whether it publishes what it computes. */
#include "confkey.h"
#include "keys.h"

static const struct cs_conf_key s_keys[] = {
    {
        .name = "directory",
        .type = &cs_conf_path,
        CS_CONF_FIELD(analyzerd.directory),
        .def = "/var/lib/camstack/stats",
        .help = "Where the statistics files go, one per acquisition run (it must exist)",
        .readers = CS_READ(CS_DAEMON_ANALYZERD),
    },
    {
        .name = "receive_buffer_mb",
        .type = &cs_conf_u32,
        CS_CONF_FIELD(analyzerd.receive_buffer_mb),
        .min = 1,
        .max = 65536,
        .def = "64",
        .help = "Memory for frames waiting to be analysed, in MB",
        .readers = CS_READ(CS_DAEMON_ANALYZERD),
    },
    {
        .name = "drain_timeout_ms",
        .type = &cs_conf_u32,
        CS_CONF_FIELD(analyzerd.drain_timeout_ms),
        .min = 0,
        .max = 600000,
        .def = "2000",
        .help = "At stop, how long to wait for the end-of-stream of the current run",
        .readers = CS_READ(CS_DAEMON_ANALYZERD),
    },
    {
        .name = "publish_stats",
        .type = &cs_conf_bool,
        CS_CONF_FIELD(analyzerd.publish_stats),
        .def = "yes",
        .help = "Also publish each frame's statistics on `stats/<stream>` through pubd",
        .readers = CS_READ(CS_DAEMON_ANALYZERD),
    },
};

const struct cs_conf_section analyzerd_conf_section = {
    .name = "analyzerd",
    .keys = s_keys,
    .n_keys = sizeof s_keys / sizeof s_keys[0],
};
