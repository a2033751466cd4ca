/* camerad's control command "camera list | get NAME | set NAME VALUE": the source's settings
 * through the seam (source.h). A change is logged, answered with the seq of the first frame
 * it applies to, and sent in-band to the subscribers (cammsg.c) before that frame; a change
 * made outside a run applies from the next run's first frame and is sent at its start. A
 * refusal changes nothing and the stream goes on. */
#include "camerad-private.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "log.h"
#include "setting.h"
#include "util.h"

#define S_USAGE "usage: camera list | camera get NAME | camera set NAME VALUE"

/* Checks that the source is open and has settings; writes why not into @reply. */
static int
s_usable(camerad_t *self, char *reply, size_t size)
{
    if (!self->ops->settings_list || !self->ops->setting_get || !self->ops->setting_set) {
        (void) snprintf(reply, size, "source %s has no settings", self->ops->name);
        return -EOPNOTSUPP;
    }
    if (!self->src) {
        (void) snprintf(reply, size, "no camera: camerad is %s",
                        acquisition_state_name(self->state));
        return -ENODEV;
    }
    return 0;
}

static int
s_list(camerad_t *self, char *reply, size_t size)
{
    json_t *list = NULL, *answer;
    int r = self->ops->settings_list(self->src, &list, reply, size);

    if (r < 0)
        return r;
    answer = json_object();
    if (!answer || cs_json_set_string(answer, "source", self->ops->name) < 0
        || json_object_set_new(answer, "settings", list) < 0) {
        json_decref(answer);
        answer = NULL;
    }
    r = cs_control_answer(answer, reply, size);
    if (r == -ENOSPC)
        (void) snprintf(reply, size,
                        "the source's settings do not fit in an answer of %d bytes; "
                        "'camera get NAME' reads one",
                        CS_CONTROL_REPLY_MAX);
    return r;
}

static int
s_get(camerad_t *self, const char *name, char *reply, size_t size)
{
    json_t *setting = NULL, *answer;
    int r = self->ops->setting_get(self->src, name, &setting, reply, size);

    if (r < 0)
        return r;
    answer = json_object();
    if (answer && json_object_set_new(answer, "setting", setting) < 0) {
        json_decref(answer);
        answer = NULL;
    }
    return cs_control_answer(answer, reply, size);
}

/* Joins the words from argv[3] on (a value may have blanks: a menu's "50 Hz") into @buf. */
static void
s_join_value(const struct cs_control_req *req, char *buf, size_t size)
{
    buf[0] = '\0';
    for (int i = 3; i < req->argc; i++) {
        size_t n = strlen(buf);

        (void) snprintf(buf + n, size - n, "%s%s", i > 3 ? " " : "", req->argv[i]);
    }
}

/* Records a change made: in-band now (during a run) or at the next run's start. */
static int
s_record(camerad_t *self, struct cs_camera_change *c, bool running)
{
    struct cs_camera_msg msg = { .event = CS_CAMERA_CHANGE, .run = self->c.run };

    if (!running) {
        if (self->n_idle_changes == CAMERAD_IDLE_CHANGES_MAX)
            return -ENOBUFS;
        self->idle_changes[self->n_idle_changes++] = *c;
        return 0;
    }
    msg.change = *c;
    msg.index = self->camera_index++;
    return cammsg_queue(self, &msg);
}

/* The answer to a change made: the setting now, what it was, and where it applies from. */
static int
s_answer_set(camerad_t *self, json_t *setting, const struct cs_camera_change *c, bool running,
             char *reply, size_t size)
{
    json_t *answer = json_object();

    if (answer
        && (json_object_set_new(answer, "setting", setting) < 0
            || cs_json_set_string(answer, "previous", c->previous) < 0
            || cs_json_set_bool(answer, "next_run", !running) < 0
            || cs_json_set_u64(answer, "run", running ? self->c.run : 0) < 0
            || cs_json_set_u64(answer, "seq", c->seq) < 0)) {
        json_decref(answer);
        answer = NULL;
    } else if (!answer) {
        json_decref(setting);
    }
    return cs_control_answer(answer, reply, size);
}

/* The change is refused before the source sees it: a needs_stop setting during a run, or
 * no room to record it. Returns 0 when it may go on. */
