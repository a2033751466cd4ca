/* The stacks of a configuration directory: which files are stacks, and which configs would
 * share a socket, a lock or a file name with another stack of the directory (refused naming
 * both files) and which would not. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>

#include "check-main.h"
#include "config.h"
#include "stacks.h"
#include "tmpdir.h"

/* Writes <test_tmpdir>/@name.ini: a stack of its own (stream, runtime directory and output
 * directories named after it, viewd on any free port) unless @own is false, then @extra. Its path
 * goes to @path. */
static void
s_write_stack(const char *name, bool own, const char *extra, char *path, size_t size)
{
    char text[2048], file[80];

    if (own)
        (void) snprintf(text, sizeof text,
                        "[stack]\nstream = %s\nruntime_dir = run-%s\n[analyzerd]\ndirectory = "
                        "out-%s\n[saverd]\ndirectory = out-%s\n[viewd]\nport = 0\n%s",
                        name, name, name, name, extra ? extra : "");
    else
        (void) snprintf(text, sizeof text, "%s", extra ? extra : "");
    (void) snprintf(file, sizeof file, "%s.ini", name);
    test_tmpdir_write(path, size, file, text);
}

/* Checks the stack of @path against its directory: 0 for a NULL @want, else -EADDRINUSE with
 * a message that begins with @path, names @other and holds @want. */
static void
s_expect(const char *path, const char *other, const char *want)
{
    static struct cs_conf conf;
    char err[CS_STACK_COLLIDE_MAX] = "";
    int r;

    ck_assert_msg(cs_conf_load(path, &conf, err, sizeof err) == 0, "%s", err);
    r = cs_stacks_check(&conf, err, sizeof err);
    if (!want) {
        ck_assert_msg(r == 0, "%s: unexpected collision: %s", path, err);
        return;
    }
    ck_assert_msg(r == -EADDRINUSE, "%s: no collision (%d), expected '%s'", path, r, want);
    ck_assert_msg(strncmp(err, path, strlen(path)) == 0 && strstr(err, other) && strstr(err, want),
                  "message '%s' does not name '%s' and '%s' with '%s'", err, path, other, want);
}

/* Both ways round: each of the two files is refused naming the other. */
static void
s_expect_both(const char *a, const char *b, const char *want)
{
    s_expect(a, b, want);
    s_expect(b, a, want);
}

static void
s_unlink(const char *path)
{
    ck_assert_int_eq(unlink(path), 0);
}

static void
s_dir(const char *name, bool make)
{
    char path[PATH_MAX];

    (void) test_tmpdir_path(path, sizeof path, name);
    ck_assert_int_eq(make ? mkdir(path, 0755) : rmdir(path), 0);
}

START_TEST(stacks_are_the_ini_files_of_the_directory)
{
    struct cs_stack_file files[CS_STACKS_MAX];
    char a[PATH_MAX], b[PATH_MAX], c[PATH_MAX], d[PATH_MAX], path[PATH_MAX];

    test_tmpdir_write(a, sizeof a, "camstack.ini", "");
    test_tmpdir_write(b, sizeof b, "cam2.ini", "");
    test_tmpdir_write(c, sizeof c, "camstack.ini.dpkg-old", "");
    test_tmpdir_write(d, sizeof d, ".hidden.ini", "");
    s_dir("dir.ini", true);
    ck_assert_int_eq(cs_stacks_list(test_tmpdir, files, CS_STACKS_MAX), 2);
    ck_assert_str_eq(files[0].name, "cam2");
    ck_assert_str_eq(files[0].path, b);
    ck_assert_str_eq(files[1].name, CS_STACK_DEFAULT);
    ck_assert_str_eq(files[1].path, a);
    ck_assert_int_eq(cs_stack_path(test_tmpdir, "cam2", path, sizeof path), 0);
    ck_assert_str_eq(path, b);
    ck_assert_int_eq(cs_stack_path(test_tmpdir, "../etc/x", path, sizeof path), -EINVAL);
    ck_assert_int_eq(cs_stack_path(test_tmpdir, "", path, sizeof path), -EINVAL);
    ck_assert_int_eq(cs_stacks_list("/nonexistent-camstack", files, CS_STACKS_MAX), -ENOENT);
    s_dir("dir.ini", false);
    s_unlink(a);
    s_unlink(b);
    s_unlink(c);
    s_unlink(d);
}
END_TEST

/* Stacks of their own, each with its stream, runtime directory and output directories, do
 * not collide; nor with a file that does not load (its own stacks refuse it). */
