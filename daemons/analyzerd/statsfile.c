#include "statsfile.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <time.h>

#include <hdf5.h>

#include "cs-build.h"
#include "h5camera.h"
#include "h5file.h"
#include "h5series.h"
#include "util.h"

#define S_CHUNK     1024
#define S_TIME_SIZE 32 /* end_time, as cs_format_iso8601() writes it */

enum s_col { S_SEQ, S_TIMESTAMP, S_MIN, S_MAX, S_MEAN, S_STD, S_COL_COUNT };

struct statsfile {
    char path[PATH_MAX];
    hid_t file, entry, group;
    cs_h5series_t *col[S_COL_COUNT];
    cs_h5camera_t *camera;
    uint64_t rows, lost, first_seq, run;
    bool failed;
};

/* /entry/instrument/camera: what the movie has of the camera's record (FILES.md). */
static int
s_camera(struct statsfile *f, const struct cs_camlog *camlog)
{
    hid_t inst = cs_h5_group(f->entry, "instrument", "NXinstrument");
    hid_t cam = inst >= 0 ? cs_h5_group(inst, "camera", "NXdetector") : H5I_INVALID_HID;

    if (cam >= 0)
        f->camera = cs_h5camera_new(cam, camlog, f->run);
    if (cam >= 0)
        (void) H5Gclose(cam);
    if (inst >= 0)
        (void) H5Gclose(inst);
    return f->camera ? 0 : -EIO;
}

int
statsfile_open(const struct cs_conf *conf, const struct cs_frame_hdr *first,
               const struct cs_camlog *camlog, struct statsfile **ret_f)
{
    struct statsfile *f = calloc(1, sizeof *f);
    char when[40];
    unsigned part = 0;
    hid_t fid;

    if (!f)
        return -ENOMEM;
    f->entry = f->group = H5I_INVALID_HID;
    f->first_seq = first->seq;
    f->run = first->run;
    cs_h5_quiet();
    fid = cs_h5_create(conf->analyzerd.directory, conf->stack.stream, "stats", first->run,
                       first->capture_ns, 0, H5P_DEFAULT, f->path, sizeof f->path, &part);
    if (fid < 0) {
        free(f);
        return (int) fid;
    }
    f->file = fid;
    cs_h5_time_str(first->capture_ns, when, sizeof when);
    f->entry = cs_h5_group(f->file, "entry", "NXentry");
    if (f->entry < 0)
        goto fail;
    f->group = cs_h5_group(f->entry, "stats", "NXdata");
    /* Every attribute that closing the file sets exists from the start, with a placeholder: a
     * file in SWMR mode takes no new object or attribute, but values can be overwritten. */
    if (f->group < 0 || cs_h5_attr_str(f->file, "default", "entry") < 0
        || cs_h5_attr_str(f->file, "creator", "camstack analyzerd " CS_VERSION) < 0
        || cs_h5_attr_u64(f->file, "run", f->run) < 0
        || cs_h5_attr_u64(f->file, "first_seq", f->first_seq) < 0
        || cs_h5_attr_u64(f->file, "frames", 0) < 0 || cs_h5_attr_u64(f->file, "frames_lost", 0) < 0
        || cs_h5_attr_u64(f->file, "complete", 0) < 0
        || cs_h5_attr_str(f->file, "end_reason", CS_H5_END_WRITING) < 0
        || cs_h5_attr_str(f->entry, "default", "stats") < 0
        || cs_h5_str_dataset(f->entry, "start_time", when) < 0
        || cs_h5_fixed_str_dataset(f->entry, "end_time", "", S_TIME_SIZE) < 0
        || cs_h5_str_dataset(f->entry, "program_name", "camstack analyzerd") < 0
        || cs_h5_attr_str(f->group, "signal", "mean") < 0
        || cs_h5_attr_str(f->group, "axes", "seq") < 0 || s_camera(f, camlog) < 0)
        goto fail;
    f->col[S_SEQ] = cs_h5series_new(f->group, "seq", H5T_NATIVE_UINT64, S_CHUNK, NULL);
    f->col[S_TIMESTAMP] =
        cs_h5series_new(f->group, "timestamp_ns", H5T_NATIVE_UINT64, S_CHUNK, "ns");
    f->col[S_MIN] = cs_h5series_new(f->group, "min", H5T_NATIVE_UINT32, S_CHUNK, NULL);
    f->col[S_MAX] = cs_h5series_new(f->group, "max", H5T_NATIVE_UINT32, S_CHUNK, NULL);
    f->col[S_MEAN] = cs_h5series_new(f->group, "mean", H5T_NATIVE_DOUBLE, S_CHUNK, NULL);
    f->col[S_STD] = cs_h5series_new(f->group, "std", H5T_NATIVE_DOUBLE, S_CHUNK, NULL);
    for (int i = 0; i < S_COL_COUNT; i++) {
        if (!f->col[i])
            goto fail;
    }
    /* From here on readers may open it while it grows (h5py swmr=True, camstackctl plot). */
    if (H5Fstart_swmr_write(f->file) < 0)
        goto fail;
    *ret_f = f;
    return 0;
fail:
    (void) statsfile_close(&f, false);
    return -EIO;
}

