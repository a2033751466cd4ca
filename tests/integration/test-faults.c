/* Fault injection on the whole stack, each fault with the exact books it must leave
 * (docs/RELIABILITY.md has the matrix). A daemon is killed with SIGKILL, as a crash would,
 * and restarted by stack_supervise() the way systemd's Restart=on-failure does; a subscriber
 * is stalled with SIGSTOP for longer than its queues hold; pubd is restarted under running
 * subscribers; the config file is unreadable. After each: every daemon not killed exited 0,
 * each subscriber's books balance exactly (captured - dropped_at_source = received + lost for
 * a subscriber there throughout; eos.seq - first_seq = received + lost for one that joined
 * late), and every file opens and holds only bit-exact frames. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>
#include <czmq.h>

#include "check-main.h"
#include "harness.h"
#include "verify.h"

#define S_W   320
#define S_H   240
#define S_FPS 100

static struct stack s_stack;

static void
s_teardown(void)
{
    ck_assert_int_eq(stack_destroy(&s_stack), 0);
}

static double s_fps = S_FPS; /* the camera's rate for the next s_init() */
static bool s_restart_auto;  /* s_pubd_restart(): the new pubd reads wait_subscribers = auto */

/* Rewrites the stack's config with wait_subscribers = auto (for daemons started from now). */
static void
s_config_auto(void)
{
    char text[16384], *at;
    FILE *f = fopen(s_stack.config, "re");
    size_t n;

    ck_assert_ptr_nonnull(f);
    n = fread(text, 1, sizeof text - 1, f);
    (void) fclose(f);
    text[n] = '\0';
    at = strstr(text, "\nwait_subscribers = 2\n");
    ck_assert_ptr_nonnull(at);
    f = fopen(s_stack.config, "we");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_gt(fprintf(f, "%.*s\nwait_subscribers = auto\n%s", (int) (at - text), text,
                             at + strlen("\nwait_subscribers = 2\n")),
                     0);
    ck_assert_int_eq(fclose(f), 0);
}

static void
s_init(const char *extra)
{
    struct stack_params p = { .pixfmt = CS_PIXFMT_GREY,
                              .width = S_W,
                              .height = S_H,
                              .fps = s_fps,
                              .frames = 0,
                              .wait_subscribers = 2,
                              .extra = extra };

    ck_assert_int_eq(stack_init(&s_stack, &p), 0);
}

static struct expect
s_expect(void)
{
    return (struct expect){ .pixfmt = CS_PIXFMT_GREY, .width = S_W, .height = S_H };
}

/* The orderly stop, in the units' order: camerad (its end-of-stream), pubd, subscribers. */
static void
s_stop_all(void)
{
    for (enum cs_daemon_id d = 0; d < CS_DAEMON_COUNT; d++)
        ck_assert_msg(stack_stop(&s_stack, d) == 0, "%s did not exit 0", cs_daemon_name(d));
}

static int64_t
s_status(enum cs_daemon_id d, const char *key)
{
    int64_t v = stack_status(&s_stack, d, key, 5000);

    ck_assert_msg(v >= 0, "%s did not answer '%s'", cs_daemon_name(d), key);
    return v;
}

static int64_t
s_ledger(enum cs_daemon_id d, const char *key)
{
    int64_t v = stack_ledger(&s_stack, d, key);

    ck_assert_msg(v >= 0, "%s's ledger has no '%s'", cs_daemon_name(d), key);
    return v;
}

/* The books of a subscriber that saw exactly one run, from its end-of-stream. */
static void
s_assert_one_run(enum cs_daemon_id d)
{
    ck_assert_int_eq(s_ledger(d, "runs"), 1);
    ck_assert_int_eq(s_ledger(d, "runs_ended"), 1);
    ck_assert_int_eq(s_ledger(d, "runs_cut"), 0);
    ck_assert_int_eq(s_ledger(d, "bad"), 0);
}

/* camerad's last run: captured and sent, with nothing dropped at source. Returns captured. */
static int64_t
s_camerad_clean(void)
{
    int64_t captured = s_ledger(CS_DAEMON_CAMERAD, "captured");

    ck_assert_int_eq(s_ledger(CS_DAEMON_CAMERAD, "dropped_at_source"), 0);
    ck_assert_int_eq(s_ledger(CS_DAEMON_CAMERAD, "camera_dropped"), 0);
    ck_assert_int_eq(s_ledger(CS_DAEMON_CAMERAD, "sent"), captured);
    return captured;
}

/* SIGKILL camerad mid-run; restarted, it starts a new run. The subscribers cut the first run
 * when the second begins (every frame that reached pubd; the statistics file complete = 0, the
 * movie complete = 1 with @end_reason new_run), and the
 * second run balances exactly. What the killed camerad had not yet handed to pubd died with
 * it: run 1 is accounted from pubd's side. */
