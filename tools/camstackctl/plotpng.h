/* camstackctl plot as a PNG picture: the layout of plot.h (the same panels, axes and places
 * as the SVG document) drawn into an RGB buffer by a small rasteriser of its own (lines,
 * rectangles, and text in the 5 x 7 font of plotfont.h), then written with libpng. */
#pragma once

#include <stddef.h>

#include "statsread.h"
#include "view.h"

/* Draws the picture of @s into @ret_img (PLOT_WIDTH x PLOT_HEIGHT, RGB, 8 bits; free it with
 * cs_view_free()). A value at (x, y) of the SVG document's coordinates lands in the pixel
 * (floor(x), floor(y)). Returns 0, -ENODATA for a file without a row, or -ENOMEM. */
int plot_render(const struct stats_series *s, const char *title, const char *value,
                struct cs_view_image *ret_img);

/* plot_render() written to @path as PNG (under a temporary name, then renamed). Returns 0
 * or a negative errno with the reason in @reterr. */
int plot_png(const char *path, const struct stats_series *s, const char *title, const char *value,
             char *reterr, size_t err_size);
