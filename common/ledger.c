#include "ledger.h"

#include <string.h>

static const char *const s_reason_names[CS_GAP_REASON_COUNT] = {
    [CS_GAP_NETWORK] = "network",
    [CS_GAP_CAMERA] = "camera",
    [CS_GAP_QUEUE] = "queue",
};

const char *
cs_gap_reason_name(enum cs_gap_reason reason)
{
    return reason < CS_GAP_REASON_COUNT ? s_reason_names[reason] : "unknown";
}

void
cs_ledger_init(struct cs_ledger *l)
{
    memset(l, 0, sizeof *l);
}

void
cs_ledger_cut(struct cs_ledger *l)
{
    if (!l->cur.active)
        return;
    l->cur.active = false;
    l->runs_cut++;
}

/* The first frame seen of a run. Frames the camera dropped just before it belong to the run
 * as camera drops, so the run is taken to start where they do. */
static void
s_start_run(struct cs_ledger *l, const struct cs_frame_hdr *hdr)
{
    uint64_t camera = hdr->camera_skipped < hdr->seq ? hdr->camera_skipped : hdr->seq;

    cs_ledger_cut(l);
    memset(&l->cur, 0, sizeof l->cur);
    l->cur.run = hdr->run;
    l->cur.first_seq = hdr->seq - camera;
    l->cur.next_seq = hdr->seq - camera;
    l->cur.active = true;
    l->runs++;
}

/* Accounts for the frames from next_seq up to (not including) @upto: the last
 * @camera_skipped of them the camera dropped, the others were lost on the way. */
static void
s_account_gap(struct cs_ledger *l, uint64_t upto, uint32_t camera_skipped,
              struct cs_gap ret_gaps[2], size_t *ret_n_gaps)
{
    struct cs_ledger_run *r = &l->cur;
    uint64_t gap = upto - r->next_seq;
    uint64_t camera = camera_skipped < gap ? camera_skipped : gap;

    *ret_n_gaps = 0;
    if (gap > camera) {
        ret_gaps[(*ret_n_gaps)++] = (struct cs_gap){ r->next_seq, gap - camera, CS_GAP_NETWORK };
        r->lost += gap - camera;
        l->lost += gap - camera;
    }
    if (camera > 0) {
        ret_gaps[(*ret_n_gaps)++] = (struct cs_gap){ upto - camera, camera, CS_GAP_CAMERA };
        r->camera += camera;
        l->camera += camera;
    }
    r->next_seq = upto;
}

enum cs_ledger_verdict
cs_ledger_frame(struct cs_ledger *l, const struct cs_frame_hdr *hdr, struct cs_gap ret_gaps[2],
                size_t *ret_n_gaps)
{
    enum cs_ledger_verdict verdict = CS_LEDGER_NEXT;
    struct cs_ledger_run *r = &l->cur;

    *ret_n_gaps = 0;
    if (!r->active || hdr->run != r->run) {
        if (!r->active && hdr->run == r->run && hdr->seq < r->next_seq) {
            l->stale++; /* a straggler of a run that already ended */
            return CS_LEDGER_STALE;
        }
        s_start_run(l, hdr);
        verdict = CS_LEDGER_NEW_RUN;
    } else if (hdr->seq < r->next_seq) {
        l->stale++;
        return CS_LEDGER_STALE;
    }
    s_account_gap(l, hdr->seq, hdr->camera_skipped, ret_gaps, ret_n_gaps);
    r->received++;
    l->received++;
    r->next_seq = hdr->seq + 1;
    return verdict;
}

bool
cs_ledger_eos(struct cs_ledger *l, const struct cs_frame_hdr *hdr, struct cs_gap ret_gaps[2],
              size_t *ret_n_gaps)
{
    struct cs_ledger_run *r = &l->cur;

    *ret_n_gaps = 0;
    if (!r->active || hdr->run != r->run)
        return false; /* the end of a run we saw nothing of */
    if (hdr->seq > r->next_seq)
        s_account_gap(l, hdr->seq, hdr->camera_skipped, ret_gaps, ret_n_gaps);
    r->active = false;
    l->runs_ended++;
    return true;
}
