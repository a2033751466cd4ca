/* The config's control.<name> keys, set when the device is opened, through the same checks as
 * "camera set" (v4l2settings.c): a refusal is a config error at the key's file and line,
 * naming what the device takes. */
#include "v4l2ctrl.h"

#include <errno.h>
#include <stdio.h>

#include "json.h"
#include "log.h"
#include "setting.h"
#include "source.h"
#include "v4l2settings.h"

int
v4l2ctrl_apply(int fd, const struct cs_conf *conf, const struct cs_conf_control *ctl)
{
    char value[32], before[128] = "", after[128] = "", err[SOURCE_ERR_MAX];
    json_t *s = NULL;
    bool inactive = false;
    int r;

    (void) snprintf(value, sizeof value, "%lld", (long long) ctl->value);
    if (v4l2settings_get(fd, ctl->name, &s, err, sizeof err) == 0)
        setting_value_text(json_object_get(s, "value"), before, sizeof before);
    json_decref(s);
    s = NULL;
    r = v4l2settings_set(fd, ctl->name, value, &s, err, sizeof err);
    if (r == -ENOENT || r == -EINVAL || r == -EACCES || r == -EBUSY) {
        cs_log(LOG_ERR, "%s:%u: device '%s': %s", conf->path, ctl->line, conf->camerad.device, err);
        return -EINVAL;
    }
    if (r < 0)
        return cs_log_errno(LOG_ERR, r, "%s:%u: device '%s': %s", conf->path, ctl->line,
                            conf->camerad.device, err);
    setting_value_text(json_object_get(s, "value"), after, sizeof after);
    (void) cs_json_get_bool(s, "inactive", &inactive);
    json_decref(s);
    if (!after[0])
        cs_log(LOG_INFO, "control %s = %s", ctl->name, value);
    else
        cs_log(LOG_INFO, "control %s = %s (was %s)%s", ctl->name, after, before,
               inactive ? ", inactive for now" : "");
    return 0;
}
