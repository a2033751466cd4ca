/* A GenICam camera's features through Aravis's view of its description (ArvGc): what the
 * camera's categories name is its list of features; each node says its kind, access, range or
 * entries, and becomes a setting (source.h); a value is parsed against that setting
 * (setting.c) before the camera sees it, then written through the node's own type, so that a
 * refusal names what is allowed. */
#include "genicam.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "log.h"
#include "setting.h"
#include "util.h"

#define S_CLOSEST_MAX 3

/* The kind of feature @node is, or -1 for a node that is not a feature with a value
 * (categories, enumeration entries, ports, registers without a value interface). An
 * enumeration is also an integer in Aravis, so it is asked first. */
static int
s_kind(ArvGcNode *node)
{
    if (!ARV_IS_GC_FEATURE_NODE(node) || ARV_IS_GC_CATEGORY(node) || ARV_IS_GC_ENUM_ENTRY(node))
        return -1;
    if (ARV_IS_GC_ENUMERATION(node))
        return GENICAM_ENUMERATION;
    if (ARV_IS_GC_BOOLEAN(node))
        return GENICAM_BOOLEAN;
    if (ARV_IS_GC_COMMAND(node))
        return GENICAM_COMMAND;
    if (ARV_IS_GC_INTEGER(node))
        return GENICAM_INTEGER;
    if (ARV_IS_GC_FLOAT(node))
        return GENICAM_FLOAT;
    if (ARV_IS_GC_STRING(node))
        return GENICAM_STRING;
    return -1;
}

/* 0, or -ENOMEM when any of the calls ORed into @r failed; a real out of JSON's range (an
 * unbounded float's min or max) is left out, not an error. */
static int
s_ok(int r)
{
    return r == -ENOMEM ? -ENOMEM : 0;
}

/* Adds @node's range, choices and unit to @s. */
static int
s_add_range(ArvGcNode *node, enum genicam_kind kind, json_t *s)
{
    const char **entries = NULL, *unit = NULL;
    json_t *choices;
    guint n = 0;
    int r = 0;

    if (kind == GENICAM_INTEGER) {
        gint64 inc = arv_gc_integer_get_inc(ARV_GC_INTEGER(node), NULL);

        r |= s_ok(cs_json_set_i64(s, "min", arv_gc_integer_get_min(ARV_GC_INTEGER(node), NULL)));
        r |= s_ok(cs_json_set_i64(s, "max", arv_gc_integer_get_max(ARV_GC_INTEGER(node), NULL)));
        if (inc > 1)
            r |= s_ok(cs_json_set_i64(s, "step", inc));
        unit = arv_gc_integer_get_unit(ARV_GC_INTEGER(node));
    } else if (kind == GENICAM_FLOAT) {
        r |= s_ok(cs_json_set_double(s, "min", arv_gc_float_get_min(ARV_GC_FLOAT(node), NULL)));
        r |= s_ok(cs_json_set_double(s, "max", arv_gc_float_get_max(ARV_GC_FLOAT(node), NULL)));
        unit = arv_gc_float_get_unit(ARV_GC_FLOAT(node));
    } else if (kind == GENICAM_ENUMERATION) {
        entries =
            arv_gc_enumeration_dup_available_string_values(ARV_GC_ENUMERATION(node), &n, NULL);
        choices = json_array();
        for (guint i = 0; choices && i < n; i++)
            r |= s_ok(json_array_append_new(choices, cs_json_string(entries[i])) ? -ENOMEM : 0);
        r |= s_ok(json_object_set_new(s, "choices", choices) < 0 ? -ENOMEM : 0);
        g_free(entries);
    }
    if (unit && unit[0])
        r |= s_ok(cs_json_set_string(s, "unit", unit));
    return r ? -ENOMEM : 0;
}

