/* Unit tests of common/config.h: a full file loads with the exact values, an empty one gives the
 * defaults, relative paths are taken from the file's directory, and every kind of bad input is
 * refused with -EINVAL and "path:line: message". Each test writes its files into its own
 * directory (tmpdir.h) and removes them; the teardown fails if any is left. The committed
 * fixtures in tests/data ($CS_TEST_DATA) are loaded too. Bugs these tests found are kept as
 * regression tests at the end of the file. */
#include <check.h>
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "check-main.h"
#include "config.h"
#include "pixfmt.h"
#include "tmpdir.h"
#include "util.h"

static char s_realdir[PATH_MAX]; /* test_tmpdir with symbolic links resolved, as config.c sees it */
static const char *s_datadir;    /* tests/data */
static glob_t s_bad_files;       /* tests/data/bad-*.ini */

static void
s_setup(void)
{
    test_tmpdir_setup();
    ck_assert_ptr_nonnull(realpath(test_tmpdir, s_realdir));
}

static void
s_unlink(const char *path)
{
    ck_assert_msg(unlink(path) == 0, "unlink(%s): %s", path, strerror(errno));
}

/* "dir/name" in @buf. */
static const char *
s_join(char *buf, size_t size, const char *dir, const char *name)
{
    int n = snprintf(buf, size, "%s/%s", dir, name);

    ck_assert(n > 0 && (size_t) n < size);
    return buf;
}

/* Loads @path, expecting -EINVAL and a message that starts with "path:line: " (or "path: " for
 * line 0) followed by @fragment somewhere after it. */
static void
s_assert_load_error(const char *path, unsigned line, const char *fragment, const char *what)
{
    char msg[CS_CONF_ERROR_MAX], prefix[PATH_MAX + 32];
    struct cs_conf conf;
    int r;

    memset(msg, 0, sizeof msg);
    r = cs_conf_load(path, &conf, msg, sizeof msg);
    ck_assert_msg(r == -EINVAL, "%s: cs_conf_load returned %d, expected -EINVAL (message '%s')",
                  what, r, msg);
    if (line)
        (void) snprintf(prefix, sizeof prefix, "%s:%u: ", path, line);
    else
        (void) snprintf(prefix, sizeof prefix, "%s: ", path);
    ck_assert_msg(strncmp(msg, prefix, strlen(prefix)) == 0,
                  "%s: message '%s' does not start with '%s'", what, msg, prefix);
    ck_assert_msg(strstr(msg + strlen(prefix), fragment) != NULL,
                  "%s: message '%s' does not contain \"%s\"", what, msg, fragment);
}

/* Loads @path, expecting success. */
static void
s_load_ok(const char *path, struct cs_conf *conf)
{
    char msg[CS_CONF_ERROR_MAX] = "";
    int r;

    r = cs_conf_load(path, conf, msg, sizeof msg);
    ck_assert_msg(r == 0, "cs_conf_load(%s) returned %d: %s", path, r, msg);
}

/* ---- a good file ---- */

/* The same as tests/data/good.ini. */
static const char s_good_ini[] =
    "# every key, none at its default\n"
    "; both comment styles\n"
    "\n"
    "[stack]\n"
    "stream = lab-cam_2.A\n"
    "runtime_dir = run\n"
    "ipc_send_buffer_kb = 0\n"
    "\n"
    "[endpoints]\n"
    "ingest = ipc:///tmp/cs-good/ingest\n"
    "publish = tcp://127.0.0.1:5601, ipc:///tmp/cs-good/frames ,inproc://frames\n"
    "subscribe = tcp://127.0.0.1:5601\n"
    "control_camerad = tcp://127.0.0.1:5610\n"
    "control_pubd = inproc://pubd-control\n"
    "control_analyzerd = ipc:///tmp/cs-good/analyzerd.control\n"
    "control_saverd = tcp://localhost:5613\n"
    "control_viewd = ipc:///tmp/cs-good/viewd.control\n"
    "\n"
    "[camerad]\n"
    "source = v4l2\n"
    "device = /dev/video7\n"
    "width = 1280\n"
    "height = 1024\n"
    "pixel_format = yuyv\n"
    "fps = 12.5\n"
    "frames = 1000000000000000\n"
    "send_buffer_mb = 128\n"
    "wait_subscribers = 2\n"
    "wait_timeout_ms = 86400000\n"
    "buffers = 32\n"
    "allow_format_fallback = yes\n"
    "control.brightness = 200\n"
    "control.exposure_time_absolute = -9223372036854775808\n"
    "control.power_line_frequency = 0\n"
    "feature.TriggerSelector = FrameStart\n"
    "feature.TriggerMode = On\n"
    "feature.TriggerSelector = AcquisitionStart\n"
    "feature.TriggerMode = Off\n"
    "feature.DeviceUserID = left camera ; a comment\n"
    "feature._x9 = 0x1F\n"
    "offset_x = 16\n"
    "offset_y = 8\n"
    "binning_x = 2\n"
    "binning_y = 4\n"
    "exposure_us = 2500.5\n"
    "gain = -3\n"
    "trigger = line1\n"
    "zero_copy = no\n"
    "\n"
    "[pubd]\n"
    "  ingest_buffer_mb = 1\n"
    "\tsubscriber_buffer_mb = 65536\n"
    "tcp_subscriber_buffer_mb = 8\n"
    "linger_ms = 0 ; frames still queued at stop are dropped at once\n"
    "\n"
    "[analyzerd]\n"
    "directory = stats\n"
    "receive_buffer_mb = 32\n"
    "drain_timeout_ms = 600000\n"
    "publish_stats = off\n"
    "\n"
    "[saverd]\n"
    "directory = /srv/camstack/movies\n"
    "receive_buffer_mb = 512\n"
    "drain_timeout_ms = 1500\n"
    "queue_mb = 2048\n"
    "flush_interval_ms = 250\n"
    "swmr = no\n"
    "max_frames_per_file = 1000\n"
    "max_bytes_per_file = 1000000000\n"
    "compression = deflate:9\n"
    "\n"
    "[viewd]\n"
    "listen = 192.0.2.7\n"
    "port = 18480\n"
    "fps = 2.5\n"
    "max_width = 640\n"
    "jpeg_quality = 60\n"
    "y16_range = 100-4095\n"
    "colour_map = heat\n"
    "tls_certificate = keys/viewd.crt\n"
    "tls_key = /etc/camstack/viewd.key\n"
    "token_file = viewd.token\n"
    "max_clients = 8\n"
    "\n"
    "[security]\n"
    "server_certificate = keys/pubd.key\n"
    "client_certificate = /etc/camstack/keys/lab.key\n"
    "authorized_keys_dir = clients\n"
    "allow_insecure_remote = yes\n"
    "\n"
    "[log]\n"
    "level = debug\n";

