/* HDF5 files as camstack writes them: exclusive creation under the naming rule
 * <dir>/<stream>[-<kind>]-<UTC yyyymmddThhmmssZ>-<run>[-NNNN].h5 (nothing is ever
 * overwritten: a taken name moves on to the next part number), NeXus groups, and attributes.
 * HDF5's own error printing is switched off; failures come back as -EIO. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hdf5.h>

/* The registered id of the LZ4 filter plugin (HDF5's list of registered filters). */
#define CS_H5_FILTER_LZ4 32004

/* The @end_reason of a file from its creation until its writer closes it: a file that still
 * says so was not closed (it is being written, or its writer died). */
#define CS_H5_END_WRITING "writing"

/* Switches off HDF5's automatic error stack printing (once per process). */
void cs_h5_quiet(void);

/* True if HDF5 can apply filter @id, loading its plugin from HDF5_PLUGIN_PATH (or HDF5's
 * default plugin directory) if it is not built in. */
bool cs_h5_filter_available(int id);

/* Creates a new file for run @run started at @start_ns (CLOCK_REALTIME). @kind is NULL for
 * movies or a word such as "stats". @part is the first part number to try (0: none).
 * @access is the file access property list (its driver, alignment), H5P_DEFAULT for HDF5's
 * defaults; it is copied. The name taken is written into @ret_path and the part number used
 * into @ret_part. Returns the file id or a negative errno. Files are created with the latest
 * format, ready for H5Fstart_swmr_write(). */
hid_t cs_h5_create(const char *dir, const char *stream, const char *kind, uint64_t run,
                   uint64_t start_ns, unsigned part, hid_t access, char *ret_path, size_t path_size,
                   unsigned *ret_part);

/* Creates a group with NX_class = @nx_class. Returns its id or H5I_INVALID_HID. */
hid_t cs_h5_group(hid_t parent, const char *name, const char *nx_class);

/* Attributes, created or overwritten in place (a string attribute is a variable-length UTF-8
 * string, which h5py reads back as str: it can be created with a placeholder and overwritten
 * with a value of any length where no object may be created any more, a file in SWMR mode).
 * Return 0 or -EIO. */
int cs_h5_attr_str(hid_t obj, const char *name, const char *value);
int cs_h5_attr_u64(hid_t obj, const char *name, uint64_t value);
int cs_h5_attr_i64(hid_t obj, const char *name, int64_t value);
int cs_h5_attr_f64(hid_t obj, const char *name, double value);

/* A scalar string dataset (NeXus fields such as start_time). Returns 0 or -EIO. */
int cs_h5_str_dataset(hid_t parent, const char *name, const char *value);

/* A scalar int64 dataset. Returns 0 or -EIO. */
int cs_h5_i64_dataset(hid_t parent, const char *name, int64_t value);

/* fsync()s the closed file at @path, so that a clean close survives a power cut.
 * Returns 0 or -errno. */
int cs_h5_fsync_path(const char *path);

/* A scalar fixed-size string dataset of @size bytes (NUL-padded ASCII; @value is cut to
 * fit). Its size never changes, so it can be created with a placeholder and overwritten in a
 * file in SWMR mode; if it exists, its value is overwritten. Returns 0 or -EIO. */
int cs_h5_fixed_str_dataset(hid_t parent, const char *name, const char *value, size_t size);

/* ISO 8601 UTC text of @ns for NeXus time fields. */
void cs_h5_time_str(uint64_t ns, char *buf, size_t size);
