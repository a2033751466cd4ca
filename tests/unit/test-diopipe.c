/* saverd's pipelined direct write (diopipe.c): a body from unaligned memory, copied into the
 * aligned slots a piece at a time while the thread writes the previous piece, lands byte for
 * byte at its offset, whether it is one piece, a few whole ones or ends in a part of one, and
 * across calls on the same pipe; a write that fails part-way returns its error from the call,
 * with what was written before it intact and nothing written after it. The file is in
 * CS_TEST_DISKDIR, on a file system that takes O_DIRECT. */
#include "diopipe.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>

#include "check-main.h"
#include "dioplan.h"

#define S_PIECE DIOPIPE_PIECE
#define S_MAX   (5 * (size_t) S_PIECE)

static char s_dir[PATH_MAX], s_path[PATH_MAX + 16];
static int s_fd = -1, s_dfd = -1;
static struct dio_align s_align;
static uint8_t *s_src, *s_back;

static void
s_setup(void)
{
    const char *base = getenv("CS_TEST_DISKDIR");

    ck_assert_msg(base && base[0], "CS_TEST_DISKDIR names no directory");
    ck_assert_int_lt(snprintf(s_dir, sizeof s_dir, "%s/diopipe-XXXXXX", base), (int) sizeof s_dir);
    ck_assert_ptr_nonnull(mkdtemp(s_dir));
    (void) snprintf(s_path, sizeof s_path, "%s/f", s_dir);
    s_fd = open(s_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    ck_assert_int_ge(s_fd, 0);
    ck_assert_int_eq(dioplan_query(s_fd, &s_align), 0);
    s_dfd = open(s_path, O_WRONLY | O_DIRECT | O_CLOEXEC);
    ck_assert_int_ge(s_dfd, 0);
    /* 56 bytes past an aligned address, as a ZeroMQ message's data is. */
    s_src = malloc(S_MAX + 4096);
    s_back = malloc(S_MAX);
    ck_assert(s_src && s_back);
    for (size_t k = 0; k < S_MAX + 4096; k++)
        s_src[k] = (uint8_t) (k * 2654435761u >> 13);
}

static void
s_teardown(void)
{
    free(s_back);
    free(s_src);
    ck_assert_int_eq(close(s_dfd), 0);
    ck_assert_int_eq(close(s_fd), 0);
    ck_assert_int_eq(unlink(s_path), 0);
    ck_assert_int_eq(rmdir(s_dir), 0);
}

/* The @size bytes at @addr in the file are @src's. */
static void
s_assert_file(uint64_t addr, const uint8_t *src, size_t size)
{
    ck_assert_int_eq(pread(s_fd, s_back, size, (off_t) addr), (ssize_t) size);
    ck_assert_msg(memcmp(s_back, src, size) == 0, "%zu bytes at %llu differ", size,
                  (unsigned long long) addr);
}

static off_t
s_file_size(void)
{
    struct stat st;

    ck_assert_int_eq(fstat(s_fd, &st), 0);
    return st.st_size;
}

START_TEST(pieces_land_byte_exact)
{
    /* Part of one piece; one whole piece; three and a part (1080p RGB's body is 2.97);
     * two whole ones. The odd counts leave the ring's next slot mid-way for the next call. */
    const size_t sizes[] = { 3 * 4096, S_PIECE, 3 * (size_t) S_PIECE + 5 * 4096,
                             2 * (size_t) S_PIECE };
    const uint8_t *src = s_src + 56;
    diopipe_t *pipe = diopipe_new(s_align.mem > s_align.block ? s_align.mem : s_align.block);
    uint64_t addr = 8192;

    ck_assert_ptr_nonnull(pipe);
    ck_assert_uint_eq(((uintptr_t) src) % s_align.mem != 0, 1);
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        size_t done = 1;

        ck_assert_int_eq(diopipe_write(pipe, s_dfd, src + i, sizes[i], addr, &done), 0);
        ck_assert_uint_eq(done, sizes[i]);
        s_assert_file(addr, src + i, sizes[i]);
        addr += sizes[i];
    }
    ck_assert_int_eq(s_file_size(), (off_t) addr);
    diopipe_destroy(&pipe);
    ck_assert_ptr_null(pipe);
    diopipe_destroy(&pipe);
}
END_TEST

/* The file may not grow past 5 MiB (RLIMIT_FSIZE): of a 4-piece write at 0, the third piece
 * fails (EFBIG) once it reaches the limit. The call says so and that the first two are written;
 * the fourth is not. The pipe writes again once the limit is lifted. */
START_TEST(a_write_failing_midway_returns_its_error)
{
    const uint8_t *src = s_src + 56;
    diopipe_t *pipe = diopipe_new(s_align.mem > s_align.block ? s_align.mem : s_align.block);
    struct rlimit was, limit;
    size_t done = 0;

    ck_assert_ptr_nonnull(pipe);
    ck_assert(signal(SIGXFSZ, SIG_IGN) != SIG_ERR);
    ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &was), 0);
    limit = (struct rlimit){ .rlim_cur = 5u << 20, .rlim_max = was.rlim_max };
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &limit), 0);
    ck_assert_int_eq(diopipe_write(pipe, s_dfd, src, 4 * (size_t) S_PIECE, 0, &done), -EFBIG);
    ck_assert_uint_eq(done, 2 * (size_t) S_PIECE);
    ck_assert_int_le(s_file_size(), 5 << 20);
    s_assert_file(0, src, done);
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &was), 0);
    ck_assert_int_eq(diopipe_write(pipe, s_dfd, src, 4 * (size_t) S_PIECE, 0, &done), 0);
    ck_assert_uint_eq(done, 4 * (size_t) S_PIECE);
    s_assert_file(0, src, 4 * (size_t) S_PIECE);
    diopipe_destroy(&pipe);
}
END_TEST

/* A descriptor that refuses the first piece: its errno, nothing written. */
START_TEST(a_write_failing_at_once_returns_its_error)
{
    diopipe_t *pipe = diopipe_new(s_align.block);
    size_t done = 1;

    ck_assert_ptr_nonnull(pipe);
    ck_assert_int_eq(diopipe_write(pipe, -1, s_src + 56, 3 * (size_t) S_PIECE, 0, &done), -EBADF);
    ck_assert_uint_eq(done, 0);
    ck_assert_int_eq(s_file_size(), 0);
    diopipe_destroy(&pipe);
}
END_TEST

Suite *
test_suite(void)
{
    Suite *s = suite_create("diopipe");
    TCase *tc = tcase_create("write");

    tcase_add_checked_fixture(tc, s_setup, s_teardown);
    tcase_add_test(tc, pieces_land_byte_exact);
    tcase_add_test(tc, a_write_failing_midway_returns_its_error);
    tcase_add_test(tc, a_write_failing_at_once_returns_its_error);
    suite_add_tcase(s, tc);
    return s;
}
