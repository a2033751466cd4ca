/* saverd's HDF5 file driver (h5direct.c) as HDF5 uses it: chunks written with H5Dwrite_chunk
 * from aligned and unaligned memory, of a frame's size and of the arbitrary sizes compression
 * makes, read back exactly through HDF5's default driver; their addresses aligned; their
 * aligned blocks not in the page cache after the write (mincore(2)), where the file system
 * takes direct I/O (a directory of the build tree, CS_TEST_DISKDIR); and on a tmpfs
 * (/dev/shm), refused and written through the page cache, the same bytes. */
#include "h5direct.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <check.h>
#include <hdf5.h>
#include <linux/magic.h>

#include "check-main.h"
#include "h5file.h"

/* 1001x601 RGB24: 1804803 bytes, 440 blocks of 4 KiB and a tail of 2563. */
#define S_W      1001
#define S_H      601
#define S_FRAME  ((size_t) S_W * S_H * 3)
#define S_FRAMES 6

static char s_dir[PATH_MAX], s_path[PATH_MAX + 16];

static void
s_make_dir(const char *base)
{
    ck_assert_int_lt(snprintf(s_dir, sizeof s_dir, "%s/h5direct-XXXXXX", base), (int) sizeof s_dir);
    ck_assert_ptr_nonnull(mkdtemp(s_dir));
    (void) snprintf(s_path, sizeof s_path, "%s/f.h5", s_dir);
    cs_h5_quiet();
}

static void
s_disk_setup(void)
{
    const char *base = getenv("CS_TEST_DISKDIR");

    ck_assert_msg(base && base[0], "CS_TEST_DISKDIR names no directory");
    s_make_dir(base);
}

static void
s_tmpfs_setup(void)
{
    struct statfs fs;

    ck_assert_msg(statfs("/dev/shm", &fs) == 0 && fs.f_type == TMPFS_MAGIC, "/dev/shm: no tmpfs");
    s_make_dir("/dev/shm");
}

static void
s_teardown(void)
{
    ck_assert_int_eq(unlink(s_path), 0);
    ck_assert_int_eq(rmdir(s_dir), 0);
}

/* Frame @i's bytes: distinct for every frame and position. */
static void
s_fill(uint8_t *p, size_t size, unsigned i)
{
    for (size_t k = 0; k < size; k++)
        p[k] = (uint8_t) (k * 2654435761u >> 13) ^ (uint8_t) (i * 37);
}

