/*
 * Band-limited filterbank product: each filter summed over its support only.
 *
 *   out[t, b] = sum_{k = first[b]}^{stop[b] - 1} spec[t, k] * w[b, k]
 *
 * spec (n_frames, n_bins), w (n_bands, n_bins), out (n_frames, n_bands), all
 * row-major; first/stop (n_bands,) the first and one-past-last bin of each
 * filter's support.  A mel, Bark, ERB or linear filterbank overlaps only its
 * neighbours, so the supports add up to about twice the bins: a 128-band mel
 * bank on 1025 bins does ~60 times fewer products than the dense matrix.
 * numpy can skip the zeros only through one matrix-vector product per band
 * (Python loop, strided output); here one pass per frame does all bands.
 *
 * Sums are accumulated in double, in the order of k, one sum per frame: a frame's
 * result does not depend on its neighbours.  Frames go FG_BANDED_LANES at a time
 * through a bin-major copy in the caller's work buffer (bin k of all these frames
 * side by side), so that each weight multiplies a contiguous vector of frames; the
 * frames left over go four at a time, row by row, with the same sums.  The bin-major
 * copy holds doubles whatever the input type: float32 values are converted once there
 * (exactly), not once per filter that reads them (about ten: the filters overlap).  The numpy
 * definition is featgraph.native.reference_spectral.banded_filterbank.
 *
 * fg_banded_power_filterbank_* takes the complex spectrum instead: the power
 * re * re + im * im is formed while the frames are copied to the work buffer, so a
 * mel spectrogram is made without writing and re-reading the power spectrogram.
 * Equal bit for bit to fg_power_spectrum (floor 0) followed by fg_banded_filterbank
 * (featgraph.native.reference_spectral.banded_power_filterbank).
 * fg_banded_magnitude_filterbank_* does the same with the magnitude
 * sqrt(re * re + im * im) (a magnitude mel spectrogram: Gemma 3n, Parakeet's |X|).
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "featgraph.h"
#include "simd.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

/* The product for n_frames rows of spec (no checks): four frames at a time, then one.
 * Used for the frames left over by the lane kernel below: the same sums, value for value. */
#define DEFINE_BANDED_ROWS(NAME, T)                                           \
static void NAME(const T *spec, size_t n_frames, size_t n_bins, const T *w,   \
                 size_t n_bands, const size_t *first, const size_t *stop,     \
                 T *out)                                                      \
{                                                                             \
    size_t t = 0;                                                             \
    for (; t + 4 <= n_frames; t += 4) {                                       \
        const T *s0 = spec + t * n_bins, *s1 = s0 + n_bins,                   \
                *s2 = s1 + n_bins, *s3 = s2 + n_bins;                         \
        T *o = out + t * n_bands;                                             \
        for (size_t b = 0; b < n_bands; b++) {                                \
            const T *wb = w + b * n_bins;                                     \
            double a0 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0;                    \
            for (size_t k = first[b]; k < stop[b]; k++) {                     \
                double wk = (double)wb[k];                                    \
                a0 += (double)s0[k] * wk;                                     \
                a1 += (double)s1[k] * wk;                                     \
                a2 += (double)s2[k] * wk;                                     \
                a3 += (double)s3[k] * wk;                                     \
            }                                                                 \
            o[b] = (T)a0;                                                     \
            o[n_bands + b] = (T)a1;                                           \
            o[2 * n_bands + b] = (T)a2;                                       \
            o[3 * n_bands + b] = (T)a3;                                       \
        }                                                                     \
    }                                                                         \
    for (; t < n_frames; t++) {                                               \
        const T *s0 = spec + t * n_bins;                                      \
        T *o = out + t * n_bands;                                             \
        for (size_t b = 0; b < n_bands; b++) {                                \
            const T *wb = w + b * n_bins;                                     \
            double a0 = 0.0;                                                  \
            for (size_t k = first[b]; k < stop[b]; k++)                       \
                a0 += (double)s0[k] * (double)wb[k];                          \
            o[b] = (T)a0;                                                     \
        }                                                                     \
    }                                                                         \
}

DEFINE_BANDED_ROWS(banded_rows_f64, double)
DEFINE_BANDED_ROWS(banded_rows_f32, float)

