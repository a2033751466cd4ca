/* saverd's chunk encoder: turns one frame's packed pixels into the bytes of its HDF5 chunk, as
 * the dataset's filter pipeline would have made them, so that compressed chunks are still
 * written directly (H5Dwrite_chunk). deflate is HDF5's shuffle then deflate (zlib format);
 * lz4 is the format of HDF5's LZ4 filter plugin (filter 32004): a big-endian header of the
 * original size (8 bytes) and the block size (4 bytes), then each block as its big-endian
 * compressed size (4 bytes) and its bytes, stored as they are when LZ4 does not shrink them. */
#pragma once

#include <stddef.h>

#include <hdf5.h>

#include "config.h"

struct encoder;

/* An encoder for @method at @level (deflate only) of samples of @elem_size bytes. NULL with
 * errno on failure. */
struct encoder *encoder_new(enum cs_compression method, unsigned level, size_t elem_size);
void encoder_destroy(struct encoder **enc_p);

/* Adds the filters whose output encoder_encode() produces to dataset creation list @dcpl.
 * Returns 0 or -EIO. */
int encoder_set_filters(const struct encoder *enc, hid_t dcpl);

/* Encodes @size bytes at @raw. The chunk is returned in @ret_chunk (@raw itself when nothing
 * is compressed, otherwise a buffer of @enc valid until the next call) with its size.
 * Returns 0 or a negative errno. */
int encoder_encode(struct encoder *enc, const void *raw, size_t size, const void **ret_chunk,
                   size_t *ret_size);
