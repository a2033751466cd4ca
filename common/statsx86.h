/* The statistics kernels written with x86 vector instructions (stats.h's rules sum3 and u16),
 * one per instruction set; stats.c picks the widest the CPU has when the program is loaded.
 * Each adds one row exactly as the plain loops do (bit-exact sums, minimum and maximum). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "stats.h"

/* True where this build has the kernels below (x86-64 with GCC or clang). */
#if defined(__x86_64__) && defined(__GNUC__)
#define CS_STATS_X86 1

void cs_stats_row_sum3_avx2(const uint8_t *row, uint32_t width, struct cs_stats_acc *acc);
void cs_stats_row_sum3_avx512(const uint8_t *row, uint32_t width, struct cs_stats_acc *acc);
void cs_stats_row_u16_avx2(const uint8_t *row, uint32_t width, struct cs_stats_acc *acc);
void cs_stats_row_u16_avx512(const uint8_t *row, uint32_t width, struct cs_stats_acc *acc);

/* Whether the CPU runs the kernels of each set. */
bool cs_stats_x86_has_avx2(void);
bool cs_stats_x86_has_avx512(void);
#else
#define CS_STATS_X86 0
#endif
