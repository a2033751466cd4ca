/* status-fields: fills a daemon's man page with the fields of its status answer, as the daemon
 * itself prints them from its counter tables (DAEMON --status-fields), so that the man pages
 * never list them by hand and this tool knows no daemon. Built, not installed.
 *
 *   status-fields --fill TEMPLATE PROGRAM   TEMPLATE with its line "%STATUS_FIELDS%"
 *                                           replaced by PROGRAM --status-fields
 *
 * Exits 1 if the program fails (its tables are not valid, say) or a file cannot be read, 2
 * for a bad command line. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define S_MARKER "%STATUS_FIELDS%"

/* What @program --status-fields prints, into a new string; NULL (said) if it fails. */
static char *
s_fields(const char *program)
{
    char *out = NULL;
    size_t size = 0;
    FILE *mem = open_memstream(&out, &size);
    int fds[2], st = 0;
    char buf[4096];
    ssize_t n;
    pid_t pid;

    if (!mem || pipe2(fds, O_CLOEXEC) < 0) {
        (void) fprintf(stderr, "status-fields: %s\n", strerror(errno));
        goto fail;
    }
    pid = fork();
    if (pid == 0) {
        (void) dup2(fds[1], STDOUT_FILENO);
        execl(program, program, "--status-fields", (char *) NULL);
        _exit(127);
    }
    (void) close(fds[1]);
    while (pid > 0 && (n = read(fds[0], buf, sizeof buf)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            break;
        (void) fwrite(buf, 1, (size_t) n, mem);
    }
    (void) close(fds[0]);
    if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        (void) fprintf(stderr, "status-fields: '%s --status-fields' failed\n", program);
        goto fail;
    }
    if (fclose(mem) != 0)
        return NULL;
    return out;
fail:
    if (mem)
        (void) fclose(mem);
    free(out);
    return NULL;
}

static int
s_fill(const char *template, const char *fields)
{
    char line[4096];
    FILE *f = fopen(template, "re");
    int r = 0;

    if (!f) {
        (void) fprintf(stderr, "status-fields: cannot read '%s'\n", template);
        return 1;
    }
    while (fgets(line, sizeof line, f)) {
        if (strcmp(line, S_MARKER "\n") == 0)
            (void) fputs(fields, stdout);
        else
            (void) fputs(line, stdout);
    }
    r = ferror(f);
    (void) fclose(f);
    return r || fflush(stdout) != 0 ? 1 : 0;
}

int
main(int argc, char **argv)
{
    char *fields;
    int r;

    if (argc != 4 || strcmp(argv[1], "--fill") != 0) {
        (void) fprintf(stderr, "Usage: status-fields --fill TEMPLATE PROGRAM\n");
        return 2;
    }
    fields = s_fields(argv[3]);
    if (!fields)
        return 1;
    r = s_fill(argv[2], fields);
    free(fields);
    return r;
}
