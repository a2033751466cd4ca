/* A libv4l2 plugin for the hardware suite: it makes a device look like a camera that offers
 * only the pixel formats named in CAMSTACK_TEST_V4L2_FORMATS (fourccs, comma-separated, e.g.
 * "YUYV", as many webcams do), so that camerad's path through libv4l2's conversion is tested
 * against vivid, which has every format natively. Without that variable it stays out of the
 * way (init returns NULL and libv4l2 talks to the device directly). It is installed only in
 * the test VM's throw-away copy of the host, in libv4l2's plugin directory. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <libv4l-plugin.h>
#include <linux/videodev2.h>

#define S_MAX 8

struct s_plugin {
    uint32_t allowed[S_MAX];
    unsigned n;
};

static int
s_sys_ioctl(int fd, unsigned long request, void *arg)
{
    return (int) syscall(SYS_ioctl, fd, request, arg);
}

static int
s_allowed(const struct s_plugin *p, uint32_t fourcc)
{
    for (unsigned i = 0; i < p->n; i++) {
        if (p->allowed[i] == fourcc)
            return 1;
    }
    return 0;
}

static void *
s_init(int fd)
{
    const char *env = getenv("CAMSTACK_TEST_V4L2_FORMATS");
    struct s_plugin *p;

    (void) fd;
    if (!env || !*env)
        return NULL;
    p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    for (const char *s = env; *s && p->n < S_MAX;) {
        char f[4] = { ' ', ' ', ' ', ' ' };
        size_t len = strcspn(s, ",");

        memcpy(f, s, len < 4 ? len : 4);
        p->allowed[p->n++] = v4l2_fourcc(f[0], f[1], f[2], f[3]);
        s += len;
        if (*s == ',')
            s++;
    }
    return p;
}

static void
s_close(void *priv)
{
    free(priv);
}

/* ENUM_FMT: the allowed formats only, renumbered. */
static int
s_enum_fmt(const struct s_plugin *p, int fd, struct v4l2_fmtdesc *d)
{
    uint32_t want = d->index, seen = 0;

    for (uint32_t i = 0;; i++) {
        struct v4l2_fmtdesc real = *d;
        int r;

        real.index = i;
        r = s_sys_ioctl(fd, VIDIOC_ENUM_FMT, &real);
        if (r < 0)
            return r;
        if (!s_allowed(p, real.pixelformat))
            continue;
        if (seen++ == want) {
            *d = real;
            d->index = want;
            return 0;
        }
    }
}

static int
s_ioctl(void *priv, int fd, unsigned long request, void *arg)
{
    const struct s_plugin *p = priv;

    switch (request) {
    case VIDIOC_ENUM_FMT:
        if (((struct v4l2_fmtdesc *) arg)->type == V4L2_BUF_TYPE_VIDEO_CAPTURE)
            return s_enum_fmt(p, fd, arg);
        break;
    case VIDIOC_TRY_FMT:
    case VIDIOC_S_FMT: {
        /* As a camera does: a format it lacks is answered with one it has. */
        struct v4l2_format *f = arg;

        if (f->type == V4L2_BUF_TYPE_VIDEO_CAPTURE && !s_allowed(p, f->fmt.pix.pixelformat))
            f->fmt.pix.pixelformat = p->allowed[0];
        break;
    }
    case VIDIOC_ENUM_FRAMESIZES:
        if (!s_allowed(p, ((struct v4l2_frmsizeenum *) arg)->pixel_format)) {
            errno = EINVAL;
            return -1;
        }
        break;
    case VIDIOC_ENUM_FRAMEINTERVALS:
        if (!s_allowed(p, ((struct v4l2_frmivalenum *) arg)->pixel_format)) {
            errno = EINVAL;
            return -1;
        }
        break;
    default:
        break;
    }
    return s_sys_ioctl(fd, request, arg);
}

static ssize_t
s_read(void *priv, int fd, void *buf, size_t n)
{
    (void) priv;
    return read(fd, buf, n);
}

static ssize_t
s_write(void *priv, int fd, const void *buf, size_t n)
{
    (void) priv;
    return write(fd, buf, n);
}

/* The symbol libv4l2 looks for in each plugin. */
const struct libv4l_dev_ops libv4l2_plugin = {
    .init = s_init,
    .close = s_close,
    .ioctl = s_ioctl,
    .read = s_read,
    .write = s_write,
};
