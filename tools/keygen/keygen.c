/* camstack-keygen: writes a new CURVE key pair as czmq certificates, NAME.key (the public key,
 * mode 0644) and NAME.key_secret (the pair, mode 0600), and never overwrites a file: both are
 * written to temporary files first and then linked into place, which fails if the name is
 * taken. The public certificate is the one to give away: a subscriber's goes into pubd's
 * authorized_keys_dir, pubd's becomes each subscriber's [security] server_certificate. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <czmq.h>

#include "cs-build.h"
#include "curve.h"
#include "util.h"

#define S_NAME_MAX 63

static void
s_usage(FILE *out)
{
    (void) fprintf(out,
                   "Usage: camstack-keygen [--directory DIR] NAME\n"
                   "       camstack-keygen --help | --version\n\n"
                   "Writes a new CURVE key pair for camstack as two czmq certificates:\n"
                   "  DIR/NAME.key         the public key (mode 0644): give it to the other side\n"
                   "  DIR/NAME.key_secret  the key pair (mode 0600): keep it on this host\n"
                   "It refuses to overwrite either file.\n\n"
                   "For pubd:        camstack-keygen --directory /etc/camstack/keys pubd\n"
                   "                 then [security] server_certificate = "
                   "/etc/camstack/keys/pubd.key,\n"
                   "                 and copy pubd.key (only) to each subscriber host.\n"
                   "For a subscriber: camstack-keygen --directory /etc/camstack/keys lab2\n"
                   "                 then [security] client_certificate = "
                   "/etc/camstack/keys/lab2.key,\n"
                   "                 and copy lab2.key (only) into pubd's authorized_keys_dir.\n\n"
                   "Options:\n"
                   "  -d, --directory DIR  write into DIR (default: the current directory)\n"
                   "  -h, --help           show this help and exit\n"
                   "  -V, --version        show the version and exit\n\n"
                   "NAME is 1 to %d characters of A-Z a-z 0-9 _ . - and does not start with "
                   "'.'.\nExit status: 0 when written, 1 on a failure (a file exists), 2 for a "
                   "bad option.\n",
                   S_NAME_MAX);
}

static bool
s_name_valid(const char *name)
{
    size_t n = strlen(name);

    if (n == 0 || n > S_NAME_MAX || name[0] == '.')
        return false;
    return strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") == n;
}

/* Flushes @path (a file or a directory) to the disk. */
static int
s_fsync_path(const char *path, int flags)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | flags), r = 0;

    if (fd < 0)
        return -errno;
    if (fsync(fd) < 0)
        r = -errno;
    (void) close(fd);
    return r;
}

/* Writes one half of @cert into a new temporary file next to its final place, with @mode.
 * The temporary name goes into @tmp (a mkstemp template on entry). */
static int
s_write_temp(zcert_t *cert, bool secret, char *tmp, mode_t mode)
{
    int fd = mkostemp(tmp, O_CLOEXEC), r;

    if (fd < 0)
        return -errno;
    (void) close(fd);
    /* mkostemp made it 0600; czmq reopens it by name and writes it. */
    r = secret ? zcert_save_secret(cert, tmp) : zcert_save_public(cert, tmp);
    if (r < 0)
        return -EIO;
    if (chmod(tmp, mode) < 0)
        return -errno;
    return s_fsync_path(tmp, 0);
}

static int
s_exists(const char *path)
{
    struct stat st;

    if (lstat(path, &st) == 0) {
        (void) fprintf(stderr, "camstack-keygen: '%s' exists, refusing to overwrite it\n", path);
        return 1;
    }
    return 0;
}

