/* What a process of a benchmark has used so far, read from /proc while it runs, and the clock
 * the benchmarks measure with. */
#ifndef BENCH_BENCHPROC_H
#define BENCH_BENCHPROC_H

#include <sys/types.h>

/* CPU seconds (user + system, all threads) @pid has used so far, from /proc; NAN if gone. */
double bench_cpu_s(pid_t pid);

/* CLOCK_MONOTONIC now, in seconds. */
double bench_now_s(void);

#endif