/* Adds @node's value, read through its own type, to @s; nothing when it cannot be read. */
static int
s_add_value(ArvGcNode *node, enum genicam_kind kind, json_t *s)
{
    GError *error = NULL;
    json_t *v = NULL;
    const char *text;

    switch (kind) {
    case GENICAM_INTEGER:
        v = json_integer(arv_gc_integer_get_value(ARV_GC_INTEGER(node), &error));
        break;
    case GENICAM_FLOAT:
        v = json_real(arv_gc_float_get_value(ARV_GC_FLOAT(node), &error));
        break;
    case GENICAM_BOOLEAN:
        v = json_boolean(arv_gc_boolean_get_value(ARV_GC_BOOLEAN(node), &error));
        break;
    case GENICAM_ENUMERATION:
        text = arv_gc_enumeration_get_string_value(ARV_GC_ENUMERATION(node), &error);
        v = text ? cs_json_string(text) : NULL;
        break;
    case GENICAM_STRING:
        text = arv_gc_string_get_value(ARV_GC_STRING(node), &error);
        v = text ? cs_json_string(text) : NULL;
        break;
    case GENICAM_COMMAND:
    case GENICAM_KIND_COUNT:
        return 0;
    }
    if (error) {
        g_clear_error(&error);
        json_decref(v);
        return 0;
    }
    return v && json_object_set_new(s, "value", v) == 0 ? 0 : -ENOMEM;
}

/* @node, of kind @kind, as a new setting; NULL on ENOMEM. */
static json_t *
s_setting(ArvGcNode *node, enum genicam_kind kind, bool running)
{
    static const char *const access[] = {
        [ARV_GC_ACCESS_MODE_RO] = "ro",
        [ARV_GC_ACCESS_MODE_WO] = "wo",
        [ARV_GC_ACCESS_MODE_RW] = "rw",
    };
    ArvGcFeatureNode *fn = ARV_GC_FEATURE_NODE(node);
    ArvGcAccessMode mode = arv_gc_feature_node_get_actual_access_mode(fn);
    const char *name = arv_gc_feature_node_get_name(fn);
    bool available = arv_gc_feature_node_is_available(fn, NULL);
    bool locked = arv_gc_feature_node_is_locked(fn, NULL);
    json_t *s = setting_new(
        name, genicam_kind_name(kind),
        mode >= ARV_GC_ACCESS_MODE_RO && mode <= ARV_GC_ACCESS_MODE_RW ? access[mode] : "ro",
        genicam_fixed_while_running(name) || (running && locked));

    if (!s || (!available && cs_json_set_bool(s, "inactive", true) < 0)
        || (locked && cs_json_set_bool(s, "x_locked", true) < 0) || s_add_range(node, kind, s) < 0
        || (mode != ARV_GC_ACCESS_MODE_WO && available && s_add_value(node, kind, s) < 0)) {
        json_decref(s);
        return NULL;
    }
    return s;
}

/* Calls @fn for each feature the categories below @parent name, once each (@seen), in
 * document order; into groups (<Group>), which hold nodes without being one. */
static int
s_each_in(ArvGc *gc, ArvDomNode *parent, GHashTable *seen,
          int (*fn)(ArvGcNode *node, int kind, void *user), void *user)
{
    int r = 0;

    for (ArvDomNode *c = arv_dom_node_get_first_child(parent); c && r == 0;
         c = arv_dom_node_get_next_sibling(c)) {
        if (ARV_IS_GC_GROUP_NODE(c)) {
            r = s_each_in(gc, c, seen, fn, user);
            continue;
        }
        if (!ARV_IS_GC_CATEGORY(c))
            continue;
        for (const GSList *l = arv_gc_category_get_features(ARV_GC_CATEGORY(c)); l && r == 0;
             l = l->next) {
            ArvGcNode *node = arv_gc_get_node(gc, l->data);
            int kind = node ? s_kind(node) : -1;

            if (kind < 0 || !g_hash_table_add(seen, l->data))
                continue;
            if (arv_gc_feature_node_get_visibility(ARV_GC_FEATURE_NODE(node))
                    == ARV_GC_VISIBILITY_INVISIBLE
                || !arv_gc_feature_node_is_implemented(ARV_GC_FEATURE_NODE(node), NULL))
                continue;
            r = fn(node, kind, user);
        }
    }
    return r;
}

/* Calls @fn for each feature the categories of @gc name, once each, in document order. */
static int
s_each_listed(ArvGc *gc, int (*fn)(ArvGcNode *node, int kind, void *user), void *user)
{
    ArvDomElement *root = arv_dom_document_get_document_element(ARV_DOM_DOCUMENT(gc));
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
    int r = root ? s_each_in(gc, ARV_DOM_NODE(root), seen, fn, user) : 0;

    g_hash_table_destroy(seen);
    return r;
}

