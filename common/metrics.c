/* The stack's status as Prometheus text. Each daemon's numbers become families named
 * camstack_<daemon>_<member>, the member's unit turned into a base unit at the end of the name
 * (us and s: seconds; MB per s: bytes per second; fps: frames per second; bytes last), "_total"
 * after a count that only grows (the "fields" answer says which; X_total is X_all_total). Members
 * X_pNN_us and X_max_us are the quantiles 0.NN and 1 of one family X_seconds, and X_count its
 * summary's count. camstackctl(1) has the rules for users. */
#include "metrics.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define S_NAME_MAX  160
#define S_WORDS_MAX 16
#define S_LABEL_MAX 48

enum s_type { S_GAUGE, S_COUNTER, S_SUMMARY };

struct s_sample {
    char suffix[8];               /* "" or "_count" */
    char label[S_LABEL_MAX];      /* label name, "" for none */
    char value_label[S_NAME_MAX]; /* its value */
    double value;
};

struct s_family {
    char name[S_NAME_MAX];
    enum s_type type;
    char *help; /* owned */
    struct s_sample *samples;
    size_t n;
};

struct s_families {
    struct s_family *v;
    size_t n;
};

/* A unit at the end of a member's name: its words, what replaces them in the metric's name,
 * the power of ten from the member's value to the metric's, and the words of the help that
 * name the unit. */
struct s_unit {
    const char *words, *metric;
    int exp10;
    const char *help_from, *help_to;
};

static const struct s_unit s_units[] = {
    { "_mb_per_s", "_bytes_per_second", 6, "in MB (10^6 bytes)", "in bytes" },
    { "_us", "_seconds", -6, " in us", " in seconds" },
    { "_s", "_seconds", 0, NULL, NULL },
    { "_fps", "_frames_per_second", 0, NULL, NULL },
};

static void
s_free(struct s_families *f)
{
    for (size_t i = 0; i < f->n; i++) {
        free(f->v[i].help);
        free(f->v[i].samples);
    }
    free(f->v);
    f->v = NULL;
    f->n = 0;
}

/* The unit of @member ("_" + member, so that "fps" alone matches "_fps"), or NULL. */
static const struct s_unit *
s_unit_of(const char *member)
{
    size_t len = strlen(member);

    for (size_t i = 0; i < sizeof s_units / sizeof s_units[0]; i++) {
        size_t w = strlen(s_units[i].words);

        if (len + 1 >= w && strcmp(member + len - (w - 1), s_units[i].words + 1) == 0
            && (len + 1 == w || member[len - (w - 1) - 1] == '_'))
            return &s_units[i];
    }
    return NULL;
}

/* The metric name of @member of @daemon into @buf: the unit turned (@ret_exp10: how to scale
 * the value), the word "bytes" moved last, then @tail ("_total" or ""). -ENAMETOOLONG. */
static int
s_metric_name(const char *daemon, const char *member, const char *tail, char *buf, size_t size,
              int *ret_exp10)
{
    const struct s_unit *u = s_unit_of(member);
    char stem[S_NAME_MAX], out[S_NAME_MAX] = "";
    bool bytes = false;
    size_t o = 0;
    int n;

    n = snprintf(stem, sizeof stem, "%.*s", (int) (strlen(member) - (u ? strlen(u->words) - 1 : 0)),
                 member);
    if (n < 0 || (size_t) n >= sizeof stem)
        return -ENAMETOOLONG;
    if (stem[0] && stem[strlen(stem) - 1] == '_')
        stem[strlen(stem) - 1] = '\0';
    for (char *save = NULL, *w = strtok_r(stem, "_", &save); w; w = strtok_r(NULL, "_", &save)) {
        if (strcmp(w, "bytes") == 0 && !u) {
            bytes = true;
            continue;
        }
        n = snprintf(out + o, sizeof out - o, "%s%s", o ? "_" : "", w);
        if (n < 0 || (size_t) n >= sizeof out - o)
            return -ENAMETOOLONG;
        o += (size_t) n;
    }
    *ret_exp10 = u ? u->exp10 : 0;
    n = snprintf(buf, size, "camstack_%s_%s%s%s%s", daemon, out,
                 bytes ? (o ? "_bytes" : "bytes") : "", u ? (o ? u->metric : u->metric + 1) : "",
                 tail);
    return n < 0 || (size_t) n >= size ? -ENAMETOOLONG : 0;
}

