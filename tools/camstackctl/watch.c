#include "watch.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "report.h"
#include "util.h"

struct s_term {
    bool active;
    bool raw_stdin;
    struct termios saved;
};

static void
s_term_enter(struct s_term *t)
{
    struct termios raw;

    t->active = true;
    /* The alternate screen, cursor hidden: the shell's screen comes back at the end. */
    (void) fputs("\033[?1049h\033[?25l", stdout);
    if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &t->saved) == 0) {
        raw = t->saved;
        raw.c_lflag &= ~(tcflag_t) (ICANON | ECHO);
        raw.c_cc[VMIN] = 0;
        raw.c_cc[VTIME] = 0;
        t->raw_stdin = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
    }
}

static void
s_term_leave(struct s_term *t)
{
    if (!t->active)
        return;
    if (t->raw_stdin)
        (void) tcsetattr(STDIN_FILENO, TCSANOW, &t->saved);
    (void) fputs("\033[?25h\033[?1049l", stdout);
    (void) fflush(stdout);
    t->active = false;
}

static int
s_width(void)
{
    struct winsize ws;

    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    return 80;
}

static void
s_draw(const struct cs_conf *conf, const struct report_row rows[CS_DAEMON_COUNT],
       const struct watch_opts *o)
{
    char when[40], title[256], run[64] = "";
    const struct report_row *cam = &rows[CS_DAEMON_CAMERAD];
    int width = s_width();

    cs_format_iso8601(cs_now_ns(CLOCK_REALTIME), when, sizeof when);
    if (cam->up && cam->run)
        (void) snprintf(run, sizeof run, "; run %llu %s", (unsigned long long) cam->run,
                        cam->state);
    (void) snprintf(title, sizeof title, "camstack '%s' %.8sZ, every %.1f s, q quits%s",
                    conf->stack.stream, when + 11, o->interval_ms / 1000.0, run);
    (void) fputs("\033[H\033[2J", stdout);
    (void) printf("%.*s\n\n", width, title);
    report_print_table(stdout, rows, width, true);
    (void) printf("\n%.*s\n", width,
                  "latency: capture to the daemon over the last 5 to 10 s; queue: frames on "
                  "their way to it");
    (void) fflush(stdout);
}

int
watch_run(const struct cs_conf *conf, const struct watch_opts *o)
{
    struct s_term term = { 0 };
    bool tty = !o->plain && isatty(STDOUT_FILENO);
    int timeout = o->timeout_ms < o->interval_ms ? o->timeout_ms : o->interval_ms;
    sigset_t mask, old;
    int sfd, r = 0;

    sigemptyset(&mask);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGTERM);
    (void) sigprocmask(SIG_BLOCK, &mask, &old);
    sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
    if (sfd < 0) {
        r = -errno;
        goto out;
    }
    if (tty)
        s_term_enter(&term);
    for (long i = 0; o->count == 0 || i < o->count; i++) {
        struct cs_client_answer answers[CS_DAEMON_COUNT];
        struct report_row rows[CS_DAEMON_COUNT];
        uint64_t next = cs_now_ns(CLOCK_MONOTONIC) + (uint64_t) o->interval_ms * CS_NSEC_PER_MSEC;
        bool quit = false;

        (void) cs_client_ask(conf, CS_CLIENT_ALL, "status", timeout, answers);
        report_build(answers, true, rows);
        cs_client_answers_clear(answers);
        if (tty)
            s_draw(conf, rows, o);
        else
            report_print_lines(stdout, rows);
        if (o->count && i + 1 == o->count)
            break;
        /* Until the next refresh: a signal or q ends it. */
        while (!quit) {
            struct pollfd fds[2] = { { .fd = sfd, .events = POLLIN },
                                     { .fd = term.raw_stdin ? STDIN_FILENO : -1,
                                       .events = POLLIN } };
            uint64_t now = cs_now_ns(CLOCK_MONOTONIC);
            char c;

            if (now >= next)
                break;
            if (poll(fds, 2, (int) ((next - now) / CS_NSEC_PER_MSEC) + 1) < 0 && errno != EINTR) {
                r = -errno;
                quit = true;
            }
            if (fds[0].revents & POLLIN)
                quit = true;
            if ((fds[1].revents & POLLIN) && read(STDIN_FILENO, &c, 1) == 1
                && (c == 'q' || c == 'Q'))
                quit = true;
        }
        if (quit)
            break;
    }
out:
    s_term_leave(&term);
    if (sfd >= 0)
        (void) close(sfd);
    (void) sigprocmask(SIG_SETMASK, &old, NULL);
    return r;
}
