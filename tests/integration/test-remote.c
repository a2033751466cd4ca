/* Subscribers on another host, for real: two network namespaces joined by a veth pair play a
 * camera host (pubd, camerad, a local saverd: NETNS_ADDR_A) and a remote one (saverds and
 * Python clients over tcp: NETNS_ADDR_B). The tests check that a CURVE connection delivers
 * every frame bit-exactly, that clients without the right keys are refused, receive nothing
 * and are logged on both sides, that pubd refuses a non-loopback endpoint without CURVE
 * unless the file allows it, and that a stopped remote subscriber neither slows a local one
 * nor grows pubd's memory beyond its tcp budget.
 *
 * Needs root (skipped, status 77, otherwise). Each test is its own test case, whose
 * unchecked fixture (run by the runner, not the forked test) makes a fresh pair of
 * namespaces and a temporary directory and removes both even when the test fails; a guard
 * process removes them if the whole run is killed. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <glob.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>
#include <czmq.h>

#include "check-main.h"
#include "harness.h"
#include "netns.h"
#include "verify.h"

#define S_BASE_PREFIX "/tmp/camstack-rt-" /* + the runner's PID: see s_cleanup() */
#define S_PORT        "5555"
#define S_TCP         "tcp://" NETNS_ADDR_A ":" S_PORT
#define S_STREAM      "it"
#define S_PYTHON      "/usr/bin/python3" /* Debian's, with python3-zmq and python3-numpy */
#define S_CLIENT_OK   "client-check: received=120 lost=0 bad=0 camera_dropped=0 stats=120 errors=0"
#define S_STATS_OK    "stats-file-check: rows=120 received=120 matched=120 errors=0"

static struct netns_pair s_ns;
static unsigned s_ns_index;
static char s_base[64];              /* this test case's directory; holds every stack's */
static char s_host_keys[PATH_MAX];   /* pubd's certificate, on the camera host */
static char s_remote_keys[PATH_MAX]; /* the remote host's certificates, and pubd's public one */
static char s_authorized[PATH_MAX];  /* pubd's authorized_keys_dir */
static struct stack s_host[3];       /* in namespace a */
static struct stack s_remote[4];     /* in namespace b */

/* Public keys, as camstack-keygen printed them. */
static char s_key_lab2[48], s_key_stranger[48];

/* --- fixtures ---------------------------------------------------------------------------- */

static int
s_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

/* Runs in the test runner: a fresh pair of namespaces and directory for each test case. */
static void
s_case_setup(void)
{
    ck_assert_msg(netns_pair_create(&s_ns, s_ns_index++) == 0, "cannot make network namespaces");
    (void) snprintf(s_base, sizeof s_base, S_BASE_PREFIX "%d-XXXXXX", (int) getpid());
    ck_assert_ptr_nonnull(mkdtemp(s_base));
    (void) snprintf(s_host_keys, sizeof s_host_keys, "%s/host-keys", s_base);
    (void) snprintf(s_remote_keys, sizeof s_remote_keys, "%s/remote-keys", s_base);
    (void) snprintf(s_authorized, sizeof s_authorized, "%s/authorized", s_base);
    ck_assert_int_eq(mkdir(s_host_keys, 0700), 0);
    ck_assert_int_eq(mkdir(s_remote_keys, 0700), 0);
    ck_assert_int_eq(mkdir(s_authorized, 0755), 0);
}

/* Runs in the test runner after the test, whatever its outcome: kills what is left in the
 * namespaces (by PID), deletes them and the directory. */
static void
s_case_teardown(void)
{
    netns_pair_destroy(&s_ns);
    if (s_base[0] && !getenv("CS_KEEP_TEST_DIRS"))
        (void) nftw(s_base, s_rm, 16, FTW_DEPTH | FTW_PHYS);
    s_base[0] = '\0';
}

/* Runs in the forked test when it passed: stops and removes its stacks. */
static void
s_teardown(void)
{
    for (size_t i = 0; i < sizeof s_host / sizeof s_host[0]; i++)
        ck_assert_int_eq(stack_destroy(&s_host[i]), 0);
    for (size_t i = 0; i < sizeof s_remote / sizeof s_remote[0]; i++)
        ck_assert_int_eq(stack_destroy(&s_remote[i]), 0);
}

/* --- keys -------------------------------------------------------------------------------- */

