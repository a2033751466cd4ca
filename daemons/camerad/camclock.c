#include "camclock.h"

uint64_t
camclock_map(struct camclock *c, uint64_t cam_ns, uint64_t arrival_ns)
{
    int64_t seen = (int64_t) arrival_ns - (int64_t) cam_ns, diff = seen - c->offset_ns;

    if (!c->valid || diff > CAMCLOCK_STEP_NS || diff < -CAMCLOCK_STEP_NS
        || cam_ns <= c->last_cam_ns) {
        c->offset_ns = seen;
        c->valid = true;
    } else if (diff < 0) {
        int64_t slew = (int64_t) ((cam_ns - c->last_cam_ns) / (1000000 / CAMCLOCK_SLEW_PPM));

        c->offset_ns -= -diff < slew ? -diff : slew;
    } else {
        int64_t rise = (int64_t) ((cam_ns - c->last_cam_ns) / (1000000 / CAMCLOCK_DRIFT_PPM));

        c->offset_ns += diff < rise ? diff : rise;
    }
    c->last_cam_ns = cam_ns;
    return (uint64_t) ((int64_t) cam_ns + c->offset_ns);
}
