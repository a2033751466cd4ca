/* Finding the camera without holding camerad's loop: Aravis's discovery blocks for as long as
 * it waits for an answer (about 1 s for an id or serial number, up to 2.5 s for an address
 * that does not answer). Every search runs in a thread of its own, one at a time: the first
 * try (at start-up, or after the camera went away) starts one and says -EINPROGRESS, and
 * camerad asks again shortly; once a search has failed, a retry takes what the last search
 * found and starts the next. camerad's loop does not call Aravis while the camera is absent,
 * so that nothing else runs in Aravis beside the search. */
#include "aravis.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "log.h"
#include "util.h"

static struct {
    GThread *thread;             /* the search running, or NULL */
    gint done;                   /* it has finished (atomic) */
    ArvCamera *found;            /* what it found, or NULL */
    int error;                   /* why not */
    bool failed;                 /* the last search found nothing */
    char want[CS_CAMERA_ID_MAX]; /* the camera looked for; "" for the first found */
} s_find;

/* Opens camera @want (NULL: the first). Returns it (a new reference), or NULL with the error
 * in *@ret_error. */
static ArvCamera *
s_open(const char *want, int *ret_error)
{
    GError *error = NULL;
    ArvCamera *cam = arv_camera_new(want, &error);

    if (cam)
        return cam;
    *ret_error = aravis_errno(error) == -EBUSY ? -EBUSY : -ENODEV;
    cs_log(LOG_DEBUG, "camera '%s': %s", want ? want : "(the first found)",
           error ? error->message : "not found");
    g_clear_error(&error);
    return NULL;
}

static gpointer
s_search(gpointer arg)
{
    (void) arg;
    s_find.found = s_open(s_find.want[0] ? s_find.want : NULL, &s_find.error);
    g_atomic_int_set(&s_find.done, 1);
    return NULL;
}

static void
s_start_search(const char *want)
{
    (void) cs_strlcpy(s_find.want, want ? want : "", sizeof s_find.want);
    s_find.found = NULL;
    s_find.error = -ENODEV;
    g_atomic_int_set(&s_find.done, 0);
    s_find.thread = g_thread_new("camerad-find", s_search, NULL);
}

int
aravis_find(const char *want, ArvCamera **ret_camera)
{
    int r;

    if (!s_find.thread) {
        s_start_search(want);
        return -EINPROGRESS;
    }
    if (!g_atomic_int_get(&s_find.done))
        return s_find.failed ? -ENODEV : -EINPROGRESS; /* still looking */
    (void) g_thread_join(s_find.thread);
    s_find.thread = NULL;
    if (s_find.found && strcmp(s_find.want, want ? want : "") == 0) {
        *ret_camera = s_find.found;
        s_find.failed = false;
        return 0;
    }
    g_clear_object(&s_find.found);
    r = s_find.error;
    s_find.failed = true;
    s_start_search(want); /* the next retry takes its result */
    return r;
}
