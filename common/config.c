#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#include "endpoint.h"
#include "h5file.h"
#include "log.h"
#include "util.h"

enum s_type {
    S_STRING,   /* copied as is */
    S_STREAM,   /* a stream name */
    S_PATH,     /* relative paths are taken from the config file's directory */
    S_ENDPOINT, /* ipc://, tcp:// or inproc://; relative ipc paths as S_PATH */
    S_ENDPOINTS,
    S_U32,
    S_U64,
    S_DOUBLE,
    S_BOOL,
    S_PIXFMT,
    S_SOURCE,
    S_LOGLEVEL,
    S_WAIT, /* "auto" (CS_WAIT_AUTO) or a whole number, as S_U32 */
    S_COMPRESSION,
};

struct s_key {
    const char *section;
    const char *name;
    enum s_type type;
    size_t offset;
    size_t size;     /* for strings */
    double min, max; /* for numbers */
};

#define S_FIELD(f) offsetof(struct cs_conf, f), sizeof(((struct cs_conf *) 0)->f)

/* Every key the file may hold. Endpoints left empty get defaults from runtime_dir. */
static const struct s_key s_keys[] = {
    { "stack", "stream", S_STREAM, S_FIELD(stack.stream), 0, 0 },
    { "stack", "runtime_dir", S_PATH, S_FIELD(stack.runtime_dir), 0, 0 },
    { "stack", "ipc_send_buffer_kb", S_U32, S_FIELD(stack.ipc_send_buffer_kb), 0, 65536 },
    { "endpoints", "ingest", S_ENDPOINT, S_FIELD(endpoints.ingest), 0, 0 },
    { "endpoints", "publish", S_ENDPOINTS, S_FIELD(endpoints.publish), 0, 0 },
    { "endpoints", "subscribe", S_ENDPOINT, S_FIELD(endpoints.subscribe), 0, 0 },
    { "endpoints", "control_camerad", S_ENDPOINT, S_FIELD(endpoints.control[CS_DAEMON_CAMERAD]), 0,
      0 },
    { "endpoints", "control_pubd", S_ENDPOINT, S_FIELD(endpoints.control[CS_DAEMON_PUBD]), 0, 0 },
    { "endpoints", "control_analyzerd", S_ENDPOINT, S_FIELD(endpoints.control[CS_DAEMON_ANALYZERD]),
      0, 0 },
    { "endpoints", "control_saverd", S_ENDPOINT, S_FIELD(endpoints.control[CS_DAEMON_SAVERD]), 0,
      0 },
    { "camerad", "source", S_SOURCE, S_FIELD(camerad.source), 0, 0 },
    { "camerad", "device", S_PATH, S_FIELD(camerad.device), 0, 0 },
    { "camerad", "width", S_U32, S_FIELD(camerad.width), 1, 65535 },
    { "camerad", "height", S_U32, S_FIELD(camerad.height), 1, 65535 },
    { "camerad", "pixel_format", S_PIXFMT, S_FIELD(camerad.pixel_format), 0, 0 },
    { "camerad", "fps", S_DOUBLE, S_FIELD(camerad.fps), 0, 100000 },
    { "camerad", "frames", S_U64, S_FIELD(camerad.frames), 0, 1e15 },
    { "camerad", "send_buffer_mb", S_U32, S_FIELD(camerad.send_buffer_mb), 1, 65536 },
    { "camerad", "wait_subscribers", S_WAIT, S_FIELD(camerad.wait_subscribers), 0, 1000 },
    { "camerad", "wait_timeout_ms", S_U32, S_FIELD(camerad.wait_timeout_ms), 0, 86400000 },
    { "camerad", "buffers", S_U32, S_FIELD(camerad.buffers), 2, 32 },
    { "camerad", "allow_format_fallback", S_BOOL, S_FIELD(camerad.allow_format_fallback), 0, 0 },
    { "pubd", "ingest_buffer_mb", S_U32, S_FIELD(pubd.ingest_buffer_mb), 1, 65536 },
    { "pubd", "subscriber_buffer_mb", S_U32, S_FIELD(pubd.subscriber_buffer_mb), 1, 65536 },
    { "pubd", "tcp_subscriber_buffer_mb", S_U32, S_FIELD(pubd.tcp_subscriber_buffer_mb), 1, 65536 },
    { "pubd", "linger_ms", S_U32, S_FIELD(pubd.linger_ms), 0, 600000 },
    { "analyzerd", "directory", S_PATH, S_FIELD(analyzerd.directory), 0, 0 },
    { "analyzerd", "receive_buffer_mb", S_U32, S_FIELD(analyzerd.receive_buffer_mb), 1, 65536 },
    { "analyzerd", "drain_timeout_ms", S_U32, S_FIELD(analyzerd.drain_timeout_ms), 0, 600000 },
    { "analyzerd", "publish_stats", S_BOOL, S_FIELD(analyzerd.publish_stats), 0, 0 },
    { "saverd", "directory", S_PATH, S_FIELD(saverd.directory), 0, 0 },
    { "saverd", "receive_buffer_mb", S_U32, S_FIELD(saverd.receive_buffer_mb), 1, 65536 },
    { "saverd", "drain_timeout_ms", S_U32, S_FIELD(saverd.drain_timeout_ms), 0, 600000 },
    { "saverd", "queue_mb", S_U32, S_FIELD(saverd.queue_mb), 1, 1048576 },
    { "saverd", "flush_interval_ms", S_U32, S_FIELD(saverd.flush_interval_ms), 10, 3600000 },
    { "saverd", "swmr", S_BOOL, S_FIELD(saverd.swmr), 0, 0 },
    { "saverd", "max_frames_per_file", S_U64, S_FIELD(saverd.max_frames_per_file), 0, 1e15 },
    { "saverd", "max_bytes_per_file", S_U64, S_FIELD(saverd.max_bytes_per_file), 0, 1e18 },
    { "saverd", "compression", S_COMPRESSION, S_FIELD(saverd.compression), 0, 9 },
    { "security", "server_certificate", S_PATH, S_FIELD(security.server_certificate), 0, 0 },
    { "security", "client_certificate", S_PATH, S_FIELD(security.client_certificate), 0, 0 },
    { "security", "authorized_keys_dir", S_PATH, S_FIELD(security.authorized_keys_dir), 0, 0 },
    { "security", "allow_insecure_remote", S_BOOL, S_FIELD(security.allow_insecure_remote), 0, 0 },
    { "log", "level", S_LOGLEVEL, S_FIELD(log.level), 0, 0 },
};

