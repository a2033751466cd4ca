#include "v4l2settings.h"

#include <errno.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/videodev2.h>

#include "config.h"
#include "json.h"
#include "setting.h"
#include "util.h"
#include "v4l2dev.h"
#include "v4l2util.h"

#define S_NAME_MAX (CS_CONTROL_NAME_MAX + 32)

struct s_ctrl {
    struct v4l2_query_ext_ctrl q;
    char name[S_NAME_MAX];
};

/* The controls the seam shows: single values of a type it has a name for. */
static bool
s_shown(const struct v4l2_query_ext_ctrl *q)
{
    if (q->flags & V4L2_CTRL_FLAG_DISABLED || q->nr_of_dims > 0)
        return false;
    switch (q->type) {
    case V4L2_CTRL_TYPE_INTEGER:
    case V4L2_CTRL_TYPE_INTEGER64:
    case V4L2_CTRL_TYPE_BITMASK:
    case V4L2_CTRL_TYPE_BOOLEAN:
    case V4L2_CTRL_TYPE_MENU:
    case V4L2_CTRL_TYPE_INTEGER_MENU:
    case V4L2_CTRL_TYPE_BUTTON:
    case V4L2_CTRL_TYPE_STRING:
        return true;
    default:
        return false;
    }
}

/* The next shown control after @c (start with c->q.id = 0). Returns 1, or 0 after the last. */
static int
s_next(int fd, struct s_ctrl *c)
{
    for (;;) {
        c->q.id |= V4L2_CTRL_FLAG_NEXT_CTRL | V4L2_CTRL_FLAG_NEXT_COMPOUND;
        if (v4l2dev_ioctl(fd, VIDIOC_QUERY_EXT_CTRL, &c->q) < 0)
            return 0;
        if (s_shown(&c->q)
            && v4l2util_control_name((const char *) c->q.name, c->name, sizeof c->name) == 0)
            return 1;
    }
}

/* Finds control @name; otherwise -ENOENT with the device's controls in @reterr. */
static int
s_find(int fd, const char *name, struct s_ctrl *ret, char *reterr, size_t err_size)
{
    struct s_ctrl c = { .q.id = 0 };
    size_t o;

    while (s_next(fd, &c)) {
        if (strcmp(c.name, name) == 0) {
            *ret = c;
            return 0;
        }
    }
    o = (size_t) snprintf(reterr, err_size, "the device has no control '%s'; its controls: ", name);
    c.q.id = 0;
    for (unsigned i = 0; s_next(fd, &c) && o < err_size; i++)
        o += (size_t) snprintf(reterr + o, err_size - o, "%s%s", i ? ", " : "", c.name);
    return -ENOENT;
}

/* Item @index of menu @c as text ("" if the driver skips it): its name, or its integer. */
static bool
s_menu_item(int fd, const struct s_ctrl *c, int64_t index, char *buf, size_t size)
{
    struct v4l2_querymenu m = { .id = c->q.id, .index = (uint32_t) index };

    if (v4l2dev_ioctl(fd, VIDIOC_QUERYMENU, &m) < 0)
        return false;
    if (c->q.type == V4L2_CTRL_TYPE_INTEGER_MENU)
        (void) snprintf(buf, size, "%lld", (long long) m.value);
    else
        (void) snprintf(buf, size, "%s", (const char *) m.name);
    return true;
}

/* The current value of @c as JSON, or NULL when it cannot be read (write-only, a button). */
static json_t *
s_value(int fd, const struct s_ctrl *c)
{
    struct v4l2_ext_control x = { .id = c->q.id };
    struct v4l2_ext_controls xs = { .which = V4L2_CTRL_WHICH_CUR_VAL, .count = 1, .controls = &x };
    char item[64];
    json_t *v = NULL;

    if (c->q.type == V4L2_CTRL_TYPE_BUTTON || (c->q.flags & V4L2_CTRL_FLAG_WRITE_ONLY))
        return NULL;
    if (c->q.type == V4L2_CTRL_TYPE_STRING) {
        x.size = c->q.elem_size;
        x.string = calloc(1, c->q.elem_size + 1);
        if (x.string && v4l2dev_ioctl(fd, VIDIOC_G_EXT_CTRLS, &xs) == 0)
            v = cs_json_string(x.string);
        free(x.string);
        return v;
    }
    if (v4l2dev_ioctl(fd, VIDIOC_G_EXT_CTRLS, &xs) < 0)
        return NULL;
    switch (c->q.type) {
    case V4L2_CTRL_TYPE_INTEGER64:
        return json_integer(x.value64);
    case V4L2_CTRL_TYPE_BOOLEAN:
        return json_boolean(x.value);
    case V4L2_CTRL_TYPE_MENU:
    case V4L2_CTRL_TYPE_INTEGER_MENU:
        return s_menu_item(fd, c, x.value, item, sizeof item) ? cs_json_string(item) : NULL;
    default:
        return json_integer(c->q.type == V4L2_CTRL_TYPE_BITMASK ? (json_int_t) (uint32_t) x.value
                                                                : x.value);
    }
}

