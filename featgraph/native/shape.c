/*
 * librosa's spectral shape descriptors of non-negative frames (centroid, bandwidth,
 * rolloff, flatness), one frame at a time: the frame is read once for its sum and
 * once more (in cache) for the descriptor.  numpy needs several passes over the whole
 * block and temporaries of its size for each.
 *
 * Definitions (librosa 0.11, librosa.feature.spectral_*), with S = sum_k s_k:
 *
 *   centroid   c = sum_k (s_k / S) f_k; s as it is when S < DBL_MIN
 *   bandwidth  (sum_k w_k |f_k - c|^p)^(1/p); w = s / S (as the centroid) or s
 *
 * (computed as sum_k s_k f_k / S and sum_k s_k |f_k - c|^p / S: one division a frame)
 *   rolloff    f_k for the first k whose running sum reaches roll_percent * S, the sums
 *              and the threshold in the type of s (as numpy's cumsum)
 *   flatness   exp(mean_k ln v_k) / mean_k v_k with v_k = max(amin, s_k^power) in the
 *              type of s
 *
 * Other sums are in double, as four partial sums (k mod 4) added pairwise at the end
 * (the geometric mean: one logarithm of the product of the values, kept as mantissa and
 * exponent).  The numpy definitions are in
 * featgraph.native.reference_spectral (spectral_centroid, ...).
 */
#include <float.h>
#include <math.h>
#include <stdint.h>

#include "featgraph.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#define SHAPE_CHECKS                                                          \
    if (n_bins == 0 || row_stride < n_bins)                                   \
        return FG_EINVAL;                                                     \
    if (n_frames > SIZE_MAX / row_stride)                                     \
        return FG_EINVAL;                                                     \
    if (n_frames == 0)                                                        \
        return FG_OK;                                                         \
    if (s == NULL || out == NULL)                                             \
        return FG_EINVAL;

/* The sum of a frame in double, as four interleaved partial sums (k mod 4) added
 * pairwise at the end, so that the additions pipeline; -1 when a value is negative. */
#define DEFINE_FRAME_SUM(NAME, T)                                             \
static double NAME(const T *r, size_t n)                                      \
{                                                                             \
    double a[4] = {0.0, 0.0, 0.0, 0.0};                                       \
    int negative = 0;                                                         \
    size_t k = 0;                                                             \
    for (; k + 4 <= n; k += 4)                                                \
        for (size_t j = 0; j < 4; j++) {                                      \
            negative |= r[k + j] < 0;                                         \
            a[j] += (double)r[k + j];                                         \
        }                                                                     \
    for (; k < n; k++) {                                                      \
        negative |= r[k] < 0;                                                 \
        a[k & 3] += (double)r[k];                                             \
    }                                                                         \
    return negative ? -1.0 : (a[0] + a[1]) + (a[2] + a[3]);                   \
}

DEFINE_FRAME_SUM(frame_sum_f64, double)
DEFINE_FRAME_SUM(frame_sum_f32, float)

/* The centroid of a frame whose sum is total: sum_k s_k f_k / total (total 1 when it is
 * tiny), the products summed as frame_sum sums. */
#define DEFINE_CENTROID_OF(NAME, T)                                           \
static double NAME(const T *r, size_t n, const double *freq, double total)    \
{                                                                             \
    double a[4] = {0.0, 0.0, 0.0, 0.0};                                       \
    size_t k = 0;                                                             \
    for (; k + 4 <= n; k += 4)                                                \
        for (size_t j = 0; j < 4; j++)                                        \
            a[j] += (double)r[k + j] * freq[k + j];                           \
    for (; k < n; k++)                                                        \
        a[k & 3] += (double)r[k] * freq[k];                                   \
    return ((a[0] + a[1]) + (a[2] + a[3])) / (total < DBL_MIN ? 1.0 : total); \
}

DEFINE_CENTROID_OF(centroid_of_f64, double)
DEFINE_CENTROID_OF(centroid_of_f32, float)

#define CENTROID_BODY(SFX)                                                    \
    SHAPE_CHECKS                                                              \
    if (freq == NULL)                                                         \
        return FG_EINVAL;                                                     \
    for (size_t t = 0; t < n_frames; t++) {                                   \
        double total = frame_sum_##SFX(s + t * row_stride, n_bins);           \
        if (total < 0)                                                        \
            return FG_EDOMAIN;                                                \
        out[t] = centroid_of_##SFX(s + t * row_stride, n_bins, freq, total);  \
    }                                                                         \
    return FG_OK;

int fg_spectral_centroid_f64(const double *s, size_t n_frames, size_t n_bins,
                             size_t row_stride, const double *freq, double *out)
{
    CENTROID_BODY(f64)
}

