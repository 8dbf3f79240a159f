/*
 * HPSS masks and parts in one pass (fg_hpss_masks_*; see featgraph.h for the contract and
 * reference_mir.py's hpss_masks for the numpy definition it must equal bit for bit).
 *
 * After the two running medians (median.c), librosa.decompose.hpss builds two soft masks
 * (librosa.util.softmask) and multiplies the spectrogram by them.  In numpy that is about
 * a dozen passes over spectrogram-sized arrays (maximum, comparisons, two divisions, two
 * squares, a sum, masked assignments, the products) and two fresh arrays per mask; here
 * each bin is read once (S, H, P) and its two outputs written once, in place over H and P
 * if the caller wishes.  The operations are numpy's, in numpy's order, in the buffers'
 * type (no contraction into fused multiply-adds: -std=c99, no -ffast-math), so the
 * result is the same to the last bit:
 *
 *   softmask(x, r): z = max(x, r); z < tiny -> 1/2 (both margins 1) or 0;
 *                   else m = x / z, q = r / z, both raised to `power` (m * m for 2,
 *                   sqrt for 1/2, unchanged for 1, pow otherwise: numpy's `**=`),
 *                   m / (q + m)
 *   soft: M_h = softmask(H, margin_h P), M_p = softmask(P, margin_p H) (no product for a
 *         unit margin);  hard: M_h = H > margin_h P, M_p = P > margin_p H (1 or 0)
 *   out_h = M_h S, out_p = M_p S (or the masks when S is NULL).
 *
 * Reference: D. FitzGerald, "Harmonic/percussive separation using median filtering",
 * DAFx 2010; J. Driedger, M. Müller, S. Disch, "Extending harmonic-percussive separation
 * of audio signals", ISMIR 2014 (the margins); librosa 0.11 documentation,
 * librosa.util.softmask and librosa.decompose.hpss (the definitions followed).
 */
#include <float.h>
#include <math.h>

#include "featgraph.h"
#include "simd.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

/*
 * The common case, soft masks of power 2 with unit margins, branch-free (vectorised,
 * FG_CLONES).  With z = max(h, p) one of h / z and p / z is z / z = 1 exactly, the other
 * r = min / max; both masks share the denominator r^2 + 1 (numpy adds 1 + r^2 or r^2 + 1:
 * the same number), so M_h = (h >= p ? 1 : r^2) / (r^2 + 1) and M_p = (h >= p ? r^2 : 1) /
 * (r^2 + 1) are numpy's values bit for bit with three divisions instead of six (both
 * quotients 1 / d and r^2 / d are computed, then selected: no division under a condition,
 * which the vectoriser would not speculate).  Where
 * z < tiny, r is not used (0 / 0 is computed and discarded).
 */
#define SQUARE_UNIT_MASKS(T, TINY)                                                        \
        const T h = harm[i], p = perc[i];                                                 \
        const int hb = h >= p;                                                            \
        const T z = hb ? h : p, small = hb ? p : h;                                       \
        const T r = small / z, r2 = r * r, d = r2 + (T)1;                                  \
        const T one = (T)1 / d, frac = r2 / d;                                            \
        const T a = hb ? one : frac, b = hb ? frac : one;                                 \
        const int zero = z < TINY;

#define SQUARE_UNIT_BODY(T, TINY)                                                         \
    if (s != NULL) {                                                                      \
        for (size_t i = 0; i < n; i++) {                                                  \
            SQUARE_UNIT_MASKS(T, TINY)                                                    \
            out_h[i] = (zero ? (T)0.5 : a) * s[i];                                        \
            out_p[i] = (zero ? (T)0.5 : b) * s[i];                                        \
        }                                                                                 \
    } else {                                                                              \
        for (size_t i = 0; i < n; i++) {                                                  \
            SQUARE_UNIT_MASKS(T, TINY)                                                    \
            out_h[i] = zero ? (T)0.5 : a;                                                 \
            out_p[i] = zero ? (T)0.5 : b;                                                 \
        }                                                                                 \
    }

FG_CLONES FG_NO_TRAPS static void square_unit_f64(const double *s, const double *harm,
                                      const double *perc, size_t n, double *out_h,
                                      double *out_p)
{
    SQUARE_UNIT_BODY(double, DBL_MIN)
}

