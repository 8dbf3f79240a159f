/*
 * Framed power filterbank: window, real FFT, power (or magnitude) and band-limited filter
 * sums of a framed signal in one pass per group of frames, float64 or float32.
 *
 *   r[t, start + n] = w[n] e[t, n]   (n < frame_len; zero elsewhere in 0 .. n_fft - 1)
 *   X[t, k] = sum_j r[t, j] exp(-2 pi i j k / n_fft)               k = 0 .. n_fft / 2
 *   out[t, b] = sum_{k = first[b]}^{stop[b] - 1} |X[t, k]|^2 wb[b, k]   (magnitude: |X|)
 *
 * with e the HTK pre-emphasised frame of window.c (k = 0: the frame itself).  The same
 * numbers as fg_window_frames, a real FFT, fg_banded_power_filterbank (magnitude:
 * fg_banded_magnitude_filterbank) of the same type in a row, to rounding: the FFT is
 * this file's own (ducc0's, which the three calls use, rounds differently), so the
 * power moves by a few units in the last place of the largest bin.  The window, the
 * FFT and the power are computed in the type of the frames (float32: as librosa and
 * the float32 ops do, in single precision), the magnitude is sqrt (float32: sqrtf) of
 * that power, and the sums are in double, rounded to the type at the end, as the
 * banded kernels do.
 *
 * Why its own FFT: the frames of a filterbank front end are many (60000 in 10 minutes at
 * a 10 ms hop) and short, so the FFT runs across frames, LV frames side by side in each
 * 64-byte vector (LV = 8 doubles or 16 floats; every operation a lane-wise IEEE
 * operation: each frame's numbers are those of a scalar FFT, whatever the vector width
 * the CPU gives, and do not depend on their neighbours).  Its output is already
 * frame-interleaved, as the filter sums want it (bin k of GROUP = 64 frames side by
 * side, as doubles), so neither the windowed frames nor the
 * spectra are ever stored row by row.  The real FFT of N = n_fft points is the complex
 * FFT of M = N / 2 points z[n] = r[2n] + i r[2n + 1], split (Z[k] and Z[M - k] give
 * X[k] and X[M - k]); its first decimation-in-frequency step is done while the frames
 * are read, u[n] = z[n] + z[n + M/2], v[n] = (z[n] - z[n + M/2]) W_M^n, so that the
 * zero padding (a frame of 410 samples in N = 1024) costs nothing; Z[2m] and Z[2m + 1]
 * are then the M/2-point FFTs of u and v (radix-4, in place, digit-reversed output read
 * through a table; one radix-2 step when log2(M/2) is odd), whose own first step is
 * done in the same pass.  The twiddles are tabulated in double and rounded to the type
 * where they are broadcast.  The band sums are those of fg_banded_filterbank (one double
 * sum per frame, in the order of k), eight 8-wide sums in flight.  No fused
 * multiply-adds (-std=c99), so every clone (FG_CLONES_512) computes the same bits.
 * The lane kernels are written once, in framedbank_lanes.h, included once per type.
 *
 * The numpy definition is featgraph.native.reference_spectral.framed_power_filterbank.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "featgraph.h"
#include "simd.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#define GROUP 64                /* frames per filter-sum group */

#if defined(__has_builtin)
#if __has_builtin(__builtin_shufflevector) && __has_builtin(__builtin_convertvector)
#define FG_FRAMED_VECTORS 1
#endif
#endif
#ifndef FG_FRAMED_VECTORS
#define FG_FRAMED_VECTORS 0
#endif


/* Work layout, in doubles from a 64-byte aligned start (h = n_fft / 4 points per
 * half-length FFT): the plan (fg_framed_power_filterbank_plan: n_fft and a mark, then
 * the twiddles W_h^j (j < h), W_M^n (n < h), W_N^k (k <= M) as (cos, -sin) pairs and
 * the FFT's output positions as uint32), then, 64-byte aligned, the lanes (n_bins
 * GROUP), the windowed samples of LV frames (n_fft LV), two FFT buffers of h complex
 * vectors (re vector, im vector) and a group's output (GROUP n_bands). */
static size_t work_doubles(size_t n_fft, size_t n_bands)
{
    size_t h = n_fft / 4, m = n_fft / 2;
    return 7 + 8 + 2 * h + 2 * h + 2 * (m + 1) + (h + 1) / 2     /* alignment, plan */
        + 7 + (m + 1) * GROUP + 8 * n_fft + 2 * (2 * 8 * h) + GROUP * n_bands;
}