/* @help of @member, its unit's words replaced by the metric's, into a new string. */
static char *
s_help_part(const char *member, const char *how, const char *help)
{
    const struct s_unit *u = s_unit_of(member);
    const char *at = u && u->help_from ? strstr(help, u->help_from) : NULL;
    char *out = NULL;

    if (at) {
        if (asprintf(&out, "%s%s: %.*s%s%s", member, how, (int) (at - help), help, u->help_to,
                     at + strlen(u->help_from))
            < 0)
            return NULL;
    } else if (asprintf(&out, "%s%s: %s", member, how, help) < 0) {
        return NULL;
    }
    return out;
}

/* The family named @name in @f, made (with @type) if new. NULL on ENOMEM. */
static struct s_family *
s_family(struct s_families *f, const char *name, enum s_type type)
{
    struct s_family *v;

    for (size_t i = 0; i < f->n; i++) {
        if (strcmp(f->v[i].name, name) == 0)
            return &f->v[i];
    }
    v = realloc(f->v, (f->n + 1) * sizeof *v);
    if (!v)
        return NULL;
    f->v = v;
    v = &f->v[f->n++];
    memset(v, 0, sizeof *v);
    (void) snprintf(v->name, sizeof v->name, "%s", name);
    v->type = type;
    return v;
}

static int
s_add_sample(struct s_family *fam, const struct s_sample *s)
{
    struct s_sample *v = realloc(fam->samples, (fam->n + 1) * sizeof *v);

    if (!v)
        return -ENOMEM;
    fam->samples = v;
    fam->samples[fam->n++] = *s;
    return 0;
}

/* Adds "@member@how: @help" (@help NULL: the help of @member in @fields) to @fam's help. */
static int
s_add_help(struct s_family *fam, const char *member, const char *how, const char *help,
           const json_t *fields)
{
    char *part, *joined = NULL;

    if (!help)
        help = json_string_value(json_object_get(json_object_get(fields, member), "help"));
    part = s_help_part(member, how, help ? help : "a member of the status answer");
    if (!part)
        return -ENOMEM;
    if (!fam->help) {
        fam->help = part;
        return 0;
    }
    if (asprintf(&joined, "%s; %s", fam->help, part) < 0)
        joined = NULL;
    free(part);
    if (!joined)
        return -ENOMEM;
    free(fam->help);
    fam->help = joined;
    return 0;
}

static double
s_scaled(double v, int exp10)
{
    return exp10 < 0 ? v / pow(10, -exp10) : v * pow(10, exp10);
}

/* The value of a JSON number, bool or null (NaN), or false if it is none of them. */
static bool
s_number(const json_t *v, double *ret)
{
    if (json_is_number(v))
        *ret = json_number_value(v);
    else if (json_is_boolean(v))
        *ret = json_is_true(v) ? 1 : 0;
    else if (json_is_null(v))
        *ret = NAN;
    else
        return false;
    return true;
}

