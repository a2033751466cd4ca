#include "plot.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pixfmt.h"

void
plot_nice_axis(double lo, double hi, int max_ticks, struct plot_axis *ret)
{
    double span, raw, mag, step;

    if (max_ticks < 1)
        max_ticks = 1;
    if (!(hi > lo)) {
        double pad = fabs(lo) > 1 ? fabs(lo) * 0.01 : 1;

        lo -= pad;
        hi += pad;
    }
    span = hi - lo;
    raw = span / max_ticks;
    mag = pow(10, floor(log10(raw)));
    if (raw <= mag)
        step = mag;
    else if (raw <= 2 * mag)
        step = 2 * mag;
    else if (raw <= 5 * mag)
        step = 5 * mag;
    else
        step = 10 * mag;
    ret->step = step;
    ret->lo = floor(lo / step) * step;
    ret->hi = ceil(hi / step) * step;
}

size_t
plot_reduce(const struct stats_series *s, struct plot_point *ret, size_t max_points)
{
    uint64_t t0 = s->n ? s->timestamp_ns[0] : 0;

    if (s->n <= max_points) {
        for (size_t i = 0; i < s->n; i++)
            ret[i] = (struct plot_point){ (double) (int64_t) (s->timestamp_ns[i] - t0) / 1e9,
                                          s->min[i], s->max[i], s->mean[i], s->std[i] };
        return s->n;
    }
    for (size_t c = 0; c < max_points; c++) {
        size_t a = c * s->n / max_points, b = (c + 1) * s->n / max_points;
        struct plot_point p = { (double) (int64_t) (s->timestamp_ns[a] - t0) / 1e9, s->min[a],
                                s->max[a], 0, 0 };

        for (size_t i = a; i < b; i++) {
            p.min = s->min[i] < p.min ? s->min[i] : p.min;
            p.max = s->max[i] > p.max ? s->max[i] : p.max;
            p.mean += s->mean[i];
            p.std += s->std[i];
        }
        p.mean /= (double) (b - a);
        p.std /= (double) (b - a);
        ret[c] = p;
    }
    return max_points;
}

/* Text content for XML: & < > and quotes escaped, control characters dropped. */
static void
s_text(FILE *out, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&':
            (void) fputs("&amp;", out);
            break;
        case '<':
            (void) fputs("&lt;", out);
            break;
        case '>':
            (void) fputs("&gt;", out);
            break;
        case '"':
            (void) fputs("&quot;", out);
            break;
        default:
            if ((unsigned char) *s >= 0x20)
                (void) fputc(*s, out);
        }
    }
}

const struct plot_panel plot_panels[PLOT_PANELS] = {
    { "plot-range",
      "min and max",
      60,
      270,
      6,
      2,
      { { PLOT_MAX, "max", 0xd62728 }, { PLOT_MIN, "min", 0x1f77b4 } } },
    { "plot-mean", "mean", 370, 180, 5, 1, { { PLOT_MEAN, "mean", 0x222222 } } },
    { "plot-std", "standard deviation", 590, 110, 4, 1, { { PLOT_STD, "std", 0x2ca02c } } },
};

void
plot_value_label(int fmt, char *buf, size_t size)
{
    const struct cs_pixfmt_info *pi;

    if (fmt < 0 || fmt >= CS_PIXFMT_COUNT) {
        (void) snprintf(buf, size, "pixel value (R + G + B for RGB24, BGR24; Y for YUYV)");
        return;
    }
    pi = cs_pixfmt_info((enum cs_pixfmt) fmt);
    (void) snprintf(buf, size, "%s (0 to %u)", pi->stats_value, (unsigned) pi->stats_max);
}

double
plot_px(const struct plot_map *m, double t)
{
    return PLOT_LEFT + (t - m->x.lo) / (m->x.hi - m->x.lo) * PLOT_AREA_W;
}

/* Values map into the panel less PLOT_INSET at the top and bottom, so that a line at the
 * axis's end (min = 0) is not hidden by the frame. */
double
plot_py(const struct plot_map *m, double v)
{
    return m->top + PLOT_INSET + (m->y.hi - v) / (m->y.hi - m->y.lo) * (m->height - 2 * PLOT_INSET);
}

double
plot_tick(const struct plot_axis *a, long k)
{
    double v = a->lo + (double) k * a->step;

    return fabs(v) < a->step * 1e-9 ? 0.0 : v;
}

int
plot_decimals(double step)
{
    int d = (int) -floor(log10(step) + 1e-9);

    return d < 0 ? 0 : d > 9 ? 9 : d;
}

double
plot_field(const struct plot_point *p, enum plot_field field)
{
    switch (field) {
    case PLOT_MIN:
        return p->min;
    case PLOT_MAX:
        return p->max;
    case PLOT_MEAN:
        return p->mean;
    case PLOT_STD:
    default:
        return p->std;
    }
}

