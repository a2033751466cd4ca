#include "runvds.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hdf5.h>

#include "cs-build.h"
#include "h5file.h"
#include "pixfmt.h"
#include "util.h"

struct s_part {
    char name[NAME_MAX + 1]; /* in the run file's directory */
    uint64_t frames, gap_rows;
    bool open; /* still being written: mapped with an unlimited selection */
};

struct runvds {
    char path[PATH_MAX]; /* the run file; "" when there is no chain */
    uint64_t run, first_seq;
    uint64_t next_seq; /* where the last closed part ended */
    bool rotating;     /* the last part was closed for rotation: the chain may go on */
    char end[32];      /* the last part's @end_reason, "writing" while it is open */
    hid_t frame_type, gap_type;
    const struct cs_pixfmt_file_view *view; /* the pixel format's, pixfmt.h */
    int rank;                               /* of a part's frames dataset: 3, or 4 with channels */
    hsize_t dims[4];                        /* its shape, dims[0] unused */
    struct s_part *parts;
    size_t n_parts, cap;
    uint64_t written_ns, cost_ns; /* when the last version was written, and what it took */
};

/* A version maps every part, so writing one takes time in proportion to the parts (about
 * 0.6 ms per part on the 2-core development VM), on the writer thread. At a new part the run
 * file is written again only once the writer has spent 9 times that long on other things:
 * at most a tenth of its time goes to the run file, whatever the parts' size. The last
 * version, at the run's end, is always written. */
#define S_RUN_FILE_SHARE 9

/* What a virtual dataset of the run file concatenates. */
enum s_what { S_FRAMES, S_VIEW, S_SEQ, S_TIMESTAMP, S_GAPS };

static const char *const s_source[] = {
    [S_FRAMES] = "/entry/data/data", [S_VIEW] = "/entry/data/data",
    [S_SEQ] = "/entry/data/seq",     [S_TIMESTAMP] = "/entry/data/timestamp_ns",
    [S_GAPS] = "/entry/data/gaps",
};

runvds_t *
runvds_new(void)
{
    runvds_t *self = calloc(1, sizeof *self);

    if (self)
        self->frame_type = self->gap_type = H5I_INVALID_HID;
    return self;
}

static void
s_reset(runvds_t *self)
{
    if (self->frame_type >= 0)
        (void) H5Tclose(self->frame_type);
    if (self->gap_type >= 0)
        (void) H5Tclose(self->gap_type);
    self->frame_type = self->gap_type = H5I_INVALID_HID;
    self->path[0] = '\0';
    self->n_parts = 0;
    self->rotating = false;
}

void
runvds_destroy(runvds_t **self_p)
{
    runvds_t *self = *self_p;

    if (!self)
        return;
    s_reset(self);
    free(self->parts);
    free(self);
    *self_p = NULL;
}

/* Begins a chain with part @w (its first part). Returns 0 or a negative errno. */
static int
s_begin(runvds_t *self, const struct h5writer *w)
{
    const char *path = h5writer_path(w);
    size_t len = strlen(path);
    hid_t space;

    s_reset(self);
    if (len < 3 || strcmp(path + len - 3, ".h5") != 0
        || snprintf(self->path, sizeof self->path, "%.*s.vds.h5", (int) (len - 3), path)
               >= (int) sizeof self->path) {
        self->path[0] = '\0';
        return -ENAMETOOLONG;
    }
    self->run = h5writer_run(w);
    self->first_seq = h5writer_first_seq(w);
    self->view = &cs_pixfmt_info(h5writer_pixfmt(w))->file_view;
    self->frame_type = H5Dget_type(h5writer_frames_dataset(w));
    self->gap_type = H5Tcopy(h5writer_gap_type(w));
    space = H5Dget_space(h5writer_frames_dataset(w));
    self->rank = space >= 0 ? H5Sget_simple_extent_ndims(space) : -1;
    if (self->rank < 3 || self->rank > 4 || H5Sget_simple_extent_dims(space, self->dims, NULL) < 0)
        self->rank = -1;
    if (space >= 0)
        (void) H5Sclose(space);
    if (self->frame_type < 0 || self->gap_type < 0 || self->rank < 0) {
        s_reset(self);
        return -EIO;
    }
    return 0;
}

