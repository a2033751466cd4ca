/* The page served at / when the build has no page of its own (daemons/viewd/www/): the live
 * stream, and links to the machine-readable endpoints. */
#include "assets.h"

static const char s_index[] =
    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
    "<title>camstack live view</title></head>\n<body>\n<h1>camstack live view</h1>\n"
    "<p><img id=\"live\" src=\"stream.mjpg\" alt=\"live view\"></p>\n"
    "<p><a href=\"frame.jpg\">frame.jpg</a> <a href=\"snapshot.png\">snapshot.png</a> "
    "<a href=\"api/frame\">api/frame</a> <a href=\"api/stats\">api/stats</a> "
    "<a href=\"api/status\">api/status</a></p>\n</body></html>\n";

const struct viewd_asset viewd_assets[] = {
    { "/", "text/html; charset=utf-8", (const unsigned char *) s_index, sizeof s_index - 1 },
};
const size_t viewd_n_assets = sizeof viewd_assets / sizeof viewd_assets[0];