/* Checks every value of the good file, loaded from @path in directory @dir. */
static void
s_assert_good(const struct cs_conf *c, const char *path, const char *dir)
{
    char buf[PATH_MAX + 64];

    ck_assert_str_eq(c->path, path);
    ck_assert_str_eq(c->stack.stream, "lab-cam_2.A");
    ck_assert_str_eq(c->stack.runtime_dir, s_join(buf, sizeof buf, dir, "run"));
    ck_assert_uint_eq(c->stack.ipc_send_buffer_kb, 0);

    ck_assert_str_eq(c->endpoints.ingest, "ipc:///tmp/cs-good/ingest");
    ck_assert_uint_eq(c->endpoints.n_publish, 3);
    ck_assert_str_eq(c->endpoints.publish[0], "tcp://127.0.0.1:5601");
    ck_assert_str_eq(c->endpoints.publish[1], "ipc:///tmp/cs-good/frames");
    ck_assert_str_eq(c->endpoints.publish[2], "inproc://frames");
    ck_assert_str_eq(c->endpoints.subscribe, "tcp://127.0.0.1:5601");
    ck_assert_str_eq(c->endpoints.control[CS_DAEMON_CAMERAD], "tcp://127.0.0.1:5610");
    ck_assert_str_eq(c->endpoints.control[CS_DAEMON_PUBD], "inproc://pubd-control");
    ck_assert_str_eq(c->endpoints.control[CS_DAEMON_ANALYZERD],
                     "ipc:///tmp/cs-good/analyzerd.control");
    ck_assert_str_eq(c->endpoints.control[CS_DAEMON_SAVERD], "tcp://localhost:5613");

    ck_assert_int_eq(c->camerad.source, CS_SOURCE_V4L2);
    ck_assert_str_eq(c->camerad.device, "/dev/video7");
    ck_assert_uint_eq(c->camerad.width, 1280);
    ck_assert_uint_eq(c->camerad.height, 1024);
    ck_assert_int_eq(c->camerad.pixel_format, CS_PIXFMT_YUYV);
    ck_assert(c->camerad.fps == 12.5);
    ck_assert_uint_eq(c->camerad.frames, 1000000000000000ULL);
    ck_assert_uint_eq(c->camerad.send_buffer_mb, 128);
    ck_assert_uint_eq(c->camerad.wait_subscribers, 2);
    ck_assert_uint_eq(c->camerad.wait_timeout_ms, 86400000);
    ck_assert_uint_eq(c->camerad.buffers, 32);
    ck_assert(c->camerad.allow_format_fallback);
    ck_assert_uint_eq(c->camerad.n_controls, 3);
    ck_assert_str_eq(c->camerad.controls[0].name, "brightness");
    ck_assert_int_eq(c->camerad.controls[0].value, 200);
    ck_assert_str_eq(c->camerad.controls[1].name, "exposure_time_absolute");
    ck_assert_int_eq(c->camerad.controls[1].value, INT64_MIN);
    ck_assert_str_eq(c->camerad.controls[2].name, "power_line_frequency");
    ck_assert_int_eq(c->camerad.controls[2].value, 0);
    /* Kept as written, in order, with their lines; a name may come back (another selector). */
    ck_assert_uint_eq(c->camerad.features.n, 6);
    ck_assert_str_eq(c->camerad.features.items[0].name, "TriggerSelector");
    ck_assert_str_eq(c->camerad.features.items[0].value, "FrameStart");
    ck_assert_str_eq(c->camerad.features.items[3].name, "TriggerMode");
    ck_assert_str_eq(c->camerad.features.items[3].value, "Off");
    ck_assert_str_eq(c->camerad.features.items[4].value, "left camera");
    ck_assert_str_eq(c->camerad.features.items[5].name, "_x9");
    ck_assert_str_eq(c->camerad.features.items[5].value, "0x1F");
    ck_assert_str_eq(c->camerad.device_id, "/dev/video7");
    ck_assert_uint_eq(c->camerad.offset_x, 16);
    ck_assert_uint_eq(c->camerad.offset_y, 8);
    ck_assert_uint_eq(c->camerad.binning_x, 2);
    ck_assert_uint_eq(c->camerad.binning_y, 4);
    ck_assert(c->camerad.exposure_us == 2500.5);
    ck_assert(c->camerad.gain == -3);
    ck_assert_str_eq(c->camerad.trigger, "line1");
    ck_assert(!c->camerad.zero_copy);

    ck_assert_uint_eq(c->pubd.ingest_buffer_mb, 1);
    ck_assert_uint_eq(c->pubd.subscriber_buffer_mb, 65536);
    ck_assert_uint_eq(c->pubd.tcp_subscriber_buffer_mb, 8);
    ck_assert_uint_eq(c->pubd.linger_ms, 0);

    ck_assert_str_eq(c->analyzerd.directory, s_join(buf, sizeof buf, dir, "stats"));
    ck_assert_uint_eq(c->analyzerd.receive_buffer_mb, 32);
    ck_assert_uint_eq(c->analyzerd.drain_timeout_ms, 600000);
    ck_assert(!c->analyzerd.publish_stats);

    ck_assert_str_eq(c->saverd.directory, "/srv/camstack/movies");
    ck_assert_uint_eq(c->saverd.receive_buffer_mb, 512);
    ck_assert_uint_eq(c->saverd.drain_timeout_ms, 1500);
    ck_assert_uint_eq(c->saverd.queue_mb, 2048);
    ck_assert_uint_eq(c->saverd.flush_interval_ms, 250);
    ck_assert(!c->saverd.swmr);
    ck_assert_uint_eq(c->saverd.max_frames_per_file, 1000);
    ck_assert_uint_eq(c->saverd.max_bytes_per_file, 1000000000);
    ck_assert_int_eq(c->saverd.compression.method, CS_COMPRESSION_DEFLATE);
    ck_assert_uint_eq(c->saverd.compression.level, 9);

    ck_assert_str_eq(c->viewd.listen, "192.0.2.7");
    ck_assert_uint_eq(c->viewd.port, 18480);
    ck_assert_double_eq(c->viewd.fps, 2.5);
    ck_assert_uint_eq(c->viewd.max_width, 640);
    ck_assert_uint_eq(c->viewd.jpeg_quality, 60);
    ck_assert_uint_eq(c->viewd.y16_low, 100);
    ck_assert_uint_eq(c->viewd.y16_high, 4095);
    ck_assert_int_eq(c->viewd.colour_map, CS_COLOUR_MAP_HEAT);
    ck_assert_str_eq(c->viewd.tls_certificate, s_join(buf, sizeof buf, dir, "keys/viewd.crt"));
    ck_assert_str_eq(c->viewd.tls_key, "/etc/camstack/viewd.key");
    ck_assert_str_eq(c->viewd.token_file, s_join(buf, sizeof buf, dir, "viewd.token"));
    ck_assert_uint_eq(c->viewd.max_clients, 8);

    ck_assert_str_eq(c->security.server_certificate, s_join(buf, sizeof buf, dir, "keys/pubd.key"));
    ck_assert_str_eq(c->security.client_certificate, "/etc/camstack/keys/lab.key");
    ck_assert_str_eq(c->security.authorized_keys_dir, s_join(buf, sizeof buf, dir, "clients"));
    ck_assert(c->security.allow_insecure_remote);

    ck_assert_int_eq(c->log.level, LOG_DEBUG);
    ck_assert_uint_eq(cs_conf_frame_bytes(c), 1280 * 1024 * 2);
}

START_TEST(good_file_exact_values)
{
    char path[PATH_MAX];
    struct cs_conf conf;

    test_tmpdir_write(path, sizeof path, "good.ini", s_good_ini);
    memset(&conf, 0x5a, sizeof conf); /* load must not rely on a zeroed struct */
    s_load_ok(path, &conf);
    s_assert_good(&conf, path, s_realdir);
    /* Each feature key keeps the line it is on, for the error camerad reports at open. */
    ck_assert_uint_eq(conf.camerad.features.items[0].line, 35);
    ck_assert_uint_eq(conf.camerad.features.items[3].line, 38);
    s_unlink(path);
}
END_TEST

/* Windows line ends are blanks at the end of a line, not part of the value. */
START_TEST(good_file_crlf)
{
    char text[sizeof s_good_ini * 2], path[PATH_MAX];
    struct cs_conf conf;
    size_t j = 0;

    for (size_t i = 0; s_good_ini[i]; i++) {
        if (s_good_ini[i] == '\n')
            text[j++] = '\r';
        text[j++] = s_good_ini[i];
    }
    text[j] = '\0';
    test_tmpdir_write(path, sizeof path, "crlf.ini", text);
    s_load_ok(path, &conf);
    s_assert_good(&conf, path, s_realdir);
    s_unlink(path);
}
END_TEST

/* What cs_conf_dump() writes loads back to the same values. */
START_TEST(dump_loads_back)
{
    char path[PATH_MAX], dumped[PATH_MAX];
    struct cs_conf a, b;
    FILE *f;

    test_tmpdir_write(path, sizeof path, "good.ini", s_good_ini);
    s_load_ok(path, &a);
    f = fopen(s_join(dumped, sizeof dumped, test_tmpdir, "dumped.ini"), "we");
    ck_assert_ptr_nonnull(f);
    cs_conf_dump(&a, f);
    ck_assert_int_eq(fclose(f), 0);
    s_load_ok(dumped, &b);
    ck_assert_str_eq(b.path, dumped);
    (void) memcpy(b.path, a.path, sizeof b.path);
    s_assert_good(&b, path, s_realdir);
    s_unlink(dumped);
    s_unlink(path);
}
END_TEST

/* ---- defaults ---- */

static void
s_assert_defaults(const struct cs_conf *c, const char *path)
{
    ck_assert_str_eq(c->path, path);
    ck_assert_str_eq(c->stack.stream, "cam1");
    ck_assert_str_eq(c->stack.runtime_dir, "/run/camstack");
    ck_assert_uint_eq(c->stack.ipc_send_buffer_kb, 4096);
    ck_assert_str_eq(c->endpoints.ingest, "ipc:///run/camstack/ingest");
    ck_assert_uint_eq(c->endpoints.n_publish, 1);
    ck_assert_str_eq(c->endpoints.publish[0], "ipc:///run/camstack/frames");
    ck_assert_str_eq(c->endpoints.subscribe, "ipc:///run/camstack/frames");
    ck_assert_str_eq(c->endpoints.control[CS_DAEMON_CAMERAD],
                     "ipc:///run/camstack/camerad.control");
    ck_assert_str_eq(c->endpoints.control[CS_DAEMON_PUBD], "ipc:///run/camstack/pubd.control");
    ck_assert_str_eq(c->endpoints.control[CS_DAEMON_ANALYZERD],
                     "ipc:///run/camstack/analyzerd.control");
    ck_assert_str_eq(c->endpoints.control[CS_DAEMON_SAVERD], "ipc:///run/camstack/saverd.control");
    ck_assert_int_eq(c->camerad.source, CS_SOURCE_TESTPATTERN);
    ck_assert_str_eq(c->camerad.device, "/dev/video0");
    ck_assert_uint_eq(c->camerad.width, 640);
    ck_assert_uint_eq(c->camerad.height, 480);
    ck_assert_int_eq(c->camerad.pixel_format, CS_PIXFMT_GREY);
    ck_assert(c->camerad.fps == 30);
    ck_assert_uint_eq(c->camerad.frames, 0);
    ck_assert_uint_eq(c->camerad.send_buffer_mb, 64);
    ck_assert_uint_eq(c->camerad.wait_subscribers, CS_WAIT_AUTO);
    ck_assert_uint_eq(c->camerad.wait_timeout_ms, 0);
    ck_assert_uint_eq(c->camerad.buffers, 4);
    ck_assert(!c->camerad.allow_format_fallback);
    ck_assert_uint_eq(c->camerad.n_controls, 0);
    ck_assert_uint_eq(c->camerad.features.n, 0);
    ck_assert_str_eq(c->camerad.device_id, "");
    ck_assert(isnan(c->camerad.exposure_us) && isnan(c->camerad.gain));
    ck_assert_str_eq(c->camerad.trigger, "off");
    ck_assert(c->camerad.zero_copy);
    ck_assert_uint_eq(c->pubd.ingest_buffer_mb, 64);
    ck_assert_uint_eq(c->pubd.subscriber_buffer_mb, 256);
    ck_assert_uint_eq(c->pubd.tcp_subscriber_buffer_mb, 64);
    ck_assert_uint_eq(c->pubd.linger_ms, 2000);
    ck_assert_str_eq(c->analyzerd.directory, "/var/lib/camstack/stats");
    ck_assert_uint_eq(c->analyzerd.receive_buffer_mb, 64);
    ck_assert_uint_eq(c->analyzerd.drain_timeout_ms, 2000);
    ck_assert(c->analyzerd.publish_stats);
    ck_assert_str_eq(c->saverd.directory, "/var/lib/camstack/movies");
    ck_assert_uint_eq(c->saverd.receive_buffer_mb, 256);
    ck_assert_uint_eq(c->saverd.drain_timeout_ms, 2000);
    ck_assert_str_eq(c->security.server_certificate, "");
    ck_assert_str_eq(c->security.client_certificate, "");
    ck_assert_str_eq(c->security.authorized_keys_dir, "/etc/camstack/authorized_keys");
    ck_assert(!c->security.allow_insecure_remote);
    ck_assert_uint_eq(c->saverd.queue_mb, 1024);
    ck_assert_uint_eq(c->saverd.flush_interval_ms, 1000);
    ck_assert(c->saverd.swmr);
    ck_assert_uint_eq(c->saverd.max_frames_per_file, 0);
    ck_assert_uint_eq(c->saverd.max_bytes_per_file, 0);
    ck_assert_int_eq(c->saverd.compression.method, CS_COMPRESSION_NONE);
    ck_assert_str_eq(c->viewd.listen, "127.0.0.1");
    ck_assert_uint_eq(c->viewd.port, 8480);
    ck_assert_double_eq(c->viewd.fps, 10);
    ck_assert_uint_eq(c->viewd.max_width, 960);
    ck_assert_uint_eq(c->viewd.jpeg_quality, 85);
    ck_assert_uint_eq(c->viewd.y16_low, c->viewd.y16_high);
    ck_assert_int_eq(c->viewd.colour_map, CS_COLOUR_MAP_GREY);
    ck_assert_str_eq(c->viewd.tls_certificate, "");
    ck_assert_str_eq(c->viewd.tls_key, "");
    ck_assert_str_eq(c->viewd.token_file, "");
    ck_assert_uint_eq(c->viewd.max_clients, 64);
    ck_assert_int_eq(c->log.level, LOG_INFO);
}

