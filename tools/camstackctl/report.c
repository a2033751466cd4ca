#include "report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "control.h"
#include "json.h"
#include "util.h"

static uint64_t
s_u64(const json_t *json, const char *key)
{
    uint64_t v = 0;

    (void) cs_json_get_u64(json, key, &v);
    return v;
}

static double
s_double(const json_t *json, const char *key)
{
    double v = 0;

    (void) cs_json_get_double(json, key, &v);
    return v;
}

static bool
s_bool(const json_t *json, const char *key)
{
    bool v = false;

    (void) cs_json_get_bool(json, key, &v);
    return v;
}

/* A ledger value as text; false for an object or an array. */
static bool
s_value(const json_t *v, char *buf, size_t size)
{
    if (json_is_integer(v))
        (void) snprintf(buf, size, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    else if (json_is_real(v))
        (void) snprintf(buf, size, "%g", json_real_value(v));
    else if (json_is_boolean(v))
        (void) snprintf(buf, size, "%s", json_is_true(v) ? "yes" : "no");
    else if (json_is_string(v))
        (void) snprintf(buf, size, "%s", json_string_value(v));
    else
        return false;
    return true;
}

/* The daemon's "ledger" object as "key=value ..." in its order (which counters it keeps is
 * the daemon's, not camstackctl's), less those the report shows in columns of its own. */
static void
s_ledger(char *buf, size_t size, const json_t *json)
{
    static const char *const own[] = { "state", "uptime_s", "run", "fps", "mb_per_s", "file" };
    json_t *ledger = json_object_get(json, "ledger");
    size_t o = 0;

    buf[0] = '\0';
    for (void *it = json_object_iter(ledger); it && o < size;
         it = json_object_iter_next(ledger, it)) {
        const char *key = json_object_iter_key(it);
        char value[64];
        bool shown = false;

        for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
            shown = shown || strcmp(key, own[i]) == 0;
        if (!shown && s_value(json_object_iter_value(it), value, sizeof value))
            o += (size_t) snprintf(buf + o, size - o, "%s%s=%s", o ? " " : "", key, value);
    }
}

/* A daemon that is stopping says so first; otherwise what it is doing ("activity"). */
static void
s_state(struct report_row *row, const json_t *json)
{
    const char *state = "", *activity = "?";

    (void) cs_json_get_string(json, "state", &state);
    (void) cs_json_get_string(json, "activity", &activity);
    (void) snprintf(row->state, sizeof row->state, "%s",
                    strcmp(state, "running") != 0 && state[0] ? state : activity);
}

/* Frames numbered upstream (@up's next_seq) that @down has not reached, when both are in the
 * same run; -1 when that cannot be told. */
static int64_t
s_behind(const json_t *up, const json_t *down)
{
    uint64_t up_run = s_u64(up, "run"), down_run = s_u64(down, "run");
    uint64_t up_next = s_u64(up, "next_seq"), down_next = s_u64(down, "next_seq");

    if (!up_run || up_run != down_run || cs_json_get_u64(down, "next_seq", &down_next) < 0)
        return -1;
    if (!s_bool(down, "run_active"))
        return 0; /* its run has ended: nothing of it is on the way */
    return up_next > down_next ? (int64_t) (up_next - down_next) : 0;
}

/* The row of a daemon that answered with @j. */
static void
s_row(struct report_row *row, const json_t *j, bool recent)
{
    int64_t lost;

    row->up = true;
    s_state(row, j);
    row->uptime_s = s_double(j, "uptime_s");
    row->run = s_u64(j, "run");
    row->fps = s_double(j, "fps");
    row->mb_per_s = s_double(j, "mb_per_s");
    s_ledger(row->ledger, sizeof row->ledger, j);
    row->lost = cs_json_get_i64(j, "lost_total", &lost) == 0 ? lost : -1;
    row->has_latency =
        cs_json_get_double(j, recent ? "latency_recent_p50_us" : "latency_p50_us", &row->p50_us)
            == 0
        && cs_json_get_double(j, recent ? "latency_recent_p99_us" : "latency_p99_us", &row->p99_us)
               == 0;
    (void) cs_json_copy_string(j, "file", row->file, sizeof row->file);
}

void
report_build(const struct cs_client_answer answers[CS_DAEMON_COUNT], bool recent,
             struct report_row rows[CS_DAEMON_COUNT])
{
    for (int d = 0; d < CS_DAEMON_COUNT; d++) {
        struct report_row *row = &rows[d];

        memset(row, 0, sizeof *row);
        row->asked = answers[d].asked;
        row->queue = -1;
        row->lost = -1;
        if (!answers[d].asked)
            continue;
        if (answers[d].error < 0 || !answers[d].json) {
            row->not_running = answers[d].not_running;
            (void) cs_strlcpy(row->state, row->not_running ? "not running" : "down",
                              sizeof row->state);
            (void) cs_strlcpy(row->reason, answers[d].reason, sizeof row->reason);
            continue;
        }
        s_row(row, answers[d].json, recent);
    }
    /* Queue fill, from the roles: each daemon against the one it receives its frames from. */
    for (int d = 0; d < CS_DAEMON_COUNT; d++) {
        const json_t *j = answers[d].error == 0 ? answers[d].json : NULL;
        enum cs_daemon_id up;
        uint64_t budget;

        if (!j || cs_daemon_upstream(d, &up) < 0)
            continue;
        if (cs_json_get_u64(j, "queue_budget_frames", &budget) == 0)
            rows[d].queue_max = (int64_t) budget;
        if (answers[up].error == 0 && answers[up].json)
            rows[d].queue = s_behind(answers[up].json, j);
    }
}

void
report_format_us(double us, char *buf, size_t size)
{
    if (us < 10)
        (void) snprintf(buf, size, "%.1fus", us);
    else if (us < 1000)
        (void) snprintf(buf, size, "%.0fus", us);
    else if (us < 1e6)
        (void) snprintf(buf, size, "%.1fms", us / 1e3);
    else
        (void) snprintf(buf, size, "%.1fs", us / 1e6);
}

static void
s_uptime(double s, char *buf, size_t size)
{
    unsigned long t = (unsigned long) s;

    if (t < 60)
        (void) snprintf(buf, size, "%.1fs", s);
    else if (t < 3600)
        (void) snprintf(buf, size, "%lum%02lus", t / 60, t % 60);
    else if (t < 86400)
        (void) snprintf(buf, size, "%luh%02lum", t / 3600, t / 60 % 60);
    else
        (void) snprintf(buf, size, "%lud%02luh", t / 86400, t / 3600 % 24);
}

static void
s_queue(const struct report_row *row, char *buf, size_t size)
{
    if (row->queue < 0)
        (void) snprintf(buf, size, "-");
    else
        (void) snprintf(buf, size, "%lld (%.0f%%)", (long long) row->queue,
                        row->queue_max > 0 ? 100.0 * (double) row->queue / (double) row->queue_max
                                           : 0.0);
}

/* Prints @line, cut to @width columns when @width > 0. */
static void
s_put(FILE *out, const char *line, int width)
{
    if (width > 0 && (int) strlen(line) > width)
        (void) fprintf(out, "%.*s\n", width, line);
    else
        (void) fprintf(out, "%s\n", line);
}

static void
s_latency(const struct report_row *row, char *buf, size_t size)
{
    char p50[16], p99[16];

    if (!row->has_latency) {
        (void) snprintf(buf, size, "-");
        return;
    }
    report_format_us(row->p50_us, p50, sizeof p50);
    report_format_us(row->p99_us, p99, sizeof p99);
    (void) snprintf(buf, size, "%s/%s", p50, p99);
}

void
report_print_table(FILE *out, const struct report_row rows[CS_DAEMON_COUNT], int width,
                   bool compact)
{
    char line[PATH_MAX + 1024];

    if (compact)
        (void) snprintf(line, sizeof line, "%-10s %-11s %7s %7s %-12s %-15s %6s %s", "DAEMON",
                        "STATE", "FPS", "MB/S", "QUEUE", "LATENCY p50/p99", "LOST", "LEDGER, FILE");
    else
        (void) snprintf(line, sizeof line, "%-10s %-11s %8s %-17s %8s %7s %-11s %-15s %s", "DAEMON",
                        "STATE", "UPTIME", "RUN", "FRAMES/S", "MB/S", "QUEUE", "LATENCY p50/p99",
                        "LEDGER, FILE");
    s_put(out, line, width);
    for (int d = 0; d < CS_DAEMON_COUNT; d++) {
        const struct report_row *row = &rows[d];
        char up[48], run[24], queue[48], lat[40], lost[24];

        if (!row->asked)
            continue;
        if (!row->up) {
            (void) snprintf(line, sizeof line, "%-10s %-11s %s", cs_daemon_name(d), row->state,
                            row->not_running ? "" : row->reason);
            s_put(out, line, width);
            continue;
        }
        s_queue(row, queue, sizeof queue);
        s_latency(row, lat, sizeof lat);
        if (compact) {
            (void) snprintf(lost, sizeof lost, "%lld", (long long) row->lost);
            (void) snprintf(line, sizeof line, "%-10s %-11s %7.1f %7.1f %-12s %-15s %6s %s%s%s",
                            cs_daemon_name(d), row->state, row->fps, row->mb_per_s, queue, lat,
                            row->lost >= 0 ? lost : "-", row->ledger, row->file[0] ? " file=" : "",
                            row->file);
        } else {
            s_uptime(row->uptime_s, up, sizeof up);
            (void) snprintf(run, sizeof run, "%llu", (unsigned long long) row->run);
            (void) snprintf(
                line, sizeof line, "%-10s %-11s %8s %-17s %8.1f %7.1f %-11s %-15s %s%s%s",
                cs_daemon_name(d), row->state, up, row->run ? run : "-", row->fps, row->mb_per_s,
                queue, lat, row->ledger, row->file[0] ? " file=" : "", row->file);
        }
        s_put(out, line, width);
    }
}

void
report_print_lines(FILE *out, const struct report_row rows[CS_DAEMON_COUNT])
{
    char when[40];

    cs_format_iso8601(cs_now_ns(CLOCK_REALTIME), when, sizeof when);
    for (int d = 0; d < CS_DAEMON_COUNT; d++) {
        const struct report_row *row = &rows[d];

        if (!row->asked)
            continue;
        if (row->not_running) {
            (void) fprintf(out, "%s %s state=not-running\n", when, cs_daemon_name(d));
            continue;
        }
        if (!row->up) {
            (void) fprintf(out, "%s %s state=down reason=\"%s\"\n", when, cs_daemon_name(d),
                           row->reason);
            continue;
        }
        (void) fprintf(out, "%s %s state=%s uptime_s=%.1f run=%llu fps=%.1f mb_per_s=%.2f", when,
                       cs_daemon_name(d), row->state, row->uptime_s, (unsigned long long) row->run,
                       row->fps, row->mb_per_s);
        if (row->queue >= 0)
            (void) fprintf(out, " queue=%lld queue_max=%lld", (long long) row->queue,
                           (long long) row->queue_max);
        if (row->has_latency)
            (void) fprintf(out, " latency_p50_us=%.1f latency_p99_us=%.1f", row->p50_us,
                           row->p99_us);
        (void) fprintf(out, "%s%s%s%s\n", row->ledger[0] ? " " : "", row->ledger,
                       row->file[0] ? " file=" : "", row->file);
    }
    (void) fflush(out);
}

int
report_print_json(FILE *out, const struct cs_client_answer answers[CS_DAEMON_COUNT])
{
    json_t *all = cs_client_status_json(answers);
    char *text = all ? cs_json_dump_alloc(all) : NULL;
    int r = -ENOMEM;

    if (text)
        r = fprintf(out, "%s\n", text) < 0 ? -EIO : 0;
    free(text);
    json_decref(all);
    return r;
}
