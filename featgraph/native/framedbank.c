/*
 * Framed power filterbank: window, real FFT, power and band-limited filter sums of a
 * framed signal in one pass per group of frames, float64.
 *
 *   r[t, start + n] = w[n] e[t, n]   (n < frame_len; zero elsewhere in 0 .. n_fft - 1)
 *   X[t, k] = sum_j r[t, j] exp(-2 pi i j k / n_fft)               k = 0 .. n_fft / 2
 *   out[t, b] = sum_{k = first[b]}^{stop[b] - 1} |X[t, k]|^2 wb[b, k]
 *
 * with e the HTK pre-emphasised frame of window.c (k = 0: the frame itself).  The same
 * numbers as fg_window_frames, a real FFT, fg_banded_power_filterbank in a row, to
 * rounding: the FFT is this file's own (ducc0's, which the three calls use, rounds
 * differently), so the power moves by a few units in the last place of the largest bin.
 *
 * Why its own FFT: the frames of a filterbank front end are many (60000 in 10 minutes at
 * a 10 ms hop) and short, so the FFT runs across frames, LV = 8 frames side by side in
 * each vector (every operation a lane-wise IEEE operation: each frame's numbers are
 * those of a scalar FFT, whatever the vector width the CPU gives, and do not depend on
 * their neighbours).  Its output is already frame-interleaved, as the filter sums want
 * it (bin k of GROUP = 64 frames side by side), so neither the windowed frames nor the
 * spectra are ever stored row by row.  The real FFT of N = n_fft points is the complex
 * FFT of M = N / 2 points z[n] = r[2n] + i r[2n + 1], split (Z[k] and Z[M - k] give
 * X[k] and X[M - k]); its first decimation-in-frequency step is done while the frames
 * are read, u[n] = z[n] + z[n + M/2], v[n] = (z[n] - z[n + M/2]) W_M^n, so that the
 * zero padding (a frame of 410 samples in N = 1024) costs nothing; Z[2m] and Z[2m + 1]
 * are then the M/2-point FFTs of u and v (radix-4, in place, digit-reversed output read
 * through a table; one radix-2 step when log2(M/2) is odd), whose own first step is
 * done in the same pass.  The band sums are those of fg_banded_filterbank (one double
 * sum per frame, in the order of k), eight 8-wide sums in flight.  No fused
 * multiply-adds (-std=c99), so every clone (FG_CLONES_512) computes the same bits.
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

#define LV 8                    /* frames per vector */
#define GROUP 64                /* frames per filter-sum group: GROUP / LV vectors */

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
        + 7 + (m + 1) * GROUP + LV * n_fft + 2 * (2 * LV * h) + GROUP * n_bands;
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
typedef double v8d __attribute__((vector_size(LV * sizeof(double))));

#define LD(p) ({ v8d v_; memcpy(&v_, (p), sizeof v_); v_; })
#define ST(p, v) do { v8d s_ = (v); memcpy((p), &s_, sizeof s_); } while (0)
#define BC(x) ((v8d){(x), (x), (x), (x), (x), (x), (x), (x)})

/* The radix-4 decimation-in-frequency butterfly on the complex vectors (ar, ai) ..
 * (dr, di), written to pa .. pd (re vector, then im vector): with p = a + c, q = b + d,
 * m = a - c, j = -i (b - d): p + q, (m + j) w1, (p - q) w2, (m - j) w3 (PLAIN: every w 1).
 * Lane-wise IEEE operations, no fused multiply-adds. */
