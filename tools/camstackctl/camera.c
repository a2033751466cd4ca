#include "camera.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

/* A member of @s as text ("" when absent): numbers as camerad wrote them. */
static void
s_member_text(const json_t *s, const char *key, char *buf, size_t size)
{
    const json_t *v = json_object_get(s, key);

    if (json_is_integer(v))
        (void) snprintf(buf, size, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    else if (json_is_real(v))
        (void) snprintf(buf, size, "%.15g", json_real_value(v));
    else if (json_is_boolean(v))
        (void) snprintf(buf, size, "%s", json_is_true(v) ? "true" : "false");
    else if (json_is_string(v))
        (void) snprintf(buf, size, "%s", json_string_value(v));
    else
        buf[0] = '\0';
}

/* What the setting takes: "0..255", "0..255/5", "a|b|c", "". */
static void
s_takes(const json_t *s, char *buf, size_t size)
{
    const json_t *choices = json_object_get(s, "choices"), *c;
    char min[48], max[48], step[48];
    size_t i, o = 0;

    buf[0] = '\0';
    if (json_is_array(choices)) {
        json_array_foreach(choices, i, c)
        {
            if (o < size)
                o += (size_t) snprintf(buf + o, size - o, "%s%s", i ? "|" : "",
                                       json_string_value(c) ? json_string_value(c) : "?");
        }
        return;
    }
    s_member_text(s, "min", min, sizeof min);
    s_member_text(s, "max", max, sizeof max);
    s_member_text(s, "step", step, sizeof step);
    if (min[0] || max[0])
        (void) snprintf(buf, size, "%s..%s%s%s", min, max, step[0] ? "/" : "", step);
}

void
camera_print_setting(FILE *out, const json_t *s)
{
    char name[64], type[16], value[128], unit[16], access[8], takes[512];
    bool needs_stop = false, inactive = false;

    s_member_text(s, "name", name, sizeof name);
    s_member_text(s, "type", type, sizeof type);
    s_member_text(s, "value", value, sizeof value);
    s_member_text(s, "unit", unit, sizeof unit);
    s_member_text(s, "access", access, sizeof access);
    s_takes(s, takes, sizeof takes);
    (void) cs_json_get_bool(s, "needs_stop", &needs_stop);
    (void) cs_json_get_bool(s, "inactive", &inactive);
    (void) fprintf(out, "%-32s %-7s %-14s %-24s %-2s%s%s%s%s\n", name, type, value, takes, access,
                   unit[0] ? " " : "", unit, needs_stop ? " needs-stop" : "",
                   inactive ? " inactive" : "");
}

void
camera_print_answer(FILE *out, const char *sub, const json_t *a)
{
    const json_t *list = json_object_get(a, "settings"), *s;
    char name[64], value[128], previous[128];
    uint64_t run = 0, seq = 0;
    bool next_run = false;
    size_t i;

    if (strcmp(sub, "list") == 0) {
        (void) fprintf(out, "%-32s %-7s %-14s %-24s %s\n", "NAME", "TYPE", "VALUE", "TAKES",
                       "ACCESS");
        json_array_foreach(list, i, s)
        {
            camera_print_setting(out, s);
        }
        return;
    }
    s = json_object_get(a, "setting");
    if (strcmp(sub, "get") == 0) {
        camera_print_setting(out, s);
        return;
    }
    s_member_text(s, "name", name, sizeof name);
    s_member_text(s, "value", value, sizeof value);
    s_member_text(a, "previous", previous, sizeof previous);
    (void) cs_json_get_bool(a, "next_run", &next_run);
    (void) cs_json_get_u64(a, "run", &run);
    (void) cs_json_get_u64(a, "seq", &seq);
    if (next_run)
        (void) fprintf(out, "%s = %s (was %s), from the next run\n", name, value, previous);
    else
        (void) fprintf(out, "%s = %s (was %s), from seq %" PRIu64 " of run %" PRIu64 "\n", name,
                       value, previous, seq, run);
}

int
camera_request(int argc, char **argv, char *request, size_t size)
{
    const char *sub = argc > 1 ? argv[1] : "";
    size_t o;

    if (!((strcmp(sub, "list") == 0 && argc == 2) || (strcmp(sub, "get") == 0 && argc == 3)
          || (strcmp(sub, "set") == 0 && argc >= 4)))
        return -EINVAL;
    o = (size_t) snprintf(request, size, "camera");
    for (int i = 1; i < argc; i++) {
        if (o + 1 + strlen(argv[i]) >= size)
            return -E2BIG;
        o += (size_t) snprintf(request + o, size - o, " %s", argv[i]);
    }
    return 0;
}
