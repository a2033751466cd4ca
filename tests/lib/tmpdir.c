#include "tmpdir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "check-main.h"

char test_tmpdir[PATH_MAX];

void
test_tmpdir_setup(void)
{
    const char *base = test_run_dir();
    int n;

    ck_assert_msg(base[0], "no run directory (see main()'s message)");
    n = snprintf(test_tmpdir, sizeof test_tmpdir, "%s/t-XXXXXX", base);
    ck_assert(n > 0 && (size_t) n < sizeof test_tmpdir);
    ck_assert_msg(mkdtemp(test_tmpdir) != NULL, "mkdtemp(%s): %s", test_tmpdir, strerror(errno));
}

/* Removes the test's directory and what is in it (one level: a test that makes directories
 * removes them itself). Returns how many entries it held, their names in @left, or -1. */
static int
s_remove(char *left, size_t size)
{
    struct dirent *e;
    DIR *d;
    int n_left = 0;

    left[0] = '\0';
    d = opendir(test_tmpdir);
    if (!d)
        return -1;
    while ((e = readdir(d))) {
        size_t len = strlen(left);

        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        n_left++;
        (void) snprintf(left + len, size - len, " %s", e->d_name);
        if (unlinkat(dirfd(d), e->d_name, 0) < 0)
            (void) unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR);
    }
    (void) closedir(d);
    return rmdir(test_tmpdir) < 0 ? -1 : n_left;
}

void
test_tmpdir_teardown(void)
{
    char left[512];
    int n_left = s_remove(left, sizeof left);

    ck_assert_msg(n_left >= 0, "cannot remove %s: %s", test_tmpdir, strerror(errno));
    ck_assert_msg(n_left == 0, "the test left %d file(s) in its directory:%s", n_left, left);
}

const char *
test_tmpdir_path(char *buf, size_t size, const char *name)
{
    int n = snprintf(buf, size, "%s/%s", test_tmpdir, name);

    ck_assert(n > 0 && (size_t) n < size);
    return buf;
}

void
test_tmpdir_write(char *buf, size_t size, const char *name, const char *text)
{
    FILE *f;

    test_tmpdir_path(buf, size, name);
    f = fopen(buf, "we");
    ck_assert_msg(f != NULL, "fopen(%s): %s", buf, strerror(errno));
    ck_assert(fputs(text, f) >= 0);
    ck_assert_int_eq(fclose(f), 0);
}
