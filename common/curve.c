#include "curve.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "endpoint.h"
#include "util.h"

#define S_ZERO_KEY "0000000000000000000000000000000000000000" /* czmq's "no key" */

bool
cs_curve_key_valid(const char *key)
{
    uint8_t raw[32];

    if (strlen(key) != CS_CURVE_KEY_LEN)
        return false;
    return zmq_z85_decode(raw, key) != NULL;
}

#define S_CERT_MAX 65536 /* a certificate is well under 1 KB */

/* Reads certificate file @path into @buf (NUL-terminated) and parses it. For a secret file,
 * also checks that it is a regular file other users cannot read or write. The text is read
 * here rather than by zconfig_load(), which leaks its file handle on a parse error. */
static zconfig_t *
s_load(const char *path, bool secret, char *buf, size_t size, int *reterr_code, char *reterr,
       size_t err_size)
{
    zconfig_t *root = NULL;
    struct stat st;
    size_t used = 0;
    ssize_t n = 0;
    int fd, r = 0;

    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0 || fstat(fd, &st) < 0) {
        r = -errno;
        (void) snprintf(reterr, err_size, "cannot read '%s': %s", path, strerror(-r));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        (void) snprintf(reterr, err_size, "'%s' is not a regular file", path);
        r = -EINVAL;
        goto out;
    }
    if (secret && (st.st_mode & (S_IRWXO | S_IWGRP))) {
        (void) snprintf(reterr, err_size,
                        "'%s' holds a secret key but other users may read or write it "
                        "(mode %04o): chmod 600 it",
                        path, (unsigned) (st.st_mode & 07777));
        r = -EPERM;
        goto out;
    }
    while (used + 1 < size && (n = read(fd, buf + used, size - used - 1)) > 0)
        used += (size_t) n;
    buf[used] = '\0';
    if (n < 0) {
        r = -errno;
        (void) snprintf(reterr, err_size, "cannot read '%s': %s", path, strerror(-r));
        goto out;
    }
    root = used + 1 < size && !memchr(buf, '\0', used) ? zconfig_str_load(buf) : NULL;
    if (!root) {
        (void) snprintf(reterr, err_size, "'%s' is not a certificate file", path);
        r = -EINVAL;
    }
out:
    if (fd >= 0)
        (void) close(fd);
    *reterr_code = r;
    return root;
}

int
cs_curve_load_public(const char *path, char ret_key[CS_CURVE_KEY_LEN + 1], char *reterr,
                     size_t err_size)
{
    char *buf = malloc(S_CERT_MAX);
    zconfig_t *root;
    const char *key;
    int r;

    if (!buf)
        return -ENOMEM;
    root = s_load(path, false, buf, S_CERT_MAX, &r, reterr, err_size);
    free(buf);
    if (!root)
        return r;
    key = zconfig_get(root, "curve/public-key", "");
    if (!cs_curve_key_valid(key) || strcmp(key, S_ZERO_KEY) == 0) {
        (void) snprintf(reterr, err_size, "'%s' holds no valid curve public-key", path);
        r = -EINVAL;
    } else {
        (void) cs_strlcpy(ret_key, key, CS_CURVE_KEY_LEN + 1);
    }
    zconfig_destroy(&root);
    return r;
}

int
cs_curve_load_pair(const char *path, struct cs_curve_pair *ret_pair, char *reterr, size_t err_size)
{
    char secret_path[PATH_MAX], derived[CS_CURVE_KEY_LEN + 1], *buf;
    const char *pub, *sec;
    zconfig_t *root, *item;
    int r;

    memset(ret_pair, 0, sizeof *ret_pair);
    if (snprintf(secret_path, sizeof secret_path, "%s_secret", path) >= (int) sizeof secret_path) {
        (void) snprintf(reterr, err_size, "'%s': path too long", path);
        return -ENAMETOOLONG;
    }
    buf = malloc(S_CERT_MAX);
    if (!buf)
        return -ENOMEM;
    root = s_load(secret_path, true, buf, S_CERT_MAX, &r, reterr, err_size);
    cs_curve_wipe(buf, S_CERT_MAX);
    free(buf);
    if (!root)
        return r;
    pub = zconfig_get(root, "curve/public-key", "");
    sec = zconfig_get(root, "curve/secret-key", "");
    r = -EINVAL;
    if (!cs_curve_key_valid(sec) || strcmp(sec, S_ZERO_KEY) == 0)
        (void) snprintf(reterr, err_size, "'%s' holds no valid curve secret-key", secret_path);
    else if (zmq_curve_public(derived, sec) < 0 || strcmp(derived, pub) != 0)
        (void) snprintf(reterr, err_size,
                        "'%s' is damaged: its public-key is not the one of its secret-key",
                        secret_path);
    else
        r = 0;
    if (r == 0) {
        (void) cs_strlcpy(ret_pair->public_key, pub, sizeof ret_pair->public_key);
        (void) cs_strlcpy(ret_pair->secret_key, sec, sizeof ret_pair->secret_key);
        (void) snprintf(ret_pair->name, sizeof ret_pair->name, "%s",
                        zconfig_get(root, "metadata/name", ""));
    }
    /* zconfig keeps its own copy of the secret; overwrite it before it is freed. */
    item = zconfig_locate(root, "curve/secret-key");
    if (item && zconfig_value(item))
        cs_curve_wipe(zconfig_value(item), strlen(zconfig_value(item)));
    zconfig_destroy(&root);
    return r;
}

int
cs_curve_client_from_conf(const struct cs_conf *conf, struct cs_curve_client *ret_client,
                          char *reterr, size_t err_size)
{
    int r;

    memset(ret_client, 0, sizeof *ret_client);
    if (!cs_endpoint_is_tcp(conf->endpoints.subscribe) || !conf->security.client_certificate[0])
        return 0;
    r = cs_curve_load_pair(conf->security.client_certificate, &ret_client->own, reterr, err_size);
    if (r < 0)
        return r;
    r = cs_curve_load_public(conf->security.server_certificate, ret_client->server_key, reterr,
                             err_size);
    if (r < 0) {
        cs_curve_wipe(ret_client, sizeof *ret_client);
        return r;
    }
    return 1;
}

void
cs_curve_client_apply(const struct cs_curve_client *client, zsock_t *sock)
{
    zsock_set_curve_serverkey(sock, client->server_key);
    zsock_set_curve_publickey(sock, client->own.public_key);
    zsock_set_curve_secretkey(sock, client->own.secret_key);
}

void
cs_curve_server_apply(const struct cs_curve_pair *pair, zsock_t *sock)
{
    zsock_set_curve_server(sock, 1);
    zsock_set_curve_publickey(sock, pair->public_key);
    zsock_set_curve_secretkey(sock, pair->secret_key);
}

void
cs_curve_wipe(void *p, size_t size)
{
    explicit_bzero(p, size);
}
