/*
 * Constant-Q basis product: a sparse complex filter basis times the spectra of many frames.
 *
 *   out[t, out_col0 + r] = sum_{k = first[r]}^{stop[r] - 1} w[r, k] spec[t, col0 + k]
 *
 * spec (n_frames, spec_stride) complex, w (n_rows, n_cols) complex double, out
 * (n_frames, out_stride) complex, all row-major with (re, im) interleaved.  Each row of
 * a constant-Q FFT basis (librosa's sparse basis: the smallest 1 % of its L1 mass
 * dropped) is non-zero on a dozen bins or two around its centre frequency, so the rows
 * are summed over their support [first, stop) only.
 *
 * Frames go LANES (16) at a time through a work buffer, bin-major and split into real
 * and imaginary parts (bin k of these frames side by side), so that each basis value
 * multiplies a contiguous vector of frames.  Products and sums are in the type of spec
 * (the basis values rounded to it), and every frame keeps its own sums, in the order of
 * k: the result of a frame does not depend on the others, on the lane count or on the
 * vector width (FG_CLONES; no contraction into fused multiply-adds).  The numpy
 * definition (in complex128) is featgraph.native.reference_transforms.cq_product.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "featgraph.h"
#include "simd.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

/* index of the lowest set bit of x != 0 */
static inline unsigned fg_ctz64(uint64_t x)
{
#if defined(__GNUC__) || defined(__clang__)
    return (unsigned)__builtin_ctzll(x);
#else
    unsigned i = 0;
    while (!(x & 1)) {
        x >>= 1;
        i++;
    }
    return i;
#endif
}

/* the eight flags (0 or 1) at f as a word whose byte i (bits 8 i ..) is flag i */
static inline uint64_t fg_flag_word(const unsigned char *f)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t w;
    memcpy(&w, f, 8);
    return w;
#else
    uint64_t w = 0;
    for (unsigned i = 0; i < 8; i++)
        w |= (uint64_t)f[i] << (8 * i);
    return w;
#endif
}

#define LANES 16

/* The rows for one group of LANES frames held in work, bin-major: re of bin k at
 * work[(2 k) LANES ..], im at work[(2 k + 1) LANES ..]; sums in A (the type of work),
 * the basis values rounded to A. */
#define DEFINE_CQ_LANES(NAME, A)                                                     \
FG_CLONES static void NAME(const A *work, const double *w, size_t n_rows,             \
                           size_t n_cols, const size_t *first, const size_t *stop,    \
                           A *acc)                                                    \
{                                                                                     \
    for (size_t r = 0; r < n_rows; r++) {                                             \
        const double *wr = w + 2 * r * n_cols;                                        \
        A are[LANES] = {0}, aim[LANES] = {0};                                         \
        for (size_t k = first[r]; k < stop[r]; k++) {                                 \
            const A br = (A)wr[2 * k], bi = (A)wr[2 * k + 1];                         \
            const A *sre = work + 2 * k * LANES, *sim = sre + LANES;                  \
            for (size_t f = 0; f < LANES; f++) {                                      \
                are[f] += br * sre[f] - bi * sim[f];                                  \
                aim[f] += br * sim[f] + bi * sre[f];                                  \
            }                                                                         \
        }                                                                             \
        A *a = acc + 2 * r * LANES;                                                   \
        for (size_t f = 0; f < LANES; f++) {                                          \
            a[f] = are[f];                                                            \
            a[LANES + f] = aim[f];                                                    \
        }                                                                             \
    }                                                                                 \
}

DEFINE_CQ_LANES(cq_lanes_f64, double)
DEFINE_CQ_LANES(cq_lanes_f32, float)

