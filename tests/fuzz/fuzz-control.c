/* Fuzzes the control endpoint's request handling without a socket in the way: the input is a
 * request body, parsed and answered by cs_control_dispatch() on a real daemon's control object
 * with pubd's commands registered (status, help, subscribers [N [MS]]), on inproc endpoints
 * that see no traffic. Beyond not crashing: every answer is one JSON object with an "ok"
 * member and no raw control characters, and parsing never yields an empty word or more words
 * than allowed. */
#include <assert.h>
#include <errno.h>
#include <string.h>

#include <czmq.h>

#include "config.h"
#include "control.h"
#include "daemon.h"
#include "fuzz.h"
#include "log.h"
#include "pubd.h"

static struct cs_conf s_conf;
static cs_daemon_t *s_daemon;
static pubd_t *s_pubd;

static void
s_init(void)
{
    cs_log_set_max_priority(LOG_EMERG);
    zsys_handler_set(NULL);
    zsys_set_logstream(NULL);
    zsys_set_logsystem(false);
    cs_conf_defaults(&s_conf, "/fuzz/camstack.ini");
    (void) snprintf(s_conf.endpoints.ingest, CS_ENDPOINT_MAX, "inproc://fuzz-ingest");
    (void) snprintf(s_conf.endpoints.publish[0], CS_ENDPOINT_MAX, "inproc://fuzz-frames");
    s_conf.endpoints.n_publish = 1;
    for (int d = 0; d < CS_DAEMON_COUNT; d++)
        (void) snprintf(s_conf.endpoints.control[d], CS_ENDPOINT_MAX, "inproc://fuzz-control-%d",
                        d);
    s_daemon = cs_daemon_new(&s_conf, CS_DAEMON_PUBD);
    assert(s_daemon);
    s_pubd = pubd_new(&s_conf, s_daemon);
    assert(s_pubd);
}

static void
s_check_reply(const char *reply)
{
    size_t n = strlen(reply);

    assert(n >= 2 && reply[0] == '{' && reply[n - 1] == '}');
    assert(strncmp(reply, "{\"ok\":", 6) == 0);
    for (size_t i = 0; i < n; i++)
        assert((unsigned char) reply[i] >= 0x20);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256], reply[CS_CONTROL_REPLY_MAX];
    struct cs_control_req req = { .argc = 0 };
    int r;

    if (!s_daemon)
        s_init();
    r = cs_control_parse(data, size, &req, err, sizeof err);
    if (r == 0) {
        assert(req.argc >= 1 && req.argc <= CS_CONTROL_ARGS_MAX);
        for (int i = 0; i < req.argc; i++)
            assert(req.argv[i][0] != '\0' && !strpbrk(req.argv[i], " \t\r\n"));
    } else {
        assert(r == -EMSGSIZE || r == -EINVAL || r == -E2BIG);
    }

    /* The envelope a REQ client's request comes with: its routing id and the delimiter. */
    req.envelope = zmsg_new();
    assert(req.envelope);
    assert(zmsg_addmem(req.envelope, "\0\x01\x02\x03\x04", 5) == 0);
    assert(zmsg_addmem(req.envelope, "", 0) == 0);
    r = cs_control_dispatch(cs_daemon_control(s_daemon), data, size, &req, reply, sizeof reply);
    assert(r == 0 || r == 1);
    if (r == 0)
        s_check_reply(reply);
    else
        assert(req.envelope == NULL); /* held: the handler owns it now */
    zmsg_destroy(&req.envelope);
    return 0;
}
