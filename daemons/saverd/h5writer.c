#include "h5writer.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include <hdf5.h>
#include <linux/magic.h>

#include "cs-build.h"
#include "h5camera.h"
#include "h5direct.h"
#include "h5file.h"
#include "h5series.h"
#include "pixfmt.h"
#include "util.h"

#define S_COLUMN_CHUNK 1024
#define S_GAPS_CHUNK   64
#define S_REASON_SIZE  8  /* "network", "camera", "queue" and a NUL */
#define S_TIME_SIZE    32 /* end_time, as cs_format_iso8601() writes it */
/* Disk space kept allocated past the end of the file for what closing it writes (metadata of
 * the last flush interval, columns, attributes), and how far ahead it is allocated at once. */
#define S_RESERVE_BYTES (1u << 20)
#define S_RESERVE_AHEAD (4u << 20)
/* Where fallocate() writes the space it reserves (tmpfs: it allocates and zeroes memory,
 * which the write then fills again), space is reserved only once the file system has less
 * than this much free beyond what a frame needs. */
#define S_RESERVE_WHEN_SHORT (256u << 20)
/* h5writer_stream(): how much written data is put on its way to the disk at once. */
#define S_STREAM_WINDOW (64u << 20)

/* A row of /entry/data/gaps, in memory and in the file. */
struct s_gap_row {
    uint64_t first_seq;
    uint64_t count;
    char reason[S_REASON_SIZE];
};

struct h5writer {
    char path[PATH_MAX];
    hid_t file, entry, data, dset, gap_type;
    cs_h5series_t *seq, *timestamp, *gaps;
    cs_h5camera_t *camrec; /* /entry/instrument/camera: the identity and the changes */
    int fd;                /* the same file, for fallocate() and fsync(); -1 if none */
    bool reserve;          /* the file system takes fallocate(FALLOC_FL_KEEP_SIZE) */
    bool reserve_if_short; /* but reserving costs a write of the space: see s_reserve() */
    uint64_t reserved_to;  /* bytes of the file allocated, from its start */
    uint64_t started_to;   /* h5writer_stream(): writeback started up to here */
    uint64_t dropped_to;   /* and the page cache dropped up to here */
    enum cs_pixfmt pixfmt;
    uint32_t width, height;
    unsigned part;
    uint64_t run, first_seq, next_seq;
    uint64_t n_frames;
    uint64_t bytes;
    uint64_t lost, camera;
    bool failed; /* a write failed: the file can only be closed, and is not complete */
    bool direct; /* frames' chunks go around the page cache (h5direct.h) */
    int refused; /* write_mode = direct, but the file system refused it: the errno */
};

static const char *const s_end_names[H5WRITER_END_COUNT] = {
    [H5WRITER_END_EOS] = "end_of_stream", [H5WRITER_END_STOP] = "stopped",
    [H5WRITER_END_ROTATION] = "rotated",  [H5WRITER_END_NEW_RUN] = "new_run",
    [H5WRITER_END_ERROR] = "write_error", [H5WRITER_END_RECORD_STOP] = "record_stop",
};

const char *
h5writer_end_name(enum h5writer_end end)
{
    return end < H5WRITER_END_COUNT ? s_end_names[end] : "?";
}

