/* camstackctl snapshot: the next frame of the stream, taken as any subscriber takes it (a SUB
 * socket on the publish endpoint, the exact topic, the frame validated as docs/PROTOCOL.md
 * says), converted for viewing (view.h) and written as a PNG file. */
#pragma once

#include <stdbool.h>

#include "config.h"
#include "frame.h"

/* Waits up to @timeout_ms for the next frame on @conf's subscribe endpoint and writes it to
 * @path. Returns 0 with the frame's header in @ret_hdr, or a negative errno (-ETIMEDOUT: no
 * frame came) with the reason in @reterr. */
int snapshot_take(const struct cs_conf *conf, const char *path, int timeout_ms, bool keep16,
                  struct cs_frame_hdr *ret_hdr, char *reterr, size_t err_size);
