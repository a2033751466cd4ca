/* The installed units under a real systemd (PID 1 of the container that run-nspawn boots,
 * with camstack installed into it from its Debian packages): the target starts what is
 * enabled, enable and disable toggle the subscribers, systemd restarts a killed or frozen
 * daemon and the losses are counted, a config error fails once with 78, and an orderly stop
 * saves every frame camerad captured, bit-exact. Each test starts from the target stopped and a
 * fresh config. The test drives systemd with systemctl and reads the journal with journalctl, as a
 * person would; it waits on states the daemons and systemd report, never on a guess of a delay.
 * With CS_TEST_CAMERA=/dev/videoN, camerad captures from that V4L2 device instead, and one
 * test runs: the target started and stopped against the camera (the hardware suite runs it
 * in its VM, with systemd as PID 1 and vivid as the camera: tests/hardware/vm-test.sh). */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>
#include <czmq.h>
#include <hdf5.h>

#include "check-main.h"
#include "config.h"
#include "harness.h"
#include "json.h"
#include "verify.h"

#define S_MOVIES  "/var/lib/camstack/movies"
#define S_STATS   "/var/lib/camstack/stats"
#define S_RUN_DIR "/run/camstack"
#define S_DROPIN  "/run/systemd/system/camstack-%s.service.d"
#define S_WIDTH   320
#define S_HEIGHT  240
#define S_FPS     50
/* The second camera: a named stack, camstack@cam2.target reading cam2.ini. */
#define S_CAM2         "cam2"
#define S_CAM2_RUN_DIR "/run/camstack/" S_CAM2
#define S_CAM2_MOVIES  "/var/lib/camstack/" S_CAM2 "/movies"
#define S_CAM2_STATS   "/var/lib/camstack/" S_CAM2 "/stats"
#define S_CAM2_WIDTH   160
#define S_CAM2_HEIGHT  120
/* A camera: what vivid delivers natively at about 30 frames/s in the VM. */
#define S_CAMERA_WIDTH  640
#define S_CAMERA_HEIGHT 360
#define S_CAMERA_FPS    30

/* The default stack's units (camstack-<daemon>.service), named by test_suite(). */
static char s_units[CS_DAEMON_COUNT][64];

/* The unit of daemon @d of stack @name: camstack-<daemon>@<name>.service, or the default
 * stack's camstack-<daemon>.service for NULL. */
static void
s_unit_of(const char *name, enum cs_daemon_id d, char *buf, size_t size)
{
    (void) snprintf(buf, size, "camstack-%s%s%s.service", cs_daemon_name(d), name ? "@" : "",
                    name ? name : "");
}

/* The daemons these tests run: the producer, the fan-out and the frame subscribers, which the
 * tests enable. A sampler (viewd) is left disabled: the target runs without it. */
static bool
s_tested(enum cs_daemon_id d)
{
    return cs_daemon_role(d)->role != CS_ROLE_SAMPLER;
}

static char s_cursor[256];   /* the journal's end when the test began */
static const char *s_camera; /* CS_TEST_CAMERA: a V4L2 device, or NULL for the test pattern */

/* ---- commands ---- */

/* Runs @cmd with sh -c under timeout(1), stderr joined to stdout, and returns its exit
 * status, with what it printed in @out (if not NULL). */
static int
s_sh(char *out, size_t size, const char *fmt, ...)
{
    char cmd[2048], wrapped[2200];
    size_t used = 0, got;
    va_list ap;
    FILE *p;
    int st;

    va_start(ap, fmt);
    (void) vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    (void) snprintf(wrapped, sizeof wrapped, "timeout 60 sh -c '%s' 2>&1", cmd);
    p = popen(wrapped, "r");
    ck_assert_ptr_nonnull(p);
    if (out && size) {
        while (used + 1 < size && (got = fread(out + used, 1, size - used - 1, p)) > 0)
            used += got;
        out[used] = '\0';
    }
    while (fgetc(p) != EOF)
        ;
    st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Runs @cmd and fails the test unless it exits 0. */
#define s_ok(...)                                                  \
    do {                                                           \
        char out_[4096];                                           \
        int rc_ = s_sh(out_, sizeof out_, __VA_ARGS__);            \
        ck_assert_msg(rc_ == 0, "exit status %d:\n%s", rc_, out_); \
    } while (0)

static void
s_chomp(char *s)
{
    size_t n = strlen(s);

    while (n && isspace((unsigned char) s[n - 1]))
        s[--n] = '\0';
}

/* `systemctl show -P @prop @unit` into @out. */
static void
s_show(const char *unit, const char *prop, char *out, size_t size)
{
    ck_assert_int_eq(s_sh(out, size, "systemctl show -P %s %s", prop, unit), 0);
    s_chomp(out);
}

static uint64_t
s_show_u64(const char *unit, const char *prop)
{
    char v[64];

    s_show(unit, prop, v, sizeof v);
    return strtoull(v, NULL, 10);
}

static void
s_assert_show(const char *unit, const char *prop, const char *want)
{
    char v[256];

    s_show(unit, prop, v, sizeof v);
    ck_assert_msg(strcmp(v, want) == 0, "%s: %s is '%s', expected '%s'", unit, prop, v, want);
}

/* Polls @unit's @prop until it reads @want (systemd's state, as systemctl reports it). */
static void
s_await_show(const char *unit, const char *prop, const char *want, int timeout_ms)
{
    int64_t deadline = zclock_mono() + timeout_ms;
    char v[256] = "";

    while (zclock_mono() < deadline) {
        s_show(unit, prop, v, sizeof v);
        if (strcmp(v, want) == 0)
            return;
        zclock_sleep(50); /* the interval between two polls */
    }
    ck_abort_msg("%s: %s stayed '%s', expected '%s' within %d ms", unit, prop, v, want, timeout_ms);
}

/* Polls @unit's STATUS= text (as systemctl shows it) until it contains @text. */
static void
s_await_status_text(const char *unit, const char *text, int timeout_ms)
{
    int64_t deadline = zclock_mono() + timeout_ms;
    char v[512] = "";

    while (zclock_mono() < deadline) {
        s_show(unit, "StatusText", v, sizeof v);
        if (strstr(v, text))
            return;
        zclock_sleep(50); /* the interval between two polls */
    }
    ck_abort_msg("%s: STATUS= stayed '%s', without '%s', for %d ms", unit, v, text, timeout_ms);
}

/* ---- what the daemons report ---- */

/* Asks daemon @d's control endpoint in @run_dir for "status" and returns its whole number @key
 * (a bool is 1 or 0), or -1 if it did not answer within a second or has no such number. */
static int64_t
s_status_in(const char *run_dir, enum cs_daemon_id d, const char *key)
{
    char ep[128], *reply = NULL;
    json_t *status = NULL;
    const json_t *v;
    int64_t r = -1;
    zsock_t *req;

    (void) snprintf(ep, sizeof ep, "ipc://%s/%s.control", run_dir, cs_daemon_name(d));
    req = zsock_new_req(ep);
    ck_assert_ptr_nonnull(req);
    zsock_set_rcvtimeo(req, 1000);
    zsock_set_linger(req, 0);
    if (zstr_send(req, "status") == 0)
        reply = zstr_recv(req);
    if (reply)
        status = cs_json_parse_object(reply, strlen(reply), NULL, 0);
    v = json_object_get(status, key);
    if (json_is_integer(v))
        r = (int64_t) json_integer_value(v);
    else if (json_is_real(v)) /* uptime_s: whole seconds are enough here */
        r = (int64_t) json_real_value(v);
    else if (json_is_boolean(v))
        r = json_is_true(v) ? 1 : 0;
    json_decref(status);
    zstr_free(&reply);
    zsock_destroy(&req);
    return r;
}

/* The default stack's. */
static int64_t
s_status(enum cs_daemon_id d, const char *key)
{
    return s_status_in(S_RUN_DIR, d, key);
}

static void
s_await_status_in(const char *run_dir, enum cs_daemon_id d, const char *key, int64_t value,
                  int timeout_ms)
{
    int64_t deadline = zclock_mono() + timeout_ms, v = -1;

    while (zclock_mono() < deadline) {
        v = s_status_in(run_dir, d, key);
        if (v >= value)
            return;
        zclock_sleep(50); /* the interval between two status polls */
    }
    ck_abort_msg("%s in %s: %s stayed at %lld, below %lld, for %d ms", cs_daemon_name(d), run_dir,
                 key, (long long) v, (long long) value, timeout_ms);
}

static void
s_await_status(enum cs_daemon_id d, const char *key, int64_t value, int timeout_ms)
{
    s_await_status_in(S_RUN_DIR, d, key, value, timeout_ms);
}

/* The last line of @unit's journal since the test began that contains @marker ("ledger"),
 * from the marker on, into @line (empty if there is none). */
static void
s_journal_line(const char *unit, const char *marker, char *line, size_t size)
{
    char out[65536];
    const char *last = NULL;

    s_ok("journalctl --sync");
    ck_assert_int_eq(s_sh(out, sizeof out,
                          "journalctl -q --no-pager -o cat --after-cursor=\"%s\" -u %s", s_cursor,
                          unit),
                     0);
    for (const char *p = strstr(out, marker); p; p = strstr(p + 1, marker))
        last = p;
    (void) snprintf(line, size, "%.*s", last ? (int) strcspn(last, "\n") : 0, last ? last : "");
}

/* The whole number @key of the ledger logged on @line ("ledger <when>: {json}"), or -1. */
static int64_t
s_line_value(const char *line, const char *key)
{
    json_t *ledger = stack_json_parse(line);
    int64_t v = -1;

    if (ledger && cs_json_get_i64(ledger, key, &v) < 0)
        v = -1;
    json_decref(ledger);
    return v;
}

/* How many lines of @unit's journal since the test began contain @text. */
static int
s_journal_count(const char *unit, const char *text)
{
    char out[65536], ident[64];
    int n[2] = { 0, 0 };

    /* The daemon's own lines are looked up by unit and by identifier: journald may not
     * attribute the last lines of a process that exits at once (a config error) to its unit,
     * because it finds the process gone when it looks up its cgroup. */
    (void) snprintf(ident, sizeof ident, "%s", unit + strlen("camstack-"));
    *strrchr(ident, '.') = '\0';
    s_ok("journalctl --sync");
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(s_sh(out, sizeof out,
                              "journalctl -q --no-pager -o cat --after-cursor=\"%s\" %s %s",
                              s_cursor, i == 0 ? "-u" : "-t", i == 0 ? unit : ident),
                         0);
        for (const char *p = strstr(out, text); p; p = strstr(p + 1, text))
            n[i]++;
    }
    return n[0] > n[1] ? n[0] : n[1];
}