/* If @member is X_pNN_us or X_max_us, its quantile ("0.NN", "1") into @q and X into @stem. */
static bool
s_quantile(const char *member, char *stem, size_t size, char *q, size_t q_size)
{
    const char *us = strrchr(member, '_'), *p;

    if (!us || strcmp(us, "_us") != 0 || us == member)
        return false;
    for (p = us - 1; p > member && *p != '_'; p--)
        ;
    if (*p != '_')
        return false;
    if (strncmp(p, "_max_us", 7) == 0 && p + 4 == us) {
        (void) snprintf(q, q_size, "1");
    } else if (p[1] == 'p' && p + 2 < us && strspn(p + 2, "0123456789") == (size_t) (us - p - 2)) {
        char digits[16];

        (void) snprintf(digits, sizeof digits, "%.*s", (int) (us - p - 2), p + 2);
        for (size_t n = strlen(digits); n > 1 && digits[n - 1] == '0'; n--)
            digits[n - 1] = '\0';
        (void) snprintf(q, q_size, "0.%s", digits);
    } else {
        return false;
    }
    (void) snprintf(stem, size, "%.*s_us", (int) (p - member), member);
    return true;
}

/* True if @status has X_max_us or X_p50_us for @member X_count: the count of a summary. */
static bool
s_summary_count(const json_t *status, const char *member, char *stem, size_t size)
{
    size_t len = strlen(member);
    char probe[S_NAME_MAX];

    if (len <= 6 || strcmp(member + len - 6, "_count") != 0)
        return false;
    (void) snprintf(stem, size, "%.*s_us", (int) (len - 6), member);
    (void) snprintf(probe, sizeof probe, "%.*s_max_us", (int) (len - 6), member);
    return json_object_get(status, probe) != NULL;
}

static bool
s_is_total(const json_t *fields, const char *member)
{
    return json_is_true(json_object_get(json_object_get(fields, member), "total"));
}

/* A member that is an object of numbers (X_by_Y: one sample a Y, labelled Y). */
static int
s_add_object(struct s_families *f, const char *daemon, const char *member, const json_t *obj,
             const json_t *fields)
{
    const char *by = strstr(member, "_by_"), *key, *base_help;
    char base[S_NAME_MAX], name[S_NAME_MAX], how[S_LABEL_MAX + 16];
    struct s_family *fam = NULL;
    bool total;
    json_t *v;
    int exp10;

    (void) snprintf(base, sizeof base, "%.*s", by ? (int) (by - member) : (int) strlen(member),
                    member);
    total = s_is_total(fields, base);
    base_help = json_string_value(json_object_get(json_object_get(fields, base), "help"));
    if (s_metric_name(daemon, member, total ? "_total" : "", name, sizeof name, &exp10) < 0)
        return 0; /* no name for it: left out */
    json_object_foreach((json_t *) obj, key, v)
    {
        struct s_sample s = { .value = 0 };

        if (!s_number(v, &s.value))
            continue;
        s.value = s_scaled(s.value, exp10);
        (void) snprintf(s.label, sizeof s.label, "%s", by ? by + 4 : "key");
        (void) snprintf(s.value_label, sizeof s.value_label, "%s", key);
        if (!fam) {
            fam = s_family(f, name, total ? S_COUNTER : S_GAUGE);
            (void) snprintf(how, sizeof how, " (one sample a %s)", s.label);
            if (!fam || s_add_help(fam, member, how, base_help, NULL) < 0)
                return -ENOMEM;
        }
        if (s_add_sample(fam, &s) < 0)
            return -ENOMEM;
    }
    return 0;
}

