/* wait_subscribers = auto: how many frame subscribers systemd started for camerad's target.
 * A frame subscriber is a unit that camerad's target wants (WantedBy=, so enabling or
 * disabling it adds it or takes it away) and that is ordered before a unit camerad itself is
 * ordered after (pubd): the shipped analyzerd and saverd units, or any unit written the same
 * way. Asked of systemd over the system bus, once, at start-up. */
#pragma once

#include <stddef.h>

/* Counts the subscriber units that are active now into @ret_n and writes their names,
 * comma-separated, into @names of @size bytes (for the log). Returns 0, -ENXIO when this
 * process does not run under systemd in a unit that is PartOf= a target (nothing to
 * wait for), or another negative errno when systemd could not be asked. */
int units_count_subscribers(unsigned *ret_n, char *names, size_t size);
