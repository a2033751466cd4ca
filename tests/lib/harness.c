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
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>
#include <czmq.h>

#include "control.h"
#include "procs.h"

/* Every daemon dies at the latest this long after it started, whatever happens to the test
 * (unless the stack says otherwise: the soak runs for longer; ten times longer under
 * valgrind), and at the latest S_KILL_AFTER_S after it was told to stop (timeout(1) arms that
 * on the SIGTERM it passes on; a daemon's orderly stop is bounded by its drain and linger
 * times). */
#define S_PROCESS_TIMEOUT   120
#define S_PROCESS_TIMEOUT_S "120"
#define S_KILL_AFTER_S      30
#define S_KILL_AFTER_ARG    "--kill-after=30"

extern char **environ;

static void
s_register(const char *what, const char *value)
{
    const char *path = getenv("CS_TEST_REGISTRY");
    FILE *f;

    if (!path || !(f = fopen(path, "ae")))
        return;
    (void) fprintf(f, "%s %s\n", what, value);
    (void) fclose(f);
}

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

/* Starts @argv under "timeout @timeout_s" (inside "ip netns exec @netns" if not empty), in its
 * own process group so that cleanup reaches timeout(1) and its child together, with stderr
 * (and stdout if @both) appended to @log. Returns 0 or a negative errno. */