START_TEST(kill_camerad_starts_a_new_run)
{
    char movies[2][PATH_MAX], stats[2][PATH_MAX];
    struct expect e = s_expect();
    int64_t run1, run2, f1, captured;

    s_init(NULL);
    stack_start_all(&s_stack);
    stack_await(&s_stack, CS_DAEMON_SAVERD, "written", 50, 20000);
    run1 = s_status(CS_DAEMON_CAMERAD, "run");
    stack_signal(&s_stack, CS_DAEMON_CAMERAD, SIGKILL);
    ck_assert_int_eq(stack_supervise(&s_stack, CS_DAEMON_CAMERAD), 1);
    ck_assert_int_eq(s_stack.status[CS_DAEMON_CAMERAD], 128 + SIGKILL);
    stack_await(&s_stack, CS_DAEMON_SAVERD, "runs", 2, 20000);
    stack_await(&s_stack, CS_DAEMON_ANALYZERD, "runs", 2, 20000);
    run2 = s_status(CS_DAEMON_CAMERAD, "run");
    ck_assert_int_gt(run2, run1);
    stack_await(&s_stack, CS_DAEMON_SAVERD, "received", s_status(CS_DAEMON_SAVERD, "received") + 50,
                20000);
    s_stop_all();

    captured = s_camerad_clean(); /* the second camerad: run 2 */
    ck_assert_int_eq(stack_files(s_stack.movies, movies, 2), 2);
    ck_assert_int_eq(stack_files(s_stack.stats, stats, 2), 2);
    ck_assert_uint_eq(verify_root_attr(movies[0], "run"), (uint64_t) run1);
    ck_assert_uint_eq(verify_root_attr(movies[1], "run"), (uint64_t) run2);
    f1 = (int64_t) verify_root_attr(movies[0], "frames");
    ck_assert_int_ge(f1, 50);
    ck_assert_int_eq(verify_root_attr(stats[0], "frames"), f1);
    ck_assert_int_eq(s_ledger(CS_DAEMON_PUBD, "frames_in"), f1 + captured);
    for (enum cs_daemon_id d = CS_DAEMON_ANALYZERD; d <= CS_DAEMON_SAVERD; d++) {
        ck_assert_int_eq(s_ledger(d, "received"), f1 + captured);
        ck_assert_int_eq(s_ledger(d, "lost"), 0);
        ck_assert_int_eq(s_ledger(d, "runs"), 2);
        ck_assert_int_eq(s_ledger(d, "runs_ended"), 1);
        ck_assert_int_eq(s_ledger(d, "runs_cut"), 1);
    }
    e.frames = (uint64_t) f1;
    /* Cut: no end-of-stream. saverd closes the movie cleanly (complete = 1) and says why it
     * ended (@end_reason = new_run); the statistics file is not complete. */
    e.complete = 1;
    verify_movie(movies[0], &e);
    ck_assert(stack_log_has(&s_stack, CS_DAEMON_SAVERD, "new_run, complete"));
    e.complete = 0;
    verify_stats(stats[0], &e);
    e.frames = (uint64_t) captured;
    e.complete = 1;
    verify_movie(movies[1], &e);
    verify_stats(stats[1], &e);
}
END_TEST

/* pubd dies (SIGKILL) or is restarted (SIGTERM) while camerad and the subscribers run on.
 * camerad queues frames for the new pubd (its budget covers the outage, so none is dropped at
 * source); the frames that were inside the old pubd are gaps the subscribers count as lost.
 * One run, ended by its end-of-stream, balanced exactly: received + lost = sent. */
static void
s_pubd_restart(int sig, unsigned outage_s)
{
    struct expect e = s_expect();
    char movie[PATH_MAX], stats[PATH_MAX];
    int64_t sent, in_flight = 0;

    s_init(NULL);
    stack_start_all(&s_stack);
    stack_await(&s_stack, CS_DAEMON_SAVERD, "written", 50, 20000);
    if (sig == SIGKILL && outage_s > 0) {
        /* What the killed pubd can take with it: frames camerad had sent by the time pubd
         * was dead that saverd had not received just before the kill. */
        in_flight = -s_status(CS_DAEMON_SAVERD, "received");
        stack_signal(&s_stack, CS_DAEMON_PUBD, SIGKILL);
        ck_assert_int_eq(stack_wait(&s_stack, CS_DAEMON_PUBD), 128 + SIGKILL);
        in_flight += s_status(CS_DAEMON_CAMERAD, "sent");
        (void) sleep(outage_s); /* the outage itself: camerad queues its frames meanwhile */
        if (s_restart_auto)
            s_config_auto();
        ck_assert_int_eq(stack_start(&s_stack, CS_DAEMON_PUBD), 0);
    } else if (sig == SIGKILL) {
        stack_signal(&s_stack, CS_DAEMON_PUBD, SIGKILL);
        ck_assert_int_eq(stack_supervise(&s_stack, CS_DAEMON_PUBD), 1);
    } else {
        ck_assert_int_eq(stack_stop(&s_stack, CS_DAEMON_PUBD), 0);
        ck_assert_int_eq(stack_start(&s_stack, CS_DAEMON_PUBD), 0);
    }
    stack_await(&s_stack, CS_DAEMON_PUBD, "frame_subscribers", 2, 20000);
    stack_await(&s_stack, CS_DAEMON_PUBD, "frames_in", 50, 20000);
    stack_await(&s_stack, CS_DAEMON_SAVERD, "received", s_status(CS_DAEMON_SAVERD, "received") + 50,
                20000);
    s_stop_all();

    if (s_fps > 0) {
        sent = s_camerad_clean();
    } else {
        sent = s_ledger(CS_DAEMON_CAMERAD, "sent");
        ck_assert_int_eq(s_ledger(CS_DAEMON_CAMERAD, "captured")
                             - s_ledger(CS_DAEMON_CAMERAD, "dropped_at_source"),
                         sent);
    }
    ck_assert_int_le(s_ledger(CS_DAEMON_PUBD, "frames_in"), sent);
    for (enum cs_daemon_id d = CS_DAEMON_ANALYZERD; d <= CS_DAEMON_SAVERD; d++) {
        s_assert_one_run(d);
        ck_assert_int_eq(s_ledger(d, "received") + s_ledger(d, "lost"), sent);
    }
    if (outage_s > 0) {
        /* pubd read camerad's backlog only once both subscribers were back: none of it is
         * lost, by either. What is lost is what was inside the killed pubd, the same for
         * both: at most the frames in flight at the kill (none or one in most runs; a few
         * when pubd lags on a loaded machine), never any of the outage's 300. */
        ck_assert_int_eq(s_ledger(CS_DAEMON_ANALYZERD, "lost"), s_ledger(CS_DAEMON_SAVERD, "lost"));
        ck_assert_int_le(s_ledger(CS_DAEMON_SAVERD, "lost"), in_flight);
        ck_assert_int_lt(in_flight, 100 * (int64_t) outage_s / 2);
    }
    stack_only_file(s_stack.movies, movie, sizeof movie);
    stack_only_file(s_stack.stats, stats, sizeof stats);
    e.complete = 1;
    e.gaps = true;
    e.frames = (uint64_t) s_ledger(CS_DAEMON_SAVERD, "received");
    e.lost = (uint64_t) s_ledger(CS_DAEMON_SAVERD, "lost");
    verify_movie(movie, &e);
    e.frames = (uint64_t) s_ledger(CS_DAEMON_ANALYZERD, "received");
    e.lost = (uint64_t) s_ledger(CS_DAEMON_ANALYZERD, "lost");
    verify_stats(stats, &e);
}

