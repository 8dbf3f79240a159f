/*
 * One pass over a block of samples where numpy needs several: the samples cast to the
 * run's type with their finiteness checked (the load op; numpy: min, max, cast), and
 * pre-emphasis (numpy: a product into a temporary, then the difference).
 *
 * fg_samples_*: out[i] = (TO) x[i], then out[i] *= (TO) scale unless scale == 1 (the
 * cast and the product of numpy's np.array(x, dtype=TO) followed by y *= scale, value
 * for value).  The finiteness test reads the bits: a value is NaN or infinite when its
 * exponent field is all ones; the flags of a whole block are OR-ed (an integer
 * reduction, which the compiler vectorises), so the loop has no branch.
 *
 * fg_finite_*: the same test alone, for samples passed on unchanged (numpy: a minimum
 * and a maximum, two passes).
 *
 * fg_samples_* write out while they read (one pass): on FG_ENONFINITE out may be partly
 * written, unlike the other kernels' outputs; the caller hands in a fresh buffer and
 * drops it on an error.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "featgraph.h"
#include "simd.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

/* Non-finite flags of n values of x (NaN or an infinity: exponent bits all ones), OR-ed. */
#define DEFINE_SAMPLES(NAME, FROM, TO, UINT, EXP)                             \
FG_CLONES static UINT NAME##_pass(const FROM *x, size_t n, TO scale,          \
                                  int scaled, TO *out)                        \
{                                                                             \
    UINT bad = 0;                                                             \
    for (size_t i = 0; i < n; i++) {                                          \
        UINT bits;                                                            \
        memcpy(&bits, &x[i], sizeof bits);                                    \
        bad |= (UINT)((bits & EXP) == EXP);                                   \
        TO v = (TO)x[i];                                                      \
        out[i] = scaled ? v * scale : v;                                      \
    }                                                                         \
    return bad;                                                               \
}                                                                             \
static int NAME(const FROM *x, size_t n, double scale, TO *out)               \
{                                                                             \
    if (!isfinite(scale))                                                     \
        return FG_EDOMAIN;                                                    \
    if (n == 0)                                                               \
        return FG_OK;                                                         \
    if (x == NULL || out == NULL)                                             \
        return FG_EINVAL;                                                     \
    return NAME##_pass(x, n, (TO)scale, scale != 1.0, out) ? FG_ENONFINITE : FG_OK; \
}

#define EXP64 UINT64_C(0x7ff0000000000000)
#define EXP32 UINT32_C(0x7f800000)

DEFINE_SAMPLES(samples_f64_f64, double, double, uint64_t, EXP64)
DEFINE_SAMPLES(samples_f64_f32, double, float, uint64_t, EXP64)
DEFINE_SAMPLES(samples_f32_f32, float, float, uint32_t, EXP32)
DEFINE_SAMPLES(samples_f32_f64, float, double, uint32_t, EXP32)

int fg_samples_f64_f64(const double *x, size_t n, double scale, double *out)
{
    return samples_f64_f64(x, n, scale, out);
}

int fg_samples_f64_f32(const double *x, size_t n, double scale, float *out)
{
    return samples_f64_f32(x, n, scale, out);
}

int fg_samples_f32_f32(const float *x, size_t n, double scale, float *out)
{
    return samples_f32_f32(x, n, scale, out);
}

int fg_samples_f32_f64(const float *x, size_t n, double scale, double *out)
{
    return samples_f32_f64(x, n, scale, out);
}

/* Pre-emphasis of n_rows rows of n samples: out[r, i] = x[r, i] - c x[r, i - 1] in the
 * type of x (the product rounded, then the difference: numpy's two operations), with
 * x[r, -1] = prev[r], or out[r, 0] = x[r, 0] when prev is NULL (the stream's start). */
#define DEFINE_PREEMPHASIS(NAME, T)                                           \
FG_CLONES static void NAME##_row(const T *x, size_t n, T c, T *out)           \
{                                                                             \
    for (size_t i = 1; i < n; i++)                                            \
        out[i] = x[i] - c * x[i - 1];                                         \
}                                                                             \
static int NAME(const T *x, size_t n_rows, size_t n, double coef,             \
                const T *prev, T *out)                                        \
{                                                                             \
    if (!(coef >= 0.0 && coef <= 1.0))                                        \
        return FG_EDOMAIN;                                                    \
    if (n_rows != 0 && n > SIZE_MAX / n_rows)                                 \
        return FG_EINVAL;                                                     \
    if (n_rows == 0 || n == 0)                                                \
        return FG_OK;                                                         \
    if (x == NULL || out == NULL)                                             \
        return FG_EINVAL;                                                     \
    T c = (T)coef;                                                            \
    for (size_t r = 0; r < n_rows; r++) {                                     \
        const T *xr = x + r * n;                                              \
        T *o = out + r * n;                                                   \
        o[0] = prev != NULL ? xr[0] - c * prev[r] : xr[0];                    \
        NAME##_row(xr, n, c, o);                                              \
    }                                                                         \
    return FG_OK;                                                             \
}

DEFINE_PREEMPHASIS(preemphasis_f64, double)
DEFINE_PREEMPHASIS(preemphasis_f32, float)

int fg_preemphasis_f64(const double *x, size_t n_rows, size_t n, double coef,
                       const double *prev, double *out)
{
    return preemphasis_f64(x, n_rows, n, coef, prev, out);
}

int fg_preemphasis_f32(const float *x, size_t n_rows, size_t n, double coef,
                       const float *prev, float *out)
{
    return preemphasis_f32(x, n_rows, n, coef, prev, out);
}

/* Non-finite flags of n values (the test of DEFINE_SAMPLES without the cast), OR-ed. */
#define DEFINE_FINITE(NAME, FROM, UINT, EXP)                                  \
FG_CLONES static UINT NAME##_pass(const FROM *x, size_t n)                    \
{                                                                             \
    UINT bad = 0;                                                             \
    for (size_t i = 0; i < n; i++) {                                          \
        UINT bits;                                                            \
        memcpy(&bits, &x[i], sizeof bits);                                    \
        bad |= (UINT)((bits & EXP) == EXP);                                   \
    }                                                                         \
    return bad;                                                               \
}

DEFINE_FINITE(finite_f64, double, uint64_t, EXP64)
DEFINE_FINITE(finite_f32, float, uint32_t, EXP32)

int fg_finite_f64(const double *x, size_t n)
{
    if (n == 0)
        return FG_OK;
    if (x == NULL)
        return FG_EINVAL;
    return finite_f64_pass(x, n) ? FG_ENONFINITE : FG_OK;
}

int fg_finite_f32(const float *x, size_t n)
{
    if (n == 0)
        return FG_OK;
    if (x == NULL)
        return FG_EINVAL;
    return finite_f32_pass(x, n) ? FG_ENONFINITE : FG_OK;
}