/* ---- files ---- */

/* The .h5 files in @dir, sorted by name, into @paths; returns how many. */
static int
s_files(const char *dir, char paths[][PATH_MAX], int max)
{
    struct dirent **list = NULL;
    int n = scandir(dir, &list, NULL, alphasort), k = 0;

    for (int i = 0; i < n; i++) {
        size_t len = strlen(list[i]->d_name);

        if (len > 3 && strcmp(list[i]->d_name + len - 3, ".h5") == 0 && k < max)
            (void) snprintf(paths[k++], PATH_MAX, "%s/%s", dir, list[i]->d_name);
        free(list[i]);
    }
    free(list);
    return k;
}

/* Root attribute @name of the file at @path, or -1 if the file cannot be opened (a writer
 * killed in the middle leaves it so) or has no such attribute. */
static int64_t
s_attr(const char *path, const char *name)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT), a = H5I_INVALID_HID;
    uint64_t v = 0;
    int64_t r = -1;

    if (f >= 0 && H5Aexists(f, name) > 0)
        a = H5Aopen(f, name, H5P_DEFAULT);
    if (a >= 0 && H5Aread(a, H5T_NATIVE_UINT64, &v) >= 0)
        r = (int64_t) v;
    if (a >= 0)
        H5Aclose(a);
    if (f >= 0)
        H5Fclose(f);
    return r;
}

/* Whether the file at @path says @reason in its 16-byte @end_reason (saverd's movies). */
static bool
s_end_reason_is(const char *path, const char *reason)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT), a = H5I_INVALID_HID, t = H5I_INVALID_HID;
    char *value = NULL;
    bool r = false;

    if (f >= 0 && H5Aexists(f, "end_reason") > 0)
        a = H5Aopen(f, "end_reason", H5P_DEFAULT);
    /* A variable-length UTF-8 string (docs/FILES.md), read as a char *. */
    if (a >= 0) {
        t = H5Tcopy(H5T_C_S1);
        if (t >= 0 && H5Tset_size(t, H5T_VARIABLE) >= 0 && H5Tset_cset(t, H5T_CSET_UTF8) >= 0
            && H5Aread(a, t, &value) >= 0 && value)
            r = strcmp(value, reason) == 0;
    }
    if (value)
        H5free_memory(value);
    if (t >= 0)
        H5Tclose(t);
    if (a >= 0)
        H5Aclose(a);
    if (f >= 0)
        H5Fclose(f);
    return r;
}

static off_t
s_size(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 ? st.st_size : -1;
}

/* ---- the stack ---- */

/* Stops the target of stack @name (NULL: camstack.target) and waits for its units to be
 * down: systemctl returns when the target is, while the units still go through their orderly
 * stop (camerad, pubd, subscribers). */
static void
s_stop_stack(const char *name)
{
    s_ok("systemctl stop camstack%s%s.target", name ? "@" : "", name ? name : "");
    for (int d = 0; d < CS_DAEMON_COUNT; d++) {
        int64_t deadline = zclock_mono() + 30000;
        char v[64] = "", unit[128];

        if (!s_tested(d))
            continue;
        s_unit_of(name, d, unit, sizeof unit);
        while (zclock_mono() < deadline) {
            s_show(unit, "ActiveState", v, sizeof v);
            if (strcmp(v, "inactive") == 0 || strcmp(v, "failed") == 0)
                break;
            zclock_sleep(50); /* the interval between two polls */
        }
        ck_assert_msg(strcmp(v, "inactive") == 0 || strcmp(v, "failed") == 0,
                      "%s still '%s' 30 s after the stop", unit, v);
    }
}

static void
s_stop_target(void)
{
    s_stop_stack(NULL);
}

/* True if the "Groups:" line of a /proc/PID/status text in @status lists @gid. */
static bool
s_has_group(const char *status, gid_t gid)
{
    const char *p = strstr(status, "Groups:");
    char *end;

    ck_assert_ptr_nonnull(p);
    for (p += 7; *p && *p != '\n'; p = end) {
        unsigned long g = strtoul(p, &end, 10);

        if (end == p)
            break;
        if (g == gid)
            return true;
    }
    return false;
}

static void
s_write_config(const char *extra)
{
    const char *path = getenv("CS_INSTALLED_CONFIG");
    FILE *f;

    ck_assert_msg(path, "CS_INSTALLED_CONFIG is not set (run through meson test)");
    f = fopen(path, "we");
    ck_assert_ptr_nonnull(f);
    if (s_camera)
        (void) fprintf(f,
                       "# written by the system test\n[camerad]\nsource = v4l2\ndevice = %s\n"
                       "width = %d\nheight = %d\npixel_format = YUYV\nfps = %d\n"
                       "wait_subscribers = auto\nwait_timeout_ms = 30000\n%s",
                       s_camera, S_CAMERA_WIDTH, S_CAMERA_HEIGHT, S_CAMERA_FPS, extra ? extra : "");
    else
        (void) fprintf(f,
                       "# written by the system test\n[camerad]\nwidth = %d\nheight = %d\n"
                       "pixel_format = GREY\nfps = %d\nwait_subscribers = auto\n"
                       "wait_timeout_ms = 30000\n%s",
                       S_WIDTH, S_HEIGHT, S_FPS, extra ? extra : "");
    ck_assert_int_eq(fclose(f), 0);
}

static void
s_remove_files(const char *dir)
{
    char paths[64][PATH_MAX];
    int n = s_files(dir, paths, 64);

    for (int i = 0; i < n; i++)
        ck_assert_int_eq(unlink(paths[i]), 0);
}

static void
s_setup(void)
{
    char out[1024], *p;

    s_stop_target();
    (void) s_sh(NULL, 0, "systemctl reset-failed \"camstack-*\"");
    s_write_config(NULL);
    s_ok("systemctl enable camstack-analyzerd camstack-saverd");
    s_remove_files(S_MOVIES);
    s_remove_files(S_STATS);
    s_ok("journalctl --sync");
    ck_assert_int_eq(s_sh(out, sizeof out, "journalctl -q -n 1 --show-cursor -o cat"), 0);
    p = strstr(out, "-- cursor: ");
    ck_assert_ptr_nonnull(p);
    (void) snprintf(s_cursor, sizeof s_cursor, "%s", p + 11);
    s_chomp(s_cursor);
}

static void
s_teardown(void)
{
    s_stop_target();
    (void) s_sh(NULL, 0, "systemctl disable camstack-viewd"); /* as a test may have left it */
    s_ok("rm -rf /run/systemd/system/camstack-*.service.d && systemctl daemon-reload");
    (void) s_sh(NULL, 0, "systemctl reset-failed \"camstack-*\"");
    s_write_config(NULL);
    s_remove_files(S_MOVIES);
    s_remove_files(S_STATS);
}

/* Starts the target of stack @name (NULL: camstack.target): every unit of it is active. */
static void
s_start_stack(const char *name)
{
    char unit[128], state[64];

    s_ok("systemctl start camstack%s%s.target", name ? "@" : "", name ? name : "");
    /* The target starts pubd and camerad (static units) and the daemons enabled, no other. */
    for (int d = 0; d < CS_DAEMON_COUNT; d++) {
        if (!s_tested(d))
            continue;
        s_unit_of(name, d, unit, sizeof unit);
        s_show(unit, "UnitFileState", state, sizeof state);
        s_assert_show(unit, "ActiveState",
                      strcmp(state, "static") == 0 || strcmp(state, "enabled") == 0 ? "active"
                                                                                    : "inactive");
    }
}

static void
s_start_target(void)
{
    s_start_stack(NULL);
}

/* Every daemon of the stack in @run_dir answers and the frames reach both subscribers. */
static void
s_await_flowing_in(const char *run_dir, uint64_t frames)
{
    s_await_status_in(run_dir, CS_DAEMON_CAMERAD, "captured", (int64_t) frames, 20000);
    s_await_status_in(run_dir, CS_DAEMON_PUBD, "frames_in", 1, 5000);
    s_await_status_in(run_dir, CS_DAEMON_SAVERD, "received", (int64_t) frames, 20000);
    s_await_status_in(run_dir, CS_DAEMON_ANALYZERD, "received", (int64_t) frames, 20000);
}

