/* The camera message ("camera/<stream>", PROTOCOL.md section 16): a camera setting's change,
 * with the seq of the first frame it applies to, or the camera's identity at the start of a
 * run. camerad sends them in-band, ordered with the frames; subscribers keep the run's
 * messages in a cs_camlog and record them beside the frames (FILES.md). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CS_CAMERA_NAME_SIZE   64   /* a setting's or an identity fact's name, with its NUL */
#define CS_CAMERA_VALUE_SIZE  128  /* a value as text, with its NUL (longer ones are cut) */
#define CS_CAMERA_FACTS_MAX   16   /* identity facts a message carries */
#define CS_CAMLOG_CHANGES_MAX 1024 /* changes of a run a subscriber keeps */

enum cs_camera_event { CS_CAMERA_CHANGE, CS_CAMERA_IDENTITY, CS_CAMERA_EVENT_COUNT };

/* A setting changed: from frame @seq of run @run on, as far as the camera can tell. */
struct cs_camera_change {
    uint64_t seq;
    uint64_t time_ns; /* CLOCK_REALTIME when camerad changed it */
    char name[CS_CAMERA_NAME_SIZE];
    char value[CS_CAMERA_VALUE_SIZE];
    char previous[CS_CAMERA_VALUE_SIZE];
};

/* One fact of the camera's identity: a string, or an integer (@is_int, @value in decimal). */
struct cs_camera_fact {
    char name[CS_CAMERA_NAME_SIZE];
    char value[CS_CAMERA_VALUE_SIZE];
    bool is_int;
};

/* The camera's identity: the facts the source knows ("vendor", "model", "serial",
 * "firmware", "sensor_width", "sensor_height", then its own), in the source's order. */
struct cs_camera_identity {
    char source[CS_CAMERA_NAME_SIZE];
    struct cs_camera_fact facts[CS_CAMERA_FACTS_MAX];
    unsigned n_facts;
};

struct cs_camera_msg {
    enum cs_camera_event event;
    uint64_t run;
    uint64_t index; /* a change's number in its run, from 0: a gap is a change missed */
    union {
        struct cs_camera_change change;
        struct cs_camera_identity identity;
    };
};

/* The facts every identity names in a file, whether the source knows them or not. */
extern const char *const cs_camera_identity_keys[];
#define CS_CAMERA_IDENTITY_KEYS 6

/* Writes @msg as the body of a camera message (one JSON object, at most CS_CAMERA_MSG_MAX
 * bytes) into @buf. Returns its length, or -ENOSPC, -ENOMEM. */
int cs_camera_msg_encode(const struct cs_camera_msg *msg, char *buf, size_t size);

/* Reads the body of a camera message (@size bytes at @body). Returns 0, -EPROTONOSUPPORT for
 * a well-formed message of an "event" this version does not know (to be ignored), or -EBADMSG
 * for anything else. */
int cs_camera_msg_decode(const void *body, size_t size, struct cs_camera_msg *ret_msg);

/* Fills @ret_identity from a source's identity object (source.h: scalars only; strings and
 * integers are kept, other members skipped; at most CS_CAMERA_FACTS_MAX). */
struct json_t;
void cs_camera_identity_from_json(const struct json_t *obj, const char *source,
                                  struct cs_camera_identity *ret_identity);

/* Which changes of the current run a subscriber has seen, by their index. */
struct cs_camera_seen {
    uint64_t run;
    uint64_t next_index; /* the index the next change of the run should have */
};

/* The changes that never came before @msg (a gap in the index of its run's changes: the
 * subscriber joined the run late, or was losing frames when they were sent, PROTOCOL.md
 * section 16); 0 for an identity or a change in order. */
uint64_t cs_camera_missed(struct cs_camera_seen *seen, const struct cs_camera_msg *msg);

/* A subscriber's record of the current run's camera messages: the identity and the changes,
 * in the order they came, so that a file opened later in the run holds them all. */
struct cs_camlog {
    uint64_t run;
    bool has_identity;
    struct cs_camera_identity identity;
    struct cs_camera_change changes[CS_CAMLOG_CHANGES_MAX];
    size_t n_changes;
    uint64_t changes_dropped; /* beyond CS_CAMLOG_CHANGES_MAX in a run: logged, not kept */
    struct cs_camera_seen seen;
    uint64_t changes_missed; /* changes of the run that never came (cs_camera_missed()) */
};

/* Adds @msg to @log; a message of another run than the log's first empties it. A change whose
 * index skips some adds them to changes_missed (a subscriber that joined the run late, or was
 * losing frames when they were sent: PROTOCOL.md section 16). Returns the changes it found
 * missing (>= 0), or -ENOSPC for a change that did not fit (counted in changes_dropped). */
int cs_camlog_add(struct cs_camlog *log, const struct cs_camera_msg *msg);