START_TEST(empty_file_gives_defaults)
{
    static const char *const texts[] = {
        "",
        "\n\n\n",
        "# only comments\n; and blank lines\n\n   \n\t\n",
        "[stack]\n[endpoints]\n[camerad]\n[pubd]\n[analyzerd]\n[saverd]\n[viewd]\n[security]\n[log]"
        "\n",
        "[camerad]\n[camerad]\n", /* a section may appear twice */
    };
    char path[PATH_MAX];
    struct cs_conf conf;

    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        test_tmpdir_write(path, sizeof path, "empty.ini", texts[i]);
        memset(&conf, 0x5a, sizeof conf);
        s_load_ok(path, &conf);
        s_assert_defaults(&conf, path);
        s_unlink(path);
    }
}
END_TEST

START_TEST(defaults_function)
{
    struct cs_conf conf;

    memset(&conf, 0x5a, sizeof conf);
    cs_conf_defaults(&conf, "/etc/camstack/camstack.ini");
    ck_assert_str_eq(conf.path, "/etc/camstack/camstack.ini");
    ck_assert_str_eq(conf.stack.stream, "cam1");
    ck_assert_uint_eq(conf.camerad.width, 640);
    ck_assert_int_eq(conf.log.level, LOG_INFO);
    ck_assert_uint_eq(cs_conf_frame_bytes(&conf), 640 * 480);
}
END_TEST

/* The other helpers of config.h. */
/* wait_subscribers takes "auto" (count the subscriber units systemd started) or a number, and
 * --check-config prints "auto" back. */
START_TEST(wait_subscribers_auto)
{
    char path[PATH_MAX], *text = NULL;
    struct cs_conf conf;
    size_t len = 0;
    FILE *f;

    test_tmpdir_write(path, sizeof path, "auto.ini", "[camerad]\nwait_subscribers = auto\n");
    s_load_ok(path, &conf);
    ck_assert_uint_eq(conf.camerad.wait_subscribers, CS_WAIT_AUTO);
    f = open_memstream(&text, &len);
    ck_assert_ptr_nonnull(f);
    cs_conf_dump(&conf, f);
    ck_assert_int_eq(fclose(f), 0);
    ck_assert_ptr_nonnull(strstr(text, "\nwait_subscribers = auto\n"));
    free(text);
    s_unlink(path);
    test_tmpdir_write(path, sizeof path, "zero.ini", "[camerad]\nwait_subscribers = 0\n");
    s_load_ok(path, &conf);
    ck_assert_uint_eq(conf.camerad.wait_subscribers, 0);
    s_unlink(path);
}
END_TEST

/* deflate without a level takes h5py's default; lz4 is accepted where its HDF5 plugin is
 * installed (scripts/deps test installs it; without it, see the integration suite). */
START_TEST(compression_values)
{
    static const struct {
        const char *value;
        enum cs_compression method;
        unsigned level;
    } cases[] = {
        { "none", CS_COMPRESSION_NONE, 0 },         { "deflate", CS_COMPRESSION_DEFLATE, 4 },
        { "deflate:0", CS_COMPRESSION_DEFLATE, 0 }, { "deflate:9", CS_COMPRESSION_DEFLATE, 9 },
        { "lz4", CS_COMPRESSION_LZ4, 0 },
    };
    struct cs_conf conf;
    char path[PATH_MAX], text[128];

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        (void) snprintf(text, sizeof text, "[saverd]\ncompression = %s\n", cases[i].value);
        test_tmpdir_write(path, sizeof path, "compression.ini", text);
        s_load_ok(path, &conf);
        ck_assert_int_eq(conf.saverd.compression.method, cases[i].method);
        ck_assert_uint_eq(conf.saverd.compression.level, cases[i].level);
        s_unlink(path);
    }
    ck_assert_str_eq(cs_compression_name(CS_COMPRESSION_LZ4), "lz4");
}
END_TEST

START_TEST(hwm_and_names)
{
    ck_assert_int_eq(cs_conf_hwm(64, 1 << 20), 64);
    ck_assert_int_eq(cs_conf_hwm(64, 640 * 480), 218);
    ck_assert_int_eq(cs_conf_hwm(1, 25 << 20), 2);    /* at least 2 */
    ck_assert_int_eq(cs_conf_hwm(65536, 1), 1000000); /* at most 1e6 */
    ck_assert_int_eq(cs_conf_hwm(1, 0), 1000000);
    ck_assert_str_eq(cs_daemon_name(CS_DAEMON_CAMERAD), "camerad");
    ck_assert_str_eq(cs_daemon_name(CS_DAEMON_PUBD), "pubd");
    ck_assert_str_eq(cs_daemon_name(CS_DAEMON_ANALYZERD), "analyzerd");
    ck_assert_str_eq(cs_daemon_name(CS_DAEMON_SAVERD), "saverd");
    ck_assert_str_eq(cs_daemon_name(CS_DAEMON_COUNT), "?");
    ck_assert_str_eq(cs_source_name(CS_SOURCE_TESTPATTERN), "testpattern");
    ck_assert_str_eq(cs_source_name(CS_SOURCE_V4L2), "v4l2");
    ck_assert_str_eq(cs_source_name(CS_SOURCE_COUNT), "?");
}
END_TEST

/* ---- relative paths ---- */

/* Relative paths are taken from the directory of the file (symbolic links resolved, so that the
 * result does not depend on the daemon's working directory), and "." and ".." are resolved. */
START_TEST(relative_paths_from_file_dir)
{
    static const char text[] = "[stack]\n"
                               "runtime_dir = run\n"
                               "[endpoints]\n"
                               "control_pubd = ipc://sock/pubd.control\n"
                               "control_saverd = ipc://sock/../saverd.control\n"
                               "[camerad]\n"
                               "device = dev//video9\n"
                               "[analyzerd]\n"
                               "directory = ./stats/\n"
                               "[saverd]\n"
                               "directory = ../movies\n";
    char path[PATH_MAX], want[PATH_MAX + 64], parent[PATH_MAX];
    struct cs_conf conf;

    test_tmpdir_write(path, sizeof path, "rel.ini", text);
    s_load_ok(path, &conf);
    ck_assert_str_eq(conf.stack.runtime_dir, s_join(want, sizeof want, s_realdir, "run"));
    ck_assert_str_eq(conf.camerad.device, s_join(want, sizeof want, s_realdir, "dev/video9"));
    ck_assert_str_eq(conf.analyzerd.directory, s_join(want, sizeof want, s_realdir, "stats"));
    (void) cs_strlcpy(parent, s_realdir, sizeof parent);
    *strrchr(parent, '/') = '\0';
    ck_assert_str_eq(conf.saverd.directory, s_join(want, sizeof want, parent, "movies"));
    /* an ipc endpoint's relative path, and the default endpoints under a relative runtime_dir */
    (void) snprintf(want, sizeof want, "ipc://%s/sock/pubd.control", s_realdir);
    ck_assert_str_eq(conf.endpoints.control[CS_DAEMON_PUBD], want);
    (void) snprintf(want, sizeof want, "ipc://%s/saverd.control", s_realdir);
    ck_assert_str_eq(conf.endpoints.control[CS_DAEMON_SAVERD], want);
    (void) snprintf(want, sizeof want, "ipc://%s/run/ingest", s_realdir);
    ck_assert_str_eq(conf.endpoints.ingest, want);
    (void) snprintf(want, sizeof want, "ipc://%s/run/frames", s_realdir);
    ck_assert_str_eq(conf.endpoints.publish[0], want);
    ck_assert_str_eq(conf.endpoints.subscribe, want);
    (void) snprintf(want, sizeof want, "ipc://%s/run/camerad.control", s_realdir);
    ck_assert_str_eq(conf.endpoints.control[CS_DAEMON_CAMERAD], want);
    (void) snprintf(want, sizeof want, "ipc://%s/run/analyzerd.control", s_realdir);
    ck_assert_str_eq(conf.endpoints.control[CS_DAEMON_ANALYZERD], want);
    s_unlink(path);
}
END_TEST

