/* GenICam names without a camera: the kinds of feature, the names closest to a mistyped one,
 * and the features that fix the frame for a run. */
#include "genicamnames.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>

/* Each kind's "type" as a setting has it (source.h). */
static const char *const s_kinds[GENICAM_KIND_COUNT] = {
    [GENICAM_INTEGER] = "int",  [GENICAM_FLOAT] = "float",   [GENICAM_ENUMERATION] = "enum",
    [GENICAM_BOOLEAN] = "bool", [GENICAM_STRING] = "string", [GENICAM_COMMAND] = "command",
};

/* The features that fix the frame a run delivers (its size, layout and format): a name, or a
 * prefix ending with '*'. Many cameras lock them during acquisition themselves (pIsLocked),
 * but not all say so in their nodes. */
static const char *const s_fixed_while_running[] = {
    "Width", "Height", "OffsetX", "OffsetY", "PixelFormat", "Binning*", "Decimation*",
};

const char *
genicam_kind_name(enum genicam_kind kind)
{
    return kind < GENICAM_KIND_COUNT ? s_kinds[kind] : "?";
}

/* The edit distance of @a and @b ignoring case, a swap of two neighbours counting as one edit
 * (the optimal string alignment distance), or SIZE_MAX when over @limit. */
static size_t
s_distance(const char *a, const char *b, size_t limit)
{
    size_t la = strlen(a), lb = strlen(b), rows[3][65];
    size_t *prev2 = rows[0], *prev = rows[1], *cur = rows[2];

    if (la > 64 || lb > 64 || (la > lb ? la - lb : lb - la) > limit)
        return SIZE_MAX;
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t best = cur[0] = i, *t;

        for (size_t j = 1; j <= lb; j++) {
            int ai = tolower((unsigned char) a[i - 1]), bj = tolower((unsigned char) b[j - 1]);
            size_t d = prev[j - 1] + (ai != bj);

            if (prev[j] + 1 < d)
                d = prev[j] + 1;
            if (cur[j - 1] + 1 < d)
                d = cur[j - 1] + 1;
            if (i > 1 && j > 1 && ai == tolower((unsigned char) b[j - 2])
                && tolower((unsigned char) a[i - 2]) == bj && prev2[j - 2] + 1 < d)
                d = prev2[j - 2] + 1;
            cur[j] = d;
            if (d < best)
                best = d;
        }
        if (best > limit)
            return SIZE_MAX;
        t = prev2;
        prev2 = prev;
        prev = cur;
        cur = t;
    }
    return prev[lb] <= limit ? prev[lb] : SIZE_MAX;
}

size_t
genicam_closest(const char *name, const char *const *names, size_t n, size_t *ret_index, size_t max)
{
    size_t len = strlen(name), limit = len < 6 ? 1 : len < 12 ? 2 : 3, found = 0;
    size_t dist[8];

    if (max > 8)
        max = 8;
    for (size_t i = 0; i < n && max > 0; i++) {
        /* A name containing the one given ("Exposure" for ExposureTime) ranks after any typo. */
        size_t d = s_distance(name, names[i], limit);
        size_t k;

        if (d == SIZE_MAX && len >= 4 && strcasestr(names[i], name))
            d = limit + 1;
        if (d == SIZE_MAX)
            continue;
        if (found == max && d >= dist[found - 1])
            continue;
        /* Into the list kept sorted, the worst falling off its end when it is full. */
        k = found < max ? found++ : max - 1;
        for (; k > 0 && dist[k - 1] > d; k--) {
            dist[k] = dist[k - 1];
            ret_index[k] = ret_index[k - 1];
        }
        dist[k] = d;
        ret_index[k] = i;
    }
    return found;
}

bool
genicam_fixed_while_running(const char *name)
{
    for (size_t i = 0; i < sizeof s_fixed_while_running / sizeof s_fixed_while_running[0]; i++) {
        const char *fixed = s_fixed_while_running[i];
        size_t len = strlen(fixed);

        if (fixed[len - 1] == '*' ? strncmp(name, fixed, len - 1) == 0 : strcmp(name, fixed) == 0)
            return true;
    }
    return false;
}
