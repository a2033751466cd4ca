/* analyzerd's file for one run: /entry/stats/{seq,timestamp_ns,min,max,mean,std}, one row
 * per analysed frame, in the same NeXus-flavoured shape as saverd's movies, and the camera's
 * identity and setting changes under /entry/instrument/camera as in the movies. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "camera.h"
#include "config.h"
#include "frame.h"
#include "stats.h"

struct statsfile;

/* Creates <directory>/<stream>-stats-<UTC>-<run>[-NNNN].h5 for the run @first begins, with
 * @camlog's identity and changes of that run (NULL: none known). */
int statsfile_open(const struct cs_conf *conf, const struct cs_frame_hdr *first,
                   const struct cs_camlog *camlog, struct statsfile **ret_f);
/* A row of /entry/instrument/camera/changes. Returns 0 or -EIO. */
int statsfile_camera_change(struct statsfile *f, const struct cs_camera_change *change);
int statsfile_append(struct statsfile *f, const struct cs_frame_hdr *hdr,
                     const struct cs_stats *st);
void statsfile_note_lost(struct statsfile *f, uint64_t frames);
int statsfile_flush(struct statsfile *f);
int statsfile_close(struct statsfile **f_p, bool complete);
const char *statsfile_path(const struct statsfile *f);
uint64_t statsfile_rows(const struct statsfile *f);
uint64_t statsfile_run(const struct statsfile *f);
