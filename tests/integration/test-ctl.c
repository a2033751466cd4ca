/* camstackctl against the real daemons: status with exact counters and a daemon that is down,
 * watch's plain lines, steering acquisition runs and recording (two files, no frame in both),
 * snapshots whose pixels are the test-pattern frame they report, a plot of a real statistics
 * file, and malformed control requests that every daemon survives. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>
#include <czmq.h>
#include <png.h>

#include "check-main.h"
#include "harness.h"
#include "json.h"
#include "pattern.h"
#include "util.h"
#include "verify.h"
#include "view.h"

#define S_OUT 65536

static struct stack s_stack;
static char s_out[S_OUT], s_err[S_OUT];

static void
s_teardown(void)
{
    ck_assert_int_eq(stack_destroy(&s_stack), 0);
}

static void
s_start(enum cs_daemon_id d)
{
    ck_assert_int_eq(stack_start(&s_stack, d), 0);
}

static void
s_start_all(void)
{
    s_start(CS_DAEMON_PUBD);
    s_start(CS_DAEMON_ANALYZERD);
    s_start(CS_DAEMON_SAVERD);
    s_start(CS_DAEMON_CAMERAD);
}

static void
s_stop(enum cs_daemon_id d)
{
    static char log[1 << 16];
    int st = stack_stop(&s_stack, d);

    if (st != 0) {
        stack_log(&s_stack, d, log, sizeof log);
        ck_abort_msg("%s exited with status %d; its log:\n%s", cs_daemon_name(d), st,
                     strlen(log) > 3000 ? log + strlen(log) - 3000 : log);
    }
}

/* @text parsed as one JSON object, which it must be; json_decref() it. */
static json_t *
s_parse(const char *text)
{
    char err[128];
    json_t *j = cs_json_parse_object(text, strlen(text), err, sizeof err);

    ck_assert_msg(j, "not JSON (%s): %s", err, text);
    return j;
}

/* The status answer of @d, which must come and be JSON. */
static void
s_status(enum cs_daemon_id d, char *buf, size_t size)
{
    ck_assert_int_eq(stack_request(&s_stack, d, "status", 5000, buf, size), 0);
    json_decref(s_parse(buf));
}

static uint64_t
s_u64(const char *text, const char *key)
{
    json_t *j = s_parse(text);
    uint64_t v = stack_json_u64(j, key);

    json_decref(j);
    return v;
}

/* The member "ok" of the answer @text, which must be JSON and have it. */
static bool
s_ok(const char *text)
{
    json_t *j = s_parse(text);
    bool ok = false;

    ck_assert_msg(cs_json_get_bool(j, "ok", &ok) == 0, "no \"ok\" in %s", text);
    json_decref(j);
    return ok;
}

/* The member @key of @daemon's object in camstackctl status --json output. */
static uint64_t
s_ctl_u64(const char *doc, const char *daemon, const char *key)
{
    json_t *j = s_parse(doc);
    uint64_t v;

    ck_assert_msg(json_is_object(json_object_get(j, daemon)), "no %s in %s", daemon, doc);
    v = stack_json_u64(json_object_get(j, daemon), key);
    json_decref(j);
    return v;
}

static void
s_state(enum cs_daemon_id d, const char *key, const char *want)
{
    char buf[8192], got[64];
    json_t *j;

    s_status(d, buf, sizeof buf);
    j = s_parse(buf);
    ck_assert_int_eq(cs_json_copy_string(j, key, got, sizeof got), 0);
    json_decref(j);
    ck_assert_msg(strcmp(got, want) == 0, "%s: %s is '%s', expected '%s'", cs_daemon_name(d), key,
                  got, want);
}

/* Checks that no key=value key appears twice in the plain line @l (up to its newline). */
static void
s_keys_once(const char *l)
{
    const char *end = strchr(l, '\n') ? strchr(l, '\n') : l + strlen(l);

    for (const char *k = strchr(l, ' '); k && k < end; k = strchr(k + 1, ' ')) {
        const char *eq = strchr(k + 1, '=');
        char key[64];

        if (!eq || eq > end || (size_t) (eq - k) >= sizeof key)
            continue;
        (void) snprintf(key, sizeof key, " %.*s=", (int) (eq - k - 1), k + 1);
        for (const char *o = strstr(k + 1, key); o && o < end; o = strstr(o + 1, key))
            ck_abort_msg("'%s' twice in: %.*s", key, (int) (end - l), l);
    }
}

/* Checks that the line starting at @l (up to its newline) holds each of @tokens, a word
 * "key=value" or a key "key" (then followed by '='). */
static void
s_line_has(const char *l, const char *const *tokens)
{
    const char *end = strchr(l, '\n') ? strchr(l, '\n') : l + strlen(l);

    for (int i = 0; tokens[i]; i++) {
        bool found = false;
        size_t n = strlen(tokens[i]);

        for (const char *p = strstr(l, tokens[i]); p && p < end && !found;
             p = strstr(p + 1, tokens[i])) {
            char after = p[n];

            found = p[-1] == ' '
                    && (strchr(tokens[i], '=') ? after == ' ' || after == '\n' || after == '\0'
                                               : after == '=');
        }
        ck_assert_msg(found, "no '%s' in: %.*s", tokens[i], (int) (end - l), l);
    }
}

/* --- the roles table ---------------------------------------------------------------------- */

/* The daemons the build makes (daemons/<name>/<name>) are the rows of the roles table, which
 * camstackctl, the harness and the config's control_<name> keys iterate over. */
START_TEST(roles_table_is_the_daemons_built)
{
    char path[PATH_MAX];
    struct dirent *e;
    int built = 0;
    DIR *dir;

    for (int d = 0; d < CS_DAEMON_COUNT; d++) {
        char rel[64];

        (void) snprintf(rel, sizeof rel, "daemons/%s/%s", cs_daemon_name(d), cs_daemon_name(d));
        stack_build_path(path, sizeof path, rel);
        ck_assert_msg(access(path, X_OK) == 0, "row %s: no program %s", cs_daemon_name(d), path);
    }
    stack_build_path(path, sizeof path, "daemons");
    dir = opendir(path);
    ck_assert_ptr_nonnull(dir);
    while ((e = readdir(dir))) {
        char prog[PATH_MAX], rel[NAME_MAX * 2 + 16];
        enum cs_daemon_id d;

        (void) snprintf(rel, sizeof rel, "daemons/%s/%s", e->d_name, e->d_name);
        stack_build_path(prog, sizeof prog, rel);
        if (e->d_name[0] == '.' || access(prog, X_OK) < 0)
            continue;
        ck_assert_msg(cs_daemon_from_name(e->d_name, &d) == 0,
                      "%s is built but not in the roles table", e->d_name);
        built++;
    }
    ck_assert_int_eq(closedir(dir), 0);
    ck_assert_int_eq(built, CS_DAEMON_COUNT);
}
END_TEST

