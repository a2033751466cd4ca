/* gvlink: a GigE Vision camera's network link that loses packets and resends them, in front of
 * Aravis's simulated camera (arv-fake-gv-camera-0.8), for the packet resend test.
 *
 * The simulator keeps its GVCP capabilities in its memory with the packet resend bit clear,
 * and it has no answer to PACKETRESEND_CMD (arvgvfakecamera.c's _handle_control_packet() ends
 * it in "Unknown command"): Aravis therefore never asks it for a packet again. gvlink makes the
 * pair a camera that resends:
 *
 * - it sets the packet resend bit of the simulator's GVCP capability register (0x0934, its
 *   memory, written over GVCP before any application takes control), so that Aravis asks;
 * - it answers on its own address's GVCP port, passing every command on to the simulator and
 *   every answer back, but for the stream channel's destination (0x0d00, 0x0d18), which it
 *   points at itself, keeping the application's;
 * - it passes the stream on to the application, losing the first transmission of data packets
 *   (packet id p of block b when (b + p) is a multiple of LOSE_EVERY: a fixed pattern), and
 *   keeps the packets of the last blocks;
 * - it answers PACKETRESEND_CMD with the packets asked for that it has: those it lost on their
 *   first way, and any other it passed. A packet the simulator lost itself (its
 *   --gvsp-lost-ratio) never reached gvlink: asked for, it is unavailable, and its frame
 *   cannot be made whole.
 *
 * It passes BLOCKS blocks (frames) on, by the camera's numbering from the first it sees, and
 * no later one (the camera's later frames never arrive), still answering resend requests: the
 * application's counters then settle.
 * Its counters are in COUNTS (a JSON object, rewritten whenever they change but for a packet
 * passed, and at SIGTERM).
 *
 * usage: gvlink ADDRESS CAMERA_ADDRESS LOSE_EVERY BLOCKS COUNTS */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define S_GVCP_PORT                3956
#define S_CMD_KEY                  0x42
#define S_PACKET_RESEND_CMD        0x0040
#define S_READ_REGISTER_CMD        0x0080
#define S_WRITE_REGISTER_CMD       0x0082
#define S_WRITE_MEMORY_CMD         0x0086
#define S_CAPABILITY_REG           0x0934
#define S_CAPABILITY_PACKET_RESEND (1u << 2)
#define S_SCP_PORT_REG             0x0d00 /* stream channel 0: its destination's port */
#define S_SCDA_REG                 0x0d18 /* stream channel 0: the destination's IPv4 address */
#define S_CONTENT_PAYLOAD          3
#define S_PACKET_MAX               9000
#define S_BLOCKS                   64   /* blocks kept for resending */
#define S_PACKETS                  4096 /* packets of a block kept */
#define S_CLIENTS                  16   /* applications' sockets talking GVCP */

/* What gvlink counts, each once, printed by name. */
struct counts {
    uint64_t blocks;           /* blocks (frames) of which packets came and were passed on */
    uint64_t blocks_with_loss; /* of which a packet was lost on its first way */
    uint64_t lost_first;       /* packets lost on their first way */
    uint64_t requested;        /* packets asked for again (PACKETRESEND_CMD's ranges) */
    uint64_t resent;           /* packets sent again when asked */
    uint64_t unavailable;      /* packets asked for that never reached gvlink */
    uint64_t withheld;         /* packets of later blocks, not passed on */
    uint64_t held;             /* 1 once a packet of a later block came */
};

static const struct {
    const char *name;
    size_t offset;
} s_count_names[] = {
#define S_C(f)                         \
    {                                  \
#f, offsetof(struct counts, f) \
    }
    S_C(blocks), S_C(blocks_with_loss), S_C(lost_first), S_C(requested),
    S_C(resent), S_C(unavailable),      S_C(withheld),   S_C(held),
#undef S_C
};

struct block {
    bool used, lossy;
    uint16_t id;
    uint8_t *packet[S_PACKETS];
    uint16_t len[S_PACKETS];
};

struct client {
    struct sockaddr_in addr; /* the application's socket */
    int up;                  /* gvlink's socket to the simulator for it */
    uint64_t last_use;
};

struct link {
    int gvcp, gvsp;            /* gvlink's GVCP port, and the stream's from the simulator */
    struct sockaddr_in camera; /* the simulator's GVCP port */
    struct sockaddr_in self;   /* gvlink's address, the stream's port */
    struct sockaddr_in app;    /* where the application wants the stream */
    unsigned lose_every;
    uint64_t max_blocks;
    const char *counts_path;
    struct counts c;
    struct block blocks[S_BLOCKS];
    struct client clients[S_CLIENTS];
    uint64_t uses;
    bool have_first;
    uint16_t first; /* the first block's id */
};

