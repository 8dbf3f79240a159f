/*
 * Spectral moments of real non-negative frames, fused: one read of each frame
 * for the sum, the first moment, the maximum and sum s log2 s, a second for
 * the central moments (the frame is still in cache).
 *
 *   centroid c = sum f s / S, spread mu2 = sqrt(sum (f - c)^2 s / S),
 *   skewness = sum (f - c)^3 s / (S mu2^3), kurtosis = sum (f - c)^4 s / (S mu2^4)
 *   (G. Peeters, "A large set of audio features for sound description", IRCAM 2004),
 *   entropy H = -sum p log2 p with p = s / S, computed as log2 S - sum s ln s / (S ln 2),
 *   the logarithms of a block of 256 values at a time by fastlog.h's vectorised loop
 *   (libm's log2 per value took most of the kernel's time).
 *
 * The numpy definition is featgraph.native.reference_spectral.spectral_moments.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>

#include "fastlog.h"
#include "featgraph.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#define FG_MOMENTS_LN2 0.69314718055994530942

#define FG_LN_BLOCK 256          /* a multiple of 4: j & 3 is k & 3 */

FG_DEFINE_XLNX(xlnx_f64, double)
FG_DEFINE_XLNX(xlnx_f32, float)

/* FG_ENONFINITE if a value is NaN or infinite, else FG_EDOMAIN if one is negative: flags
 * over all values, vectorised (no traps: the comparisons run on every lane). */
#define DEFINE_CHECK_VALUES(NAME, T)                                          \
FG_CLONES FG_NO_TRAPS static int NAME(const T *s, size_t n)                   \
{                                                                             \
    int nonfinite = 0, negative = 0;                                          \
    for (size_t i = 0; i < n; i++) {                                          \
        double x = (double)s[i];                                              \
        nonfinite |= !(x - x == 0.0);       /* NaN for NaN and infinity */    \
        negative |= x < 0;                                                    \
    }                                                                         \
    return nonfinite ? FG_ENONFINITE : negative ? FG_EDOMAIN : FG_OK;         \
}

DEFINE_CHECK_VALUES(check_values_f64, double)
DEFINE_CHECK_VALUES(check_values_f32, float)