/* The product for FG_BANDED_LANES frames whose values are stored bin-major in lanes, as
 * doubles (lanes[k * LANES + f] is bin k of frame f): per bin, one weight times a contiguous
 * vector of the frames' values.  Each frame keeps its own double sum in the order of k,
 * exactly as banded_rows does, so the results do not depend on the lane count or on
 * the vector width the compiler picks (FG_CLONES).  The sums are eight vectors of four
 * doubles (GNU C vector types), so that they stay in registers and eight independent
 * additions hide each one's latency (with four, the loop waited on them: 1.5x slower
 * on a 40-band gammatone bank); the frames are put in
 * lanes by 4 x 4 transposes (__builtin_shufflevector: GCC >= 12, clang).  Elsewhere
 * every frame goes through the row kernel. */
#define LANES FG_BANDED_LANES
#if defined(__has_builtin)
#if __has_builtin(__builtin_shufflevector) && __has_builtin(__builtin_convertvector)
#define FG_LANE_VECTORS 1
#endif
#endif
#ifndef FG_LANE_VECTORS
#define FG_LANE_VECTORS 0
#endif

/* Spectral values of LANES frames into lanes, bin-major: the values themselves
 * (FORM_VALUE), the power re * re + im * im of complex rows (FORM_POWER), or the
 * magnitude sqrt(re * re + im * im) (FORM_MAGNITUDE); each in the type of the input.
 * With window taps (a, b), a complex value z[k] is first replaced by
 * a z[k] + b (z[k - 1] + z[k + 1]), z[-1] = conj(z[1]), z[n_bins] = conj(z[n_bins - 2]):
 * a two-term cosine window applied to the DFT of an even-length frame. */
#define FORM_VALUE 0
#define FORM_POWER 1
#define FORM_MAGNITUDE 2

/* The power of bin k of the complex row r, windowed by the taps (a, b) when tapped. */
#define DEFINE_BIN_POWER(NAME, T)                                             \
static inline T NAME(const T *r, size_t k, size_t n_bins, int tapped, T a,    \
                     T b)                                                     \
{                                                                             \
    T re = r[2 * k], im = r[2 * k + 1];                                       \
    if (tapped) {                                                             \
        size_t l = k == 0 ? 1 : k - 1, h = k + 1 == n_bins ? n_bins - 2 : k + 1;\
        T lre = r[2 * l], lim = k == 0 ? -r[2 * l + 1] : r[2 * l + 1];        \
        T hre = r[2 * h], him = k + 1 == n_bins ? -r[2 * h + 1] : r[2 * h + 1];\
        re = a * re + b * (lre + hre);                                        \
        im = a * im + b * (lim + him);                                        \
    }                                                                         \
    return re * re + im * im;                                                 \
}

DEFINE_BIN_POWER(bin_power_f64, double)
DEFINE_BIN_POWER(bin_power_f32, float)

/* v[i] = sqrt(v[i]), vectorised (-fno-math-errno, build.py; IEEE square roots: the
 * same values at any width). */
#define DEFINE_SQRT_ALL(NAME, T, SQRT)                                        \
FG_CLONES static void NAME(T *v, size_t n)                                    \
{                                                                             \
    for (size_t i = 0; i < n; i++)                                            \
        v[i] = SQRT(v[i]);                                                    \
}

DEFINE_SQRT_ALL(sqrt_all_f64, double, sqrt)
DEFINE_SQRT_ALL(sqrt_all_f32, float, sqrtf)

#if FG_LANE_VECTORS
typedef double fg_v4d __attribute__((vector_size(32)));
typedef float fg_v4f __attribute__((vector_size(16)));

/* Load four values of type T at p (unaligned) as a vector VT. */
#define LOAD4(VT, p) ({ VT v_; memcpy(&v_, (p), sizeof v_); v_; })

