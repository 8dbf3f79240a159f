/*
 * Reassigned spectrogram of a cosine-sum window (featgraph.nodes.reassign; librosa's
 * reassigned_spectrogram definition; Flandrin, Auger & Chassande-Mottin 2002, eqs. 5.20
 * and 5.23), from two FFTs per frame instead of three:
 *
 *   h[n] = sum_m c_m cos(2 pi m n / N), m <= 2 (periodic Hann, Hamming, Blackman; N = n_fft)
 *   X = DFT(x), Y = DFT(x t)                (t: time from the frame centre, in samples)
 *   S_h[k]  = c_0 X[k] + sum_{m >= 1} c_m / 2 (X[k - m] + X[k + m])
 *   S_dh[k] = sum_{m >= 1} c_m sin(2 pi m / N) i / 2 (X[k - m] - X[k + m])
 *   S_th[k] = c_0 Y[k] + sum_{m >= 1} c_m / 2 (Y[k - m] + Y[k + m])
 *
 * S_h, S_dh and S_th are the DFTs of x h, x dh and x h t, dh the cyclic centred gradient
 * (h[n + 1] - h[n - 1]) / 2 = -sum_m c_m sin(2 pi m / N) sin(2 pi m n / N); the bins
 * outside 0 .. N / 2 are the conjugates of their mirror images (real x).  Then
 *
 *   power = re(S_h)^2 + im(S_h)^2, mags = sqrt(power)
 *   freqs = k sr / n_fft - Im(S_dh conj(S_h)) / power sr / (2 pi), clipped to [0, sr / 2]
 *   times = (t0 + t) hop / sr + Re(S_th conj(S_h)) / power / sr, at least 0
 *
 * with the corrections 0 (bin frequency, frame time) where power < max(ref_power, the
 * smallest normal number of the type), and where a reassignment is switched off (its
 * scale is then 0: the correction, finite, times 0).  All in the type of the spectra.  The numpy definition is
 * featgraph.native.reference_transforms.reassign.
 */
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "featgraph.h"
#include "simd.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#define RA_CHUNK 64
#define RA_MAX_COEF 3

/* The bins -pad .. n_bins + pad - 1 of the DFT of a real frame (n_fft points) from its bins
 * 0 .. n_bins - 1, as real and imaginary parts: a bin outside 0 .. n_bins - 1 is
 * the conjugate of its mirror image n_fft - j (indices modulo n_fft). */
#define DEFINE_EXTEND(NAME, T)                                                        \
FG_CLONES static void NAME##_split(const T *restrict z, long n, T *restrict re,       \
                                   T *restrict im)                                    \
{                                                                                     \
    for (long j = 0; j < n; j++) {                                                    \
        re[j] = z[2 * j];                                                             \
        im[j] = z[2 * j + 1];                                                         \
    }                                                                                 \
}                                                                                     \
                                                                                      \
static void NAME(const T *restrict z, long n_bins, long n_fft, long pad, T *restrict re, \
                 T *restrict im)                                                      \
{                                                                                     \
    NAME##_split(z, n_bins, re + pad, im + pad);                                      \
    for (long j = -pad; j < n_bins + pad; j++) {                                      \
        if (j == 0)                                                                   \
            j = n_bins;                                   /* the pads only */         \
        long jj = ((j % n_fft) + n_fft) % n_fft;                                      \
        if (jj < n_bins) {                                                            \
            re[j + pad] = z[2 * jj];                                                  \
            im[j + pad] = z[2 * jj + 1];                                              \
        } else {                                                                      \
            re[j + pad] = z[2 * (n_fft - jj)];                                        \
            im[j + pad] = -z[2 * (n_fft - jj) + 1];                                   \
        }                                                                             \
    }                                                                                 \
}

DEFINE_EXTEND(extend_f64, double)
DEFINE_EXTEND(extend_f32, float)

/* S_h, S_dh, S_th of n bins from the extended spectra (xr[i] is bin i of the chunk; the
 * pointers reach 2 bins on both sides), in the type, from the window's c_0 .. c_2. */
