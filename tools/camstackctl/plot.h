/* camstackctl plot: a picture of a statistics file, min, max and mean of every frame over
 * time (and mean +- std as a band), as an SVG document written with plain stdio. Long files
 * are reduced to one point per pixel column keeping the envelope (the lowest min, the
 * highest max, the average mean of the frames in the column), so that the picture stays
 * small and shows every excursion. The plot area's geometry and value ranges are written as
 * data-* attributes of <g id="plot">, so that a program can read the values back. */
#pragma once

#include <stdio.h>

#include "statsread.h"

#define PLOT_WIDTH  960
#define PLOT_HEIGHT 540

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

/* Reduces @s to at most @max_points points (every frame its own point when it has no more).
 * Returns the number of points written into @ret (room for @max_points). */
size_t plot_reduce(const struct stats_series *s, struct plot_point *ret, size_t max_points);

/* Writes the SVG document for @s to @out, titled @title. Returns 0 or -EIO (a write failed),
 * -ENODATA for a file without a row. */
int plot_svg(FILE *out, const struct stats_series *s, const char *title);
