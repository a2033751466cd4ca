/* The temporary directory fixture of the Check tests: each test gets a fresh, empty
 * directory, and its teardown fails the test if the test left anything in it (a test removes
 * what it wrote). Add it with
 *     tcase_add_checked_fixture(tc, test_tmpdir_setup, test_tmpdir_teardown);
 * The directories live below test_run_dir() (check-main.h), which main() removes at the end
 * with whatever a failed test left behind. */
#pragma once

#include <limits.h>
#include <stddef.h>

/* The running test's directory, set by test_tmpdir_setup(). */
extern char test_tmpdir[PATH_MAX];

/* Makes test_tmpdir; fails the test if it cannot. */
void test_tmpdir_setup(void);

/* Fails the test if anything is left in test_tmpdir, naming what, after removing it (and the
 * directory) so that nothing leaks into the next test. */
void test_tmpdir_teardown(void);

/* "<test_tmpdir>/@name" into @buf; fails the test if it does not fit. Returns @buf. */
const char *test_tmpdir_path(char *buf, size_t size, const char *name);

/* Writes @text into <test_tmpdir>/@name, its path into @buf; fails the test on any error. */
void test_tmpdir_write(char *buf, size_t size, const char *name, const char *text);
