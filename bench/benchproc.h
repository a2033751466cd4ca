/* What a process of a benchmark has used so far, read from /proc while it runs. */
#ifndef BENCH_BENCHPROC_H
#define BENCH_BENCHPROC_H

#include <sys/types.h>

/* CPU seconds (user + system, all threads) @pid has used so far, from /proc; NAN if gone. */
double bench_cpu_s(pid_t pid);

#endif