#define S_N_KEYS (sizeof s_keys / sizeof s_keys[0])

/* Sections that may appear. */
static const char *const s_sections[] = { "stack",     "endpoints", "camerad",  "pubd",
                                          "analyzerd", "saverd",    "security", "log" };

static const char *const s_source_names[CS_SOURCE_COUNT] = { "testpattern", "v4l2" };
static const char *const s_compression_names[CS_COMPRESSION_COUNT] = { "none", "deflate", "lz4" };
static const char *const s_level_names[8] = { "emerg",   "alert",  "crit", "err",
                                              "warning", "notice", "info", "debug" };

const char *
cs_source_name(enum cs_source s)
{
    return s < CS_SOURCE_COUNT ? s_source_names[s] : "?";
}

const char *
cs_compression_name(enum cs_compression c)
{
    return c < CS_COMPRESSION_COUNT ? s_compression_names[c] : "?";
}

struct s_parser {
    struct cs_conf *conf;
    FILE *file;
    char dir[PATH_MAX];        /* the config file's directory */
    unsigned line;             /* the line inih is handling */
    unsigned set_on[S_N_KEYS]; /* line where each key was set, 0 if not yet */
    char *err;                 /* the error of the smallest line, "path:line: ..." */
    size_t err_size;
    unsigned err_line;
    bool failed;
};

#define S_SYNTAX_ERROR "syntax error: expected '[section]', 'key = value' or a comment"

static void __attribute__((format(printf, 3, 4)))
s_error(struct s_parser *p, unsigned line, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    /* The error of the earliest line is the one to fix first. inih reports its syntax errors
     * only at the end of the file, so a later report may still be the earlier line. */
    if (p->failed && !(line && p->err_line && line < p->err_line))
        return;
    va_start(ap, fmt);
    (void) vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (line)
        (void) snprintf(p->err, p->err_size, "%s:%u: %s", p->conf->path, line, msg);
    else
        (void) snprintf(p->err, p->err_size, "%s: %s", p->conf->path, msg);
    p->err_line = line;
    p->failed = true;
}

static bool
s_section_known(const char *name)
{
    for (size_t i = 0; i < sizeof s_sections / sizeof s_sections[0]; i++) {
        if (strcmp(name, s_sections[i]) == 0)
            return true;
    }
    return false;
}

/* Checks a line (leading blanks removed, no line end) for what inih would let through:
 * unknown sections, and ':' as the separator of a key and its value. */
static void
s_check_line(struct s_parser *p, const char *s)
{
    const char *end, *eq, *colon;

    if (*s == '[' && (end = strchr(s, ']'))) {
        char name[128];
        size_t len = (size_t) (end - s - 1);

        (void) snprintf(name, sizeof name, "%.*s", (int) (len < 127 ? len : 127), s + 1);
        if (!s_section_known(name))
            s_error(p, p->line,
                    "unknown section [%s] (expected stack, endpoints, camerad, pubd, "
                    "analyzerd, saverd, security or log)",
                    name);
        return;
    }
    if (*s == '\0' || *s == ';' || *s == '#' || *s == '[')
        return;
    eq = strchr(s, '=');
    colon = strchr(s, ':');
    if (colon && (!eq || colon < eq))
        s_error(p, p->line, S_SYNTAX_ERROR);
}

/* inih's reader: one whole line at a time, so that p->line is exact. Leading blanks are
 * removed (inih would otherwise take an indented line for a continuation of the previous
 * value), as is a UTF-8 byte order mark on the first line, and each line is checked by
 * s_check_line() before inih sees it. @num is inih's buffer: a line of up to @num - 2
 * characters and its '\n'. */
