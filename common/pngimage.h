/* A frame converted for viewing (view.h) as a PNG image, with libpng, onto a stdio stream:
 * camstackctl snapshot writes it to a file, viewd answers /snapshot.png with it. */
#pragma once

#include <stddef.h>
#include <stdio.h>

#include "frame.h"
#include "view.h"

/* Writes @img as PNG to @f, with @comment (may be NULL or "") as its "Comment" text. Fast
 * rather than small: a snapshot is taken while the stack runs. Returns 0, or -ENOMEM or -EIO
 * (libpng failed) with the reason in @reterr. */
int cs_png_write(FILE *f, const struct cs_view_image *img, const char *comment, char *reterr,
                 size_t err_size);

/* The comment a snapshot of frame @h carries: "camstack frame: run R seq S WxH FOURCC". */
void cs_png_frame_comment(const struct cs_frame_hdr *h, char *buf, size_t size);
