/* CURVE keys from czmq certificate files, as camstack-keygen writes them: PATH holds the
 * public key and PATH_secret the key pair. A secret file must be a regular file that other
 * users cannot read or write. Also decides, from the config, whether a subscription uses
 * CURVE. Keys are kept as Z85 text (40 characters); secret keys are wiped when done with. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <czmq.h>

#include "config.h"

#define CS_CURVE_KEY_LEN  40 /* a 32-byte key in Z85 */
#define CS_CURVE_NAME_MAX 64

struct cs_curve_pair {
    char public_key[CS_CURVE_KEY_LEN + 1];
    char secret_key[CS_CURVE_KEY_LEN + 1];
    char name[CS_CURVE_NAME_MAX]; /* the certificate's "name" metadata, "" if none */
};

/* What a SUB socket needs to connect with CURVE: its own pair and pubd's public key. */
struct cs_curve_client {
    struct cs_curve_pair own;
    char server_key[CS_CURVE_KEY_LEN + 1];
};

/* True if @key is 40 characters of Z85 that decode to 32 bytes. */
bool cs_curve_key_valid(const char *key);

/* Reads the public key of the certificate file @path (its public half: the secret file is
 * not read). Returns 0, or a negative errno with "'path': why" in @reterr. */
int cs_curve_load_public(const char *path, char ret_key[CS_CURVE_KEY_LEN + 1], char *reterr,
                         size_t err_size);

/* Reads the key pair of the certificate @path from @path + "_secret", refusing a file that
 * is not regular, or that other users may read or write, or whose public key is not the
 * one of its secret key. Returns 0, or a negative errno with a message in @reterr. */
int cs_curve_load_pair(const char *path, struct cs_curve_pair *ret_pair, char *reterr,
                       size_t err_size);

/* The CURVE settings of a subscription to @conf's subscribe endpoint: returns 1 with
 * @ret_client filled if it uses CURVE (a tcp endpoint and [security] client_certificate
 * set), 0 if it does not, or a negative errno with a message in @reterr. */
int cs_curve_client_from_conf(const struct cs_conf *conf, struct cs_curve_client *ret_client,
                              char *reterr, size_t err_size);

/* Makes @sock a CURVE client of the server whose public key is in @client; before connect. */
void cs_curve_client_apply(const struct cs_curve_client *client, zsock_t *sock);

/* Makes @sock a CURVE server with @pair; before bind. */
void cs_curve_server_apply(const struct cs_curve_pair *pair, zsock_t *sock);

/* Overwrites secret material so that it does not linger in memory. */
void cs_curve_wipe(void *p, size_t size);