static int
s_add(runvds_t *self, const struct h5writer *w)
{
    struct s_part *p;
    char tmp[PATH_MAX];

    if (self->n_parts == self->cap) {
        size_t cap = self->cap ? 2 * self->cap : 8;
        struct s_part *parts = realloc(self->parts, cap * sizeof *parts);

        if (!parts)
            return -ENOMEM;
        self->parts = parts;
        self->cap = cap;
    }
    p = &self->parts[self->n_parts++];
    memset(p, 0, sizeof *p);
    (void) cs_strlcpy(tmp, h5writer_path(w), sizeof tmp);
    (void) cs_strlcpy(p->name, basename(tmp), sizeof p->name);
    p->open = true;
    (void) cs_strlcpy(self->end, CS_H5_END_WRITING, sizeof self->end);
    return 0;
}

/* The rank and shape of the virtual dataset of @what, with @n rows: a part's dataset of
 * @what has the same (S_VIEW: a part's frames dataset). */
static int
s_shape(const runvds_t *self, enum s_what what, hsize_t n, hsize_t *ret)
{
    if (what == S_SEQ || what == S_TIMESTAMP || what == S_GAPS) {
        ret[0] = n;
        return 1;
    }
    memcpy(ret, self->dims, sizeof self->dims);
    ret[0] = n;
    if (what == S_VIEW) {
        ret[3] = self->view->channels;
        return self->view->channels > 1 ? 4 : 3;
    }
    return self->rank;
}

/* Maps part @p's dataset of @what to rows @offset.. of the virtual dataset @vspace; for
 * S_VIEW, sample view->sample[@c] of each pixel of the part's frames to the view's channel
 * @c. */
static int
s_map(const runvds_t *self, hid_t dcpl, hid_t vspace, enum s_what what, const struct s_part *p,
      hsize_t offset, unsigned c)
{
    hsize_t n = what == S_GAPS ? p->gap_rows : p->frames, block = p->open ? H5S_UNLIMITED : n;
    hsize_t sdims[4], smax[4], sblock[4], vblock[4], sstart[4] = { 0 }, one[4] = { 1, 1, 1, 1 };
    hsize_t vstart[4] = { offset, 0, 0, 0 };
    int srank = s_shape(self, what == S_VIEW ? S_FRAMES : what, p->open ? 0 : n, sdims);
    hid_t sspace = H5I_INVALID_HID;
    int r = -EIO;

    memcpy(smax, sdims, sizeof smax);
    smax[0] = H5S_UNLIMITED;
    memcpy(sblock, sdims, sizeof sblock);
    sblock[0] = block;
    if (what == S_VIEW) {
        sstart[3] = self->view->sample[c]; /* one sample of each pixel */
        sblock[3] = 1;
        vstart[3] = c;
    }
    memcpy(vblock, sblock, sizeof vblock);
    sspace = H5Screate_simple(srank, sdims, smax);
    if (sspace >= 0 && H5Sselect_hyperslab(sspace, H5S_SELECT_SET, sstart, NULL, one, sblock) >= 0
        && H5Sselect_hyperslab(vspace, H5S_SELECT_SET, vstart, NULL, one, vblock) >= 0
        && H5Pset_virtual(dcpl, vspace, p->name, s_source[what], sspace) >= 0)
        r = 0;
    if (sspace >= 0)
        (void) H5Sclose(sspace);
    return r;
}

