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

#define STACK_EXTRA_MAX 4 /* other processes of a stack (clients) */

struct stack {
    char dir[64]; /* temporary directory holding everything below */
    char config[PATH_MAX];
    char movies[PATH_MAX];
    char stats[PATH_MAX];
    char netns[64];              /* network namespace the daemons run in; "" for this one */
    pid_t pid[CS_DAEMON_COUNT];  /* 0 when not running */
    int status[CS_DAEMON_COUNT]; /* exit status once reaped */
    pid_t extra[STACK_EXTRA_MAX];
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
    const char *netns;         /* network namespace to run the daemons in, or NULL */
};

/* Creates a fresh directory below $CS_TEST_TMPDIR (meson sets it inside the build tree, so
 * that test runs of different trees never meet) or /tmp. Returns 0 or -errno. */
int stack_mkdtemp(char *dir, size_t size);

/* Creates the directory and writes the config. Returns 0 or -errno. */
int stack_init(struct stack *s, const struct stack_params *p);

/* Starts daemon @d (under timeout, stderr to <dir>/<name>.log). Returns 0 or -errno. */
int stack_start(struct stack *s, enum cs_daemon_id d);

/* Waits for daemon @d to exit and returns its exit status (128 + signal if killed). */
int stack_wait(struct stack *s, enum cs_daemon_id d);

/* Sends SIGTERM to @d and waits for it. Returns its exit status. */
int stack_stop(struct stack *s, enum cs_daemon_id d);

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

/* Asks @d's control endpoint for "status" and returns the unsigned value of @key, or -1 if
 * the daemon did not answer within @timeout_ms or the key is absent. */
int64_t stack_status(const struct stack *s, enum cs_daemon_id d, const char *key, int timeout_ms);

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