/* Runs camstack-keygen for @name in @dir; the public key it printed goes into @ret_key. */
static void
s_keygen(const char *dir, const char *name, char *ret_key, size_t key_size)
{
    char bin[PATH_MAX], out[2048];
    const char *p;

    stack_build_path(bin, sizeof bin, "tools/keygen/camstack-keygen");
    ck_assert_int_eq(
        stack_run(NULL, (const char *[]){ bin, "--directory", dir, name, NULL }, out, sizeof out),
        0);
    p = strstr(out, "public key: ");
    ck_assert_ptr_nonnull(p);
    if (ret_key)
        (void) snprintf(ret_key, key_size, "%.40s", p + strlen("public key: "));
}

/* Copies file @from into directory @to_dir as @name: how a public certificate travels. */
static void
s_copy(const char *from, const char *to_dir, const char *name)
{
    char to[PATH_MAX + 64], buf[4096];
    int in, out;
    ssize_t n;

    (void) snprintf(to, sizeof to, "%s/%s", to_dir, name);
    in = open(from, O_RDONLY | O_CLOEXEC);
    ck_assert_msg(in >= 0, "open(%s): %s", from, strerror(errno));
    out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    ck_assert_msg(out >= 0, "open(%s): %s", to, strerror(errno));
    while ((n = read(in, buf, sizeof buf)) > 0)
        ck_assert_int_eq(write(out, buf, (size_t) n), n);
    ck_assert_int_eq(close(in), 0);
    ck_assert_int_eq(close(out), 0);
}

/* The keys most tests use: pubd's pair on the camera host, lab2's on the remote one and in
 * pubd's allow-list, and pubd's public certificate on the remote host. */
static void
s_make_keys(void)
{
    char path[PATH_MAX + 16];

    s_keygen(s_host_keys, "pubd", NULL, 0);
    s_keygen(s_remote_keys, "lab2", s_key_lab2, sizeof s_key_lab2);
    (void) snprintf(path, sizeof path, "%s/lab2.key", s_remote_keys);
    s_copy(path, s_authorized, "lab2.key");
    (void) snprintf(path, sizeof path, "%s/pubd.key", s_host_keys);
    s_copy(path, s_remote_keys, "pubd.key");
}

/* --- stacks ------------------------------------------------------------------------------ */

/* The camera host: @p with pubd publishing on ipc and on S_TCP with CURVE. */
static void
s_host_init(struct stack *s, struct stack_params p, unsigned tcp_budget_mb)
{
    char extra[4 * PATH_MAX];

    (void) snprintf(extra, sizeof extra,
                    "\n[endpoints]\npublish = ipc://run/frames, " S_TCP "\n"
                    "[pubd]\ntcp_subscriber_buffer_mb = %u\n"
                    "[security]\nserver_certificate = %s/pubd.key\nauthorized_keys_dir = %s\n",
                    tcp_budget_mb, s_host_keys, s_authorized);
    p.extra = extra;
    p.parent_dir = s_base;
    p.netns = s_ns.a;
    ck_assert_int_eq(stack_init(s, &p), 0);
}

/* A remote host's subscriber on S_TCP. With @server and @client (certificate names in the
 * remote key directory) it uses CURVE; with both NULL it goes without, as the file allows. */
static void
s_remote_init(struct stack *s, struct stack_params p, const char *server, const char *client)
{
    char extra[4 * PATH_MAX];

    if (server && client)
        (void) snprintf(extra, sizeof extra,
                        "\n[endpoints]\nsubscribe = " S_TCP "\n[security]\n"
                        "server_certificate = %s/%s\nclient_certificate = %s/%s\n",
                        s_remote_keys, server, s_remote_keys, client);
    else
        (void) snprintf(extra, sizeof extra,
                        "\n[endpoints]\nsubscribe = " S_TCP "\n[security]\n"
                        "allow_insecure_remote = yes\n");
    p.extra = extra;
    p.parent_dir = s_base;
    p.netns = s_ns.b;
    ck_assert_int_eq(stack_init(s, &p), 0);
}

/* The number of .h5 files in @dir. */
static int
s_count_files(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    ck_assert_ptr_nonnull(d);
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);

        if (len > 3 && strcmp(e->d_name + len - 3, ".h5") == 0)
            n++;
    }
    (void) closedir(d);
    return n;
}

/* "admitted client KEY ('NAME') from ADDR on S_TCP" */
static void
s_admitted_line(char *buf, size_t size, const char *key, const char *name)
{
    (void) snprintf(buf, size, "admitted client %s ('%s') from " NETNS_ADDR_B " on " S_TCP, key,
                    name);
}

/* --- tests ------------------------------------------------------------------------------- */

