#include "dioplan.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

uint64_t
dioplan_round_up(uint64_t v, uint64_t to)
{
    return (v + to - 1) & ~(to - 1);
}

int
dioplan_query(int fd, struct dio_align *ret)
{
#ifdef STATX_DIOALIGN
    size_t page = (size_t) sysconf(_SC_PAGESIZE);
    struct statx st;

    if (statx(fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &st) < 0)
        return -errno;
    if (!(st.stx_mask & STATX_DIOALIGN) || st.stx_dio_mem_align == 0
        || st.stx_dio_offset_align == 0)
        return -EOPNOTSUPP;
    ret->mem = st.stx_dio_mem_align;
    ret->block = st.stx_dio_offset_align > page ? st.stx_dio_offset_align : page;
    return 0;
#else
    (void) fd;
    (void) ret;
    return -EOPNOTSUPP;
#endif
}

void
dioplan_split(const struct dio_align *a, uint64_t addr, const void *buf, size_t size,
              size_t min_direct, struct dio_split *ret)
{
    uint64_t start = dioplan_round_up(addr, a->block), end = addr + size;

    *ret = (struct dio_split){ .head = size };
    if (size < min_direct || start >= end || end - start < a->block)
        return;
    ret->head = start - addr;
    ret->body = (end - start) & ~((uint64_t) a->block - 1);
    ret->tail = size - ret->head - ret->body;
    ret->bounce = ((uintptr_t) buf + ret->head) % a->mem != 0;
}
