/* The hardware suite: camerad against a real V4L2 driver, the kernel's vivid, with the whole
 * stack behind it (pubd, saverd, analyzerd as processes, as in the integration suite). It
 * needs a vivid capture node and root (device loss unbinds the driver); tests/hardware/
 * vm-test.sh runs it inside a qemu VM with Debian's kernel. Without vivid it exits 77 (skip).
 * Sizes and rates are modest (640x360 at 30 frames/s): the VM emulates its CPU. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>
#include <hdf5.h>
#include <linux/videodev2.h>

#include "check-main.h"
#include "harness.h"
#include "json.h"
#include "util.h"
#include "verify.h"

#define S_WIDTH    640
#define S_HEIGHT   360
#define S_FPS      30
#define S_AWAIT_MS 60000 /* generous: the VM's CPU is emulated */

static char s_device[64];   /* the vivid capture node */
static char s_instance[64]; /* its platform device, e.g. "vivid.0" */
static bool s_plugin;       /* the format-hiding libv4l2 plugin is installed */
static struct stack s_stack;
static char s_extra[1024];
static char s_out[16384]; /* what the last refused camerad printed */

/* --- finding and handling vivid ---------------------------------------------------------- */

static bool
s_is_vivid_capture(const char *path)
{
    struct v4l2_capability caps = { 0 };
    int fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
    bool ok;

    if (fd < 0)
        return false;
    ok = ioctl(fd, VIDIOC_QUERYCAP, &caps) == 0 && strcmp((char *) caps.driver, "vivid") == 0
         && (caps.device_caps & V4L2_CAP_VIDEO_CAPTURE);
    (void) close(fd);
    return ok;
}

static int
s_find_vivid(void)
{
    char path[64], link[PATH_MAX], target[PATH_MAX];
    ssize_t n;

    for (int i = 0; i < 64; i++) {
        (void) snprintf(path, sizeof path, "/dev/video%d", i);
        if (!s_is_vivid_capture(path))
            continue;
        (void) snprintf(s_device, sizeof s_device, "%s", path);
        (void) snprintf(link, sizeof link, "/sys/class/video4linux/video%d/device", i);
        n = readlink(link, target, sizeof target - 1);
        if (n > 0) {
            target[n] = '\0';
            (void) snprintf(s_instance, sizeof s_instance, "%s", basename(target));
        }
        return 0;
    }
    return -ENODEV;
}

/* Writes the platform device's name into the vivid driver's "bind" or "unbind". */
static void
s_driver(const char *what)
{
    char path[128];
    FILE *f;

    (void) snprintf(path, sizeof path, "/sys/bus/platform/drivers/vivid/%s", what);
    f = fopen(path, "we");
    ck_assert_msg(f, "cannot open %s: %s", path, strerror(errno));
    ck_assert_int_ge(fprintf(f, "%s", s_instance), 0);
    ck_assert_int_eq(fclose(f), 0);
}

/* --- reading what saverd and analyzerd wrote ------------------------------------------- */

static uint64_t
s_attr(hid_t f, const char *name)
{
    uint64_t v = 0;
    hid_t a = H5Aopen(f, name, H5P_DEFAULT);

    ck_assert_msg(a >= 0, "attribute '%s' is missing", name);
    ck_assert_int_ge(H5Aread(a, H5T_NATIVE_UINT64, &v), 0);
    H5Aclose(a);
    return v;
}

/* Reads 1-D dataset @name of @n rows (the caller frees it). */
static void *
s_column(hid_t f, const char *name, hid_t type, size_t elem, uint64_t n)
{
    hid_t d = H5Dopen2(f, name, H5P_DEFAULT), sp;
    hsize_t dims[1] = { 0 };
    void *buf = calloc(n + 1, elem);

    ck_assert_msg(d >= 0, "dataset '%s' is missing", name);
    sp = H5Dget_space(d);
    H5Sget_simple_extent_dims(sp, dims, NULL);
    ck_assert_uint_eq(dims[0], n);
    if (n)
        ck_assert_int_ge(H5Dread(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf), 0);
    H5Sclose(sp);
    H5Dclose(d);
    return buf;
}

