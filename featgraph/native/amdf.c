/*
 * Average magnitude difference function (AMDF) of frames.
 *
 *   D[t, k] = sum_{n=k}^{N-1} |x[t, n] - x[t, n-k]|      k = 0 .. n_lags-1
 *
 * (Ross, Shaffer, Cohen, Freudberg and Manley, "Average magnitude difference
 * function pitch extractor", IEEE Trans. ASSP 22(5), 1974; Rabiner and
 * Schafer, "Introduction to Digital Speech Processing", 2007, "Short-time analysis of speech".)
 * The sum over the N - k available pairs, divided by N - k when normalize != 0, for lags
 * first_lag <= k < end_lag.
 * Frame t starts t * frame_stride samples after frame 0 (frames may overlap: the
 * framed view of a signal is read without a copy).  The numpy definition is
 * featgraph.native.reference_timedomain.amdf.
 *
 * N * n_lags differences per frame are inherent in the definition, so the loop runs
 * at the vector width: AMDF_LAGS lags per pass over the frame, the samples x[n .. n+W-1]
 * loaded once for all of them, W consecutive n in the lanes of a vector (GCC / clang
 * vector extensions; FG_CLONES builds an AVX2 copy: W = 4 doubles or 8 floats per
 * register).  Each lag keeps W partial sums (lane j adds the terms n = j mod W), added
 * together at the end, in the frames' type: every term is >= 0, so the sum's rounding
 * error is at most (N / W + log2 W + 1) units of the type's rounding times D itself
 * (no cancellation), and an exact zero (k = 0, or a multiple of a period) stays 0.
 * float32 frames are differenced and summed in float32 (8 lanes), float64 in float64.
 * Passes start at first_lag, first_lag + AMDF_LAGS, ...; the lags short of a full pass
 * at the end go one at a time.  A lag's value depends on its pass (where the lanes
 * start), so a caller wanting the values of a longer call on part of the lags starts
 * at a multiple of FG_AMDF_LAGS and ends at one, or at the same end.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "featgraph.h"
#include "simd.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#define AMDF_LAGS FG_AMDF_LAGS   /* 6 lags per pass: 6 accumulators + the samples (8 spill) */

#if defined(__GNUC__) || defined(__clang__)
typedef double amdf_v4d __attribute__((vector_size(32)));
typedef int64_t amdf_v4l __attribute__((vector_size(32)));
typedef float amdf_v8f __attribute__((vector_size(32)));
typedef int32_t amdf_v8i __attribute__((vector_size(32)));
#define AMDF_HAVE_VECTORS 1
#endif

/* Scalar terms for n in [lo, hi) of lag k, added to *s. */
#define AMDF_SCALAR(T, xt, k, lo, hi, s)                                      \
    for (size_t m_ = (lo); m_ < (hi); m_++) {                                 \
        T v_ = (xt)[m_] - (xt)[m_ - (k)];                                     \
        *(s) += v_ < 0 ? -v_ : v_;                                            \
    }

#ifdef AMDF_HAVE_VECTORS
/* One pass over frame xt for lags k0 .. k0 + L - 1 (L a constant: the compiler keeps
 * the L accumulators in registers); s[j] gets lag k0 + j's sum.  Samples
 * n < k0 + L - 1 (where some lag of the pass has no pair yet) and the last ones short
 * of a full vector go through the scalar loop.  |v| clears the sign bit (ABS). */
#define DEFINE_PASS(NAME, T, VT, IT, W, L, ABS)                               \
FG_CLONES static void NAME(const T *xt, size_t n_len, size_t k0, T *s)        \
{                                                                             \
    VT acc[L];                                                                \
    const IT abs_mask = (IT){0} + (ABS);                                      \
    size_t start = k0 + L - 1;                                                \
    size_t head = start < n_len ? start : n_len, n = head;                    \
    memset(acc, 0, sizeof acc);                                               \
    for (; n + W <= n_len; n += W) {                                          \
        VT a;                                                                 \
        memcpy(&a, xt + n, sizeof a);                                         \
        for (int j = 0; j < L; j++) {                                         \
            VT b, t;                                                          \
            memcpy(&b, xt + n - k0 - j, sizeof b);                            \
            t = a - b;                                                        \
            acc[j] += (VT)((IT)t & abs_mask);                                 \
        }                                                                     \
    }                                                                         \
    for (int j = 0; j < L; j++) {                                             \
        T lanes[W], sum = 0, edge = 0;                                        \
        AMDF_SCALAR(T, xt, k0 + j, k0 + j, head, &edge)                       \
        AMDF_SCALAR(T, xt, k0 + j, n, n_len, &edge)                           \
        memcpy(lanes, &acc[j], sizeof lanes);                                 \
        for (int i = 0; i < W; i++)                                           \
            sum += lanes[i];                                                  \
        s[j] = sum + edge;                                                    \
    }                                                                         \
}

