#include "units.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>

#define S_DEST      "org.freedesktop.systemd1"
#define S_UNIT_IFC  "org.freedesktop.systemd1.Unit"
#define S_UNIT_ROOT "/org/freedesktop/systemd1/unit"
#define S_MANAGER   "/org/freedesktop/systemd1"

static void
s_strv_free(char ***strv_p)
{
    char **strv = *strv_p;

    if (!strv)
        return;
    for (char **s = strv; *s; s++)
        free(*s);
    free(strv);
    *strv_p = NULL;
}

static bool
s_strv_contains(char *const *strv, const char *s)
{
    for (; strv && *strv; strv++) {
        if (strcmp(*strv, s) == 0)
            return true;
    }
    return false;
}

static bool
s_has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);

    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Reads the string-list property @name of @unit (systemd loads the unit if it must). */
static int
s_get_strv(sd_bus *bus, const char *unit, const char *name, char ***ret)
{
    sd_bus_error err = SD_BUS_ERROR_NULL;
    char *path = NULL;
    int r;

    r = sd_bus_path_encode(S_UNIT_ROOT, unit, &path);
    if (r >= 0)
        r = sd_bus_get_property_strv(bus, S_DEST, path, S_UNIT_IFC, name, &err, ret);
    sd_bus_error_free(&err);
    free(path);
    return r;
}

static int
s_get_string(sd_bus *bus, const char *unit, const char *name, char **ret)
{
    sd_bus_error err = SD_BUS_ERROR_NULL;
    char *path = NULL;
    int r;

    r = sd_bus_path_encode(S_UNIT_ROOT, unit, &path);
    if (r >= 0)
        r = sd_bus_get_property_string(bus, S_DEST, path, S_UNIT_IFC, name, &err, ret);
    sd_bus_error_free(&err);
    free(path);
    return r;
}

/* The name of the unit this process runs in, asked of systemd (sd_pid_get_unit() would read
 * /proc/1, which ProtectProc=invisible hides). */
static int
s_own_unit(sd_bus *bus, char **ret_name)
{
    sd_bus_error err = SD_BUS_ERROR_NULL;
    sd_bus_message *reply = NULL;
    const char *path;
    int r;

    r = sd_bus_call_method(bus, S_DEST, S_MANAGER, "org.freedesktop.systemd1.Manager",
                           "GetUnitByPID", &err, &reply, "u", (uint32_t) getpid());
    if (r >= 0)
        r = sd_bus_message_read(reply, "o", &path);
    if (r >= 0)
        r = sd_bus_get_property_string(bus, S_DEST, path, S_UNIT_IFC, "Id", &err, ret_name);
    sd_bus_message_unref(reply);
    sd_bus_error_free(&err);
    return r;
}

/* True if @unit is ordered before one of @publishers. */
static int
s_is_subscriber(sd_bus *bus, const char *unit, char *const *publishers)
{
    char **before = NULL;
    bool found = false;
    int r;

    r = s_get_strv(bus, unit, "Before", &before);
    if (r < 0)
        return r;
    for (char *const *p = publishers; *p && !found; p++)
        found = s_strv_contains(before, *p);
    s_strv_free(&before);
    return found;
}

static void
s_append_name(char *names, size_t size, const char *unit)
{
    size_t len = strlen(names);

    if (len < size)
        (void) snprintf(names + len, size - len, "%s%s", len ? ", " : "", unit);
}

/* Counts the active subscribers among the units @target wants; @self is camerad's unit and
 * @after what it is ordered after. */
static int
s_count_in_target(sd_bus *bus, const char *self, char *const *after, const char *target,
                  unsigned *n, char *names, size_t size)
{
    char **wants = NULL, **publishers = NULL;
    size_t n_wants = 0, n_pub = 0;
    int r;

    r = s_get_strv(bus, target, "Wants", &wants);
    if (r < 0)
        return r;
    while (wants && wants[n_wants])
        n_wants++;
    publishers = calloc(n_wants + 1, sizeof *publishers);
    if (!publishers) {
        r = -ENOMEM;
        goto out;
    }
    /* The target's units that camerad starts after: pubd. */
    for (size_t i = 0; i < n_wants; i++) {
        if (strcmp(wants[i], self) != 0 && s_strv_contains(after, wants[i]))
            publishers[n_pub++] = wants[i];
    }
    for (size_t i = 0; i < n_wants && n_pub; i++) {
        char *state = NULL;

        if (strcmp(wants[i], self) == 0 || s_strv_contains(publishers, wants[i]))
            continue;
        r = s_is_subscriber(bus, wants[i], publishers);
        if (r < 0)
            goto out;
        if (!r)
            continue;
        r = s_get_string(bus, wants[i], "ActiveState", &state);
        if (r < 0)
            goto out;
        /* Only a running subscriber has connected; one that failed is not waited for. */
        if (strcmp(state, "active") == 0 || strcmp(state, "reloading") == 0) {
            (*n)++;
            s_append_name(names, size, wants[i]);
        }
        free(state);
    }
    r = 0;
out:
    free(publishers); /* the strings belong to wants */
    s_strv_free(&wants);
    return r;
}

int
units_count_subscribers(unsigned *ret_n, char *names, size_t size)
{
    char *self = NULL, **part_of = NULL, **after = NULL;
    sd_bus *bus = NULL;
    unsigned n = 0;
    bool in_target = false;
    int r;

    if (size)
        names[0] = '\0';
    if (sd_booted() <= 0) {
        r = -ENXIO; /* systemd is not PID 1: no units */
        goto out;
    }
    r = sd_bus_open_system(&bus);
    if (r >= 0)
        r = s_own_unit(bus, &self);
    if (r >= 0)
        r = s_get_strv(bus, self, "PartOf", &part_of);
    if (r >= 0)
        r = s_get_strv(bus, self, "After", &after);
    if (r < 0)
        goto out;
    for (char **t = part_of; t && *t; t++) {
        if (!s_has_suffix(*t, ".target"))
            continue;
        in_target = true;
        r = s_count_in_target(bus, self, after, *t, &n, names, size);
        if (r < 0)
            goto out;
    }
    r = in_target ? 0 : -ENXIO;
    if (r == 0)
        *ret_n = n;
out:
    s_strv_free(&after);
    s_strv_free(&part_of);
    sd_bus_flush_close_unref(bus);
    free(self);
    return r;
}
