/* viewd's endpoints. */
#include "routes.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "metrics.h"
#include "util.h"

#define S_LONG_POLL_MS   10000 /* /frame.jpg?after=SEQ waits this long at most, then 204 */
#define S_STATUS_WAIT_MS 2000  /* /api/status waits this long for the daemons' answers */

/* The latest frame, or a 503 queued when there is none yet. */
static const struct view_frame *
s_frame_or_503(const struct http_req *req, enum MHD_Result *ret)
{
    const struct view_frame *f = latest_get(req->env->latest);

    if (!f)
        *ret = http_reply_error(req, MHD_HTTP_SERVICE_UNAVAILABLE, "no frame yet");
    return f;
}

/* A u64 query argument: 0 if absent (@ret_value untouched), 1 if given, -EINVAL if bad. */
static int
s_arg_u64(const struct http_req *req, const char *name, uint64_t *ret_value)
{
    const char *v = MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);

    if (!v)
        return 0;
    return cs_parse_u64(v, 0, UINT64_MAX, ret_value) < 0 ? -EINVAL : 1;
}

static enum MHD_Result
s_send_encoding(const struct http_req *req, const struct view_frame *f, int kind,
                latest_encode_fn *encode, void *arg, const char *type)
{
    latest_t *latest = req->env->latest;
    const struct view_blob *blob = latest_encoding(latest, f, kind, encode, arg);

    latest_release(latest, &f);
    if (!blob)
        return http_reply_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot encode the frame");
    return http_reply_blob(req, type, blob);
}

/* GET /frame.jpg: the latest frame as JPEG; with ?after=SEQ (and &run=RUN), the first frame
 * other than that one, waiting up to S_LONG_POLL_MS (204 No Content if none came). */
static enum MHD_Result
s_frame_jpg(const struct http_req *req)
{
    uint64_t after = 0, run = 0;
    int has_after = s_arg_u64(req, "after", &after), has_run = s_arg_u64(req, "run", &run);
    const struct view_frame *f;
    enum MHD_Result r = MHD_NO;

    if (has_after < 0 || has_run < 0)
        return http_reply_error(req, MHD_HTTP_BAD_REQUEST, "after and run are integers");
    if (has_after) {
        f = latest_wait(req->env->latest, run, !has_run, after, S_LONG_POLL_MS);
        if (!f)
            return http_reply(req, MHD_HTTP_NO_CONTENT, "image/jpeg", "", 0);
    } else if (!(f = s_frame_or_503(req, &r))) {
        return r;
    }
    return s_send_encoding(req, f, LATEST_JPEG, render_jpeg, (void *) &req->env->render,
                           "image/jpeg");
}

/* GET /api/frame: the latest frame's JSON (render_frame_json()). */
static enum MHD_Result
s_api_frame(const struct http_req *req)
{
    enum MHD_Result r = MHD_NO;
    const struct view_frame *f = s_frame_or_503(req, &r);

    if (!f)
        return r;
    return s_send_encoding(req, f, LATEST_FRAME_JSON, render_frame_json, NULL, "application/json");
}

/* GET /api/stats: analyzerd's statistics over the last minutes. */
static enum MHD_Result
s_api_stats(const struct http_req *req)
{
    json_t *o = statsring_json(req->env->stats, cs_now_ns(CLOCK_REALTIME));

    if (o && cs_json_set_string(o, "stream", req->env->conf->stack.stream) < 0) {
        json_decref(o);
        o = NULL;
    }
    return http_reply_json(req, MHD_HTTP_OK, o);
}

/* GET /api/status: every daemon's status answer, as `camstackctl status --json` prints it
 * (the same code: common/client.h). */
static enum MHD_Result
s_api_status(const struct http_req *req)
{
    struct cs_client_answer answers[CS_DAEMON_COUNT];
    json_t *o;

    (void) cs_client_ask(req->env->conf, CS_CLIENT_ALL, "status", S_STATUS_WAIT_MS, answers);
    o = cs_client_status_json(answers);
    cs_client_answers_clear(answers);
    return http_reply_json(req, MHD_HTTP_OK, o);
}