#define BF4_CORE(ar, ai, br, bi, cr, ci, dr, di)                              \
    v8d pr_ = (ar) + (cr), pi_ = (ai) + (ci), mr_ = (ar) - (cr), mi_ = (ai) - (ci); \
    v8d qr_ = (br) + (dr), qi_ = (bi) + (di), jr_ = (bi) - (di), ji_ = (dr) - (br);
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
        v8d er_ = mr_ + jr_, ei_ = mi_ + ji_;                                 \
        ST(pb, er_ * (w1r) - ei_ * (w1i));                                    \
        ST((pb) + LV, er_ * (w1i) + ei_ * (w1r));                             \
        er_ = pr_ - qr_, ei_ = pi_ - qi_;                                     \
        ST(pc, er_ * (w2r) - ei_ * (w2i));                                    \
        ST((pc) + LV, er_ * (w2i) + ei_ * (w2r));                             \
        er_ = mr_ - jr_, ei_ = mi_ - ji_;                                     \
        ST(pd, er_ * (w3r) - ei_ * (w3i));                                    \
        ST((pd) + LV, er_ * (w3i) + ei_ * (w3r));                             \
    } while (0)

/* The h-point complex FFT (forward, in place) of the LV-lane complex vectors at x
 * (element i: re at x + 2 i LV, im at x + (2 i + 1) LV), from the step of span n0 on
 * (n0 = h: all of it; lane_power does the first step itself); tw holds W_h^j, j < h.
 * Radix-4 decimation in frequency (one radix-2 step last when log2(h) is odd), the
 * butterflies with j = 0 without their twiddles (1): X[k] ends at position pos[k]
 * (digit-reversed; see positions).  In place, so that one transform's data (h = 256:
 * 32 KiB) stays in the L1 cache. */
FG_CLONES_512 static void lane_fft(double *x, size_t h, size_t n0, const double *tw)
{
    size_t n = n0;
    while (n >= 4) {
        size_t m = n / 4, s = h / n, e = 2 * LV * m;
        for (size_t base = 0; base < h; base += n) {
            double *a = x + 2 * LV * base;
            BF4_PLAIN(LD(a), LD(a + LV), LD(a + e), LD(a + e + LV), LD(a + 2 * e),
                      LD(a + 2 * e + LV), LD(a + 3 * e), LD(a + 3 * e + LV), a, a + e,
                      a + 2 * e, a + 3 * e);
        }
        for (size_t j = 1; j < m; j++) {
            const double *w1 = tw + 2 * (j * s), *w2 = tw + 2 * (2 * j * s),
                         *w3 = tw + 2 * (3 * j * s);
            v8d w1r = BC(w1[0]), w1i = BC(w1[1]), w2r = BC(w2[0]), w2i = BC(w2[1]);
            v8d w3r = BC(w3[0]), w3i = BC(w3[1]);
            for (size_t base = 0; base < h; base += n) {
                double *a = x + 2 * LV * (base + j);
                BF4_TW(LD(a), LD(a + LV), LD(a + e), LD(a + e + LV), LD(a + 2 * e),
                       LD(a + 2 * e + LV), LD(a + 3 * e), LD(a + 3 * e + LV), a, a + e,
                       a + 2 * e, a + 3 * e, w1r, w1i, w2r, w2i, w3r, w3i);
            }
        }
        n = m;
    }
    if (n == 2) {                       /* the last radix-2 step: twiddle 1 */
        for (size_t base = 0; base < h; base += 2) {
            double *a = x + 2 * LV * base, *b = a + 2 * LV;
            v8d ar = LD(a), ai = LD(a + LV), br = LD(b), bi = LD(b + LV);
            ST(a, ar + br);
            ST(a + LV, ai + bi);
            ST(b, ar - br);
            ST(b + LV, ai - bi);
        }
    }
}

/* rb[n] (n < len): sample n of the LV frames at rows, pre-emphasised and windowed (the
 * operations of window.c, lane by lane).  Whole blocks of LV samples are read as one
 * vector per frame and transposed (8 x 8), the rest one value at a time. */
