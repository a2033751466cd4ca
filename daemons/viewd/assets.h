/* The page's files, embedded in viewd: a table the build makes from daemons/viewd/www/. */
#pragma once

#include <stddef.h>

struct viewd_asset {
    const char *path; /* as requested: "/", "/view.js", ... */
    const char *content_type;
    const unsigned char *data;
    size_t size;
};

extern const struct viewd_asset viewd_assets[];
extern const size_t viewd_n_assets;
