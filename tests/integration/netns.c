#include "netns.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define S_PREFIX "camstack-test-"

extern char **environ;

/* Runs @argv under "timeout 20" and returns its exit status; its stdout goes to @out (if not
 * NULL), its stderr to ours. */
static int
s_run(const char *const *argv, char *out, size_t out_size)
{
    const char *full[24];
    posix_spawn_file_actions_t fa;
    int pipefd[2] = { -1, -1 }, st = 0, n = 0;
    size_t used = 0;
    ssize_t got;
    pid_t pid;

    full[n++] = "timeout";
    full[n++] = "20";
    for (int i = 0; argv[i] && n < 23; i++)
        full[n++] = argv[i];
    full[n] = NULL;
    posix_spawn_file_actions_init(&fa);
    if (out) {
        if (pipe(pipefd) < 0)
            return -1;
        posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
        posix_spawn_file_actions_addclose(&fa, pipefd[0]);
        posix_spawn_file_actions_addclose(&fa, pipefd[1]);
    }
    if (posix_spawnp(&pid, "timeout", &fa, NULL, (char *const *) full, environ) != 0)
        pid = -1;
    posix_spawn_file_actions_destroy(&fa);
    if (out) {
        (void) close(pipefd[1]);
        while (pid > 0 && used + 1 < out_size
               && (got = read(pipefd[0], out + used, out_size - used - 1)) > 0)
            used += (size_t) got;
        out[used] = '\0';
        (void) close(pipefd[0]);
    }
    if (pid < 0)
        return -1;
    while (waitpid(pid, &st, 0) < 0) {
        if (errno != EINTR)
            return -1;
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

bool
netns_available(void)
{
    const char *argv[] = { "ip", "netns", "list", NULL };
    char out[4096];

    return geteuid() == 0 && s_run(argv, out, sizeof out) == 0;
}

/* Kills, by PID, every process in namespace @name, then deletes it. */
static void
s_remove(const char *name)
{
    const char *pids[] = { "ip", "netns", "pids", name, NULL };
    const char *del[] = { "ip", "netns", "delete", name, NULL };
    char out[8192], *save = NULL;

    if (s_run(pids, out, sizeof out) == 0) {
        for (char *tok = strtok_r(out, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
            long pid = strtol(tok, NULL, 10);

            if (pid > 1 && pid != getpid())
                (void) kill((pid_t) pid, SIGKILL);
        }
    }
    (void) s_run(del, NULL, 0);
}

void
netns_pair_destroy(struct netns_pair *p)
{
    if (p->a[0])
        s_remove(p->a);
    if (p->b[0])
        s_remove(p->b);
    p->a[0] = p->b[0] = '\0';
}

int
netns_pair_create(struct netns_pair *p, unsigned index)
{
    char name_a[48], name_b[48];

    (void) snprintf(name_a, sizeof name_a, S_PREFIX "%d-%u-a", (int) getpid(), index);
    (void) snprintf(name_b, sizeof name_b, S_PREFIX "%d-%u-b", (int) getpid(), index);
    const char *const steps[][16] = {
        { "ip", "netns", "add", name_a, NULL },
        { "ip", "netns", "add", name_b, NULL },
        /* Made inside the namespaces, so the interface names need only be unique there. */
        { "ip", "link", "add", "cs0", "netns", name_a, "type", "veth", "peer", "name", "cs0",
          "netns", name_b, NULL },
        { "ip", "-n", name_a, "addr", "add", NETNS_ADDR_A "/24", "dev", "cs0", NULL },
        { "ip", "-n", name_b, "addr", "add", NETNS_ADDR_B "/24", "dev", "cs0", NULL },
        { "ip", "-n", name_a, "link", "set", "cs0", "up", NULL },
        { "ip", "-n", name_b, "link", "set", "cs0", "up", NULL },
        { "ip", "-n", name_a, "link", "set", "lo", "up", NULL },
        { "ip", "-n", name_b, "link", "set", "lo", "up", NULL },
    };

    memset(p, 0, sizeof *p);
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        if (s_run(steps[i], NULL, 0) != 0) {
            (void) fprintf(stderr, "netns: '%s %s %s %s' failed\n", steps[i][0], steps[i][1],
                           steps[i][2], steps[i][3]);
            netns_pair_destroy(p);
            return -1;
        }
        if (i == 0)
            (void) snprintf(p->a, sizeof p->a, "%s", name_a);
        if (i == 1)
            (void) snprintf(p->b, sizeof p->b, "%s", name_b);
    }
    return 0;
}

void
netns_sweep(pid_t owner)
{
    const char *list[] = { "ip", "netns", "list", NULL };
    char out[16384], *save = NULL;

    if (s_run(list, out, sizeof out) != 0)
        return;
    for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char name[64];
        int pid = 0;

        /* "NAME" or "NAME (id: N)" */
        if (sscanf(line, "%63s", name) != 1 || strncmp(name, S_PREFIX, strlen(S_PREFIX)) != 0
            || sscanf(name + strlen(S_PREFIX), "%d-", &pid) != 1 || pid <= 0)
            continue;
        if (owner ? pid == owner : (kill(pid, 0) < 0 && errno == ESRCH))
            s_remove(name);
    }
}

/* Kills every process whose parent is this one but @keep (orphans of the test runner that
 * came to us as their subreaper), and reaps them. */
static void
s_kill_orphans(pid_t keep)
{
    for (int round = 0; round < 10; round++) {
        DIR *d = opendir("/proc");
        struct dirent *e;
        int found = 0;

        if (!d)
            return;
        while ((e = readdir(d))) {
            char path[64], buf[512], *paren;
            int ppid = 0;
            long pid = strtol(e->d_name, NULL, 10);
            FILE *f;

            if (pid <= 1 || pid == keep)
                continue;
            (void) snprintf(path, sizeof path, "/proc/%ld/stat", pid);
            f = fopen(path, "re");
            if (!f)
                continue;
            buf[0] = '\0';
            if (!fgets(buf, sizeof buf, f))
                buf[0] = '\0';
            (void) fclose(f);
            /* "pid (comm) state ppid ...": comm may hold anything, so from its last ')' */
            paren = strrchr(buf, ')');
            if (paren && sscanf(paren + 1, " %*c %d", &ppid) == 1 && ppid == getpid()) {
                (void) kill((pid_t) pid, SIGKILL);
                found++;
            }
        }
        (void) closedir(d);
        while (waitpid(-1, NULL, WNOHANG) > 0)
            ;
        if (!found)
            return;
        (void) usleep(50 * 1000); /* let the killed ones die before the next look */
    }
}

int
netns_guard(void (*cleanup)(pid_t child))
{
    sigset_t mask, old;
    siginfo_t si;
    pid_t child, w;
    int st = 0, x, r;
    bool done = false;

    (void) prctl(PR_SET_CHILD_SUBREAPER, 1);
    sigemptyset(&mask);
    sigaddset(&mask, SIGCHLD);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGHUP);
    (void) sigprocmask(SIG_BLOCK, &mask, &old);
    child = fork();
    if (child < 0) {
        r = -errno;
        (void) sigprocmask(SIG_SETMASK, &old, NULL);
        return r;
    }
    if (child == 0) {
        (void) sigprocmask(SIG_SETMASK, &old, NULL);
        (void) setpgid(0, 0);
        return 0;
    }
    while (!done) {
        r = sigwaitinfo(&mask, &si);
        if (r == SIGCHLD) {
            while ((w = waitpid(-1, &x, WNOHANG)) > 0) {
                if (w == child) {
                    st = x;
                    done = true;
                }
            }
        } else if (r == SIGTERM || r == SIGINT || r == SIGHUP) {
            (void) fprintf(stderr, "netns: %s, stopping the tests and cleaning up\n", strsignal(r));
            (void) kill(-child, SIGKILL);
            (void) waitpid(child, NULL, 0);
            s_kill_orphans(0);
            netns_sweep(child);
            if (cleanup)
                cleanup(child);
            _exit(128 + r);
        }
    }
    s_kill_orphans(0);
    netns_sweep(child);
    if (cleanup)
        cleanup(child);
    exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
}