static int
s_instrument(struct h5writer *w, const struct h5writer_params *p, const struct cs_frame_hdr *first)
{
    const struct cs_conf *conf = p->conf;
    hid_t inst = H5I_INVALID_HID, cam = H5I_INVALID_HID;
    char host[256] = "", fourcc[5];
    int r = -EIO;

    (void) gethostname(host, sizeof host - 1);
    cs_fourcc_str(first->fourcc, fourcc);
    inst = cs_h5_group(w->entry, "instrument", "NXinstrument");
    if (inst < 0)
        goto out;
    cam = cs_h5_group(inst, "camera", "NXdetector");
    if (cam < 0)
        goto out;
    if (cs_h5_str_dataset(cam, "source", cs_source_name(conf->camerad.source)) < 0
        || cs_h5_str_dataset(cam, "device", cs_source_device(conf)) < 0
        || cs_h5_str_dataset(cam, "pixel_format", cs_pixfmt_info(w->pixfmt)->name) < 0
        || cs_h5_str_dataset(cam, "fourcc", fourcc) < 0
        || cs_h5_attr_u64(cam, "width", first->width) < 0
        || cs_h5_attr_u64(cam, "height", first->height) < 0
        || cs_h5_attr_u64(cam, "stride", first->stride) < 0
        || cs_h5_attr_f64(cam, "frame_rate", conf->camerad.fps) < 0
        || cs_h5_str_dataset(cam, "stream", conf->stack.stream) < 0
        || cs_h5_attr_u64(cam, "run", first->run) < 0 || cs_h5_str_dataset(inst, "host", host) < 0
        || cs_h5_str_dataset(inst, "camstack_version", CS_VERSION) < 0)
        goto out;
    w->camrec = cs_h5camera_new(cam, p->camlog, first->run);
    if (!w->camrec)
        goto out;
    r = 0;
out:
    if (cam >= 0)
        (void) H5Gclose(cam);
    if (inst >= 0)
        (void) H5Gclose(inst);
    return r;
}

const char *
h5writer_interpretation(unsigned channels)
{
    return channels == 1 ? "image" : channels == 3 ? "rgba-image" : NULL;
}

/* Maps sample @sample of each pixel of /entry/data/data, in the same file, to channel @c of
 * the view dataset @vspace (of rank 3 for one channel, 4 with the channels last), unlimited
 * along N. */
static int
s_map_view(const struct h5writer *w, hid_t dcpl, hid_t vspace, unsigned c, unsigned sample)
{
    unsigned channels = cs_pixfmt_info(w->pixfmt)->channels;
    hsize_t sdims[4] = { 0, w->height, w->width, channels };
    hsize_t smax[4] = { H5S_UNLIMITED, w->height, w->width, channels };
    hsize_t sstart[4] = { 0, 0, 0, sample }, vstart[4] = { 0, 0, 0, c };
    hsize_t one[4] = { 1, 1, 1, 1 }, block[4] = { H5S_UNLIMITED, w->height, w->width, 1 };
    hid_t sspace = H5Screate_simple(channels > 1 ? 4 : 3, sdims, smax);
    int r = -EIO;

    if (sspace >= 0 && H5Sselect_hyperslab(sspace, H5S_SELECT_SET, sstart, NULL, one, block) >= 0
        && H5Sselect_hyperslab(vspace, H5S_SELECT_SET, vstart, NULL, one, block) >= 0
        && H5Pset_virtual(dcpl, vspace, ".", "/entry/data/data", sspace) >= 0)
        r = 0;
    if (sspace >= 0)
        (void) H5Sclose(sspace);
    return r;
}

/* The file view of the pixel format's row that is not the frames dataset itself (YUYV's
 * luma, BGR24's rgb): a virtual dataset beside /entry/data/data in the same file, of (N, H, W)
 * for one channel or (N, H, W, C), each channel a sample of each pixel of data, unlimited
 * along N, so that a viewer following the NXdata group shows it as an image stack. Returns
 * 0 or -EIO. */
static int
s_create_view(struct h5writer *w, const struct cs_pixfmt_file_view *v, hid_t type)
{
    hsize_t dims[4] = { 0, w->height, w->width, v->channels };
    hsize_t max[4] = { H5S_UNLIMITED, w->height, w->width, v->channels };
    hid_t vspace = H5Screate_simple(v->channels > 1 ? 4 : 3, dims, max);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE), d = H5I_INVALID_HID;
    int r = -EIO;

    if (vspace < 0 || dcpl < 0)
        goto out;
    for (unsigned c = 0; c < v->channels; c++)
        if (s_map_view(w, dcpl, vspace, c, v->sample[c]) < 0)
            goto out;
    d = H5Dcreate2(w->data, v->name, type, vspace, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (d >= 0 && cs_h5_attr_str(d, "interpretation", h5writer_interpretation(v->channels)) >= 0)
        r = 0;
out:
    if (d >= 0)
        (void) H5Dclose(d);
    if (dcpl >= 0)
        (void) H5Pclose(dcpl);
    if (vspace >= 0)
        (void) H5Sclose(vspace);
    return r;
}

