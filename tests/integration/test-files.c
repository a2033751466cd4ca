/* The files as their readers see them, with a real stack writing them: read while they are
 * written (h5py in SWMR mode, camstackctl plot), a writer killed mid-run, and a rotated run
 * read through its virtual-dataset file. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <czmq.h>

#include "check-main.h"
#include "harness.h"

#define S_OUT 65536

static struct stack s_stack;
static char s_out[S_OUT], s_err[S_OUT];

static void
s_teardown(void)
{
    ck_assert_int_eq(stack_destroy(&s_stack), 0);
}

/* Runs /usr/bin/python3 -c @code @path: s_out holds what it printed. */
static int
s_python_code(const char *code, const char *path)
{
    return stack_run_cmd((const char *const[]){ "/usr/bin/python3", "-c", code, path, NULL }, 60,
                         s_out, sizeof s_out);
}

/* What a reader of a file whose writer was killed finds (FILES.md: the one test of a file
 * not closed): @end_reason still "writing", whatever else the file holds. */
static const char s_killed_py[] = "import sys, h5py\n"
                                  "f = h5py.File(sys.argv[1], 'r', libver='latest', swmr=True)\n"
                                  "a = f.attrs\n"
                                  "assert a['end_reason'] == 'writing', a['end_reason']\n"
                                  "assert isinstance(a['end_reason'], str)\n"
                                  "assert int(a['complete']) == 0 and int(a['frames']) == 0\n"
                                  "print('not closed:', a['end_reason'])\n";

/* Both daemons' files are read while they grow: h5py in SWMR mode checks every frame and
 * every statistics row as it appears, camstackctl plot draws the live statistics file as far
 * as it goes; then both writers are killed, and their files still say they were not closed. */
START_TEST(files_are_read_while_written_and_say_when_not_closed)
{
    struct stack_params p = { .pixfmt = CS_PIXFMT_RGB24,
                              .width = 160,
                              .height = 120,
                              .fps = 100,
                              .frames = 0,
                              .wait_subscribers = 2,
                              .extra = "\n[saverd]\nflush_interval_ms = 100\n" };
    char movie[PATH_MAX], stats[PATH_MAX], svg[PATH_MAX + 16];
    const char *args[] = { "--format", "RGB24", "--width", "160", "--height", "120",
                           "--rows",   "50",    movie,     stats, NULL };
    int64_t frames;

    ck_assert_int_eq(stack_init(&s_stack, &p), 0);
    stack_start_all(&s_stack);
    stack_await(&s_stack, CS_DAEMON_SAVERD, "file_frames", 1, 20000);
    stack_await(&s_stack, CS_DAEMON_ANALYZERD, "analysed", 1, 20000);
    stack_status_str(&s_stack, CS_DAEMON_SAVERD, "file", movie, sizeof movie);
    stack_status_str(&s_stack, CS_DAEMON_ANALYZERD, "file", stats, sizeof stats);
    ck_assert_msg(movie[0] && stats[0], "files: '%s' '%s'", movie, stats);

    ck_assert_msg(stack_python("check_live.py", args, s_out, sizeof s_out) == 0, "%s", s_out);
    ck_assert_int_ge(stack_json_i64(s_out, "stats_rows"), 50);
    ck_assert_int_ge(stack_json_i64(s_out, "movie_frames"), 50);

    /* The live statistics file, as camstackctl plot reads it (analyzerd still writing). */
    (void) snprintf(svg, sizeof svg, "%s/live.svg", s_stack.dir);
    ck_assert_msg(STACK_CTL(&s_stack, s_out, s_err, "plot", stats, svg) == 0, "%s%s", s_out, s_err);
    ck_assert_msg(strstr(s_out, " frames of "), "%s", s_out);
    frames = strtoll(strstr(s_out, ": ") + 2, NULL, 10);
    ck_assert_int_ge(frames, 50);
    stack_read_file(&s_stack, "live.svg", s_err, sizeof s_err);
    ck_assert_msg(strstr(s_err, "still being written"), "%s", s_err);
    ck_assert_int_gt(stack_status(&s_stack, CS_DAEMON_ANALYZERD, "analysed", 2000), 0);

    /* Killed mid-run: nothing closes the files. */
    stack_signal(&s_stack, CS_DAEMON_ANALYZERD, SIGKILL);
    stack_signal(&s_stack, CS_DAEMON_SAVERD, SIGKILL);
    ck_assert_int_eq(stack_wait(&s_stack, CS_DAEMON_ANALYZERD), 128 + SIGKILL);
    ck_assert_int_eq(stack_wait(&s_stack, CS_DAEMON_SAVERD), 128 + SIGKILL);
    ck_assert_msg(s_python_code(s_killed_py, movie) == 0, "%s: %s", movie, s_out);
    ck_assert_msg(s_python_code(s_killed_py, stats) == 0, "%s: %s", stats, s_out);
    ck_assert_int_eq(stack_stop(&s_stack, CS_DAEMON_CAMERAD), 0);
    ck_assert_int_eq(stack_stop(&s_stack, CS_DAEMON_PUBD), 0);
}
END_TEST

