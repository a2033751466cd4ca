/* camerad: acquires frames and pushes them, numbered and timestamped, to pubd. */
#include "camerad.h"
#include "daemon.h"

static const struct cs_daemon_info s_info = {
    .which = CS_DAEMON_CAMERAD,
    .counter_groups = camerad_counter_groups,
    .summary = "camerad - acquire camera frames and push them to pubd",
    .description =
        "camerad owns the camera. It reads frames from the source named in [camerad]\n"
        "(testpattern: a deterministic pattern documented in PROTOCOL.md; v4l2: a camera),\n"
        "numbers them within an acquisition run, timestamps them and pushes them to pubd's\n"
        "[endpoints] ingest without ever blocking: a frame pubd cannot take is counted as\n"
        "dropped at source. With wait_subscribers = N it asks pubd's control endpoint and\n"
        "starts capturing only once N frame subscribers are connected, so that none misses\n"
        "the first frames. After frames = N frames, or on SIGTERM, it sends an end-of-stream\n"
        "message and exits 0. Its control endpoint steers runs without a restart: 'acquire\n"
        "stop' ends the run with its end-of-stream and leaves camerad idle, 'acquire start\n"
        "[FRAMES]' begins a new run (camstackctl acquire); once steered, camerad stays idle\n"
        "after a run instead of exiting.\n\n"
        "With source = v4l2 it captures from [camerad] device through libv4l2 (mmap\n"
        "streaming; libv4l2's conversion only for a format the camera lacks). A request the\n"
        "camera cannot meet is an error naming what it offers (exit 78), unless\n"
        "allow_format_fallback = yes. A camera that is absent or goes away is waited for\n"
        "(STATUS=waiting for device), with an end-of-stream for the run it ended and a new\n"
        "run when it is back.",
};

static void *
s_create(const struct cs_conf *conf, cs_daemon_t *daemon)
{
    return camerad_new(conf, daemon);
}

static void
s_destroy(void *self)
{
    camerad_t *p = self;

    camerad_destroy(&p);
}

static int
s_exit_status(const void *self)
{
    return camerad_exit_status(self);
}

int
main(int argc, char **argv)
{
    static const struct cs_daemon_impl impl = { s_create, s_destroy, s_exit_status };

    return cs_daemon_main(&s_info, &impl, argc, argv);
}