static void
s_await_flowing(uint64_t frames)
{
    s_await_flowing_in(S_RUN_DIR, frames);
}

/* camerad's ledger at the end of its last run: the frames it numbered. */
static int64_t
s_numbered(void)
{
    char line[1024];
    int64_t captured, dropped, numbered;

    s_journal_line(s_units[CS_DAEMON_CAMERAD], "ledger at end of run", line, sizeof line);
    captured = s_line_value(line, "captured");
    dropped = s_line_value(line, "dropped_at_source");
    numbered = s_line_value(line, "next_seq");
    ck_assert_int_gt(captured, 0);
    /* The test pattern skips no frame: what it numbered is what it captured less what pubd
     * could not take. */
    ck_assert_int_eq(numbered, captured - dropped);
    return numbered;
}

/* camerad waited for both subscribers, which saw the run from its first frame, and saverd's
 * one movie, whose path goes to @ret_movie, grows. */
static void
s_check_waited_and_growing(char *ret_movie)
{
    char movies[4][PATH_MAX];
    int64_t deadline;
    off_t size0;

    ck_assert_int_eq(s_status(CS_DAEMON_CAMERAD, "wait_subscribers"), 2);
    ck_assert_int_eq(s_status(CS_DAEMON_SAVERD, "first_seq"), 0);
    ck_assert_int_eq(s_status(CS_DAEMON_ANALYZERD, "first_seq"), 0);
    ck_assert_int_eq(s_files(S_MOVIES, movies, 4), 1);
    size0 = s_size(movies[0]);
    deadline = zclock_mono() + 10000;
    while (s_size(movies[0]) <= size0 && zclock_mono() < deadline)
        zclock_sleep(50); /* the interval between two looks at the file */
    ck_assert_msg(s_size(movies[0]) > size0, "'%s' did not grow from %lld bytes", movies[0],
                  (long long) size0);
    (void) snprintf(ret_movie, PATH_MAX, "%s", movies[0]);
}

/* camerad's ledger at the end of its last run, as it logged it. */
struct s_ledger {
    int64_t captured, camera_dropped, dropped_at_source, sent;
};

/* The ledgers of the last run of stack @name (NULL: the default one) that ended, as its
 * daemons logged them, balance: camerad captured 100 frames or more and sent every one that
 * pubd could take, each with a number of its own beside the numbers of the frames the camera
 * dropped; both subscribers received every frame sent and saw every drop. camerad's ledger
 * goes to @ret. */
static void
s_check_stack_ledgers(const char *name, struct s_ledger *ret)
{
    char line[1024], units[CS_DAEMON_COUNT][128];
    struct s_ledger l;

    for (int d = 0; d < CS_DAEMON_COUNT; d++)
        s_unit_of(name, d, units[d], sizeof units[d]);
    s_journal_line(units[CS_DAEMON_CAMERAD], "ledger at end of run", line, sizeof line);
    l = (struct s_ledger){ .captured = s_line_value(line, "captured"),
                           .camera_dropped = s_line_value(line, "camera_dropped"),
                           .dropped_at_source = s_line_value(line, "dropped_at_source"),
                           .sent = s_line_value(line, "sent") };
    ck_assert_msg(l.captured >= 100 && l.camera_dropped >= 0 && l.dropped_at_source >= 0
                      && l.sent == l.captured - l.dropped_at_source
                      && s_line_value(line, "next_seq") == l.sent + l.camera_dropped,
                  "camerad's ledger does not balance: '%s'", line);
    for (int d = CS_DAEMON_ANALYZERD; d <= CS_DAEMON_SAVERD; d++) {
        s_journal_line(units[d], "ledger at stop", line, sizeof line);
        ck_assert_msg(s_line_value(line, "received") == l.sent && s_line_value(line, "lost") == 0
                          && s_line_value(line, "camera_dropped") == l.camera_dropped,
                      "%s's ledger: '%s', camerad sent %lld, the camera dropped %lld", units[d],
                      line, (long long) l.sent, (long long) l.camera_dropped);
    }
    *ret = l;
}

/* After an orderly stop of the target of stack @name (NULL: the default one): every unit
 * stopped cleanly, and the ledgers balance. camerad's ledger goes to @ret. */
static void
s_check_stack_stop(const char *name, struct s_ledger *ret)
{
    char unit[128];

    for (int d = 0; d < CS_DAEMON_COUNT; d++) {
        s_unit_of(name, d, unit, sizeof unit);
        s_assert_show(unit, "ActiveState", "inactive");
        s_assert_show(unit, "Result", "success");
    }
    s_check_stack_ledgers(name, ret);
}

static void
s_check_orderly_stop(struct s_ledger *ret)
{
    s_check_stack_stop(NULL, ret);
}

/* One line of progress, with the seconds since @t0_ms: in the VM, where each step takes
 * long, the console says how far the test came. */
static void
s_progress(int64_t t0_ms, const char *what)
{
    printf("[%6.1f s] %s\n", (double) (zclock_mono() - t0_ms) / 1000.0, what);
    (void) fflush(stdout);
}

/* ---- tests ---- */

/* The installed units are clean for systemd, and sysusers made the user, without video. */
START_TEST(installed_units_verify_clean)
{
    const char *dir = getenv("CS_UNIT_DIR");
    char out[4096];
    struct passwd *pw = getpwnam("camstack");
    struct group *video = getgrnam("video");

    ck_assert_ptr_nonnull(dir);
    /* The default stack's units, and the templates of a named stack's as an instance. */
    for (int i = 0; i < 2; i++) {
        char units[1024] = "", unit[128];
        size_t o = 0;

        for (int d = 0; d < CS_DAEMON_COUNT; d++) {
            s_unit_of(i ? S_CAM2 : NULL, d, unit, sizeof unit);
            o += (size_t) snprintf(units + o, sizeof units - o, "%s ", unit);
        }
        ck_assert_int_eq(s_sh(out, sizeof out, "cd %s && systemd-analyze verify %s%s", dir, units,
                              i ? "camstack@" S_CAM2 ".target" : "camstack.target"),
                         0);
        ck_assert_msg(out[0] == '\0', "systemd-analyze verify said:\n%s", out);
    }
    ck_assert_ptr_nonnull(pw);
    ck_assert_ptr_nonnull(video);
    for (char **m = video->gr_mem; *m; m++)
        ck_assert_str_ne(*m, "camstack");
}
END_TEST

/* The target starts every enabled unit, camerad waits for both subscribers, frames flow,
 * the movie grows, STATUS= is live, the sandbox is in force and the journal has fields. */
START_TEST(start_target_runs_enabled_units)
{
    char movie[PATH_MAX], out[8192], cmd[256];
    int64_t run;

    s_start_target();
    s_await_flowing(25);
    s_check_waited_and_growing(movie);

    /* STATUS= follows the daemon's state, sent once a second. */
    s_await_status_text(s_units[CS_DAEMON_SAVERD], movie, 5000);
    s_await_status_text(s_units[CS_DAEMON_CAMERAD], " captured=", 5000);
    s_await_status_text(s_units[CS_DAEMON_ANALYZERD], " analysed=", 5000);
    ck_assert_int_eq(
        s_sh(out, sizeof out, "systemctl status --no-pager %s", s_units[CS_DAEMON_PUBD]), 0);
    ck_assert_msg(strstr(out, "Status: \""), "no Status: line in\n%s", out);

    /* The sandbox: the camstack user, no new privileges, seccomp, video for camerad only. */
    for (int d = 0; d < CS_DAEMON_COUNT; d++) {
        if (!s_tested(d))
            continue;
        ck_assert_int_eq(s_sh(out, sizeof out,
                              "grep -E \"^(Uid|Groups|NoNewPrivs|Seccomp):\" "
                              "/proc/$(systemctl show -P MainPID %s)/status",
                              s_units[d]),
                         0);
        ck_assert_msg(strstr(out, "NoNewPrivs:\t1") && strstr(out, "Seccomp:\t2"), "%s:\n%s",
                      s_units[d], out);
        ck_assert_msg(strstr(out, "Uid:\t")
                          && strtol(strstr(out, "Uid:\t") + 5, NULL, 10)
                                 == (long) getpwnam("camstack")->pw_uid,
                      "%s:\n%s", s_units[d], out);
        ck_assert_msg(s_has_group(out, getgrnam("video")->gr_gid) == (d == CS_DAEMON_CAMERAD),
                      "%s: video group membership wrong:\n%s", s_units[d], out);
    }

    /* The journal entry of the run's start carries the stack's fields. */
    run = s_status(CS_DAEMON_CAMERAD, "run");
    ck_assert_int_gt(run, 0);
    s_ok("journalctl --sync");
    ck_assert_int_eq(s_sh(out, sizeof out,
                          "journalctl -q --no-pager -o cat CAMSTACK_DAEMON=camerad "
                          "CAMSTACK_STREAM=cam1 CAMSTACK_RUN=%lld",
                          (long long) run),
                     0);
    (void) snprintf(cmd, sizeof cmd, "run %lld started", (long long) run);
    ck_assert_msg(strstr(out, cmd), "no '%s' with CAMSTACK_RUN=%lld in\n%s", cmd, (long long) run,
                  out);
    ck_assert_int_eq(s_sh(out, sizeof out,
                          "journalctl -q --no-pager -o cat CAMSTACK_DAEMON=saverd "
                          "CAMSTACK_RUN=%lld",
                          (long long) run),
                     0);
    ck_assert_msg(strstr(out, "recording to"), "saverd's run lines lack CAMSTACK_RUN:\n%s", out);
}
END_TEST

