/* diskplan: prints the README's disk-planning table, what an hour of recording takes on the
 * disk for each pixel format of the table (pixfmt.c) and a few common sizes at one frame
 * rate, from the model of diskplan.h. Built, not installed; tests/check-config-docs compares
 * its output with the README and rewrites it (ninja -C build update-config-docs). */
#include <stdio.h>

#include "diskplan.h"
#include "pixfmt.h"

#define S_RATE_FPS 30u
#define S_SECONDS  3600u

static const struct {
    uint32_t width, height;
} s_sizes[] = { { 640, 480 }, { 1280, 720 }, { 1280, 1024 }, { 1920, 1080 }, { 2448, 2048 } };

#define S_NSIZES (sizeof s_sizes / sizeof s_sizes[0])

int
main(void)
{
    const uint64_t frames = (uint64_t) S_RATE_FPS * S_SECONDS;

    (void) printf("| format | bytes per pixel |");
    for (size_t i = 0; i < S_NSIZES; i++)
        (void) printf(" %ux%u |", s_sizes[i].width, s_sizes[i].height);
    (void) printf("\n| --- | ---: |");
    for (size_t i = 0; i < S_NSIZES; i++)
        (void) printf(" ---: |");
    (void) printf("\n");
    for (int f = 0; f < CS_PIXFMT_COUNT; f++) {
        const struct cs_pixfmt_info *pi = cs_pixfmt_info((enum cs_pixfmt) f);

        (void) printf("| %s | %u |", pi->name, pi->bytes_per_pixel);
        for (size_t i = 0; i < S_NSIZES; i++) {
            uint64_t bytes = diskplan_movie_bytes((enum cs_pixfmt) f, s_sizes[i].width,
                                                  s_sizes[i].height, frames);

            (void) printf(" %.1f GB |", (double) bytes / 1e9);
        }
        (void) printf("\n");
    }
    (void) printf("\nOne hour at %u frames/s, in one movie file (GB = 10^9 bytes). analyzerd's "
                  "statistics file\nadds %.1f MB an hour at that rate, whatever the size.\n",
                  S_RATE_FPS, (double) diskplan_stats_bytes(frames) / 1e6);
    return 0;
}