int
main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "directory", required_argument, NULL, 'd' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    char pub[PATH_MAX], sec[PATH_MAX], tmp_pub[PATH_MAX], tmp_sec[PATH_MAX], created[32];
    const char *dir = ".", *name;
    bool linked_sec = false;
    zcert_t *cert = NULL;
    int c, r = 1, e;

    while ((c = getopt_long(argc, argv, "d:hV", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            dir = optarg;
            break;
        case 'h':
            s_usage(stdout);
            return 0;
        case 'V':
            (void) printf("camstack-keygen (camstack) %s\n", CS_VERSION);
            return 0;
        default:
            (void) fprintf(stderr, "Try 'camstack-keygen --help' for more information.\n");
            return 2;
        }
    }
    if (optind + 1 != argc) {
        (void) fprintf(stderr, "camstack-keygen: expected one NAME\n"
                               "Try 'camstack-keygen --help' for more information.\n");
        return 2;
    }
    name = argv[optind];
    if (!s_name_valid(name)) {
        (void) fprintf(stderr,
                       "camstack-keygen: NAME '%s' must be 1 to %d characters of "
                       "A-Z a-z 0-9 _ . - not starting with '.'\n",
                       name, S_NAME_MAX);
        return 2;
    }
    tmp_pub[0] = tmp_sec[0] = '\0';
    if (snprintf(pub, sizeof pub, "%s/%s.key", dir, name) >= (int) sizeof pub
        || snprintf(sec, sizeof sec, "%s/%s.key_secret", dir, name) >= (int) sizeof sec
        || snprintf(tmp_pub, sizeof tmp_pub, "%s/.%s.key.XXXXXX", dir, name) >= (int) sizeof tmp_pub
        || snprintf(tmp_sec, sizeof tmp_sec, "%s/.%s.key_secret.XXXXXX", dir, name)
               >= (int) sizeof tmp_sec) {
        (void) fprintf(stderr, "camstack-keygen: directory name too long\n");
        return 2;
    }
    if (s_exists(pub) || s_exists(sec))
        return 1;
    cert = zcert_new();
    if (!cert) {
        (void) fprintf(stderr, "camstack-keygen: cannot make a key pair (libzmq without "
                               "CURVE?)\n");
        return 1;
    }
    cs_format_iso8601(cs_now_ns(CLOCK_REALTIME), created, sizeof created);
    zcert_set_meta(cert, "name", "%s", name);
    zcert_set_meta(cert, "created-by", "camstack-keygen %s", CS_VERSION);
    zcert_set_meta(cert, "created", "%s", created);
    e = s_write_temp(cert, false, tmp_pub, 0644);
    if (e < 0) {
        (void) fprintf(stderr, "camstack-keygen: cannot write in '%s': %s\n", dir, strerror(-e));
        goto out;
    }
    e = s_write_temp(cert, true, tmp_sec, 0600);
    if (e < 0) {
        (void) fprintf(stderr, "camstack-keygen: cannot write in '%s': %s\n", dir, strerror(-e));
        goto out;
    }
    /* link() fails with EEXIST instead of replacing: nothing is ever overwritten, even by a
     * file that appeared since the check above. */
    if (link(tmp_sec, sec) < 0) {
        (void) fprintf(stderr, "camstack-keygen: cannot create '%s': %s%s\n", sec, strerror(errno),
                       errno == EEXIST ? ", refusing to overwrite it" : "");
        goto out;
    }
    linked_sec = true;
    if (link(tmp_pub, pub) < 0) {
        (void) fprintf(stderr, "camstack-keygen: cannot create '%s': %s%s\n", pub, strerror(errno),
                       errno == EEXIST ? ", refusing to overwrite it" : "");
        goto out;
    }
    (void) s_fsync_path(dir, O_DIRECTORY);
    (void) printf("wrote %s (public: give it to the other side)\n"
                  "  and %s (secret, mode 0600: keep it on this host)\n"
                  "public key: %s\n",
                  pub, sec, zcert_public_txt(cert));
    r = 0;
out:
    if (r != 0 && linked_sec)
        (void) unlink(sec);
    if (tmp_pub[0] && strstr(tmp_pub, "XXXXXX") == NULL)
        (void) unlink(tmp_pub);
    if (tmp_sec[0] && strstr(tmp_sec, "XXXXXX") == NULL)
        (void) unlink(tmp_sec);
    zcert_destroy(&cert);
    return r;
}
