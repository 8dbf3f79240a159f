/*
 * Running median along one axis (fg_running_median_*; see featgraph.h for the contract
 * and reference_mir.py's running_median for the numpy definition it must agree with).
 *
 * LANES lines are filtered together, each keeping its window sorted (the first window
 * by qsort, then one slide per output); the lanes are the
 * innermost array index, so every step is the same branch-free arithmetic on LANES
 * values at once (the compiler turns the loops over lanes into SIMD min/max/blend):
 *
 *   remove the value leaving the window: w[i] = w[i] >= old ? w[i + 1] : w[i]
 *       (ascending i; in a sorted window w[i] >= old exactly from old's first copy on),
 *       then w[size - 1] = +inf;
 *   insert the value entering it:        w[i] = max(w[i - 1], min(w[i], new))
 *       (descending i, w[-1] = -inf: the values below `new` stay, `new` takes the
 *       first slot above them, the rest move up by one);
 *   output w[size / 2].
 *
 * O(size) per output with no data-dependent branch, so random spectrogram values cost
 * no mispredictions.  Lanes are adjacent lines: on a frame-major spectrogram the time
 * axis (HPSS's harmonic filter) reads LANES adjacent bins per frame, the frequency axis
 * LANES frames in parallel streams.  Values are never rounded: the output is an input
 * value, in the input's type.
 *
 * Reference: D. FitzGerald, "Harmonic/percussive separation using median filtering",
 * DAFx 2010 (the median filters of HPSS); scipy.ndimage.median_filter (the window
 * placement and the 'reflect' boundary followed here).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "featgraph.h"
#include "simd.h"

#define LANES 16
/* The slide is min/max/blend on LANES values: FG_CLONES (simd.h) builds it for AVX2 too. */
/* Along a strided axis (the lanes adjacent, the rows a whole line apart) every slide
 * reads two rows and writes one, each in another page, where the hardware prefetchers do
 * not follow: ask for the rows PREFETCH slides ahead (a hint; values are unaffected). */
#define PREFETCH 4

/* Index of virtual position v (may be negative or >= n) under 'reflect' mirroring. */
static size_t reflect_index(long long v, size_t n)
{
    long long period = 2 * (long long)n;
    long long m;

    if (v >= 0 && v < (long long)n)
        return (size_t)v;
    m = v % period;
    if (m < 0)
        m += period;
    if (m >= (long long)n)
        m = period - 1 - m;
    return (size_t)m;
}

static int median_args(const void *x, size_t n_lines, size_t n, size_t line_stride,
                       size_t step, size_t size, const void *y)
{
    if (size == 0 || size > ((size_t)1 << 20))
        return FG_EINVAL;
    if (n_lines == 0 || n == 0)
        return FG_OK;
    if (x == NULL || y == NULL || n > ((size_t)1 << 50))
        return FG_EINVAL;
    if (line_stride != 0 && n_lines - 1 > SIZE_MAX / line_stride)
        return FG_EINVAL;
    if (step != 0 && n - 1 > SIZE_MAX / step)
        return FG_EINVAL;
    if ((n_lines - 1) * line_stride > SIZE_MAX - (n - 1) * step)
        return FG_EINVAL;
    return FG_OK;
}

#define DEFINE_RUNNING_MEDIAN(NAME, T)                                                     \
static int NAME##_cmp(const void *pa, const void *pb)                                   \
{                                                                                          \
    T va = *(const T *)pa, vb = *(const T *)pb;                                            \
    return (va > vb) - (va < vb);                                                          \
}                                                                                          \
                                                                                           \
/* One slide, w -> out: remove old (first copy), insert v; rows of LANES values. */      \
FG_CLONES static void NAME##_slide(const T *restrict w, T *restrict out, const T *restrict old,     \
                         const T *restrict v, size_t size)                                 \
{                                                                                          \
    size_t i, l;                                                                           \
    T prev[LANES];                                                                         \
    for (l = 0; l < LANES; l++)                                                            \
        prev[l] = (T)-INFINITY;                                                            \
    for (i = 0; i < size; i++) {                                                           \
        const T *wi = w + i * LANES;                                                       \
        const T *wn = w + (i + 1) * LANES;   /* row size: a row of +inf */                \
        T *oi = out + i * LANES;                                                           \
        for (l = 0; l < LANES; l++) {                                                      \
            T cur = wi[l], nxt = wn[l];          /* both loaded: no branch */              \
            T r = cur >= old[l] ? nxt : cur;                                               \
            T lo = r < v[l] ? r : v[l];                                                    \
            oi[l] = prev[l] > lo ? prev[l] : lo;                                           \
            prev[l] = r;                                                                   \
        }                                                                                  \
    }                                                                                      \
}                                                                                          \
                                                                                           \
/* All values finite?  Read in memory order (the smaller stride innermost). */          \
static int NAME##_finite(const T *x, size_t n_lines, size_t n, size_t line_stride,        \
                         size_t step)                                                      \
{                                                                                          \
    size_t i, j;                                                                           \
    size_t n_out = line_stride >= step ? n_lines : n, n_in = line_stride >= step ? n : n_lines; \
    size_t s_out = line_stride >= step ? line_stride : step;                               \
    size_t s_in = line_stride >= step ? step : line_stride;                                \
    for (i = 0; i < n_out; i++)                                                            \
        for (j = 0; j < n_in; j++)                                                         \
            if (!isfinite(x[i * s_out + j * s_in]))                                        \
                return 0;                                                                  \
    return 1;                                                                              \
}                                                                                          \
                                                                                           \