static volatile sig_atomic_t s_stop;

static void
s_on_signal(int sig)
{
    (void) sig;
    s_stop = 1;
}

static void
s_die(const char *what)
{
    fprintf(stderr, "gvlink: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void
s_write_counts(const struct link *l)
{
    char tmp[4096];
    FILE *f;

    (void) snprintf(tmp, sizeof tmp, "%s.tmp", l->counts_path);
    f = fopen(tmp, "w");
    if (!f)
        s_die(tmp);
    fputc('{', f);
    for (size_t i = 0; i < sizeof s_count_names / sizeof s_count_names[0]; i++)
        fprintf(f, "%s\"%s\": %llu", i ? ", " : "", s_count_names[i].name,
                (unsigned long long) *(const uint64_t *) ((const char *) &l->c
                                                          + s_count_names[i].offset));
    fputs("}\n", f);
    if (fclose(f) != 0 || rename(tmp, l->counts_path) != 0)
        s_die(l->counts_path);
}

static int
s_udp(uint32_t addr_be, uint16_t port)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

    a.sin_addr.s_addr = addr_be;
    if (fd < 0 || bind(fd, (struct sockaddr *) &a, sizeof a) < 0)
        s_die("bind");
    return fd;
}

/* Sends one datagram; one to a socket gone (refused) is lost, as on a wire. */
static void
s_send(int fd, const void *p, size_t n, const struct sockaddr_in *to)
{
    if (sendto(fd, p, n, 0, (const struct sockaddr *) to, sizeof *to) < 0 && errno != ECONNREFUSED)
        s_die("sendto");
}

static uint32_t
s_get32(const uint8_t *p)
{
    return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

static void
s_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t) (v >> 24);
    p[1] = (uint8_t) (v >> 16);
    p[2] = (uint8_t) (v >> 8);
    p[3] = (uint8_t) v;
}

/* One GVCP command to the simulator and its answer's first data word (a register's value);
 * asked again until it answers (it may still be starting). */
static uint32_t
s_register_cmd(const struct link *l, uint16_t cmd, uint32_t reg, uint32_t value)
{
    int fd = s_udp(l->self.sin_addr.s_addr, 0);
    uint8_t p[S_PACKET_MAX];
    size_t n = cmd == S_WRITE_REGISTER_CMD ? 16 : 12;

    for (int tries = 0; tries < 100; tries++) {
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        ssize_t got;

        p[0] = S_CMD_KEY;
        p[1] = 0x01; /* acknowledge required */
        p[2] = (uint8_t) (cmd >> 8);
        p[3] = (uint8_t) cmd;
        p[4] = 0;
        p[5] = (uint8_t) (n - 8);
        p[6] = 0;
        p[7] = (uint8_t) (tries + 1);
        s_put32(p + 8, reg);
        s_put32(p + 12, value);
        s_send(fd, p, n, &l->camera);
        if (poll(&pfd, 1, 100) == 1 && (got = recv(fd, p, sizeof p, 0)) >= 12) {
            (void) close(fd);
            return s_get32(p + 8);
        }
    }
    errno = ETIMEDOUT;
    s_die("the simulated camera does not answer");
    return 0;
}

/* One word of a write on its way to the simulator, at register @reg: the stream channel's
 * destination becomes gvlink's stream port, the application's kept. */
static void
s_redirect_word(struct link *l, uint32_t reg, uint8_t *v)
{
    uint32_t val = s_get32(v);

    if (reg == S_SCP_PORT_REG) {
        l->app.sin_port = htons((uint16_t) val);
        s_put32(v, (val & 0xffff0000u) | ntohs(l->self.sin_port));
    } else if (reg == S_SCDA_REG) {
        l->app.sin_addr.s_addr = htonl(val);
        s_put32(v, ntohl(l->self.sin_addr.s_addr));
    }
}

/* A command on its way to the simulator: register writes are (address, value) pairs, memory
 * writes an address and the bytes from there. */
static void
s_redirect(struct link *l, uint8_t *p, size_t n)
{
    uint16_t cmd = (uint16_t) (p[2] << 8 | p[3]);

    if (cmd == S_WRITE_REGISTER_CMD) {
        for (size_t off = 8; off + 8 <= n; off += 8)
            s_redirect_word(l, s_get32(p + off), p + off + 4);
    } else if (cmd == S_WRITE_MEMORY_CMD && n >= 12) {
        uint32_t reg = s_get32(p + 8);

        for (size_t k = 12; k + 4 <= n; k += 4, reg += 4)
            s_redirect_word(l, reg, p + k);
    }
}

