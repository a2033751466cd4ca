#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-journal.h>

#include "util.h"

enum s_backend { S_STDERR_PLAIN, S_STDERR_TTY, S_JOURNAL };

static enum s_backend s_backend = S_STDERR_PLAIN;
static const char *s_ident = "camstack";
static char s_stream[64] = "";
static uint64_t s_run;
static int s_max_prio = LOG_INFO;

/* JOURNAL_STREAM is "device:inode" of the stream systemd connected to stderr; it is inherited
 * by children, so it only counts when it still names our own stderr. */
static bool
s_stderr_is_journal(void)
{
    const char *e = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    struct stat st;

    if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2)
        return false;
    if (fstat(STDERR_FILENO, &st) < 0)
        return false;
    return st.st_dev == (dev_t) dev && st.st_ino == (ino_t) ino;
}

void
cs_log_open(const char *ident)
{
    s_ident = ident;
    if (s_stderr_is_journal())
        s_backend = S_JOURNAL;
    else if (isatty(STDERR_FILENO))
        s_backend = S_STDERR_TTY;
    else
        s_backend = S_STDERR_PLAIN;
}

void
cs_log_set_stream(const char *stream)
{
    (void) snprintf(s_stream, sizeof s_stream, "%s", stream);
}

void
cs_log_set_run(uint64_t run)
{
    s_run = run;
}

void
cs_log_set_max_priority(int max_prio)
{
    s_max_prio = max_prio;
}

int
cs_log_get_max_priority(void)
{
    return s_max_prio;
}

bool
cs_log_to_journal(void)
{
    return s_backend == S_JOURNAL;
}

int
cs_log_parse_priority(const char *s, int *ret_prio)
{
    static const char *const names[] = { "emerg",   "alert",  "crit", "err",
                                         "warning", "notice", "info", "debug" };

    for (int i = 0; i < 8; i++) {
        if (strcmp(s, names[i]) == 0 || (s[0] == '0' + i && s[1] == '\0')) {
            *ret_prio = i;
            return 0;
        }
    }
    return -EINVAL;
}

static void __attribute__((format(printf, 2, 0))) s_vlog(int prio, const char *fmt, va_list ap)
{
    static const char letters[] = "FACEWNID";
    char msg[1024];

    (void) vsnprintf(msg, sizeof msg, fmt, ap);
    switch (s_backend) {
    case S_JOURNAL: {
        char run[40] = "CAMSTACK_RUN=";

        if (s_run)
            (void) snprintf(run, sizeof run, "CAMSTACK_RUN=%llu", (unsigned long long) s_run);
        (void) sd_journal_send("MESSAGE=%s", msg, "PRIORITY=%d", prio, "SYSLOG_IDENTIFIER=%s",
                               s_ident, "CAMSTACK_DAEMON=%s", s_ident, "CAMSTACK_STREAM=%s",
                               s_stream, "%s", run, NULL);
        break;
    }
    case S_STDERR_TTY: {
        char ts[40];

        cs_format_iso8601(cs_now_ns(CLOCK_REALTIME), ts, sizeof ts);
        (void) fprintf(stderr, "%c %s %s: %s\n", letters[prio & 7], ts + 11, s_ident, msg);
        break;
    }
    case S_STDERR_PLAIN:
        (void) fprintf(stderr, "<%d>%s: %s\n", prio & 7, s_ident, msg);
        break;
    }
}

void
cs_log(int prio, const char *fmt, ...)
{
    va_list ap;

    if (prio > s_max_prio)
        return;
    va_start(ap, fmt);
    s_vlog(prio, fmt, ap);
    va_end(ap);
}

int
cs_log_errno(int prio, int r, const char *fmt, ...)
{
    char msg[768];
    va_list ap;

    if (prio > s_max_prio)
        return r;
    va_start(ap, fmt);
    (void) vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cs_log(prio, "%s: %s", msg, strerror(r < 0 ? -r : r));
    return r;
}
