/* The pure parts of the V4L2 source, kept apart so that they are tested without a device:
 * control names as v4l2-ctl prints them, driver sequence gaps and frame intervals. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Writes the name v4l2-ctl gives a control called @name by its driver ("Exposure Time,
 * Absolute" -> "exposure_time_absolute"): lower case letters and digits, one '_' for each
 * run of anything else between them. Returns 0, or -ENAMETOOLONG if it does not fit. */
int v4l2util_control_name(const char *name, char *out, size_t size);

/* True if sequence number @seq does not come after @last (32 bits, wrapping): the same
 * number again, or one up to 2^31 behind. A driver should never do that; vivid does when its
 * thread runs late (it numbers two frames alike). */
bool v4l2util_seq_repeats(uint32_t last, uint32_t seq);

/* Frames the driver skipped between sequence numbers @last and @seq (32 bits, wrapping);
 * none if @seq repeats (v4l2util_seq_repeats): numbering a frame again drops nothing. */
uint32_t v4l2util_seq_skipped(uint32_t last, uint32_t seq);

/* Frames per second of a frame interval of @num/@den seconds; 0 if unknown. */
double v4l2util_fps(uint32_t num, uint32_t den);

/* A frame interval for @fps, as V4L2 takes it: 1/fps for a whole number, else in 1/1000ths
 * of a frame. */
void v4l2util_interval(double fps, uint32_t *ret_num, uint32_t *ret_den);