START_TEST(kill_pubd_gap_is_counted)
{
    s_pubd_restart(SIGKILL, 0);
}
END_TEST

/* The same with the test pattern unpaced: pubd's queues are full when it dies, camerad waits
 * while it is away (a source that can wait draws a frame only when pubd has room), and all of
 * it is counted: captured - dropped_at_source = sent = received + lost for each subscriber. */
START_TEST(kill_pubd_at_full_speed)
{
    s_fps = 0;
    s_pubd_restart(SIGKILL, 0);
    s_fps = S_FPS;
}
END_TEST

/* pubd killed and restarted 3 s later: camerad flushes the 300 frames it queued meanwhile into
 * the new pubd the moment it reconnects, which pubd forwards only once both subscribers are
 * back (wait_subscribers = 2). */
START_TEST(kill_pubd_restart_3s_later)
{
    s_pubd_restart(SIGKILL, 3);
}
END_TEST

/* The same with wait_subscribers = auto (as under systemd): the new pubd waits for as many
 * frame subscribers as the killed one had. */
START_TEST(kill_pubd_restart_3s_later_auto)
{
    s_restart_auto = true;
    s_pubd_restart(SIGKILL, 3);
    s_restart_auto = false;
}
END_TEST

START_TEST(restart_pubd_under_running_subscribers)
{
    s_pubd_restart(SIGTERM, 0);
}
END_TEST

/* A subscriber is killed and restarted mid-run: it joins the run late (first_seq J > 0, not a
 * loss) and its new file holds J .. end, complete and bit-exact; the file the killed one left
 * opens and holds bit-exact frames up to its last flush. The other subscriber, there
 * throughout, balances exactly: received = captured, lost = 0. */
static void
s_kill_subscriber(enum cs_daemon_id victim)
{
    enum cs_daemon_id other = victim == CS_DAEMON_SAVERD ? CS_DAEMON_ANALYZERD : CS_DAEMON_SAVERD;
    const char *dir = victim == CS_DAEMON_SAVERD ? s_stack.movies : s_stack.stats;
    const char *group = victim == CS_DAEMON_SAVERD ? "data" : "stats";
    char files[2][PATH_MAX], other_file[PATH_MAX];
    struct expect e = s_expect();
    int64_t captured, join, kept;

    s_init(NULL);
    stack_start_all(&s_stack);
    stack_await(&s_stack, victim, "received", 150, 20000); /* past a flush (every second) */
    stack_signal(&s_stack, victim, SIGKILL);
    ck_assert_int_eq(stack_supervise(&s_stack, victim), 1);
    stack_await(&s_stack, victim, "received", 50, 20000);
    join = s_status(victim, "first_seq");
    /* The killed one had seqs 0 .. 149 at least; on a slow machine the next frame may come
     * only after the new one joined. */
    ck_assert_int_ge(join, 150);
    s_stop_all();

    captured = s_camerad_clean();
    s_assert_one_run(other);
    ck_assert_int_eq(s_ledger(other, "received"), captured);
    ck_assert_int_eq(s_ledger(other, "lost"), 0);
    s_assert_one_run(victim);
    ck_assert_int_eq(s_ledger(victim, "received"), captured - join);
    ck_assert_int_eq(s_ledger(victim, "lost"), 0);

    ck_assert_int_eq(stack_files(dir, files, 2), 2);
    e.first_seq = 0;
    kept = (int64_t) verify_killed_file(files[0], group, &e);
    ck_assert_int_le(kept, join);
    e.first_seq = (uint64_t) join;
    e.frames = (uint64_t) (captured - join);
    e.complete = 1;
    if (victim == CS_DAEMON_SAVERD)
        verify_movie(files[1], &e);
    else
        verify_stats(files[1], &e);
    stack_only_file(victim == CS_DAEMON_SAVERD ? s_stack.stats : s_stack.movies, other_file,
                    sizeof other_file);
    e.first_seq = 0;
    e.frames = (uint64_t) captured;
    if (victim == CS_DAEMON_SAVERD)
        verify_stats(other_file, &e);
    else
        verify_movie(other_file, &e);
}

