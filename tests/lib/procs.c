#include "procs.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define S_MAX 4096 /* groups noted and not yet forgotten, per process */

/* One message to the watcher: a group to note (pgid > 0) or to forget (pgid < 0). */
struct s_msg {
    pid_t pgid;
    unsigned long long start;
};

static int s_fd = -1; /* this process's end of the socket to its watcher */
static pid_t s_owner; /* the process that started the watcher (a forked child inherits s_fd) */

unsigned long long
test_proc_start_time(pid_t pid)
{
    char path[32] = "/proc/", digits[16], buf[1024];
    unsigned long long start = 0;
    int n = 0, fd, field = 2;
    ssize_t got;
    size_t len = strlen(path);
    const char *p;

    /* No snprintf(): the watcher, a fork of a process that may have threads, calls this. */
    do
        digits[n++] = (char) ('0' + pid % 10);
    while ((pid /= 10) > 0 && n < (int) sizeof digits);
    while (n > 0)
        path[len++] = digits[--n];
    memcpy(path + len, "/stat", sizeof "/stat");
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    got = read(fd, buf, sizeof buf - 1);
    (void) close(fd);
    if (got <= 0)
        return 0;
    buf[got] = '\0';
    /* "pid (comm) state ppid ...": comm may hold anything, so count from its last ')'. */
    for (p = strrchr(buf, ')'); p && *p && field < 22; p++)
        field += *p == ' ';
    while (p && field == 22 && *p >= '0' && *p <= '9')
        start = start * 10 + (unsigned long long) (*p++ - '0');
    return start;
}

/* The watcher: notes and forgets groups until the socket's end of file, then kills those
 * noted. Only async-signal-safe calls: it is a fork of a process that may have threads. */
static void
s_watch(int fd)
{
    static struct s_msg noted[S_MAX];
    struct s_msg m;
    int null = open("/dev/null", O_RDWR);

    (void) setpgid(0, 0); /* out of the test's group, which Check kills when the test ends */
    for (int i = 0; i < 3; i++)
        (void) dup2(null, i); /* holds no pipe of the test runner open */
    (void) dup2(fd, 3);
    (void) close_range(4, ~0U, 0);
    for (;;) {
        ssize_t got = recv(3, &m, sizeof m, MSG_WAITALL);

        if (got < 0 && errno == EINTR)
            continue;
        if (got != (ssize_t) sizeof m)
            break; /* end of file: the process that noted them has ended */
        for (int i = 0; i < S_MAX; i++) {
            if (m.pgid > 0 ? noted[i].pgid == 0 : noted[i].pgid == -m.pgid) {
                noted[i] = m.pgid > 0 ? m : (struct s_msg){ 0, 0 };
                break;
            }
        }
    }
    for (int i = 0; i < S_MAX; i++) {
        unsigned long long now = noted[i].pgid > 0 ? test_proc_start_time(noted[i].pgid) : 0;

        /* A leader gone (now 0) leaves its PID unused while its group has members: the
         * group is still the one noted. A leader with another start time is another process. */
        if (noted[i].pgid > 0 && (now == 0 || now == noted[i].start))
            (void) kill(-noted[i].pgid, SIGKILL);
    }
    _exit(0);
}

static int
s_start_watcher(void)
{
    int sv[2];
    pid_t pid;

    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return -errno;
    pid = fork();
    if (pid < 0) {
        int r = -errno;

        (void) close(sv[0]);
        (void) close(sv[1]);
        return r;
    }
    if (pid == 0)
        s_watch(sv[1]);
    (void) close(sv[1]);
    if (s_fd >= 0)
        (void) close(s_fd); /* the watcher of the process this one was forked from */
    s_fd = sv[0];
    s_owner = getpid();
    return 0;
}

static int
s_send(pid_t pgid, unsigned long long start)
{
    struct s_msg m = { pgid, start };

    return send(s_fd, &m, sizeof m, MSG_NOSIGNAL) == (ssize_t) sizeof m ? 0 : -errno;
}

int
test_procs_add(pid_t pgid)
{
    if (s_owner != getpid()) {
        int r = s_start_watcher();

        if (r < 0)
            return r;
    }
    return s_send(pgid, test_proc_start_time(pgid));
}

void
test_procs_forget(pid_t pgid)
{
    if (s_owner == getpid() && pgid > 0)
        (void) s_send(-pgid, 0);
}
