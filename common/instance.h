/* One running copy of each daemon per stack: a lock file per daemon and stream in the stack's
 * runtime directory, taken before the daemon binds anything. A second copy started on the same
 * config would otherwise bind the same ipc endpoints, which takes them over from the first
 * (libzmq removes the socket file it finds there), while the first keeps running unseen. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

#include "config.h"

/* sysexits.h EX_TEMPFAIL: the exit status of a daemon refused because another copy runs. The
 * units restart on it (Restart=on-failure, within their start limit), so a unit started while
 * its previous process is still exiting comes up once that one has gone. */
#define CS_EX_TEMPFAIL 75

/* Writes "<runtime_dir>/<daemon>-<stream>.lock" into @buf. Returns 0, or -ENAMETOOLONG. */
int cs_instance_lock_path(const struct cs_conf *conf, enum cs_daemon_id which, char *buf,
                          size_t size);

/* Takes the lock of daemon @which of the stack of @conf (creating the file), and writes this
 * process's PID into it. The lock lasts until *@ret_fd is closed or the process ends, however it
 * ends: a daemon killed by SIGKILL leaves nothing to clean up. The file itself stays.
 * Returns 0 with the file's descriptor in *@ret_fd; -EBUSY if another process holds the lock,
 * with its PID in *@reterr_pid (0 if unknown); or a negative errno if the file cannot be opened
 * or locked. */
int cs_instance_lock(const struct cs_conf *conf, enum cs_daemon_id which, int *ret_fd,
                     pid_t *reterr_pid);