/* The NXdata group's signal, as silx and NeXus read it: the pixel format's file view, which
 * is the frames dataset itself or a virtual dataset made by s_create_view(). The frames
 * dataset has the @interpretation of its channel count, if any. Returns 0 or -EIO. */
static int
s_set_signal(struct h5writer *w, hid_t type)
{
    const struct cs_pixfmt_info *pi = cs_pixfmt_info(w->pixfmt);
    const char *interp = h5writer_interpretation(pi->channels);

    if (interp && cs_h5_attr_str(w->dset, "interpretation", interp) < 0)
        return -EIO;
    if (pi->file_view.name && s_create_view(w, &pi->file_view, type) < 0)
        return -EIO;
    return cs_h5_attr_str(w->data, "signal", pi->file_view.name ? pi->file_view.name : "data") < 0
               ? -EIO
               : 0;
}

/* The frames dataset: (N, H, W) or (N, H, W, C), one frame per chunk, unlimited along N. */
static int
s_create_frames(struct h5writer *w, const struct encoder *enc)
{
    const struct cs_pixfmt_info *pi = cs_pixfmt_info(w->pixfmt);
    int rank = pi->channels > 1 ? 4 : 3;
    hsize_t dims[4] = { 0, w->height, w->width, pi->channels };
    hsize_t maxdims[4] = { H5S_UNLIMITED, w->height, w->width, pi->channels };
    hsize_t chunk[4] = { 1, w->height, w->width, pi->channels };
    hid_t space = H5Screate_simple(rank, dims, maxdims), dcpl = H5Pcreate(H5P_DATASET_CREATE);
    hid_t type = pi->bits == 16 ? H5T_STD_U16LE : H5T_STD_U8LE;
    int r = -EIO;

    if (space < 0 || dcpl < 0 || H5Pset_chunk(dcpl, rank, chunk) < 0
        || H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER) < 0 || encoder_set_filters(enc, dcpl) < 0)
        goto out;
    w->dset = H5Dcreate2(w->data, "data", type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (w->dset < 0 || s_set_signal(w, type) < 0)
        goto out;
    r = 0;
out:
    if (dcpl >= 0)
        (void) H5Pclose(dcpl);
    if (space >= 0)
        (void) H5Sclose(space);
    return r;
}

/* /entry/data/gaps: (first_seq, count, reason) rows, appended as frames turn out missing. */
static int
s_create_gaps(struct h5writer *w)
{
    hid_t str = H5Tcopy(H5T_C_S1);
    int r = -EIO;

    w->gap_type = H5Tcreate(H5T_COMPOUND, sizeof(struct s_gap_row));
    if (str < 0 || w->gap_type < 0 || H5Tset_size(str, S_REASON_SIZE) < 0
        || H5Tset_strpad(str, H5T_STR_NULLTERM) < 0
        || H5Tinsert(w->gap_type, "first_seq", HOFFSET(struct s_gap_row, first_seq),
                     H5T_NATIVE_UINT64)
               < 0
        || H5Tinsert(w->gap_type, "count", HOFFSET(struct s_gap_row, count), H5T_NATIVE_UINT64) < 0
        || H5Tinsert(w->gap_type, "reason", HOFFSET(struct s_gap_row, reason), str) < 0)
        goto out;
    w->gaps = cs_h5series_new(w->data, "gaps", w->gap_type, S_GAPS_CHUNK, NULL);
    if (w->gaps)
        r = 0;
out:
    if (str >= 0)
        (void) H5Tclose(str);
    return r;
}