/* disable --now stops the analyzer alone; the target then runs without it (camerad waits for
 * one subscriber); enabling it again and restarting the target brings it back. */
START_TEST(disable_and_enable_analyzerd)
{
    int64_t received;

    s_start_target();
    s_await_flowing(10);
    s_ok("systemctl disable --now camstack-analyzerd");
    s_assert_show(s_units[CS_DAEMON_ANALYZERD], "ActiveState", "inactive");
    s_assert_show(s_units[CS_DAEMON_ANALYZERD], "UnitFileState", "disabled");
    for (int d = CS_DAEMON_CAMERAD; d <= CS_DAEMON_SAVERD; d++) {
        if (d != CS_DAEMON_ANALYZERD)
            s_assert_show(s_units[d], "ActiveState", "active");
    }
    received = s_status(CS_DAEMON_SAVERD, "received");
    s_await_status(CS_DAEMON_SAVERD, "received", received + 10, 10000);

    s_ok("systemctl restart camstack.target");
    s_assert_show(s_units[CS_DAEMON_ANALYZERD], "ActiveState", "inactive");
    s_await_status(CS_DAEMON_SAVERD, "received", 10, 10000);
    ck_assert_int_eq(s_status(CS_DAEMON_CAMERAD, "wait_subscribers"), 1);

    s_ok("systemctl enable camstack-analyzerd");
    s_ok("systemctl restart camstack.target");
    for (int d = 0; d < CS_DAEMON_COUNT; d++) {
        if (s_tested(d))
            s_assert_show(s_units[d], "ActiveState", "active");
    }
    s_await_flowing(10);
    ck_assert_int_eq(s_status(CS_DAEMON_CAMERAD, "wait_subscribers"), 2);
    ck_assert_int_eq(s_status(CS_DAEMON_ANALYZERD, "first_seq"), 0);
}
END_TEST

/* viewd is switched on and off by enabling its unit, like a subscriber, but it is a sampler:
 * camerad never waits for it, and camstackctl status shows it "not running" without failing
 * while it is off. */
START_TEST(viewd_is_switched_by_enabling_it)
{
    const char *unit = s_units[CS_DAEMON_VIEWD];
    char out[16384];

    s_start_target();
    s_await_flowing(10);
    s_assert_show(unit, "ActiveState", "inactive");
    ck_assert_int_eq(s_sh(out, sizeof out, "camstackctl status"), 0);
    ck_assert_msg(strstr(out, "viewd") && strstr(out, "not running"), "camstackctl status:\n%s",
                  out);

    s_ok("systemctl enable camstack-viewd");
    s_ok("systemctl restart camstack.target");
    s_assert_show(unit, "ActiveState", "active");
    s_await_flowing(10);
    ck_assert_int_eq(s_status(CS_DAEMON_CAMERAD, "wait_subscribers"), 2);
    s_await_status(CS_DAEMON_VIEWD, "received", 2, 10000);
    ck_assert_int_eq(s_status(CS_DAEMON_VIEWD, "lost_total"), 0);
    ck_assert_int_eq(s_sh(out, sizeof out, "camstackctl status"), 0);

    s_ok("systemctl disable --now camstack-viewd");
    s_assert_show(unit, "ActiveState", "inactive");
    s_assert_show(unit, "UnitFileState", "disabled");
    s_await_status(CS_DAEMON_SAVERD, "received", s_status(CS_DAEMON_SAVERD, "received") + 10,
                   10000);
}
END_TEST

/* Waits until systemd has restarted @unit once more than @restarts, in a new process. */
static void
s_await_restart(const char *unit, uint64_t restarts, uint64_t old_pid)
{
    char want[32];

    (void) snprintf(want, sizeof want, "%llu", (unsigned long long) restarts + 1);
    s_await_show(unit, "NRestarts", want, 30000);
    s_await_show(unit, "ActiveState", "active", 10000);
    ck_assert_uint_ne(s_show_u64(unit, "MainPID"), old_pid);
}

/* After a subscriber @d was killed and restarted within one run: its first file was cut (a
 * writer killed in the middle leaves it incomplete, or unreadable), the second joined late
 * and accounts for every frame numbered after it joined. */
static void
s_check_killed_subscriber(const char *dir, int64_t numbered)
{
    char paths[4][PATH_MAX];
    int n = s_files(dir, paths, 4), fresh;

    ck_assert_msg(n == 2, "%d files in %s, expected the cut one and the new one", n, dir);
    fresh = s_attr(paths[0], "complete") == 1 ? 0 : 1;
    ck_assert_int_eq(s_attr(paths[fresh], "complete"), 1);
    ck_assert_int_ne(s_attr(paths[1 - fresh], "complete"), 1);
    ck_assert_int_gt(s_attr(paths[fresh], "first_seq"), 0);
    ck_assert_int_eq(s_attr(paths[fresh], "frames") + s_attr(paths[fresh], "frames_lost"),
                     numbered - s_attr(paths[fresh], "first_seq"));
}

/* A subscriber that stayed up through the whole run accounts for every frame camerad
 * numbered: received + lost. */
static void
s_check_whole_run(const char *dir, int64_t numbered)
{
    char paths[4][PATH_MAX];

    ck_assert_int_eq(s_files(dir, paths, 4), 1);
    ck_assert_int_eq(s_attr(paths[0], "complete"), 1);
    ck_assert_int_eq(s_attr(paths[0], "first_seq"), 0);
    ck_assert_int_eq(s_attr(paths[0], "frames") + s_attr(paths[0], "frames_lost"), numbered);
}

/* SIGKILL of each daemon in turn: systemd restarts it, frames flow again, and after an
 * orderly stop every frame is accounted for in the files. */
START_TEST(sigkill_restarts_and_losses_are_counted)
{
    enum cs_daemon_id d = (enum cs_daemon_id) _i;
    const char *unit = s_units[d];
    uint64_t pid, restarts;
    int64_t before, numbered;

    s_start_target();
    s_await_flowing(25);
    pid = s_show_u64(unit, "MainPID");
    restarts = s_show_u64(unit, "NRestarts");
    ck_assert_uint_gt(pid, 0);
    before = s_status(CS_DAEMON_CAMERAD, "captured");
    s_ok("kill -KILL %llu", (unsigned long long) pid);
    s_await_restart(unit, restarts, pid);
    ck_assert_int_eq(s_journal_count(unit, "Main process exited, code=killed, status=9/KILL"), 1);

    /* The stack recovers: the restarted daemon answers and the frames reach the movie. */
    s_await_status(d, "uptime_s", 0, 10000);
    if (d == CS_DAEMON_CAMERAD)
        s_await_status(CS_DAEMON_CAMERAD, "captured", 25, 20000);
    else
        s_await_status(CS_DAEMON_CAMERAD, "captured", before + 25, 20000);
    s_await_status(CS_DAEMON_SAVERD, "received", 25, 20000);
    s_await_status(CS_DAEMON_ANALYZERD, "received", 25, 20000);
    if (d == CS_DAEMON_PUBD) {
        /* The subscribers' counters outlive pubd: wait until both are back on the new one,
         * or the end-of-stream at stop could go out before one has reconnected. */
        s_await_status(CS_DAEMON_PUBD, "frame_subscribers", 2, 20000);
        s_await_status(CS_DAEMON_PUBD, "frames_in", 25, 20000);
    }
    s_stop_target();

    numbered = s_numbered();
    switch (d) {
    case CS_DAEMON_CAMERAD: {
        /* The killed camerad's run was cut (its tail is unknowable: its counters died with
         * it), and the files say so; the new run is whole. */
        char paths[4][PATH_MAX];
        const char *dirs[] = { S_MOVIES, S_STATS };

        for (int i = 0; i < 2; i++) {
            ck_assert_int_eq(s_files(dirs[i], paths, 4), 2);
            ck_assert_int_lt(s_attr(paths[0], "run"), s_attr(paths[1], "run"));
            /* saverd closes a cut run cleanly and says why; analyzerd marks it incomplete. */
            if (i == 0)
                ck_assert(s_end_reason_is(paths[0], "new_run"));
            else
                ck_assert_int_eq(s_attr(paths[0], "complete"), 0);
            ck_assert_int_eq(s_attr(paths[1], "complete"), 1);
            ck_assert_int_eq(s_attr(paths[1], "first_seq"), 0);
            ck_assert_int_eq(s_attr(paths[1], "frames") + s_attr(paths[1], "frames_lost"),
                             numbered);
        }
        break;
    }
    case CS_DAEMON_PUBD:
        /* Whatever went down with pubd is lost: counted by camerad (dropped at source) or by
         * each subscriber (a gap), never silent. */
        s_check_whole_run(S_MOVIES, numbered);
        s_check_whole_run(S_STATS, numbered);
        break;
    case CS_DAEMON_ANALYZERD:
        s_check_killed_subscriber(S_STATS, numbered);
        s_check_whole_run(S_MOVIES, numbered);
        break;
    case CS_DAEMON_SAVERD:
        s_check_killed_subscriber(S_MOVIES, numbered);
        s_check_whole_run(S_STATS, numbered);
        break;
    default:
        ck_abort();
    }
}
END_TEST

