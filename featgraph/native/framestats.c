/*
 * Per-frame statistics of spectra that numpy computes in several passes with temporaries
 * of the block's size (audioFlux's slope, decrease, HFC, RMS; flux, SF, SD and MKL between
 * frames; librosa's spectral contrast): here each frame is read once (twice for the
 * contrast's bands), in its own type, and everything is summed in double.
 *
 *   dots      out[t, j] = sum_k w[j, k] g(s[t, k]), g(s) = s or s^2 (square): the
 *             weighted sums behind slope (w = f - mean f), HFC (w = k), RMS (Parseval
 *             weights, squared), decrease (two rows)
 *   change    out[t] = sum_k h(a[t, k], b[t, k]) for two frames a (frame t) and b (the
 *             frame it is compared with): |a - b|^p, max(0, a - b)^p (rectify), or
 *             ln(1 + a / max(amin, b)) (MKL; P. Brossier, PhD thesis, Queen Mary 2006)
 *   contrast  for each band (first bin, bin count, q): the mean of its q largest and of
 *             its q smallest values (librosa.feature.spectral_contrast's peak and valley)
 *
 * Sums are eight partial sums (k mod 8) added pairwise at the end (the compiler keeps
 * them in vector lanes, AVX2 or SSE2 alike), so results depend neither on the vector width
 * nor on how frames are split into calls.  NaN propagates into the value of its frame (or
 * band); nothing else is checked but the sign, in the same pass: on a negative value the
 * kernel returns FG_EDOMAIN and out holds the frames before it only.
 * The numpy definitions are in featgraph.native.reference_framestats.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "fastlog.h"
#include "featgraph.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

/* fg_spectral_change's modes (featgraph.h) */
#define FG_CHANGE_ABS 0
#define FG_CHANGE_RECTIFY 1
#define FG_CHANGE_MKL 2

#define FRAME_CHECKS(ROWS)                                                    \
    if (n_bins == 0 || row_stride < n_bins)                                   \
        return FG_EINVAL;                                                     \
    if (n_frames > SIZE_MAX / row_stride)                                     \
        return FG_EINVAL;                                                     \
    if (n_frames == 0)                                                        \
        return FG_OK;                                                         \
    if ((ROWS) == NULL || out == NULL)                                        \
        return FG_EINVAL;

/* -------------------------------------------------------------------- dots */
/* sum_k w[k] g(r[k]) as eight partial sums (k mod 8), and whether some r[k] < 0. */
#define DEFINE_DOT_ROW(NAME, T)                                               \
FG_CLONES FG_NO_TRAPS static double NAME(const T *r, size_t n, const double *w, \
                                         int square, int *negative)           \
{                                                                             \
    double a[8] = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0};                   \
    int neg = 0;                                                              \
    size_t k = 0;                                                             \
    if (square)                                                               \
        for (; k + 8 <= n; k += 8)                                            \
            for (size_t i = 0; i < 8; i++) {                                  \
                double v = (double)r[k + i];                                  \
                neg |= v < 0;                                                 \
                a[i] += w[k + i] * (v * v);                                   \
            }                                                                 \
    else                                                                      \
        for (; k + 8 <= n; k += 8)                                            \
            for (size_t i = 0; i < 8; i++) {                                  \
                double v = (double)r[k + i];                                  \
                neg |= v < 0;                                                 \
                a[i] += w[k + i] * v;                                         \
            }                                                                 \
    for (; k < n; k++) {                                                      \
        double v = (double)r[k];                                              \
        neg |= v < 0;                                                         \
        a[k & 7] += w[k] * (square ? v * v : v);                              \
    }                                                                         \
    *negative |= neg;                                                         \
    return ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7])); \
}

DEFINE_DOT_ROW(dot_row_f64, double)
DEFINE_DOT_ROW(dot_row_f32, float)