struct s_listing {
    json_t *list;
    bool running;
};

static int
s_list_one(ArvGcNode *node, int kind, void *user)
{
    struct s_listing *l = user;

    return json_array_append_new(l->list, s_setting(node, (enum genicam_kind) kind, l->running))
               ? -ENOMEM
               : 0;
}

int
genicam_settings_list(ArvDevice *dev, bool running, json_t **ret_list, char *reterr,
                      size_t err_size)
{
    struct s_listing l = { .list = json_array(), .running = running };

    if (!l.list || s_each_listed(arv_device_get_genicam(dev), s_list_one, &l) < 0) {
        json_decref(l.list);
        (void) snprintf(reterr, err_size, "out of memory");
        return -ENOMEM;
    }
    *ret_list = l.list;
    return 0;
}

/* True when @setting is writable and could take @value, whatever its range: a number for a
 * number, an entry for an enumeration, any text for a string or a command. */
static bool
s_could_take(const json_t *setting, const char *value)
{
    json_t *loose = json_deep_copy(setting), *v = NULL;
    char err[8];
    bool yes;

    if (!loose)
        return false;
    (void) json_object_del(loose, "min");
    (void) json_object_del(loose, "max");
    (void) json_object_del(loose, "step");
    yes = strcmp(setting_str(setting, "access"), "ro") != 0
          && setting_parse(loose, value, &v, err, sizeof err) == 0;
    json_decref(v);
    json_decref(loose);
    return yes;
}

/* What the error of an unknown name collects: every listed name, and by type those of the
 * features that could take the value (with no value: of every feature). */
struct s_unknown {
    const char *value;
    GPtrArray *names;
    char by_kind[GENICAM_KIND_COUNT][GENICAM_ERROR_MAX];
};

static int
s_unknown_one(ArvGcNode *node, int kind, void *user)
{
    struct s_unknown *u = user;
    const char *name = arv_gc_feature_node_get_name(ARV_GC_FEATURE_NODE(node));
    json_t *setting = u->value ? s_setting(node, (enum genicam_kind) kind, false) : NULL;

    g_ptr_array_add(u->names, (gpointer) name);
    if (!u->value || (setting && s_could_take(setting, u->value)))
        cs_appendf(u->by_kind[kind], sizeof u->by_kind[kind], "%s%s",
                   u->by_kind[kind][0] ? ", " : "", name);
    json_decref(setting);
    return 0;
}

/* The error of a name @gc has no feature of: the closest names, and by type the writable
 * features that could take @value (NULL: every feature). */
static void
s_unknown_error(ArvGc *gc, const char *name, const char *value, char *reterr, size_t err_size)
{
    struct s_unknown *u = g_new0(struct s_unknown, 1);
    size_t closest[S_CLOSEST_MAX], n;
    const char *sep = "";

    u->value = value;
    u->names = g_ptr_array_new();
    (void) s_each_listed(gc, s_unknown_one, u);
    n = genicam_closest(name, (const char *const *) u->names->pdata, u->names->len, closest,
                        S_CLOSEST_MAX);
    (void) snprintf(reterr, err_size, "the camera has no feature '%s'", name);
    for (size_t i = 0; i < n; i++)
        cs_appendf(reterr, err_size, "%s%s",
                   i ? ", " : "; closest: ", (const char *) u->names->pdata[closest[i]]);
    if (value)
        cs_appendf(reterr, err_size, "; its writable features taking '%s':", value);
    else
        cs_appendf(reterr, err_size, "; its features:");
    for (int k = 0; k < GENICAM_KIND_COUNT; k++) {
        if (!u->by_kind[k][0])
            continue;
        cs_appendf(reterr, err_size, "%s %s %s", sep, genicam_kind_name((enum genicam_kind) k),
                   u->by_kind[k]);
        sep = ";";
    }
    if (!sep[0])
        cs_appendf(reterr, err_size, " none");
    g_ptr_array_free(u->names, TRUE);
    g_free(u);
}

