/* Aravis's simulated GigE Vision camera for the tests: arv-fake-gv-camera-0.8 (Debian's
 * aravis-tools) on the loopback interface, reached over UDP as a real camera is, under
 * timeout(1) and stopped by PID; and the checks of a movie against what it draws, the
 * diagonal ramp of Aravis's arvfakecamera.c. */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "harness.h"
#include "pixfmt.h"

#define FAKECAM_ADDRESS "127.0.0.1"

/* Moves the calling process (a test, with the stack and the simulator it starts) into a
 * network namespace of its own with its loopback interface up: the simulator binds UDP port
 * 3956 of 127.0.0.1 with SO_REUSEADDR, so that two simulators on one host (two test programs
 * at once, or one a failed test left behind) would share its packets and neither answer
 * right. Needs CAP_SYS_ADMIN (root, as CI runs the integration suite); without it the test
 * runs in the host's namespace, and says so. */
void fakecam_isolate(void);

/* Starts the simulator for stack @s, losing @lost_per_thousand of the stream packets it sends
 * (0: none), and returns its PID once it answers (Aravis opens it, then lets it go). */
pid_t fakecam_start(struct stack *s, double lost_per_thousand);

/* A camera that resends: gvlink (gvlink.c) on FAKECAM_LINK_ADDRESS in front of the running
 * simulator, saying in its capabilities that it resends, losing the first way of the stream's
 * data packets whose block id + packet id is a multiple of @lose_every, sending packets again
 * when asked, and passing no frame on after the first @frames (resend requests are still
 * answered). Returns its PID once the pair answers. */
#define FAKECAM_LINK_ADDRESS "127.0.0.2"
pid_t fakecam_link_start(struct stack *s, unsigned lose_every, unsigned frames);

/* gvlink's counters as it last wrote them (a new reference): blocks, blocks_with_loss,
 * lost_first, requested, resent, unavailable, withheld, held. */
json_t *fakecam_link_counts(const struct stack *s);

/* Stops the simulator abruptly (SIGKILL to its process group: a camera unplugged) and reaps
 * it. */
void fakecam_kill(struct stack *s, pid_t pid);

/* What a movie of the simulator holds. The simulator numbers its frames (frame ids, 1 to 65535
 * and round again) and draws frame id f as value(x + y + f) at (x, y), with exposure 10 ms and
 * gain 0: Mono8 (x + y + f) mod 255, Mono16 256 (x + y + f) mod 65535, RGB8 the jet colour
 * map's entry (x + y + f) mod 255. Other settings scale the value by 1 + GainRaw +
 * log10(exposure / 10 ms), clipped to the sample's range. */
struct fakecam_expect {
    enum cs_pixfmt pixfmt;
    unsigned width, height;
    uint64_t frames; /* rows in the file */
    double fps;      /* the camera's rate (its timestamps are checked against it); 0: none */
    unsigned scale;  /* Mono8 only: the scale of a gain and exposure that give a whole one; 0: 1 */
};

/* Fails the current test unless the movie at @path is complete, lost nothing, and holds
 * @e->frames frames each exactly as the simulator draws them, their seq numbers skipping
 * exactly the frame ids the simulator's drawing shows missing (camera drops, which the file's
 * camera_dropped must count), and, at @e->fps, timestamps that increase, the median interval
 * between successive frames being the frame interval. Returns the camera drops the file counts
 * (at least those its rows' seq numbers skip, from 0). */
uint64_t fakecam_verify_movie(const char *path, const struct fakecam_expect *e);
