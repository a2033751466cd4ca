#include "h5writer.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hdf5.h>

#include "cs-build.h"
#include "h5file.h"
#include "h5series.h"
#include "pixfmt.h"
#include "util.h"

#define S_GROW_FRAMES  64 /* the frame axis grows this many frames at a time */
#define S_COLUMN_CHUNK 1024

struct h5writer {
    char path[PATH_MAX];
    hid_t file, entry, data, dset;
    cs_h5series_t *seq, *timestamp;
    enum cs_pixfmt pixfmt;
    uint32_t width, height, row_bytes;
    uint64_t run;
    uint64_t first_seq;
    uint64_t n_frames;
    uint64_t allocated; /* frames the extent holds */
    uint64_t lost;
    size_t frame_bytes;
    uint8_t *pack; /* rows without their padding, when a camera pads them */
    bool failed;   /* a write failed: the file can no longer be called complete */
};

static void
s_set_sentinels(struct h5writer *w)
{
    w->file = w->entry = w->data = w->dset = H5I_INVALID_HID;
}

static int
s_instrument(struct h5writer *w, const struct cs_conf *conf, const struct cs_frame_hdr *first)
{
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
        || cs_h5_str_dataset(cam, "device",
                             conf->camerad.source == CS_SOURCE_V4L2 ? conf->camerad.device : "")
               < 0
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
    r = 0;
out:
    if (cam >= 0)
        (void) H5Gclose(cam);
    if (inst >= 0)
        (void) H5Gclose(inst);
    return r;
}

/* The frames dataset: (N, H, W) or (N, H, W, C), one frame per chunk, unlimited along N. */
static int
s_create_frames(struct h5writer *w)
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
        || H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER) < 0)
        goto out;
    w->dset = H5Dcreate2(w->data, "data", type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (w->dset < 0 || cs_h5_attr_str(w->dset, "interpretation", "image") < 0)
        goto out;
    r = 0;
out:
    if (dcpl >= 0)
        (void) H5Pclose(dcpl);
    if (space >= 0)
        (void) H5Sclose(space);
    return r;
}

int
h5writer_open(const struct cs_conf *conf, const struct cs_frame_hdr *first, struct h5writer **ret_w)
{
    struct h5writer *w = calloc(1, sizeof *w);
    char when[40];
    unsigned part = 0;
    hid_t fid;
    int r = -EIO;

    if (!w)
        return -ENOMEM;
    s_set_sentinels(w);
    cs_h5_quiet();
    if (cs_pixfmt_from_fourcc(first->fourcc, &w->pixfmt) < 0) {
        r = -EINVAL;
        goto fail;
    }
    w->width = first->width;
    w->height = first->height;
    w->row_bytes = first->width * cs_pixfmt_info(w->pixfmt)->bytes_per_pixel;
    w->frame_bytes = (size_t) w->row_bytes * w->height;
    w->run = first->run;
    w->first_seq = first->seq;
    if (first->stride != w->row_bytes && !(w->pack = malloc(w->frame_bytes))) {
        r = -ENOMEM;
        goto fail;
    }
    fid = cs_h5_create(conf->saverd.directory, conf->stack.stream, NULL, first->run,
                       first->capture_ns, 0, w->path, sizeof w->path, &part);
    if (fid < 0) {
        r = (int) fid;
        goto fail;
    }
    w->file = fid;
    cs_h5_time_str(first->capture_ns, when, sizeof when);
    w->entry = cs_h5_group(w->file, "entry", "NXentry");
    if (w->entry < 0)
        goto fail;
    w->data = cs_h5_group(w->entry, "data", "NXdata");
    if (w->data < 0 || cs_h5_attr_str(w->file, "default", "entry") < 0
        || cs_h5_attr_str(w->file, "creator", "camstack saverd " CS_VERSION) < 0
        || cs_h5_attr_u64(w->file, "complete", 0) < 0
        || cs_h5_attr_str(w->entry, "default", "data") < 0
        || cs_h5_str_dataset(w->entry, "start_time", when) < 0
        || cs_h5_str_dataset(w->entry, "program_name", "camstack saverd") < 0
        || cs_h5_attr_str(w->data, "signal", "data") < 0 || s_create_frames(w) < 0
        || s_instrument(w, conf, first) < 0)
        goto fail;
    w->seq = cs_h5series_new(w->data, "seq", H5T_NATIVE_UINT64, S_COLUMN_CHUNK, NULL);
    w->timestamp =
        cs_h5series_new(w->data, "timestamp_ns", H5T_NATIVE_UINT64, S_COLUMN_CHUNK, "ns");
    if (!w->seq || !w->timestamp)
        goto fail;
    *ret_w = w;
    return 0;
fail:
    if (w->file >= 0) {
        (void) h5writer_close(&w, false);
        return r;
    }
    free(w->pack);
    free(w);
    return r;
}