/* The average of the analyzer's per-frame means in the stats file at @path. */
static double
s_stats_mean(const char *path, uint64_t n)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    double *mean, sum = 0;

    ck_assert_msg(f >= 0, "cannot open '%s'", path);
    ck_assert_uint_eq(s_attr(f, "frames"), n);
    mean = s_column(f, "/entry/stats/mean", H5T_NATIVE_DOUBLE, 8, n);
    for (uint64_t i = 0; i < n; i++)
        sum += mean[i];
    free(mean);
    H5Fclose(f);
    return sum / (double) n;
}

/* The .h5 files in @dir, sorted by name (the UTC time, then the run id), at most @max. */
static int
s_files(const char *dir, char paths[][PATH_MAX], int max)
{
    struct dirent **list = NULL;
    int n = scandir(dir, &list, NULL, alphasort), found = 0;

    ck_assert_int_ge(n, 0);
    for (int i = 0; i < n; i++) {
        size_t len = strlen(list[i]->d_name);

        if (len > 3 && strcmp(list[i]->d_name + len - 3, ".h5") == 0 && found < max)
            ck_assert_int_lt(snprintf(paths[found++], PATH_MAX, "%s/%s", dir, list[i]->d_name),
                             PATH_MAX);
        free(list[i]);
    }
    free(list);
    return found;
}

/* --- the stack ------------------------------------------------------------------------- */

static void
s_params(struct stack_params *p, enum cs_pixfmt pixfmt, uint64_t frames, const char *more)
{
    (void) snprintf(s_extra, sizeof s_extra, "device = %s\nbuffers = 8\n%s", s_device,
                    more ? more : "");
    *p = (struct stack_params){ .stream = "vivid",
                                .pixfmt = pixfmt,
                                .width = S_WIDTH,
                                .height = S_HEIGHT,
                                .fps = S_FPS,
                                .frames = frames,
                                .wait_subscribers = 2,
                                .source = CS_SOURCE_V4L2,
                                .camerad_extra = s_extra };
}

static void
s_stop_rest(void)
{
    ck_assert_int_eq(stack_stop(&s_stack, CS_DAEMON_PUBD), 0);
    ck_assert_int_eq(stack_stop(&s_stack, CS_DAEMON_ANALYZERD), 0);
    ck_assert_int_eq(stack_stop(&s_stack, CS_DAEMON_SAVERD), 0);
}

static bool
s_log_has(enum cs_daemon_id d, const char *text)
{
    static char log[1 << 16];

    stack_log(&s_stack, d, log, sizeof log);
    return strstr(log, text) != NULL;
}

static int64_t
s_ledger(enum cs_daemon_id d, const char *key)
{
    int64_t v = stack_ledger(&s_stack, d, key);

    ck_assert_msg(v >= 0, "%s logged no ledger value '%s'", cs_daemon_name(d), key);
    return v;
}

/* Every frame accounted for: captured - dropped_at_source = received + lost for each
 * subscriber, nothing lost on the way, and each subscriber saw the camera's drops. */
static void
s_check_ledgers(int64_t frames)
{
    int64_t sent = s_ledger(CS_DAEMON_CAMERAD, "sent");

    ck_assert_int_eq(s_ledger(CS_DAEMON_CAMERAD, "captured"), frames);
    ck_assert_int_eq(s_ledger(CS_DAEMON_CAMERAD, "dropped_at_source"), 0);
    ck_assert_int_eq(sent, frames);
    for (enum cs_daemon_id d = CS_DAEMON_ANALYZERD; d <= CS_DAEMON_SAVERD; d++) {
        ck_assert_int_eq(s_ledger(d, "received"), frames);
        ck_assert_int_eq(s_ledger(d, "lost"), 0);
        ck_assert_int_eq(s_ledger(d, "bad"), 0);
        ck_assert_int_eq(s_ledger(d, "camera_dropped"),
                         s_ledger(CS_DAEMON_CAMERAD, "camera_dropped"));
    }
}

