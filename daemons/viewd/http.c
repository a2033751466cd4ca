#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "assets.h"
#include "curve.h"
#include "log.h"
#include "pixfmt.h"
#include "routes.h"
#include "util.h"

#define S_TLS_FILE_MAX (1024 * 1024) /* a certificate chain or key file */

struct http {
    struct http_env env;
    struct MHD_Daemon *mhd;
    uint16_t port;
    char url[128];
    char *tls_cert, *tls_key; /* the PEM files' contents */
};

static void __attribute__((format(printf, 2, 0))) s_mhd_log(void *cls, const char *fmt, va_list ap)
{
    char buf[512];

    (void) vsnprintf(buf, sizeof buf, fmt, ap);
    buf[strcspn(buf, "\n")] = '\0';
    /* A hostile client can make libmicrohttpd complain at will: debug only. */
    cs_log(LOG_DEBUG, "http: %s", buf);
}

void
http_count(const struct http_req *req, unsigned status)
{
    struct http_counters *c = req->env->counters;

    atomic_fetch_add(&c->requests, 1);
    if (status == MHD_HTTP_UNAUTHORIZED)
        atomic_fetch_add(&c->unauthorized, 1);
    else if (status >= 400 && status < 500)
        atomic_fetch_add(&c->client_errors, 1);
}

static enum MHD_Result
s_queue(const struct http_req *req, unsigned status, struct MHD_Response *resp)
{
    enum MHD_Result r;

    if (!resp)
        return MHD_NO;
    http_count(req, status);
    r = MHD_queue_response(req->conn, status, resp);
    MHD_destroy_response(resp);
    return r;
}

enum MHD_Result
http_reply(const struct http_req *req, unsigned status, const char *type, const void *data,
           size_t size)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(size, (void *) data, MHD_RESPMEM_MUST_COPY);

    if (!resp)
        return MHD_NO;
    (void) MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    (void) MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    return s_queue(req, status, resp);
}

enum MHD_Result
http_reply_json(const struct http_req *req, unsigned status, json_t *json)
{
    char *text = json ? cs_json_dump_alloc(json) : NULL;
    enum MHD_Result r;

    json_decref(json);
    if (!text)
        return http_reply_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
    r = http_reply(req, status, "application/json", text, strlen(text));
    free(text);
    return r;
}

enum MHD_Result
http_reply_error(const struct http_req *req, unsigned status, const char *reason)
{
    char text[256];
    int n = snprintf(text, sizeof text, "%u %s\n", status, reason);

    return http_reply(req, status, "text/plain; charset=utf-8", text, (size_t) n);
}

void
http_frame_headers(struct MHD_Response *resp, const struct cs_frame_hdr *hdr)
{
    enum cs_pixfmt fmt;
    char v[32];

    (void) snprintf(v, sizeof v, "%" PRIu64, hdr->run);
    (void) MHD_add_response_header(resp, "X-Camstack-Run", v);
    (void) snprintf(v, sizeof v, "%" PRIu64, hdr->seq);
    (void) MHD_add_response_header(resp, "X-Camstack-Seq", v);
    (void) snprintf(v, sizeof v, "%" PRIu64, hdr->capture_ns);
    (void) MHD_add_response_header(resp, "X-Camstack-Time-Ns", v);
    (void) MHD_add_response_header(
        resp, "X-Camstack-Pixel-Format",
        cs_pixfmt_from_fourcc(hdr->fourcc, &fmt) == 0 ? cs_pixfmt_info(fmt)->name : "?");
    (void) MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
}

struct s_blob_ref {
    latest_t *latest;
    const struct view_blob *blob;
};

static void
s_blob_free(void *cls)
{
    struct s_blob_ref *ref = cls;

    latest_blob_release(ref->latest, &ref->blob);
    free(ref);
}

enum MHD_Result
http_reply_blob(const struct http_req *req, const char *type, const struct view_blob *blob)
{
    struct s_blob_ref *ref = malloc(sizeof *ref);
    struct MHD_Response *resp;

    if (!ref) {
        latest_blob_release(req->env->latest, &blob);
        return MHD_NO;
    }
    *ref = (struct s_blob_ref){ req->env->latest, blob };
    resp = MHD_create_response_from_buffer_with_free_callback_cls(blob->size, blob->data,
                                                                  s_blob_free, ref);
    if (!resp) {
        s_blob_free(ref);
        return MHD_NO;
    }
    (void) MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    http_frame_headers(resp, &blob->hdr);
    return s_queue(req, MHD_HTTP_OK, resp);
}

/* Compares a presented token with the configured one in a time that does not depend on where
 * they differ. */
static bool
s_token_ok(const char *given, const char *token)
{
    size_t n = strlen(token), g = strlen(given);
    unsigned char diff = (unsigned char) (n != g);

    for (size_t i = 0; i < n; i++)
        diff |= (unsigned char) (token[i] ^ (i < g ? given[i] : 0));
    return diff == 0;
}

/* The token, as "Authorization: Bearer TOKEN" or as the password of HTTP Basic auth (any
 * user name: a browser asks for both). */