/* Every attribute that closing the file sets exists from the start, with a placeholder: a
 * file in SWMR mode takes no new attribute, but fixed-size values can be overwritten. */
static int
s_create_root(struct h5writer *w, const struct cs_frame_hdr *first)
{
    char when[40];

    cs_h5_time_str(first->capture_ns, when, sizeof when);
    if (cs_h5_attr_str(w->file, "default", "entry") < 0
        || cs_h5_attr_str(w->file, "creator", "camstack saverd " CS_VERSION) < 0
        || cs_h5_attr_u64(w->file, "run", first->run) < 0
        || cs_h5_attr_u64(w->file, "part", w->part) < 0
        || cs_h5_attr_u64(w->file, "first_seq", w->first_seq) < 0
        || cs_h5_attr_u64(w->file, "frames", 0) < 0 || cs_h5_attr_u64(w->file, "frames_lost", 0) < 0
        || cs_h5_attr_u64(w->file, "camera_dropped", 0) < 0
        || cs_h5_attr_u64(w->file, "complete", 0) < 0
        || cs_h5_attr_str(w->file, "end_reason", CS_H5_END_WRITING) < 0
        || cs_h5_attr_str(w->entry, "default", "data") < 0
        || cs_h5_str_dataset(w->entry, "start_time", when) < 0
        || cs_h5_fixed_str_dataset(w->entry, "end_time", "", S_TIME_SIZE) < 0
        || cs_h5_str_dataset(w->entry, "program_name", "camstack saverd") < 0)
        return -EIO;
    return 0;
}

static void
s_set_sentinels(struct h5writer *w)
{
    w->file = w->entry = w->data = w->dset = w->gap_type = H5I_INVALID_HID;
    w->fd = -1;
}

/* True if the file system of @w's file has @need bytes free with S_RESERVE_WHEN_SHORT to
 * spare. */
static bool
s_has_room(const struct h5writer *w, uint64_t need)
{
    struct statfs fs;

    return fstatfs(w->fd, &fs) == 0
           && (uint64_t) fs.f_bavail * (uint64_t) fs.f_bsize >= need + S_RESERVE_WHEN_SHORT;
}

/* Makes sure @need bytes past HDF5's end of file are allocated on disk, so that what HDF5
 * writes there cannot fail for want of space. Returns 0 or -ENOSPC.
 *
 * On a tmpfs, fallocate() zeroes every page it allocates and the frame's write then copies
 * over it: reserving doubled the cost of saving. There the space is reserved only once free
 * space runs short; until then the room it has is the promise, which holds as long as
 * nothing else fills that file system faster than saverd checks (before every frame). */
static int
s_reserve(struct h5writer *w, uint64_t need)
{
    haddr_t eoa = 0;

    if (!w->reserve)
        return 0;
    if (H5Fget_eoa(w->file, &eoa) < 0)
        return -EIO;
    if (eoa + need <= w->reserved_to)
        return 0;
    if (w->reserve_if_short && s_has_room(w, need))
        return 0;
    /* Ahead in one go, or, near a full disk, just what is needed. */
    if (fallocate(w->fd, FALLOC_FL_KEEP_SIZE, (off_t) eoa, (off_t) (need + S_RESERVE_AHEAD)) == 0) {
        w->reserved_to = eoa + need + S_RESERVE_AHEAD;
        return 0;
    }
    if (errno == EOPNOTSUPP || errno == ENOSYS) {
        w->reserve = false; /* this file system cannot promise space: go on without */
        return 0;
    }
    if (fallocate(w->fd, FALLOC_FL_KEEP_SIZE, (off_t) eoa, (off_t) need) == 0) {
        w->reserved_to = eoa + need;
        return 0;
    }
    return -errno;
}

static int
s_open_fd(struct h5writer *w)
{
    struct statfs fs;

    w->fd = open(w->path, O_RDWR | O_CLOEXEC);
    if (w->fd < 0)
        return -errno;
    w->reserve = true;
    w->reserve_if_short = fstatfs(w->fd, &fs) == 0 && fs.f_type == TMPFS_MAGIC;
    return s_reserve(w, S_RESERVE_BYTES);
}