/* --- status and watch ------------------------------------------------------------------- */

START_TEST(status_counts_exactly_and_names_a_daemon_down)
{
    struct stack_params p = { .pixfmt = CS_PIXFMT_GREY,
                              .width = 160,
                              .height = 120,
                              .fps = 200,
                              .frames = 60,
                              .wait_subscribers = 2 };
    const char *lines[CS_DAEMON_COUNT] = { NULL };
    uint64_t t0;

    ck_assert_int_eq(stack_init(&s_stack, &p), 0);
    s_start_all();
    ck_assert_int_eq(stack_wait(&s_stack, CS_DAEMON_CAMERAD), 0); /* after frames = 60 */
    stack_await(&s_stack, CS_DAEMON_SAVERD, "runs_ended", 1, 20000);
    stack_await(&s_stack, CS_DAEMON_SAVERD, "files_closed", 1, 20000); /* by the writer */
    stack_await(&s_stack, CS_DAEMON_ANALYZERD, "runs_ended", 1, 20000);

    ck_assert_int_eq(STACK_CTL(&s_stack, s_out, s_err, "--timeout", "1000", "status", "--json"), 1);
    {
        json_t *all = s_parse(s_out), *cam = json_object_get(all, "camerad");
        bool ok = true, down = false, running = true;

        ck_assert_int_eq(cs_json_get_bool(cam, "ok", &ok), 0);
        ck_assert_int_eq(cs_json_get_bool(cam, "down", &down), 0);
        ck_assert_int_eq(cs_json_get_bool(cam, "running", &running), 0);
        ck_assert_msg(!ok && down && !running, "%s", s_out);
        json_decref(all);
    }
    ck_assert_msg(strstr(s_err, "camstackctl: camerad is down: "), "%s", s_err);
    ck_assert_msg(!strstr(s_err, "pubd is down") && !strstr(s_err, "saverd is down"), "%s", s_err);
    ck_assert_uint_eq(s_ctl_u64(s_out, "pubd", "frames_in"), 60);
    ck_assert_uint_eq(s_ctl_u64(s_out, "pubd", "rejected"), 0);
    ck_assert_uint_eq(s_ctl_u64(s_out, "pubd", "next_seq"), 60);
    for (const char *d = "analyzerd"; d; d = strcmp(d, "analyzerd") == 0 ? "saverd" : NULL) {
        ck_assert_uint_eq(s_ctl_u64(s_out, d, "received"), 60);
        ck_assert_uint_eq(s_ctl_u64(s_out, d, "lost"), 0);
        ck_assert_uint_eq(s_ctl_u64(s_out, d, "bad"), 0);
        ck_assert_uint_eq(s_ctl_u64(s_out, d, "latency_count"), 60);
        ck_assert_uint_eq(s_ctl_u64(s_out, d, "runs_ended"), 1);
    }
    ck_assert_uint_eq(s_ctl_u64(s_out, "pubd", "latency_count"), 60);
    ck_assert_uint_eq(s_ctl_u64(s_out, "analyzerd", "analysed"), 60);
    ck_assert_uint_eq(s_ctl_u64(s_out, "analyzerd", "analysed_latency_count"), 60);
    ck_assert_uint_eq(s_ctl_u64(s_out, "saverd", "written"), 60);
    ck_assert_uint_eq(s_ctl_u64(s_out, "saverd", "written_latency_count"), 60);
    ck_assert_uint_eq(s_ctl_u64(s_out, "saverd", "files_closed"), 1);
    ck_assert_uint_eq(s_ctl_u64(s_out, "saverd", "unrecorded"), 0);

    /* The table: one row per daemon, the one that is down says so. */
    ck_assert_int_eq(STACK_CTL(&s_stack, s_out, s_err, "--timeout", "1000", "status"), 1);
    ck_assert_msg(strncmp(s_out, "DAEMON", 6) == 0, "%s", s_out);
    for (int d = 0; d < CS_DAEMON_COUNT; d++) {
        char row[32];

        (void) snprintf(row, sizeof row, "\n%-10s ", cs_daemon_name(d));
        lines[d] = strstr(s_out, row);
        ck_assert_msg(lines[d], "no row for %s in:\n%s", cs_daemon_name(d), s_out);
    }
    ck_assert_msg(strncmp(lines[CS_DAEMON_CAMERAD] + 12, "not running", 11) == 0, "%s", s_out);
    s_line_has(lines[CS_DAEMON_SAVERD] + 1,
               (const char *[]){ "received=60", "lost=0", "bad=0", "written=60", "queue_dropped=0",
                                 "write_dropped=0", "removed=0", "lost_total=0", NULL });
    s_line_has(lines[CS_DAEMON_PUBD] + 1,
               (const char *[]){ "frames_in=60", "rejected=0", "lost_total=0", NULL });

    /* watch into a pipe: plain lines, one per daemon and refresh. */
    ck_assert_int_eq(STACK_CTL(&s_stack, s_out, s_err, "--timeout", "500", "watch", "--count", "2",
                               "--interval", "200"),
                     0);
    {
        int n = 0, down = 0;

        for (const char *l = s_out; *l; l = strchr(l, '\n') + 1) {
            n++;
            if (strstr(l, " camerad state=not-running\n") == strchr(l, ' '))
                down++;
            s_keys_once(l);
            if (!strchr(l, '\n'))
                break;
        }
        ck_assert_msg(n == 2 * CS_DAEMON_COUNT && down == 2, "%d lines, %d down:\n%s", n, down,
                      s_out);
        ck_assert_msg(strstr(s_out, " saverd state=ready uptime_s="), "%s", s_out);
        s_line_has(strstr(s_out, " saverd state=") + 1,
                   (const char *[]){ "latency_p50_us", "received=60", "lost=0", "written=60",
                                     "queue_dropped=0", "lost_total=0", "file", NULL });
    }
    s_stop(CS_DAEMON_PUBD);
    s_stop(CS_DAEMON_ANALYZERD);
    s_stop(CS_DAEMON_SAVERD);

    /* Nothing runs: every daemon is not running, known at once (the sockets are gone), and
     * the required ones are down for the command. */
    t0 = cs_now_ns(CLOCK_MONOTONIC);
    ck_assert_int_eq(STACK_CTL(&s_stack, s_out, s_err, "--timeout", "5000", "status"), 1);
    ck_assert_uint_lt(cs_now_ns(CLOCK_MONOTONIC) - t0, 2 * CS_NSEC_PER_SEC);
    for (int d = 0; d < CS_DAEMON_COUNT; d++) {
        char needle[64];

        (void) snprintf(needle, sizeof needle, "\n%-10s not running", cs_daemon_name(d));
        ck_assert_msg(strstr(s_out, needle), "%s", s_out);
        (void) snprintf(needle, sizeof needle, "camstackctl: %s is down", cs_daemon_name(d));
        ck_assert_msg(!strstr(s_err, needle) == cs_daemon_role(d)->optional, "%s", s_err);
    }
}
END_TEST