int fg_spectral_centroid_f32(const float *s, size_t n_frames, size_t n_bins,
                             size_t row_stride, const double *freq, double *out)
{
    CENTROID_BODY(f32)
}

#define BANDWIDTH_BODY(T, SFX)                                                   \
    SHAPE_CHECKS                                                              \
    if (freq == NULL)                                                         \
        return FG_EINVAL;                                                     \
    if (!(p > 0) || !isfinite(p))                                             \
        return FG_EDOMAIN;                                                    \
    for (size_t t = 0; t < n_frames; t++) {                                   \
        const double *f = freq;                                               \
        double total = frame_sum_##SFX(s + t * row_stride, n_bins), acc = 0.0;\
        if (total < 0)                                                        \
            return FG_EDOMAIN;                                                \
        double c = centroid_of_##SFX(s + t * row_stride, n_bins, f, total);   \
        double d = !norm ? 1.0 : total < DBL_MIN ? 1.0 : total;               \
        double a[4] = {0.0, 0.0, 0.0, 0.0};                                   \
        const T *r = s + t * row_stride;                                      \
        size_t k = 0;                                                         \
        if (p == 2.0)                                                         \
            for (; k + 4 <= n_bins; k += 4)                                   \
                for (size_t j = 0; j < 4; j++) {                              \
                    double e = f[k + j] - c;                                  \
                    a[j] += (double)r[k + j] * (e * e);                       \
                }                                                             \
        for (; k < n_bins; k++) {                                             \
            double e = fabs(f[k] - c);                                        \
            a[k & 3] += (double)r[k] * (p == 2.0 ? e * e : pow(e, p));        \
        }                                                                     \
        acc = ((a[0] + a[1]) + (a[2] + a[3])) / d;                            \
        out[t] = p == 2.0 ? sqrt(acc) : pow(acc, 1.0 / p);                    \
    }                                                                         \
    return FG_OK;

int fg_spectral_bandwidth_f64(const double *s, size_t n_frames, size_t n_bins,
                              size_t row_stride, const double *freq, double p, int norm,
                              double *out)
{
    BANDWIDTH_BODY(double, f64)
}

int fg_spectral_bandwidth_f32(const float *s, size_t n_frames, size_t n_bins,
                              size_t row_stride, const double *freq, double p, int norm,
                              double *out)
{
    BANDWIDTH_BODY(float, f32)
}

#define ROLLOFF_BODY(T)                                                       \
    SHAPE_CHECKS                                                              \
    if (freq == NULL)                                                         \
        return FG_EINVAL;                                                     \
    if (!(roll_percent > 0 && roll_percent < 1))                              \
        return FG_EDOMAIN;                                                    \
    for (size_t t = 0; t < n_frames; t++) {                                   \
        const T *r = s + t * row_stride;                                      \
        T total = 0;                                                          \
        for (size_t k = 0; k < n_bins; k++) {                                 \
            if (r[k] < 0)                                                     \
                return FG_EDOMAIN;                                            \
            total += r[k];                                                    \
        }                                                                     \
        T threshold = (T)roll_percent * total, running = 0;                   \
        size_t k = 0;                                                         \
        for (; k < n_bins; k++) {                                             \
            running += r[k];                                                  \
            if (running >= threshold)                                         \
                break;                                                        \
        }                                                                     \
        out[t] = freq[k < n_bins ? k : 0];                                    \
    }                                                                         \
    return FG_OK;

int fg_spectral_rolloff_f64(const double *s, size_t n_frames, size_t n_bins,
                            size_t row_stride, const double *freq, double roll_percent,
                            double *out)
{
    ROLLOFF_BODY(double)
}

int fg_spectral_rolloff_f32(const float *s, size_t n_frames, size_t n_bins,
                            size_t row_stride, const double *freq, double roll_percent,
                            double *out)
{
    ROLLOFF_BODY(float)
}

/* The flatness of a frame: the geometric mean as exp of the log of the product of the
 * values, as four products (k mod 4, so that the multiplications pipeline), each kept
 * as a double within [2^-600, 2^600] and a binary exponent (frexp when it leaves that
 * range, or for a value beyond 2^+-400, so that it neither overflows nor underflows):
 * one logarithm per frame, and no rounding of n logarithms summed. */
#define DEFINE_FLAT_VALUE(NAME, T, POW)                                       \
static inline double NAME(T r, T pw, double power, T floor_)                  \
{                                                                             \
    T v = power == 2.0 ? r * r : power == 1.0 ? r : POW(r, pw);               \
    return (double)(v > floor_ ? v : floor_);                                 \
}