START_TEST(remote_saverd_over_curve_is_bit_exact)
{
    struct stack_params p = { .stream = S_STREAM,
                              .pixfmt = CS_PIXFMT_RGB24,
                              .width = 320,
                              .height = 240,
                              .fps = 100,
                              .frames = 150,
                              .wait_subscribers = 2 };
    struct expect e = {
        .pixfmt = CS_PIXFMT_RGB24, .width = 320, .height = 240, .frames = 150, .complete = 1
    };
    struct stack *host = &s_host[0], *remote = &s_remote[0];
    char movie[PATH_MAX], line[256];

    s_make_keys();
    s_host_init(host, p, 64);
    s_remote_init(remote, p, "pubd.key", "lab2.key");
    /* The remote starts first: it keeps trying until pubd is there. */
    ck_assert_int_eq(stack_start(remote, CS_DAEMON_SAVERD), 0);
    ck_assert_int_eq(stack_start(host, CS_DAEMON_PUBD), 0);
    ck_assert_int_eq(stack_start(host, CS_DAEMON_SAVERD), 0);
    ck_assert_int_eq(stack_start(host, CS_DAEMON_CAMERAD), 0);
    ck_assert_int_eq(stack_wait(host, CS_DAEMON_CAMERAD), 0);
    stack_await(remote, CS_DAEMON_SAVERD, "files_closed", 1, 30000); /* its end-of-stream */
    ck_assert_int_eq(stack_stop(host, CS_DAEMON_PUBD), 0);
    ck_assert_int_eq(stack_stop(host, CS_DAEMON_SAVERD), 0);
    ck_assert_int_eq(stack_stop(remote, CS_DAEMON_SAVERD), 0);

    ck_assert_int_eq(stack_ledger(remote, CS_DAEMON_SAVERD, "received"), 150);
    ck_assert_int_eq(stack_ledger(remote, CS_DAEMON_SAVERD, "lost"), 0);
    ck_assert_int_eq(stack_ledger(remote, CS_DAEMON_SAVERD, "bad"), 0);
    ck_assert_int_eq(stack_ledger(remote, CS_DAEMON_SAVERD, "written"), 150);
    stack_only_file(remote->movies, movie, sizeof movie);
    verify_movie(movie, &e);
    stack_only_file(host->movies, movie, sizeof movie);
    verify_movie(movie, &e);

    s_admitted_line(line, sizeof line, s_key_lab2, "lab2");
    ck_assert_msg(stack_log_has(host, CS_DAEMON_PUBD, line), "pubd did not log '%s'", line);
    (void) snprintf(line, sizeof line,
                    "subscriber joined 'frame/" S_STREAM "' from " NETNS_ADDR_B " (key %s)",
                    s_key_lab2);
    ck_assert_msg(stack_log_has(host, CS_DAEMON_PUBD, line), "pubd did not log '%s'", line);
    ck_assert(stack_log_has(host, CS_DAEMON_PUBD, "publishing on " S_TCP " with CURVE"));
    ck_assert(stack_log_has(remote, CS_DAEMON_SAVERD, "connected to pubd at " S_TCP " with CURVE"));
    ck_assert_int_eq(stack_ledger(host, CS_DAEMON_PUBD, "clients_refused"), 0);
}
END_TEST

/* Three clients that must not get in: a key pubd does not know, no CURVE at all, and a
 * known key with the wrong idea of pubd's key. Each is refused, receives nothing, says why
 * in its log, and pubd logs each refusal; an authorised client beside them gets every
 * frame. Then the unknown key is authorised, and its next retry gets in. */
