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
                   "'.'.\nExit status: 0 when written, 1 on a failure (a file exists, the "
                   "directory cannot be written), 2 for a bad command line.\n",
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

/* The paths of the pair and of their temporary files in @dir. */
struct s_paths {
    char pub[PATH_MAX], sec[PATH_MAX], tmp_pub[PATH_MAX], tmp_sec[PATH_MAX];
};

/* Returns 0, or -ENAMETOOLONG. */
static int
s_paths_init(struct s_paths *p, const char *dir, const char *name)
{
    p->tmp_pub[0] = p->tmp_sec[0] = '\0';
    if (snprintf(p->pub, sizeof p->pub, "%s/%s.key", dir, name) >= (int) sizeof p->pub
        || snprintf(p->sec, sizeof p->sec, "%s/%s.key_secret", dir, name) >= (int) sizeof p->sec
        || snprintf(p->tmp_pub, sizeof p->tmp_pub, "%s/.%s.key.XXXXXX", dir, name)
               >= (int) sizeof p->tmp_pub
        || snprintf(p->tmp_sec, sizeof p->tmp_sec, "%s/.%s.key_secret.XXXXXX", dir, name)
               >= (int) sizeof p->tmp_sec) {
        p->tmp_pub[0] = p->tmp_sec[0] = '\0';
        return -ENAMETOOLONG;
    }
    return 0;
}

/* link() fails with EEXIST instead of replacing: nothing is ever overwritten, even by a file
 * that appeared since the check for it. Returns 0 or -1 after saying why. */
static int
s_link(const char *from, const char *to)
{
    if (link(from, to) == 0)
        return 0;
    (void) fprintf(stderr, "camstack-keygen: cannot create '%s': %s%s\n", to, strerror(errno),
                   errno == EEXIST ? ", refusing to overwrite it" : "");
    return -1;
}

/* Writes the pair of @cert as @p's files in @dir. Returns 0, or 1 after saying why (nothing
 * of it is left behind). */
static int
s_write_pair(zcert_t *cert, struct s_paths *p, const char *dir)
{
    bool linked_sec = false;
    int e, r = 1;

    e = s_write_temp(cert, false, p->tmp_pub, 0644);
    if (e >= 0)
        e = s_write_temp(cert, true, p->tmp_sec, 0600);
    if (e < 0) {
        (void) fprintf(stderr, "camstack-keygen: cannot write in '%s': %s\n", dir, strerror(-e));
        goto out;
    }
    if (s_link(p->tmp_sec, p->sec) < 0)
        goto out;
    linked_sec = true;
    if (s_link(p->tmp_pub, p->pub) < 0)
        goto out;
    (void) s_fsync_path(dir, O_DIRECTORY);
    r = 0;
out:
    if (r != 0 && linked_sec)
        (void) unlink(p->sec);
    if (p->tmp_pub[0] && strstr(p->tmp_pub, "XXXXXX") == NULL)
        (void) unlink(p->tmp_pub);
    if (p->tmp_sec[0] && strstr(p->tmp_sec, "XXXXXX") == NULL)
        (void) unlink(p->tmp_sec);
    return r;
}

/* Parses the command line into @ret_dir and @ret_name. Returns -1 to go on, or the exit
 * status (0 after --help or --version, 2 for a usage error). */
static int
s_parse_args(int argc, char **argv, const char **ret_dir, const char **ret_name)
{
    static const struct option opts[] = {
        { "directory", required_argument, NULL, 'd' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    int c;

    while ((c = getopt_long(argc, argv, "d:hV", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            *ret_dir = optarg;
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
    *ret_name = argv[optind];
    if (!s_name_valid(*ret_name)) {
        (void) fprintf(stderr,
                       "camstack-keygen: NAME '%s' must be 1 to %d characters of "
                       "A-Z a-z 0-9 _ . - not starting with '.'\n",
                       *ret_name, S_NAME_MAX);
        return 2;
    }
    return -1;
}

int
main(int argc, char **argv)
{
    struct s_paths p;
    char created[32];
    const char *dir = ".", *name = NULL;
    zcert_t *cert = NULL;
    int r = s_parse_args(argc, argv, &dir, &name);

    if (r >= 0)
        return r;
    if (s_paths_init(&p, dir, name) < 0) {
        (void) fprintf(stderr, "camstack-keygen: directory name too long\n");
        return 2;
    }
    if (s_exists(p.pub) || s_exists(p.sec))
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
    r = s_write_pair(cert, &p, dir);
    if (r == 0)
        (void) printf("wrote %s (public: give it to the other side)\n"
                      "  and %s (secret, mode 0600: keep it on this host)\n"
                      "public key: %s\n",
                      p.pub, p.sec, zcert_public_txt(cert));
    zcert_destroy(&cert);
    return r;
}
