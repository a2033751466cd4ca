/* The x86 statistics kernels (statsx86.h). Each lane of a vector keeps 32-bit partial sums
 * over a block of at most S_BLOCK pixels, folded into the row's 64-bit totals at the block's
 * end (cs_stats_acc_merge()), as the plain loops do. The pixels left over at a row's end
 * (fewer than a vector load covers without reading past the row) go through the portable
 * loop, but for sum3: AVX-512's masked loads take a row's end, AVX2's a zero-padded copy.
 *
 * sum3 (three 8-bit samples a pixel): each 128-bit lane takes 4 pixels (12 bytes, a dword
 * permute then a byte shuffle spread them to r, g, b, 0 in each dword), pmaddubsw and pmaddwd
 * with ones add the three into the dword: v = r + g + b < 2^10. v^2 is pmaddwd(v, v) (the
 * upper word is 0). Per lane over a block: sum <= 765 * 4096, squares <= 765^2 * 4096 < 2^32.
 *
 * u16: minimum and maximum on the 16-bit samples; each sample widened to a dword for the
 * sum; its square (< 2^32, pmulld) is summed as its two 16-bit halves, so that no lane needs
 * 64 bits: sum of squares = (sum of high halves) * 65536 + sum of low halves. Per lane over
 * a block: 4096 * 65535 < 2^32. */
#include "statsx86.h"

#if CS_STATS_X86

#include <immintrin.h>
#include <string.h>

#define S_BLOCK 4096

/* ---- AVX2: 8 pixels a step ---- */

#define S_AVX2 __attribute__((target("avx2")))

S_AVX2 static uint32_t
s_hmin8(__m256i v)
{
    __m128i x = _mm_min_epu32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));

    x = _mm_min_epu32(x, _mm_shuffle_epi32(x, 0x4e));
    x = _mm_min_epu32(x, _mm_shuffle_epi32(x, 0xb1));
    return (uint32_t) _mm_cvtsi128_si32(x);
}

S_AVX2 static uint32_t
s_hmax8(__m256i v)
{
    __m128i x = _mm_max_epu32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));

    x = _mm_max_epu32(x, _mm_shuffle_epi32(x, 0x4e));
    x = _mm_max_epu32(x, _mm_shuffle_epi32(x, 0xb1));
    return (uint32_t) _mm_cvtsi128_si32(x);
}

/* The sum of the eight unsigned dwords of @v, in 64 bits. */
S_AVX2 static uint64_t
s_hsum8(__m256i v)
{
    __m256i z = _mm256_setzero_si256();
    __m256i w = _mm256_add_epi64(_mm256_unpacklo_epi32(v, z), _mm256_unpackhi_epi32(v, z));
    __m128i x = _mm_add_epi64(_mm256_castsi256_si128(w), _mm256_extracti128_si256(w, 1));

    return (uint64_t) _mm_cvtsi128_si64(x) + (uint64_t) _mm_extract_epi64(x, 1);
}

/* The values of the 8 pixels at @q (a 32-byte load, of which 24 bytes are used). */
S_AVX2 static inline __m256i
s_sum3_v8(const uint8_t *q)
{
    const __m256i perm = _mm256_setr_epi32(0, 1, 2, 0, 3, 4, 5, 0);
    const __m256i spread = _mm256_setr_epi8(0, 1, 2, -1, 3, 4, 5, -1, 6, 7, 8, -1, 9, 10, 11, -1, 0,
                                            1, 2, -1, 3, 4, 5, -1, 6, 7, 8, -1, 9, 10, 11, -1);
    __m256i x = _mm256_loadu_si256((const __m256i *) q);

    x = _mm256_shuffle_epi8(_mm256_permutevar8x32_epi32(x, perm), spread);
    return _mm256_madd_epi16(_mm256_maddubs_epi16(x, _mm256_set1_epi8(1)), _mm256_set1_epi16(1));
}

/* The steps over a block of @e pixels at @q: @full of them loaded in place, the rest (at most
 * 10, a row's end) from a zero-padded copy, whose lanes past the row are 0 (adding nothing to
 * the sums and the maximum) and left out of the minimum. */
S_AVX2 static void
s_sum3_block256(const uint8_t *q, uint32_t e, uint32_t full, struct cs_stats_acc *a)
{
    __m256i mn = _mm256_set1_epi32(765), mx = _mm256_setzero_si256();
    __m256i sum = _mm256_setzero_si256(), sq = _mm256_setzero_si256();
    uint32_t i;

    for (i = 0; i < full; i += 8) {
        __m256i v = s_sum3_v8(q + 3 * (size_t) i);

        mn = _mm256_min_epu32(mn, v);
        mx = _mm256_max_epu32(mx, v);
        sum = _mm256_add_epi32(sum, v);
        sq = _mm256_add_epi32(sq, _mm256_madd_epi16(v, v));
    }
    if (i < e) {
        const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
        uint8_t pad[64] = { 0 };

        memcpy(pad, q + 3 * (size_t) i, 3 * (size_t) (e - i));
        for (uint32_t j = 0; j < e - i; j += 8) {
            __m256i v = s_sum3_v8(pad + 3 * j);
            __m256i in = _mm256_cmpgt_epi32(_mm256_set1_epi32((int) (e - i - j)), lane);

            mn = _mm256_min_epu32(mn, _mm256_blendv_epi8(_mm256_set1_epi32(765), v, in));
            mx = _mm256_max_epu32(mx, v);
            sum = _mm256_add_epi32(sum, v);
            sq = _mm256_add_epi32(sq, _mm256_madd_epi16(v, v));
        }
    }
    cs_stats_acc_merge(a, s_hmin8(mn), s_hmax8(mx), s_hsum8(sum), s_hsum8(sq));
}

