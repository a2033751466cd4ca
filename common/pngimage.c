#include "pngimage.h"

#include <errno.h>
#include <setjmp.h>
#include <stdio.h>

#include <png.h>

#include "pixfmt.h"

struct s_err {
    char *buf;
    size_t size;
};

static void
s_on_error(png_structp png, png_const_charp msg)
{
    struct s_err *e = png_get_error_ptr(png);

    (void) snprintf(e->buf, e->size, "libpng: %s", msg);
    png_longjmp(png, 1);
}

static void
s_on_warning(png_structp png, png_const_charp msg)
{
}

/* The libpng part, apart so that nothing it touches lives across its longjmp. */
static int
s_write(FILE *f, const struct cs_view_image *img, const char *comment, struct s_err *err)
{
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, err, s_on_error, s_on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    png_text note = { .compression = PNG_TEXT_COMPRESSION_NONE,
                      .key = (png_charp) "Comment",
                      .text = (png_charp) comment };

    if (!png || !info) {
        png_destroy_write_struct(&png, NULL);
        (void) snprintf(err->buf, err->size, "libpng: out of memory");
        return -ENOMEM;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        return -EIO;
    }
    png_init_io(png, f);
    png_set_IHDR(png, info, img->width, img->height, (int) img->depth,
                 img->channels == 3 ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (comment && comment[0])
        png_set_text(png, info, &note, 1);
    /* Fast rather than small: a snapshot is taken while the stack runs. */
    png_set_compression_level(png, 3);
    png_write_info(png, info);
    for (uint32_t y = 0; y < img->height; y++)
        png_write_row(png, img->data + (size_t) y * img->row_bytes);
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    return 0;
}

int
cs_png_write(FILE *f, const struct cs_view_image *img, const char *comment, char *reterr,
             size_t err_size)
{
    struct s_err err = { reterr, err_size };

    reterr[0] = '\0';
    return s_write(f, img, comment, &err);
}

void
cs_png_frame_comment(const struct cs_frame_hdr *h, char *buf, size_t size)
{
    char fourcc[5];

    cs_fourcc_str(h->fourcc, fourcc);
    (void) snprintf(buf, size, "camstack frame: run %llu seq %llu %ux%u %s",
                    (unsigned long long) h->run, (unsigned long long) h->seq, h->width, h->height,
                    fourcc);
}
