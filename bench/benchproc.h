/* What a process of a benchmark, and the machine, have used so far, read from /proc, and the
 * clock the benchmarks measure with. */
#ifndef BENCH_BENCHPROC_H
#define BENCH_BENCHPROC_H

#include <sys/types.h>

/* CPU seconds (user + system, all threads) @pid has used so far, from /proc; NAN if gone. */
double bench_cpu_s(pid_t pid);

/* CLOCK_MONOTONIC now, in seconds. */
double bench_now_s(void);

/* The machine's CPU time so far, from /proc/stat's "cpu" line, in seconds summed over every
 * CPU: @ret_busy what ran (user, nice, system, irq, softirq: the kernel's threads, its
 * writeback among them, included; not steal), @ret_all that and idle, iowait and steal.
 * Returns 0 or -1. */
int bench_machine_cpu_s(double *ret_busy, double *ret_all);

/* The 1-minute load average (/proc/loadavg), NAN if it cannot be read. */
double bench_loadavg(void);

#endif
