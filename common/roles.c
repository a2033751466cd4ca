#include "roles.h"

#include <assert.h>
#include <errno.h>
#include <string.h>

static const struct cs_daemon_role s_roles[CS_DAEMON_COUNT] = {
    [CS_DAEMON_CAMERAD] = { "camerad", CS_ROLE_PRODUCER, false },
    [CS_DAEMON_PUBD] = { "pubd", CS_ROLE_FANOUT, false },
    [CS_DAEMON_ANALYZERD] = { "analyzerd", CS_ROLE_FRAME_SUBSCRIBER, true },
    [CS_DAEMON_SAVERD] = { "saverd", CS_ROLE_FRAME_SUBSCRIBER, true },
};

static const char *const s_role_names[CS_ROLE_COUNT] = {
    [CS_ROLE_PRODUCER] = "producer",
    [CS_ROLE_FANOUT] = "fan-out",
    [CS_ROLE_FRAME_SUBSCRIBER] = "frame-subscriber",
    [CS_ROLE_SAMPLER] = "sampler",
};

const struct cs_daemon_role *
cs_daemon_role(enum cs_daemon_id d)
{
    assert(d < CS_DAEMON_COUNT);
    return &s_roles[d];
}

const char *
cs_daemon_name(enum cs_daemon_id d)
{
    return d < CS_DAEMON_COUNT ? s_roles[d].name : "?";
}

int
cs_daemon_from_name(const char *name, enum cs_daemon_id *ret_d)
{
    for (int d = 0; d < CS_DAEMON_COUNT; d++) {
        if (strcmp(name, s_roles[d].name) == 0) {
            *ret_d = (enum cs_daemon_id) d;
            return 0;
        }
    }
    return -ENOENT;
}

const char *
cs_role_name(enum cs_role role)
{
    assert(role < CS_ROLE_COUNT);
    return s_role_names[role];
}

bool
cs_daemon_is_frame_subscriber(enum cs_daemon_id d)
{
    return cs_daemon_role(d)->role == CS_ROLE_FRAME_SUBSCRIBER;
}
