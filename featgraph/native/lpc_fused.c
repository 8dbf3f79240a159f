/*
 * Fused PLP back end: Levinson-Durbin, optional gain normalisation, the
 * LPC-to-cepstrum recursion and the lifter, per frame, in one pass.
 *
 * The same per-frame routines as the separate kernels in lpc.c
 * (levinson_frame, cepstrum_frame_f64; see lpc_frame.h) and the same
 * operations in the same order as the separate ops (featgraph/nodes/lpc.py:
 * a / max(err, floor), then the cepstrum, then c[n] * w[n]), so that the
 * float64 result equals the unfused chain bit for bit; the float32 variant
 * computes in double and rounds once at the end (the unfused float32 chain
 * rounds after each op).  References: see lpc.c (Levinson 1947, Durbin 1960,
 * Makhoul 1975, the HTK Book) and Hermansky 1990 for PLP.
 */
#include <math.h>
#include <stdint.h>

#include "featgraph.h"
#include "lpc_frame.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

static int fused_args(const void *r, size_t n_frames, size_t r_stride, size_t order,
                      double error_floor, size_t n_ceps, const void *c, const double *work)
{
    if (order == 0 || r_stride <= order || n_ceps == 0)
        return FG_EINVAL;
    if (!(error_floor > 0.0) || !isfinite(error_floor))
        return FG_EINVAL;
    if (n_frames == 0)
        return FG_OK;
    if (r == NULL || c == NULL || work == NULL)
        return FG_EINVAL;
    if (r_stride > SIZE_MAX / n_frames || n_ceps > SIZE_MAX / n_frames)
        return FG_EINVAL;
    return FG_OK;
}

/* 1 if lags 0..order of every row are finite; r is float (is_float) or double. */
static int lags_finite(const void *r, int is_float, size_t n_frames, size_t r_stride,
                       size_t order)
{
    size_t f, j;
    for (f = 0; f < n_frames; f++)
        for (j = 0; j <= order; j++) {
            size_t i = f * r_stride + j;
            double v = is_float ? (double)((const float *)r)[i] : ((const double *)r)[i];
            if (!isfinite(v))
                return 0;
        }
    return 1;
}

/* One frame: r (double, finite) -> c (double), using a (order + 1) of work. */
static int fused_frame(const double *r, size_t order, int gain_normalize,
                       double error_floor, size_t n_ceps, const double *lifter,
                       double *a, double *c)
{
    size_t j;
    double e;

    levinson_frame(r, order, a, &e);
    if (gain_normalize) {
        double g = e > error_floor ? e : error_floor;
        for (j = 0; j <= order; j++)
            a[j] = a[j] / g;
    }
    if (!(a[0] > 0.0))
        return FG_EDOMAIN;
    cepstrum_frame_f64(a, order, n_ceps, c);
    if (lifter != NULL)
        for (j = 0; j < n_ceps; j++)
            c[j] = c[j] * lifter[j];
    return FG_OK;
}

int fg_lpc_cepstra_f64(const double *r, size_t n_frames, size_t r_stride, size_t order,
                       int gain_normalize, double error_floor, size_t n_ceps,
                       const double *lifter, double *work, double *c)
{
    size_t f;
    int status = fused_args(r, n_frames, r_stride, order, error_floor, n_ceps, c, work);

    if (status == FG_OK && n_frames > 0 && !lags_finite(r, 0, n_frames, r_stride, order))
        status = FG_ENONFINITE;
    if (status != FG_OK || n_frames == 0)
        return status;
    for (f = 0; f < n_frames; f++) {
        status = fused_frame(r + f * r_stride, order, gain_normalize, error_floor, n_ceps,
                             lifter, work, c + f * n_ceps);
        if (status != FG_OK)
            return status;
    }
    return FG_OK;
}

int fg_lpc_cepstra_f32(const float *r, size_t n_frames, size_t r_stride, size_t order,
                       int gain_normalize, double error_floor, size_t n_ceps,
                       const double *lifter, double *work, float *c)
{
    size_t f, j;
    double *rw = work, *aw = work + order + 1, *cw = work + 2 * (order + 1);
    int status = fused_args(r, n_frames, r_stride, order, error_floor, n_ceps, c, work);

    if (status == FG_OK && n_frames > 0 && !lags_finite(r, 1, n_frames, r_stride, order))
        status = FG_ENONFINITE;
    if (status != FG_OK || n_frames == 0)
        return status;
    for (f = 0; f < n_frames; f++) {
        const float *rf = r + f * r_stride;
        float *cf = c + f * n_ceps;

        for (j = 0; j <= order; j++)
            rw[j] = (double)rf[j];
        status = fused_frame(rw, order, gain_normalize, error_floor, n_ceps, lifter, aw, cw);
        if (status != FG_OK)
            return status;
        for (j = 0; j < n_ceps; j++)
            cf[j] = (float)cw[j];
    }
    return FG_OK;
}
