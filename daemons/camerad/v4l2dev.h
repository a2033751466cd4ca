/* The libv4l2 calls both parts of the V4L2 source (daemons/camerad/v4l2.c, v4l2ctrl.c) share:
 * ioctls retried on EINTR, and the text of what a device offers for error messages. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define V4L2DEV_FORMATS_MAX 128
#define V4L2DEV_OFFER_MAX   1024 /* the text listing what a device offers */

/* v4l2_ioctl (through libv4l2), retried on EINTR. Returns >= 0 or -errno. */
int v4l2dev_ioctl(int fd, unsigned long request, void *arg);

/* ioctl(2) past libv4l2: the device's own answer (what the camera really sends). */
int v4l2dev_raw_ioctl(int fd, unsigned long request, void *arg);

/* The pixel formats of a device. */
struct v4l2dev_formats {
    uint32_t native[V4L2DEV_FORMATS_MAX];
    unsigned n_native;
    uint32_t converted[V4L2DEV_FORMATS_MAX]; /* what libv4l2 makes from the native ones */
    unsigned n_converted;
};

/* True if @fourcc is one of the @n in @list. */
bool v4l2dev_has(const uint32_t *list, unsigned n, uint32_t fourcc);

/* Lists @fd's formats through libv4l2 with its conversion on, so that emulated formats are
 * flagged as such. Returns 0 or -errno. */
int v4l2dev_enum_formats(int fd, struct v4l2dev_formats *f);

/* Writes what the device offers, for a person, into @buf: its formats, the frame sizes of
 * @fourcc, the frame rates of @fourcc at @w x @h. */
void v4l2dev_describe_formats(const struct v4l2dev_formats *f, char *buf, size_t size);
void v4l2dev_describe_sizes(int fd, uint32_t fourcc, char *buf, size_t size);
void v4l2dev_describe_intervals(int fd, uint32_t fourcc, uint32_t w, uint32_t h, char *buf,
                                size_t size);