int
h5writer_open(const struct h5writer_params *p, const struct cs_frame_hdr *first,
              struct h5writer **ret_w)
{
    const struct cs_conf *conf = p->conf;
    struct h5writer *w = calloc(1, sizeof *w);
    bool direct = conf->saverd.write_mode == CS_WRITE_MODE_DIRECT;
    hid_t fid, fapl;
    char path[PATH_MAX];
    int r = -EIO;

    if (!w)
        return -ENOMEM;
    s_set_sentinels(w);
    cs_h5_quiet();
    if (cs_pixfmt_from_fourcc(first->fourcc, &w->pixfmt) < 0) {
        free(w);
        return -EINVAL;
    }
    w->width = first->width;
    w->height = first->height;
    w->run = first->run;
    w->first_seq = w->next_seq = p->first_seq;
    fapl = direct ? h5direct_fapl() : H5P_DEFAULT;
    fid = fapl < 0 ? -EIO
                   : cs_h5_create(conf->saverd.directory, conf->stack.stream, NULL, first->run,
                                  p->start_ns, p->part, fapl, w->path, sizeof w->path, &w->part);
    if (direct && fapl >= 0)
        (void) H5Pclose(fapl);
    if (fid < 0) {
        r = (int) fid;
        free(w);
        return r;
    }
    w->file = fid;
    w->direct = direct && h5direct_active(w->file, &w->refused);
    r = s_open_fd(w);
    if (r < 0)
        goto fail;
    r = -EIO;
    w->entry = cs_h5_group(w->file, "entry", "NXentry");
    if (w->entry < 0)
        goto fail;
    w->data = cs_h5_group(w->entry, "data", "NXdata");
    if (w->data < 0 || s_create_root(w, first) < 0 || s_create_frames(w, p->enc) < 0
        || s_instrument(w, p, first) < 0 || s_create_gaps(w) < 0)
        goto fail;
    w->seq = cs_h5series_new(w->data, "seq", H5T_NATIVE_UINT64, S_COLUMN_CHUNK, NULL);
    w->timestamp =
        cs_h5series_new(w->data, "timestamp_ns", H5T_NATIVE_UINT64, S_COLUMN_CHUNK, "ns");
    if (!w->seq || !w->timestamp)
        goto fail;
    if (conf->saverd.swmr && H5Fstart_swmr_write(w->file) < 0)
        goto fail;
    *ret_w = w;
    return 0;
fail:
    /* Nothing was recorded in it, and it may be half made: remove it. */
    (void) cs_strlcpy(path, w->path, sizeof path);
    w->failed = true;
    (void) h5writer_close(&w, H5WRITER_END_ERROR);
    (void) unlink(path);
    return r;
}

/* Sets the frame axis to @frames. Under SWMR a reader sees exactly this many frames, so the
 * extent follows the frames written instead of growing ahead of them. */
static int
s_set_frames(struct h5writer *w, uint64_t frames)
{
    hsize_t dims[4] = { frames, w->height, w->width, cs_pixfmt_info(w->pixfmt)->channels };

    return H5Dset_extent(w->dset, dims) < 0 ? -EIO : 0;
}

/* saverd writes its data once and never reads it back: so, every S_STREAM_WINDOW bytes, it
 * starts the writeback of what it just wrote, waits for that of the window before (usually
 * done by then) and drops that from the page cache. Dirty data stays within two windows
 * instead of piling up to the kernel's dirty limit, where the writer would be throttled for
 * seconds at a time, and the page cache recycles the same pages instead of taking fresh ones
 * (on a virtual machine, the first touch of a page costs the host a fault: about 13 us per
 * 4 KiB, 20 ms per 1080p RGB frame). Best effort: errors are left to the writes and fsync. */
