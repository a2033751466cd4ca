/* camerad's state, shared by its modules: camerad.c (lifecycle, the push socket),
 * acquisition.c (the state machine: runs, the device absent or lost, idle), push.c (frames and
 * end-of-stream to pubd), pacing.c (reading the source as fast as pubd takes it), waiting.c
 * (waiting for subscribers before the first run), command.c ("acquire"), settings.c
 * ("camera": the source's settings, each change sent in-band by cammsg.c) and status.c
 * (the counters' table, the activity and the STATUS= phrase). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <czmq.h>

#include "camera.h"
#include "camerad.h"
#include "control.h"
#include "frame.h"
#include "latency.h"
#include "rate.h"
#include "sockbuf.h"
#include "source.h"

/* At the end of a run, how long camerad waits for pubd to take its last frames and the
 * end-of-stream (the send timeout of the end-of-stream, then the socket's linger). Frames
 * still queued after it are dropped by ZeroMQ when camerad exits, and the run is cut. */
#define CAMERAD_EOS_TIMEOUT_MS 30000
#define CAMERAD_RETRY_FIRST_MS 100 /* first retry after the device failed; doubled up to: */
#define CAMERAD_RETRY_MAX_MS   2000
/* camera messages waiting for pubd, and changes kept for the next run: more are refused */
#define CAMERAD_CAMERA_OUT_MAX   64
#define CAMERAD_IDLE_CHANGES_MAX 64

/* waiting (for subscribers) happens once, before the first run. Between runs that the
 * operator steers with "acquire", camerad is idle; without steering, the end of the run
 * (frames = N) ends camerad. Only acquisition_enter() changes the state. */
enum acq_state { ACQ_WAITING, ACQ_NO_DEVICE, ACQ_RUNNING, ACQ_IDLE, ACQ_ENDED, ACQ_STATE_COUNT };

struct camerad {
    const struct cs_conf *conf;
    cs_daemon_t *daemon;
    zloop_t *loop;
    const struct source_ops *ops;
    struct source *src;
    struct source_format fmt;
    zsock_t *push;
    cs_sockbuf_t *sockbuf; /* sizes the push connection's send buffer */
    void *push_handle;
    enum acq_state state;
    int exit_status;
    struct camerad_counters c;
    struct source_transport transport; /* a network camera's packets (source_sink.transport) */
    /* How many frames the acquisition takes: [camerad] frames, or what "acquire start" asked
     * for, counted from c.captured == frames_base (0: until stopped). */
    uint64_t frames_limit;
    uint64_t frames_base;
    bool steered;          /* an "acquire" command came: a run's end leaves camerad idle */
    uint32_t pending_skip; /* camera skips not yet carried by a sent frame */
    /* the device: absent, lost, or stalled */
    int retry_timer;
    uint32_t retry_ms; /* the next retry's delay */
    int device_error;  /* why the source is not running (0 while it is) */
    int stall_timer;
    uint64_t last_frame_ns; /* CLOCK_MONOTONIC of the last frame, or of the run's start */
    char topic[CS_TOPIC_MAX];
    size_t topic_len;
    /* the frame being filled between begin() and commit() */
    zmq_msg_t payload;
    bool payload_open;
    struct source_sink sink;
    bool waiting_room; /* a source that can wait is paused until pubd has room */
    /* waiting for subscribers */
    uint32_t wait_subscribers; /* wait_subscribers resolved: auto is a number here */
    zsock_t *req;
    int wait_timer;
    uint64_t wait_started_ns;
    struct cs_rate rate, rate_bytes;
    struct cs_latency latency; /* capture to the hand-over to pubd, of every frame captured */
    /* as of the last status_refresh() */
    struct cs_latency_report latency_report;
    char fourcc[5];
    uint64_t queue_budget_frames; /* 0: no queue of the stack before camerad */
    /* camera messages (cammsg.c): encoded, waiting to go to pubd before the next frame */
    char camera_topic[CS_TOPIC_MAX];
    size_t camera_topic_len;
    zlist_t *camera_out;
    uint64_t camera_index; /* the next change's number in the run */
    /* changes made outside a run: sent at the next run's start, applying from its seq 0 */
    struct cs_camera_change idle_changes[CAMERAD_IDLE_CHANGES_MAX];
    unsigned n_idle_changes;
};

