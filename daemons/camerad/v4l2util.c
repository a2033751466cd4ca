#include "v4l2util.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>

int
v4l2util_control_name(const char *name, char *out, size_t size)
{
    size_t n = 0;
    int sep = 0;

    for (const char *p = name; *p; p++) {
        if (isalnum((unsigned char) *p)) {
            if (sep && n + 1 < size)
                out[n++] = '_';
            sep = 0;
            if (n + 1 >= size)
                return -ENAMETOOLONG;
            out[n++] = (char) tolower((unsigned char) *p);
        } else if (n > 0) {
            sep = 1;
        }
    }
    if (size == 0)
        return -ENAMETOOLONG;
    out[n] = '\0';
    return 0;
}

bool
v4l2util_seq_repeats(uint32_t last, uint32_t seq)
{
    return seq - last - 1 >= UINT32_MAX / 2; /* unsigned: seq - last is 0 or "negative" */
}

uint32_t
v4l2util_seq_skipped(uint32_t last, uint32_t seq)
{
    if (v4l2util_seq_repeats(last, seq))
        return 0;
    return seq - last - 1; /* unsigned: a wrap of the 32-bit counter is one step */
}

double
v4l2util_fps(uint32_t num, uint32_t den)
{
    return num && den ? (double) den / num : 0;
}

void
v4l2util_interval(double fps, uint32_t *ret_num, uint32_t *ret_den)
{
    if (fps == floor(fps)) {
        *ret_num = 1;
        *ret_den = (uint32_t) fps;
    } else {
        *ret_num = 1000;
        *ret_den = (uint32_t) lround(fps * 1000);
    }
}