static bool
s_authorized(const struct http_req *req)
{
    const char *token = req->env->token;
    const char *h;
    char *user, *pass = NULL;
    bool ok;

    if (!token[0])
        return true;
    h = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (h && strncasecmp(h, "Bearer ", 7) == 0)
        return s_token_ok(h + 7, token);
    user = MHD_basic_auth_get_username_password(req->conn, &pass);
    ok = pass && s_token_ok(pass, token);
    MHD_free(user);
    MHD_free(pass);
    return ok;
}

static enum MHD_Result
s_unauthorized(const struct http_req *req)
{
    static const char text[] = "401 a login is needed\n";
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(sizeof text - 1, (void *) text, MHD_RESPMEM_PERSISTENT);
    enum MHD_Result r;

    if (!resp)
        return MHD_NO;
    http_count(req, MHD_HTTP_UNAUTHORIZED);
    r = MHD_queue_basic_auth_fail_response(req->conn, "camstack", resp);
    MHD_destroy_response(resp);
    return r;
}

static enum MHD_Result
s_asset(const struct http_req *req)
{
    for (size_t i = 0; i < viewd_n_assets; i++) {
        const struct viewd_asset *a = &viewd_assets[i];
        struct MHD_Response *resp;

        if (strcmp(a->path, req->path) != 0)
            continue;
        resp = MHD_create_response_from_buffer(a->size, (void *) a->data, MHD_RESPMEM_PERSISTENT);
        if (!resp)
            return MHD_NO;
        (void) MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, a->content_type);
        return s_queue(req, MHD_HTTP_OK, resp);
    }
    return http_reply_error(req, MHD_HTTP_NOT_FOUND, "no such page");
}

/* Counts each connection, and bounds what the kernel may queue towards it: a client that
 * stops reading then stalls its connection after HTTP_SEND_BUFFER bytes (instead of the
 * megabytes of TCP's autotuning), and the idle timeout closes it. */
static void
s_on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                enum MHD_ConnectionNotificationCode toe)
{
    http_t *self = cls;
    const union MHD_ConnectionInfo *info;
    int size = HTTP_SEND_BUFFER;

    if (toe != MHD_CONNECTION_NOTIFY_STARTED)
        return;
    atomic_fetch_add(&self->env.counters->connections, 1);
    info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (info)
        (void) setsockopt(info->connect_fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
}

static enum MHD_Result
s_on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
             const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
    http_t *self = cls;
    struct http_req req = { conn, &self->env, url };
    const struct route *route = NULL;
    bool post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;

    for (size_t i = 0; i < n_routes && !route; i++) {
        if (strcmp(routes[i].path, url) == 0)
            route = &routes[i];
    }
    if (route && route->control
            ? !post
            : strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
        return http_reply_error(&req, MHD_HTTP_METHOD_NOT_ALLOWED,
                                route && route->control ? "only POST" : "only GET and HEAD");
    if (*upload_data_size)
        return http_reply_error(&req, MHD_HTTP_BAD_REQUEST, "a request without a body");
    if (!s_authorized(&req))
        return s_unauthorized(&req);
    /* Steering the stack needs the login even where reading it does not (loopback). */
    if (route && route->control && !self->env.token[0])
        return http_reply_error(&req, MHD_HTTP_FORBIDDEN,
                                "control needs a login: set [viewd] token_file");
    return route ? route->handle(&req) : s_asset(&req);
}

/* Reads a whole PEM file into a new string. NULL with errno, logged. */
static char *
s_read_file(const char *path, const char *what)
{
    FILE *f = fopen(path, "re");
    char *buf = NULL;
    size_t n = 0;
    int e;

    if (f) {
        buf = calloc(1, S_TLS_FILE_MAX + 1);
        n = buf ? fread(buf, 1, S_TLS_FILE_MAX + 1, f) : 0;
    }
    e = !f ? errno : !buf ? ENOMEM : ferror(f) ? EIO : n == 0 || n > S_TLS_FILE_MAX ? EINVAL : 0;
    if (f)
        (void) fclose(f);
    if (e) {
        cs_log(LOG_ERR, "cannot use %s '%s': %s", what, path,
               e == EINVAL ? "empty, or larger than 1 MiB" : strerror(e));
        free(buf);
        errno = e == ENOMEM ? ENOMEM : EINVAL;
        return NULL;
    }
    return buf;
}

/* The token: the first line of [viewd] token_file, without its line end. */
static int
s_load_token(http_t *self)
{
    const char *path = self->env.conf->viewd.token_file;
    char *text;

    self->env.token[0] = '\0';
    if (!path[0])
        return 0;
    text = s_read_file(path, "token file");
    if (!text)
        return -errno;
    text[strcspn(text, "\r\n")] = '\0';
    if (strlen(text) < 16 || strlen(text) >= sizeof self->env.token) {
        cs_log(LOG_ERR, "token file '%s': the token must be 16 to %d characters on its first line",
               path, HTTP_TOKEN_MAX - 1);
        free(text);
        return -EINVAL;
    }
    (void) cs_strlcpy(self->env.token, text, sizeof self->env.token);
    cs_curve_wipe(text, strlen(text));
    free(text);
    return 0;
}

/* The listening address of [viewd] listen and port. Returns its length, 0 if unusable. */
static socklen_t
s_address(const struct cs_conf *conf, struct sockaddr_storage *ss, bool *ret_v6)
{
    struct sockaddr_in *in = (struct sockaddr_in *) ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) ss;

    memset(ss, 0, sizeof *ss);
    *ret_v6 = false;
    if (inet_pton(AF_INET, conf->viewd.listen, &in->sin_addr) == 1) {
        in->sin_family = AF_INET;
        in->sin_port = htons((uint16_t) conf->viewd.port);
        return sizeof *in;
    }
    if (inet_pton(AF_INET6, conf->viewd.listen, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t) conf->viewd.port);
        *ret_v6 = true;
        return sizeof *in6;
    }
    return 0;
}

