/* The sections every daemon shares: [stack], [endpoints], [security] and [log], with the
 * endpoints' defaults (in runtime_dir) and the rules that keep the stack secure by default. */
#include "stackkeys.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "endpoint.h"
#include "log.h"
#include "util.h"

/* ---- [stack] ---- */

static const struct cs_conf_key s_stack_keys[] = {
    {
        .name = "stream",
        .type = &cs_conf_stream,
        CS_CONF_FIELD(stack.stream),
        .def = "cam1",
        .help = "Name of the camera stream: topics are `frame/<stream>` and `stats/<stream>`, "
                "file names start with it",
        .more = "1 to 63 characters of A-Z a-z 0-9 _ . -",
        .readers = CS_READ_ALL,
    },
    {
        .name = "runtime_dir",
        .type = &cs_conf_path,
        CS_CONF_FIELD(stack.runtime_dir),
        .def = "/run/camstack",
        .help = "Directory of the default ipc endpoints (under systemd: "
                "`RuntimeDirectory=camstack`)",
        .readers = CS_READ_ALL,
    },
    {
        .name = "ipc_send_buffer_kb",
        .type = &cs_conf_u32,
        CS_CONF_FIELD(stack.ipc_send_buffer_kb),
        .min = 0,
        .max = 65536,
        .def = "4096",
        .help = "Kernel send buffer, in KiB, of each ipc connection that carries frames "
                "(camerad to pubd, pubd to each local subscriber); `0` keeps the kernel's "
                "default (208 KiB)",
        .more = "A frame of megabytes then crosses in a few writes instead of dozens, each of "
                "which wakes both ends. The kernel caps it at net.core.wmem_max, which "
                "camstack's /usr/lib/sysctl.d/60-camstack.conf raises to 4 MiB; pubd and camerad "
                "log at notice if they get less. tcp connections are sized by the kernel's own "
                "tuning.",
        .readers = CS_READ(CS_DAEMON_CAMERAD) | CS_READ(CS_DAEMON_PUBD),
    },
};

const struct cs_conf_section cs_stack_section = {
    .name = "stack",
    .keys = s_stack_keys,
    .n_keys = sizeof s_stack_keys / sizeof s_stack_keys[0],
};

/* ---- [endpoints] ---- */

/* publish: a comma-separated list of endpoints, blanks around each removed. */
static int
s_parse_endpoints(struct cs_conf_value *v)
{
    struct cs_conf *c = v->conf;
    char buf[CS_ENDPOINT_MAX * CS_ENDPOINTS_MAX], *save = NULL, *tok;
    int r;

    if (cs_strlcpy(buf, v->text, sizeof buf) < 0)
        return cs_conf_value_error(v, "'%s': value too long", v->name);
    c->endpoints.n_publish = 0;
    for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *end;

        while (cs_conf_is_blank(*tok))
            tok++;
        end = tok + strlen(tok);
        while (end > tok && cs_conf_is_blank(end[-1]))
            *--end = '\0';
        if (c->endpoints.n_publish == CS_ENDPOINTS_MAX)
            return cs_conf_value_error(v, "'%s': at most %d endpoints", v->name, CS_ENDPOINTS_MAX);
        r = cs_conf_parse_endpoint(v, tok, c->endpoints.publish[c->endpoints.n_publish],
                                   CS_ENDPOINT_MAX);
        if (r < 0)
            return r;
        c->endpoints.n_publish++;
    }
    if (c->endpoints.n_publish == 0)
        return cs_conf_value_error(v, "'%s' expects a comma-separated list of endpoints", v->name);
    return 0;
}

static void
s_print_endpoints(const struct cs_conf_key *key, const struct cs_conf *conf, char *buf, size_t size)
{
    size_t len = 0;

    buf[0] = '\0';
    for (unsigned i = 0; i < conf->endpoints.n_publish && len < size; i++) {
        int n = snprintf(buf + len, size - len, "%s%s", i ? ", " : "", conf->endpoints.publish[i]);

        len += n > 0 ? (size_t) n : 0;
    }
}

static const struct cs_conf_type s_endpoints_type = { .parse = s_parse_endpoints,
                                                      .print = s_print_endpoints };

/* The producers of the roles table: they ask the fan-out's control endpoint for its frame
 * subscribers before the first run. */
