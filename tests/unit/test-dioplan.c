/* The direct I/O arithmetic of saverd's file driver (dioplan.c): which bytes of a write go
 * around the page cache (whole aligned blocks), which through it (the head before the first
 * block, the tail after the last), and when the memory has to be copied into an aligned
 * buffer first. */
#include "dioplan.h"

#include <stdint.h>
#include <stdlib.h>

#include <check.h>

#include "check-main.h"

static const struct dio_align s_a = { .mem = 512, .block = 4096 };

/* A buffer whose byte @at (below 4096) is aligned to @mem (512 or 4096) and to nothing
 * larger. */
static const uint8_t *
s_buf(size_t mem, size_t at)
{
    static _Alignas(8192) uint8_t buf[65536];

    return buf + 4096 + (mem < 4096 ? mem : 0) - at;
}

START_TEST(round_up_to_a_power_of_two)
{
    ck_assert_uint_eq(dioplan_round_up(0, 4096), 0);
    ck_assert_uint_eq(dioplan_round_up(1, 4096), 4096);
    ck_assert_uint_eq(dioplan_round_up(4096, 4096), 4096);
    ck_assert_uint_eq(dioplan_round_up(4097, 512), 4608);
    ck_assert_uint_eq(dioplan_round_up((1ULL << 40) + 1, 4096), (1ULL << 40) + 4096);
}
END_TEST

/* A chunk at an aligned address, from aligned memory: its whole blocks directly, the rest
 * through the page cache, nothing copied. */
START_TEST(aligned_chunk_has_no_head_and_a_short_tail)
{
    struct dio_split s;
    const uint8_t *buf = s_buf(4096, 0);

    dioplan_split(&s_a, 1 << 20, buf, 3 * 4096 + 100, 0, &s);
    ck_assert_uint_eq(s.head, 0);
    ck_assert_uint_eq(s.body, 3 * 4096);
    ck_assert_uint_eq(s.tail, 100);
    ck_assert(!s.bounce);
    /* 1920x1080 RGB24: 6220800 bytes, 1518 blocks and 3072 bytes. */
    dioplan_split(&s_a, 8192, buf, 6220800, 65536, &s);
    ck_assert_uint_eq(s.head + s.body + s.tail, 6220800);
    ck_assert_uint_eq(s.body, 1518 * 4096);
    ck_assert_uint_eq(s.tail, 3072);
}
END_TEST

/* Memory aligned to the device's 512 bytes is enough; 56 bytes past a page (a ZeroMQ
 * message's data) is not: it is copied. */
START_TEST(unaligned_memory_is_bounced)
{
    struct dio_split s;

    dioplan_split(&s_a, 0, s_buf(512, 0), 8 * 4096, 0, &s);
    ck_assert_uint_eq(s.body, 8 * 4096);
    ck_assert(!s.bounce);
    dioplan_split(&s_a, 0, s_buf(4096, 0) + 56, 8 * 4096, 0, &s);
    ck_assert_uint_eq(s.body, 8 * 4096);
    ck_assert(s.bounce);
}
END_TEST

/* An unaligned address: the head up to the next block boundary through the page cache, and
 * the memory's alignment is that of the body's first byte. */
START_TEST(unaligned_address_has_a_head)
{
    struct dio_split s;
    const uint8_t *buf = s_buf(512, 3996); /* buf + 3996 is aligned */

    dioplan_split(&s_a, 100, buf, 10000, 0, &s);
    ck_assert_uint_eq(s.head, 3996);
    ck_assert_uint_eq(s.body, 4096);
    ck_assert_uint_eq(s.tail, 10000 - 3996 - 4096);
    ck_assert(!s.bounce);
}
END_TEST

/* Small writes, and writes without a whole block in them, all go through the page cache. */
START_TEST(small_writes_go_through_the_page_cache)
{
    struct dio_split s;
    const uint8_t *buf = s_buf(4096, 0);

    dioplan_split(&s_a, 0, buf, 65535, 65536, &s);
    ck_assert_uint_eq(s.head, 65535);
    ck_assert_uint_eq(s.body + s.tail, 0);
    dioplan_split(&s_a, 100, buf, 8000, 0, &s); /* 100 .. 8100 holds no whole block */
    ck_assert_uint_eq(s.head, 8000);
    ck_assert_uint_eq(s.body + s.tail, 0);
    dioplan_split(&s_a, 0, buf, 4095, 0, &s);
    ck_assert_uint_eq(s.head, 4095);
    ck_assert_uint_eq(s.body, 0);
    dioplan_split(&s_a, 0, buf, 0, 0, &s);
    ck_assert_uint_eq(s.head + s.body + s.tail, 0);
}
END_TEST

/* Every split covers the write exactly, its body starts on a block and is whole blocks. */
START_TEST(splits_cover_the_write)
{
    const uint8_t *buf = s_buf(4096, 0);

    for (uint64_t addr = 0; addr < 3 * 4096; addr += 509) {
        for (size_t size = 0; size < 5 * 4096; size += 997) {
            struct dio_split s;

            dioplan_split(&s_a, addr, buf + addr % 7, size, 0, &s);
            ck_assert_uint_eq(s.head + s.body + s.tail, size);
            ck_assert_uint_eq(s.body % 4096, 0);
            if (s.body) {
                ck_assert_uint_eq((addr + s.head) % 4096, 0);
                ck_assert_uint_lt(s.head, 4096);
                ck_assert_uint_lt(s.tail, 4096);
                ck_assert(s.bounce == (((uintptr_t) buf + addr % 7 + s.head) % 512 != 0));
            }
        }
    }
}
END_TEST

Suite *
test_suite(void)
{
    Suite *s = suite_create("dioplan");
    TCase *tc = tcase_create("split");

    tcase_add_test(tc, round_up_to_a_power_of_two);
    tcase_add_test(tc, aligned_chunk_has_no_head_and_a_short_tail);
    tcase_add_test(tc, unaligned_memory_is_bounced);
    tcase_add_test(tc, unaligned_address_has_a_head);
    tcase_add_test(tc, small_writes_go_through_the_page_cache);
    tcase_add_test(tc, splits_cover_the_write);
    suite_add_tcase(s, tc);
    return s;
}
