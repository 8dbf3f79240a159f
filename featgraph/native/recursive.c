/*
 * Recursions over time: the one-pole filter y[t] = u[t] + pole * y[t-1],
 * run along frames for every band at once (the inner loop is over the
 * contiguous band axis), starting from a state the caller carries between
 * chunks of a stream.  See featgraph.h for the layout and status codes, and
 * reference.py for the numpy definition it must agree with.
 *
 * Reference: H. Hermansky and N. Morgan, "RASTA processing of speech",
 * IEEE Trans. Speech Audio Process. 2(4), 1994 (the integrator of the RASTA
 * band-pass filter).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "featgraph.h"

/* Keep every u + pole * y as two roundings, as numpy computes it (see lpc.c). */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

/* Checks shared by both precisions; *n receives n_batch * n_frames * n_bands. */
static int one_pole_args(const void *u, size_t n_batch, size_t n_frames, size_t n_bands,
                         double pole, const double *state, const void *y, size_t *n)
{
    size_t i, n_state;

    if (!isfinite(pole) || !(fabs(pole) < 1.0))
        return FG_EINVAL;
    if (n_bands != 0 && n_batch > SIZE_MAX / n_bands)
        return FG_EINVAL;
    n_state = n_batch * n_bands;
    if (n_frames != 0 && n_state > SIZE_MAX / n_frames)
        return FG_EINVAL;
    *n = n_state * n_frames;
    if (state != NULL)
        for (i = 0; i < n_state; i++)
            if (!isfinite(state[i]))
                return FG_ENONFINITE;
    if (*n == 0)
        return FG_OK;
    if (u == NULL || y == NULL)
        return FG_EINVAL;
    return FG_OK;
}

int fg_one_pole_f64(const double *u, size_t n_batch, size_t n_frames, size_t n_bands,
                    double pole, double *state, double *y)
{
    size_t n, b, t, k;
    int status = one_pole_args(u, n_batch, n_frames, n_bands, pole, state, y, &n);

    if (status != FG_OK || n == 0)
        return status;
    for (k = 0; k < n; k++)
        if (!isfinite(u[k]))
            return FG_ENONFINITE;
    for (b = 0; b < n_batch; b++) {
        const double *ub = u + b * n_frames * n_bands;
        double *yb = y + b * n_frames * n_bands;
        double *sb = state != NULL ? state + b * n_bands : NULL;

        if (sb != NULL)
            for (k = 0; k < n_bands; k++)
                yb[k] = ub[k] + pole * sb[k];
        else
            for (k = 0; k < n_bands; k++)
                yb[k] = ub[k];
        for (t = 1; t < n_frames; t++) {
            const double *ut = ub + t * n_bands;
            const double *prev = yb + (t - 1) * n_bands;
            double *yt = yb + t * n_bands;
            for (k = 0; k < n_bands; k++)
                yt[k] = ut[k] + pole * prev[k];
        }
        if (sb != NULL)
            for (k = 0; k < n_bands; k++)
                sb[k] = yb[(n_frames - 1) * n_bands + k];
    }
    return FG_OK;
}

int fg_one_pole_f32(const float *u, size_t n_batch, size_t n_frames, size_t n_bands,
                    double pole, double *state, float *y)
{
    size_t n, b, t, k;
    double *prev;
    int status = one_pole_args(u, n_batch, n_frames, n_bands, pole, state, y, &n);

    if (status != FG_OK || n == 0)
        return status;
    for (k = 0; k < n; k++)
        if (!isfinite(u[k]))
            return FG_ENONFINITE;
    /* The recursion runs on the double values; y only receives roundings. */
    if (n_bands > SIZE_MAX / sizeof(double))
        return FG_ENOMEM;
    prev = malloc(n_bands * sizeof(double));
    if (prev == NULL)
        return FG_ENOMEM;
    for (b = 0; b < n_batch; b++) {
        const float *ub = u + b * n_frames * n_bands;
        float *yb = y + b * n_frames * n_bands;
        double *sb = state != NULL ? state + b * n_bands : NULL;

        if (sb != NULL)
            for (k = 0; k < n_bands; k++)
                prev[k] = (double)ub[k] + pole * sb[k];
        else
            for (k = 0; k < n_bands; k++)
                prev[k] = (double)ub[k];
        for (k = 0; k < n_bands; k++)
            yb[k] = (float)prev[k];
        for (t = 1; t < n_frames; t++) {
            const float *ut = ub + t * n_bands;
            float *yt = yb + t * n_bands;
            for (k = 0; k < n_bands; k++) {
                prev[k] = (double)ut[k] + pole * prev[k];
                yt[k] = (float)prev[k];
            }
        }
        if (sb != NULL)
            for (k = 0; k < n_bands; k++)
                sb[k] = prev[k];
    }
    free(prev);
    return FG_OK;
}
