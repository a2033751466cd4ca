/* camstackctl status --all's arithmetic: a stack's memory budget from its daemons' status
 * answers and its frame size, and the host's MemAvailable from a meminfo file. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "allstacks.h"
#include "check-main.h"
#include "tmpdir.h"

/* The budget of each daemon is its queue_budget_frames of the configured frame size plus its
 * queue_limit_bytes; a daemon that did not answer has none. */
START_TEST(budget_is_frames_of_the_frame_size_plus_byte_limits)
{
    static const char *const texts[CS_DAEMON_COUNT] = {
        [CS_DAEMON_CAMERAD] = "{\"queue_budget_frames\": 0}",
        [CS_DAEMON_PUBD] = "{\"queue_budget_frames\": 436}",
        [CS_DAEMON_ANALYZERD] = NULL, /* not running */
        [CS_DAEMON_SAVERD] = "{\"queue_budget_frames\": 1746, \"queue_limit_bytes\": 1073741824}",
    };
    struct cs_client_answer answers[CS_DAEMON_COUNT];
    uint64_t bytes[CS_DAEMON_COUNT], frame;
    struct cs_conf conf;

    cs_conf_defaults(&conf, "/etc/camstack/camstack.ini");
    conf.camerad.width = 640;
    conf.camerad.height = 480;
    conf.camerad.pixel_format = CS_PIXFMT_RGB24;
    frame = cs_conf_frame_bytes(&conf);
    ck_assert_uint_eq(frame, 921600);
    memset(answers, 0, sizeof answers);
    for (int d = 0; d < CS_DAEMON_COUNT; d++) {
        answers[d].asked = true;
        answers[d].error = texts[d] ? 0 : -ECONNREFUSED;
        answers[d].json =
            texts[d] ? cs_json_parse_object(texts[d], strlen(texts[d]), NULL, 0) : NULL;
    }
    ck_assert_uint_eq(allstacks_budget(&conf, answers, bytes),
                      (436 + 1746) * frame + 1073741824ull);
    ck_assert_uint_eq(bytes[CS_DAEMON_CAMERAD], 0);
    ck_assert_uint_eq(bytes[CS_DAEMON_PUBD], 436 * frame);
    ck_assert_uint_eq(bytes[CS_DAEMON_ANALYZERD], 0);
    ck_assert_uint_eq(bytes[CS_DAEMON_SAVERD], 1746 * frame + 1073741824ull);
    cs_client_answers_clear(answers);
}
END_TEST

START_TEST(mem_available_is_read_in_bytes)
{
    char path[PATH_MAX];
    uint64_t avail = 0;

    test_tmpdir_write(path, sizeof path, "meminfo",
                      "MemTotal:       32768000 kB\nMemFree:         1000000 kB\n"
                      "MemAvailable:   23270260 kB\nBuffers:          123456 kB\n");
    ck_assert_int_eq(allstacks_mem_available(path, &avail), 0);
    ck_assert_uint_eq(avail, 23270260ull * 1024);
    ck_assert_int_eq(unlink(path), 0);
    test_tmpdir_write(path, sizeof path, "meminfo", "MemTotal:       32768000 kB\n");
    ck_assert_int_eq(allstacks_mem_available(path, &avail), -ENOENT);
    ck_assert_int_eq(unlink(path), 0);
    ck_assert_int_eq(allstacks_mem_available(path, &avail), -ENOENT);
    ck_assert_int_eq(allstacks_mem_available("/proc/meminfo", &avail), 0);
    ck_assert_uint_gt(avail, 0);
}
END_TEST

Suite *
test_suite(void)
{
    Suite *s = suite_create("allstacks");
    TCase *tc = tcase_create("budget");

    tcase_add_checked_fixture(tc, test_tmpdir_setup, test_tmpdir_teardown);
    tcase_add_test(tc, budget_is_frames_of_the_frame_size_plus_byte_limits);
    tcase_add_test(tc, mem_available_is_read_in_bytes);
    suite_add_tcase(s, tc);
    return s;
}
