#include "clockmap.h"

#include <assert.h>
#include <time.h>

#include "util.h"

int64_t
clockmap_measure(void)
{
    int64_t best_gap = INT64_MAX, offset = 0;

    /* The realtime reading falls between the two monotonic ones; the pair closest together
     * (least disturbed by preemption) gives the best estimate. */
    for (int i = 0; i < 3; i++) {
        uint64_t m0 = cs_now_ns(CLOCK_MONOTONIC);
        uint64_t rt = cs_now_ns(CLOCK_REALTIME);
        uint64_t m1 = cs_now_ns(CLOCK_MONOTONIC);
        int64_t gap = (int64_t) (m1 - m0);

        if (gap < best_gap) {
            best_gap = gap;
            offset = (int64_t) rt - (int64_t) (m0 + (m1 - m0) / 2);
        }
    }
    return offset;
}

void
clockmap_update(struct clockmap *m, int64_t measured_ns)
{
    int64_t diff = measured_ns - m->offset_ns;

    if (!m->valid || diff > CLOCKMAP_STEP_NS || diff < -CLOCKMAP_STEP_NS) {
        m->offset_ns = measured_ns;
        m->valid = true;
        return;
    }
    m->offset_ns += diff / 16;
}

uint64_t
clockmap_realtime(const struct clockmap *m, uint64_t mono_ns)
{
    assert(m->valid);
    return (uint64_t) ((int64_t) mono_ns + m->offset_ns);
}