static char *
s_read_line(char *str, int num, void *user)
{
    struct s_parser *p = user;
    char *line = NULL, *s;
    size_t cap = 0, len;
    ssize_t n;

    n = getline(&line, &cap, p->file);
    if (n < 0) {
        free(line);
        return NULL;
    }
    p->line++;
    if (memchr(line, '\0', (size_t) n)) {
        /* inih would see the line cut at the NUL: refuse it instead of reading half of it. */
        s_error(p, p->line, "NUL byte in the line");
        line[0] = '\0';
    }
    s = line;
    if (p->line == 1 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
        s += 3;
    while (*s == ' ' || *s == '\t')
        s++;
    len = strcspn(s, "\r\n");
    s[len] = '\0';
    if (len > (size_t) num - 2) {
        s_error(p, p->line, "line too long (at most %d characters)", num - 2);
        len = 0;
    } else {
        s_check_line(p, s);
    }
    memcpy(str, s, len);
    str[len] = '\n';
    str[len + 1] = '\0';
    free(line);
    return str;
}

/* Removes "." and "dir/.." components and repeated slashes from absolute @path, in place,
 * without looking at the file system (the path need not exist yet). */
static void
s_normalize(char *path)
{
    char *out = path, *in = path;

    while (*in) {
        char *end;
        size_t len;

        while (*in == '/')
            in++;
        end = strchrnul(in, '/');
        len = (size_t) (end - in);
        if (len == 0 || (len == 1 && in[0] == '.')) {
            /* nothing */
        } else if (len == 2 && in[0] == '.' && in[1] == '.') {
            while (out > path && *--out != '/')
                ;
        } else {
            *out++ = '/';
            memmove(out, in, len);
            out += len;
        }
        in = end;
    }
    if (out == path)
        *out++ = '/';
    *out = '\0';
}

/* What inih strips from the ends of a value: isspace() in the C locale (daemons never call
 * setlocale()). A value that ends with one after our own processing cannot be written in
 * the file, so --check-config could not print it. */
static bool
s_is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* Resolves @value against the config file's directory into @out of @size bytes. */
static int
s_resolve_path(const struct s_parser *p, const char *value, char *out, size_t size)
{
    int n;

    if (value[0] == '/')
        n = snprintf(out, size, "%s", value);
    else
        n = snprintf(out, size, "%s/%s", p->dir, value);
    if (n < 0 || (size_t) n >= size)
        return -ENAMETOOLONG;
    s_normalize(out);
    /* "/run/a /." would leave "/run/a ": a value the file cannot hold (inih strips trailing
     * blanks), so --check-config could not print it. */
    n = (int) strlen(out);
    if (s_is_blank(out[n - 1]))
        return -EINVAL;
    return 0;
}

/* The longest path an ipc endpoint may have (sockaddr_un.sun_path, less the NUL). */
#define S_IPC_PATH_MAX 107

static int
s_parse_endpoint(struct s_parser *p, const char *value, char *out, size_t size)
{
    char path[PATH_MAX];

    if (strncmp(value, "ipc://", 6) == 0) {
        if (value[6] == '\0' || s_resolve_path(p, value + 6, path, sizeof path) < 0)
            return -EINVAL;
        if (strlen(path) > S_IPC_PATH_MAX)
            return -ENAMETOOLONG;
        return snprintf(out, size, "ipc://%s", path) < (int) size ? 0 : -ENAMETOOLONG;
    }
    /* "tcp://:PORT" names no host: it stays on this one. */
    if (strncmp(value, "tcp://:", 7) == 0 && value[7])
        return snprintf(out, size, "tcp://127.0.0.1:%s", value + 7) < (int) size ? 0
                                                                                 : -ENAMETOOLONG;
    if ((strncmp(value, "tcp://", 6) == 0 && strrchr(value, ':') > value + 6)
        || (strncmp(value, "inproc://", 9) == 0 && value[9]))
        return cs_strlcpy(out, value, size);
    return -EINVAL;
}

static void
s_endpoint_error(struct s_parser *p, const struct s_key *k, const char *value, int r)
{
    if (r == -ENAMETOOLONG)
        s_error(p, p->line, "'%s': endpoint '%s' is too long (ipc paths: at most %d bytes)",
                k->name, value, S_IPC_PATH_MAX);
    else
        s_error(p, p->line,
                "'%s' expects an endpoint 'ipc://PATH', 'tcp://HOST:PORT' or 'inproc://NAME', "
                "got '%s'",
                k->name, value);
}

static void
s_set_endpoints(struct s_parser *p, const struct s_key *k, const char *value)
{
    struct cs_conf *c = p->conf;
    char buf[CS_ENDPOINT_MAX * CS_ENDPOINTS_MAX], *save = NULL, *tok;
    int r;

    if (cs_strlcpy(buf, value, sizeof buf) < 0) {
        s_error(p, p->line, "'%s': value too long", k->name);
        return;
    }
    c->endpoints.n_publish = 0;
    for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *end;

        while (s_is_blank(*tok))
            tok++;
        end = tok + strlen(tok);
        while (end > tok && s_is_blank(end[-1]))
            *--end = '\0';
        if (c->endpoints.n_publish == CS_ENDPOINTS_MAX) {
            s_error(p, p->line, "'%s': at most %d endpoints", k->name, CS_ENDPOINTS_MAX);
            return;
        }
        r = s_parse_endpoint(p, tok, c->endpoints.publish[c->endpoints.n_publish], CS_ENDPOINT_MAX);
        if (r < 0) {
            s_endpoint_error(p, k, tok, r);
            return;
        }
        c->endpoints.n_publish++;
    }
    if (c->endpoints.n_publish == 0)
        s_error(p, p->line, "'%s' expects a comma-separated list of endpoints", k->name);
}

/* none | deflate[:level] | lz4. lz4 is written for HDF5's LZ4 filter plugin, so a file that
 * no reader can open is refused here, where the line is known, rather than at the first run. */
