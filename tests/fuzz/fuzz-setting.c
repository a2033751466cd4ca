/* Fuzzes how a camera setting's value is read from text (setting_parse(), which types a
 * GenICam feature's value, a V4L2 control's and the test pattern's), on settings made from the
 * input: a type, an access, a range and a step of any integers or reals, choices of any bytes;
 * and how a mistyped feature name finds its closest names (genicam_closest()). Beyond not
 * crashing: an accepted value is of the setting's type, within its range, on its step, one of
 * its choices; a refusal is -EINVAL (or -EACCES for a read-only setting) with a message that
 * names the setting; the closest names are distinct indices into the names given. */
#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fuzz.h"
#include "genicamnames.h"
#include "json.h"
#include "setting.h"

#define S_CHOICES_MAX 8
#define S_TEXT_MAX    256

static const char *const s_types[] = { "int", "float", "enum", "bool", "string", "command" };

/* A string of up to @max bytes from the input, NUL-terminated, cut at a NUL in the input. */
static void
s_text(struct fuzz_input *in, size_t max, char *buf)
{
    size_t n = fuzz_take(in, buf, max);

    buf[n] = '\0';
}

/* A number member: an integer for an int, a real (any bits but NaN and infinities, which
 * cs_json_set_double() refuses) for a float. */
static void
s_number(json_t *s, bool integer, const char *key, uint64_t bits)
{
    double d;

    if (integer) {
        assert(cs_json_set_i64(s, key, (int64_t) bits) == 0);
        return;
    }
    memcpy(&d, &bits, sizeof d);
    assert(cs_json_set_double(s, key, d) == (isfinite(d) ? 0 : -ERANGE));
}

static json_t *
s_setting(struct fuzz_input *in, char names[S_CHOICES_MAX][S_TEXT_MAX + 1], size_t *ret_n)
{
    uint8_t type = fuzz_u8(in) % (sizeof s_types / sizeof s_types[0]), flags = fuzz_u8(in);
    bool integer = strcmp(s_types[type], "int") == 0;
    json_t *s = setting_new("Fuzzed", s_types[type], flags & 1 ? "ro" : "rw", flags & 2);
    json_t *choices = json_array();
    size_t n = fuzz_u8(in) % (S_CHOICES_MAX + 1);

    assert(s && choices);
    if (flags & 4)
        s_number(s, integer, "min", fuzz_u64(in));
    if (flags & 8)
        s_number(s, integer, "max", fuzz_u64(in));
    if (flags & 16)
        assert(cs_json_set_i64(s, "step", (int64_t) fuzz_u64(in)) == 0);
    for (size_t i = 0; i < n; i++) {
        s_text(in, fuzz_u8(in) % 32, names[i]);
        assert(json_array_append_new(choices, cs_json_string(names[i])) == 0);
    }
    assert(json_object_set_new(s, "choices", choices) == 0);
    *ret_n = n;
    return s;
}

/* Checks an accepted value @v of setting @s. */
static void
s_check_value(const json_t *s, const json_t *v)
{
    const char *type = setting_str(s, "type");
    int64_t min = INT64_MIN, max = INT64_MAX, step = 1, i;
    double lo = -INFINITY, hi = INFINITY, d;
    size_t k;
    const json_t *c;
    bool found = false;

    if (strcmp(type, "int") == 0) {
        assert(json_is_integer(v));
        i = json_integer_value(v);
        (void) cs_json_get_i64(s, "min", &min);
        (void) cs_json_get_i64(s, "max", &max);
        (void) cs_json_get_i64(s, "step", &step);
        assert(i >= min && i <= max);
        if (step > 1 && json_object_get(s, "min"))
            assert(((uint64_t) i - (uint64_t) min) % (uint64_t) step == 0);
    } else if (strcmp(type, "float") == 0) {
        assert(json_is_real(v));
        d = json_real_value(v);
        (void) cs_json_get_double(s, "min", &lo);
        (void) cs_json_get_double(s, "max", &hi);
        assert(isfinite(d) && d >= lo && d <= hi);
    } else if (strcmp(type, "bool") == 0) {
        assert(json_is_boolean(v));
    } else if (strcmp(type, "enum") == 0) {
        assert(json_is_string(v));
        json_array_foreach(json_object_get(s, "choices"), k, c)
        {
            found = found || strcmp(json_string_value(c), json_string_value(v)) == 0;
        }
        assert(found);
    } else if (strcmp(type, "string") == 0) {
        assert(json_is_string(v));
    } else {
        assert(json_is_null(v));
    }
}

/* The closest of the choices to the value, as a mistyped feature name would find them. */
static void
s_check_closest(const char *name, char names[S_CHOICES_MAX][S_TEXT_MAX + 1], size_t n)
{
    const char *list[S_CHOICES_MAX];
    size_t idx[4], found;

    for (size_t i = 0; i < n; i++)
        list[i] = names[i];
    found = genicam_closest(name, list, n, idx, 4);
    assert(found <= 4 && found <= n);
    for (size_t i = 0; i < found; i++) {
        assert(idx[i] < n);
        for (size_t j = 0; j < i; j++)
            assert(idx[i] != idx[j]);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in = { data, size };
    char names[S_CHOICES_MAX][S_TEXT_MAX + 1], text[S_TEXT_MAX + 1], err[128];
    json_t *v = NULL;
    size_t n = 0;
    json_t *s = s_setting(&in, names, &n);
    int r;

    s_text(&in, S_TEXT_MAX, text);
    r = setting_parse(s, text, &v, err, sizeof err);
    if (r == 0) {
        assert(strcmp(setting_str(s, "access"), "ro") != 0);
        s_check_value(s, v);
    } else {
        assert(r == (strcmp(setting_str(s, "access"), "ro") == 0 ? -EACCES : -EINVAL));
        assert(strncmp(err, "Fuzzed ", 7) == 0 && memchr(err, '\0', sizeof err));
        assert(!v);
    }
    s_check_closest(text, names, n);
    json_decref(v);
    json_decref(s);
    return 0;
}
