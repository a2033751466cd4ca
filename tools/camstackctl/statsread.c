#include "statsread.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>

#include "h5file.h"

/* Reads the first @n values of column /entry/stats/@name as @type into a new array of @elem
 * bytes per value. */
static int
s_column(hid_t file, const char *name, hid_t type, size_t elem, size_t n, void **ret)
{
    hsize_t start[1] = { 0 }, count[1] = { n };
    hid_t dset, space = H5I_INVALID_HID, mem = H5I_INVALID_HID;
    void *buf = calloc(n ? n : 1, elem);
    char path[64];
    int r = -EIO;

    if (!buf)
        return -ENOMEM;
    (void) snprintf(path, sizeof path, "/entry/stats/%s", name);
    dset = H5Dopen2(file, path, H5P_DEFAULT);
    if (dset < 0)
        goto out;
    if (n > 0) {
        space = H5Dget_space(dset);
        mem = H5Screate_simple(1, count, NULL);
        if (space < 0 || mem < 0
            || H5Sselect_hyperslab(space, H5S_SELECT_SET, start, NULL, count, NULL) < 0
            || H5Dread(dset, type, mem, space, H5P_DEFAULT, buf) < 0)
            goto out;
    }
    *ret = buf;
    buf = NULL;
    r = 0;
out:
    if (mem >= 0)
        (void) H5Sclose(mem);
    if (space >= 0)
        (void) H5Sclose(space);
    if (dset >= 0)
        (void) H5Dclose(dset);
    free(buf);
    return r;
}

static uint64_t
s_root_u64(hid_t file, const char *name)
{
    uint64_t v = 0;
    hid_t a;

    if (H5Aexists(file, name) <= 0)
        return 0;
    a = H5Aopen(file, name, H5P_DEFAULT);
    if (a < 0)
        return 0;
    if (H5Aread(a, H5T_NATIVE_UINT64, &v) < 0)
        v = 0;
    (void) H5Aclose(a);
    return v;
}

int
stats_read(const char *path, struct stats_series *ret, char *reterr, size_t err_size)
{
    static const char *const names[] = { "seq", "timestamp_ns", "min", "max", "mean", "std" };
    struct stats_series s = { 0 };
    void **cols[] = { (void **) &s.seq, (void **) &s.timestamp_ns, (void **) &s.min,
                      (void **) &s.max, (void **) &s.mean,         (void **) &s.std };
    hid_t types[] = { H5T_NATIVE_UINT64, H5T_NATIVE_UINT64, H5T_NATIVE_UINT32,
                      H5T_NATIVE_UINT32, H5T_NATIVE_DOUBLE, H5T_NATIVE_DOUBLE };
    size_t sizes[] = { 8, 8, 4, 4, 8, 8 };
    hid_t file;
    int r = 0;

    memset(ret, 0, sizeof *ret);
    cs_h5_quiet();
    file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file < 0) /* a file being written in SWMR mode */
        file = H5Fopen(path, H5F_ACC_RDONLY | H5F_ACC_SWMR_READ, H5P_DEFAULT);
    if (file < 0) {
        (void) snprintf(reterr, err_size, "cannot open '%s' as an HDF5 file", path);
        return -EIO;
    }
    /* The shortest column decides: a file being written may have one row more in some. */
    for (size_t i = 0; i < sizeof names / sizeof names[0] && r == 0; i++) {
        char p[64];
        hid_t d;

        (void) snprintf(p, sizeof p, "/entry/stats/%s", names[i]);
        d = H5Dopen2(file, p, H5P_DEFAULT);
        if (d < 0) {
            (void) snprintf(reterr, err_size, "'%s' has no %s: not a statistics file", path, p);
            r = -EIO;
            break;
        }
        hid_t space = H5Dget_space(d);
        hsize_t dims[1] = { 0 };

        if (space < 0 || H5Sget_simple_extent_ndims(space) != 1
            || H5Sget_simple_extent_dims(space, dims, NULL) < 0) {
            (void) snprintf(reterr, err_size, "'%s': %s is not a column", path, p);
            r = -EIO;
        } else if (i == 0 || (size_t) dims[0] < s.n) {
            s.n = (size_t) dims[0];
        }
        if (space >= 0)
            (void) H5Sclose(space);
        (void) H5Dclose(d);
    }
    for (size_t i = 0; i < sizeof names / sizeof names[0] && r == 0; i++) {
        r = s_column(file, names[i], types[i], sizes[i], s.n, cols[i]);
        if (r < 0)
            (void) snprintf(reterr, err_size, "cannot read /entry/stats/%s of '%s'", names[i],
                            path);
    }
    if (r == 0) {
        s.run = s_root_u64(file, "run");
        s.complete = s_root_u64(file, "complete") == 1;
    }
    (void) H5Fclose(file);
    if (r < 0) {
        stats_free(&s);
        return r;
    }
    *ret = s;
    return 0;
}

void
stats_free(struct stats_series *s)
{
    free(s->seq);
    free(s->timestamp_ns);
    free(s->min);
    free(s->max);
    free(s->mean);
    free(s->std);
    memset(s, 0, sizeof *s);
}
