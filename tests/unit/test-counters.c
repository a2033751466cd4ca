/* Unit tests of common/counters.h: one table of rows drives the status JSON, the ledger, the
 * STATUS= pairs, lost_total and the man page's list, and a bad table is found. */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "check-main.h"
#include "counters.h"
#include "json.h"

struct s_things {
    uint64_t received, lost;
    _Atomic uint64_t written;
    uint32_t files;
    double fps;
    bool on;
    char path[16];
};

static uint64_t
s_twice(const void *at)
{
    return 2 * *(const uint64_t *) at;
}

static bool
s_none(const void *at)
{
    return *(const uint64_t *) at == 0;
}

static double
s_nan(const void *at)
{
    (void) at;
    return NAN;
}

static const struct cs_counter s_rows[] = {
    CS_CTR_U64(struct s_things, received, CS_COUNTER_LEDGER | CS_COUNTER_LINE, "frames in"),
    CS_CTR_U64(struct s_things, lost, CS_COUNTER_LEDGER | CS_COUNTER_LOSS, "frames lost"),
    CS_CTR_ATOMIC(struct s_things, written, CS_COUNTER_LEDGER | CS_COUNTER_LOSS, "written"),
    CS_CTR_AT("files", CS_COUNTER_U32, struct s_things, files, 0, "files"),
    CS_CTR_DOUBLE_AT("fps", struct s_things, fps, 1, CS_COUNTER_LINE, "rate"),
    CS_CTR_BOOL_AT("on", struct s_things, on, 0, "on"),
    CS_CTR_STRING_AT("path", struct s_things, path, CS_COUNTER_LINE, "file"),
    CS_CTR_U64_FN("twice", struct s_things, received, s_twice, 0, "twice received"),
    CS_CTR_BOOL_FN("none_lost", struct s_things, lost, s_none, CS_COUNTER_LINE, "no loss"),
    CS_CTR_DOUBLE_FN("p50_us", struct s_things, fps, s_nan, 1, CS_COUNTER_LINE, "none yet"),
};

static const struct cs_counter_table s_table = CS_COUNTER_TABLE("things", s_rows);

START_TEST(counters_print_every_form_from_one_table)
{
    struct s_things t = {
        .received = 7, .lost = 2, .files = 3, .fps = 29.97, .on = true, .path = "a.h5"
    };
    struct cs_counter_group g = { &s_table, &t };
    json_t *obj = json_object(), *ledger;
    char buf[256];

    atomic_store(&t.written, 5);
    ck_assert_int_eq(cs_counters_to_json(&g, 1, obj), 0);
    ck_assert_int_eq(cs_json_dump(obj, buf, sizeof buf) > 0, 1);
    ck_assert_str_eq(buf, "{\"received\":7,\"lost\":2,\"written\":5,\"files\":3,\"fps\":30.0,"
                          "\"on\":true,\"path\":\"a.h5\",\"twice\":14,\"none_lost\":false,"
                          "\"p50_us\":null,\"lost_total\":7}");
    ledger = cs_counters_select(&g, 1, CS_COUNTER_LEDGER);
    ck_assert_int_eq(cs_json_dump(ledger, buf, sizeof buf) > 0, 1);
    ck_assert_str_eq(buf, "{\"received\":7,\"lost\":2,\"written\":5,\"lost_total\":7}");
    cs_counters_format(&g, 1, CS_COUNTER_LINE, buf, sizeof buf);
    ck_assert_str_eq(buf, "received=7 fps=30.0 path='a.h5' none_lost=no p50_us=-");
    cs_counters_format(&g, 1, CS_COUNTER_LINE, buf, 12);
    ck_assert_str_eq(buf, "received=7 ");
    ck_assert_uint_eq(cs_counters_lost_total(&g, 1), 7);
    json_decref(obj);
    /* A command's answer made of named counters, in the order asked. */
    obj = json_object();
    ck_assert_int_eq(
        cs_counters_add_named(&g, 1, (const char *const[]){ "path", "lost", NULL }, obj), 0);
    ck_assert_int_gt(cs_json_dump(obj, buf, sizeof buf), 0);
    ck_assert_str_eq(buf, "{\"path\":\"a.h5\",\"lost\":2}");
    ck_assert_int_eq(cs_counters_add_named(&g, 1, (const char *const[]){ "nope", NULL }, obj),
                     -ENOENT);
    json_decref(ledger);
    json_decref(obj);
}
END_TEST

START_TEST(counters_doc_and_validity)
{
    const struct cs_counter_table *tables[] = { &s_table, &s_table };
    char err[128] = "", *doc = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&doc, &len);

    ck_assert(cs_counters_valid(tables, 1, err, sizeof err));
    ck_assert(!cs_counters_valid(tables, 2, err, sizeof err));
    ck_assert_str_eq(err, "counter 'received' twice (things, things)");
    ck_assert_int_eq(cs_counters_write_doc(tables, 1, f), 0);
    ck_assert_int_eq(fclose(f), 0);
    ck_assert_ptr_nonnull(strstr(doc, "*lost* (ledger) (loss)\n\tframes lost\n\n"));
    ck_assert_ptr_nonnull(strstr(doc, "*files*\n\tfiles\n\n"));
    free(doc);
}
END_TEST

Suite *
test_suite(void)
{
    Suite *s = suite_create("counters");
    TCase *tc = tcase_create("table");

    tcase_add_test(tc, counters_print_every_form_from_one_table);
    tcase_add_test(tc, counters_doc_and_validity);
    suite_add_tcase(s, tc);
    return s;
}
