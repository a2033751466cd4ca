/* pubd's security setup: its CURVE key pair and the allow-list directory of client
 * certificates, checked at startup, and the ZAP handler (auth.c) that guards tcp endpoints. */
#include "pubd-private.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include "endpoint.h"
#include "log.h"

/* The files in @dir that may be public certificates (czmq skips the "_secret" ones). */
static int
s_count_certificates(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    if (!d)
        return 0;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);

        if (e->d_name[0] != '.' && !(len > 7 && strcmp(e->d_name + len - 7, "_secret") == 0))
            n++;
    }
    (void) closedir(d);
    return n;
}

/* Checks that the allow-list directory exists and that only its owner may change it. */
static int
s_check_keys_dir(const char *dir)
{
    struct stat st;

    if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
        cs_log(LOG_ERR,
               "authorized_keys_dir '%s' is not a directory: create it and copy the public "
               "certificate of each client to admit into it",
               dir);
        return -EINVAL;
    }
    if (st.st_mode & S_IWOTH) {
        cs_log(LOG_ERR, "authorized_keys_dir '%s' is writable by every user (mode %04o)", dir,
               (unsigned) (st.st_mode & 07777));
        return -EINVAL;
    }
    if (s_count_certificates(dir) == 0)
        cs_log(LOG_NOTICE,
               "authorized_keys_dir '%s' is empty: no client is admitted until a public "
               "certificate is copied into it",
               dir);
    return 0;
}

int
security_setup(pubd_t *self, struct cs_curve_pair *ret_pair, bool *ret_curve)
{
    const struct cs_conf *conf = self->conf;
    char err[PATH_MAX + 256];
    bool tcp = false;
    int r;

    *ret_curve = false;
    for (unsigned i = 0; i < conf->endpoints.n_publish; i++)
        tcp = tcp || cs_endpoint_is_tcp(conf->endpoints.publish[i]);
    if (!tcp)
        return 0;
    if (conf->security.server_certificate[0]) {
        r = cs_curve_load_pair(conf->security.server_certificate, ret_pair, err, sizeof err);
        if (r < 0) {
            cs_log(LOG_ERR, "cannot use pubd's certificate: %s", err);
            return -EINVAL;
        }
        r = s_check_keys_dir(conf->security.authorized_keys_dir);
        if (r < 0)
            return r;
        *ret_curve = true;
        cs_log(LOG_INFO,
               "CURVE on tcp endpoints: pubd's public key %s ('%s'), clients admitted "
               "from '%s'",
               ret_pair->public_key, ret_pair->name, conf->security.authorized_keys_dir);
    }
    /* Before any publish socket is bound: a CURVE socket without ZAP admits everyone. */
    self->auth = auth_new(self->loop, *ret_curve ? conf->security.authorized_keys_dir : NULL);
    if (!self->auth)
        return cs_log_errno(LOG_ERR, -errno, "cannot start the ZAP handler");
    return 0;
}
