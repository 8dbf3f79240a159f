/*
 * Reassigned spectrogram of a cosine-sum window (featgraph.nodes.reassign; librosa's
 * reassigned_spectrogram definition; Flandrin, Auger & Chassande-Mottin 2002, eqs. 5.20
 * and 5.23), from two FFTs per frame instead of three:
 *
 *   h[n] = sum_m c_m cos(2 pi m n / N)      (periodic Hann, Hamming, Blackman; N = n_fft)
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
 * scale is then 0: the correction, finite, times 0).  The three spectra are combined in
 * double and rounded to the type; the rest is in the type.  The numpy definition is
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
#define RA_MAX_COEF 8

/* The bins -pad .. n_bins + pad - 1 of the DFT of a real frame (n_fft points) from its bins
 * 0 .. n_bins - 1, as real and imaginary parts in double: a bin outside 0 .. n_bins - 1 is
 * the conjugate of its mirror image n_fft - j (indices modulo n_fft). */
#define DEFINE_EXTEND(NAME, T)                                                        \
static void NAME(const T *z, long n_bins, long n_fft, long pad, double *re, double *im) \
{                                                                                     \
    for (long j = -pad; j < n_bins + pad; j++) {                                      \
        long jj = ((j % n_fft) + n_fft) % n_fft;                                      \
        if (jj < n_bins) {                                                            \
            re[j + pad] = z[2 * jj];                                                  \
            im[j + pad] = z[2 * jj + 1];                                              \
        } else {                                                                      \
            re[j + pad] = z[2 * (n_fft - jj)];                                        \
            im[j + pad] = -(double)z[2 * (n_fft - jj) + 1];                           \
        }                                                                             \
    }                                                                                 \
}

DEFINE_EXTEND(extend_f64, double)
DEFINE_EXTEND(extend_f32, float)

/* S_h, S_dh, S_th of n bins from the extended spectra (xr[i] is bin i of the chunk; the
 * pointers reach pad bins on both sides), in double. */
FG_CLONES static void combine(const double *restrict xr, const double *restrict xi,
                              const double *restrict yr, const double *restrict yi, int n,
                              const double *c, const double *sn, int n_coef,
                              double (*restrict s)[RA_CHUNK])
{
    for (int i = 0; i < n; i++) {
        s[0][i] = c[0] * xr[i];
        s[1][i] = c[0] * xi[i];
        s[2][i] = 0.0;
        s[3][i] = 0.0;
        s[4][i] = c[0] * yr[i];
        s[5][i] = c[0] * yi[i];
    }
    for (int m = 1; m < n_coef; m++) {
        const double h = 0.5 * c[m], d = 0.5 * c[m] * sn[m];
        for (int i = 0; i < n; i++) {
            s[0][i] += h * (xr[i - m] + xr[i + m]);
            s[1][i] += h * (xi[i - m] + xi[i + m]);
            s[2][i] -= d * (xi[i - m] - xi[i + m]);       /* i (a + i b) = -b + i a */
            s[3][i] += d * (xr[i - m] - xr[i + m]);
            s[4][i] += h * (yr[i - m] + yr[i + m]);
            s[5][i] += h * (yi[i - m] + yi[i + m]);
        }
    }
}

#define DEFINE_REASSIGN(NAME, T, TINY, SQRT, BIN)                                         \
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
                         const double *c, const double *sn, size_t n_coef, double *work,\
                         T bin_hz, T nyquist, T frame_t, T f_scale, T t_scale, T floor_, \
                         T *freqs, T *times, T *mags)                                 \
{                                                                                     \
    const long pad = (long)n_coef - 1, len = (long)n_bins + 2 * pad;                  \
    double *xr = work, *xi = xr + len, *yr = xi + len, *yi = yr + len;                \
    double s[6][RA_CHUNK];                                                            \
    T v[6][RA_CHUNK];                                                                 \
    BIN(x, (long)n_bins, (long)n_fft, pad, xr, xi);                                   \
    if (y)                                                                            \
        BIN(y, (long)n_bins, (long)n_fft, pad, yr, yi);                               \
    for (size_t a = 0; a < n_bins; a += RA_CHUNK) {                                   \
        int n = (int)(n_bins - a < RA_CHUNK ? n_bins - a : RA_CHUNK);                 \
        combine(xr + pad + a, xi + pad + a, yr + pad + a, yi + pad + a, n, c, sn,     \
                (int)n_coef, s);                                                      \
        for (int j = 0; j < 6; j++)                                                   \
            for (int i = 0; i < n; i++)                                               \
                v[j][i] = (T)s[j][i];                                                 \
        NAME##_chunk(v[0], v[1], v[2], v[3], v[4], v[5], n, (T)a, bin_hz, nyquist,    \
                     frame_t, f_scale, t_scale, floor_, freqs + a, times + a, mags + a); \
    }                                                                                 \
}                                                                                     \
                                                                                      \
int NAME(const T *x, const T *y, size_t n_frames, size_t n_bins, size_t n_fft,        \
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
    double sn[RA_MAX_COEF];                                                           \
    for (size_t m = 0; m < n_coef; m++)                                               \
        sn[m] = sin(2.0 * 3.14159265358979323846 * (double)m / (double)n_fft);        \
    /* the extended spectra; y's stay 0 without time reassignment */                  \
    double *work = calloc(4 * (n_bins + 2 * n_coef), sizeof(double));                 \
    if (!work)                                                                        \
        return FG_ENOMEM;                                                             \
    const T floor_ = ref_power > (double)TINY ? (T)ref_power : TINY;                  \
    for (size_t t = 0; t < n_frames; t++) {                                           \
        size_t at = t * n_bins;                                                       \
        NAME##_frame(x + 2 * at, reassign_times ? y + 2 * at : NULL, n_bins, n_fft,   \
                     coef, sn, n_coef, work, (T)(sr / (double)n_fft), (T)(sr / 2.0),  \
                     (T)((t0 + (double)t) * (hop / sr)),                              \
                     reassign_freqs ? (T)(-0.5 * sr / 3.14159265358979323846) : (T)0, \
                     reassign_times ? (T)(1.0 / sr) : (T)0, floor_, freqs + at,        \
                     times + at, mags + at);                                          \
    }                                                                                 \
    free(work);                                                                       \
    return FG_OK;                                                                     \
}

DEFINE_REASSIGN(fg_reassign_f64, double, DBL_MIN, sqrt, extend_f64)
DEFINE_REASSIGN(fg_reassign_f32, float, FLT_MIN, sqrtf, extend_f32)
