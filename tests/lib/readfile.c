#include "readfile.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *
test_read_file(const char *path, size_t *ret_size)
{
    FILE *f = fopen(path, "rbe");
    char *buf;
    long n;

    ck_assert_msg(f, "cannot read %s: %s", path, strerror(errno));
    ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
    n = ftell(f);
    ck_assert_int_ge(n, 0);
    rewind(f);
    buf = malloc((size_t) n + 1);
    ck_assert_ptr_nonnull(buf);
    ck_assert_uint_eq(fread(buf, 1, (size_t) n, f), (size_t) n);
    buf[n] = '\0';
    (void) fclose(f);
    if (ret_size)
        *ret_size = (size_t) n;
    return buf;
}

void
test_write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "we");

    ck_assert_msg(f, "cannot write %s: %s", path, strerror(errno));
    ck_assert_int_ge(fputs(text, f), 0);
    ck_assert_int_eq(fclose(f), 0);
}
