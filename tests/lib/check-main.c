#include "check-main.h"

#include <assert.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_AT_END_MAX 4

extern char *program_invocation_short_name;

static void (*s_at_end[S_AT_END_MAX])(void);
static char s_run_dir[PATH_MAX];

void
test_at_end(void (*fn)(void))
{
    for (int i = 0; i < S_AT_END_MAX; i++) {
        if (!s_at_end[i]) {
            s_at_end[i] = fn;
            return;
        }
    }
    assert(!"more than S_AT_END_MAX functions for test_at_end()");
}

const char *
test_run_dir(void)
{
    return s_run_dir;
}

/* Makes the run directory; on failure it stays "" and the fixtures that need it fail. */
static void
s_make_run_dir(void)
{
    const char *tmp = getenv("TMPDIR");
    int n;

    n = snprintf(s_run_dir, sizeof s_run_dir, "%s/cs-%s-XXXXXX", tmp && tmp[0] ? tmp : "/tmp",
                 program_invocation_short_name);
    if (n < 0 || (size_t) n >= sizeof s_run_dir || !mkdtemp(s_run_dir)) {
        (void) fprintf(stderr, "cannot make a directory for the tests (%s): %s\n", s_run_dir,
                       strerror(errno));
        s_run_dir[0] = '\0';
    }
}

static int
s_remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void) remove(path);
    return 0;
}

int
main(void)
{
    Suite *suite = test_suite();
    SRunner *sr;
    int failed;

    /* After test_suite(): a program that skips leaves nothing behind. */
    s_make_run_dir();
    sr = srunner_create(suite);
    srunner_run_all(sr, CK_ENV);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    for (int i = 0; i < S_AT_END_MAX && s_at_end[i]; i++)
        s_at_end[i]();
    if (s_run_dir[0])
        (void) nftw(s_run_dir, s_remove_entry, 8, FTW_DEPTH | FTW_PHYS);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
