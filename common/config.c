/* The parser of the one INI file (with inih, strictly). It knows no section and no key: it
 * iterates over the tables their owners declare (confkey.h), parses each value with its
 * type, reports the error of the earliest line as "path:line: message", and prints the values
 * in effect and the keys each daemon reads from the same tables. */
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#include "confkey.h"
#include "util.h"

#define S_KEYS_MAX 256 /* keys of all sections together */

struct cs_conf_parser {
    struct cs_conf *conf;
    FILE *file;
    char dir[PATH_MAX];          /* the config file's directory */
    unsigned line;               /* the line inih is handling */
    unsigned set_on[S_KEYS_MAX]; /* line where each key was set, 0 if not yet */
    char *err;                   /* the error of the earliest line, "path:line: ..." */
    size_t err_size;
    unsigned err_line;
    bool failed;
};

#define S_SYNTAX_ERROR "syntax error: expected '[section]', 'key = value' or a comment"

void
cs_conf_parser_error(cs_conf_parser_t *p, unsigned line, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    /* The error of the earliest line is the one to fix first, and an error with a line
     * comes before one without. inih reports its syntax errors only at the end of the file,
     * so a later report may still be the earlier line. */
    if (p->failed && !(line && (!p->err_line || line < p->err_line)))
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

struct cs_conf *
cs_conf_parser_conf(cs_conf_parser_t *p)
{
    return p->conf;
}

bool
cs_conf_parser_failed(const cs_conf_parser_t *p)
{
    return p->failed;
}

const struct cs_conf_section *
cs_conf_section(const char *name)
{
    for (size_t i = 0; cs_conf_sections[i]; i++) {
        if (strcmp(name, cs_conf_sections[i]->name) == 0)
            return cs_conf_sections[i];
    }
    return NULL;
}

/* The key of @sec that @name is (a prefix key: that @name starts with), and its index among
 * all keys in @ret_index; NULL if there is none. */
static const struct cs_conf_key *
s_find_key(const struct cs_conf_section *sec, const char *name, size_t *ret_index)
{
    size_t base = 0, i;

    for (i = 0; cs_conf_sections[i] != sec; i++)
        base += cs_conf_sections[i]->n_keys;
    for (i = 0; i < sec->n_keys; i++) {
        const struct cs_conf_key *k = &sec->keys[i];
        size_t len = strlen(k->name);

        if (k->name[len - 1] == '.' ? strncmp(name, k->name, len) == 0
                                    : strcmp(name, k->name) == 0) {
            *ret_index = base + i;
            assert(*ret_index < S_KEYS_MAX);
            return k;
        }
    }
    return NULL;
}

unsigned
cs_conf_parser_line(const cs_conf_parser_t *p, const char *section, const char *key)
{
    const struct cs_conf_section *sec = cs_conf_section(section);
    size_t i;

    assert(sec);
    return s_find_key(sec, key, &i) ? p->set_on[i] : 0;
}

/* "stack, endpoints, ... or log" into @buf. */
static void
s_section_list(char *buf, size_t size)
{
    size_t len = 0;

    buf[0] = '\0';
    for (size_t i = 0; cs_conf_sections[i] && len < size; i++) {
        const char *sep = i == 0 ? "" : cs_conf_sections[i + 1] ? ", " : " or ";
        int n = snprintf(buf + len, size - len, "%s%s", sep, cs_conf_sections[i]->name);

        len += n > 0 ? (size_t) n : 0;
    }
}

/* Checks a line (leading blanks removed, no line end) for what inih would let through:
 * unknown sections, and ':' as the separator of a key and its value. */
static void
s_check_line(cs_conf_parser_t *p, const char *s)
{
    const char *end, *eq, *colon;

    if (*s == '[' && (end = strchr(s, ']'))) {
        char name[128], list[256];
        size_t len = (size_t) (end - s - 1);

        (void) snprintf(name, sizeof name, "%.*s", (int) (len < 127 ? len : 127), s + 1);
        if (!cs_conf_section(name)) {
            s_section_list(list, sizeof list);
            cs_conf_parser_error(p, p->line, "unknown section [%s] (expected %s)", name, list);
        }
        return;
    }
    if (*s == '\0' || *s == ';' || *s == '#' || *s == '[')
        return;
    eq = strchr(s, '=');
    colon = strchr(s, ':');
    if (colon && (!eq || colon < eq))
        cs_conf_parser_error(p, p->line, S_SYNTAX_ERROR);
}

/* inih's reader: one whole line at a time, so that p->line is exact. Leading blanks are
 * removed (inih would otherwise take an indented line for a continuation of the previous
 * value), as is a UTF-8 byte order mark on the first line, and each line is checked by
 * s_check_line() before inih sees it. @num is inih's buffer: a line of up to @num - 2
 * characters and its '\n'. */
static char *
s_read_line(char *str, int num, void *user)
{
    cs_conf_parser_t *p = user;
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
        cs_conf_parser_error(p, p->line, "NUL byte in the line");
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
        cs_conf_parser_error(p, p->line, "line too long (at most %d characters)", num - 2);
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

/* Parses @text as @k's value into p->conf; reports a failure on @line. */
static int
s_parse(cs_conf_parser_t *p, const struct cs_conf_key *k, const char *name, const char *text,
        unsigned line)
{
    char msg[1024];
    struct cs_conf_value v = {
        .key = k,
        .name = name,
        .text = text,
        .field = (char *) p->conf + k->offset,
        .conf = p->conf,
        .dir = p->dir,
        .line = line,
        .err = msg,
        .err_size = sizeof msg,
    };
    int r;

    msg[0] = '\0';
    r = k->type->parse(&v);
    if (r < 0)
        cs_conf_parser_error(p, line, "%s", msg);
    return r;
}

static int
s_on_key(void *user, const char *section, const char *name, const char *value)
{
    cs_conf_parser_t *p = user;
    const struct cs_conf_section *sec;
    const struct cs_conf_key *k;
    size_t i;

    if (section[0] == '\0') {
        cs_conf_parser_error(p, p->line, "key '%s' before the first [section]", name);
        return 1;
    }
    sec = cs_conf_section(section);
    if (!sec)
        return 1; /* already reported on its header line */
    k = s_find_key(sec, name, &i);
    if (!k) {
        cs_conf_parser_error(p, p->line, "unknown key '%s' in [%s]", name, section);
        return 1; /* errors are collected in p; inih's own are for syntax */
    }
    /* A prefix key's type sees every key it covers, and tells them apart itself. */
    if (k->name[strlen(k->name) - 1] != '.') {
        if (p->set_on[i]) {
            cs_conf_parser_error(p, p->line, "duplicate key '%s' in [%s] (first set on line %u)",
                                 name, section, p->set_on[i]);
            return 1;
        }
        p->set_on[i] = p->line;
        if (value[0] == '\0') {
            cs_conf_parser_error(p, p->line, "key '%s' has an empty value", name);
            return 1;
        }
    }
    (void) s_parse(p, k, name, value, p->line);
    return 1;
}

void
cs_conf_defaults(struct cs_conf *conf, const char *path)
{
    char err[CS_CONF_ERROR_MAX];
    cs_conf_parser_t p = { .conf = conf, .dir = "/", .err = err, .err_size = sizeof err };

    memset(conf, 0, sizeof *conf);
    (void) cs_strlcpy(conf->path, path, sizeof conf->path);
    for (size_t i = 0; cs_conf_sections[i]; i++) {
        const struct cs_conf_section *sec = cs_conf_sections[i];

        for (size_t j = 0; j < sec->n_keys; j++) {
            if (sec->keys[j].def
                && s_parse(&p, &sec->keys[j], sec->keys[j].name, sec->keys[j].def, 0) < 0) {
                (void) fprintf(stderr, "[%s] %s: bad default: %s\n", sec->name, sec->keys[j].name,
                               err);
                abort(); /* a table is wrong: the unit tests catch it first */
            }
        }
    }
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
    cs_conf_parser_t p = { .conf = conf, .err = reterr_msg, .err_size = msg_size };
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
        cs_conf_parser_error(&p, (unsigned) r, S_SYNTAX_ERROR);
    else if (r < 0 || ferror(p.file))
        cs_conf_parser_error(&p, 0, "read error");
    (void) fclose(p.file);
    for (size_t i = 0; !p.failed && cs_conf_sections[i]; i++) {
        if (cs_conf_sections[i]->check)
            cs_conf_sections[i]->check(&p);
    }
    return p.failed ? -EINVAL : 0;
}

void
cs_conf_dump(const struct cs_conf *conf, FILE *out)
{
    char value[CS_CONF_VALUE_MAX];

    (void) fprintf(out, "# values in effect for %s\n", conf->path);
    for (size_t i = 0; cs_conf_sections[i]; i++) {
        const struct cs_conf_section *sec = cs_conf_sections[i];

        (void) fprintf(out, "\n[%s]\n", sec->name);
        for (size_t j = 0; j < sec->n_keys; j++) {
            const struct cs_conf_key *k = &sec->keys[j];

            k->type->print(k, conf, value, sizeof value);
            if (k->name[strlen(k->name) - 1] == '.')
                (void) fputs(value, out); /* whole lines, one per key it covers */
            else if (!value[0])
                (void) fprintf(out, "# %s is not set\n", k->name);
            else
                (void) fprintf(out, "%s = %s\n", k->name, value);
        }
    }
}

void
cs_conf_keys_read(enum cs_daemon_id d, FILE *out)
{
    const char *punct = "Keys read:"; /* what goes before the next word */
    size_t col = 0;

    for (size_t i = 0; cs_conf_sections[i]; i++) {
        const struct cs_conf_section *sec = cs_conf_sections[i];
        bool first = true;

        for (size_t j = 0; j < sec->n_keys; j++) {
            const struct cs_conf_key *k = &sec->keys[j];
            bool prefix = k->name[strlen(k->name) - 1] == '.';
            char word[128];
            size_t len;

            if (!(k->readers & CS_READ(d)))
                continue;
            (void) snprintf(word, sizeof word, "%s%s%s%s%s", first ? "[" : "",
                            first ? sec->name : "", first ? "] " : "", k->name,
                            prefix ? "<name>" : "");
            len = strlen(word);
            /* Lines of at most 80 columns, with room for the punctuation after the word. */
            col += (size_t) fprintf(out, "%s", punct);
            if (col + 1 + len + 1 > 80) {
                (void) fputc('\n', out);
                col = 0;
            } else {
                (void) fputc(' ', out);
                col++;
            }
            col += (size_t) fprintf(out, "%s", word);
            punct = ",";
            first = false;
        }
        if (!first)
            punct = ";";
    }
    (void) fputs(".\n", out);
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
