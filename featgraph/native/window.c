/*
 * Frames prepared for an FFT, one pass per frame:
 *
 *   e[n] = x[t, n] - k x[t, n - 1]   (n >= 1),   e[0] = (1 - k) x[t, 0]
 *   out[t, start + n] = e[n] * w[n]                  n = 0 .. frame_len - 1
 *   out[t, m] = 0                   m < start or m >= start + frame_len
 *
 * HTK's per-frame pre-emphasis (The HTK Book 5.2; HSigP PreEmphasise; Kaldi's
 * preemphasis_coefficient, whose first sample is x[0] - k x[0], the same value),
 * the window, and the zero padding to the FFT length.  With k = 0 it is the window
 * alone.  Frame t starts t * frame_stride samples after frame 0, so a framed signal
 * is read where it lies.  With zero_pad == 0 the padding is left as it is (a work buffer
 * whose padding is already zero: only the frames are written).  numpy needs a pre-emphasised copy of the frames, a
 * windowed copy in the padded buffer and separate passes for the padding.
 *
 * The operations are numpy's, in its order and type (featgraph.native.
 * reference_spectral.window_frames): x[n] + (-k x[n-1]) and (1 - k) x[0], each
 * product rounded before the sum (-std=c99: no fused multiply-add), then times w[n].
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "featgraph.h"
#include "simd.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#define DEFINE_ROW(NAME, T)                                                   \
FG_CLONES static void NAME(const T *x, size_t n, const T *w, T k, T *o)       \
{                                                                             \
    if (k == 0) {                                                             \
        for (size_t i = 0; i < n; i++)                                        \
            o[i] = x[i] * w[i];                                               \
        return;                                                               \
    }                                                                         \
    {                                                                         \
        const T nk = -k, first = (T)1 - k;                                    \
        o[0] = (x[0] * first) * w[0];                                         \
        for (size_t i = 1; i < n; i++) {                                      \
            T e = x[i] + x[i - 1] * nk;                                       \
            o[i] = e * w[i];                                                  \
        }                                                                     \
    }                                                                         \
}

DEFINE_ROW(row_f64, double)
DEFINE_ROW(row_f32, float)

#define WINDOW_BODY(T, ROW)                                                   \
    if (frame_len == 0 || out_len < frame_len || start > out_len - frame_len) \
        return FG_EINVAL;                                                     \
    if (n_frames > 1 && (n_frames - 1) > (SIZE_MAX - frame_len) / frame_stride_or1) \
        return FG_EINVAL;                                                     \
    if (n_frames > 0 && out_len > SIZE_MAX / sizeof(T) / n_frames)            \
        return FG_EINVAL;                                                     \
    if (n_frames == 0)                                                        \
        return FG_OK;                                                         \
    if (x == NULL || w == NULL || out == NULL)                                \
        return FG_EINVAL;                                                     \
    if (!(preemph >= 0 && preemph <= 1))                                      \
        return FG_EDOMAIN;                                                    \
    {                                                                         \
        const T k = (T)preemph;                                               \
        const size_t tail = out_len - start - frame_len;                      \
        for (size_t t = 0; t < n_frames; t++) {                               \
            T *o = out + t * out_len;                                         \
            if (start && zero_pad)                                            \
                memset(o, 0, start * sizeof(T));                              \
            ROW(x + t * frame_stride, frame_len, w, k, o + start);            \
            if (tail && zero_pad)                                             \
                memset(o + start + frame_len, 0, tail * sizeof(T));           \
        }                                                                     \
    }                                                                         \
    return FG_OK;

int fg_window_frames_f64(const double *x, size_t n_frames, size_t frame_len,
                         size_t frame_stride, const double *w, double preemph,
                         size_t out_len, size_t start, int zero_pad, double *out)
{
    const size_t frame_stride_or1 = frame_stride ? frame_stride : 1;
    WINDOW_BODY(double, row_f64)
}

int fg_window_frames_f32(const float *x, size_t n_frames, size_t frame_len,
                         size_t frame_stride, const float *w, double preemph,
                         size_t out_len, size_t start, int zero_pad, float *out)
{
    const size_t frame_stride_or1 = frame_stride ? frame_stride : 1;
    WINDOW_BODY(float, row_f32)
}