START_TEST(kill_saverd_rejoins_late)
{
    s_kill_subscriber(CS_DAEMON_SAVERD);
}
END_TEST

START_TEST(kill_analyzerd_rejoins_late)
{
    s_kill_subscriber(CS_DAEMON_ANALYZERD);
}
END_TEST

/* saverd stalls (SIGSTOP) while the camera goes on for 5 s at 100 frames/s, far longer than
 * its queues hold (8 MB at pubd: 104 frames, and 1 MB in saverd: 13). pubd drops what does not
 * fit for saverd only: camerad drops nothing at source, analyzerd loses nothing, and saverd,
 * resumed, counts the gap as lost and records it in its file. (pubd's queue is analyzerd's
 * too: with 13 frames, a machine loaded five times over starved analyzerd that long.) */
START_TEST(stalled_subscriber_loses_only_its_own_frames)
{
    struct expect e = s_expect();
    char movie[PATH_MAX];
    int64_t captured, c0, lost;

    s_init("\n[pubd]\nsubscriber_buffer_mb = 8\n\n[saverd]\nreceive_buffer_mb = 1\n");
    stack_start_all(&s_stack);
    stack_await(&s_stack, CS_DAEMON_SAVERD, "written", 20, 20000);
    stack_signal(&s_stack, CS_DAEMON_SAVERD, SIGSTOP);
    c0 = s_status(CS_DAEMON_CAMERAD, "captured");
    stack_await(&s_stack, CS_DAEMON_CAMERAD, "captured", c0 + 5 * S_FPS, 20000);
    stack_signal(&s_stack, CS_DAEMON_SAVERD, SIGCONT);
    stack_await(&s_stack, CS_DAEMON_SAVERD, "received", s_status(CS_DAEMON_SAVERD, "received") + 50,
                20000);
    s_stop_all();

    captured = s_camerad_clean();
    s_assert_one_run(CS_DAEMON_ANALYZERD);
    ck_assert_int_eq(s_ledger(CS_DAEMON_ANALYZERD, "received")
                         + s_ledger(CS_DAEMON_ANALYZERD, "lost"),
                     captured);
#ifndef __SANITIZE_ADDRESS__
    /* pubd's 13-frame queue is analyzerd's too: a sanitized analyzerd falls that far behind
     * now and then (and counts it); at full speed it loses nothing. */
    ck_assert_int_eq(s_ledger(CS_DAEMON_ANALYZERD, "lost"), 0);
#endif
    s_assert_one_run(CS_DAEMON_SAVERD);
    lost = s_ledger(CS_DAEMON_SAVERD, "lost");
    ck_assert_int_eq(s_ledger(CS_DAEMON_SAVERD, "received") + lost, captured);
    /* 500 frames went by; at most both queues and the socket buffers' worth survived. */
    ck_assert_int_ge(lost, 5 * S_FPS - 200);
    stack_only_file(s_stack.movies, movie, sizeof movie);
    e.complete = 1;
    e.gaps = true;
    e.frames = (uint64_t) s_ledger(CS_DAEMON_SAVERD, "received");
    e.lost = (uint64_t) lost;
    verify_movie(movie, &e);
}
END_TEST

/* The run ends while saverd is stalled with its queues full: were the end-of-stream dropped
 * for it as frames are, saverd could not count the run's tail and would close the run as cut
 * (received 62, runs_ended 0, before pubd kept it). XPUB leaves a subscriber that missed a
 * frame out of every send until it reads again, the all-or-none ZMQ_XPUB_NODROP send of the
 * end-of-stream included, so pubd keeps the end-of-stream of a run in which a subscriber
 * missed frames and sends it again until a new run begins: saverd, resumed, ends the run by
 * it, and received + lost = captured. */
START_TEST(end_of_stream_reaches_a_subscriber_stalled_at_the_end)
{
    struct stack_params p = { .pixfmt = CS_PIXFMT_GREY,
                              .width = S_W,
                              .height = S_H,
                              .fps = S_FPS,
                              .frames = 200,
                              .wait_subscribers = 2,
                              .extra = "\n[pubd]\nsubscriber_buffer_mb = 8\n\n[saverd]\n"
                                       "receive_buffer_mb = 1\n" };
    struct expect e = s_expect();
    char movie[PATH_MAX];
    int64_t lost;

    ck_assert_int_eq(stack_init(&s_stack, &p), 0);
    stack_start_all(&s_stack);
    stack_await(&s_stack, CS_DAEMON_SAVERD, "received", 20, 20000);
    stack_signal(&s_stack, CS_DAEMON_SAVERD, SIGSTOP);
    ck_assert_int_eq(stack_wait(&s_stack, CS_DAEMON_CAMERAD), 0);
    stack_await_log(&s_stack, CS_DAEMON_PUBD, "its end-of-stream goes again", 20000);
    stack_signal(&s_stack, CS_DAEMON_SAVERD, SIGCONT);
    stack_await(&s_stack, CS_DAEMON_SAVERD, "runs_ended", 1, 20000);
    for (enum cs_daemon_id d = CS_DAEMON_PUBD; d < CS_DAEMON_COUNT; d++)
        ck_assert_msg(stack_stop(&s_stack, d) == 0, "%s did not exit 0", cs_daemon_name(d));
    ck_assert_msg(!stack_log_has(&s_stack, CS_DAEMON_PUBD, "sent without waiting longer"),
                  "pubd gave up waiting and sent the end-of-stream lossily");
    ck_assert_int_eq(s_camerad_clean(), 200);
    for (enum cs_daemon_id d = CS_DAEMON_ANALYZERD; d <= CS_DAEMON_SAVERD; d++)
        s_assert_one_run(d);
    ck_assert_int_eq(s_ledger(CS_DAEMON_ANALYZERD, "received"), 200);
    lost = s_ledger(CS_DAEMON_SAVERD, "lost");
    ck_assert_int_gt(lost, 0);
    ck_assert_int_eq(s_ledger(CS_DAEMON_SAVERD, "received") + lost, 200);
    stack_only_file(s_stack.movies, movie, sizeof movie);
    e.complete = 1;
    e.gaps = true;
    e.frames = (uint64_t) s_ledger(CS_DAEMON_SAVERD, "received");
    e.lost = (uint64_t) lost;
    verify_movie(movie, &e);
}
END_TEST