#define DEFINE_CQ_PRODUCT(NAME, T, LANES_FN)                                                 \
static int NAME(const T *spec, size_t n_frames, size_t spec_stride, size_t col0,             \
         const double *w, size_t n_rows, size_t n_cols, const size_t *first,          \
         const size_t *stop, T *out, size_t out_stride, size_t out_col0)               \
{                                                                                     \
    if (n_frames == 0 || n_rows == 0)                                                 \
        return FG_OK;                                                                 \
    if (!spec || !w || !first || !stop || !out)                                       \
        return FG_EINVAL;                                                             \
    if (col0 > spec_stride || n_cols > spec_stride - col0                             \
        || out_col0 > out_stride || n_rows > out_stride - out_col0                    \
        || n_cols > SIZE_MAX / (2 * LANES) || n_rows > SIZE_MAX / (2 * LANES))        \
        return FG_EINVAL;                                                             \
    for (size_t r = 0; r < n_rows; r++)                                               \
        if (first[r] > stop[r] || stop[r] > n_cols)                                   \
            return FG_EINVAL;                                                         \
    /* work: 2 n_cols LANES values of spectra, then 2 n_rows LANES sums */            \
    T *work = malloc(2 * LANES * (n_cols + n_rows) * sizeof(T));                      \
    if (!work)                                                                        \
        return FG_ENOMEM;                                                             \
    T *acc = work + 2 * n_cols * LANES;                                               \
    for (size_t t0 = 0; t0 < n_frames; t0 += LANES) {                                 \
        size_t nf = n_frames - t0 < LANES ? n_frames - t0 : LANES;                    \
        const T *src[LANES];                                                          \
        for (size_t f = 0; f < LANES; f++)      /* missing frames: repeat the last */ \
            src[f] = spec + 2 * ((t0 + (f < nf ? f : nf - 1)) * spec_stride + col0);  \
        for (size_t k = 0; k < n_cols; k++) {                                         \
            T *wk = work + 2 * k * LANES;                                             \
            for (size_t f = 0; f < LANES; f++) {                                      \
                wk[f] = src[f][2 * k];                                                \
                wk[LANES + f] = src[f][2 * k + 1];                                    \
            }                                                                         \
        }                                                                             \
        LANES_FN(work, w, n_rows, n_cols, first, stop, acc);                          \
        for (size_t f = 0; f < nf; f++) {                                             \
            T *o = out + 2 * ((t0 + f) * out_stride + out_col0);                      \
            for (size_t r = 0; r < n_rows; r++) {                                     \
                o[2 * r] = acc[2 * r * LANES + f];                                    \
                o[2 * r + 1] = acc[(2 * r + 1) * LANES + f];                          \
            }                                                                         \
        }                                                                             \
    }                                                                                 \
    free(work);                                                                       \
    return FG_OK;                                                                     \
}

DEFINE_CQ_PRODUCT(cq_product_f64, double, cq_lanes_f64)
DEFINE_CQ_PRODUCT(cq_product_f32, float, cq_lanes_f32)

int fg_cq_product_f64(const double *spec, size_t n_frames, size_t spec_stride, size_t col0,
                      const double *w, size_t n_rows, size_t n_cols, const size_t *first,
                      const size_t *stop, double *out, size_t out_stride, size_t out_col0)
{
    return cq_product_f64(spec, n_frames, spec_stride, col0, w, n_rows, n_cols, first, stop,
                          out, out_stride, out_col0);
}

int fg_cq_product_f32(const float *spec, size_t n_frames, size_t spec_stride, size_t col0,
                      const double *w, size_t n_rows, size_t n_cols, const size_t *first,
                      const size_t *stop, float *out, size_t out_stride, size_t out_col0)
{
    return cq_product_f32(spec, n_frames, spec_stride, col0, w, n_rows, n_cols, first, stop,
                          out, out_stride, out_col0);
}

