#include "latest.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A frame and its encodings with their counts, all under the one lock of latest: the
 * operations are a few per request, never per pixel. */
struct s_blob {
    struct view_blob pub;
    unsigned refs;
};

struct s_frame {
    struct view_frame pub;
    unsigned refs;
    struct s_blob *enc[LATEST_KINDS];
    bool encoding[LATEST_KINDS]; /* a thread is making it */
};

struct latest {
    pthread_mutex_t lock;
    pthread_cond_t changed; /* a new frame, an encoding made, or closing */
    struct s_frame *cur;
    bool closing;
};

latest_t *
latest_new(void)
{
    latest_t *self = calloc(1, sizeof *self);
    pthread_condattr_t attr;

    if (!self)
        return NULL;
    (void) pthread_condattr_init(&attr);
    (void) pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    (void) pthread_mutex_init(&self->lock, NULL);
    (void) pthread_cond_init(&self->changed, &attr);
    (void) pthread_condattr_destroy(&attr);
    return self;
}

static void
s_blob_unref(struct s_blob *b)
{
    if (b && --b->refs == 0) {
        free(b->pub.data);
        free(b);
    }
}

static void
s_frame_unref(struct s_frame *f)
{
    if (!f || --f->refs > 0)
        return;
    for (int k = 0; k < LATEST_KINDS; k++)
        s_blob_unref(f->enc[k]);
    zmq_msg_close(&f->pub.msg);
    free(f);
}

void
latest_destroy(latest_t **self_p)
{
    latest_t *self = *self_p;

    if (!self)
        return;
    s_frame_unref(self->cur);
    (void) pthread_cond_destroy(&self->changed);
    (void) pthread_mutex_destroy(&self->lock);
    free(self);
    *self_p = NULL;
}

int
latest_put(latest_t *self, const struct cs_frame_hdr *hdr, zmq_msg_t *payload)
{
    struct s_frame *f = calloc(1, sizeof *f), *old;

    if (!f)
        return -ENOMEM;
    f->refs = 1;
    f->pub.hdr = *hdr;
    zmq_msg_init(&f->pub.msg);
    (void) zmq_msg_move(&f->pub.msg, payload);
    f->pub.pixels = zmq_msg_data(&f->pub.msg);
    (void) pthread_mutex_lock(&self->lock);
    old = self->cur;
    self->cur = f;
    s_frame_unref(old);
    (void) pthread_cond_broadcast(&self->changed);
    (void) pthread_mutex_unlock(&self->lock);
    return 0;
}

const struct view_frame *
latest_get(latest_t *self)
{
    struct s_frame *f;

    (void) pthread_mutex_lock(&self->lock);
    f = self->cur;
    if (f)
        f->refs++;
    (void) pthread_mutex_unlock(&self->lock);
    return f ? &f->pub : NULL;
}

static struct timespec
s_deadline(uint32_t timeout_ms)
{
    struct timespec ts;

    (void) clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += timeout_ms / 1000;
    ts.tv_nsec += (long) (timeout_ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

const struct view_frame *
latest_wait(latest_t *self, uint64_t run, bool any_run, uint64_t seq, uint32_t timeout_ms)
{
    struct timespec deadline = s_deadline(timeout_ms);
    struct s_frame *f = NULL;

    (void) pthread_mutex_lock(&self->lock);
    while (!self->closing) {
        const struct s_frame *c = self->cur;

        if (c && (c->pub.hdr.seq != seq || (!any_run && c->pub.hdr.run != run))) {
            f = self->cur;
            f->refs++;
            break;
        }
        if (pthread_cond_timedwait(&self->changed, &self->lock, &deadline) == ETIMEDOUT)
            break;
    }
    (void) pthread_mutex_unlock(&self->lock);
    return f ? &f->pub : NULL;
}

void
latest_close(latest_t *self)
{
    (void) pthread_mutex_lock(&self->lock);
    self->closing = true;
    (void) pthread_cond_broadcast(&self->changed);
    (void) pthread_mutex_unlock(&self->lock);
}

bool
latest_closed(latest_t *self)
{
    bool closed;

    (void) pthread_mutex_lock(&self->lock);
    closed = self->closing;
    (void) pthread_mutex_unlock(&self->lock);
    return closed;
}

void
latest_release(latest_t *self, const struct view_frame **frame_p)
{
    if (!*frame_p)
        return;
    (void) pthread_mutex_lock(&self->lock);
    s_frame_unref((struct s_frame *) (void *) *frame_p);
    (void) pthread_mutex_unlock(&self->lock);
    *frame_p = NULL;
}

const struct view_blob *
latest_encoding(latest_t *self, const struct view_frame *frame, int kind, latest_encode_fn *encode,
                void *arg)
{
    struct s_frame *f = (struct s_frame *) (void *) frame;
    struct s_blob *b = NULL;
    int r = 0;

    (void) pthread_mutex_lock(&self->lock);
    while (f->encoding[kind] && !f->enc[kind])
        (void) pthread_cond_wait(&self->changed, &self->lock);
    if (!f->enc[kind]) {
        f->encoding[kind] = true;
        (void) pthread_mutex_unlock(&self->lock);
        b = calloc(1, sizeof *b);
        r = b ? encode(arg, frame, &b->pub) : -ENOMEM;
        if (b)
            b->pub.hdr = frame->hdr;
        (void) pthread_mutex_lock(&self->lock);
        f->encoding[kind] = false;
        if (r == 0) {
            b->refs = 1;
            f->enc[kind] = b;
        } else {
            free(b);
        }
        (void) pthread_cond_broadcast(&self->changed);
    }
    b = f->enc[kind];
    if (b)
        b->refs++;
    (void) pthread_mutex_unlock(&self->lock);
    if (!b)
        errno = r < 0 ? -r : EIO;
    return b ? &b->pub : NULL;
}

void
latest_blob_release(latest_t *self, const struct view_blob **blob_p)
{
    if (!*blob_p)
        return;
    (void) pthread_mutex_lock(&self->lock);
    s_blob_unref((struct s_blob *) (void *) *blob_p);
    (void) pthread_mutex_unlock(&self->lock);
    *blob_p = NULL;
}