static int
s_precheck(camerad_t *self, const json_t *before, const char *name, char *reply, size_t size)
{
    bool needs_stop = false;

    (void) cs_json_get_bool(before, "needs_stop", &needs_stop);
    if (needs_stop && self->state == ACQ_RUNNING) {
        (void) snprintf(reply, size,
                        "%s needs the stream stopped and run %" PRIu64
                        " is open: 'acquire stop' ends it, then set %s and 'acquire start'",
                        name, self->c.run, name);
        return -EBUSY;
    }
    if (self->state == ACQ_RUNNING ? zlist_size(self->camera_out) >= CAMERAD_CAMERA_OUT_MAX
                                   : self->n_idle_changes == CAMERAD_IDLE_CHANGES_MAX) {
        (void) snprintf(reply, size, "%s changes are waiting to be sent; try again later",
                        self->state == ACQ_RUNNING ? "pubd is not taking messages: too many"
                                                   : "too many");
        return -ENOBUFS;
    }
    return 0;
}

static int
s_set(camerad_t *self, const char *name, const char *value, char *reply, size_t size)
{
    struct cs_camera_change c = { .time_ns = 0 };
    json_t *before = NULL, *after = NULL;
    unsigned earlier = 0;
    bool running;
    int r;

    r = self->ops->setting_get(self->src, name, &before, reply, size);
    if (r == 0)
        r = s_precheck(self, before, name, reply, size);
    if (r < 0)
        goto out;
    setting_value_text(json_object_get(before, "value"), c.previous, sizeof c.previous);
    /* Frames the source has ready were made before the change: they go first. */
    pacing_read_ready(self);
    running = self->state == ACQ_RUNNING;
    r = self->ops->setting_set(self->src, name, value, &self->fmt, &after, &earlier, reply, size);
    if (r < 0) {
        cs_log(LOG_WARNING, "camera set %s '%s' refused: %s", name, value, reply);
        goto out;
    }
    c.time_ns = cs_now_ns(CLOCK_REALTIME);
    c.seq = running ? self->c.next_seq + earlier : 0;
    (void) cs_strlcpy(c.name, name, sizeof c.name);
    setting_value_text(json_object_get(after, "value"), c.value, sizeof c.value);
    if (running)
        cs_log(LOG_NOTICE, "camera set %s = %s (was %s), from seq %" PRIu64 " of run %" PRIu64,
               name, c.value, c.previous, c.seq, self->c.run);
    else
        cs_log(LOG_NOTICE, "camera set %s = %s (was %s), from the next run", name, c.value,
               c.previous);
    if (s_record(self, &c, running) < 0)
        cs_log(LOG_WARNING, "camera set %s: the change cannot be sent to the subscribers", name);
    r = s_answer_set(self, after, &c, running, reply, size);
    after = NULL;
out:
    json_decref(before);
    json_decref(after);
    return r;
}

int
command_camera(void *arg, struct cs_control_req *req, char *reply, size_t size)
{
    camerad_t *self = arg;
    char value[CS_CONTROL_REQUEST_MAX + 1];
    const char *sub = req->argc >= 2 ? req->argv[1] : "";
    int r;

    if (!((strcmp(sub, "list") == 0 && req->argc == 2)
          || (strcmp(sub, "get") == 0 && req->argc == 3)
          || (strcmp(sub, "set") == 0 && req->argc >= 4))) {
        (void) snprintf(reply, size, S_USAGE);
        return -EINVAL;
    }
    r = s_usable(self, reply, size);
    if (r < 0)
        return r;
    if (strcmp(sub, "list") == 0)
        return s_list(self, reply, size);
    if (strcmp(sub, "get") == 0)
        return s_get(self, req->argv[2], reply, size);
    s_join_value(req, value, sizeof value);
    return s_set(self, req->argv[2], value, reply, size);
}

void
settings_run_begin(camerad_t *self)
{
    struct cs_camera_msg msg = { .event = CS_CAMERA_IDENTITY, .run = self->c.run };
    json_t *id = NULL;

    if (self->ops->identity && self->src && self->ops->identity(self->src, &id) == 0) {
        cs_camera_identity_from_json(id, self->ops->name, &msg.identity);
        if (cammsg_queue(self, &msg) < 0)
            cs_log(LOG_WARNING, "cannot send the camera's identity of run %" PRIu64, self->c.run);
    }
    json_decref(id);
    msg.event = CS_CAMERA_CHANGE;
    self->camera_index = 0;
    for (unsigned i = 0; i < self->n_idle_changes; i++) {
        msg.change = self->idle_changes[i];
        msg.index = self->camera_index++;
        if (cammsg_queue(self, &msg) < 0)
            cs_log(LOG_WARNING, "cannot send the change of %s to run %" PRIu64, msg.change.name,
                   self->c.run);
    }
    self->n_idle_changes = 0;
}
