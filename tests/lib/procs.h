/* The registry of the processes the test library starts (procs.c). Each is started in a
 * process group of its own and noted here; when the process that started it ends, however
 * it ends, every noted group still running is killed (SIGKILL to the group, by its PID, after
 * checking that the PID still names the process that was noted).
 *
 * Why not an atexit() handler or the test's teardown: Check ends a failed test with
 * _exit(1) in its forked child (CK_FORK=yes, the default), skipping both, and a timed-out one
 * with SIGKILL; its own clean-up, a SIGKILL to the test child's process group, misses the
 * groups started here. So the first registration in a process forks a watcher into a
 * process group of its own, holding the far end of a socket only that process writes to;
 * the socket's end of file (the process ended) is its signal. Under CK_FORK=no the tests
 * share main()'s process, and what a failed test started runs until the program exits. */
#pragma once

#include <sys/types.h>

/* Notes @pgid (a process group just started, led by the process @pgid). Returns 0, or
 * -errno if the watcher cannot be started (the group is then not noted). */
int test_procs_add(pid_t pgid);

/* Forgets @pgid once it has been waited for (its PID may be reused from then on). */
void test_procs_forget(pid_t pgid);

/* The start time of process @pid (clock ticks after boot, /proc/PID/stat's 22nd field): with
 * the PID, the process's identity. 0 if there is no such process. Async-signal-safe. */
unsigned long long test_proc_start_time(pid_t pid);
