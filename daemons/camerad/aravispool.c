/* The buffers of an Aravis stream, lent to ZeroMQ without a copy. A lent buffer comes back
 * in ZeroMQ's I/O thread once its frame has left (or in camerad's when the frame is dropped):
 * it goes back into the stream's input queue, which is thread-safe (a GAsyncQueue). The lock
 * only orders that hand-back against the stream going away: once detached, a buffer coming
 * back is freed instead. Each lent buffer holds a reference to the pool, so the pool outlives
 * the stream until the last one is back. */
#include "aravis.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

struct aravis_pool {
    pthread_mutex_t lock;
    ArvStream *stream; /* a reference; NULL once detached */
    atomic_uint refs;  /* the owner's and one for each lent buffer */
    size_t size;
    unsigned want; /* buffers the stream should have to fill */
    unsigned max;
    unsigned made;
};

/* Each buffer's user data: how a lent buffer finds its pool. */
struct s_slot {
    aravis_pool_t *pool;
    ArvBuffer *buffer;
};

static void
s_unref(aravis_pool_t *pool)
{
    if (atomic_fetch_sub(&pool->refs, 1) != 1)
        return;
    assert(!pool->stream);
    pthread_mutex_destroy(&pool->lock);
    free(pool);
}

/* Makes a buffer and gives it to the stream. Returns 0 or -ENOMEM. */
static int
s_add_buffer(aravis_pool_t *pool)
{
    struct s_slot *slot = calloc(1, sizeof *slot);

    if (!slot)
        return -ENOMEM;
    slot->pool = pool;
    slot->buffer = arv_buffer_new_full(pool->size, NULL, slot, free);
    if (!slot->buffer) {
        free(slot);
        return -ENOMEM;
    }
    pool->made++;
    arv_stream_push_buffer(pool->stream, slot->buffer);
    return 0;
}

aravis_pool_t *
aravis_pool_new(ArvStream *stream, size_t size, unsigned n, unsigned max)
{
    aravis_pool_t *pool = calloc(1, sizeof *pool);

    if (!pool)
        return NULL;
    pthread_mutex_init(&pool->lock, NULL);
    atomic_init(&pool->refs, 1);
    pool->stream = g_object_ref(stream);
    pool->size = size;
    pool->want = n;
    pool->max = max > n ? max : n;
    for (unsigned i = 0; i < n; i++) {
        if (s_add_buffer(pool) < 0) {
            aravis_pool_detach(&pool);
            return NULL;
        }
    }
    return pool;
}

void *
aravis_pool_lend(aravis_pool_t *pool, ArvBuffer *buffer)
{
    struct s_slot *slot = (struct s_slot *) arv_buffer_get_user_data(buffer);
    gint n_input = 0;

    assert(slot && slot->pool == pool && pool->stream);
    atomic_fetch_add(&pool->refs, 1);
    arv_stream_get_n_buffers(pool->stream, &n_input, NULL);
    if ((unsigned) n_input < pool->want && pool->made < pool->max)
        (void) s_add_buffer(pool); /* without memory, the camera has fewer to fill */
    return slot;
}

void
aravis_pool_give_back(void *data, void *hint)
{
    struct s_slot *slot = hint;
    aravis_pool_t *pool = slot->pool;

    (void) data;
    pthread_mutex_lock(&pool->lock);
    if (pool->stream)
        arv_stream_push_buffer(pool->stream, slot->buffer);
    else
        g_object_unref(slot->buffer); /* frees the slot too */
    pthread_mutex_unlock(&pool->lock);
    s_unref(pool);
}

void
aravis_pool_detach(aravis_pool_t **pool_p)
{
    aravis_pool_t *pool = *pool_p;
    ArvStream *stream;

    if (!pool)
        return;
    pthread_mutex_lock(&pool->lock);
    stream = pool->stream;
    pool->stream = NULL;
    pthread_mutex_unlock(&pool->lock);
    g_object_unref(stream);
    *pool_p = NULL;
    s_unref(pool);
}

unsigned
aravis_pool_size(const aravis_pool_t *pool)
{
    return pool->made;
}