/* Absolute paths stay where they point; only ".", ".." and repeated slashes go. */
START_TEST(absolute_paths_normalized)
{
    static const char text[] = "[stack]\n"
                               "runtime_dir = /run//camstack/./x/..\n"
                               "[camerad]\n"
                               "device = /dev/video0\n"
                               "[saverd]\n"
                               "directory = /../srv/movies/\n";
    char path[PATH_MAX];
    struct cs_conf conf;

    test_tmpdir_write(path, sizeof path, "abs.ini", text);
    s_load_ok(path, &conf);
    ck_assert_str_eq(conf.stack.runtime_dir, "/run/camstack");
    ck_assert_str_eq(conf.camerad.device, "/dev/video0");
    ck_assert_str_eq(conf.saverd.directory, "/srv/movies");
    ck_assert_str_eq(conf.endpoints.ingest, "ipc:///run/camstack/ingest");
    s_unlink(path);
}
END_TEST

/* A config path without a directory: its paths are relative to the working directory, made
 * absolute at load time. */
START_TEST(relative_paths_of_relative_file)
{
    char path[PATH_MAX], cwd[PATH_MAX], want[PATH_MAX + 64];
    struct cs_conf conf;
    int r;

    test_tmpdir_write(path, sizeof path, "rel.ini", "[camerad]\ndevice = video9\n");
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
    ck_assert_int_eq(chdir(test_tmpdir), 0);
    {
        char msg[CS_CONF_ERROR_MAX] = "";

        r = cs_conf_load("rel.ini", &conf, msg, sizeof msg);
        ck_assert_int_eq(chdir(cwd), 0);
        ck_assert_msg(r == 0, "%s", msg);
    }
    ck_assert_str_eq(conf.path, "rel.ini");
    ck_assert_str_eq(conf.camerad.device, s_join(want, sizeof want, s_realdir, "video9"));
    s_unlink(path);
}
END_TEST

/* The default endpoints must fit an ipc path (107 bytes): "<runtime_dir>/analyzerd.control"
 * is the longest, so runtime_dir may have 89 characters. */
START_TEST(runtime_dir_length_limit)
{
    char text[512], path[PATH_MAX], dir[128];
    struct cs_conf conf;

    memset(dir, 'r', sizeof dir);
    dir[0] = '/';
    dir[89] = '\0';
    (void) snprintf(text, sizeof text, "[stack]\nruntime_dir = %s\n", dir);
    test_tmpdir_write(path, sizeof path, "rt.ini", text);
    s_load_ok(path, &conf);
    ck_assert_uint_eq(strlen(conf.endpoints.control[CS_DAEMON_ANALYZERD]), 6 + 107);
    s_unlink(path);
    dir[89] = 'r';
    dir[90] = '\0';
    (void) snprintf(text, sizeof text, "[stack]\nruntime_dir = %s\n", dir);
    test_tmpdir_write(path, sizeof path, "rt.ini", text);
    s_assert_load_error(path, 2, "is too long for ipc endpoints", "runtime_dir of 90");
    s_unlink(path);
    /* with every endpoint given, runtime_dir is not used for them */
    (void) snprintf(text, sizeof text,
                    "[stack]\nruntime_dir = %s\n[endpoints]\ningest = inproc://i\n"
                    "publish = inproc://p\ncontrol_camerad = inproc://c\ncontrol_pubd = inproc://"
                    "d\ncontrol_analyzerd = inproc://a\ncontrol_saverd = inproc://s\n",
                    dir);
    test_tmpdir_write(path, sizeof path, "rt.ini", text);
    s_load_ok(path, &conf);
    s_unlink(path);
}
END_TEST

/* ---- bad input: each kind, with its line and message ---- */

struct s_bad_case {
    const char *name;
    const char *text;
    unsigned line; /* 0: the message has no line */
    const char *message;
};

#define S_A10  "aaaaaaaaaa"
#define S_A110 S_A10 S_A10 S_A10 S_A10 S_A10 S_A10 S_A10 S_A10 S_A10 S_A10 S_A10