#define MOMENTS_BODY(T, SFX)                                                       \
    size_t total;                                                             \
    if (n_bins == 0)                                                          \
        return FG_EINVAL;                                                     \
    if (n_frames > SIZE_MAX / n_bins)                                         \
        return FG_EINVAL;                                                     \
    total = n_frames * n_bins;                                                \
    if (n_frames == 0)                                                        \
        return FG_OK;                                                         \
    if (s == NULL || freq == NULL || out == NULL)                             \
        return FG_EINVAL;                                                     \
    for (size_t k = 0; k < n_bins; k++)                                       \
        if (!isfinite(freq[k]))                                               \
            return FG_ENONFINITE;                                             \
    {                                                                         \
        int status = check_values_##SFX(s, total);                            \
        if (status != FG_OK)                                                  \
            return status;                                                    \
    }                                                                         \
    for (size_t t = 0; t < n_frames; t++) {                                   \
        const T *st = s + t * n_bins;                                         \
        double *o = out + t * 7;                                              \
        double as[4] = {0.0, 0.0, 0.0, 0.0}, af[4] = {0.0, 0.0, 0.0, 0.0};   \
        double al[4] = {0.0, 0.0, 0.0, 0.0}, vl[FG_LN_BLOCK], pk[4];          \
        pk[0] = pk[1] = pk[2] = pk[3] = (double)st[0];                        \
        size_t k;                                                             \
        for (size_t k0 = 0; k0 < n_bins; k0 += FG_LN_BLOCK) {                 \
            size_t m = n_bins - k0 < FG_LN_BLOCK ? n_bins - k0 : FG_LN_BLOCK, j = 0; \
            const T *sb = st + k0;                                            \
            const double *fb = freq + k0;                                     \
            xlnx_##SFX(sb, m, vl);                 /* v ln v, vectorised */    \
            for (; j + 4 <= m; j += 4)                                        \
                for (size_t i = 0; i < 4; i++) {                              \
                    double v = (double)sb[j + i];                             \
                    as[i] += v;                                               \
                    af[i] += fb[j + i] * v;                                   \
                    al[i] += vl[j + i];                                       \
                    pk[i] = v > pk[i] ? v : pk[i];                            \
                }                                                             \
            for (; j < m; j++) {                                              \
                double v = (double)sb[j];                                     \
                as[j & 3] += v;                                               \
                af[j & 3] += fb[j] * v;                                       \
                al[j & 3] += vl[j];                                           \
                pk[0] = v > pk[0] ? v : pk[0];                                \
            }                                                                 \
        }                                                                     \
        double peak = pk[0] > pk[1] ? pk[0] : pk[1];                          \
        peak = pk[2] > peak ? pk[2] : peak;                                   \
        peak = pk[3] > peak ? pk[3] : peak;                                   \
        double sum = (as[0] + as[1]) + (as[2] + as[3]);                       \
        double first = (af[0] + af[1]) + (af[2] + af[3]);                     \
        double slog = (al[0] + al[1]) + (al[2] + al[3]);                      \
        slog /= FG_MOMENTS_LN2;  /* sum s ln s -> sum s log2 s */                                               \
        double c = 0.0, m2 = 0.0, m3 = 0.0, m4 = 0.0, h = 0.0;                \
        if (sum > 0.0) {                                                      \
            c = first / sum;                                                  \
            double b2[4] = {0.0, 0.0, 0.0, 0.0}, b3[4] = {0.0, 0.0, 0.0, 0.0}; \
            double b4[4] = {0.0, 0.0, 0.0, 0.0};                              \
            for (k = 0; k + 4 <= n_bins; k += 4)                              \
                for (size_t j = 0; j < 4; j++) {                              \
                    double v = (double)st[k + j], d = freq[k + j] - c, d2 = d * d; \
                    b2[j] += v * d2;                                          \
                    b3[j] += v * (d2 * d);                                    \
                    b4[j] += v * (d2 * d2);                                   \
                }                                                             \
            for (; k < n_bins; k++) {                                         \
                double v = (double)st[k], d = freq[k] - c, d2 = d * d;        \
                b2[k & 3] += v * d2;                                          \
                b3[k & 3] += v * (d2 * d);                                    \
                b4[k & 3] += v * (d2 * d2);                                   \
            }                                                                 \
            m2 = (b2[0] + b2[1]) + (b2[2] + b2[3]);                           \
            m3 = (b3[0] + b3[1]) + (b3[2] + b3[3]);                           \
            m4 = (b4[0] + b4[1]) + (b4[2] + b4[3]);                           \
            m2 /= sum;                                                        \
            m3 /= sum;                                                        \
            m4 /= sum;                                                        \
            h = log2(sum) - slog / sum;                                       \
        }                                                                     \
        double spread = sqrt(m2);                                             \
        o[0] = c;                                                             \
        o[1] = spread;                                                        \
        o[2] = spread > 0.0 ? m3 / (spread * spread * spread) : 0.0;          \
        o[3] = spread > 0.0 ? m4 / (m2 * m2) : 0.0;                           \
        o[4] = h;                                                             \
        o[5] = peak;                                                          \
        o[6] = sum / (double)n_bins;                                          \
    }                                                                         \
    return FG_OK;

int fg_spectral_moments_f64(const double *s, size_t n_frames, size_t n_bins,
                            const double *freq, double *out)
{
    MOMENTS_BODY(double, f64)
}

int fg_spectral_moments_f32(const float *s, size_t n_frames, size_t n_bins,
                            const double *freq, double *out)
{
    MOMENTS_BODY(float, f32)
}
