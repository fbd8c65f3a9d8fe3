#ifndef TALENTSTATS_BYTE_SCAN_H
#define TALENTSTATS_BYTE_SCAN_H

#include <stdint.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/// The CSV structure of 64 bytes: bit j is set when `p[j]` is `,` `"` LF or CR (0 <= j < 64).
/// Reads exactly the 64 bytes at `p` (no alignment needed). With SSE2 (every x86-64 processor),
/// sixteen bytes a comparison; elsewhere a plain loop with the same result.
static inline uint64_t byte_scan_csv_structure64(const uint8_t *p) {
#if defined(__SSE2__)
    const __m128i comma = _mm_set1_epi8(','), quote = _mm_set1_epi8('"');
    const __m128i lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r');
    uint64_t mask = 0;
    for (int k = 0; k < 4; k++) {
        const __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * k));
        const __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, comma), _mm_cmpeq_epi8(v, quote)),
                                         _mm_or_si128(_mm_cmpeq_epi8(v, lf), _mm_cmpeq_epi8(v, cr)));
        mask |= (uint64_t)(uint16_t)_mm_movemask_epi8(hit) << (16 * k);
    }
    return mask;
#else
    uint64_t mask = 0;
    for (int j = 0; j < 64; j++) {
        const uint8_t b = p[j];
        if (b == ',' || b == '"' || b == '\n' || b == '\r') mask |= (uint64_t)1 << j;
    }
    return mask;
#endif
}

#endif
