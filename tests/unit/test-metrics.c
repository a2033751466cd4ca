/* Unit tests of common/metrics.h: a status JSON and its fields become Prometheus text whose
 * names carry base units and _total, typed by the fields, with quantile summaries, escaped
 * labels and help, and a daemon that did not answer only as down. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check-main.h"
#include "json.h"
#include "metrics.h"

static const char s_status[] =
    "{\"camerad\":{\"ok\":true,\"daemon\":\"camerad\",\"file\":\"a \\\"b\\\"\\nc\\\\\","
    "\"uptime_s\":2.5,\"run\":1796600820959757,\"run_active\":true,\"captured\":85,"
    "\"bytes_sent\":78336000,\"mb_per_s\":27.77,\"fps\":30.133,\"queue_bytes_max\":10,"
    "\"latency_count\":85,\"latency_p50_us\":32.3,\"latency_p99_us\":712.1,"
    "\"latency_max_us\":800,\"latency_recent_p50_us\":null,\"latency_recent_p99_us\":null,"
    "\"lost_total\":0,\"rejected_by_reason\":{\"magic\":2,\"header-size\":1},"
    "\"ledger\":{\"captured\":85},\"odd-name\":3},"
    "\"pubd\":{\"ok\":false,\"down\":true,\"running\":false,\"error\":\"not running\"}}";

static const char s_fields[] =
    "{\"camerad\":{\"captured\":{\"help\":\"frames the source delivered\",\"total\":true},"
    "\"bytes_sent\":{\"help\":\"payload bytes\",\"total\":true},"
    "\"mb_per_s\":{\"help\":\"bytes per second, in MB (10^6 bytes)\",\"total\":false},"
    "\"latency_p50_us\":{\"help\":\"median latency in us, from capture\",\"total\":false},"
    "\"lost_total\":{\"help\":\"frames lost\",\"total\":true},"
    "\"rejected\":{\"help\":\"invalid\\nmessages\",\"total\":true}}}";

static char *
s_metrics(const char *status, const char *fields)
{
    json_t *st = cs_json_parse_object(status, strlen(status), NULL, 0);
    json_t *fl = fields ? cs_json_parse_object(fields, strlen(fields), NULL, 0) : NULL;
    size_t len = 0;
    char *text;

    ck_assert_ptr_nonnull(st);
    text = cs_metrics_format(st, fl, &len);
    ck_assert_ptr_nonnull(text);
    ck_assert_uint_eq(strlen(text), len);
    json_decref(st);
    json_decref(fl);
    return text;
}

static void
s_has(const char *text, const char *line)
{
    ck_assert_msg(strstr(text, line), "no '%s' in:\n%s", line, text);
}

START_TEST(metrics_names_units_and_types)
{
    char *t = s_metrics(s_status, s_fields);

    s_has(t,
          "# TYPE camstack_camerad_captured_total counter\ncamstack_camerad_captured_total 85\n");
    s_has(t, "# HELP camstack_camerad_captured_total captured: frames the source delivered\n");
    s_has(t, "# TYPE camstack_camerad_sent_bytes_total counter\n"
             "camstack_camerad_sent_bytes_total 78336000\n");
    s_has(t, "# HELP camstack_camerad_bytes_per_second mb_per_s: bytes per second, in bytes\n"
             "# TYPE camstack_camerad_bytes_per_second gauge\n"
             "camstack_camerad_bytes_per_second 27770000\n");
    s_has(t, "camstack_camerad_frames_per_second 30.133\n");
    s_has(t, "camstack_camerad_uptime_seconds 2.5\n");
    s_has(t, "camstack_camerad_run 1796600820959757\n"); /* every digit of a run id */
    s_has(t, "camstack_camerad_run_active 1\n");
    s_has(t, "camstack_camerad_queue_max_bytes 10\n");
    /* lost_total is a metric of its own, not "lost"'s counter */
    s_has(t, "# TYPE camstack_camerad_lost_all_total counter\ncamstack_camerad_lost_all_total 0\n");
    ck_assert_ptr_null(strstr(t, "total_total"));
    /* no fields: a gauge with a help naming the member */
    s_has(t, "# HELP camstack_camerad_uptime_seconds uptime_s: a member of the status answer\n"
             "# TYPE camstack_camerad_uptime_seconds gauge\n");
    ck_assert_ptr_null(strstr(t, "odd"));
    ck_assert_ptr_null(strstr(t, "ledger"));
    free(t);
}
END_TEST

START_TEST(metrics_latency_is_a_summary)
{
    char *t = s_metrics(s_status, s_fields);

    s_has(t, "# TYPE camstack_camerad_latency_seconds summary\n"
             "camstack_camerad_latency_seconds_count 85\n"
             "camstack_camerad_latency_seconds{quantile=\"0.5\"} 3.23e-05\n"
             "camstack_camerad_latency_seconds{quantile=\"0.99\"} 0.0007121\n"
             "camstack_camerad_latency_seconds{quantile=\"1\"} 0.0008\n");
    s_has(t, "latency_p50_us (quantile 0.5): median latency in seconds, from capture; ");
    s_has(t, "# TYPE camstack_camerad_latency_recent_seconds gauge\n"
             "camstack_camerad_latency_recent_seconds{quantile=\"0.5\"} NaN\n"
             "camstack_camerad_latency_recent_seconds{quantile=\"0.99\"} NaN\n");
    free(t);
}
END_TEST

START_TEST(metrics_labels_help_and_down)
{
    char *t = s_metrics(s_status, s_fields);

    s_has(t, "camstack_camerad_info{daemon=\"camerad\",file=\"a \\\"b\\\"\\nc\\\\\"} 1\n");
    s_has(t, "# HELP camstack_camerad_rejected_by_reason_total rejected_by_reason (one sample a "
             "reason): invalid\\nmessages\n# TYPE camstack_camerad_rejected_by_reason_total "
             "counter\ncamstack_camerad_rejected_by_reason_total{reason=\"magic\"} 2\n"
             "camstack_camerad_rejected_by_reason_total{reason=\"header-size\"} 1\n");
    s_has(t, "camstack_camerad_up 1\n");
    s_has(t, "# TYPE camstack_pubd_up gauge\ncamstack_pubd_up 0\n");
    ck_assert_ptr_null(strstr(t, "camstack_pubd_info"));
    ck_assert_ptr_null(strstr(t, "running"));
    free(t);
}
END_TEST

START_TEST(metrics_refuses_what_is_not_a_status)
{
    json_t *a = json_array();
    size_t len = 0;

    ck_assert_ptr_null(cs_metrics_format(a, NULL, &len));
    ck_assert_int_eq(errno, EINVAL);
    json_decref(a);
}
END_TEST

Suite *
test_suite(void)
{
    Suite *s = suite_create("metrics");
    TCase *tc = tcase_create("text");

    tcase_add_test(tc, metrics_names_units_and_types);
    tcase_add_test(tc, metrics_latency_is_a_summary);
    tcase_add_test(tc, metrics_labels_help_and_down);
    tcase_add_test(tc, metrics_refuses_what_is_not_a_status);
    suite_add_tcase(s, tc);
    return s;
}