/* An optional daemon that is not running, even with its socket file left behind by a kill:
 * status shows it so at once and succeeds; a required one down fails it. */
START_TEST(status_shows_an_optional_daemon_not_running)
{
    struct stack_params p = { .pixfmt = CS_PIXFMT_GREY,
                              .width = 64,
                              .height = 48,
                              .fps = 100,
                              .frames = 0,
                              .wait_subscribers = 1 };
    char sock[PATH_MAX];
    uint64_t t0;
    int st;

    ck_assert_int_eq(stack_init(&s_stack, &p), 0);
    s_start(CS_DAEMON_PUBD);
    s_start(CS_DAEMON_ANALYZERD);
    s_start(CS_DAEMON_SAVERD);
    s_start(CS_DAEMON_CAMERAD);
    stack_await(&s_stack, CS_DAEMON_SAVERD, "written", 10, 20000);
    /* A crash leaves analyzerd's control socket file behind, with nothing listening. */
    stack_signal(&s_stack, CS_DAEMON_ANALYZERD, SIGKILL);
    ck_assert_int_eq(stack_wait(&s_stack, CS_DAEMON_ANALYZERD), 128 + SIGKILL);
    (void) snprintf(sock, sizeof sock, "%s/run/analyzerd.control", s_stack.dir);
    ck_assert_msg(access(sock, F_OK) == 0, "no stale socket %s", sock);

    t0 = cs_now_ns(CLOCK_MONOTONIC);
    st = STACK_CTL(&s_stack, s_out, s_err, "--timeout", "5000", "status");
    ck_assert_msg(st == 0, "exit %d: %s%s", st, s_out, s_err);
    ck_assert_uint_lt(cs_now_ns(CLOCK_MONOTONIC) - t0, CS_NSEC_PER_SEC);
    ck_assert_msg(strstr(s_out, "\nanalyzerd  not running"), "%s", s_out);
    ck_assert_msg(strstr(s_out, "\nsaverd     recording "), "%s", s_out);
    ck_assert_str_eq(s_err, "");
    st = STACK_CTL(&s_stack, s_out, s_err, "--timeout", "5000", "status", "--json");
    ck_assert_msg(st == 0, "exit %d: %s%s", st, s_out, s_err);
    {
        json_t *all = s_parse(s_out);
        bool running = true;

        ck_assert_int_eq(cs_json_get_bool(json_object_get(all, "analyzerd"), "running", &running),
                         0);
        ck_assert(!running);
        ck_assert_uint_gt(stack_json_u64(json_object_get(all, "saverd"), "written"), 0);
        json_decref(all);
    }
    st = STACK_CTL(&s_stack, s_out, s_err, "--timeout", "5000", "watch", "--count", "1", "--plain");
    ck_assert_msg(st == 0 && strstr(s_out, " analyzerd state=not-running\n"), "exit %d: %s", st,
                  s_out);

    /* pubd is required: down, the command fails and says so. */
    s_stop(CS_DAEMON_CAMERAD);
    s_stop(CS_DAEMON_PUBD);
    t0 = cs_now_ns(CLOCK_MONOTONIC);
    ck_assert_int_eq(STACK_CTL(&s_stack, s_out, s_err, "--timeout", "5000", "status"), 1);
    ck_assert_uint_lt(cs_now_ns(CLOCK_MONOTONIC) - t0, CS_NSEC_PER_SEC);
    ck_assert_msg(strstr(s_err, "camstackctl: pubd is down: not running"), "%s", s_err);
    ck_assert_msg(!strstr(s_err, "analyzerd"), "%s", s_err);
    s_stop(CS_DAEMON_SAVERD);
}
END_TEST

/* --- acquisition ------------------------------------------------------------------------- */