#define DEFINE_COMBINE(NAME, T)                                                       \
FG_CLONES static void NAME(const T *restrict xr, const T *restrict xi,                \
                           const T *restrict yr, const T *restrict yi, long n,         \
                           const double *c, const double *sn, T *restrict v0,          \
                           T *restrict v1, T *restrict v2, T *restrict v3,             \
                           T *restrict v4, T *restrict v5)                             \
{                                                                                     \
    const T c0 = (T)c[0], h1 = (T)(0.5 * c[1]), h2 = (T)(0.5 * c[2]);                 \
    const T d1 = (T)(0.5 * c[1] * sn[1]), d2 = (T)(0.5 * c[2] * sn[2]);               \
    for (long i = 0; i < n; i++) {                                                    \
        v0[i] = (T)(c0 * xr[i] + h1 * (xr[i - 1] + xr[i + 1])                         \
                    + h2 * (xr[i - 2] + xr[i + 2]));                                  \
        v1[i] = (T)(c0 * xi[i] + h1 * (xi[i - 1] + xi[i + 1])                         \
                    + h2 * (xi[i - 2] + xi[i + 2]));                                  \
        /* i (a + i b) = -b + i a */                                                  \
        v2[i] = (T)(-(d1 * (xi[i - 1] - xi[i + 1]) + d2 * (xi[i - 2] - xi[i + 2])));  \
        v3[i] = (T)(d1 * (xr[i - 1] - xr[i + 1]) + d2 * (xr[i - 2] - xr[i + 2]));     \
        v4[i] = (T)(c0 * yr[i] + h1 * (yr[i - 1] + yr[i + 1])                         \
                    + h2 * (yr[i - 2] + yr[i + 2]));                                  \
        v5[i] = (T)(c0 * yi[i] + h1 * (yi[i - 1] + yi[i + 1])                         \
                    + h2 * (yi[i - 2] + yi[i + 2]));                                  \
    }                                                                                 \
}

DEFINE_COMBINE(combine_f64, double)
DEFINE_COMBINE(combine_f32, float)

#define DEFINE_REASSIGN(NAME, T, TINY, SQRT, BIN, COMBINE)                                         \
FG_CLONES FG_NO_TRAPS __attribute__((noinline)) static void NAME##_chunk(                                     \
    const T *restrict hr, const T *restrict hi, const T *restrict dr,                 \
    const T *restrict di, const T *restrict tr, const T *restrict ti, int n, T k0,    \
    T bin_hz, T nyquist, T frame_t, T f_scale, T t_scale, T floor_,                   \
    T *restrict freqs, T *restrict times, T *restrict mags)                           \
{                                                                                     \
    for (int k = 0; k < n; k++) {         /* int: converts to T in vectors */       \
        T power = hr[k] * hr[k] + hi[k] * hi[k];                                      \
        T keep = power >= floor_ ? (T)1 : (T)0;                                       \
        T inv = keep / (power + ((T)1 - keep));      /* 1 / power, or 0 / (power + 1) */ \
        T f = (k0 + (T)k) * bin_hz + ((di[k] * hr[k] - dr[k] * hi[k]) * inv) * f_scale; \
        f = f > (T)0 ? f : (T)0;                                                      \
        f = f < nyquist ? f : nyquist;                                                \
        T t = frame_t + ((tr[k] * hr[k] + ti[k] * hi[k]) * inv) * t_scale;            \
        t = t > (T)0 ? t : (T)0;                                                      \
        freqs[k] = f;                                                                 \
        times[k] = t;                                                                 \
        mags[k] = SQRT(power);                                                        \
    }                                                                                 \
}                                                                                     \
                                                                                      \
static void NAME##_frame(const T *x, const T *y, size_t n_bins, size_t n_fft,         \
                         const double *c, const double *sn, T *work,                  \
                         T bin_hz, T nyquist, T frame_t, T f_scale, T t_scale, T floor_, \
                         T *freqs, T *times, T *mags)                                 \
{                                                                                     \
    const long pad = 2, len = (long)n_bins + 2 * pad;                                 \
    T *xr = work, *xi = xr + len, *yr = xi + len, *yi = yr + len;                     \
    T v[6][RA_CHUNK];                                                                 \
    BIN(x, (long)n_bins, (long)n_fft, pad, xr, xi);                                   \
    if (y)                                                                            \
        BIN(y, (long)n_bins, (long)n_fft, pad, yr, yi);                               \
    for (size_t a = 0; a < n_bins; a += RA_CHUNK) {                                   \
        int n = (int)(n_bins - a < RA_CHUNK ? n_bins - a : RA_CHUNK);                 \
        COMBINE(xr + pad + a, xi + pad + a, yr + pad + a, yi + pad + a, n, c, sn,     \
                v[0], v[1], v[2], v[3], v[4], v[5]);                                  \
        NAME##_chunk(v[0], v[1], v[2], v[3], v[4], v[5], n, (T)a, bin_hz, nyquist,    \
                     frame_t, f_scale, t_scale, floor_, freqs + a, times + a, mags + a); \
    }                                                                                 \
}                                                                                     \
                                                                                      \