/* A daemon frozen with SIGSTOP stops feeding the watchdog: systemd kills and restarts it. */
START_TEST(sigstop_is_caught_by_the_watchdog)
{
    enum cs_daemon_id d = (enum cs_daemon_id) _i;
    const char *unit = s_units[d];
    uint64_t pid, restarts;
    char dir[128];

    /* A short watchdog for this test only; the shipped units say 10 s. */
    (void) snprintf(dir, sizeof dir, S_DROPIN, cs_daemon_name(d));
    s_ok("mkdir -p %s && printf \"[Service]\\nWatchdogSec=2s\\n\" > %s/50-test-watchdog.conf && "
         "systemctl daemon-reload",
         dir, dir);
    s_start_target();
    s_await_flowing(10);
    pid = s_show_u64(unit, "MainPID");
    restarts = s_show_u64(unit, "NRestarts");
    s_ok("kill -STOP %llu", (unsigned long long) pid);
    s_await_restart(unit, restarts, pid);
    ck_assert_int_eq(s_journal_count(unit, "Watchdog timeout"), 1);
    s_await_status(d, "uptime_s", 0, 10000);
    s_await_status(CS_DAEMON_SAVERD, "received", 10, 20000);
}
END_TEST

/* A config error: every unit fails once with 78 and systemd does not restart it. */
START_TEST(broken_config_fails_once_with_78)
{
    s_write_config("fsp = 30\n");
    (void) s_sh(NULL, 0, "systemctl start camstack.target");
    for (int d = 0; d < CS_DAEMON_COUNT; d++) {
        if (!s_tested(d))
            continue;
        /* "failed", not "activating (auto-restart)": no restart is scheduled. */
        s_await_show(s_units[d], "ActiveState", "failed", 10000);
        s_assert_show(s_units[d], "Result", "exit-code");
        s_assert_show(s_units[d], "ExecMainStatus", "78");
        s_assert_show(s_units[d], "NRestarts", "0");
    }
    /* What the units logged: the same check of the same file says where the error is.
     * (The units' own lines are not asserted: journald sometimes has none from a process
     * that exits within milliseconds of its start, on a loaded machine.) */
    {
        char out[4096];

        ck_assert_int_eq(s_sh(out, sizeof out, "camerad --check-config --config %s 2>&1",
                              getenv("CS_INSTALLED_CONFIG")),
                         78);
        ck_assert_msg(strstr(out, "unknown key 'fsp' in [camerad]"), "unexpected: %s", out);
    }
}
END_TEST

/* An orderly stop of the target: camerad stops first and sends its end-of-stream, pubd
 * delivers, the subscribers drain: the movie holds every frame camerad captured, bit-exact,
 * and the statistics file the exact statistics of each. */
START_TEST(stop_target_saves_every_frame)
{
    struct expect e = { .pixfmt = CS_PIXFMT_GREY,
                        .width = S_WIDTH,
                        .height = S_HEIGHT,
                        .gaps = false,
                        .lost = 0,
                        .complete = 1 };
    char paths[4][PATH_MAX];
    struct s_ledger l;

    s_start_target();
    s_await_flowing(100);
    s_stop_target();
    s_check_orderly_stop(&l);
    /* The test pattern drops nothing, and pubd keeps up with it. */
    ck_assert_int_eq(l.camera_dropped, 0);
    ck_assert_int_eq(l.dropped_at_source, 0);
    e.first_seq = 0;
    e.frames = (uint64_t) l.captured;
    ck_assert_int_eq(s_files(S_MOVIES, paths, 4), 1);
    verify_movie(paths[0], &e);
    ck_assert_int_eq(s_files(S_STATS, paths, 4), 1);
    verify_stats(paths[0], &e);
}
END_TEST

/* The target against a real camera (CS_TEST_CAMERA), in one run, as the hardware suite's
 * VM affords: the target starts every enabled unit, camerad opens the device from its
 * sandbox and gets the format natively, frames flow to both subscribers and the movie
 * grows; stopping the target saves every frame camerad captured, numbered with gaps exactly
 * where the camera dropped, stamped by the driver, each a camera image. An emulated CPU
 * shared with systemd may leave pubd too slow for a moment: the frames camerad then drops
 * at source are counted in its ledger and are the only ones missing. */
START_TEST(camera_target_start_and_stop)
{
    struct expect_camera e = { .pixfmt = CS_PIXFMT_YUYV,
                               .width = S_CAMERA_WIDTH,
                               .height = S_CAMERA_HEIGHT,
                               .fps = S_CAMERA_FPS,
                               .first_seq = 0,
                               /* vivid's thread shares the VM's CPU with systemd and the
                                * stack: its stamps are checked against the interval by the
                                * vivid test, which runs it alone. */
                               .late_driver = true };
    char movie[PATH_MAX], stats[1][PATH_MAX], out[1024];
    int64_t t0 = zclock_mono();
    struct s_ledger l;

    s_progress(t0, "systemctl start camstack.target");
    s_start_target();
    s_progress(t0, "every unit active");
    s_await_flowing(25);
    s_progress(t0, "frames flow to both subscribers");
    s_check_waited_and_growing(movie);
    ck_assert_int_eq(s_journal_count(s_units[CS_DAEMON_CAMERAD],
                                     "YUYV 640x360, 1280 bytes per line, 30.000 frames/s, "
                                     "native format (no conversion)"),
                     1);
    /* camerad reaches the device through the video group (SupplementaryGroups=). */
    ck_assert_int_eq(s_sh(out, sizeof out,
                          "grep ^Groups: /proc/$(systemctl show -P MainPID %s)/status",
                          s_units[CS_DAEMON_CAMERAD]),
                     0);
    ck_assert_msg(s_has_group(out, getgrnam("video")->gr_gid), "camerad: %s", out);
    s_await_status(CS_DAEMON_CAMERAD, "captured", 100, 20000);
    s_progress(t0, "systemctl stop camstack.target");
    s_stop_target();
    s_progress(t0, "every unit stopped");

    s_check_orderly_stop(&l);
    printf("camerad captured %lld frames, sent %lld (%lld dropped at source); the camera "
           "dropped %lld\n",
           (long long) l.captured, (long long) l.sent, (long long) l.dropped_at_source,
           (long long) l.camera_dropped);
    s_progress(t0, "every ledger balances");
    e.frames = (uint64_t) l.sent;
    e.camera_dropped = (uint64_t) l.camera_dropped;
    e.source_dropped = (uint64_t) l.dropped_at_source;
    verify_camera_movie(movie, &e);
    ck_assert_int_eq(s_files(S_STATS, stats, 1), 1);
    ck_assert_uint_eq(verify_root_attr(stats[0], "frames"), (uint64_t) l.sent);
    ck_assert_uint_eq(verify_root_attr(stats[0], "frames_lost"), 0);
    ck_assert_uint_eq(verify_root_attr(stats[0], "first_seq"), 0);
    ck_assert_uint_eq(verify_root_attr(stats[0], "complete"), 1);
    s_progress(t0, "every frame saved");
}
END_TEST

/* ---- a second camera: stack S_CAM2 beside the default one ---- */

/* The second stack's config, NAME.ini beside the installed camstack.ini (wherever the
 * installation put it), into @buf. */
static void
s_cam2_config(char *buf, size_t size)
{
    const char *path = getenv("CS_INSTALLED_CONFIG");
    const char *slash = path ? strrchr(path, '/') : NULL;

    ck_assert_msg(slash, "CS_INSTALLED_CONFIG is not set (run through meson test)");
    (void) snprintf(buf, size, "%.*s/%s.ini", (int) (slash - path), path, S_CAM2);
}

/* A stack of its own, as docs/SYSTEMD.md says to write one: its own stream, runtime
 * directory and state directories (those of the instance units), and another format than
 * the default stack's, so that what each movie holds tells the two apart. */
static void
s_write_cam2_config(const char *saverd_extra)
{
    char path[PATH_MAX];
    FILE *f;

    s_cam2_config(path, sizeof path);
    f = fopen(path, "we");
    ck_assert_ptr_nonnull(f);
    (void) fprintf(f,
                   "# written by the system test: the second camera\n"
                   "[stack]\nstream = " S_CAM2 "\nruntime_dir = " S_CAM2_RUN_DIR "\n"
                   "[camerad]\nwidth = %d\nheight = %d\npixel_format = RGB24\nfps = %d\n"
                   "wait_subscribers = auto\nwait_timeout_ms = 30000\n"
                   "[analyzerd]\ndirectory = " S_CAM2_STATS "\n"
                   "[viewd]\nport = 8481\n[saverd]\ndirectory = " S_CAM2_MOVIES "\n%s",
                   S_CAM2_WIDTH, S_CAM2_HEIGHT, S_FPS, saverd_extra ? saverd_extra : "");
    ck_assert_int_eq(fclose(f), 0);
}