/* The feature node called @name and its kind; NULL when @gc has no such feature. */
static ArvGcNode *
s_find(ArvGc *gc, const char *name, enum genicam_kind *ret_kind)
{
    ArvGcNode *node = arv_gc_get_node(gc, name);
    int kind = node ? s_kind(node) : -1;

    if (kind < 0 || !arv_gc_feature_node_is_implemented(ARV_GC_FEATURE_NODE(node), NULL))
        return NULL;
    *ret_kind = (enum genicam_kind) kind;
    return node;
}

int
genicam_setting_get(ArvDevice *dev, const char *name, bool running, json_t **ret_setting,
                    char *reterr, size_t err_size)
{
    ArvGc *gc = arv_device_get_genicam(dev);
    enum genicam_kind kind;
    ArvGcNode *node = s_find(gc, name, &kind);

    if (!node) {
        s_unknown_error(gc, name, NULL, reterr, err_size);
        return -ENOENT;
    }
    *ret_setting = s_setting(node, kind, running);
    if (!*ret_setting) {
        (void) snprintf(reterr, err_size, "out of memory");
        return -ENOMEM;
    }
    return 0;
}

/* Why @setting cannot be set now, as -errno with the message; 0 when it can. (A read-only one
 * is refused by setting_parse().) */
static int
s_check_settable(const json_t *setting, bool running, char *reterr, size_t err_size)
{
    const char *name = setting_str(setting, "name");
    bool locked = false, inactive = false;

    (void) cs_json_get_bool(setting, "x_locked", &locked);
    (void) cs_json_get_bool(setting, "inactive", &inactive);
    if (running && genicam_fixed_while_running(name)) {
        (void) snprintf(reterr, err_size,
                        "%s fixes the frame of the run (its size, layout or format): it cannot "
                        "change while a run is open; stop acquisition first",
                        name);
        return -EBUSY;
    }
    if (locked && strcmp(setting_str(setting, "access"), "ro") != 0) {
        (void) snprintf(reterr, err_size, "the camera locks %s now%s", name,
                        running ? " (while acquiring): stop acquisition first" : "");
        return -EBUSY;
    }
    if (inactive) {
        (void) snprintf(reterr, err_size,
                        "%s is not available now (another feature's setting disables it)", name);
        return -EACCES;
    }
    return 0;
}

/* Writes @v (as setting_parse() gives it for @kind) to @node through its own type. */
static void
s_write(ArvGcNode *node, enum genicam_kind kind, const json_t *v, GError **error)
{
    switch (kind) {
    case GENICAM_INTEGER:
        arv_gc_integer_set_value(ARV_GC_INTEGER(node), json_integer_value(v), error);
        break;
    case GENICAM_FLOAT:
        arv_gc_float_set_value(ARV_GC_FLOAT(node), json_number_value(v), error);
        break;
    case GENICAM_ENUMERATION:
        (void) arv_gc_enumeration_set_string_value(ARV_GC_ENUMERATION(node), json_string_value(v),
                                                   error);
        break;
    case GENICAM_BOOLEAN:
        arv_gc_boolean_set_value(ARV_GC_BOOLEAN(node), json_is_true(v), error);
        break;
    case GENICAM_STRING:
        arv_gc_string_set_value(ARV_GC_STRING(node), json_string_value(v), error);
        break;
    case GENICAM_COMMAND:
        arv_gc_command_execute(ARV_GC_COMMAND(node), error);
        break;
    case GENICAM_KIND_COUNT:
        break;
    }
}

int
genicam_setting_set(ArvDevice *dev, const char *name, const char *value, bool running,
                    json_t **ret_setting, char *reterr, size_t err_size)
{
    ArvGc *gc = arv_device_get_genicam(dev);
    json_t *setting = NULL, *v = NULL;
    GError *error = NULL;
    enum genicam_kind kind;
    ArvGcNode *node = s_find(gc, name, &kind);
    int r;

    if (!node) {
        s_unknown_error(gc, name, value, reterr, err_size);
        return -ENOENT;
    }
    setting = s_setting(node, kind, running);
    r = setting ? s_check_settable(setting, running, reterr, err_size) : -ENOMEM;
    if (r == 0)
        r = setting_parse(setting, value, &v, reterr, err_size);
    if (r < 0)
        goto out;
    s_write(node, kind, v, &error);
    if (error) {
        /* The node's own errors are refusals; the device's, a camera that did not answer. */
        r = error->domain == ARV_GC_ERROR ? -EINVAL : -EIO;
        (void) snprintf(reterr, err_size, "the camera refuses %s = %s: %s", name, value,
                        error->message);
        g_clear_error(&error);
        goto out;
    }
    if (ret_setting) {
        *ret_setting = s_setting(node, kind, running);
        r = *ret_setting ? 0 : -ENOMEM;
    }
out:
    if (r == -ENOMEM)
        (void) snprintf(reterr, err_size, "out of memory");
    json_decref(setting);
    json_decref(v);
    return r;
}