/* gvlink's socket to the simulator for the application's socket @from (a new one, or the
 * least used one's, reused, when all are taken). */
static struct client *
s_client(struct link *l, const struct sockaddr_in *from)
{
    struct client *c = NULL;

    for (int i = 0; i < S_CLIENTS && !c; i++) {
        if (l->clients[i].up >= 0 && l->clients[i].addr.sin_port == from->sin_port
            && l->clients[i].addr.sin_addr.s_addr == from->sin_addr.s_addr)
            c = &l->clients[i];
    }
    for (int i = 0; i < S_CLIENTS && !c; i++) {
        if (l->clients[i].up < 0)
            c = &l->clients[i];
    }
    if (!c) {
        c = &l->clients[0];
        for (int i = 1; i < S_CLIENTS; i++) {
            if (l->clients[i].last_use < c->last_use)
                c = &l->clients[i];
        }
        (void) close(c->up);
        c->up = -1;
    }
    if (c->up < 0) {
        c->up = s_udp(l->self.sin_addr.s_addr, 0);
        c->addr = *from;
    }
    c->last_use = ++l->uses;
    return c;
}

/* Packets @first to @last of block @id again, those gvlink has. */
static void
s_resend(struct link *l, uint32_t id, uint32_t first, uint32_t last)
{
    struct block *b = &l->blocks[id % S_BLOCKS];

    for (uint32_t p = first; p <= last && p - first < S_PACKETS; p++) {
        l->c.requested++;
        if (b->used && b->id == id && p < S_PACKETS && b->packet[p]) {
            s_send(l->gvsp, b->packet[p], b->len[p], &l->app);
            l->c.resent++;
        } else {
            l->c.unavailable++;
        }
    }
    s_write_counts(l);
}

/* A GVCP packet on gvlink's port: a resend request is gvlink's to answer (the simulator has
 * no answer, and none is due); any other command goes on to the simulator. */
static void
s_on_gvcp(struct link *l)
{
    uint8_t p[S_PACKET_MAX];
    struct sockaddr_in from;
    socklen_t len = sizeof from;
    ssize_t n = recvfrom(l->gvcp, p, sizeof p, 0, (struct sockaddr *) &from, &len);
    uint16_t cmd;

    if (n < 8 || p[0] != S_CMD_KEY)
        return;
    cmd = (uint16_t) (p[2] << 8 | p[3]);
    if (cmd == S_PACKET_RESEND_CMD) {
        /* 16-bit block ids (the simulator's): block id, first and last packet id */
        if (n >= 20 && !(p[1] & 0x10))
            s_resend(l, s_get32(p + 8) & 0xffff, s_get32(p + 12) & 0xffffff,
                     s_get32(p + 16) & 0xffffff);
        return;
    }
    s_redirect(l, p, (size_t) n);
    s_send(s_client(l, &from)->up, p, (size_t) n, &l->camera);
}

/* The simulator's answer to an application's command, back to it from gvlink's port. */
static void
s_on_answer(struct link *l, struct client *c)
{
    uint8_t p[S_PACKET_MAX];
    ssize_t n = recv(c->up, p, sizeof p, 0);

    if (n > 0)
        s_send(l->gvcp, p, (size_t) n, &c->addr);
}

/* The slot of block @id, emptied if it held another block. */
static struct block *
s_block(struct link *l, uint16_t id)
{
    struct block *b = &l->blocks[id % S_BLOCKS];

    if (b->used && b->id == id)
        return b;
    for (int p = 0; p < S_PACKETS; p++) {
        free(b->packet[p]);
        b->packet[p] = NULL;
    }
    b->used = true;
    b->lossy = false;
    b->id = id;
    l->c.blocks++;
    return b;
}

/* A stream packet from the simulator: kept, and passed on unless its first way is to be lost,
 * or gvlink holds the stream. */