static void
s_setup_two(void)
{
    s_setup();
    s_stop_stack(S_CAM2);
    (void) s_sh(NULL, 0, "systemctl reset-failed \"camstack-*@" S_CAM2 ".service\"");
    s_write_cam2_config(NULL);
    s_ok("systemctl enable camstack-analyzerd@" S_CAM2 " camstack-saverd@" S_CAM2);
    s_remove_files(S_CAM2_MOVIES);
    s_remove_files(S_CAM2_STATS);
}

static void
s_teardown_two(void)
{
    char path[PATH_MAX];

    s_stop_stack(S_CAM2);
    s_ok("systemctl disable camstack-analyzerd@" S_CAM2 " camstack-saverd@" S_CAM2);
    (void) s_sh(NULL, 0, "systemctl reset-failed \"camstack-*@" S_CAM2 ".service\"");
    s_remove_files(S_CAM2_MOVIES);
    s_remove_files(S_CAM2_STATS);
    s_cam2_config(path, sizeof path);
    ck_assert_int_eq(unlink(path), 0);
    s_teardown();
}

/* Both stacks record, at least 100 frames each. */
static void
s_start_both(void)
{
    s_start_target();
    s_start_stack(S_CAM2);
    s_await_flowing(50);
    s_await_flowing_in(S_CAM2_RUN_DIR, 50);
    s_await_status(CS_DAEMON_CAMERAD, "captured", 100, 20000);
    s_await_status_in(S_CAM2_RUN_DIR, CS_DAEMON_CAMERAD, "captured", 100, 20000);
}

/* The first recording of each stack (by name: the oldest), named after its stream, holds
 * every frame of the stack's last ended run, bit-exact, in its own format, and is complete,
 * and so is its statistics file; each stack's directories hold @files movies and as many
 * statistics files. */
static void
s_check_first_recordings(int files)
{
    struct expect e[2] = {
        { .pixfmt = CS_PIXFMT_GREY, .width = S_WIDTH, .height = S_HEIGHT, .complete = 1 },
        { .pixfmt = CS_PIXFMT_RGB24,
          .width = S_CAM2_WIDTH,
          .height = S_CAM2_HEIGHT,
          .complete = 1 },
    };
    const char *names[2] = { NULL, S_CAM2 };
    const char *movies[2] = { S_MOVIES, S_CAM2_MOVIES }, *stats[2] = { S_STATS, S_CAM2_STATS };
    char paths[4][PATH_MAX];
    struct s_ledger l;

    for (int i = 0; i < 2; i++) {
        s_check_stack_ledgers(names[i], &l);
        ck_assert_int_eq(l.dropped_at_source, 0);
        e[i].frames = (uint64_t) l.captured;
        ck_assert_int_eq(s_files(movies[i], paths, 4), files);
        ck_assert_msg(strncmp(strrchr(paths[0], '/') + 1, i ? S_CAM2 "-" : "cam1-", 5) == 0,
                      "movie '%s' is not named after its stream", paths[0]);
        verify_movie(paths[0], &e[i]);
        ck_assert_int_eq(s_files(stats[i], paths, 4), files);
        verify_stats(paths[0], &e[i]);
    }
}

/* Both stacks record at once, each from its own config through its own sockets: after both
 * targets stopped, each movie holds every frame its camerad captured, bit-exact, in its own
 * format, and each statistics file their exact statistics. */
START_TEST(two_stacks_record_at_once)
{
    struct s_ledger l;

    s_start_both();
    /* Each camerad waited for its own stack's two subscribers, not for the other's. */
    ck_assert_int_eq(s_status(CS_DAEMON_CAMERAD, "wait_subscribers"), 2);
    ck_assert_int_eq(s_status_in(S_CAM2_RUN_DIR, CS_DAEMON_CAMERAD, "wait_subscribers"), 2);
    ck_assert_int_eq(s_status_in(S_CAM2_RUN_DIR, CS_DAEMON_SAVERD, "first_seq"), 0);
    s_stop_stack(S_CAM2);
    s_stop_target();
    s_check_stack_stop(NULL, &l);
    s_check_stack_stop(S_CAM2, &l);
    s_check_first_recordings(1);
}
END_TEST

/* One camera's recorder is disabled and enabled again while both stacks run: only that unit
 * stops and starts; the other stack's recorder keeps its process and its file. */
START_TEST(one_cameras_saverd_disabled_and_enabled)
{
    const char *saverd2 = "camstack-saverd@" S_CAM2 ".service";
    const char *saverd1 = s_units[CS_DAEMON_SAVERD];
    uint64_t pid1;
    int64_t received;
    char unit[128];

    s_start_target();
    s_start_stack(S_CAM2);
    s_await_flowing(10);
    s_await_flowing_in(S_CAM2_RUN_DIR, 10);
    pid1 = s_show_u64(saverd1, "MainPID");

    s_ok("systemctl disable --now %s", saverd2);
    s_assert_show(saverd2, "ActiveState", "inactive");
    s_assert_show(saverd2, "UnitFileState", "disabled");
    s_assert_show(saverd1, "UnitFileState", "enabled");
    for (int d = 0; d < CS_DAEMON_COUNT; d++) {
        if (!s_tested(d))
            continue;
        s_unit_of(S_CAM2, d, unit, sizeof unit);
        if (d != CS_DAEMON_SAVERD)
            s_assert_show(unit, "ActiveState", "active");
        s_assert_show(s_units[d], "ActiveState", "active");
    }
    received = s_status(CS_DAEMON_SAVERD, "received");
    s_await_status(CS_DAEMON_SAVERD, "received", received + 10, 10000);
    received = s_status_in(S_CAM2_RUN_DIR, CS_DAEMON_ANALYZERD, "received");
    s_await_status_in(S_CAM2_RUN_DIR, CS_DAEMON_ANALYZERD, "received", received + 10, 10000);

    /* Restarted without it, camerad of the second stack waits for one subscriber. */
    s_ok("systemctl restart camstack@" S_CAM2 ".target");
    s_assert_show(saverd2, "ActiveState", "inactive");
    s_await_status_in(S_CAM2_RUN_DIR, CS_DAEMON_ANALYZERD, "received", 10, 10000);
    ck_assert_int_eq(s_status_in(S_CAM2_RUN_DIR, CS_DAEMON_CAMERAD, "wait_subscribers"), 1);

    s_ok("systemctl enable %s", saverd2);
    s_ok("systemctl restart camstack@" S_CAM2 ".target");
    s_assert_show(saverd2, "ActiveState", "active");
    s_await_flowing_in(S_CAM2_RUN_DIR, 10);
    ck_assert_int_eq(s_status_in(S_CAM2_RUN_DIR, CS_DAEMON_CAMERAD, "wait_subscribers"), 2);

    /* The default stack's recorder went through all of it in one process, one file. */
    s_assert_show(saverd1, "ActiveState", "active");
    ck_assert_uint_eq(s_show_u64(saverd1, "MainPID"), pid1);
    ck_assert_int_eq(s_status(CS_DAEMON_SAVERD, "lost_total"), 0);
    {
        char paths[4][PATH_MAX];

        ck_assert_int_eq(s_files(S_MOVIES, paths, 4), 1);
    }
}
END_TEST

/* The second camera's file copied from the default stack's, without sockets of its own: every
 * unit of that stack fails once with 78, the message naming both files, and the default stack
 * runs on in the same processes. */
START_TEST(a_colliding_stack_is_refused)
{
    const char *config = getenv("CS_INSTALLED_CONFIG");
    uint64_t pids[CS_DAEMON_COUNT];
    char path[PATH_MAX], out[4096], unit[128];
    int64_t received;

    s_start_target();
    s_await_flowing(10);
    for (int d = 0; d < CS_DAEMON_COUNT; d++)
        pids[d] = s_tested(d) ? s_show_u64(s_units[d], "MainPID") : 0;
    s_cam2_config(path, sizeof path);
    s_ok("cp %s %s", config, path);
    (void) s_sh(NULL, 0, "systemctl start camstack@" S_CAM2 ".target");
    for (int d = 0; d < CS_DAEMON_COUNT; d++) {
        if (!s_tested(d))
            continue;
        s_unit_of(S_CAM2, d, unit, sizeof unit);
        s_await_show(unit, "ActiveState", "failed", 10000);
        s_assert_show(unit, "ExecMainStatus", "78");
        s_assert_show(unit, "NRestarts", "0");
    }
    received = s_status(CS_DAEMON_SAVERD, "received");
    s_await_status(CS_DAEMON_SAVERD, "received", received + 10, 10000);
    for (int d = 0; d < CS_DAEMON_COUNT; d++) {
        if (!s_tested(d))
            continue;
        s_assert_show(s_units[d], "ActiveState", "active");
        ck_assert_uint_eq(s_show_u64(s_units[d], "MainPID"), pids[d]);
    }
    ck_assert_int_eq(s_sh(out, sizeof out, "pubd --check-config --config %s", path), 78);
    ck_assert_msg(strstr(out, path) && strstr(out, config) && strstr(out, "share a socket"),
                  "unexpected: %s", out);
}
END_TEST

/* camstackctl finds each stack by its name, and status --all shows both, each with its memory
 * budget, against the host's MemAvailable: the second camera's write queue of 1 TiB exceeds
 * it, which is a warning, not a failure. */
