/* Checks of what the daemons wrote, made with HDF5's C API and the documented formulas:
 * a movie holds exactly the expected frames, bit-exact with the test pattern, and a stats
 * file holds the statistics of each of those frames computed independently here; a movie
 * from a real camera holds what the camera's driver numbered, stamped and drew. */
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
/* What a movie from a real camera (vivid) holds: @frames rows of the negotiated format and
 * size, numbered from @first_seq with gaps that add up to the camera's drops, at @fps. */
struct expect_camera {
    enum cs_pixfmt pixfmt;
    unsigned width, height;
    double fps;
    uint64_t first_seq;
    uint64_t frames;
    uint64_t camera_dropped; /* seq numbers the camera skipped, between the rows */
    uint64_t source_dropped; /* frames camerad could not send (they take no seq number) */
    /* false: every timestamp is within an interval of the line through them all, whose slope
     * is the interval (within 1 %, and one interval over the run); true: the driver may run late
     * (vivid starved of CPU stamps frames late and numbers some twice, which shifts the line by an
     * interval each time), so the timestamps need only increase, and the seq numbers span the time
     * within 5 %. */
    bool late_driver;
};

/* Fails the current test unless the movie at @path is complete, lost nothing and holds
 * @e->frames frames as @e says, with realtime timestamps taken from the driver: increasing,
 * recent, spanning as many frame intervals as the seq numbers do (with the frames dropped at
 * source, which have none), and on a line as @e->late_driver says; and unless a frame from the
 * middle shows a test image (many levels, colour for RGB), not a blank buffer. Prints the measured
 * interval. */
void verify_camera_movie(const char *path, const struct expect_camera *e);

/* Fails the current test unless the @n timestamps @ts of the frames numbered @seq lie on a line
 * whose slope is the frame interval at @fps (within 1 %, and one interval over the run), each
 * within an interval of it, and span as many intervals as the numbers do (within 5 %, with
 * the @source_dropped frames that took no number); with @late, only the span is checked.
 * Prints the measured interval. */
void verify_interval_line(const char *path, const uint64_t *seq, const uint64_t *ts, uint64_t n,
                          double fps, uint64_t source_dropped, bool late);

/* Reads root attribute @name of the file at @path as uint64 (fails the test if absent). */
uint64_t verify_root_attr(const char *path, const char *name);