static const struct s_bad_case s_bad_cases[] = {
    { "viewd on a remote address without HTTPS", "[viewd]\nlisten = 0.0.0.0\n", 2,
      "listen address '0.0.0.0' is reachable from other hosts but the page would be served "
      "without HTTPS" },
    { "viewd on a remote address without a login",
      "[viewd]\nlisten = ::\ntls_certificate = a.crt\ntls_key = a.key\n", 2,
      "listen address '::' is reachable from other hosts but the page would be served without "
      "a login" },
    { "viewd's certificate without its key", "[viewd]\ntls_certificate = a.crt\n", 2,
      "tls_certificate and tls_key go together" },
    { "viewd listens on a host name", "[viewd]\nlisten = localhost\n", 2,
      "'listen' expects an IPv4 or IPv6 address, got 'localhost'" },
    { "viewd's y16_range upside down", "[viewd]\ny16_range = 4000-100\n", 2,
      "'y16_range' expects auto or LOW-HIGH" },
    { "viewd's colour map unknown", "[viewd]\ncolour_map = jet\n", 2,
      "'colour_map' expects grey or heat, got 'jet'" },
    { "viewd's fps of 0", "[viewd]\nfps = 0\n", 2, "fps" },
    { "unknown section", "[stack]\nstream = cam1\n\n[camera]\nwidth = 640\n", 4,
      "unknown section [camera] (expected stack, endpoints, camerad, pubd, analyzerd, saverd, "
      "viewd, security or log)" },
    { "unknown empty section", "[stack]\nstream = cam1\n[bogus]\n[camerad]\nwidth = 640\n", 3,
      "unknown section [bogus]" },
    { "unknown empty section, last line", "[camerad]\nwidth = 640\n[bogus]", 3,
      "unknown section [bogus]" },
    { "section without a name", "[camerad]\n[]\n", 2, "unknown section []" },
    { "section names are case-sensitive", "[Camerad]\n", 1, "unknown section [Camerad]" },
    { "indented unknown section", "[stack]\n   [bogus]\n", 2, "unknown section [bogus]" },
    { "unknown key", "[camerad]\ndevice = /dev/video0\nfsp = 30\n", 3,
      "unknown key 'fsp' in [camerad]" },
    { "key of another section", "[pubd]\nwidth = 640\n", 2, "unknown key 'width' in [pubd]" },
    { "key in [security]", "[security]\ncert = /etc/x.pem\n", 2,
      "unknown key 'cert' in [security]" },
    { "remote publish without CURVE",
      "[endpoints]\nsubscribe = ipc:///r/f\npublish = ipc:///r/f, tcp://0.0.0.0:5555\n", 3,
      "publish endpoint 'tcp://0.0.0.0:5555' is reachable from other hosts but [security] "
      "server_certificate is not set: create pubd's certificate with 'camstack-keygen pubd'" },
    { "remote publish by interface name", "[endpoints]\npublish = tcp://eth0:5555\n", 2,
      "or set allow_insecure_remote = yes to publish to anyone who can reach it" },
    { "remote ingest, even with CURVE",
      "[endpoints]\ningest = tcp://10.0.0.1:5556\n[security]\nserver_certificate = /k/p.key\n", 2,
      "ingest endpoint 'tcp://10.0.0.1:5556' is reachable from other hosts and cannot use CURVE" },
    { "remote control endpoint", "[endpoints]\ncontrol_saverd = tcp://*:5557\n", 2,
      "control_saverd endpoint 'tcp://*:5557' is reachable from other hosts" },
    { "remote subscribe without a client certificate",
      "[endpoints]\nsubscribe = tcp://camhost:5555\n", 2,
      "subscribe endpoint 'tcp://camhost:5555' is on another host but [security] "
      "client_certificate is not set" },
    { "remote subscribe by default",
      "[endpoints]\npublish = tcp://10.0.0.1:5555\n[security]\nserver_certificate = /k/p.key\n", 0,
      "subscribe endpoint 'tcp://10.0.0.1:5555' is on another host" },
    { "client certificate without a server certificate",
      "[security]\n\nclient_certificate = /k/lab.key\n", 3,
      "client_certificate needs server_certificate" },
    { "empty certificate", "[security]\nserver_certificate =\n", 2,
      "key 'server_certificate' has an empty value" },
    { "bad allow_insecure_remote", "[security]\nallow_insecure_remote = sometimes\n", 2,
      "'allow_insecure_remote' expects yes or no, got 'sometimes'" },
    { "tcp budget of 0", "[pubd]\ntcp_subscriber_buffer_mb = 0\n", 2,
      "'tcp_subscriber_buffer_mb' expects a whole number from 1 to 65536, got '0'" },
    { "key names are case-sensitive", "[camerad]\nWidth = 640\n", 2,
      "unknown key 'Width' in [camerad]" },
    { "duplicate key", "[camerad]\nwidth = 640\nheight = 480\n\nwidth = 800\n", 5,
      "duplicate key 'width' in [camerad] (first set on line 2)" },
    { "duplicate key, same value, section repeated",
      "[camerad]\nwidth = 640\n[pubd]\nlinger_ms = 5\n[camerad]\nwidth = 640\n", 6,
      "duplicate key 'width' in [camerad] (first set on line 2)" },
    { "duplicate empty key", "[camerad]\n\n\ndevice =\ndevice = /dev/video1\n", 4,
      "key 'device' has an empty value" },
    { "empty value", "[camerad]\ndevice =\n", 2, "key 'device' has an empty value" },
    { "too few buffers", "[camerad]\nbuffers = 1\n", 2,
      "'buffers' expects a whole number from 2 to 32, got '1'" },
    { "too many buffers", "[camerad]\nbuffers = 33\n", 2,
      "'buffers' expects a whole number from 2 to 32, got '33'" },
    { "fallback not a bool", "[camerad]\nallow_format_fallback = maybe\n", 2,
      "'allow_format_fallback' expects yes or no, got 'maybe'" },
    { "control value not a number", "[camerad]\ncontrol.brightness = bright\n", 2,
      "'control.brightness' expects a whole number, got 'bright'" },
    { "control value with junk", "[camerad]\ncontrol.gain = 12dB\n", 2,
      "'control.gain' expects a whole number, got '12dB'" },
    { "control value out of 64 bits", "[camerad]\ncontrol.gain = 9223372036854775808\n", 2,
      "'control.gain' expects a whole number, got '9223372036854775808'" },
    { "control value empty", "[camerad]\ncontrol.gain =\n", 2,
      "key 'control.gain' has an empty value" },
    { "control name with upper case", "[camerad]\ncontrol.Brightness = 1\n", 2,
      "'control.Brightness': a control name is 1 to 31 characters of a-z 0-9 _" },
    { "control without a name", "[camerad]\ncontrol. = 1\n", 2,
      "'control.': a control name is 1 to 31 characters of a-z 0-9 _" },
    { "control name too long", "[camerad]\ncontrol." S_A10 S_A10 S_A10 "aa = 1\n", 2,
      "a control name is 1 to 31 characters" },
    { "duplicate control", "[camerad]\ncontrol.gain = 1\nwidth = 8\ncontrol.gain = 2\n", 4,
      "duplicate key 'control.gain' in [camerad] (first set on line 2)" },
    { "control in another section", "[pubd]\ncontrol.gain = 1\n", 2,
      "unknown key 'control.gain' in [pubd]" },
    { "feature without a name", "[camerad]\nfeature. = 1\n", 2,
      "'feature.': a name after 'feature.' is 1 to 63 characters of A-Z a-z 0-9 _, not starting "
      "with a digit" },
    { "feature name with a dot", "[camerad]\nfeature.Gain.Raw = 1\n", 2,
      "'feature.Gain.Raw': a name after 'feature.' is 1 to 63 characters" },
    { "feature name starting with a digit", "[camerad]\nfeature.3D = 1\n", 2,
      "'feature.3D': a name after 'feature.' is 1 to 63 characters" },
    { "feature name too long",
      "[camerad]\nfeature." S_A10 S_A10 S_A10 S_A10 S_A10 S_A10 "aaaa = 1\n", 2,
      "a name after 'feature.' is 1 to 63 characters" },
    { "feature value empty", "[camerad]\nwidth = 8\nfeature.Gain =\n", 3,
      "key 'feature.Gain' has an empty value" },
    { "feature in another section", "[saverd]\nfeature.Gain = 1\n", 2,
      "unknown key 'feature.Gain' in [saverd]" },
    { "empty value, only a comment", "[camerad]\ndevice = ; none\n", 2,
      "key 'device' has an empty value" },
    { "empty number", "[pubd]\nlinger_ms=\n", 2, "key 'linger_ms' has an empty value" },
    { "bad number", "[camerad]\nwidth = wide\n", 2,
      "'width' expects a whole number from 1 to 65535, got 'wide'" },
    { "bad decimal number", "[camerad]\nfps = fast\n", 2,
      "'fps' expects a number from 0 to 100000, got 'fast'" },
    { "decimal for a whole number", "[camerad]\nwidth = 640.0\n", 2,
      "'width' expects a whole number from 1 to 65535, got '640.0'" },
    { "trailing junk", "[camerad]\nfps = 30x\n", 2,
      "'fps' expects a number from 0 to 100000, got '30x'" },
    { "trailing junk, whole number", "[camerad]\nheight = 480px\n", 2,
      "'height' expects a whole number from 1 to 65535, got '480px'" },
    { "comment without a blank before it", "[camerad]\nheight = 480;x\n", 2,
      "'height' expects a whole number from 1 to 65535, got '480;x'" },
    { "two numbers", "[camerad]\nheight = 480 640\n", 2, "got '480 640'" },
    { "negative number", "[camerad]\nwidth = -640\n", 2,
      "'width' expects a whole number from 1 to 65535, got '-640'" },
    { "negative decimal number", "[camerad]\nfps = -1\n", 2,
      "'fps' expects a number from 0 to 100000, got '-1'" },
    { "plus sign", "[camerad]\nwidth = +640\n", 2, "got '+640'" },
    { "out of range", "[camerad]\nwidth = 70000\n", 2,
      "'width' expects a whole number from 1 to 65535, got '70000'" },
    { "below range", "[camerad]\nheight = 0\n", 2,
      "'height' expects a whole number from 1 to 65535, got '0'" },
    { "decimal out of range", "[camerad]\nfps = 100000.5\n", 2,
      "'fps' expects a number from 0 to 100000, got '100000.5'" },
    { "above 1e15 frames", "[camerad]\nframes = 1000000000000001\n", 2,
      "'frames' expects a whole number from 0 to 1e+15, got '1000000000000001'" },
    { "beyond 32 bits", "[camerad]\nsend_buffer_mb = 4294967360\n", 2,
      "'send_buffer_mb' expects a whole number from 1 to 65536, got '4294967360'" },
    { "beyond 64 bits", "[camerad]\nframes = 18446744073709551616\n", 2,
      "got '18446744073709551616'" },
    { "not a finite number", "[camerad]\nfps = inf\n", 2,
      "'fps' expects a number from 0 to 100000, got 'inf'" },
    { "bad pixel format", "[camerad]\npixel_format = MJPG\n", 2,
      "'pixel_format' expects one of GREY, Y16, RGB24, BGR24, YUYV, got 'MJPG'" },
    { "pixel format by fourcc", "[camerad]\npixel_format = RGB3\n", 2, "got 'RGB3'" },
    { "bad bool", "[analyzerd]\npublish_stats = maybe\n", 2,
      "'publish_stats' expects yes or no, got 'maybe'" },
    { "bool as a number", "[analyzerd]\npublish_stats = 2\n", 2,
      "'publish_stats' expects yes or no, got '2'" },
    { "wait_subscribers neither auto nor a number", "[camerad]\nwait_subscribers = Auto\n", 2,
      "'wait_subscribers' expects auto or a whole number from 0 to 1000, got 'Auto'" },
    { "wait_subscribers out of range", "[camerad]\nwait_subscribers = 1001\n", 2,
      "'wait_subscribers' expects auto or a whole number from 0 to 1000, got '1001'" },
    { "bad compression", "[saverd]\ncompression = gzip\n", 2,
      "'compression' expects none, deflate, deflate:LEVEL (0 to 9) or lz4, got 'gzip'" },
    { "deflate level too high", "[saverd]\ncompression = deflate:10\n", 2, "got 'deflate:10'" },
    { "deflate without its level", "[saverd]\ncompression = deflate:\n", 2, "got 'deflate:'" },
    { "deflate with junk", "[saverd]\ncompression = deflatex\n", 2, "got 'deflatex'" },
    { "empty write queue", "[saverd]\nqueue_mb = 0\n", 2,
      "'queue_mb' expects a whole number from 1 to 1048576, got '0'" },
    { "flush interval too short", "[saverd]\nflush_interval_ms = 5\n", 2,
      "'flush_interval_ms' expects a whole number from 10 to 3600000, got '5'" },
    { "bad source", "[camerad]\nsource = usb\n", 2,
      "'source' expects testpattern, v4l2 or aravis, got 'usb'" },
    { "bad log level", "[log]\nlevel = verbose\n", 2,
      "'level' expects err, warning, notice, info or debug, got 'verbose'" },
    { "bad stream name", "[stack]\nstream = cam 1\n", 2,
      "'stream' expects 1 to 63 characters of A-Z a-z 0-9 _ . -, got 'cam 1'" },
    { "stream name with a slash", "[stack]\nstream = lab/cam1\n", 2, "got 'lab/cam1'" },
    { "bad endpoint", "[endpoints]\ningest = http://localhost:5555\n", 2,
      "'ingest' expects an endpoint 'ipc://PATH', 'tcp://HOST:PORT' or 'inproc://NAME', got "
      "'http://localhost:5555'" },
    { "endpoint without a scheme", "[endpoints]\nsubscribe = /run/camstack/frames\n", 2,
      "'subscribe' expects an endpoint" },
    { "tcp endpoint without a port", "[endpoints]\nsubscribe = tcp://localhost\n", 2,
      "'subscribe' expects an endpoint 'ipc://PATH', 'tcp://HOST:PORT' or 'inproc://NAME', got "
      "'tcp://localhost'" },
    { "ipc endpoint without a path", "[endpoints]\ncontrol_pubd = ipc://\n", 2,
      "'control_pubd' expects an endpoint" },
    { "inproc endpoint without a name", "[endpoints]\ncontrol_saverd = inproc://\n", 2,
      "'control_saverd' expects an endpoint" },
    { "ipc path too long", "[endpoints]\ningest = ipc:///" S_A110 "\n", 2,
      "'ingest': endpoint 'ipc:///" S_A110 "' is too long (ipc paths: at most 107 bytes)" },
    { "bad endpoint in a list", "[endpoints]\npublish = ipc:///run/a, tcp://*:5556, bogus\n", 2,
      "'publish' expects an endpoint 'ipc://PATH', 'tcp://HOST:PORT' or 'inproc://NAME', got "
      "'bogus'" },
    { "empty endpoint list", "[endpoints]\npublish = ,\n", 2,
      "'publish' expects a comma-separated list of endpoints" },
    { "too many endpoints",
      "[endpoints]\npublish = inproc://a, inproc://b, inproc://c, inproc://d, inproc://e, "
      "inproc://f, inproc://g, inproc://h, inproc://i\n",
      2, "'publish': at most 8 endpoints" },
    { "wildcard publish without subscribe",
      "[security]\nallow_insecure_remote = yes\n[endpoints]\npublish = tcp://*:5556\n", 4,
      "[endpoints] subscribe must be set when the first publish endpoint 'tcp://*:5556' has a "
      "wildcard address" },
    /* A wildcard tcp endpoint without CURVE was refused for the subscribe it implies, with no
     * line, instead of for itself. */
    { "wildcard publish without CURVE",
      "[stack]\nstream = a\n[endpoints]\npublish = tcp://*:5556\n", 4,
      "publish endpoint 'tcp://*:5556' is reachable from other hosts but [security] "
      "server_certificate is not set" },
    /* Found by fuzz-config: the default publish endpoint "ipc://<runtime_dir>/frames" was
     * printed by --check-config as a list of two endpoints that does not load. */
    { "runtime_dir with a comma and no publish", "[stack]\nruntime_dir = /run/a,b\n", 2,
      "runtime_dir '/run/a,b' must not contain ',' when publish is not set" },
    /* Found by fuzz-config: normalising "a /." left the path "a ", which --check-config
     * printed and which loads back as "a". */
    { "path ending with a blank", "[stack]\nruntime_dir = /run/a /.\n", 2,
      "'runtime_dir': path '/run/a /.' ends with a blank" },
    /* Found by fuzz-config: the same with a vertical tab, which inih strips as a blank. */
    { "path ending with a vertical tab", "[endpoints]\ningest = ipc:///run/a\v/\n", 2,
      "'ingest' expects an endpoint" },
    { "key before any section", "width = 640\n[camerad]\n", 1,
      "key 'width' before the first [section]" },
    { "key before any section, after comments", "# camstack\n; test\n\nwidth = 640\n", 4,
      "key 'width' before the first [section]" },
    { "line without '='", "[camerad]\nwidth 640\n", 2,
      "syntax error: expected '[section]', 'key = value' or a comment" },
    { "indented line without '='", "[camerad]\nwidth = 4\n   junk\n", 3, "syntax error" },
    { "section header without ']'", "[stack]\nstream = a\n[camerad\n", 3, "syntax error" },
    { "key without a name", "[camerad]\n = 640\n", 2, "unknown key '' in [camerad]" },
    { "YUYV with an odd width", "[camerad]\npixel_format = YUYV\nwidth = 641\n", 2,
      "pixel_format YUYV needs an even width, got 641" },
    { "YUYV with an odd width, set first",
      "[camerad]\nwidth = 639\nheight = 2\npixel_format = yuyv\n", 4,
      "pixel_format YUYV needs an even width, got 639" },
    { "the first error is the one reported", "[camerad]\nwidth = 0\nfsp = 1\n[bogus]\n", 2,
      "'width' expects" },
    { "keys of an unknown section are not reported again", "[bogus]\nx = 1\n[camerad]\nw = 2\n", 1,
      "unknown section [bogus]" },
};

