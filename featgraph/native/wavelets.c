/*
 * Discrete wavelet transforms: one analysis step of the DWT (both filters in one pass,
 * every second output kept) and the stationary (a trous) transform, levels written
 * straight into the rows of the caller's (L + 1, n) array.
 *
 * Both work on blocks of BLOCK outputs, LANES neighbouring outputs summed side by side
 * in registers (the lane loop vectorises) and the two filters sharing each load; near the
 * ends of a periodic SWT row, where a tap's run wraps around, the block is updated tap by
 * tap in the output row instead (out[t] += c * s[t]).  The sum over the taps runs in tap
 * order, whatever the vector width (no contraction into fused multiply-adds), as in
 * featgraph.native.reference_wavelets: the two backends agree bit for bit.
 *
 * The DWT step copies each block's input window into two short local arrays, its even and
 * odd samples, so every tap reads a contiguous run; at the signal's ends the window comes
 * from the caller's boundary samples (the extension mode lives in Python), so the signal
 * itself is never copied to be extended.
 */
#include <stddef.h>
#include <stdint.h>

#include "featgraph.h"
#include "simd.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

/* FG_LANES_ONLY: vectorise the fixed LANES-wide blocks of a function (straight-line code
 * once unrolled) but not its loops over taps, which GCC would otherwise vectorise by
 * gathering two taps' strided samples at a time (several times slower). */
#if defined(__GNUC__) && !defined(__clang__)
#define FG_LANES_ONLY __attribute__((optimize("no-tree-loop-vectorize")))
#else
#define FG_LANES_ONLY
#endif

#define BLOCK 256
#define MAX_TAPS 256       /* longest filter (PyWavelets' longest: coif17, 102) */
#define HALF_TAPS (MAX_TAPS / 2 + 1)
#define MAX_LEVEL 48
/* outputs summed side by side in registers: 16 ymm registers hold the DWT's 8 x 2
 * sums (it needs more for its even / odd loads) and the SWT's 16 x 2 (double) */
#define DWT_LANES 8
#define SWT_LANES 16

#define DEFINE_WAVELETS(S, T)                                                           \
/* Tap j reads window sample u = flen - 1 - j: ev[u / 2 + t] for u even, od[u / 2 + t]  \
 * for u odd.  With flen even the taps pair up, v = flen / 2 - 1 .. 0: j = flen - 2 - 2v \
 * (od[v + t]) then j = flen - 1 - 2v (ev[v + t]), in tap order; c holds per pair the   \
 * coefficients lo[2i], hi[2i], lo[2i + 1], hi[2i + 1] (i = pair index).  DWT_LANES sums \
 * are held side by side in registers. */                                               \
FG_CLONES FG_LANES_ONLY                                                                 \
static void dwt_taps_##S(const T *restrict ev, const T *restrict od,                    \
                         const T *restrict c,                                           \
                         size_t pairs, size_t nb, T *restrict a, T *restrict d)         \
{                                                                                       \
    size_t t0 = 0;                                                                      \
    for (; t0 + DWT_LANES <= nb; t0 += DWT_LANES) {                                     \
        T sa[DWT_LANES] = {0}, sd[DWT_LANES] = {0};                                     \
        for (size_t i = 0; i < pairs; i++) {                                            \
            const T *po = od + (pairs - 1 - i) + t0, *pe = ev + (pairs - 1 - i) + t0;   \
            const T *ci = c + 4 * i;                                                    \
            for (size_t l = 0; l < DWT_LANES; l++) {                                    \
                sa[l] += ci[0] * po[l];                                                 \
                sd[l] += ci[1] * po[l];                                                 \
                sa[l] += ci[2] * pe[l];                                                 \
                sd[l] += ci[3] * pe[l];                                                 \
            }                                                                           \
        }                                                                               \
        for (size_t l = 0; l < DWT_LANES; l++) {                                        \
            a[t0 + l] = sa[l];                                                          \
            d[t0 + l] = sd[l];                                                          \
        }                                                                               \
    }                                                                                   \
    for (size_t t = t0; t < nb; t++) {                                                  \
        T sa = 0, sd = 0;                                                               \
        for (size_t i = 0; i < pairs; i++) {                                            \
            T vo = od[pairs - 1 - i + t], ve = ev[pairs - 1 - i + t];                   \
            const T *ci = c + 4 * i;                                                    \
            sa += ci[0] * vo;                                                           \
            sd += ci[1] * vo;                                                           \
            sa += ci[2] * ve;                                                           \
            sd += ci[3] * ve;                                                           \
        }                                                                               \
        a[t] = sa;                                                                      \
        d[t] = sd;                                                                      \
    }                                                                                   \
}                                                                                       \
                                                                                        \