DEFINE_FLAT_VALUE(flat_value_f64, double, pow)
DEFINE_FLAT_VALUE(flat_value_f32, float, powf)

/* Multiply x into the product (m, *expo), keeping m within [2^-600, 2^600]. */
static inline double fold(double m, double x, long *expo)
{
    int e;
    if (x > 0x1p400 || x < 0x1p-400) {
        x = frexp(x, &e);
        *expo += e;
    }
    m *= x;
    if (m > 0x1p600 || m < 0x1p-600) {
        m = frexp(m, &e);
        *expo += e;
    }
    return m;
}

#define FLATNESS_BODY(T, SFX)                                                 \
    SHAPE_CHECKS                                                              \
    if (!(power > 0) || !isfinite(power) || !(amin > 0) || !isfinite(amin))   \
        return FG_EDOMAIN;                                                    \
    {                                                                         \
        const T floor_ = (T)amin, pw = (T)power;                              \
        for (size_t t = 0; t < n_frames; t++) {                               \
            const T *r = s + t * row_stride;                                  \
            double m0 = 1.0, m1 = 1.0, m2 = 1.0, m3 = 1.0;                    \
            double a0 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0;                    \
            long expo = 0;                                                    \
            int negative = 0, e;                                              \
            size_t k = 0;                                                     \
            for (; k + 4 <= n_bins; k += 4) {                                 \
                negative |= (r[k] < 0) | (r[k + 1] < 0) | (r[k + 2] < 0) |    \
                            (r[k + 3] < 0);                                   \
                double x0 = flat_value_##SFX(r[k], pw, power, floor_);        \
                double x1 = flat_value_##SFX(r[k + 1], pw, power, floor_);    \
                double x2 = flat_value_##SFX(r[k + 2], pw, power, floor_);    \
                double x3 = flat_value_##SFX(r[k + 3], pw, power, floor_);    \
                a0 += x0;                                                     \
                a1 += x1;                                                     \
                a2 += x2;                                                     \
                a3 += x3;                                                     \
                double p0 = m0 * x0, p1 = m1 * x1, p2 = m2 * x2, p3 = m3 * x3;\
                if (((x0 > 0x1p400) | (x0 < 0x1p-400) | (x1 > 0x1p400) |      \
                     (x1 < 0x1p-400) | (x2 > 0x1p400) | (x2 < 0x1p-400) |     \
                     (x3 > 0x1p400) | (x3 < 0x1p-400) | (p0 > 0x1p600) |      \
                     (p0 < 0x1p-600) | (p1 > 0x1p600) | (p1 < 0x1p-600) |     \
                     (p2 > 0x1p600) | (p2 < 0x1p-600) | (p3 > 0x1p600) |      \
                     (p3 < 0x1p-600))) {          /* rare: fold exponents */  \
                    m0 = fold(m0, x0, &expo);                                 \
                    m1 = fold(m1, x1, &expo);                                 \
                    m2 = fold(m2, x2, &expo);                                 \
                    m3 = fold(m3, x3, &expo);                                 \
                } else {                                                      \
                    m0 = p0;                                                  \
                    m1 = p1;                                                  \
                    m2 = p2;                                                  \
                    m3 = p3;                                                  \
                }                                                             \
            }                                                                 \
            for (; k < n_bins; k++) {                                         \
                negative |= r[k] < 0;                                         \
                double x = flat_value_##SFX(r[k], pw, power, floor_);         \
                a0 += x;                                                      \
                m0 = fold(m0, x, &expo);                                      \
            }                                                                 \
            if (negative)                                                     \
                return FG_EDOMAIN;                                            \
            double mant = frexp(m0, &e);                                      \
            expo += e;                                                        \
            mant *= frexp(m1, &e);                                            \
            expo += e;                                                        \
            mant *= frexp(m2, &e);                                            \
            expo += e;                                                        \
            mant *= frexp(m3, &e);                                            \
            expo += e;                                                        \
            double mean_log = (log(mant) + (double)expo * LN2) / (double)n_bins;\
            double sum = (a0 + a1) + (a2 + a3);                               \
            out[t] = exp(mean_log) / (sum / (double)n_bins);                  \
        }                                                                     \
    }                                                                         \
    return FG_OK;

#define LN2 0.69314718055994530942

int fg_spectral_flatness_f64(const double *s, size_t n_frames, size_t n_bins,
                             size_t row_stride, double power, double amin, double *out)
{
    FLATNESS_BODY(double, f64)
}

int fg_spectral_flatness_f32(const float *s, size_t n_frames, size_t n_bins,
                             size_t row_stride, double power, double amin, double *out)
{
    FLATNESS_BODY(float, f32)
}
