/* viewd's endpoints, one row each (routes.c), and the replies they make (http.c). Every
 * endpoint answers GET (and HEAD) but the control ones, which answer POST; docs/VIEW.md lists
 * them with their headers. */
#pragma once

#include <stdbool.h>

#include <microhttpd.h>

#include "http.h"
#include "json.h"
#include "latest.h"

struct http_req {
    struct MHD_Connection *conn;
    const struct http_env *env;
    const char *path;
};

typedef enum MHD_Result(route_fn)(const struct http_req *req);

struct route {
    const char *path;
    route_fn *handle;
    bool control; /* POST only, and only with the login, even on loopback: it steers the stack */
};

/* The endpoints (routes.c); the page's files (assets.h) are served for any other path they
 * name. */
extern const struct route routes[];
extern const size_t n_routes;

/* The MJPEG stream (mjpeg.c). */
enum MHD_Result mjpeg_handle(const struct http_req *req);
#define MJPEG_BOUNDARY "camstack-frame"

/* Replies (http.c); each queues the response and returns what MHD_queue_response() did. */
enum MHD_Result http_reply(const struct http_req *req, unsigned status, const char *type,
                           const void *data, size_t size);
/* @json is dumped compactly and released. */
enum MHD_Result http_reply_json(const struct http_req *req, unsigned status, json_t *json);
/* A short text/plain reason. */
enum MHD_Result http_reply_error(const struct http_req *req, unsigned status, const char *reason);
/* The encoded image @blob (reference taken), with the frame's headers (http_frame_headers). */
enum MHD_Result http_reply_blob(const struct http_req *req, const char *type,
                                const struct view_blob *blob);
/* Adds X-Camstack-Run, -Seq, -Time-Ns and -Pixel-Format of @hdr, and Cache-Control:
 * no-store, to @resp. */
void http_frame_headers(struct MHD_Response *resp, const struct cs_frame_hdr *hdr);
/* Counts a response with @status. */
void http_count(const struct http_req *req, unsigned status);