void
plot_layout(const struct plot_point *p, size_t n, struct plot_map ret[PLOT_PANELS])
{
    double t_lo = INFINITY, t_hi = -INFINITY;
    struct plot_axis x;

    for (size_t i = 0; i < n; i++) {
        t_lo = fmin(t_lo, p[i].t_s);
        t_hi = fmax(t_hi, p[i].t_s);
    }
    plot_nice_axis(t_lo, t_hi, 10, &x);
    for (size_t k = 0; k < PLOT_PANELS; k++) {
        const struct plot_panel *pn = &plot_panels[k];
        double lo = INFINITY, hi = -INFINITY;

        for (size_t i = 0; i < n; i++) {
            for (unsigned l = 0; l < pn->n_lines; l++) {
                lo = fmin(lo, plot_field(&p[i], pn->lines[l].field));
                hi = fmax(hi, plot_field(&p[i], pn->lines[l].field));
            }
        }
        ret[k] = (struct plot_map){ .x = x, .top = pn->top, .height = pn->height };
        plot_nice_axis(lo, hi, pn->ticks, &ret[k].y);
    }
}

void
plot_panel_texts(size_t k, const char *value, char *title, size_t title_size, char *axis,
                 size_t axis_size)
{
    const struct plot_panel *pn = &plot_panels[k];

    (void) snprintf(title, title_size, "%s of %s", pn->title, k == 0 ? "each frame" : "the frame");
    (void) snprintf(axis, axis_size, "%s", k == 0 ? value : pn->lines[0].id);
}

void
plot_subtitle(const struct stats_series *s, size_t n_points, double span_s, char *buf, size_t size)
{
    (void) snprintf(buf, size, "%zu frames, seq %llu to %llu, over %.3f s; run %llu%s%s", s->n,
                    (unsigned long long) s->seq[0], (unsigned long long) s->seq[s->n - 1], span_s,
                    (unsigned long long) s->run,
                    s->complete ? "" : " (incomplete or still being written)",
                    n_points < s->n ? "; each point is the envelope of a pixel column" : "");
}

int
plot_points(const struct stats_series *s, struct plot_point **ret, size_t *ret_n)
{
    *ret = NULL;
    *ret_n = 0;
    if (s->n == 0)
        return -ENODATA;
    *ret = calloc(PLOT_COLUMNS, sizeof **ret);
    if (!*ret)
        return -ENOMEM;
    *ret_n = plot_reduce(s, *ret, PLOT_COLUMNS);
    return 0;
}

/* The grid, the ticks, the frame and the titles of panel @k; the time ticks are labelled
 * under the bottom panel only. */
static void
s_axes(FILE *out, const struct plot_map *m, size_t k, const char *value)
{
    const struct plot_panel *pn = &plot_panels[k];
    int dx = plot_decimals(m->x.step), dy = plot_decimals(m->y.step);
    long ny = lround((m->y.hi - m->y.lo) / m->y.step), nx = lround((m->x.hi - m->x.lo) / m->x.step);
    char title[128], axis[160];

    (void) fprintf(out, "<g id=\"%s-axes\" stroke=\"#d0d0d0\" stroke-width=\"1\">\n", pn->id);
    for (long i = 0; i <= ny; i++) {
        double v = plot_tick(&m->y, i), y = plot_py(m, v);

        (void) fprintf(out,
                       "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>"
                       "<text x=\"%.2f\" y=\"%.2f\" stroke=\"none\" fill=\"#333\" "
                       "text-anchor=\"end\">%.*f</text>\n",
                       PLOT_LEFT, y, PLOT_LEFT + PLOT_AREA_W, y, PLOT_LEFT - 6, y + 4, dy, v);
    }
    for (long i = 0; i <= nx; i++) {
        double t = plot_tick(&m->x, i), x = plot_px(m, t);

        (void) fprintf(out, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>", x, m->top, x,
                       m->top + m->height);
        if (k + 1 == PLOT_PANELS)
            (void) fprintf(out,
                           "<text x=\"%.2f\" y=\"%.2f\" stroke=\"none\" fill=\"#333\" "
                           "text-anchor=\"middle\">%.*f</text>",
                           x, m->top + m->height + 18, dx, t);
        (void) fputc('\n', out);
    }
    plot_panel_texts(k, value, title, sizeof title, axis, sizeof axis);
    (void) fprintf(out,
                   "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"none\" "
                   "stroke=\"#333\"/>\n</g>\n"
                   "<text x=\"%.2f\" y=\"%.2f\" font-weight=\"bold\">",
                   PLOT_LEFT, m->top, PLOT_AREA_W, m->height, PLOT_LEFT, m->top - 8);
    s_text(out, title);
    (void) fprintf(out,
                   "</text>\n<text transform=\"translate(22 %.2f) rotate(-90)\" "
                   "text-anchor=\"middle\">",
                   m->top + m->height / 2);
    s_text(out, axis);
    (void) fprintf(out, "</text>\n");
}

