/* The stacks of a configuration directory, and what each claims on the host. */
#include "stacks.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "endpoint.h"
#include "util.h"

#define S_CLAIMS_MAX (2 * CS_ENDPOINTS_MAX + 2 * CS_DAEMON_COUNT + 16)

/* What a stack claims on the host, in the order a collision is reported. */
enum s_kind {
    S_SOCKET, /* an endpoint it binds */
    S_LOCK,   /* its lock files: runtime_dir and stream */
    S_FILES,  /* the names of a writer's files: directory, stream and the writer's pattern */
    S_STREAM, /* its stream on an endpoint it binds or connects to */
    S_KIND_COUNT
};

static const char *const s_kind_why[S_KIND_COUNT] = {
    [S_SOCKET] = "two stacks must not share a socket",
    [S_LOCK] = "two stacks must not share lock files (give each its own runtime_dir or stream)",
    [S_FILES] = ("two stacks must not write files of the same names (give each its own "
                 "directory or stream)"),
    [S_STREAM] = "two stacks must not share a stream name on one endpoint",
};

struct s_claim {
    enum s_kind kind;
    char what[48];                 /* "[endpoints] ingest" */
    char value[PATH_MAX + 2 * 64]; /* what is compared, as shown */
};

bool
cs_stack_name_valid(const char *name)
{
    size_t n = strlen(name);

    if (n == 0 || n > CS_STREAM_MAX || name[0] == '.')
        return false;
    return strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") == n;
}

int
cs_stack_path(const char *dir, const char *name, char *buf, size_t size)
{
    if (!cs_stack_name_valid(name))
        return -EINVAL;
    return snprintf(buf, size, "%s/%s.ini", dir, name) < (int) size ? 0 : -ENAMETOOLONG;
}

void
cs_stack_dir(const char *config_path, char *buf, size_t size)
{
    const char *slash = strrchr(config_path, '/');

    if (!slash)
        (void) cs_strlcpy(buf, ".", size);
    else if (slash == config_path)
        (void) cs_strlcpy(buf, "/", size);
    else
        (void) snprintf(buf, size, "%.*s", (int) (slash - config_path), config_path);
}

static int
s_by_name(const void *a, const void *b)
{
    return strcmp(((const struct cs_stack_file *) a)->name,
                  ((const struct cs_stack_file *) b)->name);
}

int
cs_stacks_list(const char *dir, struct cs_stack_file *ret, size_t max)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t n = 0;

    if (!d)
        return -errno;
    while (n < max && (e = readdir(d))) {
        size_t len = strlen(e->d_name);
        struct stat st;

        if (len <= 4 || strcmp(e->d_name + len - 4, ".ini") != 0 || len - 4 > CS_STREAM_MAX)
            continue;
        (void) snprintf(ret[n].name, sizeof ret[n].name, "%.*s", (int) (len - 4), e->d_name);
        if (!cs_stack_name_valid(ret[n].name)
            || cs_stack_path(dir, ret[n].name, ret[n].path, sizeof ret[n].path) < 0
            || stat(ret[n].path, &st) < 0 || !S_ISREG(st.st_mode))
            continue;
        n++;
    }
    (void) closedir(d);
    qsort(ret, n, sizeof ret[0], s_by_name);
    return (int) n;
}

/* @path with its directory resolved (symbolic links, "..") when it exists, so that two names
 * of one place compare equal. */
static void
s_canonical(const char *path, char *buf, size_t size)
{
    char dir[PATH_MAX], real[PATH_MAX];
    const char *slash = strrchr(path, '/');

    (void) cs_strlcpy(buf, path, size);
    if (realpath(path, real)) {
        (void) cs_strlcpy(buf, real, size);
        return;
    }
    if (!slash || slash == path)
        return;
    (void) snprintf(dir, sizeof dir, "%.*s", (int) (slash - path), path);
    if (realpath(dir, real))
        (void) snprintf(buf, size, "%s%s", real, slash);
}