/* One run of @frames frames; returns the movie and stats paths. */
static void
s_capture(enum cs_pixfmt pixfmt, uint64_t frames, const char *more, char *movie, char *stats)
{
    struct stack_params p;

    s_params(&p, pixfmt, frames, more);
    ck_assert_int_eq(stack_init(&s_stack, &p), 0);
    stack_start_all(&s_stack);
    ck_assert_int_eq(stack_wait(&s_stack, CS_DAEMON_CAMERAD), 0);
    s_stop_rest();
    s_check_ledgers((int64_t) frames);
    stack_only_file(s_stack.movies, movie, PATH_MAX);
    stack_only_file(s_stack.stats, stats, PATH_MAX);
}

static void
s_teardown(void)
{
    (void) unsetenv("CAMSTACK_TEST_V4L2_FORMATS");
    ck_assert_int_eq(stack_destroy(&s_stack), 0);
}

/* --- capture ----------------------------------------------------------------------------- */

START_TEST(vivid_yuyv_native)
{
    char movie[PATH_MAX], stats[PATH_MAX];
    struct expect_camera e = {
        .pixfmt = CS_PIXFMT_YUYV, .width = S_WIDTH, .height = S_HEIGHT, .fps = S_FPS, .frames = 60
    };

    s_capture(CS_PIXFMT_YUYV, 60, NULL, movie, stats);
    ck_assert(s_log_has(CS_DAEMON_CAMERAD, "YUYV 640x360, 1280 bytes per line, 30.000 frames/s, "
                                           "native format (no conversion)"));
    e.camera_dropped = (uint64_t) s_ledger(CS_DAEMON_CAMERAD, "camera_dropped");
    verify_camera_movie(movie, &e);
    ck_assert_double_gt(s_stats_mean(stats, 60), 10);
}
END_TEST

/* A camera that has only YUYV (the libv4l2 plugin hides vivid's other formats): RGB24 comes
 * through libv4l2's conversion, and the log says so. */
START_TEST(vivid_rgb24_converted)
{
    char movie[PATH_MAX], stats[PATH_MAX];
    struct expect_camera e = {
        .pixfmt = CS_PIXFMT_RGB24, .width = S_WIDTH, .height = S_HEIGHT, .fps = S_FPS, .frames = 45
    };

    ck_assert_int_eq(setenv("CAMSTACK_TEST_V4L2_FORMATS", "YUYV", 1), 0);
    s_capture(CS_PIXFMT_RGB24, 45, NULL, movie, stats);
    ck_assert(s_log_has(CS_DAEMON_CAMERAD, "RGB3 640x360, 1920 bytes per line, 30.000 frames/s, "
                                           "converted by libv4l2 from YUYV"));
    e.camera_dropped = (uint64_t) s_ledger(CS_DAEMON_CAMERAD, "camera_dropped");
    verify_camera_movie(movie, &e);
}
END_TEST

/* vivid drops a share of its frames on request: each drop is a gap in the driver's sequence,
 * counted by camerad, flagged to every subscriber and never counted as lost. */
START_TEST(vivid_camera_drops_are_counted)
{
    char movie[PATH_MAX], stats[PATH_MAX];
    struct expect_camera e = {
        .pixfmt = CS_PIXFMT_YUYV, .width = S_WIDTH, .height = S_HEIGHT, .fps = S_FPS, .frames = 60
    };

    s_capture(CS_PIXFMT_YUYV, 60, "control.percentage_of_dropped_buffers = 25\n", movie, stats);
    e.camera_dropped = (uint64_t) s_ledger(CS_DAEMON_CAMERAD, "camera_dropped");
    ck_assert_uint_ge(e.camera_dropped, 5); /* 25 % of about 80 frames */
    ck_assert_int_eq(s_ledger(CS_DAEMON_CAMERAD, "next_seq"), 60 + (int64_t) e.camera_dropped);
    verify_camera_movie(movie, &e);
}
END_TEST