#define S_PRODUCER_BIT(id, n, role, optional) \
    | ((role) == CS_ROLE_PRODUCER ? CS_READ(CS_DAEMON_##id) : 0u)
enum { S_PRODUCERS = 0u CS_DAEMON_ROWS(S_PRODUCER_BIT) };

/* The samplers of the roles table: the live view asks every daemon for its status. */
#define S_SAMPLER_BIT(id, n, role, optional) \
    | ((role) == CS_ROLE_SAMPLER ? CS_READ(CS_DAEMON_##id) : 0u)
enum { S_SAMPLERS = 0u CS_DAEMON_ROWS(S_SAMPLER_BIT) };
#undef S_PRODUCER_BIT
#undef S_SAMPLER_BIT

/* control_<name>: one key per row of the roles table, so that a new daemon has its control
 * endpoint without a line here. */
#define S_CONTROL_KEY(id, n, role, optional)                                                      \
    {                                                                                             \
        .name = "control_" n,                                                                     \
        .type = &cs_conf_endpoint,                                                                \
        CS_CONF_FIELD(endpoints.control[CS_DAEMON_##id]),                                         \
        .unset = "`ipc://<runtime_dir>/" n ".control`",                                           \
        .example = "ipc:///run/camstack/" n ".control",                                           \
        .help = n "'s control endpoint, where camstackctl asks (`help` lists its commands)",      \
        .readers =                                                                                \
            CS_READ(CS_DAEMON_##id) | S_SAMPLERS | ((role) == CS_ROLE_FANOUT ? S_PRODUCERS : 0u), \
    },

static const struct cs_conf_key s_endpoints_keys[] = {
    {
        .name = "ingest",
        .type = &cs_conf_endpoint,
        CS_CONF_FIELD(endpoints.ingest),
        .unset = "`ipc://<runtime_dir>/ingest`",
        .example = "ipc:///run/camstack/ingest",
        .help = "pubd's PULL socket, where camerad pushes frames and analyzerd pushes statistics",
        .readers =
            CS_READ(CS_DAEMON_CAMERAD) | CS_READ(CS_DAEMON_PUBD) | CS_READ(CS_DAEMON_ANALYZERD),
    },
    {
        .name = "publish",
        .type = &s_endpoints_type,
        CS_CONF_FIELD(endpoints.publish),
        .unset = "`ipc://<runtime_dir>/frames`",
        .example = "ipc:///run/camstack/frames",
        .help = "pubd's XPUB sockets, comma-separated (at most " CS_CONF_STR(
            CS_ENDPOINTS_MAX) "): ipc and tcp together, e.g. `ipc:///run/camstack/frames, "
                              "tcp://127.0.0.1:5555`",
        .more = "A tcp endpoint stays on this host when its address is a loopback one "
                "(`tcp://:5555` means `tcp://127.0.0.1:5555`). One that other hosts can reach "
                "(`tcp://0.0.0.0:5555`, `tcp://*:5555`, a LAN address) needs [security] "
                "`server_certificate` (CURVE) or `allow_insecure_remote`.",
        .readers = CS_READ(CS_DAEMON_PUBD) | CS_READ_SUBSCRIBERS,
    },
    {
        .name = "subscribe",
        .type = &cs_conf_endpoint,
        CS_CONF_FIELD(endpoints.subscribe),
        .unset = "the first ipc `publish` endpoint, else the first one",
        .example = "ipc:///run/camstack/frames",
        .help = "What analyzerd, saverd and `camstackctl snapshot` connect to",
        .more = "From another host: `tcp://CAMERA-HOST:PORT`, with [security] "
                "`client_certificate`.",
        .readers = CS_READ_SUBSCRIBERS,
    },
    CS_DAEMON_ROWS(S_CONTROL_KEY)
};

/* Writes "ipc://<runtime_dir>/<name>" into @out. */
static void
s_runtime_endpoint(cs_conf_parser_t *p, const char *name, char *out)
{
    const struct cs_conf *c = cs_conf_parser_conf(p);
    const char *rt = c->stack.runtime_dir;
    size_t longest = strlen("ingest");

    /* runtime_dir is normalised: only "/" itself ends with a slash. */
    const char *sep = strcmp(rt, "/") == 0 ? "" : "/";

    for (int d = 0; d < CS_DAEMON_COUNT; d++) {
        size_t len = strlen(cs_daemon_name(d)) + strlen(".control");

        longest = len > longest ? len : longest;
    }
    if (strlen(rt) + 1 + strlen(name) > CS_IPC_PATH_MAX
        || snprintf(out, CS_ENDPOINT_MAX, "ipc://%s%s%s", rt, sep, name) >= CS_ENDPOINT_MAX)
        cs_conf_parser_error(p, cs_conf_parser_line(p, "stack", "runtime_dir"),
                             "runtime_dir '%s' is too long for ipc endpoints (at most %d bytes)",
                             rt, CS_IPC_PATH_MAX - 1 - (int) longest);
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
s_default_endpoints(cs_conf_parser_t *p)
{
    struct cs_conf *c = cs_conf_parser_conf(p);
    char name[64];

    if (!c->endpoints.ingest[0])
        s_runtime_endpoint(p, "ingest", c->endpoints.ingest);
    /* publish is a comma-separated list: a default endpoint with a comma in it could not be
     * written in the file, and --check-config would print a file that does not load. */
    if (c->endpoints.n_publish == 0 && strchr(c->stack.runtime_dir, ','))
        cs_conf_parser_error(p, cs_conf_parser_line(p, "stack", "runtime_dir"),
                             "runtime_dir '%s' must not contain ',' when publish is not set "
                             "(publish is a comma-separated list)",
                             c->stack.runtime_dir);
    if (c->endpoints.n_publish == 0) {
        s_runtime_endpoint(p, "frames", c->endpoints.publish[0]);
        c->endpoints.n_publish = 1;
    }
    /* A wildcard cannot be connected to: subscribe stays empty, reported by
     * s_check_subscribe() unless the endpoint itself is refused first. */
    if (!c->endpoints.subscribe[0] && !strchr(s_subscribe_default(c), '*'))
        (void) cs_strlcpy(c->endpoints.subscribe, s_subscribe_default(c), CS_ENDPOINT_MAX);
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
s_check_remote(cs_conf_parser_t *p)
{
    const struct cs_conf *c = cs_conf_parser_conf(p);
    bool insecure_ok = c->security.allow_insecure_remote;
    bool curve = c->security.server_certificate[0] != '\0';

    for (unsigned i = 0; i < c->endpoints.n_publish; i++) {
        if (cs_endpoint_is_remote(c->endpoints.publish[i]) && !curve && !insecure_ok)
            cs_conf_parser_error(
                p, cs_conf_parser_line(p, "endpoints", "publish"),
                "publish endpoint '%s' is reachable from other hosts but [security] "
                "server_certificate is not set: create pubd's certificate with 'camstack-keygen "
                "pubd' and set server_certificate to use CURVE, bind it to 127.0.0.1, or set "
                "allow_insecure_remote = yes to publish to anyone who can reach it",
                c->endpoints.publish[i]);
    }
    if (cs_endpoint_is_remote(c->endpoints.ingest) && !insecure_ok)
        cs_conf_parser_error(p, cs_conf_parser_line(p, "endpoints", "ingest"),
                             "ingest endpoint '%s' is reachable from other hosts and cannot use "
                             "CURVE: bind it to 127.0.0.1 (or ipc), or set [security] "
                             "allow_insecure_remote = yes",
                             c->endpoints.ingest);
    for (int d = 0; d < CS_DAEMON_COUNT; d++) {
        char key[32];

        (void) snprintf(key, sizeof key, "control_%s", cs_daemon_name(d));
        if (cs_endpoint_is_remote(c->endpoints.control[d]) && !insecure_ok)
            cs_conf_parser_error(p, cs_conf_parser_line(p, "endpoints", key),
                                 "%s endpoint '%s' is reachable from other hosts and cannot use "
                                 "CURVE: bind it to 127.0.0.1 (or ipc), or set [security] "
                                 "allow_insecure_remote = yes",
                                 key, c->endpoints.control[d]);
    }
    if (cs_endpoint_is_remote(c->endpoints.subscribe) && !c->security.client_certificate[0]
        && !insecure_ok)
        cs_conf_parser_error(
            p, cs_conf_parser_line(p, "endpoints", "subscribe"),
            "subscribe endpoint '%s' is on another host but [security] client_certificate is "
            "not set: create this subscriber's certificate with 'camstack-keygen NAME', set "
            "client_certificate and server_certificate (pubd's public certificate), or set "
            "allow_insecure_remote = yes",
            c->endpoints.subscribe);
}

/* The subscribe endpoint s_default_endpoints() could not take from publish. Checked after the
 * security rules: a wildcard publish endpoint without CURVE is refused for that, on its line,
 * before anyone needs to connect to it. */
static void
s_check_subscribe(cs_conf_parser_t *p)
{
    const struct cs_conf *c = cs_conf_parser_conf(p);

    if (!c->endpoints.subscribe[0])
        cs_conf_parser_error(p, cs_conf_parser_line(p, "endpoints", "publish"),
                             "[endpoints] subscribe must be set when the first publish endpoint "
                             "'%s' has a wildcard address",
                             s_subscribe_default(c));
}

static void
s_check_endpoints(cs_conf_parser_t *p)
{
    s_default_endpoints(p);
    s_check_remote(p);
    if (!cs_conf_parser_failed(p))
        s_check_subscribe(p);
}

const struct cs_conf_section cs_endpoints_section = {
    .name = "endpoints",
    .help = "Every endpoint defaults to an ipc socket in `runtime_dir`. The producer binds, the "
            "consumers connect; the code decides which is which. Endpoints are `ipc://PATH`, "
            "`tcp://HOST:PORT` or `inproc://NAME`.\n"
            "The daemons create each ipc socket file with mode 0660, whatever their umask: only "
            "the stack's user, members of its group and root may connect, that is push to "
            "`ingest`, subscribe, or steer the daemons through their control endpoints. A tcp "
            "endpoint has no such guard: on a loopback address every local user may connect to "
            "it, so keep `ingest` and the control endpoints on ipc. They cannot use CURVE "
            "either.",
    .keys = s_endpoints_keys,
    .n_keys = sizeof s_endpoints_keys / sizeof s_endpoints_keys[0],
    .check = s_check_endpoints,
};

/* ---- [security] ---- */

static const struct cs_conf_key s_security_keys[] = {
    {
        .name = "server_certificate",
        .type = &cs_conf_path,
        CS_CONF_FIELD(security.server_certificate),
        .unset = "not set",
        .example = "/etc/camstack/keys/pubd.key",
        .help = "pubd's certificate: CURVE on every tcp publish endpoint; subscribers read its "
                "public half",
        .more = "pubd reads PATH_secret; subscribers on other hosts read PATH, copied to them, to "
                "know they talk to this pubd.",
        .readers = CS_READ(CS_DAEMON_PUBD) | CS_READ_SUBSCRIBERS,
    },
    {
        .name = "client_certificate",
        .type = &cs_conf_path,
        CS_CONF_FIELD(security.client_certificate),
        .unset = "not set",
        .example = "/etc/camstack/keys/client.key",
        .help = "What analyzerd and saverd present to pubd over tcp with CURVE",
        .more = "They read PATH_secret.",
        .readers = CS_READ_SUBSCRIBERS,
    },
    {
        .name = "authorized_keys_dir",
        .type = &cs_conf_path,
        CS_CONF_FIELD(security.authorized_keys_dir),
        .def = "/etc/camstack/authorized_keys",
        .help = "Public certificates of the clients pubd admits on its CURVE endpoints, one file "
                "each",
        .more = "Read again whenever the directory changes, without a restart.",
        .readers = CS_READ(CS_DAEMON_PUBD),
    },
    {
        .name = "allow_insecure_remote",
        .type = &cs_conf_bool,
        CS_CONF_FIELD(security.allow_insecure_remote),
        .def = "no",
        .help = "`yes`: endpoints other hosts can reach may go without CURVE",
        .more = "Anyone who can reach them then receives the stream (publish) or talks to the "
                "daemons (ingest, control).",
        .readers = CS_READ(CS_DAEMON_PUBD),
    },
};

static void
s_check_security(cs_conf_parser_t *p)
{
    const struct cs_conf *c = cs_conf_parser_conf(p);

    if (c->security.client_certificate[0] && !c->security.server_certificate[0])
        cs_conf_parser_error(p, cs_conf_parser_line(p, "security", "client_certificate"),
                             "client_certificate needs server_certificate: the public "
                             "certificate of the pubd to connect to");
}

const struct cs_conf_section cs_security_section = {
    .name = "security",
    .help = "CURVE (authentication and encryption) for the publish endpoints that other hosts "
            "reach over tcp. The control endpoints and the ingest cannot use it: keep them on "
            "ipc (see [endpoints]). Certificates are the pairs of files camstack-keygen writes: "
            "PATH (the public key) and PATH_secret (the key pair, mode 0600); see README.md, "
            "\"Subscribers on other hosts\".",
    .keys = s_security_keys,
    .n_keys = sizeof s_security_keys / sizeof s_security_keys[0],
    .check = s_check_security,
};

/* ---- [log] ---- */

static const char *const s_level_names[8] = { "emerg",   "alert",  "crit", "err",
                                              "warning", "notice", "info", "debug" };

static int
s_parse_level(struct cs_conf_value *v)
{
    if (cs_log_parse_priority(v->text, v->field) < 0)
        return cs_conf_value_error(v, "'%s' expects err, warning, notice, info or debug, got '%s'",
                                   v->name, v->text);
    return 0;
}

static void
s_print_level(const struct cs_conf_key *key, const struct cs_conf *conf, char *buf, size_t size)
{
    (void) cs_strlcpy(buf, s_level_names[conf->log.level & 7], size);
}

static const struct cs_conf_type s_level_type = { .parse = s_parse_level, .print = s_print_level };

static const struct cs_conf_key s_log_keys[] = {
    {
        .name = "level",
        .type = &s_level_type,
        CS_CONF_FIELD(log.level),
        .def = "info",
        .help = "`err`, `warning`, `notice`, `info` or `debug`: the least urgent messages "
                "written",
        .readers = CS_READ_ALL,
    },
};

const struct cs_conf_section cs_log_section = {
    .name = "log",
    .keys = s_log_keys,
    .n_keys = sizeof s_log_keys / sizeof s_log_keys[0],
};
