/* Logging for the daemons: one backend chosen at start-up. Under systemd (JOURNAL_STREAM names
 * our stderr) lines go to the journal with structured fields; otherwise to stderr with a
 * syslog "<N>" prefix, or with a level letter and the time when stderr is a terminal. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <syslog.h>

/* Chooses the backend and sets the identifier (daemon name) and the stream added to every
 * journal entry as CAMSTACK_DAEMON= and CAMSTACK_STREAM=. @ident is borrowed for the process
 * lifetime. */
void cs_log_open(const char *ident);
void cs_log_set_stream(const char *stream);

/* Messages with a priority above @max_prio (LOG_DEBUG shows everything) are not written. */
void cs_log_set_max_priority(int max_prio);
int cs_log_get_max_priority(void);

/* Parses "err", "warning", "notice", "info", "debug" (or a digit 0-7). Returns 0 or -EINVAL. */
int cs_log_parse_priority(const char *s, int *ret_prio);

/* Sets the run id added to journal entries as CAMSTACK_RUN= (0: none). */
void cs_log_set_run(uint64_t run);

void cs_log(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Logs "<message>: <strerror(-r)>" and returns @r (a negative errno), so that a caller can
 * log and return in one statement. */
int cs_log_errno(int prio, int r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* True when the journal backend is in use. */
bool cs_log_to_journal(void);