/* Virtual dataset @name in @group: every part's dataset of @what, one after the other. */
static int
s_virtual(const runvds_t *self, hid_t group, const char *name, enum s_what what)
{
    hsize_t dims[4], max[4], total = 0;
    hid_t type = what == S_GAPS                         ? self->gap_type
                 : what == S_SEQ || what == S_TIMESTAMP ? H5T_STD_U64LE
                                                        : self->frame_type;
    hid_t vspace, dcpl = H5Pcreate(H5P_DATASET_CREATE), d = H5I_INVALID_HID;
    bool growing = self->n_parts && self->parts[self->n_parts - 1].open;
    const char *interp;
    int rank, r = -EIO;

    for (size_t i = 0; i < self->n_parts; i++)
        total += self->parts[i].open ? 0
                 : what == S_GAPS    ? self->parts[i].gap_rows
                                     : self->parts[i].frames;
    rank = s_shape(self, what, total, dims);
    memcpy(max, dims, sizeof max);
    if (growing)
        max[0] = H5S_UNLIMITED;
    vspace = H5Screate_simple(rank, dims, max);
    if (vspace < 0 || dcpl < 0)
        goto out;
    total = 0;
    for (size_t i = 0; i < self->n_parts; i++) {
        const struct s_part *p = &self->parts[i];
        hsize_t n = what == S_GAPS ? p->gap_rows : p->frames;

        for (unsigned c = 0; c < (what == S_VIEW ? self->view->channels : 1); c++)
            if ((p->open || n > 0) && s_map(self, dcpl, vspace, what, p, total, c) < 0)
                goto out;
        total += n;
    }
    d = H5Dcreate2(group, name, type, vspace, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (d < 0)
        goto out;
    r = 0;
    interp = what == S_FRAMES
                 ? h5writer_interpretation(self->rank == 4 ? (unsigned) self->dims[3] : 1)
             : what == S_VIEW ? h5writer_interpretation(self->view->channels)
                              : NULL;
    if (interp)
        r = cs_h5_attr_str(d, "interpretation", interp);
    else if (what == S_TIMESTAMP)
        r = cs_h5_attr_str(d, "units", "ns");
out:
    if (d >= 0)
        (void) H5Dclose(d);
    if (dcpl >= 0)
        (void) H5Pclose(dcpl);
    if (vspace >= 0)
        (void) H5Sclose(vspace);
    return r;
}

/* /entry/parts: the parts' file names, in order. */
static int
s_part_names(const runvds_t *self, hid_t entry)
{
    hsize_t n = self->n_parts;
    const char **names = calloc(self->n_parts, sizeof *names);
    hid_t t = H5Tcopy(H5T_C_S1), space = H5Screate_simple(1, &n, NULL), d = H5I_INVALID_HID;
    int r = -EIO;

    for (size_t i = 0; names && i < self->n_parts; i++)
        names[i] = self->parts[i].name;
    if (names && t >= 0 && space >= 0 && H5Tset_size(t, H5T_VARIABLE) >= 0
        && H5Tset_cset(t, H5T_CSET_UTF8) >= 0)
        d = H5Dcreate2(entry, "parts", t, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (d >= 0 && H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, names) >= 0)
        r = 0;
    if (d >= 0)
        (void) H5Dclose(d);
    if (space >= 0)
        (void) H5Sclose(space);
    if (t >= 0)
        (void) H5Tclose(t);
    free(names);
    return r;
}

static int
s_fill(const runvds_t *self, hid_t file)
{
    const char *view = self->view->name;
    uint64_t frames = 0;
    hid_t entry = H5I_INVALID_HID, data = H5I_INVALID_HID;
    int r = -EIO;

    for (size_t i = 0; i < self->n_parts; i++)
        frames += self->parts[i].frames;
    entry = cs_h5_group(file, "entry", "NXentry");
    if (entry >= 0)
        data = cs_h5_group(entry, "data", "NXdata");
    if (data < 0 || cs_h5_attr_str(file, "default", "entry") < 0
        || cs_h5_attr_str(file, "creator", "camstack saverd " CS_VERSION) < 0
        || cs_h5_attr_u64(file, "run", self->run) < 0
        || cs_h5_attr_u64(file, "first_seq", self->first_seq) < 0
        || cs_h5_attr_u64(file, "parts", self->n_parts) < 0
        || cs_h5_attr_u64(file, "frames", strcmp(self->end, CS_H5_END_WRITING) ? frames : 0) < 0
        || cs_h5_attr_str(file, "end_reason", self->end) < 0
        || cs_h5_attr_str(entry, "default", "data") < 0
        /* The camera and the run's start, as the first part has them. */
        || H5Lcreate_external(self->parts[0].name, "/entry/instrument", entry, "instrument",
                              H5P_DEFAULT, H5P_DEFAULT)
               < 0
        || H5Lcreate_external(self->parts[0].name, "/entry/start_time", entry, "start_time",
                              H5P_DEFAULT, H5P_DEFAULT)
               < 0
        || cs_h5_attr_str(data, "signal", view ? view : "data") < 0 || s_part_names(self, entry) < 0
        || s_virtual(self, data, "data", S_FRAMES) < 0
        || (view && s_virtual(self, data, view, S_VIEW) < 0)
        || s_virtual(self, data, "seq", S_SEQ) < 0
        || s_virtual(self, data, "timestamp_ns", S_TIMESTAMP) < 0
        || s_virtual(self, data, "gaps", S_GAPS) < 0)
        goto out;
    r = 0;
out:
    if (data >= 0)
        (void) H5Gclose(data);
    if (entry >= 0)
        (void) H5Gclose(entry);
    return r;
}

/* Writes the run file to a temporary name and renames it over the last version, so that a
 * reader opening it finds one whole version or the other. */
static int
s_write_version(const runvds_t *self)
{
    char tmp[PATH_MAX + 8];
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS), file = H5I_INVALID_HID;
    int r = -EIO;

    (void) snprintf(tmp, sizeof tmp, "%s.tmp", self->path);
    (void) unlink(tmp); /* left by a saverd that died while writing it */
    if (fapl >= 0 && H5Pset_libver_bounds(fapl, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST) >= 0)
        file = H5Fcreate(tmp, H5F_ACC_EXCL, H5P_DEFAULT, fapl);
    if (file >= 0 && s_fill(self, file) == 0)
        r = 0;
    if (file >= 0 && H5Fclose(file) < 0)
        r = -EIO;
    if (fapl >= 0)
        (void) H5Pclose(fapl);
    if (r == 0 && strcmp(self->end, CS_H5_END_WRITING) != 0)
        r = cs_h5_fsync_path(tmp);
    if (r == 0 && rename(tmp, self->path) < 0)
        r = -errno;
    if (r < 0)
        (void) unlink(tmp);
    return r;
}

