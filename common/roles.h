/* Which daemons make up a stack and what each is for, as one table: camstackctl, the test
 * library and bench iterate over it instead of naming daemons, so that a daemon is added by a
 * row here (and its own folder), never by another enum range or switch. */
#pragma once

#include <stdbool.h>

enum cs_daemon_id {
    CS_DAEMON_CAMERAD,
    CS_DAEMON_PUBD,
    CS_DAEMON_ANALYZERD,
    CS_DAEMON_SAVERD,
    CS_DAEMON_COUNT
};

/* What a daemon does with frames. */
enum cs_role {
    CS_ROLE_PRODUCER,         /* numbers frames and pushes them to pubd's ingest */
    CS_ROLE_FANOUT,           /* pubd: forwards each message to every subscriber */
    CS_ROLE_FRAME_SUBSCRIBER, /* receives every frame; counts towards wait_subscribers and
                               * keeps a loss ledger; pubd holds frames for it when unpaced */
    CS_ROLE_SAMPLER,          /* sees a sample of the stream; never holds anything back */
    CS_ROLE_COUNT
};

struct cs_daemon_role {
    const char *name; /* the binary, the unit camstack-<name>.service, [endpoints]
                       * control_<name>, the status answer's "daemon" */
    enum cs_role role;
    bool optional; /* the stack runs without it: its unit is enabled or not, and camstackctl
                    * shows it "not running" instead of failing */
};

/* The row of @d; @d must be < CS_DAEMON_COUNT. */
const struct cs_daemon_role *cs_daemon_role(enum cs_daemon_id d);

/* The daemon's name ("camerad", ...). */
const char *cs_daemon_name(enum cs_daemon_id d);

/* The daemon called @name. Returns 0, or -ENOENT. */
int cs_daemon_from_name(const char *name, enum cs_daemon_id *ret_d);

/* The role's name as status answers give it: "producer", "fan-out", "frame-subscriber",
 * "sampler". */
const char *cs_role_name(enum cs_role role);

/* True for a frame subscriber (analyzerd, saverd). */
bool cs_daemon_is_frame_subscriber(enum cs_daemon_id d);