/* Whole rows in vectors (s_sum3_block256()): a 32-byte load at pixel i reads up to byte
 * 3i + 31, so loads in place stop 3 pixels before the row's end. */
S_AVX2 void
cs_stats_row_sum3_avx2(const uint8_t *p, uint32_t n, struct cs_stats_acc *a)
{
    uint32_t nv = n > 3 ? (n - 3) / 8 * 8 : 0;

    for (uint32_t b = 0; b < n; b += S_BLOCK) {
        uint32_t e = n - b < S_BLOCK ? n - b : S_BLOCK;
        uint32_t full = nv > b ? (nv - b < e ? nv - b : e) : 0;

        s_sum3_block256(p + 3 * (size_t) b, e, full, a);
    }
}

S_AVX2 void
cs_stats_row_u16_avx2(const uint8_t *p, uint32_t n, struct cs_stats_acc *a)
{
    const __m256i z = _mm256_setzero_si256(), low = _mm256_set1_epi32(0xffff);
    uint32_t nv = n / 16 * 16;

    for (uint32_t b = 0; b < nv; b += S_BLOCK) {
        uint32_t e = nv - b < S_BLOCK ? nv - b : S_BLOCK;
        const uint8_t *q = p + 2 * (size_t) b;
        __m256i mn = _mm256_set1_epi16(-1), mx = z, sum = z, hi = z, lo = z;

        for (uint32_t i = 0; i < e; i += 16) {
            __m256i x = _mm256_loadu_si256((const __m256i *) (q + 2 * (size_t) i));
            __m256i v0 = _mm256_unpacklo_epi16(x, z), v1 = _mm256_unpackhi_epi16(x, z);
            __m256i s0 = _mm256_mullo_epi32(v0, v0), s1 = _mm256_mullo_epi32(v1, v1);

            mn = _mm256_min_epu16(mn, x);
            mx = _mm256_max_epu16(mx, x);
            sum = _mm256_add_epi32(sum, _mm256_add_epi32(v0, v1));
            hi = _mm256_add_epi32(
                hi, _mm256_add_epi32(_mm256_srli_epi32(s0, 16), _mm256_srli_epi32(s1, 16)));
            lo = _mm256_add_epi32(
                lo, _mm256_add_epi32(_mm256_and_si256(s0, low), _mm256_and_si256(s1, low)));
        }
        /* The 16-bit minima and maxima widened: each dword's two words, then as above. */
        mn = _mm256_min_epu32(_mm256_unpacklo_epi16(mn, z), _mm256_unpackhi_epi16(mn, z));
        mx = _mm256_max_epu32(_mm256_unpacklo_epi16(mx, z), _mm256_unpackhi_epi16(mx, z));
        cs_stats_acc_merge(a, s_hmin8(mn), s_hmax8(mx), s_hsum8(sum),
                           (s_hsum8(hi) << 16) + s_hsum8(lo));
    }
    if (nv < n)
        cs_stats_row_u16_plain(p + 2 * (size_t) nv, n - nv, a);
}

/* ---- AVX-512 (F and BW): 16 pixels a step ---- */

#define S_AVX512 __attribute__((target("avx512f,avx512bw")))

/* The sum of the sixteen unsigned dwords of @v, in 64 bits. */
S_AVX512 static uint64_t
s_hsum16(__m512i v)
{
    __m512i w = _mm512_add_epi64(_mm512_cvtepu32_epi64(_mm512_castsi512_si256(v)),
                                 _mm512_cvtepu32_epi64(_mm512_extracti64x4_epi64(v, 1)));

    return (uint64_t) _mm512_reduce_add_epi64(w);
}

/* The vector steps over a block of @e pixels at @q, plain loads while a whole 64-byte load stays
 * within the row (@full steps), then masked ones, whose lanes past the row are 0 (adding nothing
 * to the sums and the maximum) and left out of the minimum. */
