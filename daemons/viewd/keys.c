/* viewd's section of the config file, [viewd]: where its HTTP server listens and how it is
 * protected, and how the live view is drawn. pubd reads fps too: it is the rate of the
 * sampled preview topic it publishes for viewd. */
#include "confkey.h"
#include "keys.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "endpoint.h"
#include "util.h"

static const char *const s_colour_map_names[CS_COLOUR_MAP_COUNT] = { "grey", "heat" };

const char *
cs_colour_map_name(enum cs_colour_map m)
{
    return m < CS_COLOUR_MAP_COUNT ? s_colour_map_names[m] : "?";
}

static int
s_parse_colour_map(struct cs_conf_value *v)
{
    for (int m = 0; m < CS_COLOUR_MAP_COUNT; m++) {
        if (strcmp(v->text, s_colour_map_names[m]) == 0) {
            v->conf->viewd.colour_map = (enum cs_colour_map) m;
            return 0;
        }
    }
    return cs_conf_value_error(v, "'%s' expects grey or heat, got '%s'", v->name, v->text);
}

static void
s_print_colour_map(const struct cs_conf_key *key, const struct cs_conf *conf, char *buf,
                   size_t size)
{
    (void) cs_strlcpy(buf, cs_colour_map_name(conf->viewd.colour_map), size);
}

static void
s_colour_map_choices(char *buf, size_t size)
{
    (void) cs_strlcpy(buf, "grey or heat", size);
}

static const struct cs_conf_type s_colour_map_type = { .parse = s_parse_colour_map,
                                                       .print = s_print_colour_map,
                                                       .choices = s_colour_map_choices };

/* auto | LOW-HIGH, two sample values with LOW < HIGH. */
static int
s_parse_y16_range(struct cs_conf_value *v)
{
    struct cs_conf *c = v->conf;
    const char *dash = strchr(v->text, '-');
    uint64_t lo = 0, hi = 0;
    char first[16];

    if (strcmp(v->text, "auto") == 0) {
        c->viewd.y16_low = c->viewd.y16_high = 0;
        return 0;
    }
    if (dash && (size_t) (dash - v->text) < sizeof first) {
        memcpy(first, v->text, (size_t) (dash - v->text));
        first[dash - v->text] = '\0';
        if (cs_parse_u64(first, 0, 65535, &lo) == 0 && cs_parse_u64(dash + 1, 0, 65535, &hi) == 0
            && lo < hi) {
            c->viewd.y16_low = (uint16_t) lo;
            c->viewd.y16_high = (uint16_t) hi;
            return 0;
        }
    }
    return cs_conf_value_error(
        v, "'%s' expects auto or LOW-HIGH (0 to 65535, LOW < HIGH), got '%s'", v->name, v->text);
}

static void
s_print_y16_range(const struct cs_conf_key *key, const struct cs_conf *conf, char *buf, size_t size)
{
    if (conf->viewd.y16_low == conf->viewd.y16_high)
        (void) cs_strlcpy(buf, "auto", size);
    else
        (void) snprintf(buf, size, "%u-%u", conf->viewd.y16_low, conf->viewd.y16_high);
}

static const struct cs_conf_type s_y16_range_type = { .parse = s_parse_y16_range,
                                                      .print = s_print_y16_range };

/* An IPv4 or IPv6 address, as written (no host names: no resolver at startup). */
static int
s_parse_address(struct cs_conf_value *v)
{
    unsigned char buf[sizeof(struct in6_addr)];

    if (strlen(v->text) >= sizeof v->conf->viewd.listen
        || (inet_pton(AF_INET, v->text, buf) != 1 && inet_pton(AF_INET6, v->text, buf) != 1))
        return cs_conf_value_error(v, "'%s' expects an IPv4 or IPv6 address, got '%s'", v->name,
                                   v->text);
    (void) cs_strlcpy(v->conf->viewd.listen, v->text, sizeof v->conf->viewd.listen);
    return 0;
}

static void
s_print_address(const struct cs_conf_key *key, const struct cs_conf *conf, char *buf, size_t size)
{
    (void) cs_strlcpy(buf, conf->viewd.listen, size);
}

static const struct cs_conf_type s_address_type = { .parse = s_parse_address,
                                                    .print = s_print_address };

#define S_VIEWD CS_READ(CS_DAEMON_VIEWD)

