/* camstackctl plot: a picture of a statistics file over time, as an SVG document written
 * with plain stdio, in three panels that share the time axis and each have their own value
 * axis: min and max, the mean, and the standard deviation (the mean varies far less than the
 * range from min to max: on their axis it would be a straight line). Long files are reduced
 * to one point per pixel column keeping the envelope (the lowest min, the highest max, the
 * average mean and std of the frames in the column), so that the picture stays small and
 * shows every excursion. Each panel's geometry and value range are written as data-*
 * attributes of its <g id="plot-range">, <g id="plot-mean"> and <g id="plot-std">, inside
 * <g id="plot">, so that a program can read the values back. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "statsread.h"

#define PLOT_WIDTH  960
#define PLOT_HEIGHT 760
/* The panels' horizontal extent; each panel's vertical one is in plot_panels. */
#define PLOT_LEFT         90.0
#define PLOT_AREA_W       (PLOT_WIDTH - PLOT_LEFT - 30.0)
#define PLOT_INSET        6.0 /* values map inside a panel less this at its top and bottom */
#define PLOT_COLUMNS      ((size_t) PLOT_AREA_W)
#define PLOT_PANELS       3
#define PLOT_TIME_LABEL   "time since the first frame (s)"
#define PLOT_TIME_LABEL_Y 742

/* An axis with round ticks: lo and hi are multiples of step, lo <= the data's low end and
 * hi >= its high end. */
struct plot_axis {
    double lo, hi, step;
};

/* Chooses round ticks (1, 2 or 5 times a power of ten) for data in [@lo, @hi], at most
 * @max_ticks + 1 of them. An empty range is widened around its value. */
void plot_nice_axis(double lo, double hi, int max_ticks, struct plot_axis *ret);

/* One point per column of the plot: the envelope of the frames in it. */
struct plot_point {
    double t_s; /* seconds after the first frame (of the column's first frame) */
    double min, max, mean, std;
};

enum plot_field { PLOT_MIN, PLOT_MAX, PLOT_MEAN, PLOT_STD, PLOT_FIELD_COUNT };

/* A panel, top to bottom: the statistics it draws, each a line of its own colour. */
struct plot_panel {
    const char *id, *title;
    double top, height;
    int ticks; /* at most this many steps on its value axis */
    unsigned n_lines;
    struct {
        enum plot_field field;
        const char *id;
        uint32_t rgb; /* 0xRRGGBB */
    } lines[2];
};
extern const struct plot_panel plot_panels[PLOT_PANELS];

/* Where a panel puts a point: the time axis (shared) and its value axis, and its area. */
struct plot_map {
    struct plot_axis x, y;
    double top, height;
};

/* The axes of each panel for the @n points @p: round ticks around the fields it draws. */
void plot_layout(const struct plot_point *p, size_t n, struct plot_map ret[PLOT_PANELS]);

/* The picture's coordinates of time @t and value @v on map @m. */
double plot_px(const struct plot_map *m, double t);
double plot_py(const struct plot_map *m, double v);
double plot_field(const struct plot_point *p, enum plot_field field);
/* Tick @k of @a (computed from its index, so that no error accumulates and no "-0"). */
double plot_tick(const struct plot_axis *a, long k);
/* Decimals enough to tell ticks @step apart. */
int plot_decimals(double step);

/* Panel @k's title ("min and max of each frame") and its value axis's label (@value for the
 * first panel). */
void plot_panel_texts(size_t k, const char *value, char *title, size_t title_size, char *axis,
                      size_t axis_size);
/* The line under the title: frames, seqs, duration, run. */
void plot_subtitle(const struct stats_series *s, size_t n_points, double span_s, char *buf,
                   size_t size);

/* The points to draw for @s (plot_reduce() to PLOT_COLUMNS): *@ret to free(). Returns 0,
 * -ENODATA for a file without a row, or -ENOMEM. */
int plot_points(const struct stats_series *s, struct plot_point **ret, size_t *ret_n);

/* Reduces @s to at most @max_points points (every frame its own point when it has no more).
 * Returns the number of points written into @ret (room for @max_points). */
size_t plot_reduce(const struct stats_series *s, struct plot_point *ret, size_t max_points);

/* What a statistic's value is, for the value axes: the pixel format's value rule and range
 * ("R + G + B (0 to 765)" for RGB24), or @fmt < 0 when the format is not known. */
void plot_value_label(int fmt, char *buf, size_t size);

/* Writes the SVG document for @s to @out, titled @title, with @value (plot_value_label())
 * naming the value on the axes. Returns 0 or -EIO (a write failed), -ENODATA for a file
 * without a row. */
int plot_svg(FILE *out, const struct stats_series *s, const char *title, const char *value);

/* Writes the SVG document of @s to the file @out, under a temporary name then renamed (as
 * plot_png() does). Returns 0, or -errno with the reason in @err. */
int plot_svg_file(const char *out, const struct stats_series *s, const char *title,
                  const char *value, char *err, size_t err_size);