static void
s_on_gvsp(struct link *l)
{
    uint8_t p[S_PACKET_MAX];
    ssize_t n = recv(l->gvsp, p, sizeof p, 0);
    uint16_t id;
    uint32_t infos, pid;
    struct block *b;

    if (n < 8 || (p[4] & 0x80)) /* too short, or 64-bit block ids: not the simulator's */
        return;
    id = (uint16_t) (p[2] << 8 | p[3]);
    infos = s_get32(p + 4);
    pid = infos & 0xffffff;
    if (!l->have_first) {
        l->have_first = true;
        l->first = id;
    }
    /* Blocks first to first + BLOCKS - 1 by the camera's numbering, whatever reached gvlink of
     * them: 16-bit ids, 1 to 65535 and round again (the simulator starts at 65401) */
    if ((uint64_t) (uint16_t) (id - l->first) - (id < l->first) >= l->max_blocks) {
        if (!l->c.held) {
            l->c.held = 1;
            s_write_counts(l);
        }
        l->c.withheld++;
        return;
    }
    b = s_block(l, id);
    if (pid >= S_PACKETS || l->app.sin_port == 0)
        return;
    free(b->packet[pid]);
    b->packet[pid] = malloc((size_t) n);
    if (!b->packet[pid])
        s_die("malloc");
    memcpy(b->packet[pid], p, (size_t) n);
    b->len[pid] = (uint16_t) n;
    if ((infos >> 24 & 0x7f) == S_CONTENT_PAYLOAD && (id + pid) % l->lose_every == 0) {
        l->c.lost_first++;
        if (!b->lossy)
            l->c.blocks_with_loss++;
        b->lossy = true;
        s_write_counts(l);
        return;
    }
    s_send(l->gvsp, p, (size_t) n, &l->app);
}

static void
s_serve(struct link *l)
{
    while (!s_stop) {
        struct pollfd pfd[2 + S_CLIENTS];
        int n = 2;

        pfd[0] = (struct pollfd){ .fd = l->gvcp, .events = POLLIN };
        pfd[1] = (struct pollfd){ .fd = l->gvsp, .events = POLLIN };
        for (int i = 0; i < S_CLIENTS; i++)
            pfd[n++] = (struct pollfd){ .fd = l->clients[i].up, .events = POLLIN };
        if (poll(pfd, (nfds_t) n, 100) < 0) {
            if (errno == EINTR)
                continue;
            s_die("poll");
        }
        if (pfd[0].revents & POLLIN)
            s_on_gvcp(l);
        if (pfd[1].revents & POLLIN)
            s_on_gvsp(l);
        for (int i = 0; i < S_CLIENTS; i++) {
            if (pfd[2 + i].revents & POLLIN)
                s_on_answer(l, &l->clients[i]);
        }
    }
}

int
main(int argc, char **argv)
{
    static struct link l;
    struct sigaction sa = { .sa_handler = s_on_signal };
    uint32_t caps;
    int rcvbuf = 16 << 20;

    if (argc != 6 || atoi(argv[3]) < 1 || atoi(argv[4]) < 1) {
        fprintf(stderr, "usage: gvlink ADDRESS CAMERA_ADDRESS LOSE_EVERY BLOCKS COUNTS\n");
        return 2;
    }
    l.self.sin_family = l.camera.sin_family = l.app.sin_family = AF_INET;
    if (inet_pton(AF_INET, argv[1], &l.self.sin_addr) != 1
        || inet_pton(AF_INET, argv[2], &l.camera.sin_addr) != 1) {
        fprintf(stderr, "gvlink: not IPv4 addresses: %s, %s\n", argv[1], argv[2]);
        return 2;
    }
    l.camera.sin_port = htons(S_GVCP_PORT);
    l.lose_every = (unsigned) atoi(argv[3]);
    l.max_blocks = (uint64_t) atoi(argv[4]);
    l.counts_path = argv[5];
    for (int i = 0; i < S_CLIENTS; i++)
        l.clients[i].up = -1;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    /* The simulator's capabilities say it resends, before any application reads them. */
    caps = s_register_cmd(&l, S_READ_REGISTER_CMD, S_CAPABILITY_REG, 0);
    (void) s_register_cmd(&l, S_WRITE_REGISTER_CMD, S_CAPABILITY_REG,
                          caps | S_CAPABILITY_PACKET_RESEND);
    l.gvsp = s_udp(l.self.sin_addr.s_addr, 0);
    /* Room for many frames: on a loaded host gvlink may wait its turn for a while. */
    if (setsockopt(l.gvsp, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) < 0)
        (void) setsockopt(l.gvsp, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    {
        socklen_t len = sizeof l.self;

        if (getsockname(l.gvsp, (struct sockaddr *) &l.self, &len) < 0)
            s_die("getsockname");
    }
    l.gvcp = s_udp(l.self.sin_addr.s_addr, S_GVCP_PORT);
    s_write_counts(&l);
    printf("gvlink: %s:%d in front of the camera at %s, capabilities 0x%08x, losing the first "
           "way of data packets whose block + packet id is a multiple of %u, for %s blocks\n",
           argv[1], S_GVCP_PORT, argv[2], caps | S_CAPABILITY_PACKET_RESEND, l.lose_every, argv[4]);
    fflush(stdout);
    s_serve(&l);
    s_write_counts(&l);
    return 0;
}
