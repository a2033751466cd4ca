/* Unit tests of the Aravis source's pixel conversion (aravis.h): YUV422_8_UYVY, as GigE Vision
 * cameras send YUV422Packed, into camstack's YUYV, byte for byte. */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "aravis.h"
#include "check-main.h"

/* Two pixel pairs: U0 Y0 V0 Y1, U1 Y2 V1 Y3 become Y0 U0 Y1 V0, Y2 U1 Y3 V1. */
START_TEST(uyvy_becomes_yuyv)
{
    const uint8_t uyvy[8] = { 0x10, 0xa0, 0x20, 0xa1, 0x11, 0xa2, 0x21, 0xa3 };
    const uint8_t yuyv[8] = { 0xa0, 0x10, 0xa1, 0x20, 0xa2, 0x11, 0xa3, 0x21 };
    uint8_t out[8] = { 0 };

    aravis_uyvy_to_yuyv(uyvy, out, sizeof out);
    ck_assert_mem_eq(out, yuyv, sizeof yuyv);
}
END_TEST

Suite *
test_suite(void)
{
    Suite *s = suite_create("aravisfmt");
    TCase *tc = tcase_create("convert");

    tcase_add_test(tc, uyvy_becomes_yuyv);
    suite_add_tcase(s, tc);
    return s;
}
