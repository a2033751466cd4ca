/* tallyd: the frame subscriber the add-a-daemon suite adds to the stack by following
 * docs/HACKING.md, "Add a daemon". It receives every frame through the shared subscriber code
 * (common/subscriber.h), keeps its loss ledger and tallies the frames and bytes it received,
 * and nothing else. Built only with -Dtest_daemon=true, never installed. */
#pragma once

#include "config.h"
#include "counters.h"
#include "daemon.h"
#include "subscriber.h"

typedef struct tallyd tallyd_t;

/* Subscribes to the stream on @daemon's loop and reports through @daemon. NULL with errno. */
tallyd_t *tallyd_new(const struct cs_conf *conf, cs_daemon_t *daemon);
/* Logs the ledger and frees @self; NULL-safe. */
void tallyd_destroy(tallyd_t **self_p);

/* Its counters (the subscription's, then its own) into @ret_groups (room for
 * CS_DAEMON_GROUPS_MAX); returns how many. @self may be NULL for the tables only. */
size_t tallyd_counter_groups(const void *self, struct cs_counter_group *ret_groups);