START_TEST(refused_clients_receive_nothing_and_are_logged)
{
    struct stack_params p = { .stream = S_STREAM,
                              .pixfmt = CS_PIXFMT_GREY,
                              .width = 160,
                              .height = 120,
                              .fps = 200,
                              .frames = 200,
                              .wait_subscribers = 1 };
    struct expect e = {
        .pixfmt = CS_PIXFMT_GREY, .width = 160, .height = 120, .frames = 200, .complete = 1
    };
    struct stack *host = &s_host[0];
    char movie[PATH_MAX], line[PATH_MAX + 256], path[PATH_MAX + 16], scratch[128];
    int64_t deadline;

    s_make_keys();
    s_keygen(s_remote_keys, "stranger", s_key_stranger, sizeof s_key_stranger);
    (void) snprintf(scratch, sizeof scratch, "%s/other", s_base);
    ck_assert_int_eq(mkdir(scratch, 0700), 0);
    s_keygen(scratch, "impostor", NULL, 0);
    (void) snprintf(path, sizeof path, "%s/impostor.key", scratch);
    s_copy(path, s_remote_keys, "impostor.key");

    s_host_init(host, p, 64);
    s_remote_init(&s_remote[0], p, "pubd.key", "lab2.key");
    s_remote_init(&s_remote[1], p, "pubd.key", "stranger.key");
    s_remote_init(&s_remote[2], p, NULL, NULL);
    s_remote_init(&s_remote[3], p, "impostor.key", "lab2.key");
    ck_assert_int_eq(stack_start(host, CS_DAEMON_PUBD), 0);
    for (int i = 1; i <= 3; i++)
        ck_assert_int_eq(stack_start(&s_remote[i], CS_DAEMON_SAVERD), 0);

    /* Each refused client knows why. */
    (void) snprintf(line, sizeof line, "pubd at " S_TCP " refused this subscriber's key %s",
                    s_key_stranger);
    stack_await_log(&s_remote[1], CS_DAEMON_SAVERD, line, 20000);
    stack_await_log(&s_remote[2], CS_DAEMON_SAVERD,
                    "pubd at " S_TCP " requires CURVE: set [security] client_certificate", 20000);
    stack_await_log(&s_remote[3], CS_DAEMON_SAVERD,
                    "closed the connection during the CURVE handshake: is [security] "
                    "server_certificate the certificate of this pubd?",
                    20000);
    /* pubd logged each refusal: the unknown key with its key and address. */
    (void) snprintf(line, sizeof line,
                    "refused client %s from " NETNS_ADDR_B " on " S_TCP ": its key is not in '%s'",
                    s_key_stranger, s_authorized);
    stack_await_log(host, CS_DAEMON_PUBD, line, 20000);
    stack_await_log(host, CS_DAEMON_PUBD,
                    "on " S_TCP ": its CURVE handshake failed: it does not have this pubd's public "
                    "key",
                    20000);
    deadline = zclock_mono() + 20000;
    while (!stack_log_has(host, CS_DAEMON_PUBD,
                          "on " S_TCP ": it closed the connection during the handshake")
           && !stack_log_has(host, CS_DAEMON_PUBD, "on " S_TCP ": it does not use CURVE")) {
        ck_assert_msg(zclock_mono() < deadline, "pubd did not log the client without CURVE");
        zclock_sleep(20);
    }

    /* The authorised client, beside them, gets the whole run. */
    ck_assert_int_eq(stack_start(&s_remote[0], CS_DAEMON_SAVERD), 0);
    ck_assert_int_eq(stack_start(host, CS_DAEMON_CAMERAD), 0);
    ck_assert_int_eq(stack_wait(host, CS_DAEMON_CAMERAD), 0);
    stack_await(&s_remote[0], CS_DAEMON_SAVERD, "files_closed", 1, 30000);
    ck_assert_int_eq(stack_stop(&s_remote[0], CS_DAEMON_SAVERD), 0);
    ck_assert_int_eq(stack_ledger(&s_remote[0], CS_DAEMON_SAVERD, "received"), 200);
    ck_assert_int_eq(stack_ledger(&s_remote[0], CS_DAEMON_SAVERD, "lost"), 0);
    stack_only_file(s_remote[0].movies, movie, sizeof movie);
    verify_movie(movie, &e);
    s_admitted_line(line, sizeof line, s_key_lab2, "lab2");
    ck_assert(stack_log_has(host, CS_DAEMON_PUBD, line));

    /* The refused ones received nothing at all and kept retrying. */
    for (int i = 1; i <= 3; i++) {
        ck_assert_int_eq(stack_status(&s_remote[i], CS_DAEMON_SAVERD, "received", 5000), 0);
        ck_assert_int_eq(stack_status(&s_remote[i], CS_DAEMON_SAVERD, "bytes", 5000), 0);
        ck_assert_int_ge(stack_status(&s_remote[i], CS_DAEMON_SAVERD, "handshakes_failed", 5000),
                         1);
        ck_assert_int_eq(s_count_files(s_remote[i].movies), 0);
    }

    /* Authorising the stranger needs no restart: its next retry gets in. */
    (void) snprintf(path, sizeof path, "%s/stranger.key", s_remote_keys);
    s_copy(path, s_authorized, "stranger.key");
    s_admitted_line(line, sizeof line, s_key_stranger, "stranger");
    stack_await_log(host, CS_DAEMON_PUBD, line, 30000);
    (void) snprintf(line, sizeof line,
                    "subscriber joined 'frame/" S_STREAM "' from " NETNS_ADDR_B " (key %s)",
                    s_key_stranger);
    stack_await_log(host, CS_DAEMON_PUBD, line, 10000);
    stack_await_log(&s_remote[1], CS_DAEMON_SAVERD, "connected to pubd at " S_TCP " with CURVE",
                    10000);

    ck_assert_int_eq(stack_stop(host, CS_DAEMON_PUBD), 0);
    for (int i = 1; i <= 3; i++)
        ck_assert_int_eq(stack_stop(&s_remote[i], CS_DAEMON_SAVERD), 0);
    ck_assert_int_ge(stack_ledger(host, CS_DAEMON_PUBD, "clients_refused"), 3);
}
END_TEST

