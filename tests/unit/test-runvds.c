/* The run file of a rotated run (runvds.c), driven with real parts written by h5writer in a
 * temporary directory and read back with the HDF5 library: which parts a chain holds, when
 * a version is written, and what its virtual datasets show, the view a file viewer is shown
 * of every pixel format included. */
#include "runvds.h"

#include <dirent.h>
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
#include "tmpdir.h"
#include "util.h"

#define S_W   8
#define S_H   4
#define S_RUN 1796000000000000ULL

static struct cs_conf s_conf;
static struct encoder *s_enc;
static runvds_t *s_vds;
static enum cs_pixfmt s_fmt; /* of the frames s_part() writes: GREY unless a test says */

static void
s_setup(void)
{
    test_tmpdir_setup();
    cs_conf_defaults(&s_conf, "/nonexistent/camstack.ini");
    (void) cs_strlcpy(s_conf.saverd.directory, test_tmpdir, sizeof s_conf.saverd.directory);
    s_enc = encoder_new(CS_COMPRESSION_NONE, 0, 1);
    s_vds = runvds_new();
    s_fmt = CS_PIXFMT_GREY;
    ck_assert_ptr_nonnull(s_enc);
    ck_assert_ptr_nonnull(s_vds);
}

static void
s_teardown(void)
{
    DIR *d = opendir(test_tmpdir);
    struct dirent *e;
    char path[PATH_MAX];

    runvds_destroy(&s_vds);
    encoder_destroy(&s_enc);
    while (d && (e = readdir(d))) {
        if (e->d_name[0] != '.')
            ck_assert_int_eq(unlink(test_tmpdir_path(path, sizeof path, e->d_name)), 0);
    }
    if (d)
        (void) closedir(d);
    test_tmpdir_teardown();
}

static struct cs_frame_hdr
s_hdr(uint64_t run, uint64_t seq)
{
    const struct cs_pixfmt_info *pi = cs_pixfmt_info(s_fmt);
    struct cs_frame_hdr h = { .fourcc = pi->fourcc,
                              .run = run,
                              .seq = seq,
                              .width = S_W,
                              .height = S_H,
                              .stride = S_W * pi->bytes_per_pixel,
                              .payload_size = S_W * S_H * pi->bytes_per_pixel,
                              .capture_ns = 1796000000000000000ULL + seq };

    return h;
}

/* Opens a part of run @run accounting from @first_seq, tells runvds, and appends the frames
 * @seqs (n of them), each drawn with the test pattern. */
static struct h5writer *
s_part(uint64_t run, unsigned part, uint64_t first_seq, const uint64_t *seqs, int n, int *ret_r)
{
    struct h5writer_params p = {
        .conf = &s_conf,
        .enc = s_enc,
        .start_ns = 1796000000000000000ULL,
        .part = part,
        .first_seq = first_seq,
    };
    struct cs_frame_hdr h = s_hdr(run, first_seq);
    struct h5writer *w = NULL;
    uint8_t px[S_W * S_H * CS_PIXFMT_SAMPLES_MAX * 2];

    ck_assert_int_eq(h5writer_open(&p, &h, &w), 0);
    *ret_r = runvds_opened(s_vds, w);
    for (int i = 0; i < n; i++) {
        h = s_hdr(run, seqs[i]);
        cs_pattern_fill(s_fmt, S_W, S_H, h.stride, seqs[i], px);
        ck_assert_int_eq(h5writer_append(w, &h, px, h.payload_size), 0);
    }
    return w;
}

static void
s_close(struct h5writer **w, enum h5writer_end end)
{
    ck_assert_int_eq(runvds_closing(s_vds, *w, end), 0);
    ck_assert_int_eq(h5writer_close(w, end), 0);
}

static uint64_t
s_attr_u64(hid_t f, const char *name)
{
    uint64_t v = 0;
    hid_t a = H5Aopen(f, name, H5P_DEFAULT);

    ck_assert_int_ge(a, 0);
    ck_assert_int_ge(H5Aread(a, H5T_NATIVE_UINT64, &v), 0);
    H5Aclose(a);
    return v;
}

static void
s_attr_str(hid_t f, const char *name, char *buf, size_t size)
{
    char *v = NULL;
    hid_t a = H5Aopen(f, name, H5P_DEFAULT), t = H5Aget_type(a);

    ck_assert_int_gt(H5Tis_variable_str(t), 0);
    ck_assert_int_ge(H5Aread(a, t, &v), 0);
    (void) cs_strlcpy(buf, v, size);
    H5free_memory(v);
    H5Tclose(t);
    H5Aclose(a);
}

/* The length of dataset @path of @f, and its values if it is a uint64 column (@ret, n max). */
static hsize_t
s_column(hid_t f, const char *path, uint64_t *ret, size_t n)
{
    hid_t d = H5Dopen2(f, path, H5P_DEFAULT), s = H5Dget_space(d);
    hsize_t dims[4] = { 0 };

    ck_assert_int_ge(d, 0);
    ck_assert_int_ge(H5Sget_simple_extent_dims(s, dims, NULL), 1);
    if (ret) {
        ck_assert_uint_le(dims[0], n);
        ck_assert_int_ge(H5Dread(d, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, ret), 0);
    }
    H5Sclose(s);
    H5Dclose(d);
    return dims[0];
}

