#include "h5camera.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "h5file.h"
#include "h5series.h"
#include "util.h"

#define S_CHANGES_CHUNK 64

struct cs_h5camera {
    hid_t type;
    cs_h5series_t *changes;
};

/* Writes one identity fact as a dataset of @cam, unless @cam has one of that name. */
static int
s_fact(hid_t cam, const char *name, const char *value, bool is_int)
{
    int64_t v = 0;

    if (H5Lexists(cam, name, H5P_DEFAULT) != 0)
        return 0;
    if (is_int && cs_parse_i64(value, INT64_MIN, INT64_MAX, &v) == 0)
        return cs_h5_i64_dataset(cam, name, v);
    return cs_h5_str_dataset(cam, name, value);
}

/* The facts every file has (unknown: "" or 0), then the rest the source told. */
static int
s_identity(hid_t cam, const struct cs_camera_identity *id)
{
    for (unsigned k = 0; k < CS_CAMERA_IDENTITY_KEYS; k++) {
        const char *key = cs_camera_identity_keys[k], *value = NULL;
        bool is_int = strncmp(key, "sensor_", 7) == 0;

        for (unsigned i = 0; id && i < id->n_facts && !value; i++) {
            if (strcmp(id->facts[i].name, key) == 0 && id->facts[i].is_int == is_int)
                value = id->facts[i].value;
        }
        if (s_fact(cam, key, value ? value : is_int ? "0" : "", is_int) < 0)
            return -EIO;
    }
    for (unsigned i = 0; id && i < id->n_facts; i++) {
        if (s_fact(cam, id->facts[i].name, id->facts[i].value, id->facts[i].is_int) < 0)
            return -EIO;
    }
    return 0;
}

static hid_t
s_str(size_t size)
{
    hid_t t = H5Tcopy(H5T_C_S1);

    if (t >= 0 && (H5Tset_size(t, size) < 0 || H5Tset_strpad(t, H5T_STR_NULLTERM) < 0)) {
        (void) H5Tclose(t);
        return H5I_INVALID_HID;
    }
    return t;
}

static hid_t
s_row_type(void)
{
    hid_t name = s_str(CS_CAMERA_NAME_SIZE), value = s_str(CS_CAMERA_VALUE_SIZE);
    hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(struct cs_camera_change));

    if (name < 0 || value < 0 || t < 0
        || H5Tinsert(t, "seq", HOFFSET(struct cs_camera_change, seq), H5T_NATIVE_UINT64) < 0
        || H5Tinsert(t, "time_ns", HOFFSET(struct cs_camera_change, time_ns), H5T_NATIVE_UINT64) < 0
        || H5Tinsert(t, "name", HOFFSET(struct cs_camera_change, name), name) < 0
        || H5Tinsert(t, "value", HOFFSET(struct cs_camera_change, value), value) < 0
        || H5Tinsert(t, "previous", HOFFSET(struct cs_camera_change, previous), value) < 0) {
        if (t >= 0)
            (void) H5Tclose(t);
        t = H5I_INVALID_HID;
    }
    if (name >= 0)
        (void) H5Tclose(name);
    if (value >= 0)
        (void) H5Tclose(value);
    return t;
}

cs_h5camera_t *
cs_h5camera_new(hid_t cam, const struct cs_camlog *log, uint64_t run)
{
    cs_h5camera_t *self = calloc(1, sizeof *self);
    bool ours = log && log->run == run;

    if (!self)
        return NULL;
    self->type = s_row_type();
    if (self->type < 0 || s_identity(cam, ours && log->has_identity ? &log->identity : NULL) < 0)
        goto fail;
    self->changes = cs_h5series_new(cam, "changes", self->type, S_CHANGES_CHUNK, NULL);
    if (!self->changes)
        goto fail;
    for (size_t i = 0; ours && i < log->n_changes; i++) {
        if (cs_h5camera_append(self, &log->changes[i]) < 0)
            goto fail;
    }
    return self;
fail:
    (void) cs_h5camera_destroy(&self);
    return NULL;
}

int
cs_h5camera_append(cs_h5camera_t *self, const struct cs_camera_change *change)
{
    return cs_h5series_append(self->changes, change);
}

int
cs_h5camera_flush(cs_h5camera_t *self)
{
    return cs_h5series_flush(self->changes);
}

int
cs_h5camera_destroy(cs_h5camera_t **self_p)
{
    cs_h5camera_t *self = *self_p;
    int r = 0;

    if (!self)
        return 0;
    if (self->changes)
        r = cs_h5series_destroy(&self->changes);
    if (self->type >= 0)
        (void) H5Tclose(self->type);
    free(self);
    *self_p = NULL;
    return r;
}