/* brightness up, the analyzer's mean up. */
START_TEST(vivid_control_changes_mean)
{
    char movie[PATH_MAX], stats[PATH_MAX];
    double dark, bright;

    s_capture(CS_PIXFMT_YUYV, 15, "control.brightness = 60\n", movie, stats);
    ck_assert(s_log_has(CS_DAEMON_CAMERAD, "control brightness = 60 (was "));
    dark = s_stats_mean(stats, 15);
    ck_assert_int_eq(stack_destroy(&s_stack), 0);
    s_capture(CS_PIXFMT_YUYV, 15, "control.brightness = 200\n", movie, stats);
    ck_assert(s_log_has(CS_DAEMON_CAMERAD, "control brightness = 200 (was "));
    bright = s_stats_mean(stats, 15);
    ck_assert_msg(bright > dark + 20, "mean %.2f at brightness 200, %.2f at 60", bright, dark);
}
END_TEST

/* camstackctl camera @a @b @c against the stack: its exit status, stdout in @out, stderr in
 * s_out. */
static int
s_camera(const char *a, const char *b, const char *c, char *out, size_t size)
{
    const char *args[] = { "camera", a, b, c, NULL };

    return stack_ctl(&s_stack, args, out, size, s_out, sizeof s_out);
}

/* camera list, get and set against vivid's controls while the stack records: the list has
 * brightness with its range and vivid's menus with their items; a value out of range is
 * refused naming the range, and nothing is lost; "camera set brightness" is in both files at
 * the seq camerad answered, and the statistics show it from there on. */