/* The config file cannot be read: every daemon exits 78 (EX_CONFIG, which the units do not
 * restart) naming the file and the reason; and a daemon restarted while its file is gone
 * stays down without disturbing the running stack. */
START_TEST(unreadable_config_exits_78)
{
    const char *args[] = { "--config", s_stack.config, NULL };
    char err[4096], moved[PATH_MAX + 8], want[PATH_MAX + 64];
    struct expect e = s_expect();
    char movie[PATH_MAX];
    int64_t captured;

    s_init(NULL);
    (void) snprintf(moved, sizeof moved, "%s.away", s_stack.config);
    /* Missing. */
    ck_assert_int_eq(rename(s_stack.config, moved), 0);
    (void) snprintf(want, sizeof want, "%s: cannot open: No such file or directory",
                    s_stack.config);
    for (enum cs_daemon_id d = 0; d < CS_DAEMON_COUNT; d++) {
        ck_assert_int_eq(stack_run_tool(cs_daemon_name(d), args, err, sizeof err), 78);
        ck_assert_msg(strstr(err, want), "%s: unexpected error text: %s", cs_daemon_name(d), err);
    }
    /* A directory where the file should be. */
    ck_assert_int_eq(mkdir(s_stack.config, 0755), 0);
    for (enum cs_daemon_id d = 0; d < CS_DAEMON_COUNT; d++) {
        ck_assert_int_eq(stack_run_tool(cs_daemon_name(d), args, err, sizeof err), 78);
        ck_assert_msg(strstr(err, s_stack.config)
                          && strstr(err, "is a directory, not a regular file"),
                      "%s: unexpected error text: %s", cs_daemon_name(d), err);
    }
    ck_assert_int_eq(rmdir(s_stack.config), 0);
    /* No read permission. root reads any file: as root, run the daemons as nobody (setpriv),
     * with the directory open to it and the file not. */
    ck_assert_int_eq(rename(moved, s_stack.config), 0);
    ck_assert_int_eq(chmod(s_stack.config, 0), 0);
    ck_assert_int_eq(chmod(s_stack.dir, 0711), 0);
    (void) snprintf(want, sizeof want, "%s: cannot open: Permission denied", s_stack.config);
    for (enum cs_daemon_id d = 0; d < CS_DAEMON_COUNT; d++) {
        const char *nobody[] = { "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                 NULL };

        ck_assert_int_eq(stack_run_tool_as(geteuid() == 0 ? nobody : NULL, cs_daemon_name(d), args,
                                           err, sizeof err),
                         78);
        ck_assert_msg(strstr(err, want), "%s: unexpected error text: %s", cs_daemon_name(d), err);
    }
    ck_assert_int_eq(chmod(s_stack.dir, 0700), 0);
    ck_assert_int_eq(chmod(s_stack.config, 0644), 0);

    /* A running stack: saverd crashes, and its file is gone when it restarts. */
    stack_start_all(&s_stack);
    stack_await(&s_stack, CS_DAEMON_SAVERD, "written", 20, 20000);
    ck_assert_int_eq(rename(s_stack.config, moved), 0);
    stack_signal(&s_stack, CS_DAEMON_SAVERD, SIGKILL);
    ck_assert_int_eq(stack_supervise(&s_stack, CS_DAEMON_SAVERD), 1);
    ck_assert_int_eq(stack_supervise(&s_stack, CS_DAEMON_SAVERD), 0); /* 78: stays down */
    ck_assert_int_eq(s_stack.status[CS_DAEMON_SAVERD], 78);
    ck_assert_int_eq(rename(moved, s_stack.config), 0);
    stack_await(&s_stack, CS_DAEMON_ANALYZERD, "received",
                s_status(CS_DAEMON_ANALYZERD, "received") + 50, 20000);
    for (enum cs_daemon_id d = CS_DAEMON_CAMERAD; d <= CS_DAEMON_ANALYZERD; d++)
        ck_assert_int_eq(stack_stop(&s_stack, d), 0);
    captured = s_camerad_clean();
    s_assert_one_run(CS_DAEMON_ANALYZERD);
    ck_assert_int_eq(s_ledger(CS_DAEMON_ANALYZERD, "received"), captured);
    ck_assert_int_eq(s_ledger(CS_DAEMON_ANALYZERD, "lost"), 0);
    stack_only_file(s_stack.stats, movie, sizeof movie);
    e.frames = (uint64_t) captured;
    e.complete = 1;
    verify_stats(movie, &e);
}
END_TEST

/* Writes the stack's config with "stream = it2" into @path, next to it (relative paths, the
 * runtime directory among them, stay the same). */
static void
s_other_stream_config(char *path, size_t size)
{
    char text[16384];
    FILE *f = fopen(s_stack.config, "re");
    size_t n;
    char *at;

    ck_assert_ptr_nonnull(f);
    n = fread(text, 1, sizeof text - 1, f);
    (void) fclose(f);
    text[n] = '\0';
    at = strstr(text, "\nstream = it\n");
    ck_assert_ptr_nonnull(at);
    (void) snprintf(path, size, "%s/other.ini", s_stack.dir);
    f = fopen(path, "we");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fprintf(f, "%.*s\nstream = it2\n%s", (int) (at - text), text,
                             at + strlen("\nstream = it\n")),
                     (int) n + 1);
    ck_assert_int_eq(fclose(f), 0);
}