#define DEFINE_BANDED_LANES(NAME, T)                                          \
FG_CLONES_512 static void NAME(const double *lanes, size_t n_bins, const T *w,\
                           size_t n_bands, const size_t *first,               \
                           const size_t *stop, T *out)                        \
{                                                                             \
    for (size_t b = 0; b < n_bands; b++) {                                    \
        const T *wb = w + b * n_bins;                                         \
        fg_v4d a0 = {0.0, 0.0, 0.0, 0.0}, a1 = a0, a2 = a0, a3 = a0;          \
        fg_v4d a4 = a0, a5 = a0, a6 = a0, a7 = a0;                            \
        for (size_t k = first[b]; k < stop[b]; k++) {                         \
            double wk = (double)wb[k];                                        \
            fg_v4d wv = {wk, wk, wk, wk};                                     \
            const double *v = lanes + k * LANES;                              \
            a0 += LOAD4(fg_v4d, v) * wv;                                      \
            a1 += LOAD4(fg_v4d, v + 4) * wv;                                  \
            a2 += LOAD4(fg_v4d, v + 8) * wv;                                  \
            a3 += LOAD4(fg_v4d, v + 12) * wv;                                 \
            a4 += LOAD4(fg_v4d, v + 16) * wv;                                 \
            a5 += LOAD4(fg_v4d, v + 20) * wv;                                 \
            a6 += LOAD4(fg_v4d, v + 24) * wv;                                 \
            a7 += LOAD4(fg_v4d, v + 28) * wv;                                 \
        }                                                                     \
        for (size_t f = 0; f < 4; f++) {                                      \
            out[f * n_bands + b] = (T)a0[f];                                  \
            out[(f + 4) * n_bands + b] = (T)a1[f];                            \
            out[(f + 8) * n_bands + b] = (T)a2[f];                            \
            out[(f + 12) * n_bands + b] = (T)a3[f];                           \
            out[(f + 16) * n_bands + b] = (T)a4[f];                           \
            out[(f + 20) * n_bands + b] = (T)a5[f];                           \
            out[(f + 24) * n_bands + b] = (T)a6[f];                           \
            out[(f + 28) * n_bands + b] = (T)a7[f];                           \
        }                                                                     \
    }                                                                         \
}

DEFINE_BANDED_LANES(banded_lanes_f64, double)
DEFINE_BANDED_LANES(banded_lanes_f32, float)

/* The magnitude from the power held in double lanes, in the input's type: sqrt for
 * double, sqrtf of the (exact) float value for float, as the row path takes it. */
FG_CLONES static void lanes_sqrt_f64(double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        v[i] = sqrt(v[i]);
}

FG_CLONES static void lanes_sqrt_f32(double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        v[i] = (double)sqrtf((float)v[i]);
}

/* Four bins k..k+3 of four frames (rows n_bins or 2 n_bins apart) into lanes k..k+3,
 * columns f..f+3: a 4 x 4 transpose; complex rows give their (windowed) power first,
 * the same operations as bin_power.  Bins whose window reaches past either end go
 * through bin_power.  Four rows at a time over all bins: rows a multiple of 4 KiB
 * apart fall in the same L1 cache sets, and sixteen of them at once would evict each
 * other. */
#define DEFINE_TO_LANES(NAME, T, VT, SFX)                                     \
FG_CLONES static void NAME(const T *x, size_t n_bins, int form,               \
                           const T *taps, double *lanes)                      \
{                                                                             \
    size_t step = form == FORM_VALUE ? n_bins : 2 * n_bins;                   \
    int tapped = taps != NULL;                                                \
    T a = tapped ? taps[0] : 0, b = tapped ? taps[1] : 0;                     \
    size_t k0 = tapped ? 1 : 0, k1 = k0;                                      \
    while (k1 + 4 + k0 <= n_bins)                                             \
        k1 += 4;                          /* vector bins: [k0, k1) */         \
    for (size_t f = 0; f < LANES; f += 4) {                                   \
        for (size_t k = k0; k < k1; k += 4) {                                 \
            VT r[4];                                                          \
            for (size_t i = 0; i < 4; i++) {                                  \
                const T *row = x + (f + i) * step;                            \
                if (form == FORM_VALUE) {                                     \
                    r[i] = LOAD4(VT, row + k);                                \
                    continue;                                                 \
                }                                                             \
                VT lo = LOAD4(VT, row + 2 * k);                               \
                VT hi = LOAD4(VT, row + 2 * k + 4);                           \
                if (tapped) {                                                 \
                    VT av = {a, a, a, a}, bv = {b, b, b, b};                  \
                    lo = av * lo + bv * (LOAD4(VT, row + 2 * k - 2) +         \
                                         LOAD4(VT, row + 2 * k + 2));         \
                    hi = av * hi + bv * (LOAD4(VT, row + 2 * k + 2) +         \
                                         LOAD4(VT, row + 2 * k + 6));         \
                }                                                             \
                VT re = __builtin_shufflevector(lo, hi, 0, 2, 4, 6);          \
                VT im = __builtin_shufflevector(lo, hi, 1, 3, 5, 7);          \
                r[i] = re * re + im * im;                                     \
            }                                                                 \
            VT t0 = __builtin_shufflevector(r[0], r[1], 0, 4, 1, 5);          \
            VT t1 = __builtin_shufflevector(r[0], r[1], 2, 6, 3, 7);          \
            VT t2 = __builtin_shufflevector(r[2], r[3], 0, 4, 1, 5);          \
            VT t3 = __builtin_shufflevector(r[2], r[3], 2, 6, 3, 7);          \
            VT c[4] = {__builtin_shufflevector(t0, t2, 0, 1, 4, 5),           \
                       __builtin_shufflevector(t0, t2, 2, 3, 6, 7),           \
                       __builtin_shufflevector(t1, t3, 0, 1, 4, 5),           \
                       __builtin_shufflevector(t1, t3, 2, 3, 6, 7)};          \
            for (size_t j = 0; j < 4; j++) {                                  \
                fg_v4d d = __builtin_convertvector(c[j], fg_v4d);             \
                memcpy(lanes + (k + j) * LANES + f, &d, sizeof d);            \
            }                                                                 \
        }                                                                     \
    }                                                                         \
    for (size_t k = 0; k < n_bins; k++) {                                     \
        if (k == k0 && k1 > k0)                                               \
            k = k1;                                                           \
        if (k >= n_bins)                                                      \
            break;                                                            \
        for (size_t f = 0; f < LANES; f++) {                                  \
            const T *row = x + f * step;                                      \
            lanes[k * LANES + f] = form == FORM_VALUE ? row[k] :              \
                bin_power_##SFX(row, k, n_bins, tapped, a, b);                \
        }                                                                     \
    }                                                                         \
    if (form == FORM_MAGNITUDE)                                               \
        lanes_sqrt_##SFX(lanes, n_bins * LANES);                              \
}

