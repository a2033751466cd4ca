/* A camera's own clock on the host's: a camera stamps each frame with its clock (GigE Vision:
 * a counter in ns or ticks, on no host clock), and the frame arrives some time later. The
 * offset between the two clocks is estimated as the smallest (arrival - stamp) seen, the
 * transfer of the quickest frame. The estimate slews instead of jumping: towards a quicker
 * frame by at most CAMCLOCK_SLEW_PPM of the camera time elapsed, up (a drift of the camera's
 * crystal against the host's) by at most CAMCLOCK_DRIFT_PPM. So the host times keep the
 * camera's order and its intervals, to within CAMCLOCK_SLEW_PPM, and come within the quickest
 * transfer of the truth once the estimate has settled (a few seconds). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define CAMCLOCK_SLEW_PPM  1000
#define CAMCLOCK_DRIFT_PPM 100
/* An offset this far from the estimate is the camera's clock reset: taken as it is. */
#define CAMCLOCK_STEP_NS 1000000000LL

struct camclock {
    int64_t offset_ns; /* host - camera, the estimate */
    uint64_t last_cam_ns;
    bool valid;
};

/* The host time of camera time @cam_ns, for a frame that arrived at host time @arrival_ns
 * (both in ns; the host clock is whatever @arrival_ns is read on). */
uint64_t camclock_map(struct camclock *c, uint64_t cam_ns, uint64_t arrival_ns);
