#include "harness.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>
#include <czmq.h>

/* Every daemon dies at the latest this long after it started, whatever happens to the test
 * (unless the stack says otherwise: the soak runs for longer). */
#define S_PROCESS_TIMEOUT_S 120

extern char **environ;

static const char *
s_build_root(void)
{
    const char *b = getenv("CS_BUILD_ROOT");

    ck_assert_msg(b, "CS_BUILD_ROOT is not set (run through meson test)");
    return b;
}

static const char *
s_source_root(void)
{
    const char *src = getenv("CS_SOURCE_ROOT");

    ck_assert_msg(src, "CS_SOURCE_ROOT is not set (run through meson test)");
    return src;
}

bool
stack_under_valgrind(void)
{
    const char *v = getenv("CS_VALGRIND_DAEMONS");

    return v && *v && strcmp(v, "0") != 0;
}

int
stack_init(struct stack *s, const struct stack_params *p)
{
    const struct cs_pixfmt_info *pi = cs_pixfmt_info(p->pixfmt);
    char path[PATH_MAX + 32];
    FILE *f;

    /* The directory name is short (mkdtemp below /tmp, or a short $CS_TEST_TMPDIR), so the
     * ipc endpoints below it always fit. */
    const char *tmp = getenv("CS_TEST_TMPDIR");

    memset(s, 0, sizeof *s);
    if (!tmp || !tmp[0])
        tmp = "/tmp";
    if ((size_t) snprintf(s->dir, sizeof s->dir, "%s/camstack-it-XXXXXX", tmp) >= sizeof s->dir)
        return -ENAMETOOLONG;
    if (!mkdtemp(s->dir))
        return -errno;
    (void) snprintf(s->movies, sizeof s->movies, "%s/movies", s->dir);
    (void) snprintf(s->stats, sizeof s->stats, "%s/stats", s->dir);
    (void) snprintf(path, sizeof path, "%s/run", s->dir);
    if (mkdir(s->movies, 0755) < 0 || mkdir(s->stats, 0755) < 0 || mkdir(path, 0755) < 0)
        return -errno;
    (void) snprintf(s->config, sizeof s->config, "%s/camstack.ini", s->dir);
    f = fopen(s->config, "we");
    if (!f)
        return -errno;
    /* The stop's time limits are generous: a daemon waits only while something is still on
     * its way, and under valgrind, the sanitizers or a loaded machine the default 2 s can
     * pass with frames still queued, which cuts the run at an orderly stop. */
    (void) fprintf(f,
                   "[stack]\nstream = %s\nruntime_dir = run\n\n"
                   "[camerad]\nsource = testpattern\nwidth = %u\nheight = %u\n"
                   "pixel_format = %s\nfps = %g\nframes = %llu\nwait_subscribers = %u\n"
                   "wait_timeout_ms = 20000\n\n"
                   "[pubd]\nlinger_ms = 20000\n\n"
                   "[analyzerd]\ndirectory = stats\ndrain_timeout_ms = 20000\n\n"
                   "[saverd]\ndirectory = movies\ndrain_timeout_ms = 20000\n\n"
                   "[log]\nlevel = info\n%s",
                   p->stream ? p->stream : "it", p->width, p->height, pi->name, p->fps,
                   (unsigned long long) p->frames, p->wait_subscribers, p->extra ? p->extra : "");
    return fclose(f) == 0 ? 0 : -errno;
}

