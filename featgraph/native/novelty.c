/*
 * Rectified spectral flux of each frame against the frame lag frames before it, summed
 * over the bands (librosa.onset.onset_strength with max_size 1, before its aggregate;
 * Bello et al., "A tutorial on onset detection in music signals", IEEE TSAP 13(5),
 * 2005, eq. 5 with the half-wave rectifier):
 *
 *   out[t - start] = sum_{k=0}^{n_bands-1} max(0, s[t, k] - s[t - lag, k])
 *
 * for t = start .. n_frames - 1 (start >= lag), s frame-major (n_frames, n_bands).
 * Sums in double (four partial sums over k mod 4, then the rest); a NaN difference gives
 * NaN (numpy's maximum propagates it).
 * numpy makes the difference array, rectifies it and reduces it in three passes; here
 * each pair of frames is read once.  The numpy definition is
 * featgraph.native.reference_mir.onset_flux.
 */
#include <math.h>
#include <stdint.h>

#include "featgraph.h"
#include "simd.h"

/* Four partial sums (k mod 4, combined as (s0 + s1) + (s2 + s3), then the tail), the
 * same order whatever the vector width: one AVX2 vector of doubles. */
#define DEFINE_ROW(NAME, T)                                                   \
FG_CLONES FG_NO_TRAPS static double NAME(const T *a, const T *b, size_t n)    \
{                                                                             \
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0, tail = 0.0;                \
    int nan = 0;                                                              \
    size_t k = 0;                                                             \
    for (; k + 4 <= n; k += 4) {                                              \
        double d0 = (double)a[k] - (double)b[k];                              \
        double d1 = (double)a[k + 1] - (double)b[k + 1];                      \
        double d2 = (double)a[k + 2] - (double)b[k + 2];                      \
        double d3 = (double)a[k + 3] - (double)b[k + 3];                      \
        nan |= (d0 != d0) | (d1 != d1) | (d2 != d2) | (d3 != d3);             \
        s0 += d0 > 0.0 ? d0 : 0.0;                                            \
        s1 += d1 > 0.0 ? d1 : 0.0;                                            \
        s2 += d2 > 0.0 ? d2 : 0.0;                                            \
        s3 += d3 > 0.0 ? d3 : 0.0;                                            \
    }                                                                         \
    for (; k < n; k++) {                                                      \
        double d = (double)a[k] - (double)b[k];                               \
        nan |= d != d;                                                        \
        tail += d > 0.0 ? d : 0.0;                                            \
    }                                                                         \
    return nan ? NAN : ((s0 + s1) + (s2 + s3)) + tail;                        \
}

DEFINE_ROW(row_f64, double)
DEFINE_ROW(row_f32, float)

#define FLUX_BODY(ROW)                                                        \
    if (lag == 0 || start < lag || start > n_frames)                          \
        return FG_EINVAL;                                                     \
    if (n_bands != 0 && n_frames > SIZE_MAX / n_bands)                        \
        return FG_EINVAL;                                                     \
    if (start == n_frames)                                                    \
        return FG_OK;                                                         \
    if (out == NULL || (n_bands != 0 && s == NULL))                           \
        return FG_EINVAL;                                                     \
    for (size_t t = start; t < n_frames; t++)                                 \
        out[t - start] = n_bands ? ROW(s + t * n_bands, s + (t - lag) * n_bands, \
                                       n_bands) : 0.0;                        \
    return FG_OK;

int fg_onset_flux_f64(const double *s, size_t n_frames, size_t n_bands, size_t lag,
                      size_t start, double *out)
{
    FLUX_BODY(row_f64)
}

int fg_onset_flux_f32(const float *s, size_t n_frames, size_t n_bands, size_t lag,
                      size_t start, double *out)
{
    FLUX_BODY(row_f32)
}