static int
s_grow(struct h5writer *w, uint64_t frames)
{
    hsize_t dims[4] = { frames, w->height, w->width, cs_pixfmt_info(w->pixfmt)->channels };

    if (H5Dset_extent(w->dset, dims) < 0)
        return -EIO;
    w->allocated = frames;
    return 0;
}

int
h5writer_append(struct h5writer *w, const struct cs_frame_hdr *hdr, const void *pixels)
{
    hsize_t offset[4] = { w->n_frames, 0, 0, 0 };
    const void *chunk = pixels;

    if (w->failed)
        return -EIO;
    if (hdr->width != w->width || hdr->height != w->height
        || hdr->fourcc != cs_pixfmt_info(w->pixfmt)->fourcc)
        return -EINVAL;
    if (hdr->stride != w->row_bytes) {
        for (uint32_t y = 0; y < w->height; y++)
            memcpy(w->pack + (size_t) y * w->row_bytes,
                   (const uint8_t *) pixels + (size_t) y * hdr->stride, w->row_bytes);
        chunk = w->pack;
    }
    if (w->n_frames == w->allocated && s_grow(w, w->allocated + S_GROW_FRAMES) < 0)
        goto fail;
    if (H5Dwrite_chunk(w->dset, H5P_DEFAULT, 0, offset, w->frame_bytes, chunk) < 0)
        goto fail;
    w->n_frames++;
    if (cs_h5series_append(w->seq, &hdr->seq) < 0
        || cs_h5series_append(w->timestamp, &hdr->capture_ns) < 0)
        goto fail;
    return 0;
fail:
    w->failed = true;
    return -EIO;
}

void
h5writer_note_gap(struct h5writer *w, const struct cs_gap *gap)
{
    if (gap->reason != CS_GAP_CAMERA)
        w->lost += gap->count;
}

int
h5writer_flush(struct h5writer *w)
{
    if (w->failed)
        return -EIO;
    if (cs_h5series_flush(w->seq) < 0 || cs_h5series_flush(w->timestamp) < 0
        || H5Fflush(w->file, H5F_SCOPE_GLOBAL) < 0) {
        w->failed = true;
        return -EIO;
    }
    return 0;
}

static int
s_fsync_path(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC), r = 0;

    if (fd < 0)
        return -errno;
    if (fsync(fd) < 0)
        r = -errno;
    (void) close(fd);
    return r;
}

int
h5writer_close(struct h5writer **w_p, bool complete)
{
    struct h5writer *w = *w_p;
    char when[40];
    int r = 0;

    if (!w)
        return 0;
    if (cs_h5series_destroy(&w->seq) < 0 || cs_h5series_destroy(&w->timestamp) < 0)
        w->failed = true;
    if (w->dset >= 0 && w->allocated != w->n_frames && s_grow(w, w->n_frames) < 0)
        w->failed = true;
    cs_h5_time_str(cs_now_ns(CLOCK_REALTIME), when, sizeof when);
    if (w->file >= 0
        && (cs_h5_attr_u64(w->file, "frames", w->n_frames) < 0
            || cs_h5_attr_u64(w->file, "frames_lost", w->lost) < 0
            || cs_h5_attr_u64(w->file, "first_seq", w->first_seq) < 0
            || cs_h5_attr_u64(w->file, "run", w->run) < 0
            || (w->entry >= 0 && cs_h5_str_dataset(w->entry, "end_time", when) < 0)))
        w->failed = true;
    if (w->file >= 0 && cs_h5_attr_u64(w->file, "complete", complete && !w->failed) < 0)
        w->failed = true;
    if (w->dset >= 0)
        (void) H5Dclose(w->dset);
    if (w->data >= 0)
        (void) H5Gclose(w->data);
    if (w->entry >= 0)
        (void) H5Gclose(w->entry);
    if (w->file >= 0 && H5Fclose(w->file) < 0)
        w->failed = true;
    if (w->failed)
        r = -EIO;
    else
        r = s_fsync_path(w->path);
    free(w->pack);
    free(w);
    *w_p = NULL;
    return r;
}

const char *
h5writer_path(const struct h5writer *w)
{
    return w->path;
}

uint64_t
h5writer_frames(const struct h5writer *w)
{
    return w->n_frames;
}

uint64_t
h5writer_lost(const struct h5writer *w)
{
    return w->lost;
}
