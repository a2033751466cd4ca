/* pubd's section of the config file, [pubd]: the memory its queues may take, and how long it
 * lingers at stop. */
#include "confkey.h"
#include "keys.h"

static const struct cs_conf_key s_keys[] = {
    {
        .name = "ingest_buffer_mb",
        .type = &cs_conf_u32,
        CS_CONF_FIELD(pubd.ingest_buffer_mb),
        .min = 1,
        .max = 65536,
        .def = "64",
        .help = "Memory for frames queued on the ingest, in MB",
        .readers = CS_READ(CS_DAEMON_PUBD),
    },
    {
        .name = "subscriber_buffer_mb",
        .type = &cs_conf_u32,
        CS_CONF_FIELD(pubd.subscriber_buffer_mb),
        .min = 1,
        .max = 65536,
        .def = "256",
        .help = "Memory for frames queued towards each subscriber, in MB",
        .more = "A subscriber that falls further behind misses frames and counts them as lost.",
        .readers = CS_READ(CS_DAEMON_PUBD),
    },
    {
        .name = "tcp_subscriber_buffer_mb",
        .type = &cs_conf_u32,
        CS_CONF_FIELD(pubd.tcp_subscriber_buffer_mb),
        .min = 1,
        .max = 65536,
        .def = "64",
        .help = "The same, for each subscriber of a tcp endpoint (remote hosts)",
        .more = "What one slow remote host may hold in pubd's memory, apart from the local "
                "subscribers' queues.",
        .readers = CS_READ(CS_DAEMON_PUBD),
    },
    {
        .name = "linger_ms",
        .type = &cs_conf_u32,
        CS_CONF_FIELD(pubd.linger_ms),
        .min = 0,
        .max = 600000,
        .def = "2000",
        .help = "At stop, time for the open run's end-of-stream to arrive, then for queued "
                "messages to leave",
        .more = "camerad's last frames may still be on their way in.",
        .readers = CS_READ(CS_DAEMON_PUBD),
    },
};

const struct cs_conf_section pubd_conf_section = {
    .name = "pubd",
    .keys = s_keys,
    .n_keys = sizeof s_keys / sizeof s_keys[0],
};
