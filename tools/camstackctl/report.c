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

/* Appends " key=value" for each key (those the daemon does not report are left out). */
static void
s_ledger(char *buf, size_t size, const json_t *json, const char *const *keys)
{
    size_t o = 0;

    buf[0] = '\0';
    for (int i = 0; keys[i] && o < size; i++) {
        uint64_t v;

        if (cs_json_get_u64(json, keys[i], &v) == 0)
            o += (size_t) snprintf(buf + o, size - o, "%s%s=%llu", o ? " " : "", keys[i],
                                   (unsigned long long) v);
    }
}

static void
s_state(struct report_row *row, enum cs_daemon_id d, const json_t *json)
{
    char state[32] = "", what[32] = "";

    (void) cs_json_copy_string(json, "state", state, sizeof state);
    switch (d) {
    case CS_DAEMON_CAMERAD:
        (void) cs_json_copy_string(json, "acquisition", what, sizeof what);
        break;
    case CS_DAEMON_ANALYZERD:
        (void) cs_strlcpy(what, s_bool(json, "run_active") ? "analysing" : "ready", sizeof what);
        break;
    case CS_DAEMON_SAVERD:
        (void) cs_json_copy_string(json, "record", what, sizeof what);
        if (strcmp(what, "off") == 0)
            (void) cs_strlcpy(what, "record-off", sizeof what);
        else
            (void) cs_strlcpy(what, s_bool(json, "recording") ? "recording" : "ready", sizeof what);
        break;
    case CS_DAEMON_PUBD:
    case CS_DAEMON_COUNT:
        (void) cs_strlcpy(what, s_bool(json, "run_open") ? "forwarding" : "ready", sizeof what);
        break;
    }
    /* A daemon that is stopping says so first; otherwise what it is doing. */
    (void) cs_strlcpy(row->state, strcmp(state, "running") != 0 && state[0] ? state : what,
                      sizeof row->state);
}

static int64_t
s_lost(enum cs_daemon_id d, const json_t *j)
{
    switch (d) {
    case CS_DAEMON_CAMERAD:
        return (int64_t) (s_u64(j, "dropped_at_source") + s_u64(j, "camera_dropped"));
    case CS_DAEMON_PUBD:
        return (int64_t) (s_u64(j, "rejected") + s_u64(j, "send_failed"));
    case CS_DAEMON_ANALYZERD:
        return (int64_t) (s_u64(j, "lost") + s_u64(j, "bad"));
    case CS_DAEMON_SAVERD: /* and the frames it received but could not keep in a file */
        return (int64_t) (s_u64(j, "lost") + s_u64(j, "bad") + s_u64(j, "queue_dropped")
                          + s_u64(j, "write_dropped") + s_u64(j, "removed"));
    case CS_DAEMON_COUNT:
        break;
    }
    return -1;
}

/* Frames numbered upstream (@up_json's next_seq) that @down_json has not reached, when both
 * are in the same run; -1 when that cannot be told. */
static int64_t
s_behind(const json_t *up_json, const json_t *down_json, bool down_active)
{
    uint64_t up_run = s_u64(up_json, "run"), down_run = s_u64(down_json, "run");
    uint64_t up_next = s_u64(up_json, "next_seq"), down_next = s_u64(down_json, "next_seq");

    if (!up_run || up_run != down_run)
        return -1;
    if (!down_active)
        return 0; /* its run has ended: nothing of it is on the way */
    return up_next > down_next ? (int64_t) (up_next - down_next) : 0;
}