START_TEST(bad_input)
{
    const struct s_bad_case *c = &s_bad_cases[_i];
    char path[PATH_MAX];

    test_tmpdir_write(path, sizeof path, "bad.ini", c->text);
    s_assert_load_error(path, c->line, c->message, c->name);
    s_unlink(path);
}
END_TEST

/* What the security rules let through: remote endpoints with CURVE or with an explicit
 * allow_insecure_remote, loopback ones without either; local subscribers take the ipc
 * endpoint by default; "tcp://:PORT" stays on this host. */
START_TEST(security_accepted)
{
    static const char *const texts[] = {
        "[endpoints]\npublish = tcp://10.0.0.1:5555\nsubscribe = ipc:///r/f\n"
        "[security]\nserver_certificate = /k/pubd.key\n",
        "[endpoints]\npublish = tcp://*:5555\nsubscribe = tcp://127.0.0.1:5555\n"
        "ingest = tcp://0.0.0.0:5556\n[security]\nallow_insecure_remote = yes\n",
        "[endpoints]\npublish = tcp://127.0.0.1:5555, tcp://[::1]:5556, tcp://localhost:5557\n",
        "[endpoints]\nsubscribe = tcp://camhost:5555\n[security]\n"
        "server_certificate = /k/pubd.key\nclient_certificate = /k/lab.key\n",
    };
    char path[PATH_MAX], dumped[PATH_MAX];
    struct cs_conf conf, again;
    FILE *f;

    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        test_tmpdir_write(path, sizeof path, "sec.ini", texts[i]);
        s_load_ok(path, &conf);
        s_unlink(path);
    }
    test_tmpdir_write(path, sizeof path, "sec.ini",
                      "[endpoints]\npublish = tcp://10.0.0.1:5555, ipc:///r/a, ipc:///r/b\n"
                      "[security]\nserver_certificate = /k/pubd.key\n");
    s_load_ok(path, &conf);
    ck_assert_str_eq(conf.endpoints.subscribe, "ipc:///r/a");
    s_unlink(path);
    test_tmpdir_write(path, sizeof path, "sec.ini", "[endpoints]\npublish = tcp://:5555\n");
    s_load_ok(path, &conf);
    ck_assert_str_eq(conf.endpoints.publish[0], "tcp://127.0.0.1:5555");
    ck_assert_str_eq(conf.endpoints.subscribe, "tcp://127.0.0.1:5555");
    /* unset certificates are dumped as comments, and the dump loads back */
    f = fopen(s_join(dumped, sizeof dumped, test_tmpdir, "dumped.ini"), "we");
    ck_assert_ptr_nonnull(f);
    cs_conf_dump(&conf, f);
    ck_assert_int_eq(fclose(f), 0);
    s_load_ok(dumped, &again);
    ck_assert_str_eq(again.security.server_certificate, "");
    ck_assert_str_eq(again.endpoints.publish[0], "tcp://127.0.0.1:5555");
    s_unlink(dumped);
    s_unlink(path);
}
END_TEST

/* A line longer than inih's buffer (200 bytes) is an error, not two lines. */
START_TEST(line_too_long)
{
    char text[600], path[PATH_MAX];
    struct cs_conf conf;
    int n;

    n = snprintf(text, sizeof text, "[camerad]\nwidth = 640\ndevice = /dev/%0300d\nheight = 2\n",
                 0);
    ck_assert(n > 0 && (size_t) n < sizeof text);
    test_tmpdir_write(path, sizeof path, "long.ini", text);
    s_assert_load_error(path, 3, "line too long (at most 198 characters)", "300 characters");
    s_unlink(path);
    /* a long comment is still a long line */
    (void) snprintf(text, sizeof text, "[camerad]\n# %0250d\nwidth = 640\n", 0);
    test_tmpdir_write(path, sizeof path, "long.ini", text);
    s_assert_load_error(path, 2, "line too long", "long comment");
    s_unlink(path);
    /* 150 characters are fine, and leading blanks do not count */
    (void) snprintf(text, sizeof text, "[camerad]\n%80sdevice = /%0140d\n", "", 0);
    test_tmpdir_write(path, sizeof path, "long.ini", text);
    s_load_ok(path, &conf);
    ck_assert_uint_eq(strlen(conf.camerad.device), 141);
    s_unlink(path);
}
END_TEST

START_TEST(missing_file)
{
    char path[PATH_MAX], msg[CS_CONF_ERROR_MAX], want[PATH_MAX + 64];
    struct cs_conf conf;

    (void) s_join(path, sizeof path, test_tmpdir, "missing.ini");
    ck_assert_int_eq(cs_conf_load(path, &conf, msg, sizeof msg), -ENOENT);
    (void) snprintf(want, sizeof want, "%s: cannot open: %s", path, strerror(ENOENT));
    ck_assert_str_eq(msg, want);
    /* a file under something that is not a directory */
    test_tmpdir_write(path, sizeof path, "file", "");
    (void) s_join(want, sizeof want, path, "camstack.ini");
    ck_assert_int_eq(cs_conf_load(want, &conf, msg, sizeof msg), -ENOTDIR);
    ck_assert_ptr_nonnull(strstr(msg, want));
    s_unlink(path);
    /* a directory is not a config file */
    ck_assert_int_lt(cs_conf_load(test_tmpdir, &conf, msg, sizeof msg), 0);
    ck_assert_ptr_nonnull(strstr(msg, test_tmpdir));
}
END_TEST

/* Only a regular file is read: a FIFO, a directory, a device or a socket is refused at once,
 * naming the path, instead of blocking until a writer (FIFO) or data (device) comes. */
START_TEST(not_a_regular_file)
{
    static const struct {
        const char *path, *kind;
    } cases[] = {
        { "fifo", "a FIFO" },
        { ".", "a directory" },
        { "/dev/null", "a device" },
        { "sock", "a socket" },
    };
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    char path[PATH_MAX], msg[CS_CONF_ERROR_MAX], want[PATH_MAX + 64];
    struct cs_conf conf;
    int sock;

    (void) s_join(path, sizeof path, test_tmpdir, "fifo");
    ck_assert_int_eq(mkfifo(path, 0600), 0);
    sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ck_assert_int_ge(sock, 0);
    (void) s_join(sa.sun_path, sizeof sa.sun_path, test_tmpdir, "sock");
    ck_assert_int_eq(bind(sock, (const struct sockaddr *) &sa, sizeof sa), 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (cases[i].path[0] == '/')
            (void) cs_strlcpy(path, cases[i].path, sizeof path);
        else
            (void) s_join(path, sizeof path, test_tmpdir, cases[i].path);
        ck_assert_int_eq(cs_conf_load(path, &conf, msg, sizeof msg), -EINVAL);
        (void) snprintf(want, sizeof want, "%s: is %s, not a regular file", path, cases[i].kind);
        ck_assert_str_eq(msg, want);
    }
    ck_assert_int_eq(close(sock), 0);
    s_unlink(sa.sun_path);
    s_unlink(s_join(path, sizeof path, test_tmpdir, "fifo"));
}
END_TEST

