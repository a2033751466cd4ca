/* The integration harness: a whole stack of real daemon processes in a temporary directory,
 * each under timeout(1) in its own process group, stopped by PID (never by name), with a
 * generated config, its logs, and readers for what the daemons report and write. */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "pixfmt.h"

struct stack {
    char dir[64]; /* temporary directory holding everything below */
    char config[PATH_MAX];
    char movies[PATH_MAX];
    char stats[PATH_MAX];
    pid_t pid[CS_DAEMON_COUNT];  /* 0 when not running */
    int status[CS_DAEMON_COUNT]; /* exit status once reaped */
    unsigned timeout_s;          /* each daemon is killed after this long; 0: 120 s */
};

struct stack_params {
    const char *stream;
    enum cs_pixfmt pixfmt;
    unsigned width, height;
    double fps;
    uint64_t frames;
    unsigned wait_subscribers;
    const char *extra; /* more INI text appended as is, or NULL */
};

/* True when CS_VALGRIND_DAEMONS is set: stack_start() then runs each daemon under valgrind's
 * memcheck (tests/valgrind.supp; exit status 3 on an error or a definite leak) with ten
 * times the time limit. */
bool stack_under_valgrind(void);

/* Creates the directory and writes the config. Returns 0 or -errno. */
int stack_init(struct stack *s, const struct stack_params *p);

/* Starts daemon @d (under timeout, stderr to <dir>/<name>.log). Returns 0 or -errno. */
int stack_start(struct stack *s, enum cs_daemon_id d);

/* Waits for daemon @d to exit and returns its exit status (128 + signal if killed). */
int stack_wait(struct stack *s, enum cs_daemon_id d);

/* Sends SIGTERM to @d and waits for it. Returns its exit status. */
int stack_stop(struct stack *s, enum cs_daemon_id d);

/* The PID of daemon @d itself (the child of its timeout(1)), or 0 if it has none. */
pid_t stack_daemon_pid(const struct stack *s, enum cs_daemon_id d);

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

/* The .h5 files in @dir, sorted by name (the run id and part number order them), at most
 * @max, into @ret_paths. Returns how many there are. */
int stack_files(const char *dir, char ret_paths[][PATH_MAX], int max);

/* Kills whatever still runs (SIGKILL to each process group) and removes the directory.
 * Returns 0 if everything was removed. */
int stack_destroy(struct stack *s);

/* The value of @key in the last "ledger" line of @d's log, or -1 if absent. */
int64_t stack_ledger(const struct stack *s, enum cs_daemon_id d, const char *key);

/* Reads @d's whole log into @buf. */
void stack_log(const struct stack *s, enum cs_daemon_id d, char *buf, size_t size);

/* The single *.h5 file in @dir (fails the test if there is not exactly one). */
void stack_only_file(const char *dir, char *ret_path, size_t size);

/* Runs a binary of the build with @args (NULL-terminated) and returns its exit status, with
 * what it printed (stdout and stderr) in @err. */
int stack_run_tool(const char *name, const char *const *args, char *err, size_t err_size);

/* The same, with the command words @prefix (NULL-terminated, at most 6) before the binary:
 * setpriv to run it as another user, for instance. */
int stack_run_tool_as(const char *const *prefix, const char *name, const char *const *args,
                      char *err, size_t err_size);

/* Asks @d's control endpoint for "status" and returns the unsigned value of @key, or -1 if
 * the daemon did not answer within @timeout_ms or the key is absent. */
int64_t stack_status(const struct stack *s, enum cs_daemon_id d, const char *key, int timeout_ms);

/* Polls @d's status until @key >= @value (a state the daemon reports, not a guess at how
 * long it takes); fails the test after @timeout_ms. */
void stack_await(const struct stack *s, enum cs_daemon_id d, const char *key, int64_t value,
                 int timeout_ms);