static void
s_set_compression(struct s_parser *p, const struct s_key *k, const char *value)
{
    struct cs_conf *c = p->conf;
    uint64_t level = CS_DEFLATE_DEFAULT_LEVEL;

    if (strcmp(value, "none") == 0) {
        c->saverd.compression.method = CS_COMPRESSION_NONE;
        c->saverd.compression.level = 0;
    } else if (strcmp(value, "lz4") == 0) {
        if (!cs_h5_filter_available(CS_H5_FILTER_LZ4)) {
            const char *pp = getenv("HDF5_PLUGIN_PATH");

            s_error(p, p->line,
                    "'%s': lz4 needs HDF5's LZ4 filter plugin (filter %d, Debian package "
                    "hdf5-filter-plugin), which HDF5 cannot load from %s%s%s",
                    k->name, CS_H5_FILTER_LZ4,
                    pp ? "HDF5_PLUGIN_PATH '" : "its default plugin path", pp ? pp : "",
                    pp ? "'" : "");
            return;
        }
        c->saverd.compression.method = CS_COMPRESSION_LZ4;
        c->saverd.compression.level = 0;
    } else if (strncmp(value, "deflate", 7) == 0
               && (value[7] == '\0'
                   || (value[7] == ':'
                       && cs_parse_u64(value + 8, (uint64_t) k->min, (uint64_t) k->max, &level)
                              == 0))) {
        c->saverd.compression.method = CS_COMPRESSION_DEFLATE;
        c->saverd.compression.level = (unsigned) level;
    } else {
        s_error(p, p->line, "'%s' expects none, deflate, deflate:LEVEL (0 to 9) or lz4, got '%s'",
                k->name, value);
    }
}

static void
s_number_error(struct s_parser *p, const struct s_key *k, const char *what, const char *value)
{
    s_error(p, p->line, "'%s' expects %s from %.15g to %.15g, got '%s'", k->name, what, k->min,
            k->max, value);
}

static void
s_set_value(struct s_parser *p, const struct s_key *k, const char *value)
{
    void *field = (char *) p->conf + k->offset;
    uint64_t u;
    double d;
    int r;

    switch (k->type) {
    case S_STRING:
        if (cs_strlcpy(field, value, k->size) < 0)
            s_error(p, p->line, "'%s': value too long (at most %zu characters)", k->name,
                    k->size - 1);
        break;
    case S_STREAM:
        if (!cs_stream_name_valid(value))
            s_error(p, p->line, "'%s' expects 1 to %d characters of A-Z a-z 0-9 _ . -, got '%s'",
                    k->name, CS_STREAM_MAX, value);
        else
            (void) cs_strlcpy(field, value, k->size);
        break;
    case S_PATH:
        r = s_resolve_path(p, value, field, k->size);
        if (r == -ENAMETOOLONG)
            s_error(p, p->line, "'%s': path too long", k->name);
        else if (r < 0)
            s_error(p, p->line, "'%s': path '%s' ends with a blank", k->name, value);
        break;
    case S_ENDPOINT:
        r = s_parse_endpoint(p, value, field, k->size);
        if (r < 0)
            s_endpoint_error(p, k, value, r);
        break;
    case S_ENDPOINTS:
        s_set_endpoints(p, k, value);
        break;
    case S_WAIT:
        if (strcmp(value, "auto") == 0) {
            *(uint32_t *) field = CS_WAIT_AUTO;
            break;
        }
        if (cs_parse_u64(value, (uint64_t) k->min, (uint64_t) k->max, &u) < 0)
            s_number_error(p, k, "auto or a whole number", value);
        else
            *(uint32_t *) field = (uint32_t) u;
        break;
    case S_U32:
    case S_U64:
        if (cs_parse_u64(value, (uint64_t) k->min, (uint64_t) k->max, &u) < 0)
            s_number_error(p, k, "a whole number", value);
        else if (k->type == S_U32)
            *(uint32_t *) field = (uint32_t) u;
        else
            *(uint64_t *) field = u;
        break;
    case S_DOUBLE:
        if (cs_parse_double(value, k->min, k->max, &d) < 0)
            s_number_error(p, k, "a number", value);
        else
            *(double *) field = d;
        break;
    case S_BOOL:
        if (cs_parse_bool(value, field) < 0)
            s_error(p, p->line, "'%s' expects yes or no, got '%s'", k->name, value);
        break;
    case S_PIXFMT:
        if (cs_pixfmt_from_name(value, field) < 0) {
            char names[256];

            (void) cs_pixfmt_names(names, sizeof names);
            s_error(p, p->line, "'%s' expects one of %s, got '%s'", k->name, names, value);
        }
        break;
    case S_SOURCE:
        r = -1;
        for (int i = 0; i < CS_SOURCE_COUNT; i++) {
            if (strcmp(value, s_source_names[i]) == 0) {
                *(enum cs_source *) field = (enum cs_source) i;
                r = 0;
            }
        }
        if (r < 0)
            s_error(p, p->line, "'%s' expects testpattern or v4l2, got '%s'", k->name, value);
        break;
    case S_LOGLEVEL:
        if (cs_log_parse_priority(value, field) < 0)
            s_error(p, p->line, "'%s' expects err, warning, notice, info or debug, got '%s'",
                    k->name, value);
        break;
    case S_COMPRESSION:
        s_set_compression(p, k, value);
        break;
    }
}

