/* A V4L2 device's controls as the seam's settings (source.h): listed with VIDIOC_QUERY_EXT_CTRL
 * (menus with VIDIOC_QUERYMENU), read and set with VIDIOC_G/S_EXT_CTRLS, named as v4l2-ctl
 * names them; each refusal names what the control takes. And the device's identity from
 * VIDIOC_QUERYCAP, its frame sizes and, for a USB camera, sysfs. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* Every control of @fd that the seam can show (integer, 64-bit integer, boolean, menu, integer
 * menu, button, bitmask and string controls; not compound ones nor those the driver disables),
 * as a new JSON array of settings in the driver's order. Returns 0 or -errno with @reterr. */
int v4l2settings_list(int fd, json_t **ret_list, char *reterr, size_t err_size);

/* Control @name as a new JSON setting. Returns 0; -ENOENT with @reterr naming the device's
 * controls; another -errno. */
int v4l2settings_get(int fd, const char *name, json_t **ret_setting, char *reterr, size_t err_size);

/* Sets control @name from the text @value (a menu takes an item's name or its index), checked
 * against the control's type, range and step first, and returns it as it is after. Returns 0;
 * or, with @reterr naming what it takes and nothing changed: -ENOENT, -EINVAL (not a value of
 * the control, or the driver refused it), -EACCES (read-only), -EBUSY (the driver will not
 * change it while streaming); another -errno from the device. */
int v4l2settings_set(int fd, const char *name, const char *value, json_t **ret_setting,
                     char *reterr, size_t err_size);

/* The identity of the device open as @fd (at @path), whose frames are @fourcc: "model" (the
 * card name), "driver", "bus_info", "driver_version" from VIDIOC_QUERYCAP; "sensor_width" and
 * "sensor_height", the largest frame size the device lists for @fourcc; "vendor" and "serial"
 * from a USB device's sysfs attributes, when it has them. Returns 0 or -ENOMEM, -errno. */
int v4l2settings_identity(int fd, const char *path, uint32_t fourcc, json_t **ret_identity);
