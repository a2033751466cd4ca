#include "roles.h"

#include <assert.h>
#include <errno.h>
#include <string.h>

#define S_ROW(id, name, role, optional) [CS_DAEMON_##id] = { (name), (role), (optional) },
static const struct cs_daemon_role s_roles[CS_DAEMON_COUNT] = { CS_DAEMON_ROWS(S_ROW) };
#undef S_ROW

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

int
cs_daemon_upstream(enum cs_daemon_id d, enum cs_daemon_id *ret_up)
{
    enum cs_role want;

    switch (cs_daemon_role(d)->role) {
    case CS_ROLE_FANOUT:
        want = CS_ROLE_PRODUCER;
        break;
    case CS_ROLE_FRAME_SUBSCRIBER:
    case CS_ROLE_SAMPLER:
        want = CS_ROLE_FANOUT;
        break;
    default:
        return -ENOENT;
    }
    for (int u = 0; u < CS_DAEMON_COUNT; u++) {
        if (s_roles[u].role == want) {
            *ret_up = (enum cs_daemon_id) u;
            return 0;
        }
    }
    return -ENOENT;
}
