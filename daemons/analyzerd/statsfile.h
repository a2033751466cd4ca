/* analyzerd's file for one run: /entry/stats/{seq,timestamp_ns,min,max,mean,std}, one row
 * per analysed frame, in the same NeXus-flavoured shape as saverd's movies. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "frame.h"
#include "stats.h"

struct statsfile;

/* Creates <directory>/<stream>-stats-<UTC>-<run>[-NNNN].h5 for the run @first begins. */
int statsfile_open(const struct cs_conf *conf, const struct cs_frame_hdr *first,
                   struct statsfile **ret_f);
int statsfile_append(struct statsfile *f, const struct cs_frame_hdr *hdr,
                     const struct cs_stats *st);
void statsfile_note_lost(struct statsfile *f, uint64_t frames);
int statsfile_flush(struct statsfile *f);
int statsfile_close(struct statsfile **f_p, bool complete);
const char *statsfile_path(const struct statsfile *f);
uint64_t statsfile_rows(const struct statsfile *f);
