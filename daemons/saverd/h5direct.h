/* saverd's HDF5 file driver (HDF5 1.10's virtual file layer): the semantics of HDF5's sec2
 * driver (POSIX pread/pwrite on one descriptor, SWMR-capable, flock locking), except that
 * the whole aligned blocks of each large raw-data write (a frame's chunk) go through a second
 * descriptor opened with O_DIRECT, around the page cache; the unaligned head and tail of a
 * write, small raw data and all metadata go through the page cache as with sec2. A chunk's
 * memory that is not aligned for direct I/O is copied through a reused aligned buffer. Where
 * the file system refuses O_DIRECT (tmpfs), every write goes through the page cache. */
#pragma once

#include <stdbool.h>

#include <hdf5.h>

/* Raw-data writes of at least this many bytes go around the page cache, and the file access
 * property list of h5direct_fapl() aligns their addresses: a frame's chunk, not the 8 KiB
 * chunks of the seq and timestamp columns. */
#define H5DIRECT_MIN_BYTES (64u << 10)
/* The file offset alignment H5Pset_alignment() is given: the page size of every Linux
 * platform camstack runs on, and a multiple of every disk's logical block. */
#define H5DIRECT_ALIGNMENT 4096u

/* A new file access property list using the driver, with raw data of H5DIRECT_MIN_BYTES or
 * more aligned to H5DIRECT_ALIGNMENT. The caller closes it. Returns H5I_INVALID_HID on
 * failure. */
hid_t h5direct_fapl(void);

/* Whether open file @file writes around the page cache: false when it was not opened with
 * this driver, or its file system refused O_DIRECT; then *@reterr_refused is the errno of
 * the refusal (0 if none). */
bool h5direct_active(hid_t file, int *reterr_refused);
