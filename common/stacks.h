/* The stacks of one host: every NAME.ini in a configuration directory is the file of stack NAME
 * (camstack.ini: the default stack), as the units read them. Two stacks must not share a socket,
 * a lock or a file name: what each claims is derived from its config, and a config that claims
 * what another one of its directory claims is refused, naming both files. */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "config.h"

#define CS_STACKS_MAX        64         /* NAME.ini files looked at in one directory */
#define CS_STACK_DEFAULT     "camstack" /* the default stack: camstack.ini, camstack.target */
#define CS_STACK_COLLIDE_MAX (3 * PATH_MAX + 256)

struct cs_stack_file {
    char name[CS_STREAM_MAX + 1]; /* NAME of NAME.ini */
    char path[PATH_MAX];          /* DIR/NAME.ini */
};

/* True if @name can name a stack: 1 to 63 of A-Z a-z 0-9 _ . - (a stream name's characters),
 * not starting with '.'. */
bool cs_stack_name_valid(const char *name);

/* Writes the config file of stack @name in @dir ("DIR/NAME.ini") into @buf. Returns 0,
 * -EINVAL for an invalid name, or -ENAMETOOLONG. */
int cs_stack_path(const char *dir, const char *name, char *buf, size_t size);

/* Writes the directory of the config file @config_path (".", "/" or its path up to the last
 * '/') into @buf: where the other stacks' files are. */
void cs_stack_dir(const char *config_path, char *buf, size_t size);

/* Lists the stacks of directory @dir: its regular files NAME.ini with a valid NAME, sorted by
 * name, at most @max of them into @ret. Returns how many, or -errno if @dir cannot be read. */
int cs_stacks_list(const char *dir, struct cs_stack_file *ret, size_t max);

/* Whether @a and @b claim the same socket (an ipc path, or a tcp port on the same or a
 * wildcard address, that both bind: the endpoints, and viewd's HTTP server), lock files
 * (runtime_dir and stream), output file names (analyzerd's or saverd's directory and stream)
 * or stream on an endpoint both use (one's subscribe endpoint is the other's, or one the
 * other binds). Returns true with "<a's path>: <what> ... also <b's path>'s ..." in
 * @reterr_msg; false also when out of memory. */
bool cs_stacks_collide(const struct cs_conf *a, const struct cs_conf *b, char *reterr_msg,
                       size_t size);

/* Checks @conf against every other stack of its file's directory whose file loads (a file
 * that does not load is its own stacks' error, not this one's). Returns 0, -EADDRINUSE with
 * the collision in @reterr_msg, or another negative errno with the reason there (the
 * directory cannot be read, no memory). */
int cs_stacks_check(const struct cs_conf *conf, char *reterr_msg, size_t size);
