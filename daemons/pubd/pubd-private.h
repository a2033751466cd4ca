/* pubd's state, shared by its modules: pubd.c (sockets, lifecycle), security.c (CURVE and ZAP
 * setup), ingest.c (reading, validating, run tracking), fanout.c (sending), subscriptions.c
 * (joins and leaves), command.c (the "subscribers" command), stop.c (the stop) and status.c
 * (STATUS=, status JSON, ledger). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <czmq.h>

#include "auth.h"
#include "control.h"
#include "curve.h"
#include "fanout.h"
#include "outbox.h"
#include "latency.h"
#include "pubd.h"
#include "rate.h"
#include "sockbuf.h"

#define PUBD_BATCH       64 /* messages read per wake-up, on the ingest and on a publish socket */
#define PUBD_WAITERS_MAX 16

/* A "subscribers N T" request held until N frame subscribers are there or T ms passed. */
struct pubd_waiter {
    zmsg_t *envelope;
    unsigned want;
    uint64_t deadline_ns;
};

struct pubd {
    const struct cs_conf *conf;
    cs_daemon_t *daemon;
    zloop_t *loop;
    zsock_t *ingest;
    zsock_t *publish[CS_ENDPOINTS_MAX];
    cs_sockbuf_t *sockbuf[CS_ENDPOINTS_MAX]; /* sizes the ipc subscribers' send buffers */
    unsigned n_publish;
    fanout_t *fanout; /* sends to the publish sockets */
    auth_t *auth;     /* guards the tcp publish endpoints; NULL if there is none */
    char frame_topic[CS_TOPIC_MAX];
    size_t frame_topic_len;
    unsigned frame_subs;   /* subscriptions that receive this stream's frames */
    unsigned preview_subs; /* subscriptions to the preview topic (preview.c) */
    char preview_topic[CS_TOPIC_MAX];
    size_t preview_topic_len;
    uint64_t preview_period_ns; /* 1 / [viewd] fps */
    uint64_t preview_due_ns;    /* CLOCK_MONOTONIC when the next preview is due */
    unsigned other_subs;        /* stats and other topics */
    struct pubd_counters c;
    struct pubd_waiter waiters[PUBD_WAITERS_MAX];
    int waiter_timer;
    struct cs_rate rate_frames, rate_bytes;
    /* The run whose frames are flowing: at stop, pubd waits (up to linger_ms) for its
     * end-of-stream, which may still be on its way from camerad. */
    uint64_t open_run;
    uint64_t next_seq; /* after the last frame of open_run forwarded: how far the stream is */
    bool run_open;
    bool stopping;
    bool stopped;
    int stop_timer;
    uint64_t stop_deadline_ns; /* everything at stop (waiting, delivering) ends by then */
    struct cs_latency latency; /* capture to receipt on the ingest, of every frame */
    struct cs_latency_report latency_report; /* as of the last status_refresh() */
    uint64_t queue_budget_frames;            /* camerad's send queue and the ingest queue */
    /* With the unpaced test pattern the slowest subscriber sets the pace: frames are held
     * for it (fanout.c) instead of being dropped. */
    bool hold_frames;
    /* startwait.c: the frame subscribers pubd waits for before it reads the ingest (0: none
     * or no longer), and for how long at most. */
    unsigned start_want;
    unsigned start_wait_ms;
    int start_timer;
    unsigned noted_subs; /* frame_subs as last written for the next pubd */
};

/* ingest.c: handles up to @max messages waiting on the ingest. Returns how many were read. */
int ingest_pump(pubd_t *self, int max);
/* ingest.c: the zloop reader of the ingest. */
int ingest_on_readable(zloop_t *loop, zsock_t *sock, void *arg);
/* ingest.c: stops reading the ingest while a frame is held (fanout_hooks.pause), and reads it
 * again (fanout_hooks.resume: 0, or -1 if it cannot, logged). */
void ingest_pause(void *arg);
int ingest_resume(void *arg);

/* startwait.c: with [camerad] wait_subscribers = N, or with auto the number the previous
 * pubd had, stops reading the ingest until that many frame subscribers are connected or the
 * time is up. Returns 0, or -ENOMEM. */
int startwait_begin(pubd_t *self);
/* startwait.c: reads the ingest again if the subscribers waited for are there. */
void startwait_check(pubd_t *self);
/* startwait.c: notes the number of frame subscribers for the next pubd (wait_subscribers =
 * auto) if it changed. */
void startwait_note(pubd_t *self);
/* startwait.c: ends the timer (pubd_destroy). */
void startwait_end(pubd_t *self);

/* preview.c: the preview topic's name and rate, from the config. */
void preview_init(pubd_t *self);
/* preview.c: true if a subscription to @topic (@n bytes) receives the preview topic. */
bool preview_matches(const pubd_t *self, const uint8_t *topic, size_t n);
/* preview.c: publishes copies of frame or end-of-stream @parts on the preview topic if a
 * preview is due and someone subscribes to it; never holds it. */
void preview_offer(pubd_t *self, zmq_msg_t *parts, int n, const struct cs_frame_hdr *hdr);

/* subscriptions.c: the zloop reader of a publish socket (subscribe and unsubscribe). */
int subscriptions_on_readable(zloop_t *loop, zsock_t *sock, void *arg);

/* command.c: the "subscribers [N [MS]]" control command. */
int command_subscribers(void *arg, struct cs_control_req *req, char *reply, size_t size);
/* command.c: answers the held requests that are satisfied (or all of them). */
void command_answer_waiters(pubd_t *self, bool all);
/* command.c: the zloop timer that answers held requests whose time is up. */
int command_on_tick(zloop_t *loop, int timer_id, void *arg);

/* stop.c: the daemon's stop handler (cs_daemon_stop_fn). */
int stop_begin(void *arg);
/* stop.c: called when the last thing a stop waits for may have happened. */
void stop_check(pubd_t *self);

/* status.c: hands what pubd reports to the daemon (cs_daemon_set_report()): its counters'
 * table, its activity and the phrase of STATUS=. */
void pubd_set_report(pubd_t *self, cs_daemon_stop_fn *on_stop);

/* security.c: sets up the ZAP handler and pubd's key pair when a publish endpoint is tcp.
 * Returns 0, or -EINVAL for a certificate or directory it cannot use (a configuration
 * error). */
int security_setup(pubd_t *self, struct cs_curve_pair *ret_pair, bool *ret_curve);
