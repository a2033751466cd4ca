#include "harness.h"

#include <stdio.h>
#include <stdlib.h>

#include <check.h>

static void (*s_fn)(void *arg);
static void *s_arg;

START_TEST(s_run)
{
    s_fn(s_arg);
}
END_TEST

int
stack_run_checked(const char *name, void (*fn)(void *arg), void *arg)
{
    Suite *suite = suite_create(name);
    TCase *tc = tcase_create(name);
    SRunner *sr;
    int failed;

    s_fn = fn;
    s_arg = arg;
    tcase_add_test(tc, s_run);
    suite_add_tcase(suite, tc);
    sr = srunner_create(suite);
    /* In this process: no fork, and so no time limit; the processes it starts have theirs. */
    srunner_set_fork_status(sr, CK_NOFORK);
    srunner_run_all(sr, CK_SILENT);
    failed = srunner_ntests_failed(sr);
    if (failed) {
        TestResult **tr = srunner_failures(sr);

        (void) fprintf(stderr, "%s: %s:%d: %s\n", name, tr_lfile(tr[0]), tr_lno(tr[0]),
                       tr_msg(tr[0]));
        free(tr);
    }
    srunner_free(sr);
    return failed ? -1 : 0;
}