void
h5writer_stream(struct h5writer *w)
{
    haddr_t eoa = 0;

    if (w->fd < 0 || H5Fget_eoa(w->file, &eoa) < 0 || eoa < w->started_to + S_STREAM_WINDOW)
        return;
    if (w->started_to > w->dropped_to) {
        (void) sync_file_range(
            w->fd, (off_t) w->dropped_to, (off_t) (w->started_to - w->dropped_to),
            SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER);
        (void) posix_fadvise(w->fd, (off_t) w->dropped_to, (off_t) (w->started_to - w->dropped_to),
                             POSIX_FADV_DONTNEED);
        w->dropped_to = w->started_to;
    }
    (void) sync_file_range(w->fd, (off_t) w->started_to, (off_t) (eoa - w->started_to),
                           SYNC_FILE_RANGE_WRITE);
    w->started_to = eoa;
}

int
h5writer_append(struct h5writer *w, const struct cs_frame_hdr *hdr, const void *chunk, size_t size)
{
    hsize_t offset[4] = { w->n_frames, 0, 0, 0 };
    int r;

    if (w->failed)
        return -EIO;
    if (hdr->width != w->width || hdr->height != w->height
        || hdr->fourcc != cs_pixfmt_info(w->pixfmt)->fourcc)
        return -EINVAL;
    r = s_reserve(w, size + S_RESERVE_BYTES);
    if (r < 0)
        goto fail;
    r = -EIO;
    if (s_set_frames(w, w->n_frames + 1) < 0)
        goto fail;
    if (H5Dwrite_chunk(w->dset, H5P_DEFAULT, 0, offset, size, chunk) < 0) {
        (void) s_set_frames(w, w->n_frames); /* no frame of fill values for a reader */
        goto fail;
    }
    w->n_frames++;
    w->bytes += size;
    w->next_seq = hdr->seq + 1;
    if (cs_h5series_append(w->seq, &hdr->seq) < 0
        || cs_h5series_append(w->timestamp, &hdr->capture_ns) < 0)
        goto fail;
    return 0;
fail:
    w->failed = true;
    return r;
}

int
h5writer_note_gap(struct h5writer *w, const struct cs_gap *gap)
{
    struct s_gap_row row = { gap->first_seq, gap->count, "" };

    if (gap->count == 0)
        return 0;
    (void) cs_strlcpy(row.reason, cs_gap_reason_name(gap->reason), sizeof row.reason);
    if (gap->reason == CS_GAP_CAMERA)
        w->camera += gap->count;
    else
        w->lost += gap->count;
    if (gap->first_seq + gap->count > w->next_seq)
        w->next_seq = gap->first_seq + gap->count;
    if (w->failed)
        return -EIO;
    if (cs_h5series_append(w->gaps, &row) < 0) {
        w->failed = true;
        return -EIO;
    }
    return 0;
}

int
h5writer_flush(struct h5writer *w)
{
    if (w->failed)
        return -EIO;
    if (cs_h5series_flush(w->seq) < 0 || cs_h5series_flush(w->timestamp) < 0
        || cs_h5series_flush(w->gaps) < 0 || cs_h5camera_flush(w->camrec) < 0
        || H5Fflush(w->file, H5F_SCOPE_GLOBAL) < 0) {
        w->failed = true;
        return -EIO;
    }
    return 0;
}

bool
h5writer_removed(const struct h5writer *w)
{
    struct stat st;

    return w->fd >= 0 && fstat(w->fd, &st) == 0 && st.st_nlink == 0;
}

