/* Fuzzes the INI loader, cs_conf_load(), on the input as a file (a memfd, opened by its
 * /proc/self/fd path as a daemon opens its file). Beyond not crashing: a failed load names the
 * file in its message; a successful one leaves a config that cs_conf_dump() writes as a file
 * that loads again, without error, to the same values. One exception is not checked: relative
 * paths are printed resolved, and a printed line may then pass the 198 characters a line may
 * have (inih's limit), which the loader rejects as it should. */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"
#include "fuzz.h"
#include "log.h"

#define S_LINE_MAX 198 /* the longest line the loader takes */

static int s_fd = -1, s_dump_fd = -1;
static char s_path[64], s_dump_path[64];

static void
s_init(void)
{
    s_fd = memfd_create("fuzz.ini", MFD_CLOEXEC);
    s_dump_fd = memfd_create("dump.ini", MFD_CLOEXEC);
    assert(s_fd >= 0 && s_dump_fd >= 0);
    (void) snprintf(s_path, sizeof s_path, "/proc/self/fd/%d", s_fd);
    (void) snprintf(s_dump_path, sizeof s_dump_path, "/proc/self/fd/%d", s_dump_fd);
    cs_log_set_max_priority(LOG_EMERG); /* the loader does not log; keep it that way */
}

static void
s_write(int fd, const void *data, size_t size)
{
    assert(ftruncate(fd, 0) == 0);
    assert(size == 0 || pwrite(fd, data, size, 0) == (ssize_t) size);
}

/* The dump of @conf, without its first line (which names the file it came from). */
static char *
s_dump(const struct cs_conf *conf, size_t *ret_size)
{
    char *buf = NULL, *body;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);

    assert(f);
    cs_conf_dump(conf, f);
    assert(fclose(f) == 0);
    body = strchr(buf, '\n');
    assert(body);
    memmove(buf, body + 1, strlen(body + 1) + 1);
    *ret_size = strlen(buf);
    return buf;
}

static size_t
s_longest_line(const char *s)
{
    size_t longest = 0;

    while (*s) {
        size_t n = strcspn(s, "\n");

        longest = n > longest ? n : longest;
        s += n + (s[n] == '\n');
    }
    return longest;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct cs_conf conf, again;
    char err[CS_CONF_ERROR_MAX], err2[CS_CONF_ERROR_MAX];
    char *dump, *dump2;
    size_t dump_size, dump2_size;
    int r;

    if (s_fd < 0)
        s_init();
    s_write(s_fd, data, size);
    err[0] = '\0';
    r = cs_conf_load(s_path, &conf, err, sizeof err);
    if (r < 0) {
        assert(r == -EINVAL);
        assert(strncmp(err, s_path, strlen(s_path)) == 0 && err[strlen(s_path)] == ':');
        return 0;
    }
    assert(conf.endpoints.n_publish >= 1 && conf.endpoints.n_publish <= CS_ENDPOINTS_MAX);
    assert(cs_stream_name_valid(conf.stack.stream));
    assert(conf.camerad.pixel_format < CS_PIXFMT_COUNT && conf.camerad.source < CS_SOURCE_COUNT);
    assert(conf.camerad.width >= 1 && conf.camerad.width <= 65535);
    assert(cs_conf_hwm(conf.pubd.subscriber_buffer_mb, cs_conf_frame_bytes(&conf)) >= 2);

    /* What --check-config prints is a config file that means the same. */
    dump = s_dump(&conf, &dump_size);
    if (s_longest_line(dump) > S_LINE_MAX) {
        free(dump);
        return 0;
    }
    s_write(s_dump_fd, dump, dump_size);
    r = cs_conf_load(s_dump_path, &again, err2, sizeof err2);
    if (r < 0) {
        (void) fprintf(stderr, "dump does not load again: %s\n--- input:\n%.*s\n--- dump:\n%s\n",
                       err2, (int) size, (const char *) data, dump);
        abort();
    }
    dump2 = s_dump(&again, &dump2_size);
    if (dump_size != dump2_size || memcmp(dump, dump2, dump_size) != 0) {
        (void) fprintf(stderr, "dump loads to other values:\n--- first:\n%s\n--- again:\n%s\n",
                       dump, dump2);
        abort();
    }
    free(dump);
    free(dump2);
    return 0;
}
