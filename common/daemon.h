/* What the four daemons share around their own work: the command line, loading the config,
 * signals through a signalfd, the zloop, sd_notify (READY, STATUS, STOPPING, WATCHDOG) and the
 * control endpoint. A daemon's main() is: cs_daemon_setup(), cs_daemon_new(), build its own
 * objects on cs_daemon_loop(), cs_daemon_run(), destroy in reverse order. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <czmq.h>

#include "config.h"
#include "control.h"
#include "counters.h"
#include "json.h"

typedef struct cs_daemon cs_daemon_t;

/* What cs_daemon_setup() decided: run, or exit now with the given code. */
#define CS_DAEMON_RUN (-1)

/* A daemon's whole set of counters (counters.h), read from its object @self (NULL: the tables
 * only, no values): writes its groups into @ret_groups (room for CS_DAEMON_GROUPS_MAX) and
 * returns how many. One function serves --status-fields and the report. */
#define CS_DAEMON_GROUPS_MAX 8
typedef size_t(cs_counter_groups_fn)(const void *self, struct cs_counter_group *ret_groups);

/* The per-daemon text of --help: a synopsis line and a description. The config keys it reads
 * follow, from the key tables (cs_conf_keys_read()). */
struct cs_daemon_info {
    enum cs_daemon_id which;
    const char *summary;     /* one line: what the daemon does */
    const char *description; /* paragraphs, already wrapped at 80 columns */
    /* Its counter groups, called with no daemon object (NULL) for --status-fields: the
     * tables alone, the fields of its status answer. */
    cs_counter_groups_fn *counter_groups;
};

/* Parses the command line, opens the log, loads the config into @conf, blocks SIGINT and
 * SIGTERM, switches off czmq's signal handler and tunes malloc for large frames. Returns
 * CS_DAEMON_RUN, or an exit code (0 after --help/--version/--check-config, 2 for a bad
 * option, 78 for a config error). */
int cs_daemon_setup(const struct cs_daemon_info *info, int argc, char **argv, struct cs_conf *conf);

/* Called when SIGTERM or SIGINT arrives. Return 0 to stop the loop now, or 1 if the daemon is
 * draining and will call cs_daemon_quit() itself. A second signal stops the loop at once. */
typedef int(cs_daemon_stop_fn)(void *arg);

/* What a daemon reports about itself. Its counters are the rows of its tables (counters.h):
 * daemon.c prints every form of them, the control "status" answer (every counter, and
 * "ledger", the object of the CS_COUNTER_LEDGER ones), the STATUS= line (the phrase, then the
 * CS_COUNTER_LINE ones) and the ledger logged by cs_daemon_log_ledger(). */
struct cs_daemon_report {
    /* Its counters, read from @arg: called once, by cs_daemon_set_report(); the groups it
     * writes must stay valid for the daemon's lifetime. */
    cs_counter_groups_fn *counter_groups;
    /* Called before the counters are read, to bring computed ones up to date (rates,
     * latency percentiles). May be NULL. */
    void (*refresh)(void *arg);
    /* One word: what the daemon is doing ("recording", "ready", ...): "activity". */
    const char *(*activity)(void *arg);
    /* A short phrase of its state for the STATUS= line ("recording to 'x.h5'"), or "". */
    void (*phrase)(void *arg, char *buf, size_t size);
    /* Adds the members that are not counters (an object, say). May be NULL. Returns 0 or
     * -ENOMEM. */
    int (*add_json)(void *arg, json_t *status);
    void *arg;
};

/* Creates the loop, the signalfd and the control endpoint. NULL with errno on failure. */
cs_daemon_t *cs_daemon_new(const struct cs_conf *conf, enum cs_daemon_id which);
void cs_daemon_destroy(cs_daemon_t **self_p);

zloop_t *cs_daemon_loop(cs_daemon_t *self);
cs_control_t *cs_daemon_control(cs_daemon_t *self);

/* Sets the stop hook and what the daemon reports (@report is copied, and its counter groups
 * taken). */
void cs_daemon_set_report(cs_daemon_t *self, cs_daemon_stop_fn *on_stop,
                          const struct cs_daemon_report *report);

/* Logs the ledger, "ledger @when: {json}", at LOG_NOTICE: one compact JSON object of the
 * daemon's name ("daemon"), its role ("role"), its CS_COUNTER_LEDGER counters and
 * "lost_total", for people and programs alike. */
void cs_daemon_log_ledger(cs_daemon_t *self, const char *when);

/* A command's answer made of reported counters: {"ok":true, then the counters named in @names
 * (NULL-terminated), in that order} into @reply, as cs_control_answer() writes it. Returns 0
 * or a negative errno. */
int cs_daemon_answer_counters(cs_daemon_t *self, const char *const *names, char *reply,
                              size_t size);

/* The status answer's object (what "status" answers): a new reference, NULL on ENOMEM. */
json_t *cs_daemon_status(cs_daemon_t *self);

/* Marks the daemon unhealthy (the watchdog is no longer fed) or healthy again. */
void cs_daemon_set_healthy(cs_daemon_t *self, bool healthy);

/* Sends READY=1 and runs the loop until a stop. Returns 0, or a negative errno if the loop
 * failed. Sends STOPPING=1 on the way out. */
int cs_daemon_run(cs_daemon_t *self);

/* Ends the loop after the current handler (from a drain that has finished). */
void cs_daemon_quit(cs_daemon_t *self);

/* True once a stop signal has arrived. */
bool cs_daemon_stopping(const cs_daemon_t *self);

/* Sends STATUS= now (the loop also does it every second). */
void cs_daemon_update_status(cs_daemon_t *self);

/* The daemon's own object, built on a running cs_daemon_t. */
struct cs_daemon_impl {
    /* Creates it; NULL with errno on failure (EINVAL: a setting it cannot meet, exit 78). */
    void *(*create)(const struct cs_conf *conf, cs_daemon_t *daemon);
    void (*destroy)(void *self);
    /* The exit status after a stop (NULL: 0). */
    int (*exit_status)(const void *self);
};

/* The whole main() of a daemon: setup, create, run, destroy in reverse order. Returns the
 * process exit status. */
int cs_daemon_main(const struct cs_daemon_info *info, const struct cs_daemon_impl *impl, int argc,
                   char **argv);

/* Sets a zsock's high-water marks and linger; logs nothing. */
void cs_daemon_tune_socket(zsock_t *sock, int sndhwm, int rcvhwm, int linger_ms);

/* glibc's malloc as every daemon sets it before its threads start: freed frame buffers stay
 * in one heap instead of going back to the kernel. Returns 0, or -1 if glibc refused. Does
 * nothing under AddressSanitizer, whose allocator stands in for glibc's. */
int cs_daemon_tune_malloc(void);

/* Touches the pages of a few frames of @frame_bytes and frees them: they stay in the heap
 * (cs_daemon_tune_malloc()), so that the first frames of a run, and of each burst after it,
 * do not pay a page fault per 4 KiB (about 13 us each on a VM: 20 ms for a 1080p RGB frame,
 * in every daemon it crosses). */
void cs_daemon_prewarm(uint64_t frame_bytes);