START_TEST(acquire_stop_and_start_runs)
{
    struct stack_params p = { .pixfmt = CS_PIXFMT_GREY,
                              .width = 64,
                              .height = 48,
                              .fps = 200,
                              .frames = 0,
                              .wait_subscribers = 2 };
    struct expect e = { .pixfmt = CS_PIXFMT_GREY, .width = 64, .height = 48, .complete = 1 };
    char buf[8192], files[3][PATH_MAX];
    uint64_t c1, run1;

    ck_assert_int_eq(stack_init(&s_stack, &p), 0);
    s_start_all();
    stack_await(&s_stack, CS_DAEMON_SAVERD, "written", 20, 20000);
    s_status(CS_DAEMON_CAMERAD, buf, sizeof buf);
    {
        json_t *j = s_parse(buf);
        char row[64];
        const char *activity;

        ck_assert_int_eq(cs_json_get_string(j, "activity", &activity), 0);
        (void) snprintf(row, sizeof row, "\ncamerad    %-11s ", activity);
        json_decref(j);
        ck_assert_int_eq(STACK_CTL(&s_stack, s_out, s_err, "status"), 0);
        ck_assert_msg(strstr(s_out, row), "no '%s' in %s", row + 1, s_out);
    }

    /* A run is going: start is refused, and says why. */
    ck_assert_int_eq(STACK_CTL(&s_stack, s_out, s_err, "acquire", "start", "--frames", "5"), 1);
    ck_assert_msg(strstr(s_err, "camerad refused 'acquire start 5': run ")
                      && strstr(s_err, " is going; 'acquire stop' ends it"),
                  "%s", s_err);
    ck_assert_int_eq(STACK_CTL(&s_stack, s_out, s_err, "acquire", "start", "--frames", "x"), 2);
    ck_assert_int_eq(STACK_CTL(&s_stack, s_out, s_err, "acquire", "stop", "--frames", "3"), 2);

    ck_assert_int_eq(STACK_CTL(&s_stack, s_out, s_err, "acquire", "stop"), 0);
    ck_assert_msg(strncmp(s_out, "camerad: idle after run ", 24) == 0, "%s", s_out);
    s_status(CS_DAEMON_CAMERAD, buf, sizeof buf);
    s_state(CS_DAEMON_CAMERAD, "acquisition", "idle");
    c1 = s_u64(buf, "captured");
    run1 = s_u64(buf, "run");
    ck_assert_uint_eq(s_u64(buf, "sent"), c1);
    ck_assert_uint_eq(s_u64(buf, "next_seq"), c1);
    ck_assert_uint_ge(c1, 20);
    stack_await(&s_stack, CS_DAEMON_SAVERD, "runs_ended", 1, 20000);
    stack_await(&s_stack, CS_DAEMON_ANALYZERD, "runs_ended", 1, 20000);
    /* Idle: nothing more comes. */
    ck_assert_int_eq(stack_status(&s_stack, CS_DAEMON_CAMERAD, "captured", 5000), (int64_t) c1);
    ck_assert_int_eq(stack_status(&s_stack, CS_DAEMON_SAVERD, "received", 5000), (int64_t) c1);
    ck_assert_int_eq(STACK_CTL(&s_stack, s_out, s_err, "acquire", "stop"),
                     0); /* already idle: fine */

    ck_assert_int_eq(STACK_CTL(&s_stack, s_out, s_err, "acquire", "start", "--frames", "30"), 0);
    ck_assert_msg(strstr(s_out, "camerad: run ") && strstr(s_out, " started, 30 frames"), "%s",
                  s_out);
    stack_await(&s_stack, CS_DAEMON_CAMERAD, "captured", (int64_t) c1 + 30, 20000);
    stack_await(&s_stack, CS_DAEMON_SAVERD, "runs_ended", 2, 20000);
    stack_await(&s_stack, CS_DAEMON_SAVERD, "files_closed", 2, 20000);
    stack_await(&s_stack, CS_DAEMON_ANALYZERD, "runs_ended", 2, 20000);
    s_status(CS_DAEMON_CAMERAD, buf, sizeof buf);
    s_state(CS_DAEMON_CAMERAD, "acquisition", "idle"); /* after its 30 frames, not exited */
    ck_assert_uint_eq(s_u64(buf, "captured"), c1 + 30);
    ck_assert_uint_eq(s_u64(buf, "runs"), 2);
    ck_assert_uint_eq(s_u64(buf, "next_seq"), 30);
    ck_assert_uint_gt(s_u64(buf, "run"), run1);
    s_status(CS_DAEMON_SAVERD, buf, sizeof buf);
    ck_assert_uint_eq(s_u64(buf, "received"), c1 + 30);
    ck_assert_uint_eq(s_u64(buf, "written"), c1 + 30);
    ck_assert_uint_eq(s_u64(buf, "lost"), 0);
    ck_assert_uint_eq(s_u64(buf, "files_closed"), 2);

    s_stop(CS_DAEMON_CAMERAD); /* stopped while idle: exit 0 */
    s_stop(CS_DAEMON_PUBD);
    s_stop(CS_DAEMON_ANALYZERD);
    s_stop(CS_DAEMON_SAVERD);
    ck_assert_int_eq(stack_files(s_stack.movies, files, 3), 2);
    e.frames = c1;
    verify_movie(files[0], &e);
    e.frames = 30;
    verify_movie(files[1], &e);
    ck_assert_int_eq(stack_files(s_stack.stats, files, 3), 2);
    e.frames = c1;
    verify_stats(files[0], &e);
    e.frames = 30;
    verify_stats(files[1], &e);
}
END_TEST

/* --- recording --------------------------------------------------------------------------- */