static const char *
s_type(const struct s_ctrl *c)
{
    switch (c->q.type) {
    case V4L2_CTRL_TYPE_BOOLEAN:
        return "bool";
    case V4L2_CTRL_TYPE_MENU:
    case V4L2_CTRL_TYPE_INTEGER_MENU:
        return "enum";
    case V4L2_CTRL_TYPE_BUTTON:
        return "command";
    case V4L2_CTRL_TYPE_STRING:
        return "string";
    default:
        return "int";
    }
}

/* An enum's choices, or an int's range and step; the default of either. */
static int
s_describe(int fd, const struct s_ctrl *c, json_t *s)
{
    const struct v4l2_query_ext_ctrl *q = &c->q;
    char item[64];
    int r = 0;

    if (q->type == V4L2_CTRL_TYPE_MENU || q->type == V4L2_CTRL_TYPE_INTEGER_MENU) {
        json_t *choices = json_array();

        for (int64_t i = q->minimum; choices && r == 0 && i <= q->maximum; i++) {
            if (s_menu_item(fd, c, i, item, sizeof item))
                r = json_array_append_new(choices, cs_json_string(item));
        }
        if (!choices || r < 0 || json_object_set_new(s, "choices", choices) < 0)
            return -ENOMEM;
        if (s_menu_item(fd, c, q->default_value, item, sizeof item))
            r = cs_json_set_string(s, "default", item);
        return r;
    }
    if (strcmp(s_type(c), "int") != 0)
        return q->type == V4L2_CTRL_TYPE_BOOLEAN
                   ? cs_json_set_bool(s, "default", q->default_value != 0)
                   : 0;
    r = cs_json_set_i64(s, "min", q->minimum);
    if (r == 0)
        r = cs_json_set_i64(s, "max", q->maximum);
    if (r == 0 && q->step > 1)
        r = cs_json_set_i64(s, "step", (int64_t) q->step);
    if (r == 0)
        r = cs_json_set_i64(s, "default", q->default_value);
    return r;
}

/* Control @c as a setting: its type, value, range or choices, access and flags. */
static json_t *
s_setting(int fd, const struct s_ctrl *c)
{
    uint32_t f = c->q.flags;
    const char *access = f & V4L2_CTRL_FLAG_READ_ONLY    ? "ro"
                         : f & V4L2_CTRL_FLAG_WRITE_ONLY ? "wo"
                                                         : "rw";
    /* GRABBED: the driver will not change it while it streams (the frame size, say). */
    json_t *s = setting_new(c->name, s_type(c), access, f & V4L2_CTRL_FLAG_GRABBED);
    json_t *v = s ? s_value(fd, c) : NULL;

    if (!s || (v && json_object_set_new(s, "value", v) < 0) || s_describe(fd, c, s) < 0
        || ((f & V4L2_CTRL_FLAG_INACTIVE) && cs_json_set_bool(s, "inactive", true) < 0)) {
        json_decref(s);
        return NULL;
    }
    return s;
}

int
v4l2settings_list(int fd, json_t **ret_list, char *reterr, size_t err_size)
{
    struct s_ctrl c = { .q.id = 0 };
    json_t *list = json_array();

    while (list && s_next(fd, &c)) {
        if (json_array_append_new(list, s_setting(fd, &c)) < 0) {
            json_decref(list);
            list = NULL;
        }
    }
    return setting_give(list, ret_list, reterr, err_size);
}

