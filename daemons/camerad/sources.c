#include "source.h"

#include <stddef.h>

const struct source_ops *
source_lookup(enum cs_source which)
{
    switch (which) {
    case CS_SOURCE_TESTPATTERN:
        return &source_testpattern;
    case CS_SOURCE_V4L2:
        return &source_v4l2;
    case CS_SOURCE_COUNT:
    default:
        return NULL;
    }
}
