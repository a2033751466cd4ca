/* A one-dimensional dataset that grows by appending: seq and timestamp columns beside a
 * movie, statistics columns. Values are buffered in memory and written a block at a time
 * (at a full block, at cs_h5series_flush() and at close); the extent follows the values
 * written, so a reader never sees rows that hold no value yet. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <hdf5.h>

typedef struct cs_h5series cs_h5series_t;

/* Creates dataset @name in @parent of native type @type (H5T_NATIVE_UINT64, ...) with
 * chunks of @chunk values, and @units as its "units" attribute if not NULL. NULL on failure. */
cs_h5series_t *cs_h5series_new(hid_t parent, const char *name, hid_t type, size_t chunk,
                               const char *units);

/* Closes the dataset after a final flush. Returns 0 or -EIO if that flush failed. */
int cs_h5series_destroy(cs_h5series_t **self_p);

/* Appends one value (of the type's size). Returns 0 or -EIO. */
int cs_h5series_append(cs_h5series_t *self, const void *value);

/* Writes the buffered values. Returns 0 or -EIO. */
int cs_h5series_flush(cs_h5series_t *self);

/* Values appended so far (written or buffered). */
uint64_t cs_h5series_length(const cs_h5series_t *self);

hid_t cs_h5series_dataset(const cs_h5series_t *self);
