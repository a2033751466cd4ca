/* One movie file of saverd: the NeXus-flavoured layout (see docs/SAVING.md), frames written
 * straight into their chunks with H5Dwrite_chunk, the seq and timestamp columns, the table of
 * missing frames (gaps), and the closing attributes. Every object and attribute is created
 * before the file switches to SWMR mode; the closing attributes are overwritten in place.
 * Disk space for closing the file is kept allocated past its end, so that a full disk is
 * noticed before a frame is written and the file can still be closed cleanly. Not thread-safe:
 * one writer thread owns a file. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hdf5.h>

#include "camera.h"
#include "config.h"
#include "encoder.h"
#include "frame.h"
#include "ledger.h"

struct h5writer;

/* Why a file was closed: its @end_reason attribute. */
enum h5writer_end {
    H5WRITER_END_EOS,         /* the run's end-of-stream */
    H5WRITER_END_STOP,        /* saverd stopped */
    H5WRITER_END_ROTATION,    /* max_frames_per_file or max_bytes_per_file: the run goes on */
    H5WRITER_END_NEW_RUN,     /* a new run began without the end-of-stream of this one */
    H5WRITER_END_ERROR,       /* a write failed (disk full, I/O error) */
    H5WRITER_END_RECORD_STOP, /* "record stop": the run goes on, unrecorded */
    H5WRITER_END_COUNT
};

struct h5writer_params {
    const struct cs_conf *conf;     /* directory, stream, swmr and the camera settings recorded */
    const struct encoder *enc;      /* the filters of the frames dataset */
    uint64_t start_ns;              /* the run's first frame (CLOCK_REALTIME): the file name */
    unsigned part;                  /* part number to try first (0: none, 1: -0001, ...) */
    uint64_t first_seq;             /* the first seq this file accounts for */
    const struct cs_camlog *camlog; /* the run's camera identity and changes so far, or NULL */
};

const char *h5writer_end_name(enum h5writer_end end);

/* Creates the file for the run that frame @first belongs to. Returns 0 or a negative errno
 * (-ENOSPC when the disk is full); the path taken is in h5writer_path(). */
int h5writer_open(const struct h5writer_params *p, const struct cs_frame_hdr *first,
                  struct h5writer **ret_w);

/* Appends frame @hdr, whose chunk (packed and encoded) is @chunk of @size bytes. Returns 0,
 * -EINVAL for a frame of another geometry (nothing written, the file stays usable), -ENOSPC
 * when the disk is full or -EIO (nothing of this frame is in the file; the file can only be
 * closed). */
int h5writer_append(struct h5writer *w, const struct cs_frame_hdr *hdr, const void *chunk,
                    size_t size);

/* Appends a row to /entry/instrument/camera/changes. Returns 0 or -EIO. */
int h5writer_camera_change(struct h5writer *w, const struct cs_camera_change *change);

/* Records frames that will never be in the file: a row of /entry/data/gaps. Returns 0 or
 * -EIO. */
int h5writer_note_gap(struct h5writer *w, const struct cs_gap *gap);

/* Writes buffered rows and flushes HDF5's caches to the file, for SWMR readers. Returns 0 or
 * -EIO. */
int h5writer_flush(struct h5writer *w);

/* Puts what was written on its way to the disk and drops older data from the page cache, a
 * window at a time (h5writer.c). Call after each append, once the frame is accounted for:
 * it may wait for the disk. */
void h5writer_stream(struct h5writer *w);

/* True when the file has no name left: it was removed (with its directory, say) while open,
 * and what is written into it goes nowhere. One fstat(2). */
bool h5writer_removed(const struct h5writer *w);

/* Writes the closing attributes (@complete is 1 unless a write failed or @end is an error),
 * closes, releases the reserved space and fsyncs. Returns 0 or a negative errno. */
int h5writer_close(struct h5writer **w_p, enum h5writer_end end);

const char *h5writer_path(const struct h5writer *w);
unsigned h5writer_part(const struct h5writer *w);
/* Whether the frames' chunks go around the page cache (write_mode = direct); if direct was
 * configured but the file system refused it, false and the errno in *@reterr_refused. */
bool h5writer_direct(const struct h5writer *w, int *reterr_refused);
uint64_t h5writer_frames(const struct h5writer *w);
uint64_t h5writer_bytes(const struct h5writer *w);    /* chunk bytes written */
uint64_t h5writer_lost(const struct h5writer *w);     /* network and queue gaps */
uint64_t h5writer_next_seq(const struct h5writer *w); /* the seq after all accounted for */
uint64_t h5writer_run(const struct h5writer *w);
enum cs_pixfmt h5writer_pixfmt(const struct h5writer *w);
uint64_t h5writer_first_seq(const struct h5writer *w); /* the first seq this file accounts for */
uint64_t h5writer_gap_rows(const struct h5writer *w);  /* rows of /entry/data/gaps */
/* The frames dataset and the type of a gaps row, borrowed: valid until h5writer_close(). */
hid_t h5writer_frames_dataset(const struct h5writer *w);
hid_t h5writer_gap_type(const struct h5writer *w);

/* The NeXus/silx @interpretation of a dataset of frames with @channels samples per pixel:
 * "image" for 1, "rgba-image" for 3 (R, G, B), NULL (none) for others. */
const char *h5writer_interpretation(unsigned channels);