static const struct cs_conf_key s_keys[] = {
    {
        .name = "listen",
        .type = &s_address_type,
        CS_CONF_FIELD(viewd.listen),
        .def = "127.0.0.1",
        .help = "The address the HTTP server listens on",
        .more = "An address other hosts can reach needs `tls_certificate`, `tls_key` and "
                "`token_file`: the page is then served over HTTPS to those who log in.",
        .readers = S_VIEWD,
    },
    {
        .name = "port",
        .type = &cs_conf_u32,
        CS_CONF_FIELD(viewd.port),
        .min = 0,
        .max = 65535,
        .def = "8480",
        .help = "The TCP port of the HTTP server (0: any free port, named in the log and status)",
        .readers = S_VIEWD,
    },
    {
        .name = "fps",
        .type = &cs_conf_double,
        CS_CONF_FIELD(viewd.fps),
        .min = 0.1,
        .max = 60,
        .def = "10",
        .help = "Frames per second of the live view: the rate of pubd's `preview/<stream>` "
                "topic and of the MJPEG stream",
        .readers = S_VIEWD | CS_READ(CS_DAEMON_PUBD),
    },
    {
        .name = "max_width",
        .type = &cs_conf_u32,
        CS_CONF_FIELD(viewd.max_width),
        .min = 16,
        .max = 65535,
        .def = "960",
        .help = "Wider frames are scaled down to this width (by a whole factor) for viewing",
        .readers = S_VIEWD,
    },
    {
        .name = "jpeg_quality",
        .type = &cs_conf_u32,
        CS_CONF_FIELD(viewd.jpeg_quality),
        .min = 1,
        .max = 100,
        .def = "85",
        .help = "The JPEG quality of the live view",
        .readers = S_VIEWD,
    },
    {
        .name = "y16_range",
        .type = &s_y16_range_type,
        CS_CONF_FIELD(viewd.y16_low),
        .def = "auto",
        .help = "How 16-bit grey is shown: `auto` stretches each frame's own range to black "
                "and white, LOW-HIGH a fixed range",
        .readers = S_VIEWD,
    },
    {
        .name = "colour_map",
        .type = &s_colour_map_type,
        CS_CONF_FIELD(viewd.colour_map),
        .def = "grey",
        .help = "How grey frames are coloured for viewing: `grey`, or the false colours of "
                "`heat` (black, red, yellow, white)",
        .readers = S_VIEWD,
    },
    {
        .name = "tls_certificate",
        .type = &cs_conf_path,
        CS_CONF_FIELD(viewd.tls_certificate),
        .unset = "not set: plain HTTP",
        .example = "/etc/camstack/viewd.crt",
        .help = "The PEM certificate (chain) of HTTPS; with `tls_key`, the page is served "
                "over HTTPS only",
        .readers = S_VIEWD,
    },
    {
        .name = "tls_key",
        .type = &cs_conf_path,
        CS_CONF_FIELD(viewd.tls_key),
        .unset = "not set",
        .example = "/etc/camstack/viewd.key",
        .help = "The PEM private key of `tls_certificate`",
        .readers = S_VIEWD,
    },
    {
        .name = "token_file",
        .type = &cs_conf_path,
        CS_CONF_FIELD(viewd.token_file),
        .unset = "not set: no login",
        .example = "/etc/camstack/viewd.token",
        .help = "A file whose first line is the login token: every request must then carry it "
                "(HTTP Basic auth with it as the password, or `Authorization: Bearer`)",
        .readers = S_VIEWD,
    },
    {
        .name = "max_clients",
        .type = &cs_conf_u32,
        CS_CONF_FIELD(viewd.max_clients),
        .min = 1,
        .max = 1024,
        .def = "64",
        .help = "HTTP connections served at once (a quarter of them per client address); more "
                "are refused",
        .readers = S_VIEWD,
    },
};

/* A listen address other hosts can reach needs HTTPS and a login, as a remote publish
 * endpoint needs CURVE. */
static void
s_check(cs_conf_parser_t *p)
{
    const struct cs_conf *c = cs_conf_parser_conf(p);
    char ep[CS_ENDPOINT_MAX];
    bool tls = c->viewd.tls_certificate[0] && c->viewd.tls_key[0];

    if (!c->viewd.tls_certificate[0] != !c->viewd.tls_key[0])
        cs_conf_parser_error(
            p, cs_conf_parser_line(p, "viewd", c->viewd.tls_key[0] ? "tls_key" : "tls_certificate"),
            "tls_certificate and tls_key go together: set both or neither");
    (void) snprintf(ep, sizeof ep, strchr(c->viewd.listen, ':') ? "tcp://[%s]:1" : "tcp://%s:1",
                    c->viewd.listen);
    if (cs_endpoint_is_remote(ep) && (!tls || !c->viewd.token_file[0]))
        cs_conf_parser_error(p, cs_conf_parser_line(p, "viewd", "listen"),
                             "listen address '%s' is reachable from other hosts but the page "
                             "would be %s: set tls_certificate, tls_key and token_file, or "
                             "listen on 127.0.0.1",
                             c->viewd.listen,
                             !tls ? "served without HTTPS" : "served without a login");
}

const struct cs_conf_section viewd_conf_section = {
    .name = "viewd",
    .help = "viewd, the browser live view (docs/VIEW.md): its HTTP server and what it shows.",
    .keys = s_keys,
    .n_keys = sizeof s_keys / sizeof s_keys[0],
    .check = s_check,
};