static int
s_fsync_dir(const char *path)
{
    char tmp[PATH_MAX];
    int fd, r = 0;

    (void) cs_strlcpy(tmp, path, sizeof tmp);
    fd = open(dirname(tmp), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    if (fsync(fd) < 0)
        r = -errno;
    (void) close(fd);
    return r;
}

/* After HDF5 has closed the file: gives back the space reserved past its end, and makes the
 * file and its name durable. */
static int
s_release(struct h5writer *w)
{
    struct stat st;
    int r = 0;

    if (w->fd < 0)
        return 0;
    if (w->reserve && fstat(w->fd, &st) == 0 && (uint64_t) st.st_size < w->reserved_to)
        (void) fallocate(w->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, st.st_size,
                         (off_t) (w->reserved_to - (uint64_t) st.st_size));
    if (fsync(w->fd) < 0)
        r = -errno;
    (void) close(w->fd);
    w->fd = -1;
    if (r == 0)
        r = s_fsync_dir(w->path);
    return r;
}

int
h5writer_close(struct h5writer **w_p, enum h5writer_end end)
{
    struct h5writer *w = *w_p;
    char when[40];
    int r = 0;

    if (!w)
        return 0;
    if (cs_h5series_destroy(&w->seq) < 0 || cs_h5series_destroy(&w->timestamp) < 0
        || cs_h5series_destroy(&w->gaps) < 0 || cs_h5camera_destroy(&w->camrec) < 0)
        w->failed = true;
    if (end == H5WRITER_END_ERROR)
        w->failed = true;
    cs_h5_time_str(cs_now_ns(CLOCK_REALTIME), when, sizeof when);
    if (w->entry >= 0
        && (cs_h5_attr_u64(w->file, "frames", w->n_frames) < 0
            || cs_h5_attr_u64(w->file, "frames_lost", w->lost) < 0
            || cs_h5_attr_u64(w->file, "camera_dropped", w->camera) < 0
            || cs_h5_attr_str(w->file, "end_reason", h5writer_end_name(end)) < 0
            || cs_h5_fixed_str_dataset(w->entry, "end_time", when, S_TIME_SIZE) < 0))
        w->failed = true;
    if (w->entry >= 0 && cs_h5_attr_u64(w->file, "complete", !w->failed) < 0)
        w->failed = true;
    if (w->gap_type >= 0)
        (void) H5Tclose(w->gap_type);
    if (w->dset >= 0)
        (void) H5Dclose(w->dset);
    if (w->data >= 0)
        (void) H5Gclose(w->data);
    if (w->entry >= 0)
        (void) H5Gclose(w->entry);
    if (w->file >= 0 && H5Fclose(w->file) < 0)
        w->failed = true;
    r = s_release(w);
    if (w->failed && end != H5WRITER_END_ERROR)
        r = -EIO;
    free(w);
    *w_p = NULL;
    return r;
}

const char *
h5writer_path(const struct h5writer *w)
{
    return w->path;
}

unsigned
h5writer_part(const struct h5writer *w)
{
    return w->part;
}

bool
h5writer_direct(const struct h5writer *w, int *reterr_refused)
{
    *reterr_refused = w->refused;
    return w->direct;
}

uint64_t
h5writer_frames(const struct h5writer *w)
{
    return w->n_frames;
}

uint64_t
h5writer_bytes(const struct h5writer *w)
{
    return w->bytes;
}

uint64_t
h5writer_lost(const struct h5writer *w)
{
    return w->lost;
}

uint64_t
h5writer_next_seq(const struct h5writer *w)
{
    return w->next_seq;
}

int
h5writer_camera_change(struct h5writer *w, const struct cs_camera_change *change)
{
    return w->failed ? -EIO : cs_h5camera_append(w->camrec, change);
}

uint64_t
h5writer_run(const struct h5writer *w)
{
    return w->run;
}

enum cs_pixfmt
h5writer_pixfmt(const struct h5writer *w)
{
    return w->pixfmt;
}

uint64_t
h5writer_first_seq(const struct h5writer *w)
{
    return w->first_seq;
}

uint64_t
h5writer_gap_rows(const struct h5writer *w)
{
    return w->gaps ? cs_h5series_length(w->gaps) : 0;
}

hid_t
h5writer_frames_dataset(const struct h5writer *w)
{
    return w->dset;
}

hid_t
h5writer_gap_type(const struct h5writer *w)
{
    return w->gap_type;
}
