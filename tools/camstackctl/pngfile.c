#include "pngfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pngimage.h"

int
pngfile_write(const char *path, const struct cs_view_image *img, const char *comment, char *reterr,
              size_t err_size)
{
    char tmp[PATH_MAX];
    FILE *f = NULL;
    int fd, r;

    reterr[0] = '\0';
    if (snprintf(tmp, sizeof tmp, "%s.XXXXXX", path) >= (int) sizeof tmp) {
        (void) snprintf(reterr, err_size, "path too long");
        return -ENAMETOOLONG;
    }
    fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        r = -errno;
        (void) snprintf(reterr, err_size, "cannot create '%s': %s", tmp, strerror(-r));
        return r;
    }
    (void) fchmod(fd, 0644);
    f = fdopen(fd, "wb");
    if (!f) {
        r = -errno;
        (void) close(fd);
        goto fail;
    }
    r = cs_png_write(f, img, comment, reterr, err_size);
    if (r < 0)
        goto fail;
    if (fflush(f) != 0 || fsync(fileno(f)) < 0) {
        r = -errno;
        goto fail;
    }
    r = fclose(f);
    f = NULL;
    if (r != 0 || rename(tmp, path) < 0) {
        r = -errno;
        goto fail;
    }
    return 0;
fail:
    if (!reterr[0])
        (void) snprintf(reterr, err_size, "cannot write '%s': %s", path, strerror(-r));
    if (f)
        (void) fclose(f);
    (void) unlink(tmp);
    return r;
}