#define S_CONTROL_PREFIX "control."

/* "control.<name> = <integer>" in [camerad]: a name as v4l2-ctl lists controls (lower case,
 * digits and '_'), checked against the device when it is opened. */
static void
s_set_control(struct s_parser *p, const char *key, const char *value)
{
    struct cs_conf *c = p->conf;
    const char *name = key + strlen(S_CONTROL_PREFIX);
    struct cs_conf_control *ctl;
    size_t len = strlen(name);

    if (len == 0 || len >= CS_CONTROL_NAME_MAX
        || name[strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_")] != '\0') {
        s_error(p, p->line,
                "'%s': a control name is 1 to %d characters of a-z 0-9 _ (as v4l2-ctl "
                "--list-ctrls shows it)",
                key, CS_CONTROL_NAME_MAX - 1);
        return;
    }
    for (unsigned i = 0; i < c->camerad.n_controls; i++) {
        if (strcmp(c->camerad.controls[i].name, name) == 0) {
            s_error(p, p->line, "duplicate key '%s' in [camerad] (first set on line %u)", key,
                    c->camerad.controls[i].line);
            return;
        }
    }
    if (c->camerad.n_controls == CS_CONTROLS_MAX) {
        s_error(p, p->line, "at most %d control.<name> keys", CS_CONTROLS_MAX);
        return;
    }
    if (value[0] == '\0') {
        s_error(p, p->line, "key '%s' has an empty value", key);
        return;
    }
    ctl = &c->camerad.controls[c->camerad.n_controls];
    if (cs_parse_i64(value, INT64_MIN, INT64_MAX, &ctl->value) < 0) {
        s_error(p, p->line, "'%s' expects a whole number, got '%s'", key, value);
        return;
    }
    (void) cs_strlcpy(ctl->name, name, sizeof ctl->name);
    ctl->line = p->line;
    c->camerad.n_controls++;
}

static int
s_on_key(void *user, const char *section, const char *name, const char *value)
{
    struct s_parser *p = user;

    if (section[0] == '\0') {
        s_error(p, p->line, "key '%s' before the first [section]", name);
        return 1;
    }
    if (!s_section_known(section))
        return 1; /* already reported on its header line */
    if (strcmp(section, "camerad") == 0
        && strncmp(name, S_CONTROL_PREFIX, strlen(S_CONTROL_PREFIX)) == 0) {
        s_set_control(p, name, value);
        return 1;
    }
    for (size_t i = 0; i < S_N_KEYS; i++) {
        const struct s_key *k = &s_keys[i];

        if (strcmp(k->section, section) != 0 || strcmp(k->name, name) != 0)
            continue;
        if (p->set_on[i]) {
            s_error(p, p->line, "duplicate key '%s' in [%s] (first set on line %u)", name, section,
                    p->set_on[i]);
            return 1;
        }
        p->set_on[i] = p->line;
        if (value[0] == '\0') {
            s_error(p, p->line, "key '%s' has an empty value", name);
            return 1;
        }
        s_set_value(p, k, value);
        return 1;
    }
    s_error(p, p->line, "unknown key '%s' in [%s]", name, section);
    return 1; /* errors are collected in p; inih's own are for syntax */
}

void
cs_conf_defaults(struct cs_conf *conf, const char *path)
{
    memset(conf, 0, sizeof *conf);
    (void) cs_strlcpy(conf->path, path, sizeof conf->path);
    (void) cs_strlcpy(conf->stack.stream, "cam1", sizeof conf->stack.stream);
    (void) cs_strlcpy(conf->stack.runtime_dir, "/run/camstack", sizeof conf->stack.runtime_dir);
    conf->stack.ipc_send_buffer_kb = 4096;
    conf->camerad.source = CS_SOURCE_TESTPATTERN;
    (void) cs_strlcpy(conf->camerad.device, "/dev/video0", sizeof conf->camerad.device);
    conf->camerad.width = 640;
    conf->camerad.height = 480;
    conf->camerad.pixel_format = CS_PIXFMT_GREY;
    conf->camerad.fps = 30;
    conf->camerad.wait_subscribers = CS_WAIT_AUTO;
    conf->camerad.frames = 0;
    conf->camerad.send_buffer_mb = 64;
    conf->camerad.buffers = 4;
    conf->camerad.allow_format_fallback = false;
    conf->pubd.ingest_buffer_mb = 64;
    conf->pubd.subscriber_buffer_mb = 256;
    conf->pubd.tcp_subscriber_buffer_mb = 64;
    conf->pubd.linger_ms = 2000;
    (void) cs_strlcpy(conf->analyzerd.directory, "/var/lib/camstack/stats",
                      sizeof conf->analyzerd.directory);
    conf->analyzerd.receive_buffer_mb = 64;
    conf->analyzerd.drain_timeout_ms = 2000;
    conf->analyzerd.publish_stats = true;
    (void) cs_strlcpy(conf->saverd.directory, "/var/lib/camstack/movies",
                      sizeof conf->saverd.directory);
    conf->saverd.receive_buffer_mb = 256;
    conf->saverd.drain_timeout_ms = 2000;
    (void) cs_strlcpy(conf->security.authorized_keys_dir, "/etc/camstack/authorized_keys",
                      sizeof conf->security.authorized_keys_dir);
    conf->security.allow_insecure_remote = false;
    conf->saverd.queue_mb = 1024;
    conf->saverd.flush_interval_ms = 1000;
    conf->saverd.swmr = true;
    conf->saverd.max_frames_per_file = 0;
    conf->saverd.max_bytes_per_file = 0;
    conf->saverd.compression.method = CS_COMPRESSION_NONE;
    conf->saverd.compression.level = 0;
    conf->log.level = LOG_INFO;
}

/* Writes "ipc://<runtime_dir>/<name>" into @out. */
static void
s_runtime_endpoint(struct s_parser *p, const char *name, char *out)
{
    const char *rt = p->conf->stack.runtime_dir;

    /* The longest name placed there is "analyzerd.control". */
    const int rt_max = S_IPC_PATH_MAX - 1 - (int) strlen("analyzerd.control");

    /* runtime_dir is normalised: only "/" itself ends with a slash. */
    const char *sep = strcmp(rt, "/") == 0 ? "" : "/";

    if (strlen(rt) + 1 + strlen(name) > S_IPC_PATH_MAX
        || snprintf(out, CS_ENDPOINT_MAX, "ipc://%s%s%s", rt, sep, name) >= CS_ENDPOINT_MAX)
        s_error(p, 0, "runtime_dir '%s' is too long for ipc endpoints (at most %d bytes)", rt,
                rt_max);
}

/* The line where [@section] @name was set, 0 if it was not. */
static unsigned
s_key_line(const struct s_parser *p, const char *section, const char *name)
{
    for (size_t i = 0; i < S_N_KEYS; i++) {
        if (strcmp(s_keys[i].section, section) == 0 && strcmp(s_keys[i].name, name) == 0)
            return p->set_on[i];
    }
    return 0;
}

/* What subscribers connect to when subscribe is not set: the first ipc publish endpoint, else
 * the first one. */
static const char *
s_subscribe_default(const struct cs_conf *c)
{
    for (unsigned i = 0; i < c->endpoints.n_publish; i++) {
        if (cs_endpoint_is_ipc(c->endpoints.publish[i]))
            return c->endpoints.publish[i];
    }
    return c->endpoints.publish[0];
}

/* Endpoints not given in the file live in the runtime directory. */
static void
s_default_endpoints(struct s_parser *p)
{
    struct cs_conf *c = p->conf;
    char name[64];

    if (!c->endpoints.ingest[0])
        s_runtime_endpoint(p, "ingest", c->endpoints.ingest);
    /* publish is a comma-separated list: a default endpoint with a comma in it could not be
     * written in the file, and --check-config would print a file that does not load. */
    if (c->endpoints.n_publish == 0 && strchr(c->stack.runtime_dir, ','))
        s_error(p, s_key_line(p, "stack", "runtime_dir"),
                "runtime_dir '%s' must not contain ',' when publish is not set (publish is a "
                "comma-separated list)",
                c->stack.runtime_dir);
    if (c->endpoints.n_publish == 0) {
        s_runtime_endpoint(p, "frames", c->endpoints.publish[0]);
        c->endpoints.n_publish = 1;
    }
    if (!c->endpoints.subscribe[0]) {
        const char *first = s_subscribe_default(c);

        /* A wildcard cannot be connected to: subscribe stays empty, reported by
         * s_check_subscribe() unless the endpoint itself is refused first. */
        if (!strchr(first, '*'))
            (void) cs_strlcpy(c->endpoints.subscribe, first, CS_ENDPOINT_MAX);
    }
    for (int d = 0; d < CS_DAEMON_COUNT; d++) {
        if (c->endpoints.control[d][0])
            continue;
        (void) snprintf(name, sizeof name, "%s.control", cs_daemon_name(d));
        s_runtime_endpoint(p, name, c->endpoints.control[d]);
    }
}

/* Secure by default: nothing is reachable from other hosts without CURVE unless the file
 * says allow_insecure_remote = yes. Only publish endpoints can use CURVE; pubd's ingest and
 * the control endpoints must stay on this host. */
static void
s_check_security(struct s_parser *p)
{
    const struct cs_conf *c = p->conf;
    bool insecure_ok = c->security.allow_insecure_remote;
    bool curve = c->security.server_certificate[0] != '\0';

    for (unsigned i = 0; i < c->endpoints.n_publish; i++) {
        if (cs_endpoint_is_remote(c->endpoints.publish[i]) && !curve && !insecure_ok)
            s_error(p, s_key_line(p, "endpoints", "publish"),
                    "publish endpoint '%s' is reachable from other hosts but [security] "
                    "server_certificate is not set: create pubd's certificate with "
                    "'camstack-keygen pubd' and set server_certificate to use CURVE, bind it to "
                    "127.0.0.1, or set allow_insecure_remote = yes to publish to anyone who can "
                    "reach it",
                    c->endpoints.publish[i]);
    }
    if (cs_endpoint_is_remote(c->endpoints.ingest) && !insecure_ok)
        s_error(p, s_key_line(p, "endpoints", "ingest"),
                "ingest endpoint '%s' is reachable from other hosts and cannot use CURVE: bind "
                "it to 127.0.0.1 (or ipc), or set [security] allow_insecure_remote = yes",
                c->endpoints.ingest);
    for (int d = 0; d < CS_DAEMON_COUNT; d++) {
        char key[32];

        (void) snprintf(key, sizeof key, "control_%s", cs_daemon_name(d));
        if (cs_endpoint_is_remote(c->endpoints.control[d]) && !insecure_ok)
            s_error(p, s_key_line(p, "endpoints", key),
                    "%s endpoint '%s' is reachable from other hosts and cannot use CURVE: bind "
                    "it to 127.0.0.1 (or ipc), or set [security] allow_insecure_remote = yes",
                    key, c->endpoints.control[d]);
    }
    if (cs_endpoint_is_remote(c->endpoints.subscribe) && !c->security.client_certificate[0]
        && !insecure_ok)
        s_error(p, s_key_line(p, "endpoints", "subscribe"),
                "subscribe endpoint '%s' is on another host but [security] client_certificate "
                "is not set: create this subscriber's certificate with 'camstack-keygen NAME', "
                "set client_certificate and server_certificate (pubd's public certificate), or "
                "set allow_insecure_remote = yes",
                c->endpoints.subscribe);
    if (c->security.client_certificate[0] && !curve)
        s_error(p, s_key_line(p, "security", "client_certificate"),
                "client_certificate needs server_certificate: the public certificate of the "
                "pubd to connect to");
}

/* The subscribe endpoint s_default_endpoints() could not take from publish. Checked after the
 * security rules: a wildcard publish endpoint without CURVE is refused for that, on its line,
 * before anyone needs to connect to it. */
static void
s_check_subscribe(struct s_parser *p)
{
    const struct cs_conf *c = p->conf;

    if (c->endpoints.subscribe[0])
        return;
    s_error(p, s_key_line(p, "endpoints", "publish"),
            "[endpoints] subscribe must be set when the first publish endpoint '%s' has a "
            "wildcard address",
            s_subscribe_default(c));
}

/* Checks that involve more than one key. */
static void
s_check_whole(struct s_parser *p)
{
    struct cs_conf *c = p->conf;
    uint64_t bytes = cs_conf_frame_bytes(c);
    unsigned line = s_key_line(p, "camerad", "pixel_format");
    const struct cs_pixfmt_info *pi = cs_pixfmt_info(c->camerad.pixel_format);
    if (c->camerad.width % pi->width_multiple) {
        char rule[64] = "an even width";

        if (pi->width_multiple != 2)
            (void) snprintf(rule, sizeof rule, "a width that is a multiple of %u",
                            pi->width_multiple);
        s_error(p, line, "pixel_format %s needs %s, got %u", pi->name, rule, c->camerad.width);
    }
    if (bytes > UINT32_MAX)
        s_error(p, line, "a %ux%u %s frame is larger than 4 GiB", c->camerad.width,
                c->camerad.height, cs_pixfmt_info(c->camerad.pixel_format)->name);
    /* The LZ4 filter's chunks hold at most 2 GiB. */
    if (c->saverd.compression.method == CS_COMPRESSION_LZ4 && bytes > INT32_MAX)
        s_error(p, line, "a %ux%u %s frame is too large for compression = lz4 (2 GiB at most)",
                c->camerad.width, c->camerad.height, cs_pixfmt_info(c->camerad.pixel_format)->name);
    s_default_endpoints(p);
    s_check_security(p);
    if (!p->failed)
        s_check_subscribe(p);
}

/* What kind of file @mode is, for the error about one that is not a regular file. */
static const char *
s_file_kind(mode_t mode)
{
    if (S_ISDIR(mode))
        return "a directory";
    if (S_ISFIFO(mode))
        return "a FIFO";
    if (S_ISSOCK(mode))
        return "a socket";
    if (S_ISCHR(mode) || S_ISBLK(mode))
        return "a device";
    return "a special file";
}

/* Opens @path for reading, refusing anything but a regular file: a FIFO would block the
 * daemon (open waits for a writer, a read for data) and a device could never end. O_NONBLOCK
 * keeps the open itself from waiting; it is of no effect on the regular file kept. */
static int
s_open_regular(const char *path, FILE **ret_file, char *reterr_msg, size_t msg_size)
{
    struct stat st;
    int fd, r;

    fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        r = -errno;
        /* A unix socket cannot be opened at all (ENXIO): say what it is. */
        if (r == -ENXIO && stat(path, &st) == 0 && !S_ISREG(st.st_mode))
            goto not_regular;
        (void) snprintf(reterr_msg, msg_size, "%s: cannot open: %s", path, strerror(-r));
        return r;
    }
    if (fstat(fd, &st) < 0) {
        r = -errno;
        (void) close(fd);
        (void) snprintf(reterr_msg, msg_size, "%s: cannot open: %s", path, strerror(-r));
        return r;
    }
    if (!S_ISREG(st.st_mode)) {
        (void) close(fd);
        goto not_regular;
    }
    *ret_file = fdopen(fd, "re");
    if (!*ret_file) {
        r = -errno;
        (void) close(fd);
        (void) snprintf(reterr_msg, msg_size, "%s: cannot open: %s", path, strerror(-r));
        return r;
    }
    return 0;
not_regular:
    (void) snprintf(reterr_msg, msg_size, "%s: is %s, not a regular file", path,
                    s_file_kind(st.st_mode));
    return -EINVAL;
}

