#include "instance.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int
cs_instance_lock_path(const struct cs_conf *conf, enum cs_daemon_id which, char *buf, size_t size)
{
    int n = snprintf(buf, size, "%s/%s-%s.lock", conf->stack.runtime_dir, cs_daemon_name(which),
                     conf->stack.stream);

    return n < 0 || (size_t) n >= size ? -ENAMETOOLONG : 0;
}

/* A POSIX record lock rather than flock(): F_GETLK names the holder's PID at once, even before
 * it has written the PID into the file. The lock is the process's: it is released when the
 * process ends, or when it closes any descriptor of the file (only this module opens it). */
static int
s_try_lock(int fd, pid_t *reterr_pid)
{
    struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0 };

    if (fcntl(fd, F_SETLK, &fl) == 0)
        return 0;
    if (errno != EACCES && errno != EAGAIN)
        return -errno;
    fl = (struct flock){ .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0 };
    /* The holder may end between the two calls: then F_GETLK says unlocked and the PID is
     * unknown, and the caller refuses all the same (a start right after is free). */
    if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK)
        *reterr_pid = fl.l_pid;
    return -EBUSY;
}

int
cs_instance_lock(const struct cs_conf *conf, enum cs_daemon_id which, int *ret_fd,
                 pid_t *reterr_pid)
{
    char path[PATH_MAX], pid[32];
    int fd, r, n;

    *ret_fd = -1;
    *reterr_pid = 0;
    r = cs_instance_lock_path(conf, which, path, sizeof path);
    if (r < 0)
        return r;
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0644);
    if (fd < 0)
        return -errno;
    r = s_try_lock(fd, reterr_pid);
    if (r < 0)
        goto fail;
    n = snprintf(pid, sizeof pid, "%ld\n", (long) getpid());
    errno = 0;
    if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t) n, 0) != n) {
        r = errno ? -errno : -EIO;
        goto fail;
    }
    *ret_fd = fd;
    return 0;
fail:
    (void) close(fd);
    return r;
}