START_TEST(camstackctl_finds_the_stacks_by_name)
{
    static char out[1 << 18];
    uint64_t total = 0, sum = 0, avail = 0, budget = 0;
    json_t *all, *st;
    const char *name = NULL;
    size_t i;

    s_write_cam2_config("queue_mb = 1048576\n");
    s_start_target();
    s_start_stack(S_CAM2);
    s_await_flowing(10);
    s_await_flowing_in(S_CAM2_RUN_DIR, 10);
    for (i = 0; i < 3; i++) {
        static const char *const opt[] = { "--stack " S_CAM2, "--stack camstack", "" };
        const char *stream = NULL;

        ck_assert_int_eq(s_sh(out, sizeof out, "camstackctl %s status --json", opt[i]), 0);
        all = cs_json_parse_object(out, strlen(out), NULL, 0);
        ck_assert_msg(all, "camstackctl %s status --json: not JSON", opt[i]);
        ck_assert_int_eq(cs_json_get_string(json_object_get(all, "camerad"), "stream", &stream), 0);
        ck_assert_str_eq(stream, i == 0 ? S_CAM2 : "cam1");
        json_decref(all);
    }
    ck_assert_int_eq(s_sh(out, sizeof out, "camstackctl status --all"), 0);
    ck_assert_msg(strstr(out, "stack " S_CAM2 ": ") && strstr(out, "stack camstack: ")
                      && strstr(out, "host: MemAvailable ")
                      && strstr(out, "warning: the stacks' memory budgets"),
                  "camstackctl status --all:\n%.2000s", out);
    ck_assert_int_eq(s_sh(out, sizeof out, "camstackctl status --all --json 2>/dev/null"), 0);
    all = cs_json_parse_object(out, strlen(out), NULL, 0);
    ck_assert_msg(all, "not JSON: %.2000s", out);
    ck_assert_int_eq(json_array_size(json_object_get(all, "stacks")), 2);
    json_array_foreach(json_object_get(all, "stacks"), i, st)
    {
        bool running = false;

        ck_assert_int_eq(cs_json_get_string(st, "name", &name), 0);
        ck_assert_str_eq(name, i == 0 ? S_CAM2 : "camstack");
        ck_assert_int_eq(cs_json_get_bool(st, "running", &running), 0);
        ck_assert(running);
        ck_assert_int_eq(cs_json_get_u64(st, "memory_budget_bytes", &budget), 0);
        ck_assert_uint_gt(budget, 0);
        sum += budget;
    }
    ck_assert_int_eq(cs_json_get_u64(all, "memory_budget_bytes", &total), 0);
    ck_assert_int_eq(cs_json_get_u64(all, "mem_available_bytes", &avail), 0);
    ck_assert_uint_eq(total, sum);
    ck_assert_uint_gt(total, 1ull << 40);
    ck_assert_uint_gt(avail, 0);
    ck_assert_ptr_eq(json_object_get(all, "budget_exceeds_available"), json_true());
    json_decref(all);
}
END_TEST

/* ---- the Debian packages: the Python client, an upgrade, a purge ---- */

/* The Python client of the package python3-camstack, not the tree's, receives one whole run
 * of RGB24 frames and analyzerd's statistics of each from the running stack, bit-exact
 * (client-check.py computes both from the test pattern); camerad waits for it too. The
 * package holds every module of the tree's, and its camstack-watch runs. */
START_TEST(python_client_from_the_package_reads_frames_and_stats)
{
    const char *log = "/run/camstack-client.log";
    const char *src = getenv("CS_SOURCE_ROOT");
    char out[16384];
    pid_t client;
    FILE *f;
    int st;

    ck_assert_ptr_nonnull(src);
    s_ok("cd %s/clients/python/camstack && for f in *.py; do dpkg -L python3-camstack | "
         "grep -qx \"/usr/lib/python3/dist-packages/camstack/$f\" || "
         "{ echo \"$f is not in python3-camstack\"; exit 1; }; done",
         src);
    s_ok("cd / && camstack-watch --help");

    f = fopen(getenv("CS_INSTALLED_CONFIG"), "we");
    ck_assert_ptr_nonnull(f);
    (void) fprintf(f, "# written by the system test: a run of 150 frames for three subscribers\n"
                      "[camerad]\nwidth = 160\nheight = 120\npixel_format = RGB24\nfps = 100\n"
                      "frames = 150\nwait_subscribers = 3\nwait_timeout_ms = 30000\n");
    ck_assert_int_eq(fclose(f), 0);
    /* The module from where Python finds it installed, not from the tree. */
    ck_assert_int_eq(setenv("CS_CLIENT_INSTALLED", "1", 1), 0);
    client = stack_python_spawn(
        "client-check.py",
        (const char *[]){ "ipc://" S_RUN_DIR "/frames", "cam1", "150", "--stats", NULL }, log);
    s_ok("systemctl start camstack.target");
    st = stack_python_reap(client);
    ck_assert_int_eq(s_sh(out, sizeof out, "cat %s", log), 0);
    ck_assert_msg(st == 0, "client-check exited %d: %s", st, out);
    ck_assert_msg(strstr(out, "client-check: camstack from "
                              "/usr/lib/python3/dist-packages/camstack/__init__.py\n"),
                  "%s", out);
    ck_assert_msg(strstr(out, "client-check: received=150 lost=0 bad=0 camera_dropped=0 "
                              "stats=150 errors=0"),
                  "%s", out);
    ck_assert_int_eq(unlink(log), 0);
}
END_TEST

/* The package camstack of CS_DEB_DIR again, its version raised to VERSION+upgrade1 and
 * nothing else changed: a newer version to dpkg, so that installing it is an upgrade that
 * runs the maintainer scripts of both. Its path goes to @path, its version to @version. */
static void
s_newer_package(char *path, size_t path_size, char *version, size_t version_size)
{
    const char *dir = getenv("CS_DEB_DIR");

    ck_assert_msg(dir, "CS_DEB_DIR is not set (run through run-nspawn)");
    s_ok("rm -rf /var/tmp/camstack-newer && dpkg-deb -R %s/camstack_*.deb /var/tmp/camstack-newer"
         " && sed -i \"s/^Version: .*/&+upgrade1/\" /var/tmp/camstack-newer/DEBIAN/control"
         " && dpkg-deb -b /var/tmp/camstack-newer /var/tmp/camstack-newer.deb",
         dir);
    ck_assert_int_eq(s_sh(version, version_size, "dpkg-deb -f /var/tmp/camstack-newer.deb Version"),
                     0);
    s_chomp(version);
    ck_assert_msg(strstr(version, "+upgrade1"), "version '%s'", version);
    (void) snprintf(path, path_size, "/var/tmp/camstack-newer.deb");
}

/* An upgrade of the package camstack while both stacks record: the admin's camstack.ini
 * stays as it was; every unit of both stacks restarts on the new version (a new process),
 * each stack stopping and starting in its order; the recordings of the runs before the
 * upgrade close complete, with every frame camerad captured, bit-exact; and both stacks
 * record again, each in a new file. */
START_TEST(upgrade_restarts_running_stacks)
{
    const char *names[2] = { NULL, S_CAM2 }, *run_dirs[2] = { S_RUN_DIR, S_CAM2_RUN_DIR };
    char deb[PATH_MAX], version[128], have[128], unit[128];
    char ini[2][8192];
    uint64_t pids[2][CS_DAEMON_COUNT];

    s_start_both();
    for (int i = 0; i < 2; i++)
        for (int d = 0; d < CS_DAEMON_COUNT; d++) {
            s_unit_of(names[i], d, unit, sizeof unit);
            pids[i][d] = s_show_u64(unit, "MainPID"); /* 0: not running */
        }
    s_newer_package(deb, sizeof deb, version, sizeof version);
    ck_assert_int_eq(s_sh(ini[0], sizeof ini[0], "cat %s", getenv("CS_INSTALLED_CONFIG")), 0);

    s_ok("DEBIAN_FRONTEND=noninteractive apt-get install -y -q %s", deb);
    ck_assert_int_eq(s_sh(have, sizeof have, "dpkg-query -W -f=\"\\${Version}\" camstack"), 0);
    ck_assert_str_eq(have, version);
    ck_assert_int_eq(s_sh(ini[1], sizeof ini[1], "cat %s", getenv("CS_INSTALLED_CONFIG")), 0);
    ck_assert_str_eq(ini[1], ini[0]);

    for (int i = 0; i < 2; i++) {
        for (int d = 0; d < CS_DAEMON_COUNT; d++) {
            s_unit_of(names[i], d, unit, sizeof unit);
            if (!pids[i][d]) { /* a unit that was stopped stays stopped */
                s_assert_show(unit, "ActiveState", "inactive");
                continue;
            }
            s_assert_show(unit, "ActiveState", "active");
            ck_assert_msg(s_show_u64(unit, "MainPID") != pids[i][d], "%s was not restarted", unit);
        }
        s_await_flowing_in(run_dirs[i], 25);
    }
    s_check_first_recordings(2);
}
END_TEST

/* Purging the package camstack while both stacks record: the stacks stop first, in order,
 * and each recording closes complete; then nothing the package installed is left, no unit
 * runs, no process of the camstack user; no enablement link, no /run/camstack; under
 * /var/lib/camstack only the recordings (movies and statistics files, in the directories
 * that hold them); camstack.ini is gone. What stays on purpose: the camstack user, who owns
 * the recordings, and the file the admin made in /etc/camstack (the second stack's cam2.ini). */
