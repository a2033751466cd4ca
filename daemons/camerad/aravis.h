/* The Aravis source's parts: the source itself (aravis.c: the camera opened, its stream, frames
 * to camerad), the camera found without holding camerad's loop (aravisfind.c), set up as
 * [camerad] asks (aravisconf.c), the buffers lent to ZeroMQ (aravispool.c) and the camera's
 * clock (camclock.h). The camera stays reachable for the
 * modules that read and set its other features. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <arv.h>

#include "config.h"
#include "source.h"

/* The camera of an open Aravis source (@src from source_aravis.open()): borrowed, valid until
 * the source is closed; whoever takes a reference of it must drop it before then. */
ArvCamera *aravis_camera(struct source *src);

/* --- aravisconf.c ------------------------------------------------------------------------- */

/* What the camera was set to deliver. */
struct aravis_setup {
    struct source_format fmt;
    ArvPixelFormat camera_format; /* GenICam's PFNC value */
    const char *camera_format_name;
    bool uyvy;      /* the camera sends U Y V Y: swapped into camstack's YUYV (a copy) */
    bool software;  /* triggered by software (the "trigger" command) */
    bool triggered; /* each frame waits for a trigger */
};

/* Sets @cam (called @name in messages) up as [camerad] of @conf asks: pixel format, binning,
 * region, frame rate or trigger, exposure and gain, each read back. Returns 0; -EINVAL for a
 * request the camera cannot meet, after logging why and what it allows; or another negative
 * errno when the camera failed to answer (it is waited for again). */
int aravis_configure(ArvCamera *cam, const char *name, const struct cs_conf *conf,
                     struct aravis_setup *ret);

/* Takes the frame @cam is set to deliver now (its PixelFormat and region, changed between
 * runs through a setting) into @st: the format of camstack's it gives, its size and stride.
 * Returns 0; -EINVAL with @reterr when camstack has no such format or the stack's queues,
 * sized from [camerad]'s frame, cannot carry it (@st unchanged); -EIO when the camera did not
 * answer. */
int aravis_reframe(ArvCamera *cam, const struct cs_conf *conf, struct aravis_setup *st,
                   char *reterr, size_t err_size);

/* A frame of @size bytes sent as YUV422_8_UYVY (U0 Y0 V0 Y1, GigE Vision's YUV422Packed) into
 * camstack's YUYV (Y0 U0 Y1 V0): the bytes of each pair swapped. */
void aravis_uyvy_to_yuyv(const uint8_t *in, uint8_t *out, size_t size);

/* A negative errno for an Aravis error: -EINVAL for what the camera refuses (a feature it lacks,
 * a value out of range), -EBUSY when another program controls it, -EIO when it did not
 * answer. */
int aravis_errno(const GError *error);

/* --- aravisfind.c ------------------------------------------------------------------------ */

/* Finds camera @want (NULL: the first Aravis finds) into @ret_camera (a new reference):
 * returns 0, or -EINPROGRESS (the first search is still looking), -ENODEV (not found, or
 * looked for again after that) or -EBUSY (another program controls it). It never blocks:
 * Aravis's discovery runs in a thread of its own, and a later call takes what it found. */
int aravis_find(const char *want, ArvCamera **ret_camera);

/* --- aravispool.c ------------------------------------------------------------------------ */

/* The buffers of one stream, which camerad may lend to ZeroMQ: a lent buffer goes back to the
 * stream when ZeroMQ is done with it, from whichever thread that is; once the stream is gone
 * it is freed instead. */
typedef struct aravis_pool aravis_pool_t;

/* Gives @stream @n buffers of @size bytes, and lets it have up to @max once buffers are lent
 * (aravis_pool_lend() adds them). NULL on failure (no memory). */
aravis_pool_t *aravis_pool_new(ArvStream *stream, size_t size, unsigned n, unsigned max);

/* Lends @buffer (popped from the stream): returns the hint for aravis_pool_give_back() and
 * adds a buffer to the stream if it has fewer than the @n of aravis_pool_new() left and the
 * pool is below its @max. */
void *aravis_pool_lend(aravis_pool_t *pool, ArvBuffer *buffer);

/* source_free_fn of a lent buffer (@hint from aravis_pool_lend()): thread-safe. */
void aravis_pool_give_back(void *data, void *hint);

/* The stream is going: buffers given back from now on are freed. Drops the caller's
 * reference; the pool itself goes with the last lent buffer. */
void aravis_pool_detach(aravis_pool_t **pool_p);

/* Buffers the pool made (for the log). */
unsigned aravis_pool_size(const aravis_pool_t *pool);
