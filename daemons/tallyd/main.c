/* tallyd: a test-only frame subscriber that tallies what it receives. */
#include "daemon.h"
#include "tallyd.h"

static const struct cs_daemon_info s_info = {
    .which = CS_DAEMON_TALLYD,
    .counter_groups = tallyd_counter_groups,
    .summary = "tallyd - tally every camera frame (a test daemon)",
    .description =
        "tallyd subscribes to [endpoints] subscribe for the frames of [stack] stream, counts\n"
        "each frame it receives and its bytes, and keeps the loss ledger of every frame\n"
        "subscriber. It exists to prove the checklist for adding a daemon\n"
        "(docs/HACKING.md) and is built only with -Dtest_daemon=true. On SIGTERM it first\n"
        "handles what is queued, up to the end-of-stream.",
};

static void *
s_create(const struct cs_conf *conf, cs_daemon_t *daemon)
{
    return tallyd_new(conf, daemon);
}

static void
s_destroy(void *self)
{
    tallyd_t *p = self;

    tallyd_destroy(&p);
}

int
main(int argc, char **argv)
{
    static const struct cs_daemon_impl impl = { s_create, s_destroy, NULL };

    return cs_daemon_main(&s_info, &impl, argc, argv);
}