START_TEST(record_stop_and_start_make_two_files_without_a_common_frame)
{
    struct stack_params p = { .pixfmt = CS_PIXFMT_GREY,
                              .width = 64,
                              .height = 48,
                              .fps = 200,
                              .frames = 0,
                              .wait_subscribers = 2 };
    struct expect e = { .pixfmt = CS_PIXFMT_GREY, .width = 64, .height = 48 };
    char buf[8192], files[4][PATH_MAX], first_two[2][PATH_MAX];
    int newest = -1;
    uint64_t w1, a1, sent, f2, n2, unrecorded;

    ck_assert_int_eq(stack_init(&s_stack, &p), 0);
    s_start_all();
    stack_await(&s_stack, CS_DAEMON_SAVERD, "written", 20, 20000);
    ck_assert_int_eq(STACK_CTL(&s_stack, s_out, s_err, "record", "stop"), 0);
    ck_assert_msg(strstr(s_out, "saverd: recording off; last file ") && strstr(s_out, ".h5"), "%s",
                  s_out);
    s_state(CS_DAEMON_SAVERD, "record", "off");
    /* The writer writes what was queued before the stop, then closes the file. */
    stack_await(&s_stack, CS_DAEMON_SAVERD, "files_closed", 1, 20000);
    s_status(CS_DAEMON_SAVERD, buf, sizeof buf);
    w1 = s_u64(buf, "written");
    ck_assert_uint_eq(s_u64(buf, "files_closed"), 1);
    ck_assert_uint_eq(s_u64(buf, "queued"), 0);
    /* Frames go on flowing while saverd does not write them. */
    a1 = (uint64_t) stack_status(&s_stack, CS_DAEMON_ANALYZERD, "received", 5000);
    stack_await(&s_stack, CS_DAEMON_ANALYZERD, "received", (int64_t) a1 + 20, 20000);
    stack_await(&s_stack, CS_DAEMON_SAVERD, "unrecorded", 20, 20000);
    ck_assert_int_eq(stack_status(&s_stack, CS_DAEMON_SAVERD, "written", 5000), (int64_t) w1);
    ck_assert_int_eq(STACK_CTL(&s_stack, s_out, s_err, "record", "start"), 0);
    ck_assert_str_eq(s_out, "saverd: recording on\n");
    stack_await(&s_stack, CS_DAEMON_SAVERD, "written", (int64_t) w1 + 20, 20000);
    ck_assert_int_eq(STACK_CTL(&s_stack, s_out, s_err, "acquire", "stop"), 0);
    stack_await(&s_stack, CS_DAEMON_SAVERD, "runs_ended", 1, 20000);
    stack_await(&s_stack, CS_DAEMON_SAVERD, "files_closed", 2, 20000);

    s_status(CS_DAEMON_CAMERAD, buf, sizeof buf);
    sent = s_u64(buf, "sent");
    ck_assert_uint_eq(s_u64(buf, "dropped_at_source"), 0);
    s_status(CS_DAEMON_SAVERD, buf, sizeof buf);
    ck_assert_uint_eq(s_u64(buf, "received"), sent);
    ck_assert_uint_eq(s_u64(buf, "lost"), 0);
    ck_assert_uint_eq(s_u64(buf, "files_closed"), 2);
    unrecorded = s_u64(buf, "unrecorded");
    ck_assert_uint_eq(s_u64(buf, "written") + unrecorded, sent);

    ck_assert_int_eq(stack_files(s_stack.movies, files, 4), 2);
    memcpy(first_two, files, sizeof first_two);
    /* Named by their first frame's time: the second file may be a part -0001 of the same
     * second. Tell them apart by where they begin. */
    if (verify_root_attr(files[0], "first_seq") > verify_root_attr(files[1], "first_seq")) {
        char t[PATH_MAX];

        memcpy(t, files[0], PATH_MAX);
        memcpy(files[0], files[1], PATH_MAX);
        memcpy(files[1], t, PATH_MAX);
    }
    /* The first: seq 0 .. w1-1, closed cleanly by record stop before its run ended. */
    e.first_seq = 0;
    e.frames = w1;
    e.complete = 1;
    verify_movie(files[0], &e);
    /* The second: from the first frame after record start to the end of the run. */
    f2 = verify_root_attr(files[1], "first_seq");
    n2 = verify_root_attr(files[1], "frames");
    ck_assert_uint_eq(f2, w1 + unrecorded); /* no frame in both, none written twice */
    ck_assert_uint_eq(f2 + n2, sent);
    e.first_seq = f2;
    e.frames = n2;
    e.complete = 1;
    verify_movie(files[1], &e);

    /* A whole run while off leaves no file; the next run while on is one file. */
    ck_assert_int_eq(STACK_CTL(&s_stack, s_out, s_err, "record", "stop"), 0);
    ck_assert_int_eq(STACK_CTL(&s_stack, s_out, s_err, "acquire", "start", "--frames", "25"), 0);
    stack_await(&s_stack, CS_DAEMON_SAVERD, "runs_ended", 2, 20000);
    ck_assert_int_eq(stack_status(&s_stack, CS_DAEMON_SAVERD, "unrecorded", 5000),
                     (int64_t) unrecorded + 25);
    ck_assert_int_eq(STACK_CTL(&s_stack, s_out, s_err, "record", "start"), 0);
    ck_assert_int_eq(STACK_CTL(&s_stack, s_out, s_err, "acquire", "start", "--frames", "15"), 0);
    stack_await(&s_stack, CS_DAEMON_SAVERD, "runs_ended", 3, 20000);
    stack_await(&s_stack, CS_DAEMON_SAVERD, "files_closed", 3, 20000);
    s_stop(CS_DAEMON_CAMERAD);
    s_stop(CS_DAEMON_PUBD);
    s_stop(CS_DAEMON_ANALYZERD);
    s_stop(CS_DAEMON_SAVERD);
    ck_assert_int_eq(stack_files(s_stack.movies, files, 4), 3);
    ck_assert_int_eq(stack_ledger(&s_stack, CS_DAEMON_SAVERD, "unrecorded"),
                     (int64_t) unrecorded + 25);
    for (int i = 0; i < 3; i++) {
        if (strcmp(files[i], first_two[0]) != 0 && strcmp(files[i], first_two[1]) != 0)
            newest = i;
    }
    ck_assert_int_ge(newest, 0);
    e.first_seq = 0;
    e.frames = 15;
    e.complete = 1;
    verify_movie(files[newest], &e);
}
END_TEST

/* --- snapshot ---------------------------------------------------------------------------- */

struct s_snap_case {
    enum cs_pixfmt pixfmt;
    unsigned width, height;
    bool raw16;
};

static const struct s_snap_case s_snap_cases[] = {
    { CS_PIXFMT_GREY, 61, 33, false },  { CS_PIXFMT_Y16, 80, 45, false },
    { CS_PIXFMT_Y16, 80, 45, true },    { CS_PIXFMT_RGB24, 51, 29, false },
    { CS_PIXFMT_BGR24, 51, 29, false }, { CS_PIXFMT_YUYV, 64, 48, false },
};

static uint8_t
s_clamp(int v)
{
    return (uint8_t) (v < 0 ? 0 : v > 255 ? 255 : v);
}

/* The sample of the PNG at (x, y, k) that frame @seq of the pattern must give, from the
 * pattern's formula and the conversions documented in view.h and camstackctl(1). */
