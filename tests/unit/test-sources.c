/* camerad's sources against the config's: every source the file may name has camerad's side,
 * under the same name, and only a source that reads a device reports one. */
#include <check.h>
#include <string.h>

#include "check-main.h"
#include "config.h"
#include "source.h"

START_TEST(every_config_source_has_its_ops_under_its_name)
{
    for (int i = 0; i < CS_SOURCE_COUNT; i++) {
        const struct source_ops *ops = source_lookup((enum cs_source) i);

        ck_assert_ptr_nonnull(ops);
        ck_assert_str_eq(ops->name, cs_source_name((enum cs_source) i));
        ck_assert(ops->open && ops->start && ops->fd && ops->read && ops->stop && ops->close);
    }
    ck_assert_ptr_null(source_lookup(CS_SOURCE_COUNT));
}
END_TEST

START_TEST(only_a_device_source_names_its_device)
{
    struct cs_conf conf;

    cs_conf_defaults(&conf, "/nonexistent/camstack.ini");
    (void) strcpy(conf.camerad.device, "/dev/video7");
    conf.camerad.source = CS_SOURCE_TESTPATTERN;
    ck_assert_str_eq(cs_source_device(&conf), "");
    conf.camerad.source = CS_SOURCE_V4L2;
    ck_assert_str_eq(cs_source_device(&conf), "/dev/video7");
}
END_TEST

Suite *
test_suite(void)
{
    Suite *s = suite_create("sources");
    TCase *tc = tcase_create("table");

    tcase_add_test(tc, every_config_source_has_its_ops_under_its_name);
    tcase_add_test(tc, only_a_device_source_names_its_device);
    suite_add_tcase(s, tc);
    return s;
}