START_TEST(vivid_camera_list_get_set_while_recording)
{
    static char out[1 << 17];
    char movie[PATH_MAX], stats[PATH_MAX], reply[4096], seq[32];
    struct stack_params p;
    json_t *answer, *list, *a, *s;
    const char *name = NULL;
    uint64_t at = 0;
    bool ok = false, found = false;
    size_t i;

    s_params(&p, CS_PIXFMT_YUYV, 0, "control.brightness = 60\n"); /* until acquire stop */
    ck_assert_int_eq(stack_init(&s_stack, &p), 0);
    stack_start_all(&s_stack);
    stack_await(&s_stack, CS_DAEMON_CAMERAD, "captured", 30, S_AWAIT_MS);
    ck_assert_msg(s_camera("list", "--json", NULL, out, sizeof out) == 0, "%s", s_out);
    printf("camera list: %zu bytes of JSON\n", strlen(out));
    answer = cs_json_parse_object(out, strlen(out), NULL, 0);
    list = json_object_get(answer, "settings");
    ck_assert_msg(json_array_size(list) > 10, "%s", out);
    json_array_foreach(list, i, s)
    {
        if (cs_json_get_string(s, "name", &name) == 0 && strcmp(name, "brightness") == 0) {
            ck_assert_msg(json_integer_value(json_object_get(s, "value")) == 60
                              && json_integer_value(json_object_get(s, "max")) == 255,
                          "%s", out);
            found = true;
        }
    }
    ck_assert_msg(found, "no brightness in %s", out);
    json_decref(answer);
    ck_assert_msg(s_camera("get", "test_pattern", NULL, out, sizeof out) == 0, "%s", s_out);
    ck_assert_msg(strstr(out, "enum") && strstr(out, "Colorbar"), "%s", out);
    ck_assert_int_eq(s_camera("set", "brightness", "300", out, sizeof out), 1);
    ck_assert_msg(strstr(s_out, "brightness takes an integer from 0 to 255, not '300'"), "%s",
                  s_out);
    ck_assert_int_eq(s_camera("set", "exposure", "1", out, sizeof out), 1);
    ck_assert_msg(strstr(s_out, "the device has no control 'exposure'; its controls: "), "%s",
                  s_out);
    ck_assert_int_eq(stack_request(&s_stack, CS_DAEMON_CAMERAD, "camera set brightness 200", 10000,
                                   reply, sizeof reply),
                     0);
    a = cs_json_parse_object(reply, strlen(reply), NULL, 0);
    ck_assert_msg(a && cs_json_get_bool(a, "ok", &ok) == 0 && ok, "%s", reply);
    ck_assert_int_eq(cs_json_get_u64(a, "seq", &at), 0);
    json_decref(a);
    stack_await(&s_stack, CS_DAEMON_CAMERAD, "next_seq", (int64_t) at + 30, S_AWAIT_MS);
    ck_assert_int_eq(
        stack_request(&s_stack, CS_DAEMON_CAMERAD, "acquire stop", 10000, reply, sizeof reply), 0);
    stack_await(&s_stack, CS_DAEMON_SAVERD, "files_closed", 1, S_AWAIT_MS);
    stack_await(&s_stack, CS_DAEMON_ANALYZERD, "runs_ended", 1, S_AWAIT_MS);
    ck_assert_int_eq(stack_stop(&s_stack, CS_DAEMON_CAMERAD), 0);
    s_stop_rest();
    /* Balanced and nothing lost. camerad may drop at source while a camera request holds its
     * loop on a loaded VM (counted: a frame it could not send takes no seq). */
    for (enum cs_daemon_id d = CS_DAEMON_ANALYZERD; d <= CS_DAEMON_SAVERD; d++) {
        ck_assert_int_eq(s_ledger(d, "received"), s_ledger(CS_DAEMON_CAMERAD, "sent"));
        ck_assert_int_eq(s_ledger(d, "lost"), 0);
        ck_assert_int_eq(s_ledger(d, "bad"), 0);
    }
    ck_assert_int_eq(s_ledger(CS_DAEMON_CAMERAD, "captured")
                         - s_ledger(CS_DAEMON_CAMERAD, "dropped_at_source"),
                     s_ledger(CS_DAEMON_CAMERAD, "sent"));
    stack_only_file(s_stack.movies, movie, sizeof movie);
    stack_only_file(s_stack.stats, stats, sizeof stats);
    (void) snprintf(seq, sizeof seq, "%llu", (unsigned long long) at);
    ck_assert_msg(
        stack_python("check_camera.py",
                     (const char *[]){ "--change", seq, "brightness", "200", "60", "--identity",
                                       "driver=vivid", "--identity", "model=vivid", "--mean-step",
                                       seq, "20", movie, stats, NULL },
                     out, sizeof out)
            == 0,
        "%s", out);
    printf("camera set brightness 200 from seq %s: %s", seq, out);
}
END_TEST

/* --- requests the camera cannot meet ----------------------------------------------------- */

/* camerad --config with [camerad] @more: exits 78, and what it printed holds each of @want. */
static void
s_refused(enum cs_pixfmt pixfmt, unsigned width, double fps, const char *more,
          const char *const *want)
{
    struct stack_params p;
    const char *args[] = { "--config", s_stack.config, NULL };

    s_params(&p, pixfmt, 5, more);
    p.width = width;
    p.fps = fps;
    p.wait_subscribers = 0;
    ck_assert_int_eq(stack_init(&s_stack, &p), 0);
    ck_assert_int_eq(stack_run_tool("camerad", args, s_out, sizeof s_out), 78);
    for (int i = 0; want[i]; i++)
        ck_assert_msg(strstr(s_out, want[i]), "'%s' is not in camerad's error:\n%s", want[i],
                      s_out);
}

START_TEST(vivid_unsupported_size_names_offers)
{
    s_refused(CS_PIXFMT_YUYV, 1000, S_FPS, NULL,
              (const char *[]){ "cannot deliver YUYV at 1000x360",
                                "sizes of YUYV: 320x180, "
                                "640x360, 640x480, 1280x720, 1920x1080",
                                NULL });
}
END_TEST

