#include "render.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <turbojpeg.h>

#include "json.h"
#include "pngimage.h"
#include "util.h"

void
render_opts_from_conf(const struct cs_conf *conf, struct render_opts *ret)
{
    *ret = (struct render_opts){ .max_width = conf->viewd.max_width,
                                 .jpeg_quality = conf->viewd.jpeg_quality,
                                 .y16_low = conf->viewd.y16_low,
                                 .y16_high = conf->viewd.y16_high,
                                 .colour_map = conf->viewd.colour_map };
}

/* @frame converted for viewing by its format's row (view.h), 16-bit samples kept with
 * @keep16. */
static int
s_convert(const struct view_frame *frame, bool keep16, struct cs_view_image *ret_img)
{
    const struct cs_frame_hdr *h = &frame->hdr;
    enum cs_pixfmt fmt;

    if (cs_pixfmt_from_fourcc(h->fourcc, &fmt) < 0)
        return -EINVAL;
    return cs_view_convert(fmt, h->width, h->height, h->stride, frame->pixels, keep16, ret_img);
}

/* 16-bit grey (big-endian, as view.h keeps it) in place to 8 bits over [lo, hi]. */
static void
s_range16(struct cs_view_image *img, uint16_t lo, uint16_t hi)
{
    size_t n = (size_t) img->width * img->height;
    uint8_t *out = img->data;

    for (size_t i = 0; i < n; i++) {
        uint32_t v = (uint32_t) img->data[2 * i] << 8 | img->data[2 * i + 1];

        v = v <= lo ? 0 : v >= hi ? 255 : ((v - lo) * 255 + (hi - lo) / 2) / (hi - lo);
        out[i] = (uint8_t) v;
    }
    img->depth = 8;
    img->row_bytes = img->width;
}

/* The heat map: black, red, yellow, white, in three equal ramps. */
static void
s_heat(uint8_t v, uint8_t rgb[3])
{
    unsigned t = v * 3u;

    rgb[0] = (uint8_t) (t > 255 ? 255 : t);
    rgb[1] = (uint8_t) (t <= 255 ? 0 : t > 510 ? 255 : t - 255);
    rgb[2] = (uint8_t) (t <= 510 ? 0 : t - 510);
}

/* Grey @img to RGB by the colour map. Returns 0 or -ENOMEM. */
static int
s_colour(struct cs_view_image *img)
{
    size_t n = (size_t) img->width * img->height;
    uint8_t *rgb = malloc(n * 3);

    if (!rgb)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++)
        s_heat(img->data[i], rgb + 3 * i);
    free(img->data);
    img->data = rgb;
    img->channels = 3;
    img->row_bytes = (size_t) img->width * 3;
    return 0;
}

/* Adds the sums of each run of @f pixels of @row (@w runs of @ch channels) to @acc; @ch is a
 * constant where it is inlined. */
static inline void
s_sum_row(const uint8_t *restrict row, uint32_t w, uint32_t f, unsigned ch, uint32_t *restrict acc)
{
    for (uint32_t x = 0; x < w; x++, acc += ch) {
        for (uint32_t dx = 0; dx < f; dx++, row += ch) {
            acc[0] += row[0];
            if (ch == 3) {
                acc[1] += row[1];
                acc[2] += row[2];
            }
        }
    }
}

/* The common case of f = 2 (1080p to 960 wide) in one pass: each output sample the rounded
 * mean of its four, from rows @a and @b. */
static inline void
s_halve_row(const uint8_t *restrict a, const uint8_t *restrict b, uint32_t w, unsigned ch,
            uint8_t *restrict out)
{
    for (uint32_t x = 0; x < w; x++, a += 2 * ch, b += 2 * ch, out += ch) {
        for (unsigned c = 0; c < ch; c++)
            out[c] = (uint8_t) ((a[c] + a[ch + c] + b[c] + b[ch + c] + 2) >> 2);
    }
}

/* Scales @img down by @f in each direction, each pixel the mean of its block, rounded. The
 * sums of a row of blocks are gathered row by row of input (sequential reads), and divided by
 * a multiply and a shift (exact for f = 2 and 4): at 1080p this is most of the work. */