/*
 * The constant-Q filters in the time domain (featgraph.h, fg_cq_frames): FB frames at a
 * time, FG_CQ_FRAME_COLS columns of h at a time, so that the FB x FG_CQ_FRAME_COLS sums
 * stay in vector registers (AVX2, float: 4 x 3 vectors) while each row of h is read once
 * per FB frames.  Every sum runs over j in order from 0, in T, one fused multiply-add
 * (fma/fmaf: a single IEEE rounding, the same in every clone of FG_CLONES_FMA and in the
 * AVX-512 path below) per term, whether its frame is in a group of FB or in the
 * remainder.  The numpy definition, featgraph.native.reference_transforms.cq_frames,
 * rounds products and sums apart: the two agree to rounding (tests: within 2 n_fft eps
 * sum |y h|).  Fused, the sums cost half the vector operations (with the AVX-512 path:
 * 27 -> 18 ms for the seven octaves of the VQT preset's sizes, 600 s of random float32).
 *
 * While a group is summed, the samples of the next group's frames are prefetched (one
 * cache line every 4 values of j: FB n_fft / 4 lines, which is each of the FB frames'
 * n_fft samples for 16 floats or 8 doubles a line).  With hop >= n_fft (the top octave
 * of the CQT/VQT presets: hop 512, n_fft 256) every group reads FB separate runs of
 * n_fft samples from memory, too short for the hardware prefetchers to run ahead: the
 * prefetch took the top octaves of 600 s in float32 from 14 to 9 ms (measured on
 * random data, the octave sizes of the VQT preset).  The lines of out the next group
 * writes are prefetched for writing as well: an octave writes 24 of each output row's
 * columns, rows far apart in an output much larger than the cache, and waiting for those
 * lines cost about as much as the sums of a short octave (32 to 128 points: 2.2 ->
 * 1.2 ms, 4.4 -> 2.7 ms; all seven octaves of the VQT 34 -> 26 ms).  Prefetches are
 * hints only: the sums are unchanged.
 */
#define CQ_COLS FG_CQ_FRAME_COLS

/*
 * With AVX-512F (checked at run time; GCC or clang on x86-64, not with -DFG_NO_CLONES)
 * the frames go a vector at a time instead (cq_frames_wide_*): one lane per frame, 16
 * floats or 8 doubles, each lane's samples gathered at a stride of hop, and each of the
 * CQ_COLS columns of h an accumulator of its own (24 of the 32 registers), so that every
 * fused multiply-add is a whole vector (the column-wise layout above fills 24 columns
 * with AVX2's 8 floats, but not with 16).  Every lane sums its own frame in the order of
 * j, one fused multiply-add per term: the results are those of the loop above, bit for
 * bit.  The sums of a group are stored column by column into a small
 * buffer and copied to the rows of out; the next group's samples are prefetched as
 * above.  Returns the number of frames done (a multiple of the lane count; the caller
 * does the rest); 0 without AVX-512F, or when an index (lanes - 1) hop + n_fft does not
 * fit an int.
 */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(FG_NO_CLONES)
#include <immintrin.h>
#include <limits.h>

#define DEFINE_CQ_WIDE(NAME, T, LANES, VEC, IDX, SETIDX, ZERO, GATHER, SET1, FMA, STORE) \
__attribute__((target("avx512f")))                                                    \
static void NAME##_group(const T *y, size_t hop, size_t n_fft, const T *h, size_t m,  \
                         IDX idx, T res[CQ_COLS][LANES], const T *next)               \
{                                                                                     \
    VEC acc[CQ_COLS];                   /* every loop over c unrolled: registers */   \
    _Pragma("GCC unroll 24")                                                          \
    for (size_t c = 0; c < CQ_COLS; c++)                                              \
        acc[c] = ZERO();                                                              \
    for (size_t j = 0; j < n_fft; j++) {                                              \
        const T *hj = h + j * m;                                                      \
        if (next)                       /* LANES T a line: frame j % LANES, its */   \
            FG_PREFETCH(next + (j % LANES) * hop + j / LANES * LANES); /* line j / LANES */\
        VEC v = GATHER(idx, y + j, sizeof(T));                                        \
        _Pragma("GCC unroll 24")                                                      \
        for (size_t c = 0; c < CQ_COLS; c++)                                          \
            acc[c] = FMA(v, SET1(hj[c]), acc[c]);                                \
    }                                                                                 \
    _Pragma("GCC unroll 24")                                                          \
    for (size_t c = 0; c < CQ_COLS; c++)                                              \
        STORE(res[c], acc[c]);                                                        \
}                                                                                     \
                                                                                      \
