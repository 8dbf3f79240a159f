/*
 * Reassigned spectrogram from the three STFTs (featgraph.nodes.reassign; librosa's
 * reassigned_spectrogram definition; Flandrin, Auger & Chassande-Mottin 2002, eqs. 5.20
 * and 5.23):
 *
 *   power = re(S_h)^2 + im(S_h)^2                    (in the type of the spectra)
 *   mags  = sqrt(power)
 *   freqs = k sr / n_fft - Im(S_dh conj(S_h)) / power sr / (2 pi), clipped to [0, sr / 2]
 *   times = (t0 + t) hop / sr + Re(S_th conj(S_h)) / power / sr, at least 0
 *
 * with the corrections set to 0 (bin frequency, frame time) where power < max(ref_power,
 * the smallest normal number of the type), and where a reassignment is switched off (its
 * scale is then 0: the correction, finite, times 0).  All in the type of the spectra,
 * the bin frequencies, frame times and scales rounded to it.  One pass over the three
 * spectra, no temporaries; the numpy definition is
 * featgraph.native.reference_transforms.reassign.
 */
#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "featgraph.h"
#include "simd.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#define RA_CHUNK 64

/* The values of up to RA_CHUNK bins from contiguous real and imaginary parts. */
#define DEFINE_REASSIGN(NAME, T, TINY, SQRT)                                         \
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
static void NAME##_row(const T *sh, const T *sdh, const T *sth, size_t n_bins,        \
                       T bin_hz, T nyquist, T frame_t, T f_scale, T t_scale,          \
                       T floor_, T *freqs, T *times, T *mags)                         \
{                                                                                     \
    T v[6][RA_CHUNK];                                                                 \
    for (size_t a = 0; a < n_bins; a += RA_CHUNK) {                                   \
        size_t n = n_bins - a < RA_CHUNK ? n_bins - a : RA_CHUNK;                     \
        for (size_t k = 0; k < n; k++) {                                              \
            v[0][k] = sh[2 * (a + k)];                                                \
            v[1][k] = sh[2 * (a + k) + 1];                                            \
            v[2][k] = sdh[2 * (a + k)];                                               \
            v[3][k] = sdh[2 * (a + k) + 1];                                           \
            v[4][k] = sth[2 * (a + k)];                                               \
            v[5][k] = sth[2 * (a + k) + 1];                                           \
        }                                                                             \
        NAME##_chunk(v[0], v[1], v[2], v[3], v[4], v[5], (int)n, (T)a, bin_hz, nyquist, \
                     frame_t, f_scale, t_scale, floor_, freqs + a, times + a, mags + a); \
    }                                                                                 \
}                                                                                     \
                                                                                      \
int NAME(const T *sh, const T *sdh, const T *sth, size_t n_frames, size_t n_bins,     \
         size_t n_fft, double sr, double hop, double t0, double ref_power,             \
         int reassign_freqs, int reassign_times, T *freqs, T *times, T *mags)         \
{                                                                                     \
    if (n_frames == 0 || n_bins == 0)                                                 \
        return FG_OK;                                                                 \
    if (!sh || !freqs || !times || !mags || (reassign_freqs && !sdh)                  \
        || (reassign_times && !sth) || n_fft == 0 || !(sr > 0) || !(hop >= 0)         \
        || !(ref_power >= 0) || n_bins > SIZE_MAX / 2 / n_frames)                     \
        return FG_EINVAL;                                                             \
    const T floor_ = ref_power > (double)TINY ? (T)ref_power : TINY;                  \
    for (size_t t = 0; t < n_frames; t++) {                                           \
        size_t at = t * n_bins;                                                       \
        NAME##_row(sh + 2 * at, reassign_freqs ? sdh + 2 * at : sh,                   \
                   reassign_times ? sth + 2 * at : sh, n_bins, (T)(sr / (double)n_fft),\
                   (T)(sr / 2.0), (T)((t0 + (double)t) * (hop / sr)),                  \
                   reassign_freqs ? (T)(-0.5 * sr / 3.14159265358979323846) : (T)0,   \
                   reassign_times ? (T)(1.0 / sr) : (T)0, floor_, freqs + at,          \
                   times + at, mags + at);                                            \
    }                                                                                 \
    return FG_OK;                                                                     \
}

DEFINE_REASSIGN(fg_reassign_f64, double, DBL_MIN, sqrt)
DEFINE_REASSIGN(fg_reassign_f32, float, FLT_MIN, sqrtf)
