#include "camera.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "frame.h"
#include "json.h"
#include "util.h"

static const char *const s_event_names[CS_CAMERA_EVENT_COUNT] = {
    [CS_CAMERA_CHANGE] = "change",
    [CS_CAMERA_IDENTITY] = "identity",
};

const char *const cs_camera_identity_keys[CS_CAMERA_IDENTITY_KEYS + 1] = {
    "vendor", "model", "serial", "firmware", "sensor_width", "sensor_height", NULL,
};

static int
s_encode_identity(json_t *o, const struct cs_camera_identity *id)
{
    json_t *facts = json_object();
    int r = facts ? 0 : -ENOMEM;

    for (unsigned i = 0; r == 0 && i < id->n_facts; i++) {
        const struct cs_camera_fact *f = &id->facts[i];
        int64_t v = 0;

        if (f->is_int && cs_parse_i64(f->value, INT64_MIN, INT64_MAX, &v) == 0)
            r = cs_json_set_i64(facts, f->name, v);
        else
            r = cs_json_set_string(facts, f->name, f->value);
    }
    if (r == 0)
        r = cs_json_set_string(o, "source", id->source);
    if (r == 0 && json_object_set_new(o, "identity", facts) < 0)
        return -ENOMEM;
    if (r < 0)
        json_decref(facts);
    return r;
}

int
cs_camera_msg_encode(const struct cs_camera_msg *msg, char *buf, size_t size)
{
    json_t *o = json_object();
    int r = o ? 0 : -ENOMEM;

    if (r == 0 && msg->event >= CS_CAMERA_EVENT_COUNT)
        r = -EINVAL;
    if (r == 0)
        r = cs_json_set_string(o, "event", s_event_names[msg->event]);
    if (r == 0)
        r = cs_json_set_u64(o, "run", msg->run);
    if (r == 0 && msg->event == CS_CAMERA_CHANGE) {
        const struct cs_camera_change *c = &msg->change;

        r = cs_json_set_u64(o, "index", msg->index);
        if (r == 0)
            r = cs_json_set_u64(o, "seq", c->seq);
        if (r == 0)
            r = cs_json_set_u64(o, "time_ns", c->time_ns);
        if (r == 0)
            r = cs_json_set_string(o, "name", c->name);
        if (r == 0)
            r = cs_json_set_string(o, "value", c->value);
        if (r == 0)
            r = cs_json_set_string(o, "previous", c->previous);
    } else if (r == 0) {
        r = s_encode_identity(o, &msg->identity);
    }
    if (r == 0)
        r = cs_json_dump(o, buf, size < CS_CAMERA_MSG_MAX + 1 ? size : CS_CAMERA_MSG_MAX + 1);
    json_decref(o);
    return r;
}

void
cs_camera_identity_from_json(const struct json_t *obj, const char *source,
                             struct cs_camera_identity *ret_identity)
{
    const char *key;
    json_t *v;

    memset(ret_identity, 0, sizeof *ret_identity);
    (void) cs_strlcpy(ret_identity->source, source, sizeof ret_identity->source);
    json_object_foreach((json_t *) obj, key, v)
    {
        struct cs_camera_fact *f = &ret_identity->facts[ret_identity->n_facts];

        if (ret_identity->n_facts == CS_CAMERA_FACTS_MAX)
            break;
        if (json_is_integer(v)) {
            (void) snprintf(f->value, sizeof f->value, "%" JSON_INTEGER_FORMAT,
                            json_integer_value(v));
            f->is_int = true;
        } else if (json_is_string(v)) {
            (void) cs_strlcpy(f->value, json_string_value(v), sizeof f->value);
        } else {
            continue;
        }
        (void) cs_strlcpy(f->name, key, sizeof f->name);
        ret_identity->n_facts++;
    }
}

static int
s_decode_change(const json_t *o, struct cs_camera_change *c)
{
    if (cs_json_get_u64(o, "seq", &c->seq) < 0 || cs_json_get_u64(o, "time_ns", &c->time_ns) < 0
        || cs_json_copy_string(o, "name", c->name, sizeof c->name) < 0
        || cs_json_copy_string(o, "value", c->value, sizeof c->value) == -ENOENT
        || cs_json_copy_string(o, "previous", c->previous, sizeof c->previous) == -ENOENT
        || c->name[0] == '\0')
        return -EBADMSG;
    return 0;
}

int
cs_camera_msg_decode(const void *body, size_t size, struct cs_camera_msg *ret_msg)
{
    json_t *o = size <= CS_CAMERA_MSG_MAX ? cs_json_parse_object(body, size, NULL, 0) : NULL;
    const char *event = NULL, *source = NULL;
    json_t *facts;
    int r = -EBADMSG;

    memset(ret_msg, 0, sizeof *ret_msg);
    if (!o || cs_json_get_string(o, "event", &event) < 0
        || cs_json_get_u64(o, "run", &ret_msg->run) < 0)
        goto out;
    if (strcmp(event, s_event_names[CS_CAMERA_CHANGE]) == 0) {
        ret_msg->event = CS_CAMERA_CHANGE;
        r = cs_json_get_u64(o, "index", &ret_msg->index) < 0 ? -EBADMSG
                                                             : s_decode_change(o, &ret_msg->change);
    } else if (strcmp(event, s_event_names[CS_CAMERA_IDENTITY]) == 0) {
        facts = json_object_get(o, "identity");
        if (!json_is_object(facts) || cs_json_get_string(o, "source", &source) < 0)
            goto out;
        ret_msg->event = CS_CAMERA_IDENTITY;
        cs_camera_identity_from_json(facts, source, &ret_msg->identity);
        r = 0;
    } else {
        r = -EPROTONOSUPPORT; /* a kind of event a later version sends */
    }
out:
    json_decref(o);
    return r;
}

uint64_t
cs_camera_missed(struct cs_camera_seen *seen, const struct cs_camera_msg *msg)
{
    uint64_t missed = 0;

    if (msg->run != seen->run) {
        seen->run = msg->run;
        seen->next_index = 0;
    }
    if (msg->event != CS_CAMERA_CHANGE)
        return 0;
    if (msg->index > seen->next_index)
        missed = msg->index - seen->next_index;
    if (msg->index >= seen->next_index)
        seen->next_index = msg->index + 1;
    return missed;
}

int
cs_camlog_add(struct cs_camlog *log, const struct cs_camera_msg *msg)
{
    uint64_t missed = cs_camera_missed(&log->seen, msg);

    if (msg->run != log->run) {
        log->run = msg->run;
        log->has_identity = false;
        log->n_changes = 0;
        log->changes_dropped = 0;
        log->changes_missed = 0;
    }
    if (msg->event == CS_CAMERA_IDENTITY) {
        log->identity = msg->identity;
        log->has_identity = true;
        return 0;
    }
    log->changes_missed += missed;
    if (log->n_changes == CS_CAMLOG_CHANGES_MAX) {
        log->changes_dropped++;
        return -ENOSPC;
    }
    log->changes[log->n_changes++] = msg->change;
    return (int) (missed < INT32_MAX ? missed : INT32_MAX);
}
