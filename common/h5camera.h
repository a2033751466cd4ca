/* The camera's record in a file (FILES.md): its identity as datasets of a camera group
 * (/entry/instrument/camera) and the table of setting changes, "changes", one row a change
 * (seq, time_ns, name, value, previous) appended as they come. saverd's movies and
 * analyzerd's statistics files write it alike. Created before the file switches to SWMR. */
#pragma once

#include <stdint.h>

#include <hdf5.h>

#include "camera.h"

typedef struct cs_h5camera cs_h5camera_t;

/* Writes the identity of @log (if it is of run @run; otherwise the identity's datasets hold ""
 * and 0: unknown) into group @cam, and creates its changes table holding @log's changes of run
 * @run so far. Identity facts whose names @cam already has are left out. NULL on failure. */
cs_h5camera_t *cs_h5camera_new(hid_t cam, const struct cs_camlog *log, uint64_t run);

/* Appends a row (buffered until the next flush). Returns 0 or -EIO. */
int cs_h5camera_append(cs_h5camera_t *self, const struct cs_camera_change *change);

/* Writes the buffered rows. Returns 0 or -EIO. */
int cs_h5camera_flush(cs_h5camera_t *self);

/* Closes the table after a last flush; NULL is fine. Returns 0 or -EIO. */
int cs_h5camera_destroy(cs_h5camera_t **self_p);