/* The plan's mark in work[1] (work[0]: n_fft): the tables below it are laid out. */
#define PLANNED 8675309.25

size_t fg_framed_power_filterbank_work(size_t n_fft, size_t n_bands)
{
    if (!FG_FRAMED_VECTORS)             /* built without vector types: not available */
        return 0;
    if (n_fft < 16 || n_fft > ((size_t)1 << 24) || (n_fft & (n_fft - 1)) != 0)
        return 0;
    if (n_bands > ((size_t)1 << 24))
        return 0;
    return work_doubles(n_fft, n_bands);
}

/* (cos, -sin)(2 pi j / n) for j < count into tw. */
static void twiddles(double *tw, size_t count, size_t n)
{
    for (size_t j = 0; j < count; j++) {
        double a = 6.283185307179586476925286766559 * (double)j / (double)n;  /* 2 pi */
        tw[2 * j] = cos(a);
        tw[2 * j + 1] = -sin(a);
    }
}

/* pos[k]: where lane_fft leaves X[k] of an h-point transform; the first step's residue
 * k mod 4 picks a quarter, the next one's a quarter of that, ... (radix 2 last). */
static void positions(uint32_t *pos, size_t h)
{
    for (size_t k = 0; k < h; k++) {
        size_t p = 0, n = h, kk = k;
        while (n >= 4) {
            n /= 4;
            p += (kk % 4) * n;
            kk /= 4;
        }
        p += kk;                        /* n == 2: kk is 0 or 1; n == 1: kk is 0 */
        pos[k] = (uint32_t)p;
    }
}

int fg_framed_power_filterbank_plan(size_t n_fft, size_t n_bands, double *work,
                                    size_t work_len)
{
    size_t need = fg_framed_power_filterbank_work(n_fft, n_bands);
    if (need == 0 || work_len < need || work == NULL || ((uintptr_t)work & 7) != 0)
        return FG_EINVAL;
    size_t h = n_fft / 4, m = n_fft / 2;
    double *base = work + ((64 - ((uintptr_t)work & 63)) & 63) / sizeof(double);
    double *tw_h = base + 8, *tw_m = tw_h + 2 * h, *tw_n = tw_m + 2 * h;
    twiddles(tw_h, h, h);
    twiddles(tw_m, h, m);
    twiddles(tw_n, m + 1, n_fft);
    positions((uint32_t *)(void *)(tw_n + 2 * (m + 1)), h);
    base[0] = (double)n_fft;
    base[1] = PLANNED;
    return FG_OK;
}

#if FG_FRAMED_VECTORS
typedef double v8d __attribute__((vector_size(64)));
typedef double v16d __attribute__((vector_size(128)));
typedef float v16f __attribute__((vector_size(64)));

#define LD8(p) ({ v8d v_; memcpy(&v_, (p), sizeof v_); v_; })
#define BC8(x) ((v8d){(x), (x), (x), (x), (x), (x), (x), (x)})
#define BC16(x) ((v16f){(x), (x), (x), (x), (x), (x), (x), (x),                   \
                        (x), (x), (x), (x), (x), (x), (x), (x)})

/* The radix-4 decimation-in-frequency butterfly on the complex vectors (ar, ai) ..
 * (dr, di), written to pa .. pd (re vector, then im vector): with p = a + c, q = b + d,
 * m = a - c, j = -i (b - d): p + q, (m + j) w1, (p - q) w2, (m - j) w3 (PLAIN: every w 1).
 * Lane-wise IEEE operations, no fused multiply-adds; VT, LV and ST those of the type
 * being built (framedbank_lanes.h). */
#define BF4_CORE(ar, ai, br, bi, cr, ci, dr, di)                              \
    VT pr_ = (ar) + (cr), pi_ = (ai) + (ci), mr_ = (ar) - (cr), mi_ = (ai) - (ci); \
    VT qr_ = (br) + (dr), qi_ = (bi) + (di), jr_ = (bi) - (di), ji_ = (dr) - (br);
#define BF4_PLAIN(ar, ai, br, bi, cr, ci, dr, di, pa, pb, pc, pd)             \
    do {                                                                      \
        BF4_CORE(ar, ai, br, bi, cr, ci, dr, di)                              \
        ST(pa, pr_ + qr_);                                                    \
        ST((pa) + LV, pi_ + qi_);                                             \
        ST(pb, mr_ + jr_);                                                    \
        ST((pb) + LV, mi_ + ji_);                                             \
        ST(pc, pr_ - qr_);                                                    \
        ST((pc) + LV, pi_ - qi_);                                             \
        ST(pd, mr_ - jr_);                                                    \
        ST((pd) + LV, mi_ - ji_);                                             \
    } while (0)
