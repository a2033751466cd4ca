/* Unit tests of common/endpoint.h and common/curve.h: which tcp endpoints stay on this host,
 * and loading CURVE keys from czmq certificates: a good pair, a public half, and each way a
 * file can be refused (missing, not a certificate, readable by others, damaged). Each test
 * works in its own directory (tmpdir.h); the teardown fails if anything is left in it. */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <czmq.h>

#include "check-main.h"
#include "config.h"
#include "curve.h"
#include "endpoint.h"
#include "tmpdir.h"

static void
s_unlink(const char *dir_name)
{
    char path[PATH_MAX];

    test_tmpdir_path(path, sizeof path, dir_name);
    ck_assert_msg(unlink(path) == 0, "unlink(%s): %s", path, strerror(errno));
}

/* Writes a new certificate as camstack-keygen does: NAME.key and NAME.key_secret (0600).
 * Returns its public key in @ret_public. */
static void
s_make_cert(const char *name, char ret_public[CS_CURVE_KEY_LEN + 1])
{
    char path[PATH_MAX], secret[PATH_MAX + 8], file[64];
    zcert_t *cert = zcert_new();

    ck_assert_ptr_nonnull(cert);
    zcert_set_meta(cert, "name", "%s", name);
    (void) snprintf(file, sizeof file, "%s.key", name);
    test_tmpdir_path(path, sizeof path, file);
    ck_assert_int_eq(zcert_save(cert, path), 0);
    (void) snprintf(secret, sizeof secret, "%s_secret", path);
    ck_assert_int_eq(chmod(secret, 0600), 0);
    (void) snprintf(ret_public, CS_CURVE_KEY_LEN + 1, "%s", zcert_public_txt(cert));
    zcert_destroy(&cert);
}

static void
s_write(const char *name, const char *text, mode_t mode)
{
    char path[PATH_MAX];
    FILE *f;

    test_tmpdir_path(path, sizeof path, name);
    f = fopen(path, "we");
    ck_assert_ptr_nonnull(f);
    ck_assert(fputs(text, f) >= 0);
    ck_assert_int_eq(fclose(f), 0);
    ck_assert_int_eq(chmod(path, mode), 0);
}

/* ---- endpoints ---- */

START_TEST(endpoint_loopback_or_remote)
{
    static const struct {
        const char *ep;
        bool loopback;
    } cases[] = {
        { "tcp://127.0.0.1:5555", true },
        { "tcp://127.1.2.3:5555", true },
        { "tcp://localhost:5555", true },
        { "tcp://lo:5555", true },
        { "tcp://[::1]:5555", true },
        { "tcp://::1:5555", true },
        { "tcp://[::ffff:127.0.0.1]:5555", true },
        { "tcp://10.0.0.1;127.0.0.1:5555", true }, /* the host after the source counts */
        { "tcp://127.0.0.1;10.0.0.1:5555", false },
        { "tcp://*:5555", false },
        { "tcp://0.0.0.0:5555", false },
        { "tcp://[::]:5555", false },
        { "tcp://10.66.0.1:5555", false },
        { "tcp://128.0.0.1:5555", false },
        { "tcp://eth0:5555", false },
        { "tcp://camhost.example.org:5555", false },
        { "tcp://localhost.example.org:5555", false },
        { "tcp://[::ffff:10.0.0.1]:5555", false },
        { "tcp://[::1:5555", false },
        { "tcp://:5555", false },
        { "tcp://127.0.0.1", false }, /* no port: not an endpoint this can judge */
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ck_assert_msg(cs_endpoint_is_loopback(cases[i].ep) == cases[i].loopback, "%s", cases[i].ep);
        ck_assert_msg(cs_endpoint_is_remote(cases[i].ep) == !cases[i].loopback, "%s", cases[i].ep);
        ck_assert(cs_endpoint_is_tcp(cases[i].ep));
    }
    ck_assert(!cs_endpoint_is_loopback("ipc:///run/camstack/frames"));
    ck_assert(!cs_endpoint_is_remote("ipc:///run/camstack/frames"));
    ck_assert(!cs_endpoint_is_remote("inproc://frames"));
    ck_assert(cs_endpoint_is_ipc("ipc:///run/camstack/frames"));
    ck_assert(!cs_endpoint_is_ipc("tcp://127.0.0.1:1"));
}
END_TEST

/* ---- certificates ---- */

START_TEST(curve_pair_and_public_half)
{
    char pub[CS_CURVE_KEY_LEN + 1], key[CS_CURVE_KEY_LEN + 1], path[PATH_MAX], err[512] = "";
    struct cs_curve_pair pair;

    s_make_cert("lab2", pub);
    test_tmpdir_path(path, sizeof path, "lab2.key");
    ck_assert_msg(cs_curve_load_pair(path, &pair, err, sizeof err) == 0, "%s", err);
    ck_assert_str_eq(pair.public_key, pub);
    ck_assert(cs_curve_key_valid(pair.secret_key));
    ck_assert_str_eq(pair.name, "lab2");
    ck_assert_msg(cs_curve_load_public(path, key, err, sizeof err) == 0, "%s", err);
    ck_assert_str_eq(key, pub);
    s_unlink("lab2.key");
    s_unlink("lab2.key_secret");
}
END_TEST

