/* A daemon's control endpoint: a ROUTER socket that takes one-line text requests
 * ("status", "subscribers 2 1000", ...) from REQ clients and answers each with one JSON
 * object. Handlers may answer at once or hold a request and answer it later. */
#pragma once

#include <stddef.h>

#include <czmq.h>
#include <jansson.h>

#define CS_CONTROL_REQUEST_MAX 1024 /* bytes of a request that is answered */
#define CS_CONTROL_ARGS_MAX    8    /* words of a request, the command included */
/* Longer requests make libzmq drop the client's connection instead of reading them. Between
 * CS_CONTROL_REQUEST_MAX and this, a request gets an error answer. */
#define CS_CONTROL_RECEIVE_MAX (64 * 1024)
/* The longest error message of an answer: one that names what is allowed (a camera's settings,
 * a menu's items) may be long. */
#define CS_CONTROL_ERROR_MAX 4096
#define CS_CONTROL_REPLY_MAX 65536 /* vivid's camera list is 10.4 KB, over the 8 KiB of before */

typedef struct cs_control cs_control_t;

/* A request being handled: its words, and where the answer goes. */
struct cs_control_req {
    char line[CS_CONTROL_REQUEST_MAX + 1]; /* the request's text, split in place */
    char *argv[CS_CONTROL_ARGS_MAX];       /* words, pointing into line */
    int argc;
    zmsg_t *envelope; /* routing frames; owned by the request */
};

/* Answers @req into a JSON object written into @reply (size @size) and returns 0, or returns
 * a negative errno with an error message in @reply, or returns 1 after taking @req->envelope
 * (set it to NULL) to answer later with cs_control_send(). */
typedef int(cs_control_fn)(void *arg, struct cs_control_req *req, char *reply, size_t size);

/* Parses the body of a request, @size bytes at @data (any bytes), into @req->line and its
 * words: blank-separated (space, tab, CR, LF). A plain function over a buffer: no socket, no
 * allocation, no state. Returns 0; -EMSGSIZE (longer than CS_CONTROL_REQUEST_MAX), -EINVAL
 * (a NUL byte, or no word at all) or -E2BIG (more than CS_CONTROL_ARGS_MAX words), with the
 * error message in @reterr (size @err_size). @req->envelope is left alone. */
int cs_control_parse(const void *data, size_t size, struct cs_control_req *req, char *reterr,
                     size_t err_size);

/* Binds @endpoint and adds its reader to @loop. Returns NULL with errno set on failure. */
cs_control_t *cs_control_new(zloop_t *loop, const char *endpoint);
void cs_control_destroy(cs_control_t **self_p);

/* Registers @fn for requests whose first word is @command; @help is one line for "help".
 * Returns 0, or -ENOSPC when the table is full. */
int cs_control_add(cs_control_t *self, const char *command, const char *help, cs_control_fn *fn,
                   void *arg);

/* Handles request body @data (@size bytes) as if it had arrived with @req->envelope: parses
 * it, runs the command's handler and writes the JSON answer into @reply (always an object,
 * "ok": false with an error for anything malformed). Returns 0 with the answer in @reply, or
 * 1 if the handler held the request (it took the envelope). For tests and fuzzing too. */
int cs_control_dispatch(cs_control_t *self, const void *data, size_t size,
                        struct cs_control_req *req, char *reply, size_t reply_size);

/* A handler's success: writes {"ok":true} and the members of @members (taken: it is
 * released; NULL means it could not be made) into @reply. Returns 0, or -ENOMEM or -ENOSPC
 * with the error in @reply: what the handler returns. */
int cs_control_answer(json_t *members, char *reply, size_t size);

/* Sends @json to the client behind @envelope, which it takes (and sets to NULL). */
int cs_control_send(cs_control_t *self, zmsg_t **envelope, const char *json);
