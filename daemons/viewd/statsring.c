#include "statsring.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "util.h"

struct s_second {
    uint64_t t_s; /* CLOCK_REALTIME second; 0: empty */
    uint64_t frames;
    int64_t min, max;
    double sum_mean, sum_std;
};

struct statsring {
    pthread_mutex_t lock;
    json_t *latest;
    struct s_second sec[STATSRING_SECONDS];
};

statsring_t *
statsring_new(void)
{
    statsring_t *self = calloc(1, sizeof *self);

    if (self)
        (void) pthread_mutex_init(&self->lock, NULL);
    return self;
}

void
statsring_destroy(statsring_t **self_p)
{
    statsring_t *self = *self_p;

    if (!self)
        return;
    json_decref(self->latest);
    (void) pthread_mutex_destroy(&self->lock);
    free(self);
    *self_p = NULL;
}

int
statsring_add(statsring_t *self, const char *body, size_t size, uint64_t now_ns)
{
    json_t *o = cs_json_parse_object(body, size, NULL, 0);
    int64_t min, max;
    double mean, std;
    uint64_t t = now_ns / CS_NSEC_PER_SEC;
    struct s_second *s = &self->sec[t % STATSRING_SECONDS];

    if (!o || cs_json_get_i64(o, "min", &min) < 0 || cs_json_get_i64(o, "max", &max) < 0
        || cs_json_get_double(o, "mean", &mean) < 0 || cs_json_get_double(o, "std", &std) < 0) {
        json_decref(o);
        return -EBADMSG;
    }
    (void) pthread_mutex_lock(&self->lock);
    json_decref(self->latest);
    self->latest = o;
    if (s->t_s != t)
        *s = (struct s_second){ .t_s = t, .min = min, .max = max };
    s->frames++;
    s->min = min < s->min ? min : s->min;
    s->max = max > s->max ? max : s->max;
    s->sum_mean += mean;
    s->sum_std += std;
    (void) pthread_mutex_unlock(&self->lock);
    return 0;
}

/* {frames, min, max, mean, std} of @s into a new object. */
static json_t *
s_object(const struct s_second *s)
{
    json_t *o = json_object();

    if (!o || cs_json_set_u64(o, "frames", s->frames) < 0 || cs_json_set_i64(o, "min", s->min) < 0
        || cs_json_set_i64(o, "max", s->max) < 0
        || cs_json_set_double(o, "mean", s->sum_mean / (double) s->frames) < 0
        || cs_json_set_double(o, "std", s->sum_std / (double) s->frames) < 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *
statsring_json(statsring_t *self, uint64_t now_ns)
{
    uint64_t now_s = now_ns / CS_NSEC_PER_SEC;
    struct s_second all = { .min = INT64_MAX, .max = INT64_MIN };
    json_t *o = json_object(), *series = json_array(), *sum = NULL, *e;
    int r = 0;

    if (!o || !series || json_object_set_new(o, "series", series) < 0) {
        json_decref(series);
        goto fail;
    }
    (void) pthread_mutex_lock(&self->lock);
    for (uint64_t t = now_s + 1 - STATSRING_SECONDS; t <= now_s && r == 0; t++) {
        const struct s_second *s = &self->sec[t % STATSRING_SECONDS];

        if (s->t_s != t || s->frames == 0)
            continue;
        all.frames += s->frames;
        all.min = s->min < all.min ? s->min : all.min;
        all.max = s->max > all.max ? s->max : all.max;
        all.sum_mean += s->sum_mean;
        all.sum_std += s->sum_std;
        e = s_object(s);
        r = !e || cs_json_set_u64(e, "t_ns", t * CS_NSEC_PER_SEC) < 0
                    || json_array_append_new(series, e) < 0
                ? -ENOMEM
                : 0;
    }
    if (r == 0)
        r = json_object_set_new(o, "latest",
                                self->latest ? json_deep_copy(self->latest) : json_null());
    (void) pthread_mutex_unlock(&self->lock);
    sum = all.frames ? s_object(&all) : json_null();
    if (r < 0 || !sum || json_object_set_new(o, "summary", sum) < 0
        || cs_json_set_u64(o, "window_s", STATSRING_SECONDS) < 0)
        goto fail;
    return o;
fail:
    json_decref(o);
    return NULL;
}