START_TEST(stacks_of_their_own_do_not_collide)
{
    char a[PATH_MAX], b[PATH_MAX], c[PATH_MAX], bad[PATH_MAX];

    s_write_stack("camstack", false, NULL, a, sizeof a);
    s_write_stack("cam2", true, NULL, b, sizeof b);
    s_write_stack("cam3", true, "[pubd]\nlinger_ms = 100\n", c, sizeof c);
    test_tmpdir_write(bad, sizeof bad, "broken.ini", "[stack]\nstreem = x\n");
    s_expect(a, "", NULL);
    s_expect(b, "", NULL);
    s_expect(c, "", NULL);
    s_unlink(a);
    s_unlink(b);
    s_unlink(c);
    s_unlink(bad);
}
END_TEST

/* A copy of the default stack's file under another name: the same sockets. */
START_TEST(a_copy_of_a_stack_shares_its_sockets)
{
    char a[PATH_MAX], b[PATH_MAX];

    s_write_stack("camstack", false, "[camerad]\ndevice = /dev/video0\n", a, sizeof a);
    s_write_stack("cam2", false, "[camerad]\ndevice = /dev/video1\n", b, sizeof b);
    s_expect_both(a, b, "[endpoints] ingest 'ipc:///run/camstack/ingest'");
    s_expect(b, a, "two stacks must not share a socket");
    s_unlink(a);
    s_unlink(b);
}
END_TEST

/* Endpoints of their own in one runtime directory, with the same stream: the same lock
 * files. Another stream takes other locks. */
START_TEST(one_runtime_dir_and_stream_share_the_locks)
{
    static const char *const fmt = "[endpoints]\ningest = ipc://%s/in\npublish = ipc://%s/out\n"
                                   "control_camerad = ipc://%s/c\ncontrol_pubd = ipc://%s/p\n"
                                   "control_analyzerd = ipc://%s/a\ncontrol_saverd = ipc://%s/s\n"
                                   "control_viewd = ipc://%s/v\n[viewd]\nport = 0\n";
    char a[PATH_MAX], b[PATH_MAX], ea[1024], eb[1024];

    (void) snprintf(ea, sizeof ea, fmt, "x", "x", "x", "x", "x", "x", "x");
    (void) snprintf(eb, sizeof eb, fmt, "y", "y", "y", "y", "y", "y", "y");
    s_write_stack("camstack", false, ea, a, sizeof a);
    s_write_stack("cam2", false, eb, b, sizeof b);
    s_expect_both(a, b, "[stack] runtime_dir and stream '/run/camstack/<daemon>-cam1.lock'");
    s_unlink(b);
    (void) snprintf(eb, sizeof eb, "[stack]\nstream = cam2\n");
    (void) snprintf(eb + strlen(eb), sizeof eb - strlen(eb), fmt, "y", "y", "y", "y", "y", "y",
                    "y");
    s_write_stack("cam2", false, eb, b, sizeof b);
    s_expect(b, a, NULL);
    s_unlink(a);
    s_unlink(b);
}
END_TEST

/* One recorder directory: the same stream writes files of the same names, another does not. */
START_TEST(one_directory_and_stream_share_file_names)
{
    char a[PATH_MAX], b[PATH_MAX], c[PATH_MAX];

    s_write_stack("cam2", true, NULL, a, sizeof a);
    s_write_stack("cam3", false,
                  "[stack]\nstream = cam2\nruntime_dir = run-cam3\n[analyzerd]\ndirectory = "
                  "out-cam3\n[saverd]\ndirectory = out-cam2\n",
                  b, sizeof b);
    s_expect_both(a, b, "[saverd] directory and stream");
    s_expect(a, b, "/out-cam2/cam2-*.h5");
    s_unlink(b);
    s_write_stack("cam3", false,
                  "[stack]\nstream = cam3\nruntime_dir = run-cam3\n[analyzerd]\ndirectory = "
                  "out-cam3\n[saverd]\ndirectory = out-cam2\n",
                  c, sizeof c);
    s_expect(c, a, NULL);
    s_unlink(a);
    s_unlink(c);
}
END_TEST

/* A tcp port bound by both, on the same address or on every address; another port is free. */
START_TEST(one_tcp_port_is_one_socket)
{
    char a[PATH_MAX], b[PATH_MAX];

    s_write_stack("cam2", true,
                  "[endpoints]\npublish = tcp://*:5555\nsubscribe = "
                  "tcp://127.0.0.1:5555\n[security]\nallow_insecure_remote = yes\n",
                  a, sizeof a);
    s_write_stack("cam3", true, "[endpoints]\npublish = tcp://127.0.0.1:5555\n", b, sizeof b);
    s_expect_both(a, b, "[endpoints] publish 'tcp://");
    s_unlink(b);
    s_write_stack("cam3", true, "[endpoints]\npublish = tcp://127.0.0.1:5556\n", b, sizeof b);
    s_expect(b, a, NULL);
    s_unlink(a);
    s_unlink(b);
}
END_TEST

/* viewd's HTTP port is a socket too: the same port collides, on the same address or a
 * wildcard one; another port, or any free port (0), does not. */