static void
s_path_of(char *buf, size_t size, const struct h5writer *w)
{
    (void) snprintf(buf, size, "%.*s.vds.h5", (int) strlen(h5writer_path(w)) - 3, h5writer_path(w));
}

/* Two parts joined by a rotation: no run file with one part; with two, one that says
 * "writing"; at the end, the parts' frames, seq and gaps in order, whole. */
START_TEST(a_rotated_run_reads_as_one)
{
    static const uint64_t a[] = { 0, 1, 2 }, b[] = { 3, 4, 7 };
    struct cs_gap gap = { .first_seq = 5, .count = 2, .reason = CS_GAP_QUEUE };
    struct h5writer *w;
    char path[PATH_MAX + 16], end[32];
    uint64_t seq[8];
    hid_t f, d;
    int r;

    w = s_part(S_RUN, 0, 0, a, 3, &r);
    ck_assert_int_eq(r, 0);
    s_path_of(path, sizeof path, w);
    ck_assert_int_ne(access(path, F_OK), 0); /* one part: no run file */
    s_close(&w, H5WRITER_END_ROTATION);

    w = s_part(S_RUN, 1, 3, b, 2, &r);
    ck_assert_int_eq(r, 0);
    f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    ck_assert_int_ge(f, 0);
    s_attr_str(f, "end_reason", end, sizeof end);
    ck_assert_str_eq(end, CS_H5_END_WRITING);
    ck_assert_uint_eq(s_attr_u64(f, "parts"), 2);
    H5Fclose(f);
    ck_assert_int_eq(h5writer_note_gap(w, &gap), 0);
    {
        struct cs_frame_hdr h = s_hdr(S_RUN, 7);
        uint8_t px[S_W * S_H];

        cs_pattern_fill(CS_PIXFMT_GREY, S_W, S_H, S_W, 7, px);
        ck_assert_int_eq(h5writer_append(w, &h, px, sizeof px), 0);
    }
    s_close(&w, H5WRITER_END_EOS);

    f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    ck_assert_int_ge(f, 0);
    s_attr_str(f, "end_reason", end, sizeof end);
    ck_assert_str_eq(end, "end_of_stream");
    ck_assert_uint_eq(s_attr_u64(f, "frames"), 6);
    ck_assert_uint_eq(s_attr_u64(f, "run"), S_RUN);
    ck_assert_uint_eq(s_column(f, "/entry/data/seq", seq, 8), 6);
    ck_assert_uint_eq(seq[2], 2);
    ck_assert_uint_eq(seq[3], 3);
    ck_assert_uint_eq(seq[5], 7);
    ck_assert_uint_eq(s_column(f, "/entry/data/gaps", NULL, 0), 1);
    ck_assert_uint_eq(s_column(f, "/entry/data/data", NULL, 0), 6);
    /* Frame 5 of the run file is seq 7 of the second part, pixel for pixel. */
    d = H5Dopen2(f, "/entry/data/data", H5P_DEFAULT);
    {
        hsize_t start[3] = { 5, 0, 0 }, count[3] = { 1, S_H, S_W };
        hid_t fs = H5Dget_space(d), ms = H5Screate_simple(3, count, NULL);
        uint8_t px[S_W * S_H], exp[S_W * S_H];

        ck_assert_int_ge(H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL), 0);
        ck_assert_int_ge(H5Dread(d, H5T_NATIVE_UINT8, ms, fs, H5P_DEFAULT, px), 0);
        cs_pattern_fill(CS_PIXFMT_GREY, S_W, S_H, S_W, 7, exp);
        ck_assert_mem_eq(px, exp, sizeof px);
        H5Sclose(ms);
        H5Sclose(fs);
    }
    H5Dclose(d);
    H5Fclose(f);
}
END_TEST

/* Checks that file @f's NXdata signal is what the pixel format's row says a viewer is shown
 * (pixfmt.h, file_view), with the @interpretation of its channels, and that its channel c of
 * frame i is channel c of the test pattern of @seqs[i] (grey or R, G, B; n frames). */
