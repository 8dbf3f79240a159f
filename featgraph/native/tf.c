/*
 * The full-rate band-pass analysis of featgraph.nodes._tf (the CWT at hop 1): each band's
 * output is computed as interleaved phases, phase r holding samples i * sub + r.  This
 * writes a few phases' inverse FFTs, computed contiguously in a buffer that stays in
 * cache, into the rows of the frame-major output (row t, one complex value per band):
 * phase by phase, each row's bands at once, the buffer read as n_bands sequential
 * streams (a loop over rows inside each phase measured 1.6x faster than one over phases
 * inside each row, which reads n_phases x n_bands streams).
 *
 * The output (hundreds of MB at full rate) is written once and not read again here, so
 * the stores bypass the cache where SSE2 is available (non-temporal stores, 16 bytes,
 * when the row is 16-byte aligned, which complex128 arrays are): a cache line the call
 * fills whole is then not read from memory first.  A pure copy either way: the two
 * backends give the same bits.
 */
#include <stddef.h>
#include <stdint.h>

#include "featgraph.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

int fg_interleave_c128(const double *src, size_t n_phases, size_t n_bands, size_t q,
                       size_t sub, size_t first_phase, double *out, size_t n_rows,
                       size_t row_stride)
{
    if (sub == 0 || first_phase + n_phases > sub || n_bands > row_stride)
        return FG_EINVAL;
    if (n_phases == 0 || n_bands == 0 || q == 0 || n_rows == 0)
        return FG_OK;
    if (src == NULL || out == NULL)
        return FG_EINVAL;
    for (size_t p = 0; p < n_phases; p++) {
        for (size_t i = 0; i < q; i++) {
            size_t row = i * sub + first_phase + p;
            if (row >= n_rows)
                break;
            double *o = out + 2 * row * row_stride;
            const double *s = src + 2 * (p * n_bands * q + i);
#if defined(__SSE2__)
            if (((uintptr_t)o & 15) == 0) {
                for (size_t b = 0; b < n_bands; b++)
                    _mm_stream_pd(o + 2 * b, _mm_loadu_pd(s + 2 * b * q));
                continue;
            }
#endif
            for (size_t b = 0; b < n_bands; b++) {
                o[2 * b] = s[2 * b * q];
                o[2 * b + 1] = s[2 * b * q + 1];
            }
        }
    }
#if defined(__SSE2__)
    _mm_sfence();
#endif
    return FG_OK;
}

/* a * b, complex (re, im pairs), as numpy: (ar br - ai bi, ar bi + ai br). */
static void cmul_rows(const double *a, const double *b, double *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        double ar = a[2 * i], ai = a[2 * i + 1], br = b[2 * i], bi = b[2 * i + 1];
        out[2 * i] = ar * br - ai * bi;
        out[2 * i + 1] = ar * bi + ai * br;
    }
}

int fg_phase_chunk_c128(const double *z0, size_t n_bands, size_t q, const double *first,
                        const double *twiddles, size_t n_low, double *chunk)
{
    if (n_low >= 8 * sizeof(size_t) - 1)
        return FG_EINVAL;
    if (n_bands == 0 || q == 0)
        return FG_OK;
    if (z0 == NULL || chunk == NULL || (n_low > 0 && twiddles == NULL))
        return FG_EINVAL;
    size_t row = 2 * q, phase = n_bands * row;
    for (size_t b = 0; b < n_bands; b++) {
        if (first != NULL) {
            cmul_rows(z0 + b * row, first, chunk + b * row, q);
        } else {
            for (size_t i = 0; i < row; i++)
                chunk[b * row + i] = z0[b * row + i];
        }
    }
    for (size_t j = 0, step = 1; j < n_low; j++, step *= 2)
        for (size_t s = 0; s < step; s++)
            for (size_t b = 0; b < n_bands; b++)
                cmul_rows(chunk + s * phase + b * row, twiddles + j * row,
                          chunk + (s + step) * phase + b * row, q);
    return FG_OK;
}