int
statsfile_append(struct statsfile *f, const struct cs_frame_hdr *hdr, const struct cs_stats *st)
{
    if (f->failed)
        return -EIO;
    if (cs_h5series_append(f->col[S_SEQ], &hdr->seq) < 0
        || cs_h5series_append(f->col[S_TIMESTAMP], &hdr->capture_ns) < 0
        || cs_h5series_append(f->col[S_MIN], &st->min) < 0
        || cs_h5series_append(f->col[S_MAX], &st->max) < 0
        || cs_h5series_append(f->col[S_MEAN], &st->mean) < 0
        || cs_h5series_append(f->col[S_STD], &st->std) < 0) {
        f->failed = true;
        return -EIO;
    }
    f->rows++;
    return 0;
}

int
statsfile_camera_change(struct statsfile *f, const struct cs_camera_change *change)
{
    if (f->failed || cs_h5camera_append(f->camera, change) < 0) {
        f->failed = true;
        return -EIO;
    }
    return 0;
}

void
statsfile_note_lost(struct statsfile *f, uint64_t frames)
{
    f->lost += frames;
}

int
statsfile_flush(struct statsfile *f)
{
    for (int i = 0; i < S_COL_COUNT && !f->failed; i++) {
        if (cs_h5series_flush(f->col[i]) < 0)
            f->failed = true;
    }
    if (!f->failed && cs_h5camera_flush(f->camera) < 0)
        f->failed = true;
    if (!f->failed && H5Fflush(f->file, H5F_SCOPE_GLOBAL) < 0)
        f->failed = true;
    return f->failed ? -EIO : 0;
}

int
statsfile_close(struct statsfile **f_p, bool complete)
{
    struct statsfile *f = *f_p;
    const char *reason = complete ? "end_of_stream" : "cut";
    char when[40];
    int r;

    if (!f)
        return 0;
    for (int i = 0; i < S_COL_COUNT; i++) {
        if (cs_h5series_destroy(&f->col[i]) < 0)
            f->failed = true;
    }
    if (cs_h5camera_destroy(&f->camera) < 0)
        f->failed = true;
    if (f->failed)
        reason = "write_error";
    cs_h5_time_str(cs_now_ns(CLOCK_REALTIME), when, sizeof when);
    if (f->entry >= 0
        && (cs_h5_attr_u64(f->file, "frames", f->rows) < 0
            || cs_h5_attr_u64(f->file, "frames_lost", f->lost) < 0
            || cs_h5_fixed_str_dataset(f->entry, "end_time", when, S_TIME_SIZE) < 0
            || cs_h5_attr_str(f->file, "end_reason", reason) < 0))
        f->failed = true;
    if (f->entry >= 0 && cs_h5_attr_u64(f->file, "complete", complete && !f->failed) < 0)
        f->failed = true;
    if (f->group >= 0)
        (void) H5Gclose(f->group);
    if (f->entry >= 0)
        (void) H5Gclose(f->entry);
    if (H5Fclose(f->file) < 0)
        f->failed = true;
    r = f->failed ? -EIO : cs_h5_fsync_path(f->path);
    free(f);
    *f_p = NULL;
    return r;
}

const char *
statsfile_path(const struct statsfile *f)
{
    return f->path;
}

uint64_t
statsfile_rows(const struct statsfile *f)
{
    return f->rows;
}

uint64_t
statsfile_run(const struct statsfile *f)
{
    return f->run;
}