FG_CLONES_512 static void windowed(const double *const *rows, size_t len, const double *win,
                                   double k, double *rb)
{
    const v8d nk = BC(-k), first = BC(1.0 - k);
    v8d prev = BC(0.0);
    size_t n = 0;
    for (; n + LV <= len; n += LV) {
        v8d r0 = LD(rows[0] + n), r1 = LD(rows[1] + n), r2 = LD(rows[2] + n);
        v8d r3 = LD(rows[3] + n), r4 = LD(rows[4] + n), r5 = LD(rows[5] + n);
        v8d r6 = LD(rows[6] + n), r7 = LD(rows[7] + n);
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
        v8d c[LV] = {__builtin_shufflevector(u0, u4, 0, 1, 2, 3, 8, 9, 10, 11),
                     __builtin_shufflevector(u2, u6, 0, 1, 2, 3, 8, 9, 10, 11),
                     __builtin_shufflevector(u1, u5, 0, 1, 2, 3, 8, 9, 10, 11),
                     __builtin_shufflevector(u3, u7, 0, 1, 2, 3, 8, 9, 10, 11),
                     __builtin_shufflevector(u0, u4, 4, 5, 6, 7, 12, 13, 14, 15),
                     __builtin_shufflevector(u2, u6, 4, 5, 6, 7, 12, 13, 14, 15),
                     __builtin_shufflevector(u1, u5, 4, 5, 6, 7, 12, 13, 14, 15),
                     __builtin_shufflevector(u3, u7, 4, 5, 6, 7, 12, 13, 14, 15)};
        for (size_t i = 0; i < LV; i++) {
            v8d x = c[i], e = k == 0 ? x : n + i == 0 ? x * first : x + prev * nk;
            prev = x;
            ST(rb + (n + i) * LV, e * BC(win[n + i]));
        }
    }
    for (; n < len; n++) {
        v8d x = {rows[0][n], rows[1][n], rows[2][n], rows[3][n],
                 rows[4][n], rows[5][n], rows[6][n], rows[7][n]};
        v8d e = k == 0 ? x : n == 0 ? x * first : x + prev * nk;
        prev = x;
        ST(rb + n * LV, e * BC(win[n]));
    }
}

/* The power |X[k]|^2, k = 0 .. n_fft / 2, of the LV frames at rows, into lanes (bin k of
 * these frames at lanes + k GROUP); rb holds n_fft vectors, buf 4 h. */
