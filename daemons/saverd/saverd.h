/* saverd: subscribes to the stream's frames and writes one HDF5 movie per acquisition run
 * (layout in docs/FILES.md). It closes a file on the run's end-of-stream, when a new run
 * begins without one, and at stop after draining what is already queued. */
#pragma once

#include "config.h"
#include "daemon.h"

typedef struct saverd saverd_t;

saverd_t *saverd_new(const struct cs_conf *conf, cs_daemon_t *daemon);
void saverd_destroy(saverd_t **self_p);