#define BF4_TW(ar, ai, br, bi, cr, ci, dr, di, pa, pb, pc, pd, w1r, w1i, w2r, w2i, w3r, w3i) \
    do {                                                                      \
        BF4_CORE(ar, ai, br, bi, cr, ci, dr, di)                              \
        ST(pa, pr_ + qr_);                                                    \
        ST((pa) + LV, pi_ + qi_);                                             \
        VT er_ = mr_ + jr_, ei_ = mi_ + ji_;                                  \
        ST(pb, er_ * (w1r) - ei_ * (w1i));                                    \
        ST((pb) + LV, er_ * (w1i) + ei_ * (w1r));                             \
        er_ = pr_ - qr_, ei_ = pi_ - qi_;                                     \
        ST(pc, er_ * (w2r) - ei_ * (w2i));                                    \
        ST((pc) + LV, er_ * (w2i) + ei_ * (w2r));                             \
        er_ = mr_ - jr_, ei_ = mi_ - ji_;                                     \
        ST(pd, er_ * (w3r) - ei_ * (w3i));                                    \
        ST((pd) + LV, er_ * (w3i) + ei_ * (w3r));                             \
    } while (0)

/* c[i] = sample n + i of the 8 double frames at rows: one vector per frame, an 8 x 8
 * transpose (exact: values are only moved). */
static inline void transpose_f64(const double *const *rows, size_t n, v8d *c)
{
    v8d r0 = LD8(rows[0] + n), r1 = LD8(rows[1] + n), r2 = LD8(rows[2] + n);
    v8d r3 = LD8(rows[3] + n), r4 = LD8(rows[4] + n), r5 = LD8(rows[5] + n);
    v8d r6 = LD8(rows[6] + n), r7 = LD8(rows[7] + n);
    v8d t0 = __builtin_shufflevector(r0, r1, 0, 8, 2, 10, 4, 12, 6, 14);
    v8d t1 = __builtin_shufflevector(r0, r1, 1, 9, 3, 11, 5, 13, 7, 15);
    v8d t2 = __builtin_shufflevector(r2, r3, 0, 8, 2, 10, 4, 12, 6, 14);
    v8d t3 = __builtin_shufflevector(r2, r3, 1, 9, 3, 11, 5, 13, 7, 15);
    v8d t4 = __builtin_shufflevector(r4, r5, 0, 8, 2, 10, 4, 12, 6, 14);
    v8d t5 = __builtin_shufflevector(r4, r5, 1, 9, 3, 11, 5, 13, 7, 15);
    v8d t6 = __builtin_shufflevector(r6, r7, 0, 8, 2, 10, 4, 12, 6, 14);
    v8d t7 = __builtin_shufflevector(r6, r7, 1, 9, 3, 11, 5, 13, 7, 15);
    v8d u0 = __builtin_shufflevector(t0, t2, 0, 1, 8, 9, 4, 5, 12, 13);
    v8d u1 = __builtin_shufflevector(t0, t2, 2, 3, 10, 11, 6, 7, 14, 15);
    v8d u2 = __builtin_shufflevector(t1, t3, 0, 1, 8, 9, 4, 5, 12, 13);
    v8d u3 = __builtin_shufflevector(t1, t3, 2, 3, 10, 11, 6, 7, 14, 15);
    v8d u4 = __builtin_shufflevector(t4, t6, 0, 1, 8, 9, 4, 5, 12, 13);
    v8d u5 = __builtin_shufflevector(t4, t6, 2, 3, 10, 11, 6, 7, 14, 15);
    v8d u6 = __builtin_shufflevector(t5, t7, 0, 1, 8, 9, 4, 5, 12, 13);
    v8d u7 = __builtin_shufflevector(t5, t7, 2, 3, 10, 11, 6, 7, 14, 15);
    c[0] = __builtin_shufflevector(u0, u4, 0, 1, 2, 3, 8, 9, 10, 11);
    c[1] = __builtin_shufflevector(u2, u6, 0, 1, 2, 3, 8, 9, 10, 11);
    c[2] = __builtin_shufflevector(u1, u5, 0, 1, 2, 3, 8, 9, 10, 11);
    c[3] = __builtin_shufflevector(u3, u7, 0, 1, 2, 3, 8, 9, 10, 11);
    c[4] = __builtin_shufflevector(u0, u4, 4, 5, 6, 7, 12, 13, 14, 15);
    c[5] = __builtin_shufflevector(u2, u6, 4, 5, 6, 7, 12, 13, 14, 15);
    c[6] = __builtin_shufflevector(u1, u5, 4, 5, 6, 7, 12, 13, 14, 15);
    c[7] = __builtin_shufflevector(u3, u7, 4, 5, 6, 7, 12, 13, 14, 15);
}

