/* The integration harness: a whole stack of real daemon processes in a temporary directory,
 * each under timeout(1) in its own process group, stopped by PID (never by name), with a
 * generated config, its logs, and readers for what the daemons report and write. Every
 * process group it starts in the background is noted in the registry of procs.h, and so
 * killed when the test process ends, whether the test passed, failed or timed out. */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "json.h"
#include "pixfmt.h"

#define STACK_EXTRA_MAX 4 /* other processes of a stack (clients) */

struct stack {
    char dir[64]; /* temporary directory holding everything below */
    char config[PATH_MAX];
    char movies[PATH_MAX];
    char stats[PATH_MAX];
    char netns[64];              /* network namespace the daemons run in; "" for this one */
    pid_t pid[CS_DAEMON_COUNT];  /* 0 when not running */
    int status[CS_DAEMON_COUNT]; /* exit status once reaped */
    /* Once reaped, what the daemon used over its life (wait4(), with its timeout(1)): */
    double cpu_s[CS_DAEMON_COUNT];    /* user + system CPU time */
    long maxrss_kib[CS_DAEMON_COUNT]; /* peak resident set */
    unsigned timeout_s;               /* each daemon is killed after this long; 0: 120 s */
    unsigned kill_after_s;            /* and this long after it was told to stop; 0: 30 s */
    pid_t extra[STACK_EXTRA_MAX];
    char mounted[PATH_MAX];    /* a file system mounted by the test, "" if none */
    char loop_image[PATH_MAX]; /* the image file behind it, "" for tmpfs */
    bool frozen;               /* fsfreeze'd: thawed before anything else at cleanup */
    pid_t thaw_pid;            /* the helper that thaws it anyway after a while, or 0 */
};

struct stack_params {
    const char *stream;
    enum cs_pixfmt pixfmt;
    unsigned width, height;
    double fps;
    uint64_t frames;
    unsigned wait_subscribers;
    const char *extra;         /* more INI text appended as is, or NULL */
    enum cs_source source;     /* CS_SOURCE_TESTPATTERN unless set */
    const char *camerad_extra; /* more [camerad] keys ("device = ...\n"), or NULL */
    const char *parent_dir;    /* where to make the stack's directory; NULL: $CS_TEST_TMPDIR */
    const char *dir_name;      /* its name there, reused if it exists; NULL: a fresh one */
    const char *movies;        /* saverd's directory (made if missing); NULL: <dir>/movies */
    const char *stats;         /* analyzerd's directory (made if missing); NULL: <dir>/stats */
    const char *netns;         /* network namespace to run the daemons in, or NULL */
};

/* The harness checks what it does with Check's ck_assert()s, which only work inside a Check
 * test. A program that is not a test (the benchmarks) runs its work through this: @fn(@arg)
 * runs as a Check test in this process (no fork, no time limit). Returns 0 if it ran through,
 * or -1 after printing the check that failed (file:line: message) on stderr; then the
 * caller kills what it started (stack_kill()). */
int stack_run_checked(const char *name, void (*fn)(void *arg), void *arg);

/* True when CS_VALGRIND_DAEMONS is set: stack_start() then runs each daemon under valgrind's
 * memcheck (tests/valgrind.supp; exit status 3 on an error or a definite leak) with ten
 * times the time limit. */
bool stack_under_valgrind(void);

/* Creates a fresh directory below $CS_TEST_TMPDIR (meson sets it inside the build tree, so
 * that test runs of different trees never meet) or /tmp. Returns 0 or -errno. */
int stack_mkdtemp(char *dir, size_t size);

/* Creates the directory and writes the config. Returns 0 or -errno. */
int stack_init(struct stack *s, const struct stack_params *p);

/* Writes the config again with @p (for daemons started from now on). Returns 0 or -errno. */
int stack_write_config(struct stack *s, const struct stack_params *p);

/* Starts daemon @d (under timeout, stderr to <dir>/<name>.log). Returns 0 or -errno. */
int stack_start(struct stack *s, enum cs_daemon_id d);

/* Starts every daemon of the roles table in the order the units come up: the fan-out, then
 * the subscribers, the producer last (it waits for the frame subscribers). Fails the test if
 * one does not start. */
void stack_start_all(struct stack *s);

/* Waits for daemon @d to exit and returns its exit status (128 + signal if killed). */
int stack_wait(struct stack *s, enum cs_daemon_id d);

/* Sends SIGTERM to @d (as systemd stops a unit), without waiting for it. */
void stack_term(const struct stack *s, enum cs_daemon_id d);

/* Sends SIGTERM to @d and waits for it. Returns its exit status. */
int stack_stop(struct stack *s, enum cs_daemon_id d);