#define DOTS_BODY(SFX)                                                        \
    FRAME_CHECKS(s)                                                           \
    if (w == NULL || n_w == 0)                                                \
        return FG_EINVAL;                                                     \
    for (size_t t = 0; t < n_frames; t++) {                                   \
        int negative = 0;                                                     \
        for (size_t j = 0; j < n_w; j++)                                      \
            out[t * n_w + j] = dot_row_##SFX(s + t * row_stride, n_bins,      \
                                             w + j * n_bins, square, &negative); \
        if (negative && nonneg)                                               \
            return FG_EDOMAIN;                                                \
    }                                                                         \
    return FG_OK;

int fg_frame_dots_f64(const double *s, size_t n_frames, size_t n_bins, size_t row_stride,
                      const double *w, size_t n_w, int square, int nonneg, double *out)
{
    DOTS_BODY(f64)
}

int fg_frame_dots_f32(const float *s, size_t n_frames, size_t n_bins, size_t row_stride,
                      const double *w, size_t n_w, int square, int nonneg, double *out)
{
    DOTS_BODY(f32)
}

/* ------------------------------------------------------------------ change */
#define FG_LN_BLOCK 256          /* a multiple of 8: j & 7 is k & 7 */

FG_DEFINE_LN1P_RATIO(ln1p_ratio_f64, double)
FG_DEFINE_LN1P_RATIO(ln1p_ratio_f32, float)

/* sum_k h(a_k, b_k) of one pair of rows, eight partial sums (k mod 8), and whether a value
 * of a or b is negative. */
#define DEFINE_CHANGE_ROW(NAME, T, SFX)                                       \
FG_CLONES FG_NO_TRAPS static double NAME(const T *ra, const T *rb, size_t n, int mode, \
                                         double p, double amin, int *negative) \
{                                                                             \
    double acc[8] = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0};                 \
    int neg = 0, rect = mode == FG_CHANGE_RECTIFY;                            \
    size_t k = 0;                                                             \
    if (mode == FG_CHANGE_MKL) {                                              \
        double terms[FG_LN_BLOCK];                                            \
        for (; k < n; k += FG_LN_BLOCK) {                                     \
            size_t m = n - k < FG_LN_BLOCK ? n - k : FG_LN_BLOCK;             \
            ln1p_ratio_##SFX(ra + k, rb + k, m, amin, terms);                 \
            for (size_t j = 0; j < m; j++) {                                  \
                neg |= (ra[k + j] < 0) | (rb[k + j] < 0);                     \
                acc[j & 7] += terms[j];                                       \
            }                                                                 \
        }                                                                     \
    } else if (p == 2.0) {                                                    \
        for (; k + 8 <= n; k += 8)                                            \
            for (size_t i = 0; i < 8; i++) {                                  \
                double x = (double)ra[k + i], y = (double)rb[k + i], d = x - y; \
                neg |= (x < 0) | (y < 0);                                     \
                d *= (double)(!rect | (d >= 0));  /* 0 (or -0) rectified; NaN stays */ \
                acc[i] += d * d;                                              \
            }                                                                 \
    }                                                                         \
    for (; k < n; k++) {                                                      \
        double x = (double)ra[k], y = (double)rb[k], d = x - y;               \
        neg |= (x < 0) | (y < 0);                                             \
        d = rect ? d * (double)(d >= 0) : fabs(d);                            \
        acc[k & 7] += p == 2.0 ? d * d : p == 1.0 ? d : pow(d, p);            \
    }                                                                         \
    *negative |= neg;                                                         \
    return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7])); \
}

DEFINE_CHANGE_ROW(change_row_f64, double, f64)
DEFINE_CHANGE_ROW(change_row_f32, float, f32)

