/* viewd's HTTP server, libmicrohttpd with a thread per connection: a handler may wait (a long
 * poll for the next frame, the MJPEG stream, the stack's status asked of every daemon)
 * without delaying any other client, and a client that stops reading blocks only its own
 * thread, whose send buffer the kernel bounds. Connections are limited in number (in all,
 * and a quarter of them per client address), in memory (a request's headers must fit in
 * HTTP_CONN_MEMORY bytes: more is refused with 431), in what the kernel queues towards it
 * (HTTP_SEND_BUFFER) and in idle time (HTTP_IDLE_TIMEOUT_S).
 * With [viewd] tls_certificate and tls_key it speaks HTTPS only (GnuTLS); with token_file,
 * every request must carry the token. */
#pragma once

#include <stdatomic.h>
#include <stdint.h>

#include "config.h"
#include "latest.h"
#include "render.h"
#include "statsring.h"

#define HTTP_CONN_MEMORY    (32 * 1024)  /* per connection: the request and its headers */
#define HTTP_IDLE_TIMEOUT_S 10           /* a connection with no traffic for longer is closed */
#define HTTP_STACK_SIZE     (256 * 1024) /* of each connection's thread */
#define HTTP_TOKEN_MAX      256
#define HTTP_SEND_BUFFER    (128 * 1024) /* the kernel's send buffer of a connection */

/* What the server counts (another thread than the loop's: atomics). */
struct http_counters {
    _Atomic uint64_t connections;     /* connections accepted */
    _Atomic uint64_t requests;        /* requests answered */
    _Atomic uint64_t unauthorized;    /* refused for a missing or wrong token (401) */
    _Atomic uint64_t client_errors;   /* other 4xx: unknown path, bad method or query */
    _Atomic uint64_t frames_streamed; /* JPEG images sent on /stream.mjpg */
};

/* What the handlers share: borrowed, valid while the server runs. */
struct http_env {
    const struct cs_conf *conf;
    latest_t *latest;
    statsring_t *stats;
    struct render_opts render;
    char token[HTTP_TOKEN_MAX]; /* "" when no login is needed */
    struct http_counters *counters;
};

typedef struct http http_t;

/* Starts the server on [viewd] listen and port with @env (copied; what it points to is
 * borrowed). NULL with errno, and the reason logged (EINVAL: a certificate, key or token
 * file it cannot use, a config error). */
http_t *http_new(const struct http_env *env);
/* Stops the server: waiting handlers are woken (latest_close()) and every connection's
 * thread joined. NULL-safe. */
void http_destroy(http_t **self_p);

/* The port it listens on (the one chosen when [viewd] port = 0). */
uint16_t http_port(const http_t *self);
/* The page's address: "http://127.0.0.1:8480/" (https with TLS, [::1] for IPv6). */
const char *http_url(const http_t *self);