START_TEST(vivid_unsupported_rate_names_offers)
{
    s_refused(CS_PIXFMT_YUYV, S_WIDTH, 33, NULL,
              (const char *[]){ "cannot run at fps 33 with YUYV 640x360",
                                "its rates there: 1, 2, 4, 5, 10, 12.5, 15, 25, 30, 40", NULL });
}
END_TEST

START_TEST(vivid_unsupported_format_names_offers)
{
    ck_assert_int_eq(setenv("CAMSTACK_TEST_V4L2_FORMATS", "YUYV", 1), 0);
    s_refused(CS_PIXFMT_GREY, S_WIDTH, S_FPS, NULL,
              (const char *[]){ "cannot deliver pixel_format GREY; it offers YUYV; through "
                                "libv4l2's conversion: RGB3, BGR3",
                                NULL });
}
END_TEST

START_TEST(vivid_unknown_control_names_controls)
{
    char where[PATH_MAX + 128];

    s_refused(CS_PIXFMT_YUYV, S_WIDTH, S_FPS, "control.exposure = 10\n",
              (const char *[]){ "has no control 'exposure'; its controls: brightness, contrast, "
                                "saturation, hue",
                                NULL });
    /* The error names the file and the line of the key: the harness writes it 16th. */
    (void) snprintf(where, sizeof where, "%s:16: device '%s'", s_stack.config, s_device);
    ck_assert_msg(strstr(s_out, where), "'%s' is not in camerad's error:\n%s", where, s_out);
}
END_TEST

START_TEST(vivid_control_out_of_range_names_range)
{
    s_refused(CS_PIXFMT_YUYV, S_WIDTH, S_FPS, "control.brightness = 300\n",
              (const char *[]){ ":16: device '",
                                "brightness takes an integer from 0 to 255, not '300'", NULL });
}
END_TEST

/* With allow_format_fallback the camera's nearest offer is taken, and logged. */
START_TEST(vivid_fallback_takes_the_offer)
{
    struct stack_params p;

    s_params(&p, CS_PIXFMT_YUYV, 10, "allow_format_fallback = yes\n");
    p.width = 1000;
    ck_assert_int_eq(stack_init(&s_stack, &p), 0);
    stack_start_all(&s_stack);
    ck_assert_int_eq(stack_wait(&s_stack, CS_DAEMON_CAMERAD), 0);
    s_stop_rest();
    ck_assert(s_log_has(CS_DAEMON_CAMERAD, "cannot deliver YUYV at 1000x360"));
    ck_assert(s_log_has(CS_DAEMON_CAMERAD, "instead (allow_format_fallback)"));
    ck_assert(s_log_has(CS_DAEMON_CAMERAD, "run ") && s_log_has(CS_DAEMON_CAMERAD, "YUYV"));
    ck_assert_int_eq(s_ledger(CS_DAEMON_SAVERD, "written"), 10);
}
END_TEST

/* --- device loss ------------------------------------------------------------------------- */

/* vivid unbound mid-run (what an unplugged camera looks like to camerad), then bound again:
 * camerad ends the run with its end-of-stream, waits, and starts a new run when the device
 * is back; the first file is complete and every frame is accounted for. */
