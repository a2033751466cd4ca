#include "harness.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
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

/* Every daemon dies at the latest this long after it started, whatever happens to the test,
 * and at the latest S_KILL_AFTER_S after it was told to stop (timeout(1) arms that on the
 * SIGTERM it passes on; a daemon's orderly stop is bounded by its drain and linger times). */
#define S_PROCESS_TIMEOUT_S "120"
#define S_KILL_AFTER_S      "30"

extern char **environ;

static const char *
s_build_root(void)
{
    const char *b = getenv("CS_BUILD_ROOT");

    ck_assert_msg(b, "CS_BUILD_ROOT is not set (run through meson test)");
    return b;
}

int
stack_mkdtemp(char *dir, size_t size)
{
    const char *base = getenv("CS_TEST_TMPDIR");

    if (!base || !base[0])
        base = "/tmp";
    if (mkdir(base, 0755) < 0 && errno != EEXIST)
        return -errno;
    if (snprintf(dir, size, "%s/it-XXXXXX", base) >= (int) size)
        return -ENAMETOOLONG;
    return mkdtemp(dir) ? 0 : -errno;
}

/* The stack of the running test, so that daemons do not outlive a failed test: Check ends a
 * failing test's process with exit(), which skips the fixture's teardown but runs atexit. */
static struct stack *s_running;

static void
s_kill_running(void)
{
    if (!s_running)
        return;
    for (int d = 0; d < CS_DAEMON_COUNT; d++) {
        if (s_running->pid[d] > 0) {
            (void) kill(-s_running->pid[d], SIGKILL);
            (void) waitpid(s_running->pid[d], NULL, 0);
            s_running->pid[d] = 0;
        }
    }
}

int
stack_init(struct stack *s, const struct stack_params *p)
{
    const struct cs_pixfmt_info *pi = cs_pixfmt_info(p->pixfmt);
    char path[PATH_MAX + 32];
    FILE *f;
    int r;

    memset(s, 0, sizeof *s);
    if (!s_running)
        (void) atexit(s_kill_running);
    s_running = s;
    r = stack_mkdtemp(s->dir, sizeof s->dir);
    if (r < 0)
        return r;
    (void) snprintf(s->movies, sizeof s->movies, "%s/movies", s->dir);
    (void) snprintf(s->stats, sizeof s->stats, "%s/stats", s->dir);
    (void) snprintf(path, sizeof path, "%s/run", s->dir);
    if (mkdir(s->movies, 0755) < 0 || mkdir(s->stats, 0755) < 0 || mkdir(path, 0755) < 0)
        return -errno;
    (void) snprintf(s->config, sizeof s->config, "%s/camstack.ini", s->dir);
    f = fopen(s->config, "we");
    if (!f)
        return -errno;
    (void) fprintf(f,
                   "[stack]\nstream = %s\nruntime_dir = run\n\n"
                   "[camerad]\nsource = %s\nwidth = %u\nheight = %u\n"
                   "pixel_format = %s\nfps = %g\nframes = %llu\nwait_subscribers = %u\n"
                   "wait_timeout_ms = 20000\n%s\n"
                   "[analyzerd]\ndirectory = stats\n\n[saverd]\ndirectory = movies\n\n"
                   "[log]\nlevel = info\n%s",
                   p->stream ? p->stream : "it", cs_source_name(p->source), p->width, p->height,
                   pi->name, p->fps, (unsigned long long) p->frames, p->wait_subscribers,
                   p->camerad_extra ? p->camerad_extra : "", p->extra ? p->extra : "");
    return fclose(f) == 0 ? 0 : -errno;
}