__attribute__((target("avx512f")))                                                    \
static size_t NAME##_run(const T *y, size_t hop, size_t n_fft, size_t n_frames,       \
                         const T *h, size_t m, size_t m_out, T *out,                  \
                         size_t out_stride, size_t out_col0)                          \
{                                                                                     \
    IDX idx = SETIDX((int)hop);                                                       \
    T res[CQ_COLS][LANES];                                                            \
    size_t t = 0;                                                                     \
    for (; t + LANES <= n_frames; t += LANES)                                         \
        for (size_t c0 = 0; c0 < m_out; c0 += CQ_COLS) {                              \
            const T *next = c0 + CQ_COLS >= m_out && t + 2 * LANES <= n_frames         \
                            ? y + (t + LANES) * hop : NULL;   /* the next group */    \
            size_t nc = m_out - c0 < CQ_COLS ? m_out - c0 : CQ_COLS;                  \
            NAME##_group(y + t * hop, hop, n_fft, h + c0, m, idx, res, next);         \
            for (size_t f = 0; f < LANES; f++) {                                      \
                T *o = out + (t + f) * out_stride + out_col0 + c0;                    \
                for (size_t c = 0; c < nc; c++)                                       \
                    o[c] = res[c][f];                                                 \
            }                                                                         \
        }                                                                             \
    return t;                                                                         \
}                                                                                     \
                                                                                      \
static size_t NAME(const T *y, size_t hop, size_t n_fft, size_t n_frames, const T *h, \
                   size_t m, size_t m_out, T *out, size_t out_stride, size_t out_col0) \
{                                                                                     \
    if (n_frames < LANES || hop > (size_t)(INT_MAX - n_fft) / LANES)                  \
        return 0;                                                                     \
    __builtin_cpu_init();                                                             \
    if (!__builtin_cpu_supports("avx512f"))                                           \
        return 0;                                                                     \
    return NAME##_run(y, hop, n_fft, n_frames, h, m, m_out, out, out_stride,          \
                      out_col0);                                                      \
}

__attribute__((target("avx512f")))
static inline __m512i cq_stride_f32(int hop)
{
    return _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
                                                13, 14, 15), _mm512_set1_epi32(hop));
}

__attribute__((target("avx512f")))
static inline __m256i cq_stride_f64(int hop)
{
    return _mm256_setr_epi32(0, hop, 2 * hop, 3 * hop, 4 * hop, 5 * hop, 6 * hop, 7 * hop);
}

#define CQ_GATHER_F32(idx, p, s) _mm512_i32gather_ps((idx), (const void *)(p), 4)
#define CQ_GATHER_F64(idx, p, s) _mm512_i32gather_pd((idx), (const void *)(p), 8)

DEFINE_CQ_WIDE(cq_frames_f32_wide, float, 16, __m512, __m512i, cq_stride_f32,
               _mm512_setzero_ps, CQ_GATHER_F32, _mm512_set1_ps, _mm512_fmadd_ps,
               _mm512_storeu_ps)
DEFINE_CQ_WIDE(cq_frames_f64_wide, double, 8, __m512d, __m256i, cq_stride_f64,
               _mm512_setzero_pd, CQ_GATHER_F64, _mm512_set1_pd, _mm512_fmadd_pd,
               _mm512_storeu_pd)
#else
#define CQ_NO_WIDE(NAME, T)                                                           \
static size_t NAME(const T *y, size_t hop, size_t n_fft, size_t n_frames, const T *h, \
                   size_t m, size_t m_out, T *out, size_t out_stride, size_t out_col0) \
{                                                                                     \
    (void)y; (void)hop; (void)n_fft; (void)n_frames; (void)h; (void)m; (void)m_out;   \
    (void)out; (void)out_stride; (void)out_col0;                                      \
    return 0;                                                                         \
}
CQ_NO_WIDE(cq_frames_f32_wide, float)
CQ_NO_WIDE(cq_frames_f64_wide, double)
#endif

