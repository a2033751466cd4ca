#include "allstacks.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "report.h"
#include "stacks.h"
#include "util.h"

uint64_t
allstacks_budget(const struct cs_conf *conf, const struct cs_client_answer answers[CS_DAEMON_COUNT],
                 uint64_t ret_bytes[CS_DAEMON_COUNT])
{
    uint64_t total = 0;

    for (int d = 0; d < CS_DAEMON_COUNT; d++) {
        uint64_t frames = 0, limit = 0;

        ret_bytes[d] = 0;
        if (answers[d].error < 0 || !answers[d].json)
            continue;
        (void) cs_json_get_u64(answers[d].json, "queue_budget_frames", &frames);
        (void) cs_json_get_u64(answers[d].json, "queue_limit_bytes", &limit);
        ret_bytes[d] = frames * cs_conf_frame_bytes(conf) + limit;
        total += ret_bytes[d];
    }
    return total;
}

int
allstacks_mem_available(const char *path, uint64_t *ret_bytes)
{
    FILE *f = fopen(path, "re");
    char line[256];
    int r = -ENOENT;

    if (!f)
        return -errno;
    while (fgets(line, sizeof line, f)) {
        unsigned long long kib;

        if (sscanf(line, "MemAvailable: %llu kB", &kib) == 1) {
            *ret_bytes = (uint64_t) kib * 1024;
            r = 0;
            break;
        }
    }
    (void) fclose(f);
    return r;
}

/* @bytes for a person: "512 B", "64.0 MiB", "2.5 GiB". */
static void
s_bytes(uint64_t bytes, char *buf, size_t size)
{
    if (bytes >= (1ull << 30))
        (void) snprintf(buf, size, "%.1f GiB", (double) bytes / (double) (1ull << 30));
    else if (bytes >= (1ull << 20))
        (void) snprintf(buf, size, "%.1f MiB", (double) bytes / (double) (1ull << 20));
    else
        (void) snprintf(buf, size, "%" PRIu64 " B", bytes);
}

/* What one stack is: its file, what loading and checking it said, its daemons' answers. */
struct s_stack {
    const struct cs_stack_file *file;
    struct cs_conf conf;
    char error[CS_STACK_COLLIDE_MAX]; /* "" when the file loads and collides with none */
    bool loaded, running, failed;
    struct cs_client_answer answers[CS_DAEMON_COUNT];
    uint64_t budget[CS_DAEMON_COUNT], total;
};

static void
s_ask(struct s_stack *st, const struct allstacks_opts *o)
{
    st->loaded = cs_conf_load(st->file->path, &st->conf, st->error, sizeof st->error) == 0;
    if (!st->loaded) {
        st->failed = true;
        return;
    }
    if (cs_stacks_check(&st->conf, st->error, sizeof st->error) == -EADDRINUSE)
        st->failed = true;
    else
        st->error[0] = '\0';
    (void) cs_client_ask(&st->conf, CS_CLIENT_ALL, "status", o->timeout_ms, st->answers);
    for (int d = 0; d < CS_DAEMON_COUNT; d++)
        st->running = st->running || st->answers[d].error == 0;
    for (int d = 0; d < CS_DAEMON_COUNT && st->running; d++)
        st->failed = st->failed || cs_client_answer_fails(st->answers, d);
    st->total = allstacks_budget(&st->conf, st->answers, st->budget);
}

static void
s_print_block(const struct s_stack *st, FILE *out, FILE *err)
{
    struct report_row rows[CS_DAEMON_COUNT];
    const char *sep = " (";
    char b[32], line[512];
    size_t o;

    (void) fprintf(out, "stack %s: %s", st->file->name, st->file->path);
    if (!st->loaded) {
        (void) fprintf(out, ": configuration error\n\n");
        (void) fprintf(err, "camstackctl: stack %s: configuration error: %s\n", st->file->name,
                       st->error);
        return;
    }
    (void) fprintf(out, ", stream %s, %s\n", st->conf.stack.stream,
                   st->running ? "running" : "not running");
    if (st->error[0])
        (void) fprintf(err, "camstackctl: stack %s: %s\n", st->file->name, st->error);
    if (st->running) {
        report_build(st->answers, false, rows);
        report_print_table(out, rows, 0, false);
    }
    /* "memory budget 1.2 GiB (pubd 40.0 MiB, ...)": the daemons that answered. */
    s_bytes(st->total, b, sizeof b);
    o = (size_t) snprintf(line, sizeof line, "memory budget %s", b);
    for (int d = 0; d < CS_DAEMON_COUNT && o < sizeof line; d++) {
        if (st->answers[d].error < 0)
            continue;
        s_bytes(st->budget[d], b, sizeof b);
        o += (size_t) snprintf(line + o, sizeof line - o, "%s%s %s", sep, cs_daemon_name(d), b);
        sep = ", ";
    }
    if (o < sizeof line && sep[0] == ',')
        (void) snprintf(line + o, sizeof line - o, ")");
    (void) fprintf(out, "%s\n\n", line);
    for (int d = 0; d < CS_DAEMON_COUNT && st->running; d++) {
        if (cs_client_answer_fails(st->answers, d))
            (void) fprintf(err, "camstackctl: stack %s: %s is down: %s\n", st->file->name,
                           cs_daemon_name(d), st->answers[d].reason);
    }
}

