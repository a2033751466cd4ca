/* A GenICam camera's features, read from its own nodes (Aravis's ArvGc), as the settings of
 * the seam in source.h (one JSON object each): listed, read, and set from text typed by the
 * feature's node (setting.c parses it), each refusal naming what is allowed; the camera's
 * identity from its standard features; and the config's feature.<Name> keys applied at open.
 * @running says a run is open: what fixes the frame (genicamnames.h) or what the camera locks
 * then needs the stream stopped. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <arv.h>
#include <jansson.h>

#include "config.h"
#include "genicamnames.h"

/* The features the camera's categories name (each once, in the order of its description; not
 * those it marks invisible or not implemented), as a new JSON array of settings. Returns 0, or
 * -ENOMEM with @reterr. */
int genicam_settings_list(ArvDevice *dev, bool running, json_t **ret_list, char *reterr,
                          size_t err_size);

/* Feature @name (any feature node of the camera, listed or not) as a new JSON setting.
 * Returns 0; -ENOENT with @reterr naming the closest names and the camera's features, by
 * type; -ENOMEM. */
int genicam_setting_get(ArvDevice *dev, const char *name, bool running, json_t **ret_setting,
                        char *reterr, size_t err_size);

/* Sets feature @name from @value, typed by its node, and returns it as it is after (read back:
 * a camera may round) as a new JSON setting in @ret_setting (NULL: not wanted). Returns 0; or,
 * with the error in @reterr and nothing changed: -ENOENT (no such feature: the closest names,
 * and the writable features by type that could take @value), -EINVAL (a value it does not
 * take, or that the camera refuses: what it takes), -EBUSY (not while a run is open, or
 * locked now), -EACCES (read-only, or not available now), -EIO (the camera did not answer),
 * -ENOMEM. */
int genicam_setting_set(ArvDevice *dev, const char *name, const char *value, bool running,
                        json_t **ret_setting, char *reterr, size_t err_size);

/* The camera's identity from its standard features (DeviceVendorName, DeviceModelName,
 * DeviceSerialNumber, DeviceFirmwareVersion, SensorWidth, SensorHeight, ...), as source.h's
 * identity() gives it; a feature the camera lacks is left out. Returns 0 or -ENOMEM. */
int genicam_identity(ArvDevice *dev, json_t **ret_identity);

/* Applies [camerad] feature.<Name> keys of @conf in the file's order, logging each value set
 * (and what it was). Returns 0; -EINVAL for a refused key, logged as "path:line: ..." naming
 * what is allowed (a config error); or -EIO when the camera did not answer. */
int genicam_apply_conf(ArvDevice *dev, const struct cs_conf *conf);
