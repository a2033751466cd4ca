/* The loss ledger of one subscriber: which frames of each run arrived, which did not and why.
 * Pure bookkeeping on frame headers, so that every subscriber counts the same way:
 *   received  frames delivered
 *   lost      frames numbered by camerad that never arrived (sequence gaps, tail at EOS)
 *   camera    frames the camera dropped (the header's camera_skipped), not counted as lost
 * The first frame seen in a run sets first_seq (a late join is not a loss), less the camera
 * drops just before it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frame.h"

enum cs_gap_reason { CS_GAP_NETWORK, CS_GAP_CAMERA, CS_GAP_QUEUE, CS_GAP_REASON_COUNT };

struct cs_gap {
    uint64_t first_seq;
    uint64_t count;
    enum cs_gap_reason reason;
};

struct cs_ledger_run {
    uint64_t run;
    uint64_t first_seq; /* the first frame seen: where this subscriber joined */
    uint64_t next_seq;  /* the frame expected next */
    uint64_t received;
    uint64_t lost;
    uint64_t camera;
    bool active; /* a frame of it was seen and its end-of-stream was not */
};

struct cs_ledger {
    struct cs_ledger_run cur;
    /* Totals over every run. */
    uint64_t received, lost, camera, stale, runs, runs_ended, runs_cut;
};

/* What a frame header meant to the ledger. */
enum cs_ledger_verdict {
    CS_LEDGER_NEXT,    /* the frame expected (possibly after a gap) */
    CS_LEDGER_NEW_RUN, /* the first frame of a run; the previous one, if active, was cut */
    CS_LEDGER_STALE,   /* a frame already accounted for (seq behind): ignore it */
};

const char *cs_gap_reason_name(enum cs_gap_reason reason);

void cs_ledger_init(struct cs_ledger *l);

/* Accounts for frame @hdr. Gaps before it are written into @ret_gaps (up to 2: the
 * network part, then the camera part just before the frame) with their number in
 * @ret_n_gaps. */
enum cs_ledger_verdict cs_ledger_frame(struct cs_ledger *l, const struct cs_frame_hdr *hdr,
                                       struct cs_gap ret_gaps[2], size_t *ret_n_gaps);

/* Accounts for end-of-stream @hdr (its seq is the number of frames the run had; its
 * camera_skipped, the camera drops after the last frame sent). Returns true if it ends the
 * current run, with the tail's gaps, as cs_ledger_frame() gives them, in @ret_gaps. */
bool cs_ledger_eos(struct cs_ledger *l, const struct cs_frame_hdr *hdr, struct cs_gap ret_gaps[2],
                   size_t *ret_n_gaps);

/* Ends the current run without an end-of-stream (a stop before it arrived). */
void cs_ledger_cut(struct cs_ledger *l);