/* --check-config prints each section once, in the order of the file's sections. */
START_TEST(dump_sections_once)
{
    static const char *const sections[] = { "stack",     "endpoints", "camerad",  "pubd",
                                            "analyzerd", "saverd",    "security", "log" };
    char path[PATH_MAX], header[32], *buf = NULL;
    const char *at = NULL, *prev = NULL;
    struct cs_conf conf;
    size_t size = 0;
    FILE *f;

    test_tmpdir_write(path, sizeof path, "good.ini", s_good_ini);
    s_load_ok(path, &conf);
    f = open_memstream(&buf, &size);
    ck_assert_ptr_nonnull(f);
    cs_conf_dump(&conf, f);
    ck_assert_int_eq(fclose(f), 0);
    for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++) {
        (void) snprintf(header, sizeof header, "\n[%s]\n", sections[i]);
        at = strstr(buf, header);
        ck_assert_msg(at, "no %s in:\n%s", header + 1, buf);
        ck_assert_msg(!strstr(at + 1, header), "[%s] printed twice:\n%s", sections[i], buf);
        ck_assert_msg(at > prev, "[%s] out of order:\n%s", sections[i], buf);
        prev = at;
    }
    free(buf);
    s_unlink(path);
}
END_TEST

/* The message is cut to the buffer it is given, and still ends with a NUL. */
START_TEST(error_message_truncated)
{
    char path[PATH_MAX], full[CS_CONF_ERROR_MAX], msg[17];
    struct cs_conf conf;

    test_tmpdir_write(path, sizeof path, "bad.ini", "[camerad]\nfsp = 30\n");
    ck_assert_int_eq(cs_conf_load(path, &conf, full, sizeof full), -EINVAL);
    memset(msg, 'x', sizeof msg);
    ck_assert_int_eq(cs_conf_load(path, &conf, msg, sizeof msg), -EINVAL);
    ck_assert_uint_eq(strlen(msg), sizeof msg - 1);
    ck_assert_int_eq(strncmp(msg, full, sizeof msg - 1), 0);
    s_unlink(path);
}
END_TEST

/* ---- the committed fixtures in tests/data ---- */

static const char *
s_data_dir(void)
{
    ck_assert_msg(s_datadir != NULL,
                  "set CS_TEST_DATA (or pass the directory as the first argument) to tests/data");
    return s_datadir;
}

START_TEST(data_good_file)
{
    char path[PATH_MAX], real[PATH_MAX];
    struct cs_conf conf;

    (void) s_join(path, sizeof path, s_data_dir(), "good.ini");
    ck_assert_ptr_nonnull(realpath(s_data_dir(), real));
    s_load_ok(path, &conf);
    s_assert_good(&conf, path, real);
}
END_TEST

START_TEST(data_bad_files_present)
{
    (void) s_data_dir();
    ck_assert_msg(s_bad_files.gl_pathc >= 10, "only %zu bad-*.ini files in %s",
                  s_bad_files.gl_pathc, s_datadir);
}
END_TEST

/* Each bad-*.ini starts with "# expect: LINE: MESSAGE"; the error must be "path:LINE: MESSAGE"
 * (MESSAGE may be followed by more text). */
START_TEST(data_bad_file)
{
    const char *path = s_bad_files.gl_pathv[_i];
    char first[512], *end, *text;
    unsigned long line;
    FILE *f;

    f = fopen(path, "re");
    ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
    ck_assert_ptr_nonnull(fgets(first, sizeof first, f));
    (void) fclose(f);
    first[strcspn(first, "\n")] = '\0';
    ck_assert_msg(strncmp(first, "# expect: ", 10) == 0, "%s: no '# expect: ' line at the top",
                  path);
    line = strtoul(first + 10, &end, 10);
    ck_assert_msg(end != first + 10 && strncmp(end, ": ", 2) == 0 && line > 1,
                  "%s: bad expectation '%s'", path, first);
    text = end + 2;
    s_assert_load_error(path, (unsigned) line, text, path);
    {
        /* anchored: the expected text comes right after "path:line: " */
        char msg[CS_CONF_ERROR_MAX], prefix[PATH_MAX + 600];
        struct cs_conf conf;

        (void) cs_conf_load(path, &conf, msg, sizeof msg);
        (void) snprintf(prefix, sizeof prefix, "%s:%lu: %s", path, line, text);
        ck_assert_msg(strncmp(msg, prefix, strlen(prefix)) == 0, "got '%s', expected '%s'", msg,
                      prefix);
    }
}
END_TEST

/* ---- regressions ---- */

/* Fixed bug (common/config.c, s_read_line): the check is strlen(line) >= num - 1 with num = 200,
 * and strlen counts the '\n', so a line of 198 characters is refused with "line too long (at
 * most 198 characters)": the real limit is 197 (198 on a last line without '\n'). Either the
 * test should be > num - 2 ... or the message should say 197. */
/* At most CS_CONTROLS_MAX control keys; the next one is refused on its line. */
START_TEST(controls_at_most_max)
{
    char path[PATH_MAX], text[4096] = "[camerad]\n";
    struct cs_conf conf;

    for (int i = 0; i < CS_CONTROLS_MAX; i++)
        (void) snprintf(text + strlen(text), sizeof text - strlen(text), "control.c%d = %d\n", i,
                        -i);
    test_tmpdir_write(path, sizeof path, "controls.ini", text);
    s_load_ok(path, &conf);
    ck_assert_uint_eq(conf.camerad.n_controls, CS_CONTROLS_MAX);
    ck_assert_str_eq(conf.camerad.controls[CS_CONTROLS_MAX - 1].name, "c31");
    ck_assert_int_eq(conf.camerad.controls[CS_CONTROLS_MAX - 1].value, -31);
    ck_assert_uint_eq(conf.camerad.controls[CS_CONTROLS_MAX - 1].line, CS_CONTROLS_MAX + 1);
    s_unlink(path);
    (void) snprintf(text + strlen(text), sizeof text - strlen(text), "control.one_more = 1\n");
    test_tmpdir_write(path, sizeof path, "controls.ini", text);
    s_assert_load_error(path, CS_CONTROLS_MAX + 2, "at most 32 control.<name> keys", "33rd");
    s_unlink(path);
}
END_TEST

/* At most CS_CONF_TEXTS_MAX feature keys; the next one is refused on its line. A value of
 * up to CS_CONF_TEXT_VALUE_MAX - 1 characters is kept whole, a longer one refused. */
START_TEST(features_at_most_max)
{
    char path[PATH_MAX], text[8192] = "[camerad]\n";
    struct cs_conf conf;

    for (int i = 0; i < CS_CONF_TEXTS_MAX; i++)
        (void) snprintf(text + strlen(text), sizeof text - strlen(text), "feature.F%d = %d\n", i,
                        i);
    test_tmpdir_write(path, sizeof path, "features.ini", text);
    s_load_ok(path, &conf);
    ck_assert_uint_eq(conf.camerad.features.n, CS_CONF_TEXTS_MAX);
    ck_assert_str_eq(conf.camerad.features.items[CS_CONF_TEXTS_MAX - 1].name, "F63");
    ck_assert_str_eq(conf.camerad.features.items[CS_CONF_TEXTS_MAX - 1].value, "63");
    ck_assert_uint_eq(conf.camerad.features.items[CS_CONF_TEXTS_MAX - 1].line,
                      CS_CONF_TEXTS_MAX + 1);
    s_unlink(path);
    (void) snprintf(text + strlen(text), sizeof text - strlen(text), "feature.OneMore = 1\n");
    test_tmpdir_write(path, sizeof path, "features.ini", text);
    s_assert_load_error(path, CS_CONF_TEXTS_MAX + 2, "at most 64 feature.<name> keys", "65th");
    s_unlink(path);
}
END_TEST

/* A value as long as a line can hold (198 characters) is kept whole. */
START_TEST(feature_value_as_long_as_a_line)
{
    char path[PATH_MAX], text[512], value[199 - sizeof "feature.X = "];
    struct cs_conf conf;

    memset(value, 'v', sizeof value - 1);
    value[sizeof value - 1] = '\0';
    (void) snprintf(text, sizeof text, "[camerad]\nfeature.X = %s\n", value);
    test_tmpdir_write(path, sizeof path, "feature.ini", text);
    s_load_ok(path, &conf);
    ck_assert_str_eq(conf.camerad.features.items[0].value, value);
    s_unlink(path);
}
END_TEST

START_TEST(regression_line_of_198_characters)
{
    char text[400], path[PATH_MAX];
    struct cs_conf conf;

    /* "device = /" is 10 characters; 188 more make 198 */
    (void) snprintf(text, sizeof text, "[camerad]\ndevice = /%0188d\n", 0);
    test_tmpdir_write(path, sizeof path, "long.ini", text);
    {
        char msg[CS_CONF_ERROR_MAX] = "";
        int r = cs_conf_load(path, &conf, msg, sizeof msg);

        s_unlink(path);
        ck_assert_msg(r == 0, "a line of 198 characters: %s", msg);
    }
}
END_TEST

/* Fixed bug (common/config.c, s_read_line): the unknown-section check looks for '[' at the start
 * of the line, but inih skips a UTF-8 byte order mark first. A file saved "with BOM" by an
 * editor whose first line is an unknown section is accepted, and the keys under it silently
 * ignored (s_on_key assumes the header line already reported it). */
START_TEST(regression_bom_hides_unknown_section)
{
    char path[PATH_MAX];

    test_tmpdir_write(path, sizeof path, "bom.ini", "\xef\xbb\xbf[camera]\nwidth = 640\n");
    s_assert_load_error(path, 1, "unknown section [camera]", "BOM");
    s_unlink(path);
}
END_TEST

/* Fixed bug (common/config.c, s_dump_value): doubles are written with "%g", i.e. 6 significant
 * digits, so --check-config prints "fps = 29.97" for 30000/1001 and the dump does not load back
 * to the value in effect. "%.17g" would. */