void
report_build(const struct cs_conf *conf, const struct client_answer answers[CS_DAEMON_COUNT],
             bool recent, struct report_row rows[CS_DAEMON_COUNT])
{
    static const char *const ledger_keys[CS_DAEMON_COUNT][12] = {
        [CS_DAEMON_CAMERAD] = { "captured", "dropped_at_source", "camera_dropped", "sent", NULL },
        [CS_DAEMON_PUBD] = { "frames_in", "rejected", "send_failed", "frame_subscribers", NULL },
        [CS_DAEMON_ANALYZERD] = { "received", "lost", "camera_dropped", "bad", "analysed", NULL },
        [CS_DAEMON_SAVERD] = { "received", "lost", "camera_dropped", "bad", "written",
                               "queue_dropped", "write_dropped", "removed", "unrecorded", NULL },
    };
    const json_t *cam = answers[CS_DAEMON_CAMERAD].json, *pub = answers[CS_DAEMON_PUBD].json;
    uint64_t frame = cs_conf_frame_bytes(conf);

    for (int d = 0; d < CS_DAEMON_COUNT; d++) {
        struct report_row *row = &rows[d];
        const json_t *j = answers[d].json;

        memset(row, 0, sizeof *row);
        row->asked = answers[d].asked;
        row->queue = -1;
        if (!answers[d].asked)
            continue;
        if (answers[d].error < 0 || !j) {
            row->not_running = answers[d].not_running;
            (void) cs_strlcpy(row->state, row->not_running ? "not running" : "down",
                              sizeof row->state);
            (void) cs_strlcpy(row->reason, answers[d].reason, sizeof row->reason);
            continue;
        }
        row->up = true;
        s_state(row, (enum cs_daemon_id) d, j);
        row->uptime_s = s_double(j, "uptime_s");
        row->run = s_u64(j, "run");
        row->fps = s_double(j, "fps");
        row->mb_per_s = s_double(j, "mb_per_s");
        s_ledger(row->ledger, sizeof row->ledger, j, ledger_keys[d]);
        row->lost = s_lost((enum cs_daemon_id) d, j);
        row->has_latency =
            cs_json_get_double(j, recent ? "latency_recent_p50_us" : "latency_p50_us", &row->p50_us)
                == 0
            && cs_json_get_double(j, recent ? "latency_recent_p99_us" : "latency_p99_us",
                                  &row->p99_us)
                   == 0;
        (void) cs_json_copy_string(j, "file", row->file, sizeof row->file);
    }
    if (cam && pub && answers[CS_DAEMON_CAMERAD].error == 0 && answers[CS_DAEMON_PUBD].error == 0)
        rows[CS_DAEMON_PUBD].queue = s_behind(cam, pub, s_bool(pub, "run_open"));
    rows[CS_DAEMON_PUBD].queue_max = cs_conf_hwm(conf->camerad.send_buffer_mb, frame)
                                     + cs_conf_hwm(conf->pubd.ingest_buffer_mb, frame);
    for (int d = CS_DAEMON_ANALYZERD; d <= CS_DAEMON_SAVERD; d++) {
        uint32_t mb = d == CS_DAEMON_SAVERD ? conf->saverd.receive_buffer_mb
                                            : conf->analyzerd.receive_buffer_mb;

        if (pub && answers[CS_DAEMON_PUBD].error == 0 && answers[d].error == 0 && answers[d].json)
            rows[d].queue = s_behind(pub, answers[d].json, s_bool(answers[d].json, "run_active"));
        rows[d].queue_max =
            cs_conf_hwm(conf->pubd.subscriber_buffer_mb, frame) + cs_conf_hwm(mb, frame);
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
        char up[48], run[24], queue[48], lat[40];

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
            (void) snprintf(line, sizeof line, "%-10s %-11s %7.1f %7.1f %-12s %-15s %6lld %s%s%s",
                            cs_daemon_name(d), row->state, row->fps, row->mb_per_s, queue, lat,
                            (long long) row->lost, row->ledger, row->file[0] ? " file=" : "",
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
        (void) fprintf(out, " lost_total=%lld", (long long) row->lost);
        (void) fprintf(out, "%s%s%s%s\n", row->ledger[0] ? " " : "", row->ledger,
                       row->file[0] ? " file=" : "", row->file);
    }
    (void) fflush(out);
}

/* What --json shows of a daemon that did not answer. NULL on ENOMEM. */
static json_t *
s_down_json(const struct client_answer *a)
{
    json_t *o = json_object();

    if (!o || json_object_set_new(o, "ok", json_false()) < 0
        || json_object_set_new(o, "down", json_true()) < 0
        || json_object_set_new(o, "running", json_boolean(!a->not_running)) < 0
        || cs_json_set_string(o, "error", a->reason) < 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

int
report_print_json(FILE *out, const struct client_answer answers[CS_DAEMON_COUNT])
{
    json_t *all = json_object();
    char *text = NULL;
    int r = -ENOMEM;

    if (!all)
        return -ENOMEM;
    for (int d = 0; d < CS_DAEMON_COUNT; d++) {
        const struct client_answer *a = &answers[d];
        json_t *v;

        if (!a->asked)
            continue;
        v = a->error == 0 && a->json ? json_incref(a->json) : s_down_json(a);
        if (!v || json_object_set_new(all, cs_daemon_name(d), v) < 0)
            goto out;
    }
    text = cs_json_dump_alloc(all);
    if (!text)
        goto out;
    r = fprintf(out, "%s\n", text) < 0 ? -EIO : 0;
out:
    free(text);
    json_decref(all);
    return r;
}
