/* pubd: forwards every message from its ingest to all its subscribers. */
#include "daemon.h"
#include "pubd.h"

static const struct cs_daemon_info s_info = {
    .which = CS_DAEMON_PUBD,
    .counter_groups = pubd_counter_groups,
    .summary = "pubd - fan camera frames and statistics out to every subscriber",
    .description =
        "pubd binds [endpoints] ingest (PULL), where camerad pushes frames and analyzerd\n"
        "pushes statistics, and each [endpoints] publish endpoint (XPUB: ipc and tcp\n"
        "together). Every valid message is forwarded unchanged and without copying to all\n"
        "publish sockets; malformed ones are counted by reason and dropped. pubd keeps no\n"
        "queue of its own: ZeroMQ's high-water marks, derived from ingest_buffer_mb and\n"
        "subscriber_buffer_mb and the configured frame size, bound its memory, and a\n"
        "subscriber that falls behind misses frames (it sees the gap in their sequence\n"
        "numbers) instead of slowing the camera. Subscribers joining and leaving are logged.\n"
        "A tcp publish endpoint that other hosts can reach needs [security]\n"
        "server_certificate: pubd then uses CURVE on its tcp endpoints and admits only the\n"
        "clients whose public certificate is in authorized_keys_dir, and logs every client\n"
        "it admits or refuses with its key and address. Without it, pubd refuses to start\n"
        "unless allow_insecure_remote = yes. Each subscriber of a tcp endpoint gets a queue\n"
        "of tcp_subscriber_buffer_mb.\n"
        "Its control endpoint answers 'subscribers [N [MS]]', which camerad uses to start\n"
        "only once its subscribers are connected. pubd itself reads its ingest only once N\n"
        "frame subscribers are connected, or after wait_timeout_ms (at most 5 s): N is\n"
        "wait_subscribers, or with auto the number the last pubd of the stack had (kept in\n"
        "<runtime_dir>/pubd-<stream>.subscribers). Restarted alone, it hands camerad's\n"
        "backlog to all of them, not to the first to reconnect. On SIGTERM it forwards what\n"
        "has arrived, waits up to linger_ms for the end-of-stream of a run still open, and\n"
        "gives queued messages linger_ms to leave.",
};

static void *
s_create(const struct cs_conf *conf, cs_daemon_t *daemon)
{
    return pubd_new(conf, daemon);
}

static void
s_destroy(void *self)
{
    pubd_t *p = self;

    pubd_destroy(&p);
}

int
main(int argc, char **argv)
{
    static const struct cs_daemon_impl impl = { s_create, s_destroy, NULL };

    return cs_daemon_main(&s_info, &impl, argc, argv);
}
