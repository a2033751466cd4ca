/* Writing a cs_view_image as a PNG file with libpng: written under a temporary name in the same
 * directory and renamed into place, so that a reader never sees half a picture. */
#pragma once

#include "view.h"

/* Returns 0, or a negative errno (-EIO when libpng fails) with the reason in @reterr. */
int pngfile_write(const char *path, const struct cs_view_image *img, const char *comment,
                  char *reterr, size_t err_size);
