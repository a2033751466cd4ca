/* saverd: subscribes to the stream's frames and writes one HDF5 movie per acquisition run
 * (layout in docs/FILES.md). It closes a file on the run's end-of-stream, when a new run
 * begins without one, and at stop after draining what is already queued. */
#pragma once

#include "config.h"
#include "counters.h"
#include "daemon.h"
#include "subscriber.h"

typedef struct saverd saverd_t;

saverd_t *saverd_new(const struct cs_conf *conf, cs_daemon_t *daemon);
void saverd_destroy(saverd_t **self_p);

/* The counters saverd reports (the subscription's, the writer's, its own), into @ret_groups
 * (room for CS_DAEMON_GROUPS_MAX); returns how many. @self may be NULL for the tables only. */
size_t saverd_counter_groups(const void *self, struct cs_counter_group *ret_groups);