/* A file as saverd makes it: (N, H, W, 3) uint8, one frame per chunk, through @fapl. */
static hid_t
s_create(hid_t fapl, hid_t *ret_dset)
{
    hsize_t dims[4] = { S_FRAMES, S_H, S_W, 3 }, chunk[4] = { 1, S_H, S_W, 3 };
    hid_t f = H5Fcreate(s_path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    hid_t space = H5Screate_simple(4, dims, NULL), dcpl = H5Pcreate(H5P_DATASET_CREATE);

    ck_assert(f >= 0 && space >= 0 && dcpl >= 0);
    ck_assert(H5Pset_chunk(dcpl, 4, chunk) >= 0);
    ck_assert(H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER) >= 0);
    *ret_dset = H5Dcreate2(f, "data", H5T_STD_U8LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    ck_assert(*ret_dset >= 0);
    (void) H5Pclose(dcpl);
    (void) H5Sclose(space);
    return f;
}

/* Writes every frame, the odd ones from memory 56 bytes past an aligned address (as a
 * ZeroMQ message's data is), and returns the file's write mode. */
static bool
s_write_frames(int *ret_refused)
{
    hid_t fapl = h5direct_fapl(), f, d;
    uint8_t *mem = NULL;
    bool direct;

    ck_assert(fapl >= 0);
    ck_assert(H5Pset_libver_bounds(fapl, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST) >= 0);
    f = s_create(fapl, &d);
    (void) H5Pclose(fapl);
    ck_assert_int_eq(posix_memalign((void **) &mem, 4096, S_FRAME + 4096), 0);
    for (unsigned i = 0; i < S_FRAMES; i++) {
        hsize_t off[4] = { i, 0, 0, 0 };
        uint8_t *p = mem + (i % 2 ? 56 : 0);

        s_fill(p, S_FRAME, i);
        ck_assert(H5Dwrite_chunk(d, H5P_DEFAULT, 0, off, S_FRAME, p) >= 0);
    }
    ck_assert(H5Fstart_swmr_write(f) >= 0); /* the driver declares SWMR I/O */
    direct = h5direct_active(f, ret_refused);
    ck_assert(H5Dclose(d) >= 0 && H5Fclose(f) >= 0);
    free(mem);
    return direct;
}

/* Reads the file back with HDF5's default driver: every frame exact, every chunk at an
 * address aligned to H5DIRECT_ALIGNMENT. */
static void
s_check_frames(void)
{
    hid_t f = H5Fopen(s_path, H5F_ACC_RDONLY, H5P_DEFAULT), d = H5Dopen2(f, "data", H5P_DEFAULT);
    uint8_t *got = malloc(S_FRAME), *want = malloc(S_FRAME);

    ck_assert(f >= 0 && d >= 0 && got && want);
    for (unsigned i = 0; i < S_FRAMES; i++) {
        hsize_t off[4] = { i, 0, 0, 0 }, size = 0;
        haddr_t addr = HADDR_UNDEF;
        unsigned mask;
        uint32_t filters;

        ck_assert(H5Dget_chunk_info_by_coord(d, off, &mask, &addr, &size) >= 0);
        ck_assert_uint_eq(size, S_FRAME);
        ck_assert_uint_eq(addr % H5DIRECT_ALIGNMENT, 0);
        s_fill(want, S_FRAME, i);
        ck_assert(H5Dread_chunk(d, H5P_DEFAULT, off, &filters, got) >= 0);
        ck_assert_msg(memcmp(got, want, S_FRAME) == 0, "frame %u differs", i);
    }
    free(got);
    free(want);
    ck_assert(H5Dclose(d) >= 0 && H5Fclose(f) >= 0);
}

/* The bytes of the file resident in the page cache. */
static size_t
s_cached_bytes(void)
{
    size_t page = (size_t) sysconf(_SC_PAGESIZE), n = 0;
    struct stat st;
    unsigned char *vec;
    void *map;
    int fd = open(s_path, O_RDONLY | O_CLOEXEC);

    ck_assert(fd >= 0 && fstat(fd, &st) == 0 && st.st_size > 0);
    map = mmap(NULL, (size_t) st.st_size, PROT_READ, MAP_SHARED, fd, 0);
    ck_assert(map != MAP_FAILED);
    vec = malloc(((size_t) st.st_size + page - 1) / page);
    ck_assert_ptr_nonnull(vec);
    ck_assert_int_eq(mincore(map, (size_t) st.st_size, vec), 0);
    for (size_t i = 0; i < ((size_t) st.st_size + page - 1) / page; i++)
        n += vec[i] & 1 ? page : 0;
    free(vec);
    (void) munmap(map, (size_t) st.st_size);
    (void) close(fd);
    return n;
}

/* On a disk: the frames' aligned blocks went around the page cache (what is cached is
 * metadata and the tails, under 4 KiB a frame plus the file's first pages), and read back
 * exactly. */
START_TEST(frames_go_around_the_page_cache_and_read_back_exactly)
{
    int refused = -1;
    size_t cached;

    ck_assert(s_write_frames(&refused));
    ck_assert_int_eq(refused, 0);
    cached = s_cached_bytes();
    ck_assert_msg(cached < S_FRAMES * 4096 + (64u << 10), "%zu bytes cached of %zu written", cached,
                  S_FRAMES * S_FRAME);
    s_check_frames();
}
END_TEST

/* On a tmpfs: direct I/O refused (the file system does not say it takes it), the same
 * bytes through the page cache. */
START_TEST(tmpfs_is_written_through_the_page_cache)
{
    int refused = 0;

    ck_assert(!s_write_frames(&refused));
    ck_assert_int_eq(refused, EOPNOTSUPP);
    s_check_frames();
}
END_TEST

/* Compressed chunks have any length: each one written and read back as it was, from
 * unaligned memory, including lengths just past the direct threshold and a block. */
START_TEST(chunks_of_any_length_read_back)
{
    static const size_t sizes[] = { 70001, 65536, 65537, 4097, 1000000, 123457, 1 };
    hid_t fapl = h5direct_fapl(), f, d, dcpl = H5Pcreate(H5P_DATASET_CREATE), space;
    hsize_t dims[1] = { 7 * 1048576 }, chunk[1] = { 1048576 };
    uint8_t *mem = malloc(1048576 + 64), *got = malloc(1048576);

    ck_assert(fapl >= 0 && dcpl >= 0 && mem && got);
    ck_assert(H5Pset_chunk(dcpl, 1, chunk) >= 0 && H5Pset_deflate(dcpl, 1) >= 0);
    f = H5Fcreate(s_path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    space = H5Screate_simple(1, dims, NULL);
    d = H5Dcreate2(f, "z", H5T_STD_U8LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    ck_assert(f >= 0 && d >= 0);
    for (unsigned i = 0; i < 7; i++) {
        hsize_t off[1] = { (hsize_t) i * 1048576 };

        s_fill(mem + 3 + i, sizes[i], i);
        ck_assert(H5Dwrite_chunk(d, H5P_DEFAULT, 0, off, sizes[i], mem + 3 + i) >= 0);
    }
    ck_assert(H5Dclose(d) >= 0 && H5Fclose(f) >= 0);
    f = H5Fopen(s_path, H5F_ACC_RDONLY, H5P_DEFAULT);
    d = H5Dopen2(f, "z", H5P_DEFAULT);
    for (unsigned i = 0; i < 7; i++) {
        hsize_t off[1] = { (hsize_t) i * 1048576 }, size = 0;
        uint32_t mask;

        ck_assert(H5Dget_chunk_storage_size(d, off, &size) >= 0);
        ck_assert_uint_eq(size, sizes[i]);
        ck_assert(H5Dread_chunk(d, H5P_DEFAULT, off, &mask, got) >= 0);
        s_fill(mem, sizes[i], i);
        ck_assert_msg(memcmp(got, mem, sizes[i]) == 0, "chunk %u of %zu bytes differs", i,
                      sizes[i]);
    }
    ck_assert(H5Dclose(d) >= 0 && H5Fclose(f) >= 0);
    (void) H5Sclose(space);
    (void) H5Pclose(dcpl);
    (void) H5Pclose(fapl);
    free(mem);
    free(got);
}
END_TEST

Suite *
test_suite(void)
{
    Suite *s = suite_create("h5direct");
    TCase *tc = tcase_create("disk");

    tcase_add_checked_fixture(tc, s_disk_setup, s_teardown);
    tcase_add_test(tc, frames_go_around_the_page_cache_and_read_back_exactly);
    tcase_add_test(tc, chunks_of_any_length_read_back);
    suite_add_tcase(s, tc);
    tc = tcase_create("tmpfs");
    tcase_add_checked_fixture(tc, s_tmpfs_setup, s_teardown);
    tcase_add_test(tc, tmpfs_is_written_through_the_page_cache);
    suite_add_tcase(s, tc);
    return s;
}
