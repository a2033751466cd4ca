/* saverd: records the stream's frames into HDF5 files, one per acquisition run. */
#include "daemon.h"
#include "saverd.h"

static const struct cs_daemon_info s_info = {
    .which = CS_DAEMON_SAVERD,
    .counter_groups = saverd_counter_groups,
    .summary = "saverd - record the camera stream into HDF5 files",
    .description =
        "saverd subscribes to [endpoints] subscribe for the frames of [stack] stream and\n"
        "writes each acquisition run into a new file in [saverd] directory, named\n"
        "<stream>-<UTC start yyyymmddThhmmssZ>-<run>[-NNNN].h5 and never overwriting one\n"
        "that exists. The layout is NeXus-flavoured (/entry/data/data, time first, one\n"
        "frame per chunk, with /entry/data/seq, /entry/data/timestamp_ns and the table of\n"
        "missing frames /entry/data/gaps) so that h5py, silx, napari and Fiji open it as\n"
        "it is, in SWMR mode while it grows. A writer thread behind a queue of queue_mb\n"
        "absorbs disk stalls: when the queue is full, frames are dropped, counted and\n"
        "listed as gaps, and receiving never waits. Files are flushed every\n"
        "flush_interval_ms, rotated by max_frames_per_file / max_bytes_per_file, and\n"
        "compressed per compression; write_mode says whether frames reach the disk\n"
        "through the page cache (cached) or around it (direct, the default: O_DIRECT\n"
        "where the file system takes it). On the run's end-of-stream, a rotation or SIGTERM the\n"
        "file gets its closing attributes (frames, frames_lost, complete = 1) and is\n"
        "fsynced; on SIGTERM saverd first receives up to the end-of-stream, for at most\n"
        "drain_timeout_ms, and writes what is queued. A full disk or an unwritable\n"
        "directory closes the file cleanly and saverd waits for the next run.\n"
        "Its control endpoint answers 'record stop' (close the file through the writer,\n"
        "write nothing more) and 'record start' (write again from the next frame: a new\n"
        "file), as camstackctl record sends them; recording is on at start-up.\n"
        "See docs/SAVING.md.",
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