FG_CLONES_512 static void lane_power(const double *const *rows, size_t len, size_t start,
                                     const double *win, double k, size_t n_fft,
                                     const double *tw_h, const double *tw_m,
                                     const double *tw_n, const uint32_t *pos, double *rb,
                                     double *buf, double *lanes)
{
    size_t h = n_fft / 4, m = n_fft / 2, half = n_fft / 2;
    double *u0 = buf, *v0 = u0 + 2 * LV * h;
    windowed(rows, len, win, k, rb);
    /* u[n] = z[n] + z[n + h], v[n] = (z[n] - z[n + h]) W_M^n, z[n] = r[2n] + i r[2n + 1]:
     * z[n + h] holds samples 2n + half, 2n + half + 1, zero for every n when the frame
     * ends in the first half. */
    const v8d zero = BC(0.0);
#define R(j) ((j) >= start && (j) - start < len ? LD(rb + ((j) - start) * LV) : zero)
    int upper = start + len > half;
    /* ... and, in the same pass, the first radix-4 step of both h-point FFTs (span h:
     * elements j, j + h/4, j + h/2, j + 3h/4), as lane_fft would do it. */
    size_t q = h / 4, e = 2 * LV * q;
    for (size_t j = 0; j < q; j++) {
        v8d ur[4], ui[4], vr[4], vi[4];
        for (size_t t = 0; t < 4; t++) {
            size_t nn = j + t * q, jj = 2 * nn;
            v8d ar = R(jj), ai = R(jj + 1), br = zero, bi = zero;
            if (upper) {
                br = R(jj + half);
                bi = R(jj + half + 1);
            }
            ur[t] = ar + br;
            ui[t] = ai + bi;
            v8d dr = ar - br, di = ai - bi, wr = BC(tw_m[2 * nn]), wi = BC(tw_m[2 * nn + 1]);
            vr[t] = dr * wr - di * wi;
            vi[t] = dr * wi + di * wr;
        }
        double *pu = u0 + 2 * LV * j, *pv = v0 + 2 * LV * j;
        if (j == 0) {
            BF4_PLAIN(ur[0], ui[0], ur[1], ui[1], ur[2], ui[2], ur[3], ui[3], pu, pu + e,
                      pu + 2 * e, pu + 3 * e);
            BF4_PLAIN(vr[0], vi[0], vr[1], vi[1], vr[2], vi[2], vr[3], vi[3], pv, pv + e,
                      pv + 2 * e, pv + 3 * e);
        } else {
            v8d w1r = BC(tw_h[2 * j]), w1i = BC(tw_h[2 * j + 1]);
            v8d w2r = BC(tw_h[4 * j]), w2i = BC(tw_h[4 * j + 1]);
            v8d w3r = BC(tw_h[6 * j]), w3i = BC(tw_h[6 * j + 1]);
            BF4_TW(ur[0], ui[0], ur[1], ui[1], ur[2], ui[2], ur[3], ui[3], pu, pu + e,
                   pu + 2 * e, pu + 3 * e, w1r, w1i, w2r, w2i, w3r, w3i);
            BF4_TW(vr[0], vi[0], vr[1], vi[1], vr[2], vi[2], vr[3], vi[3], pv, pv + e,
                   pv + 2 * e, pv + 3 * e, w1r, w1i, w2r, w2i, w3r, w3i);
        }
    }
#undef R
    lane_fft(u0, h, q, tw_h);
    lane_fft(v0, h, q, tw_h);
    const double *U = u0, *V = v0;
    /* With A = Z[k], B = conj Z[M - k] (Z[M] = Z[0]; Z[2i] = U[i], Z[2i + 1] = V[i]),
     * S = A + B and T = W_N^k (A - B): 2 X[k] = S - i T, and, as W_N^(M - k) = -conj W_N^k,
     * 2 X[M - k] = conj S - i conj T.  k and M - k together, k = 0 .. M / 2. */
    for (size_t kk = 0; kk <= m / 2; kk++) {
        size_t a = kk, b = kk == 0 ? 0 : m - kk;
        const double *za = (a & 1 ? V : U) + 2 * LV * pos[a >> 1];
        const double *zb = (b & 1 ? V : U) + 2 * LV * pos[b >> 1];
        v8d ar = LD(za), ai = LD(za + LV), br = LD(zb), bi = -LD(zb + LV);
        v8d sr = ar + br, si = ai + bi, dr = ar - br, di = ai - bi;
        v8d wr = BC(tw_n[2 * kk]), wi = BC(tw_n[2 * kk + 1]);
        v8d tr = dr * wr - di * wi, ti = dr * wi + di * wr;
        v8d xr = sr + ti, xi = si - tr;          /* 2 X[k] */
        ST(lanes + kk * GROUP, (xr * xr + xi * xi) * BC(0.25));
        if (kk != m - kk) {
            v8d yr = sr - ti, yi = si + tr;      /* 2 X[M - k], up to its sign */
            ST(lanes + (m - kk) * GROUP, (yr * yr + yi * yi) * BC(0.25));
        }
    }
}

/* out[f, b] = sum_{k = first[b]}^{stop[b] - 1} lanes[k GROUP + f] w[b, k] for the GROUP
 * frames held bin-major in lanes: per frame one double sum in the order of k (the sums
 * of fg_banded_filterbank), eight vectors of LV frames, so that eight independent
 * additions are in flight. */
FG_CLONES_512 static void lane_sums(const double *lanes, size_t n_bins, const double *w,
                                    size_t n_bands, const size_t *first,
                                    const size_t *stop, double *out)
{
    for (size_t b = 0; b < n_bands; b++) {
        const double *wb = w + b * n_bins;
        v8d a[GROUP / LV];
        for (size_t i = 0; i < GROUP / LV; i++)
            a[i] = BC(0.0);
        for (size_t k = first[b]; k < stop[b]; k++) {
            v8d wv = BC(wb[k]);
            const double *v = lanes + k * GROUP;
            for (size_t i = 0; i < GROUP / LV; i++)
                a[i] += LD(v + i * LV) * wv;
        }
        for (size_t i = 0; i < GROUP / LV; i++)
            for (size_t f = 0; f < LV; f++)
                out[(i * LV + f) * n_bands + b] = a[i][f];
    }
}
#endif

