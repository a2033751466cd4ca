/* Unit tests of camstackctl's plot (tools/camstackctl/plot.h): round axis ticks, the
 * reduction of long files to one envelope point per pixel column, and an SVG document that
 * is well-formed and holds every value at the place its declared axes say. */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check-main.h"
#include "plot.h"

START_TEST(plot_axis_round_ticks)
{
    struct plot_axis a;

    plot_nice_axis(0, 255, 8, &a);
    ck_assert_double_eq(a.step, 50);
    ck_assert_double_eq(a.lo, 0);
    ck_assert_double_eq(a.hi, 300);
    plot_nice_axis(0.013, 2.561, 10, &a);
    ck_assert_double_eq_tol(a.step, 0.5, 1e-12);
    ck_assert_double_eq(a.lo, 0);
    ck_assert_double_eq_tol(a.hi, 3, 1e-12);
    plot_nice_axis(-7, 13, 4, &a);
    ck_assert_double_eq(a.step, 5);
    ck_assert_double_eq(a.lo, -10);
    ck_assert_double_eq(a.hi, 15);
    plot_nice_axis(42, 42, 8, &a); /* a flat line still gets an axis around it */
    ck_assert(a.lo < 42 && a.hi > 42 && a.step > 0);
    plot_nice_axis(0, 0, 8, &a);
    ck_assert(a.lo < 0 && a.hi > 0);
}
END_TEST

static struct stats_series
s_series(size_t n)
{
    struct stats_series s = { .n = n, .run = 77, .complete = true };

    s.seq = calloc(n, sizeof *s.seq);
    s.timestamp_ns = calloc(n, sizeof *s.timestamp_ns);
    s.min = calloc(n, sizeof *s.min);
    s.max = calloc(n, sizeof *s.max);
    s.mean = calloc(n, sizeof *s.mean);
    s.std = calloc(n, sizeof *s.std);
    for (size_t i = 0; i < n; i++) {
        s.seq[i] = i;
        s.timestamp_ns[i] = 1800000000000000000ULL + i * 20000000ULL; /* 50 frames/s */
        s.min[i] = (uint32_t) (i % 7);
        s.max[i] = (uint32_t) (200 + i % 50);
        s.mean[i] = 100 + 10 * sin((double) i / 10);
        s.std[i] = 5;
    }
    return s;
}

START_TEST(plot_reduce_keeps_the_envelope)
{
    struct stats_series s = s_series(10000);
    struct plot_point p[100];
    size_t n = plot_reduce(&s, p, 100);

    ck_assert_uint_eq(n, 100);
    for (size_t c = 0; c < n; c++) {
        double mean = 0;

        /* 100 frames per column, [100 c, 100 c + 100) */
        for (size_t i = 100 * c; i < 100 * c + 100; i++)
            mean += s.mean[i];
        ck_assert_double_eq(p[c].min, 0);
        ck_assert_double_eq(p[c].max, 249);
        ck_assert_double_eq_tol(p[c].mean, mean / 100, 1e-9);
        ck_assert_double_eq_tol(p[c].t_s, c * 100 * 0.02, 1e-9);
    }
    /* Short files: every frame is its own point. */
    s.n = 50;
    ck_assert_uint_eq(plot_reduce(&s, p, 100), 50);
    ck_assert_double_eq(p[49].max, 249);
    ck_assert_double_eq(p[13].min, 6);
    s.n = 10000;
    stats_free(&s);
}
END_TEST

/* Reads attribute @name="..." after @from into a number. */
static double
s_attr(const char *from, const char *name)
{
    char needle[64];
    const char *p;

    (void) snprintf(needle, sizeof needle, " %s=\"", name);
    p = strstr(from, needle);
    ck_assert_msg(p, "no %s", name);
    return strtod(p + strlen(needle), NULL);
}

START_TEST(plot_svg_holds_every_value)
{
    struct stats_series s = s_series(300);
    char *doc = NULL, *g;
    size_t size = 0;
    FILE *f = open_memstream(&doc, &size);
    static const char *const ids[] = { "min", "max", "mean" };
    double left, top, width, height, x0, x1, y0, y1;

    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(plot_svg(f, &s, "a <title> & more"), 0);
    ck_assert_int_eq(fclose(f), 0);
    ck_assert_msg(strncmp(doc, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg ", 44) == 0,
                  "%.60s", doc);
    ck_assert_ptr_nonnull(strstr(doc, "<title>a &lt;title&gt; &amp; more</title>"));
    ck_assert_ptr_nonnull(strstr(doc, "300 frames, seq 0 to 299, over 5.980 s; run 77"));
    ck_assert_str_eq(doc + size - 7, "</svg>\n");
    g = strstr(doc, "<g id=\"plot\"");
    ck_assert_ptr_nonnull(g);
    left = s_attr(g, "data-left");
    top = s_attr(g, "data-top");
    width = s_attr(g, "data-width");
    height = s_attr(g, "data-height");
    x0 = s_attr(g, "data-x-min");
    x1 = s_attr(g, "data-x-max");
    y0 = s_attr(g, "data-y-min");
    y1 = s_attr(g, "data-y-max");
    ck_assert_double_eq(s_attr(g, "data-frames"), 300);
    ck_assert_double_eq(s_attr(g, "data-points"), 300);
    for (size_t k = 0; k < 3; k++) {
        char needle[64];
        const char *p;

        (void) snprintf(needle, sizeof needle, "<polyline id=\"%s\"", ids[k]);
        p = strstr(g, needle);
        ck_assert_msg(p, "no %s line", ids[k]);
        p = strstr(p, "points=\"") + 8;
        for (size_t i = 0; i < s.n; i++) {
            char *end;
            double x = strtod(p, &end), y, t, v;
            double want = k == 0 ? s.min[i] : k == 1 ? s.max[i] : s.mean[i];

            ck_assert(*end == ',');
            y = strtod(end + 1, &end);
            t = x0 + (x - left) / width * (x1 - x0);
            v = y1 - (y - top) / height * (y1 - y0);
            /* Coordinates have two decimals: values within 0.005 px of the place. */
            ck_assert_double_eq_tol(t, (double) i * 0.02, 0.006 * (x1 - x0) / width);
            ck_assert_double_eq_tol(v, want, 0.006 * (y1 - y0) / height);
            p = end + (i + 1 < s.n ? 1 : 0);
        }
        ck_assert(*p == '"');
    }
    free(doc);
    stats_free(&s);
}
END_TEST

START_TEST(plot_svg_refuses_empty)
{
    struct stats_series s = { 0 };

    ck_assert_int_eq(plot_svg(stdout, &s, "x"), -ENODATA);
}
END_TEST

Suite *
test_suite(void)
{
    Suite *s = suite_create("plot");
    TCase *tc = tcase_create("plot");

    tcase_add_test(tc, plot_axis_round_ticks);
    tcase_add_test(tc, plot_reduce_keeps_the_envelope);
    tcase_add_test(tc, plot_svg_holds_every_value);
    tcase_add_test(tc, plot_svg_refuses_empty);
    suite_add_tcase(s, tc);
    return s;
}
