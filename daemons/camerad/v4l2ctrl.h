/* Setting a V4L2 device's controls from the config ([camerad] control.<name> = value). */
#pragma once

#include "config.h"

/* Sets control @ctl on device @fd (opened through libv4l2), logging the value before and
 * after. Returns 0, -EINVAL (no such control, a type or value it does not take: logged as
 * "path:line: ..." naming what it takes) or another -errno from the device. */
int v4l2ctrl_apply(int fd, const struct cs_conf *conf, const struct cs_conf_control *ctl);
