#include "h5series.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "h5file.h"

struct cs_h5series {
    hid_t dset;
    hid_t type;
    size_t elem; /* bytes per value */
    size_t cap;  /* values the buffer holds */
    size_t n_buffered;
    uint64_t n_written;
    unsigned char *buf;
};

cs_h5series_t *
cs_h5series_new(hid_t parent, const char *name, hid_t type, size_t chunk, const char *units)
{
    cs_h5series_t *self = calloc(1, sizeof *self);
    hsize_t dims[1] = { 0 }, maxdims[1] = { H5S_UNLIMITED }, cdims[1] = { chunk };
    hid_t space = H5I_INVALID_HID, dcpl = H5I_INVALID_HID;

    if (!self)
        return NULL;
    self->dset = H5I_INVALID_HID;
    self->type = type;
    self->elem = H5Tget_size(type);
    self->cap = chunk;
    self->buf = malloc(self->elem * chunk);
    space = H5Screate_simple(1, dims, maxdims);
    dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (!self->buf || space < 0 || dcpl < 0 || H5Pset_chunk(dcpl, 1, cdims) < 0)
        goto fail;
    self->dset = H5Dcreate2(parent, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (self->dset < 0 || (units && cs_h5_attr_str(self->dset, "units", units) < 0))
        goto fail;
    (void) H5Pclose(dcpl);
    (void) H5Sclose(space);
    return self;
fail:
    if (dcpl >= 0)
        (void) H5Pclose(dcpl);
    if (space >= 0)
        (void) H5Sclose(space);
    (void) cs_h5series_destroy(&self);
    return NULL;
}

int
cs_h5series_flush(cs_h5series_t *self)
{
    hsize_t start[1] = { self->n_written }, count[1] = { self->n_buffered };
    hsize_t dims[1] = { self->n_written + self->n_buffered };
    hid_t fspace = H5I_INVALID_HID, mspace = H5I_INVALID_HID;
    int r = -EIO;

    if (self->n_buffered == 0)
        return 0;
    if (H5Dset_extent(self->dset, dims) < 0)
        goto out;
    fspace = H5Dget_space(self->dset);
    mspace = H5Screate_simple(1, count, NULL);
    if (fspace < 0 || mspace < 0
        || H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL) < 0
        || H5Dwrite(self->dset, self->type, mspace, fspace, H5P_DEFAULT, self->buf) < 0)
        goto out;
    self->n_written += self->n_buffered;
    self->n_buffered = 0;
    r = 0;
out:
    if (mspace >= 0)
        (void) H5Sclose(mspace);
    if (fspace >= 0)
        (void) H5Sclose(fspace);
    return r;
}

int
cs_h5series_append(cs_h5series_t *self, const void *value)
{
    memcpy(self->buf + self->n_buffered * self->elem, value, self->elem);
    self->n_buffered++;
    return self->n_buffered == self->cap ? cs_h5series_flush(self) : 0;
}

uint64_t
cs_h5series_length(const cs_h5series_t *self)
{
    return self->n_written + self->n_buffered;
}

hid_t
cs_h5series_dataset(const cs_h5series_t *self)
{
    return self->dset;
}

int
cs_h5series_destroy(cs_h5series_t **self_p)
{
    cs_h5series_t *self = *self_p;
    int r = 0;

    if (!self)
        return 0;
    if (self->dset >= 0) {
        r = cs_h5series_flush(self);
        (void) H5Dclose(self->dset);
    }
    free(self->buf);
    free(self);
    *self_p = NULL;
    return r;
}