S_AVX512 static void
s_sum3_block512(const uint8_t *q, uint32_t e, uint32_t full, struct cs_stats_acc *a)
{
    const __m512i perm = _mm512_setr_epi32(0, 1, 2, 0, 3, 4, 5, 0, 6, 7, 8, 0, 9, 10, 11, 0);
    const __m512i spread =
        _mm512_broadcast_i32x4(_mm_setr_epi8(0, 1, 2, -1, 3, 4, 5, -1, 6, 7, 8, -1, 9, 10, 11, -1));
    const __m512i ones8 = _mm512_set1_epi8(1), ones16 = _mm512_set1_epi16(1);
    __m512i mn = _mm512_set1_epi32(765), mx = _mm512_setzero_si512();
    __m512i sum = _mm512_setzero_si512(), sq = _mm512_setzero_si512();
    uint32_t i;

    for (i = 0; i < full; i += 16) {
        __m512i x = _mm512_loadu_si512(q + 3 * (size_t) i);
        __m512i v;

        x = _mm512_shuffle_epi8(_mm512_permutexvar_epi32(perm, x), spread);
        v = _mm512_madd_epi16(_mm512_maddubs_epi16(x, ones8), ones16);
        mn = _mm512_min_epu32(mn, v);
        mx = _mm512_max_epu32(mx, v);
        sum = _mm512_add_epi32(sum, v);
        sq = _mm512_add_epi32(sq, _mm512_madd_epi16(v, v));
    }
    for (; i < e; i += 16) {
        unsigned m = e - i < 16 ? e - i : 16;
        __m512i x =
            _mm512_maskz_loadu_epi8((__mmask64) ((1ULL << (3 * m)) - 1), q + 3 * (size_t) i);
        __m512i v;

        x = _mm512_shuffle_epi8(_mm512_permutexvar_epi32(perm, x), spread);
        v = _mm512_madd_epi16(_mm512_maddubs_epi16(x, ones8), ones16);
        mn = _mm512_mask_min_epu32(mn, (__mmask16) ((1u << m) - 1), mn, v);
        mx = _mm512_max_epu32(mx, v);
        sum = _mm512_add_epi32(sum, v);
        sq = _mm512_add_epi32(sq, _mm512_madd_epi16(v, v));
    }
    cs_stats_acc_merge(a, _mm512_reduce_min_epu32(mn), _mm512_reduce_max_epu32(mx), s_hsum16(sum),
                       s_hsum16(sq));
}

/* Whole rows in vectors (s_sum3_block512()): a 64-byte load at pixel i reads up to byte
 * 3i + 63, so plain loads stop 6 pixels before the row's end. */
S_AVX512 void
cs_stats_row_sum3_avx512(const uint8_t *p, uint32_t n, struct cs_stats_acc *a)
{
    uint32_t nv = n > 6 ? (n - 6) / 16 * 16 : 0;

    for (uint32_t b = 0; b < n; b += S_BLOCK) {
        uint32_t e = n - b < S_BLOCK ? n - b : S_BLOCK;
        uint32_t full = nv > b ? (nv - b < e ? nv - b : e) : 0;

        s_sum3_block512(p + 3 * (size_t) b, e, full, a);
    }
}

S_AVX512 void
cs_stats_row_u16_avx512(const uint8_t *p, uint32_t n, struct cs_stats_acc *a)
{
    const __m512i z = _mm512_setzero_si512(), low = _mm512_set1_epi32(0xffff);
    uint32_t nv = n / 32 * 32;

    for (uint32_t b = 0; b < nv; b += S_BLOCK) {
        uint32_t e = nv - b < S_BLOCK ? nv - b : S_BLOCK;
        const uint8_t *q = p + 2 * (size_t) b;
        __m512i mn = _mm512_set1_epi16(-1), mx = z, sum = z, hi = z, lo = z;

        for (uint32_t i = 0; i < e; i += 32) {
            __m512i x = _mm512_loadu_si512(q + 2 * (size_t) i);
            __m512i v0 = _mm512_unpacklo_epi16(x, z), v1 = _mm512_unpackhi_epi16(x, z);
            __m512i s0 = _mm512_mullo_epi32(v0, v0), s1 = _mm512_mullo_epi32(v1, v1);

            mn = _mm512_min_epu16(mn, x);
            mx = _mm512_max_epu16(mx, x);
            sum = _mm512_add_epi32(sum, _mm512_add_epi32(v0, v1));
            hi = _mm512_add_epi32(
                hi, _mm512_add_epi32(_mm512_srli_epi32(s0, 16), _mm512_srli_epi32(s1, 16)));
            lo = _mm512_add_epi32(
                lo, _mm512_add_epi32(_mm512_and_si512(s0, low), _mm512_and_si512(s1, low)));
        }
        mn = _mm512_min_epu32(_mm512_unpacklo_epi16(mn, z), _mm512_unpackhi_epi16(mn, z));
        mx = _mm512_max_epu32(_mm512_unpacklo_epi16(mx, z), _mm512_unpackhi_epi16(mx, z));
        cs_stats_acc_merge(a, _mm512_reduce_min_epu32(mn), _mm512_reduce_max_epu32(mx),
                           s_hsum16(sum), (s_hsum16(hi) << 16) + s_hsum16(lo));
    }
    if (nv < n)
        cs_stats_row_u16_plain(p + 2 * (size_t) nv, n - nv, a);
}

bool
cs_stats_x86_has_avx2(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2");
}

bool
cs_stats_x86_has_avx512(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
}

#endif