static void
s_polyline(FILE *out, const struct plot_map *m, const struct plot_point *p, size_t n,
           enum plot_field field, const char *id, uint32_t rgb)
{
    (void) fprintf(out,
                   "<polyline id=\"%s\" fill=\"none\" stroke=\"#%06x\" stroke-width=\"1.5\" "
                   "points=\"",
                   id, (unsigned) rgb);
    for (size_t i = 0; i < n; i++)
        (void) fprintf(out, "%s%.2f,%.2f", i ? " " : "", plot_px(m, p[i].t_s),
                       plot_py(m, plot_field(&p[i], field)));
    (void) fprintf(out, "\"/>\n");
}

/* Panel @k: its grid and titles, and its lines in a group that declares its axes. */
static void
s_panel(FILE *out, const struct plot_map *m, size_t k, const struct plot_point *p, size_t n,
        const char *value)
{
    const struct plot_panel *pn = &plot_panels[k];

    s_axes(out, m, k, value);
    (void) fprintf(out,
                   "<g id=\"%s\" data-left=\"%.2f\" data-top=\"%.2f\" data-width=\"%.2f\" "
                   "data-height=\"%.2f\" data-x-min=\"%.17g\" data-x-max=\"%.17g\" "
                   "data-y-min=\"%.17g\" data-y-max=\"%.17g\">\n",
                   pn->id, PLOT_LEFT, m->top + PLOT_INSET, PLOT_AREA_W, m->height - 2 * PLOT_INSET,
                   m->x.lo, m->x.hi, m->y.lo, m->y.hi);
    for (unsigned l = 0; l < pn->n_lines; l++)
        s_polyline(out, m, p, n, pn->lines[l].field, pn->lines[l].id, pn->lines[l].rgb);
    (void) fprintf(out, "</g>\n");
}

int
plot_svg(FILE *out, const struct stats_series *s, const char *title, const char *value)
{
    struct plot_map maps[PLOT_PANELS];
    struct plot_point *p;
    char sub[256];
    size_t n;
    int r;

    r = plot_points(s, &p, &n);
    if (r < 0)
        return r;
    plot_layout(p, n, maps);
    plot_subtitle(s, n, p[n - 1].t_s - p[0].t_s, sub, sizeof sub);
    (void) fprintf(out,
                   "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                   "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                   "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n<title>",
                   PLOT_WIDTH, PLOT_HEIGHT, PLOT_WIDTH, PLOT_HEIGHT);
    s_text(out, title);
    (void) fprintf(out,
                   "</title>\n<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n"
                   "<text x=\"%d\" y=\"20\" text-anchor=\"middle\" font-size=\"15\">",
                   PLOT_WIDTH, PLOT_HEIGHT, PLOT_WIDTH / 2);
    s_text(out, title);
    (void) fprintf(out, "</text>\n<text x=\"%d\" y=\"36\" text-anchor=\"middle\" fill=\"#555\">",
                   PLOT_WIDTH / 2);
    s_text(out, sub);
    (void) fprintf(out, "</text>\n<g id=\"plot\" data-frames=\"%zu\" data-points=\"%zu\">\n", s->n,
                   n);
    for (size_t k = 0; k < PLOT_PANELS; k++)
        s_panel(out, &maps[k], k, p, n, value);
    (void) fprintf(out,
                   "</g>\n<text x=\"%.2f\" y=\"%d\" text-anchor=\"middle\">" PLOT_TIME_LABEL
                   "</text>\n</svg>\n",
                   PLOT_LEFT + PLOT_AREA_W / 2, PLOT_TIME_LABEL_Y);
    free(p);
    return ferror(out) ? -EIO : 0;
}

int
plot_svg_file(const char *out, const struct stats_series *st, const char *title, const char *value,
              char *err, size_t err_size)
{
    char tmp[PATH_MAX];
    FILE *f;
    int r;

    (void) snprintf(tmp, sizeof tmp, "%s.tmp", out);
    f = fopen(tmp, "we");
    if (!f) {
        r = -errno;
        (void) snprintf(err, err_size, "cannot create '%s': %s", tmp, strerror(-r));
        return r;
    }
    r = plot_svg(f, st, title, value);
    if (fclose(f) != 0 && r == 0)
        r = -errno;
    if (r == 0 && rename(tmp, out) < 0)
        r = -errno;
    if (r < 0) {
        (void) unlink(tmp);
        (void) snprintf(err, err_size, "cannot write '%s': %s", out, strerror(-r));
    }
    return r;
}
