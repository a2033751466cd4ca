/* Which daemons make up a stack and what each is for, as one table: camstackctl, the test
 * library and bench iterate over it instead of naming daemons, so that a daemon is added by a
 * row here (and its own folder), never by another enum range or switch. */
#pragma once

#include <stdbool.h>

#include "cs-build.h"

/* The table: one row per daemon, X(ID, name, role, optional), in the order camstackctl
 * prints them. The row makes the enum value CS_DAEMON_<ID> and the entry of cs_daemon_role();
 * docs/HACKING.md, "Add a daemon", says what else a new daemon needs. */
#define CS_DAEMON_ROWS(X)                                     \
    X(CAMERAD, "camerad", CS_ROLE_PRODUCER, false)            \
    X(PUBD, "pubd", CS_ROLE_FANOUT, false)                    \
    X(ANALYZERD, "analyzerd", CS_ROLE_FRAME_SUBSCRIBER, true) \
    X(SAVERD, "saverd", CS_ROLE_FRAME_SUBSCRIBER, true)       \
    X(VIEWD, "viewd", CS_ROLE_SAMPLER, true)                  \
    CS_TEST_DAEMON_ROWS(X)

/* tallyd, the frame subscriber of the add-a-daemon suite (daemons/tallyd): a row only in a
 * build with -Dtest_daemon=true, which is never installed. */
#if CS_TEST_DAEMON
#define CS_TEST_DAEMON_ROWS(X) X(TALLYD, "tallyd", CS_ROLE_FRAME_SUBSCRIBER, true)
#else
#define CS_TEST_DAEMON_ROWS(X)
#endif

#define CS_DAEMON_ENUM_(id, name, role, optional) CS_DAEMON_##id,
enum cs_daemon_id { CS_DAEMON_ROWS(CS_DAEMON_ENUM_) CS_DAEMON_COUNT };
#undef CS_DAEMON_ENUM_

/* What a daemon does with frames. */
enum cs_role {
    CS_ROLE_PRODUCER,         /* numbers frames and pushes them to pubd's ingest */
    CS_ROLE_FANOUT,           /* pubd: forwards each message to every subscriber */
    CS_ROLE_FRAME_SUBSCRIBER, /* receives every frame; counts towards wait_subscribers and
                               * keeps a loss ledger; pubd holds frames for it when unpaced */
    CS_ROLE_SAMPLER,          /* sees a sample of the stream (pubd's preview topic); never
                               * counts towards wait_subscribers nor holds anything back */
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

/* The daemon @d receives its frames from, by the roles: a frame subscriber's or a sampler's
 * is the fan-out, the fan-out's is the producer. Returns 0, or -ENOENT (the producer, or no
 * such daemon in the table). */
int cs_daemon_upstream(enum cs_daemon_id d, enum cs_daemon_id *ret_up);
