#include "benchproc.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

double
bench_cpu_s(pid_t pid)
{
    char path[64], buf[1024];
    unsigned long long ut = 0, st = 0;
    const char *p;
    FILE *f;
    size_t n;

    (void) snprintf(path, sizeof path, "/proc/%d/stat", (int) pid);
    f = fopen(path, "re");
    if (!f)
        return NAN;
    n = fread(buf, 1, sizeof buf - 1, f);
    (void) fclose(f);
    buf[n] = '\0';
    p = strrchr(buf, ')'); /* the command name may hold spaces */
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return NAN;
    return (double) (ut + st) / (double) sysconf(_SC_CLK_TCK);
}

double
bench_now_s(void)
{
    struct timespec ts;

    (void) clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

int
bench_machine_cpu_s(double *ret_busy, double *ret_all)
{
    unsigned long long user = 0, nice = 0, sys = 0, idle = 0, iowait = 0, irq = 0, softirq = 0,
                       steal = 0;
    double tck = (double) sysconf(_SC_CLK_TCK);
    FILE *f = fopen("/proc/stat", "re");
    int n;

    if (!f)
        return -1;
    n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &user, &nice, &sys, &idle, &iowait,
               &irq, &softirq, &steal);
    (void) fclose(f);
    if (n < 7)
        return -1;
    *ret_busy = (double) (user + nice + sys + irq + softirq) / tck;
    *ret_all = *ret_busy + (double) (idle + iowait + steal) / tck;
    return 0;
}

double
bench_loadavg(void)
{
    FILE *f = fopen("/proc/loadavg", "re");
    double v = NAN;

    if (f && fscanf(f, "%lf", &v) != 1)
        v = NAN;
    if (f)
        (void) fclose(f);
    return v;
}