static unsigned
s_expected(const struct s_snap_case *c, uint64_t seq, uint32_t x, uint32_t y, unsigned k,
           uint32_t lo, uint32_t hi)
{
    switch (c->pixfmt) {
    case CS_PIXFMT_GREY:
        return cs_pattern_sample(c->pixfmt, x, y, 0, seq);
    case CS_PIXFMT_Y16: {
        uint32_t v = cs_pattern_sample(c->pixfmt, x, y, 0, seq), r = hi - lo;

        if (c->raw16)
            return v;
        return r ? ((v - lo) * 255 + r / 2) / r : 0;
    }
    case CS_PIXFMT_RGB24:
    case CS_PIXFMT_BGR24:
        return cs_pattern_sample(c->pixfmt, x, y, k, seq); /* R, G, B = channels 0, 1, 2 */
    case CS_PIXFMT_YUYV: {
        int Y = (int) cs_pattern_sample(c->pixfmt, x, y, 0, seq) - 16;
        int U = (int) cs_pattern_sample(c->pixfmt, x & ~1u, y, 1, seq) - 128;
        int V = (int) cs_pattern_sample(c->pixfmt, x | 1u, y, 1, seq) - 128;

        if (k == 0)
            return s_clamp((298 * Y + 409 * V + 128) >> 8);
        if (k == 1)
            return s_clamp((298 * Y - 100 * U - 208 * V + 128) >> 8);
        return s_clamp((298 * Y + 516 * U + 128) >> 8);
    }
    case CS_PIXFMT_COUNT:
        break;
    }
    return 0;
}