START_TEST(curve_refuses_bad_files)
{
    char pub[CS_CURVE_KEY_LEN + 1], key[CS_CURVE_KEY_LEN + 1], path[PATH_MAX], err[512];
    struct cs_curve_pair pair;
    zcert_t *other;
    char text[1024];

    test_tmpdir_path(path, sizeof path, "none.key");
    ck_assert_int_eq(cs_curve_load_pair(path, &pair, err, sizeof err), -ENOENT);
    ck_assert_msg(strstr(err, "cannot read") && strstr(err, "none.key_secret"), "%s", err);
    ck_assert_int_eq(cs_curve_load_public(path, key, err, sizeof err), -ENOENT);

    /* readable by other users: refused, with the fix in the message */
    s_make_cert("open", pub);
    test_tmpdir_path(path, sizeof path, "open.key_secret");
    ck_assert_int_eq(chmod(path, 0644), 0);
    test_tmpdir_path(path, sizeof path, "open.key");
    ck_assert_int_eq(cs_curve_load_pair(path, &pair, err, sizeof err), -EPERM);
    ck_assert_msg(strstr(err, "mode 0644") && strstr(err, "chmod 600"), "%s", err);
    test_tmpdir_path(path, sizeof path, "open.key_secret");
    ck_assert_int_eq(chmod(path, 0660), 0); /* group-writable too */
    test_tmpdir_path(path, sizeof path, "open.key");
    ck_assert_int_eq(cs_curve_load_pair(path, &pair, err, sizeof err), -EPERM);
    test_tmpdir_path(path, sizeof path, "open.key_secret");
    ck_assert_int_eq(chmod(path, 0640), 0); /* group-readable is allowed (a service group) */
    test_tmpdir_path(path, sizeof path, "open.key");
    ck_assert_int_eq(cs_curve_load_pair(path, &pair, err, sizeof err), 0);
    s_unlink("open.key");
    s_unlink("open.key_secret");

    /* not a certificate at all, and a public half only */
    s_write("junk.key_secret", "this is not a certificate\n", 0600);
    test_tmpdir_path(path, sizeof path, "junk.key");
    ck_assert_int_eq(cs_curve_load_pair(path, &pair, err, sizeof err), -EINVAL);
    s_unlink("junk.key_secret");
    s_make_cert("half", pub);
    s_unlink("half.key_secret");
    test_tmpdir_path(path, sizeof path, "half.key");
    ck_assert_int_eq(cs_curve_load_pair(path, &pair, err, sizeof err), -ENOENT);

    /* a secret file whose public key is another one's */
    other = zcert_new();
    ck_assert_ptr_nonnull(other);
    (void) snprintf(text, sizeof text, "curve\n    public-key = \"%s\"\n    secret-key = \"%s\"\n",
                    pub, zcert_secret_txt(other));
    zcert_destroy(&other);
    s_write("half.key_secret", text, 0600);
    ck_assert_int_eq(cs_curve_load_pair(path, &pair, err, sizeof err), -EINVAL);
    ck_assert_msg(strstr(err, "damaged"), "%s", err);
    s_unlink("half.key_secret");

    /* a public file without a valid key */
    s_write("half.key", "curve\n    public-key = \"short\"\n", 0644);
    ck_assert_int_eq(cs_curve_load_public(path, key, err, sizeof err), -EINVAL);
    ck_assert_msg(strstr(err, "no valid curve public-key"), "%s", err);
    s_unlink("half.key");
}
END_TEST

START_TEST(curve_client_from_conf)
{
    char cpub[CS_CURVE_KEY_LEN + 1], spub[CS_CURVE_KEY_LEN + 1], err[512] = "";
    struct cs_curve_client client;
    struct cs_conf conf;

    s_make_cert("lab2", cpub);
    s_make_cert("pubd", spub);
    cs_conf_defaults(&conf, "/etc/camstack/camstack.ini");
    (void) snprintf(conf.endpoints.subscribe, sizeof conf.endpoints.subscribe,
                    "ipc:///run/camstack/frames");
    test_tmpdir_path(conf.security.client_certificate, sizeof conf.security.client_certificate,
                     "lab2.key");
    test_tmpdir_path(conf.security.server_certificate, sizeof conf.security.server_certificate,
                     "pubd.key");
    ck_assert_int_eq(cs_curve_client_from_conf(&conf, &client, err, sizeof err), 0); /* ipc */
    (void) snprintf(conf.endpoints.subscribe, sizeof conf.endpoints.subscribe,
                    "tcp://10.0.0.1:5555");
    ck_assert_msg(cs_curve_client_from_conf(&conf, &client, err, sizeof err) == 1, "%s", err);
    ck_assert_str_eq(client.own.public_key, cpub);
    ck_assert_str_eq(client.server_key, spub);
    ck_assert(cs_curve_key_valid(client.own.secret_key));
    cs_curve_wipe(&client, sizeof client);
    ck_assert_str_eq(client.own.secret_key, "");
    s_unlink("pubd.key");
    ck_assert_int_eq(cs_curve_client_from_conf(&conf, &client, err, sizeof err), -ENOENT);
    ck_assert_str_eq(client.own.secret_key, ""); /* not left behind on failure */
    conf.security.client_certificate[0] = '\0';
    ck_assert_int_eq(cs_curve_client_from_conf(&conf, &client, err, sizeof err), 0);
    s_unlink("pubd.key_secret");
    s_unlink("lab2.key");
    s_unlink("lab2.key_secret");
}
END_TEST

Suite *
test_suite(void)
{
    Suite *s = suite_create("curve");
    TCase *tc = tcase_create("endpoints");

    tcase_add_test(tc, endpoint_loopback_or_remote);
    suite_add_tcase(s, tc);
    tc = tcase_create("certificates");
    tcase_add_checked_fixture(tc, test_tmpdir_setup, test_tmpdir_teardown);
    tcase_add_test(tc, curve_pair_and_public_half);
    tcase_add_test(tc, curve_refuses_bad_files);
    tcase_add_test(tc, curve_client_from_conf);
    suite_add_tcase(s, tc);
    return s;
}