/* Sample i of e = [left, x, right]. */                                                 \
static T ext_at_##S(const T *left, size_t n_left, const T *x, size_t n, const T *right, \
                    size_t i)                                                           \
{                                                                                       \
    if (i < n_left)                                                                     \
        return left[i];                                                                 \
    i -= n_left;                                                                        \
    return i < n ? x[i] : right[i - n];                                                 \
}                                                                                       \
                                                                                        \
static void dwt_row_##S(const T *x, size_t n, const T *left, size_t n_left,             \
                        const T *right, const T *c, size_t flen, size_t m, T *a, T *d)  \
{                                                                                       \
    T ev[BLOCK + HALF_TAPS], od[BLOCK + HALF_TAPS];                                     \
    for (size_t k0 = 0; k0 < m; k0 += BLOCK) {                                          \
        size_t nb = m - k0 < BLOCK ? m - k0 : BLOCK;                                    \
        size_t start = 2 * k0, len = 2 * nb + flen - 2;   /* e[start .. start+len) */   \
        if (start >= n_left && start + len <= n_left + n) {                             \
            const T *xp = x + (start - n_left);                                         \
            for (size_t q = 0; 2 * q < len; q++)                                        \
                ev[q] = xp[2 * q];                                                      \
            for (size_t q = 0; 2 * q + 1 < len; q++)                                    \
                od[q] = xp[2 * q + 1];                                                  \
        } else {                                                                        \
            for (size_t q = 0; q < len; q++) {                                          \
                T v = ext_at_##S(left, n_left, x, n, right, start + q);                 \
                if (q & 1)                                                              \
                    od[q / 2] = v;                                                      \
                else                                                                    \
                    ev[q / 2] = v;                                                      \
            }                                                                           \
        }                                                                               \
        dwt_taps_##S(ev, od, c, flen / 2, nb, a + k0, d + k0);                          \
    }                                                                                   \
}                                                                                       \
                                                                                        \
static int dwt_step_##S(const T *x, size_t n_rows, size_t n, size_t x_stride,           \
                        const T *left, size_t n_left, const T *right, size_t n_right,   \
                        const T *lo, const T *hi, size_t flen, size_t m, T *a, T *d,    \
                        size_t out_stride)                                              \
{                                                                                       \
    if (flen < 2 || flen > MAX_TAPS || flen % 2)                             \
        return FG_EINVAL;                                                               \
    if (n_rows == 0 || m == 0)                                                          \
        return FG_OK;                                                                   \
    if (n > SIZE_MAX / 4 || n_left > SIZE_MAX / 4 || n_right > SIZE_MAX / 4             \
        || m > SIZE_MAX / 4 || 2 * (m - 1) + flen > n_left + n + n_right)               \
        return FG_EINVAL;                                                               \
    if (n_rows > 1 && (x_stride < n || out_stride < m))                                 \
        return FG_EINVAL;                                                               \
    if ((n && x == NULL) || (n_left && left == NULL) || (n_right && right == NULL)      \
        || lo == NULL || hi == NULL || a == NULL || d == NULL)                          \
        return FG_EINVAL;                                                               \
    T c[2 * MAX_TAPS];            /* per tap pair: lo, hi (od), lo, hi (ev) */ \
    for (size_t i = 0; i < flen / 2; i++) {                                             \
        c[4 * i] = lo[2 * i];                                                           \
        c[4 * i + 1] = hi[2 * i];                                                       \
        c[4 * i + 2] = lo[2 * i + 1];                                                   \
        c[4 * i + 3] = hi[2 * i + 1];                                                   \
    }                                                                                   \
    for (size_t r = 0; r < n_rows; r++)                                                 \
        dwt_row_##S(x + r * x_stride, n, n_left ? left + r * n_left : left, n_left,     \
                    n_right ? right + r * n_right : right, c, flen, m,                  \
                    a + r * out_stride, d + r * out_stride);                            \
    return FG_OK;                                                                       \
}                                                                                       \
                                                                                        \
