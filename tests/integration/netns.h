/* Two hosts on one machine for the remote tests: two network namespaces joined by a veth
 * pair (iproute2), 10.66.0.1/24 in the first and 10.66.0.2/24 in the second, loopback up
 * in both. Names carry the PID of the process that made them, so that runs never collide
 * and leftovers of a killed run can be recognised and removed. Needs root. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#define NETNS_ADDR_A "10.66.0.1"
#define NETNS_ADDR_B "10.66.0.2"

struct netns_pair {
    char a[48], b[48]; /* namespace names; "" when not made */
};

/* True if this process may make network namespaces (root, and ip(8) is there). */
bool netns_available(void);

/* Makes the pair number @index of this process. Returns 0 or -1 (with why on stderr); on
 * failure nothing is left behind. */
int netns_pair_create(struct netns_pair *p, unsigned index);

/* Kills every process still inside either namespace (by the PIDs `ip netns pids` gives),
 * then deletes both (the veth pair goes with them). Safe to call twice. */
void netns_pair_destroy(struct netns_pair *p);

/* Removes the namespaces that processes @owner made (any index), or, with @owner 0, those of
 * every camstack test process that no longer exists. */
void netns_sweep(pid_t owner);

/* Forks: returns 0 in the child, which goes on to run the tests, or -errno if it cannot
 * fork. This process waits for the child and exits with its exit status, never returning.
 * Whatever way the child ends, and also when this process gets SIGTERM, SIGINT or SIGHUP (a
 * test timeout), every process the child left behind is killed (this process is their
 * subreaper), the namespaces it made are removed, and @cleanup (if not NULL) is called with
 * the child's PID, before exiting. */
int netns_guard(void (*cleanup)(pid_t child));