static void
s_check_view(hid_t f, const uint64_t *seqs, int n)
{
    const struct cs_pixfmt_file_view *v = &cs_pixfmt_info(s_fmt)->file_view;
    const char *name = v->name ? v->name : "data";
    char signal[32], interp[32], path[64];
    hid_t g = H5Gopen2(f, "/entry/data", H5P_DEFAULT), d, fs, ms;
    hsize_t dims[4] = { 0 }, start[4] = { 0 }, count[4] = { 1, S_H, S_W, v->channels };
    uint32_t px[S_H][S_W][3];
    int rank = v->channels > 1 ? 4 : 3;

    ck_assert_int_ge(g, 0);
    s_attr_str(g, "signal", signal, sizeof signal);
    ck_assert_str_eq(signal, name);
    (void) snprintf(path, sizeof path, "/entry/data/%s", name);
    d = H5Dopen2(f, path, H5P_DEFAULT);
    ck_assert_int_ge(d, 0);
    s_attr_str(d, "interpretation", interp, sizeof interp);
    ck_assert_str_eq(interp, v->channels > 1 ? "rgba-image" : "image");
    fs = H5Dget_space(d);
    ck_assert_int_eq(H5Sget_simple_extent_ndims(fs), rank);
    ck_assert_int_eq(H5Sget_simple_extent_dims(fs, dims, NULL), rank);
    ck_assert_uint_eq(dims[0], (hsize_t) n);
    ck_assert_uint_eq(dims[1], S_H);
    ck_assert_uint_eq(dims[2], S_W);
    if (rank == 4)
        ck_assert_uint_eq(dims[3], v->channels);
    ms = H5Screate_simple(rank, count, NULL);
    for (int i = 0; i < n; i++) {
        start[0] = (hsize_t) i;
        ck_assert_int_ge(H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL), 0);
        ck_assert_int_ge(H5Dread(d, H5T_NATIVE_UINT32, ms, fs, H5P_DEFAULT, px), 0);
        for (uint32_t y = 0; y < S_H; y++)
            for (uint32_t x = 0; x < S_W; x++)
                for (uint32_t c = 0; c < v->channels; c++) {
                    uint32_t got = v->channels > 1 ? px[y][x][c] : ((uint32_t *) px)[y * S_W + x];

                    ck_assert_msg(got == cs_pattern_sample(s_fmt, x, y, c, seqs[i]),
                                  "%s: %s[%d] (%u, %u) channel %u is %u", path, name, i, x, y, c,
                                  got);
                }
    }
    H5Sclose(ms);
    H5Sclose(fs);
    H5Dclose(d);
    H5Gclose(g);
}

/* Every pixel format: each part, and the run file across them, show a viewer the frames as
 * the format's row says, channel for channel the test pattern. */
START_TEST(each_format_is_viewed_through_the_run_file)
{
    static const uint64_t a[] = { 0, 1, 2 }, b[] = { 3, 4 }, all[] = { 0, 1, 2, 3, 4 };
    struct h5writer *w;
    char path[PATH_MAX + 16], part[PATH_MAX];
    hid_t f;
    int r;

    s_fmt = (enum cs_pixfmt) _i;
    w = s_part(S_RUN, 0, 0, a, 3, &r);
    ck_assert_int_eq(r, 0);
    s_path_of(path, sizeof path, w);
    s_close(&w, H5WRITER_END_ROTATION);
    w = s_part(S_RUN, 1, 3, b, 2, &r);
    ck_assert_int_eq(r, 0);
    (void) cs_strlcpy(part, h5writer_path(w), sizeof part);
    s_close(&w, H5WRITER_END_EOS);

    f = H5Fopen(part, H5F_ACC_RDONLY, H5P_DEFAULT);
    ck_assert_int_ge(f, 0);
    s_check_view(f, b, 2);
    H5Fclose(f);
    f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    ck_assert_int_ge(f, 0);
    s_check_view(f, all, 5);
    H5Fclose(f);
}
END_TEST

/* A rotation whose next part belongs to another run (its open failed, say): the chain left
 * behind gets its final version, saying how its last part ended, and the new run starts a
 * chain of its own. */
START_TEST(a_chain_left_behind_is_finished)
{
    static const uint64_t a[] = { 0, 1 }, b[] = { 2, 3 }, c[] = { 0 };
    struct h5writer *w;
    char path[PATH_MAX + 16], end[32];
    hid_t f;
    int r;

    w = s_part(S_RUN, 0, 0, a, 2, &r);
    s_path_of(path, sizeof path, w);
    s_close(&w, H5WRITER_END_ROTATION);
    w = s_part(S_RUN, 1, 2, b, 2, &r);
    ck_assert_int_eq(r, 0);
    s_close(&w, H5WRITER_END_ROTATION);
    w = s_part(S_RUN + 1, 0, 0, c, 1, &r); /* another run */
    ck_assert_int_eq(r, 0);
    f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    ck_assert_int_ge(f, 0);
    s_attr_str(f, "end_reason", end, sizeof end);
    ck_assert_str_eq(end, "rotated");
    ck_assert_uint_eq(s_attr_u64(f, "frames"), 4);
    ck_assert_uint_eq(s_column(f, "/entry/data/seq", NULL, 0), 4);
    H5Fclose(f);
    s_close(&w, H5WRITER_END_EOS); /* a chain of one part: no run file of its own */
}
END_TEST

Suite *
test_suite(void)
{
    Suite *s = suite_create("runvds");
    TCase *tc = tcase_create("chains");

    tcase_add_checked_fixture(tc, s_setup, s_teardown);
    tcase_add_test(tc, a_rotated_run_reads_as_one);
    tcase_add_test(tc, a_chain_left_behind_is_finished);
    tcase_add_loop_test(tc, each_format_is_viewed_through_the_run_file, 0, CS_PIXFMT_COUNT);
    suite_add_tcase(s, tc);
    return s;
}