#define DEFINE_CQ_FRAMES(NAME, T, FB, FMA)                                            \
FG_CLONES_FMA static void NAME##_group(const T *y, size_t hop, size_t n_fft, const T *h,  \
                                   size_t m, T res[FB][CQ_COLS], const T *next)       \
{                                                                                     \
    T acc[FB][CQ_COLS];                 /* local: not aliased, kept in registers */   \
    memset(acc, 0, sizeof acc);                                                       \
    for (size_t j = 0; j < n_fft; j++) {                                              \
        const T *hj = h + j * m;                                                      \
        if (next && j % 4 == 0)          /* line j / 4 / FB of frame j / 4 % FB */    \
            FG_PREFETCH(next + (j / 4 % FB) * hop + j / 4 / FB * (64 / sizeof(T)));   \
        for (size_t f = 0; f < FB; f++) {                                             \
            const T v = y[f * hop + j];                                               \
            for (size_t c = 0; c < CQ_COLS; c++)                                      \
                acc[f][c] = FMA(v, hj[c], acc[f][c]);                                 \
        }                                                                             \
    }                                                                                 \
    memcpy(res, acc, sizeof acc);                                                     \
}                                                                                     \
                                                                                      \
FG_CLONES_FMA static void NAME##_one(const T *y, size_t n_fft, const T *h, size_t m,  \
                                     T res[CQ_COLS])                                  \
{                                                                                     \
    T acc[CQ_COLS];                                                                   \
    memset(acc, 0, sizeof acc);                                                       \
    for (size_t j = 0; j < n_fft; j++)                                                \
        for (size_t c = 0; c < CQ_COLS; c++)                                          \
            acc[c] = FMA(y[j], h[j * m + c], acc[c]);                                 \
    memcpy(res, acc, sizeof acc);                                                     \
}                                                                                     \
                                                                                      \
static int NAME(const T *y, size_t n, size_t hop, size_t n_fft, size_t n_frames,      \
                const T *h, size_t m, size_t m_out, T *out, size_t out_stride,        \
                size_t out_col0)                                                      \
{                                                                                     \
    if (n_frames == 0 || m_out == 0)                                                  \
        return FG_OK;                                                                 \
    if (!y || !h || !out || hop < 1 || m % CQ_COLS || m_out > m                       \
        || out_col0 > out_stride || m_out > out_stride - out_col0                     \
        || n_fft > n || (n_frames - 1) > (n - n_fft) / hop)                           \
        return FG_EINVAL;                                                             \
    T acc[FB][CQ_COLS];                                                               \
    size_t t = NAME##_wide(y, hop, n_fft, n_frames, h, m, m_out, out, out_stride,     \
                           out_col0);             /* frames done 16 (8) at a time */  \
    for (; t + FB <= n_frames; t += FB)                                               \
        for (size_t c0 = 0; c0 < m_out; c0 += CQ_COLS) {                              \
            const T *next = c0 == 0 && t + 2 * FB <= n_frames                          \
                            ? y + (t + FB) * hop : NULL;      /* the next group */    \
            size_t nc = m_out - c0 < CQ_COLS ? m_out - c0 : CQ_COLS;                  \
            for (size_t f = FB; f < 2 * FB && t + 2 * FB <= n_frames; f++) {          \
                T *o = out + (t + f) * out_stride + out_col0 + c0;                    \
                for (size_t k = 0; k < nc; k += 64 / sizeof(T))                       \
                    FG_PREFETCH_W(o + k);                                             \
                FG_PREFETCH_W(o + nc - 1);      /* every line of the next rows */     \
            }                                                                         \
            NAME##_group(y + t * hop, hop, n_fft, h + c0, m, acc, next);              \
            for (size_t f = 0; f < FB; f++)                                           \
                memcpy(out + (t + f) * out_stride + out_col0 + c0, acc[f],            \
                       nc * sizeof(T));                                               \
        }                                                                             \
    for (; t < n_frames; t++)                                                         \
        for (size_t c0 = 0; c0 < m_out; c0 += CQ_COLS) {                              \
            NAME##_one(y + t * hop, n_fft, h + c0, m, acc[0]);                        \
            size_t nc = m_out - c0 < CQ_COLS ? m_out - c0 : CQ_COLS;                  \
            memcpy(out + t * out_stride + out_col0 + c0, acc[0], nc * sizeof(T));     \
        }                                                                             \
    return FG_OK;                                                                     \
}

DEFINE_CQ_FRAMES(cq_frames_f64, double, 2, fma)
DEFINE_CQ_FRAMES(cq_frames_f32, float, 4, fmaf)