int
stack_start(struct stack *s, enum cs_daemon_id d)
{
    const char *name = cs_daemon_name(d);
    char bin[PATH_MAX], log[PATH_MAX + 16], limit[32];
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    char supp[PATH_MAX + 32];
    char *argv[] = { "timeout", "--kill-after=5", limit, bin, "--config", s->config, NULL };
    char *vg_argv[] = { "timeout",
                        "--kill-after=5",
                        limit,
                        "valgrind",
                        "--quiet",
                        "--error-exitcode=3",
                        "--leak-check=full",
                        "--errors-for-leak-kinds=definite",
                        "--track-origins=yes",
                        supp,
                        bin,
                        "--config",
                        s->config,
                        NULL };
    bool vg = stack_under_valgrind();
    int r;

    (void) snprintf(bin, sizeof bin, "%s/daemons/%s/%s", s_build_root(), name, name);
    (void) snprintf(log, sizeof log, "%s/%s.log", s->dir, name);
    (void) snprintf(limit, sizeof limit, "%u",
                    (s->timeout_s ? s->timeout_s : S_PROCESS_TIMEOUT_S) * (vg ? 10 : 1));
    (void) snprintf(supp, sizeof supp, "--suppressions=%s/tests/valgrind.supp", s_source_root());
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, log, O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawnattr_init(&attr);
    /* Its own process group, so that cleanup reaches timeout(1) and the daemon together. */
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
    r = posix_spawnp(&s->pid[d], "timeout", &fa, &attr, vg ? vg_argv : argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    return -r;
}

int
stack_wait(struct stack *s, enum cs_daemon_id d)
{
    int st = 0;

    ck_assert_msg(s->pid[d] > 0, "%s is not running", cs_daemon_name(d));
    while (waitpid(s->pid[d], &st, 0) < 0)
        ck_assert_int_eq(errno, EINTR);
    s->pid[d] = 0;
    s->status[d] = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return s->status[d];
}

int
stack_stop(struct stack *s, enum cs_daemon_id d)
{
    pid_t pid = stack_daemon_pid(s, d);

    ck_assert_msg(s->pid[d] > 0, "%s is not running", cs_daemon_name(d));
    /* To the daemon itself, once, as systemd does. A SIGTERM to timeout(1) would reach the
     * daemon twice (timeout passes it to its child, then to its whole process group), and a
     * second SIGTERM means "stop at once, without draining". */
    ck_assert_int_eq(kill(pid > 0 ? pid : s->pid[d], SIGTERM), 0);
    return stack_wait(s, d);
}

pid_t
stack_daemon_pid(const struct stack *s, enum cs_daemon_id d)
{
    char path[64];
    long child = 0;
    FILE *f;

    if (s->pid[d] <= 0)
        return 0;
    (void) snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int) s->pid[d],
                    (int) s->pid[d]);
    f = fopen(path, "re");
    if (!f)
        return 0;
    if (fscanf(f, "%ld", &child) != 1)
        child = 0;
    (void) fclose(f);
    return (pid_t) child;
}

void
stack_signal(const struct stack *s, enum cs_daemon_id d, int sig)
{
    pid_t pid = stack_daemon_pid(s, d);

    ck_assert_msg(pid > 0, "%s is not running", cs_daemon_name(d));
    ck_assert_int_eq(kill(pid, sig), 0);
}

int
stack_supervise(struct stack *s, enum cs_daemon_id d)
{
    int st = stack_wait(s, d);

    /* timeout(1) exits with 128 + N when its command died of signal N. */
    if (st == 0 || st == CS_EX_CONFIG)
        return 0;
    ck_assert_int_eq(stack_start(s, d), 0);
    return 1;
}

long
stack_rss_kib(pid_t pid)
{
    char path[64], line[256];
    long kib = -1;
    FILE *f;

    (void) snprintf(path, sizeof path, "/proc/%d/status", (int) pid);
    f = fopen(path, "re");
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f)) {
        if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
            break;
    }
    (void) fclose(f);
    return kib;
}

int
stack_fd_count(pid_t pid)
{
    char path[64];
    struct dirent *e;
    int n = 0;
    DIR *dp;

    (void) snprintf(path, sizeof path, "/proc/%d/fd", (int) pid);
    dp = opendir(path);
    if (!dp)
        return -1;
    while ((e = readdir(dp))) {
        if (e->d_name[0] != '.')
            n++;
    }
    (void) closedir(dp);
    return n;
}

static int
s_cmp_str(const void *a, const void *b)
{
    return strcmp(a, b);
}

int
stack_files(const char *dir, char ret_paths[][PATH_MAX], int max)
{
    DIR *dp = opendir(dir);
    struct dirent *e;
    int n = 0;

    ck_assert_ptr_nonnull(dp);
    while ((e = readdir(dp))) {
        size_t len = strlen(e->d_name);

        if (len > 3 && strcmp(e->d_name + len - 3, ".h5") == 0) {
            ck_assert_int_lt(n, max);
            (void) snprintf(ret_paths[n++], PATH_MAX, "%s/%s", dir, e->d_name);
        }
    }
    (void) closedir(dp);
    qsort(ret_paths, (size_t) n, PATH_MAX, s_cmp_str);
    return n;
}