START_TEST(pubd_refuses_remote_endpoint_without_curve)
{
    struct stack_params p = { .stream = S_STREAM,
                              .pixfmt = CS_PIXFMT_GREY,
                              .width = 64,
                              .height = 48,
                              .fps = 200,
                              .frames = 60,
                              .wait_subscribers = 1,
                              .parent_dir = s_base,
                              .netns = s_ns.a };
    struct expect e = {
        .pixfmt = CS_PIXFMT_GREY, .width = 64, .height = 48, .frames = 60, .complete = 1
    };
    char movie[PATH_MAX];

    /* A LAN endpoint, no certificate, nothing said: pubd will not start. */
    p.extra = "\n[endpoints]\npublish = ipc://run/frames, " S_TCP "\n";
    ck_assert_int_eq(stack_init(&s_host[0], &p), 0);
    ck_assert_int_eq(stack_start(&s_host[0], CS_DAEMON_PUBD), 0);
    ck_assert_int_eq(stack_wait(&s_host[0], CS_DAEMON_PUBD), 78);
    ck_assert(stack_log_has(&s_host[0], CS_DAEMON_PUBD,
                            "publish endpoint '" S_TCP "' is reachable from other hosts but "
                            "[security] server_certificate is not set"));
    ck_assert(stack_log_has(&s_host[0], CS_DAEMON_PUBD, "allow_insecure_remote = yes"));

    /* Loopback needs no CURVE. */
    p.extra = "\n[endpoints]\npublish = ipc://run/frames, tcp://127.0.0.1:" S_PORT "\n";
    ck_assert_int_eq(stack_init(&s_host[1], &p), 0);
    ck_assert_int_eq(stack_start(&s_host[1], CS_DAEMON_PUBD), 0);
    stack_await(&s_host[1], CS_DAEMON_PUBD, "pid", 1, 20000);
    ck_assert_int_eq(stack_stop(&s_host[1], CS_DAEMON_PUBD), 0);
    ck_assert(stack_log_has(&s_host[1], CS_DAEMON_PUBD,
                            "publishing on tcp://127.0.0.1:" S_PORT ", loopback, without CURVE"));

    /* Said in the file: pubd starts, warns, and a plain remote client gets every frame. */
    p.extra = "\n[endpoints]\npublish = ipc://run/frames, " S_TCP
              "\n[security]\nallow_insecure_remote = yes\n";
    ck_assert_int_eq(stack_init(&s_host[2], &p), 0);
    s_remote_init(&s_remote[0], p, NULL, NULL);
    ck_assert_int_eq(stack_start(&s_host[2], CS_DAEMON_PUBD), 0);
    ck_assert_int_eq(stack_start(&s_remote[0], CS_DAEMON_SAVERD), 0);
    ck_assert_int_eq(stack_start(&s_host[2], CS_DAEMON_CAMERAD), 0);
    ck_assert_int_eq(stack_wait(&s_host[2], CS_DAEMON_CAMERAD), 0);
    stack_await(&s_remote[0], CS_DAEMON_SAVERD, "files_closed", 1, 30000);
    ck_assert_int_eq(stack_stop(&s_host[2], CS_DAEMON_PUBD), 0);
    ck_assert_int_eq(stack_stop(&s_remote[0], CS_DAEMON_SAVERD), 0);
    ck_assert(stack_log_has(&s_host[2], CS_DAEMON_PUBD,
                            "publishing on " S_TCP " WITHOUT authentication or encryption"));
    ck_assert(stack_log_has(&s_host[2], CS_DAEMON_PUBD,
                            "admitted a client without CURVE from " NETNS_ADDR_B " on " S_TCP));
    ck_assert_int_eq(stack_ledger(&s_remote[0], CS_DAEMON_SAVERD, "received"), 60);
    stack_only_file(s_remote[0].movies, movie, sizeof movie);
    verify_movie(movie, &e);
}
END_TEST

/* Compares the statistics a client saved in @saved with analyzerd's file in @host's stats
 * directory. */
static void
s_stats_match_file(const char *saved, const struct stack *host)
{
    char file[PATH_MAX], out[16384];
    int st;

    stack_only_file(host->stats, file, sizeof file);
    st = stack_python("stats-file-check.py", (const char *const[]){ saved, file, NULL }, out,
                      sizeof out);
    ck_assert_msg(st == 0 && strstr(out, S_STATS_OK), "%s: exit status %d: %s", saved, st, out);
}

