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
#include "pixfmt.h"
#include "plot.h"
#include "plotpng.h"

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

/* The value of line @k of the test series at row @i. */
static double
s_want(const struct stats_series *s, const char *line, size_t i)
{
    if (strcmp(line, "min") == 0)
        return s->min[i];
    if (strcmp(line, "max") == 0)
        return s->max[i];
    return strcmp(line, "mean") == 0 ? s->mean[i] : s->std[i];
}

START_TEST(plot_svg_holds_every_value)
{
    struct stats_series s = s_series(300);
    char *doc = NULL, *g;
    size_t size = 0;
    FILE *f = open_memstream(&doc, &size);
    static const struct {
        const char *panel, *line;
    } lines[] = { { "plot-range", "min" },
                  { "plot-range", "max" },
                  { "plot-mean", "mean" },
                  { "plot-std", "std" } };
    double left, top, width, height, x0, x1, y0, y1;

    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(plot_svg(f, &s, "a <title> & more", "R + G + B (0 to 765)"), 0);
    ck_assert_int_eq(fclose(f), 0);
    ck_assert_msg(strncmp(doc, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg ", 44) == 0,
                  "%.60s", doc);
    ck_assert_ptr_nonnull(strstr(doc, "<title>a &lt;title&gt; &amp; more</title>"));
    ck_assert_ptr_nonnull(strstr(doc, "300 frames, seq 0 to 299, over 5.980 s; run 77"));
    ck_assert_ptr_nonnull(strstr(doc, ">R + G + B (0 to 765)</text>"));
    ck_assert_ptr_null(strstr(doc, ">pixel value"));
    ck_assert_str_eq(doc + size - 7, "</svg>\n");
    g = strstr(doc, "<g id=\"plot\"");
    ck_assert_ptr_nonnull(g);
    ck_assert_double_eq(s_attr(g, "data-frames"), 300);
    ck_assert_double_eq(s_attr(g, "data-points"), 300);
    for (size_t k = 0; k < sizeof lines / sizeof lines[0]; k++) {
        char needle[64];
        const char *p;

        (void) snprintf(needle, sizeof needle, "<g id=\"%s\"", lines[k].panel);
        g = strstr(doc, needle);
        ck_assert_msg(g, "no panel %s", lines[k].panel);
        left = s_attr(g, "data-left");
        top = s_attr(g, "data-top");
        width = s_attr(g, "data-width");
        height = s_attr(g, "data-height");
        x0 = s_attr(g, "data-x-min");
        x1 = s_attr(g, "data-x-max");
        y0 = s_attr(g, "data-y-min");
        y1 = s_attr(g, "data-y-max");
        if (strcmp(lines[k].line, "mean") == 0) {
            /* Its own axis: the mean's swing of 20 takes most of the panel's height, where
             * the range axis (0 to 250) would give it a twelfth. */
            ck_assert_double_le(y1 - y0, 40);
        }
        (void) snprintf(needle, sizeof needle, "<polyline id=\"%s\"", lines[k].line);
        p = strstr(g, needle);
        ck_assert_msg(p && p < strstr(g, "</g>"), "no %s line in %s", lines[k].line,
                      lines[k].panel);
        p = strstr(p, "points=\"") + 8;
        for (size_t i = 0; i < s.n; i++) {
            char *end;
            double x = strtod(p, &end), y, t, v;

            ck_assert(*end == ',');
            y = strtod(end + 1, &end);
            t = x0 + (x - left) / width * (x1 - x0);
            v = y1 - (y - top) / height * (y1 - y0);
            /* Coordinates have two decimals: values within 0.005 px of the place. */
            ck_assert_double_eq_tol(t, (double) i * 0.02, 0.006 * (x1 - x0) / width);
            ck_assert_double_eq_tol(v, s_want(&s, lines[k].line, i), 0.006 * (y1 - y0) / height);
            p = end + (i + 1 < s.n ? 1 : 0);
        }
        ck_assert(*p == '"');
    }
    free(doc);
    stats_free(&s);
}
END_TEST

/* The colour of pixel (@x, @y) of @img as 0xRRGGBB. */
static uint32_t
s_rgb(const struct cs_view_image *img, long x, long y)
{
    const uint8_t *p = img->data + (size_t) y * img->row_bytes + (size_t) x * 3;

    return (uint32_t) p[0] << 16 | (uint32_t) p[1] << 8 | p[2];
}

/* The PNG picture draws every line where the SVG document's axes put its values: the pixel
 * holding each row's place (floor of the coordinates the panel's data-* attributes give) has
 * the line's colour, and the inside of a panel away from lines and grid stays white. */
START_TEST(plot_render_draws_every_value_in_place)
{
    struct stats_series s = s_series(300);
    struct cs_view_image img;
    struct plot_point *p;
    struct plot_map maps[PLOT_PANELS];
    size_t n;

    ck_assert_int_eq(plot_render(&s, "t", "R + G + B (0 to 765)", &img), 0);
    ck_assert_uint_eq(img.width, PLOT_WIDTH);
    ck_assert_uint_eq(img.height, PLOT_HEIGHT);
    ck_assert_uint_eq(img.channels, 3);
    ck_assert_int_eq(plot_points(&s, &p, &n), 0);
    plot_layout(p, n, maps);
    for (size_t k = 0; k < PLOT_PANELS; k++) {
        const struct plot_panel *pn = &plot_panels[k];
        const struct plot_map *m = &maps[k];

        for (unsigned l = 0; l < pn->n_lines; l++) {
            for (size_t i = 0; i < s.n; i += 7) {
                double v = s_want(&s, pn->lines[l].id, i);
                double x =
                    PLOT_LEFT + ((double) i * 0.02 - m->x.lo) / (m->x.hi - m->x.lo) * PLOT_AREA_W;
                double y = m->top + PLOT_INSET
                           + (m->y.hi - v) / (m->y.hi - m->y.lo) * (m->height - 2 * PLOT_INSET);

                ck_assert_msg(s_rgb(&img, (long) floor(x), (long) floor(y)) == pn->lines[l].rgb,
                              "%s row %zu: pixel (%.1f, %.1f) is %06x", pn->lines[l].id, i, x, y,
                              (unsigned) s_rgb(&img, (long) floor(x), (long) floor(y)));
            }
        }
    }
    /* Between min (0..6) and max (200..249) of the range panel, off the grid: white. */
    ck_assert_uint_eq(
        s_rgb(&img, (long) (PLOT_LEFT + 3), (long) (maps[0].top + maps[0].height / 2 + 3)),
        0xffffff);
    free(p);
    cs_view_free(&img);
    stats_free(&s);
}
END_TEST

START_TEST(plot_value_names_the_format_rule)
{
    char buf[160];

    plot_value_label(CS_PIXFMT_RGB24, buf, sizeof buf);
    ck_assert_str_eq(buf, "R + G + B (0 to 765)");
    plot_value_label(CS_PIXFMT_BGR24, buf, sizeof buf);
    ck_assert_str_eq(buf, "R + G + B (0 to 765)");
    plot_value_label(CS_PIXFMT_GREY, buf, sizeof buf);
    ck_assert_str_eq(buf, "pixel value (0 to 255)");
    plot_value_label(CS_PIXFMT_Y16, buf, sizeof buf);
    ck_assert_str_eq(buf, "pixel value (0 to 65535)");
    plot_value_label(CS_PIXFMT_YUYV, buf, sizeof buf);
    ck_assert_str_eq(buf, "Y (0 to 255)");
    plot_value_label(-1, buf, sizeof buf);
    ck_assert_ptr_nonnull(strstr(buf, "R + G + B for RGB24"));
}
END_TEST

START_TEST(plot_svg_refuses_empty)
{
    struct stats_series s = { 0 };

    ck_assert_int_eq(plot_svg(stdout, &s, "x", "v"), -ENODATA);
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
    tcase_add_test(tc, plot_value_names_the_format_rule);
    tcase_add_test(tc, plot_render_draws_every_value_in_place);
    suite_add_tcase(s, tc);
    return s;
}