DEFINE_TO_LANES(to_lanes_f64, double, fg_v4d, f64)
DEFINE_TO_LANES(to_lanes_f32, float, fg_v4f, f32)
#endif

/* One group of LANES frames: into lanes, then the product (never called without lane
 * vectors: FG_LANE_VECTORS is 0 there). */
#define DEFINE_LANE_GROUP(NAME, T, SFX)                                       \
static void NAME(const T *x, size_t n_bins, int form, const T *taps,          \
                 const T *w, size_t n_bands, const size_t *first,             \
                 const size_t *stop, double *work, T *out)                    \
{                                                                             \
    LANE_GROUP_BODY(SFX)                                                      \
}
#if FG_LANE_VECTORS
#define LANE_GROUP_BODY(SFX)                                                  \
    to_lanes_##SFX(x, n_bins, form, taps, work);                              \
    banded_lanes_##SFX(work, n_bins, w, n_bands, first, stop, out);
#else
#define LANE_GROUP_BODY(SFX)                                                  \
    (void)x; (void)n_bins; (void)form; (void)taps; (void)w; (void)n_bands;    \
    (void)first; (void)stop; (void)work; (void)out;
#endif
DEFINE_LANE_GROUP(lane_group_f64, double, f64)
DEFINE_LANE_GROUP(lane_group_f32, float, f32)

/* n_frames rows of x (values, or complex spectra for the power or magnitude forms; no
 * checks): LANES frames at a time through the lanes, then up to four at a time through
 * the row kernel (a complex remainder goes through work as rows first). */
#define DEFINE_BANDED(NAME, T, SFX)                                           \
static void NAME(const T *x, size_t n_frames, size_t n_bins, int form,        \
                 const T *taps, const T *w, size_t n_bands,                   \
                 const size_t *first, const size_t *stop, double *work,       \
                 T *out)                                                      \
{                                                                             \
    T *rw = (T *)(void *)work;          /* the row path's frames, in type T */ \
    size_t step = form == FORM_VALUE ? n_bins : 2 * n_bins, t = 0;            \
    for (; FG_LANE_VECTORS && t + LANES <= n_frames; t += LANES)              \
        lane_group_##SFX(x + t * step, n_bins, form, taps, w, n_bands, first, \
                         stop, work, out + t * n_bands);                      \
    for (; t < n_frames; t += 4) {                                            \
        size_t m = n_frames - t < 4 ? n_frames - t : 4;                       \
        const T *rows = x + t * step;                                         \
        if (form != FORM_VALUE) {                                             \
            int tapped = taps != NULL;                                        \
            T a = tapped ? taps[0] : 0, b = tapped ? taps[1] : 0;             \
            for (size_t i = 0; i < m; i++)                                    \
                for (size_t k = 0; k < n_bins; k++)                           \
                    rw[i * n_bins + k] = bin_power_##SFX(                     \
                        rows + i * step, k, n_bins, tapped, a, b);            \
            if (form == FORM_MAGNITUDE)                                       \
                sqrt_all_##SFX(rw, m * n_bins);                               \
            rows = rw;                                                        \
        }                                                                     \
        banded_rows_##SFX(rows, m, n_bins, w, n_bands, first, stop,           \
                          out + t * n_bands);                                 \
    }                                                                         \
}