/* Waits for @s's client @pid to end and checks that it exited 0 and that its log @log_name
 * has @want and @also (NULL: nothing more). */
static void
s_client_said(struct stack *s, pid_t pid, const char *log_name, const char *want, const char *also)
{
    char out[16384];
    int st = stack_reap(s, pid);

    stack_read_file(s, log_name, out, sizeof out);
    ck_assert_msg(st == 0 && strstr(out, want) && (!also || strstr(out, also)),
                  "%s: exit status %d: %s", log_name, st, out);
}

/* The shipped Python package (clients/python) with Debian's python3, frames and statistics:
 * over ipc on the camera host, over tcp with CURVE from the remote one, every frame
 * bit-exact with the pattern and every statistics message equal to analyzerd's file; beside
 * them the command-line example and the remote analysis script of docs/PYTHON.md. */
START_TEST(python_client_over_ipc_and_curve)
{
    struct stack_params p = { .stream = S_STREAM,
                              .pixfmt = CS_PIXFMT_Y16,
                              .width = 200,
                              .height = 150,
                              .fps = 150,
                              .frames = 120,
                              .wait_subscribers = 5 };
    struct stack *host = &s_host[0], *remote = &s_remote[0];
    const char *src = getenv("CS_SOURCE_ROOT");
    char check[PATH_MAX], watch[PATH_MAX], ipc[PATH_MAX], cert[PATH_MAX + 16],
        server[PATH_MAX + 16], analyse[PATH_MAX + 16], pythonpath[PATH_MAX + 16],
        ipc_stats[PATH_MAX + 16], tcp_stats[PATH_MAX + 16], out[16384];
    pid_t py_ipc, py_tcp, py_watch, py_doc;

    ck_assert_ptr_nonnull(src);
    s_make_keys();
    s_host_init(host, p, 64);
    s_remote_init(remote, p, "pubd.key", "lab2.key");
    (void) snprintf(check, sizeof check, "%s/tests/integration/client-check.py", src);
    (void) snprintf(watch, sizeof watch, "%s/clients/python/camstack-watch", src);
    (void) snprintf(ipc, sizeof ipc, "ipc://%s/run/frames", host->dir);
    (void) snprintf(cert, sizeof cert, "%s/lab2.key", s_remote_keys);
    (void) snprintf(server, sizeof server, "%s/pubd.key", s_remote_keys);
    (void) snprintf(analyse, sizeof analyse, "%s/cs_analyse.py", remote->dir);
    (void) snprintf(pythonpath, sizeof pythonpath, "PYTHONPATH=%s/clients/python", src);
    (void) snprintf(ipc_stats, sizeof ipc_stats, "%s/ipc-stats.jsonl", host->dir);
    (void) snprintf(tcp_stats, sizeof tcp_stats, "%s/tcp-stats.jsonl", remote->dir);
    ck_assert_msg(stack_python("check_docs.py",
                               (const char *const[]){ "--source-root", src, "--extract",
                                                      "cs_analyse.py", analyse, NULL },
                               out, sizeof out)
                      == 0,
                  "%s", out);

    ck_assert_int_eq(stack_start(host, CS_DAEMON_PUBD), 0);
    ck_assert_int_eq(stack_start(host, CS_DAEMON_ANALYZERD), 0);
    py_ipc = stack_spawn(host,
                         (const char *[]){ S_PYTHON, check, ipc, S_STREAM, "120", "--stats",
                                           "--save-stats", ipc_stats, NULL },
                         "client-ipc.log");
    py_tcp = stack_spawn(remote,
                         (const char *[]){ S_PYTHON, check, S_TCP, S_STREAM, "120", "--curve", cert,
                                           server, "--stats", "--save-stats", tcp_stats, NULL },
                         "client-tcp.log");
    py_watch = stack_spawn(remote,
                           (const char *[]){ S_PYTHON, watch, S_TCP, S_STREAM, "--curve", cert,
                                             server, "--until-eos", "--timeout", "60", NULL },
                           "watch.log");
    py_doc = stack_spawn(remote,
                         (const char *[]){ "/usr/bin/env", pythonpath, S_PYTHON, analyse, S_TCP,
                                           S_STREAM, "--curve", cert, server, "--runs", "1",
                                           "--timeout", "60", NULL },
                         "analyse.log");
    ck_assert_int_eq(stack_start(host, CS_DAEMON_CAMERAD), 0); /* waits for the five */
    ck_assert_int_eq(stack_wait(host, CS_DAEMON_CAMERAD), 0);

    s_client_said(host, py_ipc, "client-ipc.log", S_CLIENT_OK, NULL);
    s_client_said(remote, py_tcp, "client-tcp.log", S_CLIENT_OK, NULL);
    s_client_said(remote, py_watch, "watch.log", "connected to pubd at " S_TCP " with CURVE",
                  "120 frames numbered, joined at seq 0, received 120, lost 0");
    s_client_said(remote, py_doc, "analyse.log",
                  ": 120 frames from seq 0, 120 with analyzerd's statistics, lost 0, camera "
                  "dropped 0; mean level ",
                  "ledger: received 120, lost 0, camera dropped 0, bad 0, runs 1 (0 cut)");
    stack_await(host, CS_DAEMON_ANALYZERD, "runs_ended", 1, 20000);
    ck_assert_int_eq(stack_stop(host, CS_DAEMON_ANALYZERD), 0);
    ck_assert_int_eq(stack_stop(host, CS_DAEMON_PUBD), 0);
    ck_assert_int_ge(stack_ledger(host, CS_DAEMON_PUBD, "clients_admitted"), 3);
    s_stats_match_file(ipc_stats, host);
    s_stats_match_file(tcp_stats, host);
}
END_TEST

