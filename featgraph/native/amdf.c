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
 */
#include <math.h>
#include <stdint.h>

#include "featgraph.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

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
        for (size_t k = 0; k < n_lags; k++) {                                 \
            double s = 0.0;                                                   \
            for (size_t n = k; n < frame_len; n++)                            \
                s += fabs((double)xt[n] - (double)xt[n - k]);                 \
            dt[k] = (T)s;                                                     \
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