START_TEST(one_viewd_port_is_one_socket)
{
    static const char *const fmt = "[stack]\nstream = %s\nruntime_dir = run-%s\n[analyzerd]\n"
                                   "directory = out-%s\n[saverd]\ndirectory = out-%s\n[viewd]\n"
                                   "%s";
    char a[PATH_MAX], b[PATH_MAX], text[512];

    (void) snprintf(text, sizeof text, fmt, "cam2", "cam2", "cam2", "cam2", "port = 8490\n");
    s_write_stack("cam2", false, text, a, sizeof a);
    (void) snprintf(text, sizeof text, fmt, "cam3", "cam3", "cam3", "cam3", "port = 8490\n");
    s_write_stack("cam3", false, text, b, sizeof b);
    s_expect_both(a, b, "[viewd] listen and port 'tcp://127.0.0.1:8490'");
    s_unlink(b);
    (void) snprintf(text, sizeof text, fmt, "cam3", "cam3", "cam3", "cam3",
                    "listen = 0.0.0.0\nport = 8490\ntls_certificate = c\ntls_key = k\n"
                    "token_file = t\n");
    s_write_stack("cam3", false, text, b, sizeof b);
    s_expect_both(a, b, "[viewd] listen and port 'tcp://0.0.0.0:8490'");
    s_unlink(b);
    (void) snprintf(text, sizeof text, fmt, "cam3", "cam3", "cam3", "cam3", "port = 8491\n");
    s_write_stack("cam3", false, text, b, sizeof b);
    s_expect(b, a, NULL);
    s_unlink(a);
    s_unlink(b);
}
END_TEST

/* A stack that subscribes to another's endpoint under the same stream would take its frames
 * for its own; under another stream it sees none of them. */
START_TEST(one_stream_on_a_shared_endpoint)
{
    char a[PATH_MAX], b[PATH_MAX], text[PATH_MAX + 256];

    s_write_stack("cam2", true, NULL, a, sizeof a);
    (void) snprintf(text, sizeof text,
                    "[stack]\nstream = cam2\nruntime_dir = run-relay\n[endpoints]\nsubscribe = "
                    "ipc://%s/run-cam2/frames\n[analyzerd]\ndirectory = out-relay\n[saverd]\n"
                    "directory = out-relay\n",
                    test_tmpdir);
    s_write_stack("relay", false, text, b, sizeof b);
    s_expect_both(a, b, "stream 'cam2'");
    s_expect(b, a, "two stacks must not share a stream name on one endpoint");
    s_unlink(a);
    s_unlink(b);
}
END_TEST

/* Two names of one runtime directory (a symbolic link) are one directory. */
START_TEST(a_symlinked_runtime_dir_is_the_same)
{
    char a[PATH_MAX], b[PATH_MAX], dir[PATH_MAX], link[PATH_MAX];

    s_dir("run-cam2", true);
    ck_assert_int_eq(symlink(test_tmpdir_path(dir, sizeof dir, "run-cam2"),
                             test_tmpdir_path(link, sizeof link, "run-link")),
                     0);
    s_write_stack("cam2", true, NULL, a, sizeof a);
    s_write_stack("cam3", false,
                  "[stack]\nstream = cam3\nruntime_dir = run-link\n[analyzerd]\ndirectory = "
                  "out-cam3\n[saverd]\ndirectory = out-cam3\n",
                  b, sizeof b);
    s_expect_both(a, b, "[endpoints] ingest");
    s_unlink(a);
    s_unlink(b);
    s_unlink(link);
    s_dir("run-cam2", false);
}
END_TEST

Suite *
test_suite(void)
{
    Suite *s = suite_create("stacks");
    TCase *tc = tcase_create("list");

    tcase_add_checked_fixture(tc, test_tmpdir_setup, test_tmpdir_teardown);
    tcase_add_test(tc, stacks_are_the_ini_files_of_the_directory);
    suite_add_tcase(s, tc);

    tc = tcase_create("collisions");
    tcase_add_checked_fixture(tc, test_tmpdir_setup, test_tmpdir_teardown);
    tcase_add_test(tc, stacks_of_their_own_do_not_collide);
    tcase_add_test(tc, a_copy_of_a_stack_shares_its_sockets);
    tcase_add_test(tc, one_runtime_dir_and_stream_share_the_locks);
    tcase_add_test(tc, one_directory_and_stream_share_file_names);
    tcase_add_test(tc, one_tcp_port_is_one_socket);
    tcase_add_test(tc, one_viewd_port_is_one_socket);
    tcase_add_test(tc, one_stream_on_a_shared_endpoint);
    tcase_add_test(tc, a_symlinked_runtime_dir_is_the_same);
    suite_add_tcase(s, tc);
    return s;
}
