/* saverd: records the stream's frames into HDF5 files, one per acquisition run. */
#include "daemon.h"
#include "saverd.h"

static const struct cs_daemon_info s_info = {
    .which = CS_DAEMON_SAVERD,
    .summary = "saverd - record the camera stream into HDF5 files",
    .description =
        "saverd subscribes to [endpoints] subscribe for the frames of [stack] stream and\n"
        "writes each acquisition run into a new file in [saverd] directory, named\n"
        "<stream>-<UTC start yyyymmddThhmmssZ>-<run>[-NNNN].h5 and never overwriting one\n"
        "that exists. The layout is NeXus-flavoured (/entry/data/data, time first, one\n"
        "frame per chunk, with /entry/data/seq and /entry/data/timestamp_ns) so that h5py,\n"
        "silx, napari and Fiji open it as it is. Frames that never arrived are counted from\n"
        "the gaps in their sequence numbers. On the run's end-of-stream the file gets its\n"
        "closing attributes (frames, frames_lost, complete = 1) and is fsynced. On SIGTERM\n"
        "saverd first handles what is queued, up to the end-of-stream, for at most\n"
        "drain_timeout_ms.\n\n"
        "Keys read: [stack] stream; [endpoints] subscribe, control_saverd; [camerad] width,\n"
        "height, pixel_format (for the queue size); [saverd] directory, receive_buffer_mb,\n"
        "drain_timeout_ms; [security] client_certificate, server_certificate (CURVE over\n"
        "tcp, from another host); [log] level.",
};

static void *
s_create(const struct cs_conf *conf, cs_daemon_t *daemon)
{
    return saverd_new(conf, daemon);
}

static void
s_destroy(void *self)
{
    saverd_t *p = self;

    saverd_destroy(&p);
}

int
main(int argc, char **argv)
{
    static const struct cs_daemon_impl impl = { s_create, s_destroy, NULL };

    return cs_daemon_main(&s_info, &impl, argc, argv);
}