static int
s_remove(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

int
stack_destroy(struct stack *s)
{
    for (int d = 0; d < CS_DAEMON_COUNT; d++) {
        if (s->pid[d] > 0) {
            (void) kill(-s->pid[d], SIGKILL);
            (void) waitpid(s->pid[d], NULL, 0);
            s->pid[d] = 0;
        }
    }
    if (!s->dir[0])
        return 0;
    if (getenv("CS_KEEP_TEST_DIRS")) {
        (void) fprintf(stderr, "kept %s\n", s->dir);
        return 0;
    }
    return nftw(s->dir, s_remove, 16, FTW_DEPTH | FTW_PHYS);
}

void
stack_log(const struct stack *s, enum cs_daemon_id d, char *buf, size_t size)
{
    char path[PATH_MAX + 16];
    size_t n = 0;
    FILE *f;

    buf[0] = '\0';
    (void) snprintf(path, sizeof path, "%s/%s.log", s->dir, cs_daemon_name(d));
    f = fopen(path, "re");
    if (!f)
        return;
    n = fread(buf, 1, size - 1, f);
    buf[n] = '\0';
    (void) fclose(f);
}

int64_t
stack_ledger(const struct stack *s, enum cs_daemon_id d, const char *key)
{
    static char log[1 << 22]; /* logs of restarted daemons are appended: keep room */
    char needle[64];
    const char *line = NULL, *p, *eol;

    stack_log(s, d, log, sizeof log);
    for (p = log; (p = strstr(p, "ledger")); p++)
        line = p;
    if (!line)
        return -1;
    eol = strchr(line, '\n');
    (void) snprintf(needle, sizeof needle, " %s=", key);
    p = strstr(line, needle);
    if (!p || (eol && p > eol))
        return -1;
    return strtoll(p + strlen(needle), NULL, 10);
}

void
stack_only_file(const char *dir, char *ret_path, size_t size)
{
    DIR *dp = opendir(dir);
    struct dirent *e;
    int n = 0;

    ck_assert_ptr_nonnull(dp);
    while ((e = readdir(dp))) {
        size_t len = strlen(e->d_name);

        if (len > 3 && strcmp(e->d_name + len - 3, ".h5") == 0) {
            (void) snprintf(ret_path, size, "%s/%s", dir, e->d_name);
            n++;
        }
    }
    (void) closedir(dp);
    ck_assert_msg(n == 1, "expected one .h5 file in %s, found %d", dir, n);
}

int
stack_run_tool(const char *name, const char *const *args, char *err, size_t err_size)
{
    return stack_run_tool_as(NULL, name, args, err, err_size);
}

int
stack_run_tool_as(const char *const *prefix, const char *name, const char *const *args, char *err,
                  size_t err_size)
{
    char bin[PATH_MAX], *argv[24];
    int pipefd[2], st = 0, n = 0;
    posix_spawn_file_actions_t fa;
    ssize_t got;
    size_t used = 0;
    pid_t pid;

    (void) snprintf(bin, sizeof bin, "%s/daemons/%s/%s", s_build_root(), name, name);
    argv[n++] = "timeout";
    argv[n++] = "30";
    for (int i = 0; prefix && prefix[i] && n < 8; i++)
        argv[n++] = (char *) prefix[i];
    argv[n++] = bin;
    for (int i = 0; args[i] && n < 23; i++)
        argv[n++] = (char *) args[i];
    argv[n] = NULL;
    ck_assert_int_eq(pipe2(pipefd, O_CLOEXEC), 0);
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDERR_FILENO);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
    ck_assert_int_eq(posix_spawnp(&pid, "timeout", &fa, NULL, argv, environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    (void) close(pipefd[1]);
    while (used + 1 < err_size && (got = read(pipefd[0], err + used, err_size - used - 1)) > 0)
        used += (size_t) got;
    err[used] = '\0';
    (void) close(pipefd[0]);
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int64_t
stack_status(const struct stack *s, enum cs_daemon_id d, const char *key, int timeout_ms)
{
    char ep[PATH_MAX + 32], needle[64], *reply = NULL;
    const char *p;
    int64_t v = -1;
    zsock_t *req;

    (void) snprintf(ep, sizeof ep, "ipc://%s/run/%s.control", s->dir, cs_daemon_name(d));
    req = zsock_new_req(ep);
    ck_assert_ptr_nonnull(req);
    zsock_set_rcvtimeo(req, timeout_ms);
    zsock_set_linger(req, 0);
    if (zstr_send(req, "status") == 0)
        reply = zstr_recv(req);
    (void) snprintf(needle, sizeof needle, "\"%s\":", key);
    if (reply && (p = strstr(reply, needle)))
        v = strtoll(p + strlen(needle), NULL, 10);
    zstr_free(&reply);
    zsock_destroy(&req);
    return v;
}

void
stack_await(const struct stack *s, enum cs_daemon_id d, const char *key, int64_t value,
            int timeout_ms)
{
    int64_t deadline = zclock_mono() + timeout_ms, v = -1;

    while (zclock_mono() < deadline) {
        v = stack_status(s, d, key, 1000);
        if (v >= value)
            return;
        zclock_sleep(20); /* the interval between two status polls */
    }
    ck_abort_msg("%s: %s stayed at %lld, below %lld, for %d ms", cs_daemon_name(d), key,
                 (long long) v, (long long) value, timeout_ms);
}