FG_CLONES static void swt_taps_##S(const T *restrict s, T cl, T ch, size_t nb,          \
                                   T *restrict a, T *restrict d)                        \
{                                                                                       \
    for (size_t t = 0; t < nb; t++) {                                                   \
        a[t] += cl * s[t];                                                              \
        d[t] += ch * s[t];                                                              \
    }                                                                                   \
}                                                                                       \
                                                                                        \
/* A block away from the ends: a[t] = sum_i lo[i] s0[t - i dil] (d: hi), SWT_LANES sums \
 * side by side in registers. */                                                        \
FG_CLONES FG_LANES_ONLY                                                                 \
static void swt_inner_##S(const T *s0, size_t dil, const T *lo, const T *hi,            \
                          size_t flen, size_t nb, T *restrict a, T *restrict d)         \
{                                                                                       \
    size_t t0 = 0;                                                                      \
    for (; t0 + SWT_LANES <= nb; t0 += SWT_LANES) {                                     \
        T sa[SWT_LANES] = {0}, sd[SWT_LANES] = {0};                                     \
        for (size_t i = 0; i < flen; i++) {                                             \
            const T *p = s0 - i * dil + t0;           /* never before the signal */     \
            T cl = lo[i], ch = hi[i];                                                   \
            for (size_t l = 0; l < SWT_LANES; l++) {                                    \
                sa[l] += cl * p[l];                                                     \
                sd[l] += ch * p[l];                                                     \
            }                                                                           \
        }                                                                               \
        for (size_t l = 0; l < SWT_LANES; l++) {                                        \
            a[t0 + l] = sa[l];                                                          \
            d[t0 + l] = sd[l];                                                          \
        }                                                                               \
    }                                                                                   \
    for (size_t t = t0; t < nb; t++) {                                                  \
        T sa = 0, sd = 0;                                                               \
        for (size_t i = 0; i < flen; i++) {                                             \
            T v = *(s0 - i * dil + t);                                                  \
            sa += lo[i] * v;                                                            \
            sd += hi[i] * v;                                                            \
        }                                                                               \
        a[t] = sa;                                                                      \
        d[t] = sd;                                                                      \
    }                                                                                   \
}                                                                                       \
                                                                                        \
/* One level: a[k] = sum_i lo[i] s[(k + off[i]) mod n], d likewise; a, d, s distinct. */ \
static void swt_level_##S(const T *s, size_t n, const T *lo, const T *hi, size_t flen,  \
                          size_t dil, T *a, T *d)                                       \
{                                                                                       \
    size_t off[MAX_TAPS];                                                    \
    size_t step = dil % n, centre = step * (flen / 2) % n;                              \
    for (size_t i = 0; i < flen; i++)                                                   \
        off[i] = (centre + n - step * i % n) % n;                                       \
    /* unwrapped, tap i reads k + ahead - i dil: from k - behind to k + ahead */        \
    size_t ahead = n, behind = n;                                                       \
    if (dil <= n / flen) {                                                              \
        ahead = dil * (flen / 2);                                                       \
        behind = dil * (flen - 1) - ahead;                                              \
    }                                                                                   \
    for (size_t k0 = 0; k0 < n; k0 += BLOCK) {                                          \
        size_t nb = n - k0 < BLOCK ? n - k0 : BLOCK;                                    \
        if (behind <= k0 && ahead < n && k0 + nb <= n - ahead) {   /* no tap wraps */   \
            swt_inner_##S(s + k0 + ahead, dil, lo, hi, flen, nb, a + k0, d + k0);       \
            continue;                                                                   \
        }                                                                               \
        for (size_t t = 0; t < nb; t++) {                                               \
            a[k0 + t] = 0;                                                              \
            d[k0 + t] = 0;                                                              \
        }                                                                               \
        for (size_t i = 0; i < flen; i++) {                                             \
            size_t start = (k0 % n + off[i]) % n;                                       \
            size_t run = n - start < nb ? n - start : nb;                               \
            swt_taps_##S(s + start, lo[i], hi[i], run, a + k0, d + k0);                 \
            if (run < nb)                                                               \
                swt_taps_##S(s, lo[i], hi[i], nb - run, a + k0 + run, d + k0 + run);    \
        }                                                                               \
    }                                                                                   \
}                                                                                       \
                                                                                        \
