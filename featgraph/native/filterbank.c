/*
 * Band-limited filterbank product: each filter summed over its support only.
 *
 *   out[t, b] = sum_{k = first[b]}^{stop[b] - 1} spec[t, k] * w[b, k]
 *
 * spec (n_frames, n_bins), w (n_bands, n_bins), out (n_frames, n_bands), all
 * row-major; first/stop (n_bands,) the first and one-past-last bin of each
 * filter's support.  A mel, Bark, ERB or linear filterbank overlaps only its
 * neighbours, so the supports add up to about twice the bins: a 128-band mel
 * bank on 1025 bins does ~60 times fewer products than the dense matrix.
 * numpy can skip the zeros only through one matrix-vector product per band
 * (Python loop, strided output); here one pass per frame does all bands.
 *
 * Sums are accumulated in double, in the order of k, four frames at a time
 * (four independent sums, so the products pipeline); a frame's result does not
 * depend on its neighbours.  The numpy definition is
 * featgraph.native.reference_spectral.banded_filterbank.
 *
 * fg_banded_power_filterbank_* takes the complex spectrum instead: the power
 * re * re + im * im of four frames goes to a small work buffer (in cache) and
 * straight into the same product, so a mel spectrogram is made without writing
 * and re-reading the power spectrogram.  Equal bit for bit to fg_power_spectrum
 * (floor 0) followed by fg_banded_filterbank
 * (featgraph.native.reference_spectral.banded_power_filterbank).
 */
#include <stdint.h>

#include "featgraph.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

/* The product for n_frames rows of spec (no checks): four frames at a time, then one. */
#define DEFINE_BANDED_ROWS(NAME, T)                                           \
static void NAME(const T *spec, size_t n_frames, size_t n_bins, const T *w,   \
                 size_t n_bands, const size_t *first, const size_t *stop,     \
                 T *out)                                                      \
{                                                                             \
    size_t t = 0;                                                             \
    for (; t + 4 <= n_frames; t += 4) {                                       \
        const T *s0 = spec + t * n_bins, *s1 = s0 + n_bins,                   \
                *s2 = s1 + n_bins, *s3 = s2 + n_bins;                         \
        T *o = out + t * n_bands;                                             \
        for (size_t b = 0; b < n_bands; b++) {                                \
            const T *wb = w + b * n_bins;                                     \
            double a0 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0;                    \
            for (size_t k = first[b]; k < stop[b]; k++) {                     \
                double wk = (double)wb[k];                                    \
                a0 += (double)s0[k] * wk;                                     \
                a1 += (double)s1[k] * wk;                                     \
                a2 += (double)s2[k] * wk;                                     \
                a3 += (double)s3[k] * wk;                                     \
            }                                                                 \
            o[b] = (T)a0;                                                     \
            o[n_bands + b] = (T)a1;                                           \
            o[2 * n_bands + b] = (T)a2;                                       \
            o[3 * n_bands + b] = (T)a3;                                       \
        }                                                                     \
    }                                                                         \
    for (; t < n_frames; t++) {                                               \
        const T *s0 = spec + t * n_bins;                                      \
        T *o = out + t * n_bands;                                             \
        for (size_t b = 0; b < n_bands; b++) {                                \
            const T *wb = w + b * n_bins;                                     \
            double a0 = 0.0;                                                  \
            for (size_t k = first[b]; k < stop[b]; k++)                       \
                a0 += (double)s0[k] * (double)wb[k];                          \
            o[b] = (T)a0;                                                     \
        }                                                                     \
    }                                                                         \
}

DEFINE_BANDED_ROWS(banded_rows_f64, double)
DEFINE_BANDED_ROWS(banded_rows_f32, float)

#define BANDED_CHECKS                                                         \
    if (n_bins != 0 && n_frames > SIZE_MAX / n_bins)                          \
        return FG_EINVAL;                                                     \
    if (n_bands != 0 && n_frames > SIZE_MAX / n_bands)                        \
        return FG_EINVAL;                                                     \
    if (n_frames == 0 || n_bands == 0)                                        \
        return FG_OK;                                                         \
    if (w == NULL || first == NULL || stop == NULL || out == NULL)            \
        return FG_EINVAL;                                                     \
    for (size_t b = 0; b < n_bands; b++)                                      \
        if (first[b] > stop[b] || stop[b] > n_bins)                           \
            return FG_EINVAL;

int fg_banded_filterbank_f64(const double *spec, size_t n_frames, size_t n_bins,
                             const double *w, size_t n_bands, const size_t *first,
                             const size_t *stop, double *out)
{
    BANDED_CHECKS
    if (spec == NULL)
        return FG_EINVAL;
    banded_rows_f64(spec, n_frames, n_bins, w, n_bands, first, stop, out);
    return FG_OK;
}

int fg_banded_filterbank_f32(const float *spec, size_t n_frames, size_t n_bins,
                             const float *w, size_t n_bands, const size_t *first,
                             const size_t *stop, float *out)
{
    BANDED_CHECKS
    if (spec == NULL)
        return FG_EINVAL;
    banded_rows_f32(spec, n_frames, n_bins, w, n_bands, first, stop, out);
    return FG_OK;
}

/* Power spectrum of POWER_ROWS frames into work, then their banded product. */
#define POWER_ROWS 4
#define BANDED_POWER_BODY(T, ROWS)                                            \
    BANDED_CHECKS                                                             \
    if (z == NULL || work == NULL || n_bins > SIZE_MAX / (2 * POWER_ROWS) ||  \
        n_frames > SIZE_MAX / (2 * n_bins))                                   \
        return FG_EINVAL;                                                     \
    for (size_t t = 0; t < n_frames; t += POWER_ROWS) {                       \
        size_t m = n_frames - t < POWER_ROWS ? n_frames - t : POWER_ROWS;     \
        const T *zt = z + 2 * t * n_bins;                                     \
        for (size_t i = 0; i < m * n_bins; i++) {                             \
            T re = zt[2 * i], im = zt[2 * i + 1];                             \
            work[i] = re * re + im * im;                                      \
        }                                                                     \
        ROWS(work, m, n_bins, w, n_bands, first, stop, out + t * n_bands);    \
    }                                                                         \
    return FG_OK;

int fg_banded_power_filterbank_f64(const double *z, size_t n_frames, size_t n_bins,
                                   const double *w, size_t n_bands, const size_t *first,
                                   const size_t *stop, double *work, double *out)
{
    BANDED_POWER_BODY(double, banded_rows_f64)
}

int fg_banded_power_filterbank_f32(const float *z, size_t n_frames, size_t n_bins,
                                   const float *w, size_t n_bands, const size_t *first,
                                   const size_t *stop, float *work, float *out)
{
    BANDED_POWER_BODY(float, banded_rows_f32)
}
