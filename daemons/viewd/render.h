/* A frame as the live view shows it: converted for viewing by its pixel format's row
 * (view.h), 16-bit grey mapped by [viewd] y16_range, grey coloured by colour_map, scaled down
 * by a whole factor to at most max_width (each output pixel the mean of a factor x factor
 * block), then encoded as JPEG with libturbojpeg. Also the frame's histogram and saturation
 * for /api/frame. */
#pragma once

#include <stdint.h>

#include "config.h"
#include "latest.h"
#include "view.h"

/* What render reads of the config (copied: the connection threads read it). */
struct render_opts {
    uint32_t max_width;
    uint32_t jpeg_quality;
    uint16_t y16_low, y16_high; /* equal: each frame's own range */
    enum cs_colour_map colour_map;
};

void render_opts_from_conf(const struct cs_conf *conf, struct render_opts *ret);

/* The 8-bit image of @frame as shown (grey or RGB, scaled). Returns 0, -EINVAL or -ENOMEM;
 * free it with cs_view_free(). */
int render_image(const struct render_opts *o, const struct view_frame *frame,
                 struct cs_view_image *ret_img);

/* latest_encode_fn: @arg is a const struct render_opts. The JPEG of render_image(). */
int render_jpeg(void *arg, const struct view_frame *frame, struct view_blob *blob);

/* latest_encode_fn: @arg is a const bool, keep16. The PNG of the whole frame, converted for
 * viewing as camstackctl snapshot converts it (16-bit grey kept with keep16), with the same
 * comment. */
int render_png(void *arg, const struct view_frame *frame, struct view_blob *blob);

/* latest_encode_fn: @arg unused. The JSON object of /api/frame: run, seq, time_ns, time,
 * width, height, pixel_format, channels, bins (per channel, 256 counts of the samples as
 * viewed, before scaling: 16-bit samples by their high byte), max (the largest sample), full
 * scale, saturated (pixels with a sample at full scale) and saturated_fraction. */
int render_frame_json(void *arg, const struct view_frame *frame, struct view_blob *blob);