START_TEST(purge_leaves_only_the_recordings)
{
    char cam2_ini[PATH_MAX], out[4096];

    s_start_both();
    s_ok("dpkg -L camstack >/var/tmp/camstack.files");
    s_ok("DEBIAN_FRONTEND=noninteractive apt-get purge -y -q camstack");

    ck_assert_int_ne(s_sh(NULL, 0, "dpkg -s camstack"), 0);
    s_ok("while read -r f; do [ -d \"$f\" ] || [ ! -e \"$f\" ] || "
         "{ echo \"$f is left\"; exit 1; }; done </var/tmp/camstack.files");
    ck_assert_int_ne(s_sh(out, sizeof out, "pgrep -u camstack"), 0);
    ck_assert_int_eq(s_sh(out, sizeof out,
                          "systemctl list-units --all --plain --no-legend "
                          "\"camstack*\" | grep -v \" inactive \"; "
                          "find /etc/systemd/system -name \"camstack*\""),
                     0);
    ck_assert_msg(out[0] == '\0', "left after the purge:\n%s", out);
    ck_assert_int_ne(access(S_RUN_DIR, F_OK), 0);
    ck_assert_int_ne(access(getenv("CS_INSTALLED_CONFIG"), F_OK), 0);
    s_cam2_config(cam2_ini, sizeof cam2_ini);
    ck_assert_int_eq(access(cam2_ini, F_OK), 0);
    ck_assert_ptr_nonnull(getpwnam("camstack"));

    ck_assert_int_eq(s_sh(out, sizeof out,
                          "find /var/lib/camstack -mindepth 1 \\( -type f ! -path \"*/movies/*.h5\""
                          " ! -path \"*/stats/*.h5\" \\) -o \\( ! -type f ! -type d \\)"
                          " -o \\( -type d -empty \\)"),
                     0);
    ck_assert_msg(out[0] == '\0', "under /var/lib/camstack after the purge:\n%s", out);
    s_check_first_recordings(1);
}
END_TEST

/* "Cpus_allowed_list:" of /proc/@pid/status (or /proc/self/status for 0) into @buf. */
static void
s_cpus_allowed(uint64_t pid, char *buf, size_t size)
{
    char out[256], *p;

    if (pid)
        ck_assert_int_eq(s_sh(out, sizeof out, "grep ^Cpus_allowed_list: /proc/%llu/status",
                              (unsigned long long) pid),
                         0);
    else
        ck_assert_int_eq(s_sh(out, sizeof out, "grep ^Cpus_allowed_list: /proc/self/status"), 0);
    p = out + strcspn(out, "\t ");
    p += strspn(p, "\t ");
    (void) snprintf(buf, size, "%s", p);
    s_chomp(buf);
}

/* The CPU pinning drop-in docs/SYSTEMD.md shows ("```ini dropin=NAME" and its lines), installed
 * as the page says: cam2's camerad runs on the CPUs it names, the default stack's camerad keeps
 * every CPU this test may use. */
START_TEST(documented_cpu_affinity_pins_one_camerad)
{
    static char doc[1 << 17];
    char path[PATH_MAX], name[256], want[64], got[64], all[64];
    const char *src = getenv("CS_SOURCE_ROOT"), *fence, *body, *end, *aff;
    FILE *f;
    size_t n;

    ck_assert_ptr_nonnull(src);
    (void) snprintf(path, sizeof path, "%s/docs/SYSTEMD.md", src);
    f = fopen(path, "re");
    ck_assert_ptr_nonnull(f);
    n = fread(doc, 1, sizeof doc - 1, f);
    (void) fclose(f);
    doc[n] = '\0';
    fence = strstr(doc, "\n```ini dropin=");
    ck_assert_msg(fence, "no '```ini dropin=' example in %s", path);
    fence += strlen("\n```ini dropin=");
    body = strchr(fence, '\n') + 1;
    end = strstr(body, "\n```");
    ck_assert_ptr_nonnull(end);
    (void) snprintf(name, sizeof name, "%.*s", (int) (body - 1 - fence), fence);
    aff = strstr(body, "CPUAffinity=");
    ck_assert_msg(aff && aff < end, "the example sets no CPUAffinity=");
    (void) snprintf(want, sizeof want, "%.*s", (int) strcspn(aff + 12, "\n"), aff + 12);

    (void) snprintf(path, sizeof path, "/run/systemd/system/%s", name);
    *strrchr(path, '/') = '\0';
    s_ok("mkdir -p %s", path);
    (void) snprintf(path, sizeof path, "/run/systemd/system/%s", name);
    f = fopen(path, "we");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fprintf(f, "%.*s\n", (int) (end - body), body), (int) (end - body) + 1);
    ck_assert_int_eq(fclose(f), 0);
    s_ok("systemctl daemon-reload");

    s_start_target();
    s_start_stack(S_CAM2);
    s_await_flowing_in(S_CAM2_RUN_DIR, 10);
    s_show("camstack-camerad@" S_CAM2 ".service", "CPUAffinity", got, sizeof got);
    ck_assert_str_eq(got, want);
    s_cpus_allowed(s_show_u64("camstack-camerad@" S_CAM2 ".service", "MainPID"), got, sizeof got);
    ck_assert_str_eq(got, want);
    s_cpus_allowed(0, all, sizeof all);
    s_cpus_allowed(s_show_u64(s_units[CS_DAEMON_CAMERAD], "MainPID"), got, sizeof got);
    ck_assert_str_eq(got, all);
}
END_TEST

static Suite *
s_suite(void)
{
    Suite *s = suite_create("systemd");
    TCase *tc;

    if (s_camera) {
        tc = tcase_create("camera");
        tcase_add_checked_fixture(tc, s_setup, s_teardown);
        tcase_set_timeout(tc, 180);
        tcase_add_test(tc, camera_target_start_and_stop);
        suite_add_tcase(s, tc);
        return s;
    }

    tc = tcase_create("install");
    tcase_add_test(tc, installed_units_verify_clean);
    suite_add_tcase(s, tc);

    tc = tcase_create("target");
    tcase_add_checked_fixture(tc, s_setup, s_teardown);
    tcase_set_timeout(tc, 180);
    tcase_add_test(tc, start_target_runs_enabled_units);
    tcase_add_test(tc, disable_and_enable_analyzerd);
    tcase_add_test(tc, viewd_is_switched_by_enabling_it);
    tcase_add_test(tc, stop_target_saves_every_frame);
    suite_add_tcase(s, tc);

    tc = tcase_create("failures");
    tcase_add_checked_fixture(tc, s_setup, s_teardown);
    tcase_set_timeout(tc, 180);
    for (int d = 0; d < CS_DAEMON_COUNT; d++) {
        if (!s_tested(d))
            continue;
        tcase_add_loop_test(tc, sigkill_restarts_and_losses_are_counted, d, d + 1);
        tcase_add_loop_test(tc, sigstop_is_caught_by_the_watchdog, d, d + 1);
    }
    tcase_add_test(tc, broken_config_fails_once_with_78);
    suite_add_tcase(s, tc);

    tc = tcase_create("stacks");
    tcase_add_checked_fixture(tc, s_setup_two, s_teardown_two);
    tcase_set_timeout(tc, 180);
    tcase_add_test(tc, two_stacks_record_at_once);
    tcase_add_test(tc, one_cameras_saverd_disabled_and_enabled);
    tcase_add_test(tc, a_colliding_stack_is_refused);
    tcase_add_test(tc, camstackctl_finds_the_stacks_by_name);
    tcase_add_test(tc, documented_cpu_affinity_pins_one_camerad);
    suite_add_tcase(s, tc);

    tc = tcase_create("package");
    tcase_add_checked_fixture(tc, s_setup_two, s_teardown_two);
    tcase_set_timeout(tc, 180);
    tcase_add_test(tc, python_client_from_the_package_reads_frames_and_stats);
    tcase_add_test(tc, upgrade_restarts_running_stacks);
    suite_add_tcase(s, tc);

    /* Last, and with no teardown: after it nothing of the package is left to test or to
     * stop, and the container, overlay and all, is thrown away. */
    tc = tcase_create("purge");
    tcase_add_checked_fixture(tc, s_setup_two, NULL);
    tcase_set_timeout(tc, 180);
    tcase_add_test(tc, purge_leaves_only_the_recordings);
    suite_add_tcase(s, tc);
    return s;
}

Suite *
test_suite(void)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL); /* a cut file may not open: that is checked */
    for (int d = 0; d < CS_DAEMON_COUNT; d++)
        s_unit_of(NULL, d, s_units[d], sizeof s_units[d]);
    s_camera = getenv("CS_TEST_CAMERA");
    if (s_camera && *s_camera) {
        /* Asked for a camera: its absence is a failure, not a reason to skip. */
        if (access(s_camera, F_OK) != 0) {
            printf("CS_TEST_CAMERA: no device '%s'\n", s_camera);
            exit(EXIT_FAILURE);
        }
        printf("camera %s: source = v4l2, YUYV %dx%d at %d frames/s\n", s_camera, S_CAMERA_WIDTH,
               S_CAMERA_HEIGHT, S_CAMERA_FPS);
    } else {
        s_camera = NULL;
    }
    return s_suite();
}
