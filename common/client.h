/* The client side of the daemons' control endpoints (camstackctl, and any program that shows the
 * stack): one request line to some of the daemons at once, over REQ sockets, and their JSON
 * answers, each parsed once, within one deadline. A daemon that does not answer in time is "down"
 * with the reason; one with nothing listening on its ipc:// endpoint is "not running" at once. */
#pragma once

#include <stdbool.h>

#include "config.h"
#include "json.h"

struct cs_client_answer {
    bool asked;
    bool not_running; /* nothing listens on its ipc:// endpoint (no socket file, or one left
                       * behind by a daemon that is gone): it is not running */
    json_t *json;     /* the answer (a JSON object), or NULL; owned */
    char *text;       /* the same as it came, or NULL; owned */
    int error;        /* 0 with an answer; -ETIMEDOUT (no answer in time), -ECONNREFUSED (not
                       * running), -EBADMSG (not a JSON object), other -errno */
    char reason[160]; /* what went wrong, for a person, when error < 0 */
};

/* The daemons @mask names (bit 1 << id) as a mask. */
#define CS_CLIENT_ALL ((1u << CS_DAEMON_COUNT) - 1)

/* Sends @request to each daemon in @mask, on its control endpoint from @conf, and waits up
 * to @timeout_ms in all for the answers, which fill @ret (one per daemon; those not asked
 * have asked = false). Returns the number of daemons that did not answer (0: all did). */
int cs_client_ask(const struct cs_conf *conf, unsigned mask, const char *request, int timeout_ms,
                  struct cs_client_answer ret[CS_DAEMON_COUNT]);

/* True when @d's answer makes a command to the whole stack fail: it did not answer, unless it
 * is an optional daemon (the roles table) that is not running. */
bool cs_client_answer_fails(const struct cs_client_answer answers[CS_DAEMON_COUNT],
                            enum cs_daemon_id d);

/* Frees the answers. */
void cs_client_answers_clear(struct cs_client_answer answers[CS_DAEMON_COUNT]);

/* The stack's status as one JSON object (camstackctl status --json, viewd's /api/status): a
 * member per daemon asked, named as the roles table names it, holding its "status" answer, or
 * for one that did not answer {"ok":false,"down":true,"running":BOOL,"error":REASON}. A new
 * reference, NULL on ENOMEM. */
json_t *cs_client_status_json(const struct cs_client_answer answers[CS_DAEMON_COUNT]);
