/* A V4L2 device's controls as v4l2-ctl names them: found by name, checked against the
 * device's range, type and flags, and set, each refusal naming what the device allows. */
#include "v4l2ctrl.h"

#include <errno.h>
#include <string.h>

#include <linux/videodev2.h>

#include "log.h"
#include "v4l2dev.h"
#include "v4l2util.h"

static const char *
s_ctrl_type_name(uint32_t type)
{
    switch (type) {
    case V4L2_CTRL_TYPE_INTEGER:
        return "int";
    case V4L2_CTRL_TYPE_BOOLEAN:
        return "bool";
    case V4L2_CTRL_TYPE_MENU:
        return "menu";
    case V4L2_CTRL_TYPE_INTEGER_MENU:
        return "intmenu";
    case V4L2_CTRL_TYPE_BUTTON:
        return "button";
    case V4L2_CTRL_TYPE_INTEGER64:
        return "int64";
    case V4L2_CTRL_TYPE_BITMASK:
        return "bitmask";
    case V4L2_CTRL_TYPE_STRING:
        return "string";
    default:
        return "compound";
    }
}

/* Finds the control v4l2-ctl calls @name; lists every name in @names on the way. */
static int
s_find_control(int fd, const char *name, struct v4l2_query_ext_ctrl *ret_q, char *names,
               size_t size)
{
    struct v4l2_query_ext_ctrl q = { .id =
                                         V4L2_CTRL_FLAG_NEXT_CTRL | V4L2_CTRL_FLAG_NEXT_COMPOUND };
    char cname[CS_CONTROL_NAME_MAX + 32];
    int found = -ENOENT;

    names[0] = '\0';
    while (v4l2dev_ioctl(fd, VIDIOC_QUERY_EXT_CTRL, &q) == 0) {
        if (q.type != V4L2_CTRL_TYPE_CTRL_CLASS && !(q.flags & V4L2_CTRL_FLAG_DISABLED)
            && v4l2util_control_name((const char *) q.name, cname, sizeof cname) == 0) {
            v4l2dev_append(names, size, "%s%s", names[0] ? ", " : "", cname);
            if (found < 0 && strcmp(cname, name) == 0) {
                *ret_q = q;
                found = 0;
            }
        }
        q.id |= V4L2_CTRL_FLAG_NEXT_CTRL | V4L2_CTRL_FLAG_NEXT_COMPOUND;
    }
    return found;
}

static bool
s_menu_index_valid(int fd, uint32_t id, int64_t index)
{
    struct v4l2_querymenu m = { .id = id, .index = (uint32_t) index };

    return v4l2dev_ioctl(fd, VIDIOC_QUERYMENU, &m) == 0;
}

static int
s_get_control(int fd, const struct v4l2_query_ext_ctrl *q, int64_t *ret_value)
{
    struct v4l2_ext_control c = { .id = q->id };
    struct v4l2_ext_controls cs = { .which = V4L2_CTRL_WHICH_CUR_VAL, .count = 1, .controls = &c };
    int r = v4l2dev_ioctl(fd, VIDIOC_G_EXT_CTRLS, &cs);

    if (r < 0)
        return r;
    *ret_value = q->type == V4L2_CTRL_TYPE_INTEGER64 ? c.value64 : c.value;
    return 0;
}

int
v4l2ctrl_apply(int fd, const struct cs_conf *conf, const struct cs_conf_control *ctl)
{
    struct v4l2_query_ext_ctrl q = { 0 };
    struct v4l2_ext_control c = { 0 };
    struct v4l2_ext_controls cs = { .which = V4L2_CTRL_WHICH_CUR_VAL, .count = 1, .controls = &c };
    char names[V4L2DEV_OFFER_MAX * 2];
    int64_t before = 0, after = 0;
    int r;

    if (s_find_control(fd, ctl->name, &q, names, sizeof names) < 0) {
        cs_log(LOG_ERR, "%s:%u: device '%s' has no control '%s'; its controls: %s", conf->path,
               ctl->line, conf->camerad.device, ctl->name, names);
        return -EINVAL;
    }
    switch (q.type) {
    case V4L2_CTRL_TYPE_INTEGER:
    case V4L2_CTRL_TYPE_BOOLEAN:
    case V4L2_CTRL_TYPE_MENU:
    case V4L2_CTRL_TYPE_INTEGER_MENU:
    case V4L2_CTRL_TYPE_BUTTON:
    case V4L2_CTRL_TYPE_INTEGER64:
        break;
    default:
        cs_log(LOG_ERR,
               "%s:%u: control '%s' of device '%s' is a %s control; only int, int64, "
               "bool, menu and button controls can be set from the config",
               conf->path, ctl->line, ctl->name, conf->camerad.device, s_ctrl_type_name(q.type));
        return -EINVAL;
    }
    if (q.flags & V4L2_CTRL_FLAG_READ_ONLY) {
        cs_log(LOG_ERR, "%s:%u: control '%s' of device '%s' is read-only", conf->path, ctl->line,
               ctl->name, conf->camerad.device);
        return -EINVAL;
    }
    if (q.type != V4L2_CTRL_TYPE_BUTTON
        && (ctl->value < q.minimum || ctl->value > q.maximum
            || (q.step > 1 && (ctl->value - q.minimum) % (int64_t) q.step != 0)
            || ((q.type == V4L2_CTRL_TYPE_MENU || q.type == V4L2_CTRL_TYPE_INTEGER_MENU)
                && !s_menu_index_valid(fd, q.id, ctl->value)))) {
        cs_log(LOG_ERR,
               "%s:%u: control '%s' = %lld is not a value of device '%s': it takes %lld to "
               "%lld in steps of %llu (default %lld)",
               conf->path, ctl->line, ctl->name, (long long) ctl->value, conf->camerad.device,
               (long long) q.minimum, (long long) q.maximum, (unsigned long long) q.step,
               (long long) q.default_value);
        return -EINVAL;
    }
    if (q.type != V4L2_CTRL_TYPE_BUTTON && !(q.flags & V4L2_CTRL_FLAG_WRITE_ONLY))
        (void) s_get_control(fd, &q, &before);
    c.id = q.id;
    if (q.type == V4L2_CTRL_TYPE_INTEGER64)
        c.value64 = ctl->value;
    else
        c.value = (int32_t) ctl->value;
    r = v4l2dev_ioctl(fd, VIDIOC_S_EXT_CTRLS, &cs);
    if (r == -ENOTTY && q.type != V4L2_CTRL_TYPE_INTEGER64) {
        struct v4l2_control old = { .id = q.id, .value = (int32_t) ctl->value };

        r = v4l2dev_ioctl(fd, VIDIOC_S_CTRL, &old);
    }
    if (r == -EINVAL || r == -ERANGE || r == -EACCES) {
        cs_log_errno(LOG_ERR, r, "%s:%u: device '%s' refuses control '%s' = %lld", conf->path,
                     ctl->line, conf->camerad.device, ctl->name, (long long) ctl->value);
        return -EINVAL;
    }
    if (r < 0)
        return r;
    if (q.type == V4L2_CTRL_TYPE_BUTTON || (q.flags & V4L2_CTRL_FLAG_WRITE_ONLY)
        || s_get_control(fd, &q, &after) < 0) {
        cs_log(LOG_INFO, "control %s = %lld", ctl->name, (long long) ctl->value);
        return 0;
    }
    cs_log(LOG_INFO, "control %s = %lld (was %lld)%s", ctl->name, (long long) after,
           (long long) before, (q.flags & V4L2_CTRL_FLAG_INACTIVE) ? ", inactive for now" : "");
    return 0;
}
