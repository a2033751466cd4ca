/* The run file of a rotated run: one small HDF5 file, <first part's name without .h5>.vds.h5,
 * beside the parts, whose virtual datasets show the frames, seq, timestamps and gaps of every
 * part, in order, as one dataset each, with external links to the first part's instrument
 * group and start time (docs/FILES.md section 6). It is written to a temporary name and
 * renamed over its last version when the run's second part opens, at further parts (as
 * often as a tenth of the writer's time allows), and once more, in its final form, when the
 * run's last part closes. The writer thread owns it. */
#pragma once

#include "h5writer.h"

typedef struct runvds runvds_t;

runvds_t *runvds_new(void);
void runvds_destroy(runvds_t **self_p);

/* Part @w was just opened. It continues the chain of parts if the part before it was closed
 * for rotation in the same run and ended where @w begins; otherwise it begins a new chain
 * (and a chain left behind is written in its final form). Writes the run file when the chain
 * has two parts or more and a version is due. Returns 0, or a negative errno if the run file could
 * not be written (the parts themselves are not affected). */
int runvds_opened(runvds_t *self, const struct h5writer *w);

/* Part @w is about to be closed with @end. Its final lengths are noted; unless @end is a
 * rotation, the chain ends there, and if it had two parts or more the run file is written in
 * its final form. Returns 0 or a negative errno, as runvds_opened(). */
int runvds_closing(runvds_t *self, const struct h5writer *w, enum h5writer_end end);