static int swt_##S(const T *x, size_t n_rows, size_t n, const T *lo, const T *hi,       \
                   size_t flen, size_t level, T *out, T *work)                          \
{                                                                                       \
    if (flen < 2 || flen > MAX_TAPS || level == 0 || level > MAX_LEVEL)      \
        return FG_EINVAL;                                                               \
    if (n_rows == 0)                                                                    \
        return FG_OK;                                                                   \
    if (n == 0 || n > SIZE_MAX / (level + 1) / n_rows)                                  \
        return FG_EINVAL;                                                               \
    if (x == NULL || lo == NULL || hi == NULL || out == NULL                            \
        || (level > 1 && work == NULL))                                                 \
        return FG_EINVAL;                                                               \
    for (size_t r = 0; r < n_rows; r++) {                                               \
        T *rows = out + r * (level + 1) * n;                                            \
        const T *src = x + r * n;                                                       \
        for (size_t j = 1; j <= level; j++) {                                           \
            /* a_L in row 0, a_(L-1) in work, earlier ones alternating in rows 0 and 1  \
             * (rows not yet holding a detail; never the level's own source) */         \
            T *dst = j == level ? rows : j + 1 == level ? work                          \
                     : rows + ((level - 2 - j) % 2) * n;                                \
            swt_level_##S(src, n, lo, hi, flen, (size_t)1 << (j - 1), dst,              \
                          rows + (level + 1 - j) * n);                                  \
            src = dst;                                                                  \
        }                                                                               \
    }                                                                                   \
    return FG_OK;                                                                       \
}

DEFINE_WAVELETS(f64, double)
DEFINE_WAVELETS(f32, float)

int fg_dwt_step_f64(const double *x, size_t n_rows, size_t n, size_t x_stride,
                    const double *left, size_t n_left, const double *right, size_t n_right,
                    const double *lo, const double *hi, size_t flen, size_t m, double *a,
                    double *d, size_t out_stride)
{
    return dwt_step_f64(x, n_rows, n, x_stride, left, n_left, right, n_right, lo, hi, flen,
                        m, a, d, out_stride);
}

int fg_dwt_step_f32(const float *x, size_t n_rows, size_t n, size_t x_stride,
                    const float *left, size_t n_left, const float *right, size_t n_right,
                    const float *lo, const float *hi, size_t flen, size_t m, float *a,
                    float *d, size_t out_stride)
{
    return dwt_step_f32(x, n_rows, n, x_stride, left, n_left, right, n_right, lo, hi, flen,
                        m, a, d, out_stride);
}

int fg_swt_f64(const double *x, size_t n_rows, size_t n, const double *lo, const double *hi,
               size_t flen, size_t level, double *out, double *work)
{
    return swt_f64(x, n_rows, n, lo, hi, flen, level, out, work);
}

int fg_swt_f32(const float *x, size_t n_rows, size_t n, const float *lo, const float *hi,
               size_t flen, size_t level, float *out, float *work)
{
    return swt_f32(x, n_rows, n, lo, hi, flen, level, out, work);
}
