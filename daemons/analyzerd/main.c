/* analyzerd: computes per-frame statistics, saves them and publishes them. */
#include "daemon.h"
#include "analyzerd.h"

static const struct cs_daemon_info s_info = {
    .which = CS_DAEMON_ANALYZERD,
    .counter_groups = analyzerd_counter_groups,
    .summary = "analyzerd - compute statistics of every camera frame",
    .description =
        "analyzerd subscribes to [endpoints] subscribe for the frames of [stack] stream and\n"
        "computes min, max, mean and standard deviation of each frame (for RGB24 and BGR24\n"
        "the value of a pixel is the sum of its three channels; for YUYV its luminance). It\n"
        "appends them to one HDF5 file per run in [analyzerd] directory, named\n"
        "<stream>-stats-<UTC start>-<run>[-NNNN].h5, with /entry/stats/{seq, timestamp_ns,\n"
        "min, max, mean, std}, and, with publish_stats = yes, pushes each as a JSON object\n"
        "on topic stats/<stream> into [endpoints] ingest, so that pubd publishes it to live\n"
        "consumers. Frames that never arrived are counted from the gaps in their sequence\n"
        "numbers. On SIGTERM it first handles what is queued, up to the end-of-stream, for\n"
        "at most drain_timeout_ms.",
};

static void *
s_create(const struct cs_conf *conf, cs_daemon_t *daemon)
{
    return analyzerd_new(conf, daemon);
}

static void
s_destroy(void *self)
{
    analyzerd_t *p = self;

    analyzerd_destroy(&p);
}

int
main(int argc, char **argv)
{
    static const struct cs_daemon_impl impl = { s_create, s_destroy, NULL };

    return cs_daemon_main(&s_info, &impl, argc, argv);
}
