/* Checks of what the daemons wrote, made with HDF5's C API and the documented formulas:
 * a movie holds exactly the expected frames, bit-exact with the test pattern, and a stats
 * file holds the statistics of each of those frames computed independently here. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "pixfmt.h"

struct expect {
    enum cs_pixfmt pixfmt;
    unsigned width, height;
    uint64_t first_seq;
    uint64_t frames; /* rows in the file */
    bool gaps;       /* false: seqs are first_seq .. first_seq + frames - 1 */
    uint64_t lost;
    int complete;
};

/* Fails the current test unless the movie at @path is exactly as @e says: every frame is
 * bit-exact with the pattern of the seq stored beside it, seqs strictly increase (and are
 * contiguous unless @e->gaps), timestamps never go back. */
void verify_movie(const char *path, const struct expect *e);

/* Fails the current test unless the stats file at @path holds the exact statistics of each
 * expected frame. */
void verify_stats(const char *path, const struct expect *e);

/* Checks a file its writer could not close (it was killed): it must open (after h5clear -s,
 * if the file format's "open for writing" mark is left in it), and the frames its
 * seq column holds (as of the writer's last flush) must be bit-exact, with seqs contiguous
 * from @first_seq. @group is "data" (movie) or "stats". Returns the number of rows. */
uint64_t verify_killed_file(const char *path, const char *group, const struct expect *e);

/* Reads root attribute @name of the file at @path as uint64 (fails the test if absent). */
uint64_t verify_root_attr(const char *path, const char *name);
