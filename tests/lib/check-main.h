/* The one main() of every Check test program (check-main.c): the program defines
 * test_suite(), and main() runs it with Check's CK_* environment (CK_RUN_SUITE, CK_RUN_CASE,
 * CK_VERBOSITY, CK_FORK, CK_DEFAULT_TIMEOUT), then exits 0 if every test passed, 1 if not. */
#pragma once

#include <check.h>

/* The exit status meson reads as "skipped". */
#define TEST_EXIT_SKIP 77

/* Defined by each test program: returns the suite to run. It runs once, in the main process
 * before any test, so it may also prepare what the tests share (read the environment, find a
 * device, call test_at_end()); to skip the whole program it prints why and calls
 * exit(TEST_EXIT_SKIP). */
Suite *test_suite(void);

/* Has main() call @fn after the last test, in the main process (never in a test's forked
 * child, where a failed check ends the test before its teardown). At most a few per program;
 * they run in the order they were registered. */
void test_at_end(void (*fn)(void));

/* The directory main() made for this run of the program, below $TMPDIR or /tmp: the
 * fixtures of tmpdir.h make each test's directory inside it, and main() removes it with
 * whatever a failed test left there. */
const char *test_run_dir(void);