/* Moves the config at @path (in the stack's directory) into <dir>/aside/, whose run, movies
 * and stats are links to the stack's: its relative paths name the same places from a
 * directory of its own. @path becomes the new path. */
static void
s_move_aside(char *path, size_t size)
{
    static const char *const links[] = { "run", "movies", "stats" };
    char dir[PATH_MAX], link[PATH_MAX + 16], target[PATH_MAX + 16], moved[PATH_MAX + 16];

    (void) snprintf(dir, sizeof dir, "%s/aside", s_stack.dir);
    ck_assert_int_eq(mkdir(dir, 0755), 0);
    for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
        (void) snprintf(link, sizeof link, "%s/%s", dir, links[i]);
        (void) snprintf(target, sizeof target, "%s/%s", s_stack.dir, links[i]);
        ck_assert_int_eq(symlink(target, link), 0);
    }
    (void) snprintf(moved, sizeof moved, "%s/other.ini", dir);
    ck_assert_int_eq(rename(path, moved), 0);
    ck_assert_int_lt(snprintf(path, size, "%s", moved), (int) size);
}

/* Removes what s_move_aside() made. */
static void
s_remove_aside(const char *path)
{
    static const char *const links[] = { "run", "movies", "stats" };
    char dir[PATH_MAX], link[PATH_MAX + 16];

    (void) snprintf(dir, sizeof dir, "%s/aside", s_stack.dir);
    ck_assert_int_eq(unlink(path), 0);
    for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
        (void) snprintf(link, sizeof link, "%s/%s", dir, links[i]);
        ck_assert_int_eq(unlink(link), 0);
    }
    ck_assert_int_eq(rmdir(dir), 0);
}

/* A second copy of a daemon started on the same config must not take the first one's
 * endpoints over: it exits 75 (EX_TEMPFAIL) naming the running copy's PID, and the first keeps
 * answering and recording. A daemon of another stream configured onto the same sockets is
 * refused with 78 naming both files when its config is beside the stack's, and from elsewhere
 * finds them live and exits 1, naming the PID that listens. A copy killed with SIGKILL leaves
 * its lock file and socket files behind: the next start takes them over. */
START_TEST(second_copy_is_refused)
{
    const char *args[] = { "--config", s_stack.config, NULL };
    char err[4096], want[128], other[PATH_MAX];
    int64_t written;

    s_init(NULL);
    stack_start_all(&s_stack);
    stack_await(&s_stack, CS_DAEMON_SAVERD, "written", 20, 20000);
    for (enum cs_daemon_id d = 0; d < CS_DAEMON_COUNT; d++) {
        pid_t first = stack_daemon_pid(&s_stack, d);

        ck_assert_int_gt(first, 0);
        ck_assert_int_eq(stack_run_tool(cs_daemon_name(d), args, err, sizeof err), 75);
        (void) snprintf(want, sizeof want, "another %s already runs on stream 'it' as PID %ld",
                        cs_daemon_name(d), (long) first);
        ck_assert_msg(strstr(err, want), "%s: unexpected message: %s", cs_daemon_name(d), err);
        ck_assert_int_eq(s_status(d, "pid"), first);
    }
    /* A daemon of another stack (another stream: another lock) whose config names the same
     * sockets. Beside the stack's own config it is refused before it binds anything, naming
     * both files; from another directory (which links to the stack's, so that its relative
     * paths name the same sockets) it finds them live and leaves them alone, naming who
     * listens. */
    s_other_stream_config(other, sizeof other);
    for (enum cs_daemon_id d = 0; d < CS_DAEMON_COUNT; d++) {
        const char *other_args[] = { "--config", other, NULL };

        ck_assert_int_eq(stack_run_tool(cs_daemon_name(d), other_args, err, sizeof err), 78);
        ck_assert_msg(strstr(err, other) && strstr(err, "[endpoints] ingest")
                          && strstr(err, s_stack.config),
                      "%s: unexpected: %s", cs_daemon_name(d), err);
        ck_assert_int_eq(s_status(d, "pid"), stack_daemon_pid(&s_stack, d));
    }
    s_move_aside(other, sizeof other);
    for (enum cs_daemon_id d = 0; d < CS_DAEMON_COUNT; d++) {
        const char *other_args[] = { "--config", other, NULL };

        ck_assert_int_eq(stack_run_tool(cs_daemon_name(d), other_args, err, sizeof err), 1);
        (void) snprintf(want, sizeof want, "Address already in use: PID %ld listens on it",
                        (long) stack_daemon_pid(&s_stack, d));
        ck_assert_msg(strstr(err, want), "%s: unexpected message: %s", cs_daemon_name(d), err);
        ck_assert_int_eq(s_status(d, "pid"), stack_daemon_pid(&s_stack, d));
    }
    s_remove_aside(other);
    written = s_status(CS_DAEMON_SAVERD, "written");
    stack_await(&s_stack, CS_DAEMON_SAVERD, "written", written + 20, 20000);

    /* Stale locks and sockets: every daemon killed, then started again. */
    for (enum cs_daemon_id d = 0; d < CS_DAEMON_COUNT; d++)
        stack_signal(&s_stack, d, SIGKILL);
    for (enum cs_daemon_id d = 0; d < CS_DAEMON_COUNT; d++)
        ck_assert_int_eq(stack_wait(&s_stack, d), 128 + SIGKILL);
    stack_start_all(&s_stack);
    stack_await(&s_stack, CS_DAEMON_SAVERD, "written", 20, 20000);
    for (enum cs_daemon_id d = 0; d < CS_DAEMON_COUNT; d++)
        ck_assert_int_eq(s_status(d, "pid"), stack_daemon_pid(&s_stack, d));
    s_stop_all();
}
END_TEST