static int NAME(const T *x, size_t n_lines, size_t n, size_t line_stride, size_t step,    \
         size_t size, T *y)                                                                \
{                                                                                          \
    size_t i0, i, j, l, line[LANES];                                                       \
    long long lo = (long long)(size / 2);                                                  \
    T *base, *w, *w2, *t, *sorted, a[LANES], b[LANES];                                     \
    int status = median_args(x, n_lines, n, line_stride, step, size, y);                  \
                                                                                           \
    if (status != FG_OK || n_lines == 0 || n == 0)                                         \
        return status;                                                                     \
    if (!NAME##_finite(x, n_lines, n, line_stride, step))                                  \
        return FG_ENONFINITE;                                                              \
    base = malloc((2 * (size + 1) * LANES + size) * sizeof(T));                            \
    if (base == NULL)                                                                      \
        return FG_ENOMEM;                                                                  \
    sorted = base + 2 * (size + 1) * LANES;                                                \
    for (i0 = 0; i0 < n_lines; i0 += LANES) {                                              \
        int contiguous = line_stride == 1 && i0 + LANES <= n_lines;                        \
        for (l = 0; l < LANES; l++)          /* spare lanes repeat the last line */        \
            line[l] = (i0 + l < n_lines ? i0 + l : n_lines - 1) * line_stride;            \
        w = base;                            /* two windows: size rows and a +inf row */  \
        w2 = base + (size + 1) * LANES;                                                    \
        for (i = 0; i < 2 * (size + 1) * LANES; i++)                                       \
            base[i] = (T)INFINITY;                                                         \
        for (l = 0; l < LANES; l++) {        /* the first window, sorted per lane */      \
            for (i = 0; i < size; i++)                                                     \
                sorted[i] = x[line[l] + reflect_index((long long)i - lo, n) * step];       \
            qsort(sorted, size, sizeof(T), NAME##_cmp);                                    \
            for (i = 0; i < size; i++)                                                     \
                w[i * LANES + l] = sorted[i];                                              \
        }                                                                                  \
        for (j = 0; j < n; j++) {                                                          \
            if (contiguous && j + PREFETCH < n) {   /* rows far apart: fetch ahead */     \
                size_t ahead = j + PREFETCH;                                               \
                const T *pa = x + line[0]                                                  \
                              + reflect_index((long long)ahead - 1 - lo, n) * step;        \
                const T *pb = x + line[0]                                                  \
                              + reflect_index((long long)ahead + (long long)size - 1 - lo, n) \
                              * step;                                                      \
                FG_PREFETCH(pa);                                                           \
                FG_PREFETCH(pa + LANES - 1);                                               \
                FG_PREFETCH(pb);                                                           \
                FG_PREFETCH(pb + LANES - 1);                                               \
                FG_PREFETCH_W(y + line[0] + ahead * step);                                 \
                FG_PREFETCH_W(y + line[0] + ahead * step + LANES - 1);                     \
            }                                                                              \
            if (j > 0) {                                                                   \
                size_t out_at = reflect_index((long long)j - 1 - lo, n) * step;            \
                size_t in_at = reflect_index((long long)j + (long long)size - 1 - lo, n)   \
                               * step;                                                     \
                if (contiguous) {                    /* adjacent lines: plain loads */    \
                    const T *xa = x + line[0] + out_at, *xb = x + line[0] + in_at;         \
                    for (l = 0; l < LANES; l++) {                                          \
                        a[l] = xa[l];                                                      \
                        b[l] = xb[l];                                                      \
                    }                                                                      \
                } else {                                                                   \
                    for (l = 0; l < LANES; l++) {                                          \
                        a[l] = x[line[l] + out_at];                                        \
                        b[l] = x[line[l] + in_at];                                         \
                    }                                                                      \
                }                                                                          \
                NAME##_slide(w, w2, a, b, size);                                           \
                t = w;                                                                     \
                w = w2;                                                                    \
                w2 = t;                                                                    \
            }                                                                              \
            if (contiguous) {                                                              \
                T *yj = y + line[0] + j * step;                                            \
                for (l = 0; l < LANES; l++)                                                \
                    yj[l] = w[(size / 2) * LANES + l];                                     \
            } else {                                                                       \
                for (l = 0; l < LANES && i0 + l < n_lines; l++)                            \
                    y[line[l] + j * step] = w[(size / 2) * LANES + l];                     \
            }                                                                              \
        }                                                                                  \
    }                                                                                      \
    free(base);                                                                            \
    return FG_OK;                                                                          \
}

DEFINE_RUNNING_MEDIAN(running_median_f64, double)
DEFINE_RUNNING_MEDIAN(running_median_f32, float)

int fg_running_median_f64(const double *x, size_t n_lines, size_t n, size_t line_stride,
                          size_t step, size_t size, double *y)
{
    return running_median_f64(x, n_lines, n, line_stride, step, size, y);
}

int fg_running_median_f32(const float *x, size_t n_lines, size_t n, size_t line_stride,
                          size_t step, size_t size, float *y)
{
    return running_median_f32(x, n_lines, n, line_stride, step, size, y);
}