/* The JSON member of one stack. A new reference, or NULL on ENOMEM. */
static json_t *
s_stack_json(const struct s_stack *st)
{
    json_t *j = json_object(), *budget = json_object();

    if (!j || !budget || json_object_set_new(j, "memory_budget", budget) < 0) {
        json_decref(budget);
        json_decref(j);
        return NULL;
    }
    if (cs_json_set_string(j, "name", st->file->name) < 0
        || cs_json_set_string(j, "config", st->file->path) < 0
        || (st->error[0] && cs_json_set_string(j, "error", st->error) < 0))
        goto fail;
    if (!st->loaded)
        return j;
    for (int d = 0; d < CS_DAEMON_COUNT; d++) {
        if (st->answers[d].error == 0
            && cs_json_set_u64(budget, cs_daemon_name(d), st->budget[d]) < 0)
            goto fail;
    }
    if (cs_json_set_string(j, "stream", st->conf.stack.stream) < 0
        || cs_json_set_bool(j, "running", st->running) < 0
        || cs_json_set_u64(j, "memory_budget_bytes", st->total) < 0
        || json_object_set_new(j, "status", cs_client_status_json(st->answers)) < 0)
        goto fail;
    return j;
fail:
    json_decref(j);
    return NULL;
}

static int
s_print_json(const struct s_stack *stacks, int n, uint64_t total, int mem_r, uint64_t avail,
             FILE *out)
{
    json_t *all = json_object(), *list = json_array();
    char *text = NULL;
    int r = -ENOMEM;

    if (!all || !list || json_object_set(all, "stacks", list) < 0)
        goto out;
    for (int i = 0; i < n; i++) {
        if (json_array_append_new(list, s_stack_json(&stacks[i])) < 0)
            goto out;
    }
    if (cs_json_set_u64(all, "memory_budget_bytes", total) < 0
        || (mem_r == 0 && cs_json_set_u64(all, "mem_available_bytes", avail) < 0)
        || cs_json_set_bool(all, "budget_exceeds_available", mem_r == 0 && total > avail) < 0)
        goto out;
    text = cs_json_dump_alloc(all);
    if (text)
        r = fprintf(out, "%s\n", text) < 0 ? -EIO : 0;
out:
    free(text);
    json_decref(list);
    json_decref(all);
    return r;
}

int
allstacks_status(const struct allstacks_opts *o, FILE *out, FILE *err)
{
    struct cs_stack_file files[CS_STACKS_MAX];
    struct s_stack *stacks = NULL;
    uint64_t total = 0, avail = 0;
    char a[32], b[32];
    bool failed = false;
    int n, mem_r;

    n = cs_stacks_list(o->dir, files, CS_STACKS_MAX);
    if (n < 0) {
        (void) fprintf(err, "camstackctl: cannot read the stacks of '%s': %s\n", o->dir,
                       strerror(-n));
        return CS_EX_CONFIG;
    }
    stacks = calloc((size_t) n + 1, sizeof *stacks);
    if (!stacks) {
        (void) fprintf(err, "camstackctl: %s\n", strerror(ENOMEM));
        return 1;
    }
    for (int i = 0; i < n; i++) {
        stacks[i].file = &files[i];
        s_ask(&stacks[i], o);
        total += stacks[i].total;
        failed = failed || stacks[i].failed;
        if (!o->json)
            s_print_block(&stacks[i], out, err);
    }
    mem_r = allstacks_mem_available(o->meminfo, &avail);
    if (o->json && s_print_json(stacks, n, total, mem_r, avail, out) < 0)
        failed = true;
    s_bytes(total, a, sizeof a);
    s_bytes(avail, b, sizeof b);
    if (!o->json && mem_r == 0)
        (void) fprintf(out, "host: MemAvailable %s; the running stacks' memory budgets: %s\n", b,
                       a);
    else if (mem_r < 0)
        (void) fprintf(err, "camstackctl: cannot read MemAvailable from '%s': %s\n", o->meminfo,
                       strerror(-mem_r));
    if (mem_r == 0 && total > avail)
        (void) fprintf(err,
                       "camstackctl: warning: the stacks' memory budgets (%s) exceed the "
                       "host's MemAvailable (%s)\n",
                       a, b);
    for (int i = 0; i < n; i++)
        cs_client_answers_clear(stacks[i].answers);
    free(stacks);
    return failed ? 1 : 0;
}
