/* viewd's page in a real browser (check_page.py: Debian's chromium, headless, driven by
 * python3-selenium and chromedriver) against a stack on the test pattern, in each pixel
 * format: the image shown is the pattern frame its caption names, as viewd shows that format,
 * and changes as frames advance; the histogram and statistics panels name frames of the run,
 * the statistics are those of their frame; once the stack is idle, the status panel shows
 * every daemon's state, run, loss and ledger as camstackctl status --json does. A screenshot
 * of each page is kept in the build directory's meson-logs/ (viewd-page-<format>.png). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check-main.h"
#include "harness.h"
#include "json.h"
#include "pixfmt.h"

#define S_OUT 65536

static struct stack s_stack;
static char s_out[S_OUT];

static void
s_teardown(void)
{
    ck_assert_int_eq(stack_destroy(&s_stack), 0);
}

/* Sizes that need no scaling (below [viewd] max_width), even for YUYV. */
static const struct {
    enum cs_pixfmt pixfmt;
    unsigned width, height;
} s_cases[] = {
    { CS_PIXFMT_RGB24, 160, 120 }, { CS_PIXFMT_GREY, 160, 120 }, { CS_PIXFMT_Y16, 160, 120 },
    { CS_PIXFMT_BGR24, 160, 120 }, { CS_PIXFMT_YUYV, 160, 120 },
};

START_TEST(page_shows_each_format_and_the_stack)
{
    struct stack_params p = { .pixfmt = s_cases[_i].pixfmt,
                              .width = s_cases[_i].width,
                              .height = s_cases[_i].height,
                              .fps = 30,
                              .frames = 0,
                              .wait_subscribers = 2 };
    const char *fmt = cs_pixfmt_info(p.pixfmt)->name;
    char url[256], w[16], h[16], shot[PATH_MAX], drvlog[PATH_MAX], ctl[PATH_MAX];
    json_t *st;

    ck_assert_int_eq(stack_init(&s_stack, &p), 0);
    stack_start_all(&s_stack);
    stack_await(&s_stack, CS_DAEMON_VIEWD, "received", 3, 20000);
    st = stack_status_json(&s_stack, CS_DAEMON_VIEWD, 5000);
    ck_assert_ptr_nonnull(st);
    ck_assert_int_eq(cs_json_copy_string(st, "url", url, sizeof url), 0);
    json_decref(st);
    (void) snprintf(w, sizeof w, "%u", p.width);
    (void) snprintf(h, sizeof h, "%u", p.height);
    stack_build_path(shot, sizeof shot, "meson-logs");
    (void) snprintf(shot + strlen(shot), sizeof shot - strlen(shot), "/viewd-page-%s.png", fmt);
    (void) snprintf(drvlog, sizeof drvlog, "%s/chromedriver.log", s_stack.dir);
    stack_build_path(ctl, sizeof ctl, "tools/camstackctl/camstackctl");
    ck_assert_msg(stack_python("check_page.py",
                               (const char *const[]){
                                   "--url", url, "--format", fmt, "--width", w, "--height", h,
                                   "--frames", "3", "--screenshot", shot, "--chromedriver-log",
                                   drvlog, "--camstackctl", ctl, "--config", s_stack.config, NULL },
                               s_out, sizeof s_out)
                      == 0,
                  "%s: %s", fmt, s_out);
    ck_assert_int_eq(access(shot, F_OK), 0);
    (void) printf("%s: %s", fmt, s_out); /* the frames checked and their error, for the log */
}
END_TEST

Suite *
test_suite(void)
{
    Suite *s = suite_create("view");
    TCase *tc = tcase_create("browser");

    tcase_set_timeout(tc, 150);
    tcase_add_checked_fixture(tc, NULL, s_teardown);
    tcase_add_loop_test(tc, page_shows_each_format_and_the_stack, 0,
                        (int) (sizeof s_cases / sizeof s_cases[0]));
    suite_add_tcase(s, tc);
    return s;
}