/* Runs @script with the format options of @p and @args after them (NULL-terminated). */
static int
s_check(const char *script, const struct stack_params *p, const char *const *args)
{
    char w[16], h[16];
    const char *argv[80] = { "--format", cs_pixfmt_info(p->pixfmt)->name, "--width", w, "--height",
                             h };
    int k = 6;

    (void) snprintf(w, sizeof w, "%u", p->width);
    (void) snprintf(h, sizeof h, "%u", p->height);
    for (; *args; args++) {
        ck_assert_int_lt(k, 79);
        argv[k++] = *args;
    }
    argv[k] = NULL;
    return stack_python(script, argv, s_out, sizeof s_out);
}

/* A rotated run, read through its run file (<first part>.vds.h5): while saverd writes its
 * later parts (h5py in SWMR mode), then closed, where it must equal the concatenation of its
 * parts frame by frame, with seq, timestamps and gaps; and in silx, as one image stack. The
 * gaps come from a stalled disk (an ext4 image frozen with fsfreeze, as in test-saverd):
 * saverd's queue overflows, and the frames it drops are listed in the part after them. One
 * format whose frames are the image, and each that a viewer is shown through a view dataset
 * (pixfmt.h, file_view). */
static const enum cs_pixfmt s_rotated_formats[] = { CS_PIXFMT_RGB24, CS_PIXFMT_YUYV,
                                                    CS_PIXFMT_BGR24 };

START_TEST(rotated_run_reads_as_one_through_its_run_file)
{
    struct stack_params p = { .pixfmt = s_rotated_formats[_i],
                              .width = 320,
                              .height = 240,
                              .fps = 100,
                              .frames = 0,
                              .wait_subscribers = 2,
                              .extra = "\n[saverd]\nflush_interval_ms = 100\n"
                                       "max_frames_per_file = 40\nqueue_mb = 8\n" };
    char files[64][PATH_MAX], run_file[PATH_MAX + 8];
    const char *args[66];
    int64_t dropped;
    int n;

    ck_assert_int_eq(stack_init(&s_stack, &p), 0);
    stack_mount_ext4(&s_stack, s_stack.movies, 1024);
    stack_start_all(&s_stack);
    stack_await(&s_stack, CS_DAEMON_SAVERD, "files_closed", 2, 30000);
    n = stack_files(s_stack.movies, files, 64);
    ck_assert_int_ge(n, 3);
    (void) snprintf(run_file, sizeof run_file, "%.*s.vds.h5", (int) strlen(files[0]) - 3, files[0]);
    /* Read as far as it goes while the last part is written. */
    ck_assert_msg(s_check("check_runvds.py", &p,
                          (const char *const[]){ "--live", "--rows", "100", "--part-frames", "40",
                                                 run_file, NULL })
                      == 0,
                  "%s", s_out);

    /* The disk stalls: saverd's small queue overflows, and what it drops is listed as gaps. */
    stack_freeze(&s_stack, true);
    stack_await(&s_stack, CS_DAEMON_SAVERD, "queue_dropped", 20, 20000);
    stack_freeze(&s_stack, false);
    stack_await(&s_stack, CS_DAEMON_SAVERD, "files_closed", 6, 30000);
    ck_assert_int_eq(stack_stop(&s_stack, CS_DAEMON_CAMERAD), 0);
    stack_await(&s_stack, CS_DAEMON_SAVERD, "runs_ended", 1, 20000);
    ck_assert_int_eq(stack_stop(&s_stack, CS_DAEMON_PUBD), 0);
    ck_assert_int_eq(stack_stop(&s_stack, CS_DAEMON_ANALYZERD), 0);
    ck_assert_int_eq(stack_stop(&s_stack, CS_DAEMON_SAVERD), 0);
    dropped = stack_ledger(&s_stack, CS_DAEMON_SAVERD, "queue_dropped");
    printf("rotated run: saverd dropped %lld frames\n", (long long) dropped);

    n = stack_files(s_stack.movies, files, 64);
    ck_assert_int_ge(n, 7);
    args[0] = run_file;
    for (int i = 0; i < n; i++)
        args[i + 1] = files[i];
    args[n + 1] = NULL;
    ck_assert_msg(s_check("check_runvds.py", &p, args) == 0, "%s", s_out);
    ck_assert_int_eq(stack_json_i64(s_out, "parts"), n);
    ck_assert_int_eq(stack_json_i64(s_out, "frames"),
                     stack_ledger(&s_stack, CS_DAEMON_SAVERD, "written"));
    ck_assert_int_eq(stack_json_i64(s_out, "end_seq"),
                     stack_ledger(&s_stack, CS_DAEMON_CAMERAD, "sent"));
    {
        json_t *out = stack_json_parse(s_out);
        const char *why = "";

        ck_assert_msg(out && cs_json_get_string(out, "end_reason", &why) == 0
                          && strcmp(why, "end_of_stream") == 0,
                      "%s", s_out);
        json_decref(out);
    }
    /* The parts themselves, and their continuity, as check_movie.py sees them. */
    args[0] = "--compression";
    args[1] = "none";
    for (int i = 0; i < n; i++)
        args[i + 2] = files[i];
    args[n + 2] = NULL;
    ck_assert_msg(s_check("check_movie.py", &p, args) == 0, "%s", s_out);
    ck_assert_int_eq(stack_json_i64(s_out, "queue"), dropped);
    ck_assert_int_ge(dropped, 20);
    /* silx shows the run as one image stack. */
    ck_assert_msg(stack_python("check_silx.py",
                               (const char *const[]){ "movie", run_file, "--format",
                                                      cs_pixfmt_info(p.pixfmt)->name, "--width",
                                                      "320", "--height", "240", NULL },
                               s_out, sizeof s_out)
                      == 0,
                  "%s", s_out);
}
END_TEST