/* The orderly stop in the units' order, pubd stopped the moment camerad has exited: camerad's
 * last frames and its end-of-stream may still be on their way into pubd (in the socket, or in
 * pubd's I/O thread) when pubd's stop begins. pubd must forward them: every subscriber ends
 * the run by its end-of-stream, with every frame. Large frames make the window wide; the test
 * runs several times. */
START_TEST(stop_right_after_camerad_keeps_the_end_of_stream)
{
    struct stack_params p = { .pixfmt = CS_PIXFMT_RGB24,
                              .width = 1920,
                              .height = 1080,
                              .fps = 0,
                              .frames = 12,
                              .wait_subscribers = 2 };
    struct expect e = { .pixfmt = CS_PIXFMT_RGB24, .width = 1920, .height = 1080, .complete = 1 };
    char movie[PATH_MAX], stats[PATH_MAX];
    int64_t sent;

    ck_assert_int_eq(stack_init(&s_stack, &p), 0);
    stack_start_all(&s_stack);
    ck_assert_int_eq(stack_wait(&s_stack, CS_DAEMON_CAMERAD), 0);
    for (enum cs_daemon_id d = CS_DAEMON_PUBD; d < CS_DAEMON_COUNT; d++)
        ck_assert_msg(stack_stop(&s_stack, d) == 0, "%s did not exit 0", cs_daemon_name(d));
    sent = s_ledger(CS_DAEMON_CAMERAD, "sent");
    ck_assert_int_eq(s_ledger(CS_DAEMON_PUBD, "frames_in"), sent);
    for (enum cs_daemon_id d = CS_DAEMON_ANALYZERD; d <= CS_DAEMON_SAVERD; d++) {
        s_assert_one_run(d);
        ck_assert_int_eq(s_ledger(d, "received") + s_ledger(d, "lost"), sent);
    }
    stack_only_file(s_stack.movies, movie, sizeof movie);
    stack_only_file(s_stack.stats, stats, sizeof stats);
    e.gaps = true;
    e.frames = (uint64_t) s_ledger(CS_DAEMON_SAVERD, "received");
    e.lost = (uint64_t) s_ledger(CS_DAEMON_SAVERD, "lost");
    verify_movie(movie, &e);
    e.frames = (uint64_t) s_ledger(CS_DAEMON_ANALYZERD, "received");
    e.lost = (uint64_t) s_ledger(CS_DAEMON_ANALYZERD, "lost");
    verify_stats(stats, &e);
}
END_TEST

/* pubd's stop begins while camerad's last frames and its end-of-stream are still in the
 * socket: pubd is stopped (SIGSTOP) while camerad sends its last 20 frames and ends, and gets
 * its SIGTERM before it runs again. It must wait for the end-of-stream it has not read yet
 * (up to linger_ms) and forward everything: each subscriber receives every frame and ends the
 * run by its end-of-stream. (pubd used to stop as soon as what its I/O thread had already
 * read was forwarded, and the rest, end-of-stream included, was lost without a count.) */
