/*
 * Natural logarithms of a block of values, branch-free so that the compiler vectorises
 * the loop (AVX2 clone via FG_CLONES, simd.h): the entropy's s ln s (moments.c) and MKL's
 * ln(1 + r) (framestats.c), about 3-4x faster than libm's log called per value.  Each
 * value is rounded alike whatever the vector width (no reduction, no fused multiply-add).
 * Private to the C sources.
 *
 * FG_LN_VEC(out, v), v > 0 normal and finite, within about 1 ulp of libm's log (tests check it
 * against numpy on 1e6 values over the whole range), after the classic reduction of
 * fdlibm's e_log.c (Sun Microsystems, 1993; the method, not its code):
 *
 *   v = 2^k z with z in [sqrt(1/2), sqrt(2)) (integer arithmetic on the bits),
 *   f = z - 1 (exact),  s = f / (2 + f),  ln z = 2 atanh(s) = f - f^2/2 + s (f^2/2 + R),
 *   R = sum_{j=1..10} 2 s^(2j) / (2j + 1)   (|s| < 0.1716: truncation below 1e-19),
 *   ln v = k ln2_hi + (ln z + k ln2_lo), ln2_hi with 21 significant bits (k ln2_hi exact).
 *
 * k as a double without an integer conversion instruction: the bits of 2^52 + (k + 1024).
 */
#ifndef FG_FASTLOG_H
#define FG_FASTLOG_H

#include <float.h>
#include <stdint.h>
#include <string.h>

#include "simd.h"

#define FG_LN2_HI 0x1.62e4200000000p-1
#define FG_LN2_LO 0x1.fdf473de6af28p-22

/* The parts of ln V (V > 0 normal and finite): V = 2^KD z, F = z - 1, HF = f^2 / 2 and
 * SR = s (f^2/2 + R), so that ln z = F - (HF - SR) (macros, not functions: an inline
 * function would not be inlined into the FG_CLONES / FG_NO_TRAPS loops, whose target and
 * options differ). */
#define FG_LN_PARTS(KD, F, HF, SR, V)                                         \
    do {                                                                      \
        double v_ = (V), z_;                                                  \
        uint64_t ix_, iz_, kb_;                                               \
        memcpy(&ix_, &v_, sizeof ix_);                                        \
        uint64_t tmp_ = ix_ - 0x3fe6a09e667f3bcdull + 0x4000000000000000ull;  \
        iz_ = ix_ - (tmp_ & 0xfff0000000000000ull) + 0x4000000000000000ull;   \
        kb_ = 0x4330000000000000ull | (tmp_ >> 52);       /* 2^52 + k + 1024 */ \
        memcpy(&z_, &iz_, sizeof z_);                                         \
        memcpy(&(KD), &kb_, sizeof(KD));                                      \
        (KD) -= 0x1p52 + 1024.0;                                              \
        double f_ = z_ - 1.0, s_ = f_ / (2.0 + f_), w_ = s_ * s_;             \
        double w2_ = w_ * w_, w4_ = w2_ * w2_, h_ = 0.5 * f_ * f_;            \
        double r_ = w_ * (((2.0 / 3 + w_ * (2.0 / 5)) + w2_ * (2.0 / 7 + w_ * (2.0 / 9))) \
                          + w4_ * (((2.0 / 11 + w_ * (2.0 / 13))              \
                                    + w2_ * (2.0 / 15 + w_ * (2.0 / 17)))     \
                                   + w4_ * (2.0 / 19 + w_ * (2.0 / 21))));    \
        (F) = f_;                                                             \
        (HF) = h_;                                                            \
        (SR) = s_ * (h_ + r_);                                                \
    } while (0)

/* OUT = ln V. */
#define FG_LN_VEC(OUT, V)                                                     \
    do {                                                                      \
        double kd2_, f2_, h2_, sr2_;                                          \
        FG_LN_PARTS(kd2_, f2_, h2_, sr2_, V);                                 \
        (OUT) = kd2_ * FG_LN2_HI - ((h2_ - (sr2_ + kd2_ * FG_LN2_LO)) - f2_); \
    } while (0)

/* out[k] = x[k] ln x[k] for x[k] > 0 (subnormals scaled by 2^54 first), 0 for x[k] = 0. */
#define FG_DEFINE_XLNX(NAME, T)                                               \
FG_CLONES FG_NO_TRAPS static void NAME(const T *x, size_t n, double *out)      \
{                                                                             \
    for (size_t k = 0; k < n; k++) {                                          \
        double v = (double)x[k];                                              \
        int tiny = v < DBL_MIN;                                               \
        double l;                                                             \
        FG_LN_VEC(l, tiny ? v * 0x1p54 : v);                                  \
        l -= tiny ? 54 * 0x1.62e42fefa39efp-1 : 0.0;                          \
        out[k] = v > 0 ? v * l : 0.0;                                         \
    }                                                                         \
}

/* out[k] = ln(1 + a[k] / max(amin, b[k])) for non-negative a, b and amin > 0: ln u of
 * u = 1 + r plus the rounding error of that sum (Knuth's TwoSum, exact) over u, so that a
 * tiny r keeps its relative precision; infinity and NaN come out as they go in. */
#define FG_DEFINE_LN1P_RATIO(NAME, T)                                         \
FG_CLONES FG_NO_TRAPS static void NAME(const T *a, const T *b, size_t n, double amin, \
                                       double *out)                           \
{                                                                             \
    for (size_t k = 0; k < n; k++) {                                          \
        double vb = (double)b[k];                                             \
        double r = (double)a[k] / (vb < amin ? amin : vb);                    \
        double u = 1.0 + r, rb = u - 1.0;                                     \
        double err = (1.0 - (u - rb)) + (r - rb);                             \
        double l;                                                             \
        FG_LN_VEC(l, r <= DBL_MAX ? u : 1.0);                                 \
        l += err / u;                                                         \
        out[k] = r <= DBL_MAX ? l : r;                                        \
    }                                                                         \
}

#endif
