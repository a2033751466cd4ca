/* Realtime from monotonic: V4L2 drivers stamp buffers on CLOCK_MONOTONIC, the frame header
 * carries CLOCK_REALTIME as well. The offset between the two clocks is measured (the realtime
 * reading taken between the two closest monotonic readings) and smoothed, so that a frame's
 * realtime capture time comes from the driver's timestamp, not from when it was dequeued. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* A step of the offset larger than this is the realtime clock being set, not noise: the
 * smoothed value jumps to it instead of drifting towards it. */
#define CLOCKMAP_STEP_NS 1000000LL

struct clockmap {
    int64_t offset_ns; /* CLOCK_REALTIME - CLOCK_MONOTONIC, smoothed */
    bool valid;
};

/* One measurement of CLOCK_REALTIME - CLOCK_MONOTONIC, in ns. */
int64_t clockmap_measure(void);

/* Takes measurement @measured_ns into the smoothed offset (an average with weight 1/16;
 * the first measurement and any step beyond CLOCKMAP_STEP_NS are taken as they are). */
void clockmap_update(struct clockmap *m, int64_t measured_ns);

/* The realtime of monotonic time @mono_ns; @m must be valid. */
uint64_t clockmap_realtime(const struct clockmap *m, uint64_t mono_ns);
