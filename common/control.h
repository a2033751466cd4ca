/* A daemon's control endpoint: a ROUTER socket that takes one-line text requests
 * ("status", "subscribers 2 1000", ...) from REQ clients and answers each with one JSON
 * object. Handlers may answer at once or hold a request and answer it later. */
#pragma once

#include <stddef.h>

#include <czmq.h>

#define CS_CONTROL_REQUEST_MAX 1024
#define CS_CONTROL_ARGS_MAX    8

typedef struct cs_control cs_control_t;

/* A request being handled: its words, and where the answer goes. */
struct cs_control_req {
    char *argv[CS_CONTROL_ARGS_MAX];
    int argc;
    zmsg_t *envelope; /* routing frames; owned by the request */
};

/* Answers @req into a JSON object written into @reply (size @size) and returns 0, or returns
 * a negative errno with an error message in @reply, or returns 1 after taking @req->envelope
 * (set it to NULL) to answer later with cs_control_send(). */
typedef int(cs_control_fn)(void *arg, struct cs_control_req *req, char *reply, size_t size);

/* Binds @endpoint and adds its reader to @loop. Returns NULL with errno set on failure. */
cs_control_t *cs_control_new(zloop_t *loop, const char *endpoint);
void cs_control_destroy(cs_control_t **self_p);

/* Registers @fn for requests whose first word is @command; @help is one line for "help". */
int cs_control_add(cs_control_t *self, const char *command, const char *help, cs_control_fn *fn,
                   void *arg);

/* Sends @json to the client behind @envelope, which it takes (and sets to NULL). */
int cs_control_send(cs_control_t *self, zmsg_t **envelope, const char *json);

/* Escapes @s as the inside of a JSON string into @buf. */
void cs_json_escape(const char *s, char *buf, size_t size);
