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

static void
s_start_run(struct cs_ledger *l, const struct cs_frame_hdr *hdr)
{
    cs_ledger_cut(l);
    memset(&l->cur, 0, sizeof l->cur);
    l->cur.run = hdr->run;
    l->cur.first_seq = hdr->seq;
    l->cur.next_seq = hdr->seq;
    l->cur.active = true;
    l->runs++;
}

enum cs_ledger_verdict
cs_ledger_frame(struct cs_ledger *l, const struct cs_frame_hdr *hdr, struct cs_gap ret_gaps[2],
                size_t *ret_n_gaps)
{
    enum cs_ledger_verdict verdict = CS_LEDGER_NEXT;
    struct cs_ledger_run *r = &l->cur;
    uint64_t gap, camera;

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
    gap = hdr->seq - r->next_seq;
    camera = hdr->camera_skipped < gap ? hdr->camera_skipped : gap;
    if (gap > camera) {
        ret_gaps[(*ret_n_gaps)++] = (struct cs_gap){ r->next_seq, gap - camera, CS_GAP_NETWORK };
        r->lost += gap - camera;
        l->lost += gap - camera;
    }
    if (camera > 0) {
        ret_gaps[(*ret_n_gaps)++] = (struct cs_gap){ hdr->seq - camera, camera, CS_GAP_CAMERA };
        r->camera += camera;
        l->camera += camera;
    }
    r->received++;
    l->received++;
    r->next_seq = hdr->seq + 1;
    return verdict;
}

bool
cs_ledger_eos(struct cs_ledger *l, const struct cs_frame_hdr *hdr, struct cs_gap *ret_gap,
              size_t *ret_n_gaps)
{
    struct cs_ledger_run *r = &l->cur;

    *ret_n_gaps = 0;
    if (!r->active || hdr->run != r->run)
        return false; /* the end of a run we saw nothing of */
    if (hdr->seq > r->next_seq) {
        *ret_gap = (struct cs_gap){ r->next_seq, hdr->seq - r->next_seq, CS_GAP_NETWORK };
        *ret_n_gaps = 1;
        r->lost += hdr->seq - r->next_seq;
        l->lost += hdr->seq - r->next_seq;
        r->next_seq = hdr->seq;
    }
    r->active = false;
    l->runs_ended++;
    return true;
}