/* The value in kB of @field ("VmHWM:", "VmRSS:") of process @pid. */
static int64_t
s_proc_kb(int64_t pid, const char *field)
{
    char path[64], line[256];
    int64_t kb = -1;
    FILE *f;

    (void) snprintf(path, sizeof path, "/proc/%lld/status", (long long) pid);
    f = fopen(path, "re");
    ck_assert_ptr_nonnull(f);
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, field, strlen(field)) == 0)
            kb = strtoll(line + strlen(field), NULL, 10);
    }
    (void) fclose(f);
    ck_assert_int_ge(kb, 0);
    return kb;
}

/* A remote subscriber stopped (SIGSTOP) for 600 frames of 300 KB: the local saverd still
 * gets every frame, the camera drops none, pubd's peak memory grows by no more than the tcp
 * budget (4 MB, against 180 MB sent meanwhile), and the remote file records what the remote
 * host lost. */
START_TEST(slow_remote_subscriber_does_not_slow_local)
{
    struct stack_params p = { .stream = S_STREAM,
                              .pixfmt = CS_PIXFMT_GREY,
                              .width = 640,
                              .height = 480,
                              .fps = 200,
                              .frames = 1400,
                              .wait_subscribers = 2 };
    struct expect e = {
        .pixfmt = CS_PIXFMT_GREY, .width = 640, .height = 480, .frames = 1400, .complete = 1
    };
    struct stack *host = &s_host[0], *remote = &s_remote[0];
    int64_t remote_pid, pubd_pid, hwm_before_kb, hwm_after_kb, written, received, lost, sent;
    char movie[PATH_MAX];

    s_make_keys();
    s_host_init(host, p, 4);
    s_remote_init(remote, p, "pubd.key", "lab2.key");
    ck_assert_int_eq(stack_start(remote, CS_DAEMON_SAVERD), 0);
    ck_assert_int_eq(stack_start(host, CS_DAEMON_PUBD), 0);
    ck_assert_int_eq(stack_start(host, CS_DAEMON_SAVERD), 0);
    ck_assert_int_eq(stack_start(host, CS_DAEMON_CAMERAD), 0);
    stack_await(remote, CS_DAEMON_SAVERD, "written", 50, 30000);

    remote_pid = stack_status(remote, CS_DAEMON_SAVERD, "pid", 5000);
    pubd_pid = stack_status(host, CS_DAEMON_PUBD, "pid", 5000);
    ck_assert_int_gt(remote_pid, 1);
    ck_assert_int_gt(pubd_pid, 1);
    hwm_before_kb = s_proc_kb(pubd_pid, "VmHWM:");
    ck_assert_int_eq(kill((pid_t) remote_pid, SIGSTOP), 0);
    written = stack_status(host, CS_DAEMON_SAVERD, "written", 5000);
    stack_await(host, CS_DAEMON_SAVERD, "written", written + 600, 30000);
    hwm_after_kb = s_proc_kb(pubd_pid, "VmHWM:");
    ck_assert_int_eq(kill((pid_t) remote_pid, SIGCONT), 0);
    (void) fprintf(stderr,
                   "slow remote: pubd's peak memory grew by %lld kB (from %lld kB) "
                   "while 600 frames went out with the remote subscriber stopped\n",
                   (long long) (hwm_after_kb - hwm_before_kb), (long long) hwm_before_kb);
#ifndef __SANITIZE_ADDRESS__
    /* The frames are shared by every queue; what the stopped subscriber holds in pubd is its
     * own queue, 13 frames of the 4 MB budget (kernel socket buffers are not pubd's). */
    ck_assert_msg(hwm_after_kb - hwm_before_kb < 16 * 1024,
                  "pubd's peak memory grew by %lld kB while the remote subscriber was stopped",
                  (long long) (hwm_after_kb - hwm_before_kb));
#else
    /* AddressSanitizer keeps freed memory in quarantine: pubd's peak says nothing here. */
    (void) hwm_before_kb;
    (void) hwm_after_kb;
#endif

    ck_assert_int_eq(stack_wait(host, CS_DAEMON_CAMERAD), 0);
    stack_await(host, CS_DAEMON_SAVERD, "files_closed", 1, 30000);
    stack_await(remote, CS_DAEMON_SAVERD, "files_closed", 1, 30000);
    ck_assert_int_eq(stack_stop(host, CS_DAEMON_PUBD), 0);
    ck_assert_int_eq(stack_stop(host, CS_DAEMON_SAVERD), 0);
    ck_assert_int_eq(stack_stop(remote, CS_DAEMON_SAVERD), 0);

    /* The local side lost nothing of what camerad sent. (On a loaded machine camerad may
     * drop a few frames at source when pubd falls behind for a moment; they are counted and
     * have no seq, and the stopped remote cannot cause them: it has its own queue.) */
    sent = stack_ledger(host, CS_DAEMON_CAMERAD, "sent");
    ck_assert_int_eq(sent + stack_ledger(host, CS_DAEMON_CAMERAD, "dropped_at_source"), 1400);
    ck_assert_int_eq(stack_ledger(host, CS_DAEMON_SAVERD, "received"), sent);
    ck_assert_int_eq(stack_ledger(host, CS_DAEMON_SAVERD, "lost"), 0);
    e.frames = (uint64_t) sent;
    stack_only_file(host->movies, movie, sizeof movie);
    verify_movie(movie, &e);

    /* The remote side knows exactly what it missed, in its ledger and in its file. */
    received = stack_ledger(remote, CS_DAEMON_SAVERD, "received");
    lost = stack_ledger(remote, CS_DAEMON_SAVERD, "lost");
    (void) fprintf(stderr, "slow remote: the remote saverd received %lld frames and lost %lld\n",
                   (long long) received, (long long) lost);
    ck_assert_int_gt(lost, 0);
    ck_assert_int_eq(received + lost, sent);
    stack_only_file(remote->movies, movie, sizeof movie);
    e.frames = (uint64_t) received;
    e.lost = (uint64_t) lost;
    e.gaps = true;
    verify_movie(movie, &e);
}
END_TEST