START_TEST(stop_pubd_with_frames_in_flight)
{
    struct stack_params p = { .pixfmt = CS_PIXFMT_GREY,
                              .width = 32,
                              .height = 24,
                              .fps = 200,
                              .frames = 60,
                              .wait_subscribers = 2 };
    struct expect e = { .pixfmt = CS_PIXFMT_GREY, .width = 32, .height = 24, .complete = 1 };
    char movie[PATH_MAX], stats[PATH_MAX];

    ck_assert_int_eq(stack_init(&s_stack, &p), 0);
    stack_start_all(&s_stack);
    stack_await(&s_stack, CS_DAEMON_SAVERD, "received", 40, 20000);
    stack_signal(&s_stack, CS_DAEMON_PUBD, SIGSTOP);
    /* The last 20 frames of 768 bytes and the end-of-stream fit in the socket buffers (even
     * if more are left under load, 60 frames do): camerad ends at once. */
    ck_assert_int_eq(stack_wait(&s_stack, CS_DAEMON_CAMERAD), 0);
    stack_signal(&s_stack, CS_DAEMON_PUBD, SIGTERM);
    stack_signal(&s_stack, CS_DAEMON_PUBD, SIGCONT);
    ck_assert_int_eq(stack_wait(&s_stack, CS_DAEMON_PUBD), 0);
    for (enum cs_daemon_id d = CS_DAEMON_ANALYZERD; d <= CS_DAEMON_SAVERD; d++)
        ck_assert_msg(stack_stop(&s_stack, d) == 0, "%s did not exit 0", cs_daemon_name(d));
    ck_assert_int_eq(s_camerad_clean(), 60);
    ck_assert_int_eq(s_ledger(CS_DAEMON_PUBD, "frames_in"), 60);
    for (enum cs_daemon_id d = CS_DAEMON_ANALYZERD; d <= CS_DAEMON_SAVERD; d++) {
        s_assert_one_run(d);
        ck_assert_int_eq(s_ledger(d, "received"), 60);
        ck_assert_int_eq(s_ledger(d, "lost"), 0);
    }
    stack_only_file(s_stack.movies, movie, sizeof movie);
    stack_only_file(s_stack.stats, stats, sizeof stats);
    e.frames = 60;
    verify_movie(movie, &e);
    verify_stats(stats, &e);
}
END_TEST

/* pubd is stalled (SIGSTOP) for 7 s as the run ends: camerad's last frames, more than the
 * socket holds, and its end-of-stream wait in camerad's queue, and camerad waits for pubd
 * (up to 30 s) instead of exiting and dropping them. (It used to wait 5 s: under valgrind a
 * slow pubd missed the last 5 of 20 frames and the end-of-stream, and the run was cut.) */
START_TEST(camerad_waits_for_a_stalled_pubd_at_the_end)
{
    struct stack_params p = { .pixfmt = CS_PIXFMT_GREY,
                              .width = S_W,
                              .height = S_H,
                              .fps = S_FPS,
                              .frames = 100,
                              .wait_subscribers = 2 };
    struct expect e = s_expect();
    char movie[PATH_MAX], stats[PATH_MAX];
    int st;

    ck_assert_int_eq(stack_init(&s_stack, &p), 0);
    stack_start_all(&s_stack);
    stack_await(&s_stack, CS_DAEMON_SAVERD, "received", 10, 20000);
    stack_signal(&s_stack, CS_DAEMON_PUBD, SIGSTOP);
    zclock_sleep(7000); /* the fault: a stall longer than the old 5 s */
    ck_assert_int_eq(waitpid(s_stack.pid[CS_DAEMON_CAMERAD], &st, WNOHANG), 0); /* still there */
    stack_signal(&s_stack, CS_DAEMON_PUBD, SIGCONT);
    ck_assert_int_eq(stack_wait(&s_stack, CS_DAEMON_CAMERAD), 0);
    for (enum cs_daemon_id d = CS_DAEMON_PUBD; d < CS_DAEMON_COUNT; d++)
        ck_assert_msg(stack_stop(&s_stack, d) == 0, "%s did not exit 0", cs_daemon_name(d));
    ck_assert_int_eq(s_camerad_clean(), 100);
    ck_assert_int_eq(s_ledger(CS_DAEMON_PUBD, "frames_in"), 100);
    for (enum cs_daemon_id d = CS_DAEMON_ANALYZERD; d <= CS_DAEMON_SAVERD; d++) {
        s_assert_one_run(d);
        ck_assert_int_eq(s_ledger(d, "received"), 100);
        ck_assert_int_eq(s_ledger(d, "lost"), 0);
    }
    stack_only_file(s_stack.movies, movie, sizeof movie);
    stack_only_file(s_stack.stats, stats, sizeof stats);
    e.frames = 100;
    e.complete = 1;
    verify_movie(movie, &e);
    verify_stats(stats, &e);
}
END_TEST

Suite *
test_suite(void)
{
    Suite *s = suite_create("faults");
    TCase *tc = tcase_create("kill-and-restart");

    tcase_add_checked_fixture(tc, NULL, s_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, kill_camerad_starts_a_new_run);
    tcase_add_test(tc, kill_pubd_gap_is_counted);
    tcase_add_test(tc, kill_pubd_at_full_speed);
    tcase_add_test(tc, restart_pubd_under_running_subscribers);
    tcase_add_test(tc, kill_pubd_restart_3s_later);
    tcase_add_test(tc, kill_pubd_restart_3s_later_auto);
    tcase_add_test(tc, kill_saverd_rejoins_late);
    tcase_add_test(tc, kill_analyzerd_rejoins_late);
    suite_add_tcase(s, tc);

    tc = tcase_create("stall-and-config");
    tcase_add_checked_fixture(tc, NULL, s_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, stalled_subscriber_loses_only_its_own_frames);
    tcase_add_test(tc, end_of_stream_reaches_a_subscriber_stalled_at_the_end);
    tcase_add_test(tc, unreadable_config_exits_78);
    tcase_add_test(tc, second_copy_is_refused);
    suite_add_tcase(s, tc);

    tc = tcase_create("orderly-stop");
    tcase_add_checked_fixture(tc, NULL, s_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, stop_right_after_camerad_keeps_the_end_of_stream, 0, 5);
    tcase_add_loop_test(tc, stop_pubd_with_frames_in_flight, 0, 3);
    tcase_add_test(tc, camerad_waits_for_a_stalled_pubd_at_the_end);
    suite_add_tcase(s, tc);
    return s;
}
