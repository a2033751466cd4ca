/* camstackctl's commands about the whole stack: each takes the command's words (its name
 * first) and returns the exit status, as camstackctl(1) says. */
#pragma once

/* status [--json] | status --all [--json]: one row per daemon, or one block per stack. */
int stackcmd_status(int argc, char **argv);

/* metrics: every daemon's status in Prometheus's text format (common/metrics.h). */
int stackcmd_metrics(int argc, char **argv);
