/*
 * Power spectrum of interleaved complex values, one pass:
 *
 *   out[i] = (re_i * re_i + im_i * im_i) + floor
 *
 * the same operations, in the same order, as the numpy definition
 * (featgraph.native.reference_spectral.power_spectrum), so the result is equal
 * bit for bit (the build does not contract a * b + c into a fused multiply-add:
 * -std=c99, no -ffast-math).  numpy needs two passes over the data and a
 * strided sum for this; here it is one read of z and one write of out.
 *
 * The magnitude, out[i] = sqrt(re_i * re_i + im_i * im_i), is the square root of that
 * power (floor 0) in the same pass: numpy's power then sqrt, bit for bit (IEEE sqrt is
 * correctly rounded; -fno-math-errno lets it vectorise).
 */
#include <math.h>

#include "featgraph.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#define POWER_BODY(T)                                                         \
    if (n == 0)                                                               \
        return FG_OK;                                                         \
    if (z == NULL || out == NULL)                                             \
        return FG_EINVAL;                                                     \
    if (!isfinite(floor_) || floor_ < 0)                                      \
        return FG_EDOMAIN;                                                    \
    {                                                                         \
        const T fl = (T)floor_;                                               \
        for (size_t i = 0; i < n; i++) {                                      \
            T re = z[2 * i], im = z[2 * i + 1];                               \
            out[i] = (re * re + im * im) + fl;                                \
        }                                                                     \
    }                                                                         \
    return FG_OK;

int fg_power_spectrum_f64(const double *z, size_t n, double floor_, double *out)
{
    POWER_BODY(double)
}

int fg_power_spectrum_f32(const float *z, size_t n, double floor_, float *out)
{
    POWER_BODY(float)
}

#define MAGNITUDE_BODY(T, SQRT)                                               \
    if (n == 0)                                                               \
        return FG_OK;                                                         \
    if (z == NULL || out == NULL)                                             \
        return FG_EINVAL;                                                     \
    for (size_t i = 0; i < n; i++) {                                          \
        T re = z[2 * i], im = z[2 * i + 1];                                   \
        out[i] = SQRT(re * re + im * im);                                     \
    }                                                                         \
    return FG_OK;

int fg_magnitude_spectrum_f64(const double *z, size_t n, double *out)
{
    MAGNITUDE_BODY(double, sqrt)
}

int fg_magnitude_spectrum_f32(const float *z, size_t n, float *out)
{
    MAGNITUDE_BODY(float, sqrtf)
}
