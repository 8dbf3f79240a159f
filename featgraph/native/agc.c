/*
 * Automatic gain control by a running energy estimate (Rabiner and Schafer,
 * "Introduction to Digital Speech Processing", 2007: the exponentially
 * weighted energy estimate of adaptive quantisation, used as a gain):
 *
 *   E(n) = (1 - alpha) x(n-1)^2 + alpha E(n-1)
 *   y(n) = x(n) / sqrt(max(E(n), floor))
 *
 * over the samples of each of n_batch independent rows.  The state carried
 * from one block to the next is, per row, energy = E(n-1) and prev = x(n-1)
 * (in, then out: updated to the last sample of the block), so a signal cut
 * into blocks anywhere gives the same output as the whole signal.
 * Computation is in double for both precisions, in the same order as the
 * numpy reference (reference_timedomain.py).
 */
#include <math.h>
#include <stdint.h>

#include "featgraph.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

static int agc_check(size_t n_batch, double alpha, double floor_, const double *energy,
                     const double *prev)
{
    if (!(alpha > 0.0 && alpha < 1.0) || !(floor_ > 0.0) || !isfinite(floor_))
        return FG_EINVAL;
    if (n_batch == 0)
        return FG_OK;
    if (energy == NULL || prev == NULL)
        return FG_EINVAL;
    for (size_t b = 0; b < n_batch; b++)
        if (!isfinite(energy[b]) || !(energy[b] >= 0.0) || !isfinite(prev[b]))
            return FG_EDOMAIN;
    return FG_OK;
}

#define AGC_BODY(T)                                                           \
    int status = agc_check(n_batch, alpha, floor_, energy, prev);             \
    if (status != FG_OK)                                                      \
        return status;                                                        \
    if (n_samples != 0 && n_batch > SIZE_MAX / n_samples)                     \
        return FG_EINVAL;                                                     \
    if (n_batch == 0 || n_samples == 0)                                       \
        return FG_OK;                                                         \
    if (x == NULL || y == NULL)                                               \
        return FG_EINVAL;                                                     \
    for (size_t i = 0; i < n_batch * n_samples; i++)                          \
        if (!isfinite((double)x[i]))                                          \
            return FG_ENONFINITE;                                             \
    for (size_t b = 0; b < n_batch; b++) {                                    \
        const T *xb = x + b * n_samples;                                      \
        T *yb = y + b * n_samples;                                            \
        double e = energy[b], xp = prev[b];                                   \
        for (size_t n = 0; n < n_samples; n++) {                              \
            double xn = (double)xb[n];                                        \
            e = (1.0 - alpha) * (xp * xp) + alpha * e;                        \
            yb[n] = (T)(xn / sqrt(e > floor_ ? e : floor_));                  \
            xp = xn;                                                          \
        }                                                                     \
        energy[b] = e;                                                        \
        prev[b] = xp;                                                         \
    }                                                                         \
    return FG_OK;

int fg_agc_f64(const double *x, size_t n_batch, size_t n_samples, double alpha,
               double floor_, double *energy, double *prev, double *y)
{
    AGC_BODY(double)
}

int fg_agc_f32(const float *x, size_t n_batch, size_t n_samples, double alpha,
               double floor_, double *energy, double *prev, float *y)
{
    AGC_BODY(float)
}