/* Every code example of README.md and of the documents in docs/ (check_docs.py): run against the
 * files of a real run of stream "cam1" (whose rate was changed during the run, so that the files
 * have a camera change to show), with pubd, analyzerd and saverd still running for those that
 * ask them, or, where marked norun, checked for syntax. */
START_TEST(document_examples_run)
{
    struct stack_params p = { .stream = "cam1",
                              .pixfmt = CS_PIXFMT_RGB24,
                              .width = 96,
                              .height = 64,
                              .fps = 100,
                              .frames = 40,
                              .wait_subscribers = 2,
                              /* three parts and their run file, for the examples of both */
                              .extra = "\n[saverd]\nmax_frames_per_file = 15\n" };
    const char *src = getenv("CS_SOURCE_ROOT");
    char run_dir[PATH_MAX + 8];

    ck_assert_ptr_nonnull(src);
    ck_assert_int_eq(stack_init(&s_stack, &p), 0);
    stack_start_all(&s_stack);
    stack_await(&s_stack, CS_DAEMON_CAMERAD, "captured", 10, 20000);
    ck_assert_int_eq(stack_request(&s_stack, CS_DAEMON_CAMERAD, "camera set fps 200", 10000, s_out,
                                   sizeof s_out),
                     0);
    ck_assert_msg(strstr(s_out, "\"ok\":true"), "%s", s_out);
    ck_assert_int_eq(stack_wait(&s_stack, CS_DAEMON_CAMERAD), 0);
    stack_await(&s_stack, CS_DAEMON_SAVERD, "runs_ended", 1, 20000);
    stack_await(&s_stack, CS_DAEMON_ANALYZERD, "runs_ended", 1, 20000);
    (void) snprintf(run_dir, sizeof run_dir, "%s/run", s_stack.dir);
    ck_assert_msg(
        stack_python("check_docs.py",
                     (const char *const[]){ "--source-root", src, "--movies", s_stack.movies,
                                            "--stats", s_stack.stats, "--run-dir", run_dir, NULL },
                     s_out, sizeof s_out)
            == 0,
        "%s", s_out);
    printf("documents: %s\n", s_out);
    ck_assert_int_ge(stack_json_i64(s_out, "run"), 5);
    ck_assert_int_eq(stack_stop(&s_stack, CS_DAEMON_PUBD), 0);
    ck_assert_int_eq(stack_stop(&s_stack, CS_DAEMON_ANALYZERD), 0);
    ck_assert_int_eq(stack_stop(&s_stack, CS_DAEMON_SAVERD), 0);
}
END_TEST

Suite *
test_suite(void)
{
    Suite *s = suite_create("files");
    TCase *tc = tcase_create("readers");

    stack_registry_open();
    test_at_end(stack_registry_close); /* what failed tests left mounted */
    tcase_add_checked_fixture(tc, NULL, s_teardown);
    tcase_set_timeout(tc, 180);
    tcase_add_test(tc, files_are_read_while_written_and_say_when_not_closed);
    suite_add_tcase(s, tc);

    tc = tcase_create("rotated");
    tcase_add_checked_fixture(tc, NULL, s_teardown);
    tcase_set_timeout(tc, 240);
    tcase_add_loop_test(tc, rotated_run_reads_as_one_through_its_run_file, 0,
                        (int) (sizeof s_rotated_formats / sizeof s_rotated_formats[0]));
    suite_add_tcase(s, tc);

    tc = tcase_create("documents");
    tcase_add_checked_fixture(tc, NULL, s_teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, document_examples_run);
    suite_add_tcase(s, tc);
    return s;
}