/* GET /snapshot.png: the latest frame, whole, as camstackctl snapshot writes it; with ?raw16,
 * 16-bit grey kept as it is. */
static enum MHD_Result
s_snapshot_png(const struct http_req *req)
{
    static const bool keep16 = true, stretch = false;
    bool raw16 = MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, "raw16") != NULL;
    enum MHD_Result r = MHD_NO;
    const struct view_frame *f = s_frame_or_503(req, &r);

    if (!f)
        return r;
    return s_send_encoding(req, f, raw16 ? LATEST_PNG16 : LATEST_PNG, render_png,
                           (void *) (raw16 ? &keep16 : &stretch), "image/png");
}

/* GET /metrics: the stack's status in Prometheus's text format, as camstackctl metrics
 * prints it (common/metrics.h). */
static enum MHD_Result
s_metrics(const struct http_req *req)
{
    struct cs_client_answer answers[CS_DAEMON_COUNT];
    size_t len = 0;
    char *text = cs_metrics_ask(req->env->conf, S_STATUS_WAIT_MS, &len, answers);
    enum MHD_Result r;

    r = text ? http_reply(req, MHD_HTTP_OK, CS_METRICS_CONTENT_TYPE, text, len)
             : http_reply_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
    free(text);
    cs_client_answers_clear(answers);
    return r;
}

/* Sends @request to daemon @d's control endpoint and answers with its JSON answer (200 if it
 * said ok, 409 if it refused, 502 if it did not answer). */
static enum MHD_Result
s_steer(const struct http_req *req, enum cs_daemon_id d, const char *request)
{
    struct cs_client_answer answers[CS_DAEMON_COUNT];
    enum MHD_Result r;
    bool ok = false;

    (void) cs_client_ask(req->env->conf, 1u << d, request, S_STATUS_WAIT_MS, answers);
    if (answers[d].error < 0 || !answers[d].json) {
        r = http_reply_error(req, MHD_HTTP_BAD_GATEWAY, answers[d].reason);
    } else {
        (void) cs_json_get_bool(answers[d].json, "ok", &ok);
        r = http_reply_json(req, ok ? MHD_HTTP_OK : MHD_HTTP_CONFLICT,
                            json_incref(answers[d].json));
    }
    cs_client_answers_clear(answers);
    return r;
}

/* The word of ?do=start|stop: "start", "stop", or NULL (a 400 queued in @ret). */
static const char *
s_do(const struct http_req *req, enum MHD_Result *ret)
{
    const char *v = MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, "do");

    if (v && (strcmp(v, "start") == 0 || strcmp(v, "stop") == 0))
        return v;
    *ret = http_reply_error(req, MHD_HTTP_BAD_REQUEST, "do=start or do=stop");
    return NULL;
}

/* POST /control/acquire?do=start|stop: camerad's "acquire start" or "acquire stop". */
static enum MHD_Result
s_control_acquire(const struct http_req *req)
{
    enum MHD_Result r = MHD_NO;
    const char *what = s_do(req, &r);

    if (!what)
        return r;
    return s_steer(req, CS_DAEMON_CAMERAD,
                   strcmp(what, "start") == 0 ? "acquire start" : "acquire stop");
}

/* POST /control/record?do=start|stop: saverd's "record start" or "record stop". */
static enum MHD_Result
s_control_record(const struct http_req *req)
{
    enum MHD_Result r = MHD_NO;
    const char *what = s_do(req, &r);

    if (!what)
        return r;
    return s_steer(req, CS_DAEMON_SAVERD,
                   strcmp(what, "start") == 0 ? "record start" : "record stop");
}

/* clang-format off */
const struct route routes[] = {
    { "/frame.jpg", s_frame_jpg, false },
    { "/stream.mjpg", mjpeg_handle, false },
    { "/api/frame", s_api_frame, false },
    { "/api/stats", s_api_stats, false },
    { "/api/status", s_api_status, false },
    { "/snapshot.png", s_snapshot_png, false },
    { "/metrics", s_metrics, false },
    { "/control/acquire", s_control_acquire, true },
    { "/control/record", s_control_record, true },
};
/* clang-format on */
const size_t n_routes = sizeof routes / sizeof routes[0];