START_TEST(vivid_device_loss_starts_new_run)
{
    char files[4][PATH_MAX];
    struct stack_params p;
    int64_t first_written, captured, sent;
    uint64_t run1_frames;

    s_params(&p, CS_PIXFMT_YUYV, 0, NULL);
    ck_assert_int_eq(stack_init(&s_stack, &p), 0);
    stack_start_all(&s_stack);
    stack_await(&s_stack, CS_DAEMON_SAVERD, "written", 30, S_AWAIT_MS);
    s_driver("unbind");
    stack_await(&s_stack, CS_DAEMON_CAMERAD, "device_losses", 1, S_AWAIT_MS);
    ck_assert_int_eq(stack_status(&s_stack, CS_DAEMON_CAMERAD, "runs", 5000), 1);
    /* saverd closed the first run at its end-of-stream. */
    stack_await(&s_stack, CS_DAEMON_SAVERD, "files_closed", 1, S_AWAIT_MS);
    first_written = stack_status(&s_stack, CS_DAEMON_SAVERD, "written", 5000);
    s_driver("bind");
    stack_await(&s_stack, CS_DAEMON_CAMERAD, "runs", 2, S_AWAIT_MS);
    stack_await(&s_stack, CS_DAEMON_SAVERD, "written", first_written + 20, S_AWAIT_MS);
    ck_assert_int_eq(stack_stop(&s_stack, CS_DAEMON_CAMERAD), 0);
    s_stop_rest();

    ck_assert(s_log_has(CS_DAEMON_CAMERAD, "is not available, waiting for it"));
    ck_assert(s_log_has(CS_DAEMON_CAMERAD, "source v4l2 is back"));
    captured = s_ledger(CS_DAEMON_CAMERAD, "captured");
    sent = s_ledger(CS_DAEMON_CAMERAD, "sent");
    ck_assert_int_eq(captured - s_ledger(CS_DAEMON_CAMERAD, "dropped_at_source"), sent);
    for (enum cs_daemon_id d = CS_DAEMON_ANALYZERD; d <= CS_DAEMON_SAVERD; d++) {
        ck_assert_int_eq(s_ledger(d, "received") + s_ledger(d, "lost"), sent);
        ck_assert_int_eq(s_ledger(d, "lost"), 0);
        ck_assert_int_eq(s_ledger(d, "runs"), 2);
    }
    ck_assert_int_eq(s_files(s_stack.movies, files, 4), 2);
    run1_frames = (uint64_t) first_written;
    {
        hid_t f = H5Fopen(files[0], H5F_ACC_RDONLY, H5P_DEFAULT);

        ck_assert_msg(f >= 0, "cannot open '%s'", files[0]);
        ck_assert_uint_eq(s_attr(f, "complete"), 1);
        ck_assert_uint_eq(s_attr(f, "frames"), run1_frames);
        ck_assert_uint_eq(s_attr(f, "frames_lost"), 0);
        H5Fclose(f);
        f = H5Fopen(files[1], H5F_ACC_RDONLY, H5P_DEFAULT);
        ck_assert_msg(f >= 0, "cannot open '%s'", files[1]);
        ck_assert_uint_eq(s_attr(f, "complete"), 1);
        ck_assert_uint_eq(s_attr(f, "frames") + run1_frames, (uint64_t) sent);
        ck_assert_uint_ne(s_attr(f, "run"), 0);
        H5Fclose(f);
    }
}
END_TEST

/* --- steering --------------------------------------------------------------------------- */

/* acquire stop ends the run and stops streaming; acquire start streams again from the same
 * device (buffers requested and mapped anew) for a run of exactly the frames asked for. */
/* camerad's answer @reply to "acquire" is ok, with the acquisition in state @want. */
static void
s_assert_acquisition(const char *reply, const char *want)
{
    json_t *answer = stack_json_parse(reply);
    const char *state = "";
    bool ok = false;

    ck_assert_msg(answer && cs_json_get_bool(answer, "ok", &ok) == 0 && ok
                      && cs_json_get_string(answer, "acquisition", &state) == 0
                      && strcmp(state, want) == 0,
                  "not acquisition '%s': %s", want, reply);
    json_decref(answer);
}

