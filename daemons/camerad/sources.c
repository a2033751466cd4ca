/* camerad's side of each source, by the config's source: adding a source is a row here, its
 * name in keys.c, its value in enum cs_source and its own file. */
#include "source.h"

#include <stddef.h>

static const struct source_ops *const s_ops[CS_SOURCE_COUNT] = {
    [CS_SOURCE_TESTPATTERN] = &source_testpattern,
    [CS_SOURCE_V4L2] = &source_v4l2,
    [CS_SOURCE_ARAVIS] = &source_aravis,
};

const struct source_ops *
source_lookup(enum cs_source which)
{
    return which < CS_SOURCE_COUNT ? s_ops[which] : NULL;
}
