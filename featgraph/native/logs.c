/*
 * Logarithms of float64 arrays, vectorised (logs.c).
 *
 *   out[k] = scale * ln(x[k])
 *
 * numpy's float64 log has a vector loop only with AVX-512; elsewhere each value goes to
 * libm (about 8 ns here, log10 twice that), which made the logarithm of a log-mel or
 * MFCC pipeline 5-10 % of its time.  Positive finite values go through fastlog.h's
 * branch-free FG_LN_VEC (within about 1 ulp of libm; subnormals scaled by 2^54 first),
 * 256 at a time; a block holding zero, a negative value, an infinity or NaN is
 * finished by libm's log value by value, so that every input gets libm's special
 * values (-inf for 0, NaN for x < 0 and NaN, inf for inf).  Then the product by
 * scale (1 / ln 10 for log10: one more rounding).  out may alias x.
 */
#include <float.h>
#include <math.h>
#include <stddef.h>

#include "fastlog.h"
#include "featgraph.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#define LOG_BLOCK 256

/* ln of n <= LOG_BLOCK values into out; returns whether all were positive and finite
 * (else the values of the others are meaningless). */
FG_CLONES FG_NO_TRAPS static int ln_block(const double *x, size_t n, double *out)
{
    int bad = 0;
    for (size_t k = 0; k < n; k++) {
        double v = x[k];
        int ok = v > 0 && v <= DBL_MAX;
        int tiny = v < DBL_MIN;
        double l, u = ok ? (tiny ? v * 0x1p54 : v) : 1.0;
        FG_LN_VEC(l, u);
        out[k] = l - (tiny && ok ? 54 * 0x1.62e42fefa39efp-1 : 0.0);
        bad |= !ok;
    }
    return !bad;
}

int fg_log_f64(const double *x, size_t n, double scale, double *out)
{
    if (n == 0)
        return FG_OK;
    if (x == NULL || out == NULL)
        return FG_EINVAL;
    if (!(fabs(scale) <= DBL_MAX))
        return FG_EDOMAIN;
    for (size_t at = 0; at < n; at += LOG_BLOCK) {
        size_t m = n - at < LOG_BLOCK ? n - at : LOG_BLOCK;
        double keep[LOG_BLOCK];              /* x may be out: the block's inputs */
        const double *in = x + at;
        if (in == out + at) {
            memcpy(keep, in, m * sizeof *keep);
            in = keep;
        }
        if (!ln_block(in, m, out + at))
            for (size_t k = 0; k < m; k++)
                if (!(in[k] > 0 && in[k] <= DBL_MAX))
                    out[at + k] = log(in[k]);
        if (scale != 1.0)
            for (size_t k = 0; k < m; k++)
                out[at + k] *= scale;
    }
    return FG_OK;
}