/* The same for 16 float frames, a 16 x 16 transpose by block swaps: the step of
 * width b exchanges, in every 2b x 2b block, the b x b block right of the diagonal
 * with the one below it (rows i and i + b); after b = 8, 4, 2, 1, row i is column i. */
#define SWAP_STEP(b, LO, HI)                                                  \
    for (size_t i = 0; i < 16; i++)                                           \
        if ((i & (b)) == 0) {                                                 \
            v16f a_ = c[i], d_ = c[i + (b)];                                  \
            c[i] = __builtin_shufflevector(a_, d_, LO);                       \
            c[i + (b)] = __builtin_shufflevector(a_, d_, HI);                 \
        }
#define IDX(...) __VA_ARGS__
static inline void transpose_f32(const float *const *rows, size_t n, v16f *c)
{
    for (size_t i = 0; i < 16; i++)
        memcpy(&c[i], rows[i] + n, sizeof c[i]);
    SWAP_STEP(8, IDX(0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23),
              IDX(8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31))
    SWAP_STEP(4, IDX(0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27),
              IDX(4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31))
    SWAP_STEP(2, IDX(0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29),
              IDX(2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31))
    SWAP_STEP(1, IDX(0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30),
              IDX(1, 17, 3, 19, 5, 21, 7, 23, 9, 25, 11, 27, 13, 29, 15, 31))
}
#undef SWAP_STEP
#undef IDX

/* float64: eight frames per vector. */
#define T double
#define VT v8d
#define LV 8
#define SFX f64
#define LD(p) LD8(p)
#define ST(p, v) do { v8d s_ = (v); memcpy((p), &s_, sizeof s_); } while (0)
#define BC(x) BC8((double)(x))
#define TRANSPOSE_LV(rows, n, c) transpose_f64((rows), (n), (c))
#define POWER_TO_LANES(dst, p) ST((dst), (p))
#define SQRT_T sqrt
#include "framedbank_lanes.h"
#undef T
#undef VT
#undef LV
#undef SFX
#undef LD
#undef ST
#undef BC
#undef TRANSPOSE_LV
#undef POWER_TO_LANES
#undef SQRT_T

/* float32: sixteen frames per vector; the powers widened to double for the sums. */
#define T float
#define VT v16f
#define LV 16
#define SFX f32
#define LD(p) ({ v16f v_; memcpy(&v_, (p), sizeof v_); v_; })
#define ST(p, v) do { v16f s_ = (v); memcpy((p), &s_, sizeof s_); } while (0)
#define BC(x) BC16((float)(x))
#define TRANSPOSE_LV(rows, n, c) transpose_f32((rows), (n), (c))
#define POWER_TO_LANES(dst, p)                                                \
    do {                                                                      \
        v16d d_ = __builtin_convertvector((p), v16d);                         \
        memcpy((dst), &d_, sizeof d_);                                        \
    } while (0)
#define SQRT_T sqrtf
#include "framedbank_lanes.h"
#undef T
#undef VT
#undef LV
#undef SFX
#undef LD
#undef ST
#undef BC
#undef TRANSPOSE_LV
#undef POWER_TO_LANES
#undef SQRT_T
#endif

/* The checks and the loop over groups of GROUP frames, for the type T (suffix SFX, LV
 * frames per vector). */
#define FRAMED_BODY(T, SFX, LVN)                                              \
    size_t need = fg_framed_power_filterbank_work(n_fft, n_bands);            \
    const size_t stride_or1 = frame_stride ? frame_stride : 1;                \
    if (need == 0 || work_len < need || frame_len == 0 || start > n_fft ||    \
        frame_len > n_fft - start)                                            \
        return FG_EINVAL;                                                     \
    if (n_frames > 1 && (n_frames - 1) > (SIZE_MAX - frame_len) / stride_or1) \
        return FG_EINVAL;                                                     \
    if (n_bands != 0 && n_frames > SIZE_MAX / n_bands)                        \
        return FG_EINVAL;                                                     \
    if (n_frames == 0 || n_bands == 0)                                        \
        return FG_OK;                                                         \
    if (x == NULL || win == NULL || w == NULL || first == NULL || stop == NULL || \
        work == NULL || out == NULL)                                          \
        return FG_EINVAL;                                                     \
    if (!(preemph >= 0 && preemph <= 1))                                      \
        return FG_EDOMAIN;                                                    \
    size_t n_bins = n_fft / 2 + 1;                                            \
    for (size_t b = 0; b < n_bands; b++)                                      \
        if (first[b] > stop[b] || stop[b] > n_bins)                           \
            return FG_EINVAL;                                                 \
    FRAMED_LOOP(T, SFX, LVN)

