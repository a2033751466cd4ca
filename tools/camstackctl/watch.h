/* camstackctl watch: the whole stack, refreshed, like top(1). On a terminal a table redrawn
 * in place (q or Ctrl-C to quit); otherwise, or with --plain, plain key=value lines per
 * daemon and refresh, for logs and scripts. */
#pragma once

#include <stdbool.h>

#include "config.h"

struct watch_opts {
    int interval_ms; /* between refreshes */
    long count;      /* refreshes before exiting (0: until interrupted) */
    bool plain;      /* lines even on a terminal */
    int timeout_ms;  /* for each round of answers (at most interval_ms) */
};

/* Runs until @o->count refreshes were shown, q, SIGINT or SIGTERM. Returns 0 or a negative
 * errno. */
int watch_run(const struct cs_conf *conf, const struct watch_opts *o);
