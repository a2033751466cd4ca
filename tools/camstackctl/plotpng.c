#include "plotpng.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot.h"
#include "plotfont.h"
#include "pngfile.h"

#define S_GRID  0xd0d0d0
#define S_FRAME 0x333333
#define S_TEXT  0x222222
#define S_GREY  0x555555

enum s_anchor { S_START, S_MIDDLE, S_END };

static void
s_pixel(struct cs_view_image *img, long x, long y, uint32_t rgb)
{
    uint8_t *p;

    if (x < 0 || y < 0 || x >= (long) img->width || y >= (long) img->height)
        return;
    p = img->data + (size_t) y * img->row_bytes + (size_t) x * 3;
    p[0] = (uint8_t) (rgb >> 16);
    p[1] = (uint8_t) (rgb >> 8);
    p[2] = (uint8_t) rgb;
}

/* The pixels of [@x0, @x1) x [@y0, @y1), in the picture's coordinates. */
static void
s_fill(struct cs_view_image *img, double x0, double y0, double x1, double y1, uint32_t rgb)
{
    for (long y = (long) floor(y0); y < (long) ceil(y1); y++)
        for (long x = (long) floor(x0); x < (long) ceil(x1); x++)
            s_pixel(img, x, y, rgb);
}

/* A line about 1.5 px wide: a 2 x 2 brush stepped along it every half pixel, so that the
 * pixel holding each end, (floor(x), floor(y)), is always painted. */
static void
s_line(struct cs_view_image *img, double x0, double y0, double x1, double y1, uint32_t rgb)
{
    double len = hypot(x1 - x0, y1 - y0);
    long steps = (long) ceil(len * 2) + 1;

    for (long i = 0; i <= steps; i++) {
        double f = steps ? (double) i / (double) steps : 0;
        long x = (long) floor(x0 + f * (x1 - x0) - 0.5), y = (long) floor(y0 + f * (y1 - y0) - 0.5);

        s_pixel(img, x, y, rgb);
        s_pixel(img, x + 1, y, rgb);
        s_pixel(img, x, y + 1, rgb);
        s_pixel(img, x + 1, y + 1, rgb);
    }
}

/* @text in the 5 x 7 font, @scale times as large, its baseline at @y. Rotated, it reads
 * upwards from (@x, @y) as the SVG document's rotate(-90) does, @x being the baseline. */
static void
s_text(struct cs_view_image *img, double x, double y, const char *text, enum s_anchor anchor,
       int scale, bool rotated, uint32_t rgb)
{
    double advance = (PLOTFONT_W + 1) * scale, width = advance * (double) strlen(text) - scale;
    double pos = anchor == S_START ? 0 : anchor == S_MIDDLE ? -width / 2 : -width;

    for (const char *c = text; *c; c++, pos += advance) {
        const uint8_t *g = plotfont_glyph((unsigned char) *c);

        for (int col = 0; col < PLOTFONT_W; col++) {
            for (int row = 0; row < PLOTFONT_H; row++) {
                double along = pos + col * scale, up = (PLOTFONT_H - row) * scale;

                if (!(g[col] >> row & 1))
                    continue;
                if (rotated)
                    s_fill(img, x - up, y - along - scale, x - up + scale, y - along, rgb);
                else
                    s_fill(img, x + along, y - up, x + along + scale, y - up + scale, rgb);
            }
        }
    }
}