/* acquisition.c: the one transition of the state machine. It logs the change, assigns
 * @to and updates STATUS=. @error is the source's error when @to is ACQ_NO_DEVICE (the
 * failure is logged when it changes, not at every try), 0 otherwise. */
void acquisition_enter(camerad_t *self, enum acq_state to, int error);
const char *acquisition_state_name(enum acq_state state);
/* acquisition.c: opens the source if it is closed. Returns 0 or a negative errno (-EINVAL: a
 * request it cannot meet, a config error). */
int acquisition_open_source(camerad_t *self);
/* acquisition.c: starts a run, opening the source first if needed. A device that is not there
 * is waited for; a request it cannot meet stops camerad with status 78. */
void acquisition_try_start(camerad_t *self);
/* acquisition.c: starts a run with the open source. Returns 0 or a negative errno. */
int acquisition_start_capture(camerad_t *self);
/* acquisition.c: the source is absent or failed with @r: wait for it, with a backoff (or,
 * for -EINPROGRESS, a source still opening, ask it again after CAMERAD_RETRY_FIRST_MS). */
void acquisition_wait_device(camerad_t *self, int r);
/* acquisition.c: the running source failed with @r: the run ends, the source is waited for. */
void acquisition_lose_device(camerad_t *self, int r);
/* acquisition.c: ends the run (or the wait for a device) and waits for "acquire start". */
void acquisition_go_idle(camerad_t *self);
/* acquisition.c: ends the run and stops the loop. */
void acquisition_end(camerad_t *self);
/* acquisition.c: ends the timers of the device's retry and of the stall check. */
void acquisition_cancel_timers(camerad_t *self);

/* push.c: sets up the sink the source fills (each frame is pushed to pubd on commit). */
void push_init_sink(camerad_t *self);
/* push.c: sends the run's end-of-stream, waiting up to CAMERAD_EOS_TIMEOUT_MS. */
void push_send_eos(camerad_t *self);

/* pacing.c: listens to the source's descriptor. Returns 0 or a negative errno. */
int pacing_poll_source(camerad_t *self);
/* pacing.c: stops listening to the source and, if it waited for pubd's room, to the socket. */
void pacing_unpoll_source(camerad_t *self);

/* waiting.c: wait_subscribers resolved (auto: the subscriber units systemd started). */
uint32_t waiting_resolve(uint32_t wait);
/* waiting.c: asks pubd how many frame subscribers it has, until there are enough. */
void waiting_ask(camerad_t *self);
/* waiting.c: stops asking. */
void waiting_stop(camerad_t *self);

/* command.c: the "acquire start [FRAMES] | acquire stop" control command. */
int command_acquire(void *arg, struct cs_control_req *req, char *reply, size_t size);
/* command.c: the "trigger" control command (a software trigger). */
int command_trigger(void *arg, struct cs_control_req *req, char *reply, size_t size);

/* settings.c: the "camera list | get NAME | set NAME VALUE" control command. */
int command_camera(void *arg, struct cs_control_req *req, char *reply, size_t size);
/* settings.c: a run began: its camera messages (the identity, the changes made since the last
 * run) are queued to go before its first frame. */
void settings_run_begin(camerad_t *self);

/* cammsg.c: queues camera message @msg to go to pubd before the next frame. Returns 0, or
 * -ENOBUFS (CAMERAD_CAMERA_OUT_MAX wait already), -ENOMEM. */
int cammsg_queue(camerad_t *self, const struct cs_camera_msg *msg);
/* cammsg.c: sends the queued camera messages; with @wait, each waits up to the end-of-stream's
 * timeout. Returns 0 once none is left, or -EAGAIN (pubd has no room: the next frame must not
 * overtake them) or another -errno. */
int cammsg_flush(camerad_t *self, bool wait);
/* cammsg.c: the messages' topic and queue; cammsg_fini() drops what is left. */
int cammsg_init(camerad_t *self);
void cammsg_fini(camerad_t *self);
/* pacing.c: during a run, reads the frames the source has ready now (a source that can wait
 * has none ready: it draws them when read). */
void pacing_read_ready(camerad_t *self);

/* status.c: hands what camerad reports to the daemon (cs_daemon_set_report()): its counters'
 * table, its activity and the phrase of STATUS=. */
void camerad_set_report(camerad_t *self, cs_daemon_stop_fn *on_stop);
