#include "plot.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The plot area inside the picture. */
#define S_LEFT    80.0
#define S_RIGHT   30.0
#define S_TOP     60.0
#define S_BOTTOM  60.0
#define S_AREA_W  (PLOT_WIDTH - S_LEFT - S_RIGHT)
#define S_AREA_H  (PLOT_HEIGHT - S_TOP - S_BOTTOM)
#define S_INSET   6.0
#define S_COLUMNS ((size_t) S_AREA_W)

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

struct s_map {
    struct plot_axis x, y;
};

static double
s_px(const struct s_map *m, double t)
{
    return S_LEFT + (t - m->x.lo) / (m->x.hi - m->x.lo) * S_AREA_W;
}

/* Values map into the plot area less S_INSET at the top and bottom, so that a line at the
 * axis's end (min = 0) is not hidden by the frame. */
static double
s_py(const struct s_map *m, double v)
{
    double y = S_TOP + S_INSET + (m->y.hi - v) / (m->y.hi - m->y.lo) * (S_AREA_H - 2 * S_INSET);

    /* The std band may reach past the axis: keep it inside the plot area. */
    return y < S_TOP ? S_TOP : y > S_TOP + S_AREA_H ? S_TOP + S_AREA_H : y;
}

/* Tick @k of @a, computed from its index so that no error accumulates (and no "-0"). */
static double
s_tick(const struct plot_axis *a, long k)
{
    double v = a->lo + (double) k * a->step;

    return fabs(v) < a->step * 1e-9 ? 0.0 : v;
}

/* Decimals enough to tell ticks @step apart. */
static int
s_decimals(double step)
{
    int d = (int) -floor(log10(step) + 1e-9);

    return d < 0 ? 0 : d > 9 ? 9 : d;
}

static void
s_axes(FILE *out, const struct s_map *m)
{
    int dx = s_decimals(m->x.step), dy = s_decimals(m->y.step);

    long ny = lround((m->y.hi - m->y.lo) / m->y.step), nx = lround((m->x.hi - m->x.lo) / m->x.step);

    (void) fprintf(out, "<g id=\"axes\" stroke=\"#d0d0d0\" stroke-width=\"1\">\n");
    for (long k = 0; k <= ny; k++) {
        double v = s_tick(&m->y, k), y = s_py(m, v);

        (void) fprintf(out,
                       "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>"
                       "<text x=\"%.2f\" y=\"%.2f\" stroke=\"none\" fill=\"#333\" "
                       "text-anchor=\"end\">%.*f</text>\n",
                       S_LEFT, y, S_LEFT + S_AREA_W, y, S_LEFT - 6, y + 4, dy, v);
    }
    for (long k = 0; k <= nx; k++) {
        double t = s_tick(&m->x, k), x = s_px(m, t);

        (void) fprintf(out,
                       "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>"
                       "<text x=\"%.2f\" y=\"%.2f\" stroke=\"none\" fill=\"#333\" "
                       "text-anchor=\"middle\">%.*f</text>\n",
                       x, S_TOP, x, S_TOP + S_AREA_H, x, S_TOP + S_AREA_H + 18, dx, t);
    }
    (void) fprintf(out,
                   "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"none\" "
                   "stroke=\"#333\"/>\n</g>\n",
                   S_LEFT, S_TOP, S_AREA_W, S_AREA_H);
    (void) fprintf(out,
                   "<text x=\"%.2f\" y=\"%d\" text-anchor=\"middle\">time since the first "
                   "frame (s)</text>\n"
                   "<text transform=\"translate(20 %.2f) rotate(-90)\" "
                   "text-anchor=\"middle\">pixel value</text>\n",
                   S_LEFT + S_AREA_W / 2, PLOT_HEIGHT - 18, S_TOP + S_AREA_H / 2);
}

enum s_field { S_MIN, S_MAX, S_MEAN };

static double
s_field(const struct plot_point *p, enum s_field field)
{
    return field == S_MIN ? p->min : field == S_MAX ? p->max : p->mean;
}

static void
s_polyline(FILE *out, const struct s_map *m, const struct plot_point *p, size_t n,
           enum s_field field, const char *id, const char *colour)
{
    (void) fprintf(out,
                   "<polyline id=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" "
                   "points=\"",
                   id, colour);
    for (size_t i = 0; i < n; i++)
        (void) fprintf(out, "%s%.2f,%.2f", i ? " " : "", s_px(m, p[i].t_s),
                       s_py(m, s_field(&p[i], field)));
    (void) fprintf(out, "\"/>\n");
}