int
cs_conf_load(const char *path, struct cs_conf *conf, char *reterr_msg, size_t msg_size)
{
    struct s_parser p = { .conf = conf, .err = reterr_msg, .err_size = msg_size };
    char tmp[PATH_MAX];
    int r;

    cs_conf_defaults(conf, path);
    if (cs_strlcpy(tmp, path, sizeof tmp) < 0) {
        (void) snprintf(reterr_msg, msg_size, "%s: path too long", path);
        return -ENAMETOOLONG;
    }
    /* Absolute, so that what is resolved against it does not depend on the working
     * directory of the daemon that reads it. */
    if (!realpath(dirname(tmp), p.dir)) {
        r = -errno;
        (void) snprintf(reterr_msg, msg_size, "%s: cannot open: %s", path, strerror(-r));
        return r;
    }
    r = s_open_regular(path, &p.file, reterr_msg, msg_size);
    if (r < 0)
        return r;
    r = ini_parse_stream(s_read_line, &p, s_on_key, &p);
    if (r > 0)
        s_error(&p, (unsigned) r, S_SYNTAX_ERROR);
    else if (r < 0 || ferror(p.file))
        s_error(&p, 0, "read error");
    (void) fclose(p.file);
    if (!p.failed)
        s_check_whole(&p);
    return p.failed ? -EINVAL : 0;
}