FG_CLONES FG_NO_TRAPS static void square_unit_f32(const float *s, const float *harm, const float *perc,
                                      size_t n, float *out_h, float *out_p)
{
    SQUARE_UNIT_BODY(float, FLT_MIN)
}

/* librosa's softmask of one value: x^pw / (x^pw + r^pw), both divided by max(x, r) first;
 * zero_mask where that maximum is below tiny. */
#define DEFINE_SOFT(NAME, T, TINY, POW, SQRT)                                             \
static T NAME##_soft(T x, T r, T zero_mask, T pw, int square, int half, int one)          \
{                                                                                         \
    const T z = x >= r ? x : r;                                                           \
    T m, q;                                                                               \
    if (z < TINY)                                                                         \
        return zero_mask;                                                                 \
    m = x / z;                                                                            \
    q = r / z;                                                                            \
    if (square) {                                                                         \
        m = m * m;                                                                        \
        q = q * q;                                                                        \
    } else if (half) {                                                                    \
        m = SQRT(m);                                                                      \
        q = SQRT(q);                                                                      \
    } else if (!one) {                                                                    \
        m = POW(m, pw);                                                                   \
        q = POW(q, pw);                                                                   \
    }                                                                                     \
    return m / (q + m);                                                                   \
}

DEFINE_SOFT(hpss_f64, double, DBL_MIN, pow, sqrt)
DEFINE_SOFT(hpss_f32, float, FLT_MIN, powf, sqrtf)

#define HPSS_BODY(NAME, T, FAST)                                                     \
    if (n == 0)                                                                           \
        return FG_OK;                                                                     \
    if (harm == NULL || perc == NULL || out_h == NULL || out_p == NULL)                   \
        return FG_EINVAL;                                                                 \
    if (!isfinite(power) || power <= 0 || !isfinite(margin_h) || margin_h < 1 ||          \
        !isfinite(margin_p) || margin_p < 1)                                              \
        return FG_EDOMAIN;                                                                \
    if (!hard && power == 2.0 && margin_h == 1.0 && margin_p == 1.0) {                   \
        FAST(s, harm, perc, n, out_h, out_p);                                             \
        return FG_OK;                                                                     \
    }                                                                                     \
    {                                                                                     \
        const T mh = (T)margin_h, mp = (T)margin_p, pw = (T)power;                        \
        const int scale_h = margin_h != 1.0, scale_p = margin_p != 1.0;                   \
        const int square = power == 2.0, half = power == 0.5, one = power == 1.0;         \
        const T zero_mask = (margin_h == 1.0 && margin_p == 1.0) ? (T)0.5 : (T)0.0;       \
        for (size_t i = 0; i < n; i++) {                                                  \
            const T h = harm[i], p = perc[i];                                             \
            T a, b;                                                                       \
            if (hard) {                                                                   \
                a = h > mh * p ? (T)1 : (T)0;                                             \
                b = p > mp * h ? (T)1 : (T)0;                                             \
            } else {                                                                      \
                const T rh = scale_h ? p * mh : p, rp = scale_p ? h * mp : h;             \
                a = NAME##_soft(h, rh, zero_mask, pw, square, half, one);                 \
                b = NAME##_soft(p, rp, zero_mask, pw, square, half, one);                 \
            }                                                                             \
            if (s != NULL) {                                                              \
                a = a * s[i];                                                             \
                b = b * s[i];                                                             \
            }                                                                             \
            out_h[i] = a;                                                                 \
            out_p[i] = b;                                                                 \
        }                                                                                 \
    }                                                                                     \
    return FG_OK;

int fg_hpss_masks_f64(const double *s, const double *harm, const double *perc, size_t n,
                      double power, double margin_h, double margin_p, int hard,
                      double *out_h, double *out_p)
{
    HPSS_BODY(hpss_f64, double, square_unit_f64)
}

int fg_hpss_masks_f32(const float *s, const float *harm, const float *perc, size_t n,
                      double power, double margin_h, double margin_p, int hard,
                      float *out_h, float *out_p)
{
    HPSS_BODY(hpss_f32, float, square_unit_f32)
}
