/* What an endpoint string says about where its traffic goes: its transport, and for tcp
 * whether it stays on this host (a loopback address). Decides which endpoints need CURVE or
 * an explicit allow_insecure_remote. Pure string and address parsing: no resolver, no
 * sockets. */
#pragma once

#include <stdbool.h>

/* True for "tcp://..." endpoints. */
bool cs_endpoint_is_tcp(const char *endpoint);

/* True for "ipc://..." endpoints. */
bool cs_endpoint_is_ipc(const char *endpoint);

/* True if tcp @endpoint can only be reached from this host: its host (after a "source;"
 * part, if any) is an IPv4 address in 127.0.0.0/8, the IPv6 loopback ::1 (bracketed or not,
 * or IPv4-mapped 127.x), "localhost" or the loopback interface "lo". Everything else counts
 * as remote, including "*", "0.0.0.0", host names and other interfaces: when unsure, the
 * endpoint is treated as reachable from other hosts. False for any other transport. */
bool cs_endpoint_is_loopback(const char *endpoint);

/* True for a tcp endpoint that is not loopback (see above). */
bool cs_endpoint_is_remote(const char *endpoint);