static void s_add(struct s_claim *claims, size_t *n, enum s_kind kind, const char *what,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
s_add(struct s_claim *claims, size_t *n, enum s_kind kind, const char *what, const char *fmt, ...)
{
    va_list ap;

    assert(*n < S_CLAIMS_MAX);
    claims[*n].kind = kind;
    (void) cs_strlcpy(claims[*n].what, what, sizeof claims[*n].what);
    va_start(ap, fmt);
    (void) vsnprintf(claims[*n].value, sizeof claims[*n].value, fmt, ap);
    va_end(ap);
    (*n)++;
}

/* An endpoint as compared: an ipc path resolved, anything else as written; with the stream
 * for S_STREAM. */
static void
s_add_endpoint(struct s_claim *claims, size_t *n, enum s_kind kind, const char *what,
               const char *endpoint, const char *stream)
{
    char path[PATH_MAX] = "ipc://";

    if (strncmp(endpoint, "inproc://", 9) == 0)
        return; /* within one process: nothing on the host */
    if (cs_endpoint_is_ipc(endpoint))
        s_canonical(endpoint + 6, path + 6, sizeof path - 6);
    else
        (void) cs_strlcpy(path, endpoint, sizeof path);
    if (kind == S_STREAM)
        s_add(claims, n, kind, what, "%s, stream '%s'", path, stream);
    else
        s_add(claims, n, kind, what, "%s", path);
}

/* Every claim of @c, sockets first. Returns how many. */
static size_t
s_claims(const struct cs_conf *c, struct s_claim *claims)
{
    static const enum s_kind kinds[] = { S_SOCKET, S_STREAM };
    char what[48], dir[PATH_MAX];
    size_t n = 0;

    /* The endpoints it binds, as sockets and as endpoints its stream is on. */
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        const char *stream = c->stack.stream;
        enum s_kind kind = kinds[k];

        s_add_endpoint(claims, &n, kind, "[endpoints] ingest", c->endpoints.ingest, stream);
        for (unsigned i = 0; i < c->endpoints.n_publish; i++)
            s_add_endpoint(claims, &n, kind, "[endpoints] publish", c->endpoints.publish[i],
                           stream);
        for (int d = 0; d < CS_DAEMON_COUNT; d++) {
            (void) snprintf(what, sizeof what, "[endpoints] control_%s", cs_daemon_name(d));
            s_add_endpoint(claims, &n, kind, what, c->endpoints.control[d], stream);
        }
        /* viewd's HTTP server, unless it takes any free port. */
        if (kind == S_SOCKET && c->viewd.port != 0)
            s_add(claims, &n, S_SOCKET, "[viewd] listen and port", "tcp://%s%s%s:%u",
                  strchr(c->viewd.listen, ':') ? "[" : "", c->viewd.listen,
                  strchr(c->viewd.listen, ':') ? "]" : "", (unsigned) c->viewd.port);
    }
    s_add_endpoint(claims, &n, S_STREAM, "[endpoints] subscribe", c->endpoints.subscribe,
                   c->stack.stream);

    s_canonical(c->stack.runtime_dir, dir, sizeof dir);
    s_add(claims, &n, S_LOCK, "[stack] runtime_dir and stream", "%s/<daemon>-%s.lock", dir,
          c->stack.stream);
    s_canonical(c->analyzerd.directory, dir, sizeof dir);
    s_add(claims, &n, S_FILES, "[analyzerd] directory and stream", "%s/%s-stats-*.h5", dir,
          c->stack.stream);
    s_canonical(c->saverd.directory, dir, sizeof dir);
    s_add(claims, &n, S_FILES, "[saverd] directory and stream", "%s/%s-*.h5", dir, c->stack.stream);
    return n;
}

/* "HOST" and "PORT" of "tcp://[SOURCE;]HOST:PORT" into @host (cut at the port's colon), or
 * false for another transport. */