static int
s_write(runvds_t *self)
{
    uint64_t t0 = cs_now_ns(CLOCK_MONOTONIC);
    int r = s_write_version(self);

    self->written_ns = cs_now_ns(CLOCK_MONOTONIC);
    self->cost_ns = self->written_ns - t0;
    return r;
}

/* True if a version of the run file is due at a new part (S_RUN_FILE_SHARE). */
static bool
s_due(const runvds_t *self)
{
    return cs_now_ns(CLOCK_MONOTONIC) >= self->written_ns + S_RUN_FILE_SHARE * self->cost_ns;
}

int
runvds_opened(runvds_t *self, const struct h5writer *w)
{
    int r = 0;

    if (self->rotating && self->run == h5writer_run(w) && self->next_seq == h5writer_first_seq(w)) {
        self->rotating = false;
    } else {
        /* A chain left behind by a part that could not be opened: its last form. */
        if (self->rotating && self->n_parts > 1) {
            (void) cs_strlcpy(self->end, h5writer_end_name(H5WRITER_END_ROTATION),
                              sizeof self->end);
            r = s_write(self);
        }
        if (s_begin(self, w) < 0)
            return -EIO;
    }
    if (s_add(self, w) < 0)
        return -ENOMEM;
    if (self->n_parts > 1 && s_due(self)) {
        int r2 = s_write(self);

        r = r < 0 ? r : r2;
    }
    return r;
}

int
runvds_closing(runvds_t *self, const struct h5writer *w, enum h5writer_end end)
{
    struct s_part *p = self->n_parts ? &self->parts[self->n_parts - 1] : NULL;
    int r = 0;

    if (!self->path[0] || !p || !p->open)
        return 0;
    p->open = false;
    p->frames = h5writer_frames(w);
    p->gap_rows = h5writer_gap_rows(w);
    self->next_seq = h5writer_next_seq(w);
    if (end == H5WRITER_END_ROTATION) {
        self->rotating = true;
        return 0;
    }
    (void) cs_strlcpy(self->end, h5writer_end_name(end), sizeof self->end);
    if (self->n_parts > 1)
        r = s_write(self);
    s_reset(self);
    return r;
}
