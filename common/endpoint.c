#include "endpoint.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

bool
cs_endpoint_is_tcp(const char *endpoint)
{
    return strncmp(endpoint, "tcp://", 6) == 0;
}

bool
cs_endpoint_is_ipc(const char *endpoint)
{
    return strncmp(endpoint, "ipc://", 6) == 0;
}

/* True if the address text @host (no brackets, no port) is a loopback address. */
static bool
s_host_is_loopback(const char *host)
{
    struct in_addr a4;
    struct in6_addr a6;

    if (strcmp(host, "localhost") == 0 || strcmp(host, "lo") == 0)
        return true;
    if (inet_pton(AF_INET, host, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) == 127;
    if (inet_pton(AF_INET6, host, &a6) == 1) {
        if (IN6_IS_ADDR_LOOPBACK(&a6))
            return true;
        return IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127;
    }
    return false;
}

bool
cs_endpoint_is_loopback(const char *endpoint)
{
    char host[256];
    const char *start, *end;
    size_t len;

    if (!cs_endpoint_is_tcp(endpoint))
        return false;
    start = endpoint + 6;
    /* "tcp://source;host:port" connects from source to host: host is what counts. */
    if (strchr(start, ';'))
        start = strchr(start, ';') + 1;
    end = strrchr(start, ':');
    if (!end || end == start)
        return false;
    if (start[0] == '[') {
        if (end[-1] != ']')
            return false;
        start++;
        end--;
    }
    len = (size_t) (end - start);
    if (len == 0 || len >= sizeof host)
        return false;
    memcpy(host, start, len);
    host[len] = '\0';
    return s_host_is_loopback(host);
}

bool
cs_endpoint_is_remote(const char *endpoint)
{
    return cs_endpoint_is_tcp(endpoint) && !cs_endpoint_is_loopback(endpoint);
}
