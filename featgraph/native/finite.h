/*
 * fg_row_finite: 1 when every x[i] of n doubles is finite, a branch-free sweep that the
 * compiler vectorises (the AVX2 copy by FG_CLONES, simd.h).  Private to the C sources
 * that check whole rows before using them (smile_pitch.c, smile_voice.c).
 */
#ifndef FG_FINITE_H
#define FG_FINITE_H

#include <float.h>
#include <math.h>
#include <stddef.h>

#include "simd.h"

FG_CLONES
static int fg_row_finite(const double *x, size_t n)
{
    int ok = 1;
    for (size_t i = 0; i < n; i++)
        ok &= fabs(x[i]) <= DBL_MAX;
    return ok;
}

#endif /* FG_FINITE_H */
