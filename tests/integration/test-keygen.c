/* camstack-keygen as a user runs it: a pair of czmq certificates with safe modes whatever the
 * umask, keys that camstack loads, and never an overwritten file. Each test works in its own
 * temporary directory (tmpdir.h) and removes what it made; the teardown fails if anything is
 * left. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>

#include "check-main.h"
#include "curve.h"
#include "harness.h"
#include "tmpdir.h"

static char s_bin[PATH_MAX];

static void
s_setup(void)
{
    test_tmpdir_setup();
    stack_build_path(s_bin, sizeof s_bin, "tools/keygen/camstack-keygen");
}

static int
s_keygen(const char *name, char *out, size_t size)
{
    return stack_run(NULL, (const char *[]){ s_bin, "--directory", test_tmpdir, name, NULL }, out,
                     size);
}

static void
s_read(const char *name, char *buf, size_t size)
{
    char path[PATH_MAX];
    size_t n;
    FILE *f;

    test_tmpdir_path(path, sizeof path, name);
    f = fopen(path, "re");
    ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
    n = fread(buf, 1, size - 1, f);
    buf[n] = '\0';
    (void) fclose(f);
}

static unsigned
s_mode(const char *name)
{
    char path[PATH_MAX];
    struct stat st;

    test_tmpdir_path(path, sizeof path, name);
    ck_assert_int_eq(lstat(path, &st), 0);
    ck_assert(S_ISREG(st.st_mode));
    return (unsigned) (st.st_mode & 07777);
}

static void
s_remove(const char *name)
{
    char path[PATH_MAX];

    ck_assert_int_eq(unlink(test_tmpdir_path(path, sizeof path, name)), 0);
}

static int
s_entries(void)
{
    DIR *d = opendir(test_tmpdir);
    struct dirent *e;
    int n = 0;

    ck_assert_ptr_nonnull(d);
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    }
    (void) closedir(d);
    return n;
}

START_TEST(keygen_writes_a_pair_with_safe_modes)
{
    char out[2048], text[4096], path[PATH_MAX], key[CS_CURVE_KEY_LEN + 1], err[512];
    struct cs_curve_pair pair;
    const char *printed;
    mode_t old = umask(0); /* the modes must not depend on it */

    ck_assert_int_eq(s_keygen("lab2", out, sizeof out), 0);
    (void) umask(old);
    ck_assert_uint_eq(s_mode("lab2.key"), 0644);
    ck_assert_uint_eq(s_mode("lab2.key_secret"), 0600);
    ck_assert_int_eq(s_entries(), 2); /* no temporary file left */
    s_read("lab2.key", text, sizeof text);
    ck_assert_ptr_nonnull(strstr(text, "public-key = "));
    ck_assert_ptr_null(strstr(text, "secret"));
    ck_assert_ptr_nonnull(strstr(text, "name = \"lab2\""));

    test_tmpdir_path(path, sizeof path, "lab2.key");
    ck_assert_msg(cs_curve_load_pair(path, &pair, err, sizeof err) == 0, "%s", err);
    ck_assert_msg(cs_curve_load_public(path, key, err, sizeof err) == 0, "%s", err);
    ck_assert_str_eq(pair.public_key, key);
    ck_assert_str_eq(pair.name, "lab2");
    printed = strstr(out, "public key: ");
    ck_assert_ptr_nonnull(printed);
    ck_assert_int_eq(strncmp(printed + strlen("public key: "), key, CS_CURVE_KEY_LEN), 0);

    /* Two runs make two different pairs. */
    ck_assert_int_eq(s_keygen("lab3", out, sizeof out), 0);
    test_tmpdir_path(path, sizeof path, "lab3.key");
    ck_assert_int_eq(cs_curve_load_public(path, key, err, sizeof err), 0);
    ck_assert_str_ne(pair.public_key, key);
    cs_curve_wipe(&pair, sizeof pair);
    s_remove("lab2.key");
    s_remove("lab2.key_secret");
    s_remove("lab3.key");
    s_remove("lab3.key_secret");
}
END_TEST

START_TEST(keygen_never_overwrites)
{
    char out[2048], before_pub[4096], before_sec[4096], after[4096], path[PATH_MAX];

    ck_assert_int_eq(s_keygen("pubd", out, sizeof out), 0);
    s_read("pubd.key", before_pub, sizeof before_pub);
    s_read("pubd.key_secret", before_sec, sizeof before_sec);
    ck_assert_int_eq(s_keygen("pubd", out, sizeof out), 1);
    ck_assert_msg(strstr(out, "refusing to overwrite"), "%s", out);
    s_read("pubd.key", after, sizeof after);
    ck_assert_str_eq(after, before_pub);
    s_read("pubd.key_secret", after, sizeof after);
    ck_assert_str_eq(after, before_sec);

    /* Either half alone is enough to refuse, and the other is not written either. */
    test_tmpdir_path(path, sizeof path, "pubd.key");
    ck_assert_int_eq(unlink(path), 0);
    ck_assert_int_eq(s_keygen("pubd", out, sizeof out), 1);
    s_read("pubd.key_secret", after, sizeof after);
    ck_assert_str_eq(after, before_sec);
    ck_assert_int_eq(access(path, F_OK), -1);
    ck_assert_int_eq(s_entries(), 1);
    s_remove("pubd.key_secret");
}
END_TEST

START_TEST(keygen_bad_arguments)
{
    char out[4096], missing[PATH_MAX];

    ck_assert_int_eq(stack_run(NULL, (const char *[]){ s_bin, NULL }, out, sizeof out), 2);
    ck_assert_int_eq(stack_run(NULL, (const char *[]){ s_bin, "a", "b", NULL }, out, sizeof out),
                     2);
    ck_assert_int_eq(s_keygen("../escape", out, sizeof out), 2);
    ck_assert_int_eq(s_keygen(".hidden", out, sizeof out), 2);
    ck_assert_int_eq(s_keygen("", out, sizeof out), 2);
    ck_assert_int_eq(
        stack_run(NULL, (const char *[]){ s_bin, "--bogus", "x", NULL }, out, sizeof out), 2);
    ck_assert_int_eq(stack_run(NULL, (const char *[]){ s_bin, "--help", NULL }, out, sizeof out),
                     0);
    ck_assert_ptr_nonnull(strstr(out, "Usage: camstack-keygen"));
    ck_assert_int_eq(stack_run(NULL, (const char *[]){ s_bin, "--version", NULL }, out, sizeof out),
                     0);
    test_tmpdir_path(missing, sizeof missing, "none");
    ck_assert_int_eq(
        stack_run(NULL, (const char *[]){ s_bin, "-d", missing, "x", NULL }, out, sizeof out), 1);
    ck_assert_int_eq(s_entries(), 0);
}
END_TEST

Suite *
test_suite(void)
{
    Suite *s = suite_create("keygen");
    TCase *tc = tcase_create("keygen");

    tcase_add_checked_fixture(tc, s_setup, test_tmpdir_teardown);
    tcase_add_test(tc, keygen_writes_a_pair_with_safe_modes);
    tcase_add_test(tc, keygen_never_overwrites);
    tcase_add_test(tc, keygen_bad_arguments);
    suite_add_tcase(s, tc);
    return s;
}
