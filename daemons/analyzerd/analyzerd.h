/* analyzerd: subscribes to the stream's frames, computes the statistics of every frame
 * (stats.h), appends them to one HDF5 file per run and pushes each as a "stats/<stream>"
 * message into pubd's ingest for live consumers. */
#pragma once

#include "config.h"
#include "counters.h"
#include "daemon.h"
#include "subscriber.h"

typedef struct analyzerd analyzerd_t;

analyzerd_t *analyzerd_new(const struct cs_conf *conf, cs_daemon_t *daemon);
void analyzerd_destroy(analyzerd_t **self_p);

/* The counters analyzerd reports (the subscription's, then its own), into @ret_groups (room
 * for CS_DAEMON_GROUPS_MAX); returns how many. @self may be NULL for the tables only. */
size_t analyzerd_counter_groups(const void *self, struct cs_counter_group *ret_groups);