static int
s_spawn(const char *netns, const char *const *argv, const char *timeout_s, const char *kill_after,
        const char *log, bool both, pid_t *ret_pid)
{
    const char *full[32];
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    int n = 0, r;

    if (netns && netns[0]) {
        full[n++] = "ip";
        full[n++] = "netns";
        full[n++] = "exec";
        full[n++] = netns;
    }
    /* --foreground: timeout(1) passes a SIGTERM on to the daemon once; without it, it also
     * signals its process group, and the daemon would take the second one as "stop now". */
    full[n++] = "timeout";
    full[n++] = "--foreground";
    full[n++] = kill_after;
    full[n++] = timeout_s;
    for (int i = 0; argv[i] && n < 31; i++)
        full[n++] = argv[i];
    full[n] = NULL;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, log, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (both)
        posix_spawn_file_actions_adddup2(&fa, STDERR_FILENO, STDOUT_FILENO);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
    r = posix_spawnp(ret_pid, full[0], &fa, &attr, (char *const *) full, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (r == 0)
        r = -test_procs_add(*ret_pid);
    return -r;
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

/* The stack of the running test, killed at exit() and by a signal handler that calls
 * stack_kill_running(). A test that fails never gets there (Check ends it with _exit()): the
 * registry of procs.h kills what it started. */
static struct stack *s_running;

void
stack_kill(struct stack *s)
{
    for (int d = 0; d < CS_DAEMON_COUNT; d++) {
        if (s->pid[d] > 0) {
            (void) kill(-s->pid[d], SIGKILL);
            (void) waitpid(s->pid[d], NULL, 0);
            test_procs_forget(s->pid[d]);
            s->pid[d] = 0;
        }
    }
    for (int i = 0; i < STACK_EXTRA_MAX; i++) {
        if (s->extra[i] > 0) {
            (void) kill(-s->extra[i], SIGKILL);
            (void) waitpid(s->extra[i], NULL, 0);
            test_procs_forget(s->extra[i]);
            s->extra[i] = 0;
        }
    }
}

void
stack_kill_running(void)
{
    if (s_running)
        stack_kill(s_running);
}

int
stack_init(struct stack *s, const struct stack_params *p)
{
    char path[PATH_MAX + 32];
    int r;

    memset(s, 0, sizeof *s);
    if (!s_running)
        (void) atexit(stack_kill_running);
    s_running = s;
    if (p->parent_dir && p->dir_name) {
        if (snprintf(s->dir, sizeof s->dir, "%s/%s", p->parent_dir, p->dir_name)
            >= (int) sizeof s->dir)
            return -ENAMETOOLONG;
        if (mkdir(s->dir, 0755) < 0 && errno != EEXIST)
            return -errno;
    } else if (p->parent_dir) {
        (void) snprintf(s->dir, sizeof s->dir, "%s/s-XXXXXX", p->parent_dir);
        if (strlen(s->dir) + 1 >= sizeof s->dir)
            return -ENAMETOOLONG;
        if (!mkdtemp(s->dir))
            return -errno;
    } else {
        r = stack_mkdtemp(s->dir, sizeof s->dir);
        if (r < 0)
            return r;
    }
    if (p->netns)
        (void) snprintf(s->netns, sizeof s->netns, "%s", p->netns);
    if (p->movies)
        (void) snprintf(s->movies, sizeof s->movies, "%s", p->movies);
    else
        (void) snprintf(s->movies, sizeof s->movies, "%s/movies", s->dir);
    if (p->stats)
        (void) snprintf(s->stats, sizeof s->stats, "%s", p->stats);
    else
        (void) snprintf(s->stats, sizeof s->stats, "%s/stats", s->dir);
    (void) snprintf(path, sizeof path, "%s/run", s->dir);
    if ((mkdir(s->movies, 0755) < 0 && errno != EEXIST)
        || (mkdir(s->stats, 0755) < 0 && errno != EEXIST)
        || (mkdir(path, 0755) < 0 && errno != EEXIST))
        return -errno;
    (void) snprintf(s->config, sizeof s->config, "%s/camstack.ini", s->dir);
    return stack_write_config(s, p);
}

/* Whether INI text @extra sets @key in [@section] (a test's own value wins over the generous
 * default below: a key may be set only once). */
static bool
s_sets(const char *extra, const char *section, const char *key)
{
    char header[64];
    const char *p, *end;
    size_t klen = strlen(key);

    (void) snprintf(header, sizeof header, "[%s]", section);
    for (p = extra ? strstr(extra, header) : NULL; p; p = strstr(p + 1, header)) {
        end = strchr(p + 1, '[');
        for (const char *k = strstr(p, key); k && (!end || k < end); k = strstr(k + 1, key)) {
            const char *after = k + klen;

            if ((k == extra || k[-1] == '\n') && (*after == ' ' || *after == '='))
                return true;
        }
    }
    return false;
}

int
stack_write_config(struct stack *s, const struct stack_params *p)
{
    const struct cs_pixfmt_info *pi = cs_pixfmt_info(p->pixfmt);
    FILE *f;

    f = fopen(s->config, "we");
    if (!f)
        return -errno;
    /* The stop's time limits are generous: a daemon waits only while something is still on
     * its way, and under valgrind, the sanitizers or a loaded machine the default 2 s can
     * pass with frames still queued, which cuts the run at an orderly stop. */
    (void) fprintf(
        f,
        "[stack]\nstream = %s\nruntime_dir = run\n\n"
        "[camerad]\nsource = %s\nwidth = %u\nheight = %u\n"
        "pixel_format = %s\nfps = %g\nframes = %llu\nwait_subscribers = %u\n"
        "wait_timeout_ms = 20000\n%s\n"
        "[pubd]\n%s\n"
        "[analyzerd]\ndirectory = %s\n%s\n"
        "[saverd]\ndirectory = %s\n%s\n"
        "[viewd]\n%s\n"
        "[log]\n%s%s",
        p->stream ? p->stream : "it", cs_source_name(p->source), p->width, p->height, pi->name,
        p->fps, (unsigned long long) p->frames, p->wait_subscribers,
        p->camerad_extra ? p->camerad_extra : "",
        s_sets(p->extra, "pubd", "linger_ms") ? "" : "linger_ms = 20000\n",
        p->stats ? s->stats : "stats",
        s_sets(p->extra, "analyzerd", "drain_timeout_ms") ? "" : "drain_timeout_ms = 20000\n",
        p->movies ? s->movies : "movies",
        s_sets(p->extra, "saverd", "drain_timeout_ms") ? "" : "drain_timeout_ms = 20000\n",
        s_sets(p->extra, "viewd", "port") ? "" : "port = 0\n",
        s_sets(p->extra, "log", "level") ? "" : "level = info\n", p->extra ? p->extra : "");
    return fclose(f) == 0 ? 0 : -errno;
}

void
stack_start_all(struct stack *s)
{
    static const enum cs_role order[] = { CS_ROLE_FANOUT, CS_ROLE_FRAME_SUBSCRIBER, CS_ROLE_SAMPLER,
                                          CS_ROLE_PRODUCER };

    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        for (enum cs_daemon_id d = 0; d < CS_DAEMON_COUNT; d++) {
            if (cs_daemon_role(d)->role == order[i])
                ck_assert_msg(stack_start(s, d) == 0, "%s did not start", cs_daemon_name(d));
        }
    }
}

int
stack_start(struct stack *s, enum cs_daemon_id d)
{
    const char *name = cs_daemon_name(d);
    char bin[PATH_MAX], log[PATH_MAX + 16], limit[32], kill_after[48];
    char supp[PATH_MAX + 32];
    const char *argv[] = { bin, "--config", s->config, NULL };
    const char *vg_argv[] = { "valgrind",
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

    (void) snprintf(bin, sizeof bin, "%s/daemons/%s/%s", s_build_root(), name, name);
    (void) snprintf(log, sizeof log, "%s/%s.log", s->dir, name);
    (void) snprintf(limit, sizeof limit, "%u",
                    (s->timeout_s ? s->timeout_s : S_PROCESS_TIMEOUT) * (vg ? 10 : 1));
    (void) snprintf(kill_after, sizeof kill_after, "--kill-after=%u",
                    s->kill_after_s ? s->kill_after_s : S_KILL_AFTER_S);
    if (vg) /* the source tree is needed only then: the benchmarks run without one */
        (void) snprintf(supp, sizeof supp, "--suppressions=%s/tests/valgrind.supp",
                        s_source_root());
    /* stdout to the log too: a daemon left running by a failed test must not hold the
     * test runner's stdout open. */
    return s_spawn(s->netns, vg ? vg_argv : argv, limit, kill_after, log, true, &s->pid[d]);
}

int
stack_wait(struct stack *s, enum cs_daemon_id d)
{
    struct rusage ru;
    int st = 0;

    ck_assert_msg(s->pid[d] > 0, "%s is not running", cs_daemon_name(d));
    /* timeout(1) has reaped the daemon: its rusage holds the daemon's. */
    while (wait4(s->pid[d], &st, 0, &ru) < 0)
        ck_assert_int_eq(errno, EINTR);
    test_procs_forget(s->pid[d]);
    s->pid[d] = 0;
    s->status[d] = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    s->cpu_s[d] = (double) ru.ru_utime.tv_sec + (double) ru.ru_utime.tv_usec / 1e6
                  + (double) ru.ru_stime.tv_sec + (double) ru.ru_stime.tv_usec / 1e6;
    s->maxrss_kib[d] = ru.ru_maxrss;
    return s->status[d];
}

void
stack_term(const struct stack *s, enum cs_daemon_id d)
{
    ck_assert_msg(s->pid[d] > 0, "%s is not running", cs_daemon_name(d));
    /* timeout(1) --foreground passes it on to the daemon once (as systemd sends one) and arms
     * its --kill-after. */
    ck_assert_int_eq(kill(s->pid[d], SIGTERM), 0);
}

int
stack_stop(struct stack *s, enum cs_daemon_id d)
{
    stack_term(s, d);
    return stack_wait(s, d);
}

pid_t
stack_daemon_pid(const struct stack *s, enum cs_daemon_id d)
{
    return s->pid[d] > 0 ? stack_child_pid(s->pid[d]) : 0;
}

pid_t
stack_child_pid(pid_t pid)
{
    char path[64];
    long child = 0;
    FILE *f;

    (void) snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int) pid, (int) pid);
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
s_remove(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

/* Thaws without asking whether it worked (the helper may have been first). */
static void
s_thaw(struct stack *s)
{
    char out[1024];

    (void) stack_run_cmd((const char *[]){ "fsfreeze", "--unfreeze", s->mounted, NULL }, 30, out,
                         sizeof out);
    s->frozen = false;
    if (s->thaw_pid > 0) {
        (void) kill(-s->thaw_pid, SIGKILL);
        (void) waitpid(s->thaw_pid, NULL, 0);
        s->thaw_pid = 0;
    }
}

static void
s_unmount(struct stack *s)
{
    char out[1024];

    if (s->frozen)
        s_thaw(s);
    if (!s->mounted[0])
        return;
    /* Daemons that still hold files there are killed below; a lazy unmount lets go now. */
    if (stack_run_cmd((const char *[]){ "umount", s->mounted, NULL }, 30, out, sizeof out) != 0)
        (void) stack_run_cmd((const char *[]){ "umount", "-l", s->mounted, NULL }, 30, out,
                             sizeof out);
    s->mounted[0] = '\0';
}

int
stack_destroy(struct stack *s)
{
    if (s->frozen)
        s_thaw(s); /* a daemon blocked on it could not even be killed */
    stack_kill(s);
    if (s_running == s)
        s_running = NULL;
    s_unmount(s);
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

/* The JSON object a line of @log ends with, after "ledger <when>: ", of the last such line;
 * NULL if there is none. */
static json_t *
s_last_ledger(const char *log)
{
    json_t *last = NULL;

    for (const char *line = log; line && *line;) {
        const char *eol = strchr(line, '\n'), *at = strstr(line, "ledger "), *brace;
        size_t len = eol ? (size_t) (eol - line) : strlen(line);

        brace = at && at < line + len ? memchr(at, '{', len - (size_t) (at - line)) : NULL;
        if (brace && brace > at && brace[-1] == ' ' && brace[-2] == ':') {
            json_t *j = cs_json_parse_object(brace, len - (size_t) (brace - line), NULL, 0);

            if (j) {
                json_decref(last);
                last = j;
            }
        }
        line = eol ? eol + 1 : NULL;
    }
    return last;
}

int64_t
stack_ledger(const struct stack *s, enum cs_daemon_id d, const char *key)
{
    static char log[1 << 22]; /* logs of restarted daemons are appended: keep room */
    json_t *ledger;
    int64_t v = -1;

    stack_log(s, d, log, sizeof log);
    ledger = s_last_ledger(log);
    if (ledger && cs_json_get_i64(ledger, key, &v) < 0)
        v = -1;
    json_decref(ledger);
    return v;
}

/* The number of .h5 files in @dir; the last by name (the newest run's) in @ret_path. */
static int
s_h5_files(const char *dir, char *ret_path, size_t size)
{
    DIR *dp = opendir(dir);
    struct dirent *e;
    char last[NAME_MAX + 1] = "";
    int n = 0;

    ck_assert_ptr_nonnull(dp);
    while ((e = readdir(dp))) {
        size_t len = strlen(e->d_name);

        if (len > 3 && strcmp(e->d_name + len - 3, ".h5") == 0) {
            if (strcmp(e->d_name, last) > 0)
                (void) snprintf(last, sizeof last, "%s", e->d_name);
            n++;
        }
    }
    (void) closedir(dp);
    (void) snprintf(ret_path, size, "%s/%s", dir, last);
    return n;
}

void
stack_only_file(const char *dir, char *ret_path, size_t size)
{
    int n = s_h5_files(dir, ret_path, size);

    ck_assert_msg(n == 1, "expected one .h5 file in %s, found %d", dir, n);
}

void
stack_last_file(const char *dir, char *ret_path, size_t size)
{
    ck_assert_msg(s_h5_files(dir, ret_path, size) > 0, "no .h5 file in %s", dir);
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
    char bin[PATH_MAX];
    const char *argv[24];
    int n = 0;

    (void) snprintf(bin, sizeof bin, "%s/daemons/%s/%s", s_build_root(), name, name);
    for (int i = 0; prefix && prefix[i] && n < 8; i++)
        argv[n++] = prefix[i];
    argv[n++] = bin;
    for (int i = 0; args[i] && n < 23; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    return stack_run(NULL, argv, err, err_size);
}

void
stack_build_path(char *buf, size_t size, const char *rel)
{
    ck_assert_int_lt(snprintf(buf, size, "%s/%s", s_build_root(), rel), (int) size);
}

int
stack_run(const char *netns, const char *const *args, char *err, size_t err_size)
{
    char *argv[32];
    int pipefd[2], st = 0, n = 0;
    posix_spawn_file_actions_t fa;
    ssize_t got;
    size_t used = 0;
    pid_t pid;

    if (netns && netns[0]) {
        argv[n++] = "ip";
        argv[n++] = "netns";
        argv[n++] = "exec";
        argv[n++] = (char *) netns;
    }
    argv[n++] = "timeout";
    argv[n++] = "30";
    for (int i = 0; args[i] && n < 31; i++)
        argv[n++] = (char *) args[i];
    argv[n] = NULL;
    ck_assert_int_eq(pipe2(pipefd, O_CLOEXEC), 0);
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDERR_FILENO);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
    ck_assert_int_eq(posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    (void) close(pipefd[1]);
    while (used + 1 < err_size && (got = read(pipefd[0], err + used, err_size - used - 1)) > 0)
        used += (size_t) got;
    err[used] = '\0';
    (void) close(pipefd[0]);
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

json_t *
stack_status_json(const struct stack *s, enum cs_daemon_id d, int timeout_ms)
{
    static char reply[CS_CONTROL_REPLY_MAX];

    if (stack_request(s, d, "status", timeout_ms, reply, sizeof reply) < 0)
        return NULL;
    return cs_json_parse_object(reply, strlen(reply), NULL, 0);
}

/* A number or a bool of @obj as a whole number (true 1, false 0, a real cut), or -1. */
static int64_t
s_json_number(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);

    if (json_is_integer(v))
        return (int64_t) json_integer_value(v);
    if (json_is_real(v))
        return (int64_t) json_real_value(v);
    if (json_is_boolean(v))
        return json_is_true(v) ? 1 : 0;
    return -1;
}

int64_t
stack_status(const struct stack *s, enum cs_daemon_id d, const char *key, int timeout_ms)
{
    json_t *status = stack_status_json(s, d, timeout_ms);
    int64_t v = status ? s_json_number(status, key) : -1;

    json_decref(status);
    return v;
}

uint64_t
stack_json_u64(const json_t *obj, const char *key)
{
    uint64_t v = 0;

    ck_assert_msg(cs_json_get_u64(obj, key, &v) == 0, "no unsigned '%s'", key);
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
stack_run_split(const char *const *argv, char *out, size_t out_size, char *err, size_t err_size)
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
    return stack_run_split(argv, out, out_size, err, err_size);
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

bool
stack_log_has(const struct stack *s, enum cs_daemon_id d, const char *text)
{
    static char log[1 << 18];

    stack_log(s, d, log, sizeof log);
    return strstr(log, text) != NULL;
}

void
stack_await_log(const struct stack *s, enum cs_daemon_id d, const char *text, int timeout_ms)
{
    int64_t deadline = zclock_mono() + timeout_ms;

    while (zclock_mono() < deadline) {
        if (stack_log_has(s, d, text))
            return;
        zclock_sleep(20); /* the interval between two looks at the log */
    }
    ck_abort_msg("%s did not log \"%s\" within %d ms", cs_daemon_name(d), text, timeout_ms);
}

pid_t
stack_spawn(struct stack *s, const char *const *argv, const char *log_name)
{
    char log[PATH_MAX + 64];
    int slot = -1;
    pid_t pid = 0;

    for (int i = 0; i < STACK_EXTRA_MAX && slot < 0; i++) {
        if (s->extra[i] == 0)
            slot = i;
    }
    ck_assert_msg(slot >= 0, "more than %d extra processes", STACK_EXTRA_MAX);
    (void) snprintf(log, sizeof log, "%s/%s", s->dir, log_name);
    ck_assert_int_eq(
        s_spawn(s->netns, argv, S_PROCESS_TIMEOUT_S, S_KILL_AFTER_ARG, log, true, &pid), 0);
    s->extra[slot] = pid;
    return pid;
}

int
stack_run_cmd(const char *const *argv, int timeout_s, char *out, size_t size)
{
    char secs[16], *args[32];
    int pipefd[2], st = 0, n = 0;
    posix_spawn_file_actions_t fa;
    ssize_t got;
    size_t used = 0;
    pid_t pid;

    (void) snprintf(secs, sizeof secs, "%d", timeout_s);
    args[n++] = "timeout";
    args[n++] = secs;
    for (int i = 0; argv[i] && n < 31; i++)
        args[n++] = (char *) argv[i];
    args[n] = NULL;
    ck_assert_int_eq(pipe2(pipefd, O_CLOEXEC), 0);
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDERR_FILENO);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    ck_assert_int_eq(posix_spawnp(&pid, "timeout", &fa, NULL, args, environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    (void) close(pipefd[1]);
    while (used + 1 < size && (got = read(pipefd[0], out + used, size - used - 1)) > 0)
        used += (size_t) got;
    out[used] = '\0';
    (void) close(pipefd[0]);
    while (waitpid(pid, &st, 0) < 0)
        ck_assert_int_eq(errno, EINTR);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void
s_python_argv(const char *script, const char *const *args, char *path, size_t path_size,
              const char **argv, int max)
{
    const char *src = getenv("CS_SOURCE_ROOT");
    int n = 0;

    ck_assert_msg(src, "CS_SOURCE_ROOT is not set (run through meson test)");
    (void) snprintf(path, path_size, "%s/tests/integration/%s", src, script);
    argv[n++] = "/usr/bin/python3"; /* Debian's, with python3-h5py: not a pyenv one */
    argv[n++] = path;
    for (int i = 0; args[i] && n < max - 1; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
}

int
stack_python(const char *script, const char *const *args, char *out, size_t size)
{
    char path[PATH_MAX];
    const char *argv[32];

    s_python_argv(script, args, path, sizeof path, argv, 32);
    return stack_run_cmd(argv, 300, out, size);
}

pid_t
stack_python_spawn(const char *script, const char *const *args, const char *out_path)
{
    char path[PATH_MAX], *argv[36];
    const char *pargv[32];
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    pid_t pid;
    int n = 0;

    s_python_argv(script, args, path, sizeof path, pargv, 32);
    argv[n++] = "timeout";
    argv[n++] = "120";
    for (int i = 0; pargv[i]; i++)
        argv[n++] = (char *) pargv[i];
    argv[n] = NULL;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, out_path, O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
    ck_assert_int_eq(posix_spawnp(&pid, "timeout", &fa, &attr, argv, environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    ck_assert_int_eq(test_procs_add(pid), 0);
    return pid;
}

int
stack_reap(struct stack *s, pid_t pid)
{
    int st = 0;

    while (waitpid(pid, &st, 0) < 0)
        ck_assert_int_eq(errno, EINTR);
    test_procs_forget(pid);
    for (int i = 0; i < STACK_EXTRA_MAX; i++) {
        if (s->extra[i] == pid)
            s->extra[i] = 0;
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

void
stack_read_file(const struct stack *s, const char *name, char *buf, size_t size)
{
    char path[PATH_MAX + 64];
    size_t n = 0;
    FILE *f;

    buf[0] = '\0';
    (void) snprintf(path, sizeof path, "%s/%s", s->dir, name);
    f = fopen(path, "re");
    if (!f)
        return;
    n = fread(buf, 1, size - 1, f);
    buf[n] = '\0';
    (void) fclose(f);
}

int
stack_python_reap(pid_t pid)
{
    int st = 0;

    while (waitpid(pid, &st, 0) < 0)
        ck_assert_int_eq(errno, EINTR);
    test_procs_forget(pid);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

json_t *
stack_json_parse(const char *text)
{
    const char *first = strchr(text, '{'), *last = strrchr(text, '}');

    if (!first || !last || last < first)
        return NULL;
    return cs_json_parse_object(first, (size_t) (last - first) + 1, NULL, 0);
}

/* Member @key of @obj, or else the first found in its objects and arrays, depth first. */
static const json_t *
s_json_find(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);

    if (v)
        return v;
    if (json_is_object(obj)) {
        for (void *it = json_object_iter((json_t *) obj); it;
             it = json_object_iter_next((json_t *) obj, it)) {
            if ((v = s_json_find(json_object_iter_value(it), key)))
                return v;
        }
    } else if (json_is_array(obj)) {
        for (size_t i = 0; i < json_array_size(obj); i++) {
            if ((v = s_json_find(json_array_get(obj, i), key)))
                return v;
        }
    }
    return NULL;
}

int64_t
stack_json_i64(const char *json, const char *key)
{
    json_t *obj = stack_json_parse(json);
    const json_t *v = obj ? s_json_find(obj, key) : NULL;
    int64_t r = json_is_integer(v) ? (int64_t) json_integer_value(v) : -1;

    json_decref(obj);
    return r;
}

static void
s_must(const char *const *argv)
{
    char out[4096];
    int rc = stack_run_cmd(argv, 60, out, sizeof out);

    ck_assert_msg(rc == 0, "'%s %s' failed (%d): %s", argv[0], argv[1] ? argv[1] : "", rc, out);
}

void
stack_mount_tmpfs(struct stack *s, const char *dir, unsigned size_mb)
{
    char opts[64];

    ck_assert_msg(!s->mounted[0], "one mount per test");
    (void) snprintf(opts, sizeof opts, "size=%um,mode=0755", size_mb);
    s_register("mount", dir);
    s_must((const char *[]){ "mount", "-t", "tmpfs", "-o", opts, "camstack-test", dir, NULL });
    (void) snprintf(s->mounted, sizeof s->mounted, "%s", dir);
}

void
stack_mount_ext4(struct stack *s, const char *dir, unsigned size_mb)
{
    char size[32];

    ck_assert_msg(!s->mounted[0], "one mount per test");
    (void) snprintf(s->loop_image, sizeof s->loop_image, "%s/disk.img", s->dir);
    (void) snprintf(size, sizeof size, "%um", size_mb);
    s_must((const char *[]){ "truncate", "-s", size, s->loop_image, NULL });
    s_must((const char *[]){ "mkfs.ext4", "-q", "-F", s->loop_image, NULL });
    s_register("mount", dir);
    s_must((const char *[]){ "mount", "-o", "loop", s->loop_image, dir, NULL });
    (void) snprintf(s->mounted, sizeof s->mounted, "%s", dir);
}

/* A process group that thaws @dir after STACK_FREEZE_MAX_S: a test that fails while a file
 * system is frozen exits at once, and nothing else would thaw it until the end of the suite.
 * The one process not in the registry of procs.h: it is there to outlive such a test, and
 * ends by itself. */
static pid_t
s_spawn_thaw(const char *dir)
{
    char script[64];
    char *argv[] = { "timeout", "60", "sh", "-c", script, (char *) dir, NULL };
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    pid_t pid = 0;

    (void) snprintf(script, sizeof script, "sleep %d; exec fsfreeze --unfreeze \"$0\"",
                    STACK_FREEZE_MAX_S);
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
    ck_assert_int_eq(posix_spawnp(&pid, "timeout", &fa, &attr, argv, environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    return pid;
}

void
stack_freeze(struct stack *s, bool frozen)
{
    ck_assert_msg(s->mounted[0], "nothing mounted to freeze");
    if (frozen)
        s->thaw_pid = s_spawn_thaw(s->mounted);
    s_must((const char *[]){ "fsfreeze", frozen ? "--freeze" : "--unfreeze", s->mounted, NULL });
    s->frozen = frozen;
    if (!frozen && s->thaw_pid > 0) {
        (void) kill(-s->thaw_pid, SIGKILL);
        (void) waitpid(s->thaw_pid, NULL, 0);
        s->thaw_pid = 0;
    }
}

void
stack_status_str(const struct stack *s, enum cs_daemon_id d, const char *key, char *buf,
                 size_t size)
{
    json_t *status = stack_status_json(s, d, 2000);

    buf[0] = '\0';
    if (status && cs_json_copy_string(status, key, buf, size) < 0)
        buf[0] = '\0';
    json_decref(status);
}

static int
s_part_order(const void *a, const void *b)
{
    size_t la = strlen(a), lb = strlen(b);

    if (la != lb)
        return la < lb ? -1 : 1;
    return strcmp(a, b);
}

int
stack_files(const char *dir, char paths[][PATH_MAX], int max)
{
    DIR *dp = opendir(dir);
    struct dirent *e;
    int n = 0;

    ck_assert_ptr_nonnull(dp);
    while ((e = readdir(dp)) && n < max) {
        size_t len = strlen(e->d_name);

        /* A rotated run's run file (<first part>.vds.h5) is no part. */
        if (len > 3 && strcmp(e->d_name + len - 3, ".h5") == 0
            && !(len > 7 && strcmp(e->d_name + len - 7, ".vds.h5") == 0))
            (void) snprintf(paths[n++], PATH_MAX, "%s/%s", dir, e->d_name);
    }
    (void) closedir(dp);
    qsort(paths, (size_t) n, PATH_MAX, s_part_order);
    return n;
}

void
stack_registry_open(void)
{
    char path[64];

    (void) snprintf(path, sizeof path, "/tmp/camstack-it-registry-%d", (int) getpid());
    (void) unlink(path);
    (void) setenv("CS_TEST_REGISTRY", path, 1);
}

static bool
s_is_mounted(const char *dir)
{
    char line[4096], mnt[PATH_MAX];
    bool found = false;
    FILE *f = fopen("/proc/self/mounts", "re");

    while (f && !found && fgets(line, sizeof line, f))
        found = sscanf(line, "%*s %4095s", mnt) == 1 && strcmp(mnt, dir) == 0;
    if (f)
        (void) fclose(f);
    return found;
}

/* Runs @argv, output discarded, and waits for it. No ck_* call: this runs outside a test,
 * where Check would exit the whole program on the first one. */
static void
s_run_quiet(const char *const *argv)
{
    posix_spawn_file_actions_t fa;
    pid_t pid;

    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    if (posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *) argv, environ) == 0)
        (void) waitpid(pid, NULL, 0);
    posix_spawn_file_actions_destroy(&fa);
}

void
stack_registry_close(void)
{
    const char *path = getenv("CS_TEST_REGISTRY");
    char line[PATH_MAX + 16];
    FILE *f;

    if (!path || !(f = fopen(path, "re")))
        return;
    while (fgets(line, sizeof line, f)) {
        char *v = strchr(line, ' ');

        if (!v)
            continue;
        *v++ = '\0';
        v[strcspn(v, "\n")] = '\0';
        if (strcmp(line, "mount") == 0 && s_is_mounted(v)) {
            s_run_quiet((const char *[]){ "timeout", "30", "fsfreeze", "--unfreeze", v, NULL });
            s_run_quiet((const char *[]){ "timeout", "30", "umount", "-l", v, NULL });
        }
    }
    (void) fclose(f);
    (void) unlink(path);
}
