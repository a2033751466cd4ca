/* One movie file of saverd: the NeXus-flavoured layout (see docs/FILES.md), frames written
 * straight into their chunks with H5Dwrite_chunk from the received message, seq and
 * timestamp columns, and the closing attributes that say whether the file is complete. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "frame.h"
#include "ledger.h"

struct h5writer;

/* Creates the file for the run that @first begins, in @conf's saverd directory. Returns 0
 * or a negative errno; the path taken is in h5writer_path(). */
int h5writer_open(const struct cs_conf *conf, const struct cs_frame_hdr *first,
                  struct h5writer **ret_w);

/* Appends frame @hdr whose pixels are @pixels (hdr->payload_size bytes). Frames that do not
 * match the file's geometry are refused with -EINVAL. Returns 0 or a negative errno. */
int h5writer_append(struct h5writer *w, const struct cs_frame_hdr *hdr, const void *pixels);

/* Records frames that will never be in the file. */
void h5writer_note_gap(struct h5writer *w, const struct cs_gap *gap);

/* Writes buffered columns and flushes HDF5's caches to the file. */
int h5writer_flush(struct h5writer *w);

/* Writes the closing attributes (@complete: the run ended with its end-of-stream and every
 * write succeeded), trims the extent, closes and fsyncs. Returns 0 or a negative errno. */
int h5writer_close(struct h5writer **w_p, bool complete);

const char *h5writer_path(const struct h5writer *w);
uint64_t h5writer_frames(const struct h5writer *w);
uint64_t h5writer_lost(const struct h5writer *w);
