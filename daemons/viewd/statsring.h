/* analyzerd's statistics as viewd receives them on `stats/<stream>`: the latest message, and
 * one aggregate a second over the last STATSRING_SECONDS seconds (the frames of that second:
 * the smallest min, the largest max, the mean of the means and of the stds). Fed by viewd's
 * loop, read by the HTTP threads: one lock. */
#pragma once

#include <stdint.h>

#include "json.h"

#define STATSRING_SECONDS 300

typedef struct statsring statsring_t;

statsring_t *statsring_new(void);
void statsring_destroy(statsring_t **self_p);

/* Adds stats message @body (a JSON object of @size bytes, validated as the protocol says),
 * received at CLOCK_REALTIME @now_ns. Returns 0, or -EBADMSG for a body without the
 * documented members. */
int statsring_add(statsring_t *self, const char *body, size_t size, uint64_t now_ns);

/* The object of /api/stats: "window_s", "latest" (the last message, or null), "summary"
 * over the window (frames, min, max, mean, std) and "series" (one object a second, oldest
 * first: t_ns, frames, min, max, mean, std), seconds before @now_ns - window dropped. A new
 * reference, NULL on ENOMEM. */
json_t *statsring_json(statsring_t *self, uint64_t now_ns);
