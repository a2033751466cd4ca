/* A GenICam camera's features, read from its own nodes (Aravis's ArvGc): listed with their
 * kind, access, range or entries, unit and value; read one; set one from text typed by its
 * node, each refusal naming what is allowed; and the config's feature.<Name> keys applied at
 * open. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <arv.h>

#include "config.h"
#include "genicamvalue.h"

struct genicam_list {
    struct genicam_feature *features;
    size_t n;
};

/* Lists the features the camera's categories name (each once, in the order of its
 * description; not those it marks invisible or not implemented), with their values now, into
 * @ret_list, which genicam_list_clear() frees. Returns 0 or -ENOMEM. */
int genicam_list(ArvDevice *dev, struct genicam_list *ret_list);
void genicam_list_clear(struct genicam_list *list);

/* Describes feature @name (any feature node of the camera, listed or not) into @ret_feature,
 * which genicam_feature_clear() frees. Returns 0, or -ENOENT with an error in @reterr naming
 * the closest names and the camera's features that could take @text (NULL: any). */
int genicam_describe(ArvDevice *dev, const char *name, const char *text,
                     struct genicam_feature *ret_feature, char *reterr, size_t err_size);

/* Sets feature @name from @text, typed by its node (genicam_parse_value()), and describes it
 * as it is after (read back: a camera may round) into @ret_after (NULL: not wanted), which
 * genicam_feature_clear() frees. @running: a run is open, so that what fixes the frame
 * (genicam_fixed_while_running()) or what the camera locks is refused. Returns 0; or, with
 * the error in @reterr, and nothing changed: -ENOENT (no such feature), -EINVAL (a value it
 * does not take, or that the camera refuses), -EBUSY (not while a run is open, or locked
 * now), -EACCES (read-only, or not available now), -EIO (the camera did not answer), -ENOMEM. */
int genicam_set(ArvDevice *dev, const char *name, const char *text, bool running,
                struct genicam_feature *ret_after, char *reterr, size_t err_size);

/* Applies [camerad] feature.<Name> keys of @conf in the file's order, logging each value set
 * (and what it was). Returns 0; -EINVAL for a refused key, logged as "path:line: ..." naming
 * what is allowed (a config error); or -EIO when the camera did not answer. */
int genicam_apply_conf(ArvDevice *dev, const struct cs_conf *conf);