DEFINE_BANDED(banded_f64, double, f64)
DEFINE_BANDED(banded_f32, float, f32)

#define BANDED_CHECKS                                                         \
    if (n_bins != 0 && n_frames > SIZE_MAX / (2 * n_bins))                    \
        return FG_EINVAL;                                                     \
    if (n_bands != 0 && n_frames > SIZE_MAX / n_bands)                        \
        return FG_EINVAL;                                                     \
    if (n_bins > SIZE_MAX / (2 * LANES))                                      \
        return FG_EINVAL;                                                     \
    if (n_frames == 0 || n_bands == 0)                                        \
        return FG_OK;                                                         \
    if (x == NULL || work == NULL || w == NULL || first == NULL ||            \
        stop == NULL || out == NULL)                                          \
        return FG_EINVAL;                                                     \
    for (size_t b = 0; b < n_bands; b++)                                      \
        if (first[b] > stop[b] || stop[b] > n_bins)                           \
            return FG_EINVAL;

/* The power and magnitude forms' taps (NULL: none), checked and rounded to T in t2. */
#define TAPS_CHECK(T)                                                         \
    T t2[2] = {0, 0};                                                         \
    if (taps != NULL) {                                                       \
        if (n_bins < 2)                                                       \
            return FG_EINVAL;                                                 \
        if (!isfinite(taps[0]) || !isfinite(taps[1]))                         \
            return FG_EDOMAIN;                                                \
        t2[0] = (T)taps[0];                                                   \
        t2[1] = (T)taps[1];                                                   \
    }

int fg_banded_filterbank_f64(const double *x, size_t n_frames, size_t n_bins,
                             const double *w, size_t n_bands, const size_t *first,
                             const size_t *stop, double *work, double *out)
{
    BANDED_CHECKS
    banded_f64(x, n_frames, n_bins, FORM_VALUE, NULL, w, n_bands, first, stop, work, out);
    return FG_OK;
}

int fg_banded_filterbank_f32(const float *x, size_t n_frames, size_t n_bins,
                             const float *w, size_t n_bands, const size_t *first,
                             const size_t *stop, double *work, float *out)
{
    BANDED_CHECKS
    banded_f32(x, n_frames, n_bins, FORM_VALUE, NULL, w, n_bands, first, stop, work, out);
    return FG_OK;
}

int fg_banded_power_filterbank_f64(const double *x, size_t n_frames, size_t n_bins,
                                   const double *w, size_t n_bands, const size_t *first,
                                   const size_t *stop, const double *taps, double *work,
                                   double *out)
{
    BANDED_CHECKS
    TAPS_CHECK(double)
    banded_f64(x, n_frames, n_bins, FORM_POWER, taps != NULL ? t2 : NULL, w, n_bands,
               first, stop, work, out);
    return FG_OK;
}

int fg_banded_power_filterbank_f32(const float *x, size_t n_frames, size_t n_bins,
                                   const float *w, size_t n_bands, const size_t *first,
                                   const size_t *stop, const double *taps, double *work,
                                   float *out)
{
    BANDED_CHECKS
    TAPS_CHECK(float)
    banded_f32(x, n_frames, n_bins, FORM_POWER, taps != NULL ? t2 : NULL, w, n_bands,
               first, stop, work, out);
    return FG_OK;
}

int fg_banded_magnitude_filterbank_f64(const double *x, size_t n_frames, size_t n_bins,
                                       const double *w, size_t n_bands, const size_t *first,
                                       const size_t *stop, const double *taps, double *work,
                                       double *out)
{
    BANDED_CHECKS
    TAPS_CHECK(double)
    banded_f64(x, n_frames, n_bins, FORM_MAGNITUDE, taps != NULL ? t2 : NULL, w, n_bands,
               first, stop, work, out);
    return FG_OK;
}

int fg_banded_magnitude_filterbank_f32(const float *x, size_t n_frames, size_t n_bins,
                                       const float *w, size_t n_bands, const size_t *first,
                                       const size_t *stop, const double *taps, double *work,
                                       float *out)
{
    BANDED_CHECKS
    TAPS_CHECK(float)
    banded_f32(x, n_frames, n_bins, FORM_MAGNITUDE, taps != NULL ? t2 : NULL, w, n_bands,
               first, stop, work, out);
    return FG_OK;
}
