/* camstackctl's side of the control endpoints: one request line to some of the daemons at
 * once, over REQ sockets, and their JSON answers within one deadline. A daemon that does not
 * answer in time is "down" with the reason, never waited for beyond the deadline. */
#pragma once

#include <stdbool.h>

#include "config.h"

struct client_answer {
    bool asked;
    char *json;       /* the answer (a JSON object), or NULL; owned */
    int error;        /* 0 with an answer; -ETIMEDOUT (no answer in time), -ENOENT (no socket at an
                       * ipc:// path: not running), -EBADMSG (not a JSON object), other -errno */
    char reason[160]; /* what went wrong, for a person, when error < 0 */
};

/* The daemons @mask names (bit 1 << id) as a mask. */
#define CLIENT_ALL ((1u << CS_DAEMON_COUNT) - 1)

/* Sends @request to each daemon in @mask, on its control endpoint from @conf, and waits up
 * to @timeout_ms in all for the answers, which fill @ret (one per daemon; those not asked
 * have asked = false). Returns the number of daemons that did not answer (0: all did). */
int client_ask(const struct cs_conf *conf, unsigned mask, const char *request, int timeout_ms,
               struct client_answer ret[CS_DAEMON_COUNT]);

/* Frees the answers. */
void client_answers_clear(struct client_answer answers[CS_DAEMON_COUNT]);