/* The camera's identity: each member from the first of its features the camera has, by the
 * names of the Standard Features Naming Convention. */
static const struct {
    const char *key;
    const char *features[3];
} s_identity[] = {
    { "vendor", { "DeviceVendorName" } },
    { "model", { "DeviceModelName" } },
    { "serial", { "DeviceSerialNumber", "DeviceID" } },
    { "firmware", { "DeviceFirmwareVersion", "DeviceVersion" } },
    { "sensor_width", { "SensorWidth", "WidthMax" } },
    { "sensor_height", { "SensorHeight", "HeightMax" } },
    { "manufacturer_info", { "DeviceManufacturerInfo" } },
    { "user_id", { "DeviceUserID" } },
};

int
genicam_identity(ArvDevice *dev, json_t **ret_identity)
{
    ArvGc *gc = arv_device_get_genicam(dev);
    json_t *id = json_object();

    for (size_t i = 0; id && i < sizeof s_identity / sizeof s_identity[0]; i++) {
        for (size_t j = 0; j < 3 && s_identity[i].features[j]; j++) {
            enum genicam_kind kind;
            ArvGcNode *node = s_find(gc, s_identity[i].features[j], &kind);
            json_t *s = node && (kind == GENICAM_STRING || kind == GENICAM_INTEGER)
                            ? s_setting(node, kind, false)
                            : NULL;
            json_t *v = s ? json_object_get(s, "value") : NULL;
            bool set = v && json_object_set(id, s_identity[i].key, v) == 0;

            json_decref(s);
            if (set)
                break;
        }
    }
    if (!id)
        return -ENOMEM;
    *ret_identity = id;
    return 0;
}

int
genicam_apply_conf(ArvDevice *dev, const struct cs_conf *conf)
{
    const struct cs_conf_texts *t = &conf->camerad.features;

    for (unsigned i = 0; i < t->n; i++) {
        const struct cs_conf_text *key = &t->items[i];
        json_t *before = NULL, *after = NULL;
        char err[GENICAM_ERROR_MAX], was[CS_CONF_TEXT_VALUE_MAX], now[CS_CONF_TEXT_VALUE_MAX];
        int r;

        /* Every daemon sizes its queues from [camerad]'s frame: the frame is set there. */
        if (genicam_fixed_while_running(key->name)) {
            cs_log(LOG_ERR,
                   "%s:%u: feature.%s: the frame's size, region and format are set by [camerad] "
                   "width, height, offset_x, offset_y, binning_x, binning_y and pixel_format, "
                   "from which every daemon sizes its queues",
                   conf->path, key->line, key->name);
            return -EINVAL;
        }
        r = genicam_setting_get(dev, key->name, false, &before, err, sizeof err);

        /* For an unknown name too: set's error names the features that could take the value. */
        if (r == 0 || r == -ENOENT)
            r = genicam_setting_set(dev, key->name, key->value, false, &after, err, sizeof err);
        if (r == 0) {
            setting_value_text(json_object_get(before, "value"), was, sizeof was);
            setting_value_text(json_object_get(after, "value"), now, sizeof now);
            cs_log(LOG_INFO, "feature %s = %s%s%s%s", key->name, now[0] ? now : key->value,
                   was[0] ? " (was " : "", was, was[0] ? ")" : "");
        }
        json_decref(before);
        json_decref(after);
        /* A camera that does not answer is not the file's fault: camerad tries again. */
        if (r == -EIO || r == -ENOMEM)
            return cs_log_errno(LOG_ERR, r, "%s:%u: feature.%s: %s", conf->path, key->line,
                                key->name, err);
        if (r < 0) {
            cs_log(LOG_ERR, "%s:%u: %s", conf->path, key->line, err);
            return -EINVAL;
        }
    }
    return 0;
}
