/*
 * One pass over a buffer where numpy needs three: the samples of a block cast to the
 * run's type with their finiteness checked (the load op; numpy: min, max, cast).
 *
 * fg_samples_*: out[i] = (TO) x[i], then out[i] *= (TO) scale unless scale == 1 (the
 * cast and the product of numpy's np.array(x, dtype=TO) followed by y *= scale, value
 * for value).  The finiteness test reads the bits: a value is NaN or infinite when its
 * exponent field is all ones; the flags of a whole block are OR-ed (an integer
 * reduction, which the compiler vectorises), so the loop has no branch.
 *
 * They write out while they read (one pass): on FG_ENONFINITE out may be partly
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
int NAME(const FROM *x, size_t n, double scale, TO *out)                      \
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

DEFINE_SAMPLES(fg_samples_f64_f64, double, double, uint64_t, EXP64)
DEFINE_SAMPLES(fg_samples_f64_f32, double, float, uint64_t, EXP64)
DEFINE_SAMPLES(fg_samples_f32_f32, float, float, uint32_t, EXP32)
DEFINE_SAMPLES(fg_samples_f32_f64, float, double, uint32_t, EXP32)
