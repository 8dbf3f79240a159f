/*
 * Spectral moments of real non-negative frames, fused: one read of each frame
 * for the sum, the first moment, the maximum and sum s log2 s, a second for
 * the central moments (the frame is still in cache).
 *
 *   centroid c = sum f s / S, spread mu2 = sqrt(sum (f - c)^2 s / S),
 *   skewness = sum (f - c)^3 s / (S mu2^3), kurtosis = sum (f - c)^4 s / (S mu2^4)
 *   (G. Peeters, "A large set of audio features for sound description", IRCAM 2004),
 *   entropy H = -sum p log2 p with p = s / S, computed as log2 S - sum s log2 s / S.
 *
 * The numpy definition is featgraph.native.reference_spectral.spectral_moments.
 */
#include <math.h>
#include <stdint.h>

#include "featgraph.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#define MOMENTS_BODY(T)                                                       \
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
    for (size_t i = 0; i < total; i++) {                                      \
        if (!isfinite((double)s[i]))                                          \
            return FG_ENONFINITE;                                             \
        if (s[i] < 0)                                                         \
            return FG_EDOMAIN;                                                \
    }                                                                         \
    for (size_t t = 0; t < n_frames; t++) {                                   \
        const T *st = s + t * n_bins;                                         \
        double *o = out + t * 7;                                              \
        double sum = 0.0, first = 0.0, slog = 0.0, peak = (double)st[0];      \
        for (size_t k = 0; k < n_bins; k++) {                                 \
            double v = (double)st[k];                                         \
            sum += v;                                                         \
            first += freq[k] * v;                                             \
            if (v > 0.0)                                                      \
                slog += v * log2(v);                                          \
            if (v > peak)                                                     \
                peak = v;                                                     \
        }                                                                     \
        double c = 0.0, m2 = 0.0, m3 = 0.0, m4 = 0.0, h = 0.0;                \
        if (sum > 0.0) {                                                      \
            c = first / sum;                                                  \
            for (size_t k = 0; k < n_bins; k++) {                             \
                double v = (double)st[k], d = freq[k] - c, d2 = d * d;        \
                m2 += v * d2;                                                 \
                m3 += v * (d2 * d);                                           \
                m4 += v * (d2 * d2);                                          \
            }                                                                 \
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
    MOMENTS_BODY(double)
}

int fg_spectral_moments_f32(const float *s, size_t n_frames, size_t n_bins,
                            const double *freq, double *out)
{
    MOMENTS_BODY(float)
}