int fg_cq_frames_f64(const double *y, size_t n, size_t hop, size_t n_fft, size_t n_frames,
                     const double *h, size_t m, size_t m_out, double *out,
                     size_t out_stride, size_t out_col0)
{
    return cq_frames_f64(y, n, hop, n_fft, n_frames, h, m, m_out, out, out_stride, out_col0);
}

int fg_cq_frames_f32(const float *y, size_t n, size_t hop, size_t n_fft, size_t n_frames,
                     const float *h, size_t m, size_t m_out, float *out,
                     size_t out_stride, size_t out_col0)
{
    return cq_frames_f32(y, n, hop, n_fft, n_frames, h, m, m_out, out, out_stride, out_col0);
}

/*
 * Spectral peaks for the tuning estimate (featgraph.nodes._tuning, librosa's piptrack
 * definition): per frame of spec (n_frames, n_bins) complex, the frame's maximum
 * magnitude sqrt(max_k (re^2 + im^2)) over all bins; with the magnitudes mag (n_frames,
 * k1 - k0 + 3) of bins k0 - 1 .. k1 + 1 (numpy's abs, whose hypot the caller chooses),
 * the bins k0 .. k1 whose magnitude, with every value at or below threshold * maximum set to 0, is
 * above the left neighbour's and at least the right one's are peaks; with l, c, r the
 * unmasked magnitudes at k - 1, k, k + 1: a = (r + l) - 2 c, b = (r - l) / 2, shift = 0
 * when |b| >= |a| else -b / a; frequency ((double)k + shift) bin_hz, magnitude c + (0.5 b)
 * shift.  The operations of the numpy definition (featgraph.native.reference_transforms.
 * tuning_peaks) in its order and type, so that the two agree bit for bit.
 */
/* max_k (re^2 + im^2) of n >= 1 interleaved complex values (the maximum does not depend
 * on the order: any vector width gives the same value for finite input). */
#define DEFINE_MAX_POWER(NAME, T)                                                     \
FG_CLONES FG_NO_TRAPS static T NAME(const T *z, size_t n)                             \
{                                                                                     \
    T m[8], p[64];                                                                    \
    for (size_t j = 0; j < 8; j++)                                                    \
        m[j] = z[0] * z[0] + z[1] * z[1];                                             \
    size_t k = 0;                                                                     \
    for (; k + 64 <= n; k += 64) {                                                    \
        const T *zk = z + 2 * k;                                                      \
        for (size_t j = 0; j < 64; j++)                                               \
            p[j] = zk[2 * j] * zk[2 * j] + zk[2 * j + 1] * zk[2 * j + 1];             \
        for (size_t i = 0; i < 64; i += 8)                                            \
            for (size_t j = 0; j < 8; j++)                                            \
                m[j] = p[i + j] > m[j] ? p[i + j] : m[j];                             \
    }                                                                                 \
    for (; k < n; k++) {                                                              \
        T q = z[2 * k] * z[2 * k] + z[2 * k + 1] * z[2 * k + 1];                      \
        m[0] = q > m[0] ? q : m[0];                                                   \
    }                                                                                 \
    T best = m[0];                                                                    \
    for (size_t j = 1; j < 8; j++)                                                    \
        best = m[j] > best ? m[j] : best;                                             \
    return best;                                                                      \
}

DEFINE_MAX_POWER(max_power_f64, double)
DEFINE_MAX_POWER(max_power_f32, float)

/* flag[j] = 1 where bin k0 + j of m (m[k]: bin k) is a peak of the magnitudes masked at
 * thr (above the left neighbour, at least the right one), else 0: comparisons and selects
 * only, so the loop vectorises (one pass over the bins, no branch per bin). */
#define DEFINE_PEAK_FLAGS(NAME, T)                                                    \
FG_CLONES FG_NO_TRAPS static void NAME(const T *m, size_t k0, size_t nk, T thr,       \
                                       unsigned char *flag)                           \
{                                                                                     \
    const T *c = m + k0;                                                              \
    for (size_t j = 0; j < nk; j++) {                                                 \
        T l = c[j - 1], v = c[j], r = c[j + 1];                                       \
        T ml = l > thr ? l : (T)0, mc = v > thr ? v : (T)0, mr = r > thr ? r : (T)0;  \
        flag[j] = (unsigned char)((mc > ml) & (mc >= mr));                            \
    }                                                                                 \
}

