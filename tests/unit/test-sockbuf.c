/* Unit tests of common/sockbuf.h: a unix socket's send buffer is set to what was asked (or the
 * kernel's cap, net.core.wmem_max), a tcp socket's is left alone, and the watcher sizes the
 * ipc connections a bound socket accepts and the one a connecting socket makes. */
#include <check.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <czmq.h>

#include "check-main.h"
#include "sockbuf.h"
#include "tmpdir.h"

#define S_ASK (1u << 20)

/* What the kernel grants for @bytes: at most net.core.wmem_max. */
static uint32_t
s_expected(uint32_t bytes)
{
    FILE *f = fopen("/proc/sys/net/core/wmem_max", "re");
    long max = 0;

    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fscanf(f, "%ld", &max), 1);
    (void) fclose(f);
    return (long) bytes < max ? bytes : (uint32_t) max;
}

static int
s_sndbuf(int fd)
{
    int v = 0;
    socklen_t len = sizeof v;

    ck_assert_int_eq(getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, &len), 0);
    return v;
}

START_TEST(set_sizes_unix_and_leaves_tcp)
{
    int sv[2], tcp, before;

    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    ck_assert_int_eq(cs_sockbuf_set(sv[0], S_ASK), s_expected(S_ASK));
    ck_assert_int_eq(s_sndbuf(sv[0]), 2 * (int) s_expected(S_ASK)); /* the kernel doubles it */
    (void) close(sv[0]);
    (void) close(sv[1]);

    tcp = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(tcp, 0);
    before = s_sndbuf(tcp);
    ck_assert_int_eq(cs_sockbuf_set(tcp, S_ASK), 0);
    ck_assert_int_eq(s_sndbuf(tcp), before);
    (void) close(tcp);

    ck_assert_int_eq(cs_sockbuf_set(-1, S_ASK), -EBADF);
}
END_TEST

struct s_pair {
    cs_sockbuf_t *bound, *connecting;
};

/* Ends the loop once both watchers have sized their connection. */
static int
s_on_check(zloop_t *loop, int timer_id, void *arg)
{
    const struct s_pair *p = arg;

    (void) loop;
    (void) timer_id;
    return cs_sockbuf_connections(p->bound) >= 1 && cs_sockbuf_connections(p->connecting) >= 1 ? -1
                                                                                               : 0;
}

static int
s_on_give_up(zloop_t *loop, int timer_id, void *arg)
{
    (void) loop;
    (void) timer_id;
    (void) arg;
    return -1;
}

START_TEST(watcher_sizes_accepted_and_connected_ipc)
{
    char ep[2][PATH_MAX + 8];
    zloop_t *loop = zloop_new();
    zsock_t *push_bound = zsock_new(ZMQ_PUSH), *pull = zsock_new(ZMQ_PULL);
    zsock_t *push_connecting = zsock_new(ZMQ_PUSH), *pull_bound = zsock_new(ZMQ_PULL);
    struct s_pair p;
    int64_t start = zclock_mono();

    (void) snprintf(ep[0], sizeof ep[0], "ipc://%s/a", test_tmpdir);
    (void) snprintf(ep[1], sizeof ep[1], "ipc://%s/b", test_tmpdir);
    /* Before bind and connect, as the daemons do. */
    p.bound = cs_sockbuf_new(loop, push_bound, S_ASK);
    p.connecting = cs_sockbuf_new(loop, push_connecting, S_ASK);
    ck_assert_ptr_nonnull(p.bound);
    ck_assert_ptr_nonnull(p.connecting);
    ck_assert_int_eq(cs_sockbuf_connections(p.bound), 0);
    ck_assert_int_eq(zsock_bind(push_bound, "%s", ep[0]), 0);
    ck_assert_int_eq(zsock_connect(pull, "%s", ep[0]), 0);
    ck_assert_int_eq(zsock_bind(pull_bound, "%s", ep[1]), 0);
    ck_assert_int_eq(zsock_connect(push_connecting, "%s", ep[1]), 0);

    ck_assert_int_ge(zloop_timer(loop, 2, 0, s_on_check, &p), 0);
    ck_assert_int_ge(zloop_timer(loop, 5000, 1, s_on_give_up, NULL), 0);
    ck_assert_int_eq(zloop_start(loop), -1);
    ck_assert_msg(zclock_mono() - start < 5000, "the watchers saw no connection in 5 s");
    ck_assert_int_eq(cs_sockbuf_connections(p.bound), 1);
    ck_assert_int_eq(cs_sockbuf_connections(p.connecting), 1);
    ck_assert_int_eq(cs_sockbuf_granted(p.bound), s_expected(S_ASK));
    ck_assert_int_eq(cs_sockbuf_granted(p.connecting), s_expected(S_ASK));

    cs_sockbuf_destroy(&p.bound);
    cs_sockbuf_destroy(&p.connecting);
    ck_assert_ptr_null(p.bound);
    cs_sockbuf_destroy(&p.bound); /* NULL-safe */
    zsock_destroy(&push_bound);
    zsock_destroy(&pull);
    zsock_destroy(&push_connecting);
    zsock_destroy(&pull_bound);
    zloop_destroy(&loop);
    (void) unlink(ep[0] + 6);
    (void) unlink(ep[1] + 6);
}
END_TEST

START_TEST(zero_asks_for_nothing)
{
    zloop_t *loop = zloop_new();
    zsock_t *s = zsock_new(ZMQ_PUSH);

    ck_assert_ptr_null(cs_sockbuf_new(loop, s, 0));
    ck_assert_int_eq(cs_sockbuf_connections(NULL), 0);
    ck_assert_int_eq(cs_sockbuf_granted(NULL), 0);
    zsock_destroy(&s);
    zloop_destroy(&loop);
}
END_TEST

Suite *
test_suite(void)
{
    Suite *s = suite_create("sockbuf");
    TCase *tc = tcase_create("sockbuf");

    zsys_handler_set(NULL);
    tcase_add_checked_fixture(tc, test_tmpdir_setup, test_tmpdir_teardown);
    tcase_add_test(tc, set_sizes_unix_and_leaves_tcp);
    tcase_add_test(tc, watcher_sizes_accepted_and_connected_ipc);
    tcase_add_test(tc, zero_asks_for_nothing);
    suite_add_tcase(s, tc);
    return s;
}
