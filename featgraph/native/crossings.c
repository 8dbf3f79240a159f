/*
 * Zero crossings of frames: the number of neighbouring samples whose signs differ,
 *
 *   Z[t] = sum_{n=1}^{N-1} [neg(x[t, n]) != neg(x[t, n-1])]
 *
 * with neg(v) the sign bit of v after samples with |v| <= threshold are set to +0
 * (librosa.feature.zero_crossing_rate: 0 counts as positive), or, for the lecture
 * variant, v < 0 (Rabiner and Schafer, "Introduction to Digital Speech Processing",
 * 2007, "Short-time analysis of speech").  Frames may overlap: frame t starts
 * t * frame_stride samples after frame 0, so the framed view of a signal is read
 * without a copy.  numpy needs a temporary of the frames' size for each step.
 * The numpy definition is featgraph.native.reference_timedomain.zero_crossings.
 */
#include <math.h>
#include <stdint.h>

#include "featgraph.h"
#include "simd.h"

/* One frame, exactly as defined (NaN samples count by their sign bit in librosa's rule). */
#define DEFINE_EXACT(NAME, T)                                                 \
static size_t NAME(const T *r, size_t n, T thr, int lecture)                  \
{                                                                             \
    size_t count = 0;                                                         \
    int prev = 0;                                                             \
    for (size_t i = 0; i < n; i++) {                                          \
        T v = r[i];                                                           \
        int neg = lecture ? v < 0 : fabs((double)v) <= (double)thr ? 0       \
                                                        : signbit(v) != 0;    \
        count += i > 0 && neg != prev;                                        \
        prev = neg;                                                           \
    }                                                                         \
    return count;                                                             \
}

/* One frame, vectorisable: each pair (r[i-1], r[i]) tested on its own (an integer sum);
 * for values that are not NaN, |v| > thr >= 0 makes v non-zero, where the sign bit is
 * v < 0.  A frame holding NaN goes through the exact loop. */
#define DEFINE_FAST(NAME, T, EXACT)                                           \
FG_CLONES static size_t NAME(const T *r, size_t n, T thr, int lecture)        \
{                                                                             \
    size_t count = 0;                                                         \
    int nan = r[0] != r[0];                                                   \
    if (lecture) {                                                            \
        for (size_t i = 1; i < n; i++)                                        \
            count += (size_t)((r[i - 1] < 0) ^ (r[i] < 0));                   \
        return count;                                                         \
    }                                                                         \
    for (size_t i = 1; i < n; i++) {                                          \
        T a = r[i - 1], b = r[i];                                             \
        int na = (a < -thr), nb = (b < -thr);                                 \
        nan |= b != b;                                                        \
        count += (size_t)(na ^ nb);                                           \
    }                                                                         \
    return nan ? EXACT(r, n, thr, lecture) : count;                           \
}

DEFINE_EXACT(exact_f64, double)
DEFINE_EXACT(exact_f32, float)
DEFINE_FAST(fast_f64, double, exact_f64)
DEFINE_FAST(fast_f32, float, exact_f32)

#define CROSSINGS_BODY(T, SFX)                                                \
    if (frame_len == 0 || (n_frames > 1 && frame_stride == 0))                \
        return FG_EINVAL;                                                     \
    if (n_frames > 1 && (n_frames - 1) > (SIZE_MAX - frame_len) / frame_stride)\
        return FG_EINVAL;                                                     \
    if (n_frames == 0)                                                        \
        return FG_OK;                                                         \
    if (x == NULL || out == NULL)                                             \
        return FG_EINVAL;                                                     \
    if (!(threshold >= 0))                                                    \
        return FG_EDOMAIN;                                                    \
    for (size_t t = 0; t < n_frames; t++)                                     \
        out[t] = (double)fast_##SFX(x + t * frame_stride, frame_len,          \
                                    (T)threshold, lecture);                   \
    return FG_OK;

int fg_zero_crossings_f64(const double *x, size_t n_frames, size_t frame_len,
                          size_t frame_stride, double threshold, int lecture, double *out)
{
    CROSSINGS_BODY(double, f64)
}

int fg_zero_crossings_f32(const float *x, size_t n_frames, size_t frame_len,
                          size_t frame_stride, double threshold, int lecture, double *out)
{
    CROSSINGS_BODY(float, f32)
}