static bool
s_tcp_split(const char *endpoint, char *host, size_t size, const char **ret_port)
{
    const char *semi, *colon;

    if (!cs_endpoint_is_tcp(endpoint))
        return false;
    endpoint += 6;
    semi = strchr(endpoint, ';');
    if (semi)
        endpoint = semi + 1;
    colon = strrchr(endpoint, ':');
    if (!colon)
        return false;
    (void) snprintf(host, size, "%.*s", (int) (colon - endpoint), endpoint);
    *ret_port = colon + 1;
    return true;
}

static bool
s_wildcard(const char *host)
{
    return strcmp(host, "*") == 0 || strcmp(host, "0.0.0.0") == 0 || strcmp(host, "[::]") == 0;
}

/* Two sockets bound by two stacks meet on one ipc path, or one tcp port of one address (or
 * of every address, for a wildcard). */
static bool
s_same_socket(const char *a, const char *b)
{
    char ha[CS_ENDPOINT_MAX], hb[CS_ENDPOINT_MAX];
    const char *pa, *pb;

    if (strcmp(a, b) == 0)
        return true;
    if (!s_tcp_split(a, ha, sizeof ha, &pa) || !s_tcp_split(b, hb, sizeof hb, &pb))
        return false;
    return strcmp(pa, pb) == 0 && (strcmp(ha, hb) == 0 || s_wildcard(ha) || s_wildcard(hb));
}

bool
cs_stacks_collide(const struct cs_conf *a, const struct cs_conf *b, char *reterr_msg, size_t size)
{
    struct s_claim *ca = calloc(2 * S_CLAIMS_MAX, sizeof *ca), *cb;
    size_t na, nb;
    bool found = false;

    if (!ca)
        return false;
    cb = ca + S_CLAIMS_MAX;
    na = s_claims(a, ca);
    nb = s_claims(b, cb);
    for (size_t i = 0; i < na && !found; i++) {
        for (size_t j = 0; j < nb && !found; j++) {
            if (ca[i].kind != cb[j].kind
                || !(ca[i].kind == S_SOCKET ? s_same_socket(ca[i].value, cb[j].value)
                                            : strcmp(ca[i].value, cb[j].value) == 0))
                continue;
            (void) snprintf(reterr_msg, size, "%s: %s '%s' is also %s's %s '%s': %s", a->path,
                            ca[i].what, ca[i].value, b->path, cb[j].what, cb[j].value,
                            s_kind_why[ca[i].kind]);
            found = true;
        }
    }
    free(ca);
    return found;
}

/* True if @a and @b are one file (the config itself, whatever name it was given by). */
static bool
s_same_file(const char *a, const char *b)
{
    struct stat sa, sb;

    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev
           && sa.st_ino == sb.st_ino;
}

int
cs_stacks_check(const struct cs_conf *conf, char *reterr_msg, size_t size)
{
    struct cs_stack_file *files = calloc(CS_STACKS_MAX, sizeof *files);
    struct cs_conf *other = malloc(sizeof *other);
    char dir[PATH_MAX], err[CS_CONF_ERROR_MAX];
    int n, r = 0;

    if (!files || !other) {
        r = -ENOMEM;
        (void) snprintf(reterr_msg, size, "%s", strerror(ENOMEM));
        goto out;
    }
    cs_stack_dir(conf->path, dir, sizeof dir);
    n = cs_stacks_list(dir, files, CS_STACKS_MAX);
    if (n < 0) {
        r = n;
        (void) snprintf(reterr_msg, size, "cannot read the stacks of '%s': %s", dir, strerror(-n));
        goto out;
    }
    for (int i = 0; i < n && r == 0; i++) {
        if (s_same_file(files[i].path, conf->path)
            || cs_conf_load(files[i].path, other, err, sizeof err) < 0)
            continue;
        if (cs_stacks_collide(conf, other, reterr_msg, size))
            r = -EADDRINUSE;
    }
out:
    free(other);
    free(files);
    return r;
}