static void
s_dump_value(const struct cs_conf *conf, const struct s_key *k, FILE *out)
{
    const void *field = (const char *) conf + k->offset;

    switch (k->type) {
    case S_STRING:
    case S_STREAM:
    case S_PATH:
    case S_ENDPOINT:
        (void) fprintf(out, "%s", (const char *) field);
        break;
    case S_ENDPOINTS:
        for (unsigned i = 0; i < conf->endpoints.n_publish; i++)
            (void) fprintf(out, "%s%s", i ? ", " : "", conf->endpoints.publish[i]);
        break;
    case S_WAIT:
        if (*(const uint32_t *) field == CS_WAIT_AUTO) {
            (void) fprintf(out, "auto");
            break;
        }
        (void) fprintf(out, "%u", *(const uint32_t *) field);
        break;
    case S_U32:
        (void) fprintf(out, "%u", *(const uint32_t *) field);
        break;
    case S_U64:
        (void) fprintf(out, "%llu", (unsigned long long) *(const uint64_t *) field);
        break;
    case S_DOUBLE: {
        /* The shortest text that reads back as the same double. */
        double v = *(const double *) field;
        char buf[32];

        for (int digits = 6; digits <= 17; digits++) {
            (void) snprintf(buf, sizeof buf, "%.*g", digits, v);
            if (strtod(buf, NULL) == v)
                break;
        }
        (void) fprintf(out, "%s", buf);
        break;
    }
    case S_BOOL:
        (void) fprintf(out, "%s", *(const bool *) field ? "yes" : "no");
        break;
    case S_PIXFMT:
        (void) fprintf(out, "%s", cs_pixfmt_info(*(const enum cs_pixfmt *) field)->name);
        break;
    case S_SOURCE:
        (void) fprintf(out, "%s", s_source_names[*(const enum cs_source *) field]);
        break;
    case S_LOGLEVEL:
        (void) fprintf(out, "%s", s_level_names[*(const int *) field & 7]);
        break;
    case S_COMPRESSION:
        (void) fprintf(out, "%s", cs_compression_name(conf->saverd.compression.method));
        if (conf->saverd.compression.method == CS_COMPRESSION_DEFLATE)
            (void) fprintf(out, ":%u", conf->saverd.compression.level);
        break;
    }
}