DEFINE_PEAK_FLAGS(peak_flags_f64, double)
DEFINE_PEAK_FLAGS(peak_flags_f32, float)

/* The peaks flagged, in increasing k, eight flags at a time (a zero word skips eight
 * bins; within a word the lowest set byte first). */
#define DEFINE_TUNING_PEAKS(NAME, T, SQRT, FABS, MAXP, FLAGS)                         \
static int NAME(const T *spec, size_t n_frames, size_t n_bins, const T *mag, size_t k0,      \
         size_t k1, double threshold, double bin_hz, double *freq, T *peak,           \
         size_t *n_peaks)                                                             \
{                                                                                     \
    if (!n_peaks)                                                                     \
        return FG_EINVAL;                                                             \
    *n_peaks = 0;                                                                     \
    if (n_frames == 0)                                                                \
        return FG_OK;                                                                 \
    if (!spec || !mag || !freq || !peak || k0 < 1 || k1 < k0 || k1 + 2 > n_bins)             \
        return FG_EINVAL;                                                             \
    const size_t nk = k1 - k0 + 1, nw = (nk + 7) / 8;                                 \
    unsigned char *flag = calloc(8 * nw, 1);            /* the tail stays zero */     \
    if (!flag)                                                                        \
        return FG_ENOMEM;                                                             \
    const T thr_scale = (T)threshold;                                                 \
    size_t n = 0;                                                                     \
    for (size_t t = 0; t < n_frames; t++) {                                           \
        const T *z = spec + 2 * t * n_bins;                                           \
        const T thr = thr_scale * SQRT(MAXP(z, n_bins));                                         \
        const T *m = mag + t * (k1 - k0 + 3) - (k0 - 1);   /* m[k]: bin k */          \
        FLAGS(m, k0, nk, thr, flag);                                                  \
        for (size_t w = 0; w < nw; w++) {                                             \
            uint64_t bits = fg_flag_word(flag + 8 * w);                               \
            while (bits) {                                                            \
                size_t k = k0 + 8 * w + (size_t)(fg_ctz64(bits) / 8);                \
                bits &= bits - 1;                                                     \
                T l = m[k - 1], c = m[k], r = m[k + 1];                               \
                T a = (r + l) - (T)2 * c;                                             \
                T b = (r - l) / (T)2;                                                 \
                T shift = FABS(b) >= FABS(a) ? (T)0 : -b / a;                         \
                freq[n] = ((double)k + (double)shift) * bin_hz;                       \
                peak[n] = c + (T)0.5 * b * shift;                                     \
                n++;                                                                  \
            }                                                                         \
        }                                                                             \
    }                                                                                 \
    free(flag);                                                                       \
    *n_peaks = n;                                                                     \
    return FG_OK;                                                                     \
}

DEFINE_TUNING_PEAKS(tuning_peaks_f64, double, sqrt, fabs, max_power_f64, peak_flags_f64)
DEFINE_TUNING_PEAKS(tuning_peaks_f32, float, sqrtf, fabsf, max_power_f32, peak_flags_f32)

int fg_cq_tuning_peaks_f64(const double *spec, size_t n_frames, size_t n_bins,
                           const double *mag, size_t k0, size_t k1, double threshold,
                           double bin_hz, double *freq, double *peak, size_t *n_peaks)
{
    return tuning_peaks_f64(spec, n_frames, n_bins, mag, k0, k1, threshold, bin_hz, freq, peak,
                            n_peaks);
}

int fg_cq_tuning_peaks_f32(const float *spec, size_t n_frames, size_t n_bins,
                           const float *mag, size_t k0, size_t k1, double threshold,
                           double bin_hz, double *freq, float *peak, size_t *n_peaks)
{
    return tuning_peaks_f32(spec, n_frames, n_bins, mag, k0, k1, threshold, bin_hz, freq, peak,
                            n_peaks);
}