DEFINE_PASS(pass8_f64, double, amdf_v4d, amdf_v4l, 4, AMDF_LAGS, INT64_MAX)
DEFINE_PASS(pass1_f64, double, amdf_v4d, amdf_v4l, 4, 1, INT64_MAX)
DEFINE_PASS(pass8_f32, float, amdf_v8f, amdf_v8i, 8, AMDF_LAGS, INT32_MAX)
DEFINE_PASS(pass1_f32, float, amdf_v8f, amdf_v8i, 8, 1, INT32_MAX)
#else
/* Without vector extensions: the same passes as plain loops, one lag at a time. */
#define DEFINE_PASS(NAME, T, L)                                               \
static void NAME(const T *xt, size_t n_len, size_t k0, T *s)                  \
{                                                                             \
    for (int j = 0; j < L; j++) {                                             \
        s[j] = 0;                                                             \
        AMDF_SCALAR(T, xt, k0 + j, k0 + j, n_len, &s[j])                      \
    }                                                                         \
}
DEFINE_PASS(pass8_f64, double, AMDF_LAGS)
DEFINE_PASS(pass1_f64, double, 1)
DEFINE_PASS(pass8_f32, float, AMDF_LAGS)
DEFINE_PASS(pass1_f32, float, 1)
#endif

/* 1 if any of x[0 .. n-1] is NaN or infinite (v - v is NaN exactly for those). */
#define DEFINE_NONFINITE(NAME, T)                                             \
FG_CLONES FG_NO_TRAPS static int NAME(const T *x, size_t n)                   \
{                                                                             \
    int bad = 0;                                                              \
    for (size_t i = 0; i < n; i++)                                            \
        bad |= !(x[i] - x[i] == 0);                                           \
    return bad;                                                               \
}
DEFINE_NONFINITE(nonfinite_f64, double)
DEFINE_NONFINITE(nonfinite_f32, float)

#define AMDF_BODY(T, SFX)                                                     \
    size_t span;                                                              \
    if (first_lag > end_lag || end_lag > frame_len ||                         \
        (n_frames > 1 && frame_stride == 0))                                  \
        return FG_EINVAL;                                                     \
    if (n_frames == 0 || first_lag == end_lag)                                \
        return FG_OK;                                                         \
    if ((n_frames - 1) > (SIZE_MAX - frame_len) / (frame_stride ? frame_stride : 1))\
        return FG_EINVAL;                                                     \
    if (x == NULL || d == NULL)                                               \
        return FG_EINVAL;                                                     \
    span = (n_frames - 1) * frame_stride + frame_len;                         \
    if (nonfinite_##SFX(x, span))                                             \
        return FG_ENONFINITE;                                                 \
    for (size_t t = 0; t < n_frames; t++) {                                   \
        const T *xt = x + t * frame_stride;                                   \
        T *dt = d + t * (end_lag - first_lag) - first_lag;  /* dt[k]: lag k */\
        size_t k = first_lag;                                                 \
        for (; k + AMDF_LAGS <= end_lag; k += AMDF_LAGS)                      \
            pass8_##SFX(xt, frame_len, k, dt + k);                            \
        for (; k < end_lag; k++)                                              \
            pass1_##SFX(xt, frame_len, k, dt + k);                            \
        if (normalize)                                                        \
            for (k = first_lag; k < end_lag; k++)                             \
                dt[k] /= (T)(frame_len - k);                                  \
    }                                                                         \
    return FG_OK;

int fg_amdf_f64(const double *x, size_t n_frames, size_t frame_len, size_t frame_stride,
                size_t first_lag, size_t end_lag, int normalize, double *d)
{
    AMDF_BODY(double, f64)
}

int fg_amdf_f32(const float *x, size_t n_frames, size_t frame_len, size_t frame_stride,
                size_t first_lag, size_t end_lag, int normalize, float *d)
{
    AMDF_BODY(float, f32)
}