static void
s_add_case(Suite *s, const char *name, const TTest *test)
{
    TCase *tc = tcase_create(name);

    tcase_add_unchecked_fixture(tc, s_case_setup, s_case_teardown);
    tcase_add_checked_fixture(tc, NULL, s_teardown);
    tcase_set_timeout(tc, 180);
    tcase_add_test(tc, test);
    suite_add_tcase(s, tc);
}

/* Run by the guard once the runner @child is gone: removes the directories it left (when
 * it was killed before its fixtures could). */
static void
s_cleanup(pid_t child)
{
    char pattern[64];
    glob_t g;

    if (getenv("CS_KEEP_TEST_DIRS"))
        return;
    (void) snprintf(pattern, sizeof pattern, S_BASE_PREFIX "%d-*", (int) child);
    if (glob(pattern, 0, NULL, &g) != 0)
        return;
    for (size_t i = 0; i < g.gl_pathc; i++)
        (void) nftw(g.gl_pathv[i], s_rm, 16, FTW_DEPTH | FTW_PHYS);
    globfree(&g);
}

Suite *
test_suite(void)
{
    Suite *s;

    if (!netns_available()) {
        (void) printf("skipped: network namespaces need root and ip(8) (iproute2)\n");
        exit(TEST_EXIT_SKIP);
    }
    netns_sweep(0); /* what killed runs left */
    if (netns_guard(s_cleanup) < 0) {
        (void) printf("cannot fork the test runner: %s\n", strerror(errno));
        exit(EXIT_FAILURE);
    }
    /* The child, guarded: the tests run here. */
    s = suite_create("remote");
    s_add_case(s, "curve", remote_saverd_over_curve_is_bit_exact);
    s_add_case(s, "refusals", refused_clients_receive_nothing_and_are_logged);
    s_add_case(s, "insecure", pubd_refuses_remote_endpoint_without_curve);
    s_add_case(s, "python", python_client_over_ipc_and_curve);
    s_add_case(s, "slow-remote", slow_remote_subscriber_does_not_slow_local);
    return s;
}