static bool
s_valid_name(const char *s)
{
    return s[0] && s[strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_")] == '\0';
}

/* A number (or bool, or null) member: a sample of its own family, a quantile of X_seconds, or
 * the count of that summary. */
static int
s_add_number(struct s_families *f, const char *daemon, const json_t *status, const char *member,
             double value, const json_t *fields)
{
    char stem[S_NAME_MAX], q[16], name[S_NAME_MAX], how[40] = "";
    struct s_sample s = { .value = value };
    enum s_type type = S_GAUGE;
    struct s_family *fam;
    int exp10;

    if (s_quantile(member, stem, sizeof stem, q, sizeof q)) {
        (void) snprintf(s.label, sizeof s.label, "quantile");
        (void) snprintf(s.value_label, sizeof s.value_label, "%s", q);
        (void) snprintf(how, sizeof how, " (quantile %s)", q);
    } else if (s_summary_count(status, member, stem, sizeof stem)) {
        (void) snprintf(s.suffix, sizeof s.suffix, "_count");
        (void) snprintf(how, sizeof how, " (the summary's _count)");
        type = S_SUMMARY;
    } else {
        size_t len = strlen(member);

        /* X_total (lost_total: the sum of the loss counters) is X_all_total, apart from X. */
        if (len > 6 && strcmp(member + len - 6, "_total") == 0)
            (void) snprintf(stem, sizeof stem, "%.*s_all", (int) (len - 6), member);
        else
            (void) snprintf(stem, sizeof stem, "%s", member);
        type = s_is_total(fields, member) ? S_COUNTER : S_GAUGE;
    }
    if (s_metric_name(daemon, stem, type == S_COUNTER ? "_total" : "", name, sizeof name, &exp10)
        < 0)
        return 0; /* no name for it: left out */
    if (type != S_SUMMARY)
        s.value = s_scaled(value, exp10);
    fam = s_family(f, name, type);
    if (!fam)
        return -ENOMEM;
    if (type == S_SUMMARY)
        fam->type = S_SUMMARY; /* its quantiles may have come first */
    return s_add_help(fam, member, how, NULL, fields) < 0 || s_add_sample(fam, &s) < 0 ? -ENOMEM
                                                                                       : 0;
}

/* The families of one daemon's answer @status, in the order of its members. */
static int
s_collect(struct s_families *f, const char *daemon, const json_t *status, const json_t *fields)
{
    const char *member;
    json_t *v;

    json_object_foreach((json_t *) status, member, v)
    {
        double value;
        int r = 0;

        if (!s_valid_name(member) || strcmp(member, "ok") == 0 || strcmp(member, "ledger") == 0)
            continue;
        if (json_is_object(v))
            r = s_add_object(f, daemon, member, v, fields);
        else if (s_number(v, &value))
            r = s_add_number(f, daemon, status, member, value, fields);
        if (r < 0)
            return r;
    }
    return 0;
}

/* Writes @s escaped for a HELP line (@label: for a label value, quotes too). */
static void
s_put_escaped(FILE *out, const char *s, bool label)
{
    for (; *s; s++) {
        if (*s == '\\')
            (void) fputs("\\\\", out);
        else if (*s == '\n')
            (void) fputs("\\n", out);
        else if (*s == '"' && label)
            (void) fputs("\\\"", out);
        else
            (void) fputc(*s, out);
    }
}

/* A value: a whole number below 2^53 in full, others to 15 significant digits (what the JSON
 * holds, scaled); NaN and infinities as Prometheus spells them. */
static void
s_put_value(FILE *out, double v)
{
    if (isnan(v))
        (void) fputs("NaN", out);
    else if (isinf(v))
        (void) fputs(v > 0 ? "+Inf" : "-Inf", out);
    else if (v == floor(v) && fabs(v) < 9007199254740992.0)
        (void) fprintf(out, "%.0f", v);
    else
        (void) fprintf(out, "%.15g", v);
}

static void
s_put_header(FILE *out, const char *name, const char *type, const char *help)
{
    (void) fprintf(out, "# HELP %s ", name);
    s_put_escaped(out, help, false);
    (void) fprintf(out, "\n# TYPE %s %s\n", name, type);
}

static void
s_put_family(FILE *out, const struct s_family *fam)
{
    static const char *const types[] = { "gauge", "counter", "summary" };

    s_put_header(out, fam->name, types[fam->type], fam->help);
    for (size_t i = 0; i < fam->n; i++) {
        const struct s_sample *s = &fam->samples[i];

        (void) fprintf(out, "%s%s", fam->name, s->suffix);
        if (s->label[0]) {
            (void) fprintf(out, "{%s=\"", s->label);
            s_put_escaped(out, s->value_label, true);
            (void) fputs("\"}", out);
        }
        (void) fputc(' ', out);
        s_put_value(out, s->value);
        (void) fputc('\n', out);
    }
}

/* camstack_<daemon>_up, and camstack_<daemon>_info: the text members of its answer as labels. */
static void
s_put_up_and_info(FILE *out, const char *daemon, const json_t *status, bool up)
{
    char name[S_NAME_MAX], help[S_NAME_MAX];
    const char *member, *sep = "";
    json_t *v;

    (void) snprintf(name, sizeof name, "camstack_%s_up", daemon);
    (void) snprintf(help, sizeof help, "1 if %s answered its status request, 0 if not", daemon);
    s_put_header(out, name, "gauge", help);
    (void) fprintf(out, "%s %d\n", name, up ? 1 : 0);
    if (!up)
        return;
    (void) snprintf(name, sizeof name, "camstack_%s_info", daemon);
    s_put_header(out, name, "gauge", "1, with the text members of the status answer as labels");
    (void) fprintf(out, "%s{", name);
    json_object_foreach((json_t *) status, member, v)
    {
        if (!json_is_string(v) || !s_valid_name(member))
            continue;
        (void) fprintf(out, "%s%s=\"", sep, member);
        s_put_escaped(out, json_string_value(v), true);
        (void) fputc('"', out);
        sep = ",";
    }
    (void) fputs("} 1\n", out);
}

int
cs_metrics_write(const json_t *status, const json_t *fields, FILE *out)
{
    const char *daemon;
    json_t *answer;

    if (!json_is_object(status))
        return -EINVAL;
    json_object_foreach((json_t *) status, daemon, answer)
    {
        struct s_families f = { NULL, 0 };
        bool up = json_is_true(json_object_get(answer, "ok"));
        int r = 0;

        if (!s_valid_name(daemon))
            continue;
        if (up)
            r = s_collect(&f, daemon, answer, json_object_get(fields, daemon));
        if (r == 0) {
            s_put_up_and_info(out, daemon, answer, up);
            for (size_t i = 0; i < f.n; i++)
                s_put_family(out, &f.v[i]);
        }
        s_free(&f);
        if (r < 0)
            return r;
    }
    return ferror(out) ? -EIO : 0;
}

char *
cs_metrics_format(const json_t *status, const json_t *fields, size_t *ret_len)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    int r;

    if (!mem)
        return NULL;
    r = cs_metrics_write(status, fields, mem);
    if (fclose(mem) != 0 && r == 0)
        r = -ENOMEM;
    if (r < 0) {
        free(text);
        errno = -r;
        return NULL;
    }
    *ret_len = len;
    return text;
}

