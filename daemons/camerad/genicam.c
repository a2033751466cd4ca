/* A GenICam camera's features through Aravis's view of its description (ArvGc): what the
 * camera's categories name is its list of features; each node says its kind, access, range or
 * entries; values are written through the node's own type, after genicamvalue.c has checked
 * them, so that a refusal names what is allowed before the camera sees anything. */
#include "genicam.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
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

static char *
s_strdup0(const char *s)
{
    return strdup(s ? s : "");
}

/* The range, entries or length of @node, into @f; errors leave what could not be read at 0. */
static int
s_describe_range(ArvGcNode *node, struct genicam_feature *f)
{
    const char **entries = NULL;
    guint n = 0;

    switch (f->kind) {
    case GENICAM_INTEGER:
        f->imin = arv_gc_integer_get_min(ARV_GC_INTEGER(node), NULL);
        f->imax = arv_gc_integer_get_max(ARV_GC_INTEGER(node), NULL);
        f->iinc = arv_gc_integer_get_inc(ARV_GC_INTEGER(node), NULL);
        f->unit = s_strdup0(arv_gc_integer_get_unit(ARV_GC_INTEGER(node)));
        break;
    case GENICAM_FLOAT:
        f->fmin = arv_gc_float_get_min(ARV_GC_FLOAT(node), NULL);
        f->fmax = arv_gc_float_get_max(ARV_GC_FLOAT(node), NULL);
        f->unit = s_strdup0(arv_gc_float_get_unit(ARV_GC_FLOAT(node)));
        break;
    case GENICAM_STRING:
        f->max_length = arv_gc_string_get_max_length(ARV_GC_STRING(node), NULL);
        break;
    case GENICAM_ENUMERATION:
        entries =
            arv_gc_enumeration_dup_available_string_values(ARV_GC_ENUMERATION(node), &n, NULL);
        f->entries = calloc(n ? n : 1, sizeof *f->entries);
        if (!f->entries) {
            g_free(entries);
            return -ENOMEM;
        }
        for (guint i = 0; i < n; i++) {
            f->entries[i] = s_strdup0(entries[i]);
            if (!f->entries[i]) {
                g_free(entries);
                return -ENOMEM;
            }
            f->n_entries++;
        }
        g_free(entries);
        break;
    case GENICAM_BOOLEAN:
    case GENICAM_COMMAND:
    case GENICAM_KIND_COUNT:
        break;
    }
    if (!f->unit)
        f->unit = strdup("");
    return f->unit ? 0 : -ENOMEM;
}

/* Reads @node's value, typed, into f->cur and as text into f->value; leaves f->value NULL
 * when the camera does not give it. Aravis's own text of a float has 6 digits only ("%g"). */
static int
s_read_value(ArvGcNode *node, struct genicam_feature *f)
{
    struct genicam_value *v = &f->cur;
    GError *error = NULL;
    const char *s = NULL;
    char text[64];

    v->kind = f->kind;
    switch (f->kind) {
    case GENICAM_INTEGER:
        v->i = arv_gc_integer_get_value(ARV_GC_INTEGER(node), &error);
        (void) snprintf(text, sizeof text, "%" G_GINT64_FORMAT, v->i);
        s = text;
        break;
    case GENICAM_FLOAT:
        v->f = arv_gc_float_get_value(ARV_GC_FLOAT(node), &error);
        cs_format_double(v->f, text, sizeof text);
        s = text;
        break;
    case GENICAM_ENUMERATION:
        s = arv_gc_enumeration_get_string_value(ARV_GC_ENUMERATION(node), &error);
        break;
    case GENICAM_BOOLEAN:
        v->b = arv_gc_boolean_get_value(ARV_GC_BOOLEAN(node), &error);
        s = v->b ? "true" : "false";
        break;
    case GENICAM_STRING:
        s = arv_gc_string_get_value(ARV_GC_STRING(node), &error);
        break;
    case GENICAM_COMMAND:
    case GENICAM_KIND_COUNT:
        return 0;
    }
    if (error || !s) {
        g_clear_error(&error);
        return 0;
    }
    f->value = strdup(s);
    if (!f->value)
        return -ENOMEM;
    v->s = f->value;
    return 0;
}