static void
s_band(FILE *out, const struct s_map *m, const struct plot_point *p, size_t n)
{
    (void) fprintf(out, "<polygon id=\"std\" fill=\"#cfe0f3\" stroke=\"none\" points=\"");
    for (size_t i = 0; i < n; i++)
        (void) fprintf(out, "%s%.2f,%.2f", i ? " " : "", s_px(m, p[i].t_s),
                       s_py(m, p[i].mean + p[i].std));
    for (size_t i = n; i-- > 0;)
        (void) fprintf(out, " %.2f,%.2f", s_px(m, p[i].t_s), s_py(m, p[i].mean - p[i].std));
    (void) fprintf(out, "\"/>\n");
}

static void
s_legend(FILE *out)
{
    static const struct {
        const char *label, *colour;
    } items[] = { { "max", "#d62728" },
                  { "mean", "#222222" },
                  { "min", "#1f77b4" },
                  { "mean \xc2\xb1 std", "#cfe0f3" } };
    double x = S_LEFT + 10;

    (void) fprintf(out, "<g id=\"legend\">\n");
    for (size_t i = 0; i < sizeof items / sizeof items[0]; i++) {
        (void) fprintf(out,
                       "<rect x=\"%.2f\" y=\"%.2f\" width=\"14\" height=\"4\" fill=\"%s\"/>"
                       "<text x=\"%.2f\" y=\"%.2f\">%s</text>\n",
                       x, S_TOP - 12, items[i].colour, x + 18, S_TOP - 7, items[i].label);
        x += 110;
    }
    (void) fprintf(out, "</g>\n");
}

int
plot_svg(FILE *out, const struct stats_series *s, const char *title)
{
    struct plot_point *p;
    struct s_map m;
    double t_lo = INFINITY, t_hi = -INFINITY, v_lo = INFINITY, v_hi = -INFINITY;
    size_t n;

    if (s->n == 0)
        return -ENODATA;
    p = calloc(S_COLUMNS, sizeof *p);
    if (!p)
        return -ENOMEM;
    n = plot_reduce(s, p, S_COLUMNS);
    for (size_t i = 0; i < n; i++) {
        t_lo = fmin(t_lo, p[i].t_s);
        t_hi = fmax(t_hi, p[i].t_s);
        v_lo = fmin(v_lo, p[i].min);
        v_hi = fmax(v_hi, p[i].max);
    }
    plot_nice_axis(t_lo, t_hi, 10, &m.x);
    plot_nice_axis(v_lo, v_hi, 8, &m.y);

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
    (void) fprintf(out,
                   "</text>\n<text x=\"%d\" y=\"36\" text-anchor=\"middle\" fill=\"#555\">"
                   "%zu frames, seq %llu to %llu, over %.3f s; run %llu%s%s</text>\n",
                   PLOT_WIDTH / 2, s->n, (unsigned long long) s->seq[0],
                   (unsigned long long) s->seq[s->n - 1], t_hi - t_lo, (unsigned long long) s->run,
                   s->complete ? "" : " (incomplete or still being written)",
                   n < s->n ? "; each point is the envelope of a pixel column" : "");
    s_axes(out, &m);
    (void) fprintf(out,
                   "<g id=\"plot\" data-left=\"%.2f\" data-top=\"%.2f\" data-width=\"%.2f\" "
                   "data-height=\"%.2f\" data-x-min=\"%.17g\" data-x-max=\"%.17g\" "
                   "data-y-min=\"%.17g\" data-y-max=\"%.17g\" data-frames=\"%zu\" "
                   "data-points=\"%zu\">\n",
                   S_LEFT, S_TOP + S_INSET, S_AREA_W, S_AREA_H - 2 * S_INSET, m.x.lo, m.x.hi,
                   m.y.lo, m.y.hi, s->n, n);
    s_band(out, &m, p, n);
    s_polyline(out, &m, p, n, S_MAX, "max", "#d62728");
    s_polyline(out, &m, p, n, S_MEAN, "mean", "#222222");
    s_polyline(out, &m, p, n, S_MIN, "min", "#1f77b4");
    (void) fprintf(out, "</g>\n");
    s_legend(out);
    (void) fprintf(out, "</svg>\n");
    free(p);
    return ferror(out) ? -EIO : 0;
}