START_TEST(regression_dump_rounds_fps)
{
    char path[PATH_MAX], dumped[PATH_MAX];
    struct cs_conf a, b;
    FILE *f;

    test_tmpdir_write(path, sizeof path, "fps.ini", "[camerad]\nfps = 29.97002997002997\n");
    s_load_ok(path, &a);
    f = fopen(s_join(dumped, sizeof dumped, test_tmpdir, "dumped.ini"), "we");
    ck_assert_ptr_nonnull(f);
    cs_conf_dump(&a, f);
    ck_assert_int_eq(fclose(f), 0);
    s_load_ok(dumped, &b);
    s_unlink(dumped);
    s_unlink(path);
    ck_assert_msg(a.camerad.fps == b.camerad.fps, "fps %.17g dumped and loaded back as %.17g",
                  a.camerad.fps, b.camerad.fps);
}
END_TEST

/* Fixed bug (common/config.c, cs_conf_load): inih reports a syntax error only by its return
 * value, after the whole file was read, while s_on_key() reports as it goes; the first error
 * recorded wins, so a syntax error loses to any error on a later line. "[camerad]\nwidth 640\n
 * fsp = 1\n" is reported as "3: unknown key 'fsp'" instead of "2: syntax error", and
 * "[camerad\nwidth = 4\n" (no ']') as "unknown key 'width' in [stack]" on line 2 instead of
 * the syntax error on line 1. The error with the smallest line should win. */
START_TEST(regression_syntax_error_reported_first)
{
    char path[PATH_MAX];

    test_tmpdir_write(path, sizeof path, "syntax.ini", "[camerad]\nwidth 640\nfsp = 1\n");
    s_assert_load_error(path, 2, "syntax error", "line without '=' before an unknown key");
    s_unlink(path);
    test_tmpdir_write(path, sizeof path, "syntax.ini",
                      "[stack]\nstream = a\n[camerad\nwidth = 4\n");
    s_assert_load_error(path, 3, "syntax error", "section header without ']' before a key");
    s_unlink(path);
}
END_TEST

/* Fixed bug (common/config.c, via inih): inih also takes ':' as the separator of name and value,
 * so "width: 640" is accepted as "width = 640" although the parser is documented as strict and
 * its syntax error says it expects 'key = value'. */
START_TEST(regression_colon_separator_accepted)
{
    char path[PATH_MAX];

    test_tmpdir_write(path, sizeof path, "colon.ini", "[camerad]\nwidth: 640\n");
    s_assert_load_error(path, 2, "syntax error", "'width: 640'");
    s_unlink(path);
}
END_TEST

/* Fixed bug (common/config.c, s_runtime_endpoint): the limit is checked as
 * strlen(runtime_dir) + 1 + strlen(name) <= 107, i.e. 89 characters with the longest name
 * ("analyzerd.control"), but the message says "at most 87 bytes" (S_IPC_PATH_MAX - 20). */
START_TEST(regression_runtime_dir_limit_message)
{
    char text[256], path[PATH_MAX], dir[128];

    memset(dir, 'r', sizeof dir);
    dir[0] = '/';
    dir[90] = '\0';
    (void) snprintf(text, sizeof text, "[stack]\nruntime_dir = %s\n", dir);
    test_tmpdir_write(path, sizeof path, "rt.ini", text);
    s_assert_load_error(path, 2, "(at most 89 bytes)", "runtime_dir of 90 characters");
    s_unlink(path);
}
END_TEST

/* Found by fuzz-config (common/config.c, s_runtime_endpoint): runtime_dir = / gave the
 * default endpoints "ipc:////ingest", which --check-config printed and which load back as
 * "ipc:///ingest": the printed file did not mean the same. */
START_TEST(regression_runtime_dir_root_endpoints)
{
    struct cs_conf conf;
    char path[PATH_MAX];

    test_tmpdir_write(path, sizeof path, "root.ini", "[stack]\nruntime_dir = /\n");
    s_load_ok(path, &conf);
    ck_assert_str_eq(conf.endpoints.ingest, "ipc:///ingest");
    ck_assert_str_eq(conf.endpoints.publish[0], "ipc:///frames");
    ck_assert_str_eq(conf.endpoints.control[CS_DAEMON_SAVERD], "ipc:///saverd.control");
    s_unlink(path);
}
END_TEST

/* Found by fuzz-config (common/config.c, s_read_line): a NUL byte cut the line short for
 * inih, so "width = 64\0junk" was read as "width = 64" without a word. */
START_TEST(regression_nul_byte_refused)
{
    static const char text[] = "[camerad]\nwidth = 64\0junk\n";
    char path[PATH_MAX];
    FILE *f;

    (void) s_join(path, sizeof path, test_tmpdir, "nul.ini");
    f = fopen(path, "we");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(text, 1, sizeof text - 1, f), sizeof text - 1);
    ck_assert_int_eq(fclose(f), 0);
    s_assert_load_error(path, 2, "NUL byte in the line", "a NUL byte");
    s_unlink(path);
}
END_TEST

/* Found by fuzz-config (common/config.c, s_set_endpoints): an endpoint of the publish list
 * was trimmed of spaces and tabs only, so "inproc://a\v" kept its vertical tab, which
 * --check-config printed at the end of the line and inih strips when it is read back. */
START_TEST(regression_publish_list_trims_every_blank)
{
    struct cs_conf conf;
    char path[PATH_MAX];

    test_tmpdir_write(path, sizeof path, "vt.ini",
                      "[endpoints]\npublish = inproc://a\v, inproc://b\f,\vinproc://c\n");
    s_load_ok(path, &conf);
    ck_assert_uint_eq(conf.endpoints.n_publish, 3);
    ck_assert_str_eq(conf.endpoints.publish[0], "inproc://a");
    ck_assert_str_eq(conf.endpoints.publish[1], "inproc://b");
    ck_assert_str_eq(conf.endpoints.publish[2], "inproc://c");
    s_unlink(path);
}
END_TEST

static void
s_free_bad_files(void)
{
    globfree(&s_bad_files);
}

/* The committed fixtures: tests/data ($CS_TEST_DATA) and its bad-*.ini files. */
static void
s_find_data_files(void)
{
    char pattern[PATH_MAX];

    s_datadir = getenv("CS_TEST_DATA");
    if (!s_datadir || !s_datadir[0]) {
        s_datadir = NULL;
        return;
    }
    (void) snprintf(pattern, sizeof pattern, "%s/bad-*.ini", s_datadir);
    if (glob(pattern, 0, NULL, &s_bad_files) != 0) {
        globfree(&s_bad_files);
        memset(&s_bad_files, 0, sizeof s_bad_files);
    }
    test_at_end(s_free_bad_files);
}

Suite *
test_suite(void)
{
    Suite *s = suite_create("config");
    TCase *tc;

    s_find_data_files();

    tc = tcase_create("good_file");
    tcase_add_checked_fixture(tc, s_setup, test_tmpdir_teardown);
    tcase_add_test(tc, good_file_exact_values);
    tcase_add_test(tc, good_file_crlf);
    tcase_add_test(tc, dump_loads_back);
    tcase_add_test(tc, dump_sections_once);
    suite_add_tcase(s, tc);

    tc = tcase_create("defaults");
    tcase_add_checked_fixture(tc, s_setup, test_tmpdir_teardown);
    tcase_add_test(tc, empty_file_gives_defaults);
    tcase_add_test(tc, defaults_function);
    tcase_add_test(tc, hwm_and_names);
    tcase_add_test(tc, wait_subscribers_auto);
    tcase_add_test(tc, compression_values);
    suite_add_tcase(s, tc);

    tc = tcase_create("relative_paths");
    tcase_add_checked_fixture(tc, s_setup, test_tmpdir_teardown);
    tcase_add_test(tc, relative_paths_from_file_dir);
    tcase_add_test(tc, absolute_paths_normalized);
    tcase_add_test(tc, relative_paths_of_relative_file);
    tcase_add_test(tc, runtime_dir_length_limit);
    suite_add_tcase(s, tc);

    tc = tcase_create("bad_input");
    tcase_add_checked_fixture(tc, s_setup, test_tmpdir_teardown);
    tcase_add_loop_test(tc, bad_input, 0, (int) (sizeof s_bad_cases / sizeof s_bad_cases[0]));
    tcase_add_test(tc, line_too_long);
    tcase_add_test(tc, security_accepted);
    tcase_add_test(tc, missing_file);
    tcase_add_test(tc, not_a_regular_file);
    tcase_add_test(tc, error_message_truncated);
    tcase_add_test(tc, controls_at_most_max);
    tcase_add_test(tc, features_at_most_max);
    tcase_add_test(tc, feature_value_as_long_as_a_line);
    suite_add_tcase(s, tc);

    tc = tcase_create("data_files");
    tcase_add_test(tc, data_good_file);
    tcase_add_test(tc, data_bad_files_present);
    tcase_add_loop_test(tc, data_bad_file, 0, (int) s_bad_files.gl_pathc);
    suite_add_tcase(s, tc);

    /* Bugs found by these suites, kept as regression tests. */
    tc = tcase_create("regressions");
    tcase_add_checked_fixture(tc, s_setup, test_tmpdir_teardown);
    tcase_add_test(tc, regression_line_of_198_characters);
    tcase_add_test(tc, regression_bom_hides_unknown_section);
    tcase_add_test(tc, regression_dump_rounds_fps);
    tcase_add_test(tc, regression_syntax_error_reported_first);
    tcase_add_test(tc, regression_colon_separator_accepted);
    tcase_add_test(tc, regression_runtime_dir_limit_message);
    tcase_add_test(tc, regression_runtime_dir_root_endpoints);
    tcase_add_test(tc, regression_nul_byte_refused);
    tcase_add_test(tc, regression_publish_list_trims_every_blank);
    suite_add_tcase(s, tc);
    return s;
}
