#include "control.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bind.h"
#include "json.h"
#include "util.h"

#define S_COMMANDS_MAX 16
#define S_WORD_MAX     64 /* bytes of an unknown command quoted back */

struct s_command {
    const char *name;
    const char *help;
    cs_control_fn *fn;
    void *arg;
};

struct cs_control {
    zsock_t *sock;
    zloop_t *loop;
    struct s_command commands[S_COMMANDS_MAX];
    int n_commands;
};

int
cs_control_answer(json_t *members, char *reply, size_t size)
{
    json_t *obj = json_object();
    int r = obj && members && cs_json_set_bool(obj, "ok", true) == 0
                    && json_object_update(obj, members) == 0
                ? cs_json_dump(obj, reply, size)
                : -ENOMEM;

    json_decref(obj);
    json_decref(members);
    if (r < 0)
        (void) snprintf(reply, size, "cannot answer: %s", strerror(-r));
    return r < 0 ? r : 0;
}

int
cs_control_send(cs_control_t *self, zmsg_t **envelope, const char *json)
{
    zmsg_t *msg = *envelope;

    *envelope = NULL;
    if (zmsg_addstr(msg, json) < 0) {
        zmsg_destroy(&msg);
        return -ENOMEM;
    }
    return zmsg_send(&msg, self->sock) < 0 ? -errno : 0;
}

static int
s_help(void *arg, struct cs_control_req *req, char *reply, size_t size)
{
    cs_control_t *self = arg;
    json_t *obj = json_object(), *commands = json_object();
    int r = obj && commands && json_object_set(obj, "ok", json_true()) == 0 ? 0 : -ENOMEM;

    if (req->argc > 1) {
        (void) snprintf(reply, size, "usage: help");
        r = -EINVAL;
    }
    for (int i = 0; r == 0 && i < self->n_commands; i++)
        r = cs_json_set_string(commands, self->commands[i].name, self->commands[i].help);
    if (r == 0)
        r = json_object_set(obj, "commands", commands) == 0 ? 0 : -ENOMEM;
    if (r == 0)
        r = cs_json_dump(obj, reply, size);
    json_decref(commands);
    json_decref(obj);
    return r < 0 ? r : 0;
}

int
cs_control_parse(const void *data, size_t size, struct cs_control_req *req, char *reterr,
                 size_t err_size)
{
    char *save = NULL;

    req->argc = 0;
    req->line[0] = '\0';
    if (size > CS_CONTROL_REQUEST_MAX) {
        (void) snprintf(reterr, err_size, "request longer than %d bytes", CS_CONTROL_REQUEST_MAX);
        return -EMSGSIZE;
    }
    if (size > 0)
        memcpy(req->line, data, size);
    req->line[size] = '\0';
    if (memchr(req->line, '\0', size)) {
        (void) snprintf(reterr, err_size, "a request is text without NUL bytes");
        return -EINVAL;
    }
    for (char *w = strtok_r(req->line, " \t\r\n", &save); w; w = strtok_r(NULL, " \t\r\n", &save)) {
        if (req->argc == CS_CONTROL_ARGS_MAX) {
            req->argc = 0;
            (void) snprintf(reterr, err_size, "expected a command and at most %d words",
                            CS_CONTROL_ARGS_MAX - 1);
            return -E2BIG;
        }
        req->argv[req->argc++] = w;
    }
    if (req->argc == 0) {
        (void) snprintf(reterr, err_size, "empty request (try 'help')");
        return -EINVAL;
    }
    return 0;
}

/* {"ok":false,"error":@message}: @message as a JSON string (valid UTF-8 kept, each other
 * byte U+FFFD, control characters escaped). */
static void
s_error(char *reply, size_t size, const char *message)
{
    json_t *obj = json_object();

    if (!obj || cs_json_set_bool(obj, "ok", false) < 0
        || cs_json_set_string(obj, "error", message) < 0 || cs_json_dump(obj, reply, size) < 0)
        (void) snprintf(reply, size, "{\"ok\":false,\"error\":\"out of memory\"}");
    json_decref(obj);
}

