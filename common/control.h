/* A daemon's control endpoint: a ROUTER socket that takes one-line text requests
 * ("status", "subscribers 2 1000", ...) from REQ clients and answers each with one JSON
 * object. Handlers may answer at once or hold a request and answer it later. */
#pragma once

#include <stddef.h>

#include <czmq.h>

#define CS_CONTROL_REQUEST_MAX 1024
#define CS_CONTROL_ARGS_MAX    8
#define CS_CONTROL_REPLY_MAX   8192

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

/* Splits request body @data (@size bytes, not NUL-terminated) into words in @req->argv, which
 * point into @line. Returns 0, -EMSGSIZE (longer than CS_CONTROL_REQUEST_MAX), -EINVAL (a NUL
 * byte, or no word) or -E2BIG (more than CS_CONTROL_ARGS_MAX words). */
int cs_control_parse(const void *data, size_t size, char line[CS_CONTROL_REQUEST_MAX + 1],
                     struct cs_control_req *req);

/* Parses request body @data and runs its command, as a request received on the socket would
 * be, and writes the JSON answer into @reply. Returns 0 (answer in @reply), or 1 if the handler
 * held the request (it took @req->envelope). Needs no socket traffic: for tests and fuzzing. */
int cs_control_answer(cs_control_t *self, const void *data, size_t size, struct cs_control_req *req,
                      char *reply, size_t reply_size);

/* Escapes @s as the inside of a JSON string into @buf. */
void cs_json_escape(const char *s, char *buf, size_t size);