#if FG_FRAMED_VECTORS
#define FRAMED_LOOP(T, SFX, LVN)                                              \
    {                                                                         \
        size_t h = n_fft / 4, m = n_fft / 2;                                  \
        if (((uintptr_t)work & 7) != 0)                                       \
            return FG_EINVAL;                                                 \
        double *base = work + ((64 - ((uintptr_t)work & 63)) & 63) / sizeof(double); \
        if (base[0] != (double)n_fft || base[1] != PLANNED)                   \
            return FG_EINVAL;                   /* not laid out by ..._plan */ \
        double *tw_h = base + 8, *tw_m = tw_h + 2 * h, *tw_n = tw_m + 2 * h;  \
        const uint32_t *pos = (const uint32_t *)(const void *)(tw_n + 2 * (m + 1)); \
        double *lanes = tw_n + 2 * (m + 1) + (h + 1) / 2 + 7;                 \
        lanes -= ((uintptr_t)lanes & 63) / sizeof(double);  /* 64-byte aligned */ \
        T *rb = (T *)(void *)(lanes + (m + 1) * GROUP);                       \
        T *buf = rb + LVN * n_fft;      /* (LVN n_fft values of T: 8 n_fft doubles) */ \
        T *grp = (T *)(void *)((double *)(void *)buf + 2 * (2 * 8 * h));     \
        for (size_t t = 0; t < n_frames; t += GROUP) {                        \
            size_t g = n_frames - t < GROUP ? n_frames - t : GROUP;           \
            size_t used = (g + LVN - 1) / LVN * LVN;                          \
            for (size_t v = 0; v < g; v += LVN) {  /* a partial group: its vectors only */ \
                const T *rows[LVN];                                           \
                for (size_t l = 0; l < LVN; l++) {   /* missing frames: the last again */ \
                    size_t f = t + v + l < n_frames ? t + v + l : n_frames - 1; \
                    rows[l] = x + f * frame_stride;                           \
                }                                                             \
                lane_power_##SFX(rows, frame_len, start, win, preemph, n_fft, tw_h, \
                                 tw_m, tw_n, pos, rb, buf, lanes + v);        \
            }                                                                 \
            if (g < GROUP)              /* lanes past the frames: zeros, not stale */ \
                for (size_t k = 0; k < n_bins; k++)                           \
                    memset(lanes + k * GROUP + used, 0,                       \
                           (GROUP - used) * sizeof(double));                  \
            if (magnitude)                                                    \
                lanes_sqrt_##SFX(lanes, n_bins * GROUP);                      \
            T *dst = g == GROUP ? out + t * n_bands : grp;                    \
            lane_sums_##SFX(lanes, n_bins, w, n_bands, first, stop, dst);     \
            if (g < GROUP)                                                    \
                memcpy(out + t * n_bands, grp, g * n_bands * sizeof(T));      \
        }                                                                     \
    }                                                                         \
    return FG_OK;
#else
#define FRAMED_LOOP(T, SFX, LVN)                                              \
    (void)magnitude;                                                          \
    return FG_EINVAL;
#endif

int fg_framed_power_filterbank_f64(const double *x, size_t n_frames, size_t frame_len,
                                   size_t frame_stride, const double *win, double preemph,
                                   size_t n_fft, size_t start, const double *w,
                                   size_t n_bands, const size_t *first, const size_t *stop,
                                   int magnitude, double *work, size_t work_len, double *out)
{
    FRAMED_BODY(double, f64, 8)
}

int fg_framed_power_filterbank_f32(const float *x, size_t n_frames, size_t frame_len,
                                   size_t frame_stride, const float *win, double preemph,
                                   size_t n_fft, size_t start, const float *w,
                                   size_t n_bands, const size_t *first, const size_t *stop,
                                   int magnitude, double *work, size_t work_len, float *out)
{
    FRAMED_BODY(float, f32, 16)
}