static int NAME(const T *x, const T *y, size_t n_frames, size_t n_bins, size_t n_fft,        \
         const double *coef, size_t n_coef, double sr, double hop, double t0,         \
         double ref_power, int reassign_freqs, int reassign_times, T *freqs,          \
         T *times, T *mags)                                                           \
{                                                                                     \
    if (n_frames == 0)                                                                \
        return FG_OK;                                                                 \
    if (!x || !coef || !freqs || !times || !mags || (reassign_times && !y)            \
        || n_fft < 2 || n_fft > LONG_MAX / 4 || n_bins != n_fft / 2 + 1               \
        || n_coef == 0 || n_coef > RA_MAX_COEF || !(sr > 0) || !(hop >= 0)            \
        || !(ref_power >= 0) || n_bins > SIZE_MAX / 2 / n_frames)                     \
        return FG_EINVAL;                                                             \
    double c[RA_MAX_COEF] = {0.0, 0.0, 0.0}, sn[RA_MAX_COEF];                         \
    for (size_t m = 0; m < RA_MAX_COEF; m++) {                                        \
        c[m] = m < n_coef ? coef[m] : 0.0;                                            \
        sn[m] = sin(2.0 * 3.14159265358979323846 * (double)m / (double)n_fft);        \
    }                                                                                 \
    /* the extended spectra; y's stay 0 without time reassignment */                  \
    T *work = calloc(4 * (n_bins + 4), sizeof(T));                                    \
    if (!work)                                                                        \
        return FG_ENOMEM;                                                             \
    const T floor_ = ref_power > (double)TINY ? (T)ref_power : TINY;                  \
    for (size_t t = 0; t < n_frames; t++) {                                           \
        size_t at = t * n_bins;                                                       \
        NAME##_frame(x + 2 * at, reassign_times ? y + 2 * at : NULL, n_bins, n_fft,   \
                     c, sn, work, (T)(sr / (double)n_fft), (T)(sr / 2.0),             \
                     (T)((t0 + (double)t) * (hop / sr)),                              \
                     reassign_freqs ? (T)(-0.5 * sr / 3.14159265358979323846) : (T)0, \
                     reassign_times ? (T)(1.0 / sr) : (T)0, floor_, freqs + at,        \
                     times + at, mags + at);                                          \
    }                                                                                 \
    free(work);                                                                       \
    return FG_OK;                                                                     \
}

DEFINE_REASSIGN(reassign_f64, double, DBL_MIN, sqrt, extend_f64, combine_f64)
DEFINE_REASSIGN(reassign_f32, float, FLT_MIN, sqrtf, extend_f32, combine_f32)

int fg_reassign_f64(const double *x, const double *y, size_t n_frames, size_t n_bins,
                    size_t n_fft, const double *coef, size_t n_coef, double sr, double hop,
                    double t0, double ref_power, int reassign_freqs, int reassign_times,
                    double *freqs, double *times, double *mags)
{
    return reassign_f64(x, y, n_frames, n_bins, n_fft, coef, n_coef, sr, hop, t0, ref_power,
                        reassign_freqs, reassign_times, freqs, times, mags);
}

int fg_reassign_f32(const float *x, const float *y, size_t n_frames, size_t n_bins,
                    size_t n_fft, const double *coef, size_t n_coef, double sr, double hop,
                    double t0, double ref_power, int reassign_freqs, int reassign_times,
                    float *freqs, float *times, float *mags)
{
    return reassign_f32(x, y, n_frames, n_bins, n_fft, coef, n_coef, sr, hop, t0, ref_power,
                        reassign_freqs, reassign_times, freqs, times, mags);
}
