/* viewd: the browser live view of the stack. */
#include "daemon.h"
#include "viewd.h"

static const struct cs_daemon_info s_info = {
    .which = CS_DAEMON_VIEWD,
    .counter_groups = viewd_counter_groups,
    .summary = "viewd - the browser live view of the stream, its statistics and the stack",
    .description =
        "viewd serves a page over HTTP at [viewd] listen and port (127.0.0.1:8480 by\n"
        "default) that shows the camera's latest frames as MJPEG at [viewd] fps, the\n"
        "frame's histogram and saturation, analyzerd's statistics and every daemon's\n"
        "status, with machine-readable endpoints beside it (docs/VIEW.md). It subscribes\n"
        "to pubd's sampled preview/<stream> topic and to stats/<stream>, never to the\n"
        "frames: it does not count towards wait_subscribers and never holds the stack\n"
        "back; the frames it is not sent are counted as skipped, not lost. An address\n"
        "other hosts can reach needs HTTPS (tls_certificate, tls_key) and a login\n"
        "(token_file), or the config is refused.",
};

static void *
s_create(const struct cs_conf *conf, cs_daemon_t *daemon)
{
    return viewd_new(conf, daemon);
}

static void
s_destroy(void *self)
{
    viewd_t *p = self;

    viewd_destroy(&p);
}

int
main(int argc, char **argv)
{
    static const struct cs_daemon_impl impl = { s_create, s_destroy, NULL };

    return cs_daemon_main(&s_info, &impl, argc, argv);
}
