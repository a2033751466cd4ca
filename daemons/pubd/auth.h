/* pubd's gatekeeper for its tcp publish endpoints. It answers ZAP (RFC 27) requests on
 * inproc://zeromq.zap.01: a CURVE client is admitted only if its public key is in
 * authorized_keys_dir (a czmq zcertstore, read again whenever the directory changes), a
 * client of an endpoint without CURVE is admitted as it is. A monitor on each guarded socket
 * catches the refusals ZAP never sees: a client without CURVE, or one that does not have
 * pubd's public key. Every admission and refusal is logged with the client's key (when it
 * presented one) and address; the same event repeated is logged at most once a minute, with
 * a count. */
#pragma once

#include <stdint.h>

#include <czmq.h>

typedef struct auth auth_t;

struct auth_counters {
    uint64_t admitted; /* clients admitted (ZAP) */
    uint64_t refused;  /* refused by ZAP, or whose handshake failed */
};

/* Binds the ZAP handler and reads it from @loop. @keys_dir is the allow-list of CURVE
 * public certificates, NULL when no endpoint uses CURVE. It must be created before any
 * guarded socket is bound and destroyed after them: a CURVE socket whose ZAP handler is
 * missing admits every client. NULL with errno on failure. */
auth_t *auth_new(zloop_t *loop, const char *keys_dir);
void auth_destroy(auth_t **self_p);

/* Guards @sock, which is about to be bound to @endpoint: every connection to it goes
 * through ZAP (its ZAP domain is @endpoint), and its handshake failures are logged. Returns
 * 0 or a negative errno. */
int auth_guard(auth_t *self, zsock_t *sock, const char *endpoint);

const struct auth_counters *auth_counters(const auth_t *self);
