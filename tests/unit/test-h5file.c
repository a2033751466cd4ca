/* camstack's HDF5 file naming: a file is never overwritten, not even by a second one for the
 * same run and the same second (a restart): the next part number is taken. Fixed-size
 * strings can be overwritten in place. */
#include "h5file.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>

#include "check-main.h"
#include "tmpdir.h"

static void
s_setup(void)
{
    test_tmpdir_setup();
    cs_h5_quiet();
}

/* 2026-11-26T01:02:03Z and 0.5 s later: the same second. */
#define S_T0 1795654923000000000ULL

START_TEST(same_run_same_second_takes_the_next_part)
{
    char a[PATH_MAX], b[PATH_MAX], c[PATH_MAX], want[PATH_MAX];
    unsigned pa = 99, pb = 99, pc = 99;
    hid_t fa, fb, fc;
    struct stat st;

    fa = cs_h5_create(test_tmpdir, "cam1", NULL, 42, S_T0, 0, H5P_DEFAULT, a, sizeof a, &pa);
    ck_assert_int_ge(fa, 0);
    ck_assert_uint_eq(pa, 0);
    test_tmpdir_path(want, sizeof want, "cam1-20261126T010203Z-42.h5");
    ck_assert_str_eq(a, want);
    ck_assert_int_ge(cs_h5_attr_u64(fa, "mark", 1), 0);
    ck_assert_int_ge(H5Fclose(fa), 0);
    ck_assert_int_eq(stat(a, &st), 0);

    fb = cs_h5_create(test_tmpdir, "cam1", NULL, 42, S_T0 + 500000000ULL, 0, H5P_DEFAULT, b,
                      sizeof b, &pb);
    ck_assert_int_ge(fb, 0);
    ck_assert_uint_eq(pb, 1);
    test_tmpdir_path(want, sizeof want, "cam1-20261126T010203Z-42-0001.h5");
    ck_assert_str_eq(b, want);
    fc = cs_h5_create(test_tmpdir, "cam1", NULL, 42, S_T0, 1, H5P_DEFAULT, c, sizeof c, &pc);
    ck_assert_int_ge(fc, 0);
    ck_assert_uint_eq(pc, 2);
    ck_assert_int_ge(H5Fclose(fb), 0);
    ck_assert_int_ge(H5Fclose(fc), 0);

    /* The first file is as it was. */
    fa = H5Fopen(a, H5F_ACC_RDONLY, H5P_DEFAULT);
    ck_assert_int_ge(fa, 0);
    ck_assert_int_gt(H5Aexists(fa, "mark"), 0);
    ck_assert_int_ge(H5Fclose(fa), 0);
    ck_assert_int_eq(unlink(a), 0);
    ck_assert_int_eq(unlink(b), 0);
    ck_assert_int_eq(unlink(c), 0);
}
END_TEST

START_TEST(unwritable_directory_is_an_error)
{
    char path[PATH_MAX], missing[PATH_MAX + 16];
    unsigned part;

    (void) snprintf(missing, sizeof missing, "%s/missing", test_tmpdir);
    ck_assert_int_eq(
        cs_h5_create(missing, "cam1", NULL, 1, S_T0, 0, H5P_DEFAULT, path, sizeof path, &part),
        -ENOENT);
}
END_TEST

/* The closing values of a file in SWMR mode, where nothing may be created any more: a string
 * attribute takes a longer value in place, and keeps its type (variable-length UTF-8, which
 * h5py reads as str). */
START_TEST(strings_are_overwritten_in_swmr_mode)
{
    char path[PATH_MAX], got_time[33] = "";
    char *got = NULL;
    unsigned part;
    hid_t f = cs_h5_create(test_tmpdir, "cam1", NULL, 7, S_T0, 0, H5P_DEFAULT, path, sizeof path,
                           &part),
          a, t;

    ck_assert_int_ge(f, 0);
    ck_assert_int_eq(cs_h5_attr_str(f, "end_reason", "writing"), 0);
    ck_assert_int_eq(cs_h5_fixed_str_dataset(f, "end_time", "", 32), 0);
    ck_assert_int_ge(H5Fstart_swmr_write(f), 0);
    ck_assert_int_eq(cs_h5_attr_str(f, "end_reason", "end_of_stream"), 0);
    ck_assert_int_eq(cs_h5_fixed_str_dataset(f, "end_time", "2026-11-26T01:02:03Z", 32), 0);
    ck_assert_int_ge(H5Fclose(f), 0);

    f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    ck_assert_int_ge(f, 0);
    a = H5Aopen(f, "end_reason", H5P_DEFAULT);
    t = H5Aget_type(a);
    ck_assert_int_gt(H5Tis_variable_str(t), 0);
    ck_assert_int_eq(H5Tget_cset(t), H5T_CSET_UTF8);
    ck_assert_int_ge(H5Aread(a, t, &got), 0);
    ck_assert_str_eq(got, "end_of_stream");
    H5free_memory(got);
    H5Tclose(t);
    H5Aclose(a);
    a = H5Dopen2(f, "end_time", H5P_DEFAULT);
    t = H5Dget_type(a);
    ck_assert_uint_eq(H5Tget_size(t), 32);
    ck_assert_int_ge(H5Dread(a, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, got_time), 0);
    ck_assert_str_eq(got_time, "2026-11-26T01:02:03Z");
    H5Tclose(t);
    H5Dclose(a);
    ck_assert_int_ge(H5Fclose(f), 0);
    ck_assert_int_eq(unlink(path), 0);
}
END_TEST

Suite *
test_suite(void)
{
    Suite *s = suite_create("h5file");
    TCase *tc = tcase_create("naming");

    tcase_add_checked_fixture(tc, s_setup, test_tmpdir_teardown);
    tcase_add_test(tc, same_run_same_second_takes_the_next_part);
    tcase_add_test(tc, unwritable_directory_is_an_error);
    tcase_add_test(tc, strings_are_overwritten_in_swmr_mode);
    suite_add_tcase(s, tc);
    return s;
}
