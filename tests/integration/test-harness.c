/* What a test starts does not outlive it, however it ends. This program runs itself again
 * (a sub-run, CS_HARNESS_PIDS set) with one test that starts a whole stack and a helper
 * process through the harness, notes each process's PID and start time, and then fails on
 * purpose or is killed (as Check kills a test that runs out of time); once the sub-run has
 * ended, every process it noted must be gone. Under CK_FORK=yes, where a failed test ends
 * with _exit() before its teardown, and CK_FORK=no, where it ends with the program. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <check.h>
#include <czmq.h>

#include "check-main.h"
#include "harness.h"
#include "procs.h"

#define S_PIDS_ENV "CS_HARNESS_PIDS" /* where the sub-run notes its processes */
#define S_END_ENV  "CS_HARNESS_END"  /* how its test ends: "fail" or "kill" */
#define S_GONE_MS  10000             /* how long the killed processes may take to die */

static struct stack s_stack;

static void
s_teardown(void)
{
    ck_assert_int_eq(stack_destroy(&s_stack), 0);
}

static void
s_note(FILE *f, pid_t pid)
{
    ck_assert_int_gt(pid, 0);
    ck_assert_int_gt(fprintf(f, "%d %llu\n", (int) pid, test_proc_start_time(pid)), 0);
}

/* The sub-run's test: a running stack and helper, then the end S_END_ENV says. */
START_TEST(s_sub_test)
{
    struct stack_params p = {
        .pixfmt = CS_PIXFMT_GREY, .width = 64, .height = 48, .fps = 20, .wait_subscribers = 2
    };
    const char *helper_argv[] = { "sleep", "600", NULL };
    pid_t helper;
    FILE *f;

    ck_assert_int_eq(stack_init(&s_stack, &p), 0);
    stack_start_all(&s_stack);
    helper = stack_spawn(&s_stack, helper_argv, "helper.log");
    stack_await(&s_stack, CS_DAEMON_CAMERAD, "captured", 5, 20000);
    f = fopen(getenv(S_PIDS_ENV), "we");
    ck_assert_ptr_nonnull(f);
    for (enum cs_daemon_id d = 0; d < CS_DAEMON_COUNT; d++) {
        s_note(f, s_stack.pid[d]);
        s_note(f, stack_daemon_pid(&s_stack, d));
    }
    s_note(f, helper);
    s_note(f, stack_child_pid(helper));
    ck_assert_int_eq(fclose(f), 0);
    if (strcmp(getenv(S_END_ENV), "kill") == 0)
        (void) raise(SIGKILL);
    ck_abort_msg("failing on purpose");
}
END_TEST

/* Waits until process @pid, if it is still the one that started at @start, has ended. */
static void
s_await_gone(pid_t pid, unsigned long long start, int timeout_ms)
{
    int fd = (int) syscall(SYS_pidfd_open, pid, 0);
    struct pollfd pfd = { fd, POLLIN, 0 };
    int r;

    if (fd < 0) {
        ck_assert_msg(errno == ESRCH, "pidfd_open(%d): %s", (int) pid, strerror(errno));
        return; /* gone, and reaped */
    }
    if (test_proc_start_time(pid) != start) {
        (void) close(fd);
        return; /* gone: the PID names another process now */
    }
    r = poll(&pfd, 1, timeout_ms); /* readable once the process has ended */
    (void) close(fd);
    ck_assert_msg(r == 1, "process %d, started by the test that failed, is still running",
                  (int) pid);
}

/* Runs the sub-run with CK_FORK=@fork and its test ending by @end; checks that its test
 * failed as it should and that nothing it started still runs. */
static void
s_sub_run(const char *fork, const char *end, const char *expect)
{
    struct stack_params p = { .pixfmt = CS_PIXFMT_GREY, .width = 64, .height = 48, .fps = 20 };
    char self[PATH_MAX], pids[PATH_MAX + 8], tmp[PATH_MAX + 8], fork_env[32], end_env[32];
    char pids_env[PATH_MAX + 32], tmp_env[PATH_MAX + 32], out[16384], err[16384];
    const char *argv[] = { "env",          "-u",     "CK_RUN_CASE", "-u",
                           "CK_RUN_SUITE", fork_env, end_env,       pids_env,
                           tmp_env,        self,     NULL };
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    int64_t deadline;
    int n = 0, pid;
    unsigned long long start;
    FILE *f;

    ck_assert_int_gt(len, 0);
    self[len] = '\0';
    ck_assert_int_eq(stack_init(&s_stack, &p), 0); /* for its directory */
    (void) snprintf(pids, sizeof pids, "%s/pids", s_stack.dir);
    (void) snprintf(tmp, sizeof tmp, "%s/sub", s_stack.dir);
    (void) snprintf(fork_env, sizeof fork_env, "CK_FORK=%s", fork);
    (void) snprintf(end_env, sizeof end_env, S_END_ENV "=%s", end);
    (void) snprintf(pids_env, sizeof pids_env, S_PIDS_ENV "=%s", pids);
    (void) snprintf(tmp_env, sizeof tmp_env, "CS_TEST_TMPDIR=%s", tmp);
    ck_assert_int_eq(stack_run_split(argv, out, sizeof out, err, sizeof err), 1);
    ck_assert_msg(strstr(out, expect), "the sub-run did not end with \"%s\": %s%s", expect, out,
                  err);
    f = fopen(pids, "re");
    ck_assert_msg(f, "the sub-run noted no process: %s%s", out, err);
    deadline = zclock_mono() + S_GONE_MS;
    while (fscanf(f, "%d %llu", &pid, &start) == 2) {
        s_await_gone((pid_t) pid, start,
                     (int) (deadline > zclock_mono() ? deadline - zclock_mono() : 0));
        n++;
    }
    (void) fclose(f);
    /* Each daemon and its timeout(1), the helper and its timeout(1). */
    ck_assert_int_eq(n, 2 * CS_DAEMON_COUNT + 2);
}

START_TEST(s_forked_failure)
{
    s_sub_run("yes", "fail", "failing on purpose");
}
END_TEST

START_TEST(s_forked_kill)
{
    s_sub_run("yes", "kill", "Received signal 9");
}
END_TEST

START_TEST(s_unforked_failure)
{
    s_sub_run("no", "fail", "failing on purpose");
}
END_TEST

Suite *
test_suite(void)
{
    Suite *s = suite_create("harness");
    TCase *tc;

    if (getenv(S_PIDS_ENV)) {
        tc = tcase_create("sub-run");
        tcase_add_test(tc, s_sub_test);
        suite_add_tcase(s, tc);
        return s;
    }
    tc = tcase_create("leftovers");
    tcase_add_checked_fixture(tc, NULL, s_teardown);
    tcase_add_test(tc, s_forked_failure);
    tcase_add_test(tc, s_forked_kill);
    tcase_add_test(tc, s_unforked_failure);
    suite_add_tcase(s, tc);
    return s;
}
