#include "fuzz.h"

#include <string.h>

size_t
fuzz_take(struct fuzz_input *in, void *out, size_t n)
{
    if (n > in->left)
        n = in->left;
    memcpy(out, in->p, n);
    in->p += n;
    in->left -= n;
    return n;
}

uint8_t
fuzz_u8(struct fuzz_input *in)
{
    uint8_t v = 0;

    (void) fuzz_take(in, &v, 1);
    return v;
}

uint16_t
fuzz_u16(struct fuzz_input *in)
{
    uint8_t b[2] = { 0, 0 };

    (void) fuzz_take(in, b, 2);
    return (uint16_t) (b[0] | (b[1] << 8));
}

uint64_t
fuzz_u64(struct fuzz_input *in)
{
    uint8_t b[8] = { 0 };
    uint64_t v = 0;

    (void) fuzz_take(in, b, 8);
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | b[i];
    return v;
}

int
fuzz_message(struct fuzz_input *in, struct cs_part parts[FUZZ_PARTS_MAX])
{
    int n;

    if (in->left == 0)
        return -1;
    n = fuzz_u8(in) % (FUZZ_PARTS_MAX + 1);
    for (int i = 0; i < n; i++) {
        size_t len = fuzz_u16(in);

        if (len > in->left)
            len = in->left;
        parts[i] = (struct cs_part){ in->p, len };
        in->p += len;
        in->left -= len;
    }
    return n;
}
