/* saverd's chunk encoder: every chunk it makes, written with H5Dwrite_chunk, reads back
 * through HDF5's own filters (shuffle + deflate built in, the LZ4 plugin) as the exact bytes
 * that went in, for 8- and 16-bit samples, smooth and incompressible frames, odd sizes. */
#include "encoder.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <hdf5.h>

#include "check-main.h"
#include "h5file.h"
#include "pattern.h"

static char s_path[PATH_MAX];

static void
s_setup(void)
{
    int fd;

    (void) snprintf(s_path, sizeof s_path, "/tmp/camstack-encoder-XXXXXX");
    fd = mkstemp(s_path);
    ck_assert_int_ge(fd, 0);
    (void) close(fd);
    cs_h5_quiet();
}

static void
s_teardown(void)
{
    ck_assert_int_eq(unlink(s_path), 0);
}

struct s_case {
    enum cs_compression method;
    unsigned level;
    enum cs_pixfmt fmt;
    uint32_t width, height;
    int content; /* 0: the test pattern, 1: random bytes, 2: zeros */
};

static const struct s_case s_cases[] = {
    { CS_COMPRESSION_NONE, 0, CS_PIXFMT_GREY, 64, 48, 0 },
    { CS_COMPRESSION_DEFLATE, 1, CS_PIXFMT_GREY, 64, 48, 0 },
    { CS_COMPRESSION_DEFLATE, 6, CS_PIXFMT_Y16, 320, 240, 0 },
    { CS_COMPRESSION_DEFLATE, 9, CS_PIXFMT_RGB24, 97, 31, 0 },
    { CS_COMPRESSION_DEFLATE, 0, CS_PIXFMT_Y16, 33, 7, 1 },
    { CS_COMPRESSION_DEFLATE, 4, CS_PIXFMT_YUYV, 64, 2, 2 },
    { CS_COMPRESSION_LZ4, 0, CS_PIXFMT_GREY, 640, 480, 0 },
    { CS_COMPRESSION_LZ4, 0, CS_PIXFMT_Y16, 320, 240, 0 },
    { CS_COMPRESSION_LZ4, 0, CS_PIXFMT_BGR24, 97, 31, 1 }, /* stored as it is by the plugin */
    { CS_COMPRESSION_LZ4, 0, CS_PIXFMT_GREY, 1, 1, 0 },
    { CS_COMPRESSION_LZ4, 0, CS_PIXFMT_GREY, 256, 256, 2 },
};

START_TEST(chunks_read_back_through_hdf5_filters)
{
    const struct s_case *c = &s_cases[_i];
    const struct cs_pixfmt_info *pi = cs_pixfmt_info(c->fmt);
    size_t size = (size_t) c->width * c->height * pi->bytes_per_pixel, chunk_size = 0;
    uint8_t *raw = malloc(size), *back = calloc(1, size);
    hsize_t dims[4] = { 1, c->height, c->width, pi->channels }, offset[4] = { 0 };
    int rank = pi->channels > 1 ? 4 : 3;
    hid_t type = pi->bits == 16 ? H5T_STD_U16LE : H5T_STD_U8LE, f, sp, dcpl, d;
    struct encoder *enc = encoder_new(c->method, c->level, pi->bits / 8);
    const void *chunk = NULL;

    ck_assert_ptr_nonnull(raw);
    ck_assert_ptr_nonnull(enc);
    if (c->content == 0)
        cs_pattern_fill(c->fmt, c->width, c->height, (size_t) c->width * pi->bytes_per_pixel, 12345,
                        raw);
    for (size_t i = 0; c->content != 0 && i < size; i++)
        raw[i] = c->content == 1 ? (uint8_t) (random() >> 7) : 0;
    ck_assert_int_eq(encoder_encode(enc, raw, size, &chunk, &chunk_size), 0);
    if (c->method == CS_COMPRESSION_NONE)
        ck_assert_ptr_eq(chunk, raw); /* no copy */
    else if (c->content != 1 && size >= 64)
        ck_assert_uint_lt(chunk_size, size); /* and smooth frames do shrink */

    f = H5Fcreate(s_path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    sp = H5Screate_simple(rank, dims, NULL);
    dcpl = H5Pcreate(H5P_DATASET_CREATE);
    ck_assert_int_ge(H5Pset_chunk(dcpl, rank, dims), 0);
    ck_assert_int_eq(encoder_set_filters(enc, dcpl), 0);
    d = H5Dcreate2(f, "data", type, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    ck_assert_int_ge(d, 0);
    ck_assert_int_ge(H5Dwrite_chunk(d, H5P_DEFAULT, 0, offset, chunk_size, chunk), 0);
    ck_assert_int_ge(H5Dclose(d), 0);
    ck_assert_int_ge(H5Fclose(f), 0);

    f = H5Fopen(s_path, H5F_ACC_RDONLY, H5P_DEFAULT);
    d = H5Dopen2(f, "data", H5P_DEFAULT);
    ck_assert_int_ge(d, 0);
    ck_assert_int_ge(H5Dread(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, back), 0);
    ck_assert_mem_eq(back, raw, size);
    H5Dclose(d);
    H5Fclose(f);
    H5Pclose(dcpl);
    H5Sclose(sp);
    encoder_destroy(&enc);
    ck_assert_ptr_null(enc);
    free(raw);
    free(back);
}
END_TEST

/* The LZ4 plugin's layout, byte by byte: big-endian sizes, and a block that does not
 * compress stored as it is. */
START_TEST(lz4_chunk_layout)
{
    uint8_t raw[1000];
    struct encoder *enc = encoder_new(CS_COMPRESSION_LZ4, 0, 1);
    const uint8_t *chunk = NULL;
    const void *out;
    size_t size = 0;

    for (size_t i = 0; i < sizeof raw; i++)
        raw[i] = (uint8_t) (random() >> 7);
    ck_assert_int_eq(encoder_encode(enc, raw, sizeof raw, &out, &size), 0);
    chunk = out;
    ck_assert_uint_eq(size, 12 + 4 + sizeof raw);
    ck_assert_mem_eq(chunk, "\0\0\0\0\0\0\x03\xe8", 8); /* original size, 1000 */
    ck_assert_mem_eq(chunk + 8, "\0\0\x03\xe8", 4);     /* block size: one block */
    ck_assert_mem_eq(chunk + 12, "\0\0\x03\xe8", 4);    /* stored: size == block size */
    ck_assert_mem_eq(chunk + 16, raw, sizeof raw);
    encoder_destroy(&enc);
    encoder_destroy(&enc); /* NULL-safe */
}
END_TEST

Suite *
test_suite(void)
{
    Suite *s = suite_create("encoder");
    TCase *tc = tcase_create("round_trip");

    tcase_add_checked_fixture(tc, s_setup, s_teardown);
    tcase_add_loop_test(tc, chunks_read_back_through_hdf5_filters, 0,
                        (int) (sizeof s_cases / sizeof s_cases[0]));
    tcase_add_test(tc, lz4_chunk_layout);
    suite_add_tcase(s, tc);
    return s;
}