int
v4l2settings_get(int fd, const char *name, json_t **ret_setting, char *reterr, size_t err_size)
{
    struct s_ctrl c;
    int r = s_find(fd, name, &c, reterr, err_size);

    if (r < 0)
        return r;
    return setting_give(s_setting(fd, &c), ret_setting, reterr, err_size);
}

/* The index of menu item @text of @c. Returns 0 or -ENOENT. */
static int
s_menu_index(int fd, const struct s_ctrl *c, const char *text, int64_t *ret)
{
    char item[64];

    for (int64_t i = c->q.minimum; i <= c->q.maximum; i++) {
        if (s_menu_item(fd, c, i, item, sizeof item) && strcmp(item, text) == 0) {
            *ret = i;
            return 0;
        }
    }
    return -ENOENT;
}

/* Fills @x with value @v (parsed for @c); @text is the menu item's name. */
static int
s_fill(int fd, const struct s_ctrl *c, const json_t *v, const char *text,
       struct v4l2_ext_control *x)
{
    int64_t index = 0;

    x->id = c->q.id;
    switch (c->q.type) {
    case V4L2_CTRL_TYPE_INTEGER64:
        x->value64 = json_integer_value(v);
        return 0;
    case V4L2_CTRL_TYPE_STRING:
        x->string = (char *) json_string_value(v);
        x->size = (uint32_t) strlen(x->string) + 1;
        return (int64_t) strlen(x->string) <= c->q.maximum ? 0 : -E2BIG;
    case V4L2_CTRL_TYPE_BOOLEAN:
        x->value = json_is_true(v);
        return 0;
    case V4L2_CTRL_TYPE_MENU:
    case V4L2_CTRL_TYPE_INTEGER_MENU:
        if (s_menu_index(fd, c, text, &index) < 0)
            return -EINVAL;
        x->value = (int32_t) index;
        return 0;
    case V4L2_CTRL_TYPE_BUTTON:
        x->value = 1; /* any value presses it */
        return 0;
    default:
        x->value = (int32_t) json_integer_value(v);
        return 0;
    }
}

/* What the driver's refusal of @c = @value means, for a person. */
static int
s_refused(int r, const struct s_ctrl *c, const json_t *s, const char *value, char *reterr,
          size_t err_size)
{
    char takes[1024];

    setting_describe(s, takes, sizeof takes);
    if (r == -EBUSY) {
        (void) snprintf(reterr, err_size,
                        "the device will not change %s while it streams: it needs the stream "
                        "stopped ('acquire stop' first)",
                        c->name);
        return -EBUSY;
    }
    if (r == -EACCES) {
        (void) snprintf(reterr, err_size, "the device will not change %s now (%s)", c->name,
                        (c->q.flags & V4L2_CTRL_FLAG_INACTIVE) ? "inactive" : "read-only");
        return -EACCES;
    }
    (void) snprintf(reterr, err_size, "the device refuses %s = '%s' (%s); it takes %s", c->name,
                    value, strerror(-r), takes);
    return r == -ERANGE ? -EINVAL : r;
}

int
v4l2settings_set(int fd, const char *name, const char *value, json_t **ret_setting, char *reterr,
                 size_t err_size)
{
    struct v4l2_ext_control x = { 0 };
    struct v4l2_ext_controls xs = { .which = V4L2_CTRL_WHICH_CUR_VAL, .count = 1, .controls = &x };
    const char *text = value;
    json_t *s = NULL, *v = NULL;
    char item[64];
    struct s_ctrl c;
    int64_t index;
    int r = s_find(fd, name, &c, reterr, err_size);

    if (r < 0)
        return r;
    s = s_setting(fd, &c);
    if (!s) {
        (void) snprintf(reterr, err_size, "out of memory");
        return -ENOMEM;
    }
    /* A menu takes an item's index too, as the config's control.<name> does. */
    if (strcmp(s_type(&c), "enum") == 0 && s_menu_index(fd, &c, value, &index) < 0
        && cs_parse_i64(value, c.q.minimum, c.q.maximum, &index) == 0
        && s_menu_item(fd, &c, index, item, sizeof item))
        text = item;
    r = setting_parse(s, text, &v, reterr, err_size);
    if (r == 0 && s_fill(fd, &c, v, text, &x) < 0) {
        (void) snprintf(reterr, err_size, "%s takes at most %lld characters", name,
                        (long long) c.q.maximum);
        r = -EINVAL;
    } else if (r == 0) {
        r = v4l2dev_ioctl(fd, VIDIOC_S_EXT_CTRLS, &xs);
        if (r == -ENOTTY && x.size == 0 && c.q.type != V4L2_CTRL_TYPE_INTEGER64) {
            struct v4l2_control old = { .id = x.id, .value = x.value }; /* an old driver */

            r = v4l2dev_ioctl(fd, VIDIOC_S_CTRL, &old);
        }
        if (r < 0)
            r = s_refused(r, &c, s, value, reterr, err_size);
    }
    json_decref(v);
    json_decref(s);
    if (r < 0)
        return r;
    /* read back, with the flags as they are now */
    (void) v4l2dev_ioctl(fd, VIDIOC_QUERY_EXT_CTRL, &c.q);
    return v4l2settings_get(fd, name, ret_setting, reterr, err_size);
}