/* Describes @node, of kind @kind, into @f (zeroed first); with its value now if it can be read. */
static int
s_describe_node(ArvGcNode *node, int kind, struct genicam_feature *f)
{
    ArvGcFeatureNode *fn = ARV_GC_FEATURE_NODE(node);
    ArvGcAccessMode mode = arv_gc_feature_node_get_actual_access_mode(fn);
    int r;

    memset(f, 0, sizeof *f);
    f->kind = (enum genicam_kind) kind;
    f->name = s_strdup0(arv_gc_feature_node_get_name(fn));
    if (!f->name)
        return -ENOMEM;
    f->readable = mode == ARV_GC_ACCESS_MODE_RO || mode == ARV_GC_ACCESS_MODE_RW;
    f->writable = mode == ARV_GC_ACCESS_MODE_WO || mode == ARV_GC_ACCESS_MODE_RW;
    f->available = arv_gc_feature_node_is_available(fn, NULL);
    f->locked = arv_gc_feature_node_is_locked(fn, NULL);
    r = s_describe_range(node, f);
    if (r < 0 || !f->readable || !f->available)
        return r;
    return s_read_value(node, f);
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

static int
s_list_one(ArvGcNode *node, int kind, void *user)
{
    struct genicam_list *list = user;
    struct genicam_feature *more = realloc(list->features, (list->n + 1) * sizeof *more);
    int r;

    if (!more)
        return -ENOMEM;
    list->features = more;
    r = s_describe_node(node, kind, &list->features[list->n]);
    list->n++; /* also when it failed: the clear frees what it got */
    return r;
}

int
genicam_list(ArvDevice *dev, struct genicam_list *ret_list)
{
    struct genicam_list list = { NULL, 0 };
    int r = s_each_listed(arv_device_get_genicam(dev), s_list_one, &list);

    if (r < 0) {
        genicam_list_clear(&list);
        return r;
    }
    *ret_list = list;
    return 0;
}

void
genicam_list_clear(struct genicam_list *list)
{
    for (size_t i = 0; i < list->n; i++)
        genicam_feature_clear(&list->features[i]);
    free(list->features);
    list->features = NULL;
    list->n = 0;
}

/* What the error of an unknown name collects: every listed name, and by kind those of the
 * features that are writable and could take the value (with no value: of every feature). */
struct s_unknown {
    const char *text;
    GPtrArray *names;
    char *by_kind[GENICAM_KIND_COUNT];
    size_t size;
};

static int
s_unknown_one(ArvGcNode *node, int kind, void *user)
{
    struct s_unknown *u = user;
    ArvGcFeatureNode *fn = ARV_GC_FEATURE_NODE(node);
    ArvGcAccessMode mode = arv_gc_feature_node_get_actual_access_mode(fn);
    const char *name = arv_gc_feature_node_get_name(fn);

    g_ptr_array_add(u->names, (gpointer) name);
    if (!u->text
        || ((mode == ARV_GC_ACCESS_MODE_WO || mode == ARV_GC_ACCESS_MODE_RW)
            && genicam_kind_takes((enum genicam_kind) kind, u->text)))
        cs_appendf(u->by_kind[kind], u->size, "%s%s", u->by_kind[kind][0] ? ", " : "", name);
    return 0;
}

/* The error of a name @gc has no feature of: the closest names, and by kind the writable
 * features that could take @text (NULL: every feature). */
static void
s_unknown_error(ArvGc *gc, const char *name, const char *text, char *reterr, size_t err_size)
{
    char lists[GENICAM_KIND_COUNT][GENICAM_ERROR_MAX];
    struct s_unknown u = { .text = text, .names = g_ptr_array_new(), .size = sizeof lists[0] };
    size_t closest[S_CLOSEST_MAX], n;
    const char *sep = "";

    for (int k = 0; k < GENICAM_KIND_COUNT; k++) {
        lists[k][0] = '\0';
        u.by_kind[k] = lists[k];
    }
    (void) s_each_listed(gc, s_unknown_one, &u);
    n = genicam_closest(name, (const char *const *) u.names->pdata, u.names->len, closest,
                        S_CLOSEST_MAX);
    reterr[0] = '\0';
    cs_appendf(reterr, err_size, "the camera has no feature '%s'", name);
    for (size_t i = 0; i < n; i++)
        cs_appendf(reterr, err_size, "%s%s",
                   i ? ", " : "; closest: ", (const char *) u.names->pdata[closest[i]]);
    if (text)
        cs_appendf(reterr, err_size, "; its writable features taking '%s':", text);
    else
        cs_appendf(reterr, err_size, "; its features:");
    for (int k = 0; k < GENICAM_KIND_COUNT; k++) {
        if (!lists[k][0])
            continue;
        cs_appendf(reterr, err_size, "%s %s %s", sep, genicam_kind_name((enum genicam_kind) k),
                   lists[k]);
        sep = ";";
    }
    if (!sep[0])
        cs_appendf(reterr, err_size, " none");
    g_ptr_array_free(u.names, TRUE);
}

/* The feature node called @name, and its kind; NULL when @gc has no such feature. */
static ArvGcNode *
s_find(ArvGc *gc, const char *name, int *ret_kind)
{
    ArvGcNode *node = arv_gc_get_node(gc, name);

    *ret_kind = node ? s_kind(node) : -1;
    if (*ret_kind < 0 || !arv_gc_feature_node_is_implemented(ARV_GC_FEATURE_NODE(node), NULL))
        return NULL;
    return node;
}

int
genicam_describe(ArvDevice *dev, const char *name, const char *text,
                 struct genicam_feature *ret_feature, char *reterr, size_t err_size)
{
    ArvGc *gc = arv_device_get_genicam(dev);
    int kind, r;
    ArvGcNode *node = s_find(gc, name, &kind);

    if (!node) {
        s_unknown_error(gc, name, text, reterr, err_size);
        return -ENOENT;
    }
    r = s_describe_node(node, kind, ret_feature);
    if (r < 0) {
        genicam_feature_clear(ret_feature);
        (void) snprintf(reterr, err_size, "out of memory");
    }
    return r;
}

/* Why @f cannot be set now, as -errno with the message; 0 when it can. */
static int
s_check_settable(const struct genicam_feature *f, bool running, char *reterr, size_t err_size)
{
    if (running && genicam_fixed_while_running(f->name)) {
        (void) snprintf(reterr, err_size,
                        "'%s' fixes the frame of the run (its size, layout or format): it "
                        "cannot change while a run is open; stop acquisition first",
                        f->name);
        return -EBUSY;
    }
    if (!f->writable) {
        (void) snprintf(reterr, err_size, "%s '%s' is read-only", genicam_kind_name(f->kind),
                        f->name);
        return -EACCES;
    }
    if (f->locked) {
        (void) snprintf(reterr, err_size, "the camera locks '%s' now%s", f->name,
                        running ? " (while acquiring): stop acquisition first" : "");
        return -EBUSY;
    }
    if (!f->available) {
        (void) snprintf(reterr, err_size,
                        "'%s' is not available now (another feature's setting disables it)",
                        f->name);
        return -EACCES;
    }
    return 0;
}

/* Writes @v to @node through its own type. */
static void
s_write(ArvGcNode *node, const struct genicam_value *v, GError **error)
{
    switch (v->kind) {
    case GENICAM_INTEGER:
        arv_gc_integer_set_value(ARV_GC_INTEGER(node), v->i, error);
        break;
    case GENICAM_FLOAT:
        arv_gc_float_set_value(ARV_GC_FLOAT(node), v->f, error);
        break;
    case GENICAM_ENUMERATION:
        (void) arv_gc_enumeration_set_string_value(ARV_GC_ENUMERATION(node), v->s, error);
        break;
    case GENICAM_BOOLEAN:
        arv_gc_boolean_set_value(ARV_GC_BOOLEAN(node), v->b, error);
        break;
    case GENICAM_STRING:
        arv_gc_string_set_value(ARV_GC_STRING(node), v->s, error);
        break;
    case GENICAM_COMMAND:
        arv_gc_command_execute(ARV_GC_COMMAND(node), error);
        break;
    case GENICAM_KIND_COUNT:
        break;
    }
}

int
genicam_set(ArvDevice *dev, const char *name, const char *text, bool running,
            struct genicam_feature *ret_after, char *reterr, size_t err_size)
{
    ArvGc *gc = arv_device_get_genicam(dev);
    struct genicam_feature f = { 0 };
    struct genicam_value v;
    GError *error = NULL;
    int kind, r;
    ArvGcNode *node = s_find(gc, name, &kind);

    if (!node) {
        s_unknown_error(gc, name, text, reterr, err_size);
        return -ENOENT;
    }
    r = s_describe_node(node, kind, &f);
    if (r < 0) {
        (void) snprintf(reterr, err_size, "out of memory");
        goto out;
    }
    r = s_check_settable(&f, running, reterr, err_size);
    if (r < 0)
        goto out;
    r = genicam_parse_value(&f, text, &v, reterr, err_size);
    if (r < 0)
        goto out;
    s_write(node, &v, &error);
    if (error) {
        /* The node's own errors are refusals; the device's, a camera that did not answer. */
        r = error->domain == ARV_GC_ERROR ? -EINVAL : -EIO;
        (void) snprintf(reterr, err_size, "the camera refuses %s = %s: %s", name, text,
                        error->message);
        g_clear_error(&error);
        goto out;
    }
    if (ret_after) {
        r = s_describe_node(node, kind, ret_after);
        if (r < 0) {
            genicam_feature_clear(ret_after);
            (void) snprintf(reterr, err_size, "out of memory");
        }
    }
out:
    genicam_feature_clear(&f);
    return r;
}

int
genicam_apply_conf(ArvDevice *dev, const struct cs_conf *conf)
{
    const struct cs_conf_texts *t = &conf->camerad.features;

    for (unsigned i = 0; i < t->n; i++) {
        const struct cs_conf_text *key = &t->items[i];
        struct genicam_feature before = { 0 }, after = { 0 };
        char err[GENICAM_ERROR_MAX];
        int r = genicam_describe(dev, key->name, key->value, &before, err, sizeof err);

        if (r == 0)
            r = genicam_set(dev, key->name, key->value, false, &after, err, sizeof err);
        if (r == 0)
            cs_log(LOG_INFO, "feature %s = %s%s%s%s", key->name,
                   after.value ? after.value : key->value, before.value ? " (was " : "",
                   before.value ? before.value : "", before.value ? ")" : "");
        genicam_feature_clear(&before);
        genicam_feature_clear(&after);
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
