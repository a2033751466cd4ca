/* camstackctl status --all: every stack of the host (the NAME.ini files of the configuration
 * directory), one block each: its daemons as status shows them and its memory budget, the
 * frames its queues may hold as its running daemons report them; then the host's available
 * memory against the budgets together, with a warning (never a refusal) when they exceed it. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "client.h"
#include "config.h"

struct allstacks_opts {
    const char *dir;     /* the configuration directory */
    bool json;           /* one JSON object instead of the blocks */
    int timeout_ms;      /* for each stack's answers */
    const char *meminfo; /* where MemAvailable is read: /proc/meminfo */
};

/* The memory budget of each daemon that answered @answers, in bytes, into @ret_bytes (0 for
 * one that did not): the frames its queues may hold ("queue_budget_frames") of the stack's
 * frame size, plus the bytes of a queue it bounds in bytes ("queue_limit_bytes": saverd's
 * write queue). Returns their sum. */
uint64_t allstacks_budget(const struct cs_conf *conf,
                          const struct cs_client_answer answers[CS_DAEMON_COUNT],
                          uint64_t ret_bytes[CS_DAEMON_COUNT]);

/* MemAvailable of the meminfo file at @path (/proc/meminfo), in bytes. Returns 0, -errno if
 * it cannot be read, or -ENOENT if it has no such line. */
int allstacks_mem_available(const char *path, uint64_t *ret_bytes);

/* Shows every stack of @o->dir on @out, warnings and the daemons that are down on @err.
 * Returns 0; 1 if a stack's file does not load or collides with another's, or a stack runs
 * with a daemon down that it needs (a stack none of whose daemons runs is "not running", not
 * a failure); 78 if the directory cannot be read. */
int allstacks_status(const struct allstacks_opts *o, FILE *out, FILE *err);
