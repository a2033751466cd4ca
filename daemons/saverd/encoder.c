#include "encoder.h"

#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <lz4.h>
#include <zlib.h>

#include "h5file.h"

#define S_LZ4_BLOCK (1u << 30) /* as the plugin's default: LZ4 takes blocks below 1.9 GiB */

struct encoder {
    enum cs_compression method;
    unsigned level;
    size_t elem_size;
    uint8_t *shuffled; /* deflate: the bytes after shuffling */
    uint8_t *out;
    size_t shuffled_cap, out_cap;
};

struct encoder *
encoder_new(enum cs_compression method, unsigned level, size_t elem_size)
{
    struct encoder *enc = calloc(1, sizeof *enc);

    if (!enc)
        return NULL;
    assert(method < CS_COMPRESSION_COUNT && elem_size > 0);
    enc->method = method;
    enc->level = level;
    enc->elem_size = elem_size;
    return enc;
}

void
encoder_destroy(struct encoder **enc_p)
{
    struct encoder *enc = *enc_p;

    if (!enc)
        return;
    free(enc->shuffled);
    free(enc->out);
    free(enc);
    *enc_p = NULL;
}

int
encoder_set_filters(const struct encoder *enc, hid_t dcpl)
{
    switch (enc->method) {
    case CS_COMPRESSION_NONE:
        return 0;
    case CS_COMPRESSION_DEFLATE:
        return H5Pset_shuffle(dcpl) < 0 || H5Pset_deflate(dcpl, enc->level) < 0 ? -EIO : 0;
    case CS_COMPRESSION_LZ4:
        return H5Pset_filter(dcpl, CS_H5_FILTER_LZ4, H5Z_FLAG_MANDATORY, 0, NULL) < 0 ? -EIO : 0;
    case CS_COMPRESSION_COUNT:
        break;
    }
    return -EINVAL;
}

/* Grows *@buf to @size bytes at least. Frames keep their size, so this happens once. */
static int
s_reserve(uint8_t **buf, size_t *cap, size_t size)
{
    uint8_t *p;

    if (*cap >= size)
        return 0;
    p = realloc(*buf, size);
    if (!p)
        return -ENOMEM;
    *buf = p;
    *cap = size;
    return 0;
}

/* HDF5's shuffle filter: byte k of every element goes to the k-th plane. Leftover bytes of a
 * partial element (none for frames) stay at the end. */
static void
s_shuffle(const uint8_t *in, size_t size, size_t elem, uint8_t *out)
{
    size_t n = size / elem;

    for (size_t k = 0; k < elem; k++) {
        uint8_t *plane = out + k * n;

        for (size_t i = 0; i < n; i++)
            plane[i] = in[i * elem + k];
    }
    memcpy(out + n * elem, in + n * elem, size - n * elem);
}

static int
s_deflate(struct encoder *enc, const void *raw, size_t size, size_t *ret_size)
{
    const uint8_t *in = raw;
    uLongf out_size;

    if (enc->elem_size > 1 && size > enc->elem_size) {
        if (s_reserve(&enc->shuffled, &enc->shuffled_cap, size) < 0)
            return -ENOMEM;
        s_shuffle(raw, size, enc->elem_size, enc->shuffled);
        in = enc->shuffled;
    }
    out_size = compressBound((uLong) size);
    if (s_reserve(&enc->out, &enc->out_cap, out_size) < 0)
        return -ENOMEM;
    if (compress2(enc->out, &out_size, in, (uLong) size, (int) enc->level) != Z_OK)
        return -EIO;
    *ret_size = out_size;
    return 0;
}

static void
s_put_be(uint8_t *p, uint64_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++)
        p[i] = (uint8_t) (v >> (8 * (bytes - 1 - i)));
}

static int
s_lz4(struct encoder *enc, const void *raw, size_t size, size_t *ret_size)
{
    size_t block = size < S_LZ4_BLOCK ? size : S_LZ4_BLOCK;
    size_t n_blocks = size ? (size - 1) / block + 1 : 0, pos = 12;
    const uint8_t *in = raw;

    if (size > INT32_MAX)
        return -EFBIG; /* the plugin refuses larger chunks */
    if (s_reserve(&enc->out, &enc->out_cap,
                  12 + n_blocks * (4 + (size_t) LZ4_compressBound((int) block)))
        < 0)
        return -ENOMEM;
    s_put_be(enc->out, size, 8);
    s_put_be(enc->out + 8, block, 4);
    for (size_t done = 0; done < size; done += block) {
        int len = (int) (size - done < block ? size - done : block);
        int cap = LZ4_compressBound(len);
        int n =
            LZ4_compress_default((const char *) in + done, (char *) enc->out + pos + 4, len, cap);

        if (n <= 0)
            return -EIO;
        if (n >= len) { /* not worth it: the plugin takes the block as it is */
            memcpy(enc->out + pos + 4, in + done, (size_t) len);
            n = len;
        }
        s_put_be(enc->out + pos, (uint64_t) n, 4);
        pos += 4 + (size_t) n;
    }
    *ret_size = pos;
    return 0;
}

int
encoder_encode(struct encoder *enc, const void *raw, size_t size, const void **ret_chunk,
               size_t *ret_size)
{
    int r;

    switch (enc->method) {
    case CS_COMPRESSION_NONE:
        *ret_chunk = raw;
        *ret_size = size;
        return 0;
    case CS_COMPRESSION_DEFLATE:
        r = s_deflate(enc, raw, size, ret_size);
        break;
    case CS_COMPRESSION_LZ4:
        r = s_lz4(enc, raw, size, ret_size);
        break;
    default:
        r = -EINVAL;
        break;
    }
    if (r == 0)
        *ret_chunk = enc->out;
    return r;
}