json_t *
cs_metrics_fields(const struct cs_client_answer answers[CS_DAEMON_COUNT])
{
    json_t *all = json_object();

    for (int d = 0; all && d < CS_DAEMON_COUNT; d++) {
        json_t *f = answers[d].json ? json_object_get(answers[d].json, "fields") : NULL;

        if (f && json_object_set(all, cs_daemon_name(d), f) < 0) {
            json_decref(all);
            return NULL;
        }
    }
    return all;
}

char *
cs_metrics_ask(const struct cs_conf *conf, int timeout_ms, size_t *ret_len,
               struct cs_client_answer ret_answers[CS_DAEMON_COUNT])
{
    struct cs_client_answer fields[CS_DAEMON_COUNT];
    json_t *status, *all_fields;
    char *text = NULL;

    (void) cs_client_ask(conf, CS_CLIENT_ALL, "fields", timeout_ms, fields);
    (void) cs_client_ask(conf, CS_CLIENT_ALL, "status", timeout_ms, ret_answers);
    all_fields = cs_metrics_fields(fields);
    status = cs_client_status_json(ret_answers);
    if (status && all_fields)
        text = cs_metrics_format(status, all_fields, ret_len);
    json_decref(status);
    json_decref(all_fields);
    cs_client_answers_clear(fields);
    if (!text) {
        cs_client_answers_clear(ret_answers);
        errno = ENOMEM;
    }
    return text;
}