#define CHANGE_BODY(SFX)                                                      \
    if (n_bins == 0 || a_stride < n_bins || b_stride < n_bins)                \
        return FG_EINVAL;                                                     \
    if (n_frames > SIZE_MAX / a_stride || n_frames > SIZE_MAX / b_stride)     \
        return FG_EINVAL;                                                     \
    if (mode != FG_CHANGE_ABS && mode != FG_CHANGE_RECTIFY && mode != FG_CHANGE_MKL) \
        return FG_EINVAL;                                                     \
    if (!(p >= 1.0) || !isfinite(p) || !(amin > 0) || !isfinite(amin))       \
        return FG_EDOMAIN;                                                    \
    if (n_frames == 0)                                                        \
        return FG_OK;                                                         \
    if (a == NULL || b == NULL || out == NULL)                                \
        return FG_EINVAL;                                                     \
    for (size_t t = 0; t < n_frames; t++) {                                   \
        int negative = 0;                                                     \
        out[t] = change_row_##SFX(a + t * a_stride, b + t * b_stride, n_bins, mode, p, \
                                  amin, &negative);                           \
        if (negative)                                                         \
            return FG_EDOMAIN;                                                \
    }                                                                         \
    return FG_OK;

int fg_spectral_change_f64(const double *a, const double *b, size_t n_frames, size_t n_bins,
                           size_t a_stride, size_t b_stride, int mode, double p, double amin,
                           double *out)
{
    CHANGE_BODY(f64)
}

int fg_spectral_change_f32(const float *a, const float *b, size_t n_frames, size_t n_bins,
                           size_t a_stride, size_t b_stride, int mode, double p, double amin,
                           double *out)
{
    CHANGE_BODY(f32)
}

/* ---------------------------------------------------------------- contrast */
#define FG_CONTRAST_SMALL_Q 64