/* The first @max bytes of @word at most, cut where a UTF-8 character begins. */
static int
s_word_len(const char *word, int max)
{
    int n = (int) strnlen(word, (size_t) max + 1);

    if (n <= max)
        return n;
    n = max;
    while (n > 0 && ((unsigned char) word[n] & 0xc0) == 0x80)
        n--;
    return n;
}

int
cs_control_dispatch(cs_control_t *self, const void *data, size_t size, struct cs_control_req *req,
                    char *reply, size_t reply_size)
{
    char err[CS_CONTROL_ERROR_MAX];
    int r;

    if (cs_control_parse(data, size, req, err, sizeof err) < 0) {
        s_error(reply, reply_size, err);
        return 0;
    }
    for (int i = 0; i < self->n_commands; i++) {
        if (strcmp(self->commands[i].name, req->argv[0]) != 0)
            continue;
        reply[0] = '\0';
        r = self->commands[i].fn(self->commands[i].arg, req, reply, reply_size);
        if (r == 1)
            return 1; /* held: the handler took the envelope */
        if (r < 0) {
            (void) cs_strlcpy(err, reply[0] ? reply : strerror(-r), sizeof err);
            s_error(reply, reply_size, err);
        }
        return 0;
    }
    (void) snprintf(err, sizeof err, "unknown command '%.*s' (try 'help')",
                    s_word_len(req->argv[0], S_WORD_MAX), req->argv[0]);
    s_error(reply, reply_size, err);
    return 0;
}

static int
s_on_request(zloop_t *loop, zsock_t *sock, void *arg)
{
    cs_control_t *self = arg;
    struct cs_control_req req;
    char reply[CS_CONTROL_REPLY_MAX];
    zmsg_t *msg = zmsg_recv(sock);
    zframe_t *body = NULL;
    size_t n;

    if (!msg)
        return 0;
    req.argc = 0;
    req.envelope = NULL;
    /* A REQ client's request is: routing frames, an empty delimiter, the body. Anything else
     * is dropped: there is no well-formed place to send an answer. */
    n = zmsg_size(msg);
    if (n < 3)
        goto out;
    req.envelope = zmsg_new();
    for (size_t i = 0; i + 1 < n; i++) {
        zframe_t *f = zmsg_pop(msg);
        zmsg_append(req.envelope, &f);
    }
    body = zmsg_pop(msg);
    if (zframe_size(zmsg_last(req.envelope)) != 0)
        goto out;
    if (cs_control_dispatch(self, zframe_data(body), zframe_size(body), &req, reply, sizeof reply)
        == 0)
        (void) cs_control_send(self, &req.envelope, reply);
out:
    zframe_destroy(&body);
    zmsg_destroy(&req.envelope);
    zmsg_destroy(&msg);
    return 0;
}

cs_control_t *
cs_control_new(zloop_t *loop, const char *endpoint)
{
    int saved_errno;
    cs_control_t *self = calloc(1, sizeof *self);

    if (!self)
        return NULL;
    self->loop = loop;
    self->sock = zsock_new(ZMQ_ROUTER);
    if (!self->sock)
        goto fail;
    zsock_set_linger(self->sock, 0);
    zsock_set_sndtimeo(self->sock, 0); /* a vanished client must not block the daemon */
    zsock_set_maxmsgsize(self->sock, CS_CONTROL_RECEIVE_MAX);
    if (cs_bind(self->sock, endpoint) < 0)
        goto fail;
    if (zloop_reader(loop, self->sock, s_on_request, self) < 0)
        goto fail;
    (void) cs_control_add(self, "help", "list the commands", s_help, self);
    return self;
fail:
    saved_errno = errno ? errno : ENOMEM;
    cs_control_destroy(&self);
    errno = saved_errno;
    return NULL;
}

void
cs_control_destroy(cs_control_t **self_p)
{
    cs_control_t *self = *self_p;

    if (!self)
        return;
    if (self->sock && self->loop)
        zloop_reader_end(self->loop, self->sock);
    zsock_destroy(&self->sock);
    free(self);
    *self_p = NULL;
}

int
cs_control_add(cs_control_t *self, const char *command, const char *help, cs_control_fn *fn,
               void *arg)
{
    if (self->n_commands == S_COMMANDS_MAX)
        return -ENOSPC;
    self->commands[self->n_commands++] = (struct s_command){ command, help, fn, arg };
    return 0;
}