static struct MHD_Daemon *
s_start(http_t *self, const struct sockaddr_storage *ss, bool v6)
{
    const struct cs_conf *conf = self->env.conf;
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD
                     | MHD_USE_ERROR_LOG | (v6 ? MHD_USE_IPv6 : 0)
                     | (self->tls_cert ? MHD_USE_TLS : 0);
    unsigned per_ip = conf->viewd.max_clients / 4 ? conf->viewd.max_clients / 4 : 1;
    struct MHD_OptionItem tls[] = {
        { self->tls_cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, self->tls_cert },
        { MHD_OPTION_HTTPS_MEM_KEY, 0, self->tls_key },
        { MHD_OPTION_END, 0, NULL },
    };

    return MHD_start_daemon(
        flags, 0, NULL, NULL, s_on_request, self, MHD_OPTION_SOCK_ADDR, ss,
        MHD_OPTION_EXTERNAL_LOGGER, s_mhd_log, NULL, MHD_OPTION_NOTIFY_CONNECTION, s_on_connection,
        self, MHD_OPTION_CONNECTION_LIMIT, (unsigned) conf->viewd.max_clients,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_ip, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned) HTTP_IDLE_TIMEOUT_S, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t) HTTP_CONN_MEMORY, MHD_OPTION_THREAD_STACK_SIZE, (size_t) HTTP_STACK_SIZE,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, 64u, MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u,
        MHD_OPTION_STRICT_FOR_CLIENT, 1, MHD_OPTION_ARRAY, tls, MHD_OPTION_END);
}

http_t *
http_new(const struct http_env *env)
{
    http_t *self = calloc(1, sizeof *self);
    const struct cs_conf *conf = env->conf;
    struct sockaddr_storage ss;
    const union MHD_DaemonInfo *info;
    bool v6;
    int e;

    if (!self)
        return NULL;
    self->env = *env;
    if (s_load_token(self) < 0)
        goto fail;
    if (conf->viewd.tls_certificate[0]) {
        self->tls_cert = s_read_file(conf->viewd.tls_certificate, "TLS certificate");
        self->tls_key = self->tls_cert ? s_read_file(conf->viewd.tls_key, "TLS key") : NULL;
        if (!self->tls_key)
            goto fail;
    }
    if (s_address(conf, &ss, &v6) == 0) {
        errno = EINVAL;
        goto fail;
    }
    self->mhd = s_start(self, &ss, v6);
    if (!self->mhd) {
        /* libmicrohttpd says why in its log; the usual reasons: */
        e = errno ? errno : EADDRINUSE;
        cs_log(LOG_ERR, "cannot serve HTTP on %s port %u: %s%s", conf->viewd.listen,
               conf->viewd.port, strerror(e),
               self->tls_cert ? " (or the TLS certificate and key do not match)" : "");
        errno = self->tls_cert ? EINVAL : e;
        goto fail;
    }
    info = MHD_get_daemon_info(self->mhd, MHD_DAEMON_INFO_BIND_PORT);
    self->port = info ? info->port : (uint16_t) conf->viewd.port;
    (void) snprintf(self->url, sizeof self->url, v6 ? "%s://[%s]:%u/" : "%s://%s:%u/",
                    self->tls_cert ? "https" : "http", conf->viewd.listen, self->port);
    return self;
fail:
    e = errno ? errno : EIO;
    http_destroy(&self);
    errno = e;
    return NULL;
}

void
http_destroy(http_t **self_p)
{
    http_t *self = *self_p;

    if (!self)
        return;
    if (self->mhd) {
        latest_close(self->env.latest);
        MHD_stop_daemon(self->mhd);
    }
    if (self->tls_key)
        cs_curve_wipe(self->tls_key, strlen(self->tls_key));
    free(self->tls_key);
    free(self->tls_cert);
    cs_curve_wipe(self->env.token, sizeof self->env.token);
    free(self);
    *self_p = NULL;
}

uint16_t
http_port(const http_t *self)
{
    return self->port;
}

const char *
http_url(const http_t *self)
{
    return self->url;
}