/* The PID of daemon @d itself (the child of its timeout(1)), or 0 if it has none. */
pid_t stack_daemon_pid(const struct stack *s, enum cs_daemon_id d);

/* The PID of the child of process @pid (the command a timeout(1) runs), or 0 if none. */
pid_t stack_child_pid(pid_t pid);

/* Sends @sig to daemon @d itself, not to its timeout(1): SIGKILL kills the daemon as a crash
 * would, SIGSTOP/SIGCONT stall and resume it. Fails the test if it is not running. */
void stack_signal(const struct stack *s, enum cs_daemon_id d, int sig);

/* Waits for @d to exit and restarts it if systemd's Restart=on-failure with
 * RestartPreventExitStatus=78 would: after a non-zero exit other than 78, or a death by a
 * signal. Returns 1 if it restarted it, 0 if not; the exit status is in s->status[d]. */
int stack_supervise(struct stack *s, enum cs_daemon_id d);

/* Memory and descriptors of process @pid from /proc: VmRSS in KiB, or -1. */
long stack_rss_kib(pid_t pid);
/* Open file descriptors of @pid (entries of /proc/PID/fd), or -1. */
int stack_fd_count(pid_t pid);

/* Kills whatever of @s still runs (SIGKILL to each process group) and reaps it. Only kill()
 * and waitpid(): a signal handler may call it. */
void stack_kill(struct stack *s);

/* stack_kill() of the stack stack_init() made last, unless stack_destroy() came since:
 * exit() calls it, and so may a signal handler. (A failed test ends with _exit(), skipping
 * both its teardown and exit(): the registry of procs.h kills what it started.) */
void stack_kill_running(void);

/* Thaws and unmounts what the test mounted, kills whatever still runs (SIGKILL to each
 * process group) and removes the directory. Returns 0 if everything was removed. */
int stack_destroy(struct stack *s);

/* Member @key (a whole number) of the ledger @d logged last, the JSON object of its last
 * "ledger <when>: {...}" line, or -1 if absent. */
int64_t stack_ledger(const struct stack *s, enum cs_daemon_id d, const char *key);

/* Reads @d's whole log into @buf. */
void stack_log(const struct stack *s, enum cs_daemon_id d, char *buf, size_t size);

/* The single *.h5 file in @dir (fails the test if there is not exactly one). */
void stack_only_file(const char *dir, char *ret_path, size_t size);

/* The last *.h5 file in @dir by name: the newest run's (file names sort by start time). */
void stack_last_file(const char *dir, char *ret_path, size_t size);

/* Runs a binary of the build with @args (NULL-terminated) and returns its exit status, with
 * what it printed (stdout and stderr) in @err. */
int stack_run_tool(const char *name, const char *const *args, char *err, size_t err_size);

/* Runs @argv (a program path and its arguments, NULL-terminated) under timeout(1) with stdin
 * from /dev/null, and returns its exit status with what it wrote on stdout in @out and on
 * stderr in @err (each NUL-terminated, cut to its size). */
int stack_run_split(const char *const *argv, char *out, size_t out_size, char *err,
                    size_t err_size);

/* Runs camstackctl of the build with --config of @s and @args (NULL-terminated). */
int stack_ctl(const struct stack *s, const char *const *args, char *out, size_t out_size, char *err,
              size_t err_size);

/* stack_ctl() with the arguments in line and two arrays (not pointers) for the output:
 * STACK_CTL(&s, out, err, "camera", "set", "fps", "10"). */
#define STACK_CTL(s, out, err, ...)                                                       \
    stack_ctl((s), (const char *const[]){ __VA_ARGS__, NULL }, (out), sizeof(out), (err), \
              sizeof(err))

/* Sends @request to @d's control endpoint and puts the answer in @reply. Returns 0, or
 * -ETIMEDOUT if none came within @timeout_ms. */
int stack_request(const struct stack *s, enum cs_daemon_id d, const char *request, int timeout_ms,
                  char *reply, size_t size);
/* The same, with the command words @prefix (NULL-terminated, at most 6) before the binary:
 * setpriv to run it as another user, for instance. */
int stack_run_tool_as(const char *const *prefix, const char *name, const char *const *args,
                      char *err, size_t err_size);

/* Asks @d's control endpoint for "status" and returns its answer parsed (a new reference), or
 * NULL if the daemon did not answer within @timeout_ms. */
json_t *stack_status_json(const struct stack *s, enum cs_daemon_id d, int timeout_ms);