static int
s_scale(struct cs_view_image *img, uint32_t f)
{
    uint32_t w = img->width / f, h = img->height / f, ch = img->channels, n = w * ch;
    uint32_t mul = (65536 + f * f / 2) / (f * f);
    uint8_t *out = malloc((size_t) n * h);
    uint32_t *acc = calloc(n, sizeof *acc);

    if (!out || !acc) {
        free(out);
        free(acc);
        return -ENOMEM;
    }
    for (uint32_t y = 0; y < h; y++) {
        uint8_t *o = out + (size_t) y * n;
        const uint8_t *r0 = img->data + (size_t) y * f * img->row_bytes;

        if (f == 2) {
            if (ch == 3)
                s_halve_row(r0, r0 + img->row_bytes, w, 3, o);
            else
                s_halve_row(r0, r0 + img->row_bytes, w, 1, o);
            continue;
        }
        for (uint32_t dy = 0; dy < f; dy++) {
            const uint8_t *row = img->data + (size_t) (y * f + dy) * img->row_bytes;

            if (ch == 3)
                s_sum_row(row, w, f, 3, acc);
            else
                s_sum_row(row, w, f, 1, acc);
        }
        for (uint32_t i = 0; i < n; i++) {
            o[i] = (uint8_t) ((acc[i] * mul + 32768) >> 16);
            acc[i] = 0;
        }
    }
    free(acc);
    free(img->data);
    img->data = out;
    img->width = w;
    img->height = h;
    img->row_bytes = n;
    return 0;
}

int
render_image(const struct render_opts *o, const struct view_frame *frame,
             struct cs_view_image *ret_img)
{
    bool fixed16 = o->y16_low != o->y16_high;
    uint32_t f;
    int r;

    r = s_convert(frame, fixed16, ret_img);
    if (r < 0)
        return r;
    if (ret_img->depth == 16)
        s_range16(ret_img, o->y16_low, o->y16_high);
    if (ret_img->channels == 1 && o->colour_map == CS_COLOUR_MAP_HEAT)
        r = s_colour(ret_img);
    f = (ret_img->width + o->max_width - 1) / o->max_width;
    if (r == 0 && f > 1 && ret_img->height >= f)
        r = s_scale(ret_img, f);
    if (r < 0)
        cs_view_free(ret_img);
    return r;
}

int
render_jpeg(void *arg, const struct view_frame *frame, struct view_blob *blob)
{
    const struct render_opts *o = arg;
    struct cs_view_image img;
    tjhandle tj = NULL;
    unsigned char *jpeg = NULL;
    unsigned long size = 0;
    int r = render_image(o, frame, &img);

    if (r < 0)
        return r;
    tj = tjInitCompress();
    if (!tj
        || tjCompress2(tj, img.data, (int) img.width, (int) img.row_bytes, (int) img.height,
                       img.channels == 3 ? TJPF_RGB : TJPF_GRAY, &jpeg, &size,
                       img.channels == 3 ? TJSAMP_420 : TJSAMP_GRAY, (int) o->jpeg_quality,
                       TJFLAG_FASTDCT)
               < 0) {
        r = -EIO;
        goto out;
    }
    blob->data = malloc(size);
    if (!blob->data) {
        r = -ENOMEM;
        goto out;
    }
    memcpy(blob->data, jpeg, size);
    blob->size = size;
out:
    tjFree(jpeg);
    if (tj)
        (void) tjDestroy(tj);
    cs_view_free(&img);
    return r;
}

int
render_png(void *arg, const struct view_frame *frame, struct view_blob *blob)
{
    const struct cs_frame_hdr *h = &frame->hdr;
    struct cs_view_image img;
    char comment[160], err[128];
    char *data = NULL;
    size_t size = 0;
    FILE *f;
    int r;

    r = s_convert(frame, *(const bool *) arg, &img);
    if (r < 0)
        return r;
    cs_png_frame_comment(h, comment, sizeof comment);
    f = open_memstream(&data, &size);
    r = f ? cs_png_write(f, &img, comment, err, sizeof err) : -ENOMEM;
    if (f && fclose(f) != 0 && r == 0)
        r = -ENOMEM;
    cs_view_free(&img);
    if (r < 0) {
        free(data);
        return r;
    }
    blob->data = (uint8_t *) data;
    blob->size = size;
    return 0;
}

