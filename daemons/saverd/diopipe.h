/* A direct write from memory that is not aligned: the bytes are copied into aligned slots a
 * piece at a time, and a thread of the pipe writes piece i while the caller copies piece i + 1,
 * so that the copy overlaps the device's write instead of adding to it. Each call is still
 * synchronous: it returns once every byte is written or the first error is known. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* A piece: 2 MiB, one huge page, reaches the disk's O_DIRECT rate as larger writes do
 * (dd oflag=direct, bs=2M against bs=8M, on the development VM). */
#define DIOPIPE_PIECE (2u << 20)

typedef struct diopipe diopipe_t;

/* A pipe whose slots are aligned to @align (a power of two, at most DIOPIPE_PIECE) and made of
 * transparent huge pages where the kernel has them. Its thread starts at the first write.
 * Returns NULL when memory is short. */
diopipe_t *diopipe_new(size_t align);

/* Stops and joins the thread, frees the slots, sets *@self_p to NULL. Accepts NULL. */
void diopipe_destroy(diopipe_t **self_p);

/* Writes @size bytes from @p, of any alignment, at @addr into @fd (opened O_DIRECT; @addr and
 * @size multiples of its block). Returns 0, or the negative errno of the first write that
 * failed (-EIO for a write of no bytes), in which case *@ret_done says how many bytes from the
 * start were written for sure, a multiple of DIOPIPE_PIECE; nothing after the failing piece
 * is written. @ret_done may be NULL. */
int diopipe_write(diopipe_t *self, int fd, const uint8_t *p, size_t size, uint64_t addr,
                  size_t *ret_done);

/* All of @size bytes from @p at @addr into @fd, retried after a short write or EINTR, as
 * diopipe_write() writes each piece. Returns 0 or a negative errno (-EIO for no bytes). */
int diopipe_pwrite_all(int fd, const uint8_t *p, size_t size, uint64_t addr);