void
cs_conf_dump(const struct cs_conf *conf, FILE *out)
{
    const char *section = "";

    (void) fprintf(out, "# values in effect for %s\n", conf->path);
    for (size_t i = 0; i < S_N_KEYS; i++) {
        const struct s_key *k = &s_keys[i];

        if (strcmp(section, k->section) != 0) {
            section = k->section;
            (void) fprintf(out, "\n[%s]\n", section);
        }
        if (k->type == S_PATH && !*((const char *) conf + k->offset)) {
            (void) fprintf(out, "# %s is not set\n", k->name);
            continue;
        }
        (void) fprintf(out, "%s = ", k->name);
        s_dump_value(conf, k, out);
        (void) fputc('\n', out);
        if (strcmp(k->section, "camerad") == 0
            && (i + 1 == S_N_KEYS || strcmp(s_keys[i + 1].section, "camerad") != 0)) {
            for (unsigned j = 0; j < conf->camerad.n_controls; j++)
                (void) fprintf(out, "%s%s = %lld\n", S_CONTROL_PREFIX,
                               conf->camerad.controls[j].name,
                               (long long) conf->camerad.controls[j].value);
        }
    }
}

uint64_t
cs_conf_frame_bytes(const struct cs_conf *conf)
{
    return cs_pixfmt_frame_bytes(conf->camerad.pixel_format, conf->camerad.width,
                                 conf->camerad.height);
}

bool
cs_conf_source_waits(const struct cs_conf *conf)
{
    return conf->camerad.source == CS_SOURCE_TESTPATTERN && conf->camerad.fps == 0;
}

int
cs_conf_hwm(uint32_t budget_mb, uint64_t frame_bytes)
{
    uint64_t n = ((uint64_t) budget_mb << 20) / (frame_bytes ? frame_bytes : 1);

    if (n < 2)
        n = 2;
    if (n > 1000000)
        n = 1000000;
    return (int) n;
}
