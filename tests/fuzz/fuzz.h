/* What the fuzz targets share: the libFuzzer entry point, and a reader that cuts a fuzz input
 * into the parts of ZeroMQ messages. Each target is built two ways: with libFuzzer (clang,
 * -Dfuzzing=true, scripts/fuzz), and with replay.c as main(), which runs every file of the
 * committed corpus through it in the unit suite, so that each input that once crashed stays
 * a regression test under gcc, valgrind and the sanitizers. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "frame.h"

#define FUZZ_PARTS_MAX 5 /* one more than any valid message has */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A cursor over the fuzz input. */
struct fuzz_input {
    const uint8_t *p;
    size_t left;
};

/* Takes @n bytes (fewer at the end of the input) and returns how many it took. */
size_t fuzz_take(struct fuzz_input *in, void *out, size_t n);
uint8_t fuzz_u8(struct fuzz_input *in);
uint16_t fuzz_u16(struct fuzz_input *in);
uint64_t fuzz_u64(struct fuzz_input *in);

/* Reads one message: a byte with the part count (mod FUZZ_PARTS_MAX + 1), then per part a
 * 16-bit little-endian length and as many bytes (fewer at the end of the input). The parts
 * point into the input. Returns the number of parts, or -1 when the input is used up. */
int fuzz_message(struct fuzz_input *in, struct cs_part parts[FUZZ_PARTS_MAX]);