/* Member @key of @d's status answer as a whole number (a bool is 1 or 0), or -1 if the daemon
 * did not answer within @timeout_ms or the member is absent or not a number. */
int64_t stack_status(const struct stack *s, enum cs_daemon_id d, const char *key, int timeout_ms);

/* Member @key of @obj, a whole number >= 0 that must be there (fails the test if not). */
uint64_t stack_json_u64(const json_t *obj, const char *key);

/* Polls @d's status until @key >= @value (a state the daemon reports, not a guess at how
 * long it takes); fails the test after @timeout_ms. */
void stack_await(const struct stack *s, enum cs_daemon_id d, const char *key, int64_t value,
                 int timeout_ms);

/* Polls @d's log until it holds @text (a line the daemon writes when the event happened);
 * fails the test after @timeout_ms. */
void stack_await_log(const struct stack *s, enum cs_daemon_id d, const char *text, int timeout_ms);

/* True if @d's log holds @text. */
bool stack_log_has(const struct stack *s, enum cs_daemon_id d, const char *text);

/* "<build root>/@rel" into @buf. */
void stack_build_path(char *buf, size_t size, const char *rel);

/* Runs @argv (argv[0] a path or a name in PATH) in network namespace @netns (NULL: this
 * one) under timeout(1), and returns its exit status, with its stdout and stderr in @out. */
int stack_run(const char *netns, const char *const *argv, char *out, size_t out_size);

/* Starts @argv in the stack's network namespace under timeout(1), in its own process group,
 * stdout and stderr to <dir>/@log_name; it is killed by stack_destroy() if still running.
 * Returns its PID (> 0), or fails the test. */
pid_t stack_spawn(struct stack *s, const char *const *argv, const char *log_name);

/* Waits for a process of stack_spawn() and returns its exit status. */
int stack_reap(struct stack *s, pid_t pid);

/* Reads <dir>/@log_name into @buf. */
void stack_read_file(const struct stack *s, const char *log_name, char *buf, size_t size);
/* Runs @argv (NULL-terminated; argv[0] looked up in PATH) under timeout(1) for at most
 * @timeout_s, with its stdout and stderr in @out. Returns its exit status. */
int stack_run_cmd(const char *const *argv, int timeout_s, char *out, size_t size);

/* Runs tests/integration/@script with /usr/bin/python3 and @args, as stack_run_cmd(). */
int stack_python(const char *script, const char *const *args, char *out, size_t size);

/* Starts tests/integration/@script with /usr/bin/python3 and @args in the background, its
 * output going to @out_path. Returns its pid. */
pid_t stack_python_spawn(const char *script, const char *const *args, const char *out_path);

/* Waits for a process started by stack_python_spawn(); returns its exit status. */
int stack_python_reap(pid_t pid);

/* The JSON object in @text (from its first '{' to its last '}'): a new reference, or NULL. */
json_t *stack_json_parse(const char *text);

/* The whole number @key of the JSON object in @json: a member of it, or else the first found
 * in its objects and arrays, depth first in the order of the text; -1 if none. */
int64_t stack_json_i64(const char *json, const char *key);

/* Mounts a tmpfs of @size_mb over @dir (it stays the test's until stack_destroy()). */
void stack_mount_tmpfs(struct stack *s, const char *dir, unsigned size_mb);

/* Mounts a fresh ext4 file system of @size_mb, in an image file in the stack's directory,
 * over @dir. */
void stack_mount_ext4(struct stack *s, const char *dir, unsigned size_mb);

/* Freezes (every write to it blocks: a stalled disk) or thaws the mounted file system. A
 * frozen file system blocks sync(2) for the whole machine: a helper process thaws it after
 * STACK_FREEZE_MAX_S whatever happens to the test. */
#define STACK_FREEZE_MAX_S 15
void stack_freeze(struct stack *s, bool frozen);

/* The string value of @key in @d's status answer (at most @size bytes, JSON escapes kept),
 * or "" if absent. */
void stack_status_str(const struct stack *s, enum cs_daemon_id d, const char *key, char *buf,
                      size_t size);

/* The paths of the *.h5 files in @dir but a rotated run's run file (*.vds.h5), the parts of
 * a run in order (the first part has the shortest name). Returns their number (at most
 * @max). */
int stack_files(const char *dir, char paths[][PATH_MAX], int max);

/* A test that fails stops at once, before its teardown: what it mounted would outlive it
 * (what it started is the registry of procs.h's). stack_registry_open() (in main(), before
 * the tests) makes the mounts note themselves in a file; stack_registry_close() (after them)
 * thaws and unmounts what is still mounted, and removes the file. */
void stack_registry_open(void);
void stack_registry_close(void);
