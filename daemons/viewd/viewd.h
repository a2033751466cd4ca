/* viewd: the browser live view. It subscribes to pubd's sampled `preview/<stream>` topic and
 * to `stats/<stream>` (never to the frames: it is a sampler, and never holds the stack back),
 * keeps the latest preview and the last minutes of statistics, and serves them over HTTP
 * (http.h) with the stack's status. Its ledger: previews received, and the frames of the
 * stream it was not sent (skipped by design, not lost): received + skipped is what pubd
 * published while viewd was connected. */
#pragma once

#include "config.h"
#include "counters.h"
#include "daemon.h"

typedef struct viewd viewd_t;

/* Subscribes and starts the HTTP server on @daemon's loop. NULL with errno (EINVAL: a config
 * it cannot use). */
viewd_t *viewd_new(const struct cs_conf *conf, cs_daemon_t *daemon);
/* Stops the server, logs the ledger and frees @self; NULL-safe. */
void viewd_destroy(viewd_t **self_p);

/* Its counters into @ret_groups (room for CS_DAEMON_GROUPS_MAX); returns how many. @self may
 * be NULL for the tables only. */
size_t viewd_counter_groups(const void *self, struct cs_counter_group *ret_groups);