/* The histogram members of /api/frame from the unscaled viewed image @img into @o. */
static int
s_histogram(const struct cs_view_image *img, json_t *o)
{
    uint64_t bins[3][256] = { { 0 } }, saturated = 0, n = (uint64_t) img->width * img->height;
    unsigned bytes = img->depth / 8, ch = img->channels, full = img->depth == 16 ? 65535 : 255;
    unsigned max = 0;
    json_t *all = json_array();

    for (uint32_t y = 0; y < img->height; y++) {
        const uint8_t *row = img->data + (size_t) y * img->row_bytes;

        for (uint32_t x = 0; x < img->width; x++) {
            bool sat = false;

            for (unsigned c = 0; c < ch; c++) {
                const uint8_t *s = row + ((size_t) x * ch + c) * bytes;
                unsigned v = bytes == 2 ? (unsigned) s[0] << 8 | s[1] : s[0];

                bins[c][s[0]]++; /* the high byte of a 16-bit sample (big-endian) */
                max = v > max ? v : max;
                sat |= v == full;
            }
            saturated += sat;
        }
    }
    if (!all || json_object_set_new(o, "bins", all) < 0)
        return -ENOMEM;
    for (unsigned c = 0; c < ch; c++) {
        json_t *b = json_array();

        if (!b || json_array_append_new(all, b) < 0)
            return -ENOMEM;
        for (int i = 0; i < 256; i++) {
            if (json_array_append_new(b, json_integer((json_int_t) bins[c][i])) < 0)
                return -ENOMEM;
        }
    }
    if (json_object_set_new(o, "max", json_integer(max)) < 0
        || json_object_set_new(o, "full_scale", json_integer(full)) < 0
        || json_object_set_new(o, "saturated", json_integer((json_int_t) saturated)) < 0
        || json_object_set_new(o, "saturated_fraction", json_real((double) saturated / (double) n))
               < 0)
        return -ENOMEM;
    return 0;
}

int
render_frame_json(void *arg, const struct view_frame *frame, struct view_blob *blob)
{
    const struct cs_frame_hdr *h = &frame->hdr;
    struct cs_view_image img;
    enum cs_pixfmt fmt;
    char fourcc[5], when[64];
    json_t *o = NULL;
    int r;

    r = s_convert(frame, true, &img);
    if (r < 0)
        return r;
    (void) cs_pixfmt_from_fourcc(h->fourcc, &fmt);
    cs_fourcc_str(h->fourcc, fourcc);
    cs_format_iso8601(h->capture_ns, when, sizeof when);
    o = json_object();
    r = -ENOMEM;
    if (!o || json_object_set_new(o, "run", json_integer((json_int_t) h->run)) < 0
        || json_object_set_new(o, "seq", json_integer((json_int_t) h->seq)) < 0
        || json_object_set_new(o, "time_ns", json_integer((json_int_t) h->capture_ns)) < 0
        || cs_json_set_string(o, "time", when) < 0
        || json_object_set_new(o, "width", json_integer(h->width)) < 0
        || json_object_set_new(o, "height", json_integer(h->height)) < 0
        || cs_json_set_string(o, "pixel_format", cs_pixfmt_info(fmt)->name) < 0
        || cs_json_set_string(o, "fourcc", fourcc) < 0
        || json_object_set_new(o, "channels", json_integer(img.channels)) < 0)
        goto out;
    r = s_histogram(&img, o);
    if (r < 0)
        goto out;
    blob->data = (uint8_t *) cs_json_dump_alloc(o);
    r = blob->data ? 0 : -ENOMEM;
    blob->size = blob->data ? strlen((char *) blob->data) : 0;
out:
    json_decref(o);
    cs_view_free(&img);
    return r;
}