/* A sysfs attribute of the USB device behind /dev/@node, trimmed, or "". */
static void
s_sysfs(const char *node, const char *attr, char *buf, size_t size)
{
    char path[PATH_MAX];
    FILE *f;

    buf[0] = '\0';
    (void) snprintf(path, sizeof path, "/sys/class/video4linux/%s/device/../%s", node, attr);
    f = fopen(path, "re");
    if (!f)
        return;
    if (!fgets(buf, (int) size, f))
        buf[0] = '\0';
    (void) fclose(f);
    buf[strcspn(buf, "\n")] = '\0';
}

/* The largest frame size @fd lists for @fourcc. */
static void
s_sensor(int fd, uint32_t fourcc, uint32_t *ret_w, uint32_t *ret_h)
{
    struct v4l2_frmsizeenum fs = { .pixel_format = fourcc };

    *ret_w = *ret_h = 0;
    for (fs.index = 0; v4l2dev_ioctl(fd, VIDIOC_ENUM_FRAMESIZES, &fs) == 0; fs.index++) {
        uint32_t w =
            fs.type == V4L2_FRMSIZE_TYPE_DISCRETE ? fs.discrete.width : fs.stepwise.max_width;
        uint32_t h =
            fs.type == V4L2_FRMSIZE_TYPE_DISCRETE ? fs.discrete.height : fs.stepwise.max_height;

        if ((uint64_t) w * h > (uint64_t) *ret_w * *ret_h) {
            *ret_w = w;
            *ret_h = h;
        }
        if (fs.type != V4L2_FRMSIZE_TYPE_DISCRETE)
            break;
    }
}

int
v4l2settings_identity(int fd, const char *path, uint32_t fourcc, json_t **ret_identity)
{
    struct v4l2_capability caps = { 0 };
    char real[PATH_MAX], vendor[128], serial[128], version[32];
    uint32_t w, h;
    json_t *o = json_object();
    int r = v4l2dev_ioctl(fd, VIDIOC_QUERYCAP, &caps);

    if (!o || r < 0) {
        json_decref(o);
        return o ? r : -ENOMEM;
    }
    if (!realpath(path, real))
        (void) cs_strlcpy(real, path, sizeof real);
    s_sysfs(basename(real), "manufacturer", vendor, sizeof vendor);
    s_sysfs(basename(real), "serial", serial, sizeof serial);
    s_sensor(fd, fourcc, &w, &h);
    (void) snprintf(version, sizeof version, "%u.%u.%u", (caps.version >> 16) & 0xff,
                    (caps.version >> 8) & 0xff, caps.version & 0xff);
    r = (vendor[0] ? cs_json_set_string(o, "vendor", vendor) : 0)
        | cs_json_set_string(o, "model", (const char *) caps.card)
        | (serial[0] ? cs_json_set_string(o, "serial", serial) : 0)
        | (w ? cs_json_set_i64(o, "sensor_width", w) | cs_json_set_i64(o, "sensor_height", h) : 0)
        | cs_json_set_string(o, "driver", (const char *) caps.driver)
        | cs_json_set_string(o, "bus_info", (const char *) caps.bus_info)
        | cs_json_set_string(o, "driver_version", version);
    if (r != 0) {
        json_decref(o);
        return -ENOMEM;
    }
    *ret_identity = o;
    return 0;
}
