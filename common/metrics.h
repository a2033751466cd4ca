/* The stack's status in Prometheus's text exposition format (0.0.4), for a lab's monitoring:
 * made from the status JSON that `camstackctl status --json` prints and the daemons' "fields"
 * answers (what each number means, and which only grow), so that it knows no daemon and no
 * counter by name. The naming rules are in camstackctl(1), METRICS. */
#pragma once

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "client.h"

/* The content type of the exposition, for an HTTP answer. */
#define CS_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* Writes the exposition of @status ({"camerad": its status answer, ...}; a daemon that did not
 * answer has "ok": false) to @out. @fields is {"camerad": the "fields" member of its "fields"
 * answer, ...}; NULL, or a daemon or a member missing from it, makes a gauge with a help that
 * only names the member. Returns 0, -EINVAL (@status is not an object), -ENOMEM or -EIO. */
int cs_metrics_write(const json_t *status, const json_t *fields, FILE *out);

/* The same into a new string (free() it), its length in @ret_len. NULL with errno set. */
char *cs_metrics_format(const json_t *status, const json_t *fields, size_t *ret_len);

/* Asks every daemon of @conf for its "fields" and then its "status" (each within @timeout_ms)
 * and returns the exposition of the answers, a new string (free() it), its length in
 * @ret_len: what camstackctl metrics prints and viewd's /metrics serves. The status answers go
 * to @ret_answers (cs_client_answers_clear() them), for the caller to tell who is down. NULL
 * with errno set (ENOMEM); @ret_answers is then cleared. */
char *cs_metrics_ask(const struct cs_conf *conf, int timeout_ms, size_t *ret_len,
                     struct cs_client_answer ret_answers[CS_DAEMON_COUNT]);

/* @fields for the functions above from the daemons' answers to "fields": {daemon: its "fields"
 * member} for each daemon that answered. A new reference, NULL on ENOMEM. */
json_t *cs_metrics_fields(const struct cs_client_answer answers[CS_DAEMON_COUNT]);