int fg_framed_power_filterbank_f64(const double *x, size_t n_frames, size_t frame_len,
                                   size_t frame_stride, const double *win, double preemph,
                                   size_t n_fft, size_t start, const double *w,
                                   size_t n_bands, const size_t *first, const size_t *stop,
                                   double *work, size_t work_len, double *out)
{
    size_t need = fg_framed_power_filterbank_work(n_fft, n_bands);
    const size_t stride_or1 = frame_stride ? frame_stride : 1;
    if (need == 0 || work_len < need || frame_len == 0 || start > n_fft ||
        frame_len > n_fft - start)
        return FG_EINVAL;
    if (n_frames > 1 && (n_frames - 1) > (SIZE_MAX - frame_len) / stride_or1)
        return FG_EINVAL;
    if (n_bands != 0 && n_frames > SIZE_MAX / n_bands)
        return FG_EINVAL;
    if (n_frames == 0 || n_bands == 0)
        return FG_OK;
    if (x == NULL || win == NULL || w == NULL || first == NULL || stop == NULL ||
        work == NULL || out == NULL)
        return FG_EINVAL;
    if (!(preemph >= 0 && preemph <= 1))
        return FG_EDOMAIN;
    size_t n_bins = n_fft / 2 + 1;
    for (size_t b = 0; b < n_bands; b++)
        if (first[b] > stop[b] || stop[b] > n_bins)
            return FG_EINVAL;
#if FG_FRAMED_VECTORS
    {
        size_t h = n_fft / 4, m = n_fft / 2;
        if (((uintptr_t)work & 7) != 0)
            return FG_EINVAL;
        double *base = work + ((64 - ((uintptr_t)work & 63)) & 63) / sizeof(double);
        if (base[0] != (double)n_fft || base[1] != PLANNED)
            return FG_EINVAL;                   /* not laid out by ..._plan */
        double *tw_h = base + 8, *tw_m = tw_h + 2 * h, *tw_n = tw_m + 2 * h;
        const uint32_t *pos = (const uint32_t *)(const void *)(tw_n + 2 * (m + 1));
        double *lanes = tw_n + 2 * (m + 1) + (h + 1) / 2 + 7;
        lanes -= ((uintptr_t)lanes & 63) / sizeof(double);      /* 64-byte aligned */
        double *rb = lanes + (m + 1) * GROUP, *buf = rb + LV * n_fft;
        double *grp = buf + 2 * (2 * LV * h);
        for (size_t t = 0; t < n_frames; t += GROUP) {
            size_t g = n_frames - t < GROUP ? n_frames - t : GROUP;
            for (size_t v = 0; v < g; v += LV) {   /* a partial group: its vectors only */
                const double *rows[LV];
                for (size_t l = 0; l < LV; l++) {       /* missing frames: the last again */
                    size_t f = t + v + l < n_frames ? t + v + l : n_frames - 1;
                    rows[l] = x + f * frame_stride;
                }
                lane_power(rows, frame_len, start, win, preemph, n_fft, tw_h, tw_m, tw_n,
                           pos, rb, buf, lanes + v);
            }
            if (g < GROUP)                  /* lanes past the frames: zeros, not stale */
                for (size_t k = 0; k < n_bins; k++)
                    memset(lanes + k * GROUP + (g + LV - 1) / LV * LV, 0,
                           (GROUP - (g + LV - 1) / LV * LV) * sizeof(double));
            double *dst = g == GROUP ? out + t * n_bands : grp;
            lane_sums(lanes, n_bins, w, n_bands, first, stop, dst);
            if (g < GROUP)
                memcpy(out + t * n_bands, grp, g * n_bands * sizeof(double));
        }
    }
    return FG_OK;
#else
    return FG_EINVAL;
#endif
}