int
stack_start(struct stack *s, enum cs_daemon_id d)
{
    const char *name = cs_daemon_name(d);
    char bin[PATH_MAX], log[PATH_MAX + 16];
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    /* --foreground: timeout(1) otherwise follows every signal it passes on with a SIGCONT,
     * which, arriving after a daemon that stopped quickly already exited, discards the
     * SIGSTOP of LeakSanitizer's exit-time tracer: the daemon then spins forever (ASan
     * builds). The process group is still ours (POSIX_SPAWN_SETPGROUP below). */
    char *argv[] = { "timeout", "--foreground", "--kill-after=5", S_PROCESS_TIMEOUT_S,
                     bin,       "--config",     s->config,        NULL };
    int r;

    (void) snprintf(bin, sizeof bin, "%s/daemons/%s/%s", s_build_root(), name, name);
    (void) snprintf(log, sizeof log, "%s/%s.log", s->dir, name);
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, log, O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawnattr_init(&attr);
    /* Its own process group, so that cleanup reaches timeout(1) and the daemon together. */
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
    r = posix_spawnp(&s->pid[d], "timeout", &fa, &attr, argv, environ);
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
    ck_assert_msg(s->pid[d] > 0, "%s is not running", cs_daemon_name(d));
    ck_assert_int_eq(kill(s->pid[d], SIGTERM), 0); /* timeout(1) passes it on */
    return stack_wait(s, d);
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
    if (s_running == s)
        s_running = NULL;
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
    static char log[1 << 16];
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
    char bin[PATH_MAX], *argv[16];
    int pipefd[2], st = 0, n = 0;
    posix_spawn_file_actions_t fa;
    ssize_t got;
    size_t used = 0;
    pid_t pid;

    (void) snprintf(bin, sizeof bin, "%s/daemons/%s/%s", s_build_root(), name, name);
    argv[n++] = "timeout";
    argv[n++] = "30";
    argv[n++] = bin;
    for (int i = 0; args[i] && n < 15; i++)
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

int
stack_run(const char *const *argv, char *out, size_t out_size, char *err, size_t err_size)
{
    char *args[32];
    int pout[2], perr[2], st = 0, n = 0;
    posix_spawn_file_actions_t fa;
    size_t used[2] = { 0, 0 };
    char *bufs[2] = { out, err };
    size_t sizes[2] = { out_size, err_size };
    bool open_fd[2] = { true, true };
    pid_t pid;

    args[n++] = "timeout";
    args[n++] = "--kill-after=5";
    args[n++] = "60";
    for (int i = 0; argv[i] && n < 31; i++)
        args[n++] = (char *) argv[i];
    args[n] = NULL;
    ck_assert_int_eq(pipe2(pout, O_CLOEXEC), 0);
    ck_assert_int_eq(pipe2(perr, O_CLOEXEC), 0);
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, pout[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&fa, perr[1], STDERR_FILENO);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    ck_assert_int_eq(posix_spawnp(&pid, "timeout", &fa, NULL, args, environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    (void) close(pout[1]);
    (void) close(perr[1]);
    /* Both pipes at once, so that a child filling one is never blocked by us on the other. */
    while (open_fd[0] || open_fd[1]) {
        struct pollfd fds[2] = { { open_fd[0] ? pout[0] : -1, POLLIN, 0 },
                                 { open_fd[1] ? perr[0] : -1, POLLIN, 0 } };

        if (poll(fds, 2, -1) < 0) {
            ck_assert_int_eq(errno, EINTR);
            continue;
        }
        for (int k = 0; k < 2; k++) {
            char sink[4096];
            ssize_t got;

            if (!(fds[k].revents & (POLLIN | POLLHUP)))
                continue;
            if (used[k] + 1 < sizes[k])
                got = read(fds[k].fd, bufs[k] + used[k], sizes[k] - used[k] - 1);
            else
                got = read(fds[k].fd, sink, sizeof sink); /* beyond the buffer: dropped */
            if (got <= 0)
                open_fd[k] = false;
            else if (used[k] + 1 < sizes[k])
                used[k] += (size_t) got;
        }
    }
    out[used[0]] = '\0';
    err[used[1]] = '\0';
    (void) close(pout[0]);
    (void) close(perr[0]);
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int
stack_ctl(const struct stack *s, const char *const *args, char *out, size_t out_size, char *err,
          size_t err_size)
{
    char bin[PATH_MAX];
    const char *argv[24];
    int n = 0;

    (void) snprintf(bin, sizeof bin, "%s/tools/camstackctl/camstackctl", s_build_root());
    argv[n++] = bin;
    argv[n++] = "--config";
    argv[n++] = s->config;
    for (int i = 0; args[i] && n < 23; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    return stack_run(argv, out, out_size, err, err_size);
}

int
stack_request(const struct stack *s, enum cs_daemon_id d, const char *request, int timeout_ms,
              char *reply, size_t size)
{
    char ep[PATH_MAX + 32], *answer = NULL;
    zsock_t *req;

    (void) snprintf(ep, sizeof ep, "ipc://%s/run/%s.control", s->dir, cs_daemon_name(d));
    req = zsock_new_req(ep);
    ck_assert_ptr_nonnull(req);
    zsock_set_rcvtimeo(req, timeout_ms);
    zsock_set_linger(req, 0);
    if (zstr_send(req, request) == 0)
        answer = zstr_recv(req);
    zsock_destroy(&req);
    if (!answer)
        return -ETIMEDOUT;
    (void) snprintf(reply, size, "%s", answer);
    zstr_free(&answer);
    return 0;
}

static int
s_cmp_path(const void *a, const void *b)
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

        if (len > 3 && strcmp(e->d_name + len - 3, ".h5") == 0 && n < max)
            (void) snprintf(ret_paths[n++], PATH_MAX, "%s/%s", dir, e->d_name);
    }
    (void) closedir(dp);
    qsort(ret_paths, (size_t) n, PATH_MAX, s_cmp_path);
    return n;
}