static void
s_panel(struct cs_view_image *img, const struct plot_map *m, size_t k, const struct plot_point *p,
        size_t n, const char *value)
{
    const struct plot_panel *pn = &plot_panels[k];
    long ny = lround((m->y.hi - m->y.lo) / m->y.step), nx = lround((m->x.hi - m->x.lo) / m->x.step);
    char title[128], axis[160], tick[32];

    for (long i = 0; i <= ny; i++) {
        double v = plot_tick(&m->y, i), y = plot_py(m, v);

        s_fill(img, PLOT_LEFT, floor(y), PLOT_LEFT + PLOT_AREA_W, floor(y) + 1, S_GRID);
        (void) snprintf(tick, sizeof tick, "%.*f", plot_decimals(m->y.step), v);
        s_text(img, PLOT_LEFT - 6, y + 4, tick, S_END, 1, false, S_TEXT);
    }
    for (long i = 0; i <= nx; i++) {
        double t = plot_tick(&m->x, i), x = plot_px(m, t);

        s_fill(img, floor(x), m->top, floor(x) + 1, m->top + m->height, S_GRID);
        (void) snprintf(tick, sizeof tick, "%.*f", plot_decimals(m->x.step), t);
        if (k + 1 == PLOT_PANELS)
            s_text(img, x, m->top + m->height + 18, tick, S_MIDDLE, 1, false, S_TEXT);
    }
    s_fill(img, PLOT_LEFT, m->top, PLOT_LEFT + PLOT_AREA_W, m->top + 1, S_FRAME);
    s_fill(img, PLOT_LEFT, m->top + m->height, PLOT_LEFT + PLOT_AREA_W + 1, m->top + m->height + 1,
           S_FRAME);
    s_fill(img, PLOT_LEFT, m->top, PLOT_LEFT + 1, m->top + m->height, S_FRAME);
    s_fill(img, PLOT_LEFT + PLOT_AREA_W, m->top, PLOT_LEFT + PLOT_AREA_W + 1, m->top + m->height,
           S_FRAME);
    plot_panel_texts(k, value, title, sizeof title, axis, sizeof axis);
    s_text(img, PLOT_LEFT, m->top - 8, title, S_START, 1, false, S_TEXT);
    s_text(img, 22, m->top + m->height / 2, axis, S_MIDDLE, 1, true, S_TEXT);
    for (unsigned l = 0; l < pn->n_lines; l++) {
        for (size_t i = 0; i < n; i++) {
            double x = plot_px(m, p[i].t_s), y = plot_py(m, plot_field(&p[i], pn->lines[l].field));
            size_t j = i + 1 < n ? i + 1 : i;

            s_line(img, x, y, plot_px(m, p[j].t_s),
                   plot_py(m, plot_field(&p[j], pn->lines[l].field)), pn->lines[l].rgb);
        }
    }
}

int
plot_render(const struct stats_series *s, const char *title, const char *value,
            struct cs_view_image *ret_img)
{
    struct plot_map maps[PLOT_PANELS];
    struct cs_view_image img = { .width = PLOT_WIDTH,
                                 .height = PLOT_HEIGHT,
                                 .channels = 3,
                                 .depth = 8,
                                 .row_bytes = (size_t) PLOT_WIDTH * 3 };
    struct plot_point *p;
    char sub[256];
    size_t n;
    int r;

    memset(ret_img, 0, sizeof *ret_img);
    r = plot_points(s, &p, &n);
    if (r < 0)
        return r;
    img.data = malloc(img.row_bytes * img.height);
    if (!img.data) {
        free(p);
        return -ENOMEM;
    }
    memset(img.data, 0xff, img.row_bytes * img.height);
    plot_layout(p, n, maps);
    plot_subtitle(s, n, p[n - 1].t_s - p[0].t_s, sub, sizeof sub);
    s_text(&img, PLOT_WIDTH / 2.0, 20, title, S_MIDDLE, 2, false, S_TEXT);
    s_text(&img, PLOT_WIDTH / 2.0, 36, sub, S_MIDDLE, 1, false, S_GREY);
    for (size_t k = 0; k < PLOT_PANELS; k++)
        s_panel(&img, &maps[k], k, p, n, value);
    s_text(&img, PLOT_LEFT + PLOT_AREA_W / 2, PLOT_TIME_LABEL_Y, PLOT_TIME_LABEL, S_MIDDLE, 1,
           false, S_TEXT);
    free(p);
    *ret_img = img;
    return 0;
}

int
plot_png(const char *path, const struct stats_series *s, const char *title, const char *value,
         char *reterr, size_t err_size)
{
    struct cs_view_image img;
    int r = plot_render(s, title, value, &img);

    if (r < 0) {
        (void) snprintf(reterr, err_size, "%s", strerror(-r));
        return r;
    }
    r = pngfile_write(path, &img, title, reterr, err_size);
    cs_view_free(&img);
    return r;
}
