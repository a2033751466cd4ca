/* Direct I/O arithmetic: the alignments a file takes for O_DIRECT (statx STATX_DIOALIGN), and
 * how one write splits into what goes around the page cache (whole aligned blocks) and what
 * goes through it (the unaligned head and tail). Pure functions apart from dioplan_query(),
 * so that the arithmetic is tested on its own (tests/unit/test-dioplan.c). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dio_align {
    size_t mem;   /* a buffer's address must be a multiple of this */
    size_t block; /* file offsets and lengths: a multiple of this (and of the page size) */
};

/* One write of @size bytes at file offset @addr: [addr, addr + head) and the last @tail
 * bytes through the page cache, the @body bytes between them around it. @bounce: the
 * body's memory is not aligned, so it is copied into an aligned buffer first. */
struct dio_split {
    uint64_t head, body, tail;
    bool bounce;
};

/* The alignments of the open file @fd as statx(2) gives them (STATX_DIOALIGN), @block at
 * least the page size, so that a block written directly never shares a page with data
 * written through the page cache. Returns 0, -EOPNOTSUPP when its file system does not say
 * it takes direct I/O (tmpfs, whose O_DIRECT is a copy into memory all the same; or a
 * kernel older than 6.1, which never says), or a negative errno. */
int dioplan_query(int fd, struct dio_align *ret);

/* Splits the write of @size bytes from @buf at @addr. A write smaller than @min_direct, or
 * with no whole block in it, is all head (through the page cache). */
void dioplan_split(const struct dio_align *a, uint64_t addr, const void *buf, size_t size,
                   size_t min_direct, struct dio_split *ret);

/* @v rounded up to a multiple of @to (a power of two). */
uint64_t dioplan_round_up(uint64_t v, uint64_t to);