/* Decodes @path with libpng, as it is (no transformation), and compares every sample. */
static void
s_check_png(const char *path, const struct s_snap_case *c, uint64_t seq)
{
    FILE *f = fopen(path, "rb");
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    unsigned channels = c->pixfmt == CS_PIXFMT_GREY || c->pixfmt == CS_PIXFMT_Y16 ? 1 : 3;
    unsigned depth = c->raw16 ? 16 : 8;
    uint32_t lo = UINT32_MAX, hi = 0;
    png_bytepp rows;

    ck_assert_ptr_nonnull(f);
    png_init_io(png, f);
    png_read_png(png, info, PNG_TRANSFORM_IDENTITY, NULL);
    ck_assert_uint_eq(png_get_image_width(png, info), c->width);
    ck_assert_uint_eq(png_get_image_height(png, info), c->height);
    ck_assert_int_eq(png_get_bit_depth(png, info), (int) depth);
    ck_assert_int_eq(png_get_color_type(png, info),
                     channels == 3 ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_GRAY);
    for (uint32_t y = 0; y < c->height && c->pixfmt == CS_PIXFMT_Y16; y++) {
        for (uint32_t x = 0; x < c->width; x++) {
            uint32_t v = cs_pattern_sample(c->pixfmt, x, y, 0, seq);

            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
    }
    rows = png_get_rows(png, info);
    for (uint32_t y = 0; y < c->height; y++) {
        for (uint32_t x = 0; x < c->width; x++) {
            for (unsigned k = 0; k < channels; k++) {
                const png_byte *p = rows[y] + (x * channels + k) * depth / 8;
                unsigned got = depth == 16 ? (unsigned) (p[0] << 8 | p[1]) : p[0];
                unsigned want = s_expected(c, seq, x, y, k, lo, hi);

                ck_assert_msg(got == want, "%s seq %llu: (%u, %u, %u) is %u, expected %u",
                              cs_pixfmt_info(c->pixfmt)->name, (unsigned long long) seq, x, y, k,
                              got, want);
            }
        }
    }
    png_destroy_read_struct(&png, &info, NULL);
    (void) fclose(f);
}

START_TEST(snapshot_is_the_frame_it_reports)
{
    const struct s_snap_case *c = &s_snap_cases[_i];
    struct stack_params p = { .pixfmt = c->pixfmt,
                              .width = c->width,
                              .height = c->height,
                              .fps = 100,
                              .frames = 0,
                              .wait_subscribers = 0 };
    char path[PATH_MAX], fourcc[5];
    const char *q;
    uint64_t seq, run;

    ck_assert_int_eq(stack_init(&s_stack, &p), 0);
    s_start(CS_DAEMON_PUBD);
    s_start(CS_DAEMON_CAMERAD);
    stack_await(&s_stack, CS_DAEMON_PUBD, "frames_in", 5, 20000);
    (void) snprintf(path, sizeof path, "%s/snap.png", s_stack.dir);
    if (c->raw16)
        ck_assert_int_eq(STACK_CTL(&s_stack, s_out, s_err, "snapshot", path, "--raw16"), 0);
    else
        ck_assert_int_eq(STACK_CTL(&s_stack, s_out, s_err, "snapshot", path), 0);
    cs_fourcc_str(cs_pixfmt_info(c->pixfmt)->fourcc, fourcc);
    q = strstr(s_out, ": run ");
    ck_assert_msg(q && sscanf(q, ": run %lu seq %lu", &run, &seq) == 2, "%s", s_out);
    ck_assert_uint_eq(run, (uint64_t) stack_status(&s_stack, CS_DAEMON_CAMERAD, "run", 5000));
    ck_assert_uint_ge(seq, 5); /* the next frame, not the first one */
    s_check_png(path, c, seq);

    /* No frame comes: an error within the timeout, no file. */
    s_stop(CS_DAEMON_CAMERAD);
    ck_assert_int_eq(unlink(path), 0);
    ck_assert_int_eq(STACK_CTL(&s_stack, s_out, s_err, "--timeout", "500", "snapshot", path), 1);
    ck_assert_msg(strstr(s_err, "camstackctl: snapshot: no frame of stream 'it' on ipc://")
                      && strstr(s_err, " within 500 ms"),
                  "%s", s_err);
    ck_assert_int_eq(access(path, F_OK), -1);
    s_stop(CS_DAEMON_PUBD);
}
END_TEST

/* --- plot -------------------------------------------------------------------------------- */

START_TEST(plot_draws_a_real_stats_file)
{
    struct stack_params p = { .pixfmt = CS_PIXFMT_RGB24,
                              .width = 96,
                              .height = 64,
                              .fps = 200,
                              .frames = 80,
                              .wait_subscribers = 2 };
    char stats[PATH_MAX], movie[PATH_MAX], svg[PATH_MAX], png[PATH_MAX], script[PATH_MAX];
    const char *src = getenv("CS_SOURCE_ROOT");

    ck_assert_ptr_nonnull(src);
    ck_assert_int_eq(stack_init(&s_stack, &p), 0);
    s_start(CS_DAEMON_PUBD);
    s_start(CS_DAEMON_ANALYZERD);
    s_start(CS_DAEMON_SAVERD);
    s_start(CS_DAEMON_CAMERAD);
    ck_assert_int_eq(stack_wait(&s_stack, CS_DAEMON_CAMERAD), 0);
    stack_await(&s_stack, CS_DAEMON_ANALYZERD, "runs_ended", 1, 20000);
    stack_await(&s_stack, CS_DAEMON_SAVERD, "runs_ended", 1, 20000);
    s_stop(CS_DAEMON_PUBD);
    s_stop(CS_DAEMON_ANALYZERD);
    s_stop(CS_DAEMON_SAVERD);
    stack_only_file(s_stack.stats, stats, sizeof stats);
    stack_only_file(s_stack.movies, movie, sizeof movie);
    (void) snprintf(svg, sizeof svg, "%s/stats.svg", s_stack.dir);

    ck_assert_int_eq(STACK_CTL(&s_stack, s_out, s_err, "plot", stats, svg), 0);
    ck_assert_msg(strstr(s_out, ": 80 frames of "), "%s", s_out);
    /* Well-formed for an XML parser that knows nothing of us... */
    ck_assert_int_eq(stack_run_split((const char *const[]){ "xmllint", "--noout", svg, NULL },
                                     s_out, sizeof s_out, s_err, sizeof s_err),
                     0);
    ck_assert_str_eq(s_err, "");
    /* ...and every value of the file is where the picture's axes put it (h5py, ElementTree). */
    (void) snprintf(script, sizeof script, "%s/tests/integration/check-plot.py", src);
    ck_assert_msg(
        stack_run_split((const char *const[]){ "/usr/bin/python3", script, stats, svg, NULL },
                        s_out, sizeof s_out, s_err, sizeof s_err)
            == 0,
        "%s%s", s_out, s_err);
    ck_assert_msg(strstr(s_out, "80 frames, min, max, mean and std in place"), "%s", s_out);
    /* The value axis names the RGB24 rule of the stack's config, or of --pixel-format. */
    stack_read_file(&s_stack, "stats.svg", s_out, sizeof s_out);
    ck_assert_msg(strstr(s_out, ">R + G + B (0 to 765)</text>"), "%.2000s", s_out);
    ck_assert_int_eq(
        STACK_CTL(&s_stack, s_out, s_err, "plot", "--pixel-format", "YUYV", stats, svg), 0);
    stack_read_file(&s_stack, "stats.svg", s_out, sizeof s_out);
    ck_assert_msg(strstr(s_out, ">Y (0 to 255)</text>"), "%.2000s", s_out);
    ck_assert_int_eq(
        STACK_CTL(&s_stack, s_out, s_err, "plot", "--pixel-format", "MJPG", stats, svg), 2);

    /* The same as PNG, by extension and by --format: every point of the SVG's lines is
     * painted in its colour in the PNG (check-plot.py reads it with PIL). */
    (void) snprintf(png, sizeof png, "%s/stats.png", s_stack.dir);
    ck_assert_int_eq(STACK_CTL(&s_stack, s_out, s_err, "plot", stats, png), 0);
    ck_assert_msg(
        stack_run_split((const char *const[]){ "/usr/bin/python3", script, stats, svg, png, NULL },
                        s_out, sizeof s_out, s_err, sizeof s_err)
            == 0,
        "%s%s", s_out, s_err);
    ck_assert_msg(strstr(s_out, "80 frames, min, max, mean and std in place, in the PNG too"), "%s",
                  s_out);
    (void) snprintf(png, sizeof png, "%s/stats.picture", s_stack.dir);
    ck_assert_int_eq(STACK_CTL(&s_stack, s_out, s_err, "plot", "--format", "png", stats, png), 0);
    ck_assert_msg(
        stack_run_split((const char *const[]){ "/usr/bin/python3", script, stats, svg, png, NULL },
                        s_out, sizeof s_out, s_err, sizeof s_err)
            == 0,
        "%s%s", s_out, s_err);

    /* Refusals: neither .svg nor .png, not a statistics file, no file. */
    ck_assert_int_eq(STACK_CTL(&s_stack, s_out, s_err, "plot", stats, "x.jpg"), 2);
    ck_assert_int_eq(STACK_CTL(&s_stack, s_out, s_err, "plot", "--format", "gif", stats, svg), 2);
    ck_assert_int_eq(STACK_CTL(&s_stack, s_out, s_err, "plot", movie, svg), 1);
    ck_assert_msg(strstr(s_err, "has no /entry/stats/seq: not a statistics file"), "%s", s_err);
    ck_assert_int_eq(STACK_CTL(&s_stack, s_out, s_err, "plot", "/nonexistent.h5", svg), 1);
}
END_TEST

/* --- malformed control requests ----------------------------------------------------------- */

/* Sends one message of @n_parts parts to @d on a fresh REQ socket and waits @wait_ms for an
 * answer; returns it (to free) or NULL. */
static char *
s_raw(enum cs_daemon_id d, const void *const *parts, const size_t *sizes, int n_parts, int wait_ms)
{
    char ep[PATH_MAX + 32], *answer = NULL;
    zsock_t *req;
    zmsg_t *msg = zmsg_new();

    (void) snprintf(ep, sizeof ep, "ipc://%s/run/%s.control", s_stack.dir, cs_daemon_name(d));
    req = zsock_new_req(ep);
    ck_assert_ptr_nonnull(req);
    zsock_set_rcvtimeo(req, wait_ms);
    zsock_set_linger(req, 0);
    for (int i = 0; i < n_parts; i++)
        ck_assert_int_eq(zmsg_addmem(msg, parts[i], sizes[i]), 0);
    ck_assert_int_eq(zmsg_send(&msg, req), 0);
    answer = zstr_recv(req);
    zsock_destroy(&req);
    return answer;
}

/* One request of @n bytes: its answer must come and be an error (ok false). */
static void
s_expect_refusal(enum cs_daemon_id d, const void *body, size_t n)
{
    char *answer = s_raw(d, (const void *const[]){ body }, (const size_t[]){ n }, 1, 5000);
    bool ok = true;

    ck_assert_msg(answer, "%s gave no answer to a request of %zu bytes", cs_daemon_name(d), n);
    ok = s_ok(answer);
    ck_assert_msg(!ok, "%s accepted '%.*s': %s", cs_daemon_name(d), (int) (n < 60 ? n : 60),
                  (const char *) body, answer);
    zstr_free(&answer);
}

static void
s_expect_alive(enum cs_daemon_id d)
{
    char buf[8192];
    int st;

    ck_assert_int_eq(waitpid(s_stack.pid[d], &st, WNOHANG), 0);
    s_status(d, buf, sizeof buf);
    ck_assert_msg(s_ok(buf), "%s", buf);
}

START_TEST(malformed_requests_do_not_crash_a_daemon)
{
    static const char *const bad[] = {
        "",
        "   \t\r\n",
        "nope",
        "a b c d e f g h i j",
        "status now",
        "help me",
        "subscribers -1",
        "subscribers 1001",
        "subscribers 1 60001",
        "subscribers x y",
        "subscribers 99999999999999999999999",
        "subscribers 1 2 3",
        "acquire",
        "acquire go",
        "acquire start -5",
        "acquire start 1e3",
        "acquire start 0x10",
        "acquire start 1000000000001",
        "acquire start 1 2",
        "acquire stop now",
        "record",
        "record maybe",
        "record start now",
        "STATUS",
        "status\x01",
        "\xff\xfe\xfd",
    };
    struct stack_params p = { .pixfmt = CS_PIXFMT_GREY,
                              .width = 64,
                              .height = 48,
                              .fps = 100,
                              .frames = 0,
                              .wait_subscribers = 2 };
    static uint8_t big[1 << 20];
    uint8_t rnd[2048];

    ck_assert_int_eq(stack_init(&s_stack, &p), 0);
    s_start_all();
    stack_await(&s_stack, CS_DAEMON_SAVERD, "written", 10, 20000);
    memset(big, 'x', sizeof big);
    srandom(42);
    for (int d = 0; d < CS_DAEMON_COUNT; d++) {
        char *answer;

        if (!s_stack.pid[d])
            continue; /* a row of the table this stack does not run */
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
            s_expect_refusal((enum cs_daemon_id) d, bad[i], strlen(bad[i]));
        s_expect_refusal((enum cs_daemon_id) d, "stat\0us", 7);
        s_expect_refusal((enum cs_daemon_id) d, big, 1024);  /* one long unknown word */
        s_expect_refusal((enum cs_daemon_id) d, big, 1025);  /* too long */
        s_expect_refusal((enum cs_daemon_id) d, big, 60000); /* too long, still answered */
        /* Random bytes: every one gets an answer, as JSON. */
        for (int i = 0; i < 300; i++) {
            size_t n = (size_t) random() % (i % 10 ? 64 : sizeof rnd);

            for (size_t k = 0; k < n; k++)
                rnd[k] = (uint8_t) random();
            answer = s_raw((enum cs_daemon_id) d, (const void *const[]){ rnd },
                           (const size_t[]){ n }, 1, 5000);
            ck_assert_msg(answer, "%s: no answer to %zu random bytes", cs_daemon_name(d), n);
            (void) s_ok(answer); /* JSON with "ok", whatever its value */
            zstr_free(&answer);
        }
        /* Beyond 64 KiB libzmq drops the connection; a request in two parts has no answer.
         * Neither is answered, and the daemon goes on. */
        answer = s_raw((enum cs_daemon_id) d, (const void *const[]){ big },
                       (const size_t[]){ sizeof big }, 1, 300);
        ck_assert_ptr_null(answer);
        answer = s_raw((enum cs_daemon_id) d, (const void *const[]){ "status", "status" },
                       (const size_t[]){ 6, 6 }, 2, 300);
        ck_assert_ptr_null(answer);
        s_expect_alive((enum cs_daemon_id) d);
    }
    /* The stream went on all along: stop in order, every frame accounted for. */
    for (int d = 0; d < CS_DAEMON_COUNT; d++) {
        if (s_stack.pid[d])
            s_expect_alive((enum cs_daemon_id) d);
    }
    s_state(CS_DAEMON_CAMERAD, "acquisition", "running");
    s_stop(CS_DAEMON_CAMERAD);
    s_stop(CS_DAEMON_PUBD);
    s_stop(CS_DAEMON_ANALYZERD);
    s_stop(CS_DAEMON_SAVERD);
    for (enum cs_daemon_id d = CS_DAEMON_ANALYZERD; d <= CS_DAEMON_SAVERD; d++) {
        ck_assert_int_eq(stack_ledger(&s_stack, d, "received") + stack_ledger(&s_stack, d, "lost"),
                         stack_ledger(&s_stack, CS_DAEMON_CAMERAD, "sent"));
        ck_assert_int_eq(stack_ledger(&s_stack, d, "bad"), 0);
    }
}
END_TEST

Suite *
test_suite(void)
{
    Suite *s = suite_create("camstackctl");
    TCase *tc = tcase_create("steer");

    zsys_handler_set(NULL); /* no czmq signal handler, as in the daemons */
    tcase_add_checked_fixture(tc, NULL, s_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, roles_table_is_the_daemons_built);
    tcase_add_test(tc, status_counts_exactly_and_names_a_daemon_down);
    tcase_add_test(tc, status_shows_an_optional_daemon_not_running);
    tcase_add_test(tc, acquire_stop_and_start_runs);
    tcase_add_test(tc, record_stop_and_start_make_two_files_without_a_common_frame);
    suite_add_tcase(s, tc);
    tc = tcase_create("pictures");
    tcase_add_checked_fixture(tc, NULL, s_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, snapshot_is_the_frame_it_reports, 0,
                        (int) (sizeof s_snap_cases / sizeof s_snap_cases[0]));
    tcase_add_test(tc, plot_draws_a_real_stats_file);
    suite_add_tcase(s, tc);
    tc = tcase_create("robustness");
    tcase_add_checked_fixture(tc, NULL, s_teardown);
    tcase_set_timeout(tc, 180);
    tcase_add_test(tc, malformed_requests_do_not_crash_a_daemon);
    suite_add_tcase(s, tc);
    return s;
}
