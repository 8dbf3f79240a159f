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
 *
 * Powers x^e of float64 arrays, vectorised the same way (numpy's float64 power is a libm
 * pow call per value: a tenth of PNCC's float64 time for its 1/15 power law):
 *
 *   x = 2^k z (fastlog.h: z in [sqrt(1/2), sqrt(2)), ln z to about 1 ulp, |ln z| < 0.35),
 *   e k = m + phi, m an integer, |phi| <= 1/2: e = e_hi + e_lo with e_hi of 26 significant
 *     bits, so that e_hi k (|k| < 2^11) is exact and phi = (e_hi k - m) + e_lo k,
 *   x^e = 2^m exp(y), y = phi ln 2 + e ln z (|y| < 0.35 + 0.35 e, small: its rounding
 *     error stays near an ulp of the result, where exp(e ln x) would lose |e ln x| ulps),
 *   exp(y) = 2^j exp(r), j = nearest integer to y / ln 2, r = y - j ln 2 (ln 2 in two
 *     parts, |r| <= 0.35), exp(r) by its Taylor series to r^13 (truncation below 1e-18),
 *     Horner's scheme; 2^(m + j) made from its bits.
 *
 * Within a few ulp of libm's pow (the tests bound it by 4).  Zero, subnormal, infinite
 * and NaN inputs and results outside the normal range go to libm's pow, value by value,
 * so that they get its special values.  A negative x is FG_EDOMAIN.
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
FG_CLONES_512 FG_NO_TRAPS static int ln_block(const double *x, size_t n, double *out)
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

/* The inputs of the block at .. at + m - 1 (m <= LOG_BLOCK): x's own, or a copy in keep
 * when x is out (a kernel in place overwrites them). */
static const double *block_inputs(const double *x, const double *out, size_t at, size_t m,
                                  double *keep)
{
    if (x + at != out + at)
        return x + at;
    memcpy(keep, x + at, m * sizeof *keep);
    return keep;
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
        double keep[LOG_BLOCK];
        const double *in = block_inputs(x, out, at, m, keep);
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


#define POW_LN2 0x1.62e42fefa39efp-1
#define POW_MARK (-1.0)             /* a value for libm: no power is negative */

/* x^e for n <= LOG_BLOCK values into out (e_hi + e_lo = e, e_hi of 26 bits); a value
 * that needs libm is marked POW_MARK. */
FG_CLONES_512 FG_NO_TRAPS static void pow_block(const double *x, size_t n, double e, double e_hi,
                                            double e_lo, double *out)
{
    for (size_t k = 0; k < n; k++) {
        double v = x[k], kd, f, h, sr;
        int ok = v >= DBL_MIN && v <= DBL_MAX;
        FG_LN_PARTS(kd, f, h, sr, ok ? v : 1.0);
        double lnz = f - (h - sr);
        double p = e_hi * kd;
        double m = (p + 0x1.8p52) - 0x1.8p52;                 /* nearest integer */
        double y = ((p - m) + e_lo * kd) * POW_LN2 + e * lnz;
        double j = (y * (1.0 / POW_LN2) + 0x1.8p52) - 0x1.8p52;
        double r = (y - j * FG_LN2_HI) - j * FG_LN2_LO;
        double q = 1.0 / 6227020800.0;                        /* 1 / 13! */
        q = 1.0 / 479001600.0 + r * q;
        q = 1.0 / 39916800.0 + r * q;
        q = 1.0 / 3628800.0 + r * q;
        q = 1.0 / 362880.0 + r * q;
        q = 1.0 / 40320.0 + r * q;
        q = 1.0 / 5040.0 + r * q;
        q = 1.0 / 720.0 + r * q;
        q = 1.0 / 120.0 + r * q;
        q = 1.0 / 24.0 + r * q;
        q = 1.0 / 6.0 + r * q;
        q = 0.5 + r * q;
        q = 1.0 + r * q;
        q = 1.0 + r * q;
        double t = m + j + 1023.0;                            /* the biased exponent */
        int in = t >= 2.0 && t <= 2046.0;               /* normal results only */
        double tb = (in ? t : 1023.0) + 0x1p52, scale;
        uint64_t bits;
        memcpy(&bits, &tb, sizeof bits);
        bits <<= 52;                                          /* t in the exponent field */
        memcpy(&scale, &bits, sizeof scale);
        out[k] = (ok & in) ? q * scale : POW_MARK;
    }
}

/* Whether any of the n values of v is POW_MARK. */
FG_CLONES FG_NO_TRAPS static int pow_marked(const double *v, size_t n)
{
    int any = 0;
    for (size_t k = 0; k < n; k++)
        any |= v[k] == POW_MARK;
    return any;
}

int fg_pow_f64(const double *x, size_t n, double e, double *out)
{
    if (n == 0)
        return FG_OK;
    if (x == NULL || out == NULL)
        return FG_EINVAL;
    if (!(e > 0.0 && e <= 4.0))
        return FG_EDOMAIN;
    double e_hi;
    {                                       /* e to 26 significant bits (Dekker's split) */
        double c = 0x1p27 * e + e;
        e_hi = c - (c - e);
    }
    double e_lo = e - e_hi;
    for (size_t at = 0; at < n; at += LOG_BLOCK) {
        size_t m = n - at < LOG_BLOCK ? n - at : LOG_BLOCK;
        double keep[LOG_BLOCK];
        const double *in = block_inputs(x, out, at, m, keep);
        pow_block(in, m, e, e_hi, e_lo, out + at);
        if (pow_marked(out + at, m))
            for (size_t k = 0; k < m; k++) {
                if (in[k] < 0.0)
                    return FG_EDOMAIN;
                if (out[at + k] == POW_MARK)
                    out[at + k] = pow(in[k], e);
            }
    }
    return FG_OK;
}