static int compare_doubles(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* Four running maxima and minima of v[0..n) (n >= 1) and whether a value is NaN, in one
 * vectorised pass (no traps: the selects run on every lane). */
#define DEFINE_SCAN(NAME, T)                                                  \
FG_CLONES FG_NO_TRAPS static int NAME(const T *v, size_t n, double *mx, double *mn) \
{                                                                             \
    double a[4], b[4];                                                        \
    int nan = 0;                                                              \
    a[0] = a[1] = a[2] = a[3] = b[0] = b[1] = b[2] = b[3] = (double)v[0];     \
    size_t k = 0;                                                             \
    for (; k + 4 <= n; k += 4)                                                \
        for (size_t i = 0; i < 4; i++) {                                      \
            double x = (double)v[k + i];                                      \
            nan |= x != x;                                                    \
            a[i] = x > a[i] ? x : a[i];                                       \
            b[i] = x < b[i] ? x : b[i];                                       \
        }                                                                     \
    for (; k < n; k++) {                                                      \
        double x = (double)v[k];                                              \
        nan |= x != x;                                                        \
        a[0] = x > a[0] ? x : a[0];                                           \
        b[0] = x < b[0] ? x : b[0];                                           \
    }                                                                         \
    for (size_t i = 0; i < 4; i++) {                                          \
        mx[i] = a[i];                                                         \
        mn[i] = b[i];                                                         \
    }                                                                         \
    return nan;                                                               \
}

DEFINE_SCAN(scan_f64, double)
DEFINE_SCAN(scan_f32, float)

/* The mean of the q largest (*peak) and of the q smallest (*valley) of v[0..n), q <= n:
 * for q <= FG_CONTRAST_SMALL_Q two sorted arrays of the extremes met so far (one
 * comparison per value once they are full), else a sorted copy in work.  Each mean sums
 * its q values in ascending order.  NaN anywhere gives NaN for both. */
#define DEFINE_EXTREMES(NAME, T, SCAN)                                        \
static void NAME(const T *v, size_t n, size_t q, double *work, double *peak,  \
                 double *valley)                                              \
{                                                                             \
    double top[FG_CONTRAST_SMALL_Q], bot[FG_CONTRAST_SMALL_Q];                \
    const double *hi, *lo;                                                    \
    double mx[4], mn[4];                                                      \
    int nan = SCAN(v, n, mx, mn);                                             \
    if (nan) {                                                                \
        *peak = *valley = NAN;                                                \
        return;                                                               \
    }                                                                         \
    if (q == 1) {                                                             \
        double a = mx[0] > mx[1] ? mx[0] : mx[1], b = mx[2] > mx[3] ? mx[2] : mx[3]; \
        double c = mn[0] < mn[1] ? mn[0] : mn[1], d = mn[2] < mn[3] ? mn[2] : mn[3]; \
        *peak = a > b ? a : b;                                                \
        *valley = c < d ? c : d;                                              \
        return;                                                               \
    }                                                                         \
    if (q <= FG_CONTRAST_SMALL_Q) {                                           \
        /* top: the q largest so far, ascending, scanned upwards; bot: the q smallest, \
         * ascending, scanned downwards (spectra mostly fall with frequency, so both \
         * meet their extremes early and rarely insert later) */              \
        for (size_t k = 0; k < q; k++) {                                      \
            double x = (double)v[k], y = (double)v[n - 1 - k];                \
            size_t i = k, j = k;                                              \
            for (; i > 0 && top[i - 1] > x; i--)                              \
                top[i] = top[i - 1];                                          \
            top[i] = x;                                                       \
            for (; j > 0 && bot[j - 1] > y; j--)                              \
                bot[j] = bot[j - 1];                                          \
            bot[j] = y;                                                       \
        }                                                                     \
        for (size_t k = q; k < n; k++) {                                      \
            double x = (double)v[k];                                          \
            if (x > top[0]) {                                                 \
                size_t i = 0;                                                 \
                for (; i + 1 < q && top[i + 1] < x; i++)                      \
                    top[i] = top[i + 1];                                      \
                top[i] = x;                                                   \
            }                                                                 \
        }                                                                     \
        for (size_t k = n - q; k-- > 0;) {                                    \
            double x = (double)v[k];                                          \
            if (x < bot[q - 1]) {                                             \
                size_t i = q - 1;                                             \
                for (; i > 0 && bot[i - 1] > x; i--)                          \
                    bot[i] = bot[i - 1];                                      \
                bot[i] = x;                                                   \
            }                                                                 \
        }                                                                     \
        hi = top;                                                             \
        lo = bot;                                                             \
    } else {                                                                  \
        for (size_t k = 0; k < n; k++)                                        \
            work[k] = (double)v[k];                                           \
        qsort(work, n, sizeof *work, compare_doubles);                        \
        hi = work + (n - q);                                                  \
        lo = work;                                                            \
    }                                                                         \
    double sh = 0.0, sl = 0.0;                                                \
    for (size_t k = 0; k < q; k++) {                                          \
        sh += hi[k];                                                          \
        sl += lo[k];                                                          \
    }                                                                         \
    *peak = sh / (double)q;                                                   \
    *valley = sl / (double)q;                                                 \
}

DEFINE_EXTREMES(extremes_f64, double, scan_f64)
DEFINE_EXTREMES(extremes_f32, float, scan_f32)

#define CONTRAST_BODY(SFX)                                                    \
    FRAME_CHECKS(s)                                                           \
    if (n_bands == 0 || first == NULL || count == NULL || q == NULL)          \
        return FG_EINVAL;                                                     \
    for (size_t b = 0; b < n_bands; b++) {                                    \
        if (count[b] == 0 || first[b] > n_bins || count[b] > n_bins - first[b] \
            || q[b] == 0 || q[b] > count[b])                                  \
            return FG_EINVAL;                                                 \
        if (q[b] > FG_CONTRAST_SMALL_Q && work == NULL)                       \
            return FG_EINVAL;                                                 \
    }                                                                         \
    for (size_t t = 0; t < n_frames; t++)                                     \
        for (size_t b = 0; b < n_bands; b++) {                                \
            double *o = out + 2 * (t * n_bands + b);                          \
            extremes_##SFX(s + t * row_stride + first[b], count[b], q[b], work, \
                           o, o + 1);                                         \
        }                                                                     \
    return FG_OK;

int fg_spectral_contrast_f64(const double *s, size_t n_frames, size_t n_bins,
                             size_t row_stride, const size_t *first, const size_t *count,
                             const size_t *q, size_t n_bands, double *work, double *out)
{
    CONTRAST_BODY(f64)
}

int fg_spectral_contrast_f32(const float *s, size_t n_frames, size_t n_bins,
                             size_t row_stride, const size_t *first, const size_t *count,
                             const size_t *q, size_t n_bands, double *work, double *out)
{
    CONTRAST_BODY(f32)
}
