#include "h5file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

void
cs_h5_quiet(void)
{
    (void) H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

bool
cs_h5_filter_available(int id)
{
    cs_h5_quiet();
    return H5Zfilter_avail((H5Z_filter_t) id) > 0;
}

void
cs_h5_time_str(uint64_t ns, char *buf, size_t size)
{
    cs_format_iso8601(ns, buf, size);
}

static int
s_name(char *buf, size_t size, const char *dir, const char *stream, const char *kind, uint64_t run,
       uint64_t start_ns, unsigned part)
{
    time_t secs = (time_t) (start_ns / CS_NSEC_PER_SEC);
    char when[32], suffix[16] = "";
    struct tm tm;
    int n;

    (void) gmtime_r(&secs, &tm);
    (void) strftime(when, sizeof when, "%Y%m%dT%H%M%SZ", &tm);
    if (part)
        (void) snprintf(suffix, sizeof suffix, "-%04u", part);
    n = snprintf(buf, size, "%s/%s%s%s-%s-%llu%s.h5", dir, stream, kind ? "-" : "",
                 kind ? kind : "", when, (unsigned long long) run, suffix);
    return n < 0 || (size_t) n >= size ? -ENAMETOOLONG : 0;
}

hid_t
cs_h5_create(const char *dir, const char *stream, const char *kind, uint64_t run, uint64_t start_ns,
             unsigned part, hid_t access, char *ret_path, size_t path_size, unsigned *ret_part)
{
    hid_t fapl = H5I_INVALID_HID, fid = H5I_INVALID_HID;
    int fd = -1, r;

    /* Reserve the name with O_EXCL, which is atomic, then let HDF5 write into it. */
    for (;; part++) {
        r = s_name(ret_path, path_size, dir, stream, kind, run, start_ns, part);
        if (r < 0)
            return r;
        fd = open(ret_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd >= 0)
            break;
        if (errno != EEXIST || part >= 9999)
            return -errno;
    }
    (void) close(fd);
    fapl = access == H5P_DEFAULT ? H5Pcreate(H5P_FILE_ACCESS) : H5Pcopy(access);
    if (fapl < 0 || H5Pset_libver_bounds(fapl, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST) < 0)
        goto fail;
    fid = H5Fcreate(ret_path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    if (fid < 0)
        goto fail;
    (void) H5Pclose(fapl);
    *ret_part = part;
    return fid;
fail:
    if (fapl >= 0)
        (void) H5Pclose(fapl);
    (void) unlink(ret_path); /* the empty name we reserved */
    return -EIO;
}

hid_t
cs_h5_group(hid_t parent, const char *name, const char *nx_class)
{
    hid_t g = H5Gcreate2(parent, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);

    if (g < 0)
        return H5I_INVALID_HID;
    if (cs_h5_attr_str(g, "NX_class", nx_class) < 0) {
        (void) H5Gclose(g);
        return H5I_INVALID_HID;
    }
    return g;
}

static int
s_attr(hid_t obj, const char *name, hid_t type, const void *value)
{
    hid_t space = H5I_INVALID_HID, attr = H5I_INVALID_HID;
    int r = -EIO;

    if (H5Aexists(obj, name) > 0)
        attr = H5Aopen(obj, name, H5P_DEFAULT);
    else {
        space = H5Screate(H5S_SCALAR);
        if (space >= 0)
            attr = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    }
    if (attr >= 0 && H5Awrite(attr, type, value) >= 0)
        r = 0;
    if (attr >= 0)
        (void) H5Aclose(attr);
    if (space >= 0)
        (void) H5Sclose(space);
    return r;
}

/* A string type of @size bytes, NUL-padded ASCII, or with H5T_VARIABLE a variable-length
 * UTF-8 string (h5py reads such attributes back as str, datasets as bytes: .asstr() gives
 * str; a value of any length overwrites an attribute of this type in place, also in a file in
 * SWMR mode, where no attribute may be created or deleted). */
static hid_t
s_str_type(size_t size)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    herr_t e;

    if (t < 0)
        return t;
    e = H5Tset_size(t, size);
    if (e >= 0)
        e = size == H5T_VARIABLE ? H5Tset_cset(t, H5T_CSET_UTF8)
                                 : H5Tset_strpad(t, H5T_STR_NULLPAD);
    if (e < 0) {
        (void) H5Tclose(t);
        return H5I_INVALID_HID;
    }
    return t;
}

int
cs_h5_attr_str(hid_t obj, const char *name, const char *value)
{
    hid_t t = s_str_type(H5T_VARIABLE);
    int r;

    if (t < 0)
        return -EIO;
    r = s_attr(obj, name, t, &value);
    (void) H5Tclose(t);
    return r;
}

int
cs_h5_attr_u64(hid_t obj, const char *name, uint64_t value)
{
    return s_attr(obj, name, H5T_NATIVE_UINT64, &value);
}

int
cs_h5_attr_i64(hid_t obj, const char *name, int64_t value)
{
    return s_attr(obj, name, H5T_NATIVE_INT64, &value);
}

int
cs_h5_attr_f64(hid_t obj, const char *name, double value)
{
    return s_attr(obj, name, H5T_NATIVE_DOUBLE, &value);
}

/* Writes @value, of type @t, into the scalar dataset @name of @parent: created, or with
 * @reuse opened if it exists. Returns 0 or -EIO. */
static int
s_scalar_dataset(hid_t parent, const char *name, hid_t t, const void *value, bool reuse)
{
    hid_t space = H5Screate(H5S_SCALAR), d = H5I_INVALID_HID;
    int r = -EIO;

    if (space >= 0) {
        if (reuse && H5Lexists(parent, name, H5P_DEFAULT) > 0)
            d = H5Dopen2(parent, name, H5P_DEFAULT);
        else
            d = H5Dcreate2(parent, name, t, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    }
    if (d >= 0 && H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, value) >= 0)
        r = 0;
    if (d >= 0)
        (void) H5Dclose(d);
    if (space >= 0)
        (void) H5Sclose(space);
    return r;
}

int
cs_h5_str_dataset(hid_t parent, const char *name, const char *value)
{
    hid_t t = s_str_type(H5T_VARIABLE);
    int r = -EIO;

    if (t >= 0) {
        r = s_scalar_dataset(parent, name, t, &value, false);
        (void) H5Tclose(t);
    }
    return r;
}

int
cs_h5_i64_dataset(hid_t parent, const char *name, int64_t value)
{
    return s_scalar_dataset(parent, name, H5T_NATIVE_INT64, &value, false);
}

int
cs_h5_fixed_str_dataset(hid_t parent, const char *name, const char *value, size_t size)
{
    hid_t t = s_str_type(size);
    char *buf = calloc(1, size);
    int r = -EIO;

    if (t >= 0 && buf) {
        memcpy(buf, value, strnlen(value, size));
        r = s_scalar_dataset(parent, name, t, buf, true);
    }
    if (t >= 0)
        (void) H5Tclose(t);
    free(buf);
    return r;
}

int
cs_h5_fsync_path(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC), r = 0;

    if (fd < 0)
        return -errno;
    if (fsync(fd) < 0)
        r = -errno;
    (void) close(fd);
    return r;
}
