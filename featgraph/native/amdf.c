/*
 * Average magnitude difference function (AMDF) of frames.
 *
 *   D[t, k] = sum_{n=k}^{N-1} |x[t, n] - x[t, n-k]|      k = 0 .. n_lags-1
 *
 * (Ross, Shaffer, Cohen, Freudberg and Manley, "Average magnitude difference
 * function pitch extractor", IEEE Trans. ASSP 22(5), 1974; Rabiner and
 * Schafer, "Introduction to Digital Speech Processing", 2007, "Short-time analysis of speech".)
 * The sum over the N - k available pairs is returned; dividing by N - k is
 * the caller's choice.  Accumulation is in double for both precisions, in
 * the order of n, as in the numpy reference (reference_timedomain.py).
 *
 * Loop order: for a tile of AMDF_TILE lags, n runs once over the frame and
 * every lag of the tile takes its term |x[n] - x[n-k]|; each lag's sum still
 * adds its terms in the order of n (the result is the same bit for bit as
 * one lag at a time), but the lags' sums are independent, so the compiler
 * vectorises across them instead of waiting on one serial sum (2x here).
 */
#include <math.h>
#include <stdint.h>

#include "featgraph.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#define AMDF_TILE 64

#define AMDF_BODY(T)                                                          \
    size_t total;                                                             \
    if (n_lags > frame_len)                                                   \
        return FG_EINVAL;                                                     \
    if (frame_len != 0 && n_frames > SIZE_MAX / frame_len)                    \
        return FG_EINVAL;                                                     \
    total = n_frames * frame_len;                                             \
    if (n_frames == 0 || n_lags == 0)                                         \
        return FG_OK;                                                         \
    if (x == NULL || d == NULL)                                               \
        return FG_EINVAL;                                                     \
    for (size_t i = 0; i < total; i++)                                        \
        if (!isfinite((double)x[i]))                                          \
            return FG_ENONFINITE;                                             \
    for (size_t t = 0; t < n_frames; t++) {                                   \
        const T *xt = x + t * frame_len;                                      \
        T *dt = d + t * n_lags;                                               \
        for (size_t k0 = 0; k0 < n_lags; k0 += AMDF_TILE) {                   \
            size_t k1 = k0 + AMDF_TILE < n_lags ? k0 + AMDF_TILE : n_lags;    \
            double acc[AMDF_TILE] = {0.0};                                    \
            for (size_t n = k0; n < frame_len; n++) {                         \
                size_t kend = n + 1 < k1 ? n + 1 : k1;                        \
                double xn = (double)xt[n];                                    \
                for (size_t k = k0; k < kend; k++)                            \
                    acc[k - k0] += fabs(xn - (double)xt[n - k]);              \
            }                                                                 \
            for (size_t k = k0; k < k1; k++)                                  \
                dt[k] = (T)acc[k - k0];                                       \
        }                                                                     \
    }                                                                         \
    return FG_OK;

int fg_amdf_f64(const double *x, size_t n_frames, size_t frame_len, size_t n_lags,
                double *d)
{
    AMDF_BODY(double)
}

int fg_amdf_f32(const float *x, size_t n_frames, size_t frame_len, size_t n_lags,
                float *d)
{
    AMDF_BODY(float)
}