START_TEST(vivid_acquire_stop_and_start_restream)
{
    char files[4][PATH_MAX], reply[8192];
    struct stack_params p;
    int64_t first;

    s_params(&p, CS_PIXFMT_YUYV, 0, NULL);
    ck_assert_int_eq(stack_init(&s_stack, &p), 0);
    stack_start_all(&s_stack);
    stack_await(&s_stack, CS_DAEMON_SAVERD, "written", 20, S_AWAIT_MS);
    ck_assert_int_eq(
        stack_request(&s_stack, CS_DAEMON_CAMERAD, "acquire stop", 10000, reply, sizeof reply), 0);
    s_assert_acquisition(reply, "idle");
    stack_await(&s_stack, CS_DAEMON_SAVERD, "files_closed", 1, S_AWAIT_MS);
    first = stack_status(&s_stack, CS_DAEMON_CAMERAD, "captured", 5000);
    ck_assert_int_eq(stack_status(&s_stack, CS_DAEMON_SAVERD, "written", 5000), first);
    ck_assert_int_eq(
        stack_request(&s_stack, CS_DAEMON_CAMERAD, "acquire start 25", 10000, reply, sizeof reply),
        0);
    s_assert_acquisition(reply, "running");
    stack_await(&s_stack, CS_DAEMON_SAVERD, "files_closed", 2, S_AWAIT_MS);
    ck_assert_int_eq(stack_status(&s_stack, CS_DAEMON_CAMERAD, "captured", 5000), first + 25);
    ck_assert_int_eq(stack_status(&s_stack, CS_DAEMON_CAMERAD, "runs", 5000), 2);
    ck_assert_int_eq(stack_status(&s_stack, CS_DAEMON_CAMERAD, "device_losses", 5000), 0);
    ck_assert_int_eq(stack_stop(&s_stack, CS_DAEMON_CAMERAD), 0);
    s_stop_rest();
    s_check_ledgers(first + 25);
    ck_assert_int_eq(s_files(s_stack.movies, files, 4), 2);
    {
        hid_t f = H5Fopen(files[1], H5F_ACC_RDONLY, H5P_DEFAULT);

        ck_assert_msg(f >= 0, "cannot open '%s'", files[1]);
        ck_assert_uint_eq(s_attr(f, "complete"), 1);
        ck_assert_uint_eq(s_attr(f, "frames"), 25);
        ck_assert_uint_eq(s_attr(f, "first_seq"), 0);
        H5Fclose(f);
    }
}
END_TEST

static Suite *
s_suite(void)
{
    Suite *s = suite_create("vivid");
    TCase *tc = tcase_create("capture");

    tcase_add_checked_fixture(tc, NULL, s_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, vivid_yuyv_native);
    if (s_plugin)
        tcase_add_test(tc, vivid_rgb24_converted);
    tcase_add_test(tc, vivid_camera_drops_are_counted);
    tcase_add_test(tc, vivid_control_changes_mean);
    suite_add_tcase(s, tc);

    tc = tcase_create("settings");
    tcase_add_checked_fixture(tc, NULL, s_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, vivid_camera_list_get_set_while_recording);
    suite_add_tcase(s, tc);

    tc = tcase_create("refusals");
    tcase_add_checked_fixture(tc, NULL, s_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, vivid_unsupported_size_names_offers);
    tcase_add_test(tc, vivid_unsupported_rate_names_offers);
    if (s_plugin)
        tcase_add_test(tc, vivid_unsupported_format_names_offers);
    tcase_add_test(tc, vivid_unknown_control_names_controls);
    tcase_add_test(tc, vivid_control_out_of_range_names_range);
    tcase_add_test(tc, vivid_fallback_takes_the_offer);
    suite_add_tcase(s, tc);

    tc = tcase_create("device-loss");
    tcase_add_checked_fixture(tc, NULL, s_teardown);
    tcase_set_timeout(tc, 180);
    tcase_add_test(tc, vivid_device_loss_starts_new_run);
    tcase_add_test(tc, vivid_acquire_stop_and_start_restream);
    suite_add_tcase(s, tc);
    return s;
}

Suite *
test_suite(void)
{
    const char *plugin = getenv("CS_TEST_V4L2_PLUGIN");

    if (s_find_vivid() < 0) {
        printf("SKIP: no vivid capture device in /dev/video* (load vivid, or run the suite in "
               "the VM: meson test --suite hardware)\n");
        exit(TEST_EXIT_SKIP);
    }
    s_plugin = plugin && access(plugin, R_OK) == 0;
    printf("vivid capture device %s (%s); format plugin %s\n", s_device, s_instance,
           s_plugin ? plugin : "not installed: conversion tests left out");
    return s_suite();
}
